// The ATS address-range encoding (PCIe ATS, which VT-d spec §4.2.3 and §6.5.2.5/§6.5.2.6
// use for translation completions and device-TLB invalidations): an address with a size
// bit S. S=0: the 4 KiB page at address bits 63:12. S=1: the range is larger than 4 KiB and
// its size is given by the lowest-order 0 bit of address bits 63:12: bit p clear with bits
// p-1..12 set means 2^(p+1) bytes (bit 12 clear: 8 KiB; bits 19:12 set and bit 20 clear:
// 2 MiB). Bits 63:12 all set (no clear bit) is the whole 64-bit space.
#ifndef VTDSIM_MODEL_DEVICE_ATS_RANGE_H_
#define VTDSIM_MODEL_DEVICE_ATS_RANGE_H_

#include <cstdint>

namespace vtd {

// A naturally aligned range [base, last] (inclusive end, so the whole space fits).
struct AtsRange {
  uint64_t base = 0;
  uint64_t last = 0;

  bool Overlaps(uint64_t other_base, uint64_t other_last) const {
    return base <= other_last && other_base <= last;
  }
  bool Contains(uint64_t address) const { return base <= address && address <= last; }
  bool operator==(const AtsRange&) const = default;
};

// The range an (address, S) pair names. Address bits 11:0 are ignored.
AtsRange DecodeAtsRange(uint64_t address, bool size_bit);

// The (address, S) pair for the naturally aligned range of `size` bytes (a power of two,
// at least 4 KiB) containing `base`.
struct AtsEncodedAddress {
  uint64_t address = 0;
  bool size_bit = false;
  bool operator==(const AtsEncodedAddress&) const = default;
};
AtsEncodedAddress EncodeAtsRange(uint64_t base, uint64_t size);

}  // namespace vtd

#endif  // VTDSIM_MODEL_DEVICE_ATS_RANGE_H_
