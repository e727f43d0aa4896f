// The IOTLB (VT-d spec §6.2.3): second-stage translations of legacy-mode requests, tagged by
// domain-id, input page number and page size (4 KiB, 2 MiB, 1 GiB leaves). Invalidated by
// IOTLB_REG or iotlb_inv_dsc (S §6.5.1.2, §6.5.2.3): globally, per domain, or per page range
// within a domain (2^AM pages, naturally aligned).
//
// An entry keeps the path of entries the walk read, so the invalidation checker can compare
// each with what memory holds now. With CAP.CM=1 the unit may also fill entries for walks
// that ended at a not-present entry (present = false, S §6.1).
#ifndef VTDSIM_MODEL_CACHE_IOTLB_H_
#define VTDSIM_MODEL_CACHE_IOTLB_H_

#include <array>
#include <cstdint>

#include "absl/status/statusor.h"
#include "model/cache/set_associative_cache.h"
#include "model/structs/second_stage_pte.h"

namespace vtd {

// One entry read by the walk, as cached (for the checker and explanations).
struct CachedEntryRef {
  int level = 0;
  uint64_t address = 0;
  uint64_t raw = 0;
};

struct IotlbKey {
  uint16_t did = 0;
  uint8_t leaf_level = 1;  // 1: 4 KiB, 2: 2 MiB, 3: 1 GiB
  uint64_t page = 0;       // input address >> page shift
  bool operator==(const IotlbKey&) const = default;
};

struct IotlbEntry {
  bool present = true;     // false: caching-mode entry for a not-present translation
  uint64_t page_base = 0;  // HPA of the page
  bool read = false;       // cumulative permissions of the whole path
  bool write = false;
  uint64_t leaf_raw = 0;  // the leaf entry as read
  SecondStagePte leaf;    // decoded (SNP, EMT, IPAT, TM of the translation)
  int top_level = 4;      // paging levels of the walk that filled it
  std::array<CachedEntryRef, 5> path{};
  int path_length = 0;
  // The request-independent part of the translation that depends on unit capabilities,
  // computed when the entry is filled so that a hit copies it (a host-side speed-up: the
  // unit fills these from the same leaf and capabilities, so they never disagree with
  // `leaf`). Page size and leaf level come from the key.
  bool snoop = false;              // leaf SNP, when ECAP.SC honours it
  bool transient_mapping = false;  // leaf bit 62, when it is TM (SsBit62::kTransientMapping)
};

class Iotlb {
 public:
  using Cache = SetAssociativeCache<IotlbKey, IotlbEntry>;
  using Entry = Cache::Entry;

  static absl::StatusOr<Iotlb> Create(const CacheGeometry& geometry);
  Iotlb() = default;

  static constexpr int PageShift(int leaf_level) { return 12 + 9 * (leaf_level - 1); }
  static IotlbKey KeyFor(uint16_t did, uint64_t address, int leaf_level) {
    return IotlbKey{did, static_cast<uint8_t>(leaf_level), address >> PageShift(leaf_level)};
  }

  // One counted lookup for `address` in domain `did`, over the page sizes with a bit in
  // `leaf_levels` (bit n: level n may be a leaf), smallest first. On a hit, the entry's
  // recency is updated; `*key` (if given) receives the key that hit.
  // Inline: it is most of an IOTLB hit's work.
  const Entry* Lookup(uint16_t did, uint64_t address, uint32_t leaf_levels,
                      IotlbKey* key = nullptr) {
    // Exactly one counted lookup (hardware looks all sizes up in parallel): the first size
    // present counts as the hit, and a miss is counted once after every size missed.
    for (int level = 1; level <= 3; ++level) {
      if ((leaf_levels & (1u << level)) == 0) continue;
      const IotlbKey k = KeyFor(did, address, level);
      if (const Entry* e = cache_.LookupIfPresent(k, k.page)) {
        if (key != nullptr) *key = k;
        return e;
      }
    }
    cache_.CountMiss();
    return nullptr;
  }
  // The same search without counting or touching recency.
  const Entry* Probe(uint16_t did, uint64_t address, uint32_t leaf_levels,
                     IotlbKey* key = nullptr) const;
  void Fill(const IotlbKey& key, const IotlbEntry& entry, uint64_t stamp) {
    cache_.Fill(key, key.page, entry, stamp);
  }

  int InvalidateAll() { return cache_.InvalidateAll(); }
  int InvalidateDomain(uint16_t did);
  // Entries of `did` whose page overlaps the 2^address_mask 4-KiB pages containing
  // `address`, naturally aligned.
  int InvalidatePages(uint16_t did, uint64_t address, int address_mask);
  // Removes one entry (a re-walk replaces it).
  int Invalidate(const IotlbKey& key);

  const CacheCounters& counters() const { return cache_.counters(); }
  const Cache& cache() const { return cache_; }
  int size() const { return cache_.size(); }

 private:
  explicit Iotlb(Cache cache) : cache_(std::move(cache)) {}
  Cache cache_;
};

// [first, last] of the naturally aligned block of 2^address_mask 4-KiB pages containing
// `address` (address_mask up to 52).
struct AddressRange {
  uint64_t first = 0;
  uint64_t last = 0;
  bool Overlaps(uint64_t base, uint64_t size) const {
    return base <= last && base + (size - 1) >= first;
  }
};
AddressRange PageMaskRange(uint64_t address, int address_mask);

}  // namespace vtd

#endif  // VTDSIM_MODEL_CACHE_IOTLB_H_
