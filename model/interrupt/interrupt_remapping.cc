#include "model/interrupt/interrupt_remapping.h"

#include <cstring>
#include <string>

#include "absl/strings/str_format.h"

namespace vtd {
namespace {

bool ReasonHasIndex(FaultReason reason) {
  switch (reason) {
    case FaultReason::kIrRequestReserved:
    case FaultReason::kIrCompatibilityBlocked:
    case FaultReason::kIrInvalidInterruptRangeRequest:
    case FaultReason::kIrEimeClearWithEimer:
    case FaultReason::kIrRequestWhileDisabled:
      return false;
    default:
      return true;
  }
}

InterruptMessage FromCompatibility(const CompatibilityInterrupt& c) {
  InterruptMessage m;
  m.vector = c.vector;
  m.destination = c.destination;
  m.x2apic = false;
  m.delivery_mode = c.delivery_mode;
  m.logical_destination = c.logical_destination;
  m.redirection_hint = c.redirection_hint;
  m.level_triggered = c.level_triggered;
  return m;
}

}  // namespace

std::string_view InterruptDispositionName(InterruptDisposition d) {
  switch (d) {
    case InterruptDisposition::kRemapped:
      return "remapped";
    case InterruptDisposition::kPosted:
      return "posted";
    case InterruptDisposition::kPassedThrough:
      return "passed_through";
  }
  return "?";
}

std::string InterruptResult::ToString() const {
  std::string s(InterruptDispositionName(disposition));
  if (index.has_value()) absl::StrAppendFormat(&s, " index %#x", *index);
  if (disposition == InterruptDisposition::kPosted && posted.has_value()) {
    absl::StrAppendFormat(&s, " pda %#x vector %#x", posted->target.descriptor_address,
                          posted->target.vector);
    if (posted->notification.has_value()) {
      absl::StrAppendFormat(&s, " notify vector %#x dest %#x", posted->notification->vector,
                            posted->notification->destination);
    } else {
      s += " no notification";
    }
    return s;
  }
  absl::StrAppendFormat(&s, " vector %#x dest %#x%s dlm %d %s %s%s", message.vector,
                        message.destination, message.x2apic ? " (x2apic)" : "",
                        message.delivery_mode, message.logical_destination ? "logical" : "physical",
                        message.level_triggered ? "level" : "edge",
                        message.redirection_hint ? " rh" : "");
  return s;
}

Fault MakeInterruptFault(FaultReason reason, const InterruptRequest& request,
                         std::optional<uint32_t> index, bool fpd) {
  Fault f;
  f.reason = reason;
  f.condition = InterruptFaultCondition(reason);
  f.segment = request.segment;
  f.source_id = request.source_id;
  f.address = (ReasonHasIndex(reason) && index.has_value()) ? uint64_t{*index & 0xFFFF} << 48 : 0;
  f.access = request.is_write ? AccessKind::kWrite : AccessKind::kRead;
  f.request_type = RequestType::kUntranslated;
  f.qualified = GetFaultReasonInfo(reason).qualified;
  f.fpd = fpd;
  f.response = FaultResponse::kUnsupportedRequest;  // "treated as Unsupported Request"
  return f;
}

FaultOr<InterruptRoute> RouteInterrupt(const InterruptRemappingState& state,
                                       const InterruptRequest& request) {
  const uint64_t address = request.address;
  // Only DWORD writes to FEEx_xxxxh are interrupt requests (S §3.15, §5.1.4; 29h).
  if (!InterruptAddress::InInterruptRange(address) || !request.is_write || request.size != 4) {
    return MakeInterruptFault(FaultReason::kIrInvalidInterruptRangeRequest, request, {}, false);
  }
  if (!state.enabled) {
    // IR off: blocked with ECAP.IRREQ (5.0+), else handled as compatibility format.
    if (state.block_when_disabled) {
      return MakeInterruptFault(FaultReason::kIrRequestWhileDisabled, request, {}, false);
    }
    InterruptRoute route;
    route.pass_through = true;
    route.message = FromCompatibility(CompatibilityInterrupt::Decode(address, request.data));
    return route;
  }
  if (state.x2apic_required && !state.table.extended_mode) {
    return MakeInterruptFault(FaultReason::kIrEimeClearWithEimer, request, {}, false);
  }
  if (!InterruptAddress::IsRemappable(address)) {
    // Compatibility format: passed through only with CFIS=1 in xAPIC mode (S §5.1.4).
    if (state.table.extended_mode || !state.compatibility_allowed) {
      return MakeInterruptFault(FaultReason::kIrCompatibilityBlocked, request, {}, false);
    }
    InterruptRoute route;
    route.pass_through = true;
    route.message = FromCompatibility(CompatibilityInterrupt::Decode(address, request.data));
    return route;
  }
  if (RemappableInterrupt::ReservedAddressBits(address) != 0 ||
      RemappableInterrupt::ReservedDataBits(address, request.data) != 0) {
    return MakeInterruptFault(FaultReason::kIrRequestReserved, request, {}, false);
  }
  InterruptRoute route;
  route.index = RemappableInterrupt::Decode(address, request.data).InterruptIndex();
  return route;
}

FaultOr<IrteFetch> FetchIrte(const InterruptRemappingState& state, const HostMemory& memory,
                             const InterruptRequest& request, uint32_t index) {
  if (index >= state.table.entries()) {
    return MakeInterruptFault(FaultReason::kIrIndexOverflow, request, index, false);
  }
  IrteFetch fetch;
  fetch.address = state.table.base + uint64_t{index} * IrteCommon::kSizeBytes;
  const int haw = state.host_address_width;
  if (haw < 64 && (fetch.address + IrteCommon::kSizeBytes - 1) >> haw != 0) {
    return MakeInterruptFault(FaultReason::kIrIndexOverflow, request, index, false);
  }
  if (!memory.HwReadAligned128(fetch.address, MemoryAccessTag{MemoryAccessKind::kIrte, 0},
                               fetch.words.data())) {
    return MakeInterruptFault(FaultReason::kIrTableAccessError, request, index, false);
  }
  return fetch;
}

FaultOr<IrteResolution> ResolveIrte(const InterruptRemappingState& state,
                                    const InterruptRequest& request, uint32_t index,
                                    const std::array<uint64_t, 2>& irte) {
  const uint64_t lo = irte[0];
  const uint64_t hi = irte[1];
  IrteResolution r;
  r.fpd = IrteCommon::kFpd.Get(lo) != 0;  // evaluated even when P=0 (S §9.9)
  if (IrteCommon::kPresent.Get(lo) == 0) {
    return MakeInterruptFault(FaultReason::kIrteNotPresent, request, index, r.fpd);
  }
  const bool posted = IrteCommon::IsPosted(lo) && state.posted_supported;
  const SourceValidation source =
      posted ? PostedIrte::Decode(lo, hi).source : RemappedIrte::Decode(lo, hi).source;
  if (!source.Accepts(request.source_id)) {
    return MakeInterruptFault(FaultReason::kIrSourceIdCheckFailed, request, index, r.fpd);
  }
  const bool x2apic = state.table.extended_mode;
  const std::array<uint64_t, 2> reserved =
      posted ? PostedIrte::ReservedBits(lo, hi, state.host_address_width)
             : RemappedIrte::ReservedBits(lo, hi, x2apic, state.posted_supported);
  if (reserved[0] != 0 || reserved[1] != 0) {
    return MakeInterruptFault(FaultReason::kIrteReserved, request, index, r.fpd);
  }
  if (posted) {
    const PostedIrte e = PostedIrte::Decode(lo, hi);
    r.posted = true;
    r.target.descriptor_address = e.descriptor_address;
    r.target.vector = e.virtual_vector;
    r.target.urgent = e.urgent;
    return r;
  }
  const RemappedIrte e = RemappedIrte::Decode(lo, hi);
  r.message.vector = e.vector;
  r.message.destination = e.ApicId(x2apic);
  r.message.x2apic = x2apic;
  r.message.delivery_mode = e.delivery_mode;
  r.message.logical_destination = e.logical_destination;
  r.message.redirection_hint = e.redirection_hint;
  r.message.level_triggered = e.level_triggered;
  return r;
}

FaultOr<PostedDelivery> PostInterrupt(const InterruptRemappingState& state, HostMemory& memory,
                                      const InterruptRequest& request, uint32_t index,
                                      const PostingTarget& target, bool fpd,
                                      InterruptTrace* trace) {
  const MemoryAccessTag tag{MemoryAccessKind::kPostedDescriptor, 0};
  uint64_t words[8];
  uint8_t bytes[PostedInterruptDescriptor::kSizeBytes];
  if (!memory.HwReadBytes(target.descriptor_address, absl::MakeSpan(bytes), tag).ok()) {
    return MakeInterruptFault(FaultReason::kPostedDescriptorAccessError, request, index, fpd);
  }
  std::memcpy(words, bytes, sizeof(bytes));
  if (trace != nullptr) trace->pid_read = std::to_array(words);
  const bool x2apic = state.table.extended_mode;
  const std::array<uint64_t, 8> reserved =
      PostedInterruptDescriptor::ReservedBits(absl::MakeConstSpan(words, 8), x2apic);
  for (uint64_t bits : reserved) {
    if (bits != 0) {
      return MakeInterruptFault(FaultReason::kPostedDescriptorReserved, request, index, fpd);
    }
  }
  PostedDelivery d;
  d.target = target;
  const uint64_t pir_bit = uint64_t{1} << (target.vector % 64);
  uint64_t& pir_word = words[target.vector / 64];
  d.was_pending = (pir_word & pir_bit) != 0;
  pir_word |= pir_bit;
  uint64_t& control = words[4];
  d.outstanding_before = PostedInterruptDescriptor::kOn.Get(control) != 0;
  d.suppressed = PostedInterruptDescriptor::kSn.Get(control) != 0;
  // X = ON == 0 && (URG == 1 || SN == 0) (S §5.2.3).
  const bool notify = !d.outstanding_before && (target.urgent || !d.suppressed);
  if (notify) {
    control = PostedInterruptDescriptor::kOn.Set(control, 1);
    InterruptMessage n;
    n.vector = static_cast<uint8_t>(PostedInterruptDescriptor::kNv.Get(control));
    const uint32_t ndst = static_cast<uint32_t>(PostedInterruptDescriptor::kNdst.Get(control));
    n.destination = x2apic ? ndst : (ndst >> 8) & 0xFF;
    n.x2apic = x2apic;
    n.delivery_mode = 0;  // fixed, physical, edge, RH=0
    d.notification = n;
  }
  std::memcpy(bytes, words, sizeof(bytes));
  if (trace != nullptr) trace->pid_written = std::to_array(words);
  // The locked read-modify-write completes: the write cannot fail where the read succeeded.
  (void)memory.HwWriteBytes(target.descriptor_address, absl::MakeConstSpan(bytes), tag);
  return d;
}

FaultOr<InterruptResult> RemapInterrupt(const InterruptRemappingState& state, HostMemory& memory,
                                        const InterruptRequest& request) {
  FaultOr<InterruptRoute> route = RouteInterrupt(state, request);
  if (!route.ok()) return route.fault();
  InterruptResult result;
  if (route->pass_through) {
    result.disposition = InterruptDisposition::kPassedThrough;
    result.message = route->message;
    return result;
  }
  const uint32_t index = route->index;
  result.index = index;
  FaultOr<IrteFetch> fetch = FetchIrte(state, memory, request, index);
  if (!fetch.ok()) return fetch.fault();
  result.irte = *fetch;
  FaultOr<IrteResolution> resolved = ResolveIrte(state, request, index, fetch->words);
  if (!resolved.ok()) return resolved.fault();
  if (!resolved->posted) {
    result.disposition = InterruptDisposition::kRemapped;
    result.message = resolved->message;
    return result;
  }
  FaultOr<PostedDelivery> posted =
      PostInterrupt(state, memory, request, index, resolved->target, resolved->fpd);
  if (!posted.ok()) return posted.fault();
  result.disposition = InterruptDisposition::kPosted;
  result.posted = *posted;
  if (posted->notification.has_value()) result.message = *posted->notification;
  return result;
}

}  // namespace vtd
