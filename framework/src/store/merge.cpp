#include "store/merge.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "store/flat_view.hpp"
#include "store/sqlite_store.hpp"
#include "store/statement.hpp"

namespace optbench::store {

namespace fs = std::filesystem;
using detail::Statement;

namespace {

// A status with no result yet: the run is trained again by the next
// invocation, so a finished copy from another file is better.
constexpr const char* kUnfinished = "('pending', 'running', 'interrupted')";

// The columns of `table` in `schema` but `skip` (ids that are renumbered),
// quoted, comma-separated, in the table's order. Read from the file, so a
// column the schema gains is carried without a change here.
std::string columns(sqlite3* db, const fs::path& file, const std::string& schema,
                    const std::string& table, const std::vector<std::string>& skip) {
  Statement s(db, file, "SELECT name FROM pragma_table_info(?1, ?2) ORDER BY cid",
              "reading the columns of " + table);
  s.bind_text(1, table);
  s.bind_text(2, schema);
  std::string list;
  while (s.step()) {
    const auto name = s.column_text(0);
    if (std::find(skip.begin(), skip.end(), name) != skip.end()) continue;
    if (!list.empty()) list += ", ";
    list += '"' + name + '"';
  }
  return list;
}

class Merger {
 public:
  Merger(sqlite3* db, const fs::path& into, const fs::path& from)
      : db_(db), into_(into), from_(from) {
    runs_ = columns(db, into, "main", "runs", {"id", "experiment_id"});
    metric_chunks_ = columns(db, into, "main", "metric_chunks", {"id", "run_id"});
    trajectory_chunks_ = columns(db, into, "main", "trajectory_chunks", {"id", "run_id"});
    surfaces_ = columns(db, into, "main", "surfaces", {"experiment_id"});
    // The same schema version gives the same columns; checked anyway, since
    // copying by position between other columns would be silent damage.
    if (runs_ != columns(db, into, "src", "runs", {"id", "experiment_id"}))
      detail::fail_plain(from, "its runs table has other columns than " + into.string() + "'s");
  }

  MergeCounts run() {
    Statement experiments(db_, from_,
                          "SELECT id, name, title, yaml, source_path, created "
                          "FROM src.experiments ORDER BY id",
                          "reading the experiments to merge");
    while (experiments.step()) {
      const auto name = experiments.column_text(1);
      const auto yaml = experiments.column_text(3);
      const auto id = target_experiment(name, experiments.column_text(2), yaml,
                                        experiments.column_text(4), experiments.column_text(5));
      copy_runs(experiments.column_int(0), id);
      Statement surfaces(db_, into_,
                         "INSERT OR IGNORE INTO main.surfaces (experiment_id, " + surfaces_ +
                             ") SELECT ?2, " + surfaces_ +
                             " FROM src.surfaces WHERE experiment_id = ?1",
                         "copying the sampled surfaces");
      surfaces.bind_int(1, experiments.column_int(0));
      surfaces.bind_int(2, id);
      surfaces.run();
    }
    return counts_;
  }

 private:
  std::int64_t target_experiment(const std::string& name, const std::string& title,
                                 const std::string& yaml, const std::string& source,
                                 const std::string& created) {
    Statement find(db_, into_, "SELECT id, yaml, source_path FROM main.experiments WHERE name = ?1",
                   "finding the experiment");
    find.bind_text(1, name);
    if (find.step()) {
      if (find.column_text(1) != yaml) {
        throw MergeConflict(from_.string() + ": experiment '" + name +
                            "' is defined differently there (" + source + ") than in " +
                            into_.string() + " (" + find.column_text(2) +
                            "): the texts differ, so their runs are not results of one "
                            "experiment; merge only shards of one experiment file");
      }
      return find.column_int(0);
    }
    Statement insert(db_, into_,
                     "INSERT INTO main.experiments (name, title, yaml, source_path, created) "
                     "VALUES (?1, ?2, ?3, ?4, ?5)",
                     "copying the experiment");
    insert.bind_text(1, name);
    insert.bind_text(2, title);
    insert.bind_text(3, yaml);
    insert.bind_text(4, source);
    insert.bind_text(5, created);
    insert.run();
    ++counts_.experiments;
    return sqlite3_last_insert_rowid(db_);
  }

  void copy_runs(std::int64_t src_experiment, std::int64_t experiment) {
    Statement runs(db_, from_,
                   std::string("SELECT id, config_hash, status NOT IN ") + kUnfinished +
                       " FROM src.runs WHERE experiment_id = ?1 ORDER BY id",
                   "reading the runs to merge");
    runs.bind_int(1, src_experiment);
    while (runs.step()) {
      const auto src_id = runs.column_int(0);
      const bool src_finished = runs.column_int(2) != 0;
      Statement existing(db_, into_,
                         std::string("SELECT id, status NOT IN ") + kUnfinished +
                             " FROM main.runs WHERE experiment_id = ?1 AND config_hash = ?2",
                         "finding the run");
      existing.bind_int(1, experiment);
      existing.bind_text(2, runs.column_text(1));
      if (existing.step()) {
        if (existing.column_int(1) != 0 || !src_finished) {
          ++counts_.already;
          continue;
        }
        remove(existing.column_int(0));
      }
      copy(src_id, experiment);
      ++counts_.copied;
    }
  }

  void remove(std::int64_t run) {
    for (const char* sql : {"DELETE FROM main.metric_chunks WHERE run_id = ?1",
                            "DELETE FROM main.trajectory_chunks WHERE run_id = ?1",
                            "DELETE FROM main.runs WHERE id = ?1"}) {
      Statement s(db_, into_, sql, "replacing an unfinished run");
      s.bind_int(1, run);
      s.run();
    }
  }

  void copy(std::int64_t src_run, std::int64_t experiment) {
    Statement run(db_, into_,
                  "INSERT INTO main.runs (experiment_id, " + runs_ + ") SELECT ?2, " + runs_ +
                      " FROM src.runs WHERE id = ?1",
                  "copying a run");
    run.bind_int(1, src_run);
    run.bind_int(2, experiment);
    run.run();
    const auto id = sqlite3_last_insert_rowid(db_);
    for (const auto& [table, list] :
         {std::pair<std::string, std::string>{"metric_chunks", metric_chunks_},
          {"trajectory_chunks", trajectory_chunks_}}) {
      Statement chunks(db_, into_,
                       "INSERT INTO main." + table + " (run_id, " + list + ") SELECT ?2, " + list +
                           " FROM src." + table + " WHERE run_id = ?1 ORDER BY id",
                       "copying a run's history");
      chunks.bind_int(1, src_run);
      chunks.bind_int(2, id);
      chunks.run();
    }
  }

  sqlite3* db_;
  const fs::path& into_;
  const fs::path& from_;
  std::string runs_, metric_chunks_, trajectory_chunks_, surfaces_;
  MergeCounts counts_;
};

}  // namespace

MergeCounts merge(const fs::path& into, const fs::path& from) {
  const auto target = fs::absolute(into), source = fs::absolute(from);
  // Each file checked (damage, foreign files, newer versions) and brought
  // to this version as any command would, before a byte is copied.
  SqliteStore::open(source, SqliteStore::Mode::ReadOnly);
  SqliteStore::open(target, SqliteStore::Mode::ReadWrite);
  if (fs::equivalent(target, source))
    detail::fail_plain(source, "is the file being merged into; give another output file");

  auto conn = detail::open_connection(target, SQLITE_OPEN_READWRITE);
  sqlite3* db = conn.get();
  detail::exec(db, target, "PRAGMA foreign_keys = ON", "configuring the connection");
  {
    Statement attach(db, target, "ATTACH DATABASE ?1 AS src", "opening " + source.string());
    attach.bind_text(1, source.string());
    attach.run();
  }
  MergeCounts counts;
  {
    detail::Transaction tx(db, target, "merging " + source.string());
    counts = Merger(db, target, source).run();
    // runs_flat gets a column for every hyperparameter the copied runs have.
    detail::refresh_flat_view(db, target, "[]");
    tx.commit();
  }
  detail::exec(db, target, "DETACH DATABASE src", "closing " + source.string());
  return counts;
}

}  // namespace optbench::store
