// Legacy context entry (VT-d spec §9.3): round trips and one test per reserved field.
#include "model/structs/context_entry.h"

#include <array>

#include "gtest/gtest.h"
#include "model/structs/address_width.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::vtd::testing::StatusIs;

TEST(ContextEntryTest, DecodesEveryField) {
  // P=1 FPD=1 TT=01 SSPTPTR=0x123456000 AW=2 IGN=0xa DID=0xbeef.
  const uint64_t lo = 0x123456000ull | (1 << 2) | 2 | 1;
  const uint64_t hi = 2 | (0xa << 3) | (uint64_t{0xbeef} << 8);
  const ContextEntry e = ContextEntry::Decode(lo, hi);
  EXPECT_TRUE(e.present);
  EXPECT_TRUE(e.fpd);
  EXPECT_EQ(e.translation_type(), TranslationType::kDeviceTlb);
  EXPECT_EQ(e.second_stage_root, 0x123456000u);
  EXPECT_EQ(e.aw, 2);
  EXPECT_EQ(e.avail, 0xa);
  EXPECT_EQ(e.did, DomainId(0xbeef));
  VTD_ASSERT_OK_AND_ASSIGN(auto words, e.Encode());
  EXPECT_EQ(words, (std::array<uint64_t, 2>{lo, hi}));
}

TEST(ContextEntryTest, RoundTripsValidWords) {
  const std::array<uint64_t, 2> cases[] = {
      {0, 0}, {1, 1}, {0xb, 0x7}, {0xfffffffffffff00full, 0xffff7full}, {0x2, 0x100}};
  for (const auto& w : cases) {
    VTD_ASSERT_OK_AND_ASSIGN(auto words, ContextEntry::Decode(w).value().Encode());
    EXPECT_EQ(words, w);
  }
}

TEST(ContextEntryTest, EncodeRejectsOutOfRangeFields) {
  ContextEntry e;
  e.tt = 4;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = ContextEntry();
  e.aw = 8;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = ContextEntry();
  e.avail = 16;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = ContextEntry();
  e.second_stage_root = 0x1800;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
}

constexpr int kDid16 = 16;

TEST(ContextEntryTest, ReservedBits11To4) {
  EXPECT_EQ(ContextEntry::ReservedBits(1 | (1 << 4), 0, 48, kDid16)[0], 1u << 4);
  EXPECT_EQ(ContextEntry::ReservedBits(1 | (1 << 11), 0, 48, kDid16)[0], 1u << 11);
}

TEST(ContextEntryTest, ReservedSsptptrBitsAtAndAboveHawUnlessPassThrough) {
  const uint64_t lo = (uint64_t{1} << 46) | 1;
  EXPECT_EQ(ContextEntry::ReservedBits(lo, 0, 46, kDid16)[0], uint64_t{1} << 46);
  EXPECT_EQ(ContextEntry::ReservedBits(lo, 0, 47, kDid16)[0], 0u);
  // TT=10b: SSPTPTR is ignored.
  EXPECT_EQ(ContextEntry::ReservedBits(lo | (2 << 2), 0, 46, kDid16)[0], 0u);
}

TEST(ContextEntryTest, ReservedBit71) {
  EXPECT_EQ(ContextEntry::ReservedBits(1, 1 << 7, 48, kDid16)[1], 1u << 7);
}

TEST(ContextEntryTest, ReservedDidBitsAboveNdWidth) {
  const uint64_t hi = uint64_t{0x10} << 8;                                   // DID 0x10
  EXPECT_EQ(ContextEntry::ReservedBits(1, hi, 48, DomainIdBits(0))[1], hi);  // 4-bit DIDs
  EXPECT_EQ(ContextEntry::ReservedBits(1, hi, 48, DomainIdBits(1))[1], 0u);  // 6-bit DIDs
  EXPECT_EQ(ContextEntry::ReservedBits(1, uint64_t{0x8000} << 8, 48, DomainIdBits(5))[1],
            uint64_t{0x8000} << 8);
  EXPECT_EQ(ContextEntry::ReservedBits(1, uint64_t{0xffff} << 8, 48, DomainIdBits(6))[1], 0u);
}

TEST(ContextEntryTest, ReservedBits127To88) {
  EXPECT_EQ(ContextEntry::ReservedBits(1, uint64_t{1} << 24, 48, kDid16)[1], uint64_t{1} << 24);
  EXPECT_EQ(ContextEntry::ReservedBits(1, uint64_t{1} << 63, 48, kDid16)[1], uint64_t{1} << 63);
}

TEST(ContextEntryTest, IgnoredBitsAreNotReserved) {
  EXPECT_EQ(ContextEntry::ReservedBits(1, 0xf << 3, 48, kDid16)[1], 0u);  // bits 70:67
}

}  // namespace
}  // namespace vtd
