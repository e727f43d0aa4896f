#include "model/regs/cap_ecap.h"

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "model/common/hex.h"
#include "model/common/status_macros.h"
#include "model/regs/register_map.h"

namespace vtd {
namespace {

using C = Capability;
using E = ExtendedCapability;
constexpr CapRegister kCap = CapRegister::kCap;
constexpr CapRegister kEcap = CapRegister::kEcap;

// CAP_REG, S §11.4.2 (registers.md §2). Bit 63 first; the rows tile bits 63:0.
constexpr CapField kCapFields[] = {
    {kCap, "ESRTPS", C::kEsrtps, FieldKind::kFlag,
     "SRTP also invalidates all DMA-remapping caches"},
    {kCap, "ESIRTPS", C::kEsirtps, FieldKind::kFlag,
     "SIRTP also invalidates all interrupt-remapping caches"},
    {kCap, "ECMDS", C::kEcmds, FieldKind::kFlag, "enhanced command interface"},
    {kCap, "FS5LP", C::kFs5lp, FieldKind::kFlag, "5-level first-stage paging", "FL5LP,5LP"},
    {kCap, "PI", C::kPi, FieldKind::kFlag, "posted interrupts"},
    {kCap, "RSVD_58_57", {58, 57}, FieldKind::kReserved, "reserved"},
    {kCap, "FS1GP", C::kFs1gp, FieldKind::kFlag, "1-GiB pages in first-stage translation", "FL1GP"},
    {kCap, "DRD", C::kDrd, FieldKind::kFlag,
     "read draining on IOTLB invalidation (deprecated, reads 1 on VER >= 2)"},
    {kCap, "DWD", C::kDwd, FieldKind::kFlag,
     "write draining on IOTLB invalidation (deprecated, reads 1 on VER >= 2)"},
    {kCap, "MAMV", C::kMamv, FieldKind::kNumber,
     "maximum address mask (IVA.AM) for page-selective invalidation (valid if PSI)"},
    {kCap, "NFR", C::kNfr, FieldKind::kPlusOne, "number of fault-recording registers"},
    {kCap, "PSI", C::kPsi, FieldKind::kFlag, "page-selective IOTLB invalidation"},
    {kCap, "RSVD_38", Bit(38), FieldKind::kReserved, "reserved"},
    {kCap, "SSLPS", C::kSslps, FieldKind::kSslps, "second-stage large page sizes", "SLLPS"},
    {kCap, "FRO", C::kFro, FieldKind::kTimes16,
     "offset of the first fault-recording register from the register base"},
    {kCap, "DEP_23", Bit(23), FieldKind::kReserved, "deprecated (was ISOCH), must be 0"},
    {kCap, "ZLR", C::kZlr, FieldKind::kFlag,
     "zero-length DMA reads to write-only pages are allowed"},
    {kCap, "MGAW", C::kMgaw, FieldKind::kPlusOne,
     "maximum guest address width (bits) for second-stage translation"},
    {kCap, "RSVD_15_13", {15, 13}, FieldKind::kReserved, "reserved"},
    {kCap, "SAGAW", C::kSagaw, FieldKind::kSagaw,
     "supported adjusted guest address widths (second-stage table depths)"},
    {kCap, "CM", C::kCm, FieldKind::kFlag,
     "caching mode: not-present and erroneous entries may be cached"},
    {kCap, "PHMR", C::kPhmr, FieldKind::kFlag, "protected high-memory region"},
    {kCap, "PLMR", C::kPlmr, FieldKind::kFlag, "protected low-memory region"},
    {kCap, "RWBF", C::kRwbf, FieldKind::kFlag, "software must flush write buffers (GCMD.WBF)"},
    {kCap, "RSVD_3", Bit(3), FieldKind::kReserved,
     "reserved (AFL, advanced fault logging, removed in spec 4.0)"},
    {kCap, "ND", C::kNd, FieldKind::kDomains, "number of domain ids"},
};

// ECAP_REG, S §11.4.3 (registers.md §3).
constexpr CapField kEcapFields[] = {
    {kEcap, "RSVD_63", Bit(63), FieldKind::kReserved, "reserved"},
    {kEcap, "IRREQ", E::kIrreq, FieldKind::kFlag,
     "MSIs are blocked while interrupt remapping is disabled"},
    {kEcap, "EIMER", E::kEimer, FieldKind::kFlag,
     "only extended (x2APIC) interrupt mode is supported"},
    {kEcap, "RDTS", E::kRdts, FieldKind::kFlag, "RDT (RMID/CLOS) configuration register"},
    {kEcap, "HPT1GPS", E::kHpt1gps, FieldKind::kFlag, "1-GiB pages in host permission tables"},
    {kEcap, "SMS", E::kSms, FieldKind::kFlag, "stop-marker messages"},
    {kEcap, "SSIRWS", E::kSsirws, FieldKind::kFlag, "second-stage I/O read/write bits (61/62)"},
    {kEcap, "PTRS", E::kPtrs, FieldKind::kFlag, "PASID in translated requests"},
    {kEcap, "HPTS", E::kHpts, FieldKind::kFlag, "host permission tables"},
    {kEcap, "RSVD_54", Bit(54), FieldKind::kReserved, "reserved"},
    {kEcap, "RPRIVS", E::kRprivs, FieldKind::kFlag,
     "RID_PRIV field in scalable-mode context entries"},
    {kEcap, "ADMS", E::kAdms, FieldKind::kFlag, "abort-DMA mode (RTADDR.TTM=11b)"},
    {kEcap, "PMS", E::kPms, FieldKind::kFlag, "performance monitoring"},
    {kEcap, "TDXCS", E::kTdxcs, FieldKind::kFlag, "TDX Connect extensions"},
    {kEcap, "RPS", E::kRps, FieldKind::kFlag, "RID_PASID field in scalable-mode context entries"},
    {kEcap, "SMPWCS", E::kSmpwcs, FieldKind::kFlag, "scalable-mode page-walk coherency", "SMPWC"},
    {kEcap, "FSTS", E::kFsts, FieldKind::kFlag, "first-stage translation (PASID-table PGTT=001b)",
     "FLTS"},
    {kEcap, "SSTS", E::kSsts, FieldKind::kFlag,
     "second-stage translation in scalable mode (PASID-table PGTT=010b)", "SLTS"},
    {kEcap, "SSADS", E::kSsads, FieldKind::kFlag, "second-stage accessed/dirty bits", "SLADS"},
    {kEcap, "VCS", E::kVcs, FieldKind::kFlag, "virtual command interface (emulations only)"},
    {kEcap, "SMTS", E::kSmts, FieldKind::kFlag, "scalable-mode translation"},
    {kEcap, "PDS", E::kPds, FieldKind::kFlag, "page-request drain (inv_wait_dsc PD flag)"},
    {kEcap, "DIT", E::kDit, FieldKind::kFlag, "device-TLB invalidation throttling"},
    {kEcap, "PASID", E::kPasid, FieldKind::kFlag, "requests with PASID"},
    {kEcap, "PSS", E::kPss, FieldKind::kPlusOne,
     "PASID width in bits (the raw field is 0 when SMTS is clear)"},
    {kEcap, "EAFS", E::kEafs, FieldKind::kFlag, "extended-accessed flag in first-stage entries"},
    {kEcap, "NWFS", E::kNwfs, FieldKind::kFlag, "no-write flag in translation requests"},
    {kEcap, "RSVD_32", Bit(32), FieldKind::kReserved, "reserved"},
    {kEcap, "SRS", E::kSrs, FieldKind::kFlag, "supervisor requests"},
    {kEcap, "ERS", E::kErs, FieldKind::kFlag,
     "execute requests (must be 0: planned for deprecation)"},
    {kEcap, "PRS", E::kPrs, FieldKind::kFlag, "page requests"},
    {kEcap, "DEP_28", Bit(28), FieldKind::kReserved,
     "deprecated (was PASID before 2.4), must be 0"},
    {kEcap, "RSVD_27", Bit(27), FieldKind::kReserved, "reserved (was DIS in 2.x)"},
    {kEcap, "NEST", E::kNest, FieldKind::kFlag, "nested translation"},
    {kEcap, "MTS", E::kMts, FieldKind::kFlag, "memory types (PAT/EMT) and MTRR registers"},
    {kEcap, "DEP_24", Bit(24), FieldKind::kReserved, "deprecated (was ECS), must be 0"},
    {kEcap, "MHMV", E::kMhmv, FieldKind::kNumber,
     "maximum handle mask (IM) in interrupt-entry-cache invalidations"},
    {kEcap, "RSVD_19_18", {19, 18}, FieldKind::kReserved, "reserved"},
    {kEcap, "IRO", E::kIro, FieldKind::kTimes16,
     "offset of the IOTLB registers (IVA_REG) from the register base"},
    {kEcap, "SC", E::kSc, FieldKind::kFlag, "snoop control (SNP in second-stage entries)"},
    {kEcap, "PT", E::kPt, FieldKind::kFlag, "pass-through translation type"},
    {kEcap, "DEP_5", Bit(5), FieldKind::kReserved, "deprecated (was caching hints), must be 0"},
    {kEcap, "EIM", E::kEim, FieldKind::kFlag, "extended interrupt mode (x2APIC, 32-bit ids)"},
    {kEcap, "IR", E::kIr, FieldKind::kFlag, "interrupt remapping"},
    {kEcap, "DT", E::kDt, FieldKind::kFlag, "device-TLBs (ATS)"},
    {kEcap, "QI", E::kQi, FieldKind::kFlag, "queued invalidation"},
    {kEcap, "C", E::kC, FieldKind::kFlag,
     "page-walk coherency: remapping-structure reads are snooped"},
};

// What the model implements today, one row per non-reserved field. Later issues flip rows.
constexpr FeatureSupport kFeaturesToday[] = {
    // CAP
    {kCap, "ESRTPS", Support::kModeled,
     "SRTP invalidates the context cache, IOTLB and paging-structure caches"},
    {kCap, "ESIRTPS", Support::kModeled, "SIRTP and IRE 1->0 invalidate the interrupt entry cache"},
    {kCap, "ECMDS", Support::kRejected, "the enhanced command interface is not modeled"},
    {kCap, "FS5LP", Support::kModeled, "5-level first-stage paging (FSPM=01b)"},
    {kCap, "PI", Support::kModeled,
     "posted-format IRTEs and posted-interrupt descriptors (PIR, ON, SN, URG, notification)"},
    {kCap, "FS1GP", Support::kModeled, "1 GiB first-stage pages"},
    {kCap, "DRD", Support::kModeled, "draining is immediate in the model"},
    {kCap, "DWD", Support::kModeled, "draining is immediate in the model"},
    {kCap, "MAMV", Support::kModeled, "limits IVA.AM of page-selective invalidations"},
    {kCap, "NFR", Support::kModeled, "fault-recording registers"},
    {kCap, "PSI", Support::kModeled, "page-selective IOTLB invalidation"},
    {kCap, "SSLPS", Support::kModeled, "2-MiB and 1-GiB second-stage pages"},
    {kCap, "FRO", Support::kModeled, "fault-recording register placement"},
    {kCap, "ZLR", Support::kModeled, "zero-length read handling in the walk"},
    {kCap, "MGAW", Support::kModeled, "second-stage input address limit"},
    {kCap, "SAGAW", Support::kModeled, "3-, 4- and 5-level second-stage tables"},
    {kCap, "CM", Support::kModeled, "caching mode"},
    {kCap, "PHMR", Support::kModeled, "protected high-memory region registers"},
    {kCap, "PLMR", Support::kModeled, "protected low-memory region registers"},
    {kCap, "RWBF", Support::kModeled, "GCMD.WBF / GSTS.WBFS"},
    {kCap, "ND", Support::kModeled, "domain-id width"},
    // ECAP
    {kEcap, "IRREQ", Support::kModeled,
     "interrupts while interrupt remapping is off are blocked (fault 2Bh)"},
    {kEcap, "EIMER", Support::kModeled, "interrupts with IRTA.EIME=0 are blocked (fault 2Ah)"},
    {kEcap, "RDTS", Support::kRejected, "RDT configuration is not modeled"},
    {kEcap, "HPT1GPS", Support::kRejected, "host permission tables are not modeled"},
    {kEcap, "SMS", Support::kRejected, "page-request stop markers are not modeled"},
    {kEcap, "SSIRWS", Support::kRejected,
     "second-stage I/O read/write bits (RTADDR.SSIRWE) are not modeled"},
    {kEcap, "PTRS", Support::kModeled,
     "translated requests with PASID, allowed by context EPTR (else fault 49h, SCT.10)"},
    {kEcap, "HPTS", Support::kRejected, "host permission tables are not modeled"},
    {kEcap, "RPRIVS", Support::kRejected,
     "RID_PRIV (requests without PASID translated as supervisor requests) is not modeled"},
    {kEcap, "ADMS", Support::kModeled, "abort-DMA mode (TTM=11b) in the legacy walk"},
    {kEcap, "PMS", Support::kRejected, "performance monitoring is not modeled"},
    {kEcap, "TDXCS", Support::kRejected, "TDX Connect is not modeled"},
    {kEcap, "RPS", Support::kModeled, "RID_PASID of scalable-mode context entries"},
    {kEcap, "SMPWCS", Support::kModeled, "PWSNP: snooped walks, needed for A/D updates"},
    {kEcap, "FSTS", Support::kModeled, "first-stage translation (PGTT=001b) with A/D updates"},
    {kEcap, "SSTS", Support::kModeled, "second-stage translation (PGTT=010b)"},
    {kEcap, "SSADS", Support::kModeled, "SSADE: A/D updates in second-stage entries"},
    {kEcap, "VCS", Support::kRejected, "the virtual command interface is not modeled"},
    {kEcap, "SMTS", Support::kModeled,
     "scalable-mode translation (TTM=01b): PASID directory and table, PGTT 010b and 100b"},
    {kEcap, "PDS", Support::kModeled,
     "PD of inv_wait_dsc: page requests reach the queue when issued, none is left to drain"},
    {kEcap, "DIT", Support::kModeled,
     "PFSID fields of device-TLB invalidation descriptors are defined"},
    {kEcap, "PASID", Support::kModeled, "requests with PASID (PASIDE)"},
    {kEcap, "PSS", Support::kModeled, "PASID width (SGN.10 above it)"},
    {kEcap, "EAFS", Support::kModeled,
     "EAFE: the first-stage walk sets EA (bit 10) with A in every entry it uses"},
    {kEcap, "NWFS", Support::kModeled, "no-write flag of translation requests in the walk"},
    {kEcap, "SRS", Support::kModeled, "SRE: privileged requests (SPT.6 without it)"},
    {kEcap, "ERS", Support::kRejected, "execute requests are not modeled"},
    {kEcap, "PRS", Support::kModeled,
     "page request queue (PQH/PQT/PQA/PRS/PECTL), page requests, page_grp_resp_dsc"},
    {kEcap, "NEST", Support::kModeled, "nested translation (PGTT=011b)"},
    {kEcap, "MTS", Support::kRejected, "memory types and MTRR registers are not modeled"},
    {kEcap, "MHMV", Support::kModeled, "limits the index mask of iec_inv_dsc"},
    {kEcap, "IRO", Support::kModeled, "IOTLB register placement"},
    {kEcap, "SC", Support::kModeled, "snoop control (SNP) in second-stage entries"},
    {kEcap, "PT", Support::kModeled, "pass-through context entries"},
    {kEcap, "EIM", Support::kModeled, "x2APIC mode (IRTA.EIME): 32-bit destinations"},
    {kEcap, "IR", Support::kModeled,
     "interrupt remapping: GCMD.IRE/SIRTP/CFI, IRTEs, the interrupt entry cache"},
    {kEcap, "DT", Support::kModeled, "device-TLB translation type and ATS requests"},
    {kEcap, "QI", Support::kModeled,
     "queued invalidation: IQA/IQH/IQT, legacy descriptor types, IQE/ITE/ICE"},
    {kEcap, "C", Support::kModeled, "model memory is always coherent"},
};

// "A requires B": the spec says hardware reporting B as Clear also reports A as Clear
// (S §11.4.2, §11.4.3; registers.md §3 "Dependencies").
struct Dependency {
  CapRegister reg;
  std::string_view field;
  CapRegister needs_reg;
  std::string_view needs;
};
constexpr Dependency kDependencies[] = {
    {kCap, "PI", kEcap, "IR"},        {kCap, "FS5LP", kEcap, "FSTS"},
    {kCap, "FS1GP", kEcap, "FSTS"},   {kEcap, "IRREQ", kEcap, "IR"},
    {kEcap, "EIMER", kEcap, "EIM"},   {kEcap, "HPT1GPS", kEcap, "HPTS"},
    {kEcap, "SMS", kEcap, "PRS"},     {kEcap, "SSIRWS", kEcap, "SSTS"},
    {kEcap, "PTRS", kEcap, "DT"},     {kEcap, "PTRS", kEcap, "PASID"},
    {kEcap, "HPTS", kEcap, "SMTS"},   {kEcap, "HPTS", kEcap, "DT"},
    {kEcap, "RPRIVS", kEcap, "SRS"},  {kEcap, "PMS", kCap, "ECMDS"},
    {kEcap, "RPS", kEcap, "SMTS"},    {kEcap, "SMPWCS", kEcap, "SMTS"},
    {kEcap, "FSTS", kEcap, "SMTS"},   {kEcap, "SSADS", kEcap, "SMPWCS"},
    {kEcap, "SMTS", kEcap, "QI"},     {kEcap, "PDS", kEcap, "DT"},
    {kEcap, "DIT", kEcap, "DT"},      {kEcap, "PASID", kEcap, "SMTS"},
    {kEcap, "PSS", kEcap, "SMTS"},    {kEcap, "EAFS", kEcap, "FSTS"},
    {kEcap, "EAFS", kEcap, "SMPWCS"}, {kEcap, "NWFS", kEcap, "DT"},
    {kEcap, "SRS", kEcap, "SMTS"},    {kEcap, "PRS", kEcap, "DT"},
    {kEcap, "PRS", kEcap, "SMTS"},    {kEcap, "NEST", kEcap, "SMTS"},
    {kEcap, "NEST", kEcap, "FSTS"},   {kEcap, "NEST", kEcap, "SSTS"},
    {kEcap, "MTS", kEcap, "SMTS"},    {kEcap, "EIM", kEcap, "IR"},
    {kEcap, "IR", kEcap, "QI"},       {kEcap, "DT", kEcap, "QI"},
};

// "A is valid only when B": the spec gives A no meaning while B is clear, without requiring
// hardware to report it 0 (S §11.4.2 MAMV "valid if PSI"; §11.4.3 MHMV "valid only when IR").
constexpr Dependency kMeaningfulOnlyWith[] = {
    {kCap, "MAMV", kCap, "PSI"},
    {kEcap, "MHMV", kEcap, "IR"},
};

// Bits spec 5.10 reserves that earlier revisions defined (registers.md §2, §3 "Older name").
constexpr EarlierRevisionField kEarlierRevisionFields[] = {
    {kCap, 23, "ISOCH", "isochrony (spec 2.x and earlier; deprecated)", 5},
    {kCap, 3, "AFL", "advanced fault logging (removed in spec 4.0)", 7},
    {kEcap, 28, "PASID", "requests with PASID (spec 2.3 and earlier; moved to bit 40 in 2.4)", 5},
    {kEcap, 27, "DIS", "deferred invalidation (spec 2.x)", 5},
    {kEcap, 24, "ECS", "extended-context support (spec 2.x; removed in 3.0)", 5},
    {kEcap, 5, "CH", "caching hints (spec 2.x and earlier)", 5},
};
// ECAP.ERS: must be 0 from spec 4.1; hardware of VER major <= 7 may report it (faults.md 5Ch).
constexpr int kErsLastMajor = 7;
// ECAP bit 24 (ECS): in spec 2.x the PASID-related fields depended on it, not on SMTS.
constexpr int kEcsBit = 24;

int VersionMajor(const AuditContext& context) {
  return static_cast<int>((context.version >> 4) & 0xf);
}

const EarlierRevisionField* EarlierField(const CapField& field, const AuditContext& context) {
  if (context.version == 0 || field.bits.width() != 1) return nullptr;
  for (const EarlierRevisionField& e : kEarlierRevisionFields) {
    if (e.reg == field.reg && e.bit == field.bits.lo && VersionMajor(context) <= e.last_major) {
      return &e;
    }
  }
  return nullptr;
}

// The MGAW range the second-stage walk supports (model/translate WalkConfig::Validate).
constexpr int kMinMgawBits = 30;
constexpr int kMaxMgawBits = 57;

// SAGAW bit n ↔ AGAW 30 + 9n (S §11.4.2: bits 1..3 defined, 0 and 4 reserved in 5.10).
constexpr int kSagawWidths[] = {0, 39, 48, 57, 0};
constexpr std::string_view kSslpsSizes[] = {"2M", "1G"};

// Debian's Abseil 20220623 has its own absl::string_view, distinct from std::string_view.
absl::string_view Av(std::string_view s) { return absl::string_view(s.data(), s.size()); }

std::string Qualified(const CapField& field) {
  return absl::StrCat(Av(CapRegisterName(field.reg)), ".", Av(field.name));
}

std::string FieldLabel(const CapField& field) {
  if (field.kind != FieldKind::kReserved) return Qualified(field);
  return absl::StrCat(Av(CapRegisterName(field.reg)), " bit", field.bits.width() > 1 ? "s " : " ",
                      FormatBits(field.bits));
}

uint64_t RawOf(const CapField& field, uint64_t cap, uint64_t ecap) {
  return field.bits.Get(field.reg == kCap ? cap : ecap);
}

const CapField& MustFind(CapRegister reg, std::string_view name) {
  const CapField* f = FindField(reg, name);
  assert(f != nullptr);
  return *f;
}

absl::StatusOr<uint64_t> ParseNumber(const CapField& field, std::string_view text) {
  std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(Av(text)));
  uint64_t v = 0;
  bool ok = false;
  if (absl::StartsWith(t, "0x")) {
    ok = !t.substr(2).empty() && absl::SimpleHexAtoi(t.substr(2), &v);
  } else {
    ok = absl::SimpleAtoi(t, &v);
  }
  if (!ok) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: '%s' is not a number", Qualified(field), text));
  }
  return v;
}

absl::Status OutOfRange(const CapField& field, std::string_view text, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrFormat("%s: value '%s' %s", Qualified(field), text, why));
}

}  // namespace

std::string_view CapRegisterName(CapRegister reg) { return reg == kCap ? "CAP" : "ECAP"; }

absl::Span<const EarlierRevisionField> EarlierRevisionFields() { return kEarlierRevisionFields; }

absl::Span<const CapField> CapFields() { return kCapFields; }
absl::Span<const CapField> EcapFields() { return kEcapFields; }
absl::Span<const CapField> FieldsOf(CapRegister reg) {
  return reg == kCap ? CapFields() : EcapFields();
}

const CapField* FindField(CapRegister reg, std::string_view name) {
  for (const CapField& f : FieldsOf(reg)) {
    if (f.kind == FieldKind::kReserved) continue;
    if (absl::EqualsIgnoreCase(Av(f.name), Av(name))) return &f;
    if (f.aliases.empty()) continue;
    for (absl::string_view alias : absl::StrSplit(Av(f.aliases), ',')) {
      if (absl::EqualsIgnoreCase(alias, Av(name))) return &f;
    }
  }
  return nullptr;
}

std::string FormatBits(BitRange bits) {
  return bits.hi == bits.lo ? absl::StrCat(bits.hi) : absl::StrCat(bits.hi, ":", bits.lo);
}

std::string FormatFieldValue(const CapField& field, uint64_t raw) {
  switch (field.kind) {
    case FieldKind::kFlag:
      return raw != 0 ? "yes" : "no";
    case FieldKind::kNumber:
      return absl::StrCat(raw);
    case FieldKind::kPlusOne:
      return absl::StrCat(raw + 1);
    case FieldKind::kTimes16:
      return Hex(raw * 16);
    case FieldKind::kDomains:
      if (raw == 7) return "reserved (111b)";
      return absl::StrFormat("%d (%d-bit domain ids)", uint64_t{1} << (4 + 2 * raw), 4 + 2 * raw);
    case FieldKind::kSagaw: {
      std::vector<std::string> parts;
      for (int bit = 0; bit < 5; ++bit) {
        if (((raw >> bit) & 1) == 0) continue;
        if (kSagawWidths[bit] == 0) {
          parts.push_back(absl::StrFormat("reserved bit %d", bit));
        } else {
          parts.push_back(absl::StrFormat("%d-bit (%d-level)", kSagawWidths[bit], bit + 2));
        }
      }
      return parts.empty() ? "none" : absl::StrJoin(parts, ", ");
    }
    case FieldKind::kSslps: {
      std::vector<std::string> parts;
      for (int bit = 0; bit < 4; ++bit) {
        if (((raw >> bit) & 1) == 0) continue;
        parts.push_back(bit < 2 ? std::string(kSslpsSizes[bit])
                                : absl::StrFormat("reserved bit %d", bit));
      }
      if (parts.empty()) return "none (4K only)";
      std::string out = absl::StrJoin(parts, ", ");
      if (raw == 0b0010) absl::StrAppend(&out, " (invalid: 1G needs 2M)");
      return out;
    }
    case FieldKind::kReserved:
      return raw == 0 ? "0" : Hex(raw);
  }
  return "";
}

std::vector<DecodedField> DecodeFields(CapRegister reg, uint64_t value) {
  std::vector<DecodedField> out;
  for (const CapField& f : FieldsOf(reg)) {
    uint64_t raw = f.bits.Get(value);
    out.push_back(DecodedField{&f, raw, FormatFieldValue(f, raw)});
  }
  return out;
}

absl::StatusOr<uint64_t> ParseFieldValue(const CapField& field,
                                         absl::Span<const std::string> values) {
  const bool is_list = field.kind == FieldKind::kSagaw || field.kind == FieldKind::kSslps;
  if (!is_list && values.size() != 1) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s takes one value, got %d", Qualified(field), values.size()));
  }
  uint64_t raw = 0;
  switch (field.kind) {
    case FieldKind::kFlag: {
      std::string t = absl::AsciiStrToLower(absl::StripAsciiWhitespace(values[0]));
      if (t == "1" || t == "true" || t == "yes") return 1;
      if (t == "0" || t == "false" || t == "no") return 0;
      return OutOfRange(field, values[0], "is not a flag (use 0/1, true/false or yes/no)");
    }
    case FieldKind::kNumber: {
      VTD_ASSIGN_OR_RETURN(raw, ParseNumber(field, values[0]));
      break;
    }
    case FieldKind::kPlusOne: {
      VTD_ASSIGN_OR_RETURN(uint64_t v, ParseNumber(field, values[0]));
      if (v == 0) return OutOfRange(field, values[0], "must be at least 1");
      raw = v - 1;
      break;
    }
    case FieldKind::kTimes16: {
      VTD_ASSIGN_OR_RETURN(uint64_t v, ParseNumber(field, values[0]));
      if (v % 16 != 0) return OutOfRange(field, values[0], "is not a multiple of 16 bytes");
      raw = v / 16;
      break;
    }
    case FieldKind::kDomains: {
      VTD_ASSIGN_OR_RETURN(uint64_t v, ParseNumber(field, values[0]));
      bool found = false;
      for (uint64_t nd = 0; nd < 7; ++nd) {
        if (v == uint64_t{1} << (4 + 2 * nd)) {
          raw = nd;
          found = true;
        }
      }
      if (!found) {
        return OutOfRange(field, values[0],
                          "is not a number of domain ids (16, 64, 256, 1024, 4096, 16384 or "
                          "65536)");
      }
      break;
    }
    case FieldKind::kSagaw: {
      for (const std::string& text : values) {
        VTD_ASSIGN_OR_RETURN(uint64_t v, ParseNumber(field, text));
        int bit = -1;
        for (int b = 0; b < 5; ++b) {
          if (kSagawWidths[b] != 0 && static_cast<uint64_t>(kSagawWidths[b]) == v) bit = b;
        }
        if (bit < 0) return OutOfRange(field, text, "is not an AGAW width (39, 48 or 57)");
        raw |= uint64_t{1} << bit;
      }
      break;
    }
    case FieldKind::kSslps: {
      for (const std::string& text : values) {
        std::string t = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
        if (absl::EndsWith(t, "B")) t.pop_back();
        if (t == "2M") {
          raw |= 1;
        } else if (t == "1G") {
          raw |= 2;
        } else {
          return OutOfRange(field, text, "is not a large-page size (2M or 1G)");
        }
      }
      break;
    }
    case FieldKind::kReserved:
      return absl::InvalidArgumentError(
          absl::StrFormat("%s is reserved and cannot be set", FieldLabel(field)));
  }
  if (!field.bits.Fits(raw)) {
    return OutOfRange(field, absl::StrJoin(values, ","),
                      absl::StrFormat("does not fit in bits %s", FormatBits(field.bits)));
  }
  return raw;
}

absl::StatusOr<uint64_t> EncodeFields(CapRegister reg, uint64_t base,
                                      absl::Span<const FieldSetting> settings) {
  uint64_t value = base;
  std::vector<const CapField*> seen;
  for (const FieldSetting& s : settings) {
    const CapField* field = FindField(reg, s.name);
    if (field == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s has no field named '%s'", CapRegisterName(reg), s.name));
    }
    if (std::find(seen.begin(), seen.end(), field) != seen.end()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s is given more than once", Qualified(*field)));
    }
    seen.push_back(field);
    VTD_ASSIGN_OR_RETURN(uint64_t raw, ParseFieldValue(*field, s.values));
    value = field->bits.Set(value, raw);
  }
  return value;
}

// --- Typed views ----------------------------------------------------------------------------

Capability Capability::Decode(uint64_t raw) {
  Capability c;
  c.esrtps = kEsrtps.Get(raw);
  c.esirtps = kEsirtps.Get(raw);
  c.ecmds = kEcmds.Get(raw);
  c.fs5lp = kFs5lp.Get(raw);
  c.pi = kPi.Get(raw);
  c.fs1gp = kFs1gp.Get(raw);
  c.drd = kDrd.Get(raw);
  c.dwd = kDwd.Get(raw);
  c.mamv = static_cast<uint8_t>(kMamv.Get(raw));
  c.nfr = static_cast<uint8_t>(kNfr.Get(raw));
  c.psi = kPsi.Get(raw);
  c.sslps = static_cast<uint8_t>(kSslps.Get(raw));
  c.fro = static_cast<uint16_t>(kFro.Get(raw));
  c.zlr = kZlr.Get(raw);
  c.mgaw = static_cast<uint8_t>(kMgaw.Get(raw));
  c.sagaw = static_cast<uint8_t>(kSagaw.Get(raw));
  c.cm = kCm.Get(raw);
  c.phmr = kPhmr.Get(raw);
  c.plmr = kPlmr.Get(raw);
  c.rwbf = kRwbf.Get(raw);
  c.nd = static_cast<uint8_t>(kNd.Get(raw));
  return c;
}

namespace {
// Accumulates fields into a word, remembering the first that does not fit.
class Encoder {
 public:
  explicit Encoder(std::string_view reg) : reg_(reg) {}
  Encoder& Put(BitRange bits, uint64_t value, std::string_view name) {
    if (!bits.Fits(value)) {
      if (status_.ok()) {
        status_ = absl::InvalidArgumentError(absl::StrFormat("%s.%s: %d does not fit in bits %s",
                                                             reg_, name, value, FormatBits(bits)));
      }
      return *this;
    }
    word_ = bits.Set(word_, value);
    return *this;
  }
  absl::StatusOr<uint64_t> Done() const {
    if (!status_.ok()) return status_;
    return word_;
  }

 private:
  std::string_view reg_;
  uint64_t word_ = 0;
  absl::Status status_;
};
}  // namespace

absl::StatusOr<uint64_t> Capability::Encode() const {
  Encoder e("CAP");
  e.Put(kEsrtps, esrtps, "ESRTPS")
      .Put(kEsirtps, esirtps, "ESIRTPS")
      .Put(kEcmds, ecmds, "ECMDS")
      .Put(kFs5lp, fs5lp, "FS5LP")
      .Put(kPi, pi, "PI")
      .Put(kFs1gp, fs1gp, "FS1GP")
      .Put(kDrd, drd, "DRD")
      .Put(kDwd, dwd, "DWD")
      .Put(kMamv, mamv, "MAMV")
      .Put(kNfr, nfr, "NFR")
      .Put(kPsi, psi, "PSI")
      .Put(kSslps, sslps, "SSLPS")
      .Put(kFro, fro, "FRO")
      .Put(kZlr, zlr, "ZLR")
      .Put(kMgaw, mgaw, "MGAW")
      .Put(kSagaw, sagaw, "SAGAW")
      .Put(kCm, cm, "CM")
      .Put(kPhmr, phmr, "PHMR")
      .Put(kPlmr, plmr, "PLMR")
      .Put(kRwbf, rwbf, "RWBF")
      .Put(kNd, nd, "ND");
  return e.Done();
}

bool Capability::SupportsAgaw(int width_bits) const {
  for (int bit = 1; bit <= 3; ++bit) {
    if (kSagawWidths[bit] == width_bits) return ((sagaw >> bit) & 1) != 0;
  }
  return false;
}

ExtendedCapability ExtendedCapability::Decode(uint64_t raw) {
  ExtendedCapability e;
  e.irreq = kIrreq.Get(raw);
  e.eimer = kEimer.Get(raw);
  e.rdts = kRdts.Get(raw);
  e.hpt1gps = kHpt1gps.Get(raw);
  e.sms = kSms.Get(raw);
  e.ssirws = kSsirws.Get(raw);
  e.ptrs = kPtrs.Get(raw);
  e.hpts = kHpts.Get(raw);
  e.rprivs = kRprivs.Get(raw);
  e.adms = kAdms.Get(raw);
  e.pms = kPms.Get(raw);
  e.tdxcs = kTdxcs.Get(raw);
  e.rps = kRps.Get(raw);
  e.smpwcs = kSmpwcs.Get(raw);
  e.fsts = kFsts.Get(raw);
  e.ssts = kSsts.Get(raw);
  e.ssads = kSsads.Get(raw);
  e.vcs = kVcs.Get(raw);
  e.smts = kSmts.Get(raw);
  e.pds = kPds.Get(raw);
  e.dit = kDit.Get(raw);
  e.pasid = kPasid.Get(raw);
  e.pss = static_cast<uint8_t>(kPss.Get(raw));
  e.eafs = kEafs.Get(raw);
  e.nwfs = kNwfs.Get(raw);
  e.srs = kSrs.Get(raw);
  e.ers = kErs.Get(raw);
  e.prs = kPrs.Get(raw);
  e.nest = kNest.Get(raw);
  e.mts = kMts.Get(raw);
  e.mhmv = static_cast<uint8_t>(kMhmv.Get(raw));
  e.iro = static_cast<uint16_t>(kIro.Get(raw));
  e.sc = kSc.Get(raw);
  e.pt = kPt.Get(raw);
  e.eim = kEim.Get(raw);
  e.ir = kIr.Get(raw);
  e.dt = kDt.Get(raw);
  e.qi = kQi.Get(raw);
  e.c = kC.Get(raw);
  return e;
}

absl::StatusOr<uint64_t> ExtendedCapability::Encode() const {
  Encoder e("ECAP");
  e.Put(kIrreq, irreq, "IRREQ")
      .Put(kEimer, eimer, "EIMER")
      .Put(kRdts, rdts, "RDTS")
      .Put(kHpt1gps, hpt1gps, "HPT1GPS")
      .Put(kSms, sms, "SMS")
      .Put(kSsirws, ssirws, "SSIRWS")
      .Put(kPtrs, ptrs, "PTRS")
      .Put(kHpts, hpts, "HPTS")
      .Put(kRprivs, rprivs, "RPRIVS")
      .Put(kAdms, adms, "ADMS")
      .Put(kPms, pms, "PMS")
      .Put(kTdxcs, tdxcs, "TDXCS")
      .Put(kRps, rps, "RPS")
      .Put(kSmpwcs, smpwcs, "SMPWCS")
      .Put(kFsts, fsts, "FSTS")
      .Put(kSsts, ssts, "SSTS")
      .Put(kSsads, ssads, "SSADS")
      .Put(kVcs, vcs, "VCS")
      .Put(kSmts, smts, "SMTS")
      .Put(kPds, pds, "PDS")
      .Put(kDit, dit, "DIT")
      .Put(kPasid, pasid, "PASID")
      .Put(kPss, pss, "PSS")
      .Put(kEafs, eafs, "EAFS")
      .Put(kNwfs, nwfs, "NWFS")
      .Put(kSrs, srs, "SRS")
      .Put(kErs, ers, "ERS")
      .Put(kPrs, prs, "PRS")
      .Put(kNest, nest, "NEST")
      .Put(kMts, mts, "MTS")
      .Put(kMhmv, mhmv, "MHMV")
      .Put(kIro, iro, "IRO")
      .Put(kSc, sc, "SC")
      .Put(kPt, pt, "PT")
      .Put(kEim, eim, "EIM")
      .Put(kIr, ir, "IR")
      .Put(kDt, dt, "DT")
      .Put(kQi, qi, "QI")
      .Put(kC, c, "C");
  return e.Done();
}

// --- Support table and audit ----------------------------------------------------------------

std::string_view SupportName(Support support) {
  switch (support) {
    case Support::kModeled:
      return "modeled";
    case Support::kAccepted:
      return "accepted";
    case Support::kRejected:
      return "rejected";
  }
  return "?";
}

ImplementedFeatures ImplementedFeatures::Today() {
  ImplementedFeatures f;
  f.rows_.assign(std::begin(kFeaturesToday), std::end(kFeaturesToday));
  return f;
}

ImplementedFeatures ImplementedFeatures::All() {
  ImplementedFeatures f = Today();
  for (FeatureSupport& row : f.rows_) {
    row.support = Support::kModeled;
    row.reason = "all features accepted";
  }
  return f;
}

const FeatureSupport& ImplementedFeatures::Get(const CapField& field) const {
  for (const FeatureSupport& row : rows_) {
    if (row.reg == field.reg && row.field == field.name) return row;
  }
  // Every non-reserved field has a row (tested); reaching here is a table bug.
  assert(false && "CAP/ECAP field without a support row");
  static constexpr FeatureSupport kMissing{kCap, "", Support::kRejected, "no support row"};
  return kMissing;
}

ImplementedFeatures& ImplementedFeatures::Set(CapRegister reg, std::string_view field,
                                              Support support, std::string_view reason) {
  const CapField* f = FindField(reg, field);
  assert(f != nullptr);
  for (FeatureSupport& row : rows_) {
    if (row.reg == reg && row.field == f->name) {
      row.support = support;
      row.reason = reason;
    }
  }
  return *this;
}

CapabilityAudit AuditCapabilities(uint64_t cap, uint64_t ecap, const ImplementedFeatures& features,
                                  const AuditContext& context) {
  CapabilityAudit audit;
  auto add = [&](CapabilityProblem::Kind kind, const CapField& field, std::string message) {
    audit.problems.push_back(
        CapabilityProblem{kind, FieldLabel(field), absl::StrCat(FieldLabel(field), ": ", message)});
  };
  using Kind = CapabilityProblem::Kind;

  for (CapRegister reg : {kCap, kEcap}) {
    for (const CapField& f : FieldsOf(reg)) {
      const uint64_t raw = RawOf(f, cap, ecap);
      if (f.kind == FieldKind::kReserved) {
        if (raw == 0) continue;
        if (const EarlierRevisionField* e = EarlierField(f, context)) {
          add(Kind::kEarlierRevision, f,
              absl::StrFormat("%s, %s: defined by an earlier revision, allowed for VER %d.%d; "
                              "not modeled by vtdsim",
                              Av(e->name), Av(e->meaning), VersionMajor(context),
                              context.version & 0xf));
        } else {
          add(Kind::kInvalid, f, absl::StrCat(Av(f.description), "; reads ", Hex(raw)));
        }
        continue;
      }
      // Values the spec does not allow.
      if (f.kind == FieldKind::kSagaw) {
        if ((raw & 0b10001) != 0) {
          add(Kind::kInvalid, f,
              absl::StrCat(FormatFieldValue(f, raw),
                           ": bits 0 and 4 are reserved in spec 5.10 (30- and 64-bit AGAW)"));
        } else if (raw == 0) {
          add(Kind::kInvalid, f,
              "no adjusted guest address width: legacy-mode translation needs at least one "
              "(only VER major >= 6 hardware without SSTS may report 0)");
        }
      }
      if (f.kind == FieldKind::kSslps && raw != 0b0000 && raw != 0b0001 && raw != 0b0011) {
        add(Kind::kInvalid, f,
            absl::StrFormat("%s (%db): only 0000b, 0001b and 0011b are valid",
                            FormatFieldValue(f, raw), raw));
      }
      if (f.kind == FieldKind::kDomains && raw == 7) {
        add(Kind::kInvalid, f, "111b is reserved");
      }
      if (f.name == "MGAW" && f.reg == kCap) {
        const int bits = static_cast<int>(raw) + 1;
        if (raw == 0) {
          add(Kind::kInvalid, f, "must not be 0 (S §11.4.2)");
        } else if (bits < kMinMgawBits || bits > kMaxMgawBits) {
          add(Kind::kUnsupported, f,
              absl::StrFormat("%d-bit is outside what the second-stage walk models (%d..%d)", bits,
                              kMinMgawBits, kMaxMgawBits));
        } else if (context.host_address_width > 0 && bits < context.host_address_width) {
          add(Kind::kInvalid, f,
              absl::StrFormat("%d-bit is below the host address width (%d-bit); the spec "
                              "requires MGAW >= HAW",
                              bits, context.host_address_width));
        }
      }
      if (f.name == "ERS" && raw != 0) {
        if (context.version != 0 && VersionMajor(context) <= kErsLastMajor) {
          add(Kind::kEarlierRevision, f,
              absl::StrFormat("execute requests, reported by spec 4.0 and earlier hardware "
                              "(allowed for VER major <= %d); not modeled by vtdsim",
                              kErsLastMajor));
        } else {
          add(Kind::kInvalid, f, "must be reported as 0 (spec 4.1 and later)");
        }
        continue;
      }
      // Support.
      if (raw != 0) {
        const FeatureSupport& s = features.Get(f);
        if (s.support == Support::kRejected) {
          add(Kind::kUnsupported, f, absl::StrCat("not supported by vtdsim: ", Av(s.reason)));
        } else if (s.support == Support::kAccepted) {
          audit.accepted.push_back(AcceptedField{Qualified(f), std::string(s.reason)});
        }
      }
    }
  }

  const bool extended_context =
      context.version != 0 && VersionMajor(context) <= 5 && Bit(kEcsBit).Get(ecap) != 0;
  for (const Dependency& d : kDependencies) {
    const CapField& f = MustFind(d.reg, d.field);
    const CapField& needs = MustFind(d.needs_reg, d.needs);
    if (RawOf(f, cap, ecap) != 0 && RawOf(needs, cap, ecap) == 0) {
      if (extended_context && d.needs == "SMTS") {
        audit.notes.push_back(absl::StrFormat(
            "%s is set with ECAP.SMTS clear, as spec 2.x hardware with extended-context "
            "support (ECAP bit 24, ECS) reports it",
            Qualified(f)));
        continue;
      }
      add(Kind::kInconsistent, f,
          absl::StrFormat("requires %s (hardware with %s clear reports %s as 0)", Qualified(needs),
                          Qualified(needs), Qualified(f)));
      audit.problems.back().needs = Qualified(needs);
    }
  }
  for (const Dependency& d : kMeaningfulOnlyWith) {
    const CapField& f = MustFind(d.reg, d.field);
    const CapField& needs = MustFind(d.needs_reg, d.needs);
    if (RawOf(f, cap, ecap) != 0 && RawOf(needs, cap, ecap) == 0) {
      audit.notes.push_back(
          absl::StrFormat("%s is %s but has no meaning while %s is clear (the "
                          "spec defines it only when %s is set): ignored",
                          Qualified(f), FormatFieldValue(f, RawOf(f, cap, ecap)), Qualified(needs),
                          Qualified(needs)));
    }
  }
  const CapField& rwbf = MustFind(kCap, "RWBF");
  if (RawOf(rwbf, cap, ecap) != 0 && ExtendedCapability::kSmts.Get(ecap) != 0) {
    add(Kind::kInconsistent, rwbf, "must be 0 when ECAP.SMTS is 1 (S §11.4.2)");
  }

  for (CapabilityProblem& p : FindPlacementProblems(cap, ecap)) {
    audit.problems.push_back(std::move(p));
  }
  return audit;
}

absl::Status ValidateCapabilities(uint64_t cap, uint64_t ecap, const ImplementedFeatures& features,
                                  const AuditContext& context) {
  CapabilityAudit audit = AuditCapabilities(cap, ecap, features, context);
  if (audit.ok()) return absl::OkStatus();
  bool invalid = false;
  std::vector<std::string> messages;
  for (const CapabilityProblem& p : audit.problems) {
    invalid |= p.kind != CapabilityProblem::Kind::kUnsupported &&
               p.kind != CapabilityProblem::Kind::kEarlierRevision;
    messages.push_back(p.message);
  }
  std::string message =
      absl::StrFormat("cap %s ecap %s: %s", Hex(cap), Hex(ecap), absl::StrJoin(messages, "; "));
  return invalid ? absl::InvalidArgumentError(message) : absl::UnimplementedError(message);
}

MaskedCapabilities MaskUnimplemented(uint64_t cap, uint64_t ecap,
                                     const ImplementedFeatures& features,
                                     const AuditContext& context) {
  MaskedCapabilities out;
  out.cap = cap;
  out.ecap = ecap;
  // Each round clears what the audit names; a cleared field can leave another depending on
  // it (FS1GP on FSTS), which the next round clears. Fields only ever go from set to clear,
  // so this ends within one round per field.
  for (;;) {
    out.audit = AuditCapabilities(out.cap, out.ecap, features, context);
    bool changed = false;
    for (const CapabilityProblem& p : out.audit.problems) {
      const bool unsupported = p.kind == CapabilityProblem::Kind::kUnsupported ||
                               p.kind == CapabilityProblem::Kind::kEarlierRevision;
      bool needs_masked = false;
      if (p.kind == CapabilityProblem::Kind::kInconsistent) {
        for (const MaskedField& m : out.masked) {
          needs_masked |= m.field == p.needs;
          // Spec 2.x extended-context fields (PASID, PSS... with ECS instead of SMTS; FL1GP
          // with ECS instead of FSTS) lose their meaning with ECS masked: they go too.
          needs_masked |= (p.needs == "ECAP.SMTS" || p.needs == "ECAP.FSTS") &&
                          m.field == absl::StrFormat("ECAP bit %d", kEcsBit);
        }
      }
      if ((!unsupported && !needs_masked) || p.field == "CAP.MGAW") continue;
      const bool is_ecap = absl::StartsWith(p.field, "ECAP");
      uint64_t& word = is_ecap ? out.ecap : out.cap;
      for (const CapField& f : FieldsOf(is_ecap ? kEcap : kCap)) {
        if (FieldLabel(f) == p.field && f.bits.Get(word) != 0) {
          word = f.bits.Set(word, 0);
          out.masked.push_back(MaskedField{p.field, p.message});
          changed = true;
        }
      }
    }
    if (!changed) return out;
  }
}

absl::StatusOr<uint32_t> ParseVersion(std::string_view text) {
  const absl::string_view t = absl::StripAsciiWhitespace(Av(text));
  const size_t sep = t.find_first_of(":.");
  if (sep != absl::string_view::npos) {
    uint32_t major = 0;
    uint32_t minor = 0;
    if (!absl::SimpleAtoi(t.substr(0, sep), &major) ||
        !absl::SimpleAtoi(t.substr(sep + 1), &minor) || major > 15 || minor > 15) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "VER '%s': major and minor must be numbers 0..15 (bits 7:4 and 3:0, S §11.4.1)", t));
    }
    return (major << 4) | minor;
  }
  uint64_t raw = 0;
  const bool ok = absl::StartsWithIgnoreCase(t, "0x") ? absl::SimpleHexAtoi(t.substr(2), &raw)
                                                      : absl::SimpleAtoi(t, &raw);
  if (!ok || raw > 0xff) {
    return absl::InvalidArgumentError(
        absl::StrFormat("VER '%s' is not a version (bits 31:8 are reserved, S §11.4.1)", t));
  }
  return static_cast<uint32_t>(raw);
}

std::string FormatVersion(uint32_t version) {
  return absl::StrFormat("%d:%d", (version >> 4) & 0xf, version & 0xf);
}

}  // namespace vtd
