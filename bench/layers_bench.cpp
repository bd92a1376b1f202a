// The newer layers against PyTorch (bench/layers_bench.py runs this and the
// torch side in one go): each layer's forward + backward on fixed shapes,
// and one step of the character LSTM language model (forward, per-token
// cross-entropy, backward, Adam). One thread, data made before timing.
#include <benchmark/benchmark.h>
#include <omp.h>

#include <cstdlib>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dnnl_helpers.hpp"
#include "layers.hpp"
#include "optbench/random.hpp"
#include "registry/registry.hpp"

namespace {

using namespace nn;

// The shapes, shared with layers_bench.py.
constexpr memory::dim kBatch = 64;
constexpr memory::dim kSeqBatch = 32, kSteps = 64, kVocab = 87, kEmbed = 32, kHidden = 128;

const optbench::registry::Registry& plugins() {
  static const optbench::registry::Registry r = [] {
    const char* dir = std::getenv("OPTBENCH_BENCH_PLUGIN_DIR");
    return optbench::registry::Registry::load({dir && *dir ? dir : OPTBENCH_BENCH_PLUGIN_DIR});
  }();
  return r;
}

std::vector<float> uniform(std::size_t n, std::uint64_t seed, double lo, double hi) {
  optbench::Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v)
    x = static_cast<float>(rng.uniform(lo, hi));
  return v;
}

/// One layer bound for a training step: forward then backward, as the
/// network runs them, with its input and upstream gradient made once.
void layer_step(benchmark::State& state, const Dims& dims,
                const std::function<std::unique_ptr<Layer>(const Dims&)>& make,
                bool token_ids = false, tag layout = tag::undef) {
  omp_set_num_threads(1);
  const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  dnnl::stream stream(engine);
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const Dims sample(dims.begin() + 1, dims.end());
  auto layer = make(sample);
  optbench::Rng rng(1);
  for (auto* p : layer->parameters()) {
    for (auto& v : p->value)
      v = p->kind == ParamKind::Buffer && p->name.ends_with("var")
              ? 1.0f
              : static_cast<float>(rng.uniform(-0.1, 0.1));
  }
  const BindContext ctx{engine, attr, dims[0], true, true};
  // A layout other than plain is what the layer before hands over in a
  // network (a convolution's blocked output); the values are random either way.
  const auto md = layout == tag::undef ? plain_desc(dims) : memory::desc(dims, f32, layout);
  const memory src(md, engine), diff_src(md, engine);
  const auto n = static_cast<std::size_t>(product(dims));
  auto x = token_ids ? uniform(n, 2, 0, kVocab) : uniform(n, 2, -1, 1);
  if (token_ids)
    for (auto& v : x)
      v = static_cast<float>(static_cast<int>(v));
  std::copy(x.begin(), x.end(), static_cast<float*>(src.get_data_handle()));
  Step step = layer->bind(ctx, src, token_ids ? nullptr : &diff_src);
  const auto r = uniform(step.diff_dst.get_desc().get_size() / sizeof(float), 3, -1, 1);
  std::copy(r.begin(), r.end(), static_cast<float*>(step.diff_dst.get_data_handle()));
  for (auto _ : state) {
    for (auto& op : step.forward)
      op.run(stream);
    for (auto& op : step.backward)
      op.run(stream);
    stream.wait();
  }
}

void BM_batchnorm2d(benchmark::State& s) {
  layer_step(s, {kBatch, 16, 24, 24}, [](const Dims& in) { return make_batch_norm(in, "bn"); });
}
void BM_batchnorm2d_blocked(benchmark::State& s) {
  layer_step(
      s, {kBatch, 16, 24, 24}, [](const Dims& in) { return make_batch_norm(in, "bn"); }, false,
      tag::nChw8c);
}
void BM_batchnorm1d(benchmark::State& s) {
  layer_step(s, {kBatch, 256}, [](const Dims& in) { return make_batch_norm(in, "bn"); });
}
void BM_dropout(benchmark::State& s) {
  layer_step(s, {kBatch, 4096}, [](const Dims& in) { return make_dropout(in, 0.25f, 7); });
}
void BM_avgpool2d(benchmark::State& s) {
  layer_step(s, {kBatch, 16, 24, 24}, [](const Dims& in) { return make_avg_pool2d(in, 2); });
}
void BM_tanh(benchmark::State& s) {
  layer_step(s, {kBatch, 4096},
             [](const Dims& in) { return make_activation(in, algorithm::eltwise_tanh); });
}
void BM_sigmoid(benchmark::State& s) {
  layer_step(s, {kBatch, 4096},
             [](const Dims& in) { return make_activation(in, algorithm::eltwise_logistic); });
}
void BM_gelu(benchmark::State& s) {
  layer_step(s, {kBatch, 4096},
             [](const Dims& in) { return make_activation(in, algorithm::eltwise_gelu_erf); });
}
void BM_embedding(benchmark::State& s) {
  layer_step(
      s, {kSeqBatch, kSteps},
      [](const Dims& in) { return make_embedding(in, kVocab, kEmbed, "emb"); }, true);
}
void BM_lstm(benchmark::State& s) {
  layer_step(s, {kSeqBatch, kSteps, kEmbed},
             [](const Dims& in) { return make_lstm(in, kHidden, 1, "lstm"); });
}
void BM_linear_per_step(benchmark::State& s) {
  layer_step(s, {kSeqBatch, kSteps, kHidden},
             [](const Dims& in) { return make_token_dense(in, kVocab, "fc"); });
}
BENCHMARK(BM_batchnorm2d)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_batchnorm2d_blocked)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_batchnorm1d)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_dropout)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_avgpool2d)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_tanh)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_sigmoid)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_gelu)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_embedding)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_lstm)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_linear_per_step)->Unit(benchmark::kMicrosecond);

// The suite's character model, as the sequential plugin builds it from the
// experiment file: embedding 32, LSTM 128, linear per step, per-token
// cross-entropy; one training step with Adam. 16 batches cycled.
void BM_lm_step(benchmark::State& state) {
  optbench::ModelContext context;
  context.data = optbench::DatasetInfo{optbench::Task::Classification,
                                       {static_cast<std::size_t>(kSteps)},
                                       static_cast<std::size_t>(kVocab),
                                       static_cast<std::size_t>(kSteps)};
  context.max_batch = kSeqBatch;
  context.threads = 1;
  auto model = plugins().make_model(
      "sequential", {{"layers", std::string("[embedding: 32, lstm: 128, linear]")}}, context);
  auto adam = plugins().make_optimizer("adam", {});
  adam->attach(model->parameters());
  constexpr std::size_t kPool = 16, per = kSeqBatch * kSteps;
  auto ids = uniform(kPool * per, 4, 0, kVocab), next = uniform(kPool * per, 5, 0, kVocab);
  for (auto* v : {&ids, &next})
    for (auto& x : *v)
      x = static_cast<float>(static_cast<int>(x));
  std::size_t k = 0;
  for (auto _ : state) {
    const std::size_t first = (k++ % kPool) * per;
    benchmark::DoNotOptimize(model->forward({ids.data() + first, next.data() + first, kSeqBatch}));
    model->backward();
    adam->step();
  }
}
BENCHMARK(BM_lm_step)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
