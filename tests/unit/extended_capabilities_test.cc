// Capabilities of scalable mode part 2 the unit now honours (registers.md §3): EAFS (the
// PASID entry's EAFE, translation-structures.md §7, §8: EA, bit 10, set with A) and PDS (the
// PD flag of inv_wait_dsc, invalidation.md §3.5: reserved without PDS); and those still
// refused at creation, named with the reason.
#include <cstdint>

#include "gtest/gtest.h"
#include "model/regs/cap_ecap.h"
#include "tests/unit/first_stage_fixture.h"

namespace vtd {
namespace {

constexpr uint64_t kEcapEafs = uint64_t{1} << 34;
constexpr uint64_t kEcapPds = uint64_t{1} << 42;
constexpr uint64_t kEcapRprivs = uint64_t{1} << 53;
constexpr uint64_t kFsEa = uint64_t{1} << 10;
constexpr uint64_t kEafe = uint64_t{1} << 7;  // PASID entry bit 135: qword 2 bit 7

class ExtendedCapabilitiesTest : public FirstStageUnitTest {
 protected:
  void StartWith(uint64_t extra_ecap) {
    config_.ecap =
        kQemuScalablePasidEcap | kEcapFsts | kEcapNest | kEcapSmpwcs | kEcapSsads | extra_ecap;
    CreateUnit();
    EnableScalable();
    SetSmContext();
  }
  // A first-stage PASID entry with EAFE (qword 2 bit 7).
  uint64_t SetEafePasid(uint32_t pasid, uint16_t did) {
    const uint64_t root = SetFirstStagePasid(pasid, did);
    const uint64_t q2 = PasidEntryAddress(pasid) + 16;
    Write(q2, Read(q2) | kEafe);
    return root;
  }
};

TEST_F(ExtendedCapabilitiesTest, EafeSetsExtendedAccessedWithAccessed_Sec3_6_2) {
  StartWith(kEcapEafs);
  const uint64_t root = SetEafePasid(1, 3);
  FsMap(root, 0x70001000, 0x500000);
  EXPECT_EQ(Hpa(unit_->Dma(PasidReq(0x70001000, 1))), 0x500000u);
  for (int level = 4; level >= 1; --level) {
    const uint64_t raw = Read(FsEntry(root, 0x70001000, level));
    EXPECT_NE(raw & kFsA, 0u) << level;
    EXPECT_NE(raw & kFsEa, 0u) << level;
  }
}

TEST_F(ExtendedCapabilitiesTest, EafeWithoutEafsIsReserved_TableSpt3) {
  StartWith(0);
  const uint64_t root = SetEafePasid(1, 3);
  FsMap(root, 0x70001000, 0x500000);
  const DmaOutcome out = unit_->Dma(PasidReq(0x70001000, 1));
  ASSERT_TRUE(out.result.fault.has_value());
  EXPECT_EQ(out.result.fault->condition, FaultCondition::kSpt3);
}

TEST_F(ExtendedCapabilitiesTest, WaitWithPageRequestDrainNeedsPds_Sec6_5_2_8) {
  // inv_wait_dsc: type 5, PD bit 7 (invalidation.md §3.5).
  constexpr uint64_t kWaitPd = 0x5 | (1u << 7);
  StartWith(kEcapPds | kEcapDt);
  Submit({kWaitPd, 0, 0, 0});
  EXPECT_EQ(unit_->ReadRegister32(0x34) & (1u << 4), 0u) << "no IQE with PDS";
  StartWith(kEcapDt);  // a new unit without PDS
  Submit({kWaitPd, 0, 0, 0});
  EXPECT_NE(unit_->ReadRegister32(0x34) & (1u << 4), 0u) << "PD reserved without PDS: IQE";
}

TEST_F(ExtendedCapabilitiesTest, RprivsIsRefusedNamingTheField) {
  config_.ecap = kQemuScalablePasidEcap | kEcapRprivs;
  absl::StatusOr<std::unique_ptr<RemappingUnit>> unit =
      RemappingUnit::Create(config_, memory_.get());
  ASSERT_FALSE(unit.ok());
  EXPECT_NE(unit.status().message().find("ECAP.RPRIVS"), std::string_view::npos) << unit.status();
  EXPECT_NE(unit.status().message().find("RID_PRIV"), std::string_view::npos) << unit.status();
}

}  // namespace
}  // namespace vtd
