// The invalidation checker over first-stage and nested IOTLB entries: a table edit without
// the invalidation that covers it is reported when the stale entry is used; after a covering
// p_iotlb_inv_dsc (invalidation.md §3.6, Table 24: PASID-selective drops every entry of the
// DID and PASID, page-selective the first-stage and nested entries in range) nothing is
// reported; the A/D/EA bits hardware sets itself (S §3.6.2, §3.7.2) are no edit.
#include <cstdint>

#include "gtest/gtest.h"
#include "tests/unit/first_stage_fixture.h"

namespace vtd {
namespace {

constexpr uint16_t kDid = 3;
constexpr uint32_t kPasid = 1;

class FirstStageCheckerTest : public FirstStageUnitTest {
 protected:
  void StartChecked() {
    config_.check_invalidation = true;
    Start();
  }
  // p_iotlb_inv_dsc: type 6, G 5:4 (10b PASID-selective, 11b page-selective), DID 31:16,
  // PASID 51:32; QW1 AM 5:0, ADDR 63:12.
  void PasidIotlb(bool page, uint64_t address = 0, int am = 0) {
    Submit({6 | (uint64_t{page ? 3u : 2u} << 4) | (uint64_t{kDid} << 16) | (uint64_t{kPasid} << 32),
            page ? address | static_cast<uint64_t>(am) : 0, 0, 0});
  }
  size_t StaleCount(const DmaOutcome& out) { return out.stale().size(); }
  // A read of `iova` through kPasid translates to `hpa` and uses no stale cache entry.
  void ExpectFreshTranslation(uint64_t iova, uint64_t hpa) {
    const DmaOutcome out = unit_->Dma(PasidReq(iova, kPasid));
    EXPECT_EQ(Hpa(out), hpa);
    EXPECT_EQ(StaleCount(out), 0u);
  }
};

TEST_F(FirstStageCheckerTest, EditWithoutInvalidationIsReported_Sec6_5_2_4) {
  StartChecked();
  const uint64_t root = SetFirstStagePasid(kPasid, kDid);
  const uint64_t leaf = FsMap(root, 0x70001000, 0x500000);
  EXPECT_EQ(Hpa(unit_->Dma(PasidReq(0x70001000, kPasid))), 0x500000u);
  Write(leaf, 0x600000 | kFsAll | kFsA);  // remapped, no invalidation
  const DmaOutcome out = unit_->Dma(PasidReq(0x70001000, kPasid));
  EXPECT_EQ(Hpa(out), 0x500000u);  // the IOTLB keeps the old translation
  ASSERT_EQ(StaleCount(out), 1u);
  EXPECT_EQ(out.stale()[0].cache, CacheKind::kIotlb);
  EXPECT_EQ(out.stale()[0].entry_address, leaf);
}

TEST_F(FirstStageCheckerTest, PageSelectivePasidInvalidationLeavesNothingStale_Sec6_5_2_4) {
  StartChecked();
  const uint64_t root = SetFirstStagePasid(kPasid, kDid);
  const uint64_t leaf = FsMap(root, 0x70001000, 0x500000);
  Hpa(unit_->Dma(PasidReq(0x70001000, kPasid)));
  Write(leaf, 0x600000 | kFsAll | kFsA);
  PasidIotlb(/*page=*/true, 0x70001000, 0);
  ExpectFreshTranslation(0x70001000, 0x600000);
}

TEST_F(FirstStageCheckerTest, UpperLevelEditCoveredByPasidSelectiveInvalidation_Sec6_5_2_4) {
  StartChecked();
  const uint64_t root = SetFirstStagePasid(kPasid, kDid);
  FsMap(root, 0x70001000, 0x500000);
  Hpa(unit_->Dma(PasidReq(0x70001000, kPasid)));
  // The PDE now points at another page table mapping the page elsewhere.
  const uint64_t pde = FsEntry(root, 0x70001000, 2);
  const uint64_t table = NewTable();
  Write(table + 8 * LevelIndex(0x70001000, 1), 0x700000 | kFsAll);
  Write(pde, table | kFsAll);
  EXPECT_EQ(StaleCount(unit_->Dma(PasidReq(0x70001000, kPasid))), 1u);
  PasidIotlb(/*page=*/false);
  ExpectFreshTranslation(0x70001000, 0x700000);
}

TEST_F(FirstStageCheckerTest, HardwareAccessedAndDirtyAreNoEdit_Sec3_6_2) {
  StartChecked();
  const uint64_t root = SetFirstStagePasid(kPasid, kDid);
  FsMap(root, 0x70001000, 0x500000);
  FsMap(root, 0x70002000, 0x501000);
  Hpa(unit_->Dma(PasidReq(0x70001000, kPasid)));
  // A write to the neighbour page sets A on the shared upper entries and D on its own leaf.
  Hpa(unit_->Dma(PasidReq(0x70002000, kPasid, AccessKind::kWrite)));
  // A write to the first page walks again to set its D; the read after it hits.
  Hpa(unit_->Dma(PasidReq(0x70001000, kPasid, AccessKind::kWrite)));
  ExpectFreshTranslation(0x70001000, 0x500000);
}

TEST_F(FirstStageCheckerTest, NestedSecondStageEditIsReportedUntilInvalidated_Sec3_8) {
  StartChecked();
  const uint64_t fs_root = SetNestedPasid(kPasid, kDid);
  FsMap(fs_root, 0x70001000, 0x500000);
  // Second stage: every first-stage table at its own address (GPA = HPA), the guest page
  // 0x500000 to 0x900000.
  for (int level = 4; level >= 1; --level) {
    const uint64_t table = FsEntry(fs_root, 0x70001000, level) & ~uint64_t{0xfff};
    Map(table, table, 1, 3);
  }
  const uint64_t ss_leaf = Map(0x500000, 0x900000, 1, 3);
  EXPECT_EQ(Hpa(unit_->Dma(PasidReq(0x70001000, kPasid))), 0x900000u);
  Write(ss_leaf, 0xa00000 | 3);  // the host moves the guest page: R|W (bits 0, 1)
  EXPECT_EQ(StaleCount(unit_->Dma(PasidReq(0x70001000, kPasid))), 1u);
  PasidIotlb(/*page=*/false);
  ExpectFreshTranslation(0x70001000, 0xa00000);
}

}  // namespace
}  // namespace vtd
