// Lookup batching (UnitObserver::batches_lookups): an observer that batches receives a
// request's cache lookups (S §6.2: context cache, IOTLB, paging-structure caches) in one
// OnRequestEndWithLookups call, in the order and with the outcomes a per-lookup observer sees
// them; no OnCacheLookup and no plain OnRequestEnd reach it.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

constexpr uint64_t kIova = 0x40000000;

class BatchingObserver : public UnitObserver {
 public:
  bool batches_lookups() const override { return true; }
  void OnCacheLookup(const CacheLookupEvent&) override { ++single_lookups; }
  void OnRequestBegin() override { ++begins; }
  void OnRequestEnd() override { ++plain_ends; }
  void OnRequestEndWithLookups(const RequestLookups& lookups) override {
    batches.emplace_back(lookups.events.begin(), lookups.events.begin() + lookups.count);
  }
  int single_lookups = 0;
  int begins = 0;
  int plain_ends = 0;
  std::vector<std::vector<CacheLookupEvent>> batches;
};

std::string Describe(const std::vector<CacheLookupEvent>& lookups) {
  std::string s;
  for (const CacheLookupEvent& e : lookups) {
    absl::StrAppend(&s, std::string(CacheKindName(e.cache)), e.hit ? " hit " : " miss ",
                    absl::Hex(e.tag), "; ");
  }
  return s;
}

class ObserverBatchingTest : public UnitTest {
 protected:
  void SetUp() override {
    UnitTest::SetUp();
    CreateUnit();
    SetContext(/*did=*/3);
    Map(kIova, 0x500000);
    Map(kIova + 0x1000, 0x501000);
    Enable();
  }
  // The per-lookup observer's lookups since `from`.
  std::vector<CacheLookupEvent> SinceOf(size_t from) {
    return {observer_.lookups.begin() + static_cast<std::ptrdiff_t>(from), observer_.lookups.end()};
  }
};

// A cold walk (context miss, IOTLB miss, PSC misses), a PSC-shortened walk, an IOTLB hit and
// a fault (context entry not present, S §7.1.3 LCT.2): the batch equals the single events.
TEST_F(ObserverBatchingTest, BatchEqualsPerLookupEventsRequestByRequest) {
  BatchingObserver batching;
  unit_->AddObserver(&batching);
  const std::vector<DmaRequest> requests = {
      Req(kIova), Req(kIova + 0x1000), Req(kIova + 0x10),
      Req(kIova, AccessKind::kRead, 4, RequestType::kUntranslated, SourceId::FromBdf(3, 5, 0))};
  for (size_t i = 0; i < requests.size(); ++i) {
    const size_t from = observer_.lookups.size();
    unit_->Dma(requests[i]);
    ASSERT_EQ(batching.batches.size(), i + 1);
    EXPECT_EQ(Describe(batching.batches[i]), Describe(SinceOf(from))) << "request " << i;
    EXPECT_FALSE(batching.batches[i].empty());
  }
  // The first request walked cold: context, IOTLB and the three PSC levels of a 4-level walk.
  EXPECT_EQ(batching.batches[0].size(), 5u) << Describe(batching.batches[0]);
  // The third hit the IOTLB after the context cache.
  EXPECT_EQ(Describe(batching.batches[2]), "context hit 311; iotlb hit 40000000; ");
  EXPECT_EQ(batching.single_lookups, 0);
  EXPECT_EQ(batching.plain_ends, 0);
  EXPECT_EQ(batching.begins, 4);
  EXPECT_EQ(observer_.begins - observer_.ends, 0);
}

// Removing the only batching observer stops the batching; adding it again restarts it.
TEST_F(ObserverBatchingTest, RemoveAndAddAgain) {
  BatchingObserver batching;
  unit_->AddObserver(&batching);
  unit_->Dma(Req(kIova));
  unit_->RemoveObserver(&batching);
  unit_->Dma(Req(kIova));
  EXPECT_EQ(batching.batches.size(), 1u);
  unit_->AddObserver(&batching);
  unit_->AddObserver(&batching);  // no second registration
  unit_->Dma(Req(kIova));
  ASSERT_EQ(batching.batches.size(), 2u);
  EXPECT_EQ(Describe(batching.batches[1]), "context hit 311; iotlb hit 40000000; ");
  // The per-lookup observer kept seeing every lookup throughout.
  EXPECT_EQ(observer_.begins, 3);
  EXPECT_EQ(observer_.ends, 3);
}

// An observer that does not override the batching hook gets its plain OnRequestEnd.
TEST_F(ObserverBatchingTest, DefaultObserverGetsPlainEnds) {
  class EndCounter : public UnitObserver {
   public:
    void OnRequestEnd() override { ++ends; }
    int ends = 0;
  } counter;
  unit_->AddObserver(&counter);
  unit_->Dma(Req(kIova));
  EXPECT_EQ(counter.ends, 1);
}

}  // namespace
}  // namespace vtd
