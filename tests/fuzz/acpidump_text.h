// acpidump's text form of a table (the format model/acpi/acpidump.h reads): a "SIG @ 0xADDR"
// header, then rows "OFFSET: HH HH ... ASCII" of 16 bytes. Written here, independently of the
// parser, for the acpidump fuzzer's round trip and for its seeds.
#ifndef VTDSIM_TESTS_FUZZ_ACPIDUMP_TEXT_H_
#define VTDSIM_TESTS_FUZZ_ACPIDUMP_TEXT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace vtd::fuzz {

inline std::string AcpidumpText(const std::string& signature, uint64_t address,
                                const std::vector<uint8_t>& bytes) {
  std::string out = absl::StrFormat("%s @ 0x%016X\n", signature, address);
  for (size_t row = 0; row < bytes.size(); row += 16) {
    absl::StrAppendFormat(&out, "    %04X:", row);
    std::string ascii;
    for (size_t i = row; i < row + 16; ++i) {
      if (i < bytes.size()) {
        absl::StrAppendFormat(&out, " %02X", bytes[i]);
        ascii += bytes[i] >= 0x20 && bytes[i] < 0x7f ? static_cast<char>(bytes[i]) : '.';
      } else {
        out += "   ";
      }
    }
    absl::StrAppend(&out, "  ", ascii, "\n");
  }
  out += "\n";
  return out;
}

}  // namespace vtd::fuzz

#endif  // VTDSIM_TESTS_FUZZ_ACPIDUMP_TEXT_H_
