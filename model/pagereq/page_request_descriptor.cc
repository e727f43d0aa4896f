#include "model/pagereq/page_request_descriptor.h"

#include "absl/strings/str_format.h"
#include "model/common/hex.h"

namespace vtd {
namespace {

absl::Status TooWide(std::string_view descriptor, std::string_view field, uint64_t value) {
  return absl::InvalidArgumentError(
      absl::StrFormat("%s: %s value %#x does not fit its field", descriptor, field, value));
}

constexpr std::string_view kPageRequest = "page_req_dsc";
constexpr std::string_view kPageGroupResponse = "page_grp_resp_dsc";

}  // namespace

absl::StatusOr<PageRequestDescriptor> PageRequestDescriptor::Decode(
    absl::Span<const uint64_t> words) {
  if (words.size() != 4) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %d qwords, must be 4 (256-bit)", kPageRequest, words.size()));
  }
  if (kType.Get(words[0]) != kTypeValue) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: type %#x, must be 0x1", kPageRequest, kType.Get(words[0])));
  }
  if ((words[0] & kReservedLo) != 0 || words[2] != 0 || words[3] != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: reserved bits set (qword 0 %#x, qword 2 %#x, qword 3 %#x)",
                        kPageRequest, words[0] & kReservedLo, words[2], words[3]));
  }
  PageRequestDescriptor d;
  d.pasid_present = kPasidPresent.Get(words[0]) != 0;
  d.rid = static_cast<uint16_t>(kRid.Get(words[0]));
  d.pasid = static_cast<uint32_t>(kPasid.Get(words[0]));
  d.execute = kExecute.Get(words[0]) != 0;
  d.privileged = kPrivileged.Get(words[0]) != 0;
  d.read = kRead.Get(words[1]) != 0;
  d.write = kWrite.Get(words[1]) != 0;
  d.last_in_group = kLastInGroup.Get(words[1]) != 0;
  d.prgi = static_cast<uint16_t>(kPrgi.Get(words[1]));
  d.address = kAddress.InPlace(words[1]);
  return d;
}

absl::StatusOr<std::array<uint64_t, 4>> PageRequestDescriptor::Encode() const {
  if (!kPasid.Fits(pasid)) return TooWide(kPageRequest, "PASID", pasid);
  if (!kPrgi.Fits(prgi)) return TooWide(kPageRequest, "PRGI", prgi);
  if (!IsAligned(address, 4096)) return TooWide(kPageRequest, "ADDR (not 4 KiB aligned)", address);
  uint64_t lo = kType.Set(0, kTypeValue);
  lo = kPasidPresent.Set(lo, pasid_present ? 1 : 0);
  lo = kRid.Set(lo, rid);
  lo = kPasid.Set(lo, pasid);
  lo = kExecute.Set(lo, execute ? 1 : 0);
  lo = kPrivileged.Set(lo, privileged ? 1 : 0);
  uint64_t hi = kRead.Set(0, read ? 1 : 0);
  hi = kWrite.Set(hi, write ? 1 : 0);
  hi = kLastInGroup.Set(hi, last_in_group ? 1 : 0);
  hi = kPrgi.Set(hi, prgi);
  hi |= address;
  return std::array<uint64_t, 4>{lo, hi, 0, 0};
}

Json PageRequestDescriptor::ToJson() const {
  Json j = Json::MakeObject();
  j.Set("rid", Hex(rid));
  if (pasid_present) j.Set("pasid", Hex(pasid));
  j.Set("read", read ? 1 : 0);
  j.Set("write", write ? 1 : 0);
  j.Set("execute", execute ? 1 : 0);
  j.Set("privileged", privileged ? 1 : 0);
  j.Set("lpig", last_in_group ? 1 : 0);
  j.Set("prgi", static_cast<int>(prgi));
  j.Set("address", Hex(address));
  return j;
}

std::string_view PageResponseCodeName(PageResponseCode code) {
  switch (code) {
    case PageResponseCode::kSuccess:
      return "success";
    case PageResponseCode::kInvalidRequest:
      return "invalid_request";
    case PageResponseCode::kResponseFailure:
      return "response_failure";
  }
  return "reserved";
}

PageGroupResponseDescriptor PageGroupResponseDescriptor::Decode(absl::Span<const uint64_t> words) {
  PageGroupResponseDescriptor d;
  d.pasid_present = kPasidPresent.Get(words[0]) != 0;
  d.response_code = static_cast<PageResponseCode>(kResponseCode.Get(words[0]));
  d.rid = static_cast<uint16_t>(kRid.Get(words[0]));
  d.pasid = static_cast<uint32_t>(kPasid.Get(words[0]));
  d.prgi = static_cast<uint16_t>(kPrgi.Get(words[1]));
  return d;
}

std::optional<DescriptorProblem> PageGroupResponseDescriptor::Validate(
    absl::Span<const uint64_t> words, bool page_requests) {
  if (!page_requests) {
    return DescriptorProblem{
        QueueErrorCode::kInvalidType,
        "descriptor type 0x9 (page_grp_resp_dsc) without ECAP.PRS (S Table 26)"};
  }
  if (words.size() != 4) {
    return DescriptorProblem{
        QueueErrorCode::kInvalidWidth,
        "descriptor type 0x9 (page_grp_resp_dsc) is 256-bit: not valid with IQA.DW=0"};
  }
  if ((words[0] & kReservedLo) != 0 || (words[1] & kReservedHi) != 0 || words[2] != 0 ||
      words[3] != 0) {
    return DescriptorProblem{
        QueueErrorCode::kReservedField,
        absl::StrFormat("%s: reserved bits set (qword 0 %#x, qword 1 %#x, qword 2 %#x, "
                        "qword 3 %#x)",
                        kPageGroupResponse, words[0] & kReservedLo, words[1] & kReservedHi,
                        words[2], words[3])};
  }
  const uint64_t rc = kResponseCode.Get(words[0]);
  if (rc >= 0x2 && rc <= 0xE) {
    return DescriptorProblem{
        QueueErrorCode::kReservedField,
        absl::StrFormat("%s: response code %#x is reserved (0 success, 1 invalid request, "
                        "0xf response failure)",
                        kPageGroupResponse, rc)};
  }
  return std::nullopt;
}

absl::StatusOr<std::array<uint64_t, 4>> PageGroupResponseDescriptor::Encode() const {
  if (!kPasid.Fits(pasid)) return TooWide(kPageGroupResponse, "PASID", pasid);
  if (!kPrgi.Fits(prgi)) return TooWide(kPageGroupResponse, "PRGI", prgi);
  const auto rc = static_cast<uint64_t>(response_code);
  if (rc >= 0x2 && rc <= 0xE) return TooWide(kPageGroupResponse, "RC (reserved value)", rc);
  uint64_t lo = static_cast<uint64_t>(kType);
  lo = kPasidPresent.Set(lo, pasid_present ? 1 : 0);
  lo = kResponseCode.Set(lo, rc);
  lo = kRid.Set(lo, rid);
  lo = kPasid.Set(lo, pasid);
  return std::array<uint64_t, 4>{lo, kPrgi.Set(0, prgi), 0, 0};
}

PageGroupResponseDescriptor ResponseTo(const PageRequestDescriptor& request,
                                       PageResponseCode code) {
  PageGroupResponseDescriptor r;
  r.pasid_present = request.pasid_present;
  r.response_code = code;
  r.rid = request.rid;
  r.pasid = request.pasid;
  r.prgi = request.prgi;
  return r;
}

}  // namespace vtd
