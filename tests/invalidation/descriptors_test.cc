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
