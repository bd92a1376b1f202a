#include "experiment/train_settings.hpp"

#include <limits>
#include <string>
#include <type_traits>
#include <utility>

namespace optbench::experiment {

namespace {

/// The setting read into `member`: its type is the member's, its default
/// the member's value in TrainSettings{}.
template <class T>
TrainSetting setting(std::string name, T TrainSettings::*member, std::string doc,
                     double min = -std::numeric_limits<double>::infinity(),
                     double max = std::numeric_limits<double>::infinity()) {
  static const TrainSettings defaults;
  const ParamType type = std::is_same_v<T, bool>     ? ParamType::Bool
                         : std::is_same_v<T, double> ? ParamType::Real
                                                     : ParamType::Int;
  return {{.name = std::move(name),
           .type = type,
           .default_value = defaults.*member,
           .doc = std::move(doc),
           .min = min,
           .max = max},
          member};
}

}  // namespace

const std::vector<TrainSetting>& train_settings() {
  static const std::vector<TrainSetting> settings = [] {
    auto diverge_above = setting("diverge_above", &TrainSettings::diverge_above,
                                 "a loss above this, or not finite, ends the run as diverged", 0.0);
    diverge_above.spec.min_exclusive = true;
    auto timeout = setting(
        "timeout", &TrainSettings::timeout,
        "seconds before the run's worker process is killed and the run failed (0: none)", 0.0);
    timeout.in_hash = false;
    return std::vector<TrainSetting>{
        setting("steps", &TrainSettings::steps,
                "optimizer steps for models without data (2-D functions)", 1,
                static_cast<double>(kMaxSteps)),
        setting("epochs", &TrainSettings::epochs, "passes over the training split", 1,
                static_cast<double>(kMaxEpochs)),
        setting("batch_size", &TrainSettings::batch_size, "samples per step", 1, 1 << 20),
        setting("shuffle", &TrainSettings::shuffle,
                "reshuffle the training split every epoch from the run's seed"),
        setting("record_every", &TrainSettings::record_every, "store every k-th step's loss", 1),
        std::move(diverge_above),
        std::move(timeout),
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
