// IRTE remapped format (S §9.9), posted format (S §9.10), source-id validation (SVT/SQ,
// S §9.9) and the posted-interrupt descriptor (S §9.11): field positions, round trips and
// reserved bits.
#include "model/interrupt/irte.h"

#include <array>
#include <cstdint>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::vtd::testing::StatusIs;

// ---- S §9.9 remapped format ----------------------------------------------------------------

TEST(RemappedIrteTest, FieldPositions) {
  RemappedIrte e;
  e.present = true;
  e.fpd = true;
  e.logical_destination = true;
  e.redirection_hint = true;
  e.level_triggered = true;
  e.delivery_mode = 5;
  e.avail = 0xA;
  e.vector = 0x31;
  e.destination = 0x12345678;
  e.source = SourceValidation{0xBEEF, 2, 1};
  VTD_ASSERT_OK_AND_ASSIGN(auto w, e.Encode());
  EXPECT_EQ(w[0], 0x1ull | 0x2 | 0x4 | 0x8 | 0x10 | (5ull << 5) | (0xAull << 8) | (0x31ull << 16) |
                      (0x12345678ull << 32));
  EXPECT_EQ(w[1], 0xBEEFull | (2ull << 16) | (1ull << 18));
  EXPECT_EQ(RemappedIrte::Decode(w[0], w[1]), e);
  VTD_ASSERT_OK_AND_ASSIGN(RemappedIrte again, RemappedIrte::Decode(absl::MakeConstSpan(w)));
  EXPECT_EQ(again, e);
  EXPECT_FALSE(IrteCommon::IsPosted(w[0]));
}

TEST(RemappedIrteTest, DestinationInXapicAndX2apicModes) {
  RemappedIrte e;
  e.destination = RemappedIrte::DestinationField(0x5A, false);
  EXPECT_EQ(e.destination, 0x5A00u);  // APIC ID at DST[15:8] = bits 47:40
  EXPECT_EQ(e.ApicId(false), 0x5Au);
  e.destination = RemappedIrte::DestinationField(0x12345, true);
  EXPECT_EQ(e.ApicId(true), 0x12345u);
}

TEST(RemappedIrteTest, EncodeRejectsValuesThatDoNotFit) {
  RemappedIrte e;
  e.delivery_mode = 8;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e.delivery_mode = 0;
  e.avail = 16;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  e.avail = 0;
  e.source.svt = 4;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(RemappedIrte::Decode(std::vector<uint64_t>{1}),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(RemappedIrteTest, EveryReservedField) {
  const uint64_t lo = 0x1;
  for (int bit : {12, 13, 14, 24, 31}) {
    EXPECT_NE(RemappedIrte::ReservedBits(lo | (1ull << bit), 0, true, true)[0], 0u) << bit;
  }
  for (int bit : {20, 40, 63}) {  // bits 84, 104, 127
    EXPECT_NE(RemappedIrte::ReservedBits(lo, 1ull << bit, true, true)[1], 0u) << bit;
  }
  // xAPIC mode: DST bits 63:48 and 39:32 are reserved, 47:40 are the APIC ID.
  EXPECT_NE(RemappedIrte::ReservedBits(lo | (1ull << 48), 0, false, true)[0], 0u);
  EXPECT_NE(RemappedIrte::ReservedBits(lo | (1ull << 32), 0, false, true)[0], 0u);
  EXPECT_EQ(RemappedIrte::ReservedBits(lo | (0xFFull << 40), 0, false, true)[0], 0u);
  EXPECT_EQ(RemappedIrte::ReservedBits(lo | (0xFFFFFFFFull << 32), 0, true, true)[0], 0u);
  // IM is Reserved(0) without CAP.PI.
  EXPECT_NE(RemappedIrte::ReservedBits(lo | (1ull << 15), 0, true, false)[0], 0u);
  // Undefined delivery modes 011b and 110b; every defined one is fine.
  EXPECT_NE(RemappedIrte::ReservedBits(lo | (3ull << 5), 0, true, true)[0], 0u);
  EXPECT_NE(RemappedIrte::ReservedBits(lo | (6ull << 5), 0, true, true)[0], 0u);
  for (uint64_t dlm : {0, 1, 2, 4, 5, 7}) {
    EXPECT_EQ(RemappedIrte::ReservedBits(lo | (dlm << 5), 0, true, true)[0], 0u) << dlm;
  }
  // SVT=11b is a reserved value; AVAIL is ignored.
  EXPECT_NE(RemappedIrte::ReservedBits(lo, 3ull << 18, true, true)[1], 0u);
  EXPECT_EQ(RemappedIrte::ReservedBits(lo | (0xFull << 8), 0, true, true)[0], 0u);
}

// ---- S §9.9 SVT / SQ -----------------------------------------------------------------------

TEST(SourceValidationTest, NoCheck) {
  SourceValidation s{0x1234, 0, 0};
  EXPECT_TRUE(s.Accepts(SourceId(0xFFFF)));
}

TEST(SourceValidationTest, RequesterIdUnderEachQualifier) {
  const SourceId device = SourceId::FromBdf(3, 4, 5);  // function 101b
  // SQ=00: all 16 bits.
  EXPECT_TRUE((SourceValidation{device.value(), 0, 1}).Accepts(device));
  EXPECT_FALSE((SourceValidation{device.value(), 0, 1}).Accepts(SourceId::FromBdf(3, 4, 1)));
  // SQ=01: function bit 2 ignored.
  EXPECT_TRUE((SourceValidation{device.value(), 1, 1}).Accepts(SourceId::FromBdf(3, 4, 1)));
  EXPECT_FALSE((SourceValidation{device.value(), 1, 1}).Accepts(SourceId::FromBdf(3, 4, 4)));
  // SQ=10: bits 2:1 ignored.
  EXPECT_TRUE((SourceValidation{device.value(), 2, 1}).Accepts(SourceId::FromBdf(3, 4, 7)));
  EXPECT_FALSE((SourceValidation{device.value(), 2, 1}).Accepts(SourceId::FromBdf(3, 4, 0)));
  // SQ=11: bits 2:0 ignored (bus and device only).
  EXPECT_TRUE((SourceValidation{device.value(), 3, 1}).Accepts(SourceId::FromBdf(3, 4, 0)));
  EXPECT_FALSE((SourceValidation{device.value(), 3, 1}).Accepts(SourceId::FromBdf(3, 5, 5)));
  EXPECT_FALSE((SourceValidation{device.value(), 3, 1}).Accepts(SourceId::FromBdf(2, 4, 5)));
  EXPECT_EQ(SourceValidation::CompareMask(0), 0xFFFF);
  EXPECT_EQ(SourceValidation::CompareMask(1), 0xFFFB);
  EXPECT_EQ(SourceValidation::CompareMask(2), 0xFFF9);
  EXPECT_EQ(SourceValidation::CompareMask(3), 0xFFF8);
}

TEST(SourceValidationTest, BusRangeStartInHighByteEndInLowByte) {
  SourceValidation s{0x0508, 0, 2};  // buses 5..8
  EXPECT_FALSE(s.Accepts(SourceId::FromBdf(4, 0, 0)));
  EXPECT_TRUE(s.Accepts(SourceId::FromBdf(5, 0, 0)));
  EXPECT_TRUE(s.Accepts(SourceId::FromBdf(8, 31, 7)));
  EXPECT_FALSE(s.Accepts(SourceId::FromBdf(9, 0, 0)));
  // The reversed reading (QEMU) would accept nothing here.
  SourceValidation reversed{0x0805, 0, 2};
  EXPECT_FALSE(reversed.Accepts(SourceId::FromBdf(6, 0, 0)));
}

// ---- S §9.10 posted format -----------------------------------------------------------------

TEST(PostedIrteTest, FieldPositions) {
  PostedIrte e;
  e.present = true;
  e.fpd = true;
  e.urgent = true;
  e.avail = 3;
  e.virtual_vector = 0xE1;
  e.descriptor_address = 0x12'3456'7840;
  e.source = SourceValidation{0x0100, 0, 1};
  VTD_ASSERT_OK_AND_ASSIGN(auto w, e.Encode());
  EXPECT_EQ(w[0], 0x1ull | 0x2 | (3ull << 8) | (1ull << 14) | (1ull << 15) | (0xE1ull << 16) |
                      ((0x3456'7840ull >> 6) << 38));
  EXPECT_EQ(w[1], 0x0100ull | (1ull << 18) | (0x12ull << 32));
  EXPECT_TRUE(IrteCommon::IsPosted(w[0]));
  EXPECT_EQ(PostedIrte::Decode(w[0], w[1]), e);
  e.descriptor_address = 0x1020;
  EXPECT_THAT(e.Encode(), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(PostedIrteTest, EveryReservedField) {
  const uint64_t lo = 0x8001;
  for (int bit : {2, 7, 12, 13, 24, 37}) {
    EXPECT_NE(PostedIrte::ReservedBits(lo | (1ull << bit), 0, 48)[0], 0u) << bit;
  }
  for (int bit : {20, 31}) {  // bits 84, 95
    EXPECT_NE(PostedIrte::ReservedBits(lo, 1ull << bit, 48)[1], 0u) << bit;
  }
  // PDAH bits at and above HAW.
  EXPECT_NE(PostedIrte::ReservedBits(lo, 1ull << 48, 48)[1], 0u);
  EXPECT_EQ(PostedIrte::ReservedBits(lo, 1ull << 47, 48)[1], 0u);
  EXPECT_NE(PostedIrte::ReservedBits(lo, 3ull << 18, 48)[1], 0u);  // SVT=11b
}

// ---- S §9.11 posted-interrupt descriptor ---------------------------------------------------

TEST(PostedInterruptDescriptorTest, FieldPositions) {
  PostedInterruptDescriptor d;
  d.pir[1] = 1ull << 5;  // vector 69
  d.outstanding = true;
  d.suppress = true;
  d.notification_vector = 0xF2;
  d.notification_destination = 0x00000300;
  std::array<uint64_t, 8> w = d.Encode();
  EXPECT_EQ(w[1], 1ull << 5);
  EXPECT_EQ(w[4], 0x1ull | 0x2 | (0xF2ull << 16) | (0x300ull << 32));
  VTD_ASSERT_OK_AND_ASSIGN(auto back, PostedInterruptDescriptor::Decode(w));
  EXPECT_EQ(back, d);
  EXPECT_TRUE(back.PirBit(69));
  EXPECT_FALSE(back.PirBit(68));
  EXPECT_EQ(back.ApicId(false), 3u);
  EXPECT_EQ(back.ApicId(true), 0x300u);
}

TEST(PostedInterruptDescriptorTest, EveryReservedField) {
  std::array<uint64_t, 8> w{};
  for (int bit : {2, 15, 24, 31}) {
    w[4] = 1ull << bit;
    EXPECT_NE(PostedInterruptDescriptor::ReservedBits(w, true)[4], 0u) << bit;
  }
  w[4] = 1ull << 48;
  EXPECT_NE(PostedInterruptDescriptor::ReservedBits(w, false)[4], 0u);
  EXPECT_EQ(PostedInterruptDescriptor::ReservedBits(w, true)[4], 0u);
  w[4] = 0;
  for (int i = 5; i < 8; ++i) {
    w[i] = 1;
    EXPECT_NE(PostedInterruptDescriptor::ReservedBits(w, true)[i], 0u) << i;
    w[i] = 0;
  }
  w.fill(~uint64_t{0});
  w[4] = 0x3 | (0xFFull << 16) | (0xFFFFFFFFull << 32);
  for (int i = 5; i < 8; ++i) w[i] = 0;
  for (uint64_t bits : PostedInterruptDescriptor::ReservedBits(w, true)) EXPECT_EQ(bits, 0u);
}

}  // namespace
}  // namespace vtd
