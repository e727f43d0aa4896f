// acpidump text -> table bytes, and LoadDmarFile's binary/text detection.
#include "model/acpi/acpidump.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/acpi/dmar.h"
#include "tests/testing/status_matchers.h"

namespace vtd::acpi {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using vtd::testing::IsOk;
using vtd::testing::StatusIs;

// Renders bytes the way ACPICA's acpidump does: "    OFFS: HH HH ... HH  ascii".
std::string Dump(const std::string& sig, const std::vector<uint8_t>& bytes) {
  std::string out = sig + " @ 0x0000000078E7B000\n";
  for (size_t row = 0; row < bytes.size(); row += 16) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%8.4zX: ", row);
    out += buf;
    std::string ascii;
    for (size_t i = row; i < row + 16; ++i) {
      if (i < bytes.size()) {
        std::snprintf(buf, sizeof(buf), "%02X ", bytes[i]);
        out += buf;
        ascii += (bytes[i] >= 0x20 && bytes[i] < 0x7f) ? static_cast<char>(bytes[i]) : '.';
      } else {
        out += "   ";
      }
    }
    out += " " + ascii + "\n";
  }
  return out + "\n";
}

std::vector<uint8_t> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)),
                              std::istreambuf_iterator<char>());
}

const std::string kCorpus = std::string(VTD_SHARED_DIR) + "/corpus/dmar/";

TEST(AcpidumpTest, PicksTheDmarTableAmongSeveral) {
  std::vector<uint8_t> dmar = ReadFile(kCorpus + "asrock-h510m-hdv.bin");
  ASSERT_EQ(dmar.size(), 80u);
  std::vector<uint8_t> apic(44, 0x41);  // a row of 'A's: hex-looking ASCII column
  std::string text = Dump("APIC", apic) + Dump("DMAR", dmar) + Dump("FACP", {1, 2, 3});
  VTD_ASSERT_OK_AND_ASSIGN(std::vector<AcpidumpTable> tables, ParseAcpidump(text, "dump.txt"));
  ASSERT_EQ(tables.size(), 3u);
  EXPECT_EQ(tables[0].bytes, apic);
  EXPECT_EQ(tables[2].bytes, (std::vector<uint8_t>{1, 2, 3}));
  VTD_ASSERT_OK_AND_ASSIGN(AcpidumpTable t, ExtractDmarFromAcpidump(text, "dump.txt"));
  EXPECT_EQ(t.signature, "DMAR");
  EXPECT_EQ(t.address, 0x78E7B000u);
  EXPECT_EQ(t.line, 6);  // after APIC: header, 3 rows, blank
  EXPECT_EQ(t.bytes, dmar);
  EXPECT_THAT(ParseDmar(t.bytes), IsOk());
}

TEST(AcpidumpTest, AcceptsIaslStyleCommentColumnAndCrLf) {
  std::string text = "DMAR @ 0x0\r\n    0000: 44 4D 41 52 08 00 00 00  // DMAR....\r\n";
  VTD_ASSERT_OK_AND_ASSIGN(AcpidumpTable t, ExtractDmarFromAcpidump(text, "x"));
  EXPECT_THAT(t.bytes, ElementsAre(0x44, 0x4D, 0x41, 0x52, 8, 0, 0, 0));
}

TEST(AcpidumpTest, NoDmarNamesTheFileAndTheTablesFound) {
  std::string text = Dump("APIC", {1}) + Dump("FACP", {2});
  EXPECT_THAT(ExtractDmarFromAcpidump(text, "dump.txt"),
              StatusIs(absl::StatusCode::kNotFound,
                       HasSubstr("dump.txt: no DMAR table in the acpidump text (2 tables "
                                 "found: APIC, FACP)")));
}

TEST(AcpidumpTest, MalformedRowsNameTheLine) {
  EXPECT_THAT(ParseAcpidump("DMAR @ 0x0\n    0000: 44 4G 41\n", "d.txt"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("d.txt: line 2: malformed hex byte '4G' in row 0000")));
  EXPECT_THAT(ParseAcpidump("DMAR @ 0x0\n    0000: 44\n    0020: 00\n", "d.txt"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("line 3: row offset 0020 does not continue table DMAR")));
  EXPECT_THAT(ParseAcpidump("    0000: 44 4D\n", "d.txt"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 1: hex row outside")));
  EXPECT_THAT(ParseAcpidump("DMAR @ 0x0\n\n", "d.txt"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has no hex rows")));
  EXPECT_THAT(
      ParseAcpidump("DMAR @ 0x0\n    0000: 44\ngarbage\n", "d.txt"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("line 3: expected a hex row")));
}

TEST(AcpidumpTest, DetectsTextByContent) {
  std::vector<uint8_t> bin = ReadFile(kCorpus + "asrock-h510m-hdv.bin");
  EXPECT_FALSE(LooksLikeAcpidumpText(bin));
  std::string text = Dump("DMAR", bin);
  EXPECT_TRUE(LooksLikeAcpidumpText(std::vector<uint8_t>(text.begin(), text.end())));
}

TEST(LoadDmarFileTest, ReadsBinaryAndTextAndNamesTheFileOnError) {
  std::string dir = ::testing::TempDir();
  std::vector<uint8_t> bin = ReadFile(kCorpus + "asrock-h510m-hdv.bin");
  VTD_ASSERT_OK_AND_ASSIGN(LoadedDmar b, LoadDmarFile(kCorpus + "asrock-h510m-hdv.bin"));
  EXPECT_EQ(b.bytes, bin);
  EXPECT_FALSE(b.from_acpidump);

  std::string text_path = dir + "/acpidump_test_dump.txt";
  std::ofstream(text_path) << "Some front matter\n\n" << Dump("DMAR", bin);
  VTD_ASSERT_OK_AND_ASSIGN(LoadedDmar t, LoadDmarFile(text_path));
  EXPECT_EQ(t.bytes, bin);
  EXPECT_TRUE(t.from_acpidump);
  EXPECT_EQ(t.acpidump_line, 3);

  std::string plain = dir + "/acpidump_test_plain.txt";
  std::ofstream(plain) << "hello\n";
  EXPECT_THAT(LoadDmarFile(plain), StatusIs(absl::StatusCode::kInvalidArgument,
                                            HasSubstr("without an acpidump table header")));
  EXPECT_THAT(LoadDmarFile(dir + "/does-not-exist.bin"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("does-not-exist.bin: cannot open")));
}

}  // namespace
}  // namespace vtd::acpi
