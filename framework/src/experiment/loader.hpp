// Reads an experiment YAML file into an ExperimentSpec, checking every key
// against the schema of the plugin it configures.
#pragma once

#include <filesystem>
#include <string>

#include "experiment/spec.hpp"
#include "registry/registry.hpp"

namespace optbench::experiment {

/// Parses and validates. Throws SpecError (with location) for anything wrong
/// in the file, including unknown plugins and out-of-range values.
ExperimentSpec load_file(const std::filesystem::path& file, const registry::Registry& plugins);
/// Same, from text; `file` only names the source in messages.
ExperimentSpec load_text(const std::string& text, const std::string& file,
                         const registry::Registry& plugins);

}  // namespace optbench::experiment
