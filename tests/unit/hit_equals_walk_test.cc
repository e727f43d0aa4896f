// An IOTLB hit answers every kind of request exactly as a walk does (VT-d spec §6.2.3: the
// IOTLB caches the result of a walk, not a different answer). Each case runs on two units
// over the same memory: one with the default caches, warmed so that the request hits (or,
// where the spec lets nothing be cached, finds nothing), and one with every cache disabled,
// which walks every time. The two results must be identical, field by field.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

constexpr uint64_t kIova = 0x40000000;
const SourceId kPassThroughSid = SourceId::FromBdf(0x3, 0x2, 0x2);

class HitEqualsWalkTest : public UnitTest {
 protected:
  // Tables: DID 5 with TT=01b (translation and translated requests admitted), a 4 KiB
  // read-write page, a 2 MiB read-write page with SNP/EMT/IPAT, a read-only and a
  // write-only page, a page whose output is in the interrupt range, a not-present page; and
  // a pass-through (TT=10b) context for a second function.
  void BuildTables() {
    SetContext(/*did=*/5, TranslationType::kDeviceTlb);
    constexpr uint64_t kLeafExtras = (uint64_t{1} << 11) | (6u << 3) | (1u << 6);
    Map(kIova, 0x500000, 1, 3);
    Map(kIova + 0x200000, 0x800000, 2, 3 | kLeafExtras);
    Map(kIova + 0x400000, 0x900000, 1, 1);    // read-only
    Map(kIova + 0x401000, 0x901000, 1, 2);    // write-only
    Map(kIova + 0x402000, 0xfee00000, 1, 3);  // output in FEEx_xxxxh
    Map(kIova + 0x403000, 0x903000, 1, 0);    // not present (R=W=0)
    SetContext(/*did=*/6, TranslationType::kPassThrough, false, 2, kPassThroughSid);
    SetRoot(kSid.bus(), kContextTable | 1);
  }

  std::unique_ptr<RemappingUnit> MakeUnit(const UnitCacheConfig& caches) {
    config_.caches = caches;
    CreateUnit();
    SetRootTable();
    GlobalContextInvalidate();
    GlobalIotlbInvalidate();
    EnableTranslation();
    unit_->RemoveObserver(&observer_);
    return std::move(unit_);
  }

  struct Case {
    std::string name;
    DmaRequest request;
    bool expect_hit = true;  // the cached unit answers from an IOTLB entry
  };

  DmaRequest Pasid(DmaRequest r, uint32_t pasid) {
    r.pasid = pasid;
    return r;
  }
  DmaRequest NoWrite(DmaRequest r) {
    r.no_write = true;
    return r;
  }

  void RunCases(const std::vector<Case>& cases, uint64_t cap) {
    config_.cap = cap;
    BuildTables();
    std::unique_ptr<RemappingUnit> cached = MakeUnit(UnitCacheConfig{});
    UnitCacheConfig none;
    none.context = none.iotlb = none.psc_pml5 = none.psc_pml4 = none.psc_pdpte = none.psc_pde =
        CacheGeometry{.entries = 0};
    std::unique_ptr<RemappingUnit> walker = MakeUnit(none);
    for (const Case& c : cases) {
      SCOPED_TRACE(c.name);
      // Warm the cached unit with a read of the same page (a translation request where reads
      // are not what is cached), then ask.
      DmaRequest warm = c.request;
      if (warm.type == RequestType::kUntranslated) {
        warm.access = AccessKind::kRead;
        warm.size = 4;
        warm.address &= ~uint64_t{0xfff};
      }
      cached->Dma(warm);
      const uint64_t hits = cached->cache_counters(CacheKind::kIotlb).hits;
      const DmaOutcome from_cache = cached->Dma(c.request);
      EXPECT_EQ(cached->cache_counters(CacheKind::kIotlb).hits, hits + (c.expect_hit ? 1 : 0));
      const DmaOutcome walked = walker->Dma(c.request);
      EXPECT_EQ(walker->cache_counters(CacheKind::kIotlb).hits, 0u);
      EXPECT_EQ(DescribeResult(from_cache), DescribeResult(walked));
      EXPECT_EQ(from_cache.result.fault.has_value(), walked.result.fault.has_value());
      if (from_cache.result.fault && walked.result.fault) {
        EXPECT_TRUE(*from_cache.result.fault == *walked.result.fault);
      }
      EXPECT_EQ(from_cache.result.ats.has_value(), walked.result.ats.has_value());
      if (from_cache.result.ats && walked.result.ats) {
        const AtsCompletion& a = *from_cache.result.ats;
        const AtsCompletion& b = *walked.result.ats;
        EXPECT_EQ(a.address, b.address);
        EXPECT_EQ(a.size, b.size);
        EXPECT_EQ(a.read, b.read);
        EXPECT_EQ(a.write, b.write);
        EXPECT_EQ(a.untranslated_only, b.untranslated_only);
        EXPECT_EQ(a.no_snoop, b.no_snoop);
      }
      EXPECT_EQ(from_cache.blocked, walked.blocked);
      EXPECT_EQ(from_cache.status, walked.status);
    }
  }

  std::vector<Case> Cases() {
    using A = AccessKind;
    using T = RequestType;
    return {
        {"untranslated read", Req(kIova + 0x10)},
        {"untranslated write, 2 MiB page", Req(kIova + 0x200000 + 0x1230, A::kWrite, 64)},
        {"untranslated atomic", Req(kIova + 0x20, A::kAtomic, 8)},
        {"zero-length read", Req(kIova + 0x30, A::kRead, 0)},
        {"zero-length read, write-only page (ZLR)", Req(kIova + 0x401000, A::kRead, 0), false},
        {"write to a read-only page (LGN.2)", Req(kIova + 0x400000, A::kWrite)},
        {"atomic on a read-only page (LGN.2)", Req(kIova + 0x400010, A::kAtomic, 8)},
        // The zero-length read above filled the write-only page's entry: this read hits it,
        // lacks R, and (CM=0) walks again; with CM=1 the entry answers.
        {"read of a write-only page (LGN.3)", Req(kIova + 0x401000)},
        {"output in the interrupt range (LGN.4)", Req(kIova + 0x402000)},
        {"not-present page (LGN.3)", Req(kIova + 0x403000), /*expect_hit=*/false},
        {"translation request", Req(kIova + 0x200000, A::kRead, 4, T::kTranslation)},
        {"translation request, read-only page (SE)",
         Req(kIova + 0x400000, A::kRead, 4, T::kTranslation)},
        {"translation request with NW, read-only page",
         NoWrite(Req(kIova + 0x400000, A::kRead, 4, T::kTranslation))},
        {"translation request, interrupt-range output (LGN.4)",
         Req(kIova + 0x402000, A::kRead, 4, T::kTranslation)},
        {"translation request, not-present page (S0)",
         Req(kIova + 0x403000, A::kRead, 4, T::kTranslation), /*expect_hit=*/false},
        {"translation request into FEEx_xxxxh (S.1)", Req(0xfee00000, A::kRead, 4, T::kTranslation),
         /*expect_hit=*/false},
        {"translated request", Req(0x700000, A::kWrite, 4, T::kTranslated), false},
        {"translated request into FEEx_xxxxh (LGN.4)",
         Req(0xfee01000, A::kWrite, 4, T::kTranslated), false},
        {"request with PASID (RTA.2)", Pasid(Req(kIova + 0x10), 3), false},
        {"translation request with PASID (RTA.2)",
         Pasid(Req(kIova, A::kRead, 4, T::kTranslation), 3), false},
        {"pass-through", Req(0x123450, A::kWrite, 4, T::kUntranslated, kPassThroughSid), false},
        {"pass-through translation request (LCT.5)",
         Req(0x123450, A::kRead, 4, T::kTranslation, kPassThroughSid), false},
        {"beyond the input width (LGN.1.1)", Req(uint64_t{1} << 48), false},
    };
  }
};

TEST_F(HitEqualsWalkTest, EveryRequestKind) { RunCases(Cases(), kR630Cap); }

// CAP.CM=1: not-present translations are cached too (S §6.1), and a cached entry answers
// even where it lacks the permission the request needs: still the walk's answer.
TEST_F(HitEqualsWalkTest, EveryRequestKindInCachingMode) {
  std::vector<Case> cases = Cases();
  for (Case& c : cases) {
    if (c.name.find("not-present") != std::string::npos) {
      c.expect_hit = true;
    }
  }
  RunCases(cases, Capability::kCm.Set(kR630Cap, 1));
}

}  // namespace
}  // namespace vtd
