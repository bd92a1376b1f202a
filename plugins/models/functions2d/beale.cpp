// Beale's function: flat plateaus and steep ridges. Minimum 0 at (3, 0.5).
#include "function_model.hpp"

namespace {

class Beale final : public functions2d::FunctionModel {
 public:
  using FunctionModel::FunctionModel;
  static optbench::PluginInfo info() {
    return functions2d::make_info(
        "beale",
        "(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2, minimum 0 at (3, 0.5)", {},
        {1.0, 1.5}, {-4.5, 4.5, -4.5, 4.5});
  }
  std::array<double, 2> minimum() const override { return {3.0, 0.5}; }

 private:
  static constexpr double kC[3] = {1.5, 2.25, 2.625};
  double f(functions2d::Point p) const override {
    const double x = p[0], y = p[1];
    double sum = 0.0, yk = y;
    for (double c : kC) {
      const double r = c - x + x * yk;
      sum += r * r;
      yk *= y;
    }
    return sum;
  }
  functions2d::Point gradient(functions2d::Point p) const override {
    const double x = p[0], y = p[1];
    double gx = 0.0, gy = 0.0, yk = y, ykm1 = 1.0;
    for (int k = 1; k <= 3; ++k) {
      const double r = kC[k - 1] - x + x * yk;
      gx += 2.0 * r * (yk - 1.0);
      gy += 2.0 * r * x * k * ykm1;
      ykm1 = yk;
      yk *= y;
    }
    return {gx, gy};
  }
};

}  // namespace

OPTBENCH_MODEL_PLUGIN(Beale::info, functions2d::create<Beale>)
