// DMAR parsing and serialization (VT-d spec chapter 8). The parser walks the table the way
// spec §8.2 describes it: a 48-byte header, then remapping structures each led by Type and
// Length, each skipped by its Length. Every read is bounds-checked against the smaller of the
// buffer and the table Length; nothing is read past either.
#include "model/acpi/dmar.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_format.h"
#include "model/acpi/internal/dmar_parse.h"
#include "model/common/status_macros.h"

namespace vtd::acpi {
namespace {

// Offsets inside the DMAR header (spec §8.1; bytes 0..35 are the ACPI SDT header).
constexpr size_t kAcpiHeaderSize = 36;
constexpr size_t kLengthOffset = 4;
constexpr size_t kChecksumOffset = 9;

// Remapping-structure header (Type, Length) and device-scope fixed part (spec §8.3.1).
constexpr size_t kStructureHeaderSize = 4;
constexpr size_t kDeviceScopeHeaderSize = 6;

// Little-endian readers over a span whose bounds the caller has already checked.
uint16_t Le16(absl::Span<const uint8_t> b, size_t off) {
  return static_cast<uint16_t>(b[off] | (b[off + 1] << 8));
}
uint32_t Le32(absl::Span<const uint8_t> b, size_t off) {
  return uint32_t{b[off]} | (uint32_t{b[off + 1]} << 8) | (uint32_t{b[off + 2]} << 16) |
         (uint32_t{b[off + 3]} << 24);
}
uint64_t Le64(absl::Span<const uint8_t> b, size_t off) {
  return uint64_t{Le32(b, off)} | (uint64_t{Le32(b, off + 4)} << 32);
}
template <size_t N>
std::array<uint8_t, N> Bytes(absl::Span<const uint8_t> b, size_t off) {
  std::array<uint8_t, N> out;
  std::copy_n(b.begin() + off, N, out.begin());
  return out;
}
std::vector<uint8_t> ByteRange(absl::Span<const uint8_t> b, size_t begin, size_t end) {
  return std::vector<uint8_t>(b.begin() + begin, b.begin() + end);
}

// Appends little-endian fields.
class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& out) : out_(out) {}
  void U8(uint8_t v) { out_.push_back(v); }
  void U16(uint16_t v) {
    U8(v & 0xff);
    U8(v >> 8);
  }
  void U32(uint32_t v) {
    U16(v & 0xffff);
    U16(v >> 16);
  }
  void U64(uint64_t v) {
    U32(v & 0xffffffff);
    U32(v >> 32);
  }
  template <typename Container>
  void Raw(const Container& c) {
    out_.insert(out_.end(), c.begin(), c.end());
  }

 private:
  std::vector<uint8_t>& out_;
};

// Builds the failure and the Status carrying the same facts.
class FailureSink {
 public:
  explicit FailureSink(internal::ParseFailure* failure) : failure_(failure) {}

  template <typename... Args>
  absl::Status Fail(absl::StatusCode code, std::string id, size_t offset,
                    const absl::FormatSpec<Args...>& format, const Args&... args) {
    std::string detail = absl::StrFormat(format, args...);
    std::string message = absl::StrFormat("offset 0x%x: %s", offset, detail);
    if (failure_ != nullptr) *failure_ = {std::move(id), offset, std::move(detail)};
    return absl::Status(code, message);
  }

 private:
  internal::ParseFailure* failure_;
};

// Parses the device scopes in bytes [begin, end) of a structure (spec §8.3.1). Bytes at the
// end too few to hold a scope header go into `trailing`.
absl::Status ParseScopes(absl::Span<const uint8_t> b, size_t begin, size_t end,
                         std::string_view parent, size_t parent_offset, FailureSink& sink,
                         std::vector<DeviceScope>& scopes, std::vector<uint8_t>& trailing) {
  size_t pos = begin;
  while (pos < end) {
    const size_t remaining = end - pos;
    if (remaining < kDeviceScopeHeaderSize) {
      trailing = ByteRange(b, pos, end);
      break;
    }
    DeviceScope scope;
    scope.offset = pos;
    scope.type = b[pos];
    scope.length = b[pos + 1];
    if (scope.length < kDeviceScopeHeaderSize) {
      return sink.Fail(absl::StatusCode::kInvalidArgument, "scope-length-below-minimum", pos,
                       "device scope Length %d is below the 6-byte minimum (spec §8.3.1)",
                       scope.length);
    }
    if (scope.length > remaining) {
      return sink.Fail(absl::StatusCode::kOutOfRange, "scope-overruns-structure", pos,
                       "device scope Length %d runs past the end of the %s at 0x%x (%d bytes "
                       "remain)",
                       scope.length, parent, parent_offset, remaining);
    }
    scope.flags = b[pos + 2];
    scope.reserved = b[pos + 3];
    scope.enumeration_id = b[pos + 4];
    scope.start_bus = b[pos + 5];
    const size_t path_bytes = scope.length - kDeviceScopeHeaderSize;
    for (size_t i = 0; i + 1 < path_bytes; i += 2) {
      const size_t at = pos + kDeviceScopeHeaderSize + i;
      scope.path.push_back({b[at], b[at + 1]});
    }
    if (path_bytes % 2 != 0)
      scope.trailing = ByteRange(b, pos + scope.length - 1, pos + scope.length);
    scopes.push_back(std::move(scope));
    pos += scopes.back().length;
  }
  return absl::OkStatus();
}

// Fixed size of each known structure type (spec §8.3–§8.9), before scopes or names.
size_t FixedSize(uint16_t type) {
  switch (static_cast<DmarStructureType>(type)) {
    case DmarStructureType::kDrhd:
      return 16;
    case DmarStructureType::kRmrr:
      return 24;
    case DmarStructureType::kAtsr:
      return 8;
    case DmarStructureType::kRhsa:
      return 20;
    case DmarStructureType::kAndd:
      return 8;
    case DmarStructureType::kSatc:
      return 8;
    case DmarStructureType::kSidp:
      return 8;
  }
  return kStructureHeaderSize;
}

// ATSR (spec §8.5) and SATC (§8.8) share their fixed fields: Flags (byte 4), Reserved (5) and
// Segment Number (6-7).
template <typename T>
T FlagsAndSegment(absl::Span<const uint8_t> b, size_t off) {
  T t;
  t.flags = b[off + 4];
  t.reserved = b[off + 5];
  t.segment = Le16(b, off + 6);
  return t;
}

// Decodes one structure whose bytes [off, off + length) are known to be inside the table.
absl::Status ParseStructure(absl::Span<const uint8_t> b, size_t off, DmarStructure& s,
                            FailureSink& sink) {
  const size_t end = off + s.length;
  const std::string_view name = StructureTypeName(s.type);
  // DRHD, RMRR, ATSR, SATC and SIDP are fixed fields, then device scopes to the end.
  auto with_scopes = [&](auto body) -> absl::Status {
    VTD_RETURN_IF_ERROR(
        ParseScopes(b, off + FixedSize(s.type), end, name, off, sink, body.scopes, s.trailing));
    s.body = std::move(body);
    return absl::OkStatus();
  };
  switch (static_cast<DmarStructureType>(s.type)) {
    case DmarStructureType::kDrhd: {
      Drhd d;
      d.flags = b[off + 4];
      d.size = b[off + 5];
      d.segment = Le16(b, off + 6);
      d.register_base = Le64(b, off + 8);
      return with_scopes(std::move(d));
    }
    case DmarStructureType::kRmrr: {
      Rmrr r;
      r.reserved = Le16(b, off + 4);
      r.segment = Le16(b, off + 6);
      r.base = Le64(b, off + 8);
      r.limit = Le64(b, off + 16);
      return with_scopes(std::move(r));
    }
    case DmarStructureType::kAtsr:
      return with_scopes(FlagsAndSegment<Atsr>(b, off));
    case DmarStructureType::kSatc:
      return with_scopes(FlagsAndSegment<Satc>(b, off));
    case DmarStructureType::kSidp: {
      Sidp p;
      p.reserved = Le16(b, off + 4);
      p.segment = Le16(b, off + 6);
      return with_scopes(std::move(p));
    }
    case DmarStructureType::kRhsa: {
      Rhsa r;
      r.reserved = Le32(b, off + 4);
      r.register_base = Le64(b, off + 8);
      r.proximity_domain = Le32(b, off + 16);
      s.trailing = ByteRange(b, off + 20, end);
      s.body = r;
      return absl::OkStatus();
    }
    case DmarStructureType::kAndd: {
      Andd a;
      a.reserved = Bytes<3>(b, off + 4);
      a.device_number = b[off + 7];
      a.name_field = ByteRange(b, off + 8, end);
      // The name ends at the first NUL (spec §8.7); real firmware pads after it.
      const auto nul = std::find(a.name_field.begin(), a.name_field.end(), uint8_t{0});
      a.name.assign(a.name_field.begin(), nul);
      s.body = std::move(a);
      return absl::OkStatus();
    }
  }
  // Reserved types (>= 7) are kept whole and skipped by Length (spec §8.2).
  s.body = UnknownStructure{ByteRange(b, off + kStructureHeaderSize, end)};
  return absl::OkStatus();
}

void WriteScopes(Writer& w, const std::vector<DeviceScope>& scopes) {
  for (const DeviceScope& scope : scopes) {
    w.U8(scope.type);
    w.U8(scope.length);
    w.U8(scope.flags);
    w.U8(scope.reserved);
    w.U8(scope.enumeration_id);
    w.U8(scope.start_bus);
    for (const PciPathEntry& hop : scope.path) {
      w.U8(hop.device);
      w.U8(hop.function);
    }
    w.Raw(scope.trailing);
  }
}

// The ANDD name bytes to write: the raw field when present, else the name plus its NUL (a
// table built in code rather than parsed).
std::vector<uint8_t> AnddNameBytes(const Andd& a) {
  if (!a.name_field.empty() || a.name.empty()) return a.name_field;
  std::vector<uint8_t> out(a.name.begin(), a.name.end());
  out.push_back(0);
  return out;
}

void WriteStructure(Writer& w, const DmarStructure& s) {
  w.U16(s.type);
  w.U16(s.length);
  std::visit(
      [&w](const auto& body) {
        using T = std::decay_t<decltype(body)>;
        if constexpr (std::is_same_v<T, Drhd>) {
          w.U8(body.flags);
          w.U8(body.size);
          w.U16(body.segment);
          w.U64(body.register_base);
          WriteScopes(w, body.scopes);
        } else if constexpr (std::is_same_v<T, Rmrr>) {
          w.U16(body.reserved);
          w.U16(body.segment);
          w.U64(body.base);
          w.U64(body.limit);
          WriteScopes(w, body.scopes);
        } else if constexpr (std::is_same_v<T, Atsr> || std::is_same_v<T, Satc>) {
          w.U8(body.flags);
          w.U8(body.reserved);
          w.U16(body.segment);
          WriteScopes(w, body.scopes);
        } else if constexpr (std::is_same_v<T, Rhsa>) {
          w.U32(body.reserved);
          w.U64(body.register_base);
          w.U32(body.proximity_domain);
        } else if constexpr (std::is_same_v<T, Andd>) {
          w.Raw(body.reserved);
          w.U8(body.device_number);
          w.Raw(AnddNameBytes(body));
        } else if constexpr (std::is_same_v<T, Sidp>) {
          w.U16(body.reserved);
          w.U16(body.segment);
          WriteScopes(w, body.scopes);
        } else {
          static_assert(std::is_same_v<T, UnknownStructure>);
          w.Raw(body.body);
        }
      },
      s.body);
  w.Raw(s.trailing);
}

// Type value of a known body, or nullopt for UnknownStructure.
std::optional<uint16_t> TypeOfBody(const DmarStructure& s) {
  const size_t index = s.body.index();
  // The variant's alternatives are in type order: Drhd=0 ... Sidp=6, then UnknownStructure.
  if (index <= static_cast<size_t>(DmarStructureType::kSidp)) return static_cast<uint16_t>(index);
  return std::nullopt;
}

size_t ScopesBytes(const std::vector<DeviceScope>& scopes) {
  size_t n = 0;
  for (const DeviceScope& scope : scopes) n += scope.length;
  return n;
}

}  // namespace

std::string_view StructureTypeName(uint16_t type) {
  switch (type) {
    case 0:
      return "DRHD";
    case 1:
      return "RMRR";
    case 2:
      return "ATSR";
    case 3:
      return "RHSA";
    case 4:
      return "ANDD";
    case 5:
      return "SATC";
    case 6:
      return "SIDP";
  }
  return "reserved structure";
}

std::string_view DeviceScopeTypeName(uint8_t type) {
  switch (type) {
    case 1:
      return "PCI endpoint";
    case 2:
      return "PCI sub-hierarchy";
    case 3:
      return "IOAPIC";
    case 4:
      return "MSI-capable HPET";
    case 5:
      return "ACPI namespace device";
  }
  return "reserved scope type";
}

namespace internal {

namespace {

// The parse proper, into `t`; `*header_decoded` tells whether the header was sound (the
// failure, if any, is then inside the structure list and `t` holds what came before it).
absl::Status ParseInto(absl::Span<const uint8_t> b, FailureSink& sink, DmarTable& t,
                       bool* header_decoded) {
  if (b.size() < kAcpiHeaderSize) {
    return sink.Fail(absl::StatusCode::kOutOfRange, "truncated-header", 0,
                     "%d bytes cannot hold the 36-byte ACPI table header", b.size());
  }
  DmarHeader& h = t.header;
  h.signature = Bytes<4>(b, 0);
  if (std::memcmp(h.signature.data(), "DMAR", 4) != 0) {
    return sink.Fail(absl::StatusCode::kInvalidArgument, "bad-signature", 0,
                     "signature is not \"DMAR\" (spec §8.1)");
  }
  h.length = Le32(b, kLengthOffset);
  if (h.length < kDmarHeaderSize) {
    return sink.Fail(absl::StatusCode::kInvalidArgument, "length-below-minimum", kLengthOffset,
                     "table Length %d is below the 48-byte DMAR header (spec §8.1)", h.length);
  }
  if (h.length > b.size()) {
    return sink.Fail(absl::StatusCode::kOutOfRange, "length-exceeds-buffer", kLengthOffset,
                     "table Length %d exceeds the %d bytes available", h.length, b.size());
  }
  // From here on only the table's own bytes are visible: anything after Length is ignored.
  t.bytes_after_length = b.size() - h.length;
  b = b.subspan(0, h.length);

  h.revision = b[8];
  h.checksum = b[kChecksumOffset];
  h.oem_id = Bytes<6>(b, 10);
  h.oem_table_id = Bytes<8>(b, 16);
  h.oem_revision = Le32(b, 24);
  h.creator_id = Bytes<4>(b, 28);
  h.creator_revision = Le32(b, 32);
  h.host_address_width = b[36];
  h.flags = b[37];
  h.reserved = Bytes<10>(b, 38);
  uint8_t sum = 0;
  for (uint8_t byte : b) sum += byte;
  t.checksum_ok = sum == 0;
  *header_decoded = true;

  size_t off = kDmarHeaderSize;
  while (off < h.length) {
    if (h.length - off < kStructureHeaderSize) {
      t.trailing = ByteRange(b, off, h.length);
      break;
    }
    DmarStructure s;
    s.offset = off;
    s.type = Le16(b, off);
    s.length = Le16(b, off + 2);
    const std::string_view name = StructureTypeName(s.type);
    if (s.length < kStructureHeaderSize) {
      // A zero Length would make a naive walker loop forever (Linux stops there).
      return sink.Fail(absl::StatusCode::kInvalidArgument, "structure-length-below-minimum", off,
                       "%s (type %d) Length %d is below the 4-byte structure header (spec §8.2)",
                       name, s.type, s.length);
    }
    if (s.length < FixedSize(s.type)) {
      return sink.Fail(absl::StatusCode::kInvalidArgument, "structure-length-below-minimum", off,
                       "%s Length %d is below its %d-byte fixed part", name, s.length,
                       FixedSize(s.type));
    }
    if (s.length > h.length - off) {
      return sink.Fail(absl::StatusCode::kOutOfRange, "structure-overruns-table", off,
                       "%s Length %d runs past the table Length %d (%d bytes remain)", name,
                       s.length, h.length, h.length - off);
    }
    VTD_RETURN_IF_ERROR(ParseStructure(b, off, s, sink));
    off += s.length;
    t.structures.push_back(std::move(s));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DmarTable> ParseDmarWithFailure(absl::Span<const uint8_t> b, ParseFailure* failure,
                                               std::optional<DmarTable>* sound_part) {
  FailureSink sink(failure);
  DmarTable t;
  bool header_decoded = false;
  if (absl::Status s = ParseInto(b, sink, t, &header_decoded); !s.ok()) {
    if (sound_part != nullptr && header_decoded) *sound_part = std::move(t);
    return s;
  }
  return t;
}

}  // namespace internal

absl::StatusOr<DmarTable> ParseDmar(absl::Span<const uint8_t> bytes) {
  return internal::ParseDmarWithFailure(bytes, nullptr, nullptr);
}

absl::StatusOr<DmarTable> ParseDmar(absl::Span<const uint8_t> bytes,
                                    std::optional<DmarTable>* sound_part) {
  return internal::ParseDmarWithFailure(bytes, nullptr, sound_part);
}

std::vector<uint8_t> SerializeDmar(const DmarTable& table) {
  std::vector<uint8_t> out;
  out.reserve(table.header.length);
  Writer w(out);
  const DmarHeader& h = table.header;
  w.Raw(h.signature);
  w.U32(h.length);
  w.U8(h.revision);
  w.U8(h.checksum);
  w.Raw(h.oem_id);
  w.Raw(h.oem_table_id);
  w.U32(h.oem_revision);
  w.Raw(h.creator_id);
  w.U32(h.creator_revision);
  w.U8(h.host_address_width);
  w.U8(h.flags);
  w.Raw(h.reserved);
  for (const DmarStructure& s : table.structures) WriteStructure(w, s);
  w.Raw(table.trailing);
  return out;
}

void RecomputeLengths(DmarTable& table) {
  size_t off = kDmarHeaderSize;
  for (DmarStructure& s : table.structures) {
    if (std::optional<uint16_t> type = TypeOfBody(s)) s.type = *type;
    s.offset = off;
    size_t scope_off = off + FixedSize(s.type);
    auto set_scopes = [&scope_off](std::vector<DeviceScope>& scopes) {
      for (DeviceScope& scope : scopes) {
        scope.length = static_cast<uint8_t>(kDeviceScopeHeaderSize + 2 * scope.path.size() +
                                            scope.trailing.size());
        scope.offset = scope_off;
        scope_off += scope.length;
      }
      return ScopesBytes(scopes);
    };
    size_t body_bytes = 0;
    std::visit(
        [&](auto& body) {
          using T = std::decay_t<decltype(body)>;
          if constexpr (std::is_same_v<T, Rhsa>) {
            body_bytes = FixedSize(s.type);
          } else if constexpr (std::is_same_v<T, Andd>) {
            body_bytes = FixedSize(s.type) + AnddNameBytes(body).size();
          } else if constexpr (std::is_same_v<T, UnknownStructure>) {
            body_bytes = kStructureHeaderSize + body.body.size();
          } else {
            body_bytes = FixedSize(s.type) + set_scopes(body.scopes);
          }
        },
        s.body);
    s.length = static_cast<uint16_t>(body_bytes + s.trailing.size());
    off += s.length;
  }
  table.header.length = static_cast<uint32_t>(off + table.trailing.size());
}

void RecomputeChecksum(DmarTable& table) {
  table.header.checksum = 0;
  uint8_t sum = 0;
  for (uint8_t byte : SerializeDmar(table)) sum += byte;
  table.header.checksum = static_cast<uint8_t>(-sum);
  table.checksum_ok = true;
}

}  // namespace vtd::acpi
