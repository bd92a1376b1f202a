// Which SIMD width the CPU running a plugin offers. The plugins are built for
// baseline x86-64 (SSE2) so that they load on any x86-64; their hot loops
// also have an AVX2 copy (GCC's target("avx2")), taken when this says so.
// Shared by the optimizers' element loops and the nn plugins' pooling.
#pragma once

namespace optbench::cpu {

enum class Isa { Baseline, Avx2 };

/// The widest Isa this CPU runs, detected once.
inline Isa native_isa() {
#if defined(__x86_64__)
  static const Isa isa = __builtin_cpu_supports("avx2") ? Isa::Avx2 : Isa::Baseline;
  return isa;
#else
  return Isa::Baseline;
#endif
}

}  // namespace optbench::cpu
