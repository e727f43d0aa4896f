// Scalable-mode root entry (VT-d spec §9.2): round trips and one test per reserved field.
#include "model/structs/scalable_root_entry.h"

#include <array>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::vtd::testing::StatusIs;

TEST(ScalableRootEntryTest, DecodesEveryField) {
  // LP=1, LCTP=0x12345000 (bits 63:12); UP=1 (bit 64), UCTP=0xabcde000 (bits 127:76).
  const uint64_t lo = 0x12345000ull | 1;
  const uint64_t hi = 0xabcde000ull | 1;
  const ScalableRootEntry e = ScalableRootEntry::Decode(lo, hi);
  EXPECT_TRUE(e.lower_present);
  EXPECT_EQ(e.lower_context_table, 0x12345000u);
  EXPECT_TRUE(e.upper_present);
  EXPECT_EQ(e.upper_context_table, 0xabcde000u);
  VTD_ASSERT_OK_AND_ASSIGN(auto words, e.Encode());
  EXPECT_EQ(words, (std::array<uint64_t, 2>{lo, hi}));
}

TEST(ScalableRootEntryTest, DevfnSelectsHalfAndIndex) {
  ScalableRootEntry e;
  e.lower_present = true;
  e.lower_context_table = 0x1000;
  e.upper_present = false;
  e.upper_context_table = 0x2000;
  // devfn 0x00-0x7F: lower table, index devfn; 0x80-0xFF: upper table, index devfn & 0x7F.
  EXPECT_TRUE(e.PresentFor(0x7f));
  EXPECT_EQ(e.ContextTableFor(0x7f), 0x1000u);
  EXPECT_FALSE(e.PresentFor(0x80));
  EXPECT_EQ(e.ContextTableFor(0x80), 0x2000u);
  EXPECT_EQ(ScalableRootEntry::ContextIndex(0x80), 0);
  EXPECT_EQ(ScalableRootEntry::ContextIndex(0xff), 0x7f);
  EXPECT_EQ(ScalableRootEntry::ContextIndex(0x7f), 0x7f);
}

TEST(ScalableRootEntryTest, RoundTripsValidWords) {
  const std::array<uint64_t, 2> cases[] = {
      {0, 0}, {1, 0}, {0, 1}, {0xfffffffffffff001ull, 0xfffffffffffff001ull}, {0x5000, 0x6000}};
  for (const auto& w : cases) {
    VTD_ASSERT_OK_AND_ASSIGN(auto e, ScalableRootEntry::Decode(w));
    VTD_ASSERT_OK_AND_ASSIGN(auto words, e.Encode());
    EXPECT_EQ(words, w);
  }
}

TEST(ScalableRootEntryTest, DecodeRejectsWrongLength) {
  const uint64_t one[] = {1};
  EXPECT_THAT(ScalableRootEntry::Decode(one), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ScalableRootEntryTest, EncodeRejectsUnalignedPointers) {
  ScalableRootEntry e;
  e.lower_context_table = 0x1800;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = ScalableRootEntry();
  e.upper_context_table = 0x10;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ScalableRootEntryTest, ReservedBits11To1) {
  EXPECT_EQ(ScalableRootEntry::ReservedBits(1 | (1 << 1), 0, 48)[0], 1u << 1);
  EXPECT_EQ(ScalableRootEntry::ReservedBits(1 | (1 << 11), 0, 48)[0], 1u << 11);
}

TEST(ScalableRootEntryTest, ReservedBits75To65) {
  EXPECT_EQ(ScalableRootEntry::ReservedBits(0, 1 | (1 << 1), 48)[1], 1u << 1);    // bit 65
  EXPECT_EQ(ScalableRootEntry::ReservedBits(0, 1 | (1 << 11), 48)[1], 1u << 11);  // bit 75
}

TEST(ScalableRootEntryTest, ReservedLctpBitsAtAndAboveHaw) {
  const uint64_t lo = (uint64_t{1} << 39) | 1;
  EXPECT_EQ(ScalableRootEntry::ReservedBits(lo, 0, 39)[0], uint64_t{1} << 39);
  EXPECT_EQ(ScalableRootEntry::ReservedBits(lo, 0, 40)[0], 0u);
}

TEST(ScalableRootEntryTest, ReservedUctpBitsAtAndAboveHawPlus64) {
  const uint64_t hi = (uint64_t{1} << 63) | 1;  // bit 127
  EXPECT_EQ(ScalableRootEntry::ReservedBits(0, hi, 52)[1], uint64_t{1} << 63);
  EXPECT_EQ(ScalableRootEntry::ReservedBits(0, hi, 64)[1], 0u);
}

TEST(ScalableRootEntryTest, HalfWithPresentClearIsNotChecked) {
  // S §9.2: with LP (UP) = 0, bits 63:1 (127:65) are ignored.
  const uint64_t junk = 0xfffffffffffffffeull;
  EXPECT_EQ(ScalableRootEntry::ReservedBits(junk, junk | 1, 48)[0], 0u);
  EXPECT_NE(ScalableRootEntry::ReservedBits(junk, junk | 1, 48)[1], 0u);
  EXPECT_EQ(ScalableRootEntry::ReservedBits(junk | 1, junk, 48)[1], 0u);
  EXPECT_NE(ScalableRootEntry::ReservedBits(junk | 1, junk, 48)[0], 0u);
}

TEST(ScalableRootEntryTest, ToJsonNamesBothHalves) {
  const ScalableRootEntry e = ScalableRootEntry::Decode(0x5000 | 1, 0x6000);
  EXPECT_EQ(e.ToJson().Dump(-1), R"({"lp":1,"lctp":"0x5000","up":0,"uctp":"0x6000"})");
}

}  // namespace
}  // namespace vtd
