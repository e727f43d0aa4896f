// A driver's view of one unit, end to end through the MMIO API (VT-d spec §11.4.4.1 GCMD
// protocol, §6.5.1 register-based invalidation, §7.2.1 primary fault logging): build tables,
// SRTP, invalidate, enable, translate, fault, read and clear the fault record.
#include <cstdint>

#include "gtest/gtest.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

using DriverTest = UnitTest;

TEST_F(DriverTest, EndToEndTranslateFaultAndClear_Sec11_4_Sec7_2_1) {
  CreateUnit();
  SetRoot(kSid.bus(), kContextTable | 1);
  SetContext(/*did=*/5);
  Map(0x40000000, 0x7654000);

  unit_->WriteRegister64(kRtaddrOffset, kRootTable);
  GlobalCommand(1u << 30, true);  // SRTP
  EXPECT_NE(Gsts() & (1u << 30), 0u);
  const uint64_t ccmd = GlobalContextInvalidate();
  EXPECT_EQ(Ccmd::kCaig.Get(ccmd), 1u);  // performed globally
  const uint64_t iotlb = GlobalIotlbInvalidate();
  EXPECT_EQ(IotlbReg::kIaig.Get(iotlb), 1u);
  GlobalCommand(1u << 31, true);  // TE
  EXPECT_NE(Gsts() & (1u << 31), 0u);

  // Unmask fault events with a message address and data.
  unit_->WriteRegister32(kFedataOffset, 0x41);
  unit_->WriteRegister32(kFeaddrOffset, 0xfee00000);
  unit_->WriteRegister32(kFectlOffset, 0);

  DmaOutcome ok = unit_->Dma(Req(0x40000123));
  ASSERT_TRUE(ok.result.ok());
  EXPECT_EQ(ok.result.translation->hpa, 0x7654123u);
  EXPECT_FALSE(ok.blocked);

  // A write to a page whose leaf is not present (R=W=0): LGN.2 (05h) for a write.
  DmaOutcome bad = unit_->Dma(Req(0x40001000, AccessKind::kWrite));
  ASSERT_TRUE(bad.result.fault.has_value());
  EXPECT_EQ(bad.result.fault->reason, FaultReason::kWriteNotPermitted);
  EXPECT_TRUE(bad.blocked);
  EXPECT_EQ(bad.blocked_by, "fault");
  EXPECT_TRUE(bad.recorded);
  ASSERT_TRUE(bad.interrupt_message.has_value());
  EXPECT_TRUE(bad.interrupt_message->sent);
  EXPECT_EQ(bad.interrupt_message->address, 0xfee00000u);
  EXPECT_EQ(bad.interrupt_message->data, 0x41u);

  const uint32_t fsts = Fsts();
  EXPECT_EQ(fsts & 2u, 2u);           // PPF
  EXPECT_EQ((fsts >> 8) & 0xff, 0u);  // FRI = 0
  const FaultRecord rec = ReadFrcd(0);
  EXPECT_TRUE(rec.fault);
  EXPECT_EQ(rec.reason, 0x05);
  EXPECT_EQ(rec.source_id, kSid.value());
  EXPECT_EQ(rec.fault_info, 0x40001000u);
  EXPECT_FALSE(rec.t1);  // write: T1 T2 = 00
  EXPECT_FALSE(rec.t2);

  ClearFrcd(0);
  EXPECT_FALSE(ReadFrcd(0).fault);
  EXPECT_EQ(Fsts() & 2u, 0u);  // PPF follows the F bits
  EXPECT_TRUE(unit_->TakeDiagnostics().empty());
}

TEST_F(DriverTest, R630ConfigurationCreatesAndTranslates_Sec11_4_2) {
  config_.cap = kR630Cap;
  config_.ecap = kR630Ecap;
  config_.version = kR630Version;
  CreateUnit();
  SetContext();
  Map(0x1000, 0x5000);
  Enable();
  DmaOutcome out = unit_->Dma(Req(0x1008));
  ASSERT_TRUE(out.result.ok()) << (out.result.fault ? out.result.fault->ToString() : "");
  EXPECT_EQ(out.result.translation->hpa, 0x5008u);
}

}  // namespace
}  // namespace vtd
