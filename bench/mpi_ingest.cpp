// Rank 0's ingest rate under MPI, in points per second: the path every
// history takes at rank 0 (receive a batch, decode it, write it in one
// transaction), fed with synthetic histories by every other rank as fast as
// they can send, so that rank 0 alone is measured. Also, in one process:
// decoding alone, writing alone, and the claim + finish that every run
// costs rank 0. Started by bench/mpi_scale.sh:
//   mpirun -np 3 optbench_mpi_ingest DB_FOLDER [BATCHES_PER_RANK]
#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "run/rank_messages.hpp"
#include "store/backend.hpp"

namespace {

namespace msg = optbench::run::messages;
namespace store = optbench::store;
using Clock = std::chrono::steady_clock;

constexpr int kTag = 1;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// A batch as a training run records it: one loss per step, drifting values.
msg::Bytes synthetic_batch(std::int64_t first_step) {
  msg::Metrics m;
  m.points.reserve(msg::kBatchPoints);
  for (std::size_t i = 0; i < msg::kBatchPoints; ++i) {
    const auto step = first_step + static_cast<std::int64_t>(i);
    m.points.push_back({step, step / 938, "train", "loss", 2.3 / (1.0 + 1e-4 * double(step)),
                        1e-3 * double(step)});
  }
  return msg::encode(m);
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

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (argc < 2) {
    if (rank == 0) std::fprintf(stderr, "usage: optbench_mpi_ingest DB_FOLDER [BATCHES]\n");
    MPI_Finalize();
    return 2;
  }
  const std::filesystem::path folder = argv[1];
  const int batches = argc > 2 ? std::stoi(argv[2]) : 100;

  if (rank != 0) {
    const auto batch = synthetic_batch(0);
    MPI_Barrier(MPI_COMM_WORLD);
    for (int b = 0; b < batches; ++b)
      MPI_Send(batch.data(), static_cast<int>(batch.size()), MPI_BYTE, 0, kTag, MPI_COMM_WORLD);
    MPI_Finalize();
    return 0;
  }

  const auto db = store::open(folder / "ingest.db");
  const auto experiment = db->upsert_experiment("ingest", "", "name: ingest\n", "ingest.yaml");
  std::vector<std::int64_t> runs(static_cast<std::size_t>(size));
  for (int r = 1; r < size; ++r)
    runs[static_cast<std::size_t>(r)] = claim(*db, experiment, "rank" + std::to_string(r));

  // Over MPI: receive, decode, write, as the coordinator does.
  MPI_Barrier(MPI_COMM_WORLD);
  const auto t0 = Clock::now();
  std::size_t points = 0;
  msg::Bytes buffer;
  for (int left = batches * (size - 1); left > 0; --left) {
    MPI_Status status;
    MPI_Probe(MPI_ANY_SOURCE, kTag, MPI_COMM_WORLD, &status);
    int n = 0;
    MPI_Get_count(&status, MPI_BYTE, &n);
    buffer.resize(static_cast<std::size_t>(n));
    MPI_Recv(buffer.data(), n, MPI_BYTE, status.MPI_SOURCE, kTag, MPI_COMM_WORLD,
             MPI_STATUS_IGNORE);
    const auto m = std::get<msg::Metrics>(msg::decode(buffer));
    db->append_metrics(runs[static_cast<std::size_t>(status.MPI_SOURCE)], m.points);
    points += m.points.size();
  }
  const double over_mpi = seconds_since(t0);

  // The same work in parts, in this process alone.
  const auto batch = synthetic_batch(0);
  const int local = 30;
  auto t1 = Clock::now();
  std::vector<msg::Metrics> decoded;
  for (int b = 0; b < local; ++b)
    decoded.push_back(std::get<msg::Metrics>(msg::decode(batch)));
  const double decode_s = seconds_since(t1);
  const auto write_run = claim(*db, experiment, "write-only");
  t1 = Clock::now();
  for (const auto& m : decoded)
    db->append_metrics(write_run, m.points);
  const double write_s = seconds_since(t1);
  const int tiny = 300;
  t1 = Clock::now();
  for (int i = 0; i < tiny; ++i)
    finish(*db, claim(*db, experiment, "tiny" + std::to_string(i)));
  const double per_run = seconds_since(t1) / tiny;
  for (int r = 1; r < size; ++r)
    finish(*db, runs[static_cast<std::size_t>(r)]);

  const double local_points = double(local) * double(msg::kBatchPoints);
  std::printf("ingest_points_per_s=%.0f\n", double(points) / over_mpi);
  std::printf("ingest_points=%zu\ningest_seconds=%.3f\nsenders=%d\n", points, over_mpi, size - 1);
  std::printf("decode_points_per_s=%.0f\n", local_points / decode_s);
  std::printf("write_points_per_s=%.0f\n", local_points / write_s);
  std::printf("claim_and_finish_ms=%.3f\n", per_run * 1e3);
  MPI_Finalize();
  return 0;
}
