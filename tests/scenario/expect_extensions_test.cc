// The scenario language's checks of what real clients look at: interrupt messages per step
// (fault event S §7.3, invalidation completion event S §6.5.2.10, posted-interrupt
// notification S §5.2.3), `recorded`, `any_of`, the `reset` step, `repeat` striding register
// offsets, `map: {rmrr: true}` (S §8.4), YAML syntax hints and the JSON writer's spill.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/scenario/results.h"
#include "model/scenario/runner.h"
#include "model/scenario/scenario_loader.h"
#include "tests/scenario/scenario_test_util.h"

namespace vtd::scenario {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::vtd::scenario::testing::LoadInline;
using ::vtd::scenario::testing::WithSteps;

using ::vtd::scenario::testing::Ran;
using ::vtd::scenario::testing::RunText;

// One unit (default CAP: one fault-recording register), tables in the builder's pool, the
// fault event programmed as a driver does (FEDATA, FEADDR, then FECTL.IM cleared).
constexpr char kFaultEventPlatform[] =
    "name: t\n"
    "platform: {memory_size: 64M, units: [{base: 0xfed90000}]}\n"
    "tables: {base: 0x100000, size: 1M}\n"
    "steps:\n"
    "  - mmio_write: {reg: FEDATA, value: 0x30}\n"
    "  - mmio_write: {reg: FEADDR, value: 0xfee00000}\n"
    "  - mmio_write: {reg: FECTL, value: 0}\n"
    "  - enable:\n";

// S §7.3.1: a new record sets PPF and, unmasked, sends one message (FEDATA to FEADDR); while
// PPF stays set a second fault sends none. With one FRCD (CAP.NFR=0) still holding F=1, the
// second fault is not recorded: FSTS.PFO (S §7.2.1).
TEST(ScenarioMessagesSec7_3, OneFaultEventWhilePpfStaysSet) {
  Ran r = RunText(absl::StrCat(
      kFaultEventPlatform,
      "  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read}\n"
      "    expect: {fault: LRT.2, recorded: true,\n"
      "             messages: [{event: fault_event, address: 0xfee00000, data: 0x30}]}\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x2000, access: read}\n"
      "    expect: {fault: LRT.2, recorded: false, messages: none}\n"));
  ASSERT_EQ(r.steps.size(), 6u);
  EXPECT_TRUE(r.summary.passed) << r.steps[4].failures.size() << r.steps[5].failures.size();
  ASSERT_EQ(r.steps[4].messages.size(), 1u);
  EXPECT_EQ(r.steps[4].messages[0].event, SentMessage::Event::kFaultEvent);
  EXPECT_EQ(r.steps[4].messages[0].address, 0xfee00000u);
  EXPECT_EQ(r.steps[4].messages[0].data, 0x30u);
  EXPECT_THAT(r.steps[5].messages, IsEmpty());
  const std::string json = StepResultToJson(r.steps[4]).Dump(-1);
  EXPECT_THAT(json, HasSubstr("\"messages\":[{\"event\":\"fault_event\",\"address\":"
                              "\"0xfee00000\",\"data\":\"0x30\"}]"));
}

// S §7.3.1: with FECTL.IM=1 (its reset value) the event stays pending (IP=1) and nothing is
// sent; clearing IM sends it then, during that register write.
TEST(ScenarioMessagesSec7_3, MaskedEventIsSentWhenSoftwareUnmasks) {
  Ran r = RunText(
      "name: t\n"
      "platform: {memory_size: 64M, units: [{base: 0xfed90000}]}\n"
      "tables: {base: 0x100000, size: 1M}\n"
      "steps:\n"
      "  - mmio_write: {reg: FEDATA, value: 0x41}\n"
      "  - mmio_write: {reg: FEADDR, value: 0xfee01000}\n"
      "  - enable:\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read}\n"
      "    expect: {fault: LRT.2, messages: none}\n"
      "  - mmio_read: {reg: FECTL}\n"
      "    expect: {value: 0xc0000000}\n"  // IM and IP
      "  - mmio_write: {reg: FECTL, value: 0}\n"
      "    expect: {messages: [{event: fault_event, address: 0xfee01000, data: 0x41}]}\n");
  ASSERT_EQ(r.steps.size(), 6u);
  for (const StepResult& s : r.steps) EXPECT_TRUE(s.ok) << s.index << ": " << s.what;
}

// Mismatches are reported with what was sent.
TEST(ScenarioMessagesSec7_3, MismatchesSayWhatWasSent) {
  Ran r = RunText(absl::StrCat(kFaultEventPlatform,
                               "  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read}\n"
                               "    expect: {messages: [{data: 0x31}], recorded: false}\n"
                               "  - dma: {sid: \"00:02.0\", addr: 0x2000, access: read}\n"
                               "    expect: {messages: [{event: fault_event}], recorded: true}\n"));
  ASSERT_EQ(r.steps.size(), 6u);
  EXPECT_FALSE(r.summary.passed);
  EXPECT_THAT(r.steps[4].failures,
              ElementsAre(HasSubstr("no fault record, got a recorded fault"),
                          "message 0 with data 0x31, got fault_event address 0xfee00000 data "
                          "0x30"));
  EXPECT_THAT(r.steps[5].failures,
              ElementsAre(HasSubstr("a recorded fault, got a fault that was not recorded"),
                          "1 interrupt message, got none"));
}

// S §6.5.2.8/§6.5.2.10: a wait descriptor with IF=1 sets ICS.IWC and, with IECTL.IM clear,
// sends IEDATA to IEADDR during the IQT write.
TEST(ScenarioMessagesSec6_5_2_10, InvalidationCompletionEvent) {
  Ran r = RunText(
      "name: t\n"
      "platform: {memory_size: 64M, units: [{base: 0xfed90000}]}\n"
      "steps:\n"
      "  - mmio_write: {reg: IEDATA, value: 0x52}\n"
      "  - mmio_write: {reg: IEADDR, value: 0xfee02000}\n"
      "  - mmio_write: {reg: IECTL, value: 0}\n"
      "  - mmio_write: {reg: IQT, value: 0}\n"
      "  - mmio_write: {reg: IQA, value: 0x300000}\n"
      "  - mmio_write: {reg: GCMD, value: 0x04000000}\n"
      "  - queue: {descriptors: [{wait: {if: true}}]}\n"
      "    expect: {processed: 1, messages: [{event: invalidation_event, address: 0xfee02000,\n"
      "                                       data: 0x52}]}\n");
  ASSERT_EQ(r.steps.size(), 7u);
  EXPECT_TRUE(r.steps[6].ok) << r.steps[6].failures.size();
  ASSERT_EQ(r.steps[6].messages.size(), 1u);
  EXPECT_EQ(r.steps[6].messages[0].event, SentMessage::Event::kInvalidationEvent);
}

// `any_of`: the step holds when one alternative holds, and the result says which.
TEST(ScenarioAnyOf, ReportsTheAlternativeThatHeld) {
  Ran r = RunText(
      WithSteps("  - mmio_read: {reg: VER}\n"
                "    expect: {any_of: [{value: 0x20}, {value: 0x10}, {value: 0x10, mask: 0xf0}]}\n"
                "  - mmio_read: {reg: VER}\n"
                "    expect: {any_of: [{value: 0x20}, {value: 0x30}]}\n"));
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_TRUE(r.steps[0].ok);
  EXPECT_EQ(r.steps[0].alternative, 1);
  EXPECT_THAT(StepResultToJson(r.steps[0]).Dump(-1), HasSubstr("\"alternative\":1"));
  EXPECT_FALSE(r.steps[1].ok);
  EXPECT_FALSE(r.steps[1].alternative.has_value());
  EXPECT_THAT(r.steps[1].failures,
              ElementsAre("one of the any_of alternatives: [0] value 0x20, got 0x10 | [1] value "
                          "0x30, got 0x10"));
}

// `reset`: registers back to their reset values (GSTS 0, RTADDR 0: S §11.4), caches empty,
// memory as software left it; translation is off until software enables it again.
TEST(ScenarioResetStep, RegistersAndCachesResetMemoryKept) {
  Ran r = RunText(
      "name: t\n"
      "platform: {memory_size: 64M, units: [{base: 0xfed90000}, {base: 0xfed91000, scope: "
      "[\"00:03.0\"]}]}\n"
      "tables: {base: 0x100000, size: 1M}\n"
      "steps:\n"
      "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x1000, hpa: 0x200000, size: 4K}\n"
      "  - enable:\n"
      "  - enable: {unit: 1}\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x1008, access: read}\n"
      "    expect: {hpa: 0x200008}\n"
      "  - reset: {unit: dmar0}\n"
      "  - mmio_read: {reg: GSTS}\n"
      "    expect: {value: 0}\n"
      "  - mmio_read: {reg: RTADDR}\n"
      "    expect: {value: 0}\n"
      "  - mmio_read: {reg: FECTL}\n"
      "    expect: {value: 0x80000000}\n"
      "  - mmio_read: {unit: 1, reg: GSTS}\n"
      "    expect: {value: 0xc0000000}\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x1008, access: read}\n"
      "    expect: {hpa: 0x1008}\n"
      "  - enable:\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x1008, access: read}\n"
      "    expect: {hpa: 0x200008}\n"
      "  - reset:\n"
      "  - mmio_read: {unit: 1, reg: GSTS}\n"
      "    expect: {value: 0}\n");
  ASSERT_EQ(r.steps.size(), 14u);
  for (const StepResult& s : r.steps) EXPECT_TRUE(s.ok) << s.index << ": " << s.what;
  EXPECT_EQ(r.steps[4].what, "reset dmar0");
  EXPECT_EQ(r.steps[12].what, "reset every unit");
  EXPECT_EQ(r.runner->unit(0).iotlb().size(), 0);
  EXPECT_EQ(r.runner->unit(0).context_cache().size(), 0);
  EXPECT_EQ(r.runner->unit(0).next_fault_record_index(), 0);
}

// `repeat` with `stride: {offset: N}` moves mmio_read/mmio_write offsets: the two halves of
// CAP (S §11.4.2) are the configured value's halves.
TEST(ScenarioRepeatOffset, StridesRegisterOffsets) {
  Ran r = RunText(
      "name: t\n"
      "platform: {units: [{base: 0xfed90000, cap: 0x00d2008c40660462}]}\n"
      "steps:\n"
      "  - repeat:\n"
      "      count: 2\n"
      "      stride: {offset: 4}\n"
      "      steps:\n"
      "        - mmio_read: {offset: 0x8, width: 32}\n");
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_EQ(r.steps[0].value, 0x40660462u);
  EXPECT_EQ(r.steps[1].value, 0x00d2008cu);
  EXPECT_THAT(r.steps[1].what, HasSubstr("0xc (32-bit)"));
}

std::string DemoTable() { return std::string(VTD_SOURCE_DIR) + "/scenarios/platforms/demo.bin"; }

// `map: {rmrr: true}`: the demo table's RMRR names 00:14.0 with 6f1e6000h-6f1f4fffh (the
// bytes of scenarios/platforms/demo.bin, as `vtdsim dmar units` decodes them): that range
// translates to itself, the pages next to it are not mapped (LGN.3, read not permitted).
TEST(ScenarioMapRmrrSec8_4, IdentityMapsTheRmrrRanges) {
  Ran r =
      RunText(absl::StrCat("name: t\n"
                           "platform: {dmar: ",
                           DemoTable(),
                           "}\n"
                           "steps:\n"
                           "  - map: {rmrr: true, sid: \"00:14.0\", domain: 3}\n"
                           "  - enable: {unit: 1}\n"
                           "  - dma: {sid: \"00:14.0\", addr: 0x6f1e6010, access: read}\n"
                           "    expect: {hpa: 0x6f1e6010}\n"
                           "  - dma: {sid: \"00:14.0\", addr: 0x6f1f4ff0, access: write}\n"
                           "    expect: {hpa: 0x6f1f4ff0}\n"
                           "  - dma: {sid: \"00:14.0\", addr: 0x6f1f5000, access: read}\n"
                           "    expect: {fault: 0x6}\n"
                           "  - dma: {sid: \"00:14.0\", addr: 0x6f1e5ff0, access: read}\n"
                           "    expect: {fault: 0x6}\n"));
  ASSERT_EQ(r.steps.size(), 6u);
  for (const StepResult& s : r.steps) EXPECT_TRUE(s.ok) << s.index << ": " << s.what;
  EXPECT_THAT(r.steps[0].what, HasSubstr("RMRR identity map 0x6f1e6000-0x6f1f4fff"));
}

// YAML syntax errors carry a hint for the common causes.
TEST(ScenarioYamlHints, CommonCauses) {
  absl::StatusOr<Scenario> colon = LoadInline(
      "name: t\ndescription: a: b\nplatform: {units: [{base: 0xfed90000}]}\nsteps: []\n");
  ASSERT_FALSE(colon.ok());
  EXPECT_THAT(std::string(colon.status().message()),
              HasSubstr("illegal map value (hint: a value that contains ': ' must be quoted"));
  absl::StatusOr<Scenario> tab = LoadInline(
      "name: t\nplatform:\n\tunits: [{base: 0xfed90000}]\nsteps:\n  - mmio_read: {reg: VER}\n");
  ASSERT_FALSE(tab.ok());
  EXPECT_THAT(std::string(tab.status().message()),
              HasSubstr("hint: line 3 is indented with a tab"));
  absl::StatusOr<Scenario> indent = LoadInline(
      "name: t\nplatform: {units: [{base: 0xfed90000}]}\nsteps:\n  - mmio_read: {reg: VER}\n"
      "   expect: {value: 0}\n");
  ASSERT_FALSE(indent.ok());
  EXPECT_THAT(std::string(indent.status().message()), HasSubstr("hint: check the indentation"));
}

// Past JsonReportWriter::kSpillBytes the steps go to a temporary file; the document is the
// same text: one step per line, in order, with the indent asked for.
TEST(JsonReportWriterSpill, LargeDocumentsAreTheSameText) {
  JsonReportWriter writer;
  const int n = 24000;  // about 1.2 MB of step lines
  StepResult step;
  step.action = ActionKind::kMmioWrite;
  for (int i = 0; i < n; ++i) {
    step.index = static_cast<uint64_t>(i);
    writer.AddStep(step);
  }
  RunSummary summary;
  summary.scenario = "big";
  const std::string text = writer.Finish(summary, 2);
  std::vector<std::string> lines = absl::StrSplit(text, '\n');
  ASSERT_EQ(lines.size(), static_cast<size_t>(n) + 7);
  EXPECT_EQ(lines[0], "  {");
  EXPECT_EQ(lines[1], "    \"scenario\": \"big\",");
  EXPECT_EQ(lines[2], "    \"passed\": true,");
  EXPECT_EQ(lines[3], "    \"steps\": [");
  for (int i = 0; i < n; ++i) {
    const std::string want = absl::StrFormat(
        "      {\"index\":%d,\"action\":\"mmio_write\","
        "\"ok\":true}%s",
        i, i + 1 < n ? "," : "");
    ASSERT_EQ(lines[4 + i], want) << i;
  }
  EXPECT_EQ(lines[4 + n], "    ],");
  EXPECT_EQ(lines[5 + n], "    \"stats\": {}");
  EXPECT_EQ(lines[6 + n], "  }");
}

// ---- loader errors of these keys, each at the line and column of the value at fault --------

std::vector<testing::LoadErrorCase> ErrorCases() {
  return {
      // `any_of` takes two alternatives or more, each one a valid expectation of the step.
      {"AnyOf",
       WithSteps("  - mmio_read: {reg: VER}\n"
                 "    expect: {any_of: [{value: 1}]}\n"),
       7, 22, "expected a list of at least two alternative"},
      {"AnyOf",
       WithSteps("  - mmio_read: {reg: VER}\n"
                 "    expect: {any_of: [{value: 1}, {hpa: 2}]}\n"),
       7, 36, "'hpa' does not apply to a mmio_read step"},
      // `recorded` and `messages` apply to the steps that can fault or send.
      {"Messages",
       WithSteps("  - mmio_read: {reg: VER}\n"
                 "    expect: {recorded: true}\n"),
       7, 14, "'recorded' does not apply to a mmio_read step"},
      {"Messages",
       WithSteps("  - mmio_read: {reg: VER}\n"
                 "    expect: {messages: [{event: fault_evnt}]}\n"),
       7, 33, "did you mean 'fault_event'?"},
      {"Messages",
       WithSteps("  - mmio_read: {reg: VER}\n"
                 "    expect: {messages: some}\n"),
       7, 24, "expected 'none' or a list of messages"},
      // `reset` names an existing unit.
      {"Reset", WithSteps("  - reset: {unit: dmar7}\n"), 6, 19, "dmar7"},
      // Offset strides keep every access aligned and inside the register space.
      {"RepeatOffset",
       WithSteps("  - repeat:\n"
                 "      count: 2\n"
                 "      stride: {offset: 4}\n"
                 "      steps:\n"
                 "        - mmio_read: {offset: 0x8, width: 64}\n"),
       8, 15, "does not keep a 64-bit access aligned"},
      {"RepeatOffset",
       WithSteps("  - repeat:\n"
                 "      count: 0x1000\n"
                 "      stride: {offset: 4}\n"
                 "      steps:\n"
                 "        - mmio_read: {offset: 0x8, width: 32}\n"),
       10, 31, "outside the register space"},
      // `map: {rmrr: true}` needs a DMAR table with an RMRR naming the device, and no range.
      {"MapRmrr", WithSteps("  - map: {rmrr: true, sid: \"00:02.0\", domain: 1}\n"), 6, 10,
       "needs a platform from a DMAR table"},
      {"MapRmrr",
       absl::StrCat("name: t\nplatform: {dmar: ", DemoTable(),
                    "}\nsteps:\n"
                    "  - map: {rmrr: true, sid: \"00:02.0\", domain: 1}\n"),
       4, 28, "no RMRR of the DMAR table names 00:02.0"},
      {"MapRmrr",
       absl::StrCat("name: t\nplatform: {dmar: ", DemoTable(),
                    "}\nsteps:\n"
                    "  - map: {rmrr: true, sid: \"00:14.0\", domain: 1, iova: "
                    "0}\n"),
       4, 50, "'iova' does not go with 'rmrr: true'"},
  };
}

VTD_LOAD_ERROR_TEST_SUITE(ExpectExtensionsLoadErrorTest, ErrorCases);

}  // namespace
}  // namespace vtd::scenario
