// The `map` and `enable` builders' memory side (scenarios/README.md "Builders"): writes the
// structures a driver writes, byte for byte, into a pool of host memory.
//
// Legacy mode (RTADDR.TTM=00b):
//   root table (one per unit, S §9.1) -> root entry for the bus (P, CTP)
//   context table (one per bus, S §9.3) -> context entry for devfn (P, TT=00b, SSPTPTR, AW,
//     DID)
// Scalable mode (RTADDR.TTM=01b, S §3.4.3):
//   root table (one per unit, S §9.2) -> scalable root entry for the bus (LP/LCTP for devfn
//     0x00-0x7F, UP/UCTP for 0x80-0xFF)
//   scalable context table (one per bus and half, S §9.4) -> context entry for devfn & 0x7F
//     (P, PDTS, PASIDDIRPTR, RID_PASID, PASIDE when a PASID was mapped)
//   PASID directory (one 4 KiB page per device, PDTS=2: PASIDs 0..0x7FFF, S §9.5) -> entry
//     PASID[19:6] (P, SMPTBLPTR)
//   PASID table (S §9.6) -> entry PASID[5:0] (P, PGTT, DID, and for PGTT=010b AW and SSPTPTR;
//     for PGTT=001b/011b FSPM, FSPTPTR, SRE, WPE, EAFE; for 011b also AW, SSPTPTR, SSADE)
//   first-stage tables (S §9.7, one set per unit, domain and PASID, so devices sharing a
//     PASID in a domain share its table as processes' devices do with SVA): non-leaf entries
//     P, R/W=1, U/S=1; leaves with R/W from the mapping's write permission, U/S, XD, PS=1 for
//     2 MiB and 1 GiB pages.
//   nested (PGTT=011b, S §3.8): the first-stage tables are the guest's, at guest-physical
//     addresses: every table page gets a GPA (the domain's guest-table region, or GPA = HPA)
//     and a 4 KiB read/write second-stage mapping GPA -> HPA in the domain's second-stage
//     tables; the first-stage leaf holds the GPA, which the second stage maps to the HPA.
// Both:
//   second-stage tables (one set per unit and domain, S §9.8): non-leaf entries R=W=1 (the
//     permission lives in the leaf, as Linux does), leaves with the mapping's R/W and PS=1 for
//     2 MiB and 1 GiB pages.
//
// A unit's tables are of one mode: its first `map` decides.
//
// Existing entries are read back from memory and reused (so a `mem_write` in between is
// respected); two requesters mapped in one domain share its tables, as a driver's domain
// does. Tables are 4 KiB pages taken from the pool in order and zeroed, so a run is
// deterministic. The builder only writes memory: it never touches a unit, and nothing is
// invalidated (that is the `enable` sequence's or the scenario's job).
#ifndef VTDSIM_MODEL_SCENARIO_TABLE_BUILDER_H_
#define VTDSIM_MODEL_SCENARIO_TABLE_BUILDER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/memory/host_memory.h"
#include "model/structs/ids.h"

namespace vtd::scenario {

// What a scalable-mode `map` adds to a mapping (S §3.4.3).
struct ScalableTarget {
  // The PASID of requests-with-PASID the mapping is for; unset: requests without PASID,
  // which use the context entry's RID_PASID.
  std::optional<uint32_t> pasid;
  uint32_t rid_pasid = 0;        // RID_PASID of the context entry (0 unless ECAP.RPS)
  uint8_t pgtt = 2;              // PasidTranslationType: 1 first, 2 second, 3 nested, 4 PT
  bool page_walk_snoop = false;  // PWSNP (set when ECAP.SMPWCS, as Linux does)
  bool ssade = false;            // SSADE (PGTT 010b/011b)
  // The context entry's DTE, PRE and EPTR (S §9.4): set when asked (and kept once set).
  bool device_tlb = false;
  bool page_requests = false;
  bool translated_pasid = false;
  // First-stage and nested (PGTT 001b/011b): the PASID entry's FSPM (4 or 5 levels), SRE, WPE
  // and EAFE (S §9.6), and the first-stage leaves' U/S and XD (S §9.7).
  int fs_levels = 4;
  bool sre = false;
  bool wpe = false;
  bool eafe = false;
  bool user = true;
  bool xd = false;
  // Nested: the first stage maps iova to `gpa`; the second stage maps `gpa` to the request's
  // hpa with `ss_read`/`ss_write` in leaves of `ss_page_size`.
  uint64_t gpa = 0;
  bool ss_read = true;
  bool ss_write = true;
  uint64_t ss_page_size = 4096;
  // Nested: the guest-physical address of the domain's first guest table page (the guest's
  // page-table region); unset: each table page's GPA is its HPA.
  std::optional<uint64_t> guest_tables;
};

// The PASID directory the builder allocates is one 4 KiB page: 512 entries, PDTS=2
// (2^(PDTS+7) entries, S §9.4), covering PASIDs 0..0x7FFF.
inline constexpr uint8_t kBuilderPdts = 2;
inline constexpr uint32_t kBuilderMaxPasid = 0x7fff;

struct MapRequest {
  SourceId sid;
  uint16_t domain = 0;
  uint64_t iova = 0;
  uint64_t hpa = 0;
  uint64_t size = 0;
  uint64_t page_size = 4096;  // 4K, 2M or 1G
  bool read = true;
  bool write = true;
  int levels = 4;                          // second-stage levels: 3, 4 or 5
  int haw = 48;                            // host address width of the unit (addresses must fit)
  std::optional<ScalableTarget> scalable;  // unset: legacy-mode tables
};

// Where `enable` puts a scalable unit's invalidation queue: two 4 KiB pages (IQA.QS=1, 256
// descriptors of 256 bits, as Linux sizes it) and a page for wait-descriptor status writes.
struct QueuePages {
  uint64_t queue = 0;
  uint64_t status = 0;
};

class TableBuilder {
 public:
  TableBuilder(HostMemory* memory, uint64_t pool_base, uint64_t pool_size);

  // The root table of `unit`, allocated on first use. FailedPrecondition when the pool is
  // full.
  absl::StatusOr<uint64_t> RootTable(int unit);
  // Writes what makes [iova, iova+size) of `domain` translate to [hpa, ...) for `sid` on
  // `unit`. InvalidArgument when existing entries conflict (the requester is in another
  // domain or uses another table depth; a large page is in the way), FailedPrecondition when
  // the pool is full.
  absl::Status Map(int unit, const MapRequest& request);
  // Whether the unit's tables are scalable-mode ones (nullopt before its first `map`).
  std::optional<bool> Scalable(int unit) const;
  // The unit's queue pages, allocated on first use.
  absl::StatusOr<QueuePages> Queue(int unit);

  int tables_allocated() const { return tables_allocated_; }

 private:
  // `pages` consecutive zeroed 4 KiB pages.
  absl::StatusOr<uint64_t> AllocateTable(int pages = 1);
  absl::Status MapLegacy(int unit, const MapRequest& request);
  absl::Status MapScalable(int unit, const MapRequest& request);
  // The second-stage root of `domain` on `unit`, allocated on first use.
  absl::StatusOr<uint64_t> DomainTables(int unit, const MapRequest& request);
  // Writes the second-stage entries under `top` for the request's range.
  absl::Status MapSecondStage(uint64_t top, const MapRequest& request);
  // Writes second-stage leaves of `page_size` under the `levels`-level table `top` so that
  // [input, input+size) maps to [output, ...). With `keep_other`, a present leaf that maps
  // elsewhere is an error instead of being replaced (the guest's table pages and data must
  // not overlap).
  absl::Status MapSecondStageRange(uint64_t top, int levels, uint64_t input, uint64_t output,
                                   uint64_t size, uint64_t page_size, bool read, bool write,
                                   bool keep_other);
  // The HPA a `levels`-level second-stage table `top` maps `gpa` to (the builder's own
  // reading of its tables, to follow guest table pointers already written).
  absl::StatusOr<uint64_t> SecondStageOutput(uint64_t top, int levels, uint64_t gpa);
  // A zeroed first-stage table page: its HPA and the address a first-stage entry holds for it
  // (the HPA, or for nested its GPA, mapped in the domain's second stage at `ss_top`).
  struct FsTable {
    uint64_t hpa = 0;
    uint64_t pointer = 0;
  };
  absl::StatusOr<FsTable> AllocateFsTable(int unit, const MapRequest& request, uint64_t ss_top);
  // Writes the first-stage entries under `root` (a table holding `root_hpa`) for the range.
  absl::Status MapFirstStage(int unit, const MapRequest& request, uint64_t root_hpa,
                             uint64_t ss_top);
  absl::Status WriteWords(uint64_t address, absl::Span<const uint64_t> words);

  HostMemory* memory_;
  uint64_t pool_base_;
  uint64_t pool_end_;
  uint64_t next_;
  int tables_allocated_ = 0;
  std::map<int, uint64_t> roots_;  // unit -> root table
  std::map<int, bool> scalable_;   // unit -> mode
  std::map<int, QueuePages> queues_;
  std::map<std::pair<int, uint16_t>, std::pair<uint64_t, int>> domains_;  // -> (table, levels)
  // (unit, domain, PASID) -> first-stage root (FSPTPTR as written: a GPA when nested).
  std::map<std::tuple<int, uint16_t, uint32_t>, uint64_t> fs_roots_;
  // (unit, domain) -> the GPA of the next guest table page (nested with a guest-table region)
  // and where the region starts.
  struct GuestTables {
    uint64_t start = 0;
    uint64_t next = 0;
  };
  std::map<std::pair<int, uint16_t>, GuestTables> guest_tables_;
};

}  // namespace vtd::scenario

#endif  // VTDSIM_MODEL_SCENARIO_TABLE_BUILDER_H_
