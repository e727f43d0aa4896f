// `vtdsim dmar decode|check|route|units`: argument handling and printing only; decoding,
// checking and routing live in model/acpi and model/platform.
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/acpi/acpidump.h"
#include "model/acpi/dmar.h"
#include "model/acpi/dmar_check.h"
#include "model/acpi/dmar_print.h"
#include "model/common/hex.h"
#include "model/common/json.h"
#include "model/platform/pci_topology.h"
#include "model/platform/platform.h"
#include "model/replay/reported_units.h"
#include "tools/vtdsim/command.h"

namespace vtd::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFindings = 1;
constexpr int kExitBadInput = 2;

constexpr char kDmarUsage[] =
    "usage: vtdsim dmar SUBCOMMAND FILE [OPTIONS]\n"
    "Decode, check and route ACPI DMAR tables (VT-d spec chapter 8).\n"
    "FILE is a binary table (/sys/firmware/acpi/tables/DMAR) or acpidump text output\n"
    "(the DMAR table is picked out of it).\n\n"
    "subcommands:\n"
    "  decode   print every field of the table (--json, --format text|json|linux)\n"
    "  check    report problems in the table; exit 0 clean, 1 errors found, 2 unreadable\n"
    "  route    which remapping unit remaps a requester SEG:BB:DD.F, and why\n"
    "  units    the remapping units, their interrupt sources, RMRR and ATS reporting\n\n"
    "Run 'vtdsim dmar SUBCOMMAND --help' for its options.\n";

constexpr char kDecodeUsage[] =
    "usage: vtdsim dmar decode FILE [--json | --format text|json|linux] [--partial]\n"
    "Print the DMAR table in FILE.\n"
    "  --format text   every field named, flags spelled out, scopes as bb:dd.f paths (default)\n"
    "  --format json   a JSON document (same as --json; schema in README.md)\n"
    "  --format linux  the lines Linux logs while parsing this table at boot, in its wording\n"
    "  --boot-log F | --sysfs D  (with --format linux) unit values, to also print each\n"
    "                  unit's 'dmar%d: reg_base_addr ... ver ... cap ... ecap ...' line\n"
    "                  (compare with 'dmesg | grep DMAR'); lines that need the hardware or\n"
    "                  other ACPI tables are not printed\n"
    "  --partial       for a table whose header is sound but a structure is not, still print\n"
    "                  the header and every structure before the bad one (exit status 2)\n"
    "Exit status: 0 decoded, 2 unreadable or malformed input (one line on stderr).\n";

constexpr char kCheckUsage[] =
    "usage: vtdsim dmar check FILE [--json]\n"
    "Check the DMAR table in FILE and print the findings (severity, id, offset, message).\n"
    "  --json   print {\"findings\": [...], \"errors\", \"warnings\", \"infos\"}\n"
    "Exit status: 0 no error-severity finding, 1 error findings (a table that does not\n"
    "parse is one), 2 the file cannot be read or holds no DMAR table.\n";

constexpr char kTopologyHelp[] =
    "  --topology TOPO  PCI bridges, one a line: '0000:00:1c.0 secondary=02 subordinate=03'\n"
    "                   (hex; '#' starts a comment). Needed to place devices below bridge\n"
    "                   scopes and to resolve multi-hop scope paths (§8.3.1)\n"
    "  --bridge SEG:BB:DD.F=SEC-SUB  one bridge on the command line (repeatable), e.g.\n"
    "                   --bridge 0000:00:1c.0=02-03\n";

constexpr char kRouteUsage[] =
    "usage: vtdsim dmar route FILE REQUESTER... [--topology TOPO] [--bridge B]... [--json]\n"
    "For each REQUESTER (SEG:BB:DD.F or BB:DD.F, hex), print the remapping unit that remaps\n"
    "its DMA and why (endpoint scope, bridge scope, bridge bus range, INCLUDE_PCI_ALL, or\n"
    "none), the RMRR ranges it must have identity-mapped, and whether it may use ATS.\n"
    "Without a topology, bridge scopes match only the bridge itself; the output says so.\n";

constexpr char kUnitsUsage[] =
    "usage: vtdsim dmar units FILE [--topology TOPO] [--bridge B]... [--json]\n"
    "List the remapping units (segment, register base, scopes), the interrupt sources under\n"
    "each (IOAPIC, HPET, ACPI namespace devices with their source-ids), the RMRR identity\n"
    "ranges per device, and the ATS reporting (ATSR root ports, SATC devices).\n";

struct Options {
  std::vector<std::string> positional;
  bool help = false;
  bool json = false;
  std::string format;    // decode only
  bool partial = false;  // decode only
  std::optional<std::string> topology_file;
  std::vector<std::string> bridges;
  std::string boot_log;  // decode --format linux: unit values
  std::string sysfs;
};

// Parses "--name VALUE", "--name=VALUE" and flags. Returns an error message or "".
std::string ParseOptions(const Args& args, bool accepts_format, bool accepts_topology, Options& o) {
  for (size_t i = 0; i < args.size(); ++i) {
    absl::string_view a = args[i];
    auto value = [&](absl::string_view name, std::string& out) -> std::string {
      if (a == name) {
        if (i + 1 >= args.size()) return absl::StrCat(name, " needs a value");
        out = args[++i];
        return "";
      }
      out = std::string(a.substr(name.size() + 1));
      return "";
    };
    auto is = [&](absl::string_view name) {
      return a == name || absl::StartsWith(a, absl::StrCat(name, "="));
    };
    if (a == "--help" || a == "-h") {
      o.help = true;
    } else if (a == "--json") {
      o.json = true;
    } else if (accepts_format && a == "--partial") {
      o.partial = true;
    } else if (accepts_format && is("--format")) {
      if (std::string e = value("--format", o.format); !e.empty()) return e;
      if (o.format != "text" && o.format != "json" && o.format != "linux") {
        return absl::StrCat("unknown --format '", o.format, "' (text, json or linux)");
      }
    } else if (accepts_format && (is("--boot-log") || is("--sysfs"))) {
      const bool log = is("--boot-log");
      if (std::string e = value(log ? "--boot-log" : "--sysfs", log ? o.boot_log : o.sysfs);
          !e.empty()) {
        return e;
      }
    } else if (accepts_topology && is("--topology")) {
      std::string v;
      if (std::string e = value("--topology", v); !e.empty()) return e;
      o.topology_file = v;
    } else if (accepts_topology && is("--bridge")) {
      std::string v;
      if (std::string e = value("--bridge", v); !e.empty()) return e;
      o.bridges.push_back(v);
    } else if (absl::StartsWith(a, "-") && a != "-") {
      return absl::StrCat("unknown option '", a, "'");
    } else {
      o.positional.emplace_back(a);
    }
  }
  return "";
}

int UsageError(absl::string_view message, absl::string_view usage) {
  std::fprintf(stderr, "vtdsim dmar: %.*s\n", static_cast<int>(message.size()), message.data());
  std::fprintf(stderr, "%.*s", static_cast<int>(usage.size()), usage.data());
  return kExitBadInput;
}

void Fail(absl::string_view message) {
  std::fprintf(stderr, "vtdsim: %.*s\n", static_cast<int>(message.size()), message.data());
}

// Where a table came from, for messages: "FILE" or "FILE (DMAR at line N)".
std::string Source(const acpi::LoadedDmar& loaded) {
  if (!loaded.from_acpidump) return loaded.path;
  return absl::StrCat(loaded.path, " (acpidump DMAR table at line ", loaded.acpidump_line, ")");
}

// Loads and parses FILE; prints the one-line error and returns nullopt on failure. With
// `sound_part`, a table whose structure list is malformed leaves its sound part there.
std::optional<acpi::DmarTable> LoadTable(const std::string& path,
                                         std::optional<acpi::DmarTable>* sound_part = nullptr) {
  absl::StatusOr<acpi::LoadedDmar> loaded = acpi::LoadDmarFile(path);
  if (!loaded.ok()) {
    Fail(loaded.status().message());
    return std::nullopt;
  }
  absl::StatusOr<acpi::DmarTable> table = acpi::ParseDmar(loaded->bytes, sound_part);
  if (!table.ok()) {
    Fail(absl::StrCat(Source(*loaded), ": ", table.status().message()));
    return std::nullopt;
  }
  return *std::move(table);
}

void Print(absl::string_view s) { std::fwrite(s.data(), 1, s.size(), stdout); }

std::optional<platform::PciTopology> LoadTopology(const Options& o) {
  platform::PciTopology topo;
  if (o.topology_file) {
    std::ifstream in(*o.topology_file);
    if (!in) {
      Fail(absl::StrCat(*o.topology_file, ": cannot open the topology file"));
      return std::nullopt;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    absl::StatusOr<platform::PciTopology> parsed =
        platform::PciTopology::ParseText(ss.str(), *o.topology_file);
    if (!parsed.ok()) {
      Fail(parsed.status().message());
      return std::nullopt;
    }
    topo = *std::move(parsed);
  }
  for (const std::string& spec : o.bridges) {
    absl::StatusOr<platform::PciBridge> b = platform::PciTopology::ParseBridgeSpec(spec);
    absl::Status s = b.ok() ? topo.AddBridge(*b) : b.status();
    if (!s.ok()) {
      Fail(absl::StrCat("--bridge ", spec, ": ", s.message()));
      return std::nullopt;
    }
  }
  return topo;
}

int Decode(const Args& args) {
  Options o;
  if (std::string e = ParseOptions(args, true, false, o); !e.empty()) {
    return UsageError(e, kDecodeUsage);
  }
  if (o.help) {
    Print(kDecodeUsage);
    return kExitOk;
  }
  if (o.positional.size() != 1) return UsageError("decode takes one FILE", kDecodeUsage);
  std::string format = o.format.empty() ? (o.json ? "json" : "text") : o.format;
  if (o.json && format != "json") return UsageError("--json conflicts with --format", kDecodeUsage);
  std::optional<acpi::DmarTable> sound_part;
  std::optional<acpi::DmarTable> table = LoadTable(o.positional[0], &sound_part);
  const bool complete = table.has_value();
  if (!complete) {
    if (!o.partial || !sound_part.has_value()) return kExitBadInput;
    table = std::move(sound_part);  // the error line is on stderr already
  }
  if (format == "json") {
    Print(acpi::DmarToJson(*table).Dump(2) + "\n");
  } else if (format == "linux") {
    std::vector<acpi::LinuxUnitValues> values;
    if (!o.boot_log.empty() || !o.sysfs.empty()) {
      absl::StatusOr<std::vector<replay::ReportedUnit>> units;
      if (!o.boot_log.empty()) {
        std::ifstream in(o.boot_log);
        std::ostringstream text;
        text << in.rdbuf();
        if (!in) {
          std::fprintf(stderr, "vtdsim: cannot read %s\n", o.boot_log.c_str());
          return kExitBadInput;
        }
        units = replay::ParseBootLog(text.str(), o.boot_log);
      } else {
        units = replay::ReadSysfsUnits(o.sysfs);
      }
      if (!units.ok()) {
        std::fprintf(stderr, "vtdsim: %s\n", std::string(units.status().message()).c_str());
        return kExitBadInput;
      }
      for (const replay::ReportedUnit& u : *units) {
        values.push_back({u.register_base, u.version, u.cap, u.ecap});
      }
    }
    for (const std::string& line : acpi::FormatDmarLinux(*table, values)) Print(line + "\n");
  } else {
    Print(acpi::FormatDmarText(*table));
  }
  return complete ? kExitOk : kExitBadInput;
}

int Check(const Args& args) {
  Options o;
  if (std::string e = ParseOptions(args, false, false, o); !e.empty()) {
    return UsageError(e, kCheckUsage);
  }
  if (o.help) {
    Print(kCheckUsage);
    return kExitOk;
  }
  if (o.positional.size() != 1) return UsageError("check takes one FILE", kCheckUsage);
  absl::StatusOr<acpi::LoadedDmar> loaded = acpi::LoadDmarFile(o.positional[0]);
  if (!loaded.ok()) {
    Fail(loaded.status().message());
    return kExitBadInput;
  }
  std::vector<acpi::Finding> findings = acpi::CheckDmarBytes(loaded->bytes);
  if (o.json) {
    Json doc = acpi::FindingsToJson(findings);
    Json out = Json::MakeObject();
    out.Set("file", loaded->path);
    for (const auto& [k, v] : doc.object()) out.Set(k, v);
    Print(out.Dump(2) + "\n");
  } else {
    Print(absl::StrCat(Source(*loaded), ":\n"));
    Print(acpi::FormatFindingsText(findings));
  }
  for (const acpi::Finding& f : findings) {
    if (f.severity == acpi::Severity::kError) return kExitFindings;
  }
  return kExitOk;
}

std::string RangeString(uint64_t base, uint64_t limit) {
  return absl::StrCat(Hex(base), "-", Hex(limit));
}

Json UnitJson(const platform::DrhdUnit& u) {
  Json o = Json::MakeObject();
  o.Set("index", u.index);
  o.Set("offset", static_cast<uint64_t>(u.offset));
  o.Set("segment", static_cast<int>(u.segment));
  o.Set("register_base", Hex(u.register_base));
  return o;
}

std::string TopologySummary(const platform::Platform& p) {
  if (!p.has_topology()) {
    return "topology: none given; bridge scopes match only the bridge itself and multi-hop "
           "paths stay unresolved (see --topology)\n";
  }
  std::vector<std::string> parts;
  for (const platform::PciBridge& b : p.topology().bridges()) {
    parts.push_back(
        absl::StrFormat("%s buses %02x-%02x", b.address.ToString(), b.secondary, b.subordinate));
  }
  return absl::StrCat("topology: ", absl::StrJoin(parts, "; "), "\n");
}

int Route(const Args& args) {
  Options o;
  if (std::string e = ParseOptions(args, false, true, o); !e.empty()) {
    return UsageError(e, kRouteUsage);
  }
  if (o.help) {
    Print(kRouteUsage);
    Print(kTopologyHelp);
    return kExitOk;
  }
  if (o.positional.size() < 2) {
    return UsageError("route takes FILE and at least one REQUESTER", kRouteUsage);
  }
  std::vector<platform::PciAddress> requesters;
  for (size_t i = 1; i < o.positional.size(); ++i) {
    absl::StatusOr<platform::PciAddress> a = platform::PciAddress::Parse(o.positional[i]);
    if (!a.ok()) return UsageError(a.status().message(), kRouteUsage);
    requesters.push_back(*a);
  }
  std::optional<platform::PciTopology> topo = LoadTopology(o);
  if (!topo) return kExitBadInput;
  std::optional<acpi::DmarTable> table = LoadTable(o.positional[0]);
  if (!table) return kExitBadInput;
  platform::Platform p = platform::Platform::FromDmar(*table, *std::move(topo));

  Json results = Json::MakeArray();
  std::string text = TopologySummary(p);
  for (const platform::PciAddress& req : requesters) {
    platform::RouteResult r = p.Route(req);
    std::vector<platform::RmrrRange> rmrrs = p.RmrrRangesFor(req);
    platform::AtsResult ats = p.AtsFor(req);
    if (o.json) {
      Json j = Json::MakeObject();
      j.Set("requester", req.ToString());
      j.Set("source_id", Hex(req.source_id().value()));
      j.Set("unit", r.unit ? UnitJson(p.units()[*r.unit]) : Json(nullptr));
      j.Set("reason", platform::RouteReasonName(r.reason));
      j.Set("scope_offset",
            r.scope_offset ? Json(static_cast<uint64_t>(*r.scope_offset)) : Json(nullptr));
      j.Set("explanation", r.explanation);
      Json notes = Json::MakeArray();
      for (const std::string& n : r.notes) notes.Push(n);
      j.Set("notes", std::move(notes));
      Json rm = Json::MakeArray();
      for (const platform::RmrrRange& x : rmrrs) {
        Json e = Json::MakeObject();
        e.Set("base", Hex(x.base));
        e.Set("limit", Hex(x.limit));
        e.Set("rmrr_offset", static_cast<uint64_t>(x.rmrr_offset));
        e.Set("via_bridge", x.via_bridge);
        rm.Push(std::move(e));
      }
      j.Set("rmrr", std::move(rm));
      Json a = Json::MakeObject();
      a.Set("verdict", platform::AtsVerdictName(ats.verdict));
      a.Set("atc_required", ats.atc_required);
      a.Set("explanation", ats.explanation);
      j.Set("ats", std::move(a));
      results.Push(std::move(j));
      continue;
    }
    absl::StrAppend(&text, "\n", req.ToString(), " (source-id ", Hex(req.source_id().value()),
                    ") -> ", r.unit ? p.units()[*r.unit].Name() : std::string("no remapping unit"),
                    "\n");
    absl::StrAppend(&text, "  why:  ", platform::RouteReasonName(r.reason), ": ", r.explanation,
                    "\n");
    for (const std::string& n : r.notes) absl::StrAppend(&text, "  note: ", n, "\n");
    if (rmrrs.empty()) {
      absl::StrAppend(&text, "  RMRR: none (no identity ranges required)\n");
    }
    for (const platform::RmrrRange& x : rmrrs) {
      absl::StrAppend(&text, "  RMRR: identity-map ", RangeString(x.base, x.limit),
                      absl::StrFormat(" (RMRR at offset %#x%s, §8.4)", x.rmrr_offset,
                                      x.via_bridge ? ", via a bridge scope above it" : ""),
                      "\n");
    }
    absl::StrAppend(&text, "  ATS:  ", platform::AtsVerdictName(ats.verdict), ": ", ats.explanation,
                    "\n");
  }
  if (o.json) {
    Json doc = Json::MakeObject();
    doc.Set("topology", p.has_topology());
    doc.Set("requesters", std::move(results));
    Print(doc.Dump(2) + "\n");
  } else {
    Print(text);
  }
  return kExitOk;
}

std::string ScopeSummary(const platform::ResolvedScope& s) {
  std::string out = absl::StrCat(acpi::ScopeJsonType(s.scope.type), " ", s.PathString());
  if (s.scope.type >= 3 && s.scope.type <= 5) {
    absl::StrAppend(&out, " id ", s.scope.enumeration_id);
  }
  if (s.device) {
    if (s.scope.path.size() > 1) absl::StrAppend(&out, " = ", s.device->Bdf());
    absl::StrAppend(&out, " (source-id ", Hex(s.device->source_id().value()), ")");
  } else {
    absl::StrAppend(&out, " (unresolved: ", s.note, ")");
  }
  return out;
}

Json ScopeJson(const platform::ResolvedScope& s) {
  Json o = Json::MakeObject();
  o.Set("type", acpi::ScopeJsonType(s.scope.type));
  o.Set("offset", static_cast<uint64_t>(s.scope.offset));
  o.Set("enumeration_id", static_cast<int>(s.scope.enumeration_id));
  o.Set("path", s.PathString());
  o.Set("device", s.device ? Json(s.device->ToString()) : Json(nullptr));
  o.Set("source_id", s.device ? Json(Hex(s.device->source_id().value())) : Json(nullptr));
  if (!s.device) o.Set("unresolved", s.note);
  return o;
}

int Units(const Args& args) {
  Options o;
  if (std::string e = ParseOptions(args, false, true, o); !e.empty()) {
    return UsageError(e, kUnitsUsage);
  }
  if (o.help) {
    Print(kUnitsUsage);
    Print(kTopologyHelp);
    return kExitOk;
  }
  if (o.positional.size() != 1) return UsageError("units takes one FILE", kUnitsUsage);
  std::optional<platform::PciTopology> topo = LoadTopology(o);
  if (!topo) return kExitBadInput;
  std::optional<acpi::DmarTable> table = LoadTable(o.positional[0]);
  if (!table) return kExitBadInput;
  platform::Platform p = platform::Platform::FromDmar(*table, *std::move(topo));

  if (o.json) {
    Json doc = Json::MakeObject();
    Json units = Json::MakeArray();
    for (const platform::DrhdUnit& u : p.units()) {
      Json j = UnitJson(u);
      j.Set("register_set_bytes", Hex(u.register_set_bytes));
      j.Set("include_pci_all", u.include_pci_all);
      Json pci = Json::MakeArray();
      for (const auto& s : u.pci_scopes) pci.Push(ScopeJson(s));
      j.Set("pci_scopes", std::move(pci));
      Json irq = Json::MakeArray();
      for (const auto& s : u.interrupt_scopes) irq.Push(ScopeJson(s));
      j.Set("interrupt_sources", std::move(irq));
      units.Push(std::move(j));
    }
    doc.Set("units", std::move(units));
    Json rmrrs = Json::MakeArray();
    for (const platform::RmrrEntry& e : p.rmrrs()) {
      Json j = Json::MakeObject();
      j.Set("offset", static_cast<uint64_t>(e.offset));
      j.Set("segment", static_cast<int>(e.segment));
      j.Set("base", Hex(e.base));
      j.Set("limit", Hex(e.limit));
      Json devs = Json::MakeArray();
      for (const auto& s : e.scopes) devs.Push(ScopeJson(s));
      j.Set("devices", std::move(devs));
      rmrrs.Push(std::move(j));
    }
    doc.Set("rmrrs", std::move(rmrrs));
    Json atsrs = Json::MakeArray();
    for (const platform::AtsrEntry& e : p.atsrs()) {
      Json j = Json::MakeObject();
      j.Set("offset", static_cast<uint64_t>(e.offset));
      j.Set("segment", static_cast<int>(e.segment));
      j.Set("all_ports", e.all_ports);
      Json ports = Json::MakeArray();
      for (const auto& s : e.root_ports) ports.Push(ScopeJson(s));
      j.Set("root_ports", std::move(ports));
      atsrs.Push(std::move(j));
    }
    doc.Set("atsrs", std::move(atsrs));
    Json satcs = Json::MakeArray();
    for (const platform::SatcEntry& e : p.satcs()) {
      Json j = Json::MakeObject();
      j.Set("offset", static_cast<uint64_t>(e.offset));
      j.Set("segment", static_cast<int>(e.segment));
      j.Set("atc_required", e.atc_required);
      Json devs = Json::MakeArray();
      for (const auto& s : e.devices) devs.Push(ScopeJson(s));
      j.Set("devices", std::move(devs));
      satcs.Push(std::move(j));
    }
    doc.Set("satcs", std::move(satcs));
    Print(doc.Dump(2) + "\n");
    return kExitOk;
  }

  std::string text = TopologySummary(p);
  for (const platform::DrhdUnit& u : p.units()) {
    absl::StrAppend(&text, "\n", u.Name(), u.include_pci_all ? ", INCLUDE_PCI_ALL" : "",
                    ", registers ", Hex(u.register_set_bytes), " bytes\n");
    for (const auto& s : u.pci_scopes)
      absl::StrAppend(&text, "  PCI:       ", ScopeSummary(s), "\n");
    for (const auto& s : u.interrupt_scopes) {
      absl::StrAppend(&text, "  interrupt: ", ScopeSummary(s), "\n");
    }
    if (u.pci_scopes.empty() && u.interrupt_scopes.empty())
      absl::StrAppend(&text, "  (no scopes)\n");
  }
  for (const platform::RmrrEntry& e : p.rmrrs()) {
    absl::StrAppend(&text, "\nRMRR at offset ", Hex(e.offset), ": identity-map ",
                    RangeString(e.base, e.limit), " for\n");
    for (const auto& s : e.scopes) absl::StrAppend(&text, "  ", ScopeSummary(s), "\n");
  }
  for (const platform::AtsrEntry& e : p.atsrs()) {
    absl::StrAppend(&text, "\nATSR at offset ", Hex(e.offset), " (segment ", Hex(e.segment),
                    "): ", e.all_ports ? "ALL_PORTS: every root port supports ATS" : "root ports",
                    "\n");
    for (const auto& s : e.root_ports) absl::StrAppend(&text, "  ", ScopeSummary(s), "\n");
  }
  for (const platform::SatcEntry& e : p.satcs()) {
    absl::StrAppend(&text, "\nSATC at offset ", Hex(e.offset), " (segment ", Hex(e.segment), ")",
                    e.atc_required ? ", ATC_REQUIRED" : "", ": integrated devices with an ATC\n");
    for (const auto& s : e.devices) absl::StrAppend(&text, "  ", ScopeSummary(s), "\n");
  }
  Print(text);
  return kExitOk;
}

}  // namespace

int DmarCommand(const Args& args) {
  if (args.empty()) {
    std::fprintf(stderr, "%s", kDmarUsage);
    return kExitBadInput;
  }
  const std::string& sub = args[0];
  Args rest(args.begin() + 1, args.end());
  if (sub == "--help" || sub == "-h" || sub == "help") {
    Print(kDmarUsage);
    return kExitOk;
  }
  if (sub == "decode") return Decode(rest);
  if (sub == "check") return Check(rest);
  if (sub == "route") return Route(rest);
  if (sub == "units") return Units(rest);
  return UsageError(absl::StrCat("unknown subcommand '", sub, "'"), kDmarUsage);
}

}  // namespace vtd::cli
