// `baove ingest-mail`: e-mails to the hotline become reports. Reads RFC 5322 messages from a
// Maildir (--maildir DIR: every message waiting in DIR/new) or one message from standard input,
// and files each (intake/filing.hpp): attachments into the vault as evidence, then the report in
// one transaction. A Maildir message moves to cur/ only once it is filed, and a message filed
// before (same Message-ID) creates nothing new, so the command can run from cron or a mail
// server's delivery hook and be interrupted at any moment without losing or doubling a report.
//
// Output: one line a message ("filed BV-XXXXX-XXXXX: 2 attachments stored" or "seen before ...");
// never the sender, subject or content. Exit status: 0 all filed, 1 some message could not be read
// or filed (it stays in new/ for the next run), 2 usage or configuration error.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>

#include "bank/matcher.hpp"
#include "bank/store.hpp"
#include "cli/commands.hpp"
#include "intake/filing.hpp"
#include "intake/mail.hpp"
#include "platform/config.hpp"
#include "platform/platform.hpp"
#include "report/ingest.hpp"
#include "report/keys.hpp"

namespace baove::cli {
namespace {

struct IngestArgs {
  std::string config_file;
  std::string data_dir;
  std::string database;
  std::string maildir;
  std::string unit;
};

int run_ingest(const IngestArgs& a) {
  platform::Overrides flags;
  if (!a.data_dir.empty()) flags["data_dir"] = a.data_dir;
  if (!a.database.empty()) flags["database"] = a.database;
  if (!a.unit.empty()) flags["intake_unit"] = a.unit;
  auto config = platform::load_config(a.config_file, flags, [](const char* n) { return std::getenv(n); });
  if (!config.ok()) {
    std::cerr << "baove ingest-mail: " << config.error().message << "\n";
    return 2;
  }
  auto p = platform::Platform::open(*config);
  if (!p.ok()) {
    std::cerr << "baove ingest-mail: " << p.error().message << "\n";
    return 1;
  }
  platform::Platform& platform = **p;
  auto keys = report::Keys::load_or_create(config->data_dir / "keys" / "report.key");
  if (!keys.ok()) {
    std::cerr << "baove ingest-mail: " << keys.error().message << "\n";
    return 1;
  }
  auto banks = bank::open_sqlite_store(config->bank_database_path());
  if (!banks.ok()) {
    std::cerr << "baove ingest-mail: bank database: " << banks.error().message << "\n";
    return 1;
  }
  auto matcher = bank::Matcher::load(**banks);
  if (!matcher.ok()) {
    std::cerr << "baove ingest-mail: bank database: " << matcher.error().message << "\n";
    return 1;
  }
  report::IngestOptions io;
  io.max_file_bytes = config->upload_file_limit_bytes;
  report::EvidenceIngest ingest(platform.vault(), matcher->get(), io);
  std::string unit = config->intake_unit;
  if (unit.empty()) {
    auto rows = platform.db().query("SELECT id FROM auth_units WHERE parent_id IS NULL ORDER BY id LIMIT 1");
    if (!rows.ok() || rows->empty()) {
      std::cerr << "baove ingest-mail: no receiving unit: run 'baove admin bootstrap' or set intake_unit\n";
      return 1;
    }
    unit = (*rows)[0].text(0);
  }
  intake::FilingContext ctx{*keys,
                            platform.audit_log(),
                            ingest,
                            [&](const std::function<Status(store::Connection&)>& body) -> Status {
                              store::Transaction tx(platform.db());
                              BAOVE_TRY(tx.started());
                              BAOVE_TRY(body(platform.db()));
                              return tx.commit();
                            },
                            unit,
                            nullptr,
                            {}};
  ctx.base.reason = "ingest-mail";

  int failures = 0;
  auto file_one = [&](std::string_view raw, const std::string& label) -> bool {
    auto mail = intake::parse_mail(raw);
    if (!mail.ok()) {
      std::cerr << "baove ingest-mail: " << label << ": " << mail.error().message << "\n";
      ++failures;
      return false;
    }
    auto filed = intake::file_mail(ctx, *mail);
    if (!filed.ok()) {
      std::cerr << "baove ingest-mail: " << label << ": not filed: " << filed.error().message << "\n";
      ++failures;
      return false;
    }
    std::printf("%s %s: %zu attachment%s stored%s\n", filed->created ? "filed" : "seen before",
                filed->code.c_str(), filed->attachments_stored, filed->attachments_stored == 1 ? "" : "s",
                filed->attachments_failed
                    ? (", " + std::to_string(filed->attachments_failed) + " refused").c_str()
                    : "");
    std::fflush(stdout);
    return true;
  };

  if (a.maildir.empty()) {
    std::string raw((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (raw.size() > intake::kMaxMailBytes) {
      std::cerr << "baove ingest-mail: message larger than the limit\n";
      return 1;
    }
    file_one(raw, "standard input");
  } else {
    auto dir = intake::Maildir::open(a.maildir);
    if (!dir.ok()) {
      std::cerr << "baove ingest-mail: " << dir.error().message << "\n";
      return 2;
    }
    auto names = dir->list_new();
    if (!names.ok()) {
      std::cerr << "baove ingest-mail: " << names.error().message << "\n";
      return 1;
    }
    std::size_t done = 0;
    for (const auto& name : *names) {
      auto raw = dir->read_new(name);
      if (!raw.ok()) {
        if (raw.error().code == ErrorCode::not_found) continue;  // taken by a concurrent run
        std::cerr << "baove ingest-mail: " << name << ": " << raw.error().message << "\n";
        ++failures;
        continue;
      }
      if (!file_one(*raw, name)) continue;
      Status seen = dir->mark_seen(name);
      if (!seen.ok()) {
        std::cerr << "baove ingest-mail: " << name
                  << ": filed, but not moved to cur/: " << seen.error().message << "\n";
        ++failures;
      }
      if (++done % 100 == 0) std::fprintf(stderr, "ingest-mail: %zu of %zu messages\n", done, names->size());
    }
  }
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  auto cp = platform.audit_log().checkpoint(platform.db(), now);
  if (!cp.ok())
    std::cerr << "baove ingest-mail: warning: no audit checkpoint signed: " << cp.error().message << "\n";
  return failures == 0 ? 0 : 1;
}

}  // namespace

void register_ingest_mail(CLI::App& app, Registry& registry) {
  auto args = std::make_shared<IngestArgs>();
  auto* cmd =
      app.add_subcommand("ingest-mail", "File e-mails to the hotline as reports (Maildir or standard input)");
  cmd->add_option("--maildir", args->maildir,
                  "A Maildir: files every message in its new/ (default: one message on stdin)");
  cmd->add_option("--config", args->config_file, "Configuration file (as for serve)");
  cmd->add_option("--data-dir", args->data_dir, "Data directory (default: $BAOVE_DATA_DIR, else ./var)");
  cmd->add_option("--database", args->database, "Database URL (default: sqlite:<data-dir>/baove.db)");
  cmd->add_option("--unit", args->unit,
                  "Unit id receiving the reports (default: intake_unit, else the root unit)");
  cmd->callback([args, &registry] { registry.exit_code = run_ingest(*args); });
}

}  // namespace baove::cli
