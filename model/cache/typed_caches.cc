#include "model/cache/context_cache.h"
#include "model/cache/iotlb.h"
#include "model/cache/paging_structure_cache.h"

namespace vtd {

absl::StatusOr<ContextCache> ContextCache::Create(const CacheGeometry& geometry) {
  absl::StatusOr<Cache> cache = Cache::Create(geometry, "context cache");
  if (!cache.ok()) return cache.status();
  return ContextCache(*std::move(cache));
}

int ContextCache::InvalidateDomain(uint16_t did) {
  return cache_.InvalidateIf([did](const Entry& e) { return e.value.tag_domain() == did; });
}

int ContextCache::InvalidateDevice(uint16_t did, SourceId sid, uint8_t function_mask) {
  const uint16_t keep = static_cast<uint16_t>(~FunctionMaskBits(function_mask));
  const uint16_t want = sid.value() & keep;
  return cache_.InvalidateIf(
      [&](const Entry& e) { return (e.key & keep) == want && e.value.tag_domain() == did; });
}

AddressRange PageMaskRange(uint64_t address, int address_mask) {
  const int shift = 12 + address_mask;
  if (shift >= 64) return AddressRange{0, ~uint64_t{0}};
  const uint64_t size = uint64_t{1} << shift;
  const uint64_t first = address & ~(size - 1);
  return AddressRange{first, first + (size - 1)};
}

absl::StatusOr<Iotlb> Iotlb::Create(const CacheGeometry& geometry) {
  absl::StatusOr<Cache> cache = Cache::Create(geometry, "iotlb");
  if (!cache.ok()) return cache.status();
  return Iotlb(*std::move(cache));
}

const Iotlb::Entry* Iotlb::Probe(const CacheTag& tag, uint64_t address, uint32_t leaf_levels,
                                 IotlbKey* key) const {
  for (int level = 1; level <= 3; ++level) {
    if ((leaf_levels & (1u << level)) == 0) continue;
    const IotlbKey k = KeyFor(tag, address, level);
    if (const Entry* e = cache_.Probe(k, k.page())) {
      if (key != nullptr) *key = k;
      return e;
    }
  }
  return nullptr;
}

int Iotlb::InvalidateDomain(uint16_t did) {
  return cache_.InvalidateIf([did](const Entry& e) { return e.key.did() == did; });
}

int Iotlb::InvalidatePasid(uint16_t did, uint32_t pasid) {
  return cache_.InvalidateIf(
      [&](const Entry& e) { return e.key.did() == did && e.key.tag().pasid == pasid; });
}

namespace {
bool PageOverlaps(const IotlbKey& key, const AddressRange& range) {
  const int shift = Iotlb::PageShift(key.leaf_level());
  return range.Overlaps(key.page() << shift, uint64_t{1} << shift);
}
}  // namespace

int Iotlb::InvalidatePages(uint16_t did, uint64_t address, int address_mask) {
  const AddressRange range = PageMaskRange(address, address_mask);
  return cache_.InvalidateIf(
      [&](const Entry& e) { return e.key.did() == did && PageOverlaps(e.key, range); });
}

int Iotlb::InvalidatePasidPages(uint16_t did, uint32_t pasid, uint64_t address, int address_mask) {
  const AddressRange range = PageMaskRange(address, address_mask);
  return cache_.InvalidateIf([&](const Entry& e) {
    return e.key.did() == did && e.key.tag().pasid == pasid && PageOverlaps(e.key, range);
  });
}

int Iotlb::InvalidateFirstStage(uint16_t did, std::optional<uint32_t> pasid,
                                const AddressRange* range) {
  return cache_.InvalidateIf([&](const Entry& e) {
    const CacheTag tag = e.key.tag();
    return (tag.kind == TranslationKind::kFirstStage || tag.kind == TranslationKind::kNested) &&
           tag.did == did && (!pasid.has_value() || tag.pasid == *pasid) &&
           (range == nullptr || PageOverlaps(e.key, *range));
  });
}

int Iotlb::Invalidate(const IotlbKey& key) {
  return cache_.InvalidateIf([&](const Entry& e) { return e.key == key; });
}

absl::StatusOr<PagingStructureCache> PagingStructureCache::Create(int level,
                                                                  const CacheGeometry& geometry) {
  if (level < 2 || level > 5) {
    return absl::InvalidArgumentError(
        absl::StrFormat("paging-structure cache level %d: must be 2..5", level));
  }
  static constexpr std::string_view kNames[] = {"",          "",         "psc_pde",
                                                "psc_pdpte", "psc_pml4", "psc_pml5"};
  absl::StatusOr<Cache> cache = Cache::Create(geometry, kNames[level]);
  if (!cache.ok()) return cache.status();
  return PagingStructureCache(level, *std::move(cache));
}

int PagingStructureCache::InvalidateDomain(uint16_t did) {
  return cache_.InvalidateIf([did](const Entry& e) { return e.key.did() == did; });
}

int PagingStructureCache::InvalidatePasid(uint16_t did, uint32_t pasid) {
  return cache_.InvalidateIf(
      [&](const Entry& e) { return e.key.did() == did && e.key.tag().pasid == pasid; });
}

int PagingStructureCache::InvalidatePages(uint16_t did, uint64_t address, int address_mask) {
  const AddressRange range = PageMaskRange(address, address_mask);
  const int shift = RegionShift();
  return cache_.InvalidateIf([&](const Entry& e) {
    return e.key.did() == did && range.Overlaps(e.key.region() << shift, uint64_t{1} << shift);
  });
}

int PagingStructureCache::InvalidatePasidPages(uint16_t did, uint32_t pasid, uint64_t address,
                                               int address_mask) {
  const AddressRange range = PageMaskRange(address, address_mask);
  const int shift = RegionShift();
  return cache_.InvalidateIf([&](const Entry& e) {
    return e.key.did() == did && e.key.tag().pasid == pasid &&
           range.Overlaps(e.key.region() << shift, uint64_t{1} << shift);
  });
}

}  // namespace vtd
