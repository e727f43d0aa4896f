// The structured input of the unit, queued-invalidation and interrupt-remapping fuzz targets:
// a platform (CAP/ECAP picked from supported variants) and a sequence of fixed-size operations
// a driver, a device or a buggy driver performs on one remapping unit. Running a program
// executes it on a RemappingUnit and checks the oracles after every operation; every step it
// performs is also written as a scenario YAML document (../shared/scenario-format.md), which
// is the target's transcript and, written to a file, a reproducer `vtdsim run` replays.
#ifndef VTDSIM_TESTS_FUZZ_UNIT_PROGRAM_H_
#define VTDSIM_TESTS_FUZZ_UNIT_PROGRAM_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vtd {
class HostMemory;
class RemappingUnit;
}  // namespace vtd

namespace vtd::fuzz {

// Which operations an input byte selects (the three targets weight them differently).
enum class Profile : uint8_t { kUnit, kQueue, kInterrupt };
const char* ProfileName(Profile profile);  // "unit", "queue", "interrupt"

enum class OpKind : uint8_t {
  kMap,         // builder: root/context/second-stage entries for one page (no invalidation)
  kMutate,      // XOR a qword of a table the builder allocated (no invalidation)
  kMmioWrite,   // any register (or raw offset), 32 or 64 bits, any value
  kMmioRead,    // any register, its value becomes the step's expectation
  kDriver,      // a driver sequence: enable, invalidations, TE off, SRTP, write-buffer flush
  kDma,         // a DMA request of any kind, to a mapped IOVA or anywhere
  kQueueSetup,  // IQT=0, IQA (width, size), GCMD.QIE
  kDescriptor,  // one invalidation descriptor at the tail; optionally submitted (IQT write)
  kIrSetup,     // IRTA (EIME, size), SIRTP, IRE (and CFI)
  kIrte,        // a remapped, posted or raw IRTE
  kInterrupt,   // an MSI or IOAPIC request, remappable or compatibility format
  kMemWrite,    // a qword anywhere in the fuzzer's regions
  // Scalable mode (S §3.4.3): root/context/PASID directory/PASID table entries and the
  // first-stage, second-stage or nested tables under them for one page (no invalidation).
  kSmMap,
  // A scalable-mode driver sequence: bring-up with TTM=01b, PASID-cache, PASID-based IOTLB
  // and device-TLB invalidation, page group responses, page request queue set-up and service.
  kSmDriver,
  kPageRequest,  // a device's page request (S §7.5)
};
inline constexpr int kOpKindCount = 15;

// One operation: the fields each kind reads are described in unit_program.cc.
struct Op {
  OpKind kind = OpKind::kMap;
  uint8_t a = 0;
  uint16_t b = 0;
  uint32_t c = 0;
  uint64_t d = 0;
  uint64_t e = 0;
};

struct Program {
  uint8_t cap_variant = 0;
  uint8_t ecap_variant = 0;
  uint8_t cap_flip = 0xff;  // a CAP bit to invert (< 64), else none
  uint8_t ecap_flip = 0xff;
  std::vector<Op> ops;
};

inline constexpr size_t kHeaderBytes = 4;
inline constexpr size_t kOpBytes = 24;  // kind, a, b, c, d, e: fixed so mutations stay aligned
inline constexpr size_t kMaxOps = 96;

// Bytes -> program (missing bytes read as zero) and back; Encode(Decode(x)) == x for inputs of
// kHeaderBytes + n * kOpBytes whose kind bytes are below kOpKindCount.
Program DecodeProgram(Profile profile, const uint8_t* data, size_t size);
std::vector<uint8_t> EncodeProgram(Profile profile, const Program& program);

struct RunResult {
  bool skipped = false;    // the CAP/ECAP pair is not one the model (or a scenario) accepts
  std::string transcript;  // the scenario YAML, with the observed (or oracle) expectations
  std::string failure;     // empty, or the oracle that failed and why
};

// Bugs planted by the oracle self-tests (oracle_test.cc), each to prove an oracle reports the
// kind of wrong answer it is for. The targets run without hooks.
struct TestHooks {
  // Before operation `index`: may change memory behind the program's back (no mem_write step,
  // nothing the clean tracker sees), so caches hold entries memory no longer has.
  std::function<void(size_t index, HostMemory& memory, RemappingUnit& unit)> before_op;
  // Rewrites the output address of every successful translation, the unit's and the pure
  // walk's alike (a bug in the walker both share).
  std::function<uint64_t(uint64_t hpa)> translated_hpa;
  // Rewrites every register value the program and the oracles read (a register-file bug).
  std::function<uint64_t(uint32_t offset, uint64_t value)> register_read;
  // The unit's invalidation checker (UnitConfig::check_invalidation).
  bool check_invalidation = true;
};

// Runs the program. With `stream_path`, every step is also appended to that file as it is
// executed (flushed before it runs, so a crash leaves the steps up to the crashing one).
// The platform of each CAP/ECAP pair is built once and brought back to its power-on state
// (RemappingUnit::Reset, memory emptied) before every run.
RunResult RunProgram(Profile profile, const Program& program, const std::string* stream_path,
                     const TestHooks* hooks = nullptr);
// Runs the program twice: the first failing oracle, the determinism oracle (the two
// transcripts differ) included, or empty. `first` receives the first run.
std::string CheckProgram(Profile profile, const Program& program, const std::string* stream_path,
                         const TestHooks* hooks = nullptr, RunResult* first = nullptr);

// Fixed programs that drive the unit the way drivers do (the targets' seeds).
std::vector<Program> SeedPrograms(Profile profile);

// The libFuzzer entry shared by the three targets: decodes, runs twice (determinism), aborts
// with the failure and the scenario on stderr when an oracle fails.
int FuzzOneInput(Profile profile, const uint8_t* data, size_t size);
// LLVMFuzzerInitialize: takes `--write-scenario=PATH` out of argv.
void ParseFlags(int* argc, char*** argv);

}  // namespace vtd::fuzz

#endif  // VTDSIM_TESTS_FUZZ_UNIT_PROGRAM_H_
