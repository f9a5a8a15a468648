// Persistence of banks and entries behind one small interface.
//
// BankStore is what the rest of Baove uses; open_sqlite_store() gives the embedded SQLite
// implementation (bank/sqlite_store.cpp holds all of its SQL). A PostgreSQL implementation can
// be added beside it with no change to callers.
//
// Durability contract: every call that returns success has committed its transaction; an
// acknowledged add, import, disable or enable survives a crash of the process or the machine.
//
// Change tracking: every change that can alter what matches (an entry added, disabled,
// enabled or removed; a bank enabled or disabled) is given a change sequence number, written in
// the same transaction as the change. Sequence numbers only grow. scan_changes() reports what
// changed after a sequence number, so a Matcher can follow the store without reloading it.
//
// Thread safety: one BankStore may be used from several threads; calls are serialised inside.
// Several stores (in one or several processes) may open the same database at once.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "bank/bank.hpp"
#include "util/result.hpp"

namespace baove::bank {

// The outcome of adding one entry: its id, and whether it was new. Adding a value the bank
// already holds (same type and value) adds nothing and returns the existing entry's id.
struct AddOutcome {
  std::int64_t id = 0;
  bool added = false;
};

// Adds many entries to one bank in one transaction: all of them or none.
// Destroying a batch without commit() rolls it back. While a batch is open, its store must
// not be used for anything else (from this thread or another).
class EntryBatch {
 public:
  virtual ~EntryBatch() = default;
  // Adds one entry (not visible to others until commit). Duplicates are counted, not errors.
  virtual Result<AddOutcome> add(const NewEntry& entry) = 0;
  // Commits; afterwards every added entry is durable and the batch is finished.
  virtual Status commit() = 0;
};

struct BankStats {
  std::int64_t entries = 0;
  std::int64_t enabled_entries = 0;
  std::int64_t disabled_entries = 0;
  std::map<std::string, std::int64_t> by_signal_type;     // "pdq" -> n
  std::map<std::string, std::int64_t> by_classification;  // "inhope:baseline" -> n ("" unclassified)
};

// Which banks a Matcher follows: all enabled banks, or the named ones (by id).
struct BankScope {
  bool all = true;
  std::vector<std::int64_t> bank_ids;  // when !all
  bool contains(std::int64_t bank_id) const;
};

// One entry as the matcher needs it. `live` means: the entry is enabled and its bank is too.
struct EntryState {
  std::int64_t id = 0;
  std::int64_t bank_id = 0;
  SignalType type = SignalType::pdq;
  std::string value;  // canonical hex; empty for a removed entry
  bool live = false;
};

using EntryStateFn = std::function<void(const EntryState&)>;

class BankStore {
 public:
  virtual ~BankStore() = default;

  // Creates a bank. conflict when the name is taken; invalid_argument for a bad name.
  virtual Result<Bank> create_bank(const NewBank& bank) = 0;
  // All banks, by name.
  virtual Result<std::vector<Bank>> list_banks() = 0;
  // not_found when no bank has this name.
  virtual Result<Bank> find_bank(std::string_view name) = 0;
  virtual Result<Bank> get_bank(std::int64_t id) = 0;
  // Enables or disables a whole bank (a no-op when already so). not_found for an unknown id.
  virtual Status set_bank_enabled(std::int64_t bank_id, bool enabled) = 0;

  // Adds one entry in its own transaction. not_found for an unknown bank.
  virtual Result<AddOutcome> add_entry(std::int64_t bank_id, const NewEntry& entry) = 0;
  // Starts a batch (one transaction) adding to `bank_id`.
  virtual Result<std::unique_ptr<EntryBatch>> begin_batch(std::int64_t bank_id) = 0;
  // Disables or re-enables one entry. not_found for an unknown id.
  virtual Status set_entry_disabled(std::int64_t entry_id, bool disabled) = 0;
  // Deletes one entry. not_found for an unknown id.
  virtual Status remove_entry(std::int64_t entry_id) = 0;
  virtual Result<Entry> get_entry(std::int64_t entry_id) = 0;
  // The entries with these ids that exist (in no particular order).
  virtual Result<std::vector<Entry>> get_entries(std::span<const std::int64_t> ids) = 0;
  // Calls fn for each entry of a bank in id order (disabled ones too), in one consistent read.
  // Stops at fn's first error. fn must not call this store.
  virtual Status for_each_entry(std::int64_t bank_id, const std::function<Status(const Entry&)>& fn) = 0;
  // Counts for one bank, or for all banks when bank_id is empty.
  virtual Result<BankStats> stats(std::optional<std::int64_t> bank_id) = 0;

  // A random identifier fixed when the database was created (snapshots check it).
  virtual Result<std::string> instance_id() = 0;
  // The latest change sequence number (0 for a store that never changed).
  virtual Result<std::int64_t> change_seq() = 0;
  // In one consistent read: calls fn for every live entry of the banks in scope and returns
  // the sequence number that state corresponds to. fn must not call this store.
  virtual Result<std::int64_t> scan_live(const BankScope& scope, const EntryStateFn& fn) = 0;
  // In one consistent read: calls fn for every entry (of banks in scope) whose liveness or
  // existence may have changed after `since`, with its current state (live false for a removed
  // or disabled one), and returns the sequence number of the state reported (fn must not call
  // this store). An entry may be reported more than once; applying the reports in order gives
  // the current state.
  virtual Result<std::int64_t> scan_changes(std::int64_t since, const BankScope& scope,
                                            const EntryStateFn& fn) = 0;
};

struct SqliteOptions {
  int busy_timeout_ms = 10'000;  // how long to wait for another writer
};

// Opens (creating if needed, with mode 0600) the SQLite database at `path` and brings its
// schema up to date. The parent directory must exist. Errors name the file.
Result<std::unique_ptr<BankStore>> open_sqlite_store(const std::filesystem::path& path,
                                                     const SqliteOptions& options = {});

// The schema version this build writes (schema_version table); opening a database with a
// newer version fails with unsupported.
int sqlite_schema_version() noexcept;

}  // namespace baove::bank

namespace baove::bank {

// The database the command-line tools use: `flag` (--db) when not empty, else the environment
// variable BAOVE_DB when set and not empty, else ./var/baove.db, creating ./var (mode 0700)
// when it is missing.
Result<std::filesystem::path> resolve_db_path(const std::string& flag);

}  // namespace baove::bank
