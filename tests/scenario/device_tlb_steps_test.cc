// The device-TLB extensions of `dma` steps (scenarios/README.md "Device TLBs and ATS"): the
// translation completion a translation request reports (S §4.2.3), `atc: true` accesses
// through the requester's device TLB, and the load-time rules for `atc` and `completion`.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/scenario/results.h"
#include "tests/scenario/scenario_test_util.h"

namespace vtd::scenario {
namespace {

using ::vtd::scenario::testing::HasErrorAt;
using ::vtd::scenario::testing::LoadInline;
using ::vtd::scenario::testing::Ran;
using ::vtd::scenario::testing::RunText;
using ::vtd::scenario::testing::WithSteps;

TEST(DeviceTlbSteps, AtcNeedsATranslatedRequest) {
  EXPECT_THAT(LoadInline(WithSteps("  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read, "
                                   "atc: true}\n")),
              HasErrorAt(6, 60, "expected at: translated"));
}

TEST(DeviceTlbSteps, CompletionNeedsATranslationRequest) {
  EXPECT_THAT(LoadInline(WithSteps("  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read}\n"
                                   "    expect: {completion: {r: true}}\n")),
              HasErrorAt(7, 14, "'completion' applies to a translation request"));
}

TEST(DeviceTlbSteps, AtcExpectationNeedsAtc) {
  EXPECT_THAT(LoadInline(WithSteps("  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read, "
                                   "at: translated}\n"
                                   "    expect: {atc: hit}\n")),
              HasErrorAt(7, 14, "needs atc: true"));
}

TEST(DeviceTlbSteps, UnknownCompletionFieldIsNamed) {
  EXPECT_THAT(LoadInline(WithSteps("  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read, "
                                   "at: translation_request}\n"
                                   "    expect: {completion: {x: true}}\n")),
              HasErrorAt(7, 27, "x"));
}

// A scalable unit with DT (QEMU's CAP; ECAP QI, DT, IR, EIM, PT, SC, SRS, PASID, SMTS, SSADS,
// SSTS, SMPWCS, RPS); PASID 1 of 00:02.0 maps 0x1000 -> 0x200000 read/write; DTE set in the
// builder's context entry (bit 2, translation-structures.md §5).
std::string DeviceScenario(const std::string& steps) {
  return absl::StrCat(
      "name: atc\nplatform:\n  memory_size: 64M\n  units:\n"
      "    - {base: 0xfed90000, cap: 0x00d2008c222f0606, ecap: 0x0003699880f00fde}\n"
      "tables: {base: 0x100000, size: 1M}\nsteps:\n"
      "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, iova: 0x1000, hpa: 0x200000, size: 4K, "
      "pgtt: second}\n"
      "  - mem_write: {addr: 0x101200, u64: 0x10240d}\n"
      "  - enable:\n",
      steps);
}

TEST(DeviceTlbSteps, TranslationRequestReportsItsCompletion_Sec4_2_3) {
  Ran run = RunText(DeviceScenario(
      "  - dma: {sid: \"00:02.0\", pasid: 1, addr: 0x1000, access: read, "
      "at: translation_request}\n"
      "    expect: {completion: {r: true, w: true, size: 4K, address: 0x200000}}\n"));
  ASSERT_TRUE(run.status.ok()) << run.status;
  ASSERT_EQ(run.steps.size(), 4u);
  ASSERT_TRUE(run.steps[3].dma.has_value());
  ASSERT_TRUE(run.steps[3].dma->completion.has_value());
  EXPECT_EQ(run.steps[3].dma->completion->address, 0x200000u);
  EXPECT_TRUE(run.steps[3].ok);
  // A wrong expectation fails the step, naming the field.
  Ran wrong =
      RunText(DeviceScenario("  - dma: {sid: \"00:02.0\", pasid: 1, addr: 0x1000, access: read, "
                             "at: translation_request}\n"
                             "    expect: {completion: {w: false}}\n"));
  ASSERT_EQ(wrong.steps.size(), 4u);
  EXPECT_FALSE(wrong.steps[3].ok);
  EXPECT_THAT(wrong.steps[3].failures, ::testing::Contains(::testing::HasSubstr("w 0")));
}

TEST(DeviceTlbSteps, SecondAccessHitsTheDeviceTlb_Sec4_2_5) {
  Ran run = RunText(DeviceScenario(
      "  - dma: {sid: \"00:02.0\", pasid: 1, addr: 0x1010, access: read, at: translated, "
      "atc: true}\n"
      "  - dma: {sid: \"00:02.0\", pasid: 1, addr: 0x1020, access: read, at: translated, "
      "atc: true}\n"));
  ASSERT_EQ(run.steps.size(), 5u);
  EXPECT_EQ(run.steps[3].dma->atc, "miss");
  EXPECT_EQ(run.steps[3].dma->hpa, 0x200010u);
  EXPECT_EQ(run.steps[4].dma->atc, "hit");
  EXPECT_EQ(run.steps[4].dma->hpa, 0x200020u);
}

}  // namespace
}  // namespace vtd::scenario
