#include "model/scenario/scenario_loader.h"

#include <yaml-cpp/anchor.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <array>
#include <bitset>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <new>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"
#include "model/acpi/acpidump.h"
#include "model/acpi/dmar.h"
#include "model/common/hex.h"
#include "model/fault/fault_reason.h"
#include "model/memory/host_memory.h"
#include "model/pagereq/page_request_descriptor.h"
#include "model/platform/platform.h"
#include "model/regs/cap_ecap.h"
#include "model/scenario/internal/suggest.h"
#include "model/scenario/register_names.h"
#include "model/scenario/table_builder.h"
#include "model/structs/pasid_entry.h"

namespace vtd::scenario {

std::string FormatLocation(absl::string_view file, SourceMark mark) {
  if (!mark.known()) return std::string(file);
  return absl::StrFormat("%s:%d:%d", file, mark.line, mark.column);
}

absl::string_view DmaAccessName(DmaAccess access) {
  return access == DmaAccess::kRead ? "read" : "write";
}

absl::string_view AddressTypeName(AddressType at) {
  switch (at) {
    case AddressType::kUntranslated:
      return "untranslated";
    case AddressType::kTranslationRequest:
      return "translation_request";
    case AddressType::kTranslated:
      return "translated";
  }
  return "?";
}

namespace {

constexpr absl::string_view kActionNames[] = {
    "mmio_write", "mmio_read", "mem_write", "mem_read", "dma",   "interrupt",   "map",
    "enable",     "repeat",    "queue",     "irte",     "reset", "page_request"};
static_assert(std::size(kActionNames) == std::variant_size_v<Action>);

}  // namespace

absl::string_view ActionKindName(ActionKind kind) { return kActionNames[static_cast<int>(kind)]; }

// ---- value syntax ---------------------------------------------------------------------------

namespace {

// Text for a message: at most 40 characters, non-printable bytes escaped, so that whatever a
// file holds, an error stays one readable line.
std::string Shown(absl::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < 40; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out.push_back(static_cast<char>(c));
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", c);
    }
  }
  if (text.size() > 40) out += "...";
  return absl::StrCat("'", out, "'");
}

absl::StatusOr<uint64_t> ParseDigits(absl::string_view digits, int base, absl::string_view text) {
  if (digits.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(Shown(text), " is not a number (expected decimal or 0x hex)"));
  }
  uint64_t value = 0;
  bool previous_underscore = true;  // no leading '_'
  for (char ch : digits) {
    if (ch == '_') {
      if (previous_underscore) {
        return absl::InvalidArgumentError(
            absl::StrCat(Shown(text), " is not a number (expected decimal or 0x hex)"));
      }
      previous_underscore = true;
      continue;
    }
    previous_underscore = false;
    int d;
    if (ch >= '0' && ch <= '9') {
      d = ch - '0';
    } else if (ch >= 'a' && ch <= 'f') {
      d = ch - 'a' + 10;
    } else if (ch >= 'A' && ch <= 'F') {
      d = ch - 'A' + 10;
    } else {
      d = 99;
    }
    if (d >= base) {
      return absl::InvalidArgumentError(
          absl::StrCat(Shown(text), " is not a number (expected decimal or 0x hex",
                       base == 10 && d < 16 ? "; hex needs a 0x prefix)" : ")"));
    }
    if (value > (~uint64_t{0} - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base)) {
      return absl::OutOfRangeError(absl::StrCat(Shown(text), " does not fit in 64 bits"));
    }
    value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  if (previous_underscore) {
    return absl::InvalidArgumentError(
        absl::StrCat(Shown(text), " is not a number (expected decimal or 0x hex)"));
  }
  return value;
}

}  // namespace

absl::StatusOr<uint64_t> ParseNumber(absl::string_view text) {
  absl::string_view t = absl::StripAsciiWhitespace(text);
  if (absl::StartsWith(t, "-")) {
    return absl::InvalidArgumentError(
        absl::StrCat(Shown(text), " is negative (expected a number >= 0)"));
  }
  if (absl::ConsumePrefix(&t, "+")) {
    // YAML allows "+5"; we do too, but not "+-5" or "+".
    if (t.empty() || t[0] == '+' || t[0] == '-') {
      return absl::InvalidArgumentError(
          absl::StrCat(Shown(text), " is not a number (expected decimal or 0x hex)"));
    }
  }
  if (absl::ConsumePrefix(&t, "0x") || absl::ConsumePrefix(&t, "0X")) {
    return ParseDigits(t, 16, text);
  }
  return ParseDigits(t, 10, text);
}

absl::StatusOr<uint64_t> ParseSize(absl::string_view text) {
  absl::string_view t = absl::StripAsciiWhitespace(text);
  const std::string lower = absl::AsciiStrToLower(t);
  struct Unit {
    absl::string_view suffix;
    int shift;
  };
  static constexpr Unit kUnits[] = {{"kib", 10}, {"mib", 20}, {"gib", 30}, {"tib", 40},
                                    {"kb", 10},  {"mb", 20},  {"gb", 30},  {"tb", 40},
                                    {"k", 10},   {"m", 20},   {"g", 30},   {"t", 40}};
  // Hex digits include no k/m/g/t, so a suffix never eats a digit; but "0x..b" ends in a digit.
  if (!absl::StartsWith(lower, "0x")) {
    for (const Unit& unit : kUnits) {
      if (absl::EndsWith(lower, unit.suffix) && lower.size() > unit.suffix.size()) {
        absl::StatusOr<uint64_t> n = ParseNumber(t.substr(0, t.size() - unit.suffix.size()));
        if (!n.ok()) {
          return absl::InvalidArgumentError(absl::StrCat(
              Shown(text), " is not a size (expected a number, optionally with K, M, G or T)"));
        }
        if (*n > (~uint64_t{0} >> unit.shift)) {
          return absl::OutOfRangeError(absl::StrCat(Shown(text), " does not fit in 64 bits"));
        }
        return *n << unit.shift;
      }
    }
  }
  return ParseNumber(text);
}

absl::StatusOr<SourceId> ParseRequesterId(absl::string_view text) {
  const absl::string_view t = absl::StripAsciiWhitespace(text);
  const size_t colon = t.find(':');
  const size_t dot = t.find('.', colon == absl::string_view::npos ? 0 : colon);
  auto bad = [&] {
    return absl::InvalidArgumentError(
        absl::StrCat(Shown(text),
                     " is not a requester id (expected \"bb:dd.f\" in hex, e.g. "
                     "\"00:02.0\")"));
  };
  if (colon == absl::string_view::npos || dot == absl::string_view::npos ||
      t.find(':', colon + 1) != absl::string_view::npos) {
    return bad();
  }
  const absl::string_view parts[3] = {t.substr(0, colon), t.substr(colon + 1, dot - colon - 1),
                                      t.substr(dot + 1)};
  uint64_t v[3];
  for (int i = 0; i < 3; ++i) {
    if (parts[i].empty() || parts[i].size() > 4) return bad();
    for (char ch : parts[i]) {
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(ch))) return bad();
    }
    v[i] = ParseDigits(parts[i], 16, text).value_or(~uint64_t{0});
  }
  static constexpr absl::string_view kPart[3] = {"bus", "device", "function"};
  static constexpr uint64_t kMax[3] = {0xff, 0x1f, 0x7};
  for (int i = 0; i < 3; ++i) {
    if (v[i] > kMax[i]) {
      return absl::OutOfRangeError(absl::StrFormat(
          "%s: %s %#x is out of range (expected \"bb:dd.f\" with bus <= 0xff, device <= 0x1f, "
          "function <= 7)",
          Shown(text), kPart[i], v[i]));
    }
  }
  return SourceId::FromBdf(static_cast<int>(v[0]), static_cast<int>(v[1]), static_cast<int>(v[2]));
}

// ---- the loader -----------------------------------------------------------------------------

namespace {

SourceMark MarkOf(const YAML::Mark& mark) {
  if (mark.line < 0 || mark.column < 0) return {};
  return SourceMark{mark.line + 1, mark.column + 1};
}
SourceMark MarkOf(const YAML::Node& node) { return MarkOf(node.Mark()); }

// What a node is, for "expected X, got Y".
std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "nothing";
    case YAML::NodeType::Scalar:
      return Shown(node.Scalar());
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    case YAML::NodeType::Undefined:
      break;
  }
  return "nothing";
}

std::string JoinKeys(absl::Span<const absl::string_view> keys) { return absl::StrJoin(keys, ", "); }

// One key of a YAML map, with the path used in messages ("steps[2].dma.size").
struct Entry {
  std::string key;
  SourceMark key_mark;
  YAML::Node value;
  std::string path;
  SourceMark mark() const {
    const SourceMark m = MarkOf(value);
    return m.known() ? m : key_mark;
  }
};

struct RepeatLevel {
  uint64_t count = 1;
  RepeatStride stride;
  // The page offsets i × stride.addr (mod 4 KiB) takes over the iterations.
  std::bitset<4096> addr_offsets;
};

std::bitset<4096> Rotate(const std::bitset<4096>& bits, uint64_t by) {
  by &= 0xfff;
  if (by == 0) return bits;
  return (bits << by) | (bits >> (4096 - by));
}

class Loader;

// Thrown inside Load() to stop reading a file that cannot be a scenario.
struct Done {};

// Watches the parser's events for what would make walking the node tree unbounded: an alias
// inside the node it names (a loop: yaml-cpp builds a cyclic graph), and aliases that expand
// to more than kMaxAliasedNodes nodes in all (an alias bomb: each level referring ten times
// to the one before). Sizes are counted as the tree would be walked, aliases expanded.
class AliasAudit : public YAML::EventHandler {
 public:
  static constexpr uint64_t kMaxAliasedNodes = 1'000'000;

  void OnDocumentStart(const YAML::Mark& mark) override {
    if (++documents_ == 2) second_document_ = MarkOf(mark);
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t anchor) override { Leaf(anchor); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                const std::string&) override {
    Leaf(anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto it = sizes_.find(anchor);
    uint64_t size = 1;
    if (it == sizes_.end() || it->second == 0) {
      Problem(mark, "an alias refers to a node that contains it (expected no alias loops)");
    } else {
      size = it->second;
    }
    aliased_ = std::min(aliased_ + size, kMaxAliasedNodes + 1);
    if (aliased_ > kMaxAliasedNodes) {
      Problem(mark, absl::StrFormat("aliases expand to more than %d nodes (expected fewer; use "
                                    "'repeat' for long streams)",
                                    kMaxAliasedNodes));
    }
    Add(size);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    Open(anchor);
  }
  void OnSequenceEnd() override { Close(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    Open(anchor);
  }
  void OnMapEnd() override { Close(); }

  const std::string& problem() const { return problem_; }
  SourceMark problem_mark() const { return problem_mark_; }
  SourceMark second_document() const { return second_document_; }

 private:
  struct Open_ {
    YAML::anchor_t anchor;
    uint64_t size;
  };
  void Problem(const YAML::Mark& mark, std::string text) {
    if (problem_.empty()) {
      problem_ = std::move(text);
      problem_mark_ = MarkOf(mark);
    }
  }
  void Record(YAML::anchor_t anchor, uint64_t size) {
    if (anchor != YAML::NullAnchor) sizes_[anchor] = std::max<uint64_t>(size, 1);
  }
  void Add(uint64_t size) {
    if (!stack_.empty()) stack_.back().size = std::min(stack_.back().size + size, kSaturated);
  }
  void Leaf(YAML::anchor_t anchor) {
    Record(anchor, 1);
    Add(1);
  }
  void Open(YAML::anchor_t anchor) {
    if (anchor != YAML::NullAnchor) sizes_[anchor] = 0;  // open: an alias to it is a loop
    stack_.push_back({anchor, 1});
  }
  void Close() {
    if (stack_.empty()) return;
    const Open_ done = stack_.back();
    stack_.pop_back();
    Record(done.anchor, done.size);
    Add(done.size);
  }

  static constexpr uint64_t kSaturated = uint64_t{1} << 62;
  int documents_ = 0;
  SourceMark second_document_;
  std::map<YAML::anchor_t, uint64_t> sizes_;
  std::vector<Open_> stack_;
  uint64_t aliased_ = 0;
  std::string problem_;
  SourceMark problem_mark_;
};

// A YAML map checked against the keys it may hold: reports the node not being a map, unknown
// keys (with the allowed ones and a suggestion), duplicate and non-string keys.
class Fields {
 public:
  Fields(Loader& loader, const YAML::Node& node, std::string path,
         absl::Span<const absl::string_view> allowed, absl::string_view what);

  bool ok() const { return ok_; }
  SourceMark mark() const { return mark_; }
  const std::string& path() const { return path_; }
  const Entry* Find(absl::string_view key) const {
    for (const Entry& e : entries_) {
      if (e.key == key) return &e;
    }
    return nullptr;
  }
  bool Has(absl::string_view key) const { return Find(key) != nullptr; }
  // The entry, or an error naming the missing key and what it holds.
  const Entry* Require(absl::string_view key, absl::string_view expected);
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  Loader& loader_;
  std::string path_;
  SourceMark mark_;
  bool ok_ = false;
  std::vector<Entry> entries_;
};

class Loader {
 public:
  Loader(std::string file, std::filesystem::path directory)
      : file_(std::move(file)), directory_(std::move(directory)) {}

  absl::StatusOr<Scenario> Load(absl::string_view text);

  void Error(SourceMark mark, absl::string_view path, absl::string_view what) {
    errors_.push_back({mark, path.empty() ? std::string(what) : absl::StrCat(path, ": ", what)});
  }

 private:
  friend class Fields;

  // ---- scalars ----
  std::optional<std::string> Text(const Entry& e, absl::string_view expected);
  std::optional<Located<uint64_t>> Number(const Entry& e, uint64_t min, uint64_t max,
                                          bool size_units = false);
  std::optional<Located<uint64_t>> Number(const Entry& e, uint64_t max) {
    return Number(e, 0, max);
  }
  std::optional<Located<bool>> Bool(const Entry& e);
  std::optional<Located<int>> Choice(const Entry& e,
                                     absl::Span<const std::pair<absl::string_view, int>> choices,
                                     bool numbers_too = false, int max_number = 0);
  std::optional<Located<SourceId>> Requester(const YAML::Node& node, const std::string& path);
  std::optional<Located<int>> Width(const Entry& e, absl::Span<const int> allowed);
  std::optional<UnitRef> Unit(const Entry* e, SourceMark default_mark);

  // A map value read into a located field when its key is there (`e` from Fields::Find, or
  // Fields::Require for a required key): a number up to `max`, a boolean or a requester id. A
  // bad value is reported and leaves the field as it was.
  template <typename T>
  void ReadNumber(const Entry* e, uint64_t max, Located<T>& out) {
    if (e == nullptr) return;
    if (auto n = Number(*e, max)) out = {static_cast<T>(n->value), n->mark};
  }
  template <typename T>
  void ReadNumber(const Entry* e, uint64_t max, std::optional<Located<T>>& out) {
    if (e == nullptr) return;
    if (auto n = Number(*e, max)) out = Located<T>{static_cast<T>(n->value), n->mark};
  }
  template <typename Out>  // Located<bool> or std::optional<Located<bool>>
  void ReadBool(const Entry* e, Out& out) {
    if (e == nullptr) return;
    if (auto b = Bool(*e)) out = *b;
  }
  void ReadRequester(const Entry* e, Located<SourceId>& out) {
    if (e == nullptr) return;
    if (auto sid = Requester(e->value, e->path)) out = *sid;
  }

  // ---- sections ----
  void ParsePlatform(const Entry& e, Scenario& s);
  std::optional<CapabilityValue> ParseCapability(const Entry& e, CapRegister reg);
  // Reports the audit's problems as errors; returns its notes.
  std::vector<std::string> AuditUnit(absl::string_view unit_name, const CapabilityValue& cap,
                                     const CapabilityValue& ecap, SourceMark unit_mark,
                                     const AuditContext& context);
  void ParseTopology(const Entry& e, platform::PciTopology& topology);
  // `version:` of a unit: VER_REG as Linux prints it ("1:0") or raw; nullopt after an error.
  std::optional<Located<uint32_t>> Version(const Entry& e);
  void ParseDmarUnits(const Entry& e, const platform::Platform& platform, DmarPlatform& d);
  std::optional<UnitConfig> ParseUnit(const YAML::Node& node, const std::string& path, int index,
                                      const CapabilityValue* default_cap,
                                      const CapabilityValue* default_ecap);
  void ParseDmar(const Entry& e, const Fields& platform, Scenario& s);
  std::optional<MemoryEntry> ParseMemoryEntry(const YAML::Node& node, const std::string& path);
  void ParseTiming(const YAML::Node& node, const std::string& key, const std::string& path,
                   int depth, std::vector<TimingEntry>& out);
  void ParseTables(const Entry* e, Scenario& s);
  std::filesystem::path Resolve(const std::string& path) const;
  // Reads a file a scenario names (dmar table, memory image); reports and returns nullopt when
  // it does not exist or cannot be read.
  std::optional<std::vector<uint8_t>> ReadNamedFile(const Entry& e, const std::string& text,
                                                    uint64_t max_size);
  // The size of a file a scenario names; reports and returns nullopt when it does not exist,
  // is not a regular file or cannot be read.
  std::optional<uintmax_t> NamedFileSize(const Entry& e, const std::string& text);
  // Reads out.size() bytes of the file from `offset`; reports and returns false on failure.
  bool ReadFileBytes(const Entry& e, const std::string& text, uint64_t offset,
                     absl::Span<uint8_t> out);
  // The data of a `u64`/`u32`/`u16`/`u8`/`bytes` entry as little-endian bytes; false (and
  // reported) when malformed.
  bool ParseDataForm(const Entry& data, MemoryEntry::Form& form, std::vector<uint8_t>& bytes);
  // A map {u64|u32|u16|u8|bytes: ...} (a DMA's data) as bytes.
  std::optional<std::vector<uint8_t>> DataBytes(const Entry& e);
  // A `file:` memory entry: checks the file and the `offset`/`length` window against it and
  // fills m.file*; copies the bytes unless the window can be mapped lazily.
  void ParseFileWindow(const Entry& e, const std::string& text, const Entry* offset,
                       const Entry* length, const std::optional<Located<uint64_t>>& addr,
                       MemoryEntry& m);
  std::vector<Step> ParseSteps(const Entry& e);
  std::optional<Step> ParseStep(const YAML::Node& node, const std::string& path);

  // ---- actions ----
  std::optional<RegisterRef> Register(const Fields& f, int unit);
  std::optional<MmioWrite> ParseMmioWrite(const Entry& e);
  std::optional<MmioRead> ParseMmioRead(const Entry& e);
  std::optional<MemRead> ParseMemRead(const Entry& e);
  std::optional<Dma> ParseDma(const Entry& e);
  // `data:` of a dma write (a number of `size` bytes, or a map {u64|...|bytes}; without
  // `size` the map's length is the size).
  void ParseDmaData(const Entry& x, bool size_given, Dma& d);
  // expect `data:` of a dma step, checked against the step's access and size.
  void ParseExpectedData(const Entry& x, const Dma& d, Expect& expect);
  std::optional<Interrupt> ParseInterrupt(const Entry& e);
  std::optional<MapStep> ParseMap(const Entry& e);
  // The capabilities a scalable-mode `map` needs on `unit` (ECAP.SMTS, SSTS or PT, PASID and
  // PSS, RPS) and the PASIDs the builders' PASID directory covers.
  void CheckScalableMap(const MapStep& m, int unit, const Fields& f, const std::string& path);
  std::optional<EnableStep> ParseEnable(const Entry& e);
  std::optional<RepeatStep> ParseRepeat(const Entry& e);
  std::optional<QueueStep> ParseQueue(const Entry& e);
  std::optional<QueueDescriptor> ParseQueueDescriptor(const YAML::Node& node,
                                                      const std::string& path);
  std::optional<IrteStep> ParseIrte(const Entry& e);
  std::optional<ResetStep> ParseReset(const Entry& e);
  std::optional<PageRequestStep> ParsePageRequest(const Entry& e);
  std::optional<std::vector<ResponseExpectation>> ParseResponses(const Entry& e);
  // `map: {rmrr: true}`: the requester's RMRR ranges (S §8.4) from the DMAR table, into
  // m.rmrr_ranges; iova/hpa/size are set to the one that ends highest, for the checks that
  // follow.
  bool ResolveRmrrRanges(const Fields& f, const std::string& path, MapStep& m);
  // `repeat` strides of `offset` keep mmio_read/mmio_write inside the register space and
  // aligned on every iteration.
  void CheckOffsetStride(const RegisterRef& reg, int width, int unit, const std::string& path);
  // `dma`: the step's action when it is a DMA (its expected data is checked against it).
  std::optional<CompletionExpectation> ParseCompletion(const Entry& e, const Dma* dma);
  std::optional<Expect> ParseExpect(const Entry& e, ActionKind kind, int value_bits,
                                    const Dma* dma = nullptr);
  // `messages: none` (or []) or a list of {event, address, data, vector, dest} maps.
  std::optional<std::vector<MessageExpectation>> ParseMessages(const Entry& e);

  // ---- checks that need the platform ----
  // Largest advance repeats add to an address field (sum of (count - 1) × stride), or nullopt
  // on overflow.
  std::optional<uint64_t> MaxAdvance(uint64_t RepeatStride::*field) const;
  // Reports `what` if [addr, addr + length) leaves memory on some iteration.
  void CheckInMemory(const Located<uint64_t>& addr, uint64_t length, const std::string& path,
                     absl::string_view what);
  std::optional<int> RouteRequester(uint16_t segment, SourceId sid) const;
  bool PlatformKnown() const { return platform_ok_; }
  int UnitCount() const { return static_cast<int>(unit_names_.size()); }

  std::string file_;
  std::filesystem::path directory_;
  struct ErrorLine {
    SourceMark mark;
    std::string text;
  };
  std::vector<ErrorLine> errors_;

  // What later sections check against.
  bool platform_ok_ = false;
  uint64_t memory_size_ = kDefaultMemorySize;
  std::vector<std::string> unit_names_;
  std::vector<uint64_t> unit_caps_;
  std::vector<uint64_t> unit_ecaps_;
  std::vector<UnitConfig> units_;  // units platform only
  // `unimplemented: mask` (platform level) and what ParseUnit masked or noted.
  bool mask_unimplemented_ = false;
  std::vector<std::string> unit_notes_;
  std::optional<platform::Platform> dmar_platform_;

  std::vector<RepeatLevel> repeats_;  // enclosing repeat steps, outermost first
  // Per unit: whether its `map`s build scalable-mode tables (the first map decides).
  std::map<int, bool> unit_scalable_;
  uint64_t parsed_steps_ = 0;
  SourceMark steps_mark_;
  bool memory_size_ok_ = true;
  bool step_budget_reported_ = false;
};

Fields::Fields(Loader& loader, const YAML::Node& node, std::string path,
               absl::Span<const absl::string_view> allowed, absl::string_view what)
    : loader_(loader), path_(std::move(path)), mark_(MarkOf(node)) {
  if (!node.IsMap()) {
    loader_.Error(
        mark_, path_,
        absl::StrCat("expected ", what, ", got ", Describe(node),
                     allowed.empty() ? "" : absl::StrCat(" (keys: ", JoinKeys(allowed), ")")));
    return;
  }
  ok_ = true;
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    const SourceMark key_mark = MarkOf(key);
    if (!key.IsScalar()) {
      loader_.Error(key_mark, path_, absl::StrCat("a key must be a word, got ", Describe(key)));
      continue;
    }
    const std::string name = key.Scalar();
    const std::string child = path_.empty() ? name : absl::StrCat(path_, ".", name);
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      const std::string suggestion = internal::Closest(name, allowed);
      loader_.Error(
          key_mark, path_,
          absl::StrCat(
              "unknown key ", Shown(name),
              suggestion.empty() ? "" : absl::StrCat(" (did you mean '", suggestion, "'?)"),
              " (expected one of: ", JoinKeys(allowed), ")"));
      continue;
    }
    if (Find(name) != nullptr) {
      loader_.Error(key_mark, path_,
                    absl::StrFormat("duplicate key '%s' (first at line %d)", name,
                                    Find(name)->key_mark.line));
      continue;
    }
    entries_.push_back(Entry{name, key_mark, it->second, child});
  }
}

const Entry* Fields::Require(absl::string_view key, absl::string_view expected) {
  const Entry* e = Find(key);
  if (e == nullptr && ok_) {
    loader_.Error(mark_, path_,
                  absl::StrCat("missing required key '", key, "' (expected ", expected, ")"));
  }
  return e;
}

// ---- scalars ----

std::optional<std::string> Loader::Text(const Entry& e, absl::string_view expected) {
  if (!e.value.IsScalar()) {
    Error(e.mark(), e.path, absl::StrCat("expected ", expected, ", got ", Describe(e.value)));
    return std::nullopt;
  }
  return e.value.Scalar();
}

std::optional<Located<uint64_t>> Loader::Number(const Entry& e, uint64_t min, uint64_t max,
                                                bool size_units) {
  const absl::string_view expected = size_units ? "a size (a number, or with K, M, G)" : "a number";
  std::optional<std::string> text = Text(e, expected);
  if (!text) return std::nullopt;
  absl::StatusOr<uint64_t> n = size_units ? ParseSize(*text) : ParseNumber(*text);
  if (!n.ok()) {
    Error(e.mark(), e.path, n.status().message());
    return std::nullopt;
  }
  if (*n < min || *n > max) {
    // Field-width limits read best in hex (0xffff, 2^52 = 0x10000000000000), counts and sizes
    // in decimal (4096, 1000000000000).
    auto shown = [](uint64_t limit) {
      const bool all_ones = limit != 0 && (limit & (limit + 1)) == 0;
      const bool power_of_two = limit != 0 && (limit & (limit - 1)) == 0;
      return (all_ones && limit >= 0xffff) || (power_of_two && limit > 0x10000)
                 ? Hex(limit)
                 : absl::StrCat(limit);
    };
    Error(e.mark(), e.path,
          absl::StrFormat("%s is out of range (expected %s to %s)", *text, shown(min), shown(max)));
    return std::nullopt;
  }
  return Located<uint64_t>{*n, e.mark()};
}

std::optional<Located<bool>> Loader::Bool(const Entry& e) {
  std::optional<std::string> text = Text(e, "true or false");
  if (!text) return std::nullopt;
  const std::string t = absl::AsciiStrToLower(*text);
  if (t == "true" || t == "yes" || t == "on" || t == "1") return Located<bool>{true, e.mark()};
  if (t == "false" || t == "no" || t == "off" || t == "0") return Located<bool>{false, e.mark()};
  Error(e.mark(), e.path, absl::StrCat(Shown(*text), " is not a boolean (expected true or false)"));
  return std::nullopt;
}

std::optional<Located<int>> Loader::Choice(
    const Entry& e, absl::Span<const std::pair<absl::string_view, int>> choices, bool numbers_too,
    int max_number) {
  std::vector<absl::string_view> names;
  for (const auto& [name, value] : choices) names.push_back(name);
  const std::string expected = absl::StrCat(
      "one of ", JoinKeys(names), numbers_too ? absl::StrCat(", or 0 to ", max_number) : "");
  std::optional<std::string> text = Text(e, expected);
  if (!text) return std::nullopt;
  const std::string lower = absl::AsciiStrToLower(*text);
  for (const auto& [name, value] : choices) {
    if (lower == name) return Located<int>{value, e.mark()};
  }
  if (numbers_too) {
    absl::StatusOr<uint64_t> n = ParseNumber(*text);
    if (n.ok() && *n <= static_cast<uint64_t>(max_number)) {
      return Located<int>{static_cast<int>(*n), e.mark()};
    }
  }
  const std::string suggestion = internal::Closest(lower, names);
  Error(e.mark(), e.path,
        absl::StrCat(Shown(*text), " is not valid",
                     suggestion.empty() ? "" : absl::StrCat(" (did you mean '", suggestion, "'?)"),
                     " (expected ", expected, ")"));
  return std::nullopt;
}

std::optional<Located<SourceId>> Loader::Requester(const YAML::Node& node,
                                                   const std::string& path) {
  const SourceMark mark = MarkOf(node);
  if (!node.IsScalar()) {
    Error(mark, path, absl::StrCat("expected a requester \"bb:dd.f\", got ", Describe(node)));
    return std::nullopt;
  }
  const std::string& text = node.Scalar();
  if (text.find(':') == std::string::npos) {
    // A raw 16-bit requester id (extension).
    absl::StatusOr<uint64_t> n = ParseNumber(text);
    if (n.ok() && *n <= 0xffff) return Located<SourceId>{SourceId(static_cast<uint16_t>(*n)), mark};
  }
  absl::StatusOr<SourceId> sid = ParseRequesterId(text);
  if (!sid.ok()) {
    Error(mark, path, sid.status().message());
    return std::nullopt;
  }
  return Located<SourceId>{*sid, mark};
}

std::optional<Located<int>> Loader::Width(const Entry& e, absl::Span<const int> allowed) {
  std::optional<std::string> text = Text(e, "a width");
  if (!text) return std::nullopt;
  absl::StatusOr<uint64_t> n = ParseNumber(*text);
  const std::string expected = absl::StrJoin(allowed, ", ");
  if (!n.ok()) {
    Error(e.mark(), e.path,
          absl::StrCat(n.status().message(), " (expected a width: ", expected, ")"));
    return std::nullopt;
  }
  for (int w : allowed) {
    if (*n == static_cast<uint64_t>(w)) return Located<int>{w, e.mark()};
  }
  Error(e.mark(), e.path,
        absl::StrCat("width ", *text, " is not valid (expected ", expected, " bits)"));
  return std::nullopt;
}

std::optional<UnitRef> Loader::Unit(const Entry* e, SourceMark default_mark) {
  if (e == nullptr) {
    if (PlatformKnown() && UnitCount() == 0) return std::nullopt;
    return UnitRef{"", 0, default_mark};
  }
  std::optional<std::string> text = Text(*e, "a unit name or index");
  if (!text) return std::nullopt;
  if (!PlatformKnown()) return UnitRef{*text, 0, e->mark()};  // nothing to check against
  absl::StatusOr<uint64_t> n = ParseNumber(*text);
  if (n.ok()) {
    if (*n < static_cast<uint64_t>(UnitCount())) {
      return UnitRef{*text, static_cast<int>(*n), e->mark()};
    }
    Error(e->mark(), e->path,
          absl::StrFormat("unit index %s does not exist (expected 0 to %d, or a name: %s)", *text,
                          UnitCount() - 1, absl::StrJoin(unit_names_, ", ")));
    return std::nullopt;
  }
  for (int i = 0; i < UnitCount(); ++i) {
    if (unit_names_[i] == *text) return UnitRef{*text, i, e->mark()};
  }
  std::vector<absl::string_view> names(unit_names_.begin(), unit_names_.end());
  const std::string suggestion = internal::Closest(*text, names);
  Error(e->mark(), e->path,
        absl::StrCat("unit ", Shown(*text), " does not exist",
                     suggestion.empty() ? "" : absl::StrCat(" (did you mean '", suggestion, "'?)"),
                     " (expected one of: ", absl::StrJoin(unit_names_, ", "), ", or an index 0 to ",
                     UnitCount() - 1, ")"));
  return std::nullopt;
}

// ---- top level ----

constexpr absl::string_view kTopKeys[] = {"name",   "description", "spec",   "platform",
                                          "memory", "timing",      "tables", "steps"};

// Rejects nesting that would make yaml-cpp's recursive parser (or ours) go deep, before
// yaml-cpp sees the text: flow brackets more than kMaxNesting deep, or a block line indented
// (spaces and "- " entries) beyond 4 × kMaxNesting columns. Real scenarios come nowhere near.
std::optional<std::pair<SourceMark, std::string>> CheckNesting(absl::string_view text) {
  int depth = 0;
  int line = 1;
  int column = 0;
  bool at_line_start = true;
  int indent = 0;
  char quote = 0;
  bool comment = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char ch = text[i];
    ++column;
    if (ch == '\n') {
      ++line;
      column = 0;
      at_line_start = true;
      indent = 0;
      comment = false;
      if (quote == '\'' || quote == '"') {
        // Quoted scalars may span lines; keep the state.
      }
      continue;
    }
    if (comment) continue;
    if (at_line_start) {
      if (ch == ' ' || ch == '-' || ch == '\t' || ch == '?' || ch == ':') {
        if (++indent > 4 * kMaxNesting) {
          return std::make_pair(SourceMark{line, column},
                                absl::StrFormat("indentation deeper than %d columns (expected "
                                                "at most %d levels of nesting)",
                                                4 * kMaxNesting, kMaxNesting));
        }
        continue;
      }
      at_line_start = false;
    }
    if (quote != 0) {
      if (quote == '"' && ch == '\\') {
        ++i;
        ++column;
      } else if (ch == quote) {
        quote = 0;
      }
      continue;
    }
    if (ch == '#' && (i == 0 || text[i - 1] == ' ' || text[i - 1] == '\t')) {
      comment = true;
    } else if ((ch == '"' || ch == '\'') &&
               (i == 0 ||
                absl::string_view(" \t[{,:").find(text[i - 1]) != absl::string_view::npos)) {
      quote = ch;
    } else if (ch == '[' || ch == '{') {
      if (++depth > kMaxNesting) {
        return std::make_pair(SourceMark{line, column},
                              absl::StrFormat("nesting deeper than %d levels", kMaxNesting));
      }
    } else if ((ch == ']' || ch == '}') && depth > 0) {
      --depth;
    }
  }
  return std::nullopt;
}

// A hint for the common causes of a YAML syntax error at `mark` (" (hint: ...)"), or "".
std::string YamlSyntaxHint(absl::string_view text, SourceMark mark, absl::string_view message) {
  // The error line and the two before it: yaml-cpp often reports a tab's trouble later.
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  const int last = std::min<int>(mark.line, static_cast<int>(lines.size()));
  for (int l = std::max(1, last - 2); l <= last; ++l) {
    const absl::string_view line = lines[l - 1];
    const size_t indent_end = line.find_first_not_of(" \t");
    if (line.substr(0, indent_end).find('\t') != absl::string_view::npos) {
      return absl::StrFormat(
          " (hint: line %d is indented with a tab; YAML indents with spaces only)", l);
    }
  }
  if (absl::StrContains(message, "illegal map value")) {
    return " (hint: a value that contains ': ' must be quoted, e.g. description: \"a: b\")";
  }
  if (absl::StrContains(message, "flow")) {
    return " (hint: a '[' or '{' is not closed, or a ',' is missing between its items)";
  }
  if (absl::StrContains(message, "end of map not found") ||
      absl::StrContains(message, "end of sequence not found") ||
      absl::StrContains(message, "indentation")) {
    return " (hint: check the indentation: the keys of one map start in the same column, and "
           "the '- ' items of one list line up)";
  }
  return "";
}

absl::StatusOr<Scenario> Loader::Load(absl::string_view text) {
  Scenario s;
  s.file = file_;
  if (auto nesting = CheckNesting(text)) {
    Error(nesting->first, "", nesting->second);
  } else {
    try {
      // First a pass over the parser's events, which builds nothing: it finds alias loops and
      // alias bombs before any node is walked, and a second document. (yaml-cpp 0.7's
      // LoadAll() loops forever on some malformed input, so documents are counted here, by at
      // most two HandleNextDocument() calls.)
      const std::string owned(text);
      {
        std::istringstream stream(owned);
        YAML::Parser parser(stream);
        AliasAudit audit;
        if (parser.HandleNextDocument(audit) && audit.problem().empty() &&
            parser.HandleNextDocument(audit)) {
          Error(audit.second_document(), "",
                "a second YAML document (expected one scenario per file)");
        }
        if (!audit.problem().empty()) {
          Error(audit.problem_mark(), "", audit.problem());
          throw Done();
        }
      }
      const YAML::Node root = YAML::Load(owned);
      if (!root.IsMap()) {
        // An empty document has no mark; the problem is the file as a whole, from line 1.
        const SourceMark mark = MarkOf(root);
        Error(mark.known() ? mark : SourceMark{1, 1}, "",
              absl::StrCat("expected a scenario map (name, platform, steps, ...), got ",
                           Describe(root)));
        throw Done();
      }
      Fields top(*this, root, "", kTopKeys, "a scenario map (name, platform, steps, ...)");
      if (top.ok()) {
        if (const Entry* e = top.Require("name", "the scenario's name")) {
          if (std::optional<std::string> name = Text(*e, "a name")) {
            if (name->empty()) {
              Error(e->mark(), e->path, "the name is empty (expected a name)");
            }
            s.name = {*name, e->mark()};
          }
        }
        if (const Entry* e = top.Find("description")) {
          if (std::optional<std::string> d = Text(*e, "text")) s.description = *d;
        }
        if (const Entry* e = top.Find("spec")) {
          if (e->value.IsSequence()) {
            int i = 0;
            for (const YAML::Node& section : e->value) {
              const Entry item{"", MarkOf(section), section,
                               absl::StrFormat("%s[%d]", e->path, i++)};
              if (std::optional<std::string> t = Text(item, "a spec section such as \"3.4.3\"")) {
                s.spec.push_back({*t, item.mark()});
              }
            }
          } else if (std::optional<std::string> t =
                         Text(*e, "a list of spec sections such as [\"3.4.3\"]")) {
            s.spec.push_back({*t, e->mark()});
          }
        }
        if (const Entry* e = top.Require("platform", "a map with 'dmar' or 'units'")) {
          ParsePlatform(*e, s);
        }
        ParseTables(top.Find("tables"), s);
        if (const Entry* e = top.Find("memory")) {
          if (!e->value.IsSequence()) {
            Error(e->mark(), e->path,
                  absl::StrCat("expected a list of {addr, u64|u32|bytes|file} entries, got ",
                               Describe(e->value)));
          } else {
            int i = 0;
            for (const YAML::Node& item : e->value) {
              if (std::optional<MemoryEntry> m =
                      ParseMemoryEntry(item, absl::StrFormat("memory[%d]", i))) {
                s.memory.push_back(std::move(*m));
              }
              ++i;
            }
          }
        }
        if (const Entry* e = top.Find("timing")) {
          ParseTiming(e->value, "", "timing", 0, s.timing);
        }
        if (const Entry* e = top.Require("steps", "a list of steps")) {
          steps_mark_ = e->key_mark;
          s.steps = ParseSteps(*e);
        }
      }
    } catch (const Done&) {
    } catch (const YAML::ParserException& ex) {
      // yaml-cpp's DeepRecursion is a ParserException too.
      const SourceMark mark = MarkOf(ex.mark);
      errors_.push_back(
          {mark, absl::StrCat("YAML syntax error: ", ex.msg, YamlSyntaxHint(text, mark, ex.msg))});
    } catch (const YAML::Exception& ex) {
      errors_.push_back({MarkOf(ex.mark), absl::StrCat("YAML error: ", ex.msg)});
    } catch (const std::bad_alloc&) {
      errors_.push_back({{}, "out of memory while reading the scenario"});
    } catch (const std::exception& ex) {
      errors_.push_back({{}, absl::StrCat("cannot read the scenario: ", ex.what())});
    }
  }
  if (errors_.empty()) {
    // Expanded count (repeats unrolled), saturating at the limit.
    struct Counter {
      static uint64_t Count(const std::vector<Step>& steps) {
        uint64_t total = 0;
        for (const Step& step : steps) {
          uint64_t n = 1;
          if (const auto* r = std::get_if<RepeatStep>(&step.action)) {
            const uint64_t body = Count(r->steps);
            n = (body != 0 && r->count.value > kMaxExpandedSteps / body) ? kMaxExpandedSteps + 1
                                                                         : r->count.value * body;
          }
          total = std::min(total + n, kMaxExpandedSteps + 1);
        }
        return total;
      }
    };
    s.expanded_step_count = Counter::Count(s.steps);
    if (s.expanded_step_count > kMaxExpandedSteps) {
      Error(steps_mark_, "steps",
            absl::StrFormat("the repeats unroll to more than %d steps", kMaxExpandedSteps));
    }
  }
  if (!errors_.empty()) {
    std::stable_sort(errors_.begin(), errors_.end(), [](const ErrorLine& a, const ErrorLine& b) {
      return std::make_pair(a.mark.line, a.mark.column) <
             std::make_pair(b.mark.line, b.mark.column);
    });
    std::vector<std::string> lines;
    for (const ErrorLine& error : errors_) {
      if (static_cast<int>(lines.size()) == kMaxErrors) {
        lines.push_back(
            absl::StrFormat("%s: ... and %d more errors", file_, errors_.size() - kMaxErrors));
        break;
      }
      // Whatever a file holds (keys with newlines, control bytes), an error stays one line.
      std::string text;
      for (char ch : error.text) {
        const unsigned char c = static_cast<unsigned char>(ch);
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(&text, "\\x%02x", c);
        } else {
          text.push_back(ch);
        }
      }
      lines.push_back(absl::StrCat(FormatLocation(file_, error.mark), ": ", text));
    }
    return absl::InvalidArgumentError(absl::StrJoin(lines, "\n"));
  }
  return s;
}

// ---- platform ----

constexpr absl::string_view kPlatformKeys[] = {"dmar",     "memory_size",  "units",
                                               "cap",      "ecap",         "check_invalidation",
                                               "topology", "unimplemented"};
constexpr absl::string_view kDmarUnitKeys[] = {"base", "version", "cap", "ecap"};
constexpr absl::string_view kUnitKeys[] = {"name",      "base", "segment", "version",
                                           "cap",       "ecap", "scope",   "check_invalidation",
                                           "device_tlb"};

std::filesystem::path Loader::Resolve(const std::string& path) const {
  std::filesystem::path p(path);
  if (p.is_relative()) p = directory_ / p;
  return p;
}

std::optional<uintmax_t> Loader::NamedFileSize(const Entry& e, const std::string& text) {
  const std::filesystem::path path = Resolve(text);
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    Error(e.mark(), e.path,
          absl::StrCat("file ", Shown(text), " does not exist (looked for ", Shown(path.string()),
                       ", relative to the scenario's directory)"));
    return std::nullopt;
  }
  if (!std::filesystem::is_regular_file(status)) {
    Error(e.mark(), e.path, absl::StrCat(Shown(text), " is not a regular file (expected a file)"));
    return std::nullopt;
  }
  const uintmax_t size = std::filesystem::file_size(path, ec);
  if (ec) {
    Error(e.mark(), e.path, absl::StrCat("cannot read ", Shown(text)));
    return std::nullopt;
  }
  return size;
}

std::optional<std::vector<uint8_t>> Loader::ReadNamedFile(const Entry& e, const std::string& text,
                                                          uint64_t max_size) {
  const std::optional<uintmax_t> size = NamedFileSize(e, text);
  if (!size) return std::nullopt;
  if (*size > max_size) {
    Error(e.mark(), e.path,
          absl::StrFormat("%s holds %d bytes (expected at most %s)", Shown(text), *size,
                          Hex(max_size)));
    return std::nullopt;
  }
  std::vector<uint8_t> bytes(static_cast<size_t>(*size));
  if (ReadFileBytes(e, text, 0, absl::MakeSpan(bytes))) return bytes;
  return std::nullopt;
}

bool Loader::ReadFileBytes(const Entry& e, const std::string& text, uint64_t offset,
                           absl::Span<uint8_t> out) {
  std::ifstream in(Resolve(text), std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  if (!out.empty()) {
    in.read(reinterpret_cast<char*>(out.data()), static_cast<std::streamsize>(out.size()));
  }
  if (!in) Error(e.mark(), e.path, absl::StrCat("cannot read ", Shown(text)));
  return static_cast<bool>(in);
}

void Loader::ParseFileWindow(const Entry& e, const std::string& text, const Entry* offset,
                             const Entry* length, const std::optional<Located<uint64_t>>& addr,
                             MemoryEntry& m) {
  const std::optional<uintmax_t> file_size = NamedFileSize(e, text);
  if (!file_size) return;
  m.file = Resolve(text).string();
  if (offset != nullptr) {
    std::optional<Located<uint64_t>> n = Number(*offset, 0, *file_size, true);
    if (!n) return;
    m.file_offset = n->value;
  }
  const uint64_t rest = *file_size - m.file_offset;
  m.file_length = rest;
  if (length != nullptr) {
    std::optional<Located<uint64_t>> n = Number(*length, 0, rest, true);
    if (!n) return;
    m.file_length = n->value;
  }
  // Page-aligned windows are mapped lazily when the scenario runs (MappedFileMemory); others
  // are copied now.
  m.file_mapped = addr && addr->value % HostMemory::kPageSize == 0 &&
                  m.file_offset % HostMemory::kPageSize == 0 && m.file_length > 0;
  if (m.file_mapped || m.file_length == 0) return;
  if (memory_size_ok_ && m.file_length > memory_size_) return;  // CheckInMemory reports it
  m.bytes.resize(static_cast<size_t>(m.file_length));
  ReadFileBytes(e, text, m.file_offset, absl::MakeSpan(m.bytes));
}

void Loader::ParsePlatform(const Entry& e, Scenario& s) {
  Fields f(*this, e.value, e.path, kPlatformKeys, "a platform map with 'dmar' or 'units'");
  if (!f.ok()) return;
  s.platform.mark = f.mark();
  const size_t errors_before = errors_.size();
  if (const Entry* m = f.Find("memory_size")) {
    memory_size_ok_ = false;
    if (auto n = Number(*m, 4096, uint64_t{1} << 52, /*size_units=*/true)) {
      if (n->value % 4096 != 0) {
        Error(m->mark(), m->path,
              absl::StrCat(Hex(n->value),
                           " is not a multiple of 4 KiB (expected a multiple of "
                           "0x1000)"));
      } else {
        s.platform.memory_size = *n;
        memory_size_ = n->value;
        memory_size_ok_ = true;
      }
    }
  }
  s.platform.check_invalidation = {false, f.mark()};
  ReadBool(f.Find("check_invalidation"), s.platform.check_invalidation);
  const Entry* dmar = f.Find("dmar");
  const Entry* units = f.Find("units");
  if (const Entry* m = f.Find("unimplemented")) {
    const std::string word = m->value.IsScalar() ? m->value.Scalar() : "";
    if (word == "mask" || word == "reject") {
      mask_unimplemented_ = word == "mask";
    } else {
      Error(m->mark(), m->path,
            absl::StrCat(m->value.IsScalar() ? Shown(word) : std::string("this value"),
                         " is not a choice (expected 'mask': unimplemented capabilities read "
                         "as clear, or 'reject', the default)"));
    }
  }
  if (dmar == nullptr) {
    for (absl::string_view key : {"topology"}) {
      if (const Entry* k = f.Find(key)) {
        Error(k->key_mark, f.path(),
              absl::StrCat("'", key,
                           "' applies to a 'dmar' platform only (written-out units list their "
                           "scope)"));
        return;
      }
    }
  }
  if (dmar == nullptr && units == nullptr) {
    Error(f.mark(), f.path(),
          "missing 'dmar' or 'units' (expected a DMAR table path, or a list of units)");
    return;
  }
  if (dmar != nullptr) {
    ParseDmar(*dmar, f, s);
  } else {
    std::optional<CapabilityValue> default_cap;
    std::optional<CapabilityValue> default_ecap;
    if (const Entry* c = f.Find("cap")) default_cap = ParseCapability(*c, CapRegister::kCap);
    if (const Entry* c = f.Find("ecap")) default_ecap = ParseCapability(*c, CapRegister::kEcap);
    if (!units->value.IsSequence() || units->value.size() == 0) {
      Error(units->mark(), units->path,
            absl::StrCat("expected a list of units (at least one), got ", Describe(units->value)));
      return;
    }
    UnitsPlatform up;
    int i = 0;
    for (const YAML::Node& node : units->value) {
      std::optional<UnitConfig> unit =
          ParseUnit(node, absl::StrFormat("%s[%d]", units->path, i), i,
                    default_cap ? &*default_cap : nullptr, default_ecap ? &*default_ecap : nullptr);
      if (unit) up.units.push_back(std::move(*unit));
      ++i;
    }
    // Checks across units (a platform, not just a list of units).
    for (size_t a = 0; a < up.units.size(); ++a) {
      const UnitConfig& u = up.units[a];
      const uint64_t size = RegisterSpaceSize(u.cap.value, u.ecap.value);
      for (size_t b = 0; b < a; ++b) {
        const UnitConfig& v = up.units[b];
        if (u.name.value == v.name.value) {
          Error(u.name.mark.known() ? u.name.mark : u.mark,
                absl::StrFormat("%s[%d]", units->path, a),
                absl::StrFormat("unit name '%s' is already used by units[%d] (expected unique "
                                "names)",
                                u.name.value, b));
        }
        const uint64_t other = RegisterSpaceSize(v.cap.value, v.ecap.value);
        if (u.base.value < v.base.value + other && v.base.value < u.base.value + size) {
          Error(u.base.mark, absl::StrFormat("%s[%d].base", units->path, a),
                absl::StrFormat("registers [%s, %s) overlap those of %s at [%s, %s)",
                                Hex(u.base.value), Hex(u.base.value + size), v.name.value,
                                Hex(v.base.value), Hex(v.base.value + other)));
        }
        if (u.segment.value == v.segment.value && u.include_pci_all && v.include_pci_all) {
          Error(u.mark, absl::StrFormat("%s[%d].scope", units->path, a),
                absl::StrFormat("%s and %s both claim every device of segment %d (scope: all); "
                                "expected a list of requesters for all but one of them",
                                v.name.value, u.name.value, u.segment.value));
        }
        if (u.segment.value == v.segment.value) {
          for (const Located<SourceId>& sid : u.scope) {
            for (const Located<SourceId>& other_sid : v.scope) {
              if (sid.value == other_sid.value) {
                Error(sid.mark, absl::StrFormat("%s[%d].scope", units->path, a),
                      absl::StrFormat("requester %s is already in the scope of %s", sid.value,
                                      v.name.value));
              }
            }
          }
        }
      }
    }
    for (const UnitConfig& u : up.units) {
      s.platform.unit_names.push_back(u.name.value);
      s.platform.unit_versions.push_back(u.version ? u.version->value : kDefaultVersion);
      s.platform.unit_caps.push_back(u.cap.value);
      s.platform.unit_ecaps.push_back(u.ecap.value);
      s.platform.unit_check_invalidation.push_back(
          u.check_invalidation ? u.check_invalidation->value : s.platform.check_invalidation.value);
      s.platform.unit_device_tlb.push_back(u.device_tlb);
    }
    units_ = up.units;
    s.platform.notes.insert(s.platform.notes.end(), unit_notes_.begin(), unit_notes_.end());
    s.platform.source = std::move(up);
  }
  platform_ok_ = errors_.size() == errors_before;
  if (platform_ok_) {
    unit_names_ = s.platform.unit_names;
    unit_caps_ = s.platform.unit_caps;
    unit_ecaps_ = s.platform.unit_ecaps;
  }
}

std::optional<CapabilityValue> Loader::ParseCapability(const Entry& e, CapRegister reg) {
  const absl::string_view reg_name = internal::Sv(CapRegisterName(reg));
  CapabilityValue v;
  v.mark = e.mark();
  if (e.value.IsScalar()) {
    std::optional<Located<uint64_t>> n = Number(e, ~uint64_t{0});
    if (!n) return std::nullopt;
    v.form = CapabilityValue::Form::kRaw;
    v.value = n->value;
    return v;
  }
  if (!e.value.IsMap()) {
    Error(e.mark(), e.path,
          absl::StrCat("expected a raw 64-bit ", reg_name, " value or a map of named fields, got ",
                       Describe(e.value)));
    return std::nullopt;
  }
  v.form = CapabilityValue::Form::kFields;
  std::vector<absl::string_view> names;
  for (const CapField& field : FieldsOf(reg)) {
    if (field.kind != FieldKind::kReserved) names.push_back(internal::Sv(field.name));
  }
  bool ok = true;
  std::vector<FieldSetting> settings;
  for (auto it = e.value.begin(); it != e.value.end(); ++it) {
    const SourceMark key_mark = MarkOf(it->first);
    if (!it->first.IsScalar()) {
      Error(key_mark, e.path,
            absl::StrCat("a key must be a field name, got ", Describe(it->first)));
      ok = false;
      continue;
    }
    const std::string key = it->first.Scalar();
    const Entry item{key, key_mark, it->second, absl::StrCat(e.path, ".", key)};
    if (absl::AsciiStrToLower(key) == "base") {
      if (item.value.IsScalar() && absl::AsciiStrToLower(item.value.Scalar()) == "default") {
        v.base = reg == CapRegister::kCap ? kDefaultCap : kDefaultEcap;
      } else if (std::optional<Located<uint64_t>> n = Number(item, ~uint64_t{0})) {
        v.base = n->value;
      } else {
        ok = false;
      }
      continue;
    }
    const CapField* field = FindField(reg, key);
    if (field == nullptr) {
      const std::string suggestion = internal::Closest(absl::AsciiStrToUpper(key), names);
      Error(key_mark, e.path,
            absl::StrCat(
                "unknown ", reg_name, " field ", Shown(key),
                suggestion.empty() ? "" : absl::StrCat(" (did you mean '", suggestion, "'?)"),
                " (expected a field of spec §11.4.", reg == CapRegister::kCap ? "2" : "3",
                " such as ",
                reg == CapRegister::kCap ? "SAGAW, MGAW, ND, FRO, NFR" : "QI, IR, PT, IRO",
                ", or 'base')"));
      ok = false;
      continue;
    }
    bool duplicate = false;
    for (const NamedCapField& seen : v.fields) duplicate |= seen.name == field->name;
    if (duplicate) {
      Error(key_mark, e.path, absl::StrCat("field ", internal::Sv(field->name), " is given twice"));
      ok = false;
      continue;
    }
    std::vector<std::string> values;
    if (item.value.IsScalar()) {
      values.push_back(item.value.Scalar());
    } else if (item.value.IsSequence()) {
      for (const YAML::Node& element : item.value) {
        if (!element.IsScalar()) {
          Error(MarkOf(element), item.path,
                absl::StrCat("expected a value, got ", Describe(element)));
          ok = false;
          break;
        }
        values.push_back(element.Scalar());
      }
    } else {
      Error(item.mark(), item.path,
            absl::StrCat("expected a value or a list of values, got ", Describe(item.value)));
      ok = false;
      continue;
    }
    absl::StatusOr<uint64_t> raw = ParseFieldValue(*field, values);
    if (!raw.ok()) {
      Error(item.mark(), item.path, raw.status().message());
      ok = false;
      continue;
    }
    v.fields.push_back({std::string(field->name), values, key_mark});
    settings.push_back({std::string(field->name), values});
  }
  if (!ok) return std::nullopt;
  absl::StatusOr<uint64_t> encoded = EncodeFields(reg, v.base, settings);
  if (!encoded.ok()) {
    Error(e.mark(), e.path, encoded.status().message());
    return std::nullopt;
  }
  v.value = *encoded;
  return v;
}

std::vector<std::string> Loader::AuditUnit(absl::string_view unit_name, const CapabilityValue& cap,
                                           const CapabilityValue& ecap, SourceMark unit_mark,
                                           const AuditContext& context) {
  const CapabilityAudit audit =
      AuditCapabilities(cap.value, ecap.value, ImplementedFeatures::Today(), context);
  for (const CapabilityProblem& problem : audit.problems) {
    const bool is_ecap = absl::StartsWith(problem.field, "ECAP.");
    const CapabilityValue& owner = is_ecap ? ecap : cap;
    SourceMark mark = owner.mark.known() ? owner.mark : unit_mark;
    const std::string field = problem.field.substr(problem.field.find('.') + 1);
    for (const NamedCapField& named : owner.fields) {
      if (absl::EqualsIgnoreCase(named.name, field)) mark = named.mark;
    }
    absl::string_view why;
    switch (problem.kind) {
      case CapabilityProblem::Kind::kUnsupported:
      case CapabilityProblem::Kind::kEarlierRevision:
        why =
            " (the model does not implement it; expected this field to be 0, or "
            "'unimplemented: mask' on a dmar platform)";
        break;
      case CapabilityProblem::Kind::kInvalid:
      case CapabilityProblem::Kind::kInconsistent:
        why = " (expected a value the spec allows)";
        break;
      case CapabilityProblem::Kind::kPlacement:
        why = " (expected FRO/NFR/IRO to place registers in free space)";
        break;
    }
    Error(mark, absl::StrCat("unit ", unit_name), absl::StrCat(problem.message, why));
  }
  return audit.notes;
}

std::optional<UnitConfig> Loader::ParseUnit(const YAML::Node& node, const std::string& path,
                                            int index, const CapabilityValue* default_cap,
                                            const CapabilityValue* default_ecap) {
  Fields f(*this, node, path, kUnitKeys, "a unit map {name, base, segment, cap, ecap, scope}");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  UnitConfig u;
  u.mark = f.mark();
  u.name = {absl::StrCat("dmar", index), f.mark()};
  if (const Entry* e = f.Find("name")) {
    if (std::optional<std::string> name = Text(*e, "a unit name")) {
      if (name->empty()) {
        Error(e->mark(), e->path, "the name is empty (expected a name such as dmar0)");
      } else if (ParseNumber(*name).ok()) {
        Error(e->mark(), e->path,
              absl::StrCat(Shown(*name),
                           " looks like a unit index (expected a name such as "
                           "dmar0)"));
      } else {
        u.name = {*name, e->mark()};
      }
    }
  }
  if (const Entry* e = f.Require("base", "the register base address")) {
    if (std::optional<Located<uint64_t>> n = Number(*e, ~uint64_t{0})) {
      if (n->value % 4096 != 0) {
        Error(e->mark(), e->path,
              absl::StrCat(Hex(n->value),
                           " is not 4 KiB aligned (expected a register base that "
                           "is a multiple of 0x1000)"));
      } else if (n->value > (uint64_t{1} << 52) - (uint64_t{1} << 16)) {
        Error(e->mark(), e->path,
              absl::StrCat(Hex(n->value), " is beyond the 52-bit physical address space"));
      } else {
        u.base = *n;
      }
    }
  }
  ReadNumber(f.Find("segment"), 0xffff, u.segment);
  auto capability = [&](absl::string_view key, CapRegister reg, const CapabilityValue* fallback,
                        CapabilityValue& out) {
    if (const Entry* e = f.Find(key)) {
      if (std::optional<CapabilityValue> v = ParseCapability(*e, reg)) out = std::move(*v);
    } else if (fallback != nullptr) {
      out = *fallback;
    } else {
      out.form = CapabilityValue::Form::kDefault;
      out.value = reg == CapRegister::kCap ? kDefaultCap : kDefaultEcap;
      out.mark = {};
    }
  };
  capability("cap", CapRegister::kCap, default_cap, u.cap);
  capability("ecap", CapRegister::kEcap, default_ecap, u.ecap);
  ReadBool(f.Find("check_invalidation"), u.check_invalidation);
  if (const Entry* e = f.Find("device_tlb")) {
    const std::string text = e->value.IsScalar() ? e->value.Scalar() : "";
    bool known = false;
    for (DeviceTlbResponse r : {DeviceTlbResponse::kCompleted, DeviceTlbResponse::kTimeout,
                                DeviceTlbResponse::kInvalidCompletion}) {
      if (text == DeviceTlbResponseName(r)) {
        u.device_tlb = r;
        known = true;
      }
    }
    if (!known) {
      Error(e->mark(), e->path,
            absl::StrCat(e->value.IsScalar() ? Shown(text) : std::string("this value"),
                         " is not a device-TLB response (expected completed, timeout or "
                         "invalid_completion)"));
    }
  }
  if (const Entry* e = f.Find("scope")) {
    if (e->value.IsScalar()) {
      if (absl::AsciiStrToLower(e->value.Scalar()) != "all") {
        Error(e->mark(), e->path,
              absl::StrCat(Shown(e->value.Scalar()),
                           " is not a scope (expected 'all' or a list of \"bb:dd.f\" requesters)"));
      }
    } else if (e->value.IsSequence()) {
      u.include_pci_all = false;
      int i = 0;
      for (const YAML::Node& item : e->value) {
        const std::string item_path = absl::StrFormat("%s[%d]", e->path, i++);
        if (std::optional<Located<SourceId>> sid = Requester(item, item_path)) {
          bool duplicate = false;
          for (const Located<SourceId>& seen : u.scope) duplicate |= seen.value == sid->value;
          if (duplicate) {
            Error(sid->mark, item_path,
                  absl::StrFormat("requester %s is listed twice", sid->value));
          } else {
            u.scope.push_back(*sid);
          }
        }
      }
    } else {
      Error(e->mark(), e->path,
            absl::StrCat("expected 'all' or a list of \"bb:dd.f\" requesters, got ",
                         Describe(e->value)));
    }
  }
  if (const Entry* ver = f.Find("version")) u.version = Version(*ver);
  if (errors_.size() != errors_before) return std::nullopt;
  AuditContext context;
  if (u.version) context.version = u.version->value;
  if (mask_unimplemented_) {
    const MaskedCapabilities masked =
        MaskUnimplemented(u.cap.value, u.ecap.value, ImplementedFeatures::Today(), context);
    for (const MaskedField& m : masked.masked) {
      unit_notes_.push_back(
          absl::StrFormat("%s: masked %s, reported clear: %s", u.name.value, m.field, m.reason));
    }
    u.cap.value = masked.cap;
    u.ecap.value = masked.ecap;
  }
  for (const std::string& note : AuditUnit(u.name.value, u.cap, u.ecap, u.mark, context)) {
    unit_notes_.push_back(absl::StrCat(u.name.value, ": ", note));
  }
  if (errors_.size() != errors_before) return std::nullopt;
  return u;
}

void Loader::ParseDmar(const Entry& e, const Fields& platform_fields, Scenario& s) {
  std::optional<std::string> text = Text(e, "the path of a DMAR table");
  if (!text) return;
  std::optional<std::vector<uint8_t>> file = ReadNamedFile(e, *text, uint64_t{1} << 24);
  if (!file) return;
  const std::string resolved = Resolve(*text).string();
  std::vector<uint8_t> bytes = std::move(*file);
  if (acpi::LooksLikeAcpidumpText(bytes)) {
    absl::StatusOr<acpi::LoadedDmar> loaded = acpi::LoadDmarFile(resolved);
    if (!loaded.ok()) {
      Error(e.mark(), e.path, loaded.status().message());
      return;
    }
    bytes = std::move(loaded->bytes);
  }
  absl::StatusOr<acpi::DmarTable> table = acpi::ParseDmar(bytes);
  if (!table.ok()) {
    Error(e.mark(), e.path,
          absl::StrCat("DMAR table ", Shown(*text), " does not parse: ", table.status().message()));
    return;
  }
  platform::Platform platform = platform::Platform::FromDmar(*table);
  if (platform.units().empty()) {
    Error(e.mark(), e.path,
          absl::StrCat("DMAR table ", Shown(*text),
                       " has no DRHD (expected at least one remapping unit)"));
    return;
  }
  DmarPlatform d;
  d.path = {resolved, e.mark()};
  d.bytes = std::move(bytes);
  d.table = std::move(*table);
  const size_t errors_before = errors_.size();
  const int haw = d.table.header.host_address_width + 1;
  d.cap = {CapabilityValue::Form::kDefault, DefaultCapFor(haw), 0, {}, {}};
  d.ecap = {CapabilityValue::Form::kDefault, kDefaultEcap, 0, {}, {}};
  if (const Entry* c = platform_fields.Find("cap")) {
    if (auto v = ParseCapability(*c, CapRegister::kCap)) d.cap = std::move(*v);
  }
  if (const Entry* c = platform_fields.Find("ecap")) {
    if (auto v = ParseCapability(*c, CapRegister::kEcap)) d.ecap = std::move(*v);
  }
  d.mask_unimplemented = mask_unimplemented_;
  if (const Entry* t = platform_fields.Find("topology")) ParseTopology(*t, d.topology);
  if (const Entry* u = platform_fields.Find("units")) ParseDmarUnits(*u, platform, d);
  if (errors_.size() != errors_before) return;
  if (!d.topology.empty()) platform = platform::Platform::FromDmar(d.table, d.topology);
  for (size_t i = 0; i < platform.units().size(); ++i) {
    const platform::DrhdUnit& drhd = platform.units()[i];
    const std::string name = absl::StrCat("dmar", i);
    const DmarUnitValues* given = nullptr;
    for (const DmarUnitValues& v : d.units) {
      if (v.base.value == drhd.register_base) given = &v;
    }
    const CapabilityValue& cap =
        given != nullptr && given->cap.form != CapabilityValue::Form::kDefault ? given->cap : d.cap;
    const CapabilityValue& ecap =
        given != nullptr && given->ecap.form != CapabilityValue::Form::kDefault ? given->ecap
                                                                                : d.ecap;
    const uint32_t version =
        given != nullptr && given->version ? given->version->value : kDefaultVersion;
    const SourceMark mark = given != nullptr ? given->mark : e.mark();
    AuditContext context;
    context.host_address_width = haw;
    if (given != nullptr && given->version) context.version = version;
    uint64_t cap_value = cap.value;
    uint64_t ecap_value = ecap.value;
    if (d.mask_unimplemented) {
      const MaskedCapabilities masked =
          MaskUnimplemented(cap.value, ecap.value, ImplementedFeatures::Today(), context);
      for (const MaskedField& m : masked.masked) {
        s.platform.notes.push_back(absl::StrFormat("%s (base %s): masked %s, reported clear: %s",
                                                   name, Hex(drhd.register_base), m.field,
                                                   m.reason));
      }
      cap_value = masked.cap;
      ecap_value = masked.ecap;
    }
    CapabilityValue cap_used = cap;
    CapabilityValue ecap_used = ecap;
    cap_used.value = cap_value;
    ecap_used.value = ecap_value;
    const std::string who =
        given != nullptr || d.units.empty()
            ? name
            : absl::StrFormat("%s (base %s, table defaults)", name, Hex(drhd.register_base));
    for (const std::string& note : AuditUnit(who, cap_used, ecap_used, mark, context)) {
      s.platform.notes.push_back(absl::StrCat(name, ": ", note));
    }
    s.platform.unit_names.push_back(name);
    s.platform.unit_versions.push_back(version);
    s.platform.unit_caps.push_back(cap_value);
    s.platform.unit_ecaps.push_back(ecap_value);
    s.platform.unit_check_invalidation.push_back(s.platform.check_invalidation.value);
  }
  if (errors_.size() != errors_before) return;
  dmar_platform_ = std::move(platform);
  s.platform.source = std::move(d);
}

std::optional<Located<uint32_t>> Loader::Version(const Entry& e) {
  absl::StatusOr<uint32_t> parsed = e.value.IsScalar()
                                        ? ParseVersion(e.value.Scalar())
                                        : absl::InvalidArgumentError("expected a version");
  if (!parsed.ok()) {
    Error(e.mark(), e.path,
          absl::StrCat(parsed.status().message(),
                       " (expected VER as Linux prints it, \"1:0\", or the raw register value, "
                       "0x10)"));
    return std::nullopt;
  }
  return Located<uint32_t>{*parsed, e.mark()};
}

void Loader::ParseTopology(const Entry& e, platform::PciTopology& topology) {
  if (e.value.IsScalar()) {
    std::optional<std::string> text = Text(e, "the path of a topology file");
    if (!text) return;
    std::optional<std::vector<uint8_t>> file = ReadNamedFile(e, *text, uint64_t{1} << 24);
    if (!file) return;
    absl::StatusOr<platform::PciTopology> parsed = platform::PciTopology::ParseText(
        absl::string_view(reinterpret_cast<const char*>(file->data()), file->size()), *text);
    if (!parsed.ok()) {
      Error(e.mark(), e.path, parsed.status().message());
      return;
    }
    topology = std::move(*parsed);
    return;
  }
  if (!e.value.IsSequence()) {
    Error(e.mark(), e.path,
          absl::StrCat("expected a topology file or a list of \"SEG:BB:DD.F=SEC-SUB\" bridges, "
                       "got ",
                       Describe(e.value)));
    return;
  }
  for (const YAML::Node& item : e.value) {
    if (!item.IsScalar()) {
      Error(MarkOf(item), e.path,
            absl::StrCat("expected a bridge \"SEG:BB:DD.F=SEC-SUB\", got ", Describe(item)));
      continue;
    }
    absl::StatusOr<platform::PciBridge> bridge =
        platform::PciTopology::ParseBridgeSpec(item.Scalar());
    absl::Status added = bridge.ok() ? topology.AddBridge(*bridge) : bridge.status();
    if (!added.ok()) Error(MarkOf(item), e.path, added.message());
  }
}

void Loader::ParseDmarUnits(const Entry& e, const platform::Platform& platform, DmarPlatform& d) {
  if (!e.value.IsSequence()) {
    Error(e.mark(), e.path,
          absl::StrCat("expected a list of units {base, version, cap, ecap}, got ",
                       Describe(e.value)));
    return;
  }
  std::vector<std::string> bases;
  for (const platform::DrhdUnit& u : platform.units()) bases.push_back(Hex(u.register_base));
  int i = 0;
  for (const YAML::Node& node : e.value) {
    const std::string path = absl::StrFormat("%s[%d]", e.path, i++);
    Fields f(*this, node, path, kDmarUnitKeys, "a unit map {base, version, cap, ecap}");
    if (!f.ok()) continue;
    DmarUnitValues v;
    v.mark = f.mark();
    if (const Entry* b = f.Require("base", "the register base of one of the table's DRHDs")) {
      std::optional<Located<uint64_t>> n = Number(*b, ~uint64_t{0});
      if (!n) continue;
      v.base = *n;
      bool known = false;
      for (const platform::DrhdUnit& u : platform.units()) known |= u.register_base == n->value;
      if (!known) {
        Error(b->mark(), b->path,
              absl::StrFormat("no DRHD of the table has register base %s (its DRHDs: %s)",
                              Hex(n->value), absl::StrJoin(bases, ", ")));
        continue;
      }
      for (const DmarUnitValues& seen : d.units) {
        if (seen.base.value == n->value) {
          Error(b->mark(), b->path,
                absl::StrFormat("register base %s is given twice", Hex(n->value)));
        }
      }
    } else {
      continue;
    }
    if (const Entry* ver = f.Find("version")) v.version = Version(*ver);
    if (const Entry* c = f.Find("cap")) {
      if (auto cv = ParseCapability(*c, CapRegister::kCap)) v.cap = std::move(*cv);
    }
    if (const Entry* c = f.Find("ecap")) {
      if (auto cv = ParseCapability(*c, CapRegister::kEcap)) v.ecap = std::move(*cv);
    }
    d.units.push_back(std::move(v));
  }
}

// ---- memory, timing, tables ----

constexpr absl::string_view kMemoryKeys[] = {"addr",  "u64",  "u32",    "u16",   "u8",
                                             "bytes", "file", "offset", "length"};

std::optional<MemoryEntry> Loader::ParseMemoryEntry(const YAML::Node& node,
                                                    const std::string& path) {
  Fields f(*this, node, path, kMemoryKeys, "a memory entry {addr, u64|u32|bytes|file}");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  MemoryEntry m;
  m.mark = f.mark();
  std::optional<Located<uint64_t>> addr;
  if (const Entry* e = f.Require("addr", "the address to write at"))
    addr = Number(*e, ~uint64_t{0});
  const Entry* data = nullptr;
  const Entry* file_offset = nullptr;
  const Entry* file_length = nullptr;
  for (const Entry& e : f.entries()) {
    if (e.key == "addr") continue;
    if (e.key == "offset" || e.key == "length") {
      (e.key == "offset" ? file_offset : file_length) = &e;
      continue;
    }
    if (data != nullptr) {
      Error(e.key_mark, path,
            absl::StrFormat("has both '%s' and '%s' (expected exactly one of u64, u32, u16, u8, "
                            "bytes, file)",
                            data->key, e.key));
      return std::nullopt;
    }
    data = &e;
  }
  if (data == nullptr) {
    Error(f.mark(), path, "missing the data (expected one of u64, u32, u16, u8, bytes, file)");
    return std::nullopt;
  }
  if (data->key != "file") {
    for (const Entry* e : {file_offset, file_length}) {
      if (e != nullptr) {
        Error(e->key_mark, e->path,
              absl::StrFormat("'%s' applies to 'file' only (a window of the file)", e->key));
      }
    }
  }
  m.data_mark = data->mark();
  if (data->key == "file") {
    m.form = MemoryEntry::Form::kFile;
    if (std::optional<std::string> text = Text(*data, "a file path")) {
      ParseFileWindow(*data, *text, file_offset, file_length, addr, m);
    }
  } else if (!ParseDataForm(*data, m.form, m.bytes)) {
    return std::nullopt;
  }
  if (addr) {
    m.addr = *addr;
    CheckInMemory(*addr, m.form == MemoryEntry::Form::kFile ? m.file_length : m.bytes.size(), path,
                  "the data");
  }
  if (errors_.size() != errors_before) return std::nullopt;
  return m;
}

bool Loader::ParseDataForm(const Entry& data_entry, MemoryEntry::Form& form,
                           std::vector<uint8_t>& bytes) {
  const Entry* data = &data_entry;
  const size_t errors_before = errors_.size();
  if (data->key == "bytes") {
    form = MemoryEntry::Form::kBytes;
    if (std::optional<std::string> text = Text(*data, "a hex string such as \"00ff10\"")) {
      std::string digits;
      for (char ch : *text) {
        if (ch == ' ' || ch == '\t' || ch == '\n' || ch == '_') continue;
        if (!absl::ascii_isxdigit(static_cast<unsigned char>(ch))) {
          Error(data->mark(), data->path,
                absl::StrCat(Shown(*text),
                             " is not a hex string (expected pairs of hex digits "
                             "such as \"00ff10\")"));
          return false;
        }
        digits.push_back(ch);
      }
      if (digits.size() % 2 != 0) {
        Error(data->mark(), data->path,
              absl::StrFormat("%s has an odd number of hex digits (%d; expected two per byte)",
                              Shown(*text), digits.size()));
        return false;
      }
      for (size_t i = 0; i < digits.size(); i += 2) {
        bytes.push_back(
            static_cast<uint8_t>(*ParseDigits(absl::string_view(digits).substr(i, 2), 16, digits)));
      }
    }
  } else {
    int bits = 64;
    form = MemoryEntry::Form::kU64;
    if (data->key == "u32") {
      bits = 32;
      form = MemoryEntry::Form::kU32;
    } else if (data->key == "u16") {
      bits = 16;
      form = MemoryEntry::Form::kU16;
    } else if (data->key == "u8") {
      bits = 8;
      form = MemoryEntry::Form::kU8;
    }
    auto add = [&](const Entry& item) {
      if (std::optional<Located<uint64_t>> n = Number(item, LowMask(bits))) {
        for (int b = 0; b < bits / 8; ++b)
          bytes.push_back(static_cast<uint8_t>(n->value >> (8 * b)));
      }
    };
    if (data->value.IsSequence()) {
      int i = 0;
      for (const YAML::Node& item : data->value) {
        add(Entry{"", MarkOf(item), item, absl::StrFormat("%s[%d]", data->path, i++)});
      }
    } else if (data->value.IsScalar()) {
      add(*data);
    } else {
      Error(data->mark(), data->path,
            absl::StrCat("expected a list of numbers, got ", Describe(data->value)));
    }
  }
  return errors_.size() == errors_before;
}

std::optional<std::vector<uint8_t>> Loader::DataBytes(const Entry& e) {
  static constexpr absl::string_view kDataKeys[] = {"u64", "u32", "u16", "u8", "bytes"};
  Fields f(*this, e.value, e.path, kDataKeys, "a map with one of u64, u32, u16, u8, bytes");
  if (!f.ok()) return std::nullopt;
  if (f.entries().size() != 1) {
    Error(f.mark(), e.path, "expected exactly one of u64, u32, u16, u8, bytes");
    return std::nullopt;
  }
  MemoryEntry::Form form;
  std::vector<uint8_t> bytes;
  if (!ParseDataForm(f.entries().front(), form, bytes)) return std::nullopt;
  return bytes;
}

void Loader::ParseTiming(const YAML::Node& node, const std::string& key, const std::string& path,
                         int depth, std::vector<TimingEntry>& out) {
  if (node.IsMap()) {
    if (depth >= 4) {
      Error(MarkOf(node), path, "timing keys nest deeper than 4 levels");
      return;
    }
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (!it->first.IsScalar()) {
        Error(MarkOf(it->first), path,
              absl::StrCat("a key must be a word, got ", Describe(it->first)));
        continue;
      }
      const std::string name =
          key.empty() ? it->first.Scalar() : absl::StrCat(key, ".", it->first.Scalar());
      bool duplicate = false;
      for (const TimingEntry& t : out) duplicate |= t.key == name;
      if (duplicate) {
        Error(MarkOf(it->first), path, absl::StrCat("duplicate key ", Shown(it->first.Scalar())));
        continue;
      }
      ParseTiming(it->second, name, absl::StrCat(path, ".", it->first.Scalar()), depth + 1, out);
    }
    return;
  }
  if (depth == 0 || !node.IsScalar()) {
    Error(MarkOf(node), path,
          absl::StrCat("expected ", depth == 0 ? "a map of cost-model overrides" : "a number",
                       ", got ", Describe(node)));
    return;
  }
  // `preset: broadwell` is the readable spelling of `preset.broadwell: 1`.
  if (key == "preset" && node.IsScalar() && !node.Scalar().empty() &&
      !absl::ascii_isdigit(static_cast<unsigned char>(node.Scalar()[0]))) {
    out.push_back({absl::StrCat("preset.", node.Scalar()), 1, MarkOf(node)});
    return;
  }
  if (std::optional<Located<uint64_t>> n =
          Number(Entry{key, MarkOf(node), node, path}, ~uint64_t{0})) {
    out.push_back({key, n->value, n->mark});
  }
}

void Loader::ParseTables(const Entry* e, Scenario& s) {
  uint64_t size = std::min<uint64_t>(uint64_t{256} << 20, memory_size_ / 4) & ~uint64_t{0xfff};
  if (size == 0) size = 4096;
  s.tables.pool_size = {size, {}};
  s.tables.pool_base = {memory_size_ - size, {}};
  if (e == nullptr) return;
  static constexpr absl::string_view kKeys[] = {"base", "size"};
  Fields f(*this, e->value, e->path, kKeys, "a map {base, size} for the table pool");
  if (!f.ok()) return;
  s.tables.mark = f.mark();
  if (const Entry* b = f.Find("base")) {
    if (auto n = Number(*b, ~uint64_t{0})) s.tables.pool_base = *n;
  }
  if (const Entry* z = f.Find("size")) {
    if (auto n = Number(*z, 4096, ~uint64_t{0}, /*size_units=*/true)) s.tables.pool_size = *n;
  }
  const Located<uint64_t>& base = s.tables.pool_base;
  const Located<uint64_t>& pool = s.tables.pool_size;
  if (base.value % 4096 != 0 || pool.value % 4096 != 0) {
    Error(base.value % 4096 != 0 ? base.mark : pool.mark, e->path,
          "the table pool must be 4 KiB aligned (expected base and size multiples of 0x1000)");
  } else if (memory_size_ok_ &&
             (pool.value > memory_size_ || base.value > memory_size_ - pool.value)) {
    Error(f.mark(), e->path,
          absl::StrFormat("the table pool [%s, %s) is outside memory (memory_size %s)",
                          Hex(base.value), Hex(base.value + pool.value), Hex(memory_size_)));
  }
}

// ---- steps ----

std::vector<Step> Loader::ParseSteps(const Entry& e) {
  std::vector<Step> steps;
  if (!e.value.IsSequence()) {
    Error(e.mark(), e.path, absl::StrCat("expected a list of steps, got ", Describe(e.value)));
    return steps;
  }
  int i = 0;
  for (const YAML::Node& node : e.value) {
    if (std::optional<Step> step = ParseStep(node, absl::StrFormat("%s[%d]", e.path, i))) {
      steps.push_back(std::move(*step));
    }
    ++i;
    if (step_budget_reported_) break;
  }
  return steps;
}

std::optional<Step> Loader::ParseStep(const YAML::Node& node, const std::string& path) {
  if (++parsed_steps_ > kMaxParsedSteps) {
    if (!step_budget_reported_) {
      step_budget_reported_ = true;
      Error(MarkOf(node), path,
            absl::StrFormat("more than %d steps to read (expected fewer; use 'repeat' for long "
                            "streams)",
                            kMaxParsedSteps));
    }
    return std::nullopt;
  }
  static const std::vector<absl::string_view> kStepKeys = [] {
    std::vector<absl::string_view> keys(std::begin(kActionNames), std::end(kActionNames));
    keys.push_back("label");
    keys.push_back("expect");
    return keys;
  }();
  if (!node.IsMap()) {
    Error(MarkOf(node), path,
          absl::StrCat("expected a step map with one action (", JoinKeys(kActionNames), "), got ",
                       Describe(node)));
    return std::nullopt;
  }
  Fields f(*this, node, path, kStepKeys, "a step");
  const size_t errors_before = errors_.size();
  const Entry* action = nullptr;
  int kind = -1;
  for (const Entry& e : f.entries()) {
    for (int k = 0; k < static_cast<int>(std::size(kActionNames)); ++k) {
      if (e.key != kActionNames[k]) continue;
      if (action != nullptr) {
        Error(e.key_mark, path,
              absl::StrFormat("step has two actions, '%s' and '%s' (expected exactly one of: %s)",
                              action->key, e.key, JoinKeys(kActionNames)));
        return std::nullopt;
      }
      action = &e;
      kind = k;
    }
  }
  if (action == nullptr) {
    Error(
        f.mark(), path,
        absl::StrCat("step has no action (expected exactly one of: ", JoinKeys(kActionNames), ")"));
    return std::nullopt;
  }
  Step step;
  step.mark = f.mark();
  if (const Entry* e = f.Find("label")) {
    if (std::optional<std::string> label = Text(*e, "a label")) step.label = *label;
  }
  int value_bits = 64;
  bool parsed = false;
  auto take = [&](auto result) {
    if (result) {
      step.action = std::move(*result);
      parsed = true;
    }
  };
  switch (static_cast<ActionKind>(kind)) {
    case ActionKind::kMmioWrite:
      take(ParseMmioWrite(*action));
      break;
    case ActionKind::kMmioRead: {
      std::optional<MmioRead> r = ParseMmioRead(*action);
      if (r) value_bits = r->width.value;
      take(std::move(r));
      break;
    }
    case ActionKind::kMemWrite: {
      std::optional<MemoryEntry> m = ParseMemoryEntry(action->value, action->path);
      if (m) take(std::optional<MemWrite>(MemWrite{std::move(*m)}));
      break;
    }
    case ActionKind::kMemRead: {
      std::optional<MemRead> r = ParseMemRead(*action);
      if (r) value_bits = r->width.value;
      take(std::move(r));
      break;
    }
    case ActionKind::kDma:
      take(ParseDma(*action));
      break;
    case ActionKind::kInterrupt:
      take(ParseInterrupt(*action));
      break;
    case ActionKind::kMap:
      take(ParseMap(*action));
      break;
    case ActionKind::kEnable:
      take(ParseEnable(*action));
      break;
    case ActionKind::kRepeat:
      take(ParseRepeat(*action));
      break;
    case ActionKind::kQueue:
      take(ParseQueue(*action));
      break;
    case ActionKind::kIrte:
      take(ParseIrte(*action));
      break;
    case ActionKind::kReset:
      take(ParseReset(*action));
      break;
    case ActionKind::kPageRequest:
      take(ParsePageRequest(*action));
      break;
  }
  if (const Entry* e = f.Find("expect")) {
    if (static_cast<ActionKind>(kind) == ActionKind::kRepeat) {
      Error(e->key_mark, path,
            "a repeat step takes no 'expect' (expected expectations on the steps inside it)");
    } else {
      step.expect = ParseExpect(*e, static_cast<ActionKind>(kind), value_bits,
                                parsed ? std::get_if<Dma>(&step.action) : nullptr);
    }
  }
  if (!parsed || errors_.size() != errors_before) return std::nullopt;
  return step;
}

// ---- actions ----

constexpr absl::string_view kMmioWriteKeys[] = {"unit", "offset", "reg", "value", "width"};
constexpr absl::string_view kMmioReadKeys[] = {"unit", "offset", "reg", "width"};
constexpr absl::string_view kMemReadKeys[] = {"addr", "width"};
constexpr absl::string_view kDmaKeys[] = {"sid",  "segment", "addr", "size", "access", "pasid",
                                          "exec", "priv",    "at",   "nw",   "data",   "atc"};
constexpr absl::string_view kInterruptKeys[] = {"sid", "segment", "address", "data"};
constexpr absl::string_view kMapKeys[] = {
    "unit",    "sid",          "segment",   "domain",       "iova",  "hpa",  "size",
    "perm",    "page_size",    "levels",    "rmrr",         "pasid", "pgtt", "rid_pasid",
    "ssade",   "sre",          "wpe",       "eafe",         "user",  "xd",   "gpa",
    "ss_perm", "ss_page_size", "ss_levels", "guest_tables", "dte",   "pre",  "eptr"};
// Keys that only some PGTTs take (S §9.6): first-stage (001b, 011b), nested only (011b), and
// the second-stage A/D enable (010b, 011b).
constexpr absl::string_view kFirstStageMapKeys[] = {"sre", "wpe", "eafe", "user", "xd"};
constexpr absl::string_view kNestedMapKeys[] = {"gpa", "ss_perm", "ss_page_size", "ss_levels",
                                                "guest_tables"};
constexpr absl::string_view kEnableKeys[] = {"unit", "root", "mode"};
constexpr absl::string_view kRepeatKeys[] = {"count", "stride", "steps"};

std::optional<RegisterRef> Loader::Register(const Fields& f, int unit) {
  const Entry* offset = f.Find("offset");
  const Entry* reg = f.Find("reg");
  if (offset != nullptr && reg != nullptr) {
    Error(reg->key_mark, f.path(), "has both 'offset' and 'reg' (expected one of them)");
    return std::nullopt;
  }
  if (offset == nullptr && reg == nullptr) {
    Error(f.mark(), f.path(),
          "missing 'offset' or 'reg' (expected a register offset, or a spec register name such "
          "as GCMD, RTADDR or IQT)");
    return std::nullopt;
  }
  const bool placed = PlatformKnown() && unit >= 0 && unit < UnitCount();
  const uint64_t cap = placed ? unit_caps_[unit] : 0;
  const uint64_t ecap = placed ? unit_ecaps_[unit] : 0;
  RegisterRef r;
  if (offset != nullptr) {
    std::optional<Located<uint64_t>> n = Number(*offset, 0xffff);
    if (!n) return std::nullopt;
    r.by_offset = true;
    r.written = offset->value.Scalar();
    r.offset = static_cast<uint32_t>(n->value);
    r.mark = n->mark;
    if (placed) {
      const uint32_t space = RegisterSpaceSize(cap, ecap);
      if (r.offset >= space) {
        Error(n->mark, offset->path,
              absl::StrFormat("%s is outside %s's register space (expected an offset below %s)",
                              Hex(r.offset), unit_names_[unit], Hex(space)));
        return std::nullopt;
      }
      r.natural_width = NaturalWidthAt(r.offset, cap, ecap);
      for (const PlacedRegister& p : PlaceRegisters(cap, ecap)) {
        if (p.offset == r.offset) r.name = p.Name();
      }
    }
    return r;
  }
  std::optional<std::string> text = Text(*reg, "a register name such as GCMD");
  if (!text) return std::nullopt;
  std::optional<RegisterName> name = LookupRegisterName(*text);
  if (!name) {
    const std::string suggestion = SuggestRegisterName(*text);
    Error(
        reg->mark(), reg->path,
        absl::StrCat(Shown(*text), " is not a VT-d register name",
                     suggestion.empty() ? "" : absl::StrCat(" (did you mean '", suggestion, "'?)"),
                     " (expected a spec register name such as GCMD, GSTS, RTADDR, CCMD, FSTS, "
                     "IQT, IOTLB, IVA, FRCD0)"));
    return std::nullopt;
  }
  r.name = name->canonical;
  r.written = *text;
  r.modeled = name->modeled;
  r.natural_width = name->width;
  r.mark = reg->mark();
  if (placed) {
    absl::StatusOr<uint32_t> where = PlaceRegisterName(*name, cap, ecap);
    if (!where.ok()) {
      Error(reg->mark(), reg->path,
            absl::StrCat("on ", unit_names_[unit], ": ", where.status().message()));
      return std::nullopt;
    }
    r.offset = *where;
  } else {
    r.offset = name->offset;
  }
  return r;
}

// Checks what an MMIO access needs: alignment of the offset for its width (S §11.2).
bool CheckMmioAlignment(Loader& loader, const RegisterRef& reg, int width, const std::string& path,
                        void (Loader::*error)(SourceMark, absl::string_view, absl::string_view)) {
  if (reg.offset % static_cast<uint32_t>(width / 8) == 0) return true;
  (loader.*error)(reg.mark, path,
                  absl::StrFormat("offset %s is not aligned for a %d-bit access (expected a "
                                  "multiple of %d)",
                                  Hex(reg.offset), width, width / 8));
  return false;
}

std::optional<MmioWrite> Loader::ParseMmioWrite(const Entry& e) {
  Fields f(*this, e.value, e.path, kMmioWriteKeys, "a map {unit, offset|reg, value, width}");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  MmioWrite w;
  std::optional<UnitRef> unit = Unit(f.Find("unit"), f.mark());
  std::optional<RegisterRef> reg = Register(f, unit ? unit->index : -1);
  std::optional<Located<uint64_t>> value;
  if (const Entry* v = f.Require("value", "the value to write")) value = Number(*v, ~uint64_t{0});
  std::optional<Located<int>> width;
  if (const Entry* wd = f.Find("width")) width = Width(*wd, {32, 64});
  if (errors_.size() != errors_before || !unit || !reg || !value) return std::nullopt;
  w.unit = *unit;
  w.reg = *reg;
  w.value = *value;
  w.width = width ? *width : Located<int>{reg->natural_width, {}};
  if (!CheckMmioAlignment(*this, w.reg, w.width.value, e.path, &Loader::Error)) return std::nullopt;
  CheckOffsetStride(w.reg, w.width.value, w.unit.index, e.path);
  if (errors_.size() != errors_before) return std::nullopt;
  if (w.width.value == 32 && w.value.value > 0xffffffff) {
    Error(w.value.mark, e.path + ".value",
          absl::StrFormat("%s does not fit in a 32-bit write (expected at most 0xffffffff, or "
                          "width: 64)",
                          Hex(w.value.value)));
    return std::nullopt;
  }
  return w;
}

std::optional<MmioRead> Loader::ParseMmioRead(const Entry& e) {
  Fields f(*this, e.value, e.path, kMmioReadKeys, "a map {unit, offset|reg, width}");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  std::optional<UnitRef> unit = Unit(f.Find("unit"), f.mark());
  std::optional<RegisterRef> reg = Register(f, unit ? unit->index : -1);
  std::optional<Located<int>> width;
  if (const Entry* wd = f.Find("width")) width = Width(*wd, {32, 64});
  if (errors_.size() != errors_before || !unit || !reg) return std::nullopt;
  MmioRead r{*unit, *reg, width ? *width : Located<int>{reg->natural_width, {}}};
  if (!CheckMmioAlignment(*this, r.reg, r.width.value, e.path, &Loader::Error)) return std::nullopt;
  CheckOffsetStride(r.reg, r.width.value, r.unit.index, e.path);
  if (errors_.size() != errors_before) return std::nullopt;
  return r;
}

std::optional<MemRead> Loader::ParseMemRead(const Entry& e) {
  Fields f(*this, e.value, e.path, kMemReadKeys, "a map {addr, width}");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  MemRead r;
  if (const Entry* a = f.Require("addr", "the address to read")) {
    if (auto n = Number(*a, ~uint64_t{0})) r.addr = *n;
  }
  if (const Entry* w = f.Require("width", "8, 16, 32 or 64")) {
    if (auto n = Width(*w, {8, 16, 32, 64})) r.width = *n;
  }
  if (errors_.size() != errors_before) return std::nullopt;
  CheckInMemory(r.addr, static_cast<uint64_t>(r.width.value / 8), e.path, "the read");
  if (errors_.size() != errors_before) return std::nullopt;
  return r;
}

void Loader::CheckOffsetStride(const RegisterRef& reg, int width, int unit,
                               const std::string& path) {
  bool strided = false;
  for (const RepeatLevel& level : repeats_) {
    if (level.stride.offset == 0) continue;
    strided = true;
    if (level.stride.offset % static_cast<uint64_t>(width / 8) != 0) {
      Error(level.stride.mark, path,
            absl::StrFormat("the repeat stride offset %s does not keep a %d-bit access aligned "
                            "(expected a multiple of %d)",
                            Hex(level.stride.offset), width, width / 8));
      return;
    }
  }
  if (!strided) return;
  std::optional<uint64_t> advance = MaxAdvance(&RepeatStride::offset);
  const bool placed = PlatformKnown() && unit >= 0 && unit < UnitCount();
  const uint64_t space = placed ? RegisterSpaceSize(unit_caps_[unit], unit_ecaps_[unit]) : 0x10000;
  if (!advance || *advance >= space || reg.offset + *advance + width / 8 > space) {
    Error(reg.mark, path,
          absl::StrFormat("with the repeat strides, the last access (offset %s) is outside the "
                          "register space (expected offsets below %s)",
                          advance ? Hex(reg.offset + *advance) : std::string("beyond 64 bits"),
                          Hex(space)));
  }
}

std::optional<uint64_t> Loader::MaxAdvance(uint64_t RepeatStride::*field) const {
  unsigned __int128 total = 0;
  for (const RepeatLevel& level : repeats_) {
    total += static_cast<unsigned __int128>(level.count - 1) * (level.stride.*field);
    if (total > ~uint64_t{0}) return std::nullopt;
  }
  return static_cast<uint64_t>(total);
}

void Loader::CheckInMemory(const Located<uint64_t>& addr, uint64_t length, const std::string& path,
                           absl::string_view what) {
  std::optional<uint64_t> advance = MaxAdvance(&RepeatStride::addr);
  if (!advance || addr.value > ~uint64_t{0} - *advance) {
    Error(addr.mark, path, "with the repeat strides, the address overflows 64 bits");
    return;
  }
  if (!memory_size_ok_) return;
  const uint64_t last = addr.value + *advance;
  if (length > memory_size_ || last > memory_size_ - length) {
    Error(addr.mark, path,
          absl::StrFormat("%s [%s, %s) is outside memory%s (expected addresses below memory_size "
                          "%s)",
                          what, Hex(last), Hex(last + length),
                          *advance != 0 ? " on the last repeat iteration" : "", Hex(memory_size_)));
  }
}

void Loader::ParseDmaData(const Entry& x, bool size_given, Dma& d) {
  if (d.access.value != DmaAccess::kWrite || d.at.value == AddressType::kTranslationRequest) {
    Error(x.key_mark, x.path,
          "only a write carries data (a read's data is checked with expect: {data: ...}; a "
          "translation request moves none)");
    return;
  }
  std::vector<uint8_t> bytes;
  if (x.value.IsMap()) {
    std::optional<std::vector<uint8_t>> b = DataBytes(x);
    if (!b) return;
    bytes = std::move(*b);
    if (!size_given) {
      if (bytes.empty() || bytes.size() > kMaxDmaSize) {
        Error(x.mark(), x.path,
              absl::StrFormat("%d bytes of data (expected 1 to %d)", bytes.size(), kMaxDmaSize));
        return;
      }
      d.size = {static_cast<uint32_t>(bytes.size()), x.mark()};
    }
  } else {
    if (d.size.value > 8) {
      Error(x.mark(), x.path,
            absl::StrFormat("a number is the data of a write of at most 8 bytes, this one has "
                            "%d (expected a map such as {bytes: \"00ff\"})",
                            d.size.value));
      return;
    }
    std::optional<Located<uint64_t>> n = Number(x, LowMask(8 * d.size.value));
    if (!n) return;
    for (uint32_t i = 0; i < d.size.value; ++i) bytes.push_back(uint8_t(n->value >> (8 * i)));
  }
  if (bytes.size() != d.size.value) {
    Error(x.mark(), x.path,
          absl::StrFormat("%d bytes of data for a write of size %d (expected as many as size)",
                          bytes.size(), d.size.value));
    return;
  }
  d.data = Located<std::vector<uint8_t>>{std::move(bytes), x.mark()};
}

void Loader::ParseExpectedData(const Entry& x, const Dma& d, Expect& expect) {
  if (d.access.value != DmaAccess::kRead || d.at.value == AddressType::kTranslationRequest) {
    Error(x.key_mark, x.path,
          "expect 'data' checks what a read returns (a write's data is the step's 'data:')");
    return;
  }
  if (x.value.IsMap()) {
    std::optional<std::vector<uint8_t>> bytes = DataBytes(x);
    if (!bytes) return;
    if (bytes->size() != d.size.value) {
      Error(x.mark(), x.path,
            absl::StrFormat("%d bytes expected from a read of size %d (expected as many as size)",
                            bytes->size(), d.size.value));
      return;
    }
    expect.data_bytes = Located<std::vector<uint8_t>>{std::move(*bytes), x.mark()};
    return;
  }
  if (d.size.value > 8) {
    Error(x.mark(), x.path,
          absl::StrFormat("a number is the data of a read of at most 8 bytes, this one has %d "
                          "(expected a map such as {bytes: \"00ff\"})",
                          d.size.value));
    return;
  }
  if (std::optional<Located<uint64_t>> n = Number(x, LowMask(8 * d.size.value))) {
    expect.data_value = *n;
  }
}

std::optional<Dma> Loader::ParseDma(const Entry& e) {
  Fields f(*this, e.value, e.path, kDmaKeys,
           "a map {sid, segment, addr, size, access, pasid, exec, priv, at, nw}");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  Dma d;
  ReadRequester(f.Require("sid", "the requester \"bb:dd.f\""), d.sid);
  ReadNumber(f.Find("segment"), 0xffff, d.segment);
  if (const Entry* a = f.Require("addr", "the address the device sends")) {
    if (auto n = Number(*a, ~uint64_t{0})) d.addr = *n;
  }
  d.size.mark = f.mark();
  if (const Entry* s = f.Find("size")) {
    if (auto n = Number(*s, 1, kMaxDmaSize, /*size_units=*/true)) {
      d.size = {static_cast<uint32_t>(n->value), n->mark};
    }
  }
  static constexpr std::pair<absl::string_view, int> kAccess[] = {{"read", 0}, {"write", 1}};
  if (const Entry* a = f.Require("access", "read or write")) {
    if (auto c = Choice(*a, kAccess)) d.access = {static_cast<DmaAccess>(c->value), c->mark};
  }
  ReadNumber(f.Find("pasid"), kMaxPasid, d.pasid);
  ReadBool(f.Find("exec"), d.exec);
  ReadBool(f.Find("priv"), d.priv);
  static constexpr std::pair<absl::string_view, int> kAt[] = {
      {"untranslated", 0}, {"translation_request", 1}, {"translated", 2}};
  if (const Entry* a = f.Find("at")) {
    if (auto c = Choice(*a, kAt)) d.at = {static_cast<AddressType>(c->value), c->mark};
  }
  if (const Entry* x = f.Find("nw")) {
    if (auto b = Bool(*x)) d.nw = *b;
    if (d.nw.value && d.at.value != AddressType::kTranslationRequest) {
      Error(d.nw.mark, x->path,
            "nw: true is the flag of a translation request (expected "
            "at: translation_request)");
    }
  }
  if (const Entry* x = f.Find("data")) ParseDmaData(*x, f.Has("size"), d);
  if (const Entry* x = f.Find("atc")) {
    if (auto b = Bool(*x)) d.atc = *b;
    if (d.atc.value && d.at.value != AddressType::kTranslated) {
      Error(d.atc.mark, x->path,
            "atc: true makes the device send a translated request from its device TLB "
            "(expected at: translated)");
    }
  }
  if (errors_.size() != errors_before) return std::nullopt;
  // PCIe: a request never crosses a 4 KiB boundary. With repeat strides, check every page
  // offset the address reaches, not just the first iteration's.
  const uint64_t first = d.addr.value & 0xfff;
  if (first + d.size.value > 4096) {
    Error(d.addr.mark, e.path,
          absl::StrFormat("[%s, %s) crosses a 4 KiB boundary (PCIe forbids it; expected [addr, "
                          "addr+size) within one 4 KiB page)",
                          Hex(d.addr.value), Hex(d.addr.value + d.size.value)));
    return std::nullopt;
  }
  std::bitset<4096> reach;
  reach.set(first);
  for (const RepeatLevel& level : repeats_) {
    if ((level.stride.addr & 0xfff) == 0) continue;
    std::bitset<4096> next;
    for (size_t o = 0; o < 4096; ++o) {
      if (reach[o]) next |= Rotate(level.addr_offsets, o);
    }
    reach = next;
  }
  for (uint64_t o = 4096 - d.size.value + 1; o < 4096; ++o) {
    if (reach[o]) {
      Error(d.addr.mark, e.path,
            absl::StrFormat("with the repeat strides the address reaches page offset %s, where "
                            "%d bytes cross a 4 KiB boundary (PCIe forbids it; expected every "
                            "iteration's [addr, addr+size) within one 4 KiB page)",
                            Hex(o), d.size.value));
      return std::nullopt;
    }
  }
  std::optional<uint64_t> advance = MaxAdvance(&RepeatStride::addr);
  if (!advance || d.addr.value > ~uint64_t{0} - *advance) {
    Error(d.addr.mark, e.path, "with the repeat strides, the address overflows 64 bits");
    return std::nullopt;
  }
  return d;
}

std::optional<Interrupt> Loader::ParseInterrupt(const Entry& e) {
  Fields f(*this, e.value, e.path, kInterruptKeys, "a map {sid, address, data}");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  Interrupt i;
  ReadRequester(f.Require("sid", "the requester \"bb:dd.f\""), i.sid);
  ReadNumber(f.Find("segment"), 0xffff, i.segment);
  if (const Entry* a = f.Require("address", "the MSI address")) {
    if (auto n = Number(*a, ~uint64_t{0})) i.address = *n;
  }
  ReadNumber(f.Require("data", "the MSI data"), 0xffffffff, i.data);
  if (errors_.size() != errors_before) return std::nullopt;
  return i;
}

std::optional<int> Loader::RouteRequester(uint16_t segment, SourceId sid) const {
  if (dmar_platform_) {
    const platform::PciAddress address{segment, static_cast<uint8_t>(sid.bus()),
                                       static_cast<uint8_t>(sid.device()),
                                       static_cast<uint8_t>(sid.function())};
    return dmar_platform_->Route(address).unit;
  }
  std::optional<int> all;
  for (size_t i = 0; i < units_.size(); ++i) {
    const UnitConfig& u = units_[i];
    if (u.segment.value != segment) continue;
    if (u.include_pci_all) all = static_cast<int>(i);
    for (const Located<SourceId>& s : u.scope) {
      if (s.value == sid) return static_cast<int>(i);
    }
  }
  return all;
}

std::optional<MapStep> Loader::ParseMap(const Entry& e) {
  Fields f(*this, e.value, e.path, kMapKeys,
           "a map {sid, domain, iova, hpa, size, perm, page_size, levels, pasid, pgtt, "
           "rid_pasid, ...}");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  MapStep m;
  if (const Entry* u = f.Find("unit")) {
    if (auto unit = Unit(u, u->mark())) m.unit = *unit;
  }
  ReadRequester(f.Require("sid", "the requester \"bb:dd.f\""), m.sid);
  ReadNumber(f.Find("segment"), 0xffff, m.segment);
  ReadNumber(f.Require("domain", "the domain id"), 0xffff, m.domain);
  if (const Entry* r = f.Find("rmrr")) {
    if (auto b = Bool(*r)) m.rmrr = b->value;
  }
  // Scalable mode (S §3.4.3): PGTT of the PASID table entry (S §9.6).
  static constexpr std::pair<absl::string_view, int> kPgtt[] = {
      {"second", 2}, {"second_stage", 2}, {"pass_through", 4},
      {"first", 1},  {"first_stage", 1},  {"nested", 3}};
  const Entry* pgtt = f.Find("pgtt");
  if (pgtt != nullptr) {
    if (auto c = Choice(*pgtt, kPgtt)) m.pgtt = {static_cast<uint8_t>(c->value), c->mark};
  }
  const bool first_stage = m.pgtt.value == static_cast<uint8_t>(PasidTranslationType::kFirstStage);
  const bool nested = m.pgtt.value == static_cast<uint8_t>(PasidTranslationType::kNested);
  const bool uses_first_stage = first_stage || nested;
  // Keys of one translation type only, with the PGTT they need.
  auto only_with = [&](absl::Span<const absl::string_view> keys, bool allowed,
                       absl::string_view what) {
    if (allowed) return;
    for (absl::string_view key : keys) {
      if (const Entry* x = f.Find(key)) {
        Error(x->key_mark, e.path,
              absl::StrFormat("'%s' does not go with pgtt: %s (expected it only with %s)", key,
                              PasidTranslationTypeName(m.pgtt.value), what));
      }
    }
  };
  only_with(kFirstStageMapKeys, uses_first_stage, "pgtt: first or nested");
  only_with(kNestedMapKeys, nested, "pgtt: nested");
  only_with({"ssade"},
            m.pgtt.value == static_cast<uint8_t>(PasidTranslationType::kSecondStage) || nested,
            "pgtt: second or nested");
  for (auto [key, field] : {std::pair<absl::string_view, Located<bool>*>{"ssade", &m.ssade},
                            {"dte", &m.dte},
                            {"pre", &m.pre},
                            {"eptr", &m.eptr},
                            {"sre", &m.sre},
                            {"wpe", &m.wpe},
                            {"eafe", &m.eafe},
                            {"user", &m.user},
                            {"xd", &m.xd}}) {
    field->mark = f.mark();
    if (const Entry* x = f.Find(key)) {
      if (auto b = Bool(*x)) *field = *b;
    }
  }
  ReadNumber(f.Find("pasid"), kMaxPasid, m.pasid);
  m.rid_pasid.mark = f.mark();
  ReadNumber(f.Find("rid_pasid"), kMaxPasid, m.rid_pasid);
  m.scalable = pgtt != nullptr || f.Has("pasid") || f.Has("rid_pasid") || f.Has("dte") ||
               f.Has("pre") || f.Has("eptr");
  const bool pass_through =
      m.pgtt.value == static_cast<uint8_t>(PasidTranslationType::kPassThrough);
  if (pass_through) {
    // Output = input (S §3.4.3 PGTT=100b): there are no tables to describe.
    for (absl::string_view key : {"iova", "hpa", "size", "perm", "page_size", "levels", "rmrr"}) {
      if (const Entry* x = f.Find(key)) {
        Error(x->key_mark, e.path,
              absl::StrFormat("'%s' does not go with 'pgtt: pass_through' (pass-through maps "
                              "every address to itself, S §9.6; expected only sid, domain, "
                              "pasid, rid_pasid, unit, segment)",
                              key));
      }
    }
  } else if (m.rmrr) {
    // The ranges come from the table: iova, hpa and size would contradict them.
    for (absl::string_view key : {"iova", "hpa", "size", "page_size"}) {
      if (const Entry* x = f.Find(key)) {
        Error(x->key_mark, e.path,
              absl::StrFormat("'%s' does not go with 'rmrr: true' (the DMAR table's RMRRs give "
                              "the identity-mapped ranges, in 4 KiB pages)",
                              key));
      }
    }
  } else {
    if (const Entry* a = f.Require("iova", "the first input address")) {
      if (auto n = Number(*a, 0, ~uint64_t{0}, /*size_units=*/true)) m.iova = *n;
    }
    if (const Entry* a = f.Require("hpa", "the first host-physical address")) {
      if (auto n = Number(*a, 0, ~uint64_t{0}, /*size_units=*/true)) m.hpa = *n;
    }
    if (const Entry* a = f.Require("size", "the size of the range")) {
      if (auto n = Number(*a, 1, ~uint64_t{0}, /*size_units=*/true)) m.size = *n;
    }
  }
  m.read = {true, f.mark()};
  m.write = {true, f.mark()};
  static constexpr std::pair<absl::string_view, int> kPerm[] = {
      {"rw", 3}, {"r", 1}, {"w", 2}, {"wr", 3}, {"none", 0}};
  if (const Entry* p = f.Find("perm")) {
    if (auto c = Choice(*p, kPerm)) {
      m.read = {(c->value & 1) != 0, c->mark};
      m.write = {(c->value & 2) != 0, c->mark};
    }
  }
  m.page_size.mark = f.mark();
  if (const Entry* p = f.Find("page_size")) {
    if (auto n = Number(*p, 1, ~uint64_t{0}, /*size_units=*/true)) {
      if (n->value != 4096 && n->value != (uint64_t{2} << 20) && n->value != (uint64_t{1} << 30)) {
        Error(n->mark, p->path,
              absl::StrCat(p->value.Scalar(), " is not a page size (expected 4K, 2M or 1G)"));
      } else {
        m.page_size = *n;
      }
    }
  }
  const Entry* levels = f.Find("levels");
  if (levels != nullptr) {
    if (auto n = Number(*levels, uses_first_stage ? 4 : 3, 5)) {
      m.levels = {static_cast<int>(n->value), n->mark};
    }
  }
  if (uses_first_stage) {
    // First-stage entries have no read bit (S §9.7): R/W=0 makes a page read-only, and a
    // page a device may not read is not mapped at all.
    if (!m.read.value) {
      Error(m.read.mark, e.path + ".perm",
            "first-stage entries cannot deny reads (S §9.7 has R/W, no read bit; expected "
            "perm: r or rw)");
    }
  }
  const Entry* ss_levels = f.Find("ss_levels");
  if (ss_levels != nullptr) {
    if (auto n = Number(*ss_levels, 3, 5)) m.ss_levels = {static_cast<int>(n->value), n->mark};
  }
  if (nested) {
    if (const Entry* a = f.Require("gpa", "the guest-physical address the first stage maps to")) {
      if (auto n = Number(*a, 0, ~uint64_t{0}, /*size_units=*/true)) m.gpa = *n;
    }
    if (const Entry* p = f.Find("ss_perm")) {
      if (auto c = Choice(*p, kPerm)) {
        m.ss_read = {(c->value & 1) != 0, c->mark};
        m.ss_write = {(c->value & 2) != 0, c->mark};
      }
    }
    if (const Entry* a = f.Find("guest_tables")) {
      if (auto n = Number(*a, 0, ~uint64_t{0}, /*size_units=*/true)) {
        if (n->value % 4096 != 0) {
          Error(n->mark, a->path,
                absl::StrFormat("%s is not 4 KiB aligned (expected the GPA of a page)",
                                Hex(n->value)));
        }
        m.guest_tables = *n;
      }
    }
    // The second stage backs the guest page with pages of the same size unless told.
    m.ss_page_size = {m.page_size.value, m.page_size.mark};
    if (const Entry* p = f.Find("ss_page_size")) {
      if (auto n = Number(*p, 1, ~uint64_t{0}, /*size_units=*/true)) {
        if (n->value != 4096 && n->value != (uint64_t{2} << 20) &&
            n->value != (uint64_t{1} << 30)) {
          Error(n->mark, p->path,
                absl::StrCat(p->value.Scalar(), " is not a page size (expected 4K, 2M or 1G)"));
        } else if (n->value > m.page_size.value) {
          Error(n->mark, p->path,
                absl::StrFormat("a second-stage page of %s cannot back guest pages of %s "
                                "(expected ss_page_size up to page_size)",
                                Hex(n->value), Hex(m.page_size.value)));
        } else {
          m.ss_page_size = *n;
        }
      }
    }
    for (const RepeatLevel& level : repeats_) {
      if (level.stride.iova != 0 || level.stride.hpa != 0) {
        Error(level.stride.mark, e.path,
              "a repeat that strides iova or hpa cannot move a nested map's gpa (expected a "
              "nested map outside such a repeat, or one map per range)");
        break;
      }
    }
  }
  if (errors_.size() != errors_before) return std::nullopt;
  if (m.rmrr && !ResolveRmrrRanges(f, e.path, m)) return std::nullopt;

  const uint64_t page = m.page_size.value;
  auto aligned = [&](const Located<uint64_t>& v, absl::string_view field) {
    if (v.value % page != 0) {
      Error(v.mark, absl::StrCat(e.path, ".", field),
            absl::StrFormat("%s is not aligned to the page size %s (expected a multiple of it)",
                            Hex(v.value), Hex(page)));
    }
  };
  aligned(m.iova, "iova");
  aligned(m.hpa, "hpa");
  aligned(m.size, "size");
  if (nested) {
    aligned(m.gpa, "gpa");
    if (m.hpa.value % m.ss_page_size.value != 0) {
      Error(m.hpa.mark, e.path + ".hpa",
            absl::StrFormat("%s is not aligned to the second-stage page size %s (expected a "
                            "multiple of it)",
                            Hex(m.hpa.value), Hex(m.ss_page_size.value)));
    }
  }
  for (const RepeatLevel& level : repeats_) {
    if (level.stride.iova % page != 0 || level.stride.hpa % page != 0) {
      Error(level.stride.mark, e.path,
            absl::StrFormat("the repeat stride does not keep iova and hpa aligned to the page "
                            "size %s (expected multiples of it)",
                            Hex(page)));
      break;
    }
  }
  std::optional<uint64_t> iova_advance = MaxAdvance(&RepeatStride::iova);
  std::optional<uint64_t> hpa_advance = MaxAdvance(&RepeatStride::hpa);
  if (errors_.size() != errors_before) return std::nullopt;
  if (!iova_advance || !hpa_advance) {
    Error(f.mark(), e.path, "with the repeat strides, the addresses overflow 64 bits");
    return std::nullopt;
  }

  // Which unit's tables this writes, and whether that unit can walk them.
  std::optional<int> unit;
  if (m.unit) {
    unit = m.unit->index;
  } else if (PlatformKnown()) {
    unit = RouteRequester(m.segment.value, m.sid.value);
    if (!unit) {
      Error(m.sid.mark, e.path + ".sid",
            absl::StrFormat("no unit remaps requester %s in segment %d (expected a requester in "
                            "some unit's scope, or 'unit:')",
                            m.sid.value, m.segment.value));
      return std::nullopt;
    }
  }
  const bool known = PlatformKnown() && unit.has_value();
  const Capability cap = Capability::Decode(known ? unit_caps_[*unit] : 0);
  const std::string unit_name = known ? unit_names_[*unit] : "";
  // The second stage's depth: `levels` (second-stage maps) or `ss_levels` (nested).
  Located<int>& ss_depth = nested ? m.ss_levels : m.levels;
  if (!first_stage && (nested ? ss_levels : levels) == nullptr && known && !cap.SupportsAgaw(48)) {
    // The default follows the unit: the largest AGAW it supports.
    for (int width : {57, 39}) {
      if (cap.SupportsAgaw(width)) {
        ss_depth.value = (width - 12) / 9;
        break;
      }
    }
  }
  const int address_bits = 12 + 9 * m.levels.value;
  const unsigned __int128 iova_end =
      static_cast<unsigned __int128>(m.iova.value) + *iova_advance + m.size.value;
  if (uses_first_stage) {
    // A first-stage input address is canonical (S §3.6, SGN.1 otherwise): the range lies in
    // the lower or the upper half of the N-bit space, N = 48 or 57.
    const unsigned __int128 half = static_cast<unsigned __int128>(1) << (address_bits - 1);
    const unsigned __int128 top = static_cast<unsigned __int128>(1) << 64;
    if (iova_end > half && (m.iova.value < top - half || iova_end > top)) {
      Error(m.iova.mark, e.path + ".iova",
            absl::StrFormat("the range is not canonical for a %d-level first stage (expected "
                            "it below 2^%d, or in the upper half from %s)",
                            m.levels.value, address_bits - 1,
                            Hex(static_cast<uint64_t>(top - half))));
    }
  } else if (iova_end > (static_cast<unsigned __int128>(1) << address_bits)) {
    Error(m.iova.mark, e.path + ".iova",
          absl::StrFormat("the range ends beyond the %d-bit input address space of a %d-level "
                          "table (expected iova + size <= 2^%d)",
                          address_bits, m.levels.value, address_bits));
  }
  const unsigned __int128 hpa_end =
      static_cast<unsigned __int128>(m.hpa.value) + *hpa_advance + m.size.value;
  if (hpa_end > (static_cast<unsigned __int128>(1) << 52)) {
    Error(m.hpa.mark, e.path + ".hpa",
          "the range ends beyond the 52-bit host address space (expected hpa + size <= 2^52)");
  }
  const int ss_address_bits = 12 + 9 * ss_depth.value;
  if (nested && static_cast<unsigned __int128>(m.gpa.value) + m.size.value >
                    (static_cast<unsigned __int128>(1) << ss_address_bits)) {
    Error(m.gpa.mark, e.path + ".gpa",
          absl::StrFormat("the range ends beyond the %d-bit guest-physical space of a %d-level "
                          "second stage (expected gpa + size <= 2^%d)",
                          ss_address_bits, ss_depth.value, ss_address_bits));
  }
  if (known && uses_first_stage) {
    if (m.levels.value == 5 && !cap.fs5lp) {
      Error(levels != nullptr ? m.levels.mark : f.mark(), e.path + ".levels",
            absl::StrFormat("%s has no 5-level first stage (CAP.FS5LP=0; FSPM=01b would be "
                            "fault 5Bh, expected levels: 4)",
                            unit_name));
    }
    if (page == (uint64_t{1} << 30) && !cap.fs1gp) {
      Error(m.page_size.mark, e.path + ".page_size",
            absl::StrFormat("%s has no 1 GiB first-stage pages (CAP.FS1GP=0; expected 4K or 2M)",
                            unit_name));
    }
  }
  if (known && nested) {
    if (!cap.SupportsAgaw(ss_address_bits)) {
      Error(ss_levels != nullptr ? m.ss_levels.mark : f.mark(), e.path + ".ss_levels",
            absl::StrFormat("%s does not support %d-level second-stage tables (CAP.SAGAW lacks "
                            "%d-bit; expected ss_levels the unit supports)",
                            unit_name, m.ss_levels.value, ss_address_bits));
    }
    const uint64_t ss_page = m.ss_page_size.value;
    if ((ss_page == (uint64_t{2} << 20) && (cap.sslps & 1) == 0) ||
        (ss_page == (uint64_t{1} << 30) && (cap.sslps & 2) == 0)) {
      Error(m.ss_page_size.mark, e.path + ".ss_page_size",
            absl::StrFormat("%s does not support %s second-stage pages (CAP.SSLPS; expected "
                            "ss_page_size: 4K or one the unit supports)",
                            unit_name, ss_page == (uint64_t{2} << 20) ? "2M" : "1G"));
    }
  }
  if (known && !uses_first_stage) {
    if (!pass_through && !cap.SupportsAgaw(address_bits)) {
      Error(levels != nullptr ? m.levels.mark : f.mark(), e.path + ".levels",
            absl::StrFormat("%s does not support %d-level tables (CAP.SAGAW lacks %d-bit; "
                            "expected levels the unit supports)",
                            unit_name, m.levels.value, address_bits));
    }
    if (!pass_through && ((page == (uint64_t{2} << 20) && (cap.sslps & 1) == 0) ||
                          (page == (uint64_t{1} << 30) && (cap.sslps & 2) == 0))) {
      Error(m.page_size.mark, e.path + ".page_size",
            absl::StrFormat("%s does not support %s pages (CAP.SSLPS; expected a page size the "
                            "unit supports)",
                            unit_name, page == (uint64_t{2} << 20) ? "2M" : "1G"));
    }
  }
  if (known) {
    if (m.domain.value >= (uint32_t{1} << std::min(16, cap.domain_id_bits()))) {
      Error(m.domain.mark, e.path + ".domain",
            absl::StrFormat("domain %d is beyond %s's %d-bit domain ids (CAP.ND; expected at "
                            "most %d)",
                            m.domain.value, unit_name, cap.domain_id_bits(),
                            (1 << std::min(16, cap.domain_id_bits())) - 1));
    } else if (cap.cm && m.domain.value == 0) {
      Error(m.domain.mark, e.path + ".domain",
            absl::StrFormat("domain 0 is reserved on %s (CAP.CM=1; expected a domain >= 1)",
                            unit_name));
    }
    if (m.scalable) CheckScalableMap(m, *unit, f, e.path);
  }
  if (unit) {
    // A unit's tables are of one mode (its root table is read with one RTADDR.TTM).
    auto [mode, inserted] = unit_scalable_.emplace(*unit, m.scalable);
    if (mode->second != m.scalable) {
      Error(f.mark(), e.path,
            absl::StrFormat("%s's tables are %s-mode ones from an earlier map or enable "
                            "(expected every map of a unit in one mode: %s)",
                            unit_name.empty() ? "the unit" : unit_name,
                            mode->second ? "scalable" : "legacy",
                            mode->second ? "give pasid, pgtt or rid_pasid"
                                         : "without pasid, pgtt and rid_pasid"));
    }
  }
  if (errors_.size() != errors_before) return std::nullopt;
  return m;
}

void Loader::CheckScalableMap(const MapStep& m, int unit, const Fields& f,
                              const std::string& path) {
  const ExtendedCapability ecap = ExtendedCapability::Decode(unit_ecaps_[unit]);
  const std::string& name = unit_names_[unit];
  if (!ecap.smts) {
    Error(f.mark(), path,
          absl::StrFormat("%s has no scalable mode (ECAP.SMTS=0), so pasid, pgtt and rid_pasid "
                          "do not apply (expected a unit with SMTS, or a legacy map)",
                          name));
    return;
  }
  const bool pass_through =
      m.pgtt.value == static_cast<uint8_t>(PasidTranslationType::kPassThrough);
  if (pass_through && !ecap.pt) {
    Error(m.pgtt.mark, path + ".pgtt",
          absl::StrFormat("%s does not support pass-through (ECAP.PT=0; PGTT=100b would be fault "
                          "5Bh, expected pgtt: second)",
                          name));
  }
  const auto pgtt = static_cast<PasidTranslationType>(m.pgtt.value);
  if (pgtt == PasidTranslationType::kSecondStage && !ecap.ssts) {
    Error(m.pgtt.mark, path + ".pgtt",
          absl::StrFormat("%s has no second-stage translation (ECAP.SSTS=0; PGTT=010b would be "
                          "fault 5Bh, expected pgtt: pass_through)",
                          name));
  }
  if (pgtt == PasidTranslationType::kFirstStage && !ecap.fsts) {
    Error(m.pgtt.mark, path + ".pgtt",
          absl::StrFormat("%s has no first-stage translation (ECAP.FSTS=0; PGTT=001b would be "
                          "fault 5Bh, expected pgtt: second or pass_through)",
                          name));
  }
  if (pgtt == PasidTranslationType::kNested && !ecap.nest) {
    Error(m.pgtt.mark, path + ".pgtt",
          absl::StrFormat("%s has no nested translation (ECAP.NEST=0; PGTT=011b would be fault "
                          "5Bh, expected pgtt: first or second)",
                          name));
  }
  // PASID-entry fields that are Reserved(0) without their capability (S §9.6).
  if (m.sre.value && !ecap.srs) {
    Error(m.sre.mark, path + ".sre",
          absl::StrFormat("%s has no supervisor requests (ECAP.SRS=0, so SRE is reserved; "
                          "expected sre: false)",
                          name));
  }
  if (m.eafe.value && !ecap.eafs) {
    Error(m.eafe.mark, path + ".eafe",
          absl::StrFormat("%s has no extended-accessed flag (ECAP.EAFS=0, so EAFE is reserved; "
                          "expected eafe: false)",
                          name));
  }
  // Context-entry enables (S §9.4): Reserved(0) without their capability; PRE without DTE is
  // SCT.4.1. (EPTR without a PASID map is SCT.4.3, left to the unit to report.)
  if (m.dte.value && !ecap.dt) {
    Error(m.dte.mark, path + ".dte",
          absl::StrFormat("%s has no device-TLB support (ECAP.DT=0, so DTE is reserved; expected "
                          "dte: false)",
                          name));
  }
  if (m.pre.value && !ecap.prs) {
    Error(m.pre.mark, path + ".pre",
          absl::StrFormat("%s takes no page requests (ECAP.PRS=0, so PRE is reserved; expected "
                          "pre: false)",
                          name));
  } else if (m.pre.value && !m.dte.value) {
    Error(m.pre.mark, path + ".pre",
          "pre: true needs dte: true (a context entry with PRE=1 and DTE=0 is invalid, fault "
          "43h SCT.4.1)");
  }
  if (m.eptr.value && !ecap.ptrs) {
    Error(m.eptr.mark, path + ".eptr",
          absl::StrFormat("%s takes no translated requests with PASID (ECAP.PTRS=0, so EPTR is "
                          "reserved; expected eptr: false)",
                          name));
  }
  if (m.ssade.value && !(ecap.ssts && ecap.ssads)) {
    Error(m.ssade.mark, path + ".ssade",
          absl::StrFormat("%s has no second-stage A/D bits (ECAP.SSADS=0, so SSADE is reserved; "
                          "expected ssade: false)",
                          name));
  }
  if (m.pasid) {
    if (!ecap.pasid) {
      Error(m.pasid->mark, path + ".pasid",
            absl::StrFormat("%s does not support requests with PASID (ECAP.PASID=0; expected no "
                            "pasid: the mapping then serves requests without PASID)",
                            name));
    } else if (m.pasid->value > kBuilderMaxPasid) {
      Error(m.pasid->mark, path + ".pasid",
            absl::StrFormat("PASID %s is beyond the builders' PASID directory (one 4 KiB page, "
                            "PDTS=2; expected at most %s, or tables written with mem_write)",
                            Hex(m.pasid->value), Hex(kBuilderMaxPasid)));
    } else if (m.pasid->value >= (uint64_t{1} << (ecap.pss + 1))) {
      Error(m.pasid->mark, path + ".pasid",
            absl::StrFormat("PASID %s is beyond %s's %d-bit PASIDs (ECAP.PSS; expected at most "
                            "%s)",
                            Hex(m.pasid->value), name, ecap.pss + 1,
                            Hex((uint64_t{1} << (ecap.pss + 1)) - 1)));
    } else if (m.pasid->value == m.rid_pasid.value) {
      Error(m.pasid->mark, path + ".pasid",
            absl::StrFormat("PASID %s is the context entry's RID_PASID: a request with it is "
                            "fault 48h (SCT.9); expected another PASID, or no pasid for requests "
                            "without PASID",
                            Hex(m.pasid->value)));
    }
  }
  if (m.rid_pasid.value != 0) {
    if (!ecap.rps) {
      Error(m.rid_pasid.mark, path + ".rid_pasid",
            absl::StrFormat("%s has no RID_PASID field (ECAP.RPS=0: requests without PASID use "
                            "PASID 0; expected rid_pasid: 0)",
                            name));
    } else if (m.rid_pasid.value > kBuilderMaxPasid) {
      Error(m.rid_pasid.mark, path + ".rid_pasid",
            absl::StrFormat("RID_PASID %s is beyond the builders' PASID directory (PDTS=2; "
                            "expected at most %s)",
                            Hex(m.rid_pasid.value), Hex(kBuilderMaxPasid)));
    }
  }
}

bool Loader::ResolveRmrrRanges(const Fields& f, const std::string& path, MapStep& m) {
  if (!dmar_platform_) {
    Error(f.mark(), path,
          "'rmrr: true' needs a platform from a DMAR table (expected 'platform: {dmar: FILE}'; "
          "RMRRs are DMAR structures, S §8.4)");
    return false;
  }
  for (const RepeatLevel& level : repeats_) {
    if (level.stride.iova != 0 || level.stride.hpa != 0) {
      Error(level.stride.mark, path,
            "a repeat that strides iova or hpa cannot move RMRR ranges (expected 'rmrr: true' "
            "outside such a repeat)");
      return false;
    }
  }
  const platform::PciAddress device{m.segment.value, static_cast<uint8_t>(m.sid.value.bus()),
                                    static_cast<uint8_t>(m.sid.value.device()),
                                    static_cast<uint8_t>(m.sid.value.function())};
  for (const platform::RmrrRange& range : dmar_platform_->RmrrRangesFor(device)) {
    m.rmrr_ranges.push_back({range.base, range.limit - range.base + 1});
  }
  if (m.rmrr_ranges.empty()) {
    Error(m.sid.mark, path + ".sid",
          absl::StrFormat("no RMRR of the DMAR table names %s in segment %d (expected a device "
                          "in some RMRR's device scope)",
                          m.sid.value, m.segment.value));
    return false;
  }
  for (const MapStep::Range& r : m.rmrr_ranges) {
    if (r.base % 4096 != 0 || r.size % 4096 != 0) {
      Error(m.sid.mark, path + ".sid",
            absl::StrFormat("the RMRR range %s-%s is not 4 KiB aligned (S §8.4 requires it)",
                            Hex(r.base), Hex(r.base + r.size - 1)));
      return false;
    }
  }
  // The checks that follow (address widths) see the range that ends highest.
  const MapStep::Range* top = &m.rmrr_ranges[0];
  for (const MapStep::Range& r : m.rmrr_ranges) {
    if (r.base + r.size > top->base + top->size) top = &r;
  }
  m.iova = {top->base, f.mark()};
  m.hpa = {top->base, f.mark()};
  m.size = {top->size, f.mark()};
  return true;
}

std::optional<ResetStep> Loader::ParseReset(const Entry& e) {
  ResetStep r;
  // `reset:` alone or `reset: all`: every unit.
  if (e.value.IsNull() || (e.value.IsScalar() && e.value.Scalar() == "all")) return r;
  static constexpr absl::string_view kResetKeys[] = {"unit"};
  Fields f(*this, e.value, e.path, kResetKeys, "'all' or a map {unit}");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  if (const Entry* u = f.Find("unit")) {
    if (u->value.IsScalar() && u->value.Scalar() == "all") return r;
    r.unit = Unit(u, u->mark());
  }
  if (errors_.size() != errors_before) return std::nullopt;
  return r;
}

constexpr absl::string_view kPageRequestKeys[] = {"unit",   "sid",  "segment", "pasid", "addr",
                                                  "access", "exec", "priv",    "last",  "prgi"};

std::optional<PageRequestStep> Loader::ParsePageRequest(const Entry& e) {
  Fields f(*this, e.value, e.path, kPageRequestKeys,
           "a map {sid, pasid, addr, access, exec, priv, last, prgi}");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  PageRequestStep p;
  if (const Entry* u = f.Find("unit")) {
    if (auto unit = Unit(u, u->mark())) p.unit = *unit;
  }
  ReadRequester(f.Require("sid", "the requester \"bb:dd.f\""), p.sid);
  ReadNumber(f.Find("segment"), 0xffff, p.segment);
  ReadNumber(f.Find("pasid"), kMaxPasid, p.pasid);
  if (const Entry* a = f.Require("addr", "the page address the device asks for")) {
    if (auto n = Number(*a, ~uint64_t{0})) {
      if (n->value % 4096 != 0) {
        Error(n->mark, a->path,
              absl::StrFormat("%s is not a page address (a page request names a 4 KiB page, "
                              "S §7.5.1; expected a multiple of 0x1000)",
                              Hex(n->value)));
      }
      p.addr = *n;
    }
  }
  // PCIe Page Request: read and write access requested are two bits.
  static constexpr std::pair<absl::string_view, int> kAccess[] = {
      {"read", 1}, {"write", 2}, {"read_write", 3}, {"rw", 3}};
  p.read = {true, f.mark()};
  if (const Entry* a = f.Find("access")) {
    if (auto c = Choice(*a, kAccess)) {
      p.read = {(c->value & 1) != 0, c->mark};
      p.write = {(c->value & 2) != 0, c->mark};
    }
  }
  for (auto [key, field] : {std::pair<absl::string_view, Located<bool>*>{"exec", &p.exec},
                            {"priv", &p.priv},
                            {"last", &p.last}}) {
    if (const Entry* x = f.Find(key)) {
      if (auto b = Bool(*x)) *field = *b;
      // ER and PM travel in the PASID prefix (S §7.5.1): without a PASID there are none.
      if (key != "last" && field->value && !p.pasid) {
        Error(x->key_mark, e.path,
              absl::StrFormat("'%s: true' needs a 'pasid' (execute and privileged-mode "
                              "requested are fields of the PASID prefix)",
                              key));
      }
    }
  }
  ReadNumber(f.Find("prgi"), 0x1ff, p.prgi);
  if (errors_.size() != errors_before) return std::nullopt;
  // Which unit takes it, and whether it has a page request queue.
  std::optional<int> unit;
  if (p.unit) {
    unit = p.unit->index;
  } else if (PlatformKnown()) {
    unit = RouteRequester(p.segment.value, p.sid.value);
    if (!unit) {
      Error(p.sid.mark, e.path + ".sid",
            absl::StrFormat("no unit remaps requester %s in segment %d (expected a requester in "
                            "some unit's scope, or 'unit:')",
                            p.sid.value, p.segment.value));
      return std::nullopt;
    }
  }
  if (PlatformKnown() && unit && !ExtendedCapability::Decode(unit_ecaps_[*unit]).prs) {
    Error(f.mark(), e.path,
          absl::StrFormat("%s takes no page requests (ECAP.PRS=0; expected a unit with PRS)",
                          unit_names_[*unit]));
    return std::nullopt;
  }
  return p;
}

std::optional<EnableStep> Loader::ParseEnable(const Entry& e) {
  EnableStep en;
  if (e.value.IsNull()) {  // `enable:` alone: unit 0
    en.unit = UnitRef{"", 0, e.mark()};
    // The mode of unit 0's maps; later maps must follow it.
    auto [mode, inserted] = unit_scalable_.emplace(0, false);
    en.scalable = {mode->second, e.mark()};
    return en;
  }
  Fields f(*this, e.value, e.path, kEnableKeys, "a map {unit, root, mode}");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  std::optional<UnitRef> unit = Unit(f.Find("unit"), f.mark());
  if (const Entry* r = f.Find("root")) {
    if (auto n = Number(*r, ~uint64_t{0})) {
      if (n->value % 4096 != 0) {
        Error(n->mark, r->path,
              absl::StrCat(Hex(n->value),
                           " is not 4 KiB aligned (expected a root table address "
                           "that is a multiple of 0x1000)"));
      } else {
        en.root = *n;
        CheckInMemory(*n, 4096, r->path, "the root table");
      }
    }
  }
  if (errors_.size() != errors_before || !unit) return std::nullopt;
  en.unit = *unit;
  auto built = unit_scalable_.find(unit->index);
  en.scalable = {built != unit_scalable_.end() && built->second, f.mark()};
  static constexpr std::pair<absl::string_view, int> kModes[] = {{"legacy", 0}, {"scalable", 1}};
  if (const Entry* m = f.Find("mode")) {
    if (auto c = Choice(*m, kModes)) {
      if (built != unit_scalable_.end() && built->second != (c->value == 1)) {
        Error(c->mark, m->path,
              absl::StrFormat("the unit's tables are %s-mode ones (its maps; expected mode: %s "
                              "or no mode)",
                              built->second ? "scalable" : "legacy",
                              built->second ? "scalable" : "legacy"));
      }
      en.scalable = {c->value == 1, c->mark};
    }
  }
  if (en.scalable.value && PlatformKnown()) {
    const ExtendedCapability ecap = ExtendedCapability::Decode(unit_ecaps_[unit->index]);
    if (!ecap.smts || !ecap.qi) {
      Error(en.scalable.mark, e.path,
            absl::StrFormat("%s cannot run in scalable mode (ECAP.SMTS=%d, ECAP.QI=%d; "
                            "expected a unit with both, S §11.4.3)",
                            unit_names_[unit->index], ecap.smts, ecap.qi));
    }
  }
  // Maps after the enable build tables for the mode it latched.
  unit_scalable_.emplace(unit->index, en.scalable.value);
  if (errors_.size() != errors_before) return std::nullopt;
  return en;
}

std::optional<RepeatStep> Loader::ParseRepeat(const Entry& e) {
  Fields f(*this, e.value, e.path, kRepeatKeys, "a map {count, stride, steps}");
  if (!f.ok()) return std::nullopt;
  if (static_cast<int>(repeats_.size()) >= kMaxRepeatDepth) {
    Error(f.mark(), e.path, absl::StrFormat("repeats nest deeper than %d levels", kMaxRepeatDepth));
    return std::nullopt;
  }
  const size_t errors_before = errors_.size();
  RepeatStep r;
  if (const Entry* c = f.Require("count", "how many times to run the steps")) {
    if (auto n = Number(*c, 1, kMaxExpandedSteps)) r.count = *n;
  }
  if (const Entry* s = f.Find("stride")) {
    r.stride.mark = s->mark();
    if (s->value.IsScalar()) {
      if (auto n = Number(*s, ~uint64_t{0})) {
        r.stride.addr = r.stride.hpa = r.stride.iova = n->value;
      }
    } else {
      static constexpr absl::string_view kStrideKeys[] = {"addr", "hpa", "iova", "offset"};
      Fields sf(*this, s->value, s->path, kStrideKeys,
                "a number or a map {addr, hpa, iova, offset}");
      if (sf.ok()) {
        if (const Entry* a = sf.Find("addr")) {
          if (auto n = Number(*a, ~uint64_t{0})) r.stride.addr = n->value;
        }
        if (const Entry* a = sf.Find("hpa")) {
          if (auto n = Number(*a, ~uint64_t{0})) r.stride.hpa = n->value;
        }
        if (const Entry* a = sf.Find("iova")) {
          if (auto n = Number(*a, ~uint64_t{0})) r.stride.iova = n->value;
        }
        if (const Entry* a = sf.Find("offset")) {
          if (auto n = Number(*a, 0xffff)) r.stride.offset = n->value;
        }
      }
    }
  }
  const Entry* body = f.Require("steps", "the steps to repeat");
  if (errors_.size() != errors_before || body == nullptr) return std::nullopt;
  RepeatLevel level;
  level.count = r.count.value;
  level.stride = r.stride;
  const uint64_t step = r.stride.addr & 0xfff;
  uint64_t offset = 0;
  for (uint64_t i = 0; i < std::min<uint64_t>(r.count.value, 4096); ++i) {
    level.addr_offsets.set(offset);
    offset = (offset + step) & 0xfff;
  }
  repeats_.push_back(level);
  r.steps = ParseSteps(*body);
  repeats_.pop_back();
  if (errors_.size() != errors_before) return std::nullopt;
  if (r.steps.empty()) {
    Error(body->mark(), body->path, "a repeat needs at least one step");
    return std::nullopt;
  }
  return r;
}

// ---- queue and irte (extensions) ----

constexpr absl::string_view kQueueKeys[] = {"unit", "descriptors"};
constexpr absl::string_view kDescriptorKinds[] = {
    "raw",  "context",     "iotlb",       "dev_tlb",       "iec",
    "wait", "pasid_iotlb", "pasid_cache", "pasid_dev_tlb", "page_response"};

std::optional<QueueStep> Loader::ParseQueue(const Entry& e) {
  Fields f(*this, e.value, e.path, kQueueKeys, "a map {unit, descriptors}");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  QueueStep q;
  if (auto unit = Unit(f.Find("unit"), f.mark())) q.unit = *unit;
  if (const Entry* d = f.Require("descriptors", "a list of descriptors")) {
    if (!d->value.IsSequence() || d->value.size() == 0) {
      Error(d->mark(), d->path,
            absl::StrCat("expected a non-empty list of descriptors (each one of: ",
                         JoinKeys(kDescriptorKinds), "), got ", Describe(d->value)));
    } else {
      int i = 0;
      for (const YAML::Node& node : d->value) {
        if (auto desc = ParseQueueDescriptor(node, absl::StrFormat("%s[%d]", d->path, i))) {
          q.descriptors.push_back(std::move(*desc));
        }
        ++i;
      }
    }
  }
  if (errors_.size() != errors_before) return std::nullopt;
  return q;
}

std::optional<QueueDescriptor> Loader::ParseQueueDescriptor(const YAML::Node& node,
                                                            const std::string& path) {
  Fields outer(*this, node, path, kDescriptorKinds,
               "a descriptor map with one key (raw, context, iotlb, dev_tlb, iec, wait, "
               "pasid_iotlb, pasid_cache, pasid_dev_tlb or page_response)");
  if (!outer.ok()) return std::nullopt;
  if (outer.entries().size() != 1) {
    if (outer.entries().size() > 1) {
      Error(outer.entries()[1].key_mark, path,
            absl::StrFormat("descriptor has two kinds, '%s' and '%s' (expected exactly one of: %s)",
                            outer.entries()[0].key, outer.entries()[1].key,
                            JoinKeys(kDescriptorKinds)));
    } else if (node.size() == 0) {
      Error(
          outer.mark(), path,
          absl::StrCat("descriptor is empty (expected one of: ", JoinKeys(kDescriptorKinds), ")"));
    }
    return std::nullopt;
  }
  const Entry& e = outer.entries()[0];
  const size_t errors_before = errors_.size();
  QueueDescriptor q;
  q.kind = e.key;
  q.mark = e.key_mark;
  if (e.key == "raw") {
    if (!e.value.IsSequence() || (e.value.size() != 2 && e.value.size() != 4)) {
      Error(e.mark(), e.path,
            absl::StrCat("expected a list of 2 qwords (128-bit descriptor) or 4 (256-bit), got ",
                         e.value.IsSequence() ? absl::StrCat(e.value.size(), " qwords")
                                              : Describe(e.value)));
      return std::nullopt;
    }
    int i = 0;
    for (const YAML::Node& w : e.value) {
      Entry word{e.key, MarkOf(w), w, absl::StrFormat("%s[%d]", e.path, i++)};
      if (auto n = Number(word, ~uint64_t{0})) q.raw.push_back(n->value);
    }
    if (errors_.size() != errors_before) return std::nullopt;
    return q;
  }
  // Typed: `granularity` words and numbers checked against the descriptor's field widths.
  auto number = [&](const Fields& f, absl::string_view key, uint64_t max, uint64_t fallback = 0) {
    if (const Entry* x = f.Find(key)) {
      if (auto n = Number(*x, max)) return n->value;
    }
    return fallback;
  };
  auto flag = [&](const Fields& f, absl::string_view key) {
    if (const Entry* x = f.Find(key)) {
      if (auto b = Bool(*x)) return b->value;
    }
    return false;
  };
  auto granularity = [&](const Fields& f, absl::Span<const std::pair<absl::string_view, int>> g,
                         int fallback) {
    if (const Entry* x = f.Find("granularity")) {
      if (auto c = Choice(*x, g)) return c->value;
    }
    return fallback;
  };
  auto address = [&](const Fields& f, absl::string_view key, uint64_t align,
                     absl::string_view why) {
    if (const Entry* x = f.Find(key)) {
      if (auto n = Number(*x, ~uint64_t{0})) {
        if (n->value % align != 0) {
          Error(n->mark, x->path,
                absl::StrFormat("%s is not %d-byte aligned (expected %s)", Hex(n->value), align,
                                why));
        }
        return n->value;
      }
    }
    return uint64_t{0};
  };
  if (e.key == "context") {
    static constexpr absl::string_view kKeys[] = {"granularity", "did", "sid", "fm"};
    static constexpr std::pair<absl::string_view, int> kG[] = {
        {"global", 1}, {"domain", 2}, {"device", 3}};
    Fields f(*this, e.value, e.path, kKeys, "a map {granularity, did, sid, fm}");
    if (!f.ok()) return std::nullopt;
    ContextCacheInvalidateDescriptor d;
    d.granularity = static_cast<uint8_t>(granularity(f, kG, 1));
    d.did = static_cast<uint16_t>(number(f, "did", 0xffff));
    if (const Entry* x = f.Find("sid")) {
      if (auto sid = Requester(x->value, x->path)) d.sid = sid->value.value();
    }
    d.function_mask = static_cast<uint8_t>(number(f, "fm", 3));
    q.typed = d;
  } else if (e.key == "iotlb") {
    static constexpr absl::string_view kKeys[] = {"granularity", "did", "addr", "am",
                                                  "ih",          "dr",  "dw"};
    static constexpr std::pair<absl::string_view, int> kG[] = {
        {"global", 1}, {"domain", 2}, {"page", 3}};
    Fields f(*this, e.value, e.path, kKeys, "a map {granularity, did, addr, am, ih, dr, dw}");
    if (!f.ok()) return std::nullopt;
    IotlbInvalidateDescriptor d;
    d.granularity = static_cast<uint8_t>(granularity(f, kG, 1));
    d.did = static_cast<uint16_t>(number(f, "did", 0xffff));
    d.address = address(f, "addr", 4096, "a 4 KiB-aligned page address");
    d.address_mask = static_cast<uint8_t>(number(f, "am", 63));
    d.invalidation_hint = flag(f, "ih");
    d.drain_reads = flag(f, "dr");
    d.drain_writes = flag(f, "dw");
    q.typed = d;
  } else if (e.key == "dev_tlb") {
    static constexpr absl::string_view kKeys[] = {"sid", "addr", "size", "mip", "pfsid"};
    Fields f(*this, e.value, e.path, kKeys, "a map {sid, addr, size, mip, pfsid}");
    if (!f.ok()) return std::nullopt;
    DeviceTlbInvalidateDescriptor d;
    if (const Entry* x = f.Require("sid", "the endpoint's requester \"bb:dd.f\"")) {
      if (auto sid = Requester(x->value, x->path)) d.sid = sid->value.value();
    }
    d.address = address(f, "addr", 4096, "a 4 KiB-aligned address");
    d.size = flag(f, "size");
    d.max_invs_pending = static_cast<uint8_t>(number(f, "mip", 31));
    if (const Entry* x = f.Find("pfsid")) {
      if (auto sid = Requester(x->value, x->path)) d.pfsid = sid->value.value();
    }
    q.typed = d;
  } else if (e.key == "iec") {
    static constexpr absl::string_view kKeys[] = {"granularity", "index", "im"};
    static constexpr std::pair<absl::string_view, int> kG[] = {{"global", 0}, {"index", 1}};
    Fields f(*this, e.value, e.path, kKeys, "a map {granularity, index, im}");
    if (!f.ok()) return std::nullopt;
    InterruptEntryCacheInvalidateDescriptor d;
    d.index_selective = granularity(f, kG, 0) == 1;
    d.index = static_cast<uint16_t>(number(f, "index", 0xffff));
    d.index_mask = static_cast<uint8_t>(number(f, "im", 31));
    q.typed = d;
  } else if (e.key == "pasid_iotlb") {
    // p_iotlb_inv_dsc (S §6.5.2.4): G 10b PASID-selective, 11b page-selective within a PASID.
    static constexpr absl::string_view kKeys[] = {"granularity", "did", "pasid",
                                                  "addr",        "am",  "ih"};
    static constexpr std::pair<absl::string_view, int> kG[] = {{"pasid", 2}, {"page", 3}};
    Fields f(*this, e.value, e.path, kKeys, "a map {granularity, did, pasid, addr, am, ih}");
    if (!f.ok()) return std::nullopt;
    PasidIotlbInvalidateDescriptor d;
    d.granularity = static_cast<uint8_t>(granularity(f, kG, 2));
    d.did = static_cast<uint16_t>(number(f, "did", 0xffff));
    d.pasid = static_cast<uint32_t>(number(f, "pasid", kMaxPasid));
    d.address = address(f, "addr", 4096, "a 4 KiB-aligned page address");
    d.address_mask = static_cast<uint8_t>(number(f, "am", 63));
    d.invalidation_hint = flag(f, "ih");
    q.typed = d;
  } else if (e.key == "pasid_cache") {
    // pc_inv_dsc (S §6.5.2.2): G 00b domain, 01b PASID within a domain, 11b global.
    static constexpr absl::string_view kKeys[] = {"granularity", "did", "pasid"};
    static constexpr std::pair<absl::string_view, int> kG[] = {
        {"domain", 0}, {"pasid", 1}, {"global", 3}};
    Fields f(*this, e.value, e.path, kKeys, "a map {granularity, did, pasid}");
    if (!f.ok()) return std::nullopt;
    PasidCacheInvalidateDescriptor d;
    d.granularity = static_cast<uint8_t>(granularity(f, kG, 3));
    d.did = static_cast<uint16_t>(number(f, "did", 0xffff));
    d.pasid = static_cast<uint32_t>(number(f, "pasid", kMaxPasid));
    q.typed = d;
  } else if (e.key == "pasid_dev_tlb") {
    // p_dev_tlb_inv_dsc (S §6.5.2.6): GI set invalidates every PASID of the endpoint.
    static constexpr absl::string_view kKeys[] = {"sid",  "pasid", "global", "addr",
                                                  "size", "mip",   "pfsid"};
    Fields f(*this, e.value, e.path, kKeys, "a map {sid, pasid, global, addr, size, mip, pfsid}");
    if (!f.ok()) return std::nullopt;
    PasidDeviceTlbInvalidateDescriptor d;
    if (const Entry* x = f.Require("sid", "the endpoint's requester \"bb:dd.f\"")) {
      if (auto sid = Requester(x->value, x->path)) d.sid = sid->value.value();
    }
    d.pasid = static_cast<uint32_t>(number(f, "pasid", kMaxPasid));
    d.global = flag(f, "global");
    d.address = address(f, "addr", 4096, "a 4 KiB-aligned address");
    d.size = flag(f, "size");
    d.max_invs_pending = static_cast<uint8_t>(number(f, "mip", 31));
    if (const Entry* x = f.Find("pfsid")) {
      if (auto sid = Requester(x->value, x->path)) d.pfsid = sid->value.value();
    }
    q.typed = d;
  } else if (e.key == "page_response") {
    // page_grp_resp_dsc (type 0x9, invalidation.md §3.9): the answer to a page request group.
    static constexpr absl::string_view kKeys[] = {"sid", "pasid", "prgi", "code"};
    static constexpr std::pair<absl::string_view, int> kCodes[] = {
        {"success", 0x0}, {"invalid_request", 0x1}, {"response_failure", 0xf}};
    Fields f(*this, e.value, e.path, kKeys, "a map {sid, pasid, prgi, code}");
    if (!f.ok()) return std::nullopt;
    PageGroupResponseDescriptor d;
    if (const Entry* x = f.Require("sid", "the requester the response goes to")) {
      if (auto sid = Requester(x->value, x->path)) d.rid = sid->value.value();
    }
    if (const Entry* x = f.Find("pasid")) {
      if (auto n = Number(*x, kMaxPasid)) {
        d.pasid_present = true;
        d.pasid = static_cast<uint32_t>(n->value);
      }
    }
    d.prgi = static_cast<uint16_t>(number(f, "prgi", 0x1ff));
    if (const Entry* x = f.Find("code")) {
      if (auto c = Choice(*x, kCodes, true, 0xf)) {
        d.response_code = static_cast<PageResponseCode>(c->value);
      }
    }
    if (errors_.size() != errors_before) return std::nullopt;
    absl::StatusOr<std::array<uint64_t, 4>> words = d.Encode();
    if (!words.ok()) {
      Error(e.mark(), e.path, std::string(words.status().message()));
      return std::nullopt;
    }
    q.typed = PageGroupResponseWords{*words};
  } else {  // wait
    static constexpr absl::string_view kKeys[] = {"status_addr", "status_data", "if",
                                                  "sw",          "fn",          "pd"};
    Fields f(*this, e.value, e.path, kKeys, "a map {status_addr, status_data, if, sw, fn, pd}");
    if (!f.ok()) return std::nullopt;
    InvalidationWaitDescriptor d;
    d.status_address = address(f, "status_addr", 4, "a dword-aligned status address");
    d.status_data = static_cast<uint32_t>(number(f, "status_data", 0xffffffff));
    d.interrupt_flag = flag(f, "if");
    d.status_write = flag(f, "sw");
    d.fence = flag(f, "fn");
    d.page_request_drain = flag(f, "pd");
    if (d.status_write && !f.Has("status_addr")) {
      Error(f.mark(), e.path, "'sw: true' needs a 'status_addr' to write the status data to");
    }
    q.typed = d;
  }
  if (errors_.size() != errors_before) return std::nullopt;
  // Encode now once, so a value the encoder refuses is reported here, with its place.
  // The PASID types (6-8) and the page group response (9) exist only as 256-bit descriptors
  // (S §6.5.2).
  const bool wide_only = absl::StartsWith(e.key, "pasid_") || e.key == "page_response";
  absl::StatusOr<std::vector<uint64_t>> words = EncodeDescriptor(*q.typed, wide_only ? 256 : 128);
  if (!words.ok()) {
    Error(e.mark(), e.path, words.status().message());
    return std::nullopt;
  }
  return q;
}

constexpr absl::string_view kIrteKeys[] = {"unit",  "table", "index", "present", "fpd",   "vector",
                                           "dest",  "xapic", "dm",    "rh",      "tm",    "dlm",
                                           "avail", "svt",   "sq",    "sid",     "posted"};

std::optional<IrteStep> Loader::ParseIrte(const Entry& e) {
  Fields f(*this, e.value, e.path, kIrteKeys, "a map {index, vector, dest, sid, ...}");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  IrteStep irte;
  if (auto unit = Unit(f.Find("unit"), f.mark())) irte.unit = *unit;
  if (const Entry* t = f.Find("table")) {
    if (auto n = Number(*t, ~uint64_t{0})) {
      if (n->value % 4096 != 0) {
        Error(n->mark, t->path,
              absl::StrFormat("%s is not 4 KiB aligned (expected an interrupt-remapping table "
                              "address, S §11.4.10.1)",
                              Hex(n->value)));
      }
      irte.table = *n;
    }
  }
  ReadNumber(f.Require("index", "the interrupt index, 0 to 65535"), 0xffff, irte.index);
  auto flag = [&](absl::string_view key, bool fallback) {
    if (const Entry* x = f.Find(key)) {
      if (auto b = Bool(*x)) return b->value;
    }
    return fallback;
  };
  SourceValidation source;
  static constexpr std::pair<absl::string_view, int> kSvt[] = {
      {"none", 0}, {"rid", 1}, {"requester", 1}, {"bus", 2}};
  if (const Entry* x = f.Find("svt")) {
    if (auto c = Choice(*x, kSvt, /*numbers_too=*/true, 3)) source.svt = c->value;
  }
  if (const Entry* x = f.Find("sq")) {
    if (auto n = Number(*x, 3)) source.sq = static_cast<uint8_t>(n->value);
  }
  if (const Entry* x = f.Find("sid")) {
    if (auto sid = Requester(x->value, x->path)) source.sid = sid->value.value();
    if (!f.Has("svt")) source.svt = 1;  // a sid alone means "only this requester"
  }
  const bool present = flag("present", true);
  const bool fpd = flag("fpd", false);
  uint8_t avail = 0;
  if (const Entry* x = f.Find("avail")) {
    if (auto n = Number(*x, 15)) avail = static_cast<uint8_t>(n->value);
  }
  if (const Entry* p = f.Find("posted")) {
    for (absl::string_view k : {"vector", "dest", "xapic", "dm", "rh", "tm", "dlm"}) {
      if (const Entry* x = f.Find(k)) {
        Error(x->key_mark, e.path,
              absl::StrFormat("'%s' does not apply to a posted IRTE (expected the posted "
                              "format's fields in 'posted: {pda, vector, urg}', S §9.10)",
                              k));
      }
    }
    static constexpr absl::string_view kPostedKeys[] = {"pda", "vector", "urg"};
    Fields pf(*this, p->value, p->path, kPostedKeys, "a map {pda, vector, urg}");
    PostedIrte posted;
    posted.present = present;
    posted.fpd = fpd;
    posted.avail = avail;
    posted.source = source;
    if (pf.ok()) {
      if (const Entry* a = pf.Require("pda", "the posted-interrupt descriptor address")) {
        if (auto n = Number(*a, ~uint64_t{0})) {
          if (n->value % 64 != 0) {
            Error(n->mark, a->path,
                  absl::StrCat(Hex(n->value),
                               " is not 64-byte aligned (expected a posted-interrupt descriptor "
                               "address)"));
          }
          posted.descriptor_address = n->value;
        }
      }
      if (const Entry* v = pf.Require("vector", "the virtual vector, 0 to 255")) {
        if (auto n = Number(*v, 0xff)) posted.virtual_vector = static_cast<uint8_t>(n->value);
      }
      if (const Entry* u = pf.Find("urg")) {
        if (auto b = Bool(*u)) posted.urgent = b->value;
      }
    }
    irte.entry = posted;
  } else {
    RemappedIrte r;
    r.present = present;
    r.fpd = fpd;
    r.avail = avail;
    r.source = source;
    if (const Entry* v = f.Require("vector", "the vector, 0 to 255 (or 'posted: {...}')")) {
      if (auto n = Number(*v, 0xff)) r.vector = static_cast<uint8_t>(n->value);
    }
    const bool xapic = flag("xapic", false);
    if (const Entry* d = f.Find("dest")) {
      if (auto n = Number(*d, xapic ? 0xff : 0xffffffff)) {
        r.destination = RemappedIrte::DestinationField(static_cast<uint32_t>(n->value), !xapic);
      }
    }
    static constexpr std::pair<absl::string_view, int> kDm[] = {{"physical", 0}, {"logical", 1}};
    static constexpr std::pair<absl::string_view, int> kTm[] = {{"edge", 0}, {"level", 1}};
    static constexpr std::pair<absl::string_view, int> kDlm[] = {
        {"fixed", 0}, {"lowest", 1}, {"lowest_priority", 1}, {"smi", 2},
        {"nmi", 4},   {"init", 5},   {"extint", 7}};
    if (const Entry* x = f.Find("dm")) {
      if (auto c = Choice(*x, kDm, true, 1)) r.logical_destination = c->value == 1;
    }
    if (const Entry* x = f.Find("tm")) {
      if (auto c = Choice(*x, kTm, true, 1)) r.level_triggered = c->value == 1;
    }
    if (const Entry* x = f.Find("dlm")) {
      if (auto c = Choice(*x, kDlm, true, 7)) r.delivery_mode = static_cast<uint8_t>(c->value);
    }
    r.redirection_hint = flag("rh", false);
    irte.entry = r;
  }
  if (errors_.size() != errors_before) return std::nullopt;
  return irte;
}

constexpr absl::string_view kExpectKeys[] = {
    "value",   "mask",          "hpa",       "fault",     "vector",     "dest",
    "trigger", "delivery_mode", "dest_mode", "posted",    "cycles",     "cycles_max",
    "stale",   "processed",     "error",     "recorded",  "messages",   "any_of",
    "data",    "outcome",       "at",        "responses", "completion", "atc"};

std::optional<std::vector<ResponseExpectation>> Loader::ParseResponses(const Entry& e) {
  std::vector<ResponseExpectation> list;
  if (e.value.IsScalar() && absl::AsciiStrToLower(e.value.Scalar()) == "none") return list;
  if (!e.value.IsSequence()) {
    Error(e.mark(), e.path,
          absl::StrCat("expected 'none' or a list of responses {sid, pasid, prgi, code, by}, got ",
                       Describe(e.value)));
    return std::nullopt;
  }
  static constexpr absl::string_view kKeys[] = {"sid", "pasid", "prgi", "code", "by"};
  static constexpr std::pair<absl::string_view, int> kCodes[] = {
      {"success", 0}, {"invalid_request", 1}, {"response_failure", 2}};
  static constexpr absl::string_view kCodeNames[] = {"success", "invalid_request",
                                                     "response_failure"};
  static constexpr std::pair<absl::string_view, int> kBy[] = {{"hardware", 0}, {"software", 1}};
  const size_t errors_before = errors_.size();
  int i = 0;
  for (const YAML::Node& node : e.value) {
    const std::string path = absl::StrFormat("%s[%d]", e.path, i++);
    Fields f(*this, node, path, kKeys, "a response map {sid, pasid, prgi, code, by}");
    if (!f.ok()) continue;
    ResponseExpectation r;
    r.mark = f.mark();
    if (const Entry* x = f.Find("sid")) r.sid = Requester(x->value, x->path);
    ReadNumber(f.Find("pasid"), kMaxPasid, r.pasid);
    ReadNumber(f.Find("prgi"), 0x1ff, r.prgi);
    if (const Entry* x = f.Find("code")) {
      if (auto c = Choice(*x, kCodes)) {
        r.code = Located<std::string>{std::string(kCodeNames[c->value]), c->mark};
      }
    }
    if (const Entry* x = f.Find("by")) {
      if (auto c = Choice(*x, kBy)) {
        r.by = Located<std::string>{c->value == 0 ? "hardware" : "software", c->mark};
      }
    }
    if (f.entries().empty()) {
      Error(f.mark(), path, "expected at least one of: sid, pasid, prgi, code, by");
    }
    list.push_back(std::move(r));
  }
  if (errors_.size() != errors_before) return std::nullopt;
  return list;
}

std::optional<std::vector<MessageExpectation>> Loader::ParseMessages(const Entry& e) {
  std::vector<MessageExpectation> list;
  if (e.value.IsScalar() && absl::AsciiStrToLower(e.value.Scalar()) == "none") return list;
  if (!e.value.IsSequence()) {
    Error(e.mark(), e.path,
          absl::StrCat("expected 'none' or a list of messages {event, address, data, vector, "
                       "dest}, got ",
                       Describe(e.value)));
    return std::nullopt;
  }
  static constexpr absl::string_view kMessageKeys[] = {"event", "address", "data", "vector",
                                                       "dest"};
  static constexpr std::pair<absl::string_view, int> kEvents[] = {
      {"fault_event", 0},         {"fault", 0},  {"invalidation_event", 1}, {"invalidation", 1},
      {"posted_notification", 2}, {"posted", 2}, {"page_request_event", 3}, {"page_request", 3}};
  static constexpr absl::string_view kEventNames[] = {"fault_event", "invalidation_event",
                                                      "posted_notification", "page_request_event"};
  const size_t errors_before = errors_.size();
  int i = 0;
  for (const YAML::Node& node : e.value) {
    const std::string path = absl::StrFormat("%s[%d]", e.path, i++);
    Fields f(*this, node, path, kMessageKeys, "a message map {event, address, data, vector, dest}");
    if (!f.ok()) continue;
    MessageExpectation m;
    m.mark = f.mark();
    if (const Entry* v = f.Find("event")) {
      if (auto c = Choice(*v, kEvents)) {
        m.event = Located<std::string>{std::string(kEventNames[c->value]), c->mark};
      }
    }
    if (const Entry* v = f.Find("address")) m.address = Number(*v, ~uint64_t{0});
    ReadNumber(f.Find("data"), 0xffffffff, m.data);
    ReadNumber(f.Find("vector"), 0xff, m.vector);
    ReadNumber(f.Find("dest"), 0xffffffff, m.dest);
    if (f.entries().empty()) {
      Error(f.mark(), path, "expected at least one of: event, address, data, vector, dest");
    }
    list.push_back(std::move(m));
  }
  if (errors_.size() != errors_before) return std::nullopt;
  return list;
}

std::optional<CompletionExpectation> Loader::ParseCompletion(const Entry& e, const Dma* dma) {
  static constexpr absl::string_view kCompletionKeys[] = {"r", "w", "u",       "priv", "exe",
                                                          "n", "g", "address", "size"};
  Fields f(*this, e.value, e.path, kCompletionKeys,
           "a map of completion fields {r, w, u, priv, exe, n, g, address, size}");
  if (!f.ok()) return std::nullopt;
  if (dma == nullptr || (dma->at.value != AddressType::kTranslationRequest && !dma->atc.value)) {
    Error(e.key_mark, e.path,
          "'completion' applies to a translation request or an atc: true access (expected "
          "at: translation_request, or atc: true)");
    return std::nullopt;
  }
  CompletionExpectation c;
  const std::pair<absl::string_view, std::optional<Located<bool>>*> flags[] = {
      {"r", &c.r},     {"w", &c.w}, {"u", &c.u}, {"priv", &c.priv},
      {"exe", &c.exe}, {"n", &c.n}, {"g", &c.g}};
  for (const auto& [key, field] : flags) {
    if (const Entry* v = f.Find(key)) *field = Bool(*v);
  }
  if (const Entry* v = f.Find("address")) c.address = Number(*v, ~uint64_t{0});
  if (const Entry* v = f.Find("size")) c.size = Number(*v, 0x1000, ~uint64_t{0}, true);
  if (f.entries().empty()) {
    Error(f.mark(), e.path, "expected at least one completion field");
  }
  return c;
}

std::optional<Expect> Loader::ParseExpect(const Entry& e, ActionKind kind, int value_bits,
                                          const Dma* dma) {
  Fields f(*this, e.value, e.path, kExpectKeys, "an expectation map");
  if (!f.ok()) return std::nullopt;
  const size_t errors_before = errors_.size();
  std::vector<absl::string_view> applicable;
  switch (kind) {
    case ActionKind::kMmioRead:
    case ActionKind::kMemRead:
      applicable = {"value", "mask"};
      break;
    case ActionKind::kDma:
      applicable = {"hpa", "fault", "stale", "recorded", "data", "completion", "atc"};
      break;
    case ActionKind::kInterrupt:
      applicable = {"vector", "dest",  "trigger", "delivery_mode", "dest_mode",
                    "posted", "fault", "stale",   "recorded"};
      break;
    case ActionKind::kQueue:
      applicable = {"processed", "error"};
      break;
    case ActionKind::kPageRequest:
      applicable = {"outcome", "at", "fault", "recorded"};
      break;
    default:
      break;
  }
  applicable.push_back("cycles");
  applicable.push_back("cycles_max");
  applicable.push_back("messages");
  applicable.push_back("responses");
  applicable.push_back("any_of");
  for (const Entry& entry : f.entries()) {
    if (std::find(applicable.begin(), applicable.end(), entry.key) == applicable.end()) {
      Error(entry.key_mark, e.path,
            absl::StrFormat("'%s' does not apply to a %s step (expected %s)", entry.key,
                            ActionKindName(kind), absl::StrJoin(applicable, ", ")));
    }
  }
  if (errors_.size() != errors_before) return std::nullopt;
  Expect x;
  x.mark = f.mark();
  const uint64_t value_max = LowMask(value_bits);
  if (const Entry* v = f.Find("value")) {
    if (auto n = Number(*v, ~uint64_t{0})) {
      if (n->value > value_max) {
        Error(n->mark, v->path,
              absl::StrFormat("%s can never match a %d-bit read (expected at most %s)",
                              Hex(n->value), value_bits, Hex(value_max)));
      }
      x.value = *n;
    }
  }
  if (const Entry* m = f.Find("mask")) {
    if (!f.Has("value")) {
      Error(m->key_mark, e.path, "'mask' needs a 'value' to compare with");
    } else if (auto n = Number(*m, ~uint64_t{0})) {
      x.mask = *n;
    }
  }
  if (const Entry* d = f.Find("data"); d != nullptr && dma != nullptr) {
    ParseExpectedData(*d, *dma, x);
  }
  if (const Entry* h = f.Find("hpa")) {
    if (auto n = Number(*h, ~uint64_t{0})) {
      std::optional<uint64_t> advance = MaxAdvance(&RepeatStride::hpa);
      if (!advance || n->value > ~uint64_t{0} - *advance) {
        Error(n->mark, h->path, "with the repeat strides, the address overflows 64 bits");
      }
      x.hpa = *n;
    }
  }
  if (const Entry* fl = f.Find("fault")) {
    const Entry* reason = fl;
    std::optional<Fields> ff;
    if (fl->value.IsMap()) {
      static constexpr absl::string_view kFaultKeys[] = {"reason"};
      ff.emplace(*this, fl->value, fl->path, kFaultKeys, "a map {reason}");
      reason = ff->Require("reason", "a fault reason such as 0x6 or LRT.3");
    }
    if (reason != nullptr) {
      if (std::optional<std::string> text = Text(*reason, "a fault reason such as 0x6 or LRT.3")) {
        absl::StatusOr<FaultReason> parsed = ParseFaultReason(*text);
        if (!parsed.ok()) {
          Error(reason->mark(), reason->path,
                absl::StrCat(parsed.status().message(),
                             " (expected a fault reason number such as 0x6, a spec name such as "
                             "LRT.3, or a documented symbol)"));
        } else {
          x.fault = FaultExpectation{{*text, reason->mark()}, *parsed};
        }
      }
    }
  }
  static constexpr std::pair<absl::string_view, int> kTrigger[] = {{"edge", 0}, {"level", 1}};
  static constexpr std::pair<absl::string_view, int> kDelivery[] = {
      {"fixed", 0}, {"lowest", 1}, {"lowest_priority", 1}, {"smi", 2},
      {"nmi", 4},   {"init", 5},   {"extint", 7}};
  static constexpr std::pair<absl::string_view, int> kDestMode[] = {{"physical", 0},
                                                                    {"logical", 1}};
  InterruptExpectation irq;
  bool has_irq = false;
  if (const Entry* v = f.Find("vector")) {
    has_irq = true;
    if (auto n = Number(*v, 0xff))
      irq.vector = Located<uint32_t>{static_cast<uint32_t>(n->value), n->mark};
  }
  if (const Entry* v = f.Find("dest")) {
    has_irq = true;
    if (auto n = Number(*v, 0xffffffff))
      irq.dest = Located<uint32_t>{static_cast<uint32_t>(n->value), n->mark};
  }
  if (const Entry* v = f.Find("trigger")) {
    has_irq = true;
    irq.trigger = Choice(*v, kTrigger, true, 1);
  }
  if (const Entry* v = f.Find("delivery_mode")) {
    has_irq = true;
    irq.delivery_mode = Choice(*v, kDelivery, true, 7);
  }
  if (const Entry* v = f.Find("dest_mode")) {
    has_irq = true;
    irq.dest_mode = Choice(*v, kDestMode, true, 1);
  }
  if (has_irq) x.interrupt = irq;
  if (const Entry* p = f.Find("posted")) {
    static constexpr absl::string_view kPostedKeys[] = {"pda", "vector"};
    Fields pf(*this, p->value, p->path, kPostedKeys, "a map {pda, vector}");
    if (pf.ok()) {
      PostedExpectation posted;
      if (const Entry* a = pf.Find("pda")) {
        if (auto n = Number(*a, ~uint64_t{0})) {
          if (n->value % 64 != 0) {
            Error(n->mark, a->path,
                  absl::StrCat(Hex(n->value),
                               " is not 64-byte aligned (expected a posted-"
                               "interrupt descriptor address)"));
          }
          posted.pda = *n;
        }
      }
      ReadNumber(pf.Find("vector"), 0xff, posted.vector);
      if (pf.entries().empty()) {
        Error(pf.mark(), p->path, "expected 'pda' and/or 'vector'");
      }
      x.posted = posted;
    }
  }
  if (const Entry* st = f.Find("stale")) {
    static constexpr absl::string_view kStaleValues[] = {
        "true",     "false",    "any",       "none",    "context",        "iotlb",
        "psc_pml5", "psc_pml4", "psc_pdpte", "psc_pde", "interrupt_entry"};
    if (std::optional<std::string> text = Text(*st, "true, false or a cache name")) {
      std::string t = absl::AsciiStrToLower(*text);
      if (t == "true" || t == "yes") t = "any";
      if (t == "false" || t == "no") t = "none";
      if (std::find(std::begin(kStaleValues), std::end(kStaleValues), t) ==
          std::end(kStaleValues)) {
        Error(st->mark(), st->path,
              absl::StrCat(Shown(*text),
                           " is not a cache (expected one of: ", JoinKeys(kStaleValues), ")"));
      } else {
        x.stale = Located<std::string>{t, st->mark()};
      }
    }
  }
  if (const Entry* p = f.Find("processed")) {
    if (auto n = Number(*p, ~uint64_t{0})) x.processed = *n;
  }
  if (const Entry* q = f.Find("error")) {
    static constexpr std::pair<absl::string_view, int> kQueueErrors[] = {
        {"none", 0}, {"iqe", 1}, {"ice", 2}, {"ite", 3}};
    if (auto c = Choice(*q, kQueueErrors)) {
      static constexpr absl::string_view kNames[] = {"none", "iqe", "ice", "ite"};
      x.queue_error = Located<std::string>{std::string(kNames[c->value]), c->mark};
    }
  }
  if (const Entry* c = f.Find("cycles")) {
    if (auto n = Number(*c, ~uint64_t{0})) x.cycles = *n;
  }
  ReadBool(f.Find("recorded"), x.recorded);
  if (const Entry* c = f.Find("completion")) x.completion = ParseCompletion(*c, dma);
  if (const Entry* a = f.Find("atc")) {
    static constexpr std::pair<absl::string_view, int> kAtc[] = {{"miss", 0}, {"hit", 1}};
    if (dma == nullptr || !dma->atc.value) {
      Error(a->key_mark, e.path, "'atc' expects how a device-TLB access began (needs atc: true)");
    } else if (auto ch = Choice(*a, kAtc)) {
      x.atc_hit = Located<bool>{ch->value == 1, ch->mark};
    }
  }
  if (const Entry* m = f.Find("messages")) x.messages = ParseMessages(*m);
  if (const Entry* m = f.Find("responses")) x.responses = ParseResponses(*m);
  if (const Entry* o = f.Find("outcome")) {
    static constexpr std::pair<absl::string_view, int> kOutcomes[] = {
        {"queued", 0}, {"overflow", 1}, {"write_error", 2}, {"fault", 3}};
    static constexpr absl::string_view kOutcomeNames[] = {"queued", "overflow", "write_error",
                                                          "fault"};
    if (auto c = Choice(*o, kOutcomes)) {
      x.outcome = Located<std::string>{std::string(kOutcomeNames[c->value]), c->mark};
    }
  }
  if (const Entry* a = f.Find("at")) x.at = Number(*a, ~uint64_t{0});
  if (const Entry* a = f.Find("any_of")) {
    if (!a->value.IsSequence() || a->value.size() < 2) {
      Error(a->mark(), a->path,
            absl::StrCat("expected a list of at least two alternative expectation maps, got ",
                         a->value.IsSequence() ? absl::StrCat(a->value.size(), " alternative")
                                               : Describe(a->value)));
    } else {
      int i = 0;
      for (const YAML::Node& alt : a->value) {
        const Entry item{"", MarkOf(alt), alt, absl::StrFormat("%s[%d]", a->path, i++)};
        if (auto parsed = ParseExpect(item, kind, value_bits, dma)) x.any_of.push_back(*parsed);
      }
    }
  }
  if (const Entry* c = f.Find("cycles_max")) {
    if (f.Has("cycles")) {
      Error(c->key_mark, e.path, "has both 'cycles' and 'cycles_max' (expected one of them)");
    } else if (auto n = Number(*c, ~uint64_t{0})) {
      x.cycles_max = *n;
    }
  }
  // Outcomes that exclude each other.
  auto exclusive = [&](absl::string_view a, absl::string_view b) {
    const Entry* first = f.Find(a);
    const Entry* second = f.Find(b);
    if (first == nullptr || second == nullptr) return;
    if (second->key_mark.line < first->key_mark.line ||
        (second->key_mark.line == first->key_mark.line &&
         second->key_mark.column < first->key_mark.column)) {
      std::swap(first, second);
    }
    Error(second->key_mark, e.path,
          absl::StrFormat("'%s' and '%s' expect different outcomes (expected one of them)",
                          first->key, second->key));
  };
  exclusive("hpa", "fault");
  exclusive("posted", "fault");
  for (absl::string_view k : {"vector", "dest", "trigger", "delivery_mode", "dest_mode"}) {
    exclusive(k, "fault");
    exclusive(k, "posted");
  }
  if (errors_.size() != errors_before) return std::nullopt;
  return x;
}

}  // namespace

absl::StatusOr<Scenario> LoadScenarioString(absl::string_view text,
                                            const std::string& virtual_path) {
  try {
    std::filesystem::path directory = std::filesystem::path(virtual_path).parent_path();
    if (directory.empty()) directory = ".";
    Loader loader(virtual_path, directory);
    return loader.Load(text);
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(
        absl::StrCat(virtual_path, ": out of memory while loading the scenario"));
  } catch (const std::exception& ex) {
    // Defensive: the loader catches yaml-cpp's exceptions itself; nothing else should throw,
    // but no exception may leave the loader (style §7).
    return absl::InvalidArgumentError(
        absl::StrCat(virtual_path, ": cannot load the scenario: ", ex.what()));
  }
}

absl::StatusOr<Scenario> LoadScenarioFile(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return absl::NotFoundError(
        absl::StrCat(path, ": the scenario file does not exist (expected a YAML scenario)"));
  }
  if (!std::filesystem::is_regular_file(status)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": is not a regular file (expected a YAML scenario)"));
  }
  const uintmax_t size = std::filesystem::file_size(path, ec);
  constexpr uintmax_t kMaxFileSize = uintmax_t{256} << 20;
  if (ec || size > kMaxFileSize) {
    return absl::InvalidArgumentError(
        absl::StrFormat("%s: %s (expected a scenario file below 256 MiB)", path,
                        ec ? "cannot read the file" : "the file is too large"));
  }
  std::ifstream in(path, std::ios::binary);
  std::string text(static_cast<size_t>(size), '\0');
  if (size > 0) in.read(text.data(), static_cast<std::streamsize>(size));
  if (!in) {
    return absl::NotFoundError(absl::StrCat(path, ": cannot read the scenario file"));
  }
  return LoadScenarioString(text, path);
}

}  // namespace vtd::scenario
