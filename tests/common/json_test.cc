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
