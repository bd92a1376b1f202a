#include "tanh.hpp"

#include <cstddef>

#include "cpu_isa.hpp"
#include "vector_math.hpp"

namespace nn {
namespace {

using vec::load;
using vec::store;
using vec::tanh_lanes;
using vec::Vec;

template <int Lanes>
[[gnu::always_inline]] inline void tanh_span(const float* x, float* y, std::size_t n) {
  typename Vec<Lanes>::F v;
  std::size_t i = 0;
  for (; i + Lanes <= n; i += Lanes) {
    load<Lanes>(v, x + i);
    tanh_lanes<Lanes>(v);
    store<Lanes>(y + i, v);
  }
  if (i < n) {
    load<Lanes>(v, x + i, n - i);
    tanh_lanes<Lanes>(v);
    store<Lanes>(y + i, v, n - i);
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
