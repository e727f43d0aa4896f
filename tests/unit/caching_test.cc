// The unit's caches as hardware keeps them (VT-d spec §6.2 context cache, IOTLB and
// paging-structure caches; §6.5.1 register-based invalidation; §6.1 caching mode): hits skip
// memory, entries stay until invalidated (stale translations), every invalidation
// granularity, and the invalidation checker.
#include <array>
#include <cstdint>
#include <map>

#include "gtest/gtest.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

class CountingMemoryObserver : public MemoryObserver {
 public:
  void OnRead(uint64_t, int, MemoryAccessTag tag) override {
    ++reads[tag.kind];
    ++total;
  }
  void OnWrite(uint64_t, int, MemoryAccessTag) override {}
  std::map<MemoryAccessKind, int> reads;
  int total = 0;
};

constexpr uint64_t kIova = 0x40000000;
const SourceId kSid2 = SourceId::FromBdf(0x3, 0x4, 0x0);

class CachingTest : public UnitTest {
 protected:
  void Start() {
    CreateUnit();
    SetContext(/*did=*/5);
    Map(kIova, 0x500000);
    Map(kIova + 0x1000, 0x501000);
    Map(kIova + 0x2000, 0x502000);
    Enable();
    memory_->set_observer(&reads_);
  }
  void TearDown() override { memory_->set_observer(nullptr); }
  int ReadsFor(const DmaRequest& r, DmaOutcome* out = nullptr) {
    const int before = reads_.total;
    DmaOutcome o = unit_->Dma(r);
    if (out != nullptr) *out = o;
    return reads_.total - before;
  }
  uint64_t Hpa(uint64_t iova) {
    DmaOutcome o = unit_->Dma(Req(iova));
    EXPECT_TRUE(o.result.ok()) << (o.result.fault ? o.result.fault->ToString() : "");
    return o.result.translation ? o.result.translation->hpa : 0;
  }
  uint64_t PageInvalidate(uint16_t did, uint64_t address, int am, bool ih = false) {
    const uint64_t iva = address | (ih ? IvaReg::kIh.mask() : 0) | static_cast<uint64_t>(am);
    return IotlbCommand(IotlbReg::kDid.Set(IotlbReg::kIirg.Set(0, 3), did), iva);
  }
  uint64_t DomainInvalidate(uint16_t did) {
    return IotlbCommand(IotlbReg::kDid.Set(IotlbReg::kIirg.Set(0, 2), did));
  }
  CountingMemoryObserver reads_;
};

TEST_F(CachingTest, IotlbHitReadsNoMemory_Sec6_2_3) {
  Start();
  EXPECT_EQ(ReadsFor(Req(kIova)), 6);  // root, context, PML4E, PDPTE, PDE, PTE
  DmaOutcome out;
  DmaOptions options;
  options.record_cache_lookups = true;
  const int before = reads_.total;
  out = unit_->Dma(Req(kIova + 0x10), options);
  EXPECT_EQ(reads_.total - before, 0);
  EXPECT_EQ(out.result.translation->hpa, 0x500010u);
  ASSERT_EQ(out.cache_lookups().size(), 2u);
  EXPECT_EQ(out.cache_lookups()[0].cache, CacheKind::kContext);
  EXPECT_TRUE(out.cache_lookups()[0].hit);
  EXPECT_EQ(out.cache_lookups()[1].cache, CacheKind::kIotlb);
  EXPECT_TRUE(out.cache_lookups()[1].hit);
  EXPECT_EQ(out.cache_lookups()[1].tag, kIova);
  EXPECT_EQ(unit_->cache_counters(CacheKind::kIotlb).hits, 1u);
  EXPECT_EQ(unit_->cache_counters(CacheKind::kIotlb).misses, 1u);
  EXPECT_EQ(unit_->cache_counters(CacheKind::kContext).hits, 1u);
  // Without trace or record_cache_lookups nothing is recorded; observers still see it all.
  observer_.lookups.clear();
  out = unit_->Dma(Req(kIova));
  EXPECT_TRUE(out.cache_lookups().empty());
  EXPECT_EQ(observer_.lookups.size(), 2u);
}

TEST_F(CachingTest, TraceInterleavesLookupsAndSteps_Sec6_2) {
  Start();
  DmaOptions options;
  options.trace = true;
  DmaOutcome out = unit_->Dma(Req(kIova), options);
  EXPECT_EQ(out.trace().size(), 6u);
  // context miss before any step; iotlb miss and the PSC misses after root+context.
  ASSERT_GE(out.cache_lookups().size(), 2u);
  EXPECT_EQ(out.cache_lookups()[0].trace_position, 0);
  EXPECT_EQ(out.cache_lookups()[1].cache, CacheKind::kIotlb);
  EXPECT_EQ(out.cache_lookups()[1].trace_position, 2);
  out = unit_->Dma(Req(kIova), options);
  EXPECT_TRUE(out.trace().empty());
  EXPECT_TRUE(out.cache_lookups()[1].hit);
}

TEST_F(CachingTest, PagingStructureCacheSkipsUpperLevels_Sec6_2_4) {
  Start();
  ReadsFor(Req(kIova));
  DmaOutcome out;
  DmaOptions options;
  options.record_cache_lookups = true;
  const int before = reads_.total;
  out = unit_->Dma(Req(kIova + 0x1000), options);  // same PT: the PDE cache hits
  EXPECT_EQ(reads_.total - before, 1);
  EXPECT_EQ(reads_.reads[MemoryAccessKind::kSecondStageEntry], 5);
  EXPECT_EQ(out.result.translation->hpa, 0x501000u);
  ASSERT_EQ(out.cache_lookups().size(), 3u);
  EXPECT_EQ(out.cache_lookups()[2].cache, CacheKind::kPscPde);
  EXPECT_TRUE(out.cache_lookups()[2].hit);
  EXPECT_EQ(unit_->paging_structure_cache(4).size(), 1);
  EXPECT_EQ(unit_->paging_structure_cache(3).size(), 1);
  EXPECT_EQ(unit_->paging_structure_cache(2).size(), 1);
  EXPECT_EQ(unit_->paging_structure_cache(5).size(), 0);
}

TEST_F(CachingTest, StaleUntilPageSelectiveInvalidation_Sec6_5_1_2) {
  Start();
  EXPECT_EQ(Hpa(kIova), 0x500000u);
  Map(kIova, 0x900000);  // software changes the leaf and does not invalidate
  EXPECT_EQ(Hpa(kIova), 0x500000u);
  const uint64_t iotlb = PageInvalidate(5, kIova, 0);
  EXPECT_EQ(IotlbReg::kIaig.Get(iotlb), 3u);
  EXPECT_EQ(Hpa(kIova), 0x900000u);
}

TEST_F(CachingTest, PageSelectiveAddressMaskCoversAlignedBlock_Sec6_5_1_2) {
  Start();
  Hpa(kIova);
  Hpa(kIova + 0x1000);
  Hpa(kIova + 0x2000);
  EXPECT_EQ(unit_->iotlb().size(), 3);
  PageInvalidate(5, kIova + 0x1000, 1);  // AM=1: pages 0 and 1 of the aligned pair
  EXPECT_EQ(unit_->iotlb().size(), 1);
  EXPECT_NE(unit_->iotlb().Probe(CacheTag::Legacy(5), kIova + 0x2000, 0b10), nullptr);
  // Another domain's entries are not touched.
  PageInvalidate(6, kIova + 0x2000, 0);
  EXPECT_EQ(unit_->iotlb().size(), 1);
}

TEST_F(CachingTest, InvalidationHintKeepsPagingStructureEntries_Sec6_5_1_2) {
  Start();
  Hpa(kIova);
  PageInvalidate(5, kIova, 0, /*ih=*/true);
  EXPECT_EQ(unit_->iotlb().size(), 0);
  EXPECT_EQ(unit_->paging_structure_cache(2).size(), 1);
  PageInvalidate(5, kIova, 0, /*ih=*/false);
  EXPECT_EQ(unit_->paging_structure_cache(2).size(), 0);
  EXPECT_EQ(unit_->paging_structure_cache(3).size(), 0);
  EXPECT_EQ(unit_->paging_structure_cache(4).size(), 0);
}

TEST_F(CachingTest, DomainAndGlobalIotlbInvalidation_Sec6_5_1_2) {
  Start();
  const uint64_t saved_root = root_table_;
  SetContext(/*did=*/9, TranslationType::kUntranslatedOnly, false, 2, kSid2);
  Map(kIova, 0x700000);
  root_table_ = saved_root;
  Hpa(kIova);
  EXPECT_EQ(unit_->Dma(Req(kIova, AccessKind::kRead, 4, RequestType::kUntranslated, kSid2))
                .result.translation->hpa,
            0x700000u);
  EXPECT_EQ(unit_->iotlb().size(), 2);
  EXPECT_EQ(IotlbReg::kIaig.Get(DomainInvalidate(9)), 2u);
  EXPECT_EQ(unit_->iotlb().size(), 1);
  EXPECT_NE(unit_->iotlb().Probe(CacheTag::Legacy(5), kIova, 0b10), nullptr);
  EXPECT_EQ(unit_->paging_structure_cache(2).size(), 1);  // domain 5's PDE entry stays
  EXPECT_EQ(IotlbReg::kIaig.Get(GlobalIotlbInvalidate()), 1u);
  EXPECT_EQ(unit_->iotlb().size(), 0);
  EXPECT_EQ(unit_->paging_structure_cache(2).size(), 0);
  EXPECT_EQ(unit_->context_cache().size(), 2);  // IOTLB invalidation leaves the context cache
}

TEST_F(CachingTest, LargePageHitAnywhereInPage_Sec6_2_3) {
  CreateUnit();
  SetContext(5);
  Map(0x80000000, 0x40000000, /*leaf_level=*/2);  // 2 MiB
  Enable();
  memory_->set_observer(&reads_);
  EXPECT_EQ(Hpa(0x80000000 + 0x12345), 0x40012345u);
  EXPECT_EQ(ReadsFor(Req(0x801ff000)), 0);
  DmaOutcome out = unit_->Dma(Req(0x801ff000));
  EXPECT_EQ(out.result.translation->page_size, uint64_t{2} << 20);
  EXPECT_EQ(out.result.translation->hpa, 0x401ff000u);
  // A 4 KiB page-selective invalidation inside the 2 MiB page removes it.
  PageInvalidate(5, 0x80100000, 0);
  EXPECT_EQ(unit_->iotlb().size(), 0);
}

TEST_F(CachingTest, ContextCacheStaleUntilInvalidated_Sec6_2_1) {
  Start();
  Hpa(kIova);
  SetContextRaw(0, 0);  // software clears the context entry without invalidating
  GlobalIotlbInvalidate();
  EXPECT_EQ(Hpa(kIova), 0x500000u);  // the cached context entry still translates
  // Device-selective with the wrong DID does not match.
  uint64_t ccmd = Ccmd(Ccmd::kCirg.Set(0, 3) | Ccmd::kSid.Set(0, kSid.value()) | 4);
  EXPECT_EQ(Ccmd::kCaig.Get(ccmd), 3u);
  EXPECT_EQ(unit_->context_cache().size(), 1);
  ccmd = Ccmd(Ccmd::kCirg.Set(0, 3) | Ccmd::kSid.Set(0, kSid.value()) | 5);
  EXPECT_EQ(unit_->context_cache().size(), 0);
  DmaOutcome out = unit_->Dma(Req(kIova));
  ASSERT_TRUE(out.result.fault.has_value());
  EXPECT_EQ(out.result.fault->condition, FaultCondition::kLct2);
}

// Each context-cache miss fills the entry of its own requester only, whatever the miss
// before it read (S §6.2.1: entries are tagged by source-id): a present entry, then another
// device's not-present one cached under CM=1 (tagged with DID 0, S §6.1), then a third
// device's pass-through entry, then the first device again, hitting its own entry.
TEST_F(CachingTest, EachContextMissFillsOnlyItsOwnRequestersEntry_Sec6_2_1) {
  config_.cap = WithField(kR630Cap, Capability::kCm, 1);
  Start();
  const SourceId pass_through_sid = SourceId::FromBdf(0x3, 0x6, 0x0);
  SetContext(9, TranslationType::kPassThrough, /*fpd=*/false, /*aw=*/2, pass_through_sid);

  EXPECT_EQ(Hpa(kIova), 0x500000u);
  EXPECT_EQ(unit_->Dma(Req(kIova, AccessKind::kRead, 4, RequestType::kUntranslated, kSid2))
                .result.fault->condition,
            FaultCondition::kLct2);
  DmaOutcome pt =
      unit_->Dma(Req(0x123000, AccessKind::kRead, 4, RequestType::kUntranslated, pass_through_sid));
  ASSERT_TRUE(pt.result.ok());
  EXPECT_EQ(pt.result.translation->hpa, 0x123000u);  // TT=10b: output = input (S §3.9)

  const ContextCache::Entry* first = unit_->context_cache().Probe(kSid);
  const ContextCache::Entry* not_present = unit_->context_cache().Probe(kSid2);
  const ContextCache::Entry* pass_through = unit_->context_cache().Probe(pass_through_sid);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(not_present, nullptr);
  ASSERT_NE(pass_through, nullptr);
  EXPECT_TRUE(first->value.context.present);
  EXPECT_EQ(first->value.context.did.value(), 5);
  EXPECT_EQ(first->value.context.tt, TranslationType::kUntranslatedOnly);
  EXPECT_EQ(first->value.context_entry_address, ContextAddress(kSid));
  // The raw entries as software wrote them (what the invalidation checker compares).
  EXPECT_EQ(first->value.context_raw[0], *memory_->Read64(ContextAddress(kSid)));
  EXPECT_EQ(first->value.context_raw[1], *memory_->Read64(ContextAddress(kSid) + 8));
  EXPECT_FALSE(not_present->value.context.present);
  EXPECT_EQ(not_present->value.tag_domain(), 0);
  EXPECT_EQ(not_present->value.context.did.value(), 0);
  EXPECT_EQ(not_present->value.context_entry_address, ContextAddress(kSid2));
  EXPECT_EQ(not_present->value.context_raw, (std::array<uint64_t, 2>{0, 0}));
  EXPECT_TRUE(pass_through->value.context.present);
  EXPECT_EQ(pass_through->value.context.did.value(), 9);
  EXPECT_EQ(pass_through->value.context.tt, TranslationType::kPassThrough);
  EXPECT_EQ(pass_through->value.context_entry_address, ContextAddress(pass_through_sid));
  EXPECT_EQ(pass_through->value.context_raw[0], *memory_->Read64(ContextAddress(pass_through_sid)));

  // The first device hits its own entry: no root or context read.
  const int tables_before =
      reads_.reads[MemoryAccessKind::kRootEntry] + reads_.reads[MemoryAccessKind::kContextEntry];
  DmaOutcome again = unit_->Dma(Req(kIova + 0x1000));
  EXPECT_EQ(
      reads_.reads[MemoryAccessKind::kRootEntry] + reads_.reads[MemoryAccessKind::kContextEntry],
      tables_before);
  EXPECT_EQ(again.result.translation->hpa, 0x501000u);
}

TEST_F(CachingTest, DeviceSelectiveFunctionMask_Sec6_5_1_1) {
  CreateUnit();
  for (int fn = 0; fn < 8; ++fn)
    SetContext(5, TranslationType::kUntranslatedOnly, false, 2, SourceId::FromBdf(3, 2, fn));
  Enable();
  for (int fn = 0; fn < 8; ++fn) {
    unit_->Dma(
        Req(kIova, AccessKind::kRead, 4, RequestType::kUntranslated, SourceId::FromBdf(3, 2, fn)));
  }
  EXPECT_EQ(unit_->context_cache().size(), 8);
  auto device = [&](int fn, int fm) {
    Ccmd(Ccmd::kCirg.Set(0, 3) | Ccmd::kSid.Set(0, SourceId::FromBdf(3, 2, fn).value()) |
         Ccmd::kFm.Set(0, fm) | 5);
    return unit_->context_cache().size();
  };
  EXPECT_EQ(device(1, 0), 7);  // function 1 only
  EXPECT_EQ(device(6, 1), 5);  // FM=01b: functions 2 and 6
  EXPECT_EQ(device(0, 2), 3);  // FM=10b: 0,2,4,6 (0 and 4 were left of them)
  EXPECT_EQ(device(7, 3), 0);  // FM=11b: all eight
}

TEST_F(CachingTest, DomainSelectiveContextInvalidation_Sec6_5_1_1) {
  Start();
  const uint64_t saved_root = root_table_;
  SetContext(9, TranslationType::kUntranslatedOnly, false, 2, kSid2);
  root_table_ = saved_root;
  Hpa(kIova);
  unit_->Dma(Req(kIova, AccessKind::kRead, 4, RequestType::kUntranslated, kSid2));
  EXPECT_EQ(unit_->context_cache().size(), 2);
  EXPECT_EQ(Ccmd::kCaig.Get(Ccmd(Ccmd::kCirg.Set(0, 2) | 9)), 2u);
  EXPECT_EQ(unit_->context_cache().size(), 1);
  EXPECT_NE(unit_->context_cache().Probe(kSid), nullptr);
}

TEST_F(CachingTest, CommandRegistersReportGranularityOrError_Sec11_4_6) {
  Start();
  // Reserved granularities: nothing done, CAIG/IAIG = 00b, the command still completes.
  EXPECT_EQ(Ccmd::kCaig.Get(Ccmd(0)), 0u);
  EXPECT_EQ(IotlbReg::kIaig.Get(IotlbCommand(0)), 0u);
  // AM above CAP.MAMV (18 on the R630): not performed.
  Hpa(kIova);
  EXPECT_EQ(IotlbReg::kIaig.Get(PageInvalidate(5, 0, 19)), 0u);
  EXPECT_EQ(unit_->iotlb().size(), 1);
  // DR/DW are accepted (CAP.DRD/DWD on the R630).
  const uint64_t drain =
      IotlbCommand(IotlbReg::kIirg.Set(0, 1) | IotlbReg::kDr.mask() | IotlbReg::kDw.mask());
  EXPECT_EQ(IotlbReg::kIaig.Get(drain), 1u);
  EXPECT_EQ(unit_->iotlb().size(), 0);
  // A write of only the low dword does not start the command (S §11.4.6.1: upper byte).
  Hpa(kIova);
  unit_->WriteRegister32(IotlbOffset(), 0);
  EXPECT_EQ(unit_->iotlb().size(), 1);
  EXPECT_TRUE(unit_->TakeDiagnostics().empty());
}

TEST_F(CachingTest, PageSelectiveWithoutPsiIsDomainSelective_Sec11_4_6_3) {
  config_.cap = WithField(kR630Cap, Capability::kPsi, 0);
  config_.cap = WithField(config_.cap, Capability::kMamv, 0);
  Start();
  Hpa(kIova);
  Hpa(kIova + 0x2000);
  EXPECT_EQ(IotlbReg::kIaig.Get(PageInvalidate(5, kIova, 0)), 2u);
  EXPECT_EQ(unit_->iotlb().size(), 0);
}

TEST_F(CachingTest, CachingModeCachesNotPresentEntries_Sec6_1) {
  config_.cap = WithField(kR630Cap, Capability::kCm, 1);
  CreateUnit();
  Enable();
  // Context entry not present: LCT.2, and with CM=1 the not-present entry is cached.
  EXPECT_EQ(unit_->Dma(Req(kIova)).result.fault->condition, FaultCondition::kLct2);
  SetContext(5);
  Map(kIova, 0x500000);
  EXPECT_EQ(unit_->Dma(Req(kIova)).result.fault->condition, FaultCondition::kLct2);  // stale
  // Software invalidates the device with DID 0 (reserved for cached not-present entries).
  Ccmd(Ccmd::kCirg.Set(0, 3) | Ccmd::kSid.Set(0, kSid.value()) | 0);
  EXPECT_EQ(Hpa(kIova), 0x500000u);

  // A not-present leaf is cached too: mapping it later needs an IOTLB invalidation.
  DmaOutcome out = unit_->Dma(Req(kIova + 0x5000));
  EXPECT_EQ(out.result.fault->condition, FaultCondition::kLgn3);
  Map(kIova + 0x5000, 0x505000);
  EXPECT_EQ(unit_->Dma(Req(kIova + 0x5000)).result.fault->condition, FaultCondition::kLgn3);
  PageInvalidate(5, kIova + 0x5000, 0);
  EXPECT_EQ(Hpa(kIova + 0x5000), 0x505000u);
}

TEST_F(CachingTest, WithoutCachingModeNotPresentNeedsNoInvalidation_Sec6_1) {
  Start();
  EXPECT_EQ(unit_->Dma(Req(kIova + 0x5000)).result.fault->condition, FaultCondition::kLgn3);
  Map(kIova + 0x5000, 0x505000);
  EXPECT_EQ(Hpa(kIova + 0x5000), 0x505000u);
  EXPECT_EQ(unit_->Dma(Req(kIova, AccessKind::kRead, 4, RequestType::kUntranslated, kSid2))
                .result.fault->condition,
            FaultCondition::kLct2);
  SetContext(5, TranslationType::kUntranslatedOnly, false, 2, kSid2);
  Map(kIova, 0x600000);
  EXPECT_TRUE(
      unit_->Dma(Req(kIova, AccessKind::kRead, 4, RequestType::kUntranslated, kSid2)).result.ok());
}

TEST_F(CachingTest, PermissionIncreaseRewalksWithoutCachingMode_Sec6_1) {
  Start();
  Map(kIova, 0x500000, 1, /*read only*/ 1);
  GlobalIotlbInvalidate();
  EXPECT_TRUE(unit_->Dma(Req(kIova)).result.ok());
  EXPECT_EQ(unit_->Dma(Req(kIova, AccessKind::kWrite)).result.fault->condition,
            FaultCondition::kLgn2);
  Map(kIova, 0x500000, 1, 3);  // grant write, no invalidation
  EXPECT_TRUE(unit_->Dma(Req(kIova, AccessKind::kWrite)).result.ok());
}

TEST_F(CachingTest, PermissionIncreaseNeedsInvalidationInCachingMode_Sec6_1) {
  config_.cap = WithField(kR630Cap, Capability::kCm, 1);
  Start();
  Map(kIova, 0x500000, 1, /*read only*/ 1);
  GlobalIotlbInvalidate();
  EXPECT_TRUE(unit_->Dma(Req(kIova)).result.ok());
  Map(kIova, 0x500000, 1, 3);
  EXPECT_EQ(unit_->Dma(Req(kIova, AccessKind::kWrite)).result.fault->condition,
            FaultCondition::kLgn2);
  PageInvalidate(5, kIova, 0);
  EXPECT_TRUE(unit_->Dma(Req(kIova, AccessKind::kWrite)).result.ok());
}

TEST_F(CachingTest, IotlbLruEviction_Sec6_2_3) {
  config_.caches.iotlb = CacheGeometry{.entries = 2, .ways = 0};
  Start();
  Hpa(kIova);
  Hpa(kIova + 0x1000);
  Hpa(kIova);           // page 0 most recent
  Hpa(kIova + 0x2000);  // evicts page 1
  EXPECT_NE(unit_->iotlb().Probe(CacheTag::Legacy(5), kIova, 0b10), nullptr);
  EXPECT_EQ(unit_->iotlb().Probe(CacheTag::Legacy(5), kIova + 0x1000, 0b10), nullptr);
  EXPECT_EQ(unit_->cache_counters(CacheKind::kIotlb).evictions, 1u);
}

TEST_F(CachingTest, DisabledCachesWalkEveryTime_Sec6_2) {
  config_.caches.context = CacheGeometry{};
  config_.caches.iotlb = CacheGeometry{};
  config_.caches.psc_pml4 = CacheGeometry{};
  config_.caches.psc_pdpte = CacheGeometry{};
  config_.caches.psc_pde = CacheGeometry{};
  Start();
  EXPECT_EQ(ReadsFor(Req(kIova)), 6);
  EXPECT_EQ(ReadsFor(Req(kIova)), 6);
}

TEST_F(CachingTest, BadGeometryIsAnError_Sec6_2) {
  config_.caches.iotlb = CacheGeometry{.entries = 12, .ways = 8};
  auto unit = RemappingUnit::Create(config_, memory_.get());
  EXPECT_FALSE(unit.ok());
  EXPECT_NE(unit.status().message().find("iotlb"), std::string::npos) << unit.status();
}

TEST_F(CachingTest, CheckerReportsStaleIotlbEntryWithoutChangingResult_Sec6_5) {
  config_.check_invalidation = true;
  Start();
  const uint64_t leaf = EntryAddress(kIova, 1);
  DmaOutcome first = unit_->Dma(Req(kIova));
  EXPECT_TRUE(first.stale().empty());
  Map(kIova, 0x900000);
  DmaOutcome out = unit_->Dma(Req(kIova));
  EXPECT_EQ(out.result.translation->hpa, 0x500000u);  // the stale translation is still used
  ASSERT_EQ(out.stale().size(), 1u);
  EXPECT_EQ(out.stale()[0].cache, CacheKind::kIotlb);
  EXPECT_EQ(out.stale()[0].entry_address, leaf);
  EXPECT_EQ(out.stale()[0].cached_value, 0x500003u);
  EXPECT_EQ(out.stale()[0].memory_value, 0x900003u);
  EXPECT_EQ(out.stale()[0].cached_at_step, unit_->request_count() - 1);
  EXPECT_EQ(observer_.stale.size(), 1u);
  EXPECT_NE(out.stale()[0].ToString().find("iotlb"), std::string::npos);
  PageInvalidate(5, kIova, 0);
  EXPECT_TRUE(unit_->Dma(Req(kIova)).stale().empty());
}

TEST_F(CachingTest, CheckerReportsStaleContextAndPscEntries_Sec6_5) {
  config_.check_invalidation = true;
  Start();
  Hpa(kIova);
  // Change the context entry's DID only: the cached copy is stale.
  const uint64_t hi = Read(ContextAddress(kSid) + 8);
  Write(ContextAddress(kSid) + 8, ContextEntry::kDid.Set(hi, 6));
  DmaOutcome out = unit_->Dma(Req(kIova));
  ASSERT_FALSE(out.stale().empty());
  EXPECT_EQ(out.stale()[0].cache, CacheKind::kContext);
  EXPECT_EQ(out.stale()[0].entry_address, ContextAddress(kSid) + 8);  // the high qword (DID)
  GlobalContextInvalidate();
  GlobalIotlbInvalidate();
  Hpa(kIova);
  // Point the PDE elsewhere; a request in another page of that PDE hits the stale PSC entry.
  Write(EntryAddress(kIova, 2), 0x300000 | 3);
  out = unit_->Dma(Req(kIova + 0x1000));
  ASSERT_EQ(out.stale().size(), 1u);
  EXPECT_EQ(out.stale()[0].cache, CacheKind::kPscPde);
  EXPECT_EQ(out.result.translation->hpa, 0x501000u);
}

TEST_F(CachingTest, InvalidationEventsReachObservers_Sec6_5_1) {
  Start();
  Hpa(kIova);
  observer_.invalidations.clear();
  GlobalIotlbInvalidate();
  ASSERT_EQ(observer_.invalidations.size(), 5u);  // IOTLB, then PML5E..PDE caches
  EXPECT_EQ(observer_.invalidations[0].cache, CacheKind::kIotlb);
  EXPECT_EQ(observer_.invalidations[0].requested, "global");
  EXPECT_EQ(observer_.invalidations[0].performed, "global");
  EXPECT_EQ(observer_.invalidations[0].entries_removed, 1);
  EXPECT_EQ(observer_.invalidations[4].cache, CacheKind::kPscPde);
  EXPECT_EQ(observer_.invalidations[4].entries_removed, 1);
}

}  // namespace
}  // namespace vtd
