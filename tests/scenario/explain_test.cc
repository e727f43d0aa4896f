// Step explanations (explain.h) and their drawing (explain_svg.h). Expected values come from
// the spec digest: the sections that define each structure (translation-structures.md,
// interrupts.md, invalidation.md), the handle layout of a remappable MSI (interrupts.md §1.2),
// and the GCMD/GSTS bits (registers.md §4).
#include "model/scenario/explain.h"

#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/scenario/explain_svg.h"
#include "model/scenario/runner.h"
#include "model/scenario/scenario_loader.h"
#include "tests/scenario/scenario_test_util.h"

namespace vtd::scenario {
namespace {

using ::testing::HasSubstr;
using testing::kPlatform;
using testing::LoadInline;

CollectedRun Explained(const Scenario& s) {
  RunOptions options;
  options.explain = true;
  absl::StatusOr<CollectedRun> run = RunAndCollect(s, options);
  EXPECT_TRUE(run.ok()) << run.status();
  return run.ok() ? *std::move(run) : CollectedRun{};
}

CollectedRun ExplainedInline(const std::string& text) {
  absl::StatusOr<Scenario> s = LoadInline(text);
  EXPECT_TRUE(s.ok()) << s.status();
  return s.ok() ? Explained(*s) : CollectedRun{};
}

const ExplainEntry* FindEntry(const Explanation& x, const std::string& title_prefix) {
  for (const ExplainEntry& e : x.chain) {
    if (absl::StartsWith(e.title, title_prefix)) return &e;
  }
  return nullptr;
}

// S §9.1 root entry, §9.3 context entry, §9.8 second-stage entries.
TEST(ExplainDma, EveryStructureCitesItsSection) {
  CollectedRun run = ExplainedInline(
      absl::StrCat(kPlatform,
                   "steps:\n"
                   "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x1000, hpa: 0x200000, size: 4K}\n"
                   "  - enable:\n"
                   "  - dma: {sid: \"00:02.0\", addr: 0x1234, access: read}\n"));
  ASSERT_EQ(run.steps.size(), 3u);
  ASSERT_TRUE(run.steps[2].explained);
  const Explanation& x = *run.steps[2].explained;
  ASSERT_NE(FindEntry(x, "root entry"), nullptr);
  EXPECT_EQ(FindEntry(x, "root entry")->section, "§9.1");
  ASSERT_NE(FindEntry(x, "context entry"), nullptr);
  EXPECT_EQ(FindEntry(x, "context entry")->section, "§9.3");
  int second_stage = 0;
  for (const ExplainEntry& e : x.chain) {
    if (absl::StartsWith(e.title, "SS-")) {
      EXPECT_EQ(e.section, "§9.8") << e.title;
      ++second_stage;
    }
  }
  EXPECT_EQ(second_stage, 4);  // a 4-level table: PML4E, PDPTE, PDE, PTE
  // The IOVA 0x1234 split as S §3.7 walks a 4-level table: 47:39, 38:30, 29:21, 20:12, 11:0.
  ASSERT_EQ(x.splits.size(), 2u);
  const ExplainSplit& iova = x.splits[1];
  ASSERT_EQ(iova.fields.size(), 5u);
  EXPECT_EQ(iova.fields[0].hi, 47);
  EXPECT_EQ(iova.fields[0].lo, 39);
  EXPECT_EQ(iova.fields[3].hi, 20);
  EXPECT_EQ(iova.fields[3].lo, 12);
  EXPECT_EQ(iova.fields[3].value, 0x1u);
  EXPECT_EQ(iova.fields[4].value, 0x234u);
  // Each index field has the colour of the entry it chose.
  EXPECT_EQ(iova.fields[3].color, FindEntry(x, "SS-PTE")->color);
  EXPECT_FALSE(x.fault);
  EXPECT_THAT(x.outcome, HasSubstr("hpa 0x200234"));
  // The text lines are the same model written out.
  EXPECT_EQ(run.steps[2].explanation, ExplanationText(x));
}

// Scalable mode (S §3.4.3): §9.2 root entry chosen by bus with devfn bit 7 picking the half,
// §9.4 context entry by devfn bits 6:0, §9.5 PASID directory entry by PASID bits 19:6, §9.6
// PASID table entry by PASID bits 5:0. PASID 0x1c5 = directory index 7, table index 5;
// 00:10.0 is devfn 0x80: the upper half, context index 0.
TEST(ExplainDma, ScalableLookupShowsItsIndexBits) {
  CollectedRun run = ExplainedInline(
      "name: t\n"
      "platform:\n"
      "  memory_size: 64M\n"
      "  units:\n"
      "    - {base: 0xfed90000, cap: 0x00d2008c222f0606, ecap: 0x0003699880f00fde}\n"
      "tables: {base: 0x100000, size: 1M}\n"
      "steps:\n"
      "  - map: {sid: \"00:10.0\", domain: 1, iova: 0x1000, hpa: 0x200000, size: 4K, "
      "pasid: 0x1c5}\n"
      "  - enable:\n"
      "  - dma: {sid: \"00:10.0\", addr: 0x1234, access: read, pasid: 0x1c5}\n");
  ASSERT_EQ(run.steps.size(), 3u);
  ASSERT_TRUE(run.steps[2].explained);
  const Explanation& x = *run.steps[2].explained;
  const ExplainEntry* root = FindEntry(x, "scalable-mode root entry");
  const ExplainEntry* context = FindEntry(x, "scalable-mode context entry");
  const ExplainEntry* directory = FindEntry(x, "PASID directory entry");
  const ExplainEntry* table = FindEntry(x, "PASID table entry");
  ASSERT_NE(root, nullptr);
  ASSERT_NE(context, nullptr);
  ASSERT_NE(directory, nullptr);
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(root->section, "§9.2");
  EXPECT_THAT(root->chosen_by, HasSubstr("upper half"));
  EXPECT_EQ(context->section, "§9.4");
  EXPECT_THAT(context->chosen_by, HasSubstr("index 0 "));
  EXPECT_EQ(directory->section, "§9.5");
  EXPECT_THAT(directory->chosen_by, HasSubstr("index 7 (PASID bits 19:6 of 0x1c5)"));
  EXPECT_EQ(table->section, "§9.6");
  EXPECT_THAT(table->chosen_by, HasSubstr("index 5 (PASID bits 5:0 of 0x1c5"));
  // Splits: source-id (bus, devfn bit 7, bits 6:0), PASID (19:6, 5:0), IOVA.
  ASSERT_EQ(x.splits.size(), 3u);
  const ExplainSplit& sid = x.splits[0];
  ASSERT_EQ(sid.fields.size(), 3u);
  EXPECT_EQ(sid.fields[1].hi, 7);
  EXPECT_EQ(sid.fields[1].value, 1u);
  EXPECT_EQ(sid.fields[2].value, 0u);
  EXPECT_EQ(sid.fields[2].color, context->color);
  const ExplainSplit& pasid = x.splits[1];
  ASSERT_EQ(pasid.fields.size(), 2u);
  EXPECT_EQ(pasid.fields[0].hi, 19);
  EXPECT_EQ(pasid.fields[0].lo, 6);
  EXPECT_EQ(pasid.fields[0].value, 7u);
  EXPECT_EQ(pasid.fields[0].color, directory->color);
  EXPECT_EQ(pasid.fields[1].value, 5u);
  EXPECT_EQ(pasid.fields[1].color, table->color);
  EXPECT_NE(directory->color, table->color);
  EXPECT_THAT(x.outcome, HasSubstr("hpa 0x200234"));
}

TEST(ExplainDma, TheFaultIsMarkedWhereTheWalkStopped) {
  CollectedRun run = ExplainedInline(absl::StrCat(
      kPlatform,
      "steps:\n"
      "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x1000, hpa: 0x200000, size: 4K, perm: r}\n"
      "  - enable:\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x1000, access: write}\n"));
  ASSERT_EQ(run.steps.size(), 3u);
  const Explanation& x = *run.steps[2].explained;
  EXPECT_TRUE(x.fault);
  ASSERT_FALSE(x.chain.empty());
  EXPECT_EQ(x.chain.back().mark, EntryMark::kFault);
  EXPECT_THAT(x.chain.back().title, HasSubstr("SS-PTE"));
  EXPECT_THAT(x.outcome, HasSubstr("05h"));  // write not permitted (Table 30 LGN.2)
}

// Lesson 7 of the tutorial: handle 5 in address bits 19:5 (0xfee000b8 >> 5 & 0x7fff = 5),
// SHV=1 with sub-handle 0: interrupt_index 5; the IRTE at IRTA + 16 x 5, remapped format
// (§9.9); requester 00:03.0 fails the SID check (26h).
TEST(ExplainInterrupt, HandleIrteAndSourceCheck) {
  absl::StatusOr<Scenario> s = LoadScenarioFile(std::string(VTD_SOURCE_DIR) +
                                                "/scenarios/tutorial/07-interrupt-remapping.yaml");
  ASSERT_TRUE(s.ok()) << s.status();
  CollectedRun run = Explained(*s);
  const StepResult* remapped = nullptr;
  const StepResult* refused = nullptr;
  for (const StepResult& r : run.steps) {
    if (!r.interrupt) continue;
    if (remapped == nullptr && r.interrupt->status == InterruptStepResult::Status::kOk)
      remapped = &r;
    if (refused == nullptr && r.interrupt->status == InterruptStepResult::Status::kFault)
      refused = &r;
  }
  ASSERT_NE(remapped, nullptr);
  ASSERT_NE(refused, nullptr);
  const Explanation& x = *remapped->explained;
  ASSERT_FALSE(x.splits.empty());
  bool handle_field = false;
  for (const ExplainBits& b : x.splits[0].fields) {
    if (b.hi == 19 && b.lo == 5) {
      handle_field = true;
      EXPECT_EQ(b.value, 5u);
    }
  }
  EXPECT_TRUE(handle_field);
  const ExplainEntry* irte = FindEntry(x, "IRTE");
  ASSERT_NE(irte, nullptr);
  EXPECT_EQ(irte->section, "§9.9");
  ASSERT_TRUE(irte->address);
  EXPECT_EQ(*irte->address, 0x400000u + 16 * 5);
  EXPECT_THAT(x.outcome, HasSubstr("vector 0x30"));

  const Explanation& f = *refused->explained;
  EXPECT_TRUE(f.fault);
  const ExplainEntry* blocked = FindEntry(f, "IRTE");
  ASSERT_NE(blocked, nullptr);
  EXPECT_EQ(blocked->mark, EntryMark::kFault);
  EXPECT_THAT(f.outcome, HasSubstr("26h"));
  EXPECT_THAT(f.outcome, HasSubstr("Table 15"));
  bool check_line = false;
  for (const std::string& line : refused->explanation) {
    check_line |= absl::StrContains(line, "source-id check") && absl::StrContains(line, "FAILS");
  }
  EXPECT_TRUE(check_line);
}

// Posting (S §5.2.3): the posted-format IRTE (§9.10), the PID (§9.11) read and written back
// with PIR[VV] and ON set.
TEST(ExplainInterrupt, PostedReadModifyWrite) {
  absl::StatusOr<Scenario> s = LoadScenarioFile(std::string(VTD_SOURCE_DIR) +
                                                "/scenarios/conformance/ir-posted-interrupt.yaml");
  ASSERT_TRUE(s.ok()) << s.status();
  CollectedRun run = Explained(*s);
  const StepResult* posted = nullptr;
  for (const StepResult& r : run.steps) {
    if (r.interrupt && r.interrupt->status == InterruptStepResult::Status::kPosted) {
      posted = &r;
      break;
    }
  }
  ASSERT_NE(posted, nullptr);
  const Explanation& x = *posted->explained;
  const ExplainEntry* irte = FindEntry(x, "IRTE");
  ASSERT_NE(irte, nullptr);
  EXPECT_EQ(irte->section, "§9.10");
  const ExplainEntry* before = FindEntry(x, "posted-interrupt descriptor (read)");
  const ExplainEntry* after = FindEntry(x, "posted-interrupt descriptor (written back)");
  ASSERT_NE(before, nullptr);
  ASSERT_NE(after, nullptr);
  EXPECT_EQ(before->section, "§9.11");
  EXPECT_EQ(after->mark, EntryMark::kWritten);
  // ON is bit 256 of the PID: bit 0 of qword 4 (interrupts.md §7).
  ASSERT_EQ(before->raw.size(), 1u);
  ASSERT_EQ(after->raw.size(), 1u);
  EXPECT_EQ(before->raw[0] & 1, 0u);
  EXPECT_EQ(after->raw[0] & 1, 1u);
}

// Queue steps: each descriptor cited by its §6.5.2 subsection with what it did; an error names
// where the head stopped.
TEST(ExplainQueue, DescriptorsAndErrors) {
  absl::StatusOr<Scenario> s = LoadScenarioFile(std::string(VTD_SOURCE_DIR) +
                                                "/scenarios/tutorial/08-queued-invalidation.yaml");
  ASSERT_TRUE(s.ok()) << s.status();
  CollectedRun run = Explained(*s);
  bool wait_explained = false;
  bool iotlb_explained = false;
  bool error_explained = false;
  for (const StepResult& r : run.steps) {
    if (!r.queue) continue;
    const Explanation& x = *r.explained;
    for (const ExplainEntry& e : x.chain) {
      if (absl::StrContains(e.title, "inv_wait_dsc")) {
        EXPECT_EQ(e.section, "§6.5.2.8");
        wait_explained |= absl::StrContains(e.note, "status write");
      }
      if (absl::StrContains(e.title, "iotlb_inv_dsc")) {
        EXPECT_EQ(e.section, "§6.5.2.3");
        iotlb_explained |= absl::StrContains(e.note, "dropped");
      }
      if (absl::StrContains(e.title, "queue error")) {
        EXPECT_EQ(e.mark, EntryMark::kFault);
        error_explained |= absl::StrContains(e.chosen_by, "IQH");
      }
    }
  }
  EXPECT_TRUE(wait_explained);
  EXPECT_TRUE(iotlb_explained);
  EXPECT_TRUE(error_explained);
}

// A GCMD write is a command read against GSTS (registers.md §4): QIE=1 moves QIES 0 -> 1.
TEST(ExplainRegisterWrite, GcmdCommandAndStatus) {
  CollectedRun run =
      ExplainedInline(testing::WithSteps("  - mmio_write: {reg: IQT, value: 0}\n"
                                         "  - mmio_write: {reg: IQA, value: 0x300000}\n"
                                         "  - mmio_write: {reg: GCMD, value: 0x04000000}\n"));
  ASSERT_EQ(run.steps.size(), 3u);
  const std::vector<std::string>& lines = run.steps[2].explanation;
  bool command = false, status = false;
  for (const std::string& l : lines) {
    command |= absl::StrContains(l, "command:") && absl::StrContains(l, "QIE=1");
    status |= absl::StrContains(l, "QIES 0->1");
  }
  EXPECT_TRUE(command);
  EXPECT_TRUE(status);
  const ExplainEntry* gcmd = FindEntry(*run.steps[2].explained, "GCMD_REG");
  ASSERT_NE(gcmd, nullptr);
  EXPECT_EQ(gcmd->section, "§11.4.4.1");
}

// Every step of every tutorial has an explanation with something to say.
TEST(ExplainTutorials, EveryStepIsExplained) {
  const std::filesystem::path dir = std::filesystem::path(VTD_SOURCE_DIR) / "scenarios/tutorial";
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    ++files;
    absl::StatusOr<Scenario> s = LoadScenarioFile(entry.path().string());
    ASSERT_TRUE(s.ok()) << s.status();
    CollectedRun run = Explained(*s);
    ASSERT_FALSE(run.steps.empty()) << entry.path();
    for (const StepResult& r : run.steps) {
      ASSERT_TRUE(r.explained) << entry.path() << " step " << r.index;
      EXPECT_FALSE(r.explanation.empty()) << entry.path() << " step " << r.index;
    }
  }
  EXPECT_GE(files, 8);
}

// ---- the drawing ---------------------------------------------------------------------------

Explanation Sample() {
  Explanation x;
  x.kind = "dma";
  x.title = "a <test> & \"quotes\"";
  x.splits.push_back(
      ExplainSplit{"IOVA", 21, {{20, 12, "PT index", 1, 6}, {11, 0, "offset", 0x10, -1}}});
  ExplainEntry e;
  e.title = "SS-PTE (level 1)";
  e.section = "§9.8";
  e.address = 0x105008;
  e.raw = {0x900001};
  e.fields = {{"r", "1"}, {"w", "0"}};
  e.mark = EntryMark::kFault;
  e.color = 6;
  x.AddLine("request line");
  x.AddEntry(e);
  x.outcome = "fault: reason 05h";
  x.fault = true;
  return x;
}

TEST(ExplainSvg, SelfContainedAndDeterministic) {
  const std::string svg = RenderExplanationSvg(Sample(), "heading <1>");
  EXPECT_TRUE(absl::StartsWith(svg, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"1000\""));
  EXPECT_TRUE(absl::EndsWith(svg, "</svg>\n"));
  EXPECT_EQ(svg, RenderExplanationSvg(Sample(), "heading <1>"));
  // Text is escaped; nothing refers outside the document.
  EXPECT_THAT(svg, HasSubstr("a &lt;test&gt; &amp; &quot;quotes&quot;"));
  EXPECT_THAT(svg, HasSubstr("heading &lt;1&gt;"));
  EXPECT_THAT(svg, ::testing::Not(HasSubstr("href")));
  // The entry, its section, its fields and the fault mark are drawn.
  EXPECT_THAT(svg, HasSubstr("SS-PTE (level 1)"));
  EXPECT_THAT(svg, HasSubstr("VT-d spec §9.8"));
  EXPECT_THAT(svg, HasSubstr("r=1  w=0"));
  EXPECT_THAT(svg, HasSubstr("FAULT HERE"));
  EXPECT_THAT(svg, HasSubstr("0000000000900001"));
  EXPECT_THAT(svg, HasSubstr("bits 20:12"));
}

TEST(ExplainSvg, HeightGrowsWithTheStory) {
  Explanation small = Sample();
  Explanation big = Sample();
  for (int i = 0; i < 10; ++i) big.AddEntry(big.chain[0]);
  auto height = [](const std::string& svg) {
    const size_t at = svg.find("height=\"");
    return std::stoi(svg.substr(at + 8));
  };
  EXPECT_GT(height(RenderExplanationSvg(big, "h")), height(RenderExplanationSvg(small, "h")));
}

}  // namespace
}  // namespace vtd::scenario
