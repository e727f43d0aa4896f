// A device with a device TLB against a scalable unit with first-stage translation: the
// translation completion the unit returns (VT-d spec §4.2.3: address, size of the leaf, R,
// W, Priv), the device's translated requests from its cache (§4.2.5), and device-TLB
// invalidations through the queue reaching it (invalidation.md §3.3, §3.8). Tables and
// descriptors are written bit by bit from the digest.
#include "model/device/ats_device.h"

#include <array>
#include <cstdint>

#include "gtest/gtest.h"
#include "model/device/device_tlb.h"
#include "tests/unit/first_stage_fixture.h"

namespace vtd {
namespace {

constexpr uint16_t kDid = 3;
constexpr uint64_t kEcapNwfs = uint64_t{1} << 33;  // registers.md §3
constexpr uint32_t kPasid = 1;

class AtsDeviceTest : public FirstStageUnitTest {
 protected:
  void StartWithDeviceTlb(bool nwfs = true) {
    config_.ecap = kQemuScalablePasidEcap | kEcapFsts | kEcapNest | kEcapSmpwcs | kEcapSsads |
                   kEcapDt | (nwfs ? kEcapNwfs : 0);
    CreateUnit();
    EnableScalable();
    SetSmContext(/*paside=*/true, /*pdts=*/0, /*rid_pasid=*/0, /*fpd=*/false, /*dte=*/true);
    unit_->set_device_tlbs(&tlbs_);
  }
  DeviceTlb& Tlb() { return tlbs_.For(0, kSid); }
  AtsAccessOutcome Access(uint64_t address, AccessKind access, bool privileged = false) {
    DmaRequest r = PasidReq(address, kPasid, access);
    r.privileged = privileged;
    return AccessThroughDeviceTlb(*unit_, Tlb(), r, false, {});
  }
  DmaOutcome Translate(uint64_t address, bool privileged = false) {
    DmaRequest r = PasidReq(address, kPasid);
    r.type = RequestType::kTranslation;
    r.privileged = privileged;
    return unit_->Dma(r);
  }
  // p_dev_tlb_inv_dsc (invalidation.md §3.8): type 8, SID 31:16, PASID 51:32; GI QW1 bit 0,
  // S QW1 bit 11, ADDR QW1 63:12.
  void PasidDevTlbInvalidate(uint64_t address, bool size, bool global = false) {
    Submit({8 | (uint64_t{kSid.value()} << 16) | (uint64_t{kPasid} << 32),
            (global ? 1u : 0u) | (size ? uint64_t{1} << 11 : 0) | address, 0, 0});
  }
  // dev_tlb_inv_dsc (§3.3): type 3, SID 47:32; S QW1 bit 0, ADDR QW1 63:12.
  void DevTlbInvalidate(uint64_t address, bool size) {
    Submit({3 | (uint64_t{kSid.value()} << 32), (size ? 1u : 0u) | address, 0, 0});
  }
  // p_iotlb_inv_dsc PASID-selective (§3.6): type 6, G=10b, DID 31:16, PASID 51:32.
  void PasidIotlbInvalidate() {
    Submit({6 | (uint64_t{2} << 4) | (uint64_t{kDid} << 16) | (uint64_t{kPasid} << 32), 0, 0, 0});
  }

  DeviceTlbs tlbs_;
};

TEST_F(AtsDeviceTest, CompletionCarriesLeafPageAndPermissions_Sec4_2_3) {
  StartWithDeviceTlb();
  const uint64_t root = SetFirstStagePasid(kPasid, kDid);
  FsMap(root, 0x70001000, 0x500000);
  FsMap(root, 0x40200000, 0x80000000, /*leaf_level=*/2);
  const DmaOutcome small = Translate(0x70001234);
  ASSERT_TRUE(small.result.ats.has_value());
  EXPECT_EQ(small.result.ats->address, 0x500000u);
  EXPECT_EQ(small.result.ats->size, 0x1000u);
  EXPECT_TRUE(small.result.ats->read);
  EXPECT_TRUE(small.result.ats->write);
  EXPECT_FALSE(small.result.ats->untranslated_only);
  EXPECT_FALSE(small.result.ats->privileged);
  EXPECT_FALSE(small.result.ats->execute);
  EXPECT_FALSE(small.result.ats->global);
  const DmaOutcome large = Translate(0x40323000);
  ASSERT_TRUE(large.result.ats.has_value());
  EXPECT_EQ(large.result.ats->address, 0x80000000u);
  EXPECT_EQ(large.result.ats->size, 0x200000u);
}

TEST_F(AtsDeviceTest, PrivAnswersTheRequestsPr_Sec4_2_3) {
  StartWithDeviceTlb();
  const uint64_t root = SetFirstStagePasid(kPasid, kDid, /*sre=*/true);
  // Supervisor-only page (U/S=0 on the leaf): a supervisor request may read and write it.
  FsMap(root, 0x70001000, 0x500000, 1, kFsP | kFsRw);
  const DmaOutcome out = Translate(0x70001000, /*privileged=*/true);
  ASSERT_TRUE(out.result.ats.has_value());
  EXPECT_TRUE(out.result.ats->privileged);
  EXPECT_TRUE(out.result.ats->read);
  EXPECT_TRUE(out.result.ats->write);
  // The same page for a user request: SGN.2, a Success completion with no access (S0).
  const DmaOutcome user = Translate(0x70001000, /*privileged=*/false);
  ASSERT_TRUE(user.result.ats.has_value());
  EXPECT_FALSE(user.result.ats->read || user.result.ats->write || user.result.ats->privileged);
}

TEST_F(AtsDeviceTest, MissTranslatesThenHitUsesTheCachedTranslation_Sec4_2_5) {
  StartWithDeviceTlb();
  const uint64_t root = SetFirstStagePasid(kPasid, kDid);
  FsMap(root, 0x70001000, 0x500000);
  const AtsAccessOutcome first = Access(0x70001010, AccessKind::kRead);
  EXPECT_FALSE(first.hit);
  ASSERT_TRUE(first.translation.has_value());
  EXPECT_EQ(first.result, AtsAccessOutcome::Result::kTranslated);
  ASSERT_TRUE(first.access.has_value());
  EXPECT_EQ(Hpa(*first.access), 0x500010u);
  // A read asks with NW=1: no write permission cached, no D set.
  EXPECT_FALSE(first.entry->completion.write);
  const AtsAccessOutcome second = Access(0x70001020, AccessKind::kRead);
  EXPECT_TRUE(second.hit);
  EXPECT_FALSE(second.translation.has_value());
  EXPECT_EQ(Hpa(*second.access), 0x500020u);
  // A write finds the entry without W and asks again (NW=0): now W, and the leaf dirty.
  const AtsAccessOutcome write = Access(0x70001030, AccessKind::kWrite);
  EXPECT_TRUE(write.hit);
  EXPECT_TRUE(write.translation.has_value());
  EXPECT_TRUE(write.entry->completion.write);
  EXPECT_EQ(Hpa(*write.access), 0x500030u);
  EXPECT_NE(Read(FsEntry(root, 0x70001000, 1)) & kFsD, 0u);
}

TEST_F(AtsDeviceTest, WithoutNwfsNoWriteIsIgnoredAndDIsSet_Sec4_2_3) {
  StartWithDeviceTlb(/*nwfs=*/false);
  const uint64_t root = SetFirstStagePasid(kPasid, kDid);
  const uint64_t leaf = FsMap(root, 0x70001000, 0x500000);
  DmaRequest r = PasidReq(0x70001000, kPasid);
  r.type = RequestType::kTranslation;
  r.no_write = true;
  const DmaOutcome out = unit_->Dma(r);
  ASSERT_TRUE(out.result.ats.has_value());
  // NW is ignored (ECAP.NWFS=0): write permission granted, so the leaf must be dirty before
  // the device may write through it (S §3.6.2).
  EXPECT_TRUE(out.result.ats->write);
  EXPECT_NE(Read(leaf) & kFsD, 0u);
}

TEST_F(AtsDeviceTest, WithoutDeviceTlbInvalidationTheStaleTranslationStaysInUse_Sec6_5_2_6) {
  StartWithDeviceTlb();
  const uint64_t root = SetFirstStagePasid(kPasid, kDid);
  const uint64_t leaf = FsMap(root, 0x70001000, 0x500000);
  ASSERT_EQ(Access(0x70001000, AccessKind::kRead).result, AtsAccessOutcome::Result::kTranslated);
  // Software unmaps the page and invalidates the IOTLB, but not the device TLB.
  Write(leaf, 0);
  PasidIotlbInvalidate();
  const AtsAccessOutcome stale = Access(0x70001000, AccessKind::kRead);
  EXPECT_TRUE(stale.hit);
  EXPECT_EQ(Hpa(*stale.access), 0x500000u);
  // p_dev_tlb_inv_dsc for the page: the device asks again and gets no access (SFS.2, S0).
  PasidDevTlbInvalidate(0x70001000, false);
  EXPECT_TRUE(Tlb().entries().empty());
  const AtsAccessOutcome after = Access(0x70001000, AccessKind::kRead);
  EXPECT_FALSE(after.hit);
  ASSERT_TRUE(after.translation.has_value());
  ASSERT_TRUE(after.translation->result.fault.has_value());
  EXPECT_EQ(after.translation->result.fault->condition, FaultCondition::kSfs2);
  EXPECT_EQ(after.result, AtsAccessOutcome::Result::kNoPermission);
  EXPECT_FALSE(after.access.has_value());
}

TEST_F(AtsDeviceTest, InvalidationDropsExactlyTheCoveredRange_Sec6_5_2_6) {
  StartWithDeviceTlb();
  const uint64_t root = SetFirstStagePasid(kPasid, kDid);
  FsMap(root, 0x70000000, 0x500000);
  FsMap(root, 0x70001000, 0x501000);
  FsMap(root, 0x70002000, 0x502000);
  for (uint64_t a : {0x70000000, 0x70001000, 0x70002000}) Access(a, AccessKind::kRead);
  ASSERT_EQ(Tlb().entries().size(), 3u);
  // S=1, bit 12 clear: the 8 KiB range 0x70000000-0x70001fff.
  PasidDevTlbInvalidate(0x70000000, true);
  ASSERT_EQ(Tlb().entries().size(), 1u);
  EXPECT_EQ(Tlb().entries()[0].input.base, 0x70002000u);
}

TEST_F(AtsDeviceTest, DevTlbInvalidationWithoutPasidAlsoDropsPasidEntries_Sec6_5_2_5) {
  StartWithDeviceTlb();
  const uint64_t root = SetFirstStagePasid(kPasid, kDid);
  FsMap(root, 0x70001000, 0x500000);
  Access(0x70001000, AccessKind::kRead);
  ASSERT_EQ(Tlb().entries().size(), 1u);
  DevTlbInvalidate(0x70001000, false);
  EXPECT_TRUE(Tlb().entries().empty());
}

TEST_F(AtsDeviceTest, TranslatedRequestAfterDteClearedFaults_TableSct5) {
  StartWithDeviceTlb();
  const uint64_t root = SetFirstStagePasid(kPasid, kDid);
  FsMap(root, 0x70001000, 0x500000);
  Access(0x70001000, AccessKind::kRead);
  // DTE cleared and the context cache invalidated (cc_inv_dsc global), the device TLB not:
  // the device's translated request is blocked by the context entry (SCT.5, UR).
  SetSmContext(true, 0, 0, false, /*dte=*/false);
  Submit({0x11, 0, 0, 0});  // cc_inv_dsc global
  Submit({0x37, 0, 0, 0});  // pc_inv_dsc global: the PASID cache holds the context's DTE
  Submit({0x12, 0, 0, 0});  // iotlb_inv_dsc global
  const AtsAccessOutcome out = Access(0x70001000, AccessKind::kRead);
  EXPECT_TRUE(out.hit);
  ASSERT_TRUE(out.access.has_value());
  ASSERT_TRUE(out.access->result.fault.has_value());
  EXPECT_EQ(out.access->result.fault->condition, FaultCondition::kSct5);
}

}  // namespace
}  // namespace vtd
