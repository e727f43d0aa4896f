// Checks a structure's fixed-size decode form (`Entry::DecodeQwords`, the walks') against its
// span form (`Entry::Decode`, which checks the length first) and against field and
// reserved-bit positions transcribed from ../shared/spec/translation-structures.md by the
// caller.
//
// A fixed form that decodes a field wrongly fails CheckFieldsAtSpecPositions (the value read
// back is not the one placed at the spec's position); a span form that hands the fixed form
// other words, or decodes differently, fails both checks' comparisons of the two forms.
#ifndef VTDSIM_TESTS_TESTING_FIXED_SIZE_DECODE_H_
#define VTDSIM_TESTS_TESTING_FIXED_SIZE_DECODE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "absl/types/span.h"
#include "gtest/gtest.h"

namespace vtd::testing {

// Bits hi..lo set.
inline uint64_t SpecBits(int hi, int lo) {
  return (hi - lo == 63 ? ~uint64_t{0} : ((uint64_t{1} << (hi - lo + 1)) - 1)) << lo;
}

// One field: its qword, its bit range within the qword, and how to read it from a decoded
// entry.
template <typename Entry>
struct SpecField {
  const char* name;
  int qword;
  int hi;
  int lo;
  uint64_t (*get)(const Entry&);
};

template <typename Entry, size_t N>
Entry DecodeSpanForm(const std::array<uint64_t, N>& w) {
  auto e = Entry::Decode(absl::Span<const uint64_t>(w.data(), w.size()));
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : Entry{};
}

// For each field, random values alone and with every always-reserved bit set: the fixed form
// reads the value back, agrees with the span form, drops the reserved bits outside the fields
// (`outside_fields`: decoding keeps a pointer's bits at and above HAW, which the masks
// check), and ReservedBits(words, format) reports exactly the reserved bits that were set.
template <typename Entry, size_t N, typename Format>
void CheckFieldsAtSpecPositions(const std::vector<SpecField<Entry>>& fields,
                                const std::array<uint64_t, N>& always_reserved,
                                const std::array<uint64_t, N>& outside_fields, const Format& format,
                                uint64_t seed) {
  using Words = std::array<uint64_t, N>;
  std::mt19937_64 random(seed);
  for (const SpecField<Entry>& f : fields) {
    for (int trial = 0; trial < 16; ++trial) {
      const uint64_t value = random() & (SpecBits(f.hi, f.lo) >> f.lo);
      for (const bool with_reserved : {false, true}) {
        Words w = with_reserved ? always_reserved : Words{};
        w[f.qword] |= value << f.lo;
        SCOPED_TRACE(::testing::Message() << f.name << " = " << value
                                          << (with_reserved ? " with reserved bits set" : ""));
        const Entry fixed = Entry::DecodeQwords(w);
        EXPECT_EQ(f.get(fixed), value);
        EXPECT_EQ(fixed, DecodeSpanForm<Entry>(w));
        EXPECT_EQ(Entry::ReservedBits(w, format), with_reserved ? always_reserved : Words{});
        Words clear = w;
        for (size_t q = 0; q < N; ++q) clear[q] &= ~outside_fields[q];
        EXPECT_EQ(fixed, Entry::DecodeQwords(clear));
      }
    }
  }
}

// The two forms agree on every entry of `entries`.
template <typename Entry, size_t N>
void CheckFormsAgree(const std::vector<std::array<uint64_t, N>>& entries) {
  for (const std::array<uint64_t, N>& w : entries) {
    EXPECT_EQ(Entry::DecodeQwords(w), DecodeSpanForm<Entry>(w))
        << std::hex << w[0] << " " << w[1] << " " << w[2] << " " << w[3];
  }
}

}  // namespace vtd::testing

#endif  // VTDSIM_TESTS_TESTING_FIXED_SIZE_DECODE_H_
