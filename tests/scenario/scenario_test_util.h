// Helpers for the scenario tests: load inline YAML as if it were a file in tests/scenario/data/
// (so relative paths resolve there), and match the loader's one-line errors.
#ifndef VTDSIM_TESTS_SCENARIO_SCENARIO_TEST_UTIL_H_
#define VTDSIM_TESTS_SCENARIO_SCENARIO_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
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

// kHeader plus `steps:` and the given step lines (each already indented by two spaces).
// The first step line is line 6 of the text.
inline std::string WithSteps(const std::string& steps) {
  return absl::StrCat(kHeader, "steps:\n", steps);
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

}  // namespace vtd::scenario::testing

#endif  // VTDSIM_TESTS_SCENARIO_SCENARIO_TEST_UTIL_H_
