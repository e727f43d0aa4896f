// Explanations of first-stage (PGTT=001b) and nested (PGTT=011b) walks. Tables are written
// bit by bit from the digest (translation-structures.md §7 PASID entry, §8 first-stage
// entries, §9 second-stage entries, §11 nested); expected values are worked out from those
// layouts: the IOVA 0x70001010 indexes PML4 0, PDPT 1, PD 0x180 and PT 1 (S §3.6 bit
// ranges 47:39, 38:30, 29:21, 20:12), every first-stage table address of a nested walk goes
// through the second stage first (S §3.8), and A/D are set as S §3.6.2 says.
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/scenario/explain.h"
#include "model/scenario/explain_svg.h"
#include "model/scenario/runner.h"
#include "tests/scenario/explain_test_util.h"

namespace vtd::scenario {
namespace {

using testing::EntryField;
using testing::HasStoryLine;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::RunExplained;

// QEMU's scalable unit with ECAP.FSTS (47), NEST (26), SSADS (45) and SMPWCS (48) added.
// The builders put 00:02.0's tables at: root 0x100000, context table 0x101000, PASID
// directory 0x102000, PASID table 0x103000 (PASID 1's entry at 0x103040), the domain's
// second-stage tables 0x104000 (SS-PML4) .. 0x107000 (SS-PT).
constexpr char kUnit[] =
    "name: t\n"
    "platform:\n"
    "  memory_size: 64M\n"
    "  units:\n"
    "    - {base: 0xfed90000, cap: 0x00d2008c222f0606, ecap: 0x1e93884f00f4a}\n"
    "tables: {base: 0x100000, size: 1M}\n";

// First stage only: FS tables at 0x180000 (PML4) .. 0x183000 (PT); 0x70001000 maps to
// 0x500000 user RW; 0x70002000 to 0x600000 supervisor-only (U/S=0 in the PTE).
constexpr char kFirstStage[] =
    "memory:\n"
    "  - {addr: 0x180000, u64: [0x181007]}\n"
    "  - {addr: 0x181008, u64: [0x182007]}\n"
    "  - {addr: 0x182c00, u64: [0x183007]}\n"
    "  - {addr: 0x183008, u64: [0x500007, 0x600003]}\n"
    "steps:\n"
    "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x1000, hpa: 0x200000, size: 4K, pasid: 1}\n"
    // P | PGTT=001b; DID 1 | PWSNP; FSPTPTR 0x180000, SRE=0.
    "  - mem_write: {addr: 0x103040, u64: [0x41, 0x800001, 0x180000]}\n"
    "  - enable:\n";

// Nested: the guest's FS tables at GPA 0x10000 .. 0x13000, which the second stage maps to
// HPA 0x180000 .. 0x183000; the guest page GPA 0x20000 maps to HPA 0x500000.
constexpr char kNested[] =
    "memory:\n"
    "  - {addr: 0x180000, u64: [0x11007]}\n"
    "  - {addr: 0x181008, u64: [0x12007]}\n"
    "  - {addr: 0x182c00, u64: [0x13007]}\n"
    "  - {addr: 0x183008, u64: [0x20007, 0x30007]}\n"
    "steps:\n"
    "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x10000, hpa: 0x180000, size: 16K, pasid: 1}\n"
    "  - map: {sid: \"00:02.0\", domain: 1, iova: 0x20000, hpa: 0x500000, size: 4K, pasid: 1, "
    "perm: r}\n"
    // P | AW=010b | PGTT=011b | SSPTPTR 0x104000; DID 1 | PWSNP; FSPTPTR (GPA) 0x10000.
    "  - mem_write: {addr: 0x103040, u64: [0x1040c9, 0x800001, 0x10000]}\n"
    "  - enable:\n";

const ExplainEntry* Find(const Explanation& x, const std::string& title_prefix, int nth = 0) {
  for (const ExplainEntry& e : x.chain) {
    if (absl::StartsWith(e.title, title_prefix) && nth-- == 0) return &e;
  }
  return nullptr;
}

// S §9.7 entries, indexed by the IOVA bits S §3.6 gives each level; A set in every entry
// used and D in the leaf of a write (S §3.6.2); XD shown (bit 63, ignored in 5.x).
TEST(ExplainFirstStage, EachLevelWithItsBitsAndTheAccessedDirtyBitsSet) {
  std::vector<StepResult> steps = RunExplained(
      absl::StrCat(kUnit, kFirstStage,
                   "  - dma: {sid: \"00:02.0\", addr: 0x70001010, access: write, pasid: 1}\n"));
  ASSERT_EQ(steps.size(), 4u);
  ASSERT_TRUE(steps[3].explained);
  const Explanation& x = *steps[3].explained;
  const char* titles[] = {"FS-PML4E (level 4)", "FS-PDPE (level 3)", "FS-PDE (level 2)",
                          "FS-PTE (level 1)"};
  const char* bits[] = {"IOVA bits 47:39", "IOVA bits 38:30", "IOVA bits 29:21", "IOVA bits 20:12"};
  const uint64_t addresses[] = {0x180000, 0x181008, 0x182c00, 0x183008};
  for (int i = 0; i < 4; ++i) {
    const ExplainEntry* e = Find(x, titles[i]);
    ASSERT_NE(e, nullptr) << titles[i];
    EXPECT_EQ(e->section, "§9.7");
    EXPECT_THAT(e->chosen_by, HasSubstr(bits[i]));
    ASSERT_TRUE(e->address);
    EXPECT_EQ(*e->address, addresses[i]);
    EXPECT_EQ(EntryField(*e, "p"), "1");
    EXPECT_EQ(EntryField(*e, "rw"), "1");
    EXPECT_EQ(EntryField(*e, "us"), "1");
    EXPECT_EQ(EntryField(*e, "a"), "0");  // as read, before the update
    EXPECT_EQ(EntryField(*e, "xd"), "0");
    if (i < 3) {
      EXPECT_THAT(e->note, HasSubstr("set A (bit 5)"));
      EXPECT_THAT(e->note, Not(HasSubstr("D (bit 6)")));
    }
  }
  EXPECT_THAT(Find(x, "FS-PTE")->note, HasSubstr("set A (bit 5) and D (bit 6)"));
  EXPECT_THAT(Find(x, "FS-PTE")->note, HasSubstr("now 0x500067"));  // 0x500007 | A | D
  EXPECT_EQ(Find(x, "SS-"), nullptr);  // PGTT=001b reads no second-stage entry
  // The IOVA split: the four first-stage indexes and the page offset.
  const ExplainSplit& iova = x.splits.back();
  ASSERT_EQ(iova.fields.size(), 5u);
  EXPECT_EQ(iova.fields[1].value, 1u);
  EXPECT_EQ(iova.fields[2].value, 0x180u);
  EXPECT_EQ(iova.fields[3].value, 1u);
  EXPECT_EQ(iova.fields[4].value, 0x10u);
  EXPECT_TRUE(HasStoryLine(x, "U/S=1 R/W=1; a user request (PR=0) may read and write"));
  EXPECT_FALSE(x.grid.has_value());
  EXPECT_THAT(x.outcome, HasSubstr("hpa 0x500010"));
}

// U/S=0 in the PTE: a user request is SGN.2 (81h), marked on the entry lacking the right;
// a supervisor request with SRE=0 is SPT.6 (5Dh) before any first-stage read.
TEST(ExplainFirstStage, RightsFaultsNameTheConditionAndTheEntry) {
  std::vector<StepResult> steps = RunExplained(absl::StrCat(
      kUnit, kFirstStage,
      "  - dma: {sid: \"00:02.0\", addr: 0x70002000, access: read, pasid: 1}\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x70001000, access: read, pasid: 1, priv: true}\n"));
  ASSERT_EQ(steps.size(), 5u);
  const Explanation& user = *steps[3].explained;
  EXPECT_TRUE(user.fault);
  EXPECT_THAT(user.outcome, HasSubstr("81h"));
  const ExplainEntry* pte = Find(user, "FS-PTE");
  ASSERT_NE(pte, nullptr);
  EXPECT_EQ(pte->mark, EntryMark::kFault);
  EXPECT_EQ(EntryField(*pte, "us"), "0");
  EXPECT_EQ(Find(user, "FS-PDE")->mark, EntryMark::kRead);
  EXPECT_TRUE(HasStoryLine(user, "S §3.6.1"));
  const Explanation& sup = *steps[4].explained;
  EXPECT_THAT(sup.outcome, HasSubstr("5Dh"));
  EXPECT_TRUE(HasStoryLine(sup, "SRE=0"));
  EXPECT_EQ(Find(sup, "FS-"), nullptr);
}

// S §3.8: before each first-stage entry, the second stage translates its guest-physical
// address (FSPTPTR + 8 x index at the top, then each entry's ADDR + 8 x index), then the
// output GPA 0x20010; 4 x (4 + 1) + 4 = 24 reads, drawn as a 5-row grid.
TEST(ExplainNested, EachFirstStageReadFollowsItsSecondStageWalk) {
  std::vector<StepResult> steps = RunExplained(absl::StrCat(
      kUnit, kNested, "  - dma: {sid: \"00:02.0\", addr: 0x70001010, access: read, pasid: 1}\n"));
  ASSERT_EQ(steps.size(), 5u);
  const Explanation& x = *steps[4].explained;
  EXPECT_THAT(x.outcome, HasSubstr("hpa 0x500010"));
  ASSERT_TRUE(x.grid.has_value());
  const ExplainGrid& g = *x.grid;
  EXPECT_EQ(g.second_stage_levels, 4);
  ASSERT_EQ(g.rows.size(), 5u);
  const char* labels[] = {"FS-PML4E at GPA 0x10000", "FS-PDPE at GPA 0x11008",
                          "FS-PDE at GPA 0x12c00", "FS-PTE at GPA 0x13008", "output: GPA 0x20010"};
  // The HPA each row's second-stage walk gives: the SS-PT maps GPA page 0x10+n to
  // 0x180000 + n pages.
  const uint64_t hpas[] = {0x180000, 0x181008, 0x182c00, 0x183008};
  int reads = 0;
  for (int row = 0; row < 5; ++row) {
    EXPECT_EQ(g.rows[row].label, labels[row]);
    ASSERT_EQ(g.rows[row].second_stage.size(), 4u);
    for (int col = 0; col < 4; ++col) {
      const int entry = g.rows[row].second_stage[col];
      ASSERT_GE(entry, 0) << row << " " << col;
      const ExplainEntry& e = x.chain[entry];
      EXPECT_EQ(e.section, "§9.8");
      EXPECT_THAT(e.title, HasSubstr(absl::StrCat("(level ", 4 - col, ")")));
      EXPECT_THAT(e.chosen_by, HasSubstr("GPA bits"));
      ++reads;
    }
    if (row < 4) {
      ASSERT_GE(g.rows[row].first_stage, 0);
      const ExplainEntry& fs = x.chain[g.rows[row].first_stage];
      EXPECT_EQ(fs.section, "§9.7");
      ASSERT_TRUE(fs.address);
      EXPECT_EQ(*fs.address, hpas[row]);
      ++reads;
    } else {
      EXPECT_EQ(g.rows[row].first_stage, -1);
      EXPECT_EQ(g.rows[row].result, "HPA 0x500010");
    }
  }
  EXPECT_EQ(reads, 24);
  // The SS-PTE of the PML4E's row is index 0x10 (GPA 0x10000 bits 20:12) at 0x107000 + 8 x 0x10.
  EXPECT_EQ(*x.chain[g.rows[0].second_stage[3]].address, 0x107080u);
  // The IOVA split holds the first-stage indexes only; the output GPA has its own.
  ASSERT_GE(x.splits.size(), 2u);
  const ExplainSplit& iova = x.splits[x.splits.size() - 2];
  EXPECT_THAT(iova.title, HasSubstr("IOVA 0x70001010"));
  EXPECT_EQ(iova.fields.size(), 5u);
  const ExplainSplit& gpa = x.splits.back();
  EXPECT_THAT(gpa.title, HasSubstr("GPA 0x20010"));
  ASSERT_EQ(gpa.fields.size(), 5u);
  EXPECT_EQ(gpa.fields[3].value, 0x20u);
  // Rights: the first stage gives RW; the second stage's output page is read-only.
  EXPECT_TRUE(HasStoryLine(x, "R=1 W=0"));
  EXPECT_TRUE(HasStoryLine(x, "(ANDed, S §3.8, §6.2.4): R-"));
  // The drawing holds the grid: a header per second-stage level and the row labels.
  const std::string svg = RenderExplanationSvg(x, "nested");
  for (const char* text :
       {">SS-PML4E<", ">SS-PTE<", ">first-stage entry<", ">FS-PDE at GPA 0x12c00<", ">#24<"}) {
    EXPECT_THAT(svg, HasSubstr(text));
  }
}

// A fault in each stage, told apart by the reason (Table 30): the output page is read-only
// in the second stage, so a write is SGN.6 (85h) on the output's SS-PTE; the guest's PTE for
// 0x70002000 points to GPA 0x30000, which the second stage does not map (R=W=0: SSS.2, 79h);
// a page the guest never mapped (PTE index 3, P=0) is SFS.2 (71h).
TEST(ExplainNested, TheFaultSaysWhichStageRefused) {
  std::vector<StepResult> steps = RunExplained(
      absl::StrCat(kUnit, kNested,
                   "  - dma: {sid: \"00:02.0\", addr: 0x70001010, access: write, pasid: 1}\n"
                   "  - dma: {sid: \"00:02.0\", addr: 0x70002010, access: read, pasid: 1}\n"
                   "  - dma: {sid: \"00:02.0\", addr: 0x70003010, access: read, pasid: 1}\n"));
  ASSERT_EQ(steps.size(), 7u);
  const Explanation& write = *steps[4].explained;
  EXPECT_THAT(write.outcome, HasSubstr("85h"));
  EXPECT_TRUE(HasStoryLine(write, "the second stage (the host's tables) refused it"));
  const ExplainGridRow& output = write.grid->rows.back();
  EXPECT_EQ(write.chain[output.second_stage[3]].mark, EntryMark::kFault);
  EXPECT_EQ(EntryField(write.chain[output.second_stage[3]], "w"), "0");

  const Explanation& unmapped_gpa = *steps[5].explained;
  EXPECT_THAT(unmapped_gpa.outcome, HasSubstr("79h"));
  EXPECT_TRUE(HasStoryLine(unmapped_gpa, "the second stage (the host's tables) refused it"));
  EXPECT_TRUE(HasStoryLine(unmapped_gpa, "the first stage gave guest-physical 0x30010"));

  const Explanation& not_present = *steps[6].explained;
  EXPECT_THAT(not_present.outcome, HasSubstr("71h"));
  EXPECT_TRUE(HasStoryLine(not_present, "the first stage (the guest's tables) refused it"));
  EXPECT_EQ(not_present.chain.back().mark, EntryMark::kFault);
  EXPECT_THAT(not_present.chain.back().title, HasSubstr("FS-PTE"));
}

// SSADE=1 (S §3.7.2): the second-stage entries a nested walk uses get A (bit 8), and the
// output's SS-PTE D (bit 9) on a write; the first-stage entries A (bit 5) and the leaf D
// (bit 6) as without nesting (S §3.6.2).
TEST(ExplainNested, SecondStageAccessedDirtyWithSsade) {
  std::vector<StepResult> steps = RunExplained(absl::StrCat(
      kUnit,
      "steps:\n"
      "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: nested, iova: 0x7000_1000, "
      "gpa: 0x345000, hpa: 0x300000, size: 4K, ssade: true}\n"
      "  - enable:\n"
      "  - dma: {sid: \"00:02.0\", addr: 0x70001010, access: write, pasid: 1}\n"));
  ASSERT_EQ(steps.size(), 3u);
  const Explanation& x = *steps[2].explained;
  EXPECT_THAT(x.outcome, HasSubstr("hpa 0x300010"));
  ASSERT_TRUE(x.grid.has_value());
  const ExplainGridRow& pml4 = x.grid->rows.front();
  EXPECT_THAT(x.chain[pml4.second_stage[0]].note, HasSubstr("set A (bit 8)"));
  EXPECT_THAT(x.chain[pml4.first_stage].note, HasSubstr("set A (bit 5)"));
  const ExplainGridRow& output = x.grid->rows.back();
  EXPECT_THAT(x.chain[output.second_stage[3]].note, HasSubstr("D (bit 9)"));
  const ExplainGridRow& pte = x.grid->rows[3];
  EXPECT_THAT(x.chain[pte.first_stage].note, HasSubstr("A (bit 5) and D (bit 6)"));
}

}  // namespace
}  // namespace vtd::scenario
