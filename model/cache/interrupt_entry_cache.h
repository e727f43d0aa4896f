// The interrupt entry cache (VT-d spec §6.4): whole IRTEs keyed by interrupt_index, as the
// remapping hardware read them. Like every vtdsim cache it keeps an entry until a fill evicts
// it or an invalidation removes it, so an IRTE edited in memory without an iec_inv_dsc keeps
// being used (the stale behaviour software must avoid). Each entry remembers where it came
// from and the raw words, so the invalidation checker can compare it with memory.
//
// Invalidation (S §6.5.2.7 iec_inv_dsc): global, or index-selective with an index mask
// IM covering 2^IM entries aligned to that size (low IM bits of IIDX ignored).
#ifndef VTDSIM_MODEL_CACHE_INTERRUPT_ENTRY_CACHE_H_
#define VTDSIM_MODEL_CACHE_INTERRUPT_ENTRY_CACHE_H_

#include <array>
#include <cstdint>
#include <string_view>
#include <utility>

#include "absl/status/statusor.h"
#include "model/cache/set_associative_cache.h"

namespace vtd {

struct InterruptEntryCacheValue {
  uint64_t address = 0;            // where the IRTE was read from
  std::array<uint64_t, 2> irte{};  // its 128 bits when cached
};

class InterruptEntryCache {
 public:
  using Cache = SetAssociativeCache<uint32_t, InterruptEntryCacheValue>;
  using Entry = Cache::Entry;

  static absl::StatusOr<InterruptEntryCache> Create(const CacheGeometry& geometry) {
    absl::StatusOr<Cache> cache = Cache::Create(geometry, "interrupt_entry");
    if (!cache.ok()) return cache.status();
    return InterruptEntryCache(*std::move(cache));
  }
  InterruptEntryCache() = default;

  const Entry* Lookup(uint32_t index) { return cache_.Lookup(index, index); }
  const Entry* Probe(uint32_t index) const { return cache_.Probe(index, index); }
  void Fill(uint32_t index, uint64_t address, const std::array<uint64_t, 2>& irte,
            uint64_t fill_stamp) {
    cache_.Fill(index, index, InterruptEntryCacheValue{address, irte}, fill_stamp);
  }

  // Global invalidation; returns the entries removed.
  int InvalidateAll() { return cache_.InvalidateAll(); }
  void Reset() { cache_.Reset(); }
  // Index-selective: every index whose bits above `index_mask` match `index`'s.
  int InvalidateIndexRange(uint32_t index, int index_mask) {
    const uint32_t keep = ~((uint32_t{1} << index_mask) - 1);
    return cache_.InvalidateIf([&](const Entry& e) { return (e.key & keep) == (index & keep); });
  }

  const CacheCounters& counters() const { return cache_.counters(); }
  const CacheGeometry& geometry() const { return cache_.geometry(); }
  int size() const { return cache_.size(); }
  template <typename Fn>
  void ForEach(Fn fn) const {
    cache_.ForEach(fn);
  }

 private:
  explicit InterruptEntryCache(Cache cache) : cache_(std::move(cache)) {}
  Cache cache_;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_CACHE_INTERRUPT_ENTRY_CACHE_H_
