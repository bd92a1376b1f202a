#include "winograd.hpp"

#include <stdexcept>

// The tiles' kernels are written for AVX2; elsewhere no convolution takes
// them (winograd_suits is false) and the class refuses to be built.
#if defined(__x86_64__)

#include <immintrin.h>

#include <array>
#include <atomic>
#include <cmath>
#include <type_traits>
#include <utility>

#include <oneapi/dnnl/dnnl.hpp>

namespace nn {
namespace {

constexpr std::size_t kAlpha = 8;                 // tile side
constexpr std::size_t kPoints = kAlpha * kAlpha;  // points per tile
constexpr std::size_t kLanes = 8;                 // channels per vector (nChw8c)

using Dense = std::vector<std::vector<double>>;

// Evaluation of a polynomial with n coefficients at 0, +-1, +-2, +-1/2 and at
// infinity (where it is its leading coefficient): an 8 x n matrix. These
// points keep the transforms' constants small (|c| <= 16).
Dense evaluation(std::size_t n) {
  static constexpr double points[kAlpha - 1] = {0, 1, -1, 2, -2, 0.5, -0.5};
  Dense e(kAlpha, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i + 1 < kAlpha; ++i) {
    double power = 1;
    for (std::size_t j = 0; j < n; ++j) {
      e[i][j] = power;
      power *= points[i];
    }
  }
  e[kAlpha - 1][n - 1] = 1;
  return e;
}

/// Gauss-Jordan elimination with partial pivoting, in double.
Dense inverse(Dense a) {
  const std::size_t n = a.size();
  Dense inv(n, std::vector<double>(n, 0.0));
  for (std::size_t i = 0; i < n; ++i)
    inv[i][i] = 1;
  for (std::size_t col = 0; col < n; ++col) {
    std::size_t pivot = col;
    for (std::size_t r = col + 1; r < n; ++r) {
      if (std::abs(a[r][col]) > std::abs(a[pivot][col])) pivot = r;
    }
    std::swap(a[col], a[pivot]);
    std::swap(inv[col], inv[pivot]);
    const double d = a[col][col];
    for (std::size_t j = 0; j < n; ++j) {
      a[col][j] /= d;
      inv[col][j] /= d;
    }
    for (std::size_t r = 0; r < n; ++r) {
      if (r == col || a[r][col] == 0) continue;
      const double f = a[r][col];
      for (std::size_t j = 0; j < n; ++j) {
        a[r][j] -= f * a[col][j];
        inv[r][j] -= f * inv[col][j];
      }
    }
  }
  return inv;
}

// Lavin's data transform for these points: the rows of C^T (below) scaled
// to constants exact in float, each row a multiple of C^T's.
constexpr double kLavin[kAlpha][kAlpha] = {
    {1, 0, -5.25, 0, 5.25, 0, -1, 0},      {0, 1, 1, -4.25, -4.25, 1, 1, 0},
    {0, -1, 1, 4.25, -4.25, -1, 1, 0},     {0, 0.5, 0.25, -2.5, -1.25, 2, 1, 0},
    {0, -0.5, 0.25, 2.5, -1.25, -2, 1, 0}, {0, 2, 4, -2.5, -5, 0.5, 1, 0},
    {0, -2, 4, 2.5, -5, -0.5, 1, 0},       {0, -1, 0, 5.25, 0, -5.25, 0, 1}};

// F(m, k) for a correlation y_i = sum_j d_(i+j) g_j (i < m, j < k) over 8
// values of d, from the polynomial product it is the transpose of (Toom-Cook):
//   y = E_m^T [ (E_k g) . (C^T d) ],  C = E_8^(-1),
// with E_n the evaluation matrix above; in two dimensions each side is
// transformed alike. The data go through Lavin's rows, kLavin = diag(1/s)
// C^T; the factor s_a moves to the other side of point a's product, the
// filter's E_k g. Returns s, checking that each row is such a multiple.
std::array<float, kAlpha> make_filter_scales() {
  const Dense c = inverse(evaluation(kAlpha));
  std::array<float, kAlpha> scales{};
  for (std::size_t a = 0; a < kAlpha; ++a) {
    std::size_t j = 0;
    while (kLavin[a][j] == 0)
      ++j;
    const double s = c[j][a] / kLavin[a][j];
    for (std::size_t i = 0; i < kAlpha; ++i) {
      if (std::abs(c[i][a] - s * kLavin[a][i]) > 1e-12) {
        throw std::logic_error("nn: Winograd data transform is not a scaling of C^T");
      }
    }
    scales[a] = static_cast<float>(s);
  }
  return scales;
}

const std::array<float, kAlpha>& filter_scales() {
  static const std::array<float, kAlpha> scales = make_filter_scales();
  return scales;
}

/// Floats from one tile's points to the next's: 64 rows of `cols`, and one
/// cache line more, so that a point's rows (a matrix for the GEMM) do not all
/// fall into the same cache sets as they would 8 KB apart.
constexpr std::size_t tile_stride(std::size_t cols) {
  return kPoints * cols + 16;
}

std::size_t tiles(std::size_t extent, std::size_t m) {
  return (extent + m - 1) / m;
}

// The kernels below are compiled for AVX2 with FMA. The file is built with
// floating-point contraction off, so the only fused multiply-adds are the
// explicit ones: GCC and Clang builds give the same bits.
#define OPTBENCH_AVX2_FMA __attribute__((target("avx2,fma")))

/// kLavin times the 8 vectors d[0], d[sd], ...: 26 operations where the
/// matrix has 44 nonzeros, sharing the sums of opposite points.
OPTBENCH_AVX2_FMA inline void data_1d(const __m256* d, std::size_t sd, __m256* w, std::size_t sw) {
  const __m256 d0 = d[0], d1 = d[sd], d2 = d[2 * sd], d3 = d[3 * sd], d4 = d[4 * sd],
               d5 = d[5 * sd], d6 = d[6 * sd], d7 = d[7 * sd];
  w[0] = _mm256_fmadd_ps(_mm256_set1_ps(5.25f), _mm256_sub_ps(d4, d2), _mm256_sub_ps(d0, d6));
  w[7 * sw] = _mm256_fmadd_ps(_mm256_set1_ps(5.25f), _mm256_sub_ps(d3, d5), _mm256_sub_ps(d7, d1));
  const __m256 t1 = _mm256_fnmadd_ps(_mm256_set1_ps(4.25f), d4, _mm256_add_ps(d2, d6));
  const __m256 t2 = _mm256_fnmadd_ps(_mm256_set1_ps(4.25f), d3, _mm256_add_ps(d1, d5));
  w[sw] = _mm256_add_ps(t1, t2);
  w[2 * sw] = _mm256_sub_ps(t1, t2);
  const __m256 t3 =
      _mm256_fnmadd_ps(_mm256_set1_ps(1.25f), d4, _mm256_fmadd_ps(_mm256_set1_ps(0.25f), d2, d6));
  const __m256 t4 = _mm256_fmadd_ps(
      _mm256_set1_ps(2.0f), d5,
      _mm256_fnmadd_ps(_mm256_set1_ps(2.5f), d3, _mm256_mul_ps(_mm256_set1_ps(0.5f), d1)));
  w[3 * sw] = _mm256_add_ps(t3, t4);
  w[4 * sw] = _mm256_sub_ps(t3, t4);
  const __m256 t5 =
      _mm256_fmadd_ps(_mm256_set1_ps(4.0f), _mm256_fnmadd_ps(_mm256_set1_ps(1.25f), d4, d2), d6);
  const __m256 t6 = _mm256_fmadd_ps(
      _mm256_set1_ps(0.5f), d5,
      _mm256_fnmadd_ps(_mm256_set1_ps(2.5f), d3, _mm256_mul_ps(_mm256_set1_ps(2.0f), d1)));
  w[5 * sw] = _mm256_add_ps(t5, t6);
  w[6 * sw] = _mm256_sub_ps(t5, t6);
}

/// The polynomial with the N coefficients g[0], g[sg], ... at the 8 points
/// (E_N g), point a times scale[a] unless scale is null: even and odd powers
/// summed apart serve +p and -p. N is a constant so that the sums stay in
/// registers.
template <std::size_t N>
OPTBENCH_AVX2_FMA inline void eval_1d(const __m256* g, std::size_t sg, __m256* v, std::size_t sv,
                                      const float* scale) {
  constexpr std::size_t n = N;
  __m256 even[3], odd[3];  // at 1, 2, 1/2
  for (auto& x : even)
    x = g[0];
  for (auto& x : odd)
    x = _mm256_setzero_ps();
  float up = 1, down = 1;  // 2^j, 2^-j
  for (std::size_t j = 1; j < n; ++j) {
    up *= 2;
    down *= 0.5f;
    __m256* sums = j % 2 ? odd : even;
    sums[0] = _mm256_add_ps(sums[0], g[j * sg]);
    sums[1] = _mm256_fmadd_ps(_mm256_set1_ps(up), g[j * sg], sums[1]);
    sums[2] = _mm256_fmadd_ps(_mm256_set1_ps(down), g[j * sg], sums[2]);
  }
  v[0] = g[0];
  for (std::size_t q = 0; q < 3; ++q) {
    v[(1 + 2 * q) * sv] = _mm256_add_ps(even[q], odd[q]);
    v[(2 + 2 * q) * sv] = _mm256_sub_ps(even[q], odd[q]);
  }
  v[7 * sv] = g[(n - 1) * sg];
  if (!scale) return;
  for (std::size_t a = 0; a < kAlpha; ++a)
    v[a * sv] = _mm256_mul_ps(_mm256_set1_ps(scale[a]), v[a * sv]);
}

/// kLavin^T times the 8 vectors x[0], x[sx], ...: the input gradient of
/// data_1d, pairs of opposite points again shared.
OPTBENCH_AVX2_FMA inline void data_t_1d(const __m256* x, std::size_t sx, __m256* y,
                                        std::size_t sy) {
  const __m256 x0 = x[0], x7 = x[7 * sx];
  __m256 sum[3], diff[3];  // points 1, 2, 1/2 with their negatives
  for (std::size_t q = 0; q < 3; ++q) {
    sum[q] = _mm256_add_ps(x[(1 + 2 * q) * sx], x[(2 + 2 * q) * sx]);
    diff[q] = _mm256_sub_ps(x[(1 + 2 * q) * sx], x[(2 + 2 * q) * sx]);
  }
  y[0] = x0;
  y[sy] = _mm256_sub_ps(_mm256_fmadd_ps(_mm256_set1_ps(2.0f), diff[2],
                                        _mm256_fmadd_ps(_mm256_set1_ps(0.5f), diff[1], diff[0])),
                        x7);
  y[2 * sy] =
      _mm256_fnmadd_ps(_mm256_set1_ps(5.25f), x0,
                       _mm256_fmadd_ps(_mm256_set1_ps(4.0f), sum[2],
                                       _mm256_fmadd_ps(_mm256_set1_ps(0.25f), sum[1], sum[0])));
  y[3 * sy] =
      _mm256_fmadd_ps(_mm256_set1_ps(5.25f), x7,
                      _mm256_fnmadd_ps(_mm256_set1_ps(2.5f), _mm256_add_ps(diff[1], diff[2]),
                                       _mm256_mul_ps(_mm256_set1_ps(-4.25f), diff[0])));
  y[4 * sy] = _mm256_fmadd_ps(
      _mm256_set1_ps(5.25f), x0,
      _mm256_fnmadd_ps(_mm256_set1_ps(5.0f), sum[2],
                       _mm256_fnmadd_ps(_mm256_set1_ps(1.25f), sum[1],
                                        _mm256_mul_ps(_mm256_set1_ps(-4.25f), sum[0]))));
  y[5 * sy] =
      _mm256_fnmadd_ps(_mm256_set1_ps(5.25f), x7,
                       _mm256_fmadd_ps(_mm256_set1_ps(0.5f), diff[2],
                                       _mm256_fmadd_ps(_mm256_set1_ps(2.0f), diff[1], diff[0])));
  y[6 * sy] = _mm256_sub_ps(_mm256_add_ps(_mm256_add_ps(sum[0], sum[1]), sum[2]), x0);
  y[7 * sy] = x7;
}

/// E_N^T times the 8 points m[0], m[sm], ...: N outputs, y_i = sum_a p_a^i
/// m_a (0^0 = 1) and the point at infinity in the last one only.
template <std::size_t N>
OPTBENCH_AVX2_FMA inline void back_1d(const __m256* m, std::size_t sm, __m256* y, std::size_t sy) {
  constexpr std::size_t n = N;
  __m256 sum[3], diff[3];  // opposite points at 1, 2, 1/2
  for (std::size_t q = 0; q < 3; ++q) {
    sum[q] = _mm256_add_ps(m[(1 + 2 * q) * sm], m[(2 + 2 * q) * sm]);
    diff[q] = _mm256_sub_ps(m[(1 + 2 * q) * sm], m[(2 + 2 * q) * sm]);
  }
  float up = 1, down = 1;
  for (std::size_t i = 0; i < n; ++i) {
    const __m256* x = i % 2 ? diff : sum;
    __m256 acc = _mm256_fmadd_ps(_mm256_set1_ps(down), x[2],
                                 _mm256_fmadd_ps(_mm256_set1_ps(up), x[1], x[0]));
    if (i == 0) acc = _mm256_add_ps(acc, m[0]);
    if (i == n - 1) acc = _mm256_add_ps(acc, m[7 * sm]);
    y[i * sy] = acc;
    up *= 2;
    down *= 0.5f;
  }
}

// The 1-D transforms as types: kIn values to kOut along a row or column.
struct Data {
  static constexpr std::size_t kIn = kAlpha, kOut = kAlpha;
  OPTBENCH_AVX2_FMA void operator()(const __m256* x, std::size_t sx, __m256* y,
                                    std::size_t sy) const {
    data_1d(x, sx, y, sy);
  }
};
struct DataTransposed {
  static constexpr std::size_t kIn = kAlpha, kOut = kAlpha;
  OPTBENCH_AVX2_FMA void operator()(const __m256* x, std::size_t sx, __m256* y,
                                    std::size_t sy) const {
    data_t_1d(x, sx, y, sy);
  }
};
template <std::size_t N>
struct Eval {
  static constexpr std::size_t kIn = N, kOut = kAlpha;
  const float* scale;
  OPTBENCH_AVX2_FMA void operator()(const __m256* x, std::size_t sx, __m256* y,
                                    std::size_t sy) const {
    eval_1d<N>(x, sx, y, sy, scale);
  }
};
template <std::size_t N>
struct Back {
  static constexpr std::size_t kIn = kAlpha, kOut = N;
  OPTBENCH_AVX2_FMA void operator()(const __m256* x, std::size_t sx, __m256* y,
                                    std::size_t sy) const {
    back_1d<N>(x, sx, y, sy);
  }
};

/// A kIn x kIn tile (row stride 8) to kOut x kOut (row stride 8): the 1-D
/// transform along every row, then along every column.
template <class OneD>
OPTBENCH_AVX2_FMA inline void transform_2d(const __m256* x, __m256* out, const OneD& one_d) {
  __m256 half[kPoints];
  for (std::size_t i = 0; i < OneD::kIn; ++i)
    one_d(x + i * kAlpha, 1, half + i * kAlpha, 1);
  for (std::size_t b = 0; b < OneD::kOut; ++b)
    one_d(half + b, kAlpha, out + b, kAlpha);
}

/// Where one image's tiles are read or written: a plane of nChw8c vectors.
struct Grid {
  std::size_t height, width;     ///< of the activation
  std::size_t tiles_y, tiles_x;  ///< tiles per image
  std::size_t step;              ///< tile stride in pixels (m)
};

/// One image's kIn x kIn tiles at every step pixels (zero outside the
/// activation), of each of its `groups` channel groups, through `one_d` on
/// both sides into points[tile][p][group * 8 + l]: the data tiles (8 x 8,
/// kLavin) or the output gradient's as filters (m x m, E_m).
template <class OneD>
OPTBENCH_AVX2_FMA void tiles_to_points(const float* image, std::size_t groups, const Grid& g,
                                       const OneD& one_d, float* points, std::size_t tile0) {
  constexpr std::size_t side = OneD::kIn;
  const std::size_t row_stride = groups * kLanes;
  __m256 d[kPoints], u[kPoints];
  for (std::size_t cg = 0; cg < groups; ++cg) {
    const float* plane = image + cg * g.height * g.width * kLanes;
    for (std::size_t ty = 0; ty < g.tiles_y; ++ty) {
      for (std::size_t tx = 0; tx < g.tiles_x; ++tx) {
        for (std::size_t i = 0; i < side; ++i) {
          const std::size_t y = ty * g.step + i;
          for (std::size_t j = 0; j < side; ++j) {
            const std::size_t x = tx * g.step + j;
            d[i * kAlpha + j] = y < g.height && x < g.width
                                    ? _mm256_loadu_ps(plane + (y * g.width + x) * kLanes)
                                    : _mm256_setzero_ps();
          }
        }
        transform_2d(d, u, one_d);
        float* at = points + (tile0 + ty * g.tiles_x + tx) * tile_stride(row_stride) + cg * kLanes;
        for (std::size_t p = 0; p < kPoints; ++p)
          _mm256_storeu_ps(at + p * row_stride, u[p]);
      }
    }
  }
}

/// The inverse way: one image's points[tile][p][group * 8 + l] through
/// `one_d` to kOut x kOut tiles at every step pixels, cut at the
/// activation's edge. The outputs (m x m, E_m^T) are written plus the bias;
/// the input gradient's tiles (8 x 8, kLavin^T), which overlap by k - 1
/// pixels, are added to the image, which this zeroes first.
template <class OneD, bool kAdd>
OPTBENCH_AVX2_FMA void points_to_tiles(const float* points, std::size_t groups, const Grid& g,
                                       const OneD& one_d, const float* bias, float* image,
                                       std::size_t tile0) {
  constexpr std::size_t side = OneD::kOut;
  const std::size_t row_stride = groups * kLanes;
  if (kAdd) {
    for (std::size_t i = 0; i < groups * g.height * g.width * kLanes; ++i)
      image[i] = 0.0f;
  }
  __m256 pt[kPoints], y[kPoints];
  for (std::size_t cg = 0; cg < groups; ++cg) {
    float* plane = image + cg * g.height * g.width * kLanes;
    const __m256 b = bias ? _mm256_loadu_ps(bias + cg * kLanes) : _mm256_setzero_ps();
    for (std::size_t ty = 0; ty < g.tiles_y; ++ty) {
      for (std::size_t tx = 0; tx < g.tiles_x; ++tx) {
        const float* at =
            points + (tile0 + ty * g.tiles_x + tx) * tile_stride(row_stride) + cg * kLanes;
        for (std::size_t p = 0; p < kPoints; ++p)
          pt[p] = _mm256_loadu_ps(at + p * row_stride);
        transform_2d(pt, y, one_d);
        for (std::size_t i = 0; i < side && ty * g.step + i < g.height; ++i) {
          for (std::size_t j = 0; j < side && tx * g.step + j < g.width; ++j) {
            float* to = plane + ((ty * g.step + i) * g.width + tx * g.step + j) * kLanes;
            __m256 v = y[i * kAlpha + j];
            if (kAdd) {
              v = _mm256_add_ps(_mm256_loadu_ps(to), v);
            } else if (bias) {
              v = _mm256_add_ps(v, b);
            }
            _mm256_storeu_ps(to, v);
          }
        }
      }
    }
  }
}

/// Weights staged as [row][u][v][col] (8 cols per vector), transformed into
/// points[p][row][col], scaled by `scale` (the forward's) or not (null; see
/// backward).
template <std::size_t K>
OPTBENCH_AVX2_FMA void weight_points(const float* staged, std::size_t row, std::size_t cols,
                                     const float* scale, float* points, std::size_t rows) {
  constexpr std::size_t k = K;
  __m256 g[kPoints], v[kPoints];
  for (std::size_t cg = 0; cg < cols / kLanes; ++cg) {
    for (std::size_t u = 0; u < k; ++u) {
      for (std::size_t w = 0; w < k; ++w)
        g[u * kAlpha + w] = _mm256_loadu_ps(staged + ((row * k + u) * k + w) * cols + cg * kLanes);
    }
    transform_2d(g, v, Eval<K>{scale});
    for (std::size_t p = 0; p < kPoints; ++p)
      _mm256_storeu_ps(points + (p * rows + row) * cols + cg * kLanes, v[p]);
  }
}

/// Output channel `o`'s weight gradient from points[p][o][in] into oihw.
template <std::size_t K>
OPTBENCH_AVX2_FMA void weight_gradient(const float* points, std::size_t o, std::size_t outs,
                                       std::size_t ins, float* diff_weight) {
  constexpr std::size_t k = K;
  __m256 pt[kPoints], y[kPoints];
  alignas(32) float lanes[kLanes];
  for (std::size_t cg = 0; cg < ins / kLanes; ++cg) {
    for (std::size_t p = 0; p < kPoints; ++p)
      pt[p] = _mm256_loadu_ps(points + (p * outs + o) * ins + cg * kLanes);
    transform_2d(pt, y, Back<K>{});
    for (std::size_t u = 0; u < k; ++u) {
      for (std::size_t w = 0; w < k; ++w) {
        _mm256_store_ps(lanes, y[u * kAlpha + w]);
        for (std::size_t l = 0; l < kLanes; ++l)
          diff_weight[((o * ins + cg * kLanes + l) * k + u) * k + w] = lanes[l];
      }
    }
  }
}

/// f(std::integral_constant<n>) for n = 2 .. 7: the tile kernels take a
/// kernel's or tile's side as a constant, so their loops unroll.
template <class F, std::size_t... I>
void with_size(std::size_t n, F&& f, std::index_sequence<I...>) {
  const bool served =
      ((n == I + 2 ? (f(std::integral_constant<std::size_t, I + 2>{}), true) : false) || ...);
  if (!served) throw std::logic_error("nn: Winograd tiles serve sides of 2 to 7 pixels");
}

template <class F>
void with_size(std::size_t n, F&& f) {
  with_size(n, std::forward<F>(f), std::make_index_sequence<kAlpha - 2>{});
}

/// For the channels of group cg, the sum of the output gradient over images
/// and pixels.
OPTBENCH_AVX2_FMA void channel_sums(const float* diff_dst, std::size_t batch, std::size_t groups,
                                    std::size_t pixels, std::size_t cg, float* sums) {
  __m256 acc = _mm256_setzero_ps();
  for (std::size_t n = 0; n < batch; ++n) {
    const float* plane = diff_dst + (n * groups + cg) * pixels * kLanes;
    for (std::size_t i = 0; i < pixels; ++i)
      acc = _mm256_add_ps(acc, _mm256_loadu_ps(plane + i * kLanes));
  }
  _mm256_storeu_ps(sums + cg * kLanes, acc);
}

// The tiles' points are stored tile by tile, [tile][point][channel], so that
// a transform writes and reads one tile's 64 vectors close together; point
// p's matrix is then every 64th row of the array (leading dimension 64 x its
// channels). Weights and the weight gradient's points are point by point.
struct Operand {
  float* data;
  std::size_t cols;
  bool by_tile;  ///< [tile][point][cols], else [point][rows][cols]
  std::size_t rows;
  float* at(std::size_t p) const { return data + p * (by_tile ? cols : rows * cols); }
  dnnl_dim_t ld() const { return static_cast<dnnl_dim_t>(by_tile ? tile_stride(cols) : cols); }
};

/// The 64 products, one per point: c[p] = op(a[p]) b[p], a's rows being
/// its columns when `transpose_a`. Each runs on one thread (dnnl_sgemm
/// does inside a parallel region) and the points are split between the
/// caller's threads: the same bits on any number of them.
void point_products(bool transpose_a, const Operand& a, const Operand& b, const Operand& c) {
  const auto d = [](std::size_t x) { return static_cast<dnnl_dim_t>(x); };
  const std::size_t m = c.rows, n = c.cols, k = transpose_a ? a.rows : a.cols;
  std::atomic<bool> failed{false};
#pragma omp parallel for schedule(static)
  for (std::size_t p = 0; p < kPoints; ++p) {
    if (dnnl_sgemm(transpose_a ? 'T' : 'N', 'N', d(m), d(n), d(k), 1.0f, a.at(p), a.ld(), b.at(p),
                   b.ld(), 0.0f, c.at(p), c.ld()) != dnnl_success) {
      failed = true;
    }
  }
  if (failed) throw std::runtime_error("nn: oneDNN's GEMM failed in a Winograd convolution");
}

/// What the tiles can compute at all: a kernel of 2 to 7 pixels inside the
/// image, both channel counts whole vectors.
bool tiles_fit(const WinogradShape& s) {
  return s.kernel >= 2 && s.kernel < kAlpha && s.height >= s.kernel && s.width >= s.kernel &&
         s.in_channels % kLanes == 0 && s.out_channels % kLanes == 0;
}

}  // namespace

bool winograd_suits(const WinogradShape& s) {
  // From 3 pixels on: the tests cover 3 to 7.
  if (!tiles_fit(s) || s.kernel < 3) return false;
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return false;
  const auto isa = dnnl::get_effective_cpu_isa();
  return isa == dnnl::cpu_isa::avx2 || isa == dnnl::cpu_isa::avx2_vnni;
}

WinogradConv::WinogradConv(const WinogradShape& s, bool data_gradient)
    : s_(s),
      m_(kAlpha + 1 - s.kernel),
      tiles_y_(tiles(s.out_height(), m_)),
      tiles_x_(tiles(s.out_width(), m_)) {
  if (!tiles_fit(s)) {
    throw std::invalid_argument("nn: no Winograd convolution for this shape");
  }
  const std::size_t t = s.batch * tiles_y_ * tiles_x_, c = s.in_channels, o = s.out_channels;
  u_.resize(t * tile_stride(c));
  v_.resize(kPoints * c * o);
  prod_.resize(t * tile_stride(o));
  dw_.resize(kPoints * o * c);
  staged_.resize(o * c * s.kernel * s.kernel);
  if (data_gradient) {
    dv_.resize(kPoints * o * c);
    dprod_.resize(t * tile_stride(c));
  }
}

void WinogradConv::weight_transform(const float* weight, bool by_input, const float* scale,
                                    float* points) {
  const std::size_t k = s_.kernel, c = s_.in_channels, o = s_.out_channels;
  const std::size_t rows = by_input ? c : o, cols = by_input ? o : c;
  // Staged [row][u][v][col] so that one vector reads 8 columns' weight; a
  // copy, split between the threads that transform it next.
#pragma omp parallel for schedule(static)
  for (std::size_t oc = 0; oc < o; ++oc) {
    for (std::size_t ic = 0; ic < c; ++ic) {
      const std::size_t row = by_input ? ic : oc, col = by_input ? oc : ic;
      for (std::size_t uv = 0; uv < k * k; ++uv)
        staged_[(row * k * k + uv) * cols + col] = weight[(oc * c + ic) * k * k + uv];
    }
  }
  with_size(k, [&](auto size) {
#pragma omp parallel for schedule(static)
    for (std::size_t row = 0; row < rows; ++row)
      weight_points<size()>(staged_.data(), row, cols, scale, points, rows);
  });
}

void WinogradConv::forward(const float* src, const float* weight, const float* bias, float* dst) {
  const std::size_t c = s_.in_channels, o = s_.out_channels;
  const std::size_t per_image = tiles_y_ * tiles_x_, t = s_.batch * per_image;
  weight_transform(weight, true, filter_scales().data(), v_.data());
  const Grid in{s_.height, s_.width, tiles_y_, tiles_x_, m_};
  const std::size_t in_image = c * s_.height * s_.width;
#pragma omp parallel for schedule(static)
  for (std::size_t n = 0; n < s_.batch; ++n)
    tiles_to_points(src + n * in_image, c / kLanes, in, Data{}, u_.data(), n * per_image);
  point_products(false, {u_.data(), c, true, t}, {v_.data(), o, false, c},
                 {prod_.data(), o, true, t});
  const Grid out{s_.out_height(), s_.out_width(), tiles_y_, tiles_x_, m_};
  const std::size_t out_image = o * out.height * out.width;
  with_size(m_, [&](auto size) {
#pragma omp parallel for schedule(static)
    for (std::size_t n = 0; n < s_.batch; ++n)
      points_to_tiles<Back<size()>, false>(prod_.data(), o / kLanes, out, {}, bias,
                                           dst + n * out_image, n * per_image);
  });
}

void WinogradConv::backward(const float* diff_dst, const float* weight, float* diff_src,
                            float* diff_weight, float* diff_bias) {
  const std::size_t k = s_.kernel, c = s_.in_channels, o = s_.out_channels;
  const std::size_t per_image = tiles_y_ * tiles_x_, t = s_.batch * per_image;
  // The output gradient's m x m tiles, transformed as filters, serve both
  // gradients. Weight gradient = the input correlated with the output
  // gradient: F(k, m) on the forward's transformed tiles.
  const Grid grad{s_.out_height(), s_.out_width(), tiles_y_, tiles_x_, m_};
  const std::size_t grad_image = o * grad.height * grad.width;
  const float* scale = filter_scales().data();
  with_size(m_, [&](auto size) {
#pragma omp parallel for schedule(static)
    for (std::size_t n = 0; n < s_.batch; ++n)
      tiles_to_points(diff_dst + n * grad_image, o / kLanes, grad, Eval<size()>{scale},
                      prod_.data(), n * per_image);
  });
  point_products(true, {prod_.data(), o, true, t}, {u_.data(), c, true, t},
                 {dw_.data(), c, false, o});
  with_size(k, [&](auto size) {
#pragma omp parallel for schedule(static)
    for (std::size_t oc = 0; oc < o; ++oc)
      weight_gradient<size()>(dw_.data(), oc, o, c, diff_weight);
  });
  // Each group's sum runs in the same order on any number of threads.
#pragma omp parallel for schedule(static)
  for (std::size_t cg = 0; cg < o / kLanes; ++cg)
    channel_sums(diff_dst, s_.batch, o / kLanes, grad.height * grad.width, cg, diff_bias);
  if (!diff_src) return;
  if (dv_.empty()) throw std::logic_error("nn: Winograd convolution built without data gradient");

  // Input gradient = the forward's tile algorithm transposed: per point the
  // output gradient's transformed tiles times the weights' points, then
  // kLavin^T on both sides. The filter scales cancel between the two
  // factors (scaled tiles, unscaled weights).
  weight_transform(weight, false, nullptr, dv_.data());
  point_products(false, {prod_.data(), o, true, t}, {dv_.data(), c, false, o},
                 {dprod_.data(), c, true, t});
  const Grid in{s_.height, s_.width, tiles_y_, tiles_x_, m_};
  const std::size_t in_image = c * s_.height * s_.width;
#pragma omp parallel for schedule(static)
  for (std::size_t n = 0; n < s_.batch; ++n)
    points_to_tiles<DataTransposed, true>(dprod_.data(), c / kLanes, in, {}, nullptr,
                                          diff_src + n * in_image, n * per_image);
}

}  // namespace nn

#else

namespace nn {

bool winograd_suits(const WinogradShape&) {
  return false;
}

WinogradConv::WinogradConv(const WinogradShape& s, bool) : s_(s), m_(0), tiles_y_(0), tiles_x_(0) {
  throw std::logic_error("nn: Winograd tiles run on x86-64 with AVX2 only");
}

void WinogradConv::forward(const float*, const float*, const float*, float*) {}

void WinogradConv::backward(const float*, const float*, float*, float*, float*) {}

}  // namespace nn

#endif
