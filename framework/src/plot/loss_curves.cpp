// "loss" and "time": training loss, one line per configuration (mean and a
// +- std band over seeds), one figure per problem; against the step ("loss")
// or against wall-clock seconds ("time", the mean over seeds at the steps
// all of them logged). The time chart reads off which configuration reaches
// a target loss first, which a per-step chart hides when steps differ in
// cost.
#include "plot/charts.hpp"

namespace optbench::plot::detail {

namespace {

enum class XAxis { Step, Seconds };

/// Without elapsed time (a store whose runs recorded none) every point
/// would sit at x = 0; such a chart shows nothing.
bool has_elapsed_time(const std::vector<Series>& all) {
  for (const Series& s : all) {
    if (s.mean.seconds.back() > s.mean.seconds.front()) return true;
  }
  return false;
}

Chart loss_chart(const Context& ctx, const std::string& problem, const std::vector<Series>& all,
                 XAxis x) {
  const bool log_y = ctx.options().log_y;
  const bool seconds = x == XAxis::Seconds;
  Chart chart;
  chart.description = std::string("the ").append(seconds ? "time" : "loss");
  chart.description.append(" chart of problem '").append(problem).append("'");
  // The key sits outside the plot, right of it, so it never covers a curve.
  chart.width = 1500;
  Elements elements;
  const bool smooth = ctx.on_data(problem);
  add_lines(all, "", LineStyle{.x_seconds = seconds, .smooth = smooth}, chart.setup, elements);

  std::string& c = chart.commands;
  c += "set title " + figure_title(ctx, problem, smooth ? "(moving average, raw loss faint)" : "") +
       "\n";
  c += seconds ? "set xlabel \"seconds\"\n" : "set xlabel \"step\"\n";
  c += "set ylabel \"loss\"\nset grid\n";
  c += "set key outside right top vertical noenhanced box\n";
  if (log_y) c += "set logscale y\n";
  const auto cap = y_cap(all, log_y);
  if (cap) c += "set yrange [*:" + number(*cap) + "]\n";
  if (const auto range = value_range({&all}, log_y); range && log_y)
    c += log_ticks(range->lo, cap ? std::min(range->hi, *cap) : range->hi);
  c += "plot " + elements.joined() + "\n";
  return chart;
}

std::vector<std::filesystem::path> draw_loss(Context& ctx, XAxis x) {
  const Metric loss{.name = "loss", .log_y = ctx.options().log_y};
  const char* kind = x == XAxis::Seconds ? "time" : "loss";
  std::vector<std::filesystem::path> written;
  for (const auto& [problem, groups] : ctx.problems()) {
    const std::vector<Series> all = problem_series(ctx, groups, loss);
    if (all.empty() || (x == XAxis::Seconds && !has_elapsed_time(all))) continue;
    for (auto& file : render(loss_chart(ctx, problem, all, x), ctx.targets(kind, problem)))
      written.push_back(file);
  }
  return written;
}

}  // namespace

std::vector<std::filesystem::path> draw_loss_curves(Context& ctx) {
  return draw_loss(ctx, XAxis::Step);
}

std::vector<std::filesystem::path> draw_time(Context& ctx) {
  return draw_loss(ctx, XAxis::Seconds);
}

}  // namespace optbench::plot::detail
