// RemappingUnit's page request interface (VT-d spec §7.5, ECAP.PRS): a device's page request
// is checked as faults.md §2-§3 say for page requests (the PR and PRn columns), then written
// to the page request queue (model/pagereq); page group responses reach the device through
// the listener.
#include "absl/strings/str_format.h"
#include "model/translate/scalable_lookup.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

PageRequestResult RemappingUnit::PageRequest(const PageRequestDescriptor& request) {
  PageRequestResult out;
  if (!registers_->ecap().prs) {
    out.status = absl::FailedPreconditionError(
        absl::StrFormat("unit %s: page request from %s but ECAP.PRS=0 (no page request queue)",
                        config_.name, SourceId(request.rid)));
    return out;
  }
  // The request as the context and PASID lookups see it. Page requests carry no execute or
  // privilege checks against the PASID entry (SPT.5/SPT.6 are NA for them, faults.md §3).
  DmaRequest lookup;
  lookup.source_id = SourceId(request.rid);
  lookup.address = request.address;
  lookup.access = request.write ? AccessKind::kWrite : AccessKind::kRead;
  if (request.pasid_present) lookup.pasid = request.pasid;

  std::optional<Fault> fault;
  if (walk_config_.ttm() == 0) {
    fault = MakeFault(FaultCondition::kRta3, lookup, false);
  } else {
    fault = CheckRootTableModeFaults(walk_config_, lookup);
  }
  if (!fault.has_value()) {
    FaultOr<ScalableContext> context =
        LookupScalableContextEntry(walk_config_, scalable_masks_, *memory_, lookup);
    if (!context.ok()) {
      fault = context.fault();
    } else if (!context.value().entry.page_request_enable) {
      // SCT.8 (47h): PRE=0. Checked right after the context entry's own checks (model
      // choice: the spec gives no precedence against the PASID checks).
      fault = MakeFault(FaultCondition::kSct8, lookup, context.value().entry.fpd);
    } else {
      FaultOr<PasidLookup> pasid =
          LookupPasidEntry(walk_config_, scalable_masks_, *memory_, context.value(), lookup);
      if (!pasid.ok()) fault = pasid.fault();
    }
  }
  if (fault.has_value()) {
    fault->page_request = true;
    fault->response = request.last_in_group ? FaultResponse::kInvalidRequest : FaultResponse::kDrop;
    fault->pasid = lookup.pasid;
    fault->privileged = request.pasid_present && request.privileged;
    fault->execute = request.pasid_present && request.execute;
    DmaOutcome recorded;
    RecordFault(*fault, recorded);
    out.recorded = recorded.recorded;
    out.fault_record = std::move(recorded.fault_record);
    out.fault_event = recorded.interrupt_message;
    out.fault = std::move(fault);
    // PR: the last request of a group is answered Invalid Request; PRn: dropped.
    if (request.last_in_group) {
      out.response = ResponseTo(request, PageResponseCode::kInvalidRequest);
      if (page_response_listener_) page_response_listener_(*out.response);
    }
    return out;
  }

  PageRequestOutcome queued = QueuePageRequest(*registers_, *memory_, walk_config_.haw, request);
  if (queued.event.has_value()) {
    const EventMessage& m = *queued.event;
    out.page_request_event = InterruptMessageEvent{m.source, m.address, m.data, m.sent};
    EmitInterruptMessage(*out.page_request_event);
  }
  if (queued.response.has_value()) {
    out.response = queued.response;
    if (page_response_listener_) page_response_listener_(*out.response);
  }
  out.queued = std::move(queued);
  return out;
}

void RemappingUnit::DeliverPageGroupResponse(absl::Span<const uint64_t> words) {
  if (page_response_listener_) {
    page_response_listener_(PageGroupResponseDescriptor::Decode(words));
  }
}

}  // namespace vtd
