// "lr": how sensitive each optimizer is to its learning rate. Per problem,
// the final loss (the measure the summary ranks by, mean +- std over seeds)
// against the lr on a log axis, one line per optimizer configuration without
// its lr. A configuration with a diverged or failed seed has no final loss
// worth averaging; it is marked with a cross at the top of the chart.
#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

#include "plot/charts.hpp"

namespace optbench::plot::detail {

namespace {

/// The configurations of one optimizer that differ only in lr.
struct Family {
  std::string name;
  std::string colour;
  std::string dash;
  std::vector<const results::ConfigSummary*> configs;
};

/// The label without its "lr=..." part: "SGD lr=0.01" and "SGD lr=0.1" are
/// one line, "Adam lr=0.1 betas=[0.9,0.99]" belongs to "Adam
/// betas=[0.9,0.99]".
std::string without_lr(const results::ConfigSummary& c) {
  std::istringstream words(c.label);
  std::string out;
  for (std::string word; words >> word;) {
    if (word.rfind("lr=", 0) == 0) continue;
    out.append(out.empty() ? "" : " ").append(word);
  }
  return out.empty() ? c.optimizer : out;
}

std::vector<Family> families(const Context& ctx, const std::vector<results::ConfigSummary>& all,
                             const std::string& problem) {
  std::vector<Family> out;
  for (const results::ConfigSummary& c : all) {
    if (c.problem != problem || !(c.lr > 0.0)) continue;
    const std::string name = without_lr(c);
    auto it = std::find_if(out.begin(), out.end(), [&](const Family& f) { return f.name == name; });
    if (it == out.end())
      it = out.insert(out.end(), {name, ctx.colour(c.group), ctx.dash(c.group), {}});
    it->configs.push_back(&c);
  }
  for (Family& f : out) {
    std::sort(f.configs.begin(), f.configs.end(),
              [](const auto* a, const auto* b) { return a->lr < b->lr; });
  }
  return out;
}

bool swept(const std::vector<Family>& all) {
  for (const Family& f : all) {
    std::set<double> lrs;
    for (const auto* c : f.configs)
      lrs.insert(c->lr);
    if (lrs.size() >= 2) return true;
  }
  return false;
}

const results::Stat& measure(const results::ConfigSummary& c, bool by_test) {
  return by_test ? c.test_loss : c.train_loss;
}

Chart lr_chart(const Context& ctx, const std::string& problem, const std::vector<Family>& all,
               const std::string& ranked_by) {
  const bool log_y = ctx.options().log_y;
  const bool by_test = ranked_by == "test loss";
  Chart chart;
  chart.description = "the lr chart of problem '" + problem + "'";

  // The crosses sit above the highest finite point.
  double highest = -HUGE_VAL, lowest = HUGE_VAL;
  for (const Family& f : all) {
    for (const auto* c : f.configs) {
      if (!std::isfinite(c->score)) continue;
      const results::Stat& s = measure(*c, by_test);
      highest = std::max(highest, s.mean + (std::isnan(s.sd) ? 0.0 : s.sd));
      lowest = std::min(lowest, s.mean);
    }
  }
  if (!std::isfinite(highest)) highest = lowest = 1.0;
  const double cross_y = log_y ? (highest > 0 ? highest * 4.0 : 1.0)
                               : highest + 0.15 * std::max(highest - lowest, 1e-12);

  std::string elements;
  bool any_cross = false;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const Family& f = all[i];
    DataBlock line("lr" + std::to_string(i));
    DataBlock crosses("crossed" + std::to_string(i));
    for (const auto* c : f.configs) {
      const results::Stat& s = measure(*c, by_test);
      // Unfinished configurations have nothing to show yet.
      if (c->diverged + c->failed == 0 && !std::isfinite(c->score)) continue;
      if (!std::isfinite(c->score)) {
        // One row of crosses per optimizer, so that crosses at the same lr
        // do not hide each other.
        const double step = static_cast<double>(i);
        crosses.row({c->lr, log_y ? cross_y * std::pow(1.6, step)
                                  : cross_y + step * 0.06 * std::max(highest - lowest, 1e-12)});
        continue;
      }
      const double sd = std::isnan(s.sd) ? 0.0 : s.sd;
      // A log axis cannot show a bar below zero: the bar then stops at the
      // mean rather than leave the chart.
      const double low = log_y && s.mean - sd <= 0.0 ? s.mean : s.mean - sd;
      if (log_y && s.mean <= 0.0) continue;
      line.row({c->lr, s.mean, low, s.mean + sd});
    }
    const std::string colour = " lc rgb '" + f.colour + "'";
    if (!line.empty()) {
      chart.setup += line.text();
      elements += line.ref() + " using 1:2 with linespoints lw 2 pt 7 ps 1.1" + f.dash + colour +
                  " title " + gp_string(f.name) + " noenhanced, ";
      elements +=
          line.ref() + " using 1:2:3:4 with yerrorbars pt 7 ps 0 lw 1.5" + colour + " notitle, ";
    }
    if (!crosses.empty()) {
      any_cross = true;
      chart.setup += crosses.text();
      elements += crosses.ref() + " using 1:2 with points pt 2 ps 2.2 lw 2.5" + colour +
                  (line.empty() ? " title " + gp_string(f.name) + " noenhanced, " : " notitle, ");
    }
  }
  if (any_cross) {
    elements +=
        "NaN with points pt 2 ps 2.2 lw 2.5 lc rgb 'black' title "
        "\"diverged or failed (a seed)\", ";
  }
  if (elements.empty()) elements = "NaN notitle, ";
  elements.resize(elements.size() - 2);

  std::string& c = chart.commands;
  c += "set title " + figure_title(ctx, problem, "(final " + ranked_by + " vs learning rate)") +
       "\n";
  c += "set xlabel \"learning rate\"\nset logscale x\nset format x \"%g\"\n";
  c += "set ylabel " + gp_string("final " + ranked_by + " (mean \u00b1 std over seeds)") + "\n";
  c += "set grid\nset key top left noenhanced box opaque\nset offsets graph 0.05, graph 0.05\n";
  if (log_y) c += "set logscale y\n";
  c += "plot " + elements + "\n";
  return chart;
}

}  // namespace

std::vector<std::filesystem::path> draw_lr_sensitivity(Context& ctx) {
  const results::Summary& summary = ctx.summary();
  std::vector<std::filesystem::path> written;
  for (const auto& [problem, ranked_by] : summary.ranked_by) {
    const std::vector<Family> all = families(ctx, summary.configs, problem);
    if (!swept(all)) continue;
    for (auto& file : render(lr_chart(ctx, problem, all, ranked_by), ctx.targets("lr", problem)))
      written.push_back(file);
  }
  return written;
}

}  // namespace optbench::plot::detail
