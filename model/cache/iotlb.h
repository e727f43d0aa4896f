// The IOTLB (VT-d spec §6.2.3): translations (TranslationLeaf) tagged as §6.2 says: domain-id,
// PASID (kNoPasid for requests without PASID in legacy mode), the translation kind (PGTT
// class: second stage, first stage, nested, pass-through), input page number and page size
// (4 KiB, 2 MiB, 1 GiB leaves). Invalidated by IOTLB_REG or iotlb_inv_dsc (S §6.5.1.2,
// §6.5.2.3): globally, per domain, or per page range within a domain (2^AM pages, naturally
// aligned); and, for scalable mode, per PASID or per page range within a PASID (S §6.5.2.4).
//
// With the invalidation checker on, an entry keeps every entry the walk read (any number:
// a nested walk reads up to 24), so the checker can compare each with what memory holds
// now. With CAP.CM=1 the unit may also fill entries for walks that ended at a not-present
// entry (leaf.complete = false, S §6.1).
#ifndef VTDSIM_MODEL_CACHE_IOTLB_H_
#define VTDSIM_MODEL_CACHE_IOTLB_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "model/cache/set_associative_cache.h"
#include "model/translate/translation.h"

namespace vtd {

// One entry read by the walk, as cached (for the checker and explanations).
struct CachedEntryRef {
  int level = 0;
  uint64_t address = 0;
  uint64_t raw = 0;
  // Bits hardware itself sets in the entry after it was cached (first-stage A, D, EA; second-
  // stage A, D under nested translation): the checker does not count them as an edit.
  uint64_t hardware_bits = 0;
};

// What §6.2 tags IOTLB and paging-structure-cache entries with, besides the input address.
struct CacheTag {
  uint16_t did = 0;
  TranslationKind kind = TranslationKind::kSecondStage;
  uint32_t pasid = kNoPasid;
  bool operator==(const CacheTag&) const = default;

  // A legacy-mode entry of domain `did` (no PASID, second stage).
  static constexpr CacheTag Legacy(uint16_t did) {
    return CacheTag{did, TranslationKind::kSecondStage, kNoPasid};
  }
  static CacheTag Of(const TranslationContext& context) {
    return CacheTag{context.did.value(), context.kind, context.pasid};
  }

  // The tag as one word (DID 15:0, kind 23:16, PASID or kNoPasid 44:24), which cache keys
  // hold so that a lookup compares integers.
  constexpr uint64_t Packed() const {
    return uint64_t{did} | uint64_t{static_cast<uint8_t>(kind)} << 16 | uint64_t{pasid} << 24;
  }
  static constexpr CacheTag FromPacked(uint64_t word) {
    return CacheTag{static_cast<uint16_t>(word), static_cast<TranslationKind>(word >> 16 & 0xff),
                    static_cast<uint32_t>(word >> 24)};
  }
  static constexpr uint16_t PackedDid(uint64_t word) { return static_cast<uint16_t>(word); }
};
// PASIDs are 20 bits and kNoPasid is 2^20: both fit the 21 bits Packed gives them.
static_assert(kNoPasid < (uint32_t{1} << 21));

// The IOTLB's key, packed in two words so that a lookup compares two integers: word 0 holds
// the input page number (address >> page shift, at most 52 bits) and the leaf level above
// it; word 1 the tag (DID 15:0, kind 23:16, PASID or kNoPasid 44:24).
class IotlbKey {
 public:
  constexpr IotlbKey() = default;
  constexpr IotlbKey(const CacheTag& tag, int leaf_level, uint64_t page)
      : page_level_(page | uint64_t(leaf_level) << kLevelShift), tag_(tag.Packed()) {}

  constexpr CacheTag tag() const { return CacheTag::FromPacked(tag_); }
  constexpr uint16_t did() const { return CacheTag::PackedDid(tag_); }
  constexpr int leaf_level() const { return static_cast<int>(page_level_ >> kLevelShift); }
  constexpr uint64_t page() const { return page_level_ & ((uint64_t{1} << kLevelShift) - 1); }
  bool operator==(const IotlbKey&) const = default;

 private:
  static constexpr int kLevelShift = 56;
  uint64_t page_level_ = uint64_t{1} << kLevelShift;  // page 0, 4 KiB
  uint64_t tag_ = CacheTag{}.Packed();
};

struct IotlbEntry {
  // The translation as the walk produced it (complete = false: a caching-mode entry for a
  // not-present translation). Page size and leaf level are the key's.
  TranslationLeaf leaf;
  // First-stage and nested entries: the privilege (PR) the leaf's rights were computed for
  // (S §3.6.1: U/S and WPE make them depend on it); a request of the other privilege walks.
  bool privileged = false;
  // The leaf's D bit is known set (scalable mode with A/D updates: first-stage, or
  // second-stage with SSADE; always true otherwise). An entry filled by a walk that left D
  // clear keeps the page's rights but answers no request that would be granted write: that
  // request walks again, and the walk sets D (S §3.6.2, §3.7.2).
  bool dirty = true;
  // Every entry the walk read, top first (only with the invalidation checker).
  std::vector<CachedEntryRef> path;
};

// Whether an IOTLB entry answers `request` as cached, or the unit walks again: the one rule
// of every IOTLB hit (the lookup's, and the unit's hot entries').
// - CAP.CM = 1 in legacy mode: the cached entry answers, whatever it holds (model choice;
//   not-present and permission faults then come from the cache, S §6.1).
// - Otherwise an entry lacking a right the answer would carry is not trusted: the unit
//   walks again, so software that only added rights (or made an entry present, S §6.1)
//   needs no invalidation. A translation request is answered with every right the page
//   grants (S §4.2.3): R, and W unless NW is honoured; other requests need what they do.
// - A leaf cached with D clear answers no request it would grant write: that request walks
//   again and the walk sets D (S §3.6.2, §3.7.2).
// - First-stage and nested rights depend on the request's privilege (U/S, WPE: S §3.6.1).
inline bool IotlbEntryAnswers(const IotlbEntry& entry, const TranslationContext& context,
                              const DmaRequest& request, const RequestNeeds& needs,
                              bool caching_mode) {
  if (caching_mode && !context.scalable) return true;
  const TranslationLeaf& leaf = entry.leaf;
  if (!leaf.complete) return false;
  const bool translation = request.type == RequestType::kTranslation;
  const bool wants_read = translation || needs.read;
  const bool wants_write = translation ? !needs.honour_nw : needs.write;
  if (wants_read && !leaf.read) return false;
  if (wants_write && !(leaf.write && entry.dirty)) return false;
  const bool first_stage =
      context.kind == TranslationKind::kFirstStage || context.kind == TranslationKind::kNested;
  return !first_stage || entry.privileged == request.privileged;
}

struct AddressRange;

class Iotlb {
 public:
  using Cache = SetAssociativeCache<IotlbKey, IotlbEntry>;
  using Entry = Cache::Entry;

  static absl::StatusOr<Iotlb> Create(const CacheGeometry& geometry);
  Iotlb() = default;

  static constexpr int PageShift(int leaf_level) { return 12 + 9 * (leaf_level - 1); }
  static IotlbKey KeyFor(const CacheTag& tag, uint64_t address, int leaf_level) {
    return IotlbKey(tag, leaf_level, address >> PageShift(leaf_level));
  }

  // One counted lookup for `address` under `tag`, over the page sizes with a bit in
  // `leaf_levels` (bit n: level n may be a leaf), smallest first. On a hit, the entry's
  // recency is updated; `*key` (if given) receives the key that hit.
  // Inline: it is most of an IOTLB hit's work.
  const Entry* Lookup(const CacheTag& tag, uint64_t address, uint32_t leaf_levels,
                      IotlbKey* key = nullptr) {
    // Exactly one counted lookup (hardware looks all sizes up in parallel): the first size
    // present counts as the hit, and a miss is counted once after every size missed. An
    // empty (or disabled) IOTLB misses without building a key.
    if (cache_.size() == 0) {
      cache_.CountMiss();
      return nullptr;
    }
    for (int level = 1; level <= 3; ++level) {
      if ((leaf_levels & (1u << level)) == 0) continue;
      const IotlbKey k = KeyFor(tag, address, level);
      if (const Entry* e = cache_.LookupIfPresent(k, k.page())) {
        if (key != nullptr) *key = k;
        return e;
      }
    }
    cache_.CountMiss();
    return nullptr;
  }
  // The same search without counting or touching recency.
  const Entry* Probe(const CacheTag& tag, uint64_t address, uint32_t leaf_levels,
                     IotlbKey* key = nullptr) const;
  void Fill(const IotlbKey& key, const IotlbEntry& entry, uint64_t stamp) {
    cache_.Fill(key, key.page(), entry, stamp);
  }

  int InvalidateAll() { return cache_.InvalidateAll(); }
  void Reset() { cache_.Reset(); }
  // Every entry of domain `did`, whatever its PASID and kind (S §6.5.1.2 domain-selective).
  int InvalidateDomain(uint16_t did);
  // Entries of `did` whose page overlaps the 2^address_mask 4-KiB pages containing
  // `address`, naturally aligned, whatever their PASID and kind.
  int InvalidatePages(uint16_t did, uint64_t address, int address_mask);
  // Entries of `did` tagged with `pasid` (S §6.5.2.4 PASID-selective).
  int InvalidatePasid(uint16_t did, uint32_t pasid);
  // Entries of `did` and `pasid` overlapping the page range (page-selective-within-PASID).
  int InvalidatePasidPages(uint16_t did, uint32_t pasid, uint64_t address, int address_mask);
  // First-stage and nested entries (PGTT 001b/011b) of `did`; with `pasid`, only that PASID's;
  // with `range`, only pages overlapping it (S §6.5.2.3, §6.5.2.4 Tables 23, 24).
  int InvalidateFirstStage(uint16_t did, std::optional<uint32_t> pasid, const AddressRange* range);
  // Removes one entry (a re-walk replaces it).
  int Invalidate(const IotlbKey& key);

  // See SetAssociativeCache::set_change_counter, CountHits and StampUse.
  void set_change_counter(uint64_t* counter) { cache_.set_change_counter(counter); }
  uint64_t CountHits(uint64_t n) { return cache_.CountHits(n); }
  void StampUse(const Entry& entry, uint64_t stamp) { cache_.StampUse(entry, stamp); }
  const CacheCounters& counters() const { return cache_.counters(); }
  const Cache& cache() const { return cache_; }
  int size() const { return cache_.size(); }
  bool enabled() const { return cache_.enabled(); }

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
