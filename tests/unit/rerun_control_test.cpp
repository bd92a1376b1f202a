// What a run is across reruns, through the optbench binary: failed runs
// trained again with --retry, runs deleted with rm, an edited experiment
// keeping only its current grid, a second file of the same name refused,
// and a rebuilt plugin or changed data file making a different run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "process_support.hpp"
#include "spec_support.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;
using testing::run_optbench;
using testing::scalar;

const char* kTwoLrs = R"(name: reruns
model: {name: quadratic}
optimizers:
  - {name: sgd, lr: [0.1, 0.2]}
train: {steps: 2000}
)";

class Reruns : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_file(dir_ / "e.yaml", kTwoLrs); }
  testing::Result run(const std::string& extra, const fs::path& file = {}) {
    return run_optbench("run " + (file.empty() ? dir_ / "e.yaml" : file).string() + " --db " +
                        db_.string() + " --no-plots " + extra);
  }
  std::string sql(const std::string& query) { return scalar(db_, query); }

  testing::TempDir dir_;
  fs::path db_ = dir_ / "r.db";
};

// Finding 1: a failed run used to stay failed ("already in the database,
// skipped") with no way to train it again.
TEST_F(Reruns, RetryFailedTrainsTheFailedRunsAgainInTheirRows) {
  // A timeout far below a worker's start-up fails both runs.
  auto r = run("--timeout 0.001");
  ASSERT_EQ(r.exit_code, 1) << r.out;
  ASSERT_EQ(sql("SELECT count(*) FROM runs WHERE status = 'failed'"), "2") << r.out;
  const std::string ids = sql("SELECT group_concat(id) FROM runs ORDER BY id");

  r = run("");  // without --retry a failed run is a result and stays
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(testing::contains(r.out, "0 done, 0 diverged, 0 failed, 2 already in the database"))
      << r.out;

  r = run("--retry failed");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(testing::contains(r.out, "2 done, 0 diverged, 0 failed, 0 already")) << r.out;
  EXPECT_EQ(sql("SELECT count(*) FROM runs WHERE status = 'done' AND attempts = 2"), "2");
  EXPECT_EQ(sql("SELECT group_concat(id) FROM runs ORDER BY id"), ids) << "same rows";
  EXPECT_EQ(sql("SELECT count(*) FROM runs WHERE error IS NOT NULL"), "0");
  // The replaced attempt's history is gone: one history of 2001 points each.
  EXPECT_EQ(sql("SELECT count(*) FROM metrics WHERE name = 'loss'"), "4002");

  r = run("--retry all");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(sql("SELECT min(attempts) FROM runs"), "3");
  EXPECT_EQ(run("--retry sometimes").exit_code, 2);
}

TEST_F(Reruns, RmDeletesRunsAfterConfirmationAndTheExperimentWithItsLastRun) {
  ASSERT_EQ(run("--timeout 0.001").exit_code, 1);
  ASSERT_EQ(run("--retry failed --jobs 1 --in-process").exit_code, 0);
  const std::string id = sql("SELECT min(id) FROM runs");
  testing::write_file(dir_ / "yes.txt", "y\n");

  // Declined: nothing changes.
  auto r =
      run_optbench("rm --db " + db_.string() + " --experiment reruns --run " + id + " < /dev/null");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(testing::contains(r.out, "delete 1 run of 'reruns'")) << r.out;
  EXPECT_TRUE(testing::contains(r.out, "nothing deleted")) << r.out;
  EXPECT_EQ(sql("SELECT count(*) FROM runs"), "2");

  r = run_optbench("rm --db " + db_.string() + " --experiment reruns --run " + id + " < " +
                   (dir_ / "yes.txt").string());
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(sql("SELECT count(*) FROM runs"), "1");
  EXPECT_EQ(sql("SELECT count(*) FROM metric_chunks WHERE run_id = " + id), "0");

  r = run_optbench("rm --db " + db_.string() + " --experiment reruns --status failed --yes");
  EXPECT_TRUE(testing::contains(r.out, "no run of 'reruns' matches")) << r.out;

  r = run_optbench("rm --db " + db_.string() + " --experiment reruns --yes");
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(testing::contains(r.out, "deleted experiment 'reruns' and its 1 run")) << r.out;
  EXPECT_EQ(sql("SELECT count(*) FROM experiments"), "0");
  EXPECT_EQ(sql("SELECT count(*) FROM metric_chunks"), "0");

  EXPECT_EQ(run_optbench("rm --db " + db_.string() + " --experiment nosuch --yes").exit_code, 2);
  EXPECT_EQ(run_optbench("rm --db " + (dir_ / "missing.db").string() + " -e x --yes").exit_code, 2);
  EXPECT_FALSE(fs::exists(dir_ / "missing.db"));
}

// Finding 3: an edit used to leave the removed configuration's runs in
// `summary`, and a second file of the same name merged into the first.
TEST_F(Reruns, AnEditedExperimentShowsItsCurrentGridAndKeepsTheRestAside) {
  ASSERT_EQ(run("").exit_code, 0);
  testing::write_file(dir_ / "e.yaml", R"(name: reruns
model: {name: quadratic}
optimizers:
  - {name: sgd, lr: [0.1, 0.3]}
train: {steps: 2000}
)");
  auto r = run("");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(testing::contains(r.out, "1 done, 0 diverged, 0 failed, 1 already in the database"))
      << r.out;
  EXPECT_EQ(sql("SELECT count(*) FROM runs"), "3");
  EXPECT_EQ(sql("SELECT group_concat(lr) FROM (SELECT lr FROM runs WHERE in_grid ORDER BY lr)"),
            "0.1,0.3");

  for (const char* command : {"summary", "export", "runs"}) {
    r = run_optbench(std::string(command) + " --db " + db_.string() + " -e reruns");
    ASSERT_EQ(r.exit_code, 0) << command << r.out;
    EXPECT_FALSE(testing::contains(r.out, "lr=0.2")) << command << "\n" << r.out;
    EXPECT_TRUE(testing::contains(r.out, "lr=0.3")) << command << "\n" << r.out;
    r = run_optbench(std::string(command) + " --db " + db_.string() + " -e reruns --all");
    EXPECT_TRUE(testing::contains(r.out, "lr=0.2")) << command << " --all\n" << r.out;
  }
  r = run_optbench("plot --db " + db_.string() + " -e reruns --kind loss --format svg --out " +
                   (dir_ / "charts").string());
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string svg = testing::read_file(dir_ / "charts/reruns-loss-quadratic.svg");
  EXPECT_TRUE(testing::contains(svg, "sgd lr=0.3")) << svg.substr(0, 3000);
  EXPECT_FALSE(testing::contains(svg, "sgd lr=0.2")) << "the set-aside configuration is not drawn";

  // Going back to the first version brings its run back without training.
  testing::write_file(dir_ / "e.yaml", kTwoLrs);
  r = run("");
  EXPECT_TRUE(testing::contains(r.out, "0 done, 0 diverged, 0 failed, 2 already in the database"))
      << r.out;
}

TEST_F(Reruns, ASecondFileWithTheSameNameIsRefusedUnlessReplace) {
  ASSERT_EQ(run("").exit_code, 0);
  fs::create_directories(dir_ / "other");
  testing::write_file(dir_ / "other/e.yaml",
                      testing::quadratic_experiment("reruns", "name: adam, lr: 0.1", 2000));
  const std::string yaml_before = sql("SELECT yaml FROM experiments");
  auto r = run("", dir_ / "other/e.yaml");
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_TRUE(testing::contains(r.out, fs::weakly_canonical(dir_ / "e.yaml").string())) << r.out;
  EXPECT_TRUE(testing::contains(r.out, fs::weakly_canonical(dir_ / "other/e.yaml").string()))
      << r.out;
  EXPECT_TRUE(testing::contains(r.out, "--replace")) << r.out;
  EXPECT_EQ(sql("SELECT yaml FROM experiments"), yaml_before);
  EXPECT_EQ(sql("SELECT count(*) FROM runs"), "2");

  r = run("--replace", dir_ / "other/e.yaml");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(sql("SELECT group_concat(optimizer) FROM runs WHERE in_grid"), "adam");
  EXPECT_EQ(sql("SELECT source_path FROM experiments"),
            fs::weakly_canonical(dir_ / "other/e.yaml").string());
}

// Finding 2: a rebuilt plugin's runs used to be skipped as done.
TEST_F(Reruns, ARebuiltPluginIsADifferentRunAndProvenanceNamesIt) {
  const fs::path plugins = dir_ / "plugins";
  fs::create_directories(plugins);
  fs::copy_file(fs::path(OPTBENCH_TEST_PLUGIN_DIR) / "optimizer_sgd.so",
                plugins / "optimizer_sgd.so");
  const std::string with_dir = "--plugin-dir " + plugins.string();
  auto r = run(with_dir);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const std::string digest = sql("SELECT provenance ->> '$.optimizer.digest' FROM runs");
  EXPECT_EQ(digest.size(), 16u);
  EXPECT_EQ(sql("SELECT provenance ->> '$.optimizer.file' FROM runs LIMIT 1"),
            fs::weakly_canonical(plugins / "optimizer_sgd.so").string());
  EXPECT_EQ(sql("SELECT provenance ->> '$.optimizer.version' FROM runs LIMIT 1"), "1.0.0");
  EXPECT_EQ(sql("SELECT provenance ->> '$.optbench' FROM runs LIMIT 1"), OPTBENCH_VERSION);
  EXPECT_FALSE(sql("SELECT provenance ->> '$.cpu' FROM runs LIMIT 1").empty());
  EXPECT_EQ(sql("SELECT provenance ->> '$.threads' FROM runs LIMIT 1"), "1");
  EXPECT_FALSE(sql("SELECT provenance ->> '$.model.digest' FROM runs LIMIT 1").empty());

  // The same bytes: the same runs.
  r = run(with_dir);
  EXPECT_TRUE(testing::contains(r.out, "0 done, 0 diverged, 0 failed, 2 already")) << r.out;

  // A "rebuild": other bytes in the library (a trailing section).
  {
    std::ofstream so(plugins / "optimizer_sgd.so", std::ios::binary | std::ios::app);
    so << "rebuilt";
  }
  r = run(with_dir);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_TRUE(testing::contains(r.out, "2 done, 0 diverged, 0 failed, 0 already")) << r.out;
  EXPECT_EQ(sql("SELECT count(*) FROM runs WHERE in_grid"), "2");
  EXPECT_EQ(sql("SELECT count(*) FROM runs WHERE NOT in_grid AND provenance ->> "
                "'$.optimizer.digest' = '" +
                digest + "'"),
            "2")
      << "the old plugin's runs are set aside, not mixed in";
  EXPECT_EQ(sql("SELECT count(DISTINCT provenance ->> '$.optimizer.digest') FROM runs"), "2");
}

TEST_F(Reruns, AChangedDataFileIsADifferentRun) {
  testing::write_file(dir_ / "t.csv", "x,y\n1,2\n2,4.1\n3,5.9\n4,8.2\n5,9.9\n6,12.1\n");
  testing::write_file(dir_ / "d.yaml", R"(name: data-identity
model: {name: linear}
dataset: {name: table, path: t.csv}
optimizers:
  - {name: sgd, lr: 0.01}
train: {epochs: 2, batch_size: 2}
)");
  auto r = run("", dir_ / "d.yaml");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_EQ(sql("SELECT provenance ->> '$.data[0].param' FROM runs"), "path");
  EXPECT_EQ(sql("SELECT provenance ->> '$.data[0].size' FROM runs"), "39");
  r = run("", dir_ / "d.yaml");
  EXPECT_TRUE(testing::contains(r.out, "0 done, 0 diverged, 0 failed, 1 already")) << r.out;
  testing::write_file(dir_ / "t.csv", "x,y\n1,2\n2,4.1\n3,5.9\n4,8.2\n5,9.9\n6,12.2\n");
  r = run("", dir_ / "d.yaml");
  EXPECT_TRUE(testing::contains(r.out, "1 done, 0 diverged, 0 failed, 0 already")) << r.out;
  EXPECT_EQ(sql("SELECT count(*) FROM runs WHERE in_grid"), "1");
}

}  // namespace
}  // namespace optbench
