// Helpers of the oracle self-tests (oracle_test.cc, scalable_oracle_test.cc): programs, and
// bugs planted through TestHooks.
#ifndef VTDSIM_TESTS_FUZZ_ORACLE_TEST_UTIL_H_
#define VTDSIM_TESTS_FUZZ_ORACLE_TEST_UTIL_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "gtest/gtest.h"
#include "model/memory/host_memory.h"
#include "tests/fuzz/unit_program.h"

namespace vtd::fuzz {

inline Op MakeOp(OpKind kind, uint8_t a = 0, uint16_t b = 0, uint32_t c = 0, uint64_t d = 0,
                 uint64_t e = 0) {
  return Op{kind, a, b, c, d, e};
}

// The first failing oracle of `program` (run twice), which must not be skipped.
inline std::string Check(Profile profile, const Program& program, const TestHooks& hooks) {
  RunResult first;
  std::string failure = CheckProgram(profile, program, nullptr, &hooks, &first);
  EXPECT_FALSE(first.skipped);
  return failure;
}

// Rewrites the qword `from` to `to` wherever it is in the table pool, without a mem_write
// step: what software would do if it edited a table and forgot the invalidation, unseen.
inline void Replace(HostMemory& memory, uint64_t from, uint64_t to) {
  for (uint64_t a = 0x100000; a < 0x200000; a += 8) {
    if (memory.Read64(a).value() == from) ASSERT_TRUE(memory.Write64(a, to).ok());
  }
}

// The failure of `program` when the table qword `from` becomes `to` behind its back before
// operation `index` (the program alone passes), with or without the invalidation checker.
inline std::string WithTableEdit(Profile profile, const Program& program, size_t index,
                                 uint64_t from, uint64_t to, bool check_invalidation) {
  TestHooks hooks;
  hooks.check_invalidation = check_invalidation;
  EXPECT_EQ(Check(profile, program, hooks), "");
  hooks.before_op = [index, from, to](size_t at, HostMemory& memory, RemappingUnit&) {
    if (at == index) Replace(memory, from, to);
  };
  return Check(profile, program, hooks);
}

// The failure of `program` when register `offset` reads as `bug` makes of its value (the
// program alone passes).
inline std::string WithRegisterBug(Profile profile, const Program& program, uint32_t offset,
                                   uint64_t (*bug)(uint64_t)) {
  TestHooks hooks;
  EXPECT_EQ(Check(profile, program, hooks), "");
  hooks.register_read = [offset, bug](uint32_t at, uint64_t value) {
    return at == offset ? bug(value) : value;
  };
  return Check(profile, program, hooks);
}

}  // namespace vtd::fuzz

#endif  // VTDSIM_TESTS_FUZZ_ORACLE_TEST_UTIL_H_
