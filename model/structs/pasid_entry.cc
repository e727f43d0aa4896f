#include "model/structs/pasid_entry.h"

#include <algorithm>

#include "absl/strings/str_format.h"
#include "model/common/hex.h"

namespace vtd {

std::string_view PasidTranslationTypeName(uint8_t pgtt) {
  switch (pgtt) {
    case 1:
      return "first_stage";
    case 2:
      return "second_stage";
    case 3:
      return "nested";
    case 4:
      return "pass_through";
    default:
      return "reserved";
  }
}

absl::StatusOr<PasidEntry> PasidEntry::Decode(absl::Span<const uint64_t> words) {
  if (words.size() != 8) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PASID table entry needs 8 qwords, got %d", words.size()));
  }
  std::array<uint64_t, 8> w;
  std::copy(words.begin(), words.end(), w.begin());
  return DecodeQwords(w);
}

PasidEntry PasidEntry::DecodeQwords(const std::array<uint64_t, 8>& words) {
  const uint64_t q0 = words[0];
  const uint64_t q1 = words[1];
  const uint64_t q2 = words[2];
  const uint64_t q4 = words[4];
  const uint64_t q5 = words[5];
  PasidEntry e;
  e.present = kPresent.Get(q0) != 0;
  e.fpd = kFpd.Get(q0) != 0;
  e.aw = static_cast<uint8_t>(kAw.Get(q0));
  e.pgtt = static_cast<uint8_t>(kPgtt.Get(q0));
  e.ssade = kSsade.Get(q0) != 0;
  e.second_stage_root = kSsptptr.InPlace(q0);
  e.did = DomainId(static_cast<uint16_t>(kDid.Get(q1)));
  e.pwsnp = kPwsnp.Get(q1) != 0;
  e.pgsnp = kPgsnp.Get(q1) != 0;
  e.cd = kCd.Get(q1) != 0;
  e.emte = kEmte.Get(q1) != 0;
  e.pat = static_cast<uint32_t>(kPat.Get(q1 & ~kPatReserved));
  e.sre = kSre.Get(q2) != 0;
  e.fspm = static_cast<uint8_t>(kFspm.Get(q2));
  e.wpe = kWpe.Get(q2) != 0;
  e.ignored_133 = static_cast<uint8_t>(kIgnored134To133.Get(q2));
  e.eafe = kEafe.Get(q2) != 0;
  e.first_stage_root = kFsptptr.InPlace(q2);
  e.hptsz = static_cast<uint8_t>(kHptsz.Get(q4));
  e.hptpfd = kHptpfd.Get(q4) != 0;
  e.hpt_root = kHptptr.InPlace(q4);
  e.hptdid = static_cast<uint16_t>(kHptdid.Get(q5));
  return e;
}

namespace {

absl::Status NotAligned(std::string_view field, uint64_t value) {
  return absl::InvalidArgumentError(
      absl::StrFormat("PASID table entry %s %#x is not 4 KiB aligned", field, value));
}

absl::Status TooWide(std::string_view field, uint64_t value) {
  return absl::InvalidArgumentError(
      absl::StrFormat("PASID table entry %s %#x does not fit its field", field, value));
}

}  // namespace

absl::StatusOr<std::array<uint64_t, 8>> PasidEntry::Encode() const {
  if (!kAw.Fits(aw)) return TooWide("AW", aw);
  if (!kPgtt.Fits(pgtt)) return TooWide("PGTT", pgtt);
  if (!kFspm.Fits(fspm)) return TooWide("FSPM", fspm);
  if (!kIgnored134To133.Fits(ignored_133)) return TooWide("IGN (bits 134:133)", ignored_133);
  if (!kHptsz.Fits(hptsz)) return TooWide("HPTSZ", hptsz);
  if (((uint64_t{pat} << kPat.lo) & kPatReserved) != 0) {
    return absl::InvalidArgumentError(
        absl::StrFormat("PASID table entry PAT %#x sets the reserved bit 3 of a 4-bit slot", pat));
  }
  if (!IsAligned(second_stage_root, 4096)) return NotAligned("SSPTPTR", second_stage_root);
  if (!IsAligned(first_stage_root, 4096)) return NotAligned("FSPTPTR", first_stage_root);
  if (!IsAligned(hpt_root, 4096)) return NotAligned("HPTPTR", hpt_root);
  std::array<uint64_t, 8> w{};
  w[0] = second_stage_root;
  w[0] = kPresent.Set(w[0], present ? 1 : 0);
  w[0] = kFpd.Set(w[0], fpd ? 1 : 0);
  w[0] = kAw.Set(w[0], aw);
  w[0] = kPgtt.Set(w[0], pgtt);
  w[0] = kSsade.Set(w[0], ssade ? 1 : 0);
  w[1] = kDid.Set(0, did.value());
  w[1] = kPwsnp.Set(w[1], pwsnp ? 1 : 0);
  w[1] = kPgsnp.Set(w[1], pgsnp ? 1 : 0);
  w[1] = kCd.Set(w[1], cd ? 1 : 0);
  w[1] = kEmte.Set(w[1], emte ? 1 : 0);
  w[1] = kPat.Set(w[1], pat);
  w[2] = first_stage_root;
  w[2] = kSre.Set(w[2], sre ? 1 : 0);
  w[2] = kFspm.Set(w[2], fspm);
  w[2] = kWpe.Set(w[2], wpe ? 1 : 0);
  w[2] = kIgnored134To133.Set(w[2], ignored_133);
  w[2] = kEafe.Set(w[2], eafe ? 1 : 0);
  w[4] = hpt_root;
  w[4] = kHptsz.Set(w[4], hptsz);
  w[4] = kHptpfd.Set(w[4], hptpfd ? 1 : 0);
  w[5] = kHptdid.Set(0, hptdid);
  return w;
}

std::array<uint64_t, 8> PasidEntry::ReservedMask(uint8_t pgtt, const PasidEntryFormat& format) {
  const uint64_t above_haw = format.haw < 64 ? BitMask(63, format.haw) : 0;
  const auto type = static_cast<PasidTranslationType>(pgtt);
  std::array<uint64_t, 8> m{};
  m[0] = kReserved5.mask() | kReserved11To10.mask();
  if (type == PasidTranslationType::kSecondStage || type == PasidTranslationType::kNested) {
    m[0] |= above_haw;
  }
  if (!format.ssts) m[0] |= kAw.mask();
  if (!format.ssts || !format.ssads) m[0] |= kSsade.mask();

  m[1] = kReserved86To80.mask() | kReserved95To91.mask() | kPatReserved;
  if (format.did_bits < 16) m[1] |= BitMask(kDid.hi, kDid.lo + format.did_bits);
  if (!format.smpwcs) m[1] |= kPwsnp.mask();
  if (!format.sc) m[1] |= kPgsnp.mask();
  if (!format.mts) m[1] |= kCd.mask() | kEmte.mask() | kPat.mask();

  m[2] = kReserved129.mask() | kReserved139To136.mask() | above_haw;
  if (!format.srs) m[2] |= kSre.mask();
  if (!format.eafs) m[2] |= kEafe.mask();
  if (!format.fsts) m[2] |= kFsptptr.mask();

  m[3] = ~uint64_t{0};
  if (!format.hpts) {
    m[4] = ~uint64_t{0};
    m[5] = ~uint64_t{0};
  } else if (format.context_hpte) {
    m[4] = kReserved267To259.mask() | above_haw;
    m[5] = kReserved383To336.mask();
  }
  m[6] = ~uint64_t{0};
  m[7] = ~uint64_t{0};
  return m;
}

std::array<uint64_t, 8> PasidEntry::ReservedBits(absl::Span<const uint64_t> words,
                                                 const PasidEntryFormat& format) {
  const uint8_t pgtt = words.empty() ? 0 : static_cast<uint8_t>(kPgtt.Get(words[0]));
  const std::array<uint64_t, 8> mask = ReservedMask(pgtt, format);
  std::array<uint64_t, 8> bits{};
  for (size_t i = 0; i < bits.size() && i < words.size(); ++i) bits[i] = words[i] & mask[i];
  return bits;
}

Json PasidEntry::ToJson() const {
  Json j = Json::MakeObject();
  j.Set("p", present ? 1 : 0);
  j.Set("fpd", fpd ? 1 : 0);
  j.Set("pgtt", PasidTranslationTypeName(pgtt));
  j.Set("did", Hex(did.value()));
  const auto type = translation_type();
  if (type == PasidTranslationType::kSecondStage || type == PasidTranslationType::kNested) {
    j.Set("aw", static_cast<int>(aw));
    j.Set("ssade", ssade ? 1 : 0);
    j.Set("ssptptr", Hex(second_stage_root));
  }
  if (type == PasidTranslationType::kFirstStage || type == PasidTranslationType::kNested) {
    j.Set("fsptptr", Hex(first_stage_root));
    j.Set("fspm", static_cast<int>(fspm));
    j.Set("sre", sre ? 1 : 0);
    j.Set("wpe", wpe ? 1 : 0);
    j.Set("eafe", eafe ? 1 : 0);
  }
  j.Set("pwsnp", pwsnp ? 1 : 0);
  j.Set("pgsnp", pgsnp ? 1 : 0);
  if (cd) j.Set("cd", 1);
  if (emte) j.Set("emte", 1);
  if (pat != 0) j.Set("pat", Hex(pat));
  if (hpt_root != 0 || hptdid != 0 || hptsz != 0 || hptpfd) {
    j.Set("hptptr", Hex(hpt_root));
    j.Set("hptsz", static_cast<int>(hptsz));
    j.Set("hptpfd", hptpfd ? 1 : 0);
    j.Set("hptdid", Hex(hptdid));
  }
  return j;
}

}  // namespace vtd
