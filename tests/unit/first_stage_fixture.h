// Fixture for first-stage (PGTT=001b) and nested (PGTT=011b) tests through the unit: a
// scalable unit with FSTS and NEST, first-stage tables and PASID entries written bit by bit
// from translation-structures.md §7, §8, §11.
#ifndef VTDSIM_TESTS_UNIT_FIRST_STAGE_FIXTURE_H_
#define VTDSIM_TESTS_UNIT_FIRST_STAGE_FIXTURE_H_

#include <cstdint>

#include "tests/unit/scalable_fixture.h"

namespace vtd {

// First-stage entry bits (translation-structures.md §8).
inline constexpr uint64_t kFsP = 1, kFsRw = 2, kFsUs = 4, kFsA = 0x20, kFsD = 0x40, kFsPs = 0x80;
inline constexpr uint64_t kFsAll = kFsP | kFsRw | kFsUs;
// ECAP.FSTS 47, ECAP.NEST 26 (registers.md).
inline constexpr uint64_t kEcapFsts = uint64_t{1} << 47;
inline constexpr uint64_t kEcapNest = uint64_t{1} << 26;

class FirstStageUnitTest : public ScalableUnitTest {
 protected:
  void Start() {
    config_.ecap = kQemuScalablePasidEcap | kEcapFsts | kEcapNest | kEcapSmpwcs | kEcapSsads;
    CreateUnit();
    EnableScalable();
    SetSmContext();
  }
  // Maps `iova` to `out` in the 4-level first-stage table at `root`, creating tables with
  // `table_flags`; returns the leaf entry's address.
  uint64_t FsMap(uint64_t root, uint64_t iova, uint64_t out, int leaf_level = 1,
                 uint64_t leaf_flags = kFsAll, uint64_t table_flags = kFsAll) {
    uint64_t table = root;
    for (int level = 4; level > leaf_level; --level) {
      const uint64_t ea = table + 8 * LevelIndex(iova, level);
      uint64_t raw = Read(ea);
      if (raw == 0) {
        raw = NewTable() | table_flags;
        Write(ea, raw);
      }
      table = raw & 0x000ffffffffff000;
    }
    const uint64_t ea = table + 8 * LevelIndex(iova, leaf_level);
    Write(ea, out | leaf_flags | (leaf_level > 1 ? kFsPs : 0));
    return ea;
  }
  uint64_t FsEntry(uint64_t root, uint64_t iova, int level) {
    uint64_t table = root;
    for (int l = 4; l > level; --l) table = Read(table + 8 * LevelIndex(iova, l)) & 0xffffffffff000;
    return table + 8 * LevelIndex(iova, level);
  }
  // PASID entry: qword 0 P | PGTT<<6 (| AW<<2 | SSADE<<9 | SSPTPTR for nested); qword 1 DID |
  // PWSNP<<23; qword 2 FSPTPTR | SRE (bit 0) | WPE (bit 4).
  uint64_t SetFirstStagePasid(uint32_t pasid, uint16_t did, bool sre = false, bool wpe = false) {
    SetPasidDir(pasid, kPasidTable | 1);
    const uint64_t fs_root = NewTable();
    SetPasidEntryRaw(pasid, 1 | (uint64_t{1} << 6), did | (uint64_t{1} << 23),
                     fs_root | (sre ? 1 : 0) | (wpe ? 0x10 : 0));
    return fs_root;
  }
  uint64_t SetNestedPasid(uint32_t pasid, uint16_t did, bool ssade = false) {
    SetPasidDir(pasid, kPasidTable | 1);
    const uint64_t fs_root = NewTable();
    root_table_ = NewTable();
    levels_ = 4;
    SetPasidEntryRaw(
        pasid,
        1 | (uint64_t{2} << 2) | (uint64_t{3} << 6) | (ssade ? uint64_t{1} << 9 : 0) | root_table_,
        did | (uint64_t{1} << 23), fs_root);
    return fs_root;
  }
  uint64_t Hpa(const DmaOutcome& out) {
    EXPECT_TRUE(out.result.ok()) << DescribeResult(out);
    return out.result.translation.has_value() ? out.result.translation->hpa : 0;
  }
};

}  // namespace vtd

#endif  // VTDSIM_TESTS_UNIT_FIRST_STAGE_FIXTURE_H_
