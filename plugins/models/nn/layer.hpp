// What every layer of the oneDNN networks is made of: its tensors
// (Parameter), the primitives it contributes to one batch size's plan (Op,
// Step), and the Layer interface the network drives.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include <oneapi/dnnl/dnnl.hpp>

namespace nn {

class ChannelSum;
using dnnl::memory;
using Dims = memory::dims;

/// Trainable tensors get a gradient and are handed to the optimizer;
/// buffers (batch normalization's running statistics) are state the layer
/// updates itself in forward: kept with the model, never optimized.
enum class ParamKind { Trainable, Buffer };

/// How a tensor starts: PyTorch's U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for
/// Linear/Conv2d/LSTM weights, N(0, 1) for Embedding, or a constant
/// (normalization scales and shifts, running statistics).
enum class Init { TorchUniform, StandardNormal, Zeros, Ones };

/// A tensor in PyTorch's layout (oi, oihw, x); oneDNN reads and writes these
/// arrays in place. Trainable ones are what optimizers see as ParamBuffers.
struct Parameter {
  std::string name;
  Dims dims;
  memory::dim fan_in = 1;  ///< inputs feeding one output, for PyTorch's init bound
  ParamKind kind = ParamKind::Trainable;
  Init init = Init::TorchUniform;
  std::vector<float> value;
  std::vector<float> grad;  ///< empty for buffers
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
  /// Set when this layer needs the per-channel sum of its (channels-last)
  /// diff_dst: the layer after may compute it while writing diff_dst.
  std::shared_ptr<ChannelSum> diff_dst_sum;
};

/// What a layer needs to build its primitives for one batch size.
struct BindContext {
  const dnnl::engine& engine;
  const dnnl::primitive_attr& attr;  ///< user-managed scratchpad
  memory::dim batch;
  bool training;    ///< the plan has a backward pass (forward_training primitives)
  bool train_mode;  ///< torch's train mode: dropout drops, normalization uses batch statistics
  /// The layer before's request for the channel sums of diff_src, if any:
  /// a layer that fills them as it writes diff_src sets `taken`.
  ChannelSum* diff_src_sum = nullptr;
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
  /// Its tensors, trainable ones weight before bias, then its buffers.
  virtual std::vector<Parameter*> parameters() { return {}; }
  /// Whether this layer is a plain ReLU (oneDNN's, slope 0).
  virtual bool is_relu() const { return false; }
  /// Asked, before any bind, when a ReLU follows this layer: true means the
  /// layer now applies that ReLU itself, forward and backward, with the same
  /// bits, and the network drops the ReLU layer (one pass over the
  /// activations each way instead of two).
  virtual bool take_relu() { return false; }
};

}  // namespace nn
