// `optbench report`: the page's content, and the page as headless Chromium
// shows it.
#include "report/report.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <set>
#include <string>

#include "png_pixels.hpp"
#include "store/sqlite_store.hpp"
#include "sweep_fixture.hpp"
#include "test_support.hpp"

namespace {

namespace fs = std::filesystem;
using optbench::store::SqliteStore;
using optbench::testing::read_file;
using optbench::testing::TempDir;

// contours, loss, time, lr and surface for each bowl, and one profile.
constexpr std::size_t kCharts = 11;

class Report : public optbench::testing::SweepSuite {
 protected:
  static void SetUpTestSuite() {
    SweepSuite::SetUpTestSuite();
    const SqliteStore db = SqliteStore::open(db_path(), SqliteStore::Mode::ReadOnly);
    optbench::report::Options o;
    o.out_dir = dir_->path() / "report";
    page_ = optbench::report::write(db, "sweep", o);
  }
  static inline fs::path page_;
};

std::vector<std::string> image_sources(const std::string& html) {
  static const std::regex img("<img src=\"([^\"]+)\"");
  std::vector<std::string> out;
  for (std::sregex_iterator it(html.begin(), html.end(), img), end; it != end; ++it)
    out.push_back((*it)[1]);
  return out;
}

TEST(HtmlEscape, EscapesMarkup) {
  EXPECT_EQ(optbench::report::html_escape("a < b && \"c\" > 'd'"),
            "a &lt; b &amp;&amp; &quot;c&quot; &gt; &#39;d&#39;");
  EXPECT_EQ(optbench::report::html_escape("plain"), "plain");
}

TEST_F(Report, PageHoldsYamlSummaryAndEveryChart) {
  ASSERT_EQ(page_, dir_->path() / "report" / "index.html");
  const std::string html = read_file(page_);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  // The title and the YAML are text, not markup.
  EXPECT_NE(html.find("<h1>Bowls: &lt;b&gt;SGD&lt;/b&gt; &amp; Adam</h1>"), std::string::npos);
  EXPECT_EQ(html.find("<b>SGD</b>"), std::string::npos);
  EXPECT_NE(html.find("target_loss: 0.01"), std::string::npos);
  EXPECT_NE(html.find("title: &quot;Bowls:"), std::string::npos);
  // The summary: a row per configuration, the best lrs, the target.
  EXPECT_NE(html.find("target loss 0.01"), std::string::npos);
  EXPECT_NE(html.find("<th>train_loss</th>"), std::string::npos);
  EXPECT_NE(html.find("<td>SGD lr=0.6</td>"), std::string::npos);
  EXPECT_NE(html.find("Best learning rate per optimizer"), std::string::npos);
  // Every chart, once, as an SVG file beside the page.
  const auto sources = image_sources(html);
  EXPECT_EQ(sources.size(), kCharts);
  EXPECT_EQ(std::set<std::string>(sources.begin(), sources.end()).size(), kCharts);
  for (const std::string& src : sources) {
    EXPECT_EQ(fs::path(src).extension(), ".svg") << src;
    EXPECT_NE(read_file(page_.parent_path() / src).find("</svg>"), std::string::npos) << src;
  }
  for (const char* kind : {"contours", "loss", "time", "lr", "surface", "profile"})
    EXPECT_NE(html.find("sweep-" + std::string(kind)), std::string::npos) << kind;
  // No script of any kind.
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST_F(Report, CommandLineWritesThePage) {
  TempDir out;
  const auto r = optbench::testing::run_optbench("report --db '" + db_path().string() +
                                                 "' --experiment sweep --format svg --out '" +
                                                 out.path().string() + "'");
  // --format is not an option of report: usage error.
  EXPECT_EQ(r.exit_code, 2) << r.out;
  const auto ok =
      optbench::testing::run_optbench("report --db '" + db_path().string() +
                                      "' --experiment sweep --out '" + out.path().string() + "'");
  ASSERT_EQ(ok.exit_code, 0) << ok.out;
  EXPECT_NE(ok.out.find("report: " + (out.path() / "index.html").string()), std::string::npos);
  EXPECT_EQ(image_sources(read_file(out.path() / "index.html")).size(), kCharts);
  const auto missing =
      optbench::testing::run_optbench("report --db '" + db_path().string() + "' --experiment none");
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.out.find("no experiment 'none'"), std::string::npos) << missing.out;
}

/// Headless Chromium with a fresh profile, as the issue prescribes.
std::string chromium(const TempDir& dir, const std::string& name, const std::string& what,
                     const fs::path& page) {
  return "timeout 180 /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run "
         "--disable-background-networking --disable-component-update --disable-sync "
         "--hide-scrollbars --user-data-dir='" +
         (dir.path() / ("profile-" + name)).string() + "' " + what + " 'file://" + page.string() +
         "' 2>/dev/null";
}

TEST_F(Report, ChromiumShowsTheCharts) {
  if (!fs::exists("/usr/bin/chromium")) {
    GTEST_SKIP() << "/usr/bin/chromium is not installed (Debian package chromium); "
                    "scripts/setup.sh installs it";
  }
  TempDir dir;
  // The DOM after loading: every chart is an <img> of the page.
  const fs::path dom = dir.path() / "dom.html";
  ASSERT_EQ(
      std::system((chromium(dir, "dom", "--dump-dom", page_) + " >'" + dom.string() + "'").c_str()),
      0);
  const std::string loaded = read_file(dom);
  EXPECT_NE(loaded.find("<h1>Bowls: &lt;b&gt;SGD&lt;/b&gt; &amp; Adam</h1>"), std::string::npos)
      << loaded.substr(0, 300);
  EXPECT_EQ(image_sources(loaded).size(), kCharts);
  EXPECT_NE(loaded.find("<td>SGD lr=0.6</td>"), std::string::npos);

  // The screenshot: the top 4000 pixels hold the tables, both contour charts
  // and the first loss chart, whose SGD lr=0.1 line is the palette's first
  // colour (#1f77b4). Nothing else on the page has that colour, so its
  // pixels show that the SVG charts were drawn, not just referenced.
  const fs::path shot = dir.path() / "shot.png";
  ASSERT_EQ(
      std::system(chromium(dir, "shot",
                           "--window-size=1300,4000 --screenshot='" + shot.string() + "'", page_)
                      .c_str()),
      0);
  const auto pixels = optbench::testing::decode_png(read_file(shot));
  EXPECT_EQ(pixels.width, 1300u);
  EXPECT_EQ(pixels.height, 4000u);
  // (The loss chart is 1500 px wide with its key beside the plot, so the
  // page scales it down: fewer pixels per line than a 1200 px chart.)
  EXPECT_GT(optbench::testing::count_colour(pixels, "#1f77b4", 12), 600u);
  // And a page with text on white: most pixels are white.
  EXPECT_GT(optbench::testing::count_colour(pixels, "#ffffff", 0),
            pixels.width * pixels.height / 2);
}

}  // namespace
