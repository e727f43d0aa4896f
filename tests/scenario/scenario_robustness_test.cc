// Loading never crashes, never throws and never runs long, whatever the file holds: random
// bytes, mutations of a valid scenario, deep nesting, huge numbers, alias loops and alias
// bombs. Every failure is an InvalidArgument whose lines all name the file.
#include <cstdint>
#include <fstream>
#include <iterator>
#include <random>
#include <string>

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
using ::testing::HasSubstr;
using testing::InlinePath;
using testing::LoadInline;
using testing::WithSteps;
using vtd::testing::StatusIs;

// A failed load is well formed: InvalidArgument, every line prefixed with the file name.
void ExpectCleanFailureOrSuccess(const absl::StatusOr<Scenario>& s, const std::string& input) {
  if (s.ok()) return;
  EXPECT_EQ(s.status().code(), absl::StatusCode::kInvalidArgument) << input;
  for (const std::string& line : ErrorLines(s.status())) {
    EXPECT_EQ(line.rfind(InlinePath(), 0), 0u) << line;
  }
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

TEST(ScenarioRobustnessTest, RandomBytes) {
  std::mt19937 rng(1234);
  for (int i = 0; i < 300; ++i) {
    std::string text(rng() % 600, '\0');
    for (char& c : text) c = static_cast<char>(rng());
    ExpectCleanFailureOrSuccess(LoadInline(text), "random bytes");
  }
}

TEST(ScenarioRobustnessTest, RandomYamlishText) {
  // Characters YAML gives meaning to, so the parser gets past its first line more often.
  static constexpr char kAlphabet[] = "ab01x:- \n\t[]{},&*!|>'\"#%@`?0x-name platform steps dma";
  std::mt19937 rng(99);
  for (int i = 0; i < 400; ++i) {
    std::string text(rng() % 300, ' ');
    for (char& c : text) c = kAlphabet[rng() % (sizeof(kAlphabet) - 1)];
    ExpectCleanFailureOrSuccess(LoadInline(text), text);
  }
}

TEST(ScenarioRobustnessTest, MutatedValidScenarios) {
  for (const char* file : {"legacy-4k.yaml", "extensions.yaml"}) {
    const std::string original = ReadFile(DataFile(file));
    ASSERT_FALSE(original.empty());
    std::mt19937 rng(7);
    for (int i = 0; i < 250; ++i) {
      std::string text = original;
      const int edits = 1 + static_cast<int>(rng() % 4);
      for (int e = 0; e < edits; ++e) {
        const size_t pos = rng() % text.size();
        switch (rng() % 3) {
          case 0:
            text[pos] = static_cast<char>(rng());
            break;
          case 1:
            text.erase(pos, 1 + rng() % 8);
            break;
          default:
            text.insert(pos, 1, "-:[]{}0x9 \n"[rng() % 11]);
            break;
        }
        if (text.empty()) text = "x";
      }
      ExpectCleanFailureOrSuccess(LoadInline(text), text);
    }
  }
}

TEST(ScenarioRobustnessTest, DeepFlowNesting) {
  for (int depth : {kMaxNesting + 1, 1000, 100000}) {
    const std::string text = "name: " + std::string(depth, '[') + std::string(depth, ']') + "\n";
    auto s = LoadInline(text);
    EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nesting deeper than")));
  }
  const std::string maps = "name: t\nx: " + std::string(5000, '{');
  EXPECT_THAT(LoadInline(maps), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ScenarioRobustnessTest, DeepBlockNesting) {
  std::string text = "steps:\n";
  for (int i = 0; i < 3000; ++i) text += "- ";
  text += "x\n";
  EXPECT_THAT(LoadInline(text),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("indentation deeper than")));
  std::string indented = "name: t\n";
  for (int i = 0; i < 400; ++i) indented += std::string(i, ' ') + "k" + std::to_string(i) + ":\n";
  EXPECT_THAT(LoadInline(indented), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ScenarioRobustnessTest, HugeNumbersAndLongStrings) {
  const std::string digits(10000, '9');
  EXPECT_THAT(LoadInline(WithSteps("  - mem_read: {addr: " + digits + ", width: 8}\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not fit in 64 bits")));
  EXPECT_THAT(LoadInline(WithSteps("  - mem_read: {addr: 0x" + digits + ", width: 8}\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("does not fit in 64 bits")));
  // Messages quote at most 40 characters of a value.
  auto s = LoadInline(WithSteps("  - mmio_read: {reg: " + std::string(100000, 'Q') + "}\n"));
  ASSERT_FALSE(s.ok());
  EXPECT_LT(s.status().message().size(), 1000u);
}

TEST(ScenarioRobustnessTest, AliasLoopsTerminate) {
  // A step list that contains itself through a repeat.
  auto loop = LoadInline(absl::StrCat(testing::kHeader,
                                      "steps: &s\n"
                                      "  - repeat: {count: 2, steps: *s}\n"));
  EXPECT_THAT(loop, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no alias loops")));
  // A map that contains itself.
  auto self = LoadInline(absl::StrCat(testing::kHeader, "timing: &t {a: *t}\nsteps: []\n"));
  EXPECT_THAT(self, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no alias loops")));
  // Unknown anchors are syntax errors.
  EXPECT_THAT(LoadInline(WithSteps("  - *nowhere\n")),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("YAML")));
}

TEST(ScenarioRobustnessTest, AliasBombIsBounded) {
  // Each level holds ten of the previous one inside a repeat: 10^8 step maps if expanded.
  std::string text = absl::StrCat(testing::kHeader,
                                  "steps:\n"
                                  "  - &s0 {mem_read: {addr: 0, width: 8}}\n");
  for (int level = 1; level <= 8; ++level) {
    const std::string prev = absl::StrCat("*s", level - 1);
    text += absl::StrCat("  - &s", level, " {repeat: {count: 1, steps: [", prev, ", ", prev, ", ",
                         prev, ", ", prev, ", ", prev, ", ", prev, ", ", prev, ", ", prev, ", ",
                         prev, ", ", prev, "]}}\n");
  }
  auto s = LoadInline(text);
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument,
                          HasSubstr("aliases expand to more than 1000000 nodes")));
}

TEST(ScenarioRobustnessTest, AliasesThatAreFineLoad) {
  auto s = LoadInline(absl::StrCat(testing::kHeader,
                                   "steps:\n"
                                   "  - &read {mem_read: {addr: 0x10, width: 32}}\n"
                                   "  - *read\n"
                                   "  - <<: *read\n"
                                   "    label: merged\n"));
  // yaml-cpp 0.7 does not implement merge keys: '<<' is an unknown key, reported as such.
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown key '<<'")));
  VTD_ASSERT_OK_AND_ASSIGN(Scenario ok,
                           LoadInline(absl::StrCat(testing::kHeader,
                                                   "steps:\n"
                                                   "  - &read {mem_read: {addr: 0x10, width: 32}}\n"
                                                   "  - *read\n")));
  EXPECT_EQ(ok.steps.size(), 2u);
}

TEST(ScenarioRobustnessTest, NulBytesAndTabs) {
  const std::string with_nul = std::string("name: t\0x\n", 10) + "platform: 1\nsteps: []\n";
  ExpectCleanFailureOrSuccess(LoadInline(with_nul), "nul");
  ExpectCleanFailureOrSuccess(LoadInline("name: t\n\tplatform: {}\n"), "tab");
}

TEST(ScenarioRobustnessTest, GarbageTypesEverywhere) {
  // Each top-level key with each wrong kind of value.
  for (const char* key :
       {"name", "description", "spec", "platform", "memory", "timing", "tables", "steps"}) {
    for (const char* value : {"[1, [2]]", "{a: {b: c}}", "~", "''", "-1", "\"\\x00\""}) {
      const std::string replaced = absl::StrCat(
          key, ": ", value, "\n", std::string(key) == "name" ? "" : "name: n\n",
          std::string(key) == "platform" ? "" : "platform: {units: [{base: 0x1000}]}\n",
          std::string(key) == "steps" ? "" : "steps: []\n");
      ExpectCleanFailureOrSuccess(LoadInline(replaced), replaced);
    }
  }
}

}  // namespace
}  // namespace vtd::scenario
