// The legacy-mode translation walk (VT-d spec §3.4.2, §3.7, §4.2.3, §7.1.3 Table 30):
// root table -> context table -> second-stage tables, as pure functions of
// (WalkConfig, HostMemory, DmaRequest). No caches, no timing, no unit state.
//
// The walk is split where caches cut it (S §6.2):
//   LookupLegacyContext   root + context fetch and validity -> a TranslationContext
//                         (translation.h), what the context cache holds
//   TranslateWithContext  AnswerBeforeWalk (request type, pass-through, translated
//                         requests, input width), the second-stage walk, and
//                         CompleteTranslation on its leaf (what the IOTLB holds)
//   WalkSecondStage       the paging walk alone, resumable from any level and table
//                         address (a paging-structure-cache hit skips the levels above);
//                         its level records feed the paging-structure caches.
// Translate() chains them. Every hardware memory read is tagged (MemoryAccessKind) and goes
// through the memory's observer. A WalkTrace, when given, receives one step per entry read
// with its decoded fields, for explanations.
//
// Check order (where the spec leaves precedence open it is a model choice, marked *):
//   RTADDR (RTA.1.x, RTA.4, then RTA.2 for PASID requests) -> root fetch (LRT.1) -> P
//   (LRT.2) -> reserved (LRT.3) -> context fetch (LCT.1) -> P (LCT.2, FPD still read) ->
//   reserved (LCT.3) -> AW (LCT.4.1) -> TT (LCT.4.2) -> request type vs TT (LCT.5) ->
//   address width (LGN.1.x) -> per level: fetch (LCT.4.3 / LSS.1), present (R|W), reserved
//   (LSS.2)*, cumulative permission (LGN.2/LGN.3)* -> output in FEEx_xxxxh (LGN.4).
#ifndef VTDSIM_MODEL_TRANSLATE_LEGACY_WALK_H_
#define VTDSIM_MODEL_TRANSLATE_LEGACY_WALK_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "model/common/bits.h"
#include "model/common/json.h"
#include "model/fault/fault.h"
#include "model/memory/host_memory.h"
#include "model/structs/context_entry.h"
#include "model/structs/ids.h"
#include "model/structs/second_stage_pte.h"
#include "model/translate/paging_walk.h"
#include "model/translate/request.h"
#include "model/translate/translation.h"
#include "model/translate/walk_config.h"

namespace vtd {

// ---- Piece 1: root + context.
// What the root and context lookup reads and yields; a context cache holds it as is.
struct LegacyContextRead {
  TranslationContext context;  // the entry as the rest of the translation uses it
  uint64_t root_entry_address = 0;
  uint64_t context_entry_address = 0;
  // The raw entries as read (the invalidation checker compares them with memory).
  std::array<uint64_t, 2> root_raw{};
  std::array<uint64_t, 2> context_raw{};
};
struct LegacyContext : LegacyContextRead {
  ContextEntry entry;  // the context entry decoded (ContextEntry::Decode of context_raw)
};
// The reserved-bit masks of the legacy root and context entries (S §9.1, §9.3) for a walk
// configuration's HAW and CAP.ND: computed once (RootEntry::ReservedMask,
// ContextEntry::ReservedMask), so a lookup checks each entry with two ANDs. The unit makes
// them when it is created (HAW and CAP are fixed for its life).
struct LegacyEntryMasks {
  std::array<uint64_t, 2> root{};
  // By the entry's TT: SSPTPTR's bits 63:HAW are reserved unless TT=10b (pass-through, where
  // SSPTPTR is ignored).
  std::array<std::array<uint64_t, 2>, 4> context{};
  static LegacyEntryMasks For(const WalkConfig& config);
};
// What a legacy walk derives from a WalkConfig's HAW and capabilities: the entry masks and
// the second-stage entry format (its per-level reserved masks). Making them costs more than
// a walk's own checks, so whoever keeps a configuration for many walks makes them once (the
// unit when it is created, a checker or oracle for its platform) and passes them with it.
// They are not kept inside WalkConfig: its fields are public and may be edited one by one,
// which would leave such a copy stale. A caller that edits the configuration makes them
// again, or uses the overloads that make them for the one call.
struct LegacyWalkFormats {
  explicit LegacyWalkFormats(const WalkConfig& config);
  LegacyEntryMasks masks;
  SecondStageFormat second_stage;  // SecondStageFormat::Legacy(config.pte_format())
};

// Checks RTADDR.TTM for the request first (CheckRootTableMode). Returns the context entry
// that governs `request`'s source id, or the fault its fetch or validation hit. `partial`,
// when given, receives what was read up to the fault (a caching-mode unit caches
// not-present context entries, S §6.1).
// `masks` must be LegacyEntryMasks::For(config); the overload without them makes them for
// this one call.
FaultOr<LegacyContext> LookupLegacyContext(const WalkConfig& config, const LegacyEntryMasks& masks,
                                           const HostMemory& memory, const DmaRequest& request,
                                           WalkTrace* trace = nullptr,
                                           LegacyContext* partial = nullptr);
FaultOr<LegacyContext> LookupLegacyContext(const WalkConfig& config, const HostMemory& memory,
                                           const DmaRequest& request, WalkTrace* trace = nullptr,
                                           LegacyContext* partial = nullptr);
// The same, into `*out` (default-constructed by the caller, e.g. a context cache's value): it
// receives what was read, up to the fault if there is one, which is returned. `masks` must be
// LegacyEntryMasks::For(config).
std::optional<Fault> LookupLegacyContextInto(const WalkConfig& config,
                                             const LegacyEntryMasks& masks,
                                             const HostMemory& memory, const DmaRequest& request,
                                             WalkTrace* trace, LegacyContextRead* out);

// RTADDR checks that apply before any table is read (RTA.1.1-1.4, RTA.2, RTA.4), or
// nullopt when the request may proceed in legacy mode. TTM=01b with ECAP.SMTS=1 (scalable
// mode) is not for this walk: callers check config.ttm() first.
std::optional<Fault> CheckRootTableModeFaults(const WalkConfig& config, const DmaRequest& request);
inline std::optional<Fault> CheckRootTableMode(const WalkConfig& config,
                                               const DmaRequest& request) {
  // A legacy root table (TTM=00b) with SSIRWE clear admits every request without PASID: the
  // common case, decided inline.
  constexpr uint64_t kModeBits = WalkConfig::kRtaddrTtm.mask() | WalkConfig::kRtaddrSsirwe.mask();
  if ((config.rtaddr & kModeBits) == 0 && !request.pasid.has_value()) return std::nullopt;
  return CheckRootTableModeFaults(config, request);
}

// ---- Piece 3: the second-stage walk (paging_walk.h with the legacy second-stage format).
using SsWalkStart = WalkStart;
using SsLevelRecord = WalkLevelRecord;
using SsWalkResult = PagingWalkResult;
// The second-stage format of the configured mode: legacy, or scalable (TTM=01b with
// ECAP.SMTS), with the unit's entry format (HAW, SC, SSLPS, bit 62).
SecondStageFormat SecondStageFormatFor(const WalkConfig& config);
// Walks from `start` for input address `iova`. `top_level` is PagingLevels(AW): a fetch
// error there is LCT.4.3, below it LSS.1. Reserved bits are LSS.2. The fault fields come
// from `request` and `fpd` (the context entry's FPD). Bounded by the level count, so
// self-referencing tables cannot loop.
FaultOr<SsWalkResult> WalkSecondStage(const WalkConfig& config, const HostMemory& memory,
                                      const SsWalkStart& start, int top_level, uint64_t iova,
                                      RequestNeeds needs, const DmaRequest& request, bool fpd,
                                      WalkTrace* trace = nullptr);
// The leaf a walk result stands for, with the unit's capabilities applied (SNP honoured with
// ECAP.SC, bit 62 as TM per the spec revision).
inline TranslationLeaf LeafOf(const WalkConfig& config, const SsWalkResult& walk) {
  TranslationLeaf leaf;
  leaf.complete = walk.complete;
  leaf.level = static_cast<uint8_t>(walk.level);
  leaf.read = walk.read;
  leaf.write = walk.write;
  if (walk.complete) {
    // Only these fields of the leaf entry matter past the walk (S §9.8).
    const uint64_t raw = walk.leaf_raw;
    leaf.page_base = walk.page_base;
    leaf.snoop = config.ecap.sc && SecondStagePte::kSnoop.Get(raw) != 0;
    leaf.emt = static_cast<uint8_t>(SecondStagePte::kEmt.Get(raw));
    leaf.ipat = SecondStagePte::kIpat.Get(raw) != 0;
    leaf.transient_mapping =
        config.bit62 == SsBit62::kTransientMapping && SecondStagePte::kBit62.Get(raw) != 0;
  }
  leaf.stages = kStageSecond;
  return leaf;
}
// The TranslationContext of a legacy context entry for `sid` (S §9.3), into `*c` (every
// field set), or returned.
void SetLegacyTranslationContext(const WalkConfig& config, const ContextEntry& entry, SourceId sid,
                                 TranslationContext* c);
inline TranslationContext LegacyTranslationContext(const WalkConfig& config,
                                                   const ContextEntry& entry, SourceId sid) {
  TranslationContext c;
  SetLegacyTranslationContext(config, entry, sid, &c);
  return c;
}

// Everything after the context lookup: AnswerBeforeWalk, the walk, CompleteTranslation.
// `formats` must be LegacyWalkFormats(config).
TranslateResult TranslateWithContext(const WalkConfig& config, const LegacyWalkFormats& formats,
                                     const HostMemory& memory, const TranslationContext& context,
                                     const DmaRequest& request, WalkTrace* trace = nullptr);

// The full legacy walk. Status only for bad input (ValidateRequest) or scalable mode
// (FailedPrecondition for TTM=01b with ECAP.SMTS=1: TranslateScalable's); every guest-visible
// outcome, faults included, is in the result. `formats` must be LegacyWalkFormats(config);
// the overload without them makes them for this one call.
absl::StatusOr<TranslateResult> Translate(const WalkConfig& config,
                                          const LegacyWalkFormats& formats,
                                          const HostMemory& memory, const DmaRequest& request,
                                          WalkTrace* trace = nullptr);
absl::StatusOr<TranslateResult> Translate(const WalkConfig& config, const HostMemory& memory,
                                          const DmaRequest& request, WalkTrace* trace = nullptr);

}  // namespace vtd

#endif  // VTDSIM_MODEL_TRANSLATE_LEGACY_WALK_H_
