#include "model/translate/walk_config.h"

#include "absl/strings/str_format.h"

namespace vtd {

absl::StatusOr<WalkConfig> WalkConfig::FromRegisters(uint64_t cap, uint64_t ecap, uint64_t rtaddr,
                                                     int haw) {
  WalkConfig c;
  c.rtaddr = rtaddr;
  c.haw = haw;
  c.cap = Capability::Decode(cap);
  c.ecap = ExtendedCapability::Decode(ecap);
  absl::Status status = c.Validate();
  if (!status.ok()) return status;
  return c;
}

absl::Status WalkConfig::Validate() const {
  if (haw < 32 || haw > 52) {
    return absl::InvalidArgumentError(absl::StrFormat("haw %d is outside 32..52", haw));
  }
  if (mgaw() < 30 || mgaw() > 57) {
    return absl::InvalidArgumentError(absl::StrFormat("CAP.MGAW+1 = %d is outside 30..57", mgaw()));
  }
  if (cap.sagaw == 0 || (cap.sagaw & ~0b01110u) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "CAP.SAGAW %#x must report only 39-, 48- or 57-bit AGAWs (bits 1-3)", cap.sagaw));
  }
  if (cap.nd > 6) {
    return absl::InvalidArgumentError(absl::StrFormat("CAP.ND %d is outside 0..6", cap.nd));
  }
  return absl::OkStatus();
}

}  // namespace vtd
