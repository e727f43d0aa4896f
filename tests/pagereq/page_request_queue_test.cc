// The page request queue over a unit's registers (registers.md PQH/PQT/PQA/PRS/PECTL/PEDATA/
// PEADDR/PEUADDR; the event protocol of faults.md §5 / invalidation.md §6): descriptors at
// PQA + PQT, PQT advancing and wrapping, PPR, PRO on overflow, the page request event and its
// masking, and the MMIO side (RW1CS status, IM release).
#include "model/pagereq/page_request_queue.h"

#include <array>
#include <cstdint>
#include <memory>

#include "gtest/gtest.h"
#include "model/regs/cap_ecap.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::vtd::testing::IsOk;

constexpr uint64_t B(int n) { return uint64_t{1} << n; }
// QEMU's scalable-mode unit (CAP 0x00d2008c222f0606, ECAP 0x0000493880f00f4a) with ECAP.DT
// (bit 2) and ECAP.PRS (bit 29) added: PRS needs SMTS and DT.
constexpr uint64_t kCap = 0x00d2008c222f0606;
constexpr uint64_t kEcap = 0x0000493880f00f4a | B(2) | B(29);
// Register offsets (registers.md).
constexpr uint32_t kPqhOffset = 0xc0;
constexpr uint32_t kPqtOffset = 0xc8;
constexpr uint32_t kPqaOffset = 0xd0;
constexpr uint32_t kPrsOffset = 0xdc;
constexpr uint32_t kPectlOffset = 0xe0;
constexpr uint32_t kPedataOffset = 0xe4;
constexpr uint32_t kPeaddrOffset = 0xe8;
constexpr uint32_t kPeuaddrOffset = 0xec;
constexpr uint64_t kQueue = 0x40000;
constexpr int kHaw = 39;

class PageRequestQueueTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto file =
        RegisterFile::Create(RegisterFileConfig{0x10, kCap, kEcap}, ImplementedFeatures::All());
    ASSERT_THAT(file.status(), IsOk());
    registers_ = std::move(file).value();
    memory_ = std::move(HostMemory::Create(uint64_t{1} << 32)).value();
    // Linux's bring-up: PQH = PQT = 0, PQA = queue | PQS 0 (one 4 KiB page, 128 entries).
    Mmio64(kPqhOffset, 0);
    Mmio64(kPqtOffset, 0);
    Mmio64(kPqaOffset, kQueue);
    Mmio32(kPedataOffset, 0x4041);
    Mmio32(kPeaddrOffset, 0xfee01000);
    Mmio32(kPeuaddrOffset, 0);
  }
  std::optional<EventMessage> Mmio32(uint32_t offset, uint32_t value) {
    std::optional<EventMessage> event;
    for (const RegisterWrite& w : registers_->Write32(offset, value).hooks) {
      if (auto e = AfterPageRequestRegisterWrite(*registers_, w)) event = e;
    }
    return event;
  }
  void Mmio64(uint32_t offset, uint64_t value) {
    for (const RegisterWrite& w : registers_->Write64(offset, value).hooks) {
      AfterPageRequestRegisterWrite(*registers_, w);
    }
  }
  PageRequestOutcome Request(uint16_t prgi, bool last = false) {
    PageRequestDescriptor d;
    d.pasid_present = true;
    d.rid = 0x0010;
    d.pasid = 5;
    d.read = true;
    d.last_in_group = last;
    d.prgi = prgi;
    d.address = 0x7f0000001000;
    return QueuePageRequest(*registers_, *memory_, kHaw, d);
  }
  uint32_t Prs() { return registers_->Read32(kPrsOffset); }
  uint32_t Pectl() { return registers_->Read32(kPectlOffset); }

  std::unique_ptr<RegisterFile> registers_;
  std::unique_ptr<HostMemory> memory_;
};

TEST_F(PageRequestQueueTest, QueueSizeFromPqs) {
  // Entries = 2^(PQS+7): PQS 0 -> 128, 3 -> 1024.
  EXPECT_EQ(PageRequestQueueEntries(kQueue), 128);
  EXPECT_EQ(PageRequestQueueEntries(kQueue | 3), 1024);
}

TEST_F(PageRequestQueueTest, DescriptorWrittenAtTheTailWhichAdvances) {
  const PageRequestOutcome first = Request(3, /*last=*/true);
  ASSERT_EQ(first.kind, PageRequestOutcome::Kind::kQueued);
  EXPECT_EQ(first.descriptor_address, kQueue);
  EXPECT_EQ(registers_->Read64(kPqtOffset), 0x20u);  // one 32-byte descriptor
  // The descriptor in memory: type 1, PP, RID, PASID; RDR, LPIG, PRGI, ADDR.
  EXPECT_EQ(memory_->Read(kQueue, 8).value(),
            0x1 | B(8) | (uint64_t{0x0010} << 16) | (uint64_t{5} << 32));
  EXPECT_EQ(memory_->Read(kQueue + 8, 8).value(), 0x1 | 0x4 | (3 << 3) | 0x7f0000001000);
  EXPECT_EQ(memory_->Read(kQueue + 16, 8).value(), 0u);
  EXPECT_FALSE(first.response.has_value());  // software answers queued groups
  const PageRequestOutcome second = Request(4);
  EXPECT_EQ(second.descriptor_address, kQueue + 0x20);
  EXPECT_EQ(registers_->Read64(kPqtOffset), 0x40u);
}

TEST_F(PageRequestQueueTest, PprAndTheEventMaskedAtReset) {
  // PECTL.IM resets to 1: the event stays pending (IP) until software unmasks it.
  EXPECT_EQ(Pectl(), 1u << 31);
  const PageRequestOutcome first = Request(1);
  EXPECT_EQ(Prs() & 1, 1u);  // PPR
  ASSERT_TRUE(first.event.has_value());
  EXPECT_FALSE(first.event->sent);
  EXPECT_EQ(Pectl(), (1u << 31) | (1u << 30));
  // Clearing IM sends the pending message (PEDATA / PEADDR / PEUADDR) and clears IP.
  const std::optional<EventMessage> released = Mmio32(kPectlOffset, 0);
  ASSERT_TRUE(released.has_value());
  EXPECT_TRUE(released->sent);
  EXPECT_EQ(released->data, 0x4041u);
  EXPECT_EQ(released->address, 0xfee01000u);
  EXPECT_EQ(Pectl(), 0u);
}

TEST_F(PageRequestQueueTest, NoNewEventWhilePprIsSet) {
  Mmio32(kPectlOffset, 0);  // unmasked
  const PageRequestOutcome first = Request(1);
  ASSERT_TRUE(first.event.has_value());
  EXPECT_TRUE(first.event->sent);
  EXPECT_FALSE(Request(2).event.has_value());
  // Software clears PPR (RW1CS); the next request signals again.
  Mmio32(kPrsOffset, 1);
  EXPECT_EQ(Prs(), 0u);
  const PageRequestOutcome third = Request(3);
  ASSERT_TRUE(third.event.has_value());
  EXPECT_TRUE(third.event->sent);
}

TEST_F(PageRequestQueueTest, ClearingTheStatusClearsAPendingEvent) {
  Request(1);
  EXPECT_EQ(Pectl(), (1u << 31) | (1u << 30));
  Mmio32(kPrsOffset, 1);
  EXPECT_EQ(Pectl(), 1u << 31);  // IP cleared, nothing sent
  EXPECT_FALSE(Mmio32(kPectlOffset, 0).has_value());
}

TEST_F(PageRequestQueueTest, FullQueueOverflowsWithProAndAnAutomaticResponse) {
  // 128 entries: full when the tail is one behind the head (127 written).
  for (int i = 0; i < 127; ++i) {
    ASSERT_EQ(Request(static_cast<uint16_t>(i)).kind, PageRequestOutcome::Kind::kQueued) << i;
  }
  EXPECT_EQ(registers_->Read64(kPqtOffset), 127u * 32);
  const uint64_t last_written = memory_->Read(kQueue + 126 * 32 + 8, 8).value();
  const PageRequestOutcome not_last = Request(200);
  EXPECT_EQ(not_last.kind, PageRequestOutcome::Kind::kOverflow);
  EXPECT_FALSE(not_last.response.has_value());
  EXPECT_EQ(Prs(), 0x3u);                                // PPR and PRO
  EXPECT_EQ(registers_->Read64(kPqtOffset), 127u * 32);  // nothing written
  EXPECT_EQ(memory_->Read(kQueue + 126 * 32 + 8, 8).value(), last_written);
  const PageRequestOutcome last = Request(201, /*last=*/true);
  ASSERT_TRUE(last.response.has_value());
  EXPECT_EQ(last.response->response_code, PageResponseCode::kSuccess);
  EXPECT_EQ(last.response->prgi, 201);
  EXPECT_EQ(last.response->rid, 0x0010);
  // Software consumes one entry: there is room again (PRO stays until cleared).
  Mmio64(kPqhOffset, 0x20);
  EXPECT_EQ(Request(5).kind, PageRequestOutcome::Kind::kQueued);
  EXPECT_EQ(registers_->Read64(kPqtOffset), 0u);  // wrapped
  Mmio32(kPrsOffset, 0x2);
  EXPECT_EQ(Prs(), 0x1u);
}

TEST_F(PageRequestQueueTest, OverflowSignalsWhenNothingElseIsPending) {
  Mmio32(kPectlOffset, 0);
  for (int i = 0; i < 127; ++i) Request(static_cast<uint16_t>(i));
  Mmio32(kPrsOffset, 1);  // software saw PPR and cleared it, but did not consume
  const PageRequestOutcome over = Request(9);
  EXPECT_EQ(over.kind, PageRequestOutcome::Kind::kOverflow);
  ASSERT_TRUE(over.event.has_value());
  EXPECT_TRUE(over.event->sent);
}

TEST_F(PageRequestQueueTest, QueueBeyondHawIsNotWritten) {
  Mmio64(kPqaOffset, B(40));
  const PageRequestOutcome out = Request(1);
  EXPECT_EQ(out.kind, PageRequestOutcome::Kind::kWriteError);
  EXPECT_EQ(registers_->Read64(kPqtOffset), 0u);
  EXPECT_EQ(Prs(), 0u);
}

TEST_F(PageRequestQueueTest, RegisterFieldsAndAccess) {
  // PQH/PQT keep bits 18:5; PQA 63:12 and 2:0.
  Mmio64(kPqhOffset, 0xffffffffffffffff);
  EXPECT_EQ(registers_->Read64(kPqhOffset), 0x7ffe0u);
  Mmio64(kPqaOffset, 0xffffffffffffffff);
  EXPECT_EQ(registers_->Read64(kPqaOffset), 0xfffffffffffff007u);
  // PRS bits are RW1CS: software cannot set them.
  Mmio32(kPrsOffset, 0x3);
  EXPECT_EQ(Prs(), 0u);
  // PEDATA 15:0, PEADDR 31:2.
  Mmio32(kPedataOffset, 0xffffffff);
  EXPECT_EQ(registers_->Read32(kPedataOffset), 0xffffu);
  Mmio32(kPeaddrOffset, 0xffffffff);
  EXPECT_EQ(registers_->Read32(kPeaddrOffset), 0xfffffffcu);
}

}  // namespace
}  // namespace vtd
