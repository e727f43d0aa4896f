#include "model/structs/scalable_root_entry.h"

#include "absl/strings/str_format.h"
#include "model/common/hex.h"

namespace vtd {

absl::StatusOr<ScalableRootEntry> ScalableRootEntry::Decode(absl::Span<const uint64_t> words) {
  if (words.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrFormat("scalable-mode root entry needs 2 qwords, got %d", words.size()));
  }
  return Decode(words[0], words[1]);
}

ScalableRootEntry ScalableRootEntry::Decode(uint64_t lo, uint64_t hi) {
  ScalableRootEntry e;
  e.lower_present = kLowerPresent.Get(lo) != 0;
  e.lower_context_table = kLctp.InPlace(lo);
  e.upper_present = kUpperPresent.Get(hi) != 0;
  e.upper_context_table = kUctp.InPlace(hi);
  return e;
}

absl::StatusOr<std::array<uint64_t, 2>> ScalableRootEntry::Encode() const {
  if (!IsAligned(lower_context_table, 4096)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "scalable-mode root entry LCTP %#x is not 4 KiB aligned", lower_context_table));
  }
  if (!IsAligned(upper_context_table, 4096)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "scalable-mode root entry UCTP %#x is not 4 KiB aligned", upper_context_table));
  }
  const uint64_t lo = kLowerPresent.Set(lower_context_table, lower_present ? 1 : 0);
  const uint64_t hi = kUpperPresent.Set(upper_context_table, upper_present ? 1 : 0);
  return std::array<uint64_t, 2>{lo, hi};
}

std::array<uint64_t, 2> ScalableRootEntry::ReservedMask(int haw) {
  const uint64_t above_haw = haw < 64 ? BitMask(63, haw) : 0;
  return {kReservedLow.mask() | above_haw, kReservedHigh.mask() | above_haw};
}

std::array<uint64_t, 2> ScalableRootEntry::ReservedBits(uint64_t lo, uint64_t hi, int haw) {
  const std::array<uint64_t, 2> mask = ReservedMask(haw);
  return {kLowerPresent.Get(lo) != 0 ? lo & mask[0] : 0,
          kUpperPresent.Get(hi) != 0 ? hi & mask[1] : 0};
}

Json ScalableRootEntry::ToJson() const {
  Json j = Json::MakeObject();
  j.Set("lp", lower_present ? 1 : 0);
  j.Set("lctp", Hex(lower_context_table));
  j.Set("up", upper_present ? 1 : 0);
  j.Set("uctp", Hex(upper_context_table));
  return j;
}

}  // namespace vtd
