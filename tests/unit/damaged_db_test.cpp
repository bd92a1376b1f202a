// A results database with flipped bytes or cut short is refused on open,
// read-only or not, with a message naming the file, exit code 3 from the CLI,
// and its bytes exactly as they were.
#include <gtest/gtest.h>

#include <functional>

#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench::store {
namespace {

namespace fs = std::filesystem;
using testing::read_file;
using testing::write_file;

class DamagedDb : public ::testing::Test {
 protected:
  // One healthy database from a real run: 2,000 steps of metrics and
  // trajectory plus a sampled surface, about 80 pages of 4 KiB.
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir;
    write_file(*dir_ / "e.yaml",
               "name: healthy\nmodel: {name: rosenbrock}\noptimizers: [{name: adam, lr: 0.01}]\n"
               "train: {steps: 2000}\n");
    const auto r = testing::run_optbench("run " + (*dir_ / "e.yaml").string() + " --db " +
                                         (*dir_ / "healthy.db").string() + " --no-plots --quiet");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    healthy_ = new std::string(read_file(*dir_ / "healthy.db"));
  }
  static void TearDownTestSuite() {
    delete healthy_;
    delete dir_;
  }

  // A copy of the healthy file under a new name, changed by `damage`.
  static fs::path damaged_copy(const std::string& name,
                               const std::function<void(std::string&)>& damage) {
    std::string bytes = *healthy_;
    damage(bytes);
    const auto file = *dir_ / (name + ".db");
    write_file(file, bytes);
    return file;
  }

  static std::size_t page_size() {
    const auto& h = *healthy_;
    return (static_cast<std::size_t>(static_cast<unsigned char>(h[16])) << 8) |
           static_cast<unsigned char>(h[17]);
  }

  // Both modes refuse the file with DamagedDatabase naming it and `what`,
  // and leave its bytes unchanged.
  static void expect_refused(const fs::path& file, const std::string& what) {
    const auto before = read_file(file);
    for (const auto mode : {SqliteStore::Mode::ReadWrite, SqliteStore::Mode::ReadOnly}) {
      try {
        SqliteStore::open(file, mode);
        ADD_FAILURE() << file << " opened";
      } catch (const DamagedDatabase& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(fs::absolute(file).string()), std::string::npos) << message;
        EXPECT_NE(message.find(what), std::string::npos) << message;
        EXPECT_NE(message.find("left unchanged"), std::string::npos) << message;
      }
      EXPECT_EQ(read_file(file), before) << file;
    }
  }

  static testing::TempDir* dir_;
  static std::string* healthy_;
};

testing::TempDir* DamagedDb::dir_ = nullptr;
std::string* DamagedDb::healthy_ = nullptr;

TEST_F(DamagedDb, HealthyCopyOpensAndReads) {
  ASSERT_EQ(page_size(), 4096u);
  ASSERT_GE(healthy_->size() / page_size(), 40u);
  const auto file = damaged_copy("intact", [](std::string&) {});
  const SqliteStore db = SqliteStore::open(file, SqliteStore::Mode::ReadOnly);
  const auto runs = db.runs("healthy");
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].steps, 2000);
  EXPECT_EQ(db.metrics(runs[0].id, "loss").size(), 2001u);  // the start and 2,000 steps
}

TEST_F(DamagedDb, FlippedMagicIsNotASqliteDatabase) {
  expect_refused(damaged_copy("magic", [](std::string& b) { b[3] ^= 0x20; }),
                 "is not a SQLite database");
}

TEST_F(DamagedDb, FlippedPageSizeIsADamagedHeader) {
  // 4096 (0x10 0x00) becomes 4097: not a power of two.
  expect_refused(damaged_copy("page-size", [](std::string& b) { b[17] ^= 0x01; }),
                 "page size 4097 is not a power of two");
}

TEST_F(DamagedDb, CutMidPageIsTruncated) {
  expect_refused(damaged_copy("mid-page", [](std::string& b) { b.resize(b.size() - 1000); }),
                 "are not a whole number of 4096-byte pages");
}

// With a rollback journal the header's page count is exact, and a short
// file is named as truncated; in WAL mode (what optbench writes) a checkpoint
// may run ahead of the file's length, so there quick_check finds it.
TEST_F(DamagedDb, LastPagesMissingIsTruncated) {
  const auto pages = healthy_->size() / page_size();
  ASSERT_EQ((*healthy_)[18], 2);  // WAL
  expect_refused(damaged_copy("rollback-two-pages-short",
                              [](std::string& b) {
                                b[18] = b[19] = 1;
                                b.resize(b.size() - 2 * 4096);
                              }),
                 "truncated: its header declares " + std::to_string(pages) +
                     " pages of 4096 bytes, but the "
                     "file has only " +
                     std::to_string(pages - 2));
  expect_refused(
      damaged_copy("wal-two-pages-short", [](std::string& b) { b.resize(b.size() - 2 * 4096); }),
      "is damaged (SQLite: database disk image is malformed)");
}

TEST_F(DamagedDb, FlippedBytesInsideTheBtreesAreFoundByTheQuickCheck) {
  // The type byte of every b-tree page after the first, flipped: each page of
  // the file is then unreadable as what its parent says it is.
  expect_refused(damaged_copy("page-types",
                              [](std::string& b) {
                                for (std::size_t p = 4096; p < b.size(); p += 4096)
                                  b[p] = static_cast<char>(b[p] ^ 0xff);
                              }),
                 "is damaged");
  // The first table leaf page (type 0x0d) after page 1, its cell pointers
  // (after the 8-byte page header) overwritten: they point past the page's
  // end.
  expect_refused(damaged_copy("cell-pointers",
                              [](std::string& b) {
                                std::size_t page = 4096;
                                while (page < b.size() && b[page] != 0x0d)
                                  page += 4096;
                                ASSERT_LT(page, b.size());
                                for (std::size_t k = 8; k < 24; ++k)
                                  b[page + k] = static_cast<char>(0xee);
                              }),
                 "is damaged");
}

TEST_F(DamagedDb, CliExitsThreeAndNamesTheFile) {
  const auto file = damaged_copy("cli", [](std::string& b) { b.resize(b.size() - 1000); });
  const auto before = read_file(file);
  for (const std::string& command :
       {"runs --db " + file.string(),
        "run " + (*dir_ / "e.yaml").string() + " --db " + file.string() + " --no-plots --quiet"}) {
    const auto r = testing::run_optbench(command);
    EXPECT_EQ(r.exit_code, 3) << command << "\n" << r.out;
    EXPECT_NE(r.out.find(file.string() + ": is truncated"), std::string::npos) << r.out;
  }
  EXPECT_EQ(read_file(file), before);
}

}  // namespace
}  // namespace optbench::store
