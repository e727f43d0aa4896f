// The ATS range encoding and the device TLB's tagging and invalidation rules. Expected
// values: the encoding from the size rule of VT-d spec §6.5.2.5 (S bit, "ATS encoding in
// address bits", invalidation.md §3.3) as PCIe ATS defines it (lowest clear bit of address
// bits 63:12); invalidation coverage from invalidation.md §3.3/§3.8 and the PCIe rule that an
// invalidation without PASID covers every PASID.
#include "model/device/device_tlb.h"

#include "gtest/gtest.h"
#include "model/device/ats_range.h"

namespace vtd {
namespace {

TEST(AtsRangeTest, SizeBitClearIsOne4KPage_Sec6_5_2_5) {
  EXPECT_EQ(DecodeAtsRange(0x12345678, false), (AtsRange{0x12345000, 0x12345fff}));
}

TEST(AtsRangeTest, LowestClearBitGivesSize_Sec6_5_2_5) {
  // Bit 12 clear: 8 KiB.
  EXPECT_EQ(DecodeAtsRange(0x40000000, true), (AtsRange{0x40000000, 0x40001fff}));
  // Bits 19:12 set, bit 20 clear: 2 MiB (what Linux writes for AM=9: addr | (1 << 20) - 1).
  EXPECT_EQ(DecodeAtsRange(0x400ff000, true), (AtsRange{0x40000000, 0x401fffff}));
  // Bits 28:12 set, bit 29 clear: 1 GiB.
  EXPECT_EQ(DecodeAtsRange(0x1ffff000, true), (AtsRange{0x0, 0x3fffffff}));
  // Every bit of 62:12 set: the whole space.
  EXPECT_EQ(DecodeAtsRange(0x7ffffffffffff000, true), (AtsRange{0, ~uint64_t{0}}));
}

TEST(AtsRangeTest, EncodeSetsTheBitsBelowTheSize_Sec6_5_2_5) {
  EXPECT_EQ(EncodeAtsRange(0x9000, 0x1000), (AtsEncodedAddress{0x9000, false}));
  EXPECT_EQ(EncodeAtsRange(0x4000, 0x2000), (AtsEncodedAddress{0x4000, true}));
  EXPECT_EQ(EncodeAtsRange(0x40000000, 0x200000), (AtsEncodedAddress{0x400ff000, true}));
  EXPECT_EQ(EncodeAtsRange(0x40000000, 0x40000000), (AtsEncodedAddress{0x5ffff000, true}));
}

AtsCompletion Rw(uint64_t address, uint64_t size = 0x1000) {
  AtsCompletion c;
  c.address = address;
  c.size = size;
  c.read = c.write = true;
  return c;
}

TEST(DeviceTlbTest, EntriesAreTaggedByPasidAndPrivilege) {
  DeviceTlb tlb;
  ASSERT_NE(tlb.Fill(0x7000, 1, false, Rw(0x9000)), nullptr);
  EXPECT_NE(tlb.Lookup(0x7ffc, 1, false), nullptr);
  EXPECT_EQ(tlb.Lookup(0x7000, 2, false), nullptr);             // other PASID
  EXPECT_EQ(tlb.Lookup(0x7000, std::nullopt, false), nullptr);  // no PASID
  EXPECT_EQ(tlb.Lookup(0x7000, 1, true), nullptr);              // privileged access
  EXPECT_EQ(tlb.Lookup(0x8000, 1, false), nullptr);             // next page
}

TEST(DeviceTlbTest, LargePageEntryCoversItsWholeRange) {
  DeviceTlb tlb;
  const AtcEntry* e = tlb.Fill(0x40123000, 1, false, Rw(0x80000000, 0x200000));
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->input, (AtsRange{0x40000000, 0x401fffff}));
  EXPECT_NE(tlb.Lookup(0x401ff000, 1, false), nullptr);
  EXPECT_EQ(tlb.Lookup(0x40200000, 1, false), nullptr);
}

TEST(DeviceTlbTest, CompletionWithoutAccessIsNotCached_TableS0) {
  DeviceTlb tlb;
  EXPECT_EQ(tlb.Fill(0x7000, 1, false, AtsCompletion{}), nullptr);
  EXPECT_TRUE(tlb.entries().empty());
  AtsCompletion u;  // S.1: untranslated access only
  u.untranslated_only = true;
  u.write = true;
  EXPECT_NE(tlb.Fill(0xfee00000, std::nullopt, false, u), nullptr);
}

TEST(DeviceTlbTest, InvalidationWithoutPasidDropsEveryPasidInRange_Sec6_5_2_5) {
  DeviceTlb tlb;
  tlb.Fill(0x7000, 1, false, Rw(0x9000));
  tlb.Fill(0x7000, std::nullopt, false, Rw(0xa000));
  tlb.Fill(0x8000, 2, false, Rw(0xb000));
  DeviceTlbInvalidation inv;
  inv.address = 0x7000;  // S=0: one page
  EXPECT_EQ(tlb.Invalidate(inv), 2);
  ASSERT_EQ(tlb.entries().size(), 1u);
  EXPECT_EQ(tlb.entries()[0].input.base, 0x8000u);
  inv.address = 0xa000;  // S=1, bit 12 clear: 0xa000-0xbfff, nothing there
  inv.size = true;
  EXPECT_EQ(tlb.Invalidate(inv), 0);
  inv.address = 0x8000;  // 0x8000-0x9fff
  EXPECT_EQ(tlb.Invalidate(inv), 1);
}

TEST(DeviceTlbTest, PasidInvalidationDropsOnlyThatPasid_Sec6_5_2_6) {
  DeviceTlb tlb;
  tlb.Fill(0x7000, 1, false, Rw(0x9000));
  tlb.Fill(0x7000, 1, true, Rw(0x9000));
  tlb.Fill(0x7000, 2, false, Rw(0xa000));
  tlb.Fill(0x7000, std::nullopt, false, Rw(0xb000));
  PasidDeviceTlbInvalidation inv;
  inv.pasid = 1;
  inv.address = 0x7000;
  EXPECT_EQ(tlb.Invalidate(inv), 2);  // both privileges of PASID 1
  EXPECT_NE(tlb.Lookup(0x7000, 2, false), nullptr);
  EXPECT_NE(tlb.Lookup(0x7000, std::nullopt, false), nullptr);
}

TEST(DeviceTlbTest, GlobalInvalidateDropsEveryPasidButNotRequestsWithout_Sec6_5_2_6) {
  DeviceTlb tlb;
  tlb.Fill(0x7000, 1, false, Rw(0x9000));
  tlb.Fill(0x7000, 2, false, Rw(0xa000));
  tlb.Fill(0x7000, std::nullopt, false, Rw(0xb000));
  PasidDeviceTlbInvalidation inv;
  inv.pasid = 5;  // ignored with GI
  inv.global = true;
  inv.address = 0x7000;
  EXPECT_EQ(tlb.Invalidate(inv), 2);
  ASSERT_EQ(tlb.entries().size(), 1u);
  EXPECT_FALSE(tlb.entries()[0].pasid.has_value());
}

TEST(DeviceTlbTest, GlobalEntryServesAndIsDroppedForEveryPasid) {
  DeviceTlb tlb;
  AtsCompletion g = Rw(0x9000);
  g.global = true;
  tlb.Fill(0x7000, 1, false, g);
  EXPECT_NE(tlb.Lookup(0x7000, 3, false), nullptr);
  EXPECT_EQ(tlb.Lookup(0x7000, std::nullopt, false), nullptr);
  PasidDeviceTlbInvalidation inv;
  inv.pasid = 3;
  inv.address = 0x7000;
  EXPECT_EQ(tlb.Invalidate(inv), 1);
}

TEST(DeviceTlbTest, FullCacheReplacesOldestFill) {
  DeviceTlb tlb(2);
  tlb.Fill(0x1000, 1, false, Rw(0x9000));
  tlb.Fill(0x2000, 1, false, Rw(0xa000));
  tlb.Fill(0x3000, 1, false, Rw(0xb000));
  EXPECT_EQ(tlb.Lookup(0x1000, 1, false), nullptr);
  EXPECT_NE(tlb.Lookup(0x2000, 1, false), nullptr);
  EXPECT_NE(tlb.Lookup(0x3000, 1, false), nullptr);
}

TEST(DeviceTlbsTest, InvalidationReachesOnlyTheNamedRequester) {
  DeviceTlbs tlbs;
  const SourceId a(0x0310), b(0x0311);
  tlbs.For(0, a).Fill(0x7000, 1, false, Rw(0x9000));
  tlbs.For(0, b).Fill(0x7000, 1, false, Rw(0x9000));
  tlbs.For(1, a).Fill(0x7000, 1, false, Rw(0x9000));
  DeviceTlbInvalidation inv;
  inv.source_id = a.value();
  inv.address = 0x7000;
  EXPECT_EQ(tlbs.InvalidateDeviceTlb(0, inv), 1);
  EXPECT_EQ(tlbs.Find(0, a)->entries().size(), 0u);
  EXPECT_EQ(tlbs.Find(0, b)->entries().size(), 1u);
  EXPECT_EQ(tlbs.Find(1, a)->entries().size(), 1u);
}

}  // namespace
}  // namespace vtd
