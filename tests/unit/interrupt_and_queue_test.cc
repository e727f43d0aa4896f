// Interrupt remapping (S §5.1.4, §5.2.3) and queued invalidation (S §6.5.2) through the
// unit's registers: the sequence a Linux-style driver uses to enable QI and IR and remap an
// MSI, the interrupt entry cache (stale entries, iec_inv_dsc, the invalidation checker),
// IR faults in the fault-recording registers, queue errors raising the fault event, and
// register-based invalidation disabled while QI is on.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/invalidation/descriptors.h"
#include "model/regs/cap_ecap.h"
#include "model/unit/remapping_unit.h"

namespace vtd {
namespace {

using ::testing::IsEmpty;
using ::testing::SizeIs;

constexpr uint32_t kGcmd = 0x18;
constexpr uint32_t kGsts = 0x1C;
constexpr uint32_t kCcmd = 0x28;
constexpr uint32_t kFsts = 0x34;
constexpr uint32_t kFectl = 0x38;
constexpr uint32_t kIqh = 0x80;
constexpr uint32_t kIqt = 0x88;
constexpr uint32_t kIqa = 0x90;
constexpr uint32_t kIcs = 0x9C;
constexpr uint32_t kIectl = 0xA0;
constexpr uint32_t kIqercd = 0xB0;
constexpr uint32_t kIrta = 0xB8;
constexpr uint32_t kQie = 1u << 26;
constexpr uint32_t kIre = 1u << 25;
constexpr uint32_t kSirtp = 1u << 24;
constexpr uint32_t kCfi = 1u << 23;

constexpr uint64_t kQueue = 0x100000;       // Linux: one page of 256 128-bit descriptors
constexpr uint64_t kWaitStatus = 0x101000;  // qi->desc_status
constexpr uint64_t kIrTable = 0x200000;     // 65536 entries, 1 MiB
constexpr uint32_t kQiDone = 1;             // Linux QI_DONE
const SourceId kNic = SourceId::FromBdf(0x3, 0x0, 0x0);

class RecordingObserver : public UnitObserver {
 public:
  void OnInterruptMessage(const InterruptMessageEvent& e) override { messages.push_back(e); }
  void OnStaleEntry(const StaleEntryReport& r) override { stale.push_back(r); }
  void OnInvalidation(const InvalidationEvent& e) override { invalidations.push_back(e); }
  std::vector<InterruptMessageEvent> messages;
  std::vector<StaleEntryReport> stale;
  std::vector<InvalidationEvent> invalidations;
};

class InterruptUnitTest : public ::testing::Test {
 protected:
  void Create(bool check_invalidation = false, uint64_t cap = kR630Cap, uint64_t ecap = kR630Ecap) {
    memory_ = HostMemory::Create(uint64_t{1} << 30).value();
    UnitConfig config;
    config.cap = cap;
    config.ecap = ecap;
    config.host_address_width = 46;
    config.check_invalidation = check_invalidation;
    auto unit = RemappingUnit::Create(config, memory_.get());
    ASSERT_TRUE(unit.ok()) << unit.status();
    unit_ = *std::move(unit);
    unit_->AddObserver(&observer_);
  }
  void SetUp() override { Create(); }

  // Linux's protocol for one GCMD bit (iommu->gcmd shadow, then poll GSTS).
  void Gcmd(uint32_t bit, bool set) {
    shadow_ = set ? (shadow_ | bit) : (shadow_ & ~bit);
    unit_->WriteRegister32(kGcmd, shadow_ | (set ? bit : 0));
    const uint32_t status = unit_->ReadRegister32(kGsts);
    EXPECT_EQ((status & bit) != 0, set) << "GSTS " << std::hex << status;
  }
  void OneShot(uint32_t bit) {
    unit_->WriteRegister32(kGcmd, shadow_ | bit);
    EXPECT_NE(unit_->ReadRegister32(kGsts) & bit, 0u);  // IRTPS/RTPS
  }

  // dmar_enable_qi(): IQT = 0, IQA = queue | QS 0, QIE, wait for QIES.
  void EnableQueuedInvalidation() {
    unit_->WriteRegister64(kIqt, 0);
    unit_->WriteRegister64(kIqa, kQueue);
    Gcmd(kQie, true);
    tail_ = 0;
  }
  // qi_submit_sync(): the descriptors, then a wait with a status write of QI_DONE, then IQT.
  void Submit(const std::vector<InvalidationDescriptor>& descriptors) {
    ASSERT_TRUE(memory_->Write(kWaitStatus, 4, 0).ok());
    for (const InvalidationDescriptor& d : descriptors) Put(d);
    InvalidationWaitDescriptor wait;
    wait.status_write = true;
    wait.status_data = kQiDone;
    wait.status_address = kWaitStatus;
    Put(wait);
    unit_->WriteRegister64(kIqt, tail_);
  }
  bool WaitDone() { return memory_->Read(kWaitStatus, 4).value() == kQiDone; }
  void Put(const InvalidationDescriptor& d) {
    std::vector<uint64_t> w = EncodeDescriptor(d).value();
    ASSERT_TRUE(memory_->Write64(kQueue + tail_, w[0]).ok());
    ASSERT_TRUE(memory_->Write64(kQueue + tail_ + 8, w[1]).ok());
    tail_ = (tail_ + 16) % 4096;
  }

  // intel_setup_irq_remapping() + iommu_set_irq_remapping() + intel_enable_irq_remapping().
  void EnableInterruptRemapping(bool x2apic) {
    unit_->WriteRegister64(kIrta, kIrTable | (x2apic ? 1u << 11 : 0) | 0xF);
    OneShot(kSirtp);
    Submit({InterruptEntryCacheInvalidateDescriptor{}});  // qi_global_iec()
    EXPECT_TRUE(WaitDone());
    Gcmd(kIre, true);
  }

  // modify_irte(): write the IRTE, then qi_flush_iec(index, 0).
  void ProgramMsiIrte(uint32_t index, uint8_t vector, uint32_t apic_id, bool x2apic) {
    WriteIrte(index, vector, apic_id, x2apic);
    Submit({InterruptEntryCacheInvalidateDescriptor{true, 0, static_cast<uint16_t>(index)}});
    EXPECT_TRUE(WaitDone());
  }
  void WriteIrte(uint32_t index, uint8_t vector, uint32_t apic_id, bool x2apic) {
    RemappedIrte e;  // prepare_irte() + set_msi_sid()
    e.present = true;
    e.redirection_hint = true;
    e.vector = vector;
    e.destination = RemappedIrte::DestinationField(apic_id, x2apic);
    e.source = SourceValidation{kNic.value(), 0, 1};
    std::array<uint64_t, 2> w = e.Encode().value();
    ASSERT_TRUE(memory_->Write64(kIrTable + 16 * index, w[0]).ok());
    ASSERT_TRUE(memory_->Write64(kIrTable + 16 * index + 8, w[1]).ok());
  }
  // The MSI Linux programs: remappable, SHV=1, handle = index, data = sub-handle 0.
  static InterruptRequest Msi(uint32_t index, SourceId sid = kNic, uint32_t data = 0) {
    RemappableInterrupt r{static_cast<uint16_t>(index), true, 0};
    return InterruptRequest{sid, 0, r.Encode().first, data};
  }

  std::unique_ptr<HostMemory> memory_;
  std::unique_ptr<RemappingUnit> unit_;
  RecordingObserver observer_;
  uint32_t shadow_ = 0;
  uint64_t tail_ = 0;
};

// ---- The Linux driver sequence ------------------------------------------------------------

TEST_F(InterruptUnitTest, LinuxEnablesQiAndIrThenRemapsAnMsi) {
  EnableQueuedInvalidation();
  EXPECT_EQ(unit_->ReadRegister32(kGsts), kQie);
  EnableInterruptRemapping(/*x2apic=*/true);
  EXPECT_EQ(unit_->ReadRegister32(kGsts), kQie | kIre | kSirtp);
  ProgramMsiIrte(0x21, 0x41, 0x10002, true);
  InterruptOutcome out = unit_->Interrupt(Msi(0x21));
  ASSERT_TRUE(out.result.has_value()) << out.ToString();
  EXPECT_EQ(out.result->disposition, InterruptDisposition::kRemapped);
  EXPECT_EQ(out.result->message.vector, 0x41);
  EXPECT_EQ(out.result->message.destination, 0x10002u);
  EXPECT_TRUE(out.result->message.x2apic);
  EXPECT_TRUE(out.result->message.redirection_hint);
  EXPECT_FALSE(out.blocked);
  // The queue: global IEC + wait, index IEC + wait; head caught up with the tail.
  EXPECT_EQ(unit_->queue_descriptors_processed(), 4u);
  EXPECT_EQ(unit_->ReadRegister64(kIqh), unit_->ReadRegister64(kIqt));
  EXPECT_EQ(unit_->ReadRegister32(kFsts), 0u);
}

TEST_F(InterruptUnitTest, XapicModeAndCompatibilityFormat) {
  EnableQueuedInvalidation();
  EnableInterruptRemapping(/*x2apic=*/false);
  ProgramMsiIrte(3, 0x30, 0x2, false);
  InterruptOutcome out = unit_->Interrupt(Msi(3));
  ASSERT_TRUE(out.result.has_value()) << out.ToString();
  EXPECT_EQ(out.result->message.destination, 2u);
  // Compatibility format: blocked (25h) while CFIS=0, passed through after GCMD.CFI.
  InterruptOutcome blocked = unit_->Interrupt(InterruptRequest{kNic, 0, 0xFEE01000, 0x31});
  ASSERT_TRUE(blocked.fault.has_value());
  EXPECT_EQ(blocked.fault->reason, FaultReason::kIrCompatibilityBlocked);
  EXPECT_TRUE(blocked.recorded);
  Gcmd(kCfi, true);
  InterruptOutcome passed = unit_->Interrupt(InterruptRequest{kNic, 0, 0xFEE01000, 0x31});
  ASSERT_TRUE(passed.result.has_value());
  EXPECT_EQ(passed.result->disposition, InterruptDisposition::kPassedThrough);
  EXPECT_EQ(passed.result->message.destination, 1u);
}

TEST_F(InterruptUnitTest, BeforeIreEverythingPassesThrough) {
  InterruptOutcome out = unit_->Interrupt(Msi(5));
  ASSERT_TRUE(out.result.has_value());
  EXPECT_EQ(out.result->disposition, InterruptDisposition::kPassedThrough);
}

// ---- Interrupt entry cache -----------------------------------------------------------------

TEST_F(InterruptUnitTest, StaleIrteUntilIecInvalidation) {
  Create(/*check_invalidation=*/true);
  EnableQueuedInvalidation();
  EnableInterruptRemapping(true);
  ProgramMsiIrte(7, 0x50, 1, true);
  EXPECT_FALSE(unit_->Interrupt(Msi(7)).cache_hit);
  InterruptOutcome hit = unit_->Interrupt(Msi(7));
  EXPECT_TRUE(hit.cache_hit);
  EXPECT_THAT(hit.stale, IsEmpty());
  // Software edits the IRTE and forgets the invalidation: hardware keeps the old vector.
  WriteIrte(7, 0x51, 1, true);
  InterruptOutcome stale = unit_->Interrupt(Msi(7));
  EXPECT_EQ(stale.result->message.vector, 0x50);
  ASSERT_THAT(stale.stale, SizeIs(1));
  EXPECT_EQ(stale.stale[0].cache, CacheKind::kInterruptEntry);
  EXPECT_EQ(stale.stale[0].entry_address, kIrTable + 7 * 16);
  EXPECT_THAT(observer_.stale, SizeIs(1));
  // iec_inv_dsc, index-selective: the new vector.
  Submit({InterruptEntryCacheInvalidateDescriptor{true, 0, 7}});
  InterruptOutcome fresh = unit_->Interrupt(Msi(7));
  EXPECT_FALSE(fresh.cache_hit);
  EXPECT_EQ(fresh.result->message.vector, 0x51);
  EXPECT_EQ(unit_->cache_counters(CacheKind::kInterruptEntry).hits, 2u);
}

TEST_F(InterruptUnitTest, IndexMaskInvalidatesAnAlignedBlock) {
  EnableQueuedInvalidation();
  EnableInterruptRemapping(true);
  for (uint32_t i = 8; i < 16; ++i) ProgramMsiIrte(i, static_cast<uint8_t>(0x40 + i), 0, true);
  for (uint32_t i = 8; i < 16; ++i) unit_->Interrupt(Msi(i));
  EXPECT_EQ(unit_->interrupt_entry_cache().size(), 8);
  Submit({InterruptEntryCacheInvalidateDescriptor{true, 2, 13}});  // 12..15
  EXPECT_EQ(unit_->interrupt_entry_cache().size(), 4);
  EXPECT_NE(unit_->interrupt_entry_cache().Probe(11), nullptr);
  EXPECT_EQ(unit_->interrupt_entry_cache().Probe(12), nullptr);
  Submit({InterruptEntryCacheInvalidateDescriptor{}});
  EXPECT_EQ(unit_->interrupt_entry_cache().size(), 0);
}

TEST_F(InterruptUnitTest, FaultingEntriesAreNotCached) {
  EnableQueuedInvalidation();
  EnableInterruptRemapping(true);
  InterruptOutcome out = unit_->Interrupt(Msi(9));  // IRTE 9 is all zero: P=0
  ASSERT_TRUE(out.fault.has_value());
  EXPECT_EQ(out.fault->reason, FaultReason::kIrteNotPresent);
  EXPECT_EQ(unit_->interrupt_entry_cache().Probe(9), nullptr);
}

TEST_F(InterruptUnitTest, CachingModeCachesPresentFaultingEntries) {
  Create(false, kR630Cap | Capability::kCm.mask());
  EnableQueuedInvalidation();
  EnableInterruptRemapping(true);
  ProgramMsiIrte(9, 0x40, 0, true);
  InterruptOutcome out = unit_->Interrupt(Msi(9, SourceId::FromBdf(5, 0, 0)));
  ASSERT_TRUE(out.fault.has_value());
  EXPECT_EQ(out.fault->reason, FaultReason::kIrSourceIdCheckFailed);
  EXPECT_NE(unit_->interrupt_entry_cache().Probe(9), nullptr);  // CM=1 (S §6.1)
}

TEST_F(InterruptUnitTest, SirtpInvalidatesTheCacheOnlyWithEsirtps) {
  EnableQueuedInvalidation();
  EnableInterruptRemapping(true);
  ProgramMsiIrte(7, 0x40, 0, true);
  unit_->Interrupt(Msi(7));
  OneShot(kSirtp);
  EXPECT_NE(unit_->interrupt_entry_cache().Probe(7), nullptr);  // software must invalidate
  Create(false, kR630Cap | Capability::kEsirtps.mask());
  shadow_ = 0;
  EnableQueuedInvalidation();
  EnableInterruptRemapping(true);
  ProgramMsiIrte(7, 0x40, 0, true);
  unit_->Interrupt(Msi(7));
  EXPECT_NE(unit_->interrupt_entry_cache().Probe(7), nullptr);
  OneShot(kSirtp);
  EXPECT_EQ(unit_->interrupt_entry_cache().Probe(7), nullptr);  // S §6.6 with ESIRTPS
  unit_->Interrupt(Msi(7));
  Gcmd(kIre, false);
  EXPECT_EQ(unit_->interrupt_entry_cache().size(), 0);
}

TEST_F(InterruptUnitTest, FaultRecordIndexRestartsOnlyWhenTeAndIreAreBothOff) {
  EnableQueuedInvalidation();
  EnableInterruptRemapping(true);
  InterruptOutcome first = unit_->Interrupt(Msi(9));  // P=0: recorded in FRCD 0
  ASSERT_TRUE(first.recorded);
  EXPECT_EQ(unit_->next_fault_record_index(), 1);
  Gcmd(kIre, false);  // TES is 0 too: the ring index restarts (faults.md §5)
  EXPECT_EQ(unit_->next_fault_record_index(), 0);
}

// ---- Faults recorded through the fault-recording registers --------------------------------

TEST_F(InterruptUnitTest, IrFaultGoesToFrcdWithTheIndex) {
  EnableQueuedInvalidation();
  EnableInterruptRemapping(true);
  ProgramMsiIrte(0x33, 0x40, 0, true);
  InterruptOutcome out = unit_->Interrupt(Msi(0x33, SourceId::FromBdf(4, 0, 0)));
  ASSERT_TRUE(out.fault.has_value());
  EXPECT_EQ(out.fault->reason, FaultReason::kIrSourceIdCheckFailed);
  EXPECT_TRUE(out.blocked);
  EXPECT_TRUE(out.recorded);
  ASSERT_TRUE(out.fault_record.has_value());
  const int n = out.fault_record->frcd_index;
  const uint64_t lo = unit_->ReadRegister64(unit_->registers().OffsetOf(RegId::kFrcdLo, n));
  const uint64_t hi = unit_->ReadRegister64(unit_->registers().OffsetOf(RegId::kFrcdHi, n));
  EXPECT_EQ(lo >> 48, 0x33u);                       // FI[63:48] = interrupt_index
  EXPECT_EQ((hi >> 32) & 0xFF, 0x26u);              // FR
  EXPECT_EQ(hi & 0xFFFF, 0x0400u);                  // SID
  EXPECT_NE(unit_->ReadRegister32(kFsts) & 2, 0u);  // PPF
}

TEST_F(InterruptUnitTest, FpdSuppressesQualifiedIrFaults) {
  EnableQueuedInvalidation();
  EnableInterruptRemapping(true);
  ASSERT_TRUE(memory_->Write64(kIrTable + 16 * 4, 0x2).ok());  // P=0, FPD=1
  InterruptOutcome out = unit_->Interrupt(Msi(4));
  ASSERT_TRUE(out.fault.has_value());
  EXPECT_TRUE(out.blocked);
  EXPECT_FALSE(out.recorded);
  EXPECT_EQ(unit_->ReadRegister32(kFsts), 0u);
}

TEST_F(InterruptUnitTest, PostedInterruptThroughTheUnit) {
  EnableQueuedInvalidation();
  EnableInterruptRemapping(true);
  PostedIrte e;
  e.present = true;
  e.virtual_vector = 0x90;
  e.descriptor_address = 0x300000;
  std::array<uint64_t, 2> w = e.Encode().value();
  ASSERT_TRUE(memory_->Write64(kIrTable + 16 * 2, w[0]).ok());
  ASSERT_TRUE(memory_->Write64(kIrTable + 16 * 2 + 8, w[1]).ok());
  PostedInterruptDescriptor pid;
  pid.notification_vector = 0xF2;
  pid.notification_destination = 6;
  std::array<uint64_t, 8> p = pid.Encode();
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(memory_->Write64(0x300000 + 8 * i, p[i]).ok());
  InterruptOutcome out = unit_->Interrupt(Msi(2));
  ASSERT_TRUE(out.result.has_value()) << out.ToString();
  EXPECT_EQ(out.result->disposition, InterruptDisposition::kPosted);
  ASSERT_TRUE(out.result->posted->notification.has_value());
  EXPECT_EQ(out.result->posted->notification->vector, 0xF2);
  EXPECT_EQ(memory_->Read64(0x300000 + 16).value(), 1ull << (0x90 - 128));  // PIR
}

// ---- Queued invalidation through the registers --------------------------------------------

TEST_F(InterruptUnitTest, QueueErrorRaisesTheFaultEventAndStalls) {
  unit_->WriteRegister32(kFectl, 0);
  EnableQueuedInvalidation();
  ASSERT_TRUE(memory_->Write64(kQueue, 0x6).ok());  // p_iotlb_inv_dsc in legacy mode
  unit_->WriteRegister64(kIqt, 0x10);
  EXPECT_EQ(unit_->ReadRegister32(kFsts), 0x10u);  // IQE
  EXPECT_EQ(unit_->ReadRegister64(kIqercd) & 0xF, 3u);
  EXPECT_EQ(unit_->ReadRegister64(kIqh), 0u);
  ASSERT_FALSE(observer_.messages.empty());
  EXPECT_EQ(observer_.messages.back().source, "fault_event");
  EXPECT_TRUE(observer_.messages.back().sent);
  // Software replaces the descriptor and clears IQE: the queue runs again from IQH.
  InvalidationWaitDescriptor wait;
  wait.status_write = true;
  wait.status_data = 9;
  wait.status_address = kWaitStatus;
  std::vector<uint64_t> words = EncodeDescriptor(wait).value();
  ASSERT_TRUE(memory_->Write64(kQueue, words[0]).ok());
  ASSERT_TRUE(memory_->Write64(kQueue + 8, words[1]).ok());
  unit_->WriteRegister32(kFsts, 0x10);
  EXPECT_EQ(memory_->Read(kWaitStatus, 4).value(), 9u);
  EXPECT_EQ(unit_->ReadRegister64(kIqh), 0x10u);
  EXPECT_EQ(unit_->ReadRegister32(kFsts), 0u);
}

TEST_F(InterruptUnitTest, CompletionEventOnUnmask) {
  EnableQueuedInvalidation();
  InvalidationWaitDescriptor wait;
  wait.interrupt_flag = true;
  Put(wait);
  unit_->WriteRegister64(kIqt, tail_);
  EXPECT_EQ(unit_->ReadRegister32(kIcs), 1u);
  EXPECT_EQ(unit_->ReadRegister32(kIectl), 0xC0000000u);  // masked: IP pending
  observer_.messages.clear();
  unit_->WriteRegister32(kIectl, 0);
  ASSERT_THAT(observer_.messages, SizeIs(1));
  EXPECT_EQ(observer_.messages[0].source, "invalidation_event");
  EXPECT_EQ(unit_->ReadRegister32(kIectl), 0u);
  unit_->WriteRegister32(kIcs, 1);
  EXPECT_EQ(unit_->ReadRegister32(kIcs), 0u);
}

TEST_F(InterruptUnitTest, TailMovesDoNothingWhileQiIsOff) {
  unit_->WriteRegister64(kIqa, kQueue);
  Put(InvalidationWaitDescriptor{false, true, false, false, 5, kWaitStatus});
  unit_->WriteRegister64(kIqt, 0x10);
  EXPECT_EQ(memory_->Read(kWaitStatus, 4).value(), 0u);
  EXPECT_EQ(unit_->ReadRegister64(kIqh), 0u);
  // Enabling fetches what is already there.
  Gcmd(kQie, true);
  EXPECT_EQ(memory_->Read(kWaitStatus, 4).value(), 5u);
  // Disabling resets the head (S §6.5.2).
  Gcmd(kQie, false);
  EXPECT_EQ(unit_->ReadRegister64(kIqh), 0u);
}

TEST_F(InterruptUnitTest, RegisterBasedInvalidationIsDisabledWhileQiIsOn) {
  EnableQueuedInvalidation();
  // CCMD global invalidation: ICC=1, CIRG=01b. With QIES=1 it is not performed (CAIG=00b).
  unit_->WriteRegister64(kCcmd, (1ull << 63) | (1ull << 61));
  const uint64_t ccmd = unit_->ReadRegister64(kCcmd);
  EXPECT_EQ((ccmd >> 63) & 1, 0u);  // completed
  EXPECT_EQ((ccmd >> 59) & 3, 0u);  // CAIG: not performed
  Gcmd(kQie, false);
  unit_->WriteRegister64(kCcmd, (1ull << 63) | (1ull << 61));
  EXPECT_EQ((unit_->ReadRegister64(kCcmd) >> 59) & 3, 1u);  // global performed
}

TEST_F(InterruptUnitTest, DeviceTlbTimeoutThroughTheUnit) {
  unit_->set_device_tlb_responder(
      [](const DeviceTlbInvalidation&) { return DeviceTlbResponse::kTimeout; });
  EnableQueuedInvalidation();
  Submit({DeviceTlbInvalidateDescriptor{0, 0, kNic.value(), false, 0x1000}});
  EXPECT_FALSE(WaitDone());                        // the wait was aborted
  EXPECT_EQ(unit_->ReadRegister32(kFsts), 0x40u);  // ITE
  EXPECT_EQ((unit_->ReadRegister64(kIqercd) >> 32) & 0xFFFF, kNic.value());
  EXPECT_THAT(unit_->last_queue_run().errors, SizeIs(1));
}

}  // namespace
}  // namespace vtd
