// A numeric table (CSV, semicolon-, tab- or whitespace-separated) as a
// regression dataset: one column is the target, the others the features.
// d2l's airfoil_self_noise.dat (tab-separated, 5 features + target, no
// header) is the case it was written for; d2l's get_data_ch11 standardizes
// every column, target included, which is why standardize defaults to "all".
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string_view>
#include <vector>

#include "dataset_common.hpp"

namespace {

optbench::PluginInfo plugin_info() {
  using namespace datasets;
  return make_info(
      "table", "numeric table (CSV / tab / whitespace) as regression data, e.g. d2l's airfoil",
      {
          path_spec("path", "table file, relative to the experiment file's folder unless absolute",
                    true),
          int_spec("target", -1, "0-based target column; negative counts from the end (-1 = last)"),
          string_spec("header", "auto",
                      "whether the first non-blank line is a header; auto = yes when it has a "
                      "non-numeric cell",
                      {"auto", "yes", "no"}),
          string_spec("delimiter", "auto",
                      "field separator; space = runs of spaces/tabs; auto = comma if the first "
                      "line has one, else semicolon if it has one, else space",
                      {"auto", "comma", "tab", "space", "semicolon"}),
          string_spec("standardize", "all",
                      "scale columns to mean 0 / std 1 (population std, statistics of the "
                      "train rows): none, features, or all (target too, as d2l does)",
                      {"none", "features", "all"}),
          int_spec("limit", 0, "use only the first N data rows (0 = all)", 0),
          test_fraction_spec(0.0, "the last floor(rows*f) rows, unshuffled, form the test split"),
      });
}

struct Field {
  std::string_view text;
  std::size_t column;  ///< 1-based character column where the field starts
};

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim(std::string_view s, std::size_t& start) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_blank(s[b]))
    ++b;
  while (e > b && is_blank(s[e - 1]))
    --e;
  start += b;
  return s.substr(b, e - b);
}

std::vector<Field> split_fields(std::string_view line, char delimiter) {
  std::vector<Field> fields;
  if (delimiter == ' ') {
    std::size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && is_blank(line[i]))
        ++i;
      if (i == line.size()) break;
      const std::size_t begin = i;
      while (i < line.size() && !is_blank(line[i]))
        ++i;
      fields.push_back({line.substr(begin, i - begin), begin + 1});
    }
    return fields;
  }
  std::size_t begin = 0;
  for (;;) {
    const std::size_t end = line.find(delimiter, begin);
    const auto raw = line.substr(begin, end == std::string_view::npos ? end : end - begin);
    std::size_t start = begin;
    auto text = trim(raw, start);
    // Spreadsheet exports quote every cell, numbers included.
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') {
      text = text.substr(1, text.size() - 2);
      ++start;
    }
    fields.push_back({text, start + 1});
    if (end == std::string_view::npos) break;
    begin = end + 1;
  }
  return fields;
}

bool parse_number(std::string_view s, double& out) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  // NaN or infinity would poison every gradient of the run; refuse them here
  // where the line number is still known.
  return ec == std::errc() && ptr == s.data() + s.size() && std::isfinite(out);
}

struct Line {
  std::string_view text;
  std::size_t number;
};

std::vector<Line> non_blank_lines(const std::string& content) {
  std::vector<Line> lines;
  std::size_t begin = 0, number = 0;
  while (begin < content.size()) {
    std::size_t end = content.find('\n', begin);
    if (end == std::string::npos) end = content.size();
    std::string_view text(content.data() + begin, end - begin);
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    ++number;
    std::size_t unused = 0;
    if (!trim(text, unused).empty()) lines.push_back({text, number});
    begin = end + 1;
  }
  return lines;
}

// A field as it can be shown in a message and stored in the database's TEXT:
// printable ASCII kept, other bytes as \xNN, at most 40 characters.
std::string printable(std::string_view field) {
  constexpr std::size_t kShown = 40;
  std::string out;
  for (std::size_t k = 0; k < field.size() && k < kShown; ++k) {
    const auto c = static_cast<unsigned char>(field[k]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", c);
      out += hex;
    }
  }
  if (field.size() > kShown) out += "...";
  return out;
}

// A NUL byte never occurs in a text table; saying so beats reporting the
// first field of a binary file as "not a number".
void refuse_binary(const std::string& content, const std::string& name) {
  const auto nul = content.find('\0');
  if (nul == std::string::npos) return;
  const auto line_start = content.rfind('\n', nul);
  const std::size_t line =
      1 + static_cast<std::size_t>(std::count(content.begin(), content.begin() + nul, '\n'));
  const std::size_t column = nul - (line_start == std::string::npos ? 0 : line_start + 1) + 1;
  throw std::runtime_error(name + ":" + std::to_string(line) + ":" + std::to_string(column) +
                           ": binary data (a NUL byte); expected a text table (CSV, TSV or "
                           "whitespace-separated numbers)");
}

char delimiter_char(const std::string& choice, std::string_view first_line) {
  if (choice == "comma") return ',';
  if (choice == "semicolon") return ';';
  if (choice == "tab") return '\t';
  if (choice == "space") return ' ';
  if (first_line.find(',') != std::string_view::npos) return ',';
  if (first_line.find(';') != std::string_view::npos) return ';';
  return ' ';
}

std::unique_ptr<optbench::Dataset> make(const optbench::ParamMap& given,
                                        const optbench::DatasetContext& context) {
  const auto info = plugin_info();
  const optbench::ResolvedParams p(info, given);
  const auto file = datasets::resolve_path(context.base_dir, p.string("path"));
  const std::string name = file.string();

  datasets::require_regular_file(file, "table");
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error(name + ": cannot open table file");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  const std::string content = buffer.str();
  refuse_binary(content, name);
  const auto lines = non_blank_lines(content);
  if (lines.empty()) throw std::runtime_error(name + ": empty table (no non-blank lines)");

  const char delimiter = delimiter_char(p.string("delimiter"), lines.front().text);
  const auto first = split_fields(lines.front().text, delimiter);
  bool header = p.string("header") == "yes";
  if (p.string("header") == "auto") {
    for (const auto& f : first) {
      double unused;
      if (!parse_number(f.text, unused)) header = true;
    }
  }
  const std::size_t cols = first.size();
  const auto limit = static_cast<std::size_t>(p.integer("limit"));

  std::vector<double> data;
  std::size_t rows = 0;
  for (std::size_t l = header ? 1 : 0; l < lines.size(); ++l) {
    if (limit && rows == limit) break;
    const auto fields = split_fields(lines[l].text, delimiter);
    const std::string where = name + ":" + std::to_string(lines[l].number);
    if (fields.size() != cols) {
      throw std::runtime_error(where + ": expected " + std::to_string(cols) + " fields, got " +
                               std::to_string(fields.size()));
    }
    for (std::size_t k = 0; k < cols; ++k) {
      double v;
      if (!parse_number(fields[k].text, v)) {
        throw std::runtime_error(where + ":" + std::to_string(fields[k].column) + " (field " +
                                 std::to_string(k + 1) + "): expected a number, got '" +
                                 printable(fields[k].text) + "'");
      }
      data.push_back(v);
    }
    ++rows;
  }
  if (rows == 0) throw std::runtime_error(name + ": no data rows (only a header)");

  std::int64_t target = p.integer("target");
  const auto signed_cols = static_cast<std::int64_t>(cols);
  if (target < -signed_cols || target >= signed_cols) {
    throw std::invalid_argument(name + ": target column " + std::to_string(target) +
                                " is out of range for a table of " + std::to_string(cols) +
                                " columns (0.." + std::to_string(cols - 1) +
                                ", or negative from "
                                "the end)");
  }
  if (target < 0) target += signed_cols;
  const auto t = static_cast<std::size_t>(target);
  if (cols < 2) {
    throw std::invalid_argument(name + ": a table needs at least 2 columns (features + target)");
  }

  const auto n_test = static_cast<std::size_t>(static_cast<double>(rows) * p.real("test_fraction"));
  const std::size_t n_train = rows - n_test;

  // Statistics come from the train rows only so that the test split does not
  // leak into training; with no test split this is exactly d2l's transform.
  const std::string& mode = p.string("standardize");
  if (mode != "none") {
    for (std::size_t c = 0; c < cols; ++c) {
      if (c == t && mode == "features") continue;
      double mean = 0;
      for (std::size_t r = 0; r < n_train; ++r)
        mean += data[r * cols + c];
      mean /= static_cast<double>(n_train);
      double var = 0;
      for (std::size_t r = 0; r < n_train; ++r) {
        const double d = data[r * cols + c] - mean;
        var += d * d;
      }
      const double sd = std::sqrt(var / static_cast<double>(n_train));
      // A constant column would become 0/0 = NaN (what numpy gives); centring
      // it to zeros keeps the run alive and carries the same information.
      const double scale = sd > 0 ? 1.0 / sd : 1.0;
      for (std::size_t r = 0; r < rows; ++r)
        data[r * cols + c] = (data[r * cols + c] - mean) * scale;
    }
  }

  const std::size_t features = cols - 1;
  std::vector<float> x(rows * features), y(rows);
  for (std::size_t r = 0; r < rows; ++r) {
    std::size_t j = 0;
    for (std::size_t c = 0; c < cols; ++c) {
      const auto v = static_cast<float>(data[r * cols + c]);
      if (c == t) {
        y[r] = v;
      } else {
        x[r * features + j++] = v;
      }
    }
  }
  return std::make_unique<datasets::DenseRegression>(info.name, features, std::move(x),
                                                     std::move(y), n_train);
}

}  // namespace

OPTBENCH_DATASET_PLUGIN(plugin_info, make)
