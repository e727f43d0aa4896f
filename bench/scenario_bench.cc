// Scenario loading and running (issue 6 "Benchmarks"): parse + validate every scenario of
// scenarios/ (the conformance set, the tutorial and the quickstart) from text already in
// memory, and load + run the quickstart end to end. items/s = scenarios per second.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include "benchmark/benchmark.h"
#include "model/scenario/runner.h"
#include "model/scenario/scenario_loader.h"

namespace vtd {
namespace {

namespace fs = std::filesystem;

// (path, text) of every *.yaml under scenarios/, in path order, read once.
const std::vector<std::pair<std::string, std::string>>& ScenarioTexts() {
  static const auto* texts = [] {
    auto* out = new std::vector<std::pair<std::string, std::string>>;
    std::vector<fs::path> paths;
    std::error_code ec;
    for (fs::recursive_directory_iterator it(fs::path(VTD_SOURCE_DIR) / "scenarios", ec), end;
         it != end; it.increment(ec)) {
      if (it->path().extension() == ".yaml") paths.push_back(it->path());
    }
    std::sort(paths.begin(), paths.end());
    for (const fs::path& p : paths) {
      std::ifstream in(p, std::ios::binary);
      out->emplace_back(p.string(), std::string(std::istreambuf_iterator<char>(in), {}));
    }
    return out;
  }();
  return *texts;
}

void BM_ScenarioLoadAll(benchmark::State& state) {
  const auto& texts = ScenarioTexts();
  if (texts.empty()) std::abort();
  for (auto _ : state) {
    for (const auto& [path, text] : texts) {
      auto s = scenario::LoadScenarioString(text, path);
      benchmark::DoNotOptimize(s.ok());
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(texts.size()));
  state.counters["scenarios"] = static_cast<double>(texts.size());
}
BENCHMARK(BM_ScenarioLoadAll);

void BM_ScenarioLoadAndRunQuickstart(benchmark::State& state) {
  const std::string path = std::string(VTD_SOURCE_DIR) + "/scenarios/quickstart.yaml";
  std::ifstream in(path, std::ios::binary);
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  for (auto _ : state) {
    auto s = scenario::LoadScenarioString(text, path);
    if (!s.ok()) std::abort();
    auto runner = scenario::ScenarioRunner::Create(*s);
    if (!runner.ok()) std::abort();
    int steps = 0;
    auto summary = (*runner)->Run([&](const scenario::StepResult&) { ++steps; });
    if (!summary.ok() || !summary->passed) std::abort();
    benchmark::DoNotOptimize(steps);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ScenarioLoadAndRunQuickstart);

}  // namespace
}  // namespace vtd
