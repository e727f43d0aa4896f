// RemappingUnit's interrupt remapping (S §5.1.4, §5.2.3) and queued invalidation (S §6.5.2):
// the pure flow of model/interrupt with the unit's interrupt entry cache between the table
// lookup and the entry's use, the invalidation queue engine of model/invalidation driven by
// the unit's register writes, and the faults they raise recorded in the unit's fault ring.
//
// Model choices:
//  * The interrupt entry cache is filled only with entries that passed every check (S §6.4:
//    with CAP.CM=0 faulting IRTEs are not cached); with CM=1 present entries that fail the
//    source-id or reserved-field checks are cached too.
//  * The index bound (21h) is checked before the cache is looked up, so shrinking the table
//    with SIRTP takes effect without an invalidation; the entries themselves stay cached.
//  * SIRTP, and IRE 1->0, invalidate the interrupt entry cache only with CAP.ESIRTPS (S §6.6);
//    otherwise software must issue a global iec_inv_dsc.
#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "model/common/hex.h"
#include "model/pagereq/page_request_descriptor.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

std::string InterruptOutcome::ToString() const {
  if (result.has_value()) return result->ToString();
  if (fault.has_value()) {
    std::string s = "fault " + fault->ToString();
    if (!recorded) s += " (not recorded)";
    return s;
  }
  return "none";
}

absl::Status RemappingUnit::InitInterruptRemapping() {
  absl::StatusOr<InterruptEntryCache> iec =
      InterruptEntryCache::Create(config_.caches.interrupt_entry);
  if (!iec.ok()) return iec.status();
  iec_ = *std::move(iec);
  queue_ = std::make_unique<InvalidationQueue>(registers_.get(), memory_, this,
                                               config_.host_address_width);
  queue_->set_fault_status_handler([this](uint32_t bits) { SetFaultStatus(bits); });
  queue_->set_page_group_response_check(&PageGroupResponseDescriptor::Validate);
  return absl::OkStatus();
}

uint64_t RemappingUnit::queue_descriptors_processed() const {
  return queue_->descriptors_processed();
}

void RemappingUnit::set_device_tlb_responder(DeviceTlbResponder responder) {
  queue_->set_device_tlb_responder(std::move(responder));
}

InterruptRemappingState RemappingUnit::interrupt_remapping_state() const {
  const GlobalCommand& gc = registers_->global_command();
  InterruptRemappingState state;
  state.enabled = gc.interrupt_remapping_enabled();
  state.compatibility_allowed = gc.compatibility_format_allowed();
  state.table = InterruptRemapTableAddress::Decode(gc.active_interrupt_table().value_or(0));
  state.posted_supported = registers_->cap().pi;
  state.x2apic_required = registers_->ecap().eimer;
  state.block_when_disabled = registers_->ecap().irreq;
  state.host_address_width = config_.host_address_width;
  return state;
}

void RemappingUnit::RunInvalidationQueue() {
  // Hardware fetches only while QIES=1 (S §6.5.2).
  if (!registers_->global_command().queued_invalidation_enabled()) return;
  last_queue_run_ = QueueRun{};
  queue_->ProcessInto(last_queue_run_);
  for (const EventMessage& m : last_queue_run_.events) {
    EmitInterruptMessage(InterruptMessageEvent{m.source, m.address, m.data, m.sent});
  }
}

void RemappingUnit::AfterInterruptRegisterWrite(const WriteResult& result) {
  if (result.global_command.has_value()) {
    for (GlobalCommandKind kind : result.global_command->performed) {
      switch (kind) {
        case GlobalCommandKind::kEnableQueuedInvalidation:
          RunInvalidationQueue();  // software should have set IQT = 0 first
          break;
        case GlobalCommandKind::kDisableQueuedInvalidation:
          queue_->OnDisabled();  // IQH back to 0 (S §6.5.2)
          break;
        case GlobalCommandKind::kSetInterruptRemapTablePointer:
          if (registers_->cap().esirtps) {
            InvalidateInterruptEntryCache(InterruptEntryInvalidation{});
          }
          break;
        case GlobalCommandKind::kDisableInterruptRemapping:
          if (registers_->cap().esirtps) {
            InvalidateInterruptEntryCache(InterruptEntryInvalidation{});
          }
          // TES and IRES both 0: the fault-recording index restarts (faults.md §5).
          if (!registers_->global_command().translation_enabled()) recorder_.ResetIndex();
          break;
        default:
          break;
      }
    }
  }
  for (const RegisterWrite& w : result.hooks) {
    switch (w.id) {
      case RegId::kIqt:
        RunInvalidationQueue();
        break;
      case RegId::kFsts: {
        // Software cleared IQE or ITE: hardware fetches again from IQH (S §6.5.2.11).
        constexpr uint64_t kStalls =
            QueueRegisters::kFstsIqe.mask() | QueueRegisters::kFstsIte.mask();
        if ((w.previous & ~w.value & kStalls) != 0) RunInvalidationQueue();
        break;
      }
      case RegId::kIectl:
        if (std::optional<EventMessage> m = queue_->OnEventControlWrite()) {
          EmitInterruptMessage(InterruptMessageEvent{m->source, m->address, m->data, true});
        }
        break;
      case RegId::kIcs:
        queue_->OnCompletionStatusWrite();
        break;
      default:
        break;
    }
  }
}

void RemappingUnit::RecordInterruptFault(const Fault& fault, InterruptOutcome& out) {
  out.fault = fault;
  out.blocked = true;
  if (!fault.Reportable()) return;  // qualified and IRTE.FPD=1
  const FaultRecordingResult r = recorder_.Record(fault);
  FaultRecordEvent event{fault, r.frcd_index, r.overflow || r.dropped_pfo};
  out.recorded = r.frcd_index >= 0;
  for (UnitObserver* o : observers_) o->OnFaultRecorded(event);
  out.fault_record = std::move(event);
  if (r.event_raised) {
    const FaultEventMessage m = recorder_.CurrentMessage();
    out.interrupt_message = InterruptMessageEvent{"fault_event", m.address, m.data, r.message_sent};
    EmitInterruptMessage(*out.interrupt_message);
  }
}

InterruptOutcome RemappingUnit::Interrupt(const InterruptRequest& request, InterruptTrace* trace) {
  InterruptOutcome out;
  FoldHotHits();
  ++request_count_;
  for (UnitObserver* o : observers_) o->OnRequestBegin();
  const InterruptRemappingState state = interrupt_remapping_state();
  [&] {
    FaultOr<InterruptRoute> route = RouteInterrupt(state, request);
    if (!route.ok()) return RecordInterruptFault(route.fault(), out);
    InterruptResult result;
    if (route->pass_through) {
      result.disposition = InterruptDisposition::kPassedThrough;
      result.message = route->message;
      out.result = std::move(result);
      return;
    }
    const uint32_t index = route->index;
    result.index = index;
    if (index >= state.table.entries()) {
      return RecordInterruptFault(
          MakeInterruptFault(FaultReason::kIrIndexOverflow, request, index, false), out);
    }
    IrteFetch fetch;
    const InterruptEntryCache::Entry* hit = iec_.Lookup(index);
    const CacheLookupEvent lookup{CacheKind::kInterruptEntry, hit != nullptr, index, 0};
    for (UnitObserver* o : observers_) o->OnCacheLookup(lookup);
    if (hit != nullptr) {
      out.cache_hit = true;
      fetch.address = hit->value.address;
      fetch.words = hit->value.irte;
      if (config_.check_invalidation) {
        // The invalidation checker: the cached IRTE against what memory holds now.
        for (int q = 0; q < 2; ++q) {
          absl::StatusOr<uint64_t> now = memory_->Read64(fetch.address + 8 * q);  // not observed
          if (now.ok() && *now == fetch.words[q]) continue;
          StaleEntryReport report;
          report.cache = CacheKind::kInterruptEntry;
          report.entry =
              absl::StrFormat("interrupt_entry index %#x %s", index, q == 0 ? "lo" : "hi");
          report.entry_address = fetch.address + 8 * q;
          report.cached_value = fetch.words[q];
          report.memory_value = now.ok() ? *now : 0;
          report.cached_at_step = hit->fill_stamp;
          for (UnitObserver* o : observers_) o->OnStaleEntry(report);
          out.stale.push_back(std::move(report));
        }
      }
    } else {
      FaultOr<IrteFetch> fetched = FetchIrte(state, *memory_, request, index);
      if (!fetched.ok()) return RecordInterruptFault(fetched.fault(), out);
      fetch = *fetched;
    }
    result.irte = fetch;
    if (trace != nullptr) {
      trace->irte = fetch;
      trace->irte_cached = hit != nullptr;
    }
    FaultOr<IrteResolution> resolved = ResolveIrte(state, request, index, fetch.words);
    const bool present = IrteCommon::kPresent.Get(fetch.words[0]) != 0;
    if (hit == nullptr && (resolved.ok() || (registers_->cap().cm && present))) {
      iec_.Fill(index, fetch.address, fetch.words, request_count_);
    }
    if (!resolved.ok()) return RecordInterruptFault(resolved.fault(), out);
    if (!resolved->posted) {
      result.disposition = InterruptDisposition::kRemapped;
      result.message = resolved->message;
      out.result = std::move(result);
      return;
    }
    FaultOr<PostedDelivery> posted =
        PostInterrupt(state, *memory_, request, index, resolved->target, resolved->fpd, trace);
    if (!posted.ok()) return RecordInterruptFault(posted.fault(), out);
    result.disposition = InterruptDisposition::kPosted;
    if (posted->notification.has_value()) result.message = *posted->notification;
    result.posted = *std::move(posted);
    out.result = std::move(result);
  }();
  for (UnitObserver* o : observers_) o->OnRequestEnd();
  return out;
}

}  // namespace vtd
