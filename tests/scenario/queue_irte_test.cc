// The `queue` and `irte` steps (scenario.h QueueStep/IrteStep): loading with file:line:col
// errors, and execution -- the bytes written are the model's own encodings (EncodeDescriptor,
// RemappedIrte/PostedIrte::Encode), the tail moves by one IQT write and wraps at the end of
// the queue.
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/interrupt/irte.h"
#include "model/invalidation/descriptors.h"
#include "model/scenario/results.h"
#include "model/scenario/runner.h"
#include "model/scenario/scenario_loader.h"
#include "tests/scenario/scenario_test_util.h"

namespace vtd::scenario {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::LoadInline;
using testing::WithSteps;

// Enables QI with a 4 KiB queue of 128-bit descriptors at 0x300000.
constexpr char kQiPlatform[] =
    "name: t\n"
    "platform:\n"
    "  memory_size: 64M\n"
    "  units:\n"
    "    - base: 0xfed90000\n"
    "      ecap: {base: default, dt: 1}\n"
    "steps:\n"
    "  - mmio_write: {reg: IQT, value: 0}\n"
    "  - mmio_write: {reg: IQA, value: 0x300000}\n"
    "  - mmio_write: {reg: GCMD, value: 0x04000000}\n";

using ::vtd::scenario::testing::Ran;
using ::vtd::scenario::testing::RunText;

std::vector<uint64_t> Qwords(ScenarioRunner& runner, uint64_t address, int count) {
  std::vector<uint64_t> words;
  for (int i = 0; i < count; ++i) {
    absl::StatusOr<uint64_t> w = runner.memory().Read64(address + 8 * i);
    EXPECT_TRUE(w.ok()) << w.status();
    words.push_back(w.ok() ? *w : 0);
  }
  return words;
}

// ---- loader (S §6.5.2 descriptor fields, S §9.9/§9.10 IRTE fields) --------------------------

TEST(QueueStepLoaderSec6_5_2, TypedDescriptorsLoadIntoTheModelsStructs) {
  absl::StatusOr<Scenario> s = LoadInline(
      WithSteps("  - queue:\n"
                "      unit: dmar0\n"
                "      descriptors:\n"
                "        - iotlb: {granularity: page, did: 3, addr: 0x7000, am: 2, ih: true, "
                "dr: true}\n"
                "        - context: {granularity: device, did: 1, sid: \"00:02.0\", fm: 2}\n"
                "        - raw: [1, 2, 3, 4]\n"));
  ASSERT_TRUE(s.ok()) << s.status();
  const auto& q = std::get<QueueStep>(s->steps[0].action);
  ASSERT_EQ(q.descriptors.size(), 3u);
  const auto& iotlb = std::get<IotlbInvalidateDescriptor>(*q.descriptors[0].typed);
  EXPECT_EQ(iotlb.granularity, 3);
  EXPECT_EQ(iotlb.did, 3);
  EXPECT_EQ(iotlb.address, 0x7000u);
  EXPECT_EQ(iotlb.address_mask, 2);
  EXPECT_TRUE(iotlb.invalidation_hint);
  EXPECT_TRUE(iotlb.drain_reads);
  EXPECT_FALSE(iotlb.drain_writes);
  const auto& cc = std::get<ContextCacheInvalidateDescriptor>(*q.descriptors[1].typed);
  EXPECT_EQ(cc.granularity, 3);
  EXPECT_EQ(cc.sid, 0x10);
  EXPECT_EQ(cc.function_mask, 2);
  EXPECT_FALSE(q.descriptors[2].typed.has_value());
  EXPECT_THAT(q.descriptors[2].raw, ElementsAre(1, 2, 3, 4));
}

// Field values from S §6.5.2.2 (pc_inv_dsc), §6.5.2.4 (p_iotlb_inv_dsc) and §6.5.2.6
// (p_dev_tlb_inv_dsc); granularity codes from the G field descriptions there.
TEST(QueueStepLoaderSec6_5_2, PasidDescriptorsLoadIntoTheModelsStructs) {
  absl::StatusOr<Scenario> s = LoadInline(WithSteps(
      "  - queue:\n"
      "      descriptors:\n"
      "        - pasid_iotlb: {granularity: page, did: 3, pasid: 0x12345, addr: 0x7000, am: 1, "
      "ih: true}\n"
      "        - pasid_iotlb: {did: 4, pasid: 5}\n"
      "        - pasid_cache: {granularity: pasid, did: 2, pasid: 0xfffff}\n"
      "        - pasid_cache: {granularity: domain, did: 7}\n"
      "        - pasid_cache: {}\n"
      "        - pasid_dev_tlb: {sid: \"00:02.0\", pasid: 9, addr: 0x8000, size: true, mip: 4}\n"
      "        - pasid_dev_tlb: {sid: \"01:00.1\", global: true}\n"));
  ASSERT_TRUE(s.ok()) << s.status();
  const auto& q = std::get<QueueStep>(s->steps[0].action);
  ASSERT_EQ(q.descriptors.size(), 7u);
  const auto& p0 = std::get<PasidIotlbInvalidateDescriptor>(*q.descriptors[0].typed);
  EXPECT_EQ(p0.granularity, 0b11);
  EXPECT_EQ(p0.did, 3);
  EXPECT_EQ(p0.pasid, 0x12345u);
  EXPECT_EQ(p0.address, 0x7000u);
  EXPECT_EQ(p0.address_mask, 1);
  EXPECT_TRUE(p0.invalidation_hint);
  const auto& p1 = std::get<PasidIotlbInvalidateDescriptor>(*q.descriptors[1].typed);
  EXPECT_EQ(p1.granularity, 0b10);  // default: PASID-selective
  EXPECT_EQ(p1.pasid, 5u);
  EXPECT_FALSE(p1.invalidation_hint);
  const auto& c0 = std::get<PasidCacheInvalidateDescriptor>(*q.descriptors[2].typed);
  EXPECT_EQ(c0.granularity, 0b01);
  EXPECT_EQ(c0.did, 2);
  EXPECT_EQ(c0.pasid, 0xfffffu);
  EXPECT_EQ(std::get<PasidCacheInvalidateDescriptor>(*q.descriptors[3].typed).granularity, 0b00);
  EXPECT_EQ(std::get<PasidCacheInvalidateDescriptor>(*q.descriptors[4].typed).granularity, 0b11);
  const auto& d0 = std::get<PasidDeviceTlbInvalidateDescriptor>(*q.descriptors[5].typed);
  EXPECT_EQ(d0.sid, 0x10);
  EXPECT_EQ(d0.pasid, 9u);
  EXPECT_EQ(d0.address, 0x8000u);
  EXPECT_TRUE(d0.size);
  EXPECT_EQ(d0.max_invs_pending, 4);
  EXPECT_FALSE(d0.global);
  const auto& d1 = std::get<PasidDeviceTlbInvalidateDescriptor>(*q.descriptors[6].typed);
  EXPECT_EQ(d1.sid, 0x101);
  EXPECT_TRUE(d1.global);
}

TEST(IrteStepLoaderSec9_9, FieldsLoadIntoTheModelsStructs) {
  absl::StatusOr<Scenario> s =
      LoadInline(WithSteps("  - irte: {index: 7, vector: 0x41, dest: 3, xapic: true, dm: logical, "
                           "tm: level, dlm: lowest, rh: true, sid: \"00:03.0\", sq: 2}\n"
                           "  - irte: {table: 0x400000, index: 2, svt: bus, sid: 0x0105, "
                           "posted: {pda: 0x500040, vector: 0x51, urg: true}}\n"));
  ASSERT_TRUE(s.ok()) << s.status();
  const auto& a = std::get<IrteStep>(s->steps[0].action);
  EXPECT_FALSE(a.table.has_value());
  EXPECT_EQ(a.index.value, 7u);
  const auto& remapped = std::get<RemappedIrte>(a.entry);
  EXPECT_TRUE(remapped.present);
  EXPECT_EQ(remapped.vector, 0x41);
  EXPECT_EQ(remapped.destination, 0x300u);  // xAPIC: APIC ID in DST 15:8
  EXPECT_TRUE(remapped.logical_destination);
  EXPECT_TRUE(remapped.level_triggered);
  EXPECT_EQ(remapped.delivery_mode, 1);
  EXPECT_TRUE(remapped.redirection_hint);
  EXPECT_EQ(remapped.source.sid, 0x18);
  EXPECT_EQ(remapped.source.sq, 2);
  EXPECT_EQ(remapped.source.svt, 1);  // a sid alone: requester-id check
  const auto& b = std::get<IrteStep>(s->steps[1].action);
  ASSERT_TRUE(b.table.has_value());
  const auto& posted = std::get<PostedIrte>(b.entry);
  EXPECT_EQ(posted.descriptor_address, 0x500040u);
  EXPECT_EQ(posted.virtual_vector, 0x51);
  EXPECT_TRUE(posted.urgent);
  EXPECT_EQ(posted.source.svt, 2);
  EXPECT_EQ(posted.source.sid, 0x0105);
}

// ---- loader errors: each at the line and column of the value at fault -----------------------

std::vector<testing::LoadErrorCase> ErrorCases() {
  return {
      // PASIDs are 20 bits (S §6.5.2.2, bits 51:32).
      {"PasidDescriptor",
       WithSteps("  - queue: {descriptors: [{pasid_cache: {granularity: pasid, "
                 "pasid: 0x100000}}]}\n"),
       6, 69, "0x100000 is out of range (expected 0 to 0xfffff)"},
      // G=00b and 01b are invalid for p_iotlb_inv_dsc (S §6.5.2.4): only `raw` writes them.
      {"PasidDescriptor",
       WithSteps("  - queue: {descriptors: [{pasid_iotlb: {granularity: domain}}]}\n"), 6, 55,
       "'domain' is not valid"},
      {"PasidDescriptor",
       WithSteps("  - queue: {descriptors: [{pasid_iotlb: {granularity: page, "
                 "addr: 0x1800}}]}\n"),
       6, 67, "0x1800 is not 4096-byte aligned"},
      {"PasidDescriptor", WithSteps("  - queue: {descriptors: [{pasid_dev_tlb: {pasid: 1}}]}\n"), 6,
       43, "missing required key 'sid'"},
      {"PasidDescriptor", WithSteps("  - queue: {descriptors: [{pasid_iotbl: {}}]}\n"), 6, 28,
       "unknown key 'pasid_iotbl' (did you mean 'pasid_iotlb'?)"},
      // Same positions as tests/scenario/invalid/queue-*.yaml (steps start on line 6).
      {"Descriptor", WithSteps("  - queue: {descriptors: [{iotbl: {granularity: global}}]}\n"), 6,
       28, "unknown key 'iotbl' (did you mean 'iotlb'?)"},
      {"Descriptor", WithSteps("  - queue: {descriptors: [{raw: [0x12, 0x0, 0x0]}]}\n"), 6, 33,
       "expected a list of 2 qwords"},
      {"Descriptor",
       WithSteps("  - queue: {descriptors: [{iotlb: {granularity: page, addr: 0x1800}}]}\n"), 6, 61,
       "0x1800 is not 4096-byte aligned"},
      {"Descriptor",
       WithSteps("  - queue: {descriptors: [{iec: {granularity: index, index: 5, im: 32}}]}\n"), 6,
       68, "32 is out of range (expected 0 to 31)"},
      {"Descriptor", WithSteps("  - queue: {descriptors: [{wait: {sw: true, status_data: 1}}]}\n"),
       6, 34, "'sw: true' needs a 'status_addr'"},
      {"Descriptor",
       WithSteps("  - queue: {descriptors: [{iotlb: {granularity: global}, "
                 "wait: {if: true}}]}\n"),
       6, 58, "descriptor has two kinds, 'iotlb' and 'wait'"},
      {"Descriptor", WithSteps("  - queue: {descriptors: [{context: {granularity: pasid}}]}\n"), 6,
       51, "'pasid' is not valid"},
      {"Descriptor", WithSteps("  - queue: {descriptors: []}\n"), 6, 26,
       "expected a non-empty list of descriptors"},
      {"Descriptor",
       WithSteps("  - queue: {descriptors: [{iotlb: {granularity: global}}]}\n"
                 "    expect: {stale: none}\n"),
       7, 14, "'stale' does not apply to a queue step"},
      // The queue step's `error` expectation names a queue error.
      {"QueueExpect",
       WithSteps("  - queue: {descriptors: [{iec: {granularity: global}}]}\n"
                 "    expect: {error: iqr}\n"),
       7, 21, "'iqr' is not valid (did you mean 'iqe'?)"},
      // IRTE fields (S §9.9, §9.10).
      {"Irte", WithSteps("  - irte: {index: 5, vector: 0x30, dset: 1}\n"), 6, 36,
       "unknown key 'dset' (did you mean 'dest'?)"},
      {"Irte", WithSteps("  - irte: {index: 0x10000, vector: 0x30}\n"), 6, 19,
       "0x10000 is out of range"},
      {"Irte",
       WithSteps("  - irte: {index: 1, vector: 0x30, posted: {pda: 0x500000, "
                 "vector: 0x40}}\n"),
       6, 22, "'vector' does not apply to a posted IRTE"},
      {"Irte", WithSteps("  - irte: {index: 1, posted: {pda: 0x500020, vector: 0x40}}\n"), 6, 36,
       "0x500020 is not 64-byte aligned"},
      {"Irte", WithSteps("  - irte: {table: 0x400800, index: 1, vector: 0x30}\n"), 6, 19,
       "0x400800 is not 4 KiB aligned"},
      {"Irte",
       WithSteps("  - irte: {index: 1, vector: 0x30, dest: 0x100, xapic: "
                 "true}\n"),
       6, 42, "0x100 is out of range (expected 0 to 255)"},
      {"Irte", WithSteps("  - irte: {index: 1, vector: 0x30, svt: ridd}\n"), 6, 41,
       "did you mean 'rid'?"},
      {"Irte", WithSteps("  - irte: {index: 1}\n"), 6, 11, "missing required key 'vector'"},
  };
}

VTD_LOAD_ERROR_TEST_SUITE(QueueIrteLoadErrorTest, ErrorCases);

// ---- runner --------------------------------------------------------------------------------

// S §6.5.2: the bytes at the old tail are EncodeDescriptor's, IQT moved by one write and the
// unit processed every descriptor during the step.
TEST(QueueStepRunnerSec6_5_2, WritesTheModelsEncodingAtTheTailAndMovesIqt) {
  Ran r =
      RunText(absl::StrCat(kQiPlatform,
                           "  - queue:\n"
                           "      descriptors:\n"
                           "        - context: {granularity: device, did: 1, sid: \"00:02.0\"}\n"
                           "        - iotlb: {granularity: page, did: 1, addr: 0x1000, ih: true}\n"
                           "        - dev_tlb: {sid: \"00:02.0\", addr: 0x7000, mip: 3}\n"
                           "        - iec: {granularity: index, index: 5, im: 1}\n"
                           "        - raw: [0x12, 0x0]\n"
                           "        - wait: {sw: true, status_addr: 0x310000, status_data: 7}\n"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.steps.size(), 4u);
  const auto& q = std::get<QueueStep>(r.scenario->steps[3].action);
  for (int i = 0; i < 6; ++i) {
    std::vector<uint64_t> want = q.descriptors[i].raw;
    if (q.descriptors[i].typed) {
      absl::StatusOr<std::vector<uint64_t>> enc = EncodeDescriptor(*q.descriptors[i].typed, 128);
      ASSERT_TRUE(enc.ok()) << enc.status();
      want = *enc;
    }
    EXPECT_EQ(Qwords(*r.runner, 0x300000 + 16 * i, 2), want) << "descriptor " << i;
  }
  // Spot-check one against the spec layout, independent of the encoder (S §6.5.2.3).
  EXPECT_THAT(Qwords(*r.runner, 0x300010, 2), ElementsAre(0x10032, 0x1040));
  const StepResult& step = r.steps[3];
  ASSERT_TRUE(step.queue.has_value());
  EXPECT_EQ(step.queue->iqt, 0x60u);
  EXPECT_EQ(step.queue->iqh, 0x60u);
  EXPECT_EQ(step.queue->written, 6u);
  EXPECT_EQ(step.queue->processed, 6u);
  EXPECT_EQ(step.queue->error, "");
  EXPECT_EQ(r.runner->memory().Read(0x310000, 4).value_or(0), 7u);
  EXPECT_EQ(StepResultToJson(step).Dump(-1),
            R"({"index":3,"action":"queue","result":{"iqh":"0x60","iqt":"0x60","written":6,)"
            R"("processed":6},"ok":true})");
}

// S §6.5.2: the tail wraps to the queue's base; a stopped queue reports IQE with IQEI.
TEST(QueueStepRunnerSec6_5_2, TailWrapsAndErrorsAreReported) {
  Ran r = RunText(absl::StrCat(kQiPlatform,
                               "  - repeat:\n"
                               "      count: 255\n"
                               "      steps:\n"
                               "        - queue: {descriptors: [{wait: {fn: true}}]}\n"
                               "  - queue:\n"
                               "      descriptors:\n"
                               "        - iec: {granularity: global}\n"
                               "        - iotlb: {granularity: global}\n"
                               "  - queue: {descriptors: [{raw: [0x112, 0x0]}]}\n"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.steps.size(), 3u + 255u + 2u);
  const StepResult& wrapped = r.steps[3 + 255];
  ASSERT_TRUE(wrapped.queue.has_value());
  EXPECT_EQ(wrapped.queue->iqt, 0x10u);
  EXPECT_EQ(wrapped.queue->processed, 2u);
  EXPECT_THAT(Qwords(*r.runner, 0x300ff0, 2), ElementsAre(0x4, 0x0));   // last slot
  EXPECT_THAT(Qwords(*r.runner, 0x300000, 2), ElementsAre(0x12, 0x0));  // wrapped to slot 0
  const StepResult& bad = r.steps.back();
  ASSERT_TRUE(bad.queue.has_value());
  EXPECT_EQ(bad.queue->error, "IQE");
  EXPECT_EQ(bad.queue->iqei, "reserved_field");
  EXPECT_EQ(bad.queue->processed, 0u);
  EXPECT_EQ(bad.queue->iqh, 0x10u);
  EXPECT_EQ(bad.queue->iqt, 0x20u);
}

// The queue step's expectations: `processed` and `error` hold or fail with the difference.
TEST(QueueStepRunnerSec6_5_2, ProcessedAndErrorExpectations) {
  Ran r = RunText(absl::StrCat(kQiPlatform,
                               "  - queue: {descriptors: [{iec: {}}, {wait: {}}]}\n"
                               "    expect: {processed: 2, error: none}\n"
                               "  - queue: {descriptors: [{raw: [0x112, 0]}]}\n"
                               "    expect: {processed: 0, error: iqe}\n"
                               "  - mmio_write: {reg: FSTS, value: 0x10}\n"
                               "  - queue: {descriptors: [{raw: [0x112, 0]}]}\n"
                               "    expect: {processed: 1, error: none}\n"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.steps.size(), 7u);
  EXPECT_TRUE(r.steps[3].ok);
  EXPECT_TRUE(r.steps[4].ok);
  EXPECT_FALSE(r.steps[6].ok);
  // Clearing IQE restarted the queue on the same bad descriptor (step 5): still stopped.
  EXPECT_THAT(r.steps[6].failures,
              ElementsAre(HasSubstr("1 descriptors processed, got 0"),
                          HasSubstr("queue error none, got iqe (reserved_field)")));
  EXPECT_THAT(r.steps[6].notes, ElementsAre(HasSubstr("FSTS.IQE was already set")));
}

// A full queue (S §6.5.2: the tail may not reach the head) and a 256-bit raw descriptor in a
// 128-bit queue can only be found while running: the step fails with an error naming it, and
// nothing after it runs.
TEST(QueueStepRunnerSec6_5_2, FullQueueAndWrongWidthFailTheStep) {
  const std::string full = absl::StrCat(
      "name: t\n"
      "platform: {memory_size: 64M, units: [{base: 0xfed90000}]}\n"
      "steps:\n"
      "  - mmio_write: {reg: IQA, value: 0x300000}\n"
      "  - repeat:\n"
      "      count: 255\n"
      "      steps:\n"
      "        - queue: {descriptors: [{wait: {fn: true}}]}\n"
      "  - queue: {descriptors: [{wait: {fn: true}}]}\n"
      "  - mmio_read: {reg: GSTS}\n");
  Ran r = RunText(full);
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.steps.size(), 257u);  // the last mmio_read does not run
  const StepResult& failed = r.steps.back();
  EXPECT_FALSE(failed.ok);
  EXPECT_THAT(failed.error, HasSubstr("do not fit"));
  EXPECT_THAT(failed.error, HasSubstr("inline.yaml:9:"));
  EXPECT_THAT(r.steps[1].notes, ElementsAre(HasSubstr("queued invalidation is off")));
  EXPECT_EQ(r.steps[1].queue->processed, 0u);

  Ran wide =
      RunText(absl::StrCat(kQiPlatform, "  - queue: {descriptors: [{raw: [1, 0, 0, 0]}]}\n"));
  ASSERT_FALSE(wide.steps.empty());
  EXPECT_FALSE(wide.steps.back().ok);
  EXPECT_THAT(wide.steps.back().error, HasSubstr("256-bit raw descriptor"));
}

// S §9.9, §9.10: the IRTE bytes are RemappedIrte/PostedIrte::Encode's, at table + 16 × index;
// without `table` the address is IRTA's.
TEST(IrteStepRunnerSec9_9, WritesTheModelsEncoding) {
  Ran r = RunText(absl::StrCat(
      "name: t\n"
      "platform: {memory_size: 64M, units: [{base: 0xfed90000}]}\n"
      "steps:\n"
      "  - irte: {table: 0x400000, index: 5, vector: 0x30, dest: 1, sid: \"00:02.0\"}\n"
      "  - mmio_write: {reg: IRTA, value: 0x600003}\n",
      "  - irte: {index: 3, sid: \"00:02.0\", sq: 1, fpd: true, posted: {pda: 0x500040, "
      "vector: 0x51, urg: true}}\n"
      "  - irte: {index: 9, vector: 0x31, dest: 2, xapic: true, present: false}\n"));
  ASSERT_TRUE(r.status.ok()) << r.status;
  RemappedIrte remapped;
  remapped.present = true;
  remapped.vector = 0x30;
  remapped.destination = 1;
  remapped.source = {0x10, 0, 1};
  absl::StatusOr<std::array<uint64_t, 2>> want = remapped.Encode();
  ASSERT_TRUE(want.ok());
  EXPECT_THAT(Qwords(*r.runner, 0x400050, 2), ElementsAre((*want)[0], (*want)[1]));
  EXPECT_THAT(Qwords(*r.runner, 0x400050, 2), ElementsAre(0x100300001, 0x40010));  // S §9.9
  PostedIrte posted;
  posted.present = true;
  posted.fpd = true;
  posted.urgent = true;
  posted.virtual_vector = 0x51;
  posted.descriptor_address = 0x500040;
  posted.source = {0x10, 1, 1};
  absl::StatusOr<std::array<uint64_t, 2>> want_posted = posted.Encode();
  ASSERT_TRUE(want_posted.ok());
  EXPECT_THAT(Qwords(*r.runner, 0x600030, 2), ElementsAre((*want_posted)[0], (*want_posted)[1]));
  // xAPIC destination in DST 15:8, P clear; IRTA.S=3 gives 16 entries, so index 9 is inside.
  EXPECT_THAT(Qwords(*r.runner, 0x600090, 2), ElementsAre(0x20000310000, 0x0));
  EXPECT_TRUE(r.steps[3].notes.empty());
}

TEST(IrteStepRunnerSec9_9, IndexBeyondIrtaSizeIsNoted) {
  Ran r = RunText(
      "name: t\n"
      "platform: {memory_size: 64M, units: [{base: 0xfed90000}]}\n"
      "steps:\n"
      "  - mmio_write: {reg: IRTA, value: 0x600000}\n"
      "  - irte: {index: 2, vector: 0x31}\n");
  ASSERT_TRUE(r.status.ok()) << r.status;
  ASSERT_EQ(r.steps.size(), 2u);
  EXPECT_THAT(r.steps[1].notes, ElementsAre(HasSubstr("beyond the 2 entries IRTA.S gives")));
}

// S §6.4, §6.5.2.7: a cached IRTE rewritten without invalidation is a stale interrupt_entry
// hit; `expect: {stale: interrupt_entry}` holds there, and without it the step fails.
TEST(IrteStepRunnerSec6_4, StaleIrteExpectation) {
  const std::string head =
      "name: t\n"
      "platform: {memory_size: 64M, check_invalidation: true, units: [{base: 0xfed90000}]}\n"
      "steps:\n"
      "  - mmio_write: {reg: IQT, value: 0}\n"
      "  - mmio_write: {reg: IQA, value: 0x300000}\n"
      "  - mmio_write: {reg: GCMD, value: 0x04000000}\n"
      "  - irte: {table: 0x400000, index: 5, vector: 0x30, dest: 1}\n"
      "  - mmio_write: {reg: IRTA, value: 0x400807}\n"
      "  - mmio_write: {reg: GCMD, value: 0x05000000}\n"
      "  - queue: {descriptors: [{iec: {granularity: global}}]}\n"
      "  - mmio_write: {reg: GCMD, value: 0x06000000}\n"
      "  - interrupt: {sid: \"00:02.0\", address: 0xfee000b8, data: 0}\n"
      "    expect: {vector: 0x30, stale: none}\n"
      "  - irte: {index: 5, vector: 0x31, dest: 1}\n"
      "  - interrupt: {sid: \"00:02.0\", address: 0xfee000b8, data: 0}\n";
  Ran expected =
      RunText(absl::StrCat(head, "    expect: {vector: 0x30, stale: interrupt_entry}\n"));
  ASSERT_TRUE(expected.status.ok()) << expected.status;
  ASSERT_EQ(expected.steps.size(), 11u);
  EXPECT_TRUE(expected.steps[8].ok);
  EXPECT_TRUE(expected.steps[10].ok);
  EXPECT_FALSE(expected.steps[10].stale.empty());

  Ran unexpected = RunText(absl::StrCat(head, "    expect: {vector: 0x30}\n"));
  ASSERT_EQ(unexpected.steps.size(), 11u);
  EXPECT_FALSE(unexpected.steps[10].ok);
  EXPECT_THAT(unexpected.steps[10].failures, ElementsAre(HasSubstr("no stale cache hit")));

  Ran wrong = RunText(absl::StrCat(head, "    expect: {vector: 0x30, stale: iotlb}\n"));
  ASSERT_EQ(wrong.steps.size(), 11u);
  EXPECT_FALSE(wrong.steps[10].ok);
}

}  // namespace
}  // namespace vtd::scenario
