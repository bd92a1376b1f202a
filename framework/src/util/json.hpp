// Minimal JSON writing for hyperparameters: the store keeps them as JSON text
// so that SQL (json_extract) and pandas can read them.
#pragma once

#include <string>
#include <string_view>

#include "optbench/params.hpp"

namespace optbench::json {

/// A JSON string literal with quotes and escapes.
std::string quote(std::string_view text);
/// A JSON number; NaN and infinities, which JSON lacks, become the strings
/// "NaN", "inf" and "-inf".
std::string number(double x);
/// One value of a ParamMap.
std::string value(const ParamValue& v);
/// A JSON object with keys in sorted order (ParamMap is ordered), so the
/// text is canonical and can be hashed.
std::string object(const ParamMap& params);

}  // namespace optbench::json
