// The register file of one remapping unit: MMIO reads and writes with the access semantics of
// VT-d spec §11.2–§11.3, driven by the table in register_map.h. Side-effect registers are
// reported to the caller (the unit) in WriteResult::hooks; GCMD→GSTS is handled here by
// GlobalCommand, FSTS.PPF is kept equal to the OR of the FRCD F bits (S §11.4.7.1), and
// PMEN.PRS follows PMEN.EPM (S §11.4.8.1). Everything else with behaviour (invalidation,
// fault recording and events, queues) belongs to the unit's parts, which act on the hooks and
// update hardware-owned bits with Set().
//
// Access rules:
//  * 32-bit accesses must be dword aligned, 64-bit accesses qword aligned; a misaligned access
//    reads 0, is ignored, and is reported.
//  * A 32-bit access to half of a 64-bit register reads or writes that half (S §11.2 allows
//    software to split qword accesses, low dword first).
//  * A 64-bit access to two 32-bit registers is performed as two 32-bit accesses (low first)
//    and reported: the spec allows only dword accesses to 32-bit registers.
//  * An offset with no register (spec-reserved, beyond the space, or a register of an
//    unmodeled capability such as the MTRRs) reads 0, ignores writes, and is reported.
#ifndef VTDSIM_MODEL_REGS_REGISTER_FILE_H_
#define VTDSIM_MODEL_REGS_REGISTER_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "model/regs/cap_ecap.h"
#include "model/regs/global_command.h"
#include "model/regs/register_map.h"

namespace vtd {

struct RegisterFileConfig {
  uint32_t version = 0x10;  // VER_REG: bits 7:4 major, 3:0 minor (1.0, as the R630 reports)
  uint64_t cap = 0;         // CAP_REG
  uint64_t ecap = 0;        // ECAP_REG
};

// A register access the model could not perform as written, or a software protocol violation.
struct MmioDiagnostic {
  enum class Kind : uint8_t {
    kUnknownOffset,  // no register at this offset
    kMisaligned,     // not aligned to the access width
    kSplitAccess,    // 64-bit access to 32-bit registers (done as two 32-bit accesses)
    kGlobalCommand,  // GCMD write against the spec's protocol (see global_command.h)
  };
  Kind kind;
  uint32_t offset;
  int width;  // 32 or 64
  bool is_write;
  uint64_t value;  // written value (writes)
  std::string message;
};
std::string_view MmioDiagnosticKindName(MmioDiagnostic::Kind kind);

// A write to a register with RegisterSpec::hook set.
struct RegisterWrite {
  RegId id;
  int index;              // FRCD number, else 0
  uint64_t previous;      // stored value before the write (WO bits included)
  uint64_t value;         // stored value after the write (WO bits included)
  uint64_t written;       // the bits software wrote, in place
  uint64_t written_mask;  // which bytes were written: 0xffffffff, 0xffffffff00000000 or ~0
  // CCMD and IOTLB act "when the upper byte is written" (S §11.4.6.1, §11.4.6.3).
  bool wrote_upper_byte() const { return (written_mask >> 56) != 0; }
};

struct WriteResult {
  std::vector<RegisterWrite> hooks;                   // in write order
  std::optional<GlobalCommandResult> global_command;  // set when GCMD was written
};

class RegisterFile {
 public:
  // InvalidArgument/Unimplemented from ValidateCapabilities(config.cap, config.ecap, features).
  static absl::StatusOr<std::unique_ptr<RegisterFile>> Create(
      const RegisterFileConfig& config,
      const ImplementedFeatures& features = ImplementedFeatures::Today());

  // MMIO accesses at `offset` from the register base.
  uint32_t Read32(uint32_t offset);
  uint64_t Read64(uint32_t offset);
  WriteResult Write32(uint32_t offset, uint32_t value);
  WriteResult Write64(uint32_t offset, uint64_t value);

  // Hardware side: the stored value (WO bits included, gated-off registers 0) and an update
  // that bypasses access types (only the register's defined bits are kept). Set() on FRCD_HI
  // recomputes FSTS.PPF. `index` is the FRCD number for kFrcdLo/kFrcdHi, else 0.
  uint64_t Get(RegId id, int index = 0) const;
  void Set(RegId id, uint64_t value, int index = 0);
  // Where a register sits for this unit's CAP/ECAP (public API for drivers' own code):
  // kIva/kIotlb at ECAP.IRO × 16 (+ 8 for IOTLB_REG), kFrcdLo/kFrcdHi row `index` at
  // CAP.FRO × 16 + 16 × index (+ 8 for the high half), fixed registers at their offsets.
  uint32_t OffsetOf(RegId id, int index = 0) const;
  int Count(RegId id) const;  // CAP.NFR+1 for FRCD rows, else 1

  // Power-on reset (S §11.4 "Default" columns): every register to its table reset value,
  // VER/CAP/ECAP to the configuration, GSTS 0, FECTL/IECTL/PECTL.IM 1, no root table latched.
  // The model does not distinguish sticky (RW1CS/ROS) bits: there is only this reset.
  void Reset();

  const Capability& cap() const { return cap_; }
  const ExtendedCapability& ecap() const { return ecap_; }
  const GlobalCommand& global_command() const { return gcmd_; }
  uint32_t size() const { return size_; }  // bytes of register space
  const std::vector<PlacedRegister>& registers() const { return placed_; }
  const RegisterMasks& masks(RegId id, int index = 0) const;

  const std::vector<MmioDiagnostic>& diagnostics() const { return diagnostics_; }
  std::vector<MmioDiagnostic> TakeDiagnostics();

 private:
  struct Slot {
    int instance = -1;  // index into placed_/values_/masks_, -1: no register
    int half = 0;       // 0: bits 31:0, 1: bits 63:32
  };

  RegisterFile(const RegisterFileConfig& config, uint64_t cap, uint64_t ecap);

  const Slot* SlotAt(uint32_t offset) const;
  int Instance(RegId id, int index) const;
  uint64_t ReadInstance(int instance) const;
  // Applies software write `value` to the bytes in `byte_mask` of `instance`.
  void WriteInstance(int instance, uint64_t value, uint64_t byte_mask, WriteResult& result);
  void AfterWrite(int instance, WriteResult& result);
  void RecomputePpf();
  void Report(MmioDiagnostic::Kind kind, uint32_t offset, int width, bool is_write, uint64_t value,
              std::string message);

  RegisterFileConfig config_;
  Capability cap_;
  ExtendedCapability ecap_;
  GlobalCommand gcmd_;
  uint32_t size_ = 0;
  std::vector<PlacedRegister> placed_;
  std::vector<RegisterMasks> masks_;
  std::vector<uint64_t> values_;
  std::vector<std::vector<int>> instances_;  // per RegId: indices into placed_, by index
  std::vector<Slot> slots_;                  // per dword of register space
  std::vector<MmioDiagnostic> diagnostics_;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_REGS_REGISTER_FILE_H_
