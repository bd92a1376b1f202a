// Single oneDNN layers against PyTorch 1.13: forward output, input gradient,
// parameter gradients and running statistics on fixed inputs (the LSTM, 1
// and 2 layers, the embedding and the linear layer on every step too, and a
// whole character model with its per-token cross-entropy), from
// tests/golden/nn_layers.csv (written by tests/golden/gen_layer_golden.py,
// whose docstring gives the closed forms rebuilt here). Dropout, whose masks
// torch draws from its own generator, is checked by its defining properties.
//
// Tolerance: every element within 1e-5 + 1e-4 |expected|. The values are
// O(1) float32 results of a few dozen operations (a channel's mean and
// variance at most); a wrong normalization axis, biased for unbiased
// variance, or a gradient missing its mean terms is off by 1e-2 or more.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "dnnl_helpers.hpp"
#include "init.hpp"
#include "layers.hpp"
#include "net_model.hpp"
#include "test_support.hpp"

namespace nn {
namespace {

using Quantities = std::map<std::string, std::vector<double>>;

const std::map<std::string, Quantities>& golden() {
  static const auto table = [] {
    std::map<std::string, Quantities> out;
    const auto rows = optbench::testing::parse_csv(
        optbench::testing::read_file(OPTBENCH_TEST_SOURCE_DIR "/tests/golden/nn_layers.csv"));
    EXPECT_GT(rows.size(), 1u) << "tests/golden/nn_layers.csv is missing or empty";
    for (std::size_t r = 1; r < rows.size(); ++r) {
      const auto& row = rows[r];  // case, quantity, index, value
      auto& v = out[row.at(0)][row.at(1)];
      EXPECT_EQ(std::stoul(row.at(2)), v.size()) << row[0] << " " << row[1];
      v.push_back(std::stod(row.at(3)));
    }
    return out;
  }();
  return table;
}

template <class F>
std::vector<float> closed(std::size_t n, F f) {
  std::vector<float> v(n);
  for (std::size_t j = 0; j < n; ++j)
    v[j] = static_cast<float>(f(static_cast<double>(j)));
  return v;
}

std::vector<float> input(std::size_t n) {
  return closed(n, [](double j) { return std::sin(0.37 * j + 0.1) * 2; });
}
std::vector<float> upstream(std::size_t n) {
  return closed(n, [](double j) { return std::cos(0.11 * j + 0.3); });
}

void expect_close(const std::string& what, const std::vector<float>& got,
                  const std::vector<double>& want) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int shown = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double tol = 1e-5 + 1e-4 * std::abs(want[i]);
    if (std::abs(got[i] - want[i]) > tol && shown++ < 5) {
      ADD_FAILURE() << what << "[" << i << "] = " << got[i] << ", PyTorch " << want[i];
    }
  }
}

/// Binds one layer for a batch, runs forward on `x` and backward from `r`,
/// and reads back output and input gradient in plain row-major order.
struct Harness {
  dnnl::engine engine{dnnl::engine::kind::cpu, 0};
  dnnl::stream stream{engine};
  dnnl::primitive_attr attr;
  Harness() { attr.set_scratchpad_mode(dnnl::scratchpad_mode::user); }

  std::vector<float> read(const memory& m) {
    const memory plain_m(plain_desc(m.get_desc().dims()), engine);
    dnnl::reorder(m, plain_m).execute(stream, const_cast<memory&>(m), const_cast<memory&>(plain_m));
    stream.wait();
    const auto* p = static_cast<const float*>(plain_m.get_data_handle());
    return {p, p + product(m.get_desc().dims())};
  }

  std::pair<std::vector<float>, std::vector<float>> run(Layer& layer, const Dims& dims,
                                                        bool train_mode,
                                                        const std::vector<float>& x) {
    const BindContext ctx{engine, attr, dims[0], true, train_mode};
    const memory src(plain_desc(dims), engine), diff_src(plain_desc(dims), engine);
    std::copy(x.begin(), x.end(), static_cast<float*>(src.get_data_handle()));
    Step step = layer.bind(ctx, src, &diff_src);
    for (auto& op : step.forward)
      op.run(stream);
    stream.wait();
    const auto y = read(step.dst);
    const auto r = upstream(y.size());
    const memory r_plain(plain_desc(step.diff_dst.get_desc().dims()), engine);
    std::copy(r.begin(), r.end(), static_cast<float*>(r_plain.get_data_handle()));
    dnnl::reorder(r_plain, step.diff_dst)
        .execute(stream, const_cast<memory&>(r_plain), step.diff_dst);
    for (auto& op : step.backward)
      op.run(stream);
    stream.wait();
    return {y, read(diff_src)};
  }
};

std::string suffix(const std::string& name) {
  return name.substr(name.find('.') + 1);
}

struct Case {
  std::string name;
  Dims dims;  ///< with the batch
  std::function<std::unique_ptr<Layer>(const Dims& sample)> make;
  bool train_mode = true;
  /// Sequence layers: parameters from sequence_param(), and for an
  /// embedding (vocab > 0) token ids instead of x and no input gradient.
  bool sequence = false;
  memory::dim vocab = 0;
};

/// Parameter k of a sequence layer, in named_parameters() order.
std::vector<float> sequence_param(std::size_t n, std::size_t k) {
  return closed(n, [k](double j) { return 0.3 * std::sin(0.29 * j + 0.5 * double(k) + 0.1); });
}

std::vector<float> token_ids(std::size_t n, memory::dim vocab) {
  return closed(n, [vocab](double j) { return std::fmod(j * 7 + 3, double(vocab)); });
}

void PrintTo(const Case& c, std::ostream* os) {
  *os << c.name;
}

class LayerGolden : public ::testing::TestWithParam<Case> {};

TEST_P(LayerGolden, ForwardAndBackwardMatchPyTorch) {
  const Case& c = GetParam();
  ASSERT_TRUE(golden().count(c.name)) << c.name << " has no golden rows";
  const auto& want = golden().at(c.name);
  const Dims sample(c.dims.begin() + 1, c.dims.end());
  auto layer = c.make(sample);

  // Each tensor from its Init rule first (running statistics 0 and 1, as
  // torch starts them), then the closed forms the generator set.
  optbench::Rng rng(1);
  init_torch(layer->parameters(), rng);
  std::size_t k = 0;
  for (auto* p : layer->parameters()) {
    const auto n = p->value.size();
    const auto s = suffix(p->name);
    if (c.sequence) {
      p->value = sequence_param(n, k++);
      continue;
    }
    if (s == "weight")
      p->value = closed(n, [](double i) { return 1 + 0.5 * std::sin(1.3 * i + 0.2); });
    if (s == "bias") p->value = closed(n, [](double i) { return 0.5 * std::sin(0.9 * i + 0.4); });
    if (!c.train_mode && s == "running_mean") {
      p->value = closed(n, [](double i) { return 0.2 * std::sin(0.7 * i + 0.5); });
    }
    if (!c.train_mode && s == "running_var") {
      p->value = closed(n, [](double i) { return 1 + 0.5 * std::pow(std::sin(0.6 * i + 0.1), 2); });
    }
  }

  Harness h;
  const auto n = static_cast<std::size_t>(product(c.dims));
  const auto [y, dx] =
      h.run(*layer, c.dims, c.train_mode, c.vocab ? token_ids(n, c.vocab) : input(n));
  expect_close("y", y, want.at("y"));
  std::size_t compared = 1;
  if (!c.vocab) {
    expect_close("dx", dx, want.at("dx"));
    ++compared;
  }
  for (auto* p : layer->parameters()) {
    const auto s = suffix(p->name);
    if (p->kind == ParamKind::Trainable) {
      ASSERT_TRUE(want.count(s + ".grad")) << p->name;
      expect_close(p->name + ".grad", p->grad, want.at(s + ".grad"));
      ++compared;
    } else if (want.count(s)) {
      expect_close(p->name, p->value, want.at(s));
      ++compared;
    }
  }
  // Every quantity the generator recorded was compared.
  EXPECT_EQ(compared, want.size());
}

std::function<std::unique_ptr<Layer>(const Dims&)> activation(dnnl::algorithm kind) {
  return [kind](const Dims& in) { return make_activation(in, kind); };
}

const auto batch_norm = [](const Dims& in) { return make_batch_norm(in, "bn"); };

INSTANTIATE_TEST_SUITE_P(
    Layers, LayerGolden,
    ::testing::Values(
        Case{"batchnorm2d_train", {4, 3, 5, 5}, batch_norm},
        Case{"batchnorm2d_eval", {4, 3, 5, 5}, batch_norm, false},
        Case{"batchnorm1d_train", {6, 5}, batch_norm},
        Case{"batchnorm1d_eval", {6, 5}, batch_norm, false},
        Case{"avgpool2d", {2, 3, 7, 6}, [](const Dims& in) { return make_avg_pool2d(in, 2); }},
        Case{"avgpool2d_k3", {2, 2, 9, 9}, [](const Dims& in) { return make_avg_pool2d(in, 3); }},
        Case{"tanh", {3, 10}, activation(dnnl::algorithm::eltwise_tanh)},
        Case{"sigmoid", {3, 10}, activation(dnnl::algorithm::eltwise_logistic)},
        Case{"gelu", {3, 10}, activation(dnnl::algorithm::eltwise_gelu_erf)},
        Case{"relu", {3, 10}, activation(dnnl::algorithm::eltwise_relu)},
        Case{"lstm",
             {3, 5, 4},
             [](const Dims& in) { return make_lstm(in, 6, 1, "lstm"); },
             true,
             true},
        Case{"lstm_2layers",
             {3, 5, 4},
             [](const Dims& in) { return make_lstm(in, 6, 2, "lstm"); },
             true,
             true},
        Case{"lstm_1step",
             {2, 1, 3},
             [](const Dims& in) { return make_lstm(in, 5, 1, "lstm"); },
             true,
             true},
        Case{"lstm_wide",
             {3, 5, 4},
             [](const Dims& in) { return make_lstm(in, 19, 2, "lstm"); },
             true,
             true},
        Case{"linear_per_step",
             {3, 5, 6},
             [](const Dims& in) { return make_token_dense(in, 4, "fc"); },
             true,
             true},
        Case{"embedding",
             {3, 5},
             [](const Dims& in) { return make_embedding(in, 11, 4, "emb"); },
             true,
             true,
             11}),
    [](const auto& test) { return test.param.name; });

// A character model end to end: embedding, a 2-layer LSTM and a linear
// layer on every step, cross-entropy over every step of every sequence.
// Its mean loss, logits and every gradient against torch's.
TEST(LanguageModel, PerTokenCrossEntropyAndEveryGradientMatchPyTorch) {
  const auto& want = golden().at("lm");
  const memory::dim vocab = 13, steps = 6;
  const std::size_t batch = 3, n = batch * steps;
  auto net = std::make_unique<Network>(Dims{steps}, 1);
  net->add(make_embedding(net->shape(), vocab, 5, "emb"));
  net->add(make_lstm(net->shape(), 7, 2, "lstm"));
  net->add(make_token_dense(net->shape(), vocab, "fc"));
  net->finish(Loss::CrossEntropy, batch);
  // Each module's parameters numbered from 0, as the generator does; copied
  // into place, since the training plan holds the tensors' addresses.
  std::map<std::string, std::size_t> next;
  for (auto* p : net->parameters()) {
    const auto module = p->name.substr(0, p->name.find('.'));
    const auto v = sequence_param(p->value.size(), next[module]++);
    std::copy(v.begin(), v.end(), p->value.begin());
  }
  const auto ids = token_ids(n, vocab);
  const auto targets = closed(n, [&](double j) { return std::fmod(j * 5 + 1, double(vocab)); });
  const double loss = net->forward({ids.data(), targets.data(), batch});
  EXPECT_NEAR(loss, want.at("loss")[0], 1e-5 + 1e-4 * want.at("loss")[0]);
  net->backward();
  std::size_t compared = 1;
  for (auto* p : net->parameters()) {
    ASSERT_TRUE(want.count(p->name + ".grad")) << p->name;
    expect_close(p->name + ".grad", p->grad, want.at(p->name + ".grad"));
    ++compared;
  }
  EXPECT_EQ(compared, want.size());
  net->set_training(false);
  const auto e = net->evaluate({ids.data(), targets.data(), batch});
  // The inference primitives may round differently from the training ones.
  EXPECT_NEAR(e.loss, loss, 1e-6);
}

TEST(Dropout, EvalModePassesValuesAndGradientsUnchanged) {
  auto layer = make_dropout({1000}, 0.25f, 7);
  Harness h;
  const auto x = input(4000);
  const auto [y, dx] = h.run(*layer, {4, 1000}, false, x);
  EXPECT_EQ(y, x);
  EXPECT_EQ(dx, upstream(4000));
}

TEST(Dropout, TrainModeKeepsThreeQuartersScaledAndRoutesGradientThroughTheSameMask) {
  const float p = 0.25f, scale = 1.0f / (1.0f - p);
  auto layer = make_dropout({1000}, p, 7);
  Harness h;
  const auto x = input(4000);
  const auto r = upstream(4000);
  const auto [y, dx] = h.run(*layer, {4, 1000}, true, x);
  std::size_t dropped = 0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (y[i] == 0.0f) {
      ++dropped;
      EXPECT_EQ(dx[i], 0.0f) << i;
    } else {
      EXPECT_EQ(y[i], x[i] * scale) << i;
      EXPECT_EQ(dx[i], r[i] * scale) << i;
    }
  }
  // Binomial(4000, 0.25): mean 1000, sd 27; +-150 is over 5 sd.
  EXPECT_NEAR(static_cast<double>(dropped), 1000.0, 150.0);

  // The same seed gives the same mask; the next step a new one.
  auto twin = make_dropout({1000}, p, 7);
  EXPECT_EQ(h.run(*twin, {4, 1000}, true, x).first, y);
  EXPECT_NE(h.run(*layer, {4, 1000}, true, x).first, y);
}

TEST(Dropout, RejectsAProbabilityOutsideZeroToOne) {
  EXPECT_THROW(make_dropout({10}, 1.0f, 0), std::invalid_argument);
  EXPECT_THROW(make_dropout({10}, -0.1f, 0), std::invalid_argument);
}

// A conv -> batchnorm -> ReLU -> dense network: batch normalization reads
// the convolution's blocked layout; the optimizer sees the trainable tensors
// only; running statistics move in a training forward, not in an evaluation,
// and eval mode normalizes with them.
TEST(BatchNormInNetwork, RunningStatisticsAreBuffersUpdatedOnlyByTrainingForwards) {
  auto net = std::make_unique<Network>(Dims{3, 8, 8}, 1);
  net->conv2d(16, 3, "conv1");
  net->add(make_batch_norm(net->shape(), "bn1"));
  net->activation(dnnl::algorithm::eltwise_relu).dense(4, "fc");
  net->finish(Loss::CrossEntropy, 8);
  optbench::Rng rng(3);
  net->init_torch(rng);
  NetModel model(std::move(net));

  std::vector<std::string> names, buffer_names;
  for (const auto& p : model.parameters()) {
    names.push_back(p.name);
    EXPECT_NE(p.grad, nullptr) << p.name;
  }
  for (const auto& b : model.buffers()) {
    buffer_names.push_back(b.name);
    EXPECT_EQ(b.grad, nullptr) << b.name;
  }
  EXPECT_EQ(names, (std::vector<std::string>{"conv1.weight", "conv1.bias", "bn1.weight", "bn1.bias",
                                             "fc.weight", "fc.bias"}));
  EXPECT_EQ(buffer_names, (std::vector<std::string>{"bn1.running_mean", "bn1.running_var"}));

  const auto x = input(8 * 3 * 8 * 8);
  const std::vector<float> labels{0, 1, 2, 3, 0, 1, 2, 3};
  const optbench::Batch batch{x.data(), labels.data(), 8};
  const auto buffers = model.buffers();
  const std::vector<float> mean0(buffers[0].value, buffers[0].value + 16);
  EXPECT_EQ(mean0, std::vector<float>(16, 0.0f));

  const auto train_eval = model.evaluate(batch);  // train mode: batch statistics
  EXPECT_EQ(std::vector<float>(buffers[0].value, buffers[0].value + 16), mean0);
  model.forward(batch);
  model.backward();
  const std::vector<float> mean1(buffers[0].value, buffers[0].value + 16);
  EXPECT_NE(mean1, mean0);
  model.set_training(false);
  const auto eval = model.evaluate(batch);
  EXPECT_EQ(std::vector<float>(buffers[0].value, buffers[0].value + 16), mean1);
  // Running statistics after one step (0.9 * 0 + 0.1 * mean) are not the
  // batch's: the two modes score the batch differently.
  EXPECT_GT(std::abs(eval.loss - train_eval.loss), 1e-3);
  for (const auto& p : model.parameters()) {
    double norm = 0;
    for (std::size_t i = 0; i < p.n; ++i)
      norm += std::abs(p.grad[i]);
    EXPECT_GT(norm, 0.0) << p.name << " got no gradient through batch normalization";
  }
}

}  // namespace
}  // namespace nn
