// First-stage (PGTT=001b, VT-d spec §3.6) and nested (PGTT=011b, §3.8) translation of one
// request, as a pure function of (walk config, translation context, memory port, request).
//
// The first-stage entry format (§9.7) is a format of the one paging walker (paging_walk.h).
// A first-stage walk checks the input address is canonical, walks 4 or 5 levels (FSPM),
// stops with SFS.2 at an entry with P=0 and SFS.3 at reserved bits, and reaches a 4 KiB,
// 2 MiB or 1 GiB (CAP.FS1GP) leaf; access rights are then checked for the request's
// privilege (§3.6.1: U/S, R/W, SRE, WPE), and Accessed (and EA with EAFE) is set in every
// entry used and Dirty in the leaf for writes with the port's locked read-modify-write
// (§3.6.2), or SFS.9 when page walks are not snooped.
//
// Nested: every first-stage table address and the first-stage output are guest-physical and
// go through the second stage (translation-structures.md §11). A table read needs second-
// stage R (and W with SSADE); an A/D update of a first-stage entry needs second-stage W
// (SFS.8); the final page needs the request's own access in the second stage (SGN.6/SGN.7).
// Second-stage walk faults keep their SSS/SGN conditions. With SSADE the second-stage entries
// used get A (and D where the access through them writes).
//
// Bit 63 (XD) is ignored: the 5.10 layout the digest describes has no execute permission
// (ER support was removed in 4.1; requests with ER=1 are rejected before any walk, RTA.5 /
// SPT.5), so a leaf never grants execute.
#ifndef VTDSIM_MODEL_TRANSLATE_FIRST_STAGE_WALK_H_
#define VTDSIM_MODEL_TRANSLATE_FIRST_STAGE_WALK_H_

#include <cstdint>
#include <string_view>

#include "model/common/json.h"
#include "model/fault/fault.h"
#include "model/structs/first_stage_pte.h"
#include "model/structs/second_stage_pte.h"
#include "model/translate/paging_walk.h"
#include "model/translate/request.h"
#include "model/translate/translation.h"

namespace vtd {

// The first-stage entry format for WalkPaging (S §9.7). An entry is present when P=1;
// "read" stays granted on every present entry (first-stage entries have no read bit) and
// "write" is R/W, so the walker's cumulative write is the AND of R/W over the path. The
// walker's entry is the raw qword (its meaning depends on the level).
struct FirstStageFormat {
  using Entry = uint64_t;
  FsPteFormat pte;
  static constexpr FaultCondition root_fetch_error = FaultCondition::kSfs4;
  static constexpr FaultCondition fetch_error = FaultCondition::kSfs1;
  static constexpr FaultCondition reserved = FaultCondition::kSfs3;
  static constexpr bool stop_without_access = false;

  static constexpr MemoryAccessKind kAccessKind = MemoryAccessKind::kFirstStageEntry;
  static std::string_view LevelName(int level);  // "fs_pte" ... "fs_pml5e"
  static bool Present(uint64_t raw) { return FirstStagePte::kPresent.Get(raw) != 0; }
  static bool Readable(uint64_t raw) { return Present(raw); }
  static bool Writable(uint64_t raw) { return FirstStagePte::kWrite.Get(raw) != 0; }
  static bool IsLeaf(uint64_t raw, int level) { return FirstStagePte::IsLeaf(raw, level); }
  static uint64_t Address(uint64_t raw) { return FirstStagePte::kAddress.InPlace(raw); }
  uint64_t ReservedBits(uint64_t raw, int level) const {
    return FirstStagePte::ReservedBits(raw, level, pte);
  }
  static Entry Decode(uint64_t raw) { return raw; }
  static Json ToJson(uint64_t raw, int level);
};

// The second-stage format of a scalable-mode walk (S §3.7, Table 30 SSS.*): SSS.4 for the
// SSPTPTR fetch, SSS.1 below it, SSS.3 for reserved bits, and the walk stops where neither
// R nor W is left (SSS.2).
SecondStageFormat ScalableSecondStageFormat(const SsPteFormat& pte);

// What a first-stage or nested walk needs beyond the translation context: capability values
// and whether page walks are snooped.
struct FirstStageWalkConfig {
  int haw = 48;        // host address width (DMAR HAW + 1)
  bool fs_1g = false;  // CAP.FS1GP: 1 GiB first-stage pages
  SsPteFormat ss_pte;  // nested: the second-stage entry format (HAW, SC, SLLPS)
  // ECAP.SMPWCS and the PASID entry's PWSNP: page walks are snooped, so hardware can make
  // A/D updates (else an update that is needed is SFS.9 / SSS.5).
  bool page_walk_snoop = false;
  // ECAP.NWFS: the NW flag of translation requests is honoured. Without it NW is ignored, so
  // a translation request is answered with write permission and sets D as a write would.
  bool honour_no_write = false;
};

// Canonical for an N-bit first stage (S §3.6): bits 63:N-1 all equal, N = 48 for 4-level and
// 57 for 5-level paging.
constexpr bool IsCanonical(uint64_t address, int levels) {
  const int n = levels == 5 ? 57 : 48;
  const uint64_t upper = address >> (n - 1);
  return upper == 0 || upper == (~uint64_t{0} >> (n - 1));
}

// First-stage access rights (S §3.6.1), from the path's AND of U/S and of R/W: a user
// request (PR=0) needs U/S=1 (SGN.2) and, to write, R/W=1 (SGN.6); a supervisor request may
// read and, unless WPE=1 and some R/W=0, write. Returns true with `*condition` set when the
// access is denied. Atomics read and write.
bool FirstStageAccessDenied(bool user_path, bool write_path, bool privileged, bool write_protect,
                            AccessKind access, FaultCondition* condition);

// Translates `request` (untranslated or translation request; translated requests never walk)
// under `context`, whose kind is kFirstStage or kNested, reading tables and making A/D updates
// through `memory` (a writable port: A/D updates that cannot be made are SFS.10 / SSS.6).
// Returns the complete leaf (output page, effective R/W over both stages, U/S, memory type),
// or the fault. Untranslated requests are checked against the rights (SGN.2, SGN.6, SGN.7)
// and the interrupt range (SGN.8.1); translation requests get the effective rights in the
// leaf instead, and SGN.8.2 when a permitted page overlaps the interrupt range. Privileged
// requests need SRE (SPT.6). `trace`, when given, receives every entry read: for nested,
// the second-stage entries that located each first-stage entry come before it.
FaultOr<TranslationLeaf> TranslateFirstStage(const FirstStageWalkConfig& config,
                                             const TranslationContext& context, WalkMemory& memory,
                                             const DmaRequest& request, WalkTrace* trace = nullptr);

}  // namespace vtd

#endif  // VTDSIM_MODEL_TRANSLATE_FIRST_STAGE_WALK_H_
