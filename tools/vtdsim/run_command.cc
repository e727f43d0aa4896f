// `vtdsim run` and `vtdsim explain`: load scenarios, run them, print. Argument handling and
// printing only; loading, execution, results and explanations live in model/scenario.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "model/scenario/explain_svg.h"
#include "model/scenario/results.h"
#include "model/scenario/runner.h"
#include "model/scenario/scenario.h"
#include "model/scenario/scenario_loader.h"
#include "model/scenario/timing_hook.h"
#include "tools/vtdsim/command.h"

namespace vtd::cli {
namespace {

constexpr int kExitPassed = 0;
constexpr int kExitFailed = 1;
constexpr int kExitInvalid = 2;

constexpr char kRunUsage[] =
    "usage: vtdsim run PATH... [--json] [--explain] [--step N] [--no-timing] [--stats]\n"
    "Run scenarios (YAML, format: scenarios/FORMAT.md; extensions: scenarios/README.md)\n"
    "and check their expectations. PATH is a scenario file or a directory, whose *.yaml files\n"
    "are run recursively in sorted order.\n\n"
    "  --json       print the result as JSON: one document for one file, an array for several\n"
    "               files or a directory\n"
    "  --explain    explain every DMA: routing, root-table pointer, cache lookups, each entry\n"
    "               the walk read, the result or fault (see 'vtdsim explain')\n"
    "  --step N     with --explain: only step N (0-based, repeats unrolled)\n"
    "  --no-timing  run without the timing model: no \"cycles\", empty \"stats\"\n"
    "  --stats      after each scenario, the timing statistics as a table: latency\n"
    "               percentiles, hit rate per cache, walk lengths, memory accesses by kind\n"
    "               (the same as \"stats\" in --json)\n\n"
    "Steps that reach a unit (MMIO, DMA, interrupt, enable) report the cycles the timing\n"
    "model (model/timing, with the scenario's `timing:` overrides) charged for them.\n"
    "Every file is loaded and validated before anything runs.\n"
    "Exit status: 0 every expectation held, 1 some expectation failed (or a step hit an\n"
    "error only running can find: it fails with \"error\" and its scenario stops), 2 invalid\n"
    "scenario, missing file or bad arguments (a message names FILE:LINE:COL; nothing runs).\n";

constexpr char kExplainUsage[] =
    "usage: vtdsim explain FILE [--step N] [--json] [--svg DIR]\n"
    "Run a scenario and explain every step in words. A DMA: which unit handles the requester\n"
    "and why, the latched root-table pointer (RTADDR), each cache lookup, each structure entry\n"
    "the walk read (which source-id or IOVA bits index it, its address, raw value, decoded\n"
    "fields and spec section), and the translated address or the fault with its reason, Table\n"
    "30 condition and spec section. An interrupt: the handle and sub-handle, the IRTE and its\n"
    "source-id check, the remapped or posted interrupt or the Table 15 fault. A queue step or\n"
    "an IQT write: each descriptor decoded and what it invalidated, wait status writes, errors\n"
    "and where the head stopped. A register write: the command, the status change, what was\n"
    "latched. Software steps: what software did and what hardware was not told.\n\n"
    "  --step N   explain only step N (0-based, repeats unrolled), whatever its action\n"
    "  --json     the run's JSON document, each explained step with an \"explanation\" array\n"
    "  --svg DIR  also draw each explained step: DIR/step-NNN.svg (NNN = step index), and\n"
    "             DIR/README.md linking them (DIR is created if missing)\n\n"
    "Exit status as for 'vtdsim run'.\n";

struct Options {
  std::vector<std::string> paths;
  bool json = false;
  bool explain = false;
  std::optional<uint64_t> step;
  bool timing = true;
  bool stats = false;
  bool help = false;
  std::optional<std::string> svg_dir;  // explain --svg DIR
};

absl::StatusOr<Options> ParseOptions(const Args& args, bool allow_explain_flag) {
  Options o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if ((a == "--svg" || absl::StartsWith(a, "--svg=")) && !allow_explain_flag) {
      if (a == "--svg") {
        if (i + 1 >= args.size()) return absl::InvalidArgumentError("--svg needs a directory");
        o.svg_dir = args[++i];
      } else {
        o.svg_dir = a.substr(6);
      }
      if (o.svg_dir->empty()) return absl::InvalidArgumentError("--svg needs a directory");
    } else if (a == "--json") {
      o.json = true;
    } else if (a == "--no-timing") {
      o.timing = false;
    } else if (a == "--stats") {
      o.stats = true;
    } else if (a == "--explain" && allow_explain_flag) {
      o.explain = true;
    } else if (a == "--step" || absl::StartsWith(a, "--step=")) {
      std::string value;
      if (a == "--step") {
        if (i + 1 >= args.size()) return absl::InvalidArgumentError("--step needs a number");
        value = args[++i];
      } else {
        value = a.substr(7);
      }
      absl::StatusOr<uint64_t> n = scenario::ParseNumber(value);
      if (!n.ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--step ", value, ": ", n.status().message()));
      }
      o.step = *n;
    } else if (absl::StartsWith(a, "-") && a != "-") {
      return absl::InvalidArgumentError(absl::StrCat("unknown option '", a, "'"));
    } else {
      o.paths.push_back(a);
    }
  }
  return o;
}

int UsageError(std::string_view command, std::string_view message, std::string_view usage) {
  std::fprintf(stderr, "vtdsim %.*s: %.*s\n", static_cast<int>(command.size()), command.data(),
               static_cast<int>(message.size()), message.data());
  std::fprintf(stderr, "%.*s", static_cast<int>(usage.size()), usage.data());
  return kExitInvalid;
}

void Print(std::string_view text) { std::fwrite(text.data(), 1, text.size(), stdout); }

absl::Status WriteFile(const std::string& path, std::string_view content) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return absl::InvalidArgumentError(absl::StrCat(path, ": cannot write"));
  const bool ok = std::fwrite(content.data(), 1, content.size(), f) == content.size();
  if (std::fclose(f) != 0 || !ok) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": write failed"));
  }
  return absl::OkStatus();
}

// The scenario files named by `paths`: files as given, directories expanded to their *.yaml
// files (recursively, sorted). A path that does not exist is kept, so loading reports it.
absl::StatusOr<std::vector<std::string>> ExpandPaths(const std::vector<std::string>& paths,
                                                     bool* several) {
  std::vector<std::string> files;
  *several = paths.size() > 1;
  for (const std::string& p : paths) {
    std::error_code ec;
    if (!std::filesystem::is_directory(p, ec)) {
      files.push_back(p);
      continue;
    }
    *several = true;
    std::vector<std::string> found;
    std::filesystem::recursive_directory_iterator it(p, ec), end;
    if (ec) return absl::InvalidArgumentError(absl::StrCat(p, ": cannot read the directory"));
    for (; it != end; it.increment(ec)) {
      if (ec) return absl::InvalidArgumentError(absl::StrCat(p, ": cannot read the directory"));
      if (it->is_regular_file(ec) && it->path().extension() == ".yaml") {
        found.push_back(it->path().string());
      }
    }
    if (found.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(p, ": no *.yaml scenario files in this directory"));
    }
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return files;
}

int RunScenarios(std::string_view command, const Options& o, bool explain_only_dma) {
  bool several = false;
  absl::StatusOr<std::vector<std::string>> files = ExpandPaths(o.paths, &several);
  if (!files.ok()) {
    std::fprintf(stderr, "vtdsim %.*s: %s\n", static_cast<int>(command.size()), command.data(),
                 std::string(files.status().message()).c_str());
    return kExitInvalid;
  }
  // Validate everything before running anything.
  std::vector<scenario::Scenario> scenarios;
  bool invalid = false;
  for (const std::string& f : *files) {
    absl::StatusOr<scenario::Scenario> s = scenario::LoadScenarioFile(f);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", std::string(s.status().message()).c_str());
      invalid = true;
      continue;
    }
    if (o.timing) {
      absl::Status timing = scenario::CheckTimingOverrides(*s);
      if (!timing.ok()) {
        std::fprintf(stderr, "%s\n", std::string(timing.message()).c_str());
        invalid = true;
        continue;
      }
    }
    scenarios.push_back(std::move(*s));
  }
  if (invalid) return kExitInvalid;
  for (const scenario::Scenario& s : scenarios) {
    if (o.step && *o.step >= s.expanded_step_count) {
      std::fprintf(stderr,
                   "%s: --step %llu is beyond the last step (the scenario has %llu steps, "
                   "numbered from 0)\n",
                   s.file.c_str(), static_cast<unsigned long long>(*o.step),
                   static_cast<unsigned long long>(s.expanded_step_count));
      return kExitInvalid;
    }
  }

  if (o.svg_dir) {
    std::error_code ec;
    std::filesystem::create_directories(*o.svg_dir, ec);
    if (ec || !std::filesystem::is_directory(*o.svg_dir)) {
      std::fprintf(stderr, "vtdsim %.*s: --svg %s: cannot create the directory (%s)\n",
                   static_cast<int>(command.size()), command.data(), o.svg_dir->c_str(),
                   ec ? ec.message().c_str() : "a file of that name exists");
      return kExitInvalid;
    }
  }
  scenario::RunOptions run_options;
  run_options.explain = o.explain;
  run_options.explain_step = o.step;
  // --stats: each scenario's timer leaves its table here when the runner releases it.
  auto stats_table = std::make_shared<std::string>();
  if (o.timing) run_options.timer = scenario::TimingModelTimer(o.stats ? stats_table : nullptr);
  // Every model is built before anything is printed: a platform the model refuses is invalid
  // input (exit 2, nothing on stdout), never found after earlier scenarios printed. Errors
  // found while running fail their step instead (runner.h).
  std::vector<std::unique_ptr<scenario::ScenarioRunner>> runners;
  for (const scenario::Scenario& s : scenarios) {
    absl::StatusOr<std::unique_ptr<scenario::ScenarioRunner>> runner =
        scenario::ScenarioRunner::Create(s, run_options);
    if (!runner.ok()) {
      std::fprintf(stderr, "%s\n", std::string(runner.status().message()).c_str());
      return kExitInvalid;
    }
    runners.push_back(std::move(*runner));
  }
  const bool json_array = o.json && several;
  if (json_array) Print("[\n");
  int passed_files = 0;
  bool any_failed = false;
  for (size_t i = 0; i < scenarios.size(); ++i) {
    const scenario::Scenario& s = scenarios[i];
    std::unique_ptr<scenario::ScenarioRunner>& runner = runners[i];
    scenario::JsonReportWriter json;
    if (!o.json) {
      Print(absl::StrFormat("scenario %s (%s)\n", s.name.value, s.file));
      if (!s.description.empty()) Print(absl::StrCat("  ", s.description, "\n"));
    }
    std::string svg_index;
    std::string svg_error;
    absl::StatusOr<scenario::RunSummary> summary =
        runner->Run([&](const scenario::StepResult& step) {
          if (o.svg_dir && step.explained && svg_error.empty()) {
            const std::string name = absl::StrFormat("step-%03d.svg", step.index);
            const std::string heading = absl::StrFormat("%s, step %d: %s", s.name.value, step.index,
                                                        scenario::ActionKindName(step.action));
            absl::Status written =
                WriteFile(absl::StrCat(*o.svg_dir, "/", name),
                          scenario::RenderExplanationSvg(*step.explained, heading));
            if (!written.ok()) svg_error = std::string(written.message());
            absl::StrAppend(&svg_index, absl::StrFormat("| %d | `%s` | [%s](%s) |\n", step.index,
                                                        step.what, name, name));
          }
          if (o.json) {
            json.AddStep(step);
            return;
          }
          // `explain --step N` shows that step (and any failure), not the whole run.
          if (explain_only_dma && o.step && *o.step != step.index && step.ok) return;
          Print(scenario::FormatStepText(step));
        });
    if (!summary.ok()) {
      // Not reached for a scenario that loaded (initial memory is checked at load); said on
      // stderr with the failing status, and the run counts as failed.
      std::fflush(stdout);
      std::fprintf(stderr, "%s\n", std::string(summary.status().message()).c_str());
      return kExitFailed;
    }
    if (o.svg_dir && svg_error.empty()) {
      absl::Status written = WriteFile(
          absl::StrCat(*o.svg_dir, "/README.md"),
          absl::StrCat("# Drawings of scenario ", s.name.value,
                       "\n\nOne drawing per explained step, made by `vtdsim explain --svg` "
                       "(scenarios/README.md, \"Drawings\"). Regenerate them rather than edit "
                       "them.\n\n| step | what | drawing |\n|---|---|---|\n",
                       svg_index));
      if (!written.ok()) svg_error = std::string(written.message());
    }
    if (!svg_error.empty()) {
      std::fflush(stdout);
      std::fprintf(stderr, "vtdsim %.*s: --svg: %s\n", static_cast<int>(command.size()),
                   command.data(), svg_error.c_str());
      return kExitInvalid;
    }
    if (summary->passed) ++passed_files;
    any_failed |= !summary->passed;
    if (o.json) {
      json.Emit(*summary, json_array ? 2 : 0, [](absl::string_view piece) {
        Print(std::string_view(piece.data(), piece.size()));
      });
      Print(json_array && i + 1 < scenarios.size() ? ",\n" : "\n");
    } else {
      Print(absl::StrCat("  ", scenario::FormatSummaryText(*summary)));
      if (o.stats && o.timing) {
        runner.reset();  // the timer writes its table as it goes
        for (absl::string_view line : absl::StrSplit(*stats_table, '\n', absl::SkipEmpty())) {
          Print(absl::StrCat("  ", line, "\n"));
        }
      }
      if (i + 1 < scenarios.size()) Print("\n");
    }
  }
  if (json_array) Print("]\n");
  if (!o.json && several) {
    Print(absl::StrFormat("\ntotal: %d scenarios, %d passed, %d failed -- %s\n", scenarios.size(),
                          passed_files, scenarios.size() - passed_files,
                          any_failed ? "FAIL" : "PASS"));
  }
  std::fflush(stdout);
  return any_failed ? kExitFailed : kExitPassed;
}

}  // namespace

int RunCommand(const Args& args) {
  absl::StatusOr<Options> o = ParseOptions(args, /*allow_explain_flag=*/true);
  if (!o.ok()) return UsageError("run", std::string(o.status().message()), kRunUsage);
  if (o->help) {
    Print(kRunUsage);
    return kExitPassed;
  }
  if (o->paths.empty())
    return UsageError("run", "expected a scenario file or directory", kRunUsage);
  if (o->step && !o->explain) return UsageError("run", "--step needs --explain", kRunUsage);
  if (o->stats && !o->timing) {
    return UsageError("run", "--stats needs the timing model (drop --no-timing)", kRunUsage);
  }
  return RunScenarios("run", *o, /*explain_only_dma=*/false);
}

int ExplainCommand(const Args& args) {
  absl::StatusOr<Options> o = ParseOptions(args, /*allow_explain_flag=*/false);
  if (!o.ok()) return UsageError("explain", std::string(o.status().message()), kExplainUsage);
  if (o->help) {
    Print(kExplainUsage);
    return kExitPassed;
  }
  if (o->paths.size() != 1)
    return UsageError("explain", "expected one scenario FILE", kExplainUsage);
  o->explain = true;
  return RunScenarios("explain", *o, /*explain_only_dma=*/true);
}

}  // namespace vtd::cli
