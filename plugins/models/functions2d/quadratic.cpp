// f(x) = w0 x0^2 + w1 x1^2: the classic optimizer lab's 2-D function (w = [0.2, 2], start
// (3, 4)). Minimum 0 at the origin.
#include "function_model.hpp"

namespace {

class Quadratic final : public functions2d::FunctionModel {
 public:
  Quadratic(const optbench::ParamMap& params, const optbench::ModelContext& context)
      : FunctionModel(params, context) {
    const auto& w = optbench::Params(params).reals("weights");
    w_ = {w[0], w[1]};
  }
  static optbench::PluginInfo info() {
    return functions2d::make_info("quadratic", "w0*x0^2 + w1*x1^2, minimum 0 at (0, 0)",
                                  {{.name = "weights",
                                    .type = optbench::ParamType::RealList,
                                    .default_value = std::vector<double>{0.2, 2.0},
                                    .doc = "coefficients (w0, w1); both >= 0 for a bowl",
                                    .min = 0.0,
                                    .list_size = 2}},
                                  {3.0, 4.0}, {-5.0, 5.0, -5.0, 5.0});
  }
  std::array<double, 2> minimum() const override { return {0.0, 0.0}; }

 private:
  double f(functions2d::Point x) const override {
    return w_[0] * x[0] * x[0] + w_[1] * x[1] * x[1];
  }
  functions2d::Point gradient(functions2d::Point x) const override {
    return {2.0 * w_[0] * x[0], 2.0 * w_[1] * x[1]};
  }
  functions2d::Point w_{};
};

}  // namespace

OPTBENCH_MODEL_PLUGIN(Quadratic::info, functions2d::create<Quadratic>)
