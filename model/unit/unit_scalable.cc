// RemappingUnit in scalable mode (RTADDR.TTM=01b, VT-d spec §3.4.3, §6.2, §6.5.2): the DMA
// path through the scalable context cache, the PASID cache, the IOTLB and paging-structure
// caches (tagged by DID, PASID and PGTT class, S §6.2) and the second-stage walk with its
// accessed/dirty updates; and the PASID-granular invalidations.
#include <optional>
#include <string>

#include "absl/strings/str_format.h"
#include "model/structs/second_stage_pte.h"
#include "model/translate/scalable_lookup.h"
#include "model/unit/register_invalidation.h"
#include "model/unit/remapping_unit.h"

namespace vtd {
namespace {

std::string_view PasidCacheGranularityName(PasidCacheInvalidation::Granularity g) {
  switch (g) {
    case PasidCacheInvalidation::Granularity::kDomain:
      return "domain";
    case PasidCacheInvalidation::Granularity::kPasid:
      return "pasid";
    case PasidCacheInvalidation::Granularity::kGlobal:
      return "global";
  }
  return "reserved";
}

}  // namespace

void RemappingUnit::CheckScalableEntries(SourceId sid, const ScalableContextCache::Entry* context,
                                         const PasidCache::Entry* pasid, DmaOutcome& out) {
  const std::string what = absl::StrFormat("sid %s", sid);
  if (context != nullptr) {
    const ScalableContext& c = context->value;
    for (int q = 0; q < 2; ++q) {
      CheckStale(CacheKind::kContext, absl::StrFormat("%s sm root entry qword %d", what, q).c_str(),
                 c.root_entry_address + 8 * q, c.root_raw[q], context->fill_stamp, out);
    }
    for (int q = 0; q < 4; ++q) {
      CheckStale(CacheKind::kContext,
                 absl::StrFormat("%s sm context entry qword %d", what, q).c_str(),
                 c.context_entry_address + 8 * q, c.context_raw[q], context->fill_stamp, out);
    }
  }
  if (pasid != nullptr) {
    const PasidLookup& p = pasid->value;
    CheckStale(CacheKind::kPasid, (what + " pasid directory entry").c_str(),
               p.directory_entry_address, p.directory_raw, pasid->fill_stamp, out);
    for (int q = 0; q < 8; ++q) {
      CheckStale(CacheKind::kPasid, absl::StrFormat("%s pasid entry qword %d", what, q).c_str(),
                 p.pasid_entry_address + 8 * q, p.pasid_raw[q], pasid->fill_stamp, out);
    }
  }
}

template <typename Out>
void RemappingUnit::DmaTranslateScalable(const DmaRequest& request, const DmaOptions& options,
                                         Out& out) {
  WalkTrace* trace = TraceOf(options, out);
  const bool record = options.trace || options.record_cache_lookups;
  if (std::optional<Fault> fault = CheckScalableRequest(walk_config_, request)) {
    Complete(FaultResult(*std::move(fault)), out);
    return;
  }

  // Context cache in scalable form (S §6.2.1), then the scalable root and context tables.
  const SourceId sid = request.source_id;
  auto walk = [&](ScalableContext* read) {
    return LookupScalableContextEntryInto(walk_config_, scalable_masks_, *memory_, request, trace,
                                          read);
  };
  const ScalableContextCache::Entry* context_hit = nullptr;
  std::optional<ScalableContext> walked;  // constructed only on a miss
  const ScalableContext* context =
      ContextThroughCache(sm_context_cache_, sid, record, walk, &context_hit, &walked, out);
  if (context == nullptr) return;

  // PASID cache (S §6.2.2), tagged by source-id and the PASID the request is translated
  // under (RID_PASID for requests without PASID).
  const uint32_t pasid = EffectivePasid(context->entry, request);
  const PasidCache::Entry* pasid_hit = pasid_cache_.Lookup(sid, pasid);
  NoteLookup(CacheKind::kPasid, pasid_hit != nullptr, pasid, record, out);
  if constexpr (IsFull(static_cast<Out*>(nullptr))) {
    if (config_.check_invalidation) CheckScalableEntries(sid, context_hit, pasid_hit, out);
  }
  if (pasid_hit != nullptr) {
    // The checks of the request itself still apply to a cached entry.
    std::optional<Fault> fault = CheckRequestAgainstContext(walk_config_, context->entry, request);
    if (!fault.has_value()) {
      fault = CheckRequestAgainstPasidEntry(walk_config_, context->entry, pasid_hit->value.entry,
                                            request, pasid_hit->value.context.fpd);
    }
    if (fault.has_value()) {
      Complete(FaultResult(*std::move(fault)), out);
      return;
    }
    hot_candidate_.scalable_context = context_hit;
    hot_candidate_.pasid = pasid_hit;
    TranslateThroughCaches(pasid_hit->value.context, request, options, out);
    return;
  }
  PasidLookup lookup;
  if (std::optional<Fault> fault = LookupPasidEntryInto(walk_config_, scalable_masks_, *memory_,
                                                        *context, request, trace, &lookup)) {
    Complete(FaultResult(*std::move(fault)), out);
    return;
  }
  pasid_cache_.Fill(sid, pasid, lookup, request_count_);
  TranslateThroughCaches(lookup.context, request, options, out);
}
template void RemappingUnit::DmaTranslateScalable(const DmaRequest&, const DmaOptions&,
                                                  DmaOutcome&);
template void RemappingUnit::DmaTranslateScalable(const DmaRequest&, const DmaOptions&,
                                                  RemappingUnit::LeanOutcome&);

template <typename Out>
void RemappingUnit::TranslateFirstStageAndFill(const TranslationContext& context,
                                               const CacheTag& tag, const DmaRequest& request,
                                               WalkTrace* trace, Out& out) {
  WalkMemory port(memory_, walk_config_.haw);
  // The invalidation checker needs the entries the walk read: from the trace (S §6.2.4
  // caches a first-stage or nested translation as the entries that produced it).
  std::optional<WalkTrace> checker_trace;
  if (trace == nullptr && config_.check_invalidation) trace = &checker_trace.emplace();
  const size_t first_step = trace != nullptr ? trace->size() : 0;
  FaultOr<TranslationLeaf> walk =
      TranslateFirstStage(FirstStageConfigOf(walk_config_, context), context, port, request, trace);
  if (!walk.ok()) {
    Complete(FaultResult(walk.fault()), out);
    return;
  }
  const TranslationLeaf& leaf = walk.value();
  CompleteTranslation(walk_config_, context, leaf, request, &out.result);
  // The walk set A in every entry it used (S §3.6.2), so the translation may be cached. The
  // leaf's D bit (and, nested with SSADE, the second-stage output's) is known set only when
  // this walk set it; otherwise a request that would be granted write and hits the cached
  // entry walks again to set D (S §3.6.2: a write needs a dirty leaf).
  if (out.result.ok()) {
    const bool dirty_set = request.type == RequestType::kTranslation
                               ? leaf.write && !(request.no_write && walk_config_.ecap.nwfs)
                               : request.access != AccessKind::kRead;
    IotlbEntry entry;
    entry.leaf = leaf;
    entry.dirty = dirty_set;
    entry.privileged = request.privileged;
    if (config_.check_invalidation) {
      // First-stage A (5), D (6), EA (10) and second-stage A (8), D (9) are set by hardware
      // (S §3.6.2, §3.7.2), never an edit software must invalidate for.
      constexpr uint64_t kFsHardwareBits = 0x460;
      constexpr uint64_t kSsHardwareBits = 0x300;
      for (size_t i = first_step; i < trace->size(); ++i) {
        const WalkStep& step = (*trace)[i];
        const bool first = step.structure.starts_with("fs_");
        entry.path.push_back(CachedEntryRef{step.level, step.entry_address, step.raw[0],
                                            first ? kFsHardwareBits : kSsHardwareBits});
      }
    }
    iotlb_.Fill(Iotlb::KeyFor(tag, request.address, leaf.level), entry, request_count_);
  }
  AfterResult(out);
  CheckProtectedMemory(request, /*remapped=*/true, out);
}
template void RemappingUnit::TranslateFirstStageAndFill(const TranslationContext&, const CacheTag&,
                                                        const DmaRequest&, WalkTrace*, DmaOutcome&);
template void RemappingUnit::TranslateFirstStageAndFill(const TranslationContext&, const CacheTag&,
                                                        const DmaRequest&, WalkTrace*,
                                                        RemappingUnit::LeanOutcome&);

// ---------------------------------------------------------------------------------------
// Invalidation in scalable mode.

InvalidationOutcome RemappingUnit::InvalidateScalableContextCache(
    const ContextInvalidation& request) {
  // Scalable context entries carry no DID: domain-selective acts as global, device-selective
  // ignores the DID (invalidation.md §3.1). The actual granularity reported is what was done.
  InvalidationOutcome out;
  std::string_view performed = "global";
  switch (request.granularity) {
    case ContextInvalidation::Granularity::kGlobal:
    case ContextInvalidation::Granularity::kDomain:
      out.actual_granularity = static_cast<uint8_t>(ContextInvalidation::Granularity::kGlobal);
      out.entries_removed = sm_context_cache_.InvalidateAll();
      break;
    case ContextInvalidation::Granularity::kDevice:
      out.actual_granularity = static_cast<uint8_t>(request.granularity);
      out.entries_removed =
          sm_context_cache_.InvalidateDevice(SourceId(request.source_id), request.function_mask);
      performed = "device";
      break;
    default:
      performed = "none";
      break;
  }
  EmitInvalidation(CacheKind::kContext, GranularityName(request.granularity), performed,
                   out.entries_removed);
  return out;
}

InvalidationOutcome RemappingUnit::InvalidatePasidCache(const PasidCacheInvalidation& request) {
  FoldHotHits();
  InvalidationOutcome out;
  out.actual_granularity = static_cast<uint8_t>(request.granularity);
  switch (request.granularity) {
    case PasidCacheInvalidation::Granularity::kDomain:
      out.entries_removed = pasid_cache_.InvalidateDomain(request.domain_id);
      break;
    case PasidCacheInvalidation::Granularity::kPasid:
      out.entries_removed = pasid_cache_.InvalidatePasid(request.domain_id, request.pasid);
      break;
    case PasidCacheInvalidation::Granularity::kGlobal:
      out.entries_removed = pasid_cache_.InvalidateAll();
      break;
  }
  const std::string_view name = PasidCacheGranularityName(request.granularity);
  EmitInvalidation(CacheKind::kPasid, name, name, out.entries_removed);
  return out;
}

InvalidationOutcome RemappingUnit::InvalidatePasidIotlb(const PasidIotlbInvalidation& request) {
  FoldHotHits();
  // S §6.5.2.4 Table 24. PASID-selective: IOTLB entries of every PGTT class with the DID and
  // PASID, and first-stage paging-structure entries (second-stage ones are kept; this unit
  // caches no first-stage paging-structure entries). Page-selective-within-PASID: only
  // first-stage and nested IOTLB entries (second-stage and pass-through translations are
  // invalidated with iotlb_inv_dsc).
  InvalidationOutcome out;
  out.actual_granularity = static_cast<uint8_t>(request.granularity);
  std::string_view name = "page";
  if (request.granularity == PasidIotlbInvalidation::Granularity::kPasid) {
    out.entries_removed = iotlb_.InvalidatePasid(request.domain_id, request.pasid);
    name = "pasid";
  } else {
    const AddressRange range = PageMaskRange(request.address, request.address_mask);
    out.entries_removed = iotlb_.InvalidateFirstStage(request.domain_id, request.pasid, &range);
  }
  EmitInvalidation(CacheKind::kIotlb, name, name, out.entries_removed);
  return out;
}

}  // namespace vtd
