// The public report pages as a person (and their browser) meets them: escaping of everything they
// typed, both languages, the structure assistive technology relies on, errors that are announced
// and tied to their fields, the report states in plain words, and pages that keep to a strict
// Content-Security-Policy (no inline script, style or event handler; nothing from elsewhere).
#include "api/public_pages.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace baove::api::pages {
namespace {

// ---------------------------------------------------------------- a small HTML tag scanner

struct Tag {
  std::string name;  // lower case
  std::map<std::string, std::string> attrs;
  bool has(const std::string& a) const { return attrs.count(a) != 0; }
  std::string get(const std::string& a) const {
    const auto it = attrs.find(a);
    return it == attrs.end() ? std::string() : it->second;
  }
};

// Every start tag of the document, attributes as written (entities not decoded).
std::vector<Tag> tags(const std::string& html) {
  std::vector<Tag> out;
  std::size_t i = 0;
  const auto lower = [](std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  while ((i = html.find('<', i)) != std::string::npos) {
    ++i;
    if (i >= html.size()) break;
    if (html[i] == '!' || html[i] == '/') {
      i = html.find('>', i);
      if (i == std::string::npos) break;
      continue;
    }
    if (!std::isalpha(static_cast<unsigned char>(html[i]))) continue;  // "<" as text would be a bug
    Tag t;
    while (i < html.size() && std::isalnum(static_cast<unsigned char>(html[i]))) t.name += html[i++];
    t.name = lower(t.name);
    for (;;) {
      while (i < html.size() && std::isspace(static_cast<unsigned char>(html[i]))) ++i;
      if (i >= html.size() || html[i] == '>') break;
      std::string name;
      while (i < html.size() && !std::isspace(static_cast<unsigned char>(html[i])) && html[i] != '=' &&
             html[i] != '>') {
        name += html[i++];
      }
      std::string value;
      if (i < html.size() && html[i] == '=') {
        ++i;
        if (i < html.size() && (html[i] == '"' || html[i] == '\'')) {
          const char q = html[i++];
          const auto end = html.find(q, i);
          value = html.substr(i, end - i);
          i = end + 1;
        } else {
          while (i < html.size() && !std::isspace(static_cast<unsigned char>(html[i])) && html[i] != '>') {
            value += html[i++];
          }
        }
      }
      t.attrs[lower(name)] = value;
    }
    out.push_back(std::move(t));
  }
  return out;
}

std::size_t count(const std::string& s, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t i = s.find(needle); i != std::string::npos; i = s.find(needle, i + needle.size())) ++n;
  return n;
}

// The text of the element with this id, tags inside removed; "" when absent.
std::string text_of_id(const std::string& html, const std::string& id) {
  const auto at = html.find("id=\"" + id + "\"");
  if (at == std::string::npos) return "";
  const auto open = html.rfind('<', at);
  std::string name;
  for (std::size_t i = open + 1; i < html.size() && std::isalnum(static_cast<unsigned char>(html[i])); ++i) {
    name += html[i];
  }
  const auto start = html.find('>', at) + 1;
  const auto end = html.find("</" + name + ">", start);
  std::string text;
  bool in_tag = false;
  for (std::size_t i = start; i < end && i < html.size(); ++i) {
    if (html[i] == '<') in_tag = true;
    if (!in_tag) text += html[i];
    if (html[i] == '>') in_tag = false;
  }
  return text;
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (const char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// What every page promises (public_pages.hpp), checked on one rendered page.
void expect_page_structure(const std::string& html, Lang lang, const std::string& what) {
  SCOPED_TRACE(what);
  const auto all = tags(html);
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find(std::string("<html lang=\"") + (lang == Lang::vi ? "vi" : "en") + "\">"),
            std::string::npos);

  std::map<std::string, int> names;
  std::map<std::string, int> ids;
  for (const auto& t : all) {
    ++names[t.name];
    if (t.has("id")) ++ids[t.get("id")];
  }
  EXPECT_EQ(names["h1"], 1);
  EXPECT_EQ(names["header"], 1);
  EXPECT_EQ(names["main"], 1);
  EXPECT_EQ(names["footer"], 1);
  EXPECT_EQ(names["title"], 1);
  for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << "duplicate id " << id;

  bool viewport = false;
  bool skip = false;
  bool call = false;
  bool stylesheet = false;
  std::set<std::string> label_for;
  for (const auto& t : all) {
    if (t.name == "meta" && t.get("name") == "viewport")
      viewport = t.get("content").find("width=device-width") == 0;
    if (t.name == "a" && t.get("href") == "#main" && t.get("class") == "skip-link") skip = true;
    if (t.name == "a" && t.get("href") == "tel:111") call = true;
    if (t.name == "label") label_for.insert(t.get("for"));
    // Content-Security-Policy: no inline script, no inline style, no event-handler attribute.
    EXPECT_NE(t.name, "style") << "a <style> element";
    if (t.name == "script") {
      EXPECT_EQ(t.get("src"), "/assets/report.js") << "a script that is not the page's own file";
    }
    if (t.name == "link") {
      EXPECT_EQ(t.get("href"), "/assets/report.css");
      stylesheet = true;
    }
    for (const auto& [a, v] : t.attrs) {
      EXPECT_NE(a, "style") << "inline style on <" << t.name << ">";
      EXPECT_FALSE(a.size() > 2 && a[0] == 'o' && a[1] == 'n')
          << "event handler " << a << " on <" << t.name << ">";
      if (a == "src" || a == "href" || a == "action") {
        // Nothing from elsewhere: own paths, fragments, queries and the phone link only.
        EXPECT_TRUE(!v.empty() && (v[0] == '/' || v[0] == '#' || v[0] == '?' || v == "tel:111"))
            << a << "=" << v;
        EXPECT_NE(v.rfind("//", 0), 0u) << a << "=" << v;
      }
    }
  }
  EXPECT_TRUE(viewport);
  EXPECT_TRUE(skip);
  EXPECT_TRUE(call) << "the 111 banner";
  EXPECT_LT(html.find("href=\"tel:111\""), html.find("</header>")) << "the 111 banner is not in the header";
  EXPECT_TRUE(stylesheet);
  EXPECT_EQ(count(html, "<script"), 1u);
  EXPECT_EQ(count(html, "<script src=\"/assets/report.js\" defer></script>"), 1u);
  EXPECT_NE(html.find("<main id=\"main\""), std::string::npos);

  // Every control has its own label; every aria-describedby names elements that exist.
  for (const auto& t : all) {
    if (t.name == "input" || t.name == "select" || t.name == "textarea") {
      if (t.get("type") == "hidden") continue;
      ASSERT_TRUE(t.has("id")) << "<" << t.name << " name=" << t.get("name") << "> has no id";
      EXPECT_TRUE(label_for.count(t.get("id"))) << "no <label for=" << t.get("id") << ">";
    }
    if (t.name == "progress") {
      EXPECT_TRUE(label_for.count(t.get("id"))) << "progress without a label";
    }
    if (t.has("aria-describedby")) {
      std::istringstream ref(t.get("aria-describedby"));
      std::string id;
      while (ref >> id) EXPECT_EQ(ids[id], 1) << "aria-describedby names missing id " << id;
    }
    if (t.name == "a" && t.get("href").rfind('#', 0) == 0 && t.get("href").size() > 1) {
      EXPECT_EQ(ids[t.get("href").substr(1)], 1) << "link to missing #" << t.get("href");
    }
  }

  // The banner: in danger now, call 111, free, around the clock.
  if (lang == Lang::vi) {
    EXPECT_NE(html.find("đang gặp nguy hiểm ngay lúc này"), std::string::npos);
    EXPECT_NE(html.find("Gọi 111"), std::string::npos);
  } else {
    EXPECT_NE(html.find("in danger right now"), std::string::npos);
    EXPECT_NE(html.find("Call 111"), std::string::npos);
  }
  // The Luxembourg Terminology: never "child pornography".
  EXPECT_EQ(html.find("pornograph"), std::string::npos);
  EXPECT_EQ(html.find("khiêu dâm trẻ em"), std::string::npos);
}

// The link to the same page in the other language (its "&amp;" decoded).
std::string switch_href(const std::string& html) {
  for (const auto& t : tags(html)) {
    if (t.name == "a" && t.get("class") == "lang-switch") {
      std::string href = t.get("href");
      for (auto at = href.find("&amp;"); at != std::string::npos; at = href.find("&amp;", at + 1)) {
        href.replace(at, 5, "&");
      }
      return href;
    }
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> every_page(Lang lang) {
  FormInput in;
  in.category = "grooming";
  in.description = "Có người lạ nhắn tin";
  return {
      {"home", home_page(lang)},
      {"form", report_form(lang, {}, {})},
      {"form with errors",
       report_form(lang, in, {{"description", "too_long"}, {"links", "bad_link"}, {"", "rate_limited"}})},
      {"receipt", receipt_page(lang, "BV-7K3M-Q9TX", "abcd-efgh-ijkl", 2, {{"a.exe", "file_type", false}})},
      {"status form", status_form(lang, "", false)},
      {"status form not found", status_form(lang, "BV-7K3M-Q9TX", true)},
      {"status", status_page(lang, "BV-7K3M-Q9TX", {"in_review", 1700000000, 1700003600})},
      {"404", error_page(lang, 404, "not_found")},
      {"413", error_page(lang, 413, "file_too_large")},
      {"429", error_page(lang, 429, "rate_limited")},
      {"500", error_page(lang, 500, "server_error")},
  };
}

// ---------------------------------------------------------------- tests

TEST(PublicPages, EveryPageHasTheRequiredStructureInBothLanguages) {
  for (const Lang lang : {Lang::vi, Lang::en}) {
    for (const auto& [what, html] : every_page(lang)) {
      expect_page_structure(html, lang, what + (lang == Lang::vi ? " (vi)" : " (en)"));
    }
  }
}

TEST(PublicPages, EchoedFieldsAreEscapedInTextAndAttributes) {
  const std::string attack = "\"><script>alert('x')</script><img src=x onerror=alert(1)>";
  FormInput in;
  // The marker tells the fields apart in the output.
  in.description = "DESC" + attack;
  in.links = "LINKS" + attack + "\nhttps://example.com/a?b=1&c=2";
  in.accounts = "ACC" + attack;
  in.contact_name = "NAME" + attack;
  in.contact_phone = "PHONE" + attack;
  in.contact_email = "MAIL" + attack;
  in.contact_time = "TIME" + attack;
  // List fields holding something that is not a key are echoed as "not chosen", never as text.
  in.category = "CAT" + attack;
  in.platform = "PLAT" + attack;
  in.period = "PER" + attack;
  in.age_band = "AGE" + attack;
  in.province = "PROV" + attack;
  const std::string html =
      report_form(Lang::vi, in, {{"description", "too_long"}, {"contact_email", "required"}});

  EXPECT_EQ(html.find("<script>"), std::string::npos);
  EXPECT_EQ(html.find("<img"), std::string::npos);
  EXPECT_EQ(html.find("'x'"), std::string::npos);
  for (const std::string marker : {"DESC", "LINKS", "ACC", "NAME", "PHONE", "MAIL", "TIME"}) {
    EXPECT_NE(html.find(html_escape(marker + attack)), std::string::npos) << marker << " not echoed escaped";
  }
  EXPECT_NE(html.find("https://example.com/a?b=1&amp;c=2"), std::string::npos);
  for (const std::string marker : {"CAT", "PLAT", "PER", "AGE", "PROV"}) {
    EXPECT_EQ(html.find(marker), std::string::npos) << marker << " echoed although it is not a choice";
  }
  // The attribute values really hold the typed text: the value of contact_name, decoded, is it.
  for (const auto& t : tags(html)) {
    if (t.name == "input" && t.get("name") == "contact_name") {
      EXPECT_EQ(t.get("value"), html_escape(in.contact_name));
    }
    EXPECT_FALSE(t.has("onerror"));
  }
  expect_page_structure(html, Lang::vi, "hostile input");

  // The receipt, the status pages: codes and file names are escaped too.
  const std::string receipt =
      receipt_page(Lang::en, "C<b>\"", "S<i>'", 1, {{"<svg onload=alert(1)>.png", "file_type", false}});
  EXPECT_EQ(receipt.find("<svg"), std::string::npos);
  EXPECT_EQ(receipt.find("<b>"), std::string::npos);
  EXPECT_EQ(receipt.find("<i>"), std::string::npos);
  EXPECT_NE(receipt.find("&lt;svg onload=alert(1)&gt;.png"), std::string::npos);
  EXPECT_NE(receipt.find("C&lt;b&gt;&quot;"), std::string::npos);
  EXPECT_NE(receipt.find("S&lt;i&gt;&#39;"), std::string::npos);
  expect_page_structure(receipt, Lang::en, "hostile receipt");

  const std::string form = status_form(Lang::vi, "\" autofocus onfocus=\"alert(1)", true);
  for (const auto& t : tags(form)) {
    EXPECT_FALSE(t.has("onfocus"));
    EXPECT_FALSE(t.has("autofocus"));
    if (t.name == "input" && t.get("name") == "code") {
      EXPECT_EQ(t.get("value"), "&quot; autofocus onfocus=&quot;alert(1)");
    }
  }
  // In the language link the code is percent-encoded.
  EXPECT_EQ(switch_href(form), "/report/status?lang=en&code=%22%20autofocus%20onfocus%3D%22alert%281%29");
  expect_page_structure(form, Lang::vi, "hostile status form");

  const std::string status = status_page(Lang::en, "<script>x</script>", {"received", 0, 0});
  EXPECT_EQ(status.find("<script>x"), std::string::npos);
  EXPECT_NE(status.find("&lt;script&gt;x&lt;/script&gt;"), std::string::npos);
  expect_page_structure(status, Lang::en, "hostile status page");
}

TEST(PublicPages, TypedTextIsKeptExactly) {
  FormInput in;
  in.category = "violence_bullying";
  in.description = "\nDòng đầu trống\n  thụt lề";
  in.platform = "zalo";
  in.period = "ongoing";
  in.age_band = "11_14";
  in.province = "da_nang";
  in.danger_now = true;
  in.wants_callback = true;
  in.consent = true;
  const std::string html = report_form(Lang::vi, in, {});
  // A newline right after <textarea> is dropped by the parser; the page writes one of its own.
  EXPECT_NE(html.find(">\n\nDòng đầu trống\n  thụt lề</textarea>"), std::string::npos);
  std::map<std::string, std::string> selected;
  std::string current_select;
  std::set<std::string> checked;
  for (const auto& t : tags(html)) {
    if (t.name == "select") current_select = t.get("name");
    if (t.name == "option" && t.has("selected")) selected[current_select] = t.get("value");
    if (t.name == "input" && t.has("checked")) checked.insert(t.get("name") + "=" + t.get("value"));
  }
  EXPECT_EQ(selected["platform"], "zalo");
  EXPECT_EQ(selected["period"], "ongoing");
  EXPECT_EQ(selected["age_band"], "11_14");
  EXPECT_EQ(selected["province"], "da_nang");
  EXPECT_EQ(checked, (std::set<std::string>{"category=violence_bullying", "danger_now=1", "wants_callback=1",
                                            "consent=1"}));
  // A blank form has nothing chosen.
  const std::string blank = report_form(Lang::vi, {}, {});
  for (const auto& t : tags(blank)) {
    EXPECT_FALSE(t.has("checked")) << t.name << " " << t.get("name");
    EXPECT_FALSE(t.has("selected")) << t.name << " " << t.get("value");
  }
}

TEST(PublicPages, TheFormHasTheFieldsTheRouteReads) {
  const std::string html = report_form(Lang::en, {}, {});
  std::map<std::string, std::string> kinds;  // name -> tag/type
  Tag form;
  for (const auto& t : tags(html)) {
    if (t.name == "form") form = t;
    if (t.name == "input") kinds[t.get("name")] = "input/" + t.get("type");
    if (t.name == "select" || t.name == "textarea") kinds[t.get("name")] = t.name;
  }
  EXPECT_EQ(form.get("method"), "post");
  EXPECT_EQ(form.get("action"), "/report");
  EXPECT_EQ(form.get("enctype"), "multipart/form-data");
  const std::map<std::string, std::string> want = {
      {"category", "input/radio"},      {"description", "textarea"},
      {"platform", "select"},           {"links", "textarea"},
      {"accounts", "textarea"},         {"period", "select"},
      {"age_band", "select"},           {"province", "select"},
      {"danger_now", "input/checkbox"}, {"wants_callback", "input/checkbox"},
      {"contact_name", "input/text"},   {"contact_phone", "input/tel"},
      {"contact_email", "input/email"}, {"contact_time", "input/text"},
      {"consent", "input/checkbox"},    {"files", "input/file"},
      {"website", "input/text"},        {"lang", "input/hidden"},
  };
  EXPECT_EQ(kinds, want);
  for (const auto& t : tags(html)) {
    if (t.name == "input" && t.get("name") == "files") {
      EXPECT_TRUE(t.has("multiple"));
      EXPECT_EQ(t.get("accept"), "image/*,video/*");
    }
    if (t.name == "input" && t.get("type") == "checkbox") {
      EXPECT_EQ(t.get("value"), "1");
    }
    if (t.name == "input" && t.get("name") == "lang") {
      EXPECT_EQ(t.get("value"), "en");
    }
    if (t.name == "input" && t.get("name") == "website") {
      EXPECT_EQ(t.get("tabindex"), "-1");
      EXPECT_EQ(t.get("autocomplete"), "off");
      EXPECT_EQ(t.get("value"), "");
    }
    if (t.name == "div" && t.get("class") == "hp") {
      EXPECT_EQ(t.get("aria-hidden"), "true");
    }
  }
  EXPECT_NE(html.find("<label for=\"website\">Leave this empty</label>"), std::string::npos);
  // The limits are stated on the page and given to the script.
  EXPECT_NE(html.find("Up to 10 files, up to 2 GB each"), std::string::npos);
  EXPECT_NE(html.find("data-max-files=\"10\""), std::string::npos);
  EXPECT_NE(html.find("data-max-file-bytes=\"2147483648\""), std::string::npos);
  EXPECT_NE(report_form(Lang::vi, {}, {}).find("Tối đa 10 tệp, mỗi tệp đến 2 GB"), std::string::npos);

  const std::string status = status_form(Lang::vi, "", false);
  std::set<std::string> names;
  for (const auto& t : tags(status)) {
    if (t.name == "form") {
      EXPECT_EQ(t.get("method"), "post");
      EXPECT_EQ(t.get("action"), "/report/status");
    }
    if (t.name == "input") names.insert(t.get("name"));
  }
  EXPECT_EQ(names, (std::set<std::string>{"code", "secret", "lang"}));
}

TEST(PublicPages, LanguageSwitchKeepsThePage) {
  struct Case {
    std::string html;
    Lang lang;
    std::string href;
    std::string heading;
  };
  const std::vector<Case> cases = {
      {home_page(Lang::vi), Lang::vi, "/?lang=en", "Báo cáo xâm hại trẻ em trên mạng"},
      {home_page(Lang::en), Lang::en, "/?lang=vi", "Report harm to children online"},
      {report_form(Lang::vi, {}, {}), Lang::vi, "/report?lang=en", "Gửi báo cáo"},
      {report_form(Lang::en, {}, {}), Lang::en, "/report?lang=vi", "Make a report"},
      {status_form(Lang::vi, "", false), Lang::vi, "/report/status?lang=en", "Xem tình trạng báo cáo"},
      {status_form(Lang::en, "AB12", false), Lang::en, "/report/status?lang=vi&code=AB12", "Check a report"},
      {status_page(Lang::en, "AB12", {"closed", 1, 2}), Lang::en, "/report/status?lang=vi&code=AB12",
       "Report status"},
      {error_page(Lang::vi, 404, "not_found"), Lang::vi, "?lang=en", "Không tìm thấy trang"},
      {error_page(Lang::en, 404, ""), Lang::en, "?lang=vi", "Page not found"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.href);
    EXPECT_EQ(switch_href(c.html), c.href);
    EXPECT_NE(c.html.find("<h1>" + c.heading + "</h1>"), std::string::npos);
    for (const auto& t : tags(c.html)) {
      if (t.get("class") == "lang-switch") {
        EXPECT_EQ(t.get("lang"), c.lang == Lang::vi ? "en" : "vi");
        EXPECT_EQ(t.get("hreflang"), t.get("lang"));
      }
      // Links inside the site keep the language.
      if (t.name == "a" && t.get("href").rfind("/report", 0) == 0 && t.get("class") != "lang-switch") {
        EXPECT_NE(t.get("href").find(c.lang == Lang::vi ? "lang=vi" : "lang=en"), std::string::npos)
            << t.get("href");
      }
    }
  }
  EXPECT_NE(home_page(Lang::vi).find(">English</a>"), std::string::npos);
  EXPECT_NE(home_page(Lang::en).find(">Tiếng Việt</a>"), std::string::npos);
  // The receipt offers no link that would leave the secret behind; it repeats the essentials in
  // the other language instead.
  const std::string receipt = receipt_page(Lang::vi, "AB12", "SECRET", 0, {});
  EXPECT_EQ(switch_href(receipt), "");
  EXPECT_NE(receipt.find("<section class=\"other-lang\" lang=\"en\""), std::string::npos);
  EXPECT_NE(receipt.find("the secret is shown only this once"), std::string::npos);
}

TEST(PublicPages, ErrorsAreSummarisedAndTiedToTheirFields) {
  FormInput in;
  in.description = "Tôi đã viết điều này";
  const std::vector<FieldError> errors = {
      {"category", "required"}, {"description", "too_long"}, {"files", "file_type"}, {"", "server_error"}};
  const std::string html = report_form(Lang::vi, in, errors);

  const auto all = tags(html);
  const auto summary =
      std::find_if(all.begin(), all.end(), [](const Tag& t) { return t.get("id") == "error-summary"; });
  ASSERT_NE(summary, all.end());
  EXPECT_EQ(summary->get("role"), "alert");
  EXPECT_EQ(summary->get("tabindex"), "-1");
  // The summary comes first in <main>, right after the heading.
  EXPECT_LT(html.find("<h1>"), html.find("id=\"error-summary\""));
  EXPECT_LT(html.find("id=\"error-summary\""), html.find("<form"));
  EXPECT_NE(html.find("<a href=\"#category-sexual_abuse\">Chuyện gì đã xảy ra: Hãy chọn điều gần nhất"),
            std::string::npos);
  EXPECT_NE(html.find("<a href=\"#description\">Kể lại chuyện đã xảy ra: Phần này quá dài"),
            std::string::npos);
  EXPECT_NE(html.find("<a href=\"#files\">Tệp đính kèm: Loại tệp này không được nhận"), std::string::npos);
  EXPECT_NE(html.find("<li>Đã có lỗi ở phía chúng tôi"), std::string::npos);  // no field: no link
  EXPECT_EQ(html.find("<title>Lỗi: Gửi báo cáo — Baove</title>") != std::string::npos, true);

  std::set<std::string> invalid;
  for (const auto& t : all) {
    if (t.get("aria-invalid") != "true") continue;
    invalid.insert(t.get("name"));
    const std::string described = t.get("aria-describedby");
    const std::string error_id =
        (t.get("name") == "category" ? std::string("category") : t.get("name")) + "-error";
    EXPECT_EQ(described.rfind(error_id, 0), 0u) << t.get("name") << ": " << described;
  }
  EXPECT_EQ(invalid, (std::set<std::string>{"category", "description", "files"}));
  std::size_t radios_invalid = 0;
  for (const auto& t : all) radios_invalid += t.get("name") == "category" && t.get("aria-invalid") == "true";
  EXPECT_EQ(radios_invalid, taxonomy::categories().size());
  EXPECT_NE(text_of_id(html, "description-error").find("Phần này quá dài"), std::string::npos);
  EXPECT_NE(html.find("Tôi đã viết điều này</textarea>"), std::string::npos);
  EXPECT_NE(html.find("hãy chọn lại"), std::string::npos);  // files must be chosen again

  // Without errors: no summary, nothing marked invalid.
  const std::string clean = report_form(Lang::vi, in, {});
  EXPECT_EQ(clean.find("error-summary"), std::string::npos);
  EXPECT_EQ(clean.find("aria-invalid"), std::string::npos);
  EXPECT_EQ(clean.find("<title>Gửi báo cáo — Baove</title>") != std::string::npos, true);

  // Every message key has its own words in both languages, distinct from the generic fallback.
  const std::vector<std::string> keys = {
      "required",         "too_long",         "bad_choice",        "bad_link",     "too_many_links",
      "consent_required", "contact_required", "file_too_large",    "file_empty",   "file_type",
      "file_corrupt",     "too_many_files",   "upload_incomplete", "rate_limited", "server_error"};
  for (const Lang lang : {Lang::vi, Lang::en}) {
    const std::string fallback =
        text_of_id(report_form(lang, {}, {{"contact_time", "no_such_key"}}), "contact_time-error");
    std::set<std::string> seen;
    for (const auto& key : keys) {
      const std::string text =
          text_of_id(report_form(lang, {}, {{"contact_time", key}}), "contact_time-error");
      EXPECT_NE(text, fallback) << key;
      EXPECT_TRUE(seen.insert(text).second) << key << " has the same words as another key";
    }
  }
  EXPECT_NE(report_form(Lang::en, {}, {{"links", "too_many_links"}}).find("up to 20"), std::string::npos);

  // The status form: not found is announced and marks both fields.
  const std::string status = status_form(Lang::en, "AB12", true);
  EXPECT_NE(status.find("role=\"alert\""), std::string::npos);
  EXPECT_NE(status.find("There is no report with this report code and secret"), std::string::npos);
  EXPECT_EQ(count(status, "aria-invalid=\"true\""), 2u);
  EXPECT_EQ(status_form(Lang::en, "AB12", false).find("role=\"alert\""), std::string::npos);
}

TEST(PublicPages, EveryTaxonomyOptionIsOffered) {
  for (const Lang lang : {Lang::vi, Lang::en}) {
    const std::string html = report_form(lang, {}, {});
    const auto all = tags(html);
    const auto options_of = [&](const std::string& select) {
      std::vector<std::string> values;
      std::string current;
      for (const auto& t : all) {
        if (t.name == "select") current = t.get("name");
        if (t.name == "option" && current == select && !t.get("value").empty())
          values.push_back(t.get("value"));
      }
      return values;
    };
    const auto keys = [](std::span<const taxonomy::Term> list) {
      std::vector<std::string> out;
      for (const auto& t : list) out.emplace_back(t.key);
      return out;
    };
    EXPECT_EQ(options_of("platform"), keys(taxonomy::platforms()));
    EXPECT_EQ(options_of("period"), keys(taxonomy::periods()));
    EXPECT_EQ(options_of("age_band"), keys(taxonomy::age_bands()));
    EXPECT_EQ(options_of("province"), keys(taxonomy::provinces()));
    std::vector<std::string> radios;
    for (const auto& t : all) {
      if (t.name == "input" && t.get("name") == "category") radios.push_back(t.get("value"));
    }
    EXPECT_EQ(radios, keys(taxonomy::categories()));
    for (const auto list : {taxonomy::categories(), taxonomy::category_hints(), taxonomy::platforms(),
                            taxonomy::periods(), taxonomy::age_bands(), taxonomy::provinces()}) {
      for (const auto& term : list) {
        EXPECT_NE(html.find(html_escape(std::string(term.label(lang)))), std::string::npos) << term.key;
      }
    }
    // The home page names every category with its plain-words hint.
    const std::string home = home_page(lang);
    for (const auto& term : taxonomy::category_hints()) {
      EXPECT_NE(home.find(html_escape(std::string(term.label(lang)))), std::string::npos) << term.key;
    }
  }
}

TEST(PublicPages, StatusStatesInPlainWordsInBothLanguages) {
  struct Want {
    std::string state, vi, en;
    std::size_t step;
  };
  const std::vector<Want> wants = {
      {"received", "Đã nhận", "Received", 0},
      {"in_review", "Đang xem xét", "Being looked at", 1},
      {"action_taken", "Đã có hành động", "Action taken", 2},
      {"closed", "Đã xong", "Closed", 3},
  };
  for (const auto& w : wants) {
    for (const Lang lang : {Lang::vi, Lang::en}) {
      SCOPED_TRACE(w.state);
      const std::string html = status_page(lang, "AB12", {w.state, 1700000000, 1700003600});
      const std::string name = lang == Lang::vi ? w.vi : w.en;
      EXPECT_NE(html.find("<p class=\"state-name\">" + name + "</p>"), std::string::npos);
      EXPECT_EQ(html.find(w.state), std::string::npos) << "the internal key is shown";
      EXPECT_EQ(count(html, "aria-current=\"step\""), 1u);
      // The steps before the current one are done.
      EXPECT_EQ(count(html, "class=\"step done\""), w.step);
      expect_page_structure(html, lang, w.state);
    }
  }
  // 1700000000 is 2023-11-14 22:13:20 UTC: 15/11/2023 05:13 in Ha Noi; seconds are cut, not rounded.
  const std::string html = status_page(Lang::vi, "AB12", {"received", 1700000000, 1700003600 + 39});
  EXPECT_NE(html.find("<dd>15/11/2023 05:13</dd>"), std::string::npos);
  EXPECT_NE(html.find("<dd>15/11/2023 06:13</dd>"), std::string::npos);
  // The year changes at 17:00 UTC on 31 December.
  const std::string new_year = status_page(Lang::en, "AB12", {"closed", 1704042000, 1704041999});
  EXPECT_NE(new_year.find("<dd>01/01/2024 00:00</dd>"), std::string::npos);
  EXPECT_NE(new_year.find("<dd>31/12/2023 23:59</dd>"), std::string::npos);
  // An unknown state still says something plain, marks no step; a nonsense time shows a dash.
  const std::string odd = status_page(Lang::en, "AB12", {"weird", -5, 0});
  EXPECT_NE(odd.find("In progress"), std::string::npos);
  EXPECT_EQ(odd.find("aria-current"), std::string::npos);
  EXPECT_NE(odd.find("<dd>—</dd>"), std::string::npos);
  EXPECT_NE(odd.find("<dd>01/01/1970 07:00</dd>"), std::string::npos);
}

TEST(PublicPages, ReceiptShowsCodesOnceAndTheFilesWithProblems) {
  const std::string html =
      receipt_page(Lang::vi, "BV-7K3M-Q9TX", "mat-ma-bi-mat-42", 3,
                   {{"anh_hong.jpg", "file_corrupt", true}, {"virus.exe", "file_type", false}});
  EXPECT_EQ(text_of_id(html, "receipt-code"), "BV-7K3M-Q9TX");
  EXPECT_EQ(text_of_id(html, "receipt-secret"), "mat-ma-bi-mat-42");
  EXPECT_NE(html.find("Mã bí mật chỉ hiện một lần này"), std::string::npos);
  EXPECT_NE(html.find("chụp màn hình"), std::string::npos);
  EXPECT_NE(html.find("Chúng tôi đã nhận 3 tệp."), std::string::npos);
  EXPECT_NE(html.find("Phần còn lại của báo cáo đã được lưu."), std::string::npos);
  EXPECT_NE(
      html.find("anh_hong.jpg</span>: Chúng tôi không mở được ảnh này, nhưng vẫn giữ lại để nhân viên xem. "
                "(Đã lưu tệp này.)"),
      std::string::npos);
  EXPECT_NE(
      html.find("virus.exe</span>: Loại tệp này không được nhận. Hãy gửi ảnh hoặc video. (Tệp này không được "
                "lưu.)"),
      std::string::npos);
  // The way to follow the report carries the code, never the secret.
  EXPECT_NE(html.find("href=\"/report/status?lang=vi&amp;code=BV-7K3M-Q9TX\""), std::string::npos);
  EXPECT_EQ(count(html, "mat-ma-bi-mat-42"), 1u);
  EXPECT_NE(html.find("name=\"robots\" content=\"noindex"), std::string::npos);

  const std::string clean = receipt_page(Lang::en, "AB12", "S", 1, {});
  EXPECT_EQ(clean.find("file-notes"), std::string::npos);
  EXPECT_NE(clean.find("We received 1 file."), std::string::npos);
  EXPECT_NE(clean.find("The secret is shown only this once"), std::string::npos);
  EXPECT_NE(receipt_page(Lang::en, "AB12", "S", 0, {}).find("No files were kept"), std::string::npos);
}

TEST(PublicPages, ErrorPagesAreFriendly) {
  struct Want {
    int status;
    std::string key, heading_en, text_en;
  };
  const std::vector<Want> wants = {
      {404, "not_found", "Page not found", "There is no such page"},
      {404, "", "Page not found", "There is no such page"},
      {413, "file_too_large", "The report or a file is too large", "up to 2 GB"},
      {429, "rate_limited", "Please wait a moment", "wait a few minutes"},
      {500, "server_error", "Something went wrong", "not yours"},
      {503, "", "Something went wrong", "not yours"},
      {400, "upload_incomplete", "That did not work", "upload did not finish"},
  };
  for (const auto& w : wants) {
    const std::string html = error_page(Lang::en, w.status, w.key);
    EXPECT_NE(html.find("<h1>" + w.heading_en + "</h1>"), std::string::npos) << w.status;
    EXPECT_NE(html.find(w.text_en), std::string::npos) << w.status << " " << w.key;
    EXPECT_NE(html.find("Error code " + std::to_string(w.status)), std::string::npos);
  }
  EXPECT_NE(error_page(Lang::vi, 429, "rate_limited").find("Hãy đợi vài phút"), std::string::npos);
  EXPECT_NE(error_page(Lang::vi, 500, "").find("không phải do bạn"), std::string::npos);
}

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

TEST(PublicPages, AssetsAreEmbeddedFromWebPublic) {
  const PublicAsset* css = public_asset("report.css");
  ASSERT_NE(css, nullptr);
  EXPECT_EQ(css->content_type, "text/css; charset=utf-8");
  EXPECT_EQ(css->bytes, read_file(std::string(BAOVE_SOURCE_DIR) + "/web/public/report.css"));
  const PublicAsset* js = public_asset("report.js");
  ASSERT_NE(js, nullptr);
  EXPECT_EQ(js->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(js->bytes, read_file(std::string(BAOVE_SOURCE_DIR) + "/web/public/report.js"));
  EXPECT_FALSE(js->bytes.empty());
  EXPECT_EQ(public_asset(""), nullptr);
  EXPECT_EQ(public_asset("../report.css"), nullptr);
  EXPECT_EQ(public_asset("REPORT.CSS"), nullptr);
  EXPECT_EQ(public_asset("index.html"), nullptr);
  EXPECT_GE(public_assets().size(), 2u);
  // The stylesheet and the script load nothing from elsewhere.
  for (const auto& a : public_assets()) {
    EXPECT_EQ(a.bytes.find("http://"), std::string_view::npos) << a.name;
    EXPECT_EQ(a.bytes.find("https://"), std::string_view::npos) << a.name;
    EXPECT_EQ(a.bytes.find("@import"), std::string_view::npos) << a.name;
  }
}

}  // namespace
}  // namespace baove::api::pages
