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

ParamMap TrainSettings::as_params() const {
  return {{"steps", steps},
          {"epochs", epochs},
          {"batch_size", batch_size},
          {"shuffle", shuffle},
          {"record_every", record_every},
          {"diverge_above", diverge_above}};
}

void TrainSettings::apply(const std::map<std::string, ParamValue>& values) {
  for (const auto& [key, v] : values) {
    if (key == "steps") steps = std::get<std::int64_t>(v);
    if (key == "epochs") epochs = std::get<std::int64_t>(v);
    if (key == "batch_size") batch_size = std::get<std::int64_t>(v);
    if (key == "shuffle") shuffle = std::get<bool>(v);
    if (key == "record_every") record_every = std::get<std::int64_t>(v);
    if (key == "diverge_above") diverge_above = std::get<double>(v);
    if (key == "timeout") timeout = std::get<double>(v);
  }
}

}  // namespace optbench::experiment
