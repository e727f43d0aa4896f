// DMA that moves data, and requests to the interrupt address range (VT-d spec §3.15, §5.1.4).
#include <algorithm>

#include "absl/strings/str_format.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

void RemappingUnit::DmaToInterruptRange(const DmaRequest& request, uint32_t data, DmaOutcome& out) {
  if (absl::Status s = ValidateRequest(request); !s.ok()) {
    out.set_status(std::move(s));
    out.blocked = true;
    out.blocked_by = "invalid_request";
    return;
  }
  out.blocked = true;
  if (request.access == AccessKind::kRead && request.size == 0) {
    // A zero-length read is a flush, not an access: it completes and touches nothing
    // (only reads that are not zero-length are invalid interrupt requests, 29h).
    out.blocked = false;
    out.result.completion = Completion::kSuccess;
    Translation t;
    t.hpa = request.address;
    t.page_base = request.address & ~uint64_t{0xfff};
    t.read = true;
    out.result.translation = t;
    return;
  }
  // A DWORD write is an interrupt request; anything else (reads, other sizes) is blocked by
  // the interrupt path with 29h.
  InterruptRequest irq;
  irq.source_id = request.source_id;
  irq.segment = request.segment;
  irq.address = request.address;
  irq.data = data;
  irq.size = request.size;
  irq.is_write = request.access == AccessKind::kWrite;
  InterruptOutcome interrupt = Interrupt(irq);
  if (interrupt.fault.has_value()) {
    out.result.fault = interrupt.fault;
    out.blocked_by = "fault";
    out.recorded = interrupt.recorded;
    out.fault_record = interrupt.fault_record;
    out.interrupt_message = interrupt.interrupt_message;
  } else {
    out.blocked_by = "interrupt";
  }
  out.mutable_stale() = interrupt.stale;
  out.mutable_interrupt() = std::move(interrupt);
}

DmaOutcome RemappingUnit::DmaWithData(const DmaRequest& request, absl::Span<uint8_t> data,
                                      const DmaOptions& options) {
  DmaOutcome out;
  if (data.size() != static_cast<size_t>(std::max(request.size, 0))) {
    out.set_status(absl::InvalidArgumentError(absl::StrFormat(
        "the DMA carries %d bytes of data for a request of %d bytes", data.size(), request.size)));
    out.blocked = true;
    out.blocked_by = "invalid_request";
    return out;
  }
  RunRequest(request, options, data, out);
  return out;
}

uint32_t RemappingUnit::FirstDword(const DmaRequest& request, absl::Span<const uint8_t> data) {
  // The write's first DWORD, little-endian as PCIe carries it.
  uint32_t dword = 0;
  if (request.access != AccessKind::kWrite) return dword;
  for (size_t i = 0; i < std::min<size_t>(data.size(), 4); ++i) {
    dword |= uint32_t{data[i]} << (8 * i);
  }
  return dword;
}

void RemappingUnit::MoveData(const DmaRequest& request, absl::Span<uint8_t> data, DmaOutcome& out) {
  if (out.blocked || !out.result.translation.has_value() ||
      request.type == RequestType::kTranslation) {
    return;
  }
  const uint64_t hpa = out.result.translation->hpa;
  const MemoryAccessTag tag{MemoryAccessKind::kDmaData};
  absl::Status s = request.access == AccessKind::kWrite ? memory_->HwWriteBytes(hpa, data, tag)
                                                        : memory_->HwReadBytes(hpa, data, tag);
  if (!s.ok()) {
    out.blocked = true;
    out.blocked_by = "beyond_memory";
    out.result.completion = Completion::kUnsupportedRequest;
  }
}

}  // namespace vtd
