#include "cli/plot_options.hpp"

namespace optbench::cli {

void add_plot_options(po::options_description& options) {
  options.add_options()("format", po::value<std::string>()->default_value("png,svg"),
                        "chart formats: png, svg or both (comma-separated)")(
      "linear-y", po::bool_switch(), "loss axes on a linear scale (default: log)");
  add_target_option(options);
}

plot::Options plot_options(const po::variables_map& vm, const std::filesystem::path& out_dir) {
  plot::Options o;
  o.out_dir = out_dir;
  o.formats.clear();
  for (const auto& f : split_list(vm["format"].as<std::string>())) {
    if (f == "png") {
      o.formats.push_back(plot::Format::Png);
    } else if (f == "svg") {
      o.formats.push_back(plot::Format::Svg);
    } else {
      throw UsageError("--format: unknown format '" + f + "' (expected png, svg)");
    }
  }
  if (o.formats.empty()) throw UsageError("--format: expected png, svg or png,svg");
  o.log_y = !vm["linear-y"].as<bool>();
  o.target_loss = target_option(vm);
  return o;
}

}  // namespace optbench::cli
