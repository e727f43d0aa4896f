// Page request descriptor and page group response descriptor (type 0x9): field positions from
// invalidation.md §3.9 (response) and the 256-bit page_req_dsc layout (request), round trips,
// and one test per reserved field.
#include "model/pagereq/page_request_descriptor.h"

#include <array>
#include <cstdint>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::vtd::testing::IsOk;
using ::vtd::testing::StatusIs;

constexpr uint64_t B(int n) { return uint64_t{1} << n; }

TEST(PageRequestDescriptorTest, FieldsAtTheirBits) {
  PageRequestDescriptor d;
  d.pasid_present = true;
  d.rid = 0x0310;  // 03:02.0
  d.pasid = 0xabcde;
  d.execute = true;
  d.privileged = true;
  d.read = true;
  d.write = true;
  d.last_in_group = true;
  d.prgi = 0x1a5;
  d.address = 0x7fff12345000;
  auto words = d.Encode();
  ASSERT_THAT(words.status(), IsOk());
  // QW0: type 01h, PP bit 8, RID 31:16, PASID 51:32, ER 52, PM 53.
  EXPECT_EQ((*words)[0],
            0x1 | B(8) | (uint64_t{0x0310} << 16) | (uint64_t{0xabcde} << 32) | B(52) | B(53));
  // QW1: RDR 0, WRR 1, LPIG 2, PRGI 11:3, ADDR 63:12.
  EXPECT_EQ((*words)[1], 0x7 | (uint64_t{0x1a5} << 3) | 0x7fff12345000);
  EXPECT_EQ((*words)[2], 0u);
  EXPECT_EQ((*words)[3], 0u);
  auto back = PageRequestDescriptor::Decode(*words);
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_EQ(*back, d);
}

TEST(PageRequestDescriptorTest, DecodeRejectsWrongTypeAndReservedBits) {
  const std::array<uint64_t, 4> good = {0x1, 0x1000, 0, 0};
  EXPECT_THAT(PageRequestDescriptor::Decode(good).status(), IsOk());
  std::array<uint64_t, 4> w = good;
  w[0] = 0x9;
  EXPECT_THAT(PageRequestDescriptor::Decode(w).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  for (uint64_t reserved : {B(9), B(15), B(54), B(63)}) {
    w = good;
    w[0] |= reserved;
    EXPECT_THAT(PageRequestDescriptor::Decode(w).status(),
                StatusIs(absl::StatusCode::kInvalidArgument))
        << std::hex << reserved;
  }
  w = good;
  w[2] = 1;  // private data, removed in 3.4
  EXPECT_THAT(PageRequestDescriptor::Decode(w).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PageRequestDescriptor::Decode(absl::Span<const uint64_t>(good.data(), 2)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageRequestDescriptorTest, EncodeRejectsValuesThatDoNotFit) {
  PageRequestDescriptor d;
  d.pasid = 1 << 20;
  EXPECT_THAT(d.Encode().status(), StatusIs(absl::StatusCode::kInvalidArgument));
  d.pasid = 0;
  d.prgi = 512;
  EXPECT_THAT(d.Encode().status(), StatusIs(absl::StatusCode::kInvalidArgument));
  d.prgi = 0;
  d.address = 0x1800;
  EXPECT_THAT(d.Encode().status(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PageGroupResponseTest, FieldsAtTheirBits) {
  // invalidation.md §3.9: type 9 in 3:0, PP 4, RC 15:12, RID 31:16, PASID 51:32; PRGI 75:67.
  const std::array<uint64_t, 4> w = {
      0x9 | B(4) | (uint64_t{0xf} << 12) | (uint64_t{0x0310} << 16) | (uint64_t{0x12345} << 32),
      uint64_t{0x1ff} << 3, 0, 0};
  EXPECT_EQ(PageGroupResponseDescriptor::Validate(w, /*page_requests=*/true), std::nullopt);
  const PageGroupResponseDescriptor d = PageGroupResponseDescriptor::Decode(w);
  EXPECT_TRUE(d.pasid_present);
  EXPECT_EQ(d.response_code, PageResponseCode::kResponseFailure);
  EXPECT_EQ(d.rid, 0x0310);
  EXPECT_EQ(d.pasid, 0x12345u);
  EXPECT_EQ(d.prgi, 0x1ff);
  auto back = d.Encode();
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_EQ(*back, w);
}

TEST(PageGroupResponseTest, InvalidWithoutPrsOrIn128BitQueue) {
  const std::array<uint64_t, 4> w = {0x9, 0, 0, 0};
  auto no_prs = PageGroupResponseDescriptor::Validate(w, /*page_requests=*/false);
  ASSERT_TRUE(no_prs.has_value());
  EXPECT_EQ(no_prs->code, QueueErrorCode::kInvalidType);
  auto narrow =
      PageGroupResponseDescriptor::Validate(absl::Span<const uint64_t>(w.data(), 2), true);
  ASSERT_TRUE(narrow.has_value());
  EXPECT_EQ(narrow->code, QueueErrorCode::kInvalidWidth);
}

TEST(PageGroupResponseTest, ReservedFieldsAndResponseCodes) {
  const std::array<uint64_t, 4> good = {0x9, 0, 0, 0};
  // Bits 8:5, 63:52; 65:64, 127:76; qwords 2 and 3.
  const std::array<std::pair<int, uint64_t>, 8> reserved = {
      {{0, B(5)}, {0, B(8)}, {0, B(52)}, {1, B(0)}, {1, B(1)}, {1, B(12)}, {2, 1}, {3, B(63)}}};
  for (const auto& [qword, bit] : reserved) {
    std::array<uint64_t, 4> w = good;
    w[qword] |= bit;
    auto problem = PageGroupResponseDescriptor::Validate(w, true);
    ASSERT_TRUE(problem.has_value()) << qword << " " << std::hex << bit;
    EXPECT_EQ(problem->code, QueueErrorCode::kReservedField);
  }
  // Bit 66 (LPIG before 5.10) is ignored.
  std::array<uint64_t, 4> lpig = good;
  lpig[1] |= B(2);
  EXPECT_EQ(PageGroupResponseDescriptor::Validate(lpig, true), std::nullopt);
  // RC 2h..Eh are reserved.
  for (uint64_t rc : {0x2, 0x7, 0xe}) {
    std::array<uint64_t, 4> w = good;
    w[0] |= rc << 12;
    auto problem = PageGroupResponseDescriptor::Validate(w, true);
    ASSERT_TRUE(problem.has_value()) << rc;
    EXPECT_EQ(problem->code, QueueErrorCode::kReservedField);
  }
}

TEST(PageGroupResponseTest, ResponseToARequestNamesItsGroup) {
  PageRequestDescriptor request;
  request.pasid_present = true;
  request.rid = 0x0810;
  request.pasid = 42;
  request.prgi = 7;
  const PageGroupResponseDescriptor r = ResponseTo(request, PageResponseCode::kInvalidRequest);
  EXPECT_TRUE(r.pasid_present);
  EXPECT_EQ(r.rid, 0x0810);
  EXPECT_EQ(r.pasid, 42u);
  EXPECT_EQ(r.prgi, 7);
  EXPECT_EQ(r.response_code, PageResponseCode::kInvalidRequest);
}

}  // namespace
}  // namespace vtd
