// The scenario runner's timing: model/timing's TimingObserver behind the runner's StepTimer
// hook (runner.h). The cost model is CostModel::Default() with the scenario's `timing:`
// overrides applied (timing::ApplyOverrides: dotted keys, `preset.NAME: 1`); the observer
// sees every unit event and every hardware memory access, and each step's cycles are what it
// charged between the step's start and end. "stats" of the JSON document is its Stats.
#ifndef VTDSIM_MODEL_SCENARIO_TIMING_HOOK_H_
#define VTDSIM_MODEL_SCENARIO_TIMING_HOOK_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "model/scenario/runner.h"
#include "model/scenario/scenario.h"

namespace vtd::scenario {

// InvalidArgument naming FILE:LINE:COL of a `timing:` key the cost model rejects.
absl::Status CheckTimingOverrides(const Scenario& scenario);

// A factory for RunOptions::timer that attaches the timing model. With `stats_table`, each
// timer the factory builds writes its statistics as a text table (timing::Stats::ToTable,
// for `vtdsim run --stats`) there when the run ends (when the runner releases the timer).
StepTimerFactory TimingModelTimer(std::shared_ptr<std::string> stats_table = nullptr);

}  // namespace vtd::scenario

#endif  // VTDSIM_MODEL_SCENARIO_TIMING_HOOK_H_
