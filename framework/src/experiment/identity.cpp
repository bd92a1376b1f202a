#include "experiment/identity.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "util/json.hpp"

namespace optbench::experiment {

namespace fs = std::filesystem;

namespace {

struct CacheKey {
  std::string path;
  std::uintmax_t size = 0;
  fs::file_time_type::rep mtime = 0;
  bool operator<(const CacheKey& o) const {
    return std::tie(path, size, mtime) < std::tie(o.path, o.size, o.mtime);
  }
};

std::string hex16(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

// Word-wise FNV-1a: eight times fewer multiplies than the byte-wise hash, so
// digesting a 30 MB data set costs milliseconds. It detects changed files;
// it is not meant to resist forgery.
std::string digest_bytes(std::ifstream& in) {
  std::uint64_t h = 0xcbf29ce484222325ULL;
  std::uint64_t length = 0;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    length += got;
    std::size_t i = 0;
    for (; i + 8 <= got; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, buffer.data() + i, 8);
      h ^= word;
      h *= 0x100000001b3ULL;
    }
    for (; i < got; ++i) {
      h ^= static_cast<unsigned char>(buffer[i]);
      h *= 0x100000001b3ULL;
    }
  }
  h ^= length;
  h *= 0x100000001b3ULL;
  return hex16(h);
}

std::string file_entry(const fs::path& file, bool with_path) {
  return "{\"file\":" + json::quote(with_path ? file.string() : file.filename().string()) +
         ",\"size\":" + std::to_string(fs::file_size(file)) +
         ",\"digest\":" + json::quote(file_digest(file)) + "}";
}

}  // namespace

std::string file_digest(const fs::path& file) {
  static std::mutex mutex;
  static std::map<CacheKey, std::string> cache;
  std::error_code ec;
  const auto size = fs::file_size(file, ec);
  if (ec) throw std::runtime_error("cannot read " + file.string() + ": " + ec.message());
  const auto mtime = fs::last_write_time(file, ec);
  if (ec) throw std::runtime_error("cannot read " + file.string() + ": " + ec.message());
  const CacheKey key{fs::absolute(file).string(), size, mtime.time_since_epoch().count()};
  {
    std::lock_guard lock(mutex);
    if (const auto it = cache.find(key); it != cache.end()) return it->second;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + file.string());
  std::string digest = digest_bytes(in);
  std::lock_guard lock(mutex);
  cache.emplace(key, digest);
  return digest;
}

std::string plugin_identity_json(const registry::LoadedPlugin& plugin, bool with_path) {
  return "{\"name\":" + json::quote(plugin.info.name) +
         ",\"version\":" + json::quote(plugin.info.version) +
         (with_path ? ",\"file\":" + json::quote(plugin.path.string()) : std::string()) +
         ",\"digest\":" + json::quote(file_digest(plugin.path)) + "}";
}

std::string data_identity_json(const ParamMap& dataset_params, const fs::path& base_dir,
                               bool with_paths) {
  std::string out = "[";
  for (const auto& [key, value] : dataset_params) {
    const auto* text = std::get_if<std::string>(&value);
    if (text == nullptr || text->empty()) continue;
    fs::path path(*text);
    if (path.is_relative()) path = base_dir / path;
    std::error_code ec;
    const auto status = fs::status(path, ec);
    std::string entry;
    if (fs::is_regular_file(status)) {
      entry = file_entry(path, with_paths);
    } else if (fs::is_directory(status)) {
      std::vector<fs::path> files;
      for (const auto& e : fs::directory_iterator(path, ec))
        if (e.is_regular_file()) files.push_back(e.path());
      std::sort(files.begin(), files.end());
      entry =
          "{\"folder\":" + json::quote(with_paths ? path.string() : std::string()) + ",\"files\":[";
      for (std::size_t i = 0; i < files.size(); ++i) {
        if (i) entry += ',';
        entry += file_entry(files[i], with_paths);
      }
      entry += "]}";
    } else {
      // Not a path (`normalize: unit`), or a missing one, which the checks
      // before the first run refuse: nothing was read from it.
      continue;
    }
    if (out.size() > 1) out += ',';
    out += "{\"param\":";
    out += json::quote(key);
    out += ',';
    out.append(entry, 1);
  }
  return out + "]";
}

std::string host_provenance_members(int threads) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::string cpu;
  std::ifstream info("/proc/cpuinfo");
  for (std::string line; std::getline(info, line);) {
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) cpu = line.substr(line.find_first_not_of(" \t", colon + 1));
      break;
    }
  }
  return "\"optbench\":" + json::quote(OPTBENCH_VERSION) + ",\"host\":" + json::quote(host) +
         ",\"cpu\":" + json::quote(cpu) + ",\"threads\":" + std::to_string(threads);
}

}  // namespace optbench::experiment
