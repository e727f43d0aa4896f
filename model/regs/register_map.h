// The MMIO register map of one remapping unit (VT-d spec rev 5.10 §11.4, Table of §11.4
// "Register Descriptions"): one constexpr table of every register, from which register
// placement, reads and writes, resets and dumps are all derived (style §3).
//
// Access types (S §11.3) become four masks per register:
//   rw   read/write;                  w1c  read, write 1 to clear (RW1C and RW1CS);
//   ro   read-only (RO, ROS): hardware sets these bits, software writes are ignored;
//   wo   write-only: writes are kept for the hardware (hooks read them), reads return 0
//        (S: "the value returned on a read is undefined").
// Bits in none of the masks are reserved (RsvdZ, RsvdP): they read 0 and ignore writes.
//
// The 128-bit fault-recording registers are two 64-bit rows (FRCD_LO = bits 63:0,
// FRCD_HI = bits 127:64), which is how software reads them (S §11.2).
#ifndef VTDSIM_MODEL_REGS_REGISTER_MAP_H_
#define VTDSIM_MODEL_REGS_REGISTER_MAP_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/types/span.h"
#include "model/common/bits.h"
#include "model/regs/cap_ecap.h"

namespace vtd {

enum class RegId : uint8_t {
  kVer,
  kCap,
  kEcap,
  kGcmd,
  kGsts,
  kRtaddr,
  kCcmd,
  kFsts,
  kFectl,
  kFedata,
  kFeaddr,
  kFeuaddr,
  kPmen,
  kPlmbase,
  kPlmlimit,
  kPhmbase,
  kPhmlimit,
  kIqh,
  kIqt,
  kIqa,
  kIcs,
  kIectl,
  kIedata,
  kIeaddr,
  kIeuaddr,
  kIqercd,
  kIrta,
  kPqh,
  kPqt,
  kPqa,
  kPrs,
  kPectl,
  kPedata,
  kPeaddr,
  kPeuaddr,
  kIva,
  kIotlb,
  kFrcdLo,
  kFrcdHi,
};
inline constexpr int kNumRegIds = static_cast<int>(RegId::kFrcdHi) + 1;

enum class Placement : uint8_t {
  kFixed,           // offset from the register base
  kIotlb,           // ECAP.IRO × 16 + offset
  kFaultRecording,  // CAP.FRO × 16 + 16·n + offset, n = 0..CAP.NFR
};

// When a register exists. Registers whose gate is closed read 0 and ignore writes, with no
// diagnostic: the spec treats them as RsvdZ (or RO) on such hardware.
enum class RegisterGate : uint8_t {
  kAlways,
  kQueuedInvalidation,   // ECAP.QI (S §11.4.9: "treated as RsvdZ" if QI=0)
  kInterruptRemapping,   // ECAP.IR (S §11.4.10)
  kPageRequests,         // ECAP.PRS (S §11.4.11)
  kProtectedMemory,      // CAP.PLMR or CAP.PHMR (PMEN "always treated as RO" otherwise)
  kProtectedLowMemory,   // CAP.PLMR
  kProtectedHighMemory,  // CAP.PHMR
};

struct RegisterSpec {
  RegId id;
  std::string_view name;
  Placement placement;
  uint32_t offset;  // from the base (kFixed) or from the placement's start
  int width;        // 32 or 64
  uint64_t reset;   // VER/CAP/ECAP: configured per unit, 0 here
  uint64_t rw_mask;
  uint64_t w1c_mask;
  uint64_t ro_mask;
  uint64_t wo_mask;
  RegisterGate gate;
  // Writes have side effects the unit acts on (GCMD, CCMD, IOTLB, IQT, FSTS, FECTL, FRCD...):
  // they are reported in WriteResult::hooks.
  bool hook;
  std::string_view spec_ref;
};

// Every register of spec 5.10 up to 0x0EF plus IVA/IOTLB and FRCD. Not modeled (their
// capabilities are rejected, so their offsets read 0 with an unknown-offset diagnostic):
// MTRRs 0x100–0x218 (ECAP.MTS), perfmon 0x300–0x3FF (ECAP.PMS), enhanced commands
// 0x400–0x458 (CAP.ECMDS), RDTC 0xDC0 (ECAP.RDTS), virtual commands 0xE00–0xE30 (ECAP.VCS).
// 0x048–0x05F (AFLOG_REG before 4.0) is reserved in 5.10.
absl::Span<const RegisterSpec> RegisterTable();
const RegisterSpec& SpecOf(RegId id);

// Masks for this unit: the table's masks with gated-off registers and capability-dependent
// fields removed (FSTS.ITE/ICE need DT, FSTS.IQE needs QI, RTADDR.SSIRWE needs SSIRWS,
// IRTA.EIME needs EIM, FRCD AT needs DT, FRCD PV/PP/EXE/PRIV need PASID).
struct RegisterMasks {
  uint64_t rw = 0;
  uint64_t w1c = 0;
  uint64_t ro = 0;
  uint64_t wo = 0;
  uint64_t readable() const { return rw | w1c | ro; }
  uint64_t defined() const { return rw | w1c | ro | wo; }
};
bool GateOpen(RegisterGate gate, const Capability& cap, const ExtendedCapability& ecap);
RegisterMasks EffectiveMasks(const RegisterSpec& spec, const Capability& cap,
                             const ExtendedCapability& ecap);

// One placed register of a unit.
struct PlacedRegister {
  const RegisterSpec* spec;
  int index;                 // 0, or n for FRCD[n]
  uint32_t offset;           // from the register base
  std::string Name() const;  // "GCMD_REG", "FRCD_HI[3]"
};

// Every register of the unit in offset order (FRCD rows for n = 0..NFR; all gates, open or
// not), and the size of its register space: 4 KiB, or more when FRO/IRO place registers in
// adjoining 4 KiB pages (S §11.4 note 1).
std::vector<PlacedRegister> PlaceRegisters(uint64_t cap, uint64_t ecap);
uint32_t RegisterSpaceSize(uint64_t cap, uint64_t ecap);

// FRO/NFR/IRO problems (see AuditCapabilities): the IOTLB pair and the fault-recording
// registers must not overlap each other or a fixed register whose gate is open.
std::vector<CapabilityProblem> FindPlacementProblems(uint64_t cap, uint64_t ecap);

}  // namespace vtd

#endif  // VTDSIM_MODEL_REGS_REGISTER_MAP_H_
