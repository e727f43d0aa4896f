// Scalable-mode translation, caches and invalidation through the unit (S §3.4.3, §6.2,
// §6.5.2; invalidation.md §2-§3, §5, §7). Expected values come from the tables the tests
// write and the digest's rules.
#include <cstdint>

#include "gtest/gtest.h"
#include "tests/unit/scalable_fixture.h"

namespace vtd {
namespace {

constexpr uint64_t kAdEcap = kQemuScalablePasidEcap | kEcapSsads | kEcapSmpwcs | kEcapRps;
constexpr uint64_t kAccessed = uint64_t{1} << 8;
constexpr uint64_t kDirty = uint64_t{1} << 9;
constexpr uint32_t kIqercdOffset = 0xb0;

class ScalableUnitBehaviourTest : public ScalableUnitTest {
 protected:
  void Start(uint64_t ecap = kQemuScalablePasidEcap) {
    config_.ecap = ecap;
    CreateUnit();
    EnableScalable();
  }
  int Lookups(CacheKind kind, bool hit) {
    int n = 0;
    for (const CacheLookupEvent& e : observer_.lookups) n += e.cache == kind && e.hit == hit;
    return n;
  }
  uint64_t Translate(const DmaRequest& r) {
    const DmaOutcome out = unit_->Dma(r);
    EXPECT_TRUE(out.result.ok()) << DescribeResult(out);
    return out.result.translation.has_value() ? out.result.translation->hpa : 0;
  }
};

TEST_F(ScalableUnitBehaviourTest, QemuScalableCapabilitiesLoad) {
  config_.ecap = kQemuScalableEcap;
  CreateUnit();
  EXPECT_TRUE(unit_->walk_config().ecap.smts);
  EXPECT_FALSE(unit_->walk_config().ecap.pasid);
  config_.ecap = kQemuScalablePasidEcap;
  CreateUnit();
  EXPECT_TRUE(unit_->walk_config().ecap.pasid);
  EXPECT_EQ(unit_->walk_config().pasid_bits(), 8);  // PSS = 7
}

TEST_F(ScalableUnitBehaviourTest, FirstStageAndNestedAreAccepted) {
  // ECAP.FSTS (bit 47), ECAP.NEST (bit 26), CAP.FS1GP (56) and CAP.FS5LP (60), registers.md.
  config_.ecap = kQemuScalablePasidEcap | (uint64_t{1} << 47) | (uint64_t{1} << 26);
  config_.cap = kQemuScalableCap | (uint64_t{1} << 56) | (uint64_t{1} << 60);
  absl::StatusOr<std::unique_ptr<RemappingUnit>> unit =
      RemappingUnit::Create(config_, memory_.get());
  ASSERT_TRUE(unit.ok()) << unit.status();
  EXPECT_TRUE((*unit)->walk_config().ecap.fsts);
  EXPECT_TRUE((*unit)->walk_config().ecap.nest);
  EXPECT_TRUE((*unit)->walk_config().cap.fs1gp);
  EXPECT_TRUE((*unit)->walk_config().cap.fs5lp);
}

TEST_F(ScalableUnitBehaviourTest, ServerUnitLoadsWithFirstStageAndTranslates) {
  // A server part (VER 6.0): SMTS, SSTS, SSADS, SMPWCS, RPS, SRS, PSS 19, FSTS, NEST and
  // FS5LP/FS1GP, EAFS and PDS stay; MTS is masked (not modeled).
  const uint64_t cap = 0x99ed008c40780466;
  const uint64_t ecap = 0x3ee9e86f050df;
  const MaskedCapabilities m =
      MaskUnimplemented(cap, ecap, ImplementedFeatures::Today(), {.version = 0x60});
  ASSERT_TRUE(m.audit.ok()) << m.audit.problems[0].message;
  EXPECT_NE(m.ecap & ExtendedCapability::kSmts.mask(), 0u);
  EXPECT_NE(m.ecap & ExtendedCapability::kSsads.mask(), 0u);
  EXPECT_NE(m.ecap & ExtendedCapability::kFsts.mask(), 0u);
  EXPECT_NE(m.ecap & ExtendedCapability::kNest.mask(), 0u);
  config_.cap = m.cap;
  config_.ecap = m.ecap;
  config_.version = 0x60;
  config_.host_address_width = 52;
  CreateUnit();
  EnableScalable();
  SetSmContext(/*paside=*/false, 0, /*rid_pasid=*/1);
  SetSecondStagePasid(1, 2, /*aw=*/2, /*ssade=*/true, /*pwsnp=*/true);
  Map(0x1000, 0x123000);
  EXPECT_EQ(Translate(Req(0x1010, AccessKind::kWrite)), 0x123010u);
  EXPECT_NE(Read(EntryAddress(0x1000, 1)) & kDirty, 0u);
}

TEST_F(ScalableUnitBehaviourTest, SecondStageWithAndWithoutPasid) {
  Start();
  SetSmContext();
  SetSecondStagePasid(0, 5);  // RID_PASID 0: requests without PASID
  Map(0x1000, 0x555000);
  EXPECT_EQ(Translate(Req(0x1234)), 0x555234u);
  SetSecondStagePasid(7, 6);
  Map(0x1000, 0x777000);
  EXPECT_EQ(Translate(PasidReq(0x1234, 7)), 0x777234u);
}

TEST_F(ScalableUnitBehaviourTest, RidPasidSelectsThePasidEntryOfRequestsWithoutPasid) {
  Start(kAdEcap);
  SetSmContext(true, 0, /*rid_pasid=*/9);
  SetSecondStagePasid(9, 5);
  Map(0x1000, 0x999000);
  EXPECT_EQ(Translate(Req(0x1000)), 0x999000u);
}

TEST_F(ScalableUnitBehaviourTest, LargePagesAndLevels) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3, 5, /*aw=*/1);  // 3 levels
  Map(0x40000000, 0x80000000, /*leaf_level=*/3);
  EXPECT_EQ(Translate(PasidReq(0x40012345, 3)), 0x80012345u);
  SetSecondStagePasid(4, 6, /*aw=*/2);
  Map(0x200000, 0x600000, /*leaf_level=*/2);
  EXPECT_EQ(Translate(PasidReq(0x3ff000, 4)), 0x7ff000u);
}

TEST_F(ScalableUnitBehaviourTest, PassThroughWithAndWithoutPasid) {
  Start();
  SetSmContext();
  SetPassThroughPasid(0);
  SetPassThroughPasid(3);
  EXPECT_EQ(Translate(Req(0x12345678)), 0x12345678u);
  EXPECT_EQ(Translate(PasidReq(0xabc000, 3)), 0xabc000u);
}

TEST_F(ScalableUnitBehaviourTest, IotlbHitIsTaggedByPasid) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3, 5);
  Map(0x1000, 0x333000);
  SetSecondStagePasid(4, 5);  // same DID, other PASID, other tables
  Map(0x1000, 0x444000);
  EXPECT_EQ(Translate(PasidReq(0x1000, 3)), 0x333000u);
  EXPECT_EQ(Translate(PasidReq(0x1000, 3)), 0x333000u);
  EXPECT_EQ(Lookups(CacheKind::kIotlb, true), 1);
  EXPECT_EQ(Lookups(CacheKind::kPasid, true), 1);
  EXPECT_EQ(Lookups(CacheKind::kContext, true), 1);
  EXPECT_EQ(Translate(PasidReq(0x1000, 4)), 0x444000u);  // not PASID 3's entry
  EXPECT_EQ(Lookups(CacheKind::kIotlb, true), 1);
}

TEST_F(ScalableUnitBehaviourTest, SsadeSetsAccessedThenDirty) {
  config_.check_invalidation = true;
  Start(kAdEcap);
  SetSmContext();
  SetSecondStagePasid(3, 5, 2, /*ssade=*/true, /*pwsnp=*/true);
  const uint64_t leaf = Map(0x1000, 0x333000);
  EXPECT_EQ(Translate(PasidReq(0x1000, 3)), 0x333000u);
  for (int level = 4; level >= 1; --level) {
    EXPECT_NE(Read(EntryAddress(0x1000, level)) & kAccessed, 0u) << "level " << level;
  }
  EXPECT_EQ(Read(leaf) & kDirty, 0u) << "a read sets no D";
  // A write after a cached read: the cached leaf grants no write before D is set, so the
  // walk that sets D is made.
  EXPECT_EQ(Translate(PasidReq(0x1000, 3, AccessKind::kWrite)), 0x333000u);
  EXPECT_NE(Read(leaf) & kDirty, 0u);
  // Now cached with D set: hits, and the checker sees the entries as hardware left them.
  const DmaOutcome out = unit_->Dma(PasidReq(0x1000, 3, AccessKind::kWrite));
  EXPECT_TRUE(out.result.ok());
  EXPECT_TRUE(out.stale().empty());
  EXPECT_TRUE(observer_.stale.empty());
  EXPECT_GE(Lookups(CacheKind::kIotlb, true), 1);
}

TEST_F(ScalableUnitBehaviourTest, PasidCacheKeepsEntryUntilPasidCacheInvalidation) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3, 5);
  Map(0x1000, 0x333000);
  Map(0x2000, 0x334000);
  EXPECT_EQ(Translate(PasidReq(0x1000, 3)), 0x333000u);
  Write(PasidEntryAddress(3), 0);  // software clears P without invalidating
  EXPECT_EQ(Translate(PasidReq(0x2000, 3)), 0x334000u) << "stale PASID-cache entry used";
  Submit({0x17 | (uint64_t{6} << 16) | (uint64_t{3} << 32), 0, 0, 0});  // other DID: kept
  EXPECT_EQ(unit_->pasid_cache().size(), 1);
  Submit({0x17 | (uint64_t{5} << 16) | (uint64_t{3} << 32), 0, 0, 0});  // G=01b DID 5 PASID 3
  EXPECT_EQ(unit_->pasid_cache().size(), 0);
  Submit({0x12, 0, 0, 0});
  const DmaOutcome out = unit_->Dma(PasidReq(0x2000, 3));
  ASSERT_TRUE(out.result.fault.has_value());
  EXPECT_EQ(out.result.fault->condition, FaultCondition::kSpt2);
}

TEST_F(ScalableUnitBehaviourTest, PasidCacheDomainSelectiveInvalidation) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3, 5);
  Map(0x1000, 0x333000);
  SetSecondStagePasid(4, 6);
  Map(0x1000, 0x444000);
  Translate(PasidReq(0x1000, 3));
  Translate(PasidReq(0x1000, 4));
  EXPECT_EQ(unit_->pasid_cache().size(), 2);
  Submit({0x07 | (uint64_t{6} << 16), 0, 0, 0});  // G=00b domain-selective, DID 6
  EXPECT_EQ(unit_->pasid_cache().size(), 1);
}

TEST_F(ScalableUnitBehaviourTest, PasidBasedIotlbInvalidation) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3, 5);
  Map(0x1000, 0x333000);
  SetSecondStagePasid(4, 5);
  Map(0x1000, 0x444000);
  Translate(PasidReq(0x1000, 3));
  Translate(PasidReq(0x1000, 4));
  EXPECT_EQ(unit_->iotlb().size(), 2);
  // Page-selective-within-PASID (G=11b) invalidates first-stage and nested entries only
  // (S Table 24): second-stage entries stay.
  Submit({0x36 | (uint64_t{5} << 16) | (uint64_t{3} << 32), 0x1000, 0, 0});
  EXPECT_EQ(unit_->iotlb().size(), 2);
  // PASID-selective (G=10b): the entries of DID 5 and PASID 3.
  Submit({0x26 | (uint64_t{5} << 16) | (uint64_t{3} << 32), 0, 0, 0});
  EXPECT_EQ(unit_->iotlb().size(), 1);
  EXPECT_EQ(unit_->pasid_cache().size(), 2) << "p_iotlb_inv_dsc leaves the PASID cache";
}

TEST_F(ScalableUnitBehaviourTest, ContextCacheInvalidationIgnoresDomainInScalableMode) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3, 5);
  Map(0x1000, 0x333000);
  Translate(PasidReq(0x1000, 3));
  EXPECT_EQ(unit_->scalable_context_cache().size(), 1);
  // Device-selective with a DID the entry has nothing to do with: the DID is ignored.
  Submit({0x31 | (uint64_t{99} << 16) | (uint64_t{kSid.value()} << 32), 0, 0, 0});
  EXPECT_EQ(unit_->scalable_context_cache().size(), 0);
  Translate(PasidReq(0x1000, 3));
  EXPECT_EQ(unit_->scalable_context_cache().size(), 1);
  // Domain-selective acts as global.
  Submit({0x21 | (uint64_t{99} << 16), 0, 0, 0});
  EXPECT_EQ(unit_->scalable_context_cache().size(), 0);
}

TEST_F(ScalableUnitBehaviourTest, RegisterBasedInvalidationIsNotPerformedInScalableMode) {
  config_.version = 0x30;
  CreateUnit();
  SetSmRoot(kSmContextTable | 1);
  SetRootTable(kRootTable | (uint64_t{1} << 10));  // TTM=01b, QI off
  const uint64_t ccmd = GlobalContextInvalidate();
  EXPECT_EQ(Ccmd::kCaig.Get(ccmd), 0u) << "CAIG 00b: not performed";
  const uint64_t iotlb = GlobalIotlbInvalidate();
  EXPECT_EQ(IotlbReg::kIaig.Get(iotlb), 0u);
}

TEST_F(ScalableUnitBehaviourTest, NarrowDescriptorsInScalableModeAreAQueueError) {
  CreateUnit();
  SetSmRoot(kSmContextTable | 1);
  unit_->WriteRegister64(kIqaOffset, kQueueBase);  // DW=0
  GlobalCommand(1u << 26, true);
  SetRootTable(kRootTable | (uint64_t{1} << 10));
  Write(kQueueBase, 0x11);
  Write(kQueueBase + 8, 0);
  unit_->WriteRegister64(kIqtOffset, 16);
  EXPECT_NE(Fsts() & (1u << 4), 0u) << "IQE";
  EXPECT_EQ(unit_->ReadRegister64(kIqercdOffset) & 0xf, 5u) << "IQEI 5: invalid width";
}

TEST_F(ScalableUnitBehaviourTest, PasidDescriptorsAreValidInAbortDmaMode) {
  config_.ecap = kQemuScalablePasidEcap | (uint64_t{1} << 52);  // ADMS
  CreateUnit();
  unit_->WriteRegister64(kIqaOffset, kQueueBase | (uint64_t{1} << 11));
  GlobalCommand(1u << 26, true);
  SetRootTable(kRootTable | (uint64_t{3} << 10));  // TTM=11b
  Submit({0x26 | (uint64_t{5} << 16), 0, 0, 0});   // p_iotlb_inv_dsc
  Submit({0x37, 0, 0, 0});                         // pc_inv_dsc
  EXPECT_EQ(Fsts() & (1u << 4), 0u) << "no IQE (S Table 26: 0x1-0xA valid with TTM=11b)";
  EXPECT_EQ(unit_->ReadRegister64(kIqhOffset), 64u);
}

}  // namespace
}  // namespace vtd
