// An ATS-capable device's access through its device TLB (VT-d spec §4.2.3 translation
// requests, §4.2.5 translated requests; the device side is PCIe ATS): the device looks the
// untranslated address up in its address translation cache; on a miss, or when the entry
// lacks the permission the access needs (permissions may have been raised since), it sends a
// translation request to the unit and caches the completion; then it sends the access as a
// translated request at the cached translated address, or as an untranslated request when the
// completion said U (untranslated access only). A completion granting nothing, or a
// translation request answered UR/CA, leaves the device without access: nothing is sent.
//
// The translation request asks for write permission only for writes (NW=1 for reads, so a
// read never makes the unit set a first-stage D bit). The translated request carries the
// PASID and privilege the entry was requested with.
#ifndef VTDSIM_MODEL_DEVICE_ATS_DEVICE_H_
#define VTDSIM_MODEL_DEVICE_ATS_DEVICE_H_

#include <optional>
#include <string_view>

#include "absl/types/span.h"
#include "model/device/device_tlb.h"
#include "model/translate/request.h"
#include "model/unit/remapping_unit.h"

namespace vtd {

struct AtsAccessOutcome {
  enum class Result : uint8_t {
    kTranslated,         // sent as a translated request (see `access` for its outcome)
    kUntranslated,       // U=1: sent as an untranslated request
    kNoPermission,       // the completion does not grant the access: nothing sent
    kTranslationFailed,  // the translation request was answered UR or CA: nothing sent
  };
  Result result = Result::kTranslationFailed;
  bool hit = false;  // the device TLB held an entry for the address when the access began
  // The translation request sent (a miss, or an entry without the needed permission).
  std::optional<DmaOutcome> translation;
  std::optional<AtcEntry> entry;     // the entry the access used (or found lacking)
  std::optional<DmaOutcome> access;  // the request sent with it
};
std::string_view AtsAccessResultName(AtsAccessOutcome::Result result);  // "translated", ...

// `request` is the device's access (untranslated address, size, access, PASID, PR); its
// `type` is ignored. With `move_data`, the access moves `data` (RemappingUnit::DmaWithData).
AtsAccessOutcome AccessThroughDeviceTlb(RemappingUnit& unit, DeviceTlb& device_tlb,
                                        const DmaRequest& request, bool move_data,
                                        absl::Span<uint8_t> data, const DmaOptions& options = {});

}  // namespace vtd

#endif  // VTDSIM_MODEL_DEVICE_ATS_DEVICE_H_
