// RemappingUnit::Dma in scalable mode (RTADDR.TTM=01b), requests with PASID through PASID
// entries with PGTT=010b (4-level second stage): a cold walk with every cache disabled
// (scalable root, context, PASID directory and PASID entry, then four levels), a walk with
// the context and PASID caches warm (IOTLB and paging-structure caches off: four levels),
// and an IOTLB hit tagged with the PASID.
// Floors: BM_Floor_ScalableColdLoads (the cold walk's dependent entry reads through
// HostMemory, one per entry: root, context, directory, PASID entry qwords 0-1, four
// levels), BM_Floor_ScalableWarmLoads (the four paging-level reads), and
// BM_Floor_HashMapLookup (baseline_bench) for a hit.
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <vector>

#include "bench/bench_support.h"
#include "benchmark/benchmark.h"
#include "model/memory/host_memory.h"
#include "model/structs/address_width.h"
#include "model/unit/remapping_unit.h"

namespace vtd {
namespace {

constexpr uint64_t kCap = 0x00d2008c222f0606;   // QEMU's scalable unit (aw-bits=48)
constexpr uint64_t kEcap = 0x0000493880f00f4a;  // with PASID (8-bit)
constexpr uint64_t kRoot = 0x100000;
constexpr uint64_t kQueue = 0x180000;
constexpr uint32_t kPasid = 0x2a;

// One device (bus 0, devfn 8), PASID 0x2a with a 4-level second-stage table mapping `pages`
// random 4 KiB pages, each in its own 2 MiB region; the unit brought up with QI (256-bit
// descriptors) and SRTP with TTM=01b.
struct Setup : BenchUnit {
  uint64_t context_entry = 0;
  uint64_t directory_entry = 0;
  uint64_t pasid_entry = 0;
  uint64_t ss_root = 0;

  void Submit(uint64_t q0) {
    const uint64_t tail = unit->ReadRegister64(0x88);
    for (int q = 0; q < 4; ++q) Put(kQueue + tail + 8 * q, q == 0 ? q0 : 0);
    unit->WriteRegister64(0x88, (tail + 32) % 4096);
  }

  Setup(const UnitCacheConfig& caches, int pages) {
    UnitConfig config;
    config.cap = kCap;
    config.ecap = kEcap;
    config.version = 0x30;
    config.host_address_width = 48;
    config.caches = caches;
    CreateUnit(config);
    const uint64_t context_table = Table();
    const uint64_t directory = Table();
    const uint64_t pasid_table = Table();
    ss_root = Table();
    Put(kRoot, context_table | 1);  // LP
    context_entry = context_table + 32 * 8;
    Put(context_entry, directory | 8 | 1);  // PASIDE, P
    directory_entry = directory + 8 * (kPasid >> 6);
    Put(directory_entry, pasid_table | 1);
    pasid_entry = pasid_table + 64 * (kPasid & 0x3f);
    Put(pasid_entry, ss_root | (uint64_t{2} << 6) | (uint64_t{2} << 2) | 1);  // PGTT 010b, AW 2
    Put(pasid_entry + 8, 9);                                                  // DID 9
    requests = MapRandomPages(ss_root, /*levels=*/4, pages, kIovaBelow2To47, /*map=*/true);
    for (DmaRequest& r : requests) r.pasid = kPasid;
    unit->WriteRegister64(0x90, kQueue | (uint64_t{1} << 11));  // IQA: DW=1
    unit->WriteRegister32(0x18, 1u << 26);                      // QIE
    unit->WriteRegister64(0x20, kRoot | (uint64_t{1} << 10));   // TTM=01b
    unit->WriteRegister32(0x18, (1u << 26) | (1u << 30));       // SRTP
    Submit(0x11);                                               // cc_inv_dsc global
    Submit(0x37);                                               // pc_inv_dsc global
    Submit(0x12);                                               // iotlb_inv_dsc global
    unit->WriteRegister32(0x18, (1u << 26) | (1u << 31));       // TE
    for (const DmaRequest& r : requests) {
      if (!unit->Dma(r).result.ok()) std::abort();
    }
  }
};

void Run(benchmark::State& state, const UnitCacheConfig& caches, int pages,
         DmaForm form = DmaForm::kOutParam) {
  Setup s(caches, pages);
  CycleDma(state, *s.unit, s.requests, form);
}

UnitCacheConfig PasidCacheWarm() {
  UnitCacheConfig caches = NoCaches();
  caches.context = UnitCacheConfig{}.context;
  caches.pasid = UnitCacheConfig{}.pasid;
  return caches;
}

void BM_ScalableColdWalkNoCaches(benchmark::State& state) { Run(state, NoCaches(), 256); }
BENCHMARK(BM_ScalableColdWalkNoCaches);

void BM_ScalablePasidCacheWarmWalk(benchmark::State& state) { Run(state, PasidCacheWarm(), 256); }
BENCHMARK(BM_ScalablePasidCacheWarmWalk);

// The same walks through the lean Translate.
void BM_ScalableColdWalkNoCachesLean(benchmark::State& state) {
  Run(state, NoCaches(), 256, DmaForm::kLean);
}
BENCHMARK(BM_ScalableColdWalkNoCachesLean);

void BM_ScalablePasidCacheWarmWalkLean(benchmark::State& state) {
  Run(state, PasidCacheWarm(), 256, DmaForm::kLean);
}
BENCHMARK(BM_ScalablePasidCacheWarmWalkLean);

void BM_ScalableIotlbHitWithPasid(benchmark::State& state) { Run(state, UnitCacheConfig{}, 1); }
BENCHMARK(BM_ScalableIotlbHitWithPasid);

// The floors: the same entries read through HostMemory's hardware read path, each address
// from the previous value, as the walks make them (no decoding, no checks, no caches).
void Floor(benchmark::State& state, bool cold) {
  Setup s(NoCaches(), 256);
  const MemoryAccessTag tag{MemoryAccessKind::kOther, 0};
  auto load = [&](uint64_t address) {
    uint64_t raw = 0;
    s.memory->HwReadAligned64(address, tag, &raw);
    return raw;
  };
  size_t i = 0;
  for (auto _ : state) {
    const uint64_t iova = s.requests[i].address;
    uint64_t table = s.ss_root;
    if (cold) {
      uint64_t v = load(kRoot);
      v = load((v & ~uint64_t{0xfff}) + 32 * 8);
      v = load((v & ~uint64_t{0xfff}) + 8 * (kPasid >> 6));
      const uint64_t pe = (v & ~uint64_t{0xfff}) + 64 * (kPasid & 0x3f);
      v = load(pe);
      benchmark::DoNotOptimize(load(pe + 8));
      table = v & ~uint64_t{0xfff};
    }
    for (int level = 4; level >= 1; --level) {
      table = load(table + 8 * LevelIndex(iova, level)) & ~uint64_t{0xfff};
    }
    benchmark::DoNotOptimize(table);
    if (++i == s.requests.size()) i = 0;
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_Floor_ScalableColdLoads(benchmark::State& state) { Floor(state, true); }
BENCHMARK(BM_Floor_ScalableColdLoads);

void BM_Floor_ScalableWarmLoads(benchmark::State& state) { Floor(state, false); }
BENCHMARK(BM_Floor_ScalableWarmLoads);

}  // namespace
}  // namespace vtd
