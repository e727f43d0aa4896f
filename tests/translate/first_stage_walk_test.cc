// First-stage (PGTT=001b) and nested (PGTT=011b) translation on hand-built tables: entry
// bits from translation-structures.md §8/§9, expected addresses worked out by hand, one test
// per fault condition the walk raises (faults.md §3: SFS.1-SFS.10, SSS.1-SSS.6, SGN.1,
// SGN.2, SGN.5-SGN.8, SPT.6).
#include "model/translate/first_stage_walk.h"

#include <cstdint>
#include <memory>

#include "gtest/gtest.h"
#include "model/fault/fault_reason.h"

namespace vtd {
namespace {

constexpr uint64_t B(int n) { return uint64_t{1} << n; }

// First-stage entry bits: P 0, R/W 1, U/S 2, PWT 3, PCD 4, A 5, D 6, PS/PAT 7, EA 10,
// large-leaf PAT 12, XD 63.
constexpr uint64_t kP = B(0);
constexpr uint64_t kRw = B(1);
constexpr uint64_t kUs = B(2);
constexpr uint64_t kAll = kP | kRw | kUs;
constexpr uint64_t kA = B(5);
constexpr uint64_t kD = B(6);
constexpr uint64_t kPs = B(7);
constexpr uint64_t kEa = B(10);
// Second-stage entry bits: R 0, W 1, PS 7, A 8, D 9, SNP 11, EMT 5:3, IPAT 6.
constexpr uint64_t kSsR = B(0);
constexpr uint64_t kSsW = B(1);
constexpr uint64_t kSsRw = kSsR | kSsW;
constexpr uint64_t kSsA = B(8);
constexpr uint64_t kSsD = B(9);

// First-stage tables (host-physical for PGTT=001b).
constexpr uint64_t kPml5 = 0x10000;
constexpr uint64_t kPml4 = 0x11000;
constexpr uint64_t kPdpt = 0x12000;
constexpr uint64_t kPd = 0x13000;
constexpr uint64_t kPt = 0x14000;
// 0x12345678: PML4 index 0, PDPT 0, PD 0x91, PT 0x145, offset 0x678.
constexpr uint64_t kIova = 0x12345678;
constexpr uint64_t kPage = 0xabcde000;
constexpr uint64_t kPtePa = kPt + 8 * 0x145;
constexpr uint64_t kPdePa = kPd + 8 * 0x91;

class FirstStageWalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory_ = std::move(HostMemory::Create(uint64_t{1} << 32)).value();
    Set(kPml5, kPml4 | kAll);
    Set(kPml4, kPdpt | kAll);
    Set(kPdpt, kPd | kAll);
    Set(kPdePa, kPt | kAll);
    Set(kPtePa, kPage | kAll);
    context_.kind = TranslationKind::kFirstStage;
    context_.fs.root = kPml4;
    context_.fs.levels = 4;
    config_.haw = 39;
    config_.page_walk_snoop = true;
  }
  void Set(uint64_t address, uint64_t value) { ASSERT_TRUE(memory_->Write64(address, value).ok()); }
  uint64_t Get(uint64_t address) { return memory_->Read(address, 8).value(); }
  DmaRequest Req(uint64_t address = kIova, AccessKind access = AccessKind::kRead,
                 bool privileged = false) {
    DmaRequest r;
    r.source_id = SourceId(0x10);
    r.address = address;
    r.size = 4;
    r.access = access;
    r.pasid = 7;
    r.privileged = privileged;
    return r;
  }
  FaultOr<TranslationLeaf> Run(const DmaRequest& request, WalkTrace* trace = nullptr) {
    WalkMemory port(memory_.get(), config_.haw);
    return TranslateFirstStage(config_, context_, port, request, trace);
  }
  static uint64_t Output(const FaultOr<TranslationLeaf>& leaf, uint64_t address) {
    return leaf->page_base | (address & (leaf->page_size() - 1));
  }
  void ExpectFault(const FaultOr<TranslationLeaf>& got, FaultCondition condition, int reason) {
    ASSERT_FALSE(got.ok()) << "translated to " << std::hex << got->page_base;
    EXPECT_EQ(FaultConditionName(got.fault().condition), FaultConditionName(condition));
    EXPECT_EQ(static_cast<int>(got.fault().reason), reason);
  }

  std::unique_ptr<HostMemory> memory_;
  TranslationContext context_;
  FirstStageWalkConfig config_;
};

TEST_F(FirstStageWalkTest, FourLevelWalkSetsAccessedEverywhereAndDirtyOnWrites) {
  auto read = Run(Req());
  ASSERT_TRUE(read.ok()) << read.fault().ToString();
  EXPECT_EQ(Output(read, kIova), 0xabcde678u);
  EXPECT_EQ(read->level, 1);
  EXPECT_EQ(read->stages, kStageFirst);
  EXPECT_TRUE(read->read && read->write && read->user);
  EXPECT_FALSE(read->execute);
  EXPECT_EQ(Get(kPml4), kPdpt | kAll | kA);
  EXPECT_EQ(Get(kPtePa), kPage | kAll | kA);  // no D for a read
  ASSERT_TRUE(Run(Req(kIova, AccessKind::kWrite)).ok());
  EXPECT_EQ(Get(kPtePa), kPage | kAll | kA | kD);
  EXPECT_EQ(Get(kPdePa), kPt | kAll | kA);  // D only in the leaf
}

TEST_F(FirstStageWalkTest, ExtendedAccessedWithEafe) {
  context_.fs.extended_access = true;
  ASSERT_TRUE(Run(Req()).ok());
  EXPECT_EQ(Get(kPml4), kPdpt | kAll | kA | kEa);
  EXPECT_EQ(Get(kPtePa), kPage | kAll | kA | kEa);
}

TEST_F(FirstStageWalkTest, FiveLevelWalkStartsAtPml5) {
  context_.fs.root = kPml5;
  context_.fs.levels = 5;
  WalkTrace trace;
  auto leaf = Run(Req(), &trace);
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(Output(leaf, kIova), 0xabcde678u);
  ASSERT_EQ(trace.size(), 5u);
  EXPECT_EQ(trace[0].structure, "fs_pml5e");
  EXPECT_EQ(trace[4].structure, "fs_pte");
  EXPECT_EQ(trace[4].entry_address, kPtePa);
}

TEST_F(FirstStageWalkTest, LargePagesAndPatIndex) {
  // 2 MiB leaf in the PDE: PAT at bit 12, PCD, PWT -> PAT index 7.
  Set(kPdePa, 0x40000000 | kAll | kPs | B(12) | B(4) | B(3));
  auto two_m = Run(Req());
  ASSERT_TRUE(two_m.ok());
  EXPECT_EQ(two_m->level, 2);
  EXPECT_EQ(Output(two_m, kIova), 0x40145678u);
  EXPECT_EQ(two_m->pat_index, 7);
  // 1 GiB leaf in the PDPE with CAP.FS1GP.
  config_.fs_1g = true;
  Set(kPdpt, 0x80000000 | kAll | kPs);
  auto one_g = Run(Req());
  ASSERT_TRUE(one_g.ok());
  EXPECT_EQ(one_g->level, 3);
  EXPECT_EQ(Output(one_g, kIova), 0x92345678u);
  EXPECT_EQ(one_g->pat_index, 0);
}

TEST_F(FirstStageWalkTest, PteBit7IsPat) {
  Set(kPtePa, kPage | kAll | kPs | B(3));
  auto leaf = Run(Req());
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(leaf->pat_index, 5);  // PAT 1, PCD 0, PWT 1
}

TEST_F(FirstStageWalkTest, BitsTheSpecIgnoresChangeNothing) {
  // 9, 11, 62:52 ignored everywhere; 63 (XD before 4.1) ignored in 5.10; G in the leaf.
  const uint64_t ignored = B(9) | B(11) | B(52) | B(62) | B(63);
  Set(kPml4, kPdpt | kAll | ignored);
  Set(kPtePa, kPage | kAll | ignored | B(8));
  auto leaf = Run(Req());
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(Output(leaf, kIova), 0xabcde678u);
}

TEST_F(FirstStageWalkTest, NegativeCanonicalAddressesWalk) {
  // 0xffff8000_12345678: bits 63:47 all ones, PML4 index 0x100.
  const uint64_t high = 0xffff800012345678;
  Set(kPml4 + 8 * 0x100, kPdpt | kAll);
  auto leaf = Run(Req(high));
  ASSERT_TRUE(leaf.ok());
  EXPECT_EQ(Output(leaf, high), 0xabcde678u);
}

// ---- first-stage fault conditions (faults.md §3) ----

TEST_F(FirstStageWalkTest, Sfs1ErrorFetchingAnEntryBelowTheRoot) {
  Set(kPml4, 0x200000000 | kAll);  // 8 GiB: below 2^39, outside the 4 GiB memory
  ExpectFault(Run(Req()), FaultCondition::kSfs1, 0x70);
}

TEST_F(FirstStageWalkTest, Sfs2EntryNotPresent) {
  Set(kPdePa, kPt | kRw | kUs);
  ExpectFault(Run(Req()), FaultCondition::kSfs2, 0x71);
}

TEST_F(FirstStageWalkTest, Sfs3ReservedBits) {
  Set(kPml4, kPdpt | kAll | kPs);  // PS in a PML4E
  ExpectFault(Run(Req()), FaultCondition::kSfs3, 0x72);
  Set(kPml4, kPdpt | kAll);
  Set(kPtePa, kPage | kAll | B(40));  // 51:HAW with HAW 39
  ExpectFault(Run(Req()), FaultCondition::kSfs3, 0x72);
  Set(kPtePa, kPage | kAll);
  Set(kPdePa, 0x40000000 | kAll | kPs | B(13));  // 20:13 in a 2 MiB leaf
  ExpectFault(Run(Req()), FaultCondition::kSfs3, 0x72);
  Set(kPdpt, 0x80000000 | kAll | kPs);  // a 1 GiB leaf without CAP.FS1GP
  ExpectFault(Run(Req()), FaultCondition::kSfs3, 0x72);
  config_.fs_1g = true;
  Set(kPdpt, 0x80000000 | kAll | kPs | B(29));  // 29:13 in a 1 GiB leaf
  ExpectFault(Run(Req()), FaultCondition::kSfs3, 0x72);
}

TEST_F(FirstStageWalkTest, Sfs4ErrorFetchingTheRoot) {
  context_.fs.root = 0x200000000;
  ExpectFault(Run(Req()), FaultCondition::kSfs4, 0x73);
}

TEST_F(FirstStageWalkTest, Sfs9UpdateNeededWithoutSnoopedWalks) {
  config_.page_walk_snoop = false;
  ExpectFault(Run(Req()), FaultCondition::kSfs9, 0x90);
  // No update needed: A already set everywhere, and no write.
  for (uint64_t at : {kPml4, kPdpt, kPdePa, kPtePa}) Set(at, Get(at) | kA);
  EXPECT_TRUE(Run(Req()).ok());
  ExpectFault(Run(Req(kIova, AccessKind::kWrite)), FaultCondition::kSfs9, 0x90);
}

TEST_F(FirstStageWalkTest, Sfs10UpdateThatCannotBeMade) {
  // A read-only port cannot make the locked read-modify-write.
  WalkMemory port(*memory_, config_.haw);
  auto got = TranslateFirstStage(config_, context_, port, Req());
  ExpectFault(got, FaultCondition::kSfs10, 0x91);
}

TEST_F(FirstStageWalkTest, Sgn1NonCanonicalAddress) {
  ExpectFault(Run(Req(kIova | B(47))), FaultCondition::kSgn1, 0x80);
  // 5-level: bit 47 is an address bit, bit 56 is the sign.
  context_.fs.root = kPml5;
  context_.fs.levels = 5;
  ExpectFault(Run(Req(kIova | B(60))), FaultCondition::kSgn1, 0x80);
  EXPECT_EQ(Run(Req(kIova | B(47))).fault().condition, FaultCondition::kSfs2);
}

TEST_F(FirstStageWalkTest, Sgn2UserRequestNeedsUsEverywhere) {
  Set(kPdpt, kPd | kP | kRw);
  ExpectFault(Run(Req()), FaultCondition::kSgn2, 0x81);
  // Supervisor requests (with SRE) do not need U/S.
  context_.fs.supervisor_requests = true;
  EXPECT_TRUE(Run(Req(kIova, AccessKind::kRead, /*privileged=*/true)).ok());
}

TEST_F(FirstStageWalkTest, Sgn6WriteWithoutRw) {
  Set(kPdpt, kPd | kP | kUs);
  EXPECT_TRUE(Run(Req()).ok());
  ExpectFault(Run(Req(kIova, AccessKind::kWrite)), FaultCondition::kSgn6, 0x85);
  ExpectFault(Run(Req(kIova, AccessKind::kAtomic)), FaultCondition::kSgn6, 0x85);
  // Supervisor writes ignore R/W unless WPE=1.
  context_.fs.supervisor_requests = true;
  EXPECT_TRUE(Run(Req(kIova, AccessKind::kWrite, true)).ok());
  context_.fs.write_protect = true;
  ExpectFault(Run(Req(kIova, AccessKind::kWrite, true)), FaultCondition::kSgn6, 0x85);
}

TEST_F(FirstStageWalkTest, Sgn81OutputInTheInterruptRange) {
  Set(kPtePa, 0xfee00000 | kAll);
  ExpectFault(Run(Req()), FaultCondition::kSgn8_1, 0x87);
}

TEST_F(FirstStageWalkTest, Sgn82TranslationRequestForAPageInTheInterruptRange) {
  Set(kPtePa, 0xfee00000 | kAll);
  DmaRequest r = Req(kIova & ~uint64_t{0xfff});
  r.type = RequestType::kTranslation;
  ExpectFault(Run(r), FaultCondition::kSgn8_2, 0x87);
}

TEST_F(FirstStageWalkTest, Spt6SupervisorRequestWithoutSre) {
  ExpectFault(Run(Req(kIova, AccessKind::kRead, /*privileged=*/true)), FaultCondition::kSpt6, 0x5d);
}

TEST_F(FirstStageWalkTest, FpdSuppressesReportingOfQualifiedFaults) {
  Set(kPdePa, 0);
  context_.fpd = true;
  auto got = Run(Req());
  ASSERT_FALSE(got.ok());
  EXPECT_FALSE(got.fault().Reportable());
}

TEST_F(FirstStageWalkTest, TranslationRequestGetsTheEffectiveRights) {
  Set(kPdpt, kPd | kP | kUs | kA);  // read-only path
  DmaRequest r = Req(kIova & ~uint64_t{0xfff});
  r.type = RequestType::kTranslation;
  auto leaf = Run(r);
  ASSERT_TRUE(leaf.ok());
  EXPECT_TRUE(leaf->read);
  EXPECT_FALSE(leaf->write);
  EXPECT_EQ(Get(kPtePa), kPage | kAll | kA);  // no write permission given: no D
  Set(kPdpt, kPd | kAll | kA);
  ASSERT_TRUE(Run(r).ok());
  EXPECT_EQ(Get(kPtePa), kPage | kAll | kA | kD);  // write permission given: D
}

// ---- nested (PGTT=011b) ----
//
// Second stage (4-level, HPA tables at 0x30000..): GPA 0x200000-0x3fffff -> HPA 0x600000
// (2 MiB, the first-stage tables), GPA 0x800000-0x9fffff -> HPA 0xa00000 (2 MiB, data).
// First stage (GPAs): PML4 0x200000 -> PDPT 0x201000 -> PD 0x202000 -> PT 0x203000 -> page
// 0x801000, so kIova ends at HPA 0xa01678.
constexpr uint64_t kSsPml4 = 0x30000;
constexpr uint64_t kSsPdpt = 0x31000;
constexpr uint64_t kSsPd = 0x32000;
constexpr uint64_t kSsTablesPde = kSsPd + 8 * 1;
constexpr uint64_t kSsDataPde = kSsPd + 8 * 4;
constexpr uint64_t kNestedPte = 0x603000 + 8 * 0x145;

class NestedWalkTest : public FirstStageWalkTest {
 protected:
  void SetUp() override {
    FirstStageWalkTest::SetUp();
    Set(kSsPml4, kSsPdpt | kSsRw);
    Set(kSsPdpt, kSsPd | kSsRw);
    Set(kSsTablesPde, 0x600000 | kPs | kSsRw);
    Set(kSsDataPde, 0xa00000 | kPs | kSsRw | (6 << 3) | B(6));  // EMT WB, IPAT
    Set(0x600000, 0x201000 | kAll | kA);
    Set(0x601000, 0x202000 | kAll | kA);
    Set(0x602000 + 8 * 0x91, 0x203000 | kAll | kA);
    Set(kNestedPte, 0x801000 | kAll | kA);
    context_.kind = TranslationKind::kNested;
    context_.fs.root = 0x200000;
    context_.ss.root = kSsPml4;
    context_.ss.levels = 4;
    context_.ss.aw = 2;
    context_.ss.input_width = 39;  // min(MGAW 39, AGAW 48)
    config_.ss_pte = SsPteFormat{39, false, true, false, SsBit62::kReserved};
  }
};

TEST_F(NestedWalkTest, BothStagesTranslate) {
  WalkTrace trace;
  auto leaf = Run(Req(), &trace);
  ASSERT_TRUE(leaf.ok()) << leaf.fault().ToString();
  EXPECT_EQ(Output(leaf, kIova), 0xa01678u);
  EXPECT_EQ(leaf->stages, kStageFirst | kStageSecond);
  EXPECT_EQ(leaf->level, 1);  // the 4 KiB first-stage page inside a 2 MiB second-stage page
  EXPECT_EQ(leaf->emt, 6);
  EXPECT_TRUE(leaf->ipat);
  // Each first-stage entry comes after the 3 second-stage entries that located it, then the
  // 3 of the output: 4 * (3 + 1) + 3.
  ASSERT_EQ(trace.size(), 19u);
  EXPECT_EQ(trace[3].structure, "fs_pml4e");
  EXPECT_EQ(trace[3].entry_address, 0x600000u);
  EXPECT_EQ(trace[15].entry_address, kNestedPte);
  EXPECT_EQ(trace[18].structure, "ss_pde");
  // SSADE=0: nothing set in the second stage; D in the first-stage leaf on a write.
  ASSERT_TRUE(Run(Req(kIova, AccessKind::kWrite)).ok());
  EXPECT_EQ(Get(kNestedPte), 0x801000 | kAll | kA | kD);
  EXPECT_EQ(Get(kSsTablesPde), 0x600000 | kPs | kSsRw);
}

TEST_F(NestedWalkTest, SsadeSetsSecondStageAccessedAndDirtyWhereWritten) {
  context_.ss.ad_enabled = true;
  ASSERT_TRUE(Run(Req()).ok());
  EXPECT_EQ(Get(kSsPml4), kSsPdpt | kSsRw | kSsA);
  EXPECT_EQ(Get(kSsTablesPde), 0x600000 | kPs | kSsRw | kSsA);  // no first-stage entry written
  EXPECT_EQ(Get(kSsDataPde) & (kSsA | kSsD), kSsA);
  ASSERT_TRUE(Run(Req(kIova, AccessKind::kWrite)).ok());
  // D where the access through the entry writes: the page holding the first-stage leaf (its
  // D is set) and the data page.
  EXPECT_EQ(Get(kSsTablesPde), 0x600000 | kPs | kSsRw | kSsA | kSsD);
  EXPECT_EQ(Get(kSsDataPde) & (kSsA | kSsD), kSsA | kSsD);
}

TEST_F(NestedWalkTest, Sfs5FirstStageAddressBeyondTheSecondStageInputWidth) {
  Set(0x601000, 0x8000000000 | kAll | kA);  // 2^39: HAW 39 would make it reserved
  config_.haw = 46;
  config_.ss_pte.haw = 46;
  ExpectFault(Run(Req()), FaultCondition::kSfs5, 0x74);
}

TEST_F(NestedWalkTest, Sfs6RootTableNotReadableInTheSecondStage) {
  Set(kSsTablesPde, 0x600000 | kPs | kSsW);
  ExpectFault(Run(Req()), FaultCondition::kSfs6, 0x75);
}

TEST_F(NestedWalkTest, Sfs7TableBelowTheRootNotReadable) {
  // GPA 0x201000 (the PDPT) moved to a read-only second-stage page.
  Set(0x600000, 0x1000000 | kAll | kA);
  Set(kSsPd + 8 * 8, 0x800000 | kPs | kSsW);
  ExpectFault(Run(Req()), FaultCondition::kSfs7, 0x76);
  // With SSADE a table read needs W as well.
  Set(kSsPd + 8 * 8, 0x800000 | kPs | kSsR);
  EXPECT_EQ(Run(Req()).fault().condition, FaultCondition::kSfs2);  // readable: PDPT empty
  context_.ss.ad_enabled = true;
  ExpectFault(Run(Req()), FaultCondition::kSfs7, 0x76);
}

TEST_F(NestedWalkTest, Sfs8FirstStageUpdateNeedsSecondStageWrite) {
  Set(kSsTablesPde, 0x600000 | kPs | kSsR);
  EXPECT_TRUE(Run(Req()).ok());  // A already set everywhere: no update
  ExpectFault(Run(Req(kIova, AccessKind::kWrite)), FaultCondition::kSfs8, 0x77);
}

TEST_F(NestedWalkTest, SecondStageFaultsWhileFetchingFirstStageTables) {
  context_.ss.root = 0x200000000;  // outside memory
  ExpectFault(Run(Req()), FaultCondition::kSss4, 0x7b);
  context_.ss.root = kSsPml4;
  Set(kSsPdpt, 0x200000000 | kSsRw);
  ExpectFault(Run(Req()), FaultCondition::kSss1, 0x78);
  Set(kSsPdpt, kSsPd | kSsRw);
  Set(kSsTablesPde, 0);
  ExpectFault(Run(Req()), FaultCondition::kSss2, 0x79);
  Set(kSsTablesPde, 0x600000 | kPs | kSsRw | B(11));  // SNP without ECAP.SC
  ExpectFault(Run(Req()), FaultCondition::kSss3, 0x7a);
}

TEST_F(NestedWalkTest, Sss2NeitherReadNorWriteLeftOnThePath) {
  Set(kSsPdpt, kSsPd | kSsR);
  Set(kSsTablesPde, 0x600000 | kPs | kSsW);
  ExpectFault(Run(Req()), FaultCondition::kSss2, 0x79);
}

TEST_F(NestedWalkTest, Sss5And6SecondStageUpdates) {
  context_.ss.ad_enabled = true;
  config_.page_walk_snoop = false;
  ExpectFault(Run(Req()), FaultCondition::kSss5, 0x7c);
  config_.page_walk_snoop = true;
  WalkMemory read_only(*memory_, config_.haw);
  ExpectFault(TranslateFirstStage(config_, context_, read_only, Req()), FaultCondition::kSss6,
              0x7d);
}

TEST_F(NestedWalkTest, Sgn5FirstStageRootBeyondTheInputWidth) {
  // The first-stage root is the first guest-physical address the second stage translates
  // (a PASID entry holding it is rejected before the walk, SPT.4.4; the walk itself says
  // SGN.5). Below the root, a first-stage ADDR beyond X is SFS.5.
  context_.fs.root = uint64_t{1} << 39;
  ExpectFault(Run(Req()), FaultCondition::kSgn5, 0x84);
}

TEST_F(NestedWalkTest, Sgn6AndSgn7FinalAccessInTheSecondStage) {
  Set(kSsDataPde, 0xa00000 | kPs | kSsR);
  EXPECT_TRUE(Run(Req()).ok());
  ExpectFault(Run(Req(kIova, AccessKind::kWrite)), FaultCondition::kSgn6, 0x85);
  Set(kSsDataPde, 0xa00000 | kPs | kSsW);
  ExpectFault(Run(Req()), FaultCondition::kSgn7, 0x86);
  EXPECT_TRUE(Run(Req(kIova, AccessKind::kWrite)).ok());
}

TEST_F(NestedWalkTest, Sgn81OutputInTheInterruptRangeAfterTheSecondStage) {
  Set(kSsDataPde, 0xfee00000 | kPs | kSsRw);
  ExpectFault(Run(Req()), FaultCondition::kSgn8_1, 0x87);
}

}  // namespace
}  // namespace vtd
