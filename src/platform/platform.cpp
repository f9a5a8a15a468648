// Opening the data directory: directories, key files, database, migrations.
#include "platform/platform.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "hotline/hotline.hpp"
#include "report/report.hpp"
#include "util/file.hpp"
#include "util/hex.hpp"

namespace baove::platform {
namespace {

namespace fs = std::filesystem;

// A directory that exists, creating it (and only it: the parent must exist unless `parents`) with
// mode 0700 when missing.
Status ensure_private_dir(const fs::path& dir, bool parents) {
  std::error_code ec;
  if (fs::is_directory(dir, ec)) return {};
  if (fs::exists(dir, ec)) return make_error(ErrorCode::io, dir.string() + ": exists and is not a directory");
  if (parents && dir.has_parent_path()) {
    fs::create_directories(dir.parent_path(), ec);
    if (ec) return make_error(ErrorCode::io, dir.parent_path().string() + ": cannot create directory");
  }
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return make_error(ErrorCode::io, dir.string() + ": cannot create directory: " + std::strerror(errno));
  }
  // mkdir's mode is filtered by the umask; 0700 is meant whatever the umask.
  if (::chmod(dir.c_str(), 0700) != 0) {
    return make_error(ErrorCode::io, dir.string() + ": cannot set mode 0700: " + std::strerror(errno));
  }
  return {};
}

// Wipes a string's bytes before it dies.
struct Wiped {
  std::string text;
  ~Wiped() { sodium_memzero(text.data(), text.size()); }
};

// keys/auth.key: two lines of 64 hex digits, the secret-box key then the token-hash key.
Result<auth::Keys> read_auth_keys(const fs::path& path) {
  auto bytes = read_private_file(path);
  if (!bytes) return bytes.error();
  Wiped text{std::string(bytes->begin(), bytes->end())};
  sodium_memzero(bytes->data(), bytes->size());
  std::vector<std::string_view> lines;
  std::string_view rest = text.text;
  while (!rest.empty()) {
    auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) lines.push_back(line);
  }
  const Error malformed = make_error(
      ErrorCode::corrupt, path.string() + ": not an auth key file (expected two lines of 64 hex digits)");
  if (lines.size() != 2) return malformed;
  auth::Keys keys;
  for (int i = 0; i < 2; ++i) {
    auto decoded = from_hex(lines[static_cast<std::size_t>(i)], 32);
    if (!decoded) return malformed;
    std::memcpy(i == 0 ? keys.secret_box.data() : keys.token_hash.data(), decoded->data(), 32);
    sodium_memzero(decoded->data(), decoded->size());
  }
  return keys;
}

// Loads keys/auth.key, creating it with two random keys when missing: written under a temporary
// name (mode 0600) and linked into place, so a reader never sees a partial file and two racing
// processes agree on one pair of keys.
Result<auth::Keys> load_or_create_auth_keys(const fs::path& path) {
  std::error_code ec;
  if (fs::exists(path, ec)) return read_auth_keys(path);
  auth::Keys keys;
  randombytes_buf(keys.secret_box.data(), keys.secret_box.size());
  randombytes_buf(keys.token_hash.data(), keys.token_hash.size());
  Wiped text{to_hex(keys.secret_box) + "\n" + to_hex(keys.token_hash) + "\n"};
  Status created = create_private_file(path, text.text);
  if (!created) {
    sodium_memzero(&keys, sizeof keys);
    if (created.error().code == ErrorCode::conflict)
      return read_auth_keys(path);  // another process was first
    return created.error();
  }
  return keys;
}

}  // namespace

Result<std::unique_ptr<Platform>> Platform::open(const Config& config) {
  if (sodium_init() < 0) return make_error(ErrorCode::internal, "libsodium failed to initialise");
  std::unique_ptr<Platform> p(new Platform());
  p->config_ = config;
  const fs::path& dir = config.data_dir;
  BAOVE_TRY(ensure_private_dir(dir, true));
  BAOVE_TRY(ensure_private_dir(dir / "keys", false));
  BAOVE_TRY(ensure_private_dir(dir / "audit", false));

  auto signing = audit::SigningKey::load_or_create(dir / "keys" / "audit-signing.key");
  if (!signing) return signing.error();
  auto keys = load_or_create_auth_keys(dir / "keys" / "auth.key");
  if (!keys) return keys.error();
  p->auth_options_.keys = *keys;
  sodium_memzero(&*keys, sizeof(auth::Keys));

  auto v = open_vault(config);
  if (!v) return v.error();
  p->vault_ = std::make_unique<vault::Vault>(std::move(*v));

  audit::LogOptions log_options;
  log_options.checkpoint_file = dir / "audit" / "checkpoints.log";
  log_options.interval = config.checkpoint_interval;
  p->log_ = std::make_unique<audit::Log>(std::move(*signing), log_options);

  auto db = p->connect();
  if (!db) return db.error();
  p->db_ = std::move(*db);
  const std::string shown = store::redact_url(config.database_url());
  Status m = audit::migrate(*p->db_);
  if (!m) return m.error().with_context("database " + shown + ": audit migrations");
  m = auth::Service::migrate(*p->db_);
  if (!m) return m.error().with_context("database " + shown + ": auth migrations");
  m = report::migrate(*p->db_);
  if (!m) return m.error().with_context("database " + shown + ": report migrations");
  m = hotline::migrate(*p->db_);
  if (!m) return m.error().with_context("database " + shown + ": hotline migrations");
  return p;
}

Result<vault::Vault> open_vault(const Config& config) {
  if (!config.vault_key.empty()) {
    auto key = vault::MasterKey::from_hex(config.vault_key);
    if (!key) return make_error(key.error().code, "vault_key: expects 64 hex digits");
    return vault::Vault::open(config.vault_path(), std::move(*key));
  }
  BAOVE_TRY(ensure_private_dir(config.data_dir, true));
  BAOVE_TRY(ensure_private_dir(config.data_dir / "keys", false));
  return vault::Vault::open(config.vault_path(), config.data_dir / "keys" / "vault.key");
}

Result<std::unique_ptr<store::Connection>> Platform::connect() const {
  const std::string url = config_.database_url();
  auto c = store::open(url);
  if (!c) return c.error().with_context("database " + store::redact_url(url));
  return c;
}

Result<std::optional<auth::Bootstrap>> Platform::bootstrap() {
  auth::Service service(*db_, *log_, auth_options_);
  return service.bootstrap(config_.root_unit_name);
}

}  // namespace baove::platform
