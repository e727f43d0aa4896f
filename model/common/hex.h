// Hex and decimal formatting used in every output: lower-case, "0x" prefix, no leading zeros
// beyond one digit (the scenario contract's JSON form, also used in readable output). The
// Append forms write into a caller's string so per-step output builds without temporaries.
#ifndef VTDSIM_MODEL_COMMON_HEX_H_
#define VTDSIM_MODEL_COMMON_HEX_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"

namespace vtd {

// Appends "0x" and `value` in lower-case hex without leading zeros ("0x0" for zero).
inline void AppendHex(std::string& out, uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  char buf[18];
  char* end = buf + sizeof(buf);
  char* p = end;
  do {
    *--p = kDigits[value & 0xf];
    value >>= 4;
  } while (value != 0);
  *--p = 'x';
  *--p = '0';
  out.append(p, static_cast<size_t>(end - p));
}

// Appends `value` in decimal.
inline void AppendDecimal(std::string& out, uint64_t value) {
  char buf[20];
  char* end = buf + sizeof(buf);
  char* p = end;
  do {
    *--p = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value != 0);
  out.append(p, static_cast<size_t>(end - p));
}

inline std::string Hex(uint64_t value) {
  std::string out;
  AppendHex(out, value);
  return out;
}

}  // namespace vtd

#endif  // VTDSIM_MODEL_COMMON_HEX_H_
