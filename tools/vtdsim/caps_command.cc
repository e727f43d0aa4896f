// `vtdsim caps`: decode CAP_REG/ECAP_REG values field by field and say whether vtdsim can
// model the unit. Argument handling and printing only; the field tables, meanings and
// checks live in model/regs/cap_ecap.h.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "model/common/hex.h"
#include "model/common/json.h"
#include "model/regs/cap_ecap.h"
#include "model/regs/register_map.h"
#include "tools/vtdsim/command.h"

namespace vtd::cli {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFindings = 1;
constexpr int kExitBadInput = 2;

constexpr char kCapsUsage[] =
    "usage: vtdsim caps [--cap HEX] [--ecap HEX] [--json]\n"
    "       vtdsim caps --dmesg 'LINE' [--json]      (or --dmesg - to read lines from stdin)\n"
    "Decode a remapping unit's Capability (CAP_REG, VT-d spec 5.10 §11.4.2) and Extended\n"
    "Capability (ECAP_REG, §11.4.3) registers field by field: name, bits, raw value, value,\n"
    "meaning, and whether vtdsim models the feature; then a verdict saying whether vtdsim\n"
    "can model this unit today and which fields block it.\n\n"
    "  --cap HEX      CAP_REG value; hex with or without 0x, as Linux prints it\n"
    "  --ecap HEX     ECAP_REG value (either may be given alone; the verdict then covers\n"
    "                 only that register)\n"
    "  --dmesg LINE   a Linux boot line such as\n"
    "                   'DMAR: dmar0: reg_base_addr fbffc000 ver 1:0 cap 8d2078c106f0466 "
    "ecap f020df'\n"
    "                 several lines (or '-' for stdin, e.g. dmesg | grep DMAR | vtdsim caps\n"
    "                 --dmesg -) decode every unit found\n"
    "  --json         print a JSON document instead of text\n\n"
    "Column 'vtdsim' (set fields only): modeled = implemented; accepted = loads, but stays\n"
    "inert (a state kept for features in progress; no field is in it today); rejected =\n"
    "a configuration with this field set is refused; invalid = not allowed by the spec.\n"
    "Exit status: 0 every unit can be modeled, 1 some unit cannot (or is invalid),\n"
    "2 bad arguments.\n";

struct Unit {
  std::string label;  // "dmar0", or empty
  std::string line;   // the dmesg line, if any
  std::optional<uint64_t> reg_base;
  std::string version;  // "1:0", as printed
  std::optional<uint64_t> cap;
  std::optional<uint64_t> ecap;
};

std::optional<uint64_t> ParseHex(std::string_view text) {
  std::string t = absl::AsciiStrToLower(
      absl::StripAsciiWhitespace(absl::string_view(text.data(), text.size())));
  if (absl::StartsWith(t, "0x")) t = t.substr(2);
  if (t.empty() || t.size() > 16) return std::nullopt;
  uint64_t v = 0;
  if (!absl::SimpleHexAtoi(t, &v)) return std::nullopt;
  return v;
}

// Picks "cap X", "ecap X", "ver M:m", "reg_base_addr X" and "dmarN:" out of one log line.
absl::StatusOr<std::optional<Unit>> ParseDmesgLine(std::string_view line) {
  std::vector<std::string> tokens = absl::StrSplit(absl::string_view(line.data(), line.size()),
                                                   absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
  Unit unit;
  unit.line = std::string(absl::StripAsciiWhitespace(absl::string_view(line.data(), line.size())));
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& t = tokens[i];
    const bool has_next = i + 1 < tokens.size();
    if (absl::StartsWith(t, "dmar") && absl::EndsWith(t, ":") && t.size() > 5) {
      unit.label = t.substr(0, t.size() - 1);
    } else if (t == "cap" || t == "ecap" || t == "reg_base_addr") {
      if (!has_next) {
        return absl::InvalidArgumentError(absl::StrFormat("'%s' without a value", t));
      }
      std::optional<uint64_t> v = ParseHex(tokens[i + 1]);
      if (!v) {
        return absl::InvalidArgumentError(
            absl::StrFormat("%s '%s' is not a hex number", t, tokens[i + 1]));
      }
      (t == "cap" ? unit.cap : t == "ecap" ? unit.ecap : unit.reg_base) = v;
      ++i;
    } else if (t == "ver" && has_next) {
      unit.version = tokens[++i];
    }
  }
  if (!unit.cap && !unit.ecap) return std::optional<Unit>();
  return std::optional<Unit>(unit);
}

std::string SupportLabel(const CapField& field, uint64_t raw, const ImplementedFeatures& features) {
  if (raw == 0) return "";
  if (field.kind == FieldKind::kReserved) return "invalid";
  return std::string(SupportName(features.Get(field).support));
}

// The audit for what was given: with one register missing, its fields, the dependencies
// that involve it and the placement checks are unknown and left out.
CapabilityAudit AuditUnit(const Unit& unit, const ImplementedFeatures& features) {
  // A logged VER lets bits an earlier revision defined be named as such.
  AuditContext context;
  if (absl::StatusOr<uint32_t> v = ParseVersion(unit.version); !unit.version.empty() && v.ok()) {
    context.version = *v;
  }
  CapabilityAudit audit =
      AuditCapabilities(unit.cap.value_or(0), unit.ecap.value_or(0), features, context);
  if (unit.cap && unit.ecap) return audit;
  const std::string missing = unit.cap ? "ECAP" : "CAP";
  auto unknown = [&](const CapabilityProblem& p) {
    return p.kind == CapabilityProblem::Kind::kPlacement || absl::StartsWith(p.field, missing) ||
           absl::StrContains(p.message, missing + ".");
  };
  audit.problems.erase(std::remove_if(audit.problems.begin(), audit.problems.end(), unknown),
                       audit.problems.end());
  audit.accepted.erase(std::remove_if(audit.accepted.begin(), audit.accepted.end(),
                                      [&](const AcceptedField& a) {
                                        return absl::StartsWith(a.field, missing + ".");
                                      }),
                       audit.accepted.end());
  return audit;
}

std::string UnitTitle(const Unit& unit) {
  std::string title = unit.label.empty() ? "unit" : unit.label;
  if (unit.reg_base) title += absl::StrFormat(": reg_base_addr %s", Hex(*unit.reg_base));
  if (!unit.version.empty()) title += absl::StrFormat(" ver %s", unit.version);
  return title;
}

void PrintRegister(std::string& out, CapRegister reg, uint64_t value,
                   const ImplementedFeatures& features) {
  const bool is_cap = reg == CapRegister::kCap;
  absl::StrAppendFormat(&out, "%s_REG %s (VT-d spec 5.10 %s)\n", CapRegisterName(reg), Hex(value),
                        is_cap ? "§11.4.2" : "§11.4.3");
  std::vector<DecodedField> fields = DecodeFields(reg, value);
  struct Row {
    std::string name, bits, raw, value, support, meaning;
  };
  std::vector<Row> rows = {{"field", "bits", "raw", "value", "vtdsim", "meaning"}};
  for (const DecodedField& d : fields) {
    rows.push_back(Row{std::string(d.field->name), FormatBits(d.field->bits), Hex(d.raw), d.value,
                       SupportLabel(*d.field, d.raw, features), std::string(d.field->description)});
  }
  size_t w[5] = {0, 0, 0, 0, 0};
  for (const Row& r : rows) {
    w[0] = std::max(w[0], r.name.size());
    w[1] = std::max(w[1], r.bits.size());
    w[2] = std::max(w[2], r.raw.size());
    w[3] = std::max(w[3], r.value.size());
    w[4] = std::max(w[4], r.support.size());
  }
  for (const Row& r : rows) {
    std::string line =
        absl::StrFormat("  %-*s  %-*s  %-*s  %-*s  %-*s  %s", w[0], r.name, w[1], r.bits, w[2],
                        r.raw, w[3], r.value, w[4], r.support, r.meaning);
    absl::StrAppend(&out, absl::StripTrailingAsciiWhitespace(line), "\n");
  }
}

void PrintPlacement(std::string& out, const Unit& unit) {
  const Capability cap = Capability::Decode(*unit.cap);
  const ExtendedCapability ecap = ExtendedCapability::Decode(*unit.ecap);
  const uint32_t fro = cap.fault_recording_offset();
  const int n = cap.num_fault_recording_registers();
  absl::StrAppendFormat(&out,
                        "registers: FRCD[0..%d] at %s..%s, IVA_REG at %s, IOTLB_REG at %s; "
                        "register space %s bytes\n",
                        n - 1, Hex(fro), Hex(fro + 16 * n - 1), Hex(ecap.iotlb_register_offset()),
                        Hex(ecap.iotlb_register_offset() + 8),
                        Hex(RegisterSpaceSize(*unit.cap, *unit.ecap)));
}

void PrintVerdict(std::string& out, const Unit& unit, const CapabilityAudit& audit) {
  const char* scope = unit.cap && unit.ecap ? ""
                      : unit.cap            ? " (CAP only: give --ecap for a full check)"
                                            : " (ECAP only: give --cap for a full check)";
  if (audit.ok()) {
    absl::StrAppendFormat(&out, "verdict: vtdsim can model this unit today%s.\n", scope);
  } else {
    absl::StrAppendFormat(&out, "verdict: vtdsim cannot model this unit%s; blocking:\n", scope);
    for (const CapabilityProblem& p : audit.problems) {
      absl::StrAppendFormat(&out, "  %s\n", p.message);
    }
  }
  if (!audit.accepted.empty()) {
    absl::StrAppend(&out, "accepted but not modeled yet (inert until later work lands):\n");
    for (const AcceptedField& a : audit.accepted) {
      absl::StrAppendFormat(&out, "  %s: %s\n", a.field, a.reason);
    }
  }
}

std::string_view ProblemKindName(CapabilityProblem::Kind kind) {
  switch (kind) {
    case CapabilityProblem::Kind::kInvalid:
      return "invalid";
    case CapabilityProblem::Kind::kInconsistent:
      return "inconsistent";
    case CapabilityProblem::Kind::kUnsupported:
      return "unsupported";
    case CapabilityProblem::Kind::kPlacement:
      return "placement";
    case CapabilityProblem::Kind::kEarlierRevision:
      return "earlier-revision";
  }
  return "?";
}

Json RegisterJson(CapRegister reg, uint64_t value, const ImplementedFeatures& features) {
  Json fields = Json::MakeArray();
  for (const DecodedField& d : DecodeFields(reg, value)) {
    Json f = Json::MakeObject();
    f.Set("name", d.field->name);
    f.Set("bits", FormatBits(d.field->bits));
    f.Set("raw", Hex(d.raw));
    f.Set("value", d.value);
    f.Set("meaning", d.field->description);
    const std::string support = SupportLabel(*d.field, d.raw, features);
    f.Set("vtdsim", support.empty() ? Json() : Json(support));
    fields.Push(std::move(f));
  }
  Json r = Json::MakeObject();
  r.Set("raw", Hex(value));
  // ASCII only: the shared Json writer escapes UTF-8 bytes one by one.
  r.Set("spec", reg == CapRegister::kCap ? "11.4.2" : "11.4.3");
  r.Set("fields", std::move(fields));
  return r;
}

Json UnitJson(const Unit& unit, const CapabilityAudit& audit, const ImplementedFeatures& features) {
  Json j = Json::MakeObject();
  if (!unit.label.empty()) j.Set("unit", unit.label);
  if (unit.reg_base) j.Set("reg_base_addr", Hex(*unit.reg_base));
  if (!unit.version.empty()) j.Set("version", unit.version);
  j.Set("cap", unit.cap ? RegisterJson(CapRegister::kCap, *unit.cap, features) : Json());
  j.Set("ecap", unit.ecap ? RegisterJson(CapRegister::kEcap, *unit.ecap, features) : Json());
  Json verdict = Json::MakeObject();
  verdict.Set("modelable", audit.ok());
  verdict.Set("complete", unit.cap.has_value() && unit.ecap.has_value());
  Json problems = Json::MakeArray();
  for (const CapabilityProblem& p : audit.problems) {
    Json o = Json::MakeObject();
    o.Set("field", p.field);
    o.Set("kind", ProblemKindName(p.kind));
    o.Set("message", p.message);
    problems.Push(std::move(o));
  }
  verdict.Set("blocking", std::move(problems));
  Json accepted = Json::MakeArray();
  for (const AcceptedField& a : audit.accepted) {
    Json o = Json::MakeObject();
    o.Set("field", a.field);
    o.Set("reason", a.reason);
    accepted.Push(std::move(o));
  }
  verdict.Set("accepted", std::move(accepted));
  j.Set("verdict", std::move(verdict));
  return j;
}

int Fail(const std::string& message) {
  std::fprintf(stderr, "vtdsim caps: %s\n", message.c_str());
  return kExitBadInput;
}

}  // namespace

int CapsCommand(const Args& args) {
  Unit given;
  std::vector<std::string> dmesg_texts;
  bool json = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    std::string value;
    bool has_value = false;
    if (const size_t eq = arg.find('='); absl::StartsWith(arg, "--") && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    auto take = [&]() -> std::optional<std::string> {
      if (has_value) return value;
      if (i + 1 < args.size()) return args[++i];
      return std::nullopt;
    };
    if (arg == "--help" || arg == "-h") {
      std::fputs(kCapsUsage, stdout);
      return kExitOk;
    } else if (arg == "--json") {
      json = true;
    } else if (arg == "--cap" || arg == "--ecap") {
      std::optional<std::string> v = take();
      if (!v) return Fail(absl::StrFormat("%s needs a value (see --help)", arg));
      std::optional<uint64_t> n = ParseHex(*v);
      if (!n) return Fail(absl::StrFormat("%s '%s' is not a 64-bit hex number", arg, *v));
      (arg == "--cap" ? given.cap : given.ecap) = n;
    } else if (arg == "--dmesg") {
      std::optional<std::string> v = take();
      if (!v) return Fail("--dmesg needs a line, or '-' for stdin (see --help)");
      if (*v == "-") {
        std::ostringstream in;
        in << std::cin.rdbuf();
        v = in.str();
      }
      dmesg_texts.push_back(*v);
    } else {
      return Fail(absl::StrFormat("unknown argument '%s' (see --help)", args[i]));
    }
  }

  std::vector<Unit> units;
  for (const std::string& text : dmesg_texts) {
    for (absl::string_view line : absl::StrSplit(text, '\n')) {
      absl::StatusOr<std::optional<Unit>> unit =
          ParseDmesgLine(std::string_view(line.data(), line.size()));
      if (!unit.ok()) {
        return Fail(absl::StrFormat("--dmesg: %s in '%s'", unit.status().message(),
                                    absl::StripAsciiWhitespace(line)));
      }
      if (unit->has_value()) units.push_back(**unit);
    }
  }
  if (!dmesg_texts.empty() && units.empty()) {
    return Fail("--dmesg: no line with 'cap' or 'ecap' values found");
  }
  if (given.cap || given.ecap) units.push_back(given);
  if (units.empty()) {
    std::fputs(kCapsUsage, stderr);
    return kExitBadInput;
  }

  const ImplementedFeatures features = ImplementedFeatures::Today();
  bool all_ok = true;
  std::string out;
  Json doc = Json::MakeObject();
  Json unit_docs = Json::MakeArray();
  for (size_t u = 0; u < units.size(); ++u) {
    const Unit& unit = units[u];
    const CapabilityAudit audit = AuditUnit(unit, features);
    all_ok &= audit.ok();
    if (json) {
      unit_docs.Push(UnitJson(unit, audit, features));
      continue;
    }
    if (u > 0) out += "\n";
    if (!unit.line.empty()) absl::StrAppendFormat(&out, "%s\n", UnitTitle(unit));
    if (unit.cap) PrintRegister(out, CapRegister::kCap, *unit.cap, features);
    if (unit.ecap) PrintRegister(out, CapRegister::kEcap, *unit.ecap, features);
    if (unit.cap && unit.ecap) PrintPlacement(out, unit);
    PrintVerdict(out, unit, audit);
  }
  if (json) {
    doc.Set("units", std::move(unit_docs));
    doc.Set("modelable", all_ok);
    out = doc.Dump(2) + "\n";
  }
  std::fputs(out.c_str(), stdout);
  return all_ok ? kExitOk : kExitFindings;
}

}  // namespace vtd::cli
