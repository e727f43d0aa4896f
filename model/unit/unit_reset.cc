// RemappingUnit::Reset: the unit as it comes out of reset, with the memory it shares with
// other units left alone.
#include "model/unit/remapping_unit.h"

namespace vtd {

void RemappingUnit::Reset() {
  FoldHotHits();  // the caches' counters and recency clocks survive a reset
  registers_->Reset();
  ++cache_epoch_;  // the registers the DMA path reads changed
  // RTADDR is 0 and no root table pointer is latched (S §11.4.5): the walk must not keep the
  // one the last SRTP latched, or TE set without SRTP would walk tables from before reset.
  walk_config_.rtaddr = 0;
  // The caches hold nothing at reset (S §6: software invalidates nothing before first use),
  // and random replacement restarts from its seed, as on a new unit (determinism).
  context_cache_.Reset();
  sm_context_cache_.Reset();
  pasid_cache_.Reset();
  iotlb_.Reset();
  for (int level = 2; level <= 5; ++level) psc_[level].Reset();
  iec_.Reset();
  // FRI restarts at 0 with the fault-recording registers cleared (S §11.4.7.1).
  recorder_.ResetIndex();
  // IQH is 0 and no device-TLB time-out is pending: as after QIE 1->0 (S §6.5.2).
  queue_->OnDisabled();
  last_queue_run_ = QueueRun{};
  (void)registers_->TakeDiagnostics();
}

}  // namespace vtd
