// The reserved-bit masks a scalable lookup checks context and PASID table entries with,
// computed once per unit (ScalableEntryMasks), against the layouts of
// ../shared/spec/translation-structures.md §5 (scalable-mode context entry, S §9.4) and §7
// (PASID table entry, S §9.6). The unit's SCT.3 / SPT.3 faults with them:
// tests/unit/scalable_faults_test.cc.
#include <cstdint>

#include "gtest/gtest.h"
#include "model/translate/scalable_lookup.h"

namespace vtd {
namespace {

// Bits hi..lo set.
constexpr uint64_t Bits(int hi, int lo) {
  return (hi == 63 ? ~uint64_t{0} : (uint64_t{1} << (hi + 1)) - 1) & ~((uint64_t{1} << lo) - 1);
}

WalkConfig Config() {
  WalkConfig config;
  config.haw = 48;
  config.cap.nd = 6;  // 16-bit domain-ids
  config.ecap.dt = true;
  config.ecap.pasid = true;
  config.ecap.ssts = true;
  config.ecap.fsts = true;
  return config;
}

TEST(ScalableEntryMasksTest, ContextEntryReservedBits_Sec9_4) {
  WalkConfig config = Config();
  ScalableEntryMasks m = ScalableEntryMasks::For(config);
  // 8:7 Rsvd, PASIDDIRPTR 63:HAW Rsvd; P, FPD, DTE (DT=1), PASIDE (PASID=1), PDTS not.
  EXPECT_EQ(m.context[0] & Bits(8, 7), Bits(8, 7));
  EXPECT_EQ(m.context[0] & Bits(63, 48), Bits(63, 48));
  EXPECT_EQ(m.context[0] & (Bits(3, 0) | Bits(11, 9) | Bits(47, 12)), 0u);
  // 255:85 Rsvd: qword 1 bits 63:21, qwords 2 and 3 whole.
  EXPECT_EQ(m.context[1] & Bits(63, 21), Bits(63, 21));
  EXPECT_EQ(m.context[2], ~uint64_t{0});
  EXPECT_EQ(m.context[3], ~uint64_t{0});
  // DTE is Reserved(0) without ECAP.DT.
  config.ecap.dt = false;
  m = ScalableEntryMasks::For(config);
  EXPECT_EQ(m.context[0] & Bit(2).mask(), Bit(2).mask());
}

TEST(ScalableEntryMasksTest, RootEntryReservedBits_Sec9_2) {
  const ScalableEntryMasks m = ScalableEntryMasks::For(Config());
  // Lower half: 11:1 Rsvd, LCTP 63:HAW Rsvd; LP and LCTP below HAW not.
  EXPECT_EQ(m.root[0], Bits(11, 1) | Bits(63, 48));
  // Upper half: 75:65 Rsvd, UCTP 127:HAW+64 Rsvd; UP and UCTP below HAW not.
  EXPECT_EQ(m.root[1], Bits(11, 1) | Bits(63, 48));
}

TEST(ScalableEntryMasksTest, PasidDirectoryEntryReservedBits_Sec9_5) {
  WalkConfig config = Config();
  // 11:2 Rsvd, SMPTBLPTR 63:HAW Rsvd; P, FPD and the pointer below HAW not.
  EXPECT_EQ(ScalableEntryMasks::For(config).directory, Bits(11, 2) | Bits(63, 48));
  config.haw = 39;
  EXPECT_EQ(ScalableEntryMasks::For(config).directory, Bits(11, 2) | Bits(63, 39));
}

TEST(ScalableEntryMasksTest, PasidEntryReservedBitsOfEveryPgtt_Sec9_6) {
  const ScalableEntryMasks m = ScalableEntryMasks::For(Config());
  for (int pgtt = 0; pgtt < 8; ++pgtt) {
    SCOPED_TRACE(pgtt);
    const auto& q = m.pasid[pgtt];
    // Qword 0: bit 5 and 11:10 Rsvd; P, FPD and PGTT never.
    EXPECT_EQ(q[0] & (Bits(5, 5) | Bits(11, 10)), Bits(5, 5) | Bits(11, 10));
    EXPECT_EQ(q[0] & (Bits(1, 0) | Bits(8, 6)), 0u);
    // Qword 1: 86:80 and 95:91 Rsvd; DID 79:64 (16 implemented bits) never.
    EXPECT_EQ(q[1] & (Bits(22, 16) | Bits(31, 27)), Bits(22, 16) | Bits(31, 27));
    EXPECT_EQ(q[1] & Bits(15, 0), 0u);
    // Qword 2: 139:136 Rsvd, 191:HAW+128 Rsvd.
    EXPECT_EQ(q[2] & Bits(11, 8), Bits(11, 8));
    EXPECT_EQ(q[2] & Bits(63, 48), Bits(63, 48));
    // Qword 3 (255:192) Rsvd.
    EXPECT_EQ(q[3], ~uint64_t{0});
  }
  // PGTT 010b (second stage): SSPTPTR 47:12 is the table, 63:HAW Rsvd.
  EXPECT_EQ(m.pasid[2][0] & Bits(47, 12), 0u);
  EXPECT_EQ(m.pasid[2][0] & Bits(63, 48), Bits(63, 48));
}

}  // namespace
}  // namespace vtd
