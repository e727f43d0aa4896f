#include "model/scenario/explain_model.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/common/hex.h"

namespace vtd::scenario {

int Explanation::AddEntry(ExplainEntry entry, std::string text) {
  chain.push_back(std::move(entry));
  const int index = static_cast<int>(chain.size()) - 1;
  items.push_back(ExplainItem{std::move(text), index});
  return index;
}

std::string EntryText(const ExplainEntry& e) {
  std::string text = e.title;
  if (!e.chosen_by.empty()) absl::StrAppend(&text, ": ", e.chosen_by);
  if (e.address) {
    absl::StrAppend(&text, e.chosen_by.empty() ? ": " : " -> ", "entry at ", Hex(*e.address));
  }
  if (e.mark == EntryMark::kNotRead) {
    absl::StrAppend(&text, " could not be read");
  } else if (!e.raw.empty()) {
    std::string raw;
    if (e.raw.size() == 1) {
      raw = Hex(e.raw[0]);
    } else {
      // Highest qword first, as the spec draws wide entries (bits 127:64 : 63:0).
      std::vector<std::string> words;
      for (size_t i = e.raw.size(); i-- > 0;) {
        words.push_back(i + 1 == e.raw.size() ? Hex(e.raw[i]) : absl::StrFormat("%016x", e.raw[i]));
      }
      raw = absl::StrFormat("%s (bits %d:0, high qword first)", absl::StrJoin(words, ":"),
                            64 * e.raw.size() - 1);
    }
    absl::StrAppend(&text, " = ", raw);
  }
  if (!e.fields.empty()) {
    std::vector<std::string> parts;
    for (const ExplainField& f : e.fields) parts.push_back(absl::StrCat(f.name, "=", f.value));
    absl::StrAppend(&text, e.address || !e.raw.empty() ? ": " : " ", absl::StrJoin(parts, " "));
  }
  if (!e.section.empty()) absl::StrAppend(&text, " (S ", e.section, ")");
  if (!e.note.empty()) absl::StrAppend(&text, "; ", e.note);
  return text;
}

std::vector<std::string> ExplanationText(const Explanation& x) {
  std::vector<std::string> lines;
  for (const ExplainItem& item : x.items) {
    if (!item.text.empty() || item.entry < 0) {
      lines.push_back(item.text);
    } else {
      lines.push_back(EntryText(x.chain[item.entry]));
    }
  }
  if (!x.outcome.empty()) lines.push_back(x.outcome);
  return lines;
}

std::string StructureTitle(std::string_view structure) {
  if (structure == "sm_root_entry") return "scalable-mode root entry";
  if (structure == "sm_context_entry") return "scalable-mode context entry";
  if (structure == "pasid_directory_entry") return "PASID directory entry";
  if (structure == "pasid_entry") return "PASID table entry";
  if (structure.substr(0, 3) == "ss_" || structure.substr(0, 3) == "fs_") {
    std::string rest(structure.substr(3));
    for (char& c : rest) c = absl::ascii_toupper(static_cast<unsigned char>(c));
    return absl::StrCat(structure[0] == 's' ? "SS-" : "FS-", rest);
  }
  std::string t(structure);
  for (char& c : t) {
    if (c == '_') c = ' ';
  }
  return t;
}

std::string_view StructureSection(std::string_view structure) {
  if (structure == "root_entry") return "§9.1";
  if (structure == "sm_root_entry") return "§9.2";
  if (structure == "context_entry") return "§9.3";
  if (structure == "sm_context_entry") return "§9.4";
  if (structure == "pasid_directory_entry") return "§9.5";
  if (structure == "pasid_entry") return "§9.6";
  if (structure.substr(0, 3) == "fs_") return "§9.7";
  if (structure.substr(0, 3) == "ss_") return "§9.8";
  return "";
}

}  // namespace vtd::scenario
