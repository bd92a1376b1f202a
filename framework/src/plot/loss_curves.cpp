// "loss": training loss per step, one line per configuration (mean and a
// +- std band over seeds), one figure per problem.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <optional>

#include "plot/charts.hpp"

namespace optbench::plot::detail {

namespace {

// Enough for a 1200 pixel wide chart; more only bloats the SVG.
constexpr std::size_t kMaxPoints = 2000;

struct Curve {
  std::vector<std::int64_t> steps;
  std::vector<double> values;
  bool empty() const { return steps.empty(); }
};

/// The run's train loss as drawn: it ends at the first non-finite value
/// (where the run diverged), and a log axis cannot show values <= 0.
Curve load_curve(const store::Store& db, const store::RunRecord& run, bool log_y) {
  Curve curve;
  for (const store::MetricPoint& p : db.metrics(run.id, "loss", "train")) {
    if (!std::isfinite(p.value)) break;
    if (log_y && p.value <= 0.0) continue;
    curve.steps.push_back(p.step);
    curve.values.push_back(p.value);
  }
  return curve;
}

struct Series {
  std::string title;
  std::string colour;
  Curve mean;
  std::vector<double> lower, upper;  ///< the band; empty for a single seed
  bool diverged_end = false;         ///< mark the last point as where it diverged
  bool stable = true;                ///< no seed diverged
};

/// Mean and sample standard deviation over the seeds at the steps all of
/// them logged.
void aggregate(const std::vector<Curve>& seeds, bool log_y, Series& out) {
  std::map<std::int64_t, std::vector<double>> at_step;
  for (const Curve& seed : seeds) {
    for (std::size_t i = 0; i < seed.steps.size(); ++i)
      at_step[seed.steps[i]].push_back(seed.values[i]);
  }
  const double n = static_cast<double>(seeds.size());
  for (const auto& [step, values] : at_step) {
    if (values.size() != seeds.size()) continue;
    double sum = 0.0;
    for (double v : values)
      sum += v;
    const double mean = sum / n;
    double squares = 0.0;
    for (double v : values)
      squares += (v - mean) * (v - mean);
    const double sd = std::sqrt(squares / (n - 1.0));
    double low = mean - sd;
    // A log axis cannot show the band below zero; the lowest seed is the
    // most honest floor that stays on the chart.
    if (log_y && low <= 0.0) low = *std::min_element(values.begin(), values.end());
    out.mean.steps.push_back(step);
    out.mean.values.push_back(mean);
    out.lower.push_back(low);
    out.upper.push_back(mean + sd);
  }
}

std::string describe(const Group& group, std::size_t drawn_seeds) {
  std::size_t diverged = 0;
  for (const store::RunRecord* run : group)
    diverged += run->status == store::RunStatus::Diverged;
  std::string notes;
  if (drawn_seeds > 1) notes = "mean \u00b1 std of " + std::to_string(drawn_seeds) + " seeds";
  if (diverged > 0) {
    if (!notes.empty()) notes += ", ";
    notes += group.size() == 1
                 ? std::string("diverged")
                 : std::to_string(diverged) + " of " + std::to_string(group.size()) + " diverged";
  }
  std::string title = group_label(group);
  return notes.empty() ? title : title + " (" + notes + ")";
}

std::optional<Series> group_series(const Context& ctx, const std::string& key, const Group& group) {
  const bool log_y = ctx.options().log_y;
  std::vector<Curve> seeds;
  Series series;
  series.colour = ctx.colour(key);
  for (const store::RunRecord* run : group) {
    if (run->status == store::RunStatus::Diverged) series.stable = false;
    Curve curve = load_curve(ctx.db(), *run, log_y);
    if (!curve.empty()) seeds.push_back(std::move(curve));
  }
  if (seeds.empty()) return std::nullopt;
  if (seeds.size() > 1) aggregate(seeds, log_y, series);
  if (series.mean.empty()) {
    // One seed, or seeds that never logged the same step: the longest one.
    series.lower.clear();
    series.upper.clear();
    series.mean = *std::max_element(seeds.begin(), seeds.end(), [](const Curve& a, const Curve& b) {
      return a.steps.size() < b.steps.size();
    });
    series.diverged_end = group.size() == 1 && !series.stable;
    series.title = describe(group, 1);
  } else {
    series.title = describe(group, seeds.size());
  }
  return series;
}

/// Every stride-th index and always the last.
std::vector<std::size_t> thinned(std::size_t count) {
  const std::size_t stride = std::max<std::size_t>((count + kMaxPoints - 1) / kMaxPoints, 1);
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < count; i += stride)
    out.push_back(i);
  if (!out.empty() && out.back() != count - 1) out.push_back(count - 1);
  return out;
}

/// An upper y limit when a diverged run would otherwise stretch the axis
/// far beyond the curves worth reading; none when nothing needs capping.
std::optional<double> y_cap(const std::vector<Series>& all, bool log_y) {
  double stable_max = -HUGE_VAL, start_max = -HUGE_VAL, overall = -HUGE_VAL;
  bool any_stable = false;
  for (const Series& s : all) {
    const auto& values = s.upper.empty() ? s.mean.values : s.upper;
    const double top = *std::max_element(values.begin(), values.end());
    overall = std::max(overall, top);
    start_max = std::max(start_max, values.front());
    if (s.stable) {
      stable_max = std::max(stable_max, top);
      any_stable = true;
    }
  }
  if (!any_stable) return std::nullopt;
  const double readable = std::max(stable_max, start_max);
  if (overall <= readable) return std::nullopt;
  return log_y ? readable * 10.0 : readable + 0.1 * std::abs(readable);
}

Chart loss_chart(const Context& ctx, const std::string& problem, const std::vector<Series>& all) {
  const bool log_y = ctx.options().log_y;
  Chart chart;
  chart.description = "the loss chart of problem '" + problem + "'";
  std::string bands, lines, marks;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Series& s = all[i];
    const std::string colour = " lc rgb '" + s.colour + "'";
    DataBlock line("mean" + std::to_string(i));
    for (std::size_t k : thinned(s.mean.steps.size())) {
      line.row({static_cast<double>(s.mean.steps[k]), s.mean.values[k]});
    }
    chart.setup += line.text();
    lines += line.ref() + " using 1:2 with lines lw 2" + colour + " title " + gp_string(s.title) +
             " noenhanced, ";
    if (!s.upper.empty()) {
      DataBlock band("band" + std::to_string(i));
      for (std::size_t k : thinned(s.mean.steps.size())) {
        band.row({static_cast<double>(s.mean.steps[k]), s.lower[k], s.upper[k]});
      }
      chart.setup += band.text();
      bands += band.ref() + " using 1:2:3 with filledcurves fs transparent solid 0.2 noborder" +
               colour + " notitle, ";
    }
    if (s.diverged_end) {
      DataBlock end("diverged" + std::to_string(i));
      end.row({static_cast<double>(s.mean.steps.back()), s.mean.values.back()});
      chart.setup += end.text();
      marks += end.ref() + " using 1:2 with points pt 2 ps 2 lw 2" + colour + " notitle, ";
    }
  }

  std::string& c = chart.commands;
  c += "set title \"" + escape(ctx.title()) + "\\n" + escape(problem) +
       "\" noenhanced font \",13\"\n";
  c += "set xlabel \"step\"\nset ylabel \"loss\"\nset grid\n";
  c += "set key top right noenhanced box opaque\n";
  if (log_y) c += "set logscale y\n";
  if (auto cap = y_cap(all, log_y)) c += "set yrange [*:" + number(*cap) + "]\n";
  std::string elements = bands + lines + marks;
  elements.resize(elements.size() - 2);  // the trailing ", "
  c += "plot " + elements + "\n";
  return chart;
}

}  // namespace

std::vector<std::filesystem::path> draw_loss_curves(Context& ctx) {
  std::vector<std::filesystem::path> written;
  for (const auto& [problem, groups] : ctx.problems()) {
    std::vector<Series> all;
    for (const auto& [key, group] : groups) {
      if (auto series = group_series(ctx, key, group)) all.push_back(std::move(*series));
    }
    if (all.empty()) continue;
    const Chart chart = loss_chart(ctx, problem, all);
    for (auto& file : render(chart, ctx.targets("loss", problem)))
      written.push_back(file);
  }
  return written;
}

}  // namespace optbench::plot::detail
