// Filing a channel message (Zalo, Facebook, e-mail) as a report with its attachments as evidence.
//
// Order, as for the web form: every attachment is first made durable in the vault (fetched from
// the platform's file server, or taken from the e-mail, through report::EvidenceIngest), then the
// report, its evidence rows and their custody events are committed in one transaction through
// the caller's `run_transaction`. A message seen before (same channel and external id) creates
// nothing new: the platform retried a delivery, or a mailbox was read twice.
//
// What the report holds: channel, external id, category "other" (a counsellor classifies it), the
// text as description (cut to the report's limit on a character boundary), the links that are
// valid report links (others are dropped), and the receiving unit. The sender's platform id is
// not stored (replying through the platform is not built yet).
//
// An attachment that cannot be fetched or stored does not stop the filing: it is counted in
// FilingResult::attachments_failed (the reasons go to the log by the caller, never with the
// address, which carries the platform's access tokens). Thread-safe when the collaborators are.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "audit/audit.hpp"
#include "intake/fetch.hpp"
#include "intake/mail.hpp"
#include "intake/message.hpp"
#include "report/ingest.hpp"
#include "report/keys.hpp"
#include "report/report.hpp"
#include "store/store.hpp"
#include "util/result.hpp"

namespace baove::intake {

// Runs `body` inside one durable transaction (a group commit in the server, a plain transaction in
// a command) and returns its status.
using TransactionRunner = std::function<Status(const std::function<Status(store::Connection&)>& body)>;

struct FilingContext {
  const report::Keys& keys;
  const audit::Log& log;
  report::EvidenceIngest& ingest;
  TransactionRunner run_transaction;
  std::string unit;                  // the receiving unit
  const Fetcher* fetcher = nullptr;  // for http(s) attachments; null: they are not fetched
  audit::Event base;                 // who files (actor of a command, or "" for a webhook) and from where
};

struct FilingResult {
  std::string report_id;
  std::string code;
  bool created = false;  // false when the message had been filed before
  std::size_t attachments_stored = 0;
  std::size_t attachments_failed = 0;
  std::vector<std::string> failures;  // one short reason per failed attachment ("fetch: not_found")
};

// Files `message`. `inline_bytes[i]`, when given, is the content of message.attachments[i] (e-mail
// attachments travel in the message); otherwise http(s) attachments are fetched. Errors: the
// transaction's (nothing is acknowledged then), invalid_argument when the message cannot make a
// valid report (no external id).
Result<FilingResult> file_message(const FilingContext& ctx, const ChannelMessage& message,
                                  const std::vector<const std::string*>& inline_bytes = {});

// The same for an e-mail: its attachments' bytes are taken from `mail`.
Result<FilingResult> file_mail(const FilingContext& ctx, const MailMessage& mail);

}  // namespace baove::intake
