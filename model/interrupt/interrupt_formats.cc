#include "model/interrupt/interrupt_formats.h"

#include "absl/strings/str_format.h"

namespace vtd {

CompatibilityInterrupt CompatibilityInterrupt::Decode(uint64_t address, uint32_t data) {
  CompatibilityInterrupt c;
  c.destination = static_cast<uint8_t>(kDestinationId.Get(address));
  c.redirection_hint = kRedirectionHint.Get(address) != 0;
  c.logical_destination = kDestinationMode.Get(address) != 0;
  c.vector = static_cast<uint8_t>(kVector.Get(data));
  c.delivery_mode = static_cast<uint8_t>(kDeliveryMode.Get(data));
  c.level_asserted = kLevel.Get(data) != 0;
  c.level_triggered = kTriggerMode.Get(data) != 0;
  return c;
}

absl::StatusOr<std::pair<uint64_t, uint32_t>> CompatibilityInterrupt::Encode() const {
  if (!kDeliveryMode.Fits(delivery_mode)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("compatibility interrupt: delivery mode %d > 7", delivery_mode));
  }
  uint64_t address = InterruptAddress::kBase;
  address = kDestinationId.Set(address, destination);
  address = kRedirectionHint.Set(address, redirection_hint ? 1 : 0);
  address = kDestinationMode.Set(address, logical_destination ? 1 : 0);
  uint64_t data = kVector.Set(0, vector);
  data = kDeliveryMode.Set(data, delivery_mode);
  data = kLevel.Set(data, level_asserted ? 1 : 0);
  data = kTriggerMode.Set(data, level_triggered ? 1 : 0);
  return std::pair<uint64_t, uint32_t>{address, static_cast<uint32_t>(data)};
}

RemappableInterrupt RemappableInterrupt::Decode(uint64_t address, uint32_t data) {
  RemappableInterrupt r;
  r.handle = static_cast<uint16_t>(kHandleLow.Get(address) | (kHandle15.Get(address) << 15));
  r.subhandle_valid = kShv.Get(address) != 0;
  r.subhandle = static_cast<uint16_t>(kSubhandle.Get(data));
  return r;
}

std::pair<uint64_t, uint32_t> RemappableInterrupt::Encode() const {
  uint64_t address = InterruptAddress::kBase | InterruptAddress::kFormat.mask();
  address = kHandleLow.Set(address, handle & 0x7FFF);
  address = kHandle15.Set(address, handle >> 15);
  address = kShv.Set(address, subhandle_valid ? 1 : 0);
  return {address, subhandle_valid ? uint32_t{subhandle} : 0u};
}

uint32_t RemappableInterrupt::ReservedDataBits(uint64_t address, uint32_t data) {
  if (kShv.Get(address) == 0) return 0;  // data is ignored without a sub-handle
  return static_cast<uint32_t>(kDataReserved.InPlace(data));
}

IoapicRemappableRte IoapicRemappableRte::Decode(uint64_t rte) {
  IoapicRemappableRte e;
  e.index = static_cast<uint16_t>(kIndexLow.Get(rte) | (kIndex15.Get(rte) << 15));
  e.masked = kMask.Get(rte) != 0;
  e.level_triggered = kTriggerMode.Get(rte) != 0;
  e.remote_irr = kRemoteIrr.Get(rte) != 0;
  e.active_low = kPolarity.Get(rte) != 0;
  e.delivery_status = kDeliveryStatus.Get(rte) != 0;
  e.vector = static_cast<uint8_t>(kVector.Get(rte));
  return e;
}

uint64_t IoapicRemappableRte::Encode() const {
  uint64_t rte = kFormat.mask();
  rte = kIndexLow.Set(rte, index & 0x7FFF);
  rte = kIndex15.Set(rte, index >> 15);
  rte = kMask.Set(rte, masked ? 1 : 0);
  rte = kTriggerMode.Set(rte, level_triggered ? 1 : 0);
  rte = kRemoteIrr.Set(rte, remote_irr ? 1 : 0);
  rte = kPolarity.Set(rte, active_low ? 1 : 0);
  rte = kDeliveryStatus.Set(rte, delivery_status ? 1 : 0);
  rte = kVector.Set(rte, vector);
  return rte;
}

std::pair<uint64_t, uint32_t> IoapicRemappableRte::ToRequest() const {
  RemappableInterrupt r;
  r.handle = index;
  r.subhandle_valid = false;
  uint64_t address = r.Encode().first;
  uint64_t data = CompatibilityInterrupt::kVector.Set(0, vector);
  data = CompatibilityInterrupt::kTriggerMode.Set(data, level_triggered ? 1 : 0);
  data = CompatibilityInterrupt::kLevel.Set(data, 1);
  return {address, static_cast<uint32_t>(data)};
}

InterruptRemapTableAddress InterruptRemapTableAddress::Decode(uint64_t irta) {
  InterruptRemapTableAddress a;
  a.base = kIrta.InPlace(irta);
  a.extended_mode = kEime.Get(irta) != 0;
  a.size = static_cast<uint8_t>(kSize.Get(irta));
  return a;
}

uint64_t InterruptRemapTableAddress::Encode() const {
  uint64_t v = kIrta.InPlace(base);
  v = kEime.Set(v, extended_mode ? 1 : 0);
  return kSize.Set(v, size);
}

}  // namespace vtd
