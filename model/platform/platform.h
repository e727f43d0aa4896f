// The platform's remapping units as a DMAR table describes them, and the questions an OS
// (or a scenario) asks of them: which unit remaps requester SEG:BB:DD.F and why, which RMRR
// ranges a device must have identity-mapped, whether a device may use ATS, and which
// interrupt sources (IOAPIC, HPET, ACPI namespace devices) sit under which unit.
//
// Routing follows VT-d spec §8.3 and §8.3.1: explicit device scopes of non-INCLUDE_PCI_ALL
// DRHDs first (an endpoint scope names one device; a sub-hierarchy scope names a bridge and
// every bus below it), then the INCLUDE_PCI_ALL DRHD of the requester's segment. Bus
// numbers behind bridges are not in the table: with a PciTopology, multi-hop paths are
// resolved to source-ids (§8.3.1) and bridge scopes cover their bus range; without one,
// only one-hop paths resolve and a bridge scope matches only the bridge itself, and every
// result says so.
#ifndef VTDSIM_MODEL_PLATFORM_PLATFORM_H_
#define VTDSIM_MODEL_PLATFORM_PLATFORM_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "model/acpi/dmar.h"
#include "model/platform/pci_topology.h"
#include "model/structs/ids.h"

namespace vtd::platform {

// A device-scope entry (§8.3.1) with its path resolved, when possible, to the device it
// names.
struct ResolvedScope {
  acpi::DeviceScope scope;
  std::optional<PciAddress> device;  // set when the path resolved
  std::string note;                  // why it did not resolve (empty when it did)

  // "00:1c.4" for a one-hop path, "00:1c.4/00.0" for two hops (start bus, then each
  // {device, function}).
  std::string PathString() const;
};

// Resolves a scope's path per §8.3.1: bus = Start Bus; for each hop but the last, bus =
// the secondary bus of the bridge at {bus, hop} (from `topology`); the last hop gives the
// device and function. One-hop paths need no topology.
ResolvedScope ResolveScope(uint16_t segment, const acpi::DeviceScope& scope,
                           const PciTopology& topology);

// One DRHD (§8.3).
struct DrhdUnit {
  int index = 0;      // position among the table's DRHDs, 0-based
  size_t offset = 0;  // of the DRHD in the table
  uint16_t segment = 0;
  uint64_t register_base = 0;
  uint64_t register_set_bytes = 0;
  bool include_pci_all = false;
  std::vector<ResolvedScope> pci_scopes;        // endpoint (type 1) and bridge (type 2)
  std::vector<ResolvedScope> interrupt_scopes;  // IOAPIC (3), HPET (4), namespace (5)

  // "DRHD #0 (segment 0x0, base 0xfed90000)".
  std::string Name() const;
};

enum class RouteReason {
  kEndpointScope,   // an endpoint scope names the requester
  kBridgeScope,     // a sub-hierarchy scope names the requester (the bridge itself)
  kBridgeBusRange,  // the requester's bus lies below a bridge named by a sub-hierarchy scope
  kIncludePciAll,   // no explicit scope: the segment's INCLUDE_PCI_ALL unit
  kNoUnit,          // no unit remaps it
};
// "endpoint-scope", "bridge-scope", "bridge-bus-range", "include-pci-all", "none".
const char* RouteReasonName(RouteReason reason);

struct RouteResult {
  PciAddress requester;
  std::optional<int> unit;  // index into Platform::units(); empty for kNoUnit
  RouteReason reason = RouteReason::kNoUnit;
  std::optional<size_t> scope_offset;  // the matching device scope, if any
  std::string explanation;             // why, citing the scope and the spec
  // What had to be assumed (no topology, unresolved paths) and conflicting claims.
  std::vector<std::string> notes;
};

// An RMRR range (§8.4) a device must have identity-mapped (read/write) before and while
// its DMA is remapped (§3.16).
struct RmrrRange {
  uint64_t base = 0;
  uint64_t limit = 0;  // inclusive
  size_t rmrr_offset = 0;
  size_t scope_offset = 0;
  bool via_bridge = false;  // matched through a sub-hierarchy scope above the device
};

struct RmrrEntry {
  size_t offset = 0;
  uint16_t segment = 0;
  uint64_t base = 0;
  uint64_t limit = 0;
  std::vector<ResolvedScope> scopes;
};

struct AtsrEntry {
  size_t offset = 0;
  uint16_t segment = 0;
  bool all_ports = false;
  std::vector<ResolvedScope> root_ports;
};

struct SatcEntry {
  size_t offset = 0;
  uint16_t segment = 0;
  bool atc_required = false;
  std::vector<ResolvedScope> devices;
};

enum class AtsVerdict { kYes, kNo, kUnknown };
const char* AtsVerdictName(AtsVerdict verdict);  // "yes", "no", "unknown"

struct AtsResult {
  AtsVerdict verdict = AtsVerdict::kNo;
  bool atc_required = false;               // SATC flag ATC_REQUIRED (§8.8)
  std::optional<size_t> structure_offset;  // the ATSR or SATC that decided it
  std::string explanation;
};

class Platform {
 public:
  // Builds the units from a parsed table. `topology` may be empty.
  static Platform FromDmar(const acpi::DmarTable& table, PciTopology topology = {});

  const std::vector<DrhdUnit>& units() const { return units_; }
  const std::vector<RmrrEntry>& rmrrs() const { return rmrrs_; }
  const std::vector<AtsrEntry>& atsrs() const { return atsrs_; }
  const std::vector<SatcEntry>& satcs() const { return satcs_; }
  const PciTopology& topology() const { return topology_; }
  bool has_topology() const { return !topology_.empty(); }

  // Which unit remaps `requester`, and why.
  RouteResult Route(const PciAddress& requester) const;
  // The RMRR ranges `device` must have identity-mapped, in table order.
  std::vector<RmrrRange> RmrrRangesFor(const PciAddress& device) const;
  // Whether `device` may use ATS per ATSR (root ports, §8.5) or SATC (integrated
  // devices, §8.8).
  AtsResult AtsFor(const PciAddress& device) const;

 private:
  // Whether scope `s` (endpoint or bridge) covers `device`; sets *via_bridge when it does
  // so through a bridge's bus range.
  bool ScopeCovers(const ResolvedScope& s, const PciAddress& device, bool* via_bridge) const;
  // Buses treated as root buses when there is no topology: 0 and every Start Bus of the
  // segment's scopes.
  bool LooksLikeRootBus(uint16_t segment, uint8_t bus) const;

  std::vector<DrhdUnit> units_;
  std::vector<RmrrEntry> rmrrs_;
  std::vector<AtsrEntry> atsrs_;
  std::vector<SatcEntry> satcs_;
  PciTopology topology_;
};

}  // namespace vtd::platform

#endif  // VTDSIM_MODEL_PLATFORM_PLATFORM_H_
