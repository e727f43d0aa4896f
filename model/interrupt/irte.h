// Interrupt-remapping table entries (VT-d spec §9.9 remapped format, §9.10 posted format):
// 128 bits each, IRTA + 16 × interrupt_index. Bit 15 (IM) selects the format. Both formats
// share P, FPD and the source validation fields (SID/SQ/SVT), checked by
// SourceValidation::Accepts (S §9.9 SVT/SQ tables).
#ifndef VTDSIM_MODEL_INTERRUPT_IRTE_H_
#define VTDSIM_MODEL_INTERRUPT_IRTE_H_

#include <array>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/common/bits.h"
#include "model/structs/ids.h"

namespace vtd {

// Low-qword fields common to both formats.
struct IrteCommon {
  static constexpr int kSizeBytes = 16;
  static constexpr BitRange kPresent = Bit(0);  // Bit 0: P
  static constexpr BitRange kFpd = Bit(1);      // Bit 1: FPD (evaluated even if P=0)
  static constexpr BitRange kMode = Bit(15);    // Bit 15: IM, 0 remapped, 1 posted
  // High qword (bits 127:64), positions relative to bit 64.
  static constexpr BitRange kSid{15, 0};   // Bits 79:64: SID
  static constexpr BitRange kSq{17, 16};   // Bits 81:80: SQ
  static constexpr BitRange kSvt{19, 18};  // Bits 83:82: SVT

  static bool IsPosted(uint64_t lo) { return kMode.Get(lo) != 0; }
};

// SVT: which source-id check applies (S §9.9).
enum class SourceValidationType : uint8_t {
  kNone = 0,         // 00b: no check
  kRequesterId = 1,  // 01b: requester id against SID under the SQ mask
  kBusRange = 2,     // 10b: requester bus within SID[15:8]..SID[7:0]
  kReserved = 3,     // 11b
};

struct SourceValidation {
  uint16_t sid = 0;
  uint8_t sq = 0;   // 2 bits: 00 all bits, 01 ignore bit 2, 10 ignore 2:1, 11 ignore 2:0
  uint8_t svt = 0;  // SourceValidationType value (2 bits)

  // The RID bits compared for SVT=01b (S §9.9 SQ table).
  static constexpr uint16_t CompareMask(uint8_t sq) {
    constexpr uint16_t kMasks[4] = {0xFFFF, 0xFFFB, 0xFFF9, 0xFFF8};
    return kMasks[sq & 3];
  }
  // True if `requester` passes the check. SVT=11b (reserved) passes here: the entry is
  // reported as having a reserved value by the IRTE reserved-field check instead.
  bool Accepts(SourceId requester) const;
  bool operator==(const SourceValidation&) const = default;
};

// Remapped-format IRTE, IM=0 (S §9.9).
struct RemappedIrte {
  static constexpr BitRange kDestinationMode = Bit(2);  // Bit 2: DM, 1 logical
  static constexpr BitRange kRedirectionHint = Bit(3);  // Bit 3: RH
  static constexpr BitRange kTriggerMode = Bit(4);      // Bit 4: TM, 1 level
  static constexpr BitRange kDeliveryMode{7, 5};        // Bits 7:5: DLM
  static constexpr BitRange kAvail{11, 8};              // Bits 11:8: AVAIL (ignored)
  static constexpr BitRange kVector{23, 16};            // Bits 23:16: V
  static constexpr BitRange kDestination{63, 32};       // Bits 63:32: DST
  // Always reserved: 14:12, 31:24 (and IM=1 without CAP.PI); 127:84.
  static constexpr uint64_t kReservedLo = BitMask(14, 12) | BitMask(31, 24);
  static constexpr uint64_t kReservedHi = BitMask(63, 20);
  // xAPIC mode (IRTA.EIME=0): DST 63:48 and 39:32 are reserved; APIC ID is 47:40.
  static constexpr uint64_t kReservedLoXapic = BitMask(63, 48) | BitMask(39, 32);

  bool present = false;
  bool fpd = false;
  bool logical_destination = false;
  bool redirection_hint = false;
  bool level_triggered = false;
  uint8_t delivery_mode = 0;  // 3 bits
  uint8_t avail = 0;          // 4 bits
  uint8_t vector = 0;
  uint32_t destination = 0;  // raw DST field (bits 63:32)
  SourceValidation source;

  static RemappedIrte Decode(uint64_t lo, uint64_t hi);
  static absl::StatusOr<RemappedIrte> Decode(absl::Span<const uint64_t> words);
  absl::StatusOr<std::array<uint64_t, 2>> Encode() const;
  // The APIC ID the entry names: DST in x2APIC mode, DST bits 15:8 in xAPIC mode.
  uint32_t ApicId(bool x2apic) const { return x2apic ? destination : (destination >> 8) & 0xFF; }
  // DST for an APIC ID in the mode's layout.
  static uint32_t DestinationField(uint32_t apic_id, bool x2apic) {
    return x2apic ? apic_id : (apic_id & 0xFF) << 8;
  }
  // Reserved bits set in a present entry (fault 24h), as {lo, hi}; the delivery modes the
  // spec leaves undefined (011b, 110b) count as reserved values.
  static std::array<uint64_t, 2> ReservedBits(uint64_t lo, uint64_t hi, bool x2apic,
                                              bool posted_supported);
  bool operator==(const RemappedIrte&) const = default;
};

// Posted-format IRTE, IM=1 (S §9.10; needs CAP.PI).
struct PostedIrte {
  static constexpr BitRange kAvail{11, 8};           // Bits 11:8: AVAIL
  static constexpr BitRange kUrgent = Bit(14);       // Bit 14: URG
  static constexpr BitRange kVirtualVector{23, 16};  // Bits 23:16: VV
  static constexpr BitRange kPdaLow{63, 38};         // Bits 63:38: PID address 31:6
  static constexpr BitRange kPdaHigh{63, 32};        // Bits 127:96: PID address 63:32
  static constexpr uint64_t kReservedLo = BitMask(7, 2) | BitMask(13, 12) | BitMask(37, 24);
  static constexpr uint64_t kReservedHi = BitMask(31, 20);  // bits 95:84

  bool present = false;
  bool fpd = false;
  bool urgent = false;
  uint8_t avail = 0;
  uint8_t virtual_vector = 0;
  uint64_t descriptor_address = 0;  // 64-byte aligned host-physical address of the PID
  SourceValidation source;

  static PostedIrte Decode(uint64_t lo, uint64_t hi);
  static absl::StatusOr<PostedIrte> Decode(absl::Span<const uint64_t> words);
  absl::StatusOr<std::array<uint64_t, 2>> Encode() const;
  // Reserved bits set (fault 24h) for host address width `haw` (PDA bits at and above HAW).
  static std::array<uint64_t, 2> ReservedBits(uint64_t lo, uint64_t hi, int haw);
  bool operator==(const PostedIrte&) const = default;
};

// Posted-interrupt descriptor (S §9.11): 512 bits, 64-byte aligned.
struct PostedInterruptDescriptor {
  static constexpr int kSizeBytes = 64;
  // Qword 4 (bits 319:256), positions relative to bit 256.
  static constexpr BitRange kOn = Bit(0);   // Bit 256: outstanding notification
  static constexpr BitRange kSn = Bit(1);   // Bit 257: suppress notification
  static constexpr BitRange kNv{23, 16};    // Bits 279:272: notification vector
  static constexpr BitRange kNdst{63, 32};  // Bits 319:288: destination
  static constexpr uint64_t kReserved4 = BitMask(15, 2) | BitMask(31, 24);  // 271:258, 287:280
  // xAPIC mode: NDST 319:304 and 295:288 reserved; APIC ID at 303:296.
  static constexpr uint64_t kReserved4Xapic = BitMask(63, 48) | BitMask(39, 32);

  std::array<uint64_t, 4> pir{};  // bits 255:0, one per vector
  bool outstanding = false;       // ON
  bool suppress = false;          // SN
  uint8_t notification_vector = 0;
  uint32_t notification_destination = 0;  // raw NDST

  static absl::StatusOr<PostedInterruptDescriptor> Decode(absl::Span<const uint64_t> words);
  std::array<uint64_t, 8> Encode() const;
  bool PirBit(int vector) const { return (pir[vector / 64] >> (vector % 64)) & 1; }
  uint32_t ApicId(bool x2apic) const {
    return x2apic ? notification_destination : (notification_destination >> 8) & 0xFF;
  }
  // Reserved bits set in the 8 qwords (fault 28h), OR-ed per qword into the result index.
  static std::array<uint64_t, 8> ReservedBits(absl::Span<const uint64_t> words, bool x2apic);
  bool operator==(const PostedInterruptDescriptor&) const = default;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_INTERRUPT_IRTE_H_
