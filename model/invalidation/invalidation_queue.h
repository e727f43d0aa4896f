// The queued-invalidation engine of one remapping unit (VT-d spec §6.5.2): fetches
// descriptors from the queue at IQA between IQH and IQT, validates them, hands cache
// invalidations to a CacheInvalidator, completes invalidation-wait descriptors (status
// write, ICS.IWC and the invalidation completion event), and stops on the errors of
// S §6.5.2.11 (IQE with IQERCD.IQEI, ITE with ITESID, ICE with ICESID), raising the fault
// event as S §7.3 requires.
//
// The engine owns no register state: it reads and updates the unit's RegisterFile (IQA, IQH,
// IQT, ICS, IECTL/IEDATA/IEADDR/IEUADDR, FSTS, FECTL/FEDATA/..., IQERCD). The unit calls
// Process() while GSTS.QIES=1: after software moves IQT, after QIE goes 0->1, and after
// software clears FSTS.IQE or FSTS.ITE (hardware then fetches again from IQH).
//
// Model choices (the spec leaves timing to the implementation):
//  * Every descriptor completes before the next is fetched, so the ordering rules of
//    S §6.5.2.12 hold trivially and the fence flag (FN) has no further effect.
//  * A device-TLB invalidation whose device does not answer (DeviceTlbResponse::kTimeout)
//    is detected when the wait descriptor that reports it is reached, as hardware that
//    fetches ahead detects it while that wait is pending: every descriptor up to and
//    including that wait is fetched (IQH moves past them), the cache invalidations among them
//    complete, the wait is aborted (no status write, no IWC), and then FSTS.ITE stops the
//    queue. With no wait before IQT, ITE is set when the queue drains. Linux's recovery
//    (qi_check_fault: walk back from IQH marking waits aborted) expects this placement.
//  * A status write to an address outside memory is dropped and reported in QueueRun.
#ifndef VTDSIM_MODEL_INVALIDATION_INVALIDATION_QUEUE_H_
#define VTDSIM_MODEL_INVALIDATION_INVALIDATION_QUEUE_H_

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "model/common/bits.h"
#include "model/invalidation/cache_invalidation.h"
#include "model/invalidation/descriptors.h"
#include "model/invalidation/event_interrupt.h"
#include "model/memory/host_memory.h"
#include "model/regs/register_file.h"

namespace vtd {

// Register fields the engine uses (S §11.4.9, §11.4.7.1).
struct QueueRegisters {
  static constexpr BitRange kIqaBase{63, 12};     // IQA_REG: queue base
  static constexpr BitRange kIqaDw = Bit(11);     // IQA_REG: 1 = 256-bit descriptors
  static constexpr BitRange kIqaQs{2, 0};         // IQA_REG: 2^QS 4 KiB pages
  static constexpr BitRange kQueueOffset{18, 4};  // IQH_REG.QH / IQT_REG.QT (byte offset)
  static constexpr BitRange kIcsIwc = Bit(0);     // ICS_REG.IWC
  static constexpr BitRange kFstsPfo = Bit(0);
  static constexpr BitRange kFstsPpf = Bit(1);
  static constexpr BitRange kFstsIqe = Bit(4);
  static constexpr BitRange kFstsIce = Bit(5);
  static constexpr BitRange kFstsIte = Bit(6);
  static constexpr BitRange kIqercdIcesid{63, 48};
  static constexpr BitRange kIqercdItesid{47, 32};
  static constexpr BitRange kIqercdIqei{3, 0};
};

// What a device does with a device-TLB invalidation request (ATS invalidate).
enum class DeviceTlbResponse : uint8_t {
  kCompleted,          // a valid invalidation completion
  kTimeout,            // no completion: invalidation time-out (FSTS.ITE)
  kInvalidCompletion,  // completion with a bad ITag or source-id (FSTS.ICE)
};
std::string_view DeviceTlbResponseName(DeviceTlbResponse response);
using DeviceTlbResponder = std::function<DeviceTlbResponse(const DeviceTlbInvalidation&)>;
// Sets FSTS bits (IQE, ICE, ITE) and raises the fault event as S §7.3 says. A unit whose
// fault recorder owns the fault event installs one; without it the engine updates FSTS and
// FECTL itself (kFaultEventRegisters).
using FaultStatusHandler = std::function<void(uint32_t fsts_bits)>;

enum class QueueErrorKind : uint8_t {
  kQueueError,         // FSTS.IQE (IQERCD.IQEI says why)
  kTimeout,            // FSTS.ITE (IQERCD.ITESID)
  kInvalidCompletion,  // FSTS.ICE (IQERCD.ICESID)
};
std::string_view QueueErrorKindName(QueueErrorKind kind);  // "IQE", "ITE", "ICE"

struct QueueErrorEvent {
  QueueErrorKind kind;
  QueueErrorCode code = QueueErrorCode::kNoInfo;  // kQueueError
  uint32_t head = 0;                              // IQH when it happened
  uint16_t source_id = 0;                         // kTimeout, kInvalidCompletion
  bool recorded = false;  // IQERCD's field was written (it was clear before)
  std::string message;
};

struct ProcessedDescriptor {
  uint32_t offset = 0;  // byte offset in the queue it was fetched from
  int width_bits = 128;
  std::array<uint64_t, 4> words{};
  InvalidationDescriptor descriptor;
  InvalidationOutcome outcome;                       // cache invalidations: what the caches did
  std::optional<DeviceTlbResponse> device_response;  // dev_tlb_inv_dsc
  bool wait_aborted = false;                         // inv_wait_dsc aborted by a time-out
  bool status_written = false;                       // inv_wait_dsc SW performed
  bool completion_flagged = false;                   // inv_wait_dsc IF set ICS.IWC (it was clear)
};

// Everything one Process() call did, in order.
struct QueueRun {
  std::vector<ProcessedDescriptor> processed;
  std::vector<QueueErrorEvent> errors;
  // Invalidation-completion events, and fault events unless a FaultStatusHandler raises them
  // (sent, or pending with IP set).
  std::vector<EventMessage> events;
  std::vector<std::string> diagnostics;  // e.g. a status write outside memory
  bool empty() const { return processed.empty() && errors.empty() && events.empty(); }
};

class InvalidationQueue {
 public:
  // `registers` and `memory` must outlive the engine; `caches` may be null (then cache
  // invalidations do nothing) and must outlive it otherwise. Status addresses and the queue
  // base are truncated to `host_address_width` bits (bits above HAW are ignored).
  InvalidationQueue(RegisterFile* registers, HostMemory* memory, CacheInvalidator* caches,
                    int host_address_width = 64);

  void set_cache_invalidator(CacheInvalidator* caches) { caches_ = caches; }
  // Default: every device answers with a valid completion.
  void set_device_tlb_responder(DeviceTlbResponder responder) { responder_ = std::move(responder); }

  // The page request interface's check of page_grp_resp_dsc (type 0x9 is invalid without it).
  void set_page_group_response_check(decltype(DescriptorLimits::check_page_group_response) check) {
    check_page_group_response_ = check;
  }

  void set_fault_status_handler(FaultStatusHandler handler) {
    fault_status_handler_ = std::move(handler);
  }

  // Fetches and processes descriptors from IQH towards IQT until the queue is empty or an
  // error stops it. Does nothing while FSTS.IQE or FSTS.ITE is set. Call only while
  // GSTS.QIES=1.
  QueueRun Process();
  void ProcessInto(QueueRun& run);

  // QIE 1->0 (S §6.5.2): hardware resets IQH to 0.
  void OnDisabled();
  // Software wrote IECTL: clearing IM with IP set sends the pending completion event.
  std::optional<EventMessage> OnEventControlWrite();
  // Software wrote ICS: clearing IWC while IECTL.IP is set clears IP (S §6.5.2.10).
  void OnCompletionStatusWrite();

  // Queue geometry from IQA now.
  uint64_t queue_base() const;
  uint32_t queue_bytes() const;  // 4 KiB × 2^QS
  int descriptor_bytes() const;  // 16 (DW=0) or 32 (DW=1)
  uint64_t descriptors_processed() const { return descriptors_processed_; }

 private:
  // The problem stopping the queue before a fetch, or nullopt.
  std::optional<DescriptorProblem> CheckQueueState(uint32_t tail) const;
  void RaiseQueueError(QueueRun& run, const DescriptorProblem& problem, uint32_t head);
  void RaiseTimeout(QueueRun& run, uint16_t sid, uint32_t head);
  void RaiseInvalidCompletion(QueueRun& run, uint16_t sid, uint32_t head);
  // S §7.3: a fault event is signalled only if no status bit was already set.
  bool FaultEventArmed() const;
  // Sets `bit` in FSTS and raises the fault event (through the handler if there is one).
  void SetFaultStatus(QueueRun& run, const BitRange& bit);
  void Execute(QueueRun& run, ProcessedDescriptor& p);
  void CompleteWait(QueueRun& run, ProcessedDescriptor& p, const InvalidationWaitDescriptor& w);
  // The endpoint's answer to a device-TLB invalidation (dev_tlb_inv_dsc, p_dev_tlb_inv_dsc):
  // a time-out is reported by the next wait descriptor, an invalid completion at once.
  void AwaitDeviceTlbResponse(QueueRun& run, ProcessedDescriptor& p,
                              const DeviceTlbInvalidation& request);
  DescriptorLimits Limits() const;

  RegisterFile* registers_;
  HostMemory* memory_;
  CacheInvalidator* caches_;
  uint64_t address_mask_;
  DeviceTlbResponder responder_;
  FaultStatusHandler fault_status_handler_;
  decltype(DescriptorLimits::check_page_group_response) check_page_group_response_ = nullptr;
  // A device-TLB time-out waiting for the wait descriptor that reports it.
  std::optional<uint16_t> pending_timeout_sid_;
  uint64_t descriptors_processed_ = 0;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_INVALIDATION_INVALIDATION_QUEUE_H_
