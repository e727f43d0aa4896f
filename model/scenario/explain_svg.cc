#include "model/scenario/explain_svg.h"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "model/common/hex.h"

namespace vtd::scenario {
namespace {

// Layout, in pixels. Character widths are those of the generic fonts at these sizes, rounded
// up, so wrapped text stays inside its box.
constexpr int kMargin = 20;
constexpr int kInner = kExplainSvgWidth - 2 * kMargin;
constexpr int kMonoChar = 7;   // 11.5 px monospace
constexpr int kLine = 15;      // line height of body text
constexpr int kArrowGap = 18;  // space between chain boxes for the arrow

struct Colour {
  const char* fill;
  const char* stroke;
};
// Palette indexes of ExplainEntry::color / ExplainBits::color: root, context, then second-stage
// levels 5..1 (IRTE, descriptors and registers reuse them).
constexpr Colour kPalette[] = {
    {"#fde2e4", "#c9184a"},
    {"#dbe7fd", "#1d4ed8"},
    {"#fff3bf", "#9c7a00"},
    {"#d3f9d8", "#2b8a3e"},
    {"#e5dbff", "#6741d9"},
    {"#ffe8cc", "#d9480f"},
    {"#c5f6fa", "#0b7285"},
    // Scalable mode: PASID directory entry, PASID table entry.
    {"#f3d9fa", "#a61e4d"},
    {"#e9fac8", "#5c940d"},
};
constexpr Colour kNeutral = {"#f1f3f5", "#868e96"};

Colour ColourOf(int index) {
  if (index < 0 || index >= static_cast<int>(std::size(kPalette))) return kNeutral;
  return kPalette[index];
}

std::string Escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Splits `text` into lines of at most `width` characters, at spaces where it can. Counts bytes
// of UTF-8 continuation only once per character.
std::vector<std::string> Wrap(std::string_view text, int width) {
  auto length = [](std::string_view s) {
    int n = 0;
    for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return n;
  };
  std::vector<std::string> lines;
  std::string line;
  size_t i = 0;
  while (i < text.size()) {
    size_t j = text.find(' ', i);
    if (j == std::string_view::npos) j = text.size();
    std::string_view word = text.substr(i, j - i);
    while (length(word) > width) {  // a word longer than a line: cut it
      if (!line.empty()) {
        lines.push_back(line);
        line.clear();
      }
      lines.emplace_back(word.substr(0, width));
      word = word.substr(width);
    }
    if (!line.empty() && length(line) + 1 + length(word) > width) {
      lines.push_back(line);
      line.clear();
    }
    if (!line.empty()) line += ' ';
    line += word;
    i = j + 1;
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  return lines;
}

class Canvas {
 public:
  void Rect(int x, int y, int w, int h, std::string_view fill, std::string_view stroke,
            int stroke_width = 1, std::string_view extra = "") {
    absl::StrAppendFormat(&body_,
                          "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"4\" "
                          "fill=\"%s\" stroke=\"%s\" stroke-width=\"%d\"%s/>\n",
                          x, y, w, h, fill, stroke, stroke_width, extra);
  }
  void Text(int x, int y, std::string_view text, std::string_view cls,
            std::string_view anchor = "start") {
    absl::StrAppendFormat(&body_, "<text x=\"%d\" y=\"%d\" class=\"%s\"%s>%s</text>\n", x, y, cls,
                          anchor == "start"
                              ? std::string()
                              : absl::StrCat(" text-anchor=\"", std::string(anchor), "\""),
                          Escape(text));
  }
  void Arrow(int x, int y1, int y2) {
    absl::StrAppendFormat(&body_,
                          "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#495057\" "
                          "stroke-width=\"2\"/>\n<polygon points=\"%d,%d %d,%d %d,%d\" "
                          "fill=\"#495057\"/>\n",
                          x, y1, x, y2 - 6, x - 5, y2 - 7, x + 5, y2 - 7, x, y2);
  }
  std::string Finish(int height) const {
    return absl::StrCat(
        absl::StrFormat("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                        "viewBox=\"0 0 %d %d\">\n",
                        kExplainSvgWidth, height, kExplainSvgWidth, height),
        "<style>\n"
        "text{font-family:monospace;font-size:11.5px;fill:#212529}\n"
        ".h1{font-family:sans-serif;font-size:17px;font-weight:bold}\n"
        ".h2{font-family:sans-serif;font-size:13px;fill:#495057}\n"
        ".title{font-family:sans-serif;font-size:13px;font-weight:bold}\n"
        ".sec{font-family:sans-serif;font-size:12px;fill:#495057}\n"
        ".badge{font-family:sans-serif;font-size:11px;font-weight:bold;fill:#ffffff}\n"
        ".note{font-style:italic;fill:#343a40}\n"
        ".story{fill:#495057}\n"
        ".bits{font-size:10px;fill:#495057}\n"
        "</style>\n",
        absl::StrFormat("<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#ffffff\"/>\n",
                        kExplainSvgWidth, height),
        body_, "</svg>\n");
  }

 private:
  std::string body_;
};

// One split value: its title, then a bar of fields whose widths follow their bit counts, each
// widened enough for its label.
int DrawSplit(Canvas& c, const ExplainSplit& split, int y) {
  c.Text(kMargin, y + 13, split.title, "title");
  y += 20;
  std::vector<int> want;
  int total = 0;
  for (const ExplainBits& f : split.fields) {
    const int bits = f.hi - f.lo + 1;
    const int label =
        static_cast<int>(std::max(f.label.size(), Hex(f.value).size())) * kMonoChar + 12;
    want.push_back(std::max(bits * 14, label));
    total += want.back();
  }
  int x = kMargin;
  constexpr int kHeight = 52;
  for (size_t i = 0; i < split.fields.size(); ++i) {
    const ExplainBits& f = split.fields[i];
    // The last field takes what rounding left, so the bar ends exactly at the margin.
    const int w = i + 1 == split.fields.size() ? kMargin + kInner - x : want[i] * kInner / total;
    const Colour col = ColourOf(f.color);
    c.Rect(x, y, w, kHeight, col.fill, col.stroke, f.color >= 0 ? 2 : 1);
    const int mid = x + w / 2;
    c.Text(mid, y + 15,
           f.hi == f.lo ? absl::StrCat("bit ", f.hi) : absl::StrCat("bits ", f.hi, ":", f.lo),
           "bits", "middle");
    c.Text(mid, y + 31, f.label, "", "middle");
    c.Text(mid, y + 46, Hex(f.value), "", "middle");
    x += w;
  }
  return y + kHeight + 14;
}

const char* BadgeText(EntryMark mark) {
  switch (mark) {
    case EntryMark::kCacheHit:
      return "CACHE HIT";
    case EntryMark::kCacheMiss:
      return "MISS";
    case EntryMark::kWritten:
      return "WRITTEN";
    case EntryMark::kNotRead:
      return "NOT READ";
    case EntryMark::kFault:
      return "FAULT HERE";
    case EntryMark::kRead:
      break;
  }
  return "";
}

const char* BadgeColour(EntryMark mark) {
  switch (mark) {
    case EntryMark::kCacheHit:
      return "#2b8a3e";
    case EntryMark::kCacheMiss:
      return "#868e96";
    case EntryMark::kWritten:
      return "#1d4ed8";
    default:
      return "#c92a2a";
  }
}

// One chain entry as a box; returns the y below it.
int DrawEntry(Canvas& c, const ExplainEntry& e, int y) {
  const int width_chars = (kInner - 30) / kMonoChar;
  const bool cache = e.mark == EntryMark::kCacheHit || e.mark == EntryMark::kCacheMiss;
  std::vector<std::pair<std::string, std::string>> lines;  // text, class
  // A cache lookup is one line: what was looked up, and the badge says hit or miss.
  std::string title = cache ? absl::StrCat(e.title, " (", e.chosen_by, ")") : e.title;
  if (cache && e.mark == EntryMark::kCacheHit) lines.push_back({e.note, "note"});
  if (!cache && !e.chosen_by.empty()) {
    lines.push_back({absl::StrCat("chosen by: ", e.chosen_by), ""});
  }
  std::string where;
  if (e.address) where = absl::StrCat("at ", Hex(*e.address));
  if (!e.raw.empty()) {
    std::vector<std::string> words;
    for (size_t i = e.raw.size(); i-- > 0;) words.push_back(absl::StrFormat("%016x", e.raw[i]));
    absl::StrAppend(&where, where.empty() ? "" : "  ", "value ", absl::StrJoin(words, " : "),
                    e.raw.size() > 1 ? "  (high qword first)" : "");
  }
  if (!where.empty()) {
    for (std::string& l : Wrap(where, width_chars)) lines.push_back({std::move(l), ""});
  }
  if (!e.fields.empty()) {
    std::vector<std::string> parts;
    for (const ExplainField& f : e.fields) parts.push_back(absl::StrCat(f.name, "=", f.value));
    for (std::string& l : Wrap(absl::StrJoin(parts, "  "), width_chars)) {
      lines.push_back({std::move(l), ""});
    }
  }
  if (!cache && !e.note.empty()) {
    for (std::string& l : Wrap(e.note, width_chars)) lines.push_back({std::move(l), "note"});
  }
  const int height = lines.empty() ? 26 : 26 + static_cast<int>(lines.size()) * kLine + 6;
  const Colour col = ColourOf(e.color);
  const bool fault = e.mark == EntryMark::kFault;
  c.Rect(kMargin, y, kInner, height, cache ? "#f8f9fa" : "#ffffff", fault ? "#c92a2a" : col.stroke,
         fault ? 3 : 1, cache || e.mark == EntryMark::kNotRead ? " stroke-dasharray=\"6 4\"" : "");
  c.Rect(kMargin, y, 10, height, col.stroke, col.stroke);
  c.Text(kMargin + 20, y + 18, title, "title");
  if (!e.section.empty()) {
    c.Text(kMargin + 20 + static_cast<int>(title.size()) * 8 + 12, y + 18,
           absl::StrCat("VT-d spec ", e.section), "sec");
  }
  if (const char* badge = BadgeText(e.mark); badge[0] != '\0') {
    const int w = static_cast<int>(std::string_view(badge).size()) * 8 + 16;
    c.Rect(kMargin + kInner - w - 8, y + 5, w, 18, BadgeColour(e.mark), BadgeColour(e.mark));
    c.Text(kMargin + kInner - 8 - w / 2, y + 18, badge, "badge", "middle");
  }
  int ly = y + 26 + 12;
  for (const auto& [text, cls] : lines) {
    c.Text(kMargin + 20, ly, text, cls);
    ly += kLine;
  }
  return y + height;
}

// A nested walk's grid: a header of second-stage levels, then one row per first-stage
// entry (its GPA translated across the second stage, then the entry read at the HPA found)
// and the output row. Each cell shows the read's number in walk order, where the entry was
// and its value; a fault cell is drawn red.
int DrawGrid(Canvas& c, const Explanation& x, int y) {
  const ExplainGrid& g = *x.grid;
  for (const std::string& l : Wrap(g.title, kInner / 8)) {
    c.Text(kMargin, y + 13, l, "title");
    y += 17;
  }
  y += 4;
  constexpr int kLabel = 200;
  constexpr int kCellHeight = 48;
  const int columns = g.second_stage_levels + 1;
  const int cell = (kInner - kLabel) / columns;
  static constexpr const char* kSsNames[] = {"SS-PTE", "SS-PDE", "SS-PDPE", "SS-PML4E", "SS-PML5E"};
  for (int col = 0; col < columns; ++col) {
    const int level = g.second_stage_levels - col;
    const char* name =
        col + 1 == columns ? "first-stage entry" : kSsNames[std::clamp(level, 1, 5) - 1];
    c.Text(kMargin + kLabel + col * cell + cell / 2, y + 12, name, "sec", "middle");
  }
  y += 18;
  // The grid's reads are numbered in walk order (the chain's order).
  std::vector<int> order(x.chain.size(), 0);
  for (const ExplainGridRow& row : g.rows) {
    for (int entry : row.second_stage) {
      if (entry >= 0) order[entry] = 1;
    }
    if (row.first_stage >= 0) order[row.first_stage] = 1;
  }
  for (int i = 0, n = 0; i < static_cast<int>(order.size()); ++i) {
    if (order[i] != 0) order[i] = ++n;
  }
  for (const ExplainGridRow& row : g.rows) {
    const int colour = row.first_stage >= 0 ? x.chain[row.first_stage].color : -1;
    const Colour col = ColourOf(colour);
    c.Rect(kMargin, y, kLabel - 6, kCellHeight, col.fill, col.stroke, colour >= 0 ? 2 : 1);
    int ly = y + 18;
    for (const std::string& l : Wrap(row.label, (kLabel - 16) / kMonoChar)) {
      c.Text(kMargin + 8, ly, l, "");
      ly += 14;
    }
    c.Text(kMargin + 8, y + kCellHeight - 6, row.result, "bits");
    std::vector<int> cells = row.second_stage;
    cells.push_back(row.first_stage);
    for (int i = 0; i < columns; ++i) {
      const int x0 = kMargin + kLabel + i * cell;
      const int entry = i < static_cast<int>(cells.size()) ? cells[i] : -1;
      if (entry < 0) {
        c.Rect(x0 + 3, y, cell - 6, kCellHeight, "#ffffff", "#dee2e6", 1,
               " stroke-dasharray=\"4 4\"");
        continue;
      }
      const ExplainEntry& e = x.chain[entry];
      const bool fault = e.mark == EntryMark::kFault;
      const Colour ec = ColourOf(e.color);
      c.Rect(x0 + 3, y, cell - 6, kCellHeight, fault ? "#ffe3e3" : ec.fill,
             fault ? "#c92a2a" : ec.stroke, fault ? 3 : 1);
      c.Text(x0 + 9, y + 14, absl::StrCat("#", order[entry]), "bits");
      c.Text(x0 + cell - 9, y + 14, e.address ? Hex(*e.address) : "", "bits", "end");
      c.Text(x0 + cell / 2, y + 32, e.raw.empty() ? "not read" : Hex(e.raw[0]), "", "middle");
      if (fault) c.Text(x0 + cell / 2, y + 44, "FAULT", "bits", "middle");
    }
    y += kCellHeight + 6;
  }
  return y + 10;
}

}  // namespace

std::string RenderExplanationSvg(const Explanation& x, std::string_view heading) {
  Canvas c;
  int y = kMargin;
  c.Text(kMargin, y + 16, heading, "h1");
  y += 24;
  for (const std::string& l : Wrap(x.title, kInner / 8)) {
    c.Text(kMargin, y + 14, l, "h2");
    y += 18;
  }
  y += 10;
  for (const ExplainSplit& s : x.splits) y = DrawSplit(c, s, y);
  if (x.grid) y = DrawGrid(c, x, y);
  const int story_chars = kInner / kMonoChar;
  bool after_entry = false;
  for (const ExplainItem& item : x.items) {
    if (item.entry >= 0) {
      if (after_entry) {
        c.Arrow(kMargin + 40, y, y + kArrowGap);
        y += kArrowGap;
      } else {
        y += 4;
      }
      y = DrawEntry(c, x.chain[item.entry], y);
      after_entry = true;
      continue;
    }
    if (after_entry) y += 6;
    for (const std::string& l : Wrap(item.text, story_chars)) {
      c.Text(kMargin, y + 12, l, "story");
      y += kLine;
    }
    y += 4;
    after_entry = false;
  }
  if (!x.outcome.empty()) {
    y += 10;
    const std::vector<std::string> lines = Wrap(x.outcome, (kInner - 24) / kMonoChar);
    const int h = static_cast<int>(lines.size()) * kLine + 14;
    c.Rect(kMargin, y, kInner, h, x.fault ? "#ffe3e3" : "#d3f9d8", x.fault ? "#c92a2a" : "#2b8a3e",
           2);
    int ly = y + 19;
    for (const std::string& l : lines) {
      c.Text(kMargin + 12, ly, l, "");
      ly += kLine;
    }
    y += h;
  }
  return c.Finish(y + kMargin);
}

}  // namespace vtd::scenario
