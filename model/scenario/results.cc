#include "model/scenario/results.h"

#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/common/hex.h"

namespace vtd::scenario {
namespace {

std::string_view DeliveryModeName(int mode) {
  static constexpr std::string_view kNames[] = {"fixed", "lowest", "smi",         "reserved(3)",
                                                "nmi",   "init",   "reserved(6)", "extint"};
  return mode >= 0 && mode < 8 ? kNames[mode] : "?";
}

Json CompletionJson(const AtsCompletion& c) {
  Json j = Json::MakeObject();
  j.Set("address", Hex(c.address));
  j.Set("size", Hex(c.size));
  j.Set("r", c.read);
  j.Set("w", c.write);
  j.Set("u", c.untranslated_only);
  j.Set("priv", c.privileged);
  j.Set("exe", c.execute);
  j.Set("n", c.no_snoop);
  j.Set("g", c.global);
  return j;
}

Json DmaResultJson(const DmaStepResult& d) {
  Json j = Json::MakeObject();
  if (!d.atc.empty()) j.Set("atc", d.atc);
  if (d.completion) j.Set("completion", CompletionJson(*d.completion));
  switch (d.status) {
    case DmaStepResult::Status::kOk:
      j.Set("status", "ok");
      j.Set("hpa", Hex(d.hpa));
      if (d.data) j.Set("data", DmaDataText(*d.data));
      break;
    case DmaStepResult::Status::kFault:
      j.Set("status", "fault");
      j.Set("reason", FaultReasonJson(d.reason));
      j.Set("name", FaultConditionName(d.condition));
      j.Set("recorded", d.recorded);
      break;
    case DmaStepResult::Status::kBlocked:
      j.Set("status", "blocked");
      j.Set("by", d.blocked_by);
      break;
  }
  return j;
}

Json InterruptResultJson(const InterruptStepResult& r) {
  Json j = Json::MakeObject();
  switch (r.status) {
    case InterruptStepResult::Status::kOk:
      j.Set("status", "ok");
      j.Set("vector", Hex(r.vector));
      j.Set("dest", Hex(r.dest));
      break;
    case InterruptStepResult::Status::kPosted:
      j.Set("status", "posted");
      j.Set("pda", Hex(r.pda));
      j.Set("vector", Hex(r.vector));
      break;
    case InterruptStepResult::Status::kFault:
      j.Set("status", "fault");
      j.Set("reason", FaultReasonJson(r.reason));
      j.Set("name", r.name);
      j.Set("recorded", r.recorded);
      break;
  }
  return j;
}

Json QueueResultJson(const QueueStepResult& r) {
  Json j = Json::MakeObject();
  j.Set("iqh", Hex(r.iqh));
  j.Set("iqt", Hex(r.iqt));
  j.Set("written", r.written);
  j.Set("processed", r.processed);
  if (!r.error.empty()) j.Set("error", r.error);
  if (!r.iqei.empty()) j.Set("iqei", r.iqei);
  return j;
}

Json PageRequestResultJson(const PageRequestStepResult& r) {
  Json j = Json::MakeObject();
  j.Set("status", std::string(PageRequestStatusName(r.status)));
  if (r.status == PageRequestStepResult::Status::kFault) {
    j.Set("reason", FaultReasonJson(r.reason));
    j.Set("name", std::string(FaultReasonSymbol(r.reason)));
    j.Set("condition", std::string(FaultConditionName(r.condition)));
    j.Set("recorded", r.recorded);
  } else if (r.status != PageRequestStepResult::Status::kOverflow) {
    j.Set("descriptor_address", Hex(r.descriptor_address));
  }
  return j;
}

Json ResponsesJson(const std::vector<DeliveredResponse>& responses) {
  Json a = Json::MakeArray();
  for (const DeliveredResponse& r : responses) {
    Json j = Json::MakeObject();
    j.Set("sid", absl::StrFormat("%s", SourceId(r.rid)));
    if (r.pasid) j.Set("pasid", Hex(*r.pasid));
    j.Set("prgi", Hex(r.prgi));
    j.Set("code", r.code);
    j.Set("by", r.by_hardware ? "hardware" : "software");
    a.Push(std::move(j));
  }
  return a;
}

Json MessagesJson(const std::vector<SentMessage>& messages) {
  Json a = Json::MakeArray();
  for (const SentMessage& m : messages) {
    Json j = Json::MakeObject();
    j.Set("event", std::string(SentMessageEventName(m.event)));
    if (m.event == SentMessage::Event::kPostedNotification) {
      j.Set("vector", Hex(m.vector));
      j.Set("dest", Hex(m.dest));
    } else {
      j.Set("address", Hex(m.address));
      j.Set("data", Hex(m.data));
    }
    a.Push(std::move(j));
  }
  return a;
}

Json Strings(const std::vector<std::string>& lines) {
  Json a = Json::MakeArray();
  for (const std::string& l : lines) a.Push(l);
  return a;
}

}  // namespace

absl::string_view SentMessageEventName(SentMessage::Event event) {
  switch (event) {
    case SentMessage::Event::kFaultEvent:
      return "fault_event";
    case SentMessage::Event::kInvalidationEvent:
      return "invalidation_event";
    case SentMessage::Event::kPostedNotification:
      return "posted_notification";
    case SentMessage::Event::kPageRequestEvent:
      return "page_request_event";
  }
  return "?";
}

absl::string_view PageRequestStatusName(PageRequestStepResult::Status status) {
  switch (status) {
    case PageRequestStepResult::Status::kQueued:
      return "queued";
    case PageRequestStepResult::Status::kOverflow:
      return "overflow";
    case PageRequestStepResult::Status::kWriteError:
      return "write_error";
    case PageRequestStepResult::Status::kFault:
      return "fault";
  }
  return "?";
}

std::string FormatResponse(const DeliveredResponse& r) {
  return absl::StrFormat("response to %s%s prgi %s: %s (%s)", SourceId(r.rid),
                         r.pasid ? absl::StrCat(" pasid ", Hex(*r.pasid)) : std::string(),
                         Hex(r.prgi), r.code, r.by_hardware ? "hardware" : "software");
}

std::string DmaDataText(const std::vector<uint8_t>& data) {
  if (data.size() <= 8) {
    uint64_t value = 0;
    for (size_t i = data.size(); i-- > 0;) value = (value << 8) | data[i];
    return Hex(value);
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(2 * data.size());
  for (uint8_t b : data) {
    text += kDigits[b >> 4];
    text += kDigits[b & 0xf];
  }
  return text;
}

std::string FaultReasonJson(FaultReason reason) { return Hex(static_cast<uint8_t>(reason)); }

Json StepResultToJson(const StepResult& step) {
  Json j = Json::MakeObject();
  j.Set("index", step.index);
  j.Set("action", std::string(ActionKindName(step.action)));
  if (step.step != nullptr && !step.step->label.empty()) j.Set("label", step.step->label);
  if (step.value) {
    Json r = Json::MakeObject();
    r.Set("value", Hex(*step.value));
    j.Set("result", std::move(r));
  } else if (step.dma) {
    j.Set("result", DmaResultJson(*step.dma));
  } else if (step.interrupt) {
    j.Set("result", InterruptResultJson(*step.interrupt));
  } else if (step.queue) {
    j.Set("result", QueueResultJson(*step.queue));
  } else if (step.page_request) {
    j.Set("result", PageRequestResultJson(*step.page_request));
  }
  if (!step.messages.empty()) j.Set("messages", MessagesJson(step.messages));
  if (!step.responses.empty()) j.Set("responses", ResponsesJson(step.responses));
  if (step.cycles) j.Set("cycles", *step.cycles);
  j.Set("ok", step.ok);
  if (!step.error.empty()) j.Set("error", step.error);
  if (step.alternative) j.Set("alternative", *step.alternative);
  if (!step.ok) j.Set("message", absl::StrJoin(step.failures, "; "));
  if (!step.notes.empty()) j.Set("notes", Strings(step.notes));
  if (!step.stale.empty()) j.Set("stale", Strings(step.stale));
  if (!step.explanation.empty()) j.Set("explanation", Strings(step.explanation));
  return j;
}

std::string CompletionText(const AtsCompletion& c) {
  std::string flags =
      absl::StrCat(c.read ? "r" : "", c.write ? "w" : "", c.untranslated_only ? "u" : "",
                   c.privileged ? " priv" : "", c.execute ? " exe" : "", c.no_snoop ? " n" : "",
                   c.global ? " g" : "");
  if (flags.empty()) flags = "none";
  return absl::StrCat("completion ", flags, " ", Hex(c.size), " @ ", Hex(c.address));
}

std::string FormatOutcome(const StepResult& step) {
  if (step.value) return absl::StrCat("= ", Hex(*step.value));
  if (step.dma) {
    const DmaStepResult& d = *step.dma;
    switch (d.status) {
      case DmaStepResult::Status::kOk:
        return absl::StrCat("-> hpa ", Hex(d.hpa), d.data ? " data " + DmaDataText(*d.data) : "");
      case DmaStepResult::Status::kFault:
        return absl::StrFormat("-> fault %s %s %s (%s)", FaultReasonJson(d.reason),
                               FaultConditionName(d.condition), FaultReasonSymbol(d.reason),
                               d.recorded ? "recorded" : "not recorded");
      case DmaStepResult::Status::kBlocked:
        return absl::StrCat("-> blocked by ", d.blocked_by);
    }
  }
  if (step.interrupt) {
    const InterruptStepResult& r = *step.interrupt;
    switch (r.status) {
      case InterruptStepResult::Status::kOk:
        return absl::StrFormat("-> vector %s dest %s %s %s %s", Hex(r.vector), Hex(r.dest),
                               r.trigger ? "level" : "edge", DeliveryModeName(r.delivery_mode),
                               r.dest_mode ? "logical" : "physical");
      case InterruptStepResult::Status::kPosted:
        return absl::StrFormat("-> posted to descriptor %s vector %s", Hex(r.pda), Hex(r.vector));
      case InterruptStepResult::Status::kFault:
        return absl::StrFormat("-> fault %s %s (%s)", FaultReasonJson(r.reason), r.name,
                               r.recorded ? "recorded" : "not recorded");
    }
  }
  if (step.page_request) {
    const PageRequestStepResult& p = *step.page_request;
    switch (p.status) {
      case PageRequestStepResult::Status::kQueued:
        return absl::StrCat("-> queued at ", Hex(p.descriptor_address));
      case PageRequestStepResult::Status::kOverflow:
        return "-> overflow (PRS.PRO)";
      case PageRequestStepResult::Status::kWriteError:
        return absl::StrCat("-> not written (", Hex(p.descriptor_address), " is outside memory)");
      case PageRequestStepResult::Status::kFault:
        return absl::StrFormat("-> fault %s %s %s (%s)", FaultReasonJson(p.reason),
                               FaultConditionName(p.condition), FaultReasonSymbol(p.reason),
                               p.recorded ? "recorded" : "not recorded");
    }
  }
  if (step.queue) {
    const QueueStepResult& q = *step.queue;
    std::string text =
        absl::StrFormat("-> %d processed, IQH %s IQT %s", q.processed, Hex(q.iqh), Hex(q.iqt));
    if (!q.error.empty()) absl::StrAppend(&text, " ", q.error);
    if (!q.iqei.empty()) absl::StrAppend(&text, " (", q.iqei, ")");
    return text;
  }
  return "";
}

std::string FormatSentMessage(const SentMessage& m) {
  if (m.event == SentMessage::Event::kPostedNotification) {
    return absl::StrFormat("%s vector %s dest %s", SentMessageEventName(m.event), Hex(m.vector),
                           Hex(m.dest));
  }
  return absl::StrFormat("%s address %s data %s", SentMessageEventName(m.event), Hex(m.address),
                         Hex(m.data));
}

std::string FormatStepText(const StepResult& step) {
  // One line per step ("  [index] what outcome [N cycles]", padded to 72 columns, then the
  // verdict), built by appends: a long run prints a million of these.
  std::string out;
  out.reserve(128);
  out += "  [";
  AppendDecimal(out, step.index);
  out += "] ";
  out += step.what;
  if (step.dma && step.dma->status == DmaStepResult::Status::kOk && !step.value) {
    // The common case formatted in place (the same text FormatOutcome gives).
    out += " -> hpa ";
    AppendHex(out, step.dma->hpa);
    if (step.dma->data) {
      out += " data ";
      out += DmaDataText(*step.dma->data);
    }
  } else {
    const std::string outcome = FormatOutcome(step);
    if (!outcome.empty()) {
      out += ' ';
      out += outcome;
    }
  }
  if (step.dma && !step.dma->atc.empty()) {
    out += " (atc ";
    out += step.dma->atc;
    out += ')';
  }
  if (step.dma && step.dma->completion) {
    out += ", ";
    out += CompletionText(*step.dma->completion);
  }
  if (step.cycles) {
    out += " [";
    AppendDecimal(out, *step.cycles);
    out += " cycles]";
  }
  constexpr size_t kHeadColumns = 2 + 72;
  if (out.size() < kHeadColumns) out.append(kHeadColumns - out.size(), ' ');
  out += step.ok ? " ok\n" : " FAIL\n";
  if (step.step != nullptr && !step.step->label.empty()) {
    absl::StrAppend(&out, "      label: ", step.step->label, "\n");
  }
  if (!step.error.empty()) absl::StrAppend(&out, "      error: ", step.error, "\n");
  for (const SentMessage& m : step.messages) {
    absl::StrAppend(&out, "      message: ", FormatSentMessage(m), "\n");
  }
  for (const DeliveredResponse& p : step.responses) {
    absl::StrAppend(&out, "      ", FormatResponse(p), "\n");
  }
  if (step.alternative) {
    absl::StrAppend(&out, "      any_of: alternative ", *step.alternative, " held\n");
  }
  for (const std::string& f : step.failures) absl::StrAppend(&out, "      expected: ", f, "\n");
  for (const std::string& n : step.notes) absl::StrAppend(&out, "      note: ", n, "\n");
  for (const std::string& s : step.stale) absl::StrAppend(&out, "      stale: ", s, "\n");
  for (const std::string& e : step.explanation) absl::StrAppend(&out, "      | ", e, "\n");
  return out;
}

std::string FormatSummaryText(const RunSummary& s) {
  return absl::StrFormat(
      "summary: %d steps, %d passed, %d failed (%d DMAs, %d faulted; %d "
      "interrupts) -- %s\n",
      s.steps, s.steps - s.failed, s.failed, s.dma, s.dma_faults, s.interrupts,
      s.passed ? "PASS" : "FAIL");
}

JsonReportWriter::~JsonReportWriter() {
  if (spill_ != nullptr) std::fclose(spill_);
}

void JsonReportWriter::AddStep(const StepResult& step) {
  if (count_++ > 0) steps_ += ",\n";
  steps_ += "    ";
  steps_ += StepResultToJson(step).Dump(-1);
  if (steps_.size() >= kSpillBytes) Spill();
}

void JsonReportWriter::Spill() {
  if (spill_ == nullptr) spill_ = std::tmpfile();
  // Without a temporary file (none can be created) the text stays in memory.
  if (spill_ == nullptr) return;
  if (std::fwrite(steps_.data(), 1, steps_.size(), spill_) != steps_.size()) {
    std::fclose(spill_);
    spill_ = nullptr;
    return;
  }
  steps_.clear();
}

std::string JsonReportWriter::Finish(const RunSummary& summary, int indent) {
  std::string out;
  Emit(summary, indent, [&](absl::string_view piece) { out.append(piece.data(), piece.size()); });
  return out;
}

void JsonReportWriter::Emit(const RunSummary& summary, int indent,
                            const std::function<void(absl::string_view)>& out) {
  const std::string pad(static_cast<size_t>(indent), ' ');
  out(absl::StrCat(pad, "{\n", pad, "  \"scenario\": ", JsonQuote(summary.scenario), ",\n", pad,
                   "  \"passed\": ", summary.passed ? "true" : "false", ",\n"));
  if (count_ == 0) {
    out(absl::StrCat(pad, "  \"steps\": [],\n"));
  } else {
    out(absl::StrCat(pad, "  \"steps\": [\n"));
    // Every step line gets `pad` in front (documents inside an array).
    bool line_start = true;
    auto write = [&](absl::string_view text) {
      if (indent == 0) {
        out(text);
        return;
      }
      size_t start = 0;
      while (start < text.size()) {
        if (line_start) out(pad);
        const size_t nl = text.find('\n', start);
        const size_t end = nl == absl::string_view::npos ? text.size() : nl + 1;
        out(text.substr(start, end - start));
        line_start = nl != absl::string_view::npos;
        start = end;
      }
    };
    if (spill_ != nullptr) {
      std::rewind(spill_);
      std::string chunk(size_t{64} << 10, '\0');
      size_t n;
      while ((n = std::fread(chunk.data(), 1, chunk.size(), spill_)) > 0) {
        write(absl::string_view(chunk.data(), n));
      }
      std::fseek(spill_, 0, SEEK_END);
    }
    write(steps_);
    out(absl::StrCat("\n", pad, "  ],\n"));
  }
  out(absl::StrCat(pad, "  \"stats\": ", summary.stats.Dump(-1), "\n", pad, "}"));
}

}  // namespace vtd::scenario
