// SourceId's text form: "bb:dd.f" in lower-case hex, as lspci and Linux print a requester
// (bus 15:8, device 7:3, function 2:0 of the source-id, VT-d spec §3.4.1), appended or
// formatted alike.
#include "model/structs/ids.h"

#include <string>

#include "gtest/gtest.h"

namespace vtd {
namespace {

TEST(SourceIdTest, AppendBdfWritesBusDeviceFunction) {
  std::string s = "sid ";
  AppendBdf(s, SourceId::FromBdf(0x03, 0x02, 0x1));
  EXPECT_EQ(s, "sid 03:02.1");
  s.clear();
  AppendBdf(s, SourceId(0xabff));  // bus 0xab, device 0x1f, function 7
  EXPECT_EQ(s, "ab:1f.7");
  s.clear();
  AppendBdf(s, SourceId(0));
  EXPECT_EQ(s, "00:00.0");
}

TEST(SourceIdTest, FormatsAsAppended) {
  EXPECT_EQ(absl::StrFormat("%s", SourceId(0x0108)), "01:01.0");
  EXPECT_EQ(absl::StrFormat("[%s]", SourceId(0xfe3a)), "[fe:07.2]");
}

}  // namespace
}  // namespace vtd
