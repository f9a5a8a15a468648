#include "intake/filing.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>

namespace baove::intake {

namespace {

// A bounded byte pipe from a pushing producer (the fetcher's callback, on its own thread) to a
// pulling consumer (the vault's put): at most kMaxBuffered bytes wait in between.
class BytePipe {
 public:
  static constexpr std::size_t kMaxBuffered = 1 << 20;

  Status push(std::span<const std::uint8_t> bytes) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return buffered_ < kMaxBuffered || aborted_; });
    if (aborted_) return make_error(ErrorCode::io, "the consumer stopped reading");
    chunks_.emplace_back(bytes.begin(), bytes.end());
    buffered_ += bytes.size();
    cv_.notify_all();
    return {};
  }
  void close(std::optional<Error> error) {
    std::lock_guard lock(mu_);
    closed_ = true;
    error_ = std::move(error);
    cv_.notify_all();
  }
  void abort() {
    std::lock_guard lock(mu_);
    aborted_ = true;
    cv_.notify_all();
  }
  Result<std::size_t> pull(std::span<std::uint8_t> out) {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !chunks_.empty() || closed_; });
    if (chunks_.empty()) {
      if (error_) return *error_;
      return std::size_t{0};
    }
    auto& front = chunks_.front();
    const std::size_t n = std::min(out.size(), front.size() - offset_);
    std::memcpy(out.data(), front.data() + offset_, n);
    offset_ += n;
    buffered_ -= n;
    if (offset_ == front.size()) {
      chunks_.pop_front();
      offset_ = 0;
    }
    cv_.notify_all();
    return n;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::vector<std::uint8_t>> chunks_;
  std::size_t offset_ = 0;
  std::size_t buffered_ = 0;
  bool closed_ = false;
  bool aborted_ = false;
  std::optional<Error> error_;
};

Result<report::IngestedFile> fetch_into_vault(const FilingContext& ctx, const Attachment& a) {
  BytePipe pipe;
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
