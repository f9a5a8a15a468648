#include "taxonomy/taxonomy.hpp"

#include <array>
#include <cstdint>

namespace baove::taxonomy {

namespace {

constexpr Term kCategories[] = {
    {"sexual_abuse", "Xâm hại tình dục trẻ em trên mạng", "Online sexual abuse or exploitation of a child"},
    {"grooming", "Dụ dỗ, gạ gẫm trẻ em trên mạng", "Grooming or enticing a child online"},
    {"violence_bullying", "Bạo lực, bắt nạt trên mạng", "Online violence or bullying"},
    {"enticed_trafficked", "Dụ dỗ và lừa bán trẻ em qua mạng",
     "Enticement and trafficking through the internet"},
    {"images_dignity", "Đưa hình ảnh trẻ em lên mạng và xúc phạm", "A child's images posted to insult them"},
    {"dignity", "Xúc phạm danh dự, nhân phẩm trẻ em trên mạng",
     "A child's honour or dignity insulted online"},
    {"personal_info", "Đưa thông tin cá nhân của trẻ em lên mạng",
     "A child's personal information posted online"},
    {"money_fraud", "Lừa tiền trẻ em trên mạng", "A child defrauded of money online"},
    {"safe_use", "Hỏi cách dùng internet an toàn", "Asking how to use the internet safely"},
    {"other", "Việc khác", "Something else"},
};

constexpr Term kCategoryHints[] = {
    {"sexual_abuse", "Ảnh, video xâm hại tình dục trẻ em; bị ép gửi ảnh nhạy cảm; bị đe doạ tung ảnh",
     "Sexual images or videos of a child; being pushed to send intimate pictures; threats to share them"},
    {"grooming", "Người lạ làm quen, tặng quà, rủ gặp mặt hoặc nói chuyện tình dục với trẻ em",
     "A stranger befriending a child, giving gifts, asking to meet or talking about sex"},
    {"violence_bullying", "Bị chửi, đe doạ, chế giễu, tẩy chay hoặc quay video bạo lực",
     "Insults, threats, mockery, exclusion or videos of violence"},
    {"enticed_trafficked", "Hứa hẹn việc làm, du lịch hoặc tình cảm để đưa trẻ em đi nơi khác",
     "Promises of work, travel or love to take a child somewhere"},
    {"images_dignity", "Ảnh hoặc video của trẻ em bị đăng lên để chế giễu, làm nhục",
     "Pictures or videos of a child posted to mock or shame them"},
    {"dignity", "Bị bịa đặt, vu khống, xúc phạm trên mạng", "Lies, slander or insults online"},
    {"personal_info", "Tên, địa chỉ, số điện thoại, trường học của trẻ em bị đăng công khai",
     "A child's name, address, phone number or school made public"},
    {"money_fraud", "Bị lừa nạp tiền, mua đồ, trúng thưởng giả, lừa tài khoản game",
     "Tricked into paying, fake prizes, stolen game accounts"},
    {"safe_use", "Muốn được hướng dẫn để dùng mạng an toàn hơn", "Wanting advice on staying safe online"},
    {"other", "Điều khác khiến em hoặc bạn lo lắng", "Anything else that worries you"},
};

constexpr Term kChannels[] = {
    {"phone", "Tổng đài 111", "Hotline 111 (phone)"},
    {"web", "Biểu mẫu trên web", "Web form"},
    {"zalo", "Zalo", "Zalo"},
    {"facebook", "Fanpage Facebook", "Facebook fanpage"},
    {"email", "Thư điện tử", "E-mail"},
    {"walk_in", "Đến trực tiếp", "Walk-in"},
    {"partner", "Đối tác chuyển đến", "Partner referral"},
    {"platform", "Nền tảng báo cáo", "Platform report"},
};

constexpr Term kOutcomes[] = {
    {"information", "Cung cấp thông tin", "Information given"},
    {"counselled", "Tư vấn", "Counselled"},
    {"indepth_counselling", "Tư vấn chuyên sâu", "In-depth counselling"},
    {"referred", "Chuyển đến thành viên mạng lưới", "Referred to a network member"},
    {"intervention", "Mở ca can thiệp", "Intervention case opened"},
    {"no_action", "Không cần xử lý (im lặng, trêu đùa, nhầm số)", "No action (silent, prank, wrong number)"},
};

constexpr Term kAgeBands[] = {
    {"under_6", "Dưới 6 tuổi", "Under 6"},   {"6_10", "6 đến 10 tuổi", "6 to 10"},
    {"11_14", "11 đến 14 tuổi", "11 to 14"}, {"15_17", "15 đến 17 tuổi", "15 to 17"},
    {"unknown", "Không rõ", "Not known"},
};

constexpr Term kGenders[] = {
    {"girl", "Nữ", "Girl"},
    {"boy", "Nam", "Boy"},
    {"other", "Khác", "Other"},
    {"unknown", "Không rõ", "Not known"},
};

// The provincial-level units in force from 1 July 2025 (Resolution 202/2025/QH15).
constexpr Term kProvinces[] = {
    {"ha_noi", "Hà Nội", "Hanoi"},
    {"ho_chi_minh", "TP. Hồ Chí Minh", "Ho Chi Minh City"},
    {"hai_phong", "Hải Phòng", "Hai Phong"},
    {"da_nang", "Đà Nẵng", "Da Nang"},
    {"can_tho", "Cần Thơ", "Can Tho"},
    {"hue", "Huế", "Hue"},
    {"an_giang", "An Giang", "An Giang"},
    {"bac_ninh", "Bắc Ninh", "Bac Ninh"},
    {"ca_mau", "Cà Mau", "Ca Mau"},
    {"cao_bang", "Cao Bằng", "Cao Bang"},
    {"dak_lak", "Đắk Lắk", "Dak Lak"},
    {"dien_bien", "Điện Biên", "Dien Bien"},
    {"dong_nai", "Đồng Nai", "Dong Nai"},
    {"dong_thap", "Đồng Tháp", "Dong Thap"},
    {"gia_lai", "Gia Lai", "Gia Lai"},
    {"ha_tinh", "Hà Tĩnh", "Ha Tinh"},
    {"hung_yen", "Hưng Yên", "Hung Yen"},
    {"khanh_hoa", "Khánh Hòa", "Khanh Hoa"},
    {"lai_chau", "Lai Châu", "Lai Chau"},
    {"lam_dong", "Lâm Đồng", "Lam Dong"},
    {"lang_son", "Lạng Sơn", "Lang Son"},
    {"lao_cai", "Lào Cai", "Lao Cai"},
    {"nghe_an", "Nghệ An", "Nghe An"},
    {"ninh_binh", "Ninh Bình", "Ninh Binh"},
    {"phu_tho", "Phú Thọ", "Phu Tho"},
    {"quang_ngai", "Quảng Ngãi", "Quang Ngai"},
    {"quang_ninh", "Quảng Ninh", "Quang Ninh"},
    {"quang_tri", "Quảng Trị", "Quang Tri"},
    {"son_la", "Sơn La", "Son La"},
    {"tay_ninh", "Tây Ninh", "Tay Ninh"},
    {"thai_nguyen", "Thái Nguyên", "Thai Nguyen"},
    {"thanh_hoa", "Thanh Hóa", "Thanh Hoa"},
    {"tuyen_quang", "Tuyên Quang", "Tuyen Quang"},
    {"vinh_long", "Vĩnh Long", "Vinh Long"},
    {"unknown", "Không rõ", "Not known"},
};

constexpr Term kPlatforms[] = {
    {"facebook", "Facebook", "Facebook"},
    {"messenger", "Messenger", "Messenger"},
    {"zalo", "Zalo", "Zalo"},
    {"tiktok", "TikTok", "TikTok"},
    {"youtube", "YouTube", "YouTube"},
    {"instagram", "Instagram", "Instagram"},
    {"telegram", "Telegram", "Telegram"},
    {"discord", "Discord", "Discord"},
    {"game", "Trò chơi trực tuyến", "An online game"},
    {"website", "Trang web khác", "Another website"},
    {"other", "Khác hoặc không rõ", "Other or not sure"},
};

constexpr Term kPeriods[] = {
    {"today", "Hôm nay", "Today"},
    {"this_week", "Trong tuần này", "This week"},
    {"this_month", "Trong tháng này", "This month"},
    {"earlier", "Trước đó", "Earlier"},
    {"ongoing", "Vẫn đang xảy ra", "It is still happening"},
    {"unknown", "Không nhớ rõ", "Not sure"},
};

// Vietnamese letters with diacritics, by the ASCII letter they fold to (lower and upper case).
struct FoldRow {
  char base;
  std::u32string_view letters;
};
constexpr FoldRow kFold[] = {
    {'a', U"àáảãạăằắẳẵặâầấẩẫậÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ"},
    {'e', U"èéẻẽẹêềếểễệÈÉẺẼẸÊỀẾỂỄỆ"},
    {'i', U"ìíỉĩịÌÍỈĨỊ"},
    {'o', U"òóỏõọôồốổỗộơờớởỡợÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ"},
    {'u', U"ùúủũụưừứửữựÙÚỦŨỤƯỪỨỬỮỰ"},
    {'y', U"ỳýỷỹỵỲÝỶỸỴ"},
    {'d', U"đĐ"},
};

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out += static_cast<char>(c);
  } else if (c < 0x800) {
    out += static_cast<char>(0xC0 | (c >> 6));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else if (c < 0x10000) {
    out += static_cast<char>(0xE0 | (c >> 12));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (c >> 18));
    out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (c & 0x3F));
  }
}

// Decodes one code point at s[i]; advances i. Returns U+FFFF for an invalid sequence.
char32_t next_code_point(std::string_view s, std::size_t& i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  int len = 0;
  char32_t c = 0;
  if (b0 < 0x80) {
    ++i;
    return b0;
  } else if ((b0 & 0xE0) == 0xC0) {
    len = 2;
    c = b0 & 0x1F;
  } else if ((b0 & 0xF0) == 0xE0) {
    len = 3;
    c = b0 & 0x0F;
  } else if ((b0 & 0xF8) == 0xF0) {
    len = 4;
    c = b0 & 0x07;
  } else {
    ++i;
    return 0xFFFF;
  }
  if (i + static_cast<std::size_t>(len) > s.size()) {
    ++i;
    return 0xFFFF;
  }
  for (int k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + static_cast<std::size_t>(k)]);
    if ((b & 0xC0) != 0x80) {
      ++i;
      return 0xFFFF;
    }
    c = (c << 6) | (b & 0x3F);
  }
  i += static_cast<std::size_t>(len);
  // Overlong forms and surrogates are invalid.
  if ((len == 2 && c < 0x80) || (len == 3 && c < 0x800) || (len == 4 && (c < 0x10000 || c > 0x10FFFF)) ||
      (c >= 0xD800 && c <= 0xDFFF)) {
    return 0xFFFF;
  }
  return c;
}

}  // namespace

Lang parse_lang(std::string_view s, Lang fallback) noexcept {
  if (s.size() < 2) return fallback;
  const auto lower = [](char ch) { return ch >= 'A' && ch <= 'Z' ? static_cast<char>(ch - 'A' + 'a') : ch; };
  const char a = lower(s[0]);
  const char b = lower(s[1]);
  if (s.size() > 2 && s[2] != '-' && s[2] != '_') return fallback;
  if (a == 'v' && b == 'i') return Lang::vi;
  if (a == 'e' && b == 'n') return Lang::en;
  return fallback;
}

const char* to_string(Lang lang) noexcept { return lang == Lang::vi ? "vi" : "en"; }

std::span<const Term> categories() noexcept { return kCategories; }
std::span<const Term> category_hints() noexcept { return kCategoryHints; }
std::span<const Term> channels() noexcept { return kChannels; }
std::span<const Term> outcomes() noexcept { return kOutcomes; }
std::span<const Term> age_bands() noexcept { return kAgeBands; }
std::span<const Term> genders() noexcept { return kGenders; }
std::span<const Term> provinces() noexcept { return kProvinces; }
std::span<const Term> platforms() noexcept { return kPlatforms; }
std::span<const Term> periods() noexcept { return kPeriods; }

const Term* find(std::span<const Term> list, std::string_view key) noexcept {
  for (const auto& t : list) {
    if (t.key == key) return &t;
  }
  return nullptr;
}

std::string fold(std::string_view utf8) {
  std::string out;
  out.reserve(utf8.size());
  std::size_t i = 0;
  while (i < utf8.size()) {
    const char32_t c = next_code_point(utf8, i);
    if (c == 0xFFFF) continue;  // invalid UTF-8: dropped
    if (c < 0x80) {
      out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : static_cast<char>(c);
      continue;
    }
    if (c >= 0x300 && c <= 0x36F) continue;  // combining marks (decomposed input)
    char base = 0;
    for (const auto& row : kFold) {
      if (row.letters.find(c) != std::u32string_view::npos) {
        base = row.base;
        break;
      }
    }
    if (base != 0) {
      out += base;
    } else {
      append_utf8(out, c);
    }
  }
  return out;
}

}  // namespace baove::taxonomy
