#include "store/read_only_media.hpp"

#include <sys/statvfs.h>
#include <unistd.h>

#include <cstdio>
#include <system_error>

namespace optbench::store::detail {

namespace fs = std::filesystem;

bool read_only_media(const fs::path& file) {
  std::error_code ec;
  // Committed transactions still in a log would be invisible to an
  // immutable reader; with one there, the ordinary read-only open is the
  // only one that sees them.
  if (const auto wal = fs::file_size(file.string() + "-wal", ec); !ec && wal > 0) return false;
  const fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
  struct statvfs fs_info {};
  if (statvfs(folder.c_str(), &fs_info) == 0 && (fs_info.f_flag & ST_RDONLY) != 0) return true;
  // access() answers for this process's user; root passes it anywhere but
  // on a read-only mount, which statvfs caught above.
  return access(folder.c_str(), W_OK) != 0;
}

std::string immutable_uri(const fs::path& file) {
  std::string uri = "file:";
  for (const unsigned char c : fs::absolute(file).string()) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '/' || c == '-' || c == '.' || c == '_' || c == '~';
    if (plain) {
      uri += static_cast<char>(c);
    } else {
      char escaped[4];
      std::snprintf(escaped, sizeof escaped, "%%%02X", c);
      uri += escaped;
    }
  }
  return uri + "?immutable=1";
}

}  // namespace optbench::store::detail
