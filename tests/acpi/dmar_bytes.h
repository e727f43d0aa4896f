// Hand-built DMAR bytes for tests: each function writes one spec structure field by field
// (VT-d spec chapter 8), independently of the parser and serializer under test.
#ifndef VTDSIM_TESTS_ACPI_DMAR_BYTES_H_
#define VTDSIM_TESTS_ACPI_DMAR_BYTES_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

namespace vtd::acpi::testing {

using Bytes = std::vector<uint8_t>;

class ByteWriter {
 public:
  ByteWriter& U8(uint8_t v) {
    b_.push_back(v);
    return *this;
  }
  ByteWriter& U16(uint16_t v) { return U8(v & 0xff).U8(v >> 8); }
  ByteWriter& U32(uint32_t v) { return U16(v & 0xffff).U16(v >> 16); }
  ByteWriter& U64(uint64_t v) { return U32(v & 0xffffffff).U32(v >> 32); }
  ByteWriter& Raw(const Bytes& v) {
    b_.insert(b_.end(), v.begin(), v.end());
    return *this;
  }
  ByteWriter& Str(const std::string& s) {
    b_.insert(b_.end(), s.begin(), s.end());
    return *this;
  }
  Bytes Take() { return std::move(b_); }

 private:
  Bytes b_;
};

inline void PutLe16(Bytes& b, size_t off, uint16_t v) {
  b[off] = v & 0xff;
  b[off + 1] = v >> 8;
}
inline void PutLe32(Bytes& b, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

// Sets the table Length to the buffer size and makes the checksum valid (§8.1).
inline void FixLengthAndChecksum(Bytes& b) {
  PutLe32(b, 4, static_cast<uint32_t>(b.size()));
  b[9] = 0;
  uint8_t sum = 0;
  for (uint8_t x : b) sum += x;
  b[9] = static_cast<uint8_t>(-sum);
}

// Makes the checksum valid over the first `length` bytes without touching Length.
inline void FixChecksumOver(Bytes& b, size_t length) {
  b[9] = 0;
  uint8_t sum = 0;
  for (size_t i = 0; i < length; ++i) sum += b[i];
  b[9] = static_cast<uint8_t>(-sum);
}

// Device scope (§8.3.1): Type, Length, Flags, Reserved, Enumeration ID, Start Bus, Path.
inline Bytes ScopeBytes(uint8_t type, uint8_t enumeration_id, uint8_t start_bus,
                        std::initializer_list<std::pair<uint8_t, uint8_t>> path,
                        uint8_t flags = 0) {
  ByteWriter w;
  w.U8(type).U8(static_cast<uint8_t>(6 + 2 * path.size())).U8(flags).U8(0);
  w.U8(enumeration_id).U8(start_bus);
  for (auto [dev, fn] : path) w.U8(dev).U8(fn);
  return w.Take();
}

inline Bytes Concat(std::initializer_list<Bytes> parts) {
  Bytes out;
  for (const Bytes& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

// Structure header (§8.2) with Length = 4 + body size.
inline Bytes StructureBytes(uint16_t type, const Bytes& body) {
  return ByteWriter().U16(type).U16(static_cast<uint16_t>(4 + body.size())).Raw(body).Take();
}

// DRHD (§8.3): Flags, Size, Segment, Register Base, scopes.
inline Bytes DrhdBytes(uint8_t flags, uint16_t segment, uint64_t base, const Bytes& scopes = {},
                       uint8_t size = 0) {
  return StructureBytes(0,
                        ByteWriter().U8(flags).U8(size).U16(segment).U64(base).Raw(scopes).Take());
}

// RMRR (§8.4): Reserved, Segment, Base, Limit, scopes.
inline Bytes RmrrBytes(uint16_t segment, uint64_t base, uint64_t limit, const Bytes& scopes,
                       uint16_t reserved = 0) {
  return StructureBytes(
      1, ByteWriter().U16(reserved).U16(segment).U64(base).U64(limit).Raw(scopes).Take());
}

// ATSR (§8.5): Flags, Reserved, Segment, scopes.
inline Bytes AtsrBytes(uint8_t flags, uint16_t segment, const Bytes& scopes = {},
                       uint8_t reserved = 0) {
  return StructureBytes(2, ByteWriter().U8(flags).U8(reserved).U16(segment).Raw(scopes).Take());
}

// RHSA (§8.6): Reserved(4), Register Base, Proximity Domain.
inline Bytes RhsaBytes(uint64_t base, uint32_t domain, uint32_t reserved = 0) {
  return StructureBytes(3, ByteWriter().U32(reserved).U64(base).U32(domain).Take());
}

// ANDD (§8.7): Reserved(3), Device Number, name field (given raw, terminator included).
inline Bytes AnddBytes(uint8_t number, const Bytes& name_field) {
  return StructureBytes(4, ByteWriter().U8(0).U8(0).U8(0).U8(number).Raw(name_field).Take());
}
inline Bytes NameField(const std::string& name, size_t padding = 0) {
  Bytes out(name.begin(), name.end());
  out.resize(out.size() + 1 + padding, 0);
  return out;
}

// SATC (§8.8): Flags, Reserved, Segment, scopes.
inline Bytes SatcBytes(uint8_t flags, uint16_t segment, const Bytes& scopes) {
  return StructureBytes(5, ByteWriter().U8(flags).U8(0).U16(segment).Raw(scopes).Take());
}

// SIDP (§8.9): Reserved(2), Segment, scopes.
inline Bytes SidpBytes(uint16_t segment, const Bytes& scopes, uint16_t reserved = 0) {
  return StructureBytes(6, ByteWriter().U16(reserved).U16(segment).Raw(scopes).Take());
}

// A whole table (§8.1): the 48-byte header, then the structures; Length and checksum valid.
inline Bytes TableBytes(std::initializer_list<Bytes> structures, uint8_t haw = 38,
                        uint8_t flags = 1) {
  ByteWriter w;
  w.Str("DMAR").U32(0).U8(1).U8(0).Str("VTDSIM").Str("TESTTABL").U32(1).Str("VTDS").U32(2);
  w.U8(haw).U8(flags);
  for (int i = 0; i < 10; ++i) w.U8(0);
  Bytes b = w.Take();
  for (const Bytes& s : structures) b.insert(b.end(), s.begin(), s.end());
  FixLengthAndChecksum(b);
  return b;
}

// Scope type values (§8.3.1).
inline constexpr uint8_t kEndpoint = 1;
inline constexpr uint8_t kBridge = 2;
inline constexpr uint8_t kIoapic = 3;
inline constexpr uint8_t kHpet = 4;
inline constexpr uint8_t kNamespace = 5;

}  // namespace vtd::acpi::testing

#endif  // VTDSIM_TESTS_ACPI_DMAR_BYTES_H_
