#include "run/rank_messages.hpp"

#include <cstring>
#include <stdexcept>
#include <type_traits>

namespace optbench::run::messages {

namespace {

// Every field is written in this machine's byte order: the ranks of one job
// run the same build on the same kind of machine.
class Out {
 public:
  template <typename T>
  void raw(T value) {
    static_assert(std::is_trivially_copyable_v<T>);
    const auto at = bytes_.size();
    bytes_.resize(at + sizeof value);
    std::memcpy(bytes_.data() + at, &value, sizeof value);
  }
  void text(const std::string& s) {
    raw<std::uint32_t>(static_cast<std::uint32_t>(s.size()));
    const auto at = bytes_.size();
    bytes_.resize(at + s.size());
    std::memcpy(bytes_.data() + at, s.data(), s.size());
  }
  void maybe(const std::optional<double>& v) {
    raw<std::uint8_t>(v ? 1 : 0);
    if (v) raw(*v);
  }
  Bytes take() { return std::move(bytes_); }

 private:
  Bytes bytes_;
};

class In {
 public:
  In(const std::byte* data, std::size_t size) : data_(data), size_(size) {}
  template <typename T>
  T raw() {
    T value;
    need(sizeof value);
    std::memcpy(&value, data_ + at_, sizeof value);
    at_ += sizeof value;
    return value;
  }
  std::string text() {
    const auto n = raw<std::uint32_t>();
    need(n);
    std::string s(reinterpret_cast<const char*>(data_ + at_), n);
    at_ += n;
    return s;
  }
  std::optional<double> maybe() {
    if (raw<std::uint8_t>() == 0) return std::nullopt;
    return raw<double>();
  }
  // A count read from the buffer is checked against what is left before
  // anything is allocated for it.
  std::size_t count(std::size_t min_bytes_each) {
    const auto n = raw<std::uint64_t>();
    if (min_bytes_each > 0 && n > (size_ - at_) / min_bytes_each)
      throw std::runtime_error("rank message: a count of " + std::to_string(n) +
                               " exceeds the message");
    return static_cast<std::size_t>(n);
  }
  void end() const {
    if (at_ != size_) throw std::runtime_error("rank message: trailing bytes");
  }

 private:
  void need(std::size_t n) const {
    if (n > size_ - at_) throw std::runtime_error("rank message: truncated");
  }
  const std::byte* data_;
  std::size_t size_;
  std::size_t at_ = 0;
};

enum class Kind : std::uint8_t { Ready = 1, Work, Stop, History, Surface, Finish };

struct Encoder {
  Out& out;
  void operator()(const Ready& m) {
    out.raw(Kind::Ready);
    out.text(m.host);
    out.raw<std::int32_t>(m.stopped_by);
  }
  void operator()(const Work& m) {
    out.raw(Kind::Work);
    out.raw(m.index);
    out.text(m.config_hash);
  }
  void operator()(const Stop&) { out.raw(Kind::Stop); }
  void operator()(const History& m) {
    out.raw(Kind::History);
    out.raw<std::uint64_t>(m.chunks.size());
    for (const auto& c : m.chunks) {
      out.raw<std::uint8_t>(c.trajectory ? 1 : 0);
      out.text(c.split);
      out.text(c.name);
      out.raw(c.first_step);
      out.raw(c.last_step);
      out.raw(c.count);
      out.text(c.points);
    }
  }
  void operator()(const SurfaceSample& m) {
    const auto& s = m.surface;
    out.raw(Kind::Surface);
    out.text(s.problem_key);
    out.text(s.model);
    out.raw<std::int32_t>(s.nx);
    out.raw<std::int32_t>(s.ny);
    for (double v : {s.x0_min, s.x0_max, s.x1_min, s.x1_max, s.min_x0, s.min_x1})
      out.raw(v);
    out.raw<std::uint64_t>(s.values.size());
    for (double v : s.values)
      out.raw(v);
  }
  void operator()(const Finish& m) {
    const auto& r = m.result;
    out.raw(Kind::Finish);
    out.text(store::to_string(r.status));
    out.text(r.error);
    out.raw(r.wall_seconds);
    out.raw(r.steps);
    out.maybe(r.final_loss);
    out.maybe(r.final_test_loss);
    out.maybe(r.final_accuracy);
    out.text(m.host);
    out.raw<std::int32_t>(m.rank);
  }
};

}  // namespace

Bytes encode(const Message& message) {
  Out out;
  std::visit(Encoder{out}, message);
  return out.take();
}

Message decode(const std::byte* data, std::size_t size) {
  In in(data, size);
  Message message;
  switch (in.raw<Kind>()) {
    case Kind::Ready: {
      Ready r;
      r.host = in.text();
      r.stopped_by = in.raw<std::int32_t>();
      message = std::move(r);
      break;
    }
    case Kind::Work: {
      Work w;
      w.index = in.raw<std::uint64_t>();
      w.config_hash = in.text();
      message = std::move(w);
      break;
    }
    case Kind::Stop:
      message = Stop{};
      break;
    case Kind::History: {
      History h;
      // Each chunk takes at least its flag, two lengths, three integers and
      // the length of its text.
      h.chunks.resize(in.count(1 + 4 + 4 + 24 + 4));
      for (auto& c : h.chunks) {
        c.trajectory = in.raw<std::uint8_t>() != 0;
        c.split = in.text();
        c.name = in.text();
        c.first_step = in.raw<std::int64_t>();
        c.last_step = in.raw<std::int64_t>();
        c.count = in.raw<std::int64_t>();
        c.points = in.text();
      }
      message = std::move(h);
      break;
    }
    case Kind::Surface: {
      store::Surface s;
      s.problem_key = in.text();
      s.model = in.text();
      s.nx = in.raw<std::int32_t>();
      s.ny = in.raw<std::int32_t>();
      for (double* v : {&s.x0_min, &s.x0_max, &s.x1_min, &s.x1_max, &s.min_x0, &s.min_x1})
        *v = in.raw<double>();
      s.values.resize(in.count(8));
      for (auto& v : s.values)
        v = in.raw<double>();
      message = SurfaceSample{std::move(s)};
      break;
    }
    case Kind::Finish: {
      Finish f;
      f.result.status = store::parse_status(in.text());
      f.result.error = in.text();
      f.result.wall_seconds = in.raw<double>();
      f.result.steps = in.raw<std::int64_t>();
      f.result.final_loss = in.maybe();
      f.result.final_test_loss = in.maybe();
      f.result.final_accuracy = in.maybe();
      f.host = in.text();
      f.rank = in.raw<std::int32_t>();
      message = std::move(f);
      break;
    }
    default:
      throw std::runtime_error("rank message: unknown kind");
  }
  in.end();
  return message;
}

}  // namespace optbench::run::messages
