// f(x) = x0^2 + x1^2 + x1^3 + x0*x1: the classic optimizer lab's 3-D comparison. It is
// unbounded below (x1 -> -inf); its local minimum is 0 at the origin (the
// Hessian there, [[2, 1], [1, 2]], is positive definite), which is what the
// lab's optimizers converge to from a nearby start.
#include "function_model.hpp"

namespace {

class Cubic final : public functions2d::FunctionModel {
 public:
  using FunctionModel::FunctionModel;
  static optbench::PluginInfo info() {
    return functions2d::make_info("cubic", "x0^2 + x1^2 + x1^3 + x0*x1, local minimum 0 at (0, 0)",
                                  {}, {2.0, 2.0}, {-3.0, 3.0, -3.0, 3.0});
  }
  std::array<double, 2> minimum() const override { return {0.0, 0.0}; }

 private:
  double f(functions2d::Point x) const override {
    return x[0] * x[0] + x[1] * x[1] + x[1] * x[1] * x[1] + x[0] * x[1];
  }
  functions2d::Point gradient(functions2d::Point x) const override {
    return {2.0 * x[0] + x[1], 2.0 * x[1] + 3.0 * x[1] * x[1] + x[0]};
  }
};

}  // namespace

OPTBENCH_MODEL_PLUGIN(Cubic::info, functions2d::create<Cubic>)
