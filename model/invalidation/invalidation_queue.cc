#include "model/invalidation/invalidation_queue.h"

#include <cstdint>
#include <cstring>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/str_format.h"
#include "model/common/hex.h"

namespace vtd {
namespace {

using Q = QueueRegisters;

// RTADDR_REG.TTM values (S §11.4.5).
constexpr int kTtmLegacy = 0;
constexpr int kTtmScalable = 1;
constexpr int kTtmAbortDma = 3;

}  // namespace

std::string_view DeviceTlbResponseName(DeviceTlbResponse response) {
  switch (response) {
    case DeviceTlbResponse::kCompleted:
      return "completed";
    case DeviceTlbResponse::kTimeout:
      return "timeout";
    case DeviceTlbResponse::kInvalidCompletion:
      return "invalid_completion";
  }
  return "?";
}

std::string_view QueueErrorKindName(QueueErrorKind kind) {
  switch (kind) {
    case QueueErrorKind::kQueueError:
      return "IQE";
    case QueueErrorKind::kTimeout:
      return "ITE";
    case QueueErrorKind::kInvalidCompletion:
      return "ICE";
  }
  return "?";
}

InvalidationQueue::InvalidationQueue(RegisterFile* registers, HostMemory* memory,
                                     CacheInvalidator* caches, int host_address_width)
    : registers_(registers),
      memory_(memory),
      caches_(caches),
      address_mask_(LowMask(host_address_width)) {}

uint64_t InvalidationQueue::queue_base() const {
  return Q::kIqaBase.InPlace(registers_->Get(RegId::kIqa)) & address_mask_;
}

uint32_t InvalidationQueue::queue_bytes() const {
  return uint32_t{4096} << Q::kIqaQs.Get(registers_->Get(RegId::kIqa));
}

int InvalidationQueue::descriptor_bytes() const {
  return Q::kIqaDw.Get(registers_->Get(RegId::kIqa)) != 0 ? 32 : 16;
}

DescriptorLimits InvalidationQueue::Limits() const {
  const Capability& cap = registers_->cap();
  const ExtendedCapability& ecap = registers_->ecap();
  DescriptorLimits l;
  l.device_tlb = ecap.dt;
  l.page_selective = cap.psi;
  l.max_address_mask = cap.mamv;
  l.max_handle_mask = ecap.mhmv;
  l.device_tlb_throttling = ecap.dit;
  l.page_request_drain = ecap.pds;
  const auto& root = registers_->global_command().active_root_table();
  l.ttm = root.has_value() ? root->ttm() : kTtmLegacy;
  l.page_requests = ecap.prs;
  l.check_page_group_response = check_page_group_response_;
  return l;
}

std::optional<DescriptorProblem> InvalidationQueue::CheckQueueState(uint32_t tail) const {
  const bool wide = descriptor_bytes() == 32;
  // IQT must name a descriptor slot inside the queue (S §11.4.9.9 IQEI 1 and 6).
  if (tail >= queue_bytes()) {
    return DescriptorProblem{
        QueueErrorCode::kInvalidTail,
        absl::StrFormat("IQT %s is beyond the queue (%d bytes, IQA.QS)", Hex(tail), queue_bytes())};
  }
  if (wide && (tail & 0x10) != 0) {
    return DescriptorProblem{
        QueueErrorCode::kTailMisaligned,
        absl::StrFormat("IQT %s has bit 4 set with 256-bit descriptors (IQA.DW=1)", Hex(tail))};
  }
  // The translation table mode decides which descriptor widths are valid (S Table 26).
  const ExtendedCapability& ecap = registers_->ecap();
  const auto& root = registers_->global_command().active_root_table();
  const int ttm = root.has_value() ? root->ttm() : kTtmLegacy;
  const bool ttm_valid =
      ttm == kTtmLegacy || (ttm == kTtmScalable && ecap.smts) || (ttm == kTtmAbortDma && ecap.adms);
  if (!ttm_valid) {
    return DescriptorProblem{
        QueueErrorCode::kInvalidTtm,
        absl::StrFormat("RTADDR.TTM %d%db is not valid for this hardware (S Table 26)", ttm >> 1,
                        ttm & 1)};
  }
  if (!wide && ttm != kTtmLegacy) {
    return DescriptorProblem{
        QueueErrorCode::kInvalidWidth,
        absl::StrFormat("128-bit descriptors (IQA.DW=0) with RTADDR.TTM %d%db (S Table 26)",
                        ttm >> 1, ttm & 1)};
  }
  if (wide && !ecap.smts && !ecap.adms) {
    return DescriptorProblem{
        QueueErrorCode::kInvalidWidth,
        "256-bit descriptors (IQA.DW=1) without ECAP.SMTS or ECAP.ADMS (S §11.4.9.3)"};
  }
  return std::nullopt;
}

bool InvalidationQueue::FaultEventArmed() const {
  const uint64_t fsts = registers_->Get(RegId::kFsts);
  const uint64_t status = Q::kFstsPfo.mask() | Q::kFstsPpf.mask() | Q::kFstsIqe.mask() |
                          Q::kFstsIce.mask() | Q::kFstsIte.mask();
  return (fsts & status) == 0;
}

void InvalidationQueue::SetFaultStatus(QueueRun& run, const BitRange& bit) {
  if (fault_status_handler_) {
    fault_status_handler_(static_cast<uint32_t>(bit.mask()));
    return;
  }
  const bool armed = FaultEventArmed();
  registers_->Set(RegId::kFsts, bit.Set(registers_->Get(RegId::kFsts), 1));
  if (armed) run.events.push_back(SignalEvent(*registers_, kFaultEventRegisters));
}

// Each error records its detail in IQERCD before the FSTS bit that makes it valid is set.
void InvalidationQueue::RaiseQueueError(QueueRun& run, const DescriptorProblem& problem,
                                        uint32_t head) {
  registers_->Set(RegId::kIqercd, Q::kIqercdIqei.Set(registers_->Get(RegId::kIqercd),
                                                     static_cast<uint64_t>(problem.code)));
  run.errors.push_back(
      QueueErrorEvent{QueueErrorKind::kQueueError, problem.code, head, 0, true, problem.message});
  SetFaultStatus(run, Q::kFstsIqe);
}

void InvalidationQueue::RaiseTimeout(QueueRun& run, uint16_t sid, uint32_t head) {
  const bool record = Q::kFstsIte.Get(registers_->Get(RegId::kFsts)) == 0;  // keeps the first
  if (record) {
    registers_->Set(RegId::kIqercd, Q::kIqercdItesid.Set(registers_->Get(RegId::kIqercd), sid));
  }
  run.errors.push_back(
      QueueErrorEvent{QueueErrorKind::kTimeout, QueueErrorCode::kNoInfo, head, sid, record,
                      absl::StrFormat("device-TLB invalidation to %02x:%02x.%x timed out", sid >> 8,
                                      (sid >> 3) & 0x1F, sid & 7)});
  SetFaultStatus(run, Q::kFstsIte);
}

void InvalidationQueue::RaiseInvalidCompletion(QueueRun& run, uint16_t sid, uint32_t head) {
  const bool record = Q::kFstsIce.Get(registers_->Get(RegId::kFsts)) == 0;
  if (record) {
    registers_->Set(RegId::kIqercd, Q::kIqercdIcesid.Set(registers_->Get(RegId::kIqercd), sid));
  }
  run.errors.push_back(QueueErrorEvent{
      QueueErrorKind::kInvalidCompletion, QueueErrorCode::kNoInfo, head, sid, record,
      absl::StrFormat("invalid device-TLB invalidation completion from %02x:%02x.%x", sid >> 8,
                      (sid >> 3) & 0x1F, sid & 7)});
  SetFaultStatus(run, Q::kFstsIce);
}

QueueRun InvalidationQueue::Process() {
  QueueRun run;
  ProcessInto(run);
  return run;
}

void InvalidationQueue::ProcessInto(QueueRun& run) {
  const DescriptorLimits limits = Limits();
  while (true) {
    const uint64_t fsts = registers_->Get(RegId::kFsts);
    // No fetches while IQE or ITE is set (S §6.5.2.11).
    if (Q::kFstsIqe.Get(fsts) != 0 || Q::kFstsIte.Get(fsts) != 0) break;
    const uint32_t head =
        static_cast<uint32_t>(Q::kQueueOffset.InPlace(registers_->Get(RegId::kIqh)));
    const uint32_t tail =
        static_cast<uint32_t>(Q::kQueueOffset.InPlace(registers_->Get(RegId::kIqt)));
    if (head == tail) break;
    if (std::optional<DescriptorProblem> problem = CheckQueueState(tail)) {
      RaiseQueueError(run, *problem, head);
      break;
    }
    const int bytes = descriptor_bytes();
    ProcessedDescriptor p;
    p.offset = head;
    p.width_bits = bytes * 8;
    const uint64_t address = queue_base() + head;
    bool fetched;
    if (bytes == 16) {
      fetched = memory_->HwReadAligned128(
          address, MemoryAccessTag{MemoryAccessKind::kInvalidationDescriptor, 0}, p.words.data());
    } else {
      uint8_t raw[32];
      fetched = memory_
                    ->HwReadBytes(address, absl::MakeSpan(raw),
                                  MemoryAccessTag{MemoryAccessKind::kInvalidationDescriptor, 0})
                    .ok();
      if (fetched) std::memcpy(p.words.data(), raw, sizeof(raw));
    }
    if (!fetched) {
      RaiseQueueError(run,
                      DescriptorProblem{QueueErrorCode::kFetchError,
                                        absl::StrFormat("descriptor fetch at %s failed (outside "
                                                        "memory)",
                                                        Hex(address))},
                      head);
      break;
    }
    auto decoded = DecodeDescriptor(
        absl::MakeConstSpan(p.words.data(), static_cast<size_t>(bytes / 8)), limits);
    if (auto* problem = std::get_if<DescriptorProblem>(&decoded)) {
      // IQH stays on the offending descriptor (S §6.5.2.11).
      RaiseQueueError(run, *problem, head);
      break;
    }
    p.descriptor = std::get<InvalidationDescriptor>(std::move(decoded));
    // Head moves once the descriptor is validated (S §6.5.2).
    registers_->Set(RegId::kIqh, (head + static_cast<uint32_t>(bytes)) % queue_bytes());
    ++descriptors_processed_;
    Execute(run, p);
    const bool stop_for_timeout = pending_timeout_sid_.has_value() &&
                                  std::holds_alternative<InvalidationWaitDescriptor>(p.descriptor);
    run.processed.push_back(std::move(p));
    if (stop_for_timeout) {
      RaiseTimeout(run, *pending_timeout_sid_, head);
      pending_timeout_sid_.reset();
      break;
    }
  }
  if (pending_timeout_sid_.has_value()) {
    const uint32_t head =
        static_cast<uint32_t>(Q::kQueueOffset.InPlace(registers_->Get(RegId::kIqh)));
    RaiseTimeout(run, *pending_timeout_sid_, head);
    pending_timeout_sid_.reset();
  }
}

void InvalidationQueue::Execute(QueueRun& run, ProcessedDescriptor& p) {
  std::visit(
      [&](const auto& d) {
        using D = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<D, ContextCacheInvalidateDescriptor>) {
          if (caches_ != nullptr) p.outcome = caches_->InvalidateContextCache(d.ToRequest());
        } else if constexpr (std::is_same_v<D, IotlbInvalidateDescriptor>) {
          if (caches_ != nullptr) p.outcome = caches_->InvalidateIotlb(d.ToRequest());
        } else if constexpr (std::is_same_v<D, InterruptEntryCacheInvalidateDescriptor>) {
          if (caches_ != nullptr) {
            p.outcome = caches_->InvalidateInterruptEntryCache(d.ToRequest());
          }
        } else if constexpr (std::is_same_v<D, DeviceTlbInvalidateDescriptor>) {
          const DeviceTlbInvalidation request = d.ToRequest();
          if (caches_ != nullptr) p.outcome = caches_->InvalidateDeviceTlb(request);
          AwaitDeviceTlbResponse(run, p, request);
        } else if constexpr (std::is_same_v<D, InvalidationWaitDescriptor>) {
          CompleteWait(run, p, d);
        } else if constexpr (std::is_same_v<D, PasidCacheInvalidateDescriptor>) {
          if (caches_ != nullptr) p.outcome = caches_->InvalidatePasidCache(d.ToRequest());
        } else if constexpr (std::is_same_v<D, PasidIotlbInvalidateDescriptor>) {
          if (caches_ != nullptr) p.outcome = caches_->InvalidatePasidIotlb(d.ToRequest());
        } else if constexpr (std::is_same_v<D, PasidDeviceTlbInvalidateDescriptor>) {
          const PasidDeviceTlbInvalidation request = d.ToRequest();
          if (caches_ != nullptr) p.outcome = caches_->InvalidatePasidDeviceTlb(request);
          // The endpoint answers as for dev_tlb_inv_dsc (S §6.5.2.6).
          AwaitDeviceTlbResponse(
              run, p,
              DeviceTlbInvalidation{request.source_id, request.pfsid, request.max_invs_pending,
                                    request.address, request.size});
        } else if constexpr (std::is_same_v<D, PageGroupResponseWords>) {
          if (caches_ != nullptr) caches_->DeliverPageGroupResponse(d.words);
        }
      },
      p.descriptor);
}

void InvalidationQueue::AwaitDeviceTlbResponse(QueueRun& run, ProcessedDescriptor& p,
                                               const DeviceTlbInvalidation& request) {
  const DeviceTlbResponse response =
      responder_ ? responder_(request) : DeviceTlbResponse::kCompleted;
  p.device_response = response;
  if (response == DeviceTlbResponse::kTimeout && !pending_timeout_sid_.has_value()) {
    pending_timeout_sid_ = request.source_id;
  } else if (response == DeviceTlbResponse::kInvalidCompletion) {
    RaiseInvalidCompletion(run, request.source_id, p.offset);
  }
}

void InvalidationQueue::CompleteWait(QueueRun& run, ProcessedDescriptor& p,
                                     const InvalidationWaitDescriptor& w) {
  if (pending_timeout_sid_.has_value()) {
    // A device-TLB invalidation it covers timed out: the wait is aborted (S §6.5.2.11).
    p.wait_aborted = true;
    return;
  }
  if (w.status_write) {
    const uint64_t address = w.status_address & address_mask_;
    absl::Status s = memory_->HwWrite(address, 4, w.status_data,
                                      MemoryAccessTag{MemoryAccessKind::kInvalidationStatus, 0});
    if (s.ok()) {
      p.status_written = true;
    } else {
      run.diagnostics.push_back(
          absl::StrFormat("inv_wait_dsc at queue offset %s: status write to %s failed: %s",
                          Hex(p.offset), Hex(address), s.message()));
    }
  }
  if (w.interrupt_flag) {
    // S §6.5.2.10: with IWC already set, no new event.
    const uint64_t ics = registers_->Get(RegId::kIcs);
    if (Q::kIcsIwc.Get(ics) == 0) {
      registers_->Set(RegId::kIcs, Q::kIcsIwc.Set(ics, 1));
      p.completion_flagged = true;
      run.events.push_back(SignalEvent(*registers_, kInvalidationEventRegisters));
    }
  }
}

void InvalidationQueue::OnDisabled() {
  registers_->Set(RegId::kIqh, 0);
  pending_timeout_sid_.reset();
}

std::optional<EventMessage> InvalidationQueue::OnEventControlWrite() {
  return ReleasePendingEvent(*registers_, kInvalidationEventRegisters);
}

void InvalidationQueue::OnCompletionStatusWrite() {
  if (Q::kIcsIwc.Get(registers_->Get(RegId::kIcs)) == 0) {
    ClearPendingEvent(*registers_, kInvalidationEventRegisters);
  }
}

}  // namespace vtd
