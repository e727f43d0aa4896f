// A unit's legacy lookups fault LRT.3 / LCT.3 (faults.md 0Ah / 0Bh) on exactly the reserved
// bits of ../shared/spec/translation-structures.md §2 (root entry, S §9.1) and §4 (context
// entry, S §9.3), with the masks the unit computes once (LegacyEntryMasks), in the lean and
// the full form.
#include <cstdint>
#include <optional>

#include "gtest/gtest.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

class RootContextReservedTest : public UnitTest {
 protected:
  // A unit programmed over the tables as they are now (the root entry is not rewritten).
  void Start() {
    CreateUnit();
    SetRootTable();
    GlobalContextInvalidate();
    GlobalIotlbInvalidate();
    EnableTranslation();
  }
  // The fault a read of the mapped page gets (nullopt: translated).
  std::optional<FaultCondition> Probe() {
    Start();
    const DmaResult r = unit_->Translate(Req(0x1000));
    Start();
    const DmaOutcome full = unit_->Dma(Req(0x1000));
    EXPECT_EQ(full.result.fault.has_value(), r.faulted);
    if (!r.faulted) {
      EXPECT_EQ(r.hpa, 0x5000u);
      return std::nullopt;
    }
    if (full.result.fault) EXPECT_EQ(full.result.fault->condition, r.condition);
    return r.condition;
  }
};

TEST_F(RootContextReservedTest, ReservedBitsFault_Sec9_1_Sec9_3) {
  config_.host_address_width = 46;
  config_.cap = WithField(kR630Cap, Capability::kNd, 2);  // 8-bit domain-ids
  SetContext(/*did=*/7);
  Map(0x1000, 0x5000);
  SetRoot(kSid.bus(), kContextTable | 1);
  ASSERT_EQ(Probe(), std::nullopt);
  const uint64_t root_lo_address = kRootTable + 16 * kSid.bus();
  const uint64_t root_hi_address = root_lo_address + 8;
  const uint64_t ce_lo_address = ContextAddress(kSid);
  const uint64_t ce_hi_address = ce_lo_address + 8;
  const uint64_t root_lo = Read(root_lo_address);
  const uint64_t ce_lo = Read(ce_lo_address);
  const uint64_t ce_hi = Read(ce_hi_address);

  struct Case {
    uint64_t address;
    uint64_t original;
    int bit;
    std::optional<FaultCondition> expected;
  };
  const Case cases[] = {
      {root_lo_address, root_lo, 1, FaultCondition::kLrt3},  // 11:1
      {root_lo_address, root_lo, 11, FaultCondition::kLrt3},
      {root_lo_address, root_lo, 46, FaultCondition::kLrt3},  // CTP 63:HAW
      {root_lo_address, root_lo, 63, FaultCondition::kLrt3},
      {root_hi_address, 0, 0, FaultCondition::kLrt3},  // 127:64
      {root_hi_address, 0, 63, FaultCondition::kLrt3},
      {ce_lo_address, ce_lo, 4, FaultCondition::kLct3},  // 11:4
      {ce_lo_address, ce_lo, 11, FaultCondition::kLct3},
      {ce_lo_address, ce_lo, 46, FaultCondition::kLct3},  // SSPTPTR 63:HAW
      {ce_hi_address, ce_hi, 7, FaultCondition::kLct3},   // bit 71
      {ce_hi_address, ce_hi, 16, FaultCondition::kLct3},  // DID bit 8 (bit 80), ND = 8 bits
      {ce_hi_address, ce_hi, 23, FaultCondition::kLct3},  // DID bit 15 (bit 87)
      {ce_hi_address, ce_hi, 24, FaultCondition::kLct3},  // bit 88
      {ce_hi_address, ce_hi, 63, FaultCondition::kLct3},  // bit 127
      // Not reserved: IGN 70:67 and an implemented DID bit (DID 0x87: another domain).
      {ce_hi_address, ce_hi, 3, std::nullopt},
      {ce_hi_address, ce_hi, 15, std::nullopt},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(absl::StrCat("address ", c.address, " bit ", c.bit));
    Write(c.address, c.original | uint64_t{1} << c.bit);
    EXPECT_EQ(Probe(), c.expected);
    Write(c.address, c.original);
  }
}

}  // namespace
}  // namespace vtd
