// The network-filesystem warning: statfs magic numbers are classified, and
// the local temp folder is not mistaken for a network mount.
#include <gtest/gtest.h>

#include <sys/vfs.h>

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

TEST(NetworkFs, TheTestFolderIsClassifiedByItsOwnMagic) {
  testing::TempDir dir;
  struct statfs info {};
  ASSERT_EQ(statfs(dir.path().c_str(), &info), 0);
  const char* expected = store::network_filesystem_name(static_cast<std::uint64_t>(info.f_type));
  const auto found = store::network_filesystem_of(dir / "not-yet.db");  // probes the folder
  EXPECT_EQ(found.has_value(), expected != nullptr);
  if (expected) {
    EXPECT_EQ(*found, expected);
  }
}

}  // namespace
}  // namespace optbench
