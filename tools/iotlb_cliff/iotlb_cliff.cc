// iotlb_cliff: the classic IOTLB-reach experiment (pcie-bench, Neugebauer et al., SIGCOMM
// 2018, "lat_dma_sweep"): one device issues 64-byte DMA reads at random 64-byte-aligned
// offsets of a buffer window; the window grows from 8 KiB to 4 GiB; the window is mapped
// with 4 KiB pages and, separately, with 2 MiB pages. For each (page size, window) it builds
// the tables a driver would, programs a fresh unit through its registers, warms the caches,
// then runs the measured accesses with the timing observer attached and prints one CSV row.
//
// It drives the model's library (RemappingUnit, TimingObserver); no modeling logic lives
// here. Usage:
//   iotlb_cliff [--accesses=N] [--max-window=BYTES] [--base-ns=NS] [--seed=S]
//               [--timing=KEY=VALUE ...] > curve.csv
//   iotlb_cliff --cost-model-table [--timing=KEY=VALUE ...]   (the parameters, as Markdown)
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "model/memory/host_memory.h"
#include "model/regs/cap_ecap.h"
#include "model/structs/address_width.h"
#include "model/structs/context_entry.h"
#include "model/structs/second_stage_pte.h"
#include "model/timing/cost_model.h"
#include "model/timing/timing_observer.h"
#include "model/unit/remapping_unit.h"

namespace vtd {
namespace {

constexpr uint32_t kGcmdOffset = 0x18;  // S §11.4.4
constexpr uint32_t kGstsOffset = 0x1c;
constexpr uint32_t kRtaddrOffset = 0x20;
constexpr uint64_t kRootTable = 0x100000;
constexpr uint64_t kContextTable = 0x101000;
constexpr uint64_t kFirstFreeTable = 0x200000;
constexpr uint64_t kIovaBase = uint64_t{1} << 32;    // window start (1 GiB aligned)
constexpr uint64_t kHpaBase = uint64_t{1} << 36;     // where the buffer "is"
constexpr uint64_t kMemorySize = uint64_t{1} << 37;  // sparse: only tables get pages
constexpr int kDmaSize = 64;

struct Options {
  uint64_t accesses = 200000;
  uint64_t min_window = 8 << 10;
  uint64_t max_window = uint64_t{4} << 30;
  double base_ns = 610.3;  // pcie-bench BDW 64 B DMA read, IOMMU off (see README.md)
  uint64_t seed = 1;
  std::vector<timing::CostOverride> overrides;
  bool print_cost_model = false;  // print the cost model as a Markdown table and stop
};

uint64_t Mix(uint64_t& state) {  // splitmix64
  uint64_t x = (state += 0x9e3779b97f4a7c15ull);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// Builds a 4-level second-stage table mapping [kIovaBase, kIovaBase + window) to
// [kHpaBase, ...) with leaves at `leaf_level` (1: 4 KiB, 2: 2 MiB), as a driver would.
class TableWriter {
 public:
  explicit TableWriter(HostMemory& memory) : memory_(memory) {}
  uint64_t NewTable() {
    const uint64_t t = next_;
    next_ += 0x1000;
    return t;
  }
  absl::Status Map(uint64_t root, uint64_t iova, uint64_t hpa, int leaf_level) {
    uint64_t table = root;
    for (int level = 4; level > leaf_level; --level) {
      const uint64_t ea = table + 8 * LevelIndex(iova, level);
      absl::StatusOr<uint64_t> raw = memory_.Read64(ea);
      if (!raw.ok()) return raw.status();
      if (*raw == 0) {
        *raw = NewTable() | 3;  // R|W
        if (absl::Status s = memory_.Write64(ea, *raw); !s.ok()) return s;
      }
      table = *raw & SecondStagePte::kAddress.mask();
    }
    const uint64_t leaf = hpa | 3 | (leaf_level > 1 ? 0x80 : 0);  // PS for superpages
    return memory_.Write64(table + 8 * LevelIndex(iova, leaf_level), leaf);
  }

 private:
  HostMemory& memory_;
  uint64_t next_ = kFirstFreeTable;
};

struct Row {
  uint64_t page_size;
  uint64_t window;
  timing::Stats stats;
};

absl::StatusOr<Row> RunOne(const Options& options, const timing::CostModel& model, int leaf_level,
                           uint64_t window) {
  absl::StatusOr<std::unique_ptr<HostMemory>> memory = HostMemory::Create(kMemorySize);
  if (!memory.ok()) return memory.status();
  HostMemory& mem = **memory;
  UnitConfig config;
  config.cap = kR630Cap;  // SAGAW 4-level, SLLPS 2 MiB + 1 GiB, IOTLB 128 entries x 8 ways
  config.ecap = kR630Ecap;
  config.host_address_width = 46;
  absl::StatusOr<std::unique_ptr<RemappingUnit>> created = RemappingUnit::Create(config, &mem);
  if (!created.ok()) return created.status();
  RemappingUnit& unit = **created;

  const uint64_t page_size = leaf_level == 1 ? 4096 : uint64_t{2} << 20;
  const SourceId sid = SourceId::FromBdf(1, 0, 0);
  TableWriter tables(mem);
  const uint64_t root = tables.NewTable();
  const uint64_t mapped = window < page_size ? page_size : window;
  for (uint64_t off = 0; off < mapped; off += page_size) {
    if (absl::Status s = tables.Map(root, kIovaBase + off, kHpaBase + off, leaf_level); !s.ok()) {
      return s;
    }
  }
  ContextEntry ce;
  ce.present = true;
  ce.aw = 2;  // 48-bit, 4 levels
  ce.did = DomainId(1);
  ce.second_stage_root = root;
  absl::StatusOr<std::array<uint64_t, 2>> words = ce.Encode();
  if (!words.ok()) return words.status();
  absl::Status s = mem.Write64(kRootTable + 16 * sid.bus(), kContextTable | 1);
  if (s.ok()) s = mem.Write64(kContextTable + 16 * sid.devfn(), (*words)[0]);
  if (s.ok()) s = mem.Write64(kContextTable + 16 * sid.devfn() + 8, (*words)[1]);
  if (!s.ok()) return s;
  // S §11.4.4: SRTP, then TE, one command bit at a time, as Linux does.
  unit.WriteRegister64(kRtaddrOffset, kRootTable);
  unit.WriteRegister32(kGcmdOffset, 1u << 30);
  unit.WriteRegister32(kGcmdOffset, (unit.ReadRegister32(kGstsOffset) & 0x96ffffffu) | 1u << 31);
  if ((unit.ReadRegister32(kGstsOffset) & (1u << 31)) == 0) {
    return absl::InternalError("translation did not enable (GSTS.TES = 0)");
  }

  timing::TimingObserver observer(model);
  unit.AddObserver(&observer);
  mem.set_observer(&observer);
  uint64_t rng = options.seed;
  DmaRequest request;
  request.source_id = sid;
  request.size = kDmaSize;
  request.access = AccessKind::kRead;
  const uint64_t slots = window / kDmaSize;
  auto one = [&]() -> absl::Status {
    request.address = kIovaBase + (Mix(rng) % slots) * kDmaSize;
    const DmaResult r = unit.Translate(request);
    if (r.blocked || r.faulted) {
      return absl::InternalError(
          absl::StrFormat("DMA at %#x blocked (%s)", request.address,
                          r.faulted ? FaultConditionName(r.condition) : "not translated"));
    }
    return absl::OkStatus();
  };
  // Warm-up: as many accesses as measured, so the caches reach their steady state.
  for (uint64_t i = 0; i < options.accesses; ++i) {
    if (absl::Status e = one(); !e.ok()) return e;
  }
  observer.Reset();
  for (uint64_t i = 0; i < options.accesses; ++i) {
    if (absl::Status e = one(); !e.ok()) return e;
  }
  mem.set_observer(nullptr);
  return Row{page_size, window, observer.stats()};
}

bool ParseFlag(std::string_view arg, std::string_view name, std::string_view* value) {
  if (arg.substr(0, name.size()) != name || arg.size() <= name.size() || arg[name.size()] != '=') {
    return false;
  }
  *value = arg.substr(name.size() + 1);
  return true;
}

int Main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    std::string_view v;
    auto number = [&](uint64_t* out) {
      if (!absl::SimpleAtoi(absl::string_view(v.data(), v.size()), out) || *out == 0) {
        std::fprintf(stderr, "iotlb_cliff: bad number in %s\n", argv[i]);
        std::exit(2);
      }
    };
    if (ParseFlag(arg, "--accesses", &v)) {
      number(&options.accesses);
    } else if (ParseFlag(arg, "--max-window", &v)) {
      number(&options.max_window);
    } else if (ParseFlag(arg, "--min-window", &v)) {
      number(&options.min_window);
    } else if (ParseFlag(arg, "--seed", &v)) {
      number(&options.seed);
    } else if (ParseFlag(arg, "--base-ns", &v)) {
      if (!absl::SimpleAtod(absl::string_view(v.data(), v.size()), &options.base_ns)) {
        std::fprintf(stderr, "iotlb_cliff: bad number in %s\n", argv[i]);
        return 2;
      }
    } else if (arg == "--cost-model-table") {
      options.print_cost_model = true;
    } else if (ParseFlag(arg, "--timing", &v)) {
      const size_t eq = v.find('=');
      uint64_t value = 0;
      if (eq == std::string_view::npos ||
          !absl::SimpleAtoi(absl::string_view(v.data() + eq + 1, v.size() - eq - 1), &value)) {
        std::fprintf(stderr, "iotlb_cliff: --timing wants KEY=NUMBER, not '%s'\n", argv[i]);
        return 2;
      }
      options.overrides.push_back({std::string(v.substr(0, eq)), value, "--timing"});
    } else {
      std::fprintf(stderr,
                   "usage: iotlb_cliff [--accesses=N] [--min-window=BYTES] [--max-window=BYTES]"
                   " [--base-ns=NS] [--seed=S] [--timing=KEY=VALUE ...] [--cost-model-table]\n");
      return 2;
    }
  }
  timing::CostModel model = timing::CostModel::Default();
  if (absl::Status s = timing::ApplyOverrides(options.overrides, model); !s.ok()) {
    std::fprintf(stderr, "iotlb_cliff: %s\n", std::string(s.message()).c_str());
    return 2;
  }
  if (options.print_cost_model) {
    std::fputs(timing::ParameterTableMarkdown(model).c_str(), stdout);
    return 0;
  }
  std::printf(
      "page_size,window_bytes,pages,accesses,iotlb_hit_rate,psc_pde_hit_rate,avg_walk_entries,"
      "avg_cycles,p50_cycles,p99_cycles,avg_translation_ns,model_dma_read_ns,effective_gbps\n");
  for (int leaf_level : {1, 2}) {
    for (uint64_t window = options.min_window; window <= options.max_window; window *= 2) {
      absl::StatusOr<Row> row = RunOne(options, model, leaf_level, window);
      if (!row.ok()) {
        std::fprintf(stderr, "iotlb_cliff: %s\n", std::string(row.status().message()).c_str());
        return 1;
      }
      const timing::Stats& st = row->stats;
      const timing::LatencySummary lat = st.dma_latencies.Summary();
      const double translation_ns = st.CyclesToNs(lat.average);
      const double dma_ns = options.base_ns + translation_ns;
      // One read outstanding at a time, as in pcie-bench's latency test: bytes per latency.
      const double gbps = kDmaSize * 8.0 / dma_ns;
      const uint64_t pages = (window + row->page_size - 1) / row->page_size;
      // A cache never looked up has no hit rate: the field stays empty.
      auto rate = [&](CacheKind kind) {
        const timing::CacheStats& c = st.caches[timing::CacheSlot(kind)];
        return c.lookups() == 0 ? std::string() : absl::StrFormat("%.4f", c.hit_rate());
      };
      absl::PrintF("%s,%d,%d,%d,%s,%s,%.3f,%.1f,%d,%d,%.1f,%.1f,%.4f\n",
                   leaf_level == 1 ? "4K" : "2M", window, pages, lat.count, rate(CacheKind::kIotlb),
                   rate(CacheKind::kPscPde), st.average_walk_length(), lat.average, lat.p50,
                   lat.p99, translation_ns, dma_ns, gbps);
    }
  }
  return 0;
}

}  // namespace
}  // namespace vtd

int main(int argc, char** argv) { return vtd::Main(argc, argv); }
