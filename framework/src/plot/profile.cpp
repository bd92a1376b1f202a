// "profile": the performance profile of the experiment (one figure): per
// optimizer, the fraction of problems on which it reaches the target loss
// within a factor tau of the fastest optimizer there (AlgoPerf's scoring).
// Drawn only with a target loss, when some optimizer reached it.
#include <algorithm>
#include <cmath>
#include <map>

#include "plot/charts.hpp"
#include "results/profile.hpp"
#include "results/table.hpp"

namespace optbench::plot::detail {

namespace {

std::size_t solved(const results::ProfileCurve& curve) {
  return static_cast<std::size_t>(std::count_if(curve.ratios.begin(), curve.ratios.end(),
                                                [](double r) { return r < HUGE_VAL; }));
}

Chart profile_chart(const Context& ctx, const results::Profile& profile) {
  // The colour of the optimizer's first configuration, as in every other
  // chart of the experiment.
  std::map<std::string, std::string> colours;
  for (const results::ConfigSummary& c : ctx.summary().configs)
    colours.emplace(c.optimizer, ctx.colour(c.group));

  double tau_max = 2.0;
  for (const auto& curve : profile.curves) {
    for (double r : curve.ratios) {
      if (r < HUGE_VAL) tau_max = std::max(tau_max, r * 1.25);
    }
  }

  Chart chart;
  chart.description = "the performance profile";
  std::string elements;
  const std::size_t problems = profile.problems.size();
  for (std::size_t i = 0; i < profile.curves.size(); ++i) {
    const results::ProfileCurve& curve = profile.curves[i];
    DataBlock block("profile" + std::to_string(i));
    block.row({1.0, curve.fraction_within(1.0)});
    for (double r : curve.ratios) {
      if (r > 1.0 && r < HUGE_VAL) block.row({r, curve.fraction_within(r)});
    }
    block.row({tau_max, curve.fraction_within(tau_max)});
    chart.setup += block.text();
    const std::string title = curve.optimizer + " (best lr per problem; reaches the target on " +
                              std::to_string(solved(curve)) + " of " + std::to_string(problems) +
                              ")";
    elements += block.ref() + " using 1:2 with steps lw 2.5 lc rgb '" +
                colours.at(curve.optimizer) + "' title " + gp_string(title) + " noenhanced, ";
  }
  elements.resize(elements.size() - 2);

  std::string& c = chart.commands;
  const std::string note = "performance profile over " + std::to_string(problems) +
                           (problems == 1 ? " problem" : " problems") + ", target loss " +
                           results::short_number(*ctx.target());
  c += "set title " + figure_title(ctx, note) + "\n";
  c += "set xlabel \"\u03c4: steps to the target / fewest steps of any optimizer\"\n";
  c += "set ylabel \"fraction of problems within \u03c4\"\n";
  c += "set logscale x 2\nset format x \"%g\"\nset xrange [1:" + number(tau_max) + "]\n";
  c += "set yrange [0:1.05]\nset grid\nset key bottom right noenhanced box opaque\n";
  c += "plot " + elements + "\n";
  return chart;
}

}  // namespace

std::vector<std::filesystem::path> draw_profile(Context& ctx) {
  if (!ctx.target()) return {};
  const results::Profile profile = results::performance_profile(ctx.summary());
  const bool any = std::any_of(profile.curves.begin(), profile.curves.end(),
                               [](const auto& curve) { return solved(curve) > 0; });
  if (!any) return {};
  return render(profile_chart(ctx, profile), ctx.targets("profile", ""));
}

}  // namespace optbench::plot::detail
