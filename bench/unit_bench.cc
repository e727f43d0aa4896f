// RemappingUnit::Dma throughput (issue: remapping unit core): an IOTLB hit, a full 4-level
// walk with every cache disabled (cold), the same walk with only the context cache, and a
// walk whose upper levels come from the paging-structure caches (PSC-warm, IOTLB off).
// Floors to compare with: BM_Floor_HashMapLookup (baseline_bench) for a hit,
// BM_Floor_HostMemory4DependentLoads (walk_bench) for a walk.
#include <cstdint>
#include <memory>
#include <vector>

#include "bench/bench_support.h"
#include "benchmark/benchmark.h"
#include "model/memory/host_memory.h"
#include "model/regs/cap_ecap.h"
#include "model/structs/address_width.h"
#include "model/unit/remapping_unit.h"

namespace vtd {
namespace {

// One device (bus 0, devfn 8) with a 4-level table mapping `pages` random 4 KiB pages, each
// in its own 2 MiB region (distinct PTs), and a unit enabled over it.
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
    unit->WriteRegister32(0x18, 1u << 30);                                   // SRTP
    unit->WriteRegister64(0x28, (uint64_t{1} << 63) | (uint64_t{1} << 61));  // CCMD global
    unit->WriteRegister64(unit->registers().OffsetOf(RegId::kIotlb),
                          (uint64_t{1} << 63) | (uint64_t{1} << 60));  // IOTLB global
    unit->WriteRegister32(0x18, 1u << 31);                             // TE
    for (const DmaRequest& r : requests) {
      if (!unit->Dma(r).result.ok()) std::abort();
    }
  }
};

// Each form of the call (bench_support.h DmaForm) over the same set-up.
void Run(benchmark::State& state, const UnitCacheConfig& caches, int pages,
         DmaForm form = DmaForm::kByValue) {
  Setup s(caches, pages);
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
