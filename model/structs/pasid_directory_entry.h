// Scalable-mode PASID directory entry (VT-d spec §9.5): 64 bits. The PASID directory a
// scalable-mode context entry points to is indexed by PASID[19:6]; each present entry points
// to a 4 KiB PASID table of 64 entries indexed by PASID[5:0] (S §3.4.3).
#ifndef VTDSIM_MODEL_STRUCTS_PASID_DIRECTORY_ENTRY_H_
#define VTDSIM_MODEL_STRUCTS_PASID_DIRECTORY_ENTRY_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "model/common/bits.h"
#include "model/common/json.h"

namespace vtd {

// PASID[19:6]: index into the PASID directory.
constexpr int PasidDirectoryIndex(uint32_t pasid) {
  return static_cast<int>((pasid >> 6) & 0x3fff);
}
// PASID[5:0]: index into the PASID table.
constexpr int PasidTableIndex(uint32_t pasid) { return static_cast<int>(pasid & 0x3f); }

struct PasidDirectoryEntry {
  static constexpr int kSizeBytes = 8;
  static constexpr BitRange kPresent = Bit(0);       // Bit 0: P
  static constexpr BitRange kFpd = Bit(1);           // Bit 1: FPD, evaluated even if P=0
  static constexpr BitRange kReservedLow{11, 2};     // Bits 11:2: Rsvd
  static constexpr BitRange kPasidTablePtr{63, 12};  // Bits 63:12: SMPTBLPTR; 63:HAW Rsvd

  bool present = false;
  bool fpd = false;
  uint64_t pasid_table = 0;  // SMPTBLPTR: HPA, 4 KiB aligned, in place

  // Reserved bits are dropped; check them with ReservedBits().
  static PasidDirectoryEntry Decode(uint64_t raw);
  // InvalidArgument if the PASID-table pointer is not 4 KiB aligned.
  absl::StatusOr<uint64_t> Encode() const;

  // Reserved bits for host address width `haw`: 11:2, 63:HAW.
  static uint64_t ReservedMask(int haw);
  static uint64_t ReservedBits(uint64_t raw, int haw) { return raw & ReservedMask(haw); }

  Json ToJson() const;
  bool operator==(const PasidDirectoryEntry&) const = default;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_STRUCTS_PASID_DIRECTORY_ENTRY_H_
