// Helpers shared by the benchmarks (not part of the model).
#ifndef VTDSIM_BENCH_BENCH_SUPPORT_H_
#define VTDSIM_BENCH_BENCH_SUPPORT_H_

#include <cstdint>

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

}  // namespace vtd

#endif  // VTDSIM_BENCH_BENCH_SUPPORT_H_
