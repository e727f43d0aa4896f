// libFuzzer target for the DMAR table code (VT-d spec chapter 8). For any input: parsing
// never reads out of bounds; what parses serializes back to exactly the first Length bytes;
// RecomputeLengths is the identity on a parsed table; the checker runs on everything.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "model/acpi/dmar.h"
#include "model/acpi/dmar_check.h"

namespace {

void Require(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "dmar_fuzzer: %s\n", what);
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::Span<const uint8_t> bytes(data, size);
  absl::StatusOr<vtd::acpi::DmarTable> table = vtd::acpi::ParseDmar(bytes);
  if (table.ok()) {
    const std::vector<uint8_t> out = vtd::acpi::SerializeDmar(*table);
    Require(table->header.length <= size, "Length beyond the input was accepted");
    Require(out == std::vector<uint8_t>(data, data + table->header.length),
            "serialize(parse(bytes)) differs from the first Length bytes");
    vtd::acpi::DmarTable recomputed = *table;
    vtd::acpi::RecomputeLengths(recomputed);
    Require(vtd::acpi::SerializeDmar(recomputed) == out, "RecomputeLengths changed a parsed table");
    vtd::acpi::CheckDmar(*table);
  } else {
    Require(table.status().message().substr(0, 9) == "offset 0x", "parse error without an offset");
  }
  const std::vector<vtd::acpi::Finding> findings = vtd::acpi::CheckDmarBytes(bytes);
  Require(table.ok() || findings.size() == 1, "a parse error must be exactly one finding");
  return 0;
}
