// The chart kinds that read the summary (lr, profile) or draw in 3-D
// (surface), drawn from the sweep fixture; and the default kinds of `run`.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "plot/plot.hpp"
#include "store/sqlite_store.hpp"
#include "sweep_fixture.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using namespace optbench::plot;
using namespace optbench::store;
using namespace optbench::testing;

class ChartKinds : public optbench::testing::SweepSuite {
 protected:
  /// Draws one kind as PNG and SVG into `out`.
  static std::vector<fs::path> draw(const std::string& kind, const fs::path& out,
                                    std::optional<double> target = {}) {
    const SqliteStore db = SqliteStore::open(db_path(), SqliteStore::Mode::ReadOnly);
    optbench::plot::Options o;
    o.out_dir = out;
    o.formats = {Format::Png, Format::Svg};
    o.target_loss = target;
    return optbench::plot::draw(db, "sweep", {kind}, o);
  }
};

std::vector<fs::path> per_problem(const fs::path& dir, const std::string& kind) {
  return chart_files(dir, "sweep", kind, {"bowl-flat", "bowl-steep"});
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(ChartKinds, LrSensitivity) {
  TempDir out;
  const auto files = draw("lr", out.path());
  ASSERT_EQ(files, per_problem(out.path(), "lr"));
  EXPECT_EQ(png_size(files[0]).width, 1200u);
  EXPECT_GT(fs::file_size(files[0]), 15000u);
  const std::string steep = read_file(files[3]);
  EXPECT_TRUE(has(steep, "<svg"));
  // One line per optimizer (its label without the lr), the lr on a log axis.
  EXPECT_TRUE(has(steep, ">SGD<"));
  EXPECT_TRUE(has(steep, ">Adam<"));
  EXPECT_FALSE(has(steep, "SGD lr=0.1"));
  EXPECT_TRUE(has(steep, ">learning rate<"));
  EXPECT_TRUE(has(steep, "final train loss (mean \u00b1 std over seeds)"));
  EXPECT_TRUE(has(steep, "Bowls: &lt;b>SGD&lt;/b> &amp; Adam"));
  // SGD at lr 0.6 diverged on the steep bowl only.
  EXPECT_TRUE(has(steep, "diverged or failed (a seed)"));
  EXPECT_FALSE(has(read_file(files[1]), "diverged or failed"));
}

TEST_F(ChartKinds, SurfaceWithPaths) {
  TempDir out;
  const auto files = draw("surface", out.path());
  ASSERT_EQ(files, per_problem(out.path(), "surface"));
  const auto size = png_size(files[2]);
  EXPECT_EQ(size.width, 1200u);
  EXPECT_EQ(size.height, 900u);
  EXPECT_GT(fs::file_size(files[2]), 40000u);
  const std::string svg = read_file(files[3]);
  for (const auto& c : optbench::testing::sweep_configs())
    EXPECT_TRUE(has(svg, c.label + " (seed 0)")) << c.label;
  EXPECT_TRUE(has(svg, ">f(x0, x1)<"));
  EXPECT_TRUE(has(svg, "paths over the surface"));
  // Every configuration's colour: SGD lr=0.1 is the palette's first.
  EXPECT_TRUE(has(svg, "rgb( 31, 119, 180)"));
}

TEST_F(ChartKinds, PerformanceProfile) {
  TempDir out;
  const auto files = draw("profile", out.path());
  ASSERT_EQ(files, (std::vector<fs::path>{out.path() / "sweep-profile.png",
                                          out.path() / "sweep-profile.svg"}));
  EXPECT_GT(png_size(files[0]).width, 0u);
  const std::string svg = read_file(files[1]);
  // The YAML's target_loss: 0.01; both optimizers reach it on both bowls.
  EXPECT_TRUE(has(svg, "performance profile over 2 problems, target loss 0.01"));
  EXPECT_TRUE(has(svg, "sgd (best lr per problem; reaches the target on 2 of 2)"));
  EXPECT_TRUE(has(svg, "adam (best lr per problem; reaches the target on 2 of 2)"));
  EXPECT_TRUE(has(svg, "fraction of problems within"));
}

TEST_F(ChartKinds, ProfileNeedsAReachableTarget) {
  TempDir out;
  // Nobody gets below 1e-30 in 40 steps: no profile to draw.
  EXPECT_TRUE(draw("profile", out.path(), 1e-30).empty());
  // A looser target from the options wins over the YAML's.
  const auto files = draw("profile", out.path(), 5.0);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_TRUE(has(read_file(files[1]), "target loss 5"));
}

TEST(ChartKindsSafety, HostileTitleExecutesNothing) {
  TempDir dir;
  const fs::path canary = dir.path() / "canary";
  const std::string title =
      "x`touch " + canary.string() + "` \"; system(\"touch " + canary.string() + "\"); \" @m";
  optbench::testing::build_sweep_db(dir.path() / "evil.db", "evil", title);
  const SqliteStore db = SqliteStore::open(dir.path() / "evil.db", SqliteStore::Mode::ReadOnly);
  optbench::plot::Options o;
  o.out_dir = dir.path() / "charts";
  o.formats = {Format::Svg};
  const auto files = optbench::plot::draw(db, "evil", {"lr", "surface", "profile"}, o);
  EXPECT_EQ(files.size(), 5u);
  EXPECT_FALSE(fs::exists(canary));
  EXPECT_TRUE(has(read_file(files.back()), "system("));
}

RunRecord record(const std::string& problem, const std::string& dataset,
                 const std::string& optimizer, double lr) {
  RunRecord r;
  r.problem_key = problem;
  r.dataset = dataset;
  r.optimizer = optimizer;
  r.lr = lr;
  return r;
}

TEST(DefaultKinds, FollowTheProblems) {
  using optbench::plot::default_kinds;
  using V = std::vector<std::string>;
  const RunRecord bowl = record("bowl", "", "sgd", 0.1);
  EXPECT_EQ(default_kinds({bowl}, false), (V{"contours", "loss"}));
  EXPECT_EQ(default_kinds({bowl, record("bowl", "", "sgd", 0.2)}, false),
            (V{"contours", "loss", "lr"}));
  // The same lr twice is no sweep; two optimizers at one lr each neither.
  EXPECT_EQ(default_kinds({bowl, bowl, record("bowl", "", "adam", 0.2)}, false),
            (V{"contours", "loss"}));
  const RunRecord mlp = record("mlp on digits", "idx", "adam", 0.001);
  EXPECT_EQ(default_kinds({mlp}, true), (V{"epochs", "iteration_epoch"}));
  EXPECT_EQ(default_kinds({mlp, record("mlp on digits", "idx", "adam", 0.01)}, false),
            (V{"epochs", "iteration_epoch", "lr"}));
  // A profile needs a target and two problems.
  EXPECT_EQ(default_kinds({bowl, record("other", "", "sgd", 0.1)}, true),
            (V{"contours", "loss", "profile"}));
  EXPECT_EQ(default_kinds({bowl, record("other", "", "sgd", 0.1)}, false), (V{"contours", "loss"}));
}

}  // namespace
