// Paging-structure caches (VT-d spec §6.2.4): one per non-leaf second-stage level (PML5E,
// PML4E, PDPTE, PDE). An entry caches a non-leaf entry the walk read on the way to an input
// address: the table it points to and the permissions accumulated down to it, tagged by
// domain-id, PASID and translation kind (CacheTag, S §6.2.4) and the input-address bits
// above that level (the region the entry maps). A hit
// lets the walk start at the next level down (SsWalkStart).
//
// Invalidation (S §6.5.1.2 Table 23): global and domain-selective IOTLB invalidations drop
// entries of all levels (of the domain); page-selective ones drop the entries whose region
// overlaps the range, unless IH (invalidation hint: only leaves changed) is set.
#ifndef VTDSIM_MODEL_CACHE_PAGING_STRUCTURE_CACHE_H_
#define VTDSIM_MODEL_CACHE_PAGING_STRUCTURE_CACHE_H_

#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "model/cache/iotlb.h"
#include "model/cache/set_associative_cache.h"

namespace vtd {

// Packed in two words, as the IOTLB's key: the tag (CacheTag::Packed) and the region.
class PscKey {
 public:
  constexpr PscKey() = default;
  constexpr PscKey(const CacheTag& tag, uint64_t region) : tag_(tag.Packed()), region_(region) {}

  constexpr CacheTag tag() const { return CacheTag::FromPacked(tag_); }
  constexpr uint16_t did() const { return CacheTag::PackedDid(tag_); }
  constexpr uint64_t region() const { return region_; }  // input address >> RegionShift(level)
  bool operator==(const PscKey&) const = default;

 private:
  uint64_t tag_ = CacheTag{}.Packed();
  uint64_t region_ = 0;
};

struct PscEntry {
  uint64_t next_table = 0;  // the table the cached entry points to
  bool read = false;        // cumulative R down to and including the cached entry
  bool write = false;
  CachedEntryRef entry;  // the cached entry itself (for the checker)
};

class PagingStructureCache {
 public:
  using Cache = SetAssociativeCache<PscKey, PscEntry>;
  using Entry = Cache::Entry;

  // `level`: 5 (PML5E), 4 (PML4E), 3 (PDPTE) or 2 (PDE).
  static absl::StatusOr<PagingStructureCache> Create(int level, const CacheGeometry& geometry);
  PagingStructureCache() = default;

  int level() const { return level_; }
  // An entry at `level` maps 2^RegionShift bytes of input addresses.
  int RegionShift() const { return 12 + 9 * (level_ - 1); }
  PscKey KeyFor(const CacheTag& tag, uint64_t address) const {
    return PscKey(tag, address >> RegionShift());
  }

  // A counted lookup; an empty (or disabled) cache misses without building a key.
  const Entry* Lookup(const CacheTag& tag, uint64_t address) {
    if (cache_.size() == 0) {
      cache_.CountMiss();
      return nullptr;
    }
    const PscKey key = KeyFor(tag, address);
    return cache_.Lookup(key, key.region());
  }
  // A counted lookup that misses, for a cache known to be disabled.
  void CountMiss() { cache_.CountMiss(); }
  const Entry* Probe(const CacheTag& tag, uint64_t address) const {
    const PscKey key = KeyFor(tag, address);
    return cache_.Probe(key, key.region());
  }
  void Fill(const CacheTag& tag, uint64_t address, const PscEntry& entry, uint64_t stamp) {
    const PscKey key = KeyFor(tag, address);
    cache_.Fill(key, key.region(), entry, stamp);
  }

  int InvalidateAll() { return cache_.InvalidateAll(); }
  void Reset() { cache_.Reset(); }
  // As the IOTLB's (iotlb.h): whatever the PASID and kind, or of one PASID.
  int InvalidateDomain(uint16_t did);
  int InvalidatePages(uint16_t did, uint64_t address, int address_mask);
  int InvalidatePasid(uint16_t did, uint32_t pasid);
  int InvalidatePasidPages(uint16_t did, uint32_t pasid, uint64_t address, int address_mask);

  // See SetAssociativeCache::set_change_counter.
  void set_change_counter(uint64_t* counter) { cache_.set_change_counter(counter); }
  const CacheCounters& counters() const { return cache_.counters(); }
  const Cache& cache() const { return cache_; }
  int size() const { return cache_.size(); }

 private:
  PagingStructureCache(int level, Cache cache) : level_(level), cache_(std::move(cache)) {}
  int level_ = 2;
  Cache cache_;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_CACHE_PAGING_STRUCTURE_CACHE_H_
