// The typed caches on their own (VT-d spec §6.2.1 context cache, §6.2.3 IOTLB, §6.2.4
// paging-structure caches) and their invalidation matching (§6.5.1).
#include <cstdint>

#include "gtest/gtest.h"
#include "model/cache/context_cache.h"
#include "model/cache/iotlb.h"
#include "model/cache/paging_structure_cache.h"

namespace vtd {
namespace {

ContextCacheEntry Present(uint16_t did) {
  ContextCacheEntry e;
  e.context.present = true;
  e.context.did = DomainId(did);
  return e;
}

TEST(ContextCache, DeviceSelectiveMatchesMaskedSidAndDomain_Sec6_5_1_1) {
  auto cache = ContextCache::Create(CacheGeometry{.entries = 16, .ways = 0}).value();
  for (int fn = 0; fn < 8; ++fn) cache.Fill(SourceId::FromBdf(1, 2, fn), Present(4), 0);
  cache.Fill(SourceId::FromBdf(1, 3, 0), Present(4), 0);
  ContextCacheEntry not_present;  // caching mode: tagged with DID 0
  not_present.context.present = false;
  cache.Fill(SourceId::FromBdf(2, 0, 0), not_present, 0);
  EXPECT_EQ(cache.InvalidateDevice(5, SourceId::FromBdf(1, 2, 0), 3), 0);  // wrong DID
  EXPECT_EQ(cache.InvalidateDevice(4, SourceId::FromBdf(1, 2, 5), 1), 2);  // fn 1 and 5
  EXPECT_EQ(cache.InvalidateDevice(4, SourceId::FromBdf(1, 2, 0), 3), 6);
  EXPECT_EQ(cache.InvalidateDevice(0, SourceId::FromBdf(2, 0, 0), 0), 1);
  EXPECT_EQ(cache.InvalidateDomain(4), 1);
  EXPECT_EQ(cache.size(), 0);
  EXPECT_EQ(FunctionMaskBits(2), 0b110);
}

TEST(Iotlb, LooksUpEveryEnabledPageSizeAndCountsOnce_Sec6_2_3) {
  auto tlb = Iotlb::Create(CacheGeometry{.entries = 8, .ways = 2}).value();
  IotlbEntry e;
  e.leaf.page_base = 0x40000000;
  tlb.Fill(Iotlb::KeyFor(CacheTag::Legacy(3), 0x80000000, 2), e, 1);  // a 2 MiB page
  IotlbKey key;
  EXPECT_EQ(tlb.Lookup(CacheTag::Legacy(3), 0x801ff000, 0b0010), nullptr);  // 4 KiB only: miss
  const Iotlb::Entry* hit = tlb.Lookup(CacheTag::Legacy(3), 0x801ff000, 0b0110, &key);
  ASSERT_NE(hit, nullptr);
  EXPECT_EQ(key.leaf_level(), 2);
  EXPECT_EQ(hit->value.leaf.page_base, 0x40000000u);
  EXPECT_EQ(tlb.Lookup(CacheTag::Legacy(4), 0x801ff000, 0b0110), nullptr);  // other domain
  EXPECT_EQ(tlb.counters().lookups, 3u);
  EXPECT_EQ(tlb.counters().hits, 1u);
  EXPECT_EQ(tlb.counters().misses, 2u);
}

TEST(Iotlb, PageRangeInvalidationOverlapsLargePages_Sec6_5_1_2) {
  auto tlb = Iotlb::Create(CacheGeometry{.entries = 8, .ways = 0}).value();
  tlb.Fill(Iotlb::KeyFor(CacheTag::Legacy(1), 0x200000, 2), IotlbEntry{}, 0);  // 2 MiB at 0x200000
  tlb.Fill(Iotlb::KeyFor(CacheTag::Legacy(1), 0x400000, 1), IotlbEntry{}, 0);
  tlb.Fill(Iotlb::KeyFor(CacheTag::Legacy(1), 0x401000, 1), IotlbEntry{}, 0);
  tlb.Fill(Iotlb::KeyFor(CacheTag::Legacy(2), 0x400000, 1), IotlbEntry{}, 0);
  EXPECT_EQ(tlb.InvalidatePages(1, 0x3ff000, 0), 1);  // last 4 KiB of the 2 MiB page
  EXPECT_EQ(tlb.InvalidatePages(1, 0x401000, 1), 2);  // AM=1: 0x400000..0x401fff
  EXPECT_EQ(tlb.size(), 1);
  EXPECT_EQ(PageMaskRange(0x12345000, 4).first, 0x12340000u);
  EXPECT_EQ(PageMaskRange(0x12345000, 4).last, 0x1234ffffu);
}

TEST(PagingStructureCache, TaggedByDomainAndRegion_Sec6_2_4) {
  auto pde = PagingStructureCache::Create(2, CacheGeometry{.entries = 4, .ways = 0}).value();
  PscEntry e;
  e.next_table = 0x5000;
  pde.Fill(CacheTag::Legacy(7), 0x40000000, e, 0);
  EXPECT_NE(pde.Lookup(CacheTag::Legacy(7), 0x401ff000), nullptr);  // same 2 MiB region
  EXPECT_EQ(pde.Lookup(CacheTag::Legacy(7), 0x40200000), nullptr);
  EXPECT_EQ(pde.Lookup(CacheTag::Legacy(8), 0x40000000), nullptr);
  EXPECT_EQ(pde.InvalidatePages(7, 0x40200000, 0), 0);
  EXPECT_EQ(pde.InvalidatePages(7, 0x40100000, 0), 1);
  EXPECT_FALSE(PagingStructureCache::Create(1, CacheGeometry{}).ok());
}

// S §6.2: entries are tagged with DID, PASID (or no PASID) and the translation kind; a
// lookup under one tag never returns another tag's entry. Domain-selective and page-selective
// invalidation (S §6.5.1.2) drop every entry of the domain whatever its PASID, as in legacy
// mode; PASID-selective ones (S §6.5.2.4) drop only that PASID's entries.
TEST(Iotlb, TaggedByDomainPasidAndKind_Sec6_2) {
  auto tlb = Iotlb::Create(CacheGeometry{.entries = 16, .ways = 0}).value();
  const CacheTag legacy = CacheTag::Legacy(1);
  const CacheTag pasid5{1, TranslationKind::kSecondStage, 5};
  const CacheTag pasid5_first{1, TranslationKind::kFirstStage, 5};
  const CacheTag pasid6{1, TranslationKind::kSecondStage, 6};
  for (const CacheTag& tag : {legacy, pasid5, pasid5_first, pasid6}) {
    tlb.Fill(Iotlb::KeyFor(tag, 0x400000, 1), IotlbEntry{}, 0);
    tlb.Fill(Iotlb::KeyFor(tag, 0x800000, 1), IotlbEntry{}, 0);
  }
  EXPECT_EQ(tlb.size(), 8);
  EXPECT_NE(tlb.Probe(pasid5, 0x400000, 0b10), nullptr);
  EXPECT_EQ(tlb.Probe(CacheTag{1, TranslationKind::kSecondStage, 7}, 0x400000, 0b10), nullptr);
  EXPECT_EQ(tlb.Probe(CacheTag{1, TranslationKind::kNested, 5}, 0x400000, 0b10), nullptr);
  EXPECT_EQ(tlb.Probe(CacheTag{2, TranslationKind::kSecondStage, 5}, 0x400000, 0b10), nullptr);
  // Page within PASID 5: both kinds of PASID 5, that page only.
  EXPECT_EQ(tlb.InvalidatePasidPages(1, 5, 0x400000, 0), 2);
  EXPECT_EQ(tlb.Probe(pasid5, 0x400000, 0b10), nullptr);
  EXPECT_NE(tlb.Probe(pasid5, 0x800000, 0b10), nullptr);
  EXPECT_NE(tlb.Probe(pasid6, 0x400000, 0b10), nullptr);
  EXPECT_NE(tlb.Probe(legacy, 0x400000, 0b10), nullptr);
  // PASID 6: its two entries.
  EXPECT_EQ(tlb.InvalidatePasid(1, 6), 2);
  EXPECT_EQ(tlb.InvalidatePasid(2, 5), 0);  // other domain
  // Page-selective within the domain: every PASID's entry for that page.
  EXPECT_EQ(tlb.InvalidatePages(1, 0x800000, 0), 3);
  EXPECT_EQ(tlb.size(), 1);  // legacy 0x400000
  EXPECT_EQ(tlb.InvalidateDomain(1), 1);
}

TEST(PagingStructureCache, TaggedByPasid_Sec6_2_4) {
  auto pde = PagingStructureCache::Create(2, CacheGeometry{.entries = 8, .ways = 0}).value();
  const CacheTag legacy = CacheTag::Legacy(7);
  const CacheTag pasid3{7, TranslationKind::kSecondStage, 3};
  pde.Fill(legacy, 0x40000000, PscEntry{}, 0);
  pde.Fill(pasid3, 0x40000000, PscEntry{}, 0);
  pde.Fill(pasid3, 0x80000000, PscEntry{}, 0);
  EXPECT_NE(pde.Probe(pasid3, 0x40000000), nullptr);
  EXPECT_EQ(pde.Probe(CacheTag{7, TranslationKind::kSecondStage, 4}, 0x40000000), nullptr);
  EXPECT_EQ(pde.InvalidatePasidPages(7, 3, 0x40000000, 0), 1);
  EXPECT_NE(pde.Probe(legacy, 0x40000000), nullptr);
  EXPECT_EQ(pde.InvalidatePasid(7, 3), 1);
  EXPECT_EQ(pde.InvalidateDomain(7), 1);
}

}  // namespace
}  // namespace vtd
