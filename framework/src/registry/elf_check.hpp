// Structural checks of a shared library file before dlopen sees it.
#pragma once

#include <filesystem>
#include <string>

namespace optbench::registry {

/// Returns an empty string when `file` is a complete 64-bit ELF shared
/// object for this machine, else why not. glibc's dlopen maps a truncated
/// library's segments past the end of the file and the first touch kills
/// the process with SIGBUS, so truncation must be caught here, not there.
std::string check_elf(const std::filesystem::path& file);

}  // namespace optbench::registry
