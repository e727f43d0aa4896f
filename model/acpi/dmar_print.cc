#include "model/acpi/dmar_print.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <type_traits>
#include <utility>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/common/hex.h"

namespace vtd::acpi {
namespace {

// Names of the set bits of `flags` from `names` (index = bit); unnamed set bits print as
// "reserved bit N". "none" when no bit is set.
std::string FlagNames(uint32_t flags, std::initializer_list<absl::string_view> names) {
  std::vector<std::string> out;
  int bit = 0;
  for (absl::string_view n : names) {
    if (flags & (1u << bit)) out.emplace_back(n);
    ++bit;
  }
  for (; bit < 32; ++bit) {
    if (flags & (1u << bit)) out.push_back(absl::StrCat("reserved bit ", bit));
  }
  return out.empty() ? "none" : absl::StrJoin(out, ", ");
}

std::string DmarFlagNames(uint8_t flags) {
  // §8.1 DMAR Flags.
  return FlagNames(flags, {"INTR_REMAP", "X2APIC_OPT_OUT", "DMA_CTRL_PLATFORM_OPT_IN"});
}

std::string ScopeFlagNames(uint8_t flags) {
  // §8.9: the device-scope Flags byte inside SIDP.
  return FlagNames(flags, {"REQ_WO_PASID_NESTED_NOTALLOWED", "REQ_WO_PASID_PWSNP_NOTALLOWED",
                           "REQ_WO_PASID_PGSNP_NOTALLOWED", "ATC_HARDENED", "ATC_REQUIRED"});
}

std::string HexBytes(const std::vector<uint8_t>& bytes) {
  std::string out;
  for (uint8_t b : bytes) absl::StrAppendFormat(&out, "%02x", b);
  return out;
}

template <size_t N>
std::string RawString(const std::array<uint8_t, N>& a) {
  return std::string(a.begin(), a.end());
}

template <size_t N>
std::string Printable(const std::array<uint8_t, N>& a) {
  return PrintableBytes(a.data(), a.size());
}

bool AllZero(const std::vector<uint8_t>& v) {
  return std::all_of(v.begin(), v.end(), [](uint8_t b) { return b == 0; });
}

// ---- readable decode ----

void AppendField(std::string& out, absl::string_view name, absl::string_view value) {
  absl::StrAppendFormat(&out, "  %-20s %s\n", name, value);
}

void AppendScopes(std::string& out, const std::vector<DeviceScope>& scopes, bool in_sidp) {
  absl::StrAppendFormat(&out, "  %-20s %d\n", "Device scopes", scopes.size());
  for (const DeviceScope& s : scopes) {
    std::string line = absl::StrFormat("    [%s] %-22s %s", Hex(s.offset),
                                       DeviceScopeTypeName(s.type), ScopePathString(s));
    if (s.type == static_cast<uint8_t>(DeviceScopeType::kIoapic) ||
        s.type == static_cast<uint8_t>(DeviceScopeType::kHpet) ||
        s.type == static_cast<uint8_t>(DeviceScopeType::kNamespace) || s.enumeration_id != 0) {
      absl::StrAppendFormat(&line, "  enumeration id %d", s.enumeration_id);
    }
    if (s.type < 1 || s.type > 5) absl::StrAppendFormat(&line, "  (type %d)", s.type);
    if (in_sidp || s.flags != 0) {
      absl::StrAppendFormat(&line, "  flags %s: %s%s", Hex(s.flags), ScopeFlagNames(s.flags),
                            in_sidp ? "" : " (reserved outside SIDP)");
    }
    if (s.reserved != 0) absl::StrAppendFormat(&line, "  reserved byte %s", Hex(s.reserved));
    if (!s.trailing.empty()) {
      absl::StrAppendFormat(&line, "  %d trailing byte(s) %s", s.trailing.size(),
                            HexBytes(s.trailing));
    }
    absl::StrAppend(&out, line, "\n");
  }
}

std::string StructureTitle(uint16_t type) {
  switch (type) {
    case 0:
      return "DRHD: DMA Remapping Hardware Unit Definition (§8.3)";
    case 1:
      return "RMRR: Reserved Memory Region Reporting (§8.4)";
    case 2:
      return "ATSR: Root Port ATS Capability Reporting (§8.5)";
    case 3:
      return "RHSA: Remapping Hardware Static Affinity (§8.6)";
    case 4:
      return "ANDD: ACPI Name-space Device Declaration (§8.7)";
    case 5:
      return "SATC: SoC Integrated Address Translation Cache (§8.8)";
    case 6:
      return "SIDP: SoC Integrated Device Property (§8.9)";
  }
  return absl::StrFormat("reserved structure type %d (skipped by its Length, §8.2)", type);
}

// ---- Linux boot log ----

// The Linux kernel's "%#0<width>x" (lib/vsprintf.c): unlike C's printf, the kernel prints
// the "0x" prefix for zero too, and the width counts the prefix.
std::string KernelHex(uint64_t value, int width = 0) {
  std::string digits = absl::StrFormat("%x", value);
  int pad = width - 2 - static_cast<int>(digits.size());
  return absl::StrCat("0x", std::string(pad > 0 ? pad : 0, '0'), digits);
}

}  // namespace

std::string PrintableBytes(const uint8_t* data, size_t size) {
  std::string out;
  for (size_t i = 0; i < size; ++i) {
    uint8_t c = data[i];
    if (c >= 0x20 && c <= 0x7e && c != '\\' && c != '"') {
      out += static_cast<char>(c);
    } else if (c == '\\' || c == '"') {
      out += '\\';
      out += static_cast<char>(c);
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  return out;
}

// The JSON schema's "type": the spec's abbreviation for defined types, "UNKNOWN" for the
// reserved ones (kept raw by the parser).
std::string_view StructureJsonType(uint16_t type) {
  return type <= static_cast<uint16_t>(DmarStructureType::kSidp) ? StructureTypeName(type)
                                                                 : "UNKNOWN";
}

const char* ScopeJsonType(uint8_t type) {
  switch (type) {
    case 1:
      return "endpoint";
    case 2:
      return "bridge";
    case 3:
      return "ioapic";
    case 4:
      return "hpet";
    case 5:
      return "namespace";
  }
  return "reserved";
}

std::string ScopePathString(const DeviceScope& scope) {
  if (scope.path.empty()) return absl::StrFormat("%02x:(no path)", scope.start_bus);
  std::string out = absl::StrFormat("%02x:%02x.%x", scope.start_bus, scope.path[0].device,
                                    scope.path[0].function);
  for (size_t i = 1; i < scope.path.size(); ++i) {
    absl::StrAppendFormat(&out, "/%02x.%x", scope.path[i].device, scope.path[i].function);
  }
  return out;
}

std::string FormatDmarText(const DmarTable& table) {
  const DmarHeader& h = table.header;
  std::string out = "DMAR: DMA Remapping Reporting table (§8.1)\n";
  AppendField(out, "Signature", absl::StrCat("\"", Printable(h.signature), "\""));
  AppendField(out, "Length", absl::StrFormat("%d (%s)", h.length, Hex(h.length)));
  AppendField(out, "Revision", absl::StrCat(h.revision));
  AppendField(out, "Checksum",
              absl::StrCat(Hex(h.checksum), table.checksum_ok
                                                ? " (valid: the table sums to zero)"
                                                : " (INVALID: the table does not sum to zero)"));
  AppendField(out, "OEM ID", absl::StrCat("\"", Printable(h.oem_id), "\""));
  AppendField(out, "OEM Table ID", absl::StrCat("\"", Printable(h.oem_table_id), "\""));
  AppendField(out, "OEM Revision", Hex(h.oem_revision));
  AppendField(out, "Creator ID", absl::StrCat("\"", Printable(h.creator_id), "\""));
  AppendField(out, "Creator Revision", Hex(h.creator_revision));
  AppendField(out, "Host Address Width",
              absl::StrFormat("%d (%d-bit host addresses: the field holds the width minus 1)",
                              h.host_address_width, h.host_address_width + 1));
  AppendField(out, "Flags", absl::StrCat(Hex(h.flags), ": ", DmarFlagNames(h.flags)));
  std::vector<uint8_t> reserved(h.reserved.begin(), h.reserved.end());
  AppendField(
      out, "Reserved",
      AllZero(reserved) ? "10 bytes, all zero" : absl::StrCat("NOT ZERO: ", HexBytes(reserved)));

  for (const DmarStructure& s : table.structures) {
    absl::StrAppendFormat(&out, "\n[%s] %s, length %d\n", Hex(s.offset), StructureTitle(s.type),
                          s.length);
    std::visit(
        [&](const auto& b) {
          using T = std::decay_t<decltype(b)>;
          if constexpr (std::is_same_v<T, Drhd>) {
            AppendField(out, "Flags",
                        absl::StrCat(Hex(b.flags), ": ", FlagNames(b.flags, {"INCLUDE_PCI_ALL"})));
            AppendField(out, "Size",
                        absl::StrFormat("%d (register set: 2^%d 4-KiB pages = %s bytes)", b.size,
                                        b.size & 0xf, Hex(b.register_set_bytes())));
            AppendField(out, "Segment", Hex(b.segment));
            AppendField(out, "Register Base", Hex(b.register_base));
            AppendScopes(out, b.scopes, false);
          } else if constexpr (std::is_same_v<T, Rmrr>) {
            if (b.reserved != 0) AppendField(out, "Reserved", Hex(b.reserved));
            AppendField(out, "Segment", Hex(b.segment));
            AppendField(out, "Base", Hex(b.base));
            AppendField(out, "Limit", absl::StrCat(Hex(b.limit), " (inclusive)"));
            if (b.limit >= b.base) {
              AppendField(out, "Size", absl::StrCat(Hex(b.limit - b.base + 1), " bytes"));
            }
            AppendScopes(out, b.scopes, false);
          } else if constexpr (std::is_same_v<T, Atsr>) {
            AppendField(out, "Flags",
                        absl::StrCat(Hex(b.flags), ": ", FlagNames(b.flags, {"ALL_PORTS"})));
            if (b.reserved != 0) AppendField(out, "Reserved", Hex(b.reserved));
            AppendField(out, "Segment", Hex(b.segment));
            AppendScopes(out, b.scopes, false);
          } else if constexpr (std::is_same_v<T, Rhsa>) {
            if (b.reserved != 0) AppendField(out, "Reserved", Hex(b.reserved));
            AppendField(out, "Register Base", Hex(b.register_base));
            AppendField(out, "Proximity Domain", Hex(b.proximity_domain));
          } else if constexpr (std::is_same_v<T, Andd>) {
            AppendField(out, "Device Number", absl::StrCat(b.device_number));
            AppendField(
                out, "Name",
                absl::StrCat(
                    "\"",
                    PrintableBytes(reinterpret_cast<const uint8_t*>(b.name.data()), b.name.size()),
                    "\"", b.name.size() == b.name_field.size() ? " (NOT NUL-terminated)" : ""));
          } else if constexpr (std::is_same_v<T, Satc>) {
            AppendField(out, "Flags",
                        absl::StrCat(Hex(b.flags), ": ", FlagNames(b.flags, {"ATC_REQUIRED"})));
            if (b.reserved != 0) AppendField(out, "Reserved", Hex(b.reserved));
            AppendField(out, "Segment", Hex(b.segment));
            AppendScopes(out, b.scopes, false);
          } else if constexpr (std::is_same_v<T, Sidp>) {
            if (b.reserved != 0) AppendField(out, "Reserved", Hex(b.reserved));
            AppendField(out, "Segment", Hex(b.segment));
            AppendScopes(out, b.scopes, true);
          } else {
            AppendField(out, "Body",
                        absl::StrFormat("%d bytes: %s", b.body.size(), HexBytes(b.body)));
          }
        },
        s.body);
    if (!s.trailing.empty()) {
      AppendField(out, "Trailing bytes",
                  absl::StrFormat("%d (too short for a device scope): %s", s.trailing.size(),
                                  HexBytes(s.trailing)));
    }
  }
  if (!table.trailing.empty()) {
    absl::StrAppendFormat(&out,
                          "\n%d trailing byte(s) inside Length after the last structure: %s\n",
                          table.trailing.size(), HexBytes(table.trailing));
  }
  if (table.bytes_after_length != 0) {
    absl::StrAppendFormat(&out, "\n%d byte(s) in the input after Length (not part of the table)\n",
                          table.bytes_after_length);
  }
  return out;
}

namespace {

Json ScopesToJson(const std::vector<DeviceScope>& scopes, bool with_flags) {
  Json arr = Json::MakeArray();
  for (const DeviceScope& s : scopes) {
    Json o = Json::MakeObject();
    o.Set("type", ScopeJsonType(s.type));
    if (s.type < 1 || s.type > 5) o.Set("type_value", static_cast<int>(s.type));
    o.Set("offset", static_cast<uint64_t>(s.offset));
    if (with_flags || s.flags != 0) o.Set("flags", static_cast<int>(s.flags));
    o.Set("enumeration_id", static_cast<int>(s.enumeration_id));
    o.Set("start_bus", static_cast<int>(s.start_bus));
    Json path = Json::MakeArray();
    for (const PciPathEntry& p : s.path) {
      Json pair = Json::MakeArray();
      pair.Push(static_cast<int>(p.device));
      pair.Push(static_cast<int>(p.function));
      path.Push(std::move(pair));
    }
    o.Set("path", std::move(path));
    if (!s.trailing.empty()) o.Set("trailing", HexBytes(s.trailing));
    arr.Push(std::move(o));
  }
  return arr;
}

}  // namespace

Json DmarToJson(const DmarTable& table) {
  const DmarHeader& h = table.header;
  Json header = Json::MakeObject();
  header.Set("signature", RawString(h.signature));
  header.Set("length", h.length);
  header.Set("revision", static_cast<int>(h.revision));
  header.Set("checksum", static_cast<int>(h.checksum));
  header.Set("oem_id", RawString(h.oem_id));
  header.Set("oem_table_id", RawString(h.oem_table_id));
  header.Set("oem_revision", h.oem_revision);
  header.Set("creator_id", RawString(h.creator_id));
  header.Set("creator_revision", h.creator_revision);
  header.Set("host_address_width", static_cast<int>(h.host_address_width));
  header.Set("flags", static_cast<int>(h.flags));

  Json structures = Json::MakeArray();
  for (const DmarStructure& s : table.structures) {
    Json o = Json::MakeObject();
    o.Set("type", StructureJsonType(s.type));
    if (s.type > 6) o.Set("type_value", static_cast<int>(s.type));
    o.Set("offset", static_cast<uint64_t>(s.offset));
    o.Set("length", static_cast<int>(s.length));
    std::visit(
        [&](const auto& b) {
          using T = std::decay_t<decltype(b)>;
          if constexpr (std::is_same_v<T, Drhd>) {
            o.Set("flags", static_cast<int>(b.flags));
            o.Set("size", static_cast<int>(b.size));
            o.Set("segment", static_cast<int>(b.segment));
            o.Set("register_base", Hex(b.register_base));
            o.Set("device_scopes", ScopesToJson(b.scopes, false));
          } else if constexpr (std::is_same_v<T, Rmrr>) {
            o.Set("segment", static_cast<int>(b.segment));
            o.Set("base", Hex(b.base));
            o.Set("limit", Hex(b.limit));
            o.Set("device_scopes", ScopesToJson(b.scopes, false));
          } else if constexpr (std::is_same_v<T, Atsr>) {
            o.Set("flags", static_cast<int>(b.flags));
            o.Set("segment", static_cast<int>(b.segment));
            o.Set("device_scopes", ScopesToJson(b.scopes, false));
          } else if constexpr (std::is_same_v<T, Rhsa>) {
            o.Set("register_base", Hex(b.register_base));
            o.Set("proximity_domain", b.proximity_domain);
          } else if constexpr (std::is_same_v<T, Andd>) {
            o.Set("device_number", static_cast<int>(b.device_number));
            o.Set("name", b.name);
          } else if constexpr (std::is_same_v<T, Satc>) {
            o.Set("flags", static_cast<int>(b.flags));
            o.Set("segment", static_cast<int>(b.segment));
            o.Set("device_scopes", ScopesToJson(b.scopes, false));
          } else if constexpr (std::is_same_v<T, Sidp>) {
            o.Set("segment", static_cast<int>(b.segment));
            o.Set("device_scopes", ScopesToJson(b.scopes, true));
          } else {
            o.Set("data", HexBytes(b.body));
          }
        },
        s.body);
    if (!s.trailing.empty()) o.Set("trailing", HexBytes(s.trailing));
    structures.Push(std::move(o));
  }
  Json doc = Json::MakeObject();
  doc.Set("header", std::move(header));
  doc.Set("structures", std::move(structures));
  if (!table.trailing.empty()) doc.Set("trailing", HexBytes(table.trailing));
  return doc;
}

std::vector<std::string> FormatDmarLinux(const DmarTable& table) {
  return FormatDmarLinux(table, {});
}

std::vector<std::string> FormatDmarLinux(const DmarTable& table,
                                         const std::vector<LinuxUnitValues>& values) {
  // Follows the boot-time order of drivers/iommu/intel/dmar.c (parse_dmar_table and the
  // per-type handlers) and irq_remapping.c (parse_ioapics_under_ir,
  // intel_prepare_irq_remapping). Format strings are Linux's; the code is ours.
  std::vector<std::string> lines;
  const DmarHeader& h = table.header;

  bool zero_base = false;
  for (const DmarStructure& s : table.structures) {
    if (const Drhd* d = std::get_if<Drhd>(&s.body); d && d->register_base == 0) zero_base = true;
  }
  // The early validation pass (detect_intel_iommu) warns once about a zero base before
  // the table is parsed and printed.
  if (zero_base) {
    lines.push_back("DMAR: [Firmware Bug]: Your BIOS is broken; DMAR reported at address 0!");
  }
  // PAGE_SHIFT - 1: narrower host address widths are rejected outright.
  if (h.host_address_width < 11) {
    lines.push_back("DMAR: Invalid DMAR haw");
    return lines;
  }
  lines.push_back(absl::StrFormat("DMAR: Host address width %d", h.host_address_width + 1));

  // Units as Linux registers them: DRHDs with the same segment and base are one unit; the
  // seq_id ("IOMMU %d") counts new units in table order.
  struct LinuxUnit {
    const Drhd* drhd;
    int seq_id;
  };
  std::vector<LinuxUnit> units;
  bool failed = false;
  for (const DmarStructure& s : table.structures) {
    if (failed) break;
    std::visit(
        [&](const auto& b) {
          using T = std::decay_t<decltype(b)>;
          if constexpr (std::is_same_v<T, Drhd>) {
            lines.push_back(absl::StrFormat("DMAR: DRHD base: %s flags: %s",
                                            KernelHex(b.register_base, 16), KernelHex(b.flags)));
            bool dup = std::any_of(units.begin(), units.end(), [&](const LinuxUnit& u) {
              return u.drhd->segment == b.segment && u.drhd->register_base == b.register_base;
            });
            if (dup) return;
            if (b.register_base == 0) {  // alloc_iommu refuses it; the parse fails
              failed = true;
              return;
            }
            units.push_back(LinuxUnit{&b, static_cast<int>(units.size())});
            for (const LinuxUnitValues& v : values) {
              if (v.register_base != b.register_base) continue;
              lines.push_back(absl::StrFormat(
                  "DMAR: dmar%d: reg_base_addr %x ver %d:%d cap %x ecap %x", units.back().seq_id,
                  v.register_base, (v.version >> 4) & 0xf, v.version & 0xf, v.cap, v.ecap));
            }
          } else if constexpr (std::is_same_v<T, Rmrr>) {
            lines.push_back(absl::StrFormat("DMAR: RMRR base: %s end: %s", KernelHex(b.base, 16),
                                            KernelHex(b.limit, 16)));
            // rmrr_sanity_check(): the table-only part (alignment and order). Linux also
            // checks the e820 map, which the table does not carry.
            bool bad = (b.base & 0xfff) != 0 || ((b.limit + 1) & 0xfff) != 0 || b.limit <= b.base;
            if (bad) {
              lines.push_back(
                  absl::StrFormat("DMAR: [Firmware Bug]: Your BIOS is broken; bad RMRR [%s-%s]",
                                  KernelHex(b.base, 18), KernelHex(b.limit, 18)));
            }
          } else if constexpr (std::is_same_v<T, Atsr>) {
            lines.push_back(absl::StrFormat("DMAR: ATSR flags: %s", KernelHex(b.flags)));
          } else if constexpr (std::is_same_v<T, Rhsa>) {
            lines.push_back(absl::StrFormat("DMAR: RHSA base: %s proximity domain: %s",
                                            KernelHex(b.register_base, 16),
                                            KernelHex(b.proximity_domain)));
            bool found = std::any_of(units.begin(), units.end(), [&](const LinuxUnit& u) {
              return u.drhd->register_base == b.register_base;
            });
            if (!found) {
              lines.push_back(absl::StrFormat(
                  "DMAR: [Firmware Bug]: Your BIOS is broken; RHSA refers to non-existent DMAR "
                  "unit at %x",
                  b.register_base));
            }
          } else if constexpr (std::is_same_v<T, Andd>) {
            if (b.name.size() == b.name_field.size()) {  // no NUL within Length - 8
              lines.push_back(
                  "DMAR: [Firmware Bug]: Your BIOS is broken; ANDD object name is not "
                  "NUL-terminated");
              failed = true;
              return;
            }
            lines.push_back(
                absl::StrFormat("DMAR: ANDD device: %x name: %s", b.device_number, b.name));
          } else if constexpr (std::is_same_v<T, Satc>) {
            lines.push_back(absl::StrFormat("DMAR: SATC flags: %s", KernelHex(b.flags)));
          }
        },
        s.body);
  }
  if (failed) {
    lines.push_back("DMAR: Parse DMAR table failure.");
    return lines;
  }
  if (units.empty()) {
    lines.push_back("DMAR: [Firmware Bug]: No DRHD structure found in DMAR table");
    lines.push_back("DMAR: No DMAR devices found");
    return lines;
  }
  if ((h.flags & kDmarFlagIntrRemap) == 0) return lines;  // dmar_ir_support()

  // for_each_iommu order: units without INCLUDE_PCI_ALL are added at the list head (so in
  // reverse table order), INCLUDE_PCI_ALL units at the tail (in table order).
  std::vector<LinuxUnit> order;
  for (auto it = units.rbegin(); it != units.rend(); ++it) {
    if (!it->drhd->include_pci_all()) order.push_back(*it);
  }
  for (const LinuxUnit& u : units) {
    if (u.drhd->include_pci_all()) order.push_back(u);
  }
  std::set<std::pair<int, int>> ioapics, hpets;  // (seq_id, enumeration id) already seen
  for (const LinuxUnit& u : order) {
    for (const DeviceScope& s : u.drhd->scopes) {
      if (s.type == static_cast<uint8_t>(DeviceScopeType::kIoapic)) {
        if (!ioapics.insert({u.seq_id, s.enumeration_id}).second) continue;
        lines.push_back(absl::StrFormat("DMAR-IR: IOAPIC id %d under DRHD base  0x%x IOMMU %d",
                                        s.enumeration_id, u.drhd->register_base, u.seq_id));
      } else if (s.type == static_cast<uint8_t>(DeviceScopeType::kHpet)) {
        if (!hpets.insert({u.seq_id, s.enumeration_id}).second) continue;
        lines.push_back(absl::StrFormat("DMAR-IR: HPET id %d under DRHD base 0x%x",
                                        s.enumeration_id, u.drhd->register_base));
      }
    }
  }
  if (h.flags & kDmarFlagX2apicOptOut) {
    lines.push_back("DMAR-IR: x2apic is disabled because BIOS sets x2apic opt out bit.");
    lines.push_back("DMAR-IR: Use 'intremap=no_x2apic_optout' to override the BIOS setting.");
  }
  return lines;
}

std::string FormatFindingsText(const std::vector<Finding>& findings) {
  std::string out;
  int counts[3] = {0, 0, 0};
  for (const Finding& f : findings) {
    ++counts[static_cast<int>(f.severity)];
    absl::StrAppendFormat(&out, "%-7s %s at offset %s: %s\n", SeverityName(f.severity), f.id,
                          Hex(f.offset), f.message);
  }
  absl::StrAppendFormat(&out, "%d error(s), %d warning(s), %d info\n", counts[2], counts[1],
                        counts[0]);
  return out;
}

Json FindingsToJson(const std::vector<Finding>& findings) {
  Json arr = Json::MakeArray();
  int counts[3] = {0, 0, 0};
  for (const Finding& f : findings) {
    ++counts[static_cast<int>(f.severity)];
    Json o = Json::MakeObject();
    o.Set("severity", SeverityName(f.severity));
    o.Set("id", f.id);
    o.Set("offset", static_cast<uint64_t>(f.offset));
    o.Set("message", f.message);
    arr.Push(std::move(o));
  }
  Json doc = Json::MakeObject();
  doc.Set("findings", std::move(arr));
  doc.Set("errors", counts[2]);
  doc.Set("warnings", counts[1]);
  doc.Set("infos", counts[0]);
  return doc;
}

}  // namespace vtd::acpi
