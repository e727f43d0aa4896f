// The timing observer: sees a remapping unit's events (cache lookups and their outcome,
// every hardware memory access, fault records, interrupt messages, invalidations, register
// accesses) and charges cycles for them from a CostModel. It only counts: it never calls
// back into the unit or the memory, so attaching it cannot change a functional result.
//
// Use:
//   TimingObserver timing(CostModel::Default());
//   unit->AddObserver(&timing);          // UnitObserver events
//   memory->set_observer(&timing);       // MemoryObserver events (HostMemory::Hw*)
//   timing.BeginStep();  unit->Dma(request);  uint64_t cycles = timing.EndStep();
//   timing.stats().ToJson() / .ToTable()
//
// Cycles of a step are everything charged between BeginStep and EndStep (a DMA, an MMIO
// write that runs an invalidation, ...). Latency statistics are per request (between the
// unit's OnRequestBegin and OnRequestEnd).
#ifndef VTDSIM_MODEL_TIMING_TIMING_OBSERVER_H_
#define VTDSIM_MODEL_TIMING_TIMING_OBSERVER_H_

#include <array>
#include <cstdint>
#include <vector>

#include "model/memory/host_memory.h"
#include "model/timing/cost_model.h"
#include "model/timing/stats.h"
#include "model/unit/unit_events.h"

namespace vtd::timing {

class TimingObserver final : public UnitObserver, public MemoryObserver {
 public:
  // `model` must pass CostModel::Validate() (an invalid LLC size is treated as no LLC).
  explicit TimingObserver(const CostModel& model);

  const CostModel& model() const { return model_; }

  // ---- Per step.
  void BeginStep() { step_start_ = stats_.cycles; }
  // Cycles charged since the last BeginStep().
  uint64_t EndStep() const { return stats_.cycles - step_start_; }

  // Cycles charged to the last completed request.
  uint64_t last_request_cycles() const { return last_request_cycles_; }
  uint64_t total_cycles() const { return stats_.cycles; }
  const Stats& stats() const {
    if (cached_pending_) CountCachedRequests();
    return stats_;
  }
  // Forgets counts, latencies and the LLC model's contents.
  void Reset();

  // ---- UnitObserver.
  void OnRegisterAccess(uint32_t offset, int width, bool is_write, uint64_t value) override;
  void OnCacheLookup(const CacheLookupEvent& event) override;
  void OnFaultRecorded(const FaultRecordEvent& event) override;
  void OnInterruptMessage(const InterruptMessageEvent& event) override;
  void OnInvalidation(const InvalidationEvent& event) override;
  void OnRequestBegin() override;
  void OnRequestEnd() override;
  void OnCachedRequest(absl::Span<const CacheLookupEvent> lookups, uint32_t& memo) override;

  // ---- MemoryObserver.
  void OnRead(uint64_t address, int size, MemoryAccessTag tag) override;
  void OnWrite(uint64_t address, int size, MemoryAccessTag tag) override;

 private:
  void Charge(uint64_t cycles) { stats_.cycles += cycles; }
  // True if the line holding `address` was in the LLC model; installs it either way.
  bool TouchLine(uint64_t address);
  // A request's events so far (between OnRequestBegin and OnRequestEnd).
  struct Request {
    bool is_interrupt = false;
    bool translated = false;  // looked a cache up or read a remapping structure
    bool missed_iotlb = false;
    int walk_reads = 0;
    uint64_t start = 0;  // stats_.cycles at its beginning
  };
  // What a lookup tells of the request that made it.
  static void Classify(const CacheLookupEvent& event, Request& request) {
    request.translated = true;
    request.missed_iotlb |= !event.hit && event.cache == CacheKind::kIotlb;
    request.is_interrupt |= event.cache == CacheKind::kInterruptEntry;
  }
  uint64_t LookupCost(const CacheLookupEvent& event) const {
    const int slot = CacheSlot(event.cache);
    return event.hit ? hit_cost_[slot] : miss_cost_[slot];
  }
  // What OnCacheLookup and OnRequestEnd do for `request` (OnCachedRequest does it for a
  // request of its own, kept in registers).
  inline void ChargeLookup(const CacheLookupEvent& event, Request& request);
  inline void EndRequest(const Request& request);
  // Counts `n` requests of what `request` touched, each with `latency` cycles.
  inline void CountRequests(const Request& request, uint64_t latency, uint64_t n) const;

  // What a cached request (OnCachedRequest) of one shape charges: its lookups' caches and
  // outcomes, their summed cost (its latency: nothing else is charged within it) and what
  // they tell of the request; and how many such requests were charged but not yet counted.
  // A memo of OnCachedRequest is 1 + the index of its shape in cached_shapes_; shapes
  // depend on the cost model only, so they outlive Reset.
  static constexpr int kMaxShapeLookups = 4;
  static constexpr size_t kMaxShapes = 64;
  struct CachedShape {
    int count = 0;
    std::array<uint8_t, kMaxShapeLookups> slot{};
    std::array<bool, kMaxShapeLookups> hit{};
    uint64_t cost = 0;
    Request request;
    uint64_t pending = 0;
  };
  // The memo of `lookups`' shape (found or added), 0 if it has none (too many lookups or
  // shapes): such requests are charged event by event.
  uint32_t ShapeMemo(absl::Span<const CacheLookupEvent> lookups);
  // OnCachedRequest with a memo of 0: finds the shape and charges the request (by its shape,
  // or event by event if it has none). Out of line: the common case has a memo.
  [[gnu::noinline]] void FirstCachedRequest(absl::Span<const CacheLookupEvent> lookups,
                                            uint32_t& memo);
  // Adds the cached requests charged since the last call to the counts, latency logs and
  // breakdown, as EndRequest would have one by one: every statistic is a sum, so the order
  // does not matter, and only stats() reads them (cycles and last_request_cycles_ are
  // charged at once).
  void CountCachedRequests() const;

  CostModel model_;
  std::array<uint64_t, kCacheSlots> hit_cost_{};
  std::array<uint64_t, kCacheSlots> miss_cost_{};
  std::array<uint64_t, kCacheSlots> invalidate_cost_{};
  std::vector<uint64_t> llc_tags_;  // line number + 1 per slot, 0 = empty
  uint64_t llc_mask_ = 0;

  mutable Stats stats_;
  uint64_t step_start_ = 0;
  uint64_t last_request_cycles_ = 0;
  // The request in progress.
  bool in_request_ = false;
  Request request_;
  // Mutable: stats() counts the pending cached requests before it returns the statistics,
  // which changes nothing a reader could tell from counting them at once.
  mutable std::vector<CachedShape> cached_shapes_;
  mutable bool cached_pending_ = false;  // some shape has pending requests
};

}  // namespace vtd::timing

#endif  // VTDSIM_MODEL_TIMING_TIMING_OBSERVER_H_
