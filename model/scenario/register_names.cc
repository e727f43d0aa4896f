#include "model/scenario/register_names.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "model/regs/cap_ecap.h"
#include "model/regs/register_map.h"
#include "model/scenario/internal/suggest.h"

namespace vtd::scenario {
namespace {

// Spec registers (registers.md §1) that the register map leaves out because the model does
// not implement their capability. Offsets from the register base.
struct UnmodeledRegister {
  std::string canonical;
  uint32_t offset;
  int width;
};

const std::vector<UnmodeledRegister>& UnmodeledRegisters() {
  static const std::vector<UnmodeledRegister>* const kTable = [] {
    auto* t = new std::vector<UnmodeledRegister>{
        {"AFLOG_REG", 0x058, 64},  // advanced fault log, removed in spec 4.0
        {"MTRRCAP_REG", 0x100, 64},
        {"MTRRDEF_REG", 0x108, 64},
        {"MTRR_FIX64K_00000_REG", 0x120, 64},
        {"MTRR_FIX16K_80000_REG", 0x128, 64},
        {"MTRR_FIX16K_A0000_REG", 0x130, 64},
        {"MTRR_FIX4K_C0000_REG", 0x138, 64},
        {"MTRR_FIX4K_C8000_REG", 0x140, 64},
        {"MTRR_FIX4K_D0000_REG", 0x148, 64},
        {"MTRR_FIX4K_D8000_REG", 0x150, 64},
        {"MTRR_FIX4K_E0000_REG", 0x158, 64},
        {"MTRR_FIX4K_E8000_REG", 0x160, 64},
        {"MTRR_FIX4K_F0000_REG", 0x168, 64},
        {"MTRR_FIX4K_F8000_REG", 0x170, 64},
        {"PERFCAP_REG", 0x300, 64},
        {"PERFCFGOFF_REG", 0x310, 32},
        {"PERFFRZOFF_REG", 0x314, 32},
        {"PERFOVFOFF_REG", 0x318, 32},
        {"PERFCNTROFF_REG", 0x31C, 32},
        {"PERFINTRSTS_REG", 0x324, 32},
        {"PERFINTRCTL_REG", 0x328, 32},
        {"PERFINTRDATA_REG", 0x32C, 32},
        {"PERFINTRADDR_REG", 0x330, 32},
        {"PERFINTRUADDR_REG", 0x334, 32},
        {"ECMD_REG", 0x400, 64},
        {"ECEO_REG", 0x408, 64},
        {"ECRSP_REG", 0x410, 64},
        {"ECSTS_REG_0", 0x420, 64},
        {"ECSTS_REG_1", 0x428, 64},
        {"ECCAP_REG_0", 0x430, 64},
        {"ECCAP_REG_1", 0x438, 64},
        {"ECCAP_REG_2", 0x440, 64},
        {"ECCAP_REG_3", 0x448, 64},
        {"RDTC_REG", 0xDC0, 64},
        {"VCMD_REG", 0xE00, 64},
        {"VCMD_EO_REG", 0xE08, 64},
        {"VCRSP_REG", 0xE10, 64},
        {"VCCAP_REG", 0xE30, 64},
    };
    for (int i = 0; i < 10; ++i) {
      t->push_back({absl::StrCat("MTRR_PHYSBASE", i, "_REG"), 0x180u + 16u * i, 64});
      t->push_back({absl::StrCat("MTRR_PHYSMASK", i, "_REG"), 0x188u + 16u * i, 64});
    }
    return t;
  }();
  return *kTable;
}

// "GCMD_REG" -> "GCMD"; "ECSTS_REG_0" -> "ECSTS_0": the short spelling scenarios use.
std::string ShortName(absl::string_view canonical) {
  std::string s(canonical);
  if (absl::EndsWith(s, "_REG")) return s.substr(0, s.size() - 4);
  const size_t pos = s.find("_REG_");
  if (pos != std::string::npos) s.erase(pos, 4);
  return s;
}

// Every spelling that names one register, short form first.
const std::vector<std::string>& ShortNames() {
  static const std::vector<std::string>* const kNames = [] {
    auto* names = new std::vector<std::string>;
    for (const RegisterSpec& spec : RegisterTable()) {
      if (spec.placement == Placement::kFaultRecording) continue;
      names->push_back(ShortName(internal::Sv(spec.name)));
    }
    names->push_back("FRCD0");
    names->push_back("FRCD0_HI");
    for (const UnmodeledRegister& r : UnmodeledRegisters())
      names->push_back(ShortName(r.canonical));
    return names;
  }();
  return *kNames;
}

// FRCD spellings: FRCD<n>[_LO|_HI], FRCD_LO[n], FRCD_HI[n], FRCD[n], FRCD_REG[n], FRCD<n>_REG
// and "FRCD" alone (n = 0). `upper` has already had its FRCD prefix checked.
std::optional<RegisterName> LookupFaultRecording(absl::string_view upper) {
  absl::string_view rest = upper.substr(4);
  bool high = false;
  auto take_half = [&](absl::string_view& s) {
    if (absl::ConsumePrefix(&s, "_LO")) return true;
    if (absl::ConsumePrefix(&s, "_HI")) {
      high = true;
      return true;
    }
    return false;
  };
  absl::ConsumePrefix(&rest, "_REG");
  const bool half_before = take_half(rest);
  int index = 0;
  if (absl::ConsumePrefix(&rest, "[")) {
    if (!absl::ConsumeSuffix(&rest, "]") || rest.empty() || rest.size() > 3 ||
        !absl::SimpleAtoi(rest, &index)) {
      return std::nullopt;
    }
    rest = {};
  } else {
    size_t digits = 0;
    while (digits < rest.size() && absl::ascii_isdigit(static_cast<unsigned char>(rest[digits]))) {
      ++digits;
    }
    if (digits > 3) return std::nullopt;
    if (digits > 0 && !absl::SimpleAtoi(rest.substr(0, digits), &index)) return std::nullopt;
    rest.remove_prefix(digits);
    if (!half_before) take_half(rest);
    absl::ConsumePrefix(&rest, "_REG");
  }
  if (!rest.empty() || index > 255) return std::nullopt;
  const RegisterSpec& spec = SpecOf(high ? RegId::kFrcdHi : RegId::kFrcdLo);
  RegisterName name;
  name.canonical = absl::StrFormat("%s[%d]", spec.name, index);
  name.placement = Placement::kFaultRecording;
  name.offset = spec.offset;
  name.index = index;
  name.width = spec.width;
  return name;
}

}  // namespace

std::optional<RegisterName> LookupRegisterName(absl::string_view text) {
  if (text.empty() || text.size() > 64) return std::nullopt;
  const std::string upper = absl::AsciiStrToUpper(text);
  if (absl::StartsWith(upper, "FRCD")) return LookupFaultRecording(upper);
  for (const RegisterSpec& spec : RegisterTable()) {
    if (spec.placement == Placement::kFaultRecording) continue;
    if (upper == spec.name || upper == ShortName(internal::Sv(spec.name))) {
      RegisterName name;
      name.canonical = std::string(spec.name);
      name.placement = spec.placement;
      name.offset = spec.offset;
      name.width = spec.width;
      return name;
    }
  }
  for (const UnmodeledRegister& r : UnmodeledRegisters()) {
    if (upper == r.canonical || upper == ShortName(r.canonical)) {
      RegisterName name;
      name.canonical = r.canonical;
      name.offset = r.offset;
      name.width = r.width;
      name.modeled = false;
      return name;
    }
  }
  return std::nullopt;
}

std::string SuggestRegisterName(absl::string_view text) {
  std::vector<absl::string_view> candidates(ShortNames().begin(), ShortNames().end());
  absl::string_view trimmed = text;
  std::string upper = absl::AsciiStrToUpper(trimmed);
  if (absl::EndsWith(upper, "_REG")) upper.resize(upper.size() - 4);
  return internal::Closest(upper, candidates);
}

absl::StatusOr<uint32_t> PlaceRegisterName(const RegisterName& name, uint64_t cap, uint64_t ecap) {
  switch (name.placement) {
    case Placement::kFixed:
      if (!name.modeled) {
        // FRO/IRO may place the fault-recording or IOTLB registers over an unimplemented
        // capability's registers (S §11.4 note 1): the name then means nothing on this unit.
        for (const PlacedRegister& placed : PlaceRegisters(cap, ecap)) {
          if (placed.spec->placement != Placement::kFixed &&
              placed.offset < name.offset + name.width / 8 &&
              name.offset < placed.offset + placed.spec->width / 8) {
            return absl::InvalidArgumentError(
                absl::StrFormat("%s (offset %#x) is where this unit places %s (CAP.FRO/ECAP.IRO)",
                                name.canonical, name.offset, placed.Name()));
          }
        }
      }
      return name.offset;
    case Placement::kIotlb:
      return ExtendedCapability::Decode(ecap).iotlb_register_offset() + name.offset;
    case Placement::kFaultRecording: {
      const Capability c = Capability::Decode(cap);
      if (name.index >= c.num_fault_recording_registers()) {
        return absl::InvalidArgumentError(absl::StrFormat(
            "%s does not exist on this unit: CAP.NFR gives %d fault-recording register%s "
            "(FRCD0..FRCD%d)",
            name.canonical, c.num_fault_recording_registers(),
            c.num_fault_recording_registers() == 1 ? "" : "s",
            c.num_fault_recording_registers() - 1));
      }
      return c.fault_recording_offset() + 16u * static_cast<uint32_t>(name.index) + name.offset;
    }
  }
  return absl::InternalError("unknown placement");
}

int NaturalWidthAt(uint32_t offset, uint64_t cap, uint64_t ecap) {
  for (const PlacedRegister& placed : PlaceRegisters(cap, ecap)) {
    if (placed.offset == offset) return placed.spec->width;
    if (placed.spec->width == 64 && placed.offset + 4 == offset) return 32;
  }
  for (const UnmodeledRegister& r : UnmodeledRegisters()) {
    if (r.offset == offset) return r.width;
  }
  return 32;
}

}  // namespace vtd::scenario
