// The model extension point: parameters, forward to a loss, backward to
// gradients. A 2-D test function is a model with one 2-element parameter and
// no data; it also exposes its surface so the host can draw contours.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

#include "optbench/dataset.hpp"
#include "optbench/optimizer.hpp"
#include "optbench/params.hpp"
#include "optbench/plugin.hpp"

namespace optbench {

/// A mini-batch in caller-owned memory, laid out as Dataset::fill writes it.
/// Empty (size 0, null pointers) for models that take no data.
struct Batch {
  const float* inputs = nullptr;
  const float* targets = nullptr;
  std::size_t size = 0;
};

/// Loss and, for classifiers, how many samples were predicted right.
struct Evaluation {
  double loss = 0.0;
  std::size_t correct = 0;
};

/// A 2-D objective f(x0, x1) with a known minimum, for contour charts and
/// "reached the optimum" checks.
class OPTBENCH_SDK_API Surface2D {
 public:
  virtual ~Surface2D();
  virtual double value(double x0, double x1) const = 0;
  /// A global minimizer (or, for functions unbounded below, the local one
  /// the classic comparisons converge to).
  virtual std::array<double, 2> minimum() const = 0;
  /// Default chart window: x0min, x0max, x1min, x1max.
  virtual std::array<double, 4> plot_window() const = 0;
};

/// What the host tells a model about its data and run.
struct ModelContext {
  std::optional<DatasetInfo> data;  ///< empty for models that take no data
  std::size_t max_batch = 1;        ///< largest batch forward will see
  std::uint64_t seed = 0;           ///< weight initialisation draws from this
  int threads = 1;                  ///< threads the model may use
};

class OPTBENCH_SDK_API Model {
 public:
  virtual ~Model();
  /// Every trainable buffer; addresses stay fixed for the model's life.
  /// These, and only these, are what the host attaches to the optimizer.
  virtual std::span<const ParamBuffer> parameters() = 0;
  /// Non-trainable state the model updates itself (batch normalization's
  /// running statistics): part of the model, never optimized; `grad` is
  /// null. Addresses stay fixed for the model's life.
  virtual std::span<const ParamBuffer> buffers() { return {}; }
  /// Train mode (true, the state a model starts in) or eval mode, as torch's
  /// Module.train(mode): in eval mode dropout keeps every unit and
  /// normalization uses its running statistics. The host switches to eval
  /// mode for the test split and back before training resumes.
  virtual void set_training(bool on) { (void)on; }
  /// Mean loss over the batch; keeps what backward needs.
  virtual double forward(const Batch& batch) = 0;
  /// Writes d(loss of the last forward)/d(param) into every grad buffer.
  virtual void backward() = 0;
  /// Loss and correct count without touching gradients or training state.
  virtual Evaluation evaluate(const Batch& batch) = 0;
  /// Non-null for 2-D test functions.
  virtual const Surface2D* surface() const { return nullptr; }
};

using ModelFactory = std::unique_ptr<Model>(const ParamMap& params, const ModelContext& context);

}  // namespace optbench

#define OPTBENCH_MODEL_PLUGIN(info_fn, create_fn) OPTBENCH_DETAIL_EXPORTS(info_fn, create_fn)
