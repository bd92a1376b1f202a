// The shared decoded-data cache: a hit returns the decoded bytes without
// decoding, a changed source or a damaged entry is decoded again, several
// processes decoding at once are safe, and the idx plugin gives the same
// floats through the cache as without it.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <thread>

#include "optbench/data_cache.hpp"
#include "optbench/random.hpp"
#include "test_support.hpp"

namespace optbench {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
using testing::write_file;

/// Points the cache at a folder of this test for its lifetime.
struct CacheFolder {
  TempDir dir;
  std::string previous;
  bool had_previous = false;
  CacheFolder() {
    if (const char* p = std::getenv("OPTBENCH_DATA_CACHE")) {
      previous = p;
      had_previous = true;
    }
    setenv("OPTBENCH_DATA_CACHE", (dir / "cache").c_str(), 1);
  }
  ~CacheFolder() {
    if (had_previous) {
      setenv("OPTBENCH_DATA_CACHE", previous.c_str(), 1);
    } else {
      unsetenv("OPTBENCH_DATA_CACHE");
    }
  }
  /// Each entry's inode: a rewritten entry (renamed into place) gets another.
  std::vector<ino_t> inodes() const {
    std::vector<ino_t> out;
    for (const auto& e : entries()) {
      struct stat st {};
      if (stat(e.c_str(), &st) == 0) out.push_back(st.st_ino);
    }
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<fs::path> entries() const {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir / "cache", ec))
      out.push_back(e.path());
    return out;
  }
};

/// Writes a source file with a modification time an hour ago: the cache
/// leaves files changed in the last seconds alone (see the racy-file test).
void write_settled(const fs::path& file, const std::string& text) {
  write_file(file, text);
  fs::last_write_time(file, fs::file_time_type::clock::now() - std::chrono::hours(1));
}

/// A stand-in decoder: the source's bytes reversed, and a count of calls.
struct Decoder {
  fs::path source;
  int calls = 0;
  std::vector<std::uint8_t> operator()() {
    ++calls;
    const std::string text = testing::read_file(source);
    return {text.rbegin(), text.rend()};
  }
  std::function<std::vector<std::uint8_t>()> fn() {
    return [this] { return (*this)(); };
  }
};

std::vector<std::uint8_t> reversed(const std::string& s) {
  return {s.rbegin(), s.rend()};
}

std::vector<std::uint8_t> copy(const DecodedBytes& b) {
  return {b.data(), b.data() + b.size()};
}

std::string big_text() {
  std::string text;
  for (int i = 0; i < 100000; ++i)
    text += static_cast<char>('a' + (i * 7) % 26);
  return text;
}

TEST(DataCache, SecondUseMapsTheEntryWithoutDecoding) {
  CacheFolder cache;
  const auto source = cache.dir / "source.bin";
  write_settled(source, big_text());
  Decoder decoder{source};
  const auto first = cached_decode("test-1", {source}, decoder.fn());
  EXPECT_FALSE(first.cache_hit());
  EXPECT_EQ(copy(first), reversed(big_text()));
  ASSERT_EQ(cache.entries().size(), 1u);
  const auto second = cached_decode("test-1", {source}, decoder.fn());
  EXPECT_TRUE(second.cache_hit());
  EXPECT_EQ(decoder.calls, 1);
  EXPECT_EQ(copy(second), reversed(big_text()));
  // Decoded bytes may hold floats: the payload is 64-byte aligned.
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(second.data()) % 64, 0u);
  // Another decoder of the same file has an entry of its own.
  const auto other = cached_decode("test-2", {source}, [] { return std::vector<std::uint8_t>{7}; });
  EXPECT_FALSE(other.cache_hit());
  EXPECT_EQ(copy(other), std::vector<std::uint8_t>{7});
  EXPECT_EQ(cache.entries().size(), 2u);
}

TEST(DataCache, ChangedSourceIsDecodedAgain) {
  CacheFolder cache;
  const auto source = cache.dir / "source.bin";
  write_settled(source, "first version");
  Decoder decoder{source};
  (void)cached_decode("test-1", {source}, decoder.fn());
  // Same size, other bytes, other times: a new identity.
  write_settled(source, "other version");
  fs::last_write_time(source, fs::file_time_type::clock::now() - std::chrono::minutes(30));
  const auto again = cached_decode("test-1", {source}, decoder.fn());
  EXPECT_FALSE(again.cache_hit());
  EXPECT_EQ(decoder.calls, 2);
  EXPECT_EQ(copy(again), reversed("other version"));
}

TEST(DataCache, FileChangedInTheLastSecondsIsNotCached) {
  CacheFolder cache;
  const auto source = cache.dir / "source.bin";
  write_file(source, "just written");
  Decoder decoder{source};
  const auto a = cached_decode("test-1", {source}, decoder.fn());
  const auto b = cached_decode("test-1", {source}, decoder.fn());
  EXPECT_FALSE(b.cache_hit());
  EXPECT_EQ(decoder.calls, 2);
  EXPECT_EQ(copy(b), reversed("just written"));
  EXPECT_TRUE(cache.entries().empty());
}

TEST(DataCache, DamagedEntriesAreDecodedAgainAndReplaced) {
  // Each way an entry can be damaged: cut short, cut to nothing, one payload
  // byte flipped, the stored key changed, the magic overwritten, extra bytes.
  const std::vector<std::pair<std::string, std::function<void(const fs::path&)>>> damages = {
      {"truncated", [](const fs::path& f) { fs::resize_file(f, fs::file_size(f) - 100); }},
      {"empty", [](const fs::path& f) { fs::resize_file(f, 0); }},
      {"payload byte",
       [](const fs::path& f) {
         std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
         io.seekp(static_cast<std::streamoff>(fs::file_size(f) / 2));
         io.put('#');
       }},
      {"last payload byte",
       [](const fs::path& f) {
         std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
         io.seekg(-1, std::ios::end);
         const char last = static_cast<char>(io.get());
         io.seekp(-1, std::ios::end);
         io.put(static_cast<char>(last ^ 1));
       }},
      {"key byte",
       [](const fs::path& f) {
         std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
         io.seekp(40);
         io.put('#');
       }},
      {"magic",
       [](const fs::path& f) {
         std::fstream io(f, std::ios::in | std::ios::out | std::ios::binary);
         io.write("XXXXXXXX", 8);
       }},
      {"appended", [](const fs::path& f) { std::ofstream(f, std::ios::app) << "tail"; }},
  };
  for (const auto& [name, damage] : damages) {
    CacheFolder cache;
    const auto source = cache.dir / "source.bin";
    write_settled(source, big_text());
    Decoder decoder{source};
    (void)cached_decode("test-1", {source}, decoder.fn());
    ASSERT_EQ(cache.entries().size(), 1u) << name;
    damage(cache.entries().front());
    const auto rebuilt = cached_decode("test-1", {source}, decoder.fn());
    EXPECT_FALSE(rebuilt.cache_hit()) << name;
    EXPECT_EQ(decoder.calls, 2) << name;
    EXPECT_EQ(copy(rebuilt), reversed(big_text())) << name;
    // The replacement is intact: the next use is a hit again.
    const auto next = cached_decode("test-1", {source}, decoder.fn());
    EXPECT_TRUE(next.cache_hit()) << name;
    EXPECT_EQ(copy(next), reversed(big_text())) << name;
    EXPECT_EQ(cache.entries().size(), 1u) << name;
  }
}

TEST(DataCache, BytesStayValidWhenTheEntryIsReplacedOrDeleted) {
  CacheFolder cache;
  const auto source = cache.dir / "source.bin";
  write_settled(source, big_text());
  Decoder decoder{source};
  (void)cached_decode("test-1", {source}, decoder.fn());
  const auto mapped = cached_decode("test-1", {source}, decoder.fn());
  ASSERT_TRUE(mapped.cache_hit());
  fs::remove_all(cache.dir / "cache");
  EXPECT_EQ(copy(mapped), reversed(big_text()));
}

TEST(DataCache, ConcurrentFirstUseByProcessesIsSafe) {
  CacheFolder cache;
  const auto source = cache.dir / "source.bin";
  write_settled(source, big_text());
  const auto want = reversed(big_text());
  // Eight processes start on a cold cache at once; each decodes slowly so
  // that they overlap, writes its entry and checks what it got back. Exit 0:
  // the right bytes; 1: wrong bytes; 2: an exception.
  std::vector<pid_t> children;
  for (int k = 0; k < 8; ++k) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int code = 0;
      try {
        const auto got = cached_decode("test-1", {source}, [&] {
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
          return want;
        });
        code = copy(got) == want ? 0 : 1;
      } catch (...) {
        code = 2;
      }
      _exit(code);
    }
    children.push_back(pid);
  }
  for (const pid_t pid : children) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
  }
  // One intact entry, no temporary files left behind.
  const auto entries = cache.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries.front().extension(), ".bin");
  const auto hit = cached_decode("test-1", {source}, [] { return std::vector<std::uint8_t>{}; });
  EXPECT_TRUE(hit.cache_hit());
  EXPECT_EQ(copy(hit), want);
}

TEST(DataCache, OffOrUnwritableFolderDecodesInMemory) {
  CacheFolder cache;
  const auto source = cache.dir / "source.bin";
  write_settled(source, "data");
  setenv("OPTBENCH_DATA_CACHE", "off", 1);
  EXPECT_TRUE(data_cache_dir().empty());
  Decoder decoder{source};
  (void)cached_decode("test-1", {source}, decoder.fn());
  const auto b = cached_decode("test-1", {source}, decoder.fn());
  EXPECT_EQ(decoder.calls, 2);
  EXPECT_EQ(copy(b), reversed("data"));
  // A folder below a regular file can never be created.
  setenv("OPTBENCH_DATA_CACHE", (source / "cache").c_str(), 1);
  const auto c = cached_decode("test-1", {source}, decoder.fn());
  EXPECT_EQ(decoder.calls, 3);
  EXPECT_EQ(copy(c), reversed("data"));
}

TEST(DataCache, DecoderErrorsPropagateAndNothingIsStored) {
  CacheFolder cache;
  const auto source = cache.dir / "source.bin";
  write_settled(source, "bad");
  EXPECT_THROW((void)cached_decode("test-1", {source},
                                   []() -> std::vector<std::uint8_t> {
                                     throw std::runtime_error("source.bin: bad magic");
                                   }),
               std::runtime_error);
  EXPECT_TRUE(cache.entries().empty());
  // A missing source is the decoder's to report, too.
  EXPECT_THROW((void)cached_decode("test-1", {cache.dir / "missing"},
                                   []() -> std::vector<std::uint8_t> {
                                     throw std::runtime_error("missing: not found");
                                   }),
               std::runtime_error);
}

TEST(DataCache, DefaultFolderFollowsXdgThenHome) {
  CacheFolder cache;
  unsetenv("OPTBENCH_DATA_CACHE");
  const char* xdg = std::getenv("XDG_CACHE_HOME");
  const std::string saved_xdg = xdg ? xdg : "";
  setenv("XDG_CACHE_HOME", "/var/tmp/xdg", 1);
  EXPECT_EQ(data_cache_dir(), fs::path("/var/tmp/xdg/optbench/data"));
  unsetenv("XDG_CACHE_HOME");
  const char* home = std::getenv("HOME");
  if (home && *home == '/') {
    EXPECT_EQ(data_cache_dir(), fs::path(home) / ".cache/optbench/data");
  }
  if (xdg) setenv("XDG_CACHE_HOME", saved_xdg.c_str(), 1);
}

/// A decoder that writes the source's bytes reversed straight into the
/// target (as the idx plugin inflates into it), counting its calls.
struct IntoDecoder {
  fs::path source;
  int calls = 0;
  std::function<void(DecodeTarget&)> fn() {
    return [this](DecodeTarget& target) {
      ++calls;
      const std::string text = testing::read_file(source);
      const auto out = target.allocate(text.size());
      std::copy(text.rbegin(), text.rend(), out.begin());
    };
  }
};

/// Runs `check` in a forked child (a process of its own, as another run or
/// rank would be) and returns the child's wait status: exit 0 when `check`
/// held, 1 when it did not, 2 on an exception.
int status_of_child(const std::function<bool()>& check) {
  const pid_t pid = fork();
  if (pid == 0) {
    int code = 2;
    try {
      code = check() ? 0 : 1;
    } catch (...) {
    }
    _exit(code);
  }
  int status = -1;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return status;
}

TEST(DataCache, DecodingIntoTheEntryIsMappedAndHitAfterwards) {
  CacheFolder cache;
  const auto source = cache.dir / "source.bin";
  write_settled(source, big_text());
  IntoDecoder decoder{source};
  const auto first = cached_decode_into("test-1", {source}, decoder.fn());
  EXPECT_FALSE(first.cache_hit());
  EXPECT_EQ(copy(first), reversed(big_text()));
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(first.data()) % 64, 0u);
  // One entry under its final name, no temporary file left.
  ASSERT_EQ(cache.entries().size(), 1u);
  EXPECT_EQ(cache.entries().front().extension(), ".bin");
  // The entry is complete and its digest right: a hit, in this process (the
  // vector-returning form reads the same entry) and in another.
  Decoder vector_decoder{source};
  const auto second = cached_decode("test-1", {source}, vector_decoder.fn());
  EXPECT_TRUE(second.cache_hit());
  EXPECT_EQ(vector_decoder.calls, 0);
  EXPECT_EQ(copy(second), reversed(big_text()));
  const int status = status_of_child([&] {
    IntoDecoder again{source};
    const auto got = cached_decode_into("test-1", {source}, again.fn());
    return got.cache_hit() && again.calls == 0 && copy(got) == reversed(big_text());
  });
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  // First use's bytes stay valid after the entry is deleted.
  fs::remove_all(cache.dir / "cache");
  EXPECT_EQ(copy(first), reversed(big_text()));
}

TEST(DataCache, TheLastOutputOfADecoderThatStartsAgainIsStored) {
  CacheFolder cache;
  const auto source = cache.dir / "source.bin";
  write_settled(source, "data");
  // A fast path that gives up after allocating, then a slow path that adopts
  // its bytes; then the other way round, with a smaller second allocation.
  const auto got = cached_decode_into("test-1", {source}, [](DecodeTarget& target) {
    const auto scratch = target.allocate(100000);
    std::fill(scratch.begin(), scratch.end(), std::uint8_t{'x'});
    target.adopt({1, 2, 3});
  });
  EXPECT_EQ(copy(got), (std::vector<std::uint8_t>{1, 2, 3}));
  const auto got2 = cached_decode_into("test-2", {source}, [](DecodeTarget& target) {
    target.adopt(std::vector<std::uint8_t>(5000, 9));
    const auto out = target.allocate(2);
    out[0] = 4;
    out[1] = 5;
  });
  EXPECT_EQ(copy(got2), (std::vector<std::uint8_t>{4, 5}));
  const auto hit = cached_decode("test-1", {source}, [] { return std::vector<std::uint8_t>{}; });
  const auto hit2 = cached_decode("test-2", {source}, [] { return std::vector<std::uint8_t>{}; });
  EXPECT_TRUE(hit.cache_hit() && hit2.cache_hit());
  EXPECT_EQ(copy(hit), (std::vector<std::uint8_t>{1, 2, 3}));
  EXPECT_EQ(copy(hit2), (std::vector<std::uint8_t>{4, 5}));
  EXPECT_EQ(cache.entries().size(), 2u);
}

TEST(DataCache, ADecoderThatFailsInsideTheEntryLeavesNothing) {
  CacheFolder cache;
  const auto source = cache.dir / "source.bin";
  write_settled(source, "data");
  EXPECT_THROW((void)cached_decode_into("test-1", {source},
                                        [](DecodeTarget& target) {
                                          (void)target.allocate(4096);
                                          throw std::runtime_error("source.bin: bad header");
                                        }),
               std::runtime_error);
  EXPECT_TRUE(cache.entries().empty());
  // Producing no output at all is a decoder's bug, said as such.
  try {
    (void)cached_decode_into("test-1", {source}, [](DecodeTarget&) {});
    ADD_FAILURE() << "no exception";
  } catch (const std::logic_error& e) {
    EXPECT_STREQ(e.what(), "a decoder returned without producing its output");
  }
  setenv("OPTBENCH_DATA_CACHE", "off", 1);
  EXPECT_THROW((void)cached_decode_into("test-1", {source}, [](DecodeTarget&) {}),
               std::logic_error);
  EXPECT_TRUE(cache.entries().empty());
}

TEST(DataCache, ASourceChangedWhileDecodedIntoTheEntryIsUsedButNotFiled) {
  CacheFolder cache;
  const auto source = cache.dir / "source.bin";
  write_settled(source, big_text());
  const auto got = cached_decode_into("test-1", {source}, [&](DecodeTarget& target) {
    const auto out = target.allocate(3);
    out[0] = 'a', out[1] = 'b', out[2] = 'c';
    write_settled(source, "a rewrite of another size");
  });
  EXPECT_FALSE(got.cache_hit());
  EXPECT_EQ(copy(got), (std::vector<std::uint8_t>{'a', 'b', 'c'}));
  EXPECT_TRUE(cache.entries().empty());
}

// A folder that cannot take the entry's size (here a file size limit; a
// full disk acts alike) is found out before any byte is written to the
// mapping, which would otherwise die of SIGBUS: the data is decoded in
// memory, with one warning, and no entry or temporary file stays.
TEST(DataCache, NoRoomForTheEntryDecodesInMemory) {
  CacheFolder cache;
  const auto source = cache.dir / "source.bin";
  write_settled(source, big_text());
  fs::create_directories(cache.dir / "cache");
  const int status = status_of_child([&] {
    signal(SIGXFSZ, SIG_IGN);
    const rlimit small{4096, 4096};
    setrlimit(RLIMIT_FSIZE, &small);
    IntoDecoder decoder{source};
    const auto got = cached_decode_into("test-1", {source}, decoder.fn());
    return !got.cache_hit() && copy(got) == reversed(big_text());
  });
  ASSERT_NE(status, -1);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_TRUE(cache.entries().empty());
}

// The idx plugin through the cache: the floats of every sample, bit for bit,
// are those of a load without the cache, on the first (decoding) load and on
// the second (mapped) one; gzip and raw files alike.
TEST(DataCache, IdxDatasetGivesIdenticalTensorsFromTheCache) {
  CacheFolder cache;
  Rng rng(11);
  std::string pixels, labels;
  for (int i = 0; i < 300 * 784; ++i)
    pixels += static_cast<char>(rng.below(256));
  for (int i = 0; i < 300; ++i)
    labels += static_cast<char>(rng.below(10));
  write_settled(cache.dir / "train-images-idx3-ubyte",
                testing::idx_bytes(0x803, {300, 28, 28}, pixels));
  write_settled(cache.dir / "train-labels-idx1-ubyte", testing::idx_bytes(0x801, {300}, labels));
  ASSERT_EQ(std::system(
                ("gzip -n -k '" + (cache.dir / "train-images-idx3-ubyte").string() + "'").c_str()),
            0);
  fs::last_write_time(cache.dir / "train-images-idx3-ubyte.gz",
                      fs::file_time_type::clock::now() - std::chrono::hours(1));

  const auto load = [&](const std::string& images) {
    DatasetContext context;
    context.base_dir = cache.dir.path();
    const ParamMap params{{"train_images", images},
                          {"train_labels", std::string("train-labels-idx1-ubyte")},
                          {"limit_train", std::int64_t{250}}};
    auto d = testing::built_plugins().make_dataset("idx", params, context);
    std::vector<std::size_t> all(d->size(Split::Train));
    std::iota(all.begin(), all.end(), std::size_t{0});
    std::vector<float> x(all.size() * 784), y(all.size());
    d->fill(Split::Train, all, x.data(), y.data());
    return std::make_pair(x, y);
  };
  for (const std::string images : {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"}) {
    setenv("OPTBENCH_DATA_CACHE", "off", 1);
    const auto plain = load(images);
    ASSERT_EQ(plain.second.size(), 250u);
    setenv("OPTBENCH_DATA_CACHE", (cache.dir / "cache").c_str(), 1);
    const auto decoded = load(images);
    const auto written = cache.inodes();
    const auto mapped = load(images);
    EXPECT_EQ(cache.inodes(), written) << images << ": the second load wrote an entry again";
    for (const auto* got : {&decoded, &mapped}) {
      ASSERT_EQ(got->first.size(), plain.first.size());
      EXPECT_EQ(std::memcmp(got->first.data(), plain.first.data(), plain.first.size() * 4), 0)
          << images;
      EXPECT_EQ(got->second, plain.second) << images;
    }
  }
  // Raw images, gzip images and the labels: three entries.
  EXPECT_EQ(cache.entries().size(), 3u);
}

}  // namespace
}  // namespace optbench
