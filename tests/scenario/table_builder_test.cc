// The `map` builder's memory side (model/scenario/table_builder.h): the scalable-mode entries
// it writes, checked qword by qword against the layouts of the spec digest
// (translation-structures.md §3, §5-§7, §9). Expected values are worked out by hand from those
// tables, not read back from the structs' Encode.
#include "model/scenario/table_builder.h"

#include <cstdint>
#include <memory>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/memory/host_memory.h"
#include "model/structs/ids.h"
#include "tests/testing/status_matchers.h"

namespace vtd::scenario {
namespace {

using ::testing::HasSubstr;
using ::vtd::testing::IsOk;
using ::vtd::testing::StatusIs;

constexpr uint64_t kPool = 0x100000;

class ScalableBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<HostMemory>> m = HostMemory::Create(64 << 20);
    ASSERT_TRUE(m.ok()) << m.status();
    memory_ = std::move(*m);
    builder_ = std::make_unique<TableBuilder>(memory_.get(), kPool, 1 << 20);
  }
  uint64_t Q(uint64_t address) {
    absl::StatusOr<uint64_t> v = memory_->Read64(address);
    EXPECT_TRUE(v.ok()) << v.status();
    return v.ok() ? *v : ~uint64_t{0};
  }
  static MapRequest SecondStage(SourceId sid, std::optional<uint32_t> pasid) {
    MapRequest m;
    m.sid = sid;
    m.domain = 1;
    m.iova = 0x1000;
    m.hpa = 0x200000;
    m.size = 0x1000;
    m.levels = 4;
    m.scalable = ScalableTarget{};
    m.scalable->pasid = pasid;
    return m;
  }

  std::unique_ptr<HostMemory> memory_;
  std::unique_ptr<TableBuilder> builder_;
};

// Requests without PASID (RID_PASID 0), PGTT=010b, 4 levels, for 00:02.0 (devfn 0x10).
// Pool order: root 0x100000, lower context table 0x101000, PASID directory 0x102000, PASID
// table 0x103000, SS-PML4 0x104000, SS-PDPT 0x105000, SS-PD 0x106000, SS-PT 0x107000.
TEST_F(ScalableBuilderTest, SecondStageWithoutPasidWritesEveryLevel) {
  ASSERT_THAT(builder_->Map(0, SecondStage(SourceId::FromBdf(0, 2, 0), std::nullopt)), IsOk());
  // Scalable root entry, bus 0 (§3): LP=1, LCTP 0x101000; upper half untouched.
  EXPECT_EQ(Q(0x100000), 0x101001u);
  EXPECT_EQ(Q(0x100008), 0u);
  // Context entry at LCTP + 32 * 0x10 (§5): P=1, PDTS=2 (bits 11:9), PASIDDIRPTR 0x102000;
  // PASIDE=0 (no PASID mapped), RID_PASID 0; qwords 2-3 zero.
  EXPECT_EQ(Q(0x101200), 0x102000u | (2u << 9) | 1u);
  EXPECT_EQ(Q(0x101208), 0u);
  EXPECT_EQ(Q(0x101210), 0u);
  EXPECT_EQ(Q(0x101218), 0u);
  // PASID directory entry PASID[19:6] = 0 (§6): P, SMPTBLPTR 0x103000.
  EXPECT_EQ(Q(0x102000), 0x103001u);
  // PASID table entry PASID[5:0] = 0 (§7): P, AW=010b (bits 4:2), PGTT=010b (bits 8:6),
  // SSPTPTR 0x104000; DID 1 in bits 79:64.
  EXPECT_EQ(Q(0x103000), 0x104000u | (2u << 6) | (2u << 2) | 1u);
  EXPECT_EQ(Q(0x103008), 1u);
  for (int i = 2; i < 8; ++i) EXPECT_EQ(Q(0x103000 + 8 * i), 0u) << "qword " << i;
  // Second stage (§9): R=W=1 non-leaf entries, the leaf for IOVA 0x1000 (PT index 1).
  EXPECT_EQ(Q(0x104000), 0x105003u);
  EXPECT_EQ(Q(0x105000), 0x106003u);
  EXPECT_EQ(Q(0x106000), 0x107003u);
  EXPECT_EQ(Q(0x107008), 0x200003u);
}

// devfn >= 0x80 uses the upper half of the root entry and index devfn & 0x7F (§1, §3); a
// PASID sets PASIDE and lands at directory index PASID[19:6], table index PASID[5:0].
TEST_F(ScalableBuilderTest, UpperDevfnAndPasidIndices) {
  // 00:02.0 first (lower half), then 00:10.0 (devfn 0x80) with PASID 0x1c5.
  ASSERT_THAT(builder_->Map(0, SecondStage(SourceId::FromBdf(0, 2, 0), std::nullopt)), IsOk());
  MapRequest m = SecondStage(SourceId::FromBdf(0, 0x10, 0), 0x1c5);
  m.domain = 2;
  ASSERT_THAT(builder_->Map(0, m), IsOk());
  // Tables 0x100000..0x107000 as above; then upper context table 0x108000, PASID directory
  // 0x109000, PASID table 0x10a000, domain 2's SS-PML4 0x10b000 ...
  EXPECT_EQ(Q(0x100000), 0x101001u);       // lower half kept
  EXPECT_EQ(Q(0x100008), 0x108000u | 1u);  // UP=1 (bit 64), UCTP 0x108000 (bits 127:76)
  // Context entry index 0x80 & 0x7F = 0: P, PASIDE (bit 3), PDTS=2, PASIDDIRPTR 0x109000.
  EXPECT_EQ(Q(0x108000), 0x109000u | (2u << 9) | 0x8u | 1u);
  // 0x1c5 >> 6 = 7: directory entry at 0x109000 + 8 * 7.
  EXPECT_EQ(Q(0x109038), 0x10a001u);
  EXPECT_EQ(Q(0x109000), 0u);
  // 0x1c5 & 0x3f = 5: PASID entry at 0x10a000 + 64 * 5, DID 2.
  EXPECT_EQ(Q(0x10a140), 0x10b000u | (2u << 6) | (2u << 2) | 1u);
  EXPECT_EQ(Q(0x10a148), 2u);
}

// PGTT=100b: only P, PGTT and DID (§7, §12); no second-stage tables are allocated.
TEST_F(ScalableBuilderTest, PassThroughEntry) {
  MapRequest m = SecondStage(SourceId::FromBdf(0, 3, 0), 9);
  m.scalable->pgtt = 4;
  m.scalable->rid_pasid = 1;
  ASSERT_THAT(builder_->Map(0, m), IsOk());
  // Context entry for devfn 0x18: RID_PASID 1 in bits 83:64, PASIDE.
  EXPECT_EQ(Q(0x101000 + 32 * 0x18), 0x102000u | (2u << 9) | 0x8u | 1u);
  EXPECT_EQ(Q(0x101000 + 32 * 0x18 + 8), 1u);
  EXPECT_EQ(Q(0x103000 + 64 * 9), (4u << 6) | 1u);
  EXPECT_EQ(Q(0x103000 + 64 * 9 + 8), 1u);
  EXPECT_EQ(builder_->tables_allocated(), 4);
}

// PWSNP is bit 87 (qword 1 bit 23).
TEST_F(ScalableBuilderTest, PageWalkSnoop) {
  MapRequest m = SecondStage(SourceId::FromBdf(0, 2, 0), std::nullopt);
  m.scalable->page_walk_snoop = true;
  ASSERT_THAT(builder_->Map(0, m), IsOk());
  EXPECT_EQ(Q(0x103008), (uint64_t{1} << 23) | 1u);
}

// A later map with a PASID for a device mapped without one turns PASIDE on and keeps the
// rest of the context entry; the PASID shares the domain's second-stage tables.
TEST_F(ScalableBuilderTest, LaterPasidSetsPasideAndSharesDomain) {
  ASSERT_THAT(builder_->Map(0, SecondStage(SourceId::FromBdf(0, 2, 0), std::nullopt)), IsOk());
  MapRequest m = SecondStage(SourceId::FromBdf(0, 2, 0), 1);
  m.iova = 0x2000;
  m.hpa = 0x300000;
  ASSERT_THAT(builder_->Map(0, m), IsOk());
  EXPECT_EQ(Q(0x101200), 0x102000u | (2u << 9) | 0x8u | 1u);
  // PASID 1: same PASID table (directory index 0), entry 1, same SSPTPTR.
  EXPECT_EQ(Q(0x103040), 0x104000u | (2u << 6) | (2u << 2) | 1u);
  EXPECT_EQ(Q(0x107010), 0x300003u);
}

TEST_F(ScalableBuilderTest, ModesDoNotMixOnOneUnit) {
  ASSERT_THAT(builder_->Map(0, SecondStage(SourceId::FromBdf(0, 2, 0), std::nullopt)), IsOk());
  MapRequest legacy = SecondStage(SourceId::FromBdf(0, 3, 0), std::nullopt);
  legacy.scalable.reset();
  EXPECT_THAT(builder_->Map(0, legacy),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("scalable-mode")));
  // Another unit may be legacy.
  EXPECT_THAT(builder_->Map(1, legacy), IsOk());
  EXPECT_EQ(builder_->Scalable(0), true);
  EXPECT_EQ(builder_->Scalable(1), false);
  EXPECT_EQ(builder_->Scalable(2), std::nullopt);
}

TEST_F(ScalableBuilderTest, ConflictingReuseIsAnError) {
  ASSERT_THAT(builder_->Map(0, SecondStage(SourceId::FromBdf(0, 2, 0), 4)), IsOk());
  MapRequest other_domain = SecondStage(SourceId::FromBdf(0, 2, 0), 4);
  other_domain.domain = 7;
  EXPECT_THAT(builder_->Map(0, other_domain),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("PASID 0x4")));
  MapRequest other_rid_pasid = SecondStage(SourceId::FromBdf(0, 2, 0), 5);
  other_rid_pasid.scalable->rid_pasid = 3;
  EXPECT_THAT(builder_->Map(0, other_rid_pasid),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("RID_PASID")));
}

// The queue pages `enable` uses for a scalable unit: two consecutive pages (IQA.QS=1), then
// the status page; the same on a second call.
TEST_F(ScalableBuilderTest, QueuePages) {
  absl::StatusOr<QueuePages> q = builder_->Queue(0);
  ASSERT_TRUE(q.ok()) << q.status();
  EXPECT_EQ(q->queue, kPool);
  EXPECT_EQ(q->status, kPool + 0x2000);
  absl::StatusOr<QueuePages> again = builder_->Queue(0);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->queue, q->queue);
  EXPECT_EQ(builder_->tables_allocated(), 3);
}

}  // namespace
}  // namespace vtd::scenario
