// What the chart kinds share: the experiment's runs grouped for drawing,
// colours fixed per configuration, and output file names.
#pragma once

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "plot/plot.hpp"
#include "plot/session.hpp"
#include "results/summary.hpp"
#include "store/reader.hpp"

namespace optbench::plot::detail {

/// Seeds of one configuration, in run id order.
using Group = std::vector<const store::RunRecord*>;
/// Configurations of one problem as (group_key, runs), in the order they
/// first appear (run id order, which is the experiment file's order), so
/// panels and legends read as the YAML does.
using Groups = std::vector<std::pair<std::string, Group>>;

/// Configurations drawn per problem in the charts that give each one a
/// line or a panel: 24, which the styles (10 colours x 3 dash patterns) keep
/// apart and a legend beside the plot can still list.
inline constexpr std::size_t kMaxDrawnGroups = 24;

class Context {
 public:
  Context(const store::Reader& db, store::ExperimentRecord experiment,
          std::vector<store::RunRecord> runs, const Options& options);

  const store::Reader& db() const { return db_; }
  const store::ExperimentRecord& experiment() const { return experiment_; }
  const Options& options() const { return options_; }
  /// The experiment's title, or its name when it has none.
  const std::string& title() const;
  /// Runs by problem_key, then group_key: at most kMaxDrawnGroups
  /// configurations per problem, the best by mean final loss.
  const std::map<std::string, Groups>& problems() const { return problems_; }
  /// "best 10 of 2000 configurations by mean final loss" when a problem has
  /// more configurations than are drawn, else "".
  std::string subset_note(const std::string& problem) const;
  /// The colour ("#rrggbb") of a configuration, the same in every chart of
  /// the experiment and on every problem (it follows the label).
  const std::string& colour(const std::string& group_key) const;
  /// Its dash pattern (" dt (10,6)", or "" for solid): colour and dash
  /// together keep 30 configurations apart, where the 10 colours alone
  /// would repeat from the 11th.
  const std::string& dash(const std::string& group_key) const;
  /// Whether the problem's runs trained on data (their per-step loss is
  /// noisy and is drawn smoothed).
  bool on_data(const std::string& problem) const;
  /// Output files for one figure, one per requested format, under unique
  /// sanitized names.
  std::vector<Target> targets(const std::string& kind, const std::string& problem);
  /// The target loss: the options', else the experiment's YAML's.
  const std::optional<double>& target() const { return target_; }
  /// The experiment's summary at target(), computed once.
  const results::Summary& summary() const;

 private:
  const store::Reader& db_;
  store::ExperimentRecord experiment_;
  std::vector<store::RunRecord> runs_;
  const Options& options_;
  std::map<std::string, Groups> problems_;
  std::map<std::string, std::size_t> omitted_;  ///< configurations not drawn, by problem
  std::map<std::string, std::string> colours_;  ///< by group_key
  std::map<std::string, std::string> dashes_;   ///< by group_key
  std::set<std::string> used_names_;
  std::optional<double> target_;
  mutable std::optional<results::Summary> summary_;
};

/// The legend / panel text of a configuration.
std::string group_label(const Group& group);

// --- metric series shared by the line chart kinds (series.cpp) -------------

/// Which stored points a series is made of and how they are read.
struct Metric {
  std::string name;  ///< "loss", "epoch_loss", "accuracy", ...
  std::string split = "train";
  /// Key points by their 1-based epoch rather than their step: epoch
  /// metrics are read per epoch, and people count epochs from one.
  bool by_epoch = false;
  /// Drop values <= 0, which a log axis cannot show.
  bool log_y = false;
  double scale = 1.0;  ///< e.g. 100 to show a fraction as a percentage
};

/// One seed's metric, or the mean over seeds: parallel vectors in key order.
struct Curve {
  std::vector<std::int64_t> keys;  ///< step, or 1-based epoch (Metric::by_epoch)
  std::vector<double> values;
  std::vector<double> seconds;  ///< wall-clock seconds since the run started
  bool empty() const { return keys.empty(); }
};

/// The metric of one run as drawn: it ends at the first non-finite value
/// (where the run diverged).
Curve load_curve(const store::Reader& db, const store::RunRecord& run, const Metric& metric);

/// What one configuration contributes to a chart.
struct Series {
  std::string title;
  std::string colour;
  std::string dash;  ///< gnuplot dash spec, "" for solid
  Curve mean;
  std::vector<double> lower, upper;  ///< the band; empty for a single seed
  bool diverged_end = false;         ///< mark the last point as where it diverged
  bool stable = true;                ///< no seed diverged
};

/// The configuration's metric: the mean and a +- std band at the keys all
/// seeds logged, or the longest seed when there is one seed or no common
/// key. None when no seed logged the metric.
std::optional<Series> group_series(const Context& ctx, const std::string& key, const Group& group,
                                   const Metric& metric);
/// group_series() for every configuration that has the metric, in order.
std::vector<Series> problem_series(const Context& ctx, const Groups& groups, const Metric& metric);

/// An upper y limit when a diverged run would otherwise stretch the axis
/// far beyond the curves worth reading; none when nothing needs capping.
std::optional<double> y_cap(const std::vector<Series>& all, bool log_y);

/// How add_lines() draws a set of series.
struct LineStyle {
  bool x_seconds = false;  ///< x is the mean wall time instead of the key
  bool points = false;     ///< mark every point (few points, such as epochs)
  bool dashed = false;
  bool titled = true;  ///< list the series in the key
  /// Draw an exponential moving average (smooth_span below) over the
  /// curve, with the raw curve faint behind it: per-step losses of
  /// mini-batches are too noisy to tell eight curves apart.
  bool smooth = false;
  std::optional<double> top;  ///< clip the band here (100 for percentages)
};

/// Plot elements for one plot command, each ending in ", ". Bands come
/// first so that no band covers a line.
struct Elements {
  std::string bands, lines, marks;
  /// The elements as a plot command's argument (without a trailing ", ").
  std::string joined() const;
};

/// Adds the datablocks of `all` to `setup` (names start with `prefix`,
/// which must be unique in the chart) and their elements to `out`.
void add_lines(const std::vector<Series>& all, const std::string& prefix, const LineStyle& style,
               std::string& setup, Elements& out);

/// The exponential moving average of `values` with span `span` (weight
/// 2 / (span + 1) on the newest value), bias-corrected at the start so that
/// the first values are not pulled towards 0.
std::vector<double> moving_average(const std::vector<double>& values, double span);
/// The span moving_average uses for a curve of `n` points: 1/25 of them,
/// at least 5.
double smooth_span(std::size_t n);

/// The range of every value drawn for `sets` (means and bands), positive
/// values only on a log axis; none when there is no value.
struct ValueRange {
  double lo = 0, hi = 0;
};
std::optional<ValueRange> value_range(std::initializer_list<const std::vector<Series>*> sets,
                                      bool log_y);
/// y tick commands for a log axis over [lo, hi]. gnuplot labels only powers
/// of ten, so an axis spanning less than about a decade would show one or
/// two labels; this places 1-2-5 (or finer) ticks instead. Empty when the
/// defaults already show three or more labels.
std::string log_ticks(double lo, double hi);
/// `set yrange` with a margin, the same for panels that are compared.
std::string shared_yrange(const ValueRange& range, bool log_y);

/// The largest 1-based epoch in the series (at least 1).
std::int64_t last_epoch(std::initializer_list<const std::vector<Series>*> sets);
/// x axis commands for epochs 1..last, the same in every panel so that
/// panels line up.
std::string epoch_axis(std::int64_t last);

/// The figure title's commands part: experiment title and problem on two
/// lines, escaped, for `set title` or `set multiplot ... title`.
std::string figure_title(const Context& ctx, const std::string& problem,
                         const std::string& note = {});

// --- stored 2-D surfaces and paths (surface_data.cpp) ----------------------

struct Point {
  double x = 0, y = 0;
};

/// The finite prefix of a trajectory: a path ends where it stops being a
/// number.
std::vector<Point> finite_path(const std::vector<store::TrajectoryPoint>& trajectory);
/// Throws std::runtime_error unless the surface is a usable regular grid.
void check_surface(const store::Surface& surface);
/// The surface as a `matrix nonuniform` datablock `$name`, every stride-th
/// sample along each axis (and the last). Non-finite samples (overflow far
/// from the minimum) become the highest finite value, since contouring and
/// surfaces need a complete grid.
std::string surface_block(const store::Surface& surface, const std::string& name, int stride);
/// f(x0, x1) interpolated bilinearly from the samples; NaN outside the grid.
double surface_value(const store::Surface& surface, double x0, double x1);

/// A chart of one 2-D problem over its stored surface.
using SurfaceChart = Chart (*)(const Context&, const std::string& problem,
                               const store::Surface& surface, const Groups& groups);
/// Draws `chart` for every problem with a stored surface, as files of `kind`.
std::vector<std::filesystem::path> draw_per_surface(Context& context, const std::string& kind,
                                                    SurfaceChart chart);

std::vector<std::filesystem::path> draw_contours(Context& context);
std::vector<std::filesystem::path> draw_loss_curves(Context& context);
std::vector<std::filesystem::path> draw_epochs(Context& context);
std::vector<std::filesystem::path> draw_iteration_epoch(Context& context);
std::vector<std::filesystem::path> draw_time(Context& context);
std::vector<std::filesystem::path> draw_lr_sensitivity(Context& context);
std::vector<std::filesystem::path> draw_surface(Context& context);
std::vector<std::filesystem::path> draw_profile(Context& context);

}  // namespace optbench::plot::detail
