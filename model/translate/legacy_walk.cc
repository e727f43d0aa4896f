#include "model/translate/legacy_walk.h"

#include <algorithm>
#include <utility>

#include "model/common/hex.h"
#include "model/structs/address_width.h"
#include "model/structs/root_entry.h"

namespace vtd {

std::optional<Fault> CheckRootTableModeFaults(const WalkConfig& config, const DmaRequest& request) {
  switch (config.ttm()) {
    case 3:
      return MakeFault(config.ecap.adms ? FaultCondition::kRta4 : FaultCondition::kRta1_1, request,
                       false);
    case 2:
      return MakeFault(FaultCondition::kRta1_2, request, false);
    case 1:
      if (!config.ecap.smts) return MakeFault(FaultCondition::kRta1_3, request, false);
      return std::nullopt;
    default:
      break;
  }
  if (request.pasid.has_value()) return MakeFault(FaultCondition::kRta2, request, false);
  if (config.ssirwe()) return MakeFault(FaultCondition::kRta1_4, request, false);
  return std::nullopt;
}

FaultOr<LegacyContext> LookupLegacyContext(const WalkConfig& config, const LegacyEntryMasks& masks,
                                           const HostMemory& memory, const DmaRequest& request,
                                           WalkTrace* trace, LegacyContext* partial) {
  LegacyContext local;
  LegacyContext& ctx = partial != nullptr ? *partial : local;
  ctx = LegacyContext{};
  std::optional<Fault> fault = LookupLegacyContextInto(config, masks, memory, request, trace, &ctx);
  ctx.entry = ContextEntry::Decode(ctx.context_raw[0], ctx.context_raw[1]);
  if (fault.has_value()) return *std::move(fault);
  return ctx;
}

FaultOr<LegacyContext> LookupLegacyContext(const WalkConfig& config, const HostMemory& memory,
                                           const DmaRequest& request, WalkTrace* trace,
                                           LegacyContext* partial) {
  return LookupLegacyContext(config, LegacyEntryMasks::For(config), memory, request, trace,
                             partial);
}

LegacyWalkFormats::LegacyWalkFormats(const WalkConfig& config)
    : masks(LegacyEntryMasks::For(config)),
      second_stage(SecondStageFormat::Legacy(config.pte_format())) {}

LegacyEntryMasks LegacyEntryMasks::For(const WalkConfig& config) {
  LegacyEntryMasks m;
  m.root = RootEntry::ReservedMask(config.haw);
  for (uint8_t tt = 0; tt < 4; ++tt) {
    m.context[tt] = ContextEntry::ReservedMask(config.haw, config.cap.domain_id_bits(), tt);
  }
  return m;
}

std::optional<Fault> LookupLegacyContextInto(const WalkConfig& config,
                                             const LegacyEntryMasks& masks,
                                             const HostMemory& memory, const DmaRequest& request,
                                             WalkTrace* trace, LegacyContextRead* out) {
  if (std::optional<Fault> fault = CheckRootTableMode(config, request)) return fault;
  LegacyContextRead& ctx = *out;
  const SourceId sid = request.source_id;
  const WalkMemory port(memory, config.haw);

  // Root entry (S §3.4.2, §9.1).
  RootEntry root;
  const bool root_ok = ReadRootEntry(config, port, sid, "root_entry", trace,
                                     &ctx.root_entry_address, &ctx.root_raw, &root);
  if (!root_ok) return MakeFault(FaultCondition::kLrt1, request, false);
  if (!root.present) return MakeFault(FaultCondition::kLrt2, request, false);
  if (((ctx.root_raw[0] & masks.root[0]) | (ctx.root_raw[1] & masks.root[1])) != 0) {
    return MakeFault(FaultCondition::kLrt3, request, false);
  }

  // Context entry (S §9.3).
  ctx.context_entry_address = root.context_table + uint64_t{16} * sid.devfn();
  uint64_t ce_raw[2] = {0, 0};
  const bool ce_ok =
      port.Read128(ctx.context_entry_address, {MemoryAccessKind::kContextEntry, 0}, ce_raw);
  if (trace != nullptr) {
    AddWalkStep(trace, "context_entry", 0, sid.devfn(), "sid", {7, 0}, ctx.context_entry_address,
                ce_ok ? ce_raw : nullptr, 2,
                ce_ok ? ContextEntry::Decode(ce_raw[0], ce_raw[1]).ToJson() : Json::MakeObject());
  }
  if (!ce_ok) return MakeFault(FaultCondition::kLct1, request, false);
  ctx.context_raw = {ce_raw[0], ce_raw[1]};
  const ContextEntry entry = ContextEntry::Decode(ce_raw[0], ce_raw[1]);
  const bool fpd = entry.fpd;  // evaluated even when P=0
  SetLegacyTranslationContext(config, entry, sid, &ctx.context);
  if (!entry.present) return MakeFault(FaultCondition::kLct2, request, fpd);
  const std::array<uint64_t, 2>& ce_mask = masks.context[entry.tt];
  if (((ce_raw[0] & ce_mask[0]) | (ce_raw[1] & ce_mask[1])) != 0) {
    return MakeFault(FaultCondition::kLct3, request, fpd);
  }
  if (!SagawSupports(config.cap.sagaw, entry.aw))
    return MakeFault(FaultCondition::kLct4_1, request, fpd);
  switch (entry.translation_type()) {
    case TranslationType::kUntranslatedOnly:
      break;
    case TranslationType::kDeviceTlb:
      if (!config.ecap.dt) return MakeFault(FaultCondition::kLct4_2, request, fpd);
      break;
    case TranslationType::kPassThrough:
      if (!config.ecap.pt) return MakeFault(FaultCondition::kLct4_2, request, fpd);
      break;
    case TranslationType::kReserved:
      return MakeFault(FaultCondition::kLct4_2, request, fpd);
  }
  return std::nullopt;
}

SecondStageFormat SecondStageFormatFor(const WalkConfig& config) {
  // The same entry format in both modes; the fault conditions are the mode's (S Table 30).
  return config.ttm() == 1 && config.ecap.smts ? SecondStageFormat::Scalable(config.pte_format())
                                               : SecondStageFormat::Legacy(config.pte_format());
}

FaultOr<SsWalkResult> WalkSecondStage(const WalkConfig& config, const HostMemory& memory,
                                      const SsWalkStart& start, int top_level, uint64_t iova,
                                      RequestNeeds needs, const DmaRequest& request, bool fpd,
                                      WalkTrace* trace) {
  return WalkPaging(SecondStageFormatFor(config), WalkMemory(memory, config.haw), start, top_level,
                    iova, needs, request, fpd, trace);
}

void SetLegacyTranslationContext(const WalkConfig& config, const ContextEntry& entry, SourceId sid,
                                 TranslationContext* out) {
  TranslationContext& c = *out;
  c = TranslationContext{};
  c.source_id = sid;
  c.did = entry.did;
  c.tt = entry.translation_type();
  c.kind = c.tt == TranslationType::kPassThrough ? TranslationKind::kPassThrough
                                                 : TranslationKind::kSecondStage;
  c.device_tlb = c.tt == TranslationType::kDeviceTlb;
  c.fpd = entry.fpd;
  c.present = entry.present;
  c.ss.root = entry.second_stage_root;
  c.ss.aw = entry.aw;
  c.ss.levels = static_cast<uint8_t>(PagingLevels(entry.aw));
  c.ss.input_width = static_cast<uint8_t>(std::min(config.mgaw(), AgawBits(entry.aw)));
}

TranslateResult TranslateWithContext(const WalkConfig& config, const LegacyWalkFormats& formats,
                                     const HostMemory& memory, const TranslationContext& context,
                                     const DmaRequest& request, WalkTrace* trace) {
  TranslateResult result;
  if (AnswerBeforeWalk(config, context, request, &result)) return result;
  const int levels = context.ss.levels;
  SsWalkResult walk;
  if (std::optional<Fault> fault =
          WalkPagingInto(formats.second_stage, WalkMemory(memory, config.haw),
                         SsWalkStart{context.ss.root, levels, true, true}, levels, request.address,
                         NeedsFor(config, request), request, context.fpd, trace, &walk)) {
    return FaultResult(*std::move(fault));
  }
  CompleteTranslation(config, context, LeafOf(config, walk), request, &result);
  return result;
}

absl::StatusOr<TranslateResult> Translate(const WalkConfig& config,
                                          const LegacyWalkFormats& formats,
                                          const HostMemory& memory, const DmaRequest& request,
                                          WalkTrace* trace) {
  if (absl::Status s = ValidateRequest(request); !s.ok()) return s;
  if (config.ttm() == 1 && config.ecap.smts) {
    return absl::FailedPreconditionError(
        "RTADDR.TTM=01b selects scalable mode: translate with TranslateScalable "
        "(model/translate/scalable_lookup.h)");
  }
  LegacyContext context;
  if (std::optional<Fault> fault =
          LookupLegacyContextInto(config, formats.masks, memory, request, trace, &context)) {
    return FaultResult(*std::move(fault));
  }
  return TranslateWithContext(config, formats, memory, context.context, request, trace);
}

absl::StatusOr<TranslateResult> Translate(const WalkConfig& config, const HostMemory& memory,
                                          const DmaRequest& request, WalkTrace* trace) {
  return Translate(config, LegacyWalkFormats(config), memory, request, trace);
}

}  // namespace vtd
