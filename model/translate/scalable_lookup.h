// The scalable-mode context lookup (VT-d spec §3.4.3, §9.2, §9.4-§9.6; faults.md §3), as
// pure functions of (WalkConfig, HostMemory, DmaRequest): scalable root entry (lower or
// upper context table by devfn bit 7) -> 256-bit scalable context entry -> PASID directory
// entry (PASID[19:6]) -> 512-bit PASID table entry (PASID[5:0]). Requests without PASID use
// the context entry's RID_PASID (0 without ECAP.RPS). The result is a TranslationContext
// (translation.h) for the rest of the translation, or the fault a fetch or check hit.
//
// The lookup is split where the caches cut it (S §6.2.1, §6.2.2):
//   LookupScalableContextEntry  root + context entry (what the context cache holds)
//   LookupPasidEntry            the request against the context entry, then PASID
//                               directory and table entries (what the PASID cache holds)
//   ScalableTranslationContext  the PASID entry as the rest of the translation uses it
// TranslateScalable chains them with the second-stage walk and the A/D updates, for callers
// without caches (the unit composes the pieces with its caches).
//
// Check order (where the spec leaves precedence open it is a model choice, marked *):
//   SGN.10* (PASID wider than ECAP.PSS) -> RTA.5 (ER=1, VER major >= 8) -> root fetch
//   (SRT.1) -> LP/UP (SRT.2) -> reserved in the present half (SRT.3) -> context fetch
//   (SCT.1) -> P (SCT.2, FPD still read) -> reserved (SCT.3) -> SCT.4.1, SCT.4.2 -> PASIDE
//   (SCT.6) -> PASID beyond PDTS (SCT.7) -> PASID equal to RID_PASID (SCT.9) -> directory
//   fetch (SPD.1) -> P (SPD.2) -> reserved (SPD.3) -> PASID entry fetch (SPT.1) -> P
//   (SPT.2) -> reserved (SPT.3) -> PGTT unsupported (SPT.4.2) -> AW (SPT.4.1) -> ER=1 without
//   ERS (SPT.5) -> PR=1 without SRE (SPT.6). FPD is the OR of every FPD read on the way.
#ifndef VTDSIM_MODEL_TRANSLATE_SCALABLE_LOOKUP_H_
#define VTDSIM_MODEL_TRANSLATE_SCALABLE_LOOKUP_H_

#include <array>
#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "model/fault/fault.h"
#include "model/memory/host_memory.h"
#include "model/structs/pasid_entry.h"
#include "model/structs/scalable_context_entry.h"
#include "model/translate/first_stage_walk.h"
#include "model/translate/legacy_walk.h"
#include "model/translate/paging_walk.h"
#include "model/translate/request.h"
#include "model/translate/translation.h"
#include "model/translate/walk_config.h"

namespace vtd {

// True when the unit translates in scalable mode: RTADDR.TTM=01b with ECAP.SMTS.
inline bool ScalableModeActive(const WalkConfig& config) {
  return config.ttm() == 1 && config.ecap.smts;
}

// The entry formats the unit's capabilities define (S §9.4, §9.6).
ScalableContextFormat ContextFormatOf(const WalkConfig& config);
PasidEntryFormat PasidFormatOf(const WalkConfig& config);
// The reserved-bit masks of the scalable root entry (S §9.2), context entry (S §9.4), PASID
// directory entry (S §9.5) and PASID table entry by PGTT (S §9.6) for a walk configuration's
// formats: computed once (the structures' ReservedMask), so a lookup checks an entry with one
// AND per qword. The unit makes them when it is created (HAW, CAP and ECAP are fixed for its
// life).
struct ScalableEntryMasks {
  std::array<uint64_t, 2> root{};  // by half: lower (devfn 0x00-0x7f), upper
  std::array<uint64_t, 4> context{};
  uint64_t directory = 0;
  std::array<std::array<uint64_t, 8>, 8> pasid{};  // by PGTT (bits 8:6 of qword 0)
  static ScalableEntryMasks For(const WalkConfig& config);
};
// What a scalable-mode translation derives from a WalkConfig's HAW and capabilities: the
// entry masks and the second-stage entry format, made once by whoever keeps the
// configuration for many requests and passed with it (see LegacyWalkFormats: not kept inside
// WalkConfig, whose public fields may be edited one by one).
struct ScalableWalkFormats {
  explicit ScalableWalkFormats(const WalkConfig& config);
  ScalableEntryMasks masks;
  SecondStageFormat second_stage;  // SecondStageFormat::Scalable(config.pte_format())
};

// Checks of the request alone, before any table is read: SGN.10 (PASID at or above
// 2^(PSS+1)) and RTA.5 (ER=1 in a request with PASID on VER major >= 8).
std::optional<Fault> CheckScalableRequest(const WalkConfig& config, const DmaRequest& request);

// ---- Root and context entry (the context cache's content).
struct ScalableContext {
  ScalableContextEntry entry;
  uint64_t root_entry_address = 0;
  uint64_t context_entry_address = 0;
  std::array<uint64_t, 2> root_raw{};     // as read
  std::array<uint64_t, 4> context_raw{};  // as read
  bool context_read = false;              // the context entry fetch was made
};
// The context entry governing `request`'s source-id, or the SRT/SCT fault. `partial`, when
// given, receives what was read up to the fault. `masks` must be ScalableEntryMasks::For
// (config); the overload without them makes them for this one call.
FaultOr<ScalableContext> LookupScalableContextEntry(
    const WalkConfig& config, const ScalableEntryMasks& masks, const HostMemory& memory,
    const DmaRequest& request, WalkTrace* trace = nullptr, ScalableContext* partial = nullptr);
FaultOr<ScalableContext> LookupScalableContextEntry(const WalkConfig& config,
                                                    const HostMemory& memory,
                                                    const DmaRequest& request,
                                                    WalkTrace* trace = nullptr,
                                                    ScalableContext* partial = nullptr);
// The same, into `*out` (default-constructed by the caller): it receives what was read, up
// to the fault if there is one, which is returned.
// `masks` must be ScalableEntryMasks::For(config).
std::optional<Fault> LookupScalableContextEntryInto(const WalkConfig& config,
                                                    const ScalableEntryMasks& masks,
                                                    const HostMemory& memory,
                                                    const DmaRequest& request, WalkTrace* trace,
                                                    ScalableContext* out);

// The PASID a request is translated under: its own, or RID_PASID for requests without one.
inline uint32_t EffectivePasid(const ScalableContextEntry& entry, const DmaRequest& request) {
  return request.pasid.has_value() ? *request.pasid : entry.rid_pasid;
}
// The privilege a request is translated with: its PR, or RID_PRIV without PASID (S §3.4.3).
inline bool EffectivePrivileged(const ScalableContextEntry& entry, const DmaRequest& request) {
  return request.pasid.has_value() ? request.privileged : entry.rid_priv;
}

// ---- PASID directory and table entry (the PASID cache's content).
struct PasidLookup {
  PasidEntry entry;
  TranslationContext context;
  uint64_t directory_entry_address = 0;
  uint64_t pasid_entry_address = 0;
  uint64_t directory_raw = 0;           // as read
  std::array<uint64_t, 8> pasid_raw{};  // as read
};
// The request against the context entry (SCT.6, SCT.7, SCT.9), then the PASID directory and
// PASID table entries for EffectivePasid (SPD, SPT conditions). `masks` must be
// ScalableEntryMasks::For(config); the overload without them makes them for this one call.
FaultOr<PasidLookup> LookupPasidEntry(const WalkConfig& config, const ScalableEntryMasks& masks,
                                      const HostMemory& memory, const ScalableContext& context,
                                      const DmaRequest& request, WalkTrace* trace = nullptr);
FaultOr<PasidLookup> LookupPasidEntry(const WalkConfig& config, const HostMemory& memory,
                                      const ScalableContext& context, const DmaRequest& request,
                                      WalkTrace* trace = nullptr);
// The same, into `*out` (default-constructed by the caller); returns the fault, if any.
// `masks` must be ScalableEntryMasks::For(config).
std::optional<Fault> LookupPasidEntryInto(const WalkConfig& config, const ScalableEntryMasks& masks,
                                          const HostMemory& memory, const ScalableContext& context,
                                          const DmaRequest& request, WalkTrace* trace,
                                          PasidLookup* out);
// The request against its context entry: PASIDE (SCT.6), PASID beyond PDTS (SCT.7), PASID
// equal to RID_PASID (SCT.9), a translated request with PASID without EPTR (SCT.10, VER 5.0+).
// Part of LookupPasidEntry; also made on a PASID-cache hit.
std::optional<Fault> CheckRequestAgainstContext(const WalkConfig& config,
                                                const ScalableContextEntry& entry,
                                                const DmaRequest& request);
// The checks LookupPasidEntry makes on a PASID entry found in a PASID cache that depend on
// the request rather than on the entry (SPT.5, SPT.6), with the entry's context.
std::optional<Fault> CheckRequestAgainstPasidEntry(const WalkConfig& config,
                                                   const ScalableContextEntry& context_entry,
                                                   const PasidEntry& entry,
                                                   const DmaRequest& request, bool fpd);
// The context the rest of the translation uses, for PGTT 010b or 100b.
TranslationContext ScalableTranslationContext(const WalkConfig& config,
                                              const ScalableContextEntry& context_entry,
                                              const PasidEntry& entry, uint32_t pasid, SourceId sid,
                                              bool fpd);

// What a first-stage or nested walk (PGTT 001b/011b) under `context` needs of the unit's
// capabilities: HAW, CAP.FS1GP, the second-stage entry format, and whether walks are snooped
// (ECAP.SMPWCS with the PASID entry's PWSNP) so that A/D updates can be made.
FirstStageWalkConfig FirstStageConfigOf(const WalkConfig& config,
                                        const TranslationContext& context);

// ---- Second-stage accessed/dirty updates (SSADE, S §3.7.2; faults.md §3 SSS.5/SSS.6).
// After a second-stage walk that translated `request` (untranslated, not faulting), sets A
// in every entry the walk used and D in the leaf for writes, each a locked read-modify-write
// through `port`, only where not already set. With walks not snooped (PWSNP=0 or
// ECAP.SMPWCS=0) a needed update is SSS.5; an update that cannot be made is SSS.6. The
// records' raw values are replaced with what the entries hold afterwards (what caches keep).
std::optional<Fault> UpdateSecondStageAccessedDirty(const TranslationContext& context,
                                                    WalkMemory& port, const DmaRequest& request,
                                                    SsWalkResult* walk);

// The full scalable-mode translation without caches: request checks, context and PASID
// lookups, then AnswerBeforeWalk, the second-stage walk (PGTT 010b), CompleteTranslation and
// the A/D updates. Status only for bad input (ValidateRequest) or a unit not in scalable
// mode. `formats` must be ScalableWalkFormats(config); the overload without them makes them
// for this one call.
absl::StatusOr<TranslateResult> TranslateScalable(const WalkConfig& config,
                                                  const ScalableWalkFormats& formats,
                                                  HostMemory* memory, const DmaRequest& request,
                                                  WalkTrace* trace = nullptr);
absl::StatusOr<TranslateResult> TranslateScalable(const WalkConfig& config, HostMemory* memory,
                                                  const DmaRequest& request,
                                                  WalkTrace* trace = nullptr);
// Everything after the lookups: the second-stage walk for PGTT 010b, TranslateFirstStage for
// 001b and 011b.
TranslateResult TranslateScalableWithContext(const WalkConfig& config,
                                             const ScalableWalkFormats& formats, HostMemory* memory,
                                             const TranslationContext& context,
                                             const DmaRequest& request, WalkTrace* trace = nullptr);

}  // namespace vtd

#endif  // VTDSIM_MODEL_TRANSLATE_SCALABLE_LOOKUP_H_
