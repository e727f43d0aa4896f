#include "model/device/ats_device.h"

namespace vtd {
namespace {

bool Grants(const AtcEntry& entry, AccessKind access) {
  const AtsCompletion& c = entry.completion;
  if (c.untranslated_only) return true;
  const bool needs_read = access != AccessKind::kWrite;
  const bool needs_write = access != AccessKind::kRead;
  return (!needs_read || c.read) && (!needs_write || c.write);
}

}  // namespace

std::string_view AtsAccessResultName(AtsAccessOutcome::Result result) {
  switch (result) {
    case AtsAccessOutcome::Result::kTranslated:
      return "translated";
    case AtsAccessOutcome::Result::kUntranslated:
      return "untranslated";
    case AtsAccessOutcome::Result::kNoPermission:
      return "no_permission";
    case AtsAccessOutcome::Result::kTranslationFailed:
      return "translation_failed";
  }
  return "unknown";
}

AtsAccessOutcome AccessThroughDeviceTlb(RemappingUnit& unit, DeviceTlb& device_tlb,
                                        const DmaRequest& request, bool move_data,
                                        absl::Span<uint8_t> data, const DmaOptions& options) {
  AtsAccessOutcome out;
  const AtcEntry* entry = device_tlb.Lookup(request.address, request.pasid, request.privileged);
  out.hit = entry != nullptr;
  if (entry == nullptr || !Grants(*entry, request.access)) {
    DmaRequest translate = request;
    translate.type = RequestType::kTranslation;
    translate.address = request.address & ~uint64_t{0xfff};
    translate.no_write = request.access == AccessKind::kRead;
    const DmaOutcome& t = out.translation.emplace(unit.Dma(translate, options));
    if (!t.result.ats.has_value()) {
      out.result = AtsAccessOutcome::Result::kTranslationFailed;
      return out;
    }
    entry = device_tlb.Fill(request.address, request.pasid, request.privileged, *t.result.ats);
    if (entry == nullptr) {
      out.result = AtsAccessOutcome::Result::kNoPermission;
      return out;
    }
  }
  out.entry = *entry;
  if (!Grants(*entry, request.access)) {
    out.result = AtsAccessOutcome::Result::kNoPermission;
    return out;
  }
  DmaRequest send = request;
  if (entry->completion.untranslated_only) {
    send.type = RequestType::kUntranslated;
    out.result = AtsAccessOutcome::Result::kUntranslated;
  } else {
    send.type = RequestType::kTranslated;
    send.address = entry->completion.address + (request.address - entry->input.base);
    out.result = AtsAccessOutcome::Result::kTranslated;
  }
  out.access = move_data ? unit.DmaWithData(send, data, options) : unit.Dma(send, options);
  return out;
}

}  // namespace vtd
