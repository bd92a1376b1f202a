// A small sequential network on oneDNN primitives, shared by the linear, mlp
// and cnn plugins.
//
// Layers are declared once with per-sample shapes. For every batch size the
// network builds a Plan: every primitive, memory, argument map and scratchpad
// that one forward/backward needs, so that a training step allocates nothing.
// The first plan (context.max_batch) is built at construction; a smaller last
// batch or an evaluation batch builds its own on first use and keeps it.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

#include "optbench/model.hpp"
#include "optbench/random.hpp"

namespace nn {

using dnnl::memory;
using Dims = memory::dims;

/// A trainable tensor in PyTorch's layout (oi, oihw, x); oneDNN reads and
/// writes these arrays in place, and optimizers see them as ParamBuffers.
struct Parameter {
  std::string name;
  Dims dims;
  memory::dim fan_in = 1;  ///< inputs feeding one output, for PyTorch's init bound
  std::vector<float> value;
  std::vector<float> grad;
};

/// One primitive with its argument map, built once and executed many times;
/// or, where a layer computes without oneDNN, the bound call that does it.
struct Op {
  dnnl::primitive primitive;
  std::unordered_map<int, memory> args;
  std::function<void()> kernel;

  void run(dnnl::stream& stream) {
    if (kernel) {
      kernel();
    } else {
      primitive.execute(stream, args);
    }
  }
};

/// What a layer contributes to one plan.
struct Step {
  std::vector<Op> forward;
  std::vector<Op> backward;  ///< run in order, after the next layer's backward
  memory dst;
  memory diff_dst;  ///< empty in inference plans
};

/// What a layer needs to build its primitives for one batch size.
struct BindContext {
  const dnnl::engine& engine;
  const dnnl::primitive_attr& attr;  ///< user-managed scratchpad
  memory::dim batch;
  bool training;
};

class Layer {
 public:
  virtual ~Layer() = default;
  /// Per-sample output shape.
  virtual const Dims& output_shape() const = 0;
  /// Builds this layer's step reading `src`. `diff_src` is where backward
  /// writes the input gradient; null for the first layer, which needs none.
  /// Its layout may differ from `src`'s: the layer before allocates it in
  /// the layout its own backward reads best.
  virtual Step bind(const BindContext& ctx, const memory& src, const memory* diff_src) = 0;
  /// Trainable tensors, weight before bias.
  virtual std::vector<Parameter*> parameters() { return {}; }
};

enum class Loss { CrossEntropy, MeanSquared };

/// Mean softmax cross-entropy over `n` rows of `k` logits against class
/// indices stored as floats (torch.nn.CrossEntropyLoss). Writes
/// d(loss)/d(logits) when `grad` is non-null and counts argmax hits.
double softmax_cross_entropy(const float* logits, const float* targets, std::size_t n,
                             std::size_t k, float* grad, std::size_t* correct);
/// Mean of (y - t)^2 over all n*k elements (torch.nn.MSELoss).
double mean_squared_error(const float* y, const float* t, std::size_t n, std::size_t k,
                          float* grad);

class Network {
 public:
  /// `sample_shape` is what one input sample is, e.g. {784} or {1, 28, 28}.
  Network(Dims sample_shape, int threads);
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  Network& dense(memory::dim out, const std::string& name);
  Network& conv2d(memory::dim out_channels, memory::dim kernel, const std::string& name);
  Network& max_pool(memory::dim kernel);
  Network& activation(dnnl::algorithm kind);

  /// Per-sample shape of the last layer's output.
  const Dims& shape() const;
  /// Ends the declaration: the output must be a vector matching the loss's
  /// target. Builds the training plan for `max_batch`.
  void finish(Loss loss, std::size_t max_batch);

  /// Every parameter in declaration order, weight before bias.
  const std::vector<Parameter*>& parameters() const { return params_; }
  std::span<const optbench::ParamBuffer> buffers() const { return buffers_; }
  /// PyTorch's default for Linear and Conv2d: weight and bias U(-b, b) with
  /// b = 1/sqrt(fan_in), drawn layer by layer, weight before bias.
  void init_torch(optbench::Rng& rng);

  double forward(const optbench::Batch& batch);
  void backward();
  optbench::Evaluation evaluate(const optbench::Batch& batch);

 private:
  struct Plan {
    memory::dim batch = 0;
    memory input;
    std::vector<Step> steps;
    std::vector<float> targets;
  };
  Plan& plan(std::size_t batch, bool training);
  std::unique_ptr<Plan> build(std::size_t batch, bool training);
  void load(Plan& p, const optbench::Batch& batch);
  void run_forward(Plan& p);
  void use_threads() const;

  Dims sample_shape_;
  int threads_;
  dnnl::engine engine_;
  dnnl::stream stream_;
  dnnl::primitive_attr attr_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Parameter*> params_;
  std::vector<optbench::ParamBuffer> buffers_;
  Loss loss_ = Loss::MeanSquared;
  std::size_t outputs_ = 0;
  std::size_t target_size_ = 1;
  std::map<std::pair<std::size_t, bool>, std::unique_ptr<Plan>> plans_;
  Plan* last_ = nullptr;  ///< the training plan backward reads
};

/// The Model every nn plugin returns: a finished Network.
class NetModel final : public optbench::Model {
 public:
  explicit NetModel(std::unique_ptr<Network> net) : net_(std::move(net)) {}
  std::span<const optbench::ParamBuffer> parameters() override { return net_->buffers(); }
  double forward(const optbench::Batch& batch) override { return net_->forward(batch); }
  void backward() override { net_->backward(); }
  optbench::Evaluation evaluate(const optbench::Batch& batch) override {
    return net_->evaluate(batch);
  }

 private:
  std::unique_ptr<Network> net_;
};

/// Ends a network the way mlp and cnn do: an output layer named
/// `output_name` sized for the data's task (one logit per class with softmax
/// cross-entropy, or target_size outputs with mean squared error), the
/// training plan, and PyTorch's initialisation from the run's seed. Throws
/// std::invalid_argument naming `model` for a classifier with fewer than 2
/// classes.
std::unique_ptr<optbench::Model> finish_with_head(std::unique_ptr<Network> net,
                                                  const std::string& model,
                                                  const std::string& output_name,
                                                  const optbench::DatasetInfo& data,
                                                  const optbench::ModelContext& context);

/// The dataset description a data-driven model needs; throws naming `model`
/// when the experiment gives none.
const optbench::DatasetInfo& require_data(const std::string& model,
                                          const optbench::ModelContext& context);
/// Product of a shape's extents.
std::size_t volume(const std::vector<std::size_t>& shape);

}  // namespace nn
