// RemappingUnit::Reset: the unit as it comes out of reset (S §11.4 register defaults).
#include <cstdint>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

class UnitResetTest : public UnitTest {};

// RTADDR resets to 0 and GSTS.RTPS to 0 (S §11.4.4, §11.4.5): the root table the last SRTP
// latched is gone. Translation enabled after reset without SRTP walks from address 0, whose
// root entry (memory there is zero) is not present: fault 01h (faults.md LRT.2), never the
// mapping of the tables from before reset.
TEST_F(UnitResetTest, ResetForgetsTheLatchedRootTable_Sec11_4_5) {
  CreateUnit();
  SetRoot(kSid.bus(), kContextTable | 1);
  SetContext(/*did=*/5);
  Map(0x40000000, 0x7654000);
  SetRootTable();
  GlobalContextInvalidate();
  GlobalIotlbInvalidate();
  GlobalCommand(1u << 31, true);  // TE
  const DmaOutcome before = unit_->Dma(Req(0x40000123));
  ASSERT_TRUE(before.result.ok()) << DescribeResult(before);
  EXPECT_EQ(before.result.translation->hpa, 0x7654123u);

  unit_->Reset();
  EXPECT_EQ(unit_->ReadRegister64(kRtaddrOffset), 0u);
  EXPECT_EQ(Gsts(), 0u);
  EXPECT_EQ(unit_->walk_config().root_table(), 0u);

  GlobalCommand(1u << 31, true);  // TE without SRTP
  const DmaOutcome after = unit_->Dma(Req(0x40000123));
  ASSERT_TRUE(after.result.fault.has_value()) << DescribeResult(after);
  EXPECT_EQ(static_cast<int>(after.result.fault->reason), 0x01);
}

// Random replacement draws from a generator seeded by the configuration (CacheGeometry::seed,
// style: determinism): a unit after Reset replays a run as a new unit does, the same victims
// giving the same hits and misses.
TEST_F(UnitResetTest, RandomReplacementReplaysAfterReset) {
  config_.caches.iotlb =
      CacheGeometry{.entries = 4, .ways = 4, .policy = ReplacementPolicy::kRandom, .seed = 7};
  CreateUnit();
  SetContext(/*did=*/5);
  constexpr int kPages = 8;
  for (int page = 0; page < kPages; ++page) {
    Map(0x40000000 + 0x1000 * page, 0x7000000 + 0x1000 * page);
  }
  // Eight pages through four IOTLB entries: which later accesses hit depends on the victims.
  auto run = [&] {
    Enable();
    std::vector<bool> hits;
    for (int i = 0; i < 64; ++i) {
      const int page = (i * 5 + i / 8) % kPages;
      const uint64_t before = unit_->iotlb().counters().hits;
      const DmaOutcome out = unit_->Dma(Req(0x40000000 + 0x1000 * page));
      EXPECT_TRUE(out.result.ok()) << DescribeResult(out);
      hits.push_back(unit_->iotlb().counters().hits != before);
    }
    return hits;
  };
  const std::vector<bool> fresh = run();
  EXPECT_THAT(fresh, ::testing::Contains(true));
  EXPECT_THAT(fresh, ::testing::Contains(false));
  unit_->Reset();
  EXPECT_EQ(run(), fresh);
}

}  // namespace
}  // namespace vtd
