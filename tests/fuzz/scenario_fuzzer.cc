// libFuzzer target for scenario YAML (../shared/scenario-format.md and the extensions in
// scenarios/README.md): loading never crashes, throws or runs long, and a scenario that loads
// runs, every step kind included, twice to the same results (determinism). The input's
// virtual path is in a directory that does not exist, so `file:` memory entries and `dmar:`
// tables cannot read the disk. Scenarios whose repeats unroll past kStepBudget steps, or
// whose `map` steps write more than kPageBudget pages, are loaded but not run.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "model/scenario/results.h"
#include "model/scenario/runner.h"
#include "model/scenario/scenario_loader.h"

namespace {

constexpr uint64_t kStepBudget = 2000;
constexpr uint64_t kPageBudget = 4096;

// Pages the `map` steps write, repeats multiplied out (saturating at the budget).
uint64_t MappedPages(const std::vector<vtd::scenario::Step>& steps, uint64_t times) {
  uint64_t pages = 0;
  for (const vtd::scenario::Step& step : steps) {
    if (const auto* map = std::get_if<vtd::scenario::MapStep>(&step.action)) {
      const uint64_t page = map->page_size.value == 0 ? 4096 : map->page_size.value;
      pages += map->size.value / page + 1;
    } else if (const auto* repeat = std::get_if<vtd::scenario::RepeatStep>(&step.action)) {
      if (repeat->count.value > kPageBudget) return kPageBudget + 1;
      pages += MappedPages(repeat->steps, repeat->count.value);
    }
    if (pages > kPageBudget) return kPageBudget + 1;
  }
  return pages * times > kPageBudget ? kPageBudget + 1 : pages * times;
}

std::string Results(const vtd::scenario::Scenario& scenario) {
  absl::StatusOr<vtd::scenario::CollectedRun> run = vtd::scenario::RunAndCollect(scenario);
  if (!run.ok()) return std::string(run.status().message());
  std::string out;
  for (const vtd::scenario::StepResult& step : run->steps) {
    out += vtd::scenario::StepResultToJson(step).Dump(-1);
    out += '\n';
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<vtd::scenario::Scenario> scenario =
      vtd::scenario::LoadScenarioString(text, "/nonexistent-vtdsim-fuzz/input.yaml");
  if (!scenario.ok()) {
    if (scenario.status().message().empty()) {
      std::fprintf(stderr, "scenario_fuzzer: a load error without a message\n");
      std::abort();
    }
    return 0;
  }
  if (scenario->expanded_step_count > kStepBudget ||
      MappedPages(scenario->steps, 1) > kPageBudget) {
    return 0;
  }
  const std::string first = Results(*scenario);
  if (Results(*scenario) != first) {
    std::fprintf(stderr, "scenario_fuzzer: two runs of the scenario differ\n");
    std::abort();
  }
  return 0;
}
