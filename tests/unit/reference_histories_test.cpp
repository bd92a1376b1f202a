// Results do not drift: a few small experiments (the 2-D lab problems, the
// linear fit, every rule family on a small MLP, the CNN for four steps)
// must record exactly the points tests/golden/reference_histories.txt holds,
// to the last bit. The file was written by an older build
// (gen_reference_histories.sh says how), so refactorings and faster loops
// since then are proven to have left every number alone.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "process_support.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;

const fs::path kSource = OPTBENCH_TEST_SOURCE_DIR;

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// The reference points by experiment name, one line each, in the query's
/// order.
std::map<std::string, std::vector<std::string>> reference_points() {
  std::map<std::string, std::vector<std::string>> points;
  std::istringstream in(read_text(kSource / "tests/golden/reference_histories.txt"));
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    points[line.substr(0, line.find('|'))].push_back(line);
  }
  return points;
}

/// The same lines from a database this build wrote.
std::vector<std::string> points_in(const fs::path& db) {
  const std::string sql = read_text(kSource / "tests/golden/reference_histories.sql");
  std::string query = sql.substr(sql.find("-- query\n") + 9);
  query = query.substr(0, query.rfind(';'));
  const std::string all =
      testing::scalar(db, "SELECT group_concat(line, char(10)) FROM (" + query + ")");
  std::vector<std::string> lines;
  std::istringstream in(all);
  for (std::string line; std::getline(in, line);)
    lines.push_back(line);
  return lines;
}

/// Compares the two sets of lines (sorted, as group_concat need not keep the
/// query's order) and names the first point that differs.
void expect_same_points(std::vector<std::string> expected, std::vector<std::string> got,
                        const std::string& experiment) {
  std::sort(expected.begin(), expected.end());
  std::sort(got.begin(), got.end());
  const std::size_t n = std::min(expected.size(), got.size());
  for (std::size_t i = 0; i < n; ++i) {
    if (expected[i] != got[i]) {
      ADD_FAILURE() << experiment << ": point " << i << " differs\n  reference: " << expected[i]
                    << "\n  this build: " << got[i];
      return;
    }
  }
  EXPECT_EQ(got.size(), expected.size()) << experiment << ": a different number of points";
}

class ReferenceHistories : public ::testing::TestWithParam<const char*> {};

TEST_P(ReferenceHistories, EveryPointEqualsTheReferenceBuildsToTheBit) {
  const fs::path experiment = kSource / GetParam();
  if (experiment.string().find("fixtures/reference") != std::string::npos &&
      !fs::exists("/usr/share/datasets/fashion-mnist")) {
    GTEST_SKIP() << "Fashion-MNIST not installed (Debian package dataset-fashion-mnist)";
  }
  testing::TempDir dir;
  const fs::path db = dir / "r.db";
  // Relative data paths in the experiment resolve against its folder.
  const auto r = testing::run_optbench("run '" + experiment.string() + "' --db '" + db.string() +
                                       "' --no-plots --quiet");
  ASSERT_EQ(r.exit_code, 0) << r.out;
  const auto points = points_in(db);
  ASSERT_FALSE(points.empty());
  const std::string name = points.front().substr(0, points.front().find('|'));
  const auto reference = reference_points();
  ASSERT_TRUE(reference.count(name)) << name << " has no reference points";
  expect_same_points(reference.at(name), points, name);
}

INSTANTIATE_TEST_SUITE_P(Experiments, ReferenceHistories,
                         ::testing::Values("experiments/lab_quadratic.yaml",
                                           "experiments/lab_ellipse.yaml",
                                           "experiments/lab_cubic.yaml",
                                           "experiments/lab_linear_fit.yaml",
                                           "tests/fixtures/reference/small_networks.yaml",
                                           "tests/fixtures/reference/small_cnn.yaml"));

}  // namespace
}  // namespace optbench
