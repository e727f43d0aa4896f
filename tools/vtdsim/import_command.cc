// `vtdsim import`: a real machine as a scenario (model/replay does the work; this file reads
// arguments and files and prints).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "model/acpi/acpidump.h"
#include "model/acpi/dmar.h"
#include "model/platform/pci_topology.h"
#include "model/replay/debugfs.h"
#include "model/replay/machine.h"
#include "model/replay/reported_units.h"
#include "tools/vtdsim/command.h"

namespace vtd::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitBadInput = 2;

constexpr char kImportUsage[] =
    "usage: vtdsim import machine DMAR (--boot-log FILE | --sysfs DIR) [--topology FILE]\n"
    "                     [--reject-unimplemented] [--name NAME] [-o OUT.yaml]\n"
    "       vtdsim import debugfs DIR [--iova BB:DD.F@0xIOVA]... [--checks N] [--name NAME]\n"
    "                     [-o OUT.yaml]\n"
    "\n"
    "machine: writes a scenario whose platform is the DMAR table (binary or acpidump text)\n"
    "with each unit's VER/CAP/ECAP as the machine reported them, matched by register base:\n"
    "  --boot-log FILE  Linux's boot log ('-' for stdin): its lines\n"
    "                   'dmar0: reg_base_addr fbffc000 ver 1:0 cap 8d2078c106f0466 ecap f020df'\n"
    "  --sysfs DIR      /sys/class/iommu (or a copy): "
    "dmar*/intel-iommu/{address,version,cap,ecap}\n"
    "  --topology FILE  PCI bridges with their bus ranges (vtdsim dmar route's format)\n"
    "  --reject-unimplemented  fail on capabilities vtdsim does not model instead of masking\n"
    "                   them (masked fields read as clear; the scenario lists them)\n"
    "debugfs: writes a scenario replaying /sys/kernel/debug/iommu/intel (a copy of it): units\n"
    "from iommu_regset, root/context/page-table words from dmar_translation_struct and\n"
    "domain_translation_struct, then a DMA per mapped page (up to --checks, default 64)\n"
    "expecting the address the dump maps it to, and one per --iova question.\n"
    "Notes (masked fields, assumptions) go to stderr. Exit status: 0, or 2 for bad input.\n";

int Fail(const std::string& message) {
  std::fprintf(stderr, "vtdsim import: %s\n", message.c_str());
  return kExitBadInput;
}

std::optional<std::string> ReadText(const std::string& path) {
  std::ostringstream s;
  if (path == "-") {
    s << std::cin.rdbuf();
    return s.str();
  }
  std::ifstream in(path);
  if (!in) return std::nullopt;
  s << in.rdbuf();
  return s.str();
}

// `path` as a scenario written to `output` should name it (relative to the output's folder).
std::string PathFor(const std::string& path, const std::string& output) {
  if (output.empty() || output == "-") return path;
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path dir = fs::absolute(fs::path(output), ec).parent_path();
  const fs::path rel = fs::relative(fs::absolute(fs::path(path), ec), dir, ec);
  return ec || rel.empty() ? fs::absolute(fs::path(path)).string() : rel.string();
}

int Write(const std::string& text, const std::string& output) {
  if (output.empty() || output == "-") {
    std::fputs(text.c_str(), stdout);
    return kExitOk;
  }
  std::ofstream out(output);
  out << text;
  if (!out) return Fail(absl::StrFormat("cannot write %s", output));
  return kExitOk;
}

}  // namespace

int ImportCommand(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::fputs(kImportUsage, args.empty() ? stderr : stdout);
    return args.empty() ? kExitBadInput : kExitOk;
  }
  const std::string kind = args[0];
  if (kind != "machine" && kind != "debugfs") {
    return Fail(
        absl::StrFormat("unknown import '%s' (expected machine or debugfs; see --help)", kind));
  }
  std::vector<std::string> positional;
  std::string boot_log, sysfs, topology, name, output;
  std::vector<std::string> questions;
  int checks = 64;
  bool mask = true;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&]() -> std::optional<std::string> {
      if (i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    std::optional<std::string> v;
    if (a == "--help" || a == "-h") {
      std::fputs(kImportUsage, stdout);
      return kExitOk;
    } else if (a == "--reject-unimplemented") {
      mask = false;
    } else if (a == "--boot-log" || a == "--sysfs" || a == "--topology" || a == "--name" ||
               a == "-o" || a == "--iova" || a == "--checks") {
      if (!(v = value())) return Fail(absl::StrFormat("%s needs a value (see --help)", a));
      if (a == "--boot-log") boot_log = *v;
      if (a == "--sysfs") sysfs = *v;
      if (a == "--topology") topology = *v;
      if (a == "--name") name = *v;
      if (a == "-o") output = *v;
      if (a == "--iova") questions.push_back(*v);
      if (a == "--checks" && !absl::SimpleAtoi(*v, &checks)) {
        return Fail(absl::StrFormat("--checks '%s' is not a number", *v));
      }
    } else if (absl::StartsWith(a, "-") && a != "-") {
      return Fail(absl::StrFormat("unknown argument '%s' (see --help)", a));
    } else {
      positional.push_back(a);
    }
  }
  if (positional.size() != 1) {
    return Fail(absl::StrFormat("import %s takes one %s (see --help)", kind,
                                kind == "machine" ? "DMAR table" : "debugfs directory"));
  }

  if (kind == "debugfs") {
    replay::DebugfsImporter importer;
    if (absl::Status s = importer.AddDirectory(positional[0]); !s.ok()) {
      return Fail(std::string(s.message()));
    }
    absl::StatusOr<replay::DebugfsImport> imported = importer.Finish();
    if (!imported.ok()) return Fail(std::string(imported.status().message()));
    for (const std::string& n : imported->notes) std::fprintf(stderr, "note: %s\n", n.c_str());
    absl::StatusOr<std::string> yaml = replay::DebugfsScenarioYaml(
        *imported, name.empty() ? "debugfs-replay" : name, questions, checks);
    if (!yaml.ok()) return Fail(std::string(yaml.status().message()));
    return Write(*yaml, output);
  }

  if (boot_log.empty() == sysfs.empty()) {
    return Fail("give the unit values with exactly one of --boot-log FILE or --sysfs DIR");
  }
  absl::StatusOr<acpi::LoadedDmar> loaded = acpi::LoadDmarFile(positional[0]);
  if (!loaded.ok()) return Fail(std::string(loaded.status().message()));
  absl::StatusOr<acpi::DmarTable> table = acpi::ParseDmar(loaded->bytes);
  if (!table.ok()) {
    return Fail(absl::StrFormat("%s: %s", positional[0], table.status().message()));
  }
  absl::StatusOr<std::vector<replay::ReportedUnit>> units;
  if (!boot_log.empty()) {
    std::optional<std::string> text = ReadText(boot_log);
    if (!text) return Fail(absl::StrFormat("cannot read %s", boot_log));
    units = replay::ParseBootLog(*text, boot_log == "-" ? "<stdin>" : boot_log);
  } else {
    units = replay::ReadSysfsUnits(sysfs);
  }
  if (!units.ok()) return Fail(std::string(units.status().message()));
  if (!topology.empty()) {
    std::optional<std::string> text = ReadText(topology);
    if (!text) return Fail(absl::StrFormat("cannot read %s", topology));
    if (absl::StatusOr<platform::PciTopology> t = platform::PciTopology::ParseText(*text, topology);
        !t.ok()) {
      return Fail(std::string(t.status().message()));
    }
  }
  replay::MachineOptions options;
  options.mask_unimplemented = mask;
  absl::StatusOr<replay::Machine> machine = replay::ImportMachine(*table, *units, options);
  if (!machine.ok()) return Fail(std::string(machine.status().message()));
  for (const std::string& n : machine->notes) std::fprintf(stderr, "note: %s\n", n.c_str());
  replay::MachineFiles files;
  files.name = name.empty() ? std::filesystem::path(positional[0]).stem().string() : name;
  files.dmar = PathFor(positional[0], output);
  if (!topology.empty()) files.topology = PathFor(topology, output);
  files.mask_unimplemented = mask;
  files.description = absl::StrFormat("imported by vtdsim import machine from %s and %s",
                                      positional[0], boot_log.empty() ? sysfs : boot_log);
  return Write(replay::MachineScenarioYaml(*machine, files), output);
}

}  // namespace vtd::cli
