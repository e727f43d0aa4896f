// Helpers for the scenario tests: load inline YAML as if it were a file in tests/scenario/data/
// (so relative paths resolve there), and match the loader's one-line errors.
#ifndef VTDSIM_TESTS_SCENARIO_SCENARIO_TEST_UTIL_H_
#define VTDSIM_TESTS_SCENARIO_SCENARIO_TEST_UTIL_H_

#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/scenario/results.h"
#include "model/scenario/runner.h"
#include "model/scenario/scenario.h"
#include "model/scenario/scenario_loader.h"

namespace vtd::scenario::testing {

inline std::string DataDir() { return std::string(VTD_SOURCE_DIR) + "/tests/scenario/data"; }
inline std::string DataFile(const std::string& name) { return DataDir() + "/" + name; }

// The path inline scenarios pretend to live at.
inline std::string InlinePath() { return DataFile("inline.yaml"); }

inline absl::StatusOr<Scenario> LoadInline(const std::string& text) {
  return LoadScenarioString(text, InlinePath());
}

// A minimal valid header: one unit with the default CAP/ECAP, scope all.
inline constexpr char kHeader[] =
    "name: t\n"
    "platform:\n"
    "  units:\n"
    "    - base: 0xfed90000\n";

// One unit with 64 MiB of memory and a table pool for the `map` builder (no steps yet).
inline constexpr char kPlatform[] =
    "name: t\n"
    "platform:\n"
    "  memory_size: 64M\n"
    "  units:\n"
    "    - base: 0xfed90000\n"
    "tables: {base: 0x100000, size: 1M}\n";

// kHeader plus `steps:` and the given step lines (each already indented by two spaces).
// The first step line is line 6 of the text.
inline std::string WithSteps(const std::string& steps) {
  return absl::StrCat(kHeader, "steps:\n", steps);
}

// One unit with QEMU's scalable-mode CAP (0x00d2008c222f0606) and the given ECAP, 64 MiB of
// memory and a table pool, then `steps:` and the step lines. The first step line is line 8.
inline std::string WithScalableUnit(const std::string& ecap, const std::string& steps) {
  return absl::StrCat(
      "name: t\n"
      "platform:\n"
      "  memory_size: 64M\n"
      "  units:\n"
      "    - {base: 0xfed90000, cap: 0x00d2008c222f0606, ecap: ",
      ecap,
      "}\n"
      "tables: {base: 0x100000, size: 1M}\n"
      "steps:\n",
      steps);
}

inline std::vector<std::string> ErrorLines(const absl::Status& status) {
  return absl::StrSplit(std::string(status.message()), '\n');
}

// The loader's message has a line "inline.yaml:LINE:COL: ...TEXT...".
MATCHER_P3(HasErrorAt, line, column, text,
           absl::StrCat("has an error at ", line, ":", column, " containing \"", text, "\"")) {
  const absl::Status& status = arg.status();
  if (status.ok()) {
    *result_listener << "loaded without error";
    return false;
  }
  const std::string prefix = absl::StrCat(InlinePath(), ":", line, ":", column, ": ");
  for (const std::string& l : ErrorLines(status)) {
    if (l.rfind(prefix, 0) == 0 && l.find(text) != std::string::npos) return true;
  }
  *result_listener << "errors are:\n" << status.message();
  return false;
}

// One load that must fail, for the table-driven error tests: the scenario text and an error
// it must report at `line`:`column` (1-based) containing `text`. `name` groups the cases of
// one rule; the test name adds the case's index.
struct LoadErrorCase {
  std::string name;
  std::string yaml;
  int line = 0;
  int column = 0;
  std::string text;
};

inline std::string LoadErrorCaseName(const ::testing::TestParamInfo<LoadErrorCase>& info) {
  return absl::StrCat(info.param.name, "_", info.index);
}

inline void PrintTo(const LoadErrorCase& c, std::ostream* os) {
  *os << c.name << ": " << c.line << ":" << c.column << " \"" << c.text << "\"";
}

class LoadErrorTest : public ::testing::TestWithParam<LoadErrorCase> {
 protected:
  void ExpectReported() {
    const LoadErrorCase& c = GetParam();
    EXPECT_THAT(LoadInline(c.yaml), HasErrorAt(c.line, c.column, c.text));
  }
};

}  // namespace vtd::scenario::testing

// The parameterised test SUITE: one case per LoadErrorCase of CASES() (a function returning
// std::vector<LoadErrorCase>), each loading its text and expecting its error.
#define VTD_LOAD_ERROR_TEST_SUITE(SUITE, CASES)                         \
  class SUITE : public ::vtd::scenario::testing::LoadErrorTest {};      \
  TEST_P(SUITE, IsReportedAtTheValue) { ExpectReported(); }             \
  INSTANTIATE_TEST_SUITE_P(Loader, SUITE, ::testing::ValuesIn(CASES()), \
                           ::vtd::scenario::testing::LoadErrorCaseName)

namespace vtd::scenario::testing {

// An inline scenario loaded and run (the scenario must load and its platform build): every
// step's result, the summary, and the runner for inspecting units afterwards.
struct Ran {
  std::unique_ptr<Scenario> scenario;
  std::unique_ptr<ScenarioRunner> runner;
  std::vector<StepResult> steps;
  RunSummary summary;
  absl::Status status;  // of Run
};

inline Ran RunText(const std::string& text) {
  Ran r;
  absl::StatusOr<Scenario> s = LoadInline(text);
  EXPECT_TRUE(s.ok()) << s.status();
  if (!s.ok()) return r;
  r.scenario = std::make_unique<Scenario>(std::move(*s));
  absl::StatusOr<std::unique_ptr<ScenarioRunner>> runner = ScenarioRunner::Create(*r.scenario);
  EXPECT_TRUE(runner.ok()) << runner.status();
  if (!runner.ok()) return r;
  r.runner = std::move(*runner);
  absl::StatusOr<RunSummary> summary =
      r.runner->Run([&](const StepResult& step) { r.steps.push_back(step); });
  r.status = summary.status();
  if (summary.ok()) r.summary = std::move(*summary);
  return r;
}

}  // namespace vtd::scenario::testing

#endif  // VTDSIM_TESTS_SCENARIO_SCENARIO_TEST_UTIL_H_
