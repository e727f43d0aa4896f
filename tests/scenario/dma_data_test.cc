// Scenario extensions for data: `data` on dma writes, `expect: {data}` on dma reads, the
// interrupt address range, and `file:` memory windows with `offset`/`length`.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/scenario/results.h"
#include "model/scenario/runner.h"
#include "tests/scenario/scenario_test_util.h"

namespace vtd::scenario {
namespace {

using ::testing::HasSubstr;
using ::vtd::scenario::testing::HasErrorAt;
using ::vtd::scenario::testing::LoadInline;

using ::vtd::scenario::testing::kPlatform;
using ::vtd::scenario::testing::Ran;
using ::vtd::scenario::testing::RunText;

constexpr char kMapped[] =
    "steps:\n"
    "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x1000, hpa: 0x200000, size: 4K}\n"
    "  - enable:\n";

TEST(ScenarioDmaData, WriteThroughAnIovaAndReadItBack) {
  Ran run = RunText(absl::StrCat(
      kPlatform, kMapped,
      "  - dma: {sid: \"00:02.0\", addr: 0x1010, access: write, data: 0x12345678}\n"
      "  - mem_read: {addr: 0x200010, width: 32}\n"
      "    expect: {value: 0x12345678}\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x1010, access: read}\n"
      "    expect: {data: 0x12345678}\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x1020, access: write, data: {u16: [0xbbaa, 0xddcc]}}\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x1020, access: read, size: 4}\n"
      "    expect: {data: {bytes: \"aabbccdd\"}}\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x1020, access: read, size: 2}\n"
      "    expect: {data: 0xbbab}\n"));
  ASSERT_EQ(run.steps.size(), 8u);
  for (int i = 0; i < 7; ++i) EXPECT_TRUE(run.steps[i].ok) << i;
  // The last one holds 0xbbaa: the expectation fails and says what was read.
  EXPECT_FALSE(run.steps[7].ok);
  EXPECT_THAT(run.steps[7].failures[0], HasSubstr("data 0xbbab, got data 0xbbaa"));
  ASSERT_TRUE(run.steps[4].dma && run.steps[4].dma->data);
  EXPECT_EQ(*run.steps[4].dma->data, (std::vector<uint8_t>{0x78, 0x56, 0x34, 0x12}));
  // A write's result carries no data; a read's JSON has it.
  ASSERT_TRUE(run.steps[2].dma.has_value());
  EXPECT_FALSE(run.steps[2].dma->data.has_value());
  EXPECT_THAT(StepResultToJson(run.steps[4]).Dump(0), HasSubstr("\"data\":"));
  EXPECT_THAT(StepResultToJson(run.steps[4]).Dump(0), HasSubstr("\"0x12345678\""));
}

TEST(ScenarioDmaData, LongDataPrintsAsBytes) {
  EXPECT_EQ(DmaDataText({0x01, 0x02}), "0x201");
  EXPECT_EQ(DmaDataText(std::vector<uint8_t>(9, 0xab)), "ababababababababab");
}

TEST(ScenarioDmaData, ADwordWriteToFeeIsAnInterruptAndAReadIsFault29h) {
  Ran run = RunText(
      absl::StrCat(kPlatform, kMapped,
                   "  - dma: {sid: \"00:02.0\", addr: 0xfee01000, access: write, data: 0x41}\n"
                   "  - dma: {sid: \"00:02.0\", addr: 0xfee00000, access: read}\n"
                   "    expect: {fault: {reason: 0x29}}\n"));
  ASSERT_EQ(run.steps.size(), 4u);
  ASSERT_TRUE(run.steps[2].dma.has_value());
  EXPECT_EQ(run.steps[2].dma->status, DmaStepResult::Status::kBlocked);
  EXPECT_EQ(run.steps[2].dma->blocked_by, "interrupt");
  ASSERT_FALSE(run.steps[2].notes.empty());
  EXPECT_THAT(run.steps[2].notes.back(), HasSubstr("interrupt path"));
  EXPECT_TRUE(run.steps[3].ok);
}

TEST(ScenarioDmaData, DataErrorsAreFoundAtLoad) {
  EXPECT_THAT(LoadInline(testing::WithSteps(
                  "  - dma: {sid: \"00:02.0\", addr: 0x10, access: read, data: 1}\n")),
              HasErrorAt(6, 53, "only a write carries data"));
  EXPECT_THAT(
      LoadInline(testing::WithSteps(
          "  - dma: {sid: \"00:02.0\", addr: 0x10, access: write, data: 0x1ffff, size: 2}\n")),
      HasErrorAt(6, 60, "out of range"));
  EXPECT_THAT(
      LoadInline(testing::WithSteps("  - dma: {sid: \"00:02.0\", addr: 0x10, access: write, "
                                    "size: 3, data: {u32: [1]}}\n")),
      HasErrorAt(6, 69, "4 bytes of data for a write of size 3"));
  EXPECT_THAT(
      LoadInline(testing::WithSteps("  - dma: {sid: \"00:02.0\", addr: 0x10, access: write, "
                                    "size: 16, data: 1}\n")),
      HasErrorAt(6, 70, "at most 8 bytes"));
  EXPECT_THAT(
      LoadInline(testing::WithSteps("  - dma: {sid: \"00:02.0\", addr: 0x10, access: write}\n"
                                    "    expect: {data: 1}\n")),
      HasErrorAt(7, 14, "checks what a read returns"));
  EXPECT_THAT(LoadInline(testing::WithSteps(
                  "  - dma: {sid: \"00:02.0\", addr: 0x10, access: read, size: 2}\n"
                  "    expect: {data: {u32: [1]}}\n")),
              HasErrorAt(7, 20, "4 bytes expected from a read of size 2"));
}

// A file of `size` bytes (a hole) with `bytes` at `at`, in the data folder; removed after.
class ImageFile {
 public:
  ImageFile(const std::string& name, uint64_t size, uint64_t at, std::vector<uint8_t> bytes)
      : path_(testing::DataFile(name)) {
    std::FILE* f = std::fopen(path_.c_str(), "wb");
    EXPECT_NE(f, nullptr);
    EXPECT_EQ(ftruncate(fileno(f), static_cast<off_t>(size)), 0);
    EXPECT_EQ(fseeko(f, static_cast<off_t>(at), SEEK_SET), 0);
    EXPECT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
    std::fclose(f);
  }
  ~ImageFile() { std::remove(path_.c_str()); }

 private:
  std::string path_;
};

TEST(ScenarioMemoryImage, WindowsWithOffsetAndLength) {
  ImageFile image("window-test.img", 0x3000, 0x1000, {0xef, 0xbe, 0xad, 0xde, 0x11});
  Ran run = RunText(
      absl::StrCat("name: t\nplatform:\n  memory_size: 64M\n  units:\n    - base: 0xfed90000\n"
                   "memory:\n"
                   "  - {addr: 0x10000, file: window-test.img, offset: 0x1000, length: 4}\n"
                   "  - {addr: 0x20003, file: window-test.img, offset: 0x1001}\n"
                   "steps:\n"
                   "  - mem_read: {addr: 0x10000, width: 32}\n"
                   "    expect: {value: 0xdeadbeef}\n"
                   "  - mem_read: {addr: 0x10004, width: 8}\n"  // past the 4-byte window
                   "    expect: {value: 0}\n"
                   "  - mem_read: {addr: 0x20003, width: 32}\n"  // unaligned: copied at load
                   "    expect: {value: 0x11deadbe}\n"
                   "  - mem_write: {addr: 0x30000, file: window-test.img, offset: 4K, length: 4K}\n"
                   "  - mem_read: {addr: 0x30000, width: 32}\n"
                   "    expect: {value: 0xdeadbeef}\n"));
  ASSERT_EQ(run.steps.size(), 5u);
  for (const StepResult& s : run.steps) EXPECT_TRUE(s.ok) << s.what;
}

TEST(ScenarioMemoryImage, WindowErrorsAreFoundAtLoad) {
  ImageFile image("window-errors.img", 0x2000, 0, {1});
  const std::string head =
      "name: t\nplatform:\n  memory_size: 64K\n  units:\n    - base: 0xfed90000\nmemory:\n";
  EXPECT_THAT(LoadInline(absl::StrCat(
                  head, "  - {addr: 0, file: window-errors.img, offset: 0x3000}\nsteps: []\n")),
              HasErrorAt(7, 48, "out of range"));
  EXPECT_THAT(LoadInline(absl::StrCat(
                  head, "  - {addr: 0, file: window-errors.img, length: 0x2001}\nsteps: []\n")),
              HasErrorAt(7, 48, "out of range"));
  EXPECT_THAT(
      LoadInline(absl::StrCat(head, "  - {addr: 0xf000, file: window-errors.img}\nsteps: []\n")),
      HasErrorAt(7, 12, "outside memory"));
  EXPECT_THAT(LoadInline(absl::StrCat(head, "  - {addr: 0, u8: 1, offset: 4}\nsteps: []\n")),
              HasErrorAt(7, 22, "'offset' applies to 'file' only"));
}

}  // namespace
}  // namespace vtd::scenario
