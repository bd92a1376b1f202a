#include "tanh.hpp"

#include <cstdint>
#include <cstring>

#include "cpu_isa.hpp"

namespace nn {
namespace {

// Below kSmall, tanh(x) = x + x^3 P(x^2), P fitted by least squares to
// (tanh(x)/x - 1)/x^2 on [0, 0.55^2] (relative error 1.2e-10 in double).
// Above it, tanh(|x|) = (1 - u)/(1 + u) with u = exp(-2|x|) <= 0.333, where
// neither the sum nor the difference cancels. From 9.5 on, tanh rounds to 1.
constexpr float kSmall = 0.55f, kLarge = 9.5f;
constexpr float kP[] = {-0.33333333295882284f, 0.13333324361456336f,  -0.053964743969021456f,
                        0.02181885444025457f,  -0.00852786796779718f, 0.002528422318166865f};
// exp(t) = 2^k exp(r), k = t log2(e) rounded, r = t - k ln 2 in two parts
// (ln 2's float and the rest, so that k ln2_hi is exact), |r| <= ln(2)/2,
// where exp(r)'s Taylor polynomial to r^7 is within 5e-9.
constexpr float kRound = 12582912.0f, kLog2e = 1.44269504088896341f, kLn2Hi = 0.693145751953125f,
                kLn2Lo = 1.42860682030941723212e-6f;
constexpr float kExp[] = {1.0f,      1.0f,       0.5f,       1.0f / 6,
                          1.0f / 24, 1.0f / 120, 1.0f / 720, 1.0f / 5040};

// Spelled out per width: GCC drops a vector_size that depends on a template
// parameter, leaving plain scalars.
template <int Lanes>
struct Vec;
template <>
struct Vec<4> {
  using F = float __attribute__((vector_size(16)));
  using I = std::int32_t __attribute__((vector_size(16)));
};
template <>
struct Vec<8> {
  using F = float __attribute__((vector_size(32)));
  using I = std::int32_t __attribute__((vector_size(32)));
};

template <int Lanes>
// In place: a 32-byte vector passed or returned by value would change the
// calling convention between the baseline and AVX2 copies.
[[gnu::always_inline]] inline void tanh_lanes(typename Vec<Lanes>::F& v) {
  using F = typename Vec<Lanes>::F;
  using I = typename Vec<Lanes>::I;
  const F x = v;
  const I bits = __builtin_bit_cast(I, x);
  const I sign = bits & static_cast<std::int32_t>(0x80000000u);
  const F a = __builtin_bit_cast(F, bits & 0x7fffffff);
  // Small: the odd polynomial.
  const F s = x * x;
  F p = F{} + kP[5];
  for (int i = 4; i >= 0; --i)
    p = p * s + kP[i];
  const F small = a + a * s * p;
  // Large: u = exp(-2a) on a clamped below kLarge (inf and huge values
  // give 1; NaN is restored below).
  const F clamped = a < kLarge ? a : F{} + kLarge;
  const F t = -2.0f * clamped;
  // k = t log2(e) rounded to nearest by adding and taking away 1.5 * 2^23,
  // which leaves k in the low bits of the sum.
  const F shifted = t * kLog2e + kRound;
  const F kf = shifted - kRound;
  const I k = __builtin_bit_cast(I, shifted) - __builtin_bit_cast(I, F{} + kRound);
  const F r = (t - kf * kLn2Hi) - kf * kLn2Lo;
  F e = F{} + kExp[7];
  for (int i = 6; i >= 0; --i)
    e = e * r + kExp[i];
  const I scale_bits = (k + 127) << 23;
  const F u = e * __builtin_bit_cast(F, scale_bits);
  const F large = (1.0f - u) / (1.0f + u);
  // Both branches on |x|, then x's sign: odd to the bit, -0 kept.
  const F y_abs = a < kSmall ? small : large;
  const F y = __builtin_bit_cast(F, __builtin_bit_cast(I, y_abs) | sign);
  // NaN in, NaN out (the comparisons above are false for NaN).
  v = x == x ? y : x;
}

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
