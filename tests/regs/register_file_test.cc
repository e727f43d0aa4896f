// The register map and MMIO register file (VT-d spec §11.2–§11.4).
#include "model/regs/register_file.h"

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/regs/register_map.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::vtd::testing::StatusIs;

std::unique_ptr<RegisterFile> MakeFile(uint64_t cap = kR630Cap, uint64_t ecap = kR630Ecap,
                                       uint32_t version = kR630Version) {
  auto file = RegisterFile::Create(RegisterFileConfig{version, cap, ecap});
  EXPECT_TRUE(file.ok()) << file.status();
  return std::move(file).value();
}

uint64_t ReadReg(RegisterFile& f, RegId id, int index = 0) {
  const uint32_t off = f.OffsetOf(id, index);
  return SpecOf(id).width == 64 ? f.Read64(off) : f.Read32(off);
}

void WriteReg(RegisterFile& f, RegId id, uint64_t value, int index = 0) {
  const uint32_t off = f.OffsetOf(id, index);
  if (SpecOf(id).width == 64) {
    f.Write64(off, value);
  } else {
    f.Write32(off, static_cast<uint32_t>(value));
  }
}

// --- §11.4 register map table ---------------------------------------------------------------

TEST(RegisterTableTest, MasksAreDisjointAndWithinWidth) {
  for (const RegisterSpec& s : RegisterTable()) {
    EXPECT_EQ(s.rw_mask & s.w1c_mask, 0u) << s.name;
    EXPECT_EQ(s.rw_mask & s.ro_mask, 0u) << s.name;
    EXPECT_EQ(s.rw_mask & s.wo_mask, 0u) << s.name;
    EXPECT_EQ(s.w1c_mask & s.ro_mask, 0u) << s.name;
    EXPECT_EQ(s.w1c_mask & s.wo_mask, 0u) << s.name;
    EXPECT_EQ(s.ro_mask & s.wo_mask, 0u) << s.name;
    const uint64_t all = s.rw_mask | s.w1c_mask | s.ro_mask | s.wo_mask;
    if (s.width == 32) EXPECT_EQ(all >> 32, 0u) << s.name;
    EXPECT_EQ(s.reset & ~all, 0u) << s.name;
    EXPECT_FALSE(s.spec_ref.empty()) << s.name;
    EXPECT_EQ(s.offset % (s.width / 8), 0u) << s.name;
  }
}

TEST(RegisterTableTest, FixedOffsetsFollowTheSpecMap) {
  std::vector<std::pair<std::string, uint32_t>> fixed;
  for (const RegisterSpec& s : RegisterTable()) {
    if (s.placement == Placement::kFixed) fixed.emplace_back(std::string(s.name), s.offset);
  }
  EXPECT_THAT(fixed, ElementsAre(std::pair<std::string, uint32_t>{"VER_REG", 0x000},
                                 std::pair<std::string, uint32_t>{"CAP_REG", 0x008},
                                 std::pair<std::string, uint32_t>{"ECAP_REG", 0x010},
                                 std::pair<std::string, uint32_t>{"GCMD_REG", 0x018},
                                 std::pair<std::string, uint32_t>{"GSTS_REG", 0x01C},
                                 std::pair<std::string, uint32_t>{"RTADDR_REG", 0x020},
                                 std::pair<std::string, uint32_t>{"CCMD_REG", 0x028},
                                 std::pair<std::string, uint32_t>{"FSTS_REG", 0x034},
                                 std::pair<std::string, uint32_t>{"FECTL_REG", 0x038},
                                 std::pair<std::string, uint32_t>{"FEDATA_REG", 0x03C},
                                 std::pair<std::string, uint32_t>{"FEADDR_REG", 0x040},
                                 std::pair<std::string, uint32_t>{"FEUADDR_REG", 0x044},
                                 std::pair<std::string, uint32_t>{"PMEN_REG", 0x064},
                                 std::pair<std::string, uint32_t>{"PLMBASE_REG", 0x068},
                                 std::pair<std::string, uint32_t>{"PLMLIMIT_REG", 0x06C},
                                 std::pair<std::string, uint32_t>{"PHMBASE_REG", 0x070},
                                 std::pair<std::string, uint32_t>{"PHMLIMIT_REG", 0x078},
                                 std::pair<std::string, uint32_t>{"IQH_REG", 0x080},
                                 std::pair<std::string, uint32_t>{"IQT_REG", 0x088},
                                 std::pair<std::string, uint32_t>{"IQA_REG", 0x090},
                                 std::pair<std::string, uint32_t>{"ICS_REG", 0x09C},
                                 std::pair<std::string, uint32_t>{"IECTL_REG", 0x0A0},
                                 std::pair<std::string, uint32_t>{"IEDATA_REG", 0x0A4},
                                 std::pair<std::string, uint32_t>{"IEADDR_REG", 0x0A8},
                                 std::pair<std::string, uint32_t>{"IEUADDR_REG", 0x0AC},
                                 std::pair<std::string, uint32_t>{"IQERCD_REG", 0x0B0},
                                 std::pair<std::string, uint32_t>{"IRTA_REG", 0x0B8},
                                 std::pair<std::string, uint32_t>{"PQH_REG", 0x0C0},
                                 std::pair<std::string, uint32_t>{"PQT_REG", 0x0C8},
                                 std::pair<std::string, uint32_t>{"PQA_REG", 0x0D0},
                                 std::pair<std::string, uint32_t>{"PRS_REG", 0x0DC},
                                 std::pair<std::string, uint32_t>{"PECTL_REG", 0x0E0},
                                 std::pair<std::string, uint32_t>{"PEDATA_REG", 0x0E4},
                                 std::pair<std::string, uint32_t>{"PEADDR_REG", 0x0E8},
                                 std::pair<std::string, uint32_t>{"PEUADDR_REG", 0x0EC}));
}

// --- §11.4.2 FRO/NFR, §11.4.3 IRO: placement -----------------------------------------------

TEST(PlacementTest, R630FaultRecordingAndIotlbRegisters) {
  auto f = MakeFile();
  ASSERT_EQ(f->Count(RegId::kFrcdLo), 8);
  ASSERT_EQ(f->Count(RegId::kFrcdHi), 8);
  for (int n = 0; n < 8; ++n) {
    EXPECT_EQ(f->OffsetOf(RegId::kFrcdLo, n), 0x100u + 16 * n);
    EXPECT_EQ(f->OffsetOf(RegId::kFrcdHi, n), 0x108u + 16 * n);
  }
  EXPECT_EQ(f->OffsetOf(RegId::kIva), 0x200u);
  EXPECT_EQ(f->OffsetOf(RegId::kIotlb), 0x208u);
  EXPECT_EQ(f->size(), 0x1000u);
  EXPECT_EQ(f->registers().front().Name(), "VER_REG");
}

TEST(PlacementTest, RegistersInAdjoiningPagesGrowTheSpace) {
  const uint64_t cap = Capability::kNfr.Set(Capability::kFro.Set(kR630Cap, 0x100), 255);
  auto f = MakeFile(cap, kR630Ecap);
  EXPECT_EQ(f->Count(RegId::kFrcdHi), 256);
  EXPECT_EQ(f->OffsetOf(RegId::kFrcdHi, 255), 0x1000u + 255 * 16 + 8);
  EXPECT_EQ(f->size(), 0x2000u);
  EXPECT_EQ(RegisterSpaceSize(cap, kR630Ecap), 0x2000u);
  // FRCD[255] is reachable.
  f->Set(RegId::kFrcdLo, 0xabc000, 255);
  EXPECT_EQ(f->Read64(0x1000 + 255 * 16), 0xabc000u);
}

TEST(PlacementTest, CreateRejectsOverlaps) {
  EXPECT_THAT(
      RegisterFile::Create(RegisterFileConfig{0x10, Capability::kFro.Set(kR630Cap, 2), kR630Ecap}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CAP.FRO")));
  EXPECT_THAT(RegisterFile::Create(RegisterFileConfig{0x110, kR630Cap, kR630Ecap}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("VER")));
}

// --- §11.4 reset values ("Default" columns) -------------------------------------------------

TEST(ResetTest, EveryRegisterOfTheR630) {
  auto f = MakeFile();
  std::map<RegId, uint64_t> expected = {
      {RegId::kVer, 0x10},          {RegId::kCap, kR630Cap},
      {RegId::kEcap, kR630Ecap},    {RegId::kFectl, 0x8000'0000},  // IM = 1 (S §11.4.7.2)
      {RegId::kIectl, 0x8000'0000},  // IM = 1 (S §11.4.9.5); QI = 1 on the R630
      {RegId::kPectl, 0},            // gated off: PRS = 0 on the R630 (RsvdZ)
  };
  for (const PlacedRegister& r : f->registers()) {
    const uint64_t want = expected.count(r.spec->id) ? expected[r.spec->id] : 0;
    EXPECT_EQ(ReadReg(*f, r.spec->id, r.index), want) << r.Name();
  }
  EXPECT_THAT(f->diagnostics(), IsEmpty());
  EXPECT_FALSE(f->global_command().active_root_table().has_value());
}

TEST(ResetTest, IectlReadsZeroWithoutQueuedInvalidation) {
  // IRO only: no QI/IR/EIM/DT (and PI, which needs IR).
  auto f = MakeFile(Capability::kPi.Set(kR630Cap, 0), 0x20 << 8);
  EXPECT_EQ(ReadReg(*f, RegId::kIectl), 0u);
}

TEST(ResetTest, ResetRestoresDefaults) {
  auto f = MakeFile();
  WriteReg(*f, RegId::kFectl, 0);
  WriteReg(*f, RegId::kRtaddr, 0x1234000);
  f->Write32(f->OffsetOf(RegId::kGcmd), 0x4000'0000);
  f->Reset();
  EXPECT_EQ(ReadReg(*f, RegId::kFectl), 0x8000'0000u);
  EXPECT_EQ(ReadReg(*f, RegId::kRtaddr), 0u);
  EXPECT_EQ(ReadReg(*f, RegId::kGsts), 0u);
  EXPECT_FALSE(f->global_command().active_root_table().has_value());
}

// --- §11.3 access types, for every register -------------------------------------------------

// Writing all ones then all zeros: RW bits follow, RW1C bits clear (they reset to 0), RO and
// reserved bits do not change, WO bits read 0.
TEST(AccessTest, GenericSemanticsForEveryRegister) {
  for (const RegisterSpec& spec : RegisterTable()) {
    if (spec.id == RegId::kGcmd || spec.id == RegId::kPmen) continue;  // own tests below
    auto f = MakeFile();
    const RegisterMasks m = f->masks(spec.id);
    const uint64_t reset = ReadReg(*f, spec.id);
    const uint64_t ones = spec.width == 64 ? ~uint64_t{0} : 0xFFFF'FFFF;
    WriteReg(*f, spec.id, ones);
    EXPECT_EQ(ReadReg(*f, spec.id), (reset & m.ro) | m.rw) << spec.name;
    EXPECT_EQ(f->Get(spec.id), (reset & m.ro) | m.rw | m.wo) << spec.name;
    WriteReg(*f, spec.id, 0);
    EXPECT_EQ(ReadReg(*f, spec.id), reset & m.ro) << spec.name;
    EXPECT_THAT(f->diagnostics(), IsEmpty()) << spec.name;
  }
}

TEST(AccessTest, ReadOnlyRegistersIgnoreWrites) {  // §11.4.1–§11.4.3, §11.4.4.2
  auto f = MakeFile();
  f->Write32(0x000, 0xFF);
  f->Write64(0x008, 0);
  f->Write64(0x010, 0);
  f->Write32(0x01C, 0xFFFF'FFFF);
  EXPECT_EQ(f->Read32(0x000), 0x10u);
  EXPECT_EQ(f->Read64(0x008), kR630Cap);
  EXPECT_EQ(f->Read64(0x010), kR630Ecap);
  EXPECT_EQ(f->Read32(0x01C), 0u);
}

TEST(AccessTest, RtaddrFields) {  // §11.4.5
  auto f = MakeFile();
  f->Write64(0x020, ~uint64_t{0});
  // RTA 63:12 and TTM 11:10; SSIRWE (7) is Reserved(0) without ECAP.SSIRWS; 9:8, 6:0 RsvdZ.
  EXPECT_EQ(f->Read64(0x020), 0xFFFF'FFFF'FFFF'FC00u);
}

TEST(AccessTest, CcmdWriteOnlyAndReadOnlyFields) {  // §11.4.6.1
  auto f = MakeFile();
  WriteResult r = f->Write64(0x028, ~uint64_t{0});
  // ICC, CIRG, DID read back; CAIG is RO (0); FM and SID are WO (read 0); 58:34 RsvdZ.
  EXPECT_EQ(f->Read64(0x028), 0xE000'0000'0000'FFFFu);
  EXPECT_EQ(f->Get(RegId::kCcmd), 0xE000'0003'FFFF'FFFFu);
  ASSERT_EQ(r.hooks.size(), 1u);
  EXPECT_EQ(r.hooks[0].id, RegId::kCcmd);
  EXPECT_TRUE(r.hooks[0].wrote_upper_byte());
  // The unit reports completion by setting CAIG and clearing ICC.
  f->Set(RegId::kCcmd, uint64_t{1} << 59);
  EXPECT_EQ(f->Read64(0x028), uint64_t{1} << 59);
}

TEST(AccessTest, CcmdLowDwordWriteDoesNotTouchTheUpperByte) {  // §11.2 split access
  auto f = MakeFile();
  WriteResult lo = f->Write32(0x028, 0x0001'0005);  // SID 1, DID 5
  ASSERT_EQ(lo.hooks.size(), 1u);
  EXPECT_FALSE(lo.hooks[0].wrote_upper_byte());
  WriteResult hi = f->Write32(0x02C, 0xA000'0000);  // ICC, CIRG = 01b (global)
  ASSERT_EQ(hi.hooks.size(), 1u);
  EXPECT_TRUE(hi.hooks[0].wrote_upper_byte());
  EXPECT_EQ(hi.hooks[0].value, 0xA000'0000'0001'0005u);
  EXPECT_EQ(f->Read32(0x02C), 0xA000'0000u);
  EXPECT_EQ(f->Read32(0x028), 0x5u);  // SID is WO
}

TEST(AccessTest, FstsWriteOneToClear) {  // §11.4.7.1
  auto f = MakeFile();
  // Hardware records: FRI 3, ITE, ICE, IQE, PFO (PPF is computed from FRCD F bits).
  f->Set(RegId::kFsts, 0x0000'0371);
  EXPECT_EQ(f->Read32(0x034), 0x371u);
  WriteResult r = f->Write32(0x034, 0x0000'0011);  // clear IQE and PFO
  EXPECT_EQ(f->Read32(0x034), 0x360u);
  ASSERT_EQ(r.hooks.size(), 1u);
  EXPECT_EQ(r.hooks[0].id, RegId::kFsts);
  EXPECT_EQ(r.hooks[0].written, 0x11u);
  f->Write32(0x034, 0);  // writing 0 has no effect
  EXPECT_EQ(f->Read32(0x034), 0x360u);
  f->Write32(0x034, 0xFFFF'FFFF);  // FRI is ROS
  EXPECT_EQ(f->Read32(0x034), 0x300u);
}

TEST(AccessTest, FstsInvalidationBitsDependOnCapabilities) {  // §11.4.7.1 RsvdZ cases
  // QI only (no DT): ITE and ICE are RsvdZ.
  auto f = MakeFile(Capability::kPi.Set(kR630Cap, 0),
                    ExtendedCapability::kIro.Set(ExtendedCapability::kQi.mask(), 0x20));
  f->Set(RegId::kFsts, 0x71);
  EXPECT_EQ(f->Read32(0x034), 0x11u);  // IQE and PFO
}

TEST(AccessTest, EventControlInterruptMaskAndPending) {  // §11.4.7.2, §11.4.9.5
  auto f = MakeFile();
  f->Write32(0x038, 0x7FFF'FFFF);  // IM ← 0; IP is RO; 29:0 RsvdP
  EXPECT_EQ(f->Read32(0x038), 0u);
  f->Set(RegId::kFectl, 0x4000'0000);  // hardware: IP
  f->Write32(0x038, 0xFFFF'FFFF);
  EXPECT_EQ(f->Read32(0x038), 0xC000'0000u);
  f->Write32(0x0A0, 0);
  EXPECT_EQ(f->Read32(0x0A0), 0u);
}

TEST(AccessTest, EventDataAndAddressRegisters) {  // §11.4.7.3–5, §11.4.9.6–8
  auto f = MakeFile();
  f->Write32(0x03C, 0xFFFF'FFFF);
  f->Write32(0x040, 0xFFFF'FFFF);
  f->Write32(0x044, 0xFFFF'FFFF);
  EXPECT_EQ(f->Read32(0x03C), 0xFFFFu);  // 31:16 RsvdZ (EIMD removed in 3.3)
  EXPECT_EQ(f->Read32(0x040), 0xFFFF'FFFCu);
  EXPECT_EQ(f->Read32(0x044), 0xFFFF'FFFFu);
  f->Write32(0x0A4, 0xFFFF'FFFF);
  EXPECT_EQ(f->Read32(0x0A4), 0xFFFFu);
}

TEST(AccessTest, ProtectedMemoryRegisters) {  // §11.4.8
  auto f = MakeFile();
  WriteResult r = f->Write32(0x064, 0xFFFF'FFFF);
  EXPECT_EQ(f->Read32(0x064), 0x8000'0001u);  // EPM, and PRS follows it
  ASSERT_EQ(r.hooks.size(), 1u);
  f->Write32(0x064, 0);
  EXPECT_EQ(f->Read32(0x064), 0u);
  f->Write32(0x068, 0xFFFF'FFFF);  // software probes N by writing ones
  EXPECT_EQ(f->Read32(0x068), 0xFFE0'0000u);
  f->Write64(0x078, ~uint64_t{0});
  EXPECT_EQ(f->Read64(0x078), 0xFFFF'FFFF'FFE0'0000u);

  // Without PLMR/PHMR the registers are RO 0.
  auto none = MakeFile(Capability::kPhmr.Set(Capability::kPlmr.Set(kR630Cap, 0), 0));
  none->Write32(0x064, 0x8000'0000);
  none->Write32(0x068, 0xFFFF'FFFF);
  EXPECT_EQ(none->Read32(0x064), 0u);
  EXPECT_EQ(none->Read32(0x068), 0u);
  EXPECT_THAT(none->diagnostics(), IsEmpty());
}

TEST(AccessTest, QueueRegisters) {  // §11.4.9.1–3, §11.4.9.9, §11.4.10
  auto f = MakeFile();
  f->Write64(0x080, ~uint64_t{0});
  EXPECT_EQ(f->Read64(0x080), 0u);  // IQH is RO
  f->Write64(0x088, ~uint64_t{0});
  EXPECT_EQ(f->Read64(0x088), 0x7FFF0u);
  f->Write64(0x090, ~uint64_t{0});
  EXPECT_EQ(f->Read64(0x090), 0xFFFF'FFFF'FFFF'F807u);
  f->Write64(0x0B0, ~uint64_t{0});
  EXPECT_EQ(f->Read64(0x0B0), 0u);  // IQERCD is ROS
  f->Write64(0x0B8, ~uint64_t{0});
  EXPECT_EQ(f->Read64(0x0B8), 0xFFFF'FFFF'FFFF'F80Fu);  // EIME present: ECAP.EIM = 1
  f->Write32(0x09C, 1);
  f->Set(RegId::kIcs, 1);
  f->Write32(0x09C, 1);  // IWC is RW1CS
  EXPECT_EQ(f->Read32(0x09C), 0u);
}

TEST(AccessTest, QueueRegistersAreRsvdZWithoutQi) {  // §11.4.9 "treated as RsvdZ"
  auto f = MakeFile(Capability::kPi.Set(kR630Cap, 0), ExtendedCapability::kIro.Set(0, 0x20));
  for (uint32_t off : {0x080u, 0x088u, 0x090u, 0x0B0u, 0x0B8u}) {
    f->Write64(off, ~uint64_t{0});
    EXPECT_EQ(f->Read64(off), 0u) << off;
  }
  EXPECT_THAT(f->diagnostics(), IsEmpty());
}

TEST(AccessTest, IotlbAndIvaRegisters) {  // §11.4.6.3, §11.4.6.4
  auto f = MakeFile();
  WriteResult iva = f->Write64(0x200, ~uint64_t{0});
  EXPECT_THAT(iva.hooks, IsEmpty());
  EXPECT_EQ(f->Read64(0x200), 0u);  // WO: reads 0
  EXPECT_EQ(f->Get(RegId::kIva), 0xFFFF'FFFF'FFFF'F07Fu);
  WriteResult iotlb = f->Write64(0x208, ~uint64_t{0});
  // IVT, IIRG, DR, DW, DID; IAIG RO; 62, 59, 56:50 RsvdZ; 31:0 RsvdP.
  EXPECT_EQ(f->Read64(0x208), 0xB003'FFFF'0000'0000u);
  ASSERT_EQ(iotlb.hooks.size(), 1u);
  EXPECT_EQ(iotlb.hooks[0].id, RegId::kIotlb);
  EXPECT_TRUE(iotlb.hooks[0].wrote_upper_byte());
}

TEST(AccessTest, FaultRecordingRegistersAndPpf) {  // §11.4.7.6, §11.4.7.1 PPF
  auto f = MakeFile();
  // Hardware records a fault in FRCD[2]: FI, SID 0x100, FR 0x05, T1 (read), F.
  f->Set(RegId::kFrcdLo, 0x1234'5000, 2);
  f->Set(RegId::kFrcdHi, (uint64_t{1} << 63) | (uint64_t{1} << 62) | (uint64_t{5} << 32) | 0x100,
         2);
  EXPECT_EQ(f->Read32(0x034) & 0x2, 0x2u);  // PPF
  // Software reads the dword at +12 first (S §11.2).
  EXPECT_EQ(f->Read32(0x100 + 2 * 16 + 12), 0xC000'0005u);
  EXPECT_EQ(f->Read64(0x100 + 2 * 16), 0x1234'5000u);
  // Writes to the ROS fields are ignored; writing 1 to F clears it and PPF.
  f->Write64(0x100 + 2 * 16, 0);
  EXPECT_EQ(f->Read64(0x100 + 2 * 16), 0x1234'5000u);
  WriteResult r = f->Write32(0x100 + 2 * 16 + 12, 0x8000'0000);
  ASSERT_EQ(r.hooks.size(), 1u);
  EXPECT_EQ(r.hooks[0].id, RegId::kFrcdHi);
  EXPECT_EQ(r.hooks[0].index, 2);
  EXPECT_EQ(f->Read32(0x100 + 2 * 16 + 12), 0x4000'0005u);
  EXPECT_EQ(f->Read32(0x034) & 0x2, 0u);
}

TEST(AccessTest, FaultRecordingPasidFieldsAreRsvdZWithoutPasid) {  // §11.4.7.6
  auto f = MakeFile();
  f->Set(RegId::kFrcdHi, ~uint64_t{0}, 0);
  // F, T1, AT (DT=1), FR, T2, SID; PV, PP, EXE, PRIV need PASID; 91:80 RsvdZ.
  EXPECT_EQ(f->Read64(0x108), 0xF000'00FF'1000'FFFFu);
}

// --- §11.2 access widths and unknown offsets -------------------------------------------------

TEST(AccessWidthTest, SixtyFourBitRegistersAsTwoHalves) {
  auto f = MakeFile();
  f->Write32(0x020, 0x1234'5000);
  f->Write32(0x024, 0x0000'00AB);
  EXPECT_EQ(f->Read64(0x020), 0xAB'1234'5000u);
  EXPECT_EQ(f->Read32(0x020), 0x1234'5000u);
  EXPECT_EQ(f->Read32(0x024), 0xABu);
  EXPECT_EQ(f->Read32(0x00C), static_cast<uint32_t>(kR630Cap >> 32));
  EXPECT_THAT(f->diagnostics(), IsEmpty());
}

TEST(AccessWidthTest, SixtyFourBitAccessToThirtyTwoBitRegistersIsSplitAndReported) {
  auto f = MakeFile();
  f->Write64(0x038, 0x0000'1234'0000'0000);  // FECTL ← 0 (IM clear), FEDATA ← 0x1234
  EXPECT_EQ(f->Read32(0x038), 0u);
  EXPECT_EQ(f->Read32(0x03C), 0x1234u);
  EXPECT_EQ(f->Read64(0x038), 0x0000'1234'0000'0000u);
  std::vector<MmioDiagnostic> d = f->TakeDiagnostics();
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].kind, MmioDiagnostic::Kind::kSplitAccess);
  EXPECT_TRUE(d[0].is_write);
  EXPECT_EQ(d[1].kind, MmioDiagnostic::Kind::kSplitAccess);
  EXPECT_FALSE(d[1].is_write);
  EXPECT_THAT(f->diagnostics(), IsEmpty());
}

TEST(AccessWidthTest, UnknownOffsetsReadZeroAndAreReported) {
  auto f = MakeFile();
  for (uint32_t off : {0x004u, 0x030u, 0x058u, 0x060u, 0x098u, 0x0F0u, 0x300u, 0xE00u, 0xFFCu,
                       0x1000u, 0x10000u}) {
    EXPECT_EQ(f->Read32(off), 0u) << off;
    f->Write32(off, 0xFFFF'FFFF);
    EXPECT_EQ(f->Read32(off), 0u) << off;
  }
  std::vector<MmioDiagnostic> d = f->TakeDiagnostics();
  ASSERT_EQ(d.size(), 33u);
  EXPECT_EQ(d[0].kind, MmioDiagnostic::Kind::kUnknownOffset);
  EXPECT_EQ(d[0].offset, 0x004u);
  EXPECT_FALSE(d[0].is_write);
  EXPECT_EQ(d[1].kind, MmioDiagnostic::Kind::kUnknownOffset);
  EXPECT_TRUE(d[1].is_write);
  EXPECT_EQ(d[1].value, 0xFFFF'FFFFu);
  EXPECT_THAT(d[1].message, HasSubstr("0x4"));
  // 64-bit access to a qword with no register at all: one diagnostic.
  EXPECT_EQ(f->Read64(0x048), 0u);
  ASSERT_EQ(f->diagnostics().size(), 1u);
  EXPECT_EQ(f->diagnostics()[0].kind, MmioDiagnostic::Kind::kUnknownOffset);
}

TEST(AccessWidthTest, MisalignedAccessesAreIgnoredAndReported) {
  auto f = MakeFile();
  EXPECT_EQ(f->Read32(0x002), 0u);
  EXPECT_EQ(f->Read64(0x00C), 0u);
  f->Write32(0x03A, 0);
  f->Write64(0x024, 0);
  EXPECT_EQ(f->Read32(0x038), 0x8000'0000u);
  std::vector<MmioDiagnostic> d = f->TakeDiagnostics();
  ASSERT_EQ(d.size(), 4u);
  for (const MmioDiagnostic& x : d) EXPECT_EQ(x.kind, MmioDiagnostic::Kind::kMisaligned);
}

}  // namespace
}  // namespace vtd
