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

}  // namespace vtd::scenario::internal

#endif  // VTDSIM_MODEL_SCENARIO_INTERNAL_EXPLAIN_INTERNAL_H_
