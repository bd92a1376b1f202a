// Random search: exactly its budget per optimizer entry, every draw within
// its range, the same configurations on every expansion (so a rerun adds no
// run), and the mistakes it refuses.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "run/runner.hpp"
#include "spec_support.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

using experiment::SpecError;

std::string search_yaml(int budget) {
  return R"(name: search
model: {name: quadratic}
search: {kind: random, budget: )" +
         std::to_string(budget) + R"(, seed: 7}
optimizers:
  - {name: adam, lr: {loguniform: [1.0e-4, 1.0e-1]}, betas: [[0.9, 0.999], [0.8, 0.99]]}
  - name: momentum
    lr: {uniform: [0.01, 0.05]}
    momentum: {choice: [0.5, 0.9, 0.99]}
    schedule: {name: step, step_size: {uniform: [2, 6]}, gamma: {choice: [0.1, 0.5]}}
train: {steps: 10}
seeds: [0, 1]
)";
}

double real(const ParamMap& m, const std::string& key) {
  return std::get<double>(m.at(key));
}

TEST(RandomSearch, GivesExactlyItsBudgetPerEntryWithinItsRanges) {
  const auto spec = testing::load_yaml(search_yaml(12));
  EXPECT_EQ(experiment::count_runs(spec), 2u * 12u * 2u);
  const auto runs = experiment::expand(spec, testing::built_plugins());
  ASSERT_EQ(runs.size(), 48u);
  std::map<std::string, std::set<std::string>> groups;  // optimizer -> configurations
  std::set<double> adam_lrs;
  for (const auto& r : runs) {
    groups[r.optimizer].insert(r.group_key);
    if (r.optimizer == "adam") {
      const double lr = real(r.optimizer_params, "lr");
      EXPECT_GE(lr, 1e-4);
      EXPECT_LE(lr, 1e-1);
      adam_lrs.insert(lr);
      const auto& betas = std::get<std::vector<double>>(r.optimizer_params.at("betas"));
      EXPECT_TRUE(betas == std::vector<double>({0.9, 0.999}) ||
                  betas == std::vector<double>({0.8, 0.99}));
    } else {
      const double lr = real(r.optimizer_params, "lr");
      EXPECT_GE(lr, 0.01);
      EXPECT_LE(lr, 0.05);
      const double m = real(r.optimizer_params, "momentum");
      EXPECT_TRUE(m == 0.5 || m == 0.9 || m == 0.99) << m;
      ASSERT_TRUE(r.schedule);
      const auto step_size = std::get<std::int64_t>(r.schedule_params.at("step_size"));
      EXPECT_GE(step_size, 2);
      EXPECT_LE(step_size, 6);
      const double gamma = real(r.schedule_params, "gamma");
      EXPECT_TRUE(gamma == 0.1 || gamma == 0.5) << gamma;
    }
  }
  EXPECT_EQ(groups["adam"].size(), 12u);
  EXPECT_EQ(groups["momentum"].size(), 12u);
  EXPECT_EQ(adam_lrs.size(), 12u);
  // Log-uniform over three decades: 12 draws fall on both sides of 1e-2.5
  // (the chance that all fall on one side is 2 * 0.5^12 = 0.05%).
  EXPECT_LT(*adam_lrs.begin(), std::pow(10.0, -2.5));
  EXPECT_GT(*adam_lrs.rbegin(), std::pow(10.0, -2.5));
  // Labels name the drawn values, rounded to 4 significant digits.
  EXPECT_NE(runs[0].label.find("adam lr="), std::string::npos) << runs[0].label;
}

TEST(RandomSearch, SameFileSameConfigurationsAndALargerBudgetKeepsThem) {
  const auto a = testing::expand_yaml(search_yaml(5)), b = testing::expand_yaml(search_yaml(5)),
             c = testing::expand_yaml(search_yaml(8));
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t k = 0; k < a.size(); ++k)
    EXPECT_EQ(a[k].config_hash, b[k].config_hash);
  std::set<std::string> larger;
  for (const auto& r : c)
    larger.insert(r.config_hash);
  for (const auto& r : a)
    EXPECT_TRUE(larger.contains(r.config_hash)) << r.label;
  // Another seed, other configurations.
  auto other = search_yaml(5);
  other.replace(other.find("seed: 7"), 7, "seed: 8");
  const auto d = testing::expand_yaml(other);
  EXPECT_NE(d[0].config_hash, a[0].config_hash);
}

TEST(RandomSearch, ARerunAddsNothing) {
  testing::TempDir dir;
  const auto& plugins = testing::built_plugins();
  const auto spec = testing::load_yaml(search_yaml(4));
  const auto first =
      run::run_sweep(spec, experiment::expand(spec, plugins), plugins, {.db = dir / "s.db"});
  EXPECT_EQ(first.total, 16u);
  EXPECT_EQ(first.done + first.diverged, 16u);
  const auto again = testing::load_yaml(search_yaml(4));
  const auto second =
      run::run_sweep(again, experiment::expand(again, plugins), plugins, {.db = dir / "s.db"});
  EXPECT_EQ(second.skipped, 16u);
  EXPECT_EQ(second.done + second.diverged + second.failed, 0u);
  const auto db = store::SqliteStore::open(dir / "s.db", store::SqliteStore::Mode::ReadOnly);
  EXPECT_EQ(db.runs("search").size(), 16u);
}

TEST(RandomSearch, RefusesWhatItCannotSample) {
  const std::string head = "name: s\nmodel: {name: quadratic}\n";
  testing::expect_spec_error(
      head + "optimizers:\n  - {name: adam, lr: {loguniform: [1.0e-4, 0.1]}}\n", 4, 22,
      "optimizers[0].lr", "a distribution needs a random search");
  testing::expect_spec_error(head +
                                 "search: {kind: random, budget: 3}\noptimizers:\n"
                                 "  - {name: adam, lr: {loguniform: [0, 0.1]}}\n",
                             5, 35, "optimizers[0].lr.loguniform", "loguniform needs lo > 0");
  testing::expect_spec_error(head +
                                 "search: {kind: random, budget: 3}\noptimizers:\n"
                                 "  - {name: adam, lr: {uniform: [0.1, 0.01]}}\n",
                             5, 32, "optimizers[0].lr.uniform", "expected lo <= hi");
  testing::expect_spec_error(head +
                                 "search: {kind: random, budget: 3}\noptimizers:\n"
                                 "  - {name: adam, lr: {uniform: [-1, 0.01]}}\n",
                             5, 33, "optimizers[0].lr.uniform[0]",
                             "lr: expected a real number >= 0");
  testing::expect_spec_error(head +
                                 "search: {kind: random, budget: 3}\noptimizers:\n"
                                 "  - {name: adam, amsgrad: {uniform: [0, 1]}}\n",
                             5, 37, "optimizers[0].amsgrad",
                             "uniform needs a real or integer hyperparameter");
  testing::expect_spec_error(head + "search: {kind: grid, budget: 3}\noptimizers: [adam]\n", 3, 16,
                             "search.kind", "expected random or halving, got 'grid'");
  testing::expect_spec_error(head + "search: {kind: random}\noptimizers: [adam]\n", 3, 9, "search",
                             "missing required key 'budget'");
  testing::expect_spec_error(
      head +
          "search: {kind: random, budget: 4}\noptimizers:\n"
          "  - {name: momentum, momentum: {choice: [0.5, 0.9]}}\n",
      5, 6, "optimizers[0]",
      "gave only 2 distinct configurations in 1000 draws, fewer than the budget of 4");
}

}  // namespace
}  // namespace optbench
