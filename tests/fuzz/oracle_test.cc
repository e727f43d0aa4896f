// The unit programs' oracles (unit_program.h) catch the bugs they are for: each test plants
// one through TestHooks (memory changed behind the program's back, a walker returning another
// page, a register reading wrong) and expects the oracle's failure; the same program without
// the hook passes, so each test can fail both ways.
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

// Requester 00:02.0 (0x10), IOVA 0x100000 read/write to HPA 0x1800000 (4 KiB leaf), domain 1.
constexpr uint64_t kHpa = 0x1800000;
const Op kMap = MakeOp(OpKind::kMap, /*R|W*/ 3, 0x0010, 0x100, kHpa >> 12, 1);
// The Linux order: RTADDR, SRTP, global context and IOTLB invalidations, TE.
const Op kEnable = MakeOp(OpKind::kDriver, 0);
// A 4-byte read of the mapped IOVA (offset 0x10) by its requester.
const Op kMappedRead = MakeOp(OpKind::kDma, 0xc0, 0, 0, 0x10, 4);

Program Of(std::vector<Op> ops) {
  Program p;
  p.ops = std::move(ops);
  return p;
}

// A stale IOTLB entry: the leaf moves to another page with no invalidation, the unit answers
// from its IOTLB, the walk over memory answers the new page (S §6.5: software must invalidate).
TEST(OracleTest, TransparencyReportsAStaleIotlbEntry) {
  const Program p = Of({kMap, kEnable, kMappedRead, kMappedRead});
  EXPECT_THAT(WithTableEdit(Profile::kUnit, p, 3, kHpa | 3, (kHpa + 0x1000) | 3, false),
              HasSubstr("cache transparency"));
}

// The same stale entry with the unit's invalidation checker on: the checker reports it, and
// after global invalidations with no table write seen that is the stale oracle's failure.
TEST(OracleTest, StaleOracleReportsTheCheckersStaleHit) {
  const Program p = Of({kMap, kEnable, kMappedRead, kMappedRead});
  EXPECT_THAT(WithTableEdit(Profile::kUnit, p, 3, kHpa | 3, (kHpa + 0x1000) | 3, true),
              HasSubstr("stale hit"));
}

// A walker bug both the unit and the pure walk share (so transparency holds): the DMA reaches
// a page 2 MiB away that no table maps.
TEST(OracleTest, IsolationReportsADmaToAnUnmappedPage) {
  const Program p = Of({kMap, kEnable, kMappedRead});
  TestHooks hooks;
  EXPECT_EQ(Check(Profile::kUnit, p, hooks), "");
  hooks.translated_hpa = [](uint64_t hpa) { return hpa + 0x200000; };
  EXPECT_THAT(Check(Profile::kUnit, p, hooks), HasSubstr("isolation"));
}

// Permission counts: page A is mapped read-only, page B read/write; the planted bug sends a
// write meant for B to A, which no entry maps with write permission.
TEST(OracleTest, IsolationReportsAWriteToAReadOnlyPage) {
  const Op read_only = MakeOp(OpKind::kMap, /*R*/ 1, 0x0010, 0x100, kHpa >> 12, 1);
  const Op read_write = MakeOp(OpKind::kMap, /*R|W*/ 3, 0x0010, 0x101, (kHpa >> 12) + 1, 1);
  const Op write_b = MakeOp(OpKind::kDma, 0xc1, 0, /*mapping*/ 1, 0x10, 4);
  const Program p = Of({read_only, read_write, kEnable, write_b});
  TestHooks hooks;
  EXPECT_EQ(Check(Profile::kUnit, p, hooks), "");
  hooks.translated_hpa = [](uint64_t hpa) { return hpa - 0x1000; };
  EXPECT_THAT(Check(Profile::kUnit, p, hooks), HasSubstr("with write permission"));
}

constexpr uint32_t kGsts = 0x1c, kFsts = 0x34, kIqh = 0x80;

// FSTS.FRI must stay below NFR (S §11.4.7.1); the default CAP has one fault-recording
// register, so FRI 1 is out of range.
TEST(OracleTest, RegisterOracleReportsFriNotBelowNfr) {
  EXPECT_THAT(WithRegisterBug(Profile::kUnit, Of({kMap, kEnable}), kFsts,
                              [](uint64_t v) { return v | (1u << 8); }),
              HasSubstr("FSTS.FRI 1 is not below NFR 1"));
}

// FSTS.PPF is the OR of the FRCD F bits (S §11.4.7.1): set with no fault recorded.
TEST(OracleTest, RegisterOracleReportsPpfWithoutARecordedFault) {
  EXPECT_THAT(
      WithRegisterBug(Profile::kUnit, Of({kMap, kEnable}), kFsts, [](uint64_t v) { return v | 2; }),
      HasSubstr("FSTS.PPF is 1"));
}

// GSTS bits 22:0 are reserved (S §11.4.4.2): they read 0.
TEST(OracleTest, RegisterOracleReportsASetReservedBit) {
  EXPECT_THAT(
      WithRegisterBug(Profile::kUnit, Of({kMap, kEnable}), kGsts, [](uint64_t v) { return v | 1; }),
      HasSubstr("reserved bits 0x1 are set"));
}

// GSTS.TES follows an accepted GCMD.TE write (S §11.4.4).
TEST(OracleTest, RegisterOracleReportsGstsNotFollowingGcmd) {
  EXPECT_THAT(WithRegisterBug(Profile::kUnit, Of({kMap, kEnable}), kGsts,
                              [](uint64_t v) { return v & ~uint64_t{1u << 31}; }),
              HasSubstr("does not follow the accepted GCMD"));
}

// IQH stays inside the queue (S §11.4.9.1): a 4 KiB queue (IQA.QS=0) with IQH at 8 KiB.
TEST(OracleTest, RegisterOracleReportsIqhOutsideTheQueue) {
  EXPECT_THAT(WithRegisterBug(Profile::kQueue, Of({MakeOp(OpKind::kQueueSetup, 0), kMap, kEnable}),
                              kIqh, [](uint64_t v) { return v | 0x2000; }),
              HasSubstr("outside the 0x1000-byte queue"));
}

// A read that answers differently on the second run of the same program.
TEST(OracleTest, DeterminismReportsRunsThatDiffer) {
  const Program p = Of({kMap, MakeOp(OpKind::kMmioRead, 0, 0)});
  TestHooks hooks;
  EXPECT_EQ(Check(Profile::kUnit, p, hooks), "");
  int runs = 0;
  hooks.before_op = [&runs](size_t index, HostMemory&, RemappingUnit&) {
    if (index == 0) ++runs;
  };
  // VER (offset 0): bit 0 is the minor version, readable; flipped on the second run only.
  hooks.register_read = [&runs](uint32_t offset, uint64_t value) {
    return offset == 0 && runs == 2 ? value ^ 1 : value;
  };
  EXPECT_THAT(Check(Profile::kUnit, p, hooks), HasSubstr("determinism"));
}

// The interrupt-entry cache after a global IEC invalidation: the IRTE's vector changes behind
// the program's back, the cached entry is stale (S §6.5.2.7: software invalidates the IEC).
TEST(OracleTest, StaleOracleReportsAStaleInterruptEntry) {
  const Program p = Of({MakeOp(OpKind::kQueueSetup, 0),
                        MakeOp(OpKind::kIrSetup, 3 << 3),             // 16 entries, xAPIC, IRE
                        MakeOp(OpKind::kIrte, 0, 1, 0x4100, 2, 0),    // entry 1: vector 0x41
                        MakeOp(OpKind::kDescriptor, 3 | 0x80, 0, 0),  // global IEC invalidation
                        MakeOp(OpKind::kInterrupt, 0, 1, 0), MakeOp(OpKind::kInterrupt, 0, 1, 0)});
  TestHooks hooks;
  EXPECT_EQ(Check(Profile::kInterrupt, p, hooks), "");
  hooks.before_op = [](size_t index, HostMemory& memory, RemappingUnit&) {
    constexpr uint64_t kIrte1 = 0xa00000 + 16;
    if (index == 5) {
      const uint64_t lo = memory.Read64(kIrte1).value();
      ASSERT_TRUE(memory.Write64(kIrte1, lo ^ (uint64_t{0x03} << 16)).ok());
    }
  };
  EXPECT_THAT(Check(Profile::kInterrupt, p, hooks), HasSubstr("stale interrupt-entry-cache"));
}

// Platforms are reused (RemappingUnit::Reset, memory zeroed): a program's transcript does not
// depend on what ran before it on the same platform.
TEST(OracleTest, RunsDoNotDependOnThePreviousRun) {
  for (Profile profile : {Profile::kUnit, Profile::kQueue, Profile::kInterrupt}) {
    const std::vector<Program> seeds = SeedPrograms(profile);
    for (const Program& p : seeds) {
      const std::string first = RunProgram(profile, p, nullptr).transcript;
      for (const Program& other : seeds) {
        RunProgram(profile, other, nullptr);
        EXPECT_EQ(RunProgram(profile, p, nullptr).transcript, first) << ProfileName(profile);
      }
    }
  }
}

// After reset RTADDR is 0 and no root table is latched (S §11.4.5): translation enabled
// without SRTP walks from address 0, which holds no present root entry (fault 01h, LRT.2),
// even right after a run that latched a root table on the same platform.
TEST(OracleTest, ResetForgetsTheRootTableOfThePreviousRun) {
  const Program latch = Of({kMap, kEnable, kMappedRead});
  const Op te = MakeOp(OpKind::kMmioWrite, /*raw offset*/ 2, 0x18, 0, uint64_t{1} << 31);
  const Program no_srtp = Of({kMap, MakeOp(OpKind::kDriver, 1), te, kMappedRead});
  EXPECT_THAT(RunProgram(Profile::kUnit, latch, nullptr).transcript,
              HasSubstr(absl::StrFormat("hpa: %#x", kHpa + 0x10)));
  const RunResult after = RunProgram(Profile::kUnit, no_srtp, nullptr);
  EXPECT_EQ(after.failure, "");
  EXPECT_THAT(after.transcript, HasSubstr("fault: {reason: 0x1}"));
}

}  // namespace
}  // namespace vtd::fuzz
