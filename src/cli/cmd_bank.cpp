// `baove bank`: create, list, import, export, stats, enable/disable banks and entries.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "bank/formats.hpp"
#include "bank/store.hpp"
#include "cli/commands.hpp"

namespace baove::cli {
namespace {

namespace fs = std::filesystem;
using namespace baove::bank;

constexpr int kFailed = 1;
constexpr int kUsage = 2;

int fail(const Error& e) {
  std::cerr << "baove: " << e.message << "\n";
  return kFailed;
}

int usage(const std::string& message) {
  std::cerr << "baove: " << message << "\n";
  return kUsage;
}

Result<std::unique_ptr<BankStore>> open_store(const std::string& db_flag) {
  auto path = resolve_db_path(db_flag);
  if (!path) return path.error();
  return open_sqlite_store(*path);
}

struct BankArgs {
  std::string db;
  std::string name;
  std::string owner;
  std::string description;
  std::string file;
  std::string format = "plain";
  std::string type;
  std::string classification;
  std::string source;
  std::string list;
  std::string output;
  bool skip_invalid = false;
  bool include_disabled = false;
  bool json = false;
  std::int64_t entry_id = 0;
};

void add_db(CLI::App* sub, BankArgs& a) {
  sub->add_option("--db", a.db, "SQLite database (default: $BAOVE_DB, else ./var/baove.db)");
}

int run_create(const BankArgs& a) {
  auto store = open_store(a.db);
  if (!store) return fail(store.error());
  auto bank = (*store)->create_bank(NewBank{a.name, a.owner, a.description, true});
  if (!bank) return fail(bank.error());
  std::cout << "created bank " << bank->name << " (id " << bank->id << ")\n";
  return 0;
}

int run_list(const BankArgs& a) {
  auto store = open_store(a.db);
  if (!store) return fail(store.error());
  auto banks = (*store)->list_banks();
  if (!banks) return fail(banks.error());
  nlohmann::json out = nlohmann::json::array();
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"NAME", "ENABLED", "ENTRIES", "OWNER", "CREATED", "DESCRIPTION"});
  for (const Bank& b : *banks) {
    auto s = (*store)->stats(b.id);
    if (!s) return fail(s.error());
    if (a.json) {
      out.push_back({{"id", b.id},
                     {"name", b.name},
                     {"owner_unit", b.owner_unit},
                     {"description", b.description},
                     {"enabled", b.enabled},
                     {"created_at", b.created_at},
                     {"entries", s->entries},
                     {"disabled_entries", s->disabled_entries}});
    } else {
      rows.push_back({b.name, b.enabled ? "yes" : "no", std::to_string(s->entries), b.owner_unit,
                      b.created_at, b.description});
    }
  }
  if (a.json) {
    std::cout << out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  std::vector<std::size_t> width(rows[0].size(), 0);
  for (const auto& r : rows) {
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    std::cout << line << "\n";
  }
  return 0;
}

int run_import(const BankArgs& a) {
  const auto format = parse_format(a.format);
  if (!format) return usage("unknown format '" + a.format + "' (expected plain, te-csv, vics or hashlist)");
  ImportOptions opt;
  opt.format = *format;
  opt.skip_invalid = a.skip_invalid;
  if (!a.type.empty()) {
    opt.parse.type = parse_signal_type(a.type);
    if (!opt.parse.type) return usage("unknown --type '" + a.type + "' (expected pdq, md5, sha1 or sha256)");
  }
  if (!a.classification.empty()) {
    auto c = Classification::parse(a.classification);
    if (!c) return usage(c.error().message);
    opt.parse.classification = *c;
  }
  opt.parse.source.contributor = a.source;
  opt.parse.source.list =
      !a.list.empty() ? a.list : (a.file == "-" ? std::string() : fs::path(a.file).filename().string());
  opt.on_skipped = [](const ParseIssue& issue) {
    std::cerr << "baove: skipped " << issue.to_string() << "\n";
  };

  auto store = open_store(a.db);
  if (!store) return fail(store.error());
  auto bank = (*store)->find_bank(a.name);
  if (!bank) return fail(bank.error());
  std::ifstream file;
  std::istream* in = &std::cin;
  if (a.file != "-") {
    std::error_code ec;
    if (fs::is_directory(a.file, ec)) return fail(make_error(ErrorCode::io, a.file + ": is a directory"));
    file.open(a.file, std::ios::binary);
    if (!file) return fail(make_error(ErrorCode::not_found, "cannot open " + a.file));
    in = &file;
  }
  auto report = import_entries(**store, bank->id, *in, opt);
  if (!report) {
    std::cerr << "baove: " << (a.file == "-" ? std::string("stdin") : a.file) << ": "
              << report.error().message << " (nothing imported)\n";
    return kFailed;
  }
  std::cout << "imported " << report->added << " entries into " << bank->name << " (" << report->duplicates
            << " duplicates skipped";
  if (a.skip_invalid) std::cout << ", " << report->skipped << " invalid records skipped";
  std::cout << ")\n";
  return 0;
}

int run_export(const BankArgs& a) {
  const auto format = parse_format(a.format);
  if (!format) return usage("unknown format '" + a.format + "' (expected plain, te-csv, vics or hashlist)");
  auto store = open_store(a.db);
  if (!store) return fail(store.error());
  auto bank = (*store)->find_bank(a.name);
  if (!bank) return fail(bank.error());
  ExportOptions opt;
  opt.include_disabled = a.include_disabled;
  if (a.output.empty() || a.output == "-") {
    auto r = export_entries(**store, bank->id, *format, std::cout, opt);
    if (!r) return fail(r.error());
    std::cerr << "exported " << r->written << " entries (" << r->skipped << " not exported)\n";
    return 0;
  }
  // Written beside the target and renamed over it, so that FILE is never half written.
  const fs::path target(a.output);
  fs::path tmp = target;
  tmp += ".tmp." + std::to_string(::getpid());
  std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
  if (!out) return fail(make_error(ErrorCode::io, "cannot write " + tmp.string()));
  auto r = export_entries(**store, bank->id, *format, out, opt);
  out.close();
  std::error_code ec;
  if (!r || !out) {
    fs::remove(tmp, ec);
    return fail(r ? make_error(ErrorCode::io, "cannot write " + a.output) : r.error());
  }
  fs::rename(tmp, target, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return fail(make_error(ErrorCode::io, "cannot write " + a.output + ": " + ec.message()));
  }
  std::cerr << "exported " << r->written << " entries to " << a.output << " (" << r->skipped
            << " not exported)\n";
  return 0;
}

int run_stats(const BankArgs& a) {
  auto store = open_store(a.db);
  if (!store) return fail(store.error());
  std::optional<std::int64_t> id;
  if (!a.name.empty()) {
    auto bank = (*store)->find_bank(a.name);
    if (!bank) return fail(bank.error());
    id = bank->id;
  }
  auto s = (*store)->stats(id);
  if (!s) return fail(s.error());
  if (a.json) {
    nlohmann::json j = {{"bank", a.name.empty() ? nlohmann::json(nullptr) : nlohmann::json(a.name)},
                        {"entries", s->entries},
                        {"enabled", s->enabled_entries},
                        {"disabled", s->disabled_entries},
                        {"by_signal_type", s->by_signal_type},
                        {"by_classification", s->by_classification}};
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  std::cout << "bank: " << (a.name.empty() ? std::string("(all)") : a.name) << "\n";
  std::cout << "entries: " << s->entries << " (" << s->enabled_entries << " enabled, " << s->disabled_entries
            << " disabled)\n";
  std::cout << "by signal type:\n";
  for (const auto& [k, v] : s->by_signal_type) std::cout << "  " << k << ": " << v << "\n";
  std::cout << "by classification:\n";
  for (const auto& [k, v] : s->by_classification) {
    std::cout << "  " << (k.empty() ? std::string("(unclassified)") : k) << ": " << v << "\n";
  }
  return 0;
}

int run_bank_enabled(const BankArgs& a, bool enabled) {
  auto store = open_store(a.db);
  if (!store) return fail(store.error());
  auto bank = (*store)->find_bank(a.name);
  if (!bank) return fail(bank.error());
  auto s = (*store)->set_bank_enabled(bank->id, enabled);
  if (!s) return fail(s.error());
  std::cout << (enabled ? "enabled" : "disabled") << " bank " << bank->name << "\n";
  return 0;
}

int run_entry(const BankArgs& a, const char* action) {
  auto store = open_store(a.db);
  if (!store) return fail(store.error());
  const std::string what = action;
  Status s;
  if (what == "disabled" || what == "enabled") {
    s = (*store)->set_entry_disabled(a.entry_id, what == "disabled");
  } else if (what == "removed") {
    s = (*store)->remove_entry(a.entry_id);
  } else {
    auto e = (*store)->get_entry(a.entry_id);
    if (!e) return fail(e.error());
    auto b = (*store)->get_bank(e->bank_id);
    if (!b) return fail(b.error());
    nlohmann::json j = {
        {"id", e->id},
        {"bank", b->name},
        {"signal_type", to_string(e->type)},
        {"value", e->value},
        {"classification", {{"scheme", e->classification.scheme}, {"label", e->classification.label}}},
        {"source", {{"contributor", e->source.contributor}, {"list", e->source.list}, {"id", e->source.id}}},
        {"added_at", e->added_at},
        {"note", e->note},
        {"disabled", e->disabled}};
    std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  if (!s) return fail(s.error());
  std::cout << what << " entry " << a.entry_id << "\n";
  return 0;
}

}  // namespace

void register_bank(CLI::App& app, Registry& registry) {
  auto a = std::make_shared<BankArgs>();
  CLI::App* bank =
      app.add_subcommand("bank", "Known-material banks: create, import, export, enable, disable");
  bank->require_subcommand(1);
  auto run = [&registry, a](int (*fn)(const BankArgs&)) {
    return [&registry, a, fn]() { registry.exit_code = fn(*a); };
  };

  CLI::App* create = bank->add_subcommand("create", "Create a bank");
  create->add_option("name", a->name, "Bank name (unique)")->required();
  create->add_option("--owner", a->owner, "Owning unit");
  create->add_option("--description", a->description, "What the bank holds");
  add_db(create, *a);
  create->callback(run(run_create));

  CLI::App* list = bank->add_subcommand("list", "List banks");
  list->add_flag("--json", a->json, "JSON output");
  add_db(list, *a);
  list->callback(run(run_list));

  CLI::App* imp =
      bank->add_subcommand("import", "Import a hash list into a bank (all or nothing by default)");
  imp->add_option("name", a->name, "Bank name")->required();
  imp->add_option("file", a->file, "File to import ('-': standard input)")->required();
  imp->add_option("--format", a->format, "plain (default), te-csv, vics or hashlist");
  imp->add_option("--type", a->type, "Signal type of values written without one (pdq, md5, sha1, sha256)");
  imp->add_option("--classification", a->classification, "scheme:label for entries without their own");
  imp->add_option("--source", a->source, "Contributor of the list");
  imp->add_option("--list", a->list, "List name (default: the file's name)");
  imp->add_flag("--skip-invalid", a->skip_invalid, "Import the valid records, report and skip the rest");
  add_db(imp, *a);
  imp->callback(run(run_import));

  CLI::App* exp = bank->add_subcommand("export", "Export a bank's entries");
  exp->add_option("name", a->name, "Bank name")->required();
  exp->add_option("--format", a->format, "plain (default), te-csv, vics (md5/sha1 only) or hashlist");
  exp->add_option("-o,--output", a->output, "Output file (default: standard output)");
  exp->add_flag("--include-disabled", a->include_disabled, "Also export disabled entries");
  add_db(exp, *a);
  exp->callback(run(run_export));

  CLI::App* stats = bank->add_subcommand("stats", "Counts by signal type, classification, enabled/disabled");
  stats->add_option("name", a->name, "Bank name (default: all banks)");
  stats->add_flag("--json", a->json, "JSON output");
  add_db(stats, *a);
  stats->callback(run(run_stats));

  CLI::App* disable = bank->add_subcommand("disable", "Disable a whole bank (it stops matching)");
  disable->add_option("name", a->name, "Bank name")->required();
  add_db(disable, *a);
  disable->callback([&registry, a]() { registry.exit_code = run_bank_enabled(*a, false); });

  CLI::App* enable = bank->add_subcommand("enable", "Enable a bank again");
  enable->add_option("name", a->name, "Bank name")->required();
  add_db(enable, *a);
  enable->callback([&registry, a]() { registry.exit_code = run_bank_enabled(*a, true); });

  struct EntryCommand {
    const char* name;
    const char* help;
    const char* action;
  };
  for (const EntryCommand& c :
       {EntryCommand{"disable-entry", "Disable one entry (a false positive)", "disabled"},
        EntryCommand{"enable-entry", "Enable a disabled entry again", "enabled"},
        EntryCommand{"remove-entry", "Delete one entry", "removed"},
        EntryCommand{"show-entry", "Print one entry as JSON", "shown"}}) {
    CLI::App* sub = bank->add_subcommand(c.name, c.help);
    sub->add_option("id", a->entry_id, "Entry id (as `baove match` reports it)")->required();
    add_db(sub, *a);
    const char* action = c.action;
    sub->callback([&registry, a, action]() { registry.exit_code = run_entry(*a, action); });
  }
}

}  // namespace baove::cli
