// Upgrading results files written by older optbench versions, one schema
// version at a time, inside the caller's BEGIN IMMEDIATE transaction so that
// a crash mid-way leaves the old file intact.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <filesystem>

namespace optbench::store::detail {

/// Brings a file of schema version `from` (>= 1) to kSchemaVersion and
/// records the new version in meta. Throws StoreError.
void migrate(sqlite3* db, const std::filesystem::path& file, std::int64_t from);

}  // namespace optbench::store::detail
