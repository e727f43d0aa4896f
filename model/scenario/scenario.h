// A scenario as typed values: what `vtdsim run` loads from YAML (scenarios/FORMAT.md,
// the contract) before anything runs. The loader (scenario_loader.h) validates everything it
// can without running the model, so a Scenario that loads holds only values that make sense:
// numbers in range, register names resolved to offsets of the unit they address, unit names
// resolved to indices, files read, fault reasons parsed. Execution never re-parses text.
//
// Every step and every field keeps its SourceMark (1-based line and column in the scenario
// file), so errors found while running (a register write the unit rejects, a memory access
// out of range) still point at the line that asked for it.
//
// Extensions to the contract (documented for users in scenarios/README.md):
//  * `map` and `enable` steps (MapStep, EnableStep): builders that write legacy root, context
//    and second-stage entries for a device and domain, and the standard enable sequence; with
//    `pasid`/`pgtt`/`rid_pasid` the scalable-mode root, context, PASID directory and PASID
//    table entries, and the scalable-mode enable sequence; with `pgtt: first` first-stage
//    tables, with `pgtt: nested` the guest's first stage at guest-physical addresses over the
//    domain's second stage.
//    Tables come from a pool of host memory (`tables:` top level, TablesConfig).
//  * `repeat` steps (RepeatStep): a body run `count` times, with address fields advanced by a
//    `stride` per iteration, so long generated streams stay short files.
//  * Numbers may contain `_` separators (0xfed9_0000); size fields (memory_size, map size and
//    page_size, dma size, tables pool_size) also take K/M/G/T suffixes (4K, 2M, 1G: KiB units).
//  * Memory entries (and mem_write) also take `u8:` and `u16:` lists, and a single number in
//    place of a one-element list.
//  * `cap`/`ecap` may be omitted (kDefaultCap/kDefaultEcap); a named-field map may start from
//    a `base:` value. A `dmar:` platform may carry `memory_size`, `cap` and `ecap` (a DMAR
//    table has no CAP/ECAP values; these apply to every unit it describes).
//  * A `dmar:` platform may also carry `units:` (per-unit `version`/`cap`/`ecap`, matched to
//    DRHDs by `base`), `topology:` (a topology file or a list of "SEG:BB:DD.F=SEC-SUB"
//    bridges) and `unimplemented: mask|reject`. Without `cap:` its default MGAW covers the
//    table's host address width.
//  * `reg:` names are case-insensitive and may carry the spec's `_REG` suffix; fault-recording
//    registers are FRCD<n> (low qword), FRCD<n>_HI (high qword), or FRCD_LO[n]/FRCD_HI[n].
//  * `sid` also takes a raw 16-bit requester id (a number); `interrupt` takes `segment`.
//  * `expect: {fault: R}` is short for `expect: {fault: {reason: R}}`.
//  * `check_invalidation:` (platform or unit) turns on the unit's invalidation checker, and
//    `expect: {stale: iotlb}` on a dma or interrupt says the checker must report a stale hit
//    there.
//  * `queue` steps (QueueStep): invalidation descriptors, raw or typed, written at the unit's
//    queue tail (IQA/IQT) and submitted by an IQT write; `irte` steps (IrteStep): a remapped or
//    posted IRTE written into an interrupt-remapping table. A queue step takes
//    `expect: {processed: N, error: none|iqe|ice|ite}`.
//  * `expect: {messages: [...] | none}` on any step: the interrupt messages the unit sent
//    (fault event, invalidation completion event, posted-interrupt notification);
//    `expect: {recorded: bool}` on dma and interrupt steps; `expect: {any_of: [...]}`, where
//    the step holds if one alternative expectation holds (spec-allowed choices).
//  * `reset` steps (ResetStep): one unit or all back to their reset state, memory untouched.
//  * `map: {rmrr: true, sid: ...}`: the identity mappings the DMAR table's RMRRs require.
//  * `repeat` strides `offset` of mmio_read/mmio_write (RepeatStride::offset).
//  * `page_request` steps (PageRequestStep): a device's page request (S §7.5) through the
//    unit's page request interface; `expect: {outcome, at, responses}`. `queue` descriptors
//    take `page_response` (page_grp_resp_dsc, 0x9). `expect: {responses: [...] | none}` on
//    any step: the page group responses the devices received.
#ifndef VTDSIM_MODEL_SCENARIO_SCENARIO_H_
#define VTDSIM_MODEL_SCENARIO_SCENARIO_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/string_view.h"
#include "model/acpi/dmar.h"
#include "model/fault/fault_reason.h"
#include "model/interrupt/irte.h"
#include "model/invalidation/descriptors.h"
#include "model/invalidation/invalidation_queue.h"
#include "model/platform/pci_topology.h"
#include "model/structs/ids.h"

namespace vtd::scenario {

// Where a value was written: 1-based line and column (yaml-cpp marks are 0-based). Line 0
// means unknown (values that took their default).
struct SourceMark {
  int line = 0;
  int column = 0;
  bool known() const { return line > 0; }
  bool operator==(const SourceMark&) const = default;
};

// A value and where it came from (the mark of the default's parent map when defaulted).
template <typename T>
struct Located {
  T value{};
  SourceMark mark;
};

// "FILE:LINE:COL" (or "FILE" when the mark is unknown): the prefix of every message about a
// scenario, at load time and while running.
std::string FormatLocation(absl::string_view file, SourceMark mark);

// ---- platform -------------------------------------------------------------------------------

inline constexpr uint64_t kDefaultMemorySize = uint64_t{4} << 30;
// Used when a unit gives no `cap`/`ecap` (an extension; the contract's own example values):
// SAGAW 48-bit (4-level), MGAW 39, 8-bit domain ids, 2 MiB and 1 GiB pages, PSI (MAMV 18),
// PLMR/PHMR, ZLR, one fault-recording register at 0x400; ECAP QI, IR, EIM, PT, SC, MHMV 15,
// IOTLB registers at 0x500.
inline constexpr uint64_t kDefaultCap = 0x00d2008c40660462;
inline constexpr uint64_t kDefaultEcap = 0x0000000000f050da;
inline constexpr uint32_t kDefaultVersion = 0x10;  // VER_REG 1.0
// The default CAP for a DMAR platform whose table gives `host_address_width` bits: MGAW is at
// least the HAW (S §11.4.2 requires MGAW >= HAW), at most what the walk supports (57).
inline uint64_t DefaultCapFor(int host_address_width) {
  constexpr uint64_t kMgawShift = 16;
  constexpr uint64_t kMgawMask = uint64_t{0x3f} << kMgawShift;
  const int bits =
      host_address_width < 39 ? 39 : (host_address_width > 57 ? 57 : host_address_width);
  return (kDefaultCap & ~kMgawMask) | (static_cast<uint64_t>(bits - 1) << kMgawShift);
}

// One `name: value` of a named-field CAP/ECAP map; values as written ("48", "2M", "true").
struct NamedCapField {
  std::string name;
  std::vector<std::string> values;
  SourceMark mark;
};

// A CAP or ECAP value as written, already resolved to the raw register value (`value`) and
// audited against what the model implements (regs/cap_ecap.h).
struct CapabilityValue {
  enum class Form : uint8_t { kDefault, kRaw, kFields };
  Form form = Form::kDefault;
  uint64_t value = 0;
  uint64_t base = 0;                  // kFields: the `base:` the fields were applied to
  std::vector<NamedCapField> fields;  // kFields, in file order
  SourceMark mark;
};

struct UnitConfig {
  Located<std::string> name;  // default "dmar<index>"
  Located<uint64_t> base;     // register base address, 4 KiB aligned
  Located<uint16_t> segment;
  std::optional<Located<uint32_t>> version;  // extension: VER_REG (default 1.0)
  CapabilityValue cap;
  CapabilityValue ecap;
  // `scope: all` (INCLUDE_PCI_ALL; also the default) or a list of requesters.
  bool include_pci_all = true;
  std::vector<Located<SourceId>> scope;
  // Extension: the unit's invalidation checker (every cache hit is compared with what
  // memory holds now; a stale hit fails the step unless `expect: {stale: ...}` says so).
  // Unset: the platform's `check_invalidation`.
  std::optional<Located<bool>> check_invalidation;
  // Extension: `device_tlb: completed | timeout | invalid_completion`, how every device
  // behind the unit answers a device-TLB invalidation (S §6.5.2.5; timeout sets FSTS.ITE,
  // invalid_completion FSTS.ICE, S §6.5.2.10). Default completed.
  DeviceTlbResponse device_tlb = DeviceTlbResponse::kCompleted;
  SourceMark mark;
};

struct UnitsPlatform {
  std::vector<UnitConfig> units;
};

// Extension: one entry of `units:` beside `dmar:`, the values a real unit reports, matched to
// its DRHD by register base.
struct DmarUnitValues {
  Located<uint64_t> base;
  std::optional<Located<uint32_t>> version;  // VER_REG; unset: 1.0
  CapabilityValue cap;                       // kDefault: the platform's
  CapabilityValue ecap;
  SourceMark mark;
};

// `platform: {dmar: path}`. The table is read and parsed at load time.
struct DmarPlatform {
  Located<std::string> path;  // as resolved (relative to the scenario's directory)
  std::vector<uint8_t> bytes;
  acpi::DmarTable table;
  CapabilityValue cap;   // for every unit of the table without its own values
  CapabilityValue ecap;  // for every unit of the table without its own values
  // Extensions: per-unit values, the PCI topology (bridges with their bus ranges, for
  // routing through sub-hierarchy scopes, S §8.3.1), and `unimplemented: mask` (capabilities
  // the model does not implement read as clear instead of being rejected).
  std::vector<DmarUnitValues> units;
  platform::PciTopology topology;
  bool mask_unimplemented = false;
};

struct Platform {
  Located<uint64_t> memory_size{kDefaultMemorySize, {}};
  std::variant<UnitsPlatform, DmarPlatform> source;
  // Unit names in unit order ("dmar0", ...): what `unit:` fields resolve against.
  std::vector<std::string> unit_names;
  // CAP/ECAP of each unit, in unit order (resolved).
  std::vector<uint64_t> unit_caps;
  std::vector<uint64_t> unit_ecaps;
  std::vector<uint32_t> unit_versions;  // VER_REG of each unit, in unit order
  // Facts about the platform a user should see (what was masked, fields the spec ignores):
  // the runner reports them as notes of the first step.
  std::vector<std::string> notes;
  // Extension: `check_invalidation:` at platform level (default false), the default of every
  // unit; resolved per unit in unit order.
  Located<bool> check_invalidation;
  std::vector<bool> unit_check_invalidation;
  // Each unit's device-TLB responder (UnitConfig::device_tlb), in unit order.
  std::vector<DeviceTlbResponse> unit_device_tlb;
  SourceMark mark;
};

// ---- memory -------------------------------------------------------------------------------

// One `memory:` entry (also the body of `mem_write`). Every form is turned into bytes at
// load time (little-endian words), except a `file:` window at a 4 KiB-aligned address and
// offset, which is checked at load time and mapped lazily when the scenario runs.
struct MemoryEntry {
  enum class Form : uint8_t { kU8, kU16, kU32, kU64, kBytes, kFile };
  Located<uint64_t> addr;
  Form form = Form::kBytes;
  std::vector<uint8_t> bytes;
  std::string file;          // kFile: the resolved path
  uint64_t file_offset = 0;  // kFile: the window [file_offset, file_offset + file_length)
  uint64_t file_length = 0;
  bool file_mapped = false;  // kFile: mapped when run (`bytes` empty), else copied into `bytes`
  SourceMark data_mark;      // the u64/u32/bytes/file value
  SourceMark mark;
};

// `timing:`: cost-model overrides, kept as written until the timing model defines its keys.
// Nested maps flatten to dotted keys ("iotlb.hit").
struct TimingEntry {
  std::string key;
  uint64_t value = 0;
  SourceMark mark;
};

// `tables:` (extension): where the `map`/`enable` builders place the structures they write.
// Defaults: the top min(256 MiB, memory_size / 4) of memory.
struct TablesConfig {
  Located<uint64_t> pool_base;
  Located<uint64_t> pool_size;
  SourceMark mark;
};

// ---- steps --------------------------------------------------------------------------------

// `unit:` as written (name or index), resolved to an index into Platform::unit_names.
struct UnitRef {
  std::string written;  // empty when defaulted to unit 0
  int index = 0;
  SourceMark mark;
};

// A register of a unit, by `offset` or by `reg` name, resolved against that unit's CAP/ECAP
// (IVA/IOTLB sit at ECAP.IRO×16, FRCD registers at CAP.FRO×16).
struct RegisterRef {
  std::string name;     // canonical ("GCMD_REG", "FRCD_HI[3]"); empty for a raw offset
  std::string written;  // as written in the file
  bool by_offset = false;
  bool modeled = true;     // false for spec registers the model does not implement (MTRRs)
  uint32_t offset = 0;     // from the unit's register base
  int natural_width = 32;  // of the register (32 for an offset with no register)
  SourceMark mark;
};

struct MmioWrite {
  UnitRef unit;
  RegisterRef reg;
  Located<uint64_t> value;
  Located<int> width;  // 32 or 64 (the register's natural width when not written)
};

struct MmioRead {
  UnitRef unit;
  RegisterRef reg;
  Located<int> width;
};

struct MemWrite {
  MemoryEntry data;
};

struct MemRead {
  Located<uint64_t> addr;
  Located<int> width;  // 8, 16, 32 or 64
};

enum class DmaAccess : uint8_t { kRead, kWrite };
absl::string_view DmaAccessName(DmaAccess access);  // "read", "write"

// PCIe AT field of the request.
enum class AddressType : uint8_t { kUntranslated, kTranslationRequest, kTranslated };
absl::string_view AddressTypeName(AddressType at);  // "untranslated", ...

inline constexpr uint32_t kMaxDmaSize = 4096;
inline constexpr uint32_t kMaxPasid = 0xfffff;

struct Dma {
  Located<SourceId> sid;
  Located<uint16_t> segment;
  Located<uint64_t> addr;
  Located<uint32_t> size{4, {}};  // 1..4096, and [addr, addr+size) within one 4 KiB page
  Located<DmaAccess> access;
  std::optional<Located<uint32_t>> pasid;  // 20 bits
  Located<bool> exec;
  Located<bool> priv;
  Located<AddressType> at;
  // Extension: the NW (no-write) flag of a translation request (S §4.2.3; `nw:`).
  Located<bool> nw;
  // Extension: the bytes a write carries (`data:`), little-endian; without it a DMA moves
  // no data (the translation only).
  std::optional<Located<std::vector<uint8_t>>> data;
  // Extension (`atc: true`, with `at: translated`): the device translates `addr` with its
  // device TLB (model/device/ats_device.h): on a miss it sends a translation request and
  // caches the completion, then the translated request at the cached address.
  Located<bool> atc;
};

// The MSI as the device sends it.
struct Interrupt {
  Located<SourceId> sid;
  Located<uint16_t> segment;  // extension; default 0
  Located<uint64_t> address;
  Located<uint32_t> data;
};

// `map` (extension): makes [iova, iova+size) of `domain` translate to [hpa, hpa+size) for
// requester `sid` on its unit, with `perm` and leaf `page_size`, writing the legacy root entry,
// context entry and second-stage tables (`levels`: 3, 4 or 5) as a driver would. Structures
// that already exist are reused; the builder is implemented with execution.
struct MapStep {
  std::optional<UnitRef> unit;  // default: the unit that owns the requester
  Located<SourceId> sid;
  Located<uint16_t> segment;
  Located<uint16_t> domain;
  Located<uint64_t> iova;
  Located<uint64_t> hpa;
  Located<uint64_t> size;
  Located<bool> read;  // from perm: r, w, rw (or none)
  Located<bool> write;
  Located<uint64_t> page_size{4096, {}};  // 4K, 2M or 1G
  Located<int> levels{4, {}};             // 3 (39-bit), 4 (48-bit) or 5 (57-bit)
  // `rmrr: true`: instead of iova/hpa/size, every RMRR range the DMAR table reports for the
  // requester (S §8.4) is identity-mapped (iova = hpa), read and write, in 4 KiB pages.
  bool rmrr = false;
  struct Range {
    uint64_t base = 0;
    uint64_t size = 0;
  };
  std::vector<Range> rmrr_ranges;  // resolved at load from the table, in table order
  // Scalable mode (S §3.4.3), when `pasid`, `pgtt` or `rid_pasid` is written: a scalable root
  // entry, a 256-bit context entry, a PASID directory entry and a PASID table entry with
  // `pgtt` (1 first-stage, 2 second-stage, 3 nested, 4 pass-through).
  // `pasid` unset: the mapping is for requests without PASID, at the context's RID_PASID.
  bool scalable = false;
  std::optional<Located<uint32_t>> pasid;
  Located<uint32_t> rid_pasid;
  Located<uint8_t> pgtt{2, {}};
  Located<bool> ssade;  // PASID entry SSADE (PGTT 010b/011b, ECAP.SSADS)
  Located<bool> dte;    // context entry DTE (ECAP.DT)
  Located<bool> pre;    // context entry PRE (ECAP.PRS; needs DTE)
  Located<bool> eptr;   // context entry EPTR (ECAP.PTRS): translated requests with PASID
  // First-stage and nested (PGTT 001b/011b): `levels` is then the first stage's (4 or 5,
  // FSPM), and `ss_levels` the nested second stage's. PASID-entry SRE, WPE, EAFE (S §9.6);
  // the leaves' U/S (`user`, default true) and XD (S §9.7).
  Located<int> ss_levels{4, {}};
  Located<bool> sre;
  Located<bool> wpe;
  Located<bool> eafe;
  Located<bool> user{true, {}};
  Located<bool> xd;
  // Nested: iova -> `gpa` in the guest's first stage, `gpa` -> hpa in the domain's second
  // stage with `ss_perm` (ss_read/ss_write) in leaves of `ss_page_size`; `guest_tables`: the
  // GPA of the domain's first guest page-table page (unset: GPA = HPA of each table page).
  Located<uint64_t> gpa;
  Located<bool> ss_read{true, {}};
  Located<bool> ss_write{true, {}};
  Located<uint64_t> ss_page_size{4096, {}};
  std::optional<Located<uint64_t>> guest_tables;
};

// `reset` (extension): units back to their reset state (RemappingUnit::Reset: registers to
// their reset values, caches emptied); memory is untouched. `unit` unset: every unit.
struct ResetStep {
  std::optional<UnitRef> unit;
};

// `enable` (extension): the standard enable sequence a driver runs on `unit`: RTADDR (the
// builder's root table, or `root`), GCMD.SRTP, global context-cache and IOTLB invalidation,
// write-buffer flush when CAP.RWBF, then GCMD.TE.
//
// `mode: scalable` (default when the unit's `map`s built scalable tables) runs the sequence
// Linux runs on a scalable-mode unit instead: queued invalidation with 256-bit descriptors
// (IQT=0, IQA = queue | DW | QS=1, GCMD.QIE), RTADDR with TTM=01b and SRTP, then (unless
// CAP.ESRTPS) global context-cache, PASID-cache and IOTLB invalidation through the queue,
// each followed by a wait descriptor, then GCMD.TE.
struct EnableStep {
  UnitRef unit;
  std::optional<Located<uint64_t>> root;
  // `mode: scalable|legacy`; resolved at load (default: the mode of the unit's `map`s, else
  // legacy).
  Located<bool> scalable;
};

// One descriptor of a `queue` step: raw qwords (2 for a 128-bit descriptor, 4 for 256-bit), or
// a typed descriptor encoded with the queue's width when the step runs (EncodeDescriptor).
struct QueueDescriptor {
  std::vector<uint64_t> raw;                    // when !typed
  std::optional<InvalidationDescriptor> typed;  // from context/iotlb/dev_tlb/iec/wait
  std::string kind;                             // the key as written ("raw", "iotlb", ...)
  SourceMark mark;
};

// `queue` (extension): software submitting descriptors to the invalidation queue (S §6.5.2):
// each descriptor is written at the queue's tail (IQA base, IQA.DW width, IQA.QS size; the tail
// wraps to the base), then IQT is written once with the new tail, so the unit processes them
// during the step exactly as for an `mmio_write` of IQT.
struct QueueStep {
  UnitRef unit;
  std::vector<QueueDescriptor> descriptors;
};

// `irte` (extension): writes one interrupt-remapping table entry (S §9.9 remapped, §9.10
// posted) at `index` of `table` (default: the table the unit's IRTA register names when the
// step runs). Software memory write: no cache is invalidated.
struct IrteStep {
  UnitRef unit;
  std::optional<Located<uint64_t>> table;  // 4 KiB aligned
  Located<uint32_t> index;                 // 0..65535
  std::variant<RemappedIrte, PostedIrte> entry;
};

// `page_request` (extension): the page request a device sends (PCIe PRI Page Request
// Message, S §7.5.1): requester `sid`, optional `pasid` (with `exec`/`priv`, the PASID
// prefix's ER and PM), the page `addr` (4 KiB aligned), read/write requested (`access`:
// read, write or read_write), LPIG (`last`, default true) and PRGI (`prgi`, 0..511).
struct PageRequestStep {
  std::optional<UnitRef> unit;  // default: the unit that owns the requester
  Located<SourceId> sid;
  Located<uint16_t> segment;
  std::optional<Located<uint32_t>> pasid;
  Located<uint64_t> addr;
  Located<bool> read;
  Located<bool> write;
  Located<bool> exec;
  Located<bool> priv;
  Located<bool> last{true, {}};
  Located<uint16_t> prgi;
};

struct Step;

// `repeat` (extension): `steps` run `count` times; on iteration i (from 0) every address field
// of the body is advanced by i × its stride (dma/mem_read/mem_write `addr`, expect `hpa`, map
// `iova` and `hpa`). A scalar stride applies to all three kinds.
struct RepeatStride {
  uint64_t addr = 0;
  uint64_t hpa = 0;
  uint64_t iova = 0;
  uint64_t offset = 0;  // register offset of mmio_read/mmio_write (only when written as a map)
  SourceMark mark;
};
struct RepeatStep {
  Located<uint64_t> count;
  RepeatStride stride;
  std::vector<Step> steps;
};

// ---- expectations -------------------------------------------------------------------------

struct FaultExpectation {
  Located<std::string> reason_text;  // as written ("LRT.3", "0x6", "6")
  FaultReason reason{};              // parsed (model/fault)
};

struct InterruptExpectation {
  std::optional<Located<uint32_t>> vector;
  std::optional<Located<uint32_t>> dest;
  std::optional<Located<int>> trigger;        // 0 edge, 1 level
  std::optional<Located<int>> delivery_mode;  // 0..7 (0 fixed, 1 lowest priority, ...)
  std::optional<Located<int>> dest_mode;      // 0 physical, 1 logical
};

struct PostedExpectation {
  std::optional<Located<uint64_t>> pda;
  std::optional<Located<uint32_t>> vector;
};

// One interrupt message of `expect: {messages: [...]}`: any subset of its fields.
// One page group response of `expect: {responses: [...]}`: any subset of its fields.
struct ResponseExpectation {
  std::optional<Located<SourceId>> sid;
  std::optional<Located<uint32_t>> pasid;  // the response carries this PASID (PP=1)
  std::optional<Located<uint16_t>> prgi;
  std::optional<Located<std::string>> code;  // success, invalid_request, response_failure
  std::optional<Located<std::string>> by;    // hardware, software
  SourceMark mark;
};

struct MessageExpectation {
  std::optional<Located<std::string>> event;  // fault_event, invalidation_event,
                                              // posted_notification
  std::optional<Located<uint64_t>> address;
  std::optional<Located<uint32_t>> data;
  std::optional<Located<uint32_t>> vector;
  std::optional<Located<uint32_t>> dest;
  SourceMark mark;
};

// `expect: {completion: {...}}` (extension): fields of the ATS translation completion
// (S §4.2.3) a translation request got, or of the device-TLB entry an `atc: true` access
// used; any subset.
struct CompletionExpectation {
  std::optional<Located<bool>> r, w, u, priv, exe, n, g;
  std::optional<Located<uint64_t>> address;  // translated address of the range
  std::optional<Located<uint64_t>> size;     // bytes (4K, 2M, ...)
};

// One `expect:`; the loader allows only the forms that fit the step's action.
struct Expect {
  std::optional<Located<uint64_t>> value;  // mmio_read, mem_read
  std::optional<Located<uint64_t>> mask;   // with value
  std::optional<Located<uint64_t>> hpa;    // dma
  // dma reads (extension): the bytes the device must read (`data:` as a map), or their
  // little-endian value (`data:` as a number, reads of at most 8 bytes).
  std::optional<Located<std::vector<uint8_t>>> data_bytes;
  std::optional<Located<uint64_t>> data_value;
  std::optional<FaultExpectation> fault;  // dma, interrupt
  std::optional<InterruptExpectation> interrupt;
  std::optional<PostedExpectation> posted;
  // dma and interrupt (extension): what the invalidation checker reports for this request:
  // "any" (some stale cache hit), "none", or a cache name ("iotlb", "context", "psc_pde",
  // "interrupt_entry", ...).
  std::optional<Located<std::string>> stale;
  // queue (extension): descriptors the head moved over, and the queue error the step raised
  // ("none", "iqe", "ice", "ite").
  std::optional<Located<uint64_t>> processed;
  std::optional<Located<std::string>> queue_error;
  std::optional<Located<uint64_t>> cycles;  // any step
  std::optional<Located<uint64_t>> cycles_max;
  // dma (extension): the translation completion (translation requests, `atc: true`), and
  // whether the device TLB held the address (`atc: hit|miss`, with `atc: true`).
  std::optional<CompletionExpectation> completion;
  std::optional<Located<bool>> atc_hit;
  // dma and interrupt (extension): whether the fault was recorded (FRCD written).
  std::optional<Located<bool>> recorded;
  // Any step (extension): exactly these interrupt messages, in order (empty: `none`).
  std::optional<std::vector<MessageExpectation>> messages;
  // page_request (extension): what became of the request ("queued", "overflow",
  // "write_error", "fault") and the address its descriptor was written at.
  std::optional<Located<std::string>> outcome;
  std::optional<Located<uint64_t>> at;
  // Any step (extension): exactly these page group responses reached devices, in order.
  std::optional<std::vector<ResponseExpectation>> responses;
  // Any step (extension): the step holds when one of these holds (together with the other
  // expectations of this map).
  std::vector<Expect> any_of;
  SourceMark mark;
};

// ---- steps --------------------------------------------------------------------------------

enum class ActionKind : uint8_t {
  kMmioWrite,
  kMmioRead,
  kMemWrite,
  kMemRead,
  kDma,
  kInterrupt,
  kMap,
  kEnable,
  kRepeat,
  kQueue,
  kIrte,
  kReset,
  kPageRequest,
};
// Alternatives in ActionKind order.
using Action =
    std::variant<MmioWrite, MmioRead, MemWrite, MemRead, Dma, Interrupt, MapStep, EnableStep,
                 RepeatStep, QueueStep, IrteStep, ResetStep, PageRequestStep>;

// The action's key in the file and in JSON output: "mmio_write", ..., "repeat", "queue",
// "irte".
absl::string_view ActionKindName(ActionKind kind);

struct Step {
  Action action;
  std::optional<Expect> expect;
  std::string label;
  SourceMark mark;

  ActionKind kind() const { return static_cast<ActionKind>(action.index()); }
};

// ---- the scenario -------------------------------------------------------------------------

struct Scenario {
  std::string file;  // the path it was loaded from, as given (the prefix of messages)
  Located<std::string> name;
  std::string description;
  std::vector<Located<std::string>> spec;  // sections, e.g. "3.4.3"
  Platform platform;
  std::vector<MemoryEntry> memory;
  std::vector<TimingEntry> timing;
  TablesConfig tables;
  std::vector<Step> steps;
  // Steps once every repeat is unrolled (what execution runs and numbers).
  uint64_t expanded_step_count = 0;

  std::string Where(SourceMark mark) const { return FormatLocation(file, mark); }
};

}  // namespace vtd::scenario

#endif  // VTDSIM_MODEL_SCENARIO_SCENARIO_H_
