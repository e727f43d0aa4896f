// Scalable-mode PASID directory entry (VT-d spec §9.5): round trips, one test per reserved
// field, and the PASID split into directory and table indices (S §3.4.3).
#include "model/structs/pasid_directory_entry.h"

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::vtd::testing::StatusIs;

TEST(PasidDirectoryEntryTest, DecodesEveryField) {
  // P=1, FPD=1, SMPTBLPTR=0x7654321000.
  const uint64_t raw = 0x7654321000ull | 2 | 1;
  const PasidDirectoryEntry e = PasidDirectoryEntry::Decode(raw);
  EXPECT_TRUE(e.present);
  EXPECT_TRUE(e.fpd);
  EXPECT_EQ(e.pasid_table, 0x7654321000u);
  VTD_ASSERT_OK_AND_ASSIGN(uint64_t back, e.Encode());
  EXPECT_EQ(back, raw);
}

TEST(PasidDirectoryEntryTest, RoundTripsValidWords) {
  for (uint64_t raw : {0ull, 1ull, 2ull, 0xfffffffffffff003ull, 0x1000ull}) {
    VTD_ASSERT_OK_AND_ASSIGN(uint64_t back, PasidDirectoryEntry::Decode(raw).Encode());
    EXPECT_EQ(back, raw);
  }
}

TEST(PasidDirectoryEntryTest, EncodeRejectsUnalignedPointer) {
  PasidDirectoryEntry e;
  e.pasid_table = 0x1008;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PasidDirectoryEntryTest, ReservedBits11To2) {
  EXPECT_EQ(PasidDirectoryEntry::ReservedBits(1 | (1 << 2), 48), 1u << 2);
  EXPECT_EQ(PasidDirectoryEntry::ReservedBits(1 | (1 << 11), 48), 1u << 11);
  EXPECT_EQ(PasidDirectoryEntry::ReservedBits(3, 48), 0u);  // P and FPD are fields
}

TEST(PasidDirectoryEntryTest, ReservedPointerBitsAtAndAboveHaw) {
  const uint64_t raw = (uint64_t{1} << 46) | 1;
  EXPECT_EQ(PasidDirectoryEntry::ReservedBits(raw, 46), uint64_t{1} << 46);
  EXPECT_EQ(PasidDirectoryEntry::ReservedBits(raw, 47), 0u);
}

TEST(PasidDirectoryEntryTest, PasidSplitsIntoDirectoryAndTableIndex) {
  // Directory index = PASID[19:6], table index = PASID[5:0].
  EXPECT_EQ(PasidDirectoryIndex(0x3f), 0);
  EXPECT_EQ(PasidTableIndex(0x3f), 0x3f);
  EXPECT_EQ(PasidDirectoryIndex(0x40), 1);
  EXPECT_EQ(PasidTableIndex(0x40), 0);
  EXPECT_EQ(PasidDirectoryIndex(0xfffff), 0x3fff);
  EXPECT_EQ(PasidTableIndex(0xfffff), 0x3f);
  EXPECT_EQ(PasidDirectoryIndex(0x12345), 0x48d);
  EXPECT_EQ(PasidTableIndex(0x12345), 0x05);
}

TEST(PasidDirectoryEntryTest, ToJson) {
  EXPECT_EQ(PasidDirectoryEntry::Decode(0x9000 | 1).ToJson().Dump(-1),
            R"({"p":1,"fpd":0,"smptblptr":"0x9000"})");
}

}  // namespace
}  // namespace vtd
