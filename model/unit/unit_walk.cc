// RemappingUnit::TranslateThroughCaches: what follows the context lookup of either mode
// (legacy context entry, or scalable context and PASID entries): the checks answered without
// a leaf, the IOTLB, the paging-structure caches, the second-stage walk with the A/D updates
// of scalable mode (SSADE), the cache fills and the completion (S §6.2.3, §6.2.4, §3.7).
#include "model/structs/second_stage_pte.h"
#include "model/translate/scalable_lookup.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

template <typename Out>
void RemappingUnit::TranslateThroughCaches(const TranslationContext& context,
                                           const DmaRequest& request, const DmaOptions& options,
                                           Out& out) {
  constexpr bool kFull = IsFull(static_cast<Out*>(nullptr));
  WalkTrace* trace = TraceOf(options, out);
  const bool record = options.trace || options.record_cache_lookups;
  // The invalidation checker's reports go to the full outcome only (Translate takes it then).
  const bool check = kFull && config_.check_invalidation;
  const bool caching_mode = registers_->cap().cm;

  // Request type, pass-through (TT=10b, PGTT=100b), translated requests, input width:
  // answered without a leaf.
  if (AnswerBeforeWalk(walk_config_, context, request, &out.result)) {
    hot_candidate_.context = &context;
    hot_candidate_.before_walk = true;
    AfterResult(out);
    CheckProtectedMemory(request, /*remapped=*/false, out);
    return;
  }
  const RequestNeeds needs = NeedsFor(walk_config_, request);

  // IOTLB (S §6.2.3), tagged by DID, PASID (kNoPasid in legacy mode, the PASID or RID_PASID
  // in scalable mode), PGTT class, page and page size.
  const CacheTag tag = CacheTag::Of(context);
  const bool first_stage =
      context.kind == TranslationKind::kFirstStage || context.kind == TranslationKind::kNested;
  IotlbKey key;
  const Iotlb::Entry* tlb_hit = iotlb_.Lookup(tag, request.address, iotlb_leaf_levels_, &key);
  NoteLookup(CacheKind::kIotlb, tlb_hit != nullptr,
             tlb_hit != nullptr ? key.page() << Iotlb::PageShift(key.leaf_level())
                                : request.address & ~uint64_t{0xfff},
             record, out);
  if (tlb_hit != nullptr) {
    const IotlbEntry& v = tlb_hit->value;
    if constexpr (kFull) {
      if (check) {
        for (const CachedEntryRef& e : v.path) {
          CheckStale(CacheKind::kIotlb, "iotlb path entry", e.address, e.raw, tlb_hit->fill_stamp,
                     out, e.hardware_bits);
        }
      }
    }
    if (IotlbEntryAnswers(v, context, request, needs, caching_mode)) {
      hot_candidate_.iotlb = tlb_hit;
      hot_candidate_.context = &context;
      CompleteTranslation(walk_config_, context, v.leaf, request, &out.result);
      AfterResult(out);
      CheckProtectedMemory(request, /*remapped=*/true, out);
      return;
    }
  }

  if (first_stage) {
    TranslateFirstStageAndFill(context, tag, request, trace, out);
    return;
  }

  // Paging-structure caches (S §6.2.4), deepest level first: a hit starts the walk below.
  const int levels = context.ss.levels;
  SsWalkStart start{context.ss.root, levels, true, true};
  // The lookup events' tags (the region's base) are built only for someone who sees them.
  const bool observed = record || !observers_.empty();
  if (!any_psc_enabled_ && !observed) {
    // Every paging-structure cache disabled and nobody watching: each level's lookup is a
    // counted miss, with no key or event built.
    for (int level = 2; level <= levels; ++level) psc_[level].CountMiss();
  } else {
    for (int level = 2; level <= levels; ++level) {
      const PagingStructureCache::Entry* psc_hit = psc_[level].Lookup(tag, request.address);
      if (observed) {
        NoteLookup(PscKind(level), psc_hit != nullptr,
                   request.address >> psc_[level].RegionShift() << psc_[level].RegionShift(),
                   record, out);
      }
      if (psc_hit != nullptr) {
        const PscEntry& v = psc_hit->value;
        if constexpr (kFull) {
          if (check) {
            CheckStale(PscKind(level), "paging-structure entry", v.entry.address, v.entry.raw,
                       psc_hit->fill_stamp, out);
          }
        }
        start = SsWalkStart{v.next_table, level - 1, v.read, v.write};
        break;
      }
    }
  }

  // The level records serve the paging-structure-cache fills, the A/D updates (SSADE) and
  // the invalidation checker's IOTLB path; without any of them the walk keeps none.
  start.record_levels = any_psc_enabled_ || context.ss.ad_enabled || check;
  const SecondStageFormat& format =
      ScalableModeActive(walk_config_) ? ss_scalable_format_ : ss_legacy_format_;
  SsWalkResult& w = walk_scratch_;
  if (std::optional<Fault> fault =
          WalkPagingInto(format, WalkMemory(*memory_, walk_config_.haw), start, levels,
                         request.address, needs, request, context.fpd, trace, &w)) {
    Complete(FaultResult(*std::move(fault)), out);
    return;
  }
  TranslationLeaf leaf = LeafOf(walk_config_, w);
  CompleteTranslation(walk_config_, context, leaf, request, &out.result);
  // With SSADE, entries are cached only once hardware has set their A bits (a cached entry
  // is used without another update): after a translated untranslated request.
  bool cacheable = true;
  if (context.ss.ad_enabled) {
    cacheable = out.result.ok() && request.type == RequestType::kUntranslated;
    if (cacheable) {
      WalkMemory port(memory_, walk_config_.haw);
      if (std::optional<Fault> f = UpdateSecondStageAccessedDirty(context, port, request, &w)) {
        out.result.Refused(FaultResult(*std::move(f)));
        cacheable = false;
      }
    }
  }
  if (cacheable) {
    // With every paging-structure cache disabled a fill would do nothing.
    if (any_psc_enabled_) FillPagingStructureCaches(tag, request.address, start, w);
    const bool not_present = !w.complete && w.level > 0 && !SecondStageFormat::Present(w.leaf_raw);
    // A disabled IOTLB takes no fill: nothing to build.
    if (iotlb_.enabled() && (w.complete || (caching_mode && not_present))) {
      IotlbEntry entry;
      // Not-present translations are cached per 4 KiB page, with no permission.
      if (w.complete) {
        entry.leaf = leaf;
        // SSADE: a leaf whose D bit is clear answers no write until a walk sets it (its
        // record holds the bits the A/D update above set).
        entry.dirty = !context.ss.ad_enabled ||
                      SecondStagePte::kDirty.Get(w.records[w.record_count - 1].raw) != 0;
      }
      if (check) {
        entry.path.reserve(w.record_count);
        for (int i = 0; i < w.record_count; ++i) {
          entry.path.push_back(
              CachedEntryRef{w.records[i].level, w.records[i].entry_address, w.records[i].raw});
        }
      }
      iotlb_.Fill(Iotlb::KeyFor(tag, request.address, entry.leaf.level), entry, request_count_);
    }
  }
  AfterResult(out);
  CheckProtectedMemory(request, /*remapped=*/true, out);
}
template void RemappingUnit::TranslateThroughCaches(const TranslationContext&, const DmaRequest&,
                                                    const DmaOptions&, DmaOutcome&);
template void RemappingUnit::TranslateThroughCaches(const TranslationContext&, const DmaRequest&,
                                                    const DmaOptions&, RemappingUnit::LeanOutcome&);

}  // namespace vtd
