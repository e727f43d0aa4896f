// The scalable-mode reference on hand-built tables: raw qwords written with the bit positions
// of the spec digest (translation-structures.md §3, §5-§7, §9) and expected addresses worked
// out by hand, one test per fault condition in scope (faults.md §3).
#include "tests/reference/scalable_reference.h"

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace vtd::reference {
namespace {

constexpr uint64_t B(int n) { return uint64_t{1} << n; }

constexpr uint64_t kRoot = 0x1000;
constexpr uint64_t kContextLow = 0x2000;
constexpr uint64_t kContextHigh = 0x3000;
constexpr uint64_t kDirectory = 0x4000;
constexpr uint64_t kPasidTable = 0x5000;
constexpr uint64_t kPml4 = 0x10000;
constexpr uint64_t kPdpt = 0x11000;
constexpr uint64_t kPd = 0x12000;
constexpr uint64_t kPt = 0x13000;

constexpr uint16_t kSid = 0x0008;  // 00:01.0
constexpr uint64_t kIova = 0x12345678;
constexpr uint64_t kPage = 0xABCDE000;
constexpr uint64_t kExpected = 0xABCDE678;

// Second-stage entry bits: R 0, W 1, PS 7, A 8, D 9, SNP 11.
constexpr uint64_t kRw = 3;
// PASID entry qword 0: P 0, FPD 1, AW 4:2, PGTT 8:6, SSADE 9, SSPTPTR 63:12.
constexpr uint64_t PasidSs(int aw, uint64_t root) { return root | (2 << 6) | (aw << 2) | 1; }
constexpr uint64_t kPasidPt = (4 << 6) | 1;
// Context entry qword 0: P 0, FPD 1, DTE 2, PASIDE 3, PRE 4, PDTS 11:9, PASIDDIRPTR 63:12.
constexpr uint64_t kContextPasid = kDirectory | B(3) | 1;

class ScalableReferenceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Root entry for bus 0: LP -> lower context table, UP -> upper context table.
    Set(kRoot, kContextLow | 1);
    Set(kRoot + 8, kContextHigh | 1);
    SetContext(kSid, kContextPasid);
    // PASID directory entry 0 (PASIDs 0-63): P, SMPTBLPTR.
    Set(kDirectory, kPasidTable | 1);
    // 4-level second-stage tables mapping kIova (PML4 0, PDPT 0, PD 0x91, PT 0x145).
    Set(kPml4, kPdpt | kRw);
    Set(kPdpt, kPd | kRw);
    Set(kPd + 8 * 0x91, kPt | kRw);
    Set(kPt + 8 * 0x145, kPage | kRw);
  }

  void Set(uint64_t address, uint64_t value) { memory_.qwords[address] = value; }
  void SetContext(uint16_t sid, uint64_t q0, uint64_t q1 = 0, uint64_t q2 = 0) {
    const int devfn = sid & 0xff;
    const uint64_t at = (devfn < 0x80 ? kContextLow : kContextHigh) + 32 * (devfn & 0x7f);
    Set(at, q0);
    Set(at + 8, q1);
    Set(at + 16, q2);
  }
  // PASID entry for `pasid` (< 64) with DID 1 in qword 1 unless given.
  void SetPasid(uint32_t pasid, uint64_t q0, uint64_t q1 = 1, uint64_t q2 = 0, int q = -1,
                uint64_t extra = 0) {
    const uint64_t at = kPasidTable + 64 * pasid;
    Set(at, q0);
    Set(at + 8, q1);
    Set(at + 16, q2);
    if (q >= 0) Set(at + 8 * q, extra);
  }

  ScalableResult Run(std::optional<uint32_t> pasid, uint64_t address, bool write = false,
                     uint16_t sid = kSid, bool privileged = false) {
    ScalableRequest r;
    r.sid = sid;
    r.pasid = pasid;
    r.privileged = privileged;
    r.write = write;
    r.address = address;
    return TranslateScalable(memory_, kRoot, caps_, r);
  }

  void ExpectFault(const ScalableResult& r, const char* condition, int reason,
                   bool reported = true) {
    EXPECT_FALSE(r.translated);
    EXPECT_EQ(r.condition, condition);
    EXPECT_EQ(r.reason, reason);
    EXPECT_EQ(r.reported, reported);
  }

  ScalableMemory memory_;
  ScalableCaps caps_;
};

TEST_F(ScalableReferenceTest, SecondStageFourLevelWithPasid) {
  SetPasid(5, PasidSs(2, kPml4));
  const ScalableResult read = Run(5, kIova);
  ASSERT_TRUE(read.translated) << read.condition;
  EXPECT_EQ(read.output, kExpected);
  const ScalableResult write = Run(5, kIova, /*write=*/true);
  ASSERT_TRUE(write.translated) << write.condition;
  EXPECT_EQ(write.output, kExpected);
  EXPECT_TRUE(write.updates.empty());  // SSADE=0
}

TEST_F(ScalableReferenceTest, RequestWithoutPasidUsesPasidZeroWithoutRps) {
  SetPasid(0, PasidSs(2, kPml4));
  const ScalableResult r = Run(std::nullopt, kIova);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, kExpected);
}

TEST_F(ScalableReferenceTest, RequestWithoutPasidUsesRidPasid) {
  caps_.rid_pasid = true;
  SetContext(kSid, kContextPasid, /*RID_PASID=*/9);
  SetPasid(9, PasidSs(2, kPml4));
  const ScalableResult r = Run(std::nullopt, kIova);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, kExpected);
  // PASID 0 is now an ordinary PASID (empty entry here).
  ExpectFault(Run(0, kIova), "SPT.2", 0x59);
}

TEST_F(ScalableReferenceTest, UpperContextTableForDevfnFrom0x80) {
  const uint16_t sid = 0x0081;  // 00:10.1
  SetContext(sid, kContextPasid);
  SetPasid(3, PasidSs(2, kPml4));
  const ScalableResult r = Run(3, kIova, false, sid);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, kExpected);
  // The entry sits at index 1 of the upper table, not at index 0x81 of the lower one.
  EXPECT_EQ(memory_.qwords.count(kContextHigh + 32), 1u);
}

TEST_F(ScalableReferenceTest, ThreeLevelWalk) {
  // AW=1: 39-bit, PDPT-level root. kIova: PDPT 0, PD 0x91, PT 0x145.
  SetPasid(1, PasidSs(1, kPdpt));
  const ScalableResult r = Run(1, kIova);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, kExpected);
  ExpectFault(Run(1, B(39)), "SGN.5", 0x84);  // above 2^39 - 1
}

TEST_F(ScalableReferenceTest, FiveLevelWalk) {
  caps_.sagaw = 0b01110;
  caps_.mgaw = 57;
  const uint64_t pml5 = 0x20000;
  const uint64_t iova = (uint64_t{3} << 48) | kIova;  // PML5 index 3
  Set(pml5 + 8 * 3, kPml4 | kRw);
  SetPasid(2, PasidSs(3, pml5));
  const ScalableResult r = Run(2, iova);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, kExpected);
}

TEST_F(ScalableReferenceTest, TwoMegabyteAndOneGigabytePages) {
  caps_.large_1g = true;
  // 2 MiB leaf at PD index 0x91: output = 0x40000000 | kIova[20:0].
  Set(kPd + 8 * 0x91, 0x40000000 | B(7) | kRw);
  SetPasid(4, PasidSs(2, kPml4));
  ScalableResult r = Run(4, kIova);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, 0x40000000u | (kIova & 0x1fffff));
  // 1 GiB leaf at PDPT index 0: output = 0x80000000 | kIova[29:0].
  Set(kPdpt, 0x80000000 | B(7) | kRw);
  r = Run(4, kIova);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, 0x80000000u | (kIova & 0x3fffffff));
  // Without 1 GiB support PS is reserved in the SS-PDPE.
  caps_.large_1g = false;
  ExpectFault(Run(4, kIova), "SSS.3", 0x7A);
}

TEST_F(ScalableReferenceTest, PassThrough) {
  caps_.haw = 39;
  SetPasid(6, kPasidPt);
  ScalableResult r = Run(6, 0x7fffffffffull);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, 0x7fffffffffull);
  ExpectFault(Run(6, B(39)), "SGN.4.2", 0x83);
  ExpectFault(Run(6, 0xFEE00000), "SGN.8.1", 0x87);
}

TEST_F(ScalableReferenceTest, PassThroughNeedsEcapPt) {
  caps_.pass_through = false;
  SetPasid(6, kPasidPt);
  ExpectFault(Run(6, 0x1000), "SPT.4.2", 0x5B);
}

// ---- Root and context faults ------------------------------------------------------------

TEST_F(ScalableReferenceTest, RootEntryAccessError) {
  memory_.memory_bytes = kRoot + 8;  // the root entry's high qword is outside memory
  ExpectFault(Run(5, kIova), "SRT.1", 0x38);
}

TEST_F(ScalableReferenceTest, RootHalfNotPresent) {
  Set(kRoot + 8, kContextHigh);  // UP=0
  ExpectFault(Run(5, kIova, false, 0x0080), "SRT.2", 0x39);
}

TEST_F(ScalableReferenceTest, RootReservedBitInPresentHalfOnly) {
  Set(kRoot, kContextLow | B(11) | 1);
  ExpectFault(Run(5, kIova), "SRT.3", 0x3A);
  // The same bits in a half with its present bit clear are ignored.
  Set(kRoot, kContextLow | 1);
  Set(kRoot + 8, B(11) | B(5));
  SetPasid(5, PasidSs(2, kPml4));
  EXPECT_TRUE(Run(5, kIova).translated);
}

TEST_F(ScalableReferenceTest, ContextEntryAccessError) {
  memory_.memory_bytes = kContextLow + 16;
  ExpectFault(Run(5, kIova), "SCT.1", 0x40);
}

TEST_F(ScalableReferenceTest, ContextNotPresent) {
  SetContext(kSid, 0);
  ExpectFault(Run(5, kIova), "SCT.2", 0x41);
}

TEST_F(ScalableReferenceTest, ContextReservedBits) {
  SetContext(kSid, kContextPasid | B(7));
  ExpectFault(Run(5, kIova), "SCT.3", 0x42);
  SetContext(kSid, kContextPasid, 0, /*q2=*/1);
  ExpectFault(Run(5, kIova), "SCT.3", 0x42);
  SetContext(kSid, kContextPasid, /*RID_PASID without RPS=*/1);
  ExpectFault(Run(5, kIova), "SCT.3", 0x42);
  SetContext(kSid, kContextPasid | B(2));  // DTE without ECAP.DT
  ExpectFault(Run(5, kIova), "SCT.3", 0x42);
}

TEST_F(ScalableReferenceTest, ContextPreWithoutDte) {
  caps_.page_requests = true;
  caps_.device_tlb = true;
  SetContext(kSid, kContextPasid | B(4));
  ExpectFault(Run(5, kIova), "SCT.4.1", 0x43);
}

TEST_F(ScalableReferenceTest, ContextRidPasidBeyondPdts) {
  caps_.rid_pasid = true;
  SetContext(kSid, kContextPasid, /*RID_PASID=*/0x2000);  // PDTS=0 covers 0..0x1fff
  ExpectFault(Run(std::nullopt, kIova), "SCT.4.2", 0x43);
}

TEST_F(ScalableReferenceTest, PasidEnableClear) {
  SetContext(kSid, kDirectory | 1);
  ExpectFault(Run(5, kIova), "SCT.6", 0x45);
}

TEST_F(ScalableReferenceTest, PasidBeyondPdts) { ExpectFault(Run(0x2000, kIova), "SCT.7", 0x46); }

TEST_F(ScalableReferenceTest, PasidEqualToRidPasid) {
  caps_.rid_pasid = true;
  SetContext(kSid, kContextPasid, /*RID_PASID=*/7);
  SetPasid(7, PasidSs(2, kPml4));
  ExpectFault(Run(7, kIova), "SCT.9", 0x48);
}

TEST_F(ScalableReferenceTest, PasidWiderThanPss) {
  caps_.pasid_bits = 8;
  ExpectFault(Run(0x100, kIova), "SGN.10", 0x89);
}

// ---- PASID directory and table faults --------------------------------------------------

TEST_F(ScalableReferenceTest, DirectoryEntryAccessError) {
  memory_.memory_bytes = kDirectory;
  ExpectFault(Run(5, kIova), "SPD.1", 0x50);
}

TEST_F(ScalableReferenceTest, DirectoryEntryNotPresent) {
  ExpectFault(Run(64, kIova), "SPD.2", 0x51);  // directory entry 1 is empty
}

TEST_F(ScalableReferenceTest, DirectoryEntryReservedBits) {
  Set(kDirectory, kPasidTable | B(2) | 1);
  ExpectFault(Run(5, kIova), "SPD.3", 0x52);
  caps_.haw = 39;
  Set(kDirectory, kPasidTable | B(39) | 1);
  ExpectFault(Run(5, kIova), "SPD.3", 0x52);
}

TEST_F(ScalableReferenceTest, PasidEntryAccessError) {
  memory_.memory_bytes = kPasidTable + 64 * 5 + 32;
  SetPasid(5, PasidSs(2, kPml4));
  ExpectFault(Run(5, kIova), "SPT.1", 0x58);
}

TEST_F(ScalableReferenceTest, PasidEntryNotPresent) { ExpectFault(Run(5, kIova), "SPT.2", 0x59); }

TEST_F(ScalableReferenceTest, PasidEntryReservedBits) {
  SetPasid(5, PasidSs(2, kPml4) | B(5));
  ExpectFault(Run(5, kIova), "SPT.3", 0x5A);
  SetPasid(5, PasidSs(2, kPml4), 1 | B(23));  // PWSNP without SMPWCS
  ExpectFault(Run(5, kIova), "SPT.3", 0x5A);
  SetPasid(5, PasidSs(2, kPml4), 1, 0, /*qword*/ 7, 1);
  ExpectFault(Run(5, kIova), "SPT.3", 0x5A);
  caps_.did_bits = 8;
  SetPasid(5, PasidSs(2, kPml4), 0x100);
  ExpectFault(Run(5, kIova), "SPT.3", 0x5A);
}

TEST_F(ScalableReferenceTest, PasidEntryInvalidPgtt) {
  for (uint64_t pgtt : {0, 1, 3, 5, 7}) {  // FSTS = NEST = 0 in this unit
    SetPasid(5, kPml4 | (pgtt << 6) | (2 << 2) | 1);
    ExpectFault(Run(5, kIova), "SPT.4.2", 0x5B);
  }
}

TEST_F(ScalableReferenceTest, PasidEntryUnsupportedAw) {
  SetPasid(5, PasidSs(3, kPml4));  // SAGAW has 39 and 48 bits only
  ExpectFault(Run(5, kIova), "SPT.4.1", 0x5B);
  SetPasid(5, PasidSs(0, kPml4));
  ExpectFault(Run(5, kIova), "SPT.4.1", 0x5B);
}

TEST_F(ScalableReferenceTest, SupervisorRequestNeedsSre) {
  caps_.supervisor = true;
  SetPasid(5, PasidSs(2, kPml4));
  ExpectFault(Run(5, kIova, false, kSid, /*privileged=*/true), "SPT.6", 0x5D);
  SetPasid(5, PasidSs(2, kPml4), 1, /*SRE=*/1);
  EXPECT_TRUE(Run(5, kIova, false, kSid, true).translated);
}

TEST_F(ScalableReferenceTest, RidPrivMakesRequestsWithoutPasidSupervisor) {
  caps_.supervisor = true;
  caps_.rid_priv = true;
  SetContext(kSid, kContextPasid, /*RID_PRIV=*/B(20));
  SetPasid(0, PasidSs(2, kPml4));
  ExpectFault(Run(std::nullopt, kIova), "SPT.6", 0x5D);
}

// ---- Second-stage faults ----------------------------------------------------------------

TEST_F(ScalableReferenceTest, SecondStageRootAccessError) {
  SetPasid(5, PasidSs(2, 0x7ffff000));
  memory_.memory_bytes = 0x100000;
  ExpectFault(Run(5, kIova), "SSS.4", 0x7B);
}

TEST_F(ScalableReferenceTest, SecondStageEntryAccessError) {
  Set(kPml4, 0x7ffff000 | kRw);
  memory_.memory_bytes = 0x100000;
  SetPasid(5, PasidSs(2, kPml4));
  ExpectFault(Run(5, kIova), "SSS.1", 0x78);
}

TEST_F(ScalableReferenceTest, SecondStageNotPresent) {
  Set(kPt + 8 * 0x145, kPage);  // R=W=0
  SetPasid(5, PasidSs(2, kPml4));
  ExpectFault(Run(5, kIova), "SSS.2", 0x79);
}

TEST_F(ScalableReferenceTest, SecondStageNoCumulativePermission) {
  Set(kPd + 8 * 0x91, kPt | 1);     // read only
  Set(kPt + 8 * 0x145, kPage | 2);  // write only: neither survives both levels
  SetPasid(5, PasidSs(2, kPml4));
  ExpectFault(Run(5, kIova), "SSS.2", 0x79);
}

TEST_F(ScalableReferenceTest, SecondStageReservedBits) {
  SetPasid(5, PasidSs(2, kPml4));
  Set(kPml4, kPdpt | B(7) | kRw);  // PS in an SS-PML4E
  ExpectFault(Run(5, kIova), "SSS.3", 0x7A);
  Set(kPml4, kPdpt | kRw);
  Set(kPt + 8 * 0x145, kPage | B(11) | kRw);  // leaf SNP without SC
  ExpectFault(Run(5, kIova), "SSS.3", 0x7A);
  caps_.snoop_control = true;
  EXPECT_TRUE(Run(5, kIova).translated);
  Set(kPt + 8 * 0x145, kPage | B(62) | kRw);  // bit 62 without SSIRWE
  ExpectFault(Run(5, kIova), "SSS.3", 0x7A);
  Set(kPt + 8 * 0x145, kPage | B(48) | kRw);  // address bit at HAW
  ExpectFault(Run(5, kIova), "SSS.3", 0x7A);
}

TEST_F(ScalableReferenceTest, WriteAndReadPermission) {
  SetPasid(5, PasidSs(2, kPml4));
  Set(kPt + 8 * 0x145, kPage | 1);  // read only
  EXPECT_TRUE(Run(5, kIova).translated);
  ExpectFault(Run(5, kIova, /*write=*/true), "SGN.6", 0x85);
  Set(kPt + 8 * 0x145, kPage | 2);  // write only
  EXPECT_TRUE(Run(5, kIova, true).translated);
  ExpectFault(Run(5, kIova), "SGN.7", 0x86);
}

TEST_F(ScalableReferenceTest, AddressBeyondAgaw) {
  SetPasid(5, PasidSs(2, kPml4));
  ExpectFault(Run(5, B(48)), "SGN.5", 0x84);
  caps_.mgaw = 39;  // X = min(MGAW, AGAW)
  ExpectFault(Run(5, B(39)), "SGN.5", 0x84);
}

TEST_F(ScalableReferenceTest, OutputInInterruptRange) {
  SetPasid(5, PasidSs(2, kPml4));
  Set(kPt + 8 * 0x145, 0xFEE00000 | kRw);
  ExpectFault(Run(5, kIova), "SGN.8.1", 0x87);
}

// ---- FPD ----------------------------------------------------------------------------------

TEST_F(ScalableReferenceTest, FpdSuppressesQualifiedFaults) {
  // Context FPD evaluated with P=0.
  SetContext(kSid, B(1));
  ExpectFault(Run(5, kIova), "SCT.2", 0x41, /*reported=*/false);
  // Directory FPD with P=0.
  SetContext(kSid, kContextPasid);
  Set(kDirectory, B(1));
  ExpectFault(Run(5, kIova), "SPD.2", 0x51, false);
  // PASID-entry FPD covers the second-stage walk.
  Set(kDirectory, kPasidTable | 1);
  SetPasid(5, PasidSs(2, kPml4) | B(1));
  Set(kPt + 8 * 0x145, kPage);
  ExpectFault(Run(5, kIova), "SSS.2", 0x79, false);
  // Non-qualified faults are reported regardless.
  SetContext(kSid, kContextPasid | B(1));
  memory_.memory_bytes = kDirectory;
  ExpectFault(Run(5, kIova), "SPD.1", 0x50, true);
}

// ---- SSADE --------------------------------------------------------------------------------

TEST_F(ScalableReferenceTest, AccessedAndDirtyUpdates) {
  caps_.ss_ad = true;
  caps_.page_walk_snoop = true;
  SetPasid(5, PasidSs(2, kPml4) | B(9), 1 | B(23));  // SSADE, PWSNP
  const ScalableResult w = Run(5, kIova, /*write=*/true);
  ASSERT_TRUE(w.translated) << w.condition;
  ASSERT_EQ(w.updates.size(), 4u);
  EXPECT_EQ(w.updates[0], std::make_pair(kPml4, kPdpt | kRw | B(8)));
  EXPECT_EQ(w.updates[1], std::make_pair(kPdpt, kPd | kRw | B(8)));
  EXPECT_EQ(w.updates[2], std::make_pair(kPd + 8 * 0x91, kPt | kRw | B(8)));
  EXPECT_EQ(w.updates[3], std::make_pair(kPt + 8 * 0x145, kPage | kRw | B(8) | B(9)));
  // A read sets A only; entries that already have it are not written.
  Set(kPml4, kPdpt | kRw | B(8));
  const ScalableResult r = Run(5, kIova);
  ASSERT_TRUE(r.translated) << r.condition;
  ASSERT_EQ(r.updates.size(), 3u);
  EXPECT_EQ(r.updates[2], std::make_pair(kPt + 8 * 0x145, kPage | kRw | B(8)));
}

TEST_F(ScalableReferenceTest, AccessedUpdateWithoutPageWalkSnoop) {
  caps_.ss_ad = true;
  caps_.page_walk_snoop = true;
  SetPasid(5, PasidSs(2, kPml4) | B(9));  // SSADE, PWSNP=0
  ExpectFault(Run(5, kIova), "SSS.5", 0x7C);
  // No update needed, no fault.
  for (uint64_t a : {kPml4, kPdpt, kPd + 8 * 0x91, kPt + 8 * 0x145}) {
    Set(a, memory_.qwords[a] | B(8));
  }
  EXPECT_TRUE(Run(5, kIova).translated);
}

// ---- first-stage only (PGTT=001b; translation-structures.md §7, §8; faults.md §3) ----------

constexpr uint64_t kFsPml5 = 0x20000;
constexpr uint64_t kFsPml4 = 0x21000;
constexpr uint64_t kFsPdpt = 0x22000;
constexpr uint64_t kFsPd = 0x23000;
constexpr uint64_t kFsPt = 0x24000;
// First-stage entry bits: P 0, R/W 1, U/S 2, A 5, D 6, PS 7.
constexpr uint64_t kFsAll = 0x7;  // P, R/W, U/S
constexpr uint64_t kA = B(5);
constexpr uint64_t kD = B(6);
constexpr uint64_t kPs = B(7);
// PASID entry: PGTT 001b in qword 0; qword 1 DID 1 and PWSNP (bit 87 = qword 1 bit 23);
// qword 2 SRE 0, FSPM 3:2, WPE 4, FSPTPTR 63:12.
constexpr uint64_t kPasidFs = (1 << 6) | 1;
constexpr uint64_t kPasidFsQ1 = 1 | B(23);

class FirstStageReferenceTest : public ScalableReferenceTest {
 protected:
  void SetUp() override {
    ScalableReferenceTest::SetUp();
    caps_.first_stage = true;
    caps_.page_walk_snoop = true;
    caps_.supervisor = true;
    // 4-level tables mapping kIova to kPage (PML4 0, PDPT 0, PD 0x91, PT 0x145), A already set.
    Set(kFsPml4, kFsPdpt | kFsAll | kA);
    Set(kFsPdpt, kFsPd | kFsAll | kA);
    Set(kFsPd + 8 * 0x91, kFsPt | kFsAll | kA);
    Set(kFsPt + 8 * 0x145, kPage | kFsAll | kA);
    Set(kFsPml5, kFsPml4 | kFsAll | kA);
    SetFs(kFsPml4);
  }
  void SetFs(uint64_t q2, uint64_t q1 = kPasidFsQ1) { SetPasid(5, kPasidFs, q1, q2); }
};

TEST_F(FirstStageReferenceTest, FourLevelReadNeedsNoUpdateWhenAIsSet) {
  const ScalableResult r = Run(5, kIova);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, kExpected);
  EXPECT_TRUE(r.updates.empty());
}

TEST_F(FirstStageReferenceTest, WriteSetsDInTheLeafAndAWhereClear) {
  Set(kFsPd + 8 * 0x91, kFsPt | kFsAll);  // A clear in the PDE
  const ScalableResult r = Run(5, kIova, /*write=*/true);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, kExpected);
  ASSERT_EQ(r.updates.size(), 2u);
  EXPECT_EQ(r.updates[0], std::make_pair(kFsPd + 8 * 0x91, kFsPt | kFsAll | kA));
  EXPECT_EQ(r.updates[1], std::make_pair(kFsPt + 8 * 0x145, kPage | kFsAll | kA | kD));
}

TEST_F(FirstStageReferenceTest, NeededUpdateWithoutPageWalkSnoopIsSfs9) {
  SetFs(kFsPml4, /*q1=*/1);               // PWSNP=0
  EXPECT_TRUE(Run(5, kIova).translated);  // A already set everywhere: nothing to update
  ExpectFault(Run(5, kIova, /*write=*/true), "SFS.9", 0x90);
}

TEST_F(FirstStageReferenceTest, FiveLevelNeedsFs5lp) {
  SetFs(kFsPml5 | (1 << 2));
  ExpectFault(Run(5, kIova), "SPT.4.3", 0x5B);
  caps_.fs_5level = true;
  const ScalableResult r = Run(5, kIova);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, kExpected);
  SetFs(kFsPml4 | (2 << 2));  // FSPM 10b is reserved
  ExpectFault(Run(5, kIova), "SPT.4.3", 0x5B);
}

TEST_F(FirstStageReferenceTest, Pgtt001WithoutFstsIsSpt42) {
  caps_.first_stage = false;
  SetFs(0);
  ExpectFault(Run(5, kIova), "SPT.4.2", 0x5B);
}

TEST_F(FirstStageReferenceTest, NonCanonicalAddressIsSgn1) {
  ExpectFault(Run(5, B(47)), "SGN.1", 0x80);  // bit 47 set, 63:48 clear
  // Bits 63:47 all set is canonical: PML4 index 0x1ff is not present.
  ExpectFault(Run(5, ~uint64_t{0} << 47), "SFS.2", 0x71);
  caps_.fs_5level = true;
  SetFs(kFsPml5 | (1 << 2));
  ExpectFault(Run(5, B(56)), "SGN.1", 0x80);
  ExpectFault(Run(5, B(47)), "SFS.2", 0x71);  // canonical with 57 bits: PML5 index 0, PML4 0x100
}

TEST_F(FirstStageReferenceTest, NotPresentAndReservedEntries) {
  Set(kFsPt + 8 * 0x145, kPage | 6);  // P=0
  ExpectFault(Run(5, kIova), "SFS.2", 0x71);
  Set(kFsPt + 8 * 0x145, kPage | kFsAll | B(48));  // bit 48 >= HAW 48
  ExpectFault(Run(5, kIova), "SFS.3", 0x72);
  Set(kFsPt + 8 * 0x145, kPage | kFsAll);
  Set(kFsPml4, kFsPdpt | kFsAll | kPs);  // PS is reserved in a PML4E
  ExpectFault(Run(5, kIova), "SFS.3", 0x72);
}

TEST_F(FirstStageReferenceTest, UnreadableTables) {
  SetFs(0x1'0000'0000);  // FSPTPTR beyond memory
  ExpectFault(Run(5, kIova), "SFS.4", 0x73);
  SetFs(kFsPml4);
  Set(kFsPml4, 0x1'0000'0000 | kFsAll);  // PDPT beyond memory
  ExpectFault(Run(5, kIova), "SFS.1", 0x70);
}

TEST_F(FirstStageReferenceTest, LargePages) {
  // 2 MiB: PD entry 0x91 maps 0x40000000; offset kIova[20:0] = 0x145678.
  Set(kFsPd + 8 * 0x91, 0x40000000 | kPs | kFsAll | kA);
  const ScalableResult two_m = Run(5, kIova);
  ASSERT_TRUE(two_m.translated) << two_m.condition;
  EXPECT_EQ(two_m.output, 0x40145678u);
  Set(kFsPd + 8 * 0x91, 0x40000000 | B(13) | kPs | kFsAll | kA);  // bits 20:13 reserved
  ExpectFault(Run(5, kIova), "SFS.3", 0x72);
  // 1 GiB: PDPT entry 0 maps 0x80000000; offset kIova[29:0] = 0x12345678. Needs FS1GP.
  Set(kFsPdpt, 0x80000000 | kPs | kFsAll | kA);
  ExpectFault(Run(5, kIova), "SFS.3", 0x72);
  caps_.fs_1g = true;
  const ScalableResult one_g = Run(5, kIova);
  ASSERT_TRUE(one_g.translated) << one_g.condition;
  EXPECT_EQ(one_g.output, 0x92345678u);
}

TEST_F(FirstStageReferenceTest, UserRequestsNeedUsAndRwEverywhere) {
  Set(kFsPdpt, kFsPd | 3 | kA);  // U/S=0 in the PDPE
  ExpectFault(Run(5, kIova), "SGN.2", 0x81);
  ExpectFault(Run(5, kIova, /*write=*/true), "SGN.2", 0x81);
  // Supervisor requests (PR=1, SRE=1) ignore U/S.
  SetFs(kFsPml4 | 1);
  EXPECT_TRUE(Run(5, kIova, false, kSid, /*privileged=*/true).translated);
  Set(kFsPdpt, kFsPd | 5 | kA);  // R/W=0, U/S=1
  SetFs(kFsPml4);
  EXPECT_TRUE(Run(5, kIova).translated);
  ExpectFault(Run(5, kIova, /*write=*/true), "SGN.6", 0x85);
}

TEST_F(FirstStageReferenceTest, SupervisorWritesAreBlockedByReadOnlyOnlyWithWpe) {
  Set(kFsPdpt, kFsPd | 5 | kA);  // R/W=0
  SetFs(kFsPml4 | 1);            // SRE
  const ScalableResult r = Run(5, kIova, /*write=*/true, kSid, /*privileged=*/true);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, kExpected);
  SetFs(kFsPml4 | B(4) | 1);  // SRE, WPE
  ExpectFault(Run(5, kIova, /*write=*/true, kSid, /*privileged=*/true), "SGN.6", 0x85);
  SetFs(kFsPml4);  // SRE=0: supervisor requests blocked
  ExpectFault(Run(5, kIova, false, kSid, /*privileged=*/true), "SPT.6", 0x5D);
}

TEST_F(FirstStageReferenceTest, OutputInTheInterruptRangeIsSgn81) {
  Set(kFsPt + 8 * 0x145, 0xFEE00000 | kFsAll | kA);
  ExpectFault(Run(5, kIova), "SGN.8.1", 0x87);
}

TEST_F(FirstStageReferenceTest, FsptptrAboveHawIsReserved) {
  SetFs(B(48) | kFsPml4);
  ExpectFault(Run(5, kIova), "SPT.3", 0x5A);
}

// ---- nested (PGTT=011b; translation-structures.md §11; faults.md §3) ------------------------
//
// Second stage (4-level, 2 MiB pages): GPA 0x200000 -> HPA 0x600000 (first-stage tables),
// GPA 0x400000 -> HPA 0xC00000, GPA 0x800000 -> HPA 0xA00000 (the data page). First stage
// (GPAs): PML4 0x200000 -> PDPT 0x201000 -> PD 0x202000 -> PT 0x203000 -> page 0x801000, so
// kIova 0x12345678 ends at HPA 0xA00000 + 0x1000 + 0x678.
constexpr uint64_t kSsPml4 = 0x30000;
constexpr uint64_t kSsPdpt = 0x31000;
constexpr uint64_t kSsPd = 0x32000;
constexpr uint64_t kSsA = B(8);
constexpr uint64_t kSsD = B(9);
constexpr uint64_t kNestedExpected = 0xA01678;
constexpr uint64_t kFsLeafHpa = 0x603000 + 8 * 0x145;

class NestedReferenceTest : public ScalableReferenceTest {
 protected:
  void SetUp() override {
    ScalableReferenceTest::SetUp();
    caps_.first_stage = true;
    caps_.nested = true;
    caps_.page_walk_snoop = true;
    caps_.ss_ad = true;
    Set(kSsPml4, kSsPdpt | kRw);
    Set(kSsPdpt, kSsPd | kRw);
    Set(kSsPd + 8 * 1, 0x600000 | kPs | kRw);
    Set(kSsPd + 8 * 2, 0xC00000 | kPs | kRw);
    Set(kSsPd + 8 * 4, 0xA00000 | kPs | kRw);
    Set(0x600000, 0x201000 | kFsAll | kA);
    Set(0x601000, 0x202000 | kFsAll | kA);
    Set(0x602000 + 8 * 0x91, 0x203000 | kFsAll | kA);
    Set(kFsLeafHpa, 0x801000 | kFsAll | kA);
    SetNested();
  }
  // PGTT 011b, AW 010b (4-level second stage), SSPTPTR kSsPml4; FSPTPTR (a GPA) in qword 2.
  void SetNested(uint64_t q2 = 0x200000, bool ssade = false, uint64_t q1 = kPasidFsQ1) {
    SetPasid(5, kSsPml4 | (ssade ? B(9) : 0) | (3 << 6) | (2 << 2) | 1, q1, q2);
  }
};

TEST_F(NestedReferenceTest, ReadAndWriteGoThroughBothStages) {
  const ScalableResult r = Run(5, kIova);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, kNestedExpected);
  EXPECT_TRUE(r.updates.empty());
  const ScalableResult w = Run(5, kIova, /*write=*/true);
  ASSERT_TRUE(w.translated) << w.condition;
  EXPECT_EQ(w.output, kNestedExpected);
  // D in the first-stage leaf, at its host-physical address; SSADE=0: none in the second stage.
  ASSERT_EQ(w.updates.size(), 1u);
  EXPECT_EQ(w.updates[0], std::make_pair(kFsLeafHpa, 0x801000 | kFsAll | kA | kD));
}

TEST_F(NestedReferenceTest, SsadeSetsSecondStageAccessedOnceAndDirtyForWrites) {
  SetNested(0x200000, /*ssade=*/true);
  const ScalableResult r = Run(5, kIova, /*write=*/true);
  ASSERT_TRUE(r.translated) << r.condition;
  EXPECT_EQ(r.output, kNestedExpected);
  // Walk order: the SS entries locating the FS PML4 (A; the table page is not written yet),
  // then, for the FS leaf's table page, D in the SS leaf because the FS leaf gets D, the FS
  // leaf itself, and last the SS leaf of the data page (A and D: a write).
  using P = std::pair<uint64_t, uint64_t>;
  EXPECT_EQ(r.updates, (std::vector<P>{
                           {kSsPml4, kSsPdpt | kRw | kSsA},
                           {kSsPdpt, kSsPd | kRw | kSsA},
                           {kSsPd + 8, 0x600000 | kPs | kRw | kSsA},
                           {kSsPd + 8, 0x600000 | kPs | kRw | kSsA | kSsD},
                           {kFsLeafHpa, 0x801000 | kFsAll | kA | kD},
                           {kSsPd + 32, 0xA00000 | kPs | kRw | kSsA | kSsD},
                       }));
  SetNested(0x200000, /*ssade=*/true, /*q1=*/1);  // PWSNP=0
  ExpectFault(Run(5, kIova), "SSS.5", 0x7C);
}

TEST_F(NestedReferenceTest, PasidEntryChecks) {
  caps_.nested = false;
  ExpectFault(Run(5, kIova), "SPT.4.2", 0x5B);
  caps_.nested = true;
  caps_.mgaw = 39;  // X = min(MGAW, AGAW) = 39
  SetNested(B(39));
  ExpectFault(Run(5, kIova), "SPT.4.4", 0x5B);
}

TEST_F(NestedReferenceTest, FirstStageEntryAddressBeyondXIsSfs5) {
  caps_.mgaw = 39;
  SetNested(0x200000);
  Set(0x601000, B(40) | kFsAll | kA);  // PDPTE -> PD at GPA 2^40 (below HAW 48)
  ExpectFault(Run(5, kIova), "SFS.5", 0x74);
}

TEST_F(NestedReferenceTest, SecondStagePermissionForTableReads) {
  Set(kSsPd + 8, 0x600000 | kPs | 2);  // W only: the FS root cannot be read
  ExpectFault(Run(5, kIova), "SFS.6", 0x75);
  Set(kSsPd + 8, 0x600000 | kPs | kRw);
  Set(0x600000, 0x401000 | kFsAll | kA);  // PDPT at GPA 0x401000 (HPA 0xC01000), W only
  Set(0xC01000, 0x202000 | kFsAll | kA);
  Set(kSsPd + 16, 0xC00000 | kPs | 2);
  ExpectFault(Run(5, kIova), "SFS.7", 0x76);
  Set(kSsPd + 16, 0xC00000 | kPs | kRw);
  EXPECT_TRUE(Run(5, kIova).translated);
  // With SSADE the table reads need W as well.
  Set(kSsPd + 8, 0x600000 | kPs | 1);
  EXPECT_TRUE(Run(5, kIova).translated);
  SetNested(0x200000, /*ssade=*/true);
  ExpectFault(Run(5, kIova), "SFS.6", 0x75);
}

TEST_F(NestedReferenceTest, FirstStageUpdateNeedsSecondStageWrite) {
  Set(kSsPd + 8, 0x600000 | kPs | 1);  // FS tables read-only in the second stage
  EXPECT_TRUE(Run(5, kIova).translated);
  ExpectFault(Run(5, kIova, /*write=*/true), "SFS.8", 0x77);  // the leaf needs D
}

TEST_F(NestedReferenceTest, SecondStageFaultsWhileFetchingTables) {
  Set(kSsPd + 8, 0);  // R=W=0
  ExpectFault(Run(5, kIova), "SSS.2", 0x79);
  Set(kSsPd + 8, 0x600000 | kPs | kRw | B(62));  // reserved (SSIRWE=0)
  ExpectFault(Run(5, kIova), "SSS.3", 0x7A);
  Set(kSsPdpt, 0x1'0000'0000 | kRw);  // SS PD beyond memory
  ExpectFault(Run(5, kIova), "SSS.1", 0x78);
}

TEST_F(NestedReferenceTest, FinalAccessUsesTheSecondStageRights) {
  Set(kSsPd + 32, 0xA00000 | kPs | 2);  // data page write-only
  ExpectFault(Run(5, kIova), "SGN.7", 0x86);
  EXPECT_TRUE(Run(5, kIova, /*write=*/true).translated);
  Set(kSsPd + 32, 0xA00000 | kPs | 1);  // read-only
  EXPECT_TRUE(Run(5, kIova).translated);
  ExpectFault(Run(5, kIova, /*write=*/true), "SGN.6", 0x85);
  // First-stage rights still apply: a user request through U/S=0.
  Set(kSsPd + 32, 0xA00000 | kPs | kRw);
  Set(kFsLeafHpa, 0x801000 | 3 | kA);
  ExpectFault(Run(5, kIova), "SGN.2", 0x81);
}

}  // namespace

}  // namespace vtd::reference
