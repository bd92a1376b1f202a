// A table of typed cells, written as CSV, JSON or text: the one shape that
// `summary`, `export` and `report` print, so every format carries the same
// columns.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

namespace optbench::results {

/// Empty, a real (NaN and infinities allowed), an integer or text.
using Cell = std::variant<std::monostate, double, std::int64_t, std::string>;

struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<Cell>> rows;
};

/// RFC 4180: a header row, fields with comma, quote or line break quoted,
/// reals in the shortest form that reads back exactly, NaN/inf/-inf as
/// such (pandas reads all three), empty cells as empty fields.
void write_csv(const Table& table, std::ostream& out);
/// A JSON array of one object per row, keys in header order. JSON has no
/// NaN or infinity: those become the strings "NaN", "inf", "-inf" (as in
/// the stored hyperparameters); empty cells become null.
void write_json(const Table& table, std::ostream& out);

/// The table for people: columns NAME_mean and NAME_sd merge into one
/// column NAME ("0.1234 ± 0.0056"), reals show 4 significant digits, and
/// columns empty in every row are left out.
std::vector<std::vector<std::string>> human_rows(const Table& table);

/// A real as people read it: 4 significant digits, "inf", "NaN".
std::string short_number(double x);

}  // namespace optbench::results
