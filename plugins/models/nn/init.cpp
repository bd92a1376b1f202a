#include "init.hpp"

#include <algorithm>
#include <cmath>

namespace nn {

void init_torch(const std::vector<Parameter*>& params, optbench::Rng& rng) {
  for (auto* p : params) {
    switch (p->init) {
      case Init::TorchUniform: {
        const double bound = 1.0 / std::sqrt(static_cast<double>(p->fan_in));
        for (auto& v : p->value)
          v = static_cast<float>(rng.uniform(-bound, bound));
        break;
      }
      case Init::StandardNormal:
        for (auto& v : p->value)
          v = static_cast<float>(rng.normal());
        break;
      case Init::Zeros:
        std::fill(p->value.begin(), p->value.end(), 0.0f);
        break;
      case Init::Ones:
        std::fill(p->value.begin(), p->value.end(), 1.0f);
        break;
    }
  }
}

}  // namespace nn
