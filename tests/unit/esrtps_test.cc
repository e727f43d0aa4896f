// CAP.ESRTPS (spec 3.2+): with it, SRTP also invalidates every DMA-remapping cache
// (invalidation.md §8, S §6.6); without it, software must invalidate after SRTP and a cached
// translation survives the SRTP.
#include <cstdint>

#include "gtest/gtest.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

class EsrtpsTest : public UnitTest {
 protected:
  // Maps IOVA 0x1000 to 0x5000, enables translation, and caches it with one DMA; then points
  // the leaf at 0x6000 in memory (no invalidation) and sets the same root table again.
  uint64_t HpaAfterRemapAndSrtp(bool esrtps) {
    config_.cap = WithField(kR630Cap, Capability::kEsrtps, esrtps ? 1 : 0);
    CreateUnit();
    SetContext();
    const uint64_t leaf = Map(0x1000, 0x5000);
    Enable();
    DmaOutcome first = unit_->Dma(Req(0x1010));
    EXPECT_TRUE(first.result.translation.has_value()) << DescribeResult(first);
    if (first.result.translation) EXPECT_EQ(first.result.translation->hpa, 0x5010u);
    Write(leaf, 0x6000 | 3);
    SetRootTable();
    DmaOutcome second = unit_->Dma(Req(0x1010));
    EXPECT_TRUE(second.result.translation.has_value()) << DescribeResult(second);
    return second.result.translation ? second.result.translation->hpa : 0;
  }
};

TEST_F(EsrtpsTest, SrtpWithoutEsrtpsKeepsCachedTranslations) {
  EXPECT_EQ(HpaAfterRemapAndSrtp(false), 0x5010u);
}

TEST_F(EsrtpsTest, SrtpWithEsrtpsInvalidatesEveryDmaRemappingCache) {
  EXPECT_EQ(HpaAfterRemapAndSrtp(true), 0x6010u);
  EXPECT_EQ(unit_->context_cache().size(), 1);  // refilled by the second DMA only
}

}  // namespace
}  // namespace vtd
