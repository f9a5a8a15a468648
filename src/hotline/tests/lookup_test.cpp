// Phone and account normalising, keyed hashes, category bits and the category picker (no database).
#include <gtest/gtest.h>

#include <set>

#include "hotline/hotline.hpp"
#include "taxonomy/taxonomy.hpp"
#include "test_env.hpp"

namespace baove::hotline {
namespace {

using testing::random_keys;

TEST(Phone, VietnameseFormsAreTheSameNumber) {
  for (const char* form : {"0912 345 678", "+84 912345678", "84912345678", "+84912345678", "0912.345.678",
                           "(+84) 912-345-678", "0084 912 345 678", "912345678", "+84 0912 345 678"}) {
    auto n = normalise_phone(form);
    ASSERT_TRUE(n.ok()) << form << ": " << n.error().message;
    EXPECT_EQ(*n, "+84912345678") << form;
  }
}

TEST(Phone, LandlinesAndForeignNumbers) {
  EXPECT_EQ(*normalise_phone("024 3823 4567"), "+842438234567");
  EXPECT_EQ(*normalise_phone("+84 24 3823 4567"), "+842438234567");
  EXPECT_EQ(*normalise_phone("842438234567"), "+842438234567");
  EXPECT_EQ(*normalise_phone("+1 202 555 0100"), "+12025550100");
  EXPECT_EQ(*normalise_phone("001 202 555 0100"), "+12025550100");
  EXPECT_NE(*normalise_phone("0912345678"), *normalise_phone("0912345679"));
}

TEST(Phone, RejectsWhatIsNotANumberWithoutEchoingIt) {
  for (const char* bad : {"", "111", "0912abc678", "09123456", "091234567890", "+", "12+34567890",
                          "++84912345678", "+0912345678", "0912345678; DROP TABLE"}) {
    auto n = normalise_phone(bad);
    ASSERT_FALSE(n.ok()) << bad;
    EXPECT_EQ(n.error().code, ErrorCode::invalid_argument) << bad;
    if (std::string_view(bad).size() > 3) {
      EXPECT_EQ(n.error().message.find(bad), std::string::npos);
    }
  }
  EXPECT_EQ(normalise_phone(std::string(100, '1')).error().code, ErrorCode::limit_exceeded);
}

TEST(Account, LinksAndNamesCompareLoosely) {
  EXPECT_EQ(*normalise_account("https://www.facebook.com/Some.Name/"), "facebook.com/some.name");
  EXPECT_EQ(*normalise_account("facebook.com/some.name"), "facebook.com/some.name");
  EXPECT_EQ(*normalise_account("http://m.facebook.com/some.name#about"), "facebook.com/some.name");
  EXPECT_EQ(*normalise_account("https://www.tiktok.com/@Kenh.ABC?lang=vi"), "tiktok.com/@kenh.abc?lang=vi");
  EXPECT_EQ(*normalise_account("  Nguyễn   Văn  An "), "nguyen van an");
  EXPECT_EQ(*normalise_account("NGUYEN VAN AN"), "nguyen van an");
  EXPECT_EQ(*normalise_account("@Kenh.ABC"), "@kenh.abc");
  EXPECT_EQ(normalise_account("   ").error().code, ErrorCode::invalid_argument);
  EXPECT_EQ(normalise_account(std::string(kMaxAccountBytes + 1, 'a')).error().code,
            ErrorCode::limit_exceeded);
}

TEST(Hashes, KeyedAndNormalised) {
  const Keys a = random_keys();
  const Keys b = random_keys();
  EXPECT_EQ(*phone_hash(a, "0912 345 678"), *phone_hash(a, "+84912345678"));
  EXPECT_NE(*phone_hash(a, "0912 345 678"), *phone_hash(b, "0912 345 678"));
  EXPECT_EQ(*account_hash(a, "Facebook.com/Some.Name"), *account_hash(a, "https://facebook.com/some.name/"));
  // A phone number and an account spelt the same never share a hash.
  EXPECT_NE(*phone_hash(a, "+84912345678"), *account_hash(a, "+84912345678"));
  const std::vector<std::string> accounts = {"fb.com/x", "FB.com/x/", "zalo: An"};
  auto h = caller_hashes(a, "0912345678", accounts);
  ASSERT_TRUE(h.ok());
  ASSERT_TRUE(h->phone.has_value());
  EXPECT_EQ(h->accounts.size(), 2u) << "the two spellings of one link are one account";
  EXPECT_FALSE(caller_hashes(a, "not a phone", {}).ok());
}

TEST(Categories, EveryTaxonomyCategoryHasAFixedBit) {
  std::set<int> bits;
  for (const auto& t : taxonomy::categories()) {
    auto bit = category_bit(t.key);
    ASSERT_TRUE(bit.has_value()) << t.key;
    EXPECT_TRUE(bits.insert(*bit).second) << t.key;
    EXPECT_LT(*bit, 63);
    const bool online = (kOnlineHarmMask >> *bit) & 1u;
    EXPECT_EQ(online, t.key != "other") << t.key;
  }
  EXPECT_EQ(*category_bit("sexual_abuse"), 0);
  EXPECT_EQ(*category_bit("other"), 9);
  EXPECT_FALSE(category_bit("nope").has_value());
}

TEST(Categories, FoldedSearchFindsWithOrWithoutDiacritics) {
  for (const char* typed : {"xam hai", "Xâm hại", "XAM HAI", "xâm"}) {
    auto found = find_categories(typed);
    ASSERT_FALSE(found.empty()) << typed;
    EXPECT_EQ(found.front(), "sexual_abuse") << typed;
  }
  EXPECT_EQ(find_categories("bat nat").front(), "violence_bullying");
  EXPECT_EQ(find_categories("bắt nạt").front(), "violence_bullying");
  EXPECT_EQ(find_categories("lua tien").front(), "money_fraud");
  EXPECT_EQ(find_categories("grooming").front(), "grooming");
  EXPECT_EQ(find_categories("safe").front(), "safe_use");
  // Word prefixes in any order.
  EXPECT_EQ(find_categories("duc xam").front(), "sexual_abuse");
  EXPECT_EQ(find_categories("lừa bán").front(), "enticed_trafficked");
  EXPECT_TRUE(find_categories("qwertyuiop").empty());
  // Empty text: every category, in taxonomy order.
  auto all = find_categories("  ");
  ASSERT_EQ(all.size(), taxonomy::categories().size());
  for (std::size_t i = 0; i < all.size(); ++i) EXPECT_EQ(all[i], taxonomy::categories()[i].key);
  // A label match ranks before a match in a hint only: "anh" (ảnh, images) begins a word of the
  // images_dignity label and of several hints.
  auto anh = find_categories("hinh anh");
  ASSERT_FALSE(anh.empty());
  EXPECT_EQ(anh.front(), "images_dignity");
}

}  // namespace
}  // namespace baove::hotline
