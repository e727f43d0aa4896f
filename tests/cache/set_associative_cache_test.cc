// Tests for the set-associative cache every architectural cache is built on: hits, misses,
// replacement order, probing without side effects, predicate invalidation (the mechanism
// behind every invalidation granularity of VT-d spec §6.5).
#include "model/cache/set_associative_cache.h"

#include <cstdint>
#include <optional>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::testing::HasSubstr;
using ::vtd::testing::IsOk;
using ::vtd::testing::StatusIs;
using Cache = SetAssociativeCache<int, int>;

Cache Make(int entries, int ways, ReplacementPolicy policy = ReplacementPolicy::kLru) {
  auto cache = Cache::Create(CacheGeometry{entries, ways, policy, 7}, "test");
  EXPECT_THAT(cache, IsOk());
  return *std::move(cache);
}

TEST(CacheGeometryTest, RejectsBadShapes) {
  EXPECT_THAT(ValidateCacheGeometry({8, 3}, "iotlb"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("iotlb")));
  EXPECT_THAT(ValidateCacheGeometry({12, 2}, "iotlb"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("power of two")));
  EXPECT_THAT(ValidateCacheGeometry({-1, 0}, "x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateCacheGeometry({8, 9}, "x"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ValidateCacheGeometry({0, 0}, "x"), IsOk());
  EXPECT_THAT(ValidateCacheGeometry({64, 0}, "x"), IsOk());
  EXPECT_THAT(ValidateCacheGeometry({64, 4}, "x"), IsOk());
}

TEST(CacheTest, MissThenHitCountsAndKeepsStamp) {
  Cache c = Make(4, 0);
  EXPECT_EQ(c.Lookup(1, 1), nullptr);
  c.Fill(1, 1, 100, /*fill_stamp=*/5);
  const Cache::Entry* e = c.Lookup(1, 1);
  ASSERT_NE(e, nullptr);
  EXPECT_EQ(e->value, 100);
  EXPECT_EQ(e->fill_stamp, 5u);
  EXPECT_EQ(c.counters().lookups, 2u);
  EXPECT_EQ(c.counters().hits, 1u);
  EXPECT_EQ(c.counters().misses, 1u);
  EXPECT_EQ(c.counters().fills, 1u);
}

TEST(CacheTest, LruEvictsLeastRecentlyUsed) {
  Cache c = Make(2, 0);
  c.Fill(1, 0, 10, 0);
  c.Fill(2, 0, 20, 0);
  ASSERT_NE(c.Lookup(1, 0), nullptr);  // 2 is now least recently used
  auto evicted = c.Fill(3, 0, 30, 0);
  ASSERT_TRUE(evicted.has_value());
  EXPECT_EQ(evicted->key, 2);
  EXPECT_NE(c.Probe(1, 0), nullptr);
  EXPECT_EQ(c.Probe(2, 0), nullptr);
  EXPECT_EQ(c.counters().evictions, 1u);
}

// Hits counted later: three entries, then the uses 1, 2, 1, 3, 2 as CountHits(5) with each
// entry's last use stamped (1: 3rd, 3: 4th, 2: 5th). Entry 1 is then the least recently used
// (the last uses in order are 1, 3, 2), so a fill evicts it, as after five lookups; stamping
// an entry's earlier use after its later one changes nothing.
TEST(CacheTest, CountHitsAndStampUseAsTheLookups) {
  Cache c = Make(3, 0);
  c.Fill(1, 0, 10, 0);
  c.Fill(2, 0, 20, 0);
  c.Fill(3, 0, 30, 0);
  const Cache::Entry* one = c.Probe(1, 0);
  const Cache::Entry* two = c.Probe(2, 0);
  const Cache::Entry* three = c.Probe(3, 0);
  ASSERT_TRUE(one != nullptr && two != nullptr && three != nullptr);
  const uint64_t before = c.CountHits(5);
  c.StampUse(*one, before + 3);
  c.StampUse(*two, before + 5);
  c.StampUse(*two, before + 2);
  c.StampUse(*three, before + 4);
  c.StampUse(*one, before + 1);
  EXPECT_EQ(c.counters().lookups, 5u);
  EXPECT_EQ(c.counters().hits, 5u);
  EXPECT_EQ(c.counters().misses, 0u);
  std::optional<Cache::Entry> evicted = c.Fill(4, 0, 40, 0);
  ASSERT_TRUE(evicted.has_value());
  EXPECT_EQ(evicted->key, 1);
  // The clock moved past the five uses: a lookup now is more recent than all of them.
  ASSERT_NE(c.Lookup(3, 0), nullptr);
  evicted = c.Fill(5, 0, 50, 0);
  ASSERT_TRUE(evicted.has_value());
  EXPECT_EQ(evicted->key, 2);
}

TEST(CacheTest, FifoIgnoresUse) {
  Cache c = Make(2, 0, ReplacementPolicy::kFifo);
  c.Fill(1, 0, 10, 0);
  c.Fill(2, 0, 20, 0);
  ASSERT_NE(c.Lookup(1, 0), nullptr);
  auto evicted = c.Fill(3, 0, 30, 0);
  ASSERT_TRUE(evicted.has_value());
  EXPECT_EQ(evicted->key, 1);
}

TEST(CacheTest, RandomIsDeterministicForASeed) {
  auto run = [] {
    Cache c = Make(4, 0, ReplacementPolicy::kRandom);
    std::vector<int> evicted;
    for (int k = 0; k < 32; ++k) {
      if (auto e = c.Fill(k, 0, k, 0)) evicted.push_back(e->key);
    }
    return evicted;
  };
  EXPECT_EQ(run(), run());
  EXPECT_EQ(run().size(), 28u);
}

TEST(CacheTest, SetsAreIndependent) {
  Cache c = Make(4, 2);  // 2 sets of 2 ways
  c.Fill(1, 0, 10, 0);
  c.Fill(2, 0, 20, 0);
  c.Fill(3, 1, 30, 0);
  c.Fill(4, 1, 40, 0);
  EXPECT_EQ(c.size(), 4);
  auto evicted = c.Fill(5, 2, 50, 0);  // set index 2 masks to set 0
  ASSERT_TRUE(evicted.has_value());
  EXPECT_EQ(evicted->key, 1);
  EXPECT_NE(c.Probe(3, 1), nullptr);
}

TEST(CacheTest, ProbeChangesNothing) {
  Cache c = Make(2, 0);
  c.Fill(1, 0, 10, 0);
  c.Fill(2, 0, 20, 0);
  ASSERT_NE(c.Probe(1, 0), nullptr);  // must not make 1 most recently used
  auto evicted = c.Fill(3, 0, 30, 0);
  ASSERT_TRUE(evicted.has_value());
  EXPECT_EQ(evicted->key, 1);
  EXPECT_EQ(c.counters().lookups, 0u);
}

TEST(CacheTest, RefillReplacesInPlace) {
  Cache c = Make(2, 0);
  c.Fill(1, 0, 10, 0);
  EXPECT_FALSE(c.Fill(1, 0, 11, 1).has_value());
  EXPECT_EQ(c.size(), 1);
  EXPECT_EQ(c.Probe(1, 0)->value, 11);
}

TEST(CacheTest, InvalidateIfRemovesMatchingOnly) {
  Cache c = Make(8, 0);
  for (int k = 0; k < 6; ++k) c.Fill(k, 0, k * 10, 0);
  EXPECT_EQ(c.InvalidateIf([](const Cache::Entry& e) { return e.key % 2 == 0; }), 3);
  EXPECT_EQ(c.size(), 3);
  EXPECT_EQ(c.Probe(2, 0), nullptr);
  EXPECT_NE(c.Probe(3, 0), nullptr);
  EXPECT_EQ(c.InvalidateAll(), 3);
  EXPECT_EQ(c.counters().invalidations, 6u);
}

TEST(CacheTest, ZeroEntriesMeansNoCache) {
  Cache c = Make(0, 0);
  c.Fill(1, 0, 10, 0);
  EXPECT_EQ(c.Lookup(1, 0), nullptr);
  EXPECT_EQ(c.counters().misses, 1u);
  EXPECT_EQ(c.size(), 0);
}

TEST(ReplacementPolicyTest, ParsesNames) {
  EXPECT_EQ(*ParseReplacementPolicy("lru"), ReplacementPolicy::kLru);
  EXPECT_EQ(*ParseReplacementPolicy("fifo"), ReplacementPolicy::kFifo);
  EXPECT_EQ(*ParseReplacementPolicy("random"), ReplacementPolicy::kRandom);
  EXPECT_THAT(ParseReplacementPolicy("plru"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(ReplacementPolicyName(ReplacementPolicy::kFifo), "fifo");
}

}  // namespace
}  // namespace vtd
