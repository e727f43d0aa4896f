// Helpers of the explanation tests: run an inline scenario with explanations on, and look
// into an explanation's entries and story lines.
#ifndef VTDSIM_TESTS_SCENARIO_EXPLAIN_TEST_UTIL_H_
#define VTDSIM_TESTS_SCENARIO_EXPLAIN_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "model/scenario/explain_model.h"
#include "model/scenario/runner.h"
#include "tests/scenario/scenario_test_util.h"

namespace vtd::scenario::testing {

// The steps of `text` run with explanations; empty (and a test failure) if it does not load
// or run.
inline std::vector<StepResult> RunExplained(const std::string& text) {
  absl::StatusOr<Scenario> s = LoadInline(text);
  EXPECT_TRUE(s.ok()) << s.status();
  if (!s.ok()) return {};
  RunOptions options;
  options.explain = true;
  absl::StatusOr<CollectedRun> run = RunAndCollect(*s, options);
  EXPECT_TRUE(run.ok()) << run.status();
  return run.ok() ? run->steps : std::vector<StepResult>{};
}

// The value of the entry's field `name`, "(none)" if it has none.
inline std::string EntryField(const ExplainEntry& e, const std::string& name) {
  for (const ExplainField& f : e.fields) {
    if (f.name == name) return f.value;
  }
  return "(none)";
}

// Whether a story line (not an entry) contains `part`.
inline bool HasStoryLine(const Explanation& x, const std::string& part) {
  for (const ExplainItem& item : x.items) {
    if (item.entry < 0 && absl::StrContains(item.text, part)) return true;
  }
  return false;
}

}  // namespace vtd::scenario::testing

#endif  // VTDSIM_TESTS_SCENARIO_EXPLAIN_TEST_UTIL_H_
