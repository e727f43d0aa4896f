#include "model/translate/translation.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "model/common/hex.h"

namespace vtd {
namespace {

Completion CompletionFor(FaultResponse response) {
  switch (response) {
    case FaultResponse::kCompleterAbort:
      return Completion::kCompleterAbort;
    case FaultResponse::kSuccessNoAccess:
    case FaultResponse::kSuccessEffective:
      return Completion::kSuccess;
    default:
      return Completion::kUnsupportedRequest;
  }
}

}  // namespace

std::string_view TranslationKindName(TranslationKind kind) {
  switch (kind) {
    case TranslationKind::kFirstStage:
      return "first_stage";
    case TranslationKind::kSecondStage:
      return "second_stage";
    case TranslationKind::kNested:
      return "nested";
    case TranslationKind::kPassThrough:
      return "pass_through";
  }
  return "?";
}

std::string_view CompletionName(Completion completion) {
  switch (completion) {
    case Completion::kSuccess:
      return "success";
    case Completion::kUnsupportedRequest:
      return "UR";
    case Completion::kCompleterAbort:
      return "CA";
  }
  return "?";
}

Json WalkStep::ToJson() const {
  Json j = Json::MakeObject();
  j.Set("structure", structure);
  if (level != 0) j.Set("level", level);
  j.Set("index", index);
  j.Set("index_bits", absl::StrFormat("%s[%d:%d]", index_source, index_bits.hi, index_bits.lo));
  j.Set("entry_address", Hex(entry_address));
  Json raw_json = Json::MakeArray();
  for (int i = 0; i < raw_qwords; ++i) raw_json.Push(Hex(raw[i]));
  j.Set("raw", std::move(raw_json));
  j.Set("fields", decoded);
  return j;
}

Fault MakeFault(FaultCondition condition, const DmaRequest& request, bool fpd) {
  const FaultConditionInfo& info = GetFaultConditionInfo(condition);
  Fault f;
  f.reason = info.reason;
  f.condition = condition;
  f.segment = request.segment;
  f.source_id = request.source_id;
  f.address = request.address;
  f.access = request.access;
  f.request_type = request.type;
  f.pasid = request.pasid;
  f.privileged = request.privileged;
  f.execute = request.execute;
  f.qualified = GetFaultReasonInfo(info.reason).qualified;
  f.fpd = fpd;
  f.response = info.ResponseFor(request.request_class());
  f.recoverable = f.response == FaultResponse::kSuccessNoAccess ||
                  f.response == FaultResponse::kSuccessEffective;
  return f;
}

TranslateResult FaultResult(Fault fault, const std::optional<Translation>& effective) {
  TranslateResult result;
  result.completion = CompletionFor(fault.response);
  if (result.completion == Completion::kSuccess) {
    AtsCompletion ats;  // S0: R=W=U=S=0
    ats.privileged = fault.pasid.has_value() && fault.privileged;
    if (fault.response == FaultResponse::kSuccessEffective && effective.has_value()) {
      ats.read = effective->read;
      ats.write = effective->write;
      if (ats.read || ats.write) {
        ats.address = effective->page_base;
        ats.size = effective->page_size;
        ats.no_snoop = effective->snoop;
      }
      result.translation = effective;
    }
    result.ats = ats;
  }
  result.fault = std::move(fault);
  return result;
}

}  // namespace vtd
