// Hex formatting used in every output: lower-case, "0x" prefix, no leading zeros beyond one
// digit (the scenario contract's JSON form, also used in readable output).
#ifndef VTDSIM_MODEL_COMMON_HEX_H_
#define VTDSIM_MODEL_COMMON_HEX_H_

#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"

namespace vtd {

inline std::string Hex(uint64_t value) { return absl::StrFormat("0x%x", value); }

}  // namespace vtd

#endif  // VTDSIM_MODEL_COMMON_HEX_H_
