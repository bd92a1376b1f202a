#include "util/json.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace optbench::json {

std::string quote(std::string_view text) {
  std::string out = "\"";
  for (unsigned char c : text) {
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
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

std::string number(double x) {
  if (std::isnan(x)) return "\"NaN\"";
  if (std::isinf(x)) return x > 0 ? "\"inf\"" : "\"-inf\"";
  // Shortest text that reads back to the same double: stable for hashing.
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  (void)ec;
  return std::string(buf, end);
}

std::string value(const ParamValue& v) {
  if (const auto* d = std::get_if<double>(&v)) return number(*d);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return std::to_string(*i);
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  if (const auto* s = std::get_if<std::string>(&v)) return quote(*s);
  std::string out = "[";
  const auto& list = std::get<std::vector<double>>(v);
  // Appends rather than "," + string: GCC 12 reports a false -Wrestrict there.
  for (std::size_t k = 0; k < list.size(); ++k)
    out.append(k ? "," : "").append(number(list[k]));
  return out.append("]");
}

std::string object(const ParamMap& params) {
  std::string out = "{";
  bool first = true;
  for (const auto& [key, v] : params) {
    out.append(first ? "" : ",").append(quote(key)).append(":").append(value(v));
    first = false;
  }
  return out + "}";
}

}  // namespace optbench::json
