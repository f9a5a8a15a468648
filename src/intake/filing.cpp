#include "intake/filing.hpp"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <optional>
#include <thread>

#include "util/byte_pipe.hpp"

namespace baove::intake {

namespace {

Result<report::IngestedFile> fetch_into_vault(const FilingContext& ctx, const Attachment& a) {
  BytePipe pipe(1 << 20);
  std::thread producer([&] {
    auto got = ctx.fetcher->fetch(a.url, [&](std::span<const std::uint8_t> b) { return pipe.push(b); });
    pipe.close(got.ok() ? std::nullopt : std::optional<Error>(got.error().with_context("fetch")));
  });
  auto stored = ctx.ingest.ingest([&](std::span<std::uint8_t> out) { return pipe.pull(out); }, a.name, "");
  pipe.abort();
  producer.join();
  return stored;
}

Result<report::IngestedFile> bytes_into_vault(const FilingContext& ctx, const Attachment& a,
                                              const std::string& bytes) {
  std::size_t offset = 0;
  return ctx.ingest.ingest(
      [&](std::span<std::uint8_t> out) -> Result<std::size_t> {
        const std::size_t n = std::min(out.size(), bytes.size() - offset);
        std::memcpy(out.data(), bytes.data() + offset, n);
        offset += n;
        return n;
      },
      a.name, "");
}

std::string cut_chars(std::string_view text, std::size_t max_chars) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) return std::string(text.substr(0, i));
      ++chars;
    }
  }
  return std::string(text);
}

}  // namespace

Result<FilingResult> file_message(const FilingContext& ctx, const ChannelMessage& message,
                                  const std::vector<const std::string*>& inline_bytes) {
  if (message.external_id.empty()) return make_error(ErrorCode::invalid_argument, "message without an id");
  FilingResult result;
  std::vector<report::IngestedFile> files;
  for (std::size_t i = 0; i < message.attachments.size(); ++i) {
    const Attachment& a = message.attachments[i];
    Result<report::IngestedFile> stored = make_error(ErrorCode::unsupported, "not fetched");
    if (i < inline_bytes.size() && inline_bytes[i] != nullptr) {
      stored = bytes_into_vault(ctx, a, *inline_bytes[i]);
    } else if (ctx.fetcher != nullptr &&
               (a.url.rfind("https://", 0) == 0 || a.url.rfind("http://", 0) == 0)) {
      stored = fetch_into_vault(ctx, a);
    } else {
      continue;  // a location or another attachment with nothing to keep
    }
    if (!stored.ok()) {
      ++result.attachments_failed;
      const std::string& m = stored.error().message;
      result.failures.push_back(std::string(to_string(stored.error().code)) +
                                (m.rfind("fetch", 0) == 0 ? " (fetch)" : ""));
      continue;
    }
    files.push_back(std::move(*stored));
  }

  report::NewReport nr;
  nr.channel = message.channel;
  nr.category = "other";
  nr.description = cut_chars(message.text, report::kMaxDescriptionChars);
  for (const auto& link : message.links) {
    if (nr.links.size() >= report::kMaxLinks) break;
    if (report::normalize_link(link).ok()) nr.links.push_back(link);
  }
  nr.unit = ctx.unit;
  nr.external_id = message.external_id;

  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  Status s = ctx.run_transaction([&](store::Connection& tx) -> Status {
    auto receipt = report::create(tx, ctx.keys, nr, now);
    if (!receipt.ok()) return receipt.error();
    result.report_id = receipt->report_id;
    result.code = receipt->code;
    result.created = receipt->created;
    result.attachments_stored = 0;
    if (!receipt->created) return {};
    audit::Event e = ctx.base;
    e.time = now;
    e.action = audit::Action::create;
    e.object_type = "report";
    e.object_id = receipt->report_id;
    e.fields = {"description", "links"};
    e.reason = message.channel;
    auto appended = ctx.log.append(tx, e);
    if (!appended.ok()) return appended.error();
    for (const auto& f : files) {
      auto ev = report::record_evidence(tx, ctx.log, receipt->report_id, f, now, ctx.base);
      if (!ev.ok()) return ev.error();
      ++result.attachments_stored;
    }
    return {};
  });
  if (!s.ok()) return s.error();
  return result;
}

Result<FilingResult> file_mail(const FilingContext& ctx, const MailMessage& mail) {
  const ChannelMessage message = to_channel_message(mail);
  std::vector<const std::string*> bytes;
  for (const auto& a : mail.attachments) bytes.push_back(&a.bytes);
  return file_message(ctx, message, bytes);
}

}  // namespace baove::intake
