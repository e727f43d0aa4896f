// `map` with `pgtt: first` and `pgtt: nested` (scenarios/README.md "First-stage and nested"):
// the contradictions the loader rejects, each naming the line and column of the value at
// fault and what was expected. Capabilities from registers.md: FSTS (ECAP 47), NEST (26),
// EAFS (34), SRS (31), SSADS (45); FS1GP (CAP 56), FS5LP (CAP 60).
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/scenario/scenario_loader.h"
#include "tests/scenario/scenario_test_util.h"
#include "tests/testing/status_matchers.h"

namespace vtd::scenario {
namespace {

using testing::HasErrorAt;
using ::testing::HasSubstr;
using testing::LoadInline;
using testing::WithScalableUnit;
using vtd::testing::IsOk;

// QEMU's scalable unit with PASID (ECAP 0x0000493880f00f4a: SRS, no FSTS/NEST/EAFS/SSADS)...
constexpr char kNoFirstStage[] = "0x0000493880f00f4a";
// ... plus FSTS, NEST, SMPWCS (48) and SSADS.
constexpr char kFirstStage[] = "0x0001e93884f00f4a";

TEST(FirstStageMapTest, FirstStageAndNestedLoad) {
  EXPECT_THAT(
      LoadInline(WithScalableUnit(kFirstStage,
                                  "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: first, "
                                  "iova: 0x1000, hpa: 0x200000, size: 4K, perm: r, user: false, "
                                  "xd: true, sre: true, wpe: true}\n"
                                  "  - map: {sid: \"00:02.0\", domain: 2, pasid: 2, pgtt: nested, "
                                  "iova: 0x1000, gpa: 0x5000, hpa: 0x300000, size: 4K, ss_perm: r, "
                                  "ssade: true, ss_levels: 4, guest_tables: 0x80000}\n")),
      IsOk());
}

TEST(FirstStageMapTest, FirstStageRangeIsCanonical) {
  // 4-level: the lower half ends at 2^47, the upper half starts at 0xffff800000000000.
  EXPECT_THAT(
      LoadInline(WithScalableUnit(kFirstStage,
                                  "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: first, "
                                  "iova: 0x7fff_ffff_f000, hpa: 0, size: 8K}\n")),
      HasErrorAt(8, 67, "the range is not canonical for a 4-level first stage"));
  EXPECT_THAT(
      LoadInline(WithScalableUnit(kFirstStage,
                                  "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: first, "
                                  "iova: 0xffff_8000_0000_0000, hpa: 0, size: 8K}\n")),
      IsOk());
}

// A nested map without `gpa` has no guest-physical page to back.
TEST(FirstStageMapTest, NestedNeedsGpa) {
  EXPECT_THAT(
      LoadInline(WithScalableUnit(kFirstStage,
                                  "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: nested, "
                                  "iova: 0, hpa: 0, size: 4K}\n")),
      ::testing::Not(IsOk()));
}

// The summary of a nested map names both sets of rights, `perm` the first stage's and
// `ss_perm` the second stage's: an access needs both (S §3.8).
TEST(FirstStageMapTest, NestedMapSummaryNamesBothStagesRights) {
  testing::Ran r = testing::RunText(
      WithScalableUnit(kFirstStage,
                       "  - map: {sid: \"00:02.0\", domain: 2, pasid: 2, pgtt: nested, "
                       "iova: 0x1000, gpa: 0x5000, hpa: 0x300000, size: 4K, ss_perm: r}\n"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.steps.size(), 1u);
  EXPECT_THAT(r.steps[0].what,
              HasSubstr("-> gpa 0x5000 -> hpa 0x300000 first stage rw, second stage r, 4K pages"));
}

// Depth defaults: a first stage has 4 levels whatever CAP.SAGAW says (FSPM does not depend on
// it); a nested second stage, like a second-stage map, takes the largest AGAW the unit has.
TEST(FirstStageMapTest, DepthDefaults) {
  // CAP.SAGAW (12:8) = 00010b: 39-bit (3-level) second stage only.
  const std::string text = absl::StrCat(
      "name: t\n"
      "platform:\n"
      "  memory_size: 64M\n"
      "  units:\n"
      "    - {base: 0xfed90000, cap: 0x00d2008c222f0206, ecap: ",
      kFirstStage,
      "}\n"
      "tables: {base: 0x100000, size: 1M}\n"
      "steps:\n"
      "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: first, iova: 0, hpa: 0, size: 4K}\n"
      "  - map: {sid: \"00:02.0\", domain: 2, pasid: 2, pgtt: nested, iova: 0, gpa: 0, hpa: 0, "
      "size: 4K}\n");
  absl::StatusOr<Scenario> s = LoadInline(text);
  ASSERT_THAT(s, IsOk());
  EXPECT_EQ(std::get<MapStep>(s->steps[0].action).levels.value, 4);
  EXPECT_EQ(std::get<MapStep>(s->steps[1].action).levels.value, 4);
  EXPECT_EQ(std::get<MapStep>(s->steps[1].action).ss_levels.value, 3);
}

// Each contradiction, at the line and column of the value at fault.
std::vector<testing::LoadErrorCase> ErrorCases() {
  return {
      {"TranslationTypeNeedsItsCapability",
       WithScalableUnit(kNoFirstStage,
                        "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: first, "
                        "iova: 0, hpa: 0, size: 4K}\n"),
       8, 54, "dmar0 has no first-stage translation (ECAP.FSTS=0"},
      {"TranslationTypeNeedsItsCapability",
       WithScalableUnit(kNoFirstStage,
                        "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: nested, "
                        "iova: 0, gpa: 0, hpa: 0, size: 4K}\n"),
       8, 54, "dmar0 has no nested translation (ECAP.NEST=0"},
      {"PasidEntryFieldsNeedTheirCapability",
       WithScalableUnit(kFirstStage,
                        "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: first, "
                        "iova: 0, hpa: 0, size: 4K, eafe: true}\n"),
       8, 94, "ECAP.EAFS=0, so EAFE is reserved"},
      // kNoFirstStage without SRS.
      {"PasidEntryFieldsNeedTheirCapability",
       WithScalableUnit("0x0000493800f00f4a",
                        "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: second, "
                        "iova: 0, hpa: 0, size: 4K, ssade: true}\n"),
       8, 96, "ECAP.SSADS=0, so SSADE is reserved"},
      // 5 levels need CAP.FS5LP; 3 are not a first-stage depth; 1 GiB pages need CAP.FS1GP.
      {"LevelsAndPageSizesOfTheFirstStage",
       WithScalableUnit(kFirstStage,
                        "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: first, "
                        "iova: 0, hpa: 0, size: 4K, levels: 5}\n"),
       8, 96, "no 5-level first stage (CAP.FS5LP=0"},
      {"LevelsAndPageSizesOfTheFirstStage",
       WithScalableUnit(kFirstStage,
                        "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: first, "
                        "iova: 0, hpa: 0, size: 4K, levels: 3}\n"),
       8, 96, "3 is out of range (expected 4 to 5)"},
      {"LevelsAndPageSizesOfTheFirstStage",
       WithScalableUnit(kFirstStage,
                        "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: first, "
                        "iova: 0, hpa: 0, size: 1G, page_size: 1G}\n"),
       8, 99, "no 1 GiB first-stage pages (CAP.FS1GP=0"},
      {"FirstStageCannotDenyReads",
       WithScalableUnit(kFirstStage,
                        "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: first, "
                        "iova: 0, hpa: 0, size: 4K, perm: w}\n"),
       8, 94, "first-stage entries cannot deny reads"},
      {"KeysOfOtherTranslationTypes",
       WithScalableUnit(kFirstStage,
                        "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: first, "
                        "iova: 0, hpa: 0, size: 4K, gpa: 0}\n"),
       8, 88, "'gpa' does not go with pgtt: first_stage"},
      {"KeysOfOtherTranslationTypes",
       WithScalableUnit(kFirstStage,
                        "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: second, "
                        "iova: 0, hpa: 0, size: 4K, user: false}\n"),
       8, 89, "'user' does not go with pgtt: second_stage"},
      {"KeysOfOtherTranslationTypes",
       WithScalableUnit(kFirstStage,
                        "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: first, "
                        "iova: 0, hpa: 0, size: 4K, ssade: true}\n"),
       8, 88, "'ssade' does not go with pgtt: first_stage"},
      {"NestedNeedsAlignedBacking",
       WithScalableUnit(kFirstStage,
                        "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: nested, "
                        "iova: 0, gpa: 0x1000, hpa: 0x1000, size: 4K, guest_tables: "
                        "0x1800}\n"),
       8, 121, "0x1800 is not 4 KiB aligned"},
      // A guest 4 KiB page cannot be backed by a 2 MiB host page.
      {"NestedNeedsAlignedBacking",
       WithScalableUnit(kFirstStage,
                        "  - map: {sid: \"00:02.0\", domain: 1, pasid: 1, pgtt: nested, "
                        "iova: 0, gpa: 0, hpa: 0, size: 4K, ss_page_size: 2M}\n"),
       8, 111, "cannot back guest pages"},
  };
}

VTD_LOAD_ERROR_TEST_SUITE(FirstStageMapErrorTest, ErrorCases);

}  // namespace
}  // namespace vtd::scenario
