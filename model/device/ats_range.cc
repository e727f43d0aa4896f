#include "model/device/ats_range.h"

#include <bit>

namespace vtd {

AtsRange DecodeAtsRange(uint64_t address, bool size_bit) {
  const uint64_t page = address & ~uint64_t{0xfff};
  if (!size_bit) return AtsRange{page, page | 0xfff};
  // The lowest clear bit p at or above bit 12 sets the size: 2^(p+1) bytes. No clear bit
  // below bit 63 leaves the whole space.
  const int p = 12 + std::countr_one(address >> 12);
  if (p >= 63) return AtsRange{0, ~uint64_t{0}};
  const uint64_t size_mask = (uint64_t{1} << (p + 1)) - 1;
  return AtsRange{address & ~size_mask, (address & ~size_mask) | size_mask};
}

AtsEncodedAddress EncodeAtsRange(uint64_t base, uint64_t size) {
  if (size <= 0x1000) return AtsEncodedAddress{base & ~uint64_t{0xfff}, false};
  const uint64_t aligned = base & ~(size - 1);
  // Bits below the size's top bit set (from bit 12), the size's top bit clear.
  return AtsEncodedAddress{aligned | ((size / 2 - 1) & ~uint64_t{0xfff}), true};
}

}  // namespace vtd
