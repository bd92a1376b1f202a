// Charts that stay readable with many configurations: colour and dash
// together keep 24 series apart, the key sits outside the data, a log axis
// spanning less than a decade gets enough labels, and the moving average
// that smooths per-step losses matches pandas' ewm(span).mean().
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "plot/charts.hpp"
#include "plot/plot.hpp"
#include "store/sqlite_store.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;

/// `n` configurations on one 2-D problem, each one run whose loss falls
/// from about 0.9 to 0.3 over 20 steps: less than a decade.
fs::path store_with(const fs::path& dir, int n) {
  const fs::path file = dir / "styles.db";
  auto db = store::SqliteStore::open(file);
  const auto exp = db.upsert_experiment("styles", "many configurations", "name: styles\n",
                                        (dir / "styles.yaml").string());
  for (int k = 0; k < n; ++k) {
    store::RunRecord run;
    run.config_hash = "h" + std::to_string(k);
    run.group_key = "g" + std::to_string(k);
    run.problem_key = "quadratic";
    run.optimizer = "sgd";
    run.label = "config " + std::to_string(k);
    run.model = "quadratic";
    run.lr = 0.01 * (k + 1);
    const auto id = db.claim_run(exp, run).run_id;
    std::vector<store::MetricPoint> loss;
    for (int s = 0; s <= 20; ++s)
      loss.push_back({s, 0, "train", "loss", 0.9 - 0.6 * s / 20.0 + 0.002 * k, 0.01 * s});
    db.append_metrics(id, loss);
    db.finish_run(id, store::RunStatus::Done, "", 0.2, 20, loss.back().value);
  }
  return file;
}

std::string draw_loss_svg(const fs::path& dir, int n) {
  const auto db = store::SqliteStore::open(store_with(dir, n), store::SqliteStore::Mode::ReadOnly);
  plot::Options options;
  options.out_dir = dir / "charts";
  options.formats = {plot::Format::Svg};
  const auto files = plot::draw(db, "styles", {"loss"}, options);
  EXPECT_EQ(files.size(), 1u);
  return files.empty() ? std::string() : testing::read_file(files.front());
}

/// Each plotted series of a gnuplot SVG: its key title and the stroke
/// colour and dash pattern of its line.
struct Drawn {
  std::string title, stroke, dash;
};
std::vector<Drawn> series_of(const std::string& svg) {
  std::vector<Drawn> out;
  const std::string open = "<g id=\"gnuplot_plot_";
  for (std::size_t at = svg.find(open); at != std::string::npos;) {
    const std::size_t next = svg.find(open, at + 1);
    const std::string block =
        svg.substr(at, next == std::string::npos ? std::string::npos : next - at);
    at = next;
    std::smatch m;
    Drawn d;
    if (std::regex_search(block, m, std::regex("<title>([^<]*)</title>"))) d.title = m[1];
    if (std::regex_search(block, m, std::regex("stroke='(rgb\\([^)]*\\))'"))) d.stroke = m[1];
    d.dash = std::regex_search(block, m, std::regex("stroke-dasharray='([^']*)'")) ? m[1].str()
                                                                                   : "solid";
    if (d.title.rfind("config ", 0) == 0) out.push_back(d);
  }
  return out;
}

// Finding 11: with 10 colours, configuration 0 and 10 drew the same line.
TEST(ChartStyles, TwentyFourConfigurationsAllLookDifferent) {
  testing::TempDir dir;
  const auto drawn = series_of(draw_loss_svg(dir.path(), 24));
  ASSERT_EQ(drawn.size(), 24u);
  std::set<std::pair<std::string, std::string>> styles;
  for (const Drawn& d : drawn) {
    EXPECT_FALSE(d.stroke.empty()) << d.title;
    styles.insert({d.stroke, d.dash});
  }
  EXPECT_EQ(styles.size(), 24u) << "two configurations share a colour and a dash pattern";
}

TEST(ChartStyles, TheKeyIsOutsideThePlotArea) {
  testing::TempDir dir;
  const std::string svg = draw_loss_svg(dir.path(), 12);
  // gnuplot draws the plot's border as the first closed black path
  // ("M x,y L x,y ... Z"); the key's texts are placed by translate(x, y).
  std::smatch m;
  ASSERT_TRUE(std::regex_search(svg, m, std::regex("<path stroke='black'  d='(M[0-9., L]+) Z")))
      << "no plot border found";
  double right = 0;
  const std::string border = m[1];
  const std::regex x_of("[ML]([0-9.]+),");
  for (auto it = std::sregex_iterator(border.begin(), border.end(), x_of);
       it != std::sregex_iterator(); ++it)
    right = std::max(right, std::stod((*it)[1]));
  ASSERT_GT(right, 100.0);
  const std::regex key_text(
      "<g transform=\"translate\\(([0-9.]+),[0-9.]+\\)\"[^>]*>\\s*<text>config ");
  int keys = 0;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), key_text);
       it != std::sregex_iterator(); ++it) {
    // The text is right-aligned at x; its left end is further left, but
    // the sample line after it and the box start beyond the border.
    EXPECT_GT(std::stod((*it)[1]), right) << "a key entry inside the plot area";
    ++keys;
  }
  EXPECT_EQ(keys, 12);
}

TEST(ChartStyles, ALogAxisSpanningLessThanADecadeHasThreeLabelsOrMore) {
  testing::TempDir dir;
  const std::string svg = draw_loss_svg(dir.path(), 2);
  // y tick labels are right-aligned texts; collect their numbers.
  const std::regex label("text-anchor=\"end\">\\s*<text><tspan[^>]*>\\s*([0-9.e+-]+)</tspan>");
  std::set<double> values;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), label); it != std::sregex_iterator();
       ++it)
    values.insert(std::stod((*it)[1]));
  EXPECT_GE(values.size(), 3u) << svg.substr(0, 2000);
  for (const double v : values) {
    EXPECT_GE(v, 0.25);
    EXPECT_LE(v, 1.0);
  }
}

TEST(ChartStyles, LogTicksForNarrowAndWideRanges) {
  // Less than a decade: 1-2-3-5-7 steps.
  EXPECT_EQ(plot::detail::log_ticks(0.3, 0.9),
            "set ytics (\"0.3\" 0.3, \"0.5\" 0.5, \"0.7\" 0.7)\n");
  // Three powers of ten or more: gnuplot's own labels are enough.
  EXPECT_EQ(plot::detail::log_ticks(1e-4, 1.0), "");
}

// Smoothing per-step losses: bias-corrected exponential moving average,
// the same as pandas' Series.ewm(span=s, adjust=True).mean().
TEST(ChartStyles, MovingAverageMatchesPandasEwm) {
  // pandas.Series([1, 0, 0, 4]).ewm(span=3).mean() = [1, 1/3, 1/7, 2.2]
  const auto avg = plot::detail::moving_average({1.0, 0.0, 0.0, 4.0}, 3.0);
  ASSERT_EQ(avg.size(), 4u);
  EXPECT_NEAR(avg[0], 1.0, 1e-12);
  EXPECT_NEAR(avg[1], 1.0 / 3.0, 1e-12);
  EXPECT_NEAR(avg[2], 1.0 / 7.0, 1e-12);
  EXPECT_NEAR(avg[3], 2.2, 1e-12);
  EXPECT_EQ(plot::detail::smooth_span(100), 5.0);
  EXPECT_EQ(plot::detail::smooth_span(1000), 40.0);
}

}  // namespace
}  // namespace optbench
