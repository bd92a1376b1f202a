// f(x) = (a - x0)^2 + b (x1 - x0^2)^2: a curved valley that punishes fixed
// step sizes. Minimum 0 at (a, a^2).
#include "function_model.hpp"

namespace {

class Rosenbrock final : public functions2d::FunctionModel {
 public:
  Rosenbrock(const optbench::ParamMap& params, const optbench::ModelContext& context)
      : FunctionModel(params, context) {
    const optbench::Params p(params);
    a_ = p.real("a");
    b_ = p.real("b");
  }
  static optbench::PluginInfo info() {
    return functions2d::make_info("rosenbrock",
                                  "(a - x0)^2 + b (x1 - x0^2)^2, minimum 0 at (a, a^2)",
                                  {{.name = "a",
                                    .type = optbench::ParamType::Real,
                                    .default_value = 1.0,
                                    .doc = "valley position"},
                                   {.name = "b",
                                    .type = optbench::ParamType::Real,
                                    .default_value = 100.0,
                                    .doc = "valley steepness",
                                    .min = 0.0}},
                                  {-1.2, 1.0}, {-2.0, 2.0, -1.0, 3.0});
  }
  std::array<double, 2> minimum() const override { return {a_, a_ * a_}; }

 private:
  double f(functions2d::Point x) const override {
    const double u = a_ - x[0], v = x[1] - x[0] * x[0];
    return u * u + b_ * v * v;
  }
  functions2d::Point gradient(functions2d::Point x) const override {
    const double v = x[1] - x[0] * x[0];
    return {-2.0 * (a_ - x[0]) - 4.0 * b_ * x[0] * v, 2.0 * b_ * v};
  }
  double a_ = 1.0, b_ = 100.0;
};

}  // namespace

OPTBENCH_MODEL_PLUGIN(Rosenbrock::info, functions2d::create<Rosenbrock>)
