// A reference for scalable-mode DMA translation (RTADDR.TTM=01b), written from the spec
// digest alone (translation-structures.md §1, §3, §5-§7, §9, §10, §12; faults.md §3) and
// kept deliberately simple: straight-line code over a plain map of memory qwords, no caches,
// no model types. Differential tests compare the model's scalable walker with it.
//
// Scope: untranslated requests (reads and writes, with or without PASID) through PASID-table
// entries with PGTT=010b (second-stage only: 3/4/5 levels, 2 MiB / 1 GiB pages, SSADE A/D
// updates), PGTT=001b (first-stage only, §8: 4/5 levels per FSPM, 2 MiB / 1 GiB pages,
// canonical check, U/S, R/W with WPE, A/D updates) when `first_stage` is set, and PGTT=100b
// (pass-through), and PGTT=011b (nested, §11: first-stage table addresses and output through
// the second stage, SFS.5-SFS.8, SSADE) when `nested` is set. No host permission tables, no PTRS,
// no EAFS (EAFE reserved, EA never set), SSIRWE=0, no execute requests (the digest's 5.10 layout
// has no ER/XD).
#ifndef VTDSIM_TESTS_REFERENCE_SCALABLE_REFERENCE_H_
#define VTDSIM_TESTS_REFERENCE_SCALABLE_REFERENCE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace vtd::reference {

// The capability values the scalable walk depends on (CAP/ECAP fields, DMAR HAW).
struct ScalableCaps {
  int haw = 48;                  // host address width (DMAR HAW + 1)
  int mgaw = 48;                 // CAP.MGAW + 1
  unsigned sagaw = 0b00110;      // CAP.SAGAW: bit n set = AW value n supported
  int did_bits = 16;             // 4 + 2 * CAP.ND
  int pasid_bits = 20;           // ECAP.PSS + 1
  bool large_2m = true;          // CAP.SLLPS bit 0
  bool large_1g = false;         // CAP.SLLPS bit 1
  bool pass_through = true;      // ECAP.PT: PGTT=100b valid
  bool second_stage = true;      // ECAP.SSTS: PGTT=010b valid
  bool first_stage = false;      // ECAP.FSTS: PGTT=001b valid, FSPTPTR/FSPM/WPE defined
  bool fs_5level = false;        // CAP.FS5LP: FSPM=01b (5-level) valid
  bool fs_1g = false;            // CAP.FS1GP: PS in a first-stage PDPE valid
  bool nested = false;           // ECAP.NEST: PGTT=011b valid (needs first and second stage)
  bool ss_ad = false;            // ECAP.SSADS: SSADE defined
  bool page_walk_snoop = false;  // ECAP.SMPWCS: PWSNP defined
  bool snoop_control = false;    // ECAP.SC: PGSNP and leaf SNP defined
  bool memory_types = false;     // ECAP.MTS: CD, EMTE, PAT defined
  bool supervisor = false;       // ECAP.SRS: SRE defined
  bool device_tlb = false;       // ECAP.DT: context DTE defined
  bool pasid = true;             // ECAP.PASID: context PASIDE defined
  bool page_requests = false;    // ECAP.PRS: context PRE defined
  bool rid_pasid = false;        // ECAP.RPS: context RID_PASID defined
  bool rid_priv = false;         // ECAP.RPRIVS: context RID_PRIV defined
};

struct ScalableRequest {
  uint16_t sid = 0;               // bus 15:8, devfn 7:0
  std::optional<uint32_t> pasid;  // set for a request-with-PASID
  bool privileged = false;        // PR, for a request-with-PASID
  bool write = false;             // else read
  uint64_t address = 0;
};

// Memory: qword address -> value. Qwords not in the map read as zero; reads at or above
// `memory_bytes` fail (the "error accessing ..." conditions).
struct ScalableMemory {
  std::map<uint64_t, uint64_t> qwords;
  uint64_t memory_bytes = uint64_t{1} << 32;
};

struct ScalableResult {
  bool translated = false;
  uint64_t output = 0;    // when translated
  std::string condition;  // when not: the fault condition, e.g. "SSS.2"
  int reason = 0;         // its fault reason code, e.g. 0x79
  bool reported = false;  // false for a qualified fault under FPD=1
  // Accessed/dirty updates hardware makes for a translated request (second-stage entries with
  // SSADE=1, first-stage entries always): the qword
  // address and the value it holds afterwards, in walk order. (Faulting walks may set A
  // speculatively; the reference lists updates only for translated requests.)
  std::vector<std::pair<uint64_t, uint64_t>> updates;
};

// Translates one untranslated request with the scalable-mode root table at `root_table`.
// A request-without-PASID to the interrupt range FEEx_xxxxh is an interrupt, not DMA:
// callers must not pass one.
ScalableResult TranslateScalable(const ScalableMemory& memory, uint64_t root_table,
                                 const ScalableCaps& caps, const ScalableRequest& request);

}  // namespace vtd::reference

#endif  // VTDSIM_TESTS_REFERENCE_SCALABLE_REFERENCE_H_
