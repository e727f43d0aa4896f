// The timing observer on a real RemappingUnit: every event the unit emits is charged as the
// cost model says, and attaching it changes no result (S §3.6 walk, §6.2 caches, §6.5.1
// register-based invalidation, §7.2 fault recording).
#include <cstdint>
#include <memory>

#include "gtest/gtest.h"
#include "model/memory/host_memory.h"
#include "model/regs/cap_ecap.h"
#include "model/regs/register_map.h"
#include "model/structs/address_width.h"
#include "model/structs/context_entry.h"
#include "model/timing/cost_model.h"
#include "model/timing/timing_observer.h"
#include "model/unit/remapping_unit.h"

namespace vtd::timing {
namespace {

constexpr uint64_t kRootTable = 0x10000;
constexpr uint64_t kContextTable = 0x11000;
constexpr uint64_t kPml4 = 0x20000;
constexpr uint64_t kIova = 0x40201000;  // PML4 0, PDPT 1, PD 1, PT 1

class UnitEventsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    memory_ = std::move(HostMemory::Create(uint64_t{1} << 32)).value();
    UnitConfig config;
    config.cap = kR630Cap;
    config.ecap = kR630Ecap;
    config.host_address_width = 46;
    unit_ = std::move(RemappingUnit::Create(config, memory_.get())).value();
    ContextEntry ce;
    ce.present = true;
    ce.aw = 2;
    ce.did = DomainId(3);
    ce.second_stage_root = kPml4;
    const auto words = ce.Encode().value();
    Write(kRootTable + 16 * sid_.bus(), kContextTable | 1);
    Write(kContextTable + 16 * sid_.devfn(), words[0]);
    Write(kContextTable + 16 * sid_.devfn() + 8, words[1]);
    // kIova mapped through PDPT 0x21000, PD 0x22000, PT 0x23000 to 0x80000000.
    Write(kPml4 + 8 * LevelIndex(kIova, 4), 0x21000 | 3);
    Write(0x21000 + 8 * LevelIndex(kIova, 3), 0x22000 | 3);
    Write(0x22000 + 8 * LevelIndex(kIova, 2), 0x23000 | 3);
    Write(0x23000 + 8 * LevelIndex(kIova, 1), 0x80000000 | 3);
    unit_->WriteRegister64(0x20, kRootTable);
    unit_->WriteRegister32(0x18, 1u << 30);
    unit_->WriteRegister32(0x18, 1u << 31);
    ASSERT_NE(unit_->ReadRegister32(0x1c) & (1u << 31), 0u);
    unit_->AddObserver(&timing_);
    memory_->set_observer(&timing_);
  }
  void TearDown() override { memory_->set_observer(nullptr); }
  void Write(uint64_t a, uint64_t v) { ASSERT_TRUE(memory_->Write64(a, v).ok()); }
  DmaOutcome Dma(uint64_t iova) {
    DmaRequest r;
    r.source_id = sid_;
    r.address = iova;
    r.size = 8;
    return unit_->Dma(r);
  }

  const CostModel model_ = CostModel::Default();
  TimingObserver timing_{model_};
  const SourceId sid_ = SourceId::FromBdf(2, 0, 0);
  std::unique_ptr<HostMemory> memory_;
  std::unique_ptr<RemappingUnit> unit_;
};

TEST_F(UnitEventsTest, ColdThenHit) {  // S §6.2.1-6.2.4
  timing_.BeginStep();
  const DmaOutcome cold = Dma(kIova + 0x10);
  ASSERT_TRUE(cold.result.ok());
  EXPECT_EQ(cold.result.translation->hpa, 0x80000010u);
  // Context miss + root and context reads; IOTLB miss; PDE, PDPTE, PML4E cache misses; four
  // paging reads.
  EXPECT_EQ(timing_.EndStep(), model_.context_miss + model_.iotlb_miss + model_.psc_pde_miss +
                                   model_.psc_pdpte_miss + model_.psc_pml4_miss +
                                   6 * model_.memory_dram);
  timing_.BeginStep();
  const DmaOutcome hit = Dma(kIova + 0x20);
  EXPECT_EQ(hit.result.translation->hpa, 0x80000020u);
  EXPECT_EQ(timing_.EndStep(), model_.context_hit + model_.iotlb_hit);
  // Another page under the same PT: the PDE cache saves three reads.
  Write(0x23000 + 8 * LevelIndex(kIova + 0x1000, 1), 0x90000000 | 3);
  timing_.BeginStep();
  EXPECT_EQ(Dma(kIova + 0x1000).result.translation->hpa, 0x90000000u);
  EXPECT_EQ(timing_.EndStep(),
            model_.context_hit + model_.iotlb_miss + model_.psc_pde_hit + model_.memory_dram);
  const Stats& s = timing_.stats();
  EXPECT_EQ(s.dma_requests, 3u);
  EXPECT_EQ(s.walk_lengths[4], 1u);
  EXPECT_EQ(s.walk_lengths[1], 1u);
  EXPECT_EQ(s.reads[MemorySlot(MemoryAccessKind::kSecondStageEntry)], 5u);
}

TEST_F(UnitEventsTest, FaultIsRecordedAndCharged) {  // S §7.2.1
  timing_.BeginStep();
  const DmaOutcome out = Dma(0x7000000);  // PML4 0, PDPT 0: not present
  ASSERT_TRUE(out.recorded);
  const uint64_t cycles = timing_.EndStep();
  EXPECT_EQ(timing_.stats().faults_recorded, 1u);
  EXPECT_EQ(timing_.stats().breakdown.faults, model_.fault_record);
  // Context miss (2 reads), IOTLB miss, three PSC misses, PML4E and PDPTE reads, the record.
  EXPECT_EQ(cycles, model_.context_miss + model_.iotlb_miss + model_.psc_pde_miss +
                        model_.psc_pdpte_miss + model_.psc_pml4_miss + 4 * model_.memory_dram +
                        model_.fault_record);
}

TEST_F(UnitEventsTest, RegisterInvalidationIsCharged) {  // S §6.5.1
  ASSERT_TRUE(Dma(kIova).result.ok());
  timing_.BeginStep();
  // IOTLB_REG: IVT with IIRG = global.
  unit_->WriteRegister64(unit_->registers().OffsetOf(RegId::kIotlb),
                         (uint64_t{1} << 63) | (uint64_t{1} << 60));
  const uint64_t cycles = timing_.EndStep();
  EXPECT_GE(timing_.stats().invalidations, 1u);
  EXPECT_GE(timing_.stats().invalidated_entries, 1u);
  EXPECT_EQ(cycles, model_.invalidate_iotlb);  // PSC invalidation is folded in (cost 0)
  EXPECT_GE(timing_.stats().register_writes, 1u);
  timing_.BeginStep();
  EXPECT_TRUE(Dma(kIova).result.ok());
  EXPECT_GT(timing_.EndStep(), model_.iotlb_miss);  // the IOTLB entry is gone
}

}  // namespace
}  // namespace vtd::timing
