// UTF-8 repair, link extraction and HTML to text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "intake/message.hpp"

namespace baove::intake {
namespace {

const std::string kFffd = "\xEF\xBF\xBD";

TEST(SanitizeUtf8, KeepsValidTextAndReplacesEachMaximalInvalidSubpart) {
  const std::string vi = "Trẻ em cần được bảo vệ — đường dây 111";
  EXPECT_EQ(sanitize_utf8(vi), vi);
  EXPECT_EQ(sanitize_utf8(std::string("a\0b", 3)), "a" + kFffd + "b");
  // A 3-byte sequence cut after 2 bytes is one replacement.
  EXPECT_EQ(sanitize_utf8("x\xE1\xBA"
                          "y"),
            "x" + kFffd + "y");
  // Overlong encodings and surrogates: each byte is its own maximal subpart.
  EXPECT_EQ(sanitize_utf8("\xC0\xAF"), kFffd + kFffd);
  EXPECT_EQ(sanitize_utf8("\xED\xA0\x80"), kFffd + kFffd + kFffd);
  EXPECT_EQ(sanitize_utf8("\xF4\x90\x80\x80"), kFffd + kFffd + kFffd + kFffd);  // past U+10FFFF
  EXPECT_EQ(sanitize_utf8("\xFF"), kFffd);
  EXPECT_EQ(sanitize_utf8("\xF0\x9F\x98\x80"), "\xF0\x9F\x98\x80");  // U+1F600
  EXPECT_EQ(sanitize_utf8("\xF0\x9F\x98"), kFffd);                   // cut at the end
}

TEST(TruncateUtf8, CutsAtACharacterBoundary) {
  const std::string s = "aăb";  // 'ă' is 2 bytes
  EXPECT_EQ(truncate_utf8(s, 10), s);
  EXPECT_EQ(truncate_utf8(s, 2), "a");
  EXPECT_EQ(truncate_utf8(s, 3), "aă");
  EXPECT_EQ(truncate_utf8(s, 0), "");
}

TEST(ExtractLinks, FindsHttpLinksInProseWithoutTrailingPunctuation) {
  const auto links = extract_links(
      "Xem https://example.com/a?b=1, và (http://vi.wikipedia.org/wiki/Hà_Nội). Lại "
      "HTTPS://Example.com/a?b=1, "
      "rồi https://example.com/a?b=1 lần nữa; https://en.wikipedia.org/wiki/Foo_(bar). xhttp://no.example "
      "https:// trống ftp://x.example <https://t.me/kenh_xau>");
  const std::vector<std::string> want = {"https://example.com/a?b=1", "http://vi.wikipedia.org/wiki/Hà_Nội",
                                         "HTTPS://Example.com/a?b=1",
                                         "https://en.wikipedia.org/wiki/Foo_(bar)", "https://t.me/kenh_xau"};
  EXPECT_EQ(links, want);
}

TEST(ExtractLinks, StopsAtNonBreakingSpaceAndKeepsAtMostTheLimit) {
  EXPECT_EQ(extract_links("https://a.example/x\xC2\xA0sau"), std::vector<std::string>{"https://a.example/x"});
  std::string many;
  for (int i = 0; i < 150; ++i) many += "https://h" + std::to_string(i) + ".example/ ";
  const auto links = extract_links(many);
  ASSERT_EQ(links.size(), kMaxLinks);
  EXPECT_EQ(links.front(), "https://h0.example/");
  EXPECT_EQ(links.back(), "https://h99.example/");
  EXPECT_TRUE(extract_links("https://" + std::string(kMaxLinkBytes, 'a')).empty());
}

TEST(MergeLinks, AddsOnlyNewLinks) {
  std::vector<std::string> to = {"https://a.example/"};
  merge_links(to, {"https://b.example/", "https://a.example/", "not a link"});
  EXPECT_EQ(to, (std::vector<std::string>{"https://a.example/", "https://b.example/"}));
}

TEST(HtmlToText, ReadsLikeABrowserWouldShowIt) {
  const std::string html =
      "<!DOCTYPE html><html><head><title>Tiêu đề</title><style>p{color:red}</style></head>"
      "<body><!-- ẩn --><p>Chào&nbsp;anh   chị,</p><p>Em bị   <b>đe&#x20;doạ</b> &amp; <i>quấy rối</i>"
      "<br>trên mạng.</p><script>alert('x')</script><ul><li>Một</li><li>Hai</li></ul>"
      "<table><tr><td>a</td><td>b</td></tr></table><pre>  giữ\n  nguyên</pre>"
      "<p>Xem <a href=\"https://example.com/p?a=1&amp;b=2\">đây</a> và <a href='javascript:x()'>kia</a>"
      " &eacute;&#233;&unknown; 1 &lt; 2</p></body></html>";
  std::vector<std::string> hrefs;
  const std::string text = html_to_text(html, &hrefs);
  EXPECT_EQ(text,
            "Chào anh chị,\nEm bị đe doạ & quấy rối\ntrên mạng.\n- Một\n- Hai\na b\n  giữ\n  nguyên\n"
            "Xem đây và kia éé&unknown; 1 < 2");
  EXPECT_EQ(hrefs, std::vector<std::string>{"https://example.com/p?a=1&b=2"});
}

TEST(HtmlToText, SurvivesBrokenMarkup) {
  EXPECT_EQ(html_to_text("a < b and <p unclosed"), "a < b and");
  EXPECT_EQ(html_to_text("<script>never closed"), "");
  EXPECT_EQ(html_to_text("x<!-- never closed"), "x");
  EXPECT_EQ(html_to_text("<a href=\"https://e.example/\n"), "");
  EXPECT_EQ(html_to_text("&#0;&#xD800;&#99999999;"), kFffd + kFffd + kFffd);
}

}  // namespace
}  // namespace baove::intake
