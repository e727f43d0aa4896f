// Fixture for first-stage (PGTT=001b) and nested (PGTT=011b) tests through the unit: a
// scalable unit with FSTS and NEST, first-stage tables and PASID entries written bit by bit
// from translation-structures.md §7, §8, §11.
#ifndef VTDSIM_TESTS_UNIT_FIRST_STAGE_FIXTURE_H_
#define VTDSIM_TESTS_UNIT_FIRST_STAGE_FIXTURE_H_

#include <cstdint>

#include "tests/unit/scalable_fixture.h"

namespace vtd {

class FirstStageUnitTest : public ScalableUnitTest {
 protected:
  void Start() {
    config_.ecap = kQemuScalablePasidEcap | kEcapFsts | kEcapNest | kEcapSmpwcs | kEcapSsads;
    CreateUnit();
    EnableScalable();
    SetSmContext();
  }
  uint64_t Hpa(const DmaOutcome& out) {
    EXPECT_TRUE(out.result.ok()) << DescribeResult(out);
    return out.result.translation.has_value() ? out.result.translation->hpa : 0;
  }
};

}  // namespace vtd

#endif  // VTDSIM_TESTS_UNIT_FIRST_STAGE_FIXTURE_H_
