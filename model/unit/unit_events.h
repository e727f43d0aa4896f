// What a remapping unit tells its observers (timing, traces, the invalidation checker's
// consumers): cache lookups, fault records, interrupt messages, invalidations, stale cache
// entries, request boundaries. Observers see events and change nothing. Kept apart from the
// unit class so that observers depend on the events only.
#ifndef VTDSIM_MODEL_UNIT_UNIT_EVENTS_H_
#define VTDSIM_MODEL_UNIT_UNIT_EVENTS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/types/span.h"
#include "model/fault/fault.h"

namespace vtd {

// The caches a lookup can go to; also used to name caches in events and statistics.
enum class CacheKind : uint8_t {
  kContext,
  kIotlb,
  kPscPml5,
  kPscPml4,
  kPscPdpte,
  kPscPde,
  kPasid,
  kInterruptEntry,
};
std::string_view CacheKindName(CacheKind kind);  // "context", "iotlb", "psc_pml4", ...
// The paging-structure cache of non-leaf level `level` (5 PML5E .. 2 PDE). Inline: every
// walk's lookups name their cache.
constexpr CacheKind PscKind(int level) {
  switch (level) {
    case 5:
      return CacheKind::kPscPml5;
    case 4:
      return CacheKind::kPscPml4;
    case 3:
      return CacheKind::kPscPdpte;
    default:
      return CacheKind::kPscPde;
  }
}

struct CacheLookupEvent {
  CacheKind cache;
  bool hit = false;
  uint64_t tag = 0;  // e.g. the IOVA page for the IOTLB, the source-id for the context cache
  // In DmaOutcome::cache_lookups: how many walk steps DmaOutcome::trace held when the
  // lookup was made, so an explanation can interleave lookups and memory reads.
  int trace_position = 0;
};

// A cache hit whose entry no longer matches the memory it was read from (the invalidation
// checker): the classic "edited a table, forgot to invalidate" bug.
struct StaleEntryReport {
  CacheKind cache;
  std::string entry;            // which entry, in words ("iotlb did 1 iova 0x10000 4K")
  uint64_t entry_address = 0;   // the structure in memory it came from
  uint64_t cached_value = 0;    // the raw value when cached
  uint64_t memory_value = 0;    // the raw value memory holds now
  uint64_t cached_at_step = 0;  // the unit's request counter when it was filled
  std::string ToString() const;
};

// A fault that went to the fault recording registers (or was dropped on overflow).
struct FaultRecordEvent {
  Fault fault;
  int frcd_index = -1;  // the FRCD register written, -1 if not recorded
  // Dropped: the next FRCD was full (FSTS.PFO set now), or PFO was already set.
  bool overflow = false;
};

// The fault event interrupt (FEDATA/FEADDR/FEUADDR) the unit sent, or that became pending.
struct InterruptMessageEvent {
  std::string_view source;  // "fault_event", "invalidation_event", ...
  uint64_t address = 0;
  uint32_t data = 0;
  bool sent = false;  // false: masked, IP set instead
};

// What an invalidation did (register-based or queued).
struct InvalidationEvent {
  CacheKind cache;
  std::string_view requested;  // "global", "domain", "device", "page"
  std::string_view performed;  // actual granularity (CCMD.CAIG / IOTLB.IAIG)
  int entries_removed = 0;
};

// Observers see events; they never change functional results.
class UnitObserver {
 public:
  virtual ~UnitObserver() = default;
  virtual void OnRegisterAccess(uint32_t /*offset*/, int /*width*/, bool /*is_write*/,
                                uint64_t /*value*/) {}
  virtual void OnCacheLookup(const CacheLookupEvent& /*event*/) {}
  virtual void OnFaultRecorded(const FaultRecordEvent& /*event*/) {}
  virtual void OnInterruptMessage(const InterruptMessageEvent& /*event*/) {}
  virtual void OnInvalidation(const InvalidationEvent& /*event*/) {}
  virtual void OnStaleEntry(const StaleEntryReport& /*report*/) {}
  // A request (DMA or interrupt) begins / ends; lets timing attribute events to it.
  virtual void OnRequestBegin() {}
  virtual void OnRequestEnd() {}
  // A request its caches answered with nothing else to report (the unit's hot entries): the
  // same as OnRequestBegin, OnCacheLookup for each of `lookups` in order, OnRequestEnd, which
  // is what this default does. One call, so that an observer may take the request at once.
  // `memo` is a word the unit keeps for this observer with the request it remembered: 0 the
  // first time, afterwards what the observer left in it, for as long as the unit sends the
  // same `lookups` with it. An observer may keep there what it derived from the lookups
  // (timing: what the request charges) so as not to derive it on every request.
  // Out of line, so that callers do not test for it before each call.
  virtual void OnCachedRequest(absl::Span<const CacheLookupEvent> lookups, uint32_t& memo);
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_UNIT_UNIT_EVENTS_H_
