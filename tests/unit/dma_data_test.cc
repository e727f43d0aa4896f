// DMA that moves data (RemappingUnit::DmaWithData) and requests to the interrupt address
// range FEEx_xxxxh (S §3.15, §5.1.4).
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/fault/fault_reason.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

using ::testing::ElementsAre;

// Counts the data accesses the memory sees.
class DataAccessCounter : public MemoryObserver {
 public:
  void OnRead(uint64_t address, int size, MemoryAccessTag tag) override {
    if (tag.kind == MemoryAccessKind::kDmaData) reads.push_back({address, size});
  }
  void OnWrite(uint64_t address, int size, MemoryAccessTag tag) override {
    if (tag.kind == MemoryAccessKind::kDmaData) writes.push_back({address, size});
  }
  std::vector<std::pair<uint64_t, int>> reads;
  std::vector<std::pair<uint64_t, int>> writes;
};

class DmaDataTest : public UnitTest {
 protected:
  void SetUp() override {
    UnitTest::SetUp();
    CreateUnit();
    SetContext();
    Map(0x1000, 0x200000);          // read/write
    Map(0x2000, 0x300000, 1, 0x1);  // read only
    Enable();
    memory_->set_observer(&data_);
  }
  DataAccessCounter data_;
};

TEST_F(DmaDataTest, WriteThroughAnIovaLandsAtTheTranslatedAddress) {
  std::vector<uint8_t> bytes = {0x78, 0x56, 0x34, 0x12};
  DmaOutcome out = unit_->DmaWithData(Req(0x1010, AccessKind::kWrite), absl::MakeSpan(bytes));
  ASSERT_TRUE(out.status().ok()) << out.status();
  EXPECT_FALSE(out.blocked);
  EXPECT_EQ(*memory_->Read(0x200010, 4), 0x12345678u);
  EXPECT_THAT(data_.writes, ElementsAre(std::pair<uint64_t, int>{0x200010, 4}));

  std::vector<uint8_t> back(4);
  out = unit_->DmaWithData(Req(0x1010), absl::MakeSpan(back));
  EXPECT_FALSE(out.blocked);
  EXPECT_THAT(back, ElementsAre(0x78, 0x56, 0x34, 0x12));
  EXPECT_THAT(data_.reads, ElementsAre(std::pair<uint64_t, int>{0x200010, 4}));
  // The data access is part of the request: one begin and one end each.
  EXPECT_EQ(observer_.begins, observer_.ends);
}

TEST_F(DmaDataTest, ABlockedWriteMovesNothing) {
  ASSERT_TRUE(memory_->Write(0x300000, 4, 0xcafef00d).ok());
  std::vector<uint8_t> bytes = {1, 2, 3, 4};
  DmaOutcome out = unit_->DmaWithData(Req(0x2000, AccessKind::kWrite), absl::MakeSpan(bytes));
  EXPECT_TRUE(out.blocked);
  ASSERT_TRUE(out.result.fault.has_value());
  EXPECT_EQ(out.result.fault->reason, FaultReason::kWriteNotPermitted);  // 05h, LGN.2
  EXPECT_EQ(*memory_->Read(0x300000, 4), 0xcafef00du);
  EXPECT_TRUE(data_.writes.empty());
}

TEST_F(DmaDataTest, DataOfTheWrongLengthIsBadInput) {
  std::vector<uint8_t> bytes(3);
  DmaOutcome out = unit_->DmaWithData(Req(0x1010, AccessKind::kWrite), absl::MakeSpan(bytes));
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(out.blocked);
  EXPECT_TRUE(data_.writes.empty());
}

TEST_F(DmaDataTest, ATranslationBeyondMemoryIsBlocked) {
  Map(0x3000, uint64_t{1} << 33);  // above the 4 GiB memory, inside HAW
  GlobalIotlbInvalidate();
  std::vector<uint8_t> bytes(4);
  DmaOutcome out = unit_->DmaWithData(Req(0x3000), absl::MakeSpan(bytes));
  EXPECT_TRUE(out.blocked);
  EXPECT_EQ(out.blocked_by, "beyond_memory");
  EXPECT_FALSE(out.result.fault.has_value());
}

TEST_F(DmaDataTest, ADwordWriteToTheInterruptRangeIsAnInterruptRequest) {
  // IR is off: a compatibility-format MSI passes through (S §5.1.4); vector = data[7:0],
  // destination = address[19:12]. Nothing is translated (no mapping at 0xfee02000) and
  // nothing is written to memory.
  std::vector<uint8_t> bytes = {0x31, 0, 0, 0};
  DmaOutcome out = unit_->DmaWithData(Req(0xfee02000, AccessKind::kWrite), absl::MakeSpan(bytes));
  ASSERT_TRUE(out.interrupt().has_value());
  ASSERT_TRUE(out.interrupt()->result.has_value());
  EXPECT_EQ(out.interrupt()->result->disposition, InterruptDisposition::kPassedThrough);
  EXPECT_EQ(out.interrupt()->result->message.vector, 0x31);
  EXPECT_EQ(out.interrupt()->result->message.destination, 2u);
  EXPECT_TRUE(out.blocked);
  EXPECT_EQ(out.blocked_by, "interrupt");
  EXPECT_FALSE(out.result.fault.has_value());
  EXPECT_TRUE(data_.writes.empty());
}

TEST_F(DmaDataTest, OtherRequestsToTheInterruptRangeAreFault29h) {
  // A read and a 2-byte write are not interrupt requests: 29h (S Table 15), recorded.
  DmaOutcome read = unit_->Dma(Req(0xfee00000));
  ASSERT_TRUE(read.result.fault.has_value());
  EXPECT_EQ(read.result.fault->reason, FaultReason::kIrInvalidInterruptRangeRequest);
  EXPECT_TRUE(read.recorded);
  EXPECT_TRUE(read.blocked);
  EXPECT_EQ(ReadFrcd(0).reason, 0x29);
  ClearFrcd(0);
  DmaOutcome half = unit_->Dma(Req(0xfee00000, AccessKind::kWrite, 2));
  ASSERT_TRUE(half.result.fault.has_value());
  EXPECT_EQ(half.result.fault->reason, FaultReason::kIrInvalidInterruptRangeRequest);
}

TEST_F(DmaDataTest, TranslatedAndPasidRequestsToTheRangeAreNotInterrupts) {
  // Only untranslated requests without PASID are decoded as interrupts (S §3.15); these
  // take the DMA path, whose answer is not the interrupt path's 29h.
  DmaRequest translated = Req(0xfee00000, AccessKind::kWrite, 4, RequestType::kTranslated);
  DmaRequest with_pasid = Req(0xfee00000, AccessKind::kWrite);
  with_pasid.pasid = 1;
  for (const DmaRequest& r : {translated, with_pasid}) {
    DmaOutcome out = unit_->Dma(r);
    EXPECT_FALSE(out.interrupt().has_value());
    if (out.result.fault.has_value()) {
      EXPECT_NE(out.result.fault->reason, FaultReason::kIrInvalidInterruptRangeRequest);
    }
  }
}

}  // namespace
}  // namespace vtd
