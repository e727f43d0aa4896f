// Every real table of the corpus loads as a scenario platform with the defaults (no cap/ecap
// given): the default MGAW covers each table's host address width (S §11.4.2: MGAW >= HAW),
// and a run reads VER_REG of every unit.
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "model/acpi/dmar.h"
#include "model/scenario/runner.h"
#include "model/scenario/scenario_loader.h"

namespace vtd::replay {
namespace {

namespace fs = std::filesystem;

TEST(CorpusPlatformTest, EveryCorpusTableLoadsAsAPlatformWithDefaults) {
  const fs::path dir = fs::path(VTD_SHARED_DIR) / "corpus" / "dmar";
  if (!fs::is_directory(dir)) GTEST_SKIP() << "no corpus at " << dir;
  std::vector<fs::path> tables;
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".bin") tables.push_back(e.path());
  }
  std::sort(tables.begin(), tables.end());
  // SOURCES.md: 98 tables plus 2 templates at the top level (malformed variants live below).
  EXPECT_EQ(tables.size(), 100u);
  for (const fs::path& table : tables) {
    SCOPED_TRACE(table.filename().string());
    const std::string text = absl::StrFormat(
        "name: corpus\nplatform:\n  dmar: \"%s\"\nsteps:\n  - mmio_read: {unit: 0, reg: VER}\n"
        "    expect: {value: 0x10}\n",
        table.string());
    absl::StatusOr<scenario::Scenario> s =
        scenario::LoadScenarioString(text, (dir / "corpus.yaml").string());
    ASSERT_TRUE(s.ok()) << s.status();
    absl::StatusOr<scenario::CollectedRun> run = scenario::RunAndCollect(*s);
    ASSERT_TRUE(run.ok()) << run.status();
    ASSERT_EQ(run->steps.size(), 1u);
    EXPECT_TRUE(run->steps[0].ok);
  }
}

}  // namespace
}  // namespace vtd::replay
