// Reading DMAR tables from files: raw binary (/sys/firmware/acpi/tables/DMAR) or the text
// that ACPICA's `acpidump` prints, which holds one or many tables as hex dumps:
//
//   DMAR @ 0x0000000078E7B000
//       0000: 44 4D 41 52 A8 00 00 00 01 5E 49 4E 54 45 4C 20  DMAR.....^INTEL
//       0010: 45 44 4B 32 20 20 20 20 02 00 00 00 20 20 20 20  EDK2    ....
//
// Each table starts with a "SIG @ 0xADDRESS" line, followed by rows "OFFSET: HH HH ...",
// at most 16 bytes a row, then an ASCII column (optionally after "//", as iasl prints it).
// Tables are separated by blank lines.
#ifndef VTDSIM_MODEL_ACPI_ACPIDUMP_H_
#define VTDSIM_MODEL_ACPI_ACPIDUMP_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace vtd::acpi {

// One table cut out of acpidump text.
struct AcpidumpTable {
  std::string signature;  // the 4 characters before " @ "
  uint64_t address = 0;   // the physical address acpidump printed
  int line = 0;           // 1-based line of the "SIG @ 0x..." header
  std::vector<uint8_t> bytes;
};

// Parses every table in acpidump text. `name` (usually the file path) prefixes every error
// message. Errors (InvalidArgument) name the line: a hex row whose bytes are not two hex
// digits, a row whose offset is not where the previous row ended, a row outside any table,
// a table with no rows. Lines that are neither headers nor rows nor blank are ignored
// outside tables (acpidump front matter, comments) and rejected inside one.
absl::StatusOr<std::vector<AcpidumpTable>> ParseAcpidump(absl::string_view text,
                                                         absl::string_view name);

// The first table whose signature is "DMAR". NotFound, naming the file and the tables
// found, when there is none.
absl::StatusOr<AcpidumpTable> ExtractDmarFromAcpidump(absl::string_view text,
                                                      absl::string_view name);

// True when `content` is acpidump text rather than a binary table: every byte is printable
// ASCII or whitespace and some line has the "SIG @ 0x..." table-header form. (A binary
// DMAR always has NUL bytes in its Length field, so the two never overlap.)
bool LooksLikeAcpidumpText(absl::Span<const uint8_t> content);

// A DMAR table read from a file, with where it came from (for messages).
struct LoadedDmar {
  std::vector<uint8_t> bytes;
  std::string path;
  bool from_acpidump = false;
  int acpidump_line = 0;  // header line of the DMAR table in the text, when from_acpidump
};

// Reads `path` and returns the DMAR table bytes: the file itself when it is binary, the
// DMAR table cut out of it when it is acpidump text (detected by content, not by name).
// Errors name the file: NotFound/PermissionDenied-style I/O failures as the OS reports
// them, and the acpidump errors above. The bytes are not parsed here (see ParseDmar).
absl::StatusOr<LoadedDmar> LoadDmarFile(const std::string& path);

}  // namespace vtd::acpi

#endif  // VTDSIM_MODEL_ACPI_ACPIDUMP_H_
