// libFuzzer target for acpidump text (model/acpi/acpidump.h; VT-d spec chapter 8 tables in
// ACPICA's dump format). For any text: parsing never crashes; every table it returns, written
// back as acpidump text, parses to the same signature, address and bytes; a DMAR table found
// in the text goes through the DMAR parser and checker as a binary table does.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "model/acpi/acpidump.h"
#include "model/acpi/dmar.h"
#include "model/acpi/dmar_check.h"
#include "tests/fuzz/acpidump_text.h"

namespace {

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "acpidump_fuzzer: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<std::vector<vtd::acpi::AcpidumpTable>> tables =
      vtd::acpi::ParseAcpidump(text, "input");
  (void)vtd::acpi::LooksLikeAcpidumpText(absl::Span<const uint8_t>(data, size));
  if (!tables.ok()) {
    Require(!tables.status().message().empty(), "an error without a message");
    return 0;
  }
  std::string again;
  for (const vtd::acpi::AcpidumpTable& t : *tables) {
    if (t.signature.find_first_of(" \n\r\t@") != std::string::npos) return 0;
    again += vtd::fuzz::AcpidumpText(t.signature, t.address, t.bytes);
  }
  absl::StatusOr<std::vector<vtd::acpi::AcpidumpTable>> reparsed =
      vtd::acpi::ParseAcpidump(again, "again");
  Require(reparsed.ok(), "tables written back as acpidump text do not parse");
  Require(reparsed->size() == tables->size(), "written back, the text holds another table count");
  for (size_t i = 0; i < tables->size(); ++i) {
    Require((*reparsed)[i].signature == (*tables)[i].signature, "signature changed");
    Require((*reparsed)[i].address == (*tables)[i].address, "address changed");
    Require((*reparsed)[i].bytes == (*tables)[i].bytes, "bytes changed");
  }
  absl::StatusOr<vtd::acpi::AcpidumpTable> dmar = vtd::acpi::ExtractDmarFromAcpidump(text, "input");
  if (dmar.ok()) {
    absl::StatusOr<vtd::acpi::DmarTable> table = vtd::acpi::ParseDmar(dmar->bytes);
    if (table.ok()) vtd::acpi::CheckDmar(*table);
    vtd::acpi::CheckDmarBytes(dmar->bytes);
  }
  return 0;
}
