// DMAR findings (VT-d spec chapter 8). Severity policy: what Linux rejects, or what leaves a
// device's remapping unit ambiguous or unknowable, is an error; sloppiness that Linux (and
// the spec's "skip what you do not know" rule) tolerates is a warning.
#include "model/acpi/dmar_check.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>
#include <utility>

#include "absl/strings/str_format.h"
#include "model/acpi/internal/dmar_parse.h"
#include "model/common/bits.h"

namespace vtd::acpi {
namespace {

constexpr uint64_t kPageSize = 4096;
// Header field offsets (spec §8.1).
constexpr size_t kChecksumOffset = 9;
constexpr size_t kHawOffset = 36;
constexpr size_t kFlagsOffset = 37;
constexpr size_t kReservedOffset = 38;

constexpr uint8_t kDmarFlagsReservedMask = 0xf8;       // bits 7:3
constexpr uint8_t kIncludePciAll = 1u << 0;            // DRHD flags bit 0
constexpr uint8_t kAllPorts = 1u << 0;                 // ATSR flags bit 0
constexpr uint8_t kAtcRequired = 1u << 0;              // SATC flags bit 0
constexpr uint8_t kSidpScopeFlagsReservedMask = 0xe0;  // bits 7:5 (spec §8.9)

// Linux refuses a HAW byte below PAGE_SHIFT - 1 ("Invalid DMAR haw"); above 63 the width
// would exceed 64 bits.
constexpr uint8_t kMinHawByte = 11;
constexpr uint8_t kMaxHawByte = 63;

bool IsPciScope(uint8_t type) {
  return type == static_cast<uint8_t>(DeviceScopeType::kEndpoint) ||
         type == static_cast<uint8_t>(DeviceScopeType::kBridge);
}
bool IsKnownScopeType(uint8_t type) {
  return type >= static_cast<uint8_t>(DeviceScopeType::kEndpoint) &&
         type <= static_cast<uint8_t>(DeviceScopeType::kNamespace);
}

std::string PathString(const DeviceScope& scope) {
  std::string out = absl::StrFormat("%02x", scope.start_bus);
  for (const PciPathEntry& hop : scope.path) {
    absl::StrAppendFormat(&out, ":%02x.%x", hop.device, hop.function);
  }
  return out;
}

// A PCI scope's identity for duplicate and coverage checks: (segment, start bus, path).
using PciKey = std::tuple<uint16_t, uint8_t, std::vector<std::pair<uint8_t, uint8_t>>>;
PciKey KeyOf(uint16_t segment, const DeviceScope& scope) {
  std::vector<std::pair<uint8_t, uint8_t>> path;
  for (const PciPathEntry& hop : scope.path) path.emplace_back(hop.device, hop.function);
  return {segment, scope.start_bus, std::move(path)};
}

class Checker {
 public:
  explicit Checker(const DmarTable& table) : table_(table) {}

  std::vector<Finding> Run() {
    CheckHeader();
    CollectUnits();
    for (const DmarStructure& s : table_.structures) CheckStructure(s);
    CheckDrhdSet();
    std::stable_sort(findings_.begin(), findings_.end(),
                     [](const Finding& a, const Finding& b) { return a.offset < b.offset; });
    return std::move(findings_);
  }

 private:
  template <typename... Args>
  void Add(Severity severity, std::string id, size_t offset,
           const absl::FormatSpec<Args...>& format, const Args&... args) {
    findings_.push_back({severity, std::move(id), offset, absl::StrFormat(format, args...)});
  }

  // §8.1: checksum, host address width, flags and reserved bytes; what surrounds the
  // structures (partial trailing bytes, bytes after Length).
  void CheckHeader() {
    const DmarHeader& h = table_.header;
    uint8_t sum = 0;
    for (uint8_t byte : SerializeDmar(table_)) sum += byte;
    if (sum != 0) {
      // ACPICA refuses to install a table whose checksum fails (with table validation on).
      Add(Severity::kError, "bad-checksum", kChecksumOffset,
          "checksum 0x%02x leaves the table summing to 0x%02x, not 0 (should be 0x%02x)",
          h.checksum, sum, static_cast<uint8_t>(h.checksum - sum));
    }
    if (h.host_address_width < kMinHawByte) {
      Add(Severity::kError, "haw-too-small", kHawOffset,
          "Host Address Width byte %d (%d-bit) is below %d; Linux rejects the table",
          h.host_address_width, h.host_address_width + 1, kMinHawByte);
    } else if (h.host_address_width > kMaxHawByte) {
      Add(Severity::kWarning, "haw-too-large", kHawOffset,
          "Host Address Width byte %d means a %d-bit address width, wider than 64 bits",
          h.host_address_width, h.host_address_width + 1);
    }
    if (h.flags & kDmarFlagsReservedMask) {
      Add(Severity::kWarning, "header-flags-reserved", kFlagsOffset,
          "DMAR Flags 0x%02x set reserved bits 7:3 (0x%02x)", h.flags,
          h.flags & kDmarFlagsReservedMask);
    }
    if ((h.flags & kDmarFlagX2apicOptOut) && !(h.flags & kDmarFlagIntrRemap)) {
      Add(Severity::kWarning, "x2apic-opt-out-without-intr-remap", kFlagsOffset,
          "X2APIC_OPT_OUT is set but INTR_REMAP is clear; the spec makes it valid only with "
          "INTR_REMAP (§8.1)");
    }
    if (std::any_of(h.reserved.begin(), h.reserved.end(), [](uint8_t b) { return b != 0; })) {
      Add(Severity::kWarning, "header-reserved-nonzero", kReservedOffset,
          "reserved header bytes 38..47 are not zero");
    }
    if (!table_.trailing.empty()) {
      // No structure is that short, so nothing is lost but the bytes; a walker that reads a
      // 4-byte header there reads past the table.
      Add(Severity::kWarning, "trailing-partial-structure",
          table_.header.length - table_.trailing.size(),
          "%d trailing byte(s) inside Length cannot hold a 4-byte structure header",
          table_.trailing.size());
    }
    if (table_.bytes_after_length > 0) {
      Add(Severity::kWarning, "bytes-after-length", table_.header.length,
          "%d byte(s) after the table Length %d are ignored", table_.bytes_after_length,
          table_.header.length);
    }
  }

  // First pass: which DRHDs, ANDD numbers and segments exist (needed to judge the others).
  void CollectUnits() {
    for (const DmarStructure& s : table_.structures) {
      if (const auto* d = std::get_if<Drhd>(&s.body)) {
        last_drhd_of_segment_[d->segment] = &s;
        drhds_.push_back(&s);
        drhd_segments_.insert(d->segment);
        for (const DeviceScope& scope : d->scopes) {
          if (scope.type == static_cast<uint8_t>(DeviceScopeType::kEndpoint)) {
            drhd_endpoints_.insert(KeyOf(d->segment, scope));
          } else if (scope.type == static_cast<uint8_t>(DeviceScopeType::kBridge)) {
            drhd_bridges_.insert(KeyOf(d->segment, scope));
          }
        }
        drhd_bases_.insert(d->register_base);
        if (d->include_pci_all()) include_all_segments_.insert(d->segment);
      } else if (const auto* a = std::get_if<Andd>(&s.body)) {
        andd_numbers_.insert(a->device_number);
      }
    }
  }

  void CheckStructure(const DmarStructure& s) {
    const std::string_view name = StructureTypeName(s.type);
    if (s.type > static_cast<uint16_t>(DmarStructureType::kSidp)) {
      Add(Severity::kWarning, "unknown-structure-type", s.offset,
          "reserved structure type 0x%x (Length %d) skipped (§8.2)", s.type, s.length);
    } else {
      // §8.2: structures come in ascending type order. Reserved types are left out: where a
      // future type belongs is not ours to say.
      if (s.type < highest_type_seen_) {
        Add(Severity::kWarning, "structure-order", s.offset,
            "%s (type %d) follows a structure of type %d; types must ascend (§8.2)", name, s.type,
            highest_type_seen_);
      }
      highest_type_seen_ = std::max(highest_type_seen_, s.type);
    }
    if (!s.trailing.empty()) {
      Add(Severity::kWarning, "structure-trailing-bytes", s.offset + s.length - s.trailing.size(),
          "%d byte(s) at the end of the %s at 0x%x are not a whole device scope or field",
          s.trailing.size(), name, s.offset);
    }
    std::visit([&](const auto& body) { CheckBody(s, body); }, s.body);
  }

  // §8.3 DRHD.
  void CheckBody(const DmarStructure& s, const Drhd& d) {
    if (d.register_base == 0) {
      Add(Severity::kError, "drhd-base-zero", s.offset,
          "DRHD Register Base Address is 0; Linux rejects it (\"DMAR reported at address "
          "zero\")");
    } else if (!IsAligned(d.register_base, kPageSize)) {
      // A spec "must" (§8.3) that Linux does not check: it maps whatever it is given.
      Add(Severity::kWarning, "drhd-base-unaligned", s.offset,
          "DRHD Register Base Address 0x%x is not 4 KiB aligned (§8.3)", d.register_base);
    } else if (!IsAligned(d.register_base, d.register_set_bytes())) {
      Add(Severity::kWarning, "drhd-base-not-size-aligned", s.offset,
          "DRHD Register Base Address 0x%x is not aligned to its 0x%x-byte register set "
          "(Size %d, §8.3)",
          d.register_base, d.register_set_bytes(), d.size & 0xf);
    }
    if (d.flags & ~kIncludePciAll) {
      Add(Severity::kWarning, "drhd-flags-reserved", s.offset,
          "DRHD Flags 0x%02x set reserved bits 7:1", d.flags);
    }
    if (d.size & 0xf0) {
      Add(Severity::kWarning, "drhd-size-reserved", s.offset,
          "DRHD Size 0x%02x sets reserved bits 7:4", d.size);
    }
    if (!d.include_pci_all() && d.scopes.empty()) {
      // Linux ignores a unit that claims no device.
      Add(Severity::kWarning, "drhd-no-scope", s.offset,
          "DRHD at 0x%x has neither INCLUDE_PCI_ALL nor device scopes: it remaps nothing",
          d.register_base);
    }
    for (const DeviceScope& scope : d.scopes) {
      CheckScope(s, scope);
      if (d.include_pci_all() && IsPciScope(scope.type)) {
        Add(Severity::kWarning, "include-pci-all-pci-scope", scope.offset,
            "INCLUDE_PCI_ALL DRHD lists a %s scope (%s); only IOAPIC, HPET and ACPI namespace "
            "scopes belong there (§8.3)",
            DeviceScopeTypeName(scope.type), PathString(scope));
      }
      if (IsPciScope(scope.type) && !scope.path.empty()) {
        auto [it, inserted] = pci_owner_.emplace(KeyOf(d.segment, scope), &s);
        if (!inserted) {
          Add(Severity::kWarning, "pci-scope-duplicate", scope.offset,
              "PCI device %04x:%s is already listed by the DRHD at 0x%x; the first one wins",
              d.segment, PathString(scope), it->second->offset);
        }
      }
    }
  }

  // §8.4 RMRR.
  void CheckBody(const DmarStructure& s, const Rmrr& r) {
    if (r.reserved != 0) {
      Add(Severity::kWarning, "rmrr-reserved-nonzero", s.offset,
          "RMRR reserved field is 0x%04x, not 0", r.reserved);
    }
    if (r.limit <= r.base) {
      Add(Severity::kError, "rmrr-limit-below-base", s.offset,
          "RMRR limit 0x%x is not above base 0x%x (Linux: \"bad RMRR\")", r.limit, r.base);
    }
    // An inverted range is already an error; its swapped ends say nothing about alignment.
    if (r.limit > r.base && (!IsAligned(r.base, kPageSize) || !IsAligned(r.limit + 1, kPageSize))) {
      Add(Severity::kWarning, "rmrr-unaligned", s.offset,
          "RMRR 0x%x..0x%x is not 4 KiB aligned (base and limit + 1 must be, §8.4)", r.base,
          r.limit);
    }
    if (r.scopes.empty()) {
      Add(Severity::kWarning, "rmrr-no-scope", s.offset,
          "RMRR 0x%x..0x%x names no device (§8.4 requires at least one)", r.base, r.limit);
    }
    CheckSegmentHasDrhd(s, r.segment);
    for (const DeviceScope& scope : r.scopes) {
      CheckScope(s, scope);
      if (IsPciScope(scope.type) && !scope.path.empty() && !CoveredByDrhd(r.segment, scope)) {
        Add(Severity::kWarning, "rmrr-device-not-under-drhd", scope.offset,
            "RMRR device %04x:%s is covered by no DRHD scope and no INCLUDE_PCI_ALL unit",
            r.segment, PathString(scope));
      }
    }
  }

  // §8.5 ATSR.
  void CheckBody(const DmarStructure& s, const Atsr& a) {
    if (a.flags & ~kAllPorts) {
      Add(Severity::kWarning, "atsr-flags-reserved", s.offset,
          "ATSR Flags 0x%02x set reserved bits 7:1", a.flags);
    }
    if (a.reserved != 0) {
      Add(Severity::kWarning, "atsr-reserved-nonzero", s.offset,
          "ATSR reserved byte is 0x%02x, not 0", a.reserved);
    }
    if (a.all_ports() && !a.scopes.empty()) {
      Add(Severity::kWarning, "atsr-all-ports-with-scopes", s.offset,
          "ATSR has ALL_PORTS set and still lists %d device scope(s) (§8.5)", a.scopes.size());
    } else if (!a.all_ports() && a.scopes.empty()) {
      Add(Severity::kWarning, "atsr-no-scope", s.offset,
          "ATSR without ALL_PORTS lists no root port");
    }
    CheckSegmentHasDrhd(s, a.segment);
    for (const DeviceScope& scope : a.scopes) {
      CheckScope(s, scope);
      if (scope.type != static_cast<uint8_t>(DeviceScopeType::kBridge)) {
        Add(Severity::kWarning, "atsr-scope-not-bridge", scope.offset,
            "ATSR scope is a %s, not a PCI sub-hierarchy (root port) (§8.5)",
            DeviceScopeTypeName(scope.type));
      }
    }
  }

  // §8.6 RHSA.
  void CheckBody(const DmarStructure& s, const Rhsa& r) {
    if (r.reserved != 0) {
      Add(Severity::kWarning, "rhsa-reserved-nonzero", s.offset,
          "RHSA reserved field is 0x%08x, not 0", r.reserved);
    }
    if (!drhd_bases_.contains(r.register_base)) {
      // Linux taints and ignores the entry: only a NUMA hint is lost, routing is unchanged.
      Add(Severity::kWarning, "rhsa-no-drhd", s.offset,
          "RHSA Register Base Address 0x%x matches no DRHD (§8.6)", r.register_base);
    }
  }

  // §8.7 ANDD.
  void CheckBody(const DmarStructure& s, const Andd& a) {
    if (std::any_of(a.reserved.begin(), a.reserved.end(), [](uint8_t b) { return b != 0; })) {
      Add(Severity::kWarning, "andd-reserved-nonzero", s.offset,
          "ANDD reserved bytes 4..6 are not zero");
    }
    if (std::find(a.name_field.begin(), a.name_field.end(), uint8_t{0}) == a.name_field.end()) {
      // Linux refuses the whole table (-EINVAL) rather than read past the structure.
      Add(Severity::kError, "andd-name-unterminated", s.offset,
          "ANDD %d name is not NUL-terminated within its %d-byte field", a.device_number,
          a.name_field.size());
    }
    if (!seen_andd_numbers_.insert(a.device_number).second) {
      Add(Severity::kWarning, "andd-duplicate-number", s.offset,
          "ANDD device number %d is declared twice (§8.7 requires unique numbers)",
          a.device_number);
    }
  }

  // §8.8 SATC.
  void CheckBody(const DmarStructure& s, const Satc& a) {
    if (a.flags & ~kAtcRequired) {
      Add(Severity::kWarning, "satc-flags-reserved", s.offset,
          "SATC Flags 0x%02x set reserved bits 7:1", a.flags);
    }
    if (a.reserved != 0) {
      Add(Severity::kWarning, "satc-reserved-nonzero", s.offset,
          "SATC reserved byte is 0x%02x, not 0", a.reserved);
    }
    CheckSegmentHasDrhd(s, a.segment);
    for (const DeviceScope& scope : a.scopes) {
      CheckScope(s, scope);
      if (scope.type != static_cast<uint8_t>(DeviceScopeType::kEndpoint) ||
          scope.path.size() != 1) {
        Add(Severity::kWarning, "satc-scope-not-rciep", scope.offset,
            "SATC scope is a %s with %d path hop(s); §8.8 allows only single-hop PCI endpoints",
            DeviceScopeTypeName(scope.type), scope.path.size());
      }
    }
  }

  // §8.9 SIDP.
  void CheckBody(const DmarStructure& s, const Sidp& p) {
    if (p.reserved != 0) {
      Add(Severity::kWarning, "sidp-reserved-nonzero", s.offset,
          "SIDP reserved field is 0x%04x, not 0", p.reserved);
    }
    CheckSegmentHasDrhd(s, p.segment);
    for (const DeviceScope& scope : p.scopes) {
      CheckScope(s, scope);
      const bool endpoint_or_namespace =
          scope.type == static_cast<uint8_t>(DeviceScopeType::kEndpoint) ||
          scope.type == static_cast<uint8_t>(DeviceScopeType::kNamespace);
      if (!endpoint_or_namespace || scope.path.size() != 1) {
        Add(Severity::kWarning, "sidp-scope-invalid", scope.offset,
            "SIDP scope is a %s with %d path hop(s); §8.9 allows only single-hop PCI endpoints "
            "and ACPI namespace devices",
            DeviceScopeTypeName(scope.type), scope.path.size());
      }
    }
  }

  void CheckBody(const DmarStructure&, const UnknownStructure&) {}

  // §8.3.1 device scope, in any structure.
  void CheckScope(const DmarStructure& parent, const DeviceScope& scope) {
    const bool in_sidp = parent.type == static_cast<uint16_t>(DmarStructureType::kSidp);
    if (!IsKnownScopeType(scope.type)) {
      // Linux warns "Unsupported device scope" and ignores it.
      Add(Severity::kWarning, "scope-unknown-type", scope.offset,
          "device scope type %d is reserved (§8.3.1); it is ignored", scope.type);
    } else if (scope.path.empty()) {
      // Every known type needs Path[0]: PCI matching walks it, and IOAPIC/HPET/ACPI scopes
      // take their source-id from StartBus + Path[0].
      Add(Severity::kError, "scope-empty-path", scope.offset,
          "%s scope has no path entry, so no device or source-id can be derived",
          DeviceScopeTypeName(scope.type));
    }
    if (!scope.trailing.empty()) {
      Add(Severity::kError, "scope-odd-length", scope.offset,
          "device scope Length %d is not 6 + 2*N: the path is not whole {device, function} "
          "pairs",
          scope.length);
    }
    if (scope.reserved != 0) {
      Add(Severity::kWarning, "scope-reserved-nonzero", scope.offset,
          "device scope reserved byte 3 is 0x%02x, not 0", scope.reserved);
    }
    if (!in_sidp && scope.flags != 0) {
      Add(Severity::kWarning, "scope-flags-reserved", scope.offset,
          "device scope Flags 0x%02x outside an SIDP, where the byte is reserved (§8.3.1)",
          scope.flags);
    } else if (in_sidp && (scope.flags & kSidpScopeFlagsReservedMask)) {
      Add(Severity::kWarning, "scope-flags-reserved", scope.offset,
          "SIDP device scope Flags 0x%02x set reserved bits 7:5 (§8.9)", scope.flags);
    }
    if (scope.type == static_cast<uint8_t>(DeviceScopeType::kNamespace) &&
        !andd_numbers_.contains(scope.enumeration_id)) {
      Add(Severity::kWarning, "namespace-scope-no-andd", scope.offset,
          "ACPI namespace device scope names enumeration ID %d, which no ANDD declares (§8.7)",
          scope.enumeration_id);
    }
  }

  void CheckSegmentHasDrhd(const DmarStructure& s, uint16_t segment) {
    if (!drhd_segments_.contains(segment)) {
      Add(Severity::kError, "segment-without-drhd", s.offset,
          "%s names PCI segment %d, which no DRHD covers (§8.3: at least one per segment)",
          StructureTypeName(s.type), segment);
    }
  }

  // True if a DRHD claims the device: INCLUDE_PCI_ALL in its segment, the same scope, or a
  // sub-hierarchy scope whose path is a prefix of the device's path (§8.3.1).
  bool CoveredByDrhd(uint16_t segment, const DeviceScope& scope) const {
    if (include_all_segments_.contains(segment)) return true;
    PciKey key = KeyOf(segment, scope);
    if (drhd_endpoints_.contains(key) || drhd_bridges_.contains(key)) return true;
    auto& path = std::get<2>(key);
    while (path.size() > 1) {
      path.pop_back();
      if (drhd_bridges_.contains(key)) return true;
    }
    return false;
  }

  // Properties of the set of DRHDs (§8.3): existence, duplicates, INCLUDE_PCI_ALL placement.
  void CheckDrhdSet() {
    if (drhds_.empty()) {
      // Linux: "[Firmware Bug]: No DRHD structure found in DMAR table".
      Add(Severity::kError, "no-drhd", kDmarHeaderSize,
          "the table has no DRHD: there is no remapping hardware to use");
      return;
    }
    std::map<std::pair<uint16_t, uint64_t>, const DmarStructure*> by_base;
    std::map<uint16_t, const DmarStructure*> include_all_by_segment;
    for (const DmarStructure* unit : drhds_) {
      const DmarStructure& s = *unit;
      const Drhd& d = std::get<Drhd>(s.body);
      auto [it, inserted] = by_base.emplace(std::make_pair(d.segment, d.register_base), &s);
      if (!inserted) {
        // Linux keeps the first and drops this one.
        Add(Severity::kWarning, "drhd-duplicate", s.offset,
            "DRHD repeats segment %d Register Base Address 0x%x of the DRHD at 0x%x", d.segment,
            d.register_base, it->second->offset);
      }
      if (!d.include_pci_all()) continue;
      auto [first, unique] = include_all_by_segment.emplace(d.segment, &s);
      if (!unique) {
        Add(Severity::kError, "include-pci-all-duplicate", s.offset,
            "second INCLUDE_PCI_ALL DRHD for segment %d (the first is at 0x%x); which unit "
            "owns the remaining devices is ambiguous (§8.3)",
            d.segment, first->second->offset);
      }
      const bool later_drhd_in_segment = last_drhd_of_segment_.at(d.segment) != &s;
      if (later_drhd_in_segment) {
        Add(Severity::kError, "include-pci-all-not-last", s.offset,
            "INCLUDE_PCI_ALL DRHD is not the last DRHD of segment %d (§8.3); first-match "
            "routing would give it every device",
            d.segment);
      }
    }
  }

  const DmarTable& table_;
  std::vector<Finding> findings_;
  uint16_t highest_type_seen_ = 0;
  std::vector<const DmarStructure*> drhds_;
  std::map<uint16_t, const DmarStructure*> last_drhd_of_segment_;
  std::set<PciKey> drhd_endpoints_;
  std::set<PciKey> drhd_bridges_;
  std::set<uint16_t> drhd_segments_;
  std::set<uint16_t> include_all_segments_;
  std::set<uint64_t> drhd_bases_;
  std::set<uint8_t> andd_numbers_;
  std::set<uint8_t> seen_andd_numbers_;
  std::map<PciKey, const DmarStructure*> pci_owner_;
};

}  // namespace

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kInfo:
      return "info";
    case Severity::kWarning:
      return "warning";
    case Severity::kError:
      return "error";
  }
  return "unknown";
}

std::vector<Finding> CheckDmar(const DmarTable& table) { return Checker(table).Run(); }

std::vector<Finding> CheckDmarBytes(absl::Span<const uint8_t> bytes) {
  internal::ParseFailure failure;
  absl::StatusOr<DmarTable> table = internal::ParseDmarWithFailure(bytes, &failure);
  if (table.ok()) return CheckDmar(*table);
  std::string message = failure.detail;
  if (failure.id == "length-exceeds-buffer" && bytes.size() >= kDmarHeaderSize) {
    // Say where the data runs out: parse what is there as if Length matched the buffer.
    std::vector<uint8_t> available(bytes.begin(), bytes.end());
    const uint32_t size = static_cast<uint32_t>(bytes.size());
    for (int i = 0; i < 4; ++i) available[4 + i] = static_cast<uint8_t>(size >> (8 * i));
    internal::ParseFailure cut;
    if (!internal::ParseDmarWithFailure(available, &cut).ok()) {
      absl::StrAppendFormat(&message, "; the data ends inside the structure at 0x%x", cut.offset);
    }
  }
  return {{Severity::kError, failure.id, failure.offset, std::move(message)}};
}

}  // namespace vtd::acpi
