// DMAR corpus (VT-d spec chapter 8) against an independent decoder: every real table in
// ../shared/corpus/dmar parses, re-serializes byte for byte, decodes to the same fields as
// ACPICA iasl's disassembly (.dsl) beside it, and gets exactly the findings listed here.
// Every deliberately broken table in malformed/ gets exactly its expected verdict.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/acpi/dmar.h"
#include "model/acpi/dmar_check.h"
#include "tests/testing/status_matchers.h"

namespace vtd::acpi {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::vtd::testing::IsOk;
using ::vtd::testing::StatusIs;

const fs::path kCorpusDir = fs::path(VTD_SHARED_DIR) / "corpus" / "dmar";

std::vector<uint8_t> ReadBytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

std::vector<std::string> ListBins(const fs::path& dir) {
  std::vector<std::string> names;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    if (e.path().extension() == ".bin") names.push_back(e.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

// ---------------------------------------------------------------------------------------
// A reader for iasl's DMAR disassembly. Lines look like
//   [030h 0048 002h]               Subtable Type : 0000 [Hardware Unit Definition]
// Fields after "Subtable Type" belong to that structure until a "Device Scope Type" opens a
// scope; "PCI Path" lines add hops to the current scope. Only the first token of a value is
// kept ("0000"), except for quoted strings, which are kept without their quotes.

struct DslScope {
  size_t offset = 0;
  std::map<std::string, std::string> fields;
  std::vector<PciPathEntry> path;
};

struct DslStructure {
  size_t offset = 0;
  std::map<std::string, std::string> fields;
  std::vector<DslScope> scopes;
};

struct DslTable {
  std::map<std::string, std::string> header;
  std::vector<DslStructure> structures;
};

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(' ');
  const size_t e = s.find_last_not_of(' ');
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

DslTable ReadDsl(const fs::path& path) {
  DslTable table;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Raw Table Data", 0) == 0) break;
    if (line.empty() || line[0] != '[') continue;
    const size_t close = line.find(']');
    const size_t colon = line.find(" : ", close);
    if (close == std::string::npos || colon == std::string::npos) continue;
    const size_t offset = std::strtoul(line.c_str() + 1, nullptr, 16);
    const std::string name = Trim(line.substr(close + 1, colon - close - 1));
    std::string value = Trim(line.substr(colon + 3));
    if (!value.empty() && value[0] == '"') {
      value = value.substr(1, value.find('"', 1) - 1);
    } else {
      value = value.substr(0, value.find(' '));
    }
    if (name == "Subtable Type") {
      table.structures.push_back({offset, {}, {}});
    } else if (name == "Device Scope Type") {
      table.structures.back().scopes.push_back({offset, {}, {}});
    }
    if (table.structures.empty()) {
      table.header[name] = value;
    } else if (name == "PCI Path") {
      const unsigned long dev = std::strtoul(value.c_str(), nullptr, 16);
      const unsigned long fn = std::strtoul(value.c_str() + value.find(',') + 1, nullptr, 16);
      table.structures.back().scopes.back().path.push_back(
          {static_cast<uint8_t>(dev), static_cast<uint8_t>(fn)});
    } else if (!table.structures.back().scopes.empty()) {
      table.structures.back().scopes.back().fields[name] = value;
    } else {
      table.structures.back().fields[name] = value;
    }
  }
  return table;
}

// The hex value of a field the disassembly must have.
uint64_t Hex(const std::map<std::string, std::string>& fields, const std::string& name) {
  const auto it = fields.find(name);
  EXPECT_NE(it, fields.end()) << "the .dsl has no field \"" << name << "\"";
  return it == fields.end() ? ~uint64_t{0} : std::strtoull(it->second.c_str(), nullptr, 16);
}

void ExpectScopesMatch(const std::vector<DeviceScope>& scopes, const DslStructure& dsl) {
  ASSERT_EQ(scopes.size(), dsl.scopes.size());
  for (size_t i = 0; i < scopes.size(); ++i) {
    SCOPED_TRACE(::testing::Message() << "scope at 0x" << std::hex << scopes[i].offset);
    const DeviceScope& s = scopes[i];
    const DslScope& d = dsl.scopes[i];
    EXPECT_EQ(s.offset, d.offset);
    EXPECT_EQ(s.type, Hex(d.fields, "Device Scope Type"));
    EXPECT_EQ(s.length, Hex(d.fields, "Entry Length"));
    EXPECT_EQ(s.flags, Hex(d.fields, "Flags"));
    EXPECT_EQ(s.reserved, Hex(d.fields, "Reserved"));
    EXPECT_EQ(s.enumeration_id, Hex(d.fields, "Enumeration ID"));
    EXPECT_EQ(s.start_bus, Hex(d.fields, "PCI Bus Number"));
    EXPECT_EQ(s.path, d.path);
  }
}

void ExpectMatchesDsl(const DmarTable& t, const DslTable& dsl) {
  const DmarHeader& h = t.header;
  EXPECT_EQ(h.length, Hex(dsl.header, "Table Length"));
  EXPECT_EQ(h.revision, Hex(dsl.header, "Revision"));
  EXPECT_EQ(h.checksum, Hex(dsl.header, "Checksum"));
  EXPECT_EQ(h.oem_revision, Hex(dsl.header, "Oem Revision"));
  EXPECT_EQ(h.creator_revision, Hex(dsl.header, "Asl Compiler Revision"));
  EXPECT_EQ(h.host_address_width, Hex(dsl.header, "Host Address Width"));
  EXPECT_EQ(h.flags, Hex(dsl.header, "Flags"));
  ASSERT_EQ(t.structures.size(), dsl.structures.size());
  for (size_t i = 0; i < t.structures.size(); ++i) {
    const DmarStructure& s = t.structures[i];
    const DslStructure& d = dsl.structures[i];
    SCOPED_TRACE(::testing::Message()
                 << StructureTypeName(s.type) << " at 0x" << std::hex << s.offset);
    EXPECT_EQ(s.offset, d.offset);
    EXPECT_EQ(s.type, Hex(d.fields, "Subtable Type"));
    EXPECT_EQ(s.length, Hex(d.fields, "Length"));
    if (const auto* drhd = std::get_if<Drhd>(&s.body)) {  // §8.3
      EXPECT_EQ(drhd->flags, Hex(d.fields, "Flags"));
      EXPECT_EQ(drhd->size, Hex(d.fields, "Size (decoded below)"));
      EXPECT_EQ(drhd->segment, Hex(d.fields, "PCI Segment Number"));
      EXPECT_EQ(drhd->register_base, Hex(d.fields, "Register Base Address"));
      ExpectScopesMatch(drhd->scopes, d);
    } else if (const auto* rmrr = std::get_if<Rmrr>(&s.body)) {  // §8.4
      EXPECT_EQ(rmrr->reserved, Hex(d.fields, "Reserved"));
      EXPECT_EQ(rmrr->segment, Hex(d.fields, "PCI Segment Number"));
      EXPECT_EQ(rmrr->base, Hex(d.fields, "Base Address"));
      EXPECT_EQ(rmrr->limit, Hex(d.fields, "End Address (limit)"));
      ExpectScopesMatch(rmrr->scopes, d);
    } else if (const auto* atsr = std::get_if<Atsr>(&s.body)) {  // §8.5
      EXPECT_EQ(atsr->flags, Hex(d.fields, "Flags"));
      EXPECT_EQ(atsr->reserved, Hex(d.fields, "Reserved"));
      EXPECT_EQ(atsr->segment, Hex(d.fields, "PCI Segment Number"));
      ExpectScopesMatch(atsr->scopes, d);
    } else if (const auto* rhsa = std::get_if<Rhsa>(&s.body)) {  // §8.6
      EXPECT_EQ(rhsa->reserved, Hex(d.fields, "Reserved"));
      EXPECT_EQ(rhsa->register_base, Hex(d.fields, "Base Address"));
      EXPECT_EQ(rhsa->proximity_domain, Hex(d.fields, "Proximity Domain"));
    } else if (const auto* andd = std::get_if<Andd>(&s.body)) {  // §8.7
      EXPECT_EQ(andd->device_number, Hex(d.fields, "Device Number"));
      EXPECT_EQ(andd->name, d.fields.at("Device Name"));
    } else if (const auto* satc = std::get_if<Satc>(&s.body)) {  // §8.8
      EXPECT_EQ(satc->flags, Hex(d.fields, "Flags"));
      EXPECT_EQ(satc->segment, Hex(d.fields, "PCI Segment Number"));
      ExpectScopesMatch(satc->scopes, d);
    } else if (const auto* sidp = std::get_if<Sidp>(&s.body)) {  // §8.9
      EXPECT_EQ(sidp->reserved, Hex(d.fields, "Reserved"));
      EXPECT_EQ(sidp->segment, Hex(d.fields, "PCI Segment Number"));
      ExpectScopesMatch(sidp->scopes, d);
    } else {
      ADD_FAILURE() << "real tables have no reserved structure types";
    }
  }
}

// ---------------------------------------------------------------------------------------
// Expected findings as (id, severity, offset), compared exactly.
using FindingKey = std::tuple<std::string, Severity, size_t>;

std::vector<FindingKey> Keys(const std::vector<Finding>& findings) {
  std::vector<FindingKey> keys;
  for (const Finding& f : findings) keys.emplace_back(f.id, f.severity, f.offset);
  return keys;
}

// Findings on real firmware. Every table not listed here must be clean.
const std::map<std::string, std::vector<FindingKey>>& RealTableFindings() {
  static const auto* findings = new std::map<std::string, std::vector<FindingKey>>{
      // No DRHD names 00:14.0, and both RHSAs name register bases no DRHD has: Linux taints
      // and drops the NUMA hint; routing is unaffected, so these are warnings.
      {"google-ecclesia-testdata",
       {{"rmrr-device-not-under-drhd", Severity::kWarning, 0xe8},
        {"rhsa-no-drhd", Severity::kWarning, 0x138},
        {"rhsa-no-drhd", Severity::kWarning, 0x14c}}},
      // Flags 0x02: X2APIC_OPT_OUT without INTR_REMAP (§8.1).
      {"hp-proliant-dl360-g7", {{"x2apic-opt-out-without-intr-remap", Severity::kWarning, 0x25}}},
      // Firmware bugs: the INCLUDE_PCI_ALL DRHD at Register Base 0, which Linux rejects.
      {"lenovo-ideapad-flex-15", {{"drhd-base-zero", Severity::kError, 0x30}}},
      {"lenovo-thinkpad-e15-gen-2", {{"drhd-base-zero", Severity::kError, 0x60}}},
      // iasl templates use Register Base 0 as a placeholder.
      {"template", {{"drhd-base-zero", Severity::kError, 0x30}}},
      {"template-iasl20200925", {{"drhd-base-zero", Severity::kError, 0x30}}},
  };
  return *findings;
}

TEST(DmarCorpusTest, CorpusIsPresent) {
  // CI always has ../shared; a missing corpus must fail, not silently test nothing.
  ASSERT_TRUE(fs::is_directory(kCorpusDir)) << kCorpusDir << " is missing";
  EXPECT_EQ(ListBins(kCorpusDir).size(), 100u) << "98 real tables and 2 templates";
  EXPECT_EQ(ListBins(kCorpusDir / "malformed").size(), 23u);
}

// SOURCES.md's structure totals over the 98 real tables, counted by our parser.
TEST(DmarCorpusTest, StructureTotalsMatchSources) {
  std::map<uint16_t, int> counts;
  int tables = 0;
  for (const std::string& name : ListBins(kCorpusDir)) {
    if (name.rfind("template", 0) == 0) continue;
    const absl::StatusOr<DmarTable> t = ParseDmar(ReadBytes(kCorpusDir / (name + ".bin")));
    ASSERT_THAT(t, IsOk()) << name;
    ++tables;
    for (const DmarStructure& s : t->structures) ++counts[s.type];
  }
  EXPECT_EQ(tables, 98);
  EXPECT_EQ(counts, (std::map<uint16_t, int>{
                        {0, 201}, {1, 134}, {2, 17}, {3, 11}, {4, 32}, {5, 8}, {6, 8}}));
}

class DmarCorpusTableTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DmarCorpusTableTest, ParsesRoundTripsAndMatchesIasl) {
  const std::vector<uint8_t> bytes = ReadBytes(kCorpusDir / (GetParam() + ".bin"));
  ASSERT_GE(bytes.size(), kDmarHeaderSize);
  const absl::StatusOr<DmarTable> t = ParseDmar(bytes);
  ASSERT_THAT(t, IsOk());
  EXPECT_EQ(t->header.length, bytes.size());
  EXPECT_TRUE(t->checksum_ok);
  EXPECT_THAT(t->trailing, IsEmpty());
  EXPECT_EQ(SerializeDmar(*t), bytes);

  // RecomputeLengths derives every Length from the contents: real tables are consistent.
  DmarTable recomputed = *t;
  RecomputeLengths(recomputed);
  EXPECT_EQ(SerializeDmar(recomputed), bytes);

  const fs::path dsl = kCorpusDir / (GetParam() + ".dsl");
  ASSERT_TRUE(fs::exists(dsl)) << dsl;
  ExpectMatchesDsl(*t, ReadDsl(dsl));
}

TEST_P(DmarCorpusTableTest, HasExactlyTheKnownFindings) {
  const std::vector<uint8_t> bytes = ReadBytes(kCorpusDir / (GetParam() + ".bin"));
  const auto& known = RealTableFindings();
  const auto it = known.find(GetParam());
  const std::vector<FindingKey> expected =
      it == known.end() ? std::vector<FindingKey>{} : it->second;
  const std::vector<Finding> findings = CheckDmarBytes(bytes);
  std::string messages;
  for (const Finding& f : findings) messages += "\n  " + f.id + ": " + f.message;
  EXPECT_EQ(Keys(findings), expected) << messages;
}

INSTANTIATE_TEST_SUITE_P(Corpus, DmarCorpusTableTest, ::testing::ValuesIn(ListBins(kCorpusDir)),
                         TestName);

// ---------------------------------------------------------------------------------------
// malformed/: one case per file with its verdict from SOURCES.md.

struct MalformedCase {
  std::string name;
  // Parse outcome: OK, or the code and the "offset 0x..: " prefix the message must start with.
  absl::StatusCode parse_code;
  std::string parse_offset;  // e.g. "offset 0x48: "; empty when the parse succeeds
  std::vector<FindingKey> findings;
};

const std::vector<MalformedCase>& MalformedCases() {
  using C = absl::StatusCode;
  constexpr Severity kE = Severity::kError;
  constexpr Severity kW = Severity::kWarning;
  static const auto* cases = new std::vector<MalformedCase>{
      {"andd-name-unterminated", C::kOk, "", {{"andd-name-unterminated", kE, 0xd4}}},
      {"bad-checksum", C::kOk, "", {{"bad-checksum", kE, 0x9}}},
      {"bad-signature", C::kInvalidArgument, "offset 0x0: ", {{"bad-signature", kE, 0x0}}},
      {"bytes-after-length", C::kOk, "", {{"bytes-after-length", kW, 0xa0}}},
      {"device-scope-length-below-minimum",
       C::kInvalidArgument,
       "offset 0x40: ",
       {{"scope-length-below-minimum", kE, 0x40}}},
      {"device-scope-odd-length", C::kOk, "", {{"scope-odd-length", kE, 0x40}}},
      {"device-scope-overruns-structure",
       C::kOutOfRange,
       "offset 0x98: ",
       {{"scope-overruns-structure", kE, 0x98}}},
      {"device-scope-zero-length",
       C::kInvalidArgument,
       "offset 0x78: ",
       {{"scope-length-below-minimum", kE, 0x78}}},
      {"drhd-length-below-minimum",
       C::kInvalidArgument,
       "offset 0x48: ",
       {{"structure-length-below-minimum", kE, 0x48}}},
      {"include-pci-all-not-last", C::kOk, "", {{"include-pci-all-not-last", kE, 0x30}}},
      {"length-below-dmar-minimum",
       C::kInvalidArgument,
       "offset 0x4: ",
       {{"length-below-minimum", kE, 0x4}}},
      {"length-cuts-structure",
       C::kOutOfRange,
       "offset 0x80: ",
       {{"structure-overruns-table", kE, 0x80}}},
      {"length-exceeds-file", C::kOutOfRange, "offset 0x4: ", {{"length-exceeds-buffer", kE, 0x4}}},
      {"no-remapping-structures", C::kOk, "", {{"no-drhd", kE, 0x30}}},
      {"reserved-bits-set",
       C::kOk,
       "",
       {{"header-flags-reserved", kW, 0x25}, {"header-reserved-nonzero", kW, 0x26}}},
      {"rmrr-base-above-limit", C::kOk, "", {{"rmrr-limit-below-base", kE, 0x80}}},
      {"rmrr-unaligned", C::kOk, "", {{"rmrr-unaligned", kW, 0x80}}},
      {"structure-overruns-table",
       C::kOutOfRange,
       "offset 0x148: ",
       {{"structure-overruns-table", kE, 0x148}}},
      {"trailing-partial-structure", C::kOk, "", {{"trailing-partial-structure", kW, 0xa0}}},
      {"truncated-acpi-header", C::kOutOfRange, "offset 0x0: ", {{"truncated-header", kE, 0x0}}},
      {"truncated-mid-structure",
       C::kOutOfRange,
       "offset 0x4: ",
       {{"length-exceeds-buffer", kE, 0x4}}},
      {"unknown-structure-type", C::kOk, "", {{"unknown-structure-type", kW, 0x80}}},
      {"zero-length-structure",
       C::kInvalidArgument,
       "offset 0x48: ",
       {{"structure-length-below-minimum", kE, 0x48}}},
  };
  return *cases;
}

TEST(DmarMalformedTest, EveryFileHasACase) {
  std::vector<std::string> names;
  for (const MalformedCase& c : MalformedCases()) names.push_back(c.name);
  EXPECT_EQ(names, ListBins(kCorpusDir / "malformed"));
}

class DmarMalformedCaseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DmarMalformedCaseTest, GivesItsVerdict) {
  const auto& cases = MalformedCases();
  const auto c = std::find_if(cases.begin(), cases.end(),
                              [](const MalformedCase& m) { return m.name == GetParam(); });
  ASSERT_NE(c, cases.end()) << "no expected verdict for " << GetParam();
  const std::vector<uint8_t> bytes = ReadBytes(kCorpusDir / "malformed" / (GetParam() + ".bin"));
  const absl::StatusOr<DmarTable> t = ParseDmar(bytes);
  if (c->parse_code == absl::StatusCode::kOk) {
    ASSERT_THAT(t, IsOk());
    EXPECT_EQ(SerializeDmar(*t),
              std::vector<uint8_t>(bytes.begin(), bytes.begin() + t->header.length));
  } else {
    EXPECT_THAT(t, StatusIs(c->parse_code, ::testing::StartsWith(c->parse_offset)));
  }
  const std::vector<Finding> findings = CheckDmarBytes(bytes);
  std::string messages;
  for (const Finding& f : findings) messages += "\n  " + f.id + ": " + f.message;
  EXPECT_EQ(Keys(findings), c->findings) << messages;
}

INSTANTIATE_TEST_SUITE_P(Malformed, DmarMalformedCaseTest,
                         ::testing::ValuesIn(ListBins(kCorpusDir / "malformed")), TestName);

// What the verdicts in SOURCES.md say beyond the finding itself.
DmarTable ParseFile(const fs::path& path) {
  absl::StatusOr<DmarTable> t = ParseDmar(ReadBytes(path));
  EXPECT_THAT(t, IsOk()) << path;
  return t.ok() ? *std::move(t) : DmarTable{};
}

TEST(DmarMalformedTest, Sec8_2_UnknownTypeIsSkippedAndTheRmrrAfterItDecodes) {
  const DmarTable base = ParseFile(kCorpusDir / "lenovo-thinkpad-x1-yoga-gen-8.bin");
  const DmarTable t = ParseFile(kCorpusDir / "malformed" / "unknown-structure-type.bin");
  ASSERT_EQ(t.structures.size(), base.structures.size() + 1);
  EXPECT_EQ(t.structures[3].type, 0x7f);
  EXPECT_EQ(t.structures[3].length, 16);
  ASSERT_EQ(t.structures[4].offset, 0x90u);
  const Rmrr& rmrr = std::get<Rmrr>(t.structures[4].body);
  const Rmrr& base_rmrr = std::get<Rmrr>(base.structures[3].body);
  EXPECT_EQ(rmrr.base, base_rmrr.base);
  EXPECT_EQ(rmrr.limit, base_rmrr.limit);
  EXPECT_EQ(rmrr.scopes.size(), base_rmrr.scopes.size());
}

TEST(DmarMalformedTest, Sec8_1_BadChecksumDecodesLikeItsBase) {
  DmarTable base = ParseFile(kCorpusDir / "lenovo-thinkpad-x1-yoga-gen-8.bin");
  DmarTable t = ParseFile(kCorpusDir / "malformed" / "bad-checksum.bin");
  EXPECT_FALSE(t.checksum_ok);
  t.header.checksum = base.header.checksum;
  EXPECT_EQ(SerializeDmar(t), SerializeDmar(base));
}

TEST(DmarMalformedTest, Sec8_1_ReservedBitsDoNotHideDefinedFlags) {
  const DmarTable t = ParseFile(kCorpusDir / "malformed" / "reserved-bits-set.bin");
  EXPECT_TRUE(t.header.flags & kDmarFlagIntrRemap);
  EXPECT_TRUE(t.header.flags & kDmarFlagDmaCtrlPlatformOptIn);
  EXPECT_EQ(t.structures.size(), 4u);
}

TEST(DmarMalformedTest, Sec8_3_1_OddScopeLeavesLaterStructuresIntact) {
  const DmarTable base = ParseFile(kCorpusDir / "lenovo-thinkpad-x1-yoga-gen-8.bin");
  const DmarTable t = ParseFile(kCorpusDir / "malformed" / "device-scope-odd-length.bin");
  ASSERT_EQ(t.structures.size(), base.structures.size());
  for (size_t i = 1; i < t.structures.size(); ++i) {
    EXPECT_EQ(t.structures[i].offset, base.structures[i].offset + 1);
    EXPECT_EQ(t.structures[i].type, base.structures[i].type);
    EXPECT_EQ(t.structures[i].length, base.structures[i].length);
  }
  EXPECT_THAT(std::get<Drhd>(t.structures[0].body).scopes[0].trailing,
              ::testing::ElementsAre(0xee));
}

TEST(DmarMalformedTest, Sec8_1_BytesAfterLengthAreCountedNotParsed) {
  const DmarTable t = ParseFile(kCorpusDir / "malformed" / "bytes-after-length.bin");
  EXPECT_EQ(t.header.length, 160u);
  EXPECT_EQ(t.bytes_after_length, 16u);
  EXPECT_EQ(t.structures.size(), 4u);
}

TEST(DmarMalformedTest, Sec8_1_TruncatedTableNamesTheCutStructure) {
  const std::vector<Finding> findings =
      CheckDmarBytes(ReadBytes(kCorpusDir / "malformed" / "truncated-mid-structure.bin"));
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_THAT(findings[0].message, HasSubstr("structure at 0xe0"));
}

// "Decodes as much as is sound": a structure that overruns the table (S §8.2) leaves the
// header and every structure before it in the sound part, each ending before the bad one's
// offset; a bad header (S §8.1) leaves nothing.
TEST(DmarMalformedTest, Sec8_2_SoundPartStopsBeforeTheBadStructure) {
  std::optional<DmarTable> sound;
  const absl::StatusOr<DmarTable> t =
      ParseDmar(ReadBytes(kCorpusDir / "malformed" / "structure-overruns-table.bin"), &sound);
  ASSERT_FALSE(t.ok());
  EXPECT_THAT(std::string(t.status().message()), HasSubstr("offset 0x148"));
  ASSERT_TRUE(sound.has_value());
  EXPECT_EQ(std::string(sound->header.signature.begin(), sound->header.signature.end()), "DMAR");
  ASSERT_FALSE(sound->structures.empty());
  for (const DmarStructure& s : sound->structures) EXPECT_LE(s.offset + s.length, 0x148u);
  EXPECT_EQ(sound->structures.back().offset + sound->structures.back().length, 0x148u);

  std::optional<DmarTable> none;
  EXPECT_FALSE(
      ParseDmar(ReadBytes(kCorpusDir / "malformed" / "truncated-acpi-header.bin"), &none).ok());
  EXPECT_FALSE(none.has_value());
  // A sound table: the parse succeeds and the sound part is left alone.
  std::optional<DmarTable> untouched;
  EXPECT_TRUE(ParseDmar(ReadBytes(kCorpusDir / "malformed" / "bad-checksum.bin"), &untouched).ok());
  EXPECT_FALSE(untouched.has_value());
}

}  // namespace
}  // namespace vtd::acpi
