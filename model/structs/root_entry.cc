#include "model/structs/root_entry.h"

#include "absl/strings/str_format.h"
#include "model/common/hex.h"

namespace vtd {

absl::StatusOr<RootEntry> RootEntry::Decode(absl::Span<const uint64_t> words) {
  if (words.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrFormat("root entry needs 2 qwords, got %d", words.size()));
  }
  return Decode(words[0], words[1]);
}

absl::StatusOr<std::array<uint64_t, 2>> RootEntry::Encode() const {
  if (!IsAligned(context_table, 4096)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "root entry context-table pointer %#x is not 4 KiB aligned", context_table));
  }
  uint64_t lo = kPresent.Set(0, present ? 1 : 0);
  lo |= context_table;
  return std::array<uint64_t, 2>{lo, 0};
}

std::array<uint64_t, 2> RootEntry::ReservedMask(int haw) {
  return {kReservedLow.mask() | (haw < 64 ? BitMask(63, haw) : 0), ~uint64_t{0}};
}

std::array<uint64_t, 2> RootEntry::ReservedBits(uint64_t lo, uint64_t hi, int haw) {
  const std::array<uint64_t, 2> mask = ReservedMask(haw);
  return {lo & mask[0], hi & mask[1]};
}

Json RootEntry::ToJson() const {
  Json j = Json::MakeObject();
  j.Set("p", present ? 1 : 0);
  j.Set("ctp", Hex(context_table));
  return j;
}

}  // namespace vtd
