// The shared decoded-data cache (see optbench/data_cache.hpp). It lives in the
// SDK library so that the host and every dataset plugin use one
// implementation and one folder.
#include "optbench/data_cache.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <mutex>
#include <stdexcept>
#include <system_error>

namespace optbench {

namespace fs = std::filesystem;

struct DecodedBytes::Storage {
  std::vector<std::uint8_t> memory;  ///< decoded here (no usable cache)
  void* map = nullptr;               ///< or a read-only mapping of an entry
  std::size_t map_size = 0;
  ~Storage() {
    if (map != nullptr) munmap(map, map_size);
  }
};

namespace {

// Entry layout (native byte order: the cache never leaves the machine):
//   magic (8) | key length (8) | payload length (8) | payload digest (8)
//   | key | zero padding to a multiple of 64 | payload
// The payload starts 64-byte aligned so that a decoder may store floats.
// Version 2: the four-lane digest. An entry of version 1 fails the magic
// check and is decoded again and replaced.
constexpr char kMagic[8] = {'O', 'B', 'D', 'C', 'A', 'C', 'H', '2'};
constexpr std::size_t kFixedHeader = 32;
constexpr std::size_t kAlign = 64;

std::size_t payload_offset(std::size_t key_length) {
  return (kFixedHeader + key_length + kAlign - 1) / kAlign * kAlign;
}

// FNV-1a over 8-byte words in four interleaved lanes, folded together at
// the end: it detects truncation and damage, and is not meant to resist
// forgery. One lane waits for each multiply before the next: 7.8 ms per
// 55 MB; four independent lanes take 5.8 ms, about the time to read 55 MB
// from memory. Every run that opens an entry digests it.
std::uint64_t digest(const std::uint8_t* p, std::size_t n) {
  constexpr std::uint64_t kBasis = 0xcbf29ce484222325ULL, kPrime = 0x100000001b3ULL;
  std::uint64_t lanes[4] = {kBasis, kBasis ^ 1, kBasis ^ 2, kBasis ^ 3};
  std::size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    for (int l = 0; l < 4; ++l) {
      std::uint64_t word;
      std::memcpy(&word, p + i + 8 * l, 8);
      lanes[l] = (lanes[l] ^ word) * kPrime;
    }
  }
  std::uint64_t h = kBasis;
  for (const std::uint64_t lane : lanes)
    h = (h ^ lane) * kPrime;
  for (; i < n; ++i)
    h = (h ^ p[i]) * kPrime;
  return (h ^ n) * kPrime;
}

// The entry's file name: one-lane FNV-1a of the key, as version 1 named its
// entries, so that a version-1 entry is found, refused by its magic and
// replaced in place rather than left behind.
std::uint64_t name_hash(const std::string& key) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  std::size_t i = 0;
  for (; i + 8 <= key.size(); i += 8) {
    std::uint64_t word;
    std::memcpy(&word, key.data() + i, 8);
    h = (h ^ word) * 0x100000001b3ULL;
  }
  for (; i < key.size(); ++i)
    h = (h ^ static_cast<std::uint8_t>(key[i])) * 0x100000001b3ULL;
  return (h ^ key.size()) * 0x100000001b3ULL;
}

std::string hex16(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// File times advance in steps of the kernel's clock tick (a few ms), so a
// file rewritten at the same size within one tick keeps its identity. A file
// changed less than this long ago is therefore decoded without the cache:
// its identity may not yet be final. The status-change time is part of the
// identity too: setting a file's modification time back changes it.
constexpr long kSettledSeconds = 2;

/// The key text: the decoder and every source file's identity as it is now.
/// Throws when a source cannot be examined (the decoder would fail anyway,
/// and its error is the one to show: callers catch this and decode) or was
/// changed too recently to be told apart from its next version.
std::string identity_key(const std::string& kind, const std::vector<fs::path>& sources) {
  std::string key = kind;
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  for (const auto& source : sources) {
    struct stat st {};
    const fs::path absolute = fs::absolute(source);
    if (stat(absolute.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      throw std::system_error(errno, std::generic_category(), absolute.string());
    }
    if (now.tv_sec - st.st_mtim.tv_sec < kSettledSeconds) {
      throw std::runtime_error(absolute.string() + ": changed too recently to cache");
    }
    key += '\n' + absolute.string() + '\t' + std::to_string(st.st_size) + '\t' +
           std::to_string(st.st_mtim.tv_sec) + '.' + std::to_string(st.st_mtim.tv_nsec) + '\t' +
           std::to_string(st.st_ctim.tv_sec) + '.' + std::to_string(st.st_ctim.tv_nsec) + '\t' +
           std::to_string(st.st_dev) + '\t' + std::to_string(st.st_ino);
  }
  return key;
}

/// Whether open_entry digests the payload: always, except for the entry this
/// process has just written from the bytes it digested.
enum class Verify { Digest, JustWritten };

/// Maps `file` and returns it when it is an intact entry for `key`.
std::shared_ptr<DecodedBytes::Storage> open_entry(const fs::path& file, const std::string& key,
                                                  const std::uint8_t*& payload,
                                                  std::size_t& payload_size,
                                                  Verify verify = Verify::Digest) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st {};
  if (fstat(fd, &st) != 0 || st.st_size < static_cast<off_t>(kFixedHeader)) {
    ::close(fd);
    return nullptr;
  }
  auto storage = std::make_shared<DecodedBytes::Storage>();
  storage->map_size = static_cast<std::size_t>(st.st_size);
  void* map = mmap(nullptr, storage->map_size, PROT_READ, MAP_SHARED, fd, 0);
  ::close(fd);
  if (map == MAP_FAILED) return nullptr;
  storage->map = map;
  const auto* bytes = static_cast<const std::uint8_t*>(map);
  std::uint64_t key_length = 0, length = 0, expected = 0;
  std::memcpy(&key_length, bytes + 8, 8);
  std::memcpy(&length, bytes + 16, 8);
  std::memcpy(&expected, bytes + 24, 8);
  if (std::memcmp(bytes, kMagic, 8) != 0 || key_length != key.size()) return nullptr;
  const std::size_t offset = payload_offset(key.size());
  // The lengths must account for the file exactly: a truncated or extended
  // entry is as untrustworthy as a damaged one.
  if (storage->map_size < offset || length != storage->map_size - offset) return nullptr;
  if (std::memcmp(bytes + kFixedHeader, key.data(), key.size()) != 0) return nullptr;
  if (verify == Verify::Digest && digest(bytes + offset, length) != expected) return nullptr;
  payload = bytes + offset;
  payload_size = length;
  return storage;
}

/// Writes an entry under a temporary name and renames it over `file`, so
/// that no reader ever sees a partial entry. False when the folder is not
/// writable or the disk is full: the caller then keeps its bytes in memory.
bool write_entry(const fs::path& file, const std::string& key,
                 const std::vector<std::uint8_t>& payload) {
  std::string temp = file.string() + ".tmp.XXXXXX";
  const int fd = mkstemp(temp.data());
  if (fd < 0) return false;
  std::vector<std::uint8_t> header(payload_offset(key.size()), 0);
  const std::uint64_t key_length = key.size(), length = payload.size(),
                      sum = digest(payload.data(), payload.size());
  std::memcpy(header.data(), kMagic, 8);
  std::memcpy(header.data() + 8, &key_length, 8);
  std::memcpy(header.data() + 16, &length, 8);
  std::memcpy(header.data() + 24, &sum, 8);
  std::memcpy(header.data() + kFixedHeader, key.data(), key.size());
  const auto write_all = [fd](const std::uint8_t* p, std::size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(fd, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return false;
      p += w;
      n -= static_cast<std::size_t>(w);
    }
    return true;
  };
  // Readers may map the entry with another umask; the cache is shared data.
  fchmod(fd, 0644);
  const bool ok = write_all(header.data(), header.size()) &&
                  write_all(payload.data(), payload.size()) && ::close(fd) == 0;
  if (!ok) {
    ::close(fd);
    ::unlink(temp.c_str());
    return false;
  }
  if (std::rename(temp.c_str(), file.c_str()) != 0) {
    ::unlink(temp.c_str());
    return false;
  }
  return true;
}

void warn_once(const fs::path& dir, const std::string& why) {
  static std::once_flag once;
  std::call_once(once, [&] {
    std::fprintf(stderr, "optbench: data cache %s unusable (%s); decoding data in memory\n",
                 dir.c_str(), why.c_str());
  });
}

}  // namespace

fs::path data_cache_dir() {
  if (const char* dir = std::getenv("OPTBENCH_DATA_CACHE")) {
    if (*dir == '\0' || std::strcmp(dir, "off") == 0) return {};
    return fs::path(dir);
  }
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg == '/') {
    return fs::path(xdg) / "optbench" / "data";
  }
  if (const char* home = std::getenv("HOME"); home && *home == '/') {
    return fs::path(home) / ".cache" / "optbench" / "data";
  }
  return {};
}

DecodedBytes cached_decode(const std::string& kind, const std::vector<fs::path>& sources,
                           const std::function<std::vector<std::uint8_t>()>& decode) {
  const auto in_memory = [](std::vector<std::uint8_t> bytes) {
    auto storage = std::make_shared<DecodedBytes::Storage>();
    storage->memory = std::move(bytes);
    DecodedBytes out;
    out.data_ = storage->memory.data();
    out.size_ = storage->memory.size();
    out.storage_ = std::move(storage);
    return out;
  };
  const fs::path dir = data_cache_dir();
  if (dir.empty()) return in_memory(decode());
  std::string key;
  try {
    key = identity_key(kind, sources);
  } catch (const std::exception&) {
    return in_memory(decode());  // the decoder reports the missing file
  }
  const fs::path file = dir / (hex16(name_hash(key)) + ".bin");
  DecodedBytes out;
  if (auto storage = open_entry(file, key, out.data_, out.size_)) {
    out.storage_ = std::move(storage);
    out.hit_ = true;
    return out;
  }
  std::vector<std::uint8_t> bytes = decode();
  // A source rewritten while it was decoded gives bytes of neither version:
  // use them for this run, but never file them under either identity.
  std::string after;
  try {
    after = identity_key(kind, sources);
  } catch (const std::exception&) {
  }
  if (after != key) return in_memory(std::move(bytes));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    warn_once(dir, ec.message());
    return in_memory(std::move(bytes));
  }
  if (!write_entry(file, key, bytes)) {
    warn_once(dir, std::strerror(errno));
    return in_memory(std::move(bytes));
  }
  // Serve the mapped entry rather than the vector: later copies of the
  // dataset in this process then share the page cache with other processes.
  // Its lengths and key are checked as always; its payload is what this
  // process wrote a moment ago (or, if another process renamed its own entry
  // over it since, the same decoding of the same files).
  if (auto storage = open_entry(file, key, out.data_, out.size_, Verify::JustWritten)) {
    out.storage_ = std::move(storage);
    return out;
  }
  return in_memory(std::move(bytes));
}

}  // namespace optbench
