// A device TLB: the address translation cache (ATC) of one ATS-capable requester (VT-d spec
// §4.2.3 and §6.5.2.5-§6.5.2.6; the cache itself is the endpoint's, defined by PCIe ATS).
// It holds the translation completions the remapping unit returned for the requester's
// translation requests, tagged as the request was made: with a PASID or without, and with
// the privilege (PR) it asked for. Each entry keeps everything a completion carries:
// translated address, size (the ATS size encoding), R, W, U (untranslated access only),
// N (no snoop), Priv, Exe and Global.
//
// Invalidation follows what the messages the unit sends mean to an endpoint:
//  * dev_tlb_inv_dsc (no PASID): an ATS invalidation without a PASID prefix drops every entry
//    overlapping the range, whatever PASID it was requested with (PCIe ATS gives no way to
//    name only the entries without PASID);
//  * p_dev_tlb_inv_dsc: the entries of that PASID overlapping the range, and entries marked
//    Global (they serve every PASID, so also that one); with GI=1 the entries of every PASID.
//    Entries requested without PASID are not touched.
// Nothing cached is ever checked against memory again: a stale entry stays usable until an
// invalidation drops it, which is what the invalidation descriptors exist for.
#ifndef VTDSIM_MODEL_DEVICE_DEVICE_TLB_H_
#define VTDSIM_MODEL_DEVICE_DEVICE_TLB_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "model/device/ats_range.h"
#include "model/invalidation/cache_invalidation.h"
#include "model/structs/ids.h"
#include "model/translate/translation.h"

namespace vtd {

struct AtcEntry {
  std::optional<uint32_t> pasid;  // the translation request's PASID, or none
  bool privileged = false;        // the request's PR (the completion's Priv answers it)
  AtsRange input;                 // untranslated range the completion covers
  AtsCompletion completion;       // as returned (address = translated base of the range)
  uint64_t fill = 0;              // fill order (replacement: oldest first)

  // "pasid 0x1 user 0x7000-0x7fff -> 0x9000 rw"
  std::string ToString() const;
};

class DeviceTlb {
 public:
  // `capacity` entries (> 0); when full, the oldest fill is replaced.
  explicit DeviceTlb(int capacity = 64) : capacity_(capacity > 0 ? capacity : 1) {}

  // Caches a Success completion for a translation request at `untranslated_address` with
  // `pasid`/`privileged`. A completion granting nothing (R=W=U=0) is not cached: it tells
  // the device it has no access, and any later access asks again. Returns the entry, or
  // nullptr when nothing was cached. An earlier entry of the same tag overlapping the range
  // is replaced.
  const AtcEntry* Fill(uint64_t untranslated_address, std::optional<uint32_t> pasid,
                       bool privileged, const AtsCompletion& completion);

  // The entry translating `untranslated_address` for an access with `pasid`/`privileged`.
  const AtcEntry* Lookup(uint64_t untranslated_address, std::optional<uint32_t> pasid,
                         bool privileged) const;

  // Entries dropped.
  int Invalidate(const DeviceTlbInvalidation& request);
  int Invalidate(const PasidDeviceTlbInvalidation& request);
  void Clear() { entries_.clear(); }

  // In fill order.
  const std::vector<AtcEntry>& entries() const { return entries_; }

 private:
  int capacity_;
  uint64_t fills_ = 0;
  std::vector<AtcEntry> entries_;
};

// The device TLBs of every ATS-capable requester on a platform, keyed by segment and
// source-id (created on first use). Remapping units forward device-TLB invalidations here.
class DeviceTlbs : public DeviceTlbInvalidationTarget {
 public:
  explicit DeviceTlbs(int capacity_per_device = 64) : capacity_(capacity_per_device) {}

  DeviceTlb& For(uint16_t segment, SourceId sid);
  const DeviceTlb* Find(uint16_t segment, SourceId sid) const;

  int InvalidateDeviceTlb(uint16_t segment, const DeviceTlbInvalidation& request) override;
  int InvalidatePasidDeviceTlb(uint16_t segment,
                               const PasidDeviceTlbInvalidation& request) override;

 private:
  int capacity_;
  std::map<std::pair<uint16_t, uint16_t>, DeviceTlb> devices_;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_DEVICE_DEVICE_TLB_H_
