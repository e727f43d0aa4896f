#include "model/structs/context_entry.h"

#include "absl/strings/str_format.h"
#include "model/common/hex.h"

namespace vtd {

std::string_view TranslationTypeName(TranslationType tt) {
  switch (tt) {
    case TranslationType::kUntranslatedOnly:
      return "untranslated_only";
    case TranslationType::kDeviceTlb:
      return "device_tlb";
    case TranslationType::kPassThrough:
      return "pass_through";
    case TranslationType::kReserved:
      return "reserved";
  }
  return "?";
}

absl::StatusOr<ContextEntry> ContextEntry::Decode(absl::Span<const uint64_t> words) {
  if (words.size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrFormat("context entry needs 2 qwords, got %d", words.size()));
  }
  return Decode(words[0], words[1]);
}

absl::StatusOr<std::array<uint64_t, 2>> ContextEntry::Encode() const {
  if (!kTt.Fits(tt)) return absl::InvalidArgumentError(absl::StrFormat("TT %d > 3", tt));
  if (!kAw.Fits(aw)) return absl::InvalidArgumentError(absl::StrFormat("AW %d > 7", aw));
  if (!kAvail.Fits(avail)) {
    return absl::InvalidArgumentError(absl::StrFormat("IGN (bits 70:67) %d > 15", avail));
  }
  if (!IsAligned(second_stage_root, 4096)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("SSPTPTR %#x is not 4 KiB aligned", second_stage_root));
  }
  uint64_t lo = kPresent.Set(0, present ? 1 : 0);
  lo = kFpd.Set(lo, fpd ? 1 : 0);
  lo = kTt.Set(lo, tt);
  lo |= second_stage_root;
  uint64_t hi = kAw.Set(0, aw);
  hi = kAvail.Set(hi, avail);
  hi = kDid.Set(hi, did.value());
  return std::array<uint64_t, 2>{lo, hi};
}

std::array<uint64_t, 2> ContextEntry::ReservedMask(int haw, int did_bits, uint8_t tt) {
  uint64_t lo = kReservedLow.mask();
  if (static_cast<TranslationType>(tt) != TranslationType::kPassThrough && haw < 64) {
    lo |= BitMask(63, haw);
  }
  uint64_t hi = kReserved71.mask() | kReservedHigh.mask();
  if (did_bits < 16) hi |= BitMask(kDid.hi, kDid.lo + did_bits);
  return {lo, hi};
}

std::array<uint64_t, 2> ContextEntry::ReservedBits(uint64_t lo, uint64_t hi, int haw,
                                                   int did_bits) {
  const std::array<uint64_t, 2> mask =
      ReservedMask(haw, did_bits, static_cast<uint8_t>(kTt.Get(lo)));
  return {lo & mask[0], hi & mask[1]};
}

Json ContextEntry::ToJson() const {
  Json j = Json::MakeObject();
  j.Set("p", present ? 1 : 0);
  j.Set("fpd", fpd ? 1 : 0);
  j.Set("tt", TranslationTypeName(translation_type()));
  j.Set("ssptptr", Hex(second_stage_root));
  j.Set("aw", static_cast<int>(aw));
  j.Set("did", Hex(did.value()));
  if (avail != 0) j.Set("ign", Hex(avail));
  return j;
}

}  // namespace vtd
