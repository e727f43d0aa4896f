// Legacy-mode tables (root, context, second-stage) built in a sparse memory, for the fixtures
// of the walk tests (tests/translate) and the remapping-unit tests (tests/unit): a root table,
// one context table for kSid's bus, and second-stage tables allocated page by page (S §9.1,
// §9.3, §9.8).
#ifndef VTDSIM_TESTS_TESTING_LEGACY_TABLES_H_
#define VTDSIM_TESTS_TESTING_LEGACY_TABLES_H_

#include <cstdint>
#include <memory>

#include "gtest/gtest.h"
#include "model/memory/host_memory.h"
#include "model/structs/address_width.h"
#include "model/structs/context_entry.h"
#include "model/structs/second_stage_pte.h"

namespace vtd {

inline constexpr uint64_t kRootTable = 0x10000;
inline constexpr uint64_t kContextTable = 0x11000;
inline constexpr uint64_t kFirstTable = 0x20000;  // page tables are allocated from here
inline const SourceId kSid = SourceId::FromBdf(0x3, 0x2, 0x1);

class LegacyTables {
 public:
  void Write(uint64_t address, uint64_t value) {
    ASSERT_TRUE(memory_->Write64(address, value).ok());
  }
  uint64_t Read(uint64_t address) { return memory_->Read64(address).value(); }

 protected:
  void SetRoot(int bus, uint64_t lo, uint64_t hi = 0) {
    Write(kRootTable + 16 * bus, lo);
    Write(kRootTable + 16 * bus + 8, hi);
  }
  uint64_t ContextAddress(SourceId sid) { return kContextTable + 16 * sid.devfn(); }
  void SetContextRaw(uint64_t lo, uint64_t hi, SourceId sid = kSid) {
    Write(ContextAddress(sid), lo);
    Write(ContextAddress(sid) + 8, hi);
  }
  // A present context entry whose second-stage root is a fresh table (later Map()s build
  // under it); AW 2 = 48-bit, 4 levels.
  void WriteContextEntry(uint16_t did, TranslationType tt, bool fpd, int aw, SourceId sid) {
    ContextEntry ce;
    ce.present = true;
    ce.fpd = fpd;
    ce.tt = static_cast<uint8_t>(tt);
    ce.aw = static_cast<uint8_t>(aw);
    ce.did = DomainId(did);
    ce.second_stage_root = root_table_ = NewTable();
    levels_ = PagingLevels(aw);
    auto words = ce.Encode().value();
    SetContextRaw(words[0], words[1], sid);
  }
  uint64_t NewTable() {
    const uint64_t t = next_table_;
    next_table_ += 0x1000;
    return t;
  }
  // Maps `iova` with a leaf at `leaf_level`, creating missing tables; intermediate entries
  // get R=W=1. Returns the leaf entry's address.
  uint64_t Map(uint64_t iova, uint64_t hpa, int leaf_level = 1, uint64_t leaf_flags = 3) {
    uint64_t table = root_table_;
    for (int level = levels_; level > leaf_level; --level) {
      const uint64_t ea = table + 8 * LevelIndex(iova, level);
      uint64_t raw = Read(ea);
      if (raw == 0) {
        raw = NewTable() | 3;
        Write(ea, raw);
      }
      table = raw & SecondStagePte::kAddress.mask();
    }
    const uint64_t ea = table + 8 * LevelIndex(iova, leaf_level);
    Write(ea, hpa | leaf_flags | (leaf_level > 1 ? 0x80 : 0));
    return ea;
  }
  // The entry at `level` on the path of `iova` (tables must exist down to it).
  uint64_t EntryAddress(uint64_t iova, int level) {
    uint64_t table = root_table_;
    for (int l = levels_; l > level; --l) {
      table = Read(table + 8 * LevelIndex(iova, l)) & SecondStagePte::kAddress.mask();
    }
    return table + 8 * LevelIndex(iova, level);
  }

  std::unique_ptr<HostMemory> memory_;
  uint64_t next_table_ = kFirstTable;
  uint64_t root_table_ = 0;
  int levels_ = 4;
};

}  // namespace vtd

#endif  // VTDSIM_TESTS_TESTING_LEGACY_TABLES_H_
