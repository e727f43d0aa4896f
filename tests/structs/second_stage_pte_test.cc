// Second-stage paging entries (VT-d spec §9.8, §3.7): round trips and reserved bits per
// level, page size and capability.
#include "model/structs/second_stage_pte.h"

#include "gtest/gtest.h"
#include "model/structs/address_width.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::vtd::testing::StatusIs;

SsPteFormat Format(int haw = 48, bool sc = true, bool m2 = true, bool g1 = true) {
  SsPteFormat f;
  f.haw = haw;
  f.snoop_control = sc;
  f.large_2m = m2;
  f.large_1g = g1;
  return f;
}

TEST(SecondStagePteTest, RoundTripsEveryBit) {
  for (uint64_t raw :
       {0x0ull, 0x3ull, 0xffffffffffffffffull, 0x8ff0000012345ffbull, 0x4000000000000883ull}) {
    VTD_ASSERT_OK_AND_ASSIGN(uint64_t back, SecondStagePte::Decode(raw).Encode());
    EXPECT_EQ(back, raw) << std::hex << raw;
  }
  const SecondStagePte e = SecondStagePte::Decode(0x12345000 | (1 << 11) | (6 << 3) | 0x43);
  EXPECT_TRUE(e.read);
  EXPECT_TRUE(e.write);
  EXPECT_EQ(e.emt, 6);
  EXPECT_TRUE(e.ipat);
  EXPECT_TRUE(e.snoop);
  EXPECT_EQ(e.address, 0x12345000u);
  EXPECT_TRUE(e.present());
  EXPECT_FALSE(SecondStagePte::Decode(0x4).present());  // X alone is not present
}

TEST(SecondStagePteTest, EncodeRejectsOutOfRangeFields) {
  SecondStagePte e;
  e.emt = 8;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = SecondStagePte();
  e.address = 0x1001;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = SecondStagePte();
  e.address = uint64_t{1} << 52;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = SecondStagePte();
  e.ignored = 1;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(SecondStagePteTest, AddressBitsAtAndAboveHawAreReservedAtEveryLevel) {
  const uint64_t raw = (uint64_t{1} << 40) | 3;
  for (int level = 1; level <= 5; ++level) {
    EXPECT_EQ(SecondStagePte::ReservedBits(raw, level, Format(40)), uint64_t{1} << 40);
    EXPECT_EQ(SecondStagePte::ReservedBits(raw, level, Format(41)), 0u);
  }
  EXPECT_EQ(SecondStagePte::ReservedBits(uint64_t{1} << 51 | 3, 1, Format(52)), 0u);
}

TEST(SecondStagePteTest, PsAndSnpReservedInPml5eAndPml4e) {
  for (int level : {4, 5}) {
    EXPECT_EQ(SecondStagePte::ReservedBits(0x83, level, Format()), 0x80u);
    EXPECT_EQ(SecondStagePte::ReservedBits(0x803, level, Format()), 0x800u);
  }
}

TEST(SecondStagePteTest, SnpReservedInNonLeafPdpeAndPde) {
  EXPECT_EQ(SecondStagePte::ReservedBits(0x803, 3, Format()), 0x800u);
  EXPECT_EQ(SecondStagePte::ReservedBits(0x803, 2, Format()), 0x800u);
}

TEST(SecondStagePteTest, LeafSnpReservedOnlyWithoutSnoopControl) {
  EXPECT_EQ(SecondStagePte::ReservedBits(0x803, 1, Format(48, true)), 0u);
  EXPECT_EQ(SecondStagePte::ReservedBits(0x803, 1, Format(48, false)), 0x800u);
  EXPECT_EQ(SecondStagePte::ReservedBits(0x883, 2, Format(48, false)), 0x800u);
}

TEST(SecondStagePteTest, LargePageAddressLowBitsReserved) {
  // 2 MiB: bits 20:12.
  EXPECT_EQ(SecondStagePte::ReservedBits(0x200000 | 0x1000 | 0x83, 2, Format()), 0x1000u);
  EXPECT_EQ(SecondStagePte::ReservedBits(0x200000 | 0x100000 | 0x83, 2, Format()), 0x100000u);
  EXPECT_EQ(SecondStagePte::ReservedBits(0x200000 | 0x83, 2, Format()), 0u);
  // 1 GiB: bits 29:12.
  EXPECT_EQ(SecondStagePte::ReservedBits(0x40000000 | 0x200000 | 0x83, 3, Format()), 0x200000u);
  EXPECT_EQ(SecondStagePte::ReservedBits(0x40000000 | 0x83, 3, Format()), 0u);
  // The same address bits are not reserved in non-leaf entries.
  EXPECT_EQ(SecondStagePte::ReservedBits(0x201003, 2, Format()), 0u);
}

TEST(SecondStagePteTest, PsReservedWhenSllpsLacksThePageSize) {
  EXPECT_EQ(SecondStagePte::ReservedBits(0x83, 2, Format(48, true, false, true)), 0x80u);
  EXPECT_EQ(SecondStagePte::ReservedBits(0x83, 3, Format(48, true, true, false)), 0x80u);
  EXPECT_EQ(SecondStagePte::ReservedBits(0x83, 2, Format(48, true, true, false)), 0u);
  // PS is ignored in SS-PTEs.
  EXPECT_EQ(SecondStagePte::ReservedBits(0x83, 1, Format(48, true, false, false)), 0u);
}

TEST(SecondStagePteTest, Bit62ReservedUnlessTransientMapping) {
  const uint64_t raw = (uint64_t{1} << 62) | 3;
  SsPteFormat f = Format();
  EXPECT_EQ(SecondStagePte::ReservedBits(raw, 1, f), uint64_t{1} << 62);
  EXPECT_EQ(SecondStagePte::ReservedBits(raw, 4, f), uint64_t{1} << 62);
  f.bit62 = SsBit62::kTransientMapping;
  EXPECT_EQ(SecondStagePte::ReservedBits(raw, 1, f), 0u);
}

TEST(SecondStagePteTest, IgnoredBitsAreNeverReserved) {
  const uint64_t ignored = SecondStagePte::kIgnoredMask | (1 << 2) | (uint64_t{1} << 61);
  for (int level = 1; level <= 5; ++level) {
    EXPECT_EQ(SecondStagePte::ReservedBits(ignored | 3, level, Format()), 0u) << level;
  }
}

TEST(AddressWidthTest, Geometry) {
  EXPECT_EQ(AgawBits(1), 39);
  EXPECT_EQ(AgawBits(3), 57);
  EXPECT_EQ(PagingLevels(2), 4);
  EXPECT_TRUE(SagawSupports(0b00100, 2));
  EXPECT_FALSE(SagawSupports(0b00100, 1));
  EXPECT_FALSE(SagawSupports(0b11111, 0));  // 30-bit AW reserved in 5.10
  EXPECT_FALSE(SagawSupports(0b11111, 4));
  EXPECT_EQ(LevelIndex(0x0000'7fff'ffff'f000ull, 4), 0xff);
  EXPECT_EQ(LevelIndex(0x1234'5000, 1), 0x145);
  EXPECT_EQ(LevelPageSize(2), 0x200000u);
  EXPECT_EQ(DomainIdBits(6), 16);
}

}  // namespace
}  // namespace vtd
