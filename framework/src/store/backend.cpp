#include "store/backend.hpp"

#include "store/sqlite_store.hpp"

namespace optbench::store {

std::unique_ptr<Backend> open(const std::filesystem::path& file) {
  return std::make_unique<SqliteStore>(SqliteStore::open(file, SqliteStore::Mode::ReadWrite));
}

std::unique_ptr<Reader> open_reader(const std::filesystem::path& file) {
  return std::make_unique<SqliteStore>(SqliteStore::open(file, SqliteStore::Mode::ReadOnly));
}

}  // namespace optbench::store
