// The scenario runner (model/scenario/runner.h) and its results (results.h): execution of
// every action, expectations, the JSON shape of ../shared/scenario-format.md, the timing hook.
#include "model/scenario/runner.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/scenario/results.h"
#include "model/scenario/scenario_loader.h"
#include "model/scenario/timing_hook.h"
#include "tests/scenario/scenario_test_util.h"

namespace vtd::scenario {
namespace {

using ::testing::HasSubstr;
using ::vtd::scenario::testing::kPlatform;
using ::vtd::scenario::testing::LoadInline;

CollectedRun MustRun(const std::string& text, RunOptions options = {}) {
  absl::StatusOr<Scenario> s = LoadInline(text);
  EXPECT_TRUE(s.ok()) << s.status();
  if (!s.ok()) return {};
  // The collected steps point into the scenario; keep it alive for the test.
  static std::vector<std::unique_ptr<Scenario>>* keep = new std::vector<std::unique_ptr<Scenario>>;
  keep->push_back(std::make_unique<Scenario>(std::move(*s)));
  absl::StatusOr<CollectedRun> run = RunAndCollect(*keep->back(), std::move(options));
  EXPECT_TRUE(run.ok()) << run.status();
  return run.ok() ? std::move(*run) : CollectedRun{};
}

// S §3.4.2, §3.7: the builders' tables translate; faults are reported with reason and name.
TEST(ScenarioRunnerSec3_4, MapEnableTranslateAndFault) {
  CollectedRun run =
      MustRun(absl::StrCat(kPlatform,
                           "steps:\n"
                           "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x1000, "
                           "hpa: 0x200000, size: 4K, perm: r}\n"
                           "  - enable:\n"
                           "  - dma: {sid: \"00:02.0\", addr: 0x1010, access: read}\n"
                           "    expect: {hpa: 0x200010}\n"
                           "  - dma: {sid: \"00:02.0\", addr: 0x1010, access: write}\n"
                           "    expect: {fault: LGN.2}\n"
                           "  - mmio_read: {reg: FRCD0_HI}\n"));
  ASSERT_EQ(run.steps.size(), 5u);
  EXPECT_TRUE(run.summary.passed);
  ASSERT_TRUE(run.steps[2].dma.has_value());
  EXPECT_EQ(run.steps[2].dma->status, DmaStepResult::Status::kOk);
  EXPECT_EQ(run.steps[2].dma->hpa, 0x200010u);
  EXPECT_EQ(run.steps[2].dma->unit, "dmar0");
  ASSERT_TRUE(run.steps[3].dma.has_value());
  EXPECT_EQ(run.steps[3].dma->status, DmaStepResult::Status::kFault);
  EXPECT_EQ(run.steps[3].dma->reason, FaultReason::kWriteNotPermitted);
  EXPECT_EQ(run.steps[3].dma->condition, FaultCondition::kLgn2);
  EXPECT_TRUE(run.steps[3].dma->recorded);
  // FRCD_REG[0] bits 127:64: F=1, FR=05h, SID 0x10 (S §11.4.7.6).
  ASSERT_TRUE(run.steps[4].value.has_value());
  EXPECT_EQ(*run.steps[4].value & 0x800000ff0000ffffULL, 0x8000000500000010ULL);
  EXPECT_EQ(run.summary.dma, 2u);
  EXPECT_EQ(run.summary.dma_faults, 1u);
}

// The builder's bytes are what a driver writes (S §9.1, §9.3, §9.8).
TEST(ScenarioRunnerSec9, BuilderWritesDriverBytes) {
  CollectedRun run = MustRun(absl::StrCat(
      kPlatform,
      "steps:\n"
      "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x1000, hpa: 0x200000, size: 4K}\n"
      "  - map: {sid: \"00:03.0\", domain: 1, iova: 0x2000, hpa: 0x300000, size: 4K}\n"
      "  - mem_read: {addr: 0x100000, width: 64}\n"  // root entry bus 0
      "    expect: {value: 0x101001}\n"
      "  - mem_read: {addr: 0x101100, width: 64}\n"  // context 00:02.0 low
      "    expect: {value: 0x102001}\n"
      "  - mem_read: {addr: 0x101108, width: 64}\n"  // context high: DID 1, AW 2
      "    expect: {value: 0x102}\n"
      "  - mem_read: {addr: 0x101180, width: 64}\n"  // 00:03.0 shares domain 1's tables
      "    expect: {value: 0x102001}\n"
      "  - mem_read: {addr: 0x105008, width: 64}\n"  // SS-PTE for 0x1000
      "    expect: {value: 0x200003}\n"
      "  - mem_read: {addr: 0x105010, width: 64}\n"  // SS-PTE for 0x2000
      "    expect: {value: 0x300003}\n"));
  EXPECT_TRUE(run.summary.passed);
  for (const StepResult& s : run.steps) EXPECT_TRUE(s.ok) << s.index << ": " << s.failures[0];
}

// `enable` on a scalable-mode unit runs the Linux bring-up (scenarios/README.md "Builders"):
// the queue at the first free pool pages with IQA.DW=1, QS=1; RTADDR.TTM=01b; cc_inv_dsc
// global (type 1, G=01b), pc_inv_dsc global (type 7, G=11b), iotlb_inv_dsc global with DR/DW
// (type 2, G=01b, bits 7:6), each followed by a wait descriptor (type 5, SW, status data 2 at
// the wait slot's status dword); then TE (S §6.5.2.1-§6.5.2.3, §6.5.2.8, §11.4.5, §11.4.9.3).
// Pool: root 0x100000, context table 0x101000, PASID directory 0x102000, PASID table
// 0x103000, SS tables 0x104000-0x107000, queue 0x108000-0x109fff, status page 0x10a000.
TEST(ScenarioRunnerSec6_5, ScalableEnableRunsTheLinuxSequence) {
  CollectedRun run = MustRun(
      "name: t\n"
      "platform:\n"
      "  memory_size: 64M\n"
      "  units:\n"
      "    - {base: 0xfed90000, cap: 0x00d2008c222f0606, ecap: 0x0000493880f00f4a}\n"
      "tables: {base: 0x100000, size: 1M}\n"
      "steps:\n"
      "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x1000, hpa: 0x200000, size: 4K, pasid: 3}\n"
      "  - enable:\n"
      "  - mmio_read: {reg: IQA, width: 64}\n"
      "    expect: {value: 0x108801}\n"
      "  - mmio_read: {reg: RTADDR, width: 64}\n"
      "    expect: {value: 0x100400}\n"
      "  - mmio_read: {reg: GSTS}\n"
      "    expect: {value: 0xc4000000}\n"
      "  - mmio_read: {reg: IQH, width: 64}\n"
      "    expect: {value: 0xc0}\n"
      "  - mem_read: {addr: 0x108000, width: 64}\n"
      "    expect: {value: 0x11}\n"
      "  - mem_read: {addr: 0x108020, width: 64}\n"
      "    expect: {value: 0x200000025}\n"
      "  - mem_read: {addr: 0x108028, width: 64}\n"
      "    expect: {value: 0x10a004}\n"
      "  - mem_read: {addr: 0x108040, width: 64}\n"
      "    expect: {value: 0x37}\n"
      "  - mem_read: {addr: 0x108068, width: 64}\n"
      "    expect: {value: 0x10a00c}\n"
      "  - mem_read: {addr: 0x108080, width: 64}\n"
      "    expect: {value: 0xd2}\n"
      "  - mem_read: {addr: 0x1080a8, width: 64}\n"
      "    expect: {value: 0x10a014}\n"
      "  - mem_read: {addr: 0x10a014, width: 32}\n"
      "    expect: {value: 2}\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x1010, access: read, pasid: 3}\n"
      "    expect: {hpa: 0x200010}\n");
  EXPECT_TRUE(run.summary.passed);
  for (const StepResult& s : run.steps) {
    EXPECT_TRUE(s.ok) << s.index << ": " << (s.failures.empty() ? "" : s.failures[0]);
  }
}

// `repeat` unrolls with stride: indices count every iteration, addresses and expected hpa move.
TEST(ScenarioRunnerRepeat, StrideAdvancesAddressesAndExpectations) {
  CollectedRun run = MustRun(absl::StrCat(
      kPlatform,
      "steps:\n"
      "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x10000, hpa: 0x400000, size: 16K}\n"
      "  - enable:\n"
      "  - repeat:\n"
      "      count: 4\n"
      "      stride: 0x1000\n"
      "      steps:\n"
      "        - dma: {sid: \"00:02.0\", addr: 0x10008, access: read}\n"
      "          expect: {hpa: 0x400008}\n"));
  ASSERT_EQ(run.steps.size(), 6u);
  for (int i = 0; i < 4; ++i) {
    const StepResult& s = run.steps[2 + i];
    EXPECT_EQ(s.index, 2u + i);
    ASSERT_TRUE(s.dma.has_value());
    EXPECT_EQ(s.dma->hpa, 0x400008u + 0x1000u * i);
    EXPECT_TRUE(s.ok);
  }
}

// A requester no unit remaps (S §8.3): not translated, and the step says so.
TEST(ScenarioRunnerSec8_3, UnroutedRequesterPassesUntranslated) {
  CollectedRun run = MustRun(
      "name: t\n"
      "platform:\n"
      "  units:\n"
      "    - base: 0xfed90000\n"
      "      scope: [\"00:02.0\"]\n"
      "steps:\n"
      "  - dma: {sid: \"00:05.0\", addr: 0x1234, access: write}\n"
      "    expect: {hpa: 0x1234}\n");
  ASSERT_EQ(run.steps.size(), 1u);
  EXPECT_TRUE(run.steps[0].ok);
  EXPECT_EQ(run.steps[0].dma->unit, "");
  ASSERT_FALSE(run.steps[0].notes.empty());
  EXPECT_THAT(run.steps[0].notes[0], HasSubstr("no remapping unit remaps 00:05.0"));
}

// Interrupt remapping off (S §5.1.4): a compatibility-format MSI is decoded and passed.
TEST(ScenarioRunnerSec5_1, InterruptPassesThroughCompatibilityFormat) {
  CollectedRun run = MustRun(absl::StrCat(kPlatform,
                                          "steps:\n"
                                          "  - interrupt: {sid: \"00:1f.0\", address: 0xfee0300c, "
                                          "data: 0xc131}\n"
                                          "    expect: {vector: 0x31, dest: 3, trigger: level, "
                                          "delivery_mode: lowest, dest_mode: logical}\n"
                                          "  - interrupt: {sid: \"00:1f.0\", address: 0xfee00000, "
                                          "data: 0x30}\n"
                                          "    expect: {vector: 0x31}\n"));
  ASSERT_EQ(run.steps.size(), 2u);
  EXPECT_TRUE(run.steps[0].ok) << run.steps[0].failures[0];
  EXPECT_FALSE(run.steps[1].ok);
  EXPECT_THAT(run.steps[1].failures[0], HasSubstr("vector 0x31, got 0x30"));
  EXPECT_FALSE(run.summary.passed);
}

// Expectations that do not hold: the step and the run fail, with the reason in words.
TEST(ScenarioRunnerExpect, MismatchesAreReported) {
  CollectedRun run =
      MustRun(absl::StrCat(kPlatform,
                           "steps:\n"
                           "  - enable:\n"
                           "  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read}\n"
                           "    expect: {hpa: 0x1000}\n"
                           "  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read}\n"
                           "    expect: {fault: LCT.2}\n"
                           "  - mmio_read: {reg: FSTS}\n"
                           "    expect: {value: 0x2, mask: 0x2}\n"));
  ASSERT_EQ(run.steps.size(), 4u);
  EXPECT_FALSE(run.steps[1].ok);
  EXPECT_THAT(run.steps[1].failures[0], HasSubstr("hpa 0x1000, got fault 0x1 LRT.2"));
  EXPECT_FALSE(run.steps[2].ok);
  EXPECT_THAT(run.steps[2].failures[0], HasSubstr("got fault 0x1"));
  EXPECT_TRUE(run.steps[3].ok);
  EXPECT_EQ(run.summary.failed, 2u);
}

// A StepTimer's per-step cycles go into the result and are checked (timing hook).
class CountingTimer : public StepTimer {
 public:
  void OnCacheLookup(const CacheLookupEvent&) override { cycles_ += 10; }
  void BeginStep() override { cycles_ = 1; }
  std::optional<uint64_t> EndStep() override { return cycles_; }
  Json Stats() const override {
    Json j = Json::MakeObject();
    j.Set("steps_timed", 1);
    return j;
  }

 private:
  uint64_t cycles_ = 0;
};

TEST(ScenarioRunnerTiming, TimerCyclesAndExpectations) {
  const std::string text = absl::StrCat(kPlatform,
                                        "steps:\n"
                                        "  - mmio_read: {reg: GSTS}\n"
                                        "    expect: {cycles: 1}\n"
                                        "  - mmio_read: {reg: GSTS}\n"
                                        "    expect: {cycles_max: 0}\n");
  CollectedRun untimed = MustRun(text);
  ASSERT_EQ(untimed.steps.size(), 2u);
  EXPECT_FALSE(untimed.steps[0].cycles.has_value());
  EXPECT_FALSE(untimed.steps[0].ok);
  EXPECT_THAT(untimed.steps[0].failures[0], HasSubstr("no timing model is attached"));

  RunOptions options;
  options.timer = [](const Scenario&) -> absl::StatusOr<std::unique_ptr<StepTimer>> {
    return std::make_unique<CountingTimer>();
  };
  CollectedRun timed = MustRun(text, options);
  ASSERT_EQ(timed.steps.size(), 2u);
  EXPECT_EQ(timed.steps[0].cycles, std::optional<uint64_t>(1));
  EXPECT_TRUE(timed.steps[0].ok);
  EXPECT_FALSE(timed.steps[1].ok);
  EXPECT_THAT(timed.steps[1].failures[0], HasSubstr("at most 0 cycles, got 1"));
  EXPECT_EQ(timed.summary.stats.Dump(-1), "{\"steps_timed\":1}");
  EXPECT_EQ(StepResultToJson(timed.steps[0]).Dump(-1),
            "{\"index\":0,\"action\":\"mmio_read\",\"result\":{\"value\":\"0x0\"},\"cycles\":1,"
            "\"ok\":true}");
}

// The timing model behind the hook: a DMA that hits the IOTLB costs less than the cold walk
// that filled it; software memory steps and builders have no cycles; overrides are checked.
TEST(ScenarioRunnerTiming, TimingModelCyclesAndOverrides) {
  RunOptions options;
  options.timer = TimingModelTimer();
  CollectedRun run = MustRun(
      absl::StrCat(kPlatform,
                   "steps:\n"
                   "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x1000, hpa: 0x200000, size: 4K}\n"
                   "  - enable:\n"
                   "  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read}\n"
                   "  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read}\n"
                   "  - mem_read: {addr: 0x1000, width: 8}\n"),
      options);
  ASSERT_EQ(run.steps.size(), 5u);
  EXPECT_FALSE(run.steps[0].cycles.has_value());
  ASSERT_TRUE(run.steps[2].cycles.has_value());
  ASSERT_TRUE(run.steps[3].cycles.has_value());
  EXPECT_GT(*run.steps[2].cycles, *run.steps[3].cycles);
  EXPECT_FALSE(run.steps[4].cycles.has_value());
  EXPECT_TRUE(run.summary.stats.is_object());

  absl::StatusOr<Scenario> bad = LoadInline(absl::StrCat(kPlatform,
                                                         "timing: {iotlb_hitt: 3}\n"
                                                         "steps:\n"
                                                         "  - mmio_read: {reg: GSTS}\n"));
  ASSERT_TRUE(bad.ok()) << bad.status();
  absl::Status checked = CheckTimingOverrides(*bad);
  EXPECT_FALSE(checked.ok());
  EXPECT_THAT(std::string(checked.message()), HasSubstr("inline.yaml:7:"));

  // The data file's `iotlb_hit` and `preset: unit` (for `preset.unit: 1`) are accepted.
  absl::StatusOr<Scenario> spelled =
      LoadInline(absl::StrCat(kPlatform,
                              "timing: {preset: unit, iotlb_hit: 3}\n"
                              "steps:\n"
                              "  - mmio_read: {reg: GSTS}\n"));
  ASSERT_TRUE(spelled.ok()) << spelled.status();
  ASSERT_EQ(spelled->timing.size(), 2u);
  EXPECT_EQ(spelled->timing[0].key, "preset.unit");
  EXPECT_TRUE(CheckTimingOverrides(*spelled).ok());
}

// S §6.5: with the checker on, a stale IOTLB hit fails the step unless expected.
TEST(ScenarioRunnerSec6_5, InvalidationCheckerCatchesStaleIotlb) {
  const std::string body =
      "steps:\n"
      "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x1000, hpa: 0x200000, size: 4K}\n"
      "  - enable:\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read}\n"
      "  - mem_write: {addr: 0x105008, u64: 0x400003}\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read}\n"
      "    expect: {hpa: 0x200000}\n";
  std::string with_checker = kPlatform;
  with_checker.replace(with_checker.find("  units:"), 0, "  check_invalidation: true\n");
  CollectedRun run = MustRun(with_checker + body);
  ASSERT_EQ(run.steps.size(), 5u);
  EXPECT_FALSE(run.steps[4].stale.empty());
  EXPECT_FALSE(run.steps[4].ok);
  EXPECT_THAT(run.steps[4].failures[0], HasSubstr("stale"));
  CollectedRun off = MustRun(absl::StrCat(kPlatform, body));
  EXPECT_TRUE(off.steps[4].stale.empty());
  EXPECT_TRUE(off.steps[4].ok);
  std::string with_expect = with_checker + body;
  with_expect.replace(with_expect.rfind("hpa: 0x200000}"), 14, "hpa: 0x200000, stale: iotlb}");
  CollectedRun ok = MustRun(with_expect);
  EXPECT_TRUE(ok.steps[4].ok);
}

// The JSON document's shape (contract "JSON output"), for every result form.
TEST(ScenarioResultsJson, ContractShape) {
  StepResult ok_dma;
  ok_dma.index = 3;
  ok_dma.action = ActionKind::kDma;
  ok_dma.dma = DmaStepResult{};
  ok_dma.dma->hpa = 0x200010;
  ok_dma.cycles = 412;
  EXPECT_EQ(StepResultToJson(ok_dma).Dump(-1),
            "{\"index\":3,\"action\":\"dma\",\"result\":{\"status\":\"ok\",\"hpa\":\"0x200010\"},"
            "\"cycles\":412,\"ok\":true}");
  StepResult fault = ok_dma;
  fault.index = 4;
  fault.cycles.reset();
  fault.dma->status = DmaStepResult::Status::kFault;
  fault.dma->reason = FaultReason::kReadNotPermitted;
  fault.dma->condition = FaultCondition::kLgn3;
  fault.dma->recorded = true;
  EXPECT_EQ(StepResultToJson(fault).Dump(-1),
            "{\"index\":4,\"action\":\"dma\",\"result\":{\"status\":\"fault\",\"reason\":\"0x6\","
            "\"name\":\"LGN.3\",\"recorded\":true},\"ok\":true}");
  StepResult irq;
  irq.index = 6;
  irq.action = ActionKind::kInterrupt;
  irq.interrupt = InterruptStepResult{};
  irq.interrupt->vector = 0x30;
  irq.interrupt->dest = 1;
  EXPECT_EQ(StepResultToJson(irq).Dump(-1),
            "{\"index\":6,\"action\":\"interrupt\",\"result\":{\"status\":\"ok\",\"vector\":"
            "\"0x30\",\"dest\":\"0x1\"},\"ok\":true}");
  StepResult failed;
  failed.index = 5;
  failed.action = ActionKind::kMmioRead;
  failed.value = 0x80000000;
  failed.ok = false;
  failed.failures = {"value 0x1, got 0x80000000"};
  EXPECT_EQ(StepResultToJson(failed).Dump(-1),
            "{\"index\":5,\"action\":\"mmio_read\",\"result\":{\"value\":\"0x80000000\"},"
            "\"ok\":false,\"message\":\"value 0x1, got 0x80000000\"}");

  JsonReportWriter writer;
  StepResult write;
  write.action = ActionKind::kMmioWrite;
  writer.AddStep(write);
  writer.AddStep(ok_dma);
  RunSummary summary;
  summary.scenario = "legacy-4k-translate";
  EXPECT_EQ(writer.Finish(summary),
            "{\n"
            "  \"scenario\": \"legacy-4k-translate\",\n"
            "  \"passed\": true,\n"
            "  \"steps\": [\n"
            "    {\"index\":0,\"action\":\"mmio_write\",\"ok\":true},\n"
            "    {\"index\":3,\"action\":\"dma\",\"result\":{\"status\":\"ok\",\"hpa\":"
            "\"0x200010\"},\"cycles\":412,\"ok\":true}\n"
            "  ],\n"
            "  \"stats\": {}\n"
            "}");
}

// Input errors found while running fail the step, with FILE:LINE:COL (the builders' pool is
// full), and stop the run.
TEST(ScenarioRunnerErrors, TablePoolExhaustedNamesTheStep) {
  absl::StatusOr<Scenario> s = LoadInline(
      "name: t\n"
      "platform:\n"
      "  memory_size: 64M\n"
      "  units:\n"
      "    - base: 0xfed90000\n"
      "tables: {base: 0x100000, size: 8K}\n"
      "steps:\n"
      "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x1000, hpa: 0x200000, size: 4K}\n");
  ASSERT_TRUE(s.ok()) << s.status();
  absl::StatusOr<CollectedRun> run = RunAndCollect(*s);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_FALSE(run->summary.passed);
  ASSERT_EQ(run->steps.size(), 1u);
  EXPECT_FALSE(run->steps[0].ok);
  EXPECT_THAT(run->steps[0].error, HasSubstr("inline.yaml:8:"));
  EXPECT_THAT(run->steps[0].error, HasSubstr("table pool"));
  const Json j = StepResultToJson(run->steps[0]);
  EXPECT_THAT(j.Dump(-1), HasSubstr("\"error\":"));
}

// Explanations only when asked (traces cost memory), and only for the step asked for.
TEST(ScenarioRunnerExplain, OnlyWhenAsked) {
  const std::string text =
      absl::StrCat(kPlatform,
                   "steps:\n"
                   "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x1000, hpa: 0x200000, size: 4K}\n"
                   "  - enable:\n"
                   "  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read}\n"
                   "  - dma: {sid: \"00:02.0\", addr: 0x1000, access: read}\n");
  CollectedRun plain = MustRun(text);
  EXPECT_TRUE(plain.steps[2].explanation.empty());
  RunOptions options;
  options.explain = true;
  options.explain_step = 3;
  CollectedRun one = MustRun(text, options);
  EXPECT_TRUE(one.steps[2].explanation.empty());
  ASSERT_FALSE(one.steps[3].explanation.empty());
  bool iotlb_hit = false;
  for (const std::string& line : one.steps[3].explanation) {
    iotlb_hit |=
        line.find("IOTLB lookup") != std::string::npos && line.find("hit") != std::string::npos;
  }
  EXPECT_TRUE(iotlb_hit);
}

}  // namespace
}  // namespace vtd::scenario
