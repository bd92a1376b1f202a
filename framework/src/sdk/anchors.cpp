// Out-of-line destructors give each SDK interface's vtable and typeinfo one
// home (liboptbench_sdk), shared by the host and every plugin.
#include "optbench/dataset.hpp"
#include "optbench/model.hpp"
#include "optbench/optimizer.hpp"

namespace optbench {
Optimizer::~Optimizer() = default;
Dataset::~Dataset() = default;
Model::~Model() = default;
Surface2D::~Surface2D() = default;
}  // namespace optbench
