// A tiny MNIST-format dataset generated on the spot, for tests that train
// on data without the real files.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "optbench/random.hpp"
#include "test_support.hpp"

namespace optbench::testing {

// 10 classes, each a bright 8x8 square at its own place on a noisy 28x28
// background: easy to learn in two epochs, hard to learn by accident.
inline void write_tiny_mnist(const std::filesystem::path& dir, std::uint32_t train,
                             std::uint32_t test) {
  Rng rng(2024);
  const auto make = [&](std::uint32_t n, const std::string& stem) {
    std::string pixels, labels;
    for (std::uint32_t i = 0; i < n; ++i) {
      const int cls = static_cast<int>(rng.below(10));
      const int top = 2 + (cls / 5) * 12, left = 1 + (cls % 5) * 5;
      for (int r = 0; r < 28; ++r) {
        for (int c = 0; c < 28; ++c) {
          const bool on = r >= top && r < top + 8 && c >= left && c < left + 8;
          const double v = (on ? 170.0 : 20.0) + rng.uniform(0.0, 80.0);
          pixels += static_cast<char>(static_cast<std::uint8_t>(v));
        }
      }
      labels += static_cast<char>(cls);
    }
    write_file(dir / (stem + "-images-idx3-ubyte"), idx_bytes(0x803, {n, 28, 28}, pixels));
    write_file(dir / (stem + "-labels-idx1-ubyte"), idx_bytes(0x801, {n}, labels));
  };
  make(train, "train");
  make(test, "t10k");
}

/// A test whose temporary folder `dir_` holds a tiny MNIST in `data/`
/// (write_tiny_mnist), for experiments that name `dir: data`.
class TinyMnistTest : public ::testing::Test {
 protected:
  TinyMnistTest(std::uint32_t train, std::uint32_t test) {
    std::filesystem::create_directories(dir_ / "data");
    write_tiny_mnist(dir_ / "data", train, test);
  }
  TempDir dir_;
};

}  // namespace optbench::testing
