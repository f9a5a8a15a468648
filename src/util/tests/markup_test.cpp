#include "util/markup.hpp"

#include <gtest/gtest.h>

namespace baove {
namespace {

TEST(EscapeMarkup, TurnsEveryMarkupCharacterIntoAnEntity) {
  EXPECT_EQ(escape_markup(R"(<script>alert("x" & 'y')</script>)"),
            "&lt;script&gt;alert(&quot;x&quot; &amp; &#39;y&#39;)&lt;/script&gt;");
  // Already-escaped text is escaped again: the entity shows as typed.
  EXPECT_EQ(escape_markup("&amp;"), "&amp;amp;");
}

TEST(EscapeMarkup, DropsControlCharactersButKeepsLineBreaksTabsAndUtf8) {
  EXPECT_EQ(escape_markup(std::string("a\0b\x01\x1f"
                                      "c",
                                      6)),
            "abc");
  EXPECT_EQ(escape_markup("line 1\r\nline 2\tend"), "line 1\r\nline 2\tend");
  EXPECT_EQ(escape_markup("Xâm hại trẻ em"), "Xâm hại trẻ em");
  EXPECT_EQ(escape_markup(""), "");
}

}  // namespace
}  // namespace baove
