// The two descriptors of the page request interface (VT-d spec §7.5; ECAP.PRS):
//
//  * the page request descriptor (page_req_dsc, 256-bit) hardware writes into the page
//    request queue for each page request a device sends (PCIe PRI "Page Request Message");
//  * the page group response descriptor (page_grp_resp_dsc, type 0x9, 256-bit) software
//    submits through the invalidation queue to answer a page request group
//    (invalidation.md §3.9), which hardware sends to the device as a PRG Response Message.
//
// Page request descriptor layout (not in the digest; from the public layout Linux's
// `struct page_req_dsc` uses for the 3.0+ 256-bit format): bits 7:0 type (01h), 8 PP (PASID
// present), 31:16 RID, 51:32 PASID, 52 ER (execute requested), 53 PM (privileged mode
// requested); bit 64 RDR (read requested), 65 WRR (write requested), 66 LPIG (last page in
// group), 75:67 PRGI (page request group index), 127:76 ADDR (page address). Bits 15:9 and
// 63:54 are reserved, and qwords 2-3 (private data before 3.4) are reserved.
#ifndef VTDSIM_MODEL_PAGEREQ_PAGE_REQUEST_DESCRIPTOR_H_
#define VTDSIM_MODEL_PAGEREQ_PAGE_REQUEST_DESCRIPTOR_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/common/bits.h"
#include "model/common/json.h"
#include "model/invalidation/descriptors.h"

namespace vtd {

// A page request as written to the page request queue (S §7.5.1).
struct PageRequestDescriptor {
  static constexpr uint64_t kTypeValue = 0x01;       // page_req_dsc
  static constexpr BitRange kType{7, 0};             // Bits 7:0: type
  static constexpr BitRange kPasidPresent = Bit(8);  // Bit 8: PP
  static constexpr BitRange kRid{31, 16};            // Bits 31:16: requester-id
  static constexpr BitRange kPasid{51, 32};          // Bits 51:32: PASID (valid if PP)
  static constexpr BitRange kExecute = Bit(52);      // Bit 52: ER
  static constexpr BitRange kPrivileged = Bit(53);   // Bit 53: PM
  // Qword 1, positions relative to bit 64.
  static constexpr BitRange kRead = Bit(0);         // Bit 64: RDR
  static constexpr BitRange kWrite = Bit(1);        // Bit 65: WRR
  static constexpr BitRange kLastInGroup = Bit(2);  // Bit 66: LPIG
  static constexpr BitRange kPrgi{11, 3};           // Bits 75:67: PRGI
  static constexpr BitRange kAddress{63, 12};       // Bits 127:76: ADDR
  static constexpr uint64_t kReservedLo = BitMask(15, 9) | BitMask(63, 54);

  bool pasid_present = false;
  uint16_t rid = 0;
  uint32_t pasid = 0;
  bool execute = false;
  bool privileged = false;
  bool read = false;
  bool write = false;
  bool last_in_group = false;
  uint16_t prgi = 0;
  uint64_t address = 0;  // page address, 4 KiB aligned (in place)

  // InvalidArgument naming the field: a type other than 01h, reserved bits set (bits 15:9,
  // 63:54, qwords 2-3), or not 4 qwords.
  static absl::StatusOr<PageRequestDescriptor> Decode(absl::Span<const uint64_t> words);
  // InvalidArgument naming the field if a value does not fit (PASID > 20 bits, PRGI > 9
  // bits, an address not 4 KiB aligned).
  absl::StatusOr<std::array<uint64_t, 4>> Encode() const;
  Json ToJson() const;
  bool operator==(const PageRequestDescriptor&) const = default;
};

// Page group response codes (invalidation.md §3.9; PCIe PRG Response Message).
enum class PageResponseCode : uint8_t {
  kSuccess = 0x0,
  kInvalidRequest = 0x1,
  kResponseFailure = 0xF,
};
std::string_view PageResponseCodeName(PageResponseCode code);  // "success", ...

// Page group response descriptor, type 0x9, 256-bit (invalidation.md §3.9, S §7.6.1).
struct PageGroupResponseDescriptor {
  static constexpr DescriptorType kType = DescriptorType::kPageGroupResponse;
  static constexpr BitRange kPasidPresent = Bit(4);  // Bit 4: PP
  static constexpr BitRange kResponseCode{15, 12};   // Bits 15:12: RC
  static constexpr BitRange kRid{31, 16};            // Bits 31:16: RID
  static constexpr BitRange kPasid{51, 32};          // Bits 51:32: PASID
  // Qword 1, positions relative to bit 64.
  static constexpr BitRange kPrgi{11, 3};  // Bits 75:67: PRGI
  // Bits 8:5 and 63:52 reserved; bits 65:64 and 127:76 reserved (bit 66, LPIG before 5.10,
  // is ignored); qwords 2-3 reserved.
  static constexpr uint64_t kReservedLo = BitMask(8, 5) | BitMask(63, 52);
  static constexpr uint64_t kReservedHi = BitMask(1, 0) | BitMask(63, 12);

  bool pasid_present = false;
  PageResponseCode response_code = PageResponseCode::kSuccess;
  uint16_t rid = 0;
  uint32_t pasid = 0;
  uint16_t prgi = 0;

  // Fields of 4 qwords, without checks (Validate first).
  static PageGroupResponseDescriptor Decode(absl::Span<const uint64_t> words);
  // Why the descriptor cannot be processed: type 0x9 without ECAP.PRS or in a 128-bit queue
  // (invalid type / width), a reserved field set or a reserved response code (2h-Eh).
  static std::optional<DescriptorProblem> Validate(absl::Span<const uint64_t> words,
                                                   bool page_requests);
  // 4 qwords; InvalidArgument if a value does not fit.
  absl::StatusOr<std::array<uint64_t, 4>> Encode() const;
  bool operator==(const PageGroupResponseDescriptor&) const = default;
};

// The response hardware itself sends for a page request (the device sees the same PRG
// Response Message as from a page_grp_resp_dsc).
PageGroupResponseDescriptor ResponseTo(const PageRequestDescriptor& request, PageResponseCode code);

}  // namespace vtd

#endif  // VTDSIM_MODEL_PAGEREQ_PAGE_REQUEST_DESCRIPTOR_H_
