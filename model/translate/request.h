// A DMA request as the remapping hardware sees it (VT-d spec §3.1, §4.1).
#ifndef VTDSIM_MODEL_TRANSLATE_REQUEST_H_
#define VTDSIM_MODEL_TRANSLATE_REQUEST_H_

#include <cstdint>
#include <optional>

#include "absl/status/status.h"
#include "model/fault/fault.h"
#include "model/structs/ids.h"

namespace vtd {

struct DmaRequest {
  uint16_t segment = 0;
  SourceId source_id;
  uint64_t address = 0;  // input address (IOVA, or HPA for translated requests)
  // Bytes accessed: 0..4096, not crossing a 4 KiB boundary. 0 is a zero-length read.
  // Ignored for translation requests.
  int size = 4;
  AccessKind access = AccessKind::kRead;  // ignored for translation requests
  RequestType type = RequestType::kUntranslated;
  std::optional<uint32_t> pasid;  // request-with-PASID (blocked in legacy mode)
  bool privileged = false;        // PR (requests with PASID only; ignored in legacy)
  bool execute = false;           // ER (requests with PASID only; ignored in legacy)
  bool no_write = false;          // ATS translation request NW flag

  RequestClass request_class() const { return ClassifyRequest(type, pasid.has_value()); }
};

// What makes a request malformed (bad input, not a fault), first rule broken.
enum class RequestProblem : uint8_t {
  kNone,
  kPasidTooWide,     // a PASID wider than 20 bits
  kSizeOutOfRange,   // size outside 0..4096 (not for translation requests)
  kZeroLengthWrite,  // only reads may be zero-length
  kCrosses4K,        // the access crosses a 4 KiB boundary
};
// Inline: every request passes through it.
inline RequestProblem CheckRequest(const DmaRequest& request) {
  if (request.pasid.has_value() && *request.pasid >= (1u << 20)) {
    return RequestProblem::kPasidTooWide;
  }
  if (request.type == RequestType::kTranslation) return RequestProblem::kNone;
  if (request.size < 0 || request.size > 4096) return RequestProblem::kSizeOutOfRange;
  if (request.size == 0) {
    return request.access != AccessKind::kRead ? RequestProblem::kZeroLengthWrite
                                               : RequestProblem::kNone;
  }
  if ((request.address & 0xfff) + static_cast<uint64_t>(request.size) > 4096) {
    return RequestProblem::kCrosses4K;
  }
  return RequestProblem::kNone;
}
// InvalidArgument naming `problem` for `request`.
absl::Status RequestProblemError(const DmaRequest& request, RequestProblem problem);
// InvalidArgument naming the problem: size outside 0..4096, crossing a 4 KiB boundary, a
// zero-length write, a PASID wider than 20 bits.
inline absl::Status ValidateRequest(const DmaRequest& request) {
  const RequestProblem problem = CheckRequest(request);
  if (problem == RequestProblem::kNone) return absl::OkStatus();
  return RequestProblemError(request, problem);
}

}  // namespace vtd

#endif  // VTDSIM_MODEL_TRANSLATE_REQUEST_H_
