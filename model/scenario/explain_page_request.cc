// The explanation of a `page_request` step (explain.h): the request the device sent, what the
// unit's lookup said (S §7.5: it is refused like a translation, faults.md PR/PRn columns),
// the descriptor written at the tail of the page request queue, PRS and the page request
// event, and the page group response hardware sent itself.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "model/common/hex.h"
#include "model/scenario/explain.h"
#include "model/scenario/internal/explain_internal.h"

namespace vtd::scenario {
namespace {

// Palette indexes of explain_svg.h, named for what they mark here.
constexpr int kDescriptorColor = 3;
constexpr int kRegisterColor = 1;
constexpr int kResponseColor = 5;

ExplainField Flag(std::string name, bool value) { return {std::move(name), value ? "1" : "0"}; }
ExplainField Number(std::string name, uint64_t value) { return {std::move(name), Hex(value)}; }

// The page request descriptor's fields, in the order of its layout (type 01h).
std::vector<ExplainField> RequestFields(const PageRequestDescriptor& d) {
  return {{"type", "1 page_req_dsc"}, Flag("PP", d.pasid_present), Number("RID", d.rid),
          Number("PASID", d.pasid),   Flag("ER", d.execute),       Flag("PM", d.privileged),
          Flag("RDR", d.read),        Flag("WRR", d.write),        Flag("LPIG", d.last_in_group),
          Number("PRGI", d.prgi),     Number("ADDR", d.address)};
}

std::string PrsText(uint64_t prs) {
  return absl::StrFormat("PPR=%d PRO=%d", static_cast<int>(kPrsPpr.Get(prs)),
                         static_cast<int>(kPrsPro.Get(prs)));
}

}  // namespace

Explanation ExplainPageRequest(const PageRequestExplainInput& in) {
  Explanation x;
  x.kind = "page_request";
  const PageRequestDescriptor& d = in.request;
  const SourceId sid(d.rid);
  const char* access = d.read ? (d.write ? "read and write" : "read") : (d.write ? "write" : "no");
  x.title =
      absl::StrFormat("page request from %s for %s access to %s%s", sid, access, Hex(d.address),
                      d.pasid_present ? absl::StrCat(" in PASID ", Hex(d.pasid)) : "");
  x.AddLine(absl::StrFormat(
      "request: the device asks software to make page %s present (%s access%s%s) as part of "
      "page request group %s%s; it waits for a page group response (S §7.5)",
      Hex(d.address), access, d.privileged ? ", supervisor" : "", d.execute ? ", execute" : "",
      Hex(d.prgi), d.last_in_group ? ", the last request of the group (LPIG=1)" : ""));
  const PageRequestResult* out = in.result;
  if (out == nullptr) return x;
  if (out->fault) {
    x.fault = true;
    x.AddLine(
        "the unit looks up the requester's context as for a translation (root, scalable-mode "
        "context entry PRE, PASID structures) before queueing; it refused the request "
        "(faults.md PR/PRn columns: a fault record with T2:T1=01b)");
    x.outcome = internal::FaultText(*out->fault, out->recorded, out->fault_record);
  } else if (out->queued) {
    const PageRequestOutcome& q = *out->queued;
    ExplainEntry e;
    e.title = "page request descriptor";
    e.section = "§7.5.1";
    e.chosen_by = absl::StrFormat("the queue tail: PQA %s + PQT %s", Hex(kPqaBase.InPlace(in.pqa)),
                                  Hex(kPqOffset.InPlace(in.pqt_before)));
    if (q.kind == PageRequestOutcome::Kind::kQueued) {
      e.address = q.descriptor_address;
      if (absl::StatusOr<std::array<uint64_t, 4>> words = d.Encode(); words.ok()) {
        e.raw.assign(words->begin(), words->begin() + 2);
      }
      e.mark = EntryMark::kWritten;
      e.note = absl::StrFormat(
          "PQT %s -> %s (one 32-byte slot of %d)", Hex(kPqOffset.InPlace(in.pqt_before)),
          Hex(kPqOffset.InPlace(in.pqt_after)), PageRequestQueueEntries(in.pqa));
    } else {
      e.mark = EntryMark::kNotRead;
      e.note = q.kind == PageRequestOutcome::Kind::kOverflow
                   ? "not written: the queue is full (advancing PQT would reach PQH): PRS.PRO set"
                   : "not written: the slot's address is beyond HAW or outside memory";
    }
    e.fields = RequestFields(d);
    e.color = kDescriptorColor;
    x.AddEntry(std::move(e));
    ExplainEntry prs;
    prs.title = "PRS_REG after";
    prs.section = "§11.4.11";
    prs.raw = {in.prs_after};
    prs.fields = {Flag("PPR", kPrsPpr.Get(in.prs_after)), Flag("PRO", kPrsPro.Get(in.prs_after))};
    prs.color = kRegisterColor;
    x.AddEntry(std::move(prs), absl::StrFormat("PRS %s -> %s (pending page request, overflow)",
                                               PrsText(in.prs_before), PrsText(in.prs_after)));
    x.outcome = q.kind == PageRequestOutcome::Kind::kQueued
                    ? absl::StrFormat(
                          "result: queued at %s; software handles it and answers "
                          "with a page group response (descriptor 9h)",
                          Hex(q.descriptor_address))
                    : "result: not queued";
    x.fault = q.kind != PageRequestOutcome::Kind::kQueued;
  }
  if (out->page_request_event) {
    x.AddLine(absl::StrFormat(
        "page request event %s: MSI to %s data %s (PEADDR/PEDATA; sent only when PPR and PRO "
        "were both clear, held as PECTL.IP while PECTL.IM=1)",
        out->page_request_event->sent ? "sent" : "pending (PECTL.IM=1: IP set)",
        Hex(out->page_request_event->address), Hex(out->page_request_event->data)));
  } else if (!out->fault) {
    x.AddLine("no page request event: PPR or PRO was already set, so software has one pending");
  }
  if (out->response) {
    const PageGroupResponseDescriptor& r = *out->response;
    ExplainEntry e;
    e.title = "page group response sent by hardware";
    e.section = "§7.6.1";
    e.fields = {Flag("PP", r.pasid_present),
                {"RC", std::string(PageResponseCodeName(r.response_code))},
                Number("RID", r.rid),
                Number("PASID", r.pasid),
                Number("PRGI", r.prgi)};
    e.mark = EntryMark::kWritten;
    e.color = kResponseColor;
    e.note = out->fault ? "the last request of a refused group is answered Invalid Request, so "
                          "the device stops waiting (faults.md PR column IR)"
                        : "an overflowed last request is answered by hardware, since software "
                          "never sees it";
    x.AddEntry(std::move(e));
  }
  return x;
}

}  // namespace vtd::scenario
