// Every validation error of the loader (a table case each, or a test where one needs more
// than a single load): each must name the file, the 1-based line and column of the
// offending value, and say what was expected.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/scenario/scenario_loader.h"
#include "tests/scenario/scenario_test_util.h"
#include "tests/testing/status_matchers.h"

namespace vtd::scenario {
namespace {

using testing::DataFile;
using testing::ErrorLines;
using testing::HasErrorAt;
using ::testing::HasSubstr;
using testing::LoadErrorCase;
using testing::LoadInline;
using ::testing::SizeIs;
using ::testing::StartsWith;
using testing::WithSteps;
using vtd::testing::StatusIs;

// Steps start on line 6 of WithSteps() text; a step "  - dma: {" has its map at column 10.

TEST(ScenarioErrorsTest, YamlSyntaxErrorHasLineAndColumn) {
  auto s = LoadInline("name: t\nplatform: {units: [{base: 1}\nsteps: []\n");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("YAML syntax error")));
  EXPECT_THAT(ErrorLines(s.status()), SizeIs(1));
  EXPECT_THAT(ErrorLines(s.status())[0], StartsWith(testing::InlinePath() + ":"));
}

TEST(ScenarioErrorsTest, SyntaxErrorInAFile) {
  auto s = LoadScenarioFile(DataFile("malformed-syntax.yaml"));
  ASSERT_FALSE(s.ok());
  EXPECT_THAT(std::string(s.status().message()),
              StartsWith(DataFile("malformed-syntax.yaml") + ":6:"));
  EXPECT_THAT(std::string(s.status().message()), HasSubstr("YAML syntax error"));
}

TEST(ScenarioErrorsTest, EveryErrorOfAFileOneLineEachInFileOrder) {
  auto s = LoadScenarioFile(DataFile("malformed-many.yaml"));
  ASSERT_FALSE(s.ok());
  const std::vector<std::string> lines = ErrorLines(s.status());
  ASSERT_THAT(lines, SizeIs(6)) << s.status().message();
  const std::string f = DataFile("malformed-many.yaml");
  EXPECT_THAT(lines[0], StartsWith(f + ":6:7: platform.units[0]: unknown key 'sgement' (did you "
                                       "mean 'segment'?)"));
  EXPECT_THAT(lines[1], StartsWith(f + ":8:33: steps[0].dma: [0xffe, 0x1002) crosses a 4 KiB"));
  EXPECT_THAT(lines[2], StartsWith(f + ":9:22: steps[1].mmio_read.reg: 'GCMDD' is not a VT-d "
                                       "register name (did you mean 'GCMD'?)"));
  EXPECT_THAT(lines[3], StartsWith(f + ":10:37: steps[2].mem_read.width: width 12 is not valid "
                                       "(expected 8, 16, 32, 64 bits)"));
  EXPECT_THAT(lines[4], StartsWith(f + ":11:33: steps[3].dma.addr: '-1' is negative"));
  EXPECT_THAT(lines[5], StartsWith(f + ":12:37: steps[4].mem_write.file: file 'missing.bin' does "
                                       "not exist"));
}

TEST(ScenarioErrorsTest, ScenarioFileDoesNotExist) {
  EXPECT_THAT(LoadScenarioFile(DataFile("nope.yaml")),
              StatusIs(absl::StatusCode::kNotFound,
                       StartsWith(DataFile("nope.yaml") + ": the scenario file does not exist")));
  EXPECT_THAT(LoadScenarioFile(testing::DataDir()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not a regular file")));
}

TEST(ScenarioErrorsTest, DmarFileDoesNotExist) {
  auto s = LoadScenarioFile(DataFile("missing-dmar.yaml"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          StartsWith(DataFile("missing-dmar.yaml") +
                                     ":4:9: platform.dmar: file 'tables/nowhere.bin' does not "
                                     "exist (looked for '")));
}

TEST(ScenarioErrorsTest, DmarFileDoesNotParse) {
  auto s = LoadScenarioFile(DataFile("malformed-dmar.yaml"));
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          StartsWith(DataFile("malformed-dmar.yaml") +
                                     ":3:18: platform.dmar: DMAR table 'image.bin' does not "
                                     "parse: ")));
}

TEST(ScenarioErrorsTest, EmptyFile) {
  EXPECT_THAT(LoadInline(""), HasErrorAt(1, 1, "expected a scenario map"));
  EXPECT_THAT(LoadInline("# only a comment\n"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ScenarioErrorsTest, MissingRequiredTopLevelFields) {
  auto s = LoadInline("description: nothing else\n");
  EXPECT_THAT(s, HasErrorAt(1, 1, "missing required key 'name'"));
  EXPECT_THAT(s, HasErrorAt(1, 1, "missing required key 'platform'"));
  EXPECT_THAT(s, HasErrorAt(1, 1, "missing required key 'steps'"));
  EXPECT_THAT(ErrorLines(s.status()), SizeIs(3));
}

TEST(ScenarioErrorsTest, DmaCrossingOnALaterRepeatIteration) {
  auto s =
      LoadInline(WithSteps("  - repeat:\n"
                           "      count: 3\n"
                           "      stride: {addr: 0x7fe}\n"
                           "      steps:\n"
                           "        - dma: {sid: 1, addr: 0, size: 8, access: read}\n"));
  EXPECT_THAT(s, HasErrorAt(10, 31,
                            "with the repeat strides the address reaches page offset "
                            "0xffc, where 8 bytes cross a 4 KiB boundary"));
  // Page-sized strides never change the page offset.
  EXPECT_THAT(
      LoadInline(WithSteps("  - repeat:\n"
                           "      count: 100000\n"
                           "      stride: 0x1000\n"
                           "      steps:\n"
                           "        - dma: {sid: 1, addr: 0xff8, size: 8, access: read}\n")),
      vtd::testing::IsOk());
}

TEST(ScenarioErrorsTest, RepeatProblems) {
  EXPECT_THAT(LoadInline(WithSteps("  - repeat: {count: 0, steps: [{enable: }]}\n")),
              HasErrorAt(6, 21, "0 is out of range (expected 1 to 1000000000000)"));
  EXPECT_THAT(LoadInline(WithSteps("  - repeat: {count: 2, steps: []}\n")),
              HasErrorAt(6, 31, "a repeat needs at least one step"));
  std::string flow = "{enable: }";
  for (int i = 0; i < 9; ++i) flow = "{repeat: {count: 2, steps: [" + flow + "]}}";
  EXPECT_THAT(
      LoadInline(WithSteps("  - " + flow + "\n")),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("repeats nest deeper than 8")));
  EXPECT_THAT(LoadInline(WithSteps("  - repeat:\n"
                                   "      count: 1000000000\n"
                                   "      stride: 0x1000_0000_0000\n"
                                   "      steps:\n"
                                   "        - mem_read: {addr: 0, width: 8}\n")),
              HasErrorAt(10, 28, "with the repeat strides, the address overflows 64 bits"));
}

TEST(ScenarioErrorsTest, TooManyErrorsAreCounted) {
  std::string steps;
  for (int i = 0; i < 60; ++i) steps += "  - mem_read: {addr: -1, width: 8}\n";
  auto s = LoadInline(WithSteps(steps));
  ASSERT_FALSE(s.ok());
  const std::vector<std::string> lines = ErrorLines(s.status());
  ASSERT_THAT(lines, SizeIs(kMaxErrors + 1));
  EXPECT_THAT(lines.back(), HasSubstr("... and 10 more errors"));
}

// The errors a single inline load reports: each case names the line and column of the value
// at fault and what was expected.
std::vector<LoadErrorCase> ErrorCases() {
  return {
      {"MemoryFileDoesNotExist",
       absl::StrCat(testing::kHeader,
                    "memory:\n"
                    "  - {addr: 0, file: nothing.bin}\n"
                    "steps: []\n"),
       6, 21, "memory[0].file: file 'nothing.bin' does not exist"},
      {"UnknownTopLevelKeyListsTheAllowedOnes", absl::StrCat(testing::kHeader, "stpes: []\n"), 5, 1,
       "unknown key 'stpes' (did you mean 'steps'?) (expected one of: name, "
       "description, spec, platform, memory, timing, tables, steps)"},
      {"UnknownTopLevelKeyListsTheAllowedOnes", absl::StrCat(testing::kHeader, "stpes: []\n"), 1, 1,
       "missing required key 'steps'"},
      {"UnknownKeyInAnAction", WithSteps("  - dma: {sid: \"00:02.0\", adr: 0, access: read}\n"), 6,
       27, "steps[0].dma: unknown key 'adr' (did you mean 'addr'?)"},
      {"UnknownKeyInAnAction", WithSteps("  - dma: {sid: \"00:02.0\", adr: 0, access: read}\n"), 6,
       10, "steps[0].dma: missing required key 'addr'"},
      {"UnknownKeyWithoutSuggestion", WithSteps("  - mem_read: {addr: 0, width: 8, zzzzzz: 1}\n"),
       6, 35, "unknown key 'zzzzzz' (expected one of: addr, width)"},
      {"DuplicateKey", WithSteps("  - mem_read: {addr: 0, addr: 8, width: 8}\n"), 6, 25,
       "duplicate key 'addr' (first at line 6)"},
      {"WrongTypes", WithSteps("  - mem_read: {addr: [1], width: 8}\n"), 6, 22,
       "steps[0].mem_read.addr: expected a number, got a list"},
      {"WrongTypes", WithSteps("  - mem_read: {addr: {a: 1}, width: 8}\n"), 6, 22,
       "expected a number, got a map"},
      {"WrongTypes", WithSteps("  - mem_read: {addr: , width: 8}\n"), 6, 22,
       "expected a number, got nothing"},
      {"WrongTypes", absl::StrCat(testing::kHeader, "steps: {a: 1}\n"), 5, 8,
       "steps: expected a list of steps, got a map"},
      {"WrongTypes", "name: [x]\nplatform: {units: [{base: 0x1000}]}\nsteps: []\n", 1, 7,
       "name: expected a name, got a list"},
      {"WrongTypes", "- a\n- b\n", 1, 1,
       "expected a scenario map (name, platform, steps, ...), got a list"},
      {"WrongTypes", WithSteps("  - 5\n"), 6, 5, "steps[0]: expected a step map with one action"},
      {"WrongTypes", WithSteps("  - dma: {sid: \"00:02.0\", addr: 0, access: read, exec: 2}\n"), 6,
       56, "'2' is not a boolean (expected true or false)"},
      {"MissingRequiredActionFields", WithSteps("  - dma: {addr: 0}\n"), 6, 10,
       "steps[0].dma: missing required key 'sid'"},
      {"MissingRequiredActionFields", WithSteps("  - dma: {sid: \"00:02.0\", addr: 0}\n"), 6, 10,
       "missing required key 'access' (expected read or write)"},
      {"MissingRequiredActionFields", WithSteps("  - mmio_write: {reg: GCMD}\n"), 6, 17,
       "steps[0].mmio_write: missing required key 'value'"},
      {"MissingRequiredActionFields", WithSteps("  - mmio_write: {value: 1}\n"), 6, 17,
       "missing 'offset' or 'reg'"},
      {"MissingRequiredActionFields", WithSteps("  - mem_read: {addr: 0}\n"), 6, 15,
       "missing required key 'width'"},
      {"MissingRequiredActionFields", WithSteps("  - interrupt: {sid: \"00:02.0\", data: 0}\n"), 6,
       16, "missing required key 'address'"},
      {"MissingRequiredActionFields", WithSteps("  - mem_write: {addr: 0}\n"), 6, 16,
       "missing the data (expected one of u64, u32, u16, u8, bytes, file)"},
      {"MissingRequiredActionFields", "name: t\nplatform: {units: [{segment: 0}]}\nsteps: []\n", 2,
       20, "platform.units[0]: missing required key 'base'"},
      {"MissingRequiredActionFields", "name: t\nplatform: {memory_size: 4G}\nsteps: []\n", 2, 11,
       "missing 'dmar' or 'units'"},
      {"StepWithoutActionOrWithTwo", WithSteps("  - label: nothing\n"), 6, 5,
       "steps[0]: step has no action (expected exactly one of: "
       "mmio_write, mmio_read, mem_write, mem_read, dma, interrupt, map, "
       "enable, repeat, queue, irte, reset, page_request)"},
      {"StepWithoutActionOrWithTwo",
       WithSteps("  - mem_read: {addr: 0, width: 8}\n    dma: {sid: 1, addr: 0}\n"), 7, 5,
       "step has two actions, 'mem_read' and 'dma' (expected exactly one"},
      {"NumbersNegativeOverflowGarbage", WithSteps("  - mem_read: {addr: -4, width: 8}\n"), 6, 22,
       "'-4' is negative (expected a number >= 0)"},
      {"NumbersNegativeOverflowGarbage",
       WithSteps("  - mem_read: {addr: 0x10000000000000000, width: 8}\n"), 6, 22,
       "'0x10000000000000000' does not fit in 64 bits"},
      {"NumbersNegativeOverflowGarbage",
       WithSteps("  - mem_read: {addr: 18446744073709551616, width: 8}\n"), 6, 22,
       "does not fit in 64 bits"},
      {"NumbersNegativeOverflowGarbage", WithSteps("  - mem_read: {addr: 12abc, width: 8}\n"), 6,
       22,
       "'12abc' is not a number (expected decimal or 0x hex; hex needs a "
       "0x prefix)"},
      {"NumbersNegativeOverflowGarbage", WithSteps("  - mem_read: {addr: 1.5, width: 8}\n"), 6, 22,
       "'1.5' is not a number"},
      {"NumbersNegativeOverflowGarbage", WithSteps("  - mem_read: {addr: 0x, width: 8}\n"), 6, 22,
       "'0x' is not a number"},
      {"NumbersNegativeOverflowGarbage", WithSteps("  - mem_read: {addr: true, width: 8}\n"), 6, 22,
       "'true' is not a number"},
      {"WidthsOutOfRange", WithSteps("  - mmio_read: {reg: GSTS, width: 16}\n"), 6, 35,
       "width 16 is not valid (expected 32, 64 bits)"},
      {"WidthsOutOfRange", WithSteps("  - mmio_write: {reg: GSTS, value: 0, width: 8}\n"), 6, 46,
       "width 8 is not valid (expected 32, 64 bits)"},
      {"WidthsOutOfRange", WithSteps("  - mem_read: {addr: 0, width: 128}\n"), 6, 32,
       "width 128 is not valid (expected 8, 16, 32, 64 bits)"},
      {"DmaSizeOutOfRange", WithSteps("  - dma: {sid: 1, addr: 0, size: 0, access: read}\n"), 6, 34,
       "steps[0].dma.size: 0 is out of range (expected 1 to 4096)"},
      {"DmaSizeOutOfRange", WithSteps("  - dma: {sid: 1, addr: 0, size: 4097, access: read}\n"), 6,
       34, "4097 is out of range (expected 1 to 4096)"},
      {"DmaCrossing4KiB", WithSteps("  - dma: {sid: 1, addr: 0x1ffd, size: 4, access: read}\n"), 6,
       25,
       "steps[0].dma: [0x1ffd, 0x2001) crosses a 4 KiB boundary (PCIe forbids "
       "it; expected [addr, addr+size) within one 4 KiB page)"},
      {"DmaCrossing4KiB", WithSteps("  - dma: {sid: 1, addr: 0x1, size: 4096, access: read}\n"), 6,
       25, "crosses a 4 KiB boundary"},
      {"EnumerationsOutOfRange", WithSteps("  - dma: {sid: 1, addr: 0, access: rw}\n"), 6, 36,
       "'rw' is not valid (expected one of read, write)"},
      {"EnumerationsOutOfRange",
       WithSteps("  - dma: {sid: 1, addr: 0, access: read, at: translate}\n"), 6, 46,
       "'translate' is not valid (did you mean 'translated'?) (expected "
       "one of untranslated, translation_request, translated)"},
      {"RequesterIdsOutOfRange", WithSteps("  - dma: {sid: \"00:20.0\", addr: 0, access: read}\n"),
       6, 16,
       "steps[0].dma.sid: '00:20.0': device 0x20 is out of range "
       "(expected \"bb:dd.f\" with bus <= 0xff, device <= 0x1f, "
       "function <= 7)"},
      {"RequesterIdsOutOfRange", WithSteps("  - dma: {sid: \"100:00.0\", addr: 0, access: read}\n"),
       6, 16, "bus 0x100 is out of range"},
      {"RequesterIdsOutOfRange", WithSteps("  - dma: {sid: \"00:00.8\", addr: 0, access: read}\n"),
       6, 16, "function 0x8 is out of range"},
      {"RequesterIdsOutOfRange", WithSteps("  - dma: {sid: \"0:2\", addr: 0, access: read}\n"), 6,
       16, "'0:2' is not a requester id (expected \"bb:dd.f\""},
      {"RequesterIdsOutOfRange", WithSteps("  - dma: {sid: 0x10000, addr: 0, access: read}\n"), 6,
       16, "is not a requester id"},
      {"SegmentAndPasidOutOfRange",
       WithSteps("  - dma: {sid: 1, segment: 0x10000, addr: 0, access: read}\n"), 6, 28,
       "steps[0].dma.segment: 0x10000 is out of range (expected 0 to 0xffff)"},
      {"SegmentAndPasidOutOfRange",
       WithSteps("  - dma: {sid: 1, pasid: 0x100000, addr: 0, access: read}\n"), 6, 26,
       "0x100000 is out of range (expected 0 to 0xfffff)"},
      {"SegmentAndPasidOutOfRange",
       "name: t\nplatform: {units: [{base: 0x1000, segment: 65536}]}\nsteps: []\n", 2, 44,
       "65536 is out of range (expected 0 to 0xffff)"},
      {"UnknownRegisterName", WithSteps("  - mmio_read: {reg: RTADR}\n"), 6, 22,
       "steps[0].mmio_read.reg: 'RTADR' is not a VT-d register name "
       "(did you mean 'RTADDR'?) (expected a spec register name such as "
       "GCMD"},
      {"UnknownRegisterName", WithSteps("  - mmio_read: {reg: FRCD1}\n"), 6, 22,
       "on dmar0: FRCD_LO[1] does not exist on this unit: CAP.NFR gives "
       "1 fault-recording register (FRCD0..FRCD0)"},
      {"UnknownRegisterName", WithSteps("  - mmio_read: {reg: ECMD}\n"), 6, 22,
       "ECMD_REG (offset 0x400) is where this unit places FRCD_LO[0]"},
      {"RegisterOffsetProblems", WithSteps("  - mmio_read: {offset: 0x1000}\n"), 6, 25,
       "0x1000 is outside dmar0's register space (expected an offset "
       "below 0x1000)"},
      {"RegisterOffsetProblems", WithSteps("  - mmio_read: {offset: 0x1c, width: 64}\n"), 6, 25,
       "offset 0x1c is not aligned for a 64-bit access (expected a "
       "multiple of 8)"},
      {"RegisterOffsetProblems", WithSteps("  - mmio_write: {reg: GCMD, value: 0x100000000}\n"), 6,
       36, "0x100000000 does not fit in a 32-bit write"},
      {"RegisterOffsetProblems", WithSteps("  - mmio_read: {offset: 0x20, reg: RTADDR}\n"), 6, 31,
       "has both 'offset' and 'reg'"},
      {"UnknownUnitReferences", WithSteps("  - mmio_read: {unit: dmar1, reg: GSTS}\n"), 6, 23,
       "steps[0].mmio_read.unit: unit 'dmar1' does not exist (did you "
       "mean 'dmar0'?) (expected one of: dmar0, or an index 0 to 0)"},
      {"UnknownUnitReferences", WithSteps("  - mmio_read: {unit: 3, reg: GSTS}\n"), 6, 23,
       "unit index 3 does not exist (expected 0 to 0, or a name: dmar0)"},
      {"UnknownUnitReferences", WithSteps("  - enable: {unit: gpu}\n"), 6, 20,
       "unit 'gpu' does not exist"},
      {"UnsupportedCapabilityNamesTheField",
       "name: t\nplatform:\n  units:\n    - base: 0x1000\n"
       "      cap: 0x20d2008c40660462\nsteps: []\n",
       5, 12, "unit dmar0: CAP.ECMDS"},
      {"UnsupportedCapabilityNamesTheField",
       "name: t\nplatform:\n  units:\n    - base: 0x1000\n"
       "      cap: {base: default, ecmds: 1}\nsteps: []\n",
       5, 28, "unit dmar0: CAP.ECMDS"},
      {"UnsupportedCapabilityNamesTheField",
       "name: t\nplatform:\n  units:\n    - base: 0x1000\n"
       "      ecap: {sagaw: [48]}\nsteps: []\n",
       5, 14, "unknown ECAP field 'sagaw'"},
      {"UnsupportedCapabilityNamesTheField",
       "name: t\nplatform:\n  units:\n    - base: 0x1000\n"
       "      cap: {sagw: [48]}\nsteps: []\n",
       5, 13, "unknown CAP field 'sagw' (did you mean 'SAGAW'?)"},
      {"UnsupportedCapabilityNamesTheField",
       "name: t\nplatform:\n  units:\n    - base: 0x1000\n"
       "      cap: {base: default, sagaw: [40]}\nsteps: []\n",
       5, 35, "cap.sagaw:"},
      {"PlatformConsistency",
       "name: t\nplatform:\n  units:\n    - {base: 0x1000}\n"
       "    - {base: 0x1000, scope: [\"00:02.0\"]}\nsteps: []\n",
       5, 14, "registers [0x1000, 0x2000) overlap those of dmar0"},
      {"PlatformConsistency",
       "name: t\nplatform:\n  units:\n    - {base: 0x1000}\n"
       "    - {base: 0x2000}\nsteps: []\n",
       5, 7, "dmar0 and dmar1 both claim every device of segment 0"},
      {"PlatformConsistency",
       "name: t\nplatform:\n  units:\n    - {base: 0x1000, name: a}\n"
       "    - {base: 0x2000, name: a, scope: []}\nsteps: []\n",
       5, 28, "unit name 'a' is already used by units[0]"},
      {"PlatformConsistency", "name: t\nplatform:\n  units:\n    - {base: 0x1800}\nsteps: []\n", 4,
       14, "0x1800 is not 4 KiB aligned"},
      {"PlatformConsistency",
       "name: t\nplatform:\n  units:\n    - {base: 0x1000, scope: some}\n"
       "steps: []\n",
       4, 29, "'some' is not a scope (expected 'all' or a list"},
      // Beside `dmar:`, `units:` gives per-unit values matched by register base (the demo table's
      // DRHDs are at 0xfed90000 and 0xfed91000, tests/platform/demo_table.h).
      {"PlatformConsistency",
       "name: t\nplatform:\n  dmar: ../../../scenarios/platforms/demo.bin\n"
       "  units: [{base: 0xfed92000}]\nsteps: []\n",
       4, 18, "no DRHD of the table has register base 0xfed92000"},
      {"PlatformConsistency",
       "name: t\nplatform:\n  units: [{base: 0x1000}]\n  topology: []\n"
       "steps: []\n",
       4, 3, "'topology' applies to a 'dmar' platform only"},
      {"PlatformConsistency",
       "name: t\nplatform: {memory_size: 0x1800, units: [{base: 0x1000}]}\n"
       "steps: []\n",
       2, 25, "0x1800 is not a multiple of 4 KiB"},
      {"ExpectationsThatCannotApply",
       WithSteps("  - mmio_read: {reg: GSTS}\n    expect: {hpa: 0x1000}\n"), 7, 14,
       "'hpa' does not apply to a mmio_read step (expected value, mask, "
       "cycles, cycles_max, messages, responses, any_of)"},
      {"ExpectationsThatCannotApply",
       WithSteps("  - mmio_read: {reg: GSTS}\n    expect: {mask: 1}\n"), 7, 14,
       "'mask' needs a 'value'"},
      {"ExpectationsThatCannotApply",
       WithSteps("  - dma: {sid: 1, addr: 0, access: read}\n"
                 "    expect: {hpa: 0, fault: {reason: 6}}\n"),
       7, 22, "'hpa' and 'fault' expect different outcomes"},
      {"ExpectationsThatCannotApply",
       WithSteps("  - dma: {sid: 1, addr: 0, access: read}\n"
                 "    expect: {fault: {reason: LXX.9}}\n"),
       7, 30, "(expected a fault reason number such as 0x6"},
      {"ExpectationsThatCannotApply",
       WithSteps("  - mem_read: {addr: 0, width: 8}\n"
                 "    expect: {value: 0x100}\n"),
       7, 21, "0x100 can never match a 8-bit read (expected at most 0xff)"},
      {"ExpectationsThatCannotApply",
       WithSteps("  - repeat: {count: 2, steps: [{enable: }]}\n"
                 "    expect: {cycles: 1}\n"),
       7, 5, "a repeat step takes no 'expect'"},
      {"ExpectationsThatCannotApply",
       WithSteps("  - interrupt: {sid: 1, address: 0xfee00000, data: 0}\n"
                 "    expect: {vector: 0x100}\n"),
       7, 22, "0x100 is out of range (expected 0 to 255)"},
      {"ExpectationsThatCannotApply",
       WithSteps("  - interrupt: {sid: 1, address: 0xfee00000, data: 0}\n"
                 "    expect: {vector: 1, trigger: pulse}\n"),
       7, 34, "'pulse' is not valid (expected one of edge, level, or 0 to 1)"},
      {"MemoryProblems",
       absl::StrCat(testing::kHeader, "memory:\n  - {addr: 0, bytes: \"0f0\"}\nsteps: []\n"), 6, 22,
       "'0f0' has an odd number of hex digits"},
      {"MemoryProblems",
       absl::StrCat(testing::kHeader, "memory:\n  - {addr: 0, bytes: \"zz\"}\nsteps: []\n"), 6, 22,
       "'zz' is not a hex string"},
      {"MemoryProblems",
       absl::StrCat(testing::kHeader, "memory:\n  - {addr: 0, u32: [0x100000000]}\nsteps: []\n"), 6,
       21, "0x100000000 is out of range (expected 0 to 0xffffffff)"},
      {"MemoryProblems",
       absl::StrCat(testing::kHeader, "memory:\n  - {addr: 0, u32: [1], u64: [2]}\nsteps: []\n"), 6,
       25, "has both 'u32' and 'u64'"},
      {"MemoryProblems",
       absl::StrCat(testing::kHeader, "memory:\n  - {addr: 0xfffffffc, u64: [1]}\nsteps: []\n"), 6,
       12, "the data [0xfffffffc, 0x100000004) is outside memory"},
      {"MemoryProblems", WithSteps("  - mem_read: {addr: 0xffffffff, width: 16}\n"), 6, 22,
       "the read [0xffffffff, 0x100000001) is outside memory"},
      {"BuilderConstraints",
       WithSteps("  - map: {sid: 1, domain: 1, iova: 0x1800, hpa: 0, size: 4K}\n"), 6, 36,
       "steps[0].map.iova: 0x1800 is not aligned to the page size 0x1000"},
      {"BuilderConstraints",
       WithSteps("  - map: {sid: 1, domain: 1, iova: 0, hpa: 0, size: 4K, "
                 "page_size: 8K}\n"),
       6, 68, "8K is not a page size (expected 4K, 2M or 1G)"},
      {"BuilderConstraints",
       WithSteps("  - map: {sid: 1, domain: 1, iova: 0, hpa: 0, size: 4K, "
                 "levels: 5}\n"),
       6, 65, "dmar0 does not support 5-level tables"},
      {"BuilderConstraints",
       WithSteps("  - map: {sid: 1, domain: 256, iova: 0, hpa: 0, size: 4K}\n"), 6, 27,
       "domain 256 is beyond dmar0's 8-bit domain ids"},
      {"BuilderConstraints",
       WithSteps("  - map: {sid: 1, domain: 1, iova: 0, hpa: 0, size: 4K, "
                 "perm: x}\n"),
       6, 63, "'x' is not valid"},
      {"BuilderConstraints",
       "name: t\nplatform: {units: [{base: 0x1000, scope: [\"00:03.0\"]}]}\n"
       "steps:\n  - map: {sid: \"00:02.0\", domain: 1, iova: 0, hpa: 0, size: 4K}\n",
       4, 16, "no unit remaps requester 00:02.0 in segment 0"},
      {"MoreThanOneDocument", WithSteps("  []\n---\nname: again\n"), 7, 1,
       "a second YAML document"},
      // Scalable-mode `map` keys (scenarios/README.md "Builders"): a unit without ECAP.SMTS takes
      // no scalable map; pass-through has no range. First-stage and nested keys:
      // first_stage_map_test. The default ECAP (0xf050da) has no SMTS.
      {"ScalableMapNeedsSmts",
       WithSteps("  - map: {sid: \"00:02.0\", domain: 1, iova: 0, hpa: 0, size: 4K, pasid: 3}\n"),
       6, 10, "dmar0 has no scalable mode (ECAP.SMTS=0)"},
      {"PassThroughMapTakesNoRange",
       WithSteps("  - map: {sid: \"00:02.0\", domain: 1, pgtt: pass_through, iova: 0}\n"), 6, 58,
       "'iova' does not go with 'pgtt: pass_through'"},
      // Maps after an enable build tables for the mode the enable latched.
      {"MapAfterLegacyEnableStaysLegacy",
       WithSteps(
           "  - enable:\n"
           "  - map: {sid: \"00:02.0\", domain: 1, iova: 0, hpa: 0, size: 4K, pgtt: second}\n"),
       7, 10, "tables are legacy-mode ones from an earlier map or enable"},
      {"EnableModeScalableNeedsSmts", WithSteps("  - enable: {mode: scalable}\n"), 6, 20,
       "dmar0 cannot run in scalable mode (ECAP.SMTS=0"},
      {"EnableModeScalableNeedsSmts", WithSteps("  - enable: {mode: scaleable}\n"), 6, 20,
       "did you mean 'scalable'?"},
  };
}

VTD_LOAD_ERROR_TEST_SUITE(ScenarioLoadErrorTest, ErrorCases);

}  // namespace
}  // namespace vtd::scenario
