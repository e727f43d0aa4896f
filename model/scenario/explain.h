// A DMA's path through a remapping unit, in words a student can follow (`vtdsim explain`,
// `vtdsim run --explain`): which unit and why, the root-table pointer, each cache lookup,
// each entry the walk read (which bits of the source-id or IOVA chose it, its address, raw
// value and decoded fields), and the result or the fault with the spec's reason, condition
// and section. Built from the walk's WalkTrace and the unit's DmaOutcome; explains only,
// decides nothing.
#ifndef VTDSIM_MODEL_SCENARIO_EXPLAIN_H_
#define VTDSIM_MODEL_SCENARIO_EXPLAIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/translate/request.h"
#include "model/unit/remapping_unit.h"

namespace vtd::scenario {

struct DmaExplainInput {
  DmaRequest request;
  std::string routing;                         // why this unit (or no unit) handles the requester
  std::string unit_name;                       // empty: no unit remaps the requester
  std::optional<uint64_t> root_table_latched;  // RTADDR as latched by the last SRTP
  uint64_t rtaddr_register = 0;                // RTADDR_REG as software last wrote it
  bool translation_enabled = false;            // GSTS.TES
  const DmaOutcome* outcome = nullptr;         // null when no unit handled it
};

std::vector<std::string> ExplainDma(const DmaExplainInput& input);

// "SS-PML4E" for "ss_pml4e", "root entry" for "root_entry".
std::string StructureTitle(std::string_view structure);

}  // namespace vtd::scenario

#endif  // VTDSIM_MODEL_SCENARIO_EXPLAIN_H_
