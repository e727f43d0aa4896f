// The reserved-bit masks a legacy lookup checks root and context entries with, computed once
// per unit (LegacyEntryMasks), against the layouts of ../shared/spec/translation-structures.md
// §2 (root entry, S §9.1) and §4 (context entry, S §9.3). The unit's lookups with them:
// tests/unit/root_context_reserved_test.cc.
#include <cstdint>

#include "gtest/gtest.h"
#include "model/translate/legacy_walk.h"

namespace vtd {
namespace {

// Bits hi..lo set.
constexpr uint64_t Bits(int hi, int lo) {
  return (hi == 63 ? ~uint64_t{0} : (uint64_t{1} << (hi + 1)) - 1) & ~((uint64_t{1} << lo) - 1);
}

TEST(LegacyEntryMasksTest, RootEntryReservedBits_Sec9_1) {
  WalkConfig config;
  config.haw = 46;
  const LegacyEntryMasks m = LegacyEntryMasks::For(config);
  // 11:1 Rsvd, 63:HAW of CTP Rsvd, 127:64 Rsvd.
  EXPECT_EQ(m.root[0], Bits(11, 1) | Bits(63, 46));
  EXPECT_EQ(m.root[0], 0xffffc00000000ffeu);
  EXPECT_EQ(m.root[1], ~uint64_t{0});
}

TEST(LegacyEntryMasksTest, ContextEntryReservedBits_Sec9_3) {
  WalkConfig config;
  config.haw = 39;
  config.cap.nd = 2;  // 8-bit domain-ids (ND 010b)
  const LegacyEntryMasks m = LegacyEntryMasks::For(config);
  // Low qword: 11:4 Rsvd, SSPTPTR 63:HAW Rsvd unless TT=10b (SSPTPTR ignored).
  for (int tt : {0, 1, 3}) EXPECT_EQ(m.context[tt][0], Bits(11, 4) | Bits(63, 39)) << tt;
  EXPECT_EQ(m.context[2][0], 0xff0u);
  // High qword (bit 64 = bit 0): 71 Rsvd, DID 87:72 above the 8 implemented bits (87:80),
  // 127:88.
  for (int tt = 0; tt < 4; ++tt) {
    EXPECT_EQ(m.context[tt][1], Bits(7, 7) | Bits(23, 16) | Bits(63, 24)) << tt;
  }
  // 16-bit domain-ids (ND 110b): the spec digest's QEMU mask 0xFFFFFFFFFF000080.
  config.cap.nd = 6;
  EXPECT_EQ(LegacyEntryMasks::For(config).context[0][1], 0xffffffffff000080u);
}

}  // namespace
}  // namespace vtd
