// First-stage (PGTT=001b) and nested (PGTT=011b) cold walks through TranslateFirstStage, with
// no caches: each against the floor of its own dependent loads from the same HostMemory and
// tables, undecoded. A 4-level first-stage walk reads 4 entries; a nested walk of a 4-level
// first stage over a 4-level second stage reads 4 x (4 + 1) + 4 = 24 (S §3.8: each
// first-stage table address and the output go through the second stage). Accessed bits are
// set beforehand, so no A/D update is made (reads only, as a walk of pages already used);
// BM_FirstStageWriteSetsDirty measures the one update of a write to a clean page.
#include <cstdint>
#include <memory>
#include <random>
#include <vector>

#include "benchmark/benchmark.h"
#include "model/memory/host_memory.h"
#include "model/structs/address_width.h"
#include "model/translate/first_stage_walk.h"

namespace vtd {
namespace {

constexpr uint64_t kAddressMask = 0x000ffffffffff000ull;
constexpr uint64_t kFsPresent = 0x7 | (1 << 5);  // P, R/W, U/S, A
constexpr uint64_t kSsPresent = 0x3;             // R, W
constexpr uint64_t kGuestToHost = uint64_t{1} << 32;
constexpr int kContexts = 256;

// 256 first-stage tables (one per PASID), each mapping one random canonical address; with
// `nested`, the first-stage tables and pages are guest-physical, mapped 4 KiB by 4 KiB at
// GPA + 4 GiB by one 4-level second stage.
struct Setup {
  std::unique_ptr<HostMemory> memory;
  FirstStageWalkConfig config;
  std::vector<TranslationContext> contexts;
  std::vector<DmaRequest> requests;
  std::vector<uint64_t> leaf_addresses;  // host-physical address of each first-stage leaf
  std::vector<uint64_t> leaf_values;     // as built (A set, D clear)
  bool nested;
  uint64_t next_hpa = 0x100000;
  uint64_t next_gpa = 0x1000000;
  uint64_t ss_root = 0;
  std::mt19937_64 random{1};  // fixed seed: the same tables every run

  explicit Setup(bool nested_walk) : nested(nested_walk) {
    memory = std::move(HostMemory::Create(uint64_t{1} << 36)).value();
    config.haw = 46;
    config.page_walk_snoop = true;
    config.ss_pte = SsPteFormat{46, false, true, false, SsBit62::kReserved};
    if (nested) ss_root = HostPage();
    for (int i = 0; i < kContexts; ++i) {
      TranslationContext c;
      c.kind = nested ? TranslationKind::kNested : TranslationKind::kFirstStage;
      c.pasid = static_cast<uint32_t>(i + 1);
      c.fs.levels = 4;
      c.fs.root = TablePage();
      if (nested) {
        c.ss.root = ss_root;
        c.ss.levels = 4;
        c.ss.aw = 2;
        c.ss.input_width = 46;
      }
      const uint64_t address = random() & 0x00007ffffffff000ull;
      uint64_t table = c.fs.root;
      for (int level = 4; level > 1; --level) {
        const uint64_t next = TablePage();
        Write(Host(table) + 8 * LevelIndex(address, level), next | kFsPresent);
        table = next;
      }
      const uint64_t page = TablePage();
      leaf_addresses.push_back(Host(table) + 8 * LevelIndex(address, 1));
      leaf_values.push_back(page | kFsPresent);
      Write(leaf_addresses.back(), leaf_values.back());
      contexts.push_back(c);
      DmaRequest r;
      r.address = address | 0x40;
      r.size = 64;
      r.pasid = c.pasid;
      requests.push_back(r);
    }
  }

  uint64_t HostPage() {
    const uint64_t page = next_hpa;
    next_hpa += 0x1000;
    return page;
  }
  // A page for a first-stage table or data: guest-physical (mapped) when nested.
  uint64_t TablePage() {
    if (!nested) return HostPage();
    const uint64_t gpa = next_gpa;
    next_gpa += 0x1000 * (1 + (random() & 0xff));  // spread over the second-stage tables
    Map(gpa);
    return gpa;
  }
  uint64_t Host(uint64_t gpa) const { return nested ? gpa + kGuestToHost : gpa; }
  void Map(uint64_t gpa) {
    uint64_t table = ss_root;
    for (int level = 4; level > 1; --level) {
      const uint64_t at = table + 8 * LevelIndex(gpa, level);
      uint64_t e = memory->Read(at, 8).value();
      if (e == 0) {
        e = HostPage() | kSsPresent;
        Write(at, e);
      }
      table = e & kAddressMask;
    }
    Write(table + 8 * LevelIndex(gpa, 1), (gpa + kGuestToHost) | kSsPresent);
  }
  void Write(uint64_t address, uint64_t value) { (void)memory->Write64(address, value); }
};

void BM_ColdWalk(benchmark::State& state, bool nested) {
  Setup s(nested);
  WalkMemory port(s.memory.get(), s.config.haw);
  size_t i = 0;
  for (auto _ : state) {
    auto leaf = TranslateFirstStage(s.config, s.contexts[i], port, s.requests[i]);
    benchmark::DoNotOptimize(leaf->page_base);
    if (++i == s.requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK_CAPTURE(BM_ColdWalk, FirstStage4Level, false);
BENCHMARK_CAPTURE(BM_ColdWalk, Nested4Plus4Level, true);

// The A/D update cost: a first-stage write whose leaf has D clear, so the walk ends with one
// locked read-modify-write of the leaf (S §3.6.2). Software clears D again before each walk
// (one software store, also in the floor below).
void BM_FirstStageWriteSetsDirty(benchmark::State& state) {
  Setup s(/*nested_walk=*/false);
  WalkMemory port(s.memory.get(), s.config.haw);
  std::vector<DmaRequest> writes = s.requests;
  for (DmaRequest& r : writes) r.access = AccessKind::kWrite;
  size_t i = 0;
  for (auto _ : state) {
    s.Write(s.leaf_addresses[i], s.leaf_values[i]);
    auto leaf = TranslateFirstStage(s.config, s.contexts[i], port, writes[i]);
    benchmark::DoNotOptimize(leaf->page_base);
    if (++i == writes.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_FirstStageWriteSetsDirty);

// Its floor: the software store, the walk's 4 dependent loads, then the leaf's read and write.
void BM_Floor_FirstStageWriteLoadsAndUpdate(benchmark::State& state) {
  Setup s(/*nested_walk=*/false);
  const MemoryAccessTag tag{MemoryAccessKind::kOther, 0};
  size_t i = 0;
  for (auto _ : state) {
    s.Write(s.leaf_addresses[i], s.leaf_values[i]);
    const uint64_t address = s.requests[i].address;
    uint64_t table = s.contexts[i].fs.root;
    uint64_t at = 0;
    uint64_t raw = 0;
    for (int level = 4; level >= 1; --level) {
      at = table + 8 * LevelIndex(address, level);
      s.memory->HwReadAligned64(at, tag, &raw);
      table = raw & kAddressMask;
    }
    s.memory->HwReadAligned64(at, tag, &raw);
    (void)s.memory->HwWrite(at, 8, raw | (1 << 6), tag);
    benchmark::DoNotOptimize(table);
    if (++i == s.requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Floor_FirstStageWriteLoadsAndUpdate);

// The floors: the same walks' loads, dependent and undecoded (4 for the first stage alone,
// 24 for nested).
uint64_t SsLoads(const HostMemory& memory, uint64_t root, uint64_t gpa, MemoryAccessTag tag) {
  uint64_t table = root;
  uint64_t raw = 0;
  for (int level = 4; level >= 1; --level) {
    memory.HwReadAligned64(table + 8 * LevelIndex(gpa, level), tag, &raw);
    table = raw & kAddressMask;
  }
  return table | (gpa & 0xfff);
}

void BM_Floor_FirstStageWalkLoads(benchmark::State& state) {
  const bool nested = state.range(0) == 24;
  Setup s(nested);
  const MemoryAccessTag tag{MemoryAccessKind::kOther, 0};
  size_t i = 0;
  for (auto _ : state) {
    const uint64_t address = s.requests[i].address;
    uint64_t table = s.contexts[i].fs.root;
    for (int level = 4; level >= 1; --level) {
      uint64_t at = table + 8 * LevelIndex(address, level);
      if (nested) at = SsLoads(*s.memory, s.ss_root, at, tag);
      uint64_t raw = 0;
      s.memory->HwReadAligned64(at, tag, &raw);
      table = raw & kAddressMask;
    }
    if (nested) table = SsLoads(*s.memory, s.ss_root, table, tag);
    benchmark::DoNotOptimize(table);
    if (++i == s.requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Floor_FirstStageWalkLoads)->Arg(4)->Arg(24);

}  // namespace
}  // namespace vtd
