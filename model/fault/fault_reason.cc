// Fault reason and condition tables, transcribed from VT-d spec 5.10 Table 30 (§7.1.3) and
// Table 15 (§5.1.4.1) via ../shared/spec/faults.md.
#include "model/fault/fault_reason.h"

#include <algorithm>
#include <cctype>
#include <iterator>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"

namespace vtd {
namespace {

using R = FaultReason;
using F = FaultFamily;
using C = FaultCondition;

constexpr FaultReasonInfo kReasons[] = {
    {R::kRootEntryNotPresent, "root_entry_not_present", "LRT.2", "root entry P=0", false,
     F::kLegacy},
    {R::kContextEntryNotPresent, "context_entry_not_present", "LCT.2", "context entry P=0", true,
     F::kLegacy},
    {R::kContextEntryInvalid, "context_entry_invalid", "LCT.4.1-4.3",
     "invalid context entry: AW or TT not supported, or SSPTPTR fetch error", true, F::kLegacy},
    {R::kAddressBeyondWidth, "address_beyond_width", "LGN.1.1-1.3",
     "address beyond the guest (min(MGAW, AGAW)) or host address width", true, F::kLegacy},
    {R::kWriteNotPermitted, "write_not_permitted", "LGN.2",
     "write or AtomicOp without write permission", true, F::kLegacy},
    {R::kReadNotPermitted, "read_not_permitted", "LGN.3",
     "read or AtomicOp without read permission", true, F::kLegacy},
    {R::kPagingEntryAccessError, "paging_entry_access_error", "LSS.1",
     "error fetching a second-stage entry through a previous entry's ADDR", true, F::kLegacy},
    {R::kRootTableAccessError, "root_table_access_error", "LRT.1",
     "error fetching the root entry (RTADDR)", false, F::kLegacy},
    {R::kContextTableAccessError, "context_table_access_error", "LCT.1",
     "error fetching the context entry (root entry CTP)", false, F::kLegacy},
    {R::kRootEntryReserved, "root_entry_reserved", "LRT.3",
     "reserved bit set in a present root entry", false, F::kLegacy},
    {R::kContextEntryReserved, "context_entry_reserved", "LCT.3",
     "reserved bit set in a present context entry", true, F::kLegacy},
    {R::kPagingEntryReserved, "paging_entry_reserved", "LSS.2",
     "reserved bit set in a second-stage entry with R or W set", true, F::kLegacy},
    {R::kContextEntryTtBlocks, "context_entry_tt_blocks", "LCT.5",
     "context entry TT blocks translation requests and translated requests", true, F::kLegacy},
    {R::kInterruptAddressRange, "interrupt_address_range", "LGN.4",
     "output address in the interrupt range FEEx_xxxxh", true, F::kLegacy},
    {R::kIrRequestReserved, "ir_request_reserved", "",
     "reserved field set in a remappable-format interrupt request", false, F::kInterrupt},
    {R::kIrIndexOverflow, "ir_index_overflow", "",
     "interrupt index beyond the IR table size, or IRTE address above HAW", false, F::kInterrupt},
    {R::kIrteNotPresent, "irte_not_present", "", "IRTE P=0", true, F::kInterrupt},
    {R::kIrTableAccessError, "ir_table_access_error", "", "error fetching the IRTE (IRTA)", false,
     F::kInterrupt},
    {R::kIrteReserved, "irte_reserved", "", "reserved field set in a present IRTE", true,
     F::kInterrupt},
    {R::kIrCompatibilityBlocked, "ir_compatibility_blocked", "",
     "compatibility-format interrupt blocked (EIME=1 or CFIS=0)", false, F::kInterrupt},
    {R::kIrSourceIdCheckFailed, "ir_source_id_check_failed", "",
     "interrupt source-id verification (SVT/SQ/SID) failed", true, F::kInterrupt},
    {R::kPostedDescriptorAccessError, "posted_descriptor_access_error", "",
     "error accessing the posted-interrupt descriptor", true, F::kInterrupt},
    {R::kPostedDescriptorReserved, "posted_descriptor_reserved", "",
     "reserved field set in the posted-interrupt descriptor", true, F::kInterrupt},
    {R::kIrInvalidInterruptRangeRequest, "ir_invalid_interrupt_range_request", "",
     "request to FEEx_xxxxh that is not a valid interrupt", false, F::kInterrupt},
    {R::kIrEimeClearWithEimer, "ir_eime_clear_with_eimer", "", "EIME=0 while ECAP.EIMER=1", false,
     F::kInterrupt},
    {R::kIrRequestWhileDisabled, "ir_request_while_disabled", "",
     "MSI received while interrupt remapping is disabled and ECAP.IRREQ=1", false, F::kInterrupt},
    {R::kInvalidRootTableAddress, "invalid_root_table_address", "RTA.1.1-1.4",
     "invalid RTADDR programming (TTM or SSIRWE)", false, F::kRootTable},
    {R::kLegacyModeRequestWithPasid, "legacy_mode_request_with_pasid", "RTA.2",
     "request with PASID while TTM=00b", false, F::kRootTable},
    {R::kLegacyModePageRequest, "legacy_mode_page_request", "RTA.3", "page request while TTM=00b",
     false, F::kRootTable},
    {R::kAbortDmaMode, "abort_dma_mode", "RTA.4", "request in abort-DMA mode (TTM=11b, ADMS=1)",
     false, F::kRootTable},
    {R::kExecuteRequested, "execute_requested", "RTA.5",
     "request with PASID and ER=1 (major version 8+)", false, F::kRootTable},
    {R::kSmRootTableAccessError, "sm_root_table_access_error", "SRT.1",
     "error fetching the scalable-mode root entry", false, F::kScalable},
    {R::kSmRootEntryNotPresent, "sm_root_entry_not_present", "SRT.2",
     "scalable-mode root entry LP/UP=0", false, F::kScalable},
    {R::kSmRootEntryReserved, "sm_root_entry_reserved", "SRT.3",
     "reserved bit set in the present half of a scalable-mode root entry", false, F::kScalable},
    {R::kSmContextTableAccessError, "sm_context_table_access_error", "SCT.1",
     "error fetching the scalable-mode context entry", false, F::kScalable},
    {R::kSmContextEntryNotPresent, "sm_context_entry_not_present", "SCT.2",
     "scalable-mode context entry P=0", true, F::kScalable},
    {R::kSmContextEntryReserved, "sm_context_entry_reserved", "SCT.3",
     "reserved bit set in a present scalable-mode context entry", true, F::kScalable},
    {R::kSmContextEntryInvalid, "sm_context_entry_invalid", "SCT.4.1-4.3",
     "invalid scalable-mode context entry programming", true, F::kScalable},
    {R::kSmDeviceTlbDisabled, "sm_device_tlb_disabled", "SCT.5",
     "DTE=0 for a translation or translated request", true, F::kScalable},
    {R::kSmPasidDisabled, "sm_pasid_disabled", "SCT.6", "PASIDE=0 for a request with PASID", true,
     F::kScalable},
    {R::kSmPasidBeyondPdts, "sm_pasid_beyond_pdts", "SCT.7", "PASID beyond the PDTS range", true,
     F::kScalable},
    {R::kSmPageRequestDisabled, "sm_page_request_disabled", "SCT.8", "PRE=0 for a page request",
     true, F::kScalable},
    {R::kSmPasidIsRidPasid, "sm_pasid_is_rid_pasid", "SCT.9",
     "request-with-PASID whose PASID equals RID_PASID", true, F::kScalable},
    {R::kSmTranslatedPasidDisabled, "sm_translated_pasid_disabled", "SCT.10",
     "EPTR=0 for a translated request with PASID", true, F::kScalable},
    {R::kPasidDirAccessError, "pasid_dir_access_error", "SPD.1",
     "error fetching the PASID-directory entry", false, F::kScalable},
    {R::kPasidDirNotPresent, "pasid_dir_not_present", "SPD.2", "PASID-directory entry P=0", true,
     F::kScalable},
    {R::kPasidDirReserved, "pasid_dir_reserved", "SPD.3",
     "reserved bit set in a present PASID-directory entry", true, F::kScalable},
    {R::kPasidTableAccessError, "pasid_table_access_error", "SPT.1",
     "error fetching the PASID-table entry", false, F::kScalable},
    {R::kPasidEntryNotPresent, "pasid_entry_not_present", "SPT.2", "PASID-table entry P=0", true,
     F::kScalable},
    {R::kPasidEntryReserved, "pasid_entry_reserved", "SPT.3",
     "reserved bit set in a present PASID-table entry", true, F::kScalable},
    {R::kPasidEntryInvalid, "pasid_entry_invalid", "SPT.4.1-4.4",
     "invalid PASID-table entry programming (AW, PGTT, FSPM, nested FSPTPTR)", true, F::kScalable},
    {R::kPasidEntryExecuteUnsupported, "pasid_entry_execute_unsupported", "SPT.5",
     "ER=1 with ERS=0 (major version 7 and below)", true, F::kScalable},
    {R::kPasidEntrySupervisorDisabled, "pasid_entry_supervisor_disabled", "SPT.6",
     "supervisor request with SRE=0", true, F::kScalable},
    {R::kHptSizeExceeded, "hpt_size_exceeded", "SPT.9", "translated address exceeds the HPT size",
     true, F::kScalable},
    {R::kFsEntryAccessError, "fs_entry_access_error", "SFS.1",
     "error fetching a first-stage entry through a previous entry's ADDR", true, F::kScalable},
    {R::kFsEntryNotPresent, "fs_entry_not_present", "SFS.2", "first-stage entry P=0", true,
     F::kScalable},
    {R::kFsEntryReserved, "fs_entry_reserved", "SFS.3",
     "reserved bit set in a present first-stage entry", true, F::kScalable},
    {R::kFsRootAccessError, "fs_root_access_error", "SFS.4",
     "error fetching the first-stage root through FSPTPTR", true, F::kScalable},
    {R::kFsEntryAddressBeyondWidth, "fs_entry_address_beyond_width", "SFS.5",
     "nested: first-stage entry ADDR beyond the guest address width", true, F::kScalable},
    {R::kFsRootReadBlocked, "fs_root_read_blocked", "SFS.6",
     "nested: first-stage root read blocked by second stage", true, F::kScalable},
    {R::kFsEntryReadBlocked, "fs_entry_read_blocked", "SFS.7",
     "nested: first-stage entry read blocked by second stage", true, F::kScalable},
    {R::kFsEntryWriteBlocked, "fs_entry_write_blocked", "SFS.8",
     "nested: first-stage A/D update blocked by second stage", true, F::kScalable},
    {R::kSsEntryAccessError, "ss_entry_access_error", "SSS.1",
     "error fetching a second-stage entry through a previous entry's ADDR", true, F::kScalable},
    {R::kSsPermission, "ss_permission", "SSS.2",
     "second-stage entry R=W=0, or no cumulative read and write", true, F::kScalable},
    {R::kSsEntryReserved, "ss_entry_reserved", "SSS.3",
     "reserved bit set in a second-stage entry with R or W set", true, F::kScalable},
    {R::kSsRootAccessError, "ss_root_access_error", "SSS.4",
     "error fetching the second-stage root through SSPTPTR", true, F::kScalable},
    {R::kSsAdUpdateNotSnooped, "ss_ad_update_not_snooped", "SSS.5",
     "second-stage A/D update needed but page walks are not snooped", true, F::kScalable},
    {R::kSsAdUpdateFailed, "ss_ad_update_failed", "SSS.6", "second-stage A/D update failed", true,
     F::kScalable},
    {R::kNonCanonicalAddress, "non_canonical_address", "SGN.1",
     "first-stage input address not canonical", true, F::kScalable},
    {R::kUserAccessToSupervisorPage, "user_access_to_supervisor_page", "SGN.2",
     "user request hit a first-stage entry with U/S=0", true, F::kScalable},
    {R::kNoExecutePermission, "no_execute_permission", "SGN.3",
     "no execute permission (removed in 4.1)", true, F::kScalable},
    {R::kAddressBeyondHaw, "address_beyond_haw", "SGN.4.1-4.2",
     "translated or pass-through address at or above 2^HAW", true, F::kScalable},
    {R::kSsAddressBeyondWidth, "ss_address_beyond_width", "SGN.5",
     "second-stage input address beyond min(MGAW, AW)", true, F::kScalable},
    {R::kSmWriteNotPermitted, "sm_write_not_permitted", "SGN.6",
     "write or AtomicOp without write permission", true, F::kScalable},
    {R::kSmReadNotPermitted, "sm_read_not_permitted", "SGN.7",
     "read or AtomicOp without read permission", true, F::kScalable},
    {R::kSmInterruptAddressRange, "sm_interrupt_address_range", "SGN.8.1-8.3",
     "address in the interrupt range FEEx_xxxxh", true, F::kScalable},
    {R::kPasidBeyondPss, "pasid_beyond_pss", "SGN.10", "PASID beyond ECAP.PSS", true, F::kScalable},
    {R::kFsAdUpdateNotSnooped, "fs_ad_update_not_snooped", "SFS.9",
     "first-stage A/D update needed but page walks are not snooped", true, F::kScalable},
    {R::kFsAdUpdateFailed, "fs_ad_update_failed", "SFS.10", "first-stage A/D/EA update failed",
     true, F::kScalable},
    {R::kHptEntryAccessError, "hpt_entry_access_error", "HPT.1",
     "error fetching an HPT entry through a previous entry's ADDR", true, F::kHpt},
    {R::kHptEntryReserved, "hpt_entry_reserved", "HPT.2", "reserved bit set in an HPT entry", true,
     F::kHpt},
    {R::kHptRootAccessError, "hpt_root_access_error", "HPT.3",
     "error fetching the HPT root (HPTPTR)", true, F::kHpt},
    {R::kHptZeroLengthRead, "hpt_zero_length_read", "HPT.4",
     "zero-length translated read: HPT walk ended before a non-zero PPi", true, F::kHpt},
    {R::kHptWriteNotPermitted, "hpt_write_not_permitted", "HPT.5",
     "translated write or AtomicOp without HPT write permission", true, F::kHpt},
    {R::kHptReadNotPermitted, "hpt_read_not_permitted", "HPT.6",
     "translated read or AtomicOp without HPT read permission", true, F::kHpt},
};

// Table 30 response cells: U-, U+, T-, T+, X-, X+, PR, PRn.
constexpr FaultResponse NA = FaultResponse::kNotApplicable;
constexpr FaultResponse UR = FaultResponse::kUnsupportedRequest;
constexpr FaultResponse CA = FaultResponse::kCompleterAbort;
constexpr FaultResponse S0 = FaultResponse::kSuccessNoAccess;
constexpr FaultResponse SE = FaultResponse::kSuccessEffective;
constexpr FaultResponse IR = FaultResponse::kInvalidRequest;
constexpr FaultResponse DR = FaultResponse::kDrop;

constexpr FaultConditionInfo kConditions[] = {
    // Legacy root table.
    {C::kLrt1,
     "LRT.1",
     R::kRootTableAccessError,
     "error accessing the root entry through RTA",
     {UR, NA, CA, NA, UR, NA, NA, NA}},
    {C::kLrt2,
     "LRT.2",
     R::kRootEntryNotPresent,
     "root entry P=0",
     {UR, NA, UR, NA, UR, NA, NA, NA}},
    {C::kLrt3,
     "LRT.3",
     R::kRootEntryReserved,
     "reserved field set in a present root entry",
     {UR, NA, CA, NA, UR, NA, NA, NA}},
    // Legacy context table.
    {C::kLct1,
     "LCT.1",
     R::kContextTableAccessError,
     "error accessing the context entry through CTP",
     {UR, NA, CA, NA, UR, NA, NA, NA}},
    {C::kLct2,
     "LCT.2",
     R::kContextEntryNotPresent,
     "context entry P=0",
     {UR, NA, UR, NA, UR, NA, NA, NA}},
    {C::kLct3,
     "LCT.3",
     R::kContextEntryReserved,
     "reserved field set in a present context entry",
     {UR, NA, CA, NA, UR, NA, NA, NA}},
    {C::kLct4_1,
     "LCT.4.1",
     R::kContextEntryInvalid,
     "AW not supported (not in CAP.SAGAW)",
     {UR, NA, CA, NA, UR, NA, NA, NA}},
    {C::kLct4_2,
     "LCT.4.2",
     R::kContextEntryInvalid,
     "TT not supported (11b; 01b with ECAP.DT=0; 10b with ECAP.PT=0)",
     {UR, NA, CA, NA, UR, NA, NA, NA}},
    {C::kLct4_3,
     "LCT.4.3",
     R::kContextEntryInvalid,
     "error accessing the second-stage entry referenced by SSPTPTR",
     {UR, NA, CA, NA, NA, NA, NA, NA}},
    {C::kLct5,
     "LCT.5",
     R::kContextEntryTtBlocks,
     "TT blocks translation requests and translated requests",
     {NA, NA, UR, NA, UR, NA, NA, NA}},
    // Legacy second stage.
    {C::kLss1,
     "LSS.1",
     R::kPagingEntryAccessError,
     "error accessing a second-stage entry through a previous entry's ADDR",
     {UR, NA, CA, NA, NA, NA, NA, NA}},
    {C::kLss2,
     "LSS.2",
     R::kPagingEntryReserved,
     "reserved field set in a second-stage entry with R or W set",
     {UR, NA, CA, NA, NA, NA, NA, NA}},
    // Legacy general.
    {C::kLgn1_1,
     "LGN.1.1",
     R::kAddressBeyondWidth,
     "untranslated/translation address above 2^X-1, X = min(MGAW, AGAW(AW))",
     {UR, NA, S0, NA, NA, NA, NA, NA}},
    {C::kLgn1_2,
     "LGN.1.2",
     R::kAddressBeyondWidth,
     "translated-request address above HAW",
     {NA, NA, NA, NA, UR, NA, NA, NA}},
    {C::kLgn1_3,
     "LGN.1.3",
     R::kAddressBeyondWidth,
     "pass-through (TT=10b) address above HAW",
     {UR, NA, NA, NA, NA, NA, NA, NA}},
    {C::kLgn2,
     "LGN.2",
     R::kWriteNotPermitted,
     "write or AtomicOp lacks write permission",
     {UR, NA, SE, NA, NA, NA, NA, NA}},
    {C::kLgn3,
     "LGN.3",
     R::kReadNotPermitted,
     "read or AtomicOp lacks read permission (not for ZLR zero-length reads)",
     {UR, NA, SE, NA, NA, NA, NA, NA}},
    {C::kLgn4,
     "LGN.4",
     R::kInterruptAddressRange,
     "output address in FEEx_xxxxh (input address for TT=10b and translated requests)",
     {UR, NA, CA, NA, UR, NA, NA, NA}},
    // Root-table address register.
    {C::kRta1_1,
     "RTA.1.1",
     R::kInvalidRootTableAddress,
     "TTM=11b without ECAP.ADMS",
     {UR, UR, CA, CA, UR, UR, IR, DR}},
    {C::kRta1_2,
     "RTA.1.2",
     R::kInvalidRootTableAddress,
     "TTM=10b",
     {UR, UR, CA, CA, UR, UR, IR, DR}},
    {C::kRta1_3,
     "RTA.1.3",
     R::kInvalidRootTableAddress,
     "TTM=01b without ECAP.SMTS",
     {UR, UR, CA, CA, UR, UR, IR, DR}},
    {C::kRta1_4,
     "RTA.1.4",
     R::kInvalidRootTableAddress,
     "SSIRWE=1 with TTM=00b",
     {UR, NA, CA, NA, UR, NA, NA, NA}},
    {C::kRta2,
     "RTA.2",
     R::kLegacyModeRequestWithPasid,
     "request with PASID while TTM=00b",
     {NA, UR, NA, UR, NA, UR, NA, NA}},
    {C::kRta3,
     "RTA.3",
     R::kLegacyModePageRequest,
     "page request while TTM=00b",
     {NA, NA, NA, NA, NA, NA, IR, DR}},
    {C::kRta4,
     "RTA.4",
     R::kAbortDmaMode,
     "abort-DMA mode (TTM=11b with ECAP.ADMS)",
     {UR, UR, UR, UR, UR, UR, IR, DR}},
    {C::kRta5,
     "RTA.5",
     R::kExecuteRequested,
     "request with PASID and ER=1 (major version 8+)",
     {NA, UR, NA, UR, NA, UR, NA, NA}},
    // Scalable-mode root and context tables.
    {C::kSrt1,
     "SRT.1",
     R::kSmRootTableAccessError,
     "error accessing the scalable-mode root entry",
     {UR, UR, CA, CA, UR, UR, IR, DR}},
    {C::kSrt2,
     "SRT.2",
     R::kSmRootEntryNotPresent,
     "LP/UP=0 for the request's half",
     {UR, UR, UR, UR, UR, UR, IR, DR}},
    {C::kSrt3,
     "SRT.3",
     R::kSmRootEntryReserved,
     "reserved field set in the present half",
     {UR, UR, CA, CA, UR, UR, IR, DR}},
    {C::kSct1,
     "SCT.1",
     R::kSmContextTableAccessError,
     "error accessing the scalable-mode context entry",
     {UR, UR, CA, CA, UR, UR, IR, DR}},
    {C::kSct2,
     "SCT.2",
     R::kSmContextEntryNotPresent,
     "scalable-mode context entry P=0",
     {UR, UR, UR, UR, UR, UR, IR, DR}},
    {C::kSct3,
     "SCT.3",
     R::kSmContextEntryReserved,
     "reserved field set in a present context entry",
     {UR, UR, CA, CA, UR, UR, IR, DR}},
    {C::kSct4_1,
     "SCT.4.1",
     R::kSmContextEntryInvalid,
     "DTE=0 with PRE=1",
     {UR, UR, CA, CA, UR, UR, IR, DR}},
    {C::kSct4_2,
     "SCT.4.2",
     R::kSmContextEntryInvalid,
     "RID_PASID beyond the PDTS range",
     {UR, UR, CA, CA, UR, UR, IR, DR}},
    {C::kSct4_3,
     "SCT.4.3",
     R::kSmContextEntryInvalid,
     "EPTR=1 with PASIDE=0",
     {UR, NA, CA, NA, UR, UR, IR, DR}},
    {C::kSct5,
     "SCT.5",
     R::kSmDeviceTlbDisabled,
     "DTE=0 for a translation or translated request",
     {NA, NA, UR, UR, UR, UR, NA, NA}},
    {C::kSct6,
     "SCT.6",
     R::kSmPasidDisabled,
     "PASIDE=0 for a request with PASID",
     {NA, UR, NA, UR, NA, NA, IR, DR}},
    {C::kSct7,
     "SCT.7",
     R::kSmPasidBeyondPdts,
     "PASID beyond the PDTS range",
     {NA, UR, NA, UR, NA, UR, IR, DR}},
    {C::kSct8,
     "SCT.8",
     R::kSmPageRequestDisabled,
     "PRE=0 for a page request",
     {NA, NA, NA, NA, NA, NA, IR, DR}},
    {C::kSct9,
     "SCT.9",
     R::kSmPasidIsRidPasid,
     "request-with-PASID whose PASID equals RID_PASID",
     {NA, UR, NA, UR, NA, UR, IR, DR}},
    {C::kSct10,
     "SCT.10",
     R::kSmTranslatedPasidDisabled,
     "EPTR=0 for a translated request with PASID",
     {NA, NA, NA, NA, NA, UR, NA, NA}},
    // PASID directory and table.
    {C::kSpd1,
     "SPD.1",
     R::kPasidDirAccessError,
     "error accessing the PASID-directory entry",
     {UR, UR, CA, CA, CA, CA, IR, DR}},
    {C::kSpd2,
     "SPD.2",
     R::kPasidDirNotPresent,
     "PASID-directory entry P=0",
     {UR, UR, S0, S0, UR, UR, IR, DR}},
    {C::kSpd3,
     "SPD.3",
     R::kPasidDirReserved,
     "reserved field set in a present PASID-directory entry",
     {UR, UR, CA, CA, CA, CA, IR, DR}},
    {C::kSpt1,
     "SPT.1",
     R::kPasidTableAccessError,
     "error accessing the PASID-table entry",
     {UR, UR, CA, CA, CA, CA, IR, DR}},
    {C::kSpt2,
     "SPT.2",
     R::kPasidEntryNotPresent,
     "PASID-table entry P=0",
     {UR, UR, S0, S0, UR, UR, IR, DR}},
    {C::kSpt3,
     "SPT.3",
     R::kPasidEntryReserved,
     "reserved field set in a present PASID-table entry",
     {UR, UR, CA, CA, CA, CA, IR, DR}},
    {C::kSpt4_1,
     "SPT.4.1",
     R::kPasidEntryInvalid,
     "AW not supported",
     {UR, UR, CA, CA, CA, CA, IR, DR}},
    {C::kSpt4_2,
     "SPT.4.2",
     R::kPasidEntryInvalid,
     "PGTT not supported",
     {UR, UR, CA, CA, CA, CA, IR, DR}},
    {C::kSpt4_3,
     "SPT.4.3",
     R::kPasidEntryInvalid,
     "FSPM not supported",
     {UR, UR, CA, CA, CA, CA, IR, DR}},
    {C::kSpt4_4,
     "SPT.4.4",
     R::kPasidEntryInvalid,
     "nested FSPTPTR above 2^X-1",
     {UR, UR, CA, CA, CA, CA, IR, DR}},
    {C::kSpt5,
     "SPT.5",
     R::kPasidEntryExecuteUnsupported,
     "ER=1 with ECAP.ERS=0",
     {NA, UR, NA, S0, NA, NA, NA, NA}},
    {C::kSpt6,
     "SPT.6",
     R::kPasidEntrySupervisorDisabled,
     "PR=1 (or RID_PRIV=1) with SRE=0",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSpt9,
     "SPT.9",
     R::kHptSizeExceeded,
     "translated address exceeds HPTSZ",
     {NA, NA, NA, NA, UR, UR, NA, NA}},
    // First stage.
    {C::kSfs1,
     "SFS.1",
     R::kFsEntryAccessError,
     "error accessing a first-stage entry via previous ADDR",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSfs2,
     "SFS.2",
     R::kFsEntryNotPresent,
     "first-stage entry P=0",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSfs3,
     "SFS.3",
     R::kFsEntryReserved,
     "reserved field set in a present first-stage entry",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSfs4,
     "SFS.4",
     R::kFsRootAccessError,
     "error accessing the first-stage root via FSPTPTR",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSfs5,
     "SFS.5",
     R::kFsEntryAddressBeyondWidth,
     "nested: first-stage ADDR above 2^X-1",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSfs6,
     "SFS.6",
     R::kFsRootReadBlocked,
     "nested: first-stage root read blocked",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSfs7,
     "SFS.7",
     R::kFsEntryReadBlocked,
     "nested: first-stage entry read blocked",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSfs8,
     "SFS.8",
     R::kFsEntryWriteBlocked,
     "nested: first-stage A/D update blocked",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSfs9,
     "SFS.9",
     R::kFsAdUpdateNotSnooped,
     "first-stage A/D update needed, walks not snooped",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSfs10,
     "SFS.10",
     R::kFsAdUpdateFailed,
     "first-stage A/D/EA update failed",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    // Second stage (scalable).
    {C::kSss1,
     "SSS.1",
     R::kSsEntryAccessError,
     "error accessing a second-stage entry via previous ADDR",
     {UR, UR, CA, CA, NA, NA, NA, NA}},
    {C::kSss2,
     "SSS.2",
     R::kSsPermission,
     "second-stage R=W=0 or no cumulative read and write",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSss3,
     "SSS.3",
     R::kSsEntryReserved,
     "reserved field set in a second-stage entry with R or W",
     {UR, UR, CA, CA, NA, NA, NA, NA}},
    {C::kSss4,
     "SSS.4",
     R::kSsRootAccessError,
     "error accessing the second-stage root via SSPTPTR",
     {UR, UR, CA, CA, NA, NA, NA, NA}},
    {C::kSss5,
     "SSS.5",
     R::kSsAdUpdateNotSnooped,
     "second-stage A/D update needed, walks not snooped",
     {UR, UR, CA, CA, NA, NA, NA, NA}},
    {C::kSss6,
     "SSS.6",
     R::kSsAdUpdateFailed,
     "second-stage A/D update failed",
     {UR, UR, CA, CA, NA, NA, NA, NA}},
    // Scalable general.
    {C::kSgn1,
     "SGN.1",
     R::kNonCanonicalAddress,
     "first-stage input address not canonical",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSgn2,
     "SGN.2",
     R::kUserAccessToSupervisorPage,
     "user request hit U/S=0",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSgn4_1,
     "SGN.4.1",
     R::kAddressBeyondHaw,
     "translated address at or above 2^HAW",
     {NA, NA, NA, NA, UR, UR, NA, NA}},
    {C::kSgn4_2,
     "SGN.4.2",
     R::kAddressBeyondHaw,
     "pass-through address at or above 2^HAW",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSgn5,
     "SGN.5",
     R::kSsAddressBeyondWidth,
     "second-stage-only address above 2^X-1",
     {UR, UR, S0, S0, NA, NA, NA, NA}},
    {C::kSgn6,
     "SGN.6",
     R::kSmWriteNotPermitted,
     "write or AtomicOp lacks write permission",
     {UR, UR, SE, SE, NA, NA, NA, NA}},
    {C::kSgn7,
     "SGN.7",
     R::kSmReadNotPermitted,
     "read or AtomicOp lacks read permission",
     {UR, UR, SE, SE, NA, NA, NA, NA}},
    {C::kSgn8_1,
     "SGN.8.1",
     R::kSmInterruptAddressRange,
     "untranslated output address in FEEx_xxxxh",
     {UR, UR, NA, NA, NA, NA, NA, NA}},
    {C::kSgn8_2,
     "SGN.8.2",
     R::kSmInterruptAddressRange,
     "translation result overlaps FEEx_xxxxh",
     {NA, NA, CA, CA, NA, NA, NA, NA}},
    {C::kSgn8_3,
     "SGN.8.3",
     R::kSmInterruptAddressRange,
     "translated address in FEEx_xxxxh",
     {NA, NA, NA, NA, UR, UR, NA, NA}},
    {C::kSgn10,
     "SGN.10",
     R::kPasidBeyondPss,
     "PASID beyond ECAP.PSS",
     {NA, UR, NA, UR, NA, UR, NA, NA}},
    // Host permission tables.
    {C::kHpt1,
     "HPT.1",
     R::kHptEntryAccessError,
     "error accessing an HPT entry via previous ADDR",
     {NA, NA, NA, NA, CA, CA, NA, NA}},
    {C::kHpt2,
     "HPT.2",
     R::kHptEntryReserved,
     "reserved field set in an HPT entry",
     {NA, NA, NA, NA, CA, CA, NA, NA}},
    {C::kHpt3,
     "HPT.3",
     R::kHptRootAccessError,
     "error accessing the HPT root",
     {NA, NA, NA, NA, CA, CA, NA, NA}},
    {C::kHpt4,
     "HPT.4",
     R::kHptZeroLengthRead,
     "zero-length translated read ended before a PPi",
     {NA, NA, NA, NA, UR, UR, NA, NA}},
    {C::kHpt5,
     "HPT.5",
     R::kHptWriteNotPermitted,
     "HPT write permission missing",
     {NA, NA, NA, NA, UR, UR, NA, NA}},
    {C::kHpt6,
     "HPT.6",
     R::kHptReadNotPermitted,
     "HPT read permission missing",
     {NA, NA, NA, NA, UR, UR, NA, NA}},
};

// Table 15 codes as conditions: an interrupt request is blocked and "treated as Unsupported
// Request"; interrupt requests are untranslated requests without PASID.
constexpr std::array<FaultResponse, kNumRequestClasses> kIrResponses = {UR, NA, NA, NA,
                                                                        NA, NA, NA, NA};
constexpr FaultConditionInfo kInterruptConditions[] = {
    {C::kIrRequestReserved, "", R::kIrRequestReserved, "", kIrResponses},
    {C::kIrIndexOverflow, "", R::kIrIndexOverflow, "", kIrResponses},
    {C::kIrteNotPresent, "", R::kIrteNotPresent, "", kIrResponses},
    {C::kIrTableAccessError, "", R::kIrTableAccessError, "", kIrResponses},
    {C::kIrteReserved, "", R::kIrteReserved, "", kIrResponses},
    {C::kIrCompatibilityBlocked, "", R::kIrCompatibilityBlocked, "", kIrResponses},
    {C::kIrSourceIdCheckFailed, "", R::kIrSourceIdCheckFailed, "", kIrResponses},
    {C::kPostedDescriptorAccessError, "", R::kPostedDescriptorAccessError, "", kIrResponses},
    {C::kPostedDescriptorReserved, "", R::kPostedDescriptorReserved, "", kIrResponses},
    {C::kIrInvalidInterruptRangeRequest, "", R::kIrInvalidInterruptRangeRequest, "", kIrResponses},
    {C::kIrEimeClearWithEimer, "", R::kIrEimeClearWithEimer, "", kIrResponses},
    {C::kIrRequestWhileDisabled, "", R::kIrRequestWhileDisabled, "", kIrResponses},
};

// Both tables are indexed by the enumerator (GetFaultConditionInfo is a lookup, not a search).
constexpr bool TablesFollowEnumOrder() {
  if (std::size(kConditions) != kNumTable30Conditions) return false;
  for (int i = 0; i < kNumTable30Conditions; ++i) {
    if (static_cast<int>(kConditions[i].condition) != i) return false;
  }
  for (int i = 0; i < kNumFaultConditions - kNumTable30Conditions; ++i) {
    if (static_cast<int>(kInterruptConditions[i].condition) != kNumTable30Conditions + i ||
        static_cast<int>(kInterruptConditions[i].reason) != 0x20 + i) {
      return false;
    }
  }
  return true;
}
static_assert(TablesFollowEnumOrder());

// Debian's Abseil 20220623 has its own absl::string_view (not std::string_view), so the
// few string helpers needed here are local.
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

std::string ToLower(std::string_view text) {
  std::string s(text);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool IsDefined(int value) {
  return std::any_of(std::begin(kReasons), std::end(kReasons),
                     [&](const FaultReasonInfo& i) { return static_cast<int>(i.reason) == value; });
}

// Parses "0x0b", "0Bh", "11". Returns -1 if `text` is not a number.
int ParseNumber(std::string_view text) {
  std::string s = ToLower(text);
  int value = 0;
  if (absl::StartsWith(s, "0x")) {
    if (s.size() > 2 && absl::SimpleHexAtoi(s.substr(2), &value)) return value;
    return -1;
  }
  if (absl::EndsWith(s, "h") && s.size() > 1) {
    if (absl::SimpleHexAtoi(s.substr(0, s.size() - 1), &value)) return value;
    return -1;
  }
  if (!s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(c); }) &&
      absl::SimpleAtoi(s, &value)) {
    return value;
  }
  return -1;
}

}  // namespace

std::string_view FaultResponseName(FaultResponse response) {
  switch (response) {
    case FaultResponse::kNotApplicable:
      return "NA";
    case FaultResponse::kUnsupportedRequest:
      return "UR";
    case FaultResponse::kCompleterAbort:
      return "CA";
    case FaultResponse::kSuccessNoAccess:
      return "S0";
    case FaultResponse::kSuccessEffective:
      return "SE";
    case FaultResponse::kInvalidRequest:
      return "IR";
    case FaultResponse::kDrop:
      return "drop";
  }
  return "?";
}

absl::Span<const FaultReasonInfo> AllFaultReasons() { return kReasons; }
absl::Span<const FaultConditionInfo> AllFaultConditions() { return kConditions; }

const FaultReasonInfo& GetFaultReasonInfo(FaultReason reason) {
  for (const FaultReasonInfo& info : kReasons) {
    if (info.reason == reason) return info;
  }
  // Every enumerator is in kReasons (checked by a test); a cast from an arbitrary byte is
  // a programming error.
  static constexpr FaultReasonInfo kUnknown = {FaultReason{0}, "unknown", "",
                                               "unknown",      false,     FaultFamily::kLegacy};
  return kUnknown;
}

const FaultConditionInfo& GetFaultConditionInfo(FaultCondition condition) {
  const int i = static_cast<int>(condition);
  if (i < kNumTable30Conditions) return kConditions[i];
  return kInterruptConditions[i - kNumTable30Conditions];
}

std::string_view FaultConditionName(FaultCondition condition) {
  return GetFaultConditionInfo(condition).name;
}

FaultCondition InterruptFaultCondition(FaultReason reason) {
  return static_cast<FaultCondition>(kNumTable30Conditions + static_cast<int>(reason) - 0x20);
}

const FaultConditionInfo* FindFaultCondition(std::string_view name) {
  for (const FaultConditionInfo& c : kConditions) {
    if (EqualsIgnoreCase(c.name, name)) return &c;
  }
  return nullptr;
}

absl::StatusOr<FaultReason> FaultReasonFromNumber(int value) {
  if (value < 0 || value > 0xff || !IsDefined(value)) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%#x is not a defined fault reason code", value));
  }
  return static_cast<FaultReason>(value);
}

absl::StatusOr<FaultReason> ParseFaultReason(std::string_view text) {
  const int number = ParseNumber(text);
  if (number >= 0) return FaultReasonFromNumber(number);
  if (const FaultConditionInfo* c = FindFaultCondition(text)) return c->reason;
  // A group: "LCT.4" or "LCT.4.0" names LCT.4.1..LCT.4.3 when they share one code.
  std::string group(text);
  if (absl::EndsWith(group, ".0")) group.resize(group.size() - 2);
  group += ".";
  const FaultConditionInfo* first = nullptr;
  bool same = true;
  for (const FaultConditionInfo& c : kConditions) {
    if (c.name.size() > group.size() && EqualsIgnoreCase(c.name.substr(0, group.size()), group)) {
      if (first == nullptr) {
        first = &c;
      } else if (c.reason != first->reason) {
        same = false;
      }
    }
  }
  if (first != nullptr && same) return first->reason;
  for (const FaultReasonInfo& info : kReasons) {
    if (EqualsIgnoreCase(info.symbol, text)) return info.reason;
  }
  return absl::InvalidArgumentError(absl::StrFormat(
      "unknown fault reason \"%s\" (expected a code such as 0x0b or 0Bh, a condition such as "
      "LCT.3, or a symbol such as context_entry_reserved)",
      text));
}

std::string_view FaultReasonSymbol(FaultReason reason) { return GetFaultReasonInfo(reason).symbol; }

std::string FaultReasonHex(FaultReason reason) {
  return absl::StrFormat("%02Xh", static_cast<int>(reason));
}

}  // namespace vtd
