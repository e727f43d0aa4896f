// Legacy walk throughput (issue: remapping unit core): a full Translate() (root, context,
// 4-level second stage) and the second-stage walk alone, against the floor of 4 dependent
// 64-bit loads from the same sparse HostMemory.
#include <cstdint>
#include <memory>
#include <vector>

#include "bench/bench_support.h"
#include "benchmark/benchmark.h"
#include "model/memory/host_memory.h"
#include "model/structs/address_width.h"
#include "model/translate/legacy_walk.h"

namespace vtd {
namespace {

// 256 devices on bus 0..0, each its own 4-level table with one mapping at a random IOVA.
struct Setup {
  std::unique_ptr<HostMemory> memory;
  WalkConfig config;
  std::vector<DmaRequest> requests;
  std::vector<uint64_t> roots;

  Setup() {
    memory = std::move(HostMemory::Create(uint64_t{1} << 36)).value();
    config.rtaddr = 0x100000;
    config.haw = 46;
    config.cap.mgaw = 48 - 1;
    config.cap.sagaw = 0b0100;
    uint64_t next = 0x200000;
    auto table = [&] {
      const uint64_t t = next;
      next += 0x1000;
      return t;
    };
    const uint64_t context_table = table();
    (void)memory->Write64(config.rtaddr, context_table | 1);
    for (int devfn = 0; devfn < 256; ++devfn) {
      const uint64_t root = table();
      roots.push_back(root);
      (void)memory->Write64(context_table + 16 * devfn, root | 1);
      (void)memory->Write64(context_table + 16 * devfn + 8,
                            2 | (static_cast<uint64_t>(devfn + 1) << 8));
      const uint64_t iova = Mix(devfn) & 0x7ffffffff000ull;
      uint64_t t = root;
      for (int level = 4; level > 1; --level) {
        const uint64_t next_table = table();
        (void)memory->Write64(t + 8 * LevelIndex(iova, level), next_table | 3);
        t = next_table;
      }
      (void)memory->Write64(t + 8 * LevelIndex(iova, 1), (Mix(iova) & 0xffffff000ull) | 3);
      DmaRequest r;
      r.source_id = SourceId(static_cast<uint16_t>(devfn));
      r.address = iova | 0x40;
      r.size = 64;
      requests.push_back(r);
    }
  }
};

void BM_LegacyTranslate4Level(benchmark::State& state) {
  Setup s;
  const LegacyWalkFormats formats(s.config);  // made once, as a caller of many walks does
  size_t i = 0;
  for (auto _ : state) {
    auto result = Translate(s.config, formats, *s.memory, s.requests[i]);
    benchmark::DoNotOptimize(result->translation->hpa);
    if (++i == s.requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_LegacyTranslate4Level);

void BM_SecondStageWalk4Level(benchmark::State& state) {
  Setup s;
  size_t i = 0;
  for (auto _ : state) {
    auto walk =
        WalkSecondStage(s.config, *s.memory, SsWalkStart{s.roots[i], 4}, 4, s.requests[i].address,
                        RequestNeeds{true, false}, s.requests[i], false);
    benchmark::DoNotOptimize(walk->page_base);
    if (++i == s.requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SecondStageWalk4Level);

// The floor: 4 dependent aligned loads through the same HostMemory (no decoding, no checks).
void BM_Floor_HostMemory4DependentLoads(benchmark::State& state) {
  Setup s;
  size_t i = 0;
  const MemoryAccessTag tag{MemoryAccessKind::kSecondStageEntry, 0};
  for (auto _ : state) {
    uint64_t table = s.roots[i];
    const uint64_t iova = s.requests[i].address;
    for (int level = 4; level >= 1; --level) {
      uint64_t raw = 0;
      s.memory->HwReadAligned64(table + 8 * LevelIndex(iova, level), tag, &raw);
      table = raw & 0x000ffffffffff000ull;
    }
    benchmark::DoNotOptimize(table);
    if (++i == s.requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Floor_HostMemory4DependentLoads);

}  // namespace
}  // namespace vtd
