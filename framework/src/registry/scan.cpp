#include "registry/scan.hpp"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>
#include <utility>

#include "optbench/plugin.hpp"
#include "registry/registry.hpp"
#include "util/spawn.hpp"
#include "util/temp_dir.hpp"

namespace optbench::registry {

namespace fs = std::filesystem;

namespace {

// First line of the cache: a cache written by an optbench of another plugin
// API is not trusted.
std::string cache_header() {
  return "optbench plugin scan, API " + std::to_string(kApiVersion);
}

/// "dev:ino:size:mtime_ns:ctime_ns", or "" when the file cannot be stat'ed.
std::string identity(const fs::path& file) {
  struct stat st {};
  if (stat(file.c_str(), &st) != 0) return {};
  std::ostringstream key;
  key << st.st_dev << ':' << st.st_ino << ':' << st.st_size << ':'
      << st.st_mtim.tv_sec * 1'000'000'000LL + st.st_mtim.tv_nsec << ':'
      << st.st_ctim.tv_sec * 1'000'000'000LL + st.st_ctim.tv_nsec;
  return key.str();
}

using Cache = std::map<std::string, std::string>;  // "identity\tpath" -> verdict

Cache read_cache(const fs::path& file) {
  Cache cache;
  std::ifstream in(file);
  std::string line;
  if (!std::getline(in, line) || line != cache_header()) return cache;
  while (std::getline(in, line)) {
    // identity \t path \t verdict; the path holds no tab (checked on write).
    const auto a = line.find('\t');
    const auto b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos) continue;
    cache[line.substr(0, b)] = line.substr(b + 1);
  }
  return cache;
}

// Written whole to a temporary name and renamed: two processes scanning at
// once lose at most each other's new entries, which are then scanned again.
void write_cache(const fs::path& file, const Cache& cache) {
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  const fs::path temp = file.string() + ".tmp" + std::to_string(getpid());
  {
    std::ofstream out(temp);
    if (!out) return;
    out << cache_header() << '\n';
    for (const auto& [key, verdict] : cache)
      out << key << '\t' << verdict << '\n';
    if (!out) {
      fs::remove(temp, ec);
      return;
    }
  }
  fs::rename(temp, file, ec);
  if (ec) fs::remove(temp, ec);
}

std::string seconds_text(double s) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", s);
  return buf;
}

std::string signal_text(int signal) {
  std::string text = "signal " + std::to_string(signal);
  if (const char* abbrev = sigabbrev_np(signal)) text = std::string("SIG") + abbrev;
  if (const char* description = sigdescr_np(signal)) text += std::string(" (") + description + ")";
  return text;
}

// Verdicts that depend on the machine rather than the file (a dependency
// library missing now and installed later) are not cached.
bool cacheable(const std::string& verdict) {
  return verdict.find("cannot be loaded") == std::string::npos &&
         verdict.find("could not be scanned") == std::string::npos;
}

std::string probe_in_child(const fs::path& file, const ScanOptions& options) {
  const util::TempDir dir("scan");
  const fs::path verdict = dir.path() / "verdict";
  const fs::path output = dir.path() / "output";
  pid_t pid = -1;
  try {
    pid = util::spawn_process(options.prober,
                              {"plugin-probe", file.string(), "--verdict", verdict.string()},
                              {.output = output});
  } catch (const std::exception& e) {
    return std::string("could not be scanned: ") + e.what();
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                            std::chrono::duration<double>(options.timeout_seconds));
  int status = 0;
  bool timed_out = false;
  for (;;) {
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) return "could not be scanned: waitpid failed";
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      timed_out = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (timed_out) {
    return "loading it did not finish within " + seconds_text(options.timeout_seconds) +
           " s (code that runs on load hangs?); the scanning process was killed";
  }
  std::ifstream in(verdict);
  std::string line;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && std::getline(in, line)) {
    if (line == "ok") return {};
    if (line.rfind("refused\t", 0) == 0) return line.substr(8);
  }
  if (WIFSIGNALED(status)) {
    return "loading it killed the scanning process with " + signal_text(WTERMSIG(status));
  }
  return "loading it ended the scanning process (exit status " +
         std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
         ") before optbench could check it; a library must not exit when loaded";
}

}  // namespace

ScanOptions default_scan_options(const fs::path& self) {
  ScanOptions o;
  o.prober = self;
  if (const char* c = std::getenv("OPTBENCH_PLUGIN_CACHE"); c != nullptr) {
    o.cache = c;
  } else if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x == '/') {
    o.cache = fs::path(x) / "optbench" / "plugin-scan.tsv";
  } else if (const char* h = std::getenv("HOME"); h != nullptr && *h == '/') {
    o.cache = fs::path(h) / ".cache" / "optbench" / "plugin-scan.tsv";
  }
  if (const char* t = std::getenv("OPTBENCH_PLUGIN_SCAN_TIMEOUT"); t != nullptr) {
    char* end = nullptr;
    const double seconds = std::strtod(t, &end);
    if (end != t && *end == '\0' && seconds > 0 && seconds < 3600) o.timeout_seconds = seconds;
  }
  return o;
}

LibraryProber::LibraryProber(ScanOptions options) : options_(std::move(options)) {}

LibraryProber::~LibraryProber() {
  if (!dirty_) return;
  // Entries of files that are gone are dropped.
  for (auto it = cache_.begin(); it != cache_.end();) {
    std::error_code ec;
    if (!fs::exists(it->first.substr(it->first.find('\t') + 1), ec)) {
      it = cache_.erase(it);
    } else {
      ++it;
    }
  }
  write_cache(options_.cache, cache_);
}

std::string LibraryProber::verdict(const fs::path& file) {
  if (options_.prober.empty()) return {};
  const std::string id = identity(file);
  const std::string path = fs::absolute(file).string();
  const bool keyable =
      !id.empty() && !options_.cache.empty() && path.find_first_of("\t\n") == std::string::npos;
  const std::string key = id + '\t' + path;
  if (keyable && !loaded_) {
    cache_ = read_cache(options_.cache);
    loaded_ = true;
  }
  if (keyable) {
    if (const auto it = cache_.find(key); it != cache_.end())
      return it->second == "ok" ? std::string() : it->second;
  }
  const std::string why = probe_in_child(file, options_);
  if (keyable && cacheable(why) && why.find('\n') == std::string::npos) {
    // An older entry of this path belongs to the file before it changed.
    for (auto it = cache_.begin(); it != cache_.end();) {
      if (it->first.substr(it->first.find('\t') + 1) == path) {
        it = cache_.erase(it);
      } else {
        ++it;
      }
    }
    cache_[key] = why.empty() ? "ok" : why;
    dirty_ = true;
  }
  return why;
}

namespace {
// The library a probe loaded, never unloaded: the probe ends right after,
// and unloading first would make what the library's globals still hold
// look like leaks to LeakSanitizer, whose report turns the probe's exit
// status into a failure and so rejects a sound plugin. Held by a global
// pointer so that the library and what it allocated stay reachable.
LoadedPlugin* probed = nullptr;
}  // namespace

int run_probe(const fs::path& file, const fs::path& verdict) {
  probed = new LoadedPlugin;
  const std::string why = Registry::load_file(file, *probed);
  std::ofstream out(verdict);
  std::string flat = why;
  for (char& c : flat)
    if (c == '\n' || c == '\t') c = ' ';
  out << (why.empty() ? std::string("ok") : "refused\t" + flat) << '\n';
  out.close();
  return out ? 0 : 1;
}

}  // namespace optbench::registry
