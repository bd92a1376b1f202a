// optbench query: read-only SQL on a results database, CSV on stdout. SQL is
// the SQLite file's own language, so this command, alone among the readers,
// opens the SQLite store itself rather than a store::Reader.
#include <iostream>

#include "cli/command.hpp"
#include "store/sqlite_store.hpp"

namespace optbench::cli {

int cmd_query(const std::vector<std::string>& args) {
  po::options_description options("query options");
  add_db_option(options);
  options.add_options()("sql", po::value<std::string>()->required(),
                        "one SQL statement (read-only)");
  po::positional_options_description positional;
  positional.add("sql", 1);
  po::variables_map vm;
  if (!parse("query", "[--db FILE] --sql \"SELECT ...\"", options, positional, args, vm)) {
    return kOk;
  }
  require_database(vm["db"].as<std::string>());
  const auto db =
      store::SqliteStore::open(vm["db"].as<std::string>(), store::SqliteStore::Mode::ReadOnly);
  db.query_csv(vm["sql"].as<std::string>(), std::cout);
  return kOk;
}

}  // namespace optbench::cli
