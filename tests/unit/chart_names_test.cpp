// Chart files are named after the experiment, the chart kind and the
// problem, whose label may be of any length: names are bounded and stay
// unique. And a chart interrupted by SIGINT leaves no temporary folder.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include "process_support.hpp"
#include "test_support.hpp"
#include "util/spawn.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> files_in(const fs::path& dir) {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(dir))
    out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(ChartNames, LabelsOfAnyLengthDrawWithBoundedUniqueNames) {
  testing::TempDir dir;
  // Two model labels of 245 characters that differ only at the end.
  const std::string common(240, 'm');
  const auto yaml = dir.path() / "long.yaml";
  testing::write_file(yaml,
                      "name: long\nmodels:\n  - {name: quadratic, label: " + common +
                          "-aaaa}\n  - {name: rosenbrock, label: " + common +
                          "-bbbb}\noptimizers: [{name: sgd, lr: 0.1}, adam]\ntrain: {steps: 20}\n");
  const auto out = dir.path() / "out";
  const auto r = testing::run_optbench("run '" + yaml.string() + "' --out '" + out.string() +
                                       "' --jobs 1 --format svg");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto charts = files_in(out / "long");
  std::set<std::string> names;
  std::size_t per_problem = 0;
  for (const auto& chart : charts) {
    const std::string name = chart.filename().string();
    EXPECT_LE(name.size(), 255u) << name;
    EXPECT_GT(fs::file_size(chart), 1000u) << name;
    names.insert(name);
    if (name.rfind("long-contours-mmmm", 0) == 0) ++per_problem;
  }
  EXPECT_EQ(names.size(), charts.size());
  EXPECT_EQ(per_problem, 2u) << "one contour chart per problem, under distinct names";
  EXPECT_GE(charts.size(), 4u) << r.out;

  const auto report =
      testing::run_optbench("report -e long --db '" + (out / "optbench.db").string() + "' --out '" +
                            (dir.path() / "report").string() + "'");
  EXPECT_EQ(report.exit_code, 0) << report.out;
  EXPECT_TRUE(fs::exists(dir.path() / "report" / "index.html")) << report.out;
}

// SIGINT while gnuplot draws: the process ends by the signal, as before,
// but only after removing the chart's private folder.
TEST(ChartSignals, SigintDuringAChartLeavesNoTemporaryFolder) {
  testing::TempDir dir;
  const auto yaml = dir.path() / "e.yaml";
  testing::write_file(
      yaml,
      "name: e\nmodels: [quadratic, rosenbrock, rastrigin]\noptimizers: [{name: sgd, lr: 0.1}, "
      "adam, rmsprop]\ntrain: {steps: 200}\n");
  const auto db = dir.path() / "e.db";
  const auto built = testing::run_optbench("run '" + yaml.string() + "' --db '" + db.string() +
                                           "' --no-plots --jobs 1");
  ASSERT_EQ(built.exit_code, 0) << built.out;

  const auto tmp = dir.path() / "tmp";
  fs::create_directories(tmp);
  const pid_t pid = util::spawn_process(
      OPTBENCH_TEST_BINARY,
      {"plot", "--db", db.string(), "-e", "e", "--out", (dir.path() / "charts").string()},
      {.unset_env = {"OPTBENCH_PLUGIN_PATH"},
       .set_env = {"TMPDIR=" + tmp.string()},
       .output = dir.path() / "plot.txt"});
  bool seen = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!seen && std::chrono::steady_clock::now() < deadline) {
    for (const auto& e : fs::directory_iterator(tmp))
      seen = seen || e.path().filename().string().rfind("optbench-plot-", 0) == 0;
    if (!seen) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(seen) << "no chart was being drawn";
  ASSERT_EQ(kill(pid, SIGINT), 0);
  const int status = testing::wait_for(pid);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT)
      << status << "\n"
      << testing::read_file(dir.path() / "plot.txt");
  EXPECT_TRUE(files_in(tmp).empty()) << "left behind: " << files_in(tmp).front();
}

}  // namespace
}  // namespace optbench
