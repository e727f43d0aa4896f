// Tests for the bit-range helpers every structure decoder is built on.
#include "model/common/bits.h"

#include "gtest/gtest.h"

namespace vtd {
namespace {

TEST(BitRangeTest, MasksAndExtracts) {
  EXPECT_EQ(BitMask(63, 0), ~uint64_t{0});
  EXPECT_EQ(BitMask(63, 12), 0xfffffffffffff000ull);
  EXPECT_EQ(BitMask(0, 0), 1u);
  constexpr BitRange kAddr{63, 12};
  EXPECT_EQ(kAddr.Get(0x123456789abcdef0ull), 0x123456789abcdull);
  EXPECT_EQ(kAddr.InPlace(0x123456789abcdef0ull), 0x123456789abcd000ull);
  EXPECT_EQ(BitRange({3, 2}).Set(0xff, 0x1), 0xf7u);
  EXPECT_TRUE(BitRange({3, 2}).Fits(3));
  EXPECT_FALSE(BitRange({3, 2}).Fits(4));
  EXPECT_EQ(LowMask(64), ~uint64_t{0});
  EXPECT_EQ(LowMask(0), 0u);
  EXPECT_TRUE(IsAligned(0x2000, 0x1000));
  EXPECT_FALSE(IsAligned(0x2010, 0x1000));
}

}  // namespace
}  // namespace vtd
