// Data decoded once per machine, not once per run: the bytes a dataset
// plugin decodes from its files (a decompressed IDX file, for one) are
// written once to a cache folder and memory-mapped read-only by every later
// run, worker process or MPI rank that reads the same files.
//
// An entry is keyed by what the plugin decodes ("kind") and by each source
// file's identity: its absolute path, size, modification and status-change
// times, device and inode. A changed file therefore gets a new entry and
// never the old bytes. A file modified in the last two seconds is decoded
// without the cache, since a rewrite within one tick of the file clock could
// keep its identity.
//
// Entries are written to a temporary file and renamed into place, so
// processes that decode the same data at the same time each write a complete
// entry and readers never see half of one. Every entry carries its key and a
// digest of its bytes, both checked whenever a process opens an entry it has
// not just written: a truncated or damaged entry is decoded again and
// replaced, never used.
//
// The folder: $OPTBENCH_DATA_CACHE if set ("off" or an empty value turn the
// cache off), else $XDG_CACHE_HOME/optbench/data, else
// $HOME/.cache/optbench/data. Deleting it is always safe. When it cannot be
// written, data is decoded in memory as if there were no cache.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "optbench/plugin.hpp"

namespace optbench {

class DecodeTarget;

/// Decoded bytes, either memory-mapped from a cache entry or held in memory.
/// Copies share the same bytes; they stay valid while any copy lives, even if
/// the entry is replaced or deleted meanwhile.
class OPTBENCH_SDK_API DecodedBytes {
 public:
  DecodedBytes() = default;
  const std::uint8_t* data() const { return data_; }
  std::size_t size() const { return size_; }
  std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  /// True when the bytes came from an existing cache entry (no decoding).
  bool cache_hit() const { return hit_; }

  struct Storage;  ///< the mapping or the vector behind data()

 private:
  friend OPTBENCH_SDK_API DecodedBytes
  cached_decode_into(const std::string&, const std::vector<std::filesystem::path>&,
                     const std::function<void(DecodeTarget&)>&);
  std::shared_ptr<const Storage> storage_;
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
  bool hit_ = false;
};

/// Where a decoder puts its output (see cached_decode_into). A decoder that
/// knows its output's size before decoding asks `allocate(n)` for n writable
/// bytes and decodes into them: with a usable cache they are the pages of the
/// entry being written, so the bytes are written once and never copied. A
/// decoder that learns the size only at the end hands its bytes to `adopt`.
/// Each call replaces what an earlier call gave (a decoder that falls back to
/// a slower path may start again); the bytes of the last call are the output.
class OPTBENCH_SDK_API DecodeTarget {
 public:
  virtual ~DecodeTarget() = default;
  /// n writable bytes, valid until the next call or the end of decoding.
  virtual std::span<std::uint8_t> allocate(std::size_t n) = 0;
  /// Takes `bytes` as the output; returns where they now are.
  virtual std::span<const std::uint8_t> adopt(std::vector<std::uint8_t> bytes) = 0;
};

/// As cached_decode, for a decoder that writes into a DecodeTarget. A decoder
/// that returns without calling allocate or adopt is a programming error
/// (std::logic_error).
OPTBENCH_SDK_API DecodedBytes cached_decode_into(const std::string& kind,
                                                 const std::vector<std::filesystem::path>& sources,
                                                 const std::function<void(DecodeTarget&)>& decode);

/// The bytes `decode` returns for `sources`, from the cache when an intact
/// entry exists for `kind` and the files as they are now; otherwise calls
/// `decode` (whose exceptions propagate: nothing is cached for a file that
/// fails to decode) and stores its result. `kind` names the decoder and its
/// version ("idx-v1"): a decoder whose output changes must change it.
OPTBENCH_SDK_API DecodedBytes
cached_decode(const std::string& kind, const std::vector<std::filesystem::path>& sources,
              const std::function<std::vector<std::uint8_t>()>& decode);

/// The cache folder as the environment sets it; empty when the cache is off.
OPTBENCH_SDK_API std::filesystem::path data_cache_dir();

}  // namespace optbench
