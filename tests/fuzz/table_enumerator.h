// The isolation oracle's own reading of the translation tables (unit_program.cc): whether the
// tables in memory let a requester reach a host page with a permission, found by enumerating
// every present entry from the digest's bit layouts (translation-structures.md §3-§11), not
// by the model's walker. Used only after a DMA succeeded: a "no" is a translation that no
// table grants.
#ifndef VTDSIM_TESTS_FUZZ_TABLE_ENUMERATOR_H_
#define VTDSIM_TESTS_FUZZ_TABLE_ENUMERATOR_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

namespace vtd {
class HostMemory;
}  // namespace vtd

namespace vtd::fuzz {

// What a request asks of the page it reaches.
struct IsolationQuery {
  uint16_t sid = 0;
  std::optional<uint32_t> pasid;  // a request with PASID (scalable mode)
  bool privileged = false;        // PR of a request with PASID
  uint64_t iova = 0;
  uint64_t hpa = 0;
  bool write = false;
};

class TableEnumerator {
 public:
  TableEnumerator(const HostMemory& memory, int haw);

  // Legacy mode (S §9.1, §9.3, §9.8): root entry (P bit 0, CTP 63:12), context entry (P bit
  // 0, TT 3:2, SSPTPTR 63:12, AW 66:64), every present second-stage entry (R bit 0, W bit 1,
  // PS bit 7 at levels 2 and 3). nullopt when the enumeration exceeds its budget
  // (self-referencing tables).
  std::optional<bool> LegacyMaps(uint64_t rta, const IsolationQuery& q);

  // Scalable mode (S §9.2, §9.4-§9.8, §3.6, §3.8): root entry half by devfn bit 7 (LP bit 0 /
  // UP bit 64, pointers 63:12 / 127:76), context entry at 32 x devfn[6:0] (P bit 0,
  // PASIDDIRPTR 63:12, RID_PASID 83:64, RID_PRIV 84), PASID directory entry PASID[19:6] (P
  // bit 0, pointer 63:12), PASID table entry PASID[5:0] (P bit 0, AW 4:2, PGTT 8:6, SSPTPTR
  // 63:12; FSPM 131:130, WPE 132, FSPTPTR 191:140), then by PGTT:
  //  * 100b pass-through: the output is the input;
  //  * 010b: a second-stage leaf with the permission maps the page;
  //  * 001b: a first-stage leaf (P bit 0, R/W bit 1, U/S bit 2, PS bit 7 at levels 2, 3)
  //    whose rights allow the access (S §3.6.1: user reads need U/S everywhere, user writes
  //    R/W and U/S everywhere, supervisor writes R/W everywhere unless WPE=0);
  //  * 011b: first-stage table addresses and the first-stage output are guest-physical: each
  //    table is found through the second stage (read permission on every level), and the
  //    page is reached when a second-stage leaf maps some guest page of a first-stage leaf
  //    allowing the access to the host page with the access's permission.
  std::optional<bool> ScalableMaps(uint64_t rta, const IsolationQuery& q);

 private:
  // A leaf: input range [in, in + size) to output [out, out + size), rights accumulated.
  struct Leaf {
    uint64_t in = 0;
    uint64_t out = 0;
    uint64_t size = 0;
    bool r = false, w = false, u = false;
  };
  using LeafFn = std::function<bool(const Leaf&)>;  // true: found, stop
  uint64_t Read(uint64_t address) const;
  bool SecondStage(uint64_t table, int level, uint64_t in, bool r, bool w, const LeafFn& fn);
  // Table addresses go through `locate` (identity, or the second stage for nested).
  bool FirstStage(uint64_t table, int level, uint64_t in, bool w, bool u,
                  const std::function<std::optional<uint64_t>(uint64_t)>& locate, const LeafFn& fn);
  // The host address of a guest-physical one through second-stage tables, needing read
  // permission on every level (the walk hardware makes for a first-stage table read).
  std::optional<uint64_t> SecondStageAddress(uint64_t root, int levels, uint64_t gpa) const;

  const HostMemory& memory_;
  uint64_t address_mask_;
  int budget_ = 0;
};

}  // namespace vtd::fuzz

#endif  // VTDSIM_TESTS_FUZZ_TABLE_ENUMERATOR_H_
