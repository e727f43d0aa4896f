#include "model/common/json.h"

#include <cmath>

#include "absl/strings/str_format.h"

namespace vtd {

Json& Json::Push(Json v) {
  std::get<Array>(value_).push_back(std::move(v));
  return std::get<Array>(value_).back();
}

Json& Json::Set(std::string_view key, Json v) {
  Object& obj = std::get<Object>(value_);
  for (auto& [k, existing] : obj) {
    if (k == key) {
      existing = std::move(v);
      return existing;
    }
  }
  obj.emplace_back(std::string(key), std::move(v));
  return obj.back().second;
}

const Json* Json::Find(std::string_view key) const {
  if (!is_object()) return nullptr;
  for (const auto& [k, v] : object()) {
    if (k == key) return &v;
  }
  return nullptr;
}

namespace {

// Length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629: no overlong forms,
// no surrogates, nothing above U+10FFFF), or 0 if it does not start with one.
size_t Utf8SequenceLength(std::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  size_t length = 0;
  unsigned char second_min = 0x80, second_max = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) {
    length = 2;
  } else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead == 0xe0) second_min = 0xa0;  // overlong
    if (lead == 0xed) second_max = 0x9f;  // surrogates
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead == 0xf0) second_min = 0x90;  // overlong
    if (lead == 0xf4) second_max = 0x8f;  // above U+10FFFF
  } else {
    return 0;
  }
  if (s.size() < length) return 0;
  if (byte(1) < second_min || byte(1) > second_max) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
  }
  return length;
}

}  // namespace

std::string JsonQuote(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c >= 0x20 && c < 0x7f) {
          out += static_cast<char>(c);
        } else if (const size_t n = c >= 0x80 ? Utf8SequenceLength(s.substr(i)) : 0; n > 0) {
          // Well-formed UTF-8 text (such as the "§" of spec references) passes through.
          out.append(s.substr(i, n));
          i += n - 1;
        } else {
          // Control characters and bytes that are not UTF-8 text (firmware strings are not
          // always text) are escaped, one \u00XX per byte, so the output is valid JSON.
          out += absl::StrFormat("\\u%04x", c);
        }
    }
  }
  out += '"';
  return out;
}

std::string Json::Dump(int indent) const {
  std::string out;
  DumpTo(out, indent, 0);
  return out;
}

void Json::DumpTo(std::string& out, int indent, int depth) const {
  auto newline = [&](int d) {
    if (indent < 0) return;
    out += '\n';
    out.append(static_cast<size_t>(indent * d), ' ');
  };
  if (std::holds_alternative<std::nullptr_t>(value_)) {
    out += "null";
  } else if (const bool* b = std::get_if<bool>(&value_)) {
    out += *b ? "true" : "false";
  } else if (const int64_t* i = std::get_if<int64_t>(&value_)) {
    out += absl::StrFormat("%d", *i);
  } else if (const uint64_t* u = std::get_if<uint64_t>(&value_)) {
    out += absl::StrFormat("%u", *u);
  } else if (const double* d = std::get_if<double>(&value_)) {
    // JSON has no NaN or infinity; print null rather than an invalid document.
    out += std::isfinite(*d) ? absl::StrFormat("%.6g", *d) : "null";
  } else if (const std::string* s = std::get_if<std::string>(&value_)) {
    out += JsonQuote(*s);
  } else if (const Array* a = std::get_if<Array>(&value_)) {
    if (a->empty()) {
      out += "[]";
      return;
    }
    out += '[';
    for (size_t n = 0; n < a->size(); ++n) {
      if (n) out += ',';
      newline(depth + 1);
      (*a)[n].DumpTo(out, indent, depth + 1);
    }
    newline(depth);
    out += ']';
  } else {
    const Object& o = std::get<Object>(value_);
    if (o.empty()) {
      out += "{}";
      return;
    }
    out += '{';
    for (size_t n = 0; n < o.size(); ++n) {
      if (n) out += ',';
      newline(depth + 1);
      out += JsonQuote(o[n].first);
      out += indent < 0 ? ":" : ": ";
      o[n].second.DumpTo(out, indent, depth + 1);
    }
    newline(depth);
    out += '}';
  }
}

}  // namespace vtd
