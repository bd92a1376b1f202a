// The target loss that time-to-target and the performance profile measure
// against: given on the command line, or as `target_loss:` in the
// experiment's YAML (which the store keeps, so charts need no file).
#pragma once

#include <optional>
#include <string>

namespace optbench::results {

/// The top-level `target_loss:` of a stored experiment's YAML text; none
/// when absent or when the text does not parse (the loader validated it
/// when the experiment ran).
std::optional<double> target_from_yaml(const std::string& yaml_text);

}  // namespace optbench::results
