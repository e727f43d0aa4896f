#include "model/translate/scalable_lookup.h"

#include <algorithm>
#include <utility>

#include "model/structs/address_width.h"
#include "model/structs/pasid_directory_entry.h"
#include "model/structs/scalable_root_entry.h"

namespace vtd {

ScalableContextFormat ContextFormatOf(const WalkConfig& config) {
  ScalableContextFormat f;
  f.haw = config.haw;
  f.device_tlb = config.ecap.dt;
  f.pasid = config.ecap.pasid;
  f.rid_pasid = config.ecap.rps;
  f.translated_pasid = config.ecap.ptrs;
  f.page_requests = config.ecap.prs;
  return f;
}

PasidEntryFormat PasidFormatOf(const WalkConfig& config) {
  PasidEntryFormat f;
  f.haw = config.haw;
  f.did_bits = config.cap.domain_id_bits();
  f.ssts = config.ecap.ssts;
  f.ssads = config.ecap.ssads;
  f.smpwcs = config.ecap.smpwcs;
  f.sc = config.ecap.sc;
  f.srs = config.ecap.srs;
  f.fsts = config.ecap.fsts;
  f.eafs = config.ecap.eafs;
  return f;
}

std::optional<Fault> CheckScalableRequest(const WalkConfig& config, const DmaRequest& request) {
  if (!request.pasid.has_value()) return std::nullopt;
  if (config.pasid_bits() < 20 && *request.pasid >= (uint32_t{1} << config.pasid_bits())) {
    return MakeFault(FaultCondition::kSgn10, request, false);
  }
  // ER=1 is no longer defined from VER major 8 on (S Table 30 RTA.5); before it, it is
  // checked against the PASID entry (SPT.5).
  if (request.execute && config.version_major >= 8) {
    return MakeFault(FaultCondition::kRta5, request, false);
  }
  return std::nullopt;
}

FaultOr<ScalableContext> LookupScalableContextEntry(const WalkConfig& config,
                                                    const ScalableEntryMasks& masks,
                                                    const HostMemory& memory,
                                                    const DmaRequest& request, WalkTrace* trace,
                                                    ScalableContext* partial) {
  ScalableContext local;
  ScalableContext& ctx = partial != nullptr ? *partial : local;
  ctx = ScalableContext{};
  if (std::optional<Fault> fault =
          LookupScalableContextEntryInto(config, masks, memory, request, trace, &ctx)) {
    return *std::move(fault);
  }
  return ctx;
}

FaultOr<ScalableContext> LookupScalableContextEntry(const WalkConfig& config,
                                                    const HostMemory& memory,
                                                    const DmaRequest& request, WalkTrace* trace,
                                                    ScalableContext* partial) {
  return LookupScalableContextEntry(config, ScalableEntryMasks::For(config), memory, request, trace,
                                    partial);
}

ScalableEntryMasks ScalableEntryMasks::For(const WalkConfig& config) {
  ScalableEntryMasks m;
  m.root = ScalableRootEntry::ReservedMask(config.haw);
  m.context = ScalableContextEntry::ReservedMask(ContextFormatOf(config));
  m.directory = PasidDirectoryEntry::ReservedMask(config.haw);
  const PasidEntryFormat pasid_format = PasidFormatOf(config);
  for (uint8_t pgtt = 0; pgtt < 8; ++pgtt) {
    m.pasid[pgtt] = PasidEntry::ReservedMask(pgtt, pasid_format);
  }
  return m;
}

ScalableWalkFormats::ScalableWalkFormats(const WalkConfig& config)
    : masks(ScalableEntryMasks::For(config)),
      second_stage(SecondStageFormat::Scalable(config.pte_format())) {}

std::optional<Fault> LookupScalableContextEntryInto(const WalkConfig& config,
                                                    const ScalableEntryMasks& masks,
                                                    const HostMemory& memory,
                                                    const DmaRequest& request, WalkTrace* trace,
                                                    ScalableContext* out) {
  ScalableContext& ctx = *out;
  const SourceId sid = request.source_id;
  const WalkMemory port(memory, config.haw);

  // Scalable-mode root entry (S §9.2): one per bus; the half for devfn bit 7.
  ScalableRootEntry root;
  const bool root_ok = ReadRootEntry(config, port, sid, "sm_root_entry", trace,
                                     &ctx.root_entry_address, &ctx.root_raw, &root);
  if (!root_ok) return MakeFault(FaultCondition::kSrt1, request, false);
  const int devfn = sid.devfn();
  if (!root.PresentFor(devfn)) return MakeFault(FaultCondition::kSrt2, request, false);
  // Only the half the request uses (its present bit is set) is checked (S §9.2).
  const int half = devfn >= ScalableRootEntry::kUpperDevfn ? 1 : 0;
  if ((ctx.root_raw[half] & masks.root[half]) != 0) {
    return MakeFault(FaultCondition::kSrt3, request, false);
  }

  // Scalable-mode context entry (S §9.4): 128 entries of 32 bytes, indexed by devfn[6:0].
  ctx.context_entry_address =
      root.ContextTableFor(devfn) +
      uint64_t{ScalableContextEntry::kSizeBytes} * ScalableRootEntry::ContextIndex(devfn);
  // Read as two 128-bit pieces (S §9), into context_raw: a failed read leaves it as it was.
  const std::array<uint64_t, 4>& ce = ctx.context_raw;
  const bool ce_ok = port.Read128Pieces(
      ctx.context_entry_address, 2, {MemoryAccessKind::kContextEntry, 0}, ctx.context_raw.data());
  if (ce_ok) ctx.entry = ScalableContextEntry::DecodeQwords(ce);
  if (trace != nullptr) {
    AddWalkStep(trace, "sm_context_entry", 0, ScalableRootEntry::ContextIndex(devfn), "sid", {6, 0},
                ctx.context_entry_address, ce_ok ? ce.data() : nullptr, 2,
                ce_ok ? ctx.entry.ToJson() : Json::MakeObject());
  }
  if (!ce_ok) return MakeFault(FaultCondition::kSct1, request, false);
  ctx.context_read = true;
  const bool fpd = ctx.entry.fpd;  // evaluated even when P=0
  if (!ctx.entry.present) return MakeFault(FaultCondition::kSct2, request, fpd);
  if (((ce[0] & masks.context[0]) | (ce[1] & masks.context[1]) | (ce[2] & masks.context[2]) |
       (ce[3] & masks.context[3])) != 0) {
    return MakeFault(FaultCondition::kSct3, request, fpd);
  }
  // Invalid programming (S §9.4): fault 43h rather than a reserved-bit fault.
  if (!ctx.entry.device_tlb_enable && ctx.entry.page_request_enable) {
    return MakeFault(FaultCondition::kSct4_1, request, fpd);
  }
  if (ctx.entry.rid_pasid > ctx.entry.MaxPasid()) {
    return MakeFault(FaultCondition::kSct4_2, request, fpd);
  }
  if (ctx.entry.translated_pasid_enable && !ctx.entry.pasid_enable) {
    return MakeFault(FaultCondition::kSct4_3, request, fpd);
  }
  return std::nullopt;
}

std::optional<Fault> CheckRequestAgainstContext(const WalkConfig& config,
                                                const ScalableContextEntry& entry,
                                                const DmaRequest& request) {
  if (!request.pasid.has_value()) return std::nullopt;
  if (!entry.pasid_enable) return MakeFault(FaultCondition::kSct6, request, entry.fpd);
  if (*request.pasid > entry.MaxPasid())
    return MakeFault(FaultCondition::kSct7, request, entry.fpd);
  // A PASID equal to RID_PASID is reserved for requests without PASID (0 without RPS).
  if (*request.pasid == entry.rid_pasid)
    return MakeFault(FaultCondition::kSct9, request, entry.fpd);
  // From VER 5.0 on, a translated request with PASID needs EPTR=1 (S §9.4, Table 30 SCT.10);
  // EPTR is Reserved(0) without ECAP.PTRS, so such a unit blocks every one. Earlier versions
  // define neither EPTR nor SCT.10: the request proceeds as DTE allows.
  if (request.type == RequestType::kTranslated && config.version_major >= 5 &&
      !entry.translated_pasid_enable)
    return MakeFault(FaultCondition::kSct10, request, entry.fpd);
  return std::nullopt;
}

std::optional<Fault> CheckRequestAgainstPasidEntry(const WalkConfig& config,
                                                   const ScalableContextEntry& context_entry,
                                                   const PasidEntry& entry,
                                                   const DmaRequest& request, bool fpd) {
  (void)config;
  // ER=1 with ECAP.ERS=0 (VER major <= 7; later majors fault earlier, RTA.5). The model
  // reports ERS=0 (execute requests are not modeled), so every such request stops here.
  if (request.pasid.has_value() && request.execute) {
    return MakeFault(FaultCondition::kSpt5, request, fpd);
  }
  if (EffectivePrivileged(context_entry, request) && !entry.sre) {
    return MakeFault(FaultCondition::kSpt6, request, fpd);
  }
  return std::nullopt;
}

FaultOr<PasidLookup> LookupPasidEntry(const WalkConfig& config, const ScalableEntryMasks& masks,
                                      const HostMemory& memory, const ScalableContext& context,
                                      const DmaRequest& request, WalkTrace* trace) {
  PasidLookup out;
  if (std::optional<Fault> fault =
          LookupPasidEntryInto(config, masks, memory, context, request, trace, &out)) {
    return *std::move(fault);
  }
  return out;
}

FaultOr<PasidLookup> LookupPasidEntry(const WalkConfig& config, const HostMemory& memory,
                                      const ScalableContext& context, const DmaRequest& request,
                                      WalkTrace* trace) {
  return LookupPasidEntry(config, ScalableEntryMasks::For(config), memory, context, request, trace);
}

std::optional<Fault> LookupPasidEntryInto(const WalkConfig& config, const ScalableEntryMasks& masks,
                                          const HostMemory& memory, const ScalableContext& context,
                                          const DmaRequest& request, WalkTrace* trace,
                                          PasidLookup* result) {
  const ScalableContextEntry& ce = context.entry;
  bool fpd = ce.fpd;
  if (std::optional<Fault> f = CheckRequestAgainstContext(config, ce, request)) return f;
  const uint32_t pasid = EffectivePasid(ce, request);
  const WalkMemory port(memory, config.haw);
  PasidLookup& out = *result;

  // PASID directory entry (S §9.5), indexed by PASID[19:6].
  out.directory_entry_address = ce.pasid_directory + uint64_t{8} * PasidDirectoryIndex(pasid);
  const bool dir_ok = port.Read(out.directory_entry_address, {MemoryAccessKind::kPasidDirEntry, 0},
                                &out.directory_raw);
  const PasidDirectoryEntry dir = PasidDirectoryEntry::Decode(out.directory_raw);
  if (trace != nullptr) {
    AddWalkStep(trace, "pasid_directory_entry", 0, PasidDirectoryIndex(pasid), "pasid", {19, 6},
                out.directory_entry_address, dir_ok ? &out.directory_raw : nullptr, 1,
                dir_ok ? dir.ToJson() : Json::MakeObject());
  }
  if (!dir_ok) return MakeFault(FaultCondition::kSpd1, request, fpd);
  fpd = fpd || dir.fpd;  // evaluated even when P=0
  if (!dir.present) return MakeFault(FaultCondition::kSpd2, request, fpd);
  if ((out.directory_raw & masks.directory) != 0) {
    return MakeFault(FaultCondition::kSpd3, request, fpd);
  }

  // PASID table entry (S §9.6): 64 entries of 64 bytes, indexed by PASID[5:0].
  out.pasid_entry_address =
      dir.pasid_table + uint64_t{PasidEntry::kSizeBytes} * PasidTableIndex(pasid);
  // Read as four 128-bit pieces (S §9); a failed read leaves pasid_raw as it was.
  const uint64_t* pe = out.pasid_raw.data();
  const bool pe_ok = port.Read128Pieces(out.pasid_entry_address, 4,
                                        {MemoryAccessKind::kPasidEntry, 0}, out.pasid_raw.data());
  if (pe_ok) out.entry = PasidEntry::DecodeQwords(out.pasid_raw);
  if (trace != nullptr) {
    AddWalkStep(trace, "pasid_entry", 0, PasidTableIndex(pasid), "pasid", {5, 0},
                out.pasid_entry_address, pe_ok ? pe : nullptr, 2,
                pe_ok ? out.entry.ToJson() : Json::MakeObject());
  }
  if (!pe_ok) return MakeFault(FaultCondition::kSpt1, request, fpd);
  fpd = fpd || out.entry.fpd;
  if (!out.entry.present) return MakeFault(FaultCondition::kSpt2, request, fpd);
  const std::array<uint64_t, 8>& pe_mask = masks.pasid[out.entry.pgtt];
  uint64_t pe_rsvd = 0;
  for (int q = 0; q < 8; ++q) pe_rsvd |= pe[q] & pe_mask[q];
  if (pe_rsvd != 0) return MakeFault(FaultCondition::kSpt3, request, fpd);
  // PGTT (S §9.6): first-stage (001b) needs ECAP.FSTS, second-stage (010b) ECAP.SSTS, nested
  // (011b) ECAP.NEST, pass-through (100b) ECAP.PT; the reserved encodings are never valid.
  const PasidTranslationType pgtt = out.entry.translation_type();
  const bool supported = (pgtt == PasidTranslationType::kFirstStage && config.ecap.fsts) ||
                         (pgtt == PasidTranslationType::kSecondStage && config.ecap.ssts) ||
                         (pgtt == PasidTranslationType::kNested && config.ecap.nest) ||
                         (pgtt == PasidTranslationType::kPassThrough && config.ecap.pt);
  if (!supported) return MakeFault(FaultCondition::kSpt4_2, request, fpd);
  const bool has_second_stage =
      pgtt == PasidTranslationType::kSecondStage || pgtt == PasidTranslationType::kNested;
  const bool has_first_stage =
      pgtt == PasidTranslationType::kFirstStage || pgtt == PasidTranslationType::kNested;
  if (has_second_stage &&
      (!IsDefinedAw(out.entry.aw) || !SagawSupports(config.cap.sagaw, out.entry.aw))) {
    return MakeFault(FaultCondition::kSpt4_1, request, fpd);
  }
  // FSPM: 00b 4-level; 01b 5-level only with CAP.FS5LP; other values are invalid (SPT.4.3).
  if (has_first_stage && !(out.entry.fspm == 0 || (out.entry.fspm == 1 && config.cap.fs5lp))) {
    return MakeFault(FaultCondition::kSpt4_3, request, fpd);
  }
  // Nested: FSPTPTR is guest-physical and must lie below 2^X, X = min(MGAW, AGAW(AW)) (SPT.4.4).
  if (pgtt == PasidTranslationType::kNested &&
      (out.entry.first_stage_root >> std::min(config.mgaw(), AgawBits(out.entry.aw))) != 0) {
    return MakeFault(FaultCondition::kSpt4_4, request, fpd);
  }
  if (std::optional<Fault> f = CheckRequestAgainstPasidEntry(config, ce, out.entry, request, fpd)) {
    return f;
  }
  out.context = ScalableTranslationContext(config, ce, out.entry, pasid, request.source_id, fpd);
  return std::nullopt;
}

TranslationContext ScalableTranslationContext(const WalkConfig& config,
                                              const ScalableContextEntry& context_entry,
                                              const PasidEntry& entry, uint32_t pasid, SourceId sid,
                                              bool fpd) {
  TranslationContext c;
  c.scalable = true;
  c.source_id = sid;
  c.did = entry.did;
  c.pasid = pasid;
  c.fpd = fpd;
  c.device_tlb = context_entry.device_tlb_enable;
  c.tt = context_entry.device_tlb_enable ? TranslationType::kDeviceTlb
                                         : TranslationType::kUntranslatedOnly;
  if (entry.translation_type() == PasidTranslationType::kPassThrough) {
    c.kind = TranslationKind::kPassThrough;
    return c;
  }
  const PasidTranslationType pgtt = entry.translation_type();
  c.ss.walks_snooped = config.ecap.smpwcs && entry.pwsnp;
  if (pgtt == PasidTranslationType::kFirstStage || pgtt == PasidTranslationType::kNested) {
    c.kind = pgtt == PasidTranslationType::kNested ? TranslationKind::kNested
                                                   : TranslationKind::kFirstStage;
    c.fs.root = entry.first_stage_root;
    c.fs.levels = entry.fspm == 1 ? 5 : 4;
    c.fs.supervisor_requests = entry.sre;
    c.fs.write_protect = entry.wpe;
    c.fs.extended_access = entry.eafe;
    if (pgtt == PasidTranslationType::kFirstStage) return c;
  } else {
    c.kind = TranslationKind::kSecondStage;
  }
  c.ss.root = entry.second_stage_root;
  c.ss.aw = entry.aw;
  c.ss.levels = static_cast<uint8_t>(PagingLevels(entry.aw));
  c.ss.input_width = static_cast<uint8_t>(std::min(config.mgaw(), AgawBits(entry.aw)));
  c.ss.ad_enabled = entry.ssade;
  return c;
}

FirstStageWalkConfig FirstStageConfigOf(const WalkConfig& config,
                                        const TranslationContext& context) {
  FirstStageWalkConfig f;
  f.haw = config.haw;
  f.fs_1g = config.cap.fs1gp;
  f.ss_pte = config.pte_format();
  f.page_walk_snoop = context.ss.walks_snooped;
  f.honour_no_write = config.ecap.nwfs;
  return f;
}

std::optional<Fault> UpdateSecondStageAccessedDirty(const TranslationContext& context,
                                                    WalkMemory& port, const DmaRequest& request,
                                                    SsWalkResult* walk) {
  if (!context.ss.ad_enabled || request.type != RequestType::kUntranslated) return std::nullopt;
  const bool write = request.access != AccessKind::kRead;
  for (int i = 0; i < walk->record_count; ++i) {
    WalkLevelRecord& rec = walk->records[i];
    uint64_t set = SecondStagePte::kAccessed.mask();
    if (i + 1 == walk->record_count && write) set |= SecondStagePte::kDirty.mask();
    if ((rec.raw & set) == set) continue;
    if (!context.ss.walks_snooped) return MakeFault(FaultCondition::kSss5, request, context.fpd);
    uint64_t now = 0;
    if (!port.LockedSetBits(rec.entry_address, rec.raw, set,
                            {MemoryAccessKind::kSecondStageEntry, static_cast<int8_t>(rec.level)},
                            &now)) {
      return MakeFault(FaultCondition::kSss6, request, context.fpd);
    }
    rec.raw = now;
  }
  return std::nullopt;
}

TranslateResult TranslateScalableWithContext(const WalkConfig& config,
                                             const ScalableWalkFormats& formats, HostMemory* memory,
                                             const TranslationContext& context,
                                             const DmaRequest& request, WalkTrace* trace) {
  TranslateResult result;
  if (AnswerBeforeWalk(config, context, request, &result)) return result;
  if (context.kind == TranslationKind::kFirstStage || context.kind == TranslationKind::kNested) {
    WalkMemory port(memory, config.haw);
    FaultOr<TranslationLeaf> leaf =
        TranslateFirstStage(FirstStageConfigOf(config, context), context, port, request, trace);
    if (!leaf.ok()) return FaultResult(leaf.fault());
    CompleteTranslation(config, context, leaf.value(), request, &result);
    return result;
  }
  const int levels = context.ss.levels;
  WalkMemory port(memory, config.haw);
  SsWalkResult walk;
  if (std::optional<Fault> fault = WalkPagingInto(
          formats.second_stage, port, SsWalkStart{context.ss.root, levels, true, true}, levels,
          request.address, NeedsFor(config, request), request, context.fpd, trace, &walk)) {
    return FaultResult(*std::move(fault));
  }
  CompleteTranslation(config, context, LeafOf(config, walk), request, &result);
  if (!result.ok()) return result;
  if (std::optional<Fault> f = UpdateSecondStageAccessedDirty(context, port, request, &walk)) {
    return FaultResult(*std::move(f));
  }
  return result;
}

absl::StatusOr<TranslateResult> TranslateScalable(const WalkConfig& config, HostMemory* memory,
                                                  const DmaRequest& request, WalkTrace* trace) {
  return TranslateScalable(config, ScalableWalkFormats(config), memory, request, trace);
}

absl::StatusOr<TranslateResult> TranslateScalable(const WalkConfig& config,
                                                  const ScalableWalkFormats& formats,
                                                  HostMemory* memory, const DmaRequest& request,
                                                  WalkTrace* trace) {
  if (absl::Status s = ValidateRequest(request); !s.ok()) return s;
  if (!ScalableModeActive(config)) {
    return absl::FailedPreconditionError(
        "scalable-mode translation needs RTADDR.TTM=01b and ECAP.SMTS=1");
  }
  if (std::optional<Fault> f = CheckScalableRequest(config, request)) return FaultResult(*f);
  ScalableContext context;
  if (std::optional<Fault> f = LookupScalableContextEntryInto(config, formats.masks, *memory,
                                                              request, trace, &context)) {
    return FaultResult(*std::move(f));
  }
  PasidLookup pasid;
  if (std::optional<Fault> f =
          LookupPasidEntryInto(config, formats.masks, *memory, context, request, trace, &pasid)) {
    return FaultResult(*std::move(f));
  }
  return TranslateScalableWithContext(config, formats, memory, pasid.context, request, trace);
}

}  // namespace vtd
