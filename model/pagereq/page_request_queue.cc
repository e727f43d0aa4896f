#include "model/pagereq/page_request_queue.h"

#include <array>

#include "model/translate/translation.h"

namespace vtd {
namespace {

// The status behind the event is pending: no new event (S §7.3, as for FSTS and ICS).
bool StatusPending(const RegisterFile& registers) {
  const uint64_t prs = registers.Get(RegId::kPrs);
  return kPrsPpr.Get(prs) != 0 || kPrsPro.Get(prs) != 0;
}

}  // namespace

PageRequestOutcome QueuePageRequest(RegisterFile& registers, HostMemory& memory, int haw,
                                    const PageRequestDescriptor& request) {
  PageRequestOutcome out;
  const uint64_t pqa = registers.Get(RegId::kPqa);
  const uint64_t queue_bytes = uint64_t{kPageRequestDescriptorBytes} * PageRequestQueueEntries(pqa);
  // PQH/PQT name a descriptor within the queue; bits beyond its size are not part of the
  // offset (the field is wider than the smallest queue).
  const uint64_t head = kPqOffset.InPlace(registers.Get(RegId::kPqh)) % queue_bytes;
  const uint64_t tail = kPqOffset.InPlace(registers.Get(RegId::kPqt)) % queue_bytes;
  const uint64_t next = (tail + kPageRequestDescriptorBytes) % queue_bytes;
  const bool pending = StatusPending(registers);
  const uint64_t prs = registers.Get(RegId::kPrs);

  if (next == head) {
    out.kind = PageRequestOutcome::Kind::kOverflow;
    registers.Set(RegId::kPrs, kPrsPro.Set(prs, 1));
    if (request.last_in_group) out.response = ResponseTo(request, PageResponseCode::kSuccess);
    if (!pending) out.event = SignalEvent(registers, kPageRequestEventRegisters);
    return out;
  }

  const uint64_t address = kPqaBase.InPlace(pqa) + tail;
  const absl::StatusOr<std::array<uint64_t, 4>> words = request.Encode();
  if (!words.ok() || !BelowWidth(address + kPageRequestDescriptorBytes - 1, haw)) {
    out.kind = PageRequestOutcome::Kind::kWriteError;
    return out;
  }
  std::array<uint8_t, kPageRequestDescriptorBytes> bytes{};
  for (int i = 0; i < kPageRequestDescriptorBytes; ++i) {
    bytes[i] = static_cast<uint8_t>((*words)[i / 8] >> (8 * (i % 8)));
  }
  if (!memory.HwWriteBytes(address, bytes, {MemoryAccessKind::kPageRequest, 0}).ok()) {
    out.kind = PageRequestOutcome::Kind::kWriteError;
    return out;
  }
  out.descriptor_address = address;
  registers.Set(RegId::kPqt, kPqOffset.InPlace(next));
  registers.Set(RegId::kPrs, kPrsPpr.Set(prs, 1));
  if (!pending) out.event = SignalEvent(registers, kPageRequestEventRegisters);
  return out;
}

std::optional<EventMessage> AfterPageRequestRegisterWrite(RegisterFile& registers,
                                                          const RegisterWrite& write) {
  switch (write.id) {
    case RegId::kPectl:
      return ReleasePendingEvent(registers, kPageRequestEventRegisters);
    case RegId::kPrs:
      if (!StatusPending(registers)) ClearPendingEvent(registers, kPageRequestEventRegisters);
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace vtd
