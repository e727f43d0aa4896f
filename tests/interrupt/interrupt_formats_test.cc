// Interrupt request formats (S §5.1.2 compatibility and remappable MSI, §5.1.5.1 I/OxAPIC
// RTE) and IRTA_REG (S §11.4.10).
#include "model/interrupt/interrupt_formats.h"

#include <cstdint>

#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

TEST(InterruptAddressTest, RangeAndFormat) {
  EXPECT_TRUE(InterruptAddress::InInterruptRange(0xFEE00000));
  EXPECT_TRUE(InterruptAddress::InInterruptRange(0xFEEFFFFC));
  EXPECT_FALSE(InterruptAddress::InInterruptRange(0xFED00000));
  EXPECT_FALSE(InterruptAddress::IsRemappable(0xFEE00000));
  EXPECT_TRUE(InterruptAddress::IsRemappable(0xFEE00010));
}

// ---- S §5.1.2.1 compatibility format -------------------------------------------------------

TEST(CompatibilityInterruptTest, FieldPositions) {
  CompatibilityInterrupt c;
  c.destination = 0xA5;
  c.redirection_hint = true;
  c.logical_destination = true;
  c.vector = 0x41;
  c.delivery_mode = 1;
  c.level_asserted = true;
  c.level_triggered = true;
  VTD_ASSERT_OK_AND_ASSIGN(auto m, c.Encode());
  EXPECT_EQ(m.first, 0xFEEA500Cu);
  EXPECT_EQ(m.second, 0x41u | (1u << 8) | (1u << 14) | (1u << 15));
  EXPECT_EQ(CompatibilityInterrupt::Decode(m.first, m.second), c);
  c.delivery_mode = 8;
  EXPECT_FALSE(c.Encode().ok());
}

// ---- S §5.1.2.2 remappable format ----------------------------------------------------------

TEST(RemappableInterruptTest, HandleSplitAcrossAddressBits) {
  RemappableInterrupt r;
  r.handle = 0xFFFF;
  auto [address, data] = r.Encode();
  EXPECT_EQ(address, 0xFEE00000u | (0x7FFFu << 5) | 0x10 | 0x4);
  EXPECT_EQ(data, 0u);
  EXPECT_EQ(RemappableInterrupt::Decode(address, 0x1234).handle, 0xFFFF);
  r.handle = 0x8000;
  EXPECT_EQ(r.Encode().first, 0xFEE00014u);  // Handle[15] at bit 2 only
}

TEST(RemappableInterruptTest, IndexWithAndWithoutSubhandle) {
  RemappableInterrupt r = RemappableInterrupt::Decode(0xFEE00000 | (5 << 5) | 0x10, 3);
  EXPECT_FALSE(r.subhandle_valid);
  EXPECT_EQ(r.InterruptIndex(), 5u);  // data ignored without SHV
  r = RemappableInterrupt::Decode(0xFEE00000 | (5 << 5) | 0x10 | 0x8, 3);
  EXPECT_TRUE(r.subhandle_valid);
  EXPECT_EQ(r.subhandle, 3);
  EXPECT_EQ(r.InterruptIndex(), 8u);
  auto [address, data] = r.Encode();
  EXPECT_EQ(RemappableInterrupt::Decode(address, data), r);
  // handle + subhandle can exceed 16 bits.
  r.handle = 0xFFFF;
  r.subhandle = 0xFFFF;
  EXPECT_EQ(r.InterruptIndex(), 0x1FFFEu);
}

TEST(RemappableInterruptTest, ReservedBits) {
  EXPECT_EQ(RemappableInterrupt::ReservedDataBits(0xFEE00018, 0x10000), 0x10000u);
  EXPECT_EQ(RemappableInterrupt::ReservedDataBits(0xFEE00010, 0x10000), 0u);  // SHV=0
  EXPECT_EQ(RemappableInterrupt::ReservedAddressBits(0x1'FEE00010), 0x1'00000000u);
  EXPECT_EQ(RemappableInterrupt::ReservedAddressBits(0xFEE00013), 0u);  // 1:0 don't care
}

// ---- S §5.1.5.1 I/OxAPIC ------------------------------------------------------------------

TEST(IoapicRteTest, FieldPositionsAndRequest) {
  IoapicRemappableRte e;
  e.index = 0x8123;
  e.masked = true;
  e.level_triggered = true;
  e.remote_irr = true;
  e.active_low = true;
  e.delivery_status = true;
  e.vector = 0x21;
  const uint64_t rte = e.Encode();
  EXPECT_EQ(rte, (0x0123ull << 49) | (1ull << 48) | (1ull << 16) | (1ull << 15) | (1ull << 14) |
                     (1ull << 13) | (1ull << 12) | (1ull << 11) | 0x21);
  EXPECT_EQ(IoapicRemappableRte::Decode(rte), e);
  auto [address, data] = e.ToRequest();
  RemappableInterrupt r = RemappableInterrupt::Decode(address, data);
  EXPECT_TRUE(InterruptAddress::IsRemappable(address));
  EXPECT_FALSE(r.subhandle_valid);
  EXPECT_EQ(r.InterruptIndex(), 0x8123u);
  EXPECT_EQ(data & 0xFF, 0x21u);
  EXPECT_EQ((data >> 15) & 1, 1u);
}

// ---- S §11.4.10 IRTA_REG -------------------------------------------------------------------

TEST(IrtaTest, Fields) {
  InterruptRemapTableAddress a = InterruptRemapTableAddress::Decode(0x12345000 | (1 << 11) | 0xF);
  EXPECT_EQ(a.base, 0x12345000u);
  EXPECT_TRUE(a.extended_mode);
  EXPECT_EQ(a.size, 15);
  EXPECT_EQ(a.entries(), 65536u);
  EXPECT_EQ(a.Encode(), 0x12345000u | (1 << 11) | 0xF);
  EXPECT_EQ(InterruptRemapTableAddress::Decode(0x1000).entries(), 2u);
}

}  // namespace
}  // namespace vtd
