// What the timing observer counted: requests, cache hit rates, memory accesses by kind,
// walk lengths, latency percentiles, and the same as JSON ("stats" of `vtdsim run --json`)
// and as a text table (`vtdsim run --stats`). Deterministic: fixed key order, percentiles
// by nearest rank over every recorded latency.
#ifndef VTDSIM_MODEL_TIMING_STATS_H_
#define VTDSIM_MODEL_TIMING_STATS_H_

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/common/json.h"
#include "model/memory/host_memory.h"
#include "model/unit/unit_events.h"

namespace vtd::timing {

// Slots for CacheKind and MemoryAccessKind values (both enums are smaller; an unknown
// future value is counted in the last slot rather than overflowing).
inline constexpr int kCacheSlots = 16;
inline constexpr int kMemoryKindSlots = 16;
// Walk lengths 0..kMaxWalkLength-1; longer walks count in the last bucket.
inline constexpr int kMaxWalkLength = 9;

inline int CacheSlot(CacheKind kind) {
  const int i = static_cast<int>(kind);
  return i < kCacheSlots ? i : kCacheSlots - 1;
}
inline int MemorySlot(MemoryAccessKind kind) {
  const int i = static_cast<int>(kind);
  return i < kMemoryKindSlots ? i : kMemoryKindSlots - 1;
}
// "context", "iotlb", "psc_pml5", ... as CacheKindName; "" for unused slots.
std::string_view CacheSlotName(int slot);

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t lookups() const { return hits + misses; }
  double hit_rate() const {
    return lookups() == 0 ? 0.0 : static_cast<double>(hits) / static_cast<double>(lookups());
  }
};

struct LatencySummary {
  uint64_t count = 0;
  uint64_t total = 0;
  double average = 0;
  uint64_t p50 = 0, p90 = 0, p99 = 0, max = 0;
};
// Nearest-rank percentiles (the smallest value with at least p% of the samples <= it).
LatencySummary Summarize(std::vector<uint64_t> latencies);

// Every latency recorded, as exact counts per value: an array for values below kDense (a
// request's latency is almost always a few thousand cycles at most) and a sorted map above.
// Adding is one increment, so timing stays cheap; percentiles are exact.
class LatencyLog {
 public:
  static constexpr uint64_t kDense = 4096;

  void Add(uint64_t cycles) { Add(cycles, 1); }
  // `n` latencies of `cycles` each.
  void Add(uint64_t cycles, uint64_t n) {
    count_ += n;
    total_ += cycles * n;
    if (cycles < kDense && !dense_.empty()) {
      dense_[cycles] += n;
    } else {
      AddRare(cycles, n);
    }
  }
  uint64_t count() const { return count_; }
  uint64_t total() const { return total_; }
  LatencySummary Summary() const;
  // The values in ascending order, each repeated as often as recorded (for tests).
  std::vector<uint64_t> Sorted() const;

 private:
  // The first dense value, or one above it: out of line, so that Add's common case needs
  // few registers where it is inlined (the timing observer's per-request handlers).
  void AddRare(uint64_t cycles, uint64_t n);

  uint64_t count_ = 0;
  uint64_t total_ = 0;
  std::vector<uint64_t> dense_;  // allocated on first use
  std::map<uint64_t, uint64_t> sparse_;
};

// Where the cycles went.
struct CycleBreakdown {
  uint64_t cache_lookups = 0;
  uint64_t memory_reads = 0;
  uint64_t memory_writes = 0;
  uint64_t faults = 0;
  uint64_t interrupt_messages = 0;
  uint64_t invalidations = 0;
  uint64_t registers = 0;
};

struct Stats {
  std::string preset;
  uint64_t clock_mhz = 0;

  uint64_t cycles = 0;  // everything charged
  CycleBreakdown breakdown;

  // Requests bracketed by OnRequestBegin/End, told apart by what they touched (the unit's
  // events do not say): an interrupt request looked up the interrupt entry cache or read an
  // IRTE or posted descriptor; a DMA request looked up a translation cache or read a root,
  // context, PASID or paging entry; "other" requests did neither (DMA with translation
  // disabled, compatibility-format interrupts, requests refused before any lookup).
  uint64_t dma_requests = 0;
  uint64_t interrupt_requests = 0;
  uint64_t other_requests = 0;
  LatencyLog dma_latencies;  // cycles per request
  LatencyLog interrupt_latencies;
  LatencyLog other_latencies;

  std::array<CacheStats, kCacheSlots> caches{};
  std::array<uint64_t, kMemoryKindSlots> reads{};   // by MemoryAccessKind
  std::array<uint64_t, kMemoryKindSlots> writes{};  // by MemoryAccessKind
  uint64_t read_bytes = 0;
  uint64_t write_bytes = 0;
  uint64_t llc_hits = 0;    // reads served by the LLC model
  uint64_t dram_reads = 0;  // charged reads served by DRAM
  // Paging-structure entries (first or second stage) read per DMA request that missed the
  // IOTLB, as a histogram: walk_lengths[n] = requests that read n entries.
  std::array<uint64_t, kMaxWalkLength> walk_lengths{};

  uint64_t faults_recorded = 0;
  uint64_t fault_overflows = 0;
  uint64_t interrupt_messages = 0;
  uint64_t invalidations = 0;
  uint64_t invalidated_entries = 0;
  uint64_t register_reads = 0;
  uint64_t register_writes = 0;

  double CyclesToNs(double c) const {
    return clock_mhz == 0 ? 0.0 : c * 1000.0 / static_cast<double>(clock_mhz);
  }
  uint64_t total_reads() const;
  // Average entries read per walk (requests in walk_lengths), 0 if none.
  double average_walk_length() const;

  Json ToJson() const;
  std::string ToTable() const;
};

}  // namespace vtd::timing

#endif  // VTDSIM_MODEL_TIMING_STATS_H_
