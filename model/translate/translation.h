// Mode-neutral translation types (VT-d spec chapter 3, §4.2.3, §6.2): what a context lookup
// yields (TranslationContext), what a paging walk or an IOTLB entry yields (TranslationLeaf),
// and the request's result. Legacy mode (root/context entries, §3.4.2) and scalable mode
// (root/context/PASID entries, §3.4.3) both produce a TranslationContext; second-stage,
// first-stage and nested walks all end in a TranslationLeaf. CompleteTranslation turns
// (context, leaf, request) into the result: the walk's finish and an IOTLB hit are that one
// function, so a hit answers exactly as the walk it replays.
#ifndef VTDSIM_MODEL_TRANSLATE_TRANSLATION_H_
#define VTDSIM_MODEL_TRANSLATE_TRANSLATION_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "model/common/bits.h"
#include "model/common/json.h"
#include "model/fault/fault.h"
#include "model/structs/context_entry.h"
#include "model/structs/ids.h"
#include "model/translate/request.h"
#include "model/translate/walk_config.h"

namespace vtd {

// The interrupt address range FEEx_xxxxh (S §3.15).
inline constexpr uint64_t kInterruptRangeBase = 0xfee00000;
inline constexpr uint64_t kInterruptRangeSize = 0x100000;
constexpr bool OverlapsInterruptRange(uint64_t base, uint64_t size) {
  return base < kInterruptRangeBase + kInterruptRangeSize && base + size > kInterruptRangeBase;
}

// True if `address` fits in `width` bits (an address width check: HAW, MGAW, AGAW).
constexpr bool BelowWidth(uint64_t address, int width) {
  return width >= 64 || (address >> width) == 0;
}

// The PASID tag of a request without PASID (every legacy-mode translation, S §6.2): outside
// the 20-bit PASID space, so it never equals a real PASID. Scalable-mode requests without
// PASID are tagged with the context entry's RID_PASID instead.
inline constexpr uint32_t kNoPasid = uint32_t{1} << 20;

// How a context translates (legacy TT, S §9.3; scalable PGTT, S §9.6): the stage/PGTT class
// the caches tag entries with. Values are the PGTT encodings.
enum class TranslationKind : uint8_t {
  kFirstStage = 1,   // PGTT 001b
  kSecondStage = 2,  // PGTT 010b; legacy TT 00b and 01b
  kNested = 3,       // PGTT 011b
  kPassThrough = 4,  // PGTT 100b; legacy TT 10b
};
std::string_view TranslationKindName(TranslationKind kind);  // "second_stage", ...

// Which stage(s) produced a leaf.
inline constexpr uint8_t kStageFirst = 1;
inline constexpr uint8_t kStageSecond = 2;

// Second-stage parameters of a context (legacy context entry, or scalable PASID entry with
// PGTT 010b/011b).
struct SecondStageParams {
  uint64_t root = 0;   // SSPTPTR (HPA of the top table)
  uint8_t levels = 0;  // PagingLevels(AW): 3, 4 or 5
  uint8_t aw = 0;      // AW as programmed
  // Input-address width X = min(MGAW, AGAW(AW)) (S §3.7): LGN.1.1 / SGN.5 above it.
  uint8_t input_width = 0;
  bool ad_enabled = false;     // SSADE (scalable mode): A/D updates in second-stage entries
  bool walks_snooped = false;  // PWSNP with ECAP.SMPWCS: A/D updates possible (else SSS.5)
};

// First-stage parameters (scalable PASID entry with PGTT 001b/011b, S §9.6); zero in
// legacy mode.
struct FirstStageParams {
  uint64_t root = 0;                 // FSPTPTR
  uint8_t levels = 0;                // 4, or 5 with FSPM
  bool supervisor_requests = false;  // SRE
  bool write_protect = false;        // WPE
  bool extended_access = false;      // EAFE
};

// What a context lookup yields, in either mode: everything the rest of the translation and
// the caches need of the root, context (and PASID) entries.
struct TranslationContext {
  SourceId source_id;
  DomainId did;
  uint32_t pasid = kNoPasid;  // the PASID the request is translated under, or kNoPasid
  TranslationKind kind = TranslationKind::kSecondStage;
  TranslationType tt = TranslationType::kUntranslatedOnly;  // legacy TT as programmed
  // Translation requests and translated requests are admitted (legacy TT=01b, scalable DTE).
  bool device_tlb = false;
  bool fpd = false;     // an FPD of 1 was seen on the way (qualified faults are not reported)
  bool present = true;  // false: a caching-mode not-present entry (S §6.1), cached as such
  // Scalable mode (TTM=01b): the checks below raise the SCT/SGN/SSS conditions of faults.md
  // §3 instead of the legacy LCT/LGN ones.
  bool scalable = false;
  SecondStageParams ss;
  FirstStageParams fs;
};

// What a walk (or an IOTLB entry) yields for an input page: the output page and what the
// request may do with it. When `complete` is false the walk stopped early (an entry not
// present, or a permission the request needs missing on the way); `read`/`write` then hold
// the permissions accumulated down to where it stopped.
struct TranslationLeaf {
  uint64_t page_base = 0;  // HPA of the page (complete leaves)
  uint8_t level = 1;       // 1: 4 KiB, 2: 2 MiB, 3: 1 GiB
  bool complete = false;
  bool read = false;  // effective permissions (every stage, every level)
  bool write = false;
  bool execute = false;            // first stage (XD) with ECAP.ERS; false in legacy mode
  bool user = false;               // first-stage U/S on every level; false in legacy mode
  bool snoop = false;              // leaf SNP honoured (ECAP.SC): snooped regardless of NS
  uint8_t emt = 0;                 // second-stage leaf EMT (ignored for memory type in legacy mode)
  bool ipat = false;               // second-stage leaf IPAT
  uint8_t pat_index = 0;           // first-stage PAT/PCD/PWT index; 0 in legacy mode
  bool transient_mapping = false;  // second-stage bit 62 as TM (SsBit62::kTransientMapping)
  uint8_t stages = kStageSecond;   // kStageFirst / kStageSecond bits

  static constexpr uint64_t PageSize(int level) { return uint64_t{1} << (12 + 9 * (level - 1)); }
  uint64_t page_size() const { return PageSize(level); }
};

// One entry read by a walk, for explanations.
struct WalkStep {
  std::string_view structure;     // "root_entry", "context_entry", "ss_pml5e" ... "ss_pte"
  int level = 0;                  // paging level (5..1) for paging entries, else 0
  int index = 0;                  // entry index within its table
  std::string_view index_source;  // "sid[15:8]" (bus), "sid[7:0]" (devfn), or "iova"
  BitRange index_bits{0, 0};      // which bits of index_source selected the entry
  uint64_t entry_address = 0;
  std::array<uint64_t, 2> raw{};  // raw[1] only for 128-bit entries
  int raw_qwords = 1;
  Json decoded;  // named fields, or {} if the fetch failed

  Json ToJson() const;
};
using WalkTrace = std::vector<WalkStep>;

// ---- Results.
// What a paging walk must find for `request`: the permissions it stops at the first level
// without (untranslated requests; none for translation requests, which collect what there
// is), and whether NW is honoured (translation request with NW=1 and ECAP.NWFS).
struct RequestNeeds {
  bool read = false;
  bool write = false;
  bool honour_nw = false;
};

enum class Completion : uint8_t {
  kSuccess,
  kUnsupportedRequest,  // UR
  kCompleterAbort,      // CA
};
std::string_view CompletionName(Completion completion);  // "success", "UR", "CA"

// A translation the request may use (untranslated and translated requests), or the one a
// translation request found.
struct Translation {
  uint64_t hpa = 0;        // output address of the request's first byte
  uint64_t page_base = 0;  // HPA of the page containing it
  uint64_t page_size = 4096;
  bool read = false;  // effective permissions of the page
  bool write = false;
  bool snoop = false;  // leaf SNP with ECAP.SC: accesses are snooped regardless of NS
  uint8_t emt = 0;     // leaf EMT (ignored for memory type in legacy mode, S §3.11.4.1)
  bool ipat = false;   // leaf IPAT (ignored in legacy mode)
  bool transient_mapping = false;  // leaf TM (bit 62) with SsBit62::kTransientMapping
  DomainId did;
  bool fpd = false;
  TranslationType tt = TranslationType::kUntranslatedOnly;
  int levels = 0;      // paging levels of the context's AW; 0 if no walk (PT, translated)
  int leaf_level = 0;  // 1, 2, 3; 0 if no walk
};

// Translation-completion data (S §4.2.3) for a translation request answered Success.
struct AtsCompletion {
  uint64_t address = 0;  // translated page address (meaningful if read or write, !U)
  uint64_t size = 4096;  // page size (S=1 when > 4 KiB)
  bool read = false;
  bool write = false;
  bool untranslated_only = false;  // U (S.1 special condition)
  bool no_snoop = false;           // N: leaf SNP with ECAP.SC
  // Priv: the permissions are those of a supervisor request. It answers the request's PR:
  // set for translation requests with PASID and PR=1 (scalable mode), else 0.
  bool privileged = false;
  bool execute = false;  // Exe: 0, execute requests are not supported (ERS=0 from spec 4.1)
  bool global = false;  // G: 0, hardware ignores the first-stage G bit (translation-structures §8)
};

struct TranslateResult {
  Completion completion = Completion::kUnsupportedRequest;
  std::optional<Translation> translation;  // set when the request may proceed / was found
  std::optional<AtsCompletion> ats;        // translation requests answered Success
  std::optional<Fault> fault;              // a Table 30 condition was hit (see Fault::Reportable())

  bool ok() const { return completion == Completion::kSuccess && !fault.has_value(); }

  // As a completion sink (CompleteTranslation, below): the full result.
  inline void Granted(const TranslationContext& context, const TranslationLeaf& leaf,
                      const RequestNeeds& needs, uint64_t hpa);
  inline void AtsGranted(const TranslationContext& context, const TranslationLeaf& leaf,
                         const DmaRequest& request, const RequestNeeds& needs);
  void Refused(TranslateResult fault) { *this = std::move(fault); }
  void PassedThrough(const TranslationContext& context, const DmaRequest& request, bool read,
                     bool write) {
    Translation& t = translation.emplace();
    t.did = context.did;
    t.fpd = context.fpd;
    t.tt = context.tt;
    t.hpa = request.address;
    t.page_base = request.address & ~uint64_t{0xfff};
    t.read = read;
    t.write = write;
    completion = Completion::kSuccess;
  }
  void SpecialAts(uint64_t address, bool write, bool untranslated_only) {
    completion = Completion::kSuccess;
    AtsCompletion& c = ats.emplace();
    c.address = address;
    c.write = write;
    c.untranslated_only = untranslated_only;
  }
};

// Builds the Fault for a Table 30 condition raised by `request`.
Fault MakeFault(FaultCondition condition, const DmaRequest& request, bool fpd);
// The TranslateResult for a fault: UR/CA, or a Success completion with no permission (S0)
// or with `effective` permissions (SE), per the condition's response for the request.
TranslateResult FaultResult(Fault fault, const std::optional<Translation>& effective = {});

inline RequestNeeds NeedsFor(const WalkConfig& config, const DmaRequest& request) {
  RequestNeeds needs;
  if (request.type == RequestType::kTranslation) {
    needs.honour_nw = request.no_write && config.ecap.nwfs;
    return needs;
  }
  // Reads need R (a zero-length read with ZLR accepts W alone), writes W, atomics both.
  const bool zero_length_read =
      request.size == 0 && request.access == AccessKind::kRead && config.cap.zlr;
  needs.read = request.access != AccessKind::kWrite && !zero_length_read;
  needs.write = request.access != AccessKind::kRead;
  return needs;
}

// The checks of a request against its context that come before any paging-structure
// lookup (S §3.7, §3.9, §4.2.3, Table 30): request type against TT (LCT.5), translated
// requests and pass-through (output = input; LGN.1.2/1.3, LGN.4), the input-width check
// (LGN.1.1) and the S.1/S.2 special conditions. Returns true when that answers the request
// (written to `*out`); false when the request needs a leaf (IOTLB or walk).
// (Inline, below: both are on every request's path.)
template <typename Sink>
inline bool AnswerBeforeWalk(const WalkConfig& config, const TranslationContext& context,
                             const DmaRequest& request, Sink* out);

// The one completion path: the result of `request` given the leaf that covers its address
// (from a walk or an IOTLB entry): permission checks (LGN.2/LGN.3), the interrupt range
// (LGN.4), the ATS completion for translation requests. The answer goes to a sink the caller
// chooses, so a caller wanting a few words does not pay for the full TranslateResult; every
// sink receives exactly one of:
//   Granted(context, leaf, needs, hpa)       the request may proceed at `hpa`;
//   AtsGranted(context, leaf, request, needs) a translation request answered Success;
//   Refused(TranslateResult)                  a fault (FaultResult).
// AnswerBeforeWalk writes to the same sinks, with two more answers:
//   PassedThrough(context, request, read, write)  output = input (pass-through, translated);
//   SpecialAts(address, write, untranslated_only) the S.1/S.2 ATS answers.
// TranslateResult is the full sink; `*out` must be default-initialized.
template <typename Sink>
inline void CompleteTranslation(const WalkConfig& config, const TranslationContext& context,
                                const TranslationLeaf& leaf, const DmaRequest& request, Sink* out);

// Writes the Translation of `leaf` for a request at `hpa` into `t` in place (field by field:
// on the IOTLB-hit path a whole-struct copy of freshly written bytes stalls store
// forwarding). `write`: the page's W as the answer reports it (NW honoured: 0).
inline void FillTranslation(const TranslationContext& context, const TranslationLeaf& leaf,
                            uint64_t hpa, bool write, Translation& t) {
  t.did = context.did;
  t.fpd = context.fpd;
  t.tt = context.tt;
  t.levels = context.ss.levels;
  t.leaf_level = leaf.level;
  t.read = leaf.read;
  t.write = write;
  if (leaf.complete) {
    t.page_size = leaf.page_size();
    t.page_base = leaf.page_base;
    t.hpa = hpa;
    t.snoop = leaf.snoop;
    t.emt = leaf.emt;
    t.ipat = leaf.ipat;
    t.transient_mapping = leaf.transient_mapping;
  }
}

// The last byte a request touches (zero-length reads: the first).
constexpr uint64_t LastByte(const DmaRequest& request) {
  return request.address + (request.size > 0 ? request.size - 1 : 0);
}

// The condition a check raises in the context's mode: the same checks exist in legacy
// mode (Table 30 LCT/LGN rows) and scalable mode (SCT/SGN rows).
constexpr FaultCondition ModeCondition(const TranslationContext& context, FaultCondition legacy,
                                       FaultCondition scalable) {
  return context.scalable ? scalable : legacy;
}
// Output in FEEx_xxxxh: one legacy condition (LGN.4); in scalable mode one per request type
// (SGN.8.1 untranslated, SGN.8.2 translation request, SGN.8.3 translated).
constexpr FaultCondition InterruptRangeCondition(const TranslationContext& context,
                                                 const DmaRequest& request) {
  if (!context.scalable) return FaultCondition::kLgn4;
  switch (request.type) {
    case RequestType::kTranslation:
      return FaultCondition::kSgn8_2;
    case RequestType::kTranslated:
      return FaultCondition::kSgn8_3;
    default:
      return FaultCondition::kSgn8_1;
  }
}

// A permission the request needs is missing (`lacks_read`: read, checked first for
// atomics; else write): LGN.3 / LGN.2 in legacy mode. In scalable mode a walk that stopped
// with neither R nor W (an entry with R=W=0, or no cumulative access) is SSS.2, else SGN.7 /
// SGN.6.
constexpr FaultCondition PermissionCondition(const TranslationContext& context,
                                             const TranslationLeaf& leaf, bool lacks_read) {
  if (!context.scalable) return lacks_read ? FaultCondition::kLgn3 : FaultCondition::kLgn2;
  if (!leaf.complete && !leaf.read && !leaf.write) return FaultCondition::kSss2;
  return lacks_read ? FaultCondition::kSgn7 : FaultCondition::kSgn6;
}

// ---- Implementation.

// A fault answer (FaultResult of `condition`), out of line: no request that proceeds pays for
// the fault's temporaries.
template <typename Sink>
[[gnu::noinline]] void RefuseRequest(FaultCondition condition, const DmaRequest& request, bool fpd,
                                     Sink* out) {
  out->Refused(FaultResult(MakeFault(condition, request, fpd)));
}

template <typename Sink>
inline bool AnswerBeforeWalk(const WalkConfig& config, const TranslationContext& context,
                             const DmaRequest& request, Sink* out) {
  const bool fpd = context.fpd;
  // LCT.5: only TT=01b admits translation requests and translated requests.
  if (request.type != RequestType::kUntranslated && !context.device_tlb) {
    RefuseRequest(ModeCondition(context, FaultCondition::kLct5, FaultCondition::kSct5), request,
                  fpd, out);
    return true;
  }

  // Translated requests (S §4.2.5) and pass-through (S §3.9): output = input.
  if (request.type == RequestType::kTranslated || context.kind == TranslationKind::kPassThrough) {
    const bool translated = request.type == RequestType::kTranslated;
    if (!BelowWidth(LastByte(request), config.haw)) {
      RefuseRequest(translated
                        ? ModeCondition(context, FaultCondition::kLgn1_2, FaultCondition::kSgn4_1)
                        : ModeCondition(context, FaultCondition::kLgn1_3, FaultCondition::kSgn4_2),
                    request, fpd, out);
      return true;
    }
    if (OverlapsInterruptRange(request.address, std::max(request.size, 1))) {
      RefuseRequest(InterruptRangeCondition(context, request), request, fpd, out);
      return true;
    }
    out->PassedThrough(context, request,
                       /*read=*/translated ? request.access != AccessKind::kWrite : true,
                       /*write=*/translated ? request.access != AccessKind::kRead : true);
    return true;
  }

  // Second-stage translation (S §3.7). Input limit: X = min(MGAW, AGAW(AW)). A first-stage
  // or nested input is checked for canonicity by the first-stage walk instead (S §3.6).
  const bool ats = request.type == RequestType::kTranslation;
  const bool first_stage =
      context.kind == TranslationKind::kFirstStage || context.kind == TranslationKind::kNested;
  if (!first_stage &&
      !BelowWidth(ats ? request.address : LastByte(request), context.ss.input_width)) {
    RefuseRequest(ModeCondition(context, FaultCondition::kLgn1_1, FaultCondition::kSgn5), request,
                  fpd, out);
    return true;
  }
  // Requests with PASID to FEEx_xxxxh are translated normally (faults.md §3).
  if (ats && !request.pasid.has_value() && OverlapsInterruptRange(request.address, 1)) {
    // S.1 / S.2 special conditions (S §4.2.3, Table 30): not a fault.
    const bool honour_nw = request.no_write && config.ecap.nwfs;
    // S.1: R=0 W=1 U=1; S.2 (NW honoured): R=W=U=0
    out->SpecialAts(request.address & ~uint64_t{0xfff}, !honour_nw, !honour_nw);
    return true;
  }
  return false;
}

// A translation request's fault answered Success with the permissions it has (SE,
// S §4.2.3; `write` its W), out of line as RefuseRequest.
template <typename Sink>
[[gnu::noinline]] void RefuseTranslation(FaultCondition condition,
                                         const TranslationContext& context,
                                         const TranslationLeaf& leaf, const DmaRequest& request,
                                         uint64_t hpa, bool write, Sink* out) {
  Fault fault = MakeFault(condition, request, context.fpd);
  Translation t;
  FillTranslation(context, leaf, hpa, write, t);
  t.read = leaf.complete && leaf.read;
  out->Refused(FaultResult(std::move(fault), t));
}

template <typename Sink>
inline void CompleteTranslation(const WalkConfig& config, const TranslationContext& context,
                                const TranslationLeaf& leaf, const DmaRequest& request, Sink* out) {
  const RequestNeeds needs = NeedsFor(config, request);
  const uint64_t page_size = leaf.page_size();
  const uint64_t hpa = leaf.page_base | (request.address & (page_size - 1));

  if (request.type != RequestType::kTranslation) {
    // Missing permission somewhere on the path (or R=W=0). A complete leaf from an IOTLB
    // entry carries the page's permissions, which may lack what this request needs.
    const bool lacks_read = needs.read && !leaf.read;
    const bool lacks_write = needs.write && !leaf.write;
    if (!leaf.complete || lacks_read || lacks_write) [[unlikely]] {
      RefuseRequest(PermissionCondition(context, leaf, lacks_read), request, context.fpd, out);
      return;
    }
    if (OverlapsInterruptRange(hpa, std::max(request.size, 1))) [[unlikely]] {
      RefuseRequest(InterruptRangeCondition(context, request), request, context.fpd, out);
      return;
    }
    out->Granted(context, leaf, needs, hpa);
    return;
  }

  // Translation request (S §4.2.3): effective permissions; treated as a read (NW=1 with
  // NWFS) or an atomic. Missing permissions are recoverable: Success with what there is.
  const bool read = leaf.complete && leaf.read;
  const bool write = leaf.complete && leaf.write && !needs.honour_nw;
  if ((read || write) && OverlapsInterruptRange(leaf.page_base, page_size)) [[unlikely]] {
    RefuseRequest(InterruptRangeCondition(context, request), request, context.fpd, out);
    return;
  }
  const bool lacks_read = !read;
  const bool lacks_write = !needs.honour_nw && !write;
  if (lacks_read || lacks_write) [[unlikely]] {
    RefuseTranslation(PermissionCondition(context, leaf, lacks_read), context, leaf, request, hpa,
                      write, out);
    return;
  }
  out->AtsGranted(context, leaf, request, needs);
}

inline void TranslateResult::Granted(const TranslationContext& context, const TranslationLeaf& leaf,
                                     const RequestNeeds& needs, uint64_t hpa) {
  FillTranslation(context, leaf, hpa, leaf.write && !needs.honour_nw, translation.emplace());
  completion = Completion::kSuccess;
}

inline void TranslateResult::AtsGranted(const TranslationContext& context,
                                        const TranslationLeaf& leaf, const DmaRequest& request,
                                        const RequestNeeds& needs) {
  const bool write = leaf.write && !needs.honour_nw;
  Translation& t = translation.emplace();
  FillTranslation(context, leaf, leaf.page_base | (request.address & (leaf.page_size() - 1)), write,
                  t);
  completion = Completion::kSuccess;
  AtsCompletion& c = ats.emplace();
  c.address = t.page_base;
  c.size = t.page_size;
  c.read = t.read;
  c.write = t.write;
  c.no_snoop = t.snoop;
  c.privileged = context.scalable && request.pasid.has_value() && request.privileged;
}

}  // namespace vtd

#endif  // VTDSIM_MODEL_TRANSLATE_TRANSLATION_H_
