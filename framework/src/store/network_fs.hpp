// SQLite's locking relies on POSIX advisory locks and, in WAL mode, on
// shared memory, neither of which network filesystems provide reliably: two
// writers on NFS can corrupt the file. The store only warns, because a
// single writer on such a mount is fine.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace optbench::store {

/// The name of the network filesystem with this statfs f_type magic
/// ("NFS", "CIFS", ...), or null for a local one.
const char* network_filesystem_name(std::uint64_t magic);

/// The network filesystem holding `file` (or the folder it would be created
/// in), if any.
std::optional<std::string> network_filesystem_of(const std::filesystem::path& file);

}  // namespace optbench::store
