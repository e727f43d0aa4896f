#include "model/replay/machine.h"

#include <string>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "model/common/hex.h"

namespace vtd::replay {
namespace {

std::vector<acpi::Drhd> Drhds(const acpi::DmarTable& table) {
  std::vector<acpi::Drhd> out;
  for (const acpi::DmarStructure& s : table.structures) {
    if (const auto* d = std::get_if<acpi::Drhd>(&s.body)) out.push_back(*d);
  }
  return out;
}

// A YAML double-quoted scalar.
std::string Quoted(const std::string& text) {
  return absl::StrCat("\"", absl::StrReplaceAll(text, {{"\\", "\\\\"}, {"\"", "\\\""}}), "\"");
}

}  // namespace

absl::StatusOr<Machine> ImportMachine(const acpi::DmarTable& table,
                                      const std::vector<ReportedUnit>& reported,
                                      const MachineOptions& options) {
  Machine m;
  m.host_address_width = table.header.host_address_width + 1;
  const std::vector<acpi::Drhd> drhds = Drhds(table);
  std::vector<std::string> bases;
  for (const acpi::Drhd& d : drhds) bases.push_back(Hex(d.register_base));
  for (size_t i = 0; i < reported.size(); ++i) {
    bool known = false;
    for (const acpi::Drhd& d : drhds) known |= d.register_base == reported[i].register_base;
    if (!known) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: %s has reg_base_addr %s, which no DRHD of the DMAR table has (its DRHDs: %s); "
          "are the log and the table from the same machine?",
          reported[i].source, reported[i].name, Hex(reported[i].register_base),
          absl::StrJoin(bases, ", ")));
    }
    for (size_t j = 0; j < i; ++j) {
      if (reported[j].register_base == reported[i].register_base) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s: %s and %s (%s) both report reg_base_addr %s", reported[i].source, reported[j].name,
            reported[i].name, reported[j].source, Hex(reported[i].register_base)));
      }
    }
  }
  int index = 0;
  for (const acpi::Drhd& d : drhds) {
    MachineUnit u;
    u.index = index++;
    u.register_base = d.register_base;
    for (const ReportedUnit& r : reported) {
      if (r.register_base == d.register_base) u.reported = r;
    }
    const std::string label = absl::StrFormat("dmar%d (base %s)", u.index, Hex(u.register_base));
    if (!u.reported) {
      m.notes.push_back(absl::StrCat(label,
                                     ": not reported by the machine: the scenario's default "
                                     "CAP/ECAP (MGAW covering the table's HAW) apply"));
      m.units.push_back(std::move(u));
      continue;
    }
    AuditContext context;
    context.host_address_width = m.host_address_width;
    context.version = u.reported->version;
    if (options.mask_unimplemented) {
      u.masked = MaskUnimplemented(u.reported->cap, u.reported->ecap, ImplementedFeatures::Today(),
                                   context);
    } else {
      u.masked.cap = u.reported->cap;
      u.masked.ecap = u.reported->ecap;
      u.masked.audit = AuditCapabilities(u.reported->cap, u.reported->ecap,
                                         ImplementedFeatures::Today(), context);
    }
    if (!u.masked.audit.ok()) {
      std::vector<std::string> problems;
      for (const CapabilityProblem& p : u.masked.audit.problems) problems.push_back(p.message);
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: %s (%s) cannot be modeled%s: %s", u.reported->source, u.reported->name,
          Hex(u.register_base), options.mask_unimplemented ? " even with masking" : "",
          absl::StrJoin(problems, "; ")));
    }
    for (const MaskedField& f : u.masked.masked) {
      m.notes.push_back(absl::StrCat(label, ": masked ", f.field, " (reported clear): ", f.reason));
    }
    for (const std::string& n : u.masked.audit.notes) {
      m.notes.push_back(absl::StrCat(label, ": ", n));
    }
    m.units.push_back(std::move(u));
  }
  return m;
}

std::string PlatformYaml(const Machine& machine, const MachineFiles& files) {
  std::string out = "platform:\n";
  absl::StrAppend(&out, "  dmar: ", Quoted(files.dmar), "\n");
  if (!files.topology.empty()) absl::StrAppend(&out, "  topology: ", Quoted(files.topology), "\n");
  absl::StrAppend(&out, "  unimplemented: ", files.mask_unimplemented ? "mask" : "reject", "\n");
  bool any = false;
  for (const MachineUnit& u : machine.units) any |= u.reported.has_value();
  if (!any) return out;
  out += "  units:\n";
  for (const MachineUnit& u : machine.units) {
    if (!u.reported) continue;
    absl::StrAppendFormat(&out, "    # %s, DRHD #%d; reported as: %s\n", u.reported->name, u.index,
                          FormatBootLogLine(*u.reported));
    for (const MaskedField& f : u.masked.masked) {
      absl::StrAppendFormat(&out, "    # masked (reads as clear): %s\n", f.field);
    }
    absl::StrAppendFormat(&out, "    - base: %s\n", Hex(u.register_base));
    absl::StrAppendFormat(&out, "      version: \"%s\"\n", FormatVersion(u.reported->version));
    absl::StrAppendFormat(&out, "      cap: %s\n", Hex(u.reported->cap));
    absl::StrAppendFormat(&out, "      ecap: %s\n", Hex(u.reported->ecap));
  }
  return out;
}

std::string MachineScenarioYaml(const Machine& machine, const MachineFiles& files) {
  std::string out;
  absl::StrAppend(&out, "name: ", Quoted(files.name), "\n");
  if (!files.description.empty()) {
    absl::StrAppend(&out, "description: ", Quoted(files.description), "\n");
  }
  for (const std::string& n : machine.notes) absl::StrAppend(&out, "# ", n, "\n");
  out += PlatformYaml(machine, files);
  out += "steps:\n";
  bool any = false;
  for (const MachineUnit& u : machine.units) {
    if (!u.reported) continue;
    any = true;
    absl::StrAppendFormat(&out,
                          "  - mmio_read: {unit: dmar%d, reg: VER}\n"
                          "    expect: {value: %s}\n"
                          "    label: \"%s reports VER %s\"\n",
                          u.index, Hex(u.reported->version), u.reported->name,
                          FormatVersion(u.reported->version));
  }
  if (!any) out += "  - mmio_read: {unit: 0, reg: VER}\n";
  return out;
}

}  // namespace vtd::replay
