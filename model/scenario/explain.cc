#include "model/scenario/explain.h"

#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/common/hex.h"
#include "model/fault/fault_reason.h"
#include "model/translate/legacy_walk.h"

namespace vtd::scenario {
namespace {

// "p=1 ctp=0x3000" from a decoded entry (strings unquoted).
std::string Fields(const Json& decoded) {
  if (!decoded.is_object() || decoded.object().empty()) return "(not decoded)";
  std::vector<std::string> parts;
  for (const auto& [key, value] : decoded.object()) {
    std::string v = value.Dump(-1);
    if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
    parts.push_back(absl::StrCat(key, "=", v));
  }
  return absl::StrJoin(parts, " ");
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

std::string StepLine(const WalkStep& step, const DmaRequest& request) {
  std::string title = StructureTitle(step.structure);
  if (step.level > 0) absl::StrAppend(&title, " (level ", step.level, ")");
  std::string chooser;
  if (step.index_source == "iova") {
    chooser = absl::StrFormat("IOVA bits %d:%d of %s", step.index_bits.hi, step.index_bits.lo,
                              Hex(request.address));
  } else if (step.structure == "root_entry") {
    chooser = absl::StrFormat("bus 0x%02x = source-id bits %d:%d of %s", step.index,
                              step.index_bits.hi, step.index_bits.lo, request.source_id);
  } else {
    chooser =
        absl::StrFormat("devfn 0x%02x = source-id bits %d:%d: device %d function %d", step.index,
                        step.index_bits.hi, step.index_bits.lo, step.index >> 3, step.index & 7);
  }
  std::string raw = step.raw_qwords == 2 ? absl::StrFormat("%s:%016x (bits 127:64 : 63:0)",
                                                           Hex(step.raw[1]), step.raw[0])
                                         : Hex(step.raw[0]);
  const bool fetched = step.decoded.is_object() && !step.decoded.object().empty();
  return absl::StrFormat("%s: index %d (%s) -> entry at %s %s", title, step.index, chooser,
                         Hex(step.entry_address),
                         fetched ? absl::StrCat("= ", raw, ": ", Fields(step.decoded))
                                 : std::string("could not be read"));
}

std::string FaultLines(const Fault& fault, bool recorded,
                       const std::optional<FaultRecordEvent>& record) {
  const FaultReasonInfo& info = GetFaultReasonInfo(fault.reason);
  std::string where;
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
    default:
      return std::string(CacheKindName(cache));
  }
}

}  // namespace

std::string StructureTitle(std::string_view structure) {
  if (structure.substr(0, 3) == "ss_") {
    std::string rest(structure.substr(3));
    for (char& c : rest) c = absl::ascii_toupper(static_cast<unsigned char>(c));
    return absl::StrCat("SS-", rest);
  }
  std::string t(structure);
  for (char& c : t) {
    if (c == '_') c = ' ';
  }
  return t;
}

std::vector<std::string> ExplainDma(const DmaExplainInput& in) {
  std::vector<std::string> lines;
  const DmaRequest& r = in.request;
  std::string what = r.type == RequestType::kTranslation
                         ? std::string("ATS translation request")
                         : absl::StrFormat("%s %s of %d bytes", RequestTypeName(r.type),
                                           AccessKindName(r.access), r.size);
  lines.push_back(absl::StrFormat("request: %s at %s from %s (segment %d)%s", what, Hex(r.address),
                                  r.source_id, r.segment,
                                  r.pasid ? absl::StrCat(" with PASID ", Hex(*r.pasid)) : ""));
  lines.push_back(absl::StrCat("routing: ", in.routing));
  if (in.unit_name.empty() || in.outcome == nullptr) {
    lines.push_back(
        "no remapping unit: the request reaches memory untranslated at its own address");
    return lines;
  }
  const DmaOutcome& out = *in.outcome;
  if (in.root_table_latched) {
    lines.push_back(absl::StrFormat(
        "%s: RTADDR_REG latched by the last GCMD.SRTP = %s: root table at %s, TTM %d%d (%s) "
        "(S §11.4.5)",
        in.unit_name, Hex(*in.root_table_latched), Hex(*in.root_table_latched & ~uint64_t{0xfff}),
        static_cast<int>((*in.root_table_latched >> 11) & 1),
        static_cast<int>((*in.root_table_latched >> 10) & 1),
        ((*in.root_table_latched >> 10) & 3) == 0 ? "legacy mode" : "not legacy mode"));
  } else {
    lines.push_back(absl::StrFormat("%s: no root table latched yet (RTADDR_REG = %s, no SRTP)",
                                    in.unit_name, Hex(in.rtaddr_register)));
  }
  if (!in.translation_enabled) {
    lines.push_back(absl::StrFormat(
        "%s: translation is disabled (GSTS.TES=0): DMA is not remapped (S §11.4.4.2)",
        in.unit_name));
  }
  // Cache lookups interleaved with the memory reads they led to (trace_position: how many
  // walk steps had been made when the lookup happened).
  size_t next_lookup = 0;
  auto lookups_until = [&](size_t position) {
    for (; next_lookup < out.cache_lookups.size() &&
           static_cast<size_t>(out.cache_lookups[next_lookup].trace_position) <= position;
         ++next_lookup) {
      const CacheLookupEvent& e = out.cache_lookups[next_lookup];
      lines.push_back(absl::StrFormat("%s lookup (tag %s): %s", CacheTitle(e.cache), Hex(e.tag),
                                      e.hit ? "hit, no memory read needed for it" : "miss"));
    }
  };
  for (size_t i = 0; i < out.trace.size(); ++i) {
    lookups_until(i);
    lines.push_back(StepLine(out.trace[i], r));
  }
  lookups_until(out.trace.size() + out.cache_lookups.size());
  if (out.trace.empty()) {
    lines.push_back("no structure was read from memory for this request");
  }
  for (const StaleEntryReport& s : out.stale) {
    lines.push_back(absl::StrCat("invalidation checker: ", s.ToString()));
  }
  const TranslateResult& result = out.result;
  if (result.fault) {
    lines.push_back(FaultLines(*result.fault, out.recorded, out.fault_record));
  } else if (out.blocked) {
    lines.push_back(absl::StrFormat("blocked by %s (completion %s)", out.blocked_by,
                                    CompletionName(result.completion)));
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
    lines.push_back(absl::StrFormat("result: hpa %s (%s; domain %d, page permissions %s%s)",
                                    Hex(t.hpa), how, t.did.value(), t.read ? "R" : "-",
                                    t.write ? "W" : "-"));
  } else {
    lines.push_back(absl::StrFormat("result: completion %s", CompletionName(result.completion)));
  }
  return lines;
}

}  // namespace vtd::scenario
