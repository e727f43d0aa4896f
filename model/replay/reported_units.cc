#include "model/replay/reported_units.h"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "model/common/status_macros.h"
#include "model/regs/cap_ecap.h"

namespace vtd::replay {
namespace {

// Linux prints these with %llx: lower-case hex without 0x (we also take upper case and 0x).
bool ParseHexWord(absl::string_view text, uint64_t* out) {
  text = absl::StripAsciiWhitespace(text);
  if (absl::StartsWithIgnoreCase(text, "0x")) text.remove_prefix(2);
  return !text.empty() && text.size() <= 16 && absl::SimpleHexAtoi(text, out);
}

// "dmar12" -> 12; -1 if not of that shape.
int UnitNumber(absl::string_view name) {
  int n = -1;
  if (!absl::StartsWith(name, "dmar") || !absl::SimpleAtoi(name.substr(4), &n)) return -1;
  return n;
}

absl::StatusOr<std::string> ReadSmallFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrFormat("%s: cannot read it", path.string()));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

absl::StatusOr<std::vector<ReportedUnit>> ParseBootLog(absl::string_view text,
                                                       absl::string_view source_name) {
  std::vector<ReportedUnit> units;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_number;
    const size_t at = line.find("reg_base_addr");
    if (at == absl::string_view::npos) continue;
    const std::string where = absl::StrFormat("%s:%d", source_name, line_number);
    auto bad = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrFormat(
          "%s: %s (expected Linux's \"dmar%%d: reg_base_addr %%llx ver %%d:%%d cap %%llx "
          "ecap %%llx\")",
          where, why));
    };
    // The unit name is the token before "reg_base_addr", with its colon.
    std::vector<absl::string_view> before =
        absl::StrSplit(line.substr(0, at), absl::ByAnyChar(" \t"), absl::SkipEmpty());
    if (before.empty() || !absl::EndsWith(before.back(), ":") ||
        UnitNumber(before.back().substr(0, before.back().size() - 1)) < 0) {
      return bad("no \"dmarN:\" before reg_base_addr");
    }
    ReportedUnit u;
    u.name = std::string(before.back().substr(0, before.back().size() - 1));
    u.source = where;
    std::vector<absl::string_view> t =
        absl::StrSplit(line.substr(at), absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (t.size() < 8 || t[0] != "reg_base_addr" || t[2] != "ver" || t[4] != "cap" ||
        t[6] != "ecap") {
      return bad("the fields are not in Linux's order");
    }
    if (!ParseHexWord(t[1], &u.register_base)) return bad("reg_base_addr is not a hex number");
    absl::StatusOr<uint32_t> version = ParseVersion(std::string(t[3]));
    if (!version.ok() || !absl::StrContains(t[3], ":")) {
      return bad(absl::StrFormat("ver '%s' is not \"major:minor\"", t[3]));
    }
    u.version = *version;
    if (!ParseHexWord(t[5], &u.cap)) return bad("cap is not a hex number");
    if (!ParseHexWord(t[7], &u.ecap)) return bad("ecap is not a hex number");
    bool repeated = false;
    for (const ReportedUnit& seen : units) {
      if (seen.name != u.name) continue;
      if (seen.register_base != u.register_base || seen.version != u.version || seen.cap != u.cap ||
          seen.ecap != u.ecap) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%s: %s is logged again with other values than at %s (one boot "
                            "log at a time)",
                            where, u.name, seen.source));
      }
      repeated = true;  // the same line twice (a log read twice): keep the first
    }
    if (!repeated) units.push_back(std::move(u));
  }
  if (units.empty()) {
    return absl::NotFoundError(absl::StrFormat(
        "%s: no \"dmarN: reg_base_addr ... ver ... cap ... ecap ...\" line (Linux logs one per "
        "remapping unit at boot: dmesg | grep reg_base_addr)",
        source_name));
  }
  return units;
}

absl::StatusOr<std::vector<ReportedUnit>> ReadSysfsUnits(const std::string& directory) {
  namespace fs = std::filesystem;
  const fs::path root(directory);
  std::error_code ec;
  if (!fs::is_directory(root, ec)) {
    return absl::NotFoundError(absl::StrFormat("%s is not a directory", directory));
  }
  // Candidate unit directories (the ones holding address/version/cap/ecap).
  std::vector<std::pair<int, fs::path>> found;
  auto consider = [&](const fs::path& unit_dir, const std::string& name) {
    const int n = UnitNumber(name);
    if (n < 0) return;
    const fs::path files =
        fs::is_directory(unit_dir / "intel-iommu", ec) ? unit_dir / "intel-iommu" : unit_dir;
    if (fs::exists(files / "cap", ec)) found.emplace_back(n, files);
  };
  const std::string leaf = root.filename().string();
  if (leaf == "intel-iommu") {
    consider(root, root.parent_path().filename().string());
  } else if (UnitNumber(leaf) >= 0) {
    consider(root, leaf);
  } else {
    for (const fs::directory_entry& e : fs::directory_iterator(root, ec)) {
      consider(e.path(), e.path().filename().string());
    }
  }
  if (found.empty()) {
    return absl::NotFoundError(
        absl::StrFormat("%s holds no dmarN/intel-iommu/{address,version,cap,ecap} (expected "
                        "/sys/class/iommu or a copy of it)",
                        directory));
  }
  std::sort(found.begin(), found.end());
  std::vector<ReportedUnit> units;
  for (const auto& [n, files] : found) {
    ReportedUnit u;
    u.name = absl::StrFormat("dmar%d", n);
    u.source = files.string();
    struct Field {
      const char* file;
      uint64_t* word;
    };
    for (const Field& f :
         {Field{"address", &u.register_base}, Field{"cap", &u.cap}, Field{"ecap", &u.ecap}}) {
      VTD_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(files / f.file));
      if (!ParseHexWord(text, f.word)) {
        return absl::InvalidArgumentError(absl::StrFormat("%s: '%s' is not a hex number",
                                                          (files / f.file).string(),
                                                          absl::StripAsciiWhitespace(text)));
      }
    }
    VTD_ASSIGN_OR_RETURN(std::string version, ReadSmallFile(files / "version"));
    absl::StatusOr<uint32_t> v = ParseVersion(std::string(absl::StripAsciiWhitespace(version)));
    if (!v.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("%s: %s", (files / "version").string(), v.status().message()));
    }
    u.version = *v;
    units.push_back(std::move(u));
  }
  return units;
}

std::string FormatBootLogLine(const ReportedUnit& unit) {
  return absl::StrFormat("%s: reg_base_addr %x ver %s cap %x ecap %x", unit.name,
                         unit.register_base, FormatVersion(unit.version), unit.cap, unit.ecap);
}

}  // namespace vtd::replay
