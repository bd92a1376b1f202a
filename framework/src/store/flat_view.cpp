#include "store/flat_view.hpp"

#include <vector>

#include "store/statement.hpp"

namespace optbench::store::detail {

namespace {

std::string quote_identifier(const std::string& name) {
  std::string out = "\"";
  for (const char c : name)
    out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string quote_literal(const std::string& text) {
  std::string out = "'";
  for (const char c : text)
    out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

}  // namespace

void refresh_flat_view(sqlite3* db, const std::filesystem::path& file, const std::string& grid) {
  const std::string what = "recreating the view runs_flat";
  // Each section of runs.hyperparams and where its values sit.
  Statement keys(db, file,
                 "WITH src(h) AS (SELECT hyperparams FROM runs "
                 "                UNION SELECT value FROM json_each(?1)), "
                 "     sections(rank, section, path) AS (VALUES "
                 "       (0, 'optimizer', '$.optimizer.params'), (1, 'model', '$.model.params'), "
                 "       (2, 'dataset', '$.dataset.params'), (3, 'train', '$.train')) "
                 "SELECT DISTINCT s.rank, s.section, s.path, k.key "
                 "FROM src, sections s, json_each(src.h, s.path) k ORDER BY 1, 4",
                 what);
  keys.bind_text(1, grid);
  std::string columns;
  while (keys.step()) {
    const std::string section = keys.column_text(1), path = keys.column_text(2),
                      key = keys.column_text(3);
    columns += ",\n  json_extract(r.hyperparams, " + quote_literal(path + ".\"" + key + "\"") +
               ") AS " + quote_identifier(section + "_" + key);
  }
  keys.reset();
  const std::string sql =
      "DROP VIEW IF EXISTS runs_flat;\n"
      "CREATE VIEW runs_flat AS SELECT r.id AS run_id, e.name AS experiment, r.label, "
      "r.optimizer, r.model, r.dataset, r.problem_key AS problem, r.seed, r.status, r.steps, "
      "r.final_loss, r.final_test_loss, r.final_accuracy, r.wall_seconds" +
      columns + "\nFROM runs r JOIN experiments e ON e.id = r.experiment_id WHERE r.in_grid = 1;";
  exec(db, file, sql.c_str(), what);
}

}  // namespace optbench::store::detail
