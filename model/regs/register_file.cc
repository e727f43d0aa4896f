#include "model/regs/register_file.h"

#include <cassert>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "model/common/hex.h"
#include "model/common/status_macros.h"

namespace vtd {
namespace {

constexpr uint64_t kLowDword = 0xFFFF'FFFF;

// FSTS_REG.PPF (S §11.4.7.1) and FRCD_REG.F (bit 127 = FRCD_HI bit 63, §11.4.7.6).
constexpr BitRange kFstsPpf = Bit(1);
constexpr BitRange kFrcdF = Bit(63);
// PMEN_REG.EPM / PRS (S §11.4.8.1).
constexpr BitRange kPmenEpm = Bit(31);
constexpr BitRange kPmenPrs = Bit(0);

}  // namespace

std::string_view MmioDiagnosticKindName(MmioDiagnostic::Kind kind) {
  switch (kind) {
    case MmioDiagnostic::Kind::kUnknownOffset:
      return "unknown-offset";
    case MmioDiagnostic::Kind::kMisaligned:
      return "misaligned";
    case MmioDiagnostic::Kind::kSplitAccess:
      return "split-access";
    case MmioDiagnostic::Kind::kGlobalCommand:
      return "global-command";
  }
  return "?";
}

absl::StatusOr<std::unique_ptr<RegisterFile>> RegisterFile::Create(
    const RegisterFileConfig& config, const ImplementedFeatures& features) {
  VTD_RETURN_IF_ERROR(ValidateCapabilities(config.cap, config.ecap, features));
  if ((config.version & ~uint32_t{0xFF}) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("VER %s: bits 31:8 are reserved (S §11.4.1)", Hex(config.version)));
  }
  return std::unique_ptr<RegisterFile>(new RegisterFile(config, config.cap, config.ecap));
}

RegisterFile::RegisterFile(const RegisterFileConfig& config, uint64_t cap, uint64_t ecap)
    : config_(config),
      cap_(Capability::Decode(cap)),
      ecap_(ExtendedCapability::Decode(ecap)),
      gcmd_(cap_, ecap_),
      size_(RegisterSpaceSize(cap, ecap)),
      placed_(PlaceRegisters(cap, ecap)),
      instances_(kNumRegIds),
      slots_(size_ / 4) {
  for (int i = 0; i < static_cast<int>(placed_.size()); ++i) {
    const PlacedRegister& r = placed_[i];
    // PlaceRegisters sorts by offset, so FRCD[n] rows of one id arrive in n order.
    instances_[static_cast<int>(r.spec->id)].push_back(i);
    masks_.push_back(EffectiveMasks(*r.spec, cap_, ecap_));
    for (int half = 0; half < r.spec->width / 32; ++half) {
      // Placement was validated: no two registers share a dword.
      slots_[r.offset / 4 + half] = Slot{i, half};
    }
  }
  values_.assign(placed_.size(), 0);
  Reset();
}

void RegisterFile::Reset() {
  for (size_t i = 0; i < placed_.size(); ++i) {
    values_[i] = placed_[i].spec->reset & masks_[i].defined();
  }
  // Implementation-defined registers read as configured (validation made their reserved
  // bits 0).
  values_[Instance(RegId::kVer, 0)] = config_.version;
  values_[Instance(RegId::kCap, 0)] = config_.cap;
  values_[Instance(RegId::kEcap, 0)] = config_.ecap;
  gcmd_.Reset();
}

int RegisterFile::Instance(RegId id, int index) const {
  const std::vector<int>& list = instances_[static_cast<int>(id)];
  assert(index >= 0 && index < static_cast<int>(list.size()));
  return list[index];
}

uint64_t RegisterFile::Get(RegId id, int index) const { return values_[Instance(id, index)]; }

void RegisterFile::Set(RegId id, uint64_t value, int index) {
  const int i = Instance(id, index);
  values_[i] = value & masks_[i].defined();
  if (id == RegId::kFrcdHi) RecomputePpf();
  if (id == RegId::kGsts) {
    // GSTS mirrors GlobalCommand; hardware-side updates of it are not meaningful.
    values_[i] = gcmd_.status();
  }
}

uint32_t RegisterFile::OffsetOf(RegId id, int index) const {
  return placed_[Instance(id, index)].offset;
}

int RegisterFile::Count(RegId id) const {
  return static_cast<int>(instances_[static_cast<int>(id)].size());
}

const RegisterMasks& RegisterFile::masks(RegId id, int index) const {
  return masks_[Instance(id, index)];
}

const RegisterFile::Slot* RegisterFile::SlotAt(uint32_t offset) const {
  if (offset / 4 >= slots_.size()) return nullptr;
  const Slot& s = slots_[offset / 4];
  return s.instance < 0 ? nullptr : &s;
}

uint64_t RegisterFile::ReadInstance(int instance) const {
  // WO bits and reserved bits read 0.
  return values_[instance] & masks_[instance].readable();
}

void RegisterFile::Report(MmioDiagnostic::Kind kind, uint32_t offset, int width, bool is_write,
                          uint64_t value, std::string message) {
  diagnostics_.push_back(MmioDiagnostic{kind, offset, width, is_write, value, std::move(message)});
}

std::vector<MmioDiagnostic> RegisterFile::TakeDiagnostics() {
  std::vector<MmioDiagnostic> out;
  out.swap(diagnostics_);
  return out;
}

uint32_t RegisterFile::Read32(uint32_t offset) {
  if (offset % 4 != 0) {
    Report(MmioDiagnostic::Kind::kMisaligned, offset, 32, false, 0,
           absl::StrFormat("32-bit read at %s is not dword aligned; reads 0", Hex(offset)));
    return 0;
  }
  const Slot* slot = SlotAt(offset);
  if (slot == nullptr) {
    Report(MmioDiagnostic::Kind::kUnknownOffset, offset, 32, false, 0,
           absl::StrFormat("32-bit read at %s: no register there; reads 0", Hex(offset)));
    return 0;
  }
  return static_cast<uint32_t>(ReadInstance(slot->instance) >> (32 * slot->half));
}

uint64_t RegisterFile::Read64(uint32_t offset) {
  if (offset % 8 != 0) {
    Report(MmioDiagnostic::Kind::kMisaligned, offset, 64, false, 0,
           absl::StrFormat("64-bit read at %s is not qword aligned; reads 0", Hex(offset)));
    return 0;
  }
  const Slot* slot = SlotAt(offset);
  if (slot != nullptr && placed_[slot->instance].spec->width == 64) {
    return ReadInstance(slot->instance);
  }
  if (slot == nullptr && SlotAt(offset + 4) == nullptr) {
    Report(MmioDiagnostic::Kind::kUnknownOffset, offset, 64, false, 0,
           absl::StrFormat("64-bit read at %s: no register there; reads 0", Hex(offset)));
    return 0;
  }
  Report(MmioDiagnostic::Kind::kSplitAccess, offset, 64, false, 0,
         absl::StrFormat("64-bit read at %s spans 32-bit registers; done as two 32-bit reads",
                         Hex(offset)));
  const uint64_t lo = Read32(offset);
  const uint64_t hi = Read32(offset + 4);
  return lo | (hi << 32);
}

WriteResult RegisterFile::Write32(uint32_t offset, uint32_t value) {
  WriteResult result;
  if (offset % 4 != 0) {
    Report(MmioDiagnostic::Kind::kMisaligned, offset, 32, true, value,
           absl::StrFormat("32-bit write of %s at %s is not dword aligned; ignored", Hex(value),
                           Hex(offset)));
    return result;
  }
  const Slot* slot = SlotAt(offset);
  if (slot == nullptr) {
    Report(MmioDiagnostic::Kind::kUnknownOffset, offset, 32, true, value,
           absl::StrFormat("32-bit write of %s at %s: no register there; ignored", Hex(value),
                           Hex(offset)));
    return result;
  }
  const int shift = 32 * slot->half;
  WriteInstance(slot->instance, uint64_t{value} << shift, kLowDword << shift, result);
  return result;
}

WriteResult RegisterFile::Write64(uint32_t offset, uint64_t value) {
  WriteResult result;
  if (offset % 8 != 0) {
    Report(MmioDiagnostic::Kind::kMisaligned, offset, 64, true, value,
           absl::StrFormat("64-bit write of %s at %s is not qword aligned; ignored", Hex(value),
                           Hex(offset)));
    return result;
  }
  const Slot* slot = SlotAt(offset);
  if (slot != nullptr && placed_[slot->instance].spec->width == 64) {
    WriteInstance(slot->instance, value, ~uint64_t{0}, result);
    return result;
  }
  if (slot == nullptr && SlotAt(offset + 4) == nullptr) {
    Report(MmioDiagnostic::Kind::kUnknownOffset, offset, 64, true, value,
           absl::StrFormat("64-bit write of %s at %s: no register there; ignored", Hex(value),
                           Hex(offset)));
    return result;
  }
  Report(MmioDiagnostic::Kind::kSplitAccess, offset, 64, true, value,
         absl::StrFormat("64-bit write of %s at %s spans 32-bit registers; done as two 32-bit "
                         "writes, low first",
                         Hex(value), Hex(offset)));
  for (uint32_t half = 0; half < 2; ++half) {
    WriteResult part = Write32(offset + 4 * half, static_cast<uint32_t>(value >> (32 * half)));
    for (RegisterWrite& w : part.hooks) result.hooks.push_back(w);
    if (part.global_command.has_value()) result.global_command = std::move(part.global_command);
  }
  return result;
}

void RegisterFile::WriteInstance(int instance, uint64_t value, uint64_t byte_mask,
                                 WriteResult& result) {
  const RegisterMasks& m = masks_[instance];
  const uint64_t previous = values_[instance];
  uint64_t next = previous;
  // RW and WO bits take the written value; RW1C bits clear where a 1 is written; RO bits and
  // reserved bits are unchanged (reserved bits are always 0).
  const uint64_t writable = (m.rw | m.wo) & byte_mask;
  next = (next & ~writable) | (value & writable);
  next &= ~(value & m.w1c & byte_mask);
  values_[instance] = next;

  const PlacedRegister& reg = placed_[instance];
  AfterWrite(instance, result);
  if (reg.spec->hook) {
    result.hooks.push_back(RegisterWrite{reg.spec->id, reg.index, previous, values_[instance],
                                         value & byte_mask, byte_mask});
  }
}

void RegisterFile::AfterWrite(int instance, WriteResult& result) {
  const PlacedRegister& reg = placed_[instance];
  switch (reg.spec->id) {
    case RegId::kGcmd: {
      GlobalCommandResult gc =
          gcmd_.Write(static_cast<uint32_t>(values_[instance]),
                      values_[Instance(RegId::kRtaddr, 0)], values_[Instance(RegId::kIrta, 0)]);
      values_[Instance(RegId::kGsts, 0)] = gcmd_.status();
      for (const std::string& w : gc.warnings) {
        Report(MmioDiagnostic::Kind::kGlobalCommand, reg.offset, 32, true, values_[instance], w);
      }
      result.global_command = std::move(gc);
      break;
    }
    case RegId::kFrcdHi:
      RecomputePpf();
      break;
    case RegId::kPmen: {
      // PRS reports the protected regions' state; enabling completes immediately.
      uint64_t& v = values_[instance];
      v = kPmenPrs.Set(v, kPmenEpm.Get(v)) & masks_[instance].defined();
      break;
    }
    default:
      break;
  }
}

void RegisterFile::RecomputePpf() {
  uint64_t any = 0;
  for (int i : instances_[static_cast<int>(RegId::kFrcdHi)]) any |= kFrcdF.Get(values_[i]);
  uint64_t& fsts = values_[Instance(RegId::kFsts, 0)];
  fsts = kFstsPpf.Set(fsts, any);
}

}  // namespace vtd
