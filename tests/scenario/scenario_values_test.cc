// The value syntax shared by every field (numbers, sizes, requester ids) and the register-name
// table, tested directly.
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/regs/cap_ecap.h"
#include "model/scenario/internal/suggest.h"
#include "model/scenario/register_names.h"
#include "model/scenario/scenario.h"
#include "model/scenario/scenario_loader.h"
#include "tests/testing/status_matchers.h"

namespace vtd::scenario {
namespace {

using ::testing::HasSubstr;
using vtd::testing::StatusIs;

TEST(ParseNumberTest, DecimalAndHex) {
  EXPECT_EQ(*ParseNumber("0"), 0u);
  EXPECT_EQ(*ParseNumber("16"), 16u);
  EXPECT_EQ(*ParseNumber("0x10"), 16u);
  EXPECT_EQ(*ParseNumber("0X1f"), 31u);
  EXPECT_EQ(*ParseNumber("0xFED9_0000"), 0xfed90000u);
  EXPECT_EQ(*ParseNumber(" 42 "), 42u);
  EXPECT_EQ(*ParseNumber("+7"), 7u);
  EXPECT_EQ(*ParseNumber("18446744073709551615"), ~uint64_t{0});
  EXPECT_EQ(*ParseNumber("0xffffffffffffffff"), ~uint64_t{0});
  EXPECT_EQ(*ParseNumber("010"), 10u);  // decimal, not octal
}

TEST(ParseNumberTest, Errors) {
  EXPECT_THAT(ParseNumber("-1"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("negative")));
  EXPECT_THAT(ParseNumber("18446744073709551616"),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("does not fit in 64 bits")));
  EXPECT_THAT(ParseNumber("0x1_0000_0000_0000_0000"), StatusIs(absl::StatusCode::kOutOfRange));
  for (const char* bad : {"", "x", "0x", "1e3", "1.0", "0b101", "ff", "1__0", "_1", "1_", "+",
                          "+-1", "0x-1", "12 34", "true"}) {
    EXPECT_THAT(ParseNumber(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("is not a number")))
        << bad;
  }
  EXPECT_THAT(ParseNumber("ff"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("hex needs a 0x prefix")));
}

TEST(ParseSizeTest, Suffixes) {
  EXPECT_EQ(*ParseSize("4096"), 4096u);
  EXPECT_EQ(*ParseSize("4K"), 4096u);
  EXPECT_EQ(*ParseSize("4k"), 4096u);
  EXPECT_EQ(*ParseSize("4KiB"), 4096u);
  EXPECT_EQ(*ParseSize("2M"), 0x200000u);
  EXPECT_EQ(*ParseSize("2mb"), 0x200000u);
  EXPECT_EQ(*ParseSize("1G"), 0x40000000u);
  EXPECT_EQ(*ParseSize("4G"), uint64_t{4} << 30);
  EXPECT_EQ(*ParseSize("1T"), uint64_t{1} << 40);
  EXPECT_FALSE(ParseSize("0x10K").ok());  // hex takes no suffix
}

TEST(ParseSizeTest, Errors) {
  EXPECT_THAT(ParseSize("K"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSize("-4K"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseSize("99999999T"), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(ParseSize("4X"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(ParseRequesterIdTest, Forms) {
  EXPECT_EQ(*ParseRequesterId("00:02.0"), SourceId::FromBdf(0, 2, 0));
  EXPECT_EQ(*ParseRequesterId("ff:1f.7"), SourceId(0xffff));
  EXPECT_EQ(*ParseRequesterId("0:2.1"), SourceId::FromBdf(0, 2, 1));
  EXPECT_EQ(*ParseRequesterId("3A:00.0"), SourceId::FromBdf(0x3a, 0, 0));
}

TEST(ParseRequesterIdTest, Errors) {
  EXPECT_THAT(ParseRequesterId("00:20.0"),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("device 0x20 is out of range")));
  EXPECT_THAT(ParseRequesterId("100:00.0"),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("bus 0x100")));
  EXPECT_THAT(ParseRequesterId("00:00.8"),
              StatusIs(absl::StatusCode::kOutOfRange, HasSubstr("function 0x8")));
  for (const char* bad : {"", "00:02", "00.02.0", "0000:00:02.0", "g0:00.0", "00:02.", ":02.0",
                          "00:02.0.1", "12345:0.0"}) {
    EXPECT_FALSE(ParseRequesterId(bad).ok()) << bad;
  }
}

TEST(RegisterNamesTest, FixedRegistersWithAndWithoutSuffix) {
  for (const char* name : {"GCMD", "gcmd", "GCMD_REG", "Gcmd_Reg"}) {
    auto r = LookupRegisterName(name);
    ASSERT_TRUE(r.has_value()) << name;
    EXPECT_EQ(r->canonical, "GCMD_REG");
    EXPECT_EQ(r->offset, 0x18u);
    EXPECT_EQ(r->width, 32);
    EXPECT_EQ(r->placement, Placement::kFixed);
  }
  // Every register of spec §11.4 up to 0xEF, by its short name.
  struct Expected {
    const char* name;
    uint32_t offset;
    int width;
  };
  for (const Expected& e : {Expected{"VER", 0x0, 32},
                            {"CAP", 0x8, 64},
                            {"ECAP", 0x10, 64},
                            {"GSTS", 0x1c, 32},
                            {"RTADDR", 0x20, 64},
                            {"CCMD", 0x28, 64},
                            {"FSTS", 0x34, 32},
                            {"FECTL", 0x38, 32},
                            {"FEDATA", 0x3c, 32},
                            {"FEADDR", 0x40, 32},
                            {"FEUADDR", 0x44, 32},
                            {"PMEN", 0x64, 32},
                            {"PLMBASE", 0x68, 32},
                            {"PLMLIMIT", 0x6c, 32},
                            {"PHMBASE", 0x70, 64},
                            {"PHMLIMIT", 0x78, 64},
                            {"IQH", 0x80, 64},
                            {"IQT", 0x88, 64},
                            {"IQA", 0x90, 64},
                            {"ICS", 0x9c, 32},
                            {"IECTL", 0xa0, 32},
                            {"IEDATA", 0xa4, 32},
                            {"IEADDR", 0xa8, 32},
                            {"IEUADDR", 0xac, 32},
                            {"IQERCD", 0xb0, 64},
                            {"IRTA", 0xb8, 64},
                            {"PQH", 0xc0, 64},
                            {"PQT", 0xc8, 64},
                            {"PQA", 0xd0, 64},
                            {"PRS", 0xdc, 32},
                            {"PECTL", 0xe0, 32},
                            {"PEDATA", 0xe4, 32},
                            {"PEADDR", 0xe8, 32},
                            {"PEUADDR", 0xec, 32},
                            {"AFLOG", 0x58, 64},
                            {"MTRRCAP", 0x100, 64},
                            {"MTRRDEF", 0x108, 64},
                            {"MTRR_PHYSMASK9", 0x218, 64},
                            {"MTRR_FIX4K_F8000", 0x170, 64},
                            {"VCCAP", 0xe30, 64}}) {
    auto r = LookupRegisterName(e.name);
    ASSERT_TRUE(r.has_value()) << e.name;
    EXPECT_EQ(r->offset, e.offset) << e.name;
    EXPECT_EQ(r->width, e.width) << e.name;
  }
  EXPECT_FALSE(LookupRegisterName("MTRRCAP")->modeled);
  EXPECT_TRUE(LookupRegisterName("IQT")->modeled);
}

TEST(RegisterNamesTest, RelativeRegistersKeepTheirPlacement) {
  auto iva = LookupRegisterName("IVA");
  ASSERT_TRUE(iva.has_value());
  EXPECT_EQ(iva->placement, Placement::kIotlb);
  EXPECT_EQ(iva->offset, 0u);
  auto iotlb = LookupRegisterName("IOTLB_REG");
  EXPECT_EQ(iotlb->offset, 8u);
  for (const char* name : {"FRCD5", "FRCD5_LO", "FRCD_LO[5]", "FRCD[5]", "frcd_reg[5]"}) {
    auto r = LookupRegisterName(name);
    ASSERT_TRUE(r.has_value()) << name;
    EXPECT_EQ(r->canonical, "FRCD_LO[5]") << name;
    EXPECT_EQ(r->index, 5);
    EXPECT_EQ(r->offset, 0u);
  }
  auto hi = LookupRegisterName("FRCD12_HI");
  EXPECT_EQ(hi->canonical, "FRCD_HI[12]");
  EXPECT_EQ(hi->offset, 8u);
  EXPECT_EQ(LookupRegisterName("FRCD")->index, 0);
  for (const char* bad : {"FRCD256", "FRCD1_XX", "FRCD[", "FRCD[]", "FRCD[1", "FRCDx", "GCMDD", "",
                          "_REG", "IOTLB_", "FRCD1234"}) {
    EXPECT_FALSE(LookupRegisterName(bad).has_value()) << bad;
  }
}

TEST(RegisterNamesTest, PlacementOnAUnit) {
  // Default unit: FRO 0x400 with one FRCD, IRO 0x500.
  EXPECT_EQ(*PlaceRegisterName(*LookupRegisterName("IOTLB"), kDefaultCap, kDefaultEcap), 0x508u);
  EXPECT_EQ(*PlaceRegisterName(*LookupRegisterName("FRCD0_HI"), kDefaultCap, kDefaultEcap), 0x408u);
  EXPECT_THAT(PlaceRegisterName(*LookupRegisterName("FRCD1"), kDefaultCap, kDefaultEcap),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("CAP.NFR")));
  EXPECT_THAT(PlaceRegisterName(*LookupRegisterName("ECMD"), kDefaultCap, kDefaultEcap),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("FRCD_LO[0]")));
  EXPECT_EQ(*PlaceRegisterName(*LookupRegisterName("FRCD3"), kR630Cap, kR630Ecap),
            Capability::Decode(kR630Cap).fault_recording_offset() + 48);
}

TEST(RegisterNamesTest, NaturalWidths) {
  EXPECT_EQ(NaturalWidthAt(0x20, kDefaultCap, kDefaultEcap), 64);
  EXPECT_EQ(NaturalWidthAt(0x24, kDefaultCap, kDefaultEcap), 32);
  EXPECT_EQ(NaturalWidthAt(0x18, kDefaultCap, kDefaultEcap), 32);
  EXPECT_EQ(NaturalWidthAt(0x508, kDefaultCap, kDefaultEcap), 64);
  EXPECT_EQ(NaturalWidthAt(0x800, kDefaultCap, kDefaultEcap), 32);
}

TEST(RegisterNamesTest, Suggestions) {
  EXPECT_EQ(SuggestRegisterName("GCMDD"), "GCMD");
  EXPECT_EQ(SuggestRegisterName("rtadr"), "RTADDR");
  EXPECT_EQ(SuggestRegisterName("FSTSS_REG"), "FSTS");
  EXPECT_EQ(SuggestRegisterName("completely-wrong"), "");
}

TEST(SuggestTest, EditDistance) {
  using internal::EditDistance;
  EXPECT_EQ(EditDistance("steps", "steps"), 0);
  EXPECT_EQ(EditDistance("stpes", "steps"), 1);
  EXPECT_EQ(EditDistance("adr", "addr"), 1);
  EXPECT_EQ(EditDistance("ADDR", "addr"), 0);
  EXPECT_EQ(EditDistance("", "abc"), 3);
  const absl::string_view keys[] = {"addr", "width"};
  EXPECT_EQ(internal::Closest("adr", keys), "addr");
  EXPECT_EQ(internal::Closest("foo", keys), "");
}

TEST(FormatLocationTest, Forms) {
  EXPECT_EQ(FormatLocation("a.yaml", SourceMark{3, 7}), "a.yaml:3:7");
  EXPECT_EQ(FormatLocation("a.yaml", SourceMark{}), "a.yaml");
}

TEST(NamesTest, ActionAndEnumNames) {
  EXPECT_EQ(ActionKindName(ActionKind::kMmioWrite), "mmio_write");
  EXPECT_EQ(ActionKindName(ActionKind::kRepeat), "repeat");
  EXPECT_EQ(DmaAccessName(DmaAccess::kWrite), "write");
  EXPECT_EQ(AddressTypeName(AddressType::kTranslationRequest), "translation_request");
}

}  // namespace
}  // namespace vtd::scenario
