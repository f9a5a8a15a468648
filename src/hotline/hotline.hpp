// Hotline contacts: every call, chat, message or visit that reaches hotline 111, from any channel,
// recorded by a counsellor (docs/STATISTICS.md says how they are counted). Persisted through
// store::Connection (SQLite or PostgreSQL, component "hotline").
//
// What is stored, and how sensitive it is:
//   channel, start, duration, unit, counsellor, recorded     normal (every contact, even a silent call)
//   the child's age band, gender, province                    personal, as taxonomy keys, never a name
//   categories, in-depth flag, outcome, clip notices, reports personal
//   notes                                                     restricted: encrypted at rest with
//                                                             Keys::notes (XChaCha20-Poly1305, bound to
//                                                             the contact id), read only by read_notes()
//   caller's phone number, account names or links            only as keyed BLAKE2b-256 hashes under
//                                                             Keys::lookup: exact search, never shown
// The hotline counts all contacts, recorded or not. A contact without a contact file
// (recorded = false) is a minimal row: channel, start, duration, unit, counsellor and at most the
// outcome "information" or "no_action"; anything else on it is refused.
//
// Access: every function that returns contacts takes the WHERE fragment that
// auth::sql_filter(principal, Action::read or Action::list, ResourceType::contact) builds with its
// defaults (placeholders from $1, columns unit_id and owner_id; owner_id is the counsellor), and
// returns only rows inside it. A contact outside it is reported exactly like one that does not
// exist. Auditing is the caller's: these functions run in the caller's transaction (if one is
// open) and return what they read, so the caller writes the audit event (ids, row counts) beside.
//
// Ids: "c" + 12 hex digits of the start time in milliseconds + 16 random hex digits. Ids follow
// the time order of the table (inserts stay local in its indexes); the 64 random bits make them
// unguessable. They are internal (staff only) and never shown to the public.
//
// Errors: ErrorCode::invalid_argument names the field that is wrong and never echoes its value;
// not_found for an unknown or inaccessible contact; corrupt when stored notes fail authentication;
// limit_exceeded for over-long input. Database errors come back as the store reports them.
//
// Thread-safety: the functions are pure apart from the Connection they are given, which, like
// every store::Connection, is used by one thread at a time.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.hpp"
#include "auth/policy.hpp"
#include "store/store.hpp"
#include "util/result.hpp"

namespace baove::hotline {

// UTC, microseconds since the Unix epoch (as audit::Timestamp).
using Timestamp = audit::Timestamp;

inline constexpr std::size_t kMaxIdLength = 64;           // unit, counsellor and report ids
inline constexpr std::size_t kMaxNotesBytes = 64 * 1024;  // UTF-8
inline constexpr std::size_t kMaxAccounts = 16;
inline constexpr std::size_t kMaxAccountBytes = 512;
inline constexpr std::size_t kMaxReportIds = 32;
inline constexpr std::int64_t kMaxDurationSeconds = 24 * 60 * 60;
inline constexpr std::int64_t kMaxClipNotices = 10000;
inline constexpr std::size_t kMaxListLimit = 1000;

// Secrets the caller loads from its key files: 32 bytes each.
struct Keys {
  std::array<std::uint8_t, 32> notes{};   // encrypts notes at rest
  std::array<std::uint8_t, 32> lookup{};  // keys the hashes of phone numbers and accounts
};

using LookupHash = std::array<std::uint8_t, 32>;

// The child, as taxonomy keys (age_bands(), genders(), provinces()); "" when not recorded.
struct Child {
  std::string age_band;
  std::string gender;
  std::string province;
  bool operator==(const Child&) const = default;
};

struct Contact {
  std::string id;       // output: set when the contact is stored
  std::string channel;  // taxonomy::channels() key
  Timestamp start{};    // when the contact began (UTC)
  std::int64_t duration_s = 0;
  std::string unit_id;        // the owning unit
  std::string counsellor_id;  // user id; "" when not known (owner_id in the access filter)
  bool recorded = false;      // a contact file was opened
  Child child;
  std::vector<std::string> categories;  // taxonomy::categories() keys; read back in taxonomy order
  bool indepth = false;                 // in-depth counselling
  std::string outcome;                  // taxonomy::outcomes() key, or "" when none yet
  std::int64_t clip_notices = 0;        // notices about channels or clips sent in this contact
  std::vector<std::string> report_ids;  // linked public reports; read back sorted
  bool has_caller_phone = false;        // output: a phone hash is stored
  Timestamp created{};                  // output: when it was stored
  bool operator==(const Contact&) const = default;
};

// A contact as the counsellor's form sends it: the contact and what is stored only encrypted or
// hashed.
struct NewContact {
  Contact contact;                    // id, has_caller_phone and created are ignored
  std::string notes;                  // plain UTF-8; "" for none
  std::string caller_phone;           // "" for none; any form normalise_phone() accepts
  std::vector<std::string> accounts;  // account names or links of the caller or the offender
};

// Creates or upgrades the hotline tables (component "hotline").
Status migrate(store::Connection& c);

// Checks everything create() would check, without a database (for the form).
Status validate(const NewContact& contact);

// Stores one contact (in a transaction of its own, or as a savepoint of the caller's); returns its
// id. `now` becomes Contact::created.
Result<std::string> create(store::Connection& c, const Keys& keys, const NewContact& contact, Timestamp now);

// Stores many contacts at once (imports of call logs, history): all are validated first (an error
// names the index of the first bad one and nothing is stored), then written in one transaction
// with multi-row INSERTs. Returns the number stored.
Result<std::int64_t> create_many(store::Connection& c, const Keys& keys, std::span<const NewContact> contacts,
                                 Timestamp now);

// One contact (without its notes), or not_found when it does not exist or lies outside `access`.
Result<Contact> get(store::Connection& c, std::string_view id, const auth::SqlFilter& access);

// The decrypted notes of a contact ("" when it has none); not_found as get(); corrupt when the
// stored ciphertext fails authentication (wrong key, tampering).
Result<std::string> read_notes(store::Connection& c, const Keys& keys, std::string_view id,
                               const auth::SqlFilter& access);

// Contacts that began in [from, to) inside `access`, newest first, at most `limit`
// (1..kMaxListLimit).
Result<std::vector<Contact>> list(store::Connection& c, Timestamp from, Timestamp to,
                                  const auth::SqlFilter& access, std::size_t limit = 100);

// ---- caller lookups (exact, on keyed hashes) ----

// Vietnamese numbers in any usual form become "+84" and the national number without its leading
// 0: "0912 345 678", "+84 912 345 678", "84912345678", "(+84) 912.345.678", "0084912345678" and
// "912345678" are all "+84912345678". Spaces, dots, dashes and brackets are ignored. Other
// numbers need "+" or "00" and the country code ("+1 202 555 0100" -> "+12025550100").
// invalid_argument when it is not a phone number (letters, too short or too long).
Result<std::string> normalise_phone(std::string_view phone);

// Account names and links compare after: trimming, folding (lower case, Vietnamese diacritics
// removed: taxonomy::fold), runs of spaces made one, and for links the scheme, "www."/"m."/
// "mobile." and a trailing "/" or "#fragment" removed ("https://www.facebook.com/Some.Name/" and
// "facebook.com/some.name" are the same account). invalid_argument when nothing is left.
Result<std::string> normalise_account(std::string_view account);

// The keyed hashes stored for a phone number or an account (after normalising).
Result<LookupHash> phone_hash(const Keys& keys, std::string_view phone);
Result<LookupHash> account_hash(const Keys& keys, std::string_view account);

// Contacts from this phone number, newest first, inside `access`.
Result<std::vector<Contact>> search_by_phone(store::Connection& c, const Keys& keys, std::string_view phone,
                                             const auth::SqlFilter& access, std::size_t limit = 100);
// Contacts that named this account, newest first, inside `access`.
Result<std::vector<Contact>> search_by_account(store::Connection& c, const Keys& keys,
                                               std::string_view account, const auth::SqlFilter& access,
                                               std::size_t limit = 100);

// The caller's identity as a new contact's form has it.
struct CallerHashes {
  std::optional<LookupHash> phone;
  std::vector<LookupHash> accounts;
};
// Hashes of what the form holds; "" phone means none. Errors as normalise_*().
Result<CallerHashes> caller_hashes(const Keys& keys, std::string_view phone,
                                   std::span<const std::string> accounts);

// Repeat contacts: contacts that began before `before` from the same phone number or naming one of
// the same accounts, newest first, inside `access`. Empty hashes give an empty list.
Result<std::vector<Contact>> repeat_contacts(store::Connection& c, const CallerHashes& caller,
                                             Timestamp before, const auth::SqlFilter& access,
                                             std::size_t limit = 100);
// The same for a stored contact: earlier contacts sharing its phone or one of its accounts. The
// contact itself must lie inside `access` (else not_found).
Result<std::vector<Contact>> repeat_contacts_of(store::Connection& c, std::string_view id,
                                                const auth::SqlFilter& access, std::size_t limit = 100);

// ---- categories ----

// The bit of each category in the stored mask (hotline_contacts.categories). Bits are fixed
// forever: bit 0 sexual_abuse, 1 grooming, 2 violence_bullying, 3 enticed_trafficked,
// 4 images_dignity, 5 dignity, 6 personal_info, 7 money_fraud, 8 safe_use, 9 other.
// nullopt for a key without a bit.
std::optional<int> category_bit(std::string_view key) noexcept;
// Bits 0..8: the hotline's categories of harm in the online environment (all but "other").
inline constexpr std::uint64_t kOnlineHarmMask = 0x1FF;

// The categories a counsellor may mean by what they typed, for a keyboard-first picker: the text
// is folded (case and Vietnamese diacritics ignored, so "xam hai" finds sexual_abuse) and split in
// words; a category matches when each typed word begins a word of its key, its Vietnamese or
// English label or its label in the statistics table, or (ranked after) of its plain-words hint.
// Best first: the whole text begins a label, then every word begins a label word, then the hint.
// Empty text gives every category in taxonomy order. Keys are those of taxonomy::categories().
std::vector<std::string_view> find_categories(std::string_view typed);

}  // namespace baove::hotline
