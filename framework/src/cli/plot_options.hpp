// Chart options shared by `run` and `plot`.
#pragma once

#include <filesystem>

#include "cli/command.hpp"
#include "plot/plot.hpp"

namespace optbench::cli {

void add_plot_options(po::options_description& options);
/// Reads --format and --linear-y; charts go to `out_dir`.
plot::Options plot_options(const po::variables_map& vm, const std::filesystem::path& out_dir);

}  // namespace optbench::cli
