// The out-parameter RemappingUnit::Dma (one DmaOutcome reused across requests) gives the
// same outcome, counters and events as the by-value form: translations and IOTLB hits
// (VT-d spec §6.2.3), recorded faults (§7.1.3), traced walks, and bad input.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

constexpr uint64_t kIova = 0x40000000;

// Everything a caller can read from an outcome, in words.
std::string Describe(const DmaOutcome& o) {
  std::string s = absl::StrCat(DescribeResult(o), " recorded ", o.recorded);
  if (o.fault_record.has_value()) absl::StrAppend(&s, " frcd ", o.fault_record->frcd_index);
  if (o.interrupt_message.has_value()) {
    absl::StrAppend(&s, " message ", std::string(o.interrupt_message->source), " sent ",
                    o.interrupt_message->sent);
  }
  absl::StrAppend(&s, " trace ", o.trace().size(), " lookups ", o.cache_lookups().size(), " stale ",
                  o.stale().size(), " status ", o.status().ToString());
  return s;
}

class DmaOutParamTest : public UnitTest {
 protected:
  void Start() {
    CreateUnit();
    SetContext(/*did=*/3);
    Map(kIova, 0x500000);
    Map(kIova + 0x200000, 0x600000, /*leaf_level=*/2);
    Enable();
  }
  struct Step {
    DmaRequest request;
    DmaOptions options;
  };
  std::vector<Step> Steps() {
    std::vector<Step> steps;
    steps.push_back({Req(kIova), {}});                                         // walk, fills
    steps.push_back({Req(kIova + 0x10), {}});                                  // IOTLB hit
    steps.push_back({Req(0x7000000), {}});                                     // not mapped: fault
    steps.push_back({Req(kIova + 0x8), {.trace = true}});                      // hit, traced
    steps.push_back({Req(kIova + 0x200040), {.trace = true}});                 // 2 MiB walk, traced
    steps.push_back({Req(kIova + 0xffe, AccessKind::kRead, 8), {}});           // crosses 4 KiB: bad
    steps.push_back({Req(kIova + 0x200080), {.record_cache_lookups = true}});  // 2 MiB hit
    steps.push_back({Req(kIova, AccessKind::kWrite), {}});  // hit lacking nothing: write ok
    steps.push_back({Req(0x7000000), {}});                  // second fault
    steps.push_back({Req(kIova + 0x20), {}});               // hit after everything
    return steps;
  }
};

TEST_F(DmaOutParamTest, ReusedOutcomeMatchesByValue_Sec6_2_3) {
  Start();
  std::vector<std::string> by_value;
  for (const Step& step : Steps())
    by_value.push_back(Describe(unit_->Dma(step.request, step.options)));
  const int lookups_by_value = static_cast<int>(observer_.lookups.size());
  const uint64_t iotlb_hits = unit_->cache_counters(CacheKind::kIotlb).hits;
  const uint64_t iotlb_lookups = unit_->cache_counters(CacheKind::kIotlb).lookups;

  // A fresh unit over the same tables, one outcome reused for every request.
  observer_ = RecordingObserver{};
  CreateUnit();
  Enable();
  DmaOutcome out;
  std::vector<std::string> reused;
  for (const Step& step : Steps()) {
    unit_->Dma(step.request, &out, step.options);
    reused.push_back(Describe(out));
  }
  EXPECT_EQ(reused, by_value);
  EXPECT_EQ(static_cast<int>(observer_.lookups.size()), lookups_by_value);
  EXPECT_EQ(unit_->cache_counters(CacheKind::kIotlb).hits, iotlb_hits);
  EXPECT_EQ(unit_->cache_counters(CacheKind::kIotlb).lookups, iotlb_lookups);
  // The sequence exercised what Clear must reset.
  EXPECT_NE(by_value[2].find("fault"), std::string::npos) << by_value[2];
  EXPECT_EQ(by_value[5].find("status OK"), std::string::npos) << by_value[5];
  EXPECT_EQ(by_value[4].find("trace 0 "), std::string::npos) << by_value[4];
  EXPECT_EQ(by_value[6].find("lookups 0 "), std::string::npos) << by_value[6];
}

}  // namespace
}  // namespace vtd
