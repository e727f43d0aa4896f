#include "model/structs/pasid_directory_entry.h"

#include "absl/strings/str_format.h"
#include "model/common/hex.h"

namespace vtd {

PasidDirectoryEntry PasidDirectoryEntry::Decode(uint64_t raw) {
  PasidDirectoryEntry e;
  e.present = kPresent.Get(raw) != 0;
  e.fpd = kFpd.Get(raw) != 0;
  e.pasid_table = kPasidTablePtr.InPlace(raw);
  return e;
}

absl::StatusOr<uint64_t> PasidDirectoryEntry::Encode() const {
  if (!IsAligned(pasid_table, 4096)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PASID directory entry SMPTBLPTR %#x is not 4 KiB aligned", pasid_table));
  }
  uint64_t raw = kPresent.Set(pasid_table, present ? 1 : 0);
  return kFpd.Set(raw, fpd ? 1 : 0);
}

uint64_t PasidDirectoryEntry::ReservedMask(int haw) {
  return kReservedLow.mask() | (haw < 64 ? BitMask(63, haw) : 0);
}

Json PasidDirectoryEntry::ToJson() const {
  Json j = Json::MakeObject();
  j.Set("p", present ? 1 : 0);
  j.Set("fpd", fpd ? 1 : 0);
  j.Set("smptblptr", Hex(pasid_table));
  return j;
}

}  // namespace vtd
