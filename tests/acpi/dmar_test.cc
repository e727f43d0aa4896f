// DMAR parser and serializer (VT-d spec chapter 8): every field of every structure type from
// hand-built bytes, byte-exact round trips, and one test per structural parse error with the
// offset it must name.
#include "model/acpi/dmar.h"

#include <string>
#include <variant>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/acpi/dmar_bytes.h"
#include "tests/testing/status_matchers.h"

namespace vtd::acpi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::vtd::testing::IsOk;
using ::vtd::testing::StatusIs;
using namespace ::vtd::acpi::testing;  // NOLINT: the byte builders

// Parses, checks the round trip, and returns the table.
DmarTable ParseAndRoundTrip(const Bytes& bytes) {
  absl::StatusOr<DmarTable> t = ParseDmar(bytes);
  EXPECT_THAT(t, IsOk());
  if (!t.ok()) return {};
  EXPECT_EQ(SerializeDmar(*t), Bytes(bytes.begin(), bytes.begin() + t->header.length));
  return *std::move(t);
}

template <typename T>
const T& Body(const DmarTable& t, size_t i) {
  return std::get<T>(t.structures.at(i).body);
}

// §8.1 header: every field, raw header strings.
TEST(DmarParseTest, Sec8_1_HeaderFields) {
  Bytes b = TableBytes({DrhdBytes(1, 0, 0xfed91000)}, /*haw=*/45, /*flags=*/0x5);
  b[10] = 'A';
  b[11] = 0;  // NUL inside the OEM ID is kept as a raw byte
  FixLengthAndChecksum(b);
  const DmarTable t = ParseAndRoundTrip(b);
  const DmarHeader& h = t.header;
  EXPECT_EQ(std::string(h.signature.begin(), h.signature.end()), "DMAR");
  EXPECT_EQ(h.length, b.size());
  EXPECT_EQ(h.revision, 1);
  EXPECT_EQ(h.checksum, b[9]);
  EXPECT_EQ(h.oem_id[0], 'A');
  EXPECT_EQ(h.oem_id[1], 0);
  EXPECT_EQ(std::string(h.oem_table_id.begin(), h.oem_table_id.end()), "TESTTABL");
  EXPECT_EQ(h.oem_revision, 1u);
  EXPECT_EQ(std::string(h.creator_id.begin(), h.creator_id.end()), "VTDS");
  EXPECT_EQ(h.creator_revision, 2u);
  EXPECT_EQ(h.host_address_width, 45);
  EXPECT_EQ(h.flags, kDmarFlagIntrRemap | kDmarFlagDmaCtrlPlatformOptIn);
  EXPECT_EQ(h.reserved, (std::array<uint8_t, 10>{}));
  EXPECT_TRUE(t.checksum_ok);
  EXPECT_EQ(t.bytes_after_length, 0u);
  EXPECT_THAT(t.trailing, IsEmpty());
}

TEST(DmarParseTest, Sec8_1_ChecksumMismatchIsNotAParseError) {
  Bytes b = TableBytes({DrhdBytes(1, 0, 0xfed91000)});
  b[9] ^= 0x40;
  const DmarTable t = ParseAndRoundTrip(b);
  EXPECT_FALSE(t.checksum_ok);
}

TEST(DmarParseTest, Sec8_1_HeaderOnlyTableHasNoStructures) {
  const DmarTable t = ParseAndRoundTrip(TableBytes({}));
  EXPECT_EQ(t.header.length, 48u);
  EXPECT_THAT(t.structures, IsEmpty());
}

// §8.3 DRHD and §8.3.1 device scopes.
TEST(DmarParseTest, Sec8_3_DrhdFieldsAndScopes) {
  const Bytes scopes =
      Concat({ScopeBytes(kIoapic, 2, 0xf0, {{0x1f, 0}}), ScopeBytes(kHpet, 0, 0x00, {{0x1e, 7}}),
              ScopeBytes(kBridge, 0, 0x40, {{0x1c, 4}, {0, 2}})});
  const Bytes b = TableBytes({DrhdBytes(1, 3, 0xfed91000, scopes, /*size=*/4)});
  const DmarTable t = ParseAndRoundTrip(b);
  ASSERT_EQ(t.structures.size(), 1u);
  const DmarStructure& s = t.structures[0];
  EXPECT_EQ(s.type, 0);
  EXPECT_EQ(s.length, 16 + 8 + 8 + 10);
  EXPECT_EQ(s.offset, 48u);
  const Drhd& d = Body<Drhd>(t, 0);
  EXPECT_EQ(d.flags, 1);
  EXPECT_TRUE(d.include_pci_all());
  EXPECT_EQ(d.size, 4);
  EXPECT_EQ(d.register_set_bytes(), 0x10000u);
  EXPECT_EQ(d.segment, 3);
  EXPECT_EQ(d.register_base, 0xfed91000u);
  ASSERT_EQ(d.scopes.size(), 3u);
  EXPECT_EQ(d.scopes[0].type, kIoapic);
  EXPECT_EQ(d.scopes[0].length, 8);
  EXPECT_EQ(d.scopes[0].enumeration_id, 2);
  EXPECT_EQ(d.scopes[0].start_bus, 0xf0);
  EXPECT_THAT(d.scopes[0].path, ElementsAre(PciPathEntry{0x1f, 0}));
  EXPECT_EQ(d.scopes[0].offset, 64u);
  EXPECT_EQ(d.scopes[1].type, kHpet);
  EXPECT_THAT(d.scopes[1].path, ElementsAre(PciPathEntry{0x1e, 7}));
  EXPECT_EQ(d.scopes[1].offset, 72u);
  EXPECT_EQ(d.scopes[2].length, 10);
  EXPECT_THAT(d.scopes[2].path, ElementsAre(PciPathEntry{0x1c, 4}, PciPathEntry{0, 2}));
  EXPECT_EQ(d.scopes[2].offset, 80u);
}

TEST(DmarParseTest, Sec8_3_1_ScopeFlagsAndReservedBytesAreKept) {
  Bytes scope = ScopeBytes(kEndpoint, 0, 0, {{2, 0}}, /*flags=*/0x1f);
  scope[3] = 0xab;
  const DmarTable t = ParseAndRoundTrip(TableBytes({DrhdBytes(0, 0, 0x1000, scope)}));
  const DeviceScope& s = Body<Drhd>(t, 0).scopes.at(0);
  EXPECT_EQ(s.flags, 0x1f);
  EXPECT_EQ(s.reserved, 0xab);
}

TEST(DmarParseTest, Sec8_3_1_OddScopeLengthKeepsTheExtraByte) {
  Bytes scope = ScopeBytes(kEndpoint, 0, 0, {{2, 0}});
  scope[1] = 9;
  scope.push_back(0xee);
  const DmarTable t = ParseAndRoundTrip(TableBytes({DrhdBytes(0, 0, 0x1000, scope)}));
  const DeviceScope& s = Body<Drhd>(t, 0).scopes.at(0);
  EXPECT_THAT(s.path, ElementsAre(PciPathEntry{2, 0}));
  EXPECT_THAT(s.trailing, ElementsAre(0xee));
}

TEST(DmarParseTest, Sec8_3_1_BytesTooFewForAScopeAreStructureTrailing) {
  const Bytes b = TableBytes({DrhdBytes(0, 0, 0x1000, Bytes{3, 8, 0, 0})});
  const DmarTable t = ParseAndRoundTrip(b);
  EXPECT_THAT(Body<Drhd>(t, 0).scopes, IsEmpty());
  EXPECT_THAT(t.structures[0].trailing, ElementsAre(3, 8, 0, 0));
}

// §8.4 RMRR.
TEST(DmarParseTest, Sec8_4_RmrrFields) {
  const Bytes b = TableBytes(
      {DrhdBytes(1, 0, 0xfed91000),
       RmrrBytes(2, 0x9c000000, 0xa07fffff, ScopeBytes(kEndpoint, 0, 0, {{0x14, 0}}), 0x1234)});
  const DmarTable t = ParseAndRoundTrip(b);
  const Rmrr& r = Body<Rmrr>(t, 1);
  EXPECT_EQ(t.structures[1].type, 1);
  EXPECT_EQ(t.structures[1].length, 32);
  EXPECT_EQ(r.reserved, 0x1234);
  EXPECT_EQ(r.segment, 2);
  EXPECT_EQ(r.base, 0x9c000000u);
  EXPECT_EQ(r.limit, 0xa07fffffu);
  ASSERT_EQ(r.scopes.size(), 1u);
  EXPECT_EQ(r.scopes[0].type, kEndpoint);
  EXPECT_THAT(r.scopes[0].path, ElementsAre(PciPathEntry{0x14, 0}));
}

// §8.5 ATSR, with and without scopes.
TEST(DmarParseTest, Sec8_5_AtsrFields) {
  const Bytes b =
      TableBytes({DrhdBytes(1, 0, 0xfed91000), AtsrBytes(1, 0),
                  AtsrBytes(0x80, 5, ScopeBytes(kBridge, 0, 0, {{1, 0}}), /*reserved=*/7)});
  const DmarTable t = ParseAndRoundTrip(b);
  const Atsr& all = Body<Atsr>(t, 1);
  EXPECT_TRUE(all.all_ports());
  EXPECT_EQ(t.structures[1].length, 8);
  EXPECT_THAT(all.scopes, IsEmpty());
  const Atsr& listed = Body<Atsr>(t, 2);
  EXPECT_FALSE(listed.all_ports());
  EXPECT_EQ(listed.flags, 0x80);
  EXPECT_EQ(listed.reserved, 7);
  EXPECT_EQ(listed.segment, 5);
  ASSERT_EQ(listed.scopes.size(), 1u);
  EXPECT_EQ(listed.scopes[0].type, kBridge);
}

// §8.6 RHSA.
TEST(DmarParseTest, Sec8_6_RhsaFields) {
  const Bytes b =
      TableBytes({DrhdBytes(1, 0, 0xfbffc000), RhsaBytes(0xfbffc000, 0x12345678, /*reserved=*/9)});
  const DmarTable t = ParseAndRoundTrip(b);
  const Rhsa& r = Body<Rhsa>(t, 1);
  EXPECT_EQ(t.structures[1].length, 20);
  EXPECT_EQ(r.reserved, 9u);
  EXPECT_EQ(r.register_base, 0xfbffc000u);
  EXPECT_EQ(r.proximity_domain, 0x12345678u);
}

TEST(DmarParseTest, Sec8_6_RhsaLongerThan20BytesKeepsTheRest) {
  Bytes rhsa = RhsaBytes(0x1000, 0);
  rhsa.push_back(0xaa);
  PutLe16(rhsa, 2, 21);
  const DmarTable t = ParseAndRoundTrip(TableBytes({DrhdBytes(1, 0, 0x1000), rhsa}));
  EXPECT_THAT(t.structures[1].trailing, ElementsAre(0xaa));
}

// §8.7 ANDD: name up to the first NUL, raw field with padding kept.
TEST(DmarParseTest, Sec8_7_AnddNameAndPadding) {
  const Bytes b = TableBytes(
      {DrhdBytes(1, 0, 0x1000), AnddBytes(2, NameField("\\_SB.PCI0.I2C1", /*padding=*/5))});
  const DmarTable t = ParseAndRoundTrip(b);
  const Andd& a = Body<Andd>(t, 1);
  EXPECT_EQ(t.structures[1].length, 28);
  EXPECT_EQ(a.device_number, 2);
  EXPECT_EQ(a.name, "\\_SB.PCI0.I2C1");
  EXPECT_EQ(a.name_field.size(), 20u);
  EXPECT_EQ(a.reserved, (std::array<uint8_t, 3>{}));
}

TEST(DmarParseTest, Sec8_7_AnddWithoutTerminatorKeepsWholeField) {
  const Bytes b = TableBytes({DrhdBytes(1, 0, 0x1000), AnddBytes(1, Bytes{'\\', 'A', 'B'})});
  const DmarTable t = ParseAndRoundTrip(b);
  EXPECT_EQ(Body<Andd>(t, 1).name, "\\AB");
}

// §8.8 SATC and §8.9 SIDP.
TEST(DmarParseTest, Sec8_8_SatcFields) {
  const Bytes b =
      TableBytes({DrhdBytes(1, 0, 0x1000), SatcBytes(1, 4, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}))});
  const DmarTable t = ParseAndRoundTrip(b);
  const Satc& s = Body<Satc>(t, 1);
  EXPECT_EQ(t.structures[1].type, 5);
  EXPECT_EQ(s.flags, 1);
  EXPECT_EQ(s.segment, 4);
  ASSERT_EQ(s.scopes.size(), 1u);
  EXPECT_THAT(s.scopes[0].path, ElementsAre(PciPathEntry{2, 0}));
}

TEST(DmarParseTest, Sec8_9_SidpFields) {
  const Bytes b = TableBytes(
      {DrhdBytes(1, 0, 0x1000),
       SidpBytes(6, ScopeBytes(kEndpoint, 0, 0, {{0xb, 0}}, /*flags=*/0x1c), /*reserved=*/3)});
  const DmarTable t = ParseAndRoundTrip(b);
  const Sidp& s = Body<Sidp>(t, 1);
  EXPECT_EQ(t.structures[1].type, 6);
  EXPECT_EQ(s.reserved, 3);
  EXPECT_EQ(s.segment, 6);
  ASSERT_EQ(s.scopes.size(), 1u);
  EXPECT_EQ(s.scopes[0].flags, 0x1c);
}

// §8.2: a reserved type is kept whole and skipped by its Length; what follows still decodes.
TEST(DmarParseTest, Sec8_2_UnknownTypeKeptAndSkipped) {
  const Bytes unknown = StructureBytes(0x7f, Bytes{1, 2, 3, 4, 5});
  const Bytes b = TableBytes({DrhdBytes(1, 0, 0x1000), unknown,
                              RmrrBytes(0, 0x1000, 0x1fff, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}))});
  const DmarTable t = ParseAndRoundTrip(b);
  ASSERT_EQ(t.structures.size(), 3u);
  EXPECT_EQ(t.structures[1].type, 0x7f);
  EXPECT_THAT(Body<UnknownStructure>(t, 1).body, ElementsAre(1, 2, 3, 4, 5));
  EXPECT_EQ(Body<Rmrr>(t, 2).base, 0x1000u);
}

TEST(DmarParseTest, Sec8_2_FewerThanFourTrailingBytesAreKept) {
  Bytes b = TableBytes({DrhdBytes(1, 0, 0x1000)});
  b.insert(b.end(), {0, 0, 0});
  FixLengthAndChecksum(b);
  const DmarTable t = ParseAndRoundTrip(b);
  EXPECT_EQ(t.structures.size(), 1u);
  EXPECT_THAT(t.trailing, ElementsAre(0, 0, 0));
}

TEST(DmarParseTest, Sec8_1_BytesAfterLengthAreIgnoredAndCounted) {
  Bytes b = TableBytes({DrhdBytes(1, 0, 0x1000)});
  const size_t length = b.size();
  b.insert(b.end(), {0xde, 0xad, 0xbe, 0xef, 0x01});
  const DmarTable t = ParseAndRoundTrip(b);
  EXPECT_EQ(t.header.length, length);
  EXPECT_EQ(t.bytes_after_length, 5u);
  EXPECT_TRUE(t.checksum_ok);
  EXPECT_EQ(SerializeDmar(t).size(), length);
}

// Structures need not be aligned: an odd-length scope shifts everything after it.
TEST(DmarParseTest, Sec8_2_StructuresAtOddOffsets) {
  Bytes scope = ScopeBytes(kIoapic, 2, 0, {{0x1f, 0}});
  scope[1] = 9;
  scope.push_back(0);
  const Bytes b = TableBytes(
      {DrhdBytes(1, 0, 0x1000, scope), RhsaBytes(0x1000, 1), AnddBytes(1, NameField("\\X"))});
  const DmarTable t = ParseAndRoundTrip(b);
  ASSERT_EQ(t.structures.size(), 3u);
  EXPECT_EQ(t.structures[1].offset, 48u + 16 + 9);
  EXPECT_EQ(Body<Rhsa>(t, 1).proximity_domain, 1u);
  EXPECT_EQ(Body<Andd>(t, 2).name, "\\X");
}

// Parse errors (§8.1, §8.2, §8.3.1): status code and the offset in the message.
TEST(DmarParseErrorTest, Sec8_1_BufferShorterThanAcpiHeader) {
  const Bytes b = TableBytes({});
  EXPECT_THAT(ParseDmar(absl::MakeSpan(b).subspan(0, 20)),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("offset 0x0: 20 bytes")));
  EXPECT_THAT(ParseDmar({}), StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("offset 0x0")));
}

TEST(DmarParseErrorTest, Sec8_1_BufferShorterThanDmarHeader) {
  // 40 bytes whose Length says 48: the header itself is cut.
  Bytes b = TableBytes({});
  b.resize(40);
  EXPECT_THAT(ParseDmar(b), StatusIs(absl::StatusCode::kOutOfRange,
                                     HasSubstr("offset 0x4: table Length 48 exceeds the 40")));
}

TEST(DmarParseErrorTest, Sec8_1_WrongSignature) {
  Bytes b = TableBytes({});
  b[3] = 'X';
  EXPECT_THAT(ParseDmar(b),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("offset 0x0: signature")));
}

TEST(DmarParseErrorTest, Sec8_1_LengthBelowHeader) {
  Bytes b = TableBytes({});
  PutLe32(b, 4, 47);
  EXPECT_THAT(ParseDmar(b), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("offset 0x4: table Length 47")));
}

TEST(DmarParseErrorTest, Sec8_1_LengthBeyondBuffer) {
  Bytes b = TableBytes({DrhdBytes(1, 0, 0x1000)});
  PutLe32(b, 4, static_cast<uint32_t>(b.size() + 1));
  EXPECT_THAT(ParseDmar(b), StatusIs(absl::StatusCode::kOutOfRange,
                                     HasSubstr("offset 0x4: table Length 65 exceeds")));
}

TEST(DmarParseErrorTest, Sec8_2_ZeroLengthStructure) {
  Bytes b = TableBytes({DrhdBytes(1, 0, 0x1000), DrhdBytes(1, 0, 0x2000)});
  PutLe16(b, 64 + 2, 0);
  FixChecksumOver(b, b.size());
  EXPECT_THAT(ParseDmar(b), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr("offset 0x40: DRHD (type 0) Length 0")));
}

TEST(DmarParseErrorTest, Sec8_2_StructureShorterThanItsFixedPart) {
  struct Case {
    Bytes structure;
    uint16_t short_length;
    const char* name;
  };
  const Case cases[] = {
      {DrhdBytes(1, 0, 0x1000), 15, "DRHD Length 15 is below its 16"},
      {RmrrBytes(0, 0, 0xfff, {}), 23, "RMRR Length 23 is below its 24"},
      {AtsrBytes(1, 0), 7, "ATSR Length 7 is below its 8"},
      {RhsaBytes(0x1000, 0), 19, "RHSA Length 19 is below its 20"},
      {AnddBytes(1, NameField("\\A")), 7, "ANDD Length 7 is below its 8"},
      {SatcBytes(0, 0, {}), 7, "SATC Length 7 is below its 8"},
      {SidpBytes(0, {}), 7, "SIDP Length 7 is below its 8"},
  };
  for (const Case& c : cases) {
    Bytes b = TableBytes({c.structure});
    PutLe16(b, 48 + 2, c.short_length);
    EXPECT_THAT(ParseDmar(b), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr(std::string("offset 0x30: ") + c.name)));
  }
}

TEST(DmarParseErrorTest, Sec8_2_StructureOverrunsTableLength) {
  Bytes b = TableBytes({DrhdBytes(1, 0, 0x1000), RhsaBytes(0x1000, 0)});
  PutLe16(b, 64 + 2, 21);
  FixChecksumOver(b, b.size());
  EXPECT_THAT(ParseDmar(b),
              StatusIs(absl::StatusCode::kOutOfRange,
                       HasSubstr("offset 0x40: RHSA Length 21 runs past the table Length 84")));
}

TEST(DmarParseErrorTest, Sec8_2_UnknownStructureOverrunsTableLength) {
  Bytes b = TableBytes({StructureBytes(9, Bytes{1, 2})});
  PutLe16(b, 48 + 2, 7);
  EXPECT_THAT(ParseDmar(b), StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("offset 0x30")));
}

TEST(DmarParseErrorTest, Sec8_3_1_ScopeLengthBelowSix) {
  for (uint8_t length : {0, 1, 5}) {
    Bytes b = TableBytes({DrhdBytes(1, 0, 0x1000, ScopeBytes(kIoapic, 0, 0, {{1, 0}}))});
    b[64 + 1] = length;
    EXPECT_THAT(
        ParseDmar(b),
        StatusIs(absl::StatusCode::kInvalidArgument,
                 HasSubstr(absl::StrFormat("offset 0x40: device scope Length %d", length))));
  }
}

TEST(DmarParseErrorTest, Sec8_3_1_ScopeOverrunsItsStructure) {
  // The RMRR's only scope claims 16 bytes; 8 remain in the RMRR (and 8 more in the table).
  const Bytes rmrr = RmrrBytes(0, 0x1000, 0x1fff, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}));
  Bytes b = TableBytes({DrhdBytes(1, 0, 0x1000), rmrr, RhsaBytes(0x1000, 0)});
  b[64 + 24 + 1] = 16;
  EXPECT_THAT(ParseDmar(b), StatusIs(absl::StatusCode::kOutOfRange,
                                     HasSubstr("offset 0x58: device scope Length 16 runs past "
                                               "the end of the RMRR at 0x40")));
}

// Serializer helpers: a table built in code gets consistent lengths, offsets and checksum.
TEST(DmarSerializeTest, RecomputeLengthsAndChecksumBuildAValidTable) {
  DmarTable t;
  t.header.signature = {'D', 'M', 'A', 'R'};
  t.header.revision = 1;
  t.header.host_address_width = 38;
  t.header.flags = kDmarFlagIntrRemap;
  Drhd drhd;
  drhd.flags = 1;
  drhd.register_base = 0xfed91000;
  drhd.scopes.push_back(
      {.type = kIoapic, .enumeration_id = 2, .path = {{0x1f, 0}}, .trailing = {}});
  Rmrr rmrr;
  rmrr.base = 0x1000;
  rmrr.limit = 0x1fff;
  rmrr.scopes.push_back({.type = kEndpoint, .path = {{0x1c, 4}, {0, 2}}, .trailing = {}});
  Andd andd;
  andd.device_number = 1;
  andd.name = "\\_SB.I2C0";
  t.structures.push_back({.body = drhd, .trailing = {}});
  t.structures.push_back({.body = rmrr, .trailing = {}});
  t.structures.push_back({.body = andd, .trailing = {}});
  t.structures.push_back({.type = 0x42, .body = UnknownStructure{{9, 9}}, .trailing = {}});
  RecomputeLengths(t);
  RecomputeChecksum(t);

  EXPECT_EQ(t.structures[0].length, 24);
  EXPECT_EQ(t.structures[1].type, 1);
  EXPECT_EQ(t.structures[1].offset, 72u);
  EXPECT_EQ(t.structures[1].length, 34);
  EXPECT_EQ(std::get<Rmrr>(t.structures[1].body).scopes[0].length, 10);
  EXPECT_EQ(std::get<Rmrr>(t.structures[1].body).scopes[0].offset, 96u);
  EXPECT_EQ(t.structures[2].length, 8 + 10);
  EXPECT_EQ(t.structures[3].length, 6);
  EXPECT_EQ(t.header.length, 48u + 24 + 34 + 18 + 6);

  const Bytes bytes = SerializeDmar(t);
  ASSERT_EQ(bytes.size(), t.header.length);
  VTD_ASSERT_OK_AND_ASSIGN(const DmarTable parsed, ParseDmar(bytes));
  EXPECT_TRUE(parsed.checksum_ok);
  EXPECT_EQ(std::get<Andd>(parsed.structures[2].body).name, "\\_SB.I2C0");
  EXPECT_EQ(SerializeDmar(parsed), bytes);
}

TEST(DmarSerializeTest, RecomputeLengthsIsIdentityOnParsedTables) {
  Bytes odd_scope = ScopeBytes(kEndpoint, 0, 0, {{2, 0}});
  odd_scope[1] = 9;
  odd_scope.push_back(0x77);
  Bytes b =
      TableBytes({DrhdBytes(1, 0, 0x1000, odd_scope), AnddBytes(1, NameField("\\_SB.PCI0.I2C0", 5)),
                  StructureBytes(0x7f, Bytes{1, 2, 3})});
  b.insert(b.end(), {0, 0});
  FixLengthAndChecksum(b);
  DmarTable t = ParseAndRoundTrip(b);
  RecomputeLengths(t);
  RecomputeChecksum(t);
  EXPECT_EQ(SerializeDmar(t), b);
}

TEST(DmarNamesTest, StructureAndScopeTypeNames) {
  EXPECT_EQ(StructureTypeName(0), "DRHD");
  EXPECT_EQ(StructureTypeName(6), "SIDP");
  EXPECT_EQ(StructureTypeName(7), "reserved structure");
  EXPECT_EQ(DeviceScopeTypeName(3), "IOAPIC");
  EXPECT_EQ(DeviceScopeTypeName(0), "reserved scope type");
}

}  // namespace
}  // namespace vtd::acpi
