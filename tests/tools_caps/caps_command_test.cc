// `vtdsim caps` (tools/vtdsim/caps_command.cc): CAP_REG/ECAP_REG decoding per VT-d spec
// §11.4.2/§11.4.3 as a user sees it, run as a subprocess.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;
using ::testing::Not;

struct CliResult {
  int exit_code;
  std::string out;  // stdout and stderr
};

CliResult Vtdsim(const std::string& args) {
  const std::string command = std::string(VTDSIM_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr) << command;
  CliResult run{-1, ""};
  if (pipe == nullptr) return run;
  std::array<char, 4096> buffer;
  size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) run.out.append(buffer.data(), n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

constexpr char kR630Line[] =
    "'DMAR: dmar0: reg_base_addr fbffc000 ver 1:0 cap 8d2078c106f0466 ecap f020df'";

TEST(CapsCommandTest, DecodesTheR630FieldByField) {
  CliResult r = Vtdsim("caps --cap 0x8d2078c106f0466 --ecap 0xf020df");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("CAP_REG 0x8d2078c106f0466"));
  EXPECT_THAT(r.out, HasSubstr("ECAP_REG 0xf020df"));
  EXPECT_THAT(r.out, ContainsRegex("SAGAW +12:8 +0x4 +48-bit \\(4-level\\) +modeled"));
  EXPECT_THAT(r.out, ContainsRegex("MGAW +21:16 +0x2f +48 +modeled"));
  EXPECT_THAT(r.out, ContainsRegex("NFR +47:40 +0x7 +8 +modeled"));
  EXPECT_THAT(r.out, ContainsRegex("FRO +33:24 +0x10 +0x100 +modeled"));
  EXPECT_THAT(r.out, ContainsRegex("ND +2:0 +0x6 +65536 \\(16-bit domain ids\\)"));
  EXPECT_THAT(r.out, ContainsRegex("SSLPS +37:34 +0x3 +2M, 1G"));
  EXPECT_THAT(r.out, ContainsRegex("PI +59 +0x1 +yes +modeled"));
  EXPECT_THAT(r.out, ContainsRegex("IRO +17:8 +0x20 +0x200 +modeled"));
  EXPECT_THAT(r.out, ContainsRegex("QI +1 +0x1 +yes +modeled"));
  EXPECT_THAT(r.out, ContainsRegex("IR +3 +0x1 +yes +modeled"));
  EXPECT_THAT(r.out, ContainsRegex("EIM +4 +0x1 +yes +modeled"));
  EXPECT_THAT(r.out, ContainsRegex("DT +2 +0x1 +yes +modeled"));
  EXPECT_THAT(r.out, ContainsRegex("PT +6 +0x1 +yes +modeled"));
  EXPECT_THAT(r.out, ContainsRegex("SC +7 +0x1 +yes +modeled"));
  EXPECT_THAT(r.out, ContainsRegex("SMTS +43 +0x0 +no"));
  EXPECT_THAT(r.out, HasSubstr("FRCD[0..7] at 0x100..0x17f, IVA_REG at 0x200"));
  EXPECT_THAT(r.out, HasSubstr("verdict: vtdsim can model this unit today."));
  EXPECT_THAT(r.out, Not(HasSubstr("accepted but not modeled yet")));
}

TEST(CapsCommandTest, AcceptsBareHexAsDmesgPrintsIt) {
  CliResult bare = Vtdsim("caps --cap 8d2078c106f0466 --ecap f020df");
  CliResult prefixed = Vtdsim("caps --cap=0x8d2078c106f0466 --ecap=0xF020DF");
  EXPECT_EQ(bare.exit_code, 0);
  EXPECT_EQ(bare.out, prefixed.out);
}

TEST(CapsCommandTest, ParsesADmesgLine) {
  CliResult r = Vtdsim(std::string("caps --dmesg ") + kR630Line);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("dmar0: reg_base_addr 0xfbffc000 ver 1:0"));
  EXPECT_THAT(r.out, HasSubstr("CAP_REG 0x8d2078c106f0466"));
  EXPECT_THAT(r.out, HasSubstr("verdict: vtdsim can model this unit today."));
}

TEST(CapsCommandTest, ReadsSeveralDmesgLinesFromStdin) {
  CliResult r = Vtdsim(
      "caps --dmesg - <<'EOF'\n"
      "[    0.000000] DMAR: dmar0: reg_base_addr fbffc000 ver 1:0 cap 8d2078c106f0466 ecap "
      "f020df\n"
      "[    0.000000] DMAR: dmar1: reg_base_addr c7ffc000 ver 1:0 cap 8d2078c106f0466 ecap "
      "f020df\n"
      "[    0.000000] DMAR: DRHD base: 0x000000fbffc000 flags: 0x0\n"
      "EOF");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("dmar0: reg_base_addr 0xfbffc000"));
  EXPECT_THAT(r.out, HasSubstr("dmar1: reg_base_addr 0xc7ffc000"));
}

TEST(CapsCommandTest, OneRegisterAlone) {
  CliResult r = Vtdsim("caps --cap 8d2078c106f0466");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, Not(HasSubstr("ECAP_REG")));
  EXPECT_THAT(r.out, HasSubstr("(CAP only: give --ecap for a full check)"));
}

TEST(CapsCommandTest, NamesTheFieldsThatBlockAScalableModeUnit) {
  // A server part: scalable mode with first-stage, second-stage and nested translation is
  // modeled, and so are extended-accessed flags (EAFS); memory types (MTS) are not.
  CliResult r = Vtdsim("caps --cap 99ed008c40780466 --ecap 3ee9e86f050df");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_THAT(r.out, HasSubstr("verdict: vtdsim cannot model this unit; blocking:"));
  EXPECT_THAT(r.out, Not(HasSubstr("ECAP.EAFS: not supported")));
  EXPECT_THAT(r.out, HasSubstr("ECAP.MTS: not supported by vtdsim"));
  EXPECT_THAT(r.out, Not(HasSubstr("ECAP.FSTS: not supported")));
  EXPECT_THAT(r.out, Not(HasSubstr("ECAP.NEST: not supported")));
  EXPECT_THAT(r.out, Not(HasSubstr("ECAP.SMTS: not supported")));
  EXPECT_THAT(r.out, ContainsRegex("SMTS +43 +0x1 +yes +modeled"));
  EXPECT_THAT(r.out, ContainsRegex("SSTS +46 +0x1 +yes +modeled"));
}

TEST(CapsCommandTest, Json) {
  CliResult r = Vtdsim("caps --cap 8d2078c106f0466 --ecap f020df --json");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_THAT(r.out, HasSubstr("\"modelable\": true"));
  EXPECT_THAT(r.out, HasSubstr("\"name\": \"SAGAW\""));
  EXPECT_THAT(r.out, HasSubstr("\"value\": \"48-bit (4-level)\""));
  EXPECT_THAT(r.out, HasSubstr("\"name\": \"QI\""));
}

TEST(CapsCommandTest, BadArguments) {
  EXPECT_EQ(Vtdsim("caps").exit_code, 2);
  CliResult bad = Vtdsim("caps --cap 0xzz");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.out, HasSubstr("--cap '0xzz' is not a 64-bit hex number"));
  EXPECT_EQ(Vtdsim("caps --cap 8d2078c106f0466 --bogus").exit_code, 2);
  EXPECT_EQ(Vtdsim("caps --dmesg 'no registers here'").exit_code, 2);
  CliResult help = Vtdsim("caps --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_THAT(help.out, HasSubstr("usage: vtdsim caps"));
}

}  // namespace
