#include "experiment/text_check.hpp"

#include <cstdint>
#include <cstdio>
#include <vector>

namespace optbench::experiment {

namespace {

std::string hex_byte(unsigned char b) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0x%02x", b);
  return buf;
}

/// Length of the UTF-8 sequence at `p` (1-4), or 0 when it is malformed:
/// bad lead or continuation bytes, overlong forms, surrogates, > U+10FFFF.
std::size_t utf8_length(const unsigned char* p, std::size_t left) {
  const unsigned char b = p[0];
  if (b < 0x80) return 1;
  std::size_t n;
  std::uint32_t cp;
  if ((b & 0xe0) == 0xc0) {
    n = 2, cp = b & 0x1f;
  } else if ((b & 0xf0) == 0xe0) {
    n = 3, cp = b & 0x0f;
  } else if ((b & 0xf8) == 0xf0) {
    n = 4, cp = b & 0x07;
  } else {
    return 0;
  }
  if (left < n) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((p[k] & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (p[k] & 0x3f);
  }
  static constexpr std::uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kSmallest[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

// Why a scan before parsing: yaml-cpp builds and destroys nodes by recursion,
// several stack frames per level. Debian's 0.7 stops its parser at 2,000
// levels (YAML::DeepRecursion, without a line of ours); older releases do not
// stop at all, leaving only the stack as the limit. A bound checked here
// holds whatever yaml-cpp is linked, and names the line and column.
//
// Nesting is bounded from the text alone, without parsing: flow brackets
// open outside quotes and comments, plus block levels (a stack of
// indentations, one more for each "- " or "? " that starts a compact
// collection on the same line). This over-counts rather than under-counts,
// and kMaxNesting leaves a wide margin over real files.
class NestingScan {
 public:
  NestingScan(const std::string& file) : file_(file) {}

  // Called at the first significant character of a block-context line.
  void block_line(const std::string& text, std::size_t at, int line, int column) {
    const int indent = column - 1;
    while (!indents_.empty() && indents_.back() >= indent)
      indents_.pop_back();
    indents_.push_back(indent);
    int depth = static_cast<int>(indents_.size());
    for (std::size_t k = at; k + 1 < text.size() && (text[k] == '-' || text[k] == '?') &&
                             (text[k + 1] == ' ' || text[k + 1] == '\t');) {
      ++depth;
      check(depth, line, column + static_cast<int>(k - at));
      k += 2;
      while (k < text.size() && text[k] == ' ')
        ++k;
    }
    check(depth, line, column);
    block_depth_ = depth;
  }

  void open_flow(int line, int column) {
    if (flow_++ == 0) outermost_ = Location{file_, line, column};
    check(block_depth_ + flow_, line, column);
  }
  void close_flow() { flow_ = flow_ > 0 ? flow_ - 1 : 0; }
  bool in_flow() const { return flow_ > 0; }
  std::optional<Location> unclosed() const {
    return flow_ > 0 ? std::optional(outermost_) : std::nullopt;
  }

 private:
  void check(int depth, int line, int column) const {
    if (depth > kMaxNesting) {
      throw SpecError(Location{file_, line, column}, "",
                      "collections nested deeper than " + std::to_string(kMaxNesting) +
                          " levels; an experiment needs at most 6");
    }
  }

  const std::string& file_;
  std::vector<int> indents_;
  int block_depth_ = 0;
  int flow_ = 0;
  Location outermost_;
};

}  // namespace

TextFacts check_text(const std::string& text, const std::string& file) {
  if (text.size() > kMaxFileBytes) {
    throw SpecError(Location{file, 1, 1}, "",
                    "the file has " + std::to_string(text.size()) +
                        " bytes; an experiment file is at most " + std::to_string(kMaxFileBytes));
  }
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.data());
  NestingScan nesting(file);
  int line = 1, column = 1;
  bool line_start = true;  // nothing but spaces so far on this line
  bool comment = false;
  char quote = 0;        // ' or " while inside a quoted scalar
  char previous = '\n';  // last character seen outside a quoted scalar
  for (std::size_t k = 0; k < text.size();) {
    const unsigned char b = bytes[k];
    const std::size_t n = utf8_length(bytes + k, text.size() - k);
    if (n == 0) {
      throw SpecError(Location{file, line, column}, "",
                      "expected UTF-8 text, found the byte " + hex_byte(b) +
                          " (is the file in another encoding?)");
    }
    if (b < 0x20 && b != '\t' && b != '\n' && b != '\r') {
      throw SpecError(Location{file, line, column}, "",
                      "control character " + hex_byte(b) + " is not allowed in YAML text");
    }
    const char c = static_cast<char>(b);
    // yaml-cpp reports a tab-indented line as "illegal map value" somewhere
    // to its right; a tab in column 1 is never valid indentation.
    if (c == '\t' && column == 1 && !quote && !nesting.in_flow()) {
      const auto next = text.find_first_not_of(" \t", k);
      if (next != std::string::npos && text[next] != '\n' && text[next] != '\r' &&
          text[next] != '#') {
        throw SpecError(Location{file, line, column}, "",
                        "a tab indents this line; YAML indents with spaces only");
      }
    }
    if (c == '\n') {
      ++line, column = 1, line_start = true, comment = false, previous = '\n', ++k;
      continue;
    }
    if (comment || n > 1) {
      // Inside comments and non-ASCII characters nothing nests.
    } else if (quote) {
      if (c == '\\' && quote == '"' && k + 1 < text.size() && bytes[k + 1] >= 0x20 &&
          bytes[k + 1] < 0x80) {
        ++k, ++column;  // an escaped \" or \\ does not end the scalar
      } else if (c == '\'' && quote == '\'' && k + 1 < text.size() && text[k + 1] == '\'') {
        ++k, ++column;  // '' is a quote inside a single-quoted scalar
      } else if (c == quote) {
        quote = 0;
      }
    } else if (c == '#' && (previous == ' ' || previous == '\t' || previous == '\n')) {
      comment = true;
    } else if (c != ' ' && c != '\t' && c != '\r') {
      if (line_start && !nesting.in_flow()) nesting.block_line(text, k, line, column);
      line_start = false;
      // Quotes and brackets start a node only where a node can start; inside
      // a plain scalar (a[1], it's) they are text.
      const bool token_start = previous == ' ' || previous == '\t' || previous == '\n' ||
                               previous == '[' || previous == '{' || previous == ',';
      if ((c == '"' || c == '\'') && token_start) {
        quote = c;
      } else if ((c == '[' || c == '{') && token_start) {
        nesting.open_flow(line, column);
      } else if ((c == ']' || c == '}') && nesting.in_flow()) {
        nesting.close_flow();
      }
    }
    if (!quote || c != quote) previous = c;
    k += n;
    ++column;
  }
  return {nesting.unclosed()};
}

}  // namespace optbench::experiment
