#include "network.hpp"

#include <omp.h>

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "dnnl_helpers.hpp"
#include "init.hpp"
#include "layers.hpp"

namespace nn {

Network::Network(Dims sample_shape, int threads)
    : sample_shape_(std::move(sample_shape)),
      threads_(std::max(1, threads)),
      engine_(dnnl::engine::kind::cpu, 0),
      stream_(engine_) {
  if (sample_shape_.empty() || product(sample_shape_) <= 0) {
    throw std::invalid_argument("nn: the dataset's sample shape is empty");
  }
  attr_.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  use_threads();
}

const Dims& Network::shape() const {
  return layers_.empty() ? sample_shape_ : layers_.back()->output_shape();
}

Network& Network::add(std::unique_ptr<Layer> layer) {
  layers_.push_back(std::move(layer));
  return *this;
}

Network& Network::dense(memory::dim out, const std::string& name) {
  return add(make_dense(shape(), out, name));
}

Network& Network::conv2d(memory::dim out_channels, memory::dim kernel, const std::string& name) {
  return add(make_conv2d(shape(), out_channels, kernel, name));
}

Network& Network::max_pool(memory::dim kernel) {
  return add(make_max_pool2d(shape(), kernel));
}

Network& Network::activation(dnnl::algorithm kind) {
  return add(make_activation(shape(), kind));
}

void Network::finish(Loss loss, std::size_t max_batch) {
  if (layers_.empty() || shape().empty() || shape().size() > 2) {
    throw std::logic_error("nn: a network must end in a dense layer");
  }
  loss_ = loss;
  for (std::size_t i = 0; i + 1 < layers_.size(); ++i) {
    if (layers_[i + 1]->is_relu() && layers_[i]->take_relu()) {
      layers_.erase(layers_.begin() + static_cast<std::ptrdiff_t>(i + 1));
    }
  }
  // A (T, K) output is a sequence: one row of K values per step, each
  // scored against its own target (per-token cross-entropy).
  rows_ = shape().size() == 2 ? static_cast<std::size_t>(shape()[0]) : 1;
  outputs_ = static_cast<std::size_t>(shape().back());
  target_size_ = loss == Loss::CrossEntropy ? rows_ : rows_ * outputs_;
  for (auto& layer : layers_) {
    for (auto* p : layer->parameters()) {
      params_.push_back(p);
      if (p->kind == ParamKind::Trainable) {
        trainable_.push_back({p->name, p->value.data(), p->grad.data(), p->value.size()});
      } else {
        buffers_.push_back({p->name, p->value.data(), nullptr, p->value.size()});
      }
    }
  }
  plan(std::max<std::size_t>(1, max_batch), true);
}

void Network::init_torch(optbench::Rng& rng) {
  nn::init_torch(params_, rng);
}

void Network::use_threads() const {
  // OpenMP's thread count is per calling thread, and the host trains several
  // models on separate std::threads: set it on every entry.
  omp_set_num_threads(threads_);
}

std::unique_ptr<Network::Plan> Network::build(std::size_t batch, bool training) {
  auto p = std::make_unique<Plan>();
  p->batch = static_cast<memory::dim>(batch);
  p->input = memory(plain_desc(with_batch(p->batch, sample_shape_)), engine_);
  p->targets.resize(batch * target_size_);
  const BindContext ctx{engine_, attr_, p->batch, training, train_mode_};
  const memory* src = &p->input;
  const memory* diff_src = nullptr;
  ChannelSum* diff_src_sum = nullptr;
  for (auto& layer : layers_) {
    BindContext layer_ctx = ctx;
    layer_ctx.diff_src_sum = diff_src_sum;
    p->steps.push_back(layer->bind(layer_ctx, *src, diff_src));
    src = &p->steps.back().dst;
    diff_src = training ? &p->steps.back().diff_dst : nullptr;
    diff_src_sum = p->steps.back().diff_dst_sum.get();
  }
  return p;
}

Network::Plan& Network::plan(std::size_t batch, bool training) {
  auto& slot = plans_[{batch, training, train_mode_}];
  if (!slot) {
    // Steps hold memories by handle, so growing the vector is safe.
    slot = build(batch, training);
  }
  return *slot;
}

Network::Plan& Network::run(const optbench::Batch& batch, bool training, const char* caller) {
  if (batch.size == 0 || !batch.inputs || !batch.targets) {
    throw std::invalid_argument(std::string("nn: ") + caller +
                                " needs a non-empty batch with inputs and targets");
  }
  use_threads();
  Plan& p = plan(batch.size, training);
  // Copied rather than wrapped: backward needs the input after the caller
  // may have refilled its batch buffer.
  std::memcpy(p.input.get_data_handle(), batch.inputs,
              batch.size * static_cast<std::size_t>(product(sample_shape_)) * sizeof(float));
  std::memcpy(p.targets.data(), batch.targets, batch.size * target_size_ * sizeof(float));
  for (auto& step : p.steps) {
    for (auto& op : step.forward)
      op.run(stream_);
  }
  stream_.wait();
  return p;
}

double Network::score(const Plan& p, std::size_t samples, float* grad, std::size_t* hits) const {
  const auto* out = static_cast<const float*>(p.steps.back().dst.get_data_handle());
  if (loss_ == Loss::CrossEntropy) {
    return softmax_cross_entropy(out, p.targets.data(), samples * rows_, outputs_, grad, hits);
  }
  return mean_squared_error(out, p.targets.data(), samples * rows_, outputs_, grad);
}

double Network::forward(const optbench::Batch& batch) {
  Plan& p = run(batch, true, "forward");
  last_ = &p;
  // The loss gradient is cheap and needs the outputs just computed, so it is
  // written now and backward only runs the primitives.
  return score(p, batch.size, static_cast<float*>(p.steps.back().diff_dst.get_data_handle()),
               nullptr);
}

void Network::backward() {
  if (!last_) throw std::logic_error("nn: backward called before forward");
  use_threads();
  for (auto step = last_->steps.rbegin(); step != last_->steps.rend(); ++step) {
    for (auto& op : step->backward)
      op.run(stream_);
  }
  stream_.wait();
}

optbench::Evaluation Network::evaluate(const optbench::Batch& batch) {
  // An inference plan of its own, so a forward awaiting its backward keeps
  // its activations.
  const Plan& p = run(batch, false, "evaluate");
  optbench::Evaluation e;
  std::size_t hits = 0;
  e.loss = score(p, batch.size, nullptr, &hits);
  // The host divides by samples: a sequence counts as the fraction of its
  // steps predicted right, rounded to whole samples per batch.
  if (loss_ == Loss::CrossEntropy) e.correct = (hits + rows_ / 2) / rows_;
  return e;
}

}  // namespace nn
