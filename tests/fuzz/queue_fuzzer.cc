// libFuzzer target for queued invalidation: descriptors of every type and width, submitted in
// batches, queue wrap, queue errors (IQE/ICE/ITE) and their clearing, interleaved with DMAs
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
  return vtd::fuzz::FuzzOneInput(vtd::fuzz::Profile::kQueue, data, size);
}
