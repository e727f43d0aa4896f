// First-stage (PGTT=001b) and nested (PGTT=011b) translation through the unit: Accessed and
// Dirty set in memory (S §3.6.2), a write hitting an IOTLB entry filled by a read walks again
// to set D, access rights by privilege (S §3.6.1), fault records with PASID and PRIV, and the
// invalidations that drop first-stage IOTLB entries (invalidation.md §3.2, §3.6). Tables are
// written bit by bit from translation-structures.md §7, §8, §11.
#include <cstdint>

#include "gtest/gtest.h"
#include "tests/unit/first_stage_fixture.h"

namespace vtd {
namespace {

TEST_F(FirstStageUnitTest, ReadSetsAccessedAndWriteAfterItSetsDirty_Sec3_6_2) {
  Start();
  const uint64_t root = SetFirstStagePasid(1, 3);
  const uint64_t leaf = FsMap(root, 0x70001000, 0x500000);
  EXPECT_EQ(Hpa(unit_->Dma(PasidReq(0x70001010, 1))), 0x500010u);
  for (int level = 4; level >= 1; --level) {
    EXPECT_NE(Read(FsEntry(root, 0x70001000, level)) & kFsA, 0u) << level;
  }
  EXPECT_EQ(Read(leaf) & kFsD, 0u);
  // The write hits the entry the read filled, whose D was clear: it goes back to memory.
  const uint64_t hits = unit_->cache_counters(CacheKind::kIotlb).hits;
  EXPECT_EQ(Hpa(unit_->Dma(PasidReq(0x70001020, 1, AccessKind::kWrite))), 0x500020u);
  EXPECT_EQ(unit_->cache_counters(CacheKind::kIotlb).hits, hits + 1);
  EXPECT_EQ(Read(leaf), 0x500000 | kFsAll | kFsA | kFsD);
  // Now the cached entry holds a dirty leaf: the next write is answered from it.
  Write(leaf, 0x500000 | kFsAll | kFsA);  // software clears D without invalidating
  EXPECT_EQ(Hpa(unit_->Dma(PasidReq(0x70001030, 1, AccessKind::kWrite))), 0x500030u);
  EXPECT_EQ(Read(leaf) & kFsD, 0u);
}

TEST_F(FirstStageUnitTest, LargePagesAndReadOnlyPath_Sec3_6_1) {
  Start();
  const uint64_t root = SetFirstStagePasid(1, 3);
  FsMap(root, 0x40000000, 0x800000, /*leaf_level=*/2);
  EXPECT_EQ(Hpa(unit_->Dma(PasidReq(0x40012345, 1))), 0x812345u);
  // R/W=0 on the leaf: a user write is SGN.6 (85h), a read passes.
  FsMap(root, 0x70002000, 0x600000, 1, kFsP | kFsUs);
  EXPECT_TRUE(unit_->Dma(PasidReq(0x70002000, 1)).result.ok());
  const DmaOutcome w = unit_->Dma(PasidReq(0x70002000, 1, AccessKind::kWrite));
  ASSERT_TRUE(w.result.fault.has_value());
  EXPECT_EQ(static_cast<int>(w.result.fault->reason), 0x85);
}

TEST_F(FirstStageUnitTest, UserAndSupervisorAnswerFromTheirOwnRights_Sec3_6_1) {
  Start();
  const uint64_t root = SetFirstStagePasid(1, 3, /*sre=*/true, /*wpe=*/false);
  // A supervisor-only, read-only page (U/S=0, R/W=0 on the leaf).
  FsMap(root, 0x70003000, 0x700000, 1, kFsP);
  DmaRequest sup = PasidReq(0x70003010, 1, AccessKind::kWrite);
  sup.privileged = true;
  // Supervisor writes are allowed with WPE=0 whatever R/W says.
  EXPECT_EQ(Hpa(unit_->Dma(sup)), 0x700010u);
  // The user request finds the supervisor's IOTLB entry and is answered as its own walk:
  // U/S=0 is SGN.2 (81h), recorded with the PASID and PRIV=0.
  const DmaOutcome user = unit_->Dma(PasidReq(0x70003010, 1));
  ASSERT_TRUE(user.result.fault.has_value());
  EXPECT_EQ(static_cast<int>(user.result.fault->reason), 0x81);
  ASSERT_TRUE(user.recorded);
  const FaultRecord r = ReadFrcd(0);
  EXPECT_TRUE(r.fault);
  EXPECT_EQ(r.reason, 0x81);
  EXPECT_TRUE(r.pasid_present);
  EXPECT_EQ(r.pasid, 1u);
  EXPECT_FALSE(r.privileged);
  EXPECT_EQ(r.fault_info, 0x70003000u);
  // And a supervisor request again is translated.
  EXPECT_EQ(Hpa(unit_->Dma(sup)), 0x700010u);
}

TEST_F(FirstStageUnitTest, NestedTranslatesTablesAndOutputThroughSecondStage_Sec3_8) {
  Start();
  const uint64_t fs_root = SetNestedPasid(2, 4, /*ssade=*/true);
  const uint64_t leaf = FsMap(fs_root, 0x70004000, 0x2345000);
  // Second stage: every first-stage table at its own address (GPA = HPA), the output GPA
  // 0x2345000 to HPA 0x9876000.
  for (int level = 4; level >= 1; --level) {
    const uint64_t table = FsEntry(fs_root, 0x70004000, level) & ~uint64_t{0xfff};
    Map(table, table, 1, 3);
  }
  const uint64_t out_leaf = Map(0x2345000, 0x9876000, 1, 3);
  EXPECT_EQ(Hpa(unit_->Dma(PasidReq(0x70004008, 2, AccessKind::kWrite))), 0x9876008u);
  EXPECT_EQ(Read(leaf), 0x2345000 | kFsAll | kFsA | kFsD);
  // SSADE: the second-stage leaf of the output has A and D (bits 8, 9).
  EXPECT_EQ(Read(out_leaf) & 0x300, 0x300u);
  // Second stage read-only for the output: a write is SGN.6.
  Write(out_leaf, 0x9876000 | 1 | 0x300);
  Submit({0x6 | (uint64_t{2} << 4) | (uint64_t{4} << 16) | (uint64_t{2} << 32), 0, 0, 0});
  const DmaOutcome w = unit_->Dma(PasidReq(0x70004008, 2, AccessKind::kWrite));
  ASSERT_TRUE(w.result.fault.has_value());
  EXPECT_EQ(static_cast<int>(w.result.fault->reason), 0x85);
}

TEST_F(FirstStageUnitTest, PasidPageInvalidationDropsFirstStageEntriesOnly_Sec6_5_2_4) {
  Start();
  const uint64_t root = SetFirstStagePasid(1, 3);
  FsMap(root, 0x70005000, 0x500000);
  FsMap(root, 0x70006000, 0x501000);
  SetSecondStagePasid(2, 3);  // same DID, PGTT 010b
  Map(0x70005000, 0x600000);
  ASSERT_TRUE(unit_->Dma(PasidReq(0x70005000, 1)).result.ok());
  ASSERT_TRUE(unit_->Dma(PasidReq(0x70006000, 1)).result.ok());
  ASSERT_TRUE(unit_->Dma(PasidReq(0x70005000, 2)).result.ok());
  ASSERT_EQ(unit_->iotlb().size(), 3);
  // p_iotlb_inv_dsc page-selective-within-PASID (G=11b) for DID 3 PASID 2 (second stage):
  // nothing of the first stage, and the second-stage entry stays too (Table 24).
  Submit({0x6 | (uint64_t{3} << 4) | (uint64_t{3} << 16) | (uint64_t{2} << 32), 0x70005000, 0, 0});
  EXPECT_EQ(unit_->iotlb().size(), 3);
  // The same for PASID 1: the first-stage page 0x70005000 goes, 0x70006000 stays.
  Submit({0x6 | (uint64_t{3} << 4) | (uint64_t{3} << 16) | (uint64_t{1} << 32), 0x70005000, 0, 0});
  EXPECT_EQ(unit_->iotlb().size(), 2);
  // iotlb_inv_dsc page-selective (G=11b) for DID 3 elsewhere: first-stage entries of the DID
  // go whatever their page (Table 23), the second-stage entry outside the range stays.
  Submit({0x2 | (uint64_t{3} << 4) | (uint64_t{3} << 16), 0x10000000, 0, 0});
  EXPECT_EQ(unit_->iotlb().size(), 1);
  EXPECT_NE(unit_->iotlb().Probe(CacheTag{3, TranslationKind::kSecondStage, 2}, 0x70005000, 0b10),
            nullptr);
}

TEST_F(FirstStageUnitTest, FirstStageIsRejectedWithoutFsts_Sec9_6) {
  CreateUnit();  // QEMU's scalable unit: no FSTS
  EnableScalable();
  SetSmContext();
  SetFirstStagePasid(1, 3);
  const DmaOutcome out = unit_->Dma(PasidReq(0x1000, 1));
  ASSERT_TRUE(out.result.fault.has_value());
  // Without FSTS the FSPTPTR field is reserved (translation-structures.md §7): SPT.3.
  EXPECT_EQ(FaultConditionName(out.result.fault->condition), "SPT.3");
}

}  // namespace
}  // namespace vtd
