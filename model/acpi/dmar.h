// ACPI DMAR table (VT-d spec chapter 8): typed structures, lossless parsing and serializing.
//
// Every structure keeps every byte it was parsed from (reserved fields and padding
// included) so that Serialize(Parse(bytes)) == bytes for every well-formed table. Field
// names follow the ACPI/VT-d spec; header strings are raw bytes (real firmware puts NULs
// and binary values in them).
#ifndef VTDSIM_MODEL_ACPI_DMAR_H_
#define VTDSIM_MODEL_ACPI_DMAR_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace vtd::acpi {

// DMAR header Flags (offset 37), spec §8.1.
inline constexpr uint8_t kDmarFlagIntrRemap = 1u << 0;
inline constexpr uint8_t kDmarFlagX2apicOptOut = 1u << 1;
inline constexpr uint8_t kDmarFlagDmaCtrlPlatformOptIn = 1u << 2;

inline constexpr size_t kDmarHeaderSize = 48;  // 36-byte ACPI header + HAW, Flags, Reserved[10]

// Remapping structure types, spec §8.2 "Remapping Structure Types" (types >= 7 are reserved
// and skipped by their Length).
enum class DmarStructureType : uint16_t {
  kDrhd = 0,  // §8.3 DMA Remapping Hardware Unit Definition
  kRmrr = 1,  // §8.4 Reserved Memory Region Reporting
  kAtsr = 2,  // §8.5 Root Port ATS Capability Reporting
  kRhsa = 3,  // §8.6 Remapping Hardware Static Affinity
  kAndd = 4,  // §8.7 ACPI Name-space Device Declaration
  kSatc = 5,  // §8.8 SoC Integrated Address Translation Cache
  kSidp = 6,  // §8.9 SoC Integrated Device Property
};

// Device scope entry types, spec §8.3.1.
enum class DeviceScopeType : uint8_t {
  kEndpoint = 1,   // PCI endpoint device
  kBridge = 2,     // PCI sub-hierarchy (bridge or root port and everything below it)
  kIoapic = 3,     // I/O APIC, Enumeration ID = APIC ID from MADT
  kHpet = 4,       // MSI-capable HPET, Enumeration ID = HPET number
  kNamespace = 5,  // ACPI namespace device, Enumeration ID = ANDD device number
};

// One {Device, Function} hop of a device-scope path.
struct PciPathEntry {
  uint8_t device = 0;
  uint8_t function = 0;
  friend bool operator==(const PciPathEntry&, const PciPathEntry&) = default;
};

// Device Scope entry (spec §8.3.1): Type(1) Length(1) Flags(1) Reserved(1)
// EnumerationID(1) StartBus(1) Path[N]{Device, Function}.
struct DeviceScope {
  uint8_t type = 0;  // raw: reserved/unknown types are kept (see DeviceScopeType)
  uint8_t length = 0;
  uint8_t flags = 0;     // byte 2: meaningful only inside SIDP (§8.9), reserved elsewhere
  uint8_t reserved = 0;  // byte 3
  uint8_t enumeration_id = 0;
  uint8_t start_bus = 0;
  std::vector<PciPathEntry> path;
  // Bytes inside `length` after the last whole path entry (an odd-length scope); kept for
  // lossless serialization, flagged by the checker.
  std::vector<uint8_t> trailing;
  size_t offset = 0;  // byte offset of this entry from the start of the table
};

// DRHD (type 0), spec §8.3.
struct Drhd {
  uint8_t flags = 0;  // bit 0 INCLUDE_PCI_ALL
  uint8_t size = 0;   // bits 3:0: register set is 2^size 4 KiB pages (spec 4.0+)
  uint16_t segment = 0;
  uint64_t register_base = 0;
  std::vector<DeviceScope> scopes;

  bool include_pci_all() const { return flags & 1; }
  // Size of the register set in bytes: 2^(size[3:0] + 12).
  uint64_t register_set_bytes() const { return uint64_t{1} << ((size & 0xf) + 12); }
};

// RMRR (type 1), spec §8.4. `limit` is the inclusive last byte.
struct Rmrr {
  uint16_t reserved = 0;
  uint16_t segment = 0;
  uint64_t base = 0;
  uint64_t limit = 0;
  std::vector<DeviceScope> scopes;
};

// ATSR (type 2), spec §8.5.
struct Atsr {
  uint8_t flags = 0;  // bit 0 ALL_PORTS
  uint8_t reserved = 0;
  uint16_t segment = 0;
  std::vector<DeviceScope> scopes;

  bool all_ports() const { return flags & 1; }
};

// RHSA (type 3), spec §8.6.
struct Rhsa {
  uint32_t reserved = 0;
  uint64_t register_base = 0;
  uint32_t proximity_domain = 0;
};

// ANDD (type 4), spec §8.7.
struct Andd {
  std::array<uint8_t, 3> reserved{};
  uint8_t device_number = 0;
  // The ACPI object name up to (not including) the first NUL, or the whole field when it
  // has no NUL (a firmware bug the checker reports).
  std::string name;
  // The raw name field (Length - 8 bytes) with its terminator and padding: real firmware
  // pads ANDDs to 28 bytes.
  std::vector<uint8_t> name_field;
};

// SATC (type 5), spec §8.8.
struct Satc {
  uint8_t flags = 0;  // bit 0 ATC_REQUIRED
  uint8_t reserved = 0;
  uint16_t segment = 0;
  std::vector<DeviceScope> scopes;
};

// SIDP (type 6), spec §8.9.
struct Sidp {
  uint16_t reserved = 0;
  uint16_t segment = 0;
  std::vector<DeviceScope> scopes;
};

// A structure of a reserved type (>= 7): kept whole, skipped by its Length (spec §8.2).
struct UnknownStructure {
  std::vector<uint8_t> body;  // the bytes after Type and Length
};

// One remapping structure: the common Type/Length header plus its typed body.
struct DmarStructure {
  uint16_t type = 0;
  uint16_t length = 0;
  size_t offset = 0;  // from the start of the table
  std::variant<Drhd, Rmrr, Atsr, Rhsa, Andd, Satc, Sidp, UnknownStructure> body;
  // Bytes inside Length after the decoded fields and scopes that could not be decoded as
  // a device scope (e.g. fewer than the 6 bytes a scope needs); kept for lossless output.
  std::vector<uint8_t> trailing;
};

// The 48-byte DMAR header (spec §8.1). String fields are raw bytes, not NUL-terminated.
struct DmarHeader {
  std::array<uint8_t, 4> signature{};
  uint32_t length = 0;
  uint8_t revision = 0;
  uint8_t checksum = 0;
  std::array<uint8_t, 6> oem_id{};
  std::array<uint8_t, 8> oem_table_id{};
  uint32_t oem_revision = 0;
  std::array<uint8_t, 4> creator_id{};
  uint32_t creator_revision = 0;
  uint8_t host_address_width = 0;  // raw byte: the platform's HAW is this value + 1
  uint8_t flags = 0;
  std::array<uint8_t, 10> reserved{};
};

struct DmarTable {
  DmarHeader header;
  std::vector<DmarStructure> structures;
  // Bytes inside Length after the last structure that are too few to hold a structure
  // header (fewer than 4); kept for lossless output, flagged by the checker.
  std::vector<uint8_t> trailing;
  // Bytes in the input after header.length (not part of the table; not serialized).
  size_t bytes_after_length = 0;
  // True when the checksum over `length` bytes sums to zero mod 256.
  bool checksum_ok = false;
};

// Parses a binary DMAR table. Structural errors that make the bytes undecodable (buffer
// shorter than the header or than Length, wrong signature, a structure or device scope
// whose Length is below its minimum or overruns its parent) give an InvalidArgument or
// OutOfRange status whose message names the byte offset ("offset 0x48: ..."). Semantic
// problems (checksum, alignment, order, reserved bits) are not errors here: see CheckDmar.
absl::StatusOr<DmarTable> ParseDmar(absl::Span<const uint8_t> bytes);
// The same; when the table's header is sound but a structure is not (it overruns the table,
// is shorter than its fixed part, holds a scope that overruns it, ...), `*sound_part` (if not
// null) receives the header and every structure before the bad one: as much as decodes
// soundly. Left alone when the header itself is bad or the parse succeeds.
absl::StatusOr<DmarTable> ParseDmar(absl::Span<const uint8_t> bytes,
                                    std::optional<DmarTable>* sound_part);

// Serializes a table back to bytes: exactly header.length bytes for a parsed table, byte
// identical to the input. Length fields are written as stored (not recomputed), so a
// builder must set them; RecomputeLengths() and RecomputeChecksum() help.
std::vector<uint8_t> SerializeDmar(const DmarTable& table);

// Sets every Length field (scopes, structures, header) from the contents, every known
// structure's Type from its body, and every offset field from the resulting layout.
void RecomputeLengths(DmarTable& table);
// Sets header.checksum so the serialized table sums to zero.
void RecomputeChecksum(DmarTable& table);

// Short names for messages: "DRHD", "RMRR", ... ("reserved structure" for types >= 7).
std::string_view StructureTypeName(uint16_t type);
// "PCI endpoint", "PCI sub-hierarchy", "IOAPIC", ... ("reserved scope type" otherwise).
std::string_view DeviceScopeTypeName(uint8_t type);

}  // namespace vtd::acpi

#endif  // VTDSIM_MODEL_ACPI_DMAR_H_
