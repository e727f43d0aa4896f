// Translation disabled, protected memory regions and global commands through the unit:
// GCMD.TE = 0 passes DMA through (VT-d spec §3.1 / §11.4.4), PMEN.EPM with PLMBASE/LIMIT and
// PHMBASE/LIMIT blocks DMA to those ranges (§11.4.8) without recording a fault, WBF with
// CAP.RWBF (§11.4.4.1).
#include <cstdint>

#include "gtest/gtest.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

class ModesTest : public UnitTest {
 protected:
  // Low region 0x200000..0x3fffff (limit's low 21 bits decode as ones), high region
  // 0x1_0000_0000..0x1_001f_ffff.
  void ProgramRegions() {
    unit_->WriteRegister32(kPlmbaseOffset, 0x200000);
    unit_->WriteRegister32(kPlmlimitOffset, 0x200000);
    unit_->WriteRegister64(kPhmbaseOffset, uint64_t{1} << 32);
    unit_->WriteRegister64(kPhmlimitOffset, uint64_t{1} << 32);
    unit_->WriteRegister32(kPmenOffset, 0x80000000);
    ASSERT_EQ(unit_->ReadRegister32(kPmenOffset), 0x80000001u);  // EPM, PRS
  }
};

TEST_F(ModesTest, TranslationOffPassesThrough_Sec11_4_4) {
  CreateUnit();
  DmaOutcome out = unit_->Dma(Req(0x12345678, AccessKind::kWrite));
  ASSERT_TRUE(out.result.ok());
  EXPECT_EQ(out.result.translation->hpa, 0x12345678u);
  EXPECT_FALSE(out.blocked);
  EXPECT_TRUE(observer_.lookups.empty());  // no cache is consulted
  EXPECT_EQ(observer_.begins, 1);
  EXPECT_EQ(observer_.ends, 1);
}

TEST_F(ModesTest, ProtectedRegionsBlockWhenTranslationOff_Sec11_4_8) {
  CreateUnit();
  ProgramRegions();
  DmaOutcome low = unit_->Dma(Req(0x3ffffc, AccessKind::kWrite));
  EXPECT_TRUE(low.blocked);
  EXPECT_EQ(low.blocked_by, "pmr");
  EXPECT_EQ(low.result.completion, Completion::kUnsupportedRequest);
  EXPECT_FALSE(low.recorded);  // not a remapping fault
  EXPECT_EQ(Fsts(), 0u);
  EXPECT_TRUE(unit_->Dma(Req(0x400000)).result.ok());  // just above the limit
  EXPECT_TRUE(unit_->Dma(Req(0x1ffffc)).result.ok());  // just below the base
  // A request straddling the base is blocked.
  EXPECT_TRUE(unit_->Dma(Req(0x1ffffe, AccessKind::kRead, 4)).blocked);
  EXPECT_TRUE(unit_->Dma(Req((uint64_t{1} << 32) + 0x1000)).blocked);
  EXPECT_FALSE(unit_->Dma(Req((uint64_t{1} << 32) + 0x200000)).blocked);
  // EPM off: nothing blocked.
  unit_->WriteRegister32(kPmenOffset, 0);
  EXPECT_FALSE(unit_->Dma(Req(0x300000)).blocked);
}

TEST_F(ModesTest, ProtectedRegionsWithTranslationOn_Sec11_4_8_1) {
  CreateUnit();
  SetContext(5);
  Map(0x40000000, 0x300000);  // the page table maps into the protected low region
  const uint64_t pt_root = root_table_;
  SetContext(6, TranslationType::kPassThrough, false, 2, SourceId::FromBdf(3, 4, 0));
  root_table_ = pt_root;
  Enable();
  ProgramRegions();
  // Remapped request: the spec lets hardware block it or not; the model's default does not.
  EXPECT_FALSE(unit_->Dma(Req(0x40000000)).blocked);
  // Pass-through requests (TT=10b) are checked.
  DmaOutcome pt = unit_->Dma(
      Req(0x300000, AccessKind::kRead, 4, RequestType::kUntranslated, SourceId::FromBdf(3, 4, 0)));
  EXPECT_TRUE(pt.blocked);
  EXPECT_EQ(pt.blocked_by, "pmr");
  // Walks reading tables inside a protected region are not checked: the second-stage
  // tables live below 0x200000 here, so move a region over them and translate again.
  unit_->WriteRegister32(kPlmbaseOffset, 0);
  GlobalIotlbInvalidate();
  EXPECT_TRUE(unit_->Dma(Req(0x40000000)).result.ok());
}

TEST_F(ModesTest, ProtectedRegionsCanBlockRemappedRequests_Sec11_4_8_1) {
  config_.pmr_blocks_remapped_requests = true;
  CreateUnit();
  SetContext(5);
  Map(0x40000000, 0x300000);
  Enable();
  ProgramRegions();
  DmaOutcome out = unit_->Dma(Req(0x40000000));
  EXPECT_TRUE(out.blocked);
  EXPECT_EQ(out.blocked_by, "pmr");
}

TEST_F(ModesTest, TranslatedRequestsCheckedAgainstRegions_Sec11_4_8_1) {
  CreateUnit();
  SetContext(5, TranslationType::kDeviceTlb);
  Enable();
  ProgramRegions();
  EXPECT_TRUE(unit_->Dma(Req(0x300000, AccessKind::kWrite, 4, RequestType::kTranslated)).blocked);
  EXPECT_FALSE(unit_->Dma(Req(0x500000, AccessKind::kWrite, 4, RequestType::kTranslated)).blocked);
}

TEST_F(ModesTest, WriteBufferFlushWithRwbf_Sec11_4_4_1) {
  config_.cap = WithField(kR630Cap, Capability::kRwbf, 1);
  CreateUnit();
  GlobalCommand(1u << 27, true);
  EXPECT_EQ(Gsts() & (1u << 27), 0u);  // WBFS back to 0: the flush completed
  EXPECT_TRUE(unit_->TakeDiagnostics().empty());
}

TEST_F(ModesTest, EnableBeforeRootPointerUsesResetPointer_Sec11_4_4_1) {
  CreateUnit();
  EnableTranslation();  // no SRTP: the register file reports the protocol violation
  EXPECT_FALSE(unit_->TakeDiagnostics().empty());
  // The latched pointer is RTADDR's reset value 0: memory there is zero, root not present.
  DmaOutcome out = unit_->Dma(Req(0x1000));
  ASSERT_TRUE(out.result.fault.has_value());
  EXPECT_EQ(out.result.fault->condition, FaultCondition::kLrt2);
}

TEST_F(ModesTest, BadRequestIsAnErrorNotAFault_Sec3_1) {
  CreateUnit();
  DmaOutcome out = unit_->Dma(Req(0xff8, AccessKind::kRead, 16));  // crosses 4 KiB
  EXPECT_FALSE(out.status().ok());
  EXPECT_TRUE(out.blocked);
  EXPECT_EQ(out.blocked_by, "invalid_request");
  EXPECT_EQ(Fsts(), 0u);
}

TEST_F(ModesTest, RegisterAccessesAreObserved_Sec11_4) {
  CreateUnit();
  unit_->WriteRegister32(kFedataOffset, 0x20);
  EXPECT_EQ(unit_->ReadRegister32(kFedataOffset), 0x20u);
  ASSERT_EQ(observer_.register_accesses.size(), 2u);
  EXPECT_TRUE(observer_.register_accesses[0].is_write);
  EXPECT_EQ(observer_.register_accesses[1].offset, kFedataOffset);
  EXPECT_EQ(observer_.register_accesses[1].value, 0x20u);
}

}  // namespace
}  // namespace vtd
