// Float vectors of 4 or 8 lanes and the functions the layers evaluate on
// them without table lookups (oneDNN 2.6's AVX2 tanh gathers from tables and
// took 4.6 ns an element): exp of a non-positive argument, tanh and the
// logistic sigmoid. Everything is inlined into its caller, so a caller's AVX2
// copy gets 8-lane code and its baseline copy 4-lane code from one source,
// doing the same operations in the same order (bit-identical results).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace nn::vec {

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

// Below kSmall, tanh(x) = x + x^3 P(x^2), P fitted by least squares to
// (tanh(x)/x - 1)/x^2 on [0, 0.55^2] (relative error 1.2e-10 in double).
// Above it, tanh(|x|) = (1 - u)/(1 + u) with u = exp(-2|x|) <= 0.333, where
// neither the sum nor the difference cancels. From 9.5 on, tanh rounds to 1.
inline constexpr float kTanhSmall = 0.55f, kTanhLarge = 9.5f;
inline constexpr float kTanhP[] = {-0.33333333295882284f,  0.13333324361456336f,
                                   -0.053964743969021456f, 0.02181885444025457f,
                                   -0.00852786796779718f,  0.002528422318166865f};
// exp(t) = 2^k exp(r), k = t log2(e) rounded, r = t - k ln 2 in two parts
// (ln 2's float and the rest, so that k ln2_hi is exact), |r| <= ln(2)/2,
// where exp(r)'s Taylor polynomial to r^7 is within 5e-9.
inline constexpr float kRound = 12582912.0f, kLog2e = 1.44269504088896341f,
                       kLn2Hi = 0.693145751953125f, kLn2Lo = 1.42860682030941723212e-6f;
inline constexpr float kExp[] = {1.0f,      1.0f,       0.5f,       1.0f / 6,
                                 1.0f / 24, 1.0f / 120, 1.0f / 720, 1.0f / 5040};
// The sigmoid's exp(-|x|) stays a normal float down to here (2^k >= 2^-126);
// beyond it the sigmoid is 1, or 0 to within 1e-38.
inline constexpr float kSigmoidLarge = 87.0f;

// Vectors are changed in place: a 32-byte vector passed or returned by value
// would change the calling convention between the baseline and AVX2 copies.

/// v = exp(v) for v in [-87, 0].
template <int Lanes>
[[gnu::always_inline]] inline void exp_nonpositive(typename Vec<Lanes>::F& v) {
  using F = typename Vec<Lanes>::F;
  using I = typename Vec<Lanes>::I;
  const F t = v;
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
  v = e * __builtin_bit_cast(F, scale_bits);
}

/// v = tanh(v), within 2 ulp (tanh_test), odd to the bit, NaN kept.
template <int Lanes>
[[gnu::always_inline]] inline void tanh_lanes(typename Vec<Lanes>::F& v) {
  using F = typename Vec<Lanes>::F;
  using I = typename Vec<Lanes>::I;
  const F x = v;
  const I bits = __builtin_bit_cast(I, x);
  const I sign = bits & static_cast<std::int32_t>(0x80000000u);
  const F a = __builtin_bit_cast(F, bits & 0x7fffffff);
  // Small: the odd polynomial.
  const F s = x * x;
  F p = F{} + kTanhP[5];
  for (int i = 4; i >= 0; --i)
    p = p * s + kTanhP[i];
  const F small = a + a * s * p;
  // Large: u = exp(-2a) on a clamped below kTanhLarge (inf and huge values
  // give 1; NaN is restored below).
  const F clamped = a < kTanhLarge ? a : F{} + kTanhLarge;
  F u = -2.0f * clamped;
  exp_nonpositive<Lanes>(u);
  const F large = (1.0f - u) / (1.0f + u);
  // Both branches on |x|, then x's sign: odd to the bit, -0 kept.
  const F y_abs = a < kTanhSmall ? small : large;
  const F y = __builtin_bit_cast(F, __builtin_bit_cast(I, y_abs) | sign);
  // NaN in, NaN out (the comparisons above are false for NaN).
  v = x == x ? y : x;
}

/// v = 1 / (1 + exp(-v)), from e = exp(-|v|) so that nothing overflows:
/// 1 / (1 + e) for v >= 0, e / (1 + e) below. NaN kept.
template <int Lanes>
[[gnu::always_inline]] inline void sigmoid_lanes(typename Vec<Lanes>::F& v) {
  using F = typename Vec<Lanes>::F;
  using I = typename Vec<Lanes>::I;
  const F x = v;
  const F a = __builtin_bit_cast(F, __builtin_bit_cast(I, x) & 0x7fffffff);
  F e = -(a < kSigmoidLarge ? a : F{} + kSigmoidLarge);
  exp_nonpositive<Lanes>(e);
  const F positive = 1.0f / (1.0f + e);
  const F y = x >= 0.0f ? positive : e * positive;
  v = x == x ? y : x;
}

/// v = the first min(n, Lanes) floats at p, zeros after them.
template <int Lanes>
[[gnu::always_inline]] inline void load(typename Vec<Lanes>::F& v, const float* p,
                                        std::size_t n = Lanes) {
  v = typename Vec<Lanes>::F{};
  std::memcpy(&v, p, (n < Lanes ? n : Lanes) * sizeof(float));
}

/// Stores the first min(n, Lanes) lanes of v at p.
template <int Lanes>
[[gnu::always_inline]] inline void store(float* p, const typename Vec<Lanes>::F& v,
                                         std::size_t n = Lanes) {
  std::memcpy(p, &v, (n < Lanes ? n : Lanes) * sizeof(float));
}

}  // namespace nn::vec
