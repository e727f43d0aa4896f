#include "model/translate/walk_config.h"

#include "absl/strings/str_format.h"

namespace vtd {

absl::StatusOr<WalkConfig> WalkConfig::FromRegisters(uint64_t cap, uint64_t ecap, uint64_t rtaddr,
                                                     int haw) {
  WalkConfig c;
  c.rtaddr = rtaddr;
  c.haw = haw;
  c.nd = static_cast<int>(BitRange{2, 0}.Get(cap));
  c.sagaw = static_cast<uint32_t>(BitRange{12, 8}.Get(cap));
  c.mgaw = static_cast<int>(BitRange{21, 16}.Get(cap)) + 1;
  c.zlr = Bit(22).Get(cap) != 0;
  c.sllps_2m = Bit(34).Get(cap) != 0;
  c.sllps_1g = Bit(35).Get(cap) != 0;
  c.device_tlb = Bit(2).Get(ecap) != 0;
  c.pass_through = Bit(6).Get(ecap) != 0;
  c.snoop_control = Bit(7).Get(ecap) != 0;
  c.no_write_flag = Bit(33).Get(ecap) != 0;
  c.scalable_mode = Bit(43).Get(ecap) != 0;
  c.abort_dma_mode = Bit(52).Get(ecap) != 0;
  c.requests_with_pasid = Bit(40).Get(ecap) != 0;
  c.pasid_bits = c.requests_with_pasid ? static_cast<int>(BitRange{39, 35}.Get(ecap)) + 1 : 0;
  c.ss_translation = Bit(46).Get(ecap) != 0;
  c.ss_accessed_dirty = Bit(45).Get(ecap) != 0;
  c.page_walk_coherency = Bit(48).Get(ecap) != 0;
  c.rid_pasid = Bit(49).Get(ecap) != 0;
  c.supervisor_requests = Bit(31).Get(ecap) != 0;
  c.fs_translation = Bit(47).Get(ecap) != 0;
  c.nested = Bit(26).Get(ecap) != 0;
  c.fs_5level = Bit(60).Get(cap) != 0;
  c.fs_1g = Bit(56).Get(cap) != 0;
  c.page_requests = Bit(29).Get(ecap) != 0;
  absl::Status status = c.Validate();
  if (!status.ok()) return status;
  return c;
}

absl::Status WalkConfig::Validate() const {
  if (haw < 32 || haw > 52) {
    return absl::InvalidArgumentError(absl::StrFormat("haw %d is outside 32..52", haw));
  }
  if (mgaw < 30 || mgaw > 57) {
    return absl::InvalidArgumentError(absl::StrFormat("CAP.MGAW+1 = %d is outside 30..57", mgaw));
  }
  if (sagaw == 0 || (sagaw & ~0b01110u) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "CAP.SAGAW %#x must report only 39-, 48- or 57-bit AGAWs (bits 1-3)", sagaw));
  }
  if (nd < 0 || nd > 6) {
    return absl::InvalidArgumentError(absl::StrFormat("CAP.ND %d is outside 0..6", nd));
  }
  return absl::OkStatus();
}

}  // namespace vtd
