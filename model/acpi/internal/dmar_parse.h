// Parser internals shared by ParseDmar and the checker: the parser's failure, described as
// a stable finding id plus the offset, so CheckDmarBytes can turn it into a finding without
// parsing the Status message back.
#ifndef VTDSIM_MODEL_ACPI_INTERNAL_DMAR_PARSE_H_
#define VTDSIM_MODEL_ACPI_INTERNAL_DMAR_PARSE_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/acpi/dmar.h"

namespace vtd::acpi::internal {

struct ParseFailure {
  std::string id;      // kebab-case finding id, e.g. "structure-overruns-table"
  size_t offset = 0;   // byte offset from the start of the table
  std::string detail;  // the message without the "offset 0x..: " prefix
};

// ParseDmar, filling `failure` (when not null) if the result is an error, and `sound_part`
// (when not null) as ParseDmar(bytes, sound_part) does.
absl::StatusOr<DmarTable> ParseDmarWithFailure(absl::Span<const uint8_t> bytes,
                                               ParseFailure* failure,
                                               std::optional<DmarTable>* sound_part = nullptr);

}  // namespace vtd::acpi::internal

#endif  // VTDSIM_MODEL_ACPI_INTERNAL_DMAR_PARSE_H_
