// "iteration_epoch": the classic optimizer lab's per-optimizer figure. Per problem, one
// row per configuration: the train loss at every recorded step beside the
// train loss of every epoch (mean and a +- std band over seeds). Problems
// without epoch metrics (2-D functions) get no figure.
#include <algorithm>

#include "plot/charts.hpp"

namespace optbench::plot::detail {

namespace {

// Beyond this the rows get too short to read; the title says what was left
// out.
constexpr std::size_t kMaxRows = 8;
// The lab draws each optimizer at 10 x 4 inches.
constexpr int kRowWidth = 1250;
constexpr int kRowHeight = 480;
constexpr int kTitleHeight = 90;

struct Row {
  std::optional<Series> iterations, epochs;
};

/// One panel of a row: its datablocks go to `setup`, its commands to `c`.
void panel(const std::optional<Series>& series, const std::string& prefix, const std::string& title,
           const LineStyle& style, bool log_y, const std::string& y_axis, std::string& setup,
           std::string& c) {
  Elements elements;
  std::string heading = title;
  if (series) {
    add_lines({*series}, prefix, style, setup, elements);
  } else {
    heading += " (not recorded)";
  }
  c += "set title " + gp_string(heading) + " noenhanced font \",11\"\n";
  if (log_y) {
    c += "set logscale y\n";
  } else {
    c += "unset logscale y\n";
  }
  c += y_axis;
  c += "plot " + elements.joined() + "\n";
}

Chart rows_chart(const Context& ctx, const std::string& problem, const std::vector<Row>& rows,
                 std::size_t configurations) {
  const bool log_y = ctx.options().log_y;
  Chart chart;
  chart.description = "the iteration_epoch chart of problem '" + problem + "'";
  chart.width = kRowWidth;
  chart.height = kTitleHeight + kRowHeight * static_cast<int>(rows.size());

  std::vector<Series> epochs;
  for (const Row& row : rows) {
    if (row.epochs) epochs.push_back(*row.epochs);
  }
  const std::string x_epochs = epoch_axis(last_epoch({&epochs}));
  // One y range for every panel, so that iteration and epoch losses, and
  // the configurations, are compared on the same scale.
  std::vector<Series> iterations;
  for (const Row& row : rows) {
    if (row.iterations) iterations.push_back(*row.iterations);
  }
  std::string y_axis;
  if (const auto range = value_range({&iterations, &epochs}, log_y)) {
    y_axis = shared_yrange(*range, log_y);
    if (log_y) y_axis += log_ticks(range->lo, range->hi);
  }

  std::string note;
  if (configurations > rows.size()) {
    note = "(first " + std::to_string(rows.size()) + " of " + std::to_string(configurations) +
           " configurations)";
  }
  std::string& c = chart.commands;
  c.append("set multiplot layout ")
      .append(std::to_string(rows.size()))
      .append(",2 title ")
      .append(figure_title(ctx, problem, note))
      .append("\n");
  // Each row names its configuration in its titles, so no key is needed.
  c += "set grid\nunset key\n";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const Row& row = rows[i];
    const std::string& title = row.iterations ? row.iterations->title : row.epochs->title;
    const std::string index = std::to_string(i);
    c += "set xlabel \"iteration\"\nset ylabel \"iteration loss\"\nset xrange [*:*]\nset xtics "
         "autofreq\n";
    panel(row.iterations, "iter" + index, title + " (moving average, raw faint)",
          LineStyle{.smooth = true}, log_y, y_axis, chart.setup, c);
    c += x_epochs + "set ylabel \"epoch loss\"\n";
    panel(row.epochs, "epoch" + index, title, LineStyle{.points = true}, log_y, y_axis, chart.setup,
          c);
  }
  c += "unset multiplot\n";
  return chart;
}

}  // namespace

std::vector<std::filesystem::path> draw_iteration_epoch(Context& ctx) {
  const bool log_y = ctx.options().log_y;
  const Metric iteration_loss{.name = "loss", .log_y = log_y};
  const Metric epoch_loss{.name = "epoch_loss", .by_epoch = true, .log_y = log_y};
  std::vector<std::filesystem::path> written;
  for (const auto& [problem, groups] : ctx.problems()) {
    std::vector<Row> rows;
    std::size_t configurations = 0;
    bool any_epochs = false;
    for (const auto& [key, group] : groups) {
      Row row{group_series(ctx, key, group, iteration_loss),
              group_series(ctx, key, group, epoch_loss)};
      if (!row.iterations && !row.epochs) continue;
      any_epochs = any_epochs || row.epochs;
      ++configurations;
      if (rows.size() < kMaxRows) rows.push_back(std::move(row));
    }
    if (!any_epochs) continue;
    const Chart chart = rows_chart(ctx, problem, rows, configurations);
    for (auto& file : render(chart, ctx.targets("iteration_epoch", problem)))
      written.push_back(file);
  }
  return written;
}

}  // namespace optbench::plot::detail
