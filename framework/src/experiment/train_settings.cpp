#include "experiment/train_settings.hpp"

#include <type_traits>

namespace optbench::experiment {

const std::vector<TrainSetting>& train_settings() {
  static const std::vector<TrainSetting> settings = [] {
    const TrainSettings d;
    return std::vector<TrainSetting>{
        {{.name = "steps",
          .type = ParamType::Int,
          .default_value = d.steps,
          .doc = "optimizer steps for models without data (2-D functions)",
          .min = 1,
          .max = static_cast<double>(kMaxSteps)},
         &TrainSettings::steps},
        {{.name = "epochs",
          .type = ParamType::Int,
          .default_value = d.epochs,
          .doc = "passes over the training split",
          .min = 1,
          .max = static_cast<double>(kMaxEpochs)},
         &TrainSettings::epochs},
        {{.name = "batch_size",
          .type = ParamType::Int,
          .default_value = d.batch_size,
          .doc = "samples per step",
          .min = 1,
          .max = 1 << 20},
         &TrainSettings::batch_size},
        {{.name = "shuffle",
          .type = ParamType::Bool,
          .default_value = d.shuffle,
          .doc = "reshuffle the training split every epoch from the run's seed"},
         &TrainSettings::shuffle},
        {{.name = "record_every",
          .type = ParamType::Int,
          .default_value = d.record_every,
          .doc = "store every k-th step's loss",
          .min = 1},
         &TrainSettings::record_every},
        {{.name = "diverge_above",
          .type = ParamType::Real,
          .default_value = d.diverge_above,
          .doc = "a loss above this, or not finite, ends the run as diverged",
          .min = 0.0,
          .min_exclusive = true},
         &TrainSettings::diverge_above},
        {{.name = "timeout",
          .type = ParamType::Real,
          .default_value = d.timeout,
          .doc = "seconds before the run's worker process is killed and the run failed (0: none)",
          .min = 0.0},
         &TrainSettings::timeout,
         false},
    };
  }();
  return settings;
}

ParamMap TrainSettings::as_params() const {
  ParamMap out;
  for (const auto& s : train_settings()) {
    if (!s.in_hash) continue;
    std::visit([&](auto member) { out[s.spec.name] = this->*member; }, s.member);
  }
  return out;
}

void TrainSettings::apply(const std::map<std::string, ParamValue>& values) {
  for (const auto& s : train_settings()) {
    const auto it = values.find(s.spec.name);
    if (it == values.end()) continue;
    std::visit(
        [&](auto member) {
          using T = std::remove_reference_t<decltype(this->*member)>;
          this->*member = std::get<T>(it->second);
        },
        s.member);
  }
}

}  // namespace optbench::experiment
