// Legacy root entry (VT-d spec §9.1): round trips and one test per reserved field.
#include "model/structs/root_entry.h"

#include <array>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::vtd::testing::StatusIs;

TEST(RootEntryTest, RoundTrips) {
  for (uint64_t lo : {0x0ull, 0x1ull, 0x12345000ull, 0x7ffffffff001ull, 0xfffffffffffff001ull}) {
    const RootEntry e = RootEntry::Decode(lo, 0);
    VTD_ASSERT_OK_AND_ASSIGN(auto words, e.Encode());
    EXPECT_EQ(words, (std::array<uint64_t, 2>{lo, 0})) << std::hex << lo;
  }
  const RootEntry e = RootEntry::Decode(0x5000 | 1, 0);
  EXPECT_TRUE(e.present);
  EXPECT_EQ(e.context_table, 0x5000u);
  EXPECT_THAT(RootEntry::Decode(std::array<uint64_t, 1>{0}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RootEntryTest, EncodeRejectsUnalignedPointer) {
  RootEntry e;
  e.context_table = 0x1008;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RootEntryTest, ReservedBits11To1) {
  EXPECT_EQ(RootEntry::ReservedBits(0x1001 | (1 << 5), 0, 48)[0], 1u << 5);
  EXPECT_EQ(RootEntry::ReservedBits(0x1001 | (1 << 11), 0, 48)[0], 1u << 11);
}

TEST(RootEntryTest, ReservedCtpBitsAtAndAboveHaw) {
  const uint64_t lo = (uint64_t{1} << 39) | 1;
  EXPECT_EQ(RootEntry::ReservedBits(lo, 0, 39)[0], uint64_t{1} << 39);
  EXPECT_EQ(RootEntry::ReservedBits(lo, 0, 40)[0], 0u);
  EXPECT_EQ(RootEntry::ReservedBits(uint64_t{1} << 63, 0, 52)[0], uint64_t{1} << 63);
}

TEST(RootEntryTest, ReservedHighQword127To64) {
  EXPECT_EQ(RootEntry::ReservedBits(1, 1, 48)[1], 1u);
  EXPECT_EQ(RootEntry::ReservedBits(1, uint64_t{1} << 63, 48)[1], uint64_t{1} << 63);
}

}  // namespace
}  // namespace vtd
