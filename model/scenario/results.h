// What running a scenario produced, step by step, and its two presentations: the readable
// report and the JSON document of ../shared/scenario-format.md ("JSON output").
//
// Results are produced one step at a time and handed to a sink (runner.h); nothing here keeps
// a list of every step, so a repeat of a million DMAs costs memory only for what the caller
// chooses to keep (the JSON writer keeps the text it will print, nothing else).
#ifndef VTDSIM_MODEL_SCENARIO_RESULTS_H_
#define VTDSIM_MODEL_SCENARIO_RESULTS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "model/common/json.h"
#include "model/fault/fault_reason.h"
#include "model/scenario/scenario.h"

namespace vtd::scenario {

// The outcome of a `dma` step.
struct DmaStepResult {
  enum class Status : uint8_t {
    kOk,       // the request may proceed: `hpa` is the address of its first byte
    kFault,    // a Table 30 condition blocked it (recorded or not)
    kBlocked,  // blocked without a fault condition (e.g. a protected memory region)
  };
  Status status = Status::kOk;
  uint64_t hpa = 0;
  FaultReason reason{};
  FaultCondition condition{};  // the Table 30 row that fired (FaultConditionName: "LGN.3")
  bool recorded = false;       // a fault record was written (FRCD)
  std::string blocked_by;
  std::string unit;  // the unit that handled it; "" when no unit remaps the requester
};

// The outcome of an `interrupt` step.
struct InterruptStepResult {
  enum class Status : uint8_t { kOk, kPosted, kFault };
  Status status = Status::kOk;
  uint32_t vector = 0;
  uint32_t dest = 0;
  int trigger = 0;        // 0 edge, 1 level
  int delivery_mode = 0;  // 0 fixed, 1 lowest priority, ...
  int dest_mode = 0;      // 0 physical, 1 logical
  uint64_t pda = 0;       // posted: the descriptor address
  FaultReason reason{};
  std::string name;  // fault: the reason's name
  bool recorded = false;
};

// The outcome of a `queue` step: the queue registers after the IQT write.
struct QueueStepResult {
  uint64_t iqh = 0;
  uint64_t iqt = 0;
  uint64_t written = 0;    // descriptors this step wrote
  uint64_t processed = 0;  // descriptors the head moved over during the step
  // "" when the queue is not in error after the step; else "IQE", "ICE" or "ITE" (the FSTS
  // bit set after it: the queue is stopped), and for IQE the IQERCD.IQEI name.
  std::string error;
  std::string iqei;
};

struct StepResult {
  uint64_t index = 0;  // 0-based, repeats unrolled
  ActionKind action = ActionKind::kMmioWrite;
  const Step* step = nullptr;     // the step as loaded (label, source mark)
  std::string what;               // the action with its effective values, in words
  std::optional<uint64_t> value;  // mmio_read, mem_read
  std::optional<DmaStepResult> dma;
  std::optional<InterruptStepResult> interrupt;
  std::optional<QueueStepResult> queue;
  std::optional<uint64_t> cycles;  // from the timing hook, when one is attached
  bool ok = true;
  std::vector<std::string> failures;     // each expectation that did not hold, in words
  std::vector<std::string> notes;        // what the reader should know (no unit, diagnostics)
  std::vector<std::string> stale;        // stale cache hits the invalidation checker reported
  std::vector<std::string> explanation;  // the walk in words (explain mode), one line each
};

// What a whole run produced.
struct RunSummary {
  std::string scenario;  // its name
  std::string file;
  bool passed = true;
  uint64_t steps = 0;
  uint64_t failed = 0;
  uint64_t dma = 0;
  uint64_t dma_faults = 0;
  uint64_t interrupts = 0;
  Json stats = Json::MakeObject();  // from the timing hook ("stats" of the JSON document)
};

// ---- presentation ---------------------------------------------------------------------------

// "0x6"-style: the contract's form of a fault reason.
std::string FaultReasonJson(FaultReason reason);

// One element of the "steps" array: index, action, label (if any), result (when the action
// has one), cycles (when timed), ok; then message (when !ok), notes, stale, explanation.
Json StepResultToJson(const StepResult& step);

// The readable form of one step: "[3] dma 00:02.0 read 0x1010 (4 bytes) -> hpa 0x200010  ok",
// then indented lines for failures, notes, stale reports and the explanation.
std::string FormatStepText(const StepResult& step);

// The result of an action in words ("hpa 0x200010", "fault 0x6 LGN.3 (recorded)").
std::string FormatOutcome(const StepResult& step);

// "summary: 12 steps, 12 passed (3 DMAs, 1 fault) -- PASS".
std::string FormatSummaryText(const RunSummary& summary);

// Writes one scenario's JSON document incrementally: Begin, one AddStep per step, then
// Finish. The steps are kept as text (one compact line each), so the document's key order is
// the contract's ("scenario", "passed", "steps", "stats") without keeping step objects.
class JsonReportWriter {
 public:
  void AddStep(const StepResult& step);
  // The whole document, pretty at the top level with one step per line; `indent` spaces
  // before every line (documents inside an array).
  std::string Finish(const RunSummary& summary, int indent = 0) const;
  // The same text in pieces, without building it in one string (a million steps).
  void Emit(const RunSummary& summary, int indent,
            const std::function<void(absl::string_view)>& out) const;

 private:
  std::string steps_;
  uint64_t count_ = 0;
};

}  // namespace vtd::scenario

#endif  // VTDSIM_MODEL_SCENARIO_RESULTS_H_
