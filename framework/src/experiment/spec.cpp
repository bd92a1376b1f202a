#include "experiment/spec.hpp"

namespace optbench::experiment {

std::string Location::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

SpecError::SpecError(Location where, std::string key_path, const std::string& message)
    : std::runtime_error(where.str() + ": " + (key_path.empty() ? "" : key_path + ": ") + message),
      where_(std::move(where)),
      key_path_(std::move(key_path)) {}

}  // namespace optbench::experiment
