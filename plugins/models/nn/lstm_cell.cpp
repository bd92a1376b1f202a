#include "lstm_cell.hpp"

#include "cpu_isa.hpp"
#include "vector_math.hpp"

namespace nn {
namespace {

using vec::load;
using vec::sigmoid_lanes;
using vec::store;
using vec::tanh_lanes;
using vec::Vec;

// The cells j .. j + m - 1 of one row. The rows below call it with m =
// Lanes for full vectors, a constant that makes their loads and stores
// single vector moves, and once with the m < Lanes cells left.
template <int Lanes>
[[gnu::always_inline]] inline void forward_cells(float* g, const float* cp, float* c, float* tc,
                                                 float* h, const float* bias, std::size_t H,
                                                 std::size_t j, std::size_t m) {
  using F = typename Vec<Lanes>::F;
  F i, f, z, o, b, prev{};
  load<Lanes>(i, g + j, m);
  load<Lanes>(f, g + H + j, m);
  load<Lanes>(z, g + 2 * H + j, m);
  load<Lanes>(o, g + 3 * H + j, m);
  load<Lanes>(b, bias + j, m);
  i += b;
  load<Lanes>(b, bias + H + j, m);
  f += b;
  load<Lanes>(b, bias + 2 * H + j, m);
  z += b;
  load<Lanes>(b, bias + 3 * H + j, m);
  o += b;
  sigmoid_lanes<Lanes>(i);
  sigmoid_lanes<Lanes>(f);
  tanh_lanes<Lanes>(z);
  sigmoid_lanes<Lanes>(o);
  if (cp) load<Lanes>(prev, cp + j, m);
  const F cell = f * prev + i * z;
  F t = cell;
  tanh_lanes<Lanes>(t);
  const F out = o * t;
  store<Lanes>(g + j, i, m);
  store<Lanes>(g + H + j, f, m);
  store<Lanes>(g + 2 * H + j, z, m);
  store<Lanes>(g + 3 * H + j, o, m);
  store<Lanes>(c + j, cell, m);
  store<Lanes>(tc + j, t, m);
  store<Lanes>(h + j, out, m);
}

template <int Lanes>
[[gnu::always_inline]] inline void forward_row(const LstmRows& s, std::size_t n,
                                               const float* bias) {
  const std::size_t H = s.hidden;
  float* g = s.gates + n * s.gates_stride;
  const float* cp = s.c_prev ? s.c_prev + n * s.c_prev_stride : nullptr;
  float* c = s.c + n * s.c_stride;
  float* tc = s.tanh_c + n * s.c_stride;
  float* h = s.h + n * s.h_stride;
  std::size_t j = 0;
  for (; j + Lanes <= H; j += Lanes)
    forward_cells<Lanes>(g, cp, c, tc, h, bias, H, j, Lanes);
  if (j < H) forward_cells<Lanes>(g, cp, c, tc, h, bias, H, j, H - j);
}

template <int Lanes>
[[gnu::always_inline]] inline void backward_cells(const float* g, const float* cp, const float* tc,
                                                  const float* dy_row, const float* dh_row,
                                                  float* dc_row, float* dg, std::size_t H,
                                                  std::size_t j, std::size_t m) {
  using F = typename Vec<Lanes>::F;
  F i, f, z, o, t, dh, recurrent{}, dc, prev{};
  load<Lanes>(i, g + j, m);
  load<Lanes>(f, g + H + j, m);
  load<Lanes>(z, g + 2 * H + j, m);
  load<Lanes>(o, g + 3 * H + j, m);
  load<Lanes>(t, tc + j, m);
  load<Lanes>(dh, dy_row + j, m);
  if (dh_row) load<Lanes>(recurrent, dh_row + j, m);
  dh += recurrent;
  load<Lanes>(dc, dc_row + j, m);
  if (cp) load<Lanes>(prev, cp + j, m);
  // h = o tanh(c): the output gate's and the cell's shares of dh.
  const F d_o = (dh * t) * ((1.0f - o) * o);
  dc += (dh * o) * (1.0f - t * t);
  // c = f c_prev + i g.
  const F d_i = (dc * z) * ((1.0f - i) * i);
  const F d_f = (dc * prev) * ((1.0f - f) * f);
  const F d_z = (dc * i) * (1.0f - z * z);
  store<Lanes>(dg + j, d_i, m);
  store<Lanes>(dg + H + j, d_f, m);
  store<Lanes>(dg + 2 * H + j, d_z, m);
  store<Lanes>(dg + 3 * H + j, d_o, m);
  store<Lanes>(dc_row + j, dc * f, m);
}

template <int Lanes>
[[gnu::always_inline]] inline void backward_row(const LstmRows& s, std::size_t n, const float* dy,
                                                const float* dh_next, float* dc_rows, float* dgates,
                                                std::size_t dgates_stride) {
  const std::size_t H = s.hidden;
  const float* g = s.gates + n * s.gates_stride;
  const float* cp = s.c_prev ? s.c_prev + n * s.c_prev_stride : nullptr;
  const float* tc = s.tanh_c + n * s.c_stride;
  const float* dy_row = dy + n * s.h_stride;
  const float* dh_row = dh_next ? dh_next + n * H : nullptr;
  float* dc_row = dc_rows + n * H;
  float* dg = dgates + n * dgates_stride;
  std::size_t j = 0;
  for (; j + Lanes <= H; j += Lanes)
    backward_cells<Lanes>(g, cp, tc, dy_row, dh_row, dc_row, dg, H, j, Lanes);
  if (j < H) backward_cells<Lanes>(g, cp, tc, dy_row, dh_row, dc_row, dg, H, j, H - j);
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) void forward_avx2(const LstmRows& s, std::size_t n,
                                                  const float* bias) {
  forward_row<8>(s, n, bias);
}
__attribute__((target("avx2"))) void backward_avx2(const LstmRows& s, std::size_t n,
                                                   const float* dy, const float* dh_next, float* dc,
                                                   float* dgates, std::size_t dgates_stride) {
  backward_row<8>(s, n, dy, dh_next, dc, dgates, dgates_stride);
}
#endif

// A step's rows are a few microseconds of work each: a second thread pays
// only from a few rows of 128 cells up.
bool split_rows(const LstmRows& s) {
  return s.rows * s.hidden >= 4096;
}

}  // namespace

void lstm_forward_rows(const LstmRows& step, const float* bias, bool baseline) {
  [[maybe_unused]] const bool avx2 = !baseline && optbench::cpu::runs(optbench::cpu::Isa::Avx2);
#pragma omp parallel for schedule(static) if (split_rows(step))
  for (std::size_t n = 0; n < step.rows; ++n) {
#if defined(__x86_64__)
    if (avx2) {
      forward_avx2(step, n, bias);
      continue;
    }
#endif
    forward_row<4>(step, n, bias);
  }
}

void lstm_backward_rows(const LstmRows& step, const float* dy, const float* dh_next, float* dc,
                        float* dgates, std::size_t dgates_stride, bool baseline) {
  [[maybe_unused]] const bool avx2 = !baseline && optbench::cpu::runs(optbench::cpu::Isa::Avx2);
#pragma omp parallel for schedule(static) if (split_rows(step))
  for (std::size_t n = 0; n < step.rows; ++n) {
#if defined(__x86_64__)
    if (avx2) {
      backward_avx2(step, n, dy, dh_next, dc, dgates, dgates_stride);
      continue;
    }
#endif
    backward_row<4>(step, n, dy, dh_next, dc, dgates, dgates_stride);
  }
}

}  // namespace nn
