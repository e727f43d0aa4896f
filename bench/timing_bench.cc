// What timing costs (issue 6 target: timing on at most 25% over timing off): the same
// RemappingUnit::Dma with and without the TimingObserver attached (to the unit and to host
// memory), for an IOTLB hit and for a cold 4-level walk; and the observer alone, fed the
// events of one hit.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "bench/bench_support.h"
#include "benchmark/benchmark.h"
#include "model/memory/host_memory.h"
#include "model/regs/cap_ecap.h"
#include "model/structs/address_width.h"
#include "model/timing/cost_model.h"
#include "model/timing/timing_observer.h"
#include "model/unit/remapping_unit.h"

namespace vtd {
namespace {

// As unit_bench.cc: one device with `pages` random 4 KiB pages, each under its own PT.
struct Setup {
  std::unique_ptr<HostMemory> memory;
  std::unique_ptr<RemappingUnit> unit;
  std::vector<DmaRequest> requests;
  uint64_t next = 0x200000;

  uint64_t Table() {
    const uint64_t t = next;
    next += 0x1000;
    return t;
  }

  Setup(const UnitCacheConfig& caches, int pages) {
    memory = std::move(HostMemory::Create(uint64_t{1} << 36)).value();
    UnitConfig config;
    config.cap = kR630Cap;
    config.ecap = kR630Ecap;
    config.host_address_width = 46;
    config.caches = caches;
    unit = std::move(RemappingUnit::Create(config, memory.get())).value();
    const uint64_t root_table = 0x100000;
    const uint64_t context_table = Table();
    const uint64_t ss_root = Table();
    (void)memory->Write64(root_table, context_table | 1);
    (void)memory->Write64(context_table + 16 * 8, ss_root | 1);
    (void)memory->Write64(context_table + 16 * 8 + 8, 2 | (uint64_t{1} << 8));
    for (int i = 0; i < pages; ++i) {
      const uint64_t iova = (Mix(i) & 0x7fffffe00000ull) | ((Mix(i + 1000) & 0x1ff) << 12);
      uint64_t t = ss_root;
      for (int level = 4; level > 1; --level) {
        const uint64_t ea = t + 8 * LevelIndex(iova, level);
        uint64_t raw = memory->Read64(ea).value();
        if (raw == 0) {
          raw = Table() | 3;
          (void)memory->Write64(ea, raw);
        }
        t = raw & ~uint64_t{0xfff};
      }
      (void)memory->Write64(t + 8 * LevelIndex(iova, 1), (Mix(iova) & 0xffffff000ull) | 3);
      DmaRequest r;
      r.source_id = SourceId(8);
      r.address = iova | 0x40;
      r.size = 64;
      requests.push_back(r);
    }
    unit->WriteRegister64(0x20, root_table);
    unit->WriteRegister32(0x18, 1u << 30);  // SRTP
    unit->WriteRegister32(0x18, 1u << 31);  // TE
    for (const DmaRequest& r : requests) {
      if (!unit->Dma(r).result.ok()) std::abort();
    }
  }
};

void Run(benchmark::State& state, const UnitCacheConfig& caches, int pages, bool timed) {
  Setup s(caches, pages);
  timing::TimingObserver observer(timing::CostModel::Default());
  if (timed) {
    s.unit->AddObserver(&observer);
    s.memory->set_observer(&observer);
  }
  CycleDma(state, *s.unit, s.requests, DmaForm::kByValue);
  if (timed) {
    state.counters["cycles/request"] =
        static_cast<double>(observer.total_cycles()) /
        static_cast<double>(std::max<uint64_t>(observer.stats().dma_requests, 1));
    s.memory->set_observer(nullptr);
  }
}

void BM_TimingOff_IotlbHit(benchmark::State& state) { Run(state, UnitCacheConfig{}, 64, false); }
BENCHMARK(BM_TimingOff_IotlbHit);
void BM_TimingOn_IotlbHit(benchmark::State& state) { Run(state, UnitCacheConfig{}, 64, true); }
BENCHMARK(BM_TimingOn_IotlbHit);

void BM_TimingOff_ColdWalk4Level(benchmark::State& state) { Run(state, NoCaches(), 256, false); }
BENCHMARK(BM_TimingOff_ColdWalk4Level);
void BM_TimingOn_ColdWalk4Level(benchmark::State& state) { Run(state, NoCaches(), 256, true); }
BENCHMARK(BM_TimingOn_ColdWalk4Level);

// The observer alone: the four events of an IOTLB hit (begin, context hit, IOTLB hit, end).
void BM_TimingObserverHitEvents(benchmark::State& state) {
  timing::TimingObserver observer(timing::CostModel::Default());
  UnitObserver* unit_side = &observer;  // called through the interface, as the unit does
  const CacheLookupEvent context{CacheKind::kContext, true, 8};
  const CacheLookupEvent iotlb{CacheKind::kIotlb, true, 0x1000};
  uint64_t n = 0;
  for (auto _ : state) {
    unit_side->OnRequestBegin();
    unit_side->OnCacheLookup(context);
    unit_side->OnCacheLookup(iotlb);
    unit_side->OnRequestEnd();
    ++n;
  }
  benchmark::DoNotOptimize(observer.total_cycles() + n);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TimingObserverHitEvents);

}  // namespace
}  // namespace vtd
