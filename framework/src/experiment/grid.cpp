#include "experiment/grid.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <set>

#include "experiment/identity.hpp"
#include "optbench/random.hpp"
#include "util/json.hpp"

namespace optbench::experiment {

namespace {

std::size_t saturating_mul(std::size_t a, std::size_t b) {
  if (a != 0 && b > std::numeric_limits<std::size_t>::max() / a) {
    return std::numeric_limits<std::size_t>::max();
  }
  return a * b;
}

std::size_t saturating_add(std::size_t a, std::size_t b) {
  return b > std::numeric_limits<std::size_t>::max() - a ? std::numeric_limits<std::size_t>::max()
                                                         : a + b;
}

std::size_t cells(const PluginEntry& e) {
  std::size_t n = 1;
  for (const auto& axis : e.axes)
    n = saturating_mul(n, axis.values.size());
  if (e.schedule) {
    for (const auto& axis : e.schedule->axes)
      n = saturating_mul(n, axis.values.size());
  }
  return n;
}

std::size_t cells(const std::vector<PluginEntry>& entries) {
  std::size_t n = 0;
  for (const auto& e : entries)
    n = saturating_add(n, cells(e));
  return n;
}

/// Configurations of the optimizer entries: the grid's, or the search's
/// budget for every entry.
std::size_t optimizer_cells(const ExperimentSpec& spec) {
  if (!spec.search) return cells(spec.optimizers);
  return saturating_mul(spec.optimizers.size(), static_cast<std::size_t>(spec.search->budget));
}

}  // namespace

std::vector<std::int64_t> rung_epochs(std::int64_t epochs, const SearchSpec& search) {
  // From the top: the last rung trains every epoch, each rung below 1/eta
  // of the next, down to min_epochs.
  std::vector<std::int64_t> rungs{epochs};
  while (rungs.front() / search.eta >= search.min_epochs)
    rungs.insert(rungs.begin(), rungs.front() / search.eta);
  return rungs;
}

namespace {

/// One configuration of a plugin entry: given values plus which were swept.
struct Config {
  const PluginEntry* entry = nullptr;
  ParamMap given;
  std::vector<std::string> swept;  ///< "lr=0.1" for keys with several values
  ParamMap schedule_given;         ///< the optimizer entry's schedule settings
  std::string trial;               ///< a search's draw: "optimizers[k] #n"
};

std::vector<Config> configs(const PluginEntry& e) {
  std::vector<Config> out{{&e, {}, {}, {}}};
  // The optimizer's own axes, then its schedule's: a schedule's settings
  // sweep like hyperparameters.
  const auto expand_axes = [&](const std::vector<Axis>& axes, bool schedule) {
    for (const auto& axis : axes) {
      std::vector<Config> next;
      for (const auto& c : out) {
        for (const auto& v : axis.values) {
          Config d = c;
          (schedule ? d.schedule_given : d.given)[axis.key] = v;
          if (axis.values.size() > 1) d.swept.push_back(axis.key + "=" + format_value(v));
          next.push_back(std::move(d));
        }
      }
      out = std::move(next);
    }
  };
  expand_axes(e.axes, false);
  if (e.schedule) expand_axes(e.schedule->axes, true);
  return out;
}

std::string join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (const auto& p : parts)
    out += (out.empty() ? "" : sep) + p;
  return out;
}

// Labels say what differs: the entry's label (or plugin name) plus the swept
// values; when that still collides, every explicitly given value.
std::vector<std::string> labels(const std::vector<Config>& list) {
  std::vector<std::string> out;
  for (const auto& c : list) {
    const auto base = c.entry->label.empty() ? c.entry->plugin : c.entry->label;
    out.push_back(c.swept.empty() ? base : base + " " + join(c.swept, " "));
  }
  std::map<std::string, int> count;
  for (const auto& l : out)
    ++count[l];
  for (std::size_t k = 0; k < list.size(); ++k) {
    if (count[out[k]] < 2 || !list[k].entry->label.empty()) continue;
    std::vector<std::string> all;
    for (const auto& [key, v] : list[k].given)
      all.push_back(key + "=" + format_value(v));
    out[k] = list[k].entry->plugin + (all.empty() ? "" : " " + join(all, " "));
  }
  return out;
}

std::vector<Config> all_configs(const std::vector<PluginEntry>& entries) {
  std::vector<Config> out;
  for (const auto& e : entries) {
    for (auto& c : configs(e))
      out.push_back(std::move(c));
  }
  return out;
}

/// Rounds a draw to 4 significant digits: configurations read (and hash)
/// as short numbers, and 4 digits resolve far finer than a search can.
double round_draw(double x) {
  if (x == 0.0 || !std::isfinite(x)) return x;
  const double scale = std::pow(10.0, 3 - static_cast<int>(std::floor(std::log10(std::abs(x)))));
  return std::round(x * scale) / scale;
}

/// One draw of an axis: a distribution's, or a uniform pick among listed
/// values (a list under a search is a choice).
ParamValue draw(const Axis& axis, Rng& rng) {
  if (!axis.sample || axis.sample->kind == Distribution::Kind::Choice) {
    return axis.values[rng.below(axis.values.size())];
  }
  const Distribution& d = *axis.sample;
  const bool log = d.kind == Distribution::Kind::LogUniform;
  if (axis.integer) {
    // Whole numbers in [lo, hi], each equally likely (uniform) or with
    // equal mass per factor (loguniform: over [lo, hi + 1) in log space).
    const double lo = log ? std::log(d.lo) : d.lo;
    const double hi = log ? std::log(d.hi + 1.0) : d.hi + 1.0;
    const double x = rng.uniform(lo, hi);
    const double v = std::floor(log ? std::exp(x) : x);
    return static_cast<std::int64_t>(std::clamp(v, d.lo, d.hi));
  }
  const double x =
      log ? std::exp(rng.uniform(std::log(d.lo), std::log(d.hi))) : rng.uniform(d.lo, d.hi);
  return std::clamp(round_draw(x), d.lo, d.hi);
}

/// A random search's configurations of one optimizer entry: `budget`
/// draws, each hyperparameter from its distribution (fixed values stay
/// fixed). The stream is seeded by the search seed and the entry's index,
/// and each configuration is drawn in turn, so the same file gives the
/// same configurations, and a larger budget keeps the first ones.
/// Duplicates are drawn again; a space too small for the budget is refused.
std::vector<Config> sampled_configs(const PluginEntry& e, std::size_t entry_index,
                                    const SearchSpec& search) {
  Rng rng(static_cast<std::uint64_t>(search.seed) * 0x9e3779b97f4a7c15ULL +
          0xd1b54a32d192ed03ULL * (entry_index + 1));
  std::vector<Config> out;
  std::set<std::string> seen;
  constexpr int kAttempts = 1000;
  for (std::int64_t trial = 0; trial < search.budget; ++trial) {
    for (int attempt = 0;; ++attempt) {
      Config c{&e, {}, {}, {}};
      const auto take = [&](const std::vector<Axis>& axes, ParamMap& into) {
        for (const auto& axis : axes) {
          const bool sampled = axis.sample || axis.values.size() > 1;
          const ParamValue v = sampled ? draw(axis, rng) : axis.values.front();
          into[axis.key] = v;
          if (sampled) c.swept.push_back(axis.key + "=" + format_value(v));
        }
      };
      take(e.axes, c.given);
      if (e.schedule) take(e.schedule->axes, c.schedule_given);
      c.trial = e.key_path + " #" + std::to_string(trial);
      if (seen.insert(join(c.swept, " ")).second) {
        out.push_back(std::move(c));
        break;
      }
      if (attempt == kAttempts) {
        throw SpecError(e.where, e.key_path,
                        "the search space of this entry gave only " + std::to_string(out.size()) +
                            " distinct configurations in " + std::to_string(kAttempts) +
                            " draws, fewer than the budget of " + std::to_string(search.budget));
      }
    }
  }
  return out;
}

ParamMap resolve(const registry::Registry& plugins, PluginKind kind, const Config& c) {
  const auto* p = plugins.find(kind, c.entry->plugin);
  try {
    return resolve_params(c.entry->plugin, p->info.schema, c.given);
  } catch (const std::invalid_argument& e) {
    throw SpecError(c.entry->where, c.entry->key_path, e.what());
  }
}

std::string plugin_json(const std::string& name, const ParamMap& params) {
  return "{\"name\":" + json::quote(name) + ",\"params\":" + json::object(params) + "}";
}

// A dataset with a validation split says so; one without keeps the JSON (and
// so the hash) it had before validation splits existed.
std::string dataset_json(const PluginEntry& entry, const ParamMap& params) {
  std::string out = plugin_json(entry.plugin, params);
  if (entry.validation.fraction > 0.0) {
    out.pop_back();
    out +=
        ",\"validation\":" +
        json::object({{"fraction", entry.validation.fraction}, {"seed", entry.validation.seed}}) +
        "}";
  }
  return out;
}

}  // namespace

Rates schedule_base(const ParamMap& optimizer_params) {
  Rates base;
  base.lr = std::nan("");
  if (auto it = optimizer_params.find("lr"); it != optimizer_params.end()) {
    if (const auto* lr = std::get_if<double>(&it->second)) base.lr = *lr;
  }
  if (auto it = optimizer_params.find("momentum"); it != optimizer_params.end()) {
    if (const auto* m = std::get_if<double>(&it->second)) base.momentum = *m;
  } else if (auto betas = optimizer_params.find("betas"); betas != optimizer_params.end()) {
    if (const auto* b = std::get_if<std::vector<double>>(&betas->second); b && !b->empty()) {
      base.momentum = b->front();
    }
  }
  return base;
}

namespace {

/// Resolves an optimizer configuration's schedule and checks, with a
/// throwaway optimizer, that the pair works: the optimizer can change its lr
/// (and its momentum when the schedule cycles one), and `interval: epoch`
/// has epochs to count.
ParamMap check_schedule(const registry::Registry& plugins, const Config& c,
                        const ParamMap& optimizer_params, bool has_data) {
  const auto& s = *c.entry->schedule;
  const auto fail = [&](const std::string& why) { throw SpecError(s.where, s.key_path, why); };
  const auto* plugin = plugins.find(PluginKind::Schedule, s.plugin);
  ParamMap params;
  std::shared_ptr<Schedule> schedule;
  try {
    params = resolve_params(s.plugin, plugin->info.schema, c.schedule_given);
    schedule = plugins.make_schedule(s.plugin, params);
  } catch (const std::invalid_argument& e) {
    fail(e.what());
  }
  if (s.per_epoch && !has_data) {
    fail("interval: epoch needs a model trained on a dataset; " + c.entry->plugin +
         " runs steps without epochs here");
  }
  auto optimizer = plugins.make_optimizer(c.entry->plugin, optimizer_params);
  const Rates start = schedule->at(0, schedule_base(optimizer_params));
  if (!optimizer->set_lr(start.lr)) {
    fail("optimizer " + c.entry->plugin + " cannot change its learning rate between steps, so " +
         s.plugin + " cannot schedule it");
  }
  if (schedule->sets_momentum() && !optimizer->set_momentum(start.momentum)) {
    fail("schedule " + s.plugin + " cycles the momentum, but optimizer " + c.entry->plugin +
         " has none (give cycle_momentum: false)");
  }
  return params;
}

// A 2-D run records steps / record_every + 1 points of each series; above
// kMaxPointsPerSeries the store and the charts would pay for points nobody
// can see. Data runs are checked when their dataset's size is known.
void check_points(const ExperimentSpec& spec, const PluginEntry& entry,
                  const TrainSettings& train) {
  const std::int64_t points = train.steps / train.record_every + 1;
  if (points <= kMaxPointsPerSeries) return;
  const bool own =
      entry.train_overrides.contains("steps") || entry.train_overrides.contains("record_every");
  const std::int64_t least = (train.steps + kMaxPointsPerSeries - 2) / (kMaxPointsPerSeries - 1);
  throw SpecError(own ? entry.where : spec.train_where, own ? entry.key_path + ".train" : "train",
                  "steps " + std::to_string(train.steps) + " with record_every " +
                      std::to_string(train.record_every) + " would record " +
                      std::to_string(points) + " points per series, above the limit of " +
                      std::to_string(kMaxPointsPerSeries) + "; set record_every to at least " +
                      std::to_string(least));
}

}  // namespace

std::string stable_hash(const std::string& text) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001b3ULL;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::size_t count_runs(const ExperimentSpec& spec) {
  std::size_t n = saturating_mul(optimizer_cells(spec), cells(spec.models));
  if (!spec.datasets.empty()) n = saturating_mul(n, cells(spec.datasets));
  if (spec.search && spec.search->kind == SearchSpec::Kind::Halving) {
    n = saturating_mul(n, rung_epochs(spec.train.epochs, *spec.search).size());
  }
  return saturating_mul(n, spec.seeds.size());
}

std::vector<RunSpec> expand(const ExperimentSpec& spec, const registry::Registry& plugins) {
  std::vector<Config> optimizers;
  if (spec.search) {
    for (std::size_t k = 0; k < spec.optimizers.size(); ++k) {
      for (auto& c : sampled_configs(spec.optimizers[k], k, *spec.search))
        optimizers.push_back(std::move(c));
    }
  } else {
    optimizers = all_configs(spec.optimizers);
  }
  const auto models = all_configs(spec.models);
  auto datasets = all_configs(spec.datasets);
  const auto optimizer_labels = labels(optimizers);
  // A label names a line in every chart and a row in every table: two
  // configurations under one label would share a colour and a legend entry.
  for (std::size_t o = 0; o < optimizers.size(); ++o) {
    for (std::size_t earlier = 0; earlier < o; ++earlier) {
      const auto* a = optimizers[earlier].entry;
      const auto* b = optimizers[o].entry;
      // Unlabelled twins repeat a configuration, which the check below
      // reports in those words.
      if (optimizer_labels[earlier] != optimizer_labels[o] || a == b ||
          (a->label.empty() && b->label.empty()))
        continue;
      throw SpecError(optimizers[o].entry->where, optimizers[o].entry->key_path,
                      "label '" + optimizer_labels[o] + "' is already used by " +
                          optimizers[earlier].entry->key_path +
                          "; give each optimizer entry a distinct label");
    }
  }
  const auto model_labels = labels(models);
  const auto dataset_labels = labels(datasets);

  // Plugin-specific rules (nesterov needs momentum) live in the factories:
  // build each optimizer configuration once now rather than fail mid-sweep.
  std::vector<ParamMap> optimizer_params;
  for (const auto& c : optimizers) {
    optimizer_params.push_back(resolve(plugins, PluginKind::Optimizer, c));
    try {
      plugins.make_optimizer(c.entry->plugin, optimizer_params.back());
    } catch (const std::invalid_argument& e) {
      throw SpecError(c.entry->where, c.entry->key_path, e.what());
    }
  }
  std::vector<ParamMap> schedule_params(optimizers.size());
  for (std::size_t o = 0; o < optimizers.size(); ++o) {
    if (optimizers[o].entry->schedule) {
      schedule_params[o] =
          check_schedule(plugins, optimizers[o], optimizer_params[o], !spec.datasets.empty());
    }
  }
  std::vector<ParamMap> model_params, dataset_params;
  for (const auto& c : models)
    model_params.push_back(resolve(plugins, PluginKind::Model, c));
  for (const auto& c : datasets) {
    dataset_params.push_back(resolve(plugins, PluginKind::Dataset, c));
  }

  // Digested once per plugin and data configuration, not per run: `id`
  // (for the hash, without paths) and `provenance` (with them).
  struct Identity {
    std::string id, provenance;
  };
  const auto identity_of = [&](PluginKind kind, const std::string& name) {
    const auto* plugin = plugins.find(kind, name);
    return Identity{plugin_identity_json(*plugin, false), plugin_identity_json(*plugin, true)};
  };
  std::vector<Identity> optimizer_ids, model_ids, dataset_ids;
  for (const auto& c : optimizers) {
    auto id = identity_of(PluginKind::Optimizer, c.entry->plugin);
    if (const auto& schedule = c.entry->schedule) {
      // The schedule is a plugin too: its build is part of the result.
      const auto sid = identity_of(PluginKind::Schedule, schedule->plugin);
      id.id += ",\"schedule\":" + sid.id;
      id.provenance += ",\"schedule\":" + sid.provenance;
    }
    optimizer_ids.push_back(std::move(id));
  }
  for (const auto& c : models)
    model_ids.push_back(identity_of(PluginKind::Model, c.entry->plugin));
  const auto base_dir = spec.source_path.parent_path();
  for (std::size_t d = 0; d < datasets.size(); ++d) {
    try {
      auto id = identity_of(PluginKind::Dataset, datasets[d].entry->plugin);
      id.id += ",\"data\":" + data_identity_json(dataset_params[d], base_dir, false);
      id.provenance += ",\"data\":" + data_identity_json(dataset_params[d], base_dir, true);
      dataset_ids.push_back(std::move(id));
    } catch (const std::runtime_error& e) {
      throw SpecError(datasets[d].entry->where, datasets[d].entry->key_path, e.what());
    }
  }
  const auto identity_json = [&](std::size_t o, std::size_t m, std::size_t d, bool has_data,
                                 std::string Identity::*part) {
    return "{\"optimizer\":" + optimizer_ids[o].*part + ",\"model\":" + model_ids[m].*part +
           ",\"dataset\":" + (has_data ? dataset_ids[d].*part : "null,\"data\":[]") + "}";
  };

  const std::size_t dataset_count = datasets.empty() ? 1 : datasets.size();
  std::vector<RunSpec> runs;
  std::set<std::string> seen_hashes;
  for (std::size_t m = 0; m < models.size(); ++m) {
    for (std::size_t d = 0; d < dataset_count; ++d) {
      const bool has_data = !datasets.empty();
      const std::string problem =
          model_labels[m] + (has_data ? " on " + dataset_labels[d] : std::string());
      for (std::size_t o = 0; o < optimizers.size(); ++o) {
        TrainSettings full = spec.train;
        full.apply(optimizers[o].entry->train_overrides);
        if (!has_data) check_points(spec, *optimizers[o].entry, full);
        const bool halving = spec.search && spec.search->kind == SearchSpec::Kind::Halving;
        const auto rungs = halving ? rung_epochs(full.epochs, *spec.search)
                                   : std::vector<std::int64_t>{full.epochs};
        const auto& schedule = optimizers[o].entry->schedule;
        // The schedule enters the settings only when there is one.
        const std::string schedule_json =
            schedule ? ",\"schedule\":{\"name\":" + json::quote(schedule->plugin) +
                           ",\"params\":" + json::object(schedule_params[o]) +
                           ",\"interval\":" + (schedule->per_epoch ? "\"epoch\"" : "\"step\"") + "}"
                     : std::string();
        const std::string identity = identity_json(o, m, d, has_data, &Identity::id);
        for (std::size_t k = 0; k < rungs.size(); ++k) {
          TrainSettings train = full;
          train.epochs = rungs[k];
          const std::string config =
              "{\"optimizer\":" + plugin_json(optimizers[o].entry->plugin, optimizer_params[o]) +
              ",\"model\":" + plugin_json(models[m].entry->plugin, model_params[m]) +
              ",\"dataset\":" +
              (has_data ? dataset_json(*datasets[d].entry, dataset_params[d]) : "null") +
              ",\"train\":" + json::object(train.as_params()) + schedule_json + "}";
          const std::string group = stable_hash(config + "|identity=" + identity);
          for (const auto seed : spec.seeds) {
            RunSpec run;
            run.optimizer = optimizers[o].entry->plugin;
            run.optimizer_params = optimizer_params[o];
            run.model = models[m].entry->plugin;
            run.model_params = model_params[m];
            if (has_data) {
              run.dataset = datasets[d].entry->plugin;
              run.dataset_params = dataset_params[d];
              run.validation = datasets[d].entry->validation;
            }
            run.train = train;
            if (schedule) {
              run.schedule = schedule->plugin;
              run.schedule_params = schedule_params[o];
              run.schedule_per_epoch = schedule->per_epoch;
            }
            run.seed = seed;
            run.model_where = models[m].entry->where;
            run.model_key_path = models[m].entry->key_path;
            if (has_data) {
              run.dataset_where = datasets[d].entry->where;
              run.dataset_key_path = datasets[d].entry->key_path;
            }
            run.label = optimizer_labels[o];
            if (halving) {
              run.trial = optimizers[o].trial;
              run.rung = static_cast<int>(k);
              run.rungs = static_cast<int>(rungs.size());
              if (k + 1 < rungs.size()) {
                run.label += " [" + std::to_string(rungs[k]) + " of " +
                             std::to_string(full.epochs) + " epochs]";
              }
            }
            run.problem_key = problem;
            run.group_key = group;
            run.hyperparams_json = config;
            run.identity_json = identity_json(o, m, d, has_data, &Identity::provenance);
            run.config_hash =
                stable_hash(config + "|identity=" + identity + "|seed=" + std::to_string(seed));
            const auto lr = optimizer_params[o].find("lr");
            run.lr = lr != optimizer_params[o].end() && std::holds_alternative<double>(lr->second)
                         ? std::get<double>(lr->second)
                         : std::nan("");
            if (!seen_hashes.insert(run.config_hash).second) {
              throw SpecError(optimizers[o].entry->where, optimizers[o].entry->key_path,
                              "this entry repeats a configuration already in the grid (" +
                                  run.label + " on " + problem + ", seed " + std::to_string(seed) +
                                  ")");
            }
            runs.push_back(std::move(run));
          }
        }
      }
    }
  }
  return runs;
}

}  // namespace optbench::experiment
