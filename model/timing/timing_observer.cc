#include "model/timing/timing_observer.h"

#include <algorithm>

namespace vtd::timing {

TimingObserver::TimingObserver(const CostModel& model) : model_(model) {
  hit_cost_.fill(0);
  miss_cost_.fill(0);
  invalidate_cost_.fill(0);
  auto set = [&](CacheKind kind, uint64_t hit, uint64_t miss, uint64_t invalidate) {
    hit_cost_[CacheSlot(kind)] = hit;
    miss_cost_[CacheSlot(kind)] = miss;
    invalidate_cost_[CacheSlot(kind)] = invalidate;
  };
  set(CacheKind::kContext, model.context_hit, model.context_miss, model.invalidate_context);
  set(CacheKind::kPasid, model.pasid_hit, model.pasid_miss, model.invalidate_pasid);
  set(CacheKind::kIotlb, model.iotlb_hit, model.iotlb_miss, model.invalidate_iotlb);
  set(CacheKind::kPscPml5, model.psc_pml5_hit, model.psc_pml5_miss, model.invalidate_psc);
  set(CacheKind::kPscPml4, model.psc_pml4_hit, model.psc_pml4_miss, model.invalidate_psc);
  set(CacheKind::kPscPdpte, model.psc_pdpte_hit, model.psc_pdpte_miss, model.invalidate_psc);
  set(CacheKind::kPscPde, model.psc_pde_hit, model.psc_pde_miss, model.invalidate_psc);
  set(CacheKind::kInterruptEntry, model.interrupt_entry_hit, model.interrupt_entry_miss,
      model.invalidate_interrupt_entry);
  if (model.Validate().ok() && model.llc_lines > 0) {
    llc_tags_.assign(model.llc_lines, 0);
    llc_mask_ = model.llc_lines - 1;
  }
  Reset();
}

void TimingObserver::Reset() {
  std::fill(llc_tags_.begin(), llc_tags_.end(), 0);
  stats_ = Stats{};
  for (CachedShape& shape : cached_shapes_) shape.pending = 0;
  cached_pending_ = false;
  stats_.preset = model_.preset;
  stats_.clock_mhz = model_.clock_mhz;
  step_start_ = 0;
  last_request_cycles_ = 0;
  in_request_ = false;
}

bool TimingObserver::TouchLine(uint64_t address) {
  if (llc_tags_.empty()) return false;
  const uint64_t line = address >> 6;
  uint64_t& tag = llc_tags_[line & llc_mask_];
  const bool hit = tag == line + 1;
  tag = line + 1;
  return hit;
}

void TimingObserver::OnRegisterAccess(uint32_t, int, bool is_write, uint64_t) {
  const uint64_t cost = is_write ? model_.register_write : model_.register_read;
  ++(is_write ? stats_.register_writes : stats_.register_reads);
  stats_.breakdown.registers += cost;
  Charge(cost);
}

void TimingObserver::ChargeLookup(const CacheLookupEvent& event, Request& request) {
  // On every translation: kept branch-light.
  CacheStats& counts = stats_.caches[CacheSlot(event.cache)];
  const uint64_t cost = LookupCost(event);
  ++(event.hit ? counts.hits : counts.misses);
  Classify(event, request);
  stats_.breakdown.cache_lookups += cost;
  Charge(cost);
}

void TimingObserver::OnFaultRecorded(const FaultRecordEvent& event) {
  if (event.overflow) {
    ++stats_.fault_overflows;
    return;  // nothing written (S §7.2.2: FSTS.PFO only)
  }
  if (event.frcd_index < 0) return;
  ++stats_.faults_recorded;
  stats_.breakdown.faults += model_.fault_record;
  Charge(model_.fault_record);
}

void TimingObserver::OnInterruptMessage(const InterruptMessageEvent& event) {
  if (!event.sent) return;  // masked: IP set, no message
  ++stats_.interrupt_messages;
  stats_.breakdown.interrupt_messages += model_.interrupt_message;
  Charge(model_.interrupt_message);
}

void TimingObserver::OnInvalidation(const InvalidationEvent& event) {
  // A request the unit refused (reserved granularity: CAIG/IAIG = 00b) removes nothing and
  // costs nothing beyond the register access.
  const uint64_t cost = event.performed == "none" ? 0 : invalidate_cost_[CacheSlot(event.cache)];
  ++stats_.invalidations;
  stats_.invalidated_entries += static_cast<uint64_t>(std::max(event.entries_removed, 0));
  stats_.breakdown.invalidations += cost;
  Charge(cost);
}

void TimingObserver::EndRequest(const Request& request) {
  last_request_cycles_ = stats_.cycles - request.start;
  CountRequests(request, last_request_cycles_, 1);
}

void TimingObserver::CountRequests(const Request& request, uint64_t latency, uint64_t n) const {
  if (request.is_interrupt) {
    stats_.interrupt_requests += n;
    stats_.interrupt_latencies.Add(latency, n);
  } else if (request.translated) {
    stats_.dma_requests += n;
    stats_.dma_latencies.Add(latency, n);
    if (request.missed_iotlb) {
      stats_.walk_lengths[std::min(request.walk_reads, kMaxWalkLength - 1)] += n;
    }
  } else {
    stats_.other_requests += n;
    stats_.other_latencies.Add(latency, n);
  }
}

void TimingObserver::OnCacheLookup(const CacheLookupEvent& event) { ChargeLookup(event, request_); }

void TimingObserver::OnRequestBegin() {
  in_request_ = true;
  request_ = Request{.start = stats_.cycles};
}

void TimingObserver::OnRequestEnd() {
  if (!in_request_) return;
  in_request_ = false;
  EndRequest(request_);
}

uint32_t TimingObserver::ShapeMemo(absl::Span<const CacheLookupEvent> lookups) {
  if (lookups.size() > kMaxShapeLookups) return 0;
  CachedShape shape;
  shape.count = static_cast<int>(lookups.size());
  for (int i = 0; i < shape.count; ++i) {
    const CacheLookupEvent& event = lookups[static_cast<size_t>(i)];
    shape.slot[static_cast<size_t>(i)] = static_cast<uint8_t>(CacheSlot(event.cache));
    shape.hit[static_cast<size_t>(i)] = event.hit;
    shape.cost += LookupCost(event);
    Classify(event, shape.request);
  }
  for (size_t i = 0; i < cached_shapes_.size(); ++i) {
    const CachedShape& known = cached_shapes_[i];
    if (known.count == shape.count && known.slot == shape.slot && known.hit == shape.hit) {
      return static_cast<uint32_t>(i + 1);
    }
  }
  if (cached_shapes_.size() == kMaxShapes) return 0;
  cached_shapes_.push_back(shape);
  return static_cast<uint32_t>(cached_shapes_.size());
}

void TimingObserver::OnCachedRequest(absl::Span<const CacheLookupEvent> lookups, uint32_t& memo) {
  // As OnRequestBegin, the lookups, OnRequestEnd: what the request leaves in request_ is
  // read by nothing before the next OnRequestBegin.
  in_request_ = false;
  if (memo == 0) return FirstCachedRequest(lookups, memo);
  // Its cycles now, its counts when someone reads them (CountCachedRequests).
  CachedShape& shape = cached_shapes_[memo - 1];
  const uint64_t cost = shape.cost;
  Charge(cost);
  last_request_cycles_ = cost;
  ++shape.pending;
  cached_pending_ = true;
}

void TimingObserver::FirstCachedRequest(absl::Span<const CacheLookupEvent> lookups,
                                        uint32_t& memo) {
  memo = ShapeMemo(lookups);
  if (memo != 0) return OnCachedRequest(lookups, memo);
  Request request{.start = stats_.cycles};
  for (const CacheLookupEvent& event : lookups) ChargeLookup(event, request);
  EndRequest(request);
}

void TimingObserver::CountCachedRequests() const {
  cached_pending_ = false;
  for (CachedShape& shape : cached_shapes_) {
    const uint64_t n = shape.pending;
    if (n == 0) continue;
    shape.pending = 0;
    for (int i = 0; i < shape.count; ++i) {
      CacheStats& counts = stats_.caches[shape.slot[static_cast<size_t>(i)]];
      (shape.hit[static_cast<size_t>(i)] ? counts.hits : counts.misses) += n;
    }
    stats_.breakdown.cache_lookups += shape.cost * n;
    CountRequests(shape.request, shape.cost, n);
  }
}

void TimingObserver::OnRead(uint64_t address, int size, MemoryAccessTag tag) {
  ++stats_.reads[MemorySlot(tag.kind)];
  stats_.read_bytes += static_cast<uint64_t>(std::max(size, 0));
  switch (tag.kind) {
    case MemoryAccessKind::kSecondStageEntry:
    case MemoryAccessKind::kFirstStageEntry:
      ++request_.walk_reads;
      request_.translated = true;
      break;
    case MemoryAccessKind::kRootEntry:
    case MemoryAccessKind::kContextEntry:
    case MemoryAccessKind::kPasidDirEntry:
    case MemoryAccessKind::kPasidEntry:
      request_.translated = true;
      break;
    case MemoryAccessKind::kIrte:
    case MemoryAccessKind::kPostedDescriptor:
      request_.is_interrupt = true;
      break;
    case MemoryAccessKind::kDmaData:
      if (model_.charge_dma_data == 0) return;
      break;
    default:
      break;
  }
  uint64_t cost;
  if (TouchLine(address)) {
    ++stats_.llc_hits;
    cost = model_.memory_llc;
  } else {
    ++stats_.dram_reads;
    cost = model_.memory_dram;
  }
  stats_.breakdown.memory_reads += cost;
  Charge(cost);
}

void TimingObserver::OnWrite(uint64_t address, int size, MemoryAccessTag tag) {
  ++stats_.writes[MemorySlot(tag.kind)];
  stats_.write_bytes += static_cast<uint64_t>(std::max(size, 0));
  if (tag.kind == MemoryAccessKind::kDmaData && model_.charge_dma_data == 0) return;
  TouchLine(address);  // write-allocate: a later read of the line hits
  stats_.breakdown.memory_writes += model_.memory_write;
  Charge(model_.memory_write);
}

}  // namespace vtd::timing
