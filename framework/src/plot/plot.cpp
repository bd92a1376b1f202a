#include "plot/plot.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <stdexcept>
#include <system_error>

#include "experiment/chart_kinds.hpp"
#include "plot/charts.hpp"
#include "run/stop.hpp"

namespace optbench::plot {

namespace {

using Drawer = std::vector<std::filesystem::path> (*)(detail::Context&);

struct Kind {
  std::string name;
  Drawer draw;
};

const std::vector<Kind>& registry() {
  static const std::vector<Kind> all{
      {"contours", &detail::draw_contours}, {"loss", &detail::draw_loss_curves},
      {"epochs", &detail::draw_epochs},     {"iteration_epoch", &detail::draw_iteration_epoch},
      {"time", &detail::draw_time},         {"lr", &detail::draw_lr_sensitivity},
      {"surface", &detail::draw_surface},   {"profile", &detail::draw_profile}};
  return all;
}

std::string known_kinds() {
  std::string list;
  for (const std::string& name : kinds()) {
    if (!list.empty()) list += ", ";
    list += name;
  }
  return list;
}

Drawer find_kind(const std::string& name) {
  for (const Kind& kind : registry()) {
    if (kind.name == name) return kind.draw;
  }
  throw std::invalid_argument("plot: unknown chart kind '" + name +
                              "'; known kinds: " + known_kinds());
}

}  // namespace

const std::vector<std::string>& kinds() {
  return experiment::chart_kinds();
}

std::vector<std::string> default_kinds(const std::vector<store::RunRecord>& runs, bool has_target) {
  bool functions = false, data = false;
  std::set<std::string> problems;
  std::map<std::pair<std::string, std::string>, std::set<double>> lrs;  // by problem, optimizer
  for (const store::RunRecord& run : runs) {
    (run.dataset.empty() ? functions : data) = true;
    problems.insert(run.problem_key);
    if (std::isfinite(run.lr)) lrs[{run.problem_key, run.optimizer}].insert(run.lr);
  }
  std::vector<std::string> out;
  if (functions) out.insert(out.end(), {"contours", "loss"});
  if (data) out.insert(out.end(), {"epochs", "iteration_epoch"});
  if (std::any_of(lrs.begin(), lrs.end(), [](const auto& p) { return p.second.size() >= 2; })) {
    out.push_back("lr");
  }
  if (has_target && problems.size() >= 2) out.push_back("profile");
  return out;
}

std::vector<std::filesystem::path> draw(const store::Reader& db, const std::string& experiment,
                                        const std::vector<std::string>& kinds_to_draw,
                                        const Options& options) {
  // Reject bad requests before reading anything or touching the disk.
  std::vector<std::string> requested = kinds_to_draw.empty() ? kinds() : kinds_to_draw;
  std::vector<Drawer> drawers;
  std::vector<std::string> seen;
  for (const std::string& name : requested) {
    Drawer drawer = find_kind(name);
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) continue;
    seen.push_back(name);
    drawers.push_back(drawer);
  }
  if (options.formats.empty()) throw std::invalid_argument("plot: no output format requested");

  std::optional<store::ExperimentRecord> record = db.experiment(experiment);
  if (!record) {
    throw std::runtime_error("plot: no experiment named '" + experiment + "' in " +
                             db.path().string());
  }
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) {
    throw std::runtime_error("plot: cannot create output directory " + options.out_dir.string() +
                             ": " + ec.message());
  }

  // Each chart ends the process on SIGINT/SIGTERM after its own cleanup
  // (session.cpp).
  const run::SignalScope signals;
  detail::Context context(db, *record, db.runs(experiment, options.scope), options);
  std::vector<std::filesystem::path> written;
  for (Drawer drawer : drawers) {
    for (std::filesystem::path& file : drawer(context))
      written.push_back(std::move(file));
  }
  return written;
}

std::string escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '`') {
      // gnuplot runs `...` as a shell command even inside double quotes; the
      // octal escape is decoded only after that substitution, so the
      // character still shows but never executes.
      out += "\\140";
    } else if (c == '@') {
      // Same for macro expansion.
      out += "\\100";
    } else if (byte < 0x20 || byte == 0x7f) {
      // A newline would end the command and start a new one.
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace optbench::plot
