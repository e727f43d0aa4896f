// A fault as a value (VT-d spec chapter 7): what translation returns instead of a result
// when a request hits a fault condition. The unit decides, from `Reportable()`, whether the
// fault goes to the fault-recording registers; blocking happens either way.
#ifndef VTDSIM_MODEL_FAULT_FAULT_H_
#define VTDSIM_MODEL_FAULT_FAULT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "model/fault/fault_reason.h"
#include "model/structs/ids.h"

namespace vtd {

// The access a DMA request makes. FRCD encodes it in T1/T2 (S §11.4.14): write 00b,
// page request 01b, read 10b, AtomicOp 11b.
enum class AccessKind : uint8_t { kRead, kWrite, kAtomic };
std::string_view AccessKindName(AccessKind kind);  // "read", "write", "atomic"

// The PCIe address type of a request (AT field; FRCD.AT uses the same encoding).
enum class RequestType : uint8_t {
  kUntranslated = 0,  // AT=00b
  kTranslation = 1,   // AT=01b, ATS translation request
  kTranslated = 2,    // AT=10b, uses an address from a translation completion
};
std::string_view RequestTypeName(RequestType type);  // "untranslated", ...

// The Table 30 column for a request.
RequestClass ClassifyRequest(RequestType type, bool with_pasid);

struct Fault {
  FaultReason reason = FaultReason::kRootEntryNotPresent;
  // The Table 30 condition that fired (LCT.4.3 ...), or the Table 15 code's condition.
  FaultCondition condition = FaultCondition::kLrt2;
  uint16_t segment = 0;
  SourceId source_id;
  uint64_t address = 0;  // the request's input address (FRCD.FI holds bits 63:12)
  AccessKind access = AccessKind::kRead;
  RequestType request_type = RequestType::kUntranslated;
  std::optional<uint32_t> pasid;
  bool privileged = false;    // PRIV (requests with PASID)
  bool execute = false;       // EXE (requests with PASID)
  bool page_request = false;  // a page request (recorded with T2:T1 = 01b, S §11.4.7.6)
  // The condition is qualified, and an FPD bit of 1 was seen on the way: not reported.
  bool qualified = false;
  bool fpd = false;
  // The condition answers a translation request with a Success completion (S0/SE): the
  // device sees no permission, and hardware does not report a fault (S §7.1.2).
  bool recoverable = false;
  // Table 30 response to the requester.
  FaultResponse response = FaultResponse::kUnsupportedRequest;

  // True if the fault goes to the fault-recording registers.
  bool Reportable() const { return !recoverable && !(qualified && fpd); }

  // "LCT.3 (0Bh context_entry_reserved) sid 00:02.0 addr 0x1000 read untranslated"
  std::string ToString() const;
};

bool operator==(const Fault& a, const Fault& b);

// Either a value or a Fault: the result type of every walk piece.
template <typename T>
class FaultOr {
 public:
  FaultOr(T value) : v_(std::move(value)) {}      // NOLINT: implicit like StatusOr
  FaultOr(Fault fault) : v_(std::move(fault)) {}  // NOLINT

  bool ok() const { return v_.index() == 0; }
  const T& value() const& { return std::get<0>(v_); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Fault& fault() const { return std::get<1>(v_); }
  const T& operator*() const& { return value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Fault> v_;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_FAULT_FAULT_H_
