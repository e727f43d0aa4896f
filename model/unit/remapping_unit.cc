#include "model/unit/remapping_unit.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "absl/strings/str_format.h"
#include "model/common/hex.h"
#include "model/common/status_macros.h"
#include "model/pagereq/page_request_queue.h"
#include "model/structs/address_width.h"
#include "model/structs/second_stage_pte.h"
#include "model/unit/register_invalidation.h"

namespace vtd {
namespace {

// PMEN_REG (S §11.4.8.1) and the protected-memory limit granularity of the register map
// (bits 20:0 of a limit decode as ones: N = 20, see register_map.cc).
constexpr BitRange kPmenEpm = Bit(31);
constexpr uint64_t kPmrLimitLowBits = (uint64_t{1} << 21) - 1;

const CacheCounters kNoCounters;

}  // namespace

absl::StatusOr<std::unique_ptr<RemappingUnit>> RemappingUnit::Create(const UnitConfig& config,
                                                                     HostMemory* memory) {
  if (memory == nullptr) return absl::InvalidArgumentError("unit " + config.name + ": no memory");
  RegisterFileConfig rf;
  rf.version = config.version;
  rf.cap = config.cap;
  rf.ecap = config.ecap;
  absl::StatusOr<std::unique_ptr<RegisterFile>> registers = RegisterFile::Create(rf);
  if (!registers.ok()) {
    return absl::Status(registers.status().code(),
                        absl::StrFormat("unit %s: %s", config.name, registers.status().message()));
  }
  absl::StatusOr<WalkConfig> walk =
      WalkConfig::FromRegisters(config.cap, config.ecap, 0, config.host_address_width);
  if (!walk.ok()) {
    return absl::Status(walk.status().code(),
                        absl::StrFormat("unit %s: %s", config.name, walk.status().message()));
  }
  walk->version_major = static_cast<int>((config.version >> 4) & 0xF);
  std::unique_ptr<RemappingUnit> unit(
      new RemappingUnit(config, memory, *std::move(registers), *walk));
  const UnitCacheConfig& c = config.caches;
  auto wrap = [&](const absl::Status& s) {
    return absl::Status(s.code(), absl::StrFormat("unit %s: %s", config.name, s.message()));
  };
  absl::StatusOr<ContextCache> context = ContextCache::Create(c.context);
  if (!context.ok()) return wrap(context.status());
  unit->context_cache_ = *std::move(context);
  absl::StatusOr<ScalableContextCache> sm_context = ScalableContextCache::Create(c.context);
  if (!sm_context.ok()) return wrap(sm_context.status());
  unit->sm_context_cache_ = *std::move(sm_context);
  absl::StatusOr<PasidCache> pasid = PasidCache::Create(c.pasid);
  if (!pasid.ok()) return wrap(pasid.status());
  unit->pasid_cache_ = *std::move(pasid);
  absl::StatusOr<Iotlb> iotlb = Iotlb::Create(c.iotlb);
  if (!iotlb.ok()) return wrap(iotlb.status());
  unit->iotlb_ = *std::move(iotlb);
  const CacheGeometry* psc_geometry[6] = {nullptr,      nullptr,     &c.psc_pde,
                                          &c.psc_pdpte, &c.psc_pml4, &c.psc_pml5};
  for (int level = 2; level <= 5; ++level) {
    absl::StatusOr<PagingStructureCache> psc =
        PagingStructureCache::Create(level, *psc_geometry[level]);
    if (!psc.ok()) return wrap(psc.status());
    unit->psc_[level] = *std::move(psc);
    unit->any_psc_enabled_ |= psc_geometry[level]->entries > 0;
  }
  if (absl::Status s = unit->InitInterruptRemapping(); !s.ok()) return wrap(s);
  // Every translation cache counts its changes into the epoch the hot entries are checked
  // against (the interrupt entry cache is not on the DMA path).
  uint64_t* epoch = &unit->cache_epoch_;
  unit->context_cache_.set_change_counter(epoch);
  unit->sm_context_cache_.set_change_counter(epoch);
  unit->pasid_cache_.set_change_counter(epoch);
  unit->iotlb_.set_change_counter(epoch);
  for (int level = 2; level <= 5; ++level) unit->psc_[level].set_change_counter(epoch);
  unit->hot_enabled_ =
      config.hot_entry && !config.check_invalidation && !config.pmr_blocks_remapped_requests;
  if (unit->hot_enabled_) {
    unit->hot_.resize((size_t{1} << kHotEntryBits) + kHotProbes - 1);
    unit->hot_touched_.reserve(unit->hot_.size());
  }
  return unit;
}

RemappingUnit::RemappingUnit(const UnitConfig& config, HostMemory* memory,
                             std::unique_ptr<RegisterFile> registers, const WalkConfig& walk_config)
    : config_(config),
      memory_(memory),
      registers_(std::move(registers)),
      walk_config_(walk_config),
      ss_legacy_format_(SecondStageFormat::Legacy(walk_config.pte_format())),
      ss_scalable_format_(SecondStageFormat::Scalable(walk_config.pte_format())),
      legacy_masks_(LegacyEntryMasks::For(walk_config)),
      scalable_masks_(ScalableEntryMasks::For(walk_config)),
      recorder_(registers_.get()) {
  iotlb_leaf_levels_ = 0b10;
  if ((walk_config_.cap.sslps & WalkConfig::kSslps2M) != 0) iotlb_leaf_levels_ |= 0b100;
  if ((walk_config_.cap.sslps & WalkConfig::kSslps1G) != 0) iotlb_leaf_levels_ |= 0b1000;
  // First-stage leaves: 2 MiB always, 1 GiB with CAP.FS1GP (S §3.6).
  if (walk_config_.ecap.fsts) iotlb_leaf_levels_ |= 0b100;
  if (walk_config_.ecap.fsts && walk_config_.cap.fs1gp) iotlb_leaf_levels_ |= 0b1000;
}

const UnitConfig& RemappingUnit::config() const { return config_; }
std::string_view RemappingUnit::name() const { return config_.name; }
const RegisterFile& RemappingUnit::registers() const { return *registers_; }
std::vector<MmioDiagnostic> RemappingUnit::TakeDiagnostics() {
  return registers_->TakeDiagnostics();
}
uint64_t RemappingUnit::request_count() const {
  FoldHotHits();
  return request_count_;
}
bool RemappingUnit::translation_enabled() const {
  return registers_->global_command().translation_enabled();
}

void RemappingUnit::AddObserver(UnitObserver* observer) {
  FoldHotHits();
  ++cache_epoch_;
  if (observer != nullptr &&
      std::find(observers_.begin(), observers_.end(), observer) == observers_.end()) {
    observers_.push_back(observer);
  }
  ObserversChanged();
}

void RemappingUnit::ObserversChanged() {
  hot_observer_ = observers_.empty() ? nullptr : observers_.front();
  hot_other_observers_ = observers_.size() > 1;
}

void RemappingUnit::RemoveObserver(UnitObserver* observer) {
  FoldHotHits();
  ++cache_epoch_;
  observers_.erase(std::remove(observers_.begin(), observers_.end(), observer), observers_.end());
  ObserversChanged();
}

const CacheCounters& RemappingUnit::cache_counters(CacheKind cache) const {
  FoldHotHits();
  switch (cache) {
    case CacheKind::kContext:
      // The context cache in the form the root table mode uses.
      return ScalableModeActive(walk_config_) ? sm_context_cache_.counters()
                                              : context_cache_.counters();
    case CacheKind::kIotlb:
      return iotlb_.counters();
    case CacheKind::kPscPml5:
      return psc_[5].counters();
    case CacheKind::kPscPml4:
      return psc_[4].counters();
    case CacheKind::kPscPdpte:
      return psc_[3].counters();
    case CacheKind::kPscPde:
      return psc_[2].counters();
    case CacheKind::kInterruptEntry:
      return iec_.counters();
    case CacheKind::kPasid:
      return pasid_cache_.counters();
  }
  return kNoCounters;
}

// ---------------------------------------------------------------------------------------
// Registers.

uint32_t RemappingUnit::ReadRegister32(uint32_t offset) {
  const uint32_t value = registers_->Read32(offset);
  for (UnitObserver* o : observers_) o->OnRegisterAccess(offset, 32, false, value);
  return value;
}

uint64_t RemappingUnit::ReadRegister64(uint32_t offset) {
  const uint64_t value = registers_->Read64(offset);
  for (UnitObserver* o : observers_) o->OnRegisterAccess(offset, 64, false, value);
  return value;
}

void RemappingUnit::WriteRegister32(uint32_t offset, uint32_t value) {
  for (UnitObserver* o : observers_) o->OnRegisterAccess(offset, 32, true, value);
  FoldHotHits();
  ++cache_epoch_;  // a write may change what the DMA path reads (TE, RTADDR, PMR, ...)
  AfterWrite(registers_->Write32(offset, value));
}

void RemappingUnit::WriteRegister64(uint32_t offset, uint64_t value) {
  for (UnitObserver* o : observers_) o->OnRegisterAccess(offset, 64, true, value);
  FoldHotHits();
  ++cache_epoch_;  // a write may change what the DMA path reads (TE, RTADDR, PMR, ...)
  AfterWrite(registers_->Write64(offset, value));
}

void RemappingUnit::AfterWrite(const WriteResult& result) {
  AfterInterruptRegisterWrite(result);
  if (result.global_command.has_value()) {
    for (GlobalCommandKind kind : result.global_command->performed) {
      switch (kind) {
        case GlobalCommandKind::kSetRootTablePointer:
          walk_config_.rtaddr = registers_->global_command().active_root_table()->rtaddr;
          // With CAP.ESRTPS, SRTP also invalidates every DMA-remapping cache
          // (invalidation.md §8, S §6.6); otherwise software must invalidate globally.
          if (registers_->cap().esrtps) InvalidateAllCaches();
          break;
        case GlobalCommandKind::kDisableTranslation:
          // TES and IRES both 0: the fault-recording index restarts at 0 (faults.md §5).
          if (!registers_->global_command().interrupt_remapping_enabled()) recorder_.ResetIndex();
          break;
        case GlobalCommandKind::kWriteBufferFlush:
          // The model has no write buffer: the flush completes within the write (WBFS is
          // already back to 0, see global_command.h).
          break;
        default:
          // TE enable takes effect through GSTS.TES; QIE/IRE/SIRTP/CFI belong to queued
          // invalidation and interrupt remapping, which act on their own registers.
          break;
      }
    }
  }
  for (const RegisterWrite& w : result.hooks) {
    switch (w.id) {
      case RegId::kCcmd:
        if (w.wrote_upper_byte() && Ccmd::kIcc.Get(w.value) != 0) ProcessContextCommand();
        break;
      case RegId::kIotlb:
        if (w.wrote_upper_byte() && IotlbReg::kIvt.Get(w.value) != 0) ProcessIotlbCommand();
        break;
      case RegId::kFsts:
      case RegId::kFrcdHi:
        recorder_.OnStatusCleared();
        break;
      case RegId::kFectl:
        if (std::optional<FaultEventMessage> m = recorder_.OnFectlWrite()) {
          EmitInterruptMessage(InterruptMessageEvent{"fault_event", m->address, m->data, true});
        }
        break;
      case RegId::kPrs:
      case RegId::kPectl:
        // Clearing PPR/PRO clears PECTL.IP; clearing IM with IP set sends the message.
        if (std::optional<EventMessage> m = AfterPageRequestRegisterWrite(*registers_, w)) {
          EmitInterruptMessage(InterruptMessageEvent{m->source, m->address, m->data, m->sent});
        }
        break;
      default:
        break;
    }
  }
}

namespace {
RegisterInvalidationState InvalidationState(const RegisterFile& registers) {
  RegisterInvalidationState state;
  const auto& root = registers.global_command().active_root_table();
  state.root_table_ttm = root.has_value() ? root->ttm() : 0;
  state.queued_invalidation = Gsts::kQies.Get(registers.global_command().status()) != 0;
  state.version_major = static_cast<int>((registers.Get(RegId::kVer) >> 4) & 0xF);
  return state;
}
}  // namespace

void RemappingUnit::ProcessContextCommand() {
  uint64_t ccmd = registers_->Get(RegId::kCcmd);
  const DecodedContextCommand decoded =
      DecodeContextCommand(ccmd, registers_->cap(), InvalidationState(*registers_));
  uint64_t caig = 0;
  if (decoded.request.has_value()) {
    caig = InvalidateContextCache(*decoded.request).actual_granularity;
  } else {
    EmitInvalidation(
        CacheKind::kContext,
        Ccmd::kCirg.Get(ccmd) == 0
            ? std::string_view("reserved")
            : GranularityName(static_cast<ContextInvalidation::Granularity>(Ccmd::kCirg.Get(ccmd))),
        "none", 0);
  }
  // Completion: ICC clears, CAIG reports the granularity performed (00b: not performed).
  ccmd = Ccmd::kIcc.Set(ccmd, 0);
  ccmd = Ccmd::kCaig.Set(ccmd, caig);
  registers_->Set(RegId::kCcmd, ccmd);
}

void RemappingUnit::ProcessIotlbCommand() {
  uint64_t iotlb = registers_->Get(RegId::kIotlb);
  const DecodedIotlbCommand decoded = DecodeIotlbCommand(
      iotlb, registers_->Get(RegId::kIva), registers_->cap(), InvalidationState(*registers_));
  uint64_t iaig = 0;
  if (decoded.request.has_value()) {
    iaig = InvalidateIotlb(*decoded.request).actual_granularity;
  } else {
    EmitInvalidation(CacheKind::kIotlb,
                     IotlbReg::kIirg.Get(iotlb) == 0 ? std::string_view("reserved")
                                                     : GranularityName(decoded.requested),
                     "none", 0);
  }
  iotlb = IotlbReg::kIvt.Set(iotlb, 0);
  iotlb = IotlbReg::kIaig.Set(iotlb, iaig);
  registers_->Set(RegId::kIotlb, iotlb);
}

void RemappingUnit::SetFaultStatus(uint32_t fsts_bits) {
  const uint64_t previous = registers_->Get(RegId::kFsts);
  registers_->Set(RegId::kFsts, previous | fsts_bits);
  if ((previous & fsts_bits) == fsts_bits) return;  // nothing newly set
  bool raised = false;
  std::optional<FaultEventMessage> sent = recorder_.RaiseStatusEvent(previous, &raised);
  if (raised) {
    const FaultEventMessage m = sent.value_or(recorder_.CurrentMessage());
    EmitInterruptMessage(InterruptMessageEvent{"fault_event", m.address, m.data, sent.has_value()});
  }
}

void RemappingUnit::EmitInterruptMessage(const InterruptMessageEvent& event) {
  for (UnitObserver* o : observers_) o->OnInterruptMessage(event);
}

void RemappingUnit::EmitInvalidation(CacheKind cache, std::string_view requested,
                                     std::string_view performed, int removed) {
  if (observers_.empty()) return;
  const InvalidationEvent event{cache, requested, performed, removed};
  for (UnitObserver* o : observers_) o->OnInvalidation(event);
}

// ---------------------------------------------------------------------------------------
// Invalidation (S §6.5.1, Table 23).

InvalidationOutcome RemappingUnit::InvalidateContextCache(const ContextInvalidation& request) {
  FoldHotHits();
  if (ScalableModeActive(walk_config_)) return InvalidateScalableContextCache(request);
  InvalidationOutcome out;
  out.actual_granularity = static_cast<uint8_t>(request.granularity);
  switch (request.granularity) {
    case ContextInvalidation::Granularity::kGlobal:
      out.entries_removed = context_cache_.InvalidateAll();
      break;
    case ContextInvalidation::Granularity::kDomain:
      out.entries_removed = context_cache_.InvalidateDomain(request.domain_id);
      break;
    case ContextInvalidation::Granularity::kDevice:
      out.entries_removed = context_cache_.InvalidateDevice(
          request.domain_id, SourceId(request.source_id), request.function_mask);
      break;
    default:
      out.actual_granularity = 0;
      break;
  }
  const std::string_view name = GranularityName(request.granularity);
  EmitInvalidation(CacheKind::kContext, name, out.actual_granularity != 0 ? name : "none",
                   out.entries_removed);
  return out;
}

InvalidationOutcome RemappingUnit::InvalidateIotlb(const IotlbInvalidation& request) {
  FoldHotHits();
  InvalidationOutcome out;
  out.actual_granularity = static_cast<uint8_t>(request.granularity);
  int psc_removed[6] = {};
  bool psc_touched = true;
  switch (request.granularity) {
    case IotlbInvalidation::Granularity::kGlobal:
      out.entries_removed = iotlb_.InvalidateAll();
      for (int level = 2; level <= 5; ++level) psc_removed[level] = psc_[level].InvalidateAll();
      break;
    case IotlbInvalidation::Granularity::kDomain:
      out.entries_removed = iotlb_.InvalidateDomain(request.domain_id);
      for (int level = 2; level <= 5; ++level) {
        psc_removed[level] = psc_[level].InvalidateDomain(request.domain_id);
      }
      break;
    case IotlbInvalidation::Granularity::kPage:
      out.entries_removed =
          iotlb_.InvalidatePages(request.domain_id, request.address, request.address_mask);
      // Scalable mode: first-stage and nested entries of the domain go whatever their page
      // (invalidation.md §3.2, S Table 23).
      out.entries_removed += iotlb_.InvalidateFirstStage(request.domain_id, std::nullopt, nullptr);
      // IH=1: only leaves changed; paging-structure-cache entries may be kept.
      psc_touched = !request.invalidation_hint;
      if (psc_touched) {
        for (int level = 2; level <= 5; ++level) {
          psc_removed[level] =
              psc_[level].InvalidatePages(request.domain_id, request.address, request.address_mask);
        }
      }
      break;
    default:
      out.actual_granularity = 0;
      psc_touched = false;
      break;
  }
  const std::string_view name = GranularityName(request.granularity);
  const std::string_view performed = out.actual_granularity != 0 ? name : "none";
  EmitInvalidation(CacheKind::kIotlb, name, performed, out.entries_removed);
  if (psc_touched) {
    for (int level = 5; level >= 2; --level) {
      EmitInvalidation(PscKind(level), name, performed, psc_removed[level]);
      out.entries_removed += psc_removed[level];
    }
  }
  return out;
}

InvalidationOutcome RemappingUnit::InvalidateDeviceTlb(const DeviceTlbInvalidation& request) {
  // Device TLBs live in the endpoints (S §6.5.2.5): the unit sends the invalidation on.
  const int removed =
      device_tlbs_ != nullptr ? device_tlbs_->InvalidateDeviceTlb(config_.segment, request) : 0;
  return InvalidationOutcome{1, removed};
}

InvalidationOutcome RemappingUnit::InvalidatePasidDeviceTlb(
    const PasidDeviceTlbInvalidation& request) {
  // S §6.5.2.6: as dev_tlb_inv_dsc, with the PASID (or GI) the endpoint matches.
  const int removed = device_tlbs_ != nullptr
                          ? device_tlbs_->InvalidatePasidDeviceTlb(config_.segment, request)
                          : 0;
  return InvalidationOutcome{1, removed};
}

InvalidationOutcome RemappingUnit::InvalidateInterruptEntryCache(
    const InterruptEntryInvalidation& request) {
  // S §6.5.2.7: global, or 2^IM entries aligned around IIDX.
  InvalidationOutcome out;
  out.actual_granularity = static_cast<uint8_t>(request.granularity);
  const bool global = request.granularity == InterruptEntryInvalidation::Granularity::kGlobal;
  out.entries_removed =
      global ? iec_.InvalidateAll() : iec_.InvalidateIndexRange(request.index, request.index_mask);
  const std::string_view name = global ? "global" : "index";
  EmitInvalidation(CacheKind::kInterruptEntry, name, name, out.entries_removed);
  return out;
}

void RemappingUnit::InvalidateAllCaches() {
  InvalidateContextCache(ContextInvalidation{});
  InvalidatePasidCache(PasidCacheInvalidation{});
  InvalidateIotlb(IotlbInvalidation{});
}

// ---------------------------------------------------------------------------------------
// DMA.

const DmaOutcome::RareParts& DmaOutcome::NoRare() {
  static const RareParts* const none = new RareParts();
  return *none;
}

DmaOutcome::DmaOutcome(const DmaOutcome& other)
    : result(other.result),
      blocked(other.blocked),
      recorded(other.recorded),
      fault_record(other.fault_record),
      blocked_by(other.blocked_by),
      interrupt_message(other.interrupt_message),
      rare_(other.rare_ != nullptr ? std::make_unique<RareParts>(*other.rare_) : nullptr) {}

DmaOutcome& DmaOutcome::operator=(const DmaOutcome& other) {
  if (this != &other) *this = DmaOutcome(other);
  return *this;
}

void DmaOutcome::ClearRare() {
  rare_->trace.clear();
  rare_->cache_lookups.clear();
  rare_->stale.clear();
  rare_->interrupt.reset();
  rare_->status = absl::OkStatus();
}

DmaResult DmaResult::Of(const DmaOutcome& outcome) {
  DmaResult r;
  r.blocked = outcome.blocked;
  r.Refused(outcome.result);
  r.recorded = outcome.recorded;
  return r;
}

void DmaResult::Refused(const TranslateResult& t) {
  completion = t.completion;
  if (t.fault.has_value()) {
    faulted = true;
    condition = t.fault->condition;
    // A fault blocks the request unless it is answered Success (S0/SE, AfterResult).
    blocked = blocked || t.completion != Completion::kSuccess;
  }
  if (t.ats.has_value()) {  // translation requests answered Success (S §4.2.3)
    hpa = t.ats->address;
    read = t.ats->read;
    write = t.ats->write;
  } else if (t.translation.has_value() && !blocked) {
    hpa = t.translation->hpa;
    read = t.translation->read;
    write = t.translation->write;
  }
}

DmaResult RemappingUnit::TranslateThroughOutcome(const DmaRequest& request) {
  if (!InInterruptWindow(request) && !config_.check_invalidation) {
    LeanOutcome lean;
    RunRequest(request, DmaOptions{}, {}, lean);
    return lean.Answer();
  }
  DmaOutcome& out = lean_;
  RunRequest(request, DmaOptions{}, {}, out);
  const DmaResult r = DmaResult::Of(out);
  out.Clear();
  return r;
}

template <typename Out>
void RemappingUnit::RunRequest(const DmaRequest& request, const DmaOptions& options,
                               absl::Span<uint8_t> data, Out& out) {
  FoldHotHits();  // this request's lookups, fills and evictions see every earlier hit
  if constexpr (IsFull(static_cast<Out*>(nullptr))) {
    if (InInterruptWindow(request))
      return DmaToInterruptRange(request, FirstDword(request, data), out);
  }
  ++request_count_;
  for (UnitObserver* o : observers_) o->OnRequestBegin();
  const uint64_t epoch_before = cache_epoch_;
  // What decides whether the request is remembered (the rest is set with these).
  hot_candidate_.iotlb = nullptr;
  hot_candidate_.before_walk = false;
  hot_candidate_.legacy_context = nullptr;
  hot_candidate_.scalable_context = nullptr;
  hot_candidate_.pasid = nullptr;
  DmaTranslate(request, options, out);
  if constexpr (IsFull(static_cast<Out*>(nullptr))) {
    // The data access belongs to the request (timing charges it to the same step).
    if (!data.empty()) MoveData(request, data, out);
  }
  for (UnitObserver* o : observers_) o->OnRequestEnd();
  if (hot_enabled_ && (hot_candidate_.iotlb != nullptr || hot_candidate_.before_walk)) {
    if constexpr (IsFull(static_cast<Out*>(nullptr))) {
      RememberHotEntry(request, epoch_before, DmaResult::Of(out), out.result.ats.has_value(),
                       out.result.fault.has_value(), out.status().ok(), &out.result);
    } else {
      RememberHotEntry(request, epoch_before, out.Answer(), out.result.ats,
                       out.result.fault.has_value(), true, nullptr);
    }
  }
}
template void RemappingUnit::RunRequest(const DmaRequest&, const DmaOptions&, absl::Span<uint8_t>,
                                        DmaOutcome&);

void RemappingUnit::FoldPendingHotHits() {
  const uint64_t n = hot_pending_;
  request_count_ += n;
  hot_answers_ += n;
  const bool legacy = hot_touched_.front()->legacy_context != nullptr;
  const uint64_t context_clock =
      legacy ? context_cache_.CountHits(n) : sm_context_cache_.CountHits(n);
  const uint64_t pasid_clock = legacy ? 0 : pasid_cache_.CountHits(n);
  const uint64_t iotlb_clock = iotlb_.CountHits(hot_pending_iotlb_);
  for (HotEntry* h : hot_touched_) {
    if (legacy) {
      context_cache_.StampUse(*h->legacy_context, context_clock + h->last_hit);
    } else {
      sm_context_cache_.StampUse(*h->scalable_context, context_clock + h->last_hit);
      pasid_cache_.StampUse(*h->pasid, pasid_clock + h->last_hit);
    }
    if (h->iotlb_hit) iotlb_.StampUse(*h->iotlb, iotlb_clock + h->last_iotlb_hit);
    h->last_hit = 0;
  }
  hot_touched_.clear();
  hot_pending_ = 0;
  hot_pending_iotlb_ = 0;
}

void RemappingUnit::NoteHotRequestToOthers(HotDetail& d) {
  // The first kObserverMemos observers keep their memo word in the entry's detail; any
  // later one gets a fresh word each time.
  for (size_t i = 1; i < observers_.size(); ++i) {
    uint32_t spare = 0;
    observers_[i]->OnCachedRequest(d.Lookups(), i < kObserverMemos ? d.memo[i] : spare);
  }
}

void RemappingUnit::RememberHotEntry(const DmaRequest& request, uint64_t epoch_before,
                                     const DmaResult& answer, bool ats, bool fault, bool ok,
                                     const TranslateResult* full) {
  // Only an answer that came from cache hits alone (no fill or other change during the
  // request, so the entries are where they were found) and raised no fault.
  const HotEntry& c = hot_candidate_;
  const bool context_hit =
      c.legacy_context != nullptr || (c.scalable_context != nullptr && c.pasid != nullptr);
  if (epoch_before != cache_epoch_ || !context_hit || answer.blocked || fault || !ok) {
    return;
  }
  // Requests that are not remapped are checked against the protected memory regions at
  // their own address (CheckProtectedMemory): remembered only while PMEN.EPM is clear.
  if (c.iotlb == nullptr && kPmenEpm.Get(registers_->Get(RegId::kPmen)) != 0) return;
  // The first slot from the key's home that is free (of an older epoch) or holds the key;
  // with none, the home slot.
  const HotKey key = HotKey::Of(request);
  HotEntry* slot = &hot_[key.Slot()];
  for (int probe = 0; probe < kHotProbes; ++probe) {
    HotEntry& candidate = hot_[key.Slot() + probe];
    if (candidate.epoch != cache_epoch_ || candidate.Holds(key)) {
      slot = &candidate;
      break;
    }
  }
  HotEntry& h = *slot;
  h = c;
  h.page = key.page;
  h.shape = key.shape;
  h.size = key.size;
  h.epoch = cache_epoch_;
  h.iotlb_hit = c.iotlb != nullptr;
  h.last_hit = 0;
  // Translation requests have no size (CheckRequest); other requests stay within the page.
  h.last_offset = static_cast<uint16_t>(
      request.type == RequestType::kTranslation ? 0xfff : 4096 - request.size);
  // A translation completion gives a page (or the S.1/S.2 address); a translation (granted,
  // passed through) the request's own offset in the output page.
  h.offset_mask = ats ? 0 : 0xfff;
  h.answer = answer;
  h.answer.hpa &= ~h.offset_mask;
  // The events a hit of this entry sends, as the normal path sent them, and its full answer.
  if (hot_details_.empty()) hot_details_.resize(hot_.size());  // on first use: units are many
  HotDetail& d = DetailOf(h);
  d.lookup_count = 0;
  std::fill(std::begin(d.memo), std::end(d.memo), 0);
  if (full != nullptr) {
    d.result = *full;
  } else {
    // The full answer the normal path gives from these entries (its one completion).
    d.result = TranslateResult{};
    if (h.iotlb == nullptr) {
      (void)AnswerBeforeWalk(walk_config_, *h.context, request, &d.result);
    } else {
      CompleteTranslation(walk_config_, *h.context, h.iotlb->value.leaf, request, &d.result);
    }
  }
  if (d.result.translation.has_value()) d.result.translation->hpa &= ~uint64_t{0xfff};
  d.lookups[d.lookup_count++] =
      CacheLookupEvent{CacheKind::kContext, true, request.source_id.value()};
  if (h.pasid != nullptr)
    d.lookups[d.lookup_count++] = CacheLookupEvent{CacheKind::kPasid, true, h.pasid->key.pasid};
  if (h.iotlb != nullptr) {
    const IotlbKey& iotlb_key = h.iotlb->key;
    d.lookups[d.lookup_count++] = CacheLookupEvent{
        CacheKind::kIotlb, true, iotlb_key.page() << Iotlb::PageShift(iotlb_key.leaf_level())};
  }
  hot_live_epoch_ = cache_epoch_;
}

void RemappingUnit::EmitLookup(CacheKind cache, bool hit, uint64_t tag, bool record,
                               DmaOutcome& out) {
  CacheLookupEvent event{cache, hit, tag, StepCount(out)};
  if (record) out.mutable_cache_lookups().push_back(event);
  for (UnitObserver* o : observers_) o->OnCacheLookup(event);
}

template <typename Out>
void RemappingUnit::RecordFault(const Fault& fault, Out& out) {
  if (!fault.Reportable()) return;  // FPD-suppressed qualified faults, S0/SE completions
  const FaultRecordingResult r = recorder_.Record(fault);
  // Dropped because the next record was full (PFO set now) or PFO was already set.
  FaultRecordEvent event{fault, r.frcd_index, r.overflow || r.dropped_pfo};
  out.recorded = r.frcd_index >= 0;
  for (UnitObserver* o : observers_) o->OnFaultRecorded(event);
  if constexpr (IsFull(static_cast<Out*>(nullptr))) out.fault_record = std::move(event);
  if (r.event_raised) {
    const FaultEventMessage m = recorder_.CurrentMessage();
    const InterruptMessageEvent message{"fault_event", m.address, m.data, r.message_sent};
    EmitInterruptMessage(message);
    if constexpr (IsFull(static_cast<Out*>(nullptr))) out.interrupt_message = message;
  }
}

template <typename Out>
void RemappingUnit::Complete(TranslateResult result, Out& out) {
  out.result.Refused(std::move(result));
  AfterResult(out);
}

template <typename Out>
void RemappingUnit::AfterResult(Out& out) {
  if (out.result.fault.has_value()) {
    // Translation requests answered Success (S0/SE) proceed: the device gets a completion.
    if (out.result.completion != Completion::kSuccess) {
      out.blocked = true;
      out.blocked_by = "fault";
    }
    RecordFault(*out.result.fault, out);
  }
}

template <typename Out>
void RemappingUnit::CheckProtectedMemoryRegions(const DmaRequest& request, Out& out) {
  if (out.blocked || !Proceeds(out.result)) return;
  if (request.type == RequestType::kTranslation) return;  // no data access
  const uint64_t pmen = registers_->Get(RegId::kPmen);
  if (kPmenEpm.Get(pmen) == 0) return;
  const uint64_t first = OutputOf(out.result);
  const uint64_t last = first + (request.size > 0 ? request.size - 1 : 0);
  auto overlaps = [&](uint64_t base, uint64_t limit) {
    return base <= limit && first <= limit && last >= base;
  };
  bool blocked = false;
  if (registers_->cap().plmr) {
    blocked |= overlaps(registers_->Get(RegId::kPlmbase),
                        registers_->Get(RegId::kPlmlimit) | kPmrLimitLowBits);
  }
  if (registers_->cap().phmr) {
    blocked |= overlaps(registers_->Get(RegId::kPhmbase),
                        registers_->Get(RegId::kPhmlimit) | kPmrLimitLowBits);
  }
  if (blocked) {
    // Blocked, and not recorded or reported as a remapping fault (S §11.4.8.1). The
    // completion is UR, as for other blocked requests.
    out.blocked = true;
    out.blocked_by = "pmr";
    out.result.completion = Completion::kUnsupportedRequest;
    if constexpr (!IsFull(static_cast<Out*>(nullptr))) {
      out.result.hpa = 0;  // a blocked request has no output address or rights
      out.result.read = out.result.write = false;
    }
  }
}

// The walk path's pieces for both outcomes (unit_walk.cc and unit_scalable.cc use them).
#define VTD_UNIT_OUTCOME_PIECES(Out)                            \
  template void RemappingUnit::RecordFault(const Fault&, Out&); \
  template void RemappingUnit::Complete(TranslateResult, Out&); \
  template void RemappingUnit::AfterResult(Out&);               \
  template void RemappingUnit::CheckProtectedMemoryRegions(const DmaRequest&, Out&);
VTD_UNIT_OUTCOME_PIECES(DmaOutcome)
VTD_UNIT_OUTCOME_PIECES(RemappingUnit::LeanOutcome)
#undef VTD_UNIT_OUTCOME_PIECES

void RemappingUnit::CheckStale(CacheKind cache, const char* what, uint64_t address, uint64_t cached,
                               uint64_t stamp, DmaOutcome& out, uint64_t hardware_bits) {
  absl::StatusOr<uint64_t> now = memory_->Read64(address);  // software read: not observed
  const uint64_t memory_value = now.ok() ? *now : 0;
  if (now.ok() && (memory_value & ~hardware_bits) == (cached & ~hardware_bits)) return;
  StaleEntryReport report;
  report.cache = cache;
  report.entry = what;
  report.entry_address = address;
  report.cached_value = cached;
  report.memory_value = memory_value;
  report.cached_at_step = stamp;
  for (UnitObserver* o : observers_) o->OnStaleEntry(report);
  out.mutable_stale().push_back(std::move(report));
}

void RemappingUnit::CheckContextEntry(SourceId sid, const ContextCache::Entry& entry,
                                      DmaOutcome& out) {
  const ContextCacheEntry& v = entry.value;
  const std::string what = absl::StrFormat("context sid %s", sid);
  for (int q = 0; q < 2; ++q) {
    CheckStale(CacheKind::kContext, (what + (q == 0 ? " root entry lo" : " root entry hi")).c_str(),
               v.root_entry_address + 8 * q, v.root_raw[q], entry.fill_stamp, out);
  }
  for (int q = 0; q < 2; ++q) {
    CheckStale(CacheKind::kContext,
               (what + (q == 0 ? " context entry lo" : " context entry hi")).c_str(),
               v.context_entry_address + 8 * q, v.context_raw[q], entry.fill_stamp, out);
  }
}

void RemappingUnit::FillPagingStructureCaches(const CacheTag& tag, uint64_t address,
                                              const SsWalkStart& start, const SsWalkResult& walk) {
  bool read = start.read;
  bool write = start.write;
  // Every record but the last is a present non-leaf entry the walk went through.
  for (int i = 0; i + 1 < walk.record_count; ++i) {
    const SsLevelRecord& rec = walk.records[i];
    read = read && SecondStagePte::kRead.Get(rec.raw) != 0;
    write = write && SecondStagePte::kWrite.Get(rec.raw) != 0;
    if (rec.level < 2 || rec.level > 5) continue;
    PscEntry entry;
    entry.next_table = SecondStagePte::kAddress.InPlace(rec.raw);
    entry.read = read;
    entry.write = write;
    entry.entry = CachedEntryRef{rec.level, rec.entry_address, rec.raw};
    psc_[rec.level].Fill(tag, address, entry, request_count_);
  }
}

template <typename Out>
void RemappingUnit::DmaTranslate(const DmaRequest& request, const DmaOptions& options, Out& out) {
  constexpr bool kFull = IsFull(static_cast<Out*>(nullptr));
  if (const RequestProblem problem = CheckRequest(request); problem != RequestProblem::kNone) {
    if constexpr (kFull) out.set_status(RequestProblemError(request, problem));
    out.blocked = true;
    out.blocked_by = "invalid_request";
    return;
  }
  WalkTrace* trace = TraceOf(options, out);
  const bool record = options.trace || options.record_cache_lookups;
  const bool caching_mode = registers_->cap().cm;

  // GCMD.TE = 0: requests are not remapped; the output address is the input address
  // (S §3.1). Only the protected memory regions apply.
  if (!registers_->global_command().translation_enabled()) {
    out.result.completion = Completion::kSuccess;
    if constexpr (kFull) {
      Translation& t = out.result.translation.emplace();
      t.hpa = request.address;
      t.page_base = request.address & ~uint64_t{0xfff};
      t.read = t.write = true;
    } else {
      out.result.hpa = request.address;
      out.result.read = out.result.write = true;
    }
    CheckProtectedMemory(request, /*remapped=*/false, out);
    return;
  }
  // TE = 1 before any SRTP: the walk uses RTADDR's reset value 0 as the latched pointer
  // (model choice; the spec requires SRTP first and global_command.h reports the violation).
  if (ScalableModeActive(walk_config_)) return DmaTranslateScalable(request, options, out);
  if (std::optional<Fault> fault = CheckRootTableMode(walk_config_, request)) {
    Complete(FaultResult(*std::move(fault)), out);
    return;
  }

  // Context cache (S §6.2.1), then the root and context tables.
  const SourceId sid = request.source_id;
  // The lookup reads the tables straight into the value the cache is filled with.
  auto walk = [&](ContextCacheEntry* entry) -> std::optional<Fault> {
    std::optional<Fault> fault =
        LookupLegacyContextInto(walk_config_, legacy_masks_, *memory_, request, trace, entry);
    // CAP.CM = 1: not-present entries may be cached (S §6.1); software must invalidate
    // after making them present.
    if (fault.has_value() && caching_mode && fault->condition == FaultCondition::kLct2) {
      context_cache_.Fill(sid, *entry, request_count_);
    }
    return fault;
  };
  const ContextCache::Entry* context_hit = nullptr;
  const ContextCacheEntry* entry =
      ContextThroughCache(context_cache_, sid, record, walk, &context_hit, &context_scratch_, out);
  if (entry == nullptr) return;
  const TranslationContext& context = entry->context;
  if (context_hit != nullptr) {
    if constexpr (kFull) {
      if (config_.check_invalidation) CheckContextEntry(sid, *context_hit, out);
    }
    if (!context.present) {  // a caching-mode not-present entry
      Complete(FaultResult(MakeFault(FaultCondition::kLct2, request, context.fpd)), out);
      return;
    }
    hot_candidate_.legacy_context = context_hit;
  }

  TranslateThroughCaches(context, request, options, out);
}
template void RemappingUnit::DmaTranslate(const DmaRequest&, const DmaOptions&, DmaOutcome&);
template void RemappingUnit::DmaTranslate(const DmaRequest&, const DmaOptions&,
                                          RemappingUnit::LeanOutcome&);

}  // namespace vtd
