#include "model/scenario/timing_hook.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "model/timing/cost_model.h"
#include "model/timing/timing_observer.h"

namespace vtd::scenario {
namespace {

absl::StatusOr<timing::CostModel> CostModelFor(const Scenario& scenario) {
  std::vector<timing::CostOverride> overrides;
  for (const TimingEntry& e : scenario.timing) {
    overrides.push_back({e.key, e.value, scenario.Where(e.mark)});
  }
  timing::CostModel model = timing::CostModel::Default();
  absl::Status s = timing::ApplyOverrides(overrides, model);
  if (!s.ok()) return s;
  return model;
}

// Forwards every event to the TimingObserver (which is final, hence the wrapper).
class TimingModelStepTimer final : public StepTimer {
 public:
  TimingModelStepTimer(const timing::CostModel& model, std::shared_ptr<std::string> table)
      : observer_(model), table_(std::move(table)) {}
  ~TimingModelStepTimer() override {
    if (table_ != nullptr) *table_ = observer_.stats().ToTable();
  }

  MemoryObserver* memory_observer() override { return &observer_; }
  void BeginStep() override { observer_.BeginStep(); }
  std::optional<uint64_t> EndStep() override { return observer_.EndStep(); }
  Json Stats() const override { return observer_.stats().ToJson(); }

  void OnRegisterAccess(uint32_t offset, int width, bool is_write, uint64_t value) override {
    observer_.OnRegisterAccess(offset, width, is_write, value);
  }
  void OnCacheLookup(const CacheLookupEvent& e) override { observer_.OnCacheLookup(e); }
  void OnFaultRecorded(const FaultRecordEvent& e) override { observer_.OnFaultRecorded(e); }
  void OnInterruptMessage(const InterruptMessageEvent& e) override {
    observer_.OnInterruptMessage(e);
  }
  void OnInvalidation(const InvalidationEvent& e) override { observer_.OnInvalidation(e); }
  void OnStaleEntry(const StaleEntryReport& r) override { observer_.OnStaleEntry(r); }
  void OnRequestBegin() override { observer_.OnRequestBegin(); }
  void OnRequestEnd() override { observer_.OnRequestEnd(); }

 private:
  timing::TimingObserver observer_;
  std::shared_ptr<std::string> table_;
};

}  // namespace

absl::Status CheckTimingOverrides(const Scenario& scenario) {
  return CostModelFor(scenario).status();
}

StepTimerFactory TimingModelTimer(std::shared_ptr<std::string> stats_table) {
  return [stats_table](const Scenario& scenario) -> absl::StatusOr<std::unique_ptr<StepTimer>> {
    absl::StatusOr<timing::CostModel> model = CostModelFor(scenario);
    if (!model.ok()) return model.status();
    return std::make_unique<TimingModelStepTimer>(*model, stats_table);
  };
}

}  // namespace vtd::scenario
