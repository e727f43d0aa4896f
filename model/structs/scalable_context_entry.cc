#include "model/structs/scalable_context_entry.h"

#include "absl/strings/str_format.h"
#include "model/common/hex.h"

namespace vtd {

absl::StatusOr<ScalableContextEntry> ScalableContextEntry::Decode(
    absl::Span<const uint64_t> words) {
  if (words.size() != 4) {
    return absl::InvalidArgumentError(
        absl::StrFormat("scalable-mode context entry needs 4 qwords, got %d", words.size()));
  }
  return DecodeQwords({words[0], words[1], words[2], words[3]});
}

ScalableContextEntry ScalableContextEntry::DecodeQwords(const std::array<uint64_t, 4>& words) {
  const uint64_t q0 = words[0];
  const uint64_t q1 = words[1];
  ScalableContextEntry e;
  e.present = kPresent.Get(q0) != 0;
  e.fpd = kFpd.Get(q0) != 0;
  e.device_tlb_enable = kDte.Get(q0) != 0;
  e.pasid_enable = kPaside.Get(q0) != 0;
  e.page_request_enable = kPre.Get(q0) != 0;
  e.hpt_enable = kHpte.Get(q0) != 0;
  e.translated_pasid_enable = kEptr.Get(q0) != 0;
  e.pdts = static_cast<uint8_t>(kPdts.Get(q0));
  e.pasid_directory = kPasidDirPtr.InPlace(q0);
  e.rid_pasid = static_cast<uint32_t>(kRidPasid.Get(q1));
  e.rid_priv = kRidPriv.Get(q1) != 0;
  return e;
}

absl::StatusOr<std::array<uint64_t, 4>> ScalableContextEntry::Encode() const {
  if (!kPdts.Fits(pdts)) return absl::InvalidArgumentError(absl::StrFormat("PDTS %d > 7", pdts));
  if (!kRidPasid.Fits(rid_pasid)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("RID_PASID %#x does not fit 20 bits", rid_pasid));
  }
  if (!IsAligned(pasid_directory, 4096)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PASIDDIRPTR %#x is not 4 KiB aligned", pasid_directory));
  }
  uint64_t q0 = pasid_directory;
  q0 = kPresent.Set(q0, present ? 1 : 0);
  q0 = kFpd.Set(q0, fpd ? 1 : 0);
  q0 = kDte.Set(q0, device_tlb_enable ? 1 : 0);
  q0 = kPaside.Set(q0, pasid_enable ? 1 : 0);
  q0 = kPre.Set(q0, page_request_enable ? 1 : 0);
  q0 = kHpte.Set(q0, hpt_enable ? 1 : 0);
  q0 = kEptr.Set(q0, translated_pasid_enable ? 1 : 0);
  q0 = kPdts.Set(q0, pdts);
  uint64_t q1 = kRidPasid.Set(0, rid_pasid);
  q1 = kRidPriv.Set(q1, rid_priv ? 1 : 0);
  return std::array<uint64_t, 4>{q0, q1, 0, 0};
}

std::array<uint64_t, 4> ScalableContextEntry::ReservedMask(const ScalableContextFormat& format) {
  uint64_t q0 = kReservedLow.mask();
  if (format.haw < 64) q0 |= BitMask(63, format.haw);
  if (!format.device_tlb) q0 |= kDte.mask();
  if (!format.pasid) q0 |= kPaside.mask();
  if (!format.page_requests) q0 |= kPre.mask();
  if (!format.host_permission_tables) q0 |= kHpte.mask();
  if (!format.translated_pasid) q0 |= kEptr.mask();
  uint64_t q1 = kReservedQw1.mask();
  if (!format.rid_pasid) q1 |= kRidPasid.mask();
  if (!format.rid_priv) q1 |= kRidPriv.mask();
  return {q0, q1, ~uint64_t{0}, ~uint64_t{0}};
}

std::array<uint64_t, 4> ScalableContextEntry::ReservedBits(absl::Span<const uint64_t> words,
                                                           const ScalableContextFormat& format) {
  const std::array<uint64_t, 4> mask = ReservedMask(format);
  std::array<uint64_t, 4> bits{};
  for (size_t i = 0; i < bits.size() && i < words.size(); ++i) bits[i] = words[i] & mask[i];
  return bits;
}

std::optional<std::string_view> ScalableContextEntry::InvalidProgramming() const {
  if (!device_tlb_enable && page_request_enable) return "PRE=1 with DTE=0";
  if (rid_pasid > MaxPasid()) return "RID_PASID beyond the PASID directory size (PDTS)";
  if (translated_pasid_enable && !pasid_enable) return "EPTR=1 with PASIDE=0";
  return std::nullopt;
}

Json ScalableContextEntry::ToJson() const {
  Json j = Json::MakeObject();
  j.Set("p", present ? 1 : 0);
  j.Set("fpd", fpd ? 1 : 0);
  j.Set("dte", device_tlb_enable ? 1 : 0);
  j.Set("paside", pasid_enable ? 1 : 0);
  j.Set("pre", page_request_enable ? 1 : 0);
  if (hpt_enable) j.Set("hpte", 1);
  if (translated_pasid_enable) j.Set("eptr", 1);
  j.Set("pdts", static_cast<int>(pdts));
  j.Set("pasiddirptr", Hex(pasid_directory));
  j.Set("rid_pasid", Hex(rid_pasid));
  j.Set("rid_priv", rid_priv ? 1 : 0);
  return j;
}

}  // namespace vtd
