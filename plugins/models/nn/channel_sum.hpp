// Per-channel sums of a batch's channels-last (n, h, w, c) tensor: the bias
// gradient of a convolution whose weight gradient runs channels-last (see
// Conv2d). Each image is summed in float in memory order, the images then
// added in double in order; whoever computes it, the bits are the same.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

namespace nn {

class ChannelSum {
 public:
  ChannelSum(std::size_t images, std::size_t positions, std::size_t channels)
      : images_(images), positions_(positions), channels_(channels), partial_(images * channels) {}

  std::size_t channels() const { return channels_; }

  /// Image n's float sums; a layer that writes the tensor may fill them as
  /// it writes (see `taken`), adding every value in memory order from zero.
  float* image_sums(std::size_t n) { return partial_.data() + n * channels_; }

  /// Set by the layer that writes the tensor when it fills image_sums()
  /// itself, which saves reading the whole tensor again.
  bool taken = false;

  /// Sums `from` image by image (images split between threads), then totals.
  void run(const float* from, float* to) {
#pragma omp parallel for schedule(static)
    for (std::size_t n = 0; n < images_; ++n) {
      float* acc = image_sums(n);
      std::fill(acc, acc + channels_, 0.0f);
      const float* image = from + n * positions_ * channels_;
      for (std::size_t p = 0; p < positions_; ++p) {
        const float* row = image + p * channels_;
        for (std::size_t c = 0; c < channels_; ++c)
          acc[c] += row[c];
      }
    }
    total(to);
  }

  /// Adds the images' sums in double, in image order.
  void total(float* to) const {
    for (std::size_t c = 0; c < channels_; ++c) {
      double sum = 0.0;
      for (std::size_t n = 0; n < images_; ++n)
        sum += partial_[n * channels_ + c];
      to[c] = static_cast<float>(sum);
    }
  }

 private:
  std::size_t images_, positions_, channels_;
  std::vector<float> partial_;
};

}  // namespace nn
