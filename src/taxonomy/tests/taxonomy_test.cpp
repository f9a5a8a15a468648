#include "taxonomy/taxonomy.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>

namespace baove::taxonomy {
namespace {

TEST(Taxonomy, KeysAreUniqueSnakeCaseAndLabelled) {
  for (auto list : {categories(), category_hints(), channels(), outcomes(), age_bands(), genders(),
                    provinces(), platforms(), periods()}) {
    std::set<std::string_view> seen;
    for (const auto& t : list) {
      EXPECT_TRUE(seen.insert(t.key).second) << t.key;
      for (char ch : t.key)
        EXPECT_TRUE((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_') << t.key;
      EXPECT_FALSE(t.vi.empty()) << t.key;
      EXPECT_FALSE(t.en.empty()) << t.key;
    }
  }
}

TEST(Taxonomy, HintsFollowCategories) {
  ASSERT_EQ(categories().size(), category_hints().size());
  for (std::size_t i = 0; i < categories().size(); ++i)
    EXPECT_EQ(categories()[i].key, category_hints()[i].key);
}

TEST(Taxonomy, EveryHotlineCategoryOfTheSharedTaxonomyIsPresent) {
  // The keys of the hotline's online-harm table (taxonomy.md) must all be classifiable.
  std::ifstream in(std::string(BAOVE_SHARED_DIR) + "/domain/taxonomy.md");
  ASSERT_TRUE(in) << "shared taxonomy missing";
  std::string line;
  bool in_table = false;
  int checked = 0;
  while (std::getline(in, line)) {
    if (line.rfind("## Harm to children", 0) == 0)
      in_table = true;
    else if (line.rfind("## ", 0) == 0)
      in_table = false;
    if (!in_table || line.rfind("| ", 0) != 0) continue;
    std::string key = line.substr(2, line.find(' ', 2) - 2);
    if (key == "key" || key.find('-') != std::string::npos) continue;
    EXPECT_NE(find(categories(), key), nullptr) << key;
    ++checked;
  }
  EXPECT_EQ(checked, 9);
}

TEST(Taxonomy, ThirtyFourProvincesAndUnknown) {
  EXPECT_EQ(provinces().size(), 35u);
  EXPECT_NE(find(provinces(), "ha_noi"), nullptr);
  EXPECT_EQ(find(provinces(), "ha_tay"), nullptr);
  EXPECT_EQ(find(provinces(), "ho_chi_minh")->label(Lang::en), "Ho Chi Minh City");
}

TEST(Taxonomy, FoldRemovesVietnameseDiacritics) {
  EXPECT_EQ(fold("Xâm hại tình dục"), "xam hai tinh duc");
  EXPECT_EQ(fold("ĐẮK LẮK"), "dak lak");
  EXPECT_EQ(fold("Bắt nạt"), fold("bat nat"));
  EXPECT_EQ(fold("Lừa tiền"), "lua tien");
  // Decomposed input (a + combining grave) folds the same as precomposed.
  EXPECT_EQ(fold("ha\xCC\x80"), "ha");
  // Invalid UTF-8 is dropped; other letters pass through.
  EXPECT_EQ(fold("a\xFF"
                 "b"),
            "ab");
  EXPECT_EQ(fold("Ω"), "Ω");
}

TEST(Taxonomy, ParseLang) {
  EXPECT_EQ(parse_lang("en"), Lang::en);
  EXPECT_EQ(parse_lang("EN-us"), Lang::en);
  EXPECT_EQ(parse_lang("vi-VN"), Lang::vi);
  EXPECT_EQ(parse_lang("fr"), Lang::vi);
  EXPECT_EQ(parse_lang("english"), Lang::vi);
  EXPECT_EQ(parse_lang("", Lang::en), Lang::en);
}

}  // namespace
}  // namespace baove::taxonomy
