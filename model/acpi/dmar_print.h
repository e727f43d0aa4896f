// Presenting DMAR tables (VT-d spec chapter 8): a readable decode with every field named
// and every flag spelled out, a JSON document, the lines Linux logs at boot for the table,
// and the checker's findings as text or JSON. Pure functions of their input: the same table
// always prints the same bytes.
//
// JSON conventions (documented in README.md): counts, offsets, lengths and fields of at
// most 32 bits (revision, checksum, flags, segment, bus, enumeration id, proximity domain,
// OEM/creator revisions) are JSON integers; addresses and other 64-bit values are "0x..."
// strings (Hex()). Header strings are the raw bytes with non-printable bytes escaped as
// \u00XX by the JSON writer. "host_address_width" is the raw field (the platform's width
// minus one), as the spec defines the field.
#ifndef VTDSIM_MODEL_ACPI_DMAR_PRINT_H_
#define VTDSIM_MODEL_ACPI_DMAR_PRINT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "model/acpi/dmar.h"
#include "model/acpi/dmar_check.h"
#include "model/common/json.h"

namespace vtd::acpi {

// The readable decode, one field a line, structures in table order with their offsets.
// Device-scope paths print as "bb:dd.f" for one hop and "bb:dd.f/dd.f..." for more.
std::string FormatDmarText(const DmarTable& table);

// The JSON decode:
// {"header": {...}, "structures": [{"type": "DRHD", "offset", "length", ...fields,
//  "device_scopes": [{"type": "endpoint", "offset", "enumeration_id", "start_bus",
//  "path": [[dev, fn], ...]}]}]}.
Json DmarToJson(const DmarTable& table);

// The lines Linux (drivers/iommu/intel/dmar.c and irq_remapping.c) prints while parsing
// this table at boot, in its wording, with its "DMAR: " / "DMAR-IR: " prefixes and without
// timestamps. Only what follows from the table is printed; what needs the hardware (the
// "dmar%d: reg_base_addr ... cap ... ecap" lines, IR enabling) or other tables (e820, MADT,
// DMI strings) is left out. Assumed: every unit reports ECAP.IR (so the DMAR-IR lines
// appear whenever the table sets INTR_REMAP) and the CPU supports x2APIC (so the opt-out
// lines appear when the table sets X2APIC_OPT_OUT).
std::vector<std::string> FormatDmarLinux(const DmarTable& table);

// What a unit's registers hold, when known (a boot log, sysfs): with them, FormatDmarLinux
// also prints the "DMAR: dmar%d: reg_base_addr %llx ver %d:%d cap %llx ecap %llx" line Linux
// logs right after each DRHD it sets up (alloc_iommu), for units matched by register base.
struct LinuxUnitValues {
  uint64_t register_base = 0;
  uint32_t version = 0;  // VER_REG: bits 7:4 major, 3:0 minor
  uint64_t cap = 0;
  uint64_t ecap = 0;
};
std::vector<std::string> FormatDmarLinux(const DmarTable& table,
                                         const std::vector<LinuxUnitValues>& values);

// The checker's findings, one a line ("error    bad-checksum  offset 0x9: ..."), then a
// summary line.
std::string FormatFindingsText(const std::vector<Finding>& findings);
// {"findings": [{"severity", "id", "offset", "message"}], "errors": N, "warnings": N,
//  "infos": N}.
Json FindingsToJson(const std::vector<Finding>& findings);

// "DRHD", "RMRR", "ATSR", "RHSA", "ANDD", "SATC", "SIDP", or "UNKNOWN" (the JSON "type").
std::string_view StructureJsonType(uint16_t type);
// "endpoint", "bridge", "ioapic", "hpet", "namespace", or "reserved".
const char* ScopeJsonType(uint8_t type);
// "bb:dd.f[/dd.f...]" for a device-scope path.
std::string ScopePathString(const DeviceScope& scope);
// A header string field with non-printable bytes shown as \xNN.
std::string PrintableBytes(const uint8_t* data, size_t size);

}  // namespace vtd::acpi

#endif  // VTDSIM_MODEL_ACPI_DMAR_PRINT_H_
