#include "model/invalidation/descriptors.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "model/common/hex.h"
#include "model/common/status_macros.h"

namespace vtd {
namespace {

// Type field bits (S §6.5.2): Type[3:0] = 3:0, Type[6:4] = 11:9.
constexpr BitRange kTypeLow{3, 0};
constexpr BitRange kTypeHigh{11, 9};

uint64_t Word(absl::Span<const uint64_t> words, size_t i) {
  return i < words.size() ? words[i] : 0;
}

std::optional<DescriptorProblem> Reserved(std::string_view what, std::string_view field,
                                          uint64_t bits) {
  return DescriptorProblem{
      QueueErrorCode::kReservedField,
      absl::StrFormat("%s: reserved bits %s set in %s", what, Hex(bits), field)};
}

// Reserved bits: QW0/QW1 fields given by `reserved_lo`/`reserved_hi`, and QW2, QW3 (the zero
// padding of a 128-bit type in a 256-bit queue, or the reserved upper half of a 256-bit type).
std::optional<DescriptorProblem> CheckReserved(std::string_view what,
                                               absl::Span<const uint64_t> words,
                                               uint64_t reserved_lo, uint64_t reserved_hi,
                                               bool wide_type = false) {
  if (const uint64_t bits = Word(words, 0) & reserved_lo; bits != 0) {
    return Reserved(what, "bits 63:0", bits);
  }
  if (const uint64_t bits = Word(words, 1) & reserved_hi; bits != 0) {
    return Reserved(what, "bits 127:64", bits);
  }
  for (size_t i = 2; i < words.size(); ++i) {
    if (words[i] != 0) {
      if (wide_type) return Reserved(what, i == 2 ? "bits 191:128" : "bits 255:192", words[i]);
      return Reserved(what,
                      i == 2 ? "bits 191:128 (256-bit padding)" : "bits 255:192 (256-bit padding)",
                      words[i]);
    }
  }
  return std::nullopt;
}

std::optional<DescriptorProblem> InvalidValue(std::string_view what, std::string message) {
  return DescriptorProblem{QueueErrorCode::kInvalidType, absl::StrFormat("%s: %s", what, message)};
}

absl::Status FieldTooWide(std::string_view what, std::string_view field, uint64_t value) {
  return absl::InvalidArgumentError(
      absl::StrFormat("%s: %s %s does not fit its field", what, field, Hex(value)));
}

// A value an Encode() places in a field narrower than its type, with the field's name.
struct FieldValue {
  std::string_view name;
  BitRange field;
  uint64_t value;
};

// An address an Encode() places as it is, which must have its low bits clear.
struct AlignedAddress {
  std::string_view name;  // with the alignment, e.g. "ADDR (not 4 KiB aligned)"
  uint64_t value;
  uint64_t alignment;
};

// The checks every Encode() makes before placing fields: the queue's descriptor width (128 or
// 256 bits, S §6.5.2; the 256-bit types 6..0xA have no 128-bit form), then each narrow value
// against its field and the address against its alignment, in that order.
absl::Status CheckEncodable(std::string_view what, int width_bits, bool wide_type,
                            std::initializer_list<FieldValue> fields,
                            std::optional<AlignedAddress> address = std::nullopt) {
  if (wide_type && width_bits != 256) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s is a 256-bit descriptor: width %d is not valid", what, width_bits));
  }
  if (width_bits != 128 && width_bits != 256) {
    return absl::InvalidArgumentError(
        absl::StrFormat("descriptor width %d: must be 128 or 256", width_bits));
  }
  for (const FieldValue& f : fields) {
    if (!f.field.Fits(f.value)) return FieldTooWide(what, f.name, f.value);
  }
  if (address && !IsAligned(address->value, address->alignment)) {
    return FieldTooWide(what, address->name, address->value);
  }
  return absl::OkStatus();
}

// The device-TLB types (3 and 8) need ECAP.DT, and their PFSID is reserved without ECAP.DIT
// (S §6.5.2.5, §6.5.2.6).
std::optional<DescriptorProblem> CheckDeviceTlb(std::string_view what, std::string_view name,
                                                absl::Span<const uint64_t> words,
                                                const DescriptorLimits& limits,
                                                uint64_t reserved_lo, uint64_t reserved_hi,
                                                uint64_t pfsid_mask, bool wide_type) {
  if (!limits.device_tlb) {
    return InvalidValue(what, absl::StrFormat("%s without ECAP.DT (S Table 26)", name));
  }
  if (!limits.device_tlb_throttling) reserved_lo |= pfsid_mask;
  return CheckReserved(what, words, reserved_lo, reserved_hi, wide_type);
}

std::vector<uint64_t> Words(uint64_t lo, uint64_t hi, int width_bits) {
  std::vector<uint64_t> w = {lo, hi};
  if (width_bits == 256) w.resize(4, 0);
  return w;
}

uint64_t TypeBits(DescriptorType type) {
  const uint64_t t = static_cast<uint64_t>(type);
  return kTypeLow.Set(kTypeHigh.Set(0, t >> 4), t & 0xF);
}

constexpr std::string_view kCc = "cc_inv_dsc";
constexpr std::string_view kIotlb = "iotlb_inv_dsc";
constexpr std::string_view kDevTlb = "dev_tlb_inv_dsc";
constexpr std::string_view kIec = "iec_inv_dsc";
constexpr std::string_view kWait = "inv_wait_dsc";
constexpr std::string_view kPasidIotlb = "p_iotlb_inv_dsc";
constexpr std::string_view kPasidCache = "pc_inv_dsc";
constexpr std::string_view kPasidDevTlb = "p_dev_tlb_inv_dsc";

// The name of a page address field in Encode() messages.
constexpr std::string_view kPageAddress = "ADDR (not 4 KiB aligned)";

}  // namespace

std::string_view DescriptorTypeName(int type) {
  switch (type) {
    case 0x1:
      return kCc;
    case 0x2:
      return kIotlb;
    case 0x3:
      return kDevTlb;
    case 0x4:
      return kIec;
    case 0x5:
      return kWait;
    case 0x6:
      return kPasidIotlb;
    case 0x7:
      return kPasidCache;
    case 0x8:
      return kPasidDevTlb;
    case 0x9:
      return "page_grp_resp_dsc";
    case 0xA:
      return "hpt_inv_desc";
    default:
      return "reserved";
  }
}

std::string_view QueueErrorCodeName(QueueErrorCode code) {
  switch (code) {
    case QueueErrorCode::kNoInfo:
      return "no_info";
    case QueueErrorCode::kInvalidTail:
      return "invalid_tail";
    case QueueErrorCode::kFetchError:
      return "fetch_error";
    case QueueErrorCode::kInvalidType:
      return "invalid_type";
    case QueueErrorCode::kReservedField:
      return "reserved_field";
    case QueueErrorCode::kInvalidWidth:
      return "invalid_width";
    case QueueErrorCode::kTailMisaligned:
      return "tail_misaligned";
    case QueueErrorCode::kInvalidTtm:
      return "invalid_ttm";
  }
  return "?";
}

// ---- Context-cache invalidate (type 1) -----------------------------------------------------

ContextCacheInvalidateDescriptor ContextCacheInvalidateDescriptor::Decode(
    absl::Span<const uint64_t> words) {
  const uint64_t lo = Word(words, 0);
  ContextCacheInvalidateDescriptor d;
  d.granularity = static_cast<uint8_t>(kG.Get(lo));
  d.did = static_cast<uint16_t>(kDid.Get(lo));
  d.sid = static_cast<uint16_t>(kSid.Get(lo));
  d.function_mask = static_cast<uint8_t>(kFm.Get(lo));
  return d;
}

std::optional<DescriptorProblem> ContextCacheInvalidateDescriptor::Validate(
    absl::Span<const uint64_t> words, const DescriptorLimits&) {
  if (kG.Get(Word(words, 0)) == 0) {
    return InvalidValue(kCc, "granularity 00b is reserved (S §6.5.2.1)");
  }
  return CheckReserved(kCc, words, kReservedLo, kReservedHi);
}

absl::StatusOr<std::vector<uint64_t>> ContextCacheInvalidateDescriptor::Encode(
    int width_bits) const {
  VTD_RETURN_IF_ERROR(CheckEncodable(kCc, width_bits, /*wide_type=*/false,
                                     {{"G", kG, granularity}, {"FM", kFm, function_mask}}));
  uint64_t lo = TypeBits(kType);
  lo = kG.Set(lo, granularity);
  lo = kDid.Set(lo, did);
  lo = kSid.Set(lo, sid);
  lo = kFm.Set(lo, function_mask);
  return Words(lo, 0, width_bits);
}

ContextInvalidation ContextCacheInvalidateDescriptor::ToRequest() const {
  ContextInvalidation r;
  r.granularity = static_cast<ContextInvalidation::Granularity>(granularity);
  r.domain_id = did;
  r.source_id = sid;
  r.function_mask = function_mask;
  return r;
}

ContextInvalidation ContextCacheInvalidateDescriptor::ToScalableRequest() const {
  ContextInvalidation r = ToRequest();
  if (r.granularity == ContextInvalidation::Granularity::kDomain) {
    r.granularity = ContextInvalidation::Granularity::kGlobal;
  }
  r.domain_id = 0;
  return r;
}

// ---- IOTLB invalidate (type 2) -------------------------------------------------------------

IotlbInvalidateDescriptor IotlbInvalidateDescriptor::Decode(absl::Span<const uint64_t> words) {
  const uint64_t lo = Word(words, 0);
  const uint64_t hi = Word(words, 1);
  IotlbInvalidateDescriptor d;
  d.granularity = static_cast<uint8_t>(kG.Get(lo));
  d.drain_writes = kDw.Get(lo) != 0;
  d.drain_reads = kDr.Get(lo) != 0;
  d.did = static_cast<uint16_t>(kDid.Get(lo));
  d.address_mask = static_cast<uint8_t>(kAm.Get(hi));
  d.invalidation_hint = kIh.Get(hi) != 0;
  d.address = kAddr.InPlace(hi);
  return d;
}

std::optional<DescriptorProblem> IotlbInvalidateDescriptor::Validate(
    absl::Span<const uint64_t> words, const DescriptorLimits& limits) {
  const uint64_t g = kG.Get(Word(words, 0));
  if (g == 0) return InvalidValue(kIotlb, "granularity 00b is reserved (S §6.5.2.3)");
  if (g == 3 && !limits.page_selective) {
    return InvalidValue(kIotlb, "page-selective granularity (11b) without CAP.PSI (S §6.5.2.3)");
  }
  if (auto p = CheckReserved(kIotlb, words, kReservedLo, kReservedHi)) return p;
  const uint64_t am = kAm.Get(Word(words, 1));
  if (g == 3 && am > static_cast<uint64_t>(limits.max_address_mask)) {
    return DescriptorProblem{QueueErrorCode::kReservedField,
                             absl::StrFormat("%s: AM %d exceeds CAP.MAMV %d (S §6.5.2.3)", kIotlb,
                                             am, limits.max_address_mask)};
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<uint64_t>> IotlbInvalidateDescriptor::Encode(int width_bits) const {
  VTD_RETURN_IF_ERROR(CheckEncodable(kIotlb, width_bits, /*wide_type=*/false,
                                     {{"G", kG, granularity}, {"AM", kAm, address_mask}},
                                     AlignedAddress{kPageAddress, address, 4096}));
  uint64_t lo = TypeBits(kType);
  lo = kG.Set(lo, granularity);
  lo = kDw.Set(lo, drain_writes ? 1 : 0);
  lo = kDr.Set(lo, drain_reads ? 1 : 0);
  lo = kDid.Set(lo, did);
  uint64_t hi = kAm.Set(0, address_mask);
  hi = kIh.Set(hi, invalidation_hint ? 1 : 0);
  hi |= address;
  return Words(lo, hi, width_bits);
}

IotlbInvalidation IotlbInvalidateDescriptor::ToRequest() const {
  IotlbInvalidation r;
  r.granularity = static_cast<IotlbInvalidation::Granularity>(granularity);
  r.domain_id = did;
  r.address_mask = address_mask;
  // The request names 2^AM pages, naturally aligned: low address bits are ignored.
  r.address = address & ~LowMask(12 + address_mask);
  r.invalidation_hint = invalidation_hint;
  r.drain_reads = drain_reads;
  r.drain_writes = drain_writes;
  return r;
}

// ---- Device-TLB invalidate (type 3) --------------------------------------------------------

DeviceTlbInvalidateDescriptor DeviceTlbInvalidateDescriptor::Decode(
    absl::Span<const uint64_t> words) {
  const uint64_t lo = Word(words, 0);
  const uint64_t hi = Word(words, 1);
  DeviceTlbInvalidateDescriptor d;
  d.pfsid = static_cast<uint16_t>(kPfsidLow.Get(lo) | (kPfsidHigh.Get(lo) << 4));
  d.max_invs_pending = static_cast<uint8_t>(kMip.Get(lo));
  d.sid = static_cast<uint16_t>(kSid.Get(lo));
  d.size = kSize.Get(hi) != 0;
  d.address = kAddr.InPlace(hi);
  return d;
}

std::optional<DescriptorProblem> DeviceTlbInvalidateDescriptor::Validate(
    absl::Span<const uint64_t> words, const DescriptorLimits& limits) {
  return CheckDeviceTlb(kDevTlb, "device-TLB invalidation", words, limits, kReservedLo, kReservedHi,
                        kPfsidLow.mask() | kPfsidHigh.mask(), /*wide_type=*/false);
}

absl::StatusOr<std::vector<uint64_t>> DeviceTlbInvalidateDescriptor::Encode(int width_bits) const {
  VTD_RETURN_IF_ERROR(CheckEncodable(kDevTlb, width_bits, /*wide_type=*/false,
                                     {{"MIP", kMip, max_invs_pending}},
                                     AlignedAddress{kPageAddress, address, 4096}));
  uint64_t lo = TypeBits(kType);
  lo = kPfsidLow.Set(lo, pfsid & 0xF);
  lo = kPfsidHigh.Set(lo, pfsid >> 4);
  lo = kMip.Set(lo, max_invs_pending);
  lo = kSid.Set(lo, sid);
  uint64_t hi = kSize.Set(0, size ? 1 : 0) | address;
  return Words(lo, hi, width_bits);
}

DeviceTlbInvalidation DeviceTlbInvalidateDescriptor::ToRequest() const {
  DeviceTlbInvalidation r;
  r.source_id = sid;
  r.pfsid = pfsid;
  r.max_invs_pending = max_invs_pending;
  r.address = address;
  r.size = size;
  return r;
}

// ---- Interrupt-entry-cache invalidate (type 4) ---------------------------------------------

InterruptEntryCacheInvalidateDescriptor InterruptEntryCacheInvalidateDescriptor::Decode(
    absl::Span<const uint64_t> words) {
  const uint64_t lo = Word(words, 0);
  InterruptEntryCacheInvalidateDescriptor d;
  d.index_selective = kG.Get(lo) != 0;
  d.index_mask = static_cast<uint8_t>(kIm.Get(lo));
  d.index = static_cast<uint16_t>(kIidx.Get(lo));
  return d;
}

std::optional<DescriptorProblem> InterruptEntryCacheInvalidateDescriptor::Validate(
    absl::Span<const uint64_t> words, const DescriptorLimits& limits) {
  if (auto p = CheckReserved(kIec, words, kReservedLo, kReservedHi)) return p;
  const uint64_t lo = Word(words, 0);
  if (kG.Get(lo) != 0 && kIm.Get(lo) > static_cast<uint64_t>(limits.max_handle_mask)) {
    return DescriptorProblem{QueueErrorCode::kReservedField,
                             absl::StrFormat("%s: IM %d exceeds ECAP.MHMV %d (S §6.5.2.7)", kIec,
                                             kIm.Get(lo), limits.max_handle_mask)};
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<uint64_t>> InterruptEntryCacheInvalidateDescriptor::Encode(
    int width_bits) const {
  VTD_RETURN_IF_ERROR(
      CheckEncodable(kIec, width_bits, /*wide_type=*/false, {{"IM", kIm, index_mask}}));
  uint64_t lo = TypeBits(kType);
  lo = kG.Set(lo, index_selective ? 1 : 0);
  lo = kIm.Set(lo, index_mask);
  lo = kIidx.Set(lo, index);
  return Words(lo, 0, width_bits);
}

InterruptEntryInvalidation InterruptEntryCacheInvalidateDescriptor::ToRequest() const {
  InterruptEntryInvalidation r;
  r.granularity = index_selective ? InterruptEntryInvalidation::Granularity::kIndex
                                  : InterruptEntryInvalidation::Granularity::kGlobal;
  r.index = index;
  r.index_mask = index_mask;
  return r;
}

// ---- Invalidation wait (type 5) ------------------------------------------------------------

InvalidationWaitDescriptor InvalidationWaitDescriptor::Decode(absl::Span<const uint64_t> words) {
  const uint64_t lo = Word(words, 0);
  const uint64_t hi = Word(words, 1);
  InvalidationWaitDescriptor d;
  d.interrupt_flag = kIf.Get(lo) != 0;
  d.status_write = kSw.Get(lo) != 0;
  d.fence = kFn.Get(lo) != 0;
  d.page_request_drain = kPd.Get(lo) != 0;
  d.status_data = static_cast<uint32_t>(kStatusData.Get(lo));
  d.status_address = kStatusAddress.InPlace(hi);
  return d;
}

std::optional<DescriptorProblem> InvalidationWaitDescriptor::Validate(
    absl::Span<const uint64_t> words, const DescriptorLimits& limits) {
  uint64_t reserved_lo = kReservedLo;
  if (!limits.page_request_drain) reserved_lo |= kPd.mask();
  return CheckReserved(kWait, words, reserved_lo, kReservedHi);
}

absl::StatusOr<std::vector<uint64_t>> InvalidationWaitDescriptor::Encode(int width_bits) const {
  VTD_RETURN_IF_ERROR(
      CheckEncodable(kWait, width_bits, /*wide_type=*/false, {},
                     AlignedAddress{"status address (not dword aligned)", status_address, 4}));
  uint64_t lo = TypeBits(kType);
  lo = kIf.Set(lo, interrupt_flag ? 1 : 0);
  lo = kSw.Set(lo, status_write ? 1 : 0);
  lo = kFn.Set(lo, fence ? 1 : 0);
  lo = kPd.Set(lo, page_request_drain ? 1 : 0);
  lo = kStatusData.Set(lo, status_data);
  return Words(lo, status_address, width_bits);
}

// ---- PASID-based IOTLB invalidate (type 6) -------------------------------------------------

PasidIotlbInvalidateDescriptor PasidIotlbInvalidateDescriptor::Decode(
    absl::Span<const uint64_t> words) {
  const uint64_t lo = Word(words, 0);
  const uint64_t hi = Word(words, 1);
  PasidIotlbInvalidateDescriptor d;
  d.granularity = static_cast<uint8_t>(kG.Get(lo));
  d.did = static_cast<uint16_t>(kDid.Get(lo));
  d.pasid = static_cast<uint32_t>(kPasid.Get(lo));
  d.address_mask = static_cast<uint8_t>(kAm.Get(hi));
  d.invalidation_hint = kIh.Get(hi) != 0;
  d.address = kAddr.InPlace(hi);
  return d;
}

std::optional<DescriptorProblem> PasidIotlbInvalidateDescriptor::Validate(
    absl::Span<const uint64_t> words, const DescriptorLimits&) {
  if (kG.Get(Word(words, 0)) < 2) {
    return InvalidValue(kPasidIotlb, absl::StrFormat("granularity %02db is reserved (S §6.5.2.4)",
                                                     kG.Get(Word(words, 0))));
  }
  return CheckReserved(kPasidIotlb, words, kReservedLo, kReservedHi, /*wide_type=*/true);
}

absl::StatusOr<std::vector<uint64_t>> PasidIotlbInvalidateDescriptor::Encode(int width_bits) const {
  VTD_RETURN_IF_ERROR(
      CheckEncodable(kPasidIotlb, width_bits, /*wide_type=*/true,
                     {{"G", kG, granularity}, {"PASID", kPasid, pasid}, {"AM", kAm, address_mask}},
                     AlignedAddress{kPageAddress, address, 4096}));
  uint64_t lo = TypeBits(kType);
  lo = kG.Set(lo, granularity);
  lo = kDid.Set(lo, did);
  lo = kPasid.Set(lo, pasid);
  uint64_t hi = kAm.Set(0, address_mask);
  hi = kIh.Set(hi, invalidation_hint ? 1 : 0);
  hi |= address;
  return Words(lo, hi, width_bits);
}

PasidIotlbInvalidation PasidIotlbInvalidateDescriptor::ToRequest() const {
  PasidIotlbInvalidation r;
  r.granularity = static_cast<PasidIotlbInvalidation::Granularity>(granularity);
  r.domain_id = did;
  r.pasid = pasid;
  r.address_mask = address_mask;
  // The request names 2^AM pages, naturally aligned: low address bits are ignored.
  r.address = address & ~LowMask(12 + address_mask);
  r.invalidation_hint = invalidation_hint;
  return r;
}

// ---- PASID-cache invalidate (type 7) -------------------------------------------------------

PasidCacheInvalidateDescriptor PasidCacheInvalidateDescriptor::Decode(
    absl::Span<const uint64_t> words) {
  const uint64_t lo = Word(words, 0);
  PasidCacheInvalidateDescriptor d;
  d.granularity = static_cast<uint8_t>(kG.Get(lo));
  d.did = static_cast<uint16_t>(kDid.Get(lo));
  d.pasid = static_cast<uint32_t>(kPasid.Get(lo));
  return d;
}

std::optional<DescriptorProblem> PasidCacheInvalidateDescriptor::Validate(
    absl::Span<const uint64_t> words, const DescriptorLimits&) {
  if (kG.Get(Word(words, 0)) == 2) {
    return InvalidValue(kPasidCache, "granularity 10b is reserved (S §6.5.2.2)");
  }
  return CheckReserved(kPasidCache, words, kReservedLo, kReservedHi, /*wide_type=*/true);
}

absl::StatusOr<std::vector<uint64_t>> PasidCacheInvalidateDescriptor::Encode(int width_bits) const {
  VTD_RETURN_IF_ERROR(CheckEncodable(kPasidCache, width_bits, /*wide_type=*/true,
                                     {{"G", kG, granularity}, {"PASID", kPasid, pasid}}));
  uint64_t lo = TypeBits(kType);
  lo = kG.Set(lo, granularity);
  lo = kDid.Set(lo, did);
  lo = kPasid.Set(lo, pasid);
  return Words(lo, 0, width_bits);
}

PasidCacheInvalidation PasidCacheInvalidateDescriptor::ToRequest() const {
  PasidCacheInvalidation r;
  r.granularity = static_cast<PasidCacheInvalidation::Granularity>(granularity);
  r.domain_id = did;
  r.pasid = pasid;
  return r;
}

// ---- PASID-based device-TLB invalidate (type 8) --------------------------------------------

PasidDeviceTlbInvalidateDescriptor PasidDeviceTlbInvalidateDescriptor::Decode(
    absl::Span<const uint64_t> words) {
  const uint64_t lo = Word(words, 0);
  const uint64_t hi = Word(words, 1);
  PasidDeviceTlbInvalidateDescriptor d;
  d.max_invs_pending = static_cast<uint8_t>(kMip.Get(lo));
  d.pfsid = static_cast<uint16_t>(kPfsidLow.Get(lo) | (kPfsidHigh.Get(lo) << 4));
  d.sid = static_cast<uint16_t>(kSid.Get(lo));
  d.pasid = static_cast<uint32_t>(kPasid.Get(lo));
  d.global = kGlobal.Get(hi) != 0;
  d.size = kSize.Get(hi) != 0;
  d.address = kAddr.InPlace(hi);
  return d;
}

std::optional<DescriptorProblem> PasidDeviceTlbInvalidateDescriptor::Validate(
    absl::Span<const uint64_t> words, const DescriptorLimits& limits) {
  return CheckDeviceTlb(kPasidDevTlb, "PASID-based device-TLB invalidation", words, limits,
                        kReservedLo, kReservedHi, kPfsidLow.mask() | kPfsidHigh.mask(),
                        /*wide_type=*/true);
}

absl::StatusOr<std::vector<uint64_t>> PasidDeviceTlbInvalidateDescriptor::Encode(
    int width_bits) const {
  VTD_RETURN_IF_ERROR(CheckEncodable(kPasidDevTlb, width_bits, /*wide_type=*/true,
                                     {{"MIP", kMip, max_invs_pending}, {"PASID", kPasid, pasid}},
                                     AlignedAddress{kPageAddress, address, 4096}));
  uint64_t lo = TypeBits(kType);
  lo = kMip.Set(lo, max_invs_pending);
  lo = kPfsidLow.Set(lo, pfsid & 0xF);
  lo = kSid.Set(lo, sid);
  lo = kPasid.Set(lo, pasid);
  lo = kPfsidHigh.Set(lo, pfsid >> 4);
  uint64_t hi = kGlobal.Set(0, global ? 1 : 0);
  hi = kSize.Set(hi, size ? 1 : 0);
  hi |= address;
  return Words(lo, hi, width_bits);
}

PasidDeviceTlbInvalidation PasidDeviceTlbInvalidateDescriptor::ToRequest() const {
  PasidDeviceTlbInvalidation r;
  r.source_id = sid;
  r.pfsid = pfsid;
  r.max_invs_pending = max_invs_pending;
  r.pasid = pasid;
  r.global = global;
  r.address = address;
  r.size = size;
  return r;
}

// ---- Any descriptor ------------------------------------------------------------------------

namespace {

template <typename D>
std::variant<InvalidationDescriptor, DescriptorProblem> DecodeAs(absl::Span<const uint64_t> words,
                                                                 const DescriptorLimits& limits) {
  if (std::optional<DescriptorProblem> p = D::Validate(words, limits)) return *std::move(p);
  return InvalidationDescriptor(D::Decode(words));
}

}  // namespace

std::variant<InvalidationDescriptor, DescriptorProblem> DecodeDescriptor(
    absl::Span<const uint64_t> words, const DescriptorLimits& limits) {
  if (words.size() != 2 && words.size() != 4) {
    return DescriptorProblem{
        QueueErrorCode::kFetchError,
        absl::StrFormat("descriptor of %d qwords: must be 2 or 4", words.size())};
  }
  const int type = DescriptorTypeOf(words[0]);
  switch (type) {
    case 0x1:
      return DecodeAs<ContextCacheInvalidateDescriptor>(words, limits);
    case 0x2:
      return DecodeAs<IotlbInvalidateDescriptor>(words, limits);
    case 0x3:
      return DecodeAs<DeviceTlbInvalidateDescriptor>(words, limits);
    case 0x4:
      return DecodeAs<InterruptEntryCacheInvalidateDescriptor>(words, limits);
    case 0x5:
      return DecodeAs<InvalidationWaitDescriptor>(words, limits);
    case 0x6:
    case 0x7:
    case 0x8: {
      // S Table 26: the PASID-granular types exist with TTM 01b (scalable) and 11b (abort-DMA).
      if (limits.ttm != 1 && limits.ttm != 3) {
        return DescriptorProblem{
            QueueErrorCode::kInvalidType,
            absl::StrFormat("descriptor type %#x (%s) is not valid in legacy mode (S Table 26)",
                            type, DescriptorTypeName(type))};
      }
      if (words.size() != 4) {
        return DescriptorProblem{
            QueueErrorCode::kInvalidWidth,
            absl::StrFormat("descriptor type %#x (%s) is 256-bit: not valid with IQA.DW=0", type,
                            DescriptorTypeName(type))};
      }
      if (type == 0x6) return DecodeAs<PasidIotlbInvalidateDescriptor>(words, limits);
      if (type == 0x7) return DecodeAs<PasidCacheInvalidateDescriptor>(words, limits);
      return DecodeAs<PasidDeviceTlbInvalidateDescriptor>(words, limits);
    }
    case 0x9: {
      if (!limits.page_requests || limits.check_page_group_response == nullptr) {
        return DescriptorProblem{
            QueueErrorCode::kInvalidType,
            "descriptor type 0x9 (page_grp_resp_dsc) without ECAP.PRS (S Table 26)"};
      }
      if (limits.ttm != 1) {
        return DescriptorProblem{
            QueueErrorCode::kInvalidType,
            "descriptor type 0x9 (page_grp_resp_dsc) is valid only in scalable mode (S Table 26)"};
      }
      if (std::optional<DescriptorProblem> problem =
              limits.check_page_group_response(words, limits.page_requests)) {
        return *std::move(problem);
      }
      PageGroupResponseWords d;
      std::copy(words.begin(), words.end(), d.words.begin());
      return d;
    }
    case 0xA:
      return DescriptorProblem{QueueErrorCode::kInvalidType,
                               "descriptor type 0xa (hpt_inv_desc) without ECAP.HPTS (S Table 26)"};
    default:
      return DescriptorProblem{
          QueueErrorCode::kInvalidType,
          absl::StrFormat("descriptor type %#x is reserved (S Table 26)", type)};
  }
}

absl::StatusOr<std::vector<uint64_t>> PageGroupResponseWords::Encode(int width_bits) const {
  if (width_bits != 256) {
    return absl::InvalidArgumentError("page_grp_resp_dsc is a 256-bit descriptor");
  }
  return std::vector<uint64_t>(words.begin(), words.end());
}

absl::StatusOr<std::vector<uint64_t>> EncodeDescriptor(const InvalidationDescriptor& descriptor,
                                                       int width_bits) {
  return std::visit([width_bits](const auto& d) { return d.Encode(width_bits); }, descriptor);
}

namespace {

// Names of the 2-bit G values of each descriptor type ("reserved" for invalid values).
using GranularityNames = std::array<std::string_view, 4>;
constexpr GranularityNames kContextGranularities = {"reserved", "global", "domain", "device"};
constexpr GranularityNames kIotlbGranularities = {"reserved", "global", "domain", "page"};
constexpr GranularityNames kPasidIotlbGranularities = {"reserved", "reserved", "pasid", "page"};
constexpr GranularityNames kPasidCacheGranularities = {"domain", "pasid", "reserved", "global"};

std::string_view GranularityName(const GranularityNames& names, uint8_t g) {
  return g < names.size() ? names[g] : "reserved";
}

struct Describer {
  std::string operator()(const PageGroupResponseWords& d) const {
    // RC bits 15:12, RID 31:16, PRGI bits 75:67 (invalidation.md §3.9).
    return absl::StrFormat("page_grp_resp_dsc rid %#x rc %#x prgi %#x", (d.words[0] >> 16) & 0xffff,
                           (d.words[0] >> 12) & 0xf, (d.words[1] >> 3) & 0x1ff);
  }
  std::string operator()(const ContextCacheInvalidateDescriptor& d) const {
    std::string s =
        absl::StrFormat("%s %s", kCc, GranularityName(kContextGranularities, d.granularity));
    if (d.granularity >= 2) absl::StrAppendFormat(&s, " did %#x", d.did);
    if (d.granularity == 3) {
      absl::StrAppendFormat(&s, " sid %02x:%02x.%x fm %d", d.sid >> 8, (d.sid >> 3) & 0x1F,
                            d.sid & 7, d.function_mask);
    }
    return s;
  }
  std::string operator()(const IotlbInvalidateDescriptor& d) const {
    std::string s =
        absl::StrFormat("%s %s", kIotlb, GranularityName(kIotlbGranularities, d.granularity));
    if (d.granularity >= 2) absl::StrAppendFormat(&s, " did %#x", d.did);
    if (d.granularity == 3) {
      absl::StrAppendFormat(&s, " addr %#x am %d ih %d", d.address, d.address_mask,
                            d.invalidation_hint);
    }
    if (d.drain_reads) s += " dr";
    if (d.drain_writes) s += " dw";
    return s;
  }
  std::string operator()(const DeviceTlbInvalidateDescriptor& d) const {
    return absl::StrFormat("%s sid %02x:%02x.%x addr %#x s %d mip %d", kDevTlb, d.sid >> 8,
                           (d.sid >> 3) & 0x1F, d.sid & 7, d.address, d.size, d.max_invs_pending);
  }
  std::string operator()(const InterruptEntryCacheInvalidateDescriptor& d) const {
    if (!d.index_selective) return absl::StrFormat("%s global", kIec);
    return absl::StrFormat("%s index %#x im %d", kIec, d.index, d.index_mask);
  }
  std::string operator()(const InvalidationWaitDescriptor& d) const {
    std::string s(kWait);
    if (d.status_write) {
      absl::StrAppendFormat(&s, " sw data %#x addr %#x", d.status_data, d.status_address);
    }
    if (d.interrupt_flag) s += " if";
    if (d.fence) s += " fn";
    if (d.page_request_drain) s += " pd";
    return s;
  }
  std::string operator()(const PasidIotlbInvalidateDescriptor& d) const {
    std::string s =
        absl::StrFormat("%s %s did %#x pasid %#x", kPasidIotlb,
                        GranularityName(kPasidIotlbGranularities, d.granularity), d.did, d.pasid);
    if (d.granularity == 3) {
      absl::StrAppendFormat(&s, " addr %#x am %d ih %d", d.address, d.address_mask,
                            d.invalidation_hint);
    }
    return s;
  }
  std::string operator()(const PasidCacheInvalidateDescriptor& d) const {
    std::string s = absl::StrFormat("%s %s", kPasidCache,
                                    GranularityName(kPasidCacheGranularities, d.granularity));
    if (d.granularity != 3) absl::StrAppendFormat(&s, " did %#x", d.did);
    if (d.granularity == 1) absl::StrAppendFormat(&s, " pasid %#x", d.pasid);
    return s;
  }
  std::string operator()(const PasidDeviceTlbInvalidateDescriptor& d) const {
    std::string s = absl::StrFormat("%s sid %02x:%02x.%x", kPasidDevTlb, d.sid >> 8,
                                    (d.sid >> 3) & 0x1F, d.sid & 7);
    if (d.global) {
      s += " gi";
    } else {
      absl::StrAppendFormat(&s, " pasid %#x", d.pasid);
    }
    absl::StrAppendFormat(&s, " addr %#x s %d mip %d", d.address, d.size, d.max_invs_pending);
    return s;
  }
};

}  // namespace

std::string DescribeDescriptor(const InvalidationDescriptor& descriptor) {
  return std::visit(Describer{}, descriptor);
}

}  // namespace vtd
