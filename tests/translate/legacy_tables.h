// Shared fixture for the legacy-walk tests: a walk configuration, and root, context and
// second-stage tables built in a sparse memory (tests/testing/legacy_tables.h).
#ifndef VTDSIM_TESTS_TRANSLATE_LEGACY_TABLES_H_
#define VTDSIM_TESTS_TRANSLATE_LEGACY_TABLES_H_

#include <memory>
#include <string_view>

#include "gtest/gtest.h"
#include "model/translate/legacy_walk.h"
#include "tests/testing/legacy_tables.h"

namespace vtd {

// The walk's configuration, and legacy tables (tests/testing/legacy_tables.h) for kSid.
class LegacyWalkTest : public ::testing::Test, public LegacyTables {
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

  // A present context entry; the second-stage root is a fresh table.
  void SetContext(int aw = 2, TranslationType tt = TranslationType::kUntranslatedOnly,
                  bool fpd = false, uint16_t did = 7) {
    WriteContextEntry(did, tt, fpd, aw, kSid);
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

  WalkConfig config_;
};

}  // namespace vtd

#endif  // VTDSIM_TESTS_TRANSLATE_LEGACY_TABLES_H_
