// The fixed-size decode forms of the scalable-mode context entry (VT-d spec §9.4) and PASID
// table entry (S §9.6), which the walks use, against the span forms (which check the length
// first) and against the field and reserved-bit positions of
// ../shared/spec/translation-structures.md §5 and §7, transcribed here.
//
// A fixed form that decodes a field wrongly fails the field tests (its value is not the one
// placed at the spec's position); a span form that hands the fixed form other words, or
// decodes differently, fails the comparisons over random and corpus-like entries.
#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "model/structs/pasid_entry.h"
#include "model/structs/scalable_context_entry.h"

namespace vtd {
namespace {

// One field: its qword, its bit range within the qword, and how to read it from a decoded
// entry (in the entry's own units: in-place pointers are compared shifted down, below HAW:
// decoding keeps a pointer's bits 63:HAW, which the reserved-bit masks check).
template <typename Entry>
struct Field {
  const char* name;
  int qword;
  int hi;
  int lo;
  uint64_t (*get)(const Entry&);
};

uint64_t Bits(int hi, int lo) {
  return (hi - lo == 63 ? ~uint64_t{0} : ((uint64_t{1} << (hi - lo + 1)) - 1)) << lo;
}

// ---- Scalable-mode context entry, S §9.4 (translation-structures.md §5).
using Ce = ScalableContextEntry;
using CeWords = std::array<uint64_t, 4>;

const std::vector<Field<Ce>>& ContextFields() {
  static const auto* fields = new std::vector<Field<Ce>>{
      {"P", 0, 0, 0, [](const Ce& e) -> uint64_t { return e.present; }},
      {"FPD", 0, 1, 1, [](const Ce& e) -> uint64_t { return e.fpd; }},
      {"DTE", 0, 2, 2, [](const Ce& e) -> uint64_t { return e.device_tlb_enable; }},
      {"PASIDE", 0, 3, 3, [](const Ce& e) -> uint64_t { return e.pasid_enable; }},
      {"PRE", 0, 4, 4, [](const Ce& e) -> uint64_t { return e.page_request_enable; }},
      {"HPTE", 0, 5, 5, [](const Ce& e) -> uint64_t { return e.hpt_enable; }},
      {"EPTR", 0, 6, 6, [](const Ce& e) -> uint64_t { return e.translated_pasid_enable; }},
      {"PDTS", 0, 11, 9, [](const Ce& e) -> uint64_t { return e.pdts; }},
      {"PASIDDIRPTR", 0, 47, 12,
       [](const Ce& e) -> uint64_t { return (e.pasid_directory & Bits(47, 12)) >> 12; }},
      {"RID_PASID", 1, 19, 0, [](const Ce& e) -> uint64_t { return e.rid_pasid; }},
      {"RID_PRIV", 1, 20, 20, [](const Ce& e) -> uint64_t { return e.rid_priv; }},
  };
  return *fields;
}

// Reserved whatever the capabilities: bits 8:7, 63:HAW, 255:85 (HAW 48 here).
CeWords ContextAlwaysReserved() { return {Bits(8, 7) | Bits(63, 48), Bits(63, 21), ~0ull, ~0ull}; }
// The same without PASIDDIRPTR's bits 63:HAW: decoding (which has no HAW) keeps those in the
// pointer and drops the others.
CeWords ContextReservedOutsideFields() { return {Bits(8, 7), Bits(63, 21), ~0ull, ~0ull}; }

ScalableContextFormat ContextAllCaps() {
  ScalableContextFormat f;
  f.haw = 48;
  f.device_tlb = f.pasid = f.page_requests = f.host_permission_tables = f.translated_pasid =
      f.rid_pasid = f.rid_priv = true;
  return f;
}

Ce DecodeSpan(const CeWords& w) {
  absl::StatusOr<Ce> e = Ce::Decode(absl::Span<const uint64_t>(w.data(), w.size()));
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : Ce{};
}

TEST(FixedSizeDecodeTest, ContextEntryFieldsAtTheirSpecPositions_Sec9_4) {
  std::mt19937_64 random(94);
  for (const Field<Ce>& f : ContextFields()) {
    for (int trial = 0; trial < 16; ++trial) {
      const uint64_t value = random() & (Bits(f.hi, f.lo) >> f.lo);
      for (const bool with_reserved : {false, true}) {
        CeWords w = with_reserved ? ContextAlwaysReserved() : CeWords{};
        w[f.qword] |= value << f.lo;
        SCOPED_TRACE(testing::Message() << f.name << " = " << value
                                        << (with_reserved ? " with reserved bits set" : ""));
        const Ce fixed = Ce::DecodeQwords(w);
        EXPECT_EQ(f.get(fixed), value);
        EXPECT_EQ(fixed, DecodeSpan(w));
        // The verdict on the reserved bits is the spec's: exactly the ones set.
        const CeWords expected = with_reserved ? ContextAlwaysReserved() : CeWords{};
        EXPECT_EQ(Ce::ReservedBits(w, ContextAllCaps()), expected);
        // Reserved bits outside the fields are dropped by decoding.
        CeWords clear = w;
        for (int q = 0; q < 4; ++q) clear[q] &= ~ContextReservedOutsideFields()[q];
        EXPECT_EQ(fixed, Ce::DecodeQwords(clear));
      }
    }
  }
}

TEST(FixedSizeDecodeTest, ContextEntryFormsAgreeOnRandomAndCorpusLikeEntries) {
  std::mt19937_64 random(9);
  std::vector<CeWords> entries;
  for (int i = 0; i < 2000; ++i) {
    entries.push_back({random(), random(), random(), random()});
    // As software writes them: a 4 KiB aligned directory below 2^48, PDTS, the enables and
    // RID_PASID, qwords 2 and 3 clear; every fourth with one reserved bit set.
    CeWords w{(random() & Bits(47, 12)) | (random() & 0xe7f), random() & Bits(20, 0), 0, 0};
    if (i % 4 == 0) {
      const CeWords rsvd = ContextAlwaysReserved();
      const int q = static_cast<int>(random() % 4);
      const int bit = static_cast<int>(random() % 64);
      w[q] |= rsvd[q] & (uint64_t{1} << bit);
    }
    entries.push_back(w);
  }
  for (const CeWords& w : entries) {
    EXPECT_EQ(Ce::DecodeQwords(w), DecodeSpan(w))
        << std::hex << w[0] << " " << w[1] << " " << w[2] << " " << w[3];
  }
}

// ---- PASID table entry, S §9.6 (translation-structures.md §7).
using Pe = PasidEntry;
using PeWords = std::array<uint64_t, 8>;

const std::vector<Field<Pe>>& PasidFields() {
  static const auto* fields = new std::vector<Field<Pe>>{
      {"P", 0, 0, 0, [](const Pe& e) -> uint64_t { return e.present; }},
      {"FPD", 0, 1, 1, [](const Pe& e) -> uint64_t { return e.fpd; }},
      {"AW", 0, 4, 2, [](const Pe& e) -> uint64_t { return e.aw; }},
      {"PGTT", 0, 8, 6, [](const Pe& e) -> uint64_t { return e.pgtt; }},
      {"SSADE", 0, 9, 9, [](const Pe& e) -> uint64_t { return e.ssade; }},
      {"SSPTPTR", 0, 47, 12,
       [](const Pe& e) -> uint64_t { return (e.second_stage_root & Bits(47, 12)) >> 12; }},
      {"DID", 1, 15, 0, [](const Pe& e) -> uint64_t { return e.did.value(); }},
      {"PWSNP", 1, 23, 23, [](const Pe& e) -> uint64_t { return e.pwsnp; }},
      {"PGSNP", 1, 24, 24, [](const Pe& e) -> uint64_t { return e.pgsnp; }},
      {"CD", 1, 25, 25, [](const Pe& e) -> uint64_t { return e.cd; }},
      {"EMTE", 1, 26, 26, [](const Pe& e) -> uint64_t { return e.emte; }},
      // PAT: eight 4-bit slots, PAi in bits 4i+2:4i of the field (bits 127:96).
      {"PAT.PA0", 1, 34, 32, [](const Pe& e) -> uint64_t { return e.PatEntry(0); }},
      {"PAT.PA3", 1, 46, 44, [](const Pe& e) -> uint64_t { return e.PatEntry(3); }},
      {"PAT.PA7", 1, 62, 60, [](const Pe& e) -> uint64_t { return e.PatEntry(7); }},
      {"SRE", 2, 0, 0, [](const Pe& e) -> uint64_t { return e.sre; }},
      {"FSPM", 2, 3, 2, [](const Pe& e) -> uint64_t { return e.fspm; }},
      {"WPE", 2, 4, 4, [](const Pe& e) -> uint64_t { return e.wpe; }},
      {"IGN 134:133", 2, 6, 5, [](const Pe& e) -> uint64_t { return e.ignored_133; }},
      {"EAFE", 2, 7, 7, [](const Pe& e) -> uint64_t { return e.eafe; }},
      {"FSPTPTR", 2, 47, 12,
       [](const Pe& e) -> uint64_t { return (e.first_stage_root & Bits(47, 12)) >> 12; }},
      {"HPTSZ", 4, 1, 0, [](const Pe& e) -> uint64_t { return e.hptsz; }},
      {"HPTPFD", 4, 2, 2, [](const Pe& e) -> uint64_t { return e.hptpfd; }},
      {"HPTPTR", 4, 47, 12,
       [](const Pe& e) -> uint64_t { return (e.hpt_root & Bits(47, 12)) >> 12; }},
      {"HPTDID", 5, 15, 0, [](const Pe& e) -> uint64_t { return e.hptdid; }},
  };
  return *fields;
}

// Reserved whatever the capabilities and PGTT (HAW 48, 16-bit DIDs, the context's HPTE set):
// 5, 11:10, 86:80, 95:91, bit 3 of each PAT slot, 129, 139:136, 191:HAW+128, 255:192,
// 267:259, 319:HAW+256, 511:336. (SSPTPTR's 63:HAW is reserved only for PGTT 010b/011b.)
PeWords PasidAlwaysReserved() {
  return {Bits(5, 5) | Bits(11, 10),
          Bits(22, 16) | Bits(31, 27) | 0x8888888800000000ull,
          Bits(1, 1) | Bits(11, 8) | Bits(63, 48),
          ~0ull,
          Bits(11, 3) | Bits(63, 48),
          Bits(63, 16),
          ~0ull,
          ~0ull};
}

// The same without the pointers' bits at and above HAW (FSPTPTR 191:HAW+128, HPTPTR
// 319:HAW+256), which decoding keeps in the pointers.
PeWords PasidReservedOutsideFields() {
  PeWords w = PasidAlwaysReserved();
  w[2] &= ~Bits(63, 48);
  w[4] &= ~Bits(63, 48);
  return w;
}

PasidEntryFormat PasidAllCaps() {
  PasidEntryFormat f;
  f.haw = 48;
  f.did_bits = 16;
  f.ssts = f.ssads = f.fsts = f.smpwcs = f.sc = f.mts = f.srs = f.eafs = f.hpts = true;
  f.context_hpte = true;
  return f;
}

Pe DecodeSpan(const PeWords& w) {
  absl::StatusOr<Pe> e = Pe::Decode(absl::Span<const uint64_t>(w.data(), w.size()));
  EXPECT_TRUE(e.ok()) << e.status();
  return e.ok() ? *e : Pe{};
}

TEST(FixedSizeDecodeTest, PasidEntryFieldsAtTheirSpecPositions_Sec9_6) {
  std::mt19937_64 random(96);
  for (const Field<Pe>& f : PasidFields()) {
    for (int trial = 0; trial < 16; ++trial) {
      const uint64_t value = random() & (Bits(f.hi, f.lo) >> f.lo);
      for (const bool with_reserved : {false, true}) {
        PeWords w = with_reserved ? PasidAlwaysReserved() : PeWords{};
        w[f.qword] |= value << f.lo;
        SCOPED_TRACE(testing::Message() << f.name << " = " << value
                                        << (with_reserved ? " with reserved bits set" : ""));
        const Pe fixed = Pe::DecodeQwords(w);
        EXPECT_EQ(f.get(fixed), value);
        EXPECT_EQ(fixed, DecodeSpan(w));
        // The spec's verdict: exactly the reserved bits set (this entry's PGTT is below
        // 010b or above 011b, or its SSPTPTR is below 2^48, so SSPTPTR adds none).
        const PeWords expected = with_reserved ? PasidAlwaysReserved() : PeWords{};
        EXPECT_EQ(Pe::ReservedBits(w, PasidAllCaps()), expected);
        PeWords clear = w;
        for (int q = 0; q < 8; ++q) clear[q] &= ~PasidReservedOutsideFields()[q];
        EXPECT_EQ(fixed, Pe::DecodeQwords(clear));
      }
    }
  }
}

TEST(FixedSizeDecodeTest, PasidEntryFormsAgreeOnRandomAndCorpusLikeEntries) {
  std::mt19937_64 random(6);
  std::vector<PeWords> entries;
  for (int i = 0; i < 2000; ++i) {
    PeWords r;
    for (uint64_t& q : r) q = random();
    entries.push_back(r);
    // As software writes them: PGTT 001b-100b, AW, a 4 KiB aligned SSPTPTR and FSPTPTR below
    // 2^48, DID, snoop and memory-type bits, SRE/FSPM/WPE/EAFE, the HPT qwords; every fourth
    // with one reserved bit set.
    PeWords w{};
    w[0] = (random() & Bits(47, 12)) | ((1 + random() % 4) << 6) | (random() & 0x21f);
    w[1] = (random() & (Bits(15, 0) | Bits(26, 23))) | (random() & 0x7777777700000000ull);
    w[2] = (random() & Bits(47, 12)) | (random() & 0xfd);
    w[4] = (random() & Bits(47, 12)) | (random() & 0x7);
    w[5] = random() & Bits(15, 0);
    if (i % 4 == 0) {
      const PeWords rsvd = PasidAlwaysReserved();
      const int q = static_cast<int>(random() % 8);
      const int bit = static_cast<int>(random() % 64);
      w[q] |= rsvd[q] & (uint64_t{1} << bit);
    }
    entries.push_back(w);
  }
  for (const PeWords& w : entries) {
    EXPECT_EQ(Pe::DecodeQwords(w), DecodeSpan(w)) << std::hex << w[0] << " " << w[1];
  }
}

}  // namespace
}  // namespace vtd
