#include "model/device/device_tlb.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "model/common/hex.h"

namespace vtd {

std::string AtcEntry::ToString() const {
  const AtsCompletion& c = completion;
  std::string s = pasid ? absl::StrCat("pasid ", Hex(*pasid), " ") : std::string("no pasid ");
  absl::StrAppend(&s, privileged ? "priv " : "user ", Hex(input.base), "-", Hex(input.last));
  if (c.untranslated_only) return absl::StrCat(s, " untranslated only");
  absl::StrAppend(&s, " -> ", Hex(c.address), " ", c.read ? "r" : "", c.write ? "w" : "",
                  !c.read && !c.write ? "none" : "", c.no_snoop ? " n" : "",
                  c.privileged ? " priv" : "", c.execute ? " exe" : "", c.global ? " g" : "");
  return s;
}

const AtcEntry* DeviceTlb::Fill(uint64_t untranslated_address, std::optional<uint32_t> pasid,
                                bool privileged, const AtsCompletion& completion) {
  if (!completion.read && !completion.write && !completion.untranslated_only) return nullptr;
  const uint64_t size = std::max<uint64_t>(completion.size, 0x1000);
  AtcEntry entry;
  entry.pasid = pasid;
  entry.privileged = privileged;
  entry.input = AtsRange{untranslated_address & ~(size - 1), (untranslated_address | (size - 1))};
  entry.completion = completion;
  entry.fill = fills_++;
  // One translation per tag and address: a newer completion replaces what it overlaps.
  std::erase_if(entries_, [&](const AtcEntry& e) {
    return e.pasid == pasid && e.privileged == privileged &&
           e.input.Overlaps(entry.input.base, entry.input.last);
  });
  if (static_cast<int>(entries_.size()) >= capacity_) entries_.erase(entries_.begin());
  entries_.push_back(entry);
  return &entries_.back();
}

const AtcEntry* DeviceTlb::Lookup(uint64_t untranslated_address, std::optional<uint32_t> pasid,
                                  bool privileged) const {
  for (const AtcEntry& e : entries_) {
    if (!e.input.Contains(untranslated_address) || e.privileged != privileged) continue;
    // A Global entry serves every PASID (never a request without PASID).
    const bool tag_match =
        e.pasid == pasid || (e.completion.global && e.pasid.has_value() && pasid.has_value());
    if (tag_match) return &e;
  }
  return nullptr;
}

int DeviceTlb::Invalidate(const DeviceTlbInvalidation& request) {
  const AtsRange range = DecodeAtsRange(request.address, request.size);
  return static_cast<int>(std::erase_if(
      entries_, [&](const AtcEntry& e) { return range.Overlaps(e.input.base, e.input.last); }));
}

int DeviceTlb::Invalidate(const PasidDeviceTlbInvalidation& request) {
  const AtsRange range = DecodeAtsRange(request.address, request.size);
  return static_cast<int>(std::erase_if(entries_, [&](const AtcEntry& e) {
    if (!e.pasid.has_value() || !range.Overlaps(e.input.base, e.input.last)) return false;
    return request.global || *e.pasid == request.pasid || e.completion.global;
  }));
}

DeviceTlb& DeviceTlbs::For(uint16_t segment, SourceId sid) {
  return devices_.try_emplace({segment, sid.value()}, capacity_).first->second;
}

const DeviceTlb* DeviceTlbs::Find(uint16_t segment, SourceId sid) const {
  const auto it = devices_.find({segment, sid.value()});
  return it == devices_.end() ? nullptr : &it->second;
}

int DeviceTlbs::InvalidateDeviceTlb(uint16_t segment, const DeviceTlbInvalidation& request) {
  const auto it = devices_.find({segment, request.source_id});
  return it == devices_.end() ? 0 : it->second.Invalidate(request);
}

int DeviceTlbs::InvalidatePasidDeviceTlb(uint16_t segment,
                                         const PasidDeviceTlbInvalidation& request) {
  const auto it = devices_.find({segment, request.source_id});
  return it == devices_.end() ? 0 : it->second.Invalidate(request);
}

}  // namespace vtd
