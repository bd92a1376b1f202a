// This machine's limits, measured in the same run as the workloads they
// bound, so that every workload can be reported as a fraction of what the
// hardware and oneDNN deliver today rather than of a figure from another
// machine or another day. All on one thread, like the workloads:
//   - oneDNN's f32 GEMM peak: a large square product (2048^3), which reaches
//     the best rate oneDNN's kernels give on this CPU;
//   - oneDNN's GEMM rate at exactly the products an MLP step needs, each on
//     the faster of dnnl_sgemm and the matmul primitive;
//   - the same for the CNN's dense layers, and oneDNN's convolution
//     primitives (forward, backward data, backward weights) at the CNN's
//     shapes, each in the faster of its preferred and channels-last layouts;
//   - the triad bandwidth a[i] = b[i] + s * c[i] over arrays far larger than
//     the last-level cache, the bound of every optimizer loop;
//   - the same streams as the MLP's Adadelta update (four arrays read, three
//     written) at its 159,010 parameters, in cache: the least that update
//     can take;
//   - the CNN's convolutions and dense products again on 2 threads, by the
//     wall clock: how far oneDNN's own kernels scale, which bounds how far a
//     run on 2 threads can;
//   - the square roots and division Adadelta needs per parameter, at the
//     divider's throughput: with the streams, the least the update can take;
//   - libdeflate, the fastest inflater on the machine, inflating the four
//     Fashion-MNIST files once: the least a sweep's first run can spend
//     decoding them.
// bench/run.sh keeps the best repetition of each (a limit is what the
// machine can do, and a slower repetition only saw a busier machine), by the
// thread's CPU time, as for the workloads.
#include <benchmark/benchmark.h>
#include <libdeflate.h>
#include <omp.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "cpu_isa.hpp"
#include "row_padding.hpp"
#include "winograd.hpp"

namespace {

/// One GEMM in row-major terms: C[m x n] = op(A) * op(B), with the
/// transpositions the layer's primitive uses. `b_pad` extra floats end each
/// row of an untransposed B (its leading dimension n + b_pad).
struct Gemm {
  char transa, transb;
  dnnl_dim_t m, n, k;
  dnnl_dim_t b_pad = 0;
  double flop() const { return 2.0 * static_cast<double>(m) * static_cast<double>(n) * k; }
  dnnl_dim_t lda() const { return transa == 'N' ? k : m; }
  dnnl_dim_t ldb() const { return transb == 'N' ? n + b_pad : k; }
};

struct GemmBuffers {
  std::vector<float> a, b, c;
  explicit GemmBuffers(const Gemm& g)
      : a(static_cast<std::size_t>(g.m * g.k), 0.5f),
        b(static_cast<std::size_t>(g.transb == 'N' ? g.k * g.ldb() : g.n * g.k), 0.25f),
        c(static_cast<std::size_t>(g.m * g.n), 0.0f) {}
};

void run_gemm(const Gemm& g, GemmBuffers& buf) {
  if (dnnl_sgemm(g.transa, g.transb, g.m, g.n, g.k, 1.0f, buf.a.data(), g.lda(), buf.b.data(),
                 g.ldb(), 0.0f, buf.c.data(), g.n) != dnnl_success) {
    throw std::runtime_error("dnnl_sgemm failed");
  }
}

/// The same product as a oneDNN matmul primitive, a transposed operand seen
/// through its strides, as the dense layers' forward runs it.
struct MatmulProduct {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::matmul op;
  std::unordered_map<int, dnnl::memory> args;

  MatmulProduct(const Gemm& g, GemmBuffers& buf) {
    using dims = dnnl::memory::dims;
    const auto f32 = dnnl::memory::data_type::f32;
    const dnnl::memory::desc a({g.m, g.k}, f32, g.transa == 'N' ? dims{g.k, 1} : dims{1, g.m});
    const dnnl::memory::desc b({g.k, g.n}, f32, g.transb == 'N' ? dims{g.ldb(), 1} : dims{1, g.k});
    const dnnl::memory::desc c({g.m, g.n}, f32, dims{g.n, 1});
    const dnnl::matmul::primitive_desc pd({a, b, c}, engine);
    op = dnnl::matmul(pd);
    args = {{DNNL_ARG_SRC, dnnl::memory(a, engine, buf.a.data())},
            {DNNL_ARG_WEIGHTS, dnnl::memory(b, engine, buf.b.data())},
            {DNNL_ARG_DST, dnnl::memory(c, engine, buf.c.data())}};
    if (pd.scratchpad_desc().get_size() > 0) {
      args[DNNL_ARG_SCRATCHPAD] = dnnl::memory(pd.scratchpad_desc(), engine);
    }
  }
  void run() {
    op.execute(stream, args);
    stream.wait();
  }
};

/// Best of `tries` timings of f, in seconds.
template <class F>
double best_time(F&& f, int tries) {
  double best = 1e30;
  for (int i = 0; i < tries; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    best = std::min(best,
                    std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  return best;
}

/// Times a list of products run back to back, as one step runs them; the
/// "gflops" counter is their FLOP count over the time. Each product runs on
/// whichever of oneDNN's two GEMM paths is faster for it on this machine
/// (dnnl_sgemm, or the matmul primitive, whose kernels are faster for some
/// shapes and slower for others), and an untransposed B whose rows alias in
/// the cache is also tried with padded rows, so that no layer can beat its
/// limit by choosing another path.
void gemm_set(benchmark::State& state, const std::vector<Gemm>& gemms, int threads = 1) {
  omp_set_num_threads(threads);
  std::vector<std::unique_ptr<GemmBuffers>> buffers;
  std::vector<std::function<void()>> products;
  double flop = 0;
  int matmuls = 0, padded = 0;
  for (const auto& given : gemms) {
    std::vector<Gemm> layouts{given};
    // The padding the dense layers give such a weight (row_padding.hpp).
    if (given.transb == 'N' && nn::rows_alias_in_cache(given.n)) {
      layouts.push_back(given);
      layouts.back().b_pad = nn::kRowPadFloats;
    }
    std::function<void()> best;
    double best_seconds = 1e30;
    bool best_matmul = false, best_padded = false;
    for (const auto& g : layouts) {
      buffers.push_back(std::make_unique<GemmBuffers>(g));
      auto& buf = *buffers.back();
      auto matmul = std::make_shared<MatmulProduct>(g, buf);
      const std::function<void()> sgemm = [g, &buf] { run_gemm(g, buf); };
      const std::function<void()> primitive = [matmul] { matmul->run(); };
      sgemm();  // oneDNN builds its kernels on first use
      primitive();
      for (const auto& [path, is_matmul] : {std::pair{sgemm, false}, std::pair{primitive, true}}) {
        // 20 tries of a small product, at least 3 and about 50 ms of a large one.
        const int tries = std::clamp(static_cast<int>(0.05 / best_time(path, 1)), 3, 20);
        const double seconds = best_time(path, tries);
        if (seconds < best_seconds) {
          best_seconds = seconds;
          best = path;
          best_matmul = is_matmul;
          best_padded = g.b_pad > 0;
        }
      }
    }
    matmuls += best_matmul;
    padded += best_padded;
    products.push_back(best);
    flop += given.flop();
  }
  for (auto _ : state) {
    for (auto& product : products)
      product();
    benchmark::ClobberMemory();
  }
  state.counters["flop"] = flop;
  state.counters["matmul_products"] = matmuls;
  state.counters["padded_products"] = padded;
  state.counters["gflops"] =
      benchmark::Counter(flop * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_limit_gemm_peak(benchmark::State& state) {
  gemm_set(state, {{'N', 'N', 2048, 2048, 2048}});
}
BENCHMARK(BM_limit_gemm_peak)->Unit(benchmark::kMillisecond);

// The MLP 784-200-10 at batch 64, as its layers compute it: forward X W1^T
// and H W2^T, weight gradients dH^T X and dY^T H, and the
// hidden layer's input gradient dY W2. The first layer's input gradient is
// not needed and not computed. 40.9 MFLOP.
void BM_limit_gemm_mlp(benchmark::State& state) {
  gemm_set(state, {{'N', 'T', 64, 200, 784},
                   {'N', 'T', 64, 10, 200},
                   {'T', 'N', 200, 784, 64},
                   {'T', 'N', 10, 200, 64},
                   {'N', 'N', 64, 200, 10}});
}
BENCHMARK(BM_limit_gemm_mlp)->Unit(benchmark::kMicrosecond);

// The CNN's dense layers 1024-512-10 at batch 64: both forward products,
// both weight gradients, and both input gradients (the convolutions below
// need the first one's).
const std::vector<Gemm> kCnnDense = {{'N', 'T', 64, 512, 1024}, {'N', 'T', 64, 10, 512},
                                     {'T', 'N', 512, 1024, 64}, {'T', 'N', 10, 512, 64},
                                     {'N', 'N', 64, 512, 10},   {'N', 'N', 64, 1024, 512}};

void BM_limit_gemm_cnn_dense(benchmark::State& state) {
  gemm_set(state, kCnnDense);
}
BENCHMARK(BM_limit_gemm_cnn_dense)->Unit(benchmark::kMicrosecond);

void BM_limit_gemm_cnn_dense_2_threads(benchmark::State& state) {
  gemm_set(state, kCnnDense, 2);
}
BENCHMARK(BM_limit_gemm_cnn_dense_2_threads)->Unit(benchmark::kMicrosecond)->UseRealTime();

// The CNN's two convolutions at batch 64 (5x5, stride 1, no padding):
// 1 -> 32 channels on 28x28 and 32 -> 64 on 12x12: conv1 forward and weight
// gradient (an input layer needs no input gradient), conv2 all three. Each
// pass runs on memory already in its primitive's layouts, so the figure is
// the kernels alone, and in whichever of two layout choices is faster for
// it on this machine, timed here: the blocked layouts oneDNN prefers
// (format_tag::any), or channels-last activations. With fewer input
// channels than a channel block, oneDNN's preferred choice pads them to a
// full block, and on AVX2 its weight gradient for conv1 then takes 5x the
// time of the channels-last kernel that the conv layer uses; without the
// choice the limit would be slower than the layer it bounds. A
// channels-last weight gradient is timed without its bias gradient, as the
// layer runs it (the pooling after conv1 sums that while it writes the
// gradient). Where the conv layer runs a convolution on Winograd tiles
// (conv2 on a CPU whose widest oneDNN kernels are AVX2), the limit runs
// those, forward and both gradients, as the layer does: the "flop" counter
// still counts a direct convolution's multiplications.
struct ConvPasses {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  struct Pass {
    dnnl::primitive op;
    std::unordered_map<int, dnnl::memory> args;
    std::function<void()> kernel;  ///< instead of op: the layer's own kernel
    void run(dnnl::stream& s) {
      if (kernel) {
        kernel();
        return;
      }
      op.execute(s, args);
      s.wait();
    }
  };
  std::vector<Pass> ops;
  double flop = 0;
  int channels_last = 0;  ///< passes whose faster choice was channels-last
  int winograd = 0;       ///< convolutions run as the conv layer runs them here: Winograd tiles
  std::vector<std::shared_ptr<std::vector<float>>> buffers;

  // Every operand holds the same small values, whoever allocates it.
  static void fill(float* p, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
      p[i] = 0.01f * static_cast<float>(i % 97);
  }

  float* buffer(std::size_t n) {
    buffers.push_back(std::make_shared<std::vector<float>>(n));
    fill(buffers.back()->data(), n);
    return buffers.back()->data();
  }

  /// Where the conv layer takes Winograd tiles (nn::winograd_suits), its
  /// forward and both gradients in one pass, on nChw8c activations.
  bool add_winograd(const nn::WinogradShape& s) {
    if (!nn::winograd_suits(s)) return false;
    auto conv = std::make_shared<nn::WinogradConv>(s, true);
    const std::size_t k2 = s.kernel * s.kernel;
    float* src = buffer(s.batch * s.in_channels * s.height * s.width);
    float* weight = buffer(s.out_channels * s.in_channels * k2);
    float* bias = buffer(s.out_channels);
    float* dst = buffer(s.batch * s.out_channels * s.out_height() * s.out_width());
    float* diff_dst = buffer(s.batch * s.out_channels * s.out_height() * s.out_width());
    float* diff_src = buffer(s.batch * s.in_channels * s.height * s.width);
    float* diff_weight = buffer(s.out_channels * s.in_channels * k2);
    float* diff_bias = buffer(s.out_channels);
    Pass pass;
    pass.kernel = [=] {
      conv->forward(src, weight, bias, dst);
      conv->backward(diff_dst, weight, diff_src, diff_weight, diff_bias);
    };
    ops.push_back(std::move(pass));
    ++winograd;
    return true;
  }

  dnnl::memory filled(const dnnl::memory::desc& md) {
    dnnl::memory m(md, engine);
    fill(static_cast<float*>(m.get_data_handle()), md.get_size() / sizeof(float));
    return m;
  }

  // Builds `make(layout)` for both layout choices and keeps the faster.
  template <class Make>
  void add_faster(Make&& make) {
    using tag = dnnl::memory::format_tag;
    Pass blocked = make(tag::any), last = make(tag::nhwc);
    blocked.run(stream);  // oneDNN builds its kernels on first use
    last.run(stream);
    const bool faster =
        best_time([&] { last.run(stream); }, 10) < best_time([&] { blocked.run(stream); }, 10);
    channels_last += faster;
    ops.push_back(faster ? std::move(last) : std::move(blocked));
  }

  void add(dnnl::memory::dim in_c, dnnl::memory::dim out_c, dnnl::memory::dim size,
           bool input_gradient) {
    using tag = dnnl::memory::format_tag;
    constexpr dnnl::memory::dim kBatch = 64, kKernel = 5;
    const auto f32 = dnnl::memory::data_type::f32;
    const dnnl::memory::dim out = size - kKernel + 1;
    // Counted as a direct convolution's multiplications either way.
    const double pass_flop = 2.0 * kBatch * out_c * out * out * in_c * kKernel * kKernel;
    const auto u = [](dnnl::memory::dim x) { return static_cast<std::size_t>(x); };
    if (input_gradient &&
        add_winograd({u(kBatch), u(in_c), u(out_c), u(size), u(size), u(kKernel)})) {
      flop += 3 * pass_flop;
      return;
    }
    const auto src = [&](tag t) { return dnnl::memory::desc({kBatch, in_c, size, size}, f32, t); };
    const auto dst = [&](tag t) { return dnnl::memory::desc({kBatch, out_c, out, out}, f32, t); };
    const dnnl::memory::desc w({out_c, in_c, kKernel, kKernel}, f32, tag::any);
    const dnnl::memory::desc b({out_c}, f32, tag::a);
    const dnnl::memory::dims strides{1, 1}, pad{0, 0};
    const auto forward = [&](tag t) {
      return dnnl::convolution_forward::primitive_desc(
          {dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct, src(t), w, b,
           dst(t), strides, pad, pad},
          engine);
    };
    add_faster([&](tag t) {
      const auto fwd = forward(t);
      return Pass{dnnl::convolution_forward(fwd),
                  {{DNNL_ARG_SRC, filled(fwd.src_desc())},
                   {DNNL_ARG_WEIGHTS, filled(fwd.weights_desc())},
                   {DNNL_ARG_BIAS, filled(fwd.bias_desc())},
                   {DNNL_ARG_DST, filled(fwd.dst_desc())}}};
    });
    add_faster([&](tag t) {
      const bool with_bias = t == tag::any;
      const auto desc =
          with_bias
              ? dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct,
                                                         src(t), w, b, dst(t), strides, pad, pad)
              : dnnl::convolution_backward_weights::desc(dnnl::algorithm::convolution_direct,
                                                         src(t), w, dst(t), strides, pad, pad);
      const dnnl::convolution_backward_weights::primitive_desc bww(desc, engine, forward(t));
      Pass pass{dnnl::convolution_backward_weights(bww),
                {{DNNL_ARG_SRC, filled(bww.src_desc())},
                 {DNNL_ARG_DIFF_DST, filled(bww.diff_dst_desc())},
                 {DNNL_ARG_DIFF_WEIGHTS, filled(bww.diff_weights_desc())}}};
      if (with_bias) pass.args[DNNL_ARG_DIFF_BIAS] = filled(bww.diff_bias_desc());
      return pass;
    });
    flop += 2 * pass_flop;
    if (input_gradient) {
      add_faster([&](tag t) {
        const dnnl::convolution_backward_data::primitive_desc bwd(
            {dnnl::algorithm::convolution_direct, src(t), w, dst(t), strides, pad, pad}, engine,
            forward(t));
        return Pass{dnnl::convolution_backward_data(bwd),
                    {{DNNL_ARG_DIFF_SRC, filled(bwd.diff_src_desc())},
                     {DNNL_ARG_WEIGHTS, filled(bwd.weights_desc())},
                     {DNNL_ARG_DIFF_DST, filled(bwd.diff_dst_desc())}}};
      });
      flop += pass_flop;
    }
  }
  void run() {
    for (auto& pass : ops) {
      if (pass.kernel) {
        stream.wait();
        pass.kernel();
      } else {
        pass.op.execute(stream, pass.args);
      }
    }
    stream.wait();
  }
};

void conv_limit(benchmark::State& state, int threads) {
  omp_set_num_threads(threads);
  ConvPasses passes;
  passes.add(1, 32, 28, false);
  passes.add(32, 64, 12, true);
  passes.run();
  for (auto _ : state)
    passes.run();
  state.counters["flop"] = passes.flop;
  state.counters["channels_last_passes"] = passes.channels_last;
  state.counters["winograd_convolutions"] = passes.winograd;
  state.counters["gflops"] =
      benchmark::Counter(passes.flop * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void BM_limit_conv_cnn(benchmark::State& state) {
  conv_limit(state, 1);
}
BENCHMARK(BM_limit_conv_cnn)->Unit(benchmark::kMillisecond);

// The primitives pick their kernels for the thread count they are created
// with, so the 2-thread passes are built anew rather than reused.
void BM_limit_conv_cnn_2_threads(benchmark::State& state) {
  conv_limit(state, 2);
}
BENCHMARK(BM_limit_conv_cnn_2_threads)->Unit(benchmark::kMillisecond)->UseRealTime();

// The loop in the optimizer plugins' instruction set (AVX2 + FMA), so that
// the two are compared on equal terms; bandwidth, not arithmetic, bounds it.
__attribute__((target("avx2,fma"), noinline)) void triad(float* __restrict a,
                                                         const float* __restrict b,
                                                         const float* __restrict c, float s,
                                                         std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    a[i] = b[i] + s * c[i];
}

// Triad over 3 x 64 MB (16M floats each; far above the last-level caches of
// current CPUs). Bytes counted as the memory system moves them: 4 x 4 per
// element, the two reads, the write and the read of a[]'s lines before they
// are written (STREAM counts 3 x 4 and so reports 3/4 of this). The optimizer
// loops update in place, so they pay no such extra read.
void BM_limit_triad(benchmark::State& state) {
  constexpr std::size_t kN = std::size_t{16} << 20;
  std::vector<float> a(kN, 0.0f), b(kN, 1.0f), c(kN, 2.0f);
  for (auto _ : state) {
    triad(a.data(), b.data(), c.data(), 0.5f, kN);
    benchmark::ClobberMemory();
  }
  benchmark::DoNotOptimize(a.data());
  state.counters["bytes"] = static_cast<double>(kN * 4 * sizeof(float));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kN * 4 * sizeof(float)));
}
BENCHMARK(BM_limit_triad)->Unit(benchmark::kMillisecond);

// Adadelta's memory traffic at a model's size without its arithmetic: read
// the parameter, the gradient and both running averages, write the
// parameter and both averages, one add each. The arrays stay wherever the
// cache keeps them between steps, as the real update's do, so this is the
// bandwidth for those streams at that size, in the widest vectors this CPU
// has (the optimizers' loops use AVX-512 there too). Bytes: 7 x 4 per element.
template <class Body>
void update_streams(benchmark::State& state, std::size_t kN, Body body) {
  std::vector<float> p(kN, 1.0f), g(kN, 0.5f), sq(kN, 0.25f), acc(kN, 0.125f);
  for (auto _ : state) {
    body(p.data(), g.data(), sq.data(), acc.data(), kN);
    benchmark::ClobberMemory();
  }
  state.counters["bytes"] = static_cast<double>(kN * 7 * sizeof(float));
  state.counters["elements"] = static_cast<double>(kN);
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kN * 7 * sizeof(float)));
}

#define OPTBENCH_UPDATE_STREAMS_BODY    \
  for (std::size_t i = 0; i < n; ++i) { \
    const float x = g[i];               \
    sq[i] += x;                         \
    acc[i] += x;                        \
    p[i] += x;                          \
  }

OPTBENCH_TARGET_AVX512 __attribute__((noinline)) void streams_avx512(float* __restrict p,
                                                                     const float* __restrict g,
                                                                     float* __restrict sq,
                                                                     float* __restrict acc,
                                                                     std::size_t n) {
  OPTBENCH_UPDATE_STREAMS_BODY
}
__attribute__((target("avx2"), noinline)) void streams_avx2(float* __restrict p,
                                                            const float* __restrict g,
                                                            float* __restrict sq,
                                                            float* __restrict acc, std::size_t n) {
  OPTBENCH_UPDATE_STREAMS_BODY
}
#undef OPTBENCH_UPDATE_STREAMS_BODY

void update_limit(benchmark::State& state, std::size_t parameters) {
  if (optbench::cpu::runs(optbench::cpu::Isa::Avx512)) {
    update_streams(state, parameters, streams_avx512);
  } else {
    update_streams(state, parameters, streams_avx2);
  }
}

// The MLP 784-200-10: 159,010 parameters (2.5 MB per stream set, in cache).
void BM_limit_update_mlp(benchmark::State& state) {
  update_limit(state, 159'010);
}
BENCHMARK(BM_limit_update_mlp)->Unit(benchmark::kMicrosecond);

// The seed CNN: 832 + 51,264 + 524,800 + 5,130 = 582,026 parameters, 16 MB
// of streams: what its Adadelta update must move each step at the least.
void BM_limit_update_cnn(benchmark::State& state) {
  update_limit(state, 582'026);
}
BENCHMARK(BM_limit_update_cnn)->Unit(benchmark::kMicrosecond);

// Adadelta's arithmetic without its streams: two square roots and a
// division per parameter, which the rule needs correctly rounded in any
// implementation, at the widest vectors, over a block that stays in L1 (the
// values are read again and again; only the divider and square-root unit
// works). Its throughput bounds the update from below as the streams do;
// the floors take the larger of the two. Reported per parameter.
constexpr std::size_t kRootsBlock = 1024;

// Compiled with -fno-math-errno (bench/CMakeLists.txt), so std::sqrt is the
// vector instruction itself.
#define OPTBENCH_ROOTS_BODY                   \
  for (std::size_t i = 0; i < n; ++i) {       \
    z[i] = std::sqrt(x[i]) / std::sqrt(y[i]); \
  }
OPTBENCH_TARGET_AVX512 __attribute__((noinline)) void roots_avx512(const float* __restrict x,
                                                                   const float* __restrict y,
                                                                   float* __restrict z,
                                                                   std::size_t n) {
  OPTBENCH_ROOTS_BODY
}
__attribute__((target("avx2"), noinline)) void roots_avx2(const float* __restrict x,
                                                          const float* __restrict y,
                                                          float* __restrict z, std::size_t n) {
  OPTBENCH_ROOTS_BODY
}
#undef OPTBENCH_ROOTS_BODY

void BM_limit_roots(benchmark::State& state) {
  constexpr std::size_t kRepeats = 160;  // 163,840 parameters a pass
  std::vector<float> x(kRootsBlock, 0.75f), y(kRootsBlock, 1.5f), z(kRootsBlock);
  const bool wide = optbench::cpu::runs(optbench::cpu::Isa::Avx512);
  for (auto _ : state) {
    for (std::size_t r = 0; r < kRepeats; ++r) {
      if (wide) {
        roots_avx512(x.data(), y.data(), z.data(), kRootsBlock);
      } else {
        roots_avx2(x.data(), y.data(), z.data(), kRootsBlock);
      }
      benchmark::ClobberMemory();
    }
  }
  state.counters["elements"] = static_cast<double>(kRepeats * kRootsBlock);
}
BENCHMARK(BM_limit_roots)->Unit(benchmark::kMicrosecond);

// Inflating Fashion-MNIST's four .gz files from memory into buffers of their
// size, with libdeflate (which the idx plugin uses for such files). Reading
// the files is left out: the page cache holds them after the first run.
void BM_limit_inflate_fashion_mnist(benchmark::State& state) {
  const char* env = std::getenv("OPTBENCH_FASHION_MNIST_DIR");
  const std::string dir = env != nullptr ? env : "/usr/share/datasets/fashion-mnist";
  std::vector<std::vector<unsigned char>> files;
  for (const char* stem : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
    std::ifstream in(dir + "/" + stem + ".gz", std::ios::binary);
    if (!in) {
      state.SkipWithError((dir + "/" + stem + ".gz: not found").c_str());
      return;
    }
    files.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::vector<std::vector<unsigned char>> out;
  double bytes = 0;
  for (const auto& f : files) {
    // The gzip trailer's last 4 bytes: the inflated size (these are < 4 GB).
    const std::size_t size = f[f.size() - 4] | (f[f.size() - 3] << 8) | (f[f.size() - 2] << 16) |
                             (std::size_t{f[f.size() - 1]} << 24);
    out.emplace_back(size);
    bytes += static_cast<double>(size);
  }
  libdeflate_decompressor* d = libdeflate_alloc_decompressor();
  for (auto _ : state) {
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (libdeflate_gzip_decompress(d, files[i].data(), files[i].size(), out[i].data(),
                                     out[i].size(), nullptr) != LIBDEFLATE_SUCCESS) {
        state.SkipWithError("libdeflate could not inflate a Fashion-MNIST file");
        break;
      }
    }
    benchmark::DoNotOptimize(out.front().data());
  }
  libdeflate_free_decompressor(d);
  state.counters["bytes"] = bytes;
}
BENCHMARK(BM_limit_inflate_fashion_mnist)->Unit(benchmark::kMillisecond);

}  // namespace
