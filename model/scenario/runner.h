// Runs a loaded Scenario (scenario.h) against the model: one shared HostMemory, one
// vtd::RemappingUnit per unit of the platform, steps executed in order with repeats unrolled,
// expectations checked, one StepResult per step handed to a sink (results.h).
//
// How each action executes:
//  * mmio_write / mmio_read: the unit's MMIO interface at the register's offset, with the
//    access width asked for; the register file's diagnostics (misaligned, split, unknown
//    offset, GCMD protocol) become notes of the step.
//  * mem_write / mem_read: software accesses to host memory (not observed, nothing
//    invalidated).
//  * dma: routed to the unit that owns the requester (DMAR device scopes, S §8.3, or the
//    units' `scope:`); a requester no unit remaps is not translated: the DMA proceeds at its
//    own address and the step says so.
//  * interrupt: the unit that owns the requester (RemappingUnit::Interrupt); a requester no
//    unit owns is decoded as a compatibility-format MSI (not remapped), and the step says
//    so.
//  * map / enable: the builders (table_builder.h) write the bytes a driver writes and run
//    the enable sequence through MMIO, polling status as a driver does.
//  * reset: RemappingUnit::Reset on one unit or all; memory untouched.
//
// Every interrupt message a unit sends during a step (fault event, invalidation completion
// event) and every posted-interrupt notification is listed in StepResult::messages.
//
// Timing plugs in through StepTimer: an observer attached to every unit (and,
// if it wants, to memory) that the runner asks for each step's cycles.
#ifndef VTDSIM_MODEL_SCENARIO_RUNNER_H_
#define VTDSIM_MODEL_SCENARIO_RUNNER_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "model/common/json.h"
#include "model/memory/host_memory.h"
#include "model/scenario/results.h"
#include "model/scenario/scenario.h"
#include "model/unit/remapping_unit.h"

namespace vtd::scenario {

// The timing hook: attached to every unit as an observer for the whole run. The runner calls
// BeginStep before each step and EndStep after it; EndStep's value becomes the step's
// "cycles" (and is checked against `expect: {cycles|cycles_max}`).
class StepTimer : public UnitObserver {
 public:
  // Attached to host memory for the run when not null (memory has one observer slot).
  virtual MemoryObserver* memory_observer() { return nullptr; }
  virtual void BeginStep() {}
  // The cycles the step took, or nullopt when the step has no cost.
  virtual std::optional<uint64_t> EndStep() = 0;
  // The "stats" object of the JSON document.
  virtual Json Stats() const { return Json::MakeObject(); }
};

// Builds the timer for a scenario (from its `timing:` overrides); an error is invalid input.
using StepTimerFactory =
    std::function<absl::StatusOr<std::unique_ptr<StepTimer>>(const Scenario& scenario)>;

struct RunOptions {
  // Walk traces and explanations of DMA steps (only then are traces collected).
  bool explain = false;
  // With explain: only this step (0-based, repeats unrolled) is explained.
  std::optional<uint64_t> explain_step;
  // Timing hook; without it steps have no cycles, and a cycles expectation does not hold.
  StepTimerFactory timer;
};

using StepSink = std::function<void(const StepResult& step)>;

class ScenarioRunner {
 public:
  // Builds memory and units. InvalidArgument naming the scenario file if the model refuses
  // the platform (a unit the model cannot build).
  static absl::StatusOr<std::unique_ptr<ScenarioRunner>> Create(const Scenario& scenario,
                                                                RunOptions options = {});
  ~ScenarioRunner();

  // Runs every step once, calling `sink` after each. An input error only running can find
  // (the builders' table pool exhausted, a `map` that conflicts with existing entries, a
  // queue without room) fails its step: StepResult::error names it with FILE:LINE:COL, the
  // summary does not pass, and no later step runs. Status only if the initial memory cannot
  // be written (the loader rules that out).
  absl::StatusOr<RunSummary> Run(const StepSink& sink);

  HostMemory& memory();
  int unit_count() const;
  RemappingUnit& unit(int index);

 private:
  class Impl;
  explicit ScenarioRunner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Loads nothing and keeps nothing: runs `scenario` and collects every StepResult (for tests
// and small scenarios).
struct CollectedRun {
  RunSummary summary;
  std::vector<StepResult> steps;
};
absl::StatusOr<CollectedRun> RunAndCollect(const Scenario& scenario, RunOptions options = {});

}  // namespace vtd::scenario

#endif  // VTDSIM_MODEL_SCENARIO_RUNNER_H_
