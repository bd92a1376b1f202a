// Metric series as the line chart kinds ("loss", "epochs",
// "iteration_epoch", "time") draw them: read from the store, averaged over
// seeds, and turned into gnuplot datablocks and plot elements.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <optional>

#include "plot/charts.hpp"

namespace optbench::plot::detail {

namespace {

// Enough for a 1200 pixel wide chart; more only bloats the SVG.
constexpr std::size_t kMaxPoints = 2000;
// Until this many epochs every epoch gets a tick of its own.
constexpr std::int64_t kEveryEpochTicks = 20;

/// Mean and sample standard deviation over the seeds at the keys all of
/// them logged.
void aggregate(const std::vector<Curve>& seeds, bool log_y, Series& out) {
  struct AtKey {
    std::vector<double> values;
    double seconds = 0.0;
  };
  std::map<std::int64_t, AtKey> at_key;
  for (const Curve& seed : seeds) {
    for (std::size_t i = 0; i < seed.keys.size(); ++i) {
      AtKey& at = at_key[seed.keys[i]];
      at.values.push_back(seed.values[i]);
      at.seconds += seed.seconds[i];
    }
  }
  const double n = static_cast<double>(seeds.size());
  for (const auto& [key, at] : at_key) {
    const std::vector<double>& values = at.values;
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
    out.mean.keys.push_back(key);
    out.mean.values.push_back(mean);
    out.mean.seconds.push_back(at.seconds / n);
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

/// Every stride-th index and always the last.
std::vector<std::size_t> thinned(std::size_t count) {
  const std::size_t stride = std::max<std::size_t>((count + kMaxPoints - 1) / kMaxPoints, 1);
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < count; i += stride)
    out.push_back(i);
  if (!out.empty() && out.back() != count - 1) out.push_back(count - 1);
  return out;
}

}  // namespace

Curve load_curve(const store::Reader& db, const store::RunRecord& run, const Metric& metric) {
  Curve curve;
  for (const store::MetricPoint& p : db.metrics(run.id, metric.name, metric.split)) {
    if (!std::isfinite(p.value)) break;
    if (metric.log_y && p.value <= 0.0) continue;
    curve.keys.push_back(metric.by_epoch ? p.epoch : p.step);  // epochs are stored from 1
    curve.values.push_back(p.value * metric.scale);
    curve.seconds.push_back(std::isfinite(p.wall_seconds) ? p.wall_seconds : 0.0);
  }
  return curve;
}

std::optional<Series> group_series(const Context& ctx, const std::string& key, const Group& group,
                                   const Metric& metric) {
  std::vector<Curve> seeds;
  Series series;
  series.colour = ctx.colour(key);
  series.dash = ctx.dash(key);
  for (const store::RunRecord* run : group) {
    if (run->status == store::RunStatus::Diverged) series.stable = false;
    Curve curve = load_curve(ctx.db(), *run, metric);
    if (!curve.empty()) seeds.push_back(std::move(curve));
  }
  if (seeds.empty()) return std::nullopt;
  if (seeds.size() > 1) aggregate(seeds, metric.log_y, series);
  if (series.mean.empty()) {
    // One seed, or seeds that never logged the same key: the longest one.
    series.lower.clear();
    series.upper.clear();
    series.mean = *std::max_element(seeds.begin(), seeds.end(), [](const Curve& a, const Curve& b) {
      return a.keys.size() < b.keys.size();
    });
    series.diverged_end = group.size() == 1 && !series.stable;
    series.title = describe(group, 1);
  } else {
    series.title = describe(group, seeds.size());
  }
  return series;
}

std::vector<Series> problem_series(const Context& ctx, const Groups& groups, const Metric& metric) {
  std::vector<Series> all;
  for (const auto& [key, group] : groups) {
    if (auto series = group_series(ctx, key, group, metric)) all.push_back(std::move(*series));
  }
  return all;
}

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

std::string Elements::joined() const {
  std::string all = bands + lines + marks;
  // Something must be plotted even when every series is empty.
  if (all.empty()) return "NaN notitle";
  all.resize(all.size() - 2);  // the trailing ", "
  return all;
}

void add_lines(const std::vector<Series>& all, const std::string& prefix, const LineStyle& style,
               std::string& setup, Elements& out) {
  const std::string with = style.points ? " with linespoints lw 2 pt 7 ps 0.9" : " with lines lw 2";
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Series& s = all[i];
    const std::string dash = style.dashed ? " dt 2" : s.dash;
    const std::string colour = " lc rgb '" + s.colour + "'";
    const std::string index = std::to_string(i);
    auto x = [&](std::size_t k) {
      return style.x_seconds ? s.mean.seconds[k] : static_cast<double>(s.mean.keys[k]);
    };
    const bool smooth = style.smooth && s.mean.values.size() > 10;
    if (smooth) {
      // The raw curve faint (gnuplot's alpha: 0xb0 of 0xff transparent),
      // the average over it in the configuration's own style.
      DataBlock raw(prefix + "raw" + index);
      for (std::size_t k : thinned(s.mean.keys.size()))
        raw.row({x(k), s.mean.values[k]});
      setup += raw.text();
      out.bands +=
          raw.ref() + " using 1:2 with lines lw 1 lc rgb '#b0" + s.colour.substr(1) + "' notitle, ";
    }
    const std::vector<double> values =
        smooth ? moving_average(s.mean.values, smooth_span(s.mean.values.size())) : s.mean.values;
    DataBlock line(prefix + "mean" + index);
    for (std::size_t k : thinned(s.mean.keys.size()))
      line.row({x(k), values[k]});
    setup += line.text();
    out.lines += line.ref() + " using 1:2" + with + dash + colour;
    out.lines += style.titled ? " title " + gp_string(s.title) + " noenhanced, " : " notitle, ";
    if (!s.upper.empty()) {
      DataBlock band(prefix + "band" + index);
      for (std::size_t k : thinned(s.mean.keys.size())) {
        const double upper = style.top ? std::min(s.upper[k], *style.top) : s.upper[k];
        band.row({x(k), s.lower[k], upper});
      }
      setup += band.text();
      out.bands += band.ref() + " using 1:2:3 with filledcurves fs transparent solid 0.2 noborder" +
                   colour + " notitle, ";
    }
    if (s.diverged_end) {
      DataBlock end(prefix + "diverged" + index);
      end.row({x(s.mean.keys.size() - 1), s.mean.values.back()});
      setup += end.text();
      out.marks += end.ref() + " using 1:2 with points pt 2 ps 2 lw 2" + colour + " notitle, ";
    }
  }
}

std::vector<double> moving_average(const std::vector<double>& values, double span) {
  const double alpha = 2.0 / (span + 1.0);
  std::vector<double> out(values.size());
  double average = 0.0, weight = 0.0;
  for (std::size_t k = 0; k < values.size(); ++k) {
    average = (1.0 - alpha) * average + alpha * values[k];
    weight = (1.0 - alpha) * weight + alpha;
    out[k] = average / weight;
  }
  return out;
}

double smooth_span(std::size_t n) {
  return std::max(5.0, static_cast<double>(n) / 25.0);
}

std::optional<ValueRange> value_range(std::initializer_list<const std::vector<Series>*> sets,
                                      bool log_y) {
  std::optional<ValueRange> range;
  const auto take = [&](const std::vector<double>& values) {
    for (const double v : values) {
      if (!std::isfinite(v) || (log_y && v <= 0.0)) continue;
      if (!range) range = ValueRange{v, v};
      range->lo = std::min(range->lo, v);
      range->hi = std::max(range->hi, v);
    }
  };
  for (const std::vector<Series>* set : sets) {
    for (const Series& s : *set) {
      take(s.mean.values);
      take(s.lower);
      take(s.upper);
    }
  }
  return range;
}

std::string log_ticks(double lo, double hi) {
  if (!(lo > 0.0) || !(hi >= lo)) return {};
  const int first = static_cast<int>(std::floor(std::log10(lo)));
  const int last = static_cast<int>(std::ceil(std::log10(hi)));
  int powers = 0;
  for (int e = first; e <= last; ++e) {
    const double p = std::pow(10.0, e);
    if (p >= lo && p <= hi) ++powers;
  }
  if (powers >= 3) return {};
  // The coarsest mantissas that give at least three ticks in [lo, hi].
  static const std::vector<std::vector<double>> kSteps = {
      {1, 2, 5}, {1, 2, 3, 5, 7}, {1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9}};
  std::vector<double> ticks;
  for (const auto& mantissas : kSteps) {
    ticks.clear();
    for (int e = first; e <= last; ++e) {
      for (const double m : mantissas) {
        // Divided for negative powers, so that 3 / 10 is the double 0.3.
        const double t = e < 0 ? m / std::pow(10.0, -e) : m * std::pow(10.0, e);
        if (t >= lo * (1 - 1e-9) && t <= hi * (1 + 1e-9)) ticks.push_back(t);
      }
    }
    if (ticks.size() >= 3) break;
  }
  // Still fewer than three (a very narrow range): both ends and the middle.
  if (ticks.size() < 3) ticks = {lo, std::sqrt(lo * hi), hi};
  std::string c = "set ytics (";
  for (std::size_t i = 0; i < ticks.size(); ++i) {
    char label[32];
    std::snprintf(label, sizeof label, "%.3g", ticks[i]);
    c.append(i ? ", " : "").append(gp_string(label)).append(" ").append(number(ticks[i]));
  }
  return c + ")\n";
}

std::string shared_yrange(const ValueRange& range, bool log_y) {
  double lo = range.lo, hi = range.hi;
  if (log_y) {
    lo /= 1.15;
    hi *= 1.15;
  } else {
    const double pad = 0.05 * std::max(hi - lo, std::abs(hi) * 1e-6 + 1e-12);
    lo -= pad;
    hi += pad;
  }
  return "set yrange [" + number(lo) + ":" + number(hi) + "]\n";
}

std::int64_t last_epoch(std::initializer_list<const std::vector<Series>*> sets) {
  std::int64_t last = 1;
  for (const std::vector<Series>* set : sets) {
    for (const Series& s : *set)
      last = std::max(last, s.mean.keys.back());
  }
  return last;
}

std::string epoch_axis(std::int64_t last) {
  // Room at both ends keeps the first and last markers whole.
  const double pad = std::max(0.25, 0.02 * static_cast<double>(last));
  std::string c = "set xlabel \"epoch\"\nset xrange [";
  c.append(number(1.0 - pad))
      .append(":")
      .append(number(static_cast<double>(last) + pad))
      .append("]\n");
  c += last <= kEveryEpochTicks ? "set xtics 1\n" : "set xtics autofreq\n";
  return c;
}

std::string figure_title(const Context& ctx, const std::string& problem, const std::string& note) {
  std::string out = "\"";
  out.append(escape(ctx.title())).append("\\n").append(escape(problem));
  if (!note.empty()) out.append("   ").append(escape(note));
  if (const auto subset = ctx.subset_note(problem); !subset.empty())
    out.append("   (").append(escape(subset)).append(")");
  out.append("\" noenhanced font \",13\"");
  return out;
}

}  // namespace optbench::plot::detail
