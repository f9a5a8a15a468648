#include "api/public_pages.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iterator>
#include <map>

#include "report/report.hpp"
#include "util/markup.hpp"

namespace baove::api::pages {

// The form states the domain's limits (report::validate checks them).
static_assert(kDescriptionMaxChars == report::kMaxDescriptionChars);
static_assert(kMaxLinks == report::kMaxLinks);

namespace {

// ---------------------------------------------------------------- text helpers

// A phrase in both languages.
struct Tr {
  std::string_view vi;
  std::string_view en;
};

std::string_view t(Lang lang, Tr tr) { return lang == Lang::vi ? tr.vi : tr.en; }

const char* lang_code(Lang lang) { return lang == Lang::vi ? "vi" : "en"; }
Lang other(Lang lang) { return lang == Lang::vi ? Lang::en : Lang::vi; }

// Percent-encodes a query-string value (RFC 3986 unreserved characters pass).
std::string url_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if ((b >= 'A' && b <= 'Z') || (b >= 'a' && b <= 'z') || (b >= '0' && b <= '9') || b == '-' || b == '_' ||
        b == '.' || b == '~') {
      out += c;
    } else {
      out += '%';
      out += kHex[b >> 4];
      out += kHex[b & 0x0F];
    }
  }
  return out;
}

// "12/03/2025 08:05" in Asia/Ho_Chi_Minh (UTC+7, no daylight saving); "—" when out of range.
std::string format_time(std::int64_t unix_seconds) {
  constexpr std::int64_t kLimit = 253402300799;  // 9999-12-31T23:59:59Z
  if (unix_seconds < 0 || unix_seconds > kLimit - 7 * 3600) return "—";
  using namespace std::chrono;
  const sys_seconds tp{seconds{unix_seconds + 7 * 3600}};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const auto secs = (tp - day).count();
  char buf[32];
  std::snprintf(buf, sizeof buf, "%02u/%02u/%04d %02d:%02d", static_cast<unsigned>(ymd.day()),
                static_cast<unsigned>(ymd.month()), static_cast<int>(ymd.year()),
                static_cast<int>(secs / 3600), static_cast<int>((secs / 60) % 60));
  return buf;
}

std::string with_number(std::string_view text, std::uint64_t n) {
  std::string out(text);
  const auto at = out.find("{n}");
  if (at != std::string::npos) out.replace(at, 3, std::to_string(n));
  return out;
}

// ---------------------------------------------------------------- messages

struct Message {
  std::string_view key;
  Tr text;
};

constexpr Message kMessages[] = {
    {"required", {"Hãy điền phần này.", "Please fill this in."}},
    {"too_long", {"Phần này quá dài. Hãy viết ngắn hơn.", "This is too long. Please make it shorter."}},
    {"bad_choice",
     {"Lựa chọn này không có trong danh sách. Hãy chọn lại.",
      "This choice is not in the list. Please choose again."}},
    {"bad_link",
     {"Có một đường link chưa đúng. Mỗi dòng một link, bắt đầu bằng http:// hoặc https://.",
      "One of the links is not right. Put one link per line, starting with http:// or https://."}},
    {"too_many_links",
     {"Có quá nhiều đường link. Tối đa {n} link.", "There are too many links. You can send up to {n}."}},
    {"consent_required",
     {"Hãy đánh dấu ô đồng ý nếu bạn muốn được liên hệ lại.",
      "Please tick the box to agree if you want us to contact you."}},
    {"contact_required",
     {"Hãy để lại số điện thoại hoặc email để chúng tôi liên hệ lại.",
      "Please leave a phone number or an e-mail address so that we can contact you."}},
    {"file_too_large",
     {"Tệp quá lớn. Mỗi tệp tối đa 2 GB.", "The file is too large. Each file can be up to 2 GB."}},
    {"file_empty", {"Tệp trống, không có nội dung.", "The file is empty."}},
    {"file_type",
     {"Loại tệp này không được nhận. Hãy gửi ảnh hoặc video.",
      "We cannot accept this type of file. Please send pictures or videos."}},
    {"file_corrupt",
     {"Chúng tôi không mở được ảnh này, nhưng vẫn giữ lại để nhân viên xem.",
      "We could not open this picture, but we kept it for our staff to look at."}},
    {"too_many_files", {"Quá nhiều tệp. Tối đa {n} tệp.", "Too many files. You can send up to {n}."}},
    {"upload_incomplete",
     {"Tệp chưa được gửi hết, có thể do mạng bị ngắt. Hãy thử lại.",
      "The upload did not finish, perhaps because the connection dropped. Please try again."}},
    {"rate_limited",
     {"Có nhiều báo cáo được gửi từ đây trong thời gian ngắn. Hãy đợi vài phút rồi thử lại, hoặc gọi 111.",
      "Many reports were sent from here in a short time. Please wait a few minutes and try again, or call "
      "111."}},
    {"server_error",
     {"Đã có lỗi ở phía chúng tôi, không phải do bạn. Hãy thử lại sau ít phút, hoặc gọi 111.",
      "Something went wrong on our side, not yours. Please try again in a few minutes, or call 111."}},
    {"not_found",
     {"Không có trang này. Có thể đường link bị gõ sai.",
      "There is no such page. The link may have been mistyped."}},
};

constexpr Tr kGenericMessage{"Đã có lỗi xảy ra. Hãy thử lại, hoặc gọi 111.",
                             "Something went wrong. Please try again, or call 111."};

std::string message(Lang lang, std::string_view key, std::string_view field = {}) {
  if (key == "required" && field == "category") {
    return std::string(t(lang, {"Hãy chọn điều gần nhất với chuyện đã xảy ra.",
                                "Please choose what is closest to what happened."}));
  }
  for (const auto& m : kMessages) {
    if (m.key != key) continue;
    if (key == "too_many_links") return with_number(t(lang, m.text), kMaxLinks);
    if (key == "too_many_files") return with_number(t(lang, m.text), kMaxFiles);
    return std::string(t(lang, m.text));
  }
  return std::string(t(lang, kGenericMessage));
}

// ---------------------------------------------------------------- the page frame

struct Page {
  Lang lang = Lang::vi;
  std::string title;        // plain text, escaped when written
  std::string switch_href;  // the same page in the other language; "" for none
  std::string body;         // inside <main>, already HTML
  std::string focus_id;     // element report.js focuses on load ("" none)
  bool noindex = false;
};

std::string render(const Page& p) {
  const Lang lang = p.lang;
  std::string h;
  h.reserve(p.body.size() + 4096);
  h += "<!DOCTYPE html>\n<html lang=\"";
  h += lang_code(lang);
  h += "\">\n<head>\n<meta charset=\"utf-8\">\n"
       "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
       "<meta name=\"referrer\" content=\"no-referrer\">\n";
  if (p.noindex) h += "<meta name=\"robots\" content=\"noindex, nofollow\">\n";
  h += "<title>" + escape_markup(p.title) + " — Baove</title>\n";
  h += "<link rel=\"stylesheet\" href=\"/assets/report.css\">\n"
       "<script src=\"/assets/report.js\" defer></script>\n</head>\n<body>\n";
  h += "<a class=\"skip-link\" href=\"#main\">";
  h += t(lang, {"Bỏ qua, đến nội dung chính", "Skip to main content"});
  h += "</a>\n<header class=\"site-header\">\n<div class=\"bar\">\n<a class=\"brand\" href=\"/?lang=";
  h += lang_code(lang);
  h += "\">Baove <span class=\"brand-sub\">";
  h += t(lang, {"Bảo vệ trẻ em trên mạng", "Keeping children safe online"});
  h += "</span></a>\n";
  if (!p.switch_href.empty()) {
    const Lang o = other(lang);
    h += "<a class=\"lang-switch\" href=\"" + escape_markup(p.switch_href) + "\" lang=\"" + lang_code(o) +
         "\" hreflang=\"" + lang_code(o) + "\">";
    h += o == Lang::en ? "English" : "Tiếng Việt";
    h += "</a>\n";
  }
  h += "</div>\n<div class=\"urgent\">\n<p class=\"urgent-text\"><strong>";
  h += t(lang, {"Nếu một em nhỏ đang gặp nguy hiểm ngay lúc này,", "If a child is in danger right now,"});
  h += "</strong> ";
  h += t(lang, {"hãy gọi Tổng đài quốc gia bảo vệ trẻ em 111: miễn phí, 24 giờ mỗi ngày.",
                "call the national child protection hotline 111: free, 24 hours a day."});
  h += "</p>\n<a class=\"call\" href=\"tel:111\">";
  h += t(lang, {"Gọi 111", "Call 111"});
  h += "</a>\n</div>\n</header>\n<main id=\"main\" tabindex=\"-1\"";
  if (!p.focus_id.empty()) h += " data-focus=\"" + escape_markup(p.focus_id) + "\"";
  h += ">\n";
  h += p.body;
  h += "</main>\n<footer class=\"site-footer\">\n<ul class=\"footer-links\">\n";
  h += std::string("<li><a href=\"/?lang=") + lang_code(lang) + "\">" +
       std::string(t(lang, {"Trang chủ", "Home"})) + "</a></li>\n";
  h += std::string("<li><a href=\"/report?lang=") + lang_code(lang) + "\">" +
       std::string(t(lang, {"Gửi báo cáo", "Make a report"})) + "</a></li>\n";
  h += std::string("<li><a href=\"/report/status?lang=") + lang_code(lang) + "\">" +
       std::string(t(lang, {"Xem tình trạng báo cáo", "Check a report"})) + "</a></li>\n";
  h += "</ul>\n<p>";
  h += t(lang, {"Tổng đài quốc gia bảo vệ trẻ em 111 — miễn phí, 24/7.",
                "National child protection hotline 111 — free, 24/7."});
  h += " <a href=\"tel:111\">";
  h += t(lang, {"Gọi 111", "Call 111"});
  h += "</a></p>\n<p>";
  h += t(lang, {"Bạn không cần cho biết tên. Trang này không tải gì từ trang web khác.",
                "You do not have to give your name. This page loads nothing from other websites."});
  h += "</p>\n</footer>\n</body>\n</html>\n";
  return h;
}

std::string page_href(std::string_view path, Lang lang) {
  return std::string(path) + "?lang=" + lang_code(lang);
}

// ---------------------------------------------------------------- form helpers

using ErrorMap = std::map<std::string, std::vector<std::string>, std::less<>>;

const std::vector<std::string>* errors_of(const ErrorMap& m, std::string_view field) {
  const auto it = m.find(field);
  return it == m.end() ? nullptr : &it->second;
}

// The inline message(s) for a field, with id "<id>-error".
void field_error(std::string& h, Lang lang, const ErrorMap& m, std::string_view field, std::string_view id) {
  const auto* errs = errors_of(m, field);
  if (errs == nullptr) return;
  h += "<p class=\"field-error\" id=\"" + escape_markup(id) + "-error\">";
  h += "<span class=\"visually-hidden\">";
  h += t(lang, {"Lỗi: ", "Error: "});
  h += "</span>";
  bool first = true;
  for (const auto& key : *errs) {
    if (!first) h += ' ';
    first = false;
    h += escape_markup(message(lang, key, field));
  }
  h += "</p>\n";
}

// aria-invalid / aria-describedby for a control; `hint_id` may be "".
std::string control_aria(const ErrorMap& m, std::string_view field, std::string_view error_id,
                         std::string_view hint_id) {
  std::string described;
  std::string a;
  if (errors_of(m, field) != nullptr) {
    a += " aria-invalid=\"true\"";
    described += std::string(error_id) + "-error";
  }
  if (!hint_id.empty()) {
    if (!described.empty()) described += ' ';
    described += hint_id;
  }
  if (!described.empty()) a += " aria-describedby=\"" + escape_markup(described) + "\"";
  return a;
}

void hint(std::string& h, std::string_view id, std::string_view text) {
  h += "<p class=\"hint\" id=\"" + escape_markup(id) + "\">" + escape_markup(text) + "</p>\n";
}

struct TextField {
  std::string_view name;
  Tr label;
  Tr hint;  // empty: none
  std::string_view type = "text";
  std::string_view autocomplete = "off";
  std::string_view inputmode = {};
};

void text_input(std::string& h, Lang lang, const ErrorMap& m, const TextField& f, std::string_view value) {
  const std::string name(f.name);
  h += "<div class=\"field\">\n<label for=\"" + name + "\">" + escape_markup(t(lang, f.label)) + "</label>\n";
  const bool has_hint = !f.hint.vi.empty();
  if (has_hint) hint(h, name + "-hint", t(lang, f.hint));
  field_error(h, lang, m, f.name, f.name);
  h += "<input type=\"" + std::string(f.type) + "\" id=\"" + name + "\" name=\"" + name + "\" value=\"" +
       escape_markup(value) + "\" autocomplete=\"" + std::string(f.autocomplete) + "\"";
  if (!f.inputmode.empty()) h += " inputmode=\"" + std::string(f.inputmode) + "\"";
  h += control_aria(m, f.name, f.name, has_hint ? name + "-hint" : "");
  h += ">\n</div>\n";
}

void textarea(std::string& h, Lang lang, const ErrorMap& m, std::string_view name_sv, Tr label, Tr hint_text,
              std::string_view value, int rows, std::string_view extra_attrs, std::string_view after = {}) {
  const std::string name(name_sv);
  h += "<div class=\"field\">\n<label for=\"" + name + "\">" + escape_markup(t(lang, label)) + "</label>\n";
  hint(h, name + "-hint", t(lang, hint_text));
  field_error(h, lang, m, name, name);
  h += "<textarea id=\"" + name + "\" name=\"" + name + "\" rows=\"" + std::to_string(rows) + "\"" +
       std::string(extra_attrs);
  h += control_aria(m, name, name, name + "-hint");
  // A newline right after the start tag is dropped by the parser, so a value that starts with one
  // survives.
  h += ">\n" + escape_markup(value) + "</textarea>\n";
  h += after;
  h += "</div>\n";
}

void select(std::string& h, Lang lang, const ErrorMap& m, std::string_view name_sv, Tr label,
            std::span<const taxonomy::Term> list, std::string_view value) {
  const std::string name(name_sv);
  h += "<div class=\"field\">\n<label for=\"" + name + "\">" + escape_markup(t(lang, label)) + "</label>\n";
  field_error(h, lang, m, name, name);
  h += "<select id=\"" + name + "\" name=\"" + name + "\"" + control_aria(m, name, name, "") + ">\n";
  h += "<option value=\"\">";
  h += t(lang, {"— Chưa chọn —", "— Not chosen —"});
  h += "</option>\n";
  for (const auto& term : list) {
    h += "<option value=\"" + escape_markup(term.key) + "\"";
    if (term.key == value) h += " selected";
    h += ">" + escape_markup(term.label(lang)) + "</option>\n";
  }
  h += "</select>\n</div>\n";
}

void checkbox(std::string& h, Lang lang, const ErrorMap& m, std::string_view name_sv, Tr label, Tr hint_text,
              bool checked) {
  const std::string name(name_sv);
  const bool has_hint = !hint_text.vi.empty();
  h += "<div class=\"field\">\n";
  field_error(h, lang, m, name, name);
  h +=
      "<div class=\"check\">\n<input type=\"checkbox\" id=\"" + name + "\" name=\"" + name + "\" value=\"1\"";
  if (checked) h += " checked";
  h += control_aria(m, name, name, has_hint ? name + "-hint" : "");
  h += ">\n<label for=\"" + name + "\">" + escape_markup(t(lang, label)) + "</label>\n";
  if (has_hint) hint(h, name + "-hint", t(lang, hint_text));
  h += "</div>\n</div>\n";
}

// Short names of the fields, for the error summary.
constexpr Message kFieldNames[] = {
    {"category", {"Chuyện gì đã xảy ra", "What happened"}},
    {"description", {"Kể lại chuyện đã xảy ra", "What happened, in your words"}},
    {"platform", {"Nơi xảy ra", "Where it happened"}},
    {"links", {"Đường link", "Links"}},
    {"accounts", {"Tài khoản của người làm hại", "Account of the person causing harm"}},
    {"period", {"Thời gian", "When"}},
    {"age_band", {"Tuổi của em nhỏ", "Age of the child"}},
    {"province", {"Tỉnh, thành phố", "Province or city"}},
    {"danger_now", {"Nguy hiểm ngay lúc này", "In danger right now"}},
    {"wants_callback", {"Liên hệ lại", "Contact me"}},
    {"contact_name", {"Tên gọi", "Name"}},
    {"contact_phone", {"Số điện thoại", "Phone number"}},
    {"contact_email", {"Email", "E-mail"}},
    {"contact_time", {"Thời gian tiện gọi", "Good time to call"}},
    {"consent", {"Đồng ý", "Consent"}},
    {"files", {"Tệp đính kèm", "Files"}},
};

const Message* field_name(std::string_view field) {
  for (const auto& f : kFieldNames) {
    if (f.key == field) return &f;
  }
  return nullptr;
}

// The id the summary links to for a field; "" when the field is not on the form.
std::string anchor_of(std::string_view field) {
  if (field == "category") {
    return "category-" + std::string(taxonomy::categories().front().key);
  }
  return field_name(field) != nullptr ? std::string(field) : std::string();
}

}  // namespace

// ---------------------------------------------------------------- pages

std::string home_page(Lang lang) {
  const char* lc = lang_code(lang);
  Page p;
  p.lang = lang;
  p.title = std::string(t(lang, {"Báo cáo xâm hại trẻ em trên mạng", "Report harm to children online"}));
  p.switch_href = page_href("/", other(lang));
  std::string& h = p.body;
  h += "<h1>" + escape_markup(p.title) + "</h1>\n<p class=\"lead\">";
  h += t(lang,
         {"Nếu em hoặc một bạn nhỏ bị làm hại, bị đe doạ, hoặc thấy điều gì trên mạng khiến mình sợ hay lo "
          "lắng, hãy cho chúng tôi biết. Đó không phải lỗi của em.",
          "If you or a child you know has been hurt, threatened, or has seen something online that is "
          "frightening or worrying, tell us. It is not the child's fault."});
  h += "</p>\n<ul class=\"actions\">\n<li><a class=\"button primary\" href=\"/report?lang=";
  h += lc;
  h += "\">";
  h += t(lang, {"Gửi báo cáo", "Make a report"});
  h += "</a></li>\n<li><a class=\"button\" href=\"/report/status?lang=";
  h += lc;
  h += "\">";
  h += t(lang, {"Xem tình trạng báo cáo đã gửi", "Check a report you sent"});
  h += "</a></li>\n</ul>\n";

  h += "<section aria-labelledby=\"anon-title\">\n<h2 id=\"anon-title\">";
  h += t(lang, {"Bạn không cần cho biết tên", "You do not have to give your name"});
  h += "</h2>\n<p>";
  h += t(lang,
         {"Báo cáo có thể hoàn toàn ẩn danh. Chỉ để lại số điện thoại hoặc email nếu bạn muốn chúng tôi liên "
          "hệ lại. Sau khi gửi, bạn nhận một mã báo cáo và một mã bí mật để xem báo cáo được xử lý đến đâu.",
          "Your report can be fully anonymous. Leave a phone number or e-mail only if you want us to contact "
          "you. After sending, you get a report code and a secret to check how your report is going."});
  h += "</p>\n</section>\n";

  h += "<section aria-labelledby=\"what-title\">\n<h2 id=\"what-title\">";
  h += t(lang, {"Bạn có thể báo cáo những gì?", "What can you report?"});
  h += "</h2>\n<ul class=\"topics\">\n";
  const auto cats = taxonomy::categories();
  const auto hints = taxonomy::category_hints();
  for (std::size_t i = 0; i < cats.size(); ++i) {
    h += "<li><strong>" + escape_markup(cats[i].label(lang)) + "</strong>";
    if (i < hints.size()) h += "<br>" + escape_markup(hints[i].label(lang));
    h += "</li>\n";
  }
  h += "</ul>\n</section>\n";

  h += "<section aria-labelledby=\"csam-title\">\n<h2 id=\"csam-title\">";
  h += t(lang, {"Nếu bạn thấy hình ảnh xâm hại tình dục trẻ em", "If you see child sexual abuse material"});
  h += "</h2>\n<p>";
  h += t(lang,
         {"Đừng chia sẻ hay chuyển tiếp cho người khác, kể cả để cảnh báo. Hãy gửi đường link cho chúng tôi. "
          "Chúng tôi sẽ làm việc với các nền tảng và cơ quan chức năng để gỡ bỏ.",
          "Do not share or forward it to anyone, not even to warn others. Send us the link instead. We work "
          "with the platforms and the authorities to have it removed."});
  h += "</p>\n</section>\n";
  return render(p);
}

std::string report_form(Lang lang, const FormInput& in, const std::vector<FieldError>& errors) {
  const char* lc = lang_code(lang);
  ErrorMap m;
  for (const auto& e : errors) m[e.field].push_back(e.message_key);

  Page p;
  p.lang = lang;
  const std::string_view heading = t(lang, {"Gửi báo cáo", "Make a report"});
  p.title = errors.empty() ? std::string(heading)
                           : std::string(t(lang, {"Lỗi: ", "Error: "})) + std::string(heading);
  p.switch_href = page_href("/report", other(lang));
  p.noindex = !errors.empty();
  std::string& h = p.body;
  h += "<h1>" + escape_markup(heading) + "</h1>\n";

  if (!errors.empty()) {
    p.focus_id = "error-summary";
    h += "<div class=\"error-summary\" id=\"error-summary\" role=\"alert\" tabindex=\"-1\" "
         "aria-labelledby=\"error-summary-title\">\n<h2 id=\"error-summary-title\">";
    h += t(lang, {"Báo cáo chưa được gửi. Hãy xem lại:", "Your report has not been sent yet. Please check:"});
    h += "</h2>\n<ul>\n";
    for (const auto& e : errors) {
      const Message* name = field_name(e.field);
      std::string text = name != nullptr ? std::string(t(lang, name->text)) + ": " : std::string();
      text += message(lang, e.message_key, e.field);
      const std::string anchor = anchor_of(e.field);
      if (anchor.empty()) {
        h += "<li>" + escape_markup(text) + "</li>\n";
      } else {
        h += "<li><a href=\"#" + escape_markup(anchor) + "\">" + escape_markup(text) + "</a></li>\n";
      }
    }
    h += "</ul>\n</div>\n";
  }

  h += "<p class=\"lead\">";
  h += t(lang,
         {"Chỉ câu hỏi đầu tiên là bắt buộc; các phần khác có thể bỏ trống. Bạn không cần cho biết tên.",
          "Only the first question is needed; you can leave the rest empty. You do not have to give your "
          "name."});
  h += "</p>\n";

  h += "<form id=\"report-form\" class=\"report-form\" method=\"post\" action=\"/report\" "
       "enctype=\"multipart/form-data\" novalidate";
  h += " data-max-files=\"" + std::to_string(kMaxFiles) + "\"";
  h += " data-max-file-bytes=\"" + std::to_string(kMaxFileBytes) + "\"";
  h += " data-msg-sending=\"" + escape_markup(t(lang, {"Đang gửi… {n}%", "Sending… {n}%"})) + "\"";
  h += " data-msg-processing=\"" +
       escape_markup(t(lang, {"Đã gửi xong, đang chờ xác nhận…", "Sent, waiting for confirmation…"})) + "\"";
  h += " data-msg-retry=\"" +
       escape_markup(t(
           lang, {"Chưa gửi được vì mạng bị lỗi. Báo cáo của bạn vẫn còn ở đây; hãy kiểm tra kết nối rồi bấm "
                  "Gửi báo cáo lần nữa.",
                  "It could not be sent because the connection failed. Your report is still here; check your "
                  "connection and press Send the report again."})) +
       "\"";
  h += " data-msg-too-many-files=\"" + escape_markup(message(lang, "too_many_files")) + "\"";
  h += " data-msg-file-too-large=\"" +
       escape_markup(
           t(lang, {"Tệp quá lớn (tối đa 2 GB mỗi tệp): ", "This file is too large (up to 2 GB each): "})) +
       "\"";
  h += " data-msg-files-chosen=\"" + escape_markup(t(lang, {"Đã chọn {n} tệp.", "{n} files chosen."})) + "\"";
  h += " data-msg-chars-left=\"" + escape_markup(t(lang, {"Còn {n} ký tự.", "{n} characters left."})) + "\"";
  h += " data-msg-chars-over=\"" + escape_markup(t(lang, {"Quá {n} ký tự.", "{n} characters too many."})) +
       "\"";
  h += ">\n<input type=\"hidden\" name=\"lang\" value=\"";
  h += lc;
  h += "\">\n";

  // 1. What happened (required).
  {
    const bool bad = errors_of(m, "category") != nullptr;
    h += "<fieldset class=\"choices\">\n<legend>";
    h += t(lang, {"Chuyện gì đã xảy ra?", "What happened?"});
    h += " <span class=\"required\">";
    h += t(lang, {"(bắt buộc)", "(required)"});
    h += "</span></legend>\n";
    hint(h, "category-hint",
         t(lang, {"Chọn điều gần nhất. Nếu không chắc, hãy chọn “Việc khác”.",
                  "Choose the closest one. If you are not sure, choose “Something else”."}));
    field_error(h, lang, m, "category", "category");
    const auto cats = taxonomy::categories();
    const auto hints = taxonomy::category_hints();
    for (std::size_t i = 0; i < cats.size(); ++i) {
      const std::string key = escape_markup(cats[i].key);
      const std::string id = "category-" + key;
      h += "<div class=\"choice\">\n<input type=\"radio\" name=\"category\" id=\"" + id + "\" value=\"" +
           key + "\" required";
      if (cats[i].key == in.category) h += " checked";
      if (bad) h += " aria-invalid=\"true\"";
      std::string described = bad ? "category-error " : "";
      if (i < hints.size()) described += id + "-hint";
      if (!described.empty()) h += " aria-describedby=\"" + described + "\"";
      h += ">\n<label for=\"" + id + "\">" + escape_markup(cats[i].label(lang));
      h += "</label>\n";
      if (i < hints.size()) {
        h += "<p class=\"hint choice-hint\" id=\"" + id + "-hint\">" + escape_markup(hints[i].label(lang)) +
             "</p>\n";
      }
      h += "</div>\n";
    }
    h += "</fieldset>\n";
  }

  // 2. In danger now.
  checkbox(h, lang, m, "danger_now",
           {"Em nhỏ đang gặp nguy hiểm ngay lúc này", "The child is in danger right now"},
           {"Hãy gọi 111 ngay, đồng thời gửi báo cáo này. Chúng tôi sẽ xem báo cáo này trước.",
            "Please call 111 now as well as sending this report. We will look at this report first."},
           in.danger_now);

  // 3. Details.
  h += "<h2>";
  h += t(lang, {"Kể thêm (nếu bạn muốn)", "Tell us more (if you want)"});
  h += "</h2>\n";
  const std::string counter =
      "<p class=\"counter\" id=\"description-counter\" data-max=\"" + std::to_string(kDescriptionMaxChars) +
      "\" hidden></p>\n<p class=\"visually-hidden\" id=\"description-live\" aria-live=\"polite\"></p>\n";
  textarea(
      h, lang, m, "description", {"Kể lại chuyện đã xảy ra", "What happened, in your own words"},
      {"Chuyện gì, trên ứng dụng nào, từ khi nào. Không cần viết tên thật của em nhỏ. Tối đa 5.000 ký tự.",
       "What, on which app, since when. You do not need to write the child's real name. Up to 5,000 "
       "characters."},
      in.description, 6, "", counter);
  select(h, lang, m, "platform", {"Chuyện xảy ra ở đâu?", "Where did it happen?"}, taxonomy::platforms(),
         in.platform);
  textarea(h, lang, m, "links",
           {"Đường link đến nội dung hoặc tài khoản", "Links to the content or the account"},
           {"Mỗi dòng một link, tối đa 20. Chép link từ thanh địa chỉ hoặc nút Chia sẻ.",
            "One link per line, up to 20. Copy it from the address bar or the Share button."},
           in.links, 3, " autocapitalize=\"off\" spellcheck=\"false\" autocomplete=\"off\"");
  textarea(
      h, lang, m, "accounts",
      {"Tên tài khoản hoặc số điện thoại của người làm hại (nếu biết)",
       "Account name or phone number of the person causing harm (if you know it)"},
      {"Ví dụ: tên hiển thị, tên người dùng, số Zalo.", "For example: display name, user name, Zalo number."},
      in.accounts, 2, " autocapitalize=\"off\" spellcheck=\"false\" autocomplete=\"off\"");
  select(h, lang, m, "period", {"Chuyện xảy ra khi nào?", "When did it happen?"}, taxonomy::periods(),
         in.period);
  select(h, lang, m, "age_band", {"Em nhỏ bao nhiêu tuổi?", "How old is the child?"}, taxonomy::age_bands(),
         in.age_band);
  select(h, lang, m, "province",
         {"Em nhỏ sống ở tỉnh, thành phố nào?", "Which province or city does the child live in?"},
         taxonomy::provinces(), in.province);

  // 4. Files.
  {
    h += "<div class=\"field\">\n<label for=\"files\">";
    h += t(lang, {"Ảnh chụp màn hình hoặc video (nếu có)", "Screenshots or videos (if you have them)"});
    h += "</label>\n";
    std::string hint_text(
        t(lang, {"Tối đa 10 tệp, mỗi tệp đến 2 GB. Chỉ gửi cho chúng tôi, đừng chia sẻ cho người "
                 "khác.",
                 "Up to 10 files, up to 2 GB each. Send them only to us; do not share them with "
                 "anyone else."}));
    if (!errors.empty()) {
      hint_text += ' ';
      hint_text += t(lang, {"Nếu bạn đã chọn tệp, hãy chọn lại.",
                            "If you chose files before, please choose them again."});
    }
    hint(h, "files-hint", hint_text);
    field_error(h, lang, m, "files", "files");
    h += "<input type=\"file\" id=\"files\" name=\"files\" multiple accept=\"image/*,video/*\"";
    h += control_aria(m, "files", "files", "files-hint files-chosen");
    h += ">\n<p class=\"hint\" id=\"files-chosen\" aria-live=\"polite\"></p>\n</div>\n";
  }

  // 5. Contact (optional, with consent).
  h += "<fieldset class=\"contact\">\n<legend>";
  h += t(lang, {"Bạn có muốn chúng tôi liên hệ lại không?", "Do you want us to contact you?"});
  h += "</legend>\n";
  hint(h, "contact-hint",
       t(lang,
         {"Không bắt buộc. Nếu bạn không đánh dấu, báo cáo hoàn toàn ẩn danh và các ô dưới đây không được "
          "lưu.",
          "Optional. If you do not tick it, your report stays anonymous and the boxes below are not kept."}));
  checkbox(h, lang, m, "wants_callback", {"Có, hãy liên hệ lại với tôi", "Yes, please contact me"}, {},
           in.wants_callback);
  h += "<div id=\"contact-details\" class=\"contact-details\">\n";
  text_input(
      h, lang, m,
      {"contact_name", {"Tên gọi (có thể là tên gọi khác)", "Name (a nickname is fine)"}, {}, "text", "off"},
      in.contact_name);
  text_input(h, lang, m,
             {"contact_phone",
              {"Số điện thoại", "Phone number"},
              {"Cần số điện thoại hoặc email.", "We need a phone number or an e-mail."},
              "tel",
              "off",
              "tel"},
             in.contact_phone);
  text_input(h, lang, m, {"contact_email", {"Email", "E-mail"}, {}, "email", "off", "email"},
             in.contact_email);
  text_input(h, lang, m,
             {"contact_time",
              {"Khi nào gọi thì tiện cho bạn?", "When is a good time to call?"},
              {"Ví dụ: sau 17 giờ, cuối tuần.", "For example: after 5 pm, at the weekend."},
              "text",
              "off"},
             in.contact_time);
  checkbox(h, lang, m, "consent",
           {"Tôi đồng ý để Tổng đài 111 lưu các thông tin liên hệ này và chỉ dùng để liên hệ lại với tôi.",
            "I agree that hotline 111 keeps these contact details and uses them only to contact me."},
           {}, in.consent);
  h += "</div>\n</fieldset>\n";

  // 6. Honeypot: hidden from people, filled only by robots.
  h += "<div class=\"hp\" aria-hidden=\"true\">\n<label for=\"website\">";
  h += t(lang, {"Để trống ô này (leave empty)", "Leave this empty"});
  h += "</label>\n<input type=\"text\" id=\"website\" name=\"website\" value=\"\" tabindex=\"-1\" "
       "autocomplete=\"off\">\n</div>\n";

  // 7. Send.
  h += "<p class=\"client-message\" id=\"client-message\" role=\"alert\"></p>\n";
  h += "<div class=\"progress\" id=\"upload-progress\" hidden>\n<label for=\"upload-bar\">";
  h += t(lang, {"Tiến độ gửi", "Sending progress"});
  h += "</label>\n<progress id=\"upload-bar\" max=\"100\" value=\"0\"></progress>\n"
       "<p id=\"upload-status\" class=\"upload-status\" aria-live=\"polite\"></p>\n</div>\n";
  h += "<button type=\"submit\" class=\"button primary\" id=\"submit-report\">";
  h += t(lang, {"Gửi báo cáo", "Send the report"});
  h += "</button>\n</form>\n";
  return render(p);
}

std::string receipt_page(Lang lang, std::string_view code, std::string_view secret, std::size_t files_kept,
                         const std::vector<FileNoteKept>& notes) {
  const char* lc = lang_code(lang);
  Page p;
  p.lang = lang;
  p.title = std::string(t(lang, {"Đã nhận báo cáo của bạn", "We have received your report"}));
  // Leaving this page loses the secret: no language link; the essentials are repeated below in
  // the other language instead.
  p.noindex = true;
  p.focus_id = "receipt-title";
  std::string& h = p.body;
  h += "<h1 id=\"receipt-title\" tabindex=\"-1\">" + escape_markup(p.title) + "</h1>\n<p class=\"lead\">";
  h += t(lang, {"Cảm ơn bạn đã lên tiếng. Bạn đã làm đúng.",
                "Thank you for speaking up. You did the right thing."});
  h += "</p>\n";

  h += "<section class=\"receipt\" aria-labelledby=\"codes-title\">\n<h2 id=\"codes-title\">";
  h += t(lang, {"Mã để xem lại báo cáo", "Your codes to check the report"});
  h += "</h2>\n<p class=\"warning\"><strong>";
  h += t(lang, {"Hãy chép hai mã này ra giấy hoặc chụp màn hình ngay.",
                "Write these two codes down or take a screenshot now."});
  h += "</strong> ";
  h += t(lang, {"Mã bí mật chỉ hiện một lần này; chúng tôi không thể xem lại hay gửi lại cho bạn.",
                "The secret is shown only this once; we cannot look it up or send it to you again."});
  h += "</p>\n<dl class=\"codes\">\n<dt>";
  h += t(lang, {"Mã báo cáo", "Report code"});
  h += "</dt>\n<dd><code class=\"big\" id=\"receipt-code\">" + escape_markup(code) + "</code>";
  h += "<button type=\"button\" class=\"button copy\" data-copy=\"receipt-code\" data-done=\"" +
       escape_markup(t(lang, {"Đã sao chép", "Copied"})) + "\" hidden>";
  h += t(lang, {"Sao chép mã báo cáo", "Copy the report code"});
  h += "</button></dd>\n<dt>";
  h += t(lang, {"Mã bí mật", "Secret"});
  h += "</dt>\n<dd><code class=\"big\" id=\"receipt-secret\">" + escape_markup(secret) + "</code>";
  h += "<button type=\"button\" class=\"button copy\" data-copy=\"receipt-secret\" data-done=\"" +
       escape_markup(t(lang, {"Đã sao chép", "Copied"})) + "\" hidden>";
  h += t(lang, {"Sao chép mã bí mật", "Copy the secret"});
  h += "</button></dd>\n</dl>\n<p id=\"copy-status\" class=\"visually-hidden\" aria-live=\"polite\"></p>\n";
  h += "</section>\n";

  h += "<section aria-labelledby=\"files-title\">\n<h2 id=\"files-title\">";
  h += t(lang, {"Tệp đính kèm", "Files"});
  h += "</h2>\n<p>";
  if (files_kept == 0) {
    h += t(lang, {"Không có tệp nào được lưu kèm báo cáo này.", "No files were kept with this report."});
  } else if (files_kept == 1) {
    h += t(lang, {"Chúng tôi đã nhận 1 tệp.", "We received 1 file."});
  } else {
    h += with_number(t(lang, {"Chúng tôi đã nhận {n} tệp.", "We received {n} files."}), files_kept);
  }
  h += "</p>\n";
  if (!notes.empty()) {
    h += "<p>";
    h += t(lang, {"Một số tệp có vấn đề. Phần còn lại của báo cáo đã được lưu.",
                  "Some files had a problem. The rest of your report was kept."});
    h += "</p>\n<ul class=\"file-notes\">\n";
    for (const auto& n : notes) {
      h += "<li><span class=\"file-name\">" + escape_markup(n.name) +
           "</span>: " + escape_markup(message(lang, n.message_key)) + " ";
      h += n.kept ? t(lang, {"(Đã lưu tệp này.)", "(This file was kept.)"})
                  : t(lang, {"(Tệp này không được lưu.)", "(This file was not kept.)"});
      h += "</li>\n";
    }
    h += "</ul>\n";
  }
  h += "</section>\n";

  h += "<section aria-labelledby=\"next-title\">\n<h2 id=\"next-title\">";
  h += t(lang, {"Điều gì xảy ra tiếp theo?", "What happens next?"});
  h += "</h2>\n<p>";
  h += t(
      lang,
      {"Nhân viên Tổng đài 111 sẽ đọc báo cáo của bạn. Bạn có thể xem báo cáo được xử lý đến đâu bằng mã báo "
       "cáo và mã bí mật.",
       "Hotline 111 staff will read your report. You can see how it is going with the report code and the "
       "secret."});
  h += "</p>\n<p><a class=\"button\" href=\"/report/status?lang=";
  h += lc;
  h += "&amp;code=" + escape_markup(url_encode(code)) + "\">";
  h += t(lang, {"Xem tình trạng báo cáo", "Check the report"});
  h += "</a></p>\n</section>\n";

  const Lang o = other(lang);
  h += std::string("<section class=\"other-lang\" lang=\"") + lang_code(o) +
       "\" aria-labelledby=\"other-title\">\n";
  h += "<h2 id=\"other-title\">";
  h += o == Lang::en ? "In English" : "Bằng tiếng Việt";
  h += "</h2>\n<p>";
  h += t(
      o,
      {"Chúng tôi đã nhận báo cáo của bạn. Mã báo cáo và mã bí mật ở phía trên. Hãy chép lại hoặc chụp màn "
       "hình: "
       "mã bí mật chỉ hiện một lần này.",
       "We have received your report. Your report code and secret are shown above. Write them down or take a "
       "screenshot: the secret is shown only this once."});
  h += "</p>\n</section>\n";
  return render(p);
}

std::string status_form(Lang lang, std::string_view code, bool not_found) {
  const char* lc = lang_code(lang);
  Page p;
  p.lang = lang;
  const std::string_view heading = t(lang, {"Xem tình trạng báo cáo", "Check a report"});
  p.title =
      not_found ? std::string(t(lang, {"Lỗi: ", "Error: "})) + std::string(heading) : std::string(heading);
  p.switch_href = page_href("/report/status", other(lang));
  if (!code.empty()) p.switch_href += "&code=" + url_encode(code);
  p.noindex = true;
  std::string& h = p.body;
  h += "<h1>" + escape_markup(heading) + "</h1>\n";
  std::string aria;
  if (not_found) {
    p.focus_id = "error-summary";
    h += "<div class=\"error-summary\" id=\"error-summary\" role=\"alert\" tabindex=\"-1\" "
         "aria-labelledby=\"error-summary-title\">\n<h2 id=\"error-summary-title\">";
    h += t(lang, {"Không tìm thấy báo cáo", "No report found"});
    h += "</h2>\n<ul>\n<li><a href=\"#code\" id=\"status-error\">";
    h += t(lang, {"Không có báo cáo nào với mã báo cáo và mã bí mật này. Hãy kiểm tra lại từng ký tự.",
                  "There is no report with this report code and secret. Please check each character."});
    h += "</a></li>\n</ul>\n</div>\n";
    aria = " aria-invalid=\"true\"";
  }
  h += "<p class=\"lead\">";
  h += t(lang, {"Nhập mã báo cáo và mã bí mật bạn nhận được khi gửi báo cáo.",
                "Enter the report code and the secret you got when you sent your report."});
  h += "</p>\n<form method=\"post\" action=\"/report/status\" class=\"status-form\" novalidate>\n"
       "<input type=\"hidden\" name=\"lang\" value=\"";
  h += lc;
  h += "\">\n<div class=\"field\">\n<label for=\"code\">";
  h += t(lang, {"Mã báo cáo", "Report code"});
  h += "</label>\n<input type=\"text\" id=\"code\" name=\"code\" value=\"" + escape_markup(code) +
       "\" autocomplete=\"off\" autocapitalize=\"characters\" spellcheck=\"false\" required" + aria;
  if (not_found) h += " aria-describedby=\"status-error\"";
  h += ">\n</div>\n<div class=\"field\">\n<label for=\"secret\">";
  h += t(lang, {"Mã bí mật", "Secret"});
  h += "</label>\n<input type=\"text\" id=\"secret\" name=\"secret\" value=\"\" autocomplete=\"off\" "
       "autocapitalize=\"off\" spellcheck=\"false\" required" +
       aria;
  if (not_found) h += " aria-describedby=\"status-error\"";
  h += ">\n</div>\n<button type=\"submit\" class=\"button primary\">";
  h += t(lang, {"Xem tình trạng", "Check"});
  h += "</button>\n</form>\n<p>";
  h += t(lang,
         {"Mất mã? Chúng tôi không thể gửi lại mã bí mật, nhưng bạn có thể gọi 111 hoặc gửi báo cáo mới.",
          "Lost the codes? We cannot send the secret again, but you can call 111 or make a new report."});
  h += "</p>\n";
  return render(p);
}

namespace {

struct StateText {
  std::string_view key;
  Tr name;
  Tr explanation;
};

constexpr StateText kStates[] = {
    {"received",
     {"Đã nhận", "Received"},
     {"Chúng tôi đã nhận báo cáo và sẽ sớm đọc.", "We have your report and will read it soon."}},
    {"in_review",
     {"Đang xem xét", "Being looked at"},
     {"Nhân viên Tổng đài 111 đang xem báo cáo của bạn.", "Hotline 111 staff are looking at your report."}},
    {"action_taken",
     {"Đã có hành động", "Action taken"},
     {"Chúng tôi đã làm việc để bảo vệ em nhỏ, ví dụ: yêu cầu gỡ nội dung hoặc chuyển cho cơ quan chức năng.",
      "We have acted to protect the child, for example by asking for the content to be removed or passing "
      "the "
      "report to the authorities."}},
    {"closed",
     {"Đã xong", "Closed"},
     {"Việc xử lý báo cáo này đã xong. Nếu vẫn còn lo lắng, hãy gọi 111.",
      "We have finished with this report. If you are still worried, call 111."}},
};

}  // namespace

std::string status_page(Lang lang, std::string_view code, const StatusView& s) {
  Page p;
  p.lang = lang;
  p.title = std::string(t(lang, {"Tình trạng báo cáo", "Report status"}));
  p.switch_href = page_href("/report/status", other(lang)) + "&code=" + url_encode(code);
  p.noindex = true;
  std::string& h = p.body;
  h += "<h1>" + escape_markup(p.title) + "</h1>\n<p>";
  h += t(lang, {"Mã báo cáo:", "Report code:"});
  h += " <code class=\"big\">" + escape_markup(code) + "</code></p>\n";

  const StateText* current = nullptr;
  std::size_t current_index = 0;
  for (std::size_t i = 0; i < std::size(kStates); ++i) {
    if (kStates[i].key == s.state) {
      current = &kStates[i];
      current_index = i;
    }
  }
  h += "<div class=\"state\" id=\"report-state\">\n<p class=\"state-name\">";
  if (current != nullptr) {
    h += escape_markup(t(lang, current->name));
    h += "</p>\n<p>";
    h += escape_markup(t(lang, current->explanation));
  } else {
    h += t(lang, {"Đang xử lý", "In progress"});
    h += "</p>\n<p>";
    h += t(lang, {"Báo cáo của bạn đang được xử lý.", "Your report is being handled."});
  }
  h += "</p>\n</div>\n";

  h += "<ol class=\"steps\" aria-label=\"";
  h += t(lang, {"Các bước xử lý", "Steps"});
  h += "\">\n";
  for (std::size_t i = 0; i < std::size(kStates); ++i) {
    const bool done = current != nullptr && i < current_index;
    const bool now = current != nullptr && i == current_index;
    h += "<li class=\"step";
    if (done) h += " done";
    if (now) h += " current";
    h += "\"";
    if (now) h += " aria-current=\"step\"";
    h += ">" + escape_markup(t(lang, kStates[i].name));
    if (now) {
      h += " <span class=\"visually-hidden\">";
      h += t(lang, {"(bước hiện tại)", "(current step)"});
      h += "</span>";
    }
    h += "</li>\n";
  }
  h += "</ol>\n<dl class=\"times\">\n<dt>";
  h += t(lang, {"Nhận lúc", "Received"});
  h += "</dt>\n<dd>" + format_time(s.received_at_unix) + "</dd>\n<dt>";
  h += t(lang, {"Cập nhật lần cuối", "Last updated"});
  h += "</dt>\n<dd>" + format_time(s.updated_at_unix) + "</dd>\n</dl>\n<p class=\"hint\">";
  h += t(lang, {"Giờ Việt Nam (GMT+7).", "Viet Nam time (GMT+7)."});
  h += "</p>\n<p>";
  h += t(lang, {"Có thêm thông tin hoặc vẫn lo lắng? Hãy gọi 111, miễn phí, 24/7.",
                "More to tell us, or still worried? Call 111, free, 24/7."});
  h += "</p>\n";
  return render(p);
}

std::string error_page(Lang lang, int http_status, std::string_view message_key) {
  const char* lc = lang_code(lang);
  Tr heading;
  std::string_view key = message_key;
  switch (http_status) {
    case 404:
      heading = {"Không tìm thấy trang", "Page not found"};
      if (key.empty()) key = "not_found";
      break;
    case 413:
      heading = {"Báo cáo hoặc tệp quá lớn", "The report or a file is too large"};
      if (key.empty()) key = "file_too_large";
      break;
    case 429:
      heading = {"Hãy đợi một chút", "Please wait a moment"};
      if (key.empty()) key = "rate_limited";
      break;
    default:
      if (http_status >= 500) {
        heading = {"Đã có lỗi", "Something went wrong"};
        if (key.empty()) key = "server_error";
      } else {
        heading = {"Không thực hiện được", "That did not work"};
      }
  }
  Page p;
  p.lang = lang;
  p.title = std::string(t(lang, heading));
  // A relative link keeps the path: the same address in the other language.
  p.switch_href = std::string("?lang=") + lang_code(other(lang));
  p.noindex = true;
  std::string& h = p.body;
  h += "<h1>" + escape_markup(p.title) + "</h1>\n<p class=\"lead\">" + escape_markup(message(lang, key)) +
       "</p>\n";
  if (http_status == 413 || http_status == 429 || http_status >= 500) {
    h += "<p>";
    h += t(lang, {"Nếu bạn vừa gửi báo cáo, báo cáo đó chưa được lưu. Hãy thử gửi lại.",
                  "If you were sending a report, it has not been saved. Please try sending it again."});
    h += "</p>\n";
  }
  h += "<ul class=\"actions\">\n<li><a class=\"button primary\" href=\"/report?lang=";
  h += lc;
  h += "\">";
  h += t(lang, {"Gửi báo cáo", "Make a report"});
  h += "</a></li>\n<li><a class=\"button\" href=\"/?lang=";
  h += lc;
  h += "\">";
  h += t(lang, {"Về trang chủ", "Go to the home page"});
  h += "</a></li>\n</ul>\n<p class=\"hint\">";
  h += t(lang, {"Mã lỗi", "Error code"});
  h += " " + std::to_string(http_status) + "</p>\n";
  return render(p);
}

// ---------------------------------------------------------------- assets

const PublicAsset* public_asset(std::string_view name) {
  for (const auto& a : public_assets()) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

}  // namespace baove::api::pages
