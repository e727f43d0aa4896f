// The page request queue (VT-d spec §7.5, §11.4.11; registers.md PQH/PQT/PQA/PRS/PECTL):
// hardware writes each page request a device sends as a 256-bit descriptor at PQA + PQT and
// advances PQT; software consumes from PQH. The queue's state is its registers, so these are
// functions over the register file:
//
//  * a page request is written at the tail, PQT advances by 32 bytes (wrapping at the queue
//    size, 2^PQS 4 KiB pages = 2^(PQS+7) descriptors), PRS.PPR is set, and a page request
//    event is signalled unless PPR or PRO was already set (the rule every event of the unit
//    follows: no new event while status is pending);
//  * the queue is full when advancing the tail would make it equal the head (one slot stays
//    unused, as for the invalidation queue): the request is not written, PRS.PRO is set
//    (with an event as above), and a request that is the last of its page request group
//    (LPIG=1) is answered by hardware with a "Success" page group response, so the device
//    does not wait for a response software will never send (S §7.5.1; the digest does not
//    give these overflow rules);
//  * software clearing PPR and PRO (RW1CS) while PECTL.IP is set clears IP; clearing PECTL.IM
//    with IP set sends the pending message (event_interrupt.h).
//
// The page request itself is admitted (or blocked, RTA.3/SCT.6/SCT.8 and the rest) by the
// unit's context lookup before it reaches the queue.
#ifndef VTDSIM_MODEL_PAGEREQ_PAGE_REQUEST_QUEUE_H_
#define VTDSIM_MODEL_PAGEREQ_PAGE_REQUEST_QUEUE_H_

#include <cstdint>
#include <optional>

#include "model/common/bits.h"
#include "model/invalidation/event_interrupt.h"
#include "model/memory/host_memory.h"
#include "model/pagereq/page_request_descriptor.h"
#include "model/regs/register_file.h"

namespace vtd {

// Register fields (S §11.4.11).
inline constexpr BitRange kPqOffset{18, 5};  // PQH/PQT: byte offset of a 32-byte descriptor
inline constexpr BitRange kPqaBase{63, 12};  // PQA: queue base (4 KiB aligned)
inline constexpr BitRange kPqaSize{2, 0};    // PQA.PQS: 2^PQS 4 KiB pages
inline constexpr BitRange kPrsPpr = Bit(0);  // PRS: pending page request
inline constexpr BitRange kPrsPro = Bit(1);  // PRS: page request overflow
inline constexpr int kPageRequestDescriptorBytes = 32;

// Descriptors the queue holds: 2^(PQS+7).
constexpr int PageRequestQueueEntries(uint64_t pqa) {
  return 1 << (static_cast<int>(kPqaSize.Get(pqa)) + 7);
}

struct PageRequestOutcome {
  enum class Kind : uint8_t {
    kQueued,      // written at `descriptor_address`
    kOverflow,    // the queue was full: not written, PRO set
    kWriteError,  // the descriptor address is beyond HAW or outside memory: not written
  };
  Kind kind = Kind::kQueued;
  uint64_t descriptor_address = 0;
  // The page group response hardware sent for the request (overflow of an LPIG request).
  std::optional<PageGroupResponseDescriptor> response;
  // The page request event, when one was signalled (sent, or left pending under IM).
  std::optional<EventMessage> event;
};

// A page request reaches the queue of the unit whose registers are `registers`.
PageRequestOutcome QueuePageRequest(RegisterFile& registers, HostMemory& memory, int haw,
                                    const PageRequestDescriptor& request);

// After a software write to a page request register (a RegisterWrite hook for PRS or PECTL;
// others are ignored): the page request event message it releases, if any.
std::optional<EventMessage> AfterPageRequestRegisterWrite(RegisterFile& registers,
                                                          const RegisterWrite& write);

}  // namespace vtd

#endif  // VTDSIM_MODEL_PAGEREQ_PAGE_REQUEST_QUEUE_H_
