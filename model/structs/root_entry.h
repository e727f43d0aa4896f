// Legacy-mode root entry (VT-d spec §9.1): 128 bits, one per bus, in the 4 KiB root table
// at RTADDR.RTA. Indexed by the requester's bus number.
#ifndef VTDSIM_MODEL_STRUCTS_ROOT_ENTRY_H_
#define VTDSIM_MODEL_STRUCTS_ROOT_ENTRY_H_

#include <array>
#include <cstdint>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/common/bits.h"
#include "model/common/json.h"

namespace vtd {

struct RootEntry {
  static constexpr int kSizeBytes = 16;
  // Field positions within the low qword (bits 127:64 are all reserved).
  static constexpr BitRange kPresent = Bit(0);    // Bit 0: P (S §9.1)
  static constexpr BitRange kReservedLow{11, 1};  // Bits 11:1: Rsvd
  static constexpr BitRange kCtp{63, 12};         // Bits 63:12: CTP; 63:HAW Rsvd

  bool present = false;
  uint64_t context_table = 0;  // CTP: HPA of the context table, 4 KiB aligned, in place

  // Decodes two qwords (low first). Reserved bits are dropped; check them with
  // ReservedBits(). InvalidArgument if `words` is not 2 qwords long.
  static absl::StatusOr<RootEntry> Decode(absl::Span<const uint64_t> words);
  // Inline: every context-cache miss decodes one.
  static RootEntry Decode(uint64_t lo, uint64_t /*hi*/) {
    RootEntry e;
    e.present = kPresent.Get(lo) != 0;
    e.context_table = kCtp.InPlace(lo);
    return e;
  }
  // InvalidArgument if context_table is not 4 KiB aligned.
  absl::StatusOr<std::array<uint64_t, 2>> Encode() const;

  // Reserved bits for a host address width `haw`: 11:1, 63:HAW, 127:64.
  static std::array<uint64_t, 2> ReservedMask(int haw);
  // The reserved bits set in a raw entry (all zero for a well-formed entry).
  static std::array<uint64_t, 2> ReservedBits(uint64_t lo, uint64_t hi, int haw);

  Json ToJson() const;
  bool operator==(const RootEntry&) const = default;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_STRUCTS_ROOT_ENTRY_H_
