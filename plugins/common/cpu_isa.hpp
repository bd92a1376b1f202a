// Which SIMD width the CPU running a plugin offers. The plugins are built for
// baseline x86-64 (SSE2) so that they load on any x86-64; their hot loops
// also have AVX2 and AVX-512 copies (GCC's target attribute), taken when
// this says so. Shared by the optimizers' element loops and the nn plugins'
// pooling.
#pragma once

#include <cstddef>

// A function compiled for AVX-512 (F and BW: BW widens bytes 16 at a time)
// at the full 16-float width, even where the compiler's tuning would prefer
// 256-bit vectors (each compiler spells that its own way). Callers check
// runs(Isa::Avx512) first.
#if defined(__clang__)
#define OPTBENCH_TARGET_AVX512 __attribute__((target("avx512f,avx512bw"), min_vector_width(512)))
#else
#define OPTBENCH_TARGET_AVX512 __attribute__((target("avx512f,avx512bw,prefer-vector-width=512")))
#endif

namespace optbench::cpu {

/// Ordered by width: a CPU that runs one runs every one before it.
enum class Isa { Baseline, Avx2, Avx512 };

/// The widest Isa this CPU (and its operating system) runs, detected once.
inline Isa native_isa() {
#if defined(__x86_64__)
  static const Isa isa = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw")
                             ? Isa::Avx512
                         : __builtin_cpu_supports("avx2") ? Isa::Avx2
                                                          : Isa::Baseline;
  return isa;
#else
  return Isa::Baseline;
#endif
}

/// Whether this CPU runs `isa`'s code.
inline bool runs(Isa isa) {
  return native_isa() >= isa;
}

/// The longest tensor an element loop runs at AVX-512 width. Past it the
/// loop streams from memory, where AVX2 was as fast or faster. Measured on an
/// AVX-512 Zen 4 (32 MB L3) with Adadelta's update: the 16-float loop took
/// 0.56x the 8-float one's time at 159,010 floats, 0.66x to 0.80x at 1.2M,
/// 1.08x to 1.17x at 2.4M. A fixed bound, because the cache size the system
/// reports in a virtual machine can be the whole host's (384 MB there).
inline constexpr std::size_t kWideLoopMaxElements = 1'500'000;

}  // namespace optbench::cpu
