#include "model/platform/platform.h"

#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/common/hex.h"

namespace vtd::platform {
namespace {

using acpi::DeviceScope;
using acpi::DeviceScopeType;

bool IsPciScope(const DeviceScope& s) {
  return s.type == static_cast<uint8_t>(DeviceScopeType::kEndpoint) ||
         s.type == static_cast<uint8_t>(DeviceScopeType::kBridge);
}

bool IsInterruptScope(const DeviceScope& s) {
  return s.type == static_cast<uint8_t>(DeviceScopeType::kIoapic) ||
         s.type == static_cast<uint8_t>(DeviceScopeType::kHpet) ||
         s.type == static_cast<uint8_t>(DeviceScopeType::kNamespace);
}

bool IsBridgeScope(const DeviceScope& s) {
  return s.type == static_cast<uint8_t>(DeviceScopeType::kBridge);
}

std::string ScopeKind(const DeviceScope& s) {
  return IsBridgeScope(s) ? "sub-hierarchy scope" : "endpoint scope";
}

}  // namespace

std::string ResolvedScope::PathString() const {
  if (scope.path.empty()) return absl::StrFormat("%02x:(no path)", scope.start_bus);
  std::string out = absl::StrFormat("%02x:%02x.%x", scope.start_bus, scope.path[0].device,
                                    scope.path[0].function);
  for (size_t i = 1; i < scope.path.size(); ++i) {
    absl::StrAppendFormat(&out, "/%02x.%x", scope.path[i].device, scope.path[i].function);
  }
  return out;
}

ResolvedScope ResolveScope(uint16_t segment, const DeviceScope& scope,
                           const PciTopology& topology) {
  ResolvedScope r;
  r.scope = scope;
  if (scope.path.empty()) {
    r.note = "the scope has no path entries";
    return r;
  }
  for (const acpi::PciPathEntry& hop : scope.path) {
    if (hop.device > 0x1f || hop.function > 7) {
      r.note = absl::StrFormat("path entry {%#x, %#x} is not a valid device/function", hop.device,
                               hop.function);
      return r;
    }
  }
  uint8_t bus = scope.start_bus;
  // §8.3.1: every hop but the last is a bridge whose secondary bus carries the next hop.
  for (size_t i = 0; i + 1 < scope.path.size(); ++i) {
    PciAddress bridge{segment, bus, scope.path[i].device, scope.path[i].function};
    const PciBridge* b = topology.FindBridge(bridge);
    if (b == nullptr) {
      r.note =
          absl::StrCat("path ", r.PathString(), " goes through bridge ", bridge.ToString(),
                       topology.empty() ? ", whose secondary bus is unknown without a PCI topology"
                                        : ", which is not in the PCI topology");
      return r;
    }
    bus = b->secondary;
  }
  const acpi::PciPathEntry& last = scope.path.back();
  r.device = PciAddress{segment, bus, last.device, last.function};
  return r;
}

std::string DrhdUnit::Name() const {
  return absl::StrFormat("DRHD #%d (segment %04x, base %s)", index, segment, Hex(register_base));
}

const char* RouteReasonName(RouteReason reason) {
  switch (reason) {
    case RouteReason::kEndpointScope:
      return "endpoint-scope";
    case RouteReason::kBridgeScope:
      return "bridge-scope";
    case RouteReason::kBridgeBusRange:
      return "bridge-bus-range";
    case RouteReason::kIncludePciAll:
      return "include-pci-all";
    case RouteReason::kNoUnit:
      return "none";
  }
  return "none";
}

const char* AtsVerdictName(AtsVerdict verdict) {
  switch (verdict) {
    case AtsVerdict::kYes:
      return "yes";
    case AtsVerdict::kNo:
      return "no";
    case AtsVerdict::kUnknown:
      return "unknown";
  }
  return "unknown";
}

Platform Platform::FromDmar(const acpi::DmarTable& table, PciTopology topology) {
  Platform p;
  p.topology_ = std::move(topology);
  int drhd_index = 0;
  for (const acpi::DmarStructure& s : table.structures) {
    std::visit(
        [&](const auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, acpi::Drhd>) {
            DrhdUnit u;
            u.index = drhd_index++;
            u.offset = s.offset;
            u.segment = body.segment;
            u.register_base = body.register_base;
            u.register_set_bytes = body.register_set_bytes();
            u.include_pci_all = body.include_pci_all();
            for (const DeviceScope& scope : body.scopes) {
              ResolvedScope r = ResolveScope(body.segment, scope, p.topology_);
              if (IsPciScope(scope)) {
                u.pci_scopes.push_back(std::move(r));
              } else if (IsInterruptScope(scope)) {
                u.interrupt_scopes.push_back(std::move(r));
              }
            }
            p.units_.push_back(std::move(u));
          } else if constexpr (std::is_same_v<T, acpi::Rmrr>) {
            RmrrEntry e{s.offset, body.segment, body.base, body.limit, {}};
            for (const DeviceScope& scope : body.scopes) {
              if (IsPciScope(scope))
                e.scopes.push_back(ResolveScope(body.segment, scope, p.topology_));
            }
            p.rmrrs_.push_back(std::move(e));
          } else if constexpr (std::is_same_v<T, acpi::Atsr>) {
            AtsrEntry e{s.offset, body.segment, body.all_ports(), {}};
            for (const DeviceScope& scope : body.scopes) {
              if (IsPciScope(scope)) {
                e.root_ports.push_back(ResolveScope(body.segment, scope, p.topology_));
              }
            }
            p.atsrs_.push_back(std::move(e));
          } else if constexpr (std::is_same_v<T, acpi::Satc>) {
            SatcEntry e{s.offset, body.segment, (body.flags & 1) != 0, {}};
            for (const DeviceScope& scope : body.scopes) {
              if (IsPciScope(scope))
                e.devices.push_back(ResolveScope(body.segment, scope, p.topology_));
            }
            p.satcs_.push_back(std::move(e));
          }
        },
        s.body);
  }
  return p;
}

bool Platform::ScopeCovers(const ResolvedScope& s, const PciAddress& device,
                           bool* via_bridge) const {
  *via_bridge = false;
  if (!s.device) return false;
  if (*s.device == device) return true;
  if (!IsBridgeScope(s.scope)) return false;
  // §8.3.1: a sub-hierarchy scope covers every bus in [secondary, subordinate] of the
  // bridge it names; those numbers come from the topology.
  const PciBridge* b = topology_.FindBridge(*s.device);
  if (b != nullptr && device.segment == s.device->segment && b->Covers(device.bus)) {
    *via_bridge = true;
    return true;
  }
  return false;
}

bool Platform::LooksLikeRootBus(uint16_t segment, uint8_t bus) const {
  if (bus == 0) return true;
  auto check = [&](const std::vector<ResolvedScope>& scopes) {
    for (const ResolvedScope& r : scopes) {
      if (r.scope.start_bus == bus) return true;
    }
    return false;
  };
  for (const DrhdUnit& u : units_) {
    if (u.segment == segment && (check(u.pci_scopes) || check(u.interrupt_scopes))) return true;
  }
  for (const RmrrEntry& e : rmrrs_) {
    if (e.segment == segment && check(e.scopes)) return true;
  }
  for (const AtsrEntry& e : atsrs_) {
    if (e.segment == segment && check(e.root_ports)) return true;
  }
  for (const SatcEntry& e : satcs_) {
    if (e.segment == segment && check(e.devices)) return true;
  }
  return false;
}

RouteResult Platform::Route(const PciAddress& req) const {
  RouteResult result;
  result.requester = req;

  struct Match {
    int unit;
    const ResolvedScope* scope;
    bool via_bridge;
    int depth;  // 0: the requester itself; else the bus-range width (smaller = nearer)
  };
  std::vector<Match> matches;
  std::vector<std::string> unresolved;
  std::vector<std::string> bridge_scopes_without_range;
  bool segment_has_unit = false;
  std::optional<int> include_all;

  for (const DrhdUnit& u : units_) {
    if (u.segment != req.segment) continue;
    segment_has_unit = true;
    if (u.include_pci_all) {
      // §8.3: at most one INCLUDE_PCI_ALL unit per segment, and it is the last DRHD of
      // the segment; if firmware lists more, the first one is used (as Linux does).
      if (!include_all) include_all = u.index;
      continue;
    }
    for (const ResolvedScope& s : u.pci_scopes) {
      if (!s.device) {
        unresolved.push_back(absl::StrFormat("%s at offset %#x in %s: %s", ScopeKind(s.scope),
                                             s.scope.offset, u.Name(), s.note));
        continue;
      }
      bool via_bridge = false;
      if (ScopeCovers(s, req, &via_bridge)) {
        int depth = 0;
        if (via_bridge) {
          const PciBridge* b = topology_.FindBridge(*s.device);
          depth = 1 + (b->subordinate - b->secondary);
        }
        matches.push_back(Match{u.index, &s, via_bridge, depth});
      } else if (IsBridgeScope(s.scope) && topology_.FindBridge(*s.device) == nullptr) {
        bridge_scopes_without_range.push_back(absl::StrFormat(
            "%s (scope at offset %#x in %s)", s.device->ToString(), s.scope.offset, u.Name()));
      }
    }
  }

  if (!matches.empty()) {
    // The most specific claim wins: the requester itself, else the nearest bridge (the
    // narrowest bus range). Ties keep table order.
    const Match* best = &matches[0];
    for (const Match& m : matches) {
      if (m.depth < best->depth) best = &m;
    }
    const DrhdUnit& u = units_[best->unit];
    const ResolvedScope& s = *best->scope;
    result.unit = u.index;
    result.scope_offset = s.scope.offset;
    if (!best->via_bridge && !IsBridgeScope(s.scope)) {
      result.reason = RouteReason::kEndpointScope;
      result.explanation =
          absl::StrFormat("endpoint scope %s at offset %#x in %s names this device (§8.3.1)",
                          s.PathString(), s.scope.offset, u.Name());
    } else if (!best->via_bridge) {
      result.reason = RouteReason::kBridgeScope;
      result.explanation = absl::StrFormat(
          "sub-hierarchy scope %s at offset %#x in %s names this bridge; a bridge scope "
          "covers the bridge itself and everything below it (§8.3.1)",
          s.PathString(), s.scope.offset, u.Name());
    } else {
      const PciBridge* b = topology_.FindBridge(*s.device);
      result.reason = RouteReason::kBridgeBusRange;
      result.explanation = absl::StrFormat(
          "bus %02x is within buses %02x-%02x below bridge %s, named by sub-hierarchy scope "
          "%s at offset %#x in %s (§8.3.1)",
          req.bus, b->secondary, b->subordinate, s.device->ToString(), s.PathString(),
          s.scope.offset, u.Name());
    }
    for (const Match& m : matches) {
      if (m.unit != best->unit) {
        result.notes.push_back(absl::StrFormat(
            "also claimed by %s (scope at offset %#x): firmware bug, a device must be under "
            "exactly one unit (§8.3); the most specific scope was used",
            units_[m.unit].Name(), m.scope->scope.offset));
      }
    }
    return result;
  }

  // Nothing explicit matched: say what could not be checked before falling back.
  if (!has_topology() && !bridge_scopes_without_range.empty()) {
    result.notes.push_back(absl::StrCat(
        "no PCI topology given: sub-hierarchy scope(s) ",
        absl::StrJoin(bridge_scopes_without_range, ", "),
        " match only the bridge itself, because the buses below a bridge are not in the "
        "table; if this device is below one of them it belongs to that unit instead (give "
        "a topology: --topology or --bridge, or a scenario's topology:)"));
  } else if (!bridge_scopes_without_range.empty()) {
    result.notes.push_back(
        absl::StrCat("bridge(s) ", absl::StrJoin(bridge_scopes_without_range, ", "),
                     " are not in the PCI topology, so only the bridge itself was matched"));
  }
  for (const std::string& u : unresolved) {
    result.notes.push_back(absl::StrCat("not checked: ", u));
  }

  if (include_all) {
    const DrhdUnit& u = units_[*include_all];
    result.unit = u.index;
    result.reason = RouteReason::kIncludePciAll;
    result.explanation = absl::StrFormat(
        "no device scope of segment %04x names it; %s has INCLUDE_PCI_ALL and remaps every "
        "remaining PCI device of its segment (§8.3)",
        req.segment, u.Name());
    return result;
  }
  result.reason = RouteReason::kNoUnit;
  result.explanation =
      segment_has_unit
          ? absl::StrFormat(
                "no device scope names it and segment %04x has no INCLUDE_PCI_ALL unit: no "
                "remapping unit in this table covers it",
                req.segment)
          : absl::StrFormat(
                "no DRHD describes segment %04x: no remapping unit in this table "
                "covers it",
                req.segment);
  return result;
}

std::vector<RmrrRange> Platform::RmrrRangesFor(const PciAddress& device) const {
  std::vector<RmrrRange> out;
  for (const RmrrEntry& e : rmrrs_) {
    if (e.segment != device.segment) continue;
    for (const ResolvedScope& s : e.scopes) {
      bool via_bridge = false;
      if (ScopeCovers(s, device, &via_bridge)) {
        out.push_back(RmrrRange{e.base, e.limit, e.offset, s.scope.offset, via_bridge});
        break;  // one range per RMRR
      }
    }
  }
  return out;
}

AtsResult Platform::AtsFor(const PciAddress& device) const {
  AtsResult r;
  // SATC (§8.8): root-complex integrated devices with an ATC are listed by endpoint scope.
  for (const SatcEntry& e : satcs_) {
    if (e.segment != device.segment) continue;
    for (const ResolvedScope& s : e.devices) {
      if (s.device && *s.device == device) {
        r.verdict = AtsVerdict::kYes;
        r.atc_required = e.atc_required;
        r.structure_offset = e.offset;
        r.explanation = absl::StrFormat(
            "listed by the SATC at offset %#x (§8.8)%s", e.offset,
            e.atc_required ? "; ATC_REQUIRED: the device needs ATS enabled to work" : "");
        return r;
      }
    }
  }
  // ATSR (§8.5): ATS is reported per root port; a device may use it when the root port
  // above it is listed (or the ATSR says ALL_PORTS). The port itself counts too.
  auto port_listed = [&](const PciAddress& port) -> const AtsrEntry* {
    for (const AtsrEntry& e : atsrs_) {
      if (e.segment != port.segment) continue;
      for (const ResolvedScope& s : e.root_ports) {
        if (s.device && *s.device == port) return &e;
      }
    }
    return nullptr;
  };
  const AtsrEntry* all_ports = nullptr;
  bool segment_has_atsr = false;
  for (const AtsrEntry& e : atsrs_) {
    if (e.segment != device.segment) continue;
    segment_has_atsr = true;
    if (e.all_ports && all_ports == nullptr) all_ports = &e;
  }
  if (const AtsrEntry* e = port_listed(device)) {
    r.verdict = AtsVerdict::kYes;
    r.structure_offset = e->offset;
    r.explanation =
        absl::StrFormat("it is a root port listed by the ATSR at offset %#x (§8.5)", e->offset);
    return r;
  }
  if (!segment_has_atsr) {
    r.verdict = AtsVerdict::kNo;
    r.explanation = absl::StrFormat(
        "no ATSR for segment %04x and no SATC lists it: the platform reports no ATS support "
        "for it (§8.5, §8.8)",
        device.segment);
    return r;
  }
  if (has_topology()) {
    std::vector<PciBridge> up = topology_.UpstreamBridges(device);
    if (up.empty()) {
      r.verdict = AtsVerdict::kNo;
      r.explanation =
          "it sits on a root bus with no bridge above it (root-complex integrated): ATSR "
          "reports root ports only (§8.5), and no SATC lists it (§8.8)";
      return r;
    }
    const PciAddress& root_port = up.back().address;
    if (all_ports != nullptr) {
      r.verdict = AtsVerdict::kYes;
      r.structure_offset = all_ports->offset;
      r.explanation =
          absl::StrFormat("below root port %s, and the ATSR at offset %#x has ALL_PORTS (§8.5)",
                          root_port.ToString(), all_ports->offset);
      return r;
    }
    if (const AtsrEntry* e = port_listed(root_port)) {
      r.verdict = AtsVerdict::kYes;
      r.structure_offset = e->offset;
      r.explanation = absl::StrFormat("below root port %s, listed by the ATSR at offset %#x (§8.5)",
                                      root_port.ToString(), e->offset);
      return r;
    }
    r.verdict = AtsVerdict::kNo;
    r.explanation =
        absl::StrFormat("below root port %s, which no ATSR of segment %04x lists (§8.5)",
                        root_port.ToString(), device.segment);
    return r;
  }
  // No topology: whether a bridge is above the device is not known.
  if (LooksLikeRootBus(device.segment, device.bus)) {
    r.verdict = AtsVerdict::kNo;
    r.explanation = absl::StrFormat(
        "no PCI topology given: bus %02x was assumed to be a root bus (bus 0 or a scope's "
        "Start Bus), so the device was taken as root-complex integrated; ATSR covers root "
        "ports only (§8.5) and no SATC lists it (§8.8)",
        device.bus);
    return r;
  }
  if (all_ports != nullptr) {
    r.verdict = AtsVerdict::kYes;
    r.structure_offset = all_ports->offset;
    r.explanation = absl::StrFormat(
        "no PCI topology given: bus %02x was assumed to be below some root port, and the "
        "ATSR at offset %#x has ALL_PORTS (§8.5)",
        device.bus, all_ports->offset);
    return r;
  }
  r.verdict = AtsVerdict::kUnknown;
  r.explanation = absl::StrFormat(
      "no PCI topology given: bus %02x is below some bridge, but which root port is above "
      "it is unknown; ATSR of segment %04x lists specific root ports only (§8.5)",
      device.bus, device.segment);
  return r;
}

}  // namespace vtd::platform
