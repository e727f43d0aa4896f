// Legacy-mode context entry (VT-d spec §9.3): 128 bits, one per device function, in the
// 4 KiB context table a root entry points to. Indexed by devfn.
#ifndef VTDSIM_MODEL_STRUCTS_CONTEXT_ENTRY_H_
#define VTDSIM_MODEL_STRUCTS_CONTEXT_ENTRY_H_

#include <array>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/common/bits.h"
#include "model/common/json.h"
#include "model/structs/ids.h"

namespace vtd {

// Context-entry TT (S §9.3).
enum class TranslationType : uint8_t {
  kUntranslatedOnly = 0,  // 00b: untranslated requests via SSPTPTR; ATS blocked
  kDeviceTlb = 1,         // 01b: untranslated, translation and translated requests (ECAP.DT)
  kPassThrough = 2,       // 10b: untranslated requests pass through (ECAP.PT); ATS blocked
  kReserved = 3,          // 11b
};
std::string_view TranslationTypeName(TranslationType tt);

struct ContextEntry {
  static constexpr int kSizeBytes = 16;
  // Low qword (bits 63:0).
  static constexpr BitRange kPresent = Bit(0);    // Bit 0: P (S §9.3)
  static constexpr BitRange kFpd = Bit(1);        // Bit 1: FPD, evaluated even if P=0
  static constexpr BitRange kTt{3, 2};            // Bits 3:2: TT
  static constexpr BitRange kReservedLow{11, 4};  // Bits 11:4: Rsvd
  static constexpr BitRange kSsptptr{63, 12};     // Bits 63:12: SSPTPTR; 63:HAW Rsvd
  // High qword (bits 127:64), positions relative to bit 64.
  static constexpr BitRange kAw{2, 0};              // Bits 66:64: AW
  static constexpr BitRange kAvail{6, 3};           // Bits 70:67: IGN (software available)
  static constexpr BitRange kReserved71 = Bit(7);   // Bit 71: Rsvd
  static constexpr BitRange kDid{23, 8};            // Bits 87:72: DID; above ND width Rsvd
  static constexpr BitRange kReservedHigh{63, 24};  // Bits 127:88: Rsvd

  bool present = false;
  bool fpd = false;
  uint8_t tt = 0;                  // TranslationType value (2 bits)
  uint64_t second_stage_root = 0;  // SSPTPTR: HPA, 4 KiB aligned, in place
  uint8_t aw = 0;                  // AW (3 bits)
  uint8_t avail = 0;               // IGN bits 70:67 (kept so Encode is lossless)
  DomainId did;

  TranslationType translation_type() const { return static_cast<TranslationType>(tt); }

  static absl::StatusOr<ContextEntry> Decode(absl::Span<const uint64_t> words);
  // Inline: every context-cache miss decodes one.
  static ContextEntry Decode(uint64_t lo, uint64_t hi) {
    ContextEntry e;
    e.present = kPresent.Get(lo) != 0;
    e.fpd = kFpd.Get(lo) != 0;
    e.tt = static_cast<uint8_t>(kTt.Get(lo));
    e.second_stage_root = kSsptptr.InPlace(lo);
    e.aw = static_cast<uint8_t>(kAw.Get(hi));
    e.avail = static_cast<uint8_t>(kAvail.Get(hi));
    e.did = DomainId(static_cast<uint16_t>(kDid.Get(hi)));
    return e;
  }
  // InvalidArgument naming the field if a value does not fit (tt > 3, aw > 7, avail > 15,
  // SSPTPTR not 4 KiB aligned).
  absl::StatusOr<std::array<uint64_t, 2>> Encode() const;

  // Reserved bits for host address width `haw` and `did_bits` implemented DID bits
  // (DomainIdBits(CAP.ND)): 11:4, 63:HAW (only when TT != 10b: SSPTPTR is ignored for
  // pass-through), 71, DID bits at and above did_bits, 127:88.
  static std::array<uint64_t, 2> ReservedMask(int haw, int did_bits, uint8_t tt);
  static std::array<uint64_t, 2> ReservedBits(uint64_t lo, uint64_t hi, int haw, int did_bits);

  Json ToJson() const;
  bool operator==(const ContextEntry&) const = default;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_STRUCTS_CONTEXT_ENTRY_H_
