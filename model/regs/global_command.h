// Global command and status (GCMD_REG / GSTS_REG, VT-d spec §11.4.4): what a GCMD write does
// to GSTS and to the latched root-table pointer.
//
// The spec asks software to change one thing per write: read GSTS, drop the one-shot bits
// (AND 96FFFFFFh), set or clear one bit, write GCMD, poll GSTS (S §11.4.4.1). So a write is
// read as a difference: the persistent bits (TE, QIE, IRE, CFI) are commands when they differ
// from the matching status bit, and the one-shot bits (SRTP, WBF, SIRTP) are commands when 1.
//
// Model choices (the spec leaves these undefined):
//  * Commands complete within the write: RTPS is set, WBFS is back to 0 and TES reflects TE
//    by the time the next access happens. (Timing is an observer; it does not stall GSTS.)
//  * A write carrying several commands performs all of them, in this order: SRTP, SIRTP,
//    WBF, QIE, TE, IRE, CFI. Pointers are latched before enables, so "SRTP|TE" in one write
//    behaves like the two writes software should have made. The result flags it (multiple_commands)
//    and the register file reports a diagnostic, so a scenario can catch the driver bug.
//    A one-shot SRTP/SIRTP whose status is already set and whose pointer register still
//    holds the latched value re-latches the same pointer: it is performed, but beside one
//    other command it does not make the write a multiple-command one (software writing
//    "GSTS | command" re-issues SRTP that way).
//  * QIE, IRE, SIRTP and CFI act only when ECAP.QI (QIE) or ECAP.IR (IRE, SIRTP, CFI) is set;
//    otherwise they never change GSTS, never count as commands and are returned in
//    `ignored_bits` (the spec makes them reserved on such hardware). What enabling means
//    (processing the queue, remapping interrupts, IQH reset on QIE 1->0) is the unit's part;
//    here they only move GSTS.QIES/IRES/CFIS and latch IRTA on SIRTP (IRTPS set).
//    Linux keeps QIE/IRE set in its shadow of GCMD after enabling them: since they then
//    match GSTS they are not commands, so later one-bit writes still count as one command.
//  * WBF without CAP.RWBF is ignored ("valid only for implementations requiring write buffer
//    flushing", S §11.4.4.1) and returned in `ignored_bits`.
//  * TE=1 before any SRTP enables translation anyway and warns: the spec requires SRTP first.
//    active_root_table() stays empty; what the walk does then is the unit's choice.
//  * SRTP while TES=1 that changes TTM or SSIRWE without CAP.ESRTPS warns (S §11.4.5 allows
//    it only with ESRTPS); the new pointer is latched anyway.
//  * IRE=1 before any SIRTP enables interrupt remapping anyway and warns (S §11.4.4.1 requires
//    SIRTP first); SIRTP while IRES=1 that changes IRTA.EIME warns (S §11.4.10).
#ifndef VTDSIM_MODEL_REGS_GLOBAL_COMMAND_H_
#define VTDSIM_MODEL_REGS_GLOBAL_COMMAND_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/common/bits.h"
#include "model/regs/cap_ecap.h"

namespace vtd {

// GCMD_REG bits (S §11.4.4.1). 29:28 were SFL/EAFL before 4.0; 22:0 RsvdZ.
struct Gcmd {
  static constexpr BitRange kTe = Bit(31);
  static constexpr BitRange kSrtp = Bit(30);
  static constexpr BitRange kWbf = Bit(27);
  static constexpr BitRange kQie = Bit(26);
  static constexpr BitRange kIre = Bit(25);
  static constexpr BitRange kSirtp = Bit(24);
  static constexpr BitRange kCfi = Bit(23);
  static constexpr uint32_t kDefinedMask = 0xCF80'0000;
  // The one-shot bits software drops before writing back status (the spec's 96FFFFFFh).
  static constexpr uint32_t kOneShotMask = 0x6900'0000;
};

// GSTS_REG bits (S §11.4.4.2), each at the position of its command bit.
struct Gsts {
  static constexpr BitRange kTes = Bit(31);
  static constexpr BitRange kRtps = Bit(30);
  static constexpr BitRange kWbfs = Bit(27);
  static constexpr BitRange kQies = Bit(26);
  static constexpr BitRange kIres = Bit(25);
  static constexpr BitRange kIrtps = Bit(24);
  static constexpr BitRange kCfis = Bit(23);
  static constexpr uint32_t kDefinedMask = 0xCF80'0000;
};

// RTADDR_REG as latched by SRTP (S §11.4.5).
struct RootTablePointer {
  static constexpr BitRange kRta{63, 12};
  static constexpr BitRange kTtm{11, 10};
  static constexpr BitRange kSsirwe = Bit(7);

  uint64_t rtaddr = 0;  // the raw register value that was latched

  uint64_t address() const { return kRta.InPlace(rtaddr); }
  int ttm() const { return static_cast<int>(kTtm.Get(rtaddr)); }  // 00 legacy, 01 scalable...
  bool ssirwe() const { return kSsirwe.Get(rtaddr) != 0; }
  bool operator==(const RootTablePointer&) const = default;
};

enum class GlobalCommandKind : uint8_t {
  kSetRootTablePointer,            // SRTP: RTADDR latched, RTPS set
  kWriteBufferFlush,               // WBF with CAP.RWBF: flushed, WBFS back to 0
  kEnableTranslation,              // TE 0→1: TES set
  kDisableTranslation,             // TE 1→0: TES cleared
  kSetInterruptRemapTablePointer,  // SIRTP with ECAP.IR: IRTA latched, IRTPS set
  kEnableQueuedInvalidation,       // QIE 0→1 with ECAP.QI: QIES set
  kDisableQueuedInvalidation,      // QIE 1→0: QIES cleared (the unit resets IQH)
  kEnableInterruptRemapping,       // IRE 0→1 with ECAP.IR: IRES set
  kDisableInterruptRemapping,      // IRE 1→0: IRES cleared
  kEnableCompatibilityFormat,      // CFI 0→1 with ECAP.IR: CFIS set
  kDisableCompatibilityFormat,     // CFI 1→0: CFIS cleared
};
std::string_view GlobalCommandKindName(GlobalCommandKind kind);

struct GlobalCommandResult {
  std::vector<GlobalCommandKind> performed;  // in the order performed
  uint32_t ignored_bits = 0;                 // GCMD bits set that had no effect (see above)
  bool multiple_commands = false;            // more than one command in one write
  std::vector<std::string> warnings;         // software protocol violations, for diagnostics
};

class GlobalCommand {
 public:
  GlobalCommand(const Capability& cap, const ExtendedCapability& ecap);

  // A write of `gcmd` to GCMD_REG, with RTADDR_REG's current value for SRTP and IRTA_REG's
  // for SIRTP.
  GlobalCommandResult Write(uint32_t gcmd, uint64_t rtaddr, uint64_t irta = 0);

  // Power-on reset: GSTS 0, no root table latched.
  void Reset();

  uint32_t status() const { return status_; }  // GSTS_REG
  bool translation_enabled() const { return Gsts::kTes.Get(status_) != 0; }
  bool queued_invalidation_enabled() const { return Gsts::kQies.Get(status_) != 0; }
  bool interrupt_remapping_enabled() const { return Gsts::kIres.Get(status_) != 0; }
  bool compatibility_format_allowed() const { return Gsts::kCfis.Get(status_) != 0; }
  // The root table the walk uses: set by the last SRTP, empty before the first.
  const std::optional<RootTablePointer>& active_root_table() const { return root_; }
  // IRTA_REG as latched by the last SIRTP (S §11.4.10), empty before the first.
  const std::optional<uint64_t>& active_interrupt_table() const { return irta_; }

 private:
  Capability cap_;
  ExtendedCapability ecap_;
  uint32_t status_ = 0;
  std::optional<RootTablePointer> root_;
  std::optional<uint64_t> irta_;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_REGS_GLOBAL_COMMAND_H_
