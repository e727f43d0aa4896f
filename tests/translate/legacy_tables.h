// Shared fixture for the legacy-walk tests: builds root, context and second-stage tables
// in a sparse memory.
#ifndef VTDSIM_TESTS_TRANSLATE_LEGACY_TABLES_H_
#define VTDSIM_TESTS_TRANSLATE_LEGACY_TABLES_H_

#include <memory>
#include <string_view>

#include "gtest/gtest.h"
#include "model/structs/address_width.h"
#include "model/structs/context_entry.h"
#include "model/translate/legacy_walk.h"

namespace vtd {

inline constexpr uint64_t kRootTable = 0x10000;
inline constexpr uint64_t kContextTable = 0x11000;
inline constexpr uint64_t kFirstTable = 0x20000;  // page tables are allocated from here
inline const SourceId kSid = SourceId::FromBdf(0x3, 0x2, 0x1);

// Builds legacy tables in a sparse memory: a root table, one context table for bus 3, and
// second-stage tables allocated page by page.
class LegacyWalkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory_ = std::move(HostMemory::Create(uint64_t{1} << 32)).value();
    config_.rtaddr = kRootTable;
    config_.haw = 39;
    config_.cap.mgaw = 48 - 1;
    config_.cap.sagaw = 0b01110;  // 39, 48, 57
    config_.cap.sslps = WalkConfig::kSslps2M | WalkConfig::kSslps1G;
    config_.ecap.pt = true;
    config_.ecap.dt = true;
    config_.ecap.sc = true;
    SetRoot(kSid.bus(), kContextTable | 1, 0);
  }

  void Write(uint64_t address, uint64_t value) {
    ASSERT_TRUE(memory_->Write64(address, value).ok());
  }
  void SetRoot(int bus, uint64_t lo, uint64_t hi) {
    Write(kRootTable + 16 * bus, lo);
    Write(kRootTable + 16 * bus + 8, hi);
  }
  void SetContextRaw(uint64_t lo, uint64_t hi) {
    Write(kContextTable + 16 * kSid.devfn(), lo);
    Write(kContextTable + 16 * kSid.devfn() + 8, hi);
  }
  // A present context entry; the second-stage root is a fresh table.
  void SetContext(int aw = 2, TranslationType tt = TranslationType::kUntranslatedOnly,
                  bool fpd = false, uint16_t did = 7) {
    ContextEntry ce;
    ce.present = true;
    ce.fpd = fpd;
    ce.tt = static_cast<uint8_t>(tt);
    ce.aw = static_cast<uint8_t>(aw);
    ce.did = DomainId(did);
    ce.second_stage_root = root_table_ = NewTable();
    levels_ = PagingLevels(aw);
    auto words = ce.Encode().value();
    SetContextRaw(words[0], words[1]);
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
      uint64_t raw = memory_->Read64(ea).value();
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
      table = memory_->Read64(table + 8 * LevelIndex(iova, l)).value() &
              SecondStagePte::kAddress.mask();
    }
    return table + 8 * LevelIndex(iova, level);
  }

  DmaRequest Req(uint64_t address, AccessKind access = AccessKind::kRead, int size = 4,
                 RequestType type = RequestType::kUntranslated) {
    DmaRequest r;
    r.source_id = kSid;
    r.address = address;
    r.access = access;
    r.size = size;
    r.type = type;
    return r;
  }
  TranslateResult Run(const DmaRequest& request, WalkTrace* trace = nullptr) {
    auto result = Translate(config_, *memory_, request, trace);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : TranslateResult{};
  }
  // Expects a fault with this condition, and returns it.
  Fault ExpectFault(const DmaRequest& request, std::string_view condition,
                    Completion completion = Completion::kUnsupportedRequest) {
    TranslateResult r = Run(request);
    EXPECT_TRUE(r.fault.has_value()) << "expected " << condition;
    if (!r.fault.has_value()) return Fault{};
    EXPECT_EQ(FaultConditionName(r.fault->condition), condition) << r.fault->ToString();
    EXPECT_EQ(r.completion, completion) << r.fault->ToString();
    EXPECT_EQ(r.fault->source_id, kSid);
    EXPECT_EQ(r.fault->address, request.address);
    return *r.fault;
  }

  std::unique_ptr<HostMemory> memory_;
  WalkConfig config_;
  uint64_t next_table_ = kFirstTable;
  uint64_t root_table_ = 0;
  int levels_ = 4;
};

}  // namespace vtd

#endif  // VTDSIM_TESTS_TRANSLATE_LEGACY_TABLES_H_
