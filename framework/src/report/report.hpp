// `optbench report`: one static HTML page per experiment (no server, no
// script) with its YAML, its summary tables and every chart that applies,
// as SVG files beside the page.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "store/reader.hpp"

namespace optbench::report {

struct Options {
  std::filesystem::path out_dir;
  std::optional<double> target_loss;  ///< else the experiment's target_loss:
  bool log_y = true;
  store::Scope scope = store::Scope::Current;  ///< --all: also runs set aside
};

/// Draws the charts into `out_dir` and writes `out_dir/index.html`; returns
/// the page's path. Throws std::runtime_error when the experiment does not
/// exist, gnuplot fails or the page cannot be written.
std::filesystem::path write(const store::Reader& db, const std::string& experiment,
                            const Options& options);

/// Writes `out_dir/index.html`: the leaderboard of `suite` (one problem per
/// experiment) and its performance profile, each experiment linked to its
/// own report at `experiment/report/index.html` beside the database when it
/// exists. Returns the page's path.
std::filesystem::path write_leaderboard(const store::Reader& db,
                                        const std::vector<store::ExperimentRecord>& suite,
                                        const Options& options);

/// Text for HTML element content and quoted attribute values: & < > " '
/// become entities.
std::string html_escape(std::string_view text);

}  // namespace optbench::report
