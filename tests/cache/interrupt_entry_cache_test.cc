// Interrupt entry cache (S §6.4): IRTEs by interrupt_index, kept until evicted or
// invalidated (global or index-selective with a mask, S §6.5.2.7).
#include "model/cache/interrupt_entry_cache.h"

#include <array>
#include <cstdint>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

InterruptEntryCache Make(int entries = 16, int ways = 0) {
  return InterruptEntryCache::Create(CacheGeometry{.entries = entries, .ways = ways}).value();
}

TEST(InterruptEntryCacheTest, FillLookupKeepsWordsAndAddress) {
  InterruptEntryCache c = Make();
  EXPECT_EQ(c.Lookup(5), nullptr);
  c.Fill(5, 0x100050, {0x1111, 0x2222}, 7);
  const InterruptEntryCache::Entry* e = c.Lookup(5);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->value.address, 0x100050u);
  EXPECT_EQ(e->value.irte, (std::array<uint64_t, 2>{0x1111, 0x2222}));
  EXPECT_EQ(e->fill_stamp, 7u);
  EXPECT_EQ(c.counters().hits, 1u);
  EXPECT_EQ(c.counters().misses, 1u);
  EXPECT_NE(c.Probe(5), nullptr);
  EXPECT_EQ(c.counters().lookups, 2u);  // Probe does not count
}

TEST(InterruptEntryCacheTest, GlobalInvalidation) {
  InterruptEntryCache c = Make();
  for (uint32_t i = 0; i < 4; ++i) c.Fill(i, 0, {i, 0}, 0);
  EXPECT_EQ(c.InvalidateAll(), 4);
  EXPECT_EQ(c.size(), 0);
}

TEST(InterruptEntryCacheTest, IndexSelectiveWithMask) {
  InterruptEntryCache c = Make();
  for (uint32_t i = 0; i < 12; ++i) c.Fill(i, 0, {i, 0}, 0);
  EXPECT_EQ(c.InvalidateIndexRange(5, 0), 1);  // just 5
  EXPECT_EQ(c.Probe(5), nullptr);
  EXPECT_NE(c.Probe(4), nullptr);
  EXPECT_EQ(c.InvalidateIndexRange(9, 2), 4);  // IM=2: 8..11 (low IIDX bits ignored)
  EXPECT_EQ(c.Probe(8), nullptr);
  EXPECT_EQ(c.Probe(11), nullptr);
  EXPECT_NE(c.Probe(7), nullptr);
}

TEST(InterruptEntryCacheTest, DisabledCacheNeverHits) {
  InterruptEntryCache c = Make(0);
  c.Fill(1, 0, {1, 0}, 0);
  EXPECT_EQ(c.Lookup(1), nullptr);
  EXPECT_FALSE(InterruptEntryCache::Create(CacheGeometry{.entries = 6, .ways = 4}).ok());
}

}  // namespace
}  // namespace vtd
