// When a row-major matrix's rows alias in the L1 cache, and the padding that
// breaks it. oneDNN's GEMM reading an untransposed operand whose rows are a
// multiple of 2 KB apart slowed down 1.7-2.2x on AVX2 when the matrix was
// 32-byte aligned (the rows it streams together share L1 sets). The dense
// layer runs its input gradient on a copy padded this way, and bench's GEMM
// limits offer oneDNN the same layout, so that the layer cannot beat them.
#pragma once

#include <cstdint>

namespace nn {

/// Rows of this many floats (2 KB), or a multiple of it, alias.
inline constexpr std::int64_t kAliasingRowFloats = 512;
/// One 64-byte cache line of padding per row breaks that alignment.
inline constexpr std::int64_t kRowPadFloats = 16;

inline constexpr bool rows_alias_in_cache(std::int64_t row_floats) {
  return row_floats % kAliasingRowFloats == 0;
}

}  // namespace nn
