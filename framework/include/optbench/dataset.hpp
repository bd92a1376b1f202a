// The dataset extension point: a size, a sample shape, and batches filled
// into caller-owned memory.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "optbench/params.hpp"
#include "optbench/plugin.hpp"

namespace optbench {

enum class Task { Classification, Regression };
enum class Split { Train, Test };

/// Shape of what a dataset yields.
struct DatasetInfo {
  Task task = Task::Classification;
  std::vector<std::size_t> sample_shape;  ///< e.g. {1, 28, 28} or {784} or {2}
  std::size_t classes = 0;                ///< Classification: number of classes
  std::size_t target_size = 1;            ///< floats per target (1 for a class index)
};

/// Where a dataset is built: the seed for synthetic data and the folder that
/// relative paths in the experiment file are resolved against.
struct DatasetContext {
  std::uint64_t seed = 0;
  std::filesystem::path base_dir;
};

class OPTBENCH_SDK_API Dataset {
 public:
  virtual ~Dataset();
  virtual DatasetInfo info() const = 0;
  /// Number of samples in a split; 0 when the split does not exist.
  virtual std::size_t size(Split split) const = 0;
  /// Copies the samples at `indices` into `inputs` (indices.size() x
  /// product(sample_shape) floats) and `targets` (indices.size() x
  /// target_size floats; a class index is stored as a float).
  virtual void fill(Split split, std::span<const std::size_t> indices, float* inputs,
                    float* targets) const = 0;
};

using DatasetFactory = std::unique_ptr<Dataset>(const ParamMap& params,
                                                const DatasetContext& context);

}  // namespace optbench

#define OPTBENCH_DATASET_PLUGIN(info_fn, create_fn) OPTBENCH_DETAIL_EXPORTS(info_fn, create_fn)
