// Shared machinery of the 2-D test functions: one 2-element parameter "x",
// a start point (optionally jittered by the run's seed so that seeds differ),
// and the Surface2D the host samples for contour charts. A concrete function
// only supplies f, its gradient and its metadata.
#pragma once

#include <array>
#include <cmath>
#include <memory>
#include <string>
#include <vector>

#include "optbench/model.hpp"
#include "optbench/random.hpp"

namespace functions2d {

using Point = std::array<double, 2>;

/// The schema entries every 2-D function has, with that function's defaults.
inline std::vector<optbench::ParamSpec> common_schema(Point start, std::array<double, 4> window) {
  using optbench::ParamSpec;
  using optbench::ParamType;
  ParamSpec s{.name = "start",
              .type = ParamType::RealList,
              .default_value = std::vector<double>{start[0], start[1]},
              .doc = "initial point (x0, x1)",
              .list_size = 2};
  ParamSpec j{.name = "start_jitter",
              .type = ParamType::Real,
              .default_value = 0.0,
              .doc = "each start coordinate moves by U(-j, j) drawn from the run's seed",
              .min = 0.0};
  ParamSpec w{.name = "window",
              .type = ParamType::RealList,
              .default_value = std::vector<double>(window.begin(), window.end()),
              .doc = "chart window x0min, x0max, x1min, x1max",
              .list_size = 4};
  return {s, j, w};
}

/// A 2-D function as a model. Subclasses implement `f` and `gradient` in
/// double; the parameter itself is float32 like every other model's.
class FunctionModel : public optbench::Model, public optbench::Surface2D {
 public:
  FunctionModel(const optbench::ParamMap& params, const optbench::ModelContext& context) {
    const optbench::Params p(params);
    const auto& start = p.reals("start");
    const auto& window = p.reals("window");
    if (!(window[0] < window[1] && window[2] < window[3])) {
      throw std::invalid_argument("window: expected x0min < x0max and x1min < x1max");
    }
    window_ = {window[0], window[1], window[2], window[3]};
    optbench::Rng rng(context.seed);
    const double jitter = p.real("start_jitter");
    for (int k = 0; k < 2; ++k) {
      x_[k] = static_cast<float>(start[k] + (jitter > 0 ? rng.uniform(-jitter, jitter) : 0.0));
    }
    buffer_[0] = optbench::ParamBuffer{"x", x_.data(), grad_.data(), 2};
  }

  std::span<const optbench::ParamBuffer> parameters() override { return buffer_; }

  double forward(const optbench::Batch&) override { return f({x_[0], x_[1]}); }

  void backward() override {
    const Point g = gradient({x_[0], x_[1]});
    grad_[0] = static_cast<float>(g[0]);
    grad_[1] = static_cast<float>(g[1]);
  }

  optbench::Evaluation evaluate(const optbench::Batch&) override { return {f({x_[0], x_[1]}), 0}; }

  const optbench::Surface2D* surface() const override { return this; }
  double value(double x0, double x1) const override { return f({x0, x1}); }
  std::array<double, 4> plot_window() const override { return window_; }

 protected:
  virtual double f(Point x) const = 0;
  virtual Point gradient(Point x) const = 0;

 private:
  std::array<float, 2> x_{};
  std::array<float, 2> grad_{};
  std::array<optbench::ParamBuffer, 1> buffer_;
  std::array<double, 4> window_{};
};

/// Resolves the params and builds a T, as every function's factory does.
template <class T>
std::unique_ptr<optbench::Model> create(const optbench::ParamMap& params,
                                        const optbench::ModelContext& context) {
  const auto info = T::info();
  return std::make_unique<T>(optbench::resolve_params(info.name, info.schema, params), context);
}

inline optbench::PluginInfo make_info(std::string name, std::string description,
                                      std::vector<optbench::ParamSpec> own, Point start,
                                      std::array<double, 4> window) {
  for (auto& s : common_schema(start, window))
    own.push_back(std::move(s));
  return optbench::plugin_info(optbench::PluginKind::Model, std::move(name), "1.0.0",
                               std::move(description), std::move(own));
}

}  // namespace functions2d
