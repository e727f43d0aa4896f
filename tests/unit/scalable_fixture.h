// Fixture for scalable-mode unit tests: a unit with QEMU's scalable CAP/ECAP (or another),
// brought up the way Linux does in scalable mode (QI with 256-bit descriptors, SRTP with
// TTM=01b, TE), and scalable tables written in memory bit by bit from the spec digest
// (translation-structures.md §3, §5-§7), not with the model's encoders.
#ifndef VTDSIM_TESTS_UNIT_SCALABLE_FIXTURE_H_
#define VTDSIM_TESTS_UNIT_SCALABLE_FIXTURE_H_

#include <cstdint>

#include "tests/unit/unit_fixture.h"

namespace vtd {

// QEMU's scalable-mode unit (x-scalable-mode=on, aw-bits=48), with and without PASID.
inline constexpr uint64_t kQemuScalableCap = 0x00d2008c222f0606;
inline constexpr uint64_t kQemuScalableEcap = 0x0000480080f00f4a;
inline constexpr uint64_t kQemuScalablePasidEcap = 0x0000493880f00f4a;

// ECAP bits (registers.md): DT 2, SC 7, SRS 31, PSS 39:35, PASID 40, SMTS 43, SSADS 45,
// SSTS 46, SMPWCS 48, RPS 49.
inline constexpr uint64_t kEcapDt = uint64_t{1} << 2;
inline constexpr uint64_t kEcapSsads = uint64_t{1} << 45;
inline constexpr uint64_t kEcapSmpwcs = uint64_t{1} << 48;
inline constexpr uint64_t kEcapRps = uint64_t{1} << 49;
inline constexpr uint64_t kEcapPtrs = uint64_t{1} << 56;  // 5.0+: PASID in translated requests

// First-stage entry bits (translation-structures.md §8).
inline constexpr uint64_t kFsP = 1, kFsRw = 2, kFsUs = 4, kFsA = 0x20, kFsD = 0x40, kFsPs = 0x80;
inline constexpr uint64_t kFsAll = kFsP | kFsRw | kFsUs;
// ECAP.FSTS 47, ECAP.NEST 26 (registers.md).
inline constexpr uint64_t kEcapFsts = uint64_t{1} << 47;
inline constexpr uint64_t kEcapNest = uint64_t{1} << 26;

inline constexpr uint64_t kSmContextTable = 0x12000;  // lower table (devfn < 0x80)
inline constexpr uint64_t kPasidDirectory = 0x13000;
inline constexpr uint64_t kPasidTable = 0x14000;
inline constexpr uint32_t kIqhOffset = 0x80;
inline constexpr uint32_t kIqtOffset = 0x88;
inline constexpr uint32_t kIqaOffset = 0x90;
inline constexpr uint64_t kQueueBase = 0x30000;

class ScalableUnitTest : public UnitTest {
 protected:
  void SetUp() override {
    UnitTest::SetUp();
    config_.cap = kQemuScalableCap;
    config_.ecap = kQemuScalablePasidEcap;
    config_.version = 0x30;
    config_.host_address_width = 48;
    next_table_ = 0x40000;
  }

  // ---- Tables (bit positions from translation-structures.md).
  // Scalable root entry for kSid's bus: LP (bit 0) with LCTP, UP (bit 64) with UCTP.
  void SetSmRoot(uint64_t lower, uint64_t upper = 0) { SetRoot(kSid.bus(), lower, upper); }
  uint64_t SmContextAddress(SourceId sid = kSid) {
    return kSmContextTable + 32 * (sid.devfn() & 0x7f);
  }
  // Context entry: qword 0 = P | FPD<<1 | DTE<<2 | PASIDE<<3 | PRE<<4 | PDTS<<9 | PASIDDIRPTR;
  // qword 1 = RID_PASID (19:0) | RID_PRIV<<20.
  void SetSmContextRaw(uint64_t q0, uint64_t q1 = 0, uint64_t q2 = 0, uint64_t q3 = 0,
                       SourceId sid = kSid) {
    const uint64_t a = SmContextAddress(sid);
    Write(a, q0);
    Write(a + 8, q1);
    Write(a + 16, q2);
    Write(a + 24, q3);
  }
  void SetSmContext(bool paside = true, int pdts = 0, uint32_t rid_pasid = 0, bool fpd = false,
                    bool dte = false, bool eptr = false) {
    SetSmContextRaw(1 | (fpd ? 2 : 0) | (dte ? 4 : 0) | (paside ? 8 : 0) | (eptr ? 0x40 : 0) |
                        (static_cast<uint64_t>(pdts) << 9) | kPasidDirectory,
                    rid_pasid);
  }
  // PASID directory entry for `pasid`: P | FPD<<1 | table pointer.
  void SetPasidDir(uint32_t pasid, uint64_t raw) { Write(kPasidDirectory + 8 * (pasid >> 6), raw); }
  uint64_t PasidEntryAddress(uint32_t pasid) { return kPasidTable + 64 * (pasid & 0x3f); }
  void SetPasidEntryRaw(uint32_t pasid, uint64_t q0, uint64_t q1 = 0, uint64_t q2 = 0) {
    const uint64_t a = PasidEntryAddress(pasid);
    for (int q = 0; q < 8; ++q) Write(a + 8 * q, 0);
    Write(a, q0);
    Write(a + 8, q1);
    Write(a + 16, q2);
  }
  // PASID entry with PGTT 010b: P | AW<<2 | PGTT<<6 | SSADE<<9 | SSPTPTR; DID in qword 1,
  // PWSNP bit 87 (qword 1 bit 23); SRE bit 128 (qword 2 bit 0).
  void SetSecondStagePasid(uint32_t pasid, uint16_t did = 5, int aw = 2, bool ssade = false,
                           bool pwsnp = false, bool sre = false, bool fpd = false) {
    SetPasidDir(pasid, kPasidTable | 1);
    root_table_ = NewTable();
    levels_ = aw + 2;
    SetPasidEntryRaw(pasid,
                     1 | (fpd ? 2 : 0) | (static_cast<uint64_t>(aw) << 2) | (uint64_t{2} << 6) |
                         (ssade ? uint64_t{1} << 9 : 0) | root_table_,
                     did | (pwsnp ? uint64_t{1} << 23 : 0), sre ? 1 : 0);
  }
  void SetPassThroughPasid(uint32_t pasid, uint16_t did = 5) {
    SetPasidDir(pasid, kPasidTable | 1);
    SetPasidEntryRaw(pasid, 1 | (uint64_t{4} << 6), did);
  }

  // Maps `iova` to `out` in the 4-level first-stage table at `root`, creating tables with
  // `table_flags`; returns the leaf entry's address.
  uint64_t FsMap(uint64_t root, uint64_t iova, uint64_t out, int leaf_level = 1,
                 uint64_t leaf_flags = kFsAll, uint64_t table_flags = kFsAll) {
    uint64_t table = root;
    for (int level = 4; level > leaf_level; --level) {
      const uint64_t ea = table + 8 * LevelIndex(iova, level);
      uint64_t raw = Read(ea);
      if (raw == 0) {
        raw = NewTable() | table_flags;
        Write(ea, raw);
      }
      table = raw & 0x000ffffffffff000;
    }
    const uint64_t ea = table + 8 * LevelIndex(iova, leaf_level);
    Write(ea, out | leaf_flags | (leaf_level > 1 ? kFsPs : 0));
    return ea;
  }
  uint64_t FsEntry(uint64_t root, uint64_t iova, int level) {
    uint64_t table = root;
    for (int l = 4; l > level; --l) table = Read(table + 8 * LevelIndex(iova, l)) & 0xffffffffff000;
    return table + 8 * LevelIndex(iova, level);
  }
  // PASID entry: qword 0 P | PGTT<<6 (| AW<<2 | SSADE<<9 | SSPTPTR for nested); qword 1 DID |
  // PWSNP<<23; qword 2 FSPTPTR | SRE (bit 0) | WPE (bit 4).
  uint64_t SetFirstStagePasid(uint32_t pasid, uint16_t did, bool sre = false, bool wpe = false) {
    SetPasidDir(pasid, kPasidTable | 1);
    const uint64_t fs_root = NewTable();
    SetPasidEntryRaw(pasid, 1 | (uint64_t{1} << 6), did | (uint64_t{1} << 23),
                     fs_root | (sre ? 1 : 0) | (wpe ? 0x10 : 0));
    return fs_root;
  }
  uint64_t SetNestedPasid(uint32_t pasid, uint16_t did, bool ssade = false) {
    SetPasidDir(pasid, kPasidTable | 1);
    const uint64_t fs_root = NewTable();
    root_table_ = NewTable();
    levels_ = 4;
    SetPasidEntryRaw(
        pasid,
        1 | (uint64_t{2} << 2) | (uint64_t{3} << 6) | (ssade ? uint64_t{1} << 9 : 0) | root_table_,
        did | (uint64_t{1} << 23), fs_root);
    return fs_root;
  }

  // Nested: `iova` -> `gpa` in the first-stage table at `fs_root`, each first-stage table page
  // (a GPA) identity-mapped in the current second stage (root_table_), and `gpa` -> `hpa`.
  // Tables of every PGTT for kSid around input address `iova` (tests that compare two paths
  // over them). Requests without PASID go through RID_PASID 0: second-stage with SSADE
  // (read-write, 2 MiB, read-only, write-only, output in FEEx_xxxxh and R=W=0 pages). PASID
  // 1: second-stage without SSADE; 2: pass-through; 3: first-stage (user read-only,
  // supervisor-only and 2 MiB pages); 4: nested.
  void BuildEveryPgttTables(uint64_t iova) {
    SetSmContext(/*paside=*/true, /*pdts=*/0, /*rid_pasid=*/0, /*fpd=*/false, /*dte=*/true);
    SetSecondStagePasid(1, /*did=*/6);
    Map(iova, 0x500000, 1, 3);
    Map(iova + 0x1000, 0x501000, 1, 1);  // read-only
    SetSecondStagePasid(0, /*did=*/5, /*aw=*/2, /*ssade=*/true, /*pwsnp=*/true);
    Map(iova, 0x600000, 1, 3);
    Map(iova + 0x200000, 0xa00000, 2, 3);
    Map(iova + 0x400000, 0x900000, 1, 1);    // read-only
    Map(iova + 0x401000, 0x901000, 1, 2);    // write-only
    Map(iova + 0x402000, 0xfee00000, 1, 3);  // output in FEEx_xxxxh
    Map(iova + 0x403000, 0x903000, 1, 0);    // R=W=0
    Map(iova + 0x5000, 0x605000, 1, 3);
    SetPassThroughPasid(2, /*did=*/7);
    const uint64_t fs_root = SetFirstStagePasid(3, /*did=*/8);
    FsMap(fs_root, iova, 0x700000);
    FsMap(fs_root, iova + 0x1000, 0x701000, 1, kFsP | kFsUs);  // user, read-only
    FsMap(fs_root, iova + 0x2000, 0x702000, 1, kFsP | kFsRw);  // supervisor only
    FsMap(fs_root, iova + 0x200000, 0xc00000, 2);              // 2 MiB
    FsMap(fs_root, iova + 0x3000, 0x703000);
    const uint64_t nested_root = SetNestedPasid(4, /*did=*/9);
    NestedMap(nested_root, iova, 0x2345000, 0x9876000);
  }
  void NestedMap(uint64_t fs_root, uint64_t iova, uint64_t gpa, uint64_t hpa) {
    FsMap(fs_root, iova, gpa);
    for (int level = 4; level >= 1; --level) {
      const uint64_t table = FsEntry(fs_root, iova, level) & ~uint64_t{0xfff};
      Map(table, table, 1, 3);
    }
    Map(gpa, hpa, 1, 3);
  }

  // ---- Bring-up as Linux does in scalable mode: QI with 256-bit descriptors (IQA.DW=1),
  // SRTP with TTM=01b, global context / PASID-cache / IOTLB invalidation, TE.
  void EnableScalable() {
    SetSmRoot(kSmContextTable | 1);
    unit_->WriteRegister64(kIqaOffset, kQueueBase | (uint64_t{1} << 11));  // DW=1, QS=0
    GlobalCommand(1u << 26, true);                                         // QIE
    ASSERT_NE(Gsts() & (1u << 26), 0u) << "QIES";
    SetRootTable(kRootTable | (uint64_t{1} << 10));  // TTM=01b
    Submit({0x11, 0, 0, 0});                         // cc_inv_dsc global
    Submit({0x37, 0, 0, 0});                         // pc_inv_dsc global (G=11b)
    Submit({0x12, 0, 0, 0});                         // iotlb_inv_dsc global
    EnableTranslation();
  }
  // Writes one 256-bit descriptor at the tail and advances IQT.
  void Submit(std::array<uint64_t, 4> words) {
    const uint64_t tail = unit_->ReadRegister64(kIqtOffset);
    for (int q = 0; q < 4; ++q) Write(kQueueBase + tail + 8 * q, words[q]);
    unit_->WriteRegister64(kIqtOffset, (tail + 32) % 4096);
  }

  DmaRequest PasidReq(uint64_t address, uint32_t pasid, AccessKind access = AccessKind::kRead) {
    DmaRequest r = Req(address, access);
    r.pasid = pasid;
    return r;
  }
};

}  // namespace vtd

#endif  // VTDSIM_TESTS_UNIT_SCALABLE_FIXTURE_H_
