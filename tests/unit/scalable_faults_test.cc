// Scalable-mode fault conditions through the unit (faults.md §2-§3), one test per condition,
// named by it. Expected reason codes are the digest's Table 30 values; tables are written bit
// by bit from translation-structures.md.
#include <cstdint>

#include "gtest/gtest.h"
#include "tests/unit/scalable_fixture.h"

namespace vtd {
namespace {

// A unit with 20-bit PASIDs (PSS = 19), ECAP.DT, SSADS, SMPWCS and RPS on top of QEMU's.
constexpr uint64_t kWideEcap = (kQemuScalablePasidEcap & ~(uint64_t{0x1f} << 35)) |
                               (uint64_t{19} << 35) | kEcapDt | kEcapSsads | kEcapSmpwcs | kEcapRps;

class ScalableFaultTest : public ScalableUnitTest {
 protected:
  // The request's outcome must be the fault `condition` with reason `code`, blocked, and
  // recorded in FRCD 0 (unless `recorded` is false: FPD).
  void ExpectFault(const DmaRequest& request, FaultCondition condition, uint8_t code,
                   bool recorded = true) {
    const DmaOutcome out = unit_->Dma(request);
    ASSERT_TRUE(out.status().ok()) << out.status();
    ASSERT_TRUE(out.result.fault.has_value()) << DescribeResult(out);
    EXPECT_EQ(out.result.fault->condition, condition) << out.result.fault->ToString();
    EXPECT_EQ(static_cast<int>(out.result.fault->reason), code) << out.result.fault->ToString();
    EXPECT_EQ(out.recorded, recorded);
    if (recorded) {
      const FaultRecord r = ReadFrcd(0);
      EXPECT_TRUE(r.fault);
      EXPECT_EQ(r.reason, code);
      EXPECT_EQ(r.source_id, request.source_id.value());
      EXPECT_EQ(r.pasid_present, request.pasid.has_value());
      if (request.pasid.has_value()) EXPECT_EQ(r.pasid, *request.pasid);
    }
  }
  void Start(uint64_t ecap = kQemuScalablePasidEcap) {
    config_.ecap = ecap;
    CreateUnit();
    EnableScalable();
  }
};

constexpr uint64_t kBeyondMemory = uint64_t{1} << 40;  // below 2^HAW, beyond the 4 GiB memory

TEST_F(ScalableFaultTest, Srt1ErrorAccessingRootEntry) {
  CreateUnit();
  EnableScalable();
  unit_->WriteRegister64(kRtaddrOffset, kBeyondMemory | (uint64_t{1} << 10));
  GlobalCommand(1u << 30, true);
  ExpectFault(Req(0x1000), FaultCondition::kSrt1, 0x38);
}

TEST_F(ScalableFaultTest, Srt2LowerHalfNotPresent) {
  Start();
  SetSmRoot(kSmContextTable, kSmContextTable | 1);  // LP = 0, UP = 1
  ExpectFault(Req(0x1000), FaultCondition::kSrt2, 0x39);
}

TEST_F(ScalableFaultTest, Srt2UpperHalfNotPresentForDevfnAbove0x7f) {
  Start();
  SetSmRoot(kSmContextTable | 1, 0);  // LP = 1, UP = 0
  DmaRequest r = Req(0x1000);
  r.source_id = SourceId::FromBdf(kSid.bus(), 0x10, 0x0);  // devfn 0x80
  ExpectFault(r, FaultCondition::kSrt2, 0x39);
}

TEST_F(ScalableFaultTest, Srt3ReservedBitInPresentHalf) {
  Start();
  SetSmRoot(kSmContextTable | 1 | 2);  // bit 1 reserved
  ExpectFault(Req(0x1000), FaultCondition::kSrt3, 0x3A);
}

TEST_F(ScalableFaultTest, Srt3IgnoresReservedBitsOfTheOtherHalf) {
  Start();
  SetSmRoot(kSmContextTable | 1, 0xffe);  // UP = 0: bits 127:65 ignored
  SetSmContext();
  SetSecondStagePasid(0);
  // Not SRT.3: the lookup goes on (and finds PASID entry for RID_PASID 0 with no mapping).
  ExpectFault(Req(0x1000), FaultCondition::kSss2, 0x79);
}

TEST_F(ScalableFaultTest, Sct1ErrorAccessingContextEntry) {
  Start();
  SetSmRoot(kBeyondMemory | 1);
  ExpectFault(Req(0x1000), FaultCondition::kSct1, 0x40);
}

TEST_F(ScalableFaultTest, Sct2ContextNotPresent) {
  Start();
  SetSmContextRaw(0);
  ExpectFault(Req(0x1000), FaultCondition::kSct2, 0x41);
}

TEST_F(ScalableFaultTest, Sct2WithFpdIsNotRecorded) {
  Start();
  SetSmContextRaw(2);  // P = 0, FPD = 1
  ExpectFault(Req(0x1000), FaultCondition::kSct2, 0x41, /*recorded=*/false);
}

TEST_F(ScalableFaultTest, Sct3ReservedBitInContextEntry) {
  Start();
  SetSmContextRaw(1 | 8 | (uint64_t{1} << 7) | kPasidDirectory);  // bit 7 reserved
  ExpectFault(Req(0x1000), FaultCondition::kSct3, 0x42);
}

TEST_F(ScalableFaultTest, Sct3ReservedUpperQwords) {
  Start();
  SetSmContextRaw(1 | 8 | kPasidDirectory, 0, 0, 1);  // bits 255:128 reserved
  ExpectFault(Req(0x1000), FaultCondition::kSct3, 0x42);
}

TEST_F(ScalableFaultTest, Sct3RidPasidWithoutRps) {
  Start();  // QEMU: RPS = 0, RID_PASID reserved
  SetSmContext(true, 0, /*rid_pasid=*/5);
  ExpectFault(Req(0x1000), FaultCondition::kSct3, 0x42);
}

TEST_F(ScalableFaultTest, Sct4_2RidPasidBeyondPdts) {
  Start(kWideEcap);
  // PDTS 0: 128 directory entries x 64 = PASIDs up to 8191.
  SetSmContext(true, 0, /*rid_pasid=*/8192);
  ExpectFault(Req(0x1000), FaultCondition::kSct4_2, 0x43);
}

TEST_F(ScalableFaultTest, Sct5TranslationRequestWithDteClear) {
  Start(kWideEcap);
  SetSmContext();
  SetSecondStagePasid(0);
  ExpectFault(Req(0x1000, AccessKind::kRead, 4, RequestType::kTranslation), FaultCondition::kSct5,
              0x44);
}

TEST_F(ScalableFaultTest, Sct6PasideClear) {
  Start();
  SetSmContext(/*paside=*/false);
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSct6, 0x45);
}

TEST_F(ScalableFaultTest, Sct7PasidBeyondPdts) {
  Start(kWideEcap);
  SetSmContext(true, 0);
  ExpectFault(PasidReq(0x1000, 8192), FaultCondition::kSct7, 0x46);
}

TEST_F(ScalableFaultTest, Sct9PasidEqualToRidPasid) {
  Start();
  SetSmContext();  // RID_PASID 0 (RPS = 0)
  ExpectFault(PasidReq(0x1000, 0), FaultCondition::kSct9, 0x48);
}

// SCT.10 (faults.md §3, 49h, X+ column UR; translation-structures.md §5: EPTR is bit 6 of the
// context entry, Reserved(0) without ECAP.PTRS, bit 56 in registers.md): a translated request
// with PASID through a context entry with DTE=1 and EPTR=0 is blocked and recorded; with
// EPTR=1 it passes, output = input (S §4.2.5).
DmaRequest TranslatedWithPasid(DmaRequest request) {
  request.type = RequestType::kTranslated;
  return request;
}

// SCT.10 is defined from VER 5.0 on (faults.md: 49h, 5.0+).
TEST_F(ScalableFaultTest, Sct10TranslatedRequestWithPasidAndEptrClear) {
  config_.version = 0x50;
  Start(kWideEcap | kEcapPtrs);
  SetSmContext(/*paside=*/true, 0, 0, false, /*dte=*/true);
  SetSecondStagePasid(3);
  ExpectFault(TranslatedWithPasid(PasidReq(0x345000, 3)), FaultCondition::kSct10, 0x49);
}

TEST_F(ScalableFaultTest, Sct10NotRaisedWithEptrSet) {
  config_.version = 0x50;
  Start(kWideEcap | kEcapPtrs);
  SetSmContext(/*paside=*/true, 0, 0, false, /*dte=*/true, /*eptr=*/true);
  SetSecondStagePasid(3);
  const DmaOutcome out = unit_->Dma(TranslatedWithPasid(PasidReq(0x345000, 3)));
  ASSERT_TRUE(out.result.ok()) << DescribeResult(out);
  EXPECT_EQ(out.result.translation->hpa, 0x345000u);
}

// Before VER 5.0 neither EPTR nor SCT.10 exists (translation-structures.md: bit 6 reserved in
// 3.x/4.x): a translated request with PASID proceeds as DTE allows.
TEST_F(ScalableFaultTest, Sct10NotDefinedBeforeVersion5) {
  Start(kWideEcap);  // the fixture's unit reports VER 3.0
  SetSmContext(/*paside=*/true, 0, 0, false, /*dte=*/true);
  SetSecondStagePasid(3);
  const DmaOutcome out = unit_->Dma(TranslatedWithPasid(PasidReq(0x345000, 3)));
  ASSERT_TRUE(out.result.ok()) << DescribeResult(out);
  EXPECT_EQ(out.result.translation->hpa, 0x345000u);
}

TEST_F(ScalableFaultTest, Spd1ErrorAccessingPasidDirectory) {
  Start();
  SetSmContextRaw(1 | 8 | kBeyondMemory);
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSpd1, 0x50);
}

TEST_F(ScalableFaultTest, Spd2DirectoryEntryNotPresent) {
  Start();
  SetSmContext();
  SetPasidDir(3, kPasidTable);  // P = 0
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSpd2, 0x51);
}

TEST_F(ScalableFaultTest, Spd2WithDirectoryFpdIsNotRecorded) {
  Start();
  SetSmContext();
  SetPasidDir(3, kPasidTable | 2);  // P = 0, FPD = 1
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSpd2, 0x51, false);
}

TEST_F(ScalableFaultTest, Spd3ReservedBitInDirectoryEntry) {
  Start();
  SetSmContext();
  SetPasidDir(3, kPasidTable | 1 | 4);  // bit 2 reserved
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSpd3, 0x52);
}

TEST_F(ScalableFaultTest, Spt1ErrorAccessingPasidEntry) {
  Start();
  SetSmContext();
  SetPasidDir(3, kBeyondMemory | 1);
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSpt1, 0x58);
}

TEST_F(ScalableFaultTest, Spt2PasidEntryNotPresent) {
  Start();
  SetSmContext();
  SetPasidDir(3, kPasidTable | 1);
  SetPasidEntryRaw(3, 0);
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSpt2, 0x59);
}

TEST_F(ScalableFaultTest, Spt2WithPasidEntryFpdIsNotRecorded) {
  Start();
  SetSmContext();
  SetPasidDir(3, kPasidTable | 1);
  SetPasidEntryRaw(3, 2);
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSpt2, 0x59, false);
}

TEST_F(ScalableFaultTest, Spt3ReservedBitInPasidEntry) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3);
  Write(PasidEntryAddress(3), Read(PasidEntryAddress(3)) | (1 << 5));  // bit 5 reserved
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSpt3, 0x5A);
}

TEST_F(ScalableFaultTest, Spt4_1UnsupportedAw) {
  Start();  // SAGAW: 39- and 48-bit
  SetSmContext();
  SetSecondStagePasid(3, 5, /*aw=*/3);
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSpt4_1, 0x5B);
}

TEST_F(ScalableFaultTest, Spt4_2FirstStagePgttWithoutFsts) {
  Start();
  SetSmContext();
  SetPasidDir(3, kPasidTable | 1);
  SetPasidEntryRaw(3, 1 | (uint64_t{1} << 6), 5);  // PGTT 001b
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSpt4_2, 0x5B);
}

TEST_F(ScalableFaultTest, Spt4_2NestedPgttWithoutNest) {
  Start();
  SetSmContext();
  SetPasidDir(3, kPasidTable | 1);
  SetPasidEntryRaw(3, 1 | (uint64_t{2} << 2) | (uint64_t{3} << 6) | 0x50000, 5);  // PGTT 011b
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSpt4_2, 0x5B);
}

TEST_F(ScalableFaultTest, Spt4_2ReservedPgtt) {
  Start();
  SetSmContext();
  SetPasidDir(3, kPasidTable | 1);
  SetPasidEntryRaw(3, 1 | (uint64_t{5} << 6), 5);  // PGTT 101b
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSpt4_2, 0x5B);
}

TEST_F(ScalableFaultTest, Spt5ExecuteRequestWithoutErs) {
  Start();  // VER 3.0
  SetSmContext();
  SetSecondStagePasid(3);
  DmaRequest r = PasidReq(0x1000, 3);
  r.execute = true;
  ExpectFault(r, FaultCondition::kSpt5, 0x5C);
  EXPECT_TRUE(ReadFrcd(0).execute);
}

TEST_F(ScalableFaultTest, Rta5ExecuteRequestFromVersion8) {
  config_.version = 0x80;
  Start();
  SetSmContext();
  SetSecondStagePasid(3);
  DmaRequest r = PasidReq(0x1000, 3);
  r.execute = true;
  ExpectFault(r, FaultCondition::kRta5, 0x34);
}

TEST_F(ScalableFaultTest, Spt6PrivilegedRequestWithoutSre) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3);
  DmaRequest r = PasidReq(0x1000, 3);
  r.privileged = true;
  ExpectFault(r, FaultCondition::kSpt6, 0x5D);
  EXPECT_TRUE(ReadFrcd(0).privileged);
}

TEST_F(ScalableFaultTest, PrivilegedRequestWithSreIsTranslated) {
  Start();  // QEMU reports SRS
  SetSmContext();
  SetSecondStagePasid(3, 5, 2, false, false, /*sre=*/true);
  Map(0x1000, 0x777000);
  DmaRequest r = PasidReq(0x1000, 3);
  r.privileged = true;
  const DmaOutcome out = unit_->Dma(r);
  ASSERT_TRUE(out.result.ok()) << DescribeResult(out);
  EXPECT_EQ(out.result.translation->hpa, 0x777000u);
}

TEST_F(ScalableFaultTest, Sss1ErrorAccessingSecondStageEntry) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3);
  Write(root_table_, kBeyondMemory | 3);  // PML4E[0] points beyond memory
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSss1, 0x78);
}

TEST_F(ScalableFaultTest, Sss2SecondStageEntryNotPresent) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3);
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSss2, 0x79);
}

TEST_F(ScalableFaultTest, Sss2NoCumulativeAccess) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3);
  Map(0x1000, 0x777000);
  Write(root_table_, (Read(root_table_) & ~uint64_t{3}) | 1);  // PML4E read-only
  const uint64_t pdpe = EntryAddress(0x1000, 3);
  Write(pdpe, (Read(pdpe) & ~uint64_t{3}) | 2);  // PDPE write-only: no R and W together
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSss2, 0x79);
}

TEST_F(ScalableFaultTest, Sss3ReservedBitInSecondStageEntry) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3);
  Map(0x1000, 0x777000);
  Write(root_table_, Read(root_table_) | 0x80);  // PS is reserved in a PML4E
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSss3, 0x7A);
}

TEST_F(ScalableFaultTest, Sss4ErrorAccessingSecondStageRoot) {
  Start();
  SetSmContext();
  SetPasidDir(3, kPasidTable | 1);
  SetPasidEntryRaw(3, 1 | (uint64_t{2} << 2) | (uint64_t{2} << 6) | kBeyondMemory, 5);
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSss4, 0x7B);
}

TEST_F(ScalableFaultTest, Sss5AccessedDirtyUpdateWithoutSnoopedWalks) {
  Start(kWideEcap);
  SetSmContext();
  SetSecondStagePasid(3, 5, 2, /*ssade=*/true, /*pwsnp=*/false);
  const uint64_t leaf = Map(0x1000, 0x777000);
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSss5, 0x7C);
  EXPECT_EQ(Read(leaf) & 0x300, 0u) << "no A/D update made";
}

TEST_F(ScalableFaultTest, Sgn4_1TranslatedRequestBeyondHaw) {
  Start(kWideEcap);
  SetSmContext(true, 0, 0, false, /*dte=*/true);
  SetSecondStagePasid(0);
  ExpectFault(Req(uint64_t{1} << 48, AccessKind::kRead, 4, RequestType::kTranslated),
              FaultCondition::kSgn4_1, 0x83);
}

TEST_F(ScalableFaultTest, Sgn4_2PassThroughBeyondHaw) {
  Start();
  SetSmContext();
  SetPassThroughPasid(3);
  ExpectFault(PasidReq(uint64_t{1} << 48, 3), FaultCondition::kSgn4_2, 0x83);
}

TEST_F(ScalableFaultTest, Sgn5AddressBeyondAw) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3, 5, /*aw=*/1);  // 39-bit
  ExpectFault(PasidReq(uint64_t{1} << 39, 3), FaultCondition::kSgn5, 0x84);
}

TEST_F(ScalableFaultTest, Sgn6WriteWithoutWritePermission) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3);
  Map(0x1000, 0x777000, 1, /*flags=*/1);
  ExpectFault(PasidReq(0x1000, 3, AccessKind::kWrite), FaultCondition::kSgn6, 0x85);
}

TEST_F(ScalableFaultTest, Sgn7ReadWithoutReadPermission) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3);
  Map(0x1000, 0x777000, 1, /*flags=*/2);
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSgn7, 0x86);
}

TEST_F(ScalableFaultTest, Sgn8_1OutputInInterruptRange) {
  Start();
  SetSmContext();
  SetSecondStagePasid(3);
  Map(0x1000, 0xfee00000);
  ExpectFault(PasidReq(0x1000, 3), FaultCondition::kSgn8_1, 0x87);
}

TEST_F(ScalableFaultTest, Sgn8_1PassThroughRequestWithPasidToInterruptRange) {
  Start();
  SetSmContext();
  SetPassThroughPasid(3);
  ExpectFault(PasidReq(0xfee00000, 3), FaultCondition::kSgn8_1, 0x87);
}

TEST_F(ScalableFaultTest, Sgn8_2TranslationRequestResultInInterruptRange) {
  Start(kWideEcap);
  SetSmContext(true, 0, 0, false, /*dte=*/true);
  SetSecondStagePasid(3);
  Map(0x1000, 0xfee00000);
  DmaRequest r = PasidReq(0x1000, 3);
  r.type = RequestType::kTranslation;
  ExpectFault(r, FaultCondition::kSgn8_2, 0x87);
}

TEST_F(ScalableFaultTest, Sgn8_3TranslatedRequestToInterruptRange) {
  Start(kWideEcap);
  SetSmContext(true, 0, 0, false, /*dte=*/true);
  SetSecondStagePasid(0);
  ExpectFault(Req(0xfee00000, AccessKind::kRead, 4, RequestType::kTranslated),
              FaultCondition::kSgn8_3, 0x87);
}

TEST_F(ScalableFaultTest, Sgn10PasidWiderThanPss) {
  Start();  // QEMU: PSS 7, 8-bit PASIDs
  SetSmContext();
  ExpectFault(PasidReq(0x1000, 256), FaultCondition::kSgn10, 0x89);
}

TEST_F(ScalableFaultTest, FaultRecordCarriesPasidPrivAndExe) {
  Start();
  SetSmContext();
  SetSecondStagePasid(0x45, 5, 2, false, false, /*sre=*/true);
  DmaRequest r = PasidReq(0x1000, 0x45);
  r.privileged = true;
  ExpectFault(r, FaultCondition::kSss2, 0x79);
  const FaultRecord rec = ReadFrcd(0);
  EXPECT_TRUE(rec.pasid_present);
  EXPECT_EQ(rec.pasid, 0x45u);
  EXPECT_TRUE(rec.privileged);
  EXPECT_FALSE(rec.execute);
}

TEST_F(ScalableFaultTest, RequestWithoutPasidRecordsNoPasid) {
  Start();
  SetSmContext();
  SetSecondStagePasid(0);  // RID_PASID 0
  ExpectFault(Req(0x1000), FaultCondition::kSss2, 0x79);
  EXPECT_FALSE(ReadFrcd(0).pasid_present);
}

TEST_F(ScalableFaultTest, Rta1_3ScalableRootTableWithoutSmts) {
  config_.cap = kR630Cap;
  config_.ecap = kR630Ecap;
  config_.version = 0x10;
  config_.host_address_width = 46;
  CreateUnit();
  SetRoot(kSid.bus(), kContextTable | 1);
  SetRootTable(kRootTable | (uint64_t{1} << 10));
  EnableTranslation();
  ExpectFault(Req(0x1000), FaultCondition::kRta1_3, 0x30);
}

}  // namespace
}  // namespace vtd
