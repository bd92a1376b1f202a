// The classic optimizer lab's linear-fit data: X ~ N(0, 1), y = Xw + b + noise * U(0, 1).
// The noise is one-sided (U(0, 1), not N(0, 1)) because that is what the
// seed does, so the best fit has a bias of about noise / 2 even when b = 0.
#include <cstdint>
#include <vector>

#include "dataset_common.hpp"
#include "optbench/random.hpp"

namespace {

optbench::PluginInfo plugin_info() {
  using namespace datasets;
  return make_info(
      "synthetic_linear",
      "X ~ N(0,1), y = Xw + b + noise*U(0,1) (the classic optimizer lab's linear fit)",
      {
          int_spec("samples", 1000, "rows generated in total (train + test)", 1),
          {.name = "weights",
           .type = optbench::ParamType::RealList,
           .default_value = std::vector<double>{0.5, 0.8},
           .doc = "true weights w; the feature count is the list's length"},
          real_spec("bias", 0.0, "true bias b"),
          real_spec("noise", 0.01,
                    "scale of the one-sided noise noise*U(0,1) added to every target", 0.0),
          test_fraction_spec(
              0.0, "fraction of the rows (the last floor(samples*f)) held out as the test split"),
      });
}

std::unique_ptr<optbench::Dataset> make(const optbench::ParamMap& given,
                                        const optbench::DatasetContext& context) {
  const auto info = plugin_info();
  const optbench::ResolvedParams p(info, given);
  const auto n = static_cast<std::size_t>(p.integer("samples"));
  const auto& w = p.reals("weights");
  const double b = p.real("bias");
  const double noise = p.real("noise");
  const std::size_t d = w.size();
  // floor keeps at least one training row, since the fraction is < 1.
  const auto n_test = static_cast<std::size_t>(static_cast<double>(n) * p.real("test_fraction"));

  // All of X first, then all the noise, in the lab's order (randn, then
  // rand), so that changing `noise` alone leaves X unchanged.
  optbench::Rng rng(context.seed);
  std::vector<float> x(n * d);
  for (auto& v : x)
    v = static_cast<float>(rng.normal());
  // y comes from the float32 X that the model will see, so that
  // y - Xw - b lies in [0, noise] up to rounding y itself to float32.
  std::vector<float> y(n);
  for (std::size_t i = 0; i < n; ++i) {
    double dot = b;
    for (std::size_t j = 0; j < d; ++j)
      dot += static_cast<double>(x[i * d + j]) * w[j];
    y[i] = static_cast<float>(dot + noise * rng.uniform());
  }
  return std::make_unique<datasets::DenseRegression>(info.name, d, std::move(x), std::move(y),
                                                     n - n_test);
}

}  // namespace

OPTBENCH_DATASET_PLUGIN(plugin_info, make)
