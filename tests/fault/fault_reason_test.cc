// Fault reason table (VT-d spec §7.1.3 Table 30, §5.1.4.1 Table 15) and its lookups.
#include "model/fault/fault_reason.h"

#include <set>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "model/fault/fault.h"
#include "tests/testing/status_matchers.h"

namespace vtd {
namespace {

using ::vtd::testing::StatusIs;

TEST(FaultReasonTest, EveryCodeHasOneEntryInAscendingOrder) {
  int last = -1;
  std::set<std::string_view> symbols;
  for (const FaultReasonInfo& info : AllFaultReasons()) {
    const int code = static_cast<int>(info.reason);
    EXPECT_GT(code, last) << info.symbol;
    last = code;
    EXPECT_TRUE(symbols.insert(info.symbol).second) << info.symbol;
    EXPECT_EQ(&GetFaultReasonInfo(info.reason), &info);
  }
  // 14 legacy + 12 interrupt + 5 RTA + 48 scalable + 6 HPT.
  EXPECT_EQ(AllFaultReasons().size(), 14u + 12u + 5u + 48u + 6u);
}

TEST(FaultReasonTest, LegacyCodesMatchTable30) {
  EXPECT_EQ(static_cast<int>(FaultReason::kRootEntryNotPresent), 0x01);
  EXPECT_EQ(static_cast<int>(FaultReason::kInterruptAddressRange), 0x0e);
  EXPECT_EQ(static_cast<int>(FaultReason::kLegacyModeRequestWithPasid), 0x31);
  EXPECT_EQ(static_cast<int>(FaultReason::kHptReadNotPermitted), 0xa5);
  EXPECT_EQ(static_cast<int>(FaultReason::kIrRequestWhileDisabled), 0x2b);
}

TEST(FaultReasonTest, QualifiedFlagsFollowTable30) {
  // Root-table faults are never qualified; context and below are.
  EXPECT_FALSE(GetFaultReasonInfo(FaultReason::kRootEntryNotPresent).qualified);
  EXPECT_FALSE(GetFaultReasonInfo(FaultReason::kContextTableAccessError).qualified);
  EXPECT_TRUE(GetFaultReasonInfo(FaultReason::kContextEntryNotPresent).qualified);
  // Spec digest disagreement #8: 0Bh (LCT.3) is qualified per the spec.
  EXPECT_TRUE(GetFaultReasonInfo(FaultReason::kContextEntryReserved).qualified);
  EXPECT_FALSE(GetFaultReasonInfo(FaultReason::kInvalidRootTableAddress).qualified);
  EXPECT_TRUE(GetFaultReasonInfo(FaultReason::kIrteNotPresent).qualified);
}

TEST(FaultReasonTest, EveryConditionNamesADefinedCodeOnce) {
  std::set<std::string_view> names;
  for (const FaultConditionInfo& c : AllFaultConditions()) {
    EXPECT_TRUE(names.insert(c.name).second) << c.name;
    EXPECT_TRUE(FaultReasonFromNumber(static_cast<int>(c.reason)).ok()) << c.name;
    EXPECT_EQ(FindFaultCondition(c.name), &c);
  }
}

TEST(FaultReasonTest, ResponsesForLegacyConditions) {
  const FaultConditionInfo* lgn11 = FindFaultCondition("LGN.1.1");
  ASSERT_NE(lgn11, nullptr);
  EXPECT_EQ(lgn11->ResponseFor(RequestClass::kUntranslated), FaultResponse::kUnsupportedRequest);
  EXPECT_EQ(lgn11->ResponseFor(RequestClass::kTranslation), FaultResponse::kSuccessNoAccess);
  const FaultConditionInfo* lct43 = FindFaultCondition("lct.4.3");
  ASSERT_NE(lct43, nullptr);
  EXPECT_EQ(lct43->ResponseFor(RequestClass::kTranslation), FaultResponse::kCompleterAbort);
  EXPECT_EQ(lct43->ResponseFor(RequestClass::kTranslated), FaultResponse::kNotApplicable);
  EXPECT_EQ(FindFaultCondition("LGN.2")->ResponseFor(RequestClass::kTranslation),
            FaultResponse::kSuccessEffective);
  EXPECT_EQ(FaultResponseName(FaultResponse::kSuccessEffective), "SE");
}

TEST(FaultReasonTest, ParsesNumbersConditionsGroupsAndSymbols) {
  EXPECT_EQ(*ParseFaultReason("0x0b"), FaultReason::kContextEntryReserved);
  EXPECT_EQ(*ParseFaultReason("0Bh"), FaultReason::kContextEntryReserved);
  EXPECT_EQ(*ParseFaultReason("11"), FaultReason::kContextEntryReserved);
  EXPECT_EQ(*ParseFaultReason("LCT.3"), FaultReason::kContextEntryReserved);
  EXPECT_EQ(*ParseFaultReason("lrt.3"), FaultReason::kRootEntryReserved);
  EXPECT_EQ(*ParseFaultReason("LCT.4"), FaultReason::kContextEntryInvalid);
  EXPECT_EQ(*ParseFaultReason("LCT.4.0"), FaultReason::kContextEntryInvalid);
  EXPECT_EQ(*ParseFaultReason("LGN.1"), FaultReason::kAddressBeyondWidth);
  EXPECT_EQ(*ParseFaultReason("context_entry_reserved"), FaultReason::kContextEntryReserved);
  EXPECT_EQ(*ParseFaultReason("irte_not_present"), FaultReason::kIrteNotPresent);
  EXPECT_THAT(ParseFaultReason("0x00"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseFaultReason("0x0f"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ParseFaultReason("LCT.9"),
              StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("LCT.9")));
  // "LGN" alone spans several codes: not a valid group.
  EXPECT_THAT(ParseFaultReason("LGN"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FaultReasonHex(FaultReason::kContextEntryReserved), "0Bh");
}

TEST(FaultTest, ReportableUnlessSuppressedOrRecoverable) {
  Fault f;
  f.reason = FaultReason::kContextEntryNotPresent;
  f.condition = FaultCondition::kLct2;
  f.qualified = true;
  EXPECT_TRUE(f.Reportable());
  f.fpd = true;
  EXPECT_FALSE(f.Reportable());
  f.qualified = false;
  EXPECT_TRUE(f.Reportable());
  f.recoverable = true;
  EXPECT_FALSE(f.Reportable());
  f.source_id = SourceId::FromBdf(0, 2, 0);
  EXPECT_THAT(f.ToString(), ::testing::HasSubstr("LCT.2 (02h context_entry_not_present) sid "
                                                 "00:02.0"));
}

TEST(FaultTest, ClassifiesRequests) {
  EXPECT_EQ(ClassifyRequest(RequestType::kTranslation, false), RequestClass::kTranslation);
  EXPECT_EQ(ClassifyRequest(RequestType::kTranslated, true), RequestClass::kTranslatedWithPasid);
}

}  // namespace
}  // namespace vtd
