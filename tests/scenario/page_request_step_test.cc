// The `page_request` step, the `page_response` queue descriptor and the `responses`
// expectation (scenarios/README.md "Page requests"): the loader's checks, and the JSON keys a
// step reports (scenarios/FORMAT.md). Descriptor bits from page_request_descriptor.h (the
// digest has no page request layout); register offsets from registers.md.
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/scenario/results.h"
#include "tests/scenario/scenario_test_util.h"
#include "tests/testing/status_matchers.h"

namespace vtd::scenario {
namespace {

using testing::HasErrorAt;
using ::testing::HasSubstr;
using testing::LoadInline;
using testing::Ran;
using testing::RunText;
using testing::WithScalableUnit;

// QEMU's scalable unit with PASID (ECAP 0x0000493880f00f4a) plus DT (2), with or without PRS
// (29).
constexpr char kPrs[] = "0x00004938a0f00f4e";
constexpr char kNoPrs[] = "0x0000493880f00f4e";

TEST(PageRequestStepTest, LoaderChecks) {
  EXPECT_THAT(
      LoadInline(WithScalableUnit(kNoPrs, "  - page_request: {sid: \"00:02.0\", addr: 0x1000}\n")),
      HasErrorAt(8, 19, "dmar0 takes no page requests (ECAP.PRS=0"));
  EXPECT_THAT(
      LoadInline(WithScalableUnit(kPrs, "  - page_request: {sid: \"00:02.0\", addr: 0x1010}\n")),
      HasErrorAt(8, 42, "0x1010 is not a page address"));
  EXPECT_THAT(LoadInline(WithScalableUnit(
                  kPrs, "  - page_request: {sid: \"00:02.0\", addr: 0x1000, priv: true}\n")),
              HasErrorAt(8, 50, "'priv: true' needs a 'pasid'"));
  EXPECT_THAT(LoadInline(WithScalableUnit(
                  kPrs, "  - page_request: {sid: \"00:02.0\", addr: 0x1000, prgi: 512}\n")),
              HasErrorAt(8, 56, "512 is out of range (expected 0 to 511)"));
  // `pre` needs `dte` (SCT.4.1) and the unit's PRS.
  EXPECT_THAT(LoadInline(WithScalableUnit(
                  kPrs,
                  "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, iova: 0, hpa: 0, "
                  "size: 4K, pre: true}\n")),
              HasErrorAt(8, 80, "pre: true needs dte: true"));
  EXPECT_THAT(LoadInline(WithScalableUnit(
                  kNoPrs,
                  "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, iova: 0, hpa: 0, "
                  "size: 4K, dte: true, pre: true}\n")),
              HasErrorAt(8, 91, "ECAP.PRS=0, so PRE is reserved"));
  // A page group response is a 256-bit descriptor with a 4-bit response code.
  EXPECT_THAT(
      LoadInline(WithScalableUnit(kPrs,
                                  "  - queue:\n"
                                  "      descriptors:\n"
                                  "        - page_response: {sid: \"00:02.0\", code: maybe}\n")),
      HasErrorAt(10, 49, "'maybe' is not valid"));
}

// One request queued with its event, then software's response: the JSON keys of
// scenarios/FORMAT.md ("page_request" result, "responses").
TEST(PageRequestStepTest, JsonKeys) {
  Ran run = RunText(WithScalableUnit(
      kPrs,
      "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, iova: 0x1000, hpa: 0x200000, size: 4K,\n"
      "          dte: true, pre: true}\n"
      "  - enable:\n"
      "  - mmio_write: {reg: PQA, value: 0x40000}\n"
      "  - mmio_write: {reg: PEADDR, value: 0xfee01000}\n"
      "  - mmio_write: {reg: PECTL, value: 0}\n"
      "  - page_request: {sid: \"00:02.0\", pasid: 1, addr: 0x1000, prgi: 3}\n"
      "  - queue: {descriptors: [{page_response: {sid: \"00:02.0\", pasid: 1, prgi: 3}}]}\n"));
  ASSERT_EQ(run.steps.size(), 7u);
  EXPECT_EQ(StepResultToJson(run.steps[5]).Dump(-1),
            "{\"index\":5,\"action\":\"page_request\",\"result\":{\"status\":\"queued\","
            "\"descriptor_address\":\"0x40000\"},\"messages\":[{\"event\":\"page_request_event\","
            "\"address\":\"0xfee01000\",\"data\":\"0x0\"}],\"ok\":true}");
  const std::string queue = StepResultToJson(run.steps[6]).Dump(-1);
  EXPECT_THAT(queue, HasSubstr("\"responses\":[{\"sid\":\"00:02.0\",\"pasid\":\"0x1\",\"prgi\":"
                               "\"0x3\",\"code\":\"success\",\"by\":\"software\"}]"));
}

}  // namespace
}  // namespace vtd::scenario
