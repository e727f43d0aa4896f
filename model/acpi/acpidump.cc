#include "model/acpi/acpidump.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace vtd::acpi {
namespace {

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// "SIG @ 0xADDRESS": four printable non-blank characters, " @ ", a hex address.
std::optional<std::pair<std::string, uint64_t>> ParseTableHeader(absl::string_view line) {
  line = absl::StripAsciiWhitespace(line);
  if (line.size() < 4 + 3 + 3 || line.substr(4, 3) != " @ ") return std::nullopt;
  absl::string_view sig = line.substr(0, 4);
  for (char c : sig) {
    if (c <= ' ' || c > '~') return std::nullopt;
  }
  absl::string_view addr = line.substr(7);
  if (addr.size() < 3 || addr[0] != '0' || (addr[1] != 'x' && addr[1] != 'X')) {
    return std::nullopt;
  }
  addr.remove_prefix(2);
  if (addr.size() > 16) return std::nullopt;
  uint64_t value = 0;
  for (char c : addr) {
    int d = HexDigit(c);
    if (d < 0) return std::nullopt;
    value = (value << 4) | static_cast<uint64_t>(d);
  }
  return std::make_pair(std::string(sig), value);
}

// A hex row starts (after indentation) with 1-8 hex digits and a colon. Returns the
// position of the colon, or npos when the line is not a row.
size_t RowColon(absl::string_view line, size_t start) {
  size_t p = start;
  while (p < line.size() && HexDigit(line[p]) >= 0 && p - start < 8) ++p;
  if (p == start || p >= line.size() || line[p] != ':') return absl::string_view::npos;
  return p;
}

std::string Quoted(absl::string_view s) {
  std::string out;
  for (char c : s) {
    if (c >= ' ' && c <= '~') {
      out += c;
    } else {
      out += absl::StrFormat("\\x%02x", static_cast<unsigned char>(c));
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<AcpidumpTable>> ParseAcpidump(absl::string_view text,
                                                         absl::string_view name) {
  std::vector<AcpidumpTable> tables;
  bool in_table = false;
  int line_no = 0;
  auto error = [&](absl::string_view what) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": line ", line_no, ": ", what));
  };
  auto finish_table = [&]() -> absl::Status {
    if (in_table && tables.back().bytes.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(name, ": line ", tables.back().line,
                                                     ": table ", tables.back().signature,
                                                     " has no hex rows"));
    }
    in_table = false;
    return absl::OkStatus();
  };
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (auto header = ParseTableHeader(line)) {
      if (absl::Status s = finish_table(); !s.ok()) return s;
      tables.push_back(AcpidumpTable{header->first, header->second, line_no, {}});
      in_table = true;
      continue;
    }
    size_t start = 0;
    while (start < line.size() && (line[start] == ' ' || line[start] == '\t')) ++start;
    if (start == line.size()) {  // blank: ends the current table
      if (absl::Status s = finish_table(); !s.ok()) return s;
      continue;
    }
    size_t colon = RowColon(line, start);
    if (colon == absl::string_view::npos) {
      if (in_table) {
        return error(absl::StrCat("expected a hex row 'OFFSET: HH HH ...' in table ",
                                  tables.back().signature, ", found '", Quoted(line), "'"));
      }
      continue;  // front matter outside any table
    }
    if (!in_table) return error("hex row outside any table (no 'SIG @ 0x...' line before it)");
    AcpidumpTable& table = tables.back();
    uint64_t offset = 0;
    for (size_t i = start; i < colon; ++i) offset = (offset << 4) | HexDigit(line[i]);
    if (offset != table.bytes.size()) {
      return error(absl::StrFormat("row offset %04X does not continue table %s (expected %04X)",
                                   offset, table.signature, table.bytes.size()));
    }
    // Bytes are "HH" separated by exactly one space, at most 16 a row; the ASCII column
    // follows after the padding (two or more spaces).
    size_t p = colon + 1;
    if (p >= line.size() || line[p] != ' ') return error("expected a space after the row offset");
    ++p;
    int count = 0;
    while (count < 16) {
      absl::string_view token = line.substr(p, 2);
      bool pair_ok = token.size() == 2 && HexDigit(token[0]) >= 0 && HexDigit(token[1]) >= 0;
      bool ends_ok = p + 2 >= line.size() || line[p + 2] == ' ';
      if (!pair_ok || !ends_ok) {
        size_t end = line.find(' ', p);
        absl::string_view bad = line.substr(p, end == absl::string_view::npos ? end : end - p);
        return error(absl::StrFormat("malformed hex byte '%s' in row %04X (column %d)", Quoted(bad),
                                     offset, p + 1));
      }
      table.bytes.push_back(static_cast<uint8_t>(HexDigit(token[0]) * 16 + HexDigit(token[1])));
      ++count;
      p += 2;
      if (p + 1 < line.size() && line[p] == ' ' && line[p + 1] != ' ') {
        ++p;  // one space then the next byte
      } else {
        break;
      }
    }
  }
  if (absl::Status s = finish_table(); !s.ok()) return s;
  return tables;
}

absl::StatusOr<AcpidumpTable> ExtractDmarFromAcpidump(absl::string_view text,
                                                      absl::string_view name) {
  absl::StatusOr<std::vector<AcpidumpTable>> tables = ParseAcpidump(text, name);
  if (!tables.ok()) return tables.status();
  std::vector<std::string> found;
  for (AcpidumpTable& t : *tables) {
    if (t.signature == "DMAR") return std::move(t);
    found.push_back(t.signature);
  }
  if (found.empty()) {
    return absl::NotFoundError(absl::StrCat(name, ": no tables in the acpidump text"));
  }
  return absl::NotFoundError(absl::StrCat(
      name, ": no DMAR table in the acpidump text (", found.size(),
      " tables found: ", absl::StrJoin(found, ", "), "); the platform may have no VT-d"));
}

bool LooksLikeAcpidumpText(absl::Span<const uint8_t> content) {
  for (uint8_t c : content) {
    bool text =
        (c >= 0x20 && c <= 0x7e) || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\v';
    if (!text) return false;
  }
  absl::string_view view(reinterpret_cast<const char*>(content.data()), content.size());
  for (absl::string_view line : absl::StrSplit(view, '\n')) {
    if (ParseTableHeader(line)) return true;
  }
  return false;
}

absl::StatusOr<LoadedDmar> LoadDmarFile(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) {
    int err = errno;
    std::string msg = absl::StrCat(path, ": cannot open: ", std::strerror(err));
    return err == ENOENT ? absl::NotFoundError(msg) : absl::UnavailableError(msg);
  }
  LoadedDmar out;
  out.path = path;
  uint8_t buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), f)) > 0)
    out.bytes.insert(out.bytes.end(), buf, buf + n);
  bool failed = std::ferror(f) != 0;
  int err = errno;
  std::fclose(f);
  if (failed) {
    return absl::UnavailableError(absl::StrCat(path, ": read error: ", std::strerror(err)));
  }
  if (LooksLikeAcpidumpText(out.bytes)) {
    absl::string_view text(reinterpret_cast<const char*>(out.bytes.data()), out.bytes.size());
    absl::StatusOr<AcpidumpTable> dmar = ExtractDmarFromAcpidump(text, path);
    if (!dmar.ok()) return dmar.status();
    out.bytes = std::move(dmar->bytes);
    out.from_acpidump = true;
    out.acpidump_line = dmar->line;
    return out;
  }
  // Text without any table header is neither format: say so rather than letting the
  // parser complain about a "signature" made of letters.
  bool all_text = !out.bytes.empty();
  for (uint8_t c : out.bytes) {
    if (!((c >= 0x20 && c <= 0x7e) || c == '\n' || c == '\r' || c == '\t')) {
      all_text = false;
      break;
    }
  }
  if (all_text) {
    return absl::InvalidArgumentError(
        absl::StrCat(path,
                     ": a text file without an acpidump table header ('DMAR @ 0x...'); "
                     "expected a binary DMAR table or acpidump output"));
  }
  return out;
}

}  // namespace vtd::acpi
