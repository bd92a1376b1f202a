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
#include <map>
#include <memory>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "layer.hpp"
#include "loss.hpp"
#include "optbench/model.hpp"
#include "optbench/random.hpp"

namespace nn {

class Network {
 public:
  /// `sample_shape` is what one input sample is, e.g. {784} or {1, 28, 28}.
  Network(Dims sample_shape, int threads);
  Network(const Network&) = delete;
  Network& operator=(const Network&) = delete;

  /// Appends a layer built for shape() (see layers.hpp).
  Network& add(std::unique_ptr<Layer> layer);
  Network& dense(memory::dim out, const std::string& name);
  Network& conv2d(memory::dim out_channels, memory::dim kernel, const std::string& name);
  Network& max_pool(memory::dim kernel);
  Network& activation(dnnl::algorithm kind);

  /// Per-sample shape of the last layer's output.
  const Dims& shape() const;
  /// Ends the declaration: the output must be a vector matching the loss's
  /// target, or a (T, K) sequence of them (one target per step). Builds the training plan for
  /// `max_batch`.
  void finish(Loss loss, std::size_t max_batch);

  /// Every tensor in declaration order, weight before bias, buffers included.
  const std::vector<Parameter*>& parameters() const { return params_; }
  /// The trainable tensors, as optimizers see them.
  std::span<const optbench::ParamBuffer> trainable() const { return trainable_; }
  /// The non-trainable tensors (grad null): stored with the model, never
  /// handed to an optimizer.
  std::span<const optbench::ParamBuffer> buffers() const { return buffers_; }
  /// PyTorch's defaults, tensor by tensor in declaration order (init.hpp).
  void init_torch(optbench::Rng& rng);

  /// Train mode (the default) or eval mode, as torch's Module.train(mode).
  void set_training(bool on) { train_mode_ = on; }
  bool training() const { return train_mode_; }

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
  /// Checks `batch`, copies it into the plan for its size and runs the
  /// forward pass; `caller` names the entry point in the message.
  Plan& run(const optbench::Batch& batch, bool training, const char* caller);
  /// The loss of the plan's outputs against its targets; writes
  /// d(loss)/d(outputs) when `grad` is given and counts the right
  /// predictions of a classifier when `hits` is.
  double score(const Plan& p, std::size_t samples, float* grad, std::size_t* hits) const;
  void use_threads() const;

  Dims sample_shape_;
  int threads_;
  dnnl::engine engine_;
  dnnl::stream stream_;
  dnnl::primitive_attr attr_;
  std::vector<std::unique_ptr<Layer>> layers_;
  std::vector<Parameter*> params_;
  std::vector<optbench::ParamBuffer> trainable_;
  std::vector<optbench::ParamBuffer> buffers_;
  Loss loss_ = Loss::MeanSquared;
  std::size_t rows_ = 1;     ///< output rows per sample: steps of a sequence, else 1
  std::size_t outputs_ = 0;  ///< values per row
  std::size_t target_size_ = 1;
  bool train_mode_ = true;
  /// Keyed by batch size, whether it has a backward pass, and the mode.
  std::map<std::tuple<std::size_t, bool, bool>, std::unique_ptr<Plan>> plans_;
  Plan* last_ = nullptr;  ///< the training plan backward reads
};

}  // namespace nn
