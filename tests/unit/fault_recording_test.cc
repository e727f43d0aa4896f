// Primary fault logging through the unit (VT-d spec §7.2.1, §7.3.1, §11.4.7): the FRCD ring,
// FSTS.PPF/PFO/FRI, overflow, FPD suppression, and when the fault event is raised, held
// pending (FECTL.IP) and sent.
#include <cstdint>

#include "gtest/gtest.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

class FaultRecordingTest : public UnitTest {
 protected:
  void SetUp() override {
    UnitTest::SetUp();
    CreateUnit();
    SetContext(/*did=*/3);
    Map(0x40000000, 0x500000);
    Enable();
    unit_->WriteRegister32(kFedataOffset, 0x55);
    unit_->WriteRegister32(kFeaddrOffset, 0xfee01000);
    unit_->WriteRegister32(kFeuaddrOffset, 0x12);
  }
  // A write to page n (unmapped: LGN.2), a reportable fault.
  DmaOutcome FaultAt(int n) {
    return unit_->Dma(Req(0x80000000 + 0x1000 * uint64_t(n), AccessKind::kWrite));
  }
  int Records() { return unit_->registers().Count(RegId::kFrcdHi); }
};

TEST_F(FaultRecordingTest, ResetValues_Sec11_4_7) {
  EXPECT_EQ(unit_->ReadRegister32(kFectlOffset), 0x80000000u);  // IM=1, IP=0
  EXPECT_EQ(Fsts(), 0u);
  EXPECT_EQ(Records(), 8);  // R630: CAP.NFR = 7
  for (int n = 0; n < Records(); ++n) EXPECT_EQ(ReadFrcd(n), FaultRecord{});
}

TEST_F(FaultRecordingTest, RingFillsThenOverflowSetsPfoAndDrops_Sec7_2_1) {
  for (int n = 0; n < Records(); ++n) {
    DmaOutcome out = FaultAt(n);
    ASSERT_TRUE(out.fault_record.has_value());
    EXPECT_EQ(out.fault_record->frcd_index, n);
    EXPECT_EQ(ReadFrcd(n).fault_info, 0x80000000u + 0x1000 * n);
  }
  EXPECT_EQ(Fsts::kFri.Get(Fsts()), 0u);
  EXPECT_EQ(Fsts::kPfo.Get(Fsts()), 0u);

  DmaOutcome over = FaultAt(100);  // FRCD[0] (the next) still has F=1
  EXPECT_TRUE(over.blocked);
  EXPECT_FALSE(over.recorded);
  ASSERT_TRUE(over.fault_record.has_value());
  EXPECT_TRUE(over.fault_record->overflow);
  EXPECT_EQ(over.fault_record->frcd_index, -1);
  EXPECT_EQ(Fsts::kPfo.Get(Fsts()), 1u);
  EXPECT_EQ(ReadFrcd(0).fault_info, 0x80000000u);  // not overwritten

  // Clearing FRCD[0] is not enough while PFO is set: faults are still dropped.
  ClearFrcd(0);
  EXPECT_FALSE(FaultAt(101).recorded);
  // Software clears PFO (RW1C); the next fault goes to FRCD[0].
  unit_->WriteRegister32(kFstsOffset, 1);
  EXPECT_EQ(Fsts::kPfo.Get(Fsts()), 0u);
  DmaOutcome again = FaultAt(102);
  EXPECT_TRUE(again.recorded);
  EXPECT_EQ(again.fault_record->frcd_index, 0);
  EXPECT_EQ(ReadFrcd(0).fault_info, 0x80000000u + 0x1000 * 102);
  // PPF stayed set (FRCD[1..7]), so FRI was not moved.
  EXPECT_EQ(Fsts::kFri.Get(Fsts()), 0u);
}

TEST_F(FaultRecordingTest, FriNamesFirstRecordWhenPpfWasClear_Sec11_4_7_1) {
  FaultAt(0);
  FaultAt(1);
  ClearFrcd(0);
  ClearFrcd(1);
  EXPECT_EQ(Fsts::kPpf.Get(Fsts()), 0u);
  DmaOutcome out = FaultAt(2);
  EXPECT_EQ(out.fault_record->frcd_index, 2);
  EXPECT_EQ(Fsts::kFri.Get(Fsts()), 2u);
  EXPECT_EQ(Fsts::kPpf.Get(Fsts()), 1u);
}

TEST_F(FaultRecordingTest, MaskedEventPendsAndIsSentOnUnmask_Sec7_3_1) {
  DmaOutcome first = FaultAt(0);
  ASSERT_TRUE(first.interrupt_message.has_value());
  EXPECT_FALSE(first.interrupt_message->sent);
  EXPECT_EQ(unit_->ReadRegister32(kFectlOffset), 0xC0000000u);  // IM, IP
  // PPF already set: a second fault raises no new event.
  EXPECT_FALSE(FaultAt(1).interrupt_message.has_value());
  observer_.messages.clear();
  unit_->WriteRegister32(kFectlOffset, 0);  // unmask: the pending message goes out
  ASSERT_EQ(observer_.messages.size(), 1u);
  EXPECT_TRUE(observer_.messages[0].sent);
  EXPECT_EQ(observer_.messages[0].source, "fault_event");
  EXPECT_EQ(observer_.messages[0].address, (uint64_t{0x12} << 32) | 0xfee01000);
  EXPECT_EQ(observer_.messages[0].data, 0x55u);
  EXPECT_EQ(unit_->ReadRegister32(kFectlOffset), 0u);

  // Unmasked: the next event is sent at once, but only after software cleared the status.
  EXPECT_FALSE(FaultAt(2).interrupt_message.has_value());  // PPF still set
  ClearFrcd(0);
  ClearFrcd(1);
  ClearFrcd(2);
  DmaOutcome sent = FaultAt(3);
  ASSERT_TRUE(sent.interrupt_message.has_value());
  EXPECT_TRUE(sent.interrupt_message->sent);
  EXPECT_EQ(unit_->ReadRegister32(kFectlOffset), 0u);
}

TEST_F(FaultRecordingTest, ClearingStatusWhileMaskedDropsPendingEvent_Sec11_4_7_2) {
  FaultAt(0);
  EXPECT_EQ(unit_->ReadRegister32(kFectlOffset), 0xC0000000u);
  ClearFrcd(0);  // every FSTS status bit now clear: IP clears
  EXPECT_EQ(unit_->ReadRegister32(kFectlOffset), 0x80000000u);
  observer_.messages.clear();
  unit_->WriteRegister32(kFectlOffset, 0);
  EXPECT_TRUE(observer_.messages.empty());
}

TEST_F(FaultRecordingTest, NoEventWhilePfoSet_Sec7_3_1) {
  unit_->WriteRegister32(kFectlOffset, 0);
  for (int n = 0; n <= Records(); ++n) FaultAt(n);  // fills the ring and overflows
  for (int n = 0; n < Records(); ++n) ClearFrcd(n);
  EXPECT_EQ(Fsts::kPfo.Get(Fsts()), 1u);
  // PFO=1: the fault is dropped, and no event is raised.
  DmaOutcome out = FaultAt(50);
  EXPECT_FALSE(out.recorded);
  EXPECT_FALSE(out.interrupt_message.has_value());
}

TEST_F(FaultRecordingTest, QualifiedFaultsSuppressedByFpd_Sec7_1_2) {
  // LCT.3 (qualified) with FPD=1: blocked, not recorded.
  SetContextRaw(0x20000 | 1 | 2 | (1 << 4), 2 | (3 << 8));
  GlobalContextInvalidate();
  DmaOutcome out = unit_->Dma(Req(0x40000000));
  ASSERT_TRUE(out.result.fault.has_value());
  EXPECT_EQ(out.result.fault->condition, FaultCondition::kLct3);
  EXPECT_TRUE(out.blocked);
  EXPECT_FALSE(out.recorded);
  EXPECT_FALSE(out.fault_record.has_value());
  // FPD is evaluated even when P=0 (LCT.2).
  SetContextRaw(2, 0);
  GlobalContextInvalidate();
  out = unit_->Dma(Req(0x40000000));
  EXPECT_EQ(out.result.fault->condition, FaultCondition::kLct2);
  EXPECT_FALSE(out.recorded);
  EXPECT_EQ(Fsts(), 0u);
  // LRT.2 is not qualified: FPD has no say.
  SetRoot(kSid.bus(), 0);
  GlobalContextInvalidate();
  out = unit_->Dma(Req(0x40000000));
  EXPECT_EQ(out.result.fault->condition, FaultCondition::kLrt2);
  EXPECT_TRUE(out.recorded);
}

TEST_F(FaultRecordingTest, RecoverableTranslationRequestFaultNotRecorded_Sec4_2_3) {
  SetContext(3, TranslationType::kDeviceTlb);
  GlobalContextInvalidate();
  // A translation request beyond AGAW: LGN.1.1 answers S0 (Success, no permission).
  DmaOutcome out =
      unit_->Dma(Req(uint64_t{1} << 48, AccessKind::kRead, 0, RequestType::kTranslation));
  ASSERT_TRUE(out.result.fault.has_value());
  EXPECT_EQ(out.result.completion, Completion::kSuccess);
  EXPECT_FALSE(out.blocked);
  EXPECT_FALSE(out.recorded);
  EXPECT_EQ(Fsts(), 0u);
}

TEST_F(FaultRecordingTest, TranslationOffRestartsRingIndex_Sec7_2_1) {
  FaultAt(0);
  FaultAt(1);
  EXPECT_EQ(unit_->next_fault_record_index(), 2);
  ClearFrcd(0);
  ClearFrcd(1);
  GlobalCommand(1u << 31, false);  // TE off (IRES is 0): index back to 0
  EnableTranslation();
  EXPECT_EQ(FaultAt(2).fault_record->frcd_index, 0);
}

TEST_F(FaultRecordingTest, OtherStatusConditionRaisesEventOnce_Sec7_3_1) {
  unit_->WriteRegister32(kFectlOffset, 0);
  observer_.messages.clear();
  unit_->SetFaultStatus(static_cast<uint32_t>(Fsts::kIqe.mask()));
  ASSERT_EQ(observer_.messages.size(), 1u);
  EXPECT_TRUE(observer_.messages[0].sent);
  // IQE pending: a new fault record raises no event.
  EXPECT_FALSE(FaultAt(0).interrupt_message.has_value());
}

TEST(FaultRecordFields, EncodeDecodeAndFromFault_Sec11_4_7_6) {
  Fault f;
  f.reason = FaultReason::kReadNotPermitted;
  f.source_id = SourceId(0x1234);
  f.address = 0xabcdef123;
  f.access = AccessKind::kRead;
  f.request_type = RequestType::kTranslated;
  f.pasid = 0x12345;
  f.privileged = true;
  f.execute = true;
  const FaultRecord r = FaultRecord::FromFault(f);
  EXPECT_TRUE(r.fault);
  EXPECT_EQ(r.fault_info, 0xabcdef000u);
  EXPECT_TRUE(r.t1);
  EXPECT_FALSE(r.t2);
  EXPECT_EQ(r.address_type, 2);
  EXPECT_EQ(r.reason, 6);
  EXPECT_TRUE(r.pasid_present);
  EXPECT_EQ(r.pasid, 0x12345u);
  EXPECT_TRUE(r.privileged);
  EXPECT_TRUE(r.execute);
  const auto words = r.Encode();
  // F 127, T1 126, AT 125:124, PV 123:104, FR 103:96, PP 95, EXE 94, PRIV 93, SID 79:64.
  EXPECT_EQ(words[0], 0xabcdef000u);
  EXPECT_EQ(words[1], (uint64_t{1} << 63) | (uint64_t{1} << 62) | (uint64_t{2} << 60) |
                          (uint64_t{0x12345} << 40) | (uint64_t{6} << 32) | (uint64_t{1} << 31) |
                          (uint64_t{1} << 30) | (uint64_t{1} << 29) | 0x1234);
  EXPECT_EQ(FaultRecord::Decode(words[0], words[1]), r);
  // A write without PASID: T1=T2=0, no PP; EXE only for reads.
  f.access = AccessKind::kWrite;
  const FaultRecord w = FaultRecord::FromFault(f);
  EXPECT_FALSE(w.t1);
  EXPECT_FALSE(w.t2);
  EXPECT_FALSE(w.execute);
}

}  // namespace
}  // namespace vtd
