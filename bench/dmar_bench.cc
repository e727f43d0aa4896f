// DMAR table throughput (VT-d spec chapter 8): parse every table of the shared corpus per
// iteration, and parse + check. items/s = tables per second; bytes/s = table bytes per second.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "model/acpi/dmar.h"
#include "model/acpi/dmar_check.h"

namespace {

namespace fs = std::filesystem;

// The 98 real tables and 2 templates (not malformed/), loaded once, in name order.
const std::vector<std::vector<uint8_t>>& CorpusTables() {
  static const auto* tables = [] {
    auto* out = new std::vector<std::vector<uint8_t>>;
    const fs::path dir = fs::path(VTD_SHARED_DIR) / "corpus" / "dmar";
    std::vector<fs::path> paths;
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
      if (e.path().extension() == ".bin") paths.push_back(e.path());
    }
    std::sort(paths.begin(), paths.end());
    for (const fs::path& p : paths) {
      std::ifstream in(p, std::ios::binary);
      out->emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    return out;
  }();
  return *tables;
}

int64_t CorpusBytes() {
  int64_t n = 0;
  for (const auto& t : CorpusTables()) n += static_cast<int64_t>(t.size());
  return n;
}

void BM_DmarParseCorpus(benchmark::State& state) {
  const auto& tables = CorpusTables();
  if (tables.empty()) {
    state.SkipWithError("DMAR corpus not found under VTD_SHARED_DIR");
    return;
  }
  for (auto _ : state) {
    for (const auto& bytes : tables) {
      auto table = vtd::acpi::ParseDmar(bytes);
      benchmark::DoNotOptimize(table);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(tables.size()));
  state.SetBytesProcessed(state.iterations() * CorpusBytes());
}
BENCHMARK(BM_DmarParseCorpus);

void BM_DmarParseAndCheckCorpus(benchmark::State& state) {
  const auto& tables = CorpusTables();
  if (tables.empty()) {
    state.SkipWithError("DMAR corpus not found under VTD_SHARED_DIR");
    return;
  }
  for (auto _ : state) {
    for (const auto& bytes : tables) {
      auto findings = vtd::acpi::CheckDmarBytes(bytes);
      benchmark::DoNotOptimize(findings);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(tables.size()));
  state.SetBytesProcessed(state.iterations() * CorpusBytes());
}
BENCHMARK(BM_DmarParseAndCheckCorpus);

void BM_DmarSerializeCorpus(benchmark::State& state) {
  std::vector<vtd::acpi::DmarTable> parsed;
  int64_t bytes = 0;
  for (const auto& b : CorpusTables()) {
    auto t = vtd::acpi::ParseDmar(b);
    if (t.ok()) {
      bytes += t->header.length;
      parsed.push_back(*std::move(t));
    }
  }
  if (parsed.empty()) {
    state.SkipWithError("DMAR corpus not found under VTD_SHARED_DIR");
    return;
  }
  for (auto _ : state) {
    for (const auto& t : parsed) {
      auto out = vtd::acpi::SerializeDmar(t);
      benchmark::DoNotOptimize(out);
    }
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(parsed.size()));
  state.SetBytesProcessed(state.iterations() * bytes);
}
BENCHMARK(BM_DmarSerializeCorpus);

}  // namespace
