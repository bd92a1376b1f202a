// The LSTM's element-wise work, one time step of a batch at a time, between
// the matrix products that lstm.cpp runs on oneDNN's GEMM. oneDNN 2.6's own
// LSTM cell evaluates tanh from tables on AVX2 and spent 5 of a 23.5 ms
// forward + backward of the character model's LSTM there; these kernels use
// vector_math.hpp's tanh and sigmoid.
//
// Gates are torch's: a row of 4H pre-activations i, f, g, o (input, forget,
// cell, output), c' = f c + i g, h' = o tanh(c').
#pragma once

#include <cstddef>

namespace nn {

/// One step's rows: `rows` samples, each with its own pointers at a fixed
/// stride (in floats) from the previous sample's.
struct LstmRows {
  std::size_t rows = 0, hidden = 0;
  float* gates = nullptr;  ///< 4H per row: pre-activations in, activations out (forward)
  std::size_t gates_stride = 0;
  const float* c_prev = nullptr;  ///< H per row; null for a zero state
  std::size_t c_prev_stride = 0;
  float* c = nullptr;        ///< H per row: the new cell state
  float* tanh_c = nullptr;   ///< H per row: tanh of it
  std::size_t c_stride = 0;  ///< of c and tanh_c
  float* h = nullptr;        ///< H per row: the output
  std::size_t h_stride = 0;
};

/// Adds `bias` (4H) to each row's gates, applies sigmoid to i, f, o and tanh
/// to g, and writes c, tanh(c) and h, splitting rows between the calling
/// thread's OpenMP threads. `baseline` runs the 4-lane copy that a CPU
/// without AVX2 runs, whatever the CPU (for the test that compares the
/// copies' bits).
void lstm_forward_rows(const LstmRows& step, const float* bias, bool baseline = false);

/// The same step backward. In: the forward's activations (`gates`),
/// `c_prev` and `tanh_c`; `dy`, this step's output gradient (H per row at
/// `h_stride`); `dh_next`, the recurrent gradient from the step after (H
/// per row, contiguous; null for none); `dc` (H per row, contiguous), the
/// cell-state gradient from the step after, replaced by the one for the
/// step before. Out: the pre-activation gradients, 4H per row at
/// `dgates_stride`.
void lstm_backward_rows(const LstmRows& step, const float* dy, const float* dh_next, float* dc,
                        float* dgates, std::size_t dgates_stride, bool baseline = false);

}  // namespace nn
