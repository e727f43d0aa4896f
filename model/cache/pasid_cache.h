// Scalable-mode context and PASID caches (VT-d spec §6.2.1, §6.2.2).
//
// ScalableContextCache: the context cache in scalable form. It holds the scalable-mode
// context entry a source-id's lookup found (with the root and context entries as read, for
// the invalidation checker), tagged by source-id only: scalable context entries carry no
// domain-id, so a domain-selective context-cache invalidation acts as global and a
// device-selective one ignores its DID (invalidation.md §3.1).
//
// PasidCache: PASID-table entries (with the TranslationContext made of them), tagged by
// source-id and PASID (the effective PASID: RID_PASID for requests without PASID), with the
// entry's DID for invalidation. Invalidated by pc_inv_dsc (S §6.5.2.2): globally, per domain,
// or per PASID within a domain. Never by IOTLB invalidations.
#ifndef VTDSIM_MODEL_CACHE_PASID_CACHE_H_
#define VTDSIM_MODEL_CACHE_PASID_CACHE_H_

#include <cstdint>
#include <utility>

#include "absl/status/statusor.h"
#include "model/cache/context_cache.h"
#include "model/cache/set_associative_cache.h"
#include "model/structs/ids.h"
#include "model/translate/scalable_lookup.h"

namespace vtd {

class ScalableContextCache {
 public:
  using Cache = SetAssociativeCache<uint16_t, ScalableContext>;
  using Entry = Cache::Entry;

  static absl::StatusOr<ScalableContextCache> Create(const CacheGeometry& geometry) {
    absl::StatusOr<Cache> cache = Cache::Create(geometry, "context cache");
    if (!cache.ok()) return cache.status();
    return ScalableContextCache(*std::move(cache));
  }
  ScalableContextCache() = default;

  const Entry* Lookup(SourceId sid) { return cache_.Lookup(sid.value(), sid.value()); }
  const Entry* Probe(SourceId sid) const { return cache_.Probe(sid.value(), sid.value()); }
  void Fill(SourceId sid, const ScalableContext& entry, uint64_t stamp) {
    if (!cache_.enabled()) return;  // a disabled cache fills nothing: skip copying the entry
    cache_.Fill(sid.value(), sid.value(), entry, stamp);
  }

  int InvalidateAll() { return cache_.InvalidateAll(); }
  void Reset() { cache_.Reset(); }
  // The source-ids matching `sid` with the low `function_mask` bits of the function ignored.
  int InvalidateDevice(SourceId sid, uint8_t function_mask) {
    const uint16_t keep = static_cast<uint16_t>(~FunctionMaskBits(function_mask));
    const uint16_t want = sid.value() & keep;
    return cache_.InvalidateIf([&](const Entry& e) { return (e.key & keep) == want; });
  }

  // See SetAssociativeCache::set_change_counter, CountHits and StampUse.
  void set_change_counter(uint64_t* counter) { cache_.set_change_counter(counter); }
  uint64_t CountHits(uint64_t n) { return cache_.CountHits(n); }
  void StampUse(const Entry& entry, uint64_t stamp) { cache_.StampUse(entry, stamp); }
  const CacheCounters& counters() const { return cache_.counters(); }
  const Cache& cache() const { return cache_; }
  int size() const { return cache_.size(); }

 private:
  explicit ScalableContextCache(Cache cache) : cache_(std::move(cache)) {}
  Cache cache_;
};

struct PasidCacheKey {
  uint16_t sid = 0;
  uint32_t pasid = 0;
  bool operator==(const PasidCacheKey&) const = default;
};

class PasidCache {
 public:
  using Cache = SetAssociativeCache<PasidCacheKey, PasidLookup>;
  using Entry = Cache::Entry;

  static absl::StatusOr<PasidCache> Create(const CacheGeometry& geometry) {
    absl::StatusOr<Cache> cache = Cache::Create(geometry, "pasid cache");
    if (!cache.ok()) return cache.status();
    return PasidCache(*std::move(cache));
  }
  PasidCache() = default;

  // The set index mixes the PASID's low bits with the source-id (hardware indexes by the
  // PASID it looks up; the source-id spreads devices sharing PASID values).
  static uint64_t SetIndex(const PasidCacheKey& key) { return key.pasid ^ key.sid; }

  const Entry* Lookup(SourceId sid, uint32_t pasid) {
    const PasidCacheKey key{sid.value(), pasid};
    return cache_.Lookup(key, SetIndex(key));
  }
  const Entry* Probe(SourceId sid, uint32_t pasid) const {
    const PasidCacheKey key{sid.value(), pasid};
    return cache_.Probe(key, SetIndex(key));
  }
  void Fill(SourceId sid, uint32_t pasid, const PasidLookup& entry, uint64_t stamp) {
    if (!cache_.enabled()) return;  // a disabled cache fills nothing: skip copying the entry
    const PasidCacheKey key{sid.value(), pasid};
    cache_.Fill(key, SetIndex(key), entry, stamp);
  }

  int InvalidateAll() { return cache_.InvalidateAll(); }
  void Reset() { cache_.Reset(); }
  // Entries whose PASID-table entry has DID `did` (pc_inv_dsc domain-selective).
  int InvalidateDomain(uint16_t did) {
    return cache_.InvalidateIf(
        [did](const Entry& e) { return e.value.context.did.value() == did; });
  }
  // Entries of PASID `pasid` with DID `did` (pc_inv_dsc PASID-selective-within-domain).
  int InvalidatePasid(uint16_t did, uint32_t pasid) {
    return cache_.InvalidateIf(
        [&](const Entry& e) { return e.key.pasid == pasid && e.value.context.did.value() == did; });
  }

  // See SetAssociativeCache::set_change_counter, CountHits and StampUse.
  void set_change_counter(uint64_t* counter) { cache_.set_change_counter(counter); }
  uint64_t CountHits(uint64_t n) { return cache_.CountHits(n); }
  void StampUse(const Entry& entry, uint64_t stamp) { cache_.StampUse(entry, stamp); }
  const CacheCounters& counters() const { return cache_.counters(); }
  const Cache& cache() const { return cache_; }
  int size() const { return cache_.size(); }

 private:
  explicit PasidCache(Cache cache) : cache_(std::move(cache)) {}
  Cache cache_;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_CACHE_PASID_CACHE_H_
