// The capability values a running Linux reports for each remapping unit, from its boot log or
// from sysfs. Linux logs one line per unit while it sets the unit up
// (drivers/iommu/intel/dmar.c):
//   DMAR: dmar0: reg_base_addr fbffc000 ver 1:0 cap 8d2078c106f0466 ecap f020df
// and publishes the same values as /sys/class/iommu/dmarN/intel-iommu/{address, version, cap,
// ecap} ("%llx", "%d:%d", "%llx", "%llx", each with a newline).
#ifndef VTDSIM_MODEL_REPLAY_REPORTED_UNITS_H_
#define VTDSIM_MODEL_REPLAY_REPORTED_UNITS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace vtd::replay {

struct ReportedUnit {
  std::string name;  // "dmar0"
  uint64_t register_base = 0;
  uint32_t version = 0;  // VER_REG: bits 7:4 major, 3:0 minor
  uint64_t cap = 0;
  uint64_t ecap = 0;
  std::string source;  // "dmesg.txt:12" or "/sys/class/iommu/dmar0/intel-iommu"
};

// Every "dmarN: reg_base_addr ..." line of `text` (any prefix: a dmesg timestamp, "DMAR: "),
// in log order. Other lines are ignored. A line that has "reg_base_addr" but not Linux's
// format, or a unit logged twice with different values, is InvalidArgument naming
// `source_name` and the line; no such line at all is NotFound.
absl::StatusOr<std::vector<ReportedUnit>> ParseBootLog(absl::string_view text,
                                                       absl::string_view source_name);

// The units under `directory`: it may be /sys/class/iommu itself (dmar*/intel-iommu/...), a
// copy of it, or one unit's dmarN or dmarN/intel-iommu directory. Units are sorted by their
// number. Missing or malformed files are errors naming the file.
absl::StatusOr<std::vector<ReportedUnit>> ReadSysfsUnits(const std::string& directory);

// The boot-log line Linux prints for `unit` (without the "DMAR: " prefix).
std::string FormatBootLogLine(const ReportedUnit& unit);

}  // namespace vtd::replay

#endif  // VTDSIM_MODEL_REPLAY_REPORTED_UNITS_H_
