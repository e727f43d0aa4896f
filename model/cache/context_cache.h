// The context cache (VT-d spec §6.2.1): what a context lookup yields (a TranslationContext),
// tagged by source-id, with the raw entries it came from (for the invalidation checker).
// Invalidated by CCMD_REG or cc_inv_dsc (S §6.5.1.1, §6.5.2.1): globally, per domain, or per device
// (source-id with a function mask, and domain).
//
// With CAP.CM=1 the hardware may also cache not-present entries (S §6.1); the unit fills
// those with present = false. They are tagged with domain-id 0, which the spec reserves for
// this purpose when CM=1 (S §9.3 DID), so a device-selective invalidation with DID 0 (what
// software issues after making such an entry present) removes them.
#ifndef VTDSIM_MODEL_CACHE_CONTEXT_CACHE_H_
#define VTDSIM_MODEL_CACHE_CONTEXT_CACHE_H_

#include <array>
#include <cstdint>

#include "absl/status/statusor.h"
#include "model/cache/set_associative_cache.h"
#include "model/structs/ids.h"
#include "model/translate/legacy_walk.h"
#include "model/translate/translation.h"

namespace vtd {

// The legacy lookup's own result (the lookup fills a cache value in place): the context
// (present = false for a caching-mode not-present entry) and the raw entries as read when
// filled.
struct ContextCacheEntry : LegacyContextRead {
  // The domain the entry is tagged with: the entry's DID, or 0 for not-present entries.
  uint16_t tag_domain() const { return context.present ? context.did.value() : 0; }
};

class ContextCache {
 public:
  using Cache = SetAssociativeCache<uint16_t, ContextCacheEntry>;
  using Entry = Cache::Entry;

  static absl::StatusOr<ContextCache> Create(const CacheGeometry& geometry);
  ContextCache() = default;

  // Counted lookup (recency updated on a hit); nullptr on a miss.
  const Entry* Lookup(SourceId sid) { return cache_.Lookup(sid.value(), sid.value()); }
  const Entry* Probe(SourceId sid) const { return cache_.Probe(sid.value(), sid.value()); }
  void Fill(SourceId sid, const ContextCacheEntry& entry, uint64_t stamp) {
    cache_.Fill(sid.value(), sid.value(), entry, stamp);
  }

  int InvalidateAll() { return cache_.InvalidateAll(); }
  void Reset() { cache_.Reset(); }
  // Entries tagged with `did` (S §6.5.1.1 domain-selective).
  int InvalidateDomain(uint16_t did);
  // Entries of the source-ids matching `sid` with the low `function_mask` bits of the
  // function ignored (FM: 0 none, 1 bit 2, 2 bits 2:1, 3 bits 2:0), tagged with `did`.
  int InvalidateDevice(uint16_t did, SourceId sid, uint8_t function_mask);

  // See SetAssociativeCache::set_change_counter, CountHits and StampUse.
  void set_change_counter(uint64_t* counter) { cache_.set_change_counter(counter); }
  uint64_t CountHits(uint64_t n) { return cache_.CountHits(n); }
  void StampUse(const Entry& entry, uint64_t stamp) { cache_.StampUse(entry, stamp); }
  const CacheCounters& counters() const { return cache_.counters(); }
  const Cache& cache() const { return cache_; }
  int size() const { return cache_.size(); }

 private:
  explicit ContextCache(Cache cache) : cache_(std::move(cache)) {}
  Cache cache_;
};

// The source-id bits a CCMD/cc_inv_dsc function mask ignores (S §11.4.6.1 FM).
constexpr uint16_t FunctionMaskBits(uint8_t function_mask) {
  switch (function_mask & 3) {
    case 1:
      return 0b100;
    case 2:
      return 0b110;
    case 3:
      return 0b111;
    default:
      return 0;
  }
}

}  // namespace vtd

#endif  // VTDSIM_MODEL_CACHE_CONTEXT_CACHE_H_
