#include "model/unit/unit_events.h"

#include "absl/strings/str_format.h"
#include "model/common/hex.h"

namespace vtd {

std::string_view CacheKindName(CacheKind kind) {
  switch (kind) {
    case CacheKind::kContext:
      return "context";
    case CacheKind::kIotlb:
      return "iotlb";
    case CacheKind::kPscPml5:
      return "psc_pml5";
    case CacheKind::kPscPml4:
      return "psc_pml4";
    case CacheKind::kPscPdpte:
      return "psc_pdpte";
    case CacheKind::kPscPde:
      return "psc_pde";
    case CacheKind::kPasid:
      return "pasid";
    case CacheKind::kInterruptEntry:
      return "interrupt_entry";
  }
  return "?";
}

void UnitObserver::OnCachedRequest(absl::Span<const CacheLookupEvent> lookups, uint32_t&) {
  OnRequestBegin();
  for (const CacheLookupEvent& event : lookups) OnCacheLookup(event);
  OnRequestEnd();
}

std::string StaleEntryReport::ToString() const {
  return absl::StrFormat(
      "stale %s entry (%s): entry at %s cached as %s (request %d), memory now holds %s",
      CacheKindName(cache), entry, Hex(entry_address), Hex(cached_value), cached_at_step,
      Hex(memory_value));
}

}  // namespace vtd
