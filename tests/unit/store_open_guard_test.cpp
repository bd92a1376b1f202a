// Opening a results file: a foreign file that only looks like one is left
// byte for byte as it was, and a finished file on read-only media can be
// read by every read-only command.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include "process_support.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;

// A file with a meta table naming optbench's schema version, and nothing
// else of optbench's: before the check of its tables, opening it switched
// its journal mode to WAL (header bytes 18-19 from 1 to 2).
TEST(ForeignFile, AMetaTableAloneDoesNotMakeAResultsFileAndNothingIsWritten) {
  testing::TempDir dir;
  const auto file = dir.path() / "look-alike.db";
  testing::exec_sql(file,
                    "CREATE TABLE meta (key TEXT PRIMARY KEY, value);"
                    "INSERT INTO meta VALUES ('schema_version', 3);"
                    "CREATE TABLE notes (text TEXT); INSERT INTO notes VALUES ('mine');");
  const std::string before = testing::read_file(file);
  ASSERT_EQ(before[18], 1) << "the fixture starts in rollback-journal mode";

  for (const auto mode :
       {store::SqliteStore::Mode::ReadWrite, store::SqliteStore::Mode::ReadOnly}) {
    try {
      store::SqliteStore::open(file, mode);
      ADD_FAILURE() << "opened";
    } catch (const store::StoreError& e) {
      EXPECT_NE(std::string(e.what()).find("claims results schema version 3 but has no table "
                                           "'experiments'; it is not an optbench results database"),
                std::string::npos)
          << e.what();
    }
    EXPECT_EQ(testing::read_file(file), before) << "the file was changed";
    EXPECT_FALSE(fs::exists(file.string() + "-wal"));
  }
  // Through the command line too: refused, exit 1, unchanged.
  const auto r = testing::run_optbench("runs --db '" + file.string() + "'");
  EXPECT_EQ(r.exit_code, 1) << r.out;
  EXPECT_NE(r.out.find("has no table 'experiments'"), std::string::npos) << r.out;
  EXPECT_EQ(testing::read_file(file), before);
}

// A results file of the current version whose runs table lacks a column
// this version writes is refused in the same way.
TEST(ForeignFile, ARunsTableWithoutTheOwnerColumnsIsRefused) {
  testing::TempDir dir;
  const auto file = dir.path() / "partial.db";
  { auto store = store::SqliteStore::open(file); }
  testing::exec_sql(file, "ALTER TABLE runs DROP COLUMN heartbeat; PRAGMA journal_mode = DELETE;");
  const std::string before = testing::read_file(file);
  EXPECT_THROW(
      {
        try {
          store::SqliteStore::open(file);
        } catch (const store::StoreError& e) {
          EXPECT_NE(std::string(e.what()).find("its runs table has no column 'heartbeat'"),
                    std::string::npos)
              << e.what();
          throw;
        }
      },
      store::StoreError);
  EXPECT_EQ(testing::read_file(file), before);
}

// A finished results file on a read-only mount, without -wal or -shm files
// beside it: SQLite cannot create the WAL index there, and every read-only
// command failed with "unable to open database file".
class ReadOnlyMedia : public ::testing::Test {
 protected:
  void SetUp() override {
    source_ = dir_.path() / "source";
    mount_ = dir_.path() / "mount";
    fs::create_directories(source_);
    fs::create_directories(mount_);
    const auto yaml = dir_.path() / "e.yaml";
    testing::write_file(yaml,
                        "name: ro\nmodel: quadratic\noptimizers: [{name: sgd, lr: 0.1}, adam]\n"
                        "train: {steps: 20}\n");
    const auto r =
        testing::run_optbench("run '" + yaml.string() + "' --db '" +
                              (source_ / "optbench.db").string() + "' --no-plots --quiet --jobs 1");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    ASSERT_TRUE(fs::exists(source_ / "optbench.db"));
    ASSERT_FALSE(fs::exists(source_ / "optbench.db-wal")) << "closed cleanly: no log left";
    ASSERT_FALSE(fs::exists(source_ / "optbench.db-shm"));
    if (mount(source_.c_str(), mount_.c_str(), nullptr, MS_BIND, nullptr) == 0) {
      mounted_ = true;
      ASSERT_EQ(mount(nullptr, mount_.c_str(), nullptr, MS_BIND | MS_REMOUNT | MS_RDONLY, nullptr),
                0);
      ASSERT_NE(access(mount_.c_str(), W_OK), 0) << "the mount is writable";
    } else {
      // Without the right to mount, a folder this user cannot write is the
      // same case for SQLite (it cannot create the -shm file); root could.
      if (geteuid() == 0) GTEST_SKIP() << "root, but mount(2) is not permitted here";
      fs::remove(mount_);
      mount_ = source_;
      chmod(mount_.c_str(), 0555);
    }
  }
  void TearDown() override {
    if (mounted_) umount2(mount_.c_str(), MNT_DETACH);
    chmod(source_.c_str(), 0755);
  }
  fs::path db() const { return mount_ / "optbench.db"; }

  testing::TempDir dir_;
  fs::path source_, mount_;
  bool mounted_ = false;
};

TEST_F(ReadOnlyMedia, EveryReadOnlyCommandReadsAFinishedFile) {
  const std::string db_arg = " --db '" + db().string() + "'";
  const auto runs = testing::run_optbench("runs" + db_arg);
  EXPECT_EQ(runs.exit_code, 0) << runs.out;
  EXPECT_NE(runs.out.find("adam"), std::string::npos) << runs.out;
  EXPECT_NE(runs.out.find("done"), std::string::npos) << runs.out;

  const auto summary = testing::run_optbench("summary -e ro" + db_arg);
  EXPECT_EQ(summary.exit_code, 0) << summary.out;
  EXPECT_NE(summary.out.find("ranked by final train loss on quadratic"), std::string::npos)
      << summary.out;
  EXPECT_NE(summary.out.find("quadratic  adam       0.001"), std::string::npos) << summary.out;

  const auto query = testing::run_optbench(
      "query" + db_arg + " --sql \"SELECT count(*) AS n FROM runs WHERE status = 'done'\"");
  EXPECT_EQ(query.exit_code, 0) << query.out;
  EXPECT_EQ(query.out, "n\n2\n");

  const auto report = testing::run_optbench("report -e ro" + db_arg + " --out '" +
                                            (dir_.path() / "r").string() + "'");
  EXPECT_EQ(report.exit_code, 0) << report.out;
  EXPECT_TRUE(fs::exists(dir_.path() / "r" / "index.html")) << report.out;

  // Nothing appeared beside the file.
  EXPECT_FALSE(fs::exists(source_ / "optbench.db-wal"));
  EXPECT_FALSE(fs::exists(source_ / "optbench.db-shm"));
}

}  // namespace
}  // namespace optbench
