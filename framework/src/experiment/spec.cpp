#include "experiment/spec.hpp"

#include <algorithm>
#include <utility>

namespace optbench::experiment {

std::string Location::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

SpecError::SpecError(Location where, std::string key_path, const std::string& message)
    : std::runtime_error(where.str() + ": " + (key_path.empty() ? "" : key_path + ": ") + message),
      where_(std::move(where)),
      key_path_(std::move(key_path)) {}

SpecErrors::SpecErrors(std::vector<SpecError> errors)
    : SpecError(errors.at(0)), errors_(std::move(errors)) {
  for (const auto& e : errors_) {
    if (!text_.empty()) text_ += '\n';
    text_ += e.SpecError::what();
  }
}

void throw_errors(std::vector<SpecError> errors) {
  if (errors.empty()) return;
  if (errors.size() == 1) throw errors.front();
  throw SpecErrors(std::move(errors));
}

}  // namespace optbench::experiment
