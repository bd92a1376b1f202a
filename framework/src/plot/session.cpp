#include "plot/session.hpp"

#include <gnuplot-iostream.h>
#include <pthread.h>
#include <signal.h>

#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "run/stop.hpp"
#include "util/temp_dir.hpp"

namespace optbench::plot::detail {

namespace fs = std::filesystem;

std::string number(double value) {
  if (!std::isfinite(value)) {
    throw std::logic_error("plot: non-finite value reached a gnuplot script");
  }
  std::array<char, 32> buffer{};
  auto [end, ec] = std::to_chars(buffer.data(), buffer.data() + buffer.size(), value);
  if (ec != std::errc{}) throw std::logic_error("plot: cannot format a number");
  return std::string(buffer.data(), end);
}

std::string gp_string(std::string_view text) {
  return '"' + escape(text) + '"';
}

DataBlock::DataBlock(std::string_view name) : ref_(std::string("$").append(name)) {}

void DataBlock::row(std::span<const double> values) {
  bool first = true;
  for (double v : values) {
    if (!first) body_ += ' ';
    body_ += number(v);
    first = false;
  }
  body_ += '\n';
  ++rows_;
}

void DataBlock::gap() {
  body_ += '\n';
}

std::string DataBlock::text() const {
  return ref_ + " << EOD\n" + body_ + "EOD\n";
}

namespace {

/// Writing to a gnuplot that has already exited raises SIGPIPE, which would
/// kill the whole program; while this is alive the write fails instead and
/// the failure is reported from gnuplot's exit status and log.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigemptyset(&pipe_);
    sigaddset(&pipe_, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_, &previous_);
  }
  ~SigpipeBlock() {
    if (!sigismember(&previous_, SIGPIPE)) {
      sigset_t pending;
      sigpending(&pending);
      if (sigismember(&pending, SIGPIPE)) {
        const timespec no_wait{};
        sigtimedwait(&pipe_, nullptr, &no_wait);
      }
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t pipe_{};
  sigset_t previous_{};
};

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string terminal(Format format, int width, int height) {
  const std::string size = std::to_string(width).append(",").append(std::to_string(height));
  switch (format) {
    case Format::Png:
      return std::string("set terminal pngcairo size ")
          .append(size)
          .append(" enhanced font 'sans,10'\n");
    case Format::Svg:
      return std::string("set terminal svg size ").append(size).append(" dynamic enhanced\n");
  }
  throw std::logic_error("plot: unknown format");
}

std::string extension(Format format) {
  return format == Format::Png ? ".png" : ".svg";
}

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

/// gnuplot's exit status as recorded by the shell, or -1 if it never ran.
int exit_status(const fs::path& file) {
  std::ifstream in(file);
  int status = -1;
  if (!(in >> status)) return -1;
  return status;
}

bool non_empty_file(const fs::path& file) {
  std::error_code ec;
  return fs::is_regular_file(file, ec) && fs::file_size(file, ec) > 0 && !ec;
}

void move_file(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::rename(from, to, ec);
  if (!ec) return;
  // rename() cannot cross file systems; the temporary directory often lives
  // on another one.
  fs::copy_file(from, to, fs::copy_options::overwrite_existing);
  fs::remove(from);
}

[[noreturn]] void fail(const Chart& chart, const std::string& reason, const std::string& log) {
  std::string message = "plot: gnuplot failed to draw " + chart.description + " (" + reason + ")";
  if (!log.empty()) message += ":\n" + log;
  throw std::runtime_error(message);
}

}  // namespace

namespace {

std::vector<fs::path> render_drafts(const Chart& chart, const std::vector<Target>& targets);

}  // namespace

// SIGINT or SIGTERM (caught by plot::draw's SignalScope) ends the process
// here, once the chart's private folder is gone: the default action would
// end it at once and leave the folder behind in the temporary directory.
// gnuplot in the same process group gets the signal too and fails, which is
// no error of the chart's.
std::vector<fs::path> render(const Chart& chart, const std::vector<Target>& targets) {
  std::vector<fs::path> written;
  try {
    written = render_drafts(chart, targets);
  } catch (...) {
    if (run::stop_requested()) run::die_by(run::stop_signal());
    throw;
  }
  if (run::stop_requested()) run::die_by(run::stop_signal());
  return written;
}

namespace {

std::vector<fs::path> render_drafts(const Chart& chart, const std::vector<Target>& targets) {
  // Drafts go to a private folder first, so a failed chart never leaves a
  // partial file at the destination, and the paths handed to gnuplot hold
  // no odd characters.
  const util::TempDir dir("plot");
  const fs::path log = dir.path() / "gnuplot.log";
  const fs::path status = dir.path() / "status";
  std::vector<fs::path> drafts;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    drafts.push_back(dir.path() / ("chart" + std::to_string(i) + extension(targets[i].format)));
  }

  // -d skips the user's and the system's init files so charts do not depend
  // on who draws them. The shell records the exit status, which
  // gnuplot-iostream's pclose() would otherwise swallow.
  const std::string command = "gnuplot -d >" + shell_quote(log.string()) + " 2>&1; echo $? >" +
                              shell_quote(status.string());
  {
    SigpipeBlock block_sigpipe;
    Gnuplot gp(command);
    // The setup's contour tables are plotted before any file terminal is
    // chosen; "unknown" keeps gnuplot from opening a window for them.
    gp << "set terminal unknown\nset encoding utf8\n" << chart.setup;
    for (std::size_t i = 0; i < targets.size(); ++i) {
      // %g keeps log-axis ticks short ("1e-05", "10"), where gnuplot's
      // default pads every label to the finest decade ("10.000000").
      gp << "reset\nset format y \"%g\"\n"
         << terminal(targets[i].format, chart.width, chart.height) << "set output "
         << gp_string(drafts[i].string()) << '\n'
         << chart.commands << "\nunset output\n";
    }
    gp << "exit\n";
    // Destroying gp closes the pipe and waits for gnuplot to finish writing.
  }

  const int code = exit_status(status);
  if (code != 0) {
    fail(chart, code < 0 ? "gnuplot did not run" : "exit status " + std::to_string(code),
         read_text(log));
  }
  for (const fs::path& draft : drafts) {
    if (!non_empty_file(draft)) fail(chart, "no output written", read_text(log));
  }
  std::vector<fs::path> written;
  for (std::size_t i = 0; i < targets.size(); ++i) {
    move_file(drafts[i], targets[i].path);
    written.push_back(targets[i].path);
  }
  return written;
}

}  // namespace

}  // namespace optbench::plot::detail
