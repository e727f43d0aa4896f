#include "model/scenario/explain.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "model/common/hex.h"
#include "model/fault/fault_reason.h"
#include "model/scenario/internal/explain_internal.h"
#include "model/translate/legacy_walk.h"

namespace vtd::scenario {
namespace internal {

std::vector<ExplainField> FieldsOf(const Json& decoded) {
  std::vector<ExplainField> fields;
  if (!decoded.is_object()) return fields;
  for (const auto& [key, value] : decoded.object()) {
    std::string v = value.Dump(-1);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    fields.push_back(ExplainField{key, std::move(v)});
  }
  return fields;
}

std::string FaultText(const Fault& fault, bool recorded,
                      const std::optional<FaultRecordEvent>& record) {
  const FaultReasonInfo& info = GetFaultReasonInfo(fault.reason);
  const FaultConditionInfo& condition = GetFaultConditionInfo(fault.condition);
  std::string text =
      absl::StrFormat("fault: reason %s (%s, %s) %s", FaultReasonHex(fault.reason),
                      condition.name.empty() ? std::string_view("-") : condition.name, info.symbol,
                      condition.description.empty() ? info.description : condition.description);
  absl::StrAppend(&text, info.family == FaultFamily::kInterrupt ? "; VT-d spec §5.1.4.1 Table 15"
                                                                : "; VT-d spec §7.1.3 Table 30");
  if (recorded) {
    if (record && record->frcd_index >= 0) {
      absl::StrAppend(&text, "; recorded in FRCD_REG[", record->frcd_index, "] (S §7.2.1)");
    } else {
      absl::StrAppend(&text, "; recorded (S §7.2.1)");
    }
  } else if (record && record->overflow) {
    absl::StrAppend(&text, "; not recorded: the fault-recording registers are full (FSTS.PFO)");
  } else if (fault.recoverable) {
    absl::StrAppend(&text,
                    "; not recorded: a translation request gets a Success completion "
                    "without permission instead (S §7.1.2)");
  } else if (fault.qualified && fault.fpd) {
    absl::StrAppend(&text, "; not recorded: qualified fault with FPD=1 (S §7.1.2)");
  } else {
    absl::StrAppend(&text, "; not recorded");
  }
  return text;
}

std::string CacheTitle(CacheKind cache) {
  switch (cache) {
    case CacheKind::kContext:
      return "context-cache";
    case CacheKind::kIotlb:
      return "IOTLB";
    case CacheKind::kPscPml5:
      return "PML5E paging-structure-cache";
    case CacheKind::kPscPml4:
      return "PML4E paging-structure-cache";
    case CacheKind::kPscPdpte:
      return "PDPTE paging-structure-cache";
    case CacheKind::kPscPde:
      return "PDE paging-structure-cache";
    case CacheKind::kPasid:
      return "PASID-cache";
    case CacheKind::kInterruptEntry:
      return "interrupt entry cache";
    default:
      return std::string(CacheKindName(cache));
  }
}

ExplainSplit SourceIdSplit(SourceId sid, int bus_color, int devfn_color) {
  ExplainSplit s;
  s.title = absl::StrFormat("source-id %s (requester id: bus, device, function)", sid);
  s.width_bits = 16;
  const uint16_t v = sid.value();
  s.fields.push_back(ExplainBits{15, 8, "bus", static_cast<uint64_t>(v >> 8), bus_color});
  s.fields.push_back(
      ExplainBits{7, 3, "device", static_cast<uint64_t>((v >> 3) & 0x1f), devfn_color});
  s.fields.push_back(ExplainBits{2, 0, "function", static_cast<uint64_t>(v & 7), devfn_color});
  return s;
}

std::string LevelName(int level) {
  switch (level) {
    case 5:
      return "PML5";
    case 4:
      return "PML4";
    case 3:
      return "PDPT";
    case 2:
      return "PD";
    default:
      return "PT";
  }
}

}  // namespace internal

namespace {

using internal::CacheTitle;
using internal::FieldsOf;
using internal::LevelName;

// Colours of the walk's entries (the SVG palette indexes): root, context, then one per
// second-stage level 5..1.
constexpr int kRootColor = 0;
constexpr int kContextColor = 1;
int LevelColor(int level) { return 2 + (5 - level); }
// Scalable mode: the PASID directory and PASID table entries (after the five levels).
constexpr int kPasidDirectoryColor = 7;
constexpr int kPasidTableColor = 8;

// In scalable mode the source-id picks the root entry by bus, its half by devfn bit 7 and the
// 32-byte context entry by devfn bits 6:0 (S §3.4.3, §9.2).
ExplainSplit ScalableSourceIdSplit(SourceId sid) {
  ExplainSplit s;
  s.title = absl::StrFormat("source-id %s (bus; devfn bit 7 picks the root entry's half)", sid);
  s.width_bits = 16;
  const uint16_t v = sid.value();
  s.fields.push_back(ExplainBits{15, 8, "bus", static_cast<uint64_t>(v >> 8), kRootColor});
  s.fields.push_back(ExplainBits{7, 7, (v & 0x80) != 0 ? "upper half" : "lower half",
                                 static_cast<uint64_t>((v >> 7) & 1), kRootColor});
  s.fields.push_back(
      ExplainBits{6, 0, "context index", static_cast<uint64_t>(v & 0x7f), kContextColor});
  return s;
}

// The PASID that chose the PASID directory entry (19:6) and PASID table entry (5:0), S §3.4.3.
ExplainSplit PasidSplit(uint32_t pasid, bool from_request) {
  ExplainSplit s;
  s.title = absl::StrFormat(
      "PASID %s (%s)", Hex(pasid),
      from_request ? "the request's" : "RID_PASID of the context entry: the request has none");
  s.width_bits = 20;
  s.fields.push_back(ExplainBits{19, 6, "directory index", static_cast<uint64_t>(pasid >> 6),
                                 kPasidDirectoryColor});
  s.fields.push_back(
      ExplainBits{5, 0, "table index", static_cast<uint64_t>(pasid & 0x3f), kPasidTableColor});
  return s;
}

std::string SizeText(uint64_t bytes) {
  if (bytes >= (uint64_t{1} << 30) && bytes % (uint64_t{1} << 30) == 0) {
    return absl::StrCat(bytes >> 30, " GiB");
  }
  if (bytes >= (uint64_t{1} << 20) && bytes % (uint64_t{1} << 20) == 0) {
    return absl::StrCat(bytes >> 20, " MiB");
  }
  return absl::StrCat(bytes >> 10, " KiB");
}

ExplainEntry WalkEntry(const WalkStep& step, const DmaRequest& request) {
  ExplainEntry e;
  e.title = StructureTitle(step.structure);
  if (step.level > 0) absl::StrAppend(&e.title, " (level ", step.level, ")");
  e.section = std::string(StructureSection(step.structure));
  std::string chooser;
  if (step.index_source == "iova") {
    chooser = absl::StrFormat("IOVA bits %d:%d of %s", step.index_bits.hi, step.index_bits.lo,
                              Hex(request.address));
    e.color = LevelColor(step.level);
  } else if (step.structure == "root_entry") {
    chooser = absl::StrFormat("bus 0x%02x = source-id bits %d:%d of %s", step.index,
                              step.index_bits.hi, step.index_bits.lo, request.source_id);
    e.color = kRootColor;
  } else if (step.structure == "sm_root_entry") {
    const bool upper = request.source_id.devfn() >= 0x80;
    chooser =
        absl::StrFormat("bus 0x%02x = source-id bits 15:8 of %s; devfn bit 7 = %d: the %s half, %s",
                        step.index, request.source_id, upper ? 1 : 0, upper ? "upper" : "lower",
                        upper ? "UP/UCTP for devfn 0x80-0xFF" : "LP/LCTP for devfn 0x00-0x7F");
    e.color = kRootColor;
  } else if (step.structure == "sm_context_entry") {
    chooser = absl::StrFormat(
        "devfn & 0x7F = source-id bits 6:0 of %s (device %d function %d), 32-byte entries",
        request.source_id, request.source_id.device(), request.source_id.function());
    e.color = kContextColor;
  } else if (step.structure == "pasid_directory_entry" || step.structure == "pasid_entry") {
    const bool directory = step.structure == "pasid_directory_entry";
    chooser = absl::StrFormat("PASID bits %d:%d of %s%s", step.index_bits.hi, step.index_bits.lo,
                              request.pasid ? Hex(*request.pasid) : std::string("RID_PASID"),
                              directory ? "" : ", 64-byte entries");
    e.color = directory ? kPasidDirectoryColor : kPasidTableColor;
  } else {
    chooser =
        absl::StrFormat("devfn 0x%02x = source-id bits %d:%d: device %d function %d", step.index,
                        step.index_bits.hi, step.index_bits.lo, step.index >> 3, step.index & 7);
    e.color = kContextColor;
  }
  e.chosen_by = absl::StrFormat("index %d (%s)", step.index, chooser);
  e.address = step.entry_address;
  e.fields = FieldsOf(step.decoded);
  if (e.fields.empty()) {
    e.mark = EntryMark::kNotRead;
  } else {
    e.raw.assign(step.raw.begin(), step.raw.begin() + step.raw_qwords);
  }
  return e;
}

// The IOVA split into the index fields the walk used, and the offset below the last one.
// With `first_stage_only` (nested walks), the second-stage steps index guest-physical
// addresses, not the IOVA, and are left out.
std::optional<ExplainSplit> IovaSplit(const DmaRequest& r, const DmaOutcome& out,
                                      bool first_stage_only) {
  ExplainSplit s;
  s.title = absl::StrCat("IOVA ", Hex(r.address), " (input address: one index per level)");
  int top = -1;
  int low = 12;
  for (const WalkStep& step : out.trace()) {
    if (step.index_source != "iova") continue;
    if (first_stage_only && !step.structure.starts_with("fs_")) continue;
    if (top < 0) top = step.index_bits.hi;
    s.fields.push_back(ExplainBits{
        step.index_bits.hi, step.index_bits.lo, absl::StrCat(LevelName(step.level), " index"),
        BitRange{step.index_bits.hi, step.index_bits.lo}.Get(r.address), LevelColor(step.level)});
    low = step.index_bits.lo;
  }
  // A paging-structure-cache hit skipped the upper levels: their indexes were the cache's tag.
  bool psc_hit = false;
  for (const CacheLookupEvent& e : out.cache_lookups()) {
    psc_hit |= e.hit && (e.cache == CacheKind::kPscPml5 || e.cache == CacheKind::kPscPml4 ||
                         e.cache == CacheKind::kPscPdpte || e.cache == CacheKind::kPscPde);
  }
  if (psc_hit && top >= 0 && top < 47) {
    s.fields.insert(s.fields.begin(),
                    ExplainBits{47, top + 1, "upper indexes (paging-structure-cache tag)",
                                BitRange{47, top + 1}.Get(r.address), -1});
    top = 47;
  }
  const std::optional<Translation>& t = out.result.translation;
  if (s.fields.empty()) {
    if (!t || t->leaf_level == 0 || t->page_size == 0) return std::nullopt;
    // An IOTLB hit: no index was read; the page number is the cached tag.
    low = std::countr_zero(t->page_size);
    top = 47;
    s.fields.push_back(ExplainBits{top, low, "page number (IOTLB tag)", r.address >> low, -1});
  } else if (t && t->leaf_level > 0 && t->page_size != 0) {
    low = std::countr_zero(t->page_size);
  }
  s.width_bits = top + 1;
  s.fields.push_back(
      ExplainBits{low - 1, 0, "offset in the page", r.address & ((uint64_t{1} << low) - 1), -1});
  return s;
}

// Nested: the first-stage output (a guest-physical address) split into the indexes of the
// second-stage walk that translated it.
std::optional<ExplainSplit> OutputGpaSplit(const WalkTrace& trace,
                                           const std::vector<internal::NestedRole>& roles) {
  ExplainSplit s;
  int low = 12;
  uint64_t gpa = 0;
  for (size_t i = 0; i < trace.size(); ++i) {
    if (roles[i].kind != internal::NestedRole::Kind::kOutputSecondStage) continue;
    const WalkStep& step = trace[i];
    gpa = roles[i].gpa;
    if (s.fields.empty()) s.width_bits = step.index_bits.hi + 1;
    s.fields.push_back(ExplainBits{step.index_bits.hi, step.index_bits.lo,
                                   absl::StrCat("SS-", LevelName(step.level), " index"),
                                   BitRange{step.index_bits.hi, step.index_bits.lo}.Get(gpa), -1});
    low = step.index_bits.lo;
    if (!step.decoded.is_object() || step.decoded.object().empty()) break;
  }
  if (s.fields.empty()) return std::nullopt;
  s.title =
      absl::StrCat("GPA ", Hex(gpa),
                   " (the first-stage output, guest-physical: one second-stage index per level)");
  s.fields.push_back(ExplainBits{low - 1, 0, "offset", gpa & ((uint64_t{1} << low) - 1), -1});
  return s;
}

// Collects the 2-D grid of a nested walk (explain_model.h) as the trace steps are explained.
class NestedGridBuilder {
 public:
  explicit NestedGridBuilder(int ss_levels) : ss_levels_(ss_levels) {}

  void Add(const internal::NestedRole& role, const WalkStep& step, int chain_index) {
    using Kind = internal::NestedRole::Kind;
    if (role.kind == Kind::kOther) return;
    ++reads_;
    const bool output = role.kind == Kind::kOutputSecondStage;
    ExplainGridRow& row = Row(output ? 0 : role.fs_level, role.gpa);
    if (role.kind == Kind::kFirstStage) {
      row.first_stage = chain_index;
      row.result = absl::StrCat("read at HPA ", Hex(step.entry_address));
      ++fs_reads_;
      return;
    }
    const int column = ss_levels_ - step.level;
    if (column >= 0 && column < static_cast<int>(row.second_stage.size())) {
      row.second_stage[column] = chain_index;
    }
  }

  std::optional<ExplainGrid> Finish(const TranslateResult& result, const DmaRequest& r) {
    if (rows_.empty()) return std::nullopt;
    ExplainGrid g;
    g.second_stage_levels = ss_levels_;
    for (auto& [level, row] : rows_) {
      if (level == 0) {
        row.result = result.translation ? absl::StrCat("HPA ", Hex(result.translation->hpa))
                     : result.fault ? absl::StrCat("fault ", FaultReasonHex(result.fault->reason))
                                    : std::string("not translated");
      } else if (row.first_stage < 0) {
        row.result = "not read";
      }
    }
    for (auto it = rows_.rbegin(); it != rows_.rend(); ++it) {
      if (it->first != 0) g.rows.push_back(std::move(it->second));
    }
    if (rows_.begin()->first == 0) g.rows.push_back(std::move(rows_.begin()->second));
    g.title = absl::StrFormat(
        "nested walk of %s: %d memory reads (%d first-stage entries, %d second-stage entries); "
        "a 4-level first stage over a 4-level second stage needs up to 24 (S §3.8)",
        Hex(r.address), reads_, fs_reads_, reads_ - fs_reads_);
    return g;
  }

 private:
  ExplainGridRow& Row(int level, uint64_t gpa) {
    auto [it, added] = rows_.try_emplace(level);
    if (added) {
      it->second.second_stage.assign(ss_levels_, -1);
      it->second.label = level == 0
                             ? absl::StrCat("output: GPA ", Hex(gpa))
                             : absl::StrFormat("%s at GPA %s", internal::FsTitle(level), Hex(gpa));
    }
    return it->second;
  }

  int ss_levels_;
  int reads_ = 0;
  int fs_reads_ = 0;
  std::map<int, ExplainGridRow> rows_;  // by first-stage level; 0 is the output
};

}  // namespace

Explanation ExplainDma(const DmaExplainInput& in) {
  Explanation x;
  x.kind = "dma";
  const DmaRequest& r = in.request;
  std::string what = r.type == RequestType::kTranslation
                         ? std::string("ATS translation request")
                         : absl::StrFormat("%s %s of %d bytes", RequestTypeName(r.type),
                                           AccessKindName(r.access), r.size);
  x.title = absl::StrFormat("%s at %s from %s", what, Hex(r.address), r.source_id);
  x.AddLine(absl::StrFormat(
      "request: %s at %s from %s (segment %d)%s", what, Hex(r.address), r.source_id, r.segment,
      r.pasid
          ? absl::StrCat(" with PASID ", Hex(*r.pasid), r.privileged ? ", supervisor (PR=1)" : "",
                         r.execute ? ", execute (ER=1)" : "")
          : ""));
  x.AddLine(absl::StrCat("routing: ", in.routing));
  if (in.unit_name.empty() || in.outcome == nullptr) {
    x.outcome = "no remapping unit: the request reaches memory untranslated at its own address";
    return x;
  }
  const DmaOutcome& out = *in.outcome;
  const bool scalable =
      in.root_table_latched && ((*in.root_table_latched >> 10) & 3) == 1;  // TTM=01b
  if (scalable) {
    x.splits.push_back(ScalableSourceIdSplit(r.source_id));
    // The PASID the lookup used: the request's, or (without one) what the directory and
    // table indexes read say RID_PASID was.
    std::optional<int> directory, table;
    for (const WalkStep& step : out.trace()) {
      if (step.structure == "pasid_directory_entry") directory = step.index;
      if (step.structure == "pasid_entry") table = step.index;
    }
    if (r.pasid) {
      x.splits.push_back(PasidSplit(*r.pasid, true));
    } else if (directory && table) {
      x.splits.push_back(PasidSplit(static_cast<uint32_t>(*directory << 6 | *table), false));
    }
  } else {
    x.splits.push_back(internal::SourceIdSplit(r.source_id, kRootColor, kContextColor));
  }
  const std::optional<internal::FirstStageView> fs = internal::FirstStageViewOf(out.trace());
  const bool nested = fs && fs->nested;
  const std::vector<internal::NestedRole> roles =
      fs ? internal::NestedRoles(*fs, out.trace(), r.address)
         : std::vector<internal::NestedRole>(out.trace().size());
  if (std::optional<ExplainSplit> iova = IovaSplit(r, out, nested)) {
    x.splits.push_back(*std::move(iova));
  }
  if (nested) {
    if (std::optional<ExplainSplit> gpa = OutputGpaSplit(out.trace(), roles)) {
      x.splits.push_back(*std::move(gpa));
    }
  }
  if (in.root_table_latched) {
    x.AddLine(absl::StrFormat(
        "%s: RTADDR_REG latched by the last GCMD.SRTP = %s: root table at %s, TTM %d%d (%s) "
        "(S §11.4.5)",
        in.unit_name, Hex(*in.root_table_latched), Hex(*in.root_table_latched & ~uint64_t{0xfff}),
        static_cast<int>((*in.root_table_latched >> 11) & 1),
        static_cast<int>((*in.root_table_latched >> 10) & 1),
        ((*in.root_table_latched >> 10) & 3) == 0   ? "legacy mode"
        : ((*in.root_table_latched >> 10) & 3) == 1 ? "scalable mode"
                                                    : "not legacy mode"));
  } else {
    x.AddLine(absl::StrFormat("%s: no root table latched yet (RTADDR_REG = %s, no SRTP)",
                              in.unit_name, Hex(in.rtaddr_register)));
  }
  if (!in.translation_enabled) {
    x.AddLine(absl::StrFormat(
        "%s: translation is disabled (GSTS.TES=0): DMA is not remapped (S §11.4.4.2)",
        in.unit_name));
  }
  // Cache lookups interleaved with the memory reads they led to (trace_position: how many
  // walk steps had been made when the lookup happened).
  size_t next_lookup = 0;
  auto lookups_until = [&](size_t position) {
    for (; next_lookup < out.cache_lookups().size() &&
           static_cast<size_t>(out.cache_lookups()[next_lookup].trace_position) <= position;
         ++next_lookup) {
      const CacheLookupEvent& e = out.cache_lookups()[next_lookup];
      ExplainEntry c;
      c.title = absl::StrCat(CacheTitle(e.cache), " lookup");
      c.chosen_by = absl::StrCat("tag ", Hex(e.tag));
      c.mark = e.hit ? EntryMark::kCacheHit : EntryMark::kCacheMiss;
      c.note = e.hit ? "hit: no memory read needed for it" : "miss";
      x.AddEntry(std::move(c),
                 absl::StrFormat("%s lookup (tag %s): %s", CacheTitle(e.cache), Hex(e.tag),
                                 e.hit ? "hit, no memory read needed for it" : "miss"));
    }
  };
  int last_read = -1;
  std::vector<int> chain_of_step(out.trace().size(), -1);
  NestedGridBuilder grid(fs ? fs->ss_levels : 0);
  bool walked_after_hit = false;
  for (size_t i = 0; i < out.trace().size(); ++i) {
    lookups_until(i);
    const WalkStep& step = out.trace()[i];
    const internal::NestedRole& role = roles[i];
    using Kind = internal::NestedRole::Kind;
    const bool ss_of_nested =
        role.kind == Kind::kTableSecondStage || role.kind == Kind::kOutputSecondStage;
    if (!walked_after_hit && role.kind != Kind::kOther) {
      walked_after_hit = true;
      for (size_t k = 0; k < next_lookup; ++k) {
        if (out.cache_lookups()[k].cache == CacheKind::kIotlb && out.cache_lookups()[k].hit) {
          x.AddLine(
              "the IOTLB entry does not serve this request: a first-stage entry grants write "
              "only if the walk that filled it set D, so a write walks again to set D in the "
              "leaf (S §3.6.2, §6.2.4)");
          break;
        }
      }
    }
    if (ss_of_nested && role.run_start) {
      x.AddLine(internal::SecondStageRunStart(*fs, role, r.address));
    }
    ExplainEntry e = WalkEntry(step, r);
    if (ss_of_nested) {
      e.chosen_by = internal::ExplainNestedChooser(step, role);
      e.color = role.kind == Kind::kTableSecondStage ? LevelColor(role.fs_level) : -1;
    }
    if (role.kind == Kind::kFirstStage && !e.fields.empty() &&
        std::none_of(e.fields.begin(), e.fields.end(),
                     [](const ExplainField& f) { return f.name == "xd"; })) {
      e.fields.push_back(ExplainField{"xd", "0"});
    }
    if (in.memory != nullptr && e.mark != EntryMark::kNotRead) {
      if (absl::StatusOr<uint64_t> now = in.memory->Read64(step.entry_address); now.ok()) {
        e.note = internal::AdBitsSet(step, *now);
      }
    }
    last_read = x.AddEntry(std::move(e));
    chain_of_step[i] = last_read;
    if (!nested) continue;
    grid.Add(role, step, last_read);
    if (ss_of_nested && role.run_end && i + 1 < out.trace().size() &&
        roles[i + 1].kind == Kind::kFirstStage) {
      x.AddLine(absl::StrFormat("-> HPA %s: the %s is read there",
                                Hex(out.trace()[i + 1].entry_address),
                                StructureTitle(out.trace()[i + 1].structure)));
    } else if (ss_of_nested && role.run_end && role.kind == Kind::kOutputSecondStage &&
               out.result.translation) {
      x.AddLine(absl::StrFormat("-> HPA %s: GPA %s -> HPA %s", Hex(out.result.translation->hpa),
                                Hex(role.gpa), Hex(out.result.translation->hpa)));
    }
  }
  lookups_until(out.trace().size() + out.cache_lookups().size());
  if (out.trace().empty()) x.AddLine("no structure was read from memory for this request");
  if (fs) {
    if (std::string rights = internal::FirstStageRights(*fs, out.trace(), r); !rights.empty()) {
      x.AddLine(std::move(rights));
    }
    if (nested) {
      if (std::string rights = internal::NestedRights(out.trace(), roles, out.result.translation);
          !rights.empty()) {
        x.AddLine(std::move(rights));
      }
      x.grid = grid.Finish(out.result, r);
      if (x.grid) x.AddLine(x.grid->title);
    }
  }
  for (const StaleEntryReport& s : out.stale()) {
    x.AddLine(absl::StrCat("invalidation checker: ", s.ToString()));
  }
  const TranslateResult& result = out.result;
  if (result.fault) {
    x.fault = true;
    x.outcome = internal::FaultText(*result.fault, out.recorded, out.fault_record);
    int at = last_read;
    if (!fs && (result.fault->condition == FaultCondition::kSpt6 ||
                result.fault->condition == FaultCondition::kSgn1)) {
      // Refused before any first-stage read, with the PASID entry from the PASID-cache.
      internal::FirstStageView unknown;
      unknown.from_pasid_cache = true;
      x.AddLine(internal::FirstStageFaultWhy(*result.fault, unknown, r));
    }
    if (fs) {
      if (std::string why = internal::FirstStageFaultWhy(*result.fault, *fs, r); !why.empty()) {
        x.AddLine(std::move(why));
      }
      const int rights =
          internal::FirstStageFaultEntry(*result.fault, *fs, out.trace(), roles, chain_of_step);
      if (rights >= 0) at = rights;
      if (nested) {
        // A rights fault (SGN.6) names no stage: the entry lacking the right does.
        bool second_stage = false;
        for (size_t i = 0; i < out.trace().size(); ++i) {
          second_stage |= chain_of_step[i] == rights && rights >= 0 &&
                          roles[i].kind == internal::NestedRole::Kind::kOutputSecondStage;
        }
        if (std::string stage = internal::NestedFaultStage(*result.fault, second_stage);
            !stage.empty()) {
          x.AddLine(absl::StrFormat(
              "nested: %s; the fault record's reason %s (%s) says which stage (S §7.1.3 "
              "Table 30), and FI holds the request's input address in both cases",
              stage, FaultReasonHex(result.fault->reason),
              FaultConditionName(result.fault->condition)));
        }
      }
    }
    if (at >= 0) {
      ExplainEntry& e = x.chain[at];
      if (e.mark != EntryMark::kNotRead) e.mark = EntryMark::kFault;
      const std::string here =
          absl::StrFormat("%s: fault %s (%s)",
                          at == last_read ? "the walk stopped here" : "the right is missing here",
                          FaultReasonHex(result.fault->reason),
                          FaultConditionName(result.fault->condition).empty()
                              ? std::string(FaultReasonSymbol(result.fault->reason))
                              : std::string(FaultConditionName(result.fault->condition)));
      e.note = e.note.empty() ? here : absl::StrCat(e.note, "; ", here);
    }
  } else if (out.blocked) {
    x.fault = true;
    x.outcome = absl::StrFormat("blocked by %s (completion %s)", out.blocked_by,
                                CompletionName(result.completion));
  } else if (result.translation) {
    const Translation& t = *result.translation;
    std::string how;
    if (t.tt == TranslationType::kPassThrough) {
      how = "pass-through context entry (TT=10b): the output address is the input address";
    } else if (t.leaf_level > 0) {
      how = absl::StrFormat("%s page at %s + offset %s", SizeText(t.page_size), Hex(t.page_base),
                            Hex(t.hpa - t.page_base));
    } else {
      how = "not translated";
    }
    x.outcome = absl::StrFormat("result: hpa %s (%s; domain %d, page permissions %s%s)", Hex(t.hpa),
                                how, t.did.value(), t.read ? "R" : "-", t.write ? "W" : "-");
  } else {
    x.outcome = absl::StrFormat("result: completion %s", CompletionName(result.completion));
  }
  return x;
}

}  // namespace vtd::scenario
