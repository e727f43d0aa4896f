// Shared fixture for the remapping-unit tests: a unit over a sparse memory, helpers that
// program it the way a driver does (MMIO writes, polling), and legacy tables built in memory.
#ifndef VTDSIM_TESTS_UNIT_UNIT_FIXTURE_H_
#define VTDSIM_TESTS_UNIT_UNIT_FIXTURE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "model/regs/cap_ecap.h"
#include "model/regs/register_map.h"
#include "model/structs/address_width.h"
#include "model/structs/context_entry.h"
#include "model/unit/fault_recorder.h"
#include "model/unit/register_invalidation.h"
#include "model/unit/remapping_unit.h"
#include "tests/testing/legacy_tables.h"

namespace vtd {

// Register offsets of the fixed registers (S §11.4).
inline constexpr uint32_t kGcmdOffset = 0x18;
inline constexpr uint32_t kGstsOffset = 0x1c;
inline constexpr uint32_t kRtaddrOffset = 0x20;
inline constexpr uint32_t kCcmdOffset = 0x28;
inline constexpr uint32_t kFstsOffset = 0x34;
inline constexpr uint32_t kFectlOffset = 0x38;
inline constexpr uint32_t kFedataOffset = 0x3c;
inline constexpr uint32_t kFeaddrOffset = 0x40;
inline constexpr uint32_t kFeuaddrOffset = 0x44;
inline constexpr uint32_t kPmenOffset = 0x64;
inline constexpr uint32_t kPlmbaseOffset = 0x68;
inline constexpr uint32_t kPlmlimitOffset = 0x6c;
inline constexpr uint32_t kPhmbaseOffset = 0x70;
inline constexpr uint32_t kPhmlimitOffset = 0x78;

// Records every event the unit emits.
class RecordingObserver : public UnitObserver {
 public:
  void OnRegisterAccess(uint32_t offset, int width, bool is_write, uint64_t value) override {
    register_accesses.push_back({offset, width, is_write, value});
  }
  void OnCacheLookup(const CacheLookupEvent& e) override { lookups.push_back(e); }
  void OnFaultRecorded(const FaultRecordEvent& e) override { faults.push_back(e); }
  void OnInterruptMessage(const InterruptMessageEvent& e) override { messages.push_back(e); }
  void OnInvalidation(const InvalidationEvent& e) override { invalidations.push_back(e); }
  void OnStaleEntry(const StaleEntryReport& r) override { stale.push_back(r); }
  void OnRequestBegin() override { ++begins; }
  void OnRequestEnd() override { ++ends; }

  struct Access {
    uint32_t offset;
    int width;
    bool is_write;
    uint64_t value;
  };
  std::vector<Access> register_accesses;
  std::vector<CacheLookupEvent> lookups;
  std::vector<FaultRecordEvent> faults;
  std::vector<InterruptMessageEvent> messages;
  std::vector<InvalidationEvent> invalidations;
  std::vector<StaleEntryReport> stale;
  int begins = 0;
  int ends = 0;
};

// The R630's CAP/ECAP with fields replaced, for tests that need another capability.
inline uint64_t WithField(uint64_t value, BitRange field, uint64_t v) {
  return field.Set(value, v);
}

// The result of a DMA in words: completion, every Translation field, the fault, blocking.
inline std::string DescribeResult(const DmaOutcome& o) {
  std::string s = absl::StrCat("completion ", std::string(CompletionName(o.result.completion)));
  if (o.result.translation.has_value()) {
    const Translation& t = *o.result.translation;
    absl::StrAppend(&s, " hpa ", t.hpa, " page ", t.page_base, "/", t.page_size, " r", t.read, " w",
                    t.write, " snp", t.snoop, " emt", t.emt, " ipat", t.ipat, " tm",
                    t.transient_mapping, " did ", t.did.value(), " fpd", t.fpd, " tt ",
                    static_cast<int>(t.tt), " levels ", t.levels, " leaf ", t.leaf_level);
  }
  if (o.result.ats.has_value()) absl::StrAppend(&s, " ats ", o.result.ats->address);
  if (o.result.fault.has_value()) absl::StrAppend(&s, " fault ", o.result.fault->ToString());
  absl::StrAppend(&s, " blocked ", o.blocked, " by '", std::string(o.blocked_by), "'");
  return s;
}

class UnitTest : public ::testing::Test, public LegacyTables {
 protected:
  void SetUp() override {
    memory_ = std::move(HostMemory::Create(uint64_t{1} << 32)).value();
    config_.cap = kR630Cap;
    config_.ecap = kR630Ecap;
    config_.host_address_width = 46;
  }

  // Creates the unit from config_ (tests change config_ first).
  void CreateUnit() {
    auto unit = RemappingUnit::Create(config_, memory_.get());
    ASSERT_TRUE(unit.ok()) << unit.status();
    unit_ = *std::move(unit);
    unit_->AddObserver(&observer_);
  }

  // ---- Tables (tests/testing/legacy_tables.h).
  // A present context entry with a fresh second-stage root; AW 2 = 48-bit, 4 levels.
  void SetContext(uint16_t did = 7, TranslationType tt = TranslationType::kUntranslatedOnly,
                  bool fpd = false, int aw = 2, SourceId sid = kSid) {
    WriteContextEntry(did, tt, fpd, aw, sid);
  }
  uint64_t EntryAddressFor(uint64_t iova, int level) { return EntryAddress(iova, level); }

  // ---- Driver-style programming.
  uint32_t Gsts() { return unit_->ReadRegister32(kGstsOffset); }
  // The spec's protocol (S §11.4.4.1): status with one-shot bits dropped, one bit changed.
  void GlobalCommand(uint32_t bit, bool set) {
    uint32_t v = Gsts() & 0x96FFFFFF;
    v = set ? (v | bit) : (v & ~bit);
    unit_->WriteRegister32(kGcmdOffset, v);
  }
  void SetRootTable(uint64_t rtaddr = kRootTable) {
    unit_->WriteRegister64(kRtaddrOffset, rtaddr);
    GlobalCommand(1u << 30, true);
    ASSERT_NE(Gsts() & (1u << 30), 0u) << "RTPS";
  }
  uint64_t Ccmd(uint64_t value) {
    unit_->WriteRegister64(kCcmdOffset, value | Ccmd::kIcc.mask());
    const uint64_t after = unit_->ReadRegister64(kCcmdOffset);
    EXPECT_EQ(after & Ccmd::kIcc.mask(), 0u) << "ICC must self-clear";
    return after;
  }
  uint64_t GlobalContextInvalidate() { return Ccmd(Ccmd::kCirg.Set(0, 1)); }
  uint32_t IotlbOffset() { return unit_->registers().OffsetOf(RegId::kIotlb); }
  uint32_t IvaOffset() { return unit_->registers().OffsetOf(RegId::kIva); }
  uint64_t IotlbCommand(uint64_t value, uint64_t iva = 0) {
    if (iva != 0) unit_->WriteRegister64(IvaOffset(), iva);
    unit_->WriteRegister64(IotlbOffset(), value | IotlbReg::kIvt.mask());
    const uint64_t after = unit_->ReadRegister64(IotlbOffset());
    EXPECT_EQ(after & IotlbReg::kIvt.mask(), 0u) << "IVT must self-clear";
    return after;
  }
  uint64_t GlobalIotlbInvalidate() { return IotlbCommand(IotlbReg::kIirg.Set(0, 1)); }
  void EnableTranslation() {
    GlobalCommand(1u << 31, true);
    ASSERT_NE(Gsts() & (1u << 31), 0u) << "TES";
  }
  // Root table for kSid's bus, SRTP, global invalidations, TE.
  void Enable() {
    SetRoot(kSid.bus(), kContextTable | 1);
    SetRootTable();
    GlobalContextInvalidate();
    GlobalIotlbInvalidate();
    EnableTranslation();
  }

  uint32_t Fsts() { return unit_->ReadRegister32(kFstsOffset); }
  uint32_t FrcdOffset(int n) { return unit_->registers().OffsetOf(RegId::kFrcdLo, n); }
  FaultRecord ReadFrcd(int n) {
    const uint64_t lo = unit_->ReadRegister64(FrcdOffset(n));
    const uint64_t hi = unit_->ReadRegister64(FrcdOffset(n) + 8);
    return FaultRecord::Decode(lo, hi);
  }
  // Software clears a record: write 1 to F (dword +12 bit 31).
  void ClearFrcd(int n) { unit_->WriteRegister32(FrcdOffset(n) + 12, 0x80000000u); }

  DmaRequest Req(uint64_t address, AccessKind access = AccessKind::kRead, int size = 4,
                 RequestType type = RequestType::kUntranslated, SourceId sid = kSid) {
    DmaRequest r;
    r.source_id = sid;
    r.address = address;
    r.access = access;
    r.size = size;
    r.type = type;
    return r;
  }

  UnitConfig config_;
  std::unique_ptr<RemappingUnit> unit_;
  RecordingObserver observer_;
};

}  // namespace vtd

#endif  // VTDSIM_TESTS_UNIT_UNIT_FIXTURE_H_
