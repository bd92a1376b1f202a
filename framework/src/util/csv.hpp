// CSV fields as RFC 4180 writes them, shared by `query` (store) and the
// tables of `summary` and `export`.
#pragma once

#include <ostream>
#include <string_view>

namespace optbench::csv {

/// Quoted (quotes doubled) when it holds a comma, quote or line break.
void field(std::ostream& out, std::string_view text);
/// The shortest text that reads back to the same double; NaN, inf, -inf.
void real(std::ostream& out, double x);

}  // namespace optbench::csv
