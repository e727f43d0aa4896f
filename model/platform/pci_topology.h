// PCI addresses and the part of a PCI topology that DMAR routing needs: the bridges, each
// with the secondary and subordinate bus numbers software programmed into it (PCI-to-PCI
// bridge config offsets 0x19 and 0x1a). Device-scope paths (VT-d spec §8.3.1) name devices
// hop by hop from a host bridge's bus; turning a multi-hop path into a bus number, and
// deciding which devices sit below a sub-hierarchy scope, needs these bus numbers.
#ifndef VTDSIM_MODEL_PLATFORM_PCI_TOPOLOGY_H_
#define VTDSIM_MODEL_PLATFORM_PCI_TOPOLOGY_H_

#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/structs/ids.h"

namespace vtd::platform {

// A requester: PCI segment plus bus/device/function ("SEG:BB:DD.F").
struct PciAddress {
  uint16_t segment = 0;
  uint8_t bus = 0;
  uint8_t device = 0;    // 0..31
  uint8_t function = 0;  // 0..7

  SourceId source_id() const { return SourceId::FromBdf(bus, device, function); }
  // "ssss:bb:dd.f", lower-case hex, as lspci -D prints it.
  std::string ToString() const;
  // "bb:dd.f" without the segment.
  std::string Bdf() const;

  // Accepts "SEG:BB:DD.F" and "BB:DD.F" (segment 0); all hex. InvalidArgument otherwise.
  static absl::StatusOr<PciAddress> Parse(absl::string_view text);

  friend auto operator<=>(const PciAddress&, const PciAddress&) = default;
};

// A PCI-to-PCI bridge (or root port) and the bus range below it.
struct PciBridge {
  PciAddress address;
  uint8_t secondary = 0;    // bus directly below the bridge
  uint8_t subordinate = 0;  // highest bus below the bridge

  bool Covers(uint8_t bus) const { return bus >= secondary && bus <= subordinate; }
};

// The bridges of a platform. Devices that are not bridges need not be listed: a device's
// upstream chain is found from the bridges whose secondary bus is the device's bus.
class PciTopology {
 public:
  // Adds a bridge. InvalidArgument if secondary > subordinate, if secondary <= the
  // bridge's own bus (buses grow downward), or if another bridge of the segment has the
  // same address or the same secondary bus.
  absl::Status AddBridge(const PciBridge& bridge);

  bool empty() const { return bridges_.empty(); }
  // All bridges, in (segment, bus, device, function) order.
  std::vector<PciBridge> bridges() const;

  const PciBridge* FindBridge(const PciAddress& address) const;
  // The bridge whose secondary bus is `bus` (the device directly above that bus).
  const PciBridge* BridgeAbove(uint16_t segment, uint8_t bus) const;
  // Listed bridges above `device`, nearest first, up to the one on a root bus (a bus no
  // bridge covers). A bus that no listed bridge produces directly but some listed bridge's
  // range covers continues from the narrowest such bridge (unlisted switches in between are
  // skipped). Empty for a device on a root bus.
  std::vector<PciBridge> UpstreamBridges(const PciAddress& device) const;

  // Parses the topology text format, one bridge a line:
  //   # comment
  //   0000:00:1c.0 secondary=0x02 subordinate=0x03
  // Numbers are hexadecimal with or without "0x"; the segment may be omitted ("00:1c.0").
  // Errors name `name` and the line.
  static absl::StatusOr<PciTopology> ParseText(absl::string_view text, absl::string_view name);
  // Parses the command-line form "SEG:BB:DD.F=SEC-SUB" (hex), e.g. "0000:00:1c.0=02-03".
  static absl::StatusOr<PciBridge> ParseBridgeSpec(absl::string_view spec);

 private:
  std::map<PciAddress, PciBridge> bridges_;
};

}  // namespace vtd::platform

#endif  // VTDSIM_MODEL_PLATFORM_PCI_TOPOLOGY_H_
