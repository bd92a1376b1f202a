// A small results database built through the SqliteStore API: SGD at three
// learning rates (the largest diverges on one problem) and Adam at two, two
// seeds each, on two 2-D bowls with stored surfaces and paths. The summary,
// export, chart and report tests read it.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench::testing {

inline const char* kSweepYaml = R"(name: sweep
title: "Bowls: <b>SGD</b> & Adam"
target_loss: 0.01
model: {name: quadratic}
optimizers:
  - {name: sgd, label: SGD, lr: [0.1, 0.3, 0.6]}
  - {name: adam, label: Adam, lr: [0.05, 0.3]}
)";

/// f(x) = a x0^2 + b x1^2.
struct Bowl {
  std::string name;
  double a, b;
  double f(double x0, double x1) const { return a * x0 * x0 + b * x1 * x1; }
};

inline const std::vector<Bowl>& sweep_bowls() {
  static const std::vector<Bowl> bowls{{"bowl-steep", 0.2, 2.0}, {"bowl-flat", 0.05, 1.0}};
  return bowls;
}

struct SweepConfig {
  std::string optimizer, label;
  double lr;
};

inline const std::vector<SweepConfig>& sweep_configs() {
  static const std::vector<SweepConfig> configs{{"sgd", "SGD lr=0.1", 0.1},
                                                {"sgd", "SGD lr=0.3", 0.3},
                                                {"sgd", "SGD lr=0.6", 0.6},
                                                {"adam", "Adam lr=0.05", 0.05},
                                                {"adam", "Adam lr=0.3", 0.3}};
  return configs;
}

constexpr int kSweepSteps = 40;

/// Trains one configuration on one bowl as the trainer would record it:
/// loss and position at every step, 1 ms per step, stopping as diverged
/// once the loss exceeds 1e6.
inline void add_sweep_run(store::SqliteStore& db, std::int64_t experiment, const Bowl& bowl,
                          const SweepConfig& c, int seed) {
  store::RunRecord run;
  run.group_key = bowl.name + "/" + c.label;
  run.config_hash = run.group_key + "/seed" + std::to_string(seed);
  run.problem_key = bowl.name;
  run.optimizer = c.optimizer;
  run.label = c.label;
  run.model = "quadratic";
  run.hyperparams = "{\"optimizer\":{\"lr\":" + std::to_string(c.lr) + "}}";
  run.seed = seed;
  run.lr = c.lr;
  const std::int64_t id = db.claim_run(experiment, run).run_id;

  double x0 = -4.0 + 0.2 * seed, x1 = 2.0 - 0.1 * seed;
  double m0 = 0, m1 = 0, v0 = 0, v1 = 0;
  std::vector<store::MetricPoint> loss;
  std::vector<store::TrajectoryPoint> path;
  store::RunStatus status = store::RunStatus::Done;
  int k = 0;
  for (;; ++k) {
    const double value = bowl.f(x0, x1);
    path.push_back({k, x0, x1});
    loss.push_back({k, 0, "train", "loss", value, 0.001 * k});
    if (!std::isfinite(value) || value > 1e6) {
      status = store::RunStatus::Diverged;
      break;
    }
    if (k == kSweepSteps) break;
    const double g0 = 2 * bowl.a * x0, g1 = 2 * bowl.b * x1;
    if (c.optimizer == "sgd") {
      x0 -= c.lr * g0;
      x1 -= c.lr * g1;
    } else {
      const int t = k + 1;
      m0 = 0.9 * m0 + 0.1 * g0;
      m1 = 0.9 * m1 + 0.1 * g1;
      v0 = 0.999 * v0 + 0.001 * g0 * g0;
      v1 = 0.999 * v1 + 0.001 * g1 * g1;
      const double c1 = 1 - std::pow(0.9, t), c2 = 1 - std::pow(0.999, t);
      x0 -= c.lr * (m0 / c1) / (std::sqrt(v0 / c2) + 1e-8);
      x1 -= c.lr * (m1 / c1) / (std::sqrt(v1 / c2) + 1e-8);
    }
  }
  db.append_metrics(id, loss);
  db.append_trajectory(id, path);
  db.finish_run(id, status, status == store::RunStatus::Done ? "" : "loss above 1e6", 0.001 * k, k,
                loss.back().value);
}

/// The files a chart kind draws for `experiment`, in order: per problem (in
/// key order, as they are drawn), its PNG and its SVG.
inline std::vector<std::filesystem::path> chart_files(const std::filesystem::path& dir,
                                                      const std::string& experiment,
                                                      const std::string& kind,
                                                      const std::vector<std::string>& problems) {
  std::vector<std::filesystem::path> out;
  for (const auto& problem : problems) {
    for (const char* ext : {".png", ".svg"})
      out.push_back(dir / (experiment + "-" + kind + "-" + problem + ext));
  }
  return out;
}

/// The surface of a quadratic problem `problem`: `f` sampled on an n x n
/// grid over [-5, 5]^2, row by row.
template <class F>
store::Surface quadratic_surface(const std::string& problem, int n, F f) {
  store::Surface s;
  s.problem_key = problem;
  s.model = "quadratic";
  s.nx = s.ny = n;
  s.x0_min = s.x1_min = -5;
  s.x0_max = s.x1_max = 5;
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < n; ++i)
      s.values.push_back(f(-5 + 10.0 * i / (n - 1), -5 + 10.0 * j / (n - 1)));
  }
  return s;
}

/// Writes the whole sweep into a new database at `file`, as experiment
/// `name` with `title`.
inline void build_sweep_db(const std::filesystem::path& file, const std::string& name = "sweep",
                           const std::string& title = "Bowls: <b>SGD</b> & Adam") {
  store::SqliteStore db = store::SqliteStore::open(file);
  const std::int64_t exp = db.upsert_experiment(name, title, kSweepYaml, "sweep.yaml");
  for (const Bowl& bowl : sweep_bowls()) {
    // 41 points a side: a step of 0.25.
    db.put_surface(exp, quadratic_surface(bowl.name, 41,
                                          [&](double x0, double x1) { return bowl.f(x0, x1); }));
    for (const SweepConfig& c : sweep_configs()) {
      for (int seed = 0; seed < 2; ++seed)
        add_sweep_run(db, exp, bowl, c, seed);
    }
  }
}

/// A test suite whose tests share one sweep database, built once.
class SweepSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    build_sweep_db(db_path());
  }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }
  static std::filesystem::path db_path() { return dir_->path() / "sweep.db"; }
  static inline TempDir* dir_ = nullptr;
};

}  // namespace optbench::testing
