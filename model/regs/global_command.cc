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
  }
  return "?";
}

GlobalCommand::GlobalCommand(const Capability& cap, const ExtendedCapability& ecap)
    : cap_(cap), ecap_(ecap) {}

void GlobalCommand::Reset() {
  status_ = 0;
  root_.reset();
}

GlobalCommandResult GlobalCommand::Write(uint32_t gcmd, uint64_t rtaddr) {
  GlobalCommandResult result;
  const bool srtp = Gcmd::kSrtp.Get(gcmd) != 0;
  const bool wbf = Gcmd::kWbf.Get(gcmd) != 0 && cap_.rwbf;
  const bool te_change = Gcmd::kTe.Get(gcmd) != Gsts::kTes.Get(status_);

  // Bits with no effect today: QIE/IRE/SIRTP/CFI (later work), WBF without CAP.RWBF.
  result.ignored_bits =
      gcmd & (Gcmd::kQie.mask() | Gcmd::kIre.mask() | Gcmd::kSirtp.mask() | Gcmd::kCfi.mask());
  if (Gcmd::kWbf.Get(gcmd) != 0 && !cap_.rwbf) result.ignored_bits |= Gcmd::kWbf.mask();

  const int commands = int{srtp} + int{wbf} + int{te_change};
  if (commands > 1) {
    result.multiple_commands = true;
    result.warnings.push_back(absl::StrFormat(
        "GCMD write %s carries %d commands; the spec requires one per write (S §11.4.4.1). "
        "Performed in the order SRTP, WBF, TE",
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
  if (wbf) {
    // WBFS is set by the write and cleared when the flush completes (S §11.4.4.2):
    // immediately here, so it reads 0 afterwards.
    status_ = static_cast<uint32_t>(Gsts::kWbfs.Set(status_, 0));
    result.performed.push_back(GlobalCommandKind::kWriteBufferFlush);
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
  return result;
}

}  // namespace vtd
