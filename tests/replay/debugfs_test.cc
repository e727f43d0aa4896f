// vtdsim import debugfs: dumps written here in Linux's format (drivers/iommu/intel/debugfs.c:
// iommu_regset "%-16s\t0x%02x\t\t0x%016llx", dmar_translation_struct "%02x:%02x.%x\t0x%016llx:
// 0x%016llx\t0x%016llx:0x%016llx\t%-6d\t0x%016llx:0x%016llx:0x%016llx", domain_translation_struct
// "0x%013lx |\t0x%016llx\t..."), replayed, and their IOVAs translated as the dumps map them.
#include "model/replay/debugfs.h"

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/scenario/runner.h"
#include "model/scenario/scenario_loader.h"
#include "tests/testing/status_matchers.h"

namespace vtd::replay {
namespace {

using ::testing::HasSubstr;
using ::vtd::testing::StatusIs;

std::string Reg(const char* name, int offset, uint64_t value) {
  return absl::StrFormat("%-16s\t0x%02x\t\t0x%016x\n", name, offset, value);
}

// dmar0 (legacy): RTADDR 0x1000000, TES|RTPS; dmar1 (scalable): RTADDR 0x2000400 (TTM=01b).
std::string Regset() {
  std::string s = "IOMMU: dmar0 Register Base Address: fed90000\nName\t\t\tOffset\t\tContents\n";
  s += Reg("VER", 0x0, 0x10) + Reg("GSTS", 0x1c, 0xc0000000) + Reg("CAP", 0x8, 0x8d2078c106f0466) +
       Reg("ECAP", 0x10, 0xf020df) + Reg("RTADDR", 0x20, 0x1000000);
  s += "\nIOMMU: dmar1 Register Base Address: fed91000\nName\t\t\tOffset\t\tContents\n";
  s += Reg("VER", 0x0, 0x10) + Reg("GSTS", 0x1c, 0xc0000000) + Reg("CAP", 0x8, 0x8d2078c106f0466) +
       Reg("ECAP", 0x10, 0xc99800f050de) + Reg("RTADDR", 0x20, 0x2000400);
  return s + "\n";
}

std::string Entry(const char* bdf, uint64_t rh, uint64_t rl, uint64_t ch, uint64_t cl, int pasid,
                  uint64_t p2, uint64_t p1, uint64_t p0) {
  return absl::StrFormat("%s\t0x%016x:0x%016x\t0x%016x:0x%016x\t%-6d\t0x%016x:0x%016x:0x%016x\n",
                         bdf, rh, rl, ch, cl, pasid, p2, p1, p0);
}

std::string TranslationStruct() {
  const char* kHeader = "B.D.F\tRoot_entry\t\t\t\tContext_entry\t\t\t\tPASID\tPASID_table_entry\n";
  std::string s = absl::StrFormat("IOMMU dmar0: Root Table Address: 0x%x\n%s", 0x1000000, kHeader);
  // Root entry for bus 0: context table 0x1001000, present. Context entry for 00:02.0:
  // second-stage root 0x1002000, present, TT 00b; AW 010b (48-bit, 4-level), DID 1 (S §9.3).
  s += Entry("00:02.0", 0, 0x1001001, 0x102, 0x1002001, -1, 0, 0, 0);
  s += absl::StrFormat("\nIOMMU dmar1: Root Table Address: 0x%x\n%s", 0x2000000, kHeader);
  // Scalable: lower context table 0x2001000; 00:03.0 is devfn 0x18 -> 0x2001000 + 0x18*32.
  s += Entry("00:03.0", 0, 0x2001001, 0, 0x2003001, 0, 0x0, 0x40, 0x1004089);
  return s + "\n";
}

std::string Row(uint64_t pfn, uint64_t l5, uint64_t l4, uint64_t l3, uint64_t l2, uint64_t l1) {
  return absl::StrFormat("0x%013x |\t0x%016x\t0x%016x\t0x%016x\t0x%016x\t0x%016x\n", pfn, l5, l4,
                         l3, l2, l1);
}

std::string DomainStruct() {
  std::string s = "Device 0000:00:02.0 @0x1002000\n";
  s += absl::StrFormat("%-17s\t%-18s\t%-18s\t%-18s\t%-18s\t%-s\n", "IOVA_PFN", "PML5E", "PML4E",
                       "PDPE", "PDE", "PTE");
  // IOVA 0x1000: PML4E -> 0x1003000, PDPE -> 0x1004000, PDE -> 0x1005000, PTE -> 0x7654000 RW.
  s += Row(0x1, 0, 0x1003003, 0x1004003, 0x1005003, 0x7654003);
  // IOVA 0x200000: a 2 MiB page (PS, bit 7) at 0x8000000, read-only.
  s += Row(0x200, 0, 0x1003003, 0x1004003, 0x8000081, 0);
  return s + "\n";
}

DebugfsImport Import() {
  DebugfsImporter importer;
  EXPECT_TRUE(importer.AddRegset(Regset(), "iommu_regset").ok());
  EXPECT_TRUE(importer.AddTranslationStruct(TranslationStruct(), "dmar_translation_struct").ok());
  EXPECT_TRUE(importer.AddDomainTranslationStruct(DomainStruct(), "0000:00:02.0/dts").ok());
  return importer.Finish().value();
}

TEST(DebugfsTest, WordsLandWhereTheHardwareReadsThem) {
  const DebugfsImport im = Import();
  ASSERT_EQ(im.units.size(), 2u);
  EXPECT_FALSE(im.units[0].scalable());
  EXPECT_TRUE(im.units[1].scalable());
  auto at = [&](uint64_t a) { return im.memory.count(a) ? im.memory.at(a) : 0xdeadu; };
  EXPECT_EQ(at(0x1000000), 0x1001001u);              // root entry, bus 0
  EXPECT_EQ(at(0x1001000 + 16 * 0x10), 0x1002001u);  // context entry, devfn 0x10
  EXPECT_EQ(at(0x1001000 + 16 * 0x10 + 8), 0x102u);
  EXPECT_EQ(at(0x1002000), 0x1003003u);              // PML4E index 0
  EXPECT_EQ(at(0x1005000 + 8), 0x7654003u);          // PTE index 1
  EXPECT_EQ(at(0x1004000 + 8), 0x8000081u);          // PDE index 1: the 2 MiB leaf
  EXPECT_EQ(at(0x2001000 + 32 * 0x18), 0x2003001u);  // scalable context entry (32 bytes each)
  ASSERT_EQ(im.units[1].pasid_entries.size(), 1u);
  EXPECT_EQ(im.units[1].pasid_entries[0].words[0], 0x1004089u);
  ASSERT_EQ(im.mappings.size(), 2u);
  EXPECT_EQ(im.mappings[1].page_size, uint64_t{2} << 20);
  EXPECT_THAT(im.notes[0], HasSubstr("scalable"));
}

TEST(DebugfsTest, ReplayedIovasTranslateAsTheDumpSays) {
  const DebugfsImport im = Import();
  absl::StatusOr<std::string> yaml =
      DebugfsScenarioYaml(im, "replay", {"00:02.0@0x201234"}, /*max_mapping_checks=*/64);
  ASSERT_TRUE(yaml.ok()) << yaml.status();
  absl::StatusOr<scenario::Scenario> s = scenario::LoadScenarioString(*yaml, "/tmp/replay.yaml");
  ASSERT_TRUE(s.ok()) << s.status() << "\n" << *yaml;
  absl::StatusOr<scenario::CollectedRun> run = scenario::RunAndCollect(*s);
  ASSERT_TRUE(run.ok()) << run.status();
  std::vector<uint64_t> hpas;
  for (const scenario::StepResult& r : run->steps) {
    EXPECT_TRUE(r.ok) << r.index << " " << ::testing::PrintToString(r.notes);
    if (r.dma) {
      EXPECT_EQ(r.dma->status, scenario::DmaStepResult::Status::kOk) << r.index;
      hpas.push_back(r.dma->hpa);
    }
  }
  // 0x1000 -> 0x7654000 (4 KiB PTE); 0x200000 -> 0x8000000 and 0x201234 -> 0x8001234 (2 MiB).
  EXPECT_THAT(hpas, ::testing::ElementsAre(0x7654000u, 0x8000000u, 0x8001234u));
}

TEST(DebugfsTest, ScalableUnitsSayTheyCannotTranslate) {
  EXPECT_THAT(DebugfsScenarioYaml(Import(), "replay", {"00:03.0@0x1000"}, 64),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("scalable mode")));
}

TEST(DebugfsTest, MalformedDumpsNameTheLine) {
  DebugfsImporter importer;
  EXPECT_THAT(importer.AddRegset("IOMMU: dmar0 Register Base Address: fed90000\nVER 0x00\n", "r"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("r:2")));
  EXPECT_THAT(importer.Finish(), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_THAT(importer.AddDomainTranslationStruct("0x0000000000001 |\t0x1\n", "d"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("d:1")));
}

TEST(DebugfsTest, DumpsThatDisagreeAreErrors) {
  DebugfsImporter importer;
  ASSERT_TRUE(importer.AddRegset(Regset(), "r").ok());
  ASSERT_TRUE(importer.AddTranslationStruct(TranslationStruct(), "t").ok());
  std::string other = TranslationStruct();
  other.replace(other.find("0x0000000001002001"), 18, "0x0000000001009001");
  EXPECT_THAT(importer.AddTranslationStruct(other, "t2"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("earlier dump")));
}

}  // namespace
}  // namespace vtd::replay
