// First-stage paging entry (VT-d spec §9.7, §3.6): per-level field meaning, round trips and
// one test per reserved field.
#include "model/structs/first_stage_pte.h"

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::vtd::testing::StatusIs;

constexpr uint64_t B(int n) { return uint64_t{1} << n; }

FsPteFormat Haw48(bool large_1g = true) { return FsPteFormat{48, large_1g}; }

TEST(FirstStagePteTest, DecodesPteFields) {
  // P R/W U/S PWT PCD A D PAT(7) G(8) EA(10) ADDR=0x123456000 XD(63).
  const uint64_t raw = 0x123456000ull | B(63) | B(10) | B(8) | B(7) | 0x7f;
  VTD_ASSERT_OK_AND_ASSIGN(FirstStagePte e, FirstStagePte::Decode(raw, 1));
  EXPECT_TRUE(e.present);
  EXPECT_TRUE(e.write);
  EXPECT_TRUE(e.user);
  EXPECT_TRUE(e.pwt);
  EXPECT_TRUE(e.pcd);
  EXPECT_TRUE(e.accessed);
  EXPECT_TRUE(e.dirty);
  EXPECT_TRUE(e.pat);
  EXPECT_FALSE(e.page_size);
  EXPECT_TRUE(e.global);
  EXPECT_TRUE(e.extended_accessed);
  EXPECT_TRUE(e.xd);
  EXPECT_EQ(e.address, 0x123456000u);
  EXPECT_TRUE(e.IsLeaf());
  EXPECT_EQ(e.PageBytes(), 4096u);
  VTD_ASSERT_OK_AND_ASSIGN(uint64_t back, e.Encode());
  EXPECT_EQ(back, raw);
}

TEST(FirstStagePteTest, DecodesLargeLeafWithPatInBit12) {
  // 2 MiB leaf: PS=1 (7), PAT in bit 12, ADDR bits 51:21.
  const uint64_t raw = 0x40200000ull | B(12) | B(7) | B(6) | B(5) | 3;
  VTD_ASSERT_OK_AND_ASSIGN(FirstStagePte e, FirstStagePte::Decode(raw, 2));
  EXPECT_TRUE(e.page_size);
  EXPECT_TRUE(e.pat);
  EXPECT_TRUE(e.dirty);
  EXPECT_EQ(e.address, 0x40200000u);
  EXPECT_EQ(e.PageBytes(), 2u << 20);
  VTD_ASSERT_OK_AND_ASSIGN(uint64_t back, e.Encode());
  EXPECT_EQ(back, raw);
  // 1 GiB leaf: ADDR bits 51:30.
  const uint64_t raw1g = 0x1c0000000ull | B(12) | B(7) | 1;
  VTD_ASSERT_OK_AND_ASSIGN(FirstStagePte g, FirstStagePte::Decode(raw1g, 3));
  EXPECT_TRUE(g.page_size);
  EXPECT_TRUE(g.pat);
  EXPECT_EQ(g.address, 0x1c0000000u);
  EXPECT_EQ(g.PageBytes(), 1u << 30);
}

TEST(FirstStagePteTest, NonLeafIgnoresLeafOnlyBits) {
  // Non-leaf PDE: bits 3, 4, 6, 8 are ignored, so they are not PWT, PCD, D or G; bit 12 is
  // an address bit.
  const uint64_t raw = 0x5000ull | B(8) | B(6) | B(4) | B(3) | B(5) | 1;
  VTD_ASSERT_OK_AND_ASSIGN(FirstStagePte e, FirstStagePte::Decode(raw, 2));
  EXPECT_FALSE(e.IsLeaf());
  EXPECT_FALSE(e.pwt);
  EXPECT_FALSE(e.pcd);
  EXPECT_FALSE(e.dirty);
  EXPECT_FALSE(e.global);
  EXPECT_FALSE(e.pat);
  EXPECT_TRUE(e.accessed);
  EXPECT_EQ(e.address, 0x5000u);
  EXPECT_EQ(e.ignored, B(8) | B(6) | B(4) | B(3));
  VTD_ASSERT_OK_AND_ASSIGN(uint64_t back, e.Encode());
  EXPECT_EQ(back, raw);
}

TEST(FirstStagePteTest, RoundTripsValidWordsAtEveryLevel) {
  const struct {
    uint64_t raw;
    int level;
  } cases[] = {
      {0, 1},
      {0xfff0000000000fffull & ~B(7) & ~B(10), 5},  // ignored 62:52, XD, bits 11:0 but 7
      {0x000ffffffffff67full, 4},
      {0x000fffffc0001fe7ull, 3},  // 1 GiB leaf with every leaf field
      {0x000fffffffe01fffull, 2},  // 2 MiB leaf
      {0xffffffffffffffffull, 1},
  };
  for (const auto& c : cases) {
    VTD_ASSERT_OK_AND_ASSIGN(FirstStagePte e, FirstStagePte::Decode(c.raw, c.level));
    VTD_ASSERT_OK_AND_ASSIGN(uint64_t back, e.Encode());
    EXPECT_EQ(back, c.raw) << "level " << c.level;
  }
}

TEST(FirstStagePteTest, DecodeRejectsBadLevel) {
  EXPECT_THAT(FirstStagePte::Decode(1, 0), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(FirstStagePte::Decode(1, 6), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(FirstStagePteTest, EncodeRejectsFieldsTheLevelLacks) {
  FirstStagePte e;
  e.level = 4;
  e.page_size = true;  // PS is reserved in a PML4E
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = FirstStagePte();
  e.level = 1;
  e.page_size = true;  // bit 7 of a PTE is PAT
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = FirstStagePte();
  e.level = 3;
  e.dirty = true;  // non-leaf PDPE has no D
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = FirstStagePte();
  e.level = 2;
  e.page_size = true;
  e.address = 0x201000;  // 2 MiB leaf: ADDR is bits 51:21
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = FirstStagePte();
  e.level = 1;
  e.address = uint64_t{1} << 52;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = FirstStagePte();
  e.level = 1;
  e.ignored = B(3);  // PWT is a field of a PTE, not ignored
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = FirstStagePte();
  e.level = 0;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(FirstStagePteTest, ReservedAddressBitsAtAndAboveHawAtEveryLevel) {
  for (int level = 1; level <= 5; ++level) {
    EXPECT_EQ(FirstStagePte::ReservedBits(B(48) | 1, level, Haw48()), B(48)) << level;
    EXPECT_EQ(FirstStagePte::ReservedBits(B(51) | 1, level, Haw48()), B(51)) << level;
    EXPECT_EQ(FirstStagePte::ReservedBits(B(47) | 1, level, Haw48()), 0u) << level;
  }
}

TEST(FirstStagePteTest, Bits62To52And63AreNotReserved) {
  for (int level = 1; level <= 5; ++level) {
    EXPECT_EQ(FirstStagePte::ReservedBits(0xfff0000000000001ull, level, Haw48()), 0u) << level;
  }
}

TEST(FirstStagePteTest, PsReservedInPml5eAndPml4e) {
  EXPECT_EQ(FirstStagePte::ReservedBits(B(7) | 1, 5, Haw48()), B(7));
  EXPECT_EQ(FirstStagePte::ReservedBits(B(7) | 1, 4, Haw48()), B(7));
}

TEST(FirstStagePteTest, OneGigLeafReservedBits29To13) {
  EXPECT_EQ(FirstStagePte::ReservedBits(B(13) | B(7) | 1, 3, Haw48()), B(13));
  EXPECT_EQ(FirstStagePte::ReservedBits(B(29) | B(7) | 1, 3, Haw48()), B(29));
  EXPECT_EQ(FirstStagePte::ReservedBits(B(12) | B(7) | 1, 3, Haw48()), 0u);  // PAT
  // Non-leaf PDPE: bits 29:13 are address bits.
  EXPECT_EQ(FirstStagePte::ReservedBits(B(13) | 1, 3, Haw48()), 0u);
}

TEST(FirstStagePteTest, OneGigPageSizeReservedWithoutFs1gp) {
  EXPECT_EQ(FirstStagePte::ReservedBits(B(7) | 1, 3, Haw48(false)), B(7));
  EXPECT_EQ(FirstStagePte::ReservedBits(B(7) | 1, 3, Haw48(true)), 0u);
  // 2 MiB pages need no capability.
  EXPECT_EQ(FirstStagePte::ReservedBits(B(7) | 1, 2, Haw48(false)), 0u);
}

TEST(FirstStagePteTest, TwoMegLeafReservedBits20To13) {
  EXPECT_EQ(FirstStagePte::ReservedBits(B(13) | B(7) | 1, 2, Haw48()), B(13));
  EXPECT_EQ(FirstStagePte::ReservedBits(B(20) | B(7) | 1, 2, Haw48()), B(20));
  EXPECT_EQ(FirstStagePte::ReservedBits(B(21) | B(7) | 1, 2, Haw48()), 0u);
  EXPECT_EQ(FirstStagePte::ReservedBits(B(13) | 1, 2, Haw48()), 0u);  // non-leaf PDE
}

TEST(FirstStagePteTest, PteBit7IsPatNotReserved) {
  EXPECT_EQ(FirstStagePte::ReservedBits(B(7) | 1, 1, Haw48()), 0u);
}

TEST(FirstStagePteTest, ToJsonNamesTheLevelsFields) {
  VTD_ASSERT_OK_AND_ASSIGN(FirstStagePte pde, FirstStagePte::Decode(0x3000 | 0x23, 2));
  EXPECT_EQ(pde.ToJson().Dump(-1), R"({"p":1,"rw":1,"us":0,"a":1,"ps":0,"addr":"0x3000"})");
  VTD_ASSERT_OK_AND_ASSIGN(FirstStagePte pte, FirstStagePte::Decode(0x4000 | 0x67, 1));
  EXPECT_EQ(pte.ToJson().Dump(-1),
            R"({"p":1,"rw":1,"us":1,"a":1,"d":1,"pwt":0,"pcd":0,"pat":0,"addr":"0x4000"})");
}

}  // namespace
}  // namespace vtd
