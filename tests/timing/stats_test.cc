// Timing statistics: percentiles, hit rates, and the exact JSON and table the runner prints
// (issue 6: "stats" in --json, --stats table).
#include "model/timing/stats.h"

#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/timing/timing_observer.h"

namespace vtd::timing {
namespace {

using ::testing::HasSubstr;

TEST(StatsSummary, NearestRankPercentiles) {
  std::vector<uint64_t> v;
  for (uint64_t i = 100; i >= 1; --i) v.push_back(i);  // order must not matter
  const LatencySummary s = Summarize(v);
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.total, 5050u);
  EXPECT_DOUBLE_EQ(s.average, 50.5);
  EXPECT_EQ(s.p50, 50u);
  EXPECT_EQ(s.p90, 90u);
  EXPECT_EQ(s.p99, 99u);
  EXPECT_EQ(s.max, 100u);
}

TEST(StatsSummary, SmallSamples) {
  EXPECT_EQ(Summarize({}).count, 0u);
  const LatencySummary one = Summarize({7});
  EXPECT_EQ(one.p50, 7u);
  EXPECT_EQ(one.p99, 7u);
  // 3 samples: p50 is rank ceil(1.5) = 2, p90 rank ceil(2.7) = 3.
  const LatencySummary three = Summarize({30, 10, 20});
  EXPECT_EQ(three.p50, 20u);
  EXPECT_EQ(three.p90, 30u);
}

TEST(StatsSummary, LargeValuesAreExactToo) {
  LatencyLog log;
  log.Add(3);
  log.Add(LatencyLog::kDense + 10);
  log.Add(1'000'000);
  log.Add(LatencyLog::kDense - 1);
  const LatencySummary s = log.Summary();
  EXPECT_EQ(s.p50, LatencyLog::kDense - 1);  // rank 2 of 4
  EXPECT_EQ(s.p90, 1'000'000u);
  EXPECT_EQ(s.max, 1'000'000u);
  EXPECT_EQ(s.total, 3 + LatencyLog::kDense + 10 + 1'000'000 + LatencyLog::kDense - 1);
  EXPECT_THAT(log.Sorted(), ::testing::ElementsAre(3, LatencyLog::kDense - 1,
                                                   LatencyLog::kDense + 10, 1'000'000));
}

TEST(StatsCaches, HitRate) {
  CacheStats c{.hits = 3, .misses = 1};
  EXPECT_EQ(c.lookups(), 4u);
  EXPECT_DOUBLE_EQ(c.hit_rate(), 0.75);
  EXPECT_DOUBLE_EQ(CacheStats{}.hit_rate(), 0.0);
  EXPECT_EQ(CacheSlotName(CacheSlot(CacheKind::kPscPdpte)), "psc_pdpte");
  EXPECT_EQ(CacheSlotName(CacheSlot(CacheKind::kInterruptEntry)), "interrupt_entry");
  EXPECT_EQ(CacheSlotName(15), "");
}

// Two DMAs under the "unit" preset (1 cycle per event): a hit (2 lookups) and a miss with a
// PDE-cache hit and one PTE read (4 events).
Stats TwoRequests() {
  TimingObserver t(CostModel::Preset("unit").value());
  t.OnRequestBegin();
  t.OnCacheLookup({CacheKind::kContext, true, 0});
  t.OnCacheLookup({CacheKind::kIotlb, true, 0});
  t.OnRequestEnd();
  t.OnRequestBegin();
  t.OnCacheLookup({CacheKind::kContext, true, 0});
  t.OnCacheLookup({CacheKind::kIotlb, false, 0});
  t.OnCacheLookup({CacheKind::kPscPde, true, 0});
  t.OnRead(0x4000, 8, MemoryAccessTag{MemoryAccessKind::kSecondStageEntry, 1});
  t.OnRequestEnd();
  return t.stats();
}

TEST(StatsJson, ExactDocument) {
  EXPECT_EQ(TwoRequests().ToJson().Dump(-1),
            R"({"preset":"unit","clock_mhz":1000,"cycles":6,"ns":6,)"
            R"("cycles_by_event":{"cache_lookups":5,"memory_reads":1,"memory_writes":0,)"
            R"("faults":0,"interrupt_messages":0,"invalidations":0,"registers":0},)"
            R"("requests":{"dma":2,"interrupt":0,"other":0},)"
            R"("latency":{"dma":{"count":2,"total_cycles":6,"avg_cycles":3,"p50_cycles":2,)"
            R"("p90_cycles":4,"p99_cycles":4,"max_cycles":4,"avg_ns":3},)"
            R"("interrupt":{"count":0,"total_cycles":0,"avg_cycles":0,"p50_cycles":0,)"
            R"("p90_cycles":0,"p99_cycles":0,"max_cycles":0,"avg_ns":0},)"
            R"("other":{"count":0,"total_cycles":0,"avg_cycles":0,"p50_cycles":0,)"
            R"("p90_cycles":0,"p99_cycles":0,"max_cycles":0,"avg_ns":0}},)"
            R"("caches":{"context":{"lookups":2,"hits":2,"misses":0,"hit_rate":1},)"
            R"("iotlb":{"lookups":2,"hits":1,"misses":1,"hit_rate":0.5},)"
            R"("psc_pde":{"lookups":1,"hits":1,"misses":0,"hit_rate":1}},)"
            R"("walk_length":{"walks":1,"avg_entries":1,"histogram":[0,1,0,0,0,0,0,0,0]},)"
            R"("memory":{"reads":1,"writes":0,"read_bytes":8,"write_bytes":0,"dram_reads":1,)"
            R"("llc_hits":0,"by_kind":{"second_stage_entry":{"reads":1,"writes":0}}},)"
            R"("events":{"faults_recorded":0,"fault_overflows":0,"interrupt_messages":0,)"
            R"("invalidations":0,"invalidated_entries":0,"register_reads":0,)"
            R"("register_writes":0}})");
}

TEST(StatsTable, ReadableSummary) {
  const std::string table = TwoRequests().ToTable();
  EXPECT_THAT(table, HasSubstr("timing: preset unit, 1000 MHz; 6 cycles (6.0 ns)\n"));
  EXPECT_THAT(table, HasSubstr("  dma                 2        3.0        2        4        4"));
  EXPECT_THAT(table, HasSubstr("  iotlb                     2          1          1    50.00%"));
  EXPECT_THAT(table, HasSubstr("  walks 1, avg 1.00 entries: 1:1\n"));
  EXPECT_THAT(table, HasSubstr("second_stage_entry       reads          1"));
}

}  // namespace
}  // namespace vtd::timing
