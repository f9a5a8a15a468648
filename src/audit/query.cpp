// The security officer's questions: who accessed this record, what did this user access, from
// where, when.
#include "audit/audit.hpp"
#include "audit/record.hpp"

namespace baove::audit {

Result<Page> query(store::Connection& c, const Query& q) {
  if (q.limit < 1 || q.limit > 1000)
    return make_error(ErrorCode::invalid_argument, "audit query: limit is not 1..1000");
  if (q.object_id && !q.object_type) {
    return make_error(ErrorCode::invalid_argument, "audit query: object_id needs object_type");
  }
  std::string sql = "SELECT " + std::string(detail::kEventColumns) + " FROM audit_events";
  std::vector<store::Value> params;
  std::string where;
  auto add = [&](std::string_view column_op, store::Value v) {
    params.push_back(std::move(v));
    where += where.empty() ? " WHERE " : " AND ";
    where += column_op;
    where += " $" + std::to_string(params.size());
  };
  if (q.object_type) add("object_type =", *q.object_type);
  if (q.object_id) add("object_id =", *q.object_id);
  if (q.actor) add("actor =", *q.actor);
  if (q.unit) add("unit =", *q.unit);
  if (q.address) {
    // Stored addresses are canonical; bring the filter to the same form.
    Event probe;
    probe.address = *q.address;
    probe.time = detail::from_micros(946684800LL * 1000000LL);
    auto normal = normalize(probe);
    if (!normal) return make_error(ErrorCode::invalid_argument, "audit query: address is not an IP address");
    add("address =", normal->address);
  }
  if (q.action) add("action =", std::string(to_string(*q.action)));
  if (q.outcome) add("outcome =", std::string(to_string(*q.outcome)));
  if (q.since) add("time_us >=", detail::to_micros(*q.since));
  if (q.until) add("time_us <", detail::to_micros(*q.until));
  if (q.after) add(q.newest_first ? "seq <" : "seq >", *q.after);
  sql += where;
  sql += q.newest_first ? " ORDER BY seq DESC" : " ORDER BY seq";
  params.emplace_back(static_cast<std::int64_t>(q.limit + 1));
  sql += " LIMIT $" + std::to_string(params.size());

  auto rows = c.query(sql, params);
  if (!rows) return rows.error().with_context("audit query");
  Page page;
  for (const auto& r : *rows) {
    if (page.events.size() == q.limit) {
      page.next = page.events.back().seq;
      break;
    }
    auto raw = detail::read_row(r);
    if (!raw || !raw->problem.empty()) {
      return make_error(ErrorCode::corrupt, "audit query: an event row is malformed; run audit verify");
    }
    auto event = detail::to_event(raw->record);
    if (!event) return event.error().with_context("audit query: event " + std::to_string(raw->seq));
    page.events.push_back(StoredEvent{raw->seq, std::move(*event), raw->leaf, raw->chain});
  }
  return page;
}

}  // namespace baove::audit
