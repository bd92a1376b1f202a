#include <algorithm>
#include <array>
#include <string_view>

#include "plot/charts.hpp"
#include "results/target.hpp"

namespace optbench::plot::detail {

namespace {

// Tableau 10: distinguishable, and safe for the common colour deficiencies
// at the line widths used.
constexpr std::array<std::string_view, 10> kPalette{"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728",
                                                    "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                                                    "#bcbd22", "#17becf"};

std::string sanitize(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const bool safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '.' || c == '_' || c == '-';
    if (!safe) c = '_';
  }
  return out;
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
  // Colours follow the order in which configurations first appear, so a
  // configuration keeps its colour in every figure of the experiment. They
  // go by label rather than group: a group is one configuration on one
  // problem, and the same optimizer settings should look the same on every
  // problem.
  std::map<std::string, std::string> by_label;
  for (const store::RunRecord& run : runs_) {
    auto& groups = problems_[run.problem_key];
    auto it = std::find_if(groups.begin(), groups.end(),
                           [&](const auto& g) { return g.first == run.group_key; });
    if (it == groups.end()) it = groups.insert(groups.end(), {run.group_key, Group{}});
    it->second.push_back(&run);
    const std::string& label = run.label.empty() ? run.group_key : run.label;
    auto colour = by_label.find(label);
    if (colour == by_label.end()) {
      colour = by_label.emplace(label, kPalette[by_label.size() % kPalette.size()]).first;
    }
    colours_.emplace(run.group_key, colour->second);
  }
}

const std::string& Context::title() const {
  return experiment_.title.empty() ? experiment_.name : experiment_.title;
}

const std::string& Context::colour(const std::string& group_key) const {
  return colours_.at(group_key);
}

std::vector<Target> Context::targets(const std::string& kind, const std::string& problem) {
  std::string stem = sanitize(experiment_.name) + "-" + sanitize(kind);
  if (!problem.empty()) stem.append("-").append(sanitize(problem));
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
