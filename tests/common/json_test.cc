// Tests for the deterministic JSON writer used by every --json output.
#include "model/common/json.h"

#include "gtest/gtest.h"
#include "model/common/hex.h"

namespace vtd {
namespace {

TEST(JsonTest, KeepsInsertionOrderAndEscapes) {
  Json obj = Json::MakeObject();
  obj.Set("z", 1);
  obj.Set("a", Json::MakeArray());
  obj.Set("s", "q\"\\\n\x01\xff");
  obj.Set("z", 2);  // replaced in place, order kept
  EXPECT_EQ(obj.Dump(-1), R"({"z":2,"a":[],"s":"q\"\\\n\u0001\u00ff"})");
  EXPECT_EQ(obj.Find("a")->is_array(), true);
  EXPECT_EQ(obj.Find("missing"), nullptr);
}

TEST(JsonTest, PassesWellFormedUtf8AndEscapesOtherHighBytes) {
  // "§3.4" and "→" are UTF-8 text; a lone continuation byte, a truncated sequence, an
  // overlong form and an encoded surrogate are not, and are escaped byte by byte.
  EXPECT_EQ(JsonQuote("\xc2\xa7"
                      "3.4 \xe2\x86\x92 \xf0\x9f\x98\x80"),
            "\"\xc2\xa7"
            "3.4 \xe2\x86\x92 \xf0\x9f\x98\x80\"");
  EXPECT_EQ(JsonQuote("\xa7"), R"("\u00a7")");
  EXPECT_EQ(JsonQuote("\xe2\x86"), R"("\u00e2\u0086")");
  EXPECT_EQ(JsonQuote("\xc0\xaf"), R"("\u00c0\u00af")");
  EXPECT_EQ(JsonQuote("\xed\xa0\x80"), R"("\u00ed\u00a0\u0080")");
}

TEST(JsonTest, PrettyPrints) {
  Json arr = Json::MakeArray();
  arr.Push(true);
  arr.Push(Json::Object{{"k", nullptr}});
  EXPECT_EQ(arr.Dump(2), "[\n  true,\n  {\n    \"k\": null\n  }\n]");
}

TEST(HexTest, LowerCaseNoPadding) {
  EXPECT_EQ(Hex(0), "0x0");
  EXPECT_EQ(Hex(0xFBFFC000), "0xfbffc000");
  EXPECT_EQ(Hex(~uint64_t{0}), "0xffffffffffffffff");
}

}  // namespace
}  // namespace vtd
