#include "results/target.hpp"

#include <yaml-cpp/yaml.h>

#include <cmath>

namespace optbench::results {

std::optional<double> target_from_yaml(const std::string& yaml_text) {
  try {
    const YAML::Node root = YAML::Load(yaml_text);
    if (!root.IsMap() || !root["target_loss"]) return std::nullopt;
    const double target = root["target_loss"].as<double>();
    if (!std::isfinite(target)) return std::nullopt;
    return target;
  } catch (const YAML::Exception&) {
    return std::nullopt;
  }
}

}  // namespace optbench::results
