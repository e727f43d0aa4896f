// Scalable-mode PASID table entry (VT-d spec §9.6): round trips and one test per reserved
// field, with bit positions transcribed from the spec's table.
#include "model/structs/pasid_entry.h"

#include <array>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "model/structs/address_width.h"
#include "tests/testing/fixed_size_decode.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::vtd::testing::StatusIs;
using Words = std::array<uint64_t, 8>;

constexpr uint64_t B(int n) { return uint64_t{1} << n; }

// Every capability that defines a field, HAW 48, 16-bit DIDs, HPT fields in use.
PasidEntryFormat AllCaps() {
  PasidEntryFormat f;
  f.haw = 48;
  f.did_bits = 16;
  f.ssts = f.ssads = f.fsts = f.smpwcs = f.sc = f.mts = f.srs = f.eafs = f.hpts = true;
  f.context_hpte = true;
  return f;
}

// Second-stage PGTT (010b) in bits 8:6, P=1.
constexpr uint64_t kSsPresent = (2 << 6) | 1;

Words Reserved(const Words& w, const PasidEntryFormat& f = AllCaps()) {
  return PasidEntry::ReservedBits(w, f);
}

TEST(PasidEntryTest, DecodesEveryField) {
  Words w{};
  // Qword 0: P=1 FPD=1 AW=010b (4:2) PGTT=011b (8:6) SSADE=1 (9) SSPTPTR=0x123456000.
  w[0] = 0x123456000ull | B(9) | (3 << 6) | (2 << 2) | 2 | 1;
  // Qword 1: DID=0xabcd (79:64) PWSNP (87) PGSNP (88) CD (89) EMTE (90) PAT=0x7654 (127:96).
  w[1] = 0xabcd | B(23) | B(24) | B(25) | B(26) | (uint64_t{0x7654} << 32);
  // Qword 2: SRE (128) FSPM=01b (131:130) WPE (132) IGN=3 (134:133) EAFE (135)
  // FSPTPTR=0x777000 (191:140).
  w[2] = 0x777000ull | B(7) | (3 << 5) | B(4) | (1 << 2) | 1;
  // Qword 4: HPTSZ=3 (257:256) HPTPFD (258) HPTPTR=0x55000 (319:268); qword 5: HPTDID=0x1234.
  w[4] = 0x55000ull | B(2) | 3;
  w[5] = 0x1234;
  VTD_ASSERT_OK_AND_ASSIGN(PasidEntry e, PasidEntry::Decode(w));
  EXPECT_TRUE(e.present);
  EXPECT_TRUE(e.fpd);
  EXPECT_EQ(e.aw, 2);
  EXPECT_EQ(e.translation_type(), PasidTranslationType::kNested);
  EXPECT_TRUE(e.ssade);
  EXPECT_EQ(e.second_stage_root, 0x123456000u);
  EXPECT_EQ(e.did, DomainId(0xabcd));
  EXPECT_TRUE(e.pwsnp);
  EXPECT_TRUE(e.pgsnp);
  EXPECT_TRUE(e.cd);
  EXPECT_TRUE(e.emte);
  EXPECT_EQ(e.pat, 0x7654u);
  EXPECT_EQ(e.PatEntry(0), 4);  // WT
  EXPECT_EQ(e.PatEntry(1), 5);  // WP
  EXPECT_EQ(e.PatEntry(2), 6);  // WB
  EXPECT_EQ(e.PatEntry(3), 7);  // UC-
  EXPECT_EQ(e.PatEntry(4), 0);  // UC
  EXPECT_TRUE(e.sre);
  EXPECT_EQ(e.fspm, 1);
  EXPECT_TRUE(e.wpe);
  EXPECT_EQ(e.ignored_133, 3);
  EXPECT_TRUE(e.eafe);
  EXPECT_EQ(e.first_stage_root, 0x777000u);
  EXPECT_EQ(e.hptsz, 3);
  EXPECT_TRUE(e.hptpfd);
  EXPECT_EQ(e.hpt_root, 0x55000u);
  EXPECT_EQ(e.hptdid, 0x1234);
  VTD_ASSERT_OK_AND_ASSIGN(Words back, e.Encode());
  EXPECT_EQ(back, w);
  EXPECT_EQ(Reserved(w), Words{});
}

TEST(PasidEntryTest, TranslationTypeNames) {
  EXPECT_EQ(PasidTranslationTypeName(0), "reserved");
  EXPECT_EQ(PasidTranslationTypeName(1), "first_stage");
  EXPECT_EQ(PasidTranslationTypeName(2), "second_stage");
  EXPECT_EQ(PasidTranslationTypeName(3), "nested");
  EXPECT_EQ(PasidTranslationTypeName(4), "pass_through");
  EXPECT_EQ(PasidTranslationTypeName(5), "reserved");
  EXPECT_EQ(PasidTranslationTypeName(7), "reserved");
}

TEST(PasidEntryTest, RoundTripsValidWords) {
  const Words cases[] = {
      Words{},
      Words{kSsPresent | 0x1000 | (2 << 2), 1},
      Words{(4 << 6) | 1, 1},                                       // pass-through, DID 1
      Words{(1 << 6) | 1, 1, 0x2000 | 1},                           // first-stage, SRE
      Words{0xfffffffffffff3ffull & ~B(5), 0x777777770780ffffull},  // every q0/q1 field set
  };
  for (const Words& w : cases) {
    VTD_ASSERT_OK_AND_ASSIGN(PasidEntry e, PasidEntry::Decode(w));
    VTD_ASSERT_OK_AND_ASSIGN(Words back, e.Encode());
    EXPECT_EQ(back, w);
  }
}

TEST(PasidEntryTest, DecodeRejectsWrongLength) {
  const uint64_t four[] = {1, 0, 0, 0};
  EXPECT_THAT(PasidEntry::Decode(four), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PasidEntryTest, EncodeRejectsOutOfRangeFields) {
  auto rejects = [](auto set) {
    PasidEntry e;
    set(e);
    return e.Encode().status().code() == absl::StatusCode::kInvalidArgument;
  };
  EXPECT_TRUE(rejects([](PasidEntry& e) { e.aw = 8; }));
  EXPECT_TRUE(rejects([](PasidEntry& e) { e.pgtt = 8; }));
  EXPECT_TRUE(rejects([](PasidEntry& e) { e.fspm = 4; }));
  EXPECT_TRUE(rejects([](PasidEntry& e) { e.ignored_133 = 4; }));
  EXPECT_TRUE(rejects([](PasidEntry& e) { e.hptsz = 4; }));
  EXPECT_TRUE(rejects([](PasidEntry& e) { e.pat = 0x8; }));  // PA0 reserved bit 3
  EXPECT_TRUE(rejects([](PasidEntry& e) { e.second_stage_root = 0x1001; }));
  EXPECT_TRUE(rejects([](PasidEntry& e) { e.first_stage_root = 0x800; }));
  EXPECT_TRUE(rejects([](PasidEntry& e) { e.hpt_root = 0x10; }));
}

TEST(PasidEntryTest, ReservedBit5) { EXPECT_EQ(Reserved(Words{kSsPresent | B(5)})[0], B(5)); }

TEST(PasidEntryTest, ReservedBits11To10) {
  EXPECT_EQ(Reserved(Words{kSsPresent | B(10)})[0], B(10));
  EXPECT_EQ(Reserved(Words{kSsPresent | B(11)})[0], B(11));
}

TEST(PasidEntryTest, ReservedSsptptrBitsAtAndAboveHawOnlyWhenSecondStageUsed) {
  PasidEntryFormat f = AllCaps();
  f.haw = 46;
  EXPECT_EQ(Reserved(Words{kSsPresent | B(46)}, f)[0], B(46));    // PGTT 010b
  EXPECT_EQ(Reserved(Words{(3 << 6) | 1 | B(46)}, f)[0], B(46));  // PGTT 011b
  EXPECT_EQ(Reserved(Words{(1 << 6) | 1 | B(46)}, f)[0], 0u);     // 001b: ignored
  EXPECT_EQ(Reserved(Words{(4 << 6) | 1 | B(46)}, f)[0], 0u);     // 100b: ignored
  EXPECT_EQ(Reserved(Words{kSsPresent | B(45)}, f)[0], 0u);
}

TEST(PasidEntryTest, AwReservedWithoutSsts) {
  PasidEntryFormat f = AllCaps();
  f.ssts = false;
  EXPECT_EQ(Reserved(Words{(4 << 6) | 1 | (1 << 2)}, f)[0], 1u << 2);
  EXPECT_EQ(Reserved(Words{(4 << 6) | 1 | (1 << 2)})[0], 0u);
}

TEST(PasidEntryTest, SsadeReservedWithoutSstsOrSsads) {
  PasidEntryFormat f = AllCaps();
  f.ssads = false;
  EXPECT_EQ(Reserved(Words{kSsPresent | B(9)}, f)[0], B(9));
  f = AllCaps();
  f.ssts = false;
  EXPECT_EQ(Reserved(Words{kSsPresent | B(9)}, f)[0] & B(9), B(9));
  EXPECT_EQ(Reserved(Words{kSsPresent | B(9)})[0], 0u);
}

TEST(PasidEntryTest, ReservedDidBitsAboveNdWidth) {
  PasidEntryFormat f = AllCaps();
  f.did_bits = DomainIdBits(2);  // 8-bit DIDs
  EXPECT_EQ(Reserved(Words{kSsPresent, 0x100}, f)[1], 0x100u);
  EXPECT_EQ(Reserved(Words{kSsPresent, 0xff}, f)[1], 0u);
}

TEST(PasidEntryTest, ReservedBits86To80) {
  EXPECT_EQ(Reserved(Words{kSsPresent, B(16)})[1], B(16));  // bit 80
  EXPECT_EQ(Reserved(Words{kSsPresent, B(22)})[1], B(22));  // bit 86
}

TEST(PasidEntryTest, ReservedBits95To91) {
  EXPECT_EQ(Reserved(Words{kSsPresent, B(27)})[1], B(27));  // bit 91
  EXPECT_EQ(Reserved(Words{kSsPresent, B(31)})[1], B(31));  // bit 95
}

TEST(PasidEntryTest, ReservedBit3OfEveryPatSlot) {
  for (int i = 0; i < 8; ++i) {
    const uint64_t bit = B(32 + 4 * i + 3);  // bits 99, 103, ..., 127
    EXPECT_EQ(Reserved(Words{kSsPresent, bit})[1], bit) << "PA" << i;
    EXPECT_EQ(Reserved(Words{kSsPresent, uint64_t{7} << (32 + 4 * i)})[1], 0u) << "PA" << i;
  }
}

TEST(PasidEntryTest, PwsnpReservedWithoutSmpwcs) {
  PasidEntryFormat f = AllCaps();
  f.smpwcs = false;
  EXPECT_EQ(Reserved(Words{kSsPresent, B(23)}, f)[1], B(23));
  EXPECT_EQ(Reserved(Words{kSsPresent, B(23)})[1], 0u);
}

TEST(PasidEntryTest, PgsnpReservedWithoutSnoopControl) {
  PasidEntryFormat f = AllCaps();
  f.sc = false;
  EXPECT_EQ(Reserved(Words{kSsPresent, B(24)}, f)[1], B(24));
  EXPECT_EQ(Reserved(Words{kSsPresent, B(24)})[1], 0u);
}

TEST(PasidEntryTest, MemoryTypeFieldsReservedWithoutMts) {
  PasidEntryFormat f = AllCaps();
  f.mts = false;
  EXPECT_EQ(Reserved(Words{kSsPresent, B(25)}, f)[1], B(25));  // CD
  EXPECT_EQ(Reserved(Words{kSsPresent, B(26)}, f)[1], B(26));  // EMTE
  EXPECT_EQ(Reserved(Words{kSsPresent, B(32)}, f)[1], B(32));  // PA0
}

TEST(PasidEntryTest, SreReservedWithoutSrs) {
  PasidEntryFormat f = AllCaps();
  f.srs = false;
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 1}, f)[2], 1u);
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 1})[2], 0u);
}

TEST(PasidEntryTest, ReservedBit129) { EXPECT_EQ(Reserved(Words{kSsPresent, 0, B(1)})[2], B(1)); }

TEST(PasidEntryTest, IgnoredBits134To133AreNotReserved) {
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, B(5) | B(6)})[2], 0u);
}

TEST(PasidEntryTest, EafeReservedWithoutEafs) {
  PasidEntryFormat f = AllCaps();
  f.eafs = false;
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, B(7)}, f)[2], B(7));
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, B(7)})[2], 0u);
}

TEST(PasidEntryTest, ReservedBits139To136) {
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, B(8)})[2], B(8));
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, B(11)})[2], B(11));
}

TEST(PasidEntryTest, FsptptrReservedWithoutFstsAndAboveHaw) {
  PasidEntryFormat f = AllCaps();
  f.fsts = false;
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 0x1000}, f)[2], 0x1000u);
  f = AllCaps();
  f.haw = 40;
  EXPECT_EQ(Reserved(Words{(1 << 6) | 1, 0, B(40)}, f)[2], B(40));
  EXPECT_EQ(Reserved(Words{(1 << 6) | 1, 0, B(39)}, f)[2], 0u);
}

TEST(PasidEntryTest, Qword3IsReserved) {
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 0, 1})[3], 1u);
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 0, B(63)})[3], B(63));
}

TEST(PasidEntryTest, HptFieldsReservedWithoutHpts) {
  PasidEntryFormat f = AllCaps();
  f.hpts = false;
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 0, 0, 1}, f)[4], 1u);     // HPTSZ
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 0, 0, 0, 1}, f)[5], 1u);  // HPTDID
}

TEST(PasidEntryTest, HptFieldsIgnoredWhenContextHpteIsClear) {
  PasidEntryFormat f = AllCaps();
  f.context_hpte = false;
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 0, 0, B(5) | B(63), B(40)}, f), Words{});
}

TEST(PasidEntryTest, ReservedHptBits) {
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 0, 0, B(3)})[4], B(3));       // bit 259
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 0, 0, B(11)})[4], B(11));     // bit 267
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 0, 0, B(48)})[4], B(48));     // HPTPTR above HAW
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 0, 0, 0, B(16)})[5], B(16));  // bit 336
}

TEST(PasidEntryTest, Qwords6And7AreReserved) {
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 0, 0, 0, 0, 1})[6], 1u);
  EXPECT_EQ(Reserved(Words{kSsPresent, 0, 0, 0, 0, 0, 0, B(63)})[7], B(63));
}

TEST(PasidEntryTest, ToJsonShowsTheFieldsOfItsTranslationType) {
  VTD_ASSERT_OK_AND_ASSIGN(PasidEntry ss,
                           PasidEntry::Decode(Words{kSsPresent | 0x7000 | (2 << 2), 3}));
  EXPECT_EQ(ss.ToJson().Dump(-1),
            R"({"p":1,"fpd":0,"pgtt":"second_stage","did":"0x3","aw":2,"ssade":0,)"
            R"("ssptptr":"0x7000","pwsnp":0,"pgsnp":0})");
  VTD_ASSERT_OK_AND_ASSIGN(PasidEntry pt, PasidEntry::Decode(Words{(4 << 6) | 1, 1}));
  EXPECT_EQ(pt.ToJson().Dump(-1),
            R"({"p":1,"fpd":0,"pgtt":"pass_through","did":"0x1","pwsnp":0,"pgsnp":0})");
}

// ---- The fixed-size decode form (the walks'), against the span form and §9.6's positions.

using ::vtd::testing::SpecBits;
using Field = ::vtd::testing::SpecField<PasidEntry>;

// Reserved whatever the capabilities and PGTT (HAW 48, 16-bit DIDs, the context's HPTE set):
// 5, 11:10, 86:80, 95:91, bit 3 of each PAT slot, 129, 139:136, 191:HAW+128, 255:192,
// 267:259, 319:HAW+256, 511:336. (SSPTPTR's 63:HAW is reserved only for PGTT 010b/011b.)
constexpr Words kAlwaysReserved = {0x20 | 0xc00,
                                   0x7f0000 | 0xf8000000 | 0x8888888800000000ull,
                                   0x2 | 0xf00 | 0xffff000000000000ull,
                                   ~0ull,
                                   0xff8 | 0xffff000000000000ull,
                                   0xffffffffffff0000ull,
                                   ~0ull,
                                   ~0ull};
// The same without FSPTPTR's and HPTPTR's bits at and above HAW, which decoding keeps.
constexpr Words kReservedOutsideFields = {
    0x20 | 0xc00, 0x7f0000 | 0xf8000000 | 0x8888888800000000ull,
    0x2 | 0xf00,  ~0ull,
    0xff8,        0xffffffffffff0000ull,
    ~0ull,        ~0ull};

// A pointer field's value below HAW 48 (the bits above it are reserved, kept by decoding).
uint64_t Below48(uint64_t pointer) { return (pointer & SpecBits(47, 12)) >> 12; }

TEST(PasidEntryTest, FixedSizeDecodeReadsEveryFieldAtItsSpecPosition_Sec9_6) {
  const std::vector<Field> fields = {
      {"P", 0, 0, 0, [](const PasidEntry& e) -> uint64_t { return e.present; }},
      {"FPD", 0, 1, 1, [](const PasidEntry& e) -> uint64_t { return e.fpd; }},
      {"AW", 0, 4, 2, [](const PasidEntry& e) -> uint64_t { return e.aw; }},
      {"PGTT", 0, 8, 6, [](const PasidEntry& e) -> uint64_t { return e.pgtt; }},
      {"SSADE", 0, 9, 9, [](const PasidEntry& e) -> uint64_t { return e.ssade; }},
      {"SSPTPTR", 0, 47, 12,
       [](const PasidEntry& e) -> uint64_t { return Below48(e.second_stage_root); }},
      {"DID", 1, 15, 0, [](const PasidEntry& e) -> uint64_t { return e.did.value(); }},
      {"PWSNP", 1, 23, 23, [](const PasidEntry& e) -> uint64_t { return e.pwsnp; }},
      {"PGSNP", 1, 24, 24, [](const PasidEntry& e) -> uint64_t { return e.pgsnp; }},
      {"CD", 1, 25, 25, [](const PasidEntry& e) -> uint64_t { return e.cd; }},
      {"EMTE", 1, 26, 26, [](const PasidEntry& e) -> uint64_t { return e.emte; }},
      // PAT (bits 127:96): eight 4-bit slots, PAi in bits 4i+2:4i of the field.
      {"PAT.PA0", 1, 34, 32, [](const PasidEntry& e) -> uint64_t { return e.PatEntry(0); }},
      {"PAT.PA3", 1, 46, 44, [](const PasidEntry& e) -> uint64_t { return e.PatEntry(3); }},
      {"PAT.PA7", 1, 62, 60, [](const PasidEntry& e) -> uint64_t { return e.PatEntry(7); }},
      {"SRE", 2, 0, 0, [](const PasidEntry& e) -> uint64_t { return e.sre; }},
      {"FSPM", 2, 3, 2, [](const PasidEntry& e) -> uint64_t { return e.fspm; }},
      {"WPE", 2, 4, 4, [](const PasidEntry& e) -> uint64_t { return e.wpe; }},
      {"IGN 134:133", 2, 6, 5, [](const PasidEntry& e) -> uint64_t { return e.ignored_133; }},
      {"EAFE", 2, 7, 7, [](const PasidEntry& e) -> uint64_t { return e.eafe; }},
      {"FSPTPTR", 2, 47, 12,
       [](const PasidEntry& e) -> uint64_t { return Below48(e.first_stage_root); }},
      {"HPTSZ", 4, 1, 0, [](const PasidEntry& e) -> uint64_t { return e.hptsz; }},
      {"HPTPFD", 4, 2, 2, [](const PasidEntry& e) -> uint64_t { return e.hptpfd; }},
      {"HPTPTR", 4, 47, 12, [](const PasidEntry& e) -> uint64_t { return Below48(e.hpt_root); }},
      {"HPTDID", 5, 15, 0, [](const PasidEntry& e) -> uint64_t { return e.hptdid; }},
  };
  ::vtd::testing::CheckFieldsAtSpecPositions(fields, kAlwaysReserved, kReservedOutsideFields,
                                             AllCaps(), 96);
}

TEST(PasidEntryTest, FixedSizeAndSpanDecodeAgreeOnRandomAndCorpusLikeEntries_Sec9_6) {
  std::mt19937_64 random(6);
  std::vector<Words> entries;
  for (int i = 0; i < 2000; ++i) {
    Words r;
    for (uint64_t& q : r) q = random();
    entries.push_back(r);
    // As software writes them: PGTT 001b-100b, AW, 4 KiB aligned pointers below 2^48, DID,
    // snoop and memory-type bits, SRE/FSPM/WPE/EAFE, the HPT qwords; every fourth with one
    // reserved bit set.
    Words w{};
    w[0] = (random() & SpecBits(47, 12)) | ((1 + random() % 4) << 6) | (random() & 0x21f);
    w[1] = (random() & (SpecBits(15, 0) | SpecBits(26, 23))) | (random() & 0x7777777700000000ull);
    w[2] = (random() & SpecBits(47, 12)) | (random() & 0xfd);
    w[4] = (random() & SpecBits(47, 12)) | (random() & 0x7);
    w[5] = random() & SpecBits(15, 0);
    if (i % 4 == 0) {
      const size_t q = random() % 8;
      w[q] |= kAlwaysReserved[q] & (uint64_t{1} << (random() % 64));
    }
    entries.push_back(w);
  }
  ::vtd::testing::CheckFormsAgree<PasidEntry>(entries);
}

}  // namespace
}  // namespace vtd
