#include "results/table.hpp"

#include <cmath>
#include <cstdio>
#include <string_view>

#include "util/csv.hpp"
#include "util/json.hpp"

namespace optbench::results {

namespace {

bool empty(const Cell& cell) {
  if (std::holds_alternative<std::monostate>(cell)) return true;
  if (const auto* s = std::get_if<std::string>(&cell)) return s->empty();
  return false;
}

std::string human(const Cell& cell) {
  if (const auto* x = std::get_if<double>(&cell)) return short_number(*x);
  if (const auto* i = std::get_if<std::int64_t>(&cell)) return std::to_string(*i);
  if (const auto* s = std::get_if<std::string>(&cell)) return *s;
  return {};
}

bool ends_with(std::string_view text, std::string_view tail) {
  return text.size() >= tail.size() && text.substr(text.size() - tail.size()) == tail;
}

/// A column of the human view: one source column, or a mean with its sd.
struct View {
  std::string name;
  std::size_t column = 0;
  bool with_sd = false;
};

std::vector<View> views(const Table& table) {
  std::vector<View> out;
  const auto& h = table.header;
  for (std::size_t c = 0; c < h.size(); ++c) {
    bool used = false;
    for (const auto& row : table.rows)
      used = used || !empty(row[c]);
    const bool paired = ends_with(h[c], "_mean") && c + 1 < h.size() &&
                        h[c + 1] == h[c].substr(0, h[c].size() - 5) + "_sd";
    if (used) {
      out.push_back({paired ? h[c].substr(0, h[c].size() - 5) : h[c], c, paired});
    }
    if (paired) ++c;
  }
  return out;
}

}  // namespace

std::string short_number(double x) {
  if (std::isnan(x)) return "NaN";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

void write_csv(const Table& table, std::ostream& out) {
  for (std::size_t c = 0; c < table.header.size(); ++c) {
    if (c) out << ',';
    csv::field(out, table.header[c]);
  }
  out << '\n';
  for (const auto& row : table.rows) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (c) out << ',';
      if (const auto* x = std::get_if<double>(&row[c])) {
        csv::real(out, *x);
      } else if (const auto* i = std::get_if<std::int64_t>(&row[c])) {
        out << *i;
      } else if (const auto* s = std::get_if<std::string>(&row[c])) {
        csv::field(out, *s);
      }
    }
    out << '\n';
  }
}

void write_json(const Table& table, std::ostream& out) {
  out << '[';
  for (std::size_t r = 0; r < table.rows.size(); ++r) {
    out << (r ? ",\n " : "\n ") << '{';
    const auto& row = table.rows[r];
    for (std::size_t c = 0; c < row.size(); ++c) {
      out << (c ? "," : "") << json::quote(table.header[c]) << ':';
      if (const auto* x = std::get_if<double>(&row[c])) {
        out << json::number(*x);
      } else if (const auto* i = std::get_if<std::int64_t>(&row[c])) {
        out << *i;
      } else if (const auto* s = std::get_if<std::string>(&row[c])) {
        out << json::quote(*s);
      } else {
        out << "null";
      }
    }
    out << '}';
  }
  out << (table.rows.empty() ? "]\n" : "\n]\n");
}

std::vector<std::vector<std::string>> human_rows(const Table& table) {
  const std::vector<View> columns = views(table);
  std::vector<std::vector<std::string>> out(1);
  for (const View& v : columns)
    out[0].push_back(v.name);
  for (const auto& row : table.rows) {
    std::vector<std::string> line;
    for (const View& v : columns) {
      std::string text = human(row[v.column]);
      const Cell& sd = v.with_sd ? row[v.column + 1] : Cell{};
      const auto* s = std::get_if<double>(&sd);
      if (s && !std::isnan(*s)) text.append(" \u00b1 ").append(short_number(*s));
      line.push_back(std::move(text));
    }
    out.push_back(std::move(line));
  }
  return out;
}

}  // namespace optbench::results
