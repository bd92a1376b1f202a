// "surface": the stored 2-D function as a 3-D surface with every
// configuration's path on it (its first seed), one figure per 2-D problem:
// the classic optimizer lab's figure of x0^2 + x1^2 + x1^3 + x0*x1.
#include <algorithm>
#include <cmath>

#include "plot/charts.hpp"

namespace optbench::plot::detail {

namespace {

// A 41 x 41 mesh reads as a surface; the full 101 x 101 only makes the SVG
// six times larger.
constexpr int kMeshPoints = 41;

/// The path lifted onto the surface; broken where it leaves the window.
DataBlock path_block(const store::Surface& surface, const std::vector<Point>& path,
                     const std::string& name) {
  DataBlock block(name);
  bool gap = false;
  for (const Point& p : path) {
    const double z = surface_value(surface, p.x, p.y);
    if (!std::isfinite(z)) {
      gap = !block.empty();
      continue;
    }
    if (gap) block.gap();
    gap = false;
    block.row({p.x, p.y, z});
  }
  return block;
}

Chart surface_chart(const Context& ctx, const std::string& problem, const store::Surface& surface,
                    const Groups& groups) {
  Chart chart;
  chart.description = "the surface chart of problem '" + problem + "'";
  const int stride = std::max(1, (std::max(surface.nx, surface.ny) - 1) / (kMeshPoints - 1));
  chart.setup = surface_block(surface, "mesh", stride);

  std::string paths;
  std::size_t index = 0;
  for (const auto& [key, group] : groups) {
    const std::vector<Point> path = finite_path(ctx.db().trajectory(group.front()->id));
    const DataBlock block = path_block(surface, path, "path" + std::to_string(index++));
    if (block.empty()) continue;
    chart.setup += block.text();
    std::string title = group_label(group);
    if (group.size() > 1) title += " (seed " + std::to_string(group.front()->seed) + ")";
    if (group.front()->status == store::RunStatus::Diverged) title += " (diverged)";
    paths += ", " + block.ref() + " using 1:2:3 with linespoints lw 2.5 pt 7 ps 0.6 lc rgb '" +
             ctx.colour(key) + "' title " + gp_string(title) + " noenhanced";
  }

  std::string& c = chart.commands;
  c += "set title " + figure_title(ctx, problem, "(paths over the surface, first seed)") + "\n";
  c += "set xrange [" + number(surface.x0_min) + ":" + number(surface.x0_max) + "]\n";
  c += "set yrange [" + number(surface.x1_min) + ":" + number(surface.x1_max) + "]\n";
  c += "set xlabel \"x0\"\nset ylabel \"x1\"\nset zlabel \"f(x0, x1)\" rotate parallel\n";
  c += "set view 55, 35\nset ticslevel 0\nset grid\nunset colorbox\n";
  // Light colours keep the paths readable on top of the surface.
  c += "set palette defined (0 '#2a788e', 0.5 '#7ad151', 1 '#fde725')\n";
  c += "set pm3d border lc rgb '#606060' lw 0.3\n";
  c += "set style fill transparent solid 0.55\n";
  c += "set key top left noenhanced box opaque\n";
  c += "splot $mesh matrix nonuniform with pm3d notitle" + paths + "\n";
  return chart;
}

}  // namespace

std::vector<std::filesystem::path> draw_surface(Context& ctx) {
  return draw_per_surface(ctx, "surface", &surface_chart);
}

}  // namespace optbench::plot::detail
