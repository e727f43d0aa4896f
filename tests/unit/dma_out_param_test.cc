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

// Everything of the rarely set parts, in words, apart from where the tables sit (each run
// builds its own): each walk step, lookup, stale report, the interrupt outcome and the
// status (Describe gives only their sizes).
std::string DescribeRare(const DmaOutcome& o) {
  std::string s = Describe(o);
  for (const WalkStep& step : o.trace()) {
    absl::StrAppend(&s, " step ", std::string(step.structure), " ", step.level, " ", step.index);
  }
  for (const CacheLookupEvent& e : o.cache_lookups()) {
    absl::StrAppend(&s, " lookup ", std::string(CacheKindName(e.cache)), e.hit ? " hit " : " miss ",
                    e.tag, " @", e.trace_position);
  }
  for (const StaleEntryReport& r : o.stale()) {
    absl::StrAppend(&s, " stale ", std::string(CacheKindName(r.cache)), " ", r.cached_value, " ",
                    r.memory_value, " ", r.cached_at_step);
  }
  absl::StrAppend(&s, " interrupt ",
                  o.interrupt().has_value() ? o.interrupt()->ToString() : std::string("none"));
  return s;
}

// One outcome reused across requests that set its rarely set parts (a trace, a lookup list,
// bad input's status, an interrupt-window write's interrupt outcome, the invalidation
// checker's stale report, S §6.5) and requests that set none: after each, the outcome reads
// exactly as a new one given the same request on a twin unit. Without the checker, hot
// entries answer the plain hits into the reused outcome; with it, the normal path does.
class DmaOutParamRareTest : public DmaOutParamTest, public testing::WithParamInterface<bool> {};

TEST_P(DmaOutParamRareTest, ReusedOutcomeForgetsRareParts_Sec6_5) {
  const bool checker = GetParam();
  config_.check_invalidation = checker;
  DmaRequest interrupt_write = Req(0xfee00000, AccessKind::kWrite, 4);  // S §3.15: not DMA
  const std::vector<Step> steps = {
      {Req(kIova), {.trace = true}},                        // walk, traced
      {Req(kIova + 0x10), {}},                              // plain hit
      {interrupt_write, {}},                                // interrupt outcome
      {Req(kIova + 0x20), {}},                              // plain hit
      {Req(kIova + 0xffe, AccessKind::kRead, 8), {}},       // bad input: status
      {Req(kIova + 0x30), {}},                              // plain hit
      {Req(kIova + 0x40), {.record_cache_lookups = true}},  // lookup list
      {Req(kIova + 0x50), {}},                              // plain hit
      {Req(kIova + 0x60), {.trace = true}},                 // stale (table edited below)
      {Req(kIova + 0x70), {}},                              // stale again, no trace
      {Req(kIova + 0x80), {}},                              // plain (IOTLB invalidated first)
  };
  const auto run = [&](bool reuse) {
    Start();
    DmaOutcome reused;
    std::vector<std::string> seen;
    for (size_t i = 0; i < steps.size(); ++i) {
      if (i == 8) Map(kIova, 0x900000);  // edited without invalidation: the IOTLB is stale
      if (i == 10) unit_->InvalidateIotlb(IotlbInvalidation{});
      if (reuse) {
        unit_->Dma(steps[i].request, &reused, steps[i].options);
        seen.push_back(DescribeRare(reused));
      } else {
        seen.push_back(DescribeRare(unit_->Dma(steps[i].request, steps[i].options)));
      }
    }
    return seen;
  };
  const std::vector<std::string> fresh = run(false);
  observer_ = RecordingObserver{};
  EXPECT_EQ(run(true), fresh);
  // The sequence set each rare part, and left each plain request without any.
  EXPECT_NE(fresh[0].find(" step "), std::string::npos) << fresh[0];
  EXPECT_EQ(fresh[2].find("interrupt none"), std::string::npos) << fresh[2];
  EXPECT_EQ(fresh[4].find("status OK"), std::string::npos) << fresh[4];
  EXPECT_NE(fresh[6].find(" lookup "), std::string::npos) << fresh[6];
  EXPECT_EQ(fresh[8].find(" stale iotlb") != std::string::npos, checker) << fresh[8];
  EXPECT_EQ(fresh[9].find(" stale iotlb") != std::string::npos, checker) << fresh[9];
  for (size_t i : {1, 3, 5, 7, 10}) {
    EXPECT_NE(fresh[i].find("trace 0 lookups 0 stale 0 status OK interrupt none"),
              std::string::npos)
        << i << ": " << fresh[i];
  }
}

INSTANTIATE_TEST_SUITE_P(WithAndWithoutChecker, DmaOutParamRareTest, testing::Bool());

// A copy holds its own rare parts: clearing or moving from the original leaves it whole.
TEST_F(DmaOutParamTest, CopiedOutcomeKeepsItsRareParts_Sec6_2_3) {
  Start();
  DmaOutcome traced = unit_->Dma(Req(kIova), DmaOptions{.trace = true});
  const std::string before = DescribeRare(traced);
  ASSERT_NE(before.find(" step "), std::string::npos) << before;
  DmaOutcome copy = traced;
  DmaOutcome assigned;
  assigned = traced;
  traced.Clear();
  EXPECT_EQ(DescribeRare(traced), DescribeRare(DmaOutcome{}));
  EXPECT_EQ(DescribeRare(copy), before);
  EXPECT_EQ(DescribeRare(assigned), before);
  DmaOutcome moved = std::move(copy);
  EXPECT_EQ(DescribeRare(moved), before);
}

}  // namespace
}  // namespace vtd
