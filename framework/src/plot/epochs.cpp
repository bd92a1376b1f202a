// "epochs": per problem, the loss per epoch (train solid, test dashed) beside
// the test accuracy per epoch, one line per configuration (mean and a +- std
// band over seeds). Problems without epoch metrics (2-D functions) get no
// figure.
#include "plot/charts.hpp"

namespace optbench::plot::detail {

namespace {

Chart epochs_chart(const Context& ctx, const std::string& problem, const std::vector<Series>& train,
                   const std::vector<Series>& test, const std::vector<Series>& accuracy) {
  const bool log_y = ctx.options().log_y;
  Chart chart;
  chart.description = "the epochs chart of problem '" + problem + "'";
  const bool two_panels = !accuracy.empty();
  // Room for the key outside the panels, right of them.
  chart.width = two_panels ? 1800 : 1500;
  if (two_panels) chart.height = 700;

  Elements loss;
  LineStyle solid{.points = true};
  add_lines(train, "train", solid, chart.setup, loss);
  // The configuration is named once, on its train line; the test line
  // shares its colour. Without train lines the test lines carry the names.
  LineStyle dashed{.points = true, .dashed = true, .titled = train.empty()};
  add_lines(test, "test", dashed, chart.setup, loss);

  std::string& c = chart.commands;
  c.append("set multiplot layout 1,")
      .append(two_panels ? "2" : "1")
      .append(" title ")
      .append(figure_title(ctx, problem))
      .append("\n");
  c += epoch_axis(last_epoch({&train, &test, &accuracy}));
  c += "set grid\n";

  std::string panel = "loss per epoch";
  if (!train.empty() && !test.empty()) {
    panel += " (solid: train, dashed: test)";
  } else {
    panel += train.empty() ? " (test)" : " (train)";
  }
  c += "set title " + gp_string(panel) + " noenhanced font \",11\"\n";
  // One key, outside the data: right of the last panel (both panels share
  // the configurations' colours and dashes).
  c += two_panels ? "set ylabel \"loss\"\nunset key\n"
                  : "set ylabel \"loss\"\nset key outside right top vertical noenhanced box\n";
  if (log_y) c += "set logscale y\n";
  std::vector<Series> both = train;
  both.insert(both.end(), test.begin(), test.end());
  const auto cap = y_cap(both, log_y);
  if (cap) c += "set yrange [*:" + number(*cap) + "]\n";
  if (const auto range = value_range({&both}, log_y); range && log_y)
    c += log_ticks(range->lo, cap ? std::min(range->hi, *cap) : range->hi);
  c += "plot " + loss.joined() + "\n";

  if (two_panels) {
    Elements acc;
    add_lines(accuracy, "accuracy", LineStyle{.points = true, .top = 1.0}, chart.setup, acc);
    c += "set title \"test accuracy\" font \",11\"\n";
    c += "set ylabel \"test accuracy (fraction correct)\"\nunset logscale y\nset yrange [*:*]\n";
    c += "set ytics autofreq\nset key outside right top vertical noenhanced box\n";
    c += "plot " + acc.joined() + "\n";
  }
  c += "unset multiplot\n";
  return chart;
}

}  // namespace

std::vector<std::filesystem::path> draw_epochs(Context& ctx) {
  const bool log_y = ctx.options().log_y;
  const Metric train_loss{.name = "epoch_loss", .by_epoch = true, .log_y = log_y};
  const Metric test_loss{.name = "loss", .split = "test", .by_epoch = true, .log_y = log_y};
  const Metric accuracy{.name = "accuracy", .split = "test", .by_epoch = true};
  std::vector<std::filesystem::path> written;
  for (const auto& [problem, groups] : ctx.problems()) {
    const std::vector<Series> train = problem_series(ctx, groups, train_loss);
    const std::vector<Series> test = problem_series(ctx, groups, test_loss);
    if (train.empty() && test.empty()) continue;
    const Chart chart =
        epochs_chart(ctx, problem, train, test, problem_series(ctx, groups, accuracy));
    for (auto& file : render(chart, ctx.targets("epochs", problem)))
      written.push_back(file);
  }
  return written;
}

}  // namespace optbench::plot::detail
