// Address-width geometry (VT-d spec §3.5, §3.7, §9.3 AW field, §11.4.2 CAP.SAGAW/MGAW/ND):
// data, not code paths, so 3-, 4- and 5-level walks share one loop.
#ifndef VTDSIM_MODEL_STRUCTS_ADDRESS_WIDTH_H_
#define VTDSIM_MODEL_STRUCTS_ADDRESS_WIDTH_H_

#include <cstdint>

namespace vtd {

// AW encodings defined by spec 5.10: 001b 39-bit/3-level, 010b 48-bit/4-level,
// 011b 57-bit/5-level. 000b (30-bit) and 100b (64-bit) were 1.x/2.x values and are reserved.
inline constexpr int kMinAw = 1;
inline constexpr int kMaxAw = 3;
inline constexpr int kMaxPagingLevels = 5;

constexpr bool IsDefinedAw(int aw) { return aw >= kMinAw && aw <= kMaxAw; }
// Adjusted guest address width in bits for an AW value: 30 + 9 * AW.
constexpr int AgawBits(int aw) { return 30 + 9 * aw; }
// Paging levels walked for an AW value: AW + 2.
constexpr int PagingLevels(int aw) { return aw + 2; }
// True if CAP.SAGAW (bits 12:8, passed shifted down to 4:0) reports this AW.
constexpr bool SagawSupports(uint32_t sagaw, int aw) {
  return IsDefinedAw(aw) && ((sagaw >> aw) & 1) != 0;
}

// Input-address bits that select the entry at `level` (1 = PT ... 5 = PML5):
// bits 20:12 for level 1, 29:21 for level 2, and so on, 9 bits a level.
constexpr int LevelShift(int level) { return 12 + 9 * (level - 1); }
constexpr int LevelIndex(uint64_t address, int level) {
  return static_cast<int>((address >> LevelShift(level)) & 0x1ff);
}
// Bytes mapped by one entry at `level` (4 KiB, 2 MiB, 1 GiB, ...).
constexpr uint64_t LevelPageSize(int level) { return uint64_t{1} << LevelShift(level); }

// Domain-id width for CAP.ND (0..6): 4 + 2 * ND bits. ND=7 is reserved.
constexpr int DomainIdBits(int nd) { return 4 + 2 * nd; }

}  // namespace vtd

#endif  // VTDSIM_MODEL_STRUCTS_ADDRESS_WIDTH_H_
