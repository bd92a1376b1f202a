#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <vector>

#include "channel_sum.hpp"
#include "dnnl_helpers.hpp"
#include "layer_registry.hpp"
#include "layers.hpp"
#include "max_pool.hpp"
#include "pool_shape.hpp"

namespace nn {
namespace {

/// A desc for `dims` in the format of `like`: its channel block, or for a
/// plain layout its order of dimensions.
memory::desc same_format(const memory::desc& like, const Dims& dims) {
  const auto& b = like.data.format_desc.blocking;
  if (b.inner_nblks == 1) {
    switch (b.inner_blks[0]) {
      case 4:
        return {dims, f32, tag::aBcd4b};
      case 8:
        return {dims, f32, tag::aBcd8b};
      case 16:
        return {dims, f32, tag::aBcd16b};
    }
    throw std::logic_error("nn: unsupported channel block of " + std::to_string(b.inner_blks[0]));
  }
  std::vector<int> order(dims.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](int x, int y) { return b.strides[x] > b.strides[y]; });
  Dims strides(dims.size());
  memory::dim stride = 1;
  for (auto i = order.rbegin(); i != order.rend(); ++i) {
    strides[static_cast<std::size_t>(*i)] = stride;
    stride *= dims[static_cast<std::size_t>(*i)];
  }
  return {dims, f32, strides};
}

/// How pooling's kernels address a 4-D memory: one level of channel
/// blocking (nChw8c, nChw16c) or a plain layout with any dimension order.
PoolLayout pool_layout_of(const memory::desc& md) {
  const auto& d = md.data;
  const auto& b = d.format_desc.blocking;
  if (d.ndims != 4 || d.format_kind != dnnl_blocked || b.inner_nblks > 1 ||
      (b.inner_nblks == 1 && b.inner_idxs[0] != 1)) {
    throw std::logic_error("nn: max pooling needs a 4-D plain or channel-blocked layout");
  }
  const auto at = [&](int i) { return static_cast<std::size_t>(b.strides[i]); };
  PoolLayout l{
      .lanes = 1, .n_stride = at(0), .block_stride = at(1), .h_stride = at(2), .w_stride = at(3)};
  if (b.inner_nblks == 1) {
    l.lanes = static_cast<std::size_t>(b.inner_blks[0]);
  } else if (at(1) == 1) {
    l.lanes = static_cast<std::size_t>(d.dims[1]);  // channels last: one block of all
  }
  return l;
}

/// pooled_shape, for windows the kernels' one-byte winner index can address.
Dims max_pooled_shape(const Dims& in, memory::dim k) {
  auto out = pooled_shape(in, k, "max pooling");
  if (k > 15) throw std::invalid_argument("nn: max pooling windows are at most 15x15");
  return out;
}

// Non-overlapping max pooling (stride = kernel, floor), as nn.MaxPool2d(k),
// on max_pool.hpp's kernels. The output keeps the input's layout; the
// gradient is written in whatever layout the layer before reads it.
class MaxPool2d final : public Layer {
 public:
  MaxPool2d(const Dims& in, memory::dim k) : kernel_(k), out_shape_(max_pooled_shape(in, k)) {}

  const Dims& output_shape() const override { return out_shape_; }

  // The winner byte has room for the ReLU's mark (PoolShape::relu) up to
  // 11 x 11 windows.
  bool take_relu() override {
    if (relu_ || kernel_ * kernel_ > 128) return false;
    relu_ = true;
    return true;
  }

  Step bind(const BindContext& ctx, const memory& src, const memory* diff_src) override {
    const auto src_md = src.get_desc();
    const auto in = src_md.dims();
    const auto u = [](memory::dim x) { return static_cast<std::size_t>(x); };
    const PoolShape shape{u(in[0]), u(in[1]), u(in[2]), u(in[3]), u(kernel_), relu_};
    const PoolLayout src_layout = pool_layout_of(src_md);
    const memory::desc dst_md = same_format(src_md, with_batch(in[0], out_shape_));
    const PoolLayout dst_layout = pool_layout_of(dst_md);

    Step step;
    step.dst = memory(dst_md, ctx.engine);
    auto winner = std::make_shared<std::vector<std::uint8_t>>(dst_md.get_size() / sizeof(float));
    const auto* from = static_cast<const float*>(src.get_data_handle());
    auto* to = static_cast<float*>(step.dst.get_data_handle());
    Op forward;
    forward.kernel = [=] {
      max_pool_forward(shape, from, src_layout, to, dst_layout, winner->data());
    };
    step.forward.push_back(std::move(forward));
    if (!ctx.training) return step;

    step.diff_dst = memory(dst_md, ctx.engine);
    if (diff_src) {
      const auto* g = static_cast<const float*>(step.diff_dst.get_data_handle());
      auto* out = static_cast<float*>(diff_src->get_data_handle());
      const PoolLayout out_layout = pool_layout_of(diff_src->get_desc());
      // A channels-last gradient whose channel sums the layer before needs
      // (its bias gradient) is summed here as it is written.
      ChannelSum* sums = nullptr;
      if (ctx.diff_src_sum && out_layout.lanes == shape.channels &&
          ctx.diff_src_sum->channels() == shape.channels) {
        sums = ctx.diff_src_sum;
        sums->taken = true;
      }
      Op backward;
      backward.kernel = [=] {
        max_pool_backward(shape, g, dst_layout, winner->data(), out, out_layout,
                          sums ? sums->image_sums(0) : nullptr);
      };
      step.backward.push_back(std::move(backward));
    }
    return step;
  }

 private:
  memory::dim kernel_;
  Dims out_shape_;
  bool relu_ = false;
};

const LayerRegistrar maxpool_word({
    .word = "maxpool",
    .arguments = {{.name = "kernel", .shown = "K"}},
    .shape = [](const LayerSite& site) { return max_pooled_shape(site.in, site.count(0)); },
    .make = [](const LayerSite& site) { return make_max_pool2d(site.in, site.count(0)); },
    .order = 30,
});

}  // namespace

std::unique_ptr<Layer> make_max_pool2d(const Dims& in, memory::dim kernel) {
  return std::make_unique<MaxPool2d>(in, kernel);
}

}  // namespace nn
