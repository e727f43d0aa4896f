// Interrupt request formats (VT-d spec §5.1.2, §5.1.5) and the interrupt-remapping table
// address register (§11.4.10): what a device or I/OxAPIC writes to 0xFEEx_xxxx, decoded.
//
// An interrupt request is a DWORD write to an address whose bits 31:20 are FEEh. Address
// bit 4 says which format it uses: 0 compatibility (the destination and vector are in the
// request itself), 1 remappable (the request carries a handle into the interrupt-remapping
// table).
#ifndef VTDSIM_MODEL_INTERRUPT_INTERRUPT_FORMATS_H_
#define VTDSIM_MODEL_INTERRUPT_INTERRUPT_FORMATS_H_

#include <cstdint>
#include <utility>

#include "absl/status/statusor.h"
#include "model/common/bits.h"

namespace vtd {

// Address bits common to both formats.
struct InterruptAddress {
  static constexpr BitRange kFee{31, 20};      // Bits 31:20: FEEh
  static constexpr BitRange kFormat = Bit(4);  // Bit 4: 0 compatibility, 1 remappable
  static constexpr BitRange kUpper{63, 32};    // must be 0 for an interrupt request
  static constexpr uint64_t kFeeValue = 0xFEE;
  static constexpr uint64_t kBase = 0xFEE0'0000;
  // True if `address` lies in the interrupt range FEEx_xxxxh (upper 32 bits ignored).
  static constexpr bool InInterruptRange(uint64_t address) {
    return kFee.Get(address) == kFeeValue;
  }
  static constexpr bool IsRemappable(uint64_t address) { return kFormat.Get(address) != 0; }
};

// Compatibility-format interrupt request (S §5.1.2.1, Fig. 5-1 address, Fig. 5-2 data).
struct CompatibilityInterrupt {
  static constexpr BitRange kDestinationId{19, 12};     // address 19:12: APIC ID 7:0
  static constexpr BitRange kRedirectionHint = Bit(3);  // address 3
  static constexpr BitRange kDestinationMode = Bit(2);  // address 2: 1 logical
  static constexpr BitRange kVector{7, 0};              // data 7:0
  static constexpr BitRange kDeliveryMode{10, 8};       // data 10:8
  static constexpr BitRange kLevel = Bit(14);           // data 14: trigger-mode level
  static constexpr BitRange kTriggerMode = Bit(15);     // data 15: 1 level

  uint8_t destination = 0;
  bool redirection_hint = false;
  bool logical_destination = false;
  uint8_t vector = 0;
  uint8_t delivery_mode = 0;  // 3 bits
  bool level_asserted = false;
  bool level_triggered = false;

  static CompatibilityInterrupt Decode(uint64_t address, uint32_t data);
  // {address, data}; InvalidArgument if delivery_mode does not fit.
  absl::StatusOr<std::pair<uint64_t, uint32_t>> Encode() const;
  bool operator==(const CompatibilityInterrupt&) const = default;
};

// Remappable-format MSI (S §5.1.2.2, Table 13 address, Table 14 data).
struct RemappableInterrupt {
  static constexpr BitRange kHandleLow{19, 5};      // address 19:5: Handle[14:0]
  static constexpr BitRange kShv = Bit(3);          // address 3: sub-handle valid
  static constexpr BitRange kHandle15 = Bit(2);     // address 2: Handle[15]
  static constexpr BitRange kSubhandle{15, 0};      // data 15:0 (SHV=1)
  static constexpr BitRange kDataReserved{31, 16};  // data 31:16, reserved when SHV=1

  uint16_t handle = 0;
  bool subhandle_valid = false;
  uint16_t subhandle = 0;

  static RemappableInterrupt Decode(uint64_t address, uint32_t data);
  std::pair<uint64_t, uint32_t> Encode() const;
  // interrupt_index = handle, or handle + subhandle when SHV=1 (S §5.1.3); up to 2^17 - 2.
  uint32_t InterruptIndex() const {
    return subhandle_valid ? uint32_t{handle} + subhandle : uint32_t{handle};
  }
  // Reserved request bits (fault 20h): address 63:32, and data 31:16 when SHV=1. 0 if none.
  static uint64_t ReservedAddressBits(uint64_t address) {
    return InterruptAddress::kUpper.InPlace(address);
  }
  static uint32_t ReservedDataBits(uint64_t address, uint32_t data);
  bool operator==(const RemappableInterrupt&) const = default;
};

// I/OxAPIC redirection-table entry in remappable format (S §5.1.5.1, Fig. 5-3).
struct IoapicRemappableRte {
  static constexpr BitRange kIndexLow{63, 49};  // Interrupt_Index[14:0]
  static constexpr BitRange kFormat = Bit(48);  // 1 = remappable
  static constexpr BitRange kMask = Bit(16);
  static constexpr BitRange kTriggerMode = Bit(15);  // 1 level
  static constexpr BitRange kRemoteIrr = Bit(14);
  static constexpr BitRange kPolarity = Bit(13);  // 1 active low
  static constexpr BitRange kDeliveryStatus = Bit(12);
  static constexpr BitRange kIndex15 = Bit(11);  // Interrupt_Index[15]
  static constexpr BitRange kZero{10, 8};        // 000b: the request has SHV=0
  static constexpr BitRange kVector{7, 0};
  static constexpr uint64_t kReserved = BitMask(47, 17) | BitMask(10, 8);

  uint16_t index = 0;
  bool masked = false;
  bool level_triggered = false;
  bool remote_irr = false;
  bool active_low = false;
  bool delivery_status = false;
  uint8_t vector = 0;

  static IoapicRemappableRte Decode(uint64_t rte);
  uint64_t Encode() const;  // with the format bit set
  // The interrupt request the I/OxAPIC sends for this entry: remappable format, SHV=0,
  // handle = index; data carries the vector and trigger mode (ignored by remapping).
  std::pair<uint64_t, uint32_t> ToRequest() const;
  bool operator==(const IoapicRemappableRte&) const = default;
};

// IRTA_REG (S §11.4.10) as latched by GCMD.SIRTP.
struct InterruptRemapTableAddress {
  static constexpr BitRange kIrta{63, 12};    // table base, 4 KiB aligned
  static constexpr BitRange kEime = Bit(11);  // 1: x2APIC (32-bit destinations)
  static constexpr BitRange kSize{3, 0};      // 2^(S+1) entries

  uint64_t base = 0;  // in place
  bool extended_mode = false;
  uint8_t size = 0;

  static InterruptRemapTableAddress Decode(uint64_t irta);
  uint64_t Encode() const;
  uint32_t entries() const { return uint32_t{2} << size; }
  bool operator==(const InterruptRemapTableAddress&) const = default;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_INTERRUPT_INTERRUPT_FORMATS_H_
