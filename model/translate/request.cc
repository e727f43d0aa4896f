#include "model/translate/request.h"

#include "absl/strings/str_format.h"

namespace vtd {

absl::Status ValidateRequest(const DmaRequest& request) {
  if (request.pasid.has_value() && *request.pasid >= (1u << 20)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PASID %#x is wider than 20 bits", *request.pasid));
  }
  if (request.type == RequestType::kTranslation) return absl::OkStatus();
  if (request.size < 0 || request.size > 4096) {
    return absl::InvalidArgumentError(
        absl::StrFormat("request size %d is outside 0..4096", request.size));
  }
  if (request.size == 0 && request.access != AccessKind::kRead) {
    return absl::InvalidArgumentError("only reads may be zero-length");
  }
  if (request.size > 0 && (request.address & 0xfff) + static_cast<uint64_t>(request.size) > 4096) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "request of %d bytes at %#x crosses a 4 KiB boundary", request.size, request.address));
  }
  return absl::OkStatus();
}

}  // namespace vtd
