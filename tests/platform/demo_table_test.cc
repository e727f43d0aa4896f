// The bundled demo table (scenarios/platforms/demo.bin) is the serializer's output for
// DemoDmarTable(): regenerate with VTD_REGENERATE_DEMO=1 after changing the builder.
#include "tests/platform/demo_table.h"

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "model/acpi/dmar.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

const std::string kDemoPath = std::string(VTD_SOURCE_DIR) + "/scenarios/platforms/demo.bin";

TEST(DemoTableTest, CommittedFileMatchesSerializer) {
  std::vector<uint8_t> bytes = acpi::SerializeDmar(testing::DemoDmarTable());
  const char* regen = std::getenv("VTD_REGENERATE_DEMO");
  if (regen != nullptr && std::string(regen) == "1") {
    std::ofstream out(kDemoPath, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
    ASSERT_TRUE(out.good()) << kDemoPath;
  }
  std::ifstream in(kDemoPath, std::ios::binary);
  ASSERT_TRUE(in.good()) << "missing " << kDemoPath << " (run with VTD_REGENERATE_DEMO=1)";
  std::vector<uint8_t> committed((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
  EXPECT_EQ(committed, bytes) << "regenerate with VTD_REGENERATE_DEMO=1";
}

TEST(DemoTableTest, ParsesBackToTheSameTable) {
  std::vector<uint8_t> bytes = acpi::SerializeDmar(testing::DemoDmarTable());
  VTD_ASSERT_OK_AND_ASSIGN(acpi::DmarTable t, acpi::ParseDmar(bytes));
  EXPECT_TRUE(t.checksum_ok);
  EXPECT_EQ(t.structures.size(), 4u);
  EXPECT_EQ(acpi::SerializeDmar(t), bytes);  // §8: lossless round trip
}

}  // namespace
}  // namespace vtd
