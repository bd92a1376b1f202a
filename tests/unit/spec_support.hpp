// Experiments given as text in tests: their runs, and the check that one is
// refused at a given place with a given message.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "test_support.hpp"

namespace optbench::testing {

/// The text of an experiment named `name` that trains one optimizer entry
/// (`entry`, the inside of its flow mapping) on the quadratic for `steps`.
inline std::string quadratic_experiment(const std::string& name, const std::string& entry,
                                        int steps) {
  return "name: " + name + "\nmodel: {name: quadratic}\noptimizers:\n  - {" + entry +
         "}\ntrain: {steps: " + std::to_string(steps) + "}\n";
}

/// The experiment `yaml` as if read from a file named exp.yaml.
inline experiment::ExperimentSpec load_yaml(const std::string& yaml,
                                            const registry::Registry& plugins = built_plugins()) {
  return experiment::load_text(yaml, "exp.yaml", plugins);
}

/// The runs of the experiment `yaml` (read as exp.yaml).
inline std::vector<experiment::RunSpec> expand_yaml(
    const std::string& yaml, const registry::Registry& plugins = built_plugins()) {
  return experiment::expand(load_yaml(yaml, plugins), plugins);
}

/// An experiment read from `yaml` as the file `file`, and its runs.
struct Expanded {
  experiment::ExperimentSpec spec;
  std::vector<experiment::RunSpec> runs;
};
inline Expanded load_and_expand(const std::string& yaml, const std::string& file,
                                const registry::Registry& plugins = built_plugins()) {
  auto spec = experiment::load_text(yaml, file, plugins);
  auto runs = experiment::expand(spec, plugins);
  return {std::move(spec), std::move(runs)};
}

/// Expects reading and expanding `yaml` to be refused at exp.yaml:line:column,
/// at `key_path`, with `phrase` in the message.
inline void expect_spec_error(const std::string& yaml, int line, int column,
                              const std::string& key_path, const std::string& phrase,
                              const registry::Registry& plugins = built_plugins()) {
  try {
    expand_yaml(yaml, plugins);
    ADD_FAILURE() << "accepted:\n" << yaml;
  } catch (const experiment::SpecError& e) {
    EXPECT_EQ(e.where().file, "exp.yaml");
    EXPECT_EQ(e.where().line, line) << e.what();
    EXPECT_EQ(e.where().column, column) << e.what();
    EXPECT_EQ(e.key_path(), key_path) << e.what();
    EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
  }
}

}  // namespace optbench::testing
