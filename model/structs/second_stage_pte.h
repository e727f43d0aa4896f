// Second-stage paging entry (VT-d spec §9.8, §3.7): 64 bits, EPT-like. The same layout
// serves SS-PML5E, SS-PML4E, SS-PDPE, SS-PDE and SS-PTE; which bits are reserved depends on
// the level, on PS, and on capabilities (ReservedMask).
#ifndef VTDSIM_MODEL_STRUCTS_SECOND_STAGE_PTE_H_
#define VTDSIM_MODEL_STRUCTS_SECOND_STAGE_PTE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "model/common/bits.h"
#include "model/common/json.h"

namespace vtd {

// What bit 62 means (spec digest README disagreement #14).
enum class SsBit62 : uint8_t {
  kReserved,          // 3.2 - 4.x, and 5.x legacy mode (IW needs SSIRWE, scalable only)
  kTransientMapping,  // up to 3.1: TM in leaf entries (ignored in non-leaf: unconfirmed)
};

// The capability-dependent parts of the format.
struct SsPteFormat {
  int haw = 48;                // host address width: ADDR bits 51:HAW are reserved
  bool snoop_control = false;  // ECAP.SC: leaf SNP is reserved when 0
  bool large_2m = false;       // CAP.SLLPS bit 0 (CAP bit 34): PS=1 allowed in SS-PDE
  bool large_1g = false;       // CAP.SLLPS bit 1 (CAP bit 35): PS=1 allowed in SS-PDPE
  SsBit62 bit62 = SsBit62::kReserved;
};

struct SecondStagePte {
  static constexpr BitRange kRead = Bit(0);      // Bit 0: R
  static constexpr BitRange kWrite = Bit(1);     // Bit 1: W
  static constexpr BitRange kExecute = Bit(2);   // Bit 2: X in 2.x; ignored in 5.10
  static constexpr BitRange kEmt{5, 3};          // Bits 5:3: EMT (leaf; ignored in legacy)
  static constexpr BitRange kIpat = Bit(6);      // Bit 6: IPAT (leaf; ignored in legacy)
  static constexpr BitRange kPageSize = Bit(7);  // Bit 7: PS (SS-PDPE/SS-PDE); Rsvd in
                                                 //   SS-PML5E/PML4E; ignored in SS-PTE
  static constexpr BitRange kAccessed = Bit(8);  // Bit 8: A (scalable, SSADE=1)
  static constexpr BitRange kDirty = Bit(9);     // Bit 9: D (scalable leaf, SSADE=1)
  static constexpr BitRange kSnoop = Bit(11);    // Bit 11: SNP (leaf); Rsvd in non-leaf
  static constexpr BitRange kAddress{51, 12};    // Bits 51:12: ADDR; 51:HAW Rsvd
  static constexpr BitRange kIr = Bit(61);       // Bit 61: IR (5.0+, SSIRWE=1) else IGN
  static constexpr BitRange kBit62 = Bit(62);    // Bit 62: TM (<=3.1) / Rsvd / IW (5.0+)
  // Always-ignored bits: 10, 60:52, 63.
  static constexpr uint64_t kIgnoredMask = Bit(10).mask() | BitMask(60, 52) | Bit(63).mask();

  bool read = false;
  bool write = false;
  bool execute = false;  // bit 2, kept for lossless round trips
  uint8_t emt = 0;
  bool ipat = false;
  bool page_size = false;
  bool accessed = false;
  bool dirty = false;
  bool snoop = false;
  uint64_t address = 0;  // ADDR bits 51:12 in place
  bool ir = false;
  bool bit62 = false;    // TM or IW, per SsBit62 / SSIRWE
  uint64_t ignored = 0;  // bits 10, 60:52, 63 in place

  // An entry is present if R or W is set (S §3.7; IR/IW with SSIRWE are scalable only).
  bool present() const { return read || write; }
  // True if this entry maps a page at `level` (1 = SS-PTE ... 5 = SS-PML5E).
  bool IsLeaf(int level) const { return level == 1 || ((level == 2 || level == 3) && page_size); }

  static SecondStagePte Decode(uint64_t raw);
  // InvalidArgument if EMT > 7 or the address is not 4 KiB aligned or above bit 51, or
  // `ignored` has bits outside kIgnoredMask.
  absl::StatusOr<uint64_t> Encode() const;

  // Reserved bits of an entry at `level` (S §9.8 table, §3.7): PS decides leaf vs. non-leaf
  // for SS-PDPE/SS-PDE, so the raw value is needed:
  //   SS-PML5E/PML4E: 7, 11, 51:HAW;   non-leaf SS-PDPE/PDE: 11, 51:HAW;
  //   1 GiB SS-PDPE: 29:12, 51:HAW, SNP if !SC, PS if 1 GiB pages unsupported;
  //   2 MiB SS-PDE: 20:12, 51:HAW, SNP if !SC, PS if 2 MiB pages unsupported;
  //   SS-PTE: 51:HAW, SNP if !SC;   every level: 62 when bit62 == kReserved.
  // Checked by hardware only when R or W is set.
  static inline uint64_t ReservedMask(uint64_t raw, int level, const SsPteFormat& format);
  static uint64_t ReservedBits(uint64_t raw, int level, const SsPteFormat& format) {
    return raw & ReservedMask(raw, level, format);
  }

  // Decoded fields for explanations; `level` picks the names that apply.
  Json ToJson(int level) const;
  bool operator==(const SecondStagePte&) const = default;
};

inline uint64_t SecondStagePte::ReservedMask(uint64_t raw, int level, const SsPteFormat& format) {
  uint64_t mask = format.haw < 52 ? BitMask(51, format.haw) : 0;
  if (format.bit62 == SsBit62::kReserved) mask |= kBit62.mask();
  const bool ps = kPageSize.Get(raw) != 0;
  if (level >= 4) {
    mask |= kPageSize.mask() | kSnoop.mask();
  } else if (level == 3 || level == 2) {
    if (!ps) {
      mask |= kSnoop.mask();
    } else {
      mask |= BitMask(level == 3 ? 29 : 20, 12);
      if (!format.snoop_control) mask |= kSnoop.mask();
      if (!(level == 3 ? format.large_1g : format.large_2m)) mask |= kPageSize.mask();
    }
  } else if (!format.snoop_control) {
    mask |= kSnoop.mask();
  }
  return mask;
}

}  // namespace vtd

#endif  // VTDSIM_MODEL_STRUCTS_SECOND_STAGE_PTE_H_
