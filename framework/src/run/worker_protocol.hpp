// The lines a host and its worker processes exchange (the protocol is
// described in worker.hpp), and the socket they travel on: one stream
// socket per worker, so that either side writes with MSG_NOSIGNAL and a
// peer that died is an error to handle, not a SIGPIPE that kills the
// writer, and the host ends a worker's runs by shutting its side down.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace optbench::run::protocol {

/// The worker's descriptor for the socket to its host.
inline constexpr int kWorkerChannelFd = 3;

struct Message {
  enum class Kind { Run, Start, Done };
  Kind kind = Kind::Run;
  std::int64_t run_id = 0;
  int code = 0;        ///< Done
  std::string prefix;  ///< Run
};

/// "run <id> <prefix>\n"; a line break in the prefix becomes a space.
std::string run_line(std::int64_t run_id, std::string_view prefix);
std::string start_line(std::int64_t run_id);
std::string done_line(std::int64_t run_id, int code);
/// Parses one line (without its '\n'); nullopt when it is none of the above.
std::optional<Message> parse(std::string_view line);

/// Writes all of `text`; false when the peer is gone.
bool send_all(int fd, std::string_view text);

/// Splits what arrives on a descriptor into lines.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  /// A whole line is buffered, or bytes wait to be read: the next line will
  /// not keep the caller waiting long.
  bool ready() const;
  /// The next whole line; waits for one when `wait`, else nullopt when none
  /// is buffered. Also nullopt at end of stream (then at_end()) and when a
  /// signal interrupts the wait.
  std::optional<std::string> next(bool wait);
  /// Reads what is available without waiting; false when the stream ended.
  bool read_available();
  bool at_end() const { return end_; }

 private:
  std::optional<std::string> take_line();
  int fd_;
  std::string buffer_;
  bool end_ = false;
};

}  // namespace optbench::run::protocol
