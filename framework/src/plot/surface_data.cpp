// The stored samples of a 2-D function and the paths over it, as the
// "contours" and "surface" kinds read and draw them.
#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "plot/charts.hpp"

namespace optbench::plot::detail {

namespace {

/// 0, stride, 2 stride, ... and always the last index.
std::vector<int> sample_indices(int count, int stride) {
  std::vector<int> out;
  for (int i = 0; i < count; i += std::max(stride, 1))
    out.push_back(i);
  if (out.back() != count - 1) out.push_back(count - 1);
  return out;
}

}  // namespace

std::vector<Point> finite_path(const std::vector<store::TrajectoryPoint>& trajectory) {
  std::vector<Point> out;
  for (const store::TrajectoryPoint& p : trajectory) {
    if (!std::isfinite(p.x0) || !std::isfinite(p.x1)) break;
    out.push_back({p.x0, p.x1});
  }
  return out;
}

void check_surface(const store::Surface& s) {
  const bool ok =
      s.nx >= 2 && s.ny >= 2 &&
      s.values.size() == static_cast<std::size_t>(s.nx) * static_cast<std::size_t>(s.ny) &&
      std::isfinite(s.x0_min) && std::isfinite(s.x0_max) && std::isfinite(s.x1_min) &&
      std::isfinite(s.x1_max) && s.x0_min < s.x0_max && s.x1_min < s.x1_max;
  if (!ok) throw std::runtime_error("plot: malformed surface stored for problem " + s.problem_key);
}

std::string surface_block(const store::Surface& s, const std::string& name, int stride) {
  double highest = -HUGE_VAL;
  for (double v : s.values) {
    if (std::isfinite(v)) highest = std::max(highest, v);
  }
  if (!std::isfinite(highest)) highest = 0.0;

  const std::vector<int> columns = sample_indices(s.nx, stride);
  const std::vector<int> rows = sample_indices(s.ny, stride);
  DataBlock block(name);
  std::vector<double> row{static_cast<double>(columns.size())};
  for (int i : columns)
    row.push_back(s.x0_min + (s.x0_max - s.x0_min) * i / (s.nx - 1));
  block.row(row);
  for (int j : rows) {
    row.assign(1, s.x1_min + (s.x1_max - s.x1_min) * j / (s.ny - 1));
    for (int i : columns) {
      const double v = s.values[static_cast<std::size_t>(j) * s.nx + i];
      row.push_back(std::isfinite(v) ? v : highest);
    }
    block.row(row);
  }
  return block.text();
}

double surface_value(const store::Surface& s, double x0, double x1) {
  const double u = (x0 - s.x0_min) / (s.x0_max - s.x0_min) * (s.nx - 1);
  const double v = (x1 - s.x1_min) / (s.x1_max - s.x1_min) * (s.ny - 1);
  if (!(u >= 0.0 && u <= s.nx - 1 && v >= 0.0 && v <= s.ny - 1)) return std::nan("");
  const int i = std::min(static_cast<int>(u), s.nx - 2);
  const int j = std::min(static_cast<int>(v), s.ny - 2);
  const double fu = u - i, fv = v - j;
  auto at = [&](int a, int b) { return s.values[static_cast<std::size_t>(b) * s.nx + a]; };
  return (1 - fu) * (1 - fv) * at(i, j) + fu * (1 - fv) * at(i + 1, j) +
         (1 - fu) * fv * at(i, j + 1) + fu * fv * at(i + 1, j + 1);
}

std::vector<std::filesystem::path> draw_per_surface(Context& ctx, const std::string& kind,
                                                    SurfaceChart chart) {
  std::vector<std::filesystem::path> written;
  for (const auto& [problem, groups] : ctx.problems()) {
    std::optional<store::Surface> surface = ctx.db().surface(ctx.experiment().name, problem);
    if (!surface) continue;
    check_surface(*surface);
    for (auto& file : render(chart(ctx, problem, *surface, groups), ctx.targets(kind, problem)))
      written.push_back(file);
  }
  return written;
}

}  // namespace optbench::plot::detail
