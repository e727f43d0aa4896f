// Bit-field helpers for guest-visible layouts. Spec structures are described with absolute
// bit ranges ("Bits 63:12"); BitRange{hi, lo} extracts and inserts them with shifts and
// masks, never with C bitfields (their layout is implementation-defined).
#ifndef VTDSIM_MODEL_COMMON_BITS_H_
#define VTDSIM_MODEL_COMMON_BITS_H_

#include <cstdint>

namespace vtd {

// Mask of bits hi..lo inclusive (0 <= lo <= hi <= 63).
constexpr uint64_t BitMask(int hi, int lo) {
  return (hi - lo == 63 ? ~uint64_t{0} : ((uint64_t{1} << (hi - lo + 1)) - 1)) << lo;
}

// Mask of the low `n` bits (0 <= n <= 64).
constexpr uint64_t LowMask(int n) { return n >= 64 ? ~uint64_t{0} : (uint64_t{1} << n) - 1; }

// A field occupying bits hi..lo (inclusive) of a 64-bit word.
struct BitRange {
  int hi;
  int lo;

  constexpr int width() const { return hi - lo + 1; }
  constexpr uint64_t mask() const { return BitMask(hi, lo); }
  // The field's value, shifted down to bit 0.
  constexpr uint64_t Get(uint64_t word) const { return (word & mask()) >> lo; }
  // True if `value` fits in the field without truncation.
  constexpr bool Fits(uint64_t value) const { return (value & ~LowMask(width())) == 0; }
  // `word` with the field replaced by `value` (which must fit; callers check with Fits()).
  constexpr uint64_t Set(uint64_t word, uint64_t value) const {
    return (word & ~mask()) | ((value << lo) & mask());
  }
  // The field's bits left in place (for address fields such as "Bits 63:12 ADDR").
  constexpr uint64_t InPlace(uint64_t word) const { return word & mask(); }
};

// A single bit.
constexpr BitRange Bit(int n) { return BitRange{n, n}; }

constexpr bool IsAligned(uint64_t value, uint64_t alignment) {
  return (value & (alignment - 1)) == 0;
}

}  // namespace vtd

#endif  // VTDSIM_MODEL_COMMON_BITS_H_
