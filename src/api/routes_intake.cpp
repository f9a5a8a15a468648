// Channel webhooks: the Zalo Official Account and the Facebook fanpage (Messenger) deliver
// messages here; each becomes a report (intake/filing.hpp). A channel whose secret is not
// configured answers 403 and takes nothing, so an unconfigured server offers no way in.
// Bad signatures answer 401 and are logged (never the body); malformed bodies 400. The answer is
// 200 once every message of the delivery is durably filed, so a platform retries what failed and
// idempotency on the message id drops what it had delivered already.
#include <chrono>

#include "api/internal.hpp"
#include "intake/filing.hpp"
#include "intake/webhook.hpp"

namespace baove::api {

namespace {

constexpr std::size_t kWebhookBodyLimit = 1024 * 1024;
// Zalo retries deliveries for hours with the original timestamp (see intake/webhook.hpp).
constexpr std::int64_t kZaloMaxSkewMs = 24LL * 3600 * 1000;

http::Response text(int status, std::string body) {
  http::Response r;
  r.status = status;
  r.content_type = "text/plain; charset=utf-8";
  r.body = std::move(body);
  return r;
}

// A channel whose secret is not set takes nothing.
http::Response not_configured() { return http::error(403, "forbidden", "this channel is not configured"); }

}  // namespace

http::Response Api::Impl::file_channel_messages(const http::Request& req,
                                                const Result<std::vector<intake::ChannelMessage>>& parsed,
                                                const char* channel) {
  if (!parsed.ok()) {
    const auto kind = intake::webhook_error(parsed.error());
    log.warn("webhook refused",
             {{"request_id", req.request_id}, {"channel", channel}, {"kind", intake::to_string(kind)}});
    if (kind == intake::WebhookError::malformed) {
      return parsed.error().code == ErrorCode::limit_exceeded
                 ? http::error(413, "payload_too_large", "too many messages or attachments")
                 : http::error(400, "bad_request", "not a webhook body of this channel");
    }
    return http::error(401, "unauthenticated", "bad signature");
  }
  auto unit = receiving_unit();
  if (!unit.ok()) return http::error(503, "unavailable", "no unit receives reports yet");
  intake::FilingContext ctx{report_keys,
                            platform.audit_log(),
                            *ingest,
                            [this](const std::function<Status(store::Connection&)>& body) { return writer->run(body); },
                            *unit,
                            fetcher.get(),
                            {}};
  ctx.base.reason = channel;
  std::size_t filed = 0, failed_attachments = 0;
  for (const auto& m : *parsed) {
    auto r = intake::file_message(ctx, m);
    if (!r.ok()) {
      log.error("channel message not filed",
                {{"request_id", req.request_id}, {"channel", channel}, {"error", to_string(r.error().code)}});
      return http::error(500, "internal", "the message could not be stored; retry");
    }
    if (r->created) ++filed;
    failed_attachments += r->attachments_failed;
    for (const auto& f : r->failures) {
      log.warn("attachment not stored",
               {{"request_id", req.request_id}, {"channel", channel}, {"reason", f}});
    }
  }
  if (filed > 0)
    metrics.add("baove_channel_reports_total", "Reports filed from channel messages.",
                static_cast<std::int64_t>(filed));
  return json_response(
      200, {{"messages", parsed->size()}, {"filed", filed}, {"attachments_failed", failed_attachments}});
}

void Api::Impl::add_intake_routes(http::Router& r) {
  using http::Method;
  const auto& config = platform.config();

  r.add(Method::get, "/api/v1/intake/facebook", [this](http::Request& req) {
    const auto& cfg = platform.config();
    if (cfg.facebook_verify_token.empty()) return not_configured();
    auto challenge = intake::facebook_challenge(
        req.query_param("hub.mode").value_or(""), req.query_param("hub.verify_token").value_or(""),
        req.query_param("hub.challenge").value_or(""), cfg.facebook_verify_token);
    if (!challenge) return http::error(403, "forbidden", "verification refused");
    return text(200, *challenge);
  });

  r.add(
      Method::post, "/api/v1/intake/facebook",
      [this](http::Request& req) {
        const auto& cfg = platform.config();
        if (cfg.facebook_app_secret.empty()) return not_configured();
        auto parsed = intake::parse_facebook(req.body, req.header("x-hub-signature-256").value_or(""),
                                             cfg.facebook_app_secret);
        return file_channel_messages(req, parsed, "facebook");
      },
      kWebhookBodyLimit);

  r.add(
      Method::post, "/api/v1/intake/zalo",
      [this](http::Request& req) {
        const auto& cfg = platform.config();
        if (cfg.zalo_oa_secret.empty() || cfg.zalo_app_id.empty()) {
          return not_configured();
        }
        const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count();
        auto parsed = intake::parse_zalo(req.body, req.header("x-zevent-signature").value_or(""),
                                         cfg.zalo_app_id, cfg.zalo_oa_secret, now_ms, kZaloMaxSkewMs);
        return file_channel_messages(req, parsed, "zalo");
      },
      kWebhookBodyLimit);
  (void)config;
}

}  // namespace baove::api
