// The remapping hardware's own event interrupts (VT-d spec §5.1.6, §7.3, §6.5.2.10): the
// fault event (FECTL/FEDATA/FEADDR/FEUADDR), the invalidation completion event
// (IECTL/IEDATA/IEADDR/IEUADDR) and the page request event (PECTL/PEDATA/PEADDR/PEUADDR)
// share one protocol, written once here over the register file:
//
//  * an event condition sets the control register's IP; if IM is 0 the message is sent at
//    once and IP cleared, otherwise it stays pending;
//  * software clearing IM while IP is 1 sends the pending message and clears IP;
//  * software clearing the status that caused it (FSTS bits, ICS.IWC, PRS.PPR/PRO) while IP is
//    1 clears IP.
// These messages are never remapped or posted (S §5.1.6).
#ifndef VTDSIM_MODEL_INVALIDATION_EVENT_INTERRUPT_H_
#define VTDSIM_MODEL_INVALIDATION_EVENT_INTERRUPT_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "model/common/bits.h"
#include "model/regs/register_file.h"

namespace vtd {

// IM (bit 31) and IP (bit 30) of FECTL, IECTL and PECTL (S §11.4.7.2, §11.4.9.5).
inline constexpr BitRange kEventControlIm = Bit(31);
inline constexpr BitRange kEventControlIp = Bit(30);

// The four registers of one event interrupt.
struct EventRegisters {
  std::string_view source;  // "fault_event", "invalidation_event"
  RegId control;
  RegId data;
  RegId address;
  RegId upper_address;
};
inline constexpr EventRegisters kFaultEventRegisters{"fault_event", RegId::kFectl, RegId::kFedata,
                                                     RegId::kFeaddr, RegId::kFeuaddr};
inline constexpr EventRegisters kInvalidationEventRegisters{
    "invalidation_event", RegId::kIectl, RegId::kIedata, RegId::kIeaddr, RegId::kIeuaddr};
// The page request event (S §7.5, ECAP.PRS): PRS.PPR/PRO are its status.
inline constexpr EventRegisters kPageRequestEventRegisters{
    "page_request_event", RegId::kPectl, RegId::kPedata, RegId::kPeaddr, RegId::kPeuaddr};

// An event interrupt message: a DWORD write of `data` to `address` (upper address in 63:32).
struct EventMessage {
  std::string_view source;
  uint64_t address = 0;
  uint32_t data = 0;
  bool sent = false;  // false: masked, IP left pending
  bool operator==(const EventMessage&) const = default;
};

// The message the registers describe now (sent = false).
EventMessage ComposeEventMessage(const RegisterFile& registers, const EventRegisters& event);

// An event condition (S §7.3 step "set IP; if IM=0 send and clear IP").
EventMessage SignalEvent(RegisterFile& registers, const EventRegisters& event);

// After software wrote the control register: IM=0 with IP=1 sends the pending message.
std::optional<EventMessage> ReleasePendingEvent(RegisterFile& registers,
                                                const EventRegisters& event);

// Software cleared the status behind the event: a pending IP is cleared, nothing is sent.
void ClearPendingEvent(RegisterFile& registers, const EventRegisters& event);

}  // namespace vtd

#endif  // VTDSIM_MODEL_INVALIDATION_EVENT_INTERRUPT_H_
