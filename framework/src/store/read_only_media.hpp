// A finished results file on media this process cannot write (a read-only
// mount, a CD, a folder of another user): SQLite's WAL mode needs a
// writable `-shm` file beside the database even to read, so such a file is
// opened "immutable" instead, which reads the database file alone.
#pragma once

#include <filesystem>
#include <string>

namespace optbench::store::detail {

/// True when nothing can be created beside `file` (its folder is on a
/// read-only filesystem or not writable by this process) and no write-ahead
/// log with content lies beside it, so the database file alone holds every
/// committed transaction and no writer can be using it.
bool read_only_media(const std::filesystem::path& file);

/// "file:/path?immutable=1" with the path percent-encoded, for
/// sqlite3_open_v2 with SQLITE_OPEN_URI.
std::string immutable_uri(const std::filesystem::path& file);

}  // namespace optbench::store::detail
