// Experiment files: valid ones expand to the right grid; every kind of bad
// input is refused with file:line:col, the key path and what was expected.
#include <gtest/gtest.h>

#include <cmath>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "spec_support.hpp"
#include "test_support.hpp"

namespace optbench::experiment {
namespace {

const char* kValid = R"(name: grid
model: {name: quadratic}
optimizers:
  - name: sgd
    lr: [0.1, 0.2, 0.3]
    momentum: [0.0, 0.9]
  - name: adam
    lr: {logspace: [1.0e-3, 1.0e-1, 3]}
    betas: [[0.9, 0.999], [0.8, 0.99]]
  - name: adagrad
train: {steps: 7}
seeds: [0, 1]
)";

TEST(Grid, ExpandsCartesianProductTimesSeeds) {
  const auto spec = testing::load_yaml(kValid);
  // sgd 3x2 + adam 3x2 + adagrad 1 = 13 configurations, x 2 seeds.
  EXPECT_EQ(count_runs(spec), 26u);
  const auto runs = expand(spec, testing::built_plugins());
  ASSERT_EQ(runs.size(), 26u);
  std::set<std::string> hashes, groups;
  for (const auto& r : runs) {
    hashes.insert(r.config_hash);
    groups.insert(r.group_key);
    EXPECT_EQ(r.train.steps, 7);
  }
  EXPECT_EQ(hashes.size(), 26u);
  EXPECT_EQ(groups.size(), 13u);
}

TEST(Grid, LabelsNameSweptValuesAndLogspaceHitsDecades) {
  const auto runs = expand(testing::load_yaml(kValid), testing::built_plugins());
  std::set<std::string> labels;
  for (const auto& r : runs)
    labels.insert(r.label);
  EXPECT_TRUE(labels.contains("sgd lr=0.2 momentum=0.9"));
  EXPECT_TRUE(labels.contains("adam lr=0.01 betas=[0.8, 0.99]"));
  EXPECT_TRUE(labels.contains("adagrad"));
  bool saw_decade = false;
  for (const auto& r : runs) {
    if (r.optimizer == "adam" && r.lr == 0.01) saw_decade = true;
  }
  EXPECT_TRUE(saw_decade);
}

TEST(Grid, DefaultsAreResolvedAndHashesAreStableAcrossLoads) {
  const auto a = expand(testing::load_yaml(kValid), testing::built_plugins());
  const auto b = expand(testing::load_yaml(kValid), testing::built_plugins());
  for (std::size_t k = 0; k < a.size(); ++k)
    EXPECT_EQ(a[k].config_hash, b[k].config_hash);
  const auto& adagrad = a.back();
  EXPECT_EQ(adagrad.optimizer, "adagrad");
  EXPECT_DOUBLE_EQ(std::get<double>(adagrad.optimizer_params.at("eps")), 1e-10);
  EXPECT_DOUBLE_EQ(adagrad.lr, 0.01);
  EXPECT_NE(adagrad.hyperparams_json.find("\"initial_accumulator_value\":0"), std::string::npos);
}

TEST(Grid, PerOptimizerTrainOverride) {
  const auto runs = expand(testing::load_yaml(R"(name: t
model: quadratic
optimizers:
  - {name: sgd, lr: 0.1, train: {steps: 20}}
  - {name: adam}
train: {steps: 50}
)"),
                           testing::built_plugins());
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].train.steps, 20);
  EXPECT_EQ(runs[1].train.steps, 50);
}

TEST(SpecErrors, UnknownHyperparameterSuggestsTheNearest) {
  testing::expect_spec_error(
      "name: x\nmodel: quadratic\noptimizers:\n  - name: adam\n    lrr: 0.1\n", 5, 5,
      "optimizers[0].lrr", "unknown hyperparameter of adam 'lrr' (did you mean 'lr'?)");
}

TEST(SpecErrors, WrongType) {
  testing::expect_spec_error("name: x\nmodel: quadratic\noptimizers:\n  - {name: adam, lr: fast}\n",
                             4, 22, "optimizers[0].lr", "expected a real number, got 'fast'");
  testing::expect_spec_error("name: x\nmodel: quadratic\noptimizers: [adam]\ntrain: {steps: 2.5}\n",
                             4, 16, "train.steps", "expected an integer, got '2.5'");
  testing::expect_spec_error("name: x\nmodel: quadratic\noptimizers: [{name: adam, amsgrad: 3}]\n",
                             3, 36, "optimizers[0].amsgrad", "expected true or false");
}

TEST(SpecErrors, DuplicateKey) {
  testing::expect_spec_error(
      "name: x\nmodel: quadratic\noptimizers:\n  - name: sgd\n    lr: 0.1\n    lr: 0.2\n", 6, 5,
      "optimizers[0].lr", "duplicate key 'lr'");
  testing::expect_spec_error("name: x\nname: y\n", 2, 1, "name", "duplicate key 'name'");
}

TEST(SpecErrors, MissingRequiredKeys) {
  testing::expect_spec_error("model: quadratic\noptimizers: [adam]\n", 1, 1, "name",
                             "missing required key 'name'");
  testing::expect_spec_error("name: x\noptimizers: [adam]\n", 1, 1, "model",
                             "missing required key 'model'");
  testing::expect_spec_error("name: x\nmodel: quadratic\n", 1, 1, "optimizers",
                             "missing required key 'optimizers'");
  // torch.optim.SGD has no default lr, and neither has ours.
  testing::expect_spec_error("name: x\nmodel: quadratic\noptimizers:\n  - name: sgd\n", 4, 5,
                             "optimizers[0]", "missing required key 'lr' of sgd");
}

TEST(SpecErrors, UnknownPlugin) {
  testing::expect_spec_error("name: x\nmodel: quadratic\noptimizers:\n  - name: adma\n", 4, 11,
                             "optimizers[0].name",
                             "unknown optimizer plugin 'adma' (did you mean 'adam'?)");
  testing::expect_spec_error("name: x\nmodel: rosenbrok\noptimizers: [adam]\n", 2, 8, "model",
                             "unknown model plugin 'rosenbrok' (did you mean 'rosenbrock'?)");
}

TEST(SpecErrors, OutOfRange) {
  testing::expect_spec_error("name: x\nmodel: quadratic\noptimizers:\n  - {name: adam, lr: -0.1}\n",
                             4, 22, "optimizers[0].lr",
                             "lr: expected a real number >= 0, got -0.1");
  testing::expect_spec_error(
      "name: x\nmodel: quadratic\noptimizers:\n  - {name: adam, betas: [0.9, 1.0]}\n", 4, 25,
      "optimizers[0].betas", "betas: expected real numbers in [0, 1), got [0.9, 1]");
  testing::expect_spec_error(
      "name: x\nmodel: quadratic\noptimizers:\n  - {name: sgd, lr: [0.1, -1]}\n", 4, 27,
      "optimizers[0].lr[1]", "expected a real number >= 0, got -1");
}

TEST(SpecErrors, PluginOwnRuleIsCheckedBeforeAnyRun) {
  testing::expect_spec_error(
      "name: x\nmodel: quadratic\noptimizers:\n  - {name: nesterov, momentum: 0.0}\n", 4, 6,
      "optimizers[0]", "momentum");
}

TEST(SpecErrors, UnknownTopLevelKeyAndBadName) {
  testing::expect_spec_error("name: x\nmodel: quadratic\noptimizers: [adam]\nseed: [1]\n", 4, 1,
                             "seed", "unknown key 'seed' (did you mean 'seeds'?)");
  testing::expect_spec_error("name: \"a b\"\nmodel: quadratic\noptimizers: [adam]\n", 1, 7, "name",
                             "expected a name of letters");
}

TEST(SpecErrors, InvalidYamlAndEmptyFile) {
  testing::expect_spec_error("name: x\noptimizers: [adam\n", 2, 13, "",
                             "this bracket is never closed");
  testing::expect_spec_error("", 1, 1, "", "the file is empty");
  testing::expect_spec_error("- a\n- b\n", 1, 1, "", "expected a mapping");
}

TEST(SpecErrors, GridLargerThanMaxRuns) {
  testing::expect_spec_error(R"(name: x
model: quadratic
optimizers:
  - {name: adam, lr: {logspace: [1.0e-5, 1.0, 100]}, eps: {linspace: [1.0e-8, 1.0e-6, 100]}}
seeds: {linspace: [0, 1, 2]}
)",
                             5, 8, "seeds", "linspace sweeps need a real-valued hyperparameter");
  testing::expect_spec_error(R"(name: x
model: quadratic
optimizers:
  - {name: adam, lr: {logspace: [1.0e-5, 1.0, 100]}, eps: {linspace: [1.0e-8, 1.0e-6, 200]}}
)",
                             1, 1, "max_runs",
                             "the grid expands to 20000 runs, more than max_runs (10000)");
}

TEST(SpecErrors, SameConfigurationTwice) {
  testing::expect_spec_error(
      "name: x\nmodel: quadratic\noptimizers:\n  - {name: adam}\n  - {name: adam, lr: 0.001}\n", 5,
      6, "optimizers[1]", "repeats a configuration");
}

TEST(SpecErrors, PlotsAndSeedsAreChecked) {
  testing::expect_spec_error("name: x\nmodel: quadratic\noptimizers: [adam]\nplots: [contour]\n", 4,
                             9, "plots[0]",
                             "unknown chart kind 'contour' (did you mean 'contours'?)");
  testing::expect_spec_error("name: x\nmodel: quadratic\noptimizers: [adam]\nseeds: [1, 1]\n", 4, 8,
                             "seeds", "seed 1 is listed twice");
}

TEST(Spec, TargetLossIsOptional) {
  EXPECT_FALSE(testing::load_yaml(kValid).target_loss);
  EXPECT_EQ(testing::load_yaml(std::string(kValid) + "target_loss: 1.0e-3\n").target_loss, 1e-3);
  EXPECT_EQ(testing::load_yaml(std::string(kValid) + "target_loss: 2\n").target_loss, 2.0);
}

TEST(SpecErrors, TargetLossMustBeAFiniteNumber) {
  testing::expect_spec_error("name: x\nmodel: quadratic\noptimizers: [adam]\ntarget_loss: low\n", 4,
                             14, "target_loss", "expected a real number, got 'low'");
  testing::expect_spec_error("name: x\nmodel: quadratic\noptimizers: [adam]\ntarget_loss: .inf\n",
                             4, 14, "target_loss", "expected a finite real number, got '.inf'");
  testing::expect_spec_error("name: x\nmodel: quadratic\noptimizers: [adam]\ntarget_los: 1\n", 4, 1,
                             "target_los", "did you mean 'target_loss'?");
}

TEST(SpecErrors, FileThatDoesNotExist) {
  try {
    load_file("/nonexistent/exp.yaml", testing::built_plugins());
    FAIL();
  } catch (const SpecError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/exp.yaml: cannot open the file"),
              std::string::npos);
  }
}

TEST(Experiments, EveryShippedExperimentLoadsAndExpands) {
  const auto dir = std::filesystem::path(OPTBENCH_TEST_SOURCE_DIR) / "experiments";
  int count = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().string());
    const auto spec = load_file(entry.path(), testing::built_plugins());
    EXPECT_FALSE(expand(spec, testing::built_plugins()).empty());
    ++count;
  }
  EXPECT_GE(count, 3);
}

}  // namespace
}  // namespace optbench::experiment
