// Pieces the explanation builders (explain.cc, explain_steps.cc) share.
#ifndef VTDSIM_MODEL_SCENARIO_INTERNAL_EXPLAIN_INTERNAL_H_
#define VTDSIM_MODEL_SCENARIO_INTERNAL_EXPLAIN_INTERNAL_H_

#include <optional>
#include <string>
#include <vector>

#include "model/common/json.h"
#include "model/fault/fault.h"
#include "model/scenario/explain_model.h"
#include "model/structs/ids.h"
#include "model/translate/request.h"
#include "model/translate/translation.h"
#include "model/unit/remapping_unit.h"

namespace vtd::scenario::internal {

// "p=1 ctp=0x3000" as fields, from a decoded entry (strings unquoted).
std::vector<ExplainField> FieldsOf(const Json& decoded);

// "fault: reason 26h (-, ir_source_id_check_failed) ...; VT-d spec §5.1.4.1 Table 15; recorded
// in FRCD_REG[0] (S §7.2.1)".
std::string FaultText(const Fault& fault, bool recorded,
                      const std::optional<FaultRecordEvent>& record);

// "IOTLB", "context-cache", "interrupt entry cache", ...
std::string CacheTitle(CacheKind cache);

// The source-id split into bus (15:8), device (7:3) and function (2:0).
ExplainSplit SourceIdSplit(SourceId sid, int bus_color, int devfn_color);

// "PML4" for paging level 4 ... "PT" for level 1.
std::string LevelName(int level);

// ---- first-stage and nested walks (explain_first_stage.cc) ----------------------------------

// "FS-PML4E" for first-stage level 4 ... "FS-PTE" for level 1 (S §9.7).
std::string FsTitle(int level);

// The PASID table entry's first-stage fields (S §9.6) when its PGTT is 001b or 011b.
struct FirstStageView {
  bool nested = false;   // PGTT=011b
  int levels = 4;        // FSPM: 4- or 5-level paging
  uint64_t fs_root = 0;  // FSPTPTR (guest-physical when nested)
  uint64_t ss_root = 0;  // SSPTPTR (nested)
  int ss_levels = 4;     // nested: AW + 2
  bool sre = false;
  bool wpe = false;
  bool eafe = false;
  bool ssade = false;
  // The PASID entry came from the PASID-cache: the fields above are what the walk shows
  // (kind, levels, table pointers); SRE, WPE, EAFE and SSADE are unknown.
  bool from_pasid_cache = false;
};
// From the trace's PASID table entry (or, after a PASID-cache hit, from the walk's own
// steps); nullopt for any other translation type.
std::optional<FirstStageView> FirstStageViewOf(const WalkTrace& trace);

// What one trace step is in a first-stage or nested walk.
struct NestedRole {
  enum class Kind : uint8_t {
    kOther,              // root, context, PASID structures
    kFirstStage,         // a first-stage entry (read at its host-physical address)
    kTableSecondStage,   // nested: a second-stage entry translating a first-stage entry address
    kOutputSecondStage,  // nested: a second-stage entry translating the first-stage output
  };
  Kind kind = Kind::kOther;
  int fs_level = 0;  // the first-stage level the entry is, or whose entry address it translates
  uint64_t gpa = 0;  // first-stage entry address (guest-physical when nested), or the output
  bool run_start = false;  // first / last step of one second-stage walk
  bool run_end = false;
};
std::vector<NestedRole> NestedRoles(const FirstStageView& view, const WalkTrace& trace,
                                    uint64_t input);

// "the walk set A (bit 5) ..." when `after` (the entry's value after the request) has A, EA
// or D bits that `step.raw` had clear; "" otherwise or for non-paging entries.
std::string AdBitsSet(const WalkStep& step, uint64_t after);

// "index 3 (GPA bits 20:12 of 0x183008, where the FS-PTE is)".
std::string ExplainNestedChooser(const WalkStep& step, const NestedRole& role);
// The story line before one nested second-stage walk: which address it translates and why.
std::string SecondStageRunStart(const FirstStageView& view, const NestedRole& role, uint64_t input);
// The first stage's rights over the path and what they grant this request (S §3.6.1); "" if
// the walk reached no leaf.
std::string FirstStageRights(const FirstStageView& view, const WalkTrace& trace,
                             const DmaRequest& request);
// Nested: the second stage's rights on the output page and the combination (S §3.8).
std::string NestedRights(const WalkTrace& trace, const std::vector<NestedRole>& roles,
                         const std::optional<Translation>& translation);
// "why: ..." for a first-stage or nested fault condition, with its spec section; "" if none.
std::string FirstStageFaultWhy(const Fault& fault, const FirstStageView& view,
                               const DmaRequest& request);
// Nested: which stage refused the request, as the fault reason tells it (for SGN.6, whether
// the entry lacking write permission is a second-stage entry of the output).
std::string NestedFaultStage(const Fault& fault, bool second_stage_entry);
// The chain entry that lacks the right a rights fault names (SGN.2, SGN.6, SGN.7), or -1.
// `chain_of_step[i]` is the chain index of trace step i.
int FirstStageFaultEntry(const Fault& fault, const FirstStageView& view, const WalkTrace& trace,
                         const std::vector<NestedRole>& roles,
                         const std::vector<int>& chain_of_step);

}  // namespace vtd::scenario::internal

#endif  // VTDSIM_MODEL_SCENARIO_INTERNAL_EXPLAIN_INTERNAL_H_
