// Timing with the unit's hot entries on and off is the same, byte for byte: the random
// program of the hot-entry tests (tests/unit/hot_entry_program.h) runs with a timing observer
// attached to the unit and to host memory; each step's cycles (BeginStep/EndStep), the last
// request's cycles and, at random points and at the end, the whole statistics JSON go into
// the log both runs must share. The observer is attached
// again now and then, so it is sometimes the second observer and sometimes the third (with
// and without a memo word kept for it, UnitObserver::OnCachedRequest), and its statistics are
// read at random points, between runs of requests hot entries answer.
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "model/timing/cost_model.h"
#include "model/timing/timing_observer.h"
#include "tests/unit/hot_entry_program.h"

namespace vtd::timing {
namespace {

class HotEntryTimingTest : public hot_entry::HotEntryTest {
 protected:
  void TearDown() override {
    if (memory_ != nullptr) memory_->set_observer(nullptr);
  }
  void AttachObservers() override {
    timing_ = std::make_unique<TimingObserver>(CostModel::Default());
    unit_->AddObserver(timing_.get());
    memory_->set_observer(timing_.get());
  }
  void ReattachObserver() override {
    unit_->RemoveObserver(timing_.get());
    unit_->AddObserver(timing_.get());
  }
  std::string AfterStep() override {
    const std::string s =
        absl::StrCat(" | step ", timing_->EndStep(), " last ", timing_->last_request_cycles());
    timing_->BeginStep();
    return s;
  }
  std::string ObserverState() override {
    return absl::StrCat("cycles ", timing_->total_cycles(), " last ",
                        timing_->last_request_cycles(), " ", timing_->stats().ToJson().Dump());
  }

  std::unique_ptr<TimingObserver> timing_;
};

TEST_F(HotEntryTimingTest, LegacyTimingSameAsNormalPath) { Compare(false, kR630Cap); }

TEST_F(HotEntryTimingTest, ScalableTimingSameAsNormalPath) {
  Compare(/*scalable=*/true, kQemuScalableCap);
}

}  // namespace
}  // namespace vtd::timing
