// Pieces the dataset plugins share: path resolution against the experiment
// folder, index checks for fill(), and a dense float32 table with a
// train/test boundary that the regression datasets hold their data in.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "optbench/dataset.hpp"
#include "optbench/resolved_params.hpp"

namespace datasets {

// Schema entries, one call each, so that a schema reads as a list of names
// and meanings.

inline optbench::ParamSpec string_spec(std::string name, std::string default_value, std::string doc,
                                       std::vector<std::string> choices = {}) {
  return {.name = std::move(name),
          .type = optbench::ParamType::String,
          .default_value = std::move(default_value),
          .doc = std::move(doc),
          .choices = std::move(choices)};
}

/// A file or folder, empty unless given.
inline optbench::ParamSpec path_spec(std::string name, std::string doc, bool required = false) {
  auto spec = string_spec(std::move(name), std::string(), std::move(doc));
  spec.required = required;
  return spec;
}

inline optbench::ParamSpec int_spec(std::string name, std::int64_t default_value, std::string doc,
                                    double min = -std::numeric_limits<double>::infinity(),
                                    double max = std::numeric_limits<double>::infinity()) {
  return {.name = std::move(name),
          .type = optbench::ParamType::Int,
          .default_value = default_value,
          .doc = std::move(doc),
          .min = min,
          .max = max};
}

inline optbench::ParamSpec real_spec(std::string name, double default_value, std::string doc,
                                     double min = -std::numeric_limits<double>::infinity()) {
  return {.name = std::move(name),
          .type = optbench::ParamType::Real,
          .default_value = default_value,
          .doc = std::move(doc),
          .min = min};
}

/// The share of the data held out as the test split, in [0, 1): at least
/// one sample is left to train on.
inline optbench::ParamSpec test_fraction_spec(double default_value, std::string doc) {
  auto spec = real_spec("test_fraction", default_value, std::move(doc), 0.0);
  spec.max = 1.0;
  spec.max_exclusive = true;
  return spec;
}

inline optbench::ParamSpec bool_spec(std::string name, bool default_value, std::string doc) {
  return {.name = std::move(name),
          .type = optbench::ParamType::Bool,
          .default_value = default_value,
          .doc = std::move(doc)};
}

/// Relative paths in an experiment name files next to the experiment file,
/// not next to wherever the process happens to run.
inline std::filesystem::path resolve_path(const std::filesystem::path& base_dir,
                                          const std::string& path) {
  const std::filesystem::path p(path);
  if (p.is_absolute() || base_dir.empty()) return p;
  return base_dir / p;
}

/// Throws "<file>: <what> file not found" or says what the path is when it
/// is not a regular file: reading /dev/zero or a FIFO would never end, and
/// "not found" would send the user looking for a file that is there.
inline void require_regular_file(const std::filesystem::path& file, const std::string& what) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const auto status = fs::status(file, ec);
  const std::string name = file.string() + ": " + what + " file ";
  if (status.type() == fs::file_type::regular) return;
  if (status.type() == fs::file_type::not_found) throw std::runtime_error(name + "not found");
  static constexpr std::pair<fs::file_type, const char*> kOthers[] = {
      {fs::file_type::directory, "a directory"}, {fs::file_type::character, "a character device"},
      {fs::file_type::block, "a block device"},  {fs::file_type::fifo, "a FIFO (named pipe)"},
      {fs::file_type::socket, "a socket"},
  };
  for (const auto& [type, what_it_is] : kOthers) {
    if (status.type() == type) {
      throw std::runtime_error(name + "expected, but this is " + what_it_is);
    }
  }
  throw std::runtime_error(name + "expected, but it cannot be examined" +
                           (ec ? " (" + ec.message() + ")" : std::string()));
}

inline const char* split_name(optbench::Split split) {
  return split == optbench::Split::Train ? "train" : "test";
}

/// One check per sample rather than per value: cheap enough for the hot path
/// and it turns a bad index from the trainer into an error instead of a read
/// past the end.
inline void check_indices(const std::string& plugin, optbench::Split split,
                          std::span<const std::size_t> indices, std::size_t size) {
  for (std::size_t i : indices) {
    if (i >= size) {
      throw std::out_of_range(plugin + ": " + split_name(split) + " index " + std::to_string(i) +
                              " out of range (split has " + std::to_string(size) + " samples)");
    }
  }
}

/// Row-major features and one target per row; rows [0, n_train) are the
/// train split and the rest the test split.
class DenseRegression : public optbench::Dataset {
 public:
  DenseRegression(std::string plugin, std::size_t features, std::vector<float> x,
                  std::vector<float> y, std::size_t n_train)
      : plugin_(std::move(plugin)),
        features_(features),
        x_(std::move(x)),
        y_(std::move(y)),
        n_train_(n_train) {}

  optbench::DatasetInfo info() const override {
    optbench::DatasetInfo i;
    i.task = optbench::Task::Regression;
    i.sample_shape = {features_};
    i.classes = 0;
    i.target_size = 1;
    return i;
  }

  std::size_t size(optbench::Split split) const override {
    return split == optbench::Split::Train ? n_train_ : y_.size() - n_train_;
  }

  void fill(optbench::Split split, std::span<const std::size_t> indices, float* inputs,
            float* targets) const override {
    check_indices(plugin_, split, indices, size(split));
    const std::size_t offset = split == optbench::Split::Train ? 0 : n_train_;
    for (std::size_t k = 0; k < indices.size(); ++k) {
      const std::size_t row = offset + indices[k];
      std::memcpy(inputs + k * features_, x_.data() + row * features_, features_ * sizeof(float));
      targets[k] = y_[row];
    }
  }

 private:
  std::string plugin_;
  std::size_t features_;
  std::vector<float> x_;
  std::vector<float> y_;
  std::size_t n_train_;
};

inline optbench::PluginInfo make_info(std::string name, std::string description,
                                      std::vector<optbench::ParamSpec> schema) {
  return optbench::plugin_info(optbench::PluginKind::Dataset, std::move(name), "1.0.0",
                               std::move(description), std::move(schema));
}

}  // namespace datasets
