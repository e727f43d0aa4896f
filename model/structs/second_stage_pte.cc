#include "model/structs/second_stage_pte.h"

#include "absl/strings/str_format.h"
#include "model/common/hex.h"

namespace vtd {

SecondStagePte SecondStagePte::Decode(uint64_t raw) {
  SecondStagePte e;
  e.read = kRead.Get(raw) != 0;
  e.write = kWrite.Get(raw) != 0;
  e.execute = kExecute.Get(raw) != 0;
  e.emt = static_cast<uint8_t>(kEmt.Get(raw));
  e.ipat = kIpat.Get(raw) != 0;
  e.page_size = kPageSize.Get(raw) != 0;
  e.accessed = kAccessed.Get(raw) != 0;
  e.dirty = kDirty.Get(raw) != 0;
  e.snoop = kSnoop.Get(raw) != 0;
  e.address = kAddress.InPlace(raw);
  e.ir = kIr.Get(raw) != 0;
  e.bit62 = kBit62.Get(raw) != 0;
  e.ignored = raw & kIgnoredMask;
  return e;
}

absl::StatusOr<uint64_t> SecondStagePte::Encode() const {
  if (!kEmt.Fits(emt)) return absl::InvalidArgumentError(absl::StrFormat("EMT %d > 7", emt));
  if ((address & ~kAddress.mask()) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "second-stage ADDR %#x is not 4 KiB aligned or has bits above 51", address));
  }
  if ((ignored & ~kIgnoredMask) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("ignored bits %#x outside bits 10, 60:52, 63", ignored));
  }
  uint64_t raw = address | ignored;
  raw = kRead.Set(raw, read);
  raw = kWrite.Set(raw, write);
  raw = kExecute.Set(raw, execute);
  raw = kEmt.Set(raw, emt);
  raw = kIpat.Set(raw, ipat);
  raw = kPageSize.Set(raw, page_size);
  raw = kAccessed.Set(raw, accessed);
  raw = kDirty.Set(raw, dirty);
  raw = kSnoop.Set(raw, snoop);
  raw = kIr.Set(raw, ir);
  raw = kBit62.Set(raw, bit62);
  return raw;
}

Json SecondStagePte::ToJson(int level) const {
  Json j = Json::MakeObject();
  j.Set("r", read ? 1 : 0);
  j.Set("w", write ? 1 : 0);
  const bool leaf = IsLeaf(level);
  if (level == 2 || level == 3) j.Set("ps", page_size ? 1 : 0);
  if (leaf) {
    j.Set("emt", static_cast<int>(emt));
    j.Set("ipat", ipat ? 1 : 0);
    j.Set("snp", snoop ? 1 : 0);
  }
  j.Set("addr", Hex(address));
  if (bit62) j.Set("bit62", 1);
  return j;
}

}  // namespace vtd
