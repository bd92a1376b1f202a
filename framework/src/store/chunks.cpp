#include "store/chunks.hpp"

#include <charconv>
#include <cmath>

namespace optbench::store::detail {
namespace {

void put_int(std::int64_t v, std::string& out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

void put_real(double v, std::string& out) {
  if (std::isnan(v)) {
    out.append("\"NaN\"");
  } else if (std::isinf(v)) {
    out.append(v > 0 ? "9e999" : "-9e999");
  } else {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, v);
    out.append(buf, r.ptr);
  }
}

/// Reads the fixed shape [[a,b,...],...] token by token.
class Reader {
 public:
  explicit Reader(std::string_view text) : text_(text) {}

  void expect(char c) {
    skip_space();
    if (pos_ >= text_.size() || text_[pos_] != c)
      fail(std::string("expected '").append(1, c).append("'"));
    ++pos_;
  }

  /// Consumes `c` if it comes next.
  bool accept(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  std::int64_t integer() {
    skip_space();
    std::int64_t v = 0;
    const auto r = std::from_chars(text_.data() + pos_, text_.data() + text_.size(), v);
    if (r.ec != std::errc{}) fail("expected an integer");
    pos_ = static_cast<std::size_t>(r.ptr - text_.data());
    return v;
  }

  double real() {
    skip_space();
    constexpr std::string_view kNaN = "\"NaN\"";
    if (text_.substr(pos_, kNaN.size()) == kNaN) {
      pos_ += kNaN.size();
      return std::nan("");
    }
    const char* begin = text_.data() + pos_;
    const char* end = text_.data() + text_.size();
    if (begin == end || !(*begin == '-' || (*begin >= '0' && *begin <= '9')))
      fail("expected a number or \"NaN\"");
    double v = 0;
    const auto r = std::from_chars(begin, end, v);
    if (r.ec == std::errc::result_out_of_range) {
      // from_chars reports overflow instead of returning infinity, and
      // underflow instead of zero; the exponent's sign says which.
      const std::string_view number(begin, static_cast<std::size_t>(r.ptr - begin));
      const auto e = number.find_first_of("eE");
      const bool tiny =
          e != std::string_view::npos && e + 1 < number.size() && number[e + 1] == '-';
      const bool negative = *begin == '-';
      v = tiny ? (negative ? -0.0 : 0.0) : (negative ? -HUGE_VAL : HUGE_VAL);
    } else if (r.ec != std::errc{}) {
      fail("expected a number or \"NaN\"");
    }
    pos_ = static_cast<std::size_t>(r.ptr - text_.data());
    return v;
  }

  void finish() {
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the array");
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                   text_[pos_] == '\r' || text_[pos_] == '\t'))
      ++pos_;
  }

  [[noreturn]] void fail(const std::string& what) const {
    throw ChunkError("malformed point chunk at byte " + std::to_string(pos_) + ": " + what);
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

/// Calls `tuple(reader)` for each element of the outer array.
template <typename Tuple>
void read_chunk(std::string_view json, Tuple tuple) {
  Reader in(json);
  in.expect('[');
  if (!in.accept(']')) {
    do {
      in.expect('[');
      tuple(in);
      in.expect(']');
    } while (in.accept(','));
    in.expect(']');
  }
  in.finish();
}

}  // namespace

void encode_metric_chunk(std::span<const MetricPoint* const> points, std::string& out) {
  out.reserve(out.size() + points.size() * 48);
  out.push_back('[');
  for (const MetricPoint* p : points) {
    if (out.back() != '[') out.push_back(',');
    out.push_back('[');
    put_int(p->step, out);
    out.push_back(',');
    put_int(p->epoch, out);
    out.push_back(',');
    put_real(p->value, out);
    out.push_back(',');
    put_real(p->wall_seconds, out);
    out.push_back(']');
  }
  out.push_back(']');
}

void encode_trajectory_chunk(std::span<const TrajectoryPoint> points, std::string& out) {
  out.reserve(out.size() + points.size() * 48);
  out.push_back('[');
  for (const TrajectoryPoint& p : points) {
    if (out.back() != '[') out.push_back(',');
    out.push_back('[');
    put_int(p.step, out);
    out.push_back(',');
    put_real(p.x0, out);
    out.push_back(',');
    put_real(p.x1, out);
    out.push_back(']');
  }
  out.push_back(']');
}

void decode_metric_chunk(std::string_view json, const std::string& split, const std::string& name,
                         std::vector<MetricPoint>& out) {
  read_chunk(json, [&](Reader& in) {
    MetricPoint p;
    p.split = split;
    p.name = name;
    p.step = in.integer();
    in.expect(',');
    p.epoch = in.integer();
    in.expect(',');
    p.value = in.real();
    in.expect(',');
    p.wall_seconds = in.real();
    out.push_back(std::move(p));
  });
}

void decode_trajectory_chunk(std::string_view json, std::vector<TrajectoryPoint>& out) {
  read_chunk(json, [&](Reader& in) {
    TrajectoryPoint p;
    p.step = in.integer();
    in.expect(',');
    p.x0 = in.real();
    in.expect(',');
    p.x1 = in.real();
    out.push_back(p);
  });
}

}  // namespace optbench::store::detail
