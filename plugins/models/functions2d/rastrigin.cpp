// f(x) = 2A + sum(x_i^2 - A cos(2 pi x_i)): many local minima on a bowl.
// Global minimum 0 at the origin.
#include <numbers>

#include "function_model.hpp"

namespace {

class Rastrigin final : public functions2d::FunctionModel {
 public:
  Rastrigin(const optbench::ParamMap& params, const optbench::ModelContext& context)
      : FunctionModel(params, context), a_(optbench::Params(params).real("A")) {}
  static optbench::PluginInfo info() {
    return functions2d::make_info("rastrigin",
                                  "2A + sum(x_i^2 - A cos(2 pi x_i)), minimum 0 at (0, 0)",
                                  {{.name = "A",
                                    .type = optbench::ParamType::Real,
                                    .default_value = 10.0,
                                    .doc = "amplitude of the ripples",
                                    .min = 0.0}},
                                  {2.2, -1.7}, {-5.12, 5.12, -5.12, 5.12});
  }
  std::array<double, 2> minimum() const override { return {0.0, 0.0}; }

 private:
  static constexpr double kTwoPi = 2.0 * std::numbers::pi;
  double f(functions2d::Point x) const override {
    double sum = 2.0 * a_;
    for (double xi : x)
      sum += xi * xi - a_ * std::cos(kTwoPi * xi);
    return sum;
  }
  functions2d::Point gradient(functions2d::Point x) const override {
    return {2.0 * x[0] + a_ * kTwoPi * std::sin(kTwoPi * x[0]),
            2.0 * x[1] + a_ * kTwoPi * std::sin(kTwoPi * x[1])};
  }
  double a_;
};

}  // namespace

OPTBENCH_MODEL_PLUGIN(Rastrigin::info, functions2d::create<Rastrigin>)
