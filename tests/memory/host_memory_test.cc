// Sparse host memory: sizes, zero fill, range errors, observer tagging; the page-pointer
// table of the hardware read path.
#include "model/memory/host_memory.h"

#include <algorithm>
#include <array>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::vtd::testing::IsOk;
using ::vtd::testing::StatusIs;

std::unique_ptr<HostMemory> MakeMemory(uint64_t size = 1 << 20) {
  auto memory = HostMemory::Create(size);
  EXPECT_TRUE(memory.ok());
  return std::move(memory).value();
}

TEST(HostMemoryTest, RejectsBadSizes) {
  EXPECT_THAT(HostMemory::Create(0), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HostMemory::Create(4095), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HostMemory::Create((uint64_t{1} << 52) + 4096),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(HostMemory::Create(uint64_t{1} << 52), IsOk());  // sparse: nothing allocated
}

TEST(HostMemoryTest, UnwrittenMemoryReadsZeroAndAllocatesNothing) {
  auto memory = MakeMemory();
  EXPECT_EQ(*memory->Read(0x1234, 4), 0u);
  EXPECT_EQ(*memory->Read64(0xff000), 0u);
  EXPECT_EQ(memory->allocated_page_count(), 0);
}

TEST(HostMemoryTest, ReadsBackEverySizeLittleEndian) {
  auto memory = MakeMemory();
  ASSERT_THAT(memory->Write64(0x2000, 0x1122334455667788ull), IsOk());
  EXPECT_EQ(*memory->Read(0x2000, 1), 0x88u);
  EXPECT_EQ(*memory->Read(0x2000, 2), 0x7788u);
  EXPECT_EQ(*memory->Read(0x2004, 4), 0x11223344u);
  EXPECT_EQ(*memory->Read(0x2001, 8), 0x0011223344556677ull);  // unaligned
  ASSERT_THAT(memory->Write(0x2003, 1, 0xab), IsOk());
  EXPECT_EQ(*memory->Read64(0x2000), 0x11223344ab667788ull);
  EXPECT_THAT(memory->Read(0x2000, 3), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(memory->Write(0x2000, 2, 0x10000), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(HostMemoryTest, AccessesCrossingAPageAreSplit) {
  auto memory = MakeMemory();
  ASSERT_THAT(memory->Write64(0x3ffc, 0x0102030405060708ull), IsOk());
  EXPECT_EQ(*memory->Read(0x3ffc, 4), 0x05060708u);
  EXPECT_EQ(*memory->Read(0x4000, 4), 0x01020304u);
  EXPECT_EQ(*memory->Read64(0x3ffc), 0x0102030405060708ull);
  EXPECT_THAT(memory->AllocatedPages(), ElementsAre(3, 4));
  std::vector<uint8_t> bytes(0x1800, 0x5a);
  ASSERT_THAT(memory->WriteBytes(0x10800, bytes), IsOk());
  std::vector<uint8_t> back(0x2000);
  ASSERT_THAT(memory->ReadBytes(0x10000, absl::MakeSpan(back)), IsOk());
  EXPECT_EQ(back[0x7ff], 0);
  EXPECT_EQ(back[0x800], 0x5a);
  EXPECT_EQ(back[0x1fff], 0x5a);
}

TEST(HostMemoryTest, OutOfRangeNamesTheAddress) {
  auto memory = MakeMemory(0x10000);
  EXPECT_THAT(memory->Read64(0x10000),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("0x10000")));
  EXPECT_THAT(memory->Read64(0xfffc), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(memory->Write64(0xfffffffffffffff8ull, 1),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("0xfffffffffffffff8")));
  std::vector<uint8_t> bytes(16);
  EXPECT_THAT(memory->WriteBytes(0xfff8, bytes), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_EQ(memory->allocated_page_count(), 0);  // a failed write allocates nothing
  uint64_t value = 7;
  EXPECT_FALSE(memory->HwReadAligned64(0x10000, {}, &value));
  EXPECT_EQ(value, 7u);
}

class RecordingObserver : public MemoryObserver {
 public:
  struct Access {
    bool write;
    uint64_t address;
    int size;
    MemoryAccessKind kind;
    int level;
    bool operator==(const Access&) const = default;
  };
  void OnRead(uint64_t address, int size, MemoryAccessTag tag) override {
    accesses.push_back({false, address, size, tag.kind, tag.level});
  }
  void OnWrite(uint64_t address, int size, MemoryAccessTag tag) override {
    accesses.push_back({true, address, size, tag.kind, tag.level});
  }
  std::vector<Access> accesses;
};

TEST(HostMemoryTest, ObserverSeesTaggedHardwareAccessesOnly) {
  auto memory = MakeMemory();
  RecordingObserver observer;
  memory->set_observer(&observer);
  ASSERT_THAT(memory->Write64(0x1000, 5), IsOk());  // software: not observed
  uint64_t value = 0;
  ASSERT_TRUE(memory->HwReadAligned64(0x1000, {MemoryAccessKind::kSecondStageEntry, 4}, &value));
  EXPECT_EQ(value, 5u);
  ASSERT_THAT(memory->HwWrite(0x2000, 4, 1, {MemoryAccessKind::kDmaData}), IsOk());
  EXPECT_THAT(memory->HwRead(0x200000, 8, {MemoryAccessKind::kRootEntry}),
              StatusIs(absl::StatusCode::kOutOfRange));  // seen even though it fails
  std::vector<uint8_t> data(64);
  ASSERT_THAT(memory->HwReadBytes(0x3000, absl::MakeSpan(data), {MemoryAccessKind::kDmaData}),
              IsOk());
  using A = RecordingObserver::Access;
  EXPECT_THAT(observer.accesses,
              ElementsAre(A{false, 0x1000, 8, MemoryAccessKind::kSecondStageEntry, 4},
                          A{true, 0x2000, 4, MemoryAccessKind::kDmaData, 0},
                          A{false, 0x200000, 8, MemoryAccessKind::kRootEntry, 0},
                          A{false, 0x3000, 64, MemoryAccessKind::kDmaData, 0}));
  memory->set_observer(nullptr);
  ASSERT_THAT(memory->HwRead(0x1000, 8, {MemoryAccessKind::kDmaData}), IsOk());
  EXPECT_EQ(observer.accesses.size(), 4u);
  EXPECT_EQ(MemoryAccessKindName(MemoryAccessKind::kSecondStageEntry), "second_stage_entry");
}

// A memory over a flat array of pages that counts how often the page-pointer table had to
// ask for a page (FindPage) and can move a page's storage, as MappedFileMemory does.
class CountingMemory : public HostMemory {
 public:
  explicit CountingMemory(uint64_t pages)
      : HostMemory(pages * kPageSize), storage_(pages), spare_(pages) {}

  int find_calls() const { return find_calls_; }
  // Gives page `n` new storage holding `value` in its first qword; the old storage is
  // overwritten with a poison value so a stale pointer would be noticed.
  void MovePage(uint64_t n, uint64_t value) {
    std::swap(storage_[n], spare_[n]);
    std::fill(spare_[n].begin(), spare_[n].end(), 0xee);
    std::fill(storage_[n].begin(), storage_[n].end(), 0);
    __builtin_memcpy(storage_[n].data(), &value, 8);
    ForgetCachedPages();
  }
  std::vector<uint64_t> AllocatedPages() const override { return {}; }
  int allocated_page_count() const override { return 0; }

 protected:
  uint8_t* FindPage(uint64_t page_number) const override {
    ++find_calls_;
    return const_cast<uint8_t*>(storage_[page_number].data());
  }
  uint8_t* GetOrAllocatePage(uint64_t page_number) override { return storage_[page_number].data(); }

 private:
  std::vector<std::array<uint8_t, kPageSize>> storage_;
  std::vector<std::array<uint8_t, kPageSize>> spare_;
  mutable int find_calls_ = 0;
};

uint64_t HwRead(const HostMemory& memory, uint64_t address) {
  uint64_t value = ~uint64_t{0};
  EXPECT_TRUE(memory.HwReadAligned64(address, {MemoryAccessKind::kSecondStageEntry, 1}, &value));
  return value;
}

// The table pages of a few hundred translations (here 1024 consecutive pages, read over and
// over) are looked up once each, then answered from the page-pointer table.
TEST(HostMemoryTest, PageTableHoldsAThousandConsecutivePages) {
  CountingMemory memory(2048);
  for (uint64_t n = 0; n < 1024; ++n) ASSERT_THAT(memory.Write64(n * 4096 + 8, n + 1), IsOk());
  const int after_writes = memory.find_calls();
  for (int pass = 0; pass < 3; ++pass) {
    for (uint64_t n = 0; n < 1024; ++n) EXPECT_EQ(HwRead(memory, n * 4096 + 8), n + 1);
  }
  EXPECT_EQ(memory.find_calls(), after_writes);  // writes already filled every slot
}

// Pages that share a slot (1024 pages apart, and 512 apart) evict each other but never
// answer for each other.
TEST(HostMemoryTest, ConflictingPagesReadTheirOwnContents) {
  CountingMemory memory(4096);
  const uint64_t pages[] = {3, 3 + 512, 3 + 1024, 3 + 1536, 3 + 2048};
  for (uint64_t n : pages) ASSERT_THAT(memory.Write64(n * 4096, n * 7), IsOk());
  for (int pass = 0; pass < 3; ++pass) {
    for (uint64_t n : pages) EXPECT_EQ(HwRead(memory, n * 4096), n * 7);
    for (uint64_t n : pages) EXPECT_EQ(*memory.Read64(n * 4096), n * 7);
  }
  // Two pages of one set alternate without a lookup once both are in.
  (void)HwRead(memory, pages[0] * 4096);
  (void)HwRead(memory, pages[1] * 4096);
  const int before = memory.find_calls();
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(HwRead(memory, pages[i % 2] * 4096), pages[i % 2] * 7);
  }
  EXPECT_EQ(memory.find_calls(), before);
}

// An implementation that moves a page's storage calls ForgetCachedPages: reads then see the
// new storage, never the old pointer.
TEST(HostMemoryTest, ForgetCachedPagesDropsEveryRememberedPointer) {
  CountingMemory memory(2048);
  for (uint64_t n = 0; n < 1024; ++n) ASSERT_THAT(memory.Write64(n * 4096, n), IsOk());
  for (uint64_t n = 0; n < 1024; ++n) EXPECT_EQ(HwRead(memory, n * 4096), n);
  memory.MovePage(5, 0x5555);
  memory.MovePage(5 + 512, 0x7777);
  EXPECT_EQ(HwRead(memory, 5 * 4096), 0x5555u);
  EXPECT_EQ(HwRead(memory, (5 + 512) * 4096), 0x7777u);
  EXPECT_EQ(*memory.Read64((5 + 512) * 4096), 0x7777u);
  EXPECT_EQ(HwRead(memory, 6 * 4096), 6u);
}

}  // namespace
}  // namespace vtd
