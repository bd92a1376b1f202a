// Running gnuplot for one chart. Everything the store supplies reaches
// gnuplot either as a number formatted here or as an escaped double-quoted
// string, so no label or value can become a command.
#pragma once

#include <filesystem>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "plot/plot.hpp"

namespace optbench::plot::detail {

/// A finite number in a form gnuplot reads back exactly, independent of the
/// C and C++ locales.
std::string number(double value);

/// `text` as a gnuplot double-quoted string literal.
std::string gp_string(std::string_view text);

/// Builds one gnuplot datablock (`$name << EOD ... EOD`) of numeric rows.
class DataBlock {
 public:
  explicit DataBlock(std::string_view name);
  void row(std::span<const double> values);
  void row(std::initializer_list<double> values) { row(std::span(values.begin(), values.size())); }
  /// A blank line: gnuplot breaks a line plot there.
  void gap();
  bool empty() const { return rows_ == 0; }
  /// The datablock's reference in plot commands ("$name").
  const std::string& ref() const { return ref_; }
  /// The definition text, ready to send.
  std::string text() const;

 private:
  std::string ref_;
  std::string body_;
  int rows_ = 0;
};

/// One figure: `setup` runs once per gnuplot process (datablocks, contour
/// tables), `commands` once per output format after a `reset`.
struct Chart {
  std::string description;  ///< names the chart in error messages
  std::string setup;
  std::string commands;
  /// Canvas size in pixels, for PNG and SVG alike.
  int width = 1200;
  int height = 900;
};

struct Target {
  Format format = Format::Png;
  std::filesystem::path path;
};

/// Draws `chart` into every target with one gnuplot process and returns the
/// paths written. Throws std::runtime_error with gnuplot's output when
/// gnuplot fails or leaves a file missing or empty.
std::vector<std::filesystem::path> render(const Chart& chart, const std::vector<Target>& targets);

}  // namespace optbench::plot::detail
