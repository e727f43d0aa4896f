// An IOTLB hit (VT-d spec §6.2.3) answers with the translation the walk that filled the
// entry produced: the unit precomputes the request-independent part when it fills the entry
// (page, size, permissions, leaf SNP/EMT/IPAT), and takes DID, FPD, TT and the paging levels
// from the context entry that governs the hitting request (S §3.4.2, §9.3).
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

constexpr uint64_t kIova = 0x40000000;

class IotlbHitTest : public UnitTest {
 protected:
  // A request to the same page at another offset: what the walk's answer would be for it.
  static std::string Shifted(std::string walked, uint64_t from, uint64_t to) {
    const std::string a = absl::StrCat(" hpa ", from, " "), b = absl::StrCat(" hpa ", to, " ");
    const size_t at = walked.find(a);
    if (at != std::string::npos) walked.replace(at, a.size(), b);
    return walked;
  }
  uint64_t IotlbHits() { return unit_->cache_counters(CacheKind::kIotlb).hits; }
};

// S §6.2.3: 4 KiB and 2 MiB leaves, with SNP (ECAP.SC=1 on the R630), EMT and IPAT set, read
// and write requests: the hit's translation equals the walk's, field by field.
TEST_F(IotlbHitTest, HitTranslationEqualsTheWalks) {
  CreateUnit();
  SetContext(/*did=*/5);
  constexpr uint64_t kLeafExtras = (uint64_t{1} << 11) | (6u << 3) | (1u << 6);  // SNP EMT IPAT
  Map(kIova, 0x500000, /*leaf_level=*/1, 3 | kLeafExtras);
  Map(kIova + 0x200000, 0x800000, /*leaf_level=*/2, 3 | kLeafExtras);
  Map(kIova + 0x400000, 0x900000, /*leaf_level=*/1, 1);  // read-only
  Enable();
  struct Case {
    uint64_t iova;
    uint64_t hpa;
    AccessKind access;
  };
  for (const Case& c : {Case{kIova, 0x500000, AccessKind::kRead},
                        Case{kIova + 0x200000, 0x800000, AccessKind::kWrite},
                        Case{kIova + 0x400000, 0x900000, AccessKind::kRead}}) {
    const uint64_t hits = IotlbHits();
    const DmaOutcome walked = unit_->Dma(Req(c.iova + 0x10, c.access));
    ASSERT_TRUE(walked.result.ok()) << DescribeResult(walked);
    ASSERT_EQ(IotlbHits(), hits);
    const DmaOutcome hit = unit_->Dma(Req(c.iova + 0x123, c.access));
    EXPECT_EQ(IotlbHits(), hits + 1);
    EXPECT_EQ(DescribeResult(hit), Shifted(DescribeResult(walked), c.hpa + 0x10, c.hpa + 0x123));
  }
  // The SNP/EMT/IPAT fields made it through (ECAP.SC honours SNP).
  const DmaOutcome hit = unit_->Dma(Req(kIova + 0x200000 + 0x5000));
  ASSERT_TRUE(hit.result.translation.has_value());
  EXPECT_TRUE(hit.result.translation->snoop);
  EXPECT_EQ(hit.result.translation->emt, 6);
  EXPECT_TRUE(hit.result.translation->ipat);
  EXPECT_EQ(hit.result.translation->page_size, uint64_t{2} << 20);
  EXPECT_EQ(hit.result.translation->leaf_level, 2);
  EXPECT_EQ(hit.result.translation->hpa, 0x805000u);
  // A write to the read-only page: the hit is not trusted (CM=0), the walk faults (LGN.2).
  const DmaOutcome write = unit_->Dma(Req(kIova + 0x400000, AccessKind::kWrite));
  ASSERT_TRUE(write.result.fault.has_value());
  EXPECT_EQ(write.result.fault->condition, FaultCondition::kLgn2);
}

// S §9.3: the IOTLB is tagged by domain, so a second device in the same domain hits the
// entry the first one filled; FPD and TT are its own context entry's.
TEST_F(IotlbHitTest, HitTakesDomainFieldsFromTheHittingContext) {
  CreateUnit();
  const SourceId other = SourceId::FromBdf(kSid.bus(), 0x2, 0x2);
  SetContext(/*did=*/9, TranslationType::kUntranslatedOnly, /*fpd=*/false);
  Map(kIova, 0x500000);
  const uint64_t first_root = root_table_;
  SetContext(/*did=*/9, TranslationType::kDeviceTlb, /*fpd=*/true, /*aw=*/2, other);
  root_table_ = first_root;
  Enable();
  const DmaOutcome walked = unit_->Dma(Req(kIova));
  ASSERT_TRUE(walked.result.ok()) << DescribeResult(walked);
  const uint64_t hits = IotlbHits();
  const DmaOutcome hit =
      unit_->Dma(Req(kIova + 8, AccessKind::kRead, 4, RequestType::kUntranslated, other));
  EXPECT_EQ(IotlbHits(), hits + 1);
  ASSERT_TRUE(hit.result.ok()) << DescribeResult(hit);
  const Translation& t = *hit.result.translation;
  EXPECT_EQ(t.hpa, 0x500008u);
  EXPECT_EQ(t.did.value(), 9);
  EXPECT_TRUE(t.fpd);
  EXPECT_EQ(t.tt, TranslationType::kDeviceTlb);
  EXPECT_EQ(t.levels, 4);
  EXPECT_EQ(t.leaf_level, 1);
}

// S §3.15, Table 30 LGN.4: a cached page whose output overlaps the interrupt range faults
// on a hit exactly as on the walk that filled it.
TEST_F(IotlbHitTest, HitIntoInterruptRangeFaultsLikeTheWalk) {
  CreateUnit();
  SetContext(/*did=*/4);
  Map(kIova, 0xfee00000);
  Enable();
  const DmaOutcome walked = unit_->Dma(Req(kIova, AccessKind::kWrite));
  ASSERT_TRUE(walked.result.fault.has_value()) << DescribeResult(walked);
  EXPECT_EQ(walked.result.fault->condition, FaultCondition::kLgn4);
  const uint64_t hits = IotlbHits();
  const DmaOutcome hit = unit_->Dma(Req(kIova, AccessKind::kWrite));
  EXPECT_EQ(IotlbHits(), hits + 1);
  EXPECT_EQ(DescribeResult(hit), DescribeResult(walked));
}

}  // namespace
}  // namespace vtd
