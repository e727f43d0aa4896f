// The `map` and `enable` builders' memory side (scenarios/README.md "Builders"): writes the
// legacy-mode structures a driver writes, byte for byte, into a pool of host memory.
//
//   root table (one per unit, S §9.1) -> root entry for the bus (P, CTP)
//   context table (one per bus, S §9.3) -> context entry for devfn (P, TT=00b, SSPTPTR, AW,
//     DID)
//   second-stage tables (one set per unit and domain, S §9.8): non-leaf entries R=W=1 (the
//     permission lives in the leaf, as Linux does), leaves with the mapping's R/W and PS=1 for
//     2 MiB and 1 GiB pages.
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
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "model/memory/host_memory.h"
#include "model/structs/ids.h"

namespace vtd::scenario {

struct MapRequest {
  SourceId sid;
  uint16_t domain = 0;
  uint64_t iova = 0;
  uint64_t hpa = 0;
  uint64_t size = 0;
  uint64_t page_size = 4096;  // 4K, 2M or 1G
  bool read = true;
  bool write = true;
  int levels = 4;  // 3, 4 or 5
  int haw = 48;    // host address width of the unit (addresses must fit)
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

  int tables_allocated() const { return tables_allocated_; }

 private:
  absl::StatusOr<uint64_t> AllocateTable();

  HostMemory* memory_;
  uint64_t pool_base_;
  uint64_t pool_end_;
  uint64_t next_;
  int tables_allocated_ = 0;
  std::map<int, uint64_t> roots_;                                         // unit -> root table
  std::map<std::pair<int, uint16_t>, std::pair<uint64_t, int>> domains_;  // -> (table, levels)
};

}  // namespace vtd::scenario

#endif  // VTDSIM_MODEL_SCENARIO_TABLE_BUILDER_H_
