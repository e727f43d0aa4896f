// First-stage paging entry (VT-d spec §9.7, §3.6): 64 bits, Intel-64 compatible. The same
// layout serves FS-PML5E, FS-PML4E, FS-PDPE, FS-PDE and FS-PTE; which bits are fields,
// ignored or reserved depends on the level and on PS (bit 7 is PS above the PTE level and
// PAT in a PTE; bit 12 is PAT in a 1 GiB / 2 MiB leaf and an address bit elsewhere).
#ifndef VTDSIM_MODEL_STRUCTS_FIRST_STAGE_PTE_H_
#define VTDSIM_MODEL_STRUCTS_FIRST_STAGE_PTE_H_

#include <cstdint>

#include "absl/status/statusor.h"
#include "model/common/bits.h"
#include "model/common/json.h"

namespace vtd {

// The capability-dependent parts of the format.
struct FsPteFormat {
  int haw = 48;           // host address width: bits 51:HAW are reserved
  bool large_1g = false;  // CAP.FS1GP: PS=1 allowed in FS-PDPE (2 MiB pages always are)
};

struct FirstStagePte {
  static constexpr BitRange kPresent = Bit(0);            // Bit 0: P
  static constexpr BitRange kWrite = Bit(1);              // Bit 1: R/W
  static constexpr BitRange kUser = Bit(2);               // Bit 2: U/S
  static constexpr BitRange kPwt = Bit(3);                // Bit 3: PWT (leaf); IGN non-leaf
  static constexpr BitRange kPcd = Bit(4);                // Bit 4: PCD (leaf); IGN non-leaf
  static constexpr BitRange kAccessed = Bit(5);           // Bit 5: A
  static constexpr BitRange kDirty = Bit(6);              // Bit 6: D (leaf); IGN non-leaf
  static constexpr BitRange kBit7 = Bit(7);               // Bit 7: PS (PDPE/PDE), PAT (PTE),
                                                          //   Rsvd (PML5E/PML4E)
  static constexpr BitRange kGlobal = Bit(8);             // Bit 8: G (leaf, ignored by HW); IGN
  static constexpr BitRange kExtendedAccessed = Bit(10);  // Bit 10: EA if EAFE=1, else IGN
  static constexpr BitRange kLargePat = Bit(12);          // Bit 12: PAT in a 1 GiB / 2 MiB leaf
  static constexpr BitRange kAddress{51, 12};             // Bits 51:12: ADDR; 51:HAW Rsvd
  static constexpr BitRange kXd = Bit(63);                // Bit 63: XD before 4.1; IGN in 5.10
  // Ignored in every entry: 9, 11, 62:52. Non-leaf entries also ignore 3, 4, 6 and 8.
  static constexpr uint64_t kIgnoredAlways = Bit(9).mask() | Bit(11).mask() | BitMask(62, 52);
  static constexpr uint64_t kIgnoredNonLeaf =
      kIgnoredAlways | Bit(3).mask() | Bit(4).mask() | Bit(6).mask() | Bit(8).mask();

  int level = 1;  // 1 = FS-PTE ... 5 = FS-PML5E; decides what bits 7, 12 and 3/4/6/8 mean
  bool present = false;
  bool write = false;  // R/W
  bool user = false;   // U/S
  bool pwt = false;    // leaf only
  bool pcd = false;    // leaf only
  bool accessed = false;
  bool dirty = false;      // leaf only
  bool page_size = false;  // PS: FS-PDPE / FS-PDE only
  bool pat = false;        // leaf only: bit 7 in a PTE, bit 12 in a large leaf
  bool global = false;     // leaf only
  bool extended_accessed = false;
  uint64_t address = 0;  // in place: bits 51:12 (PTE, non-leaf), 51:21 (2 MiB), 51:30 (1 GiB)
  bool xd = false;
  uint64_t ignored = 0;  // the level's ignored bits, in place (kept so Encode is lossless)

  // True if an entry at `level` with this raw value maps a page.
  static bool IsLeaf(uint64_t raw, int level) {
    return level == 1 || ((level == 2 || level == 3) && kBit7.Get(raw) != 0);
  }
  bool IsLeaf() const { return level == 1 || ((level == 2 || level == 3) && page_size); }
  // Bytes mapped by a leaf at this level (4 KiB, 2 MiB, 1 GiB).
  uint64_t PageBytes() const { return uint64_t{1} << (12 + 9 * (level - 1)); }

  // Decodes an entry read at `level` (1..5). Reserved bits are dropped; check them with
  // ReservedBits(). InvalidArgument for a level outside 1..5.
  static absl::StatusOr<FirstStagePte> Decode(uint64_t raw, int level);
  // InvalidArgument naming the field if a value does not fit the level: level outside
  // 1..5, PS in a PTE or PML4E/PML5E, PAT/PWT/PCD/D/G in a non-leaf, an address with bits
  // outside the level's ADDR field, ignored bits outside the level's ignored set.
  absl::StatusOr<uint64_t> Encode() const;

  // Reserved bits of a raw entry at `level` (S §9.7): 51:HAW at every level; bit 7 in
  // FS-PML5E/PML4E; in a 1 GiB leaf 29:13 (and PS itself without FS1GP); in a 2 MiB leaf
  // 20:13. Checked by hardware only when P=1.
  static uint64_t ReservedMask(uint64_t raw, int level, const FsPteFormat& format);
  static uint64_t ReservedBits(uint64_t raw, int level, const FsPteFormat& format) {
    return raw & ReservedMask(raw, level, format);
  }

  Json ToJson() const;
  bool operator==(const FirstStagePte&) const = default;

 private:
  // The level's ADDR field: bits 51:12, or 51:21 / 51:30 for a large leaf.
  static uint64_t AddressMask(int level, bool leaf);
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_STRUCTS_FIRST_STAGE_PTE_H_
