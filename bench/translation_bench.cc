// RemappingUnit::Dma throughput for the translation paths unit_bench.cc does not cover
// (issue 6 "Benchmarks"): cold 3-, 4- and 5-level walks (every cache disabled, so each
// request reads root, context and every paging level), pass-through (context TT=10b), TE off,
// and the fault path (a not-present PTE: fault recorded and cleared by software, or FPD set).
// Floors: BM_Floor_SameMemoryWalkLoads/L below (the walk's own L + 2 loads, undecoded) and
// BM_Floor_DependentLoads/(L+2) (baseline_bench.cc); BM_Floor_HashMapLookup for the paths
// that only look things up.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "bench/bench_support.h"
#include "benchmark/benchmark.h"
#include "model/memory/host_memory.h"
#include "model/regs/cap_ecap.h"
#include "model/structs/address_width.h"
#include "model/structs/context_entry.h"
#include "model/unit/remapping_unit.h"

namespace vtd {
namespace {

struct Options {
  int levels = 4;
  UnitCacheConfig caches;
  TranslationType tt = TranslationType::kUntranslatedOnly;
  bool map = true;   // false: leave PTEs not present (every request faults)
  bool fpd = false;  // context FPD: faults not recorded
  bool enable = true;
  int pages = 256;
  bool out_param = false;  // Dma(request, &out) reusing one outcome, not the by-value form
  bool lean = false;       // Translate(request): the lean DmaResult
};

// One device (bus 0, devfn 8), `pages` random 4 KiB pages each under its own PT, a unit
// whose CAP offers 3-, 4- and 5-level tables (R630 values otherwise).
struct Setup : BenchUnit {
  explicit Setup(const Options& o) {
    UnitConfig config;
    config.cap = Capability::kSagaw.Set(kR630Cap, 0b01110);  // 39, 48, 57-bit
    config.cap = Capability::kMgaw.Set(config.cap, 57 - 1);
    config.ecap = kR630Ecap;
    config.host_address_width = 46;
    config.caches = o.caches;
    CreateUnit(config, uint64_t{1} << 40);
    const uint64_t root_table = 0x100000;
    const uint64_t context_table = Table();
    const uint64_t ss_root = Table();
    ContextEntry ce;
    ce.present = true;
    ce.fpd = o.fpd;
    ce.tt = static_cast<uint8_t>(o.tt);
    ce.aw = static_cast<uint8_t>(o.levels - 2);
    ce.did = DomainId(1);
    ce.second_stage_root = ss_root;
    const auto words = ce.Encode().value();
    (void)memory->Write64(root_table, context_table | 1);
    (void)memory->Write64(context_table + 16 * 8, words[0]);
    (void)memory->Write64(context_table + 16 * 8 + 8, words[1]);
    // Inside the input width and below 2^46 (HAW), so pass-through output addresses exist.
    const int bits = std::min(12 + 9 * o.levels, 46);
    const uint64_t iova_mask = ((uint64_t{1} << bits) - 1) & ~uint64_t{0x1fffff};
    requests = MapRandomPages(ss_root, o.levels, o.pages, iova_mask, o.map);
    unit->WriteRegister64(0x20, root_table);
    unit->WriteRegister32(0x18, 1u << 30);                // SRTP
    if (o.enable) unit->WriteRegister32(0x18, 1u << 31);  // TE
  }
};

void Run(benchmark::State& state, const Options& o, bool expect_ok) {
  Setup s(o);
  for (const DmaRequest& r : s.requests) {
    if (s.unit->Dma(r).result.ok() != expect_ok) std::abort();
  }
  CycleDma(state, *s.unit, s.requests,
           o.lean ? DmaForm::kLean : (o.out_param ? DmaForm::kOutParam : DmaForm::kByValue));
}

// Cold walks: root + context + `levels` paging reads per request.
void BM_UnitColdWalk(benchmark::State& state) {
  Options o;
  o.levels = static_cast<int>(state.range(0));
  o.caches = NoCaches();
  Run(state, o, true);
}
BENCHMARK(BM_UnitColdWalk)->Arg(3)->Arg(4)->Arg(5);

// The 4-level cold walk through the out-parameter Dma.
void BM_UnitColdWalkOutParam(benchmark::State& state) {
  Options o;
  o.levels = static_cast<int>(state.range(0));
  o.caches = NoCaches();
  o.out_param = true;
  Run(state, o, true);
}
BENCHMARK(BM_UnitColdWalkOutParam)->Arg(4);

// The floor for BM_UnitColdWalk/L: the same L + 2 dependent 64-bit loads (root entry,
// context entry, one entry per level) from the same HostMemory and the same tables, with no
// decoding, checks or caches: what a cold walk cannot beat.
void BM_Floor_SameMemoryWalkLoads(benchmark::State& state) {
  Options o;
  o.levels = static_cast<int>(state.range(0));
  Setup s(o);
  const MemoryAccessTag tag{MemoryAccessKind::kOther, 0};
  constexpr uint64_t kAddressMask = 0x000ffffffffff000ull;
  size_t i = 0;
  for (auto _ : state) {
    const DmaRequest& r = s.requests[i];
    uint64_t v = 0;
    s.memory->HwReadAligned64(0x100000 + 16 * r.source_id.bus(), tag, &v);
    s.memory->HwReadAligned64((v & kAddressMask) + 16 * r.source_id.devfn(), tag, &v);
    uint64_t table = v & kAddressMask;
    for (int level = o.levels; level >= 1; --level) {
      s.memory->HwReadAligned64(table + 8 * LevelIndex(r.address, level), tag, &v);
      table = v & kAddressMask;
    }
    benchmark::DoNotOptimize(table);
    if (++i == s.requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Floor_SameMemoryWalkLoads)->Arg(3)->Arg(4)->Arg(5);

// Context TT=10b (S §3.9): the context entry decides, no paging walk. Context cache on.
void BM_UnitPassThrough(benchmark::State& state) {
  Options o;
  o.tt = TranslationType::kPassThrough;
  Run(state, o, true);
}
BENCHMARK(BM_UnitPassThrough);

// The same through the lean Translate.
void BM_UnitPassThroughLean(benchmark::State& state) {
  Options o;
  o.tt = TranslationType::kPassThrough;
  o.lean = true;
  Run(state, o, true);
}
BENCHMARK(BM_UnitPassThroughLean);

// GCMD.TE = 0 (S §3.1): not remapped at all.
void BM_UnitTranslationDisabled(benchmark::State& state) {
  Options o;
  o.enable = false;
  Run(state, o, true);
}
BENCHMARK(BM_UnitTranslationDisabled);

// A not-present PTE (LSS.1-style fault, S §7.1.3): the walk, the fault record, and software
// clearing FRCD.F so the next fault is recorded too (one MMIO write per iteration).
void BM_UnitFaultRecorded(benchmark::State& state) {
  Options o;
  o.map = false;
  Setup s(o);
  const uint32_t frcd_hi = s.unit->registers().OffsetOf(RegId::kFrcdLo, 0) + 12;
  CycleRequests(state, s.requests, [&](const DmaRequest& r) {
    DmaOutcome out = s.unit->Dma(r);
    benchmark::DoNotOptimize(out.recorded);
    const int index = out.fault_record.has_value() ? out.fault_record->frcd_index : -1;
    if (index < 0) std::abort();
    s.unit->WriteRegister32(frcd_hi + 16 * static_cast<uint32_t>(index), 0x80000000u);
  });
}
BENCHMARK(BM_UnitFaultRecorded);

// The same fault with the context's FPD set: blocked, nothing recorded (S §7.1.1).
void BM_UnitFaultFpd(benchmark::State& state) {
  Options o;
  o.map = false;
  o.fpd = true;
  Run(state, o, false);
}
BENCHMARK(BM_UnitFaultFpd);

}  // namespace
}  // namespace vtd
