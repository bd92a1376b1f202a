// Out-of-line destructors give each SDK interface's vtable and typeinfo one
// home (liboptbench_sdk), shared by the host and every plugin.
#include "optbench/dataset.hpp"
#include "optbench/model.hpp"
#include "optbench/optimizer.hpp"
#include "optbench/schedule.hpp"

namespace optbench {
Optimizer::~Optimizer() = default;
bool Optimizer::set_lr(double) {
  return false;
}
bool Optimizer::set_momentum(double) {
  return false;
}
Schedule::~Schedule() = default;
bool Schedule::sets_momentum() const {
  return false;
}
Dataset::~Dataset() = default;
Model::~Model() = default;
Surface2D::~Surface2D() = default;
}  // namespace optbench
