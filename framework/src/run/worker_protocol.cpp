#include "run/worker_protocol.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>

namespace optbench::run::protocol {

namespace {

std::optional<std::int64_t> number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// The first word of `text` and what follows its single space.
std::pair<std::string_view, std::string_view> split(std::string_view text) {
  const auto space = text.find(' ');
  if (space == std::string_view::npos) return {text, {}};
  return {text.substr(0, space), text.substr(space + 1)};
}

}  // namespace

std::string run_line(std::int64_t run_id, std::string_view prefix) {
  std::string line = "run " + std::to_string(run_id) + " ";
  for (const char c : prefix)
    line += (c == '\n' || c == '\r') ? ' ' : c;
  return line += '\n';
}

std::string start_line(std::int64_t run_id) {
  return "start " + std::to_string(run_id) + "\n";
}

std::string done_line(std::int64_t run_id, int code) {
  return "done " + std::to_string(run_id) + " " + std::to_string(code) + "\n";
}

std::optional<Message> parse(std::string_view line) {
  const auto [verb, rest] = split(line);
  Message m;
  if (verb == "run") {
    const auto [id, prefix] = split(rest);
    const auto run_id = number(id);
    if (!run_id) return std::nullopt;
    m.kind = Message::Kind::Run;
    m.run_id = *run_id;
    m.prefix = prefix;
    return m;
  }
  if (verb == "start") {
    const auto run_id = number(rest);
    if (!run_id) return std::nullopt;
    m.kind = Message::Kind::Start;
    m.run_id = *run_id;
    return m;
  }
  if (verb == "done") {
    const auto [id, code] = split(rest);
    const auto run_id = number(id);
    const auto value = number(code);
    if (!run_id || !value) return std::nullopt;
    m.kind = Message::Kind::Done;
    m.run_id = *run_id;
    m.code = static_cast<int>(*value);
    return m;
  }
  return std::nullopt;
}

bool send_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = send(fd, text.data(), text.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

bool LineReader::ready() const {
  if (buffer_.find('\n') != std::string::npos || end_) return true;
  pollfd p{fd_, POLLIN, 0};
  return poll(&p, 1, 0) > 0;
}

bool LineReader::read_available() {
  char chunk[4096];
  for (;;) {
    const ssize_t n = recv(fd_, chunk, sizeof chunk, MSG_DONTWAIT);
    if (n > 0) {
      buffer_.append(chunk, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) end_ = true;
    return !end_;
  }
}

std::optional<std::string> LineReader::take_line() {
  const auto newline = buffer_.find('\n');
  if (newline == std::string::npos) return std::nullopt;
  std::string line = buffer_.substr(0, newline);
  buffer_.erase(0, newline + 1);
  return line;
}

std::optional<std::string> LineReader::next(bool wait) {
  for (;;) {
    if (auto line = take_line()) return line;
    if (end_) return std::nullopt;
    if (!wait) {
      read_available();
      return take_line();
    }
    pollfd p{fd_, POLLIN, 0};
    // A signal (EINTR) returns to the caller, which checks for a stop.
    if (poll(&p, 1, -1) < 0) return std::nullopt;
    read_available();
  }
}

}  // namespace optbench::run::protocol
