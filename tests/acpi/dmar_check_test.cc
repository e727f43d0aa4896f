// DMAR checker (VT-d spec chapter 8): a clean table with every structure type gives no
// finding, and each check id fires, with its severity and offset, on a table that breaks
// exactly the rule it names.
#include "model/acpi/dmar_check.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/acpi/dmar.h"
#include "tests/acpi/dmar_bytes.h"

namespace vtd::acpi {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::IsEmpty;
using ::testing::Not;
using namespace ::vtd::acpi::testing;  // NOLINT: the byte builders

auto FindingIs(const std::string& id, Severity severity, size_t offset) {
  return AllOf(Field(&Finding::id, id), Field(&Finding::severity, severity),
               Field(&Finding::offset, offset));
}
auto HasId(const std::string& id) { return Contains(Field(&Finding::id, id)); }

constexpr uint64_t kGfxBase = 0xfed90000;
constexpr uint64_t kMainBase = 0xfed91000;

// A clean table with one structure of each type; tests replace one part to break one rule.
struct Parts {
  Bytes gfx_drhd = DrhdBytes(0, 0, kGfxBase, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}));
  Bytes main_drhd = DrhdBytes(
      1, 0, kMainBase,
      Concat({ScopeBytes(kIoapic, 2, 0, {{0x1e, 7}}), ScopeBytes(kHpet, 0, 0, {{0x1e, 6}}),
              ScopeBytes(kNamespace, 1, 0, {{0x15, 0}})}));
  Bytes rmrr = RmrrBytes(0, 0x9c000000, 0xa07fffff, ScopeBytes(kEndpoint, 0, 0, {{0x14, 0}}));
  Bytes atsr = AtsrBytes(1, 0);
  Bytes rhsa = RhsaBytes(kMainBase, 0);
  Bytes andd = AnddBytes(1, NameField("\\_SB.PCI0.I2C0", 5));
  Bytes satc = SatcBytes(1, 0, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}));
  Bytes sidp = SidpBytes(0, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}, /*flags=*/0x1f));
  uint8_t haw = 38;
  uint8_t flags = kDmarFlagIntrRemap;

  Bytes Build() const {
    return TableBytes({gfx_drhd, main_drhd, rmrr, atsr, rhsa, andd, satc, sidp}, haw, flags);
  }
};

// Structure indexes in Parts::Build() order.
enum { kGfx, kMain, kRmrr, kAtsr, kRhsa, kAndd, kSatc, kSidp };

size_t StructureOffset(const Bytes& b, size_t index) {
  return ParseDmar(b).value().structures.at(index).offset;
}
size_t ScopeOffset(const Bytes& b, size_t index, size_t scope) {
  const DmarTable t = ParseDmar(b).value();
  return std::visit(
      [scope](const auto& body) -> size_t {
        if constexpr (requires { body.scopes; }) return body.scopes.at(scope).offset;
        return 0;
      },
      t.structures.at(index).body);
}

TEST(DmarCheckTest, CleanTableHasNoFinding) {
  EXPECT_THAT(CheckDmarBytes(Parts().Build()), IsEmpty());
}

TEST(DmarCheckTest, SeverityNames) {
  EXPECT_EQ(SeverityName(Severity::kInfo), "info");
  EXPECT_EQ(SeverityName(Severity::kWarning), "warning");
  EXPECT_EQ(SeverityName(Severity::kError), "error");
}

// §8.1 header.
TEST(DmarCheckTest, Sec8_1_BadChecksum) {
  Bytes b = Parts().Build();
  b[9] += 1;
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("bad-checksum", Severity::kError, 9)));
}

TEST(DmarCheckTest, Sec8_1_CheckDmarRecomputesTheChecksumOfEditedTables) {
  DmarTable t = ParseDmar(Parts().Build()).value();
  std::get<Drhd>(t.structures[kGfx].body).register_base += 0x100000;
  EXPECT_THAT(CheckDmar(t), ElementsAre(FindingIs("bad-checksum", Severity::kError, 9)));
  RecomputeChecksum(t);
  EXPECT_THAT(CheckDmar(t), IsEmpty());
}

TEST(DmarCheckTest, Sec8_1_HostAddressWidthBelowLinuxMinimum) {
  Parts p;
  p.haw = 10;
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("haw-too-small", Severity::kError, 36)));
  p.haw = 11;
  EXPECT_THAT(CheckDmarBytes(p.Build()), IsEmpty());
}

TEST(DmarCheckTest, Sec8_1_HostAddressWidthAbove64Bits) {
  Parts p;
  p.haw = 64;
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("haw-too-large", Severity::kWarning, 36)));
  p.haw = 63;
  EXPECT_THAT(CheckDmarBytes(p.Build()), IsEmpty());
}

TEST(DmarCheckTest, Sec8_1_ReservedFlagBits7To3) {
  for (int bit = 3; bit <= 7; ++bit) {
    Parts p;
    p.flags = kDmarFlagIntrRemap | (1u << bit);
    EXPECT_THAT(CheckDmarBytes(p.Build()),
                ElementsAre(FindingIs("header-flags-reserved", Severity::kWarning, 37)))
        << bit;
  }
}

TEST(DmarCheckTest, Sec8_1_X2apicOptOutWithoutIntrRemap) {
  Parts p;
  p.flags = kDmarFlagX2apicOptOut;
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("x2apic-opt-out-without-intr-remap", Severity::kWarning, 37)));
  p.flags = kDmarFlagX2apicOptOut | kDmarFlagIntrRemap | kDmarFlagDmaCtrlPlatformOptIn;
  EXPECT_THAT(CheckDmarBytes(p.Build()), IsEmpty());
}

TEST(DmarCheckTest, Sec8_1_ReservedHeaderBytes) {
  for (size_t at = 38; at < 48; ++at) {
    Bytes b = Parts().Build();
    b[at] = 1;
    FixLengthAndChecksum(b);
    EXPECT_THAT(CheckDmarBytes(b),
                ElementsAre(FindingIs("header-reserved-nonzero", Severity::kWarning, 38)))
        << at;
  }
}

TEST(DmarCheckTest, Sec8_1_BytesAfterLength) {
  Bytes b = Parts().Build();
  const size_t length = b.size();
  b.insert(b.end(), 3, 0xff);
  EXPECT_THAT(CheckDmarBytes(b),
              ElementsAre(FindingIs("bytes-after-length", Severity::kWarning, length)));
}

// §8.2 structure sequence.
TEST(DmarCheckTest, Sec8_2_TrailingPartialStructure) {
  Bytes b = Parts().Build();
  const size_t end = b.size();
  b.insert(b.end(), {0, 0, 0});
  FixLengthAndChecksum(b);
  EXPECT_THAT(CheckDmarBytes(b),
              ElementsAre(FindingIs("trailing-partial-structure", Severity::kWarning, end)));
}

TEST(DmarCheckTest, Sec8_2_UnknownStructureType) {
  const Bytes b = TableBytes({DrhdBytes(1, 0, kMainBase), StructureBytes(7, Bytes(4, 0))});
  EXPECT_THAT(CheckDmarBytes(b),
              ElementsAre(FindingIs("unknown-structure-type", Severity::kWarning, 64)));
}

TEST(DmarCheckTest, Sec8_2_StructuresOutOfTypeOrder) {
  const Parts p;
  const Bytes b = TableBytes({p.gfx_drhd, p.rhsa, p.main_drhd, p.andd});
  EXPECT_THAT(CheckDmarBytes(b),
              ElementsAre(FindingIs("structure-order", Severity::kWarning, StructureOffset(b, 2))));
}

TEST(DmarCheckTest, Sec8_2_StructureTrailingBytes) {
  Parts p;
  p.atsr = AtsrBytes(0, 0, Concat({ScopeBytes(kBridge, 0, 0, {{1, 0}}), Bytes{2, 8, 0}}));
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b),
              ElementsAre(FindingIs("structure-trailing-bytes", Severity::kWarning,
                                    StructureOffset(b, kAtsr) + 16)));
}

// §8.3 DRHD.
TEST(DmarCheckTest, Sec8_3_NoDrhd) {
  EXPECT_THAT(CheckDmarBytes(TableBytes({})),
              ElementsAre(FindingIs("no-drhd", Severity::kError, 48)));
}

TEST(DmarCheckTest, Sec8_3_RegisterBaseZero) {
  Parts p;
  p.gfx_drhd = DrhdBytes(0, 0, 0, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}));
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("drhd-base-zero", Severity::kError, 48)));
}

TEST(DmarCheckTest, Sec8_3_RegisterBaseNot4KAligned) {
  Parts p;
  p.gfx_drhd = DrhdBytes(0, 0, kGfxBase + 0x80, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}));
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("drhd-base-unaligned", Severity::kWarning, 48)));
}

TEST(DmarCheckTest, Sec8_3_RegisterBaseNotAlignedToRegisterSetSize) {
  Parts p;
  // Size 1: two pages (8 KiB); 0xfed91000 is only 4 KiB aligned.
  p.gfx_drhd = DrhdBytes(0, 0, 0xfed91000 + 0x10000, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}), 1);
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("drhd-base-not-size-aligned", Severity::kWarning, 48)));
}

TEST(DmarCheckTest, Sec8_3_ReservedFlagsAndSizeBits) {
  Parts p;
  p.gfx_drhd = DrhdBytes(0x2, 0, kGfxBase, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}));
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("drhd-flags-reserved", Severity::kWarning, 48)));
  p.gfx_drhd = DrhdBytes(0, 0, kGfxBase, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}), 0x10);
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("drhd-size-reserved", Severity::kWarning, 48)));
}

TEST(DmarCheckTest, Sec8_3_DrhdWithoutScopesOrIncludePciAll) {
  Parts p;
  p.gfx_drhd = DrhdBytes(0, 0, kGfxBase);
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("drhd-no-scope", Severity::kWarning, 48)));
}

TEST(DmarCheckTest, Sec8_3_DuplicateSegmentAndBase) {
  Parts p;
  p.gfx_drhd = DrhdBytes(0, 0, kMainBase, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}));
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("drhd-duplicate", Severity::kWarning,
                                                       StructureOffset(b, kMain))));
  // The same base in another segment is another unit.
  p.gfx_drhd = DrhdBytes(0, 1, kMainBase, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}));
  EXPECT_THAT(CheckDmarBytes(p.Build()), Not(HasId("drhd-duplicate")));
}

TEST(DmarCheckTest, Sec8_3_TwoIncludePciAllUnitsInOneSegment) {
  const Bytes b = TableBytes({DrhdBytes(1, 0, 0x1000), DrhdBytes(1, 0, 0x2000)});
  EXPECT_THAT(CheckDmarBytes(b),
              ElementsAre(FindingIs("include-pci-all-not-last", Severity::kError, 48),
                          FindingIs("include-pci-all-duplicate", Severity::kError, 64)));
}

TEST(DmarCheckTest, Sec8_3_IncludePciAllNotLastOfItsSegment) {
  const Parts p;
  const Bytes b = TableBytes({p.main_drhd, p.gfx_drhd, p.andd});
  EXPECT_THAT(CheckDmarBytes(b),
              ElementsAre(FindingIs("include-pci-all-not-last", Severity::kError, 48)));
}

TEST(DmarCheckTest, Sec8_3_IncludePciAllPerSegmentIsFine) {
  // Segment 1's catch-all unit may precede segment 0's units: the rule is per segment.
  const Bytes b = TableBytes({DrhdBytes(1, 1, 0x1000),
                              DrhdBytes(0, 0, 0x2000, ScopeBytes(kEndpoint, 0, 0, {{2, 0}})),
                              DrhdBytes(1, 0, 0x3000)});
  EXPECT_THAT(CheckDmarBytes(b), IsEmpty());
}

TEST(DmarCheckTest, Sec8_3_IncludePciAllListingPciScopes) {
  for (uint8_t type : {kEndpoint, kBridge}) {
    const Bytes b = TableBytes({DrhdBytes(1, 0, kMainBase, ScopeBytes(type, 0, 0, {{3, 0}}))});
    EXPECT_THAT(CheckDmarBytes(b),
                ElementsAre(FindingIs("include-pci-all-pci-scope", Severity::kWarning, 64)));
  }
}

TEST(DmarCheckTest, Sec8_3_SameDeviceUnderTwoUnits) {
  Parts p;
  p.gfx_drhd = DrhdBytes(
      0, 0, kGfxBase,
      Concat({ScopeBytes(kEndpoint, 0, 0, {{2, 0}}), ScopeBytes(kEndpoint, 0, 0, {{2, 0}})}));
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("pci-scope-duplicate", Severity::kWarning,
                                                       ScopeOffset(b, kGfx, 1))));
}

TEST(DmarCheckTest, Sec8_3_StructureNamesSegmentWithoutDrhd) {
  Parts p;
  p.rmrr = RmrrBytes(1, 0x9c000000, 0xa07fffff, ScopeBytes(kEndpoint, 0, 0, {{0x14, 0}}));
  p.atsr = AtsrBytes(1, 2);
  p.satc = SatcBytes(1, 3, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}));
  p.sidp = SidpBytes(4, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}, 0x1f));
  const Bytes b = p.Build();
  std::vector<Finding> findings = CheckDmarBytes(b);
  EXPECT_THAT(findings, Contains(FindingIs("segment-without-drhd", Severity::kError,
                                           StructureOffset(b, kRmrr))));
  EXPECT_THAT(findings, Contains(FindingIs("segment-without-drhd", Severity::kError,
                                           StructureOffset(b, kAtsr))));
  EXPECT_THAT(findings, Contains(FindingIs("segment-without-drhd", Severity::kError,
                                           StructureOffset(b, kSatc))));
  EXPECT_THAT(findings, Contains(FindingIs("segment-without-drhd", Severity::kError,
                                           StructureOffset(b, kSidp))));
}

// §8.3.1 device scopes.
TEST(DmarCheckTest, Sec8_3_1_EmptyPath) {
  for (uint8_t type : {kEndpoint, kBridge, kIoapic, kHpet}) {
    Parts p;
    p.gfx_drhd = DrhdBytes(0, 0, kGfxBase, ScopeBytes(type, 0, 0, {}));
    EXPECT_THAT(CheckDmarBytes(p.Build()),
                ElementsAre(FindingIs("scope-empty-path", Severity::kError, 64)))
        << int{type};
  }
}

TEST(DmarCheckTest, Sec8_3_1_UnknownScopeType) {
  for (uint8_t type : {0, 6, 0xff}) {
    Parts p;
    p.gfx_drhd = DrhdBytes(
        0, 0, kGfxBase,
        Concat({ScopeBytes(kEndpoint, 0, 0, {{2, 0}}), ScopeBytes(type, 0, 0, {{3, 0}})}));
    EXPECT_THAT(CheckDmarBytes(p.Build()),
                ElementsAre(FindingIs("scope-unknown-type", Severity::kWarning, 72)))
        << int{type};
  }
}

TEST(DmarCheckTest, Sec8_3_1_OddLength) {
  Parts p;
  Bytes scope = ScopeBytes(kEndpoint, 0, 0, {{2, 0}});
  scope[1] = 9;
  scope.push_back(0);
  p.gfx_drhd = DrhdBytes(0, 0, kGfxBase, scope);
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("scope-odd-length", Severity::kError, 64)));
}

TEST(DmarCheckTest, Sec8_3_1_ReservedByte) {
  Parts p;
  Bytes scope = ScopeBytes(kEndpoint, 0, 0, {{2, 0}});
  scope[3] = 1;
  p.gfx_drhd = DrhdBytes(0, 0, kGfxBase, scope);
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("scope-reserved-nonzero", Severity::kWarning, 64)));
}

TEST(DmarCheckTest, Sec8_3_1_FlagsOutsideSidpAreReserved) {
  Parts p;
  p.gfx_drhd = DrhdBytes(0, 0, kGfxBase, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}, 0x1));
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("scope-flags-reserved", Severity::kWarning, 64)));
}

TEST(DmarCheckTest, Sec8_9_SidpScopeFlagBits7To5AreReserved) {
  Parts p;
  p.sidp = SidpBytes(0, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}, 0x20));
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("scope-flags-reserved", Severity::kWarning,
                                                       ScopeOffset(b, kSidp, 0))));
}

TEST(DmarCheckTest, Sec8_7_NamespaceScopeWithoutAndd) {
  Parts p;
  p.andd = AnddBytes(2, NameField("\\_SB.PCI0.I2C0"));
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b),
              ElementsAre(FindingIs("namespace-scope-no-andd", Severity::kWarning,
                                    ScopeOffset(b, kMain, 2))));
}

// §8.4 RMRR.
TEST(DmarCheckTest, Sec8_4_LimitBelowBase) {
  Parts p;
  p.rmrr = RmrrBytes(0, 0xa07fffff, 0x9c000000, ScopeBytes(kEndpoint, 0, 0, {{0x14, 0}}));
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("rmrr-limit-below-base", Severity::kError,
                                                       StructureOffset(b, kRmrr))));
  p.rmrr = RmrrBytes(0, 0x1000, 0x1000, ScopeBytes(kEndpoint, 0, 0, {{0x14, 0}}));
  EXPECT_THAT(CheckDmarBytes(p.Build()), HasId("rmrr-limit-below-base"));
}

TEST(DmarCheckTest, Sec8_4_Unaligned) {
  for (auto [base, limit] : {std::pair<uint64_t, uint64_t>{0x9c000123, 0xa07fffff},
                             std::pair<uint64_t, uint64_t>{0x9c000000, 0xa07fffef}}) {
    Parts p;
    p.rmrr = RmrrBytes(0, base, limit, ScopeBytes(kEndpoint, 0, 0, {{0x14, 0}}));
    const Bytes b = p.Build();
    EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("rmrr-unaligned", Severity::kWarning,
                                                         StructureOffset(b, kRmrr))));
  }
}

TEST(DmarCheckTest, Sec8_4_NoScopeAndReservedField) {
  Parts p;
  p.rmrr = RmrrBytes(0, 0x9c000000, 0xa07fffff, {});
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("rmrr-no-scope", Severity::kWarning,
                                                       StructureOffset(b, kRmrr))));
  p.rmrr = RmrrBytes(0, 0x9c000000, 0xa07fffff, ScopeBytes(kEndpoint, 0, 0, {{0x14, 0}}), 1);
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("rmrr-reserved-nonzero", Severity::kWarning,
                                    StructureOffset(b, kRmrr))));
}

TEST(DmarCheckTest, Sec8_4_DeviceCoveredByNoDrhd) {
  // No INCLUDE_PCI_ALL unit: the RMRR device must be in some DRHD's scopes.
  const Bytes rmrr_scopes = Concat({ScopeBytes(kEndpoint, 0, 0, {{2, 0}}),
                                    ScopeBytes(kEndpoint, 0, 0, {{0x1c, 0}, {0, 0}}),
                                    ScopeBytes(kEndpoint, 0, 0, {{0x14, 0}})});
  const Bytes b = TableBytes({DrhdBytes(0, 0, 0x1000,
                                        Concat({ScopeBytes(kEndpoint, 0, 0, {{2, 0}}),
                                                ScopeBytes(kBridge, 0, 0, {{0x1c, 0}})})),
                              RmrrBytes(0, 0x1000, 0x1fff, rmrr_scopes)});
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("rmrr-device-not-under-drhd",
                                                       Severity::kWarning, ScopeOffset(b, 1, 2))));
}

// §8.5 ATSR.
TEST(DmarCheckTest, Sec8_5_AllPortsWithScopes) {
  Parts p;
  p.atsr = AtsrBytes(1, 0, ScopeBytes(kBridge, 0, 0, {{1, 0}}));
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b),
              ElementsAre(FindingIs("atsr-all-ports-with-scopes", Severity::kWarning,
                                    StructureOffset(b, kAtsr))));
}

TEST(DmarCheckTest, Sec8_5_NoScopeWithoutAllPorts) {
  Parts p;
  p.atsr = AtsrBytes(0, 0);
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("atsr-no-scope", Severity::kWarning,
                                                       StructureOffset(b, kAtsr))));
}

TEST(DmarCheckTest, Sec8_5_ScopeNotBridge) {
  Parts p;
  p.atsr = AtsrBytes(0, 0, ScopeBytes(kEndpoint, 0, 0, {{1, 0}}));
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("atsr-scope-not-bridge", Severity::kWarning,
                                                       ScopeOffset(b, kAtsr, 0))));
}

TEST(DmarCheckTest, Sec8_5_ReservedFlagsAndByte) {
  Parts p;
  p.atsr = AtsrBytes(0x81, 0);
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("atsr-flags-reserved", Severity::kWarning,
                                                       StructureOffset(b, kAtsr))));
  p.atsr = AtsrBytes(1, 0, {}, /*reserved=*/1);
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("atsr-reserved-nonzero", Severity::kWarning,
                                    StructureOffset(b, kAtsr))));
}

// §8.6 RHSA.
TEST(DmarCheckTest, Sec8_6_BaseMatchesNoDrhd) {
  Parts p;
  p.rhsa = RhsaBytes(0x9d7fc000, 0);
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("rhsa-no-drhd", Severity::kWarning,
                                                       StructureOffset(b, kRhsa))));
  p.rhsa = RhsaBytes(kMainBase, 0, /*reserved=*/1);
  EXPECT_THAT(CheckDmarBytes(p.Build()),
              ElementsAre(FindingIs("rhsa-reserved-nonzero", Severity::kWarning,
                                    StructureOffset(b, kRhsa))));
}

// §8.7 ANDD.
TEST(DmarCheckTest, Sec8_7_NameNotTerminated) {
  Parts p;
  p.andd = AnddBytes(1, Bytes{'\\', '_', 'S', 'B'});
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("andd-name-unterminated", Severity::kError,
                                                       StructureOffset(b, kAndd))));
}

TEST(DmarCheckTest, Sec8_7_DuplicateNumberAndReservedBytes) {
  Parts p;
  const Bytes second = AnddBytes(1, NameField("\\_SB.PCI0.I2C1"));
  p.andd = Concat({p.andd, second});
  Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("andd-duplicate-number", Severity::kWarning,
                                                       StructureOffset(b, kAndd + 1))));
  p = Parts();
  b = p.Build();
  b[StructureOffset(b, kAndd) + 5] = 1;
  FixLengthAndChecksum(b);
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("andd-reserved-nonzero", Severity::kWarning,
                                                       StructureOffset(b, kAndd))));
}

// §8.8 SATC.
TEST(DmarCheckTest, Sec8_8_ScopeMustBeSingleHopEndpoint) {
  for (const Bytes& scope :
       {ScopeBytes(kBridge, 0, 0, {{2, 0}}), ScopeBytes(kEndpoint, 0, 0, {{0x1c, 0}, {0, 0}})}) {
    Parts p;
    p.satc = SatcBytes(1, 0, scope);
    const Bytes b = p.Build();
    EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("satc-scope-not-rciep", Severity::kWarning,
                                                         ScopeOffset(b, kSatc, 0))));
  }
}

TEST(DmarCheckTest, Sec8_8_ReservedFlags) {
  Parts p;
  p.satc = SatcBytes(0x3, 0, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}));
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("satc-flags-reserved", Severity::kWarning,
                                                       StructureOffset(b, kSatc))));
}

// §8.9 SIDP.
TEST(DmarCheckTest, Sec8_9_ScopeMustBeSingleHopEndpointOrNamespace) {
  Parts p;
  p.sidp = SidpBytes(0, ScopeBytes(kNamespace, 1, 0, {{0x15, 0}}, 0x1));
  EXPECT_THAT(CheckDmarBytes(p.Build()), IsEmpty());
  p.sidp = SidpBytes(0, ScopeBytes(kIoapic, 2, 0, {{0x1e, 7}}));
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("sidp-scope-invalid", Severity::kWarning,
                                                       ScopeOffset(b, kSidp, 0))));
}

TEST(DmarCheckTest, Sec8_9_ReservedField) {
  Parts p;
  p.sidp = SidpBytes(0, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}), /*reserved=*/1);
  const Bytes b = p.Build();
  EXPECT_THAT(CheckDmarBytes(b), ElementsAre(FindingIs("sidp-reserved-nonzero", Severity::kWarning,
                                                       StructureOffset(b, kSidp))));
}

// Parse errors become one error finding with the parser's id and offset.
TEST(DmarCheckBytesTest, ParseErrorsBecomeOneFinding) {
  Bytes b = Parts().Build();
  b[64 + 1] = 0;  // the first DRHD's scope at 0x40 gets Length 0
  EXPECT_THAT(CheckDmarBytes(b),
              ElementsAre(FindingIs("scope-length-below-minimum", Severity::kError, 0x40)));
  EXPECT_THAT(CheckDmarBytes(Bytes(10, 0)),
              ElementsAre(FindingIs("truncated-header", Severity::kError, 0)));
}

TEST(DmarCheckBytesTest, TruncatedTableNamesWhereTheDataEnds) {
  const Bytes full = Parts().Build();
  const Bytes cut(full.begin(), full.begin() + 0x48 + 10);  // inside the DRHD at 0x48
  const std::vector<Finding> findings = CheckDmarBytes(cut);
  ASSERT_THAT(findings, ElementsAre(FindingIs("length-exceeds-buffer", Severity::kError, 4)));
  EXPECT_THAT(findings[0].message, ::testing::HasSubstr("structure at 0x48"));
}

TEST(DmarCheckTest, FindingsComeInOffsetOrder) {
  Parts p;
  p.flags = 0x80 | kDmarFlagIntrRemap;
  p.rhsa = RhsaBytes(0x1000, 0);
  p.gfx_drhd = DrhdBytes(0, 0, 0, ScopeBytes(kEndpoint, 0, 0, {{2, 0}}));
  Bytes b = p.Build();
  b[9] += 1;
  const std::vector<Finding> findings = CheckDmarBytes(b);
  ASSERT_EQ(findings.size(), 4u);
  for (size_t i = 1; i < findings.size(); ++i) {
    EXPECT_LE(findings[i - 1].offset, findings[i].offset);
  }
}

}  // namespace
}  // namespace vtd::acpi
