// Bit-for-bit comparison of float buffers, for the tests of kernels whose
// copies (baseline, AVX2, AVX-512, one thread or several) must agree exactly.
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace optbench::testing {

/// "0x1.8p+0 (1.5)": the exact value and a readable one.
inline std::string hex(float x) {
  char text[48];
  std::snprintf(text, sizeof text, "%a (%.9g)", static_cast<double>(x), static_cast<double>(x));
  return text;
}

/// Adds a failure naming the first element whose bits differ and how many do.
inline void expect_same_bits(const std::vector<float>& expected, const std::vector<float>& got,
                             const std::string& what) {
  ASSERT_EQ(expected.size(), got.size()) << what;
  std::size_t differing = 0, first = 0;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    if (std::bit_cast<std::uint32_t>(expected[i]) != std::bit_cast<std::uint32_t>(got[i])) {
      if (differing++ == 0) first = i;
    }
  }
  EXPECT_EQ(differing, 0u) << what << ": first difference at [" << first
                           << "]: " << hex(expected[first]) << " against " << hex(got[first]);
}

}  // namespace optbench::testing
