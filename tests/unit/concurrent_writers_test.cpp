// Eight optbench processes running eight different experiments on one
// database file that none of them created yet: the schema is created once,
// nobody sees "database is locked", and every row arrives exactly once.
#include <gtest/gtest.h>

#include "process_support.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

constexpr int kWriters = 8;
constexpr int kStepsPerRun = 200;
constexpr int kRunsPerExperiment = 3;

TEST(ConcurrentWriters, EightProcessesOnOneFreshFile) {
  testing::TempDir dir;
  const auto db = dir / "shared.db";
  std::vector<pid_t> pids;
  for (int w = 0; w < kWriters; ++w) {
    const auto yaml = dir / ("e" + std::to_string(w) + ".yaml");
    // Different experiments: own name, own optimizer settings.
    testing::write_file(yaml, "name: writer-" + std::to_string(w) +
                                  "\nmodel: {name: quadratic}\n"
                                  "optimizers: [{name: sgd, lr: [0.01, 0.02, 0.03]}]\n"
                                  "seeds: [" +
                                  std::to_string(w) +
                                  "]\n"
                                  "train: {steps: " +
                                  std::to_string(kStepsPerRun) + "}\n");
    pids.push_back(testing::spawn_optbench(
        {"run", yaml.string(), "--db", db.string(), "--no-plots", "--quiet", "--jobs", "1"},
        dir / ("out" + std::to_string(w) + ".txt")));
  }
  for (int w = 0; w < kWriters; ++w) {
    const int status = testing::wait_for(pids[w]);
    const auto out = testing::read_file(dir / ("out" + std::to_string(w) + ".txt"));
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << out;
    EXPECT_EQ(out.find("locked"), std::string::npos) << out;
    EXPECT_EQ(out.find("busy"), std::string::npos) << out;
  }
  const int runs = kWriters * kRunsPerExperiment;
  EXPECT_EQ(testing::scalar(db, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(testing::scalar(db, "SELECT count(*) FROM meta WHERE key = 'schema_version'"), "1");
  EXPECT_EQ(testing::scalar(db, "SELECT count(*) FROM experiments"), std::to_string(kWriters));
  EXPECT_EQ(testing::scalar(db, "SELECT count(*) FROM runs WHERE status = 'done'"),
            std::to_string(runs));
  EXPECT_EQ(testing::scalar(db, "SELECT count(DISTINCT experiment_id || config_hash) FROM runs"),
            std::to_string(runs));
  EXPECT_EQ(testing::scalar(db, "SELECT count(*) FROM metrics"),
            std::to_string(runs * (kStepsPerRun + 1)));
  EXPECT_EQ(testing::scalar(db, "SELECT count(*) FROM trajectories"),
            std::to_string(runs * (kStepsPerRun + 1)));
  EXPECT_EQ(testing::scalar(db, "SELECT count(*) FROM surfaces"), std::to_string(kWriters));
}

}  // namespace
}  // namespace optbench
