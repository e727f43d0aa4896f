// The oracles in scalable mode (unit_program.h): transparency and the stale checker for
// first-stage, nested and PASID-table entries, isolation through the scalable, first-stage and
// nested tables (table_enumerator.h), the page request queue and event-control registers. As
// in oracle_test.cc each planted bug is reported and the same program without it passes.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/memory/host_memory.h"
#include "tests/fuzz/oracle_test_util.h"
#include "tests/fuzz/unit_program.h"

namespace vtd::fuzz {
namespace {

using ::testing::HasSubstr;

// QEMU's scalable unit with first-stage, nested, A/D and page requests (unit_program.cc
// variants 4 and 4).
Program Sm(std::vector<Op> ops) {
  Program p;
  p.cap_variant = 4;
  p.ecap_variant = 4;
  p.ops = std::move(ops);
  return p;
}

// SmMap a: R bit 0, W bit 1, PGTT choice 6:4 (0 second, 2 first, 3 nested), U/S bit 7;
// e: PASID, with PASID (20), DID (51:36), SRE (52), PWSNP (55), DTE (57), PRE (58).
constexpr uint64_t kHpa = 0x1800000;
constexpr uint64_t kWithPasid = uint64_t{1} << 20, kPwsnp = uint64_t{1} << 55;
constexpr uint64_t kSre = uint64_t{1} << 52, kDtePre = uint64_t{3} << 57;
// Requester 00:02.0: requests without PASID (RID_PASID 0) through a second stage, domain 1.
const Op kSsMap = MakeOp(OpKind::kSmMap, 3, 0x0010, 0x100, kHpa >> 12, uint64_t{1} << 36);
// PASID 5: a user's read/write first-stage page, domain 2.
const Op kFsMap = MakeOp(OpKind::kSmMap, 3 | (2 << 4) | 0x80, 0x0010, 0x200, kHpa >> 12,
                         5 | kWithPasid | uint64_t{2} << 36 | kPwsnp);
// PASID 6: nested, the guest page kHpa, domain 3.
const Op kNestedMap = MakeOp(OpKind::kSmMap, 3 | (3 << 4) | 0x80, 0x0010, 0x300, kHpa >> 12,
                             6 | kWithPasid | uint64_t{3} << 36 | kPwsnp);
// Linux's scalable bring-up: 256-bit QI, TTM=01b, SRTP, global context, PASID, IOTLB, TE.
const Op kSmEnable = MakeOp(OpKind::kSmDriver, 0);
// A 4-byte read of the first mapping at offset 0x10, with the mapping's PASID or without.
const Op kPasidRead = MakeOp(OpKind::kDma, 0xc0 | 8, 0, 0, 0x10, 4);
const Op kRead = MakeOp(OpKind::kDma, 0xc0, 0, 0, 0x10, 4);

// First-stage leaf after the first read: P, R/W, U/S and A (set by the walk, S §3.6.2).
constexpr uint64_t kFsLeafAfterRead = kHpa | 0x27;

// A first-stage IOTLB entry left stale: the leaf moves with no invalidation.
TEST(ScalableOracleTest, TransparencyReportsAStaleFirstStageEntry) {
  EXPECT_THAT(WithTableEdit(Profile::kUnit, Sm({kFsMap, kSmEnable, kPasidRead, kPasidRead}), 3,
                            kFsLeafAfterRead, (kHpa + 0x1000) | 0x27, false),
              HasSubstr("cache transparency"));
}

// The same for a nested translation: the guest page moves to one the second stage does not
// map, the unit answers from its IOTLB, the walk faults.
TEST(ScalableOracleTest, TransparencyReportsAStaleNestedEntry) {
  EXPECT_THAT(WithTableEdit(Profile::kUnit, Sm({kNestedMap, kSmEnable, kPasidRead, kPasidRead}), 3,
                            kFsLeafAfterRead, (kHpa + 0x1000) | 0x27, false),
              HasSubstr("cache transparency"));
}

// With the invalidation checker on, a stale second-stage entry in scalable mode, after the
// global context, PASID-cache and IOTLB invalidations, is the stale oracle's failure.
TEST(ScalableOracleTest, StaleOracleReportsAStaleScalableSecondStageEntry) {
  EXPECT_THAT(WithTableEdit(Profile::kUnit, Sm({kSsMap, kSmEnable, kRead, kRead}), 3, kHpa | 3,
                            (kHpa + 0x1000) | 3, true),
              HasSubstr("stale hit"));
}

// A PASID-table entry changed (its DID) with no PASID-cache invalidation: the unit answers
// with the cached entry's domain, the walk with the new one.
TEST(ScalableOracleTest, TransparencyReportsAStalePasidEntry) {
  // PASID entry qword 1: DID 1 -> 2
  EXPECT_THAT(WithTableEdit(Profile::kUnit, Sm({kSsMap, kSmEnable, kRead, kRead}), 3, 1, 2, false),
              HasSubstr("did=0x1"));
}

// A walker bug shared by the unit and the pure walk, for every PGTT that walks tables: the
// DMA reaches a page 2 MiB away that no table maps.
TEST(ScalableOracleTest, IsolationReportsADmaToAnUnmappedPageForEveryPgtt) {
  for (const Op& map : {kSsMap, kFsMap, kNestedMap}) {
    const Op read = map.e & kWithPasid ? kPasidRead : kRead;
    const Program p = Sm({map, kSmEnable, read});
    TestHooks hooks;
    EXPECT_EQ(Check(Profile::kUnit, p, hooks), "") << int{map.a};
    hooks.translated_hpa = [](uint64_t hpa) { return hpa + 0x200000; };
    EXPECT_THAT(Check(Profile::kUnit, p, hooks), HasSubstr("isolation")) << int{map.a};
  }
}

// First-stage rights (S §3.6.1): page A is read-only for the user, page B read/write. A
// user's write meant for B sent to A is reported; a supervisor's write to A is allowed (WPE
// clear) and is not.
TEST(ScalableOracleTest, IsolationFollowsFirstStageRights) {
  const uint64_t pasid5 = 5 | kWithPasid | uint64_t{2} << 36 | kPwsnp | kSre;
  const Op read_only =
      MakeOp(OpKind::kSmMap, 1 | (2 << 4) | 0x80, 0x0010, 0x200, kHpa >> 12, pasid5);
  const Op read_write =
      MakeOp(OpKind::kSmMap, 3 | (2 << 4) | 0x80, 0x0010, 0x201, (kHpa >> 12) + 1, pasid5);
  const Op user_write_b = MakeOp(OpKind::kDma, 0xc0 | 8 | 1, 0, 1, 0x10, 4);
  const Op supervisor_write_a = MakeOp(OpKind::kDma, 0xc0 | 8 | 0x10 | 1, 0, 0, 0x10, 4);
  TestHooks hooks;
  const RunResult clean = RunProgram(
      Profile::kUnit, Sm({read_only, read_write, kSmEnable, supervisor_write_a}), nullptr, &hooks);
  EXPECT_EQ(clean.failure, "");
  EXPECT_THAT(clean.transcript, HasSubstr(absl::StrFormat("hpa: %#x", kHpa + 0x10)));
  const Program p = Sm({read_only, read_write, kSmEnable, user_write_b});
  EXPECT_EQ(Check(Profile::kUnit, p, hooks), "");
  hooks.translated_hpa = [](uint64_t hpa) { return hpa - 0x1000; };
  EXPECT_THAT(Check(Profile::kUnit, p, hooks), HasSubstr("with write permission"));
}

// ---- Page requests.
const Op kPrqMap = MakeOp(OpKind::kSmMap, 3 | (2 << 4) | 0x80, 0x0020, 0x10, 0x3000,
                          9 | kWithPasid | uint64_t{7} << 36 | kPwsnp | kDtePre);
const Op kPrqSetup = MakeOp(OpKind::kSmDriver, 6);  // PQS 0 (4 KiB), PECTL.IM clear
// A read request for the mapped page, the last of its group.
const Op kPageRequest = MakeOp(OpKind::kPageRequest, 0x40 | 8 | 0x20, 0, 0, 0, 0x11);
constexpr uint32_t kPqh = 0xc0, kPqt = 0xc8, kPrs = 0xdc, kPectl = 0xe0, kFectl = 0x38;

// PQT stays inside the queue (S §11.4.11): a 4 KiB queue with PQT at 8 KiB.
TEST(ScalableOracleTest, RegisterOracleReportsPqtOutsideTheQueue) {
  EXPECT_THAT(WithRegisterBug(Profile::kUnit, Sm({kPrqMap, kSmEnable, kPrqSetup, kPageRequest}),
                              kPqt, [](uint64_t v) { return v | 0x2000; }),
              HasSubstr("outside the 0x1000-byte page request queue"));
}

// A queued request advances PQT by one 32-byte descriptor and sets PRS.PPR.
TEST(ScalableOracleTest, PageRequestOracleReportsATailThatDidNotAdvance) {
  EXPECT_THAT(WithRegisterBug(Profile::kUnit, Sm({kPrqMap, kSmEnable, kPrqSetup, kPageRequest}),
                              kPqt, [](uint64_t v) { return v & ~uint64_t{0x20}; }),
              HasSubstr("advance PQT by 32"));
  EXPECT_THAT(WithRegisterBug(Profile::kUnit, Sm({kPrqMap, kSmEnable, kPrqSetup, kPageRequest}),
                              kPrs, [](uint64_t v) { return v & ~uint64_t{1}; }),
              HasSubstr("set PRS.PPR"));
}

// A full queue (PQT + 32 = PQH, written by software) takes nothing and sets PRS.PRO.
TEST(ScalableOracleTest, PageRequestOracleReportsAFullQueueWithoutPro) {
  const Op head = MakeOp(OpKind::kMmioWrite, /*64-bit raw offset*/ 3, kPqh, 0, 0x20);
  EXPECT_THAT(
      WithRegisterBug(Profile::kUnit, Sm({kPrqMap, kSmEnable, kPrqSetup, head, kPageRequest}), kPrs,
                      [](uint64_t v) { return v & ~uint64_t{2}; }),
      HasSubstr("full queue must set PRS.PRO"));
}

// S §7.3.1: IP is never left set with IM clear (clearing IM sends the pending message).
TEST(ScalableOracleTest, RegisterOracleReportsIpWithImClear) {
  EXPECT_THAT(WithRegisterBug(Profile::kUnit, Sm({kPrqMap, kSmEnable, kPrqSetup}), kPectl,
                              [](uint64_t v) { return (v | (1u << 30)) & ~uint64_t{1u << 31}; }),
              HasSubstr("PECTL_REG reads 0x40000000: IP set with IM clear"));
  EXPECT_THAT(WithRegisterBug(Profile::kUnit, Sm({kPrqMap, kSmEnable}), kFectl,
                              [](uint64_t v) { return (v | (1u << 30)) & ~uint64_t{1u << 31}; }),
              HasSubstr("IP set with IM clear"));
}

// Every seed program runs on an accepted platform and passes every oracle.
TEST(ScalableOracleTest, SeedProgramsPass) {
  for (Profile profile : {Profile::kUnit, Profile::kQueue, Profile::kInterrupt}) {
    int index = 0;
    for (const Program& p : SeedPrograms(profile)) {
      TestHooks hooks;
      EXPECT_EQ(Check(profile, p, hooks), "") << ProfileName(profile) << " seed " << index;
      ++index;
    }
  }
}

}  // namespace
}  // namespace vtd::fuzz
