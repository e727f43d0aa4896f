// The legacy-mode walk (VT-d spec §3.4.2, §3.7, §4.2.3): translations, and one test per
// Table 30 condition (§7.1.3), named by condition code.
#include "model/translate/legacy_walk.h"

#include <memory>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/common/hex.h"
#include "model/structs/address_width.h"
#include "model/structs/context_entry.h"
#include "model/structs/root_entry.h"
#include "tests/testing/status_matchers.h"
#include "tests/translate/legacy_tables.h"

namespace vtd {
namespace {

using ::vtd::testing::StatusIs;

// ---- Successful translations.

TEST_F(LegacyWalkTest, FourLevelWalkTranslates4KPage) {
  SetContext(2);
  Map(0x12345000, 0xabcd000);
  TranslateResult r = Run(Req(0x12345678));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.translation->hpa, 0xabcd678u);
  EXPECT_EQ(r.translation->page_size, 4096u);
  EXPECT_TRUE(r.translation->read);
  EXPECT_TRUE(r.translation->write);
  EXPECT_EQ(r.translation->did, DomainId(7));
  EXPECT_EQ(r.translation->levels, 4);
  EXPECT_EQ(r.translation->leaf_level, 1);
}

TEST_F(LegacyWalkTest, ThreeAndFiveLevelWalks) {
  for (int aw : {1, 3}) {
    SetContext(aw);
    Map(0x7f12345000, 0x5000);
    TranslateResult r = Run(Req(0x7f12345010));
    ASSERT_TRUE(r.ok()) << aw;
    EXPECT_EQ(r.translation->hpa, 0x5010u);
    EXPECT_EQ(r.translation->levels, aw + 2);
  }
  // 57-bit input with 5 levels (MGAW 57).
  config_.cap.mgaw = 57 - 1;
  SetContext(3);
  Map(uint64_t{1} << 55, 0x6000);
  EXPECT_EQ(Run(Req(uint64_t{1} << 55)).translation->hpa, 0x6000u);
}

TEST_F(LegacyWalkTest, SuperpagesWhenSllpsAllows) {
  SetContext(2);
  Map(0x40000000, 0x200000, 2);    // 2 MiB
  Map(0x80000000, 0x40000000, 3);  // 1 GiB
  TranslateResult r2m = Run(Req(0x40123456));
  ASSERT_TRUE(r2m.ok());
  EXPECT_EQ(r2m.translation->hpa, 0x323456u);
  EXPECT_EQ(r2m.translation->page_size, 0x200000u);
  EXPECT_EQ(r2m.translation->leaf_level, 2);
  TranslateResult r1g = Run(Req(0x80123458));
  ASSERT_TRUE(r1g.ok());
  EXPECT_EQ(r1g.translation->hpa, 0x40123458u);
  EXPECT_EQ(r1g.translation->page_size, 0x40000000u);
}

TEST_F(LegacyWalkTest, LSS2_SuperpageReservedWhenSllpsDisallows_Sec9_8) {
  config_.cap.sslps = 0;
  SetContext(2);
  Map(0x40000000, 0x200000, 2);
  Map(0x80000000, 0x40000000, 3);
  ExpectFault(Req(0x40000000), "LSS.2");
  ExpectFault(Req(0x80000000), "LSS.2");
}

TEST_F(LegacyWalkTest, SnoopAndMemoryTypeBitsCarriedIntoResult) {
  SetContext(2);
  Map(0x1000, 0x9000, 1, 3 | (1 << 11) | (6 << 3) | (1 << 6));
  TranslateResult r = Run(Req(0x1000));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.translation->snoop);
  EXPECT_EQ(r.translation->emt, 6);
  EXPECT_TRUE(r.translation->ipat);
}

TEST_F(LegacyWalkTest, PermissionsAreCumulative) {
  SetContext(2);
  Map(0x1000, 0x9000);
  // Make the PDE read-only: reads pass, writes fault (LGN.2) at that level.
  const uint64_t pde = EntryAddress(0x1000, 2);
  Write(pde, (memory_->Read64(pde).value() & ~uint64_t{2}));
  TranslateResult r = Run(Req(0x1000));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.translation->write);
  ExpectFault(Req(0x1000, AccessKind::kWrite), "LGN.2");
}

TEST_F(LegacyWalkTest, PassThroughWhenEcapPt) {
  SetContext(2, TranslationType::kPassThrough);
  TranslateResult r = Run(Req(0x7654321, AccessKind::kWrite));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.translation->hpa, 0x7654321u);
  EXPECT_EQ(r.translation->tt, TranslationType::kPassThrough);
  EXPECT_EQ(r.translation->levels, 0);
}

TEST_F(LegacyWalkTest, DeviceTlbTranslationRequestGetsCompletion) {
  SetContext(2, TranslationType::kDeviceTlb);
  Map(0x40000000, 0x200000, 2, 3 | (1 << 11));
  TranslateResult r = Run(Req(0x40001000, AccessKind::kRead, 0, RequestType::kTranslation));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.ats.has_value());
  EXPECT_EQ(r.ats->address, 0x200000u);
  EXPECT_EQ(r.ats->size, 0x200000u);
  EXPECT_TRUE(r.ats->read);
  EXPECT_TRUE(r.ats->write);
  EXPECT_TRUE(r.ats->no_snoop);
  EXPECT_FALSE(r.ats->untranslated_only);
  // Untranslated requests still work under TT=01b.
  EXPECT_TRUE(Run(Req(0x40001000)).ok());
}

TEST_F(LegacyWalkTest, DeviceTlbTranslatedRequestPassesThrough) {
  SetContext(2, TranslationType::kDeviceTlb);
  TranslateResult r = Run(Req(0x5000, AccessKind::kWrite, 64, RequestType::kTranslated));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.translation->hpa, 0x5000u);
  EXPECT_TRUE(r.translation->write);
}

TEST_F(LegacyWalkTest, TranslationRequestNoWriteHonouredWithNwfs) {
  config_.ecap.nwfs = true;
  SetContext(2, TranslationType::kDeviceTlb);
  Map(0x1000, 0x9000, 1, 1);  // read-only
  DmaRequest req = Req(0x1000, AccessKind::kRead, 0, RequestType::kTranslation);
  req.no_write = true;
  TranslateResult r = Run(req);
  ASSERT_TRUE(r.ok());  // a read-only translation for a read-only request: no condition
  EXPECT_TRUE(r.ats->read);
  EXPECT_FALSE(r.ats->write);
}

TEST_F(LegacyWalkTest, S1_TranslationRequestToInterruptRange_Sec4_2_3) {
  SetContext(2, TranslationType::kDeviceTlb);
  TranslateResult r = Run(Req(0xfee00000, AccessKind::kRead, 0, RequestType::kTranslation));
  ASSERT_TRUE(r.ats.has_value());
  EXPECT_FALSE(r.fault.has_value());
  EXPECT_FALSE(r.ats->read);
  EXPECT_TRUE(r.ats->write);
  EXPECT_TRUE(r.ats->untranslated_only);
  // S.2: NW=1 honoured.
  config_.ecap.nwfs = true;
  DmaRequest req = Req(0xfee00000, AccessKind::kRead, 0, RequestType::kTranslation);
  req.no_write = true;
  r = Run(req);
  EXPECT_FALSE(r.ats->write);
  EXPECT_FALSE(r.ats->untranslated_only);
}

TEST_F(LegacyWalkTest, ZeroLengthReadToWriteOnlyPageAllowedWithZlr_Sec3_14) {
  SetContext(2);
  Map(0x1000, 0x9000, 1, 2);  // write-only
  ExpectFault(Req(0x1000, AccessKind::kRead, 0), "LGN.3");
  config_.cap.zlr = true;
  EXPECT_TRUE(Run(Req(0x1000, AccessKind::kRead, 0)).ok());
  ExpectFault(Req(0x1000, AccessKind::kRead, 4), "LGN.3");
}

TEST_F(LegacyWalkTest, FpdSuppressesQualifiedFaultsOnly) {
  SetContext(2, TranslationType::kUntranslatedOnly, /*fpd=*/true);
  Fault f = ExpectFault(Req(0x1000), "LGN.3");  // nothing mapped: R=W=0
  EXPECT_TRUE(f.fpd);
  EXPECT_FALSE(f.Reportable());
  // Context P=0 with FPD=1: FPD is still evaluated (S §9.3).
  SetContextRaw(2, 0);
  f = ExpectFault(Req(0x1000), "LCT.2");
  EXPECT_TRUE(f.fpd);
  EXPECT_FALSE(f.Reportable());
  // Root faults are not qualified.
  SetRoot(kSid.bus(), 0, 0);
  f = ExpectFault(Req(0x1000), "LRT.2");
  EXPECT_TRUE(f.Reportable());
}

TEST_F(LegacyWalkTest, StepsListEveryEntryRead) {
  SetContext(2);
  Map(0x12345000, 0xabcd000);
  WalkTrace trace;
  ASSERT_TRUE(Run(Req(0x12345000), &trace).ok());
  ASSERT_EQ(trace.size(), 6u);
  EXPECT_EQ(trace[0].structure, "root_entry");
  EXPECT_EQ(trace[0].index, 3);
  EXPECT_EQ(trace[0].entry_address, kRootTable + 16 * 3);
  EXPECT_EQ(trace[1].structure, "context_entry");
  EXPECT_EQ(trace[1].index, kSid.devfn());
  EXPECT_EQ(trace[2].structure, "ss_pml4e");
  EXPECT_EQ(trace[2].index_bits.hi, 47);
  EXPECT_EQ(trace[2].index_bits.lo, 39);
  EXPECT_EQ(trace[5].structure, "ss_pte");
  EXPECT_EQ(trace[5].level, 1);
  EXPECT_EQ(trace[5].index, 0x145);
  EXPECT_EQ(trace[5].raw[0], 0xabcd003u);
  EXPECT_EQ(trace[5].ToJson().Dump(-1),
            "{\"structure\":\"ss_pte\",\"level\":1,\"index\":325,\"index_bits\":\"iova[20:12]\","
            "\"entry_address\":\"" +
                Hex(trace[5].entry_address) +
                "\",\"raw\":[\"0xabcd003\"],\"fields\":{\"r\":1,\"w\":1,\"emt\":0,\"ipat\":0,"
                "\"snp\":0,\"addr\":\"0xabcd000\"}}");
}

class CountingObserver : public MemoryObserver {
 public:
  void OnRead(uint64_t, int size, MemoryAccessTag tag) override {
    kinds.push_back(tag.kind);
    sizes.push_back(size);
  }
  void OnWrite(uint64_t, int, MemoryAccessTag) override {}
  std::vector<MemoryAccessKind> kinds;
  std::vector<int> sizes;
};

TEST_F(LegacyWalkTest, ObserverSeesTaggedStructureFetches) {
  SetContext(1);
  Map(0x1000, 0x9000);
  CountingObserver observer;
  memory_->set_observer(&observer);
  ASSERT_TRUE(Run(Req(0x1000)).ok());
  memory_->set_observer(nullptr);
  using K = MemoryAccessKind;
  EXPECT_THAT(observer.kinds,
              ::testing::ElementsAre(K::kRootEntry, K::kContextEntry, K::kSecondStageEntry,
                                     K::kSecondStageEntry, K::kSecondStageEntry));
  EXPECT_THAT(observer.sizes, ::testing::ElementsAre(16, 16, 8, 8, 8));
}

TEST_F(LegacyWalkTest, ResumableFromAPagingStructureCacheHit) {
  SetContext(2);
  Map(0x12345000, 0xabcd000);
  const DmaRequest req = Req(0x12345000);
  // Full walk, then resume at level 2 from the PDPE's output as a PSC would.
  auto full = WalkSecondStage(config_, *memory_, {root_table_, 4}, 4, req.address, {true, false},
                              req, false);
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(full->record_count, 4);
  const uint64_t pd_table = full->records[1].raw & SecondStagePte::kAddress.mask();
  WalkTrace trace;
  auto resumed = WalkSecondStage(config_, *memory_, {pd_table, 2}, 4, req.address, {true, false},
                                 req, false, &trace);
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(trace.size(), 2u);
  EXPECT_EQ(resumed->page_base, 0xabcd000u);
  // A fetch error below the top level is LSS.1 even when resuming.
  auto bad = WalkSecondStage(config_, *memory_, {uint64_t{1} << 33, 2}, 4, req.address,
                             {true, false}, req, false);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.fault().condition, FaultCondition::kLss1);
}

TEST_F(LegacyWalkTest, ContextLookupIsSeparatelyCallable) {
  SetContext(2, TranslationType::kUntranslatedOnly, false, 0x42);
  auto ctx = LookupLegacyContext(config_, *memory_, Req(0));
  ASSERT_TRUE(ctx.ok());
  EXPECT_EQ(ctx->entry.did, DomainId(0x42));
  EXPECT_EQ(ctx->context_entry_address, kContextTable + 16 * kSid.devfn());
}

TEST_F(LegacyWalkTest, SelfReferencingTablesTerminate) {
  SetContext(2);
  // Every level's entry 0 points back at the top table: the walk reads 4 entries and
  // treats the level-1 entry as a 4 KiB leaf whose address is the table itself.
  Write(root_table_, root_table_ | 3);
  WalkTrace trace;
  TranslateResult r = Run(Req(0x0), &trace);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.translation->hpa, root_table_);
  EXPECT_EQ(trace.size(), 6u);
}

TEST_F(LegacyWalkTest, BadRequestsAreStatusNotFaults) {
  SetContext(2);
  EXPECT_THAT(Translate(config_, *memory_, Req(0xff0, AccessKind::kRead, 32)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(Translate(config_, *memory_, Req(0, AccessKind::kRead, 4097)),
              StatusIs(absl::StatusCode::kInvalidArgument));
  config_.ecap.smts = true;
  config_.rtaddr = kRootTable | (1 << 10);
  EXPECT_THAT(Translate(config_, *memory_, Req(0)),
              StatusIs(absl::StatusCode::kFailedPrecondition));
}

TEST(WalkConfigTest, FromRegisters) {
  // CAP: ND=6, SAGAW=0b0110, MGAW=47 (48 bits), ZLR, SLLPS 2M+1G. ECAP: DT, PT, SC, NWFS.
  const uint64_t cap = 6 | (0b0110 << 8) | (uint64_t{47} << 16) | (1 << 22) | (uint64_t{3} << 34);
  const uint64_t ecap = (1 << 2) | (1 << 6) | (1 << 7) | (uint64_t{1} << 33);
  VTD_ASSERT_OK_AND_ASSIGN(WalkConfig c, WalkConfig::FromRegisters(cap, ecap, 0x1000, 46));
  EXPECT_EQ(c.cap.nd, 6);
  EXPECT_EQ(c.cap.sagaw, 0b0110u);
  EXPECT_EQ(c.mgaw(), 48);
  EXPECT_TRUE(c.cap.zlr);
  EXPECT_EQ(c.cap.sslps, 0b11);
  EXPECT_TRUE(c.ecap.dt && c.ecap.pt && c.ecap.sc && c.ecap.nwfs);
  EXPECT_EQ(c.root_table(), 0x1000u);
  EXPECT_THAT(WalkConfig::FromRegisters(cap | (1 << 8), ecap, 0, 46),
              StatusIs(absl::StatusCode::kInvalidArgument));  // SAGAW bit 0 reserved
  EXPECT_THAT(WalkConfig::FromRegisters(cap, ecap, 0, 60),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace vtd
