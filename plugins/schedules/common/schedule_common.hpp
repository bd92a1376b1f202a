// Code shared by the built-in schedule plugins: schema entries, metadata and
// the two annealing curves. Every schedule is the closed form of its
// torch.optim.lr_scheduler 1.13 namesake. torch computes most of them
// recursively (each lr from the previous one); the closed forms are the same
// functions of the step, and the golden test holds them to torch's values.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "optbench/plugin.hpp"
#include "optbench/resolved_params.hpp"
#include "optbench/schedule.hpp"

namespace optbench::schedules {

inline ParamSpec real_spec(std::string name, double default_value, std::string doc,
                           double min = -std::numeric_limits<double>::infinity(),
                           double max = std::numeric_limits<double>::infinity(),
                           bool min_exclusive = false) {
  return {.name = std::move(name),
          .type = ParamType::Real,
          .default_value = default_value,
          .doc = std::move(doc),
          .min = min,
          .max = max,
          .min_exclusive = min_exclusive};
}

/// A real number the user must give (torch has no default for it either).
inline ParamSpec required_real_spec(std::string name, std::string doc, double min,
                                    bool min_exclusive = false) {
  auto spec = real_spec(std::move(name), 0.0, std::move(doc), min,
                        std::numeric_limits<double>::infinity(), min_exclusive);
  spec.required = true;
  return spec;
}

inline ParamSpec int_spec(std::string name, std::int64_t default_value, std::string doc,
                          double min) {
  return {.name = std::move(name),
          .type = ParamType::Int,
          .default_value = default_value,
          .doc = std::move(doc),
          .min = min};
}

/// An integer the user must give (torch has no default for it either).
inline ParamSpec required_int_spec(std::string name, std::string doc, double min) {
  auto spec = int_spec(std::move(name), 0, std::move(doc), min);
  spec.required = true;
  return spec;
}

inline ParamSpec bool_spec(std::string name, bool default_value, std::string doc) {
  return {.name = std::move(name),
          .type = ParamType::Bool,
          .default_value = default_value,
          .doc = std::move(doc)};
}

inline PluginInfo make_info(std::string name, std::string description,
                            std::vector<ParamSpec> schema) {
  return plugin_info(PluginKind::Schedule, std::move(name), "1.0.0", std::move(description),
                     std::move(schema));
}

/// torch's `_annealing_cos`: from `start` at pct 0 to `end` at pct 1.
inline double anneal_cos(double start, double end, double pct) {
  const double cos_out = std::cos(std::numbers::pi * pct) + 1.0;
  return end + (start - end) / 2.0 * cos_out;
}

/// torch's `_annealing_linear`.
inline double anneal_linear(double start, double end, double pct) {
  return (end - start) * pct + start;
}

/// CosineAnnealingLR at step t: a half cosine from `base` down to `eta_min`
/// over `t_max` steps, then back up, with period 2 * t_max.
inline double cosine_lr(double base, double eta_min, std::int64_t t_max, std::int64_t t) {
  return eta_min + (base - eta_min) *
                       (1.0 + std::cos(std::numbers::pi * static_cast<double>(t) /
                                       static_cast<double>(t_max))) /
                       2.0;
}

/// A rates value with only the lr changed.
inline Rates with_lr(const Rates& base, double lr) {
  Rates r = base;
  r.lr = lr;
  return r;
}

/// A schedule that changes only the lr, to `rule(t, lr)` at step (or epoch)
/// t from the optimizer's own lr; the momentum stays the optimizer's. Most of
/// torch's schedulers are one such rule.
template <class LrRule>
class LrSchedule final : public Schedule {
 public:
  explicit LrSchedule(LrRule rule) : rule_(std::move(rule)) {}
  Rates at(std::int64_t t, const Rates& base) const override {
    return with_lr(base, rule_(t, base.lr));
  }

 private:
  LrRule rule_;
};

/// The plugin's schedule from a rule `(std::int64_t t, double lr) -> double`.
template <class LrRule>
std::unique_ptr<Schedule> lr_schedule(LrRule rule) {
  return std::make_unique<LrSchedule<LrRule>>(std::move(rule));
}

}  // namespace optbench::schedules
