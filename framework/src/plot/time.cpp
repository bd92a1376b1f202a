// "time": training loss against wall-clock time, one line per configuration
// (mean over seeds at the steps all of them logged, drawn at their mean
// time, with a +- std band), one figure per problem. Reads off which
// configuration reaches a target loss first, which a per-step chart hides
// when steps differ in cost.
#include "plot/charts.hpp"

namespace optbench::plot::detail {

namespace {

/// Without elapsed time (a store whose runs recorded none) every point
/// would sit at x = 0; such a chart shows nothing.
bool has_elapsed_time(const std::vector<Series>& all) {
  for (const Series& s : all) {
    if (s.mean.seconds.back() > s.mean.seconds.front()) return true;
  }
  return false;
}

Chart time_chart(const Context& ctx, const std::string& problem, const std::vector<Series>& all) {
  const bool log_y = ctx.options().log_y;
  Chart chart;
  chart.description = "the time chart of problem '" + problem + "'";
  Elements elements;
  add_lines(all, "", LineStyle{.x_seconds = true}, chart.setup, elements);

  std::string& c = chart.commands;
  c += "set title " + figure_title(ctx, problem) + "\n";
  c += "set xlabel \"seconds\"\nset ylabel \"loss\"\nset grid\n";
  c += "set key top right noenhanced box opaque\n";
  if (log_y) c += "set logscale y\n";
  if (auto cap = y_cap(all, log_y)) c += "set yrange [*:" + number(*cap) + "]\n";
  c += "plot " + elements.joined() + "\n";
  return chart;
}

}  // namespace

std::vector<std::filesystem::path> draw_time(Context& ctx) {
  const Metric loss{.name = "loss", .log_y = ctx.options().log_y};
  std::vector<std::filesystem::path> written;
  for (const auto& [problem, groups] : ctx.problems()) {
    const std::vector<Series> all = problem_series(ctx, groups, loss);
    if (all.empty() || !has_elapsed_time(all)) continue;
    const Chart chart = time_chart(ctx, problem, all);
    for (auto& file : render(chart, ctx.targets("time", problem)))
      written.push_back(file);
  }
  return written;
}

}  // namespace optbench::plot::detail
