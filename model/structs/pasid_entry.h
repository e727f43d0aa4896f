// Scalable-mode PASID table entry (VT-d spec §9.6): 512 bits (8 qwords), 64 to a 4 KiB PASID
// table. It selects the translation type for one PASID of one device (PGTT) and holds the
// second-stage (SSPTPTR, AW, DID), first-stage (FSPTPTR, FSPM, SRE, WPE, EAFE), memory-type
// and, from 5.0, host-permission-table fields.
#ifndef VTDSIM_MODEL_STRUCTS_PASID_ENTRY_H_
#define VTDSIM_MODEL_STRUCTS_PASID_ENTRY_H_

#include <array>
#include <cstdint>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/common/bits.h"
#include "model/common/json.h"
#include "model/structs/ids.h"

namespace vtd {

// PASID Granular Translation Type (S §9.6, bits 8:6). 000b and 101b-111b are reserved.
enum class PasidTranslationType : uint8_t {
  kFirstStage = 1,   // 001b: FSPTPTR, FSPM (ECAP.FSTS)
  kSecondStage = 2,  // 010b: SSPTPTR, AW (ECAP.SSTS)
  kNested = 3,       // 011b: first stage, every address through second stage (ECAP.NEST)
  kPassThrough = 4,  // 100b: output = input (ECAP.PT)
};
// "first_stage", "second_stage", "nested", "pass_through", or "reserved".
std::string_view PasidTranslationTypeName(uint8_t pgtt);

// The capabilities and widths that make fields of the entry defined (else Reserved(0)).
struct PasidEntryFormat {
  int haw = 48;               // host address width: pointer bits 63:HAW are reserved
  int did_bits = 16;          // DomainIdBits(CAP.ND): DID bits at and above are reserved
  bool ssts = false;          // ECAP.SSTS: AW, SSADE
  bool ssads = false;         // ECAP.SSADS: SSADE
  bool fsts = false;          // ECAP.FSTS: FSPTPTR
  bool smpwcs = false;        // ECAP.SMPWCS: PWSNP
  bool sc = false;            // ECAP.SC: PGSNP
  bool mts = false;           // ECAP.MTS: CD, EMTE, PAT
  bool srs = false;           // ECAP.SRS: SRE
  bool eafs = false;          // ECAP.EAFS: EAFE
  bool hpts = false;          // ECAP.HPTS (5.0+): HPTSZ, HPTPFD, HPTPTR, HPTDID
  bool context_hpte = false;  // the context entry's HPTE: the HPT fields are ignored when 0
};

struct PasidEntry {
  static constexpr int kSizeBytes = 64;
  static constexpr int kEntriesPerTable = 64;
  // Qword 0 (bits 63:0).
  static constexpr BitRange kPresent = Bit(0);        // Bit 0: P
  static constexpr BitRange kFpd = Bit(1);            // Bit 1: FPD
  static constexpr BitRange kAw{4, 2};                // Bits 4:2: AW (ECAP.SSTS)
  static constexpr BitRange kReserved5 = Bit(5);      // Bit 5: Rsvd
  static constexpr BitRange kPgtt{8, 6};              // Bits 8:6: PGTT
  static constexpr BitRange kSsade = Bit(9);          // Bit 9: SSADE (SSTS and SSADS)
  static constexpr BitRange kReserved11To10{11, 10};  // Bits 11:10: Rsvd
  static constexpr BitRange kSsptptr{63, 12};         // Bits 63:12: SSPTPTR; 63:HAW Rsvd
  // Qword 1 (bits 127:64), positions relative to bit 64.
  static constexpr BitRange kDid{15, 0};              // Bits 79:64: DID
  static constexpr BitRange kReserved86To80{22, 16};  // Bits 86:80: Rsvd
  static constexpr BitRange kPwsnp = Bit(23);         // Bit 87: PWSNP (ECAP.SMPWCS)
  static constexpr BitRange kPgsnp = Bit(24);         // Bit 88: PGSNP (ECAP.SC)
  static constexpr BitRange kCd = Bit(25);            // Bit 89: CD (ECAP.MTS)
  static constexpr BitRange kEmte = Bit(26);          // Bit 90: EMTE (ECAP.MTS)
  static constexpr BitRange kReserved95To91{31, 27};  // Bits 95:91: Rsvd
  static constexpr BitRange kPat{63, 32};             // Bits 127:96: PAT, 8 x 4-bit slots
  // In each 4-bit PAT slot, bits 2:0 are PAi and bit 3 is reserved.
  static constexpr uint64_t kPatReserved = 0x8888888800000000ull;
  // Qword 2 (bits 191:128), positions relative to bit 128.
  static constexpr BitRange kSre = Bit(0);             // Bit 128: SRE (ECAP.SRS)
  static constexpr BitRange kReserved129 = Bit(1);     // Bit 129: Rsvd in 5.10
  static constexpr BitRange kFspm{3, 2};               // Bits 131:130: FSPM
  static constexpr BitRange kWpe = Bit(4);             // Bit 132: WPE
  static constexpr BitRange kIgnored134To133{6, 5};    // Bits 134:133: IGN in 5.10
  static constexpr BitRange kEafe = Bit(7);            // Bit 135: EAFE (ECAP.EAFS)
  static constexpr BitRange kReserved139To136{11, 8};  // Bits 139:136: Rsvd
  static constexpr BitRange kFsptptr{63, 12};          // Bits 191:140: FSPTPTR; 191:HAW+128 Rsvd
  // Qword 3 (bits 255:192) is reserved.
  // Qword 4 (bits 319:256), positions relative to bit 256: host permission table (5.0+).
  static constexpr BitRange kHptsz{1, 0};              // Bits 257:256: HPTSZ
  static constexpr BitRange kHptpfd = Bit(2);          // Bit 258: HPTPFD
  static constexpr BitRange kReserved267To259{11, 3};  // Bits 267:259: Rsvd
  static constexpr BitRange kHptptr{63, 12};           // Bits 319:268: HPTPTR; 319:HAW+256 Rsvd
  // Qword 5 (bits 383:320), positions relative to bit 320.
  static constexpr BitRange kHptdid{15, 0};             // Bits 335:320: HPTDID
  static constexpr BitRange kReserved383To336{63, 16};  // Bits 383:336: Rsvd
  // Qwords 6 and 7 (bits 511:384) are reserved.

  bool present = false;
  bool fpd = false;
  uint8_t aw = 0;    // AW (3 bits): 1 39-bit, 2 48-bit, 3 57-bit
  uint8_t pgtt = 0;  // PGTT (3 bits), PasidTranslationType values
  bool ssade = false;
  uint64_t second_stage_root = 0;  // SSPTPTR: HPA, 4 KiB aligned, in place
  DomainId did;
  bool pwsnp = false;
  bool pgsnp = false;
  bool cd = false;
  bool emte = false;
  uint32_t pat = 0;  // PAT: slot i in bits 4i+2:4i
  bool sre = false;
  uint8_t fspm = 0;  // FSPM (2 bits): 0 4-level, 1 5-level
  bool wpe = false;
  uint8_t ignored_133 = 0;  // IGN bits 134:133 (kept so Encode is lossless)
  bool eafe = false;
  uint64_t first_stage_root = 0;  // FSPTPTR: 4 KiB aligned, in place (a GPA when nested)
  uint8_t hptsz = 0;              // HPTSZ (2 bits)
  bool hptpfd = false;
  uint64_t hpt_root = 0;  // HPTPTR: HPA, 4 KiB aligned, in place
  uint16_t hptdid = 0;

  PasidTranslationType translation_type() const { return static_cast<PasidTranslationType>(pgtt); }
  // The memory type of PAT slot `i` (0..7).
  int PatEntry(int i) const { return static_cast<int>((pat >> (4 * i)) & 0x7); }

  // Decodes eight qwords (qword 0 first). Reserved bits are dropped; check them with
  // ReservedBits(). InvalidArgument if `words` is not 8 qwords long.
  static absl::StatusOr<PasidEntry> Decode(absl::Span<const uint64_t> words);
  // The same for words whose length is known to be right (the walk's), so it cannot fail.
  static PasidEntry DecodeQwords(const std::array<uint64_t, 8>& words);
  // InvalidArgument naming the field if a value does not fit: AW, PGTT > 7, FSPM, HPTSZ,
  // IGN > 3, a PAT slot with its reserved bit set, a pointer not 4 KiB aligned.
  absl::StatusOr<std::array<uint64_t, 8>> Encode() const;

  // Reserved bits (S §9.6). Always: 5, 11:10, 86:80, 95:91, PAT bits 4i+3, 129, 139:136,
  // 191:HAW+128, 255:192, 511:384. SSPTPTR bits 63:HAW for PGTT 010b/011b (ignored for
  // the others). DID bits at and above did_bits. Capability-defined fields when the
  // capability is absent: AW (SSTS), SSADE (SSTS and SSADS), PWSNP (SMPWCS), PGSNP (SC),
  // CD/EMTE/PAT (MTS), SRE (SRS), EAFE (EAFS), FSPTPTR (FSTS). Qwords 4-5 (HPT): all
  // reserved without HPTS; with HPTS and the context's HPTE, bits 267:259, 319:HAW+256 and
  // 383:336; ignored with HPTS and HPTE=0.
  static std::array<uint64_t, 8> ReservedMask(uint8_t pgtt, const PasidEntryFormat& format);
  static std::array<uint64_t, 8> ReservedBits(absl::Span<const uint64_t> words,
                                              const PasidEntryFormat& format);

  Json ToJson() const;
  bool operator==(const PasidEntry&) const = default;
};

}  // namespace vtd

#endif  // VTDSIM_MODEL_STRUCTS_PASID_ENTRY_H_
