// Register names a scenario may use in `reg:` (the contract's "spec register name"), and
// their placement on a unit. The modeled registers come from the register map
// (model/regs/register_map.h, one table for the whole project); spec registers the model does
// not implement (the pre-4.0 AFLOG_REG, MTRRs, perfmon, enhanced and virtual commands, RDTC)
// are named here only so that a scenario can poke them: the register file reads them as 0.
//
// Accepted spellings (case-insensitive): the spec name with or without `_REG` ("GCMD",
// "GCMD_REG"); fault-recording registers as FRCD<n> or FRCD<n>_LO (bits 63:0 of FRCD_REG[n]),
// FRCD<n>_HI (bits 127:64), and the register map's own FRCD_LO[n] / FRCD_HI[n] / FRCD_REG[n].
#ifndef VTDSIM_MODEL_SCENARIO_REGISTER_NAMES_H_
#define VTDSIM_MODEL_SCENARIO_REGISTER_NAMES_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/regs/register_map.h"

namespace vtd::scenario {

struct RegisterName {
  std::string canonical;  // "GCMD_REG", "FRCD_HI[3]", "MTRRCAP_REG"
  Placement placement = Placement::kFixed;
  uint32_t offset = 0;  // from the base (kFixed) or from the placement's start
  int index = 0;        // n of FRCD_REG[n]
  int width = 32;
  bool modeled = true;  // false: a spec register the register file does not implement
};

// The register `text` names, or nullopt.
std::optional<RegisterName> LookupRegisterName(absl::string_view text);

// The closest known name to `text` (for "did you mean"), or "" when nothing is close.
std::string SuggestRegisterName(absl::string_view text);

// The register's byte offset from the base of a unit with these CAP/ECAP values.
// InvalidArgument when it does not exist there (FRCD n beyond CAP.NFR).
absl::StatusOr<uint32_t> PlaceRegisterName(const RegisterName& name, uint64_t cap, uint64_t ecap);

// The natural access width at `offset` on such a unit: the register's width (32 for the upper
// half of a 64-bit register), or 32 where no register is.
int NaturalWidthAt(uint32_t offset, uint64_t cap, uint64_t ecap);

}  // namespace vtd::scenario

#endif  // VTDSIM_MODEL_SCENARIO_REGISTER_NAMES_H_
