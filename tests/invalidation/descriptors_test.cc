// Invalidation descriptors (S §6.5.2, Table 26): field positions, round trips in the 128-
// and 256-bit forms, every reserved field, invalid types and granularities.
#include "model/invalidation/descriptors.h"

#include <cstdint>
#include <variant>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::testing::HasSubstr;
using ::vtd::testing::StatusIs;

DescriptorLimits AllLimits() {
  DescriptorLimits l;
  l.device_tlb = true;
  l.page_selective = true;
  l.max_address_mask = 18;
  l.max_handle_mask = 15;
  return l;
}

// The problem DecodeDescriptor reports, or fails the test.
DescriptorProblem ProblemOf(std::vector<uint64_t> words, const DescriptorLimits& limits) {
  auto r = DecodeDescriptor(words, limits);
  EXPECT_TRUE(std::holds_alternative<DescriptorProblem>(r)) << "decoded without a problem";
  if (auto* p = std::get_if<DescriptorProblem>(&r)) return *p;
  return DescriptorProblem{QueueErrorCode::kNoInfo, ""};
}

template <typename D>
D DecodeOk(std::vector<uint64_t> words, const DescriptorLimits& limits = AllLimits()) {
  auto r = DecodeDescriptor(words, limits);
  if (auto* p = std::get_if<DescriptorProblem>(&r)) {
    ADD_FAILURE() << p->message;
    return D{};
  }
  const auto& d = std::get<InvalidationDescriptor>(r);
  EXPECT_TRUE(std::holds_alternative<D>(d));
  return std::holds_alternative<D>(d) ? std::get<D>(d) : D{};
}

// ---- S §6.5.2 type field ---------------------------------------------------------------

TEST(DescriptorTypeTest, SevenBitTypeFromBits3to0And11to9) {
  EXPECT_EQ(DescriptorTypeOf(0x5), 5);
  EXPECT_EQ(DescriptorTypeOf(0x205), 0x15);  // Type[4] = bit 9
  EXPECT_EQ(DescriptorTypeOf(0xE0A), 0x7A);
  EXPECT_EQ(DescriptorTypeOf(0x1F0), 0);  // bits 8:4 are not type bits
  EXPECT_EQ(DescriptorTypeName(1), "cc_inv_dsc");
  EXPECT_EQ(DescriptorTypeName(5), "inv_wait_dsc");
  EXPECT_EQ(DescriptorTypeName(0xA), "hpt_inv_desc");
  EXPECT_EQ(DescriptorTypeName(0xB), "reserved");
}

TEST(DescriptorTypeTest, ReservedAndScalableTypesAreInvalidTypes) {
  for (uint64_t type : {0x0ull, 0x6ull, 0x7ull, 0x8ull, 0x9ull, 0xAull, 0xBull, 0xFull,
                        0x201ull /* 0x11 */, 0xE05ull /* 0x75 */}) {
    DescriptorProblem p = ProblemOf({type, 0}, AllLimits());
    EXPECT_EQ(p.code, QueueErrorCode::kInvalidType) << type;
  }
  EXPECT_THAT(ProblemOf({0x6, 0, 0, 0}, AllLimits()).message, HasSubstr("p_iotlb_inv_dsc"));
}

TEST(DescriptorTypeTest, WrongQwordCountIsAFetchProblem) {
  EXPECT_EQ(ProblemOf({0x1}, AllLimits()).code, QueueErrorCode::kFetchError);
  EXPECT_EQ(ProblemOf({0x1, 0, 0}, AllLimits()).code, QueueErrorCode::kFetchError);
}

// ---- S §6.5.2.1 cc_inv_dsc ---------------------------------------------------------------

TEST(ContextCacheDescriptorTest, FieldPositions) {
  ContextCacheInvalidateDescriptor d;
  d.granularity = 3;
  d.did = 0xBEEF;
  d.sid = 0x1234;
  d.function_mask = 2;
  VTD_ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> w, d.Encode());
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0], 0x1ull | (3ull << 4) | (0xBEEFull << 16) | (0x1234ull << 32) | (2ull << 48));
  EXPECT_EQ(w[1], 0u);
  EXPECT_EQ(DecodeOk<ContextCacheInvalidateDescriptor>(w), d);
  ContextInvalidation r = d.ToRequest();
  EXPECT_EQ(r.granularity, ContextInvalidation::Granularity::kDevice);
  EXPECT_EQ(r.domain_id, 0xBEEF);
  EXPECT_EQ(r.source_id, 0x1234);
  EXPECT_EQ(r.function_mask, 2);
}

TEST(ContextCacheDescriptorTest, EachGranularity) {
  for (uint8_t g : {1, 2, 3}) {
    ContextCacheInvalidateDescriptor d;
    d.granularity = g;
    VTD_ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> w, d.Encode());
    EXPECT_EQ(
        static_cast<int>(DecodeOk<ContextCacheInvalidateDescriptor>(w).ToRequest().granularity), g);
  }
  EXPECT_EQ(ProblemOf({0x1, 0}, AllLimits()).code, QueueErrorCode::kInvalidType);  // G=00b
}

TEST(ContextCacheDescriptorTest, EveryReservedField) {
  const uint64_t base = 0x11;  // global
  for (uint64_t bit : {6, 7, 8, 12, 13, 14, 15, 50, 55, 63}) {
    DescriptorProblem p = ProblemOf({base | (1ull << bit), 0}, AllLimits());
    EXPECT_EQ(p.code, QueueErrorCode::kReservedField) << bit;
  }
  for (uint64_t bit : {0, 31, 63}) {
    EXPECT_EQ(ProblemOf({base, 1ull << bit}, AllLimits()).code, QueueErrorCode::kReservedField);
  }
}

TEST(ContextCacheDescriptorTest, Wide256BitFormIsZeroPadded) {
  ContextCacheInvalidateDescriptor d;
  d.granularity = 2;
  d.did = 7;
  VTD_ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> w, d.Encode(256));
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[2], 0u);
  EXPECT_EQ(w[3], 0u);
  EXPECT_EQ(DecodeOk<ContextCacheInvalidateDescriptor>(w), d);
  w[2] = 1;
  EXPECT_THAT(ProblemOf(w, AllLimits()).message, HasSubstr("191:128"));
  w[2] = 0;
  w[3] = 1ull << 63;
  EXPECT_THAT(ProblemOf(w, AllLimits()).message, HasSubstr("255:192"));
  EXPECT_THAT(d.Encode(192), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ContextCacheDescriptorTest, EncodeRejectsValuesThatDoNotFit) {
  ContextCacheInvalidateDescriptor d;
  d.granularity = 4;
  EXPECT_THAT(d.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  d.granularity = 1;
  d.function_mask = 4;
  EXPECT_THAT(d.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
}

// ---- S §6.5.2.3 iotlb_inv_dsc ------------------------------------------------------------

TEST(IotlbDescriptorTest, FieldPositions) {
  IotlbInvalidateDescriptor d;
  d.granularity = 3;
  d.drain_writes = true;
  d.drain_reads = true;
  d.did = 0x42;
  d.address_mask = 9;
  d.invalidation_hint = true;
  d.address = 0x12345600000;
  VTD_ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> w, d.Encode());
  EXPECT_EQ(w[0], 0x2ull | (3ull << 4) | (1ull << 6) | (1ull << 7) | (0x42ull << 16));
  EXPECT_EQ(w[1], 9ull | (1ull << 6) | 0x12345600000ull);
  EXPECT_EQ(DecodeOk<IotlbInvalidateDescriptor>(w), d);
  IotlbInvalidation r = d.ToRequest();
  EXPECT_EQ(r.granularity, IotlbInvalidation::Granularity::kPage);
  EXPECT_EQ(r.domain_id, 0x42);
  EXPECT_EQ(r.address, 0x12345600000ull);
  EXPECT_EQ(r.address_mask, 9);
  EXPECT_TRUE(r.invalidation_hint);
  EXPECT_TRUE(r.drain_reads);
  EXPECT_TRUE(r.drain_writes);
}

TEST(IotlbDescriptorTest, PageRequestAddressAlignedToTheMask) {
  IotlbInvalidateDescriptor d;
  d.granularity = 3;
  d.address_mask = 2;
  d.address = 0x7000;
  EXPECT_EQ(d.ToRequest().address, 0x4000u);  // 4 pages at 0x4000..0x7fff
}

TEST(IotlbDescriptorTest, GranularitiesAndCapabilities) {
  EXPECT_EQ(ProblemOf({0x2, 0}, AllLimits()).code, QueueErrorCode::kInvalidType);  // G=00b
  DescriptorLimits no_psi = AllLimits();
  no_psi.page_selective = false;
  EXPECT_EQ(ProblemOf({0x32, 0}, no_psi).code, QueueErrorCode::kInvalidType);
  DecodeOk<IotlbInvalidateDescriptor>({0x12, 0}, no_psi);  // global
  DecodeOk<IotlbInvalidateDescriptor>({0x22, 0}, no_psi);  // domain
  // AM above MAMV.
  DescriptorLimits small = AllLimits();
  small.max_address_mask = 4;
  EXPECT_EQ(ProblemOf({0x32, 5}, small).code, QueueErrorCode::kReservedField);
  DecodeOk<IotlbInvalidateDescriptor>({0x32, 4}, small);
}

TEST(IotlbDescriptorTest, EveryReservedField) {
  for (uint64_t bit : {8, 12, 15, 32, 40, 63}) {
    EXPECT_EQ(ProblemOf({0x12 | (1ull << bit), 0}, AllLimits()).code,
              QueueErrorCode::kReservedField)
        << bit;
  }
  for (uint64_t bit : {7, 8, 9, 10, 11}) {
    EXPECT_EQ(ProblemOf({0x12, 1ull << bit}, AllLimits()).code, QueueErrorCode::kReservedField)
        << bit;
  }
}

// ---- S §6.5.2.5 dev_tlb_inv_dsc ----------------------------------------------------------

TEST(DeviceTlbDescriptorTest, FieldPositions) {
  DeviceTlbInvalidateDescriptor d;
  d.max_invs_pending = 0x1F;
  d.sid = 0x0310;
  d.size = true;
  d.address = 0x7FFFF000;
  VTD_ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> w, d.Encode());
  EXPECT_EQ(w[0], 0x3ull | (0x1Full << 16) | (0x0310ull << 32));
  EXPECT_EQ(w[1], 1ull | 0x7FFFF000ull);
  EXPECT_EQ(DecodeOk<DeviceTlbInvalidateDescriptor>(w), d);
  DeviceTlbInvalidation r = d.ToRequest();
  EXPECT_EQ(r.source_id, 0x0310);
  EXPECT_EQ(r.address, 0x7FFFF000u);
  EXPECT_TRUE(r.size);
  EXPECT_EQ(r.max_invs_pending, 0x1F);
}

TEST(DeviceTlbDescriptorTest, InvalidWithoutDeviceTlbs) {
  DescriptorLimits no_dt = AllLimits();
  no_dt.device_tlb = false;
  EXPECT_EQ(ProblemOf({0x3, 0}, no_dt).code, QueueErrorCode::kInvalidType);
}

TEST(DeviceTlbDescriptorTest, PfsidIsReservedUnlessThrottling) {
  EXPECT_EQ(ProblemOf({0x3 | (0xFull << 12), 0}, AllLimits()).code, QueueErrorCode::kReservedField);
  EXPECT_EQ(ProblemOf({0x3 | (1ull << 52), 0}, AllLimits()).code, QueueErrorCode::kReservedField);
  DescriptorLimits dit = AllLimits();
  dit.device_tlb_throttling = true;
  auto d =
      DecodeOk<DeviceTlbInvalidateDescriptor>({0x3 | (0xAull << 12) | (0xBCDull << 52), 0}, dit);
  EXPECT_EQ(d.pfsid, 0xBCDA);
  VTD_ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> w, d.Encode());
  EXPECT_EQ(w[0], 0x3 | (0xAull << 12) | (0xBCDull << 52));
}

TEST(DeviceTlbDescriptorTest, EveryReservedField) {
  for (uint64_t bit : {4, 8, 21, 31, 48, 51}) {
    EXPECT_EQ(ProblemOf({0x3 | (1ull << bit), 0}, AllLimits()).code, QueueErrorCode::kReservedField)
        << bit;
  }
  for (uint64_t bit : {1, 6, 11}) {
    EXPECT_EQ(ProblemOf({0x3, 1ull << bit}, AllLimits()).code, QueueErrorCode::kReservedField);
  }
}

// ---- S §6.5.2.7 iec_inv_dsc --------------------------------------------------------------

TEST(InterruptEntryDescriptorTest, FieldPositions) {
  InterruptEntryCacheInvalidateDescriptor d;
  d.index_selective = true;
  d.index_mask = 3;
  d.index = 0xABCD;
  VTD_ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> w, d.Encode());
  EXPECT_EQ(w[0], 0x4ull | (1ull << 4) | (3ull << 27) | (0xABCDull << 32));
  EXPECT_EQ(DecodeOk<InterruptEntryCacheInvalidateDescriptor>(w), d);
  InterruptEntryInvalidation r = d.ToRequest();
  EXPECT_EQ(r.granularity, InterruptEntryInvalidation::Granularity::kIndex);
  EXPECT_EQ(r.index, 0xABCD);
  EXPECT_EQ(r.index_mask, 3);
  auto global = DecodeOk<InterruptEntryCacheInvalidateDescriptor>({0x4, 0});
  EXPECT_EQ(global.ToRequest().granularity, InterruptEntryInvalidation::Granularity::kGlobal);
}

TEST(InterruptEntryDescriptorTest, IndexMaskAboveMhmv) {
  DescriptorLimits l = AllLimits();
  l.max_handle_mask = 2;
  EXPECT_EQ(ProblemOf({0x14 | (3ull << 27), 0}, l).code, QueueErrorCode::kReservedField);
  DecodeOk<InterruptEntryCacheInvalidateDescriptor>({0x14 | (2ull << 27), 0}, l);
}

TEST(InterruptEntryDescriptorTest, EveryReservedField) {
  for (uint64_t bit : {5, 8, 12, 20, 26, 48, 63}) {
    EXPECT_EQ(ProblemOf({0x4 | (1ull << bit), 0}, AllLimits()).code, QueueErrorCode::kReservedField)
        << bit;
  }
  EXPECT_EQ(ProblemOf({0x4, 1}, AllLimits()).code, QueueErrorCode::kReservedField);
}

// ---- S §6.5.2.8 inv_wait_dsc -------------------------------------------------------------

TEST(WaitDescriptorTest, FieldPositions) {
  InvalidationWaitDescriptor d;
  d.interrupt_flag = true;
  d.status_write = true;
  d.fence = true;
  d.status_data = 0xCAFEF00D;
  d.status_address = 0x123454;
  VTD_ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> w, d.Encode());
  EXPECT_EQ(w[0], 0x5ull | (1ull << 4) | (1ull << 5) | (1ull << 6) | (0xCAFEF00Dull << 32));
  EXPECT_EQ(w[1], 0x123454u);
  EXPECT_EQ(DecodeOk<InvalidationWaitDescriptor>(w), d);
  d.status_address = 0x123456;
  EXPECT_THAT(d.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(WaitDescriptorTest, PageRequestDrainNeedsPds) {
  EXPECT_EQ(ProblemOf({0x5 | (1ull << 7), 0}, AllLimits()).code, QueueErrorCode::kReservedField);
  DescriptorLimits pds = AllLimits();
  pds.page_request_drain = true;
  EXPECT_TRUE(DecodeOk<InvalidationWaitDescriptor>({0x5 | (1ull << 7), 0}, pds).page_request_drain);
}

TEST(WaitDescriptorTest, EveryReservedField) {
  for (uint64_t bit : {8, 12, 20, 31}) {
    EXPECT_EQ(ProblemOf({0x5 | (1ull << bit), 0}, AllLimits()).code, QueueErrorCode::kReservedField)
        << bit;
  }
  EXPECT_EQ(ProblemOf({0x5, 1}, AllLimits()).code, QueueErrorCode::kReservedField);
  EXPECT_EQ(ProblemOf({0x5, 2}, AllLimits()).code, QueueErrorCode::kReservedField);
}

// ---- Scalable-mode (TTM=01b) and abort-DMA (TTM=11b) queues, S Table 26 ------------------

DescriptorLimits ScalableLimits(int ttm = 1) {
  DescriptorLimits l = AllLimits();
  l.ttm = ttm;
  return l;
}

TEST(ScalableDescriptorTest, PasidTypesValidOnlyWithTtm01Or11) {
  const std::vector<uint64_t> p_iotlb = {0x6 | (2 << 4), 0, 0, 0};
  const std::vector<uint64_t> pc = {0x7 | (3 << 4), 0, 0, 0};
  const std::vector<uint64_t> p_dev = {0x8, 0, 0, 0};
  for (const auto& w : {p_iotlb, pc, p_dev}) {
    EXPECT_EQ(ProblemOf(w, ScalableLimits(0)).code, QueueErrorCode::kInvalidType) << w[0];
    for (int ttm : {1, 3}) {
      auto r = DecodeDescriptor(w, ScalableLimits(ttm));
      EXPECT_TRUE(std::holds_alternative<InvalidationDescriptor>(r)) << w[0] << " ttm " << ttm;
    }
  }
}

TEST(ScalableDescriptorTest, LegacyTypesStayValidInScalableMode) {
  const ContextCacheInvalidateDescriptor global{1, 0, 0, 0};
  EXPECT_EQ(DecodeOk<ContextCacheInvalidateDescriptor>({0x11, 0, 0, 0}, ScalableLimits()), global);
  EXPECT_TRUE(
      DecodeOk<InvalidationWaitDescriptor>({0x25, 0x1000, 0, 0}, ScalableLimits(3)).status_write);
}

TEST(ScalableDescriptorTest, PasidTypesNeed256Bits) {
  EXPECT_EQ(ProblemOf({0x6 | (2 << 4), 0}, ScalableLimits()).code, QueueErrorCode::kInvalidWidth);
  PasidCacheInvalidateDescriptor d;
  EXPECT_THAT(d.Encode(128), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(EncodeDescriptor(d, 128), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ScalableDescriptorTest, PageGroupResponseAndHptTypesNeedCapabilities) {
  EXPECT_THAT(ProblemOf({0x9, 0, 0, 0}, ScalableLimits()).message, HasSubstr("ECAP.PRS"));
  EXPECT_EQ(ProblemOf({0x9, 0, 0, 0}, ScalableLimits()).code, QueueErrorCode::kInvalidType);
  EXPECT_THAT(ProblemOf({0xA, 0, 0, 0}, ScalableLimits()).message, HasSubstr("ECAP.HPTS"));
  EXPECT_EQ(ProblemOf({0xB, 0, 0, 0}, ScalableLimits()).code, QueueErrorCode::kInvalidType);
}

TEST(ScalableDescriptorTest, ContextCacheInScalableModeIgnoresDid) {
  // S §6.5.2.1: the scalable-mode context cache is not tagged by DID.
  const ContextCacheInvalidateDescriptor domain{2, 0x42, 0, 0};
  const ContextInvalidation r = domain.ToScalableRequest();
  EXPECT_EQ(r.granularity, ContextInvalidation::Granularity::kGlobal);
  EXPECT_EQ(r.domain_id, 0);
  const ContextCacheInvalidateDescriptor device{3, 0x42, 0x0208, 1};
  const ContextInvalidation dr = device.ToScalableRequest();
  EXPECT_EQ(dr.granularity, ContextInvalidation::Granularity::kDevice);
  EXPECT_EQ(dr.domain_id, 0);
  EXPECT_EQ(dr.source_id, 0x0208);
  EXPECT_EQ(dr.function_mask, 1);
  EXPECT_EQ(ContextCacheInvalidateDescriptor{1}.ToScalableRequest().granularity,
            ContextInvalidation::Granularity::kGlobal);
}

// ---- S §6.5.2.4 p_iotlb_inv_dsc ----------------------------------------------------------

TEST(PasidIotlbDescriptorTest, FieldPositions) {
  PasidIotlbInvalidateDescriptor d;
  d.granularity = 3;
  d.did = 0xBEEF;
  d.pasid = 0xABCDE;
  d.address_mask = 9;
  d.invalidation_hint = true;
  d.address = 0x7654321000;
  VTD_ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> w, d.Encode());
  ASSERT_EQ(w.size(), 4u);
  // Type 6 in 3:0, G 5:4, DID 31:16, PASID 51:32; AM 69:64, IH 70, ADDR 127:76.
  EXPECT_EQ(w[0], 0x6ull | (3ull << 4) | (0xBEEFull << 16) | (0xABCDEull << 32));
  EXPECT_EQ(w[1], 9ull | (1ull << 6) | 0x7654321000ull);
  EXPECT_EQ(w[2], 0u);
  EXPECT_EQ(w[3], 0u);
  EXPECT_EQ(DecodeOk<PasidIotlbInvalidateDescriptor>(w, ScalableLimits()), d);
  const PasidIotlbInvalidation r = d.ToRequest();
  EXPECT_EQ(r.granularity, PasidIotlbInvalidation::Granularity::kPage);
  EXPECT_EQ(r.domain_id, 0xBEEF);
  EXPECT_EQ(r.pasid, 0xABCDEu);
  EXPECT_EQ(r.address, 0x7654200000u);  // aligned down to 2^9 pages (2 MiB)
  EXPECT_EQ(r.address_mask, 9);
  EXPECT_TRUE(r.invalidation_hint);
}

TEST(PasidIotlbDescriptorTest, Granularities) {
  EXPECT_EQ(ProblemOf({0x6, 0, 0, 0}, ScalableLimits()).code, QueueErrorCode::kInvalidType);
  EXPECT_EQ(ProblemOf({0x16, 0, 0, 0}, ScalableLimits()).code, QueueErrorCode::kInvalidType);
  EXPECT_EQ(DecodeOk<PasidIotlbInvalidateDescriptor>({0x26, 0, 0, 0}, ScalableLimits())
                .ToRequest()
                .granularity,
            PasidIotlbInvalidation::Granularity::kPasid);
  EXPECT_EQ(DecodeOk<PasidIotlbInvalidateDescriptor>({0x36, 0, 0, 0}, ScalableLimits())
                .ToRequest()
                .granularity,
            PasidIotlbInvalidation::Granularity::kPage);
}

TEST(PasidIotlbDescriptorTest, AnyAddressMaskRegardlessOfPsiAndMamv) {
  DescriptorLimits l = ScalableLimits();
  l.page_selective = false;
  l.max_address_mask = 0;
  EXPECT_EQ(DecodeOk<PasidIotlbInvalidateDescriptor>({0x36, 30, 0, 0}, l).address_mask, 30);
}

TEST(PasidIotlbDescriptorTest, EveryReservedField) {
  const uint64_t base = 0x26;
  for (uint64_t bit : {6, 7, 8, 12, 15, 52, 63}) {
    EXPECT_EQ(ProblemOf({base | (1ull << bit), 0, 0, 0}, ScalableLimits()).code,
              QueueErrorCode::kReservedField)
        << bit;
  }
  for (uint64_t bit : {7, 11}) {  // bits 71, 75
    EXPECT_EQ(ProblemOf({base, 1ull << bit, 0, 0}, ScalableLimits()).code,
              QueueErrorCode::kReservedField)
        << bit;
  }
  EXPECT_THAT(ProblemOf({base, 0, 1, 0}, ScalableLimits()).message, HasSubstr("191:128"));
  EXPECT_THAT(ProblemOf({base, 0, 0, 1ull << 63}, ScalableLimits()).message, HasSubstr("255:192"));
}

// ---- S §6.5.2.2 pc_inv_dsc -----------------------------------------------------------------

TEST(PasidCacheDescriptorTest, FieldPositions) {
  PasidCacheInvalidateDescriptor d;
  d.granularity = 1;
  d.did = 0x1234;
  d.pasid = 0xFFFFF;
  VTD_ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> w, d.Encode());
  ASSERT_EQ(w.size(), 4u);
  EXPECT_EQ(w[0], 0x7ull | (1ull << 4) | (0x1234ull << 16) | (0xFFFFFull << 32));
  EXPECT_EQ(w[1], 0u);
  EXPECT_EQ(DecodeOk<PasidCacheInvalidateDescriptor>(w, ScalableLimits()), d);
  const PasidCacheInvalidation r = d.ToRequest();
  EXPECT_EQ(r.granularity, PasidCacheInvalidation::Granularity::kPasid);
  EXPECT_EQ(r.domain_id, 0x1234);
  EXPECT_EQ(r.pasid, 0xFFFFFu);
}

TEST(PasidCacheDescriptorTest, EachGranularity) {
  // 00b domain-selective, 01b PASID-selective-within-domain, 11b global; 10b invalid.
  using G = PasidCacheInvalidation::Granularity;
  EXPECT_EQ(DecodeOk<PasidCacheInvalidateDescriptor>({0x07, 0, 0, 0}, ScalableLimits())
                .ToRequest()
                .granularity,
            G::kDomain);
  EXPECT_EQ(DecodeOk<PasidCacheInvalidateDescriptor>({0x17, 0, 0, 0}, ScalableLimits())
                .ToRequest()
                .granularity,
            G::kPasid);
  EXPECT_EQ(DecodeOk<PasidCacheInvalidateDescriptor>({0x37, 0, 0, 0}, ScalableLimits())
                .ToRequest()
                .granularity,
            G::kGlobal);
  EXPECT_EQ(ProblemOf({0x27, 0, 0, 0}, ScalableLimits()).code, QueueErrorCode::kInvalidType);
}

TEST(PasidCacheDescriptorTest, EveryReservedField) {
  const uint64_t base = 0x37;
  for (uint64_t bit : {6, 7, 8, 12, 15, 52, 63}) {
    EXPECT_EQ(ProblemOf({base | (1ull << bit), 0, 0, 0}, ScalableLimits()).code,
              QueueErrorCode::kReservedField)
        << bit;
  }
  EXPECT_EQ(ProblemOf({base, 1, 0, 0}, ScalableLimits()).code, QueueErrorCode::kReservedField);
  EXPECT_EQ(ProblemOf({base, 1ull << 63, 0, 0}, ScalableLimits()).code,
            QueueErrorCode::kReservedField);
  EXPECT_EQ(ProblemOf({base, 0, 1, 0}, ScalableLimits()).code, QueueErrorCode::kReservedField);
  EXPECT_EQ(ProblemOf({base, 0, 0, 1}, ScalableLimits()).code, QueueErrorCode::kReservedField);
}

// ---- S §6.5.2.6 p_dev_tlb_inv_dsc --------------------------------------------------------

TEST(PasidDeviceTlbDescriptorTest, FieldPositions) {
  PasidDeviceTlbInvalidateDescriptor d;
  d.max_invs_pending = 0x1F;
  d.pfsid = 0xABC5;
  d.sid = 0x0310;
  d.pasid = 0x12345;
  d.global = true;
  d.size = true;
  d.address = 0x7fff000;
  VTD_ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> w, d.Encode());
  ASSERT_EQ(w.size(), 4u);
  // MIP 8:4, PFSID[3:0] 15:12, SID 31:16, PASID 51:32, PFSID[15:4] 63:52; GI 64, S 75,
  // ADDR 127:76.
  EXPECT_EQ(w[0], 0x8ull | (0x1Full << 4) | (0x5ull << 12) | (0x0310ull << 16) |
                      (0x12345ull << 32) | (0xABCull << 52));
  EXPECT_EQ(w[1], 1ull | (1ull << 11) | 0x7fff000ull);
  DescriptorLimits l = ScalableLimits();
  l.device_tlb_throttling = true;
  EXPECT_EQ(DecodeOk<PasidDeviceTlbInvalidateDescriptor>(w, l), d);
  const PasidDeviceTlbInvalidation r = d.ToRequest();
  EXPECT_EQ(r.source_id, 0x0310);
  EXPECT_EQ(r.pfsid, 0xABC5);
  EXPECT_EQ(r.pasid, 0x12345u);
  EXPECT_TRUE(r.global);
  EXPECT_TRUE(r.size);
  EXPECT_EQ(r.address, 0x7fff000u);
  EXPECT_EQ(r.max_invs_pending, 0x1F);
}

TEST(PasidDeviceTlbDescriptorTest, InvalidWithoutDeviceTlbs) {
  DescriptorLimits l = ScalableLimits();
  l.device_tlb = false;
  EXPECT_EQ(ProblemOf({0x8, 0, 0, 0}, l).code, QueueErrorCode::kInvalidType);
}

TEST(PasidDeviceTlbDescriptorTest, PfsidIsReservedUnlessThrottling) {
  EXPECT_EQ(ProblemOf({0x8 | (1ull << 12), 0, 0, 0}, ScalableLimits()).code,
            QueueErrorCode::kReservedField);
  EXPECT_EQ(ProblemOf({0x8 | (1ull << 63), 0, 0, 0}, ScalableLimits()).code,
            QueueErrorCode::kReservedField);
  DescriptorLimits l = ScalableLimits();
  l.device_tlb_throttling = true;
  EXPECT_EQ(DecodeOk<PasidDeviceTlbInvalidateDescriptor>({0x8 | (1ull << 63), 0, 0, 0}, l).pfsid,
            0x8000);  // bit 63 is PFSID[15]
}

TEST(PasidDeviceTlbDescriptorTest, EveryReservedField) {
  for (uint64_t bit : {1, 5, 10}) {  // bits 65, 69, 74
    EXPECT_EQ(ProblemOf({0x8, 1ull << bit, 0, 0}, ScalableLimits()).code,
              QueueErrorCode::kReservedField)
        << bit;
  }
  EXPECT_EQ(ProblemOf({0x8, 0, 1ull << 40, 0}, ScalableLimits()).code,
            QueueErrorCode::kReservedField);
  EXPECT_EQ(ProblemOf({0x8, 0, 0, 1}, ScalableLimits()).code, QueueErrorCode::kReservedField);
}

TEST(ScalableDescriptorTest, RoundTripEveryPasidType) {
  std::vector<InvalidationDescriptor> all = {
      PasidIotlbInvalidateDescriptor{2, 3, 0x40, 0, false, 0},
      PasidIotlbInvalidateDescriptor{3, 3, 0x41, 4, true, 0x10000},
      PasidCacheInvalidateDescriptor{0, 9, 0},
      PasidCacheInvalidateDescriptor{1, 9, 0x77},
      PasidCacheInvalidateDescriptor{3, 0, 0},
      PasidDeviceTlbInvalidateDescriptor{3, 0, 0x100, 0x5, false, false, 0x3000},
      PasidDeviceTlbInvalidateDescriptor{0, 0, 0x100, 0, true, true, 0x7000},
  };
  for (const InvalidationDescriptor& d : all) {
    VTD_ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> w, EncodeDescriptor(d, 256));
    auto back = DecodeDescriptor(w, ScalableLimits());
    ASSERT_TRUE(std::holds_alternative<InvalidationDescriptor>(back)) << DescribeDescriptor(d);
    EXPECT_EQ(std::get<InvalidationDescriptor>(back), d);
  }
}

TEST(ScalableDescriptorTest, Describe) {
  EXPECT_EQ(DescribeDescriptor(PasidIotlbInvalidateDescriptor{3, 1, 5, 2, true, 0x8000}),
            "p_iotlb_inv_dsc page did 0x1 pasid 0x5 addr 0x8000 am 2 ih 1");
  EXPECT_EQ(DescribeDescriptor(PasidCacheInvalidateDescriptor{1, 2, 0x10}),
            "pc_inv_dsc pasid did 0x2 pasid 0x10");
  EXPECT_EQ(DescribeDescriptor(PasidCacheInvalidateDescriptor{3, 0, 0}), "pc_inv_dsc global");
  EXPECT_EQ(
      DescribeDescriptor(PasidDeviceTlbInvalidateDescriptor{2, 0, 0x0108, 7, false, false, 0x1000}),
      "p_dev_tlb_inv_dsc sid 01:01.0 pasid 0x7 addr 0x1000 s 0 mip 2");
}

TEST(DescriptorTest, RoundTripEveryTypeInBothWidths) {
  std::vector<InvalidationDescriptor> all = {
      ContextCacheInvalidateDescriptor{2, 5, 0x10, 1},
      IotlbInvalidateDescriptor{3, true, false, 9, 2, true, 0x40000},
      DeviceTlbInvalidateDescriptor{0, 4, 0x300, false, 0x5000},
      InterruptEntryCacheInvalidateDescriptor{true, 1, 0x20},
      InvalidationWaitDescriptor{true, true, false, false, 7, 0x1000},
  };
  for (int width : {128, 256}) {
    for (const InvalidationDescriptor& d : all) {
      VTD_ASSERT_OK_AND_ASSIGN(std::vector<uint64_t> w, EncodeDescriptor(d, width));
      EXPECT_EQ(static_cast<int>(w.size()), width / 64);
      auto back = DecodeDescriptor(w, AllLimits());
      ASSERT_TRUE(std::holds_alternative<InvalidationDescriptor>(back)) << DescribeDescriptor(d);
      EXPECT_EQ(std::get<InvalidationDescriptor>(back), d);
    }
  }
}

TEST(DescriptorTest, Describe) {
  EXPECT_EQ(DescribeDescriptor(IotlbInvalidateDescriptor{3, false, true, 1, 0, false, 0x10000}),
            "iotlb_inv_dsc page did 0x1 addr 0x10000 am 0 ih 0 dr");
  EXPECT_EQ(DescribeDescriptor(ContextCacheInvalidateDescriptor{3, 2, 0x0108, 3}),
            "cc_inv_dsc device did 0x2 sid 01:01.0 fm 3");
  EXPECT_EQ(DescribeDescriptor(InvalidationWaitDescriptor{true, true, true, false, 1, 0x2000}),
            "inv_wait_dsc sw data 0x1 addr 0x2000 if fn");
  EXPECT_EQ(DescribeDescriptor(InterruptEntryCacheInvalidateDescriptor{}), "iec_inv_dsc global");
}

}  // namespace
}  // namespace vtd
