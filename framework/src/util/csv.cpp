#include "util/csv.hpp"

#include <charconv>
#include <cmath>

namespace optbench::csv {

void field(std::ostream& out, std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out << text;
    return;
  }
  out << '"';
  for (char c : text) {
    if (c == '"') out << '"';
    out << c;
  }
  out << '"';
}

void real(std::ostream& out, double x) {
  if (std::isnan(x)) {
    out << "NaN";
  } else if (std::isinf(x)) {
    out << (x > 0 ? "inf" : "-inf");
  } else {
    char buf[32];
    const auto result = std::to_chars(buf, buf + sizeof buf, x);
    out.write(buf, result.ptr - buf);
  }
}

}  // namespace optbench::csv
