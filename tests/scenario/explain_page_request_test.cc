// Explanations of `page_request` steps (S §7.5): the descriptor written at the tail of the
// page request queue (PQA + PQT, 32-byte slots), PRS.PPR, the page request event only when
// PPR and PRO were clear, and the Invalid Request response hardware sends for the last
// request of a refused group (faults.md PR column). Scenario and values as written in
// scenarios/conformance/fs-page-request-round-trip.yaml.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/scenario/explain.h"
#include "model/scenario/runner.h"
#include "tests/scenario/explain_test_util.h"

namespace vtd::scenario {
namespace {

using testing::EntryField;
using testing::HasStoryLine;
using ::testing::HasSubstr;
using testing::RunExplained;

constexpr char kPlatform[] =
    "name: t\n"
    "platform:\n"
    "  memory_size: 64M\n"
    "  units:\n"
    "    - {base: 0xfed90000, cap: 0x01d2008c222f0606, ecap: 0x0001e938a4f00f4e}\n"
    "tables: {base: 0x100000, size: 1M}\n"
    "steps:\n"
    "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: first, iova: 0x7000_0000, "
    "hpa: 0x200000, size: 4K, dte: true, pre: %s}\n"
    "  - enable:\n"
    "  - mmio_write: {reg: PQA, value: 0x40000}\n"
    "  - mmio_write: {reg: PECTL, value: 0}\n"
    "  - page_request: {sid: \"00:02.0\", pasid: 1, addr: 0x7000_1000, access: write, prgi: "
    "0x1a5}\n"
    "  - page_request: {sid: \"00:02.0\", pasid: 1, addr: 0x7000_2000, access: read, last: "
    "false, prgi: 0x1a6}\n";

std::vector<StepResult> RunPageRequests(bool pre) {
  return RunExplained(absl::StrReplaceAll(kPlatform, {{"%s", pre ? "true" : "false"}}));
}

TEST(ExplainPageRequest, DescriptorAtTheTailPrsAndTheEvent) {
  std::vector<StepResult> steps = RunPageRequests(/*pre=*/true);
  ASSERT_EQ(steps.size(), 6u);
  ASSERT_TRUE(steps[4].explained);
  const Explanation& first = *steps[4].explained;
  EXPECT_EQ(first.kind, "page_request");
  ASSERT_GE(first.chain.size(), 2u);
  const ExplainEntry& d = first.chain[0];
  EXPECT_EQ(d.mark, EntryMark::kWritten);
  ASSERT_TRUE(d.address);
  EXPECT_EQ(*d.address, 0x40000u);  // PQA + PQT 0
  EXPECT_EQ(EntryField(d, "RID"), "0x10");
  EXPECT_EQ(EntryField(d, "PP"), "1");
  EXPECT_EQ(EntryField(d, "PASID"), "0x1");
  EXPECT_EQ(EntryField(d, "WRR"), "1");
  EXPECT_EQ(EntryField(d, "RDR"), "0");
  EXPECT_EQ(EntryField(d, "LPIG"), "1");
  EXPECT_EQ(EntryField(d, "PRGI"), "0x1a5");
  EXPECT_EQ(EntryField(d, "ADDR"), "0x70001000");
  EXPECT_EQ(EntryField(first.chain[1], "PPR"), "1");
  EXPECT_TRUE(HasStoryLine(first, "page request event sent"));
  EXPECT_THAT(first.outcome, HasSubstr("queued at 0x40000"));

  const Explanation& second = *steps[5].explained;
  EXPECT_EQ(*second.chain[0].address, 0x40020u);  // the next 32-byte slot
  EXPECT_EQ(EntryField(second.chain[0], "LPIG"), "0");
  EXPECT_TRUE(HasStoryLine(second, "no page request event"));
}

// PRE=0 in the context entry: SCT.8 (47h); the last request of the group is answered
// Invalid Request by hardware (PR column IR), the other is dropped.
TEST(ExplainPageRequest, RefusedRequestAndTheHardwareResponse) {
  std::vector<StepResult> steps = RunPageRequests(/*pre=*/false);
  ASSERT_EQ(steps.size(), 6u);
  const Explanation& last = *steps[4].explained;
  EXPECT_TRUE(last.fault);
  EXPECT_THAT(last.outcome, HasSubstr("47h"));
  ASSERT_FALSE(last.chain.empty());
  EXPECT_EQ(last.chain.back().title, "page group response sent by hardware");
  EXPECT_EQ(EntryField(last.chain.back(), "RC"), "invalid_request");
  EXPECT_EQ(EntryField(last.chain.back(), "PRGI"), "0x1a5");
  const Explanation& dropped = *steps[5].explained;
  EXPECT_TRUE(dropped.chain.empty());
}

}  // namespace
}  // namespace vtd::scenario
