// The hotline's vocabulary (../shared/domain/taxonomy.md): report categories, channels, outcomes,
// age bands, provinces and platforms, each with a stable key (stored, exported, sent in forms)
// and its Vietnamese and English labels. Every list is fixed at build time; lookups are pure and
// thread-safe.
//
// Contract: keys are lower-case ASCII snake_case and never change once released (records and
// exports hold them). Labels may be reworded. find_*() return nullptr for an unknown key.
#pragma once

#include <span>
#include <string>
#include <string_view>

namespace baove::taxonomy {

enum class Lang { vi, en };

// "vi" or "en" (case-insensitive, also "vi-VN", "en-US"); nullopt-like: returns `fallback`.
Lang parse_lang(std::string_view s, Lang fallback = Lang::vi) noexcept;
const char* to_string(Lang lang) noexcept;  // "vi", "en"

struct Term {
  std::string_view key;
  std::string_view vi;
  std::string_view en;
  std::string_view label(Lang lang) const noexcept { return lang == Lang::vi ? vi : en; }
};

// Harm to children online, as the public names it on the report form and counsellors classify a
// contact. The first nine are the hotline's categories (taxonomy.md); "other" is last.
std::span<const Term> categories() noexcept;
// Plain-words descriptions for the public form (same order and keys as categories()).
std::span<const Term> category_hints() noexcept;
// Where a report or contact came in: phone, web, zalo, facebook, email, walk_in, partner, platform.
std::span<const Term> channels() noexcept;
// Outcomes of a contact: information, counselled, indepth_counselling, referred, intervention, no_action.
std::span<const Term> outcomes() noexcept;
// Age bands of the child: under_6, 6_10, 11_14, 15_17, unknown.
std::span<const Term> age_bands() noexcept;
// Genders as recorded: girl, boy, other, unknown.
std::span<const Term> genders() noexcept;
// The 34 provinces and centrally-run cities (from 1 July 2025), then "unknown".
std::span<const Term> provinces() noexcept;
// Platforms the public can pick: facebook, zalo, tiktok, youtube, instagram, telegram, messenger,
// discord, game, website, other.
std::span<const Term> platforms() noexcept;
// When it happened: today, this_week, this_month, earlier, ongoing, unknown.
std::span<const Term> periods() noexcept;

const Term* find(std::span<const Term> list, std::string_view key) noexcept;

// Folds Vietnamese text for search: lower case, diacritics removed, "đ" -> "d" (so "xâm hại" and
// "xam hai" compare equal). Bytes outside Vietnamese letters pass through lower-cased (ASCII) or
// unchanged; invalid UTF-8 bytes are dropped.
std::string fold(std::string_view utf8);

}  // namespace baove::taxonomy
