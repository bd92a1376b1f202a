#include "max_pool.hpp"

#include "cpu_isa.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <type_traits>

namespace nn {
namespace {

/// Channel c + j of a block starting at c lies j * step floats after c, as
/// long as `inner` (the layout the loops walk) never splits one of `outer`'s
/// channel blocks; the layouts pooling meets always satisfy that.
std::size_t channel_step(const PoolLayout& outer, const PoolLayout& inner, std::size_t channels) {
  if (outer.lanes == 1) return outer.block_stride;
  if (outer.lanes % inner.lanes == 0 || outer.lanes >= channels) return 1;
  throw std::logic_error("nn: max pooling between incompatible channel blockings");
}

}  // namespace

PoolLayout pool_layout(PoolFormat format, std::size_t c, std::size_t h, std::size_t w) {
  switch (format) {
    case PoolFormat::nchw:
      return {
          .lanes = 1, .n_stride = c * h * w, .block_stride = h * w, .h_stride = w, .w_stride = 1};
    case PoolFormat::nhwc:
      return {
          .lanes = c, .n_stride = h * w * c, .block_stride = 0, .h_stride = w * c, .w_stride = c};
    case PoolFormat::nChw8c: {
      const std::size_t blocks = (c + 7) / 8;
      return {.lanes = 8,
              .n_stride = blocks * h * w * 8,
              .block_stride = h * w * 8,
              .h_stride = w * 8,
              .w_stride = 8};
    }
  }
  throw std::logic_error("nn: unknown pooling layout");
}

namespace {

/// Offsets of channel c0's block at image n, before the spatial terms.
std::size_t block_base(const PoolLayout& l, std::size_t n, std::size_t c0) {
  return l.offset(n, c0, 0, 0);
}

// Channels go through the loops below in GCC/Clang vector types: 4 floats
// (one SSE register) in the baseline x86-64 build, 8 (one AVX register) in
// the copy built for AVX2 and taken when the CPU has it. Left to itself the
// compiler does not vectorize the running argmax, and in SSE2 every select
// costs three instructions: in the cnn model that made these loops slower
// than oneDNN's pooling. Vectors are passed by reference: by value, a 32-byte
// vector's ABI differs with and without AVX (GCC's -Wpsabi).
// (The vector types are spelled out: GCC ignores vector_size on an alias
// whose size depends on a template parameter.)
using f4 = float __attribute__((vector_size(16)));
using i4 = std::int32_t __attribute__((vector_size(16)));
using f8 = float __attribute__((vector_size(32)));
using i8 = std::int32_t __attribute__((vector_size(32)));
using b4 = std::uint8_t __attribute__((vector_size(4)));
using b8 = std::uint8_t __attribute__((vector_size(8)));
using b16 = std::uint8_t __attribute__((vector_size(16)));
using b32 = std::uint8_t __attribute__((vector_size(32)));

/// Bit 7 of a winner byte: the window's maximum was not above 0, so a
/// fused ReLU made it 0 (PoolShape::relu).
constexpr std::uint8_t kDead = 0x80;
/// Forward asks for the window this many output rows below while pooling
/// one: in the cnn model the first pooling's 4.7 MB input has left the
/// caches by the time it is read, and waiting for each line took it from
/// 0.10 ms (input in cache) to 0.33-0.49 ms; asking 2 rows ahead, 0.15-0.17 ms.
constexpr std::size_t kAhead = 2;

template <int Lanes>
struct Simd;
template <>
struct Simd<4> {
  using F = f4;
  using I = i4;
  using Bytes = b16;
  using Packed = b4;
};
template <>
struct Simd<8> {
  using F = f8;
  using I = i8;
  using Bytes = b32;
  using Packed = b8;
};

template <class V>
[[gnu::always_inline]] inline void load(V& v, const float* p) {
  std::memcpy(&v, p, sizeof v);
}

template <class V>
[[gnu::always_inline]] inline void store(float* p, const V& v) {
  std::memcpy(p, &v, sizeof v);
}

/// One window for Lanes channels stored next to each other. K is the
/// window's side when known at compile time (2, as in the cnn model), else 0.
template <int Lanes, std::size_t K>
[[gnu::always_inline]] inline void pool_lanes(const float* in, std::size_t given_k,
                                              std::size_t h_stride, std::size_t w_stride, bool relu,
                                              float* d, std::uint8_t* win) {
  using F = typename Simd<Lanes>::F;
  using I = typename Simd<Lanes>::I;
  const std::size_t k = K ? K : given_k;
  F best = F{} - std::numeric_limits<float>::infinity();
  I where = I{};
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t jj = 0; jj < k; ++jj) {
      F v;
      load(v, in + i * h_stride + jj * w_stride);
      const I take = (v > best) | (v != v);  // NaN wins, as in torch
      best = take ? v : best;
      where = take ? static_cast<std::int32_t>(i * k + jj) + I{} : where;
    }
  }
  if (relu) {
    // oneDNN's ReLU is max(x, 0): a NaN gives 0, as anything not above 0.
    const I alive = best > F{};
    best = alive ? best : F{};
    where = alive ? where : (where | kDead);
  }
  store(d, best);
  static_assert(sizeof(F) == sizeof(float) * Lanes && sizeof(I) == sizeof(F));
  // The low byte of each lane, by one shuffle: a converting cast extracts
  // the lanes one by one and took as long as the pooling itself.
  typename Simd<Lanes>::Bytes raw;
  std::memcpy(&raw, &where, sizeof raw);
  if constexpr (Lanes == 4) {
    const auto low = __builtin_shufflevector(raw, raw, 0, 4, 8, 12);
    std::memcpy(win, &low, sizeof low);
  } else {
    const auto low = __builtin_shufflevector(raw, raw, 0, 4, 8, 12, 16, 20, 24, 28);
    std::memcpy(win, &low, sizeof low);
  }
}

/// One window for one channel.
[[gnu::always_inline]] inline void pool_one(const float* in, std::size_t k, std::size_t h_stride,
                                            std::size_t w_stride, bool relu, float* d,
                                            std::uint8_t* win) {
  float best = -std::numeric_limits<float>::infinity();
  std::uint8_t where = 0;
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t jj = 0; jj < k; ++jj) {
      const float v = in[i * h_stride + jj * w_stride];
      if (v > best || std::isnan(v)) {
        best = v;
        where = static_cast<std::uint8_t>(i * k + jj);
      }
    }
  }
  if (relu && !(best > 0.0f)) {
    best = 0.0f;
    where |= kDead;
  }
  *d = best;
  *win = where;
}

/// Eight (or four) winner bytes, each widened to its lane by one shuffle
/// with zeros (a converting cast inserts the lanes one by one). The eight
/// bytes enter a register as one 64-bit integer: shuffling an 8-byte vector
/// with zeros made GCC 12 assemble the 32-byte operand on the stack from an
/// 8-byte and a 32-byte store, and the load after them waited for both
/// (a failed store-to-load forward, every window).
template <int Lanes>
[[gnu::always_inline]] inline void widen(const std::uint8_t* win, typename Simd<Lanes>::I& where) {
  typename Simd<Lanes>::Bytes wide;
  if constexpr (Lanes == 4) {
    typename Simd<Lanes>::Packed bytes;
    std::memcpy(&bytes, win, sizeof bytes);
    const typename Simd<Lanes>::Packed zero{};
    wide = __builtin_shufflevector(bytes, zero, 0, 4, 4, 4, 1, 4, 4, 4, 2, 4, 4, 4, 3, 4, 4, 4);
  } else {
    std::uint64_t word;
    std::memcpy(&word, win, sizeof word);
    using u64x4 = std::uint64_t __attribute__((vector_size(32)));
    // Bytes 8 to 31 are zero.
    const auto bytes = reinterpret_cast<typename Simd<Lanes>::Bytes>(u64x4{word, 0, 0, 0});
    wide = __builtin_shufflevector(bytes, bytes, 0, 8, 8, 8, 1, 8, 8, 8, 2, 8, 8, 8, 3, 8, 8, 8, 4,
                                   8, 8, 8, 5, 8, 8, 8, 6, 8, 8, 8, 7, 8, 8, 8);
  }
  std::memcpy(&where, &wide, sizeof where);
}

/// The gradient of Lanes windows and their winners, with a fused ReLU's
/// backward applied: oneDNN's multiplies a dead unit's gradient by 0 (so
/// the zero keeps its sign, and an infinite gradient gives NaN).
template <int Lanes>
[[gnu::always_inline]] inline void window_gradient(const float* g, const std::uint8_t* win,
                                                   bool relu, typename Simd<Lanes>::F& grad,
                                                   typename Simd<Lanes>::I& where) {
  using F = typename Simd<Lanes>::F;
  load(grad, g);
  widen<Lanes>(win, where);
  if (relu) {
    const auto dead = (where & kDead) != 0;
    grad = dead ? grad * F{} : grad;
    where &= kDead - 1;
  }
}

template <int Lanes>
[[gnu::always_inline]] inline void route_lanes(const float* g, const std::uint8_t* win,
                                               std::size_t k, bool relu, float* out,
                                               std::size_t h_stride, std::size_t w_stride) {
  using F = typename Simd<Lanes>::F;
  using I = typename Simd<Lanes>::I;
  F grad;
  I where;
  window_gradient<Lanes>(g, win, relu, grad, where);
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t jj = 0; jj < k; ++jj) {
      const I mine = where == static_cast<std::int32_t>(i * k + jj) + I{};
      const F routed = mine ? grad : F{};
      store(out + i * h_stride + jj * w_stride, routed);
    }
  }
}

/// One channel's window gradient and winner, as window_gradient.
[[gnu::always_inline]] inline float window_gradient_one(float g, std::uint8_t& win, bool relu) {
  if (relu && (win & kDead) != 0) {
    win = static_cast<std::uint8_t>(win & (kDead - 1));
    return g * 0.0f;
  }
  return g;
}

[[gnu::always_inline]] inline void route_one(const float* g, const std::uint8_t* win, std::size_t k,
                                             bool relu, float* out, std::size_t h_stride,
                                             std::size_t w_stride) {
  std::uint8_t where = *win;
  const float grad = window_gradient_one(*g, where, relu);
  for (std::size_t i = 0; i < k; ++i) {
    for (std::size_t jj = 0; jj < k; ++jj) {
      out[i * h_stride + jj * w_stride] = where == i * k + jj ? grad : 0.0f;
    }
  }
}

// The two passes, one image at a time, for Lanes channels per vector.
struct Forward {
  /// Pools image n.
  template <int Lanes>
  [[gnu::always_inline]] static void image(std::size_t n, const PoolShape& s, std::size_t step,
                                           const float* src, const PoolLayout& sl, float* dst,
                                           const PoolLayout& dl, std::uint8_t* winner) {
    const std::size_t k = s.kernel, oh = s.out_height(), ow = s.out_width(), lanes = dl.lanes;
    for (std::size_t c0 = 0; c0 < s.channels; c0 += lanes) {
      // Padded lanes of a channel block are pooled too: zero in, zero out.
      const std::size_t width = sl.lanes == lanes ? lanes : std::min(lanes, s.channels - c0);
      const float* in = src + block_base(sl, n, c0);
      const std::size_t out = block_base(dl, n, c0);
      for (std::size_t y = 0; y < oh; ++y) {
        for (std::size_t x = 0; x < ow; ++x) {
          const float* window = in + y * k * sl.h_stride + x * k * sl.w_stride;
          const std::size_t at = out + y * dl.h_stride + x * dl.w_stride;
          if (y + kAhead < oh) {
            for (std::size_t i = 0; i < k; ++i)
              for (std::size_t jj = 0; jj < k; ++jj)
                __builtin_prefetch(window + (kAhead * k + i) * sl.h_stride + jj * sl.w_stride);
          }
          std::size_t j = 0;
          if (step == 1 && k == 2) {
            for (; j + Lanes <= width; j += Lanes)
              pool_lanes<Lanes, 2>(window + j, k, sl.h_stride, sl.w_stride, s.relu, dst + at + j,
                                   winner + at + j);
          } else if (step == 1) {
            for (; j + Lanes <= width; j += Lanes)
              pool_lanes<Lanes, 0>(window + j, k, sl.h_stride, sl.w_stride, s.relu, dst + at + j,
                                   winner + at + j);
          }
          for (; j < width; ++j)
            pool_one(window + j * step, k, sl.h_stride, sl.w_stride, s.relu, dst + at + j,
                     winner + at + j);
        }
      }
    }
  }
};

struct Backward {
  /// Routes image n's gradient into every element its windows cover.
  template <int Lanes>
  [[gnu::always_inline]] static void image(std::size_t n, const PoolShape& s, std::size_t step,
                                           const float* diff_dst, const PoolLayout& dl,
                                           const std::uint8_t* winner, float* diff_src,
                                           const PoolLayout& sl) {
    const std::size_t k = s.kernel, oh = s.out_height(), ow = s.out_width(), lanes = dl.lanes;
    for (std::size_t c0 = 0; c0 < s.channels; c0 += lanes) {
      const std::size_t width = sl.lanes == lanes ? lanes : std::min(lanes, s.channels - c0);
      float* out = diff_src + block_base(sl, n, c0);
      const std::size_t in = block_base(dl, n, c0);
      for (std::size_t y = 0; y < oh; ++y) {
        for (std::size_t x = 0; x < ow; ++x) {
          float* window = out + y * k * sl.h_stride + x * k * sl.w_stride;
          const std::size_t at = in + y * dl.h_stride + x * dl.w_stride;
          std::size_t j = 0;
          if (step == 1) {
            for (; j + Lanes <= width; j += Lanes)
              route_lanes<Lanes>(diff_dst + at + j, winner + at + j, k, s.relu, window + j,
                                 sl.h_stride, sl.w_stride);
          }
          for (; j < width; ++j)
            route_one(diff_dst + at + j, winner + at + j, k, s.relu, window + j * step, sl.h_stride,
                      sl.w_stride);
        }
      }
    }
  }
};

/// Backward into a channels-last diff_src, written in memory order, each
/// value also added to image n's per-channel float sums in that order: the
/// same additions as ChannelSum::run reading it back, without the read.
/// One vector of channels per pass over the image, its gradient, winners
/// and sum in registers. (Several vectors per pass kept them in arrays that
/// GCC 12 left on the stack, filled by split 16-byte halves and read back
/// whole: a failed store-to-load forward per window and vector, which made
/// the cnn model's first pooling backward 0.87 ms instead of 0.19 ms.)
struct BackwardChannelsLast {
  template <int Lanes>
  [[gnu::always_inline]] static void image(std::size_t n, const PoolShape& s, const float* diff_dst,
                                           const PoolLayout& dl, const std::uint8_t* winner,
                                           float* diff_src, const PoolLayout& sl,
                                           float* const& channel_sums) {
    const std::size_t channels = s.channels;
    float* sums = channel_sums + n * channels;
    std::size_t c = 0;
    // Lanes channels side by side in diff_dst's layout too.
    if (dl.lanes % Lanes == 0 || dl.lanes >= channels) {
      for (; c + Lanes <= channels; c += Lanes)
        channels_of<Lanes>(n, c, s, diff_dst, dl, winner, diff_src, sl, sums);
    }
    for (; c < channels; ++c)
      channels_of<1>(n, c, s, diff_dst, dl, winner, diff_src, sl, sums);
  }

  /// Channels c .. c + Lanes - 1 of image n, row by row: in each row the
  /// windows' columns, then any column no window covers; the rows no window
  /// covers last. (Nested loops rather than r / k: a division per element
  /// made this slower than a separate summing pass.)
  template <int Lanes>
  [[gnu::always_inline]] static void channels_of(std::size_t n, std::size_t c, const PoolShape& s,
                                                 const float* diff_dst, const PoolLayout& dl,
                                                 const std::uint8_t* winner, float* diff_src,
                                                 const PoolLayout& sl, float* sums) {
    constexpr std::size_t W = Lanes == 1 ? 1 : static_cast<std::size_t>(Lanes);
    using F = std::conditional_t<Lanes == 1, float, typename Simd<W == 1 ? 4 : Lanes>::F>;
    using I = std::conditional_t<Lanes == 1, std::int32_t, typename Simd<W == 1 ? 4 : Lanes>::I>;
    const std::size_t k = s.kernel, oh = s.out_height(), ow = s.out_width();
    const std::size_t tail_w = s.width - ow * k;
    F acc{};
    // Where the vector lies in diff_dst's layout, once per image rather than
    // per element (the channel block is a division).
    const std::size_t channel_offset = dl.offset(0, c, 0, 0);
    float* out = diff_src + n * sl.n_stride + c;
    // One window's gradient and winner, read once for its k columns.
    F grad;
    I where;
    const auto read = [&](std::size_t window) {
      const std::size_t at = window + channel_offset;
      if constexpr (Lanes == 1) {
        std::uint8_t win = winner[at];
        grad = window_gradient_one(diff_dst[at], win, s.relu);
        where = win;
      } else {
        window_gradient<Lanes>(diff_dst + at, winner + at, s.relu, grad, where);
      }
    };
    // One position's vector (or float): routed or zero.
    const auto put = [&](std::int32_t pos) {
      F routed;
      if constexpr (Lanes == 1) {
        routed = where == pos ? grad : 0.0f;
        *out = routed;
      } else {
        routed = where == pos + I{} ? grad : F{};
        store(out, routed);
      }
      acc += routed;
      out += sl.w_stride;
    };
    const auto zeros = [&](std::size_t count) {
      for (std::size_t p = 0; p < count; ++p, out += sl.w_stride) {
        if constexpr (Lanes == 1) {
          *out = 0.0f;
        } else {
          store(out, F{});
        }
        acc += F{};
      }
    };
    for (std::size_t y = 0; y < oh; ++y) {
      for (std::size_t i = 0; i < k; ++i) {
        for (std::size_t x = 0; x < ow; ++x) {
          read(n * dl.n_stride + y * dl.h_stride + x * dl.w_stride);
          for (std::size_t jj = 0; jj < k; ++jj)
            put(static_cast<std::int32_t>(i * k + jj));
        }
        zeros(tail_w);
      }
    }
    zeros((s.height - oh * k) * s.width);
    if constexpr (Lanes == 1) {
      sums[c] = acc;
    } else {
      store(sums + c, acc);
    }
  }
};

#if defined(__x86_64__)
/// A pass's image in the copy compiled for AVX2, 8 channels per vector.
template <class Pass, class... Args>
__attribute__((target("avx2"))) void image_avx2(std::size_t n, const Args&... args) {
  Pass::template image<8>(n, args...);
}
#endif

// Images are split between the run's threads, as oneDNN's primitives do.
// The parallel loop stays outside the AVX2 copies: GCC compiles the body it
// outlines for OpenMP without their target attribute. Callers check the
// layouts first: an exception must not leave an OpenMP region.
template <class Pass, class... Args>
void for_each_image(std::size_t batch, const Args&... args) {
  [[maybe_unused]] const bool avx2 = optbench::cpu::runs(optbench::cpu::Isa::Avx2);
#pragma omp parallel for schedule(static)
  for (std::size_t n = 0; n < batch; ++n) {
#if defined(__x86_64__)
    if (avx2) {
      image_avx2<Pass>(n, args...);
      continue;
    }
#endif
    Pass::template image<4>(n, args...);
  }
}

}  // namespace

void max_pool_forward(const PoolShape& s, const float* src, const PoolLayout& sl, float* dst,
                      const PoolLayout& dl, std::uint8_t* winner) {
  for_each_image<Forward>(s.batch, s, channel_step(sl, dl, s.channels), src, sl, dst, dl, winner);
}

void max_pool_backward(const PoolShape& s, const float* diff_dst, const PoolLayout& dl,
                       const std::uint8_t* winner, float* diff_src, const PoolLayout& sl,
                       float* channel_sums) {
  const std::size_t step = channel_step(sl, dl, s.channels);
  if (channel_sums) {
    if (sl.lanes != s.channels || sl.w_stride != s.channels ||
        sl.h_stride != s.width * s.channels) {
      throw std::logic_error("nn: max pooling sums channels only of a channels-last gradient");
    }
    for_each_image<BackwardChannelsLast>(s.batch, s, diff_dst, dl, winner, diff_src, sl,
                                         channel_sums);
    return;
  }
  // Every element inside a window is written below; what no window covers
  // (a last odd row or column) and channel padding must still read zero.
  const bool padded = sl.lanes > 1 && s.channels % sl.lanes != 0 && sl.lanes != s.channels;
  if (s.out_height() * s.kernel != s.height || s.out_width() * s.kernel != s.width || padded) {
    std::memset(diff_src, 0, sl.size(s.batch) * sizeof(float));
  }
  for_each_image<Backward>(s.batch, s, step, diff_dst, dl, winner, diff_src, sl);
}

}  // namespace nn
