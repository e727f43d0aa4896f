// The project's own small DMAR table, bundled as scenarios/platforms/demo.bin and used by
// the README's first command (scenarios/demo.sh). Built here with the project's serializer;
// demo_table_test.cc checks that the committed file equals SerializeDmar(DemoDmarTable())
// and rewrites it when VTD_REGENERATE_DEMO=1.
//
// Segment 0 of a small client-like platform (VT-d spec chapter 8):
//   DRHD #0 0xfed90000: endpoint 00:02.0 (graphics) and sub-hierarchy 00:1c.0 (a root port)
//   DRHD #1 0xfed91000: INCLUDE_PCI_ALL, with IOAPIC id 2 (f0:1f.0) and HPET id 0 (00:1f.0)
//   RMRR 0x6f1e6000-0x6f1f4fff for the USB controller 00:14.0
//   ATSR listing root port 00:1c.0
#ifndef VTDSIM_TESTS_PLATFORM_DEMO_TABLE_H_
#define VTDSIM_TESTS_PLATFORM_DEMO_TABLE_H_

#include <cstdint>
#include <cstring>
#include <vector>

#include "model/acpi/dmar.h"

namespace vtd::testing {

inline acpi::DeviceScope DemoScope(acpi::DeviceScopeType type, uint8_t start_bus,
                                   std::vector<acpi::PciPathEntry> path,
                                   uint8_t enumeration_id = 0) {
  acpi::DeviceScope s;
  s.type = static_cast<uint8_t>(type);
  s.start_bus = start_bus;
  s.enumeration_id = enumeration_id;
  s.path = std::move(path);
  return s;
}

inline acpi::DmarTable DemoDmarTable() {
  using acpi::DeviceScopeType;
  acpi::DmarTable t;
  std::memcpy(t.header.signature.data(), "DMAR", 4);
  t.header.revision = 1;
  std::memcpy(t.header.oem_id.data(), "VTDSIM", 6);
  std::memcpy(t.header.oem_table_id.data(), "DEMO    ", 8);
  t.header.oem_revision = 1;
  std::memcpy(t.header.creator_id.data(), "VTDS", 4);
  t.header.creator_revision = 1;
  t.header.host_address_width = 38;  // 39-bit host addresses
  t.header.flags = acpi::kDmarFlagIntrRemap | acpi::kDmarFlagX2apicOptOut;

  acpi::Drhd gfx;
  gfx.register_base = 0xfed90000;
  gfx.scopes.push_back(DemoScope(DeviceScopeType::kEndpoint, 0x00, {{0x02, 0}}));
  gfx.scopes.push_back(DemoScope(DeviceScopeType::kBridge, 0x00, {{0x1c, 0}}));
  acpi::Drhd all;
  all.flags = 1;  // INCLUDE_PCI_ALL
  all.register_base = 0xfed91000;
  all.scopes.push_back(DemoScope(DeviceScopeType::kIoapic, 0xf0, {{0x1f, 0}}, 2));
  all.scopes.push_back(DemoScope(DeviceScopeType::kHpet, 0x00, {{0x1f, 0}}, 0));
  acpi::Rmrr usb;
  usb.base = 0x6f1e6000;
  usb.limit = 0x6f1f4fff;
  usb.scopes.push_back(DemoScope(DeviceScopeType::kEndpoint, 0x00, {{0x14, 0}}));
  acpi::Atsr atsr;
  atsr.scopes.push_back(DemoScope(DeviceScopeType::kBridge, 0x00, {{0x1c, 0}}));

  for (auto body : std::vector<decltype(acpi::DmarStructure::body)>{gfx, all, usb, atsr}) {
    acpi::DmarStructure s;
    s.body = std::move(body);
    t.structures.push_back(std::move(s));
  }
  acpi::RecomputeLengths(t);
  acpi::RecomputeChecksum(t);
  t.checksum_ok = true;
  return t;
}

}  // namespace vtd::testing

#endif  // VTDSIM_TESTS_PLATFORM_DEMO_TABLE_H_
