#include "model/replay/debugfs.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "model/common/hex.h"
#include "model/common/status_macros.h"
#include "model/regs/cap_ecap.h"

namespace vtd::replay {
namespace {

// Second-stage entry fields (S §9.8): R bit 0, W bit 1, PS bit 7, address 51:12.
constexpr uint64_t kAddressMask = 0x000ffffffffff000;
constexpr uint64_t kPageSize = uint64_t{1} << 7;
// RTADDR.TTM, bits 11:10 (S §11.4.5): 00b legacy, 01b scalable.
constexpr int kTtmShift = 10;

bool Hex64(absl::string_view text, uint64_t* out) {
  text = absl::StripAsciiWhitespace(text);
  if (absl::StartsWithIgnoreCase(text, "0x")) text.remove_prefix(2);
  return !text.empty() && text.size() <= 16 && absl::SimpleHexAtoi(text, out);
}

std::vector<absl::string_view> Tokens(absl::string_view line) {
  return absl::StrSplit(line, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
}

// "bb:dd.f" (as debugfs prints it, %02x:%02x.%x).
std::optional<SourceId> ParseBdf(absl::string_view text) {
  std::vector<absl::string_view> p = absl::StrSplit(text, absl::ByAnyChar(":."));
  int bus = 0, dev = 0, fn = 0;
  if (p.size() != 3 || !absl::SimpleHexAtoi(p[0], &bus) || !absl::SimpleHexAtoi(p[1], &dev) ||
      !absl::SimpleHexAtoi(p[2], &fn) || bus > 0xff || dev > 0x1f || fn > 7) {
    return std::nullopt;
  }
  return SourceId::FromBdf(bus, dev, fn);
}

// "0xA:0xB[:0xC]" -> {A, B, C}.
bool HexWords(absl::string_view text, size_t count, uint64_t* out) {
  std::vector<absl::string_view> p = absl::StrSplit(text, ':');
  if (p.size() != count) return false;
  for (size_t i = 0; i < count; ++i) {
    if (!Hex64(p[i], &out[i])) return false;
  }
  return true;
}

absl::Status Bad(absl::string_view source, int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrFormat("%s:%d: %s", source, line, what));
}

int LevelIndex(uint64_t iova, int level) {
  return static_cast<int>((iova >> (12 + 9 * (level - 1))) & 0x1ff);
}

}  // namespace

bool DebugfsUnit::scalable() const {
  auto it = registers.find("RTADDR");
  return it != registers.end() && ((it->second >> kTtmShift) & 3) == 1;
}

DebugfsUnit& DebugfsImporter::UnitNamed(const std::string& name) {
  for (DebugfsUnit& u : import_.units) {
    if (u.name == name) return u;
  }
  import_.units.push_back(DebugfsUnit{});
  import_.units.back().name = name;
  return import_.units.back();
}

absl::Status DebugfsImporter::Place(uint64_t address, uint64_t value, const std::string& where) {
  auto [it, inserted] = import_.memory.emplace(address, value);
  if (!inserted && it->second != value) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "%s: the word at %s is %s here but %s in an earlier dump (dumps of different moments?)",
        where, Hex(address), Hex(value), Hex(it->second)));
  }
  return absl::OkStatus();
}

absl::Status DebugfsImporter::AddRegset(absl::string_view text, absl::string_view source) {
  DebugfsUnit* unit = nullptr;
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++n;
    std::vector<absl::string_view> t = Tokens(line);
    if (t.empty() || t[0] == "Name") continue;
    if (t[0] == "IOMMU:") {
      // "IOMMU: %s Register Base Address: %llx"
      if (t.size() != 6 || t[2] != "Register" || t[4] != "Address:") {
        return Bad(source, n,
                   "expected \"IOMMU: dmarN Register Base Address: BASE\" (Linux's "
                   "iommu_regset)");
      }
      unit = &UnitNamed(std::string(t[1]));
      if (!Hex64(t[5], &unit->register_base)) return Bad(source, n, "the base is not hex");
      continue;
    }
    if (unit == nullptr) return Bad(source, n, "a register line before any \"IOMMU:\" line");
    uint64_t offset = 0, value = 0;
    if (t.size() != 3 || !Hex64(t[1], &offset) || !Hex64(t[2], &value)) {
      return Bad(source, n, "expected \"NAME<tab>0xOFFSET<tab><tab>0xVALUE\"");
    }
    unit->registers[std::string(t[0])] = value;
  }
  if (import_.units.empty()) return Bad(source, n, "no \"IOMMU: dmarN Register Base Address\"");
  have_regset_ = true;
  return absl::OkStatus();
}

absl::Status DebugfsImporter::AddTranslationStruct(absl::string_view text,
                                                   absl::string_view source) {
  DebugfsUnit* unit = nullptr;
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++n;
    std::vector<absl::string_view> t = Tokens(line);
    if (t.empty() || t[0] == "B.D.F") continue;
    if (absl::StartsWith(line, "DMA Remapping is not enabled on ")) {
      UnitNamed(std::string(t.back())).translation_enabled = false;
      unit = nullptr;
      continue;
    }
    if (t[0] == "IOMMU") {
      // "IOMMU %s: Root Table Address: 0x%llx"
      if (t.size() != 6 || !absl::EndsWith(t[1], ":") || t[2] != "Root") {
        return Bad(source, n, "expected \"IOMMU dmarN: Root Table Address: 0xADDR\"");
      }
      unit = &UnitNamed(std::string(t[1].substr(0, t[1].size() - 1)));
      if (!Hex64(t[5], &unit->root_table)) return Bad(source, n, "the address is not hex");
      unit->has_root_table = true;
      unit->translation_enabled = true;
      continue;
    }
    if (unit == nullptr) return Bad(source, n, "an entry line before any \"IOMMU dmarN:\" line");
    std::optional<SourceId> sid = ParseBdf(t[0]);
    uint64_t root[2], ctx[2], pasid_words[3];
    int pasid = 0;
    if (t.size() != 5 || !sid || !HexWords(t[1], 2, root) || !HexWords(t[2], 2, ctx) ||
        !absl::SimpleAtoi(t[3], &pasid) || !HexWords(t[4], 3, pasid_words)) {
      return Bad(source, n,
                 "expected \"bb:dd.f<tab>0xROOT_HI:0xROOT_LO<tab>0xCTX_HI:0xCTX_LO<tab>PASID"
                 "<tab>0xW2:0xW1:0xW0\" (Linux's dmar_translation_struct)");
    }
    const std::string where = absl::StrFormat("%s:%d", source, n);
    // root[0] is the high qword as printed, root[1] the low.
    const uint64_t root_address = unit->root_table + 16 * static_cast<uint64_t>(sid->bus());
    VTD_RETURN_IF_ERROR(Place(root_address, root[1], where));
    VTD_RETURN_IF_ERROR(Place(root_address + 8, root[0], where));
    const bool scalable = pasid != -1 || unit->scalable();
    uint64_t ctx_address = 0;
    if (scalable) {
      const int devfn = sid->devfn();
      const uint64_t table = (devfn < 128 ? root[1] : root[0]) & kAddressMask;
      ctx_address = table + 32 * static_cast<uint64_t>(devfn & 0x7f);
    } else {
      ctx_address = (root[1] & kAddressMask) + 16 * static_cast<uint64_t>(sid->devfn());
    }
    VTD_RETURN_IF_ERROR(Place(ctx_address, ctx[1], where));
    VTD_RETURN_IF_ERROR(Place(ctx_address + 8, ctx[0], where));
    if (std::find(unit->devices.begin(), unit->devices.end(), *sid) == unit->devices.end()) {
      unit->devices.push_back(*sid);
    }
    if (pasid >= 0) {
      DebugfsPasidEntry e;
      e.sid = *sid;
      e.pasid = static_cast<uint32_t>(pasid);
      e.words[0] = pasid_words[2];
      e.words[1] = pasid_words[1];
      e.words[2] = pasid_words[0];
      unit->pasid_entries.push_back(e);
    }
  }
  return absl::OkStatus();
}

absl::Status DebugfsImporter::AddDomainTranslationStruct(absl::string_view text,
                                                         absl::string_view source) {
  std::optional<DebugfsMapping> device;  // the current "Device" block
  uint64_t pgd = 0;
  int n = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++n;
    std::vector<absl::string_view> t = Tokens(line);
    if (t.empty() || t[0] == "IOVA_PFN" || absl::StartsWith(line, "DMA Remapping is not")) {
      continue;
    }
    if (t[0] == "Device") {
      // "Device %04x:%02x:%02x.%x @0x%llx" or "... with pasid %x @0x%llx"
      if (t.size() < 3 || !absl::StartsWith(t.back(), "@") || !Hex64(t.back().substr(1), &pgd)) {
        return Bad(source, n, "expected \"Device SSSS:BB:DD.F [with pasid N] @0xPGD\"");
      }
      std::vector<absl::string_view> parts = absl::StrSplit(t[1], absl::MaxSplits(':', 1));
      int segment = 0;
      std::optional<SourceId> sid =
          parts.size() == 2 ? ParseBdf(parts[1]) : std::optional<SourceId>();
      if (!sid || !absl::SimpleHexAtoi(parts[0], &segment) || segment > 0xffff) {
        return Bad(source, n, absl::StrFormat("'%s' is not a PCI device SSSS:BB:DD.F", t[1]));
      }
      device = DebugfsMapping{};
      device->device = std::string(t[1]);
      device->sid = *sid;
      device->segment = static_cast<uint16_t>(segment);
      continue;
    }
    if (!device) return Bad(source, n, "a page line before any \"Device\" line");
    // "0x%013lx |<tab>0xPML5E<tab>0xPML4E<tab>0xPDPE<tab>0xPDE<tab>0xPTE"
    uint64_t pfn = 0;
    uint64_t col[6] = {0, 0, 0, 0, 0, 0};  // col[level]
    if (t.size() != 7 || t[1] != "|" || !Hex64(t[0], &pfn) || !Hex64(t[2], &col[5]) ||
        !Hex64(t[3], &col[4]) || !Hex64(t[4], &col[3]) || !Hex64(t[5], &col[2]) ||
        !Hex64(t[6], &col[1])) {
      return Bad(
          source, n,
          "expected \"0xIOVA_PFN |<tab>0xPML5E<tab>0xPML4E<tab>0xPDPE<tab>0xPDE<tab>0xPTE\"");
    }
    const std::string where = absl::StrFormat("%s:%d", source, n);
    const uint64_t iova = pfn << 12;
    int top = 5;
    while (top >= 1 && col[top] == 0) --top;
    if (top < 1) return Bad(source, n, "no entry on the path");
    uint64_t table = pgd & kAddressMask;
    for (int level = top; level >= 1; --level) {
      if (col[level] == 0) {
        return Bad(source, n, absl::StrFormat("level %d is 0 above the leaf", level));
      }
      VTD_RETURN_IF_ERROR(
          Place(table + 8 * static_cast<uint64_t>(LevelIndex(iova, level)), col[level], where));
      if (level == 1 || (col[level] & kPageSize) != 0) {
        DebugfsMapping m = *device;
        m.iova = iova;
        m.leaf = col[level];
        m.leaf_level = level;
        m.page_size = uint64_t{1} << (12 + 9 * (level - 1));
        import_.mappings.push_back(m);
        break;
      }
      table = col[level] & kAddressMask;
    }
  }
  return absl::OkStatus();
}

absl::Status DebugfsImporter::AddDirectory(const std::string& directory) {
  namespace fs = std::filesystem;
  auto read = [](const fs::path& p) -> std::optional<std::string> {
    std::ifstream in(p);
    if (!in) return std::nullopt;
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
  };
  const fs::path root(directory);
  std::optional<std::string> regset = read(root / "iommu_regset");
  if (!regset) {
    return absl::NotFoundError(absl::StrFormat(
        "%s has no iommu_regset (expected a copy of /sys/kernel/debug/iommu/intel)", directory));
  }
  VTD_RETURN_IF_ERROR(AddRegset(*regset, (root / "iommu_regset").string()));
  if (auto t = read(root / "dmar_translation_struct")) {
    VTD_RETURN_IF_ERROR(AddTranslationStruct(*t, (root / "dmar_translation_struct").string()));
  }
  // The older all-device file, then per-device directories in name order (deterministic).
  std::vector<fs::path> domain_files;
  if (fs::exists(root / "domain_translation_struct")) {
    domain_files.push_back(root / "domain_translation_struct");
  }
  std::vector<fs::path> sub;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(root, ec)) {
    if (e.is_directory() && fs::exists(e.path() / "domain_translation_struct")) {
      sub.push_back(e.path() / "domain_translation_struct");
    }
  }
  std::sort(sub.begin(), sub.end());
  domain_files.insert(domain_files.end(), sub.begin(), sub.end());
  for (const fs::path& p : domain_files) {
    if (auto t = read(p)) VTD_RETURN_IF_ERROR(AddDomainTranslationStruct(*t, p.string()));
  }
  return absl::OkStatus();
}

absl::StatusOr<DebugfsImport> DebugfsImporter::Finish() const {
  if (!have_regset_) {
    return absl::FailedPreconditionError(
        "no iommu_regset: the units' register values (CAP, ECAP, RTADDR, ...) are needed");
  }
  DebugfsImport out = import_;
  for (DebugfsUnit& u : out.units) {
    if (u.register_base == 0) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s appears in a translation dump but not in iommu_regset", u.name));
    }
    for (const char* reg : {"CAP", "ECAP", "VER"}) {
      if (!u.registers.count(reg)) {
        return absl::InvalidArgumentError(
            absl::StrFormat("iommu_regset lists no %s for %s", reg, u.name));
      }
    }
    if (u.scalable()) {
      out.notes.push_back(absl::StrFormat(
          "%s uses scalable-mode tables (RTADDR.TTM=01b): its root, context and page-table words "
          "are imported%s, but vtdsim does not translate scalable mode yet, so its devices' "
          "DMAs are not replayed",
          u.name,
          u.pasid_entries.empty()
              ? ""
              : absl::StrFormat(" (and %d PASID-table entries as values: the dump omits the "
                                "PASID directory, so their addresses are unknown)",
                                u.pasid_entries.size())));
    }
  }
  return out;
}

namespace {

const DebugfsUnit* UnitOf(const DebugfsImport& import, SourceId sid, int* index) {
  for (size_t i = 0; i < import.units.size(); ++i) {
    const std::vector<SourceId>& d = import.units[i].devices;
    if (std::find(d.begin(), d.end(), sid) != d.end()) {
      *index = static_cast<int>(i);
      return &import.units[i];
    }
  }
  // No context entry listed: the unit owning every remaining device (see the scope rule).
  for (size_t i = import.units.size(); i-- > 0;) {
    if (import.units[i].devices.empty() || import.units.size() == 1) {
      *index = static_cast<int>(i);
      return &import.units[i];
    }
  }
  return nullptr;
}

}  // namespace

absl::StatusOr<std::string> DebugfsScenarioYaml(const DebugfsImport& import,
                                                const std::string& name,
                                                const std::vector<std::string>& questions,
                                                int max_mapping_checks) {
  std::string out = absl::StrFormat("name: \"%s\"\n", name);
  out +=
      "description: \"replayed from Linux debugfs dumps (iommu_regset, dmar_translation_struct, "
      "domain_translation_struct)\"\n";
  for (const std::string& n : import.notes) absl::StrAppend(&out, "# ", n, "\n");
  uint64_t top = uint64_t{4} << 30;
  for (const auto& [address, word] : import.memory) top = std::max(top, address + 8);
  const uint64_t memory_size = (top + 0xfff) & ~uint64_t{0xfff};
  absl::StrAppendFormat(&out, "platform:\n  memory_size: %s\n  unimplemented: mask\n  units:\n",
                        Hex(memory_size));
  // Scope: the devices a unit has context entries for; the last unit without any listed
  // device (or the only unit) takes every other device.
  int all_unit = -1;
  for (size_t i = import.units.size(); i-- > 0;) {
    if (import.units[i].devices.empty() || import.units.size() == 1) {
      all_unit = static_cast<int>(i);
      break;
    }
  }
  for (size_t i = 0; i < import.units.size(); ++i) {
    const DebugfsUnit& u = import.units[i];
    absl::StrAppendFormat(&out,
                          "    - name: %s\n      base: %s\n      version: \"%s\"\n      cap: %s\n"
                          "      ecap: %s\n",
                          u.name, Hex(u.register_base),
                          FormatVersion(static_cast<uint32_t>(u.registers.at("VER"))),
                          Hex(u.registers.at("CAP")), Hex(u.registers.at("ECAP")));
    if (static_cast<int>(i) == all_unit) {
      out += "      scope: all\n";
    } else {
      std::vector<std::string> devices;
      for (SourceId sid : u.devices) devices.push_back(absl::StrFormat("\"%s\"", sid));
      absl::StrAppend(&out, "      scope: [", absl::StrJoin(devices, ", "), "]\n");
    }
  }
  if (!import.memory.empty()) {
    out += "memory:\n";
    for (const auto& [address, word] : import.memory) {
      absl::StrAppendFormat(&out, "  - {addr: %s, u64: [%s]}\n", Hex(address), Hex(word));
    }
  }
  out += "steps:\n";
  for (const DebugfsUnit& u : import.units) {
    auto rtaddr = u.registers.find("RTADDR");
    if (rtaddr == u.registers.end()) continue;
    absl::StrAppendFormat(&out, "  - mmio_write: {unit: %s, reg: RTADDR, value: %s}\n", u.name,
                          Hex(rtaddr->second));
    if (u.scalable()) {
      absl::StrAppendFormat(&out,
                            "  # %s: scalable mode; not latched or enabled (vtdsim does not "
                            "translate scalable mode yet)\n",
                            u.name);
      continue;
    }
    auto gsts = u.registers.find("GSTS");
    const bool enabled =
        gsts != u.registers.end() ? (gsts->second >> 31) & 1 : u.translation_enabled;
    absl::StrAppendFormat(&out, "  - mmio_write: {unit: %s, reg: GCMD, value: 0x40000000}\n",
                          u.name);
    if (enabled) {
      absl::StrAppendFormat(&out, "  - mmio_write: {unit: %s, reg: GCMD, value: 0x80000000}\n",
                            u.name);
    }
  }
  int checks = 0;
  for (const DebugfsMapping& m : import.mappings) {
    if (checks >= max_mapping_checks) break;
    int index = 0;
    const DebugfsUnit* u = UnitOf(import, m.sid, &index);
    if (u == nullptr || u->scalable()) continue;
    const bool readable = (m.leaf & 1) != 0;
    const uint64_t hpa = m.leaf & kAddressMask & ~(m.page_size - 1);
    absl::StrAppendFormat(&out,
                          "  - dma: {sid: \"%s\", addr: %s, access: %s}\n"
                          "    expect: {hpa: %s}\n"
                          "    label: \"%s IOVA %s as the dump maps it\"\n",
                          m.sid, Hex(m.iova), readable ? "read" : "write", Hex(hpa), m.device,
                          Hex(m.iova));
    ++checks;
  }
  for (const std::string& q : questions) {
    std::vector<absl::string_view> p = absl::StrSplit(q, '@');
    std::optional<SourceId> sid = p.size() == 2 ? ParseBdf(p[0]) : std::nullopt;
    uint64_t iova = 0;
    if (!sid || !Hex64(p[1], &iova)) {
      return absl::InvalidArgumentError(
          absl::StrFormat("'%s' is not a question \"bb:dd.f@0xIOVA\"", q));
    }
    int index = 0;
    const DebugfsUnit* u = UnitOf(import, *sid, &index);
    if (u != nullptr && u->scalable()) {
      return absl::FailedPreconditionError(absl::StrFormat(
          "cannot translate %s@%s: %s uses scalable-mode tables (RTADDR.TTM=01b) and vtdsim does "
          "not translate scalable mode yet; its words are imported as memory",
          *sid, Hex(iova), u->name));
    }
    absl::StrAppendFormat(&out, "  - dma: {sid: \"%s\", addr: %s, access: read}\n", *sid,
                          Hex(iova & ~uint64_t{3}));
  }
  return out;
}

}  // namespace vtd::replay
