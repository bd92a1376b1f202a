// Checks an existing results database for damage before SqliteStore::open uses it,
// so that a damaged file is refused with its name instead of failing halfway
// through a sweep, and nothing is written into damaged b-trees.
#pragma once

#include <filesystem>

namespace optbench::store::detail {

/// Throws DamagedDatabase when the file exists, is not empty, and either its
/// 100-byte SQLite header is wrong or cut short, it is not whole pages or (with
/// a rollback journal) shorter than the page count its header declares, or
/// `PRAGMA quick_check` finds damage. Runs on a read-only connection, once per
/// file and process. A missing or empty file passes: SqliteStore::open creates it.
void check_integrity(const std::filesystem::path& file);

}  // namespace optbench::store::detail
