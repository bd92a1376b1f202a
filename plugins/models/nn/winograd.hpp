// Stride-1, unpadded convolutions by Winograd's minimal filtering on 8 x 8
// tiles: F(m x m, k x k) with m = 9 - k. Per tile and channel pair it
// multiplies 64 times where a direct convolution multiplies m*m*k*k times
// (400 for the cnn model's 5 x 5 kernels). The multiplications of all
// tiles become 64 matrix products (one per point of the tile, over
// channels) on oneDNN's GEMM; the transforms around them are this file's.
//
// oneDNN 2.6 has Winograd kernels for AVX-512 only. On a CPU whose widest
// oneDNN kernels are AVX2, its direct convolutions reached 60-84 GFLOP/s
// for the cnn model's second layer, all three passes 18.4 ms of a 23 ms
// training step; this path is what the conv layer runs there.
//
// The price is rounding: the transforms add values scaled by constants of
// up to 5.25 (the data) and 2^(m-1) (the outputs) with cancelling signs, so
// an output lands within about 6e-6 of its terms' magnitude (winograd_test's
// worst case) where a direct sum stays within about 1e-7.
#pragma once

#include <cstddef>
#include <vector>

namespace nn {

struct WinogradShape {
  std::size_t batch = 0, in_channels = 0, out_channels = 0, height = 0, width = 0, kernel = 0;
  std::size_t out_height() const { return height - kernel + 1; }
  std::size_t out_width() const { return width - kernel + 1; }
};

/// Whether a convolution of this shape runs on WinogradConv here: kernels
/// of 3 to 7 pixels, both channel counts multiples of 8 (a vector of
/// channels), and a CPU whose widest oneDNN kernels are AVX2 (with FMA).
bool winograd_suits(const WinogradShape& s);

/// One batch size's Winograd convolution. Activations and their gradients
/// are in oneDNN's nChw8c layout (8 channels of a pixel side by side), the
/// weight and its gradient in PyTorch's oihw. Not thread-safe: it owns the
/// buffers the transforms fill; each pass runs on the caller's OpenMP
/// threads and gives the same bits on any number of them.
class WinogradConv {
 public:
  /// `data_gradient`: whether backward will be asked for the input gradient
  /// (not for a network's first layer).
  WinogradConv(const WinogradShape& s, bool data_gradient);

  void forward(const float* src, const float* weight, const float* bias, float* dst);
  /// Overwrites the weight and bias gradients and, unless `diff_src` is
  /// null, writes the input gradient. Reads the transformed input tiles the
  /// last forward kept: call it after forward on the same input.
  void backward(const float* diff_dst, const float* weight, float* diff_src, float* diff_weight,
                float* diff_bias);

 private:
  /// The weight's points into `points`: [point][in][out] if `by_input`,
  /// else [point][out][in]; each point times scale[a] scale[b] unless null.
  void weight_transform(const float* weight, bool by_input, const float* scale, float* points);

  WinogradShape s_;
  std::size_t m_;                  ///< outputs per tile side
  std::size_t tiles_y_, tiles_x_;  ///< forward tiles per image side (over the output)
  // Tiles' points are [tile][point][channels] (tile_stride apart), the
  // weights' [point][rows][cols].
  std::vector<float> u_;       ///< the input's tiles, transformed
  std::vector<float> v_;       ///< [point][in][out]: the weights, scaled
  std::vector<float> prod_;    ///< the outputs' points; in backward the output gradient's tiles
  std::vector<float> dv_;      ///< [point][out][in]: the weights, unscaled
  std::vector<float> dprod_;   ///< the input gradient's points
  std::vector<float> dw_;      ///< [point][out][in]: the weight gradient's points
  std::vector<float> staged_;  ///< the weight reordered for the weight transforms
};

}  // namespace nn
