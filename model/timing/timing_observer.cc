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
  const int slot = CacheSlot(event.cache);
  CacheStats& counts = stats_.caches[slot];
  const uint64_t cost = event.hit ? hit_cost_[slot] : miss_cost_[slot];
  ++(event.hit ? counts.hits : counts.misses);
  request.translated = true;
  request.missed_iotlb |= !event.hit && event.cache == CacheKind::kIotlb;
  request.is_interrupt |= event.cache == CacheKind::kInterruptEntry;
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
  if (request.is_interrupt) {
    ++stats_.interrupt_requests;
    stats_.interrupt_latencies.Add(last_request_cycles_);
  } else if (request.translated) {
    ++stats_.dma_requests;
    stats_.dma_latencies.Add(last_request_cycles_);
    if (request.missed_iotlb) {
      ++stats_.walk_lengths[std::min(request.walk_reads, kMaxWalkLength - 1)];
    }
  } else {
    ++stats_.other_requests;
    stats_.other_latencies.Add(last_request_cycles_);
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

void TimingObserver::OnCachedRequest(absl::Span<const CacheLookupEvent> lookups) {
  // As OnRequestBegin, the lookups, OnRequestEnd: what the request leaves in request_ is
  // read by nothing before the next OnRequestBegin.
  in_request_ = false;
  Request request{.start = stats_.cycles};
  for (const CacheLookupEvent& event : lookups) ChargeLookup(event, request);
  EndRequest(request);
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
