#include "tanh.hpp"

#include <cstdint>
#include <cstring>

#include "cpu_isa.hpp"
#include "vector_math.hpp"

namespace nn {
namespace {

using vec::tanh_lanes;
using vec::Vec;

template <int Lanes>
[[gnu::always_inline]] inline void tanh_span(const float* x, float* y, std::size_t n) {
  using F = typename Vec<Lanes>::F;
  std::size_t i = 0;
  for (; i + Lanes <= n; i += Lanes) {
    F v;
    std::memcpy(&v, x + i, sizeof v);
    tanh_lanes<Lanes>(v);
    std::memcpy(y + i, &v, sizeof v);
  }
  if (i < n) {
    F v{};
    std::memcpy(&v, x + i, (n - i) * sizeof(float));
    tanh_lanes<Lanes>(v);
    std::memcpy(y + i, &v, (n - i) * sizeof(float));
  }
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) void tanh_span_avx2(const float* x, float* y, std::size_t n) {
  tanh_span<8>(x, y, n);
}
#endif

}  // namespace

void tanh_forward(const float* x, float* y, std::size_t n) {
  [[maybe_unused]] const bool avx2 = optbench::cpu::runs(optbench::cpu::Isa::Avx2);
  constexpr std::size_t kChunk = 4096;
  const std::size_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static)
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::size_t first = c * kChunk, count = first + kChunk <= n ? kChunk : n - first;
#if defined(__x86_64__)
    if (avx2) {
      tanh_span_avx2(x + first, y + first, count);
      continue;
    }
#endif
    tanh_span<4>(x + first, y + first, count);
  }
}

void tanh_forward_baseline(const float* x, float* y, std::size_t n) {
  tanh_span<4>(x, y, n);
}

}  // namespace nn
