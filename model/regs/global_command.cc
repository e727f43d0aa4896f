#include "model/regs/global_command.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"
#include "model/common/hex.h"

namespace vtd {

std::string_view GlobalCommandKindName(GlobalCommandKind kind) {
  switch (kind) {
    case GlobalCommandKind::kSetRootTablePointer:
      return "set-root-table-pointer";
    case GlobalCommandKind::kWriteBufferFlush:
      return "write-buffer-flush";
    case GlobalCommandKind::kEnableTranslation:
      return "enable-translation";
    case GlobalCommandKind::kDisableTranslation:
      return "disable-translation";
    case GlobalCommandKind::kSetInterruptRemapTablePointer:
      return "set-interrupt-remap-table-pointer";
    case GlobalCommandKind::kEnableQueuedInvalidation:
      return "enable-queued-invalidation";
    case GlobalCommandKind::kDisableQueuedInvalidation:
      return "disable-queued-invalidation";
    case GlobalCommandKind::kEnableInterruptRemapping:
      return "enable-interrupt-remapping";
    case GlobalCommandKind::kDisableInterruptRemapping:
      return "disable-interrupt-remapping";
    case GlobalCommandKind::kEnableCompatibilityFormat:
      return "enable-compatibility-format";
    case GlobalCommandKind::kDisableCompatibilityFormat:
      return "disable-compatibility-format";
  }
  return "?";
}

GlobalCommand::GlobalCommand(const Capability& cap, const ExtendedCapability& ecap)
    : cap_(cap), ecap_(ecap) {}

void GlobalCommand::Reset() {
  status_ = 0;
  root_.reset();
  irta_.reset();
}

GlobalCommandResult GlobalCommand::Write(uint32_t gcmd, uint64_t rtaddr, uint64_t irta) {
  GlobalCommandResult result;
  const bool srtp = Gcmd::kSrtp.Get(gcmd) != 0;
  const bool wbf = Gcmd::kWbf.Get(gcmd) != 0 && cap_.rwbf;
  const bool te_change = Gcmd::kTe.Get(gcmd) != Gsts::kTes.Get(status_);
  // Queued invalidation needs ECAP.QI, interrupt remapping ECAP.IR (S §11.4.4.1).
  const bool sirtp = ecap_.ir && Gcmd::kSirtp.Get(gcmd) != 0;
  const bool qie_change = ecap_.qi && Gcmd::kQie.Get(gcmd) != Gsts::kQies.Get(status_);
  const bool ire_change = ecap_.ir && Gcmd::kIre.Get(gcmd) != Gsts::kIres.Get(status_);
  const bool cfi_change = ecap_.ir && Gcmd::kCfi.Get(gcmd) != Gsts::kCfis.Get(status_);

  // Bits with no effect: QIE without ECAP.QI, IRE/SIRTP/CFI without ECAP.IR, WBF without
  // CAP.RWBF.
  if (!ecap_.qi) result.ignored_bits |= gcmd & Gcmd::kQie.mask();
  if (!ecap_.ir) {
    result.ignored_bits |= gcmd & (Gcmd::kIre.mask() | Gcmd::kSirtp.mask() | Gcmd::kCfi.mask());
  }
  if (Gcmd::kWbf.Get(gcmd) != 0 && !cap_.rwbf) result.ignored_bits |= Gcmd::kWbf.mask();

  const int commands = int{srtp} + int{sirtp} + int{wbf} + int{qie_change} + int{te_change} +
                       int{ire_change} + int{cfi_change};
  // Software that writes "GSTS | command" (kvm-unit-tests, QEMU's qtests) re-issues SRTP or
  // SIRTP whose status is already set, with the pointer register unchanged: latching the same
  // pointer again changes nothing, so beside one real command it is not a second command.
  const int reissued =
      int{srtp && Gsts::kRtps.Get(status_) != 0 && root_.has_value() && root_->rtaddr == rtaddr} +
      int{sirtp && Gsts::kIrtps.Get(status_) != 0 && irta_.has_value() && *irta_ == irta};
  if (commands > 1 && commands - reissued > 1) {
    result.multiple_commands = true;
    result.warnings.push_back(absl::StrFormat(
        "GCMD write %s carries %d commands; the spec requires one per write (S §11.4.4.1). "
        "Performed in the order SRTP, SIRTP, WBF, QIE, TE, IRE, CFI",
        Hex(gcmd), commands));
  }

  if (srtp) {
    // RTPS is cleared by the write and set on completion (S §11.4.4.2); completion is
    // immediate in the model.
    const RootTablePointer next{rtaddr};
    if (translation_enabled() && root_.has_value() && !cap_.esrtps &&
        (next.ttm() != root_->ttm() || next.ssirwe() != root_->ssirwe())) {
      result.warnings.push_back(
          absl::StrFormat("SRTP changed TTM/SSIRWE (%s -> %s) while translation is enabled without "
                          "CAP.ESRTPS (S §11.4.5)",
                          Hex(root_->rtaddr), Hex(next.rtaddr)));
    }
    root_ = next;
    status_ = static_cast<uint32_t>(Gsts::kRtps.Set(status_, 1));
    result.performed.push_back(GlobalCommandKind::kSetRootTablePointer);
  }
  if (sirtp) {
    // IRTPS: cleared by the write, set on completion (S §11.4.4.2); immediate here.
    constexpr uint64_t kEime = uint64_t{1} << 11;
    if (Gsts::kIres.Get(status_) != 0 && irta_.has_value() && ((*irta_ ^ irta) & kEime) != 0) {
      result.warnings.push_back(absl::StrFormat(
          "SIRTP changed IRTA.EIME (%s -> %s) while interrupt remapping is enabled (S §11.4.10)",
          Hex(*irta_), Hex(irta)));
    }
    irta_ = irta;
    status_ = static_cast<uint32_t>(Gsts::kIrtps.Set(status_, 1));
    result.performed.push_back(GlobalCommandKind::kSetInterruptRemapTablePointer);
  }
  if (wbf) {
    // WBFS is set by the write and cleared when the flush completes (S §11.4.4.2):
    // immediately here, so it reads 0 afterwards.
    status_ = static_cast<uint32_t>(Gsts::kWbfs.Set(status_, 0));
    result.performed.push_back(GlobalCommandKind::kWriteBufferFlush);
  }
  if (qie_change) {
    const bool enable = Gcmd::kQie.Get(gcmd) != 0;
    status_ = static_cast<uint32_t>(Gsts::kQies.Set(status_, enable ? 1 : 0));
    result.performed.push_back(enable ? GlobalCommandKind::kEnableQueuedInvalidation
                                      : GlobalCommandKind::kDisableQueuedInvalidation);
  }
  if (te_change) {
    const bool enable = Gcmd::kTe.Get(gcmd) != 0;
    if (enable && !root_.has_value()) {
      result.warnings.push_back(
          "TE set before any SRTP: the spec requires SRTP first (S §11.4.4.1); translation "
          "is enabled with no root table latched");
    }
    status_ = static_cast<uint32_t>(Gsts::kTes.Set(status_, enable ? 1 : 0));
    result.performed.push_back(enable ? GlobalCommandKind::kEnableTranslation
                                      : GlobalCommandKind::kDisableTranslation);
  }
  if (ire_change) {
    const bool enable = Gcmd::kIre.Get(gcmd) != 0;
    if (enable && !irta_.has_value()) {
      result.warnings.push_back(
          "IRE set before any SIRTP: the spec requires SIRTP first (S §11.4.4.1); interrupt "
          "remapping is enabled with no table latched");
    }
    status_ = static_cast<uint32_t>(Gsts::kIres.Set(status_, enable ? 1 : 0));
    result.performed.push_back(enable ? GlobalCommandKind::kEnableInterruptRemapping
                                      : GlobalCommandKind::kDisableInterruptRemapping);
  }
  if (cfi_change) {
    const bool enable = Gcmd::kCfi.Get(gcmd) != 0;
    status_ = static_cast<uint32_t>(Gsts::kCfis.Set(status_, enable ? 1 : 0));
    result.performed.push_back(enable ? GlobalCommandKind::kEnableCompatibilityFormat
                                      : GlobalCommandKind::kDisableCompatibilityFormat);
  }
  return result;
}

}  // namespace vtd
