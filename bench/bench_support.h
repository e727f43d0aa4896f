// Helpers shared by the benchmarks (not part of the model).
#ifndef VTDSIM_BENCH_BENCH_SUPPORT_H_
#define VTDSIM_BENCH_BENCH_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "model/memory/host_memory.h"
#include "model/regs/cap_ecap.h"
#include "model/structs/address_width.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

// SplitMix64's finaliser: a cheap, deterministic spread of a counter over 64 bits, so that
// benchmark addresses are random-looking yet the same in every run.
inline uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Every translation cache off (context, PASID, IOTLB, paging-structure), so each request walks
// the tables; the interrupt-entry cache keeps its default.
inline UnitCacheConfig NoCaches() {
  UnitCacheConfig none;
  none.context = none.pasid = none.iotlb = none.psc_pml5 = none.psc_pml4 = none.psc_pdpte =
      none.psc_pde = CacheGeometry{};
  return none;
}

// Input addresses below 2^47 (a 4-level table's reach), 2 MiB aligned: each page of
// MapRandomPages in its own 2 MiB region.
inline constexpr uint64_t kIovaBelow2To47 = 0x7fffffe00000ull;

// What every unit benchmark's set-up holds: the memory, the unit, the requests to cycle
// through, and the next free 4 KiB table page (tables are taken from 0x200000 up).
struct BenchUnit {
  std::unique_ptr<HostMemory> memory;
  std::unique_ptr<RemappingUnit> unit;
  std::vector<DmaRequest> requests;
  uint64_t next = 0x200000;

  // The unit under test over `memory_bytes` of host memory (R630 values unless `config`
  // says otherwise).
  void CreateUnit(const UnitConfig& config, uint64_t memory_bytes = uint64_t{1} << 36) {
    memory = std::move(HostMemory::Create(memory_bytes)).value();
    unit = std::move(RemappingUnit::Create(config, memory.get())).value();
  }
  uint64_t Table() {
    const uint64_t t = next;
    next += 0x1000;
    return t;
  }
  void Put(uint64_t address, uint64_t value) {
    if (!memory->Write64(address, value).ok()) std::abort();
  }

  // Builds a second-stage table of `levels` levels at `ss_root` mapping `pages` random 4 KiB
  // pages (address bits from `iova_mask`, each page under its own page table), new tables
  // from Table(); with `map` false the PTEs are left not present. Returns one request per
  // page: bus 0 devfn 8, 64 bytes at offset 0x40, untranslated read.
  std::vector<DmaRequest> MapRandomPages(uint64_t ss_root, int levels, int pages,
                                         uint64_t iova_mask, bool map) {
    std::vector<DmaRequest> mapped;
    for (int i = 0; i < pages; ++i) {
      const uint64_t iova = (Mix(i) & iova_mask) | ((Mix(i + 1000) & 0x1ff) << 12);
      uint64_t t = ss_root;
      for (int level = levels; level > 1; --level) {
        const uint64_t ea = t + 8 * LevelIndex(iova, level);
        uint64_t raw = memory->Read64(ea).value();
        if (raw == 0) {
          raw = Table() | 3;
          Put(ea, raw);
        }
        t = raw & ~uint64_t{0xfff};
      }
      if (map) Put(t + 8 * LevelIndex(iova, 1), (Mix(iova) & 0xffffff000ull) | 3);
      DmaRequest r;
      r.source_id = SourceId(8);
      r.address = iova | 0x40;
      r.size = 64;
      mapped.push_back(r);
    }
    return mapped;
  }
};

// The unit of the hit and walk benchmarks (unit_bench.cc, timing_bench.cc): one device (bus
// 0, devfn 8) with a 4-level table mapping `pages` random 4 KiB pages, each in its own 2 MiB
// region (distinct PTs), R630 CAP/ECAP, caches as given; translation enabled after a global
// context-cache and IOTLB invalidation, and every request asked once (so caches that hold
// them are warm).
struct OneDeviceUnit : BenchUnit {
  OneDeviceUnit(const UnitCacheConfig& caches, int pages) {
    UnitConfig config;
    config.cap = kR630Cap;
    config.ecap = kR630Ecap;
    config.host_address_width = 46;
    config.caches = caches;
    CreateUnit(config);
    const uint64_t root_table = 0x100000;
    const uint64_t context_table = Table();
    const uint64_t ss_root = Table();
    (void)memory->Write64(root_table, context_table | 1);
    (void)memory->Write64(context_table + 16 * 8, ss_root | 1);
    (void)memory->Write64(context_table + 16 * 8 + 8, 2 | (uint64_t{1} << 8));
    requests = MapRandomPages(ss_root, /*levels=*/4, pages, kIovaBelow2To47, /*map=*/true);
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

// The benchmark loop over a request list: one request per iteration, `issue(request)`,
// cycling through `requests` in order; items processed = iterations.
template <typename Issue>
void CycleRequests(benchmark::State& state, const std::vector<DmaRequest>& requests,
                   Issue&& issue) {
  size_t i = 0;
  for (auto _ : state) {
    issue(requests[i]);
    if (++i == requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

// The three forms of the unit's DMA call a benchmark can measure.
enum class DmaForm {
  kByValue,   // DmaOutcome out = unit.Dma(request): one outcome built and destroyed each time
  kOutParam,  // unit.Dma(request, &out): one outcome reused
  kLean,      // DmaResult r = unit.Translate(request)
};

// CycleRequests through `unit` in `form`.
inline void CycleDma(benchmark::State& state, RemappingUnit& unit,
                     const std::vector<DmaRequest>& requests, DmaForm form) {
  switch (form) {
    case DmaForm::kByValue:
      CycleRequests(state, requests, [&](const DmaRequest& r) {
        DmaOutcome out = unit.Dma(r);
        benchmark::DoNotOptimize(out.result.completion);
      });
      return;
    case DmaForm::kOutParam: {
      DmaOutcome out;
      CycleRequests(state, requests, [&](const DmaRequest& r) {
        unit.Dma(r, &out);
        benchmark::DoNotOptimize(out.result.completion);
      });
      return;
    }
    case DmaForm::kLean:
      CycleRequests(state, requests, [&](const DmaRequest& r) {
        const DmaResult result = unit.Translate(r);
        benchmark::DoNotOptimize(result.hpa);
      });
      return;
  }
}

}  // namespace vtd

#endif  // VTDSIM_BENCH_BENCH_SUPPORT_H_
