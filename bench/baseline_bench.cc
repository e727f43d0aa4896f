// Floors for the translation benchmarks (issue: cycle-approximate timing): a bare hash-map
// lookup is what an IOTLB hit cannot beat, and N dependent 64-bit loads through a sparse
// page map are what an N-level walk cannot beat. Every translation figure is read as a
// ratio to one of these.
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "bench/bench_support.h"
#include "benchmark/benchmark.h"

namespace {

using vtd::Mix;

// A hash-map lookup keyed like an IOTLB entry (domain, page number), hitting every time.
void BM_Floor_HashMapLookup(benchmark::State& state) {
  const int entries = static_cast<int>(state.range(0));
  absl::flat_hash_map<uint64_t, uint64_t> map;
  std::vector<uint64_t> keys;
  for (int i = 0; i < entries; ++i) {
    const uint64_t key = (uint64_t{1} << 48) | (Mix(i) & 0xfffffffffull);
    map[key] = Mix(key);
    keys.push_back(key);
  }
  size_t i = 0;
  for (auto _ : state) {
    auto it = map.find(keys[i]);
    benchmark::DoNotOptimize(it->second);
    if (++i == keys.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Floor_HashMapLookup)->Arg(128)->Arg(4096);

// `levels` dependent loads, each through a page map (hash map of 4 KiB pages) as a sparse
// memory does: the next address comes from the value just loaded, like a page walk.
void BM_Floor_DependentLoads(benchmark::State& state) {
  const int levels = static_cast<int>(state.range(0));
  absl::flat_hash_map<uint64_t, std::unique_ptr<uint64_t[]>> pages;
  auto word = [&](uint64_t addr) -> uint64_t& {
    auto& page = pages[addr >> 12];
    if (!page) page = std::make_unique<uint64_t[]>(512);
    return page[(addr & 0xfff) >> 3];
  };
  // A chain of `levels` tables, each entry pointing to the next table.
  constexpr int kChains = 256;
  std::vector<uint64_t> starts;
  for (int c = 0; c < kChains; ++c) {
    uint64_t addr = 0x100000 + static_cast<uint64_t>(c) * 0x1000 * (levels + 1);
    starts.push_back(addr + (Mix(c) & 0x1ff) * 8);
    uint64_t cur = starts.back();
    for (int l = 0; l < levels; ++l) {
      const uint64_t next = (addr + 0x1000 * (l + 1)) + (Mix(c * 8 + l) & 0x1ff) * 8;
      word(cur) = next;
      cur = next;
    }
  }
  size_t i = 0;
  for (auto _ : state) {
    uint64_t addr = starts[i];
    for (int l = 0; l < levels; ++l) {
      auto it = pages.find(addr >> 12);
      addr = it->second[(addr & 0xfff) >> 3];
    }
    benchmark::DoNotOptimize(addr);
    if (++i == starts.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Floor_DependentLoads)->DenseRange(1, 7);

// What a walk whose upper levels come from a paging-structure cache must at least do: find
// the requester's context (a hash lookup by source-id), find the cached directory entry (a
// hash lookup by domain and 2 MiB region) and read the one entry it points to (a dependent
// load through the page map). BM_UnitPscWarmWalk's goal compares it with the load alone.
void BM_Floor_PscWarmWalk(benchmark::State& state) {
  constexpr int kPages = 64;
  absl::flat_hash_map<uint64_t, std::unique_ptr<uint64_t[]>> pages;
  absl::flat_hash_map<uint32_t, uint64_t> contexts;     // source-id -> domain
  absl::flat_hash_map<uint64_t, uint64_t> psc;          // (domain, region) -> table address
  std::vector<std::pair<uint32_t, uint64_t>> requests;  // (source-id, address)
  contexts[8] = 1;
  for (int i = 0; i < kPages; ++i) {
    const uint64_t address = (Mix(i) & 0x7fffffe00000ull) | ((Mix(i + 1000) & 0x1ff) << 12);
    const uint64_t table = 0x200000 + static_cast<uint64_t>(i) * 0x1000;
    psc[(uint64_t{1} << 48) | (address >> 21)] = table;
    auto& page = pages[table >> 12];
    page = std::make_unique<uint64_t[]>(512);
    page[(address >> 12) & 0x1ff] = Mix(address) & 0xffffff000ull;
    requests.emplace_back(8, address);
  }
  size_t i = 0;
  for (auto _ : state) {
    const auto& [sid, address] = requests[i];
    const uint64_t domain = contexts.find(sid)->second;
    const uint64_t table = psc.find((domain << 48) | (address >> 21))->second;
    const uint64_t pte = pages.find(table >> 12)->second[(address >> 12) & 0x1ff];
    benchmark::DoNotOptimize(pte);
    if (++i == requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Floor_PscWarmWalk);

}  // namespace
