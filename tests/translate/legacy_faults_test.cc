// Every legacy-mode fault condition of VT-d spec Table 30 (§7.1.3), plus the RTA faults
// legacy hardware raises, each named by condition code and checked for code, response and
// qualification.
#include <cstdint>

#include "gtest/gtest.h"
#include "model/translate/legacy_walk.h"
#include "tests/translate/legacy_tables.h"

namespace vtd {
namespace {

using LegacyWalkFaults = LegacyWalkTest;
constexpr auto kRead = AccessKind::kRead;
constexpr auto kWrite = AccessKind::kWrite;
constexpr auto kTranslation = RequestType::kTranslation;
constexpr auto kTranslated = RequestType::kTranslated;

TEST_F(LegacyWalkFaults, LRT1_RootTableBeyondMemory_Sec7_1_3) {
  config_.rtaddr = uint64_t{1} << 36;  // below 2^HAW, beyond the 4 GiB memory
  Fault f = ExpectFault(Req(0x1000), "LRT.1");
  EXPECT_EQ(f.reason, FaultReason::kRootTableAccessError);
  EXPECT_FALSE(f.qualified);
  ExpectFault(Req(0x1000, kRead, 0, kTranslation), "LRT.1", Completion::kCompleterAbort);
}

TEST_F(LegacyWalkFaults, LRT1_RootTableBeyondHaw_Sec7_1_3) {
  config_.rtaddr = uint64_t{1} << 39;  // HAW = 39
  ExpectFault(Req(0x1000), "LRT.1");
}

TEST_F(LegacyWalkFaults, LRT2_RootNotPresent_Sec7_1_3) {
  SetRoot(kSid.bus(), kContextTable, 0);
  Fault f = ExpectFault(Req(0x1000), "LRT.2");
  EXPECT_EQ(f.reason, FaultReason::kRootEntryNotPresent);
  ExpectFault(Req(0x1000, kRead, 0, kTranslation), "LRT.2", Completion::kUnsupportedRequest);
}

TEST_F(LegacyWalkFaults, LRT3_RootReservedLowBits_Sec9_1) {
  SetRoot(kSid.bus(), kContextTable | 1 | (1 << 4), 0);
  EXPECT_EQ(ExpectFault(Req(0x1000), "LRT.3").reason, FaultReason::kRootEntryReserved);
}

TEST_F(LegacyWalkFaults, LRT3_RootReservedHighQword_Sec9_1) {
  SetRoot(kSid.bus(), kContextTable | 1, 1);
  ExpectFault(Req(0x1000), "LRT.3");
}

TEST_F(LegacyWalkFaults, LRT3_RootCtpAboveHaw_Sec9_1) {
  SetRoot(kSid.bus(), (uint64_t{1} << 39) | kContextTable | 1, 0);
  ExpectFault(Req(0x1000), "LRT.3");
}

TEST_F(LegacyWalkFaults, LCT1_ContextTableBeyondMemory_Sec7_1_3) {
  SetRoot(kSid.bus(), (uint64_t{1} << 35) | 1, 0);
  Fault f = ExpectFault(Req(0x1000), "LCT.1");
  EXPECT_EQ(f.reason, FaultReason::kContextTableAccessError);
  EXPECT_FALSE(f.qualified);
}

TEST_F(LegacyWalkFaults, LCT2_ContextNotPresent_Sec7_1_3) {
  Fault f = ExpectFault(Req(0x1000), "LCT.2");  // context table all zero
  EXPECT_EQ(f.reason, FaultReason::kContextEntryNotPresent);
  EXPECT_TRUE(f.qualified);
  EXPECT_TRUE(f.Reportable());
}

TEST_F(LegacyWalkFaults, LCT3_ContextReservedBits_Sec9_3) {
  SetContext(2);
  const uint64_t lo = memory_->Read64(kContextTable + 16 * kSid.devfn()).value();
  const uint64_t hi = memory_->Read64(kContextTable + 16 * kSid.devfn() + 8).value();
  SetContextRaw(lo | (1 << 4), hi);  // bits 11:4
  EXPECT_EQ(ExpectFault(Req(0x1000), "LCT.3").reason, FaultReason::kContextEntryReserved);
  SetContextRaw(lo, hi | (1 << 7));  // bit 71
  ExpectFault(Req(0x1000), "LCT.3");
  SetContextRaw(lo, hi | (uint64_t{1} << 30));  // bits 127:88
  ExpectFault(Req(0x1000), "LCT.3");
  SetContextRaw(lo | (uint64_t{1} << 40), hi);  // SSPTPTR above HAW
  ExpectFault(Req(0x1000), "LCT.3");
  config_.cap.nd = 1;  // 6-bit DIDs; DID 7 fits, 0x40 does not
  SetContextRaw(lo, (hi & ~(uint64_t{0xffff} << 8)) | (uint64_t{0x40} << 8));
  ExpectFault(Req(0x1000), "LCT.3");
}

TEST_F(LegacyWalkFaults, LCT41_AwNotInSagaw_Sec7_1_3) {
  config_.cap.sagaw = 0b00100;  // 48-bit only
  SetContext(1);
  Fault f = ExpectFault(Req(0x1000), "LCT.4.1");
  EXPECT_EQ(f.reason, FaultReason::kContextEntryInvalid);
  SetContext(0);  // 30-bit AW: reserved in 5.10
  ExpectFault(Req(0x1000), "LCT.4.1");
}

TEST_F(LegacyWalkFaults, LCT42_TtReserved_Sec9_3) {
  SetContext(2, TranslationType::kReserved);
  ExpectFault(Req(0x1000), "LCT.4.2");
}

TEST_F(LegacyWalkFaults, LCT42_DeviceTlbWithoutEcapDt_Sec9_3) {
  config_.ecap.dt = false;
  SetContext(2, TranslationType::kDeviceTlb);
  ExpectFault(Req(0x1000), "LCT.4.2");
}

TEST_F(LegacyWalkFaults, LCT42_PassThroughWithoutEcapPt_Sec9_3) {
  config_.ecap.pt = false;
  SetContext(2, TranslationType::kPassThrough);
  ExpectFault(Req(0x1000), "LCT.4.2");
}

TEST_F(LegacyWalkFaults, LCT43_SsptptrBeyondMemory_Sec7_1_3) {
  SetContext(2);
  const uint64_t hi = memory_->Read64(kContextTable + 16 * kSid.devfn() + 8).value();
  SetContextRaw((uint64_t{1} << 34) | 1, hi);  // below 2^39, beyond 4 GiB
  Fault f = ExpectFault(Req(0x1000), "LCT.4.3");
  EXPECT_EQ(f.reason, FaultReason::kContextEntryInvalid);
}

TEST_F(LegacyWalkFaults, LCT5_TtBlocksTranslationRequest_Sec4_2_3) {
  SetContext(2, TranslationType::kUntranslatedOnly);
  Fault f = ExpectFault(Req(0x1000, kRead, 0, kTranslation), "LCT.5");
  EXPECT_EQ(f.reason, FaultReason::kContextEntryTtBlocks);
  SetContext(2, TranslationType::kPassThrough);
  ExpectFault(Req(0x1000, kRead, 0, kTranslation), "LCT.5");
}

TEST_F(LegacyWalkFaults, LCT5_TtBlocksTranslatedRequest_Sec4_2_5) {
  SetContext(2, TranslationType::kUntranslatedOnly);
  ExpectFault(Req(0x1000, kWrite, 4, kTranslated), "LCT.5");
  SetContext(2, TranslationType::kPassThrough);
  ExpectFault(Req(0x1000, kWrite, 4, kTranslated), "LCT.5");
}

TEST_F(LegacyWalkFaults, LSS1_NextTableBeyondMemory_Sec7_1_3) {
  SetContext(2);
  Write(root_table_, (uint64_t{1} << 35) | 3);  // PML4E -> beyond memory, below 2^HAW
  Fault f = ExpectFault(Req(0x1000), "LSS.1");
  EXPECT_EQ(f.reason, FaultReason::kPagingEntryAccessError);
}

TEST_F(LegacyWalkFaults, LSS1_TranslationRequestGetsCompleterAbort) {
  SetContext(2, TranslationType::kDeviceTlb);
  Write(root_table_, (uint64_t{1} << 35) | 3);
  ExpectFault(Req(0x1000, kRead, 0, kTranslation), "LSS.1", Completion::kCompleterAbort);
}

TEST_F(LegacyWalkFaults, LSS2_ReservedBitsInPagingEntries_Sec9_8) {
  SetContext(2);
  const uint64_t pte = Map(0x1000, 0x9000);
  Write(pte, 0x9000 | 3 | (uint64_t{1} << 45));  // ADDR above HAW
  EXPECT_EQ(ExpectFault(Req(0x1000), "LSS.2").reason, FaultReason::kPagingEntryReserved);
  Write(pte, 0x9000 | 3 | (uint64_t{1} << 62));  // bit 62 (TM before 3.2)
  ExpectFault(Req(0x1000), "LSS.2");
  config_.bit62 = SsBit62::kTransientMapping;
  TranslateResult r = Run(Req(0x1000));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.translation->transient_mapping);
  config_.bit62 = SsBit62::kReserved;
  Write(pte, 0x9000 | 3);
  Write(root_table_, memory_->Read64(root_table_).value() | 0x80);  // PS in PML4E
  ExpectFault(Req(0x1000), "LSS.2");
}

TEST_F(LegacyWalkFaults, LSS2_LeafSnpWithoutSnoopControl_Sec9_8) {
  config_.ecap.sc = false;
  SetContext(2);
  Map(0x1000, 0x9000, 1, 3 | (1 << 11));
  ExpectFault(Req(0x1000), "LSS.2");
}

TEST_F(LegacyWalkFaults, LSS2_NotCheckedInNonPresentEntries_Sec3_7) {
  SetContext(2);
  Map(0x1000, 0x9000, 1, (1 << 11) | (uint64_t{1} << 62) | (uint64_t{1} << 45));  // R=W=0
  ExpectFault(Req(0x1000), "LGN.3");
}

TEST_F(LegacyWalkFaults, LGN11_AddressAboveGuestWidth_Sec3_7) {
  SetContext(1);  // 39-bit AGAW
  ExpectFault(Req(uint64_t{1} << 39), "LGN.1.1");
  config_.cap.mgaw = 39 - 1;
  SetContext(2);  // 48-bit AGAW but MGAW 39
  Fault f = ExpectFault(Req(uint64_t{1} << 40), "LGN.1.1");
  EXPECT_EQ(f.reason, FaultReason::kAddressBeyondWidth);
}

TEST_F(LegacyWalkFaults, LGN11_TranslationRequestGetsS0_Sec4_2_3) {
  SetContext(1, TranslationType::kDeviceTlb);
  TranslateResult r = Run(Req(uint64_t{1} << 40, kRead, 0, kTranslation));
  ASSERT_TRUE(r.fault.has_value());
  EXPECT_EQ(r.fault->condition, FaultCondition::kLgn1_1);
  EXPECT_TRUE(r.fault->recoverable);
  EXPECT_FALSE(r.fault->Reportable());
  EXPECT_EQ(r.completion, Completion::kSuccess);
  ASSERT_TRUE(r.ats.has_value());
  EXPECT_FALSE(r.ats->read || r.ats->write || r.ats->untranslated_only);
}

TEST_F(LegacyWalkFaults, LGN12_TranslatedAddressAboveHaw_Sec4_2_5) {
  SetContext(2, TranslationType::kDeviceTlb);
  ExpectFault(Req(uint64_t{1} << 39, kWrite, 4, kTranslated), "LGN.1.2");
}

TEST_F(LegacyWalkFaults, LGN13_PassThroughAddressAboveHaw_Sec3_9) {
  SetContext(2, TranslationType::kPassThrough);
  ExpectFault(Req(uint64_t{1} << 39), "LGN.1.3");
}

TEST_F(LegacyWalkFaults, LGN2_WriteToReadOnlyPage_Sec3_7_1) {
  SetContext(2);
  Map(0x1000, 0x9000, 1, 1);
  Fault f = ExpectFault(Req(0x1000, kWrite), "LGN.2");
  EXPECT_EQ(f.reason, FaultReason::kWriteNotPermitted);
  ExpectFault(Req(0x1000, AccessKind::kAtomic), "LGN.2");
}

TEST_F(LegacyWalkFaults, LGN2_TranslationRequestGetsEffectivePermission_Sec4_2_3) {
  SetContext(2, TranslationType::kDeviceTlb);
  Map(0x1000, 0x9000, 1, 1);
  TranslateResult r = Run(Req(0x1000, kRead, 0, kTranslation));
  ASSERT_TRUE(r.fault.has_value());
  EXPECT_EQ(r.fault->condition, FaultCondition::kLgn2);
  EXPECT_FALSE(r.fault->Reportable());
  EXPECT_EQ(r.completion, Completion::kSuccess);
  EXPECT_TRUE(r.ats->read);
  EXPECT_FALSE(r.ats->write);
  EXPECT_EQ(r.ats->address, 0x9000u);
}

TEST_F(LegacyWalkFaults, LGN3_ReadFromWriteOnlyOrNotPresentPage_Sec3_7_1) {
  SetContext(2);
  Map(0x1000, 0x9000, 1, 2);
  EXPECT_EQ(ExpectFault(Req(0x1000), "LGN.3").reason, FaultReason::kReadNotPermitted);
  ExpectFault(Req(0x5000000), "LGN.3");  // not mapped at all: PML4E R=W=0
  ExpectFault(Req(0x5000000, kWrite), "LGN.2");
}

TEST_F(LegacyWalkFaults, LGN3_TranslationRequestNotPresentGetsNoAccess_Sec4_2_3) {
  SetContext(2, TranslationType::kDeviceTlb);
  TranslateResult r = Run(Req(0x1000, kRead, 0, kTranslation));
  ASSERT_TRUE(r.fault.has_value());
  EXPECT_EQ(r.fault->condition, FaultCondition::kLgn3);
  EXPECT_EQ(r.completion, Completion::kSuccess);
  EXPECT_FALSE(r.ats->read || r.ats->write);
}

TEST_F(LegacyWalkFaults, LGN4_OutputInInterruptRange_Sec3_15) {
  SetContext(2);
  Map(0x1000, 0xfee01000);
  Fault f = ExpectFault(Req(0x1000), "LGN.4");
  EXPECT_EQ(f.reason, FaultReason::kInterruptAddressRange);
}

TEST_F(LegacyWalkFaults, LGN4_TranslationResultOverlapsInterruptRange) {
  SetContext(2, TranslationType::kDeviceTlb);
  Map(0x40000000, 0xfee00000 & ~uint64_t{0x1fffff}, 2);  // 2 MiB page containing FEEx
  ExpectFault(Req(0x40000000, kRead, 0, kTranslation), "LGN.4", Completion::kCompleterAbort);
}

TEST_F(LegacyWalkFaults, LGN4_PassThroughAndTranslatedUseInputAddress) {
  SetContext(2, TranslationType::kPassThrough);
  ExpectFault(Req(0xfee00000, kRead), "LGN.4");
  SetContext(2, TranslationType::kDeviceTlb);
  ExpectFault(Req(0xfeeff000, kWrite, 4, kTranslated), "LGN.4");
}

TEST_F(LegacyWalkFaults, RTA11_TtmAbortWithoutAdms_Sec11_4_5) {
  config_.rtaddr = kRootTable | (3 << 10);
  Fault f = ExpectFault(Req(0x1000), "RTA.1.1");
  EXPECT_EQ(f.reason, FaultReason::kInvalidRootTableAddress);
}

TEST_F(LegacyWalkFaults, RTA12_TtmReserved_Sec11_4_5) {
  config_.rtaddr = kRootTable | (2 << 10);
  ExpectFault(Req(0x1000), "RTA.1.2");
  ExpectFault(Req(0x1000, kRead, 0, kTranslation), "RTA.1.2", Completion::kCompleterAbort);
}

TEST_F(LegacyWalkFaults, RTA13_ScalableWithoutSmts_Sec11_4_5) {
  config_.rtaddr = kRootTable | (1 << 10);
  ExpectFault(Req(0x1000), "RTA.1.3");
}

TEST_F(LegacyWalkFaults, RTA14_SsirweInLegacyMode_Sec11_4_5) {
  config_.rtaddr = kRootTable | (1 << 7);
  ExpectFault(Req(0x1000), "RTA.1.4");
}

TEST_F(LegacyWalkFaults, RTA2_RequestWithPasidInLegacyMode_Sec3_4_2) {
  SetContext(2);
  DmaRequest req = Req(0x1000);
  req.pasid = 5;
  Fault f = ExpectFault(req, "RTA.2");
  EXPECT_EQ(f.reason, FaultReason::kLegacyModeRequestWithPasid);
  EXPECT_EQ(f.pasid, 5u);
}

TEST_F(LegacyWalkFaults, RTA4_AbortDmaMode_Sec3_4_4) {
  config_.ecap.adms = true;
  config_.rtaddr = kRootTable | (3 << 10);
  EXPECT_EQ(ExpectFault(Req(0x1000), "RTA.4").reason, FaultReason::kAbortDmaMode);
  ExpectFault(Req(0x1000, kRead, 0, kTranslation), "RTA.4", Completion::kUnsupportedRequest);
}

}  // namespace
}  // namespace vtd
