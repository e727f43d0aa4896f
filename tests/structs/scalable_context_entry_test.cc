// Scalable-mode context entry (VT-d spec §9.4): round trips, one test per reserved field,
// and the programming errors the spec makes fault 43h.
#include "model/structs/scalable_context_entry.h"

#include <array>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "tests/testing/fixed_size_decode.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::vtd::testing::StatusIs;

// Every capability that defines a field, HAW 48.
ScalableContextFormat AllCaps() {
  ScalableContextFormat f;
  f.haw = 48;
  f.device_tlb = f.pasid = f.page_requests = f.host_permission_tables = f.translated_pasid =
      f.rid_pasid = f.rid_priv = true;
  return f;
}

uint64_t Qw0Bit(int n) { return uint64_t{1} << n; }

TEST(ScalableContextEntryTest, DecodesEveryField) {
  // P=1 FPD=1 DTE=1 PASIDE=1 PRE=1 HPTE=1 EPTR=1 PDTS=5 (bits 11:9) PASIDDIRPTR=0x89abc000;
  // RID_PASID=0xfedcb (bits 83:64), RID_PRIV=1 (bit 84).
  const uint64_t q0 = 0x89abc000ull | (5 << 9) | 0x7f;
  const uint64_t q1 = 0xfedcbull | (uint64_t{1} << 20);
  const std::array<uint64_t, 4> w = {q0, q1, 0, 0};
  VTD_ASSERT_OK_AND_ASSIGN(ScalableContextEntry e, ScalableContextEntry::Decode(w));
  EXPECT_TRUE(e.present);
  EXPECT_TRUE(e.fpd);
  EXPECT_TRUE(e.device_tlb_enable);
  EXPECT_TRUE(e.pasid_enable);
  EXPECT_TRUE(e.page_request_enable);
  EXPECT_TRUE(e.hpt_enable);
  EXPECT_TRUE(e.translated_pasid_enable);
  EXPECT_EQ(e.pdts, 5);
  EXPECT_EQ(e.pasid_directory, 0x89abc000u);
  EXPECT_EQ(e.rid_pasid, 0xfedcbu);
  EXPECT_TRUE(e.rid_priv);
  VTD_ASSERT_OK_AND_ASSIGN(auto words, e.Encode());
  EXPECT_EQ(words, w);
}

TEST(ScalableContextEntryTest, PdtsGivesDirectorySizeAndPasidRange) {
  // The directory has 2^(PDTS+7) entries, each covering 64 PASIDs.
  ScalableContextEntry e;
  e.pdts = 0;
  EXPECT_EQ(e.PasidDirectoryEntries(), 128);
  EXPECT_EQ(e.MaxPasid(), 0x1fffu);
  e.pdts = 7;
  EXPECT_EQ(e.PasidDirectoryEntries(), 16384);
  EXPECT_EQ(e.MaxPasid(), 0xfffffu);
}

TEST(ScalableContextEntryTest, RoundTripsValidWords) {
  const std::array<uint64_t, 4> cases[] = {
      {0, 0, 0, 0},
      {1, 0, 0, 0},
      {2, 0, 0, 0},  // FPD with P=0
      {0xfffffffffffffe7full, 0x1fffff, 0, 0},
      {0x1000 | (7 << 9) | 9, 0x1, 0, 0},
  };
  for (const auto& w : cases) {
    VTD_ASSERT_OK_AND_ASSIGN(auto e, ScalableContextEntry::Decode(w));
    VTD_ASSERT_OK_AND_ASSIGN(auto words, e.Encode());
    EXPECT_EQ(words, w);
  }
}

TEST(ScalableContextEntryTest, DecodeRejectsWrongLength) {
  const uint64_t two[] = {1, 0};
  EXPECT_THAT(ScalableContextEntry::Decode(two), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ScalableContextEntryTest, EncodeRejectsOutOfRangeFields) {
  ScalableContextEntry e;
  e.pdts = 8;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = ScalableContextEntry();
  e.rid_pasid = 0x100000;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e = ScalableContextEntry();
  e.pasid_directory = 0x1800;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
}

std::array<uint64_t, 4> Reserved(uint64_t q0, uint64_t q1, uint64_t q2, uint64_t q3,
                                 const ScalableContextFormat& f) {
  const std::array<uint64_t, 4> w = {q0, q1, q2, q3};
  return ScalableContextEntry::ReservedBits(w, f);
}

TEST(ScalableContextEntryTest, WellFormedEntryHasNoReservedBits) {
  const uint64_t q0 = 0xfffffffff000ull | (7 << 9) | 0x7f;
  EXPECT_EQ(Reserved(q0, 0x1fffff, 0, 0, AllCaps()), (std::array<uint64_t, 4>{}));
}

TEST(ScalableContextEntryTest, ReservedBits8To7) {
  EXPECT_EQ(Reserved(1 | Qw0Bit(7), 0, 0, 0, AllCaps())[0], Qw0Bit(7));
  EXPECT_EQ(Reserved(1 | Qw0Bit(8), 0, 0, 0, AllCaps())[0], Qw0Bit(8));
}

TEST(ScalableContextEntryTest, ReservedPasidDirPtrBitsAtAndAboveHaw) {
  ScalableContextFormat f = AllCaps();
  f.haw = 39;
  EXPECT_EQ(Reserved(1 | Qw0Bit(39), 0, 0, 0, f)[0], Qw0Bit(39));
  EXPECT_EQ(Reserved(1 | Qw0Bit(38), 0, 0, 0, f)[0], 0u);
}

TEST(ScalableContextEntryTest, CapabilityFieldsReservedWithoutTheirCapability) {
  struct Case {
    bool ScalableContextFormat::*cap;
    int bit;
  };
  const Case cases[] = {{&ScalableContextFormat::device_tlb, 2},
                        {&ScalableContextFormat::pasid, 3},
                        {&ScalableContextFormat::page_requests, 4},
                        {&ScalableContextFormat::host_permission_tables, 5},
                        {&ScalableContextFormat::translated_pasid, 6}};
  for (const Case& c : cases) {
    ScalableContextFormat f = AllCaps();
    EXPECT_EQ(Reserved(1 | Qw0Bit(c.bit), 0, 0, 0, f)[0], 0u) << "bit " << c.bit;
    f.*c.cap = false;
    EXPECT_EQ(Reserved(1 | Qw0Bit(c.bit), 0, 0, 0, f)[0], Qw0Bit(c.bit)) << "bit " << c.bit;
  }
}

TEST(ScalableContextEntryTest, RidPasidReservedWithoutRps) {
  ScalableContextFormat f = AllCaps();
  f.rid_pasid = false;
  EXPECT_EQ(Reserved(1, 0x80001, 0, 0, f)[1], 0x80001u);  // bits 83:64
  EXPECT_EQ(Reserved(1, 0x80001, 0, 0, AllCaps())[1], 0u);
}

TEST(ScalableContextEntryTest, RidPrivReservedWithoutRprivs) {
  ScalableContextFormat f = AllCaps();
  f.rid_priv = false;
  EXPECT_EQ(Reserved(1, uint64_t{1} << 20, 0, 0, f)[1], uint64_t{1} << 20);  // bit 84
  EXPECT_EQ(Reserved(1, uint64_t{1} << 20, 0, 0, AllCaps())[1], 0u);
}

TEST(ScalableContextEntryTest, ReservedBits127To85) {
  EXPECT_EQ(Reserved(1, uint64_t{1} << 21, 0, 0, AllCaps())[1], uint64_t{1} << 21);  // bit 85
  EXPECT_EQ(Reserved(1, uint64_t{1} << 63, 0, 0, AllCaps())[1], uint64_t{1} << 63);  // bit 127
}

TEST(ScalableContextEntryTest, ReservedBits255To128) {
  EXPECT_EQ(Reserved(1, 0, 1, 0, AllCaps())[2], 1u);
  EXPECT_EQ(Reserved(1, 0, 0, uint64_t{1} << 63, AllCaps())[3], uint64_t{1} << 63);
}

TEST(ScalableContextEntryTest, InvalidProgrammingConditions) {
  ScalableContextEntry e;
  e.present = true;
  e.device_tlb_enable = true;
  e.pasid_enable = true;
  EXPECT_FALSE(e.InvalidProgramming().has_value());
  // DTE=0 with PRE=1.
  ScalableContextEntry pre = e;
  pre.device_tlb_enable = false;
  pre.page_request_enable = true;
  EXPECT_TRUE(pre.InvalidProgramming().has_value());
  // RID_PASID above the PASIDs PDTS covers: PDTS=0 covers 0..0x1fff.
  ScalableContextEntry rid = e;
  rid.rid_pasid = 0x1fff;
  EXPECT_FALSE(rid.InvalidProgramming().has_value());
  rid.rid_pasid = 0x2000;
  EXPECT_TRUE(rid.InvalidProgramming().has_value());
  // EPTR=1 with PASIDE=0.
  ScalableContextEntry eptr = e;
  eptr.translated_pasid_enable = true;
  EXPECT_FALSE(eptr.InvalidProgramming().has_value());
  eptr.pasid_enable = false;
  EXPECT_TRUE(eptr.InvalidProgramming().has_value());
}

TEST(ScalableContextEntryTest, ToJson) {
  const std::array<uint64_t, 4> w = {0x4000 | (2 << 9) | 8 | 1, 0x1, 0, 0};
  VTD_ASSERT_OK_AND_ASSIGN(ScalableContextEntry e, ScalableContextEntry::Decode(w));
  EXPECT_EQ(e.ToJson().Dump(-1),
            R"({"p":1,"fpd":0,"dte":0,"paside":1,"pre":0,"pdts":2,"pasiddirptr":"0x4000",)"
            R"("rid_pasid":"0x1","rid_priv":0})");
}

// ---- The fixed-size decode form (the walks'), against the span form and §9.4's positions.

using ::vtd::testing::SpecBits;
using Field = ::vtd::testing::SpecField<ScalableContextEntry>;
using Words = std::array<uint64_t, 4>;

// Reserved whatever the capabilities: bits 8:7, 63:HAW, 255:85 (HAW 48).
constexpr Words kAlwaysReserved = {0x180 | 0xffff000000000000ull, 0xffffffffffe00000ull, ~0ull,
                                   ~0ull};
// The same without PASIDDIRPTR's bits 63:HAW (decoding, which has no HAW, keeps them).
constexpr Words kReservedOutsideFields = {0x180, 0xffffffffffe00000ull, ~0ull, ~0ull};

TEST(ScalableContextEntryTest, FixedSizeDecodeReadsEveryFieldAtItsSpecPosition_Sec9_4) {
  const std::vector<Field> fields = {
      {"P", 0, 0, 0, [](const ScalableContextEntry& e) -> uint64_t { return e.present; }},
      {"FPD", 0, 1, 1, [](const ScalableContextEntry& e) -> uint64_t { return e.fpd; }},
      {"DTE", 0, 2, 2,
       [](const ScalableContextEntry& e) -> uint64_t { return e.device_tlb_enable; }},
      {"PASIDE", 0, 3, 3, [](const ScalableContextEntry& e) -> uint64_t { return e.pasid_enable; }},
      {"PRE", 0, 4, 4,
       [](const ScalableContextEntry& e) -> uint64_t { return e.page_request_enable; }},
      {"HPTE", 0, 5, 5, [](const ScalableContextEntry& e) -> uint64_t { return e.hpt_enable; }},
      {"EPTR", 0, 6, 6,
       [](const ScalableContextEntry& e) -> uint64_t { return e.translated_pasid_enable; }},
      {"PDTS", 0, 11, 9, [](const ScalableContextEntry& e) -> uint64_t { return e.pdts; }},
      // Below HAW: the bits above it are reserved (and kept by decoding).
      {"PASIDDIRPTR", 0, 47, 12,
       [](const ScalableContextEntry& e) -> uint64_t {
         return (e.pasid_directory & SpecBits(47, 12)) >> 12;
       }},
      {"RID_PASID", 1, 19, 0,
       [](const ScalableContextEntry& e) -> uint64_t { return e.rid_pasid; }},
      {"RID_PRIV", 1, 20, 20, [](const ScalableContextEntry& e) -> uint64_t { return e.rid_priv; }},
  };
  ::vtd::testing::CheckFieldsAtSpecPositions(fields, kAlwaysReserved, kReservedOutsideFields,
                                             AllCaps(), 94);
}

TEST(ScalableContextEntryTest, FixedSizeAndSpanDecodeAgreeOnRandomAndCorpusLikeEntries_Sec9_4) {
  std::mt19937_64 random(9);
  std::vector<Words> entries;
  for (int i = 0; i < 2000; ++i) {
    entries.push_back({random(), random(), random(), random()});
    // As software writes them: a 4 KiB aligned directory below 2^48, PDTS, the enables and
    // RID_PASID, qwords 2 and 3 clear; every fourth with one reserved bit set.
    Words w{(random() & SpecBits(47, 12)) | (random() & 0xe7f), random() & SpecBits(20, 0), 0, 0};
    if (i % 4 == 0) {
      const size_t q = random() % 4;
      w[q] |= kAlwaysReserved[q] & (uint64_t{1} << (random() % 64));
    }
    entries.push_back(w);
  }
  ::vtd::testing::CheckFormsAgree<ScalableContextEntry>(entries);
}

}  // namespace
}  // namespace vtd
