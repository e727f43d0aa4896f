// What running a scenario produced, step by step, and its two presentations: the readable
// report and the JSON document of scenarios/FORMAT.md ("JSON output").
//
// Results are produced one step at a time and handed to a sink (runner.h); nothing here keeps
// a list of every step, so a repeat of a million DMAs costs memory only for what the caller
// chooses to keep (the JSON writer keeps the text it will print, nothing else).
#ifndef VTDSIM_MODEL_SCENARIO_RESULTS_H_
#define VTDSIM_MODEL_SCENARIO_RESULTS_H_

#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/string_view.h"
#include "model/common/json.h"
#include "model/fault/fault_reason.h"
#include "model/scenario/explain_model.h"
#include "model/scenario/scenario.h"
#include "model/translate/translation.h"

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
  // A read that moved data (its step expects `data`): the bytes the device received.
  std::optional<std::vector<uint8_t>> data;
  // Translation requests answered Success: the completion (S §4.2.3). With `atc: true`: the
  // device-TLB entry's completion the access used, and "hit"/"miss" in `atc`.
  std::optional<AtsCompletion> completion;
  std::string atc;
};

// "completion rw 0x1000 @ 0x500000" (flags r w u priv exe n g, size, translated address).
std::string CompletionText(const AtsCompletion& c);

// Data a DMA moved, as printed: "0x..." (the little-endian value) for at most 8 bytes, else
// the bytes in memory order as a hex string, as a `bytes:` entry writes them.
std::string DmaDataText(const std::vector<uint8_t>& data);

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

// An interrupt message the unit sent during a step (extension): the fault event (FEDATA to
// FEUADDR:FEADDR, S §7.3), the invalidation completion event (IEDATA to IEUADDR:IEADDR,
// S §6.5.2.10), or the notification event of a posted interrupt (vector NV to the APIC NDST,
// S §5.2.3). Events left pending (the control register's IM set) send nothing.
struct SentMessage {
  enum class Event : uint8_t {
    kFaultEvent,
    kInvalidationEvent,
    kPostedNotification,
    kPageRequestEvent,  // PEDATA to PEUADDR:PEADDR (S §7.5.2)
  };
  Event event = Event::kFaultEvent;
  uint64_t address = 0;  // fault and invalidation events
  uint32_t data = 0;
  uint32_t vector = 0;  // posted notification
  uint32_t dest = 0;
};
// "fault_event", "invalidation_event", "posted_notification", "page_request_event".
absl::string_view SentMessageEventName(SentMessage::Event event);

// The outcome of a `page_request` step (S §7.5).
struct PageRequestStepResult {
  enum class Status : uint8_t {
    kQueued,      // written to the page request queue at `descriptor_address`
    kOverflow,    // the queue was full: not written, PRS.PRO set
    kWriteError,  // the descriptor address was outside memory: not written
    kFault,       // blocked before the queue (Table 30, PR/PRn columns)
  };
  Status status = Status::kQueued;
  uint64_t descriptor_address = 0;
  FaultReason reason{};
  FaultCondition condition{};
  bool recorded = false;
};
// "queued", "overflow", "write_error", "fault".
absl::string_view PageRequestStatusName(PageRequestStepResult::Status status);

// A page group response (PRG Response Message) a device received during a step: one software
// submitted (page_grp_resp_dsc through the invalidation queue) or one hardware sent itself.
struct DeliveredResponse {
  uint16_t rid = 0;
  std::optional<uint32_t> pasid;  // PP=1
  uint16_t prgi = 0;
  std::string code;  // PageResponseCodeName: "success", "invalid_request", "response_failure"
  bool by_hardware = false;
};
// "response to 00:02.0 pasid 0x1 prgi 0x5: success (software)".
std::string FormatResponse(const DeliveredResponse& response);

struct StepResult {
  uint64_t index = 0;  // 0-based, repeats unrolled
  ActionKind action = ActionKind::kMmioWrite;
  const Step* step = nullptr;     // the step as loaded (label, source mark)
  std::string what;               // the action with its effective values, in words
  std::optional<uint64_t> value;  // mmio_read, mem_read
  std::optional<DmaStepResult> dma;
  std::optional<InterruptStepResult> interrupt;
  std::optional<QueueStepResult> queue;
  std::optional<PageRequestStepResult> page_request;
  std::vector<DeliveredResponse> responses;  // page group responses devices received
  std::optional<uint64_t> cycles;            // from the timing hook, when one is attached
  std::vector<SentMessage> messages;         // interrupt messages the unit sent, in order
  // Set when the step could not run (a run-time input error such as a full table pool): the
  // step failed and the run stopped after it.
  std::string error;
  // With `expect: {any_of: [...]}`: the 0-based alternative that held.
  std::optional<int> alternative;
  bool ok = true;
  std::vector<std::string> failures;     // each expectation that did not hold, in words
  std::vector<std::string> notes;        // what the reader should know (no unit, diagnostics)
  std::vector<std::string> stale;        // stale cache hits the invalidation checker reported
  std::vector<std::string> explanation;  // explain mode: ExplanationText(*explained)
  std::optional<Explanation> explained;  // explain mode: the model both renderers draw from
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
// has one), messages (when any were sent), cycles (when timed), ok; then error (a step that
// could not run), alternative (any_of), message (when !ok), notes, stale, explanation.
Json StepResultToJson(const StepResult& step);

// The readable form of one step: "[3] dma 00:02.0 read 0x1010 (4 bytes) -> hpa 0x200010  ok",
// then indented lines for failures, notes, stale reports and the explanation.
std::string FormatStepText(const StepResult& step);

// The result of an action in words ("hpa 0x200010", "fault 0x6 LGN.3 (recorded)").
std::string FormatOutcome(const StepResult& step);

// "fault_event address 0xfee00000 data 0x30".
std::string FormatSentMessage(const SentMessage& message);

// "summary: 12 steps, 12 passed (3 DMAs, 1 fault) -- PASS".
std::string FormatSummaryText(const RunSummary& summary);

// Writes one scenario's JSON document incrementally: Begin, one AddStep per step, then
// Finish. The steps are kept as text (one compact line each), so the document's key order is
// the contract's ("scenario", "passed", "steps", "stats": "passed" is known only at the end)
// without keeping step objects. Past kSpillBytes the text goes to an anonymous temporary
// file, so memory stays flat however many steps run.
class JsonReportWriter {
 public:
  static constexpr size_t kSpillBytes = size_t{1} << 20;

  JsonReportWriter() = default;
  JsonReportWriter(const JsonReportWriter&) = delete;
  JsonReportWriter& operator=(const JsonReportWriter&) = delete;
  ~JsonReportWriter();

  void AddStep(const StepResult& step);
  // The whole document, pretty at the top level with one step per line; `indent` spaces
  // before every line (documents inside an array).
  std::string Finish(const RunSummary& summary, int indent = 0);
  // The same text in pieces, without building it in one string (a million steps).
  void Emit(const RunSummary& summary, int indent,
            const std::function<void(absl::string_view)>& out);

 private:
  void Spill();

  std::string steps_;
  std::FILE* spill_ = nullptr;  // steps written before `steps_`, when they grew past the limit
  uint64_t count_ = 0;
};

}  // namespace vtd::scenario

#endif  // VTDSIM_MODEL_SCENARIO_RESULTS_H_
