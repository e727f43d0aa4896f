#include "model/translate/first_stage_walk.h"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

namespace vtd {
namespace {

constexpr uint64_t kFsAccessed = FirstStagePte::kAccessed.mask();
constexpr uint64_t kFsExtendedAccessed = FirstStagePte::kExtendedAccessed.mask();
constexpr uint64_t kFsDirty = FirstStagePte::kDirty.mask();
constexpr uint64_t kSsAccessed = SecondStagePte::kAccessed.mask();
constexpr uint64_t kSsDirty = SecondStagePte::kDirty.mask();

// One second-stage walk of a guest-physical address (a first-stage table address or the
// first-stage output): the host-physical address, and the walk (its cumulative R/W and the
// entries used).
struct SsOutcome {
  uint64_t hpa = 0;
  PagingWalkResult walk;
};

// S §3.7 through the nested second stage, into `*out`: SGN.5 above the input width
// X = min(MGAW, AGAW), SSS.1/3/4 from the walk, SSS.2 where an entry is not present or
// neither R nor W is left.
std::optional<Fault> WalkNestedSecondStage(const SecondStageFormat& format,
                                           const SecondStageParams& ss, const WalkMemory& port,
                                           uint64_t gpa, const DmaRequest& request, bool fpd,
                                           WalkTrace* trace, SsOutcome* out) {
  if (!BelowWidth(gpa, ss.input_width)) return MakeFault(FaultCondition::kSgn5, request, fpd);
  if (std::optional<Fault> fault =
          WalkPagingInto(format, port, WalkStart{ss.root, ss.levels}, ss.levels, gpa,
                         RequestNeeds{}, request, fpd, trace, &out->walk)) {
    return fault;
  }
  if (!out->walk.complete) return MakeFault(FaultCondition::kSss2, request, fpd);
  out->hpa = out->walk.page_base | (gpa & (out->walk.page_size - 1));
  return std::nullopt;
}

// Nested translation of first-stage table addresses (S §3.8). The walker asks once per level,
// from the top level down, so the n-th call is for the entry at level top - n; the second-
// stage walks are kept for the A/D updates made after the first-stage walk. One translator
// serves one walk.
class NestedTableTranslator : public TableAddressTranslator {
 public:
  NestedTableTranslator(const SecondStageFormat* format, const TranslationContext& context,
                        const WalkMemory& port, const DmaRequest& request, WalkTrace* trace)
      : format_(format), context_(context), port_(port), request_(request), trace_(trace) {}

  FaultOr<uint64_t> TranslateTableAddress(uint64_t address, bool /*write*/) const override {
    const bool top = calls_ == 0;
    const bool fpd = context_.fpd;
    // Below the top, the table address is the previous first-stage entry's ADDR (SFS.5).
    if (!top && !BelowWidth(address, context_.ss.input_width)) {
      return MakeFault(FaultCondition::kSfs5, request_, fpd);
    }
    SsOutcome& ss = walks_[calls_];
    if (std::optional<Fault> fault = WalkNestedSecondStage(*format_, context_.ss, port_, address,
                                                           request_, fpd, trace_, &ss)) {
      return *std::move(fault);
    }
    // Reading a first-stage entry needs second-stage R, and W too with SSADE (§3.8).
    if (!ss.walk.read || (context_.ss.ad_enabled && !ss.walk.write)) {
      return MakeFault(top ? FaultCondition::kSfs6 : FaultCondition::kSfs7, request_, fpd);
    }
    ++calls_;
    return ss.hpa;
  }

  const SsOutcome& walk(int step) const { return walks_[step]; }

 private:
  const SecondStageFormat* format_;  // set when the walk is nested
  const TranslationContext& context_;
  const WalkMemory& port_;
  const DmaRequest& request_;
  WalkTrace* trace_;
  mutable int calls_ = 0;
  mutable std::array<SsOutcome, kMaxPagingLevels> walks_;
};

// The A/D updates of one request, made in walk order with the port's locked RMW. Entries the
// walk read may be updated twice (an entry used at two levels, or a first-stage entry that is
// also a second-stage entry), so the value an update starts from is the last one written.
class AdUpdater {
 public:
  AdUpdater(WalkMemory& port, bool snooped) : port_(port), snooped_(snooped) {}

  // The bits of `set_bits` the entry at `address` (read by the walk as `raw`) still lacks.
  uint64_t Missing(uint64_t address, uint64_t raw, uint64_t set_bits) const {
    for (int i = count_ - 1; i >= 0; --i) {
      if (written_[i].address == address) return set_bits & ~written_[i].value;
    }
    return set_bits & ~raw;
  }
  bool snooped() const { return snooped_; }

  // Sets `set_bits`; false if the update could not be made.
  bool Set(uint64_t address, uint64_t raw, uint64_t set_bits, MemoryAccessTag tag) {
    uint64_t current = raw;
    for (int i = count_ - 1; i >= 0; --i) {
      if (written_[i].address == address) {
        current = written_[i].value;
        break;
      }
    }
    uint64_t now = 0;
    if (!port_.LockedSetBits(address, current, set_bits, tag, &now) ||
        (now & set_bits) != set_bits) {
      return false;
    }
    if (count_ < static_cast<int>(written_.size())) written_[count_++] = {address, now};
    return true;
  }

 private:
  WalkMemory& port_;
  bool snooped_;
  struct Written {
    uint64_t address;
    uint64_t value;
  };
  // At most one update per entry read: 5 first-stage entries, 5 second-stage walks of 5
  // entries for their tables and one for the output. Only the first count_ are set (left
  // uninitialized otherwise: a walk that updates nothing does not clear 560 bytes).
  std::array<Written, 5 + 6 * kMaxPagingLevels> written_;
  int count_ = 0;
};

// SSADE updates of one second-stage walk: A in every entry, D in the leaf when `dirty`.
// SSS.5 when an update is needed and walks are not snooped, SSS.6 when one fails.
std::optional<FaultCondition> UpdateSecondStage(AdUpdater& updater, const PagingWalkResult& walk,
                                                bool dirty) {
  bool needed = false;
  for (int i = 0; i < walk.record_count; ++i) {
    const uint64_t bits = kSsAccessed | (dirty && i + 1 == walk.record_count ? kSsDirty : 0);
    needed = needed || updater.Missing(walk.records[i].entry_address, walk.records[i].raw, bits);
  }
  if (!needed) return std::nullopt;
  if (!updater.snooped()) return FaultCondition::kSss5;
  for (int i = 0; i < walk.record_count; ++i) {
    const WalkLevelRecord& r = walk.records[i];
    const uint64_t bits = kSsAccessed | (dirty && i + 1 == walk.record_count ? kSsDirty : 0);
    if (updater.Missing(r.entry_address, r.raw, bits) == 0) continue;
    const MemoryAccessTag tag{MemoryAccessKind::kSecondStageEntry, static_cast<int8_t>(r.level)};
    if (!updater.Set(r.entry_address, r.raw, bits, tag)) return FaultCondition::kSss6;
  }
  return std::nullopt;
}

}  // namespace

std::string_view FirstStageFormat::LevelName(int level) {
  static constexpr std::string_view kNames[] = {"",        "fs_pte",   "fs_pde",
                                                "fs_pdpe", "fs_pml4e", "fs_pml5e"};
  return level >= 1 && level <= 5 ? kNames[level] : std::string_view("fs_entry");
}

Json FirstStageFormat::ToJson(uint64_t raw, int level) {
  absl::StatusOr<FirstStagePte> e = FirstStagePte::Decode(raw, level);
  return e.ok() ? e->ToJson() : Json::MakeObject();
}

SecondStageFormat ScalableSecondStageFormat(const SsPteFormat& pte) {
  return SecondStageFormat::Scalable(pte);
}

bool FirstStageAccessDenied(bool user_path, bool write_path, bool privileged, bool write_protect,
                            AccessKind access, FaultCondition* condition) {
  const bool writes = access != AccessKind::kRead;
  if (!privileged && !user_path) {
    *condition = FaultCondition::kSgn2;
    return true;
  }
  if (writes && !write_path && (!privileged || write_protect)) {
    *condition = FaultCondition::kSgn6;
    return true;
  }
  return false;
}

FaultOr<TranslationLeaf> TranslateFirstStage(const FirstStageWalkConfig& config,
                                             const TranslationContext& context, WalkMemory& memory,
                                             const DmaRequest& request, WalkTrace* trace) {
  const bool fpd = context.fpd;
  const FirstStageParams& fs = context.fs;
  const bool nested = context.kind == TranslationKind::kNested;
  const bool translation = request.type == RequestType::kTranslation;
  // SPT.6: supervisor requests need SRE in the PASID entry.
  if (request.privileged && !fs.supervisor_requests) {
    return MakeFault(FaultCondition::kSpt6, request, fpd);
  }
  if (!IsCanonical(request.address, fs.levels)) {
    return MakeFault(FaultCondition::kSgn1, request, fpd);
  }

  // The second stage reads host-physical tables: its port has no table translator.
  WalkMemory ss_port = memory;
  ss_port.set_table_translator(nullptr);
  // Made for nested walks only (the format's reserved masks are computed when it is made; the
  // translator keeps five second-stage walks).
  std::optional<SecondStageFormat> ss_format;
  std::optional<NestedTableTranslator> translator;
  WalkMemory fs_port = memory;
  if (nested) {
    ss_format.emplace(ScalableSecondStageFormat(config.ss_pte));
    translator.emplace(&*ss_format, context, ss_port, request, trace);
    fs_port.set_table_translator(&*translator);
  } else {
    fs_port.set_table_translator(nullptr);
  }

  const FirstStageFormat format{FsPteFormat{config.haw, config.fs_1g}};
  PagingWalkResult result;
  if (std::optional<Fault> fault =
          WalkPagingInto(format, fs_port, WalkStart{fs.root, fs.levels}, fs.levels, request.address,
                         RequestNeeds{}, request, fpd, trace, &result)) {
    return *std::move(fault);
  }
  const PagingWalkResult* walk = &result;
  // With no needs given, the walk stops early only at an entry with P=0.
  if (!walk->complete) return MakeFault(FaultCondition::kSfs2, request, fpd);
  if (nested && !BelowWidth(walk->page_base, context.ss.input_width)) {
    return MakeFault(FaultCondition::kSfs5, request, fpd);
  }
  bool user_path = true;
  for (int i = 0; i < walk->record_count; ++i) {
    user_path = user_path && FirstStagePte::kUser.Get(walk->records[i].raw) != 0;
  }
  const bool write_path = walk->write;
  const bool reads = translation || request.access != AccessKind::kWrite;
  const bool writes = !translation && request.access != AccessKind::kRead;
  if (!translation) {
    FaultCondition denied;
    if (FirstStageAccessDenied(user_path, write_path, request.privileged, fs.write_protect,
                               request.access, &denied)) {
      return MakeFault(denied, request, fpd);
    }
  }

  const uint64_t page_size = walk->page_size;
  const uint64_t gpa = walk->page_base | (request.address & (page_size - 1));
  TranslationLeaf leaf;
  leaf.complete = true;
  leaf.level = static_cast<uint8_t>(walk->level);
  leaf.user = user_path;
  leaf.read = request.privileged || user_path;
  leaf.write = request.privileged ? (!fs.write_protect || write_path) : (user_path && write_path);
  const uint64_t fs_leaf = walk->leaf_raw;
  const bool pat =
      (walk->level == 1 ? FirstStagePte::kBit7 : FirstStagePte::kLargePat).Get(fs_leaf) != 0;
  leaf.pat_index =
      static_cast<uint8_t>((pat ? 4 : 0) | (FirstStagePte::kPcd.Get(fs_leaf) != 0 ? 2 : 0) |
                           (FirstStagePte::kPwt.Get(fs_leaf) != 0 ? 1 : 0));
  leaf.stages = kStageFirst;
  uint64_t hpa = gpa;
  SsOutcome last;
  if (nested) {
    // The output is guest-physical: the request's own access through the second stage.
    if (std::optional<Fault> fault = WalkNestedSecondStage(*ss_format, context.ss, ss_port, gpa,
                                                           request, fpd, trace, &last)) {
      return *std::move(fault);
    }
    if (!translation) {
      if (reads && !last.walk.read) return MakeFault(FaultCondition::kSgn7, request, fpd);
      if (writes && !last.walk.write) return MakeFault(FaultCondition::kSgn6, request, fpd);
    }
    leaf.read = leaf.read && last.walk.read;
    leaf.write = leaf.write && last.walk.write;
    const uint64_t ss_leaf = last.walk.leaf_raw;
    leaf.emt = static_cast<uint8_t>(SecondStagePte::kEmt.Get(ss_leaf));
    leaf.ipat = SecondStagePte::kIpat.Get(ss_leaf) != 0;
    leaf.snoop = config.ss_pte.snoop_control && SecondStagePte::kSnoop.Get(ss_leaf) != 0;
    leaf.stages = kStageFirst | kStageSecond;
    hpa = last.hpa;
  }
  // The page is the smaller of the two stages' pages around the output.
  uint64_t out_page_size = page_size;
  if (nested) {
    const int ss_level = last.walk.level;
    if (ss_level < walk->level) {
      out_page_size = LevelPageSize(ss_level);
      leaf.level = static_cast<uint8_t>(ss_level);
    }
  }
  leaf.page_base = hpa & ~(out_page_size - 1);
  if (!translation && OverlapsInterruptRange(hpa, std::max(request.size, 1))) {
    return MakeFault(FaultCondition::kSgn8_1, request, fpd);
  }
  if (translation && (leaf.read || leaf.write) &&
      OverlapsInterruptRange(leaf.page_base, out_page_size)) {
    return MakeFault(FaultCondition::kSgn8_2, request, fpd);
  }

  // Accessed/Dirty (S §3.6.2, §3.7.2): in walk order, for each first-stage entry the
  // second-stage entries that located it (SSADE; D when the first-stage entry is written),
  // then its own A (and EA with EAFE), D in the leaf when the request writes; last the
  // second-stage entries of the output. A translation request that is given write
  // permission sets D as a write would (the device may write without asking again).
  const bool dirty =
      writes || (translation && leaf.write && !(request.no_write && config.honour_no_write));
  AdUpdater updater(memory, config.page_walk_snoop);
  const uint64_t accessed = kFsAccessed | (fs.extended_access ? kFsExtendedAccessed : 0);
  for (int i = 0; i < walk->record_count; ++i) {
    const WalkLevelRecord& r = walk->records[i];
    const bool is_leaf = i + 1 == walk->record_count;
    const uint64_t bits = accessed | (is_leaf && dirty ? kFsDirty : 0);
    const bool fs_needed = updater.Missing(r.entry_address, r.raw, bits) != 0;
    if (nested) {
      const SsOutcome& located = translator->walk(i);
      if (fs_needed && !located.walk.write) return MakeFault(FaultCondition::kSfs8, request, fpd);
      if (context.ss.ad_enabled) {
        if (auto c = UpdateSecondStage(updater, located.walk, fs_needed)) {
          return MakeFault(*c, request, fpd);
        }
      }
    }
    if (!fs_needed) continue;
    if (!updater.snooped()) return MakeFault(FaultCondition::kSfs9, request, fpd);
    const MemoryAccessTag tag{MemoryAccessKind::kFirstStageEntry, static_cast<int8_t>(r.level)};
    if (!updater.Set(r.entry_address, r.raw, bits, tag)) {
      return MakeFault(FaultCondition::kSfs10, request, fpd);
    }
  }
  if (nested && context.ss.ad_enabled) {
    if (auto c = UpdateSecondStage(updater, last.walk, dirty)) return MakeFault(*c, request, fpd);
  }
  return leaf;
}

}  // namespace vtd
