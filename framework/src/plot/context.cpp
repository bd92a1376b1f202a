#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string_view>

#include "experiment/grid.hpp"
#include "plot/charts.hpp"
#include "results/target.hpp"

namespace optbench::plot::detail {

namespace {

// Tableau 10: distinguishable, and safe for the common colour deficiencies
// at the line widths used.
constexpr std::array<std::string_view, 10> kPalette{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                                    "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                                    "#bcbd22", "#17becf"};
// After each round of the palette the dash changes: solid, long dashes,
// dots. The epochs chart's test lines use gnuplot's dt 2 (short dashes),
// which none of these is.
constexpr std::array<std::string_view, 3> kDashes{"", " dt (16,6)", " dt (2,5)"};

// Room left for "-<n>" and the extension within NAME_MAX (255 bytes).
constexpr std::size_t kMaxStem = 200;

std::string sanitize(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    if (!safe) c = '_';
  }
  return out;
}

// Mean final loss over a configuration's seeds; a seed that diverged,
// failed or has not finished counts as infinitely bad.
double mean_final_loss(const Group& group) {
  double sum = 0.0;
  for (const store::RunRecord* run : group) {
    if (run->status != store::RunStatus::Done || !std::isfinite(run->final_loss))
      return std::numeric_limits<double>::infinity();
    sum += run->final_loss;
  }
  return sum / static_cast<double>(group.size());
}

// A chart with hundreds of lines or panels is unreadable and its SVG runs
// to tens of MB (2,000 configurations: 56 MB of contour panels). Above
// kMaxDrawnGroups configurations on one problem, the best ones by mean
// final loss are drawn, in their order; the summary and the lr-sensitivity
// chart still cover every run. Returns whether any were left out.
bool keep_best(Groups& groups) {
  if (groups.size() <= kMaxDrawnGroups) return false;
  std::vector<std::pair<double, std::size_t>> ranked;
  for (std::size_t i = 0; i < groups.size(); ++i)
    ranked.emplace_back(mean_final_loss(groups[i].second), i);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<bool> keep(groups.size(), false);
  for (std::size_t k = 0; k < kMaxDrawnGroups; ++k)
    keep[ranked[k].second] = true;
  Groups kept;
  for (std::size_t i = 0; i < groups.size(); ++i)
    if (keep[i]) kept.push_back(std::move(groups[i]));
  groups = std::move(kept);
  return true;
}

}  // namespace

Context::Context(const store::Reader& db, store::ExperimentRecord experiment,
                 std::vector<store::RunRecord> runs, const Options& options)
    : db_(db),
      experiment_(std::move(experiment)),
      runs_(std::move(runs)),
      options_(options),
      target_(options.target_loss ? options.target_loss
                                  : results::target_from_yaml(experiment_.yaml)) {
  for (const store::RunRecord& run : runs_) {
    auto& groups = problems_[run.problem_key];
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == run.group_key; });
    if (it == groups.end()) it = groups.insert(groups.end(), {run.group_key, Group{}});
    it->second.push_back(&run);
  }
  for (auto& [problem, groups] : problems_) {
    const std::size_t all = groups.size();
    if (keep_best(groups)) omitted_[problem] = all - groups.size();
  }
  // Styles (a colour, then after each round of the palette a dash) follow the
  // order in which drawn configurations first appear, so a configuration
  // keeps its style in every figure of the experiment. They go by label
  // rather than group: a group is one configuration on one problem, and the
  // same optimizer settings should look the same on every problem.
  std::map<std::string, std::size_t> by_label;  // style index
  std::set<std::string> drawn;
  for (const auto& [problem, groups] : problems_) {
    for (const auto& [key, group] : groups)
      drawn.insert(key);
  }
  // Drawn ones first, so they get distinct styles; the rest (in the
  // lr-sensitivity chart and the profile, which show every run) after.
  for (const bool first_pass : {true, false}) {
    for (const store::RunRecord& run : runs_) {
      if (drawn.contains(run.group_key) != first_pass) continue;
      const std::string& label = run.label.empty() ? run.group_key : run.label;
      auto style = by_label.find(label);
      if (style == by_label.end()) style = by_label.emplace(label, by_label.size()).first;
      const std::size_t k = style->second;
      colours_.emplace(run.group_key, kPalette[k % kPalette.size()]);
      dashes_.emplace(run.group_key, kDashes[(k / kPalette.size()) % kDashes.size()]);
    }
  }
}

std::string Context::subset_note(const std::string& problem) const {
  const auto it = omitted_.find(problem);
  if (it == omitted_.end()) return {};
  const auto shown = problems_.at(problem).size();
  return "best " + std::to_string(shown) + " of " + std::to_string(shown + it->second) +
         " configurations by mean final loss";
}

const std::string& Context::title() const {
  return experiment_.title.empty() ? experiment_.name : experiment_.title;
}

const std::string& Context::colour(const std::string& group_key) const {
  return colours_.at(group_key);
}

const std::string& Context::dash(const std::string& group_key) const {
  return dashes_.at(group_key);
}

bool Context::on_data(const std::string& problem) const {
  const auto it = problems_.find(problem);
  if (it == problems_.end()) return false;
  for (const auto& [key, group] : it->second)
    for (const store::RunRecord* run : group)
      if (!run->dataset.empty()) return true;
  return false;
}

std::vector<Target> Context::targets(const std::string& kind, const std::string& problem) {
  std::string stem = sanitize(experiment_.name) + "-" + sanitize(kind);
  if (!problem.empty()) stem.append("-").append(sanitize(problem));
  // A file name may have 255 bytes at most; labels and problem names may be
  // longer. A long stem keeps its start, readable, and ends in a hash of the
  // whole, so distinct long names stay distinct.
  if (stem.size() > kMaxStem) {
    stem = stem.substr(0, kMaxStem - 17) + "-" + experiment::stable_hash(stem);
  }
  // Distinct problems can sanitize to the same name; keep both figures.
  std::string unique = stem;
  for (int n = 2; !used_names_.insert(unique).second; ++n)
    unique = stem + "-" + std::to_string(n);

  std::vector<Target> out;
  std::set<Format> seen;
  for (Format format : options_.formats) {
    if (!seen.insert(format).second) continue;
    const char* ext = format == Format::Png ? ".png" : ".svg";
    out.push_back({format, options_.out_dir / (unique + ext)});
  }
  return out;
}

const results::Summary& Context::summary() const {
  if (!summary_) summary_ = results::summarize(db_, experiment_.name, target_);
  return *summary_;
}

std::string group_label(const Group& group) {
  const store::RunRecord& first = *group.front();
  return first.label.empty() ? first.group_key : first.label;
}

}  // namespace optbench::plot::detail
