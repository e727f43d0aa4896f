#include "model/translate/legacy_walk.h"

#include <algorithm>

#include "model/common/hex.h"
#include "model/structs/address_width.h"
#include "model/structs/root_entry.h"

namespace vtd {
namespace {

constexpr std::string_view kSsLevelNames[] = {"",        "ss_pte",   "ss_pde",
                                              "ss_pdpe", "ss_pml4e", "ss_pml5e"};

// The last byte a request touches (zero-length reads: the first).
uint64_t LastByte(const DmaRequest& request) {
  return request.address + (request.size > 0 ? request.size - 1 : 0);
}

bool BelowWidth(uint64_t address, int width) { return width >= 64 || (address >> width) == 0; }

// A hardware fetch of a 64- or 128-bit entry: an error if any byte is at or above 2^HAW
// (no access is made) or outside the memory.
bool FetchEntry(const HostMemory& memory, int haw, uint64_t address, int qwords,
                MemoryAccessTag tag, uint64_t* out) {
  if (!BelowWidth(address + 8 * qwords - 1, haw)) return false;
  return qwords == 2 ? memory.HwReadAligned128(address, tag, out)
                     : memory.HwReadAligned64(address, tag, out);
}

void AddStep(WalkTrace* trace, std::string_view structure, int level, int index,
             std::string_view source, BitRange bits, uint64_t address, const uint64_t* raw,
             int qwords, Json decoded) {
  WalkStep step;
  step.structure = structure;
  step.level = level;
  step.index = index;
  step.index_source = source;
  step.index_bits = bits;
  step.entry_address = address;
  step.raw_qwords = qwords;
  if (raw != nullptr) {
    step.raw[0] = raw[0];
    if (qwords == 2) step.raw[1] = raw[1];
  }
  step.decoded = std::move(decoded);
  trace->push_back(std::move(step));
}

Completion CompletionFor(FaultResponse response) {
  switch (response) {
    case FaultResponse::kCompleterAbort:
      return Completion::kCompleterAbort;
    case FaultResponse::kSuccessNoAccess:
    case FaultResponse::kSuccessEffective:
      return Completion::kSuccess;
    default:
      return Completion::kUnsupportedRequest;
  }
}

}  // namespace

std::string_view CompletionName(Completion completion) {
  switch (completion) {
    case Completion::kSuccess:
      return "success";
    case Completion::kUnsupportedRequest:
      return "UR";
    case Completion::kCompleterAbort:
      return "CA";
  }
  return "?";
}

Json WalkStep::ToJson() const {
  Json j = Json::MakeObject();
  j.Set("structure", structure);
  if (level != 0) j.Set("level", level);
  j.Set("index", index);
  j.Set("index_bits", absl::StrFormat("%s[%d:%d]", index_source, index_bits.hi, index_bits.lo));
  j.Set("entry_address", Hex(entry_address));
  Json raw_json = Json::MakeArray();
  for (int i = 0; i < raw_qwords; ++i) raw_json.Push(Hex(raw[i]));
  j.Set("raw", std::move(raw_json));
  j.Set("fields", decoded);
  return j;
}

Fault MakeFault(std::string_view condition, const DmaRequest& request, bool fpd) {
  const FaultConditionInfo* info = FindFaultCondition(condition);
  Fault f;
  f.reason = info->reason;
  f.condition = info->name;
  f.segment = request.segment;
  f.source_id = request.source_id;
  f.address = request.address;
  f.access = request.access;
  f.request_type = request.type;
  f.pasid = request.pasid;
  f.privileged = request.privileged;
  f.execute = request.execute;
  f.qualified = GetFaultReasonInfo(info->reason).qualified;
  f.fpd = fpd;
  f.response = info->ResponseFor(request.request_class());
  f.recoverable = f.response == FaultResponse::kSuccessNoAccess ||
                  f.response == FaultResponse::kSuccessEffective;
  return f;
}

TranslateResult FaultResult(Fault fault, const std::optional<Translation>& effective) {
  TranslateResult result;
  result.completion = CompletionFor(fault.response);
  if (result.completion == Completion::kSuccess) {
    AtsCompletion ats;  // S0: R=W=U=S=0
    if (fault.response == FaultResponse::kSuccessEffective && effective.has_value()) {
      ats.read = effective->read;
      ats.write = effective->write;
      if (ats.read || ats.write) {
        ats.address = effective->page_base;
        ats.size = effective->page_size;
        ats.no_snoop = effective->snoop;
      }
      result.translation = effective;
    }
    result.ats = ats;
  }
  result.fault = std::move(fault);
  return result;
}

std::optional<Fault> CheckRootTableMode(const WalkConfig& config, const DmaRequest& request) {
  switch (config.ttm()) {
    case 3:
      return MakeFault(config.abort_dma_mode ? "RTA.4" : "RTA.1.1", request, false);
    case 2:
      return MakeFault("RTA.1.2", request, false);
    case 1:
      if (!config.scalable_mode) return MakeFault("RTA.1.3", request, false);
      return std::nullopt;
    default:
      break;
  }
  if (request.pasid.has_value()) return MakeFault("RTA.2", request, false);
  if (config.ssirwe()) return MakeFault("RTA.1.4", request, false);
  return std::nullopt;
}

FaultOr<LegacyContext> LookupLegacyContext(const WalkConfig& config, const HostMemory& memory,
                                           const DmaRequest& request, WalkTrace* trace,
                                           LegacyContext* partial) {
  if (std::optional<Fault> fault = CheckRootTableMode(config, request)) return *fault;
  LegacyContext local;
  LegacyContext& ctx = partial != nullptr ? *partial : local;
  ctx = LegacyContext{};
  const SourceId sid = request.source_id;

  // Root entry (S §3.4.2, §9.1).
  ctx.root_entry_address = config.root_table() + uint64_t{16} * sid.bus();
  uint64_t root_raw[2] = {0, 0};
  const bool root_ok = FetchEntry(memory, config.haw, ctx.root_entry_address, 2,
                                  {MemoryAccessKind::kRootEntry, 0}, root_raw);
  const RootEntry root = RootEntry::Decode(root_raw[0], root_raw[1]);
  ctx.root_raw = {root_raw[0], root_raw[1]};
  if (trace != nullptr) {
    AddStep(trace, "root_entry", 0, sid.bus(), "sid", {15, 8}, ctx.root_entry_address,
            root_ok ? root_raw : nullptr, 2, root_ok ? root.ToJson() : Json::MakeObject());
  }
  if (!root_ok) return MakeFault("LRT.1", request, false);
  if (!root.present) return MakeFault("LRT.2", request, false);
  const auto root_rsvd = RootEntry::ReservedBits(root_raw[0], root_raw[1], config.haw);
  if ((root_rsvd[0] | root_rsvd[1]) != 0) return MakeFault("LRT.3", request, false);

  // Context entry (S §9.3).
  ctx.context_entry_address = root.context_table + uint64_t{16} * sid.devfn();
  uint64_t ce_raw[2] = {0, 0};
  const bool ce_ok = FetchEntry(memory, config.haw, ctx.context_entry_address, 2,
                                {MemoryAccessKind::kContextEntry, 0}, ce_raw);
  if (trace != nullptr) {
    AddStep(trace, "context_entry", 0, sid.devfn(), "sid", {7, 0}, ctx.context_entry_address,
            ce_ok ? ce_raw : nullptr, 2,
            ce_ok ? ContextEntry::Decode(ce_raw[0], ce_raw[1]).ToJson() : Json::MakeObject());
  }
  if (!ce_ok) return MakeFault("LCT.1", request, false);
  ctx.context_read = true;
  ctx.context_raw = {ce_raw[0], ce_raw[1]};
  ctx.entry = ContextEntry::Decode(ce_raw[0], ce_raw[1]);
  const bool fpd = ctx.entry.fpd;  // evaluated even when P=0
  if (!ctx.entry.present) return MakeFault("LCT.2", request, fpd);
  const auto ce_rsvd =
      ContextEntry::ReservedBits(ce_raw[0], ce_raw[1], config.haw, DomainIdBits(config.nd));
  if ((ce_rsvd[0] | ce_rsvd[1]) != 0) return MakeFault("LCT.3", request, fpd);
  if (!SagawSupports(config.sagaw, ctx.entry.aw)) return MakeFault("LCT.4.1", request, fpd);
  switch (ctx.entry.translation_type()) {
    case TranslationType::kUntranslatedOnly:
      break;
    case TranslationType::kDeviceTlb:
      if (!config.device_tlb) return MakeFault("LCT.4.2", request, fpd);
      break;
    case TranslationType::kPassThrough:
      if (!config.pass_through) return MakeFault("LCT.4.2", request, fpd);
      break;
    case TranslationType::kReserved:
      return MakeFault("LCT.4.2", request, fpd);
  }
  return ctx;
}

FaultOr<SsWalkResult> WalkSecondStage(const WalkConfig& config, const HostMemory& memory,
                                      const SsWalkStart& start, int top_level, uint64_t iova,
                                      SsNeeds needs, const DmaRequest& request, bool fpd,
                                      WalkTrace* trace) {
  SsWalkResult result;
  const SsPteFormat format = config.pte_format();
  uint64_t table = start.table;
  bool read = start.read;
  bool write = start.write;
  for (int level = start.level; level >= 1; --level) {
    const int index = LevelIndex(iova, level);
    const uint64_t address = table + uint64_t{8} * index;
    uint64_t raw = 0;
    const bool ok =
        FetchEntry(memory, config.haw, address, 1,
                   {MemoryAccessKind::kSecondStageEntry, static_cast<int8_t>(level)}, &raw);
    if (trace != nullptr) {
      const int shift = LevelShift(level);
      AddStep(trace, kSsLevelNames[level], level, index, "iova", {shift + 8, shift}, address,
              ok ? &raw : nullptr, 1,
              ok ? SecondStagePte::Decode(raw).ToJson(level) : Json::MakeObject());
    }
    if (!ok) return MakeFault(level == top_level ? "LCT.4.3" : "LSS.1", request, fpd);
    result.records[result.record_count++] = {level, index, address, raw};
    result.level = level;
    // Only the fields the walk needs are extracted per level; the full decode is made once,
    // for the last entry read (result.leaf), where the walk stops.
    const bool pte_read = SecondStagePte::kRead.Get(raw) != 0;
    const bool pte_write = SecondStagePte::kWrite.Get(raw) != 0;
    if (!pte_read && !pte_write) {  // R=W=0: not present, the walk cannot continue
      result.leaf = SecondStagePte::Decode(raw);
      result.read = result.write = false;
      return result;
    }
    if (SecondStagePte::ReservedBits(raw, level, format) != 0) {
      return MakeFault("LSS.2", request, fpd);
    }
    read = read && pte_read;
    write = write && pte_write;
    result.read = read;
    result.write = write;
    if ((needs.read && !read) || (needs.write && !write)) {
      result.leaf = SecondStagePte::Decode(raw);
      return result;
    }
    const uint64_t pte_address = SecondStagePte::kAddress.InPlace(raw);
    const bool leaf =
        level == 1 || ((level == 2 || level == 3) && SecondStagePte::kPageSize.Get(raw) != 0);
    if (leaf) {  // SecondStagePte::IsLeaf
      result.leaf = SecondStagePte::Decode(raw);
      result.complete = true;
      result.page_size = LevelPageSize(level);
      result.page_base = pte_address & ~(result.page_size - 1);
      return result;
    }
    table = pte_address;
  }
  return result;  // start.level < 1: nothing walked
}

namespace {

Translation BaseTranslation(const ContextEntry& ce) {
  Translation t;
  t.did = ce.did;
  t.fpd = ce.fpd;
  t.tt = ce.translation_type();
  return t;
}

}  // namespace

std::optional<TranslateResult> PrepareSecondStage(const WalkConfig& config, const ContextEntry& ce,
                                                  const DmaRequest& request, SsPlan* plan) {
  const bool fpd = ce.fpd;
  const TranslationType tt = ce.translation_type();

  // LCT.5: only TT=01b admits translation requests and translated requests.
  if (request.type != RequestType::kUntranslated && tt != TranslationType::kDeviceTlb) {
    return FaultResult(MakeFault("LCT.5", request, fpd));
  }

  // Translated requests (S §4.2.5) and pass-through (S §3.9): output = input.
  if (request.type == RequestType::kTranslated || tt == TranslationType::kPassThrough) {
    const bool translated = request.type == RequestType::kTranslated;
    if (!BelowWidth(LastByte(request), config.haw)) {
      return FaultResult(MakeFault(translated ? "LGN.1.2" : "LGN.1.3", request, fpd));
    }
    if (OverlapsInterruptRange(request.address, std::max(request.size, 1))) {
      return FaultResult(MakeFault("LGN.4", request, fpd));
    }
    Translation t = BaseTranslation(ce);
    t.hpa = request.address;
    t.page_base = request.address & ~uint64_t{0xfff};
    t.read = translated ? request.access != AccessKind::kWrite : true;
    t.write = translated ? request.access != AccessKind::kRead : true;
    TranslateResult result;
    result.completion = Completion::kSuccess;
    result.translation = t;
    return result;
  }

  // Second-stage translation (S §3.7). Input limit: X = min(MGAW, AGAW(AW)).
  const bool ats = request.type == RequestType::kTranslation;
  const int width = std::min(config.mgaw, AgawBits(ce.aw));
  if (!BelowWidth(ats ? request.address : LastByte(request), width)) {
    return FaultResult(MakeFault("LGN.1.1", request, fpd));
  }
  const bool honour_nw = ats && request.no_write && config.no_write_flag;
  if (ats && OverlapsInterruptRange(request.address, 1)) {
    // S.1 / S.2 special conditions (S §4.2.3, Table 30): not a fault.
    TranslateResult result;
    result.completion = Completion::kSuccess;
    AtsCompletion c;
    c.address = request.address & ~uint64_t{0xfff};
    c.write = !honour_nw;  // S.1: R=0 W=1 U=1; S.2 (NW honoured): R=W=U=0
    c.untranslated_only = !honour_nw;
    result.ats = c;
    return result;
  }

  // Needs: untranslated reads need R (a zero-length read with ZLR accepts W alone),
  // writes W, atomics both. Translation requests collect what there is.
  SsNeeds needs;
  const bool zero_length_read =
      request.size == 0 && request.access == AccessKind::kRead && config.zlr;
  if (!ats) {
    needs.read = request.access != AccessKind::kWrite && !zero_length_read;
    needs.write = request.access != AccessKind::kRead;
  }
  plan->needs = needs;
  plan->levels = PagingLevels(ce.aw);
  plan->honour_nw = honour_nw;
  return std::nullopt;
}

void FinishSecondStageInto(const WalkConfig& config, const ContextEntry& ce,
                           const DmaRequest& request, const SsPlan& plan, const SsWalkResult& walk,
                           TranslateResult* out) {
  FinishSecondStageInto(config, ce, request, plan,
                        SsLeafView{walk.complete, walk.read, walk.level, walk.write, walk.page_base,
                                   walk.page_size, &walk.leaf},
                        out);
}

void FinishSecondStageInto(const WalkConfig& config, const ContextEntry& ce,
                           const DmaRequest& request, const SsPlan& plan, const SsLeafView& w,
                           TranslateResult* out) {
  const SecondStagePte& leaf = *w.leaf;
  const bool fpd = ce.fpd;
  const bool ats = request.type == RequestType::kTranslation;
  const bool needs_read = plan.needs.read;
  const bool needs_write = plan.needs.write;
  // Built in place in `*out` (field by field, no temporary Translation copied in: on the
  // IOTLB-hit path a whole-struct copy of freshly written bytes stalls store forwarding).
  Translation& t = out->translation.emplace();
  t.did = ce.did;  // BaseTranslation(ce)
  t.fpd = ce.fpd;
  t.tt = ce.translation_type();
  t.levels = plan.levels;
  t.leaf_level = w.level;
  t.read = w.read;
  t.write = w.write && !plan.honour_nw;
  if (w.complete) {
    t.page_size = w.page_size;
    t.page_base = w.page_base;
    t.hpa = w.page_base | (request.address & (w.page_size - 1));
    t.snoop = config.snoop_control && leaf.snoop;
    t.emt = leaf.emt;
    t.ipat = leaf.ipat;
    t.transient_mapping = config.bit62 == SsBit62::kTransientMapping && leaf.bit62;
  }

  if (!ats) {
    // Missing permission somewhere on the path (or R=W=0). A complete walk result from an
    // IOTLB entry carries the page's permissions, which may lack what this request needs.
    const bool lacks_read = needs_read && !w.read;
    const bool lacks_write = needs_write && !w.write;
    if (!w.complete || lacks_read || lacks_write) {
      // Atomics check read first.
      *out = FaultResult(MakeFault(lacks_read ? "LGN.3" : "LGN.2", request, fpd));
      return;
    }
    if (OverlapsInterruptRange(t.hpa, std::max(request.size, 1))) {
      *out = FaultResult(MakeFault("LGN.4", request, fpd));
      return;
    }
    out->completion = Completion::kSuccess;
    return;
  }

  // Translation request (S §4.2.3): effective permissions; treated as a read (NW=1 with
  // NWFS) or an atomic. Missing permissions are recoverable: Success with what there is.
  if (!w.complete) t.read = t.write = false;
  if ((t.read || t.write) && OverlapsInterruptRange(t.page_base, t.page_size)) {
    *out = FaultResult(MakeFault("LGN.4", request, fpd));
    return;
  }
  const bool lacks_read = !t.read;
  const bool lacks_write = !plan.honour_nw && !t.write;
  if (lacks_read || lacks_write) {
    const Translation effective = t;  // *out is overwritten below
    *out = FaultResult(MakeFault(lacks_read ? "LGN.3" : "LGN.2", request, fpd), effective);
    return;
  }
  out->completion = Completion::kSuccess;
  AtsCompletion& c = out->ats.emplace();
  c.address = t.page_base;
  c.size = t.page_size;
  c.read = t.read;
  c.write = t.write;
  c.no_snoop = t.snoop;
}

TranslateResult FinishSecondStage(const WalkConfig& config, const ContextEntry& ce,
                                  const DmaRequest& request, const SsPlan& plan,
                                  const SsWalkResult& w) {
  TranslateResult result;
  FinishSecondStageInto(config, ce, request, plan, w, &result);
  return result;
}

TranslateResult TranslateWithContext(const WalkConfig& config, const HostMemory& memory,
                                     const LegacyContext& context, const DmaRequest& request,
                                     WalkTrace* trace) {
  const ContextEntry& ce = context.entry;
  SsPlan plan;
  if (std::optional<TranslateResult> early = PrepareSecondStage(config, ce, request, &plan)) {
    return *std::move(early);
  }
  FaultOr<SsWalkResult> walk =
      WalkSecondStage(config, memory, SsWalkStart{ce.second_stage_root, plan.levels, true, true},
                      plan.levels, request.address, plan.needs, request, ce.fpd, trace);
  if (!walk.ok()) return FaultResult(walk.fault());
  return FinishSecondStage(config, ce, request, plan, walk.value());
}

absl::StatusOr<TranslateResult> Translate(const WalkConfig& config, const HostMemory& memory,
                                          const DmaRequest& request, WalkTrace* trace) {
  if (absl::Status s = ValidateRequest(request); !s.ok()) return s;
  if (config.ttm() == 1 && config.scalable_mode) {
    return absl::UnimplementedError("scalable-mode translation (TTM=01b) is not modeled yet");
  }
  FaultOr<LegacyContext> context = LookupLegacyContext(config, memory, request, trace);
  if (!context.ok()) return FaultResult(context.fault());
  return TranslateWithContext(config, memory, context.value(), request, trace);
}

}  // namespace vtd
