#include "model/scenario/runner.h"

#include <array>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/types/span.h"
#include "model/common/hex.h"
#include "model/common/status_macros.h"
#include "model/device/ats_device.h"
#include "model/device/device_tlb.h"
#include "model/interrupt/irte.h"
#include "model/invalidation/descriptors.h"
#include "model/memory/mapped_file_memory.h"
#include "model/pagereq/page_request_descriptor.h"
#include "model/pagereq/page_request_queue.h"
#include "model/platform/platform.h"
#include "model/regs/global_command.h"
#include "model/regs/register_map.h"
#include "model/scenario/explain.h"
#include "model/scenario/table_builder.h"
#include "model/structs/pasid_entry.h"

namespace vtd::scenario {
namespace {

// Address advance of the current repeat iteration(s) (RepeatStride, summed over nesting).
struct Offsets {
  uint64_t addr = 0;
  uint64_t hpa = 0;
  uint64_t iova = 0;
  uint64_t offset = 0;  // register offset of mmio_read/mmio_write
};

// Collects the interrupt messages a unit sends (fault and invalidation completion events) into
// the current step's result. Events left pending (IM=1) send nothing and are not listed.
class MessageCollector : public UnitObserver {
 public:
  void set_step(StepResult* step) { step_ = step; }
  void OnInterruptMessage(const InterruptMessageEvent& event) override {
    if (step_ == nullptr || !event.sent) return;
    SentMessage m;
    m.event = event.source == "invalidation_event"   ? SentMessage::Event::kInvalidationEvent
              : event.source == "page_request_event" ? SentMessage::Event::kPageRequestEvent
                                                     : SentMessage::Event::kFaultEvent;
    m.address = event.address;
    m.data = event.data;
    step_->messages.push_back(m);
  }

 private:
  StepResult* step_ = nullptr;
};

// Bounded polling, as a driver's timeout loop: the model completes commands within the
// write, so the first read normally shows the status.
constexpr int kMaxPolls = 1000;

std::string_view DeliveryModeName(int mode) {
  static constexpr std::string_view kNames[] = {"fixed", "lowest", "smi",         "reserved(3)",
                                                "nmi",   "init",   "reserved(6)", "extint"};
  return kNames[mode & 7];
}

struct Route {
  std::optional<int> unit;
  std::string why;
  // What routing had to assume (no topology, unresolved scope paths) or conflicting claims:
  // reported with every step that routes this requester.
  std::vector<std::string> notes;
};

// The invalidation queue as IQA describes it (S §11.4.9.3): base (63:12), DW (11: 256-bit
// descriptors), QS (2:0: 2^QS 4 KiB pages).
struct QueueGeometry {
  explicit QueueGeometry(uint64_t iqa)
      : base(iqa & ~uint64_t{0xfff}),
        wide(((iqa >> 11) & 1) != 0),
        size(uint64_t{4096} << (iqa & 7)),
        slot(wide ? 32 : 16) {}
  uint64_t base;
  bool wide;
  uint64_t size;  // bytes
  uint64_t slot;  // bytes a descriptor takes
};

}  // namespace

class ScenarioRunner::Impl {
 public:
  Impl(const Scenario& scenario, RunOptions options) : s_(scenario), options_(std::move(options)) {}

  absl::Status Build();
  absl::StatusOr<RunSummary> Run(const StepSink& sink);

  HostMemory& memory() { return *memory_; }
  int unit_count() const { return static_cast<int>(units_.size()); }
  RemappingUnit& unit(int index) { return *units_[index]; }

 private:
  absl::Status Fail(SourceMark mark, absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(s_.Where(mark), ": ", message));
  }
  const Route& RouteRequester(uint16_t segment, SourceId sid);
  Route ComputeRoute(uint16_t segment, SourceId sid) const;
  absl::Status RunSteps(const std::vector<Step>& steps, const Offsets& offsets);
  absl::Status RunStep(const Step& step, const Offsets& offsets);
  void MmioWriteStep(const MmioWrite& w, const Offsets& o, StepResult& r);
  void MmioReadStep(const MmioRead& m, const Offsets& o, StepResult& r);
  absl::Status MemWriteStep(const MemWrite& w, const Offsets& o, StepResult& r);
  // A `memory:` entry or `mem_write` body at `addr`: its bytes, or its file window mapped.
  absl::Status WriteMemoryEntry(const MemoryEntry& m, uint64_t addr);
  absl::Status MemReadStep(const MemRead& m, const Offsets& o, StepResult& r);
  // `read_data`: the step expects the bytes a read returns, so the read moves data.
  void DmaStep(const Dma& d, bool read_data, const Offsets& o, StepResult& r);
  void InterruptStep(const Interrupt& irq, StepResult& r);
  absl::Status MapStepRun(const MapStep& m, const Offsets& o, StepResult& r);
  absl::Status EnableStepRun(const EnableStep& e, StepResult& r);
  absl::Status EnableScalable(const EnableStep& e, uint64_t root, StepResult& r);
  absl::Status QueueStepRun(const QueueStep& q, StepResult& r);
  // Software writing one descriptor (its words already in the queue's width) at queue offset
  // `at`; returns the offset of the next slot, which wraps to the base at the end (S §6.5.2).
  absl::StatusOr<uint64_t> WriteQueueSlot(const QueueGeometry& q, uint64_t at,
                                          absl::Span<const uint64_t> words);
  absl::Status IrteStepRun(const IrteStep& i, StepResult& r);
  void PageRequestStepRun(const PageRequestStep& p, StepResult& r);
  // A page group response reaching a device (the units' page-response listener).
  void OnPageResponse(const PageGroupResponseDescriptor& d);
  void CheckExpectations(const Step& step, const Offsets& o, StepResult& r);
  void CheckOne(const Expect& x, const Offsets& o, const StepResult& r,
                std::vector<std::string>& failures, std::vector<std::string>& notes) const;
  void CheckResponses(const std::vector<ResponseExpectation>& want, const StepResult& r,
                      std::vector<std::string>& failures) const;
  void CheckCompletion(const CompletionExpectation& want, const DmaStepResult& d,
                       std::vector<std::string>& failures) const;
  void CheckMessages(const std::vector<MessageExpectation>& want, const StepResult& r,
                     std::vector<std::string>& failures) const;
  void ResetStepRun(const ResetStep& reset, StepResult& r);
  void TakeDiagnostics(int unit, StepResult& r);
  // Explain mode, and this step is one to explain.
  bool Explaining(const StepResult& r) const {
    return options_.explain && (!options_.explain_step || *options_.explain_step == r.index);
  }
  std::string UnitName(int unit) const { return std::string(units_[unit]->name()); }

  const Scenario& s_;
  RunOptions options_;
  // Sparse memory that `file:` entries map raw images into, lazily.
  std::unique_ptr<MappedFileMemory> memory_;
  // The device TLBs of the platform's requesters (before units_: the units point at it).
  DeviceTlbs device_tlbs_;
  std::vector<std::unique_ptr<RemappingUnit>> units_;
  std::optional<platform::Platform> dmar_platform_;
  std::unique_ptr<TableBuilder> builder_;
  std::unique_ptr<StepTimer> timer_;
  const StepSink* sink_ = nullptr;
  RunSummary summary_;
  uint64_t next_index_ = 0;
  bool step_checks_invalidation_ = false;  // the current dma step's unit has the checker on
  std::map<uint32_t, Route> route_cache_;  // (segment << 16 | sid) -> route
  MessageCollector messages_;
  // The step being run (page group responses are listed in it) and whether the unit itself
  // is answering a page request (else software's page_grp_resp_dsc is).
  StepResult* current_ = nullptr;
  bool hardware_responding_ = false;
  bool stopped_ = false;  // a step could not run: the rest of the scenario does not run
};

absl::Status ScenarioRunner::Impl::Build() {
  absl::StatusOr<std::unique_ptr<MappedFileMemory>> memory =
      MappedFileMemory::Create(s_.platform.memory_size.value);
  if (!memory.ok()) {
    return Fail(s_.platform.memory_size.mark, memory.status().message());
  }
  memory_ = std::move(*memory);

  std::vector<vtd::UnitConfig> configs;
  if (const auto* dmar = std::get_if<DmarPlatform>(&s_.platform.source)) {
    dmar_platform_ = platform::Platform::FromDmar(dmar->table, dmar->topology);
    const int haw = dmar->table.header.host_address_width + 1;
    for (const platform::DrhdUnit& u : dmar_platform_->units()) {
      vtd::UnitConfig c;
      c.name = absl::StrCat("dmar", u.index);
      c.register_base = u.register_base;
      c.segment = u.segment;
      c.host_address_width = haw;
      configs.push_back(std::move(c));
    }
  } else {
    const auto& units = std::get<UnitsPlatform>(s_.platform.source);
    for (const scenario::UnitConfig& u : units.units) {
      vtd::UnitConfig c;
      c.name = u.name.value;
      c.register_base = u.base.value;
      c.segment = u.segment.value;
      configs.push_back(std::move(c));
    }
  }
  for (size_t i = 0; i < configs.size(); ++i) {
    vtd::UnitConfig& c = configs[i];
    c.version =
        i < s_.platform.unit_versions.size() ? s_.platform.unit_versions[i] : kDefaultVersion;
    c.cap = i < s_.platform.unit_caps.size() ? s_.platform.unit_caps[i] : kDefaultCap;
    c.ecap = i < s_.platform.unit_ecaps.size() ? s_.platform.unit_ecaps[i] : kDefaultEcap;
    c.check_invalidation =
        i < s_.platform.unit_check_invalidation.size() && s_.platform.unit_check_invalidation[i];
    absl::StatusOr<std::unique_ptr<RemappingUnit>> unit = RemappingUnit::Create(c, memory_.get());
    if (!unit.ok()) {
      return Fail(
          s_.platform.mark,
          absl::StrCat("unit ", c.name, ": the model cannot build it: ", unit.status().message()));
    }
    if (i < s_.platform.unit_device_tlb.size() &&
        s_.platform.unit_device_tlb[i] != DeviceTlbResponse::kCompleted) {
      const DeviceTlbResponse response = s_.platform.unit_device_tlb[i];
      (*unit)->set_device_tlb_responder(
          [response](const DeviceTlbInvalidation&) { return response; });
    }
    (*unit)->AddObserver(&messages_);
    (*unit)->set_page_response_listener(
        [this](const PageGroupResponseDescriptor& d) { OnPageResponse(d); });
    (*unit)->set_device_tlbs(&device_tlbs_);
    units_.push_back(std::move(*unit));
  }
  builder_ = std::make_unique<TableBuilder>(memory_.get(), s_.tables.pool_base.value,
                                            s_.tables.pool_size.value);
  if (options_.timer) {
    absl::StatusOr<std::unique_ptr<StepTimer>> timer = options_.timer(s_);
    if (!timer.ok()) return timer.status();  // already names FILE:LINE:COL
    timer_ = std::move(*timer);
    if (timer_ != nullptr) {
      for (auto& u : units_) u->AddObserver(timer_.get());
      if (MemoryObserver* mo = timer_->memory_observer()) memory_->set_observer(mo);
    }
  }
  return absl::OkStatus();
}

const Route& ScenarioRunner::Impl::RouteRequester(uint16_t segment, SourceId sid) {
  // Routing is a pure function of the platform: computed once per requester (the DMAR
  // router builds an explanation each time, which a million-DMA repeat need not pay for).
  const uint32_t key = (uint32_t{segment} << 16) | sid.value();
  auto cached = route_cache_.find(key);
  if (cached != route_cache_.end()) return cached->second;
  return route_cache_.emplace(key, ComputeRoute(segment, sid)).first->second;
}

Route ScenarioRunner::Impl::ComputeRoute(uint16_t segment, SourceId sid) const {
  Route route;
  if (dmar_platform_) {
    const platform::PciAddress address{segment, static_cast<uint8_t>(sid.bus()),
                                       static_cast<uint8_t>(sid.device()),
                                       static_cast<uint8_t>(sid.function())};
    platform::RouteResult result = dmar_platform_->Route(address);
    route.unit = result.unit;
    route.why = result.explanation;
    route.notes = std::move(result.notes);
    return route;
  }
  const auto& units = std::get<UnitsPlatform>(s_.platform.source).units;
  std::optional<int> all;
  for (size_t i = 0; i < units.size(); ++i) {
    const scenario::UnitConfig& u = units[i];
    if (u.segment.value != segment) continue;
    if (u.include_pci_all) all = static_cast<int>(i);
    for (const Located<SourceId>& s : u.scope) {
      if (s.value == sid) {
        route.unit = static_cast<int>(i);
        route.why = absl::StrFormat("%s lists %s in its scope", u.name.value, sid);
        return route;
      }
    }
  }
  if (all) {
    route.unit = all;
    route.why = absl::StrFormat(
        "%s has 'scope: all' for segment %d (INCLUDE_PCI_ALL, S §8.3) and no unit lists %s",
        units[*all].name.value, segment, sid);
  } else {
    route.why = absl::StrFormat("no unit's scope covers %s in segment %d", sid, segment);
  }
  return route;
}

void ScenarioRunner::Impl::TakeDiagnostics(int unit, StepResult& r) {
  for (const MmioDiagnostic& d : units_[unit]->TakeDiagnostics()) {
    r.notes.push_back(absl::StrFormat("%s: %s (%s at %s)", UnitName(unit), d.message,
                                      MmioDiagnosticKindName(d.kind), Hex(d.offset)));
  }
}

void SetExplanation(StepResult& r, Explanation x) {
  r.explanation = ExplanationText(x);
  r.explained = std::move(x);
}

// The register as written, or at a repeat's strided offset (named by offset only: the name
// belongs to the first iteration's register).
std::string RegisterText(const RegisterRef& reg, uint64_t advance) {
  if (advance != 0) return Hex(reg.offset + advance);
  if (reg.name.empty()) return Hex(reg.offset);
  return absl::StrFormat("%s (%s)", reg.name, Hex(reg.offset));
}

void ScenarioRunner::Impl::MmioWriteStep(const MmioWrite& w, const Offsets& o, StepResult& r) {
  RemappingUnit& unit = *units_[w.unit.index];
  const uint32_t offset = w.reg.offset + static_cast<uint32_t>(o.offset);
  r.what = absl::StrFormat("mmio_write %s %s = %s (%d-bit)", UnitName(w.unit.index),
                           RegisterText(w.reg, o.offset), Hex(w.value.value), w.width.value);
  std::optional<RegisterSnapshot> before;
  if (Explaining(r)) before = TakeRegisterSnapshot(unit);
  if (w.width.value == 64) {
    unit.WriteRegister64(offset, w.value.value);
  } else {
    unit.WriteRegister32(offset, static_cast<uint32_t>(w.value.value));
  }
  if (!w.reg.modeled) {
    r.notes.push_back(absl::StrCat(w.reg.name, " is not modeled: the write is ignored"));
  }
  TakeDiagnostics(w.unit.index, r);
  if (before) {
    RegisterWriteExplainInput in{
        UnitName(w.unit.index), &unit,         w.reg.name, offset,
        w.value.value,          w.width.value, *before,    TakeRegisterSnapshot(unit)};
    if (in.after.queue_enabled) in.run = &unit.last_queue_run();
    SetExplanation(r, ExplainRegisterWrite(in));
  }
}

void ScenarioRunner::Impl::MmioReadStep(const MmioRead& m, const Offsets& o, StepResult& r) {
  RemappingUnit& unit = *units_[m.unit.index];
  const uint32_t offset = m.reg.offset + static_cast<uint32_t>(o.offset);
  r.what = absl::StrFormat("mmio_read %s %s (%d-bit)", UnitName(m.unit.index),
                           RegisterText(m.reg, o.offset), m.width.value);
  r.value =
      m.width.value == 64 ? unit.ReadRegister64(offset) : uint64_t{unit.ReadRegister32(offset)};
  if (!m.reg.modeled) {
    r.notes.push_back(absl::StrCat(m.reg.name, " is not modeled: it reads 0"));
  }
  TakeDiagnostics(m.unit.index, r);
}

absl::Status ScenarioRunner::Impl::MemWriteStep(const MemWrite& w, const Offsets& o,
                                                StepResult& r) {
  const uint64_t addr = w.data.addr.value + o.addr;
  r.what = absl::StrFormat("mem_write %s (%d bytes)", Hex(addr),
                           w.data.file_mapped ? w.data.file_length : w.data.bytes.size());
  return WriteMemoryEntry(w.data, addr);
}

absl::Status ScenarioRunner::Impl::WriteMemoryEntry(const MemoryEntry& m, uint64_t addr) {
  absl::Status s =
      m.file_mapped
          ? memory_->MapFile(FileWindow{
                .path = m.file, .address = addr, .offset = m.file_offset, .length = m.file_length})
          : memory_->WriteBytes(addr, m.bytes);
  if (!s.ok()) return Fail(m.addr.mark, s.message());
  return absl::OkStatus();
}

absl::Status ScenarioRunner::Impl::MemReadStep(const MemRead& m, const Offsets& o, StepResult& r) {
  const uint64_t addr = m.addr.value + o.addr;
  r.what = absl::StrFormat("mem_read %s (%d-bit)", Hex(addr), m.width.value);
  absl::StatusOr<uint64_t> v = memory_->Read(addr, m.width.value / 8);
  if (!v.ok()) return Fail(m.addr.mark, v.status().message());
  r.value = *v;
  return absl::OkStatus();
}

void ScenarioRunner::Impl::DmaStep(const Dma& d, bool read_data, const Offsets& o, StepResult& r) {
  DmaRequest req;
  req.segment = d.segment.value;
  req.source_id = d.sid.value;
  req.address = d.addr.value + o.addr;
  req.size = static_cast<int>(d.size.value);
  req.access = d.access.value == DmaAccess::kWrite ? AccessKind::kWrite : AccessKind::kRead;
  switch (d.at.value) {
    case AddressType::kUntranslated:
      req.type = RequestType::kUntranslated;
      break;
    case AddressType::kTranslationRequest:
      req.type = RequestType::kTranslation;
      break;
    case AddressType::kTranslated:
      req.type = RequestType::kTranslated;
      break;
  }
  if (d.pasid) req.pasid = d.pasid->value;
  req.privileged = d.priv.value;
  req.execute = d.exec.value;
  req.no_write = d.nw.value;
  // "dma bb:dd.f write 0x1000 (64 bytes)", by appends (one of these per dma step).
  r.what = "dma ";
  AppendBdf(r.what, d.sid.value);
  absl::StrAppend(&r.what, " ", DmaAccessName(d.access.value), " ");
  AppendHex(r.what, req.address);
  r.what += " (";
  AppendDecimal(r.what, d.size.value);
  r.what += " bytes)";
  if (d.at.value != AddressType::kUntranslated) {
    absl::StrAppend(&r.what, " ", AddressTypeName(d.at.value));
  }
  if (req.pasid) {
    absl::StrAppend(&r.what, " pasid ", Hex(*req.pasid), req.privileged ? " priv" : "",
                    req.execute ? " exec" : "");
  }
  ++summary_.dma;
  const bool explain = Explaining(r);
  const Route& route = RouteRequester(req.segment, req.source_id);
  r.notes.insert(r.notes.end(), route.notes.begin(), route.notes.end());
  DmaStepResult result;
  // The bytes the DMA moves: a write's data, or room for what a read returns.
  std::vector<uint8_t> data;
  const bool moves_data = d.data.has_value() || read_data;
  if (d.data) {
    data = d.data->value;
  } else if (read_data) {
    data.resize(req.size);
  }
  if (!route.unit) {
    result.status = DmaStepResult::Status::kOk;
    result.hpa = req.address;
    if (moves_data) {
      const MemoryAccessTag tag{MemoryAccessKind::kDmaData};
      absl::Status s = d.data ? memory_->HwWriteBytes(req.address, data, tag)
                              : memory_->HwReadBytes(req.address, absl::MakeSpan(data), tag);
      if (!s.ok()) {
        result.status = DmaStepResult::Status::kBlocked;
        result.blocked_by = "beyond_memory";
      } else if (read_data) {
        result.data = std::move(data);
      }
    }
    r.notes.push_back(absl::StrFormat(
        "no remapping unit remaps %s in segment %d: the DMA is not translated (it reaches "
        "memory at its own address)",
        d.sid.value, d.segment.value));
    if (explain) {
      DmaExplainInput in;
      in.request = req;
      in.routing = route.why;
      SetExplanation(r, ExplainDma(in));
    }
    r.dma = std::move(result);
    return;
  }
  RemappingUnit& unit = *units_[*route.unit];
  result.unit = UnitName(*route.unit);
  DmaOptions dma_options;
  dma_options.trace = explain;
  DmaOutcome out;
  std::optional<AtsAccessOutcome> via_atc;
  if (d.atc.value) {
    // The device's access through its device TLB: its translation request on a miss, then
    // the translated request (or nothing, without access).
    via_atc = AccessThroughDeviceTlb(unit, device_tlbs_.For(req.segment, req.source_id), req,
                                     moves_data, absl::MakeSpan(data), dma_options);
    result.atc = via_atc->hit ? "hit" : "miss";
    if (via_atc->entry) result.completion = via_atc->entry->completion;
    if (via_atc->translation) {
      const DmaOutcome& t = *via_atc->translation;
      r.notes.push_back(absl::StrCat(
          "device: translation request for ", Hex(req.address & ~uint64_t{0xfff}), " -> ",
          t.result.ats
              ? CompletionText(*t.result.ats)
              : absl::StrCat("completion ", std::string(CompletionName(t.result.completion))),
          t.result.fault
              ? absl::StrCat(" (", std::string(FaultConditionName(t.result.fault->condition)),
                             t.recorded ? ", recorded)" : ", not recorded)")
              : ""));
    }
    if (via_atc->access) {
      out = *std::move(via_atc->access);
      if (via_atc->result == AtsAccessOutcome::Result::kUntranslated) {
        r.notes.push_back(
            "device: the completion says untranslated access only (U): sent as "
            "an untranslated request");
      }
    } else {
      r.notes.push_back(absl::StrCat("device: no request sent (",
                                     std::string(AtsAccessResultName(via_atc->result)), ")"));
      // The step reports the translation request's fault, if one denied the access.
      if (via_atc->translation) out = *std::move(via_atc->translation);
      out.blocked = true;
      out.blocked_by = via_atc->result == AtsAccessOutcome::Result::kNoPermission
                           ? "device_no_permission"
                           : "device_translation_failed";
    }
  } else {
    out = moves_data ? unit.DmaWithData(req, absl::MakeSpan(data), dma_options)
                     : unit.Dma(req, dma_options);
    if (req.type == RequestType::kTranslation && out.result.ats) {
      // The requester caches what the completion grants (its device TLB).
      result.completion = *out.result.ats;
      device_tlbs_.For(req.segment, req.source_id)
          .Fill(req.address, req.pasid, req.privileged, *out.result.ats);
    }
  }
  if (out.interrupt()) {
    r.notes.push_back(absl::StrCat(
        result.unit,
        ": FEEx_xxxxh is the interrupt address range: the request went to the "
        "interrupt path, not to memory (S §3.15)",
        out.interrupt()->fault ? "" : absl::StrCat(": ", out.interrupt()->ToString())));
  }
  if (!out.status().ok()) {
    r.notes.push_back(absl::StrCat(result.unit, " refused the request: ", out.status().message()));
  }
  if (via_atc && !via_atc->access && !out.result.fault) {
    result.status = DmaStepResult::Status::kBlocked;
    result.blocked_by = std::string(out.blocked_by);
  } else if (out.result.fault) {
    result.status = DmaStepResult::Status::kFault;
    result.reason = out.result.fault->reason;
    result.condition = out.result.fault->condition;
    result.recorded = out.recorded;
    ++summary_.dma_faults;
  } else if (out.blocked || !out.result.translation) {
    result.status = DmaStepResult::Status::kBlocked;
    result.blocked_by =
        out.blocked_by.empty()
            ? absl::StrCat("completion ", std::string(CompletionName(out.result.completion)))
            : std::string(out.blocked_by);
  } else {
    result.status = DmaStepResult::Status::kOk;
    result.hpa = out.result.translation->hpa;
    if (read_data) result.data = std::move(data);
  }
  for (const StaleEntryReport& s : out.stale()) {
    r.stale.push_back(absl::StrCat(std::string(CacheKindName(s.cache)), ": ", s.ToString()));
  }
  step_checks_invalidation_ = unit.config().check_invalidation;
  if (explain) {
    DmaExplainInput in;
    in.request = req;
    in.routing = route.why;
    in.unit_name = result.unit;
    const RegisterFile& regs = unit.registers();
    if (const auto& latched = regs.global_command().active_root_table()) {
      in.root_table_latched = latched->rtaddr;
    }
    in.rtaddr_register = regs.Get(RegId::kRtaddr);
    in.translation_enabled = regs.global_command().translation_enabled();
    in.outcome = &out;
    in.memory = memory_.get();
    SetExplanation(r, ExplainDma(in));
  }
  r.dma = std::move(result);
}

// Interrupt requests go to the unit that owns the requester (RemappingUnit::Interrupt:
// remapped, posted, passed through as compatibility format, or blocked with a Table 15
// fault). A requester no unit owns is not remapped: the MSI is decoded as compatibility
// format (S Fig. 5-1/5-2: vector = data 7:0, dest = address 19:12) and the step says so.
void ScenarioRunner::Impl::InterruptStep(const Interrupt& irq, StepResult& r) {
  ++summary_.interrupts;
  const uint64_t address = irq.address.value;
  const uint32_t data = irq.data.value;
  r.what =
      absl::StrFormat("interrupt %s address %s data %s", irq.sid.value, Hex(address), Hex(data));
  const Route& route = RouteRequester(irq.segment.value, irq.sid.value);
  r.notes.insert(r.notes.end(), route.notes.begin(), route.notes.end());
  InterruptStepResult result;
  InterruptExplainInput explain;
  explain.request.source_id = irq.sid.value;
  explain.request.segment = irq.segment.value;
  explain.request.address = address;
  explain.request.data = data;
  explain.routing = route.why;
  if (!route.unit) {
    result.status = InterruptStepResult::Status::kOk;
    result.vector = data & 0xff;
    result.delivery_mode = (data >> 8) & 7;
    result.trigger = (data >> 15) & 1;
    result.dest = (address >> 12) & 0xff;
    result.dest_mode = (address >> 2) & 1;
    r.notes.push_back(absl::StrFormat(
        "no remapping unit remaps %s in segment %d: the MSI is not remapped (decoded as "
        "compatibility format)",
        irq.sid.value, irq.segment.value));
    if (Explaining(r)) SetExplanation(r, ExplainInterrupt(explain));
    r.interrupt = result;
    return;
  }
  RemappingUnit& unit = *units_[*route.unit];
  InterruptRequest request;
  request.source_id = irq.sid.value;
  request.segment = irq.segment.value;
  request.address = address;
  request.data = data;
  InterruptTrace trace;
  if (Explaining(r)) explain.state = unit.interrupt_remapping_state();
  const InterruptOutcome out = unit.Interrupt(request, Explaining(r) ? &trace : nullptr);
  if (Explaining(r)) {
    explain.unit_name = UnitName(*route.unit);
    explain.outcome = &out;
    explain.trace = &trace;
    SetExplanation(r, ExplainInterrupt(explain));
  }
  if (out.fault) {
    result.status = InterruptStepResult::Status::kFault;
    result.reason = out.fault->reason;
    result.name = std::string(FaultReasonSymbol(out.fault->reason));
    result.recorded = out.recorded;
  } else if (out.result) {
    const InterruptMessage& m = out.result->message;
    if (out.result->disposition == InterruptDisposition::kPosted && out.result->posted) {
      result.status = InterruptStepResult::Status::kPosted;
      result.pda = out.result->posted->target.descriptor_address;
      result.vector = out.result->posted->target.vector;
      if (const std::optional<InterruptMessage>& n = out.result->posted->notification) {
        SentMessage note;
        note.event = SentMessage::Event::kPostedNotification;
        note.vector = n->vector;
        note.dest = n->destination;
        r.messages.push_back(note);
      }
    } else {
      result.status = InterruptStepResult::Status::kOk;
      result.vector = m.vector;
      result.dest = m.destination;
      result.trigger = m.level_triggered ? 1 : 0;
      result.delivery_mode = m.delivery_mode;
      result.dest_mode = m.logical_destination ? 1 : 0;
    }
    if (out.result->disposition == InterruptDisposition::kPassedThrough) {
      r.notes.push_back(absl::StrCat(UnitName(*route.unit),
                                     ": compatibility-format interrupt passed through, not "
                                     "remapped (S §5.1.4)"));
    }
  } else {
    result.status = InterruptStepResult::Status::kFault;
    r.notes.push_back("the interrupt was blocked without a fault record");
  }
  for (const StaleEntryReport& s : out.stale) {
    r.stale.push_back(absl::StrCat(std::string(CacheKindName(s.cache)), ": ", s.ToString()));
  }
  step_checks_invalidation_ = unit.config().check_invalidation;
  r.interrupt = result;
}

absl::Status ScenarioRunner::Impl::MapStepRun(const MapStep& m, const Offsets& o, StepResult& r) {
  std::optional<int> unit;
  if (m.unit) {
    unit = m.unit->index;
  } else {
    unit = RouteRequester(m.segment.value, m.sid.value).unit;
  }
  if (!unit || *unit < 0 || *unit >= unit_count()) {
    return Fail(m.sid.mark, absl::StrFormat("map: no unit remaps requester %s", m.sid.value));
  }
  MapRequest req;
  req.sid = m.sid.value;
  req.domain = m.domain.value;
  req.iova = m.iova.value + o.iova;
  req.hpa = m.hpa.value + o.hpa;
  req.size = m.size.value;
  req.page_size = m.page_size.value;
  req.read = m.read.value;
  req.write = m.write.value;
  req.levels = m.levels.value;
  req.haw = units_[*unit]->config().host_address_width;
  if (m.scalable) {
    ScalableTarget target;
    if (m.pasid) target.pasid = m.pasid->value;
    target.rid_pasid = m.rid_pasid.value;
    target.pgtt = m.pgtt.value;
    target.page_walk_snoop = ExtendedCapability::Decode(units_[*unit]->config().ecap).smpwcs;
    target.ssade = m.ssade.value;
    target.device_tlb = m.dte.value;
    target.page_requests = m.pre.value;
    target.translated_pasid = m.eptr.value;
    const auto pgtt = static_cast<PasidTranslationType>(m.pgtt.value);
    if (pgtt == PasidTranslationType::kFirstStage || pgtt == PasidTranslationType::kNested) {
      target.fs_levels = m.levels.value;
      target.sre = m.sre.value;
      target.wpe = m.wpe.value;
      target.eafe = m.eafe.value;
      target.user = m.user.value;
      target.xd = m.xd.value;
      req.levels = m.ss_levels.value;  // the nested second stage's
    }
    if (pgtt == PasidTranslationType::kNested) {
      target.gpa = m.gpa.value;
      target.ss_read = m.ss_read.value;
      target.ss_write = m.ss_write.value;
      target.ss_page_size = m.ss_page_size.value;
      if (m.guest_tables) target.guest_tables = m.guest_tables->value;
    }
    req.scalable = target;
  }
  if (m.rmrr) {
    // The identity maps the RMRRs require (S §8.4), one range at a time, 4 KiB pages.
    std::vector<std::string> ranges;
    for (const MapStep::Range& range : m.rmrr_ranges) {
      req.iova = req.hpa = range.base;
      req.size = range.size;
      req.page_size = 4096;
      absl::Status s = builder_->Map(*unit, req);
      if (!s.ok()) return Fail(m.sid.mark, s.message());
      ranges.push_back(absl::StrFormat("%s-%s", Hex(range.base), Hex(range.base + range.size - 1)));
    }
    r.what = absl::StrFormat("map %s domain %d: RMRR identity map %s, %d levels (%s)", m.sid.value,
                             req.domain, absl::StrJoin(ranges, ", "), req.levels, UnitName(*unit));
    return absl::OkStatus();
  }
  auto perm_name = [](bool read, bool write) {
    return read ? (write ? "rw" : "r") : (write ? "w" : "none");
  };
  std::string perm = perm_name(req.read, req.write);
  // Scalable mode: which PASID entry, and its PGTT (S §9.6).
  std::string pasid;
  if (req.scalable) {
    pasid = absl::StrCat(req.scalable->pasid
                             ? absl::StrCat(" pasid ", Hex(*req.scalable->pasid))
                             : absl::StrCat(" rid_pasid ", Hex(req.scalable->rid_pasid)),
                         " ", std::string(PasidTranslationTypeName(req.scalable->pgtt)));
  }
  if (req.scalable &&
      req.scalable->pgtt == static_cast<uint8_t>(PasidTranslationType::kPassThrough)) {
    r.what = absl::StrFormat("map %s domain %d:%s (%s)", m.sid.value, req.domain, pasid,
                             UnitName(*unit));
  } else {
    const bool nested =
        req.scalable && req.scalable->pgtt == static_cast<uint8_t>(PasidTranslationType::kNested);
    const std::string via =
        nested ? absl::StrFormat(" -> gpa %s", Hex(req.scalable->gpa)) : std::string();
    // A nested map has two sets of rights: the first stage's (perm) on the guest page and the
    // second stage's (ss_perm) on the host page; an access needs both (S §3.8).
    if (nested) {
      perm = absl::StrCat("first stage ", perm, ", second stage ",
                          perm_name(req.scalable->ss_read, req.scalable->ss_write));
    }
    r.what = absl::StrFormat(
        "map %s domain %d%s: iova %s-%s%s -> hpa %s %s, %s pages, %d levels (%s)", m.sid.value,
        req.domain, pasid, Hex(req.iova), Hex(req.iova + req.size - 1), via, Hex(req.hpa), perm,
        req.page_size == 4096         ? "4K"
        : req.page_size == (2u << 20) ? "2M"
                                      : "1G",
        m.levels.value, UnitName(*unit));
  }
  absl::Status s = builder_->Map(*unit, req);
  if (!s.ok()) return Fail(s_.steps.empty() ? SourceMark{} : m.sid.mark, s.message());
  return absl::OkStatus();
}

namespace {

// Reads a register up to kMaxPolls times, as a driver's timeout loop, until the bits of
// `mask` are all clear (`want_set` false) or some is set; else the step fails, naming `what`.
bool PollRegister(RemappingUnit& unit, uint32_t offset, int width, uint64_t mask, bool want_set,
                  std::string_view what, StepResult& r) {
  for (int i = 0; i < kMaxPolls; ++i) {
    const uint64_t v = width == 64 ? unit.ReadRegister64(offset) : unit.ReadRegister32(offset);
    if (((v & mask) != 0) == want_set) return true;
  }
  r.ok = false;
  r.failures.push_back(absl::StrFormat("%s never %s after %d polls", what,
                                       want_set ? "became 1" : "cleared", kMaxPolls));
  return false;
}

// One GCMD command the way the spec's recipe writes it (S §11.4.4.1): the current status with
// the one-shot bits masked off (GSTS & 96FFFFFFh), plus the command bit.
void IssueGlobalCommand(RemappingUnit& unit, uint32_t bit) {
  const RegisterFile& regs = unit.registers();
  const uint32_t status = unit.ReadRegister32(regs.OffsetOf(RegId::kGsts));
  unit.WriteRegister32(regs.OffsetOf(RegId::kGcmd), (status & 0x96ffffff) | bit);
}

}  // namespace

// The enable sequence of a driver (Linux iommu_enable_translation and friends; S §11.4.4.1,
// §11.4.5, §6.5.1): RTADDR, SRTP and wait RTPS, global context-cache invalidation, global
// IOTLB invalidation (drains when supported), write-buffer flush when CAP.RWBF, TE and wait
// TES. Every GCMD write follows the spec's recipe: status & 96FFFFFFh, one bit changed.
absl::Status ScenarioRunner::Impl::EnableStepRun(const EnableStep& e, StepResult& r) {
  const int index = e.unit.index;
  RemappingUnit& unit = *units_[index];
  uint64_t root;
  if (e.root) {
    root = e.root->value;
  } else {
    absl::StatusOr<uint64_t> t = builder_->RootTable(index);
    if (!t.ok()) return Fail(e.unit.mark, t.status().message());
    root = *t;
  }
  r.what = absl::StrFormat("enable %s: root table %s%s", UnitName(index), Hex(root),
                           e.scalable.value ? ", scalable mode" : "");
  const RegisterFile& regs = unit.registers();
  const uint32_t rtaddr = regs.OffsetOf(RegId::kRtaddr);
  const uint32_t gsts = regs.OffsetOf(RegId::kGsts);
  const uint32_t ccmd = regs.OffsetOf(RegId::kCcmd);
  const uint32_t iotlb = regs.OffsetOf(RegId::kIotlb);
  const Capability cap = Capability::Decode(unit.config().cap);

  auto poll = [&](uint32_t offset, int width, uint64_t mask, bool want_set, std::string_view what) {
    return PollRegister(unit, offset, width, mask, want_set, what, r);
  };
  auto command = [&](uint32_t bit) { IssueGlobalCommand(unit, bit); };

  if (e.scalable.value) {
    absl::Status s = EnableScalable(e, root, r);
    TakeDiagnostics(index, r);
    return s;
  }
  unit.WriteRegister64(rtaddr, root);
  command(Gcmd::kSrtp.mask());
  bool good = poll(gsts, 32, Gsts::kRtps.mask(), true, "GSTS.RTPS");
  // Global context-cache invalidation: ICC=1, CIRG=01b (S §11.4.6.1).
  unit.WriteRegister64(ccmd, (uint64_t{1} << 63) | (uint64_t{1} << 61));
  good = poll(ccmd, 64, uint64_t{1} << 63, false, "CCMD.ICC") && good;
  // Global IOTLB invalidation: IVT=1, IIRG=01b, DR/DW when supported (S §11.4.6.3).
  uint64_t iotlb_cmd = (uint64_t{1} << 63) | (uint64_t{1} << 60);
  if (cap.drd) iotlb_cmd |= uint64_t{1} << 49;
  if (cap.dwd) iotlb_cmd |= uint64_t{1} << 48;
  unit.WriteRegister64(iotlb, iotlb_cmd);
  good = poll(iotlb, 64, uint64_t{1} << 63, false, "IOTLB_REG.IVT") && good;
  if (cap.rwbf) {
    command(Gcmd::kWbf.mask());
    good = poll(gsts, 32, Gsts::kWbfs.mask(), false, "GSTS.WBFS") && good;
  }
  command(Gcmd::kTe.mask());
  good = poll(gsts, 32, Gsts::kTes.mask(), true, "GSTS.TES") && good;
  (void)good;
  TakeDiagnostics(index, r);
  return absl::OkStatus();
}

// The bring-up Linux runs on a scalable-mode unit (drivers/iommu/intel: dmar.c
// __dmar_enable_qi, iommu.c iommu_set_root_entry, iommu_enable_translation):
//  1. queued invalidation with 256-bit descriptors: IQT = 0, IQA = queue | DW | QS=1 (two
//     pages), GCMD.QIE, wait GSTS.QIES (S §6.5.2, §11.4.9.3). Skipped when QI is already on
//     with DW=1 (the scenario set it up).
//  2. RTADDR = root | TTM=01b, GCMD.SRTP, wait GSTS.RTPS (S §11.4.5).
//  3. Unless CAP.ESRTPS (SRTP then invalidates every cache itself): global context-cache
//     (cc_inv_dsc), global PASID-cache (pc_inv_dsc) and global IOTLB (iotlb_inv_dsc, drains
//     when supported) invalidation, each followed by a wait descriptor (SW=1, status to the
//     slot of the wait's queue index) and its status polled, as qi_submit_sync does
//     (S §6.5.2.1-§6.5.2.3, §6.5.2.8).
//  4. GCMD.TE, wait GSTS.TES.
absl::Status ScenarioRunner::Impl::EnableScalable(const EnableStep& e, uint64_t root,
                                                  StepResult& r) {
  const int index = e.unit.index;
  RemappingUnit& unit = *units_[index];
  const RegisterFile& regs = unit.registers();
  const uint32_t gsts = regs.OffsetOf(RegId::kGsts);
  const uint32_t iqa_reg = regs.OffsetOf(RegId::kIqa);
  const uint32_t iqt_reg = regs.OffsetOf(RegId::kIqt);
  const uint32_t fsts_reg = regs.OffsetOf(RegId::kFsts);
  const Capability cap = Capability::Decode(unit.config().cap);
  constexpr uint64_t kIqaDw = uint64_t{1} << 11;              // IQA.DW: 256-bit descriptors
  constexpr uint64_t kIqaQs = 1;                              // IQA.QS: 2^1 pages, 256 descriptors
  constexpr uint64_t kRtaddrTtmScalable = uint64_t{1} << 10;  // RTADDR.TTM = 01b
  constexpr uint64_t kQueueOffsetMask = 0x7fff0;              // IQT.QT, bits 18:4
  // Status values of the wait descriptor's slot (Linux QI_IN_USE, QI_DONE).
  constexpr uint32_t kStatusInUse = 1;
  constexpr uint32_t kStatusDone = 2;

  auto poll = [&](uint64_t mask, bool want_set, std::string_view what) {
    return PollRegister(unit, gsts, 32, mask, want_set, what, r);
  };
  auto command = [&](uint32_t bit) { IssueGlobalCommand(unit, bit); };

  absl::StatusOr<QueuePages> pages = builder_->Queue(index);
  if (!pages.ok()) return Fail(e.unit.mark, pages.status().message());
  if ((unit.ReadRegister32(gsts) & Gsts::kQies.mask()) == 0) {
    unit.WriteRegister64(iqt_reg, 0);
    unit.WriteRegister64(iqa_reg, pages->queue | kIqaDw | kIqaQs);
    command(Gcmd::kQie.mask());
    if (!poll(Gsts::kQies.mask(), true, "GSTS.QIES")) return absl::OkStatus();
  }
  const uint64_t iqa = unit.ReadRegister64(iqa_reg);
  if ((iqa & kIqaDw) == 0) {
    return Fail(e.unit.mark,
                absl::StrFormat("enable: queued invalidation is on with 128-bit descriptors "
                                "(IQA %s, DW=0); scalable mode needs DW=1 for the PASID-cache "
                                "descriptor (S §6.5.2)",
                                Hex(iqa)));
  }

  unit.WriteRegister64(regs.OffsetOf(RegId::kRtaddr), root | kRtaddrTtmScalable);
  command(Gcmd::kSrtp.mask());
  if (!poll(Gsts::kRtps.mask(), true, "GSTS.RTPS")) return absl::OkStatus();

  if (!cap.esrtps) {
    const QueueGeometry queue(iqa);
    IotlbInvalidateDescriptor iotlb;  // global
    iotlb.drain_reads = cap.drd;
    iotlb.drain_writes = cap.dwd;
    const InvalidationDescriptor flushes[] = {ContextCacheInvalidateDescriptor{},
                                              PasidCacheInvalidateDescriptor{}, iotlb};
    for (int i = 0; i < 3; ++i) {
      uint64_t tail = unit.ReadRegister64(iqt_reg) & kQueueOffsetMask;
      InvalidationWaitDescriptor wait;
      wait.status_write = true;
      wait.status_data = kStatusDone;
      // One 32-bit status slot per queue slot (the page holds 1024); the wait takes the slot
      // after the flush.
      wait.status_address = pages->status + 4 * ((((tail + 32) % queue.size) / 32) & 0x3ff);
      // The status slot says "in use" until the wait descriptor overwrites it.
      absl::Status in_use = memory_->Write(wait.status_address, 4, kStatusInUse);
      if (!in_use.ok()) return Fail(e.unit.mark, in_use.message());
      for (const InvalidationDescriptor& d : {flushes[i], InvalidationDescriptor{wait}}) {
        absl::StatusOr<std::vector<uint64_t>> words = EncodeDescriptor(d, 256);
        if (!words.ok()) return Fail(e.unit.mark, words.status().message());
        absl::StatusOr<uint64_t> next = WriteQueueSlot(queue, tail, *words);
        if (!next.ok()) return Fail(e.unit.mark, next.status().message());
        tail = *next;
      }
      unit.WriteRegister64(iqt_reg, tail);
      absl::StatusOr<uint64_t> status = memory_->Read(wait.status_address, 4);
      if (!status.ok() || *status != kStatusDone) {
        r.ok = false;
        r.failures.push_back(absl::StrFormat(
            "the %s was not completed: its wait descriptor wrote no status (FSTS %s)",
            DescribeDescriptor(flushes[i]), Hex(unit.ReadRegister32(fsts_reg))));
        return absl::OkStatus();
      }
    }
  }
  if (cap.rwbf) {
    command(Gcmd::kWbf.mask());
    if (!poll(Gsts::kWbfs.mask(), false, "GSTS.WBFS")) return absl::OkStatus();
  }
  command(Gcmd::kTe.mask());
  poll(Gsts::kTes.mask(), true, "GSTS.TES");
  return absl::OkStatus();
}

absl::StatusOr<uint64_t> ScenarioRunner::Impl::WriteQueueSlot(const QueueGeometry& q, uint64_t at,
                                                              absl::Span<const uint64_t> words) {
  for (size_t w = 0; w < words.size(); ++w) {
    VTD_RETURN_IF_ERROR(memory_->Write64(q.base + at + 8 * w, words[w]));
  }
  return (at + q.slot) % q.size;
}

// Software submitting invalidation descriptors (S §6.5.2): the queue's geometry comes from the
// unit's registers as they are now -- IQA base (63:12), DW (11: 256-bit descriptors), QS (2:0:
// 2^QS 4 KiB pages) -- and the next free slot from IQT.QT (18:4). Each descriptor is written
// at the tail, which wraps to the base at the end of the queue; then one IQT write moves the
// tail, and the unit processes the queue during that write (the contract's IQT semantics).
absl::Status ScenarioRunner::Impl::QueueStepRun(const QueueStep& q, StepResult& r) {
  const int index = q.unit.index;
  RemappingUnit& unit = *units_[index];
  const RegisterFile& regs = unit.registers();
  const uint32_t iqa_reg = regs.OffsetOf(RegId::kIqa);
  const uint32_t iqh_reg = regs.OffsetOf(RegId::kIqh);
  const uint32_t iqt_reg = regs.OffsetOf(RegId::kIqt);
  const uint32_t fsts_reg = regs.OffsetOf(RegId::kFsts);
  const uint32_t iqercd_reg = regs.OffsetOf(RegId::kIqercd);
  constexpr uint64_t kQueueOffsetMask = 0x7fff0;  // IQH.QH / IQT.QT, bits 18:4
  const uint64_t iqa = unit.ReadRegister64(iqa_reg);
  const QueueGeometry queue(iqa);
  const uint64_t base = queue.base;
  const bool wide = queue.wide;
  const uint64_t size = queue.size;
  const uint64_t slot = queue.slot;
  const uint64_t tail = unit.ReadRegister64(iqt_reg) & kQueueOffsetMask;
  const uint64_t head = unit.ReadRegister64(iqh_reg) & kQueueOffsetMask;
  std::optional<RegisterSnapshot> before;
  if (Explaining(r)) before = TakeRegisterSnapshot(unit);
  r.what =
      absl::StrFormat("queue %s: %d descriptor%s at %s (%s-bit queue %s, %d slots)",
                      UnitName(index), q.descriptors.size(), q.descriptors.size() == 1 ? "" : "s",
                      Hex(base + tail), wide ? "256" : "128", Hex(base), size / slot);
  const SourceMark mark = q.unit.mark;
  if (tail >= size || (wide && (tail & 0x10) != 0)) {
    return Fail(mark, absl::StrFormat("queue: IQT %s is not a slot of the queue (IQA %s: %d "
                                      "bytes of %d-byte descriptors); write IQT with mmio_write "
                                      "to test that error",
                                      Hex(tail), Hex(iqa), size, slot));
  }
  // A queue is full when one more descriptor would make the tail reach the head (S §6.5.2).
  const uint64_t pending = (tail + size - head) % size;
  const uint64_t adding = q.descriptors.size() * slot;
  if (pending + adding >= size) {
    return Fail(mark, absl::StrFormat("queue: %d descriptors do not fit (%d of %d slots are "
                                      "pending between IQH %s and IQT %s; at most %d free)",
                                      q.descriptors.size(), pending / slot, size / slot, Hex(head),
                                      Hex(tail), (size - pending) / slot - 1));
  }
  uint64_t at = tail;
  for (const QueueDescriptor& d : q.descriptors) {
    std::vector<uint64_t> words;
    if (d.typed) {
      absl::StatusOr<std::vector<uint64_t>> encoded = EncodeDescriptor(*d.typed, wide ? 256 : 128);
      if (!encoded.ok()) return Fail(d.mark, encoded.status().message());
      words = std::move(*encoded);
    } else {
      words = d.raw;
      if (words.size() == 4 && !wide) {
        return Fail(d.mark,
                    "queue: a 256-bit raw descriptor (4 qwords) in a 128-bit queue "
                    "(IQA.DW=0; expected 2 qwords)");
      }
      // A 128-bit descriptor in a 256-bit queue is zero-padded (S §6.5.2).
      words.resize(wide ? 4 : 2, 0);
    }
    absl::StatusOr<uint64_t> next = WriteQueueSlot(queue, at, words);
    if (!next.ok()) return Fail(d.mark, absl::StrCat("queue: ", next.status().message()));
    at = *next;
  }
  const uint32_t fsts_before = unit.ReadRegister32(fsts_reg);
  unit.WriteRegister64(iqt_reg, at);
  TakeDiagnostics(index, r);
  QueueStepResult result;
  result.iqh = unit.ReadRegister64(iqh_reg);
  result.iqt = unit.ReadRegister64(iqt_reg);
  result.written = q.descriptors.size();
  result.processed = ((result.iqh & kQueueOffsetMask) + size - head) % size / slot;
  const uint32_t fsts = unit.ReadRegister32(fsts_reg);
  constexpr uint32_t kIqe = 1u << 4, kIce = 1u << 5, kIte = 1u << 6;  // FSTS, S §11.4.7.1
  // The queue's error state after the step (a stopped queue stays in error until software
  // clears the bit, whichever step stopped it).
  if (fsts & kIqe) {
    result.error = "IQE";
    result.iqei = std::string(
        QueueErrorCodeName(static_cast<QueueErrorCode>(unit.ReadRegister64(iqercd_reg) & 0xf)));
  } else if (fsts & kIte) {
    result.error = "ITE";
  } else if (fsts & kIce) {
    result.error = "ICE";
  }
  if ((fsts_before & kIqe) != 0) {
    r.notes.push_back("FSTS.IQE was already set: the queue stays stopped until software clears it");
  }
  if (!regs.global_command().queued_invalidation_enabled()) {
    r.notes.push_back(absl::StrCat(UnitName(index),
                                   ": queued invalidation is off (GSTS.QIES=0): nothing is "
                                   "processed"));
  }
  r.queue = std::move(result);
  if (before) {
    QueueExplainInput in{UnitName(index), *before, TakeRegisterSnapshot(unit)};
    if (in.after.queue_enabled) in.run = &unit.last_queue_run();
    SetExplanation(r, ExplainQueue(in));
  }
  return absl::OkStatus();
}

void ScenarioRunner::Impl::OnPageResponse(const PageGroupResponseDescriptor& d) {
  if (current_ == nullptr) return;
  DeliveredResponse r;
  r.rid = d.rid;
  if (d.pasid_present) r.pasid = d.pasid;
  r.prgi = d.prgi;
  r.code = std::string(PageResponseCodeName(d.response_code));
  r.by_hardware = hardware_responding_;
  current_->responses.push_back(std::move(r));
}

// A device's page request (S §7.5.1) through the unit that owns the requester.
void ScenarioRunner::Impl::PageRequestStepRun(const PageRequestStep& p, StepResult& r) {
  std::optional<int> index;
  if (p.unit) {
    index = p.unit->index;
  } else {
    index = RouteRequester(p.segment.value, p.sid.value).unit;
  }
  PageRequestDescriptor d;
  d.rid = p.sid.value.value();
  d.pasid_present = p.pasid.has_value();
  d.pasid = p.pasid ? p.pasid->value : 0;
  d.execute = p.exec.value;
  d.privileged = p.priv.value;
  d.read = p.read.value;
  d.write = p.write.value;
  d.last_in_group = p.last.value;
  d.prgi = p.prgi.value;
  d.address = p.addr.value;
  const char* access = d.read ? (d.write ? "read_write" : "read") : (d.write ? "write" : "none");
  r.what = absl::StrFormat("page_request %s%s %s %s prgi %s%s%s%s", p.sid.value,
                           d.pasid_present ? absl::StrCat(" pasid ", Hex(d.pasid)) : std::string(),
                           access, Hex(d.address), Hex(d.prgi), d.last_in_group ? " last" : "",
                           d.privileged ? " priv" : "", d.execute ? " exec" : "");
  if (!index || *index < 0 || *index >= unit_count()) {
    r.ok = false;
    r.error = absl::StrFormat("no unit remaps requester %s", p.sid.value);
    return;
  }
  absl::StrAppend(&r.what, " (", UnitName(*index), ")");
  const RegisterFile& regs = units_[*index]->registers();
  PageRequestExplainInput explain{UnitName(*index),      d, regs.Get(RegId::kPqa),
                                  regs.Get(RegId::kPqt), 0, regs.Get(RegId::kPrs)};
  hardware_responding_ = true;
  PageRequestResult out = units_[*index]->PageRequest(d);
  hardware_responding_ = false;
  if (Explaining(r)) {
    explain.pqt_after = regs.Get(RegId::kPqt);
    explain.prs_after = regs.Get(RegId::kPrs);
    explain.result = &out;
    SetExplanation(r, ExplainPageRequest(explain));
  }
  TakeDiagnostics(*index, r);
  if (!out.status.ok()) {
    r.ok = false;
    r.error = std::string(out.status.message());
    return;
  }
  PageRequestStepResult result;
  if (out.fault) {
    result.status = PageRequestStepResult::Status::kFault;
    result.reason = out.fault->reason;
    result.condition = out.fault->condition;
    result.recorded = out.recorded;
  } else if (out.queued) {
    using Kind = PageRequestOutcome::Kind;
    result.status = out.queued->kind == Kind::kQueued ? PageRequestStepResult::Status::kQueued
                    : out.queued->kind == Kind::kOverflow
                        ? PageRequestStepResult::Status::kOverflow
                        : PageRequestStepResult::Status::kWriteError;
    result.descriptor_address = out.queued->descriptor_address;
  }
  r.page_request = result;
}

// Units back to reset (RemappingUnit::Reset); host memory, which the units share, keeps what
// software wrote.
void ScenarioRunner::Impl::ResetStepRun(const ResetStep& reset, StepResult& r) {
  if (reset.unit) {
    r.what = absl::StrCat("reset ", UnitName(reset.unit->index));
    units_[reset.unit->index]->Reset();
    return;
  }
  r.what = "reset every unit";
  for (auto& unit : units_) unit->Reset();
}

// Writes one IRTE (S §9.9/§9.10) as software does: a plain memory write, no invalidation.
absl::Status ScenarioRunner::Impl::IrteStepRun(const IrteStep& i, StepResult& r) {
  const int index = i.unit.index;
  RemappingUnit& unit = *units_[index];
  const uint64_t irta = unit.ReadRegister64(unit.registers().OffsetOf(RegId::kIrta));
  const uint64_t table = i.table ? i.table->value : irta & ~uint64_t{0xfff};
  const uint64_t address = table + uint64_t{i.index.value} * IrteCommon::kSizeBytes;
  absl::StatusOr<std::array<uint64_t, 2>> words =
      std::visit([](const auto& entry) { return entry.Encode(); }, i.entry);
  if (!words.ok()) return Fail(i.index.mark, absl::StrCat("irte: ", words.status().message()));
  const bool posted = std::holds_alternative<PostedIrte>(i.entry);
  r.what = absl::StrFormat("irte %s %s[%d] at %s = %s %s (%s)", UnitName(index),
                           i.table ? "table" : "IRTA", i.index.value, Hex(address),
                           Hex((*words)[0]), Hex((*words)[1]), posted ? "posted" : "remapped");
  for (int w = 0; w < 2; ++w) {
    absl::Status st = memory_->Write64(address + 8 * w, (*words)[w]);
    if (!st.ok()) return Fail(i.index.mark, absl::StrCat("irte: ", st.message()));
  }
  if (!i.table) {
    // IRTA.S (3:0): the table holds 2^(S+1) entries (S §11.4.10.1).
    const uint64_t entries = uint64_t{2} << (irta & 0xf);
    if (i.index.value >= entries) {
      r.notes.push_back(absl::StrFormat(
          "index %d is beyond the %d entries IRTA.S gives: hardware reports fault 21h for it",
          i.index.value, entries));
    }
  }
  return absl::OkStatus();
}

namespace {

std::string FaultWords(FaultReason reason) {
  return absl::StrFormat("%s (%s)", FaultReasonJson(reason), FaultReasonSymbol(reason));
}

}  // namespace

void ScenarioRunner::Impl::CheckExpectations(const Step& step, const Offsets& o, StepResult& r) {
  auto has_stale = [](const Expect& x) {
    if (x.stale) return true;
    for (const Expect& alt : x.any_of) {
      if (alt.stale) return true;
    }
    return false;
  };
  std::vector<std::string> failures;
  if (step.expect) {
    const Expect& x = *step.expect;
    CheckOne(x, o, r, failures, r.notes);
    if (!x.any_of.empty()) {
      std::vector<std::string> missed;
      for (size_t i = 0; i < x.any_of.size(); ++i) {
        std::vector<std::string> alt_failures;
        std::vector<std::string> alt_notes;
        CheckOne(x.any_of[i], o, r, alt_failures, alt_notes);
        if (alt_failures.empty()) {
          r.alternative = static_cast<int>(i);
          r.notes.insert(r.notes.end(), alt_notes.begin(), alt_notes.end());
          break;
        }
        missed.push_back(absl::StrFormat("[%d] %s", i, absl::StrJoin(alt_failures, ", ")));
      }
      if (!r.alternative) {
        failures.push_back(
            absl::StrCat("one of the any_of alternatives: ", absl::StrJoin(missed, " | ")));
      }
    }
  }
  // The invalidation checker's findings fail a step that does not expect them.
  if (step_checks_invalidation_ && !r.stale.empty() && !(step.expect && has_stale(*step.expect))) {
    failures.push_back(r.interrupt ? "no stale cache hit (the invalidation checker found one: "
                                     "software changed an interrupt-remapping table entry and "
                                     "did not invalidate, S §6.5)"
                                   : "no stale cache hit (the invalidation checker found one: "
                                     "software changed a structure and did not invalidate, "
                                     "S §6.5)");
  }
  for (std::string& f : failures) {
    r.ok = false;
    r.failures.push_back(std::move(f));
  }
}

void ScenarioRunner::Impl::CheckMessages(const std::vector<MessageExpectation>& want,
                                         const StepResult& r,
                                         std::vector<std::string>& failures) const {
  std::vector<std::string> got;
  for (const SentMessage& m : r.messages) got.push_back(FormatSentMessage(m));
  const std::string got_text = got.empty() ? "none" : absl::StrJoin(got, "; ");
  if (want.size() != r.messages.size()) {
    failures.push_back(absl::StrFormat("%d interrupt message%s, got %s", want.size(),
                                       want.size() == 1 ? "" : "s", got_text));
    return;
  }
  for (size_t i = 0; i < want.size(); ++i) {
    const MessageExpectation& w = want[i];
    const SentMessage& m = r.messages[i];
    std::vector<std::string> wrong;
    if (w.event && w.event->value != SentMessageEventName(m.event)) {
      wrong.push_back(absl::StrCat("event ", w.event->value));
    }
    const bool posted = m.event == SentMessage::Event::kPostedNotification;
    if (w.address && (posted || w.address->value != m.address)) {
      wrong.push_back(absl::StrCat("address ", Hex(w.address->value)));
    }
    if (w.data && (posted || w.data->value != m.data)) {
      wrong.push_back(absl::StrCat("data ", Hex(w.data->value)));
    }
    if (w.vector && (!posted || w.vector->value != m.vector)) {
      wrong.push_back(absl::StrCat("vector ", Hex(w.vector->value)));
    }
    if (w.dest && (!posted || w.dest->value != m.dest)) {
      wrong.push_back(absl::StrCat("dest ", Hex(w.dest->value)));
    }
    if (!wrong.empty()) {
      failures.push_back(
          absl::StrFormat("message %d with %s, got %s", i, absl::StrJoin(wrong, ", "), got[i]));
    }
  }
}

// `expect: {completion: {...}}`: each field written against the completion the step got.
void ScenarioRunner::Impl::CheckCompletion(const CompletionExpectation& want,
                                           const DmaStepResult& d,
                                           std::vector<std::string>& failures) const {
  if (!d.completion) {
    failures.push_back(
        "a translation completion, got none (the request was not answered "
        "Success)");
    return;
  }
  const AtsCompletion& c = *d.completion;
  std::vector<std::string> wrong;
  const std::pair<const std::optional<Located<bool>>*, std::pair<const char*, bool>> flags[] = {
      {&want.r, {"r", c.read}},
      {&want.w, {"w", c.write}},
      {&want.u, {"u", c.untranslated_only}},
      {&want.priv, {"priv", c.privileged}},
      {&want.exe, {"exe", c.execute}},
      {&want.n, {"n", c.no_snoop}},
      {&want.g, {"g", c.global}}};
  for (const auto& [field, got] : flags) {
    if (*field && (*field)->value != got.second) {
      wrong.push_back(absl::StrCat(got.first, " ", (*field)->value ? "1" : "0"));
    }
  }
  if (want.address && want.address->value != c.address) {
    wrong.push_back(absl::StrCat("address ", Hex(want.address->value)));
  }
  if (want.size && want.size->value != c.size) {
    wrong.push_back(absl::StrCat("size ", Hex(want.size->value)));
  }
  if (!wrong.empty()) {
    failures.push_back(
        absl::StrCat("completion with ", absl::StrJoin(wrong, ", "), ", got ", CompletionText(c)));
  }
}

// One expectation map (without its any_of) against the step's result: what did not hold goes
// to `failures`, what the reader should know to `notes`.
void ScenarioRunner::Impl::CheckOne(const Expect& x, const Offsets& o, const StepResult& r,
                                    std::vector<std::string>& failures,
                                    std::vector<std::string>& notes) const {
  auto fail = [&](std::string text) { failures.push_back(std::move(text)); };
  const bool checker_on = step_checks_invalidation_;
  if (x.value && r.value) {
    const uint64_t mask = x.mask ? x.mask->value : ~uint64_t{0};
    if ((*r.value & mask) != (x.value->value & mask)) {
      fail(x.mask ? absl::StrFormat("value %s under mask %s, got %s", Hex(x.value->value),
                                    Hex(mask), Hex(*r.value))
                  : absl::StrFormat("value %s, got %s", Hex(x.value->value), Hex(*r.value)));
    }
  }
  if (r.dma) {
    const DmaStepResult& d = *r.dma;
    if (x.hpa) {
      const uint64_t want = x.hpa->value + o.hpa;
      if (d.status != DmaStepResult::Status::kOk) {
        fail(absl::StrFormat("hpa %s, got %s", Hex(want), FormatOutcome(r).substr(3)));
      } else if (d.hpa != want) {
        fail(absl::StrFormat("hpa %s, got hpa %s", Hex(want), Hex(d.hpa)));
      }
    }
    if (x.atc_hit && (d.atc == "hit") != x.atc_hit->value) {
      fail(absl::StrFormat("atc %s, got atc %s", x.atc_hit->value ? "hit" : "miss", d.atc));
    }
    if (x.completion) CheckCompletion(*x.completion, d, failures);
    if (x.data_bytes || x.data_value) {
      std::vector<uint8_t> want;
      if (x.data_bytes) {
        want = x.data_bytes->value;
      } else {
        for (size_t i = 0; d.data && i < d.data->size(); ++i) {
          want.push_back(static_cast<uint8_t>(x.data_value->value >> (8 * i)));
        }
      }
      if (d.status != DmaStepResult::Status::kOk || !d.data) {
        fail(absl::StrFormat("data, got %s", FormatOutcome(r).substr(3)));
      } else if (*d.data != want) {
        fail(absl::StrFormat("data %s, got data %s", DmaDataText(want), DmaDataText(*d.data)));
      }
    }
    if (x.fault) {
      if (d.status != DmaStepResult::Status::kFault) {
        fail(absl::StrFormat("fault %s, got %s", x.fault->reason_text.value,
                             FormatOutcome(r).substr(3)));
      } else if (d.reason != x.fault->reason) {
        fail(absl::StrFormat("fault %s = %s, got fault %s %s", x.fault->reason_text.value,
                             FaultWords(x.fault->reason), FaultWords(d.reason),
                             FaultConditionName(d.condition)));
      } else if (const FaultConditionInfo* c = FindFaultCondition(x.fault->reason_text.value);
                 c != nullptr && c->condition != d.condition) {
        notes.push_back(absl::StrFormat(
            "expected condition %s, the model raised %s: the same reason code %s, so it holds",
            c->name, FaultConditionName(d.condition), FaultReasonJson(d.reason)));
      }
    }
  }
  if (r.dma || r.interrupt) {
    if (x.stale) {
      const std::string& want = x.stale->value;
      if (want == "none") {
        if (!r.stale.empty()) fail("no stale cache hit, got one");
      } else {
        bool found = false;
        for (const std::string& s : r.stale) {
          found |= want == "any" || s.rfind(absl::StrCat(want, ":"), 0) == 0;
        }
        if (!found) {
          fail(absl::StrFormat("a stale %s hit reported by the invalidation checker%s",
                               want == "any" ? "cache" : want,
                               checker_on ? "" : " (the checker is off: set check_invalidation)"));
        }
      }
    }
  }
  if (r.interrupt) {
    const InterruptStepResult& irq = *r.interrupt;
    using IS = InterruptStepResult::Status;
    if (x.fault) {
      if (irq.status != IS::kFault) {
        fail(absl::StrFormat("fault %s, got %s", x.fault->reason_text.value,
                             FormatOutcome(r).substr(3)));
      } else if (irq.reason != x.fault->reason) {
        fail(absl::StrFormat("fault %s, got fault %s", FaultWords(x.fault->reason),
                             FaultWords(irq.reason)));
      }
    }
    if (x.posted) {
      if (irq.status != IS::kPosted) {
        fail(absl::StrFormat("a posted interrupt, got %s", FormatOutcome(r).substr(3)));
      } else {
        if (x.posted->pda && x.posted->pda->value != irq.pda) {
          fail(absl::StrFormat("pda %s, got %s", Hex(x.posted->pda->value), Hex(irq.pda)));
        }
        if (x.posted->vector && x.posted->vector->value != irq.vector) {
          fail(absl::StrFormat("posted vector %s, got %s", Hex(x.posted->vector->value),
                               Hex(irq.vector)));
        }
      }
    }
    if (x.interrupt) {
      const InterruptExpectation& e = *x.interrupt;
      if (irq.status != IS::kOk) {
        fail(absl::StrFormat("a delivered interrupt, got %s", FormatOutcome(r).substr(3)));
      } else {
        if (e.vector && e.vector->value != irq.vector) {
          fail(absl::StrFormat("vector %s, got %s", Hex(e.vector->value), Hex(irq.vector)));
        }
        if (e.dest && e.dest->value != irq.dest) {
          fail(absl::StrFormat("dest %s, got %s", Hex(e.dest->value), Hex(irq.dest)));
        }
        if (e.trigger && e.trigger->value != irq.trigger) {
          fail(absl::StrFormat("trigger %s, got %s", e.trigger->value ? "level" : "edge",
                               irq.trigger ? "level" : "edge"));
        }
        if (e.delivery_mode && e.delivery_mode->value != irq.delivery_mode) {
          fail(absl::StrFormat("delivery_mode %s, got %s", DeliveryModeName(e.delivery_mode->value),
                               DeliveryModeName(irq.delivery_mode)));
        }
        if (e.dest_mode && e.dest_mode->value != irq.dest_mode) {
          fail(absl::StrFormat("dest_mode %s, got %s", e.dest_mode->value ? "logical" : "physical",
                               irq.dest_mode ? "logical" : "physical"));
        }
      }
    }
  }
  if (r.queue) {
    if (x.processed && r.queue->processed != x.processed->value) {
      fail(absl::StrFormat("%d descriptors processed, got %d", x.processed->value,
                           r.queue->processed));
    }
    if (x.queue_error) {
      const std::string got =
          r.queue->error.empty() ? "none" : absl::AsciiStrToLower(r.queue->error);
      if (got != x.queue_error->value) {
        fail(absl::StrFormat("queue error %s, got %s%s", x.queue_error->value, got,
                             r.queue->iqei.empty() ? "" : absl::StrCat(" (", r.queue->iqei, ")")));
      }
    }
  }
  if (x.cycles || x.cycles_max) {
    if (!r.cycles) {
      fail(absl::StrFormat(
          "%s %d cycles, but the step has no cycle count (no timing model is "
          "attached)",
          x.cycles ? "exactly" : "at most", x.cycles ? x.cycles->value : x.cycles_max->value));
    } else if (x.cycles && *r.cycles != x.cycles->value) {
      fail(absl::StrFormat("%d cycles, got %d", x.cycles->value, *r.cycles));
    } else if (x.cycles_max && *r.cycles > x.cycles_max->value) {
      fail(absl::StrFormat("at most %d cycles, got %d", x.cycles_max->value, *r.cycles));
    }
  }
  if (x.recorded && !r.page_request) {
    bool recorded = false;
    bool fault = false;
    if (r.dma) {
      fault = r.dma->status == DmaStepResult::Status::kFault;
      recorded = fault && r.dma->recorded;
    } else if (r.interrupt) {
      fault = r.interrupt->status == InterruptStepResult::Status::kFault;
      recorded = fault && r.interrupt->recorded;
    }
    if (x.recorded->value != recorded) {
      fail(x.recorded->value ? absl::StrFormat("a recorded fault, got %s",
                                               fault ? "a fault that was not recorded" : "no fault")
                             : "no fault record, got a recorded fault");
    }
  }
  if (x.messages) CheckMessages(*x.messages, r, failures);
  if (r.page_request) {
    const PageRequestStepResult& p = *r.page_request;
    const std::string got = FormatOutcome(r).substr(3);
    if (x.outcome && x.outcome->value != PageRequestStatusName(p.status)) {
      fail(absl::StrFormat("outcome %s, got %s", x.outcome->value, got));
    }
    if (x.at && (p.status != PageRequestStepResult::Status::kQueued ||
                 p.descriptor_address != x.at->value)) {
      fail(absl::StrFormat("a descriptor queued at %s, got %s", Hex(x.at->value), got));
    }
    if (x.fault) {
      if (p.status != PageRequestStepResult::Status::kFault) {
        fail(absl::StrFormat("fault %s, got %s", x.fault->reason_text.value, got));
      } else if (p.reason != x.fault->reason) {
        fail(absl::StrFormat("fault %s = %s, got %s", x.fault->reason_text.value,
                             FaultWords(x.fault->reason), got));
      }
    }
    if (x.recorded) {
      const bool recorded = p.status == PageRequestStepResult::Status::kFault && p.recorded;
      if (x.recorded->value != recorded) {
        fail(x.recorded->value ? absl::StrCat("a recorded fault, got ", got)
                               : "no fault record, got a recorded fault");
      }
    }
  }
  if (x.responses) CheckResponses(*x.responses, r, failures);
}

void ScenarioRunner::Impl::CheckResponses(const std::vector<ResponseExpectation>& want,
                                          const StepResult& r,
                                          std::vector<std::string>& failures) const {
  std::vector<std::string> got;
  for (const DeliveredResponse& d : r.responses) got.push_back(FormatResponse(d));
  const std::string got_text = got.empty() ? "none" : absl::StrJoin(got, "; ");
  if (want.size() != r.responses.size()) {
    failures.push_back(absl::StrFormat("%d page group response%s, got %s", want.size(),
                                       want.size() == 1 ? "" : "s", got_text));
    return;
  }
  for (size_t i = 0; i < want.size(); ++i) {
    const ResponseExpectation& w = want[i];
    const DeliveredResponse& d = r.responses[i];
    std::vector<std::string> wrong;
    if (w.sid && w.sid->value.value() != d.rid) {
      wrong.push_back(absl::StrFormat("sid %s", w.sid->value));
    }
    if (w.pasid && (!d.pasid || *d.pasid != w.pasid->value)) {
      wrong.push_back(absl::StrCat("pasid ", Hex(w.pasid->value)));
    }
    if (w.prgi && w.prgi->value != d.prgi)
      wrong.push_back(absl::StrCat("prgi ", Hex(w.prgi->value)));
    if (w.code && w.code->value != d.code) wrong.push_back(absl::StrCat("code ", w.code->value));
    if (w.by && w.by->value != (d.by_hardware ? "hardware" : "software")) {
      wrong.push_back(absl::StrCat("by ", w.by->value));
    }
    if (!wrong.empty()) {
      failures.push_back(
          absl::StrFormat("response %d with %s, got %s", i, absl::StrJoin(wrong, ", "), got[i]));
    }
  }
}

absl::Status ScenarioRunner::Impl::RunStep(const Step& step, const Offsets& o) {
  StepResult r;
  r.index = next_index_++;
  r.action = step.kind();
  r.step = &step;
  // The platform's facts (what was masked, ignored fields) go with the first step.
  if (r.index == 0) r.notes = s_.platform.notes;
  step_checks_invalidation_ = false;
  messages_.set_step(&r);
  current_ = &r;
  if (timer_) timer_->BeginStep();
  absl::Status status;
  switch (step.kind()) {
    case ActionKind::kMmioWrite:
      MmioWriteStep(std::get<MmioWrite>(step.action), o, r);
      break;
    case ActionKind::kMmioRead:
      MmioReadStep(std::get<MmioRead>(step.action), o, r);
      break;
    case ActionKind::kMemWrite:
      status = MemWriteStep(std::get<MemWrite>(step.action), o, r);
      break;
    case ActionKind::kMemRead:
      status = MemReadStep(std::get<MemRead>(step.action), o, r);
      break;
    case ActionKind::kDma:
      DmaStep(std::get<Dma>(step.action),
              step.expect && (step.expect->data_bytes || step.expect->data_value), o, r);
      break;
    case ActionKind::kInterrupt:
      InterruptStep(std::get<Interrupt>(step.action), r);
      break;
    case ActionKind::kMap:
      status = MapStepRun(std::get<MapStep>(step.action), o, r);
      break;
    case ActionKind::kEnable:
      status = EnableStepRun(std::get<EnableStep>(step.action), r);
      break;
    case ActionKind::kRepeat:
      return absl::InternalError("repeat is unrolled by RunSteps");
    case ActionKind::kQueue:
      status = QueueStepRun(std::get<QueueStep>(step.action), r);
      break;
    case ActionKind::kIrte:
      status = IrteStepRun(std::get<IrteStep>(step.action), r);
      break;
    case ActionKind::kReset:
      ResetStepRun(std::get<ResetStep>(step.action), r);
      break;
    case ActionKind::kPageRequest:
      PageRequestStepRun(std::get<PageRequestStep>(step.action), r);
      break;
  }
  messages_.set_step(nullptr);
  current_ = nullptr;
  if (timer_) {
    const std::optional<uint64_t> cycles = timer_->EndStep();
    // Software memory accesses and the map builder involve no unit: no hardware cycles.
    const ActionKind k = step.kind();
    if (k != ActionKind::kMemRead && k != ActionKind::kMemWrite && k != ActionKind::kMap &&
        k != ActionKind::kIrte && k != ActionKind::kReset) {
      r.cycles = cycles;
    }
  }
  if (!status.ok()) {
    // An input error only running could find (the table pool full, a map that conflicts
    // with an existing context entry, a queue without room): the step fails with the error
    // and nothing after it runs, so the report stays complete.
    r.error = std::string(status.message());
    r.ok = false;
    r.failures.push_back(absl::StrCat("the step could not run: ", status.message()));
    r.notes.push_back("the scenario stopped here: later steps did not run");
    stopped_ = true;
    ++summary_.steps;
    ++summary_.failed;
    summary_.passed = false;
    (*sink_)(r);
    return absl::OkStatus();
  }
  if (Explaining(r) && !r.explained) {
    const RemappingUnit* unit = nullptr;
    if (const auto* m = std::get_if<MmioRead>(&step.action)) unit = units_[m->unit.index].get();
    if (const auto* e = std::get_if<EnableStep>(&step.action)) unit = units_[e->unit.index].get();
    if (const auto* i = std::get_if<IrteStep>(&step.action)) unit = units_[i->unit.index].get();
    SetExplanation(r, ExplainSoftwareStep(step, r.what, r.value, unit));
  }
  CheckExpectations(step, o, r);
  ++summary_.steps;
  if (!r.ok) {
    ++summary_.failed;
    summary_.passed = false;
  }
  (*sink_)(r);
  return absl::OkStatus();
}

absl::Status ScenarioRunner::Impl::RunSteps(const std::vector<Step>& steps, const Offsets& o) {
  for (const Step& step : steps) {
    if (stopped_) return absl::OkStatus();
    if (step.kind() != ActionKind::kRepeat) {
      absl::Status s = RunStep(step, o);
      if (!s.ok()) return s;
      continue;
    }
    const RepeatStep& rep = std::get<RepeatStep>(step.action);
    Offsets inner = o;
    for (uint64_t i = 0; i < rep.count.value && !stopped_; ++i) {
      absl::Status s = RunSteps(rep.steps, inner);
      if (!s.ok()) return s;
      inner.addr += rep.stride.addr;
      inner.hpa += rep.stride.hpa;
      inner.iova += rep.stride.iova;
      inner.offset += rep.stride.offset;
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<RunSummary> ScenarioRunner::Impl::Run(const StepSink& sink) {
  sink_ = &sink;
  summary_ = RunSummary{};
  summary_.scenario = s_.name.value;
  summary_.file = s_.file;
  next_index_ = 0;
  stopped_ = false;
  for (const MemoryEntry& m : s_.memory) {
    VTD_RETURN_IF_ERROR(WriteMemoryEntry(m, m.addr.value));
  }
  absl::Status st = RunSteps(s_.steps, Offsets{});
  if (!st.ok()) return st;
  if (timer_) summary_.stats = timer_->Stats();
  return summary_;
}

ScenarioRunner::ScenarioRunner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ScenarioRunner::~ScenarioRunner() = default;

absl::StatusOr<std::unique_ptr<ScenarioRunner>> ScenarioRunner::Create(const Scenario& scenario,
                                                                       RunOptions options) {
  auto impl = std::make_unique<Impl>(scenario, std::move(options));
  absl::Status s = impl->Build();
  if (!s.ok()) return s;
  return std::unique_ptr<ScenarioRunner>(new ScenarioRunner(std::move(impl)));
}

absl::StatusOr<RunSummary> ScenarioRunner::Run(const StepSink& sink) { return impl_->Run(sink); }
HostMemory& ScenarioRunner::memory() { return impl_->memory(); }
int ScenarioRunner::unit_count() const { return impl_->unit_count(); }
RemappingUnit& ScenarioRunner::unit(int index) { return impl_->unit(index); }

absl::StatusOr<CollectedRun> RunAndCollect(const Scenario& scenario, RunOptions options) {
  absl::StatusOr<std::unique_ptr<ScenarioRunner>> runner =
      ScenarioRunner::Create(scenario, std::move(options));
  if (!runner.ok()) return runner.status();
  CollectedRun run;
  absl::StatusOr<RunSummary> summary =
      (*runner)->Run([&](const StepResult& step) { run.steps.push_back(step); });
  if (!summary.ok()) return summary.status();
  run.summary = std::move(*summary);
  return run;
}

}  // namespace vtd::scenario
