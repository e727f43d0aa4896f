// The contract's constructs (../shared/scenario-format.md), one test each: what a valid file
// loads as. Errors are in scenario_errors_test.cc, robustness in scenario_robustness_test.cc.
#include "model/scenario/scenario_loader.h"

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/regs/cap_ecap.h"
#include "model/scenario/scenario.h"
#include "tests/scenario/scenario_test_util.h"
#include "tests/testing/status_matchers.h"

namespace vtd::scenario {
namespace {

using testing::DataFile;
using ::testing::ElementsAre;
using testing::LoadInline;
using ::testing::SizeIs;
using testing::WithSteps;

template <typename T>
const T& ActionOf(const Step& step) {
  return std::get<T>(step.action);
}

// One step of a scenario built from kHeader.
Step OneStep(const std::string& step_lines) {
  absl::StatusOr<Scenario> s = LoadInline(WithSteps(step_lines));
  EXPECT_TRUE(s.ok()) << s.status().message();
  if (!s.ok() || s->steps.empty()) return Step{};
  return s->steps[0];
}

class LegacyFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<Scenario> s = LoadScenarioFile(DataFile("legacy-4k.yaml"));
    ASSERT_TRUE(s.ok()) << s.status().message();
    scenario_ = *std::move(s);
  }
  Scenario scenario_;
};

TEST_F(LegacyFileTest, TopLevel) {
  EXPECT_EQ(scenario_.name.value, "legacy-4k-translate");
  EXPECT_EQ(scenario_.name.mark, (SourceMark{3, 7}));
  EXPECT_EQ(scenario_.description, "free text");
  ASSERT_THAT(scenario_.spec, SizeIs(2));
  EXPECT_EQ(scenario_.spec[0].value, "3.4.3");
  EXPECT_EQ(scenario_.spec[1].value, "6.2.1");
  EXPECT_EQ(scenario_.file, DataFile("legacy-4k.yaml"));
  EXPECT_EQ(scenario_.steps.size(), 12u);
  EXPECT_EQ(scenario_.expanded_step_count, 12u);
}

TEST_F(LegacyFileTest, UnitsPlatform) {
  const Platform& p = scenario_.platform;
  EXPECT_EQ(p.memory_size.value, uint64_t{0x100000000});
  ASSERT_TRUE(std::holds_alternative<UnitsPlatform>(p.source));
  const auto& units = std::get<UnitsPlatform>(p.source).units;
  ASSERT_THAT(units, SizeIs(1));
  EXPECT_EQ(units[0].name.value, "dmar0");
  EXPECT_EQ(units[0].base.value, 0xfed90000u);
  EXPECT_EQ(units[0].segment.value, 0);
  EXPECT_EQ(units[0].cap.form, CapabilityValue::Form::kRaw);
  EXPECT_EQ(units[0].cap.value, 0x00d2008c40660462u);
  EXPECT_EQ(units[0].ecap.value, 0xf050dau);
  EXPECT_TRUE(units[0].include_pci_all);
  EXPECT_THAT(p.unit_names, ElementsAre("dmar0"));
  EXPECT_THAT(p.unit_caps, ElementsAre(0x00d2008c40660462u));
}

TEST_F(LegacyFileTest, MemoryAllForms) {
  ASSERT_THAT(scenario_.memory, SizeIs(4));
  const auto& m = scenario_.memory;
  EXPECT_EQ(m[0].addr.value, 0x100000u);
  EXPECT_EQ(m[0].form, MemoryEntry::Form::kU64);
  EXPECT_EQ(m[0].bytes,
            (std::vector<uint8_t>{0x01, 0x00, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(m[1].form, MemoryEntry::Form::kU32);
  EXPECT_EQ(m[1].bytes, (std::vector<uint8_t>{1, 0, 0, 0, 2, 0, 0, 0}));
  EXPECT_EQ(m[2].form, MemoryEntry::Form::kBytes);
  EXPECT_EQ(m[2].bytes, (std::vector<uint8_t>{0x00, 0xff, 0x10}));
  EXPECT_EQ(m[3].form, MemoryEntry::Form::kFile);
  // A page-aligned window is checked now and mapped when the scenario runs.
  EXPECT_TRUE(m[3].file_mapped);
  EXPECT_TRUE(m[3].bytes.empty());
  EXPECT_EQ(m[3].file_offset, 0u);
  EXPECT_EQ(m[3].file_length, 5u);  // the file's size
  EXPECT_EQ(m[3].file, DataFile("image.bin"));
  EXPECT_EQ(m[3].addr.mark, (SourceMark{19, 12}));
}

TEST_F(LegacyFileTest, Timing) {
  ASSERT_THAT(scenario_.timing, SizeIs(1));
  EXPECT_EQ(scenario_.timing[0].key, "iotlb_hit");
  EXPECT_EQ(scenario_.timing[0].value, 3u);
}

TEST_F(LegacyFileTest, MmioWriteByRegNameTakesTheNaturalWidth) {
  const Step& step = scenario_.steps[0];
  EXPECT_EQ(step.kind(), ActionKind::kMmioWrite);
  EXPECT_EQ(step.mark, (SourceMark{23, 5}));
  const auto& w = ActionOf<MmioWrite>(step);
  EXPECT_EQ(w.unit.index, 0);
  EXPECT_EQ(w.reg.name, "RTADDR_REG");
  EXPECT_EQ(w.reg.offset, 0x20u);
  EXPECT_EQ(w.value.value, 0x100000u);
  EXPECT_EQ(w.width.value, 64);
  EXPECT_FALSE(step.expect.has_value());
}

TEST_F(LegacyFileTest, MmioWriteWithUnitNameLabelAndWidth) {
  const Step& step = scenario_.steps[1];
  const auto& w = ActionOf<MmioWrite>(step);
  EXPECT_EQ(w.unit.written, "dmar0");
  EXPECT_EQ(w.reg.offset, 0x18u);
  EXPECT_EQ(w.width.value, 32);
  EXPECT_EQ(step.label, "set root table pointer");
}

TEST_F(LegacyFileTest, MmioReadByOffsetWithValueAndMask) {
  const Step& step = scenario_.steps[2];
  const auto& r = ActionOf<MmioRead>(step);
  EXPECT_TRUE(r.reg.by_offset);
  EXPECT_EQ(r.reg.offset, 0x1cu);
  EXPECT_EQ(r.reg.name, "GSTS_REG");
  EXPECT_EQ(r.width.value, 32);
  ASSERT_TRUE(step.expect.has_value());
  EXPECT_EQ(step.expect->value->value, 0x40000000u);
  EXPECT_EQ(step.expect->mask->value, 0x40000000u);
}

TEST_F(LegacyFileTest, MemWriteAndMemRead) {
  const auto& w = ActionOf<MemWrite>(scenario_.steps[3]);
  EXPECT_EQ(w.data.addr.value, 0x600000u);
  EXPECT_EQ(w.data.bytes.size(), 16u);
  const auto& r = ActionOf<MemRead>(scenario_.steps[4]);
  EXPECT_EQ(r.addr.value, 0x100000u);
  EXPECT_EQ(r.width.value, 64);
  EXPECT_EQ(scenario_.steps[4].expect->value->value, 0x200001u);
}

TEST_F(LegacyFileTest, DmaDefaultsAndHpa) {
  const Step& step = scenario_.steps[5];
  const auto& d = ActionOf<Dma>(step);
  EXPECT_EQ(d.sid.value, SourceId::FromBdf(0, 2, 0));
  EXPECT_EQ(d.segment.value, 0);
  EXPECT_EQ(d.addr.value, 0x1000u);
  EXPECT_EQ(d.size.value, 4u);
  EXPECT_EQ(d.access.value, DmaAccess::kRead);
  EXPECT_FALSE(d.pasid.has_value());
  EXPECT_FALSE(d.exec.value);
  EXPECT_FALSE(d.priv.value);
  EXPECT_EQ(d.at.value, AddressType::kUntranslated);
  EXPECT_EQ(step.expect->hpa->value, 0x200000u);
}

TEST_F(LegacyFileTest, DmaAllFieldsAndFaultByName) {
  const Step& step = scenario_.steps[6];
  const auto& d = ActionOf<Dma>(step);
  EXPECT_EQ(d.addr.value, 0x1ffcu);
  EXPECT_EQ(d.access.value, DmaAccess::kWrite);
  EXPECT_EQ(d.pasid->value, 5u);
  EXPECT_FALSE(d.exec.value);
  EXPECT_TRUE(d.priv.value);
  EXPECT_EQ(d.at.value, AddressType::kTranslationRequest);
  ASSERT_TRUE(step.expect->fault.has_value());
  EXPECT_EQ(step.expect->fault->reason_text.value, "LRT.3");
  EXPECT_EQ(step.expect->fault->reason, FaultReason::kRootEntryReserved);
}

TEST_F(LegacyFileTest, InterruptExpectations) {
  const Step& remapped = scenario_.steps[7];
  const auto& i = ActionOf<Interrupt>(remapped);
  EXPECT_EQ(i.sid.value, SourceId::FromBdf(0, 0x1f, 0));
  EXPECT_EQ(i.address.value, 0xfee00000u);
  EXPECT_EQ(i.data.value, 0x30u);
  const InterruptExpectation& x = *remapped.expect->interrupt;
  EXPECT_EQ(x.vector->value, 0x30u);
  EXPECT_EQ(x.dest->value, 1u);
  EXPECT_EQ(x.trigger->value, 0);
  EXPECT_EQ(x.delivery_mode->value, 0);
  EXPECT_EQ(x.dest_mode->value, 0);

  const Expect& posted = *scenario_.steps[8].expect;
  EXPECT_EQ(posted.posted->pda->value, 0x700000u);
  EXPECT_EQ(posted.posted->vector->value, 0x40u);

  const Expect& fault = *scenario_.steps[9].expect;
  EXPECT_EQ(fault.fault->reason, FaultReason{0x20});
  EXPECT_EQ(fault.fault->reason_text.value, "0x20");
}

TEST_F(LegacyFileTest, CyclesExpectations) {
  EXPECT_EQ(scenario_.steps[10].expect->cycles->value, 10u);
  EXPECT_EQ(scenario_.steps[11].expect->cycles_max->value, 100u);
}

TEST(ScenarioLoaderTest, NumbersInEveryForm) {
  const Step step =
      OneStep("  - mem_write: {addr: 0x10, u32: [16, \"16\", 0x10, \"0x10\", 0X10, 1_6, +16]}\n");
  const auto& w = ActionOf<MemWrite>(step);
  ASSERT_EQ(w.data.bytes.size(), 28u);
  for (size_t i = 0; i < 28; i += 4) EXPECT_EQ(w.data.bytes[i], 16) << i;
  EXPECT_EQ(w.data.addr.value, 0x10u);
}

TEST(ScenarioLoaderTest, QuotedHexAddress) {
  const Step step = OneStep("  - mem_read: {addr: \"0x20\", width: \"32\"}\n");
  EXPECT_EQ(ActionOf<MemRead>(step).addr.value, 0x20u);
  EXPECT_EQ(ActionOf<MemRead>(step).width.value, 32);
}

TEST(ScenarioLoaderTest, DmarPlatform) {
  VTD_ASSERT_OK_AND_ASSIGN(Scenario s, LoadInline("name: d\n"
                                                  "platform:\n"
                                                  "  dmar: ../../../scenarios/platforms/demo.bin\n"
                                                  "steps:\n"
                                                  "  - mmio_read: {unit: dmar1, reg: VER}\n"));
  ASSERT_TRUE(std::holds_alternative<DmarPlatform>(s.platform.source));
  const DmarPlatform& d = std::get<DmarPlatform>(s.platform.source);
  EXPECT_FALSE(d.bytes.empty());
  EXPECT_FALSE(d.table.structures.empty());
  EXPECT_EQ(d.cap.value, kDefaultCap);
  EXPECT_GE(s.platform.unit_names.size(), 2u);
  EXPECT_EQ(s.platform.unit_names[1], "dmar1");
  EXPECT_EQ(ActionOf<MmioRead>(s.steps[0]).unit.index, 1);
  EXPECT_EQ(s.platform.memory_size.value, kDefaultMemorySize);
}

TEST(ScenarioLoaderTest, DmarPlatformWithCapOverride) {
  VTD_ASSERT_OK_AND_ASSIGN(Scenario s, LoadInline("name: d\n"
                                                  "platform:\n"
                                                  "  dmar: ../../../scenarios/platforms/demo.bin\n"
                                                  "  memory_size: 64M\n"
                                                  "  cap: 0x8d2078c106f0466\n"
                                                  "  ecap: 0xf020df\n"
                                                  "steps: []\n"));
  EXPECT_EQ(s.platform.unit_caps[0], 0x8d2078c106f0466u);
  EXPECT_EQ(s.platform.unit_ecaps[0], 0xf020dfu);
  EXPECT_EQ(s.platform.memory_size.value, uint64_t{64} << 20);
}

TEST(ScenarioLoaderTest, UnitDefaultsNamesAndScopes) {
  VTD_ASSERT_OK_AND_ASSIGN(Scenario s, LoadInline("name: t\n"
                                                  "platform:\n"
                                                  "  units:\n"
                                                  "    - base: 0xfed90000\n"
                                                  "      scope: [\"00:02.0\", \"00:1f.7\"]\n"
                                                  "    - base: 0xfed91000\n"
                                                  "      segment: 1\n"
                                                  "steps: []\n"));
  const auto& units = std::get<UnitsPlatform>(s.platform.source).units;
  ASSERT_THAT(units, SizeIs(2));
  EXPECT_EQ(units[0].name.value, "dmar0");
  EXPECT_EQ(units[1].name.value, "dmar1");
  EXPECT_EQ(units[0].cap.form, CapabilityValue::Form::kDefault);
  EXPECT_EQ(units[0].cap.value, kDefaultCap);
  EXPECT_EQ(units[0].ecap.value, kDefaultEcap);
  EXPECT_FALSE(units[0].include_pci_all);
  ASSERT_THAT(units[0].scope, SizeIs(2));
  EXPECT_EQ(units[0].scope[1].value, SourceId::FromBdf(0, 0x1f, 7));
  EXPECT_TRUE(units[1].include_pci_all);
  EXPECT_EQ(units[1].segment.value, 1);
}

TEST(ScenarioLoaderTest, NamedCapFields) {
  VTD_ASSERT_OK_AND_ASSIGN(Scenario s, LoadScenarioFile(DataFile("extensions.yaml")));
  const auto& units = std::get<UnitsPlatform>(s.platform.source).units;
  ASSERT_THAT(units, SizeIs(2));
  const CapabilityValue& cap = units[1].cap;
  EXPECT_EQ(cap.form, CapabilityValue::Form::kFields);
  ASSERT_THAT(cap.fields, SizeIs(8));
  EXPECT_EQ(cap.fields[0].name, "SAGAW");
  EXPECT_THAT(cap.fields[0].values, ElementsAre("39", "48"));
  const Capability decoded = Capability::Decode(cap.value);
  EXPECT_EQ(decoded.sagaw, 0b110);
  EXPECT_EQ(decoded.mgaw_bits(), 48);
  EXPECT_EQ(decoded.fault_recording_offset(), 0x400u);
  EXPECT_EQ(decoded.num_fault_recording_registers(), 4);
  EXPECT_EQ(decoded.domain_id_bits(), 8);
  const CapabilityValue& ecap = units[1].ecap;
  EXPECT_EQ(ecap.base, kDefaultEcap);
  const ExtendedCapability e = ExtendedCapability::Decode(ecap.value);
  EXPECT_FALSE(e.qi);
  EXPECT_FALSE(e.ir);
  EXPECT_TRUE(e.pt);
  EXPECT_EQ(e.iotlb_register_offset(), 0x500u);
}

TEST(ScenarioLoaderTest, Extensions) {
  VTD_ASSERT_OK_AND_ASSIGN(Scenario s, LoadScenarioFile(DataFile("extensions.yaml")));
  EXPECT_EQ(s.platform.memory_size.value, uint64_t{1} << 30);
  EXPECT_EQ(s.tables.pool_base.value, 0x30000000u);
  EXPECT_EQ(s.tables.pool_size.value, uint64_t{16} << 20);

  const auto& map = ActionOf<MapStep>(s.steps[0]);
  EXPECT_EQ(map.sid.value, SourceId::FromBdf(0, 2, 0));
  EXPECT_EQ(map.domain.value, 1);
  EXPECT_EQ(map.iova.value, 0x1000u);
  EXPECT_EQ(map.hpa.value, 0x200000u);
  EXPECT_EQ(map.size.value, 0x2000u);
  EXPECT_TRUE(map.read.value);
  EXPECT_TRUE(map.write.value);
  EXPECT_EQ(map.page_size.value, 4096u);
  EXPECT_EQ(map.levels.value, 4);
  EXPECT_FALSE(map.unit.has_value());

  const auto& map2 = ActionOf<MapStep>(s.steps[1]);
  EXPECT_EQ(map2.page_size.value, 0x200000u);
  EXPECT_EQ(map2.size.value, 0x200000u);
  EXPECT_TRUE(map2.read.value);
  EXPECT_FALSE(map2.write.value);

  EXPECT_EQ(ActionOf<EnableStep>(s.steps[2]).unit.index, 0);
  EXPECT_FALSE(ActionOf<EnableStep>(s.steps[2]).root.has_value());
  EXPECT_EQ(ActionOf<EnableStep>(s.steps[3]).unit.index, 1);
  EXPECT_EQ(ActionOf<EnableStep>(s.steps[3]).root->value, 0x10000u);

  const auto& repeat = ActionOf<RepeatStep>(s.steps[4]);
  EXPECT_EQ(repeat.count.value, 1000000u);
  EXPECT_EQ(repeat.stride.addr, 0x1000u);
  EXPECT_EQ(repeat.stride.hpa, 0x1000u);
  EXPECT_EQ(repeat.stride.iova, 0x1000u);
  ASSERT_THAT(repeat.steps, SizeIs(1));
  EXPECT_EQ(ActionOf<Dma>(repeat.steps[0]).size.value, 4096u);
  EXPECT_EQ(repeat.steps[0].expect->hpa->value, 0x200000u);

  const auto& repeat2 = ActionOf<RepeatStep>(s.steps[5]);
  EXPECT_EQ(repeat2.stride.addr, 0x800u);
  EXPECT_EQ(repeat2.stride.hpa, 0u);

  const auto& frcd = ActionOf<MmioRead>(s.steps[6]);
  EXPECT_EQ(frcd.reg.name, "FRCD_HI[3]");
  EXPECT_EQ(frcd.reg.offset, 0x400u + 3 * 16 + 8);
  EXPECT_EQ(frcd.width.value, 64);
  const auto& iotlb = ActionOf<MmioRead>(s.steps[7]);
  EXPECT_EQ(iotlb.reg.name, "IOTLB_REG");
  EXPECT_EQ(iotlb.reg.offset, 0x508u);

  EXPECT_EQ(ActionOf<MemWrite>(s.steps[8]).data.bytes, (std::vector<uint8_t>{1, 2, 3}));
  EXPECT_EQ(ActionOf<MemWrite>(s.steps[9]).data.bytes, (std::vector<uint8_t>{0xef, 0xbe}));
  EXPECT_EQ(ActionOf<Dma>(s.steps[10]).sid.value, SourceId(0x18));
  EXPECT_EQ(s.steps[10].expect->fault->reason_text.value, "LCT.1");

  // 9 plain steps, 1,000,000 + 4 repeated ones.
  EXPECT_EQ(s.expanded_step_count, 9u + 1000000u + 4u);
}

TEST(ScenarioLoaderTest, RegisterNamesResolveOnTheUnit) {
  VTD_ASSERT_OK_AND_ASSIGN(Scenario s,
                           LoadInline(WithSteps("  - mmio_write: {reg: gcmd_reg, value: 0}\n"
                                                "  - mmio_read: {reg: IVA}\n"
                                                "  - mmio_read: {reg: FRCD0}\n"
                                                "  - mmio_read: {reg: \"FRCD_HI[0]\", width: 32}\n"
                                                "  - mmio_read: {reg: IQT}\n"
                                                "  - mmio_read: {reg: FECTL}\n"
                                                "  - mmio_read: {reg: MTRRCAP}\n")));
  EXPECT_EQ(ActionOf<MmioWrite>(s.steps[0]).reg.offset, 0x18u);
  EXPECT_EQ(ActionOf<MmioRead>(s.steps[1]).reg.offset, 0x500u);  // default ECAP.IRO
  EXPECT_EQ(ActionOf<MmioRead>(s.steps[2]).reg.offset, 0x400u);  // default CAP.FRO
  EXPECT_EQ(ActionOf<MmioRead>(s.steps[3]).reg.offset, 0x408u);
  EXPECT_EQ(ActionOf<MmioRead>(s.steps[3]).width.value, 32);
  EXPECT_EQ(ActionOf<MmioRead>(s.steps[4]).reg.offset, 0x88u);
  EXPECT_EQ(ActionOf<MmioRead>(s.steps[4]).width.value, 64);
  EXPECT_EQ(ActionOf<MmioRead>(s.steps[5]).width.value, 32);
  EXPECT_FALSE(ActionOf<MmioRead>(s.steps[6]).reg.modeled);
  EXPECT_EQ(ActionOf<MmioRead>(s.steps[6]).reg.offset, 0x100u);
}

TEST(ScenarioLoaderTest, UpperHalfOfA64BitRegisterDefaultsTo32Bits) {
  const Step step = OneStep("  - mmio_read: {offset: 0x24}\n");
  EXPECT_EQ(ActionOf<MmioRead>(step).width.value, 32);
  const Step step64 = OneStep("  - mmio_read: {offset: 0x20}\n");
  EXPECT_EQ(ActionOf<MmioRead>(step64).width.value, 64);
}

TEST(ScenarioLoaderTest, FaultReasonForms) {
  for (const char* reason : {"6", "0x6", "\"0x06\"", "LGN.3", "lgn.3", "read_not_permitted"}) {
    const Step step =
        OneStep(absl::StrCat("  - dma: {sid: \"00:02.0\", addr: 0, access: read}\n"
                             "    expect: {fault: {reason: ",
                             reason, "}}\n"));
    ASSERT_TRUE(step.expect.has_value()) << reason;
    EXPECT_EQ(step.expect->fault->reason, FaultReason{0x06}) << reason;
  }
}

TEST(ScenarioLoaderTest, InterruptExpectationNamesAndNumbers) {
  const Step step = OneStep(
      "  - interrupt: {sid: \"00:1f.0\", segment: 0, address: 0xfee00000, data: 0x30}\n"
      "    expect: {vector: 48, dest: \"0x10\", trigger: level, delivery_mode: lowest,\n"
      "             dest_mode: logical}\n");
  const InterruptExpectation& x = *step.expect->interrupt;
  EXPECT_EQ(x.vector->value, 48u);
  EXPECT_EQ(x.dest->value, 16u);
  EXPECT_EQ(x.trigger->value, 1);
  EXPECT_EQ(x.delivery_mode->value, 1);
  EXPECT_EQ(x.dest_mode->value, 1);
  const Step numbers = OneStep(
      "  - interrupt: {sid: \"00:1f.0\", address: 0xfee00000, data: 0x30}\n"
      "    expect: {vector: 0x30, trigger: 1, delivery_mode: 4, dest_mode: 0}\n");
  EXPECT_EQ(numbers.expect->interrupt->delivery_mode->value, 4);
  EXPECT_FALSE(numbers.expect->interrupt->dest.has_value());
}

TEST(ScenarioLoaderTest, BooleansAndAddressTypes) {
  const Step step = OneStep(
      "  - dma: {sid: \"00:02.0\", addr: 0x10, access: read, exec: yes, priv: true,\n"
      "          at: translated}\n");
  EXPECT_TRUE(ActionOf<Dma>(step).exec.value);
  EXPECT_TRUE(ActionOf<Dma>(step).priv.value);
  EXPECT_EQ(ActionOf<Dma>(step).at.value, AddressType::kTranslated);
}

TEST(ScenarioLoaderTest, DmaUpToTheEndOfAPage) {
  const Step step = OneStep("  - dma: {sid: \"00:02.0\", addr: 0xffc, size: 4, access: read}\n");
  EXPECT_EQ(ActionOf<Dma>(step).size.value, 4u);
  const Step whole =
      OneStep("  - dma: {sid: \"00:02.0\", addr: 0x3000, size: 4096, access: read}\n");
  EXPECT_EQ(ActionOf<Dma>(whole).size.value, 4096u);
}

TEST(ScenarioLoaderTest, FaultShorthandAndLabel) {
  const Step step = OneStep(
      "  - label: blocked\n"
      "    dma: {sid: \"00:02.0\", addr: 0, access: write}\n"
      "    expect: {fault: LCT.1}\n");
  EXPECT_EQ(step.label, "blocked");
  EXPECT_EQ(step.expect->fault->reason_text.value, "LCT.1");
}

TEST(ScenarioLoaderTest, MarksAreOneBased) {
  VTD_ASSERT_OK_AND_ASSIGN(
      Scenario s, LoadInline(WithSteps("  - dma: {sid: \"00:02.0\", addr: 0x40, access: read}\n")));
  const auto& d = ActionOf<Dma>(s.steps[0]);
  EXPECT_EQ(s.steps[0].mark, (SourceMark{6, 5}));
  EXPECT_EQ(d.sid.mark, (SourceMark{6, 16}));
  EXPECT_EQ(d.addr.mark, (SourceMark{6, 33}));
  EXPECT_EQ(s.Where(d.addr.mark), testing::InlinePath() + ":6:33");
}

TEST(ScenarioLoaderTest, EnableAloneMeansUnitZero) {
  const Step step = OneStep("  - enable:\n");
  EXPECT_EQ(ActionOf<EnableStep>(step).unit.index, 0);
}

TEST(ScenarioLoaderTest, TimingNestsAsDottedKeys) {
  VTD_ASSERT_OK_AND_ASSIGN(
      Scenario s, LoadInline(absl::StrCat(testing::kHeader,
                                          "timing: {iotlb: {hit: 2, miss: 0x10}, mem: 100}\n"
                                          "steps: []\n")));
  ASSERT_THAT(s.timing, SizeIs(3));
  EXPECT_EQ(s.timing[0].key, "iotlb.hit");
  EXPECT_EQ(s.timing[1].key, "iotlb.miss");
  EXPECT_EQ(s.timing[1].value, 16u);
  EXPECT_EQ(s.timing[2].key, "mem");
}

TEST(ScenarioLoaderTest, DefaultTablePool) {
  VTD_ASSERT_OK_AND_ASSIGN(Scenario s, LoadInline(WithSteps("  []\n")));
  EXPECT_EQ(s.tables.pool_size.value, uint64_t{256} << 20);
  EXPECT_EQ(s.tables.pool_base.value, kDefaultMemorySize - (uint64_t{256} << 20));
  EXPECT_TRUE(s.steps.empty());
}

TEST(ScenarioLoaderTest, NestedRepeatsMultiply) {
  VTD_ASSERT_OK_AND_ASSIGN(
      Scenario s,
      LoadInline(WithSteps("  - repeat:\n"
                           "      count: 1000\n"
                           "      steps:\n"
                           "        - repeat:\n"
                           "            count: 1000\n"
                           "            stride: {addr: 4}\n"
                           "            steps:\n"
                           "              - dma: {sid: \"00:02.0\", addr: 0, access: read}\n"
                           "              - mem_read: {addr: 0, width: 8}\n")));
  EXPECT_EQ(s.expanded_step_count, 2000000u);
}

}  // namespace
}  // namespace vtd::scenario
