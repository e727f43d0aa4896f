// The timing observer charges unit and memory events (issue 6) and never changes what the
// hardware returns. Events here are synthetic, in the order a unit emits them (S §6.2:
// context cache, IOTLB, paging-structure caches; S §3.6 walk reads).
#include "model/timing/timing_observer.h"

#include <cstdint>
#include <memory>
#include <vector>

#include "absl/types/span.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/memory/host_memory.h"
#include "tests/testing/status_matchers.h"

namespace vtd::timing {
namespace {

using ::testing::ElementsAre;

CostModel UnitModel() { return CostModel::Preset("unit").value(); }

void Lookup(TimingObserver& t, CacheKind cache, bool hit) {
  t.OnCacheLookup(CacheLookupEvent{.cache = cache, .hit = hit, .tag = 0});
}
void Read(TimingObserver& t, uint64_t address, MemoryAccessKind kind, int level = 0) {
  t.OnRead(address, 8, MemoryAccessTag{kind, static_cast<int8_t>(level)});
}

// A DMA that hits the context cache and the IOTLB.
void HitRequest(TimingObserver& t) {
  t.OnRequestBegin();
  Lookup(t, CacheKind::kContext, true);
  Lookup(t, CacheKind::kIotlb, true);
  t.OnRequestEnd();
}

// A DMA that misses everything and walks 4 levels: root, context, PML4E..PTE.
void ColdRequest(TimingObserver& t, uint64_t table_base) {
  t.OnRequestBegin();
  Lookup(t, CacheKind::kContext, false);
  Read(t, table_base, MemoryAccessKind::kRootEntry);
  Read(t, table_base + 0x1000, MemoryAccessKind::kContextEntry);
  Lookup(t, CacheKind::kIotlb, false);
  Lookup(t, CacheKind::kPscPde, false);
  Lookup(t, CacheKind::kPscPdpte, false);
  Lookup(t, CacheKind::kPscPml4, false);
  for (int level = 4; level >= 1; --level) {
    Read(t, table_base + 0x2000 * static_cast<uint64_t>(6 - level),
         MemoryAccessKind::kSecondStageEntry, level);
  }
  t.OnRequestEnd();
}

TEST(TimingObserverCaches, HitPathChargesTheTwoLookups) {  // S §6.2.1, §6.2.2
  const CostModel m = CostModel::Default();
  TimingObserver t(m);
  t.BeginStep();
  HitRequest(t);
  EXPECT_EQ(t.EndStep(), m.context_hit + m.iotlb_hit);
  EXPECT_EQ(t.last_request_cycles(), m.context_hit + m.iotlb_hit);
  EXPECT_EQ(t.stats().caches[CacheSlot(CacheKind::kIotlb)].hits, 1u);
}

// One call for a request its caches answered (what the unit's hot entries send) charges
// and counts as its begin, lookups and end: the default cost model's context, PASID and
// IOTLB hit costs, one DMA request with that latency, the hits per cache.
TEST(TimingObserverCaches, CachedRequestChargesItsLookupsAsOneRequest) {  // S §6.2
  const CostModel m = CostModel::Default();
  TimingObserver t(m);
  const CacheLookupEvent hits[] = {{CacheKind::kContext, true, 8},
                                   {CacheKind::kPasid, true, 1},
                                   {CacheKind::kIotlb, true, 0x1000}};
  uint32_t memo_three = 0;
  uint32_t memo_one = 0;
  t.BeginStep();
  t.OnCachedRequest(hits, memo_three);
  t.OnCachedRequest(absl::MakeConstSpan(hits).subspan(0, 1), memo_one);
  const uint64_t first = m.context_hit + m.pasid_hit + m.iotlb_hit;
  EXPECT_EQ(t.EndStep(), first + m.context_hit);
  EXPECT_EQ(t.last_request_cycles(), m.context_hit);
  EXPECT_EQ(t.stats().dma_requests, 2u);
  EXPECT_THAT(t.stats().dma_latencies.Sorted(), ElementsAre(m.context_hit, first));
  EXPECT_EQ(t.stats().caches[CacheSlot(CacheKind::kContext)].hits, 2u);
  EXPECT_EQ(t.stats().caches[CacheSlot(CacheKind::kPasid)].hits, 1u);
  EXPECT_EQ(t.stats().caches[CacheSlot(CacheKind::kIotlb)].hits, 1u);
  // The same requests again with the memos the observer left: charged the same.
  t.BeginStep();
  t.OnCachedRequest(hits, memo_three);
  EXPECT_EQ(t.EndStep(), first);
  EXPECT_EQ(t.last_request_cycles(), first);
  t.OnCachedRequest(absl::MakeConstSpan(hits).subspan(0, 1), memo_one);
  EXPECT_EQ(t.last_request_cycles(), m.context_hit);
  EXPECT_EQ(t.stats().dma_requests, 4u);
  EXPECT_THAT(t.stats().dma_latencies.Sorted(),
              ElementsAre(m.context_hit, m.context_hit, first, first));
  EXPECT_EQ(t.stats().caches[CacheSlot(CacheKind::kContext)].hits, 4u);
  EXPECT_EQ(t.stats().caches[CacheSlot(CacheKind::kIotlb)].hits, 2u);
}

// Cached requests of every shape, each sent several times with the memo the observer left
// (or a fresh one), give the statistics of the same requests as separate events, byte for
// byte: hits and misses, an interrupt entry lookup, no lookup at all, more lookups than a
// shape holds, and across Reset.
TEST(TimingObserverCaches, CachedRequestsWithMemosEqualSeparateEvents) {  // S §6.2
  const CostModel m = CostModel::Default();
  const CacheLookupEvent context_hit{CacheKind::kContext, true, 8};
  const CacheLookupEvent context_miss{CacheKind::kContext, false, 8};
  const CacheLookupEvent iotlb_hit{CacheKind::kIotlb, true, 0x1000};
  const CacheLookupEvent iotlb_miss{CacheKind::kIotlb, false, 0x1000};
  const CacheLookupEvent pasid_hit{CacheKind::kPasid, true, 1};
  const CacheLookupEvent pde_miss{CacheKind::kPscPde, false, 0};
  const CacheLookupEvent irte_hit{CacheKind::kInterruptEntry, true, 5};
  const std::vector<std::vector<CacheLookupEvent>> shapes = {
      {context_hit, iotlb_hit},
      {context_hit, pasid_hit, iotlb_hit},
      {context_hit},
      {context_hit, iotlb_miss},
      {context_miss, iotlb_miss, pde_miss},
      {irte_hit},
      {},
      {context_hit, pasid_hit, iotlb_miss, pde_miss, pde_miss, pde_miss},
  };
  TimingObserver cached(m);
  TimingObserver separate(m);
  std::vector<uint32_t> memos(shapes.size(), 0);
  for (int round = 0; round < 3; ++round) {
    if (round == 2) {
      cached.Reset();
      separate.Reset();
    }
    for (size_t i = 0; i < shapes.size(); ++i) {
      for (int repeat = 0; repeat <= static_cast<int>(i % 3); ++repeat) {
        cached.BeginStep();
        uint32_t fresh = 0;
        cached.OnCachedRequest(shapes[i], i % 2 == 0 ? memos[i] : fresh);
        separate.BeginStep();
        separate.OnRequestBegin();
        for (const CacheLookupEvent& event : shapes[i]) separate.OnCacheLookup(event);
        separate.OnRequestEnd();
        ASSERT_EQ(cached.EndStep(), separate.EndStep()) << "shape " << i;
        ASSERT_EQ(cached.last_request_cycles(), separate.last_request_cycles()) << "shape " << i;
      }
    }
    EXPECT_EQ(separate.stats().ToJson().Dump(), cached.stats().ToJson().Dump()) << round;
  }
  // The last round (after Reset) in counts: shapes 3, 4 and 7 miss the IOTLB (sent 1, 2
  // and 2 times, no walk read); shape 5 is an interrupt request (3 times), shape 6 neither.
  EXPECT_EQ(cached.stats().walk_lengths[0], 5u);
  EXPECT_EQ(cached.stats().interrupt_requests, 3u);
  EXPECT_EQ(cached.stats().other_requests, 1u);
}

TEST(TimingObserverCaches, ColdWalkChargesLookupsAndEveryRead) {  // S §3.6, §6.2
  const CostModel m = CostModel::Default();
  TimingObserver t(m);
  t.BeginStep();
  ColdRequest(t, 0x100000);
  const uint64_t expected = m.context_miss + m.iotlb_miss + m.psc_pde_miss + m.psc_pdpte_miss +
                            m.psc_pml4_miss + 6 * m.memory_dram;
  EXPECT_EQ(t.EndStep(), expected);
  EXPECT_EQ(t.stats().dram_reads, 6u);
  EXPECT_EQ(t.stats().breakdown.memory_reads, 6 * m.memory_dram);
  EXPECT_THAT(t.stats().walk_lengths, ElementsAre(0, 0, 0, 0, 1, 0, 0, 0, 0));
}

TEST(TimingObserverCaches, UnitPresetCountsEvents) {
  TimingObserver t(UnitModel());
  t.BeginStep();
  ColdRequest(t, 0x100000);
  EXPECT_EQ(t.EndStep(), 11u);  // 5 lookups + 6 reads
}

TEST(TimingObserverSteps, StepSumsItsRequestsAndStartsAfresh) {
  TimingObserver t(UnitModel());
  t.BeginStep();
  HitRequest(t);
  HitRequest(t);
  EXPECT_EQ(t.EndStep(), 4u);
  t.BeginStep();
  EXPECT_EQ(t.EndStep(), 0u);
  HitRequest(t);
  EXPECT_EQ(t.EndStep(), 2u);
  EXPECT_EQ(t.total_cycles(), 6u);
}

TEST(TimingObserverMemory, LlcModelServesARepeatedLine) {
  CostModel m = CostModel::Default();
  m.llc_lines = 1024;
  TimingObserver t(m);
  t.BeginStep();
  Read(t, 0x10000, MemoryAccessKind::kSecondStageEntry, 1);
  EXPECT_EQ(t.EndStep(), m.memory_dram);
  t.BeginStep();
  Read(t, 0x10038, MemoryAccessKind::kSecondStageEntry, 1);  // same 64 B line
  EXPECT_EQ(t.EndStep(), m.memory_llc);
  t.BeginStep();
  Read(t, 0x10040, MemoryAccessKind::kSecondStageEntry, 1);  // next line
  EXPECT_EQ(t.EndStep(), m.memory_dram);
  // 0x10000 + 1024 lines maps to the same slot and evicts it (direct-mapped).
  Read(t, 0x10000 + 1024 * 64, MemoryAccessKind::kSecondStageEntry, 1);
  t.BeginStep();
  Read(t, 0x10000, MemoryAccessKind::kSecondStageEntry, 1);
  EXPECT_EQ(t.EndStep(), m.memory_dram);
  EXPECT_EQ(t.stats().llc_hits, 1u);
  EXPECT_EQ(t.stats().dram_reads, 4u);
}

TEST(TimingObserverMemory, WithoutLlcEveryReadIsDram) {
  const CostModel m = CostModel::Default();
  ASSERT_EQ(m.llc_lines, 0u);
  TimingObserver t(m);
  Read(t, 0x10000, MemoryAccessKind::kRootEntry);
  Read(t, 0x10000, MemoryAccessKind::kRootEntry);
  EXPECT_EQ(t.total_cycles(), 2 * m.memory_dram);
}

TEST(TimingObserverMemory, WriteAllocatesTheLine) {
  CostModel m = CostModel::Default();
  m.llc_lines = 64;
  TimingObserver t(m);
  t.OnWrite(0x2000, 4, MemoryAccessTag{MemoryAccessKind::kInvalidationStatus, 0});
  EXPECT_EQ(t.total_cycles(), m.memory_write);
  Read(t, 0x2000, MemoryAccessKind::kOther);
  EXPECT_EQ(t.total_cycles(), m.memory_write + m.memory_llc);
  EXPECT_EQ(t.stats().writes[MemorySlot(MemoryAccessKind::kInvalidationStatus)], 1u);
}

TEST(TimingObserverMemory, DmaDataIsCountedButChargedOnlyWhenAsked) {
  CostModel m = CostModel::Default();
  TimingObserver off(m);
  Read(off, 0x5000, MemoryAccessKind::kDmaData);
  off.OnWrite(0x5000, 64, MemoryAccessTag{MemoryAccessKind::kDmaData, 0});
  EXPECT_EQ(off.total_cycles(), 0u);
  EXPECT_EQ(off.stats().reads[MemorySlot(MemoryAccessKind::kDmaData)], 1u);
  EXPECT_EQ(off.stats().write_bytes, 64u);
  m.charge_dma_data = 1;
  TimingObserver on(m);
  Read(on, 0x5000, MemoryAccessKind::kDmaData);
  on.OnWrite(0x5000, 64, MemoryAccessTag{MemoryAccessKind::kDmaData, 0});
  EXPECT_EQ(on.total_cycles(), m.memory_dram + m.memory_write);
}

TEST(TimingObserverFaults, RecordedFaultIsChargedOverflowIsNot) {  // S §7.2.1, §7.2.2
  const CostModel m = CostModel::Default();
  TimingObserver t(m);
  FaultRecordEvent recorded;
  recorded.frcd_index = 0;
  t.OnFaultRecorded(recorded);
  FaultRecordEvent overflow;
  overflow.overflow = true;
  t.OnFaultRecorded(overflow);
  FaultRecordEvent not_recorded;  // e.g. FPD set: no FRCD written
  t.OnFaultRecorded(not_recorded);
  EXPECT_EQ(t.total_cycles(), m.fault_record);
  EXPECT_EQ(t.stats().faults_recorded, 1u);
  EXPECT_EQ(t.stats().fault_overflows, 1u);
}

TEST(TimingObserverFaults, MaskedInterruptMessageIsNotSent) {  // S §7.3 (FECTL.IM)
  const CostModel m = CostModel::Default();
  TimingObserver t(m);
  t.OnInterruptMessage(InterruptMessageEvent{.source = "fault_event", .sent = false});
  EXPECT_EQ(t.total_cycles(), 0u);
  t.OnInterruptMessage(InterruptMessageEvent{.source = "fault_event", .sent = true});
  EXPECT_EQ(t.total_cycles(), m.interrupt_message);
  EXPECT_EQ(t.stats().interrupt_messages, 1u);
}

TEST(TimingObserverInvalidation, CostDependsOnTheCache) {  // S §6.5
  const CostModel m = CostModel::Default();
  TimingObserver t(m);
  t.BeginStep();
  t.OnInvalidation(InvalidationEvent{CacheKind::kIotlb, "domain", "domain", 7});
  t.OnInvalidation(InvalidationEvent{CacheKind::kPscPde, "domain", "domain", 2});
  t.OnInvalidation(InvalidationEvent{CacheKind::kContext, "global", "global", 1});
  EXPECT_EQ(t.EndStep(), m.invalidate_iotlb + m.invalidate_psc + m.invalidate_context);
  EXPECT_EQ(t.stats().invalidations, 3u);
  EXPECT_EQ(t.stats().invalidated_entries, 10u);
}

TEST(TimingObserverInvalidation, NotPerformedCostsNothing) {  // S §6.5.1, CCMD.CAIG = 00b
  TimingObserver t(CostModel::Default());
  t.OnInvalidation(InvalidationEvent{CacheKind::kContext, "reserved", "none", 0});
  EXPECT_EQ(t.total_cycles(), 0u);
  EXPECT_EQ(t.stats().invalidations, 1u);
}

TEST(TimingObserverRegisters, ReadsAndWritesAreCounted) {  // S §10.4
  CostModel m = CostModel::Default();
  m.register_read = 3;
  m.register_write = 5;
  TimingObserver t(m);
  t.OnRegisterAccess(0x1c, 4, false, 0);
  t.OnRegisterAccess(0x18, 4, true, 0x80000000);
  EXPECT_EQ(t.total_cycles(), 8u);
  EXPECT_EQ(t.stats().register_reads, 1u);
  EXPECT_EQ(t.stats().register_writes, 1u);
}

TEST(TimingObserverInterrupts, InterruptRequestsAreSeparated) {  // S §5.1
  const CostModel m = CostModel::Default();
  TimingObserver t(m);
  t.OnRequestBegin();
  Lookup(t, CacheKind::kInterruptEntry, false);
  t.OnRead(0x3000, 16, MemoryAccessTag{MemoryAccessKind::kIrte, 0});
  t.OnRequestEnd();
  HitRequest(t);
  EXPECT_EQ(t.stats().interrupt_requests, 1u);
  EXPECT_EQ(t.stats().dma_requests, 1u);
  EXPECT_THAT(t.stats().interrupt_latencies.Sorted(),
              ElementsAre(m.interrupt_entry_miss + m.memory_dram));
  EXPECT_THAT(t.stats().walk_lengths, ElementsAre(0, 0, 0, 0, 0, 0, 0, 0, 0));
}

// A request that touches nothing (TE off, S §3.1; compatibility-format interrupt, S §5.1.2)
// is neither a DMA nor an interrupt translation.
TEST(TimingObserverRequests, UntouchedRequestIsOther) {
  CostModel m = CostModel::Default();
  TimingObserver t(m);
  t.OnRequestBegin();
  t.OnRequestEnd();
  t.OnRequestBegin();  // refused before any lookup, with a fault recorded (e.g. RTA.1.1)
  FaultRecordEvent f;
  f.frcd_index = 0;
  t.OnFaultRecorded(f);
  t.OnRequestEnd();
  EXPECT_EQ(t.stats().other_requests, 2u);
  EXPECT_EQ(t.stats().dma_requests, 0u);
  EXPECT_EQ(t.stats().interrupt_requests, 0u);
  EXPECT_THAT(t.stats().other_latencies.Sorted(), ElementsAre(0, m.fault_record));
  EXPECT_THAT(t.stats().ToTable(), ::testing::HasSubstr("  other               2"));
}

TEST(TimingObserverWalks, WalkLengthHistogramCountsOnlyIotlbMisses) {
  TimingObserver t(UnitModel());
  HitRequest(t);
  ColdRequest(t, 0x100000);
  // A miss that a PDE-cache hit shortens to one read.
  t.OnRequestBegin();
  Lookup(t, CacheKind::kContext, true);
  Lookup(t, CacheKind::kIotlb, false);
  Lookup(t, CacheKind::kPscPde, true);
  Read(t, 0x9000, MemoryAccessKind::kSecondStageEntry, 1);
  t.OnRequestEnd();
  EXPECT_THAT(t.stats().walk_lengths, ElementsAre(0, 1, 0, 0, 1, 0, 0, 0, 0));
  EXPECT_DOUBLE_EQ(t.stats().average_walk_length(), 2.5);
  EXPECT_THAT(t.stats().dma_latencies.Sorted(), ElementsAre(2, 4, 11));
}

TEST(TimingObserverReset, ForgetsEverything) {
  CostModel m = UnitModel();
  m.llc_lines = 16;
  TimingObserver t(m);
  ColdRequest(t, 0x100000);
  t.Reset();
  EXPECT_EQ(t.total_cycles(), 0u);
  EXPECT_EQ(t.stats().dma_requests, 0u);
  EXPECT_EQ(t.stats().dma_latencies.count(), 0u);
  EXPECT_EQ(t.stats().preset, "unit");
  Read(t, 0x100000, MemoryAccessKind::kRootEntry);
  EXPECT_EQ(t.stats().dram_reads, 1u);  // the LLC model was emptied too
}

// The observer sees accesses but never alters them: the same reads return the same values
// with and without it attached.
TEST(TimingObserverNeutral, AttachedObserverDoesNotChangeMemoryResults) {
  VTD_ASSERT_OK_AND_ASSIGN(std::unique_ptr<HostMemory> memory, HostMemory::Create(1 << 20));
  ASSERT_TRUE(memory->Write64(0x1000, 0x1234567890abcdefull).ok());
  const MemoryAccessTag tag{MemoryAccessKind::kSecondStageEntry, 4};
  uint64_t without = 0, with = 0;
  ASSERT_TRUE(memory->HwReadAligned64(0x1000, tag, &without));
  TimingObserver t(CostModel::Default());
  memory->set_observer(&t);
  ASSERT_TRUE(memory->HwReadAligned64(0x1000, tag, &with));
  EXPECT_EQ(with, without);
  EXPECT_FALSE(memory->HwReadAligned64(1 << 20, tag, &with));  // out of range still fails
  EXPECT_EQ(t.stats().reads[MemorySlot(MemoryAccessKind::kSecondStageEntry)], 2u);
  ASSERT_TRUE(memory->HwWrite(0x2000, 4, 0x55, MemoryAccessTag{}).ok());
  EXPECT_EQ(*memory->Read(0x2000, 4), 0x55u);
  EXPECT_EQ(memory->allocated_page_count(), 2);
  memory->set_observer(nullptr);
}

TEST(TimingObserverNeutral, EndWithoutBeginIsIgnored) {
  TimingObserver t(UnitModel());
  t.OnRequestEnd();
  EXPECT_EQ(t.stats().dma_requests, 0u);
}

}  // namespace
}  // namespace vtd::timing
