// The builders of step explanations (explain_model.h), one per kind of step: they read the
// traces and outcomes the model produced (walk traces, interrupt traces, queue runs, register
// values before and after) and explain only; nothing here decides what hardware does.
#ifndef VTDSIM_MODEL_SCENARIO_EXPLAIN_H_
#define VTDSIM_MODEL_SCENARIO_EXPLAIN_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/interrupt/interrupt_remapping.h"
#include "model/invalidation/invalidation_queue.h"
#include "model/memory/host_memory.h"
#include "model/pagereq/page_request_descriptor.h"
#include "model/pagereq/page_request_queue.h"
#include "model/scenario/explain_model.h"
#include "model/scenario/scenario.h"
#include "model/translate/request.h"
#include "model/unit/remapping_unit.h"

namespace vtd::scenario {

// ---- builders, one per kind of step ---------------------------------------------------------

struct DmaExplainInput {
  DmaRequest request;
  std::string routing;                         // why this unit (or no unit) handles the requester
  std::string unit_name;                       // empty: no unit remaps the requester
  std::optional<uint64_t> root_table_latched;  // RTADDR as latched by the last SRTP
  uint64_t rtaddr_register = 0;                // RTADDR_REG as software last wrote it
  bool translation_enabled = false;            // GSTS.TES
  const DmaOutcome* outcome = nullptr;         // null when no unit handled it
  // Memory after the request: the Accessed/Dirty bits the walk set are what the entries hold
  // now that they lacked when read (null: not shown).
  const HostMemory* memory = nullptr;
};
Explanation ExplainDma(const DmaExplainInput& input);

struct InterruptExplainInput {
  InterruptRequest request;
  std::string routing;
  std::string unit_name;                      // empty: no unit remaps the requester
  InterruptRemappingState state;              // the unit's state when the request arrived
  const InterruptOutcome* outcome = nullptr;  // null when no unit handled it
  const InterruptTrace* trace = nullptr;
};
Explanation ExplainInterrupt(const InterruptExplainInput& input);

// The registers an explanation compares before and after a step.
struct RegisterSnapshot {
  uint32_t gsts = 0;
  std::optional<uint64_t> root_table;       // latched by SRTP
  std::optional<uint64_t> interrupt_table;  // latched by SIRTP
  uint64_t ccmd = 0;
  uint64_t iotlb = 0;
  uint32_t fsts = 0;
  uint64_t iqa = 0;
  uint64_t iqh = 0;
  uint64_t iqt = 0;
  uint64_t iqercd = 0;
  uint32_t ics = 0;
  bool queue_enabled = false;  // GSTS.QIES
};
RegisterSnapshot TakeRegisterSnapshot(const RemappingUnit& unit);

// An MMIO write: what the register means, the command it carried, the status change, what
// was latched, and (IQT, FSTS) the queue run it started. `run` is the unit's queue run when
// queued invalidation was on during the write.
struct RegisterWriteExplainInput {
  std::string unit_name;
  const RemappingUnit* unit = nullptr;
  std::string reg_name;  // as the scenario named it ("" for a bare offset)
  uint32_t offset = 0;
  uint64_t value = 0;
  int width = 32;
  RegisterSnapshot before;
  RegisterSnapshot after;
  const QueueRun* run = nullptr;
};
Explanation ExplainRegisterWrite(const RegisterWriteExplainInput& input);

// A `queue` step: the descriptors software wrote and what the queue did with them.
struct QueueExplainInput {
  std::string unit_name;
  RegisterSnapshot before;
  RegisterSnapshot after;
  const QueueRun* run = nullptr;  // null when queued invalidation was off
};
Explanation ExplainQueue(const QueueExplainInput& input);

// A `page_request` step: the request, the lookup's verdict, the descriptor written to the
// page request queue, PRS and the page request event, a response hardware sent itself.
struct PageRequestExplainInput {
  std::string unit_name;
  PageRequestDescriptor request;
  uint64_t pqa = 0;
  uint64_t pqt_before = 0;
  uint64_t pqt_after = 0;
  uint64_t prs_before = 0;
  uint64_t prs_after = 0;
  const PageRequestResult* result = nullptr;
};
Explanation ExplainPageRequest(const PageRequestExplainInput& input);

// Steps where only software acts, or whose work the result already holds: mmio_read,
// mem_read, mem_write, map, enable, irte. Built from the step as loaded and its result.
// `what` and `value` are the step's result (results.h); `unit` the unit the step ran on (null
// for memory steps and the map builder).
Explanation ExplainSoftwareStep(const Step& step, std::string_view what,
                                std::optional<uint64_t> value, const RemappingUnit* unit);

}  // namespace vtd::scenario

#endif  // VTDSIM_MODEL_SCENARIO_EXPLAIN_H_
