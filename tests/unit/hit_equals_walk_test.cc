// An IOTLB hit answers every kind of request exactly as a walk does (VT-d spec §6.2.3: the
// IOTLB caches the result of a walk, not a different answer). Each case runs on two units
// over the same memory: one with the default caches, warmed so that the request hits (or,
// where the spec lets nothing be cached, finds nothing), and one with every cache disabled,
// which walks every time. The two results must be identical, field by field. Legacy mode
// (TT 00b/01b/10b) and scalable mode (PGTT second-stage with and without SSADE, pass-through,
// first-stage and nested; requests with and without PASID) are both covered, and two more
// units answer the same requests through the lean RemappingUnit::Translate, which must give
// DmaResult::Of of the full outcome. Each request is asked a second time, when the unit's hot
// entry answers what the caches answered.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/scalable_fixture.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

constexpr uint64_t kIova = 0x40000000;
const SourceId kPassThroughSid = SourceId::FromBdf(0x3, 0x2, 0x2);

struct Case {
  std::string name;
  DmaRequest request;
  bool expect_hit = true;  // the cached unit's IOTLB lookup finds an entry
  bool warm = true;        // warm the cached units with a read of the page first
};

DmaRequest Pasid(DmaRequest r, uint32_t pasid) {
  r.pasid = pasid;
  return r;
}
DmaRequest NoWrite(DmaRequest r) {
  r.no_write = true;
  return r;
}
DmaRequest Privileged(DmaRequest r) {
  r.privileged = true;
  return r;
}

std::string DescribeLean(const DmaResult& r) {
  return absl::StrCat("completion ", std::string(CompletionName(r.completion)), " hpa ", r.hpa,
                      " r", r.read, " w", r.write, " blocked ", r.blocked, " faulted ", r.faulted,
                      " condition ", r.faulted ? std::string(FaultConditionName(r.condition)) : "-",
                      " recorded ", r.recorded);
}

// The units one comparison runs on: `cached` and `cached_lean` with caches, `walker` and
// `walker_lean` without; the lean ones answer through Translate.
struct Units {
  std::unique_ptr<RemappingUnit> cached, walker, cached_lean, walker_lean;
};

// Makes the four units with `make(caches)` (the default caches, or every cache disabled)
// and compares them on `cases`.
template <typename Make>
void ExpectHitEqualsWalk(Make make, const std::vector<Case>& cases) {
  UnitCacheConfig none;
  none.context = none.iotlb = none.psc_pml5 = none.psc_pml4 = none.psc_pdpte = none.psc_pde =
      none.pasid = CacheGeometry{.entries = 0};
  Units u{make(UnitCacheConfig{}), make(none), make(UnitCacheConfig{}), make(none)};
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    // Warm the cached units with a read of the same page (a translation request where reads
    // are not what is cached), then ask.
    DmaRequest warm = c.request;
    if (warm.type == RequestType::kUntranslated) {
      warm.access = AccessKind::kRead;
      warm.size = 4;
      warm.address &= ~uint64_t{0xfff};
    }
    if (c.warm) {
      u.cached->Dma(warm);
      u.cached_lean->Translate(warm);
    }
    const uint64_t hits = u.cached->cache_counters(CacheKind::kIotlb).hits;
    const DmaOutcome from_cache = u.cached->Dma(c.request);
    EXPECT_EQ(u.cached->cache_counters(CacheKind::kIotlb).hits, hits + (c.expect_hit ? 1 : 0));
    const DmaOutcome walked = u.walker->Dma(c.request);
    EXPECT_EQ(u.walker->cache_counters(CacheKind::kIotlb).hits, 0u);
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
      EXPECT_EQ(a.privileged, b.privileged);
      EXPECT_EQ(a.execute, b.execute);
    }
    EXPECT_EQ(from_cache.blocked, walked.blocked);
    EXPECT_EQ(from_cache.status(), walked.status());
    // The lean path: the same answers, hit or walk.
    EXPECT_EQ(DescribeLean(u.cached_lean->Translate(c.request)),
              DescribeLean(DmaResult::Of(from_cache)));
    EXPECT_EQ(DescribeLean(u.walker_lean->Translate(c.request)),
              DescribeLean(DmaResult::Of(walked)));
    EXPECT_EQ(u.cached_lean->cache_counters(CacheKind::kIotlb).hits,
              u.cached->cache_counters(CacheKind::kIotlb).hits);
    // Asked again: a request the caches alone answered is now answered by the unit's hot
    // entry (UnitConfig::hot_entry), which must answer as the walk too (faults are not
    // answered by hot entries, and a second fault's recording depends on the first's).
    if (!walked.result.fault.has_value()) {
      EXPECT_EQ(DescribeResult(u.cached->Dma(c.request)), DescribeResult(walked));
      EXPECT_EQ(DescribeLean(u.cached_lean->Translate(c.request)),
                DescribeLean(DmaResult::Of(walked)));
    }
  }
}

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

  void RunCases(const std::vector<Case>& cases, uint64_t cap) {
    config_.cap = cap;
    BuildTables();
    ExpectHitEqualsWalk([this](const UnitCacheConfig& c) { return MakeUnit(c); }, cases);
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

// Scalable mode. Requests without PASID go through RID_PASID 0: second-stage with SSADE, so
// a read fills an IOTLB entry whose leaf has D clear and a later write hits it and must walk
// again to set D (S §3.7.2). PASID 1: second-stage without SSADE; 2: pass-through; 3:
// first-stage; 4: nested (first-stage tables and output through PASID 4's second stage).
class ScalableHitEqualsWalkTest : public ScalableUnitTest {
 protected:
  void BuildTables() { BuildEveryPgttTables(kIova); }

  std::unique_ptr<RemappingUnit> MakeUnit(const UnitCacheConfig& caches) {
    config_.caches = caches;
    CreateUnit();
    EnableScalable();
    unit_->RemoveObserver(&observer_);
    return std::move(unit_);
  }

  void RunCases(const std::vector<Case>& cases) {
    config_.ecap =
        kQemuScalablePasidEcap | kEcapDt | kEcapFsts | kEcapNest | kEcapSmpwcs | kEcapSsads;
    BuildTables();
    ExpectHitEqualsWalk([this](const UnitCacheConfig& c) { return MakeUnit(c); }, cases);
  }

  std::vector<Case> Cases() {
    using A = AccessKind;
    using T = RequestType;
    return {
        // Without PASID (RID_PASID, second-stage with SSADE).
        {"untranslated read", Req(kIova + 0x10)},
        {"write after a read: D clear in the cached entry, walks again (S 3.7.2)",
         Req(kIova + 0x20, A::kWrite, 8)},
        {"write again: D set now", Req(kIova + 0x30, A::kWrite, 8)},
        {"untranslated write, 2 MiB page", Req(kIova + 0x200000 + 0x1230, A::kWrite, 64)},
        {"untranslated atomic", Req(kIova + 0x40, A::kAtomic, 8)},
        {"write to a read-only page (SGN.6)", Req(kIova + 0x400000, A::kWrite)},
        {"read of a write-only page (SGN.7)", Req(kIova + 0x401000), false},
        // With SSADE only translations that succeeded are cached (their A bits are set).
        {"output in the interrupt range (SGN.8.1)", Req(kIova + 0x402000), false},
        {"R=W=0 page (SSS.2)", Req(kIova + 0x403000), false},
        {"beyond the input width (SGN.5)", Req(uint64_t{1} << 48), false},
        {"translation request", Req(kIova + 0x200000, A::kRead, 4, T::kTranslation)},
        {"translation request, read-only page (SE)",
         Req(kIova + 0x400000, A::kRead, 4, T::kTranslation)},
        {"translation request with NW, read-only page",
         NoWrite(Req(kIova + 0x400000, A::kRead, 4, T::kTranslation))},
        {"translation request, interrupt-range output (SGN.8.2)",
         Req(kIova + 0x402000, A::kRead, 4, T::kTranslation), false},
        // A read fills an entry with D clear; a translation request that hits it would be
        // granted write: the walk's answer (W=1), not the cached entry's.
        {"read of a second read-write page", Req(kIova + 0x5000)},
        {"translation request hitting an entry with D clear",
         Req(kIova + 0x5000, A::kRead, 4, T::kTranslation), true, /*warm=*/false},
        {"translated request", Req(0x700000, A::kWrite, 4, T::kTranslated), false},
        {"translated request into FEEx_xxxxh (SGN.8.3)",
         Req(0xfee01000, A::kWrite, 4, T::kTranslated), false},
        // With PASID: second-stage without SSADE.
        {"PASID 1 read", Pasid(Req(kIova + 0x10), 1)},
        {"PASID 1 write", Pasid(Req(kIova + 0x10, A::kWrite), 1)},
        {"PASID 1 write to a read-only page (SGN.6)", Pasid(Req(kIova + 0x1000, A::kWrite), 1)},
        {"PASID 1 translation request", Pasid(Req(kIova, A::kRead, 4, T::kTranslation), 1)},
        // Pass-through.
        {"PASID 2 pass-through write", Pasid(Req(0x123450, A::kWrite), 2), false},
        {"PASID 2 pass-through into FEEx_xxxxh (SGN.8.1)", Pasid(Req(0xfee00000, A::kWrite), 2),
         false},
        // First-stage.
        {"PASID 3 first-stage read", Pasid(Req(kIova + 0x10), 3)},
        {"PASID 3 first-stage write after a read: D clear, walks again",
         Pasid(Req(kIova + 0x20, A::kWrite), 3)},
        {"PASID 3 first-stage write, 2 MiB page", Pasid(Req(kIova + 0x200000, A::kWrite), 3)},
        {"PASID 3 write to a user read-only page (SGN.6)",
         Pasid(Req(kIova + 0x1000, A::kWrite), 3)},
        {"PASID 3 user read of a supervisor page", Pasid(Req(kIova + 0x2000), 3), false},
        {"PASID 3 supervisor read without SRE", Privileged(Pasid(Req(kIova + 0x10), 3)), false},
        {"PASID 3 translation request", Pasid(Req(kIova, A::kRead, 4, T::kTranslation), 3)},
        {"PASID 3 read of a second page", Pasid(Req(kIova + 0x3000), 3)},
        {"PASID 3 translation request hitting an entry with D clear (sets D)",
         Pasid(Req(kIova + 0x3000, A::kRead, 4, T::kTranslation), 3), true, /*warm=*/false},
        {"PASID 3 non-canonical address", Pasid(Req(uint64_t{1} << 47), 3), false},
        {"PASID 3 not mapped", Pasid(Req(kIova + 0x5000), 3), false},
        // Nested.
        {"PASID 4 nested read", Pasid(Req(kIova + 0x8), 4)},
        {"PASID 4 nested write after a read", Pasid(Req(kIova + 0x8, A::kWrite), 4)},
        {"PASID 4 nested translation request", Pasid(Req(kIova, A::kRead, 4, T::kTranslation), 4)},
    };
  }
};

TEST_F(ScalableHitEqualsWalkTest, EveryRequestKind) { RunCases(Cases()); }

}  // namespace
}  // namespace vtd
