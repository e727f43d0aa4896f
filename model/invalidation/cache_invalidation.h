// Cache invalidation requests, independent of how software issued them. Register-based
// invalidation (CCMD, IOTLB_REG: S §6.5.1, §11.4.4.1, §11.4.8.1) and queued invalidation
// (descriptors: S §6.5.2) both decode into these requests and hand them to a
// CacheInvalidator, which the remapping unit implements over its caches. This keeps the
// queue engine (model/invalidation) below the unit in the layering: it knows requests, not
// caches.
//
// The interface between the unit (implements it) and the queued-invalidation engine (issues
// requests through it).
#ifndef VTDSIM_MODEL_INVALIDATION_CACHE_INVALIDATION_H_
#define VTDSIM_MODEL_INVALIDATION_CACHE_INVALIDATION_H_

#include <cstdint>
#include <string_view>

#include "absl/types/span.h"

namespace vtd {

// Context-cache invalidation (CCMD.CIRG / cc_inv_dsc.G): S §6.5.1.1, §6.5.2.1.
struct ContextInvalidation {
  enum class Granularity : uint8_t { kGlobal = 1, kDomain = 2, kDevice = 3 };
  Granularity granularity = Granularity::kGlobal;
  uint16_t domain_id = 0;     // kDomain, kDevice
  uint16_t source_id = 0;     // kDevice
  uint8_t function_mask = 0;  // kDevice: FM, 0..3 low bits of the function masked
};

// IOTLB invalidation (IOTLB_REG.IIRG / iotlb_inv_dsc.G): S §6.5.1.2, §6.5.2.3. Also drops
// paging-structure-cache entries as the spec requires for the granularity (IH keeps them
// for page-selective requests).
struct IotlbInvalidation {
  enum class Granularity : uint8_t { kGlobal = 1, kDomain = 2, kPage = 3 };
  Granularity granularity = Granularity::kGlobal;
  uint16_t domain_id = 0;          // kDomain, kPage
  uint64_t address = 0;            // kPage: 4 KiB-aligned IOVA
  uint8_t address_mask = 0;        // kPage: AM, invalidates 2^AM pages aligned to that size
  bool invalidation_hint = false;  // IH: leaf-only, paging-structure caches may be kept
  bool drain_reads = false;        // DR
  bool drain_writes = false;       // DW
};

// Device-TLB invalidation (dev_tlb_inv_dsc): S §6.5.2.5. The unit caches nothing it drops:
// the request goes to the endpoint's device TLB (DeviceTlbInvalidationTarget).
struct DeviceTlbInvalidation {
  uint16_t source_id = 0;
  uint16_t pfsid = 0;
  uint8_t max_invs_pending = 0;
  uint64_t address = 0;
  bool size = false;  // S bit
};

// Interrupt entry cache invalidation (iec_inv_dsc): S §6.5.2.7.
struct InterruptEntryInvalidation {
  enum class Granularity : uint8_t { kGlobal = 0, kIndex = 1 };
  Granularity granularity = Granularity::kGlobal;
  uint16_t index = 0;      // kIndex: IIDX
  uint8_t index_mask = 0;  // kIndex: IM, 2^IM entries aligned
};

// PASID-based IOTLB invalidation (p_iotlb_inv_dsc, scalable mode): S §6.5.2.4, Table 24.
struct PasidIotlbInvalidation {
  enum class Granularity : uint8_t { kPasid = 2, kPage = 3 };
  Granularity granularity = Granularity::kPasid;
  uint16_t domain_id = 0;
  uint32_t pasid = 0;
  uint64_t address = 0;            // kPage: 4 KiB-aligned input address
  uint8_t address_mask = 0;        // kPage: AM, 2^AM pages aligned to that size
  bool invalidation_hint = false;  // IH: first-stage paging-structure caches may be kept
};

// PASID-cache invalidation (pc_inv_dsc, scalable mode): S §6.5.2.2.
struct PasidCacheInvalidation {
  enum class Granularity : uint8_t { kDomain = 0, kPasid = 1, kGlobal = 3 };
  Granularity granularity = Granularity::kGlobal;
  uint16_t domain_id = 0;  // kDomain, kPasid
  uint32_t pasid = 0;      // kPasid
};

// PASID-based device-TLB invalidation (p_dev_tlb_inv_dsc, scalable mode): S §6.5.2.6.
struct PasidDeviceTlbInvalidation {
  uint16_t source_id = 0;
  uint16_t pfsid = 0;
  uint8_t max_invs_pending = 0;
  uint32_t pasid = 0;   // ignored when global
  bool global = false;  // GI: every PASID of the device
  uint64_t address = 0;
  bool size = false;  // S bit
};

// What was actually done: the actual granularity (CCMD.CAIG / IOTLB.IAIG encoding) and how
// many cache entries were dropped.
struct InvalidationOutcome {
  uint8_t actual_granularity = 0;  // same encoding as the request's Granularity
  int entries_removed = 0;
};

// Where device-TLB invalidations go beyond the unit: the address translation caches of the
// endpoints (model/device). The unit forwards dev_tlb_inv_dsc and p_dev_tlb_inv_dsc of its
// segment; the result is the number of device-TLB entries dropped.
class DeviceTlbInvalidationTarget {
 public:
  virtual ~DeviceTlbInvalidationTarget() = default;
  virtual int InvalidateDeviceTlb(uint16_t segment, const DeviceTlbInvalidation& request) = 0;
  virtual int InvalidatePasidDeviceTlb(uint16_t segment,
                                       const PasidDeviceTlbInvalidation& request) = 0;
};

class CacheInvalidator {
 public:
  virtual ~CacheInvalidator() = default;
  virtual InvalidationOutcome InvalidateContextCache(const ContextInvalidation& request) = 0;
  virtual InvalidationOutcome InvalidateIotlb(const IotlbInvalidation& request) = 0;
  virtual InvalidationOutcome InvalidateDeviceTlb(const DeviceTlbInvalidation& request) = 0;
  virtual InvalidationOutcome InvalidateInterruptEntryCache(
      const InterruptEntryInvalidation& request) = 0;
  // Scalable-mode descriptors. A holder without PASID-granular caches has nothing to drop:
  // the defaults report the request performed with no entry removed.
  virtual InvalidationOutcome InvalidatePasidCache(const PasidCacheInvalidation& request) {
    return InvalidationOutcome{static_cast<uint8_t>(request.granularity), 0};
  }
  virtual InvalidationOutcome InvalidatePasidIotlb(const PasidIotlbInvalidation& request) {
    return InvalidationOutcome{static_cast<uint8_t>(request.granularity), 0};
  }
  virtual InvalidationOutcome InvalidatePasidDeviceTlb(const PasidDeviceTlbInvalidation&) {
    return InvalidationOutcome{1, 0};
  }
  // page_grp_resp_dsc: the response reaches the device named by its RID (4 qwords as
  // validated). Nothing is cached by it.
  virtual void DeliverPageGroupResponse(absl::Span<const uint64_t> /*words*/) {}
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_INVALIDATION_CACHE_INVALIDATION_H_
