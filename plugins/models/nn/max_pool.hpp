// Non-overlapping k x k max pooling on 4-D activations, written here rather
// than taken from oneDNN 2.6 for one reason: its pooling backward writes the
// input gradient only in the layout of the forward's input, while the seed
// CNN's conv1 computes its weight gradient channels-last (see Conv2d). With
// oneDNN that cost a 0.64 ms reorder per step of 64; these kernels write the
// gradient straight into the layout its reader wants. Measured in the seed
// CNN step (perf, same load): oneDNN's two poolings plus that reorder 2.4 ms,
// these kernels 1.7 ms.
//
// The kernels read and write the three layouts a convolution or the input
// hands to pooling: plain nchw, channels-last nhwc, and nChw8c (oneDNN's
// aBcd8b, channels in blocks of 8 floats).
#pragma once

#include <cstddef>
#include <cstdint>

namespace nn {

/// Where element (n, c, h, w) of a 4-D tensor lives. Channels come in blocks
/// of `lanes` consecutive floats: 8 for nChw8c, all of them for nhwc, 1 for
/// nchw. Strides are in floats.
struct PoolLayout {
  std::size_t lanes = 1;
  std::size_t n_stride = 0, block_stride = 0, h_stride = 0, w_stride = 0;

  std::size_t offset(std::size_t n, std::size_t c, std::size_t h, std::size_t w) const {
    return n * n_stride + (c / lanes) * block_stride + h * h_stride + w * w_stride + c % lanes;
  }
  /// Floats the tensor occupies, channel padding included.
  std::size_t size(std::size_t n) const { return n * n_stride; }
};

enum class PoolFormat { nchw, nhwc, nChw8c };

/// The layout of an (n, c, h, w) tensor in `format`; nChw8c pads the
/// channels up to a multiple of 8.
PoolLayout pool_layout(PoolFormat format, std::size_t c, std::size_t h, std::size_t w);

struct PoolShape {
  std::size_t batch, channels, height, width, kernel;
  /// Apply oneDNN's ReLU (max(x, 0)) to each window's maximum, and its
  /// backward to the gradient, in the same passes. Windows whose maximum
  /// was not above 0 have bit 7 of their winner set, so kernel * kernel
  /// must be at most 128.
  bool relu = false;
  std::size_t out_height() const { return height / kernel; }
  std::size_t out_width() const { return width / kernel; }
};

/// dst = the maximum of each window; `winner` (one byte per float of dst,
/// at the same offset) records its position in the window, row-major. Both
/// layouts must have the same `lanes`; padded channels are pooled too (they
/// hold zeros).
/// Ties go to the first position and NaN wins, as torch.nn.MaxPool2d on CPU.
void max_pool_forward(const PoolShape& s, const float* src, const PoolLayout& src_layout,
                      float* dst, const PoolLayout& dst_layout, std::uint8_t* winner);

/// diff_src = diff_dst routed to each window's winner, zero elsewhere
/// (including rows and columns no window covers). diff_src's layout may have
/// other `lanes` than diff_dst's: the gradient is written straight into the
/// layout its consumer reads.
///
/// With `channel_sums` (batch x channels floats), diff_src must be
/// channels-last: it is then written in memory order and each image's
/// per-channel sums of what was written are left there, added in that order
/// from zero (ChannelSum's image sums, without reading diff_src again).
void max_pool_backward(const PoolShape& s, const float* diff_dst, const PoolLayout& dst_layout,
                       const std::uint8_t* winner, float* diff_src, const PoolLayout& src_layout,
                       float* channel_sums = nullptr);

}  // namespace nn
