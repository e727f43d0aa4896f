// Invalidation-queue descriptors (VT-d spec §6.5.2, Table 26): one typed struct per
// descriptor type, with Decode from raw qwords, Encode back, and the reserved fields each
// defines. Descriptors are 128 bits (IQA.DW=0) or 256 bits (IQA.DW=1, where a 128-bit type
// is zero-padded: S §6.5.2 "128-bit descriptors ... in a 256-bit queue"), so every
// Decode/Validate of types 1..5 takes 2 or 4 qwords and their Encode gives either form; the
// 256-bit types take and give 4.
//
// The descriptor type is 7 bits: Type[3:0] in bits 3:0 and Type[6:4] in bits 11:9.
// Types 6..8 (PASID-based IOTLB, PASID cache, PASID-based device-TLB) are 256-bit types,
// valid only with RTADDR.TTM 01b (scalable) or 11b (abort-DMA); in legacy mode they are
// invalid types (Table 26). Types 9 (page-group response) and 0xA (HPT cache) need ECAP.PRS
// and ECAP.HPTS, which the model does not offer, so they are always invalid types.
#ifndef VTDSIM_MODEL_INVALIDATION_DESCRIPTORS_H_
#define VTDSIM_MODEL_INVALIDATION_DESCRIPTORS_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/common/bits.h"
#include "model/invalidation/cache_invalidation.h"

namespace vtd {

// Descriptor type values (S §6.5.2, Table 26).
enum class DescriptorType : uint8_t {
  kContextCache = 0x1,         // cc_inv_dsc
  kIotlb = 0x2,                // iotlb_inv_dsc
  kDeviceTlb = 0x3,            // dev_tlb_inv_dsc
  kInterruptEntryCache = 0x4,  // iec_inv_dsc
  kInvalidationWait = 0x5,     // inv_wait_dsc
  kPasidIotlb = 0x6,           // p_iotlb_inv_dsc (scalable mode)
  kPasidCache = 0x7,           // pc_inv_dsc (scalable mode)
  kPasidDeviceTlb = 0x8,       // p_dev_tlb_inv_dsc (scalable mode)
  kPageGroupResponse = 0x9,    // page_grp_resp_dsc (ECAP.PRS)
  kHptCache = 0xA,             // hpt_inv_desc (ECAP.HPTS, 5.0+)
};
// "cc_inv_dsc", ... for 1..0xA; "reserved" otherwise.
std::string_view DescriptorTypeName(int type);

// The 7-bit type of a descriptor from its first qword: Type[6:4] = bits 11:9, Type[3:0] =
// bits 3:0.
constexpr int DescriptorTypeOf(uint64_t qw0) {
  return static_cast<int>(((qw0 >> 5) & 0x70) | (qw0 & 0xF));
}

// IQERCD_REG.IQEI: why the invalidation queue stopped (S §11.4.9.9).
enum class QueueErrorCode : uint8_t {
  kNoInfo = 0,
  kInvalidTail = 1,     // IQT beyond the queue
  kFetchError = 2,      // error fetching the descriptor
  kInvalidType = 3,     // type not valid in this mode (Table 26) or with these capabilities
  kReservedField = 4,   // reserved field set in a valid descriptor type
  kInvalidWidth = 5,    // DW=0 with TTM 01b/11b, or DW=1 without SMTS and ADMS
  kTailMisaligned = 6,  // DW=1 and IQT bit 4 set
  kInvalidTtm = 7,      // RTADDR.TTM not valid for this hardware
};
std::string_view QueueErrorCodeName(QueueErrorCode code);  // "invalid_tail", ...

// Why a descriptor cannot be processed.
struct DescriptorProblem {
  QueueErrorCode code;
  std::string message;  // names the field and the value
};

// The widths and capabilities that decide which descriptor fields are reserved or which
// values are invalid (from CAP/ECAP).
struct DescriptorLimits {
  bool device_tlb = false;             // ECAP.DT: types 3 (and 8) valid
  bool page_selective = false;         // CAP.PSI: iotlb_inv_dsc G=11b valid
  int max_address_mask = 0;            // CAP.MAMV: largest iotlb_inv_dsc AM
  int max_handle_mask = 0;             // ECAP.MHMV: largest iec_inv_dsc IM
  bool device_tlb_throttling = false;  // ECAP.DIT: PFSID fields defined
  bool page_request_drain = false;     // ECAP.PDS: inv_wait_dsc PD defined
  // RTADDR.TTM as latched (00b legacy, 01b scalable, 11b abort-DMA): types 6..8 are valid
  // only with 01b or 11b (S Table 26). The queue checks the TTM and width pairing first.
  int ttm = 0;
  bool page_requests = false;  // ECAP.PRS: type 9 (page_grp_resp_dsc) valid in scalable mode
  // The page request interface owns the page_grp_resp_dsc format (model/pagereq): its check
  // of the 4 qwords (reserved fields, response code), given by the unit. Without it type 9
  // is invalid.
  std::optional<DescriptorProblem> (*check_page_group_response)(absl::Span<const uint64_t> words,
                                                                bool page_requests) = nullptr;
};

// Context-cache invalidate descriptor, type 1 (S §6.5.2.1).
struct ContextCacheInvalidateDescriptor {
  static constexpr DescriptorType kType = DescriptorType::kContextCache;
  static constexpr BitRange kG{5, 4};      // Bits 5:4: granularity (00b invalid)
  static constexpr BitRange kDid{31, 16};  // Bits 31:16: DID
  static constexpr BitRange kSid{47, 32};  // Bits 47:32: SID
  static constexpr BitRange kFm{49, 48};   // Bits 49:48: function mask
  // Bits 8:6, 15:12, 63:50 and all of 127:64 are reserved.
  static constexpr uint64_t kReservedLo = BitMask(8, 6) | BitMask(15, 12) | BitMask(63, 50);
  static constexpr uint64_t kReservedHi = ~uint64_t{0};

  uint8_t granularity = 1;  // 01b global, 10b domain, 11b device (ContextInvalidation values)
  uint16_t did = 0;
  uint16_t sid = 0;
  uint8_t function_mask = 0;

  static ContextCacheInvalidateDescriptor Decode(absl::Span<const uint64_t> words);
  // Reserved fields and invalid values; nullopt if the descriptor may be processed.
  static std::optional<DescriptorProblem> Validate(absl::Span<const uint64_t> words,
                                                   const DescriptorLimits& limits);
  // 2 qwords (128-bit) or 4 (256-bit, zero-padded). InvalidArgument if a value does not fit.
  absl::StatusOr<std::vector<uint64_t>> Encode(int width_bits = 128) const;
  ContextInvalidation ToRequest() const;
  // The same descriptor in scalable mode, where the context cache is not tagged by DID
  // (S §6.5.2.1): domain-selective acts as global, and DID is ignored for device-selective.
  ContextInvalidation ToScalableRequest() const;
  bool operator==(const ContextCacheInvalidateDescriptor&) const = default;
};

// IOTLB invalidate descriptor, type 2 (S §6.5.2.3).
struct IotlbInvalidateDescriptor {
  static constexpr DescriptorType kType = DescriptorType::kIotlb;
  static constexpr BitRange kG{5, 4};      // Bits 5:4: 01b global, 10b domain, 11b page
  static constexpr BitRange kDw = Bit(6);  // Bit 6: drain writes
  static constexpr BitRange kDr = Bit(7);  // Bit 7: drain reads
  static constexpr BitRange kDid{31, 16};  // Bits 31:16: DID
  // High qword, positions relative to bit 64.
  static constexpr BitRange kAm{5, 0};      // Bits 69:64: address mask
  static constexpr BitRange kIh = Bit(6);   // Bit 70: invalidation hint
  static constexpr BitRange kAddr{63, 12};  // Bits 127:76: ADDR
  // Bits 8, 15:12, 63:32 and 75:71 are reserved.
  static constexpr uint64_t kReservedLo = Bit(8).mask() | BitMask(15, 12) | BitMask(63, 32);
  static constexpr uint64_t kReservedHi = BitMask(11, 7);

  uint8_t granularity = 1;
  bool drain_writes = false;
  bool drain_reads = false;
  uint16_t did = 0;
  uint8_t address_mask = 0;
  bool invalidation_hint = false;
  uint64_t address = 0;  // 4 KiB aligned, in place

  static IotlbInvalidateDescriptor Decode(absl::Span<const uint64_t> words);
  static std::optional<DescriptorProblem> Validate(absl::Span<const uint64_t> words,
                                                   const DescriptorLimits& limits);
  absl::StatusOr<std::vector<uint64_t>> Encode(int width_bits = 128) const;
  // The page-selective address is aligned down to the 2^AM-page region it names.
  IotlbInvalidation ToRequest() const;
  bool operator==(const IotlbInvalidateDescriptor&) const = default;
};

// Device-TLB invalidate descriptor, type 3 (S §6.5.2.5).
struct DeviceTlbInvalidateDescriptor {
  static constexpr DescriptorType kType = DescriptorType::kDeviceTlb;
  static constexpr BitRange kPfsidLow{15, 12};   // Bits 15:12: PFSID[3:0] (ECAP.DIT)
  static constexpr BitRange kMip{20, 16};        // Bits 20:16: max invalidations pending
  static constexpr BitRange kSid{47, 32};        // Bits 47:32: SID of the endpoint
  static constexpr BitRange kPfsidHigh{63, 52};  // Bits 63:52: PFSID[15:4] (ECAP.DIT)
  static constexpr BitRange kSize = Bit(0);      // Bit 64: S
  static constexpr BitRange kAddr{63, 12};       // Bits 127:76: ADDR
  // Bits 8:4, 31:21, 51:48 and 75:65 are reserved; PFSID too when ECAP.DIT=0.
  static constexpr uint64_t kReservedLo = BitMask(8, 4) | BitMask(31, 21) | BitMask(51, 48);
  static constexpr uint64_t kReservedHi = BitMask(11, 1);

  uint16_t pfsid = 0;
  uint8_t max_invs_pending = 0;
  uint16_t sid = 0;
  bool size = false;
  uint64_t address = 0;  // in place

  static DeviceTlbInvalidateDescriptor Decode(absl::Span<const uint64_t> words);
  static std::optional<DescriptorProblem> Validate(absl::Span<const uint64_t> words,
                                                   const DescriptorLimits& limits);
  absl::StatusOr<std::vector<uint64_t>> Encode(int width_bits = 128) const;
  DeviceTlbInvalidation ToRequest() const;
  bool operator==(const DeviceTlbInvalidateDescriptor&) const = default;
};

// Interrupt-entry-cache invalidate descriptor, type 4 (S §6.5.2.7).
struct InterruptEntryCacheInvalidateDescriptor {
  static constexpr DescriptorType kType = DescriptorType::kInterruptEntryCache;
  static constexpr BitRange kG = Bit(4);    // Bit 4: 0 global, 1 index-selective
  static constexpr BitRange kIm{31, 27};    // Bits 31:27: index mask
  static constexpr BitRange kIidx{47, 32};  // Bits 47:32: interrupt index
  // Bits 8:5, 26:12, 63:48 and all of 127:64 are reserved.
  static constexpr uint64_t kReservedLo = BitMask(8, 5) | BitMask(26, 12) | BitMask(63, 48);
  static constexpr uint64_t kReservedHi = ~uint64_t{0};

  bool index_selective = false;
  uint8_t index_mask = 0;
  uint16_t index = 0;

  static InterruptEntryCacheInvalidateDescriptor Decode(absl::Span<const uint64_t> words);
  static std::optional<DescriptorProblem> Validate(absl::Span<const uint64_t> words,
                                                   const DescriptorLimits& limits);
  absl::StatusOr<std::vector<uint64_t>> Encode(int width_bits = 128) const;
  InterruptEntryInvalidation ToRequest() const;
  bool operator==(const InterruptEntryCacheInvalidateDescriptor&) const = default;
};

// Invalidation wait descriptor, type 5 (S §6.5.2.8).
struct InvalidationWaitDescriptor {
  static constexpr DescriptorType kType = DescriptorType::kInvalidationWait;
  static constexpr BitRange kIf = Bit(4);           // Bit 4: interrupt flag (ICS.IWC)
  static constexpr BitRange kSw = Bit(5);           // Bit 5: status write
  static constexpr BitRange kFn = Bit(6);           // Bit 6: fence
  static constexpr BitRange kPd = Bit(7);           // Bit 7: page-request drain (ECAP.PDS)
  static constexpr BitRange kStatusData{63, 32};    // Bits 63:32: status data
  static constexpr BitRange kStatusAddress{63, 2};  // Bits 127:66: status address
  // Bits 8, 31:12 and 65:64 are reserved; PD too when ECAP.PDS=0.
  static constexpr uint64_t kReservedLo = Bit(8).mask() | BitMask(31, 12);
  static constexpr uint64_t kReservedHi = BitMask(1, 0);

  bool interrupt_flag = false;
  bool status_write = false;
  bool fence = false;
  bool page_request_drain = false;
  uint32_t status_data = 0;
  uint64_t status_address = 0;  // dword aligned, in place

  static InvalidationWaitDescriptor Decode(absl::Span<const uint64_t> words);
  static std::optional<DescriptorProblem> Validate(absl::Span<const uint64_t> words,
                                                   const DescriptorLimits& limits);
  absl::StatusOr<std::vector<uint64_t>> Encode(int width_bits = 128) const;
  bool operator==(const InvalidationWaitDescriptor&) const = default;
};

// PASID-based IOTLB invalidate descriptor, type 6, 256-bit (S §6.5.2.4).
struct PasidIotlbInvalidateDescriptor {
  static constexpr DescriptorType kType = DescriptorType::kPasidIotlb;
  static constexpr BitRange kG{5, 4};        // Bits 5:4: 10b PASID, 11b page (00b, 01b invalid)
  static constexpr BitRange kDid{31, 16};    // Bits 31:16: DID
  static constexpr BitRange kPasid{51, 32};  // Bits 51:32: PASID
  // Qword 1, positions relative to bit 64.
  static constexpr BitRange kAm{5, 0};      // Bits 69:64: address mask
  static constexpr BitRange kIh = Bit(6);   // Bit 70: invalidation hint
  static constexpr BitRange kAddr{63, 12};  // Bits 127:76: ADDR
  // Bits 8:6, 15:12, 63:52, 75:71 and all of 255:128 are reserved.
  static constexpr uint64_t kReservedLo = BitMask(8, 6) | BitMask(15, 12) | BitMask(63, 52);
  static constexpr uint64_t kReservedHi = BitMask(11, 7);

  uint8_t granularity = 2;
  uint16_t did = 0;
  uint32_t pasid = 0;
  uint8_t address_mask = 0;
  bool invalidation_hint = false;
  uint64_t address = 0;  // 4 KiB aligned, in place

  static PasidIotlbInvalidateDescriptor Decode(absl::Span<const uint64_t> words);
  // Any AM is valid: with SMTS=1 hardware supports every mask regardless of CAP.PSI/MAMV.
  static std::optional<DescriptorProblem> Validate(absl::Span<const uint64_t> words,
                                                   const DescriptorLimits& limits);
  // 4 qwords; InvalidArgument for width_bits 128 (a 256-bit type) or a value that does not fit.
  absl::StatusOr<std::vector<uint64_t>> Encode(int width_bits = 256) const;
  // The page-selective address is aligned down to the 2^AM-page region it names.
  PasidIotlbInvalidation ToRequest() const;
  bool operator==(const PasidIotlbInvalidateDescriptor&) const = default;
};

// PASID-cache invalidate descriptor, type 7, 256-bit (S §6.5.2.2).
struct PasidCacheInvalidateDescriptor {
  static constexpr DescriptorType kType = DescriptorType::kPasidCache;
  static constexpr BitRange kG{5, 4};      // Bits 5:4: 00b domain, 01b PASID, 11b global (10b inv.)
  static constexpr BitRange kDid{31, 16};  // Bits 31:16: DID
  static constexpr BitRange kPasid{51, 32};  // Bits 51:32: PASID (ignored unless G=01b)
  // Bits 8:6, 15:12, 63:52 and all of 255:64 are reserved.
  static constexpr uint64_t kReservedLo = BitMask(8, 6) | BitMask(15, 12) | BitMask(63, 52);
  static constexpr uint64_t kReservedHi = ~uint64_t{0};

  uint8_t granularity = 3;
  uint16_t did = 0;
  uint32_t pasid = 0;

  static PasidCacheInvalidateDescriptor Decode(absl::Span<const uint64_t> words);
  static std::optional<DescriptorProblem> Validate(absl::Span<const uint64_t> words,
                                                   const DescriptorLimits& limits);
  absl::StatusOr<std::vector<uint64_t>> Encode(int width_bits = 256) const;
  PasidCacheInvalidation ToRequest() const;
  bool operator==(const PasidCacheInvalidateDescriptor&) const = default;
};

// PASID-based device-TLB invalidate descriptor, type 8, 256-bit (S §6.5.2.6).
struct PasidDeviceTlbInvalidateDescriptor {
  static constexpr DescriptorType kType = DescriptorType::kPasidDeviceTlb;
  static constexpr BitRange kMip{8, 4};          // Bits 8:4: max invalidations pending
  static constexpr BitRange kPfsidLow{15, 12};   // Bits 15:12: PFSID[3:0] (ECAP.DIT)
  static constexpr BitRange kSid{31, 16};        // Bits 31:16: SID of the endpoint
  static constexpr BitRange kPasid{51, 32};      // Bits 51:32: PASID (ignored when GI=1)
  static constexpr BitRange kPfsidHigh{63, 52};  // Bits 63:52: PFSID[15:4] (ECAP.DIT)
  // Qword 1, positions relative to bit 64.
  static constexpr BitRange kGlobal = Bit(0);  // Bit 64: GI, every PASID
  static constexpr BitRange kSize = Bit(11);   // Bit 75: S
  static constexpr BitRange kAddr{63, 12};     // Bits 127:76: ADDR
  // Bits 74:65 and all of 255:128 are reserved; PFSID too when ECAP.DIT=0.
  static constexpr uint64_t kReservedLo = 0;
  static constexpr uint64_t kReservedHi = BitMask(10, 1);

  uint8_t max_invs_pending = 0;
  uint16_t pfsid = 0;
  uint16_t sid = 0;
  uint32_t pasid = 0;
  bool global = false;
  bool size = false;
  uint64_t address = 0;  // in place

  static PasidDeviceTlbInvalidateDescriptor Decode(absl::Span<const uint64_t> words);
  static std::optional<DescriptorProblem> Validate(absl::Span<const uint64_t> words,
                                                   const DescriptorLimits& limits);
  absl::StatusOr<std::vector<uint64_t>> Encode(int width_bits = 256) const;
  PasidDeviceTlbInvalidation ToRequest() const;
  bool operator==(const PasidDeviceTlbInvalidateDescriptor&) const = default;
};

// page_grp_resp_dsc (type 0x9, 256-bit; invalidation.md §3.9) as fetched: its fields are the
// page request interface's (PageGroupResponseDescriptor in model/pagereq), which decodes it
// when it reaches the device (CacheInvalidator::DeliverPageGroupResponse).
struct PageGroupResponseWords {
  static constexpr DescriptorType kType = DescriptorType::kPageGroupResponse;
  std::array<uint64_t, 4> words{};
  // The 4 qwords as they are; InvalidArgument for a 128-bit queue.
  absl::StatusOr<std::vector<uint64_t>> Encode(int width_bits = 256) const;
  bool operator==(const PageGroupResponseWords&) const = default;
};

using InvalidationDescriptor =
    std::variant<ContextCacheInvalidateDescriptor, IotlbInvalidateDescriptor,
                 DeviceTlbInvalidateDescriptor, InterruptEntryCacheInvalidateDescriptor,
                 InvalidationWaitDescriptor, PasidIotlbInvalidateDescriptor,
                 PasidCacheInvalidateDescriptor, PasidDeviceTlbInvalidateDescriptor,
                 PageGroupResponseWords>;

// Decodes and validates one descriptor: `words` is 2 qwords (DW=0) or 4 (DW=1). A problem
// (IQEI 3 or 4) if the type is not valid in the mode limits.ttm names (1..5 in legacy mode,
// 1..8 in scalable and abort-DMA mode), a type the capabilities exclude (device-TLB types
// without ECAP.DT), an invalid granularity, or a reserved field is set; IQEI 5 for a 256-bit
// type in 2 qwords. Checks the type first, then the fields.
std::variant<InvalidationDescriptor, DescriptorProblem> DecodeDescriptor(
    absl::Span<const uint64_t> words, const DescriptorLimits& limits);

// Encodes any descriptor (width_bits 128 or 256).
absl::StatusOr<std::vector<uint64_t>> EncodeDescriptor(const InvalidationDescriptor& descriptor,
                                                       int width_bits = 128);

// One line for traces: "iotlb_inv_dsc page did 0x1 addr 0x10000 am 0 ih 0".
std::string DescribeDescriptor(const InvalidationDescriptor& descriptor);

}  // namespace vtd

#endif  // VTDSIM_MODEL_INVALIDATION_DESCRIPTORS_H_
