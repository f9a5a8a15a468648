// `baove match`: looks hashes or images up in the banks.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "bank/formats.hpp"
#include "bank/matcher.hpp"
#include "bank/store.hpp"
#include "cli/commands.hpp"
#include "hash/hasher.hpp"
#include "match/pdq_index.hpp"

namespace baove::cli {
namespace {

namespace fs = std::filesystem;
using namespace baove::bank;

constexpr int kFailed = 1;
constexpr int kUsage = 2;
constexpr std::size_t kMaxQueryLine = 64 * 1024;

constexpr const char* kVariantNames[] = {"original", "rot90", "rot180",    "rot270",
                                         "flipx",    "flipy", "flipplus1", "flipminus1"};

struct MatchArgs {
  std::string db;
  std::vector<std::string> banks;
  int radius = hash::kPdqMatchThreshold;
  bool dihedral = false;
  bool json = false;
  std::string hashes;
  std::vector<std::string> paths;
};

std::string csv(std::string_view s) {
  if (s.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

// One thing looked up: a line of --hashes or an image.
struct Item {
  std::string label;                                       // the value, or the path
  std::optional<std::size_t> line;                         // for --hashes
  std::vector<std::pair<SignalType, std::string>> values;  // shown in JSON output
  Query query;
};

class Output {
 public:
  explicit Output(const MatchArgs& a) : a_(a) {
    if (!a_.json) {
      std::cout << "query,signal_type,entry_id,bank,distance,classification,source,low_quality"
                << (a_.dihedral ? ",variant" : "") << "\n";
    }
  }

  void write(const Item& item, const std::vector<QueryMatch>& matches) {
    const auto& q = item.query;
    const bool low = q.pdq_quality && *q.pdq_quality < hash::kPdqMinQuality;
    if (a_.json) {
      nlohmann::json j;
      j["query"] = item.label;
      if (item.line) j["line"] = *item.line;
      for (const auto& [t, v] : item.values) j[to_string(t)] = v;
      if (q.pdq_quality) j["quality"] = *q.pdq_quality;
      j["low_quality"] = low;
      nlohmann::json ms = nlohmann::json::array();
      for (const QueryMatch& qm : matches) {
        const Match& m = qm.match;
        nlohmann::json o = {
            {"signal_type", to_string(qm.type)},
            {"entry_id", m.entry.id},
            {"bank", m.bank},
            {"distance", m.distance},
            {"classification",
             {{"scheme", m.entry.classification.scheme}, {"label", m.entry.classification.label}}},
            {"source",
             {{"contributor", m.entry.source.contributor},
              {"list", m.entry.source.list},
              {"id", m.entry.source.id}}},
            {"value", m.entry.value},
            {"low_quality", qm.low_quality}};
        if (m.variant >= 0) o["variant"] = kVariantNames[m.variant];
        ms.push_back(std::move(o));
      }
      j["matches"] = std::move(ms);
      std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
      return;
    }
    for (const QueryMatch& qm : matches) {
      const Match& m = qm.match;
      std::cout << csv(item.label) << ',' << to_string(qm.type) << ',' << m.entry.id << ',' << csv(m.bank)
                << ',' << m.distance << ',' << csv(m.entry.classification.to_string()) << ','
                << csv(m.entry.source.to_string()) << ',' << (qm.low_quality ? "true" : "false");
      if (a_.dihedral) std::cout << ',' << (m.variant >= 0 ? kVariantNames[m.variant] : "");
      std::cout << "\n";
    }
  }

 private:
  const MatchArgs& a_;
};

// Image files: the paths given, directories walked (sorted) for their regular files.
std::vector<std::string> expand_paths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!fs::is_directory(p, ec)) {
      out.push_back(p);
      continue;
    }
    std::vector<std::string> found;
    for (auto it = fs::recursive_directory_iterator(p, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_regular_file(ec)) found.push_back(it->path().string());
    }
    std::sort(found.begin(), found.end());
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

int run_match(const MatchArgs& a) {
  if (a.radius < 0 || a.radius > match::kMaxRadius) {
    std::cerr << "baove: --radius must be between 0 and " << match::kMaxRadius << ", got " << a.radius
              << "\n";
    return kUsage;
  }
  if (a.hashes.empty() == a.paths.empty()) {
    std::cerr << "baove: give either --hashes FILE or image paths\n";
    return kUsage;
  }
  if (a.dihedral && !a.hashes.empty()) {
    std::cerr << "baove: --dihedral needs image paths (a hash has no dihedral variants)\n";
    return kUsage;
  }
  auto path = resolve_db_path(a.db);
  if (!path) {
    std::cerr << "baove: " << path.error().message << "\n";
    return kFailed;
  }
  auto store = open_sqlite_store(*path);
  if (!store) {
    std::cerr << "baove: " << store.error().message << "\n";
    return kFailed;
  }
  BankScope scope;
  if (!a.banks.empty()) {
    scope.all = false;
    for (const std::string& name : a.banks) {
      auto b = (*store)->find_bank(name);
      if (!b) {
        std::cerr << "baove: " << b.error().message << "\n";
        return kFailed;
      }
      if (!b->enabled) std::cerr << "baove: warning: bank " << name << " is disabled and matches nothing\n";
      scope.bank_ids.push_back(b->id);
    }
  }
  auto matcher = Matcher::load(**store, scope);
  if (!matcher) {
    std::cerr << "baove: " << matcher.error().message << "\n";
    return kFailed;
  }

  Output output(a);
  std::size_t queries = 0, matched = 0;
  bool failed = false;
  auto answer = [&](const Item& item) {
    auto ms = (*matcher)->match(item.query, a.radius);
    if (!ms) {
      std::cerr << "baove: " << item.label << ": " << ms.error().message << "\n";
      failed = true;
      return;
    }
    ++queries;
    if (!ms->empty()) ++matched;
    output.write(item, *ms);
  };

  if (!a.hashes.empty()) {
    std::ifstream file;
    std::istream* in = &std::cin;
    if (a.hashes != "-") {
      file.open(a.hashes, std::ios::binary);
      std::error_code ec;
      if (!file || fs::is_directory(a.hashes, ec)) {
        std::cerr << "baove: cannot open " << a.hashes << "\n";
        return kFailed;
      }
      in = &file;
    }
    std::string line;
    std::size_t n = 0;
    while (true) {
      line.clear();
      bool too_long = false;
      int c;
      bool any = false;
      while ((c = in->get()) != EOF) {
        any = true;
        if (c == '\n') break;
        if (line.size() < kMaxQueryLine) {
          line.push_back(static_cast<char>(c));
        } else {
          too_long = true;
        }
      }
      if (!any) break;
      ++n;
      if (too_long) {
        std::cerr << "baove: line " << n << ": longer than " << kMaxQueryLine << " bytes\n";
        failed = true;
        continue;
      }
      auto parsed = parse_query_line(line);
      if (!parsed) {
        std::cerr << "baove: line " << n << ": " << parsed.error().message << "\n";
        failed = true;
        continue;
      }
      if (!*parsed) continue;
      Item item;
      item.label = (*parsed)->label;
      item.line = n;
      item.values = (*parsed)->values;
      item.query.pdq_quality = (*parsed)->quality;
      for (const auto& [t, v] : item.values) {
        if (t == SignalType::pdq) {
          auto h = hash::PdqHash::from_hex(v);
          if (h) item.query.pdq.push_back(*h);
        } else {
          item.query.digests.emplace_back(t, v);
        }
      }
      answer(item);
    }
    if (in->bad()) {
      std::cerr << "baove: read error in " << a.hashes << "\n";
      failed = true;
    }
  } else {
    hash::HashOptions options;
    options.dihedral = a.dihedral;
    for (const std::string& p : expand_paths(a.paths)) {
      auto h = hash::hash_file(p, options);
      if (!h && h.error().code != ErrorCode::not_found && h.error().code != ErrorCode::io) {
        // Not a decodable image: its digests can still be known.
        hash::HashOptions digests_only;
        digests_only.pdq = false;
        auto d = hash::hash_file(p, digests_only);
        if (d) {
          std::cerr << "baove: warning: " << h.error().message << ": matching its digests only\n";
          h = std::move(d);
        }
      }
      if (!h) {
        std::cerr << "baove: " << h.error().message << "\n";
        failed = true;
        continue;
      }
      Item item;
      item.label = p;
      item.query = query_from_hashes(*h, a.dihedral);
      if (!item.query.pdq.empty()) item.values.emplace_back(SignalType::pdq, h->pdq.hash.to_hex());
      for (const auto& d : item.query.digests) item.values.push_back(d);
      answer(item);
    }
  }
  std::cout.flush();
  std::cerr << queries << " queries, " << matched << " matched\n";
  return failed ? kFailed : 0;
}

}  // namespace

void register_match(CLI::App& app, Registry& registry) {
  auto a = std::make_shared<MatchArgs>();
  CLI::App* sub = app.add_subcommand("match", "Look hashes or images up in the banks");
  sub->add_option("--bank", a->banks, "Bank to match against (repeatable; default: all enabled banks)")
      ->allow_extra_args(false)
      ->delimiter(',');
  sub->add_option("--radius", a->radius, "PDQ match radius, 0..64 (default 31)");
  sub->add_flag("--dihedral", a->dihedral, "Also match the 8 rotations and flips of each image");
  sub->add_flag("--json", a->json, "One JSON object per query instead of CSV");
  sub->add_option(
      "--hashes", a->hashes,
      "File of hashes, one a line: <hex>, <type> <hex>, or hash,quality,path ('-': standard input)");
  sub->add_option("paths", a->paths, "Images (or directories of images) to hash and match");
  sub->add_option("--db", a->db, "SQLite database (default: $BAOVE_DB, else ./var/baove.db)");
  sub->callback([&registry, a]() { registry.exit_code = run_match(*a); });
}

}  // namespace baove::cli
