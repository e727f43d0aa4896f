// Scalable-mode root entry (VT-d spec §9.2): 128 bits, one per bus, in the 4 KiB root table
// at RTADDR.RTA when RTADDR.TTM=01b. The low half points to the scalable-mode context table
// for devfn 0x00-0x7F, the high half to the one for devfn 0x80-0xFF (S §3.4.2).
#ifndef VTDSIM_MODEL_STRUCTS_SCALABLE_ROOT_ENTRY_H_
#define VTDSIM_MODEL_STRUCTS_SCALABLE_ROOT_ENTRY_H_

#include <array>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/common/bits.h"
#include "model/common/json.h"

namespace vtd {

struct ScalableRootEntry {
  static constexpr int kSizeBytes = 16;
  // Low qword (bits 63:0).
  static constexpr BitRange kLowerPresent = Bit(0);  // Bit 0: LP (S §9.2)
  static constexpr BitRange kReservedLow{11, 1};     // Bits 11:1: Rsvd
  static constexpr BitRange kLctp{63, 12};           // Bits 63:12: LCTP; 63:HAW Rsvd
  // High qword (bits 127:64), positions relative to bit 64.
  static constexpr BitRange kUpperPresent = Bit(0);  // Bit 64: UP
  static constexpr BitRange kReservedHigh{11, 1};    // Bits 75:65: Rsvd
  static constexpr BitRange kUctp{63, 12};           // Bits 127:76: UCTP; 127:HAW+64 Rsvd

  // The devfn values 0x80-0xFF use the upper context table.
  static constexpr int kUpperDevfn = 0x80;

  bool lower_present = false;
  uint64_t lower_context_table = 0;  // LCTP: HPA, 4 KiB aligned, in place
  bool upper_present = false;
  uint64_t upper_context_table = 0;  // UCTP: HPA, 4 KiB aligned, in place

  // Decodes two qwords (low first). Reserved bits are dropped; check them with
  // ReservedBits(). Pointers are kept even when their present bit is clear (the spec lets
  // software leave anything there; keeping them makes Encode lossless).
  static absl::StatusOr<ScalableRootEntry> Decode(absl::Span<const uint64_t> words);
  static ScalableRootEntry Decode(uint64_t lo, uint64_t hi);
  // InvalidArgument if a context-table pointer is not 4 KiB aligned.
  absl::StatusOr<std::array<uint64_t, 2>> Encode() const;

  // Whether the context table for `devfn` is present, its HPA, and the entry index in it
  // (devfn & 0x7F: each scalable-mode context table holds 128 entries of 32 bytes).
  bool PresentFor(int devfn) const { return devfn >= kUpperDevfn ? upper_present : lower_present; }
  uint64_t ContextTableFor(int devfn) const {
    return devfn >= kUpperDevfn ? upper_context_table : lower_context_table;
  }
  static constexpr int ContextIndex(int devfn) { return devfn & 0x7f; }

  // Reserved bits for a host address width `haw`: 11:1 and 63:HAW of each half.
  static std::array<uint64_t, 2> ReservedMask(int haw);
  // The reserved bits set in a raw entry. The check applies only to a half whose present
  // bit is set: with LP (UP) clear, bits 63:1 (127:65) are ignored (S §9.2).
  static std::array<uint64_t, 2> ReservedBits(uint64_t lo, uint64_t hi, int haw);

  Json ToJson() const;
  bool operator==(const ScalableRootEntry&) const = default;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_STRUCTS_SCALABLE_ROOT_ENTRY_H_
