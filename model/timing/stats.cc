#include "model/timing/stats.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"

namespace vtd::timing {

void LatencyLog::AddRare(uint64_t cycles, uint64_t n) {
  if (cycles < kDense) {
    dense_.assign(kDense, 0);
    dense_[cycles] += n;
  } else {
    sparse_[cycles] += n;
  }
}
namespace {

absl::string_view Sv(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Report order of the caches: as a request meets them.
constexpr CacheKind kCacheOrder[] = {
    CacheKind::kContext, CacheKind::kPasid,    CacheKind::kIotlb,  CacheKind::kPscPml5,
    CacheKind::kPscPml4, CacheKind::kPscPdpte, CacheKind::kPscPde, CacheKind::kInterruptEntry,
};

constexpr MemoryAccessKind kMemoryOrder[] = {
    MemoryAccessKind::kRootEntry,
    MemoryAccessKind::kContextEntry,
    MemoryAccessKind::kPasidDirEntry,
    MemoryAccessKind::kPasidEntry,
    MemoryAccessKind::kSecondStageEntry,
    MemoryAccessKind::kFirstStageEntry,
    MemoryAccessKind::kHptEntry,
    MemoryAccessKind::kIrte,
    MemoryAccessKind::kPostedDescriptor,
    MemoryAccessKind::kInvalidationDescriptor,
    MemoryAccessKind::kInvalidationStatus,
    MemoryAccessKind::kPageRequest,
    MemoryAccessKind::kDmaData,
    MemoryAccessKind::kOther,
};

// Rounds to 4 significant decimals so JSON doubles print the same on every platform.
double Round(double v) {
  return static_cast<double>(static_cast<int64_t>(v * 10000.0 + 0.5)) / 10000.0;
}

Json LatencyJson(const LatencySummary& s, const Stats& stats) {
  Json j = Json::MakeObject();
  j.Set("count", s.count);
  j.Set("total_cycles", s.total);
  j.Set("avg_cycles", Round(s.average));
  j.Set("p50_cycles", s.p50);
  j.Set("p90_cycles", s.p90);
  j.Set("p99_cycles", s.p99);
  j.Set("max_cycles", s.max);
  j.Set("avg_ns", Round(stats.CyclesToNs(s.average)));
  return j;
}

}  // namespace

std::string_view CacheSlotName(int slot) {
  // Slots beyond the last CacheKind are spare (kCacheSlots leaves room for new caches).
  if (slot < 0 || slot >= kCacheSlots || slot > static_cast<int>(CacheKind::kInterruptEntry)) {
    return "";
  }
  return CacheKindName(static_cast<CacheKind>(slot));
}

LatencySummary Summarize(std::vector<uint64_t> latencies) {
  LatencyLog log;
  for (uint64_t v : latencies) log.Add(v);
  return log.Summary();
}

LatencySummary LatencyLog::Summary() const {
  LatencySummary s;
  s.count = count_;
  s.total = total_;
  if (count_ == 0) return s;
  s.average = static_cast<double>(total_) / static_cast<double>(count_);
  // Nearest rank: the value at 1-based rank ceil(p/100 * n).
  const uint64_t ranks[3] = {(50 * count_ + 99) / 100, (90 * count_ + 99) / 100,
                             (99 * count_ + 99) / 100};
  uint64_t* outs[3] = {&s.p50, &s.p90, &s.p99};
  int next = 0;
  uint64_t seen = 0;
  auto visit = [&](uint64_t value, uint64_t n) {
    seen += n;
    while (next < 3 && seen >= std::max<uint64_t>(ranks[next], 1)) *outs[next++] = value;
    s.max = value;
  };
  for (uint64_t v = 0; v < dense_.size(); ++v) {
    if (dense_[v] != 0) visit(v, dense_[v]);
  }
  for (const auto& [v, n] : sparse_) visit(v, n);
  return s;
}

std::vector<uint64_t> LatencyLog::Sorted() const {
  std::vector<uint64_t> out;
  for (uint64_t v = 0; v < dense_.size(); ++v) out.insert(out.end(), dense_[v], v);
  for (const auto& [v, n] : sparse_) out.insert(out.end(), n, v);
  return out;
}

uint64_t Stats::total_reads() const {
  uint64_t n = 0;
  for (uint64_t r : reads) n += r;
  return n;
}

double Stats::average_walk_length() const {
  uint64_t walks = 0, entries = 0;
  for (int i = 0; i < kMaxWalkLength; ++i) {
    walks += walk_lengths[i];
    entries += walk_lengths[i] * static_cast<uint64_t>(i);
  }
  return walks == 0 ? 0.0 : static_cast<double>(entries) / static_cast<double>(walks);
}

Json Stats::ToJson() const {
  Json j = Json::MakeObject();
  j.Set("preset", preset);
  j.Set("clock_mhz", clock_mhz);
  j.Set("cycles", cycles);
  j.Set("ns", Round(CyclesToNs(static_cast<double>(cycles))));
  Json where = Json::MakeObject();
  where.Set("cache_lookups", breakdown.cache_lookups);
  where.Set("memory_reads", breakdown.memory_reads);
  where.Set("memory_writes", breakdown.memory_writes);
  where.Set("faults", breakdown.faults);
  where.Set("interrupt_messages", breakdown.interrupt_messages);
  where.Set("invalidations", breakdown.invalidations);
  where.Set("registers", breakdown.registers);
  j.Set("cycles_by_event", std::move(where));

  Json requests = Json::MakeObject();
  requests.Set("dma", dma_requests);
  requests.Set("interrupt", interrupt_requests);
  requests.Set("other", other_requests);
  j.Set("requests", std::move(requests));
  Json latency = Json::MakeObject();
  latency.Set("dma", LatencyJson(dma_latencies.Summary(), *this));
  latency.Set("interrupt", LatencyJson(interrupt_latencies.Summary(), *this));
  latency.Set("other", LatencyJson(other_latencies.Summary(), *this));
  j.Set("latency", std::move(latency));

  Json caches_json = Json::MakeObject();
  for (CacheKind kind : kCacheOrder) {
    const CacheStats& c = caches[CacheSlot(kind)];
    if (c.lookups() == 0) continue;
    Json cj = Json::MakeObject();
    cj.Set("lookups", c.lookups());
    cj.Set("hits", c.hits);
    cj.Set("misses", c.misses);
    cj.Set("hit_rate", Round(c.hit_rate()));
    caches_json.Set(CacheSlotName(CacheSlot(kind)), std::move(cj));
  }
  j.Set("caches", std::move(caches_json));

  Json walks = Json::MakeObject();
  Json histogram = Json::MakeArray();
  uint64_t walk_count = 0;
  for (uint64_t n : walk_lengths) {
    histogram.Push(n);
    walk_count += n;
  }
  walks.Set("walks", walk_count);
  walks.Set("avg_entries", Round(average_walk_length()));
  walks.Set("histogram", std::move(histogram));
  j.Set("walk_length", std::move(walks));

  Json memory = Json::MakeObject();
  memory.Set("reads", total_reads());
  uint64_t total_writes = 0;
  for (uint64_t w : writes) total_writes += w;
  memory.Set("writes", total_writes);
  memory.Set("read_bytes", read_bytes);
  memory.Set("write_bytes", write_bytes);
  memory.Set("dram_reads", dram_reads);
  memory.Set("llc_hits", llc_hits);
  Json by_kind = Json::MakeObject();
  for (MemoryAccessKind kind : kMemoryOrder) {
    const int slot = MemorySlot(kind);
    if (reads[slot] == 0 && writes[slot] == 0) continue;
    Json k = Json::MakeObject();
    k.Set("reads", reads[slot]);
    k.Set("writes", writes[slot]);
    by_kind.Set(MemoryAccessKindName(kind), std::move(k));
  }
  memory.Set("by_kind", std::move(by_kind));
  j.Set("memory", std::move(memory));

  Json events = Json::MakeObject();
  events.Set("faults_recorded", faults_recorded);
  events.Set("fault_overflows", fault_overflows);
  events.Set("interrupt_messages", interrupt_messages);
  events.Set("invalidations", invalidations);
  events.Set("invalidated_entries", invalidated_entries);
  events.Set("register_reads", register_reads);
  events.Set("register_writes", register_writes);
  j.Set("events", std::move(events));
  return j;
}

std::string Stats::ToTable() const {
  std::string out;
  absl::StrAppendFormat(&out, "timing: preset %s, %d MHz; %d cycles (%.1f ns)\n", preset, clock_mhz,
                        cycles, CyclesToNs(static_cast<double>(cycles)));
  absl::StrAppendFormat(&out, "  %-12s %8s %10s %8s %8s %8s %8s %10s\n", "latency", "count", "avg",
                        "p50", "p90", "p99", "max", "avg ns");
  auto latency_row = [&](std::string_view name, const LatencyLog& log) {
    const LatencySummary s = log.Summary();
    absl::StrAppendFormat(&out, "  %-12s %8d %10.1f %8d %8d %8d %8d %10.1f\n", Sv(name), s.count,
                          s.average, s.p50, s.p90, s.p99, s.max, CyclesToNs(s.average));
  };
  latency_row("dma", dma_latencies);
  latency_row("interrupt", interrupt_latencies);
  latency_row("other", other_latencies);

  absl::StrAppendFormat(&out, "  %-16s %10s %10s %10s %9s\n", "cache", "lookups", "hits", "misses",
                        "hit rate");
  for (CacheKind kind : kCacheOrder) {
    const CacheStats& c = caches[CacheSlot(kind)];
    if (c.lookups() == 0) continue;
    absl::StrAppendFormat(&out, "  %-16s %10d %10d %10d %8.2f%%\n",
                          Sv(CacheSlotName(CacheSlot(kind))), c.lookups(), c.hits, c.misses,
                          100.0 * c.hit_rate());
  }

  uint64_t walks = 0;
  for (uint64_t n : walk_lengths) walks += n;
  absl::StrAppendFormat(&out, "  walks %d, avg %.2f entries:", walks, average_walk_length());
  for (int i = 0; i < kMaxWalkLength; ++i) {
    if (walk_lengths[i] == 0) continue;
    absl::StrAppendFormat(&out, " %d%s:%d", i, i == kMaxWalkLength - 1 ? "+" : "", walk_lengths[i]);
  }
  out += "\n";

  absl::StrAppendFormat(&out, "  memory reads %d (dram %d, llc %d), writes", total_reads(),
                        dram_reads, llc_hits);
  uint64_t total_writes = 0;
  for (uint64_t w : writes) total_writes += w;
  absl::StrAppendFormat(&out, " %d\n", total_writes);
  for (MemoryAccessKind kind : kMemoryOrder) {
    const int slot = MemorySlot(kind);
    if (reads[slot] == 0 && writes[slot] == 0) continue;
    absl::StrAppendFormat(&out, "    %-24s reads %10d  writes %10d\n",
                          Sv(MemoryAccessKindName(kind)), reads[slot], writes[slot]);
  }
  absl::StrAppendFormat(&out,
                        "  faults recorded %d (overflows %d), interrupt messages %d, "
                        "invalidations %d (%d entries), register reads %d writes %d\n",
                        faults_recorded, fault_overflows, interrupt_messages, invalidations,
                        invalidated_entries, register_reads, register_writes);
  absl::StrAppendFormat(&out,
                        "  cycles by event: lookups %d, reads %d, writes %d, faults %d, "
                        "messages %d, invalidations %d, registers %d\n",
                        breakdown.cache_lookups, breakdown.memory_reads, breakdown.memory_writes,
                        breakdown.faults, breakdown.interrupt_messages, breakdown.invalidations,
                        breakdown.registers);
  return out;
}

}  // namespace vtd::timing
