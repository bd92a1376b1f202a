// "loss": training loss per step, one line per configuration (mean and a
// +- std band over seeds), one figure per problem.
#include "plot/charts.hpp"

namespace optbench::plot::detail {

namespace {

Chart loss_chart(const Context& ctx, const std::string& problem, const std::vector<Series>& all) {
  const bool log_y = ctx.options().log_y;
  Chart chart;
  chart.description = "the loss chart of problem '" + problem + "'";
  Elements elements;
  add_lines(all, "", LineStyle{}, chart.setup, elements);

  std::string& c = chart.commands;
  c += "set title " + figure_title(ctx, problem) + "\n";
  c += "set xlabel \"step\"\nset ylabel \"loss\"\nset grid\n";
  c += "set key top right noenhanced box opaque\n";
  if (log_y) c += "set logscale y\n";
  if (auto cap = y_cap(all, log_y)) c += "set yrange [*:" + number(*cap) + "]\n";
  c += "plot " + elements.joined() + "\n";
  return chart;
}

}  // namespace

std::vector<std::filesystem::path> draw_loss_curves(Context& ctx) {
  const Metric loss{.name = "loss", .log_y = ctx.options().log_y};
  std::vector<std::filesystem::path> written;
  for (const auto& [problem, groups] : ctx.problems()) {
    const std::vector<Series> all = problem_series(ctx, groups, loss);
    if (all.empty()) continue;
    const Chart chart = loss_chart(ctx, problem, all);
    for (auto& file : render(chart, ctx.targets("loss", problem)))
      written.push_back(file);
  }
  return written;
}

}  // namespace optbench::plot::detail
