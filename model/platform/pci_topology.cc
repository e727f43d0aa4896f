#include "model/platform/pci_topology.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace vtd::platform {
namespace {

// Parses 1..`max_digits` hex digits, with an optional "0x", into a value <= max_value.
std::optional<uint32_t> ParseHex(absl::string_view s, int max_digits, uint32_t max_value) {
  if (absl::StartsWith(s, "0x") || absl::StartsWith(s, "0X")) s.remove_prefix(2);
  if (s.empty() || static_cast<int>(s.size()) > max_digits) return std::nullopt;
  uint32_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return std::nullopt;
    }
    v = v * 16 + static_cast<uint32_t>(d);
  }
  if (v > max_value) return std::nullopt;
  return v;
}

}  // namespace

std::string PciAddress::ToString() const {
  return absl::StrFormat("%04x:%02x:%02x.%x", segment, bus, device, function);
}

std::string PciAddress::Bdf() const {
  return absl::StrFormat("%02x:%02x.%x", bus, device, function);
}

absl::StatusOr<PciAddress> PciAddress::Parse(absl::string_view text) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(absl::StrCat("bad PCI address '", text, "': ", why,
                                                   " (expected SEG:BB:DD.F or BB:DD.F, hex)"));
  };
  std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  if (parts.size() != 2 && parts.size() != 3) return bad("wrong number of ':'");
  PciAddress a;
  if (parts.size() == 3) {
    auto seg = ParseHex(parts[0], 4, 0xffff);
    if (!seg) return bad("segment is not 1-4 hex digits");
    a.segment = static_cast<uint16_t>(*seg);
    parts.erase(parts.begin());
  }
  auto bus = ParseHex(parts[0], 2, 0xff);
  if (!bus) return bad("bus is not 1-2 hex digits");
  std::vector<absl::string_view> df = absl::StrSplit(parts[1], '.');
  if (df.size() != 2) return bad("missing '.' between device and function");
  auto dev = ParseHex(df[0], 2, 0x1f);
  if (!dev) return bad("device is not 00-1f");
  auto fn = ParseHex(df[1], 1, 7);
  if (!fn) return bad("function is not 0-7");
  a.bus = static_cast<uint8_t>(*bus);
  a.device = static_cast<uint8_t>(*dev);
  a.function = static_cast<uint8_t>(*fn);
  return a;
}

absl::Status PciTopology::AddBridge(const PciBridge& b) {
  std::string name = b.address.ToString();
  if (b.secondary > b.subordinate) {
    return absl::InvalidArgumentError(
        absl::StrFormat("bridge %s: secondary bus 0x%02x above subordinate bus 0x%02x", name,
                        b.secondary, b.subordinate));
  }
  if (b.secondary <= b.address.bus) {
    return absl::InvalidArgumentError(
        absl::StrFormat("bridge %s: secondary bus 0x%02x is not below the bridge's own bus 0x%02x",
                        name, b.secondary, b.address.bus));
  }
  if (bridges_.count(b.address)) {
    return absl::InvalidArgumentError(absl::StrCat("bridge ", name, " given twice"));
  }
  if (const PciBridge* other = BridgeAbove(b.address.segment, b.secondary)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("bridges %s and %s both have secondary bus 0x%02x",
                        other->address.ToString(), name, b.secondary));
  }
  bridges_.emplace(b.address, b);
  return absl::OkStatus();
}

std::vector<PciBridge> PciTopology::bridges() const {
  std::vector<PciBridge> out;
  for (const auto& [addr, b] : bridges_) out.push_back(b);
  return out;
}

const PciBridge* PciTopology::FindBridge(const PciAddress& address) const {
  auto it = bridges_.find(address);
  return it == bridges_.end() ? nullptr : &it->second;
}

const PciBridge* PciTopology::BridgeAbove(uint16_t segment, uint8_t bus) const {
  for (const auto& [addr, b] : bridges_) {
    if (addr.segment == segment && b.secondary == bus) return &b;
  }
  return nullptr;
}

std::vector<PciBridge> PciTopology::UpstreamBridges(const PciAddress& device) const {
  std::vector<PciBridge> out;
  uint8_t bus = device.bus;
  // Each hop moves to a strictly smaller bus (AddBridge enforces secondary > own bus), so
  // this ends within 256 steps even for odd inputs.
  for (;;) {
    const PciBridge* b = BridgeAbove(device.segment, bus);
    if (b == nullptr) {
      // The bridge directly above may be unlisted (a switch inside a listed bridge's
      // range): continue from the nearest listed bridge whose range covers the bus.
      for (const auto& [addr, candidate] : bridges_) {
        if (addr.segment == device.segment && candidate.Covers(bus) &&
            (b == nullptr ||
             candidate.subordinate - candidate.secondary < b->subordinate - b->secondary)) {
          b = &candidate;
        }
      }
    }
    if (b == nullptr) break;
    out.push_back(*b);
    bus = b->address.bus;
  }
  return out;
}

absl::StatusOr<PciTopology> PciTopology::ParseText(absl::string_view text, absl::string_view name) {
  PciTopology topo;
  int line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    auto error = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": line ", line_no, ": ", why));
    };
    if (size_t hash = line.find('#'); hash != absl::string_view::npos) line = line.substr(0, hash);
    line = absl::StripAsciiWhitespace(line);
    if (line.empty()) continue;
    std::vector<absl::string_view> fields = absl::StrSplit(line, ' ', absl::SkipWhitespace());
    absl::StatusOr<PciAddress> addr = PciAddress::Parse(fields[0]);
    if (!addr.ok()) return error(addr.status().message());
    std::optional<uint32_t> sec, sub;
    for (size_t i = 1; i < fields.size(); ++i) {
      std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(fields[i], '=');
      auto value = ParseHex(kv.second, 2, 0xff);
      if (!value) {
        return error(absl::StrCat("'", fields[i], "': expected KEY=HEX with a bus number 00-ff"));
      }
      if (kv.first == "secondary") {
        sec = value;
      } else if (kv.first == "subordinate") {
        sub = value;
      } else {
        return error(
            absl::StrCat("unknown key '", kv.first, "' (expected secondary= and subordinate=)"));
      }
    }
    if (!sec || !sub) return error("a bridge needs both secondary= and subordinate=");
    PciBridge b{*addr, static_cast<uint8_t>(*sec), static_cast<uint8_t>(*sub)};
    if (absl::Status s = topo.AddBridge(b); !s.ok()) return error(s.message());
  }
  return topo;
}

absl::StatusOr<PciBridge> PciTopology::ParseBridgeSpec(absl::string_view spec) {
  auto bad = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad bridge '", spec, "': ", why, " (expected SEG:BB:DD.F=SEC-SUB, hex)"));
  };
  std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(spec, '=');
  absl::StatusOr<PciAddress> addr = PciAddress::Parse(parts.first);
  if (!addr.ok()) return bad(addr.status().message());
  std::pair<absl::string_view, absl::string_view> range = absl::StrSplit(parts.second, '-');
  auto sec = ParseHex(range.first, 2, 0xff);
  auto sub = ParseHex(range.second, 2, 0xff);
  if (!sec || !sub) return bad("bus range is not SEC-SUB");
  return PciBridge{*addr, static_cast<uint8_t>(*sec), static_cast<uint8_t>(*sub)};
}

}  // namespace vtd::platform
