// Linux's debugfs dumps of a running VT-d setup (/sys/kernel/debug/iommu/intel/, written by
// drivers/iommu/intel/debugfs.c), read back as memory words and register state so the tables
// a kernel built can be replayed in the model:
//  * iommu_regset: per unit "IOMMU: dmar0 Register Base Address: fed90000", then one
//    "NAME<tab>0xOFF<tab><tab>0xVALUE" line per register (VER, GSTS, CAP, ECAP, RTADDR, ...);
//  * dmar_translation_struct: per unit "IOMMU dmar0: Root Table Address: 0x...", then one line
//    per present context entry: "bb:dd.f<tab>0xROOT_HI:0xROOT_LO<tab>0xCTX_HI:0xCTX_LO<tab>
//    PASID<tab>0xP2:0xP1:0xP0" (PASID -1 and zero words on legacy units; on scalable units one
//    line per present PASID entry, with its words 2, 1 and 0);
//  * <bdf>/domain_translation_struct (and the older all-device domain_translation_struct):
//    "Device 0000:00:02.0 @0xPGD" (scalable: "... with pasid N @0xPGD"), a header, then one
//    line per leaf: "0xIOVA_PFN |<tab>0xPML5E<tab>0xPML4E<tab>0xPDPE<tab>0xPDE<tab>0xPTE".
// Root, context and page-table entries are placed at the addresses the hardware reads them
// from (VT-d spec §3.4.2, §9.1-9.3: root entry = RTA + 16·bus, legacy context entry =
// CTP + 16·devfn, scalable context entry = (devfn < 128 ? LCTP : UCTP) + 32·(devfn mod 128),
// second-stage entry = table + 8·index). PASID-table entries are kept as values (the dump
// does not print PASID-directory entries, so their addresses are unknown).
#ifndef VTDSIM_MODEL_REPLAY_DEBUGFS_H_
#define VTDSIM_MODEL_REPLAY_DEBUGFS_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "model/structs/ids.h"

namespace vtd::replay {

struct DebugfsPasidEntry {
  SourceId sid;
  uint32_t pasid = 0;
  uint64_t words[3] = {0, 0, 0};  // words 0, 1, 2 of the 512-bit entry
};

// A leaf the dump lists: a device's IOVA page and the entry that maps it.
struct DebugfsMapping {
  std::string device;  // "0000:00:02.0"
  SourceId sid;
  uint16_t segment = 0;
  uint64_t iova = 0;       // page base
  uint64_t leaf = 0;       // the leaf entry as printed
  int leaf_level = 1;      // 1: 4 KiB, 2: 2 MiB, 3: 1 GiB
  uint64_t page_size = 0;  // bytes
};

struct DebugfsUnit {
  std::string name;  // "dmar0"
  uint64_t register_base = 0;
  // Register values by name ("CAP", "RTADDR", "GSTS", ...), from iommu_regset.
  std::map<std::string, uint64_t> registers;
  bool has_root_table = false;
  uint64_t root_table = 0;           // as dmar_translation_struct prints it
  bool translation_enabled = false;  // "DMA Remapping is not enabled on" not printed
  std::vector<SourceId> devices;     // with a present context entry, in dump order
  std::vector<DebugfsPasidEntry> pasid_entries;
  // RTADDR.TTM = 01b (S §11.4.5): scalable-mode tables.
  bool scalable() const;
};

struct DebugfsImport {
  std::vector<DebugfsUnit> units;
  std::map<uint64_t, uint64_t> memory;  // 8-byte aligned address -> word, from every dump
  std::vector<DebugfsMapping> mappings;
  std::vector<std::string> notes;
};

// Accumulates dumps into one import. Each Add* names its source in errors (file:line) and
// rejects a word placed twice with different values (the dumps disagree).
class DebugfsImporter {
 public:
  absl::Status AddRegset(absl::string_view text, absl::string_view source);
  absl::Status AddTranslationStruct(absl::string_view text, absl::string_view source);
  absl::Status AddDomainTranslationStruct(absl::string_view text, absl::string_view source);
  // Reads the files a debugfs directory holds (iommu_regset, dmar_translation_struct,
  // domain_translation_struct, and every <bdf>/domain_translation_struct below it); needs at
  // least iommu_regset.
  absl::Status AddDirectory(const std::string& directory);

  // The import; FailedPrecondition if no iommu_regset was added.
  absl::StatusOr<DebugfsImport> Finish() const;

 private:
  absl::Status Place(uint64_t address, uint64_t value, const std::string& where);
  DebugfsUnit& UnitNamed(const std::string& name);

  DebugfsImport import_;
  bool have_regset_ = false;
};

// A scenario replaying the import: the units written out (`units:` with their CAP/ECAP/VER,
// each unit's scope the devices it has context entries for, `unimplemented: mask`), the
// words as `memory:`, the root-table pointer latched and translation enabled as the dump's
// GSTS says, then one `dma` per listed mapping (`expect: {hpa: ...}` from the dump) and per
// extra IOVA in `questions` ("bb:dd.f@0xIOVA": a dma without expectation). Units in
// scalable mode get their words and RTADDR but no SRTP/TE and no DMA: the model does not
// translate scalable mode yet, and the scenario says so; asking about an IOVA of a device
// behind such a unit is FailedPrecondition saying so.
absl::StatusOr<std::string> DebugfsScenarioYaml(const DebugfsImport& import,
                                                const std::string& name,
                                                const std::vector<std::string>& questions,
                                                int max_mapping_checks);

}  // namespace vtd::replay

#endif  // VTDSIM_MODEL_REPLAY_DEBUGFS_H_
