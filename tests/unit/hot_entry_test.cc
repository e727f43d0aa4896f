// The unit's hot entries (UnitConfig::hot_entry) change nothing anyone can observe: the same
// random program (DMA requests of every kind and API form, table edits without and with
// invalidation of every granularity, register writes, fault-record clearing, observers
// attached and removed mid-way) runs on a unit with hot entries and on one without, and
// every result, cache counter, request count and observer event must be identical. Small
// LRU caches make evictions frequent, so a hot hit that failed to update replacement state
// as the normal path does would change which entry a later fill evicts. Hot hits are counted
// later (folded into the caches when anything reads or changes them), so the program reads
// the counters at random points only, leaving runs of hot hits to be folded by whatever
// comes next: a read, a walk's fills and evictions, an invalidation, a register write, an
// observer change. Legacy mode (with CAP.CM 0 and 1) and scalable mode (second-stage with
// SSADE, pass-through, first-stage, nested; with and without PASID) are both run.
#include <cstdint>

#include "gtest/gtest.h"
#include "tests/unit/hot_entry_program.h"

namespace vtd {
namespace {

using hot_entry::HotEntryTest;
using hot_entry::kIova;

TEST_F(HotEntryTest, LegacySameAsNormalPath) { Compare(/*scalable=*/false, kR630Cap); }

TEST_F(HotEntryTest, LegacyCachingModeSameAsNormalPath) {
  Compare(/*scalable=*/false, Capability::kCm.Set(kR630Cap, 1));
}

TEST_F(HotEntryTest, ScalableSameAsNormalPath) { Compare(/*scalable=*/true, kQemuScalableCap); }

// LRU replacement after hot hits: a 2-entry IOTLB holds pages A and B, remembered by hot
// entries after normal hits (A under two keys, a write and a read; B last). Then hot hits
// only: A read, A write, B, A read. A is then the most recently used, so the fill for page C
// evicts B, as it does without hot entries. Counting the hits without their recency, or
// letting A's write key (an earlier use of the same IOTLB entry) decide its recency, would
// evict A instead.
TEST_F(HotEntryTest, FillAfterHotHitsEvictsTheLeastRecentlyUsed) {
  for (bool hot : {false, true}) {
    SCOPED_TRACE(hot ? "hot entries" : "normal path");
    Restart(hot, /*scalable=*/false, kR630Cap);
    config_.caches.iotlb = CacheGeometry{.entries = 2, .ways = 0};
    BuildLegacy();
    auto ask = [&](int page, AccessKind access) {
      const DmaResult r = unit_->Translate(
          Req(kIova + 0x1000 * page + 0x40, access, 4, RequestType::kUntranslated, Sid(0)));
      EXPECT_EQ(r.completion, Completion::kSuccess);
    };
    ask(0, AccessKind::kRead);  // walks: fills A, then B
    ask(1, AccessKind::kRead);
    ask(0, AccessKind::kWrite);  // normal hits, remembered
    ask(0, AccessKind::kRead);
    ask(1, AccessKind::kRead);
    EXPECT_EQ(unit_->hot_entry_answers(), 0u);
    ask(0, AccessKind::kRead);
    ask(0, AccessKind::kWrite);
    ask(1, AccessKind::kRead);
    ask(0, AccessKind::kRead);
    ask(2, AccessKind::kRead);  // walks: fills C over the least recently used entry
    EXPECT_EQ(unit_->hot_entry_answers(), hot ? 4u : 0u);
    const CacheTag tag = CacheTag::Legacy(1);  // Sid(0)'s domain
    EXPECT_NE(unit_->iotlb().Probe(tag, kIova, 0b10), nullptr);
    EXPECT_EQ(unit_->iotlb().Probe(tag, kIova + 0x1000, 0b10), nullptr);
    EXPECT_NE(unit_->iotlb().Probe(tag, kIova + 0x2000, 0b10), nullptr);
    const CacheCounters& iotlb = unit_->cache_counters(CacheKind::kIotlb);
    EXPECT_EQ(iotlb.hits, 7u);
    EXPECT_EQ(iotlb.misses, 3u);
    EXPECT_EQ(iotlb.evictions, 1u);
    EXPECT_EQ(unit_->request_count(), 10u);
  }
}

// The switch: off, nothing is answered by a hot entry; on, a repeated hit is.
TEST_F(HotEntryTest, SwitchTurnsHotEntriesOff) {
  for (bool hot : {false, true}) {
    Restart(hot, /*scalable=*/false, kR630Cap);
    BuildLegacy();
    const DmaRequest r =
        Req(kIova + 0x10, AccessKind::kRead, 4, RequestType::kUntranslated, Sid(0));
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(unit_->Dma(r).result.ok());
    // First a walk, then a normal IOTLB hit that remembers, then a hot answer.
    EXPECT_EQ(unit_->hot_entry_answers(), hot ? 1u : 0u);
    EXPECT_EQ(unit_->cache_counters(CacheKind::kIotlb).hits, 2u);
  }
}

}  // namespace
}  // namespace vtd
