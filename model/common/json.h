// A small JSON value with deterministic output. Objects keep their keys in insertion order,
// so the same model state always prints the same bytes (vtdsim's outputs are diffed byte for
// byte). No parser: vtdsim only writes JSON.
#ifndef VTDSIM_MODEL_COMMON_JSON_H_
#define VTDSIM_MODEL_COMMON_JSON_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace vtd {

class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() : value_(nullptr) {}
  Json(std::nullptr_t) : value_(nullptr) {}
  Json(bool b) : value_(b) {}
  Json(int v) : value_(static_cast<int64_t>(v)) {}
  Json(int64_t v) : value_(v) {}
  Json(uint32_t v) : value_(static_cast<int64_t>(v)) {}
  // Counts and cycles are JSON integers; 64-bit register values belong in Hex() strings.
  Json(uint64_t v) : value_(v) {}
  Json(double v) : value_(v) {}
  Json(const char* s) : value_(std::string(s)) {}
  Json(std::string s) : value_(std::move(s)) {}
  Json(std::string_view s) : value_(std::string(s)) {}
  Json(Array a) : value_(std::move(a)) {}
  Json(Object o) : value_(std::move(o)) {}

  static Json MakeArray() { return Json(Array{}); }
  static Json MakeObject() { return Json(Object{}); }

  // Appends to an array (the value must be an array).
  Json& Push(Json v);
  // Sets a key of an object (replacing an existing key in place, else appending).
  Json& Set(std::string_view key, Json v);
  // Returns the value at `key` or nullptr (objects only).
  const Json* Find(std::string_view key) const;

  bool is_array() const { return std::holds_alternative<Array>(value_); }
  bool is_object() const { return std::holds_alternative<Object>(value_); }
  const Array& array() const { return std::get<Array>(value_); }
  const Object& object() const { return std::get<Object>(value_); }

  // Serializes. indent < 0: compact, one line. indent >= 0: pretty, `indent` spaces a level.
  std::string Dump(int indent = 2) const;

 private:
  void DumpTo(std::string& out, int indent, int depth) const;

  std::variant<std::nullptr_t, bool, int64_t, uint64_t, double, std::string, Array, Object> value_;
};

// Escapes a string for JSON (quotes included).
std::string JsonQuote(std::string_view s);

}  // namespace vtd

#endif  // VTDSIM_MODEL_COMMON_JSON_H_
