#include "model/translate/request.h"

#include "absl/strings/str_format.h"

namespace vtd {

absl::Status RequestProblemError(const DmaRequest& request, RequestProblem problem) {
  switch (problem) {
    case RequestProblem::kNone:
      return absl::OkStatus();
    case RequestProblem::kPasidTooWide:
      return absl::InvalidArgumentError(
          absl::StrFormat("PASID %#x is wider than 20 bits", request.pasid.value_or(0)));
    case RequestProblem::kSizeOutOfRange:
      return absl::InvalidArgumentError(
          absl::StrFormat("request size %d is outside 0..4096", request.size));
    case RequestProblem::kZeroLengthWrite:
      return absl::InvalidArgumentError("only reads may be zero-length");
    case RequestProblem::kCrosses4K:
      return absl::InvalidArgumentError(absl::StrFormat(
          "request of %d bytes at %#x crosses a 4 KiB boundary", request.size, request.address));
  }
  return absl::InvalidArgumentError("malformed request");
}

}  // namespace vtd
