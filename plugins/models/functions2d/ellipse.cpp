// f(x, y) = x^2 / 20 + y^2: the classic optimizer lab's second comparison (start (-7, 2)),
// elongated so SGD zig-zags. Minimum 0 at the origin.
#include "function_model.hpp"

namespace {

class Ellipse final : public functions2d::FunctionModel {
 public:
  using FunctionModel::FunctionModel;
  static optbench::PluginInfo info() {
    return functions2d::make_info("ellipse", "x0^2/20 + x1^2, minimum 0 at (0, 0)", {}, {-7.0, 2.0},
                                  {-10.0, 10.0, -5.0, 5.0});
  }
  std::array<double, 2> minimum() const override { return {0.0, 0.0}; }

 private:
  double f(functions2d::Point x) const override { return x[0] * x[0] / 20.0 + x[1] * x[1]; }
  functions2d::Point gradient(functions2d::Point x) const override {
    return {x[0] / 10.0, 2.0 * x[1]};
  }
};

}  // namespace

OPTBENCH_MODEL_PLUGIN(Ellipse::info, functions2d::create<Ellipse>)
