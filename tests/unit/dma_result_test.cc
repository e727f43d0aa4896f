// The lean result of RemappingUnit::Translate (DmaResult): what the device sees, with the
// values the spec gives for the tables built here (VT-d spec §3.7 translation, §4.2.3
// translation requests, §7.1 faults and faults.md's response columns, §3.1 TE off), the
// same counters and observer events as Dma, and nothing left over from one request in the
// next (a fault, a bad request, a PMR block, then a plain hit).
#include <cstdint>

#include "gtest/gtest.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

constexpr uint64_t kIova = 0x40000000;

class DmaResultTest : public UnitTest {
 protected:
  void Start() {
    CreateUnit();
    SetContext(/*did=*/3, TranslationType::kDeviceTlb);
    Map(kIova, 0x500000);                   // read-write 4 KiB
    Map(kIova + 0x1000, 0x501000, 1, 1);    // read-only
    Map(kIova + 0x200000, 0x600000, 2, 3);  // read-write 2 MiB
    Enable();
  }
};

TEST_F(DmaResultTest, HitAndWalkGiveTheOutputAddress_Sec3_7) {
  Start();
  const DmaResult walked = unit_->Translate(Req(kIova + 0x10, AccessKind::kWrite, 8));
  EXPECT_EQ(walked.completion, Completion::kSuccess);
  EXPECT_EQ(walked.hpa, 0x500010u);
  EXPECT_TRUE(walked.read);
  EXPECT_TRUE(walked.write);
  EXPECT_FALSE(walked.blocked);
  EXPECT_FALSE(walked.faulted);
  EXPECT_FALSE(walked.recorded);
  EXPECT_EQ(unit_->cache_counters(CacheKind::kIotlb).hits, 0u);
  const DmaResult hit = unit_->Translate(Req(kIova + 0x20));
  EXPECT_EQ(unit_->cache_counters(CacheKind::kIotlb).hits, 1u);
  EXPECT_EQ(hit.hpa, 0x500020u);
  EXPECT_EQ(hit.completion, Completion::kSuccess);
  // 2 MiB page: the offset within the page is kept (bits 20:0).
  EXPECT_EQ(unit_->Translate(Req(kIova + 0x200000 + 0x12345)).hpa, 0x612345u);
}

TEST_F(DmaResultTest, FaultThenSuccessLeavesNothingBehind_Sec7_1) {
  Start();
  // A write to a read-only page: LGN.2, UR for an untranslated request (faults.md), recorded.
  const DmaResult fault = unit_->Translate(Req(kIova + 0x1000, AccessKind::kWrite));
  EXPECT_TRUE(fault.faulted);
  EXPECT_EQ(fault.condition, FaultCondition::kLgn2);
  EXPECT_EQ(fault.completion, Completion::kUnsupportedRequest);
  EXPECT_TRUE(fault.blocked);
  EXPECT_TRUE(fault.recorded);
  EXPECT_EQ(fault.hpa, 0u);
  EXPECT_EQ(ReadFrcd(0).reason, 0x05);
  EXPECT_TRUE(ReadFrcd(0).fault);
  EXPECT_EQ(ReadFrcd(0).fault_info, kIova + 0x1000);  // FI: bits 63:12 in place
  const DmaResult ok = unit_->Translate(Req(kIova + 0x1008));
  EXPECT_FALSE(ok.faulted);
  EXPECT_FALSE(ok.recorded);
  EXPECT_FALSE(ok.blocked);
  EXPECT_TRUE(ok.read);
  EXPECT_FALSE(ok.write);
  EXPECT_EQ(ok.hpa, 0x501008u);
  // A request crossing a 4 KiB boundary is bad input: blocked, no fault.
  const DmaResult bad = unit_->Translate(Req(kIova + 0xffc, AccessKind::kRead, 8));
  EXPECT_TRUE(bad.blocked);
  EXPECT_FALSE(bad.faulted);
  EXPECT_EQ(unit_->Translate(Req(kIova)).hpa, 0x500000u);
  EXPECT_FALSE(unit_->Translate(Req(kIova)).blocked);
}

TEST_F(DmaResultTest, TranslationRequestGetsThePageAndItsRights_Sec4_2_3) {
  Start();
  const DmaResult rw = unit_->Translate(
      Req(kIova + 0x200000 + 0x5000, AccessKind::kRead, 4, RequestType::kTranslation));
  EXPECT_EQ(rw.completion, Completion::kSuccess);
  EXPECT_EQ(rw.hpa, 0x600000u);  // the translated 2 MiB page
  EXPECT_TRUE(rw.read);
  EXPECT_TRUE(rw.write);
  EXPECT_FALSE(rw.faulted);
  // Read-only page: LGN.2 answered SE (Success with the effective rights), not recorded.
  const DmaResult ro =
      unit_->Translate(Req(kIova + 0x1000, AccessKind::kRead, 4, RequestType::kTranslation));
  EXPECT_EQ(ro.completion, Completion::kSuccess);
  EXPECT_EQ(ro.hpa, 0x501000u);
  EXPECT_TRUE(ro.read);
  EXPECT_FALSE(ro.write);
  EXPECT_TRUE(ro.faulted);
  EXPECT_EQ(ro.condition, FaultCondition::kLgn2);
  EXPECT_FALSE(ro.recorded);
  EXPECT_FALSE(ro.blocked);
}

TEST_F(DmaResultTest, TranslationDisabledPassesTheAddress_Sec3_1) {
  CreateUnit();
  const DmaResult r = unit_->Translate(Req(0x12345678, AccessKind::kWrite));
  EXPECT_EQ(r.completion, Completion::kSuccess);
  EXPECT_EQ(r.hpa, 0x12345678u);
  EXPECT_FALSE(r.blocked);
}

TEST_F(DmaResultTest, SameCountersAndEventsAsDma) {
  Start();
  const DmaRequest requests[] = {Req(kIova), Req(kIova + 8),
                                 Req(kIova + 0x1000, AccessKind::kWrite), Req(kIova + 0x200000)};
  for (const DmaRequest& r : requests) unit_->Translate(r);
  const RecordingObserver lean = observer_;
  const uint64_t lean_requests = unit_->request_count();
  const CacheCounters lean_iotlb = unit_->cache_counters(CacheKind::kIotlb);
  const CacheCounters lean_context = unit_->cache_counters(CacheKind::kContext);

  observer_ = RecordingObserver{};
  CreateUnit();
  Enable();
  for (const DmaRequest& r : requests) unit_->Dma(r);
  EXPECT_EQ(unit_->request_count(), lean_requests);
  EXPECT_EQ(unit_->cache_counters(CacheKind::kIotlb).hits, lean_iotlb.hits);
  EXPECT_EQ(unit_->cache_counters(CacheKind::kIotlb).misses, lean_iotlb.misses);
  EXPECT_EQ(unit_->cache_counters(CacheKind::kContext).hits, lean_context.hits);
  EXPECT_EQ(unit_->cache_counters(CacheKind::kContext).misses, lean_context.misses);
  ASSERT_EQ(observer_.lookups.size(), lean.lookups.size());
  for (size_t i = 0; i < lean.lookups.size(); ++i) {
    EXPECT_EQ(observer_.lookups[i].cache, lean.lookups[i].cache);
    EXPECT_EQ(observer_.lookups[i].hit, lean.lookups[i].hit);
    EXPECT_EQ(observer_.lookups[i].tag, lean.lookups[i].tag);
  }
  EXPECT_EQ(observer_.faults.size(), lean.faults.size());
  EXPECT_EQ(observer_.begins, lean.begins);
  EXPECT_EQ(observer_.ends, lean.ends);
}

}  // namespace
}  // namespace vtd
