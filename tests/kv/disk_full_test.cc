// A full disk for real: a forked child ignores SIGXFSZ, lowers RLIMIT_FSIZE
// (so that the kernel refuses to grow any file past the limit with EFBIG,
// which kv/env_posix.cc maps to ResourceExhausted, like ENOSPC) and writes
// (Puts, Deletes, WriteBatches, Ingests, Seal, Compact, Sync) until the
// operating system refuses, then goes on for a while. Every outcome goes
// through a pipe to the parent (pipes are not subject to RLIMIT_FSIZE): the
// entries of each acknowledged write with their timestamps, and the status of
// each failed one. The child also checks, through the same DB, that reads
// (Get, Scan, History, Changes) return exactly the acknowledged data after
// every failure. Then it exits normally (closing the DB) or is killed with
// SIGKILL. The parent reopens the directory without the limit and checks:
// Open succeeds, the database holds exactly the acknowledged versions
// (a write that failed with RLIMIT_FSIZE never appears: a failed log append
// is truncated back, a failed segment write happens before its rename),
// Verify passes, no torn tail, temporary or superseded file is left, and
// writes work again.
//
// The scenarios size the limit so that the first refusal lands in a chosen
// place: the log append of a commit, an automatic seal, an explicit Seal (all
// of which stop the database until reopened), the merge of a Compact or an
// Ingest (which fail cleanly: the database stays writable), or anywhere in a
// mixed workload with background compactions.
//
// A failed sync cannot be provoked through the real OS; FailedSyncTest
// injects it with FaultEnv for the sync modes fault_test.cc does not cover
// (a background sync under SyncMode::kInterval, an explicit Sync()).

#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "kv/env.h"
#include "tests/kv/fault_env.h"
#include "tests/kv/kv_model.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

using ::zverse::testing::Describe;
using ::zverse::testing::FaultEnv;
using ::zverse::testing::kBase;
using ::zverse::testing::Model;
using ::zverse::testing::TempDir;

constexpr uint64_t kSealThreshold = 256 << 10;

// ---------------------------------------------------------------------------
// The child's messages to the parent: frames of [u64 size][body], the body
// starting with a type byte.

enum class OpKind : uint8_t {
  kPut,
  kDelete,
  kWrite,
  kIngest,
  kSeal,
  kCompact,
  kSync,
};

const char* OpName(OpKind k) {
  switch (k) {
    case OpKind::kPut:
      return "Put";
    case OpKind::kDelete:
      return "Delete";
    case OpKind::kWrite:
      return "Write";
    case OpKind::kIngest:
      return "Ingest";
    case OpKind::kSeal:
      return "Seal";
    case OpKind::kCompact:
      return "Compact";
    case OpKind::kSync:
      return "Sync";
  }
  return "?";
}

bool IsDataOp(OpKind k) {
  return k == OpKind::kPut || k == OpKind::kDelete || k == OpKind::kWrite ||
         k == OpKind::kIngest;
}

enum MessageType : char {
  kAck = 'A',         // A write that returned OK, with its entries.
  kError = 'E',       // An operation that failed.
  kCheckFailed = 'F', // A check in the child failed (text).
  kClosed = 'C',      // Close() returned (code, text).
  kDone = 'D',        // The workload is over.
};

void PutU64(std::string* out, uint64_t v) {
  out->append(reinterpret_cast<const char*>(&v), sizeof(v));
}
void PutStr(std::string* out, std::string_view s) {
  PutU64(out, s.size());
  out->append(s.data(), s.size());
}

class Decoder {
 public:
  explicit Decoder(std::string_view in) : in_(in) {}
  bool ok() const { return ok_; }
  bool empty() const { return in_.empty(); }
  uint64_t U64() {
    uint64_t v = 0;
    if (in_.size() < sizeof(v)) {
      ok_ = false;
      return 0;
    }
    std::memcpy(&v, in_.data(), sizeof(v));
    in_.remove_prefix(sizeof(v));
    return v;
  }
  char Byte() {
    if (in_.empty()) {
      ok_ = false;
      return 0;
    }
    const char c = in_[0];
    in_.remove_prefix(1);
    return c;
  }
  std::string Str() {
    const uint64_t n = U64();
    if (!ok_ || n > in_.size()) {
      ok_ = false;
      return std::string();
    }
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }

 private:
  std::string_view in_;
  bool ok_ = true;
};

// Writes one frame whole (the parent reads concurrently, so it never blocks
// for long). Failing to report is fatal for the child.
void SendFrame(int fd, const std::string& body) {
  std::string frame;
  PutU64(&frame, body.size());
  frame += body;
  const char* p = frame.data();
  size_t left = frame.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(90);
    p += n;
    left -= static_cast<size_t>(n);
  }
}

// ---------------------------------------------------------------------------
// Read checks against the model, shared by the child (through the failed DB)
// and the parent (after reopening). Return "" or what differs.

std::string FirstDifference(const std::vector<Entry>& got,
                            const std::vector<Entry>& want) {
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    if (!(got[i] == want[i])) {
      return absl::StrCat("at ", i, ": got ", Describe(got[i]), ", want ",
                          Describe(want[i]));
    }
  }
  if (got.size() != want.size()) {
    const std::vector<Entry>& longer = got.size() > want.size() ? got : want;
    return absl::StrCat(got.size(), " entries, want ", want.size(), "; first ",
                        got.size() > want.size() ? "extra: " : "missing: ",
                        Describe(longer[std::min(got.size(), want.size())]));
  }
  return std::string();
}

// `full`: every key's History and Get, and every version (Changes); else a
// Scan and a sample of keys.
std::string CheckReads(const DB& db, const Model& model,
                       const std::set<std::string>& keys, bool full) {
  absl::StatusOr<std::vector<Entry>> scan = db.Scan("", "");
  if (!scan.ok()) return absl::StrCat("Scan: ", scan.status().ToString());
  if (std::string d = FirstDifference(*scan, model.Scan("", "", kLatest));
      !d.empty()) {
    return absl::StrCat("Scan differs from the acknowledged state ", d);
  }
  if (full) {
    // Every version of every key: nothing acknowledged is lost, nothing else
    // is there.
    absl::StatusOr<std::vector<Entry>> all = db.Changes(0, kMaxTimestamp);
    if (!all.ok()) return absl::StrCat("Changes: ", all.status().ToString());
    if (std::string d = FirstDifference(*all, model.Changes(0, kMaxTimestamp));
        !d.empty()) {
      return absl::StrCat("the versions differ from the acknowledged ones ", d);
    }
  }
  const std::vector<Timestamp>& stamps = model.all_ts();
  size_t i = 0;
  for (const std::string& key : keys) {
    if (const size_t n = i++; !full && n % 97 != 0) continue;
    absl::StatusOr<std::vector<Entry>> h = db.History(key);
    if (!h.ok()) return absl::StrCat("History(", key, "): ", h.status().ToString());
    if (std::string d = FirstDifference(*h, model.History(key, kLatest));
        !d.empty()) {
      return absl::StrCat("History(", key, ") ", d);
    }
    // As of now and as of an earlier commit.
    Timestamp as_of[2] = {kLatest, stamps.empty() ? 1 : stamps[i % stamps.size()]};
    for (Timestamp t : as_of) {
      absl::StatusOr<std::string> v = db.Get(key, t);
      const std::optional<Entry> want = model.Find(key, t);
      const bool live = want.has_value() && !want->deleted;
      if (!live) {
        if (v.status().code() != absl::StatusCode::kNotFound) {
          return absl::StrCat("Get(", key, ", ", t, ") = ",
                              v.ok() ? *v : v.status().ToString(),
                              ", want NotFound");
        }
      } else if (!v.ok() || *v != want->value) {
        return absl::StrCat("Get(", key, ", ", t, ") = ",
                            v.ok() ? ::zverse::testing::Esc(*v)
                                   : v.status().ToString(),
                            ", want ", Describe(*want));
      }
    }
  }
  return std::string();
}

// Names of the files in `dir` that end with `suffix`.
int CountFiles(const std::string& dir, std::string_view suffix) {
  int n = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    n += absl::EndsWith(e.path().filename().string(),
                        absl::string_view(suffix.data(), suffix.size()));
  }
  return n;
}

// ---------------------------------------------------------------------------
// The workload.

struct Scenario {
  const char* name;
  uint64_t limit;  // RLIMIT_FSIZE in bytes.
  SyncMode sync_mode;
  size_t value_size;
  int key_space;
  int batch_every;     // Every n-th op is a WriteBatch of batch_size entries
  int batch_size;      // (the fourth a Delete).
  int delete_every;    // Every n-th op a Delete.
  int ingest_every;    // Every n-th op an Ingest, alternately of
  int ingest_small;    // ingest_small and ingest_big entries (half of them
  int ingest_big;      // with their own past timestamps).
  int seal_every;      // Every n-th op an explicit Seal().
  int compact_every;   // Every n-th op a Compact().
  int sync_every;      // Every n-th op a Sync().
  int max_ops;         // The refusal must come by then.
  bool background_compaction;  // Options::background_compaction.
  // Where the first refusal must land: its operation (nullopt: any) and a
  // file name part its message names ("" for any).
  std::optional<OpKind> first_kind;
  bool first_kind_is_commit;  // Any of Put/Delete/Write (overrides the above).
  const char* first_file;
};

void PrintTo(const Scenario& s, std::ostream* os) { *os << s.name; }

const Scenario kScenarios[] = {
    // The log itself cannot grow: the commit's append fails.
    {.name = "LogAppend64K",
     .limit = 64 << 10,
     .sync_mode = SyncMode::kAlways,
     .value_size = 200,
     .key_space = 300,
     .batch_every = 5,
     .batch_size = 6,
     .delete_every = 7,
     .max_ops = 2000,
     .first_kind_is_commit = true,
     .first_file = ".log"},
    // The log fits (it seals at 256 KiB) but its segment (small entries: the
    // directory and hash table double it) does not: the automatic seal after
    // a commit fails. That commit is acknowledged; the next write reports
    // the seal's failure.
    {.name = "AutomaticSeal",
     .limit = 384 << 10,
     .sync_mode = SyncMode::kAlways,
     .value_size = 8,
     .key_space = 1 << 30,
     .batch_every = 1,
     .batch_size = 16,
     .max_ops = 2000,
     .first_kind_is_commit = true,
     .first_file = ".seg.tmp"},
    // The same for an explicit Seal() of a log below the threshold.
    {.name = "ExplicitSeal",
     .limit = 128 << 10,
     .sync_mode = SyncMode::kNever,
     .value_size = 8,
     .key_space = 1 << 30,
     .batch_every = 1,
     .batch_size = 16,
     .seal_every = 100,
     .max_ops = 2000,
     .first_kind = OpKind::kSeal,
     .first_file = ".seg.tmp"},
    // Segments fit, their merge does not: the merge fails before its rename,
    // changes nothing and writes go on.
    {.name = "Compact1M",
     .limit = 1 << 20,
     .sync_mode = SyncMode::kInterval,
     .value_size = 1000,
     .key_space = 1500,
     .batch_every = 2,
     .batch_size = 4,
     .delete_every = 11,
     .compact_every = 150,
     .max_ops = 3000,
     .first_kind = OpKind::kCompact,
     .first_file = ".seg.tmp"},
    // Small ingests fit, a big one does not: it fails before its segment is
    // renamed into place, so the database stays writable.
    {.name = "Ingest1M",
     .limit = 1 << 20,
     .sync_mode = SyncMode::kAlways,
     .value_size = 1000,
     .key_space = 1500,
     .batch_every = 3,
     .batch_size = 4,
     .delete_every = 13,
     .ingest_every = 40,
     .ingest_small = 100,
     .ingest_big = 1500,
     .max_ops = 3000,
     .first_kind = OpKind::kIngest,
     .first_file = ".seg.tmp"},
    // Everything at once; wherever the refusal lands.
    {.name = "Mixed5M",
     .limit = 5 << 20,
     .sync_mode = SyncMode::kNever,
     .value_size = 1000,
     .key_space = 4000,
     .batch_every = 3,
     .batch_size = 5,
     .delete_every = 17,
     .ingest_every = 61,
     .ingest_small = 200,
     .ingest_big = 400,
     .seal_every = 97,
     .compact_every = 211,
     .sync_every = 31,
     .max_ops = 20000,
     .background_compaction = true,
     .first_file = ""},
};

// Operations after the first refusal, in turn.
constexpr OpKind kAfterFailure[] = {OpKind::kPut,    OpKind::kWrite,
                                    OpKind::kDelete, OpKind::kIngest,
                                    OpKind::kSeal,   OpKind::kCompact,
                                    OpKind::kSync};
constexpr int kOpsAfterFailure = 4 * std::size(kAfterFailure);

struct PlannedEntry {
  std::string key;
  std::string value;
  Timestamp own_ts = 0;  // 0: the commit's.
  bool deleted = false;
};

struct PlannedOp {
  OpKind kind;
  std::vector<PlannedEntry> entries;
};

std::string KeyOf(const Scenario& sc, int64_t n) {
  return absl::StrFormat("key%09d", (n % sc.key_space + sc.key_space) %
                                        sc.key_space);
}

std::string ValueOf(const Scenario& sc, int op, int j) {
  std::string v = absl::StrCat("v", op, ".", j, ":");
  if (v.size() < sc.value_size) {
    v.append(sc.value_size - v.size(), static_cast<char>('a' + (op + j) % 26));
  }
  return v;
}

// Operation `op`; `after` >= 0: the after-th one after the first refusal.
PlannedOp Plan(const Scenario& sc, int op, int after, int* ingests) {
  auto every = [op](int n) { return n > 0 && op % n == n - 1; };
  PlannedOp p;
  if (after >= 0) {
    p.kind = kAfterFailure[after % std::size(kAfterFailure)];
  } else if (every(sc.ingest_every)) {
    p.kind = OpKind::kIngest;
  } else if (every(sc.compact_every)) {
    p.kind = OpKind::kCompact;
  } else if (every(sc.seal_every)) {
    p.kind = OpKind::kSeal;
  } else if (every(sc.sync_every)) {
    p.kind = OpKind::kSync;
  } else if (every(sc.delete_every)) {
    p.kind = OpKind::kDelete;
  } else if (sc.batch_every > 0 && op % sc.batch_every == 0) {
    p.kind = OpKind::kWrite;
  } else {
    p.kind = OpKind::kPut;
  }
  const int64_t base = int64_t{op} * 16;
  switch (p.kind) {
    case OpKind::kPut:
      p.entries.push_back({KeyOf(sc, base), ValueOf(sc, op, 0)});
      break;
    case OpKind::kDelete:
      // A key that the op before probably wrote.
      p.entries.push_back({KeyOf(sc, base - 16), "", 0, true});
      break;
    case OpKind::kWrite: {
      const int n = after >= 0 ? 4 : sc.batch_size;
      for (int j = 0; j < n; ++j) {
        const bool del = j == 3;
        p.entries.push_back({KeyOf(sc, base + j - (del ? 16 : 0)),
                             del ? "" : ValueOf(sc, op, j), 0, del});
      }
      break;
    }
    case OpKind::kIngest: {
      const int n = after >= 0 ? 10
                    : (*ingests)++ % 2 == 0 ? sc.ingest_small
                                            : sc.ingest_big;
      for (int j = 0; j < n; ++j) {
        // Half with their own (unique, past) timestamps.
        const Timestamp own =
            j % 2 == 1 ? kBase + Timestamp{static_cast<uint64_t>(op)} * 10000 + j
                       : 0;
        p.entries.push_back({absl::StrFormat("ing%06d/%05d", op, j),
                             ValueOf(sc, op, j), own, false});
      }
      break;
    }
    case OpKind::kSeal:
    case OpKind::kCompact:
    case OpKind::kSync:
      break;
  }
  return p;
}

absl::StatusOr<Timestamp> Execute(DB& db, const PlannedOp& p) {
  switch (p.kind) {
    case OpKind::kPut:
      return db.Put(p.entries[0].key, p.entries[0].value);
    case OpKind::kDelete:
      return db.Delete(p.entries[0].key);
    case OpKind::kWrite:
    case OpKind::kIngest: {
      WriteBatch b;
      for (const PlannedEntry& e : p.entries) {
        if (e.own_ts != 0) {
          e.deleted ? b.DeleteAt(e.key, e.own_ts)
                    : b.PutAt(e.key, e.value, e.own_ts);
        } else {
          e.deleted ? b.Delete(e.key) : b.Put(e.key, e.value);
        }
      }
      return p.kind == OpKind::kWrite ? db.Write(b) : db.Ingest(b);
    }
    case OpKind::kSeal:
      if (absl::Status s = db.Seal(); !s.ok()) return s;
      return Timestamp{0};
    case OpKind::kCompact:
      if (absl::Status s = db.Compact(); !s.ok()) return s;
      return Timestamp{0};
    case OpKind::kSync:
      if (absl::Status s = db.Sync(); !s.ok()) return s;
      return Timestamp{0};
  }
  return absl::InternalError("unknown op");
}

// The versions an acknowledged op added.
void ApplyAck(const PlannedOp& p, Timestamp ts, Model* model,
              std::set<std::string>* keys) {
  for (const PlannedEntry& e : p.entries) {
    model->Apply(e.key, e.own_ts != 0 ? e.own_ts : ts,
                 e.deleted ? std::nullopt : std::optional<std::string>(e.value));
    keys->insert(e.key);
  }
}

// ---------------------------------------------------------------------------
// The child.

[[noreturn]] void ChildMain(const Scenario& sc, const std::string& dir,
                            bool killed, int fd) {
  auto check_failed = [fd](std::string text) {
    std::string body(1, kCheckFailed);
    PutStr(&body, text);
    SendFrame(fd, body);
  };
  // Growing a file past the limit now fails with EFBIG instead of killing
  // the process. The limit applies to every file the child writes; the pipe
  // is not a file.
  ::signal(SIGXFSZ, SIG_IGN);
  rlimit rl;
  ::getrlimit(RLIMIT_FSIZE, &rl);
  rl.rlim_cur = sc.limit;
  if (::setrlimit(RLIMIT_FSIZE, &rl) != 0) {
    check_failed(absl::StrCat("setrlimit: ", std::strerror(errno)));
    _exit(2);
  }
  Options o;
  o.sync_mode = sc.sync_mode;
  o.sync_interval_ms = 5;
  o.seal_threshold_bytes = kSealThreshold;
  o.background_compaction = sc.background_compaction;
  absl::StatusOr<std::unique_ptr<DB>> opened = DB::Open(dir, o);
  if (!opened.ok()) {
    check_failed(absl::StrCat("Open under the limit: ",
                              opened.status().ToString()));
    _exit(2);
  }
  DB& db = **opened;
  Model model;
  std::set<std::string> keys;
  int first_failure = -1;
  int ingests = 0;
  int op = 0;
  for (;; ++op) {
    const int after = first_failure < 0 ? -1 : op - first_failure - 1;
    if (after >= kOpsAfterFailure) break;
    if (first_failure < 0 && op >= sc.max_ops) {
      check_failed(absl::StrCat("no write was refused in ", op,
                                " operations under a limit of ", sc.limit,
                                " bytes"));
      break;
    }
    const PlannedOp p = Plan(sc, op, after, &ingests);
    absl::StatusOr<Timestamp> r = Execute(db, p);
    std::string body;
    if (r.ok()) {
      if (IsDataOp(p.kind)) {
        ApplyAck(p, *r, &model, &keys);
        body.push_back(kAck);
        PutU64(&body, op);
        body.push_back(static_cast<char>(p.kind));
        PutU64(&body, p.entries.size());
        for (const PlannedEntry& e : p.entries) {
          PutStr(&body, e.key);
          PutStr(&body, e.value);
          PutU64(&body, e.own_ts != 0 ? e.own_ts : *r);
          body.push_back(e.deleted ? 1 : 0);
        }
      } else {
        body.push_back(kAck);
        PutU64(&body, op);
        body.push_back(static_cast<char>(p.kind));
        PutU64(&body, 0);
      }
      SendFrame(fd, body);
      continue;
    }
    body.push_back(kError);
    PutU64(&body, op);
    body.push_back(static_cast<char>(p.kind));
    PutU64(&body, static_cast<uint64_t>(r.status().code()));
    PutStr(&body, std::string(r.status().message()));
    PutU64(&body, CountFiles(dir, ".tmp"));
    SendFrame(fd, body);
    // Reads go on through the failed database and see exactly what was
    // acknowledged.
    const bool first = first_failure < 0;
    if (first) first_failure = op;
    if (std::string d = CheckReads(db, model, keys, /*full=*/first);
        !d.empty()) {
      check_failed(absl::StrCat("after op ", op, " (", OpName(p.kind),
                                ") failed: ", d));
    }
  }
  if (std::string d = CheckReads(db, model, keys, /*full=*/true); !d.empty()) {
    check_failed(absl::StrCat("at the end: ", d));
  }
  if (absl::Status v = db.Verify(); !v.ok()) {
    check_failed(absl::StrCat("Verify on the failed database: ", v.ToString()));
  }
  std::string done(1, kDone);
  PutU64(&done, op);
  const Stats st = db.GetStats();
  PutU64(&done, st.background_compactions);
  PutU64(&done, st.compaction_errors);
  SendFrame(fd, done);
  if (killed) {
    // The parent kills this process with the database open.
    for (;;) ::pause();
  }
  const absl::Status closed = db.Close();
  std::string body(1, kClosed);
  PutU64(&body, static_cast<uint64_t>(closed.code()));
  PutStr(&body, std::string(closed.message()));
  SendFrame(fd, body);
  opened->reset();
  _exit(0);
}

// ---------------------------------------------------------------------------
// The parent.

struct OpOutcome {
  int op;
  OpKind kind;
  absl::StatusCode code;  // kOk: acknowledged.
  std::string message;
  int tmp_files = 0;
};

struct ChildReport {
  Model model;
  std::set<std::string> keys;
  std::vector<OpOutcome> outcomes;
  std::vector<std::string> check_failures;
  bool done = false;
  std::optional<absl::Status> closed;
  uint64_t acked_entries = 0;
  uint64_t background_compactions = 0;  // In the child, and of them
  uint64_t compaction_errors = 0;       // refused (Stats).
  int wait_status = 0;
};

// Parses one frame body into `report`; false on a malformed one.
bool Parse(std::string_view body, ChildReport* report) {
  Decoder d(body);
  const char type = d.Byte();
  switch (type) {
    case kAck: {
      OpOutcome o;
      o.op = static_cast<int>(d.U64());
      o.kind = static_cast<OpKind>(d.Byte());
      o.code = absl::StatusCode::kOk;
      const uint64_t n = d.U64();
      for (uint64_t i = 0; i < n && d.ok(); ++i) {
        std::string key = d.Str();
        std::string value = d.Str();
        const Timestamp ts = d.U64();
        const bool deleted = d.Byte() != 0;
        report->model.Apply(key, ts,
                            deleted ? std::nullopt
                                    : std::optional<std::string>(value));
        report->keys.insert(std::move(key));
        ++report->acked_entries;
      }
      report->outcomes.push_back(std::move(o));
      break;
    }
    case kError: {
      OpOutcome o;
      o.op = static_cast<int>(d.U64());
      o.kind = static_cast<OpKind>(d.Byte());
      o.code = static_cast<absl::StatusCode>(d.U64());
      o.message = d.Str();
      o.tmp_files = static_cast<int>(d.U64());
      report->outcomes.push_back(std::move(o));
      break;
    }
    case kCheckFailed:
      report->check_failures.push_back(d.Str());
      break;
    case kClosed: {
      const auto code = static_cast<absl::StatusCode>(d.U64());
      report->closed = absl::Status(code, d.Str());
      break;
    }
    case kDone:
      d.U64();
      report->background_compactions = d.U64();
      report->compaction_errors = d.U64();
      report->done = true;
      break;
    default:
      return false;
  }
  return d.ok() && d.empty();
}

// Runs the child to the end (or kills it once it is done) and collects what
// it reported.
void RunChild(const Scenario& sc, const std::string& dir, bool kill_it,
              ChildReport* report) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    ::close(fds[0]);
    ChildMain(sc, dir, kill_it, fds[1]);
  }
  ::close(fds[1]);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::string buf;
  bool eof = false, timed_out = false, killed = false, malformed = false;
  while (!eof) {
    if (std::chrono::steady_clock::now() > deadline) {
      timed_out = true;
      break;
    }
    pollfd p{fds[0], POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    char chunk[1 << 16];
    const ssize_t n = ::read(fds[0], chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      eof = true;
      break;
    }
    buf.append(chunk, static_cast<size_t>(n));
    size_t pos = 0;
    while (buf.size() - pos >= sizeof(uint64_t)) {
      uint64_t size;
      std::memcpy(&size, buf.data() + pos, sizeof(size));
      if (buf.size() - pos - sizeof(size) < size) break;
      if (!Parse(std::string_view(buf).substr(pos + sizeof(size), size),
                 report)) {
        malformed = true;
      }
      pos += sizeof(size) + size;
    }
    buf.erase(0, pos);
    if (kill_it && report->done && !killed) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
  }
  if (timed_out) ::kill(pid, SIGKILL);
  ::close(fds[0]);
  ASSERT_EQ(::waitpid(pid, &report->wait_status, 0), pid);
  ASSERT_FALSE(timed_out) << "the child did not finish in 60 s";
  EXPECT_FALSE(malformed) << "a malformed message from the child";
  EXPECT_TRUE(buf.empty()) << "a cut-off message from the child";
  const int st = report->wait_status;
  if (kill_it) {
    ASSERT_TRUE(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL)
        << "the child was to be killed, but "
        << (WIFEXITED(st) ? absl::StrCat("it exited with ", WEXITSTATUS(st))
                          : absl::StrCat("signal ", WTERMSIG(st)));
  } else {
    ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0)
        << "the child crashed or failed: "
        << (WIFEXITED(st) ? absl::StrCat("exit code ", WEXITSTATUS(st))
                          : absl::StrCat("signal ", WTERMSIG(st)));
  }
  ASSERT_TRUE(report->done) << "the child did not finish its workload";
}

// The directory holds the identity file, the lock, one log and the segments
// the database reads; nothing temporary or superseded.
void ExpectCleanDirectory(const std::string& dir, const DB& db) {
  int logs = 0, segments = 0;
  uint64_t log_number = 0, max_segment = 0;
  std::string listing;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    absl::StrAppend(&listing, " ", name);
    if (name == "ZVERSE" || name == "LOCK") continue;
    const size_t dot = name.find('.');
    const std::string stem = name.substr(0, dot);
    const std::string ext = dot == std::string::npos ? "" : name.substr(dot);
    uint64_t number = 0;
    const bool numbered =
        stem.size() >= 6 &&
        stem.find_first_not_of("0123456789") == std::string::npos &&
        absl::SimpleAtoi(stem, &number);
    if (numbered && ext == ".log") {
      ++logs;
      log_number = number;
    } else if (numbered && ext == ".seg") {
      ++segments;
      max_segment = std::max(max_segment, number);
    } else {
      ADD_FAILURE() << "unexpected file " << name << " in " << dir;
    }
  }
  SCOPED_TRACE(absl::StrCat("files:", listing));
  EXPECT_EQ(logs, 1) << "exactly one (active) log";
  EXPECT_GT(log_number, max_segment)
      << "the active log is newer than every segment";
  const Stats st = db.GetStats();
  EXPECT_EQ(st.segments, static_cast<uint64_t>(segments))
      << "every segment file is one the database reads";
  EXPECT_EQ(st.log_files, 1u);
}

class DiskFullTest
    : public ::testing::TestWithParam<std::tuple<Scenario, bool>> {};

TEST_P(DiskFullTest, AcknowledgedWritesSurvive) {
  const Scenario& sc = std::get<0>(GetParam());
  const bool kill_it = std::get<1>(GetParam());
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  ChildReport report;
  ASSERT_NO_FATAL_FAILURE(RunChild(sc, dir, kill_it, &report));
  for (const std::string& f : report.check_failures) {
    ADD_FAILURE() << "in the child: " << f;
  }

  // What the child saw.
  const OpOutcome* first = nullptr;
  int failures = 0, acked_after = 0;
  std::string summary;
  for (const OpOutcome& o : report.outcomes) {
    const bool failed = o.code != absl::StatusCode::kOk;
    if (first != nullptr && !failed && IsDataOp(o.kind)) ++acked_after;
    if (!failed) continue;
    ++failures;
    if (first == nullptr) first = &o;
    // The engine passes the OS's refusal on as ResourceExhausted, also when
    // it repeats it for the writes that follow.
    EXPECT_EQ(o.code, absl::StatusCode::kResourceExhausted)
        << "op " << o.op << " (" << OpName(o.kind) << "): " << o.message;
    if (failures <= 3) {
      absl::StrAppend(&summary, "\n  op ", o.op, " ", OpName(o.kind), ": ",
                      o.message);
    }
  }
  ASSERT_NE(first, nullptr) << "nothing was refused";
  std::printf("[%s] %zu ops, %llu acknowledged versions, %d refused, %d "
              "writes acknowledged after the first refusal, %llu background "
              "compactions, %llu failed; first refusal: op %d %s: %s\n",
              sc.name, report.outcomes.size(),
              static_cast<unsigned long long>(report.acked_entries), failures,
              acked_after,
              static_cast<unsigned long long>(report.background_compactions),
              static_cast<unsigned long long>(report.compaction_errors),
              first->op, OpName(first->kind), first->message.c_str());
  SCOPED_TRACE(absl::StrCat(report.outcomes.size(), " ops, ",
                            report.acked_entries, " acknowledged versions, ",
                            failures, " refused, ", acked_after,
                            " writes acknowledged after the first refusal:",
                            summary));
  EXPECT_GT(report.acked_entries, 100u) << "too little was written to matter";
  // The refusal came from the operating system (EFBIG), where intended.
  EXPECT_TRUE(absl::StrContains(first->message, "File too large"))
      << first->message;
  if (sc.first_kind_is_commit) {
    EXPECT_TRUE(first->kind == OpKind::kPut || first->kind == OpKind::kWrite ||
                first->kind == OpKind::kDelete)
        << OpName(first->kind);
  } else if (sc.first_kind.has_value()) {
    EXPECT_EQ(OpName(first->kind), std::string(OpName(*sc.first_kind)));
  }
  EXPECT_TRUE(absl::StrContains(first->message, sc.first_file))
      << first->message;

  // kv/README.md: after a refused log append or seal (an automatic one
  // included, reported by the next write) the database refuses every
  // operation, with that same error, until reopened. A Compact or Ingest is
  // refused either in the seal it starts with (and stops the database
  // likewise) or, before its segment is renamed into place, in writing that
  // segment: then it changes nothing, leaves no temporary file, and writes
  // go on.
  const std::vector<OpOutcome>& outs = report.outcomes;
  const OpOutcome* stopped_by = nullptr;
  for (size_t i = 0; i < outs.size(); ++i) {
    const OpOutcome& o = outs[i];
    const bool failed = o.code != absl::StatusCode::kOk;
    if (stopped_by != nullptr) {
      EXPECT_TRUE(failed && o.message == stopped_by->message)
          << "op " << o.op << " (" << OpName(o.kind) << ") returned "
          << (failed ? o.message : "OK") << " after op " << stopped_by->op
          << " (" << OpName(stopped_by->kind)
          << ") stopped the database with: " << stopped_by->message;
      continue;
    }
    if (!failed) continue;
    const bool may_go_on =
        o.kind == OpKind::kCompact || o.kind == OpKind::kIngest;
    const bool next_repeats = i + 1 < outs.size() &&
                              outs[i + 1].code != absl::StatusCode::kOk &&
                              outs[i + 1].message == o.message;
    if (!may_go_on || next_repeats) {
      stopped_by = &o;
    } else if (!sc.background_compaction) {
      // (A background compaction may have a temporary file of its own.)
      EXPECT_EQ(o.tmp_files, 0) << "op " << o.op << " (" << OpName(o.kind)
                                << ") failed cleanly but left a temporary "
                                   "file";
    }
  }
  if (sc.first_kind == OpKind::kIngest || sc.first_kind == OpKind::kCompact) {
    EXPECT_GT(acked_after, 0)
        << "a refused " << OpName(*sc.first_kind)
        << " that changed nothing stopped the database";
  } else if (sc.first_kind.has_value() || sc.first_kind_is_commit) {
    EXPECT_EQ(stopped_by, first) << "the first refusal did not stop writes";
  }
  if (!kill_it) {
    ASSERT_TRUE(report.closed.has_value());
    // Informational: Close after a failure does not report it.
    std::printf("[%s] Close() in the child: %s\n", sc.name,
                report.closed->ToString().c_str());
  }

  // Reopen without the limit.
  Options o;
  o.create_if_missing = false;
  o.seal_threshold_bytes = kSealThreshold;
  // Not while the directory is looked at.
  o.background_compaction = false;
  {
    absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(dir, o);
    ASSERT_OK(db) << "reopening after the full disk";
    // A refused append is truncated back: no torn tail to drop.
    EXPECT_EQ((*db)->GetStats().recovered_dropped_bytes, 0u);
    EXPECT_EQ(CheckReads(**db, report.model, report.keys, /*full=*/true), "")
        << "after reopening";
    EXPECT_OK((*db)->Verify());
    ExpectCleanDirectory(dir, **db);
    const Stats st = (*db)->GetStats();
    EXPECT_GE(st.max_ts, report.model.last_ts()) << "the clock went back";

    // Writes work again, of every kind.
    absl::StatusOr<Timestamp> put = (*db)->Put("again/put", "1");
    ASSERT_OK(put);
    EXPECT_GT(*put, report.model.last_ts());
    report.model.Apply("again/put", *put, "1");
    report.keys.insert("again/put");
    WriteBatch b;
    b.Put("again/batch", "2");
    b.Delete("again/put");
    ASSERT_OK_AND_ASSIGN(Timestamp bts, (*db)->Write(b));
    report.model.Apply("again/batch", bts, "2");
    report.model.Apply("again/put", bts, std::nullopt);
    report.keys.insert("again/batch");
    WriteBatch ib;
    for (int i = 0; i < 100; ++i) ib.Put(absl::StrFormat("again/ing%03d", i), "3");
    ASSERT_OK_AND_ASSIGN(Timestamp its, (*db)->Ingest(ib));
    for (int i = 0; i < 100; ++i) {
      report.model.Apply(absl::StrFormat("again/ing%03d", i), its, "3");
      report.keys.insert(absl::StrFormat("again/ing%03d", i));
    }
    ASSERT_OK((*db)->Seal());
    ASSERT_OK((*db)->Compact());
    ASSERT_OK((*db)->Sync());
    EXPECT_EQ(CheckReads(**db, report.model, report.keys, /*full=*/true), "")
        << "after writing again";
    ASSERT_OK((*db)->Close());
  }
  absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(dir, o);
  ASSERT_OK(db) << "the second reopen";
  EXPECT_EQ(CheckReads(**db, report.model, report.keys, /*full=*/true), "")
      << "after the second reopen";
  EXPECT_OK((*db)->Verify());
  ExpectCleanDirectory(dir, **db);
}

INSTANTIATE_TEST_SUITE_P(
    Limits, DiskFullTest,
    ::testing::Combine(::testing::ValuesIn(kScenarios), ::testing::Bool()),
    [](const auto& info) {
      return absl::StrCat(std::get<0>(info.param).name,
                          std::get<1>(info.param) ? "_Kill9" : "_Exit");
    });

// ---------------------------------------------------------------------------
// A failed sync, injected: after it the engine must not report later commits
// (or a later Sync) as durable, until the database is reopened. fault_test.cc
// covers SyncMode::kAlways (FailedSyncDuringCommit,
// SyncFailureUnderConcurrentCommits) and the syncs of seals, compactions and
// ingests; these cover the background sync of kInterval and an explicit
// Sync() under kNever.

class FailedSyncTest : public ::testing::Test {
 protected:
  absl::StatusOr<std::unique_ptr<DB>> Open(Env* env, SyncMode mode) {
    Options o;
    o.env = env;
    o.sync_mode = mode;
    o.sync_interval_ms = 5;
    return DB::Open(tmp_.path(), o);
  }

  void WriteAcked(DB& db, int n) {
    for (int i = 0; i < n; ++i) {
      const std::string key = absl::StrFormat("key%03d", i);
      ASSERT_OK_AND_ASSIGN(Timestamp ts, db.Put(key, absl::StrCat("v", i)));
      model_.Apply(key, ts, absl::StrCat("v", i));
      keys_.insert(key);
    }
  }

  // Every kind of write fails, with the sync's error; reads go on.
  void ExpectStoppedButReadable(DB& db) {
    EXPECT_STATUS_CODE(db.Put("later", "x"), absl::StatusCode::kInternal);
    EXPECT_STATUS_CODE(db.Delete("key000"), absl::StatusCode::kInternal);
    WriteBatch b;
    b.Put("later batch", "x");
    EXPECT_STATUS_CODE(db.Write(b), absl::StatusCode::kInternal);
    EXPECT_STATUS_CODE(db.Ingest(b), absl::StatusCode::kInternal);
    EXPECT_STATUS_CODE(db.Sync(), absl::StatusCode::kInternal);
    EXPECT_STATUS_CODE(db.Seal(), absl::StatusCode::kInternal);
    EXPECT_STATUS_CODE(db.Get("later"), absl::StatusCode::kNotFound);
    EXPECT_EQ(CheckReads(db, model_, keys_, /*full=*/true), "");
  }

  void ReopenAndCheck() {
    ASSERT_OK_AND_ASSIGN(auto db, Open(Env::Default(), SyncMode::kAlways));
    EXPECT_EQ(CheckReads(*db, model_, keys_, /*full=*/true), "");
    EXPECT_OK(db->Verify());
    ASSERT_OK(db->Put("again", "1"));
    EXPECT_EQ(db->Get("again").value_or("<missing>"), "1");
  }

  TempDir tmp_;
  Model model_;
  std::set<std::string> keys_;
};

// The background sync of kInterval fails once (the disk is healthy again
// afterwards, as after an EIO that Linux reports once and then forgets). The
// engine must remember: Sync() and every later write fail until reopen.
TEST_F(FailedSyncTest, IntervalBackgroundSyncFailureStopsWrites) {
  FaultEnv env;
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(&env, SyncMode::kInterval));
    ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, 20));
    ASSERT_OK(db->Sync());
    env.FailSyncs(absl::InternalError("injected fdatasync failure (EIO)"),
                  ".log");
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (env.injected() == 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    ASSERT_GE(env.injected(), 1) << "the background sync never ran";
    env.ClearFaults();
    // The background thread records the failure just after the sync call
    // returned: allow it a moment (a Sync() that succeeds meanwhile is
    // honest, the engine not knowing yet), then it must stick.
    absl::Status s;
    const auto settle =
        std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while ((s = db->Sync()).ok() && std::chrono::steady_clock::now() < settle) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    EXPECT_STATUS_CODE(s, absl::StatusCode::kInternal)
        << "Sync() reports durability after a failed background sync";
    ASSERT_NO_FATAL_FAILURE(ExpectStoppedButReadable(*db));
  }
  ReopenAndCheck();
}

// An explicit Sync() under kNever fails once; the next one must not succeed
// (that would claim the commits before it durable), nor may later writes.
TEST_F(FailedSyncTest, ExplicitSyncFailureStopsWrites) {
  FaultEnv env;
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(&env, SyncMode::kNever));
    ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, 20));
    env.FailSyncs(absl::InternalError("injected fdatasync failure (EIO)"),
                  ".log");
    EXPECT_STATUS_CODE(db->Sync(), absl::StatusCode::kInternal);
    EXPECT_EQ(env.injected(), 1);
    env.ClearFaults();
    ASSERT_NO_FATAL_FAILURE(ExpectStoppedButReadable(*db));
  }
  ReopenAndCheck();
}

// Close() "syncs outstanding data": after a failed sync it cannot have, and
// must say so rather than return OK.
TEST_F(FailedSyncTest, CloseAfterFailedSyncReportsIt) {
  FaultEnv env;
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(&env, SyncMode::kNever));
    ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, 20));
    env.FailSyncs(absl::InternalError("injected fdatasync failure (EIO)"),
                  ".log");
    EXPECT_STATUS_CODE(db->Sync(), absl::StatusCode::kInternal);
    env.ClearFaults();
    EXPECT_FALSE(db->Close().ok())
        << "Close() reported the unsynced commits durable";
  }
  ReopenAndCheck();
}

// The kAlways counterpart, which holds today: after a failed commit sync,
// Sync() and later writes fail, Close does not pretend, reopen recovers.
TEST_F(FailedSyncTest, AlwaysCommitSyncFailureStopsSyncToo) {
  FaultEnv env;
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(&env, SyncMode::kAlways));
    ASSERT_NO_FATAL_FAILURE(WriteAcked(*db, 20));
    env.FailSyncs(absl::InternalError("injected fdatasync failure (EIO)"),
                  ".log");
    EXPECT_STATUS_CODE(db->Put("failed", "x"), absl::StatusCode::kInternal);
    env.ClearFaults();
    ASSERT_NO_FATAL_FAILURE(ExpectStoppedButReadable(*db));
  }
  // The failed commit may or may not be there ("failed"); nothing else.
  {
    ASSERT_OK_AND_ASSIGN(auto db, Open(Env::Default(), SyncMode::kAlways));
    absl::StatusOr<std::vector<Entry>> h = db->History("failed");
    ASSERT_OK(h);
    if (!h->empty()) {
      ASSERT_EQ(h->size(), 1u);
      model_.Apply("failed", (*h)[0].ts, "x");
      keys_.insert("failed");
    }
  }
  ReopenAndCheck();
}

}  // namespace
}  // namespace zverse::kv
