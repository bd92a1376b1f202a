// The hostile-config corpus (tests/corpus/bad_yaml): every file is refused
// before any run, with the file:line:col, key path and message its first
// line promises ("# expect: LINE:COL KEY.PATH MESSAGE", "-" for no key path),
// and a sample through the CLI exits 2 without touching the database.
#include <gtest/gtest.h>

#include <regex>

#include "experiment/grid.hpp"
#include "experiment/loader.hpp"
#include "test_support.hpp"

namespace optbench::experiment {
namespace {

namespace fs = std::filesystem;

const fs::path kCorpus = fs::path(OPTBENCH_TEST_SOURCE_DIR) / "tests/corpus/bad_yaml";

struct Expectation {
  int line = 0, column = 0;
  std::string key_path, message;
};

Expectation expectation(const std::string& text, const fs::path& file) {
  static const std::regex pattern("# expect: ([0-9]+):([0-9]+) (\\S+) (.+)");
  std::smatch m;
  const std::string first = text.substr(0, text.find('\n'));
  if (!std::regex_match(first, m, pattern)) {
    ADD_FAILURE() << file << ": first line is not '# expect: LINE:COL KEY.PATH MESSAGE'";
    return {};
  }
  return {std::stoi(m[1]), std::stoi(m[2]), m[3] == "-" ? "" : m[3].str(), m[4]};
}

std::vector<fs::path> corpus_files() {
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(kCorpus)) {
    if (e.path().extension() == ".yaml") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(HostileConfig, CorpusHasAtLeastFortyFiles) {
  EXPECT_GE(corpus_files().size(), 40u);
}

TEST(HostileConfig, EveryFileIsRefusedWhereAndAsItsHeaderSays) {
  for (const auto& file : corpus_files()) {
    SCOPED_TRACE(file.filename().string());
    const auto want = expectation(testing::read_file(file), file);
    try {
      const auto spec = load_file(file, testing::built_plugins());
      expand(spec, testing::built_plugins());
      ADD_FAILURE() << "accepted";
    } catch (const SpecError& e) {
      EXPECT_EQ(e.where().file, file.string());
      EXPECT_EQ(e.where().line, want.line) << e.what();
      EXPECT_EQ(e.where().column, want.column) << e.what();
      EXPECT_EQ(e.key_path(), want.key_path) << e.what();
      EXPECT_NE(std::string(e.what()).find(want.message), std::string::npos) << e.what();
    }
  }
}

// The same files through `optbench run` against a database that already
// holds a finished experiment: exit code 2, the error on stderr, and the
// database file byte for byte as it was.
TEST(HostileConfig, CliExitsTwoAndLeavesTheDatabaseAlone) {
  testing::TempDir dir;
  testing::write_file(dir / "ok.yaml",
                      "name: ok\nmodel: quadratic\noptimizers: [adam]\ntrain: {steps: 3}\n");
  const auto db = (dir / "r.db").string();
  const auto first = testing::run_optbench("run " + (dir / "ok.yaml").string() + " --db " + db +
                                           " --no-plots --quiet");
  ASSERT_EQ(first.exit_code, 0) << first.out;
  const auto before = testing::read_file(db);
  for (const char* name :
       {"typo_hyperparameter", "deep_flow_nesting_10000", "alias_bomb_in_sweep",
        "non_utf8_latin1_title", "grid_beyond_max_runs", "huge_real_1e400", "empty_file"}) {
    SCOPED_TRACE(name);
    const auto file = kCorpus / (std::string(name) + ".yaml");
    const auto want = expectation(testing::read_file(file), file);
    const auto r = testing::run_optbench("run " + file.string() + " --db " + db + " --no-plots");
    EXPECT_EQ(r.exit_code, 2) << r.out;
    const std::string where =
        file.string() + ":" + std::to_string(want.line) + ":" + std::to_string(want.column) + ": ";
    EXPECT_NE(r.out.find(where), std::string::npos) << r.out;
    EXPECT_NE(r.out.find(want.message), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("runs on"), std::string::npos) << "a sweep started:\n" << r.out;
  }
  EXPECT_EQ(testing::read_file(db), before);
}

}  // namespace
}  // namespace optbench::experiment
