// Capability (CAP_REG, VT-d spec §11.4.2) and Extended Capability (ECAP_REG, §11.4.3)
// registers of rev 5.10: one table of fields per register (name, bits, how the value reads),
// typed decoders, the "map of named fields" encoder used by configurations, and the check
// that rejects what the model does not implement, naming the field.
//
// Every field has a "value": the number a person means, not the raw bits. MGAW's value is the
// width (raw + 1), NFR's the number of fault-recording registers (raw + 1), FRO's and IRO's a
// byte offset (raw × 16), ND's the number of domain ids (2^(4 + 2·raw)), SAGAW's a list of
// address widths, SSLPS's a list of page sizes. Decoding prints the value and encoding takes
// it back, so what `vtdsim caps` prints can be pasted into a configuration.
#ifndef VTDSIM_MODEL_REGS_CAP_ECAP_H_
#define VTDSIM_MODEL_REGS_CAP_ECAP_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "model/common/bits.h"

namespace vtd {

enum class CapRegister : uint8_t { kCap, kEcap };
std::string_view CapRegisterName(CapRegister reg);  // "CAP", "ECAP"

// How a field's raw bits map to its value (see the file comment).
enum class FieldKind : uint8_t {
  kFlag,      // one bit: value "yes"/"no" (named form: 1/0, true/false, yes/no)
  kNumber,    // the raw number (MAMV, MHMV)
  kPlusOne,   // raw + 1 (MGAW bits, NFR count, PSS bits)
  kTimes16,   // raw × 16: a byte offset from the register base (FRO, IRO)
  kDomains,   // ND: 2^(4 + 2·raw) domain ids; raw 7 is reserved
  kSagaw,     // bitmap: bit 1 = 39-bit (3-level), 2 = 48-bit (4-level), 3 = 57-bit (5-level)
  kSslps,     // bitmap: bit 0 = 2 MiB, bit 1 = 1 GiB pages
  kReserved,  // reserved or deprecated: must read 0
};

struct CapField {
  CapRegister reg;
  std::string_view name;  // spec 5.10 name, upper case
  BitRange bits;
  FieldKind kind;
  std::string_view description;
  std::string_view aliases = {};  // older names, comma separated ("SLLPS")
};

// Every field of the register, bit 63 first, reserved and deprecated ranges included, so the
// rows tile all 64 bits.
absl::Span<const CapField> CapFields();
absl::Span<const CapField> EcapFields();
absl::Span<const CapField> FieldsOf(CapRegister reg);
// Case-insensitive lookup by name or alias; nullptr if unknown. Reserved rows are not found.
const CapField* FindField(CapRegister reg, std::string_view name);

// "12:8" or "7".
std::string FormatBits(BitRange bits);
// The value of `raw` (the field's bits shifted down) as text: "48-bit (4-level)", "yes", "256".
std::string FormatFieldValue(const CapField& field, uint64_t raw);

struct DecodedField {
  const CapField* field;
  uint64_t raw;       // the field's bits, shifted down
  std::string value;  // FormatFieldValue(*field, raw)
};
std::vector<DecodedField> DecodeFields(CapRegister reg, uint64_t value);

// One entry of the named-field form, e.g. {"sagaw", {"39", "48"}}, {"mgaw", {"48"}},
// {"sslps", {"2M", "1G"}}. Scalar fields take exactly one value; numbers are decimal or 0x hex.
struct FieldSetting {
  std::string name;
  std::vector<std::string> values;
};
// The raw bits for `field` given its value(s); InvalidArgument naming the field otherwise.
absl::StatusOr<uint64_t> ParseFieldValue(const CapField& field,
                                         absl::Span<const std::string> values);
// `base` with each named field replaced. InvalidArgument naming the field for an unknown or
// reserved name, a repeated name, or a value that does not fit or is not representable.
absl::StatusOr<uint64_t> EncodeFields(CapRegister reg, uint64_t base,
                                      absl::Span<const FieldSetting> settings);

// CAP_REG as named fields (S §11.4.2). Members hold raw field bits; accessors give values.
struct Capability {
  static constexpr BitRange kEsrtps = Bit(63);
  static constexpr BitRange kEsirtps = Bit(62);
  static constexpr BitRange kEcmds = Bit(61);
  static constexpr BitRange kFs5lp = Bit(60);
  static constexpr BitRange kPi = Bit(59);
  static constexpr BitRange kFs1gp = Bit(56);
  static constexpr BitRange kDrd = Bit(55);
  static constexpr BitRange kDwd = Bit(54);
  static constexpr BitRange kMamv{53, 48};
  static constexpr BitRange kNfr{47, 40};
  static constexpr BitRange kPsi = Bit(39);
  static constexpr BitRange kSslps{37, 34};
  static constexpr BitRange kFro{33, 24};
  static constexpr BitRange kZlr = Bit(22);
  static constexpr BitRange kMgaw{21, 16};
  static constexpr BitRange kSagaw{12, 8};
  static constexpr BitRange kCm = Bit(7);
  static constexpr BitRange kPhmr = Bit(6);
  static constexpr BitRange kPlmr = Bit(5);
  static constexpr BitRange kRwbf = Bit(4);
  static constexpr BitRange kNd{2, 0};

  bool esrtps = false;
  bool esirtps = false;
  bool ecmds = false;
  bool fs5lp = false;
  bool pi = false;
  bool fs1gp = false;
  bool drd = false;
  bool dwd = false;
  uint8_t mamv = 0;  // 6 bits
  uint8_t nfr = 0;   // 8 bits: registers - 1
  bool psi = false;
  uint8_t sslps = 0;  // 4 bits
  uint16_t fro = 0;   // 10 bits: offset / 16
  bool zlr = false;
  uint8_t mgaw = 0;   // 6 bits: width - 1
  uint8_t sagaw = 0;  // 5 bits
  bool cm = false;
  bool phmr = false;
  bool plmr = false;
  bool rwbf = false;
  uint8_t nd = 0;  // 3 bits

  // Reserved and deprecated bits are dropped (ValidateCapabilities reports them).
  static Capability Decode(uint64_t raw);
  // InvalidArgument naming the field if a member does not fit its bits.
  absl::StatusOr<uint64_t> Encode() const;

  int mgaw_bits() const { return mgaw + 1; }
  int num_fault_recording_registers() const { return nfr + 1; }
  uint32_t fault_recording_offset() const { return uint32_t{fro} * 16; }
  int domain_id_bits() const { return 4 + 2 * nd; }
  bool SupportsAgaw(int width_bits) const;  // 39, 48 or 57
  bool operator==(const Capability&) const = default;
};

// ECAP_REG as named fields (S §11.4.3).
struct ExtendedCapability {
  static constexpr BitRange kIrreq = Bit(62);
  static constexpr BitRange kEimer = Bit(61);
  static constexpr BitRange kRdts = Bit(60);
  static constexpr BitRange kHpt1gps = Bit(59);
  static constexpr BitRange kSms = Bit(58);
  static constexpr BitRange kSsirws = Bit(57);
  static constexpr BitRange kPtrs = Bit(56);
  static constexpr BitRange kHpts = Bit(55);
  static constexpr BitRange kRprivs = Bit(53);
  static constexpr BitRange kAdms = Bit(52);
  static constexpr BitRange kPms = Bit(51);
  static constexpr BitRange kTdxcs = Bit(50);
  static constexpr BitRange kRps = Bit(49);
  static constexpr BitRange kSmpwcs = Bit(48);
  static constexpr BitRange kFsts = Bit(47);
  static constexpr BitRange kSsts = Bit(46);
  static constexpr BitRange kSsads = Bit(45);
  static constexpr BitRange kVcs = Bit(44);
  static constexpr BitRange kSmts = Bit(43);
  static constexpr BitRange kPds = Bit(42);
  static constexpr BitRange kDit = Bit(41);
  static constexpr BitRange kPasid = Bit(40);
  static constexpr BitRange kPss{39, 35};
  static constexpr BitRange kEafs = Bit(34);
  static constexpr BitRange kNwfs = Bit(33);
  static constexpr BitRange kSrs = Bit(31);
  static constexpr BitRange kErs = Bit(30);
  static constexpr BitRange kPrs = Bit(29);
  static constexpr BitRange kNest = Bit(26);
  static constexpr BitRange kMts = Bit(25);
  static constexpr BitRange kMhmv{23, 20};
  static constexpr BitRange kIro{17, 8};
  static constexpr BitRange kSc = Bit(7);
  static constexpr BitRange kPt = Bit(6);
  static constexpr BitRange kEim = Bit(4);
  static constexpr BitRange kIr = Bit(3);
  static constexpr BitRange kDt = Bit(2);
  static constexpr BitRange kQi = Bit(1);
  static constexpr BitRange kC = Bit(0);

  bool irreq = false;
  bool eimer = false;
  bool rdts = false;
  bool hpt1gps = false;
  bool sms = false;
  bool ssirws = false;
  bool ptrs = false;
  bool hpts = false;
  bool rprivs = false;
  bool adms = false;
  bool pms = false;
  bool tdxcs = false;
  bool rps = false;
  bool smpwcs = false;
  bool fsts = false;
  bool ssts = false;
  bool ssads = false;
  bool vcs = false;
  bool smts = false;
  bool pds = false;
  bool dit = false;
  bool pasid = false;
  uint8_t pss = 0;  // 5 bits: PASID width - 1
  bool eafs = false;
  bool nwfs = false;
  bool srs = false;
  bool ers = false;
  bool prs = false;
  bool nest = false;
  bool mts = false;
  uint8_t mhmv = 0;  // 4 bits
  uint16_t iro = 0;  // 10 bits: offset / 16
  bool sc = false;
  bool pt = false;
  bool eim = false;
  bool ir = false;
  bool dt = false;
  bool qi = false;
  bool c = false;

  static ExtendedCapability Decode(uint64_t raw);
  absl::StatusOr<uint64_t> Encode() const;

  uint32_t iotlb_register_offset() const { return uint32_t{iro} * 16; }
  bool operator==(const ExtendedCapability&) const = default;
};

// --- What the model implements -----------------------------------------------------------

enum class Support : uint8_t {
  kModeled,   // the model implements the feature; any valid value is accepted
  kAccepted,  // accepted in a configuration, but the feature stays inert until later work
              // lands (the reason says which); e.g. ECAP.QI: GCMD.QIE has no effect yet
  kRejected,  // a non-zero value is rejected at configuration time, naming the field
};
std::string_view SupportName(Support support);  // "modeled", "accepted", "rejected"

struct FeatureSupport {
  CapRegister reg;
  std::string_view field;
  Support support;
  std::string_view reason;
};

// The table of field → support, one row per non-reserved CAP/ECAP field. Later issues change
// rows (Set) as they land; Today() is the state of the model as committed.
class ImplementedFeatures {
 public:
  static ImplementedFeatures Today();
  // Every field kModeled: for decoding hardware the model will never run (tests, `explain`).
  static ImplementedFeatures All();

  // The row for a non-reserved field (every such field has one).
  const FeatureSupport& Get(const CapField& field) const;
  // Replaces a row; `field` must name a non-reserved field (checked by assertion).
  ImplementedFeatures& Set(CapRegister reg, std::string_view field, Support support,
                           std::string_view reason);

 private:
  std::vector<FeatureSupport> rows_;
};

struct CapabilityProblem {
  enum class Kind : uint8_t {
    kInvalid,       // the value is reserved or not allowed by the spec
    kInconsistent,  // the spec makes this field depend on another that is clear
    kUnsupported,   // valid, but the model does not implement it (Support::kRejected)
    kPlacement,     // FRO/NFR/IRO put registers outside the space or over other registers
    // A bit spec 5.10 reserves but an earlier revision defined (ECAP bit 24 was ECS in 2.x),
    // on a unit whose VER allows that revision: named as the earlier field, not invalid. The
    // model implements none of these fields.
    kEarlierRevision,
  };
  Kind kind;
  std::string field;       // "CAP.SAGAW", "ECAP.IR", "ECAP bit 24"
  std::string message;     // starts with the field
  std::string needs = {};  // kInconsistent: the field it depends on ("ECAP.IR")
};

struct AcceptedField {
  std::string field;  // "ECAP.QI"
  std::string reason;
};

struct CapabilityAudit {
  std::vector<CapabilityProblem> problems;
  // Non-zero fields whose support is kAccepted: they load but stay inert.
  std::vector<AcceptedField> accepted;
  // Facts that load without a problem but deserve a word: a field the spec defines as
  // meaningful only when another is set, reported with that other field clear (ECAP.MHMV
  // with ECAP.IR clear), or a field judged by the earlier revision the unit's VER allows.
  std::vector<std::string> notes;
  bool ok() const { return problems.empty(); }
};

// Optional facts about the unit that some checks use.
struct AuditContext {
  int host_address_width = 0;  // DMAR HAW + 1; 0 = unknown (skips the MGAW >= HAW check)
  // VER_REG (bits 7:4 major, 3:0 minor, S §11.4.1). 0 = unknown: every bit is judged by spec
  // 5.10 alone, so bits it reserves are invalid. A known VER lets bits that an earlier
  // revision defined be named as such (kEarlierRevision) while that revision's hardware can
  // report them (see EarlierRevisionFields()).
  uint32_t version = 0;
};

// A bit spec 5.10 reserves or deprecates that an earlier revision defined.
struct EarlierRevisionField {
  CapRegister reg;
  int bit;
  std::string_view name;     // the earlier name, "ECS"
  std::string_view meaning;  // "extended-context support (spec 2.x; removed in 3.0)"
  // The highest VER major whose hardware may still report it. registers.md and faults.md tie
  // ERS to VER major <= 7 (fault 5Ch); for the 2.x-era fields the model takes VER major 6,
  // the first major the spec describes with scalable-mode-only behaviour (registers.md §5,
  // invalidation.md §7), as the first that must report them 0.
  int last_major;
};
absl::Span<const EarlierRevisionField> EarlierRevisionFields();

// Every problem with (cap, ecap), in bit order, CAP first. What is checked:
//  * with a known VER (AuditContext::version), bits of EarlierRevisionFields() are named as
//    the earlier field (kEarlierRevision) while the VER major allows them, and on such units
//    fields that spec 3.0+ makes depend on SMTS are accepted when ECAP bit 24 (ECS, the 2.x
//    extended-context capability they depended on then) is set, with a note;
//  * reserved and deprecated bits are 0 (CAP 58:57, 38, 23 (DEP), 15:13, 3 (AFL, removed in
//    4.0); ECAP 63, 54, 32, 30 (ERS, must be 0 since 4.1), 28, 27, 24, 19:18, 5);
//  * values: SAGAW has no reserved bit (0, 4) and is not 0 (legacy-mode translation needs an
//    AGAW; the model is a VER major < 6 implementation); SSLPS is 0000b, 0001b or 0011b; ND is
//    not 111b; MGAW is not 0, gives 30..57 bits (what the second-stage walk supports) and, if
//    HAW is known, is at least HAW (S §11.4.2);
//  * dependencies the spec states as "reports 0 when X is Clear" (registers.md §3), e.g. IR
//    needs QI, EIM needs IR, PI needs IR, NWFS needs DT, RWBF needs SMTS clear; fields the
//    spec only calls meaningful when another is set (ECAP.MHMV without IR, CAP.MAMV without
//    PSI) are notes, not problems;
//  * support: non-zero kRejected fields;
//  * placement: the IOTLB registers (IRO×16, 16 bytes) and the NFR+1 fault-recording
//    registers (FRO×16, 16 bytes each) do not overlap each other or any register this unit
//    implements at a fixed offset (registers gated off by capabilities are free space, as
//    S §11.4 note 1 allows).
CapabilityAudit AuditCapabilities(uint64_t cap, uint64_t ecap, const ImplementedFeatures& features,
                                  const AuditContext& context = {});

// OK, or the audit's problems joined with "; ": InvalidArgument if any is kInvalid,
// kInconsistent or kPlacement, else Unimplemented (the unit is valid but not modeled).
absl::Status ValidateCapabilities(
    uint64_t cap, uint64_t ecap, const ImplementedFeatures& features = ImplementedFeatures::Today(),
    const AuditContext& context = {});

// What a unit reports when the capabilities the model does not implement are masked: the
// fields cleared, why, and the audit of what remains.
struct MaskedField {
  std::string field;   // "ECAP.PASID", "ECAP bit 24"
  std::string reason;  // the audit's message for it
};
struct MaskedCapabilities {
  uint64_t cap = 0;
  uint64_t ecap = 0;
  std::vector<MaskedField> masked;  // in the order the audit found them
  CapabilityAudit audit;            // of (cap, ecap) after masking
};
// Clears every field the audit reports as unsupported (a flag or count the model does not
// implement) or from an earlier revision, and every field left depending on a cleared one,
// so the unit reports them clear (as hardware without the feature does). MGAW outside what
// the walk supports is never masked (clearing it is not a valid width). Invalid values,
// inconsistencies of the input and placement problems are not masked: they stay in `audit`.
MaskedCapabilities MaskUnimplemented(uint64_t cap, uint64_t ecap,
                                     const ImplementedFeatures& features,
                                     const AuditContext& context = {});

// VER_REG as Linux prints it ("1:0", major:minor) or written "1.0", or the raw register value
// ("0x10", "16"). InvalidArgument for anything else or a part above 15.
absl::StatusOr<uint32_t> ParseVersion(std::string_view text);
// "1:0", as Linux prints VER_REG.
std::string FormatVersion(uint32_t version);

// The Dell R630 units that motivated vtdsim: "dmar0: reg_base_addr fbffc000 ver 1:0
// cap 8d2078c106f0466 ecap f020df" (and dmar1 at c7ffc000).
inline constexpr uint32_t kR630Version = 0x10;
inline constexpr uint64_t kR630Cap = 0x8d2078c106f0466;
inline constexpr uint64_t kR630Ecap = 0xf020df;

}  // namespace vtd

#endif  // VTDSIM_MODEL_REGS_CAP_ECAP_H_
