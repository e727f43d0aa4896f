// One paging walker for every paging-structure format (VT-d spec §3.6 first stage, §3.7
// second stage, §3.8 nested), parameterised by the entry format, over a memory port.
//
// The format (e.g. SecondStageFormat) says how to read an entry: present, permission bits,
// leaf, next-table address, reserved bits at a level, and which fault condition each failure
// is (a legacy second-stage walk raises LCT.4.3/LSS.1/LSS.2; a scalable one SSS.4/SSS.1/
// SSS.3; a first-stage one SFS.4/SFS.1/SFS.3). The walker reads one entry per level from the
// start level down, accumulating permissions, and stops at a leaf, at an entry that is not
// present, or at the first level that lacks a permission the request needs.
//
// The memory port (WalkMemory) is the walker's only way to memory. It checks each table
// address against HAW, passes it through an optional table-address translator (nested
// translation: every first-stage table address is itself translated by the second stage)
// and can make the locked read-modify-write that Accessed/Dirty updates need. In this
// single-threaded model a locked RMW is a hardware read and a hardware write of the same
// qword, made together inside the port.
#ifndef VTDSIM_MODEL_TRANSLATE_PAGING_WALK_H_
#define VTDSIM_MODEL_TRANSLATE_PAGING_WALK_H_

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>

#include "model/fault/fault.h"
#include "model/memory/host_memory.h"
#include "model/structs/address_width.h"
#include "model/structs/second_stage_pte.h"
#include "model/translate/request.h"
#include "model/translate/translation.h"

namespace vtd {

// Translates the address of a paging table before it is read (nested translation, S §3.8:
// first-stage table addresses are guest-physical and go through the second stage). A fault
// from that translation ends the walk with it.
class TableAddressTranslator {
 public:
  virtual ~TableAddressTranslator() = default;
  // The HPA of table-entry address `address`; `write` for an A/D update of that entry.
  virtual FaultOr<uint64_t> TranslateTableAddress(uint64_t address, bool write) const = 0;
};

class WalkMemory {
 public:
  // Read-only walks (no A/D updates: legacy mode, SSADE=0).
  WalkMemory(const HostMemory& memory, int haw) : memory_(&memory), haw_(haw) {}
  // Walks that may update Accessed/Dirty bits.
  WalkMemory(HostMemory* memory, int haw) : memory_(memory), writable_(memory), haw_(haw) {}

  void set_table_translator(const TableAddressTranslator* translator) { translator_ = translator; }
  const TableAddressTranslator* table_translator() const { return translator_; }

  // Reads the qword at `address` (8-byte aligned): false, with no access made, if any byte
  // is at or above 2^HAW, and false if it is outside the memory (an "error accessing"
  // condition).
  bool Read(uint64_t address, MemoryAccessTag tag, uint64_t* out) const {
    if (!BelowWidth(address + 7, haw_)) return false;
    return memory_->HwReadAligned64(address, tag, out);
  }
  // 128-bit entries (root, context): one observed 16-byte access.
  bool Read128(uint64_t address, MemoryAccessTag tag, uint64_t out[2]) const {
    return Read128Pieces(address, 1, tag, out);
  }
  // Entries of `pieces` x 128 bits (scalable context 2, PASID 4), aligned to their size: one
  // observed 16-byte access per piece, one page look-up. HAW is a multiple of the page size,
  // so the entry is wholly below 2^HAW or wholly at or above it.
  bool Read128Pieces(uint64_t address, int pieces, MemoryAccessTag tag, uint64_t* out) const {
    if (!BelowWidth(address + 16 * pieces - 1, haw_)) return false;
    return memory_->HwReadAligned128Pieces(address, pieces, tag, out);
  }
  // The locked read-modify-write of an A/D update: reads the entry again and, if it still
  // equals `expected`, writes it with `set_bits` added. Returns false if the entry could not
  // be accessed or the port is read-only; `*now` receives the value the entry holds after.
  bool LockedSetBits(uint64_t address, uint64_t expected, uint64_t set_bits, MemoryAccessTag tag,
                     uint64_t* now);

  int haw() const { return haw_; }

 private:
  const HostMemory* memory_;
  HostMemory* writable_ = nullptr;
  const TableAddressTranslator* translator_ = nullptr;
  int haw_;
};

// Where to start: the top (the context's table pointer and level count) or a
// paging-structure-cache hit (the table its entry points to, the level below it, and the
// permissions accumulated above).
struct WalkStart {
  uint64_t table = 0;  // address of the table to read at `level`
  int level = 4;       // 5..1
  bool read = true;    // cumulative R of the levels above
  bool write = true;   // cumulative W of the levels above
  // false: the walk keeps no level records (record_count stays 0), for a caller that will
  // neither fill paging-structure caches nor update or check the entries it read.
  bool record_levels = true;
};
// One entry the walk read (non-leaf records are what paging-structure caches hold).
struct WalkLevelRecord {
  int level = 0;
  int index = 0;
  uint64_t entry_address = 0;
  uint64_t raw = 0;
};
inline constexpr int kMaxWalkRecords = kMaxPagingLevels;

struct PagingWalkResult {
  // True if the walk reached a leaf with the needed permissions; false if it stopped at
  // `level` because the entry was not present or the cumulative permission lacked what was
  // needed.
  bool complete = false;
  int level = 0;           // leaf level (1 = 4 KiB, 2 = 2 MiB, 3 = 1 GiB), or where it stopped
  bool read = false;       // cumulative R down to `level` (false if not present)
  bool write = false;      // cumulative W down to `level`
  uint64_t leaf_raw = 0;   // the last entry read, where the walk stopped (decode on demand)
  uint64_t page_base = 0;  // HPA of the page (complete walks)
  uint64_t page_size = 0;
  std::array<WalkLevelRecord, kMaxWalkRecords> records{};
  int record_count = 0;
};

// The second-stage entry format (S §9.8), legacy or scalable, with the fault conditions of
// its mode. The reserved-bit masks of every level are computed once, when the format is
// made (from the capabilities: HAW, ECAP.SC, CAP.SSLPS, the bit-62 meaning), so a walk
// checks an entry with one table look-up.
class SecondStageFormat {
 public:
  using Entry = SecondStagePte;

  SecondStageFormat(const SsPteFormat& pte, FaultCondition root_fetch_error,
                    FaultCondition fetch_error, FaultCondition reserved,
                    bool stop_without_access = false);
  static SecondStageFormat Legacy(const SsPteFormat& pte) {
    return SecondStageFormat(pte, FaultCondition::kLct4_3, FaultCondition::kLss1,
                             FaultCondition::kLss2);
  }
  // Scalable mode (PASID entry with PGTT 010b): SSS.4 at SSPTPTR, SSS.1 below, SSS.3.
  static SecondStageFormat Scalable(const SsPteFormat& pte) {
    return SecondStageFormat(pte, FaultCondition::kSss4, FaultCondition::kSss1,
                             FaultCondition::kSss3, true);
  }

  FaultCondition root_fetch_error;  // table at the top level
  FaultCondition fetch_error;       // tables below it
  FaultCondition reserved;
  // Scalable mode: the walk goes on to the leaf while some cumulative access (R or W) is
  // left, and stops only where none is (SSS.2); the request's permissions are checked on
  // the leaf (SGN.6/SGN.7). Legacy mode stops at the first level lacking a permission the
  // request needs.
  bool stop_without_access;

  const SsPteFormat& pte() const { return pte_; }

  static constexpr MemoryAccessKind kAccessKind = MemoryAccessKind::kSecondStageEntry;
  static std::string_view LevelName(int level);  // "ss_pte" ... "ss_pml5e"
  static bool Readable(uint64_t raw) { return SecondStagePte::kRead.Get(raw) != 0; }
  static bool Writable(uint64_t raw) { return SecondStagePte::kWrite.Get(raw) != 0; }
  // R=W=0: not present (S §3.7.1).
  static bool Present(uint64_t raw) { return Readable(raw) || Writable(raw); }
  static bool IsLeaf(uint64_t raw, int level) {
    return level == 1 || ((level == 2 || level == 3) && SecondStagePte::kPageSize.Get(raw) != 0);
  }
  static uint64_t Address(uint64_t raw) { return SecondStagePte::kAddress.InPlace(raw); }
  // SecondStagePte::ReservedBits(raw, level, pte()), from the precomputed masks (the mask
  // depends on the entry only through PS).
  uint64_t ReservedBits(uint64_t raw, int level) const {
    return raw & reserved_masks_[2 * level + SecondStagePte::kPageSize.Get(raw)];
  }
  static Entry Decode(uint64_t raw) { return SecondStagePte::Decode(raw); }
  static Json ToJson(uint64_t raw, int level) { return SecondStagePte::Decode(raw).ToJson(level); }

 private:
  SsPteFormat pte_;
  // [2 * level + PS], levels 1..5 (entries of level 0 are unused).
  std::array<uint64_t, 2 * (kMaxPagingLevels + 1)> reserved_masks_{};
};

// Walks from `start` for input address `iova` into `*result` (every field set). `top_level`
// is the context's level count: a fetch error there is the format's root_fetch_error, below
// it fetch_error. Reserved bits in a present entry are the format's `reserved`. Returns the
// fault that ended the walk (its fields from `request` and `fpd`), or nullopt. Bounded by
// the level count, so self-referencing tables cannot loop. `trace`, when given, receives one
// step per entry read.
template <typename Format>
std::optional<Fault> WalkPagingInto(const Format& format, const WalkMemory& memory,
                                    const WalkStart& start, int top_level, uint64_t iova,
                                    RequestNeeds needs, const DmaRequest& request, bool fpd,
                                    WalkTrace* trace, PagingWalkResult* result);
// The same, returning the result or the fault.
template <typename Format>
FaultOr<PagingWalkResult> WalkPaging(const Format& format, const WalkMemory& memory,
                                     const WalkStart& start, int top_level, uint64_t iova,
                                     RequestNeeds needs, const DmaRequest& request, bool fpd,
                                     WalkTrace* trace) {
  PagingWalkResult result;
  if (std::optional<Fault> fault = WalkPagingInto(format, memory, start, top_level, iova, needs,
                                                  request, fpd, trace, &result)) {
    return *std::move(fault);
  }
  return result;
}

// Appends one walk step to `trace` (shared by every walk of the model).
void AddWalkStep(WalkTrace* trace, std::string_view structure, int level, int index,
                 std::string_view source, BitRange bits, uint64_t address, const uint64_t* raw,
                 int qwords, Json decoded);

// Reads the root entry of the requester's bus, in either root-table format (`Root`: legacy
// RootEntry, S §9.1, or ScalableRootEntry, S §9.2; 128 bits, one per bus at RTA + 16 x bus),
// and adds its walk step named `structure`. Sets `*address`, `*raw` and `*root` (decoded
// from zeros when the read failed); returns whether the read succeeded.
template <typename Root>
bool ReadRootEntry(const WalkConfig& config, const WalkMemory& port, SourceId sid,
                   std::string_view structure, WalkTrace* trace, uint64_t* address,
                   std::array<uint64_t, 2>* raw, Root* root) {
  *address = config.root_table() + uint64_t{16} * sid.bus();
  uint64_t words[2] = {0, 0};
  const bool ok = port.Read128(*address, {MemoryAccessKind::kRootEntry, 0}, words);
  *root = Root::Decode(words[0], words[1]);
  *raw = {words[0], words[1]};
  if (trace != nullptr) {
    AddWalkStep(trace, structure, 0, sid.bus(), "sid", {15, 8}, *address, ok ? words : nullptr, 2,
                ok ? root->ToJson() : Json::MakeObject());
  }
  return ok;
}

// ---- Implementation.

template <typename Format>
std::optional<Fault> WalkPagingInto(const Format& format, const WalkMemory& memory,
                                    const WalkStart& start, int top_level, uint64_t iova,
                                    RequestNeeds needs, const DmaRequest& request, bool fpd,
                                    WalkTrace* trace, PagingWalkResult* result) {
  PagingWalkResult& r = *result;
  r.complete = false;
  r.level = 0;
  r.read = r.write = false;
  r.leaf_raw = 0;
  r.page_base = r.page_size = 0;
  r.record_count = 0;
  uint64_t table = start.table;
  bool read = start.read;
  bool write = start.write;
  const TableAddressTranslator* translator = memory.table_translator();
  for (int level = start.level; level >= 1; --level) {
    const int shift = LevelShift(level);
    const int index = static_cast<int>((iova >> shift) & 0x1ff);
    uint64_t address = table + uint64_t{8} * index;
    uint64_t raw = 0;
    if (translator != nullptr) {
      FaultOr<uint64_t> hpa = translator->TranslateTableAddress(address, /*write=*/false);
      if (!hpa.ok()) return hpa.fault();
      address = hpa.value();
    }
    const bool ok = memory.Read(address, {Format::kAccessKind, static_cast<int8_t>(level)}, &raw);
    if (trace != nullptr) {
      AddWalkStep(trace, Format::LevelName(level), level, index, "iova", {shift + 8, shift},
                  address, ok ? &raw : nullptr, 1,
                  ok ? Format::ToJson(raw, level) : Json::MakeObject());
    }
    if (!ok) {
      return MakeFault(level == top_level ? format.root_fetch_error : format.fetch_error, request,
                       fpd);
    }
    if (start.record_levels) r.records[r.record_count++] = {level, index, address, raw};
    r.level = level;
    r.leaf_raw = raw;
    if (!Format::Present(raw)) {  // the walk cannot continue
      r.read = r.write = false;
      return std::nullopt;
    }
    if (format.ReservedBits(raw, level) != 0) return MakeFault(format.reserved, request, fpd);
    read = read && Format::Readable(raw);
    write = write && Format::Writable(raw);
    r.read = read;
    r.write = write;
    bool stop = (needs.read && !read) || (needs.write && !write);
    if constexpr (requires { format.stop_without_access; }) {
      if (format.stop_without_access) stop = !read && !write;
    }
    if (stop) return std::nullopt;
    const uint64_t next = Format::Address(raw);
    if (Format::IsLeaf(raw, level)) {
      r.complete = true;
      r.page_size = LevelPageSize(level);
      r.page_base = next & ~(r.page_size - 1);
      return std::nullopt;
    }
    table = next;
  }
  return std::nullopt;  // start.level < 1: nothing walked
}

}  // namespace vtd

#endif  // VTDSIM_MODEL_TRANSLATE_PAGING_WALK_H_
