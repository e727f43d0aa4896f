#include "model/invalidation/event_interrupt.h"

namespace vtd {

EventMessage ComposeEventMessage(const RegisterFile& registers, const EventRegisters& event) {
  EventMessage m;
  m.source = event.source;
  m.data = static_cast<uint32_t>(registers.Get(event.data));
  m.address = (registers.Get(event.upper_address) << 32) | registers.Get(event.address);
  return m;
}

EventMessage SignalEvent(RegisterFile& registers, const EventRegisters& event) {
  EventMessage m = ComposeEventMessage(registers, event);
  const uint64_t control = registers.Get(event.control);
  if (kEventControlIm.Get(control) == 0) {
    m.sent = true;
    registers.Set(event.control, kEventControlIp.Set(control, 0));
  } else {
    registers.Set(event.control, kEventControlIp.Set(control, 1));
  }
  return m;
}

std::optional<EventMessage> ReleasePendingEvent(RegisterFile& registers,
                                                const EventRegisters& event) {
  const uint64_t control = registers.Get(event.control);
  if (kEventControlIm.Get(control) != 0 || kEventControlIp.Get(control) == 0) {
    return std::nullopt;
  }
  EventMessage m = ComposeEventMessage(registers, event);
  m.sent = true;
  registers.Set(event.control, kEventControlIp.Set(control, 0));
  return m;
}

void ClearPendingEvent(RegisterFile& registers, const EventRegisters& event) {
  const uint64_t control = registers.Get(event.control);
  registers.Set(event.control, kEventControlIp.Set(control, 0));
}

}  // namespace vtd
