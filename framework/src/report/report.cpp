#include "report/report.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "plot/plot.hpp"
#include "results/leaderboard.hpp"
#include "results/summary.hpp"
#include "results/summary_table.hpp"
#include "results/table.hpp"
#include "results/target.hpp"
#include "results/verdict.hpp"

namespace optbench::report {

namespace fs = std::filesystem;

namespace {

constexpr const char* kStyle =
    R"(body{font-family:sans-serif;margin:2em auto;max-width:1300px;color:#222}
table{border-collapse:collapse;font-size:13px;margin:0.5em 0 1.5em}
th,td{border:1px solid #ccc;padding:3px 7px;text-align:left}
th{background:#f0f0f0}
figure{margin:1.5em 0}
.verdict{display:flex;flex-wrap:wrap;gap:2em;align-items:flex-start}
.verdict>div{flex:1 1 560px}
img{max-width:100%;border:1px solid #ddd}
pre{background:#f7f7f7;padding:1em;overflow-x:auto}
)";

void html_table(const results::Table& table, std::ostream& out) {
  const auto rows = results::human_rows(table);
  out << "<table>\n<tr>";
  for (const std::string& name : rows.front())
    out << "<th>" << html_escape(name) << "</th>";
  out << "</tr>\n";
  for (std::size_t r = 1; r < rows.size(); ++r) {
    out << "<tr>";
    for (const std::string& cell : rows[r])
      out << "<td>" << html_escape(cell) << "</td>";
    out << "</tr>\n";
  }
  out << "</table>\n";
}

/// Writes a report's page as `index.html` in `dir` and returns its path.
fs::path write_index(const fs::path& dir, const std::string& html) {
  const fs::path index = dir / "index.html";
  std::ofstream out(index, std::ios::binary);
  out << html;
  out.close();
  if (!out) throw std::runtime_error("report: cannot write " + index.string());
  return index;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

fs::path write(const store::Reader& db, const std::string& experiment, const Options& options) {
  const auto record = db.experiment(experiment);
  if (!record) {
    throw std::runtime_error("report: no experiment named '" + experiment + "' in " +
                             db.path().string());
  }
  plot::Options charts;
  charts.out_dir = options.out_dir;
  charts.formats = {plot::Format::Svg};
  charts.log_y = options.log_y;
  charts.target_loss = options.target_loss;
  // One kind at a time, so that each figure's caption can name its kind.
  std::vector<std::pair<std::string, fs::path>> files;
  for (const std::string& kind : plot::kinds()) {
    for (fs::path& file : plot::draw(db, experiment, {kind}, charts))
      files.emplace_back(kind, std::move(file));
  }

  const auto target =
      options.target_loss ? options.target_loss : results::target_from_yaml(record->yaml);
  const results::Summary summary = results::summarize(db, experiment, target, options.scope);
  const std::string title = record->title.empty() ? record->name : record->title;

  std::ostringstream page;
  page << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>"
       << html_escape(title) << " - optbench report</title>\n<style>\n"
       << kStyle << "</style>\n</head>\n<body>\n";
  page << "<h1>" << html_escape(title) << "</h1>\n";
  page << "<p>Experiment <code>" << html_escape(record->name) << "</code> in <code>"
       << html_escape(db.path().string()) << "</code>: " << summary.configs.size()
       << " configurations, target loss "
       << (target ? results::short_number(*target) : std::string("not set")) << ".</p>\n";

  // The verdict first, beside the performance profile when there is one.
  const auto verdicts = results::verdicts(db, experiment);
  page << "<h2 id=\"verdict\">Verdict</h2>\n<div class=\"verdict\"><div>\n";
  for (const auto& v : verdicts)
    page << "<p class=\"verdict-line\">" << html_escape(v.line) << "</p>\n";
  const results::Table chosen = results::verdict_table(verdicts);
  if (!chosen.rows.empty()) {
    page << "<h3>Chosen configuration per optimizer (95% bootstrap interval over seeds)</h3>\n";
    html_table(chosen, page);
    const results::Table wins = results::win_table(verdicts);
    if (!wins.rows.empty()) {
      page << "<h3>Probability that the optimizer beats the other across seeds</h3>\n";
      html_table(wins, page);
    }
  }
  page << "</div>\n";
  for (const auto& [kind, file] : files) {
    if (kind != "profile") continue;
    const std::string name = html_escape(file.filename().string());
    page << "<div><figure><img src=\"" << name
         << "\" alt=\"profile chart\"><figcaption>profile: " << name
         << "</figcaption></figure></div>\n";
  }
  page << "</div>\n";

  page << "<h2 id=\"summary\">Summary</h2>\n";
  for (const auto& [problem, measure] : summary.ranked_by) {
    page << "<p>" << html_escape(problem) << ": ranked by the final " << measure
         << " (mean over seeds; a diverged or failed seed ranks last).</p>\n";
  }
  html_table(results::config_table(summary), page);
  if (!summary.best_lrs.empty()) {
    page << "<h3>Best learning rate per optimizer</h3>\n";
    html_table(results::best_lr_table(summary), page);
  }

  page << "<h2 id=\"charts\">Charts</h2>\n";
  if (files.empty()) page << "<p>No chart applies to these runs.</p>\n";
  if (std::any_of(files.begin(), files.end(), [](const auto& f) { return f.first == "profile"; })) {
    page << "<p>The performance profile is beside the verdict, at the top.</p>\n";
  }
  for (const auto& [kind, file] : files) {
    if (kind == "profile") continue;  // beside the verdict above
    const std::string name = html_escape(file.filename().string());
    page << "<figure><img src=\"" << name << "\" alt=\"" << html_escape(kind) << " chart\">"
         << "<figcaption>" << html_escape(kind) << ": " << name << "</figcaption></figure>\n";
  }

  page << "<h2 id=\"experiment\">Experiment file</h2>\n<p>From <code>"
       << html_escape(record->source_path) << "</code>:</p>\n<pre>" << html_escape(record->yaml)
       << "</pre>\n</body>\n</html>\n";

  return write_index(options.out_dir, page.str());
}

fs::path write_leaderboard(const store::Reader& db,
                           const std::vector<store::ExperimentRecord>& suite,
                           const Options& options) {
  const auto board = results::leaderboard(db, suite, options.target_loss, options.scope);
  std::ostringstream page;
  page << "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
       << "<title>Leaderboard - optbench report</title>\n<style>\n"
       << kStyle << "</style>\n</head>\n<body>\n<h1>Leaderboard</h1>\n";
  page << "<p>" << suite.size() << " experiments in <code>" << html_escape(db.path().string())
       << "</code>, one problem each. Per problem, each optimizer's best configuration: the "
          "final test metric (mean &plusmn; sd over seeds) and the steps to the experiment's "
          "target loss (mean over the seeds that reached it).</p>\n";
  page << "<ul>\n";
  const fs::path beside_db = db.path().parent_path();
  for (const auto& e : suite) {
    const std::string title = e.title.empty() ? e.name : e.title;
    const fs::path own = beside_db / e.name / "report" / "index.html";
    page << "<li>";
    if (fs::exists(own)) {
      page << "<a href=\"" << html_escape(fs::relative(own, options.out_dir).string()) << "\">"
           << html_escape(title) << "</a>";
    } else {
      page << html_escape(title);
    }
    page << " (<code>" << html_escape(e.name) << "</code>)</li>\n";
  }
  page << "</ul>\n<h2 id=\"leaderboard\">Per problem</h2>\n";
  html_table(results::leaderboard_table(board), page);
  page << "<h2 id=\"profile\">Performance profile</h2>\n<p>Share of the problems on which "
          "the optimizer reached the target within tau times the steps of the fastest "
          "optimizer there; a problem no optimizer solved counts against all.</p>\n";
  html_table(results::profile_table(board), page);
  page << "</body>\n</html>\n";
  fs::create_directories(options.out_dir);
  return write_index(options.out_dir, page.str());
}

}  // namespace optbench::report
