// Hyperparameter values and schemas shared by the host and every plugin.
//
// A plugin declares its hyperparameters as a schema (name, type, default,
// range, doc). The host validates YAML against the schema before any run
// starts, and the plugin's factory validates again with the same function, so
// a plugin used outside the host (a unit test, another driver) gets the same
// checks and the same messages.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace optbench {

/// The type of one hyperparameter.
enum class ParamType { Real, Int, Bool, String, RealList };

/// One hyperparameter value. Ints stay ints so that schemas can reject 0.5
/// where a count is expected.
using ParamValue = std::variant<double, std::int64_t, bool, std::string, std::vector<double>>;

/// Resolved hyperparameters of one plugin instance: every schema key present.
using ParamMap = std::map<std::string, ParamValue>;

inline const char* to_string(ParamType t) {
  switch (t) {
    case ParamType::Real:
      return "real";
    case ParamType::Int:
      return "int";
    case ParamType::Bool:
      return "bool";
    case ParamType::String:
      return "string";
    case ParamType::RealList:
      return "real list";
  }
  return "?";
}

/// Declaration of one hyperparameter: what a user may set and what it means.
struct ParamSpec {
  std::string name;
  ParamType type = ParamType::Real;
  ParamValue default_value = 0.0;
  std::string doc;
  /// Numeric range for Real, Int and every element of RealList.
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  bool min_exclusive = false;
  bool max_exclusive = false;
  /// RealList only: required length, 0 for any length >= 1.
  std::size_t list_size = 0;
  /// String only: allowed values, empty for any.
  std::vector<std::string> choices;
  /// No default: the user must give a value (torch.optim.SGD's lr).
  bool required = false;
};

/// Formats a value as YAML-like text ("0.001", "true", "[0.9, 0.999]").
inline std::string format_value(const ParamValue& v) {
  std::ostringstream out;
  out.precision(10);
  if (const auto* d = std::get_if<double>(&v)) {
    out << *d;
  } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
    out << *i;
  } else if (const auto* b = std::get_if<bool>(&v)) {
    out << (*b ? "true" : "false");
  } else if (const auto* s = std::get_if<std::string>(&v)) {
    out << *s;
  } else {
    const auto& list = std::get<std::vector<double>>(v);
    out << '[';
    for (std::size_t k = 0; k < list.size(); ++k)
      out << (k ? ", " : "") << list[k];
    out << ']';
  }
  return out.str();
}

/// Describes the allowed range, e.g. "[0, 1)" or "> 0"; empty when unbounded.
inline std::string format_range(const ParamSpec& spec) {
  const bool has_min = std::isfinite(spec.min), has_max = std::isfinite(spec.max);
  if (!has_min && !has_max) return {};
  std::ostringstream out;
  out.precision(10);
  if (has_min && has_max) {
    out << (spec.min_exclusive ? '(' : '[') << spec.min << ", " << spec.max
        << (spec.max_exclusive ? ')' : ']');
  } else if (has_min) {
    out << (spec.min_exclusive ? "> " : ">= ") << spec.min;
  } else {
    out << (spec.max_exclusive ? "< " : "<= ") << spec.max;
  }
  return out.str();
}

namespace detail {
/// "in [0, 1)" for an interval, ">= 0" for a bound on one side, so that
/// messages read "a real number >= 0", not "a real number in >= 0".
inline std::string range_phrase(const ParamSpec& spec) {
  const std::string range = format_range(spec);
  return !range.empty() && (range[0] == '[' || range[0] == '(') ? "in " + range : range;
}

inline bool in_range(const ParamSpec& spec, double x) {
  if (std::isnan(x)) return false;
  if (spec.min_exclusive ? !(x > spec.min) : !(x >= spec.min)) return false;
  if (spec.max_exclusive ? !(x < spec.max) : !(x <= spec.max)) return false;
  return true;
}
}  // namespace detail

/// Checks one value against its spec. Returns an empty string when valid,
/// otherwise what was expected and what was given, naming the value. An Int
/// given where a Real is expected is accepted (and widened by `coerce`).
inline std::string check_value(const ParamSpec& spec, const ParamValue& v) {
  const auto expected = [&](const std::string& what) {
    return spec.name + ": expected " + what + ", got " + format_value(v);
  };
  switch (spec.type) {
    case ParamType::Real: {
      double x;
      if (const auto* d = std::get_if<double>(&v)) {
        x = *d;
      } else if (const auto* i = std::get_if<std::int64_t>(&v)) {
        x = static_cast<double>(*i);
      } else {
        return expected("a real number");
      }
      if (!detail::in_range(spec, x))
        return expected("a real number " + detail::range_phrase(spec));
      return {};
    }
    case ParamType::Int: {
      const auto* i = std::get_if<std::int64_t>(&v);
      if (!i) return expected("an integer");
      if (!detail::in_range(spec, static_cast<double>(*i))) {
        return expected("an integer " + detail::range_phrase(spec));
      }
      return {};
    }
    case ParamType::Bool:
      if (!std::holds_alternative<bool>(v)) return expected("true or false");
      return {};
    case ParamType::String: {
      const auto* s = std::get_if<std::string>(&v);
      if (!s) return expected("a string");
      if (spec.choices.empty()) return {};
      std::string all;
      for (const auto& c : spec.choices) {
        if (c == *s) return {};
        all += (all.empty() ? "" : ", ") + c;
      }
      return expected("one of " + all);
    }
    case ParamType::RealList: {
      const auto* list = std::get_if<std::vector<double>>(&v);
      if (!list) return expected("a list of real numbers");
      if (spec.list_size ? list->size() != spec.list_size : list->empty()) {
        return expected(spec.list_size
                            ? "a list of " + std::to_string(spec.list_size) + " real numbers"
                            : "a non-empty list of real numbers");
      }
      for (double x : *list) {
        if (!detail::in_range(spec, x)) {
          return expected("real numbers " + detail::range_phrase(spec));
        }
      }
      return {};
    }
  }
  return expected("a known type");
}

/// Widens an Int given for a Real; other values pass unchanged.
inline ParamValue coerce(const ParamSpec& spec, const ParamValue& v) {
  if (spec.type == ParamType::Real) {
    if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  }
  return v;
}

/// Fills defaults for missing keys and validates every given key. Throws
/// std::invalid_argument naming the plugin, the key and the bad value; an
/// unknown key lists the known ones.
inline ParamMap resolve_params(const std::string& plugin, const std::vector<ParamSpec>& schema,
                               const ParamMap& given) {
  ParamMap out;
  for (const auto& [key, value] : given) {
    const ParamSpec* spec = nullptr;
    for (const auto& s : schema) {
      if (s.name == key) spec = &s;
    }
    if (!spec) {
      std::string known;
      for (const auto& s : schema)
        known += (known.empty() ? "" : ", ") + s.name;
      throw std::invalid_argument(plugin + ": unknown hyperparameter '" + key +
                                  "' (known: " + (known.empty() ? "none" : known) + ")");
    }
    if (auto error = check_value(*spec, value); !error.empty()) {
      throw std::invalid_argument(plugin + ": " + error);
    }
    out[key] = coerce(*spec, value);
  }
  for (const auto& s : schema) {
    if (out.contains(s.name)) continue;
    if (s.required) {
      throw std::invalid_argument(plugin + ": hyperparameter '" + s.name + "' is required (" +
                                  s.doc + ")");
    }
    out.emplace(s.name, s.default_value);
  }
  return out;
}

/// Typed read access to a resolved ParamMap. Throws std::invalid_argument
/// when a key is missing or has another type, which means the plugin's code
/// and its schema disagree.
class Params {
 public:
  explicit Params(const ParamMap& map) : map_(map) {}

  double real(const std::string& key) const {
    const auto& v = at(key);
    if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
    return get<double>(key, v);
  }
  std::int64_t integer(const std::string& key) const { return get<std::int64_t>(key, at(key)); }
  bool boolean(const std::string& key) const { return get<bool>(key, at(key)); }
  const std::string& string(const std::string& key) const { return get<std::string>(key, at(key)); }
  const std::vector<double>& reals(const std::string& key) const {
    return get<std::vector<double>>(key, at(key));
  }

 private:
  const ParamValue& at(const std::string& key) const {
    auto it = map_.find(key);
    if (it == map_.end()) throw std::invalid_argument("missing hyperparameter '" + key + "'");
    return it->second;
  }
  template <class T>
  static const T& get(const std::string& key, const ParamValue& v) {
    if (const auto* x = std::get_if<T>(&v)) return *x;
    throw std::invalid_argument("hyperparameter '" + key + "' has another type");
  }
  const ParamMap& map_;
};

}  // namespace optbench
