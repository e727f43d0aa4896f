#include "model/common/hex.h"

#include <cstdint>
#include <limits>
#include <string>

#include "gtest/gtest.h"

namespace vtd {
namespace {

TEST(HexTest, ZeroHasOneDigit) { EXPECT_EQ(Hex(0), "0x0"); }

TEST(HexTest, LowerCaseWithoutLeadingZeros) {
  EXPECT_EQ(Hex(0x1), "0x1");
  EXPECT_EQ(Hex(0xf), "0xf");
  EXPECT_EQ(Hex(0x10), "0x10");
  EXPECT_EQ(Hex(0x200000), "0x200000");
  EXPECT_EQ(Hex(0xfee00000), "0xfee00000");
  EXPECT_EQ(Hex(0xDEADBEEFCAFEull), "0xdeadbeefcafe");
}

TEST(HexTest, AllSixteenDigits) {
  EXPECT_EQ(Hex(0x0123456789abcdefull), "0x123456789abcdef");
  EXPECT_EQ(Hex(0xfedcba9876543210ull), "0xfedcba9876543210");
  EXPECT_EQ(Hex(std::numeric_limits<uint64_t>::max()), "0xffffffffffffffff");
}

TEST(HexTest, AppendHexKeepsWhatIsThere) {
  std::string s = "hpa ";
  AppendHex(s, 0x201000);
  AppendHex(s, 0);
  EXPECT_EQ(s, "hpa 0x2010000x0");
}

TEST(DecimalTest, Values) {
  std::string s;
  AppendDecimal(s, 0);
  EXPECT_EQ(s, "0");
  s.clear();
  AppendDecimal(s, 645);
  EXPECT_EQ(s, "645");
  s.clear();
  AppendDecimal(s, 1000000);
  EXPECT_EQ(s, "1000000");
  s.clear();
  AppendDecimal(s, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(s, "18446744073709551615");
}

TEST(DecimalTest, AppendsAfterExistingText) {
  std::string s = "[";
  AppendDecimal(s, 12);
  s += "] ";
  EXPECT_EQ(s, "[12] ");
}

}  // namespace
}  // namespace vtd
