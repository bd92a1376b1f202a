// Rank 0's ingest rate under MPI, in points per second: the path every
// history takes at rank 0 (receive a batch, decode it, write it in one
// transaction), fed with synthetic histories by every other rank as fast as
// they can send, so that rank 0 alone is measured. Two ways, one after the
// other in the same job:
//   chunks  what ranks send: the store's chunk rows, their numbers already
//           text, which rank 0 inserts as they are (store::HistoryChunk);
//   points  what they sent before: every point's doubles as 8 bytes, which
//           rank 0 decoded and then formatted as text itself.
// Then, in rank 0 alone, the parts: decoding binary points, formatting and
// inserting them, inserting ready chunks, and the claim + finish every run
// costs rank 0. The senders wait as the product's ranks do (probe and
// sleep, not Open MPI's spinning blocking calls), so that on a machine with
// fewer cores than ranks they do not take rank 0's core. Started by
// bench/mpi_scale.sh:
//   mpirun -np 3 optbench_mpi_ingest DB_FOLDER [BATCHES_PER_RANK]
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "run/rank_messages.hpp"
#include "store/backend.hpp"
#include "store/chunks.hpp"
#include "store/history.hpp"

namespace {

namespace msg = optbench::run::messages;
namespace store = optbench::store;
using Clock = std::chrono::steady_clock;
using Bytes = std::vector<std::byte>;

constexpr int kData = 1, kGo = 2, kDone = 3;
constexpr auto kIdleSleep = std::chrono::microseconds(200);

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A batch as a training run records it: one loss per step, drifting values.
std::vector<store::MetricPoint> synthetic_points(std::int64_t first_step) {
  std::vector<store::MetricPoint> points;
  points.reserve(msg::kBatchPoints);
  for (std::size_t i = 0; i < msg::kBatchPoints; ++i) {
    const auto step = first_step + static_cast<std::int64_t>(i);
    points.push_back({step, step / 938, "train", "loss", 2.3 / (1.0 + 1e-4 * double(step)),
                      1e-3 * double(step)});
  }
  return points;
}

// The points as the previous message format carried them: per point its
// step, epoch, split, name, value and wall time, doubles as their 8 bytes.
template <typename T>
void put(Bytes& out, const T& v) {
  const auto at = out.size();
  out.resize(at + sizeof v);
  std::memcpy(out.data() + at, &v, sizeof v);
}
void put_text(Bytes& out, const std::string& s) {
  put<std::uint32_t>(out, static_cast<std::uint32_t>(s.size()));
  const auto at = out.size();
  out.resize(at + s.size());
  std::memcpy(out.data() + at, s.data(), s.size());
}
Bytes encode_points(const std::vector<store::MetricPoint>& points) {
  Bytes out;
  put<std::uint64_t>(out, points.size());
  for (const auto& p : points) {
    put(out, p.step);
    put(out, p.epoch);
    put_text(out, p.split);
    put_text(out, p.name);
    put(out, p.value);
    put(out, p.wall_seconds);
  }
  return out;
}
std::vector<store::MetricPoint> decode_points(const Bytes& in) {
  std::size_t at = 0;
  const auto get = [&](auto& v) {
    std::memcpy(&v, in.data() + at, sizeof v);
    at += sizeof v;
  };
  const auto get_text = [&](std::string& s) {
    std::uint32_t n = 0;
    get(n);
    s.assign(reinterpret_cast<const char*>(in.data() + at), n);
    at += n;
  };
  std::uint64_t n = 0;
  get(n);
  std::vector<store::MetricPoint> points(n);
  for (auto& p : points) {
    get(p.step);
    get(p.epoch);
    get_text(p.split);
    get_text(p.name);
    get(p.value);
    get(p.wall_seconds);
  }
  return points;
}

// The same points as a rank sends them now: the chunk rows its scratch
// store holds, formatted there by the store's own encoder.
msg::History as_chunks(const std::vector<store::MetricPoint>& points) {
  msg::History h;
  for (std::size_t at = 0; at < points.size(); at += store::detail::kMaxChunkPoints) {
    const auto end = std::min(points.size(), at + store::detail::kMaxChunkPoints);
    std::vector<const store::MetricPoint*> members;
    for (std::size_t i = at; i < end; ++i)
      members.push_back(&points[i]);
    store::HistoryChunk c;
    c.split = "train";
    c.name = "loss";
    c.first_step = points[at].step;
    c.last_step = points[end - 1].step;
    c.count = static_cast<std::int64_t>(end - at);
    store::detail::encode_metric_chunk(members, c.points);
    h.chunks.push_back(std::move(c));
  }
  return h;
}

void send(const Bytes& bytes, int dest, int tag) {
  MPI_Request request;
  MPI_Isend(bytes.data(), static_cast<int>(bytes.size()), MPI_BYTE, dest, tag, MPI_COMM_WORLD,
            &request);
  for (;;) {
    int done = 0;
    MPI_Test(&request, &done, MPI_STATUS_IGNORE);
    if (done) return;
    std::this_thread::sleep_for(kIdleSleep);
  }
}

// Waits for a message of `tag` from anyone, probing and sleeping; returns
// its sender and fills `bytes`.
int receive(int tag, Bytes& bytes) {
  MPI_Status status;
  for (;;) {
    int waiting = 0;
    MPI_Iprobe(MPI_ANY_SOURCE, tag, MPI_COMM_WORLD, &waiting, &status);
    if (waiting) break;
    std::this_thread::sleep_for(kIdleSleep);
  }
  int n = 0;
  MPI_Get_count(&status, MPI_BYTE, &n);
  bytes.resize(static_cast<std::size_t>(n));
  MPI_Recv(bytes.data(), n, MPI_BYTE, status.MPI_SOURCE, tag, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  return status.MPI_SOURCE;
}

std::int64_t claim(store::Backend& db, std::int64_t experiment, const std::string& hash) {
  store::RunRecord r;
  r.config_hash = hash;
  r.optimizer = "sgd";
  r.label = hash;
  r.lr = 0.1;
  r.status = store::RunStatus::Running;
  return db.claim_run(experiment, r).run_id;
}

void finish(store::Backend& db, std::int64_t run) {
  db.finish_run(run, store::RunResult{store::RunStatus::Done, "", 1.0, 1, 0.5, {}, {}});
}

enum Way { kChunks = 0, kPoints = 1 };

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 2 || size < 2) {
    if (rank == 0)
      std::fprintf(stderr, "usage: mpirun -np N optbench_mpi_ingest DB_FOLDER [BATCHES]\n");
    MPI_Finalize();
    return 2;
  }
  const std::filesystem::path folder = argv[1];
  const int batches = argc > 2 ? std::stoi(argv[2]) : 100;
  const auto points = synthetic_points(0);

  if (rank != 0) {
    const Bytes by_way[] = {msg::encode(as_chunks(points)), encode_points(points)};
    Bytes go;
    for (;;) {
      receive(kGo, go);
      if (go.empty()) break;
      const auto& batch = by_way[std::to_integer<int>(go[0])];
      for (int b = 0; b < batches; ++b)
        send(batch, 0, kData);
    }
    MPI_Finalize();
    return 0;
  }

  const auto db = store::open(folder / "ingest.db");
  const auto experiment = db->upsert_experiment("ingest", "", "name: ingest\n", "ingest.yaml");

  // Over MPI: receive, decode, write, as the coordinator does, each way.
  double rate[2] = {0, 0};
  for (const Way way : {kChunks, kPoints}) {
    std::vector<std::int64_t> runs(static_cast<std::size_t>(size));
    for (int r = 1; r < size; ++r)
      runs[static_cast<std::size_t>(r)] =
          claim(*db, experiment, "way" + std::to_string(way) + "-rank" + std::to_string(r));
    const Bytes go{std::byte{static_cast<unsigned char>(way)}};
    for (int r = 1; r < size; ++r)
      send(go, r, kGo);
    const auto t0 = Clock::now();
    std::size_t received = 0;
    Bytes buffer;
    for (int left = batches * (size - 1); left > 0; --left) {
      const auto from = static_cast<std::size_t>(receive(kData, buffer));
      if (way == kChunks) {
        const auto h = std::get<msg::History>(msg::decode(buffer));
        db->append_chunks(runs[from], h.chunks);
        for (const auto& c : h.chunks)
          received += static_cast<std::size_t>(c.count);
      } else {
        const auto decoded = decode_points(buffer);
        db->append_metrics(runs[from], decoded);
        received += decoded.size();
      }
    }
    rate[way] = double(received) / seconds_since(t0);
    for (int r = 1; r < size; ++r)
      finish(*db, runs[static_cast<std::size_t>(r)]);
  }
  for (int r = 1; r < size; ++r)
    send(Bytes{}, r, kGo);

  // The parts, in this process alone.
  const int local = 30;
  const double local_points = double(local) * double(msg::kBatchPoints);
  const auto binary = encode_points(points);
  auto t1 = Clock::now();
  std::vector<std::vector<store::MetricPoint>> decoded;
  for (int b = 0; b < local; ++b)
    decoded.push_back(decode_points(binary));
  const double decode_s = seconds_since(t1);
  std::string text;
  t1 = Clock::now();
  for (int b = 0; b < local; ++b) {
    for (const auto& c : as_chunks(points).chunks)
      text = c.points;
  }
  const double format_s = seconds_since(t1);
  const auto write_run = claim(*db, experiment, "write-only");
  t1 = Clock::now();
  for (const auto& m : decoded)
    db->append_metrics(write_run, m);
  const double write_s = seconds_since(t1);
  const auto chunks = as_chunks(points);
  const auto insert_run = claim(*db, experiment, "insert-only");
  t1 = Clock::now();
  for (int b = 0; b < local; ++b)
    db->append_chunks(insert_run, chunks.chunks);
  const double insert_s = seconds_since(t1);
  const int tiny = 300;
  t1 = Clock::now();
  for (int i = 0; i < tiny; ++i)
    finish(*db, claim(*db, experiment, "tiny" + std::to_string(i)));
  const double per_run = seconds_since(t1) / tiny;

  std::printf("ingest_points_per_s=%.0f\n", rate[kChunks]);
  std::printf("ingest_points_per_s_binary_points=%.0f\n", rate[kPoints]);
  std::printf("ingest_points_per_way=%d\nsenders=%d\n",
              batches * (size - 1) * static_cast<int>(msg::kBatchPoints), size - 1);
  std::printf("decode_binary_points_per_s=%.0f\n", local_points / decode_s);
  std::printf("format_points_per_s=%.0f\n", local_points / format_s);
  std::printf("format_and_insert_points_per_s=%.0f\n", local_points / write_s);
  std::printf("insert_chunks_points_per_s=%.0f\n", local_points / insert_s);
  std::printf("claim_and_finish_ms=%.3f\n", per_run * 1e3);
  MPI_Finalize();
  return 0;
}
