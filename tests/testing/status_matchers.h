// GoogleTest matchers for absl::Status and absl::StatusOr, which Debian 12's Abseil
// (20220623) does not provide: IsOk(), StatusIs(code) and StatusIs(code, message_matcher).
#ifndef VTDSIM_TESTS_TESTING_STATUS_MATCHERS_H_
#define VTDSIM_TESTS_TESTING_STATUS_MATCHERS_H_

#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace vtd::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

MATCHER(IsOk, "is OK") {
  const absl::Status& status = GetStatus(arg);
  if (!status.ok()) *result_listener << "status is " << status.ToString();
  return status.ok();
}

MATCHER_P(StatusIs, code, "has status code " + absl::StatusCodeToString(code)) {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code;
}

MATCHER_P2(StatusIs, code, message_matcher,
           "has status code " + absl::StatusCodeToString(code) + " and a matching message") {
  const absl::Status& status = GetStatus(arg);
  *result_listener << "status is " << status.ToString();
  return status.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(status.message()),
                                       result_listener);
}

}  // namespace vtd::testing

// Asserts that a StatusOr holds a value and moves it into `lhs`.
#define VTD_ASSERT_OK_AND_ASSIGN(lhs, expr) \
  VTD_ASSERT_OK_AND_ASSIGN_IMPL(VTD_TEST_CONCAT(vtd_test_statusor_, __LINE__), lhs, expr)
#define VTD_TEST_CONCAT_INNER(x, y) x##y
#define VTD_TEST_CONCAT(x, y) VTD_TEST_CONCAT_INNER(x, y)
#define VTD_ASSERT_OK_AND_ASSIGN_IMPL(statusor, lhs, expr)    \
  auto statusor = (expr);                                     \
  ASSERT_TRUE(statusor.ok()) << statusor.status().ToString(); \
  lhs = std::move(statusor).value()

#endif  // VTDSIM_TESTS_TESTING_STATUS_MATCHERS_H_
