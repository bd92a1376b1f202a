// Left-aligned text columns for the terminal (the typed table that summary,
// export and report share is results::Table).
#pragma once

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

namespace optbench::cli {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void print(std::ostream& out) const {
    std::vector<std::size_t> width;
    for (const auto& row : rows_) {
      width.resize(std::max(width.size(), row.size()));
      for (std::size_t c = 0; c < row.size(); ++c)
        width[c] = std::max(width[c], row[c].size());
    }
    for (const auto& row : rows_) {
      for (std::size_t c = 0; c < row.size(); ++c) {
        out << row[c];
        if (c + 1 < row.size()) out << std::string(width[c] - row[c].size() + 2, ' ');
      }
      out << '\n';
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace optbench::cli
