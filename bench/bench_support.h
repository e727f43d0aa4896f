// Helpers shared by the benchmarks (not part of the model).
#ifndef VTDSIM_BENCH_BENCH_SUPPORT_H_
#define VTDSIM_BENCH_BENCH_SUPPORT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "benchmark/benchmark.h"
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
