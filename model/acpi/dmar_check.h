// The DMAR `check` pass: findings about a table, in the spirit of Linux's DMAR sanity
// checks (drivers/iommu/intel/dmar.c) and firmware test suites, each with a severity, a
// stable identifier and the byte offset it concerns.
#ifndef VTDSIM_MODEL_ACPI_DMAR_CHECK_H_
#define VTDSIM_MODEL_ACPI_DMAR_CHECK_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "model/acpi/dmar.h"

namespace vtd::acpi {

enum class Severity { kInfo, kWarning, kError };

std::string_view SeverityName(Severity s);  // "info", "warning", "error"

struct Finding {
  Severity severity = Severity::kInfo;
  std::string id;       // stable, kebab-case, e.g. "bad-checksum", "rmrr-unaligned"
  size_t offset = 0;    // byte offset in the table the finding concerns
  std::string message;  // one line, human readable
};

// Checks a parsed table. Findings come in offset order (ties: in the order found).
std::vector<Finding> CheckDmar(const DmarTable& table);

// Parses and checks raw bytes: a parse error becomes a single error finding (id
// "parse-error" or a more specific one) at the offset the parser named.
std::vector<Finding> CheckDmarBytes(absl::Span<const uint8_t> bytes);

}  // namespace vtd::acpi

#endif  // VTDSIM_MODEL_ACPI_DMAR_CHECK_H_
