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
#include <utility>

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

/// The entry's header: magic, lengths, digest and key, zero-padded to the
/// payload's offset.
void fill_header(std::uint8_t* header, const std::string& key, std::uint64_t length,
                 std::uint64_t sum) {
  const std::uint64_t key_length = key.size();
  std::memset(header, 0, payload_offset(key.size()));
  std::memcpy(header, kMagic, 8);
  std::memcpy(header + 8, &key_length, 8);
  std::memcpy(header + 16, &length, 8);
  std::memcpy(header + 24, &sum, 8);
  std::memcpy(header + kFixedHeader, key.data(), key.size());
}

/// Writes an entry's header and payload through `fd`, an empty file opened
/// for writing. False when the disk is full or the write fails.
bool write_entry(int fd, const std::string& key, const std::vector<std::uint8_t>& payload) {
  std::vector<std::uint8_t> header(payload_offset(key.size()));
  fill_header(header.data(), key, payload.size(), digest(payload.data(), payload.size()));
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
  return write_all(header.data(), header.size()) && write_all(payload.data(), payload.size());
}

/// The error of a decoder that returned without calling allocate or adopt.
void require_output(bool given) {
  if (!given) throw std::logic_error("a decoder returned without producing its output");
}

void warn_once(const fs::path& dir, const std::string& why) {
  static std::once_flag once;
  std::call_once(once, [&] {
    std::fprintf(stderr, "optbench: data cache %s unusable (%s); decoding data in memory\n",
                 dir.c_str(), why.c_str());
  });
}

/// A decoder's output kept in memory.
class MemoryTarget final : public DecodeTarget {
 public:
  std::span<std::uint8_t> allocate(std::size_t n) override {
    bytes_.assign(n, 0);
    given_ = true;
    return bytes_;
  }
  std::span<const std::uint8_t> adopt(std::vector<std::uint8_t> bytes) override {
    bytes_ = std::move(bytes);
    given_ = true;
    return bytes_;
  }
  bool given() const { return given_; }
  std::vector<std::uint8_t>& bytes() { return bytes_; }

 private:
  std::vector<std::uint8_t> bytes_;
  bool given_ = false;
};

std::shared_ptr<DecodedBytes::Storage> memory_storage(std::vector<std::uint8_t> bytes) {
  auto storage = std::make_shared<DecodedBytes::Storage>();
  storage->memory = std::move(bytes);
  return storage;
}

/// A decoder's output written straight into the pages of a new entry: a
/// temporary file in the cache folder, its blocks reserved with fallocate
/// (so that a full disk fails here, not as SIGBUS on a write to the
/// mapping), mapped shared and writable. Decoding into the entry instead of
/// into memory and then write()-ing it halves the pages a first run touches
/// and skips a copy of the whole data set. Where the folder refuses a
/// temporary file or fallocate (a full disk, a file system without it), the
/// output is kept in memory and written the ordinary way afterwards.
class EntryTarget final : public DecodeTarget {
 public:
  EntryTarget(const fs::path& file, std::string key)
      : file_(file), key_(std::move(key)), offset_(payload_offset(key_.size())) {
    temp_ = file.string() + ".tmp.XXXXXX";
    fd_ = mkstemp(temp_.data());
    if (fd_ < 0) {
      error_ = errno;
      temp_.clear();
    } else {
      // Readers may map the entry with another umask; the cache is shared data.
      fchmod(fd_, 0644);
    }
  }
  EntryTarget(const EntryTarget&) = delete;
  EntryTarget& operator=(const EntryTarget&) = delete;
  ~EntryTarget() override {
    unmap();
    if (fd_ >= 0) ::close(fd_);
    if (!temp_.empty()) ::unlink(temp_.c_str());
  }

  std::span<std::uint8_t> allocate(std::size_t n) override {
    unmap();
    if (!memory_.given() && map_bytes(n)) return {static_cast<std::uint8_t*>(map_) + offset_, n};
    return memory_.allocate(n);
  }

  std::span<const std::uint8_t> adopt(std::vector<std::uint8_t> bytes) override {
    unmap();
    return memory_.adopt(std::move(bytes));
  }

  /// The output as decoded bytes, filed as the entry unless `file` is false
  /// (the sources changed while they were decoded).
  std::shared_ptr<DecodedBytes::Storage> finish(bool file, const std::uint8_t*& payload,
                                                std::size_t& size, const fs::path& dir) {
    // The output is in the mapping when there is one, else in memory_.
    if (map_ == nullptr) {
      require_output(memory_.given());
      return finish_from_memory(file, payload, size, dir);
    }
    const std::size_t length = map_size_ - offset_;
    auto* bytes = static_cast<std::uint8_t*>(map_);
    fill_header(bytes, key_, length, digest(bytes + offset_, length));
    mprotect(map_, map_size_, PROT_READ);
    auto storage = std::make_shared<DecodedBytes::Storage>();
    storage->map = map_;
    storage->map_size = map_size_;
    map_ = nullptr;
    payload = bytes + offset_;
    size = length;
    // The mapping stays valid whatever happens to the file's name now.
    if (file && ::close(std::exchange(fd_, -1)) == 0 &&
        std::rename(temp_.c_str(), file_.c_str()) == 0) {
      temp_.clear();
    }
    return storage;
  }

 private:
  bool map_bytes(std::size_t n) {
    if (fd_ < 0) return false;
    const std::size_t total = offset_ + n;
    if (ftruncate(fd_, 0) != 0 || fallocate(fd_, 0, 0, static_cast<off_t>(total)) != 0) {
      error_ = errno;
      return false;
    }
    void* map = mmap(nullptr, total, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (map == MAP_FAILED) {
      error_ = errno;
      return false;
    }
    map_ = map;
    map_size_ = total;
    return true;
  }

  void unmap() {
    if (map_ != nullptr) munmap(map_, map_size_);
    map_ = nullptr;
    map_size_ = 0;
  }

  std::shared_ptr<DecodedBytes::Storage> finish_from_memory(bool file, const std::uint8_t*& payload,
                                                            std::size_t& size,
                                                            const fs::path& dir) {
    std::vector<std::uint8_t>& bytes = memory_.bytes();
    if (file && error_ != 0 && error_ != EOPNOTSUPP) {
      warn_once(dir, std::strerror(error_));
    } else if (file) {
      // The decoder adopted its bytes, or the file system has no fallocate:
      // write the entry through the temporary file the ordinary way, then
      // serve the mapped entry so that later copies share the page cache.
      // Its payload is what this process just wrote (or another process's
      // identical decoding of the same files, renamed over it since).
      if (ftruncate(fd_, 0) != 0 || !write_entry(fd_, key_, bytes) ||
          ::close(std::exchange(fd_, -1)) != 0) {
        warn_once(dir, std::strerror(errno));
      } else if (std::rename(temp_.c_str(), file_.c_str()) == 0) {
        temp_.clear();
        if (auto entry = open_entry(file_, key_, payload, size, Verify::JustWritten)) return entry;
      }
    }
    payload = bytes.data();
    size = bytes.size();
    return memory_storage(std::move(bytes));
  }

  fs::path file_;
  std::string key_;
  std::size_t offset_;
  std::string temp_;
  int fd_ = -1;
  void* map_ = nullptr;
  std::size_t map_size_ = 0;
  int error_ = 0;
  MemoryTarget memory_;
};

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

DecodedBytes cached_decode_into(const std::string& kind, const std::vector<fs::path>& sources,
                                const std::function<void(DecodeTarget&)>& decode) {
  DecodedBytes out;
  const auto in_memory = [&] {
    MemoryTarget target;
    decode(target);
    require_output(target.given());
    out.data_ = target.bytes().data();
    out.size_ = target.bytes().size();
    out.storage_ = memory_storage(std::move(target.bytes()));
    return out;
  };
  const fs::path dir = data_cache_dir();
  if (dir.empty()) return in_memory();
  std::string key;
  try {
    key = identity_key(kind, sources);
  } catch (const std::exception&) {
    return in_memory();  // the decoder reports the missing file
  }
  const fs::path file = dir / (hex16(name_hash(key)) + ".bin");
  if (auto storage = open_entry(file, key, out.data_, out.size_)) {
    out.storage_ = std::move(storage);
    out.hit_ = true;
    return out;
  }
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    warn_once(dir, ec.message());
    return in_memory();
  }
  EntryTarget target(file, key);
  decode(target);
  // A source rewritten while it was decoded gives bytes of neither version:
  // use them for this run, but never file them under either identity.
  std::string after;
  try {
    after = identity_key(kind, sources);
  } catch (const std::exception&) {
  }
  out.storage_ = target.finish(after == key, out.data_, out.size_, dir);
  return out;
}

DecodedBytes cached_decode(const std::string& kind, const std::vector<fs::path>& sources,
                           const std::function<std::vector<std::uint8_t>()>& decode) {
  return cached_decode_into(kind, sources, [&](DecodeTarget& target) { target.adopt(decode()); });
}

}  // namespace optbench
