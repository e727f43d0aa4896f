// Every legacy-mode fault condition of VT-d spec Table 30 (§7.1.3), and the RTA conditions a
// legacy unit raises, through RemappingUnit::Dma: the request is blocked with the right
// completion, and the fault lands in FRCD[0] (§11.4.7.6: FR, SID, FI, T1/T2, AT) with
// FSTS.PPF set and FRI = 0 (§11.4.7.1). The pure walk has its own per-condition tests
// (tests/translate/legacy_faults_test.cc); these check recording through the unit.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/unit/unit_fixture.h"

namespace vtd {
namespace {

struct FaultCase {
  std::string name;                       // the condition, e.g. "LCT.4.3"
  std::function<void(UnitTest&)> tables;  // builds the tables (context/maps)
  std::function<DmaRequest(UnitTest&)> request;
  uint8_t reason;
  Completion completion = Completion::kUnsupportedRequest;
  uint64_t rtaddr = kRootTable;
};

class UnitFaultTableTest : public UnitTest, public ::testing::WithParamInterface<FaultCase> {
 public:
  // Exposes the fixture's protected helpers to the table's lambdas.
  using UnitTest::EntryAddressFor;
  using UnitTest::Map;
  using UnitTest::Req;
  using UnitTest::SetContext;
  using UnitTest::SetContextRaw;
  using UnitTest::SetRoot;
};

constexpr auto kRead = AccessKind::kRead;
constexpr auto kWrite = AccessKind::kWrite;
constexpr auto kAtomic = AccessKind::kAtomic;

UnitFaultTableTest& T(UnitTest& t) { return static_cast<UnitFaultTableTest&>(t); }

DmaRequest Plain(UnitTest& t) { return T(t).Req(0x40000000); }
void Mapped(UnitTest& t) {
  T(t).SetContext();
  T(t).Map(0x40000000, 0x500000);
}

std::vector<FaultCase> Cases() {
  return {
      {"LRT.1", [](UnitTest&) {}, Plain, 0x08, Completion::kUnsupportedRequest, uint64_t{1} << 36},
      {"LRT.2", [](UnitTest& t) { T(t).SetRoot(kSid.bus(), kContextTable); }, Plain, 0x01},
      {"LRT.3", [](UnitTest& t) { T(t).SetRoot(kSid.bus(), kContextTable | 1 | (1 << 4)); }, Plain,
       0x0a},
      {"LCT.1", [](UnitTest& t) { T(t).SetRoot(kSid.bus(), (uint64_t{1} << 35) | 1); }, Plain,
       0x09},
      {"LCT.2", [](UnitTest&) {}, Plain, 0x02},
      {"LCT.3",
       [](UnitTest& t) {
         T(t).SetContext();
         T(t).SetContextRaw(0x20000 | 1 | (1 << 4), 2 | (7 << 8));
       },
       Plain, 0x0b},
      {"LCT.4.1",
       [](UnitTest& t) { T(t).SetContext(7, TranslationType::kUntranslatedOnly, false, 1); }, Plain,
       0x03},
      {"LCT.4.2", [](UnitTest& t) { T(t).SetContext(7, TranslationType::kReserved); }, Plain, 0x03},
      {"LCT.4.3", [](UnitTest& t) { T(t).SetContextRaw((uint64_t{1} << 35) | 1, 2 | (7 << 8)); },
       Plain, 0x03},
      {"LCT.5", Mapped,
       [](UnitTest& t) { return T(t).Req(0x40000000, kRead, 0, RequestType::kTranslation); }, 0x0d},
      {"LGN.1.1", Mapped, [](UnitTest& t) { return T(t).Req(uint64_t{1} << 48); }, 0x04},
      {"LGN.1.2", [](UnitTest& t) { T(t).SetContext(7, TranslationType::kDeviceTlb); },
       [](UnitTest& t) { return T(t).Req(uint64_t{1} << 46, kWrite, 4, RequestType::kTranslated); },
       0x04},
      {"LGN.1.3", [](UnitTest& t) { T(t).SetContext(7, TranslationType::kPassThrough); },
       [](UnitTest& t) { return T(t).Req(uint64_t{1} << 46); }, 0x04},
      {"LGN.2",
       [](UnitTest& t) {
         T(t).SetContext();
         T(t).Map(0x40000000, 0x500000, 1, /*read only*/ 1);
       },
       [](UnitTest& t) { return T(t).Req(0x40000010, kWrite); }, 0x05},
      {"LGN.3",
       [](UnitTest& t) {
         T(t).SetContext();
         T(t).Map(0x40000000, 0x500000, 1, /*write only*/ 2);
       },
       [](UnitTest& t) { return T(t).Req(0x40000010, kAtomic, 8); }, 0x06},
      {"LSS.1",
       [](UnitTest& t) {
         T(t).SetContext();
         T(t).Map(0x40000000, 0x500000);
         // The PML4E now points beyond the 4 GiB memory.
         T(t).Write(T(t).EntryAddressFor(0x40000000, 4), (uint64_t{1} << 35) | 3);
       },
       Plain, 0x07},
      {"LSS.2",
       [](UnitTest& t) {
         T(t).SetContext();
         T(t).Map(0x40000000, 0x500000 | (uint64_t{1} << 50));  // bit 50 >= HAW 46
       },
       Plain, 0x0c},
      {"LGN.4",
       [](UnitTest& t) {
         T(t).SetContext();
         T(t).Map(0x40000000, 0xfee00000);
       },
       [](UnitTest& t) { return T(t).Req(0x40000000, kWrite); }, 0x0e},
      {"RTA.1.2", Mapped, Plain, 0x30, Completion::kUnsupportedRequest, kRootTable | (2 << 10)},
      {"RTA.1.3", Mapped, Plain, 0x30, Completion::kUnsupportedRequest, kRootTable | (1 << 10)},
      {"RTA.2", Mapped,
       [](UnitTest& t) {
         DmaRequest r = T(t).Req(0x40000000);
         r.pasid = 5;
         return r;
       },
       0x31},
  };
}

TEST_P(UnitFaultTableTest, RecordedInFrcd_Sec7_1_3_Sec11_4_7) {
  const FaultCase& c = GetParam();
  CreateUnit();
  SetRoot(kSid.bus(), kContextTable | 1);
  c.tables(*this);
  unit_->WriteRegister64(kRtaddrOffset, c.rtaddr);
  GlobalCommand(1u << 30, true);
  GlobalContextInvalidate();
  GlobalIotlbInvalidate();
  EnableTranslation();

  const DmaRequest request = c.request(*this);
  const DmaOutcome out = unit_->Dma(request);
  ASSERT_TRUE(out.result.fault.has_value()) << c.name;
  EXPECT_EQ(FaultConditionName(out.result.fault->condition), c.name)
      << out.result.fault->ToString();
  EXPECT_EQ(out.result.completion, c.completion);
  EXPECT_TRUE(out.blocked);
  EXPECT_TRUE(out.recorded);
  ASSERT_TRUE(out.fault_record.has_value());
  EXPECT_EQ(out.fault_record->frcd_index, 0);

  const uint32_t fsts = Fsts();
  EXPECT_EQ(Fsts::kPpf.Get(fsts), 1u);
  EXPECT_EQ(Fsts::kFri.Get(fsts), 0u);
  EXPECT_EQ(Fsts::kPfo.Get(fsts), 0u);
  const FaultRecord rec = ReadFrcd(0);
  EXPECT_TRUE(rec.fault);
  EXPECT_EQ(rec.reason, c.reason) << c.name;
  EXPECT_EQ(rec.source_id, kSid.value());
  EXPECT_EQ(rec.fault_info, request.address & ~uint64_t{0xfff});
  // T1/T2 (§11.4.7.6): write 00, read 10, atomic 11; a translation request is a read.
  const bool expect_t1 = request.access != kWrite || request.type == RequestType::kTranslation;
  const bool expect_t2 = request.access == kAtomic;
  EXPECT_EQ(rec.t1, expect_t1);
  EXPECT_EQ(rec.t2, expect_t2);
  EXPECT_EQ(rec.address_type, static_cast<uint8_t>(request.type));  // ECAP.DT=1: AT kept
  EXPECT_FALSE(rec.pasid_present);  // the R630 has no PASID support: PP/PV are RsvdZ
  EXPECT_FALSE(ReadFrcd(1).fault);
  // FECTL.IM is 1 after reset: the event is pending (IP), not sent.
  ASSERT_TRUE(out.interrupt_message.has_value());
  EXPECT_FALSE(out.interrupt_message->sent);
  EXPECT_EQ(unit_->ReadRegister32(kFectlOffset), 0xC0000000u);
}

INSTANTIATE_TEST_SUITE_P(AllLegacyConditions, UnitFaultTableTest, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<FaultCase>& info) {
                           std::string n = info.param.name;
                           for (char& ch : n) {
                             if (ch == '.') ch = '_';
                           }
                           return n;
                         });

// S §3.4.4, Table 30 (33h): with ECAP.ADMS, RTADDR.TTM = 11b is abort-DMA mode: every DMA
// request is blocked and recorded with reason 33h; without ADMS, TTM = 11b is reserved and
// faults with 30h (RTA.1.1). Both through the unit's registers, FRCD and FSTS checked.
class AbortDmaModeTest : public UnitTest {
 protected:
  FaultRecord RunWithTtm3(bool adms, DmaOutcome* out) {
    if (adms) config_.ecap = ExtendedCapability::kAdms.Set(kR630Ecap, 1);
    CreateUnit();
    SetRoot(kSid.bus(), kContextTable | 1);
    SetContext();
    Map(0x40000000, 0x500000);
    unit_->WriteRegister64(kRtaddrOffset, kRootTable | (uint64_t{3} << 10));
    GlobalCommand(1u << 30, true);
    EnableTranslation();
    *out = unit_->Dma(Req(0x40000000));
    return ReadFrcd(0);
  }
};

TEST_F(AbortDmaModeTest, Sec3_4_4_AbortDmaModeRecords33h) {
  DmaOutcome out;
  const FaultRecord rec = RunWithTtm3(/*adms=*/true, &out);
  ASSERT_TRUE(out.result.fault.has_value());
  EXPECT_EQ(out.result.fault->condition, FaultCondition::kRta4);
  EXPECT_TRUE(out.blocked);
  EXPECT_TRUE(out.recorded);
  EXPECT_EQ(Fsts::kPpf.Get(Fsts()), 1u);
  EXPECT_TRUE(rec.fault);
  EXPECT_EQ(rec.reason, 0x33);
  EXPECT_EQ(rec.source_id, kSid.value());
  EXPECT_EQ(rec.fault_info, 0x40000000u);
}

TEST_F(AbortDmaModeTest, Sec11_4_5_Ttm3WithoutAdmsIsReserved30h) {
  DmaOutcome out;
  const FaultRecord rec = RunWithTtm3(/*adms=*/false, &out);
  ASSERT_TRUE(out.result.fault.has_value());
  EXPECT_EQ(out.result.fault->condition, FaultCondition::kRta1_1);
  EXPECT_TRUE(out.recorded);
  EXPECT_EQ(rec.reason, 0x30);
  EXPECT_EQ(rec.source_id, kSid.value());
}

}  // namespace
}  // namespace vtd
