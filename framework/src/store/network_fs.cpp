#include "store/network_fs.hpp"

#include <sys/vfs.h>

#include <array>
#include <utility>

namespace optbench::store {

namespace {

// f_type values from linux/magic.h and the filesystems' own headers.
constexpr std::array<std::pair<std::uint64_t, const char*>, 12> kNetworkFilesystems{{
    {0x6969, "NFS"},
    {0xFF534D42, "CIFS"},
    {0xFE534D42, "SMB2"},
    {0x517B, "SMB"},
    {0x564C, "NCP"},
    {0x73757245, "Coda"},
    {0x5346414F, "AFS"},
    {0x6B414653, "kAFS"},
    {0x01021997, "9P"},
    {0x00C36400, "Ceph"},
    {0x0BD00BD0, "Lustre"},
    {0x47504653, "GPFS"},
}};

}  // namespace

const char* network_filesystem_name(std::uint64_t magic) {
  for (const auto& [value, name] : kNetworkFilesystems) {
    if (value == magic) return name;
  }
  return nullptr;
}

std::optional<std::string> network_filesystem_of(const std::filesystem::path& file) {
  std::error_code ec;
  std::filesystem::path probe = std::filesystem::exists(file, ec) ? file : file.parent_path();
  if (probe.empty()) probe = ".";
  struct statfs info {};
  if (statfs(probe.c_str(), &info) != 0) return std::nullopt;
  if (const char* name = network_filesystem_name(static_cast<std::uint64_t>(info.f_type))) {
    return name;
  }
  return std::nullopt;
}

}  // namespace optbench::store
