// vtdsim import machine: boot-log and sysfs values matched to a DMAR table's DRHDs, written as
// a scenario that loads and runs. Expected values come from the inputs and the spec (register
// layouts in registers.md), not from the code under test.
#include "model/replay/machine.h"

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/acpi/dmar.h"
#include "model/regs/cap_ecap.h"
#include "model/replay/reported_units.h"
#include "model/scenario/runner.h"
#include "model/scenario/scenario_loader.h"
#include "tests/testing/status_matchers.h"

namespace vtd::replay {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::vtd::testing::StatusIs;

// The Dell R630's boot log (two units, one per socket).
constexpr char kR630Log[] =
    "[    0.000000] DMAR: Host address width 46\n"
    "[    0.000000] DMAR: DRHD base: 0x000000fbffc000 flags: 0x0\n"
    "[    0.000000] DMAR: dmar0: reg_base_addr fbffc000 ver 1:0 cap 8d2078c106f0466 ecap f020df\n"
    "[    0.000000] DMAR: DRHD base: 0x000000c7ffc000 flags: 0x1\n"
    "[    0.000000] DMAR: dmar1: reg_base_addr c7ffc000 ver 1:0 cap 8d2078c106f0466 ecap f020df\n";

acpi::DeviceScope Scope(acpi::DeviceScopeType type, uint8_t bus, uint8_t dev, uint8_t fn,
                        uint8_t id = 0) {
  acpi::DeviceScope s;
  s.type = static_cast<uint8_t>(type);
  s.start_bus = bus;
  s.enumeration_id = id;
  s.path = {{dev, fn}};
  return s;
}

// An R630-shaped table (the corpus has no R630 table): HAW 46, DRHD 0xfbffc000 for socket 1
// (IOAPIC on bus 0x80 and root port 80:02.0), DRHD 0xc7ffc000 with INCLUDE_PCI_ALL.
acpi::DmarTable R630Table() {
  acpi::DmarTable t;
  std::memcpy(t.header.signature.data(), "DMAR", 4);
  t.header.revision = 1;
  std::memcpy(t.header.oem_id.data(), "DELL  ", 6);
  std::memcpy(t.header.oem_table_id.data(), "PE_SC3  ", 8);
  std::memcpy(t.header.creator_id.data(), "DELL", 4);
  t.header.host_address_width = 45;  // 46-bit
  t.header.flags = acpi::kDmarFlagIntrRemap;
  acpi::Drhd socket1;
  socket1.register_base = 0xfbffc000;
  socket1.scopes.push_back(Scope(acpi::DeviceScopeType::kIoapic, 0x80, 0x05, 4, 9));
  socket1.scopes.push_back(Scope(acpi::DeviceScopeType::kBridge, 0x80, 0x02, 0));
  acpi::Drhd all;
  all.flags = 1;
  all.register_base = 0xc7ffc000;
  all.scopes.push_back(Scope(acpi::DeviceScopeType::kIoapic, 0x00, 0x1f, 7, 8));
  all.scopes.push_back(Scope(acpi::DeviceScopeType::kHpet, 0x00, 0x1f, 0, 0));
  t.structures.push_back(acpi::DmarStructure{});
  t.structures.back().body = socket1;
  t.structures.push_back(acpi::DmarStructure{});
  t.structures.back().body = all;
  acpi::RecomputeLengths(t);
  acpi::RecomputeChecksum(t);
  return acpi::ParseDmar(acpi::SerializeDmar(t)).value();
}

class MachineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vtd_replay_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
    std::ofstream(dir_ / "r630.bin", std::ios::binary)
        .write(reinterpret_cast<const char*>(acpi::SerializeDmar(R630Table()).data()),
               static_cast<std::streamsize>(acpi::SerializeDmar(R630Table()).size()));
  }
  void TearDown() override { fs::remove_all(dir_); }

  absl::StatusOr<scenario::CollectedRun> Run(const std::string& yaml) {
    absl::StatusOr<scenario::Scenario> s =
        scenario::LoadScenarioString(yaml, (dir_ / "machine.yaml").string());
    if (!s.ok()) return s.status();
    return scenario::RunAndCollect(*s);
  }

  fs::path dir_;
};

TEST(BootLogTest, ParsesLinuxLinesAndIgnoresOthers) {
  absl::StatusOr<std::vector<ReportedUnit>> units = ParseBootLog(kR630Log, "dmesg");
  ASSERT_TRUE(units.ok()) << units.status();
  ASSERT_EQ(units->size(), 2u);
  EXPECT_EQ((*units)[0].name, "dmar0");
  EXPECT_EQ((*units)[0].register_base, 0xfbffc000u);
  EXPECT_EQ((*units)[0].version, 0x10u);
  EXPECT_EQ((*units)[0].cap, kR630Cap);
  EXPECT_EQ((*units)[0].ecap, kR630Ecap);
  EXPECT_EQ((*units)[0].source, "dmesg:3");
  EXPECT_EQ((*units)[1].register_base, 0xc7ffc000u);
  EXPECT_EQ(FormatBootLogLine((*units)[0]),
            "dmar0: reg_base_addr fbffc000 ver 1:0 cap 8d2078c106f0466 ecap f020df");
}

TEST(BootLogTest, MalformedLinesAreErrorsNamingTheLine) {
  EXPECT_THAT(ParseBootLog("x\nDMAR: dmar0: reg_base_addr fbffc000 ver 1 cap 1 ecap 2\n", "log"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("log:2")));
  EXPECT_THAT(ParseBootLog("DMAR: dmar0: reg_base_addr zz ver 1:0 cap 1 ecap 2\n", "log"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("reg_base_addr")));
  EXPECT_THAT(ParseBootLog("DMAR: Host address width 46\n", "log"),
              StatusIs(absl::StatusCode::kNotFound));
}

TEST_F(MachineTest, SysfsTreeGivesTheSameUnitsAsTheBootLog) {
  for (const auto& [unit, base] :
       {std::pair{"dmar0", "fbffc000"}, std::pair{"dmar1", "c7ffc000"}}) {
    const fs::path d = dir_ / "iommu" / unit / "intel-iommu";
    fs::create_directories(d);
    std::ofstream(d / "address") << base << "\n";
    std::ofstream(d / "version") << "1:0\n";
    std::ofstream(d / "cap") << "8d2078c106f0466\n";
    std::ofstream(d / "ecap") << "f020df\n";
  }
  absl::StatusOr<std::vector<ReportedUnit>> sysfs = ReadSysfsUnits((dir_ / "iommu").string());
  ASSERT_TRUE(sysfs.ok()) << sysfs.status();
  absl::StatusOr<std::vector<ReportedUnit>> log = ParseBootLog(kR630Log, "dmesg");
  ASSERT_EQ(sysfs->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*sysfs)[i].name, (*log)[i].name);
    EXPECT_EQ((*sysfs)[i].register_base, (*log)[i].register_base);
    EXPECT_EQ((*sysfs)[i].version, (*log)[i].version);
    EXPECT_EQ((*sysfs)[i].cap, (*log)[i].cap);
    EXPECT_EQ((*sysfs)[i].ecap, (*log)[i].ecap);
  }
}

TEST_F(MachineTest, R630ReplaysFromItsBootLog) {
  absl::StatusOr<Machine> m = ImportMachine(R630Table(), ParseBootLog(kR630Log, "dmesg").value());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_EQ(m->host_address_width, 46);
  ASSERT_EQ(m->units.size(), 2u);
  EXPECT_TRUE(m->units[0].masked.masked.empty());
  MachineFiles files{"r630", "r630.bin", "", "", true};
  std::string yaml = MachineScenarioYaml(*m, files);
  // A requester below root port 80:02.0 (buses 0x81-0x81) and one on bus 0.
  const std::string dmas =
      "  - dma: {sid: \"81:00.0\", addr: 0x1000, access: read}\n"
      "  - dma: {sid: \"00:1f.2\", addr: 0x1000, access: read}\n";
  absl::StatusOr<scenario::CollectedRun> run = Run(yaml + dmas);
  ASSERT_TRUE(run.ok()) << run.status();
  ASSERT_EQ(run->steps.size(), 4u);
  EXPECT_TRUE(run->steps[0].ok);
  EXPECT_TRUE(run->steps[1].ok);
  // Without a topology, 81:00.0 falls to the INCLUDE_PCI_ALL unit and the step says why.
  EXPECT_EQ(run->steps[2].dma->unit, "dmar1");
  EXPECT_THAT(::testing::PrintToString(run->steps[2].notes), HasSubstr("no PCI topology"));
  // With the topology, the sub-hierarchy scope of dmar0 covers bus 0x81 (S §8.3.1).
  files.topology = "r630.topology";
  std::ofstream(dir_ / "r630.topology") << "0000:80:02.0 secondary=0x81 subordinate=0x81\n";
  run = Run(MachineScenarioYaml(*m, files) + dmas);
  ASSERT_TRUE(run.ok()) << run.status();
  EXPECT_EQ(run->steps[2].dma->unit, "dmar0");
  EXPECT_TRUE(run->steps[2].notes.empty());
}

TEST_F(MachineTest, SkylakeGraphicsUnitLoadsMaskedAndSaysWhat) {
  acpi::DmarTable table = R630Table();
  table.header.host_address_width = 38;  // the Skylake unit's MGAW is 39
  acpi::RecomputeChecksum(table);
  const std::string log =
      "DMAR: dmar0: reg_base_addr fbffc000 ver 1:0 cap 1c0000c40660462 ecap 19e2ff0505e\n";
  EXPECT_THAT(
      ImportMachine(table, ParseBootLog(log, "dmesg").value(), {.mask_unimplemented = false}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ECAP.NEST")));
  absl::StatusOr<Machine> m = ImportMachine(table, ParseBootLog(log, "dmesg").value());
  ASSERT_TRUE(m.ok()) << m.status();
  EXPECT_FALSE(m->units[0].masked.masked.empty());
  // dmar1 was not in the log: its defaults are said to apply.
  EXPECT_THAT(::testing::PrintToString(m->notes), HasSubstr("not reported by the machine"));
  std::ofstream(dir_ / "skl.bin", std::ios::binary)
      .write(reinterpret_cast<const char*>(acpi::SerializeDmar(table).data()),
             static_cast<std::streamsize>(acpi::SerializeDmar(table).size()));
  const std::string yaml = MachineScenarioYaml(*m, {"skl", "skl.bin", "", "", true});
  EXPECT_THAT(yaml, HasSubstr("masked (reads as clear): ECAP bit 24"));
  // The unit reads back its masked ECAP: ECS (bit 24), DIS (27), PRS (29), PASID (40) clear.
  absl::StatusOr<scenario::CollectedRun> run =
      Run(yaml + "  - mmio_read: {unit: dmar0, reg: ECAP}\n");
  ASSERT_TRUE(run.ok()) << run.status();
  const uint64_t ecap = run->steps.back().value.value_or(~uint64_t{0});
  for (int bit : {24, 27, 29, 40}) EXPECT_EQ((ecap >> bit) & 1, 0u) << bit;
  for (int bit : {1, 2, 3, 4, 6}) EXPECT_EQ((ecap >> bit) & 1, 1u) << bit;  // QI DT IR EIM PT
  EXPECT_THAT(::testing::PrintToString(run->steps[0].notes), HasSubstr("masked ECAP.PASID"));
}

TEST(MachineImportTest, UnitsTheTableDoesNotHaveAreErrors) {
  const std::string log =
      "DMAR: dmar0: reg_base_addr fed90000 ver 1:0 cap 8d2078c106f0466 ecap f020df\n";
  EXPECT_THAT(
      ImportMachine(R630Table(), ParseBootLog(log, "dmesg").value()),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no DRHD of the DMAR table has")));
}

}  // namespace
}  // namespace vtd::replay
