// Interrupt remapping and queued invalidation throughput (issue 5):
//  * remapped interrupts per second: RemapInterrupt over a 64 K-entry table, MSIs from
//    1024 devices to random indexes (one IRTE read each), remapped and posted formats;
//  * queue descriptors processed per second: InvalidationQueue::Process over a full 4 KiB
//    queue (255 descriptors: IOTLB, context, IEC invalidations and a status-writing wait);
//  * the same through RemappingUnit: Interrupt() with the IRTE in the interrupt entry cache
//    and without it, and IQT writes driving the queue against the unit's real caches.
#include <cstdint>
#include <memory>
#include <vector>

#include "bench/bench_support.h"
#include "benchmark/benchmark.h"
#include "model/interrupt/interrupt_remapping.h"
#include "model/invalidation/invalidation_queue.h"
#include "model/memory/host_memory.h"
#include "model/regs/cap_ecap.h"
#include "model/regs/register_file.h"
#include "model/unit/remapping_unit.h"

namespace vtd {
namespace {

constexpr uint64_t kTable = 0x1000000;
constexpr int kEntries = 65536;

struct InterruptSetup {
  std::unique_ptr<HostMemory> memory = HostMemory::Create(uint64_t{1} << 30).value();
  InterruptRemappingState state;
  std::vector<InterruptRequest> requests;

  explicit InterruptSetup(bool posted) {
    state.enabled = true;
    state.table = InterruptRemapTableAddress{kTable, true, 15};
    state.posted_supported = true;
    state.host_address_width = 46;
    for (int i = 0; i < kEntries; ++i) {
      const SourceId sid(static_cast<uint16_t>(i % 1024));
      std::array<uint64_t, 2> w;
      if (posted) {
        PostedIrte e;
        e.present = true;
        e.virtual_vector = static_cast<uint8_t>(0x20 + i % 200);
        e.descriptor_address = 0x2000000 + uint64_t(i % 1024) * 64;
        e.source = SourceValidation{sid.value(), 0, 1};
        w = e.Encode().value();
      } else {
        RemappedIrte e;
        e.present = true;
        e.vector = static_cast<uint8_t>(0x20 + i % 200);
        e.destination = static_cast<uint32_t>(i % 256);
        e.source = SourceValidation{sid.value(), 0, 1};
        w = e.Encode().value();
      }
      (void)memory->Write64(kTable + 16 * uint64_t(i), w[0]);
      (void)memory->Write64(kTable + 16 * uint64_t(i) + 8, w[1]);
    }
    for (int i = 0; i < 4096; ++i) {
      const uint32_t index = static_cast<uint32_t>(Mix(i) % kEntries);
      RemappableInterrupt msi;
      msi.handle = static_cast<uint16_t>(index);
      auto [address, data] = msi.Encode();
      requests.push_back(
          InterruptRequest{SourceId(static_cast<uint16_t>(index % 1024)), 0, address, data});
    }
  }
};

void BM_RemapInterrupt(benchmark::State& state) {
  InterruptSetup setup(/*posted=*/false);
  size_t i = 0;
  for (auto _ : state) {
    FaultOr<InterruptResult> r =
        RemapInterrupt(setup.state, *setup.memory, setup.requests[i++ & 4095]);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("remapped interrupts");
}
BENCHMARK(BM_RemapInterrupt);

void BM_PostInterrupt(benchmark::State& state) {
  InterruptSetup setup(/*posted=*/true);
  size_t i = 0;
  for (auto _ : state) {
    FaultOr<InterruptResult> r =
        RemapInterrupt(setup.state, *setup.memory, setup.requests[i++ & 4095]);
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("posted interrupts");
}
BENCHMARK(BM_PostInterrupt);

// A CacheInvalidator that only counts: the figure is the queue engine's own cost.
class CountingInvalidator : public CacheInvalidator {
 public:
  InvalidationOutcome InvalidateContextCache(const ContextInvalidation&) override {
    return {1, ++calls};
  }
  InvalidationOutcome InvalidateIotlb(const IotlbInvalidation&) override { return {1, ++calls}; }
  InvalidationOutcome InvalidateDeviceTlb(const DeviceTlbInvalidation&) override {
    return {1, ++calls};
  }
  InvalidationOutcome InvalidateInterruptEntryCache(const InterruptEntryInvalidation&) override {
    return {1, ++calls};
  }
  int calls = 0;
};

void BM_QueueDescriptors(benchmark::State& state) {
  auto registers =
      RegisterFile::Create(RegisterFileConfig{kR630Version, kR630Cap, kR630Ecap}).value();
  auto memory = HostMemory::Create(uint64_t{1} << 24).value();
  CountingInvalidator caches;
  InvalidationQueue queue(registers.get(), memory.get(), &caches, 46);
  constexpr uint64_t kQueue = 0x10000;
  registers->Write64(0x90, kQueue);  // IQA: 4 KiB, 256 slots
  constexpr int kSlots = 255;        // a full queue: one slot stays empty
  for (int i = 0; i < kSlots; ++i) {
    InvalidationDescriptor d;
    switch (i % 4) {
      case 0:
        d = IotlbInvalidateDescriptor{3, false, false, 1, 0, false, uint64_t(i) << 12};
        break;
      case 1:
        d = ContextCacheInvalidateDescriptor{2, 1, 0, 0};
        break;
      case 2:
        d = InterruptEntryCacheInvalidateDescriptor{true, 0, static_cast<uint16_t>(i)};
        break;
      default:
        d = InvalidationWaitDescriptor{false, true, false, false, uint32_t(i), 0x2000};
        break;
    }
    std::vector<uint64_t> w = EncodeDescriptor(d).value();
    (void)memory->Write64(kQueue + 16 * uint64_t(i), w[0]);
    (void)memory->Write64(kQueue + 16 * uint64_t(i) + 8, w[1]);
  }
  QueueRun run;
  for (auto _ : state) {
    registers->Set(RegId::kIqh, 0);
    registers->Write64(0x88, kSlots * 16);  // IQT
    run.processed.clear();
    queue.ProcessInto(run);
    benchmark::DoNotOptimize(run);
  }
  if (run.processed.size() != kSlots || !run.errors.empty()) state.SkipWithError("queue stalled");
  state.SetItemsProcessed(state.iterations() * kSlots);
  state.SetLabel("queue descriptors");
}
BENCHMARK(BM_QueueDescriptors);

// A unit with QI and IR on (as the Linux sequence leaves it), 64 K IRTEs.
struct UnitSetup {
  std::unique_ptr<HostMemory> memory = HostMemory::Create(uint64_t{1} << 30).value();
  std::unique_ptr<RemappingUnit> unit;
  std::vector<InterruptRequest> requests;

  explicit UnitSetup(int iec_entries) {
    UnitConfig config;
    config.cap = kR630Cap;
    config.ecap = kR630Ecap;
    config.host_address_width = 46;
    // 8-way set associative: a fully associative cache scans every way on each lookup.
    config.caches.interrupt_entry =
        CacheGeometry{.entries = iec_entries, .ways = iec_entries == 0 ? 0 : 8};
    unit = RemappingUnit::Create(config, memory.get()).value();
    for (int i = 0; i < 256; ++i) {
      RemappedIrte e;
      e.present = true;
      e.vector = static_cast<uint8_t>(0x20 + i % 200);
      e.destination = static_cast<uint32_t>(i);
      std::array<uint64_t, 2> w = e.Encode().value();
      (void)memory->Write64(kTable + 16 * uint64_t(i), w[0]);
      (void)memory->Write64(kTable + 16 * uint64_t(i) + 8, w[1]);
      RemappableInterrupt msi{static_cast<uint16_t>(i), true, 0};
      auto [address, data] = msi.Encode();
      requests.push_back(InterruptRequest{SourceId(0x10), 0, address, data});
    }
    unit->WriteRegister64(0x88, 0);           // IQT
    unit->WriteRegister64(0x90, 0x10000);     // IQA
    unit->WriteRegister32(0x18, 0x04000000);  // QIE
    unit->WriteRegister64(0xB8, kTable | (1 << 11) | 15);
    unit->WriteRegister32(0x18, 0x05000000);  // SIRTP
    unit->WriteRegister32(0x18, 0x06000000);  // IRE
  }
};

void BM_UnitInterruptCached(benchmark::State& state) {
  UnitSetup setup(256);  // every IRTE fits in the interrupt entry cache
  for (const InterruptRequest& r : setup.requests) setup.unit->Interrupt(r);
  size_t i = 0;
  for (auto _ : state) {
    InterruptOutcome out = setup.unit->Interrupt(setup.requests[i++ & 255]);
    benchmark::DoNotOptimize(out);
  }
  if (setup.unit->cache_counters(CacheKind::kInterruptEntry).misses != 256) {
    state.SkipWithError("unexpected interrupt entry cache misses");
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("remapped interrupts (unit, IEC hit)");
}
BENCHMARK(BM_UnitInterruptCached);

void BM_UnitInterruptUncached(benchmark::State& state) {
  UnitSetup setup(0);  // no interrupt entry cache: every interrupt reads its IRTE
  size_t i = 0;
  for (auto _ : state) {
    InterruptOutcome out = setup.unit->Interrupt(setup.requests[i++ & 255]);
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetLabel("remapped interrupts (unit, IRTE read)");
}
BENCHMARK(BM_UnitInterruptUncached);

void BM_UnitQueueDescriptors(benchmark::State& state) {
  UnitSetup setup(64);
  constexpr uint64_t kQueue = 0x10000;
  constexpr int kSlots = 255;
  // Every slot of the ring holds a valid descriptor, since each round starts where the last
  // one stopped.
  for (int i = 0; i < 256; ++i) {
    InvalidationDescriptor d;
    switch (i % 4) {
      case 0:
        d = IotlbInvalidateDescriptor{3, false, false, 1, 0, false, uint64_t(i) << 12};
        break;
      case 1:
        d = ContextCacheInvalidateDescriptor{2, 1, 0, 0};
        break;
      case 2:
        d = InterruptEntryCacheInvalidateDescriptor{true, 0, static_cast<uint16_t>(i)};
        break;
      default:
        d = InvalidationWaitDescriptor{false, true, false, false, uint32_t(i), 0x2000};
        break;
    }
    std::vector<uint64_t> w = EncodeDescriptor(d).value();
    (void)setup.memory->Write64(kQueue + 16 * uint64_t(i), w[0]);
    (void)setup.memory->Write64(kQueue + 16 * uint64_t(i) + 8, w[1]);
  }
  uint64_t tail = 0;
  for (auto _ : state) {
    // Each round submits the whole ring once more: IQT moves 255 slots on (mod 256).
    tail = (tail + kSlots * 16) % 4096;
    setup.unit->WriteRegister64(0x88, tail);
  }
  if (setup.unit->queue_descriptors_processed() != uint64_t(state.iterations()) * kSlots) {
    state.SkipWithError("queue stalled");
  }
  state.SetItemsProcessed(state.iterations() * kSlots);
  state.SetLabel("queue descriptors (unit)");
}
BENCHMARK(BM_UnitQueueDescriptors);

}  // namespace
}  // namespace vtd
