// RemappingUnit::Dma throughput (issue: remapping unit core): an IOTLB hit, a full 4-level
// walk with every cache disabled (cold), the same walk with only the context cache, and a
// walk whose upper levels come from the paging-structure caches (PSC-warm, IOTLB off).
// Floors to compare with: BM_Floor_HashMapLookup (baseline_bench) for a hit,
// BM_Floor_HostMemory4DependentLoads (walk_bench) for a walk.
#include <cstdint>
#include <vector>

#include "bench/bench_support.h"
#include "benchmark/benchmark.h"
#include "model/unit/remapping_unit.h"

namespace vtd {
namespace {

// Each form of the call (bench_support.h DmaForm) over the same set-up (OneDeviceUnit).
void Run(benchmark::State& state, const UnitCacheConfig& caches, int pages,
         DmaForm form = DmaForm::kByValue) {
  OneDeviceUnit s(caches, pages);
  CycleDma(state, *s.unit, s.requests, form);
}
void RunOutParam(benchmark::State& state, const UnitCacheConfig& caches, int pages) {
  Run(state, caches, pages, DmaForm::kOutParam);
}
void RunLean(benchmark::State& state, const UnitCacheConfig& caches, int pages) {
  Run(state, caches, pages, DmaForm::kLean);
}

void BM_UnitIotlbHit(benchmark::State& state) { Run(state, UnitCacheConfig{}, 1); }
BENCHMARK(BM_UnitIotlbHit);

// 64 pages cycling through the default 128-entry IOTLB: always hits, different sets.
void BM_UnitIotlbHit64Pages(benchmark::State& state) { Run(state, UnitCacheConfig{}, 64); }
BENCHMARK(BM_UnitIotlbHit64Pages);

void BM_UnitColdWalkNoCaches(benchmark::State& state) { Run(state, NoCaches(), 256); }
BENCHMARK(BM_UnitColdWalkNoCaches);

// The same three with the out-parameter Dma.
void BM_UnitIotlbHitOutParam(benchmark::State& state) { RunOutParam(state, UnitCacheConfig{}, 1); }
BENCHMARK(BM_UnitIotlbHitOutParam);

void BM_UnitIotlbHit64PagesOutParam(benchmark::State& state) {
  RunOutParam(state, UnitCacheConfig{}, 64);
}
BENCHMARK(BM_UnitIotlbHit64PagesOutParam);

void BM_UnitColdWalkNoCachesOutParam(benchmark::State& state) {
  RunOutParam(state, NoCaches(), 256);
}
BENCHMARK(BM_UnitColdWalkNoCachesOutParam);

// The same three with the lean Translate.
void BM_UnitIotlbHitLean(benchmark::State& state) { RunLean(state, UnitCacheConfig{}, 1); }
BENCHMARK(BM_UnitIotlbHitLean);

void BM_UnitIotlbHit64PagesLean(benchmark::State& state) { RunLean(state, UnitCacheConfig{}, 64); }
BENCHMARK(BM_UnitIotlbHit64PagesLean);

void BM_UnitColdWalkNoCachesLean(benchmark::State& state) { RunLean(state, NoCaches(), 256); }
BENCHMARK(BM_UnitColdWalkNoCachesLean);

// Only the context cache.
UnitCacheConfig ContextCacheOnly() {
  UnitCacheConfig caches;
  caches.iotlb = caches.psc_pml5 = caches.psc_pml4 = caches.psc_pdpte = caches.psc_pde =
      CacheGeometry{};
  return caches;
}
// IOTLB off, PDE cache large enough for every page: one PTE read per request.
UnitCacheConfig PscWarm() {
  UnitCacheConfig caches;
  caches.iotlb = CacheGeometry{};
  caches.psc_pde = CacheGeometry{.entries = 256, .ways = 8};
  return caches;
}

void BM_UnitWalk4LevelContextCached(benchmark::State& state) {
  Run(state, ContextCacheOnly(), 256);
}
BENCHMARK(BM_UnitWalk4LevelContextCached);

void BM_UnitPscWarmWalk(benchmark::State& state) { Run(state, PscWarm(), 64); }
BENCHMARK(BM_UnitPscWarmWalk);

// The lean form (RemappingUnit::Translate) of the context-cached and PSC-warm walks.
void BM_UnitWalk4LevelContextCachedLean(benchmark::State& state) {
  RunLean(state, ContextCacheOnly(), 256);
}
BENCHMARK(BM_UnitWalk4LevelContextCachedLean);

void BM_UnitPscWarmWalkLean(benchmark::State& state) { RunLean(state, PscWarm(), 64); }
BENCHMARK(BM_UnitPscWarmWalkLean);

}  // namespace
}  // namespace vtd
