// PCI addresses and bridge topologies used to resolve device-scope paths (§8.3.1).
#include "model/platform/pci_topology.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd::platform {
namespace {

using ::testing::HasSubstr;
using vtd::testing::IsOk;
using vtd::testing::StatusIs;

TEST(PciAddressTest, ParsesWithAndWithoutSegment) {
  VTD_ASSERT_OK_AND_ASSIGN(PciAddress a, PciAddress::Parse("0001:1f:1c.7"));
  EXPECT_EQ(a.segment, 1);
  EXPECT_EQ(a.bus, 0x1f);
  EXPECT_EQ(a.device, 0x1c);
  EXPECT_EQ(a.function, 7);
  EXPECT_EQ(a.ToString(), "0001:1f:1c.7");
  EXPECT_EQ(a.source_id().value(), 0x1fe7);
  VTD_ASSERT_OK_AND_ASSIGN(PciAddress b, PciAddress::Parse("00:02.0"));
  EXPECT_EQ(b.ToString(), "0000:00:02.0");
}

TEST(PciAddressTest, RejectsOutOfRangeParts) {
  for (const char* bad : {"00:20.0", "00:1f.8", "100:00.0", "x:00.0", "00.0", "0:0:0:0.0"}) {
    EXPECT_THAT(PciAddress::Parse(bad), StatusIs(absl::StatusCode::kInvalidArgument)) << bad;
  }
}

TEST(PciTopologyTest, ParsesTextFormatAndFindsUpstreamChain) {
  VTD_ASSERT_OK_AND_ASSIGN(
      PciTopology t, PciTopology::ParseText("# root port, then a switch\n"
                                            "0000:00:1c.0 secondary=0x02 subordinate=0x04\n"
                                            "02:00.0 secondary=03 subordinate=04  # upstream\n",
                                            "topo.txt"));
  std::vector<PciBridge> up = t.UpstreamBridges(PciAddress{0, 3, 0, 0});
  ASSERT_EQ(up.size(), 2u);
  EXPECT_EQ(up[0].address.ToString(), "0000:02:00.0");
  EXPECT_EQ(up[1].address.ToString(), "0000:00:1c.0");
  EXPECT_TRUE(t.UpstreamBridges(PciAddress{0, 0, 2, 0}).empty());
  EXPECT_TRUE(t.UpstreamBridges(PciAddress{1, 3, 0, 0}).empty());  // other segment
}

TEST(PciTopologyTest, UnlistedSwitchInsideARangeContinuesFromTheCoveringBridge) {
  PciTopology t;
  ASSERT_THAT(t.AddBridge({PciAddress{0, 0, 0x1c, 0}, 2, 4}), IsOk());
  std::vector<PciBridge> up = t.UpstreamBridges(PciAddress{0, 4, 0, 0});
  ASSERT_EQ(up.size(), 1u);
  EXPECT_EQ(up[0].address.ToString(), "0000:00:1c.0");
}

TEST(PciTopologyTest, TextErrorsNameFileAndLine) {
  EXPECT_THAT(PciTopology::ParseText("\n00:1c.0 secondary=02\n", "t.txt"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("t.txt: line 2")));
  EXPECT_THAT(PciTopology::ParseText("00:1c.0 secondary=02 subordinate=01\n", "t.txt"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("above subordinate")));
  EXPECT_THAT(PciTopology::ParseText("00:1c.0 secondary=02 subordinate=03 colour=1\n", "t.txt"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown key 'colour'")));
}

TEST(PciTopologyTest, RejectsInconsistentBridges) {
  PciTopology t;
  EXPECT_THAT(t.AddBridge({PciAddress{0, 0, 0x1c, 0}, 2, 3}), IsOk());
  EXPECT_THAT(t.AddBridge({PciAddress{0, 0, 0x1d, 0}, 2, 2}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("both have secondary")));
  EXPECT_THAT(t.AddBridge({PciAddress{0, 5, 0, 0}, 5, 5}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not below")));
  EXPECT_THAT(t.AddBridge({PciAddress{0, 0, 0x1c, 0}, 7, 7}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("given twice")));
}

TEST(PciTopologyTest, ParsesBridgeSpec) {
  VTD_ASSERT_OK_AND_ASSIGN(PciBridge b, PciTopology::ParseBridgeSpec("0000:00:1c.0=02-03"));
  EXPECT_EQ(b.secondary, 2);
  EXPECT_EQ(b.subordinate, 3);
  EXPECT_THAT(PciTopology::ParseBridgeSpec("00:1c.0=02"),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vtd::platform
