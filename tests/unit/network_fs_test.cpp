// The network-filesystem warning: statfs magic numbers are classified, and
// the temp folder is classified as the kernel's mount table says it is.
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <set>
#include <string>

#include "store/network_fs.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

TEST(NetworkFs, KnownNetworkMagicsAreNamed) {
  EXPECT_STREQ(store::network_filesystem_name(0x6969), "NFS");
  EXPECT_STREQ(store::network_filesystem_name(0xFF534D42), "CIFS");
  EXPECT_STREQ(store::network_filesystem_name(0xFE534D42), "SMB2");
  EXPECT_STREQ(store::network_filesystem_name(0x517B), "SMB");
  EXPECT_STREQ(store::network_filesystem_name(0x01021997), "9P");
  EXPECT_STREQ(store::network_filesystem_name(0x00C36400), "Ceph");
}

TEST(NetworkFs, LocalMagicsAreNot) {
  EXPECT_EQ(store::network_filesystem_name(0xEF53), nullptr);      // ext2/3/4
  EXPECT_EQ(store::network_filesystem_name(0x58465342), nullptr);  // XFS
  EXPECT_EQ(store::network_filesystem_name(0x9123683E), nullptr);  // Btrfs
  EXPECT_EQ(store::network_filesystem_name(0x01021994), nullptr);  // tmpfs
  EXPECT_EQ(store::network_filesystem_name(0x794C7630), nullptr);  // overlayfs
  EXPECT_EQ(store::network_filesystem_name(0), nullptr);
}

// The filesystem type the kernel reports for the mount holding `path`
// (/proc/self/mounts, the longest mount point that is a prefix of it): an
// oracle that does not go through statfs's magic numbers.
std::string mount_type_of(const std::filesystem::path& path) {
  const std::string target = std::filesystem::canonical(path).string();
  std::ifstream mounts("/proc/self/mounts");
  std::string device, point, type, rest, best_type;
  std::size_t best = 0;
  while (mounts >> device >> point >> type && std::getline(mounts, rest)) {
    const bool prefix = target == point || point == "/" ||
                        (target.rfind(point, 0) == 0 && target.size() > point.size() &&
                         target[point.size()] == '/');
    if (prefix && point.size() >= best) {
      best = point.size();
      best_type = type;
    }
  }
  return best_type;
}

// Inside a chroot whose root is no mount point (a fresh root file system, as
// CI builds in), the mount table holds nothing covering the folder; coreutils'
// `stat -f` names the type from its own table instead.
std::string stat_type_of(const std::filesystem::path& path) {
  std::string out;
  FILE* pipe = popen(("stat -f -c %T '" + path.string() + "' 2>/dev/null").c_str(), "r");
  if (!pipe) return out;
  char buf[256];
  for (std::size_t n; (n = fread(buf, 1, sizeof buf, pipe)) > 0;)
    out.append(buf, n);
  pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' '))
    out.pop_back();
  return out;
}

TEST(NetworkFs, TheTestFolderIsClassifiedAsItsMountSays) {
  testing::TempDir dir;
  std::string type = mount_type_of(dir.path());
  if (type.empty()) type = stat_type_of(dir.path());
  ASSERT_FALSE(type.empty()) << "no mount and no stat -f type for " << dir.path();
  const std::set<std::string> network = {"nfs",  "nfs4", "cifs",  "smb3", "smb2", "smbfs",  "9p",
                                         "v9fs", "ceph", "ncpfs", "coda", "afs",  "lustre", "gpfs"};
  const auto found = store::network_filesystem_of(dir / "not-yet.db");  // probes the folder
  EXPECT_EQ(found.has_value(), network.contains(type)) << "mount type " << type;
}

TEST(NetworkFs, ProcIsLocalAndAMissingFolderIsNotGuessed) {
  EXPECT_EQ(store::network_filesystem_of("/proc/self/status"), std::nullopt);
  // statfs fails on a folder that does not exist: no warning, no error.
  EXPECT_EQ(store::network_filesystem_of("/nonexistent-optbench-folder/x/r.db"), std::nullopt);
}

}  // namespace
}  // namespace optbench
