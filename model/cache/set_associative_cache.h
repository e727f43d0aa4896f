// A set-associative cache with deterministic replacement, the building block of every
// architectural cache in vtdsim (context cache, IOTLB, paging-structure caches, interrupt
// entry cache).
//
// These caches model hardware, not a simulator speed-up: an entry stays valid until it is
// evicted by a fill or removed by an invalidation, even when the memory it was read from
// has changed since (VT-d spec §6.5: software must invalidate after changing a structure
// the hardware may have cached). Probe() looks without disturbing replacement state or
// statistics, so checkers and explanations can ask "is it cached?" without changing the
// outcome of the run.
#ifndef VTDSIM_MODEL_CACHE_SET_ASSOCIATIVE_CACHE_H_
#define VTDSIM_MODEL_CACHE_SET_ASSOCIATIVE_CACHE_H_

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_format.h"

namespace vtd {

enum class ReplacementPolicy {
  kLru,     // least recently used (looked up or filled) entry is replaced
  kFifo,    // oldest fill is replaced
  kRandom,  // a way drawn from a generator seeded by CacheGeometry::seed
};

// Parses "lru", "fifo", "random".
absl::StatusOr<ReplacementPolicy> ParseReplacementPolicy(std::string_view name);
std::string_view ReplacementPolicyName(ReplacementPolicy policy);

// Size and organization of one cache. `entries == 0` disables the cache (every lookup
// misses and fills are dropped), which models hardware without that cache.
struct CacheGeometry {
  int entries = 0;
  int ways = 0;  // 0 = fully associative (ways == entries)
  ReplacementPolicy policy = ReplacementPolicy::kLru;
  uint64_t seed = 1;  // for kRandom

  int effective_ways() const { return ways == 0 ? entries : ways; }
  int sets() const { return entries == 0 ? 0 : entries / effective_ways(); }
};

// Checks a geometry: entries >= 0, ways divides entries, the set count a power of two (so
// set selection is a mask of the index bits, as in hardware). `what` names the cache in
// the error message, e.g. "iotlb".
absl::Status ValidateCacheGeometry(const CacheGeometry& geometry, std::string_view what);

struct CacheCounters {
  uint64_t lookups = 0;
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t fills = 0;
  uint64_t evictions = 0;      // valid entries replaced by a fill
  uint64_t invalidations = 0;  // entries removed by invalidation
};

// Key must be equality comparable. The caller supplies the set index of each key (the bits
// hardware would index with); the cache masks it to its set count.
template <typename Key, typename Value>
class SetAssociativeCache {
 public:
  struct Entry {
    Key key;
    Value value;
    uint64_t fill_stamp;  // caller-supplied time of the fill (e.g. the step index)
    uint32_t slot = 0;    // where the entry sits (StampUse)
  };

  // Creates a cache; the geometry must pass ValidateCacheGeometry.
  static absl::StatusOr<SetAssociativeCache> Create(const CacheGeometry& geometry,
                                                    std::string_view what) {
    absl::Status status = ValidateCacheGeometry(geometry, what);
    if (!status.ok()) return status;
    return SetAssociativeCache(geometry);
  }

  // An empty, disabled cache (no entries).
  SetAssociativeCache() : SetAssociativeCache(CacheGeometry{}) {}

  const CacheGeometry& geometry() const { return geometry_; }
  const CacheCounters& counters() const { return counters_; }
  void ResetCounters() { counters_ = CacheCounters{}; }

  // A counter the cache increments on every change of its contents (each fill, each
  // invalidation call), so that a structure remembering entries it returned (the unit's hot
  // entries) knows when they may have moved or gone. Several caches may share one counter.
  void set_change_counter(uint64_t* counter) { changes_ = counter; }

  // Hits counted later, in one go (the unit's hot entries): `n` lookups that each hit an
  // entry returned by Lookup or LookupIfPresent, with no change of the contents since. Counts
  // them and moves the recency clock past them, as the n lookups would have; returns the clock
  // before them. The i-th of them (from 1) used its entry at stamp `returned + i`: StampUse
  // records each entry's last such use, which leaves the replacement state exactly as the n
  // lookups would have.
  uint64_t CountHits(uint64_t n) {
    counters_.lookups += n;
    counters_.hits += n;
    const uint64_t before = clock_;
    clock_ += n;
    return before;
  }
  void StampUse(const Entry& entry, uint64_t stamp) {
    uint64_t& last = last_use_[entry.slot];
    if (stamp > last) last = stamp;
  }

  // Looks for `key` without touching replacement state or counters.
  const Entry* Probe(const Key& key, uint64_t set_index) const {
    if (sets_ == 0) return nullptr;
    const int slot = FindSlot(key, set_index);
    return slot < 0 ? nullptr : &*slots_[slot];
  }

  // Looks for `key`, counting a hit or miss and updating recency on a hit.
  const Entry* Lookup(const Key& key, uint64_t set_index) {
    ++counters_.lookups;
    if (valid_ == 0) {  // disabled or empty: nothing to search
      ++counters_.misses;
      return nullptr;
    }
    const int slot = FindSlot(key, set_index);
    if (slot < 0) {
      ++counters_.misses;
      return nullptr;
    }
    ++counters_.hits;
    last_use_[slot] = ++clock_;
    return &*slots_[slot];
  }

  // Looks for `key` and, only if it is present, counts the lookup as a hit and updates
  // recency (the caller counts a miss with CountMiss once every candidate key missed): one
  // counted lookup over several candidate keys, searching each set once.
  const Entry* LookupIfPresent(const Key& key, uint64_t set_index) {
    if (valid_ == 0) return nullptr;
    const int slot = FindSlot(key, set_index);
    if (slot < 0) return nullptr;
    ++counters_.lookups;
    ++counters_.hits;
    last_use_[slot] = ++clock_;
    return &*slots_[slot];
  }
  // Counts one lookup that missed (the counterpart of LookupIfPresent).
  void CountMiss() {
    ++counters_.lookups;
    ++counters_.misses;
  }

  // Inserts or replaces `key`. Returns the entry it evicted, if a valid different one was.
  std::optional<Entry> Fill(const Key& key, uint64_t set_index, Value value, uint64_t fill_stamp) {
    if (sets_ == 0) return std::nullopt;
    ++counters_.fills;
    if (changes_ != nullptr) ++*changes_;
    // One pass over the set: the way holding `key`, else the lowest empty way.
    const int base = SetBase(set_index);
    int slot = -1;
    int empty = -1;
    for (int way = 0; way < ways_; ++way) {
      const Tag& t = tags_[base + way];
      if (!t.valid) {
        if (empty < 0) empty = base + way;
      } else if (t.key == key) {
        slot = base + way;
        break;
      }
    }
    std::optional<Entry> evicted;
    if (slot < 0) slot = empty;
    if (slot >= 0 && !tags_[slot].valid) ++valid_;
    if (slot < 0) {
      slot = ChooseVictimInFullSet(base);
      ++counters_.evictions;
      evicted = std::move(slots_[slot]);
    }
    slots_[slot] = Entry{key, std::move(value), fill_stamp, static_cast<uint32_t>(slot)};
    tags_[slot] = Tag{key, true};
    last_use_[slot] = ++clock_;
    fill_order_[slot] = clock_;
    return evicted;
  }

  // Removes every entry for which `pred(entry)` is true; returns how many.
  template <typename Pred>
  int InvalidateIf(Pred pred) {
    if (changes_ != nullptr) ++*changes_;
    int removed = 0;
    for (size_t i = 0; i < slots_.size(); ++i) {
      if (tags_[i].valid && pred(static_cast<const Entry&>(*slots_[i]))) {
        slots_[i].reset();
        tags_[i].valid = false;
        ++removed;
        --valid_;
      }
    }
    counters_.invalidations += removed;
    return removed;
  }

  int InvalidateAll() {
    return InvalidateIf([](const Entry&) { return true; });
  }

  // The cache as constructed (a unit reset): empty, with the random-replacement generator
  // reseeded so that a run after reset replaces the same ways as a run on a new unit.
  void Reset() {
    InvalidateAll();
    rng_.seed(geometry_.seed);
  }

  // Visits valid entries in a fixed order (set by set, way by way).
  template <typename Fn>
  void ForEach(Fn fn) const {
    for (const std::optional<Entry>& s : slots_) {
      if (s.has_value()) fn(*s);
    }
  }

  int size() const { return valid_; }
  // Whether the cache holds entries at all (a disabled cache never does).
  bool enabled() const { return sets_ != 0; }

 private:
  // A compact copy of each slot's key and validity, so a lookup scans a set's ways without
  // touching the (larger) entries, and the replacement state in arrays of its own, so a
  // victim search does not either: host-side speed-ups with no effect on behaviour.
  struct Tag {
    Key key{};
    bool valid = false;
  };

  explicit SetAssociativeCache(const CacheGeometry& geometry)
      : geometry_(geometry),
        sets_(geometry.sets()),
        ways_(geometry.entries == 0 ? 0 : geometry.effective_ways()),
        slots_(static_cast<size_t>(geometry.entries)),
        tags_(static_cast<size_t>(geometry.entries)),
        last_use_(static_cast<size_t>(geometry.entries)),
        fill_order_(static_cast<size_t>(geometry.entries)),
        rng_(geometry.seed) {}

  int SetBase(uint64_t set_index) const {
    return static_cast<int>(set_index & static_cast<uint64_t>(sets_ - 1)) * ways_;
  }

  int FindSlot(const Key& key, uint64_t set_index) const {
    const int base = SetBase(set_index);
    const Tag* tags = tags_.data() + base;
    for (int way = 0; way < ways_; ++way) {
      if (tags[way].valid && tags[way].key == key) return base + way;
    }
    return -1;
  }

  // The way a fill replaces when every way of the set at `base` is valid.
  int ChooseVictimInFullSet(int base) {
    switch (geometry_.policy) {
      case ReplacementPolicy::kRandom:
        return base + static_cast<int>(rng_() % static_cast<uint64_t>(ways_));
      case ReplacementPolicy::kFifo:
      case ReplacementPolicy::kLru: {
        // The way with the smallest stamp (stamps are distinct).
        const uint64_t* stamps =
            (geometry_.policy == ReplacementPolicy::kFifo ? fill_order_.data() : last_use_.data()) +
            base;
        int victim = 0;
        for (int way = 1; way < ways_; ++way) {
          if (stamps[way] < stamps[victim]) victim = way;
        }
        return base + victim;
      }
    }
    return base;
  }

  CacheGeometry geometry_;
  int sets_;
  int ways_;
  std::vector<std::optional<Entry>> slots_;
  std::vector<Tag> tags_;             // parallel to slots_
  std::vector<uint64_t> last_use_;    // parallel to slots_: clock_ at the last lookup hit or fill
  std::vector<uint64_t> fill_order_;  // parallel to slots_: clock_ at the fill
  uint64_t clock_ = 0;
  std::mt19937_64 rng_;
  CacheCounters counters_;
  uint64_t* changes_ = nullptr;  // set_change_counter
  int valid_ = 0;                // valid entries: a lookup in an empty cache searches nothing
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_CACHE_SET_ASSOCIATIVE_CACHE_H_
