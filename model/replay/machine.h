// A real machine as a scenario platform: its DMAR table's DRHDs, each given the VER/CAP/ECAP
// the machine reported for the unit at that register base (boot log or sysfs), checked the way
// the scenario loader will check them, and written as a `platform:` a scenario can use
// (scenarios/README.md, "Replaying a real machine").
#ifndef VTDSIM_MODEL_REPLAY_MACHINE_H_
#define VTDSIM_MODEL_REPLAY_MACHINE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/acpi/dmar.h"
#include "model/regs/cap_ecap.h"
#include "model/replay/reported_units.h"

namespace vtd::replay {

struct MachineUnit {
  int index = 0;  // DRHD order in the table
  uint64_t register_base = 0;
  std::optional<ReportedUnit> reported;  // empty: the machine reported nothing for it
  MaskedCapabilities masked;             // the reported values after masking (if asked)
};

struct Machine {
  int host_address_width = 0;  // bits (DMAR HAW + 1)
  std::vector<MachineUnit> units;
  // What a user should know: units without reported values, what was masked, notes of the
  // audit.
  std::vector<std::string> notes;
};

struct MachineOptions {
  // Capabilities the model does not implement read as clear (the default for imported
  // machines); otherwise they are errors.
  bool mask_unimplemented = true;
};

// Matches `reported` to the table's DRHDs by register base. InvalidArgument when a reported
// unit has no DRHD at its base (naming the table's bases) or two report the same base, and
// when a unit's values stay invalid after masking (naming the unit and the fields).
absl::StatusOr<Machine> ImportMachine(const acpi::DmarTable& table,
                                      const std::vector<ReportedUnit>& reported,
                                      const MachineOptions& options = {});

// Where the scenario finds the files it names (paths as the scenario should write them).
struct MachineFiles {
  std::string name;         // the scenario's name
  std::string dmar;         // path of the DMAR table
  std::string topology;     // path of a topology file, or empty
  std::string description;  // free text
  bool mask_unimplemented = true;
};

// The `platform:` block (two-space indented YAML, comments listing what was masked), as the
// scenario format's `dmar:` platform with `units:` per reported unit.
std::string PlatformYaml(const Machine& machine, const MachineFiles& files);

// A whole scenario: `name`, `description`, the platform, and one `mmio_read` of VER_REG per
// reported unit expecting the reported version (a load check a user can extend with steps).
std::string MachineScenarioYaml(const Machine& machine, const MachineFiles& files);

}  // namespace vtd::replay

#endif  // VTDSIM_MODEL_REPLAY_MACHINE_H_
