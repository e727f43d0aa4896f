// Fault reason codes (VT-d spec §7.1.3 Table 30 for DMA remapping, §5.1.4.1 Table 15 for
// interrupt remapping), the conditions that raise each code, and the response each
// condition gives to each kind of request.
//
// A code (the FR field of a fault-recording register) may be raised by several conditions:
// 03h by LCT.4.1 (bad AW), LCT.4.2 (bad TT) and LCT.4.3 (SSPTPTR fetch error). The model
// reports the condition too, so explanations can name the exact rule. Scenarios may name a
// fault by code ("0x0b", "0Bh"), by condition ("LCT.3", or a group such as "LCT.4"), or by
// project symbol ("context_entry_reserved").
#ifndef VTDSIM_MODEL_FAULT_FAULT_REASON_H_
#define VTDSIM_MODEL_FAULT_FAULT_REASON_H_

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace vtd {

// The spec's fault reason values. Names are the project symbols in CamelCase; the snake_case
// symbol, condition code(s) and description are in FaultReasonInfo.
enum class FaultReason : uint8_t {
  // Legacy mode (RTADDR.TTM=00b), Table 30.
  kRootEntryNotPresent = 0x01,      // LRT.2
  kContextEntryNotPresent = 0x02,   // LCT.2
  kContextEntryInvalid = 0x03,      // LCT.4.1-4.3
  kAddressBeyondWidth = 0x04,       // LGN.1.1-1.3
  kWriteNotPermitted = 0x05,        // LGN.2
  kReadNotPermitted = 0x06,         // LGN.3
  kPagingEntryAccessError = 0x07,   // LSS.1
  kRootTableAccessError = 0x08,     // LRT.1
  kContextTableAccessError = 0x09,  // LCT.1
  kRootEntryReserved = 0x0a,        // LRT.3
  kContextEntryReserved = 0x0b,     // LCT.3
  kPagingEntryReserved = 0x0c,      // LSS.2
  kContextEntryTtBlocks = 0x0d,     // LCT.5
  kInterruptAddressRange = 0x0e,    // LGN.4
  // Interrupt remapping, Table 15.
  kIrRequestReserved = 0x20,
  kIrIndexOverflow = 0x21,
  kIrteNotPresent = 0x22,
  kIrTableAccessError = 0x23,
  kIrteReserved = 0x24,
  kIrCompatibilityBlocked = 0x25,
  kIrSourceIdCheckFailed = 0x26,
  kPostedDescriptorAccessError = 0x27,
  kPostedDescriptorReserved = 0x28,
  kIrInvalidInterruptRangeRequest = 0x29,
  kIrEimeClearWithEimer = 0x2a,
  kIrRequestWhileDisabled = 0x2b,
  // Root-table address register faults (any mode).
  kInvalidRootTableAddress = 0x30,     // RTA.1.1-1.4
  kLegacyModeRequestWithPasid = 0x31,  // RTA.2
  kLegacyModePageRequest = 0x32,       // RTA.3
  kAbortDmaMode = 0x33,                // RTA.4
  kExecuteRequested = 0x34,            // RTA.5
  // Scalable mode (TTM=01b).
  kSmRootTableAccessError = 0x38,        // SRT.1
  kSmRootEntryNotPresent = 0x39,         // SRT.2
  kSmRootEntryReserved = 0x3a,           // SRT.3
  kSmContextTableAccessError = 0x40,     // SCT.1
  kSmContextEntryNotPresent = 0x41,      // SCT.2
  kSmContextEntryReserved = 0x42,        // SCT.3
  kSmContextEntryInvalid = 0x43,         // SCT.4.1-4.3
  kSmDeviceTlbDisabled = 0x44,           // SCT.5
  kSmPasidDisabled = 0x45,               // SCT.6
  kSmPasidBeyondPdts = 0x46,             // SCT.7
  kSmPageRequestDisabled = 0x47,         // SCT.8
  kSmPasidIsRidPasid = 0x48,             // SCT.9
  kSmTranslatedPasidDisabled = 0x49,     // SCT.10
  kPasidDirAccessError = 0x50,           // SPD.1
  kPasidDirNotPresent = 0x51,            // SPD.2
  kPasidDirReserved = 0x52,              // SPD.3
  kPasidTableAccessError = 0x58,         // SPT.1
  kPasidEntryNotPresent = 0x59,          // SPT.2
  kPasidEntryReserved = 0x5a,            // SPT.3
  kPasidEntryInvalid = 0x5b,             // SPT.4.1-4.4
  kPasidEntryExecuteUnsupported = 0x5c,  // SPT.5
  kPasidEntrySupervisorDisabled = 0x5d,  // SPT.6
  kHptSizeExceeded = 0x60,               // SPT.9
  kFsEntryAccessError = 0x70,            // SFS.1
  kFsEntryNotPresent = 0x71,             // SFS.2
  kFsEntryReserved = 0x72,               // SFS.3
  kFsRootAccessError = 0x73,             // SFS.4
  kFsEntryAddressBeyondWidth = 0x74,     // SFS.5
  kFsRootReadBlocked = 0x75,             // SFS.6
  kFsEntryReadBlocked = 0x76,            // SFS.7
  kFsEntryWriteBlocked = 0x77,           // SFS.8
  kSsEntryAccessError = 0x78,            // SSS.1
  kSsPermission = 0x79,                  // SSS.2
  kSsEntryReserved = 0x7a,               // SSS.3
  kSsRootAccessError = 0x7b,             // SSS.4
  kSsAdUpdateNotSnooped = 0x7c,          // SSS.5
  kSsAdUpdateFailed = 0x7d,              // SSS.6
  kNonCanonicalAddress = 0x80,           // SGN.1
  kUserAccessToSupervisorPage = 0x81,    // SGN.2
  kNoExecutePermission = 0x82,           // SGN.3 (removed in 4.1)
  kAddressBeyondHaw = 0x83,              // SGN.4.1-4.2
  kSsAddressBeyondWidth = 0x84,          // SGN.5
  kSmWriteNotPermitted = 0x85,           // SGN.6
  kSmReadNotPermitted = 0x86,            // SGN.7
  kSmInterruptAddressRange = 0x87,       // SGN.8.1-8.3
  kPasidBeyondPss = 0x89,                // SGN.10
  kFsAdUpdateNotSnooped = 0x90,          // SFS.9
  kFsAdUpdateFailed = 0x91,              // SFS.10
  // Host permission tables (5.0+).
  kHptEntryAccessError = 0xa0,   // HPT.1
  kHptEntryReserved = 0xa1,      // HPT.2
  kHptRootAccessError = 0xa2,    // HPT.3
  kHptZeroLengthRead = 0xa3,     // HPT.4
  kHptWriteNotPermitted = 0xa4,  // HPT.5
  kHptReadNotPermitted = 0xa5,   // HPT.6
};

// Which part of the architecture raises a code.
enum class FaultFamily : uint8_t {
  kLegacy,     // Table 30, legacy root/context/second-stage/general
  kRootTable,  // Table 30, RTA.*
  kScalable,   // Table 30, SRT/SCT/SPD/SPT/SFS/SSS/SGN
  kHpt,        // Table 30, HPT.* (5.0+)
  kInterrupt,  // Table 15
};

// Per-code facts.
struct FaultReasonInfo {
  FaultReason reason;
  std::string_view symbol;       // project symbol, e.g. "context_entry_reserved"
  std::string_view conditions;   // condition code(s) as listed, e.g. "LCT.4.1-4.3"; "" for IR
  std::string_view description;  // short description in our words
  bool qualified;                // suppressed (not reported) when an FPD bit on the way is 1
  FaultFamily family;
};

// The kinds of request Table 30 has a response column for.
enum class RequestClass : uint8_t {
  kUntranslated = 0,       // U-  untranslated request without PASID
  kUntranslatedWithPasid,  // U+
  kTranslation,            // T-  ATS translation request without PASID
  kTranslationWithPasid,   // T+
  kTranslated,             // X-  translated request without PASID
  kTranslatedWithPasid,    // X+
  kPageRequest,            // PR  page request that requires a response
  kPageRequestNoResponse,  // PRn
};
inline constexpr int kNumRequestClasses = 8;

// What the requester gets back when a condition is hit (Table 30 cells).
enum class FaultResponse : uint8_t {
  kNotApplicable,       // NA: the condition cannot occur for this kind of request
  kUnsupportedRequest,  // UR
  kCompleterAbort,      // CA
  kSuccessNoAccess,     // S0: translation completion Success with R=W=U=S=0 (not reported)
  kSuccessEffective,    // SE: translation completion Success with effective permissions
  kInvalidRequest,      // IR: page-group response "Invalid Request"
  kDrop,                // page request silently dropped (fault still reported)
};
std::string_view FaultResponseName(FaultResponse response);  // "UR", "CA", "S0", ...

// Every fault condition the model can raise: the rows of Table 30 (S §7.1.3) in table order,
// then the interrupt-remapping faults of Table 15 (S §5.1.4.1), which the spec names by code
// only (one condition per code). Faults carry this value; the name ("LCT.4.3") is for output
// and for scenarios, which may name a condition.
enum class FaultCondition : uint8_t {
  // Legacy root table (Table 30).
  kLrt1,  // LRT.1
  kLrt2,  // LRT.2
  kLrt3,  // LRT.3
  // Legacy context table.
  kLct1,    // LCT.1
  kLct2,    // LCT.2
  kLct3,    // LCT.3
  kLct4_1,  // LCT.4.1
  kLct4_2,  // LCT.4.2
  kLct4_3,  // LCT.4.3
  kLct5,    // LCT.5
  // Legacy second stage.
  kLss1,  // LSS.1
  kLss2,  // LSS.2
  // Legacy general.
  kLgn1_1,  // LGN.1.1
  kLgn1_2,  // LGN.1.2
  kLgn1_3,  // LGN.1.3
  kLgn2,    // LGN.2
  kLgn3,    // LGN.3
  kLgn4,    // LGN.4
  // Root-table address register (any mode).
  kRta1_1,  // RTA.1.1
  kRta1_2,  // RTA.1.2
  kRta1_3,  // RTA.1.3
  kRta1_4,  // RTA.1.4
  kRta2,    // RTA.2
  kRta3,    // RTA.3
  kRta4,    // RTA.4
  kRta5,    // RTA.5
  // Scalable-mode root table.
  kSrt1,  // SRT.1
  kSrt2,  // SRT.2
  kSrt3,  // SRT.3
  // Scalable-mode context table.
  kSct1,    // SCT.1
  kSct2,    // SCT.2
  kSct3,    // SCT.3
  kSct4_1,  // SCT.4.1
  kSct4_2,  // SCT.4.2
  kSct4_3,  // SCT.4.3
  kSct5,    // SCT.5
  kSct6,    // SCT.6
  kSct7,    // SCT.7
  kSct8,    // SCT.8
  kSct9,    // SCT.9
  kSct10,   // SCT.10
  // PASID directory.
  kSpd1,  // SPD.1
  kSpd2,  // SPD.2
  kSpd3,  // SPD.3
  // PASID table.
  kSpt1,    // SPT.1
  kSpt2,    // SPT.2
  kSpt3,    // SPT.3
  kSpt4_1,  // SPT.4.1
  kSpt4_2,  // SPT.4.2
  kSpt4_3,  // SPT.4.3
  kSpt4_4,  // SPT.4.4
  kSpt5,    // SPT.5
  kSpt6,    // SPT.6
  kSpt9,    // SPT.9
  // First stage.
  kSfs1,   // SFS.1
  kSfs2,   // SFS.2
  kSfs3,   // SFS.3
  kSfs4,   // SFS.4
  kSfs5,   // SFS.5
  kSfs6,   // SFS.6
  kSfs7,   // SFS.7
  kSfs8,   // SFS.8
  kSfs9,   // SFS.9
  kSfs10,  // SFS.10
  // Second stage (scalable mode).
  kSss1,  // SSS.1
  kSss2,  // SSS.2
  kSss3,  // SSS.3
  kSss4,  // SSS.4
  kSss5,  // SSS.5
  kSss6,  // SSS.6
  // Scalable-mode general.
  kSgn1,    // SGN.1
  kSgn2,    // SGN.2
  kSgn4_1,  // SGN.4.1
  kSgn4_2,  // SGN.4.2
  kSgn5,    // SGN.5
  kSgn6,    // SGN.6
  kSgn7,    // SGN.7
  kSgn8_1,  // SGN.8.1
  kSgn8_2,  // SGN.8.2
  kSgn8_3,  // SGN.8.3
  kSgn10,   // SGN.10
  // Host permission tables (5.0+).
  kHpt1,  // HPT.1
  kHpt2,  // HPT.2
  kHpt3,  // HPT.3
  kHpt4,  // HPT.4
  kHpt5,  // HPT.5
  kHpt6,  // HPT.6
  // Interrupt remapping (Table 15), in code order 20h..2Bh.
  kIrRequestReserved,               // 20h
  kIrIndexOverflow,                 // 21h
  kIrteNotPresent,                  // 22h
  kIrTableAccessError,              // 23h
  kIrteReserved,                    // 24h
  kIrCompatibilityBlocked,          // 25h
  kIrSourceIdCheckFailed,           // 26h
  kPostedDescriptorAccessError,     // 27h
  kPostedDescriptorReserved,        // 28h
  kIrInvalidInterruptRangeRequest,  // 29h
  kIrEimeClearWithEimer,            // 2Ah
  kIrRequestWhileDisabled,          // 2Bh
};
inline constexpr int kNumTable30Conditions = 87;
inline constexpr int kNumFaultConditions = kNumTable30Conditions + 12;

// One row of Table 30 (or a Table 15 code, which has no condition name).
struct FaultConditionInfo {
  FaultCondition condition;
  std::string_view name;  // "LCT.4.3"; "" for Table 15 codes
  FaultReason reason;
  std::string_view description;
  std::array<FaultResponse, kNumRequestClasses> responses;  // indexed by RequestClass

  FaultResponse ResponseFor(RequestClass request) const {
    return responses[static_cast<int>(request)];
  }
};

// Every defined code, in ascending order.
absl::Span<const FaultReasonInfo> AllFaultReasons();
// Every condition of Table 30, in table order (interrupt faults have none).
absl::Span<const FaultConditionInfo> AllFaultConditions();

// The facts for a code (every enumerator has an entry).
const FaultReasonInfo& GetFaultReasonInfo(FaultReason reason);
// The facts for a condition (every enumerator has an entry; constant time).
const FaultConditionInfo& GetFaultConditionInfo(FaultCondition condition);
// "LCT.4.3"; "" for the Table 15 codes, which the spec names by code only.
std::string_view FaultConditionName(FaultCondition condition);
// The condition of a Table 15 code (`reason` must be an interrupt-remapping code, 20h..2Bh).
FaultCondition InterruptFaultCondition(FaultReason reason);
// A Table 30 condition by name, case-insensitive ("LGN.1.2"), or nullptr: the parse-by-name
// that scenarios use.
const FaultConditionInfo* FindFaultCondition(std::string_view name);

// The code with this numeric value; InvalidArgument if it is not a defined code (00h and
// the gaps between families are not).
absl::StatusOr<FaultReason> FaultReasonFromNumber(int value);
// Parses a code from scenario text: a number ("0x0b", "0Bh", "11"), a condition name
// ("LCT.3"), a condition group whose members share one code ("LCT.4" or "LCT.4.0" -> 03h),
// or a project symbol ("context_entry_reserved"). Case-insensitive. InvalidArgument naming
// the text otherwise.
absl::StatusOr<FaultReason> ParseFaultReason(std::string_view text);

// "LCT.3 (0Bh context_entry_reserved)"-style display helpers.
std::string_view FaultReasonSymbol(FaultReason reason);
// Spec-style hex, e.g. "0Bh".
std::string FaultReasonHex(FaultReason reason);

}  // namespace vtd

#endif  // VTDSIM_MODEL_FAULT_FAULT_REASON_H_
