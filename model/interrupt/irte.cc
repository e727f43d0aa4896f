#include "model/interrupt/irte.h"

#include "absl/strings/str_format.h"

namespace vtd {
namespace {

using C = IrteCommon;

SourceValidation DecodeSource(uint64_t hi) {
  SourceValidation s;
  s.sid = static_cast<uint16_t>(C::kSid.Get(hi));
  s.sq = static_cast<uint8_t>(C::kSq.Get(hi));
  s.svt = static_cast<uint8_t>(C::kSvt.Get(hi));
  return s;
}

absl::StatusOr<uint64_t> EncodeSource(const SourceValidation& s) {
  if (!C::kSq.Fits(s.sq))
    return absl::InvalidArgumentError(absl::StrFormat("IRTE SQ %d > 3", s.sq));
  if (!C::kSvt.Fits(s.svt)) {
    return absl::InvalidArgumentError(absl::StrFormat("IRTE SVT %d > 3", s.svt));
  }
  uint64_t hi = C::kSid.Set(0, s.sid);
  hi = C::kSq.Set(hi, s.sq);
  return C::kSvt.Set(hi, s.svt);
}

absl::Status NeedWords(absl::Span<const uint64_t> words, size_t n, std::string_view what) {
  if (words.size() != n) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s needs %d qwords, got %d", what, n, words.size()));
  }
  return absl::OkStatus();
}

}  // namespace

bool SourceValidation::Accepts(SourceId requester) const {
  switch (static_cast<SourceValidationType>(svt & 3)) {
    case SourceValidationType::kNone:
    case SourceValidationType::kReserved:
      return true;
    case SourceValidationType::kRequesterId: {
      const uint16_t mask = CompareMask(sq);
      return (requester.value() & mask) == (sid & mask);
    }
    case SourceValidationType::kBusRange: {
      // SID[15:8] = start bus, SID[7:0] = end bus (S §9.9; QEMU has them reversed).
      const int bus = requester.bus();
      return bus >= (sid >> 8) && bus <= (sid & 0xFF);
    }
  }
  return false;
}

// ---- Remapped format ------------------------------------------------------------------------

RemappedIrte RemappedIrte::Decode(uint64_t lo, uint64_t hi) {
  RemappedIrte e;
  e.present = C::kPresent.Get(lo) != 0;
  e.fpd = C::kFpd.Get(lo) != 0;
  e.logical_destination = kDestinationMode.Get(lo) != 0;
  e.redirection_hint = kRedirectionHint.Get(lo) != 0;
  e.level_triggered = kTriggerMode.Get(lo) != 0;
  e.delivery_mode = static_cast<uint8_t>(kDeliveryMode.Get(lo));
  e.avail = static_cast<uint8_t>(kAvail.Get(lo));
  e.vector = static_cast<uint8_t>(kVector.Get(lo));
  e.destination = static_cast<uint32_t>(kDestination.Get(lo));
  e.source = DecodeSource(hi);
  return e;
}

absl::StatusOr<RemappedIrte> RemappedIrte::Decode(absl::Span<const uint64_t> words) {
  if (absl::Status s = NeedWords(words, 2, "IRTE"); !s.ok()) return s;
  return Decode(words[0], words[1]);
}

absl::StatusOr<std::array<uint64_t, 2>> RemappedIrte::Encode() const {
  if (!kDeliveryMode.Fits(delivery_mode)) {
    return absl::InvalidArgumentError(absl::StrFormat("IRTE DLM %d > 7", delivery_mode));
  }
  if (!kAvail.Fits(avail)) {
    return absl::InvalidArgumentError(absl::StrFormat("IRTE AVAIL %d > 15", avail));
  }
  uint64_t lo = C::kPresent.Set(0, present ? 1 : 0);
  lo = C::kFpd.Set(lo, fpd ? 1 : 0);
  lo = kDestinationMode.Set(lo, logical_destination ? 1 : 0);
  lo = kRedirectionHint.Set(lo, redirection_hint ? 1 : 0);
  lo = kTriggerMode.Set(lo, level_triggered ? 1 : 0);
  lo = kDeliveryMode.Set(lo, delivery_mode);
  lo = kAvail.Set(lo, avail);
  lo = kVector.Set(lo, vector);
  lo = kDestination.Set(lo, destination);
  absl::StatusOr<uint64_t> hi = EncodeSource(source);
  if (!hi.ok()) return hi.status();
  return std::array<uint64_t, 2>{lo, *hi};
}

std::array<uint64_t, 2> RemappedIrte::ReservedBits(uint64_t lo, uint64_t hi, bool x2apic,
                                                   bool posted_supported) {
  uint64_t mask_lo = kReservedLo;
  if (!x2apic) mask_lo |= kReservedLoXapic;
  if (!posted_supported) mask_lo |= C::kMode.mask();  // IM is Reserved(0) without CAP.PI
  uint64_t bad_lo = lo & mask_lo;
  const uint64_t dlm = kDeliveryMode.Get(lo);
  if (dlm == 3 || dlm == 6) bad_lo |= kDeliveryMode.InPlace(lo);  // undefined delivery modes
  uint64_t mask_hi = kReservedHi;
  if ((C::kSvt.Get(hi)) == static_cast<uint64_t>(SourceValidationType::kReserved)) {
    mask_hi |= C::kSvt.mask();
  }
  return {bad_lo, hi & mask_hi};
}

// ---- Posted format --------------------------------------------------------------------------

PostedIrte PostedIrte::Decode(uint64_t lo, uint64_t hi) {
  PostedIrte e;
  e.present = C::kPresent.Get(lo) != 0;
  e.fpd = C::kFpd.Get(lo) != 0;
  e.urgent = kUrgent.Get(lo) != 0;
  e.avail = static_cast<uint8_t>(kAvail.Get(lo));
  e.virtual_vector = static_cast<uint8_t>(kVirtualVector.Get(lo));
  e.descriptor_address = (kPdaLow.Get(lo) << 6) | (kPdaHigh.Get(hi) << 32);
  e.source = DecodeSource(hi);
  return e;
}

absl::StatusOr<PostedIrte> PostedIrte::Decode(absl::Span<const uint64_t> words) {
  if (absl::Status s = NeedWords(words, 2, "IRTE"); !s.ok()) return s;
  return Decode(words[0], words[1]);
}

absl::StatusOr<std::array<uint64_t, 2>> PostedIrte::Encode() const {
  if (!kAvail.Fits(avail)) {
    return absl::InvalidArgumentError(absl::StrFormat("IRTE AVAIL %d > 15", avail));
  }
  if (!IsAligned(descriptor_address, PostedInterruptDescriptor::kSizeBytes)) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "posted IRTE: descriptor address %#x is not 64-byte aligned", descriptor_address));
  }
  uint64_t lo = C::kPresent.Set(0, present ? 1 : 0);
  lo = C::kFpd.Set(lo, fpd ? 1 : 0);
  lo = C::kMode.Set(lo, 1);
  lo = kUrgent.Set(lo, urgent ? 1 : 0);
  lo = kAvail.Set(lo, avail);
  lo = kVirtualVector.Set(lo, virtual_vector);
  lo = kPdaLow.Set(lo, (descriptor_address >> 6) & LowMask(26));
  absl::StatusOr<uint64_t> hi = EncodeSource(source);
  if (!hi.ok()) return hi.status();
  return std::array<uint64_t, 2>{lo, kPdaHigh.Set(*hi, descriptor_address >> 32)};
}

std::array<uint64_t, 2> PostedIrte::ReservedBits(uint64_t lo, uint64_t hi, int haw) {
  uint64_t mask_hi = kReservedHi;
  // PDAH holds address bits 63:32 at bits 127:96: those at and above HAW are reserved.
  if (haw < 64) mask_hi |= BitMask(63, haw < 32 ? 32 : haw);
  if ((C::kSvt.Get(hi)) == static_cast<uint64_t>(SourceValidationType::kReserved)) {
    mask_hi |= C::kSvt.mask();
  }
  return {lo & kReservedLo, hi & mask_hi};
}

// ---- Posted-interrupt descriptor ------------------------------------------------------------

absl::StatusOr<PostedInterruptDescriptor> PostedInterruptDescriptor::Decode(
    absl::Span<const uint64_t> words) {
  if (absl::Status s = NeedWords(words, 8, "posted-interrupt descriptor"); !s.ok()) return s;
  PostedInterruptDescriptor d;
  for (int i = 0; i < 4; ++i) d.pir[i] = words[i];
  d.outstanding = kOn.Get(words[4]) != 0;
  d.suppress = kSn.Get(words[4]) != 0;
  d.notification_vector = static_cast<uint8_t>(kNv.Get(words[4]));
  d.notification_destination = static_cast<uint32_t>(kNdst.Get(words[4]));
  return d;
}

std::array<uint64_t, 8> PostedInterruptDescriptor::Encode() const {
  std::array<uint64_t, 8> w{};
  for (int i = 0; i < 4; ++i) w[i] = pir[i];
  uint64_t q = kOn.Set(0, outstanding ? 1 : 0);
  q = kSn.Set(q, suppress ? 1 : 0);
  q = kNv.Set(q, notification_vector);
  w[4] = kNdst.Set(q, notification_destination);
  return w;
}

std::array<uint64_t, 8> PostedInterruptDescriptor::ReservedBits(absl::Span<const uint64_t> words,
                                                                bool x2apic) {
  std::array<uint64_t, 8> bad{};
  if (words.size() != 8) return bad;
  bad[4] = words[4] & (kReserved4 | (x2apic ? 0 : kReserved4Xapic));
  for (int i = 5; i < 8; ++i) bad[i] = words[i];  // bits 511:320
  return bad;
}

}  // namespace vtd
