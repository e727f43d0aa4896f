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
// First stage (PGTT=001b) for PASID 5 of 00:02.0, 4 levels, user read-only 4 KiB page with
// XD, SRE and WPE. Pool order: root 0x100000, context table 0x101000, PASID directory
// 0x102000, PASID table 0x103000, FS-PML4 0x104000, FS-PDPT 0x105000, FS-PD 0x106000, FS-PT
// 0x107000.
TEST_F(ScalableBuilderTest, FirstStageEntries) {
  MapRequest m = SecondStage(SourceId::FromBdf(0, 2, 0), 5);
  m.iova = 0x7f12'3456'7000;  // PML4 index 0xfe, PDPT 0x48, PD 0x1a2, PT 0x167
  m.write = false;
  m.scalable->pgtt = 1;
  m.scalable->sre = true;
  m.scalable->wpe = true;
  m.scalable->xd = true;
  ASSERT_THAT(builder_->Map(0, m), IsOk());
  // PASID table entry 5 (§7): qword 0 P | PGTT 001b << 6; qword 1 DID 1; qword 2 SRE (bit 128)
  // | WPE (bit 132) | FSPTPTR 0x104000, FSPM 00b (4-level).
  const uint64_t pe = 0x103000 + 64 * 5;
  EXPECT_EQ(Q(pe), 0x41u);
  EXPECT_EQ(Q(pe + 8), 0x1u);
  EXPECT_EQ(Q(pe + 16), 0x104000u | 0x1 | 0x10);
  // Non-leaf entries (§8): P | R/W | U/S and the next table.
  EXPECT_EQ(Q(0x104000 + 8 * 0xfe), 0x105007u);
  EXPECT_EQ(Q(0x105000 + 8 * 0x48), 0x106007u);
  EXPECT_EQ(Q(0x106000 + 8 * 0x1a2), 0x107007u);
  // Leaf: P | U/S (R/W=0: read-only), bit 63 XD, the page.
  EXPECT_EQ(Q(0x107000 + 8 * 0x167), 0x8000'0000'0020'0005u);
}

// A 2 MiB first-stage leaf in a 5-level table: PS (bit 7) in the PDE, FSPM 01b.
TEST_F(ScalableBuilderTest, FirstStageFiveLevelLargePage) {
  MapRequest m = SecondStage(SourceId::FromBdf(0, 2, 0), 5);
  m.iova = 0x40'0000'0000'0000;  // PML5 index 0x40, the rest 0
  m.hpa = 0x400000;
  m.size = 2 << 20;
  m.page_size = 2 << 20;
  m.scalable->pgtt = 1;
  m.scalable->fs_levels = 5;
  m.scalable->user = false;
  ASSERT_THAT(builder_->Map(0, m), IsOk());
  EXPECT_EQ(Q(0x103000 + 64 * 5 + 16), 0x104000u | (1 << 2));  // FSPM 01b at bits 131:130
  EXPECT_EQ(Q(0x104000 + 8 * 0x40), 0x105007u);                // PML5E
  EXPECT_EQ(Q(0x105000), 0x106007u);                           // PML4E
  EXPECT_EQ(Q(0x106000), 0x107007u);                           // PDPE
  EXPECT_EQ(Q(0x107000), 0x400000u | 0x80 | 0x3);              // PDE: PS, R/W, P, U/S=0
}

// Nested (PGTT=011b) for PASID 2: the guest's first-stage tables at GPAs from 0x80000 (the
// guest-table region), each mapped read/write in the domain's second stage, the leaf holding
// GPA 0x345000, which the second stage maps to HPA 0x300000 read-only. Pool order: root
// 0x100000, context 0x101000, directory 0x102000, PASID table 0x103000, SS-PML4 0x104000 (the
// domain's); FS-PML4 at HPA 0x105000 (GPA 0x80000) and the SS path that maps it: SS-PDPT
// 0x106000, SS-PD 0x107000, SS-PT 0x108000; the data's SS-PT 0x109000 (GPA 0x345000 is in PD
// slot 1); then FS-PDPT 0x10a000 (GPA 0x81000), FS-PD 0x10b000 (GPA 0x82000), FS-PT 0x10c000
// (GPA 0x83000), all in SS-PT 0x108000.
TEST_F(ScalableBuilderTest, NestedGuestTablesAndSecondStage) {
  MapRequest m = SecondStage(SourceId::FromBdf(0, 2, 0), 2);
  m.iova = 0x7000'1000;  // FS indices: PML4 0, PDPT 1, PD 0x180, PT 1
  m.hpa = 0x300000;
  m.scalable->pgtt = 3;
  m.scalable->gpa = 0x345000;
  m.scalable->ss_write = false;
  m.scalable->ssade = true;
  m.scalable->guest_tables = 0x80000;
  ASSERT_THAT(builder_->Map(0, m), IsOk());
  const uint64_t pe = 0x103000 + 64 * 2;
  // qword 0 (§7): P | AW 010b << 2 | PGTT 011b << 6 | SSADE << 9 | SSPTPTR 0x104000.
  EXPECT_EQ(Q(pe), 0x104000u | 0x1 | 0x8 | 0xc0 | 0x200);
  EXPECT_EQ(Q(pe + 16), 0x80000u);  // FSPTPTR: the guest's PML4 GPA, FSPM 00b
  // Second stage (§9): non-leaf R | W; GPA 0x80000-0x83000 -> the FS pages (R | W) at PT slots
  // 0x80-0x83, GPA 0x345000 -> 0x300000 (R only) at slot 0x145 of the second SS-PT.
  EXPECT_EQ(Q(0x104000), 0x106003u);
  EXPECT_EQ(Q(0x106000), 0x107003u);
  EXPECT_EQ(Q(0x107000), 0x108003u);
  EXPECT_EQ(Q(0x107000 + 8), 0x109003u);
  EXPECT_EQ(Q(0x108000 + 8 * 0x80), 0x105003u);
  EXPECT_EQ(Q(0x108000 + 8 * 0x81), 0x10a003u);
  EXPECT_EQ(Q(0x108000 + 8 * 0x82), 0x10b003u);
  EXPECT_EQ(Q(0x108000 + 8 * 0x83), 0x10c003u);
  EXPECT_EQ(Q(0x109000 + 8 * 0x145), 0x300001u);
  // First stage (§8), written at the HPAs, holding GPAs: P | R/W | U/S.
  EXPECT_EQ(Q(0x105000), 0x81007u);
  EXPECT_EQ(Q(0x10a000 + 8 * 1), 0x82007u);
  EXPECT_EQ(Q(0x10b000 + 8 * 0x180), 0x83007u);
  EXPECT_EQ(Q(0x10c000 + 8 * 1), 0x345007u);
}

// A second device joining the PASID in the domain shares the guest's table; data and table
// pages at one GPA contradict each other.
TEST_F(ScalableBuilderTest, NestedSharingAndOverlap) {
  MapRequest m = SecondStage(SourceId::FromBdf(0, 2, 0), 2);
  m.scalable->pgtt = 3;
  m.scalable->gpa = 0x345000;
  ASSERT_THAT(builder_->Map(0, m), IsOk());
  MapRequest other = m;
  other.sid = SourceId::FromBdf(0, 3, 0);
  other.iova = 0x2000;
  other.scalable->gpa = 0x346000;
  other.hpa = 0x301000;
  ASSERT_THAT(builder_->Map(0, other), IsOk());
  // 00:03.0's PASID entry (its context entry at devfn 0x18 of the shared context table, its
  // own directory, PASID[19:6] = 0, and table) holds the same FSPTPTR as 00:02.0's.
  constexpr uint64_t kPointer = 0x000f'ffff'ffff'f000;
  const uint64_t directory = Q(0x101000 + 32 * 0x18) & kPointer;
  const uint64_t table = Q(directory) & kPointer;
  EXPECT_NE(table, 0x103000u);
  EXPECT_EQ(Q(table + 64 * 2 + 16), Q(0x103000 + 64 * 2 + 16));
  EXPECT_EQ(Q(0x103000 + 64 * 2 + 16), 0x105000u);
  MapRequest clash = m;
  clash.iova = 0x5000;
  clash.scalable->gpa = 0x105000;  // the guest PML4's GPA (GPA = HPA without a region)
  EXPECT_THAT(builder_->Map(0, clash),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("GPA 0x105000 is already")));
}

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
