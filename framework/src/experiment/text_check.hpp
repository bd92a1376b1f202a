// Checks on an experiment file's raw bytes, made before yaml-cpp parses it:
// what the parser would either crash on or pass through silently.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "experiment/spec.hpp"

namespace optbench::experiment {

/// Experiment files are a few kilobytes; anything near this is not one.
constexpr std::size_t kMaxFileBytes = 1 << 20;
/// Real experiments nest at most 6 levels (optimizers > entry > betas > list).
constexpr int kMaxNesting = 64;

/// What the scan saw that only matters if yaml-cpp then fails.
struct TextFacts {
  /// The outermost '[' or '{' never closed: yaml-cpp reports where it gave
  /// up (often the end of the file), this is where the user has to look.
  std::optional<Location> unclosed_bracket;
};

/// Throws SpecError at the first offending line:col when the text is larger
/// than kMaxFileBytes, is not UTF-8, holds control characters YAML forbids,
/// indents a line with a tab, or nests collections deeper than kMaxNesting.
TextFacts check_text(const std::string& text, const std::string& file);

}  // namespace optbench::experiment
