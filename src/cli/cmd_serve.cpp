// `baove serve`: the platform server. Configuration from defaults, a file (--config), the
// environment (BAOVE_*) and flags, in that order (src/platform/config.hpp).
//
// On start it prints, on standard output, `listening on http://HOST:PORT` once it accepts
// connections and, on the very first start only, the administrator's one-time password:
//   first start: user "admin" one-time password: <PASSWORD>
// Logs (JSON lines by default) go to standard error and never hold personal data or secrets.
// SIGTERM or SIGINT: stop accepting, finish requests in progress, sign a last audit checkpoint,
// exit 0.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <thread>

#include "api/api.hpp"
#include "cli/commands.hpp"
#include "http/server.hpp"
#include "platform/config.hpp"
#include "platform/platform.hpp"

namespace baove::cli {
namespace {

struct ServeArgs {
  std::string config_file;
  platform::Overrides flags;
  std::string listen, data_dir, database, log_format;
  std::size_t workers = 0;
};

// "127.0.0.1:8080", "[::1]:8080", ":8080" (all IPv4 addresses).
bool split_listen(const std::string& listen, std::string& host, std::uint16_t& port) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos) return false;
  host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  if (host.empty()) host = "0.0.0.0";
  const std::string p = listen.substr(colon + 1);
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos) return false;
  const unsigned long v = std::stoul(p);
  if (v > 65535) return false;
  port = static_cast<std::uint16_t>(v);
  return true;
}

int serve(const ServeArgs& args) {
  platform::Overrides flags;
  if (!args.listen.empty()) flags["listen"] = args.listen;
  if (!args.data_dir.empty()) flags["data_dir"] = args.data_dir;
  if (!args.database.empty()) flags["database"] = args.database;
  if (!args.log_format.empty()) flags["log_format"] = args.log_format;
  if (args.workers) flags["workers"] = std::to_string(args.workers);
  auto config = platform::load_config(args.config_file, flags, [](const char* n) { return std::getenv(n); });
  if (!config.ok()) {
    std::cerr << "baove serve: " << config.error().message << "\n";
    return 2;
  }
  http::ServerOptions so;
  if (!split_listen(config->listen, so.address, so.port)) {
    std::cerr << "baove serve: listen must be HOST:PORT\n";
    return 2;
  }
  http::Logger log(config->log_format == "text" ? http::Logger::Format::text : http::Logger::Format::json,
                   stderr);
  auto platform = platform::Platform::open(*config);
  if (!platform.ok()) {
    std::cerr << "baove serve: " << platform.error().message << "\n";
    return 1;
  }
  auto boot = (*platform)->bootstrap();
  if (!boot.ok()) {
    std::cerr << "baove serve: first start failed: " << boot.error().message << "\n";
    return 1;
  }
  so.io_threads = config->io_threads;
  so.workers = config->workers;
  so.max_connections = config->max_connections;
  so.header_limit = config->header_limit_bytes;
  so.body_limit = config->body_limit_bytes;
  so.request_timeout = config->request_timeout;
  so.header_timeout = config->idle_timeout;
  for (const auto& proxy : config->trusted_proxies) {
    const std::string ip = http::canonical_ip(proxy);
    if (ip.empty()) {
      std::cerr << "baove serve: trusted_proxies: not an IP address: " << proxy << "\n";
      return 2;
    }
    so.trusted_proxies.push_back(ip);
  }
  http::Metrics metrics;
  api::ApiOptions ao;
  ao.workers = config->workers;
  ao.secure_cookies = config->secure_cookies;
  auto api = api::Api::create(**platform, metrics, log, ao);
  if (!api.ok()) {
    std::cerr << "baove serve: " << api.error().message << "\n";
    return 1;
  }
  http::Router router;
  (*api)->add_routes(router);
  http::Server server(so, router, metrics, log);
  if (auto s = server.listen(); !s.ok()) {
    std::cerr << "baove serve: " << s.error().message << "\n";
    return 1;
  }
  // Every second, on a thread of its own: audit checkpoints when due, the WAL, the log lines.
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  std::thread ticker([&] {
    std::unique_lock lock(mu);
    while (!cv.wait_for(lock, std::chrono::seconds(1), [&] { return done; })) {
      lock.unlock();
      log.flush();
      if (auto s = (*api)->tick(); !s.ok()) {
        log.error("audit checkpoint failed", {{"code", to_string(s.error().code)}});
      }
      lock.lock();
    }
  });
  const std::string host = so.address.find(':') != std::string::npos ? "[" + so.address + "]" : so.address;
  log.info("listening", {{"address", so.address}, {"port", static_cast<std::int64_t>(server.port())}});
  if (boot->has_value()) {
    std::printf("first start: user \"%s\" one-time password: %s\n", (*boot)->username.c_str(),
                (*boot)->one_time_password.c_str());
  }
  std::printf("listening on http://%s:%u\n", host.c_str(), static_cast<unsigned>(server.port()));
  std::fflush(stdout);
  server.run();
  {
    std::lock_guard lock(mu);
    done = true;
  }
  cv.notify_all();
  ticker.join();
  const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
  if (auto c = (*platform)->audit_log().checkpoint((*platform)->db(), now); !c.ok()) {
    log.error("final audit checkpoint failed", {{"code", to_string(c.error().code)}});
  }
  log.info("stopped");
  log.flush();
  return 0;
}

}  // namespace

void register_serve(CLI::App& app, Registry& registry) {
  auto args = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", "Run the Baove server (API and console)");
  cmd->add_option("--config", args->config_file, "Configuration file (key = value lines)");
  cmd->add_option("--listen", args->listen,
                  "HOST:PORT to listen on (default 127.0.0.1:8080; port 0: any free)");
  cmd->add_option("--data-dir", args->data_dir, "Data directory (default ./var)");
  cmd->add_option("--database", args->database, "Database URL (default sqlite:<data-dir>/baove.db)");
  cmd->add_option("--log-format", args->log_format, "json or text")->check(CLI::IsMember({"json", "text"}));
  cmd->add_option("--workers", args->workers, "Request handler threads (each with a database connection)");
  cmd->callback([args, &registry] { registry.exit_code = serve(*args); });
}

}  // namespace baove::cli
