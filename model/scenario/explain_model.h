// What a scenario step made the hardware do, in a form a student can follow (`vtdsim explain`,
// `vtdsim run --explain`): one explanation model per step (built by explain.h), and two
// renderers of it, the text lines below (ExplanationText) and the drawing of explain_svg.h.
//
// An Explanation is the step's story in order (`items`), the structures hardware read or wrote
// on the way (`chain`: root entry, context entry, each second-stage level, an IRTE, a
// posted-interrupt descriptor, an invalidation descriptor, a register, a cache lookup), each
// cited by its spec section, and the values split into the bit fields that chose those
// structures (`splits`: the IOVA into its per-level indexes, the source-id into
// bus/device/function, an MSI address into its handle).
#ifndef VTDSIM_MODEL_SCENARIO_EXPLAIN_MODEL_H_
#define VTDSIM_MODEL_SCENARIO_EXPLAIN_MODEL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vtd::scenario {

struct ExplainField {
  std::string name;
  std::string value;
};

// Bits hi..lo of a split value; `color` ties the field to the chain entry it indexed (-1:
// none, e.g. the page offset).
struct ExplainBits {
  int hi = 0;
  int lo = 0;
  std::string label;  // "PML4 index", "bus", "handle[14:0]"
  uint64_t value = 0;
  int color = -1;
};

struct ExplainSplit {
  std::string title;  // "IOVA 0x10010", "source-id 00:02.0"
  int width_bits = 64;
  std::vector<ExplainBits> fields;  // high bits first
};

enum class EntryMark : uint8_t {
  kRead,      // read from memory (or a register) and used
  kWritten,   // hardware wrote it (a wait status, the PID after posting)
  kCacheHit,  // a cache lookup that hit: no memory read needed for it
  kCacheMiss,
  kNotRead,  // the read failed or never happened
  kFault,    // the entry that made the request fault
};

// One structure (or register, or cache lookup) on the step's path.
struct ExplainEntry {
  std::string title;      // "SS-PML4E (level 4)", "IRTE 5 (remapped format)"
  std::string section;    // "§9.8": where the spec defines it
  std::string chosen_by;  // "index 0 (bus 0x00 = source-id bits 15:8 of 00:02.0)"
  std::optional<uint64_t> address;
  std::vector<uint64_t> raw;  // qwords, bits 63:0 first
  std::vector<ExplainField> fields;
  EntryMark mark = EntryMark::kRead;
  int color = -1;    // the split field that chose it
  std::string note;  // one more line under the entry ("hit", "fault 26h here")
};

// A nested walk (S §3.8) as the two-dimensional grid it is usually drawn as: one row per
// first-stage entry read (its guest-physical address translated across the second-stage
// levels, then the first-stage entry read at the host-physical address found) and a last
// row for the first-stage output. Cells are chain indexes, -1 where nothing was read.
struct ExplainGridRow {
  std::string label;              // "FS-PML4E at GPA 0x180000"
  std::vector<int> second_stage;  // one per second-stage level, top level first
  int first_stage = -1;           // the first-stage entry (none on the output row)
  std::string result;             // "HPA 0x500010", "fault", ...
};
struct ExplainGrid {
  std::string title;
  int second_stage_levels = 4;
  std::vector<ExplainGridRow> rows;
};

// One line of the story. `entry` >= 0 ties the line to chain[entry]; the text renderer writes
// the entry itself there when `text` is empty.
struct ExplainItem {
  std::string text;
  int entry = -1;
};

struct Explanation {
  std::string kind;   // the step's action: "dma", "interrupt", "queue", "mmio_write", ...
  std::string title;  // what the step did, one line
  std::vector<ExplainSplit> splits;
  std::vector<ExplainEntry> chain;
  std::vector<ExplainItem> items;
  std::optional<ExplainGrid> grid;  // nested walks only
  std::string outcome;              // the result or the fault, one line ("" when the step has none)
  bool fault = false;               // the outcome is a fault or an error

  // Adds an entry and a story line for it; returns its index.
  int AddEntry(ExplainEntry entry, std::string text = "");
  void AddLine(std::string text) { items.push_back(ExplainItem{std::move(text), -1}); }
};

// The text renderer: one line per item, entries written out in full, the outcome last.
std::vector<std::string> ExplanationText(const Explanation& explanation);
// "root entry: index 0 (...) -> entry at 0x100000 = 0x...: p=1 ctp=0x101000 (S §9.1)".
std::string EntryText(const ExplainEntry& entry);

// "SS-PML4E" for "ss_pml4e", "root entry" for "root_entry".
std::string StructureTitle(std::string_view structure);
// The spec section defining a walk structure: "§9.1" for "root_entry"; "" if unknown.
std::string_view StructureSection(std::string_view structure);

}  // namespace vtd::scenario

#endif  // VTDSIM_MODEL_SCENARIO_EXPLAIN_MODEL_H_
