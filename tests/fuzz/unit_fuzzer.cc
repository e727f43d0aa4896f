// libFuzzer target for the unit: generated legacy-mode tables with mutations, driver and non-driver
// register sequences, DMA requests of every kind, table edits with and without invalidation
// (oracles and input format: unit_program.h). `--write-scenario=PATH` writes the input's
// scenario YAML (a reproducer for `vtdsim run` / `vtdsim explain`).
#include <cstddef>
#include <cstdint>

#include "tests/fuzz/unit_program.h"

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
  vtd::fuzz::ParseFlags(argc, argv);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return vtd::fuzz::FuzzOneInput(vtd::fuzz::Profile::kUnit, data, size);
}
