// CAP_REG / ECAP_REG decoding, named-field encoding and capability validation
// (VT-d spec §11.4.2, §11.4.3).
#include "model/regs/cap_ecap.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::vtd::testing::IsOk;
using ::vtd::testing::StatusIs;

// The installed Abseil has no IsOkAndHolds; a StatusOr is not a gmock Optional.
MATCHER_P(IsOkAndHolds, value, "is OK and holds " + ::testing::PrintToString(value)) {
  if (!arg.ok()) {
    *result_listener << "status is " << arg.status().ToString();
    return false;
  }
  *result_listener << "holds " << ::testing::PrintToString(*arg);
  return *arg == value;
}

std::map<std::string, DecodedField> DecodeByName(CapRegister reg, uint64_t value) {
  std::map<std::string, DecodedField> out;
  for (DecodedField& f : DecodeFields(reg, value)) out.emplace(std::string(f.field->name), f);
  return out;
}

std::vector<std::string> ProblemFields(const CapabilityAudit& audit) {
  std::vector<std::string> out;
  for (const CapabilityProblem& p : audit.problems) out.push_back(p.field);
  return out;
}

// A minimal valid legacy unit: 48-bit 4-level, 16-bit DIDs, FRCD at 0x400 (1 register),
// IOTLB at 0x500.
constexpr uint64_t kMinimalCap =
    (uint64_t{0x40} << 24) | (uint64_t{47} << 16) | (uint64_t{0b00100} << 8) | 6;
constexpr uint64_t kMinimalEcap = uint64_t{0x50} << 8;

// --- §11.4.2 / §11.4.3: the field tables ----------------------------------------------------

TEST(CapFieldTableTest, RowsTileAllSixtyFourBitsInOrder) {
  for (CapRegister reg : {CapRegister::kCap, CapRegister::kEcap}) {
    int next_hi = 63;
    for (const CapField& f : FieldsOf(reg)) {
      EXPECT_EQ(f.bits.hi, next_hi) << f.name;
      EXPECT_LE(f.bits.lo, f.bits.hi) << f.name;
      next_hi = f.bits.lo - 1;
    }
    EXPECT_EQ(next_hi, -1) << CapRegisterName(reg);
  }
}

TEST(CapFieldTableTest, EveryNonReservedFieldHasASupportRow) {
  const ImplementedFeatures today = ImplementedFeatures::Today();
  for (CapRegister reg : {CapRegister::kCap, CapRegister::kEcap}) {
    for (const CapField& f : FieldsOf(reg)) {
      if (f.kind == FieldKind::kReserved) continue;
      const FeatureSupport& s = today.Get(f);
      EXPECT_EQ(s.field, f.name);
      EXPECT_FALSE(s.reason.empty()) << f.name;
    }
  }
}

TEST(CapFieldTableTest, FindFieldIsCaseInsensitiveAndKnowsOlderNames) {
  EXPECT_EQ(FindField(CapRegister::kCap, "sagaw")->name, "SAGAW");
  EXPECT_EQ(FindField(CapRegister::kCap, "SLLPS")->name, "SSLPS");
  EXPECT_EQ(FindField(CapRegister::kCap, "fl1gp")->name, "FS1GP");
  EXPECT_EQ(FindField(CapRegister::kEcap, "SLTS")->name, "SSTS");
  EXPECT_EQ(FindField(CapRegister::kEcap, "flts")->name, "FSTS");
  EXPECT_EQ(FindField(CapRegister::kCap, "QI"), nullptr);  // an ECAP field
  EXPECT_EQ(FindField(CapRegister::kCap, "RSVD_38"), nullptr);
}

// Each field's bits in the table agree with the typed struct: setting the field's bits to all
// ones in the raw word survives Decode → Encode.
TEST(CapFieldTableTest, TypedStructsRoundTripEveryField) {
  for (const CapField& f : CapFields()) {
    if (f.kind == FieldKind::kReserved) continue;
    const uint64_t raw = f.bits.mask();
    VTD_ASSERT_OK_AND_ASSIGN(uint64_t back, Capability::Decode(raw).Encode());
    EXPECT_EQ(back, raw) << "CAP." << f.name;
  }
  for (const CapField& f : EcapFields()) {
    if (f.kind == FieldKind::kReserved) continue;
    const uint64_t raw = f.bits.mask();
    VTD_ASSERT_OK_AND_ASSIGN(uint64_t back, ExtendedCapability::Decode(raw).Encode());
    EXPECT_EQ(back, raw) << "ECAP." << f.name;
  }
}

TEST(CapTypedTest, EncodeRejectsValuesThatDoNotFitNamingTheField) {
  Capability cap;
  cap.nd = 8;
  EXPECT_THAT(cap.Encode(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CAP.ND")));
  ExtendedCapability ecap;
  ecap.iro = 0x400;
  EXPECT_THAT(ecap.Encode(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ECAP.IRO")));
}

// --- The R630 (cap 0x8d2078c106f0466, ecap 0xf020df), checked by hand against §11.4.2/3 --

TEST(R630Test, CapDecodesFieldByField) {
  auto f = DecodeByName(CapRegister::kCap, kR630Cap);
  // Bits 63:60 = 0h.
  EXPECT_EQ(f.at("ESRTPS").raw, 0u);
  EXPECT_EQ(f.at("ESIRTPS").raw, 0u);
  EXPECT_EQ(f.at("ECMDS").raw, 0u);
  EXPECT_EQ(f.at("FS5LP").raw, 0u);
  // Bits 59:56 = 8h: PI.
  EXPECT_EQ(f.at("PI").raw, 1u);
  EXPECT_EQ(f.at("FS1GP").raw, 0u);
  // Bits 55:52 = Dh: DRD, DWD, MAMV bit 4; bits 51:48 = 2h → MAMV = 010010b = 18.
  EXPECT_EQ(f.at("DRD").raw, 1u);
  EXPECT_EQ(f.at("DWD").raw, 1u);
  EXPECT_EQ(f.at("MAMV").raw, 18u);
  // Bits 47:40 = 07h: 8 fault-recording registers.
  EXPECT_EQ(f.at("NFR").raw, 7u);
  EXPECT_EQ(f.at("NFR").value, "8");
  // Bits 39:36 = 8h: PSI; bits 35:32 = Ch: SSLPS 0011b (2M, 1G).
  EXPECT_EQ(f.at("PSI").raw, 1u);
  EXPECT_EQ(f.at("SSLPS").raw, 0b0011u);
  EXPECT_EQ(f.at("SSLPS").value, "2M, 1G");
  // Bits 33:24 = 010h: fault-recording registers at 0x100.
  EXPECT_EQ(f.at("FRO").raw, 0x10u);
  EXPECT_EQ(f.at("FRO").value, "0x100");
  // Bits 23:20 = 6h: ZLR; bits 21:16 = 2Fh: MGAW 47 → 48-bit.
  EXPECT_EQ(f.at("DEP_23").raw, 0u);
  EXPECT_EQ(f.at("ZLR").raw, 1u);
  EXPECT_EQ(f.at("MGAW").raw, 47u);
  EXPECT_EQ(f.at("MGAW").value, "48");
  // Bits 12:8 = 00100b: 48-bit AGAW only.
  EXPECT_EQ(f.at("SAGAW").raw, 0b00100u);
  EXPECT_EQ(f.at("SAGAW").value, "48-bit (4-level)");
  // Bits 7:4 = 6h: PHMR, PLMR; bits 3:0 = 6h: ND 110b.
  EXPECT_EQ(f.at("CM").raw, 0u);
  EXPECT_EQ(f.at("PHMR").raw, 1u);
  EXPECT_EQ(f.at("PLMR").raw, 1u);
  EXPECT_EQ(f.at("RWBF").raw, 0u);
  EXPECT_EQ(f.at("RSVD_3").raw, 0u);
  EXPECT_EQ(f.at("ND").raw, 6u);
  EXPECT_EQ(f.at("ND").value, "65536 (16-bit domain ids)");
}

TEST(R630Test, EcapDecodesFieldByField) {
  auto f = DecodeByName(CapRegister::kEcap, kR630Ecap);
  // Bits 23:20 = Fh: MHMV 15; bits 17:8 = 020h: IOTLB registers at 0x200.
  EXPECT_EQ(f.at("MHMV").raw, 15u);
  EXPECT_EQ(f.at("IRO").raw, 0x20u);
  EXPECT_EQ(f.at("IRO").value, "0x200");
  // Bits 7:0 = DFh: SC, PT, EIM, IR, DT, QI, C (bit 5 deprecated = 0).
  EXPECT_EQ(f.at("SC").raw, 1u);
  EXPECT_EQ(f.at("PT").raw, 1u);
  EXPECT_EQ(f.at("DEP_5").raw, 0u);
  EXPECT_EQ(f.at("EIM").raw, 1u);
  EXPECT_EQ(f.at("IR").raw, 1u);
  EXPECT_EQ(f.at("DT").raw, 1u);
  EXPECT_EQ(f.at("QI").raw, 1u);
  EXPECT_EQ(f.at("C").raw, 1u);
  // Everything above bit 23 is 0: no scalable mode, PASID, nesting, page requests...
  for (const char* name : {"SMTS", "PASID", "NEST", "PRS", "FSTS", "SSTS", "MTS", "NWFS", "PSS",
                           "ADMS", "PMS", "VCS", "SRS", "ERS"}) {
    EXPECT_EQ(f.at(name).raw, 0u) << name;
  }
}

TEST(R630Test, TypedViewsAgree) {
  const Capability cap = Capability::Decode(kR630Cap);
  EXPECT_EQ(cap.mgaw_bits(), 48);
  EXPECT_EQ(cap.num_fault_recording_registers(), 8);
  EXPECT_EQ(cap.fault_recording_offset(), 0x100u);
  EXPECT_EQ(cap.domain_id_bits(), 16);
  EXPECT_TRUE(cap.SupportsAgaw(48));
  EXPECT_FALSE(cap.SupportsAgaw(39));
  EXPECT_FALSE(cap.SupportsAgaw(57));
  EXPECT_TRUE(cap.pi);
  const ExtendedCapability ecap = ExtendedCapability::Decode(kR630Ecap);
  EXPECT_EQ(ecap.iotlb_register_offset(), 0x200u);
  EXPECT_TRUE(ecap.qi && ecap.ir && ecap.eim && ecap.dt && ecap.pt && ecap.sc && ecap.c);
  EXPECT_EQ(Capability::Decode(kR630Cap).Encode().value(), kR630Cap);
  EXPECT_EQ(ExtendedCapability::Decode(kR630Ecap).Encode().value(), kR630Ecap);
}

TEST(R630Test, LoadsTodayWithQiIrEimPiModeled) {
  EXPECT_THAT(ValidateCapabilities(kR630Cap, kR630Ecap), IsOk());
  CapabilityAudit audit = AuditCapabilities(kR630Cap, kR630Ecap, ImplementedFeatures::Today());
  EXPECT_TRUE(audit.ok());
  EXPECT_THAT(audit.accepted, IsEmpty());  // nothing inert: QI, IR, EIM, PI, MHMV are modeled
  const ImplementedFeatures today = ImplementedFeatures::Today();
  for (const char* name : {"QI", "IR", "EIM", "MHMV", "DIT", "IRREQ", "EIMER"}) {
    EXPECT_EQ(today.Get(*FindField(CapRegister::kEcap, name)).support, Support::kModeled) << name;
  }
  for (const char* name : {"PI", "ESIRTPS"}) {
    EXPECT_EQ(today.Get(*FindField(CapRegister::kCap, name)).support, Support::kModeled) << name;
  }
}

TEST(R630Test, InterruptRemappingCapabilitiesOfNewerHardwareLoad) {
  const uint64_t ir = ExtendedCapability::kIr.mask() | ExtendedCapability::kQi.mask();
  EXPECT_THAT(
      ValidateCapabilities(kMinimalCap, kMinimalEcap | ir | ExtendedCapability::kIrreq.mask()),
      IsOk());
  EXPECT_THAT(
      ValidateCapabilities(kMinimalCap, kMinimalEcap | ir | ExtendedCapability::kEim.mask() |
                                            ExtendedCapability::kEimer.mask()),
      IsOk());
  EXPECT_THAT(ValidateCapabilities(kMinimalCap | Capability::kEsirtps.mask(), kMinimalEcap | ir),
              IsOk());
}

TEST(R630Test, NamedFieldsReproduceTheRawValues) {
  std::vector<FieldSetting> cap = {
      {"pi", {"1"}},   {"drd", {"yes"}},  {"dwd", {"true"}},        {"mamv", {"18"}},
      {"nfr", {"8"}},  {"psi", {"1"}},    {"sllps", {"2M", "1GB"}}, {"fro", {"0x100"}},
      {"zlr", {"1"}},  {"mgaw", {"48"}},  {"sagaw", {"48"}},        {"phmr", {"1"}},
      {"plmr", {"1"}}, {"nd", {"65536"}},
  };
  EXPECT_THAT(EncodeFields(CapRegister::kCap, 0, cap), IsOkAndHolds(kR630Cap));
  std::vector<FieldSetting> ecap = {
      {"mhmv", {"15"}}, {"iro", {"512"}}, {"sc", {"1"}}, {"pt", {"1"}}, {"eim", {"1"}},
      {"ir", {"1"}},    {"dt", {"1"}},    {"qi", {"1"}}, {"c", {"1"}},
  };
  EXPECT_THAT(EncodeFields(CapRegister::kEcap, 0, ecap), IsOkAndHolds(kR630Ecap));
}

// --- Named-field encoding --------------------------------------------------------------------

TEST(EncodeFieldsTest, OverridesFieldsOfABaseValue) {
  VTD_ASSERT_OK_AND_ASSIGN(
      uint64_t cap,
      EncodeFields(CapRegister::kCap, kR630Cap, {{"sagaw", {"39", "48", "57"}}, {"nfr", {"1"}}}));
  const Capability c = Capability::Decode(cap);
  EXPECT_EQ(c.sagaw, 0b01110);
  EXPECT_EQ(c.nfr, 0);
  EXPECT_EQ(c.mgaw, 47);  // untouched
}

TEST(EncodeFieldsTest, ValuesAreWhatDecodingPrints) {
  // Every field of the R630 round-trips through its printed value.
  for (CapRegister reg : {CapRegister::kCap, CapRegister::kEcap}) {
    const uint64_t raw = reg == CapRegister::kCap ? kR630Cap : kR630Ecap;
    for (const DecodedField& d : DecodeFields(reg, raw)) {
      if (d.field->kind == FieldKind::kReserved) continue;
      if (d.field->kind == FieldKind::kSagaw || d.field->kind == FieldKind::kSslps ||
          d.field->kind == FieldKind::kDomains) {
        continue;  // printed with extra words; covered by the R630 test above
      }
      EXPECT_THAT(ParseFieldValue(*d.field, {d.value}), IsOkAndHolds(d.raw))
          << d.field->name << " = " << d.value;
    }
  }
}

TEST(EncodeFieldsTest, RejectsBadInputNamingTheField) {
  struct Case {
    CapRegister reg;
    FieldSetting setting;
    std::string message;
  };
  const Case cases[] = {
      {CapRegister::kCap, {"sagaw", {"40"}}, "CAP.SAGAW"},
      {CapRegister::kCap, {"mgaw", {"0"}}, "CAP.MGAW"},
      {CapRegister::kCap, {"mgaw", {"65"}}, "CAP.MGAW"},
      {CapRegister::kCap, {"nfr", {"257"}}, "CAP.NFR"},
      {CapRegister::kCap, {"fro", {"0x108"}}, "CAP.FRO"},
      {CapRegister::kCap, {"nd", {"100"}}, "CAP.ND"},
      {CapRegister::kCap, {"sslps", {"512G"}}, "CAP.SSLPS"},
      {CapRegister::kCap, {"psi", {"maybe"}}, "CAP.PSI"},
      {CapRegister::kCap, {"mamv", {"x12"}}, "CAP.MAMV"},
      {CapRegister::kCap, {"mgaw", {"48", "39"}}, "CAP.MGAW"},
      {CapRegister::kCap, {"bogus", {"1"}}, "bogus"},
      {CapRegister::kEcap, {"iro", {"0x4000"}}, "ECAP.IRO"},
      {CapRegister::kEcap, {"mhmv", {"16"}}, "ECAP.MHMV"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(EncodeFields(c.reg, 0, {c.setting}),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.setting.name;
  }
  EXPECT_THAT(EncodeFields(CapRegister::kCap, 0, {{"nd", {"16"}}, {"ND", {"64"}}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("more than once")));
}

// --- Validation: what the model implements today ------------------------------------------

TEST(ValidateCapabilitiesTest, MinimalLegacyUnitIsValid) {
  EXPECT_THAT(ValidateCapabilities(kMinimalCap, kMinimalEcap), IsOk());
}

TEST(ValidateCapabilitiesTest, RejectsUnimplementedFeaturesNamingTheField) {
  struct Case {
    CapRegister reg;
    const char* field;
    uint64_t bits;
  };
  // Each with the fields the spec makes it depend on, so only "unsupported" remains.
  const uint64_t qi = ExtendedCapability::kQi.mask();
  const uint64_t smts = ExtendedCapability::kSmts.mask() | qi;
  const Case cases[] = {
      {CapRegister::kEcap, "MTS", ExtendedCapability::kMts.mask() | smts},
      {CapRegister::kEcap, "VCS", ExtendedCapability::kVcs.mask()},
      {CapRegister::kEcap, "RPRIVS",
       ExtendedCapability::kRprivs.mask() | ExtendedCapability::kSrs.mask() | smts},
      {CapRegister::kCap, "ECMDS", Capability::kEcmds.mask()},
  };
  for (const Case& c : cases) {
    const uint64_t cap = kMinimalCap | (c.reg == CapRegister::kCap ? c.bits : 0);
    const uint64_t ecap = kMinimalEcap | (c.reg == CapRegister::kEcap ? c.bits : 0);
    const std::string name = std::string(CapRegisterName(c.reg)) + "." + c.field;
    CapabilityAudit audit = AuditCapabilities(cap, ecap, ImplementedFeatures::Today());
    EXPECT_THAT(ProblemFields(audit), ::testing::Contains(name)) << name;
    for (const CapabilityProblem& p : audit.problems) {
      EXPECT_EQ(p.kind, CapabilityProblem::Kind::kUnsupported) << p.message;
    }
    EXPECT_THAT(ValidateCapabilities(cap, ecap),
                StatusIs(absl::StatusCode::kUnimplemented,
                         AllOf(HasSubstr(name), HasSubstr("not supported by vtdsim"))));
  }
}

TEST(ValidateCapabilitiesTest, AcceptsEveryFieldWithAllFeatures) {
  const uint64_t ecap = kMinimalEcap | ExtendedCapability::kMts.mask() |
                        ExtendedCapability::kSmts.mask() | ExtendedCapability::kQi.mask();
  EXPECT_THAT(ValidateCapabilities(kMinimalCap, ecap), Not(IsOk()));
  EXPECT_THAT(ValidateCapabilities(kMinimalCap, ecap, ImplementedFeatures::All()), IsOk());
}

TEST(ValidateCapabilitiesTest, LaterIssuesFlipRows) {
  ImplementedFeatures f = ImplementedFeatures::Today();
  f.Set(CapRegister::kEcap, "mts", Support::kModeled, "memory types landed");
  const uint64_t ecap = kMinimalEcap | ExtendedCapability::kMts.mask() |
                        ExtendedCapability::kSmts.mask() | ExtendedCapability::kQi.mask();
  EXPECT_THAT(ValidateCapabilities(kMinimalCap, ecap), Not(IsOk()));
  EXPECT_THAT(ValidateCapabilities(kMinimalCap, ecap, f), IsOk());
}

TEST(ValidateCapabilitiesTest, AcceptsQemuScalableUnits) {
  // QEMU's vIOMMU with x-scalable-mode=on (aw-bits=48), without and with PASID: SMTS, SSTS,
  // SRS, and PASID with PSS 7.
  EXPECT_THAT(ValidateCapabilities(0x00d2008c222f0606, 0x0000480080f00f4a,
                                   ImplementedFeatures::Today(), {.version = 0x30}),
              IsOk());
  EXPECT_THAT(ValidateCapabilities(0x00d2008c222f0606, 0x0000493880f00f4a,
                                   ImplementedFeatures::Today(), {.version = 0x30}),
              IsOk());
}

TEST(ValidateCapabilitiesTest, RejectsReservedAndDeprecatedBits) {
  struct Case {
    uint64_t cap;
    uint64_t ecap;
    const char* field;
  };
  const Case cases[] = {
      {kMinimalCap | Bit(3).mask(), kMinimalEcap, "CAP bit 3"},
      {kMinimalCap | Bit(23).mask(), kMinimalEcap, "CAP bit 23"},
      {kMinimalCap | Bit(38).mask(), kMinimalEcap, "CAP bit 38"},
      {kMinimalCap | Bit(57).mask(), kMinimalEcap, "CAP bits 58:57"},
      {kMinimalCap | Bit(14).mask(), kMinimalEcap, "CAP bits 15:13"},
      {kMinimalCap, kMinimalEcap | Bit(63).mask(), "ECAP bit 63"},
      {kMinimalCap, kMinimalEcap | Bit(28).mask(), "ECAP bit 28"},
      {kMinimalCap, kMinimalEcap | Bit(24).mask(), "ECAP bit 24"},
      {kMinimalCap, kMinimalEcap | Bit(5).mask(), "ECAP bit 5"},
      {kMinimalCap, kMinimalEcap | Bit(18).mask(), "ECAP bits 19:18"},
      {kMinimalCap, kMinimalEcap | ExtendedCapability::kErs.mask(), "ECAP.ERS"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(ValidateCapabilities(c.cap, c.ecap),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)))
        << c.field;
  }
}

TEST(ValidateCapabilitiesTest, RejectsInvalidValues) {
  auto with = [](BitRange bits, uint64_t raw) { return bits.Set(kMinimalCap, raw); };
  EXPECT_THAT(ValidateCapabilities(with(Capability::kSagaw, 0), kMinimalEcap),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("CAP.SAGAW"), HasSubstr("legacy-mode"))));
  EXPECT_THAT(ValidateCapabilities(with(Capability::kSagaw, 0b00101), kMinimalEcap),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CAP.SAGAW")));
  EXPECT_THAT(ValidateCapabilities(with(Capability::kSagaw, 0b10100), kMinimalEcap),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CAP.SAGAW")));
  EXPECT_THAT(ValidateCapabilities(with(Capability::kSslps, 0b0010), kMinimalEcap),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CAP.SSLPS")));
  EXPECT_THAT(ValidateCapabilities(with(Capability::kSslps, 0b0111), kMinimalEcap),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CAP.SSLPS")));
  EXPECT_THAT(ValidateCapabilities(with(Capability::kNd, 7), kMinimalEcap),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CAP.ND")));
  EXPECT_THAT(ValidateCapabilities(with(Capability::kMgaw, 0), kMinimalEcap),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CAP.MGAW")));
  EXPECT_THAT(ValidateCapabilities(with(Capability::kMgaw, 63), kMinimalEcap),
              StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("CAP.MGAW")));
  // MGAW below the host address width (S §11.4.2 "at least equal to the HAW").
  EXPECT_THAT(ValidateCapabilities(with(Capability::kMgaw, 38), kMinimalEcap,
                                   ImplementedFeatures::Today(), {.host_address_width = 46}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CAP.MGAW")));
  EXPECT_THAT(ValidateCapabilities(kMinimalCap, kMinimalEcap, ImplementedFeatures::Today(),
                                   {.host_address_width = 46}),
              IsOk());
}

TEST(ValidateCapabilitiesTest, RejectsInconsistentCombinationsNamingBothFields) {
  const uint64_t qi = ExtendedCapability::kQi.mask();
  const uint64_t ir = ExtendedCapability::kIr.mask();
  struct Case {
    uint64_t cap;
    uint64_t ecap;
    const char* field;
    const char* needs;
  };
  const Case cases[] = {
      {kMinimalCap, kMinimalEcap | ir, "ECAP.IR", "ECAP.QI"},
      {kMinimalCap, kMinimalEcap | ExtendedCapability::kDt.mask(), "ECAP.DT", "ECAP.QI"},
      {kMinimalCap, kMinimalEcap | ExtendedCapability::kEim.mask() | qi, "ECAP.EIM", "ECAP.IR"},
      {kMinimalCap | Capability::kPi.mask(), kMinimalEcap | qi, "CAP.PI", "ECAP.IR"},
      {kMinimalCap, kMinimalEcap | ExtendedCapability::kNwfs.mask(), "ECAP.NWFS", "ECAP.DT"},
  };
  for (const Case& c : cases) {
    CapabilityAudit audit = AuditCapabilities(c.cap, c.ecap, ImplementedFeatures::Today());
    ASSERT_FALSE(audit.ok()) << c.field;
    EXPECT_EQ(audit.problems[0].kind, CapabilityProblem::Kind::kInconsistent);
    EXPECT_THAT(audit.problems[0].message, AllOf(HasSubstr(c.field), HasSubstr(c.needs)));
    EXPECT_THAT(ValidateCapabilities(c.cap, c.ecap),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.field)));
  }
}

TEST(ValidateCapabilitiesTest, RejectsRegisterPlacementOverlaps) {
  auto cap_with_fro = [](uint64_t fro, uint64_t nfr) {
    return Capability::kNfr.Set(Capability::kFro.Set(kMinimalCap, fro), nfr);
  };
  // FRO 0: FRCD[0] lands on VER/CAP.
  EXPECT_THAT(ValidateCapabilities(cap_with_fro(0, 0), kMinimalEcap),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("CAP.FRO"), HasSubstr("VER_REG"), HasSubstr("CAP_REG"))));
  // IRO 1: IVA/IOTLB at 0x10 on ECAP/GCMD/GSTS.
  EXPECT_THAT(ValidateCapabilities(kMinimalCap, ExtendedCapability::kIro.Set(0, 0x1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("ECAP.IRO"), HasSubstr("GCMD_REG"))));
  // 16 FRCDs from 0x480 run into the IOTLB registers at 0x500.
  EXPECT_THAT(ValidateCapabilities(cap_with_fro(0x48, 15), kMinimalEcap),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("CAP.FRO"), HasSubstr("IOTLB registers"))));
  // The IQ registers exist only with QI: IOTLB at 0x80 is fine without QI, not with it.
  const uint64_t iro_80 = ExtendedCapability::kIro.Set(0, 0x8);
  EXPECT_THAT(ValidateCapabilities(kMinimalCap, iro_80), IsOk());
  EXPECT_THAT(ValidateCapabilities(kMinimalCap, iro_80 | ExtendedCapability::kQi.mask()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("IQH_REG")));
  // Registers may live in adjoining 4 KiB pages (S §11.4 note 1).
  EXPECT_THAT(ValidateCapabilities(cap_with_fro(0x3F0, 255), kMinimalEcap), IsOk());
}

TEST(FormatTest, Values) {
  const CapField& sagaw = *FindField(CapRegister::kCap, "SAGAW");
  EXPECT_EQ(FormatFieldValue(sagaw, 0b01110),
            "39-bit (3-level), 48-bit (4-level), 57-bit (5-level)");
  EXPECT_EQ(FormatFieldValue(sagaw, 0b00001), "reserved bit 0");
  EXPECT_EQ(FormatFieldValue(sagaw, 0), "none");
  const CapField& sslps = *FindField(CapRegister::kCap, "SSLPS");
  EXPECT_EQ(FormatFieldValue(sslps, 0), "none (4K only)");
  EXPECT_EQ(FormatFieldValue(sslps, 1), "2M");
  EXPECT_EQ(FormatFieldValue(*FindField(CapRegister::kCap, "ND"), 0), "16 (4-bit domain ids)");
  EXPECT_EQ(FormatFieldValue(*FindField(CapRegister::kCap, "ND"), 7), "reserved (111b)");
  EXPECT_EQ(FormatFieldValue(*FindField(CapRegister::kEcap, "PSS"), 19), "20");
  EXPECT_EQ(FormatBits(BitRange{12, 8}), "12:8");
  EXPECT_EQ(FormatBits(Bit(7)), "7");
}

TEST(ValidateCapabilitiesTest, EnhancedSetRootTablePointerCapabilitiesAreModeled) {
  // CAP.ESRTPS and CAP.ESIRTPS (spec 3.2+, invalidation.md §8): SRTP / SIRTP also flush.
  EXPECT_THAT(ValidateCapabilities(kMinimalCap | Capability::kEsrtps.mask(), kMinimalEcap), IsOk());
  EXPECT_THAT(ValidateCapabilities(kMinimalCap | Capability::kEsirtps.mask(), kMinimalEcap),
              IsOk());
}

TEST(ValidateCapabilitiesTest, FieldsValidOnlyWithAnotherAreNotesNotProblems) {
  // S §11.4.3: MHMV is valid only when IR is set; hardware need not report it 0 otherwise.
  const uint64_t ecap =
      kMinimalEcap | ExtendedCapability::kQi.mask() | ExtendedCapability::kMhmv.Set(0, 15);
  CapabilityAudit audit = AuditCapabilities(kMinimalCap, ecap, ImplementedFeatures::Today());
  EXPECT_TRUE(audit.ok());
  ASSERT_EQ(audit.notes.size(), 1u);
  EXPECT_THAT(audit.notes[0], AllOf(HasSubstr("ECAP.MHMV"), HasSubstr("ECAP.IR")));
  // S §11.4.2: MAMV is valid only when PSI is set.
  audit = AuditCapabilities(Capability::kMamv.Set(kMinimalCap, 9), kMinimalEcap,
                            ImplementedFeatures::Today());
  EXPECT_TRUE(audit.ok());
  ASSERT_EQ(audit.notes.size(), 1u);
  EXPECT_THAT(audit.notes[0], AllOf(HasSubstr("CAP.MAMV"), HasSubstr("CAP.PSI")));
}

TEST(ValidateCapabilitiesTest, EarlierRevisionBitsAreNamedWhenTheVersionAllowsThem) {
  // ECAP bit 24 was ECS and bit 27 DIS in spec 2.x (registers.md §3).
  const uint64_t ecap = kMinimalEcap | Bit(24).mask() | Bit(27).mask();
  CapabilityAudit audit =
      AuditCapabilities(kMinimalCap, ecap, ImplementedFeatures::Today(), {.version = 0x10});
  ASSERT_EQ(audit.problems.size(), 2u);
  for (const CapabilityProblem& p : audit.problems) {
    EXPECT_EQ(p.kind, CapabilityProblem::Kind::kEarlierRevision) << p.message;
  }
  EXPECT_THAT(audit.problems[0].message, AllOf(HasSubstr("ECAP bit 27"), HasSubstr("DIS")));
  EXPECT_THAT(audit.problems[1].message, AllOf(HasSubstr("ECAP bit 24"), HasSubstr("ECS")));
  EXPECT_THAT(
      ValidateCapabilities(kMinimalCap, ecap, ImplementedFeatures::Today(), {.version = 0x10}),
      StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("earlier revision")));
  // A VER 6.0 unit follows a revision without them: the bits are invalid.
  EXPECT_THAT(
      ValidateCapabilities(kMinimalCap, ecap, ImplementedFeatures::Today(), {.version = 0x60}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ECAP bit 24")));
  // ERS: allowed up to VER major 7 (faults.md 5Ch), invalid from 8.
  const uint64_t ers = kMinimalEcap | ExtendedCapability::kErs.mask();
  EXPECT_THAT(
      ValidateCapabilities(kMinimalCap, ers, ImplementedFeatures::Today(), {.version = 0x70}),
      StatusIs(absl::StatusCode::kUnimplemented, HasSubstr("ECAP.ERS")));
  EXPECT_THAT(
      ValidateCapabilities(kMinimalCap, ers, ImplementedFeatures::Today(), {.version = 0x80}),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ECAP.ERS")));
}

// Field names of MaskedCapabilities::masked.
std::vector<std::string> MaskedNames(const MaskedCapabilities& m) {
  std::vector<std::string> names;
  for (const MaskedField& f : m.masked) names.push_back(f.field);
  return names;
}

TEST(MaskUnimplementedTest, SkylakeGraphicsUnitLoadsWithWhatIsMaskedListed) {
  // A Skylake graphics unit's boot log: "ver 1:0 cap 1c0000c40660462 ecap 19e2ff0505e".
  // Decoded by hand from registers.md §2/§3: CAP FS1GP (56), DRD, DWD, SSLPS 2M+1G, FRO 0x400,
  // MGAW 39, SAGAW 39-bit, PHMR, PLMR, ND 8-bit; ECAP PASID (40), PSS 19, EAFS, NWFS, PRS (29),
  // bit 27 (DIS), NEST, MTS, bit 24 (ECS), MHMV 15, IRO 0x500, PT, EIM, IR, DT, QI.
  const uint64_t cap = 0x1c0000c40660462;
  const uint64_t ecap = 0x19e2ff0505e;
  EXPECT_FALSE(
      ValidateCapabilities(cap, ecap, ImplementedFeatures::Today(), {.version = 0x10}).ok());
  const MaskedCapabilities m =
      MaskUnimplemented(cap, ecap, ImplementedFeatures::Today(), {.version = 0x10});
  EXPECT_TRUE(m.audit.ok()) << (m.audit.problems.empty() ? "" : m.audit.problems[0].message);
  EXPECT_THAT(MaskedNames(m), ::testing::UnorderedElementsAre(
                                  "CAP.FS1GP", "ECAP.PASID", "ECAP.PSS", "ECAP.EAFS", "ECAP.PRS",
                                  "ECAP bit 27", "ECAP.NEST", "ECAP.MTS", "ECAP bit 24"));
  EXPECT_EQ(m.cap, cap & ~Capability::kFs1gp.mask());
  // Left: NWFS, MHMV 15, IRO 0x50, PT, EIM, IR, DT, QI.
  EXPECT_EQ(m.ecap, uint64_t{0xf0505e} | ExtendedCapability::kNwfs.mask());
  EXPECT_THAT(ValidateCapabilities(m.cap, m.ecap), IsOk());
}

TEST(MaskUnimplementedTest, DependentsOfAMaskedFieldAreMaskedToo) {
  // ECMDS is not modeled; PMS (also not modeled) requires it. Masking both leaves nothing.
  const uint64_t cap = kMinimalCap | Capability::kEcmds.mask();
  const uint64_t ecap = kMinimalEcap | ExtendedCapability::kPms.mask();
  const MaskedCapabilities m = MaskUnimplemented(cap, ecap, ImplementedFeatures::Today());
  EXPECT_TRUE(m.audit.ok());
  EXPECT_THAT(MaskedNames(m), ::testing::UnorderedElementsAre("CAP.ECMDS", "ECAP.PMS"));
  EXPECT_EQ(m.cap, kMinimalCap);
  EXPECT_EQ(m.ecap, kMinimalEcap);
}

TEST(MaskUnimplementedTest, InvalidValuesAreNotMasked) {
  const uint64_t cap = Capability::kNd.Set(kMinimalCap, 7);  // ND 111b is reserved
  const MaskedCapabilities m = MaskUnimplemented(cap, kMinimalEcap, ImplementedFeatures::Today());
  EXPECT_TRUE(m.masked.empty());
  EXPECT_FALSE(m.audit.ok());
  EXPECT_EQ(m.cap, cap);
}

TEST(MaskUnimplementedTest, R630NeedsNoMasking) {
  const MaskedCapabilities m = MaskUnimplemented(kR630Cap, kR630Ecap, ImplementedFeatures::Today(),
                                                 {.host_address_width = 46, .version = 0x10});
  EXPECT_TRUE(m.audit.ok());
  EXPECT_TRUE(m.masked.empty());
  EXPECT_EQ(m.cap, kR630Cap);
  EXPECT_EQ(m.ecap, kR630Ecap);
}

}  // namespace
}  // namespace vtd
