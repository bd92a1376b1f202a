// The optbench binary as a user runs it: commands, output and exit codes
// (0 ok, 1 runtime failure, 2 bad input).
#include <gtest/gtest.h>

#include <sstream>

#include "test_support.hpp"

namespace optbench {
namespace {

using testing::run_optbench;

// Every plugin the build made (as the registry finds them) is listed on a
// line of its own with its version and its file.
TEST(Cli, PluginsListsEveryBuiltInWithVersionAndFile) {
  const auto r = run_optbench("plugins");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::size_t listed = 0;
  for (const auto kind :
       {PluginKind::Optimizer, PluginKind::Model, PluginKind::Dataset, PluginKind::Schedule}) {
    for (const auto& name : testing::built_plugins().names(kind)) {
      const auto* plugin = testing::built_plugins().find(kind, name);
      // The file ("<kind>_<name>.so") is unique where a name is not (a model
      // and a schedule may both be "linear").
      const auto file = plugin->path.filename().string();
      const auto at = r.out.find(file);
      ASSERT_NE(at, std::string::npos) << file << "\n" << r.out;
      const auto begin = r.out.rfind('\n', at) + 1;
      const auto line = r.out.substr(begin, r.out.find('\n', at) - begin);
      EXPECT_EQ(line.rfind(name + " ", 0), 0u) << line;
      EXPECT_TRUE(testing::contains(line, plugin->info.version)) << line;
      ++listed;
    }
  }
  EXPECT_GE(listed, 9u + 6u);
}

TEST(Cli, DescribeAdamPrintsItsHyperparameterTable) {
  const auto r = run_optbench("plugins --describe adam");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(testing::contains(r.out, "hyperparameter"));
  EXPECT_TRUE(testing::contains(r.out, "lr              real       0.001"));
  EXPECT_TRUE(
      testing::contains(r.out, "betas           real list  [0.9, 0.999]  2 values in [0, 1)"));
  EXPECT_TRUE(testing::contains(r.out, "amsgrad"));
  EXPECT_EQ(run_optbench("plugins --describe nosuch").exit_code, 2);
}

TEST(Cli, RunQueryRunsAndPlotEndToEnd) {
  testing::TempDir dir;
  testing::write_file(dir / "e.yaml", R"(name: cli-e2e
title: "CLI end to end"
model: {name: ellipse}
optimizers:
  - {name: sgd, label: SGD, lr: 0.95}
  - {name: adam, label: Adam, lr: 0.3}
train: {steps: 30}
)");
  const auto out = (dir / "out").string();
  auto r = run_optbench("run " + (dir / "e.yaml").string() + " --out " + out + " --jobs 2");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(testing::contains(r.out, "2 done, 0 diverged, 0 failed"));
  EXPECT_TRUE(std::filesystem::exists(dir / "out/optbench.db"));
  EXPECT_TRUE(std::filesystem::exists(dir / "out/cli-e2e/cli-e2e-contours-ellipse.png")) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir / "out/cli-e2e/cli-e2e-loss-ellipse.svg")) << r.out;

  const auto db = (dir / "out/optbench.db").string();
  r = run_optbench("query --db " + db +
                   " --sql \"SELECT label, steps, status FROM runs ORDER BY label\"");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(r.out, "label,steps,status\nAdam,30,done\nSGD,30,done\n");

  r = run_optbench("runs --db " + db);
  EXPECT_TRUE(testing::contains(r.out, "cli-e2e")) << r.out;

  r = run_optbench("query --db " + db + " --sql \"DELETE FROM runs\"");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  r = run_optbench("query --db " + db + " --sql \"SELECT count(*) AS n FROM runs\"");
  EXPECT_EQ(r.out, "n\n2\n") << "the refused DELETE must not have deleted anything";

  r = run_optbench("plot --db " + db + " --experiment cli-e2e --out " + (dir / "redraw").string() +
                   " --kind loss --format svg");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(std::filesystem::exists(dir / "redraw/cli-e2e-loss-ellipse.svg"));
  EXPECT_FALSE(std::filesystem::exists(dir / "redraw/cli-e2e-contours-ellipse.svg"));

  // Same command again: everything is already there.
  r = run_optbench("run " + (dir / "e.yaml").string() + " --out " + out + " --no-plots");
  EXPECT_TRUE(testing::contains(r.out, "0 done, 0 diverged, 0 failed, 2 already in the database"))
      << r.out;
}

// Without plots: the defaults for 2-D functions (contours, loss), lr for the
// sweep and the profile for two problems with a target, each path printed.
TEST(Cli, RunWithoutPlotsDrawsTheDefaultKinds) {
  testing::TempDir dir;
  testing::write_file(dir / "e.yaml", R"(name: defaults
models: [{name: ellipse}, {name: quadratic}]
optimizers:
  - {name: sgd, label: SGD, lr: [0.1, 0.3]}
train: {steps: 20}
target_loss: 0.5
)");
  const auto r = run_optbench("run " + (dir / "e.yaml").string() + " --out " +
                              (dir / "out").string() + " --format svg");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  std::vector<std::string> charts;
  std::istringstream lines(r.out);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("chart: ", 0) == 0)
      charts.push_back(std::filesystem::path(line.substr(7)).filename().string());
  }
  EXPECT_EQ(charts,
            (std::vector<std::string>{
                "defaults-contours-ellipse.svg", "defaults-contours-quadratic.svg",
                "defaults-loss-ellipse.svg", "defaults-loss-quadratic.svg",
                "defaults-lr-ellipse.svg", "defaults-lr-quadratic.svg", "defaults-profile.svg"}))
      << r.out;
  for (const auto& chart : charts)
    EXPECT_TRUE(std::filesystem::exists(dir / "out/defaults" / chart)) << chart;
}

TEST(Cli, BadExperimentExitsTwoWithLocationAndStoresNothing) {
  testing::TempDir dir;
  testing::write_file(dir / "bad.yaml",
                      "name: bad\nmodel: quadratic\noptimizers:\n  - {name: adam, lr: -1}\n");
  const auto r =
      run_optbench("run " + (dir / "bad.yaml").string() + " --out " + (dir / "out").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(testing::contains(
      r.out, "bad.yaml:4:22: optimizers[0].lr: lr: expected a real number >= 0, got -1"))
      << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir / "out/optbench.db"));
}

TEST(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run_optbench("frobnicate").exit_code, 2);
  EXPECT_EQ(run_optbench("run").exit_code, 2);
  EXPECT_EQ(run_optbench("run x.yaml --jobs nope").exit_code, 2);
  EXPECT_EQ(run_optbench("plot --db /nonexistent.db").exit_code, 2);
  const auto help = run_optbench("run --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_TRUE(testing::contains(help.out, "--jobs"));
}

// A reading command given a database that is not there: bad input, as the
// help's exit codes say, not a runtime failure.
TEST(Cli, MissingDatabaseIsBadInputNamingTheFile) {
  const auto r = run_optbench("runs --db /nonexistent/dir/x.db");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(testing::contains(r.out, "/nonexistent/dir/x.db")) << r.out;
}

}  // namespace
}  // namespace optbench
