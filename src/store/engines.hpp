// Private to the store module: the engines' constructors and helpers shared by them.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace baove::store::detail {

// `path` is a file path (created if missing) or ":memory:".
Result<std::unique_ptr<Connection>> open_sqlite(const std::string& path);
// `url` is a libpq connection URI (postgresql://... or postgres://...).
Result<std::unique_ptr<Connection>> open_postgresql(const std::string& url);

// Checks what both engines require of text parameters: valid UTF-8 without NUL characters.
// The error names the parameter ($N), never its content.
Status check_text_param(std::string_view text, std::size_t number);

}  // namespace baove::store::detail
