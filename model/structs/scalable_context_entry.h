// Scalable-mode context entry (VT-d spec §9.4): 256 bits, one per device function, in the
// 4 KiB scalable-mode context table (128 entries) a scalable-mode root entry half points to.
// It points to the device's PASID directory.
#ifndef VTDSIM_MODEL_STRUCTS_SCALABLE_CONTEXT_ENTRY_H_
#define VTDSIM_MODEL_STRUCTS_SCALABLE_CONTEXT_ENTRY_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/common/bits.h"
#include "model/common/json.h"

namespace vtd {

// The capabilities that make fields of the entry defined (else Reserved(0)), S §9.4.
struct ScalableContextFormat {
  int haw = 48;                         // host address width: PASIDDIRPTR bits 63:HAW are reserved
  bool device_tlb = false;              // ECAP.DT: DTE
  bool pasid = false;                   // ECAP.PASID: PASIDE
  bool page_requests = false;           // ECAP.PRS: PRE
  bool host_permission_tables = false;  // ECAP.HPTS (5.0+): HPTE
  bool translated_pasid = false;        // ECAP.PTRS (5.0+): EPTR
  bool rid_pasid = false;               // ECAP.RPS: RID_PASID
  bool rid_priv = false;                // ECAP.RPRIVS: RID_PRIV
};

struct ScalableContextEntry {
  static constexpr int kSizeBytes = 32;
  static constexpr int kEntriesPerTable = 128;
  // Qword 0 (bits 63:0).
  static constexpr BitRange kPresent = Bit(0);     // Bit 0: P; only FPD evaluated when 0
  static constexpr BitRange kFpd = Bit(1);         // Bit 1: FPD, evaluated even if P=0
  static constexpr BitRange kDte = Bit(2);         // Bit 2: DTE (ECAP.DT)
  static constexpr BitRange kPaside = Bit(3);      // Bit 3: PASIDE (ECAP.PASID)
  static constexpr BitRange kPre = Bit(4);         // Bit 4: PRE (ECAP.PRS)
  static constexpr BitRange kHpte = Bit(5);        // Bit 5: HPTE (5.0+, ECAP.HPTS)
  static constexpr BitRange kEptr = Bit(6);        // Bit 6: EPTR (5.0+, ECAP.PTRS)
  static constexpr BitRange kReservedLow{8, 7};    // Bits 8:7: Rsvd
  static constexpr BitRange kPdts{11, 9};          // Bits 11:9: PDTS
  static constexpr BitRange kPasidDirPtr{63, 12};  // Bits 63:12: PASIDDIRPTR; 63:HAW Rsvd
  // Qword 1 (bits 127:64), positions relative to bit 64.
  static constexpr BitRange kRidPasid{19, 0};      // Bits 83:64: RID_PASID (ECAP.RPS)
  static constexpr BitRange kRidPriv = Bit(20);    // Bit 84: RID_PRIV (ECAP.RPRIVS)
  static constexpr BitRange kReservedQw1{63, 21};  // Bits 127:85: Rsvd
  // Qwords 2 and 3 (bits 255:128) are reserved.

  bool present = false;
  bool fpd = false;
  bool device_tlb_enable = false;        // DTE
  bool pasid_enable = false;             // PASIDE
  bool page_request_enable = false;      // PRE
  bool hpt_enable = false;               // HPTE
  bool translated_pasid_enable = false;  // EPTR
  uint8_t pdts = 0;                      // PDTS (3 bits)
  uint64_t pasid_directory = 0;          // PASIDDIRPTR: HPA, 4 KiB aligned, in place
  uint32_t rid_pasid = 0;                // RID_PASID (20 bits)
  bool rid_priv = false;                 // RID_PRIV: 1 = supervisor

  // Entries in the PASID directory: 2^(PDTS+7).
  int PasidDirectoryEntries() const { return 1 << (pdts + 7); }
  // Largest PASID the directory covers: each directory entry covers 64 PASIDs.
  uint32_t MaxPasid() const { return (uint32_t{1} << (pdts + 7 + 6)) - 1; }

  // Decodes four qwords (qword 0 first). Reserved bits are dropped; check them with
  // ReservedBits(). InvalidArgument if `words` is not 4 qwords long.
  static absl::StatusOr<ScalableContextEntry> Decode(absl::Span<const uint64_t> words);
  // The same for words whose length is known to be right (the walk's), so it cannot fail.
  static ScalableContextEntry DecodeQwords(const std::array<uint64_t, 4>& words);
  // InvalidArgument naming the field if a value does not fit (PDTS > 7, RID_PASID above 20
  // bits, PASIDDIRPTR not 4 KiB aligned).
  absl::StatusOr<std::array<uint64_t, 4>> Encode() const;

  // Reserved bits: 8:7, 63:HAW, 127:85, 255:128 always; DTE, PASIDE, PRE, HPTE, EPTR,
  // RID_PASID and RID_PRIV when the capability that defines them is absent.
  static std::array<uint64_t, 4> ReservedMask(const ScalableContextFormat& format);
  static std::array<uint64_t, 4> ReservedBits(absl::Span<const uint64_t> words,
                                              const ScalableContextFormat& format);

  // The programming errors S §9.4 makes a scalable-context fault (43h, SCT.4) rather than
  // a reserved-bit fault: DTE=0 with PRE=1, RID_PASID beyond the PASIDs PDTS covers, EPTR=1
  // with PASIDE=0. A short description of the first one found, else nullopt.
  std::optional<std::string_view> InvalidProgramming() const;

  Json ToJson() const;
  bool operator==(const ScalableContextEntry&) const = default;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_STRUCTS_SCALABLE_CONTEXT_ENTRY_H_
