// Category bits of the stored mask, and the contact form's category picker.
#include <algorithm>
#include <array>

#include "hotline/internal.hpp"
#include "taxonomy/taxonomy.hpp"

namespace baove::hotline {
namespace {

struct Bit {
  std::string_view key;
  int bit;
};
// Fixed forever: stored masks depend on it. New categories take new bits.
constexpr Bit kBits[] = {
    {"sexual_abuse", 0},   {"grooming", 1}, {"violence_bullying", 2}, {"enticed_trafficked", 3},
    {"images_dignity", 4}, {"dignity", 5},  {"personal_info", 6},     {"money_fraud", 7},
    {"safe_use", 8},       {"other", 9},
};

std::vector<std::string> words(std::string_view folded) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : folded) {
    const bool word_char =
        (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || static_cast<unsigned char>(ch) >= 0x80;
    if (word_char) {
      cur += ch;
    } else if (!cur.empty()) {
      out.push_back(std::move(cur));
      cur.clear();
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

// Every typed word begins some word of `text` (each typed word may use a different one).
bool words_begin(const std::vector<std::string>& typed, const std::vector<std::string>& text) {
  return std::all_of(typed.begin(), typed.end(), [&](const std::string& t) {
    return std::any_of(text.begin(), text.end(), [&](const std::string& w) { return w.starts_with(t); });
  });
}

std::string joined(const std::vector<std::string>& ws) {
  std::string out;
  for (const auto& w : ws) {
    if (!out.empty()) out += ' ';
    out += w;
  }
  return out;
}

}  // namespace

std::optional<int> category_bit(std::string_view key) noexcept {
  for (const Bit& b : kBits) {
    if (b.key == key) return b.bit;
  }
  return std::nullopt;
}

std::vector<std::string_view> find_categories(std::string_view typed) {
  const auto cats = taxonomy::categories();
  const std::vector<std::string> query = words(taxonomy::fold(typed));
  std::vector<std::string_view> out;
  if (query.empty()) {
    for (const auto& t : cats) out.push_back(t.key);
    return out;
  }
  const std::string phrase = joined(query);
  // rank 0: the typed text begins a label; 1: every word begins a label word; 2: the hint's.
  std::vector<std::pair<int, std::size_t>> ranked;
  for (std::size_t i = 0; i < cats.size(); ++i) {
    const taxonomy::Term& t = cats[i];
    std::vector<std::string> labels = {std::string(t.key), std::string(t.vi), std::string(t.en)};
    for (const detail::RowDef& d : detail::row_defs()) {
      if (d.category == t.key) labels.emplace_back(d.row.label_vi), labels.emplace_back(d.row.label_en);
    }
    int rank = 3;
    for (const std::string& label : labels) {
      const std::vector<std::string> lw = words(taxonomy::fold(label));
      if (joined(lw).starts_with(phrase)) {
        rank = 0;
        break;
      }
      if (words_begin(query, lw)) rank = std::min(rank, 1);
    }
    if (rank == 3) {
      const taxonomy::Term* hint = taxonomy::find(taxonomy::category_hints(), t.key);
      if (hint != nullptr && (words_begin(query, words(taxonomy::fold(hint->vi))) ||
                              words_begin(query, words(taxonomy::fold(hint->en))))) {
        rank = 2;
      }
    }
    if (rank < 3) ranked.emplace_back(rank, i);
  }
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& r : ranked) out.push_back(cats[r.second].key);
  return out;
}

namespace detail {

Result<std::uint64_t> category_mask(std::span<const std::string> keys) {
  std::uint64_t mask = 0;
  for (const std::string& k : keys) {
    if (taxonomy::find(taxonomy::categories(), k) == nullptr) {
      return make_error(ErrorCode::invalid_argument, "categories: unknown category key");
    }
    const auto bit = category_bit(k);
    if (!bit) return make_error(ErrorCode::unsupported, "categories: a category without a stored bit");
    const std::uint64_t b = std::uint64_t{1} << *bit;
    if ((mask & b) != 0) return make_error(ErrorCode::invalid_argument, "categories: a category given twice");
    mask |= b;
  }
  return mask;
}

std::vector<std::string> category_keys(std::uint64_t mask) {
  std::vector<std::string> out;
  for (const auto& t : taxonomy::categories()) {
    const auto bit = category_bit(t.key);
    if (bit && (mask & (std::uint64_t{1} << *bit)) != 0) out.emplace_back(t.key);
  }
  return out;
}

}  // namespace detail
}  // namespace baove::hotline
