// First-stage (S §3.6) and nested (S §3.8) walks in a DMA's explanation: which entry each
// trace step is, the guest-physical address each second-stage walk of a nested request
// translated, the rights the first stage granted and their combination with the second
// stage, why a fault happened, and the 2-D grid of a nested walk. The walk itself is the
// translator's (first_stage_walk.h); this file only reads its trace.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/common/hex.h"
#include "model/fault/fault_reason.h"
#include "model/scenario/internal/explain_internal.h"
#include "model/structs/address_width.h"
#include "model/structs/first_stage_pte.h"
#include "model/structs/second_stage_pte.h"

namespace vtd::scenario::internal {
namespace {

bool IsFirstStage(const WalkStep& s) { return s.structure.starts_with("fs_"); }
bool IsSecondStage(const WalkStep& s) { return s.structure.starts_with("ss_"); }
bool WasRead(const WalkStep& s) { return s.decoded.is_object() && !s.decoded.object().empty(); }

std::optional<uint64_t> HexField(const Json& decoded, std::string_view key) {
  const Json* f = decoded.Find(key);
  if (f == nullptr) return std::nullopt;
  std::string v = f->Dump(-1);
  if (v.size() >= 2 && v.front() == '"') v = v.substr(1, v.size() - 2);
  if (absl::StartsWith(v, "0x")) v = v.substr(2);
  uint64_t out = 0;
  if (!absl::SimpleHexAtoi(v, &out)) return std::nullopt;
  return out;
}

std::optional<int> IntField(const Json& decoded, std::string_view key) {
  const Json* f = decoded.Find(key);
  if (f == nullptr) return std::nullopt;
  int out = 0;
  if (!absl::SimpleAtoi(f->Dump(-1), &out)) return std::nullopt;
  return out;
}

// The page base a leaf maps: ADDR above the page offset (bit 12 of a large first-stage leaf
// is PAT, S §9.7).
uint64_t LeafBase(uint64_t address_field, int level) {
  return address_field & ~(LevelPageSize(level) - 1);
}

// A PASID-cache hit leaves the PASID entry out of the trace: the walk's own steps say what
// it was. First-stage entries mean PGTT 001b, or 011b when second-stage entries come before
// the first one (they translated its address). FSPTPTR is the first first-stage entry's
// table, as a GPA put together from the second-stage indexes and the page offset of the
// host-physical address it was read at.
std::optional<FirstStageView> FirstStageViewFromWalk(const WalkTrace& trace) {
  size_t first_fs = 0;
  while (first_fs < trace.size() && !IsFirstStage(trace[first_fs])) ++first_fs;
  if (first_fs == trace.size()) return std::nullopt;
  const WalkStep& fs = trace[first_fs];
  FirstStageView v;
  v.from_pasid_cache = true;
  v.levels = fs.level;
  v.fs_root = fs.entry_address - uint64_t{8} * fs.index;
  size_t run = first_fs;
  while (run > 0 && IsSecondStage(trace[run - 1])) --run;
  if (run == first_fs) return v;
  v.nested = true;
  const WalkStep& top = trace[run];
  v.ss_levels = top.level;
  v.ss_root = top.entry_address - uint64_t{8} * top.index;
  uint64_t gpa = 0;
  for (size_t i = run; i < first_fs; ++i) {
    gpa |= static_cast<uint64_t>(trace[i].index) << LevelShift(trace[i].level);
  }
  gpa |= fs.entry_address & (LevelPageSize(trace[first_fs - 1].level) - 1);
  v.fs_root = gpa - uint64_t{8} * fs.index;
  return v;
}

}  // namespace

std::string FsTitle(int level) {
  static constexpr std::string_view kTitles[] = {"FS entry", "FS-PTE",   "FS-PDE",
                                                 "FS-PDPE",  "FS-PML4E", "FS-PML5E"};
  return std::string(level >= 1 && level <= 5 ? kTitles[level] : kTitles[0]);
}

std::optional<FirstStageView> FirstStageViewOf(const WalkTrace& trace) {
  for (const WalkStep& s : trace) {
    if (s.structure != "pasid_entry" || !WasRead(s)) continue;
    const Json* pgtt = s.decoded.Find("pgtt");
    if (pgtt == nullptr) return std::nullopt;
    const std::string type = pgtt->Dump(-1);
    FirstStageView v;
    if (type == "\"nested\"") {
      v.nested = true;
    } else if (type != "\"first_stage\"") {
      return std::nullopt;
    }
    v.levels = IntField(s.decoded, "fspm").value_or(0) == 1 ? 5 : 4;
    v.fs_root = HexField(s.decoded, "fsptptr").value_or(0);
    v.sre = IntField(s.decoded, "sre").value_or(0) != 0;
    v.wpe = IntField(s.decoded, "wpe").value_or(0) != 0;
    v.eafe = IntField(s.decoded, "eafe").value_or(0) != 0;
    v.ssade = IntField(s.decoded, "ssade").value_or(0) != 0;
    v.ss_root = HexField(s.decoded, "ssptptr").value_or(0);
    v.ss_levels = IntField(s.decoded, "aw").value_or(2) + 2;
    return v;
  }
  return FirstStageViewFromWalk(trace);
}

std::vector<NestedRole> NestedRoles(const FirstStageView& view, const WalkTrace& trace,
                                    uint64_t input) {
  std::vector<NestedRole> roles(trace.size());
  int next_level = view.levels;
  uint64_t table = view.fs_root;
  std::optional<uint64_t> output;  // the first-stage output, once the leaf was read
  for (size_t i = 0; i < trace.size(); ++i) {
    const WalkStep& s = trace[i];
    NestedRole& r = roles[i];
    if (IsFirstStage(s)) {
      r.kind = NestedRole::Kind::kFirstStage;
      r.fs_level = s.level;
      r.gpa = table + uint64_t{8} * LevelIndex(input, s.level);
      next_level = s.level - 1;
      if (WasRead(s)) {
        const uint64_t address = FirstStagePte::kAddress.InPlace(s.raw[0]);
        if (FirstStagePte::kPresent.Get(s.raw[0]) != 0 &&
            FirstStagePte::IsLeaf(s.raw[0], s.level)) {
          output = LeafBase(address, s.level) | (input & (LevelPageSize(s.level) - 1));
        }
        table = address;
      }
      continue;
    }
    if (!view.nested || !IsSecondStage(s)) continue;
    if (output) {
      r.kind = NestedRole::Kind::kOutputSecondStage;
      r.gpa = *output;
    } else {
      r.kind = NestedRole::Kind::kTableSecondStage;
      r.fs_level = next_level;
      r.gpa = table + uint64_t{8} * LevelIndex(input, next_level);
    }
    r.run_start = i == 0 || !IsSecondStage(trace[i - 1]);
    r.run_end = i + 1 == trace.size() || !IsSecondStage(trace[i + 1]);
  }
  return roles;
}

std::string AdBitsSet(const WalkStep& step, uint64_t after) {
  uint64_t a = 0, d = 0, ea = 0;
  if (IsFirstStage(step)) {
    a = FirstStagePte::kAccessed.mask();
    d = FirstStagePte::kDirty.mask();
    ea = FirstStagePte::kExtendedAccessed.mask();
  } else if (IsSecondStage(step)) {
    a = SecondStagePte::kAccessed.mask();
    d = SecondStagePte::kDirty.mask();
  } else {
    return "";
  }
  const uint64_t set = after & ~step.raw[0];
  std::vector<std::string> names;
  if (set & a) names.push_back(absl::StrCat("A (bit ", std::countr_zero(a), ")"));
  if (set & ea) names.push_back(absl::StrCat("EA (bit ", std::countr_zero(ea), ")"));
  if (set & d) names.push_back(absl::StrCat("D (bit ", std::countr_zero(d), ")"));
  if (names.empty()) return "";
  return absl::StrFormat("the walk set %s with a locked read-modify-write: now %s (S %s)",
                         absl::StrJoin(names, " and "), Hex(after),
                         IsFirstStage(step) ? "§3.6.2" : "§3.7.2");
}

std::string ExplainNestedChooser(const WalkStep& step, const NestedRole& role) {
  const int hi = step.index_bits.hi, lo = step.index_bits.lo;
  if (role.kind == NestedRole::Kind::kOutputSecondStage) {
    return absl::StrFormat("index %d (GPA bits %d:%d of the first-stage output %s)", step.index, hi,
                           lo, Hex(role.gpa));
  }
  return absl::StrFormat("index %d (GPA bits %d:%d of %s, where the %s is)", step.index, hi, lo,
                         Hex(role.gpa), FsTitle(role.fs_level));
}

std::string SecondStageRunStart(const FirstStageView& view, const NestedRole& role,
                                uint64_t input) {
  if (role.kind == NestedRole::Kind::kOutputSecondStage) {
    return absl::StrFormat(
        "second stage for the output (S §3.8): the first stage gave guest-physical %s; the "
        "request's own access goes through the second-stage tables at SSPTPTR %s",
        Hex(role.gpa), Hex(view.ss_root));
  }
  const int index = LevelIndex(input, role.fs_level);
  const std::string from =
      role.fs_level == view.levels
          ? absl::StrFormat("FSPTPTR %s", Hex(role.gpa - uint64_t{8} * index))
          : absl::StrFormat("ADDR %s of the %s", Hex(role.gpa - uint64_t{8} * index),
                            FsTitle(role.fs_level + 1));
  return absl::StrFormat(
      "second stage for the %s (S §3.8): its address %s + 8 x %d = %s is guest-physical; "
      "the second-stage tables at SSPTPTR %s translate it before the read",
      FsTitle(role.fs_level), from, index, Hex(role.gpa), Hex(view.ss_root));
}

std::string FirstStageRights(const FirstStageView& view, const WalkTrace& trace,
                             const DmaRequest& request) {
  std::vector<std::string> us, rw;
  bool user = true, write = true;
  int leaf = 0;
  for (const WalkStep& s : trace) {
    if (!IsFirstStage(s) || !WasRead(s)) continue;
    const bool u = FirstStagePte::kUser.Get(s.raw[0]) != 0;
    const bool w = FirstStagePte::kWrite.Get(s.raw[0]) != 0;
    us.push_back(u ? "1" : "0");
    rw.push_back(w ? "1" : "0");
    user = user && u;
    write = write && w;
    leaf = FirstStagePte::kPresent.Get(s.raw[0]) != 0 && FirstStagePte::IsLeaf(s.raw[0], s.level)
               ? s.level
               : 0;
  }
  if (us.empty() || leaf == 0) return "";
  std::string grant;
  if (request.privileged && view.from_pasid_cache) {
    grant =
        "a supervisor request (PR=1, SRE=1 in the cached PASID entry) may read, and write "
        "unless WPE=1 and some R/W=0";
  } else if (request.privileged) {
    grant = absl::StrFormat("a supervisor request (PR=1, SRE=%d) may read, and write %s (WPE=%d)",
                            view.sre ? 1 : 0,
                            !view.wpe ? "whatever R/W says"
                            : write   ? "as R/W=1 allows"
                                      : "not: WPE=1 and some R/W=0",
                            view.wpe ? 1 : 0);
  } else {
    grant = absl::StrFormat("a user request (PR=0) may %s",
                            !user   ? "do nothing: some U/S=0 (supervisor-only page)"
                            : write ? "read and write"
                                    : "read only: some R/W=0");
  }
  return absl::StrFormat(
      "first-stage rights (S §3.6.1): U/S %s and R/W %s from the top level down, ANDed: U/S=%d "
      "R/W=%d; %s; XD (bit 63) is ignored by 5.x hardware, which grants no execute permission",
      absl::StrJoin(us, ","), absl::StrJoin(rw, ","), user ? 1 : 0, write ? 1 : 0, grant);
}

std::string NestedRights(const WalkTrace& trace, const std::vector<NestedRole>& roles,
                         const std::optional<Translation>& translation) {
  bool r = true, w = true, any = false;
  for (size_t i = 0; i < trace.size(); ++i) {
    if (roles[i].kind != NestedRole::Kind::kOutputSecondStage || !WasRead(trace[i])) continue;
    any = true;
    r = r && SecondStagePte::kRead.Get(trace[i].raw[0]) != 0;
    w = w && SecondStagePte::kWrite.Get(trace[i].raw[0]) != 0;
  }
  if (!any) return "";
  std::string text = absl::StrFormat(
      "second-stage rights of the output page (S §3.7.1): R=%d W=%d over its levels", r ? 1 : 0,
      w ? 1 : 0);
  if (translation) {
    absl::StrAppendFormat(&text, "; combined with the first stage (ANDed, S §3.8, §6.2.4): %s%s",
                          translation->read ? "R" : "-", translation->write ? "W" : "-");
  }
  return text;
}

std::string FirstStageFaultWhy(const Fault& fault, const FirstStageView& view,
                               const DmaRequest& request) {
  switch (fault.condition) {
    case FaultCondition::kSpt6:
      return "why: a supervisor request (PR=1) and the PASID entry's SRE=0: supervisor "
             "requests are not enabled for this PASID (S §9.6 SRE, §3.6.1)";
    case FaultCondition::kSgn1:
      if (view.from_pasid_cache) {
        return absl::StrFormat(
            "why: %s is not canonical: bits 63:47 (4-level paging) or 63:56 (5-level) must all "
            "equal the bit below them (S §3.6)",
            Hex(request.address));
      }
      return absl::StrFormat(
          "why: %s is not canonical for %d-level paging: bits 63:%d must all equal bit %d "
          "(S §3.6)",
          Hex(request.address), view.levels, view.levels == 5 ? 56 : 47,
          view.levels == 5 ? 56 : 47);
    case FaultCondition::kSfs1:
    case FaultCondition::kSfs4:
      return "why: the first-stage entry could not be read (its address is beyond the host "
             "address width or outside memory) (S §3.6)";
    case FaultCondition::kSfs2:
      return "why: the first-stage entry has P=0: nothing is mapped there (S §3.6, §9.7)";
    case FaultCondition::kSfs3:
      return "why: a reserved bit is set in a present first-stage entry (S §9.7)";
    case FaultCondition::kSgn2:
      return "why: a user request (PR=0) met U/S=0 on its path: a supervisor-only page "
             "(S §3.6.1)";
    case FaultCondition::kSgn6:
      return view.nested ? "why: the write lacks write permission: R/W=0 on the first-stage path "
                           "(S §3.6.1) or W=0 in the second stage of the output (S §3.8)"
                         : "why: the write lacks write permission: R/W=0 on the first-stage "
                           "path (S §3.6.1)";
    case FaultCondition::kSgn7:
      return "why: the second stage gives the output page no read permission (S §3.8)";
    case FaultCondition::kSgn8_1:
      return "why: the output address is in the interrupt range FEEx_xxxxh (S §3.15)";
    case FaultCondition::kSfs5:
      return "why: nested: a first-stage ADDR is above the second stage's input width "
             "(2^X-1, X = min(MGAW, AW)) (S §3.8)";
    case FaultCondition::kSfs6:
      return "why: nested: the second stage does not let hardware read the first-stage root "
             "table (R, and W with SSADE) (S §3.8)";
    case FaultCondition::kSfs7:
      return "why: nested: the second stage does not let hardware read this first-stage table "
             "(R, and W with SSADE) (S §3.8)";
    case FaultCondition::kSfs8:
      return "why: nested: setting A/D in a first-stage entry is a write, and the second stage "
             "gives that table page no W (S §3.8)";
    case FaultCondition::kSfs9:
    case FaultCondition::kSss5:
      return "why: an Accessed/Dirty update is needed but page walks are not snooped "
             "(ECAP.SMPWCS=0 or the PASID entry's PWSNP=0) (S §3.6.2, §3.7.2)";
    case FaultCondition::kSfs10:
    case FaultCondition::kSss6:
      return "why: the Accessed/Dirty update could not be made (S §3.6.2, §3.7.2)";
    case FaultCondition::kSss1:
    case FaultCondition::kSss4:
      return "why: a second-stage entry could not be read (S §3.7)";
    case FaultCondition::kSss2:
      return "why: a second-stage entry has R=W=0, or the cumulative R and W are both gone: the "
             "guest-physical address is not mapped (S §3.7.1)";
    case FaultCondition::kSss3:
      return "why: a reserved bit is set in a second-stage entry with R or W set (S §3.7)";
    case FaultCondition::kSgn5:
      return "why: the guest-physical address is above the second stage's input width "
             "(S §3.7)";
    default:
      return "";
  }
}

std::string NestedFaultStage(const Fault& fault, bool second_stage_entry) {
  const std::string_view name = FaultConditionName(fault.condition);
  if (fault.condition == FaultCondition::kSgn6) {
    return second_stage_entry ? "the second stage (the host's tables) refused it"
                              : "the first stage (the guest's tables) refused it";
  }
  if (name.starts_with("SSS.") || fault.condition == FaultCondition::kSgn5 ||
      fault.condition == FaultCondition::kSgn7) {
    return "the second stage (the host's tables) refused it";
  }
  if (name.starts_with("SFS.") || fault.condition == FaultCondition::kSgn1 ||
      fault.condition == FaultCondition::kSgn2 || fault.condition == FaultCondition::kSpt6) {
    return "the first stage (the guest's tables) refused it";
  }
  return "";
}

int FirstStageFaultEntry(const Fault& fault, const FirstStageView& view, const WalkTrace& trace,
                         const std::vector<NestedRole>& roles,
                         const std::vector<int>& chain_of_step) {
  auto first = [&](auto pick) {
    for (size_t i = 0; i < trace.size(); ++i) {
      if (WasRead(trace[i]) && pick(i)) return chain_of_step[i];
    }
    return -1;
  };
  auto fs_bit_clear = [&](BitRange bit) {
    return first([&](size_t i) {
      return roles[i].kind == NestedRole::Kind::kFirstStage && bit.Get(trace[i].raw[0]) == 0;
    });
  };
  auto output_bit_clear = [&](BitRange bit) {
    return first([&](size_t i) {
      return roles[i].kind == NestedRole::Kind::kOutputSecondStage && bit.Get(trace[i].raw[0]) == 0;
    });
  };
  switch (fault.condition) {
    case FaultCondition::kSgn2:
      return fs_bit_clear(FirstStagePte::kUser);
    case FaultCondition::kSgn6: {
      const int fs = fs_bit_clear(FirstStagePte::kWrite);
      return fs >= 0 && (!fault.privileged || view.wpe) ? fs
                                                        : output_bit_clear(SecondStagePte::kWrite);
    }
    case FaultCondition::kSgn7:
      return output_bit_clear(SecondStagePte::kRead);
    default:
      return -1;
  }
}

}  // namespace vtd::scenario::internal
