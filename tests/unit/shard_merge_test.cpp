// Job arrays: `run --shard K/N` trains the K-th of N parts of the grid into
// a file of its own, and `merge` combines the files. Three shards merged
// hold exactly the runs and the bit-identical histories of one run of the
// whole grid; merging again changes nothing; an experiment defined
// differently in two files is refused, leaving the output as it was.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <set>

#include "process_support.hpp"
#include "store/backend.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;

const char* kGrid = R"(name: shards
model: {name: rosenbrock}
optimizers:
  - {name: sgd, lr: [0.0001, 0.0005]}
  - {name: adam, lr: [0.001, 0.01, 0.1]}
seeds: [0, 1]
train: {steps: 200}
)";

// Every column of every run but the ones that differ between two trainings
// (id, times, owner), and each history as text with every double's bits.
std::map<std::string, std::string> dump(const fs::path& db) {
  std::map<std::string, std::string> out;
  const auto reader = store::open_reader(db);
  for (const auto& r : reader->runs("shards", store::Scope::All)) {
    std::string row = r.group_key + "|" + r.problem_key + "|" + r.optimizer + "|" + r.label + "|" +
                      r.model + "|" + r.hyperparams + "|" + std::to_string(r.seed) + "|" +
                      store::to_string(r.status) + "|" + r.error + "|" + std::to_string(r.steps) +
                      "|" + std::to_string(r.in_grid) + "|" + std::to_string(r.attempts) + "|";
    const auto bits = [](double v) {
      std::uint64_t b;
      std::memcpy(&b, &v, sizeof b);
      return std::to_string(b);
    };
    row += bits(r.final_loss) + "|" + bits(r.lr);
    // Appended piece by piece: GCC 12 reports a false -Wrestrict for "\n" + string.
    for (const auto& p : reader->all_metrics(r.id)) {
      row.append("\n").append(p.name).append(" ").append(p.split).append(" ");
      row.append(std::to_string(p.step)).append(" ").append(bits(p.value));
    }
    for (const auto& p : reader->trajectory(r.id)) {
      row.append("\n").append(std::to_string(p.step)).append(" ").append(bits(p.x0));
      row.append(" ").append(bits(p.x1));
    }
    EXPECT_TRUE(out.emplace(r.config_hash, row).second) << "run " << r.config_hash << " twice";
  }
  return out;
}

std::set<std::string> hashes(const fs::path& db) {
  std::set<std::string> out;
  for (const auto& [hash, row] : dump(db))
    out.insert(hash);
  return out;
}

class Shards : public ::testing::Test {
 protected:
  void SetUp() override { testing::write_file(dir_ / "grid.yaml", kGrid); }
  testing::Result run(const std::string& args) {
    return testing::run_optbench("run '" + (dir_ / "grid.yaml").string() +
                                 "' --in-process --jobs 1 --threads-per-run 1 --no-plots --quiet " +
                                 args);
  }
  std::string db(const std::string& name) { return "'" + (dir_ / name).string() + "'"; }
  testing::TempDir dir_;
};

TEST_F(Shards, ThreeShardsMergedEqualOneRunAndMergingTwiceEqualsOnce) {
  ASSERT_EQ(run("--db " + db("one.db")).exit_code, 0);
  std::set<std::string> seen;
  for (int k = 1; k <= 3; ++k) {
    const auto r =
        run("--shard " + std::to_string(k) + "/3 --db " + db("shard" + std::to_string(k) + ".db"));
    ASSERT_EQ(r.exit_code, 0) << r.out;
    // 10 runs dealt 4, 3, 3, and no run in two shards.
    const auto part = hashes(dir_ / ("shard" + std::to_string(k) + ".db"));
    EXPECT_EQ(part.size(), k == 1 ? 4u : 3u);
    for (const auto& h : part)
      EXPECT_TRUE(seen.insert(h).second) << h << " in two shards";
  }
  const auto merge = "merge " + db("shard1.db") + " " + db("shard2.db") + " " + db("shard3.db") +
                     " -o " + db("all.db");
  const auto first = testing::run_optbench(merge);
  ASSERT_EQ(first.exit_code, 0) << first.out;
  EXPECT_NE(first.out.find("merged 3 files into"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("10 runs copied, 0 already there"), std::string::npos) << first.out;
  const auto one = dump(dir_ / "one.db");
  ASSERT_EQ(one.size(), 10u);
  EXPECT_EQ(dump(dir_ / "all.db"), one);
  EXPECT_EQ(testing::scalar(dir_ / "all.db", "SELECT count(*) FROM surfaces"), "1");

  const auto second = testing::run_optbench(merge);
  ASSERT_EQ(second.exit_code, 0) << second.out;
  EXPECT_NE(second.out.find("0 runs copied, 10 already there"), std::string::npos) << second.out;
  EXPECT_EQ(dump(dir_ / "all.db"), one);
  EXPECT_EQ(testing::scalar(dir_ / "all.db", "SELECT count(*) FROM metric_chunks"),
            testing::scalar(dir_ / "one.db", "SELECT count(*) FROM metric_chunks"));
  EXPECT_EQ(testing::scalar(dir_ / "all.db", "PRAGMA integrity_check"), "ok");
  // The merged file resumes like any other: nothing left to train.
  const auto again = run("--db " + db("all.db"));
  EXPECT_EQ(again.exit_code, 0) << again.out;
  EXPECT_NE(again.out.find("0 done, 0 diverged, 0 failed, 10 already in the database"),
            std::string::npos)
      << again.out;
}

TEST_F(Shards, AnUnfinishedRunIsReplacedByAFinishedCopy) {
  ASSERT_EQ(run("--db " + db("a.db")).exit_code, 0);
  ASSERT_EQ(run("--db " + db("b.db")).exit_code, 0);
  const auto id = testing::scalar(dir_ / "b.db", "SELECT min(id) FROM runs");
  sqlite3* conn = nullptr;
  ASSERT_EQ(sqlite3_open((dir_ / "b.db").c_str(), &conn), SQLITE_OK);
  const auto sql = "UPDATE runs SET status = 'interrupted' WHERE id = " + id;
  EXPECT_EQ(sqlite3_exec(conn, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(conn);
  const auto r = testing::run_optbench("merge " + db("a.db") + " -o " + db("b.db"));
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("1 run copied, 9 already there"), std::string::npos) << r.out;
  EXPECT_EQ(dump(dir_ / "b.db"), dump(dir_ / "a.db"));
}

TEST_F(Shards, DifferentDefinitionsOfOneExperimentAreRefused) {
  ASSERT_EQ(run("--shard 1/2 --db " + db("s1.db")).exit_code, 0);
  ASSERT_EQ(testing::run_optbench("merge " + db("s1.db") + " -o " + db("all.db")).exit_code, 0);
  const auto before = dump(dir_ / "all.db");
  std::string edited = kGrid;
  edited.replace(edited.find("0.0005"), 6, "0.0007");
  testing::write_file(dir_ / "grid.yaml", edited);
  ASSERT_EQ(run("--shard 2/2 --db " + db("s2.db")).exit_code, 0);
  const auto r = testing::run_optbench("merge " + db("s2.db") + " -o " + db("all.db"));
  EXPECT_EQ(r.exit_code, 2) << r.out;
  EXPECT_NE(r.out.find("s2.db: experiment 'shards' is defined differently there than in"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("merge only shards of one experiment file"), std::string::npos) << r.out;
  EXPECT_EQ(dump(dir_ / "all.db"), before);
}

TEST_F(Shards, ABadShardIsBadInput) {
  for (const std::string bad : {"0/3", "4/3", "1/0", "1-3", "a/3", "1/3x"}) {
    SCOPED_TRACE(bad);
    const auto r = run("--shard " + bad + " --db " + db("x.db"));
    EXPECT_EQ(r.exit_code, 2) << r.out;
    EXPECT_NE(r.out.find("--shard '" + bad + "'"), std::string::npos) << r.out;
    EXPECT_FALSE(fs::exists(dir_ / "x.db"));
  }
}

}  // namespace
}  // namespace optbench
