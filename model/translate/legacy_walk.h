// The legacy-mode translation walk (VT-d spec §3.4.2, §3.7, §4.2.3, §7.1.3 Table 30):
// root table -> context table -> second-stage tables, as pure functions of
// (WalkConfig, HostMemory, DmaRequest). No caches, no timing, no unit state.
//
// The walk is split where caches cut it (S §6.2):
//   LookupLegacyContext   root + context fetch and validity  -> context cache fills
//   TranslateWithContext  request-type checks, pass-through, translated requests, the
//                         second-stage walk and the final checks -> IOTLB fills
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
#include "model/translate/request.h"
#include "model/translate/walk_config.h"

namespace vtd {

// The interrupt address range FEEx_xxxxh (S §3.15).
inline constexpr uint64_t kInterruptRangeBase = 0xfee00000;
inline constexpr uint64_t kInterruptRangeSize = 0x100000;
constexpr bool OverlapsInterruptRange(uint64_t base, uint64_t size) {
  return base < kInterruptRangeBase + kInterruptRangeSize && base + size > kInterruptRangeBase;
}

// One entry read by the walk, for explanations.
struct WalkStep {
  std::string_view structure;     // "root_entry", "context_entry", "ss_pml5e" ... "ss_pte"
  int level = 0;                  // paging level (5..1) for second-stage entries, else 0
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

// ---- Piece 1: root + context.
struct LegacyContext {
  ContextEntry entry;
  uint64_t root_entry_address = 0;
  uint64_t context_entry_address = 0;
  // The raw entries as read (what a context cache holds; the invalidation checker compares
  // them with memory).
  std::array<uint64_t, 2> root_raw{};
  std::array<uint64_t, 2> context_raw{};
  bool context_read = false;  // the context entry fetch was made (false: stopped before)
};
// Checks RTADDR.TTM for the request first (CheckRootTableMode). Returns the context entry
// that governs `request`'s source id, or the fault its fetch or validation hit. `partial`,
// when given, receives what was read up to the fault (a caching-mode unit caches
// not-present context entries, S §6.1).
FaultOr<LegacyContext> LookupLegacyContext(const WalkConfig& config, const HostMemory& memory,
                                           const DmaRequest& request, WalkTrace* trace = nullptr,
                                           LegacyContext* partial = nullptr);

// RTADDR checks that apply before any table is read (RTA.1.1-1.4, RTA.2, RTA.4), or
// nullopt when the request may proceed in legacy mode. TTM=01b with ECAP.SMTS=1 (scalable
// mode) is not for this walk: callers check config.ttm() first.
std::optional<Fault> CheckRootTableMode(const WalkConfig& config, const DmaRequest& request);

// ---- Piece 3: the second-stage walk.
// Where to start: the top (SSPTPTR, PagingLevels(AW)) or a paging-structure-cache hit
// (the table its entry points to, the level below it, and the permissions accumulated
// above).
struct SsWalkStart {
  uint64_t table = 0;  // HPA of the table to read at `level`
  int level = 4;       // 5..1
  bool read = true;    // cumulative R of the levels above
  bool write = true;   // cumulative W of the levels above
};
// One entry the walk read (non-leaf records are what paging-structure caches hold).
struct SsLevelRecord {
  int level = 0;
  int index = 0;
  uint64_t entry_address = 0;
  uint64_t raw = 0;
};
struct SsWalkResult {
  // True if the walk reached a leaf with the needed permissions; false if it stopped at
  // `level` because the entry was not present (R=W=0) or the cumulative permission lacked
  // what was needed.
  bool complete = false;
  int level = 0;           // leaf level (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB), or where it stopped
  bool read = false;       // cumulative R down to `level` (false if not present)
  bool write = false;      // cumulative W down to `level`
  SecondStagePte leaf;     // the last entry read
  uint64_t page_base = 0;  // HPA of the page (complete walks)
  uint64_t page_size = 0;
  std::array<SsLevelRecord, 5> records{};
  int record_count = 0;
};
// What the walk must find: permissions it stops at the first level without (untranslated
// requests), or none (translation requests collect the effective permissions).
struct SsNeeds {
  bool read = false;
  bool write = false;
};
// Walks from `start` for input address `iova`. `top_level` is PagingLevels(AW): a fetch
// error there is LCT.4.3, below it LSS.1. Reserved bits are LSS.2. The fault fields come
// from `request` and `fpd` (the context entry's FPD). Bounded by the level count, so
// self-referencing tables cannot loop.
FaultOr<SsWalkResult> WalkSecondStage(const WalkConfig& config, const HostMemory& memory,
                                      const SsWalkStart& start, int top_level, uint64_t iova,
                                      SsNeeds needs, const DmaRequest& request, bool fpd,
                                      WalkTrace* trace = nullptr);

// ---- Results.
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
  bool privileged = false;         // PRIV: 0 in legacy mode
  bool execute = false;            // EXE: always 0
  bool global = false;             // G: always 0
};

struct TranslateResult {
  Completion completion = Completion::kUnsupportedRequest;
  std::optional<Translation> translation;  // set when the request may proceed / was found
  std::optional<AtsCompletion> ats;        // translation requests answered Success
  std::optional<Fault> fault;              // a Table 30 condition was hit (see Fault::Reportable())

  bool ok() const { return completion == Completion::kSuccess && !fault.has_value(); }
};

// ---- Piece 2: everything after the context entry.
// Split where the IOTLB and paging-structure caches cut it: PrepareSecondStage does the
// request-type checks, pass-through and translated requests, the input-width check and the
// S.1/S.2 special conditions; it returns the final result, or nullopt with what the
// second-stage walk must find. FinishSecondStage applies the final checks (permissions,
// interrupt range, ATS completion) to a walk result, whether it came from a walk or from an
// IOTLB entry (a cached leaf: complete, with the full cumulative permissions).
struct SsPlan {
  SsNeeds needs;
  int levels = 4;          // PagingLevels(AW): the walk's top level
  bool honour_nw = false;  // translation request with NW=1 and ECAP.NWFS
};
std::optional<TranslateResult> PrepareSecondStage(const WalkConfig& config,
                                                  const ContextEntry& context,
                                                  const DmaRequest& request, SsPlan* plan);
TranslateResult FinishSecondStage(const WalkConfig& config, const ContextEntry& context,
                                  const DmaRequest& request, const SsPlan& plan,
                                  const SsWalkResult& walk);
// The same, written into `*out`, which must be default-initialized (no temporaries: the
// unit's IOTLB-hit path).
void FinishSecondStageInto(const WalkConfig& config, const ContextEntry& context,
                           const DmaRequest& request, const SsPlan& plan, const SsWalkResult& walk,
                           TranslateResult* out);
// What FinishSecondStage reads of a walk result: an IOTLB hit supplies it from its entry
// without filling a whole SsWalkResult.
// (R and W are kept apart on purpose: GCC merges stores to adjacent bools built from
// separate loads into a 16-bit value assembled on the stack, a store-forwarding stall.)
struct SsLeafView {
  bool complete = false;
  bool read = false;
  int level = 0;
  bool write = false;
  uint64_t page_base = 0;
  uint64_t page_size = 0;
  const SecondStagePte* leaf = nullptr;  // the last entry read, decoded (non-null)
};
void FinishSecondStageInto(const WalkConfig& config, const ContextEntry& context,
                           const DmaRequest& request, const SsPlan& plan, const SsLeafView& walk,
                           TranslateResult* out);

TranslateResult TranslateWithContext(const WalkConfig& config, const HostMemory& memory,
                                     const LegacyContext& context, const DmaRequest& request,
                                     WalkTrace* trace = nullptr);

// The full legacy walk. Status only for bad input (ValidateRequest) or a mode this walk
// does not model (Unimplemented for TTM=01b with ECAP.SMTS=1); every guest-visible
// outcome, faults included, is in the result.
absl::StatusOr<TranslateResult> Translate(const WalkConfig& config, const HostMemory& memory,
                                          const DmaRequest& request, WalkTrace* trace = nullptr);

// Builds the Fault for a Table 30 condition ("LCT.4.3") raised by `request`.
Fault MakeFault(std::string_view condition, const DmaRequest& request, bool fpd);
// The TranslateResult for a fault: UR/CA, or a Success completion with no permission (S0)
// or with `effective` permissions (SE), per the condition's response for the request.
TranslateResult FaultResult(Fault fault, const std::optional<Translation>& effective = {});

}  // namespace vtd

#endif  // VTDSIM_MODEL_TRANSLATE_LEGACY_WALK_H_
