// The `nw` extension of `dma` steps: the No-Write flag of a translation request (S §4.2.3),
// honoured when ECAP.NWFS (bit 33) is set.
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/fault/fault.h"
#include "model/scenario/results.h"
#include "tests/scenario/scenario_test_util.h"

namespace vtd::scenario {
namespace {

using ::testing::HasSubstr;
using ::vtd::scenario::testing::LoadInline;
using ::vtd::scenario::testing::Ran;
using ::vtd::scenario::testing::RunText;

// ECAP: QI, IR, EIM, PT, SC, DT (bit 2); NWFS is bit 33.
constexpr uint64_t kEcapDt = 0xf050de;
constexpr uint64_t kNwfs = uint64_t{1} << 33;

// Requester 00:02.0 with a device-TLB context entry (TT=01b, AW 48-bit, domain 1) whose
// second-stage tables map IOVA 0x1000 read-only (R=1, W=0) to 0x200000 (S §9.1, §9.3, §9.8).
std::string Scenario(uint64_t ecap, const std::string& dma_flags) {
  return absl::StrCat(
      "name: nw\n"
      "platform:\n"
      "  memory_size: 64M\n"
      "  units:\n",
      absl::StrFormat("    - {base: 0xfed90000, cap: 0xd2008c40660462, ecap: %#x}\n", ecap),
      "memory:\n"
      "  - {addr: 0x10000, u64: [0x11001, 0]}\n"
      "  - {addr: 0x11100, u64: [0x12005, 0x102]}\n"
      "  - {addr: 0x12000, u64: [0x13003]}\n"
      "  - {addr: 0x13000, u64: [0x14003]}\n"
      "  - {addr: 0x14000, u64: [0x15003]}\n"
      "  - {addr: 0x15008, u64: [0x200001]}\n"
      "steps:\n"
      "  - enable: {root: 0x10000}\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read, at: translation_request",
      dma_flags, "}\n");
}

// Without NW a translation request asks for write too: a read-only page is LGN.2 (05h),
// answered with the effective permissions (faults.md, T- column: SE).
TEST(ScenarioNwFlag, WithoutNwAReadOnlyPageLacksWrite) {
  Ran run = RunText(Scenario(kEcapDt | kNwfs, ""));
  ASSERT_EQ(run.steps.size(), 2u);
  ASSERT_TRUE(run.steps[1].dma.has_value());
  EXPECT_EQ(run.steps[1].dma->status, DmaStepResult::Status::kFault);
  EXPECT_EQ(FaultConditionName(run.steps[1].dma->condition), "LGN.2");
}

// With NW and NWFS the request is treated as a read: the read-only page satisfies it.
TEST(ScenarioNwFlag, NwWithNwfsAsksForReadOnly) {
  Ran run = RunText(Scenario(kEcapDt | kNwfs, ", nw: true"));
  ASSERT_EQ(run.steps.size(), 2u);
  ASSERT_TRUE(run.steps[1].dma.has_value());
  EXPECT_NE(run.steps[1].dma->status, DmaStepResult::Status::kFault);
}

// Without NWFS the hardware ignores NW: as if it were clear.
TEST(ScenarioNwFlag, NwWithoutNwfsIsIgnored) {
  Ran run = RunText(Scenario(kEcapDt, ", nw: true"));
  ASSERT_EQ(run.steps.size(), 2u);
  ASSERT_TRUE(run.steps[1].dma.has_value());
  EXPECT_EQ(run.steps[1].dma->status, DmaStepResult::Status::kFault);
  EXPECT_EQ(FaultConditionName(run.steps[1].dma->condition), "LGN.2");
}

TEST(ScenarioNwFlag, NwOnlyOnTranslationRequests) {
  const auto loaded = LoadInline(testing::WithSteps(
      "  - dma: {sid: \"00:02.0\", addr: 0x10, access: read, at: translated, nw: true}\n"));
  ASSERT_FALSE(loaded.ok());
  EXPECT_THAT(std::string(loaded.status().message()),
              HasSubstr("nw: true is the flag of a translation request"));
}

}  // namespace
}  // namespace vtd::scenario
