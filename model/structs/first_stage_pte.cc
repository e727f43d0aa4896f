#include "model/structs/first_stage_pte.h"

#include "absl/strings/str_format.h"
#include "model/common/hex.h"

namespace vtd {
namespace {

bool ValidLevel(int level) { return level >= 1 && level <= 5; }

}  // namespace

uint64_t FirstStagePte::AddressMask(int level, bool leaf) {
  if (leaf && level == 3) return BitMask(51, 30);
  if (leaf && level == 2) return BitMask(51, 21);
  return kAddress.mask();
}

absl::StatusOr<FirstStagePte> FirstStagePte::Decode(uint64_t raw, int level) {
  if (!ValidLevel(level)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("first-stage paging level %d: must be 1 (PTE) to 5 (PML5E)", level));
  }
  const bool leaf = IsLeaf(raw, level);
  FirstStagePte e;
  e.level = level;
  e.present = kPresent.Get(raw) != 0;
  e.write = kWrite.Get(raw) != 0;
  e.user = kUser.Get(raw) != 0;
  e.accessed = kAccessed.Get(raw) != 0;
  e.extended_accessed = kExtendedAccessed.Get(raw) != 0;
  e.xd = kXd.Get(raw) != 0;
  if (level == 2 || level == 3) e.page_size = kBit7.Get(raw) != 0;
  if (leaf) {
    e.pwt = kPwt.Get(raw) != 0;
    e.pcd = kPcd.Get(raw) != 0;
    e.dirty = kDirty.Get(raw) != 0;
    e.global = kGlobal.Get(raw) != 0;
    e.pat = (level == 1 ? kBit7 : kLargePat).Get(raw) != 0;
    e.ignored = raw & kIgnoredAlways;
  } else {
    e.ignored = raw & kIgnoredNonLeaf;
  }
  e.address = raw & AddressMask(level, leaf);
  return e;
}

absl::StatusOr<uint64_t> FirstStagePte::Encode() const {
  if (!ValidLevel(level)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("first-stage paging level %d: must be 1 (PTE) to 5 (PML5E)", level));
  }
  if (page_size && level != 2 && level != 3) {
    return absl::InvalidArgumentError(
        absl::StrFormat("first-stage entry at level %d cannot have PS=1", level));
  }
  const bool leaf = IsLeaf();
  if (!leaf && (pat || pwt || pcd || dirty || global)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "first-stage non-leaf entry at level %d has no PAT, PWT, PCD, D or G field", level));
  }
  if ((address & ~AddressMask(level, leaf)) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "first-stage ADDR %#x has bits outside the level-%d address field", address, level));
  }
  const uint64_t ignored_mask = leaf ? kIgnoredAlways : kIgnoredNonLeaf;
  if ((ignored & ~ignored_mask) != 0) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "first-stage ignored bits %#x are not ignored at level %d", ignored, level));
  }
  uint64_t raw = address | ignored;
  raw = kPresent.Set(raw, present);
  raw = kWrite.Set(raw, write);
  raw = kUser.Set(raw, user);
  raw = kAccessed.Set(raw, accessed);
  raw = kExtendedAccessed.Set(raw, extended_accessed);
  raw = kXd.Set(raw, xd);
  if (page_size) raw = kBit7.Set(raw, 1);
  if (leaf) {
    raw = kPwt.Set(raw, pwt);
    raw = kPcd.Set(raw, pcd);
    raw = kDirty.Set(raw, dirty);
    raw = kGlobal.Set(raw, global);
    raw = (level == 1 ? kBit7 : kLargePat).Set(raw, pat);
  }
  return raw;
}

uint64_t FirstStagePte::ReservedMask(uint64_t raw, int level, const FsPteFormat& format) {
  uint64_t mask = format.haw < 52 ? BitMask(51, format.haw) : 0;
  if (level >= 4) {
    mask |= kBit7.mask();
  } else if (level == 3 && kBit7.Get(raw) != 0) {
    mask |= BitMask(29, 13);
    if (!format.large_1g) mask |= kBit7.mask();
  } else if (level == 2 && kBit7.Get(raw) != 0) {
    mask |= BitMask(20, 13);
  }
  return mask;
}

Json FirstStagePte::ToJson() const {
  Json j = Json::MakeObject();
  j.Set("p", present ? 1 : 0);
  j.Set("rw", write ? 1 : 0);
  j.Set("us", user ? 1 : 0);
  j.Set("a", accessed ? 1 : 0);
  if (extended_accessed) j.Set("ea", 1);
  if (level == 2 || level == 3) j.Set("ps", page_size ? 1 : 0);
  if (IsLeaf()) {
    j.Set("d", dirty ? 1 : 0);
    j.Set("pwt", pwt ? 1 : 0);
    j.Set("pcd", pcd ? 1 : 0);
    j.Set("pat", pat ? 1 : 0);
    if (global) j.Set("g", 1);
  }
  j.Set("addr", Hex(address));
  if (xd) j.Set("xd", 1);
  return j;
}

}  // namespace vtd
