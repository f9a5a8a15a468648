// Internal: an audit event as it sits in a row of audit_events, and the conversions between that
// form, Event and the canonical bytes. Not part of the public interface.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit.hpp"

namespace baove::audit::detail {

// Text columns exactly as stored (lists joined with ','), so that verification hashes what the
// database holds, even when a tampered row no longer parses as an Event.
struct Record {
  std::int64_t time_us = 0;
  std::string actor, unit, roles, session_hash, address, action, object_type, object_id, fields;
  std::optional<std::int64_t> row_count;
  std::string outcome, reason;
};

inline constexpr std::string_view kEventColumns =
    "seq, time_us, actor, unit, roles, session_hash, address, action, object_type, object_id, fields, "
    "row_count, outcome, reason, leaf_hash, chain_hash";

Record to_record(const Event& e);
Result<Event> to_event(const Record& r);
std::vector<std::uint8_t> canonical_bytes(std::int64_t seq, const Record& r);
Hash chain_next(const Hash& prev, const Hash& leaf);

// A row of audit_events read without trusting its types: `problem` names the first column that
// is NULL or of the wrong type (the record is then incomplete).
struct RawRow {
  std::int64_t seq = 0;
  Record record;
  Hash leaf{};
  Hash chain{};
  std::string problem;
};
// Reads a row selected with kEventColumns. Fails only if the seq column itself is unusable.
std::optional<RawRow> read_row(const store::Row& row);

// Blob/text helpers for values that come back from either engine.
std::optional<std::int64_t> as_integer(const store::Value& v);
std::optional<std::string> as_text(const store::Value& v);
std::optional<Hash> as_hash(const store::Value& v);
store::Blob to_blob(const Hash& h);

// Appends cp's line to the checkpoint file and fsyncs it.
Status append_checkpoint_line(const std::filesystem::path& path, const Checkpoint& cp);

std::int64_t to_micros(Timestamp t);
Timestamp from_micros(std::int64_t us);

}  // namespace baove::audit::detail
