#include "model/fault/fault.h"

#include "absl/strings/str_format.h"

namespace vtd {

std::string_view AccessKindName(AccessKind kind) {
  switch (kind) {
    case AccessKind::kRead:
      return "read";
    case AccessKind::kWrite:
      return "write";
    case AccessKind::kAtomic:
      return "atomic";
  }
  return "?";
}

std::string_view RequestTypeName(RequestType type) {
  switch (type) {
    case RequestType::kUntranslated:
      return "untranslated";
    case RequestType::kTranslation:
      return "translation";
    case RequestType::kTranslated:
      return "translated";
  }
  return "?";
}

RequestClass ClassifyRequest(RequestType type, bool with_pasid) {
  switch (type) {
    case RequestType::kUntranslated:
      return with_pasid ? RequestClass::kUntranslatedWithPasid : RequestClass::kUntranslated;
    case RequestType::kTranslation:
      return with_pasid ? RequestClass::kTranslationWithPasid : RequestClass::kTranslation;
    case RequestType::kTranslated:
      return with_pasid ? RequestClass::kTranslatedWithPasid : RequestClass::kTranslated;
  }
  return RequestClass::kUntranslated;
}

std::string Fault::ToString() const {
  std::string s = absl::StrFormat("%s (%s %s) sid %s addr %#x %s %s", FaultConditionName(condition),
                                  FaultReasonHex(reason), FaultReasonSymbol(reason), source_id,
                                  address, AccessKindName(access), RequestTypeName(request_type));
  if (pasid.has_value()) absl::StrAppendFormat(&s, " pasid %#x", *pasid);
  absl::StrAppendFormat(&s, " -> %s", FaultResponseName(response));
  if (!Reportable()) {
    s += recoverable ? " (recoverable, not reported)" : " (suppressed by FPD)";
  }
  return s;
}

bool operator==(const Fault& a, const Fault& b) {
  return a.reason == b.reason && a.condition == b.condition && a.segment == b.segment &&
         a.source_id == b.source_id && a.address == b.address && a.access == b.access &&
         a.request_type == b.request_type && a.pasid == b.pasid && a.privileged == b.privileged &&
         a.execute == b.execute && a.page_request == b.page_request && a.qualified == b.qualified &&
         a.fpd == b.fpd && a.recoverable == b.recoverable && a.response == b.response;
}

}  // namespace vtd
