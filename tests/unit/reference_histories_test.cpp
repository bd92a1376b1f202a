// Results do not drift: a few small experiments (the 2-D lab problems, the
// linear fit, every rule family on a small MLP, the CNN for four steps)
// must record exactly the points that an older build recorded, to the last
// bit (gen_reference_histories.sh says how), so refactorings and faster
// loops since then are proven to have left every number alone.
//
// The models built on oneDNN compute in another order of additions on each
// instruction set oneDNN has kernels for, so their points are kept per
// instruction set: tests/golden/reference_histories/<isa>.txt, named as
// onednn_isa() names it. The 2-D problems run on optbench's own loops,
// whose AVX2 and AVX-512 copies give the same bits, so every file must hold
// the same points for them, and they are checked on any machine.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "onednn_isa.hpp"
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

const fs::path kReferences = kSource / "tests/golden/reference_histories";

/// The reference points of one file by experiment name, one line each.
std::map<std::string, std::vector<std::string>> reference_points(const fs::path& file) {
  std::map<std::string, std::vector<std::string>> points;
  std::istringstream in(read_text(file));
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

/// Every reference file, by instruction set.
std::map<std::string, fs::path> reference_files() {
  std::map<std::string, fs::path> files;
  for (const auto& entry : fs::directory_iterator(kReferences)) {
    if (entry.path().extension() == ".txt") files[entry.path().stem().string()] = entry.path();
  }
  return files;
}

struct Experiment {
  const char* path;
  bool on_onednn;  ///< its model's products run on oneDNN's kernels
};

void PrintTo(const Experiment& e, std::ostream* out) {
  *out << e.path;
}

class ReferenceHistories : public ::testing::TestWithParam<Experiment> {};

TEST_P(ReferenceHistories, EveryPointEqualsTheReferenceBuildsToTheBit) {
  const fs::path experiment = kSource / GetParam().path;
  if (experiment.string().find("fixtures/reference") != std::string::npos &&
      !fs::exists("/usr/share/datasets/fashion-mnist")) {
    GTEST_SKIP() << "Fashion-MNIST not installed (Debian package dataset-fashion-mnist)";
  }
  const auto files = reference_files();
  ASSERT_FALSE(files.empty()) << "no reference files in " << kReferences;
  const std::string isa = testing::onednn_isa();
  fs::path reference = files.begin()->second;
  if (GetParam().on_onednn) {
    const auto it = files.find(isa);
    if (it == files.end()) {
      GTEST_SKIP() << "no reference points for oneDNN's " << isa
                   << " kernels, the ones it runs here; tests/golden/gen_reference_histories.sh "
                      "writes them (from a build whose results are trusted)";
    }
    reference = it->second;
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
  const auto expected = reference_points(reference);
  ASSERT_TRUE(expected.count(name)) << name << " has no reference points in " << reference;
  expect_same_points(expected.at(name), points, name + " (" + reference.filename().string() + ")");
}

INSTANTIATE_TEST_SUITE_P(
    Experiments, ReferenceHistories,
    ::testing::Values(Experiment{"experiments/lab_quadratic.yaml", false},
                      Experiment{"experiments/lab_ellipse.yaml", false},
                      Experiment{"experiments/lab_cubic.yaml", false},
                      Experiment{"experiments/lab_linear_fit.yaml", true},
                      Experiment{"tests/fixtures/reference/small_networks.yaml", true},
                      Experiment{"tests/fixtures/reference/small_cnn.yaml", true}));

// What lets the 2-D problems be checked on any machine: every instruction
// set's file holds the same points for them, and every file holds all six
// experiments.
TEST(ReferenceFiles, AgreeOnTheProblemsOptbenchComputesItself) {
  const auto files = reference_files();
  ASSERT_GE(files.size(), 2U) << "the AVX2 and AVX-512 files are checked in";
  const auto first = reference_points(files.begin()->second);
  EXPECT_EQ(first.size(), 6U) << files.begin()->second;
  for (const auto& [isa, file] : files) {
    const auto points = reference_points(file);
    EXPECT_EQ(points.size(), first.size()) << file;
    for (const char* name : {"lab-quadratic", "lab-ellipse", "lab-cubic"}) {
      ASSERT_TRUE(points.count(name)) << name << " missing from " << file;
      EXPECT_EQ(points.at(name), first.at(name))
          << name << ": " << file << " differs from " << files.begin()->second;
    }
  }
}

}  // namespace
}  // namespace optbench
