// One DMA-remapping hardware unit (a DRHD): the register file, the translation caches, fault
// recording and register-based invalidation, composed around the pure walks of
// model/translate. Public API: the library a user's own tests link (target vtdsim::unit;
// the worked example is tools/hypervisor_example):
//
//   auto memory = HostMemory::Create(4ull << 30).value();
//   UnitConfig config;  config.cap = 0x8d2078c106f0466;  config.ecap = 0xf020df;
//   auto unit = RemappingUnit::Create(config, memory.get()).value();
//   memory->Write64(...);                      // software builds tables
//   unit->WriteRegister64(RTADDR offset, ...); // programs the unit as a driver does
//   DmaOutcome out = unit->Dma(request);       // translation or fault, steps, cache events
//   unit->DmaWithData(request, bytes);         // the same, moving the device's data
//   DmaResult r = unit->Translate(request);    // the lean form: two words, no steps
//
// Registers whose place depends on CAP/ECAP: unit->registers().OffsetOf(RegId::kIotlb) is
// IOTLB_REG (ECAP.IRO × 16 + 8), OffsetOf(RegId::kIva) IVA_REG, OffsetOf(RegId::kFrcdLo, n)
// and OffsetOf(RegId::kFrcdHi, n) the halves of FRCD_REG[n] (CAP.FRO × 16 + 16 n).
//
// Layering (../shared/architecture.md): the unit owns its state (registers, caches, fault
// ring) but not memory, which the platform shares between units. The walk itself stays a
// pure function in model/translate; the unit asks its caches first and fills them from the
// walk's result. Observers (timing, traces, the invalidation checker's consumers) see
// events and change nothing.
#ifndef VTDSIM_MODEL_UNIT_REMAPPING_UNIT_H_
#define VTDSIM_MODEL_UNIT_REMAPPING_UNIT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/base/attributes.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/cache/context_cache.h"
#include "model/cache/interrupt_entry_cache.h"
#include "model/cache/iotlb.h"
#include "model/cache/paging_structure_cache.h"
#include "model/cache/pasid_cache.h"
#include "model/cache/set_associative_cache.h"
#include "model/fault/fault.h"
#include "model/interrupt/interrupt_remapping.h"
#include "model/invalidation/cache_invalidation.h"
#include "model/invalidation/invalidation_queue.h"
#include "model/memory/host_memory.h"
#include "model/pagereq/page_request_descriptor.h"
#include "model/pagereq/page_request_queue.h"
#include "model/regs/register_file.h"
#include "model/translate/legacy_walk.h"
#include "model/translate/request.h"
#include "model/translate/scalable_lookup.h"
#include "model/translate/walk_config.h"
#include "model/unit/fault_recorder.h"
#include "model/unit/unit_events.h"

namespace vtd {

// Geometry of every cache of one unit. Defaults are documented in the unit's README section
// (sizes of the order real client/server parts are reported to have).
struct UnitCacheConfig {
  CacheGeometry context{.entries = 64, .ways = 0};
  CacheGeometry iotlb{.entries = 128, .ways = 8};
  // Paging-structure caches, one per non-leaf second-stage level: PML5E, PML4E, PDPTE, PDE.
  CacheGeometry psc_pml5{.entries = 4, .ways = 0};
  CacheGeometry psc_pml4{.entries = 8, .ways = 0};
  CacheGeometry psc_pdpte{.entries = 16, .ways = 0};
  CacheGeometry psc_pde{.entries = 32, .ways = 0};
  CacheGeometry interrupt_entry{.entries = 64, .ways = 0};
  // Scalable mode: PASID-table entries (S §6.2.2). The context cache above holds scalable
  // context entries when RTADDR.TTM=01b.
  CacheGeometry pasid{.entries = 64, .ways = 0};
};

struct UnitConfig {
  std::string name = "dmar0";
  uint64_t register_base = 0xfed90000;
  uint16_t segment = 0;
  int host_address_width = 48;  // DMAR HAW + 1 (bits)
  uint32_t version = 0x10;      // VER_REG
  uint64_t cap = 0;             // CAP_REG, bit for bit
  uint64_t ecap = 0;            // ECAP_REG, bit for bit
  UnitCacheConfig caches;
  // Opt-in invalidation checker: every cache hit is compared with what memory holds now.
  bool check_invalidation = false;
  // Protected memory regions (PMEN.EPM, S §11.4.8.1) always block requests that are not
  // remapped (TE=0, pass-through TT=10b, translated AT=10b). For requests translated
  // through the page tables the spec says hardware "may or may not" block them; this picks
  // which (default: not blocked, so software relying on it is visible).
  bool pmr_blocks_remapped_requests = false;
  // Per-requester hot entries: an acceleration structure of the model, not a modeled cache.
  // A request of the same shape (requester, PASID, type, access, size, page) as an earlier
  // one the context (and PASID) cache and the IOTLB answered is answered from the entries
  // that answered it, as long as nothing that could change that answer happened since (any
  // change of any translation cache, register write, reset, observer change). Results,
  // counters, replacement state and observer events are those of the normal path; off, every
  // request takes the normal path. Not used with check_invalidation.
  bool hot_entry = true;
};

// What an interrupt request did (S §5.1.4, §5.2.3); implemented in unit_interrupt.cc.
struct InterruptOutcome {
  // The remapped, posted or passed-through interrupt; empty when a fault blocked it.
  std::optional<InterruptResult> result;
  std::optional<Fault> fault;  // the Table 15 fault that blocked it
  bool blocked = false;
  bool recorded = false;  // a fault record was written (FRCD)
  std::optional<FaultRecordEvent> fault_record;
  std::optional<InterruptMessageEvent> interrupt_message;  // the fault event it raised
  bool cache_hit = false;               // the IRTE came from the interrupt entry cache
  std::vector<StaleEntryReport> stale;  // with UnitConfig::check_invalidation
  // "remapped index 0x5 vector 0x30 dest 0x1 ..." or the fault.
  std::string ToString() const;
};

struct DmaOptions {
  bool trace = false;  // fill DmaOutcome::trace with every walk step (and cache_lookups)
  // Fill DmaOutcome::cache_lookups without a trace. Off by default so that a cache hit
  // allocates nothing; observers see every lookup either way.
  bool record_cache_lookups = false;
};

struct DmaOutcome {
  TranslateResult result;  // translation, ATS completion, or fault (as the walk reports)
  bool blocked = false;    // the request did not proceed (fault, PMR, UR/CA)
  bool recorded = false;   // a fault record was written (FRCD), false if not reportable
  std::optional<FaultRecordEvent> fault_record;
  std::string_view blocked_by;  // "", "fault", "pmr" (protected memory region), ...
  // The fault event this request raised (sent, or pending with FECTL.IP because masked).
  std::optional<InterruptMessageEvent> interrupt_message;

  // What only traces, the invalidation checker, interrupt-window requests and bad input set
  // is kept apart, allocated when first set, so that making, clearing and destroying an
  // outcome of a plain request touches a few words. Each reads as empty until set.
  const WalkTrace& trace() const { return rare_ != nullptr ? rare_->trace : NoRare().trace; }
  // trace().size(), without reaching the shared empty parts (a lookup event's position).
  size_t trace_size() const { return rare_ != nullptr ? rare_->trace.size() : 0; }
  // The cache lookups made (with DmaOptions::trace/record_cache_lookups), in order.
  const std::vector<CacheLookupEvent>& cache_lookups() const {
    return rare_ != nullptr ? rare_->cache_lookups : NoRare().cache_lookups;
  }
  // Cached entries that no longer match memory (with UnitConfig::check_invalidation).
  const std::vector<StaleEntryReport>& stale() const {
    return rare_ != nullptr ? rare_->stale : NoRare().stale;
  }
  // An untranslated request without PASID to FEEx_xxxxh is not DMA (S §3.15): what the
  // interrupt path did with it (unit_dma_data.cc). The request is then blocked as DMA
  // (blocked_by "interrupt", or "fault" with the interrupt's fault in result.fault).
  const std::optional<InterruptOutcome>& interrupt() const {
    return rare_ != nullptr ? rare_->interrupt : NoRare().interrupt;
  }
  // Not OK only for bad input (ValidateRequest: size, 4 KiB crossing, PASID width) or a
  // mode the model does not implement; the request is then blocked ("invalid_request").
  const absl::Status& status() const { return rare_ != nullptr ? rare_->status : NoRare().status; }

  // The same, to be set (the unit, and tests that build an outcome).
  WalkTrace& mutable_trace() { return Rare().trace; }
  std::vector<CacheLookupEvent>& mutable_cache_lookups() { return Rare().cache_lookups; }
  std::vector<StaleEntryReport>& mutable_stale() { return Rare().stale; }
  std::optional<InterruptOutcome>& mutable_interrupt() { return Rare().interrupt; }
  void set_status(absl::Status status) { Rare().status = std::move(status); }

  // User-provided, not defaulted: GCC zero-fills the whole object (the optionals' storage
  // too) for a defaulted constructor, where this one stores only what the members'
  // initializers set (the optionals' engaged flags among them).
  DmaOutcome() {}  // NOLINT(modernize-use-equals-default)
  DmaOutcome(const DmaOutcome& other);
  DmaOutcome& operator=(const DmaOutcome& other);
  DmaOutcome(DmaOutcome&&) noexcept = default;
  DmaOutcome& operator=(DmaOutcome&&) noexcept = default;
  ~DmaOutcome() = default;

  // Back to the state of a default-constructed outcome (the out-parameter Dma reuses one
  // outcome per caller): the common fields in place, the rarely set ones emptied out of line
  // if they were ever allocated, keeping their storage for the next request that sets them.
  void Clear() {
    result.completion = Completion::kUnsupportedRequest;
    result.translation.reset();
    result.ats.reset();
    result.fault.reset();
    blocked = false;
    recorded = false;
    fault_record.reset();
    blocked_by = {};
    interrupt_message.reset();
    if (rare_ != nullptr) ClearRare();
  }

 private:
  struct RareParts {
    WalkTrace trace;
    std::vector<CacheLookupEvent> cache_lookups;
    std::vector<StaleEntryReport> stale;
    std::optional<InterruptOutcome> interrupt;
    absl::Status status;
  };
  static const RareParts& NoRare();  // the empty parts the readers show before any is set
  RareParts& Rare() {
    if (rare_ == nullptr) rare_ = std::make_unique<RareParts>();
    return *rare_;
  }
  void ClearRare();
  std::unique_ptr<RareParts> rare_;
};

// The hot result of a DMA request (RemappingUnit::Translate): what the device sees and
// whether a fault was reported, in two words. The walk steps, cache-lookup lists and
// stale-entry reports are not produced on this path; DmaOutcome (RemappingUnit::Dma) has
// them, and DmaResult::Of(outcome) is the same summary of a full outcome.
struct DmaResult {
  // Output address of the request's first byte (untranslated and translated requests), or
  // the translated page (translation requests answered with permissions); 0 otherwise.
  uint64_t hpa = 0;
  Completion completion = Completion::kUnsupportedRequest;
  bool blocked = false;   // the request did not proceed (fault, PMR, UR/CA, bad request)
  bool faulted = false;   // a Table 30 condition was hit (`condition`), reported or not
  bool recorded = false;  // a fault record was written (FRCD)
  // Effective permissions of the page (translation requests: the completion's R and W).
  bool read = false;
  bool write = false;
  FaultCondition condition = FaultCondition::kLrt1;  // meaningful when `faulted`

  static DmaResult Of(const DmaOutcome& outcome);

  // As a completion sink (CompleteTranslation): the same answer in two words. `recorded` is
  // the unit's to set (the hot path completes only requests that raise no fault).
  void Granted(const TranslationContext&, const TranslationLeaf& leaf, const RequestNeeds& needs,
               uint64_t output) {
    completion = Completion::kSuccess;
    hpa = output;
    read = leaf.read;
    write = leaf.write && !needs.honour_nw;
  }
  void AtsGranted(const TranslationContext&, const TranslationLeaf& leaf, const DmaRequest&,
                  const RequestNeeds& needs) {
    completion = Completion::kSuccess;
    hpa = leaf.page_base;
    read = leaf.read;
    write = leaf.write && !needs.honour_nw;
  }
  void PassedThrough(const TranslationContext&, const DmaRequest& request, bool r, bool w) {
    completion = Completion::kSuccess;
    hpa = request.address;
    read = r;
    write = w;
  }
  void SpecialAts(uint64_t address, bool w, bool /*untranslated_only*/) {
    completion = Completion::kSuccess;
    hpa = address;
    write = w;
  }
  void Refused(const TranslateResult& result);
};

// What a device's page request did (VT-d spec §7.5; unit_page_request.cc).
struct PageRequestResult {
  // The condition that blocked the request before the queue (faults.md §2-§3, PR/PRn
  // columns): recorded as a fault with T2:T1 = 01b.
  std::optional<Fault> fault;
  bool recorded = false;
  std::optional<FaultRecordEvent> fault_record;
  std::optional<InterruptMessageEvent> fault_event;
  // The queue's answer, when the request reached it (written, or overflow).
  std::optional<PageRequestOutcome> queued;
  // The PRG Response hardware itself sent to the device: Invalid Request for a blocked
  // request that is the last of its group (PR column "IR"; PRn requests are dropped), or
  // Success for an overflowed last request (page_request_queue.h).
  std::optional<PageGroupResponseDescriptor> response;
  // The page request event it raised (sent, or pending with PECTL.IP under IM).
  std::optional<InterruptMessageEvent> page_request_event;
  // Not OK for a unit that cannot take page requests (ECAP.PRS=0): nothing happened.
  absl::Status status;
};

// A device's answer to a page group response (page_grp_resp_dsc through the invalidation
// queue, or one hardware sends itself).
using PageResponseListener = std::function<void(const PageGroupResponseDescriptor&)>;

class RemappingUnit : public CacheInvalidator {
 public:
  // InvalidArgument/Unimplemented naming the CAP/ECAP field the model cannot honour, or a bad
  // cache geometry. `memory` must outlive the unit.
  static absl::StatusOr<std::unique_ptr<RemappingUnit>> Create(const UnitConfig& config,
                                                               HostMemory* memory);

  const UnitConfig& config() const;
  std::string_view name() const;

  // Software MMIO accesses, `offset` from the register base. Writes take effect at once
  // (GCMD commands, CCMD/IOTLB invalidations, FSTS/FRCD RW1C, ...).
  uint32_t ReadRegister32(uint32_t offset);
  uint64_t ReadRegister64(uint32_t offset);
  void WriteRegister32(uint32_t offset, uint32_t value);
  void WriteRegister64(uint32_t offset, uint64_t value);
  const RegisterFile& registers() const;
  // Accesses the model could not perform as written or protocol violations, since last taken.
  std::vector<MmioDiagnostic> TakeDiagnostics();

  // Reset (unit_reset.cc): every register back to its reset value (S §11.4 "Default"; GSTS
  // 0, so translation, queued invalidation and interrupt remapping are off and no root or
  // interrupt-remapping table pointer is latched), every cache emptied, the fault-recording
  // index and the invalidation queue's state restarted. Memory is not the unit's: untouched.
  void Reset();

  // A DMA request from a device this unit remaps.
  // Both forms always inlined, as HotTranslate (a hit is then the lookup and a copy).
  ABSL_ATTRIBUTE_ALWAYS_INLINE DmaOutcome Dma(const DmaRequest& request,
                                              const DmaOptions& options = {}) {
    DmaOutcome out;  // new: nothing to clear
    DmaInto(request, options, out);
    return out;
  }
  // The same, written into `*out` (cleared first, see DmaOutcome::Clear): callers that issue
  // many requests reuse one outcome, so a cache hit neither constructs nor destroys one.
  ABSL_ATTRIBUTE_ALWAYS_INLINE void Dma(const DmaRequest& request, DmaOutcome* out,
                                        const DmaOptions& options = {}) {
    out->Clear();
    DmaInto(request, options, *out);
  }
  // A DMA that moves data (unit_dma_data.cc): translated as Dma() does; unless blocked, the
  // device's request.size bytes are written from `data` (AccessKind::kWrite) or read into
  // `data` (kRead) at the translated address, one observed hardware access
  // (MemoryAccessKind::kDmaData). `data.size()` must be request.size (else out.status is
  // InvalidArgument and nothing happens). A translated address beyond the end of memory
  // blocks the access (blocked_by "beyond_memory": no memory answers, the completion is UR).
  // A write to FEEx_xxxxh (untranslated, without PASID) is an interrupt request whose
  // data is the first DWORD of `data` (S §3.15, §5.1.4; DmaOutcome::interrupt).
  DmaOutcome DmaWithData(const DmaRequest& request, absl::Span<uint8_t> data,
                         const DmaOptions& options = {});
  // The lean form (DmaResult), for callers that want only what the device sees (benchmarks,
  // fuzz fast paths, a user's hot loop): the same translation, fault recording, counters and
  // observer events as Dma, without the outcome's trace, lookup list or stale reports.
  DmaResult Translate(const DmaRequest& request) {
    DmaResult r;
    if (HotTranslate(request, &r)) return r;
    return TranslateThroughOutcome(request);
  }

  // ---- Interrupt remapping and queued invalidation (unit_interrupt.cc).
  // An interrupt request (a DWORD write to FEEx_xxxxh) from a device this unit remaps.
  InterruptOutcome Interrupt(const InterruptRequest& request, InterruptTrace* trace = nullptr);
  // The state the interrupt flow uses now: GSTS.IRES/CFIS, the IRTA latched by SIRTP, CAP.PI,
  // ECAP.EIMER/IRREQ, HAW.
  InterruptRemappingState interrupt_remapping_state() const;
  const InterruptEntryCache& interrupt_entry_cache() const { return iec_; }
  // What the last queue processing did (IQT write, QIE 0->1, software clearing IQE/ITE).
  const QueueRun& last_queue_run() const { return last_queue_run_; }
  uint64_t queue_descriptors_processed() const;
  // How endpoints answer device-TLB invalidations (default: valid completions).
  void set_device_tlb_responder(DeviceTlbResponder responder);
  // Where device-TLB invalidations of this unit's segment go: the endpoints' device TLBs
  // (model/device DeviceTlbs; default none: accepted, nothing to drop). Must outlive the unit.
  void set_device_tlbs(DeviceTlbInvalidationTarget* device_tlbs) { device_tlbs_ = device_tlbs; }

  // ---- Page requests (unit_page_request.cc; ECAP.PRS, scalable mode).
  // A page request from a device: checked as the spec checks page requests (TTM, scalable
  // root, context entry with PRE, PASID directory and table entries), then written to the
  // page request queue with PRS and the page request event.
  PageRequestResult PageRequest(const PageRequestDescriptor& request);
  // Where page group responses go (default: nowhere).
  void set_page_response_listener(PageResponseListener listener) {
    page_response_listener_ = std::move(listener);
  }
  // page_grp_resp_dsc from the invalidation queue: decoded and sent to the listener.
  void DeliverPageGroupResponse(absl::Span<const uint64_t> words) override;

  void AddObserver(UnitObserver* observer);
  void RemoveObserver(UnitObserver* observer);

  const CacheCounters& cache_counters(CacheKind cache) const;
  uint64_t request_count() const;
  // How many requests hot entries answered (UnitConfig::hot_entry): inspection only, the
  // answers and every counter above are the normal path's.
  uint64_t hot_entry_answers() const {
    FoldHotHits();
    return hot_answers_;
  }

  // ---- Cache invalidation (S §6.5), as register-based and queued invalidation request it.
  // Each reports an InvalidationEvent per cache it touched.
  InvalidationOutcome InvalidateContextCache(const ContextInvalidation& request) override;
  InvalidationOutcome InvalidateIotlb(const IotlbInvalidation& request) override;
  InvalidationOutcome InvalidateDeviceTlb(const DeviceTlbInvalidation& request) override;
  InvalidationOutcome InvalidateInterruptEntryCache(
      const InterruptEntryInvalidation& request) override;
  // Scalable mode (unit_scalable.cc): pc_inv_dsc and p_iotlb_inv_dsc.
  InvalidationOutcome InvalidatePasidCache(const PasidCacheInvalidation& request) override;
  InvalidationOutcome InvalidatePasidIotlb(const PasidIotlbInvalidation& request) override;
  // p_dev_tlb_inv_dsc: nothing cached in the unit; forwarded to the device TLBs.
  InvalidationOutcome InvalidatePasidDeviceTlb(const PasidDeviceTlbInvalidation& request) override;

  // ---- Inspection (tests, explanations): the caches and the walk's register state.
  const ContextCache& context_cache() const { return Folded(context_cache_); }
  // Scalable mode: the context cache in scalable form, and the PASID cache.
  const ScalableContextCache& scalable_context_cache() const { return Folded(sm_context_cache_); }
  const PasidCache& pasid_cache() const { return Folded(pasid_cache_); }
  const Iotlb& iotlb() const { return Folded(iotlb_); }
  // level 2 (PDE) .. 5 (PML5E)
  const PagingStructureCache& paging_structure_cache(int level) const { return psc_[level]; }
  const WalkConfig& walk_config() const { return walk_config_; }
  bool translation_enabled() const;
  // The fault recorder's ring index (the next FRCD a fault goes to).
  int next_fault_record_index() const { return recorder_.next_index(); }
  // Fault-event conditions other components set (FSTS.IQE/ICE/ITE from queued invalidation):
  // sets the FSTS bits in `fsts_bits` and raises the fault event as S §7.3.1 says.
  void SetFaultStatus(uint32_t fsts_bits);

 private:
  RemappingUnit(const UnitConfig& config, HostMemory* memory,
                std::unique_ptr<RegisterFile> registers, const WalkConfig& walk_config);

  void AfterWrite(const WriteResult& result);
  // unit_interrupt.cc: set-up from Create, and the register side effects of QI and IR (GCMD
  // QIE/IRE/SIRTP, IQT, FSTS IQE/ITE clear, IECTL, ICS).
  absl::Status InitInterruptRemapping();
  void AfterInterruptRegisterWrite(const WriteResult& result);
  void RunInvalidationQueue();
  void RecordInterruptFault(const Fault& fault, InterruptOutcome& out);
  void ProcessContextCommand();
  void ProcessIotlbCommand();
  void InvalidateAllCaches();
  void EmitInterruptMessage(const InterruptMessageEvent& event);
  void EmitInvalidation(CacheKind cache, std::string_view requested, std::string_view performed,
                        int removed);

  // Dma pieces.
  // Untranslated requests without PASID to FEEx_xxxxh: interrupt requests, not DMA.
  static bool InInterruptWindow(const DmaRequest& request) {
    return request.type == RequestType::kUntranslated && !request.pasid.has_value() &&
           InterruptAddress::InInterruptRange(request.address);
  }
  void DmaToInterruptRange(const DmaRequest& request, uint32_t data, DmaOutcome& out);
  // Translate's normal path: the request through the same walk path as Dma, with a
  // LeanOutcome (or, for what only the full outcome carries, the working DmaOutcome),
  // summarised.
  DmaResult TranslateThroughOutcome(const DmaRequest& request);
  // The outcome the walk path builds for Translate: the answer in DmaResult's words, and what
  // the unit itself reads back (blocking, the fault until it is recorded). The walk path is
  // templated on its outcome (DmaOutcome or LeanOutcome): one implementation, and a lean
  // request builds no trace, lookup list, fault record copy or full TranslateResult.
  // Requests whose outcome holds more than that (interrupt-window requests, the invalidation
  // checker's stale reports) take the full outcome.
  struct LeanOutcome {
    // As a completion sink: DmaResult's answers, and a fault kept whole for recording.
    struct Result : DmaResult {
      std::optional<Fault> fault;
      bool ats = false;  // answered with a translation completion (a page, not an address)
      bool ok() const { return completion == Completion::kSuccess && !fault.has_value(); }
      void AtsGranted(const TranslationContext& context, const TranslationLeaf& leaf,
                      const DmaRequest& request, const RequestNeeds& needs) {
        DmaResult::AtsGranted(context, leaf, request, needs);
        ats = true;
      }
      void SpecialAts(uint64_t address, bool w, bool untranslated_only) {
        DmaResult::SpecialAts(address, w, untranslated_only);
        ats = true;
      }
      // Replaces any earlier answer (a fault after a granted walk, e.g. an A/D update's).
      void Refused(TranslateResult refused) {
        static_cast<DmaResult&>(*this) = DmaResult{};
        DmaResult::Refused(refused);
        ats = refused.ats.has_value();
        fault = std::move(refused.fault);
      }
    };
    Result result;
    bool blocked = false;
    bool recorded = false;
    std::string_view blocked_by;
    // What the device sees (as DmaResult::Of a full outcome).
    DmaResult Answer() const {
      DmaResult r = result;
      r.blocked = r.blocked || blocked;
      r.recorded = recorded;
      return r;
    }
  };
  static constexpr bool IsFull(const DmaOutcome*) { return true; }
  static constexpr bool IsFull(const LeanOutcome*) { return false; }
  // Whether a request proceeds with an output address (untranslated and translated
  // requests): the full result's translation, or the lean one's success.
  static bool Proceeds(const TranslateResult& r) { return r.translation.has_value(); }
  static bool Proceeds(const LeanOutcome::Result& r) { return r.ok(); }
  static uint64_t OutputOf(const TranslateResult& r) { return r.translation->hpa; }
  static uint64_t OutputOf(const LeanOutcome::Result& r) { return r.hpa; }
  // The walk steps recorded so far (a lookup event's position in the trace).
  static int StepCount(const DmaOutcome& out) { return static_cast<int>(out.trace_size()); }
  static int StepCount(const LeanOutcome&) { return 0; }
  template <typename Out>
  static WalkTrace* TraceOf(const DmaOptions& options, Out& out) {
    if constexpr (IsFull(static_cast<Out*>(nullptr))) {
      return options.trace ? &out.mutable_trace() : nullptr;
    } else {
      return nullptr;
    }
  }

  // ---- Hot entries (UnitConfig::hot_entry). What identifies a request's answer apart from
  // the unit's state: everything of the request but the offset within its 4 KiB page (the
  // checks before the IOTLB and the completion give every offset of a page the same answer,
  // as FEEx_xxxxh is 1 MiB aligned), packed in two words and the size.
  struct HotKey {
    uint64_t page = 0;   // address 63:12 in 51:0, access, type, PR, ER, NW, PASID present above
    uint64_t shape = 0;  // source-id 15:0, PASID value 47:16 (0 without PASID)
    int size = 0;
    static HotKey Of(const DmaRequest& r) {
      return HotKey{r.address >> 12 | uint64_t{static_cast<uint8_t>(r.access)} << 52 |
                        uint64_t{static_cast<uint8_t>(r.type)} << 54 |
                        uint64_t{r.privileged} << 56 | uint64_t{r.execute} << 57 |
                        uint64_t{r.no_write} << 58 | uint64_t{r.pasid.has_value()} << 59,
                    uint64_t{r.source_id.value()} | uint64_t{r.pasid.value_or(0)} << 16, r.size};
    }
    // The first slot a key may occupy: requester and page mixed (Fibonacci hashing).
    size_t Slot() const {
      return static_cast<size_t>(((page ^ (shape << 40)) * 0x9e3779b97f4a7c15ull) >>
                                 (64 - kHotEntryBits));
    }
  };
  // A remembered request: its key, the lean answer the normal path gave it, its hits not yet
  // counted in the caches (FoldHotHits), and the cache entries that answered it, in lookup
  // order: the context entry (legacy or scalable form), the PASID entry (scalable), the IOTLB
  // entry (none when the context alone answered: pass-through, translated requests,
  // AnswerBeforeWalk); and the context they gave. What a lean hit reads and writes is in the
  // first 64 bytes.
  struct alignas(64) HotEntry {
    uint64_t page = 0;  // the key (HotKey)
    uint64_t shape = 0;
    int size = 0;
    // The largest offset within the page a request of this key may have: beyond it the
    // request crosses its 4 KiB page (bad input, CheckRequest), which the normal path reports.
    uint16_t last_offset = 0;
    // The answer's offset bits: 0xfff when the output address is the request's own offset in
    // the output page, 0 for a translation completion (a page).
    uint16_t offset_mask = 0;
    uint64_t epoch = 0;  // cache_epoch_ when remembered (0: never)
    DmaResult answer;    // with the offset bits clear: every request of the key gets it
    // Hits not yet folded: the last one's number among the hot hits since the last fold
    // (hot_pending_; 0: none) and among those that hit the IOTLB (hot_pending_iotlb_).
    uint32_t last_hit = 0;
    uint32_t last_iotlb_hit = 0;
    bool iotlb_hit = false;  // answered from an IOTLB entry (`iotlb`)
    const TranslationContext* context = nullptr;
    const ContextCache::Entry* legacy_context = nullptr;
    const ScalableContextCache::Entry* scalable_context = nullptr;
    const PasidCache::Entry* pasid = nullptr;
    const Iotlb::Entry* iotlb = nullptr;
    bool before_walk = false;  // the context alone answered (no IOTLB entry)

    bool Holds(const HotKey& key) const {
      return page == key.page && shape == key.shape && size == key.size;
    }
  };
  // What observers are told of a remembered request and its full answer, kept apart from
  // its entry (same index in hot_details_) so that what a lean hit reads stays in one line:
  // the lookup events the normal path sends without a trace (the context, PASID and IOTLB
  // hits), a memo word for each of the first kObserverMemos observers
  // (UnitObserver::OnCachedRequest), cleared whenever the entry is remembered, and the
  // TranslateResult the normal path gave (no fault: only such answers are remembered), the
  // translation's output address without its offset within the 4 KiB page (the request's
  // own, as for every granted translation: page base plus the input's offset in the page).
  static constexpr int kObserverMemos = 2;
  struct HotDetail {
    CacheLookupEvent lookups[3];
    int lookup_count = 0;
    uint32_t memo[kObserverMemos] = {};
    TranslateResult result;
    absl::Span<const CacheLookupEvent> Lookups() const {
      return absl::Span<const CacheLookupEvent>(lookups, static_cast<size_t>(lookup_count));
    }
  };
  // 2^kHotEntryBits home slots; a key sits in one of kHotProbes slots from its home (the
  // table holds kHotProbes - 1 more, so no probe wraps around), so that a few keys sharing a
  // home slot do not keep replacing each other.
  static constexpr int kHotEntryBits = 10;
  // The detail of hot_ entry `h` (hot_details_ holds one per entry once any is remembered).
  HotDetail& DetailOf(const HotEntry& h) {
    return hot_details_[static_cast<size_t>(&h - hot_.data())];
  }
  const HotDetail& DetailOf(const HotEntry& h) const {
    return hot_details_[static_cast<size_t>(&h - hot_.data())];
  }
  static constexpr int kHotProbes = 4;
  // The valid entry remembered for `key`, or nullptr.
  HotEntry* FindHotEntry(const HotKey& key) {
    HotEntry* h = &hot_[key.Slot()];
    for (int probe = 1;; ++probe, ++h) {
      // Entries are remembered in probe order, each kept until the epoch moves: an entry of
      // another epoch ends the search.
      if (h->epoch != cache_epoch_) return nullptr;
      if (h->Holds(key)) return h;
      if (probe == kHotProbes) return nullptr;
    }
  }
  // A request a hot entry answers: the same hits, recency updates (both counted later, see
  // FoldHotHits) and observer events as the normal path's context, PASID and IOTLB hits,
  // then its answer into `*out`. False (nothing done) when no valid entry matches. What the
  // normal path decided for the key holds for every request of it (the request checks,
  // IotlbEntryAnswers, the completion): none of it depends on the offset within the page.
  // Always inlined: its callers are the hot forms (Translate, Dma), whose whole point is to
  // be this lookup and a copy; GCC otherwise keeps it out of line in larger callers.
  template <typename Sink>
  ABSL_ATTRIBUTE_ALWAYS_INLINE bool HotTranslate(const DmaRequest& request, Sink* out) {
    // No entry was remembered since the last change: nothing to look for (walks, TE off).
    if (hot_live_epoch_ != cache_epoch_) return false;
    HotEntry* found = FindHotEntry(HotKey::Of(request));
    if (found == nullptr || (request.address & 0xfff) > found->last_offset) return false;
    HotEntry& h = *found;
    if (h.last_hit == 0) hot_touched_.push_back(&h);
    h.last_hit = ++hot_pending_;
    hot_pending_iotlb_ += h.iotlb_hit;
    h.last_iotlb_hit = hot_pending_iotlb_;
    if (hot_pending_ == kMaxPendingHotHits) FoldPendingHotHits();
    if (hot_observer_ == nullptr) {
      HotAnswer(h, DetailOf(h), request, out);
      return true;
    }
    // No event depends on the answer: the request's events may all be sent first. The first
    // observer's call here (the common case: timing alone), any others' apart; the detail
    // found once for the calls and the answer.
    HotDetail& d = DetailOf(h);
    hot_observer_->OnCachedRequest(d.Lookups(), d.memo[0]);
    if (hot_other_observers_) NoteHotRequestToOthers(d);
    HotAnswer(h, d, request, out);
    return true;
  }
  // The lean answer: the remembered one at the request's offset.
  static void HotAnswer(const HotEntry& h, const HotDetail&, const DmaRequest& request,
                        DmaResult* out) {
    *out = h.answer;
    out->hpa |= request.address & h.offset_mask;
  }
  // The full answer into a cleared result: the remembered one at the request's offset.
  static void HotAnswer(const HotEntry&, const HotDetail& d, const DmaRequest& request,
                        TranslateResult* out) {
    const TranslateResult& r = d.result;
    out->completion = r.completion;
    if (r.translation.has_value()) {
      out->translation.emplace(*r.translation).hpa |= request.address & 0xfff;
    }
    if (r.ats.has_value()) out->ats.emplace(*r.ats);
  }
  // Hot hits are counted in their entries and folded into the caches' counters and recency
  // and the request count before anything reads or depends on those: every normal-path
  // request (its lookups, fills and evictions), interrupt request, register write,
  // invalidation, reset and observer change, and every getter of counters or caches. The
  // fold leaves exactly the state counting each hit would have (SetAssociativeCache::
  // CountHits): the hits since the last fold all fall in one epoch (each of those events
  // folds first or moves the epoch after folding), so they went to one context cache (and, in
  // scalable mode, the PASID cache), each hit once, and their order there is their order in
  // hot_pending_; the IOTLB saw those with `iotlb_hit`, in the order of hot_pending_iotlb_.
  // The getters are const: a unit is never a const object (Create makes it), and the fold
  // changes nothing any reader could tell from counting at once.
  void FoldHotHits() const {
    if (hot_pending_ != 0) const_cast<RemappingUnit*>(this)->FoldPendingHotHits();
  }
  void FoldPendingHotHits();
  // `cache` as a getter returns it: with every hot hit counted in it.
  template <typename Cache>
  const Cache& Folded(const Cache& cache) const {
    FoldHotHits();
    return cache;
  }
  // A fold before the pending numbers outgrow HotEntry::last_hit.
  static constexpr uint32_t kMaxPendingHotHits = ~uint32_t{0};
  // The observers after the first told of a request a hot entry answers (OnCachedRequest).
  void NoteHotRequestToOthers(HotDetail& d);
  // Sets hot_observer_ and hot_other_observers_ from observers_ (after each change).
  void ObserversChanged();
  // Dma into a cleared (or new) outcome: from a hot entry if one answers, else the normal
  // path. The hot entry answers only what a request without trace or lookup list would get.
  ABSL_ATTRIBUTE_ALWAYS_INLINE void DmaInto(const DmaRequest& request, const DmaOptions& options,
                                            DmaOutcome& out) {
    if (options.trace || options.record_cache_lookups || !HotTranslate(request, &out.result)) {
      RunRequest(request, options, {}, out);
    }
  }
  // After the normal path: remembers the entries that answered `request`, if they did.
  // `answer` is the request's (DmaResult::Of its outcome); `ats` whether it was a translation
  // completion, `fault` whether a fault was hit, `ok` the outcome's status; `full` the full
  // result, if the request had one (a lean request's is completed here from the entries).
  void RememberHotEntry(const DmaRequest& request, uint64_t epoch_before, const DmaResult& answer,
                        bool ats, bool fault, bool ok, const TranslateResult* full);
  // The one request envelope of Dma and DmaWithData: the interrupt window, the request
  // count, the observers' request boundaries, the translation, and (with `data`, unit_dma_data.cc)
  // the data access.
  template <typename Out>
  void RunRequest(const DmaRequest& request, const DmaOptions& options, absl::Span<uint8_t> data,
                  Out& out);
  // The interrupt data an interrupt-window write carries (0 for reads and no data).
  static uint32_t FirstDword(const DmaRequest& request, absl::Span<const uint8_t> data);
  // The device's data access at the translated address, unless the request was blocked.
  void MoveData(const DmaRequest& request, absl::Span<uint8_t> data, DmaOutcome& out);
  template <typename Out>
  void DmaTranslate(const DmaRequest& request, const DmaOptions& options, Out& out);
  // RTADDR.TTM=01b (unit_scalable.cc): scalable context and PASID lookups through their
  // caches, then TranslateThroughCaches.
  template <typename Out>
  void DmaTranslateScalable(const DmaRequest& request, const DmaOptions& options, Out& out);
  // After the context lookup of either mode (unit_walk.cc): AnswerBeforeWalk, the IOTLB, the
  // paging-structure caches, the walk (with SSADE A/D updates), fills and completion.
  template <typename Out>
  void TranslateThroughCaches(const TranslationContext& context, const DmaRequest& request,
                              const DmaOptions& options, Out& out);
  // PGTT 001b/011b after an IOTLB miss: the first-stage (or nested) walk with its A/D
  // updates, then the IOTLB fill.
  template <typename Out>
  void TranslateFirstStageAndFill(const TranslationContext& context, const CacheTag& tag,
                                  const DmaRequest& request, WalkTrace* trace, Out& out);
  InvalidationOutcome InvalidateScalableContextCache(const ContextInvalidation& request);
  void CheckScalableEntries(SourceId sid, const ScalableContextCache::Entry* context,
                            const PasidCache::Entry* pasid, DmaOutcome& out);
  // A lookup event, built only if someone sees it (a record or an observer).
  template <typename Out>
  void NoteLookup(CacheKind cache, bool hit, uint64_t tag, bool record, Out& out) {
    if constexpr (IsFull(static_cast<Out*>(nullptr))) {
      if (record) return EmitLookup(cache, hit, tag, record, out);
    }
    if (!observers_.empty()) {
      const CacheLookupEvent event{cache, hit, tag, StepCount(out)};
      for (UnitObserver* o : observers_) o->OnCacheLookup(event);
    }
  }
  void EmitLookup(CacheKind cache, bool hit, uint64_t tag, bool record, DmaOutcome& out);
  // The context-cache step of either mode (S §6.2.1): a counted, observed lookup by
  // source-id; on a miss `walk(Value*)` reads the tables into the value it is given and
  // returns its fault, if any, and what it read is filled. Returns the cached value (`*hit`
  // set) or the walked one (held in `*walked`); nullptr when the walk faulted, `out` then
  // completed with its fault. A `*walked` already holding a value is reused as it is: for a
  // walk that writes every field it reports, so a miss does not clear the value first.
  template <typename Cache, typename Value, typename Walk, typename Out>
  const Value* ContextThroughCache(Cache& cache, SourceId sid, bool record, Walk&& walk,
                                   const typename Cache::Entry** hit, std::optional<Value>* walked,
                                   Out& out) {
    *hit = cache.Lookup(sid);
    NoteLookup(CacheKind::kContext, *hit != nullptr, sid.value(), record, out);
    if (*hit != nullptr) return &(*hit)->value;
    Value& value = walked->has_value() ? **walked : walked->emplace();
    if (std::optional<Fault> fault = walk(&value)) {
      Complete(FaultResult(*std::move(fault)), out);
      return nullptr;
    }
    cache.Fill(sid, value, request_count_);
    return &value;
  }
  template <typename Out>
  void Complete(TranslateResult result, Out& out);
  // Blocking and fault recording for out.result, once it holds the walk's answer.
  template <typename Out>
  void AfterResult(Out& out);
  template <typename Out>
  void RecordFault(const Fault& fault, Out& out);
  // `remapped`: the output address came from the page tables (IOTLB or walk).
  template <typename Out>
  void CheckProtectedMemory(const DmaRequest& request, bool remapped, Out& out) {
    // Remapped requests are exempt unless configured otherwise (the common case, inline).
    if (remapped && !config_.pmr_blocks_remapped_requests) return;
    CheckProtectedMemoryRegions(request, out);
  }
  template <typename Out>
  void CheckProtectedMemoryRegions(const DmaRequest& request, Out& out);
  void FillPagingStructureCaches(const CacheTag& tag, uint64_t address, const SsWalkStart& start,
                                 const SsWalkResult& walk);
  // The invalidation checker: compares cached raw entries with memory.
  // `hardware_bits`: bits hardware sets itself (A/D), not compared.
  void CheckStale(CacheKind cache, const char* what, uint64_t address, uint64_t cached,
                  uint64_t stamp, DmaOutcome& out, uint64_t hardware_bits = 0);
  void CheckContextEntry(SourceId sid, const ContextCache::Entry& entry, DmaOutcome& out);

  UnitConfig config_;
  HostMemory* memory_;
  std::unique_ptr<RegisterFile> registers_;
  WalkConfig walk_config_;
  // The second-stage formats of both modes, made once (their reserved masks depend only on
  // capabilities, fixed for the unit's life); the walk picks the one of the latched mode.
  SecondStageFormat ss_legacy_format_;
  SecondStageFormat ss_scalable_format_;
  LegacyEntryMasks legacy_masks_;      // the root and context entries' reserved bits, likewise
  ScalableEntryMasks scalable_masks_;  // the scalable context and PASID entries', likewise
  // The second-stage walk's result, reused by every walk (WalkPagingInto sets what it reports
  // and the records it made), so a walk does not clear five level records first.
  SsWalkResult walk_scratch_;
  // The legacy root and context lookup's value on a context-cache miss, reused likewise: the
  // lookup writes every field of a context it returns (or caches as not present).
  std::optional<ContextCacheEntry> context_scratch_;
  FaultRecorder recorder_;
  ContextCache context_cache_;
  ScalableContextCache sm_context_cache_;
  PasidCache pasid_cache_;
  Iotlb iotlb_;
  PagingStructureCache psc_[6];        // indexed by level; 2..5 used
  uint32_t iotlb_leaf_levels_ = 0b10;  // bit n: level n may be a leaf (SLLPS)
  bool any_psc_enabled_ = false;       // some paging-structure cache has entries
  std::vector<UnitObserver*> observers_;
  // What a hot hit tells observers by: the first observer (nullptr: none) and whether there
  // are others (set with observers_).
  UnitObserver* hot_observer_ = nullptr;
  bool hot_other_observers_ = false;
  uint64_t request_count_ = 0;
  InterruptEntryCache iec_;
  std::unique_ptr<InvalidationQueue> queue_;
  QueueRun last_queue_run_;
  PageResponseListener page_response_listener_;
  // Translate's working outcome for the requests that need the full one (interrupt window,
  // invalidation checker): only the unit writes it, so after a request that proceeded
  // without a fault only the result needs resetting (TranslateThroughOutcome).
  DmaOutcome lean_;
  DeviceTlbInvalidationTarget* device_tlbs_ = nullptr;
  // Hot entries: on with UnitConfig::hot_entry unless the checker or remapped PMR blocking
  // needs the normal path. The epoch moves on every change of a translation cache (the
  // caches count into it), every register write, reset and observer change.
  bool hot_enabled_ = false;
  uint64_t cache_epoch_ = 1;
  uint64_t hot_live_epoch_ = 0;  // cache_epoch_ when an entry was last remembered
  uint64_t hot_answers_ = 0;
  std::vector<HotEntry> hot_;
  std::vector<HotDetail> hot_details_;  // hot_details_[i] goes with hot_[i]
  // Hot hits since the last fold (FoldHotHits), those of them that hit the IOTLB, and the
  // entries they hit (each once).
  uint32_t hot_pending_ = 0;
  uint32_t hot_pending_iotlb_ = 0;
  std::vector<HotEntry*> hot_touched_;
  HotEntry hot_candidate_;  // what the request in progress hit (set by the normal path)
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_UNIT_REMAPPING_UNIT_H_
