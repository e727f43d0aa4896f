// Routing a requester to its remapping unit (VT-d spec §8.3, §8.3.1), RMRR ranges per
// device (§8.4), ATS reporting (§8.5 ATSR, §8.8 SATC) and interrupt-source scopes.
#include "model/platform/platform.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/acpi/dmar.h"
#include "tests/platform/demo_table.h"
#include "tests/testing/status_matchers.h"

namespace vtd::platform {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using vtd::testing::DemoDmarTable;
using vtd::testing::DemoScope;
using Type = acpi::DeviceScopeType;

PciAddress A(const char* text) {
  absl::StatusOr<PciAddress> a = PciAddress::Parse(text);
  EXPECT_TRUE(a.ok()) << a.status();
  return a.value_or(PciAddress{});
}

PciTopology Topo(std::vector<PciBridge> bridges) {
  PciTopology t;
  for (const PciBridge& b : bridges) EXPECT_THAT(t.AddBridge(b), vtd::testing::IsOk());
  return t;
}

acpi::DmarTable MakeTable(std::vector<decltype(acpi::DmarStructure::body)> bodies) {
  acpi::DmarTable t;
  t.header.signature = {'D', 'M', 'A', 'R'};
  t.header.revision = 1;
  t.header.host_address_width = 38;
  for (auto& body : bodies) {
    acpi::DmarStructure s;
    s.body = std::move(body);
    t.structures.push_back(std::move(s));
  }
  acpi::RecomputeLengths(t);
  return t;
}

acpi::Drhd Drhd(uint16_t segment, uint64_t base, bool include_all,
                std::vector<acpi::DeviceScope> scopes = {}) {
  acpi::Drhd d;
  d.segment = segment;
  d.register_base = base;
  d.flags = include_all ? 1 : 0;
  d.scopes = std::move(scopes);
  return d;
}

// --- §8.3.1 explicit endpoint scope, INCLUDE_PCI_ALL fallback ---

TEST(RouteTest, ExplicitEndpointScopeWins) {
  Platform p = Platform::FromDmar(DemoDmarTable());
  RouteResult r = p.Route(A("0000:00:02.0"));
  ASSERT_TRUE(r.unit.has_value());
  EXPECT_EQ(p.units()[*r.unit].register_base, 0xfed90000u);
  EXPECT_EQ(r.reason, RouteReason::kEndpointScope);
  EXPECT_EQ(r.scope_offset, p.units()[0].pci_scopes[0].scope.offset);
  EXPECT_THAT(r.explanation, HasSubstr("endpoint scope 00:02.0"));
  EXPECT_THAT(r.notes, IsEmpty());
}

TEST(RouteTest, UnlistedDeviceFallsToIncludePciAll) {
  Platform p = Platform::FromDmar(DemoDmarTable());
  RouteResult r = p.Route(A("00:14.0"));
  ASSERT_TRUE(r.unit.has_value());
  EXPECT_EQ(p.units()[*r.unit].register_base, 0xfed91000u);
  EXPECT_EQ(r.reason, RouteReason::kIncludePciAll);
  EXPECT_FALSE(r.scope_offset.has_value());
  EXPECT_THAT(r.explanation, HasSubstr("INCLUDE_PCI_ALL"));
}

TEST(RouteTest, ExplicitScopesAreTriedBeforeAnEarlierIncludePciAllUnit) {
  // INCLUDE_PCI_ALL listed first (a firmware-order bug): explicit scopes still win (§8.3).
  Platform p = Platform::FromDmar(MakeTable(
      {Drhd(0, 0x1000, true), Drhd(0, 0x2000, false, {DemoScope(Type::kEndpoint, 0, {{3, 0}})})}));
  RouteResult r = p.Route(A("00:03.0"));
  EXPECT_EQ(r.unit, 1);
  EXPECT_EQ(r.reason, RouteReason::kEndpointScope);
  EXPECT_EQ(p.Route(A("00:04.0")).unit, 0);
}

// --- §8.3.1 sub-hierarchy scopes ---

TEST(RouteTest, BridgeScopeWithoutTopologyMatchesOnlyTheBridgeAndSaysSo) {
  Platform p = Platform::FromDmar(DemoDmarTable());
  RouteResult bridge = p.Route(A("00:1c.0"));
  EXPECT_EQ(bridge.unit, 0);
  EXPECT_EQ(bridge.reason, RouteReason::kBridgeScope);

  RouteResult below = p.Route(A("02:00.0"));
  EXPECT_EQ(below.unit, 1);
  EXPECT_EQ(below.reason, RouteReason::kIncludePciAll);
  ASSERT_EQ(below.notes.size(), 1u);
  EXPECT_THAT(below.notes[0], HasSubstr("no PCI topology given"));
  EXPECT_THAT(below.notes[0], HasSubstr("0000:00:1c.0"));
}

TEST(RouteTest, BridgeScopeCoversItsBusRangeWithTopology) {
  Platform p = Platform::FromDmar(DemoDmarTable(), Topo({{A("00:1c.0"), 0x02, 0x03}}));
  for (const char* dev : {"02:00.0", "03:1f.7"}) {
    RouteResult r = p.Route(A(dev));
    EXPECT_EQ(r.unit, 0) << dev;
    EXPECT_EQ(r.reason, RouteReason::kBridgeBusRange) << dev;
    EXPECT_THAT(r.explanation, HasSubstr("within buses 02-03")) << dev;
  }
  RouteResult outside = p.Route(A("04:00.0"));
  EXPECT_EQ(outside.unit, 1);
  EXPECT_EQ(outside.reason, RouteReason::kIncludePciAll);
  EXPECT_THAT(outside.notes, IsEmpty());
}

TEST(RouteTest, NearestBridgeScopeWinsOverAnOuterOne) {
  // Outer bridge 00:01.0 (buses 1-5) under unit 0, inner 01:00.0 (buses 2-3) under unit 1.
  Platform p = Platform::FromDmar(
      MakeTable({Drhd(0, 0x1000, false, {DemoScope(Type::kBridge, 0, {{1, 0}})}),
                 Drhd(0, 0x2000, false, {DemoScope(Type::kBridge, 0, {{1, 0}, {0, 0}})}),
                 Drhd(0, 0x3000, true)}),
      Topo({{A("00:01.0"), 1, 5}, {A("01:00.0"), 2, 3}}));
  EXPECT_EQ(p.Route(A("03:00.0")).unit, 1);
  EXPECT_EQ(p.Route(A("04:00.0")).unit, 0);
  EXPECT_EQ(p.Route(A("01:00.0")).reason, RouteReason::kBridgeScope);
  EXPECT_EQ(p.Route(A("01:00.0")).unit, 1);
}

// --- §8.3.1 multi-hop paths ---

TEST(ResolveScopeTest, MultiHopPathFollowsSecondaryBuses) {
  // 00:1c.4 -> bus 5; 05:00.0 -> bus 6; the device is 06:03.1.
  PciTopology t = Topo({{A("00:1c.4"), 5, 6}, {A("05:00.0"), 6, 6}});
  ResolvedScope r = ResolveScope(0, DemoScope(Type::kEndpoint, 0, {{0x1c, 4}, {0, 0}, {3, 1}}), t);
  ASSERT_TRUE(r.device.has_value()) << r.note;
  EXPECT_EQ(*r.device, A("06:03.1"));
  EXPECT_EQ(r.PathString(), "00:1c.4/00.0/03.1");
}

TEST(ResolveScopeTest, MultiHopPathWithoutTopologyIsUnresolved) {
  ResolvedScope r = ResolveScope(0, DemoScope(Type::kEndpoint, 0, {{0x1c, 4}, {0, 0}}), {});
  EXPECT_FALSE(r.device.has_value());
  EXPECT_THAT(r.note, HasSubstr("secondary bus is unknown"));
}

TEST(RouteTest, MultiHopEndpointScopeMatchesOnlyWithTopology) {
  acpi::DmarTable t =
      MakeTable({Drhd(0, 0x1000, false, {DemoScope(Type::kEndpoint, 0, {{0x1c, 4}, {0, 2}})}),
                 Drhd(0, 0x2000, true)});
  RouteResult without = Platform::FromDmar(t).Route(A("05:00.2"));
  EXPECT_EQ(without.unit, 1);
  EXPECT_THAT(without.notes, ElementsAre(HasSubstr("not checked: endpoint scope")));

  RouteResult with = Platform::FromDmar(t, Topo({{A("00:1c.4"), 5, 5}})).Route(A("05:00.2"));
  EXPECT_EQ(with.unit, 0);
  EXPECT_EQ(with.reason, RouteReason::kEndpointScope);
  EXPECT_THAT(with.explanation, HasSubstr("00:1c.4/00.2"));
}

// --- several segments (synthetic: no real table in the corpus has segment != 0) ---

TEST(RouteTest, SegmentsAreIndependent) {
  Platform p = Platform::FromDmar(MakeTable({
      Drhd(0, 0xa000, true),
      Drhd(1, 0xb000, false, {DemoScope(Type::kEndpoint, 0, {{3, 0}})}),
      Drhd(1, 0xc000, true),
  }));
  EXPECT_EQ(p.Route(A("0001:00:03.0")).unit, 1);
  EXPECT_EQ(p.Route(A("0001:00:04.0")).unit, 2);
  RouteResult seg0 = p.Route(A("0000:00:03.0"));  // same BDF, other segment
  EXPECT_EQ(seg0.unit, 0);
  EXPECT_EQ(seg0.reason, RouteReason::kIncludePciAll);
  RouteResult none = p.Route(A("0002:00:00.0"));
  EXPECT_FALSE(none.unit.has_value());
  EXPECT_EQ(none.reason, RouteReason::kNoUnit);
  EXPECT_THAT(none.explanation, HasSubstr("no DRHD describes segment 0002"));
}

TEST(RouteTest, SegmentWithoutIncludePciAllLeavesOthersUnremapped) {
  Platform p = Platform::FromDmar(
      MakeTable({Drhd(3, 0xb000, false, {DemoScope(Type::kEndpoint, 0, {{3, 0}})})}));
  RouteResult r = p.Route(A("0003:00:04.0"));
  EXPECT_EQ(r.reason, RouteReason::kNoUnit);
  EXPECT_THAT(r.explanation, HasSubstr("no INCLUDE_PCI_ALL unit"));
}

TEST(RouteTest, ConflictingClaimsAreReported) {
  Platform p = Platform::FromDmar(
      MakeTable({Drhd(0, 0x1000, false, {DemoScope(Type::kEndpoint, 0, {{3, 0}})}),
                 Drhd(0, 0x2000, false, {DemoScope(Type::kEndpoint, 0, {{3, 0}})})}));
  RouteResult r = p.Route(A("00:03.0"));
  EXPECT_EQ(r.unit, 0);
  EXPECT_THAT(r.notes, ElementsAre(HasSubstr("also claimed by DRHD #1")));
}

// --- §8.4 RMRR ranges per device ---

TEST(RmrrTest, RangesFollowEndpointScopes) {
  Platform p = Platform::FromDmar(DemoDmarTable());
  std::vector<RmrrRange> usb = p.RmrrRangesFor(A("00:14.0"));
  ASSERT_EQ(usb.size(), 1u);
  EXPECT_EQ(usb[0].base, 0x6f1e6000u);
  EXPECT_EQ(usb[0].limit, 0x6f1f4fffu);
  EXPECT_FALSE(usb[0].via_bridge);
  EXPECT_THAT(p.RmrrRangesFor(A("00:02.0")), IsEmpty());
  EXPECT_THAT(p.RmrrRangesFor(A("0001:00:14.0")), IsEmpty());  // other segment
}

TEST(RmrrTest, BridgeScopeCoversDevicesBelowWithTopology) {
  acpi::Rmrr rmrr;
  rmrr.base = 0x100000;
  rmrr.limit = 0x1fffff;
  rmrr.scopes.push_back(DemoScope(Type::kBridge, 0, {{0x1c, 0}}));
  acpi::DmarTable t = MakeTable({Drhd(0, 0x1000, true), rmrr});
  EXPECT_THAT(Platform::FromDmar(t).RmrrRangesFor(A("02:00.0")), IsEmpty());
  std::vector<RmrrRange> r =
      Platform::FromDmar(t, Topo({{A("00:1c.0"), 2, 2}})).RmrrRangesFor(A("02:00.0"));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_TRUE(r[0].via_bridge);
}

// --- §8.5 ATSR and §8.8 SATC ---

TEST(AtsTest, ListedRootPortWithTopology) {
  Platform p = Platform::FromDmar(DemoDmarTable(), Topo({{A("00:1c.0"), 2, 3}}));
  AtsResult below = p.AtsFor(A("03:00.0"));
  EXPECT_EQ(below.verdict, AtsVerdict::kYes);
  EXPECT_THAT(below.explanation, HasSubstr("below root port 0000:00:1c.0"));
  AtsResult integrated = p.AtsFor(A("00:02.0"));
  EXPECT_EQ(integrated.verdict, AtsVerdict::kNo);
  EXPECT_THAT(integrated.explanation, HasSubstr("root-complex integrated"));
  EXPECT_EQ(p.AtsFor(A("00:1c.0")).verdict, AtsVerdict::kYes);  // the port itself
}

TEST(AtsTest, UnlistedRootPort) {
  Platform p = Platform::FromDmar(DemoDmarTable(), Topo({{A("00:1d.0"), 5, 5}}));
  EXPECT_EQ(p.AtsFor(A("05:00.0")).verdict, AtsVerdict::kNo);
}

TEST(AtsTest, WithoutTopologyStatesTheAssumption) {
  Platform p = Platform::FromDmar(DemoDmarTable());
  AtsResult r = p.AtsFor(A("07:00.0"));
  EXPECT_EQ(r.verdict, AtsVerdict::kUnknown);
  EXPECT_THAT(r.explanation, HasSubstr("no PCI topology given"));

  acpi::Atsr all;
  all.flags = 1;  // ALL_PORTS
  Platform q = Platform::FromDmar(MakeTable({Drhd(0, 0x1000, true), all}));
  AtsResult yes = q.AtsFor(A("07:00.0"));
  EXPECT_EQ(yes.verdict, AtsVerdict::kYes);
  EXPECT_THAT(yes.explanation, HasSubstr("assumed to be below some root port"));
  EXPECT_EQ(q.AtsFor(A("00:05.0")).verdict, AtsVerdict::kNo);  // assumed integrated
}

TEST(AtsTest, SatcListsIntegratedDevices) {
  acpi::Satc satc;
  satc.flags = 1;  // ATC_REQUIRED
  satc.scopes.push_back(DemoScope(Type::kEndpoint, 0, {{0x0b, 0}}));
  Platform p = Platform::FromDmar(MakeTable({Drhd(0, 0x1000, true), satc}));
  AtsResult r = p.AtsFor(A("00:0b.0"));
  EXPECT_EQ(r.verdict, AtsVerdict::kYes);
  EXPECT_TRUE(r.atc_required);
  EXPECT_EQ(p.AtsFor(A("00:0c.0")).verdict, AtsVerdict::kNo);
}

// --- interrupt sources (types 3/4/5), source-ids per §8.3.1 ---

TEST(UnitsTest, InterruptScopesResolveToSourceIds) {
  Platform p = Platform::FromDmar(DemoDmarTable());
  ASSERT_EQ(p.units().size(), 2u);
  const DrhdUnit& u = p.units()[1];
  EXPECT_TRUE(u.include_pci_all);
  ASSERT_EQ(u.interrupt_scopes.size(), 2u);
  EXPECT_EQ(u.interrupt_scopes[0].scope.enumeration_id, 2);
  ASSERT_TRUE(u.interrupt_scopes[0].device.has_value());
  EXPECT_EQ(u.interrupt_scopes[0].device->source_id().value(), 0xf0f8);  // f0:1f.0
  EXPECT_EQ(u.interrupt_scopes[1].device->source_id().value(), 0x00f8);  // 00:1f.0
  EXPECT_EQ(u.Name(), "DRHD #1 (segment 0000, base 0xfed91000)");
}

}  // namespace
}  // namespace vtd::platform
