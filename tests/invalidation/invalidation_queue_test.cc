// The queued-invalidation engine (S §6.5.2): processing from IQH to IQT, every descriptor
// type reaching the caches, wait descriptors (status write, IWC, completion event), and the
// errors of S §6.5.2.11 (IQE with each IQEI code, ITE, ICE) with the queue stalled until
// software clears them.
#include "model/invalidation/invalidation_queue.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/regs/cap_ecap.h"
#include "model/regs/global_command.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr uint32_t kIqhOffset = 0x80;
constexpr uint32_t kIqtOffset = 0x88;
constexpr uint32_t kIqaOffset = 0x90;
constexpr uint32_t kIcsOffset = 0x9C;
constexpr uint32_t kIectlOffset = 0xA0;
constexpr uint32_t kIedataOffset = 0xA4;
constexpr uint32_t kIeaddrOffset = 0xA8;
constexpr uint32_t kIqercdOffset = 0xB0;
constexpr uint32_t kFstsOffset = 0x34;
constexpr uint32_t kFectlOffset = 0x38;
constexpr uint32_t kFedataOffset = 0x3C;
constexpr uint32_t kFeaddrOffset = 0x40;
constexpr uint64_t kQueueBase = 0x10000;

// Records every request the queue hands to the caches.
class RecordingInvalidator : public CacheInvalidator {
 public:
  InvalidationOutcome InvalidateContextCache(const ContextInvalidation& r) override {
    log.push_back(absl::StrFormat("cc g%d did %d sid %#x fm %d", static_cast<int>(r.granularity),
                                  r.domain_id, r.source_id, r.function_mask));
    return {static_cast<uint8_t>(r.granularity), 1};
  }
  InvalidationOutcome InvalidateIotlb(const IotlbInvalidation& r) override {
    log.push_back(absl::StrFormat("iotlb g%d did %d addr %#x am %d ih %d dr %d dw %d",
                                  static_cast<int>(r.granularity), r.domain_id, r.address,
                                  r.address_mask, r.invalidation_hint, r.drain_reads,
                                  r.drain_writes));
    return {static_cast<uint8_t>(r.granularity), 2};
  }
  InvalidationOutcome InvalidateDeviceTlb(const DeviceTlbInvalidation& r) override {
    log.push_back(absl::StrFormat("devtlb sid %#x addr %#x s %d", r.source_id, r.address, r.size));
    return {1, 0};
  }
  InvalidationOutcome InvalidateInterruptEntryCache(const InterruptEntryInvalidation& r) override {
    log.push_back(absl::StrFormat("iec g%d index %#x im %d", static_cast<int>(r.granularity),
                                  r.index, r.index_mask));
    return {static_cast<uint8_t>(r.granularity), 3};
  }
  std::vector<std::string> log;
};

class QueueTest : public ::testing::Test {
 protected:
  void Make(uint64_t ecap = kR630Ecap, uint64_t cap = kR630Cap) {
    registers_ = RegisterFile::Create(RegisterFileConfig{kR630Version, cap, ecap}).value();
    memory_ = HostMemory::Create(1 << 24).value();
    queue_ = std::make_unique<InvalidationQueue>(registers_.get(), memory_.get(), &caches_, 39);
  }
  void SetUp() override { Make(); }

  // IQA = base | DW | QS, as a driver does before enabling (S §6.5.2).
  void Program(int qs = 0, bool wide = false) {
    registers_->Write64(kIqaOffset, kQueueBase | (wide ? 1ull << 11 : 0) | qs);
  }
  // Writes `d` at slot `slot` of the queue.
  void Put(int slot, const InvalidationDescriptor& d, int width = 128) {
    std::vector<uint64_t> w = EncodeDescriptor(d, width).value();
    PutWords(slot, w);
  }
  void PutWords(int slot, const std::vector<uint64_t>& w) {
    const uint64_t at = kQueueBase + uint64_t(slot) * w.size() * 8;
    for (size_t i = 0; i < w.size(); ++i) ASSERT_TRUE(memory_->Write64(at + 8 * i, w[i]).ok());
  }
  QueueRun MoveTail(uint64_t tail) {
    registers_->Write64(kIqtOffset, tail);
    return queue_->Process();
  }
  uint64_t Head() { return registers_->Read64(kIqhOffset); }
  uint32_t Fsts() { return registers_->Read32(kFstsOffset); }
  uint64_t Iqercd() { return registers_->Read64(kIqercdOffset); }

  RecordingInvalidator caches_;
  std::unique_ptr<RegisterFile> registers_;
  std::unique_ptr<HostMemory> memory_;
  std::unique_ptr<InvalidationQueue> queue_;
};

InvalidationWaitDescriptor StatusWait(uint32_t data, uint64_t address) {
  InvalidationWaitDescriptor w;
  w.status_write = true;
  w.status_data = data;
  w.status_address = address;
  return w;
}

// ---- S §6.5.2 queue registers and processing ---------------------------------------------

TEST_F(QueueTest, GeometryFromIqa) {
  Program(0);
  EXPECT_EQ(queue_->queue_base(), kQueueBase);
  EXPECT_EQ(queue_->queue_bytes(), 4096u);
  EXPECT_EQ(queue_->descriptor_bytes(), 16);
  Program(3);
  EXPECT_EQ(queue_->queue_bytes(), 32768u);  // 2^QS pages: 2048 128-bit descriptors
}

TEST_F(QueueTest, EmptyQueueDoesNothing) {
  Program();
  QueueRun run = queue_->Process();
  EXPECT_TRUE(run.empty());
  EXPECT_EQ(Head(), 0u);
}

TEST_F(QueueTest, ProcessesInOrderAndHeadFollowsTail) {
  Program();
  Put(0, ContextCacheInvalidateDescriptor{1, 0, 0, 0});
  Put(1, IotlbInvalidateDescriptor{1, false, false, 0, 0, false, 0});
  Put(2, StatusWait(1, 0x2000));
  QueueRun run = MoveTail(0x30);
  ASSERT_EQ(run.processed.size(), 3u);
  EXPECT_EQ(run.processed[0].offset, 0u);
  EXPECT_EQ(run.processed[1].offset, 0x10u);
  EXPECT_EQ(run.processed[2].offset, 0x20u);
  EXPECT_EQ(Head(), 0x30u);
  EXPECT_THAT(caches_.log,
              ElementsAre("cc g1 did 0 sid 0 fm 0", "iotlb g1 did 0 addr 0 am 0 ih 0 dr 0 dw 0"));
  EXPECT_EQ(memory_->Read(0x2000, 4).value(), 1u);
  EXPECT_EQ(queue_->descriptors_processed(), 3u);
  EXPECT_EQ(run.processed[0].outcome.entries_removed, 1);
}

TEST_F(QueueTest, OnlyUpToTheTail) {
  Program();
  Put(0, StatusWait(1, 0x2000));
  Put(1, StatusWait(2, 0x2004));
  EXPECT_EQ(MoveTail(0x10).processed.size(), 1u);
  EXPECT_EQ(memory_->Read(0x2004, 4).value(), 0u);  // not fetched yet
  EXPECT_EQ(MoveTail(0x20).processed.size(), 1u);
  EXPECT_EQ(memory_->Read(0x2004, 4).value(), 2u);
}

TEST_F(QueueTest, HeadWrapsAroundTheQueue) {
  Program(0);  // 256 descriptors
  registers_->Write64(kIqtOffset, 0xFF0);
  // Pretend the head is at the last slot: process one descriptor there and wrap to 0.
  registers_->Set(RegId::kIqh, 0xFF0);
  Put(255, StatusWait(9, 0x2000));
  Put(0, StatusWait(10, 0x2004));
  QueueRun run = MoveTail(0x10);
  ASSERT_EQ(run.processed.size(), 2u);
  EXPECT_EQ(run.processed[0].offset, 0xFF0u);
  EXPECT_EQ(run.processed[1].offset, 0u);
  EXPECT_EQ(Head(), 0x10u);
  EXPECT_EQ(memory_->Read(0x2004, 4).value(), 10u);
}

TEST_F(QueueTest, EveryLegacyDescriptorTypeReachesTheCaches) {
  Program();
  Put(0, ContextCacheInvalidateDescriptor{2, 5, 0, 0});
  Put(1, ContextCacheInvalidateDescriptor{3, 5, 0x0108, 3});
  Put(2, IotlbInvalidateDescriptor{2, false, false, 5, 0, false, 0});
  Put(3, IotlbInvalidateDescriptor{3, true, true, 5, 9, true, 0x200000});
  Put(4, DeviceTlbInvalidateDescriptor{0, 0, 0x0300, true, 0x7000});
  Put(5, InterruptEntryCacheInvalidateDescriptor{false, 0, 0});
  Put(6, InterruptEntryCacheInvalidateDescriptor{true, 2, 0x44});
  QueueRun run = MoveTail(7 * 16);
  EXPECT_THAT(run.errors, IsEmpty());
  EXPECT_THAT(caches_.log, ElementsAre("cc g2 did 5 sid 0 fm 0", "cc g3 did 5 sid 0x108 fm 3",
                                       "iotlb g2 did 5 addr 0 am 0 ih 0 dr 0 dw 0",
                                       "iotlb g3 did 5 addr 0x200000 am 9 ih 1 dr 1 dw 1",
                                       "devtlb sid 0x300 addr 0x7000 s 1", "iec g0 index 0 im 0",
                                       "iec g1 index 0x44 im 2"));
  EXPECT_EQ(run.processed[4].device_response, DeviceTlbResponse::kCompleted);
}

TEST_F(QueueTest, WorksWithoutACacheInvalidator) {
  queue_->set_cache_invalidator(nullptr);
  Program();
  Put(0, IotlbInvalidateDescriptor{1, false, false, 0, 0, false, 0});
  QueueRun run = MoveTail(0x10);
  EXPECT_EQ(run.processed.size(), 1u);
  EXPECT_EQ(run.processed[0].outcome.entries_removed, 0);
}

TEST_F(QueueTest, DisableResetsHead) {
  Program();
  Put(0, StatusWait(1, 0x2000));
  MoveTail(0x10);
  EXPECT_EQ(Head(), 0x10u);
  queue_->OnDisabled();
  EXPECT_EQ(Head(), 0u);
}

// ---- S §6.5.2.8 / §6.5.2.10 wait descriptors and the completion event ------------------

TEST_F(QueueTest, StatusWriteIsATaggedHardwareWrite) {
  struct Observer : MemoryObserver {
    void OnRead(uint64_t a, int s, MemoryAccessTag t) override {
      reads.push_back(absl::StrFormat("%s %#x %d", MemoryAccessKindName(t.kind), a, s));
    }
    void OnWrite(uint64_t a, int s, MemoryAccessTag t) override {
      writes.push_back(absl::StrFormat("%s %#x %d", MemoryAccessKindName(t.kind), a, s));
    }
    std::vector<std::string> reads, writes;
  } observer;
  memory_->set_observer(&observer);
  Program();
  Put(0, StatusWait(0xAB, 0x3000));
  QueueRun run = MoveTail(0x10);
  memory_->set_observer(nullptr);
  EXPECT_TRUE(run.processed[0].status_written);
  ASSERT_EQ(observer.writes.size(), 1u);
  EXPECT_THAT(observer.writes[0], HasSubstr("0x3000 4"));
  EXPECT_THAT(observer.writes[0],
              HasSubstr(std::string(MemoryAccessKindName(MemoryAccessKind::kInvalidationStatus))));
  ASSERT_EQ(observer.reads.size(), 1u);
  EXPECT_THAT(observer.reads[0], HasSubstr("0x10000 16"));
}

TEST_F(QueueTest, StatusWriteOutsideMemoryIsReported) {
  Program();
  Put(0, StatusWait(1, 0x7FFFFFF0));  // inside HAW 39, outside the 16 MiB memory
  QueueRun run = MoveTail(0x10);
  EXPECT_FALSE(run.processed[0].status_written);
  ASSERT_EQ(run.diagnostics.size(), 1u);
  EXPECT_THAT(run.diagnostics[0], HasSubstr("status write"));
  EXPECT_THAT(run.errors, IsEmpty());
}

TEST_F(QueueTest, InterruptFlagSetsIwcAndSendsTheCompletionEvent) {
  Program();
  registers_->Write32(kIedataOffset, 0x4041);
  registers_->Write32(kIeaddrOffset, 0xFEE01000);
  registers_->Write32(kIectlOffset, 0);  // unmask
  InvalidationWaitDescriptor w;
  w.interrupt_flag = true;
  Put(0, w);
  QueueRun run = MoveTail(0x10);
  EXPECT_TRUE(run.processed[0].completion_flagged);
  EXPECT_EQ(registers_->Read32(kIcsOffset), 1u);
  ASSERT_EQ(run.events.size(), 1u);
  EXPECT_EQ(run.events[0], (EventMessage{"invalidation_event", 0xFEE01000, 0x4041, true}));
  EXPECT_EQ(registers_->Read32(kIectlOffset), 0u);  // IP cleared after sending
}

TEST_F(QueueTest, MaskedCompletionEventStaysPendingUntilUnmasked) {
  Program();
  InvalidationWaitDescriptor w;
  w.interrupt_flag = true;
  Put(0, w);
  QueueRun run = MoveTail(0x10);  // IECTL.IM = 1 at reset
  ASSERT_EQ(run.events.size(), 1u);
  EXPECT_FALSE(run.events[0].sent);
  EXPECT_EQ(registers_->Read32(kIectlOffset), 0xC0000000u);  // IM | IP
  registers_->Write32(kIectlOffset, 0);
  std::optional<EventMessage> sent = queue_->OnEventControlWrite();
  ASSERT_TRUE(sent.has_value());
  EXPECT_TRUE(sent->sent);
  EXPECT_EQ(registers_->Read32(kIectlOffset), 0u);
  EXPECT_FALSE(queue_->OnEventControlWrite().has_value());
}

TEST_F(QueueTest, ClearingIwcClearsAPendingEvent) {
  Program();
  InvalidationWaitDescriptor w;
  w.interrupt_flag = true;
  Put(0, w);
  MoveTail(0x10);
  EXPECT_EQ(registers_->Read32(kIectlOffset), 0xC0000000u);
  registers_->Write32(kIcsOffset, 1);  // RW1C
  queue_->OnCompletionStatusWrite();
  EXPECT_EQ(registers_->Read32(kIcsOffset), 0u);
  EXPECT_EQ(registers_->Read32(kIectlOffset), 0x80000000u);
}

TEST_F(QueueTest, NoNewEventWhileIwcIsSet) {
  Program();
  registers_->Write32(kIectlOffset, 0);
  InvalidationWaitDescriptor w;
  w.interrupt_flag = true;
  Put(0, w);
  Put(1, w);
  QueueRun run = MoveTail(0x20);
  EXPECT_EQ(run.events.size(), 1u);
  EXPECT_TRUE(run.processed[0].completion_flagged);
  EXPECT_FALSE(run.processed[1].completion_flagged);
}

// ---- 256-bit descriptors (IQA.DW=1) ------------------------------------------------------

TEST_F(QueueTest, WideDescriptorsWithAbortDmaSupport) {
  Make(kR630Ecap | ExtendedCapability::kAdms.mask());
  Program(0, true);
  EXPECT_EQ(queue_->descriptor_bytes(), 32);
  Put(0, IotlbInvalidateDescriptor{1, false, false, 0, 0, false, 0}, 256);
  Put(1, StatusWait(5, 0x2000), 256);
  QueueRun run = MoveTail(0x40);
  EXPECT_THAT(run.errors, IsEmpty());
  ASSERT_EQ(run.processed.size(), 2u);
  EXPECT_EQ(run.processed[1].offset, 0x20u);
  EXPECT_EQ(run.processed[1].width_bits, 256);
  EXPECT_EQ(Head(), 0x40u);
  EXPECT_EQ(memory_->Read(0x2000, 4).value(), 5u);
}

// ---- S §6.5.2.11 errors ------------------------------------------------------------------

TEST_F(QueueTest, InvalidTypeStopsTheQueueWithIqei3) {
  Program();
  Put(0, StatusWait(1, 0x2000));
  PutWords(1, {0x6, 0});  // p_iotlb_inv_dsc: scalable mode only
  Put(2, StatusWait(2, 0x2004));
  QueueRun run = MoveTail(0x30);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].kind, QueueErrorKind::kQueueError);
  EXPECT_EQ(run.errors[0].code, QueueErrorCode::kInvalidType);
  EXPECT_EQ(run.errors[0].head, 0x10u);
  EXPECT_EQ(Head(), 0x10u);  // IQH stays on the offending descriptor
  EXPECT_EQ(Fsts() & 0x10, 0x10u);
  EXPECT_EQ(Iqercd() & 0xF, 3u);
  EXPECT_EQ(memory_->Read(0x2000, 4).value(), 1u);  // the earlier one completed
  EXPECT_EQ(memory_->Read(0x2004, 4).value(), 0u);
}

TEST_F(QueueTest, StalledUntilSoftwareClearsIqe) {
  Program();
  PutWords(0, {0x15, 0});  // type 5 with IF and a reserved bit
  PutWords(0, {0x5 | (1ull << 8), 0});
  QueueRun run = MoveTail(0x10);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].code, QueueErrorCode::kReservedField);
  EXPECT_EQ(Iqercd() & 0xF, 4u);
  // Tail moves are ignored while IQE is set.
  Put(1, StatusWait(3, 0x2000));
  EXPECT_TRUE(MoveTail(0x20).processed.empty());
  EXPECT_EQ(Head(), 0u);
  // Software fixes the descriptor, clears IQE (RW1CS), and hardware fetches again at IQH.
  Put(0, StatusWait(4, 0x2004));
  registers_->Write32(kFstsOffset, 0x10);
  EXPECT_EQ(Fsts() & 0x10, 0u);
  QueueRun resumed = queue_->Process();
  EXPECT_EQ(resumed.processed.size(), 2u);
  EXPECT_EQ(Head(), 0x20u);
  EXPECT_EQ(memory_->Read(0x2000, 4).value(), 3u);
  EXPECT_EQ(memory_->Read(0x2004, 4).value(), 4u);
}

TEST_F(QueueTest, InvalidTailIqei1) {
  Program(0);
  QueueRun run = MoveTail(0x1000 << 0);  // IQT is 18:4: 0x1000 is beyond a 4 KiB queue
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].code, QueueErrorCode::kInvalidTail);
  EXPECT_EQ(Iqercd() & 0xF, 1u);
}

TEST_F(QueueTest, FetchErrorIqei2) {
  registers_->Write64(kIqaOffset, 0x40000000);  // beyond the 16 MiB memory
  QueueRun run = MoveTail(0x10);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].code, QueueErrorCode::kFetchError);
  EXPECT_EQ(Iqercd() & 0xF, 2u);
  EXPECT_EQ(Head(), 0u);
}

TEST_F(QueueTest, WideDescriptorsWithoutSmtsOrAdmsIqei5) {
  Program(0, true);
  Put(0, StatusWait(1, 0x2000), 256);
  QueueRun run = MoveTail(0x20);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].code, QueueErrorCode::kInvalidWidth);
  EXPECT_EQ(Iqercd() & 0xF, 5u);
}

TEST_F(QueueTest, NarrowDescriptorsInAbortDmaModeIqei5) {
  Make(kR630Ecap | ExtendedCapability::kAdms.mask());
  registers_->Write64(0x20, 0x100000 | (3ull << 10));  // TTM = 11b
  registers_->Write32(0x18, 0x40000000);               // SRTP
  Program(0, false);
  Put(0, StatusWait(1, 0x2000));
  QueueRun run = MoveTail(0x10);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].code, QueueErrorCode::kInvalidWidth);
}

TEST_F(QueueTest, TailBit4With256BitDescriptorsIqei6) {
  Make(kR630Ecap | ExtendedCapability::kAdms.mask());
  Program(0, true);
  QueueRun run = MoveTail(0x30);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].code, QueueErrorCode::kTailMisaligned);
  EXPECT_EQ(Iqercd() & 0xF, 6u);
}

TEST_F(QueueTest, InvalidTtmIqei7) {
  registers_->Write64(0x20, 0x100000 | (2ull << 10));  // TTM = 10b, reserved
  registers_->Write32(0x18, 0x40000000);               // SRTP
  Program();
  Put(0, StatusWait(1, 0x2000));
  QueueRun run = MoveTail(0x10);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].code, QueueErrorCode::kInvalidTtm);
  EXPECT_EQ(Iqercd() & 0xF, 7u);
}

TEST_F(QueueTest, AbortDmaModeAcceptsPasidGranularTypes) {
  // S Table 26: with TTM=11b and 256-bit descriptors, types 0x1-0xA are valid.
  Make(kR630Ecap | ExtendedCapability::kAdms.mask());
  registers_->Write64(0x20, 0x100000 | (3ull << 10));  // TTM = 11b, abort-DMA
  registers_->Write32(0x18, 0x40000000);               // SRTP
  Program(0, true);
  Put(0, PasidCacheInvalidateDescriptor{3, 0, 0}, 256);
  Put(1, PasidIotlbInvalidateDescriptor{2, 1, 5, 0, false, 0}, 256);
  Put(2, StatusWait(1, 0x2000), 256);
  QueueRun run = MoveTail(0x60);
  EXPECT_THAT(run.errors, IsEmpty());
  ASSERT_EQ(run.processed.size(), 3u);
  EXPECT_TRUE(std::holds_alternative<PasidCacheInvalidateDescriptor>(run.processed[0].descriptor));
  EXPECT_TRUE(std::holds_alternative<PasidIotlbInvalidateDescriptor>(run.processed[1].descriptor));
  EXPECT_EQ(memory_->Read(0x2000, 4).value(), 1u);
}

TEST_F(QueueTest, DeviceTlbDescriptorWithoutDtIsInvalid) {
  Make(kR630Ecap & ~ExtendedCapability::kDt.mask());
  Program();
  Put(0, DeviceTlbInvalidateDescriptor{0, 0, 0x300, false, 0});
  QueueRun run = MoveTail(0x10);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].code, QueueErrorCode::kInvalidType);
}

TEST_F(QueueTest, QueueErrorRaisesTheFaultEvent) {
  registers_->Write32(kFedataOffset, 0x55);
  registers_->Write32(kFeaddrOffset, 0xFEE00000);
  registers_->Write32(kFectlOffset, 0);
  Program();
  PutWords(0, {0, 0});
  QueueRun run = MoveTail(0x10);
  ASSERT_EQ(run.events.size(), 1u);
  EXPECT_EQ(run.events[0], (EventMessage{"fault_event", 0xFEE00000, 0x55, true}));
}

TEST_F(QueueTest, NoFaultEventWhenAFaultStatusIsAlreadySet) {
  registers_->Write32(kFectlOffset, 0);
  registers_->Set(RegId::kFsts, 0x20);  // ICE already set
  Program();
  PutWords(0, {0, 0});
  QueueRun run = MoveTail(0x10);
  EXPECT_EQ(run.errors.size(), 1u);
  EXPECT_THAT(run.events, IsEmpty());
}

TEST_F(QueueTest, FaultStatusHandlerRaisesTheFaultEventInstead) {
  std::vector<uint32_t> bits;
  queue_->set_fault_status_handler([&](uint32_t b) {
    bits.push_back(b);
    registers_->Set(RegId::kFsts, registers_->Get(RegId::kFsts) | b);
  });
  registers_->Write32(kFectlOffset, 0);
  Program();
  PutWords(0, {0, 0});
  QueueRun run = MoveTail(0x10);
  EXPECT_THAT(bits, ElementsAre(0x10u));
  EXPECT_THAT(run.events, IsEmpty());                // the handler owns the fault event
  EXPECT_EQ(Iqercd() & 0xF, 3u);                     // IQEI recorded before IQE
  EXPECT_TRUE(queue_->Process().processed.empty());  // stalled: IQE set by the handler
}

TEST_F(QueueTest, DeviceTlbTimeoutAbortsTheWaitAndStalls) {
  queue_->set_device_tlb_responder([](const DeviceTlbInvalidation& r) {
    return r.source_id == 0x300 ? DeviceTlbResponse::kTimeout : DeviceTlbResponse::kCompleted;
  });
  Program();
  Put(0, DeviceTlbInvalidateDescriptor{0, 0, 0x300, false, 0x1000});
  Put(1, IotlbInvalidateDescriptor{1, false, false, 0, 0, false, 0});
  Put(2, StatusWait(1, 0x2000));
  Put(3, StatusWait(2, 0x2004));
  QueueRun run = MoveTail(0x40);
  ASSERT_EQ(run.processed.size(), 3u);  // up to and including the wait that reports it
  EXPECT_EQ(run.processed[0].device_response, DeviceTlbResponse::kTimeout);
  EXPECT_TRUE(run.processed[2].wait_aborted);
  EXPECT_EQ(memory_->Read(0x2000, 4).value(), 0u);  // aborted: no status write
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].kind, QueueErrorKind::kTimeout);
  EXPECT_EQ(run.errors[0].source_id, 0x300);
  EXPECT_EQ(Fsts() & 0x40, 0x40u);
  EXPECT_EQ((Iqercd() >> 32) & 0xFFFF, 0x300u);  // ITESID
  EXPECT_EQ(Head(), 0x30u);
  EXPECT_EQ(caches_.log.size(), 2u);  // the IOTLB invalidation fetched earlier completed
  // Stalled: nothing more until ITE is cleared; then the rest runs.
  EXPECT_TRUE(queue_->Process().processed.empty());
  registers_->Write32(kFstsOffset, 0x40);
  QueueRun resumed = queue_->Process();
  EXPECT_EQ(resumed.processed.size(), 1u);
  EXPECT_EQ(memory_->Read(0x2004, 4).value(), 2u);
}

TEST_F(QueueTest, TimeoutWithoutAWaitSetsIteWhenDrained) {
  queue_->set_device_tlb_responder(
      [](const DeviceTlbInvalidation&) { return DeviceTlbResponse::kTimeout; });
  Program();
  Put(0, DeviceTlbInvalidateDescriptor{0, 0, 0x308, false, 0});
  Put(1, DeviceTlbInvalidateDescriptor{0, 0, 0x310, false, 0});
  QueueRun run = MoveTail(0x20);
  EXPECT_EQ(run.processed.size(), 2u);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_EQ(run.errors[0].source_id, 0x308);  // the first time-out is the one recorded
  EXPECT_EQ((Iqercd() >> 32) & 0xFFFF, 0x308u);
}

TEST_F(QueueTest, InvalidCompletionSetsIceAndContinues) {
  queue_->set_device_tlb_responder(
      [](const DeviceTlbInvalidation&) { return DeviceTlbResponse::kInvalidCompletion; });
  Program();
  Put(0, DeviceTlbInvalidateDescriptor{0, 0, 0x318, false, 0});
  Put(1, DeviceTlbInvalidateDescriptor{0, 0, 0x320, false, 0});
  Put(2, StatusWait(7, 0x2000));
  QueueRun run = MoveTail(0x30);
  EXPECT_EQ(run.processed.size(), 3u);
  ASSERT_EQ(run.errors.size(), 2u);
  EXPECT_EQ(run.errors[0].kind, QueueErrorKind::kInvalidCompletion);
  EXPECT_TRUE(run.errors[0].recorded);
  EXPECT_FALSE(run.errors[1].recorded);  // ICESID keeps the first
  EXPECT_EQ(Fsts() & 0x20, 0x20u);
  EXPECT_EQ(Iqercd() >> 48, 0x318u);
  EXPECT_EQ(memory_->Read(0x2000, 4).value(), 7u);
  EXPECT_EQ(QueueErrorKindName(QueueErrorKind::kInvalidCompletion), "ICE");
}

}  // namespace
}  // namespace vtd
