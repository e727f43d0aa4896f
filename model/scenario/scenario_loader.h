// Loading and validating scenario files (scenarios/FORMAT.md). The only place in
// vtdsim that knows YAML: yaml-cpp reports errors by throwing, and every exception is caught
// here and becomes a message with the line and column (style §7).
//
// Validation happens before anything runs and reports every problem it finds, one line each:
//   FILE:LINE:COL: WHERE: WHAT (expected ...)
// e.g. `s.yaml:14:13: steps[2].dma.size: 8192 is out of range (expected 1 to 4096)`; lines and
// columns are 1-based. The status is InvalidArgument (NotFound when the scenario file itself
// cannot be read) and its message is those lines joined with '\n' (at most kMaxErrors, then a
// count of the rest). Checked: YAML syntax; unknown keys (with the allowed keys and a "did you
// mean"); duplicate keys; wrong types; missing required fields; numbers (decimal or 0x hex,
// YAML ints or strings; negative, overflowing or garbage values are errors); ranges (widths,
// sizes, sids "bb:dd.f", segments, PASIDs, enumerations); a DMA whose [addr, addr+size)
// crosses 4 KiB; a step with zero or several actions; expectations that cannot apply to the
// step; files that do not exist or do not parse (dmar tables, memory files); `reg:` names and
// `unit:` references; CAP/ECAP values the model does not implement (naming the field);
// memory outside memory_size; the builders' alignment and capability constraints.
//
// Loading never crashes, throws or runs long, whatever the input: nesting deeper than
// kMaxNesting, repeat nesting deeper than kMaxRepeatDepth, alias loops, aliases expanding to
// more than 1,000,000 nodes and more than kMaxParsedSteps steps are errors. The extensions
// and the choices made where the contract is silent are documented in scenarios/README.md.
#ifndef VTDSIM_MODEL_SCENARIO_SCENARIO_LOADER_H_
#define VTDSIM_MODEL_SCENARIO_SCENARIO_LOADER_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/scenario/scenario.h"
#include "model/structs/ids.h"

namespace vtd::scenario {

inline constexpr int kMaxErrors = 50;
inline constexpr int kMaxNesting = 64;                  // YAML collections inside one another
inline constexpr int kMaxRepeatDepth = 8;               // repeat steps inside one another
inline constexpr uint64_t kMaxParsedSteps = 2'000'000;  // step maps read from YAML
inline constexpr uint64_t kMaxExpandedSteps = 1'000'000'000'000;  // once repeats unroll

// Reads and validates the scenario at `path`. Relative paths inside it (dmar, memory files)
// are resolved against the directory of `path`.
absl::StatusOr<Scenario> LoadScenarioFile(const std::string& path);

// The same for text already in memory; `virtual_path` names it in messages and gives the
// directory relative paths resolve against.
absl::StatusOr<Scenario> LoadScenarioString(absl::string_view text,
                                            const std::string& virtual_path);

// ---- value syntax, shared with the CLI and tests ---------------------------------------------

// A non-negative integer: decimal, or hex with 0x; `_` allowed between digits. The error
// message says what is wrong ("is negative", "does not fit in 64 bits", "is not a number").
absl::StatusOr<uint64_t> ParseNumber(absl::string_view text);

// As ParseNumber, plus a binary-unit suffix: K, M, G, T (also KiB, KB...; case-insensitive),
// e.g. "4K" = 4096, "2m" = 0x200000.
absl::StatusOr<uint64_t> ParseSize(absl::string_view text);

// "bb:dd.f" (hex; bus <= ff, device <= 1f, function <= 7) as a requester id.
absl::StatusOr<SourceId> ParseRequesterId(absl::string_view text);

}  // namespace vtd::scenario

#endif  // VTDSIM_MODEL_SCENARIO_SCENARIO_LOADER_H_
