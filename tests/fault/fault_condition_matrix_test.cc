// The whole fault response matrix: every condition of Table 30 (S §7.1.3) and Table 15
// (S §5.1.4.1) against every request class, transcribed from ../shared/spec/faults.md
// §1-§4 (legacy rows have only U-, T-, X- columns there: requests with PASID and page
// requests never reach the legacy tables, so their cells are NA; SPT.4.1-4.4 share one row;
// Table 15 codes are interrupt requests, "treated as Unsupported Request").
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "model/fault/fault.h"
#include "model/fault/fault_reason.h"

namespace vtd {
namespace {

// condition  code  qualified  U-  U+  T-  T+  X-  X+  PR  PRn   ("IR": a Table 15 code)
constexpr std::string_view kMatrix = R"(
LRT.2    01h No  UR   NA   UR   NA   UR   NA   NA   NA
LCT.2    02h Yes UR   NA   UR   NA   UR   NA   NA   NA
LCT.4.1  03h Yes UR   NA   CA   NA   UR   NA   NA   NA
LCT.4.2  03h Yes UR   NA   CA   NA   UR   NA   NA   NA
LCT.4.3  03h Yes UR   NA   CA   NA   NA   NA   NA   NA
LGN.1.1  04h Yes UR   NA   S0   NA   NA   NA   NA   NA
LGN.1.2  04h Yes NA   NA   NA   NA   UR   NA   NA   NA
LGN.1.3  04h Yes UR   NA   NA   NA   NA   NA   NA   NA
LGN.2    05h Yes UR   NA   SE   NA   NA   NA   NA   NA
LGN.3    06h Yes UR   NA   SE   NA   NA   NA   NA   NA
LSS.1    07h Yes UR   NA   CA   NA   NA   NA   NA   NA
LRT.1    08h No  UR   NA   CA   NA   UR   NA   NA   NA
LCT.1    09h No  UR   NA   CA   NA   UR   NA   NA   NA
LRT.3    0Ah No  UR   NA   CA   NA   UR   NA   NA   NA
LCT.3    0Bh Yes UR   NA   CA   NA   UR   NA   NA   NA
LSS.2    0Ch Yes UR   NA   CA   NA   NA   NA   NA   NA
LCT.5    0Dh Yes NA   NA   UR   NA   UR   NA   NA   NA
LGN.4    0Eh Yes UR   NA   CA   NA   UR   NA   NA   NA
RTA.1.1  30h No  UR   UR   CA   CA   UR   UR   IR   drop
RTA.1.2  30h No  UR   UR   CA   CA   UR   UR   IR   drop
RTA.1.3  30h No  UR   UR   CA   CA   UR   UR   IR   drop
RTA.1.4  30h No  UR   NA   CA   NA   UR   NA   NA   NA
RTA.2    31h No  NA   UR   NA   UR   NA   UR   NA   NA
RTA.3    32h No  NA   NA   NA   NA   NA   NA   IR   drop
RTA.4    33h No  UR   UR   UR   UR   UR   UR   IR   drop
RTA.5    34h No  NA   UR   NA   UR   NA   UR   NA   NA
SRT.1    38h No  UR   UR   CA   CA   UR   UR   IR   drop
SRT.2    39h No  UR   UR   UR   UR   UR   UR   IR   drop
SRT.3    3Ah No  UR   UR   CA   CA   UR   UR   IR   drop
SCT.1    40h No  UR   UR   CA   CA   UR   UR   IR   drop
SCT.2    41h Yes UR   UR   UR   UR   UR   UR   IR   drop
SCT.3    42h Yes UR   UR   CA   CA   UR   UR   IR   drop
SCT.4.1  43h Yes UR   UR   CA   CA   UR   UR   IR   drop
SCT.4.2  43h Yes UR   UR   CA   CA   UR   UR   IR   drop
SCT.4.3  43h Yes UR   NA   CA   NA   UR   UR   IR   drop
SCT.5    44h Yes NA   NA   UR   UR   UR   UR   NA   NA
SCT.6    45h Yes NA   UR   NA   UR   NA   NA   IR   drop
SCT.7    46h Yes NA   UR   NA   UR   NA   UR   IR   drop
SCT.8    47h Yes NA   NA   NA   NA   NA   NA   IR   drop
SCT.9    48h Yes NA   UR   NA   UR   NA   UR   IR   drop
SCT.10   49h Yes NA   NA   NA   NA   NA   UR   NA   NA
SPD.1    50h No  UR   UR   CA   CA   CA   CA   IR   drop
SPD.2    51h Yes UR   UR   S0   S0   UR   UR   IR   drop
SPD.3    52h Yes UR   UR   CA   CA   CA   CA   IR   drop
SPT.1    58h No  UR   UR   CA   CA   CA   CA   IR   drop
SPT.2    59h Yes UR   UR   S0   S0   UR   UR   IR   drop
SPT.3    5Ah Yes UR   UR   CA   CA   CA   CA   IR   drop
SPT.4.1  5Bh Yes UR   UR   CA   CA   CA   CA   IR   drop
SPT.4.2  5Bh Yes UR   UR   CA   CA   CA   CA   IR   drop
SPT.4.3  5Bh Yes UR   UR   CA   CA   CA   CA   IR   drop
SPT.4.4  5Bh Yes UR   UR   CA   CA   CA   CA   IR   drop
SPT.5    5Ch Yes NA   UR   NA   S0   NA   NA   NA   NA
SPT.6    5Dh Yes UR   UR   S0   S0   NA   NA   NA   NA
SPT.9    60h Yes NA   NA   NA   NA   UR   UR   NA   NA
SFS.1    70h Yes UR   UR   S0   S0   NA   NA   NA   NA
SFS.2    71h Yes UR   UR   S0   S0   NA   NA   NA   NA
SFS.3    72h Yes UR   UR   S0   S0   NA   NA   NA   NA
SFS.4    73h Yes UR   UR   S0   S0   NA   NA   NA   NA
SFS.5    74h Yes UR   UR   S0   S0   NA   NA   NA   NA
SFS.6    75h Yes UR   UR   S0   S0   NA   NA   NA   NA
SFS.7    76h Yes UR   UR   S0   S0   NA   NA   NA   NA
SFS.8    77h Yes UR   UR   S0   S0   NA   NA   NA   NA
SSS.1    78h Yes UR   UR   CA   CA   NA   NA   NA   NA
SSS.2    79h Yes UR   UR   S0   S0   NA   NA   NA   NA
SSS.3    7Ah Yes UR   UR   CA   CA   NA   NA   NA   NA
SSS.4    7Bh Yes UR   UR   CA   CA   NA   NA   NA   NA
SSS.5    7Ch Yes UR   UR   CA   CA   NA   NA   NA   NA
SSS.6    7Dh Yes UR   UR   CA   CA   NA   NA   NA   NA
SGN.1    80h Yes UR   UR   S0   S0   NA   NA   NA   NA
SGN.2    81h Yes UR   UR   S0   S0   NA   NA   NA   NA
SGN.4.1  83h Yes NA   NA   NA   NA   UR   UR   NA   NA
SGN.4.2  83h Yes UR   UR   S0   S0   NA   NA   NA   NA
SGN.5    84h Yes UR   UR   S0   S0   NA   NA   NA   NA
SGN.6    85h Yes UR   UR   SE   SE   NA   NA   NA   NA
SGN.7    86h Yes UR   UR   SE   SE   NA   NA   NA   NA
SGN.8.1  87h Yes UR   UR   NA   NA   NA   NA   NA   NA
SGN.8.2  87h Yes NA   NA   CA   CA   NA   NA   NA   NA
SGN.8.3  87h Yes NA   NA   NA   NA   UR   UR   NA   NA
SGN.10   89h Yes NA   UR   NA   UR   NA   UR   NA   NA
SFS.9    90h Yes UR   UR   S0   S0   NA   NA   NA   NA
SFS.10   91h Yes UR   UR   S0   S0   NA   NA   NA   NA
HPT.1    A0h Yes NA   NA   NA   NA   CA   CA   NA   NA
HPT.2    A1h Yes NA   NA   NA   NA   CA   CA   NA   NA
HPT.3    A2h Yes NA   NA   NA   NA   CA   CA   NA   NA
HPT.4    A3h Yes NA   NA   NA   NA   UR   UR   NA   NA
HPT.5    A4h Yes NA   NA   NA   NA   UR   UR   NA   NA
HPT.6    A5h Yes NA   NA   NA   NA   UR   UR   NA   NA
IR       20h No  UR   NA   NA   NA   NA   NA   NA   NA
IR       21h No  UR   NA   NA   NA   NA   NA   NA   NA
IR       22h Yes UR   NA   NA   NA   NA   NA   NA   NA
IR       23h No  UR   NA   NA   NA   NA   NA   NA   NA
IR       24h Yes UR   NA   NA   NA   NA   NA   NA   NA
IR       25h No  UR   NA   NA   NA   NA   NA   NA   NA
IR       26h Yes UR   NA   NA   NA   NA   NA   NA   NA
IR       27h Yes UR   NA   NA   NA   NA   NA   NA   NA
IR       28h Yes UR   NA   NA   NA   NA   NA   NA   NA
IR       29h No  UR   NA   NA   NA   NA   NA   NA   NA
IR       2Ah No  UR   NA   NA   NA   NA   NA   NA   NA
IR       2Bh No  UR   NA   NA   NA   NA   NA   NA   NA
)";

struct Row {
  std::string name;
  int code = 0;
  bool qualified = false;
  std::vector<std::string> responses;
};

std::vector<Row> ParseMatrix() {
  std::vector<Row> rows;
  std::istringstream in{std::string(kMatrix)};
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    std::istringstream fields(line);
    Row row;
    std::string code;
    std::string qualified;
    fields >> row.name >> code >> qualified;
    row.code = std::stoi(code.substr(0, 2), nullptr, 16);
    row.qualified = qualified == "Yes";
    std::string cell;
    while (fields >> cell) row.responses.push_back(cell);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string ResponseText(FaultResponse response) {
  return std::string(FaultResponseName(response));
}

FaultCondition ConditionOf(const Row& row) {
  if (row.name == "IR") return InterruptFaultCondition(static_cast<FaultReason>(row.code));
  const FaultConditionInfo* info = FindFaultCondition(row.name);
  EXPECT_NE(info, nullptr) << row.name;
  return info != nullptr ? info->condition : FaultCondition{};
}

TEST(FaultConditionMatrixTest, EveryConditionHasOneRow) {
  const std::vector<Row> rows = ParseMatrix();
  ASSERT_EQ(rows.size(), static_cast<size_t>(kNumFaultConditions));
  std::set<int> seen;
  for (const Row& row : rows) {
    EXPECT_TRUE(seen.insert(static_cast<int>(ConditionOf(row))).second) << row.name;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kNumFaultConditions));
}

TEST(FaultConditionMatrixTest, CodesQualificationAndEveryResponseCellMatch) {
  for (const Row& row : ParseMatrix()) {
    const FaultCondition condition = ConditionOf(row);
    const FaultConditionInfo& info = GetFaultConditionInfo(condition);
    SCOPED_TRACE(row.name + " " + std::to_string(row.code));
    EXPECT_EQ(info.condition, condition);
    EXPECT_EQ(static_cast<int>(info.reason), row.code);
    EXPECT_EQ(GetFaultReasonInfo(info.reason).qualified, row.qualified);
    EXPECT_EQ(FaultConditionName(condition), row.name == "IR" ? "" : row.name);
    ASSERT_EQ(row.responses.size(), static_cast<size_t>(kNumRequestClasses));
    for (int c = 0; c < kNumRequestClasses; ++c) {
      EXPECT_EQ(ResponseText(info.ResponseFor(static_cast<RequestClass>(c))), row.responses[c])
          << "request class " << c;
    }
  }
}

}  // namespace
}  // namespace vtd
