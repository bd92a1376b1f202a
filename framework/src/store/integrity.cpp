#include "store/integrity.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <mutex>
#include <set>
#include <string>

#include "store/records.hpp"
#include "store/statement.hpp"

namespace optbench::store::detail {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kHeaderBytes = 100;
constexpr char kMagic[] = "SQLite format 3";  // 16 bytes with its NUL

[[noreturn]] void damaged(const fs::path& file, const std::string& what) {
  throw DamagedDatabase(file.string() + ": " + what +
                        "; refusing to use it as a results database (the file was left unchanged; "
                        "restore it from a backup, or use another --db)");
}

std::uint32_t big_endian(const unsigned char* p, int bytes) {
  std::uint32_t v = 0;
  for (int k = 0; k < bytes; ++k)
    v = (v << 8) | p[k];
  return v;
}

// The fields of the header (sqlite.org/fileformat.html, section 1.3) that
// SQLite itself trusts to find its pages; the rest are its own business.
void check_header(const fs::path& file, std::uintmax_t size) {
  std::array<unsigned char, kHeaderBytes> h{};
  std::ifstream in(file, std::ios::binary);
  in.read(reinterpret_cast<char*>(h.data()), static_cast<std::streamsize>(h.size()));
  if (size < kHeaderBytes || std::memcmp(h.data(), kMagic, sizeof kMagic) != 0) {
    damaged(file, "is not a SQLite database (it does not start with the 100-byte SQLite header)");
  }
  std::uint32_t page_size = big_endian(h.data() + 16, 2);
  if (page_size == 1) page_size = 65536;
  if (page_size < 512 || page_size > 65536 || (page_size & (page_size - 1)) != 0) {
    damaged(file, "has a damaged header (page size " + std::to_string(page_size) +
                      " is not a power of two from 512 to 65536)");
  }
  // Fixed by the file format: maximum, minimum and leaf payload fractions.
  if (h[21] != 64 || h[22] != 32 || h[23] != 32) {
    damaged(file, "has a damaged header (payload fractions are not 64/32/32)");
  }
  if (size % page_size != 0) {
    damaged(file, "is truncated or damaged: its " + std::to_string(size) +
                      " bytes are not a whole number of " + std::to_string(page_size) +
                      "-byte pages");
  }
  // The page count in the header is valid when the change counter matches
  // "version-valid-for"; a file shorter than that count lost its tail. Only
  // with a rollback journal (format bytes 18-19 = 1) is it exact under the
  // read transaction: in WAL mode a checkpoint by another process may write
  // page 1 before it extends the file, so there quick_check alone judges.
  const std::uint32_t pages = big_endian(h.data() + 28, 4);
  const bool count_valid = std::memcmp(h.data() + 24, h.data() + 92, 4) == 0;
  const bool wal_mode = h[18] == 2 || h[19] == 2;
  if (count_valid && !wal_mode && pages > 0 && size < std::uintmax_t{pages} * page_size) {
    damaged(file, "is truncated: its header declares " + std::to_string(pages) + " pages of " +
                      std::to_string(page_size) + " bytes, but the file has only " +
                      std::to_string(size / page_size));
  }
}

// quick_check reads every page and checks each b-tree's structure, in O(N)
// (0.4-0.6 s of CPU for 95 MB, see docs/reliability.md). integrity_check
// would add matching every index entry to its row at three times the cost;
// a damaged index gives wrong answers but loses no data (REINDEX rebuilds it
// from the tables), so an open does not pay for finding one.
//
// Its cost grows with the file (about 6 s for 1 GB on this machine's disk
// cache), and every command pays it once; so it gets a time budget. Past
// it the check stops and the file is used: the header and size checks
// above still stand, and SQLite reports a damaged page when a query reaches
// it.
constexpr std::chrono::milliseconds kStructureBudget{1500};

int over_budget(void* deadline) {
  return std::chrono::steady_clock::now() >
                 *static_cast<std::chrono::steady_clock::time_point*>(deadline)
             ? 1
             : 0;
}

void check_structure(sqlite3* db, const fs::path& file) {
  std::string problems;
  int count = 0;
  auto deadline = std::chrono::steady_clock::now() + kStructureBudget;
  // Called every 10,000 virtual-machine instructions, a few microseconds.
  sqlite3_progress_handler(db, 10'000, over_budget, &deadline);
  struct Unset {
    sqlite3* db;
    ~Unset() { sqlite3_progress_handler(db, 0, nullptr, nullptr); }
  } unset{db};
  try {
    Statement check(db, file, "PRAGMA quick_check(5)", "checking the database");
    while (check.step()) {
      const std::string row = check.column_text(0);
      if (row == "ok") return;
      problems.append(count++ ? "; " : "").append(row);
    }
  } catch (const StoreError&) {
    const int code = sqlite3_extended_errcode(db) & 0xff;
    if (code == SQLITE_INTERRUPT) return;
    if (code != SQLITE_CORRUPT && code != SQLITE_NOTADB) throw;
    damaged(file, std::string("is damaged (SQLite: ") + sqlite3_errmsg(db) + ")");
  }
  damaged(file, "is damaged (SQLite's quick_check: " + problems + ")");
}

void check_file(const fs::path& file) {
  std::error_code ec;
  if (const auto size = fs::file_size(file, ec); ec || size == 0) return;
  // A rollback journal beside the file belongs to a writer that is creating
  // it now, or was killed doing so; the file may be half-written until the
  // next writer rolls the journal back. SqliteStore::open does that, and the next
  // open checks the result.
  if (const auto journal = fs::file_size(file.string() + "-journal", ec); !ec && journal > 0) {
    return;
  }
  auto db = open_connection(file, SQLITE_OPEN_READONLY);
  // A read transaction: with a rollback journal (a new file, before SqliteStore
  // switches it to WAL) a writer cannot commit while the header and size are
  // read below, so a file another process is creating is not taken for a
  // truncated one. It waits out such a writer through the busy timeout.
  if (sqlite3_exec(db.get(), "BEGIN; SELECT count(*) FROM sqlite_master", nullptr, nullptr,
                   nullptr) != SQLITE_OK) {
    // Anything but damage (a lock held too long, a file it may not read) is
    // for the open that follows to report in its own words.
    const int code = sqlite3_extended_errcode(db.get()) & 0xff;
    if (code != SQLITE_CORRUPT && code != SQLITE_NOTADB) return;
    // The header check names what is wrong more precisely than SQLite.
    check_header(file, fs::file_size(file, ec));
    damaged(file, std::string("is damaged (SQLite: ") + sqlite3_errmsg(db.get()) + ")");
  }
  check_header(file, fs::file_size(file, ec));
  check_structure(db.get(), file);
}

}  // namespace

// Once per file and process, before this process writes to it. A sweep opens
// a connection per run while it writes; checking again then would only read
// the process's own writes at the cost of a full read, and opening and closing
// the extra connection meanwhile made workers miss runs the host had just
// committed (isolation_test). A refused file is checked again next time.
void check_integrity(const fs::path& file) {
  static std::mutex mutex;
  static std::set<fs::path> checked;
  const std::lock_guard lock(mutex);
  if (checked.contains(file)) return;
  check_file(file);
  checked.insert(file);
}

}  // namespace optbench::store::detail
