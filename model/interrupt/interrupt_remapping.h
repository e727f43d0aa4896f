// Interrupt remapping and posting as pure functions (VT-d spec §5.1.4 processing flow,
// Table 15 faults, §5.2.3 posting): given the unit's interrupt-remapping state, host memory
// and one interrupt request, the remapped interrupt, the pass-through of a compatibility
// interrupt, the posted interrupt (with the notification event), or a Fault.
//
// The flow is split into stages so the unit can put its interrupt entry cache between
// RouteInterrupt (no table access) and ResolveIrte (which only looks at the entry's words):
//   RouteInterrupt -> FetchIrte (or an IEC hit) -> ResolveIrte -> PostInterrupt (IM=1 only).
// RemapInterrupt composes them without a cache.
//
// Check order inside the IRTE follows S §5.1.4: P (22h) -> source-id (26h) -> reserved and
// invalid fields (24h). QEMU checks reserved fields before the source-id; only which code is
// logged differs when several conditions hold.
//
// Model choices (flagged, the spec is not explicit):
//  * SVT=11b (reserved) is reported as 24h (reserved value in an IRTE field); QEMU reports
//    26h.
//  * IRTE delivery modes 011b and 110b (undefined) are reported as 24h.
//  * A request whose address is not FEEx_xxxxh, or that is not a DWORD write, is not a valid
//    interrupt: 29h.
#ifndef VTDSIM_MODEL_INTERRUPT_INTERRUPT_REMAPPING_H_
#define VTDSIM_MODEL_INTERRUPT_INTERRUPT_REMAPPING_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "model/fault/fault.h"
#include "model/interrupt/interrupt_formats.h"
#include "model/interrupt/irte.h"
#include "model/memory/host_memory.h"
#include "model/structs/ids.h"

namespace vtd {

// The unit's interrupt-remapping state: GSTS bits, the IRTA latched by SIRTP, and the
// capabilities that change the flow.
struct InterruptRemappingState {
  bool enabled = false;                // GSTS.IRES
  bool compatibility_allowed = false;  // GSTS.CFIS
  InterruptRemapTableAddress table;    // IRTA as latched by the last SIRTP
  bool posted_supported = false;       // CAP.PI
  bool x2apic_required = false;        // ECAP.EIMER (5.0+)
  bool block_when_disabled = false;    // ECAP.IRREQ (5.0+)
  int host_address_width = 48;
};

// A write to the interrupt range as the device (or I/OxAPIC) sent it.
struct InterruptRequest {
  SourceId source_id;
  uint16_t segment = 0;
  uint64_t address = 0;
  uint32_t data = 0;
  int size = 4;          // bytes; an interrupt is a DWORD write
  bool is_write = true;  // reads to FEEx_xxxxh are not interrupts (29h)
};

// An interrupt as delivered to the processors' local APICs.
struct InterruptMessage {
  uint8_t vector = 0;
  uint32_t destination = 0;   // APIC ID (8 bits in xAPIC mode)
  bool x2apic = false;        // destination is a 32-bit x2APIC ID
  uint8_t delivery_mode = 0;  // 000 fixed, 001 lowest priority, 010 SMI, 100 NMI, ...
  bool logical_destination = false;
  bool redirection_hint = false;
  bool level_triggered = false;  // trigger mode
  bool operator==(const InterruptMessage&) const = default;
};

// The posting target named by a posted-format IRTE.
struct PostingTarget {
  uint64_t descriptor_address = 0;
  uint8_t vector = 0;  // VV: the PIR bit to set
  bool urgent = false;
  bool operator==(const PostingTarget&) const = default;
};

// What posting did to the descriptor (S §5.2.3).
struct PostedDelivery {
  PostingTarget target;
  bool was_pending = false;         // PIR[VV] was already set
  bool outstanding_before = false;  // ON before
  bool suppressed = false;          // SN before
  // The notification event, when posting set ON (ON was 0 and URG=1 or SN=0): vector NV to
  // NDST, physical, fixed, edge.
  std::optional<InterruptMessage> notification;
};

enum class InterruptDisposition : uint8_t {
  kRemapped,       // remappable request, IRTE IM=0
  kPosted,         // remappable request, IRTE IM=1
  kPassedThrough,  // compatibility format, not remapped (IR off, or CFIS=1)
};
std::string_view InterruptDispositionName(InterruptDisposition d);  // "remapped", ...

// RouteInterrupt's answer: pass the request through, or remap it through this IRTE index.
struct InterruptRoute {
  bool pass_through = false;
  InterruptMessage message;  // pass_through: the compatibility request decoded
  uint32_t index = 0;        // remap: interrupt_index
};

// The IRTE words and where they came from.
struct IrteFetch {
  uint64_t address = 0;
  std::array<uint64_t, 2> words{};
};

// ResolveIrte's answer.
struct IrteResolution {
  bool posted = false;
  InterruptMessage message;  // IM=0
  PostingTarget target;      // IM=1
  bool fpd = false;
};

// What the flow read and wrote, for explanations (`vtdsim explain`): filled only when a caller
// passes one; it observes and decides nothing.
struct InterruptTrace {
  std::optional<IrteFetch> irte;  // the entry the flow used (from memory or a cache)
  bool irte_cached = false;       // it came from the interrupt entry cache
  // The posted-interrupt descriptor's locked read-modify-write (S §5.2.3): its 8 qwords as
  // read and as written back (empty when it was not read, or not written after a fault).
  std::optional<std::array<uint64_t, 8>> pid_read;
  std::optional<std::array<uint64_t, 8>> pid_written;
};

struct InterruptResult {
  InterruptDisposition disposition = InterruptDisposition::kRemapped;
  std::optional<uint32_t> index;  // interrupt_index (remapped and posted)
  InterruptMessage message;       // remapped or passed-through interrupt
  std::optional<PostedDelivery> posted;
  std::optional<IrteFetch> irte;  // the entry used (remapped and posted)
  std::string ToString() const;
};

// A Table 15 fault for `request`. FRCD.FI[63:48] carries the index (Fault::address =
// index << 48) for every reason except 20h, 25h, 29h, 2Ah and 2Bh (S §11.4.14 FI).
Fault MakeInterruptFault(FaultReason reason, const InterruptRequest& request,
                         std::optional<uint32_t> index, bool fpd);

// Format decode and the checks that need no table access: 29h, 2Bh, 2Ah, 25h, 20h; or the
// pass-through of a compatibility request; or the index to remap through.
FaultOr<InterruptRoute> RouteInterrupt(const InterruptRemappingState& state,
                                       const InterruptRequest& request);

// The IRTE for `index`: 21h if the index is outside the table (2^(S+1) entries) or the entry
// lies above HAW, 23h if memory cannot supply it. One observed 16-byte read (kIrte).
FaultOr<IrteFetch> FetchIrte(const InterruptRemappingState& state, const HostMemory& memory,
                             const InterruptRequest& request, uint32_t index);

// The entry's meaning for this request: 22h (P=0), 26h (source-id check), 24h (reserved or
// invalid fields); FPD decides whether those are reported.
FaultOr<IrteResolution> ResolveIrte(const InterruptRemappingState& state,
                                    const InterruptRequest& request, uint32_t index,
                                    const std::array<uint64_t, 2>& irte);

// Posts to the descriptor (S §5.2.3): one locked read-modify-write of the 64-byte PID
// (observed as a kPostedDescriptor read and write): 27h if it cannot be accessed, 28h if a
// reserved field is set (both qualified by the IRTE's FPD).
FaultOr<PostedDelivery> PostInterrupt(const InterruptRemappingState& state, HostMemory& memory,
                                      const InterruptRequest& request, uint32_t index,
                                      const PostingTarget& target, bool fpd,
                                      InterruptTrace* trace = nullptr);

// The whole flow without an interrupt entry cache.
FaultOr<InterruptResult> RemapInterrupt(const InterruptRemappingState& state, HostMemory& memory,
                                        const InterruptRequest& request);

}  // namespace vtd

#endif  // VTDSIM_MODEL_INTERRUPT_INTERRUPT_REMAPPING_H_
