// The interrupt-remapping flow (S §5.1.4) and posting (S §5.2.3): remapped results in xAPIC
// and x2APIC modes, compatibility pass-through, every Table 15 fault reason (20h-2Bh) with
// its FPD qualification and FRCD index, and the posted-interrupt descriptor update.
#include "model/interrupt/interrupt_remapping.h"

#include <array>
#include <cstdint>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vtd {
namespace {

constexpr uint64_t kTable = 0x100000;
constexpr uint64_t kPid = 0x200040;
const SourceId kDevice = SourceId::FromBdf(0, 3, 0);

class RemapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory_ = HostMemory::Create(1 << 24).value();
    state_.enabled = true;
    state_.compatibility_allowed = false;
    state_.table = InterruptRemapTableAddress{kTable, false, 7};  // 256 entries
    state_.posted_supported = true;
    state_.host_address_width = 39;
  }
  void PutIrte(uint32_t index, const std::array<uint64_t, 2>& w) {
    ASSERT_TRUE(memory_->Write64(kTable + 16 * index, w[0]).ok());
    ASSERT_TRUE(memory_->Write64(kTable + 16 * index + 8, w[1]).ok());
  }
  void PutRemapped(uint32_t index, uint8_t vector, uint32_t apic_id, bool fpd = false) {
    RemappedIrte e;
    e.present = true;
    e.fpd = fpd;
    e.vector = vector;
    e.destination = RemappedIrte::DestinationField(apic_id, state_.table.extended_mode);
    e.source = SourceValidation{kDevice.value(), 0, 1};
    PutIrte(index, e.Encode().value());
  }
  void PutPosted(uint32_t index, uint8_t vv, bool urgent = false, bool fpd = false) {
    PostedIrte e;
    e.present = true;
    e.fpd = fpd;
    e.urgent = urgent;
    e.virtual_vector = vv;
    e.descriptor_address = kPid;
    e.source = SourceValidation{kDevice.value(), 0, 1};
    PutIrte(index, e.Encode().value());
  }
  void PutPid(const PostedInterruptDescriptor& d) {
    std::array<uint64_t, 8> w = d.Encode();
    for (int i = 0; i < 8; ++i) ASSERT_TRUE(memory_->Write64(kPid + 8 * i, w[i]).ok());
  }
  PostedInterruptDescriptor ReadPid() {
    std::array<uint64_t, 8> w;
    for (int i = 0; i < 8; ++i) w[i] = memory_->Read64(kPid + 8 * i).value();
    return PostedInterruptDescriptor::Decode(w).value();
  }
  static InterruptRequest Msi(uint32_t index, SourceId sid = kDevice) {
    RemappableInterrupt r;
    r.handle = static_cast<uint16_t>(index);
    auto [address, data] = r.Encode();
    return InterruptRequest{sid, 0, address, data};
  }
  FaultOr<InterruptResult> Remap(const InterruptRequest& request) {
    return RemapInterrupt(state_, *memory_, request);
  }
  Fault FaultOf(const InterruptRequest& request) {
    FaultOr<InterruptResult> r = Remap(request);
    EXPECT_FALSE(r.ok()) << "remapped: " << r->ToString();
    return r.ok() ? Fault{} : r.fault();
  }

  std::unique_ptr<HostMemory> memory_;
  InterruptRemappingState state_;
};

// ---- S §5.1.4 remapping --------------------------------------------------------------------

TEST_F(RemapTest, RemapsThroughTheIrteInXapicMode) {
  RemappedIrte e;
  e.present = true;
  e.vector = 0x45;
  e.destination = RemappedIrte::DestinationField(0x07, false);
  e.delivery_mode = 1;
  e.logical_destination = true;
  e.redirection_hint = true;
  e.level_triggered = true;
  PutIrte(10, e.Encode().value());
  FaultOr<InterruptResult> r = Remap(Msi(10));
  ASSERT_TRUE(r.ok()) << r.fault().ToString();
  EXPECT_EQ(r->disposition, InterruptDisposition::kRemapped);
  EXPECT_EQ(r->index, 10u);
  EXPECT_EQ(r->message, (InterruptMessage{0x45, 0x07, false, 1, true, true, true}));
  ASSERT_TRUE(r->irte.has_value());
  EXPECT_EQ(r->irte->address, kTable + 160);
  EXPECT_EQ(r->ToString(), "remapped index 0xa vector 0x45 dest 0x7 dlm 1 logical level rh");
}

TEST_F(RemapTest, X2apicDestinationIs32Bits) {
  state_.table.extended_mode = true;
  PutRemapped(3, 0x30, 0x12345);
  FaultOr<InterruptResult> r = Remap(Msi(3));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->message.destination, 0x12345u);
  EXPECT_TRUE(r->message.x2apic);
}

TEST_F(RemapTest, SubhandleSelectsTheEntry) {
  PutRemapped(12, 0x50, 1);
  RemappableInterrupt msi{8, true, 4};  // Linux multi-MSI: handle = base, data = sub-handle
  auto [address, data] = msi.Encode();
  FaultOr<InterruptResult> r = Remap(InterruptRequest{kDevice, 0, address, data});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->index, 12u);
  EXPECT_EQ(r->message.vector, 0x50);
}

TEST_F(RemapTest, IoapicRequestUsesTheRteIndex) {
  PutRemapped(0x20, 0x61, 2);
  IoapicRemappableRte rte;
  rte.index = 0x20;
  rte.vector = 9;  // Linux puts the pin here; the IRTE's vector is what is delivered
  auto [address, data] = rte.ToRequest();
  FaultOr<InterruptResult> r = Remap(InterruptRequest{kDevice, 0, address, data});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->message.vector, 0x61);
}

TEST_F(RemapTest, IrteReadIsOneObservedSixteenByteRead) {
  struct Observer : MemoryObserver {
    void OnRead(uint64_t a, int s, MemoryAccessTag t) override {
      address = a;
      size = s;
      kind = t.kind;
      ++reads;
    }
    void OnWrite(uint64_t, int, MemoryAccessTag) override {}
    uint64_t address = 0;
    int size = 0;
    int reads = 0;
    MemoryAccessKind kind = MemoryAccessKind::kOther;
  } observer;
  PutRemapped(1, 0x40, 0);
  memory_->set_observer(&observer);
  ASSERT_TRUE(Remap(Msi(1)).ok());
  memory_->set_observer(nullptr);
  EXPECT_EQ(observer.reads, 1);
  EXPECT_EQ(observer.address, kTable + 16);
  EXPECT_EQ(observer.size, 16);
  EXPECT_EQ(observer.kind, MemoryAccessKind::kIrte);
}

// ---- Compatibility format ------------------------------------------------------------------

TEST_F(RemapTest, CompatibilityPassedThroughWhenCfiAllows) {
  state_.compatibility_allowed = true;
  CompatibilityInterrupt c;
  c.destination = 2;
  c.vector = 0x33;
  auto [address, data] = c.Encode().value();
  FaultOr<InterruptResult> r = Remap(InterruptRequest{kDevice, 0, address, data});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->disposition, InterruptDisposition::kPassedThrough);
  EXPECT_EQ(r->message.vector, 0x33);
  EXPECT_EQ(r->message.destination, 2u);
  EXPECT_FALSE(r->index.has_value());
}

TEST_F(RemapTest, EverythingPassesThroughWhileRemappingIsOff) {
  state_.enabled = false;
  FaultOr<InterruptResult> r = Remap(InterruptRequest{kDevice, 0, 0xFEE01000, 0x4021});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->disposition, InterruptDisposition::kPassedThrough);
  EXPECT_EQ(r->message.destination, 1u);
  EXPECT_EQ(r->message.vector, 0x21);
}

// ---- S §5.1.4.1 Table 15: every interrupt-remapping fault reason ----------------------------

TEST_F(RemapTest, Fault20hReservedFieldInTheRequest) {
  PutRemapped(1, 0x40, 0);
  RemappableInterrupt msi{1, true, 0};
  auto [address, data] = msi.Encode();
  Fault f = FaultOf(InterruptRequest{kDevice, 0, address, data | 0x10000});
  EXPECT_EQ(f.reason, FaultReason::kIrRequestReserved);
  EXPECT_EQ(f.address, 0u);  // FI undefined for 20h
  EXPECT_TRUE(f.Reportable());
  EXPECT_EQ(FaultOf(InterruptRequest{kDevice, 0, address | (1ull << 32), data}).reason,
            FaultReason::kIrRequestReserved);
}

TEST_F(RemapTest, Fault21hIndexBeyondTheTable) {
  Fault f = FaultOf(Msi(256));  // S = 7: 256 entries
  EXPECT_EQ(f.reason, FaultReason::kIrIndexOverflow);
  EXPECT_EQ(f.address, 256ull << 48);  // FI[63:48] = interrupt_index
  EXPECT_EQ(f.source_id, kDevice);
  // Entry above HAW.
  state_.table = InterruptRemapTableAddress{(1ull << 39) - 4096, false, 15};
  EXPECT_EQ(FaultOf(Msi(256)).reason, FaultReason::kIrIndexOverflow);
}

TEST_F(RemapTest, Fault22hNotPresentQualifiedByFpd) {
  PutIrte(4, {0x0, 0});
  Fault f = FaultOf(Msi(4));
  EXPECT_EQ(f.reason, FaultReason::kIrteNotPresent);
  EXPECT_TRUE(f.qualified);
  EXPECT_TRUE(f.Reportable());
  PutIrte(4, {0x2, 0});  // P=0, FPD=1: FPD is evaluated even when P=0
  f = FaultOf(Msi(4));
  EXPECT_EQ(f.reason, FaultReason::kIrteNotPresent);
  EXPECT_FALSE(f.Reportable());
}

TEST_F(RemapTest, Fault23hTableAccessError) {
  state_.table = InterruptRemapTableAddress{0x40000000, false, 7};  // beyond 16 MiB memory
  Fault f = FaultOf(Msi(0));
  EXPECT_EQ(f.reason, FaultReason::kIrTableAccessError);
  EXPECT_FALSE(f.qualified);
}

TEST_F(RemapTest, Fault24hReservedFieldInThePresentIrte) {
  PutIrte(5, {0x1 | (1ull << 12), 0});
  Fault f = FaultOf(Msi(5));
  EXPECT_EQ(f.reason, FaultReason::kIrteReserved);
  EXPECT_EQ(f.address, 5ull << 48);
  PutIrte(5, {0x3 | (1ull << 12), 0});  // FPD=1
  EXPECT_FALSE(FaultOf(Msi(5)).Reportable());
  // xAPIC destination bits outside 47:40.
  PutIrte(5, {0x1 | (1ull << 33), 0});
  EXPECT_EQ(FaultOf(Msi(5)).reason, FaultReason::kIrteReserved);
  // Posted format without CAP.PI: IM is reserved.
  state_.posted_supported = false;
  PutPosted(6, 0x20);
  EXPECT_EQ(FaultOf(Msi(6)).reason, FaultReason::kIrteReserved);
}

TEST_F(RemapTest, Fault25hCompatibilityBlocked) {
  Fault f = FaultOf(InterruptRequest{kDevice, 0, 0xFEE00000, 0x30});  // CFIS = 0
  EXPECT_EQ(f.reason, FaultReason::kIrCompatibilityBlocked);
  EXPECT_FALSE(f.qualified);
  // EIME = 1 blocks compatibility interrupts even with CFIS = 1.
  state_.compatibility_allowed = true;
  state_.table.extended_mode = true;
  EXPECT_EQ(FaultOf(InterruptRequest{kDevice, 0, 0xFEE00000, 0x30}).reason,
            FaultReason::kIrCompatibilityBlocked);
}

TEST_F(RemapTest, Fault26hSourceIdCheck) {
  PutRemapped(7, 0x40, 0);
  Fault f = FaultOf(Msi(7, SourceId::FromBdf(0, 4, 0)));
  EXPECT_EQ(f.reason, FaultReason::kIrSourceIdCheckFailed);
  EXPECT_EQ(f.source_id, SourceId::FromBdf(0, 4, 0));
  EXPECT_TRUE(f.qualified);
  PutRemapped(7, 0x40, 0, /*fpd=*/true);
  EXPECT_FALSE(FaultOf(Msi(7, SourceId::FromBdf(0, 4, 0))).Reportable());
  // Order (S §5.1.4): the source-id check comes before reserved fields.
  RemappedIrte e;
  e.present = true;
  e.source = SourceValidation{kDevice.value(), 0, 1};
  std::array<uint64_t, 2> w = e.Encode().value();
  w[0] |= 1ull << 13;
  PutIrte(8, w);
  EXPECT_EQ(FaultOf(Msi(8, SourceId::FromBdf(1, 0, 0))).reason,
            FaultReason::kIrSourceIdCheckFailed);
  EXPECT_EQ(FaultOf(Msi(8)).reason, FaultReason::kIrteReserved);
}

TEST_F(RemapTest, Fault27hPostedDescriptorAccessError) {
  PostedIrte e;
  e.present = true;
  e.virtual_vector = 0x20;
  e.descriptor_address = 0x40000000;  // beyond memory, below HAW
  PutIrte(9, e.Encode().value());
  Fault f = FaultOf(Msi(9));
  EXPECT_EQ(f.reason, FaultReason::kPostedDescriptorAccessError);
  EXPECT_TRUE(f.qualified);
  e.fpd = true;
  PutIrte(9, e.Encode().value());
  EXPECT_FALSE(FaultOf(Msi(9)).Reportable());
}

TEST_F(RemapTest, Fault28hReservedFieldInThePostedDescriptor) {
  PutPosted(10, 0x20);
  ASSERT_TRUE(memory_->Write64(kPid + 40, 1).ok());  // bits 383:320
  Fault f = FaultOf(Msi(10));
  EXPECT_EQ(f.reason, FaultReason::kPostedDescriptorReserved);
  EXPECT_EQ(f.address, 10ull << 48);
  EXPECT_EQ(ReadPid().pir[0], 0u);  // nothing posted
}

TEST_F(RemapTest, Fault29hNotAValidInterrupt) {
  InterruptRequest read = Msi(0);
  read.is_write = false;
  EXPECT_EQ(FaultOf(read).reason, FaultReason::kIrInvalidInterruptRangeRequest);
  InterruptRequest wide = Msi(0);
  wide.size = 8;
  EXPECT_EQ(FaultOf(wide).reason, FaultReason::kIrInvalidInterruptRangeRequest);
  EXPECT_EQ(FaultOf(InterruptRequest{kDevice, 0, 0xFED00000, 0}).reason,
            FaultReason::kIrInvalidInterruptRangeRequest);
}

TEST_F(RemapTest, Fault2AhEimeClearWithEimer) {
  state_.x2apic_required = true;
  PutRemapped(1, 0x40, 0);
  EXPECT_EQ(FaultOf(Msi(1)).reason, FaultReason::kIrEimeClearWithEimer);
  state_.table.extended_mode = true;
  EXPECT_TRUE(Remap(Msi(1)).ok());
}

TEST_F(RemapTest, Fault2BhRequestWhileDisabled) {
  state_.enabled = false;
  state_.block_when_disabled = true;
  Fault f = FaultOf(Msi(1));
  EXPECT_EQ(f.reason, FaultReason::kIrRequestWhileDisabled);
  EXPECT_FALSE(f.qualified);
}

// ---- S §5.2.3 posting ----------------------------------------------------------------------

TEST_F(RemapTest, PostingSetsPirAndOnAndNotifies) {
  PutPosted(11, 0x81);
  PostedInterruptDescriptor pid;
  pid.notification_vector = 0xF2;
  pid.notification_destination = 0x0500;  // xAPIC: APIC ID 5 at bits 303:296
  PutPid(pid);
  FaultOr<InterruptResult> r = Remap(Msi(11));
  ASSERT_TRUE(r.ok()) << r.fault().ToString();
  EXPECT_EQ(r->disposition, InterruptDisposition::kPosted);
  ASSERT_TRUE(r->posted.has_value());
  EXPECT_EQ(r->posted->target, (PostingTarget{kPid, 0x81, false}));
  ASSERT_TRUE(r->posted->notification.has_value());
  EXPECT_EQ(*r->posted->notification, (InterruptMessage{0xF2, 5, false, 0, false, false, false}));
  PostedInterruptDescriptor after = ReadPid();
  EXPECT_TRUE(after.PirBit(0x81));
  EXPECT_TRUE(after.outstanding);
  EXPECT_EQ(r->ToString(), "posted index 0xb pda 0x200040 vector 0x81 notify vector 0xf2 dest 0x5");
}

TEST_F(RemapTest, NoNotificationWhileOutstanding) {
  PutPosted(11, 0x22);
  PostedInterruptDescriptor pid;
  pid.outstanding = true;
  pid.pir[0] = 1ull << 0x22;
  PutPid(pid);
  FaultOr<InterruptResult> r = Remap(Msi(11));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->posted->notification.has_value());
  EXPECT_TRUE(r->posted->was_pending);
  EXPECT_TRUE(r->posted->outstanding_before);
}

TEST_F(RemapTest, SuppressNotificationUnlessUrgent) {
  PutPosted(11, 0x23);
  PostedInterruptDescriptor pid;
  pid.suppress = true;
  PutPid(pid);
  FaultOr<InterruptResult> r = Remap(Msi(11));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->posted->notification.has_value());
  EXPECT_TRUE(r->posted->suppressed);
  EXPECT_TRUE(ReadPid().PirBit(0x23));
  EXPECT_FALSE(ReadPid().outstanding);  // ON stays clear: nothing was notified
  // URG = 1 overrides SN.
  PutPosted(12, 0x24, /*urgent=*/true);
  r = Remap(Msi(12));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->posted->notification.has_value());
  EXPECT_TRUE(ReadPid().outstanding);
}

TEST_F(RemapTest, X2apicNotificationDestination) {
  state_.table.extended_mode = true;
  PutPosted(11, 0x30);
  PostedInterruptDescriptor pid;
  pid.notification_vector = 0xF1;
  pid.notification_destination = 0xABCDE;
  PutPid(pid);
  FaultOr<InterruptResult> r = Remap(Msi(11));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->posted->notification->destination, 0xABCDEu);
  EXPECT_TRUE(r->posted->notification->x2apic);
}

TEST_F(RemapTest, StagesComposeLikeRemapInterrupt) {
  PutRemapped(2, 0x66, 3);
  FaultOr<InterruptRoute> route = RouteInterrupt(state_, Msi(2));
  ASSERT_TRUE(route.ok());
  EXPECT_FALSE(route->pass_through);
  EXPECT_EQ(route->index, 2u);
  FaultOr<IrteFetch> fetch = FetchIrte(state_, *memory_, Msi(2), route->index);
  ASSERT_TRUE(fetch.ok());
  FaultOr<IrteResolution> resolved = ResolveIrte(state_, Msi(2), 2, fetch->words);
  ASSERT_TRUE(resolved.ok());
  EXPECT_EQ(resolved->message.vector, 0x66);
  EXPECT_EQ(resolved->message.destination, 3u);
}

TEST(InterruptFaultTest, IndexOnlyForReasonsThatCarryIt) {
  InterruptRequest request{SourceId(0x18), 0, 0xFEE00010, 0};
  EXPECT_EQ(MakeInterruptFault(FaultReason::kIrteNotPresent, request, 0x1234, false).address,
            0x1234ull << 48);
  for (FaultReason r : {FaultReason::kIrRequestReserved, FaultReason::kIrCompatibilityBlocked,
                        FaultReason::kIrInvalidInterruptRangeRequest,
                        FaultReason::kIrEimeClearWithEimer, FaultReason::kIrRequestWhileDisabled}) {
    EXPECT_EQ(MakeInterruptFault(r, request, 0x1234, false).address, 0u);
  }
  Fault f = MakeInterruptFault(FaultReason::kIrSourceIdCheckFailed, request, 1, true);
  EXPECT_EQ(f.response, FaultResponse::kUnsupportedRequest);
  EXPECT_EQ(f.access, AccessKind::kWrite);
}

}  // namespace
}  // namespace vtd
