// Small strong types that keep values of different meaning apart: a requester id is not a
// domain id, and an input address (IOVA) is not a host-physical address. Each wraps one
// integer; they convert only explicitly.
#ifndef VTDSIM_MODEL_STRUCTS_IDS_H_
#define VTDSIM_MODEL_STRUCTS_IDS_H_

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_format.h"

namespace vtd {

// A PCI requester id (VT-d spec §3.4.1 "Source Identifier"): bus in bits 15:8, device in
// 7:3, function in 2:0. The bus indexes the root table, devfn (7:0) the context table.
class SourceId {
 public:
  constexpr SourceId() = default;
  constexpr explicit SourceId(uint16_t value) : value_(value) {}
  // Requires bus < 256, device < 32, function < 8 (masked otherwise).
  static constexpr SourceId FromBdf(int bus, int device, int function) {
    return SourceId(
        static_cast<uint16_t>(((bus & 0xff) << 8) | ((device & 0x1f) << 3) | (function & 0x7)));
  }

  constexpr uint16_t value() const { return value_; }
  constexpr int bus() const { return value_ >> 8; }
  constexpr int device() const { return (value_ >> 3) & 0x1f; }
  constexpr int function() const { return value_ & 0x7; }
  constexpr int devfn() const { return value_ & 0xff; }

  friend constexpr auto operator<=>(SourceId, SourceId) = default;

  // "bb:dd.f" (lower-case hex), the form Linux and lspci print.
  static constexpr size_t kBdfLength = 7;
  constexpr std::array<char, kBdfLength> Bdf() const {
    constexpr char kDigits[] = "0123456789abcdef";
    return {kDigits[bus() >> 4],    kDigits[bus() & 0xf],    ':',
            kDigits[device() >> 4], kDigits[device() & 0xf], '.',
            kDigits[function()]};
  }

  // Formats as Bdf().
  friend absl::FormatConvertResult<absl::FormatConversionCharSet::kString> AbslFormatConvert(
      SourceId sid, const absl::FormatConversionSpec&, absl::FormatSink* sink) {
    const std::array<char, kBdfLength> text = sid.Bdf();
    sink->Append(absl::string_view(text.data(), text.size()));
    return {true};
  }

 private:
  uint16_t value_ = 0;
};

// Appends `sid` as "bb:dd.f" (per-step text built by appends, model/common/hex.h).
inline void AppendBdf(std::string& out, SourceId sid) {
  const std::array<char, SourceId::kBdfLength> text = sid.Bdf();
  out.append(text.data(), text.size());
}

// A domain id (DID) from a context or PASID-table entry (16 bits at most; CAP.ND sets the
// implemented width).
class DomainId {
 public:
  constexpr DomainId() = default;
  constexpr explicit DomainId(uint16_t value) : value_(value) {}
  constexpr uint16_t value() const { return value_; }
  friend constexpr auto operator<=>(DomainId, DomainId) = default;
  friend absl::FormatConvertResult<absl::FormatConversionCharSet::kString> AbslFormatConvert(
      DomainId did, const absl::FormatConversionSpec&, absl::FormatSink* sink) {
    sink->Append(absl::StrFormat("%#x", did.value()));
    return {true};
  }

 private:
  uint16_t value_ = 0;
};

// An address as the device issued it (input to translation).
struct Iova {
  uint64_t value = 0;
  friend constexpr auto operator<=>(Iova, Iova) = default;
};

// A host-physical address (output of translation; every remapping structure lives here).
struct Hpa {
  uint64_t value = 0;
  friend constexpr auto operator<=>(Hpa, Hpa) = default;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_STRUCTS_IDS_H_
