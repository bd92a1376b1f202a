// "contours": optimizer paths over the contour lines of a 2-D function, one
// panel per configuration, one figure per problem with a stored surface.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <utility>

#include "plot/charts.hpp"

namespace optbench::plot::detail {

namespace {

constexpr const char* kPathColour = "#d62728";
// Same red, 60% transparent (gnuplot's #AARRGGBB counts alpha as
// transparency), so extra seeds do not hide the first one.
constexpr const char* kSeedColour = "#99d62728";
constexpr int kContourLevels = 14;
constexpr std::size_t kMaxMarkers = 100;

struct Window {
  double x_min, x_max, y_min, y_max;
  bool contains(Point p) const {
    return p.x >= x_min && p.x <= x_max && p.y >= y_min && p.y <= y_max;
  }
};

/// Liang-Barsky: the part of segment a-b inside the window, if any. Done
/// here rather than left to gnuplot so that a diverging path (values up to
/// 1e300) still shows the stretch where it leaves the window.
std::optional<std::pair<Point, Point>> clip(Point a, Point b, const Window& w) {
  const double dx = b.x - a.x;
  const double dy = b.y - a.y;
  if (!std::isfinite(dx) || !std::isfinite(dy)) return std::nullopt;
  double t0 = 0.0, t1 = 1.0;
  auto edge = [&](double p, double q) {
    if (p == 0.0) return q >= 0.0;
    const double r = q / p;
    if (p < 0.0) {
      if (r > t1) return false;
      t0 = std::max(t0, r);
    } else {
      if (r < t0) return false;
      t1 = std::min(t1, r);
    }
    return true;
  };
  if (!edge(-dx, a.x - w.x_min) || !edge(dx, w.x_max - a.x) || !edge(-dy, a.y - w.y_min) ||
      !edge(dy, w.y_max - a.y)) {
    return std::nullopt;
  }
  // Exact end points where not clipped, so consecutive pieces join.
  const Point from = t0 == 0.0 ? a : Point{a.x + t0 * dx, a.y + t0 * dy};
  const Point to = t1 == 1.0 ? b : Point{a.x + t1 * dx, a.y + t1 * dy};
  return std::pair{from, to};
}

void add_clipped_lines(const std::vector<Point>& path, const Window& window, DataBlock& lines) {
  std::optional<Point> last;
  for (std::size_t i = 1; i < path.size(); ++i) {
    auto piece = clip(path[i - 1], path[i], window);
    if (!piece) continue;
    const bool joins = last && last->x == piece->first.x && last->y == piece->first.y;
    if (!joins) {
      if (last) lines.gap();
      lines.row({piece->first.x, piece->first.y});
    }
    lines.row({piece->second.x, piece->second.y});
    last = piece->second;
  }
}

void add_markers(const std::vector<Point>& path, const Window& window, DataBlock& markers) {
  std::vector<Point> inside;
  for (const Point& p : path) {
    if (window.contains(p)) inside.push_back(p);
  }
  const std::size_t stride = (inside.size() + kMaxMarkers - 1) / kMaxMarkers;
  for (std::size_t i = 0; i < inside.size(); i += std::max<std::size_t>(stride, 1)) {
    markers.row({inside[i].x, inside[i].y});
  }
}

/// Contour levels for the surface. Functions such as Rosenbrock span many
/// decades, so levels are spaced geometrically in the height above the
/// minimum, between low and high quantiles of the sampled values (the
/// corners of the window would otherwise take all the levels).
struct Levels {
  double base = 0;              ///< the surface's minimum
  std::vector<double> heights;  ///< above base, increasing
};

Levels contour_levels(const std::vector<double>& values) {
  std::vector<double> sorted;
  for (double v : values) {
    if (std::isfinite(v)) sorted.push_back(v);
  }
  Levels levels;
  if (sorted.empty()) return levels;
  std::sort(sorted.begin(), sorted.end());
  auto quantile = [&](double q) {
    return sorted[static_cast<std::size_t>(q * (sorted.size() - 1))];
  };
  levels.base = sorted.front();
  const double high = quantile(0.95) - levels.base;
  if (!(high > 0.0)) return levels;
  const double low = std::max(quantile(0.01) - levels.base, high * 1e-4);
  const double ratio = std::pow(high / low, 1.0 / (kContourLevels - 1));
  for (int i = 0; i < kContourLevels; ++i)
    levels.heights.push_back(low * std::pow(ratio, i));
  return levels;
}

/// Runs gnuplot's contouring once per level, into $level0, $level1, ...:
/// gnuplot writes contour tables with six significant digits and drops
/// levels that produce no line, so one table per level is the reliable way
/// to know which line belongs to which level.
std::string contour_tables(const Levels& levels, const store::Surface& surface) {
  // Splines smooth the corners of coarse grids; on fine grids they only
  // multiply the points (and the size of an SVG).
  const bool coarse = std::min(surface.nx, surface.ny) < 100;
  std::string out = "set contour base\nunset surface\n";
  out += coarse ? "set cntrparam cubicspline points 3\n" : "set cntrparam linear\n";
  for (std::size_t k = 0; k < levels.heights.size(); ++k) {
    out += "set cntrparam levels discrete " + number(levels.base + levels.heights[k]) + "\n";
    out += "set table $level" + std::to_string(k) +
           "\nsplot $surface matrix nonuniform with lines notitle\nunset table\n";
  }
  return out + "unset contour\nset surface\n";
}

/// Level colours from dark (low) to light (high): viridis without its
/// yellow end, which would vanish on white.
std::string level_colour(std::size_t k, std::size_t count) {
  struct Rgb {
    double r, g, b;
  };
  static constexpr Rgb stops[] = {{68, 1, 84}, {59, 82, 139}, {33, 144, 141}, {94, 201, 98}};
  constexpr std::size_t last = std::size(stops) - 1;
  const double t = count > 1 ? static_cast<double>(k) / static_cast<double>(count - 1) : 0.0;
  const std::size_t i = std::min(static_cast<std::size_t>(t * last), last - 1);
  const double f = t * last - static_cast<double>(i);
  auto mix = [&](double a, double b) { return static_cast<int>(std::lround(a + (b - a) * f)); };
  char hex[8];
  std::snprintf(hex, sizeof hex, "#%02x%02x%02x", mix(stops[i].r, stops[i + 1].r),
                mix(stops[i].g, stops[i + 1].g), mix(stops[i].b, stops[i + 1].b));
  return hex;
}

std::string ref_name(const char* what, std::size_t group, std::size_t seed) {
  return std::string(what) + std::to_string(group) + "_" + std::to_string(seed);
}

struct Panel {
  std::string title;
  std::vector<std::string> elements;  ///< plot elements drawn over the contours
};

Panel group_panel(const Context& ctx, const Group& group, std::size_t index, const Window& window,
                  std::string& setup) {
  Panel panel{group_label(group), {}};
  bool any_path = false;
  for (std::size_t seed = 0; seed < group.size(); ++seed) {
    const std::vector<Point> path = finite_path(ctx.db().trajectory(group[seed]->id));
    if (path.empty()) continue;
    any_path = true;
    const bool first = panel.elements.empty();
    DataBlock lines(ref_name("path", index, seed));
    add_clipped_lines(path, window, lines);
    if (!lines.empty()) {
      setup += lines.text();
      panel.elements.push_back(lines.ref() + " using 1:2 with lines lw " + (first ? "1.5" : "0.8") +
                               " lc rgb '" + (first ? kPathColour : kSeedColour) + "' notitle");
    }
    if (first) {
      DataBlock markers(ref_name("marks", index, seed));
      add_markers(path, window, markers);
      if (!markers.empty()) {
        setup += markers.text();
        panel.elements.push_back(markers.ref() + " using 1:2 with points pt 7 ps 0.6 lc rgb '" +
                                 kPathColour + "' notitle");
      }
    }
    if (window.contains(path.front())) {
      DataBlock start(ref_name("start", index, seed));
      start.row({path.front().x, path.front().y});
      setup += start.text();
      panel.elements.push_back(start.ref() +
                               " using 1:2 with points pt 6 ps 1.8 lw 2 lc rgb 'black' notitle");
    }
  }
  if (!any_path) panel.title += " (no path)";
  return panel;
}

std::pair<int, int> layout(std::size_t panels) {
  const int cols = static_cast<int>(std::ceil(std::sqrt(static_cast<double>(panels))));
  const int rows = static_cast<int>((panels + cols - 1) / cols);
  return {rows, cols};
}

Chart contour_chart(const Context& ctx, const std::string& problem, const store::Surface& surface,
                    const Groups& groups) {
  const Window window{surface.x0_min, surface.x0_max, surface.x1_min, surface.x1_max};
  const Levels levels = contour_levels(surface.values);

  Chart chart;
  chart.description = "the contour chart of problem '" + problem + "'";
  chart.setup = surface_block(surface, "surface", 1);
  std::string background;
  if (!levels.heights.empty()) {
    chart.setup += contour_tables(levels, surface);
    for (std::size_t k = 0; k < levels.heights.size(); ++k) {
      background += "$level" + std::to_string(k) + " using 1:2 with lines lw 1 lc rgb '" +
                    level_colour(k, levels.heights.size()) + "' notitle, ";
    }
  }
  std::string minimum;
  if (window.contains({surface.min_x0, surface.min_x1})) {
    DataBlock block("minimum");
    block.row({surface.min_x0, surface.min_x1});
    chart.setup += block.text();
    minimum = ", $minimum using 1:2 with points pt 3 ps 2.5 lw 2 lc rgb 'black' notitle";
  }

  std::string& c = chart.commands;
  c += "set xrange [" + number(window.x_min) + ":" + number(window.x_max) + "]\n";
  c += "set yrange [" + number(window.y_min) + ":" + number(window.y_max) + "]\n";
  c += "set xlabel \"x0\"\nset ylabel \"x1\"\nunset key\n";
  const auto [rows, cols] = layout(groups.size());
  c += "set multiplot layout " + std::to_string(rows) + "," + std::to_string(cols) + " title \"" +
       escape(ctx.title()) + "\\n" + escape(problem) +
       "   (red: path, circle: start, star: minimum" +
       (ctx.subset_note(problem).empty() ? "" : "; " + escape(ctx.subset_note(problem))) +
       ")\" noenhanced font \",13\"\n";
  std::size_t index = 0;
  for (const auto& [key, group] : groups) {
    const Panel panel = group_panel(ctx, group, index++, window, chart.setup);
    c += "set title " + gp_string(panel.title) + " noenhanced font \",11\"\n";
    std::string elements = background;
    for (const std::string& e : panel.elements)
      elements += e + ", ";
    // Something must be plotted even without contours or paths.
    c += "plot " + elements + "NaN notitle" + minimum + "\n";
  }
  c += "unset multiplot\n";
  return chart;
}

}  // namespace

std::vector<std::filesystem::path> draw_contours(Context& ctx) {
  return draw_per_surface(ctx, "contours", &contour_chart);
}

}  // namespace optbench::plot::detail
