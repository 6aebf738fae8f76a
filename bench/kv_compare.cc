// kv_compare: the same KV workloads, in one process run, against ZVerse
// (kv::DB), LMDB and RocksDB, with medians and ratios.
//
// Workloads (16-byte keys, 100-byte values, N keys, fixed seeds):
//   load           bulk load of N keys in write batches, until durable
//   get_latest     random gets of the newest version, 1 version per key
//   scan           full scan of the newest state in key order
//   load_versions  bulk load of versions 2, 3 and 4 of every key (3N writes)
//   get_latest_4v  random gets of the newest version, 4 versions per key
//   get_asof_4v    random gets as of a time between two versions, so the
//                  answer is an older version (1st, 2nd or 3rd of 4)
//   scan_4v        full scan of the newest state, 4 versions per key
//   durable_put    T threads each putting new keys, every commit synced
//
// Every value read is checked against the version it must be (a value that
// is wrong fails the workload for that engine; it is never counted). See
// bench/README.md for how each engine is driven and how to read the table.

#include <lmdb.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/optimization.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "bench/bench_util.h"
#include "kv/db.h"
#include "kv/status_macros.h"
#include "rocksdb/cache.h"
#include "rocksdb/comparator.h"
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

// Defined in RocksDB 7.8's util/comparator.cc and exported by librocksdb, but
// not declared in its public headers until a later release: the bytewise
// comparator with an 8-byte little-endian timestamp, newer versions first.
namespace rocksdb {
const Comparator* BytewiseComparatorWithU64Ts();
}  // namespace rocksdb

namespace zverse::bench {
namespace {

constexpr uint32_t kVersions = 4;

// ---------------------------------------------------------------------------
// Configuration and flags.

struct Config {
  std::vector<uint64_t> keys = {1000000};
  std::vector<std::string> engines = {"zverse", "lmdb", "rocksdb"};
  std::vector<std::string> workloads;  // Empty: all.
  std::string dir;
  int repetitions = 3;
  uint64_t reads = 1000000;
  uint64_t read_batch = 1000;
  uint64_t write_batch = 1000;
  int threads = 4;
  double durable_seconds = 5;
  KeyPattern pattern = KeyPattern::kHashed;
  uint64_t seed = 42;
  uint64_t verify_sample = 10000;
  uint64_t rocksdb_cache_mb = 1024;
  uint64_t lmdb_map_gb = 0;
  // Key counts above this skip load_versions and the *_4v workloads
  // (0: no limit).
  uint64_t versions_max_keys = 0;
  std::string json_path;
  std::string markdown_path;
};

constexpr const char* kAllWorkloads[] = {
    "load",          "get_latest",  "scan",    "load_versions",
    "get_latest_4v", "get_asof_4v", "scan_4v", "durable_put"};

constexpr const char* kHelp =
    R"(kv_compare: ZVerse vs LMDB vs RocksDB, the same KV workloads in one run.

Usage: kv_compare [flags]

Data: keys of 16 bytes and values of 100 bytes. Value v of key i is a pure
function of (i, v) and carries both in its first 12 bytes, so every value an
engine returns is checked: a wrong or missing value fails that workload for
that engine (reported in the table and JSON, never counted as throughput).

Workloads, run engine by engine for each key count N, in this order:
  load           Bulk load of N keys, one version each, in write batches of
                 --write_batch keys; timed until the data is durable and the
                 engine is idle. ZVerse: WriteBatch, SyncMode::kNever, then
                 DB::Compact (seal, merge all segments, sync). LMDB: one
                 write txn per batch, MDB_NOSYNC, then mdb_env_sync.
                 RocksDB: WriteBatch with disableWAL, then Flush and a full
                 CompactRange. Compaction time counts in the load.
  get_latest     --reads random gets of the newest version (1 version/key).
                 ZVerse: one Snapshot per --read_batch gets, zero-copy views.
                 LMDB: one read txn per --read_batch gets (reset/renew), a
                 cursor MDB_SET_RANGE on key||~ts. RocksDB: Get into a
                 PinnableSlice with ReadOptions::timestamp = max.
  scan           Full scan of the newest state in key order (items/s).
                 ZVerse Snapshot::Scan; LMDB cursor MDB_NEXT skipping older
                 versions of a key; RocksDB iterator at timestamp max.
  load_versions  Versions 2..4 of every key: 3 more bulk-load rounds (3N
                 writes), as for load. Each batch commits at its own,
                 increasing timestamp (ZVerse: the commit timestamp it
                 assigns; LMDB/RocksDB: a logical clock).
  get_latest_4v  As get_latest, with 4 versions per key.
  get_asof_4v    --reads random gets as of a time T between two loaded
                 rounds (T chosen at random per get among the 3 gaps), so
                 the answer is version 1, 2 or 3 of 4, never the newest.
                 ZVerse: a Snapshot at T (3 per --read_batch gets). LMDB:
                 MDB_SET_RANGE on key||~T. RocksDB: ReadOptions::timestamp=T.
  scan_4v        As scan, with 4 versions per key.
  durable_put    --threads threads, each putting new keys one at a time for
                 --durable_seconds, every commit synced before it returns.
                 ZVerse: reopened with SyncMode::kAlways (group commit).
                 LMDB: sync on commit (writers serialize). RocksDB:
                 WriteOptions::sync = true (WAL).
Before the timed reads, an untimed pass checks --verify_sample keys byte for
byte (newest and as-of) and one full scan checks every key, its order and its
value. The read workloads run --repetitions times; the table shows medians.
Loads and durable_put run once.

Flags (--flag=value or --flag value):
  --keys LIST            key counts N, comma separated; k/M suffixes allowed
                         (default 1000000)
  --engines LIST         subset of zverse,lmdb,rocksdb (default all three)
  --workloads LIST       subset of the workloads above (default all); load
                         always runs, and any *_4v implies load_versions
  --dir DIR              parent directory for the databases (default: a new
                         directory under /tmp); each database lives in its
                         own sub-directory and is deleted after its run
  --repetitions R        runs of each read workload (default 3)
  --reads N              gets per run of a get workload (default 1000000)
  --read_batch N         gets per snapshot / read txn (default 1000)
  --write_batch N        keys per write batch in the loads (default 1000)
  --threads T            durable_put threads (default 4)
  --durable_seconds S    durable_put duration (default 5)
  --key_pattern P        hashed (default): 8 mixed bytes then the index,
                         big-endian; decimal: 16 zero-padded digits, loaded
                         in key order (distinguishing bytes come last)
  --seed S               seed of the query generators (default 42)
  --verify_sample N      keys checked byte for byte (default 10000)
  --rocksdb_cache_mb M   RocksDB block cache (default 1024)
  --lmdb_map_gb G        LMDB map size (default: sized from N)
  --versions_max_keys N  run load_versions and the *_4v workloads only for
                         key counts <= N (default: no limit); loading 4
                         versions of 10M keys takes LMDB tens of minutes
  --json FILE            write every measurement as JSON
  --markdown FILE        write the Markdown report (also printed to stdout)
  --help                 this text

Progress goes to stderr, the Markdown report to stdout.
)";

bool WorkloadEnabled(const Config& c, std::string_view w) {
  if (w == "load") return true;
  if (c.workloads.empty()) return true;
  for (const std::string& x : c.workloads) {
    if (x == w) return true;
  }
  if (w == "load_versions") {
    for (const std::string& x : c.workloads) {
      if (absl::EndsWith(x, "_4v")) return true;
    }
  }
  return false;
}

absl::StatusOr<Config> ParseFlags(int argc, char** argv, bool* help) {
  Config c;
  FlagParser p(argc, argv);
  auto list = [](const std::string& v) {
    return std::vector<std::string>(absl::StrSplit(v, ',', absl::SkipEmpty()));
  };
  auto count = [&](uint64_t* out) -> absl::Status {
    ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
    ZVERSE_ASSIGN_OR_RETURN(*out, ParseCount(v));
    return absl::OkStatus();
  };
  while (p.Next()) {
    const std::string& f = p.flag();
    uint64_t n = 0;
    if (f == "--help" || f == "-h") {
      *help = true;
      return c;
    } else if (f == "--keys") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      ZVERSE_ASSIGN_OR_RETURN(c.keys, ParseCountList(v));
    } else if (f == "--engines") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      c.engines = list(v);
      for (const std::string& e : c.engines) {
        if (e != "zverse" && e != "lmdb" && e != "rocksdb") {
          return absl::InvalidArgumentError(absl::StrCat("unknown engine ", e));
        }
      }
    } else if (f == "--workloads") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      c.workloads = list(v);
      for (const std::string& w : c.workloads) {
        if (std::find_if(std::begin(kAllWorkloads), std::end(kAllWorkloads),
                         [&](const char* k) { return w == k; }) ==
            std::end(kAllWorkloads)) {
          return absl::InvalidArgumentError(
              absl::StrCat("unknown workload ", w));
        }
      }
    } else if (f == "--dir") {
      ZVERSE_ASSIGN_OR_RETURN(c.dir, p.Value());
    } else if (f == "--repetitions") {
      ZVERSE_RETURN_IF_ERROR(count(&n));
      c.repetitions = static_cast<int>(n);
    } else if (f == "--reads") {
      ZVERSE_RETURN_IF_ERROR(count(&c.reads));
    } else if (f == "--read_batch") {
      ZVERSE_RETURN_IF_ERROR(count(&c.read_batch));
    } else if (f == "--write_batch") {
      ZVERSE_RETURN_IF_ERROR(count(&c.write_batch));
    } else if (f == "--threads") {
      ZVERSE_RETURN_IF_ERROR(count(&n));
      c.threads = static_cast<int>(n);
    } else if (f == "--durable_seconds") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      if (!absl::SimpleAtod(v, &c.durable_seconds) || c.durable_seconds <= 0) {
        return absl::InvalidArgumentError("bad --durable_seconds");
      }
    } else if (f == "--key_pattern") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      ZVERSE_ASSIGN_OR_RETURN(c.pattern, ParseKeyPattern(v));
    } else if (f == "--seed") {
      ZVERSE_RETURN_IF_ERROR(count(&c.seed));
    } else if (f == "--verify_sample") {
      ZVERSE_RETURN_IF_ERROR(count(&c.verify_sample));
    } else if (f == "--rocksdb_cache_mb") {
      ZVERSE_RETURN_IF_ERROR(count(&c.rocksdb_cache_mb));
    } else if (f == "--lmdb_map_gb") {
      ZVERSE_RETURN_IF_ERROR(count(&c.lmdb_map_gb));
    } else if (f == "--versions_max_keys") {
      ZVERSE_RETURN_IF_ERROR(count(&c.versions_max_keys));
    } else if (f == "--json") {
      ZVERSE_ASSIGN_OR_RETURN(c.json_path, p.Value());
    } else if (f == "--markdown") {
      ZVERSE_ASSIGN_OR_RETURN(c.markdown_path, p.Value());
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag ", f, " (see --help)"));
    }
  }
  if (c.repetitions < 1 || c.reads < 1 || c.read_batch < 1 ||
      c.write_batch < 1 || c.threads < 1) {
    return absl::InvalidArgumentError(
        "--repetitions, --reads, --read_batch, --write_batch and --threads "
        "must be >= 1");
  }
  for (uint64_t n : c.keys) {
    if (n < 1) return absl::InvalidArgumentError("--keys must be >= 1");
  }
  return c;
}

// ---------------------------------------------------------------------------
// Workload data.

// A list of point reads: key index, its key bytes and, for as-of reads, the
// round (version) that must be returned.
struct Queries {
  std::vector<uint64_t> idx;
  std::vector<char> keys;
  std::vector<uint8_t> rounds;

  size_t size() const { return idx.size(); }
  std::string_view key(size_t i) const {
    return std::string_view(keys.data() + i * kKeySize, kKeySize);
  }
};

struct Workload {
  uint64_t n = 0;
  KeyPattern pattern = KeyPattern::kHashed;
  uint64_t write_batch = 1000;
  uint64_t read_batch = 1000;
  Queries gets;    // Timed reads.
  Queries verify;  // Untimed byte-for-byte checks.
};

Queries MakeQueries(uint64_t n, uint64_t count, KeyPattern pattern,
                    uint64_t seed) {
  Queries q;
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> key_dist(0, n - 1);
  std::uniform_int_distribution<int> round_dist(0, kVersions - 2);
  q.idx.resize(count);
  q.keys.resize(count * kKeySize);
  q.rounds.resize(count);
  for (uint64_t i = 0; i < count; ++i) {
    q.idx[i] = key_dist(rng);
    MakeKey(pattern, q.idx[i], q.keys.data() + i * kKeySize);
    q.rounds[i] = static_cast<uint8_t>(round_dist(rng));
  }
  return q;
}

// The index of a key, recovered from its bytes.
uint64_t KeyIndex(KeyPattern pattern, std::string_view key) {
  if (pattern == KeyPattern::kHashed) return LoadBigEndian64(key.data() + 8);
  uint64_t v = 0;
  for (char c : key) v = v * 10 + static_cast<uint64_t>(c - '0');
  return v;
}

// How thoroughly a read checks the values it gets.
enum class Check {
  kHeader,  // Size, key index and version (inside timed loops).
  kFull,    // Every byte; scans also check key order and key/value match.
};

absl::Status WrongValue(std::string_view engine, std::string_view what,
                        uint64_t idx, std::string_view key, uint32_t version,
                        std::string_view got) {
  return absl::InternalError(absl::StrCat(
      Av(engine), " returned a wrong value in ", Av(what), ": key #", idx, " (",
      HexKey(key), ") should be version ", version, " of 0..", kVersions - 1,
      ", got ", DescribeValue(got)));
}

absl::Status Missing(std::string_view engine, std::string_view what,
                     uint64_t idx, std::string_view key, uint32_t version,
                     std::string_view detail) {
  return absl::InternalError(absl::StrCat(
      Av(engine), " found no value in ", Av(what), ": key #", idx, " (",
      HexKey(key), ") should be version ", version, ": ", Av(detail)));
}

inline bool ValueOk(Check check, std::string_view v, uint64_t idx,
                    uint32_t version) {
  return check == Check::kHeader ? ValueHeaderMatches(v, idx, version)
                                 : ValueMatches(v, idx, version);
}

// Checks of one scanned item; returns false with *error set on a mismatch.
class ScanChecker {
 public:
  ScanChecker(std::string_view engine, KeyPattern pattern, uint32_t version,
              Check check)
      : engine_(engine), pattern_(pattern), version_(version), check_(check) {}

  bool Item(std::string_view key, std::string_view value) {
    if (check_ == Check::kHeader) {
      if (ABSL_PREDICT_FALSE(value.size() != kValueSize ||
                             ValueVersion(value) != version_)) {
        return Fail(key, value);
      }
    } else {
      if (key.size() != kKeySize || (count_ > 0 && key <= prev_)) {
        error_ = absl::InternalError(
            absl::StrCat(Av(engine_), " scan out of order or bad key at item ",
                         count_, ": ", HexKey(prev_), " then ", HexKey(key)));
        return false;
      }
      prev_.assign(key.data(), key.size());
      if (!ValueMatches(value, KeyIndex(pattern_, key), version_)) {
        return Fail(key, value);
      }
    }
    ++count_;
    return true;
  }

  absl::Status Finish(uint64_t expected_count) {
    if (!error_.ok()) return error_;
    if (count_ != expected_count) {
      return absl::InternalError(absl::StrCat(Av(engine_), " scan returned ",
                                              count_, " items, expected ",
                                              expected_count));
    }
    return absl::OkStatus();
  }

  uint64_t count() const { return count_; }

 private:
  bool Fail(std::string_view key, std::string_view value) {
    error_ = WrongValue(engine_, "scan", KeyIndex(pattern_, key), key, version_,
                        value);
    return false;
  }

  std::string_view engine_;
  KeyPattern pattern_;
  uint32_t version_;
  Check check_;
  uint64_t count_ = 0;
  std::string prev_;
  absl::Status error_;
};

// ---------------------------------------------------------------------------
// Engines.

class Engine {
 public:
  explicit Engine(const Config& config) : config_(config) {}
  virtual ~Engine() = default;

  virtual std::string_view name() const = 0;
  // Creates an empty database in `dir`, set up for bulk loading.
  virtual absl::Status Open(const std::string& dir, uint64_t n) = 0;
  // Writes `version` of every key of `w`, w.write_batch keys per commit
  // (each commit at its own, increasing timestamp), and returns once the
  // data is durable.
  virtual absl::Status Load(const Workload& w, uint32_t version) = 0;
  // Returns once background work caused by loading is finished.
  virtual absl::Status WaitIdle() { return absl::OkStatus(); }
  // Reads the newest version of every key of `q`; it must be `version`.
  virtual absl::Status GetLatest(const Workload& w, const Queries& q,
                                 uint32_t version, Check check) = 0;
  // Reads every key of `q` as of a time between rounds q.rounds[i] and
  // q.rounds[i] + 1; the answer must be version q.rounds[i].
  virtual absl::Status GetAsOf(const Workload& w, const Queries& q,
                               Check check) = 0;
  // Scans the newest state; every item must be `version`.
  virtual absl::Status Scan(ScanChecker* checker) = 0;
  // Switches to syncing every commit.
  virtual absl::Status PrepareDurable() = 0;
  // A synced put of a single key. Called from several threads at once.
  virtual absl::Status DurablePut(std::string_view key,
                                  std::string_view value) = 0;
  virtual absl::Status Close() = 0;
  // Engine settings, for the report.
  virtual std::string Settings() const = 0;

 protected:
  // Records the timestamp of a batch commit of round `version`.
  void RecordCommit(uint32_t version, uint64_t ts) {
    if (rounds_.size() <= version) rounds_.resize(version + 1, {0, 0});
    auto& r = rounds_[version];
    if (r.first == 0) r.first = ts;
    r.second = ts;
  }
  // A time T with: every version-`round` commit <= T < every
  // version-(round + 1) commit.
  uint64_t AsOfRound(uint32_t round) const {
    const uint64_t last = rounds_[round].second;
    const uint64_t next = rounds_[round + 1].first;
    return last + (next - last) / 2;
  }

  const Config& config_;
  std::vector<std::pair<uint64_t, uint64_t>> rounds_;
};

// --- ZVerse ----------------------------------------------------------------

class ZVerseEngine : public Engine {
 public:
  using Engine::Engine;
  std::string_view name() const override { return "ZVerse"; }

  std::string Settings() const override {
    return "kv::Options defaults except sync_mode: kNever for the loads "
           "(then DB::Compact: seal and merge into one segment, timed as "
           "part of the load), kAlways for durable_put";
  }

  absl::Status Open(const std::string& dir, uint64_t n) override {
    dir_ = dir;
    kv::Options options;
    options.sync_mode = kv::SyncMode::kNever;
    ZVERSE_ASSIGN_OR_RETURN(db_, kv::DB::Open(dir, options));
    return absl::OkStatus();
  }

  absl::Status Load(const Workload& w, uint32_t version) override {
    kv::WriteBatch batch;
    char key[kKeySize];
    char value[kValueSize];
    for (uint64_t i = 0; i < w.n; ++i) {
      MakeKey(w.pattern, i, key);
      MakeValue(i, version, value);
      batch.Put(std::string_view(key, kKeySize),
                std::string_view(value, kValueSize));
      if (batch.Count() == w.write_batch || i + 1 == w.n) {
        ZVERSE_ASSIGN_OR_RETURN(kv::Timestamp ts, db_->Write(batch));
        RecordCommit(version, ts);
        batch.Clear();
      }
    }
    // Seal and merge into one segment (counted in the load time), as
    // RocksDB is flushed and fully compacted.
    return db_->Compact();
  }

  absl::Status GetLatest(const Workload& w, const Queries& q, uint32_t version,
                         Check check) override {
    for (size_t start = 0; start < q.size(); start += w.read_batch) {
      const size_t end = std::min<size_t>(q.size(), start + w.read_batch);
      ZVERSE_ASSIGN_OR_RETURN(kv::Snapshot snap, db_->GetSnapshot());
      for (size_t i = start; i < end; ++i) {
        absl::StatusOr<std::string_view> v = snap.Get(q.key(i));
        if (ABSL_PREDICT_FALSE(!v.ok())) {
          return Missing(name(), "get latest", q.idx[i], q.key(i), version,
                         v.status().ToString());
        }
        if (ABSL_PREDICT_FALSE(!ValueOk(check, *v, q.idx[i], version))) {
          return WrongValue(name(), "get latest", q.idx[i], q.key(i), version,
                            *v);
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status GetAsOf(const Workload& w, const Queries& q,
                       Check check) override {
    for (size_t start = 0; start < q.size(); start += w.read_batch) {
      const size_t end = std::min<size_t>(q.size(), start + w.read_batch);
      kv::Snapshot snaps[kVersions - 1];
      for (uint32_t r = 0; r + 1 < kVersions; ++r) {
        ZVERSE_ASSIGN_OR_RETURN(snaps[r], db_->GetSnapshot(AsOfRound(r)));
      }
      for (size_t i = start; i < end; ++i) {
        const uint32_t round = q.rounds[i];
        absl::StatusOr<std::string_view> v = snaps[round].Get(q.key(i));
        if (ABSL_PREDICT_FALSE(!v.ok())) {
          return Missing(name(), "get as-of", q.idx[i], q.key(i), round,
                         v.status().ToString());
        }
        if (ABSL_PREDICT_FALSE(!ValueOk(check, *v, q.idx[i], round))) {
          return WrongValue(name(), "get as-of", q.idx[i], q.key(i), round, *v);
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status Scan(ScanChecker* checker) override {
    ZVERSE_ASSIGN_OR_RETURN(kv::Snapshot snap, db_->GetSnapshot());
    return snap.Scan("", "", [checker](const kv::Record& r) {
      return checker->Item(r.key, r.value);
    });
  }

  absl::Status PrepareDurable() override {
    ZVERSE_RETURN_IF_ERROR(db_->Close());
    db_.reset();
    kv::Options options;
    options.sync_mode = kv::SyncMode::kAlways;
    ZVERSE_ASSIGN_OR_RETURN(db_, kv::DB::Open(dir_, options));
    return absl::OkStatus();
  }

  absl::Status DurablePut(std::string_view key,
                          std::string_view value) override {
    return db_->Put(key, value).status();
  }

  absl::Status Close() override {
    if (db_ == nullptr) return absl::OkStatus();
    absl::Status s = db_->Close();
    db_.reset();
    return s;
  }

 private:
  std::string dir_;
  std::unique_ptr<kv::DB> db_;
};

// --- LMDB ------------------------------------------------------------------

absl::Status MdbStatus(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("LMDB ", Av(what), ": ", mdb_strerror(rc)));
}

// Versions are stored as key || ~ts (big-endian), so the versions of a key
// are adjacent, newest first, and MDB_SET_RANGE on key || ~T lands on the
// newest version at or before T.
class LmdbEngine : public Engine {
 public:
  using Engine::Engine;
  ~LmdbEngine() override { Close().IgnoreError(); }
  std::string_view name() const override { return "LMDB"; }

  std::string Settings() const override {
    return absl::StrCat(
        "one database, key||~ts big-endian; MDB_NOSYNC for the loads (then "
        "mdb_env_sync), synced commits for durable_put; map size ",
        FormatBytes(map_size_));
  }

  absl::Status Open(const std::string& dir, uint64_t n) override {
    map_size_ = config_.lmdb_map_gb > 0
                    ? config_.lmdb_map_gb << 30
                    : (uint64_t{2} << 30) + n * kVersions * 512;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("creating ", dir, ": ", ec.message()));
    }
    ZVERSE_RETURN_IF_ERROR(MdbStatus(mdb_env_create(&env_), "env_create"));
    ZVERSE_RETURN_IF_ERROR(
        MdbStatus(mdb_env_set_mapsize(env_, map_size_), "env_set_mapsize"));
    ZVERSE_RETURN_IF_ERROR(MdbStatus(
        mdb_env_open(env_, dir.c_str(), MDB_NOSYNC, 0644), "env_open"));
    MDB_txn* txn = nullptr;
    ZVERSE_RETURN_IF_ERROR(
        MdbStatus(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin"));
    int rc = mdb_dbi_open(txn, nullptr, 0, &dbi_);
    if (rc != MDB_SUCCESS) {
      mdb_txn_abort(txn);
      return MdbStatus(rc, "dbi_open");
    }
    return MdbStatus(mdb_txn_commit(txn), "txn_commit");
  }

  absl::Status Load(const Workload& w, uint32_t version) override {
    char key[kKeySize + 8];
    char value[kValueSize];
    for (uint64_t start = 0; start < w.n; start += w.write_batch) {
      const uint64_t end = std::min<uint64_t>(w.n, start + w.write_batch);
      const uint64_t ts = ++clock_;
      RecordCommit(version, ts);
      StoreBigEndian64(~ts, key + kKeySize);
      MDB_txn* txn = nullptr;
      ZVERSE_RETURN_IF_ERROR(
          MdbStatus(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin"));
      for (uint64_t i = start; i < end; ++i) {
        MakeKey(w.pattern, i, key);
        MakeValue(i, version, value);
        MDB_val k{sizeof(key), key};
        MDB_val v{kValueSize, value};
        const int rc = mdb_put(txn, dbi_, &k, &v, 0);
        if (rc != MDB_SUCCESS) {
          mdb_txn_abort(txn);
          return MdbStatus(rc, "put");
        }
      }
      ZVERSE_RETURN_IF_ERROR(MdbStatus(mdb_txn_commit(txn), "txn_commit"));
    }
    return MdbStatus(mdb_env_sync(env_, 1), "env_sync");
  }

  absl::Status GetLatest(const Workload& w, const Queries& q, uint32_t version,
                         Check check) override {
    return Lookup(w, q, check, /*as_of=*/false, version);
  }

  absl::Status GetAsOf(const Workload& w, const Queries& q,
                       Check check) override {
    return Lookup(w, q, check, /*as_of=*/true, 0);
  }

  absl::Status Scan(ScanChecker* checker) override {
    MDB_txn* txn = nullptr;
    ZVERSE_RETURN_IF_ERROR(
        MdbStatus(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn), "txn_begin"));
    MDB_cursor* cursor = nullptr;
    int rc = mdb_cursor_open(txn, dbi_, &cursor);
    if (rc != MDB_SUCCESS) {
      mdb_txn_abort(txn);
      return MdbStatus(rc, "cursor_open");
    }
    MDB_val k, v;
    const char* prev = nullptr;
    absl::Status status;
    for (rc = mdb_cursor_get(cursor, &k, &v, MDB_FIRST); rc == MDB_SUCCESS;
         rc = mdb_cursor_get(cursor, &k, &v, MDB_NEXT)) {
      const char* kd = static_cast<const char*>(k.mv_data);
      if (ABSL_PREDICT_FALSE(k.mv_size != kKeySize + 8)) {
        status = absl::InternalError("LMDB scan: key of unexpected size");
        break;
      }
      // An older version of the key just returned.
      if (prev != nullptr && std::memcmp(prev, kd, kKeySize) == 0) continue;
      prev = kd;
      if (!checker->Item(std::string_view(kd, kKeySize),
                         std::string_view(static_cast<const char*>(v.mv_data),
                                          v.mv_size))) {
        break;
      }
    }
    if (status.ok() && rc != MDB_SUCCESS && rc != MDB_NOTFOUND) {
      status = MdbStatus(rc, "cursor_get");
    }
    mdb_cursor_close(cursor);
    mdb_txn_abort(txn);
    return status;
  }

  absl::Status PrepareDurable() override {
    return MdbStatus(mdb_env_set_flags(env_, MDB_NOSYNC, 0), "env_set_flags");
  }

  absl::Status DurablePut(std::string_view key,
                          std::string_view value) override {
    char k[kKeySize + 8];
    std::memcpy(k, key.data(), kKeySize);
    StoreBigEndian64(~(clock_.fetch_add(1) + 1), k + kKeySize);
    MDB_txn* txn = nullptr;
    ZVERSE_RETURN_IF_ERROR(
        MdbStatus(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin"));
    MDB_val mk{sizeof(k), k};
    MDB_val mv{value.size(), const_cast<char*>(value.data())};
    const int rc = mdb_put(txn, dbi_, &mk, &mv, 0);
    if (rc != MDB_SUCCESS) {
      mdb_txn_abort(txn);
      return MdbStatus(rc, "put");
    }
    return MdbStatus(mdb_txn_commit(txn), "txn_commit");
  }

  absl::Status Close() override {
    if (env_ != nullptr) {
      mdb_dbi_close(env_, dbi_);
      mdb_env_close(env_);
      env_ = nullptr;
    }
    return absl::OkStatus();
  }

 private:
  absl::Status Lookup(const Workload& w, const Queries& q, Check check,
                      bool as_of, uint32_t latest_version) {
    const char* what = as_of ? "get as-of" : "get latest";
    uint64_t round_ts[kVersions - 1] = {};
    if (as_of) {
      for (uint32_t r = 0; r + 1 < kVersions; ++r) round_ts[r] = AsOfRound(r);
    }
    MDB_txn* txn = nullptr;
    ZVERSE_RETURN_IF_ERROR(
        MdbStatus(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn), "txn_begin"));
    MDB_cursor* cursor = nullptr;
    int rc = mdb_cursor_open(txn, dbi_, &cursor);
    if (rc != MDB_SUCCESS) {
      mdb_txn_abort(txn);
      return MdbStatus(rc, "cursor_open");
    }
    absl::Status status;
    char seek[kKeySize + 8];
    for (size_t start = 0; start < q.size() && status.ok();
         start += w.read_batch) {
      if (start > 0) {
        mdb_txn_reset(txn);
        rc = mdb_txn_renew(txn);
        if (rc == MDB_SUCCESS) rc = mdb_cursor_renew(txn, cursor);
        if (rc != MDB_SUCCESS) {
          status = MdbStatus(rc, "txn_renew");
          break;
        }
      }
      const size_t end = std::min<size_t>(q.size(), start + w.read_batch);
      for (size_t i = start; i < end; ++i) {
        const uint32_t version = as_of ? q.rounds[i] : latest_version;
        const uint64_t t = as_of ? round_ts[version] : ~uint64_t{0};
        std::memcpy(seek, q.key(i).data(), kKeySize);
        StoreBigEndian64(~t, seek + kKeySize);
        MDB_val k{sizeof(seek), seek};
        MDB_val v;
        rc = mdb_cursor_get(cursor, &k, &v, MDB_SET_RANGE);
        if (ABSL_PREDICT_FALSE(
                rc != MDB_SUCCESS || k.mv_size != kKeySize + 8 ||
                std::memcmp(k.mv_data, q.key(i).data(), kKeySize) != 0)) {
          status = Missing(name(), what, q.idx[i], q.key(i), version,
                           rc == MDB_SUCCESS ? "no version at or before T"
                                             : mdb_strerror(rc));
          break;
        }
        const std::string_view value(static_cast<const char*>(v.mv_data),
                                     v.mv_size);
        if (ABSL_PREDICT_FALSE(!ValueOk(check, value, q.idx[i], version))) {
          status = WrongValue(name(), what, q.idx[i], q.key(i), version, value);
          break;
        }
      }
    }
    mdb_cursor_close(cursor);
    mdb_txn_abort(txn);
    return status;
  }

  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  uint64_t map_size_ = 0;
  std::atomic<uint64_t> clock_{0};
};

// --- RocksDB ---------------------------------------------------------------

absl::Status RocksStatus(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("RocksDB ", Av(what), ": ", s.ToString()));
}

// The encoding BytewiseComparatorWithU64Ts expects: fixed64 little-endian.
std::string EncodeRocksTs(uint64_t ts) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i)
    out[i] = static_cast<char>((ts >> (8 * i)) & 0xff);
  return out;
}

class RocksEngine : public Engine {
 public:
  using Engine::Engine;
  ~RocksEngine() override { Close().IgnoreError(); }
  std::string_view name() const override { return "RocksDB"; }

  std::string Settings() const override {
    return absl::StrCat(
        "user-defined timestamps (BytewiseComparatorWithU64Ts), no "
        "compression, 10-bit Bloom filter, ",
        config_.rocksdb_cache_mb,
        " MiB block cache, other options default; loads with disableWAL then "
        "Flush and a full CompactRange; durable_put with sync=true");
  }

  absl::Status Open(const std::string& dir, uint64_t n) override {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.comparator = rocksdb::BytewiseComparatorWithU64Ts();
    options.compression = rocksdb::kNoCompression;
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.block_cache = rocksdb::NewLRUCache(
        static_cast<size_t>(config_.rocksdb_cache_mb) << 20);
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    rocksdb::DB* db = nullptr;
    ZVERSE_RETURN_IF_ERROR(
        RocksStatus(rocksdb::DB::Open(options, dir, &db), "open"));
    db_.reset(db);
    return absl::OkStatus();
  }

  absl::Status Load(const Workload& w, uint32_t version) override {
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;
    char key[kKeySize];
    char value[kValueSize];
    rocksdb::WriteBatch batch(0, 0, 0, 8);
    for (uint64_t start = 0; start < w.n; start += w.write_batch) {
      const uint64_t end = std::min<uint64_t>(w.n, start + w.write_batch);
      const uint64_t ts = ++clock_;
      RecordCommit(version, ts);
      const std::string ts_bytes = EncodeRocksTs(ts);
      batch.Clear();
      for (uint64_t i = start; i < end; ++i) {
        MakeKey(w.pattern, i, key);
        MakeValue(i, version, value);
        ZVERSE_RETURN_IF_ERROR(RocksStatus(
            batch.Put(db_->DefaultColumnFamily(), rocksdb::Slice(key, kKeySize),
                      ts_bytes, rocksdb::Slice(value, kValueSize)),
            "batch put"));
      }
      ZVERSE_RETURN_IF_ERROR(RocksStatus(db_->Write(wo, &batch), "write"));
    }
    rocksdb::FlushOptions fo;
    fo.wait = true;
    ZVERSE_RETURN_IF_ERROR(RocksStatus(db_->Flush(fo), "flush"));
    // Same end state as ZVerse's Compact(): everything merged.
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction =
        rocksdb::BottommostLevelCompaction::kForceOptimized;
    return RocksStatus(db_->CompactRange(co, nullptr, nullptr), "compact");
  }

  absl::Status WaitIdle() override {
    const char* props[] = {
        "rocksdb.num-running-compactions", "rocksdb.num-running-flushes",
        "rocksdb.compaction-pending", "rocksdb.mem-table-flush-pending"};
    for (;;) {
      bool busy = false;
      for (const char* p : props) {
        uint64_t v = 0;
        if (db_->GetIntProperty(p, &v) && v != 0) busy = true;
      }
      if (!busy) return absl::OkStatus();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  absl::Status GetLatest(const Workload& w, const Queries& q, uint32_t version,
                         Check check) override {
    const std::string ts = EncodeRocksTs(~uint64_t{0});
    const rocksdb::Slice ts_slice(ts);
    rocksdb::ReadOptions ro;
    ro.timestamp = &ts_slice;
    rocksdb::PinnableSlice value;
    for (size_t i = 0; i < q.size(); ++i) {
      value.Reset();
      const rocksdb::Status s =
          db_->Get(ro, db_->DefaultColumnFamily(),
                   rocksdb::Slice(q.key(i).data(), kKeySize), &value);
      if (ABSL_PREDICT_FALSE(!s.ok())) {
        return Missing(name(), "get latest", q.idx[i], q.key(i), version,
                       s.ToString());
      }
      const std::string_view v(value.data(), value.size());
      if (ABSL_PREDICT_FALSE(!ValueOk(check, v, q.idx[i], version))) {
        return WrongValue(name(), "get latest", q.idx[i], q.key(i), version, v);
      }
    }
    return absl::OkStatus();
  }

  absl::Status GetAsOf(const Workload& w, const Queries& q,
                       Check check) override {
    std::string ts[kVersions - 1];
    rocksdb::Slice ts_slice[kVersions - 1];
    rocksdb::ReadOptions ro[kVersions - 1];
    for (uint32_t r = 0; r + 1 < kVersions; ++r) {
      ts[r] = EncodeRocksTs(AsOfRound(r));
      ts_slice[r] = rocksdb::Slice(ts[r]);
      ro[r].timestamp = &ts_slice[r];
    }
    rocksdb::PinnableSlice value;
    for (size_t i = 0; i < q.size(); ++i) {
      const uint32_t round = q.rounds[i];
      value.Reset();
      const rocksdb::Status s =
          db_->Get(ro[round], db_->DefaultColumnFamily(),
                   rocksdb::Slice(q.key(i).data(), kKeySize), &value);
      if (ABSL_PREDICT_FALSE(!s.ok())) {
        return Missing(name(), "get as-of", q.idx[i], q.key(i), round,
                       s.ToString());
      }
      const std::string_view v(value.data(), value.size());
      if (ABSL_PREDICT_FALSE(!ValueOk(check, v, q.idx[i], round))) {
        return WrongValue(name(), "get as-of", q.idx[i], q.key(i), round, v);
      }
    }
    return absl::OkStatus();
  }

  absl::Status Scan(ScanChecker* checker) override {
    const std::string ts = EncodeRocksTs(~uint64_t{0});
    const rocksdb::Slice ts_slice(ts);
    rocksdb::ReadOptions ro;
    ro.timestamp = &ts_slice;
    std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(ro));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      const rocksdb::Slice k = it->key();
      const rocksdb::Slice v = it->value();
      if (!checker->Item(std::string_view(k.data(), k.size()),
                         std::string_view(v.data(), v.size()))) {
        return absl::OkStatus();  // The checker holds the error.
      }
    }
    return RocksStatus(it->status(), "iterator");
  }

  absl::Status PrepareDurable() override { return absl::OkStatus(); }

  absl::Status DurablePut(std::string_view key,
                          std::string_view value) override {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    const std::string ts = EncodeRocksTs(clock_.fetch_add(1) + 1);
    return RocksStatus(db_->Put(wo, db_->DefaultColumnFamily(),
                                rocksdb::Slice(key.data(), key.size()), ts,
                                rocksdb::Slice(value.data(), value.size())),
                       "put");
  }

  absl::Status Close() override {
    if (db_ == nullptr) return absl::OkStatus();
    absl::Status s = RocksStatus(db_->Close(), "close");
    db_.reset();
    return s;
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::atomic<uint64_t> clock_{0};
};

std::unique_ptr<Engine> MakeEngine(const std::string& name,
                                   const Config& config) {
  if (name == "zverse") return std::make_unique<ZVerseEngine>(config);
  if (name == "lmdb") return std::make_unique<LmdbEngine>(config);
  return std::make_unique<RocksEngine>(config);
}

// ---------------------------------------------------------------------------
// Measurements and the suite.

const char* WorkloadUnit(std::string_view w) {
  return absl::StartsWith(Av(w), "scan") ? "items/s" : "ops/s";
}

struct Measurement {
  std::string engine;
  std::string workload;
  uint64_t keys = 0;
  uint64_t ops_per_run = 0;
  std::vector<double> rates;    // ops/s of each run.
  std::vector<double> seconds;  // Duration of each run.
  std::string error;            // Non-empty: the workload failed.
  std::vector<std::pair<std::string, double>> extra;

  double median() const { return Median(rates); }
  bool ok() const { return error.empty() && !rates.empty(); }
};

class Suite {
 public:
  explicit Suite(const Config& config) : config_(config) {}

  // Runs every enabled workload on one engine for one key count.
  void Run(const std::string& engine_name, const Workload& w,
           const std::string& dir) {
    std::unique_ptr<Engine> engine = MakeEngine(engine_name, config_);
    engine_ = engine.get();
    n_ = w.n;
    Progress("open ", dir);
    absl::Status s = engine->Open(dir, w.n);
    if (!s.ok()) {
      Fail("load", s);
      return;
    }
    settings_[std::string(engine->name())] = engine->Settings();

    // load: one version per key.
    if (!TimedLoad("load", w, {0}, dir)) {
      FinishEngine(engine.get(), dir);
      return;
    }
    const bool verified_1v = Verify(w, 0, /*as_of=*/false);
    if (WorkloadEnabled(config_, "get_latest")) {
      Repeat("get_latest", w.gets.size(), verified_1v,
             [&] { return engine->GetLatest(w, w.gets, 0, Check::kHeader); });
    }
    if (WorkloadEnabled(config_, "scan")) {
      RepeatScan("scan", 0, verified_1v);
    }

    const bool versions_allowed =
        config_.versions_max_keys == 0 || w.n <= config_.versions_max_keys;
    if (WorkloadEnabled(config_, "load_versions") && !versions_allowed) {
      Progress(
          "skipping load_versions and the *_4v workloads (N > "
          "--versions_max_keys ",
          config_.versions_max_keys, ")");
    }
    if (WorkloadEnabled(config_, "load_versions") && versions_allowed) {
      std::vector<uint32_t> rounds;
      for (uint32_t v = 1; v < kVersions; ++v) rounds.push_back(v);
      if (TimedLoad("load_versions", w, rounds, dir)) {
        const uint32_t newest = kVersions - 1;
        const bool verified_4v = Verify(w, newest, /*as_of=*/true);
        if (WorkloadEnabled(config_, "get_latest_4v")) {
          Repeat("get_latest_4v", w.gets.size(), verified_4v, [&] {
            return engine->GetLatest(w, w.gets, newest, Check::kHeader);
          });
        }
        if (WorkloadEnabled(config_, "get_asof_4v")) {
          Repeat("get_asof_4v", w.gets.size(), verified_4v,
                 [&] { return engine->GetAsOf(w, w.gets, Check::kHeader); });
        }
        if (WorkloadEnabled(config_, "scan_4v")) {
          RepeatScan("scan_4v", newest, verified_4v);
        }
      }
    }

    if (WorkloadEnabled(config_, "durable_put")) Durable(w);
    FinishEngine(engine.get(), dir);
  }

  const std::vector<Measurement>& results() const { return results_; }
  const std::map<std::string, std::string>& settings() const {
    return settings_;
  }

 private:
  template <typename... Args>
  void Progress(const Args&... args) {
    std::cerr << "[" << engine_->name() << " N=" << n_ << "] "
              << absl::StrCat(args...) << std::endl;
  }

  Measurement& Add(const std::string& workload, uint64_t ops) {
    Measurement m;
    m.engine = std::string(engine_->name());
    m.workload = workload;
    m.keys = n_;
    m.ops_per_run = ops;
    results_.push_back(std::move(m));
    return results_.back();
  }

  void Fail(const std::string& workload, const absl::Status& s) {
    Measurement& m = Add(workload, 0);
    m.error = s.ToString();
    Progress(workload, " FAILED: ", m.error);
  }

  bool TimedLoad(const std::string& workload, const Workload& w,
                 const std::vector<uint32_t>& versions,
                 const std::string& dir) {
    Progress(workload, ": writing ", versions.size() * w.n, " entries");
    Stopwatch sw;
    absl::Status s;
    for (uint32_t v : versions) {
      s = engine_->Load(w, v);
      if (!s.ok()) break;
    }
    const double durable_s = sw.Seconds();
    if (s.ok()) s = engine_->WaitIdle();
    const double total_s = sw.Seconds();
    if (!s.ok()) {
      Fail(workload, s);
      return false;
    }
    const uint64_t ops = versions.size() * w.n;
    Measurement& m = Add(workload, ops);
    m.seconds.push_back(total_s);
    m.rates.push_back(static_cast<double>(ops) / total_s);
    m.extra.emplace_back("seconds_until_durable", durable_s);
    m.extra.emplace_back("seconds_waiting_for_background_work",
                         total_s - durable_s);
    m.extra.emplace_back("disk_bytes",
                         static_cast<double>(DirectoryDiskBytes(dir)));
    Progress(workload, ": ", FormatRate(m.rates.back()), " ops/s (",
             absl::StrFormat("%.2f", total_s), " s, of which ",
             absl::StrFormat("%.2f", total_s - durable_s),
             " s waiting for background work); on disk ",
             FormatBytes(DirectoryDiskBytes(dir)));
    return true;
  }

  // Untimed byte-for-byte checks; failures are recorded against the read
  // workloads that depend on them.
  bool Verify(const Workload& w, uint32_t newest, bool as_of) {
    Progress("verifying ", w.verify.size(), " keys",
             as_of ? " (newest and as-of)" : "", " and a full scan");
    absl::Status s = engine_->GetLatest(w, w.verify, newest, Check::kFull);
    if (s.ok() && as_of) s = engine_->GetAsOf(w, w.verify, Check::kFull);
    if (s.ok()) {
      ScanChecker checker(engine_->name(), w.pattern, newest, Check::kFull);
      s = engine_->Scan(&checker);
      if (s.ok()) s = checker.Finish(w.n);
    }
    if (!s.ok()) {
      verify_error_ = s;
      Progress("VERIFICATION FAILED: ", s.ToString());
      return false;
    }
    return true;
  }

  template <typename Fn>
  void Repeat(const std::string& workload, uint64_t ops, bool verified, Fn fn) {
    if (!verified) {
      Fail(workload, verify_error_);
      return;
    }
    Measurement m;
    m.engine = std::string(engine_->name());
    m.workload = workload;
    m.keys = n_;
    m.ops_per_run = ops;
    for (int r = 0; r < config_.repetitions; ++r) {
      Stopwatch sw;
      absl::Status s = fn();
      const double sec = sw.Seconds();
      if (!s.ok()) {
        Fail(workload, s);
        return;
      }
      m.seconds.push_back(sec);
      m.rates.push_back(static_cast<double>(ops) / sec);
      Progress(workload, " run ", r + 1, "/", config_.repetitions, ": ",
               FormatRate(m.rates.back()), " ", WorkloadUnit(workload));
    }
    results_.push_back(std::move(m));
  }

  void RepeatScan(const std::string& workload, uint32_t version,
                  bool verified) {
    const std::string_view engine_name = engine_->name();
    Repeat(workload, n_, verified, [&]() -> absl::Status {
      ScanChecker checker(engine_name, config_.pattern, version,
                          Check::kHeader);
      ZVERSE_RETURN_IF_ERROR(engine_->Scan(&checker));
      return checker.Finish(n_);
    });
  }

  void Durable(const Workload& w) {
    absl::Status s = engine_->PrepareDurable();
    if (!s.ok()) {
      Fail("durable_put", s);
      return;
    }
    Progress("durable_put: ", config_.threads, " threads for ",
             config_.durable_seconds, " s");
    std::atomic<bool> stop{false};
    std::atomic<uint64_t> total{0};
    std::vector<absl::Status> errors(config_.threads);
    std::vector<std::thread> threads;
    Stopwatch sw;
    for (int t = 0; t < config_.threads; ++t) {
      threads.emplace_back([&, t] {
        char key[kKeySize];
        char value[kValueSize];
        uint64_t ops = 0;
        // New keys, disjoint per thread and from the loaded ones.
        uint64_t idx = w.n + (static_cast<uint64_t>(t) << 36);
        while (!stop.load(std::memory_order_relaxed)) {
          MakeKey(w.pattern, idx, key);
          MakeValue(idx, 0, value);
          ++idx;
          absl::Status st =
              engine_->DurablePut(std::string_view(key, kKeySize),
                                  std::string_view(value, kValueSize));
          if (!st.ok()) {
            errors[t] = st;
            stop = true;
            break;
          }
          ++ops;
        }
        total += ops;
      });
    }
    while (sw.Seconds() < config_.durable_seconds && !stop.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    stop = true;
    for (std::thread& t : threads) t.join();
    const double sec = sw.Seconds();
    for (const absl::Status& e : errors) {
      if (!e.ok()) {
        Fail("durable_put", e);
        return;
      }
    }
    Measurement& m = Add("durable_put", total.load());
    m.seconds.push_back(sec);
    m.rates.push_back(static_cast<double>(total.load()) / sec);
    m.extra.emplace_back("threads", config_.threads);
    Progress("durable_put: ", FormatRate(m.rates.back()), " ops/s (",
             total.load(), " puts)");
  }

  void FinishEngine(Engine* engine, const std::string& dir) {
    absl::Status s = engine->Close();
    if (!s.ok()) Progress("close: ", s.ToString());
    s = RemoveTree(dir);
    if (!s.ok()) Progress(s.ToString());
  }

  const Config& config_;
  Engine* engine_ = nullptr;
  uint64_t n_ = 0;
  absl::Status verify_error_;
  std::vector<Measurement> results_;
  std::map<std::string, std::string> settings_;
};

// ---------------------------------------------------------------------------
// Output.

std::string NowUtc() {
  const std::time_t t = std::time(nullptr);
  std::tm tm;
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

const Measurement* Find(const std::vector<Measurement>& results,
                        std::string_view engine, std::string_view workload,
                        uint64_t keys) {
  for (const Measurement& m : results) {
    if (m.engine == engine && m.workload == workload && m.keys == keys) {
      return &m;
    }
  }
  return nullptr;
}

std::string Cell(const Measurement* m) {
  if (m == nullptr) return "—";
  if (!m->error.empty()) {
    return absl::StrContains(m->error, "wrong value") ? "**WRONG DATA**"
                                                      : "**FAILED**";
  }
  return FormatRate(m->median());
}

double Ratio(const Measurement* a, const Measurement* b) {
  if (a == nullptr || b == nullptr || !a->ok() || !b->ok()) return std::nan("");
  return a->median() / b->median();
}

std::string RatioCell(double r) {
  if (!std::isfinite(r)) return "—";
  return absl::StrFormat("%.2f×", r);
}

std::string Markdown(const Config& c, const std::vector<Measurement>& results,
                     const std::map<std::string, std::string>& settings,
                     const std::string& date, double total_seconds,
                     const std::string& load_before,
                     const std::string& load_after) {
  std::string md;
  absl::StrAppend(&md, "# ZVerse vs LMDB vs RocksDB — KV workloads\n\n");
  absl::StrAppend(&md, "Generated by `kv_compare` at ", date, " in ",
                  absl::StrFormat("%.0f", total_seconds), " s on ",
                  MachineDescription(), "; load average (1/5/15 min) ",
                  load_before, " at the start, ", load_after,
                  " at the end.\n\n");
  absl::StrAppend(
      &md, "Keys of 16 bytes (", KeyPatternName(c.pattern),
      "), values of 100 bytes; ", c.reads, " random gets per run, ",
      c.read_batch, " gets per snapshot/read txn, write batches of ",
      c.write_batch, " keys; read workloads are medians of ", c.repetitions,
      " runs, loads and durable_put run once; durable_put: ", c.threads,
      " threads for ", c.durable_seconds, " s; seed ", c.seed,
      ". Every value read was checked against the version it must be.\n\n");
  if (c.versions_max_keys != 0) {
    std::vector<std::string> skipped;
    for (uint64_t n : c.keys) {
      if (n > c.versions_max_keys) skipped.push_back(absl::StrCat(n));
    }
    if (!skipped.empty()) {
      absl::StrAppend(&md,
                      "**Not run:** load_versions, get_latest_4v, "
                      "get_asof_4v and scan_4v at ",
                      absl::StrJoin(skipped, ", "),
                      " keys (`--versions_max_keys ", c.versions_max_keys,
                      "`), to keep the run short.\n\n");
    }
  }

  // Goals.
  struct Goal {
    const char* text;
    const char* workload;
    const char* peer;
    double target;
  };
  const Goal goals[] = {
      {"get latest ≥ 2× LMDB", "get_latest", "LMDB", 2},
      {"get latest (4 versions/key) ≥ 2× LMDB", "get_latest_4v", "LMDB", 2},
      {"as-of get ≥ 3× LMDB", "get_asof_4v", "LMDB", 3},
      {"as-of get ≥ 10× RocksDB", "get_asof_4v", "RocksDB", 10},
      {"scan ≥ LMDB cursor", "scan", "LMDB", 1},
      {"scan (4 versions/key) ≥ LMDB cursor", "scan_4v", "LMDB", 1},
  };
  absl::StrAppend(&md,
                  "## Goals (from the issue)\n\nReference points quoted in "
                  "the issue: LMDB ≈ 0.86 M gets/s at 1M keys, LMDB cursor "
                  "scan ≈ 40 M items/s. Measured here, same run:\n\n");
  absl::StrAppend(&md, "| goal | keys | ZVerse | peer | ratio | met |\n");
  absl::StrAppend(&md, "|---|---:|---:|---:|---:|:---:|\n");
  for (const Goal& g : goals) {
    for (uint64_t n : c.keys) {
      const Measurement* z = Find(results, "ZVerse", g.workload, n);
      const Measurement* p = Find(results, g.peer, g.workload, n);
      if (z == nullptr && p == nullptr) continue;
      const double r = Ratio(z, p);
      absl::StrAppend(
          &md, "| ", g.text, " | ", n, " | ", Cell(z), " | ", Cell(p), " | ",
          RatioCell(r), " | ",
          std::isfinite(r) ? (r >= g.target ? "yes" : "**no**") : "n/a",
          " |\n");
    }
  }

  absl::StrAppend(&md, "\n## Results\n\n");
  absl::StrAppend(&md,
                  "| workload | keys | ZVerse ops/s | LMDB ops/s | RocksDB "
                  "ops/s | ZVerse/LMDB | ZVerse/RocksDB |\n");
  absl::StrAppend(&md, "|---|---:|---:|---:|---:|---:|---:|\n");
  for (uint64_t n : c.keys) {
    for (const char* w : kAllWorkloads) {
      const Measurement* z = Find(results, "ZVerse", w, n);
      const Measurement* l = Find(results, "LMDB", w, n);
      const Measurement* r = Find(results, "RocksDB", w, n);
      if (z == nullptr && l == nullptr && r == nullptr) continue;
      absl::StrAppend(&md, "| ", w, " | ", n, " | ", Cell(z), " | ", Cell(l),
                      " | ", Cell(r), " | ", RatioCell(Ratio(z, l)), " | ",
                      RatioCell(Ratio(z, r)), " |\n");
    }
  }
  absl::StrAppend(
      &md,
      "\nScans count items (keys) per second. Ratios above 1 mean ZVerse is "
      "faster. M = 10^6, k = 10^3.\n");

  // Space.
  absl::StrAppend(&md, "\n## On-disk size after loading\n\n");
  absl::StrAppend(&md,
                  "| keys | versions/key | logical data | ZVerse | LMDB | "
                  "RocksDB |\n|---:|---:|---:|---:|---:|---:|\n");
  for (uint64_t n : c.keys) {
    for (const char* w : {"load", "load_versions"}) {
      const uint32_t versions = std::string_view(w) == "load" ? 1 : kVersions;
      std::string row =
          absl::StrCat("| ", n, " | ", versions, " | ",
                       FormatBytes(n * versions * (kKeySize + kValueSize)));
      bool any = false;
      for (const char* e : {"ZVerse", "LMDB", "RocksDB"}) {
        const Measurement* m = Find(results, e, w, n);
        std::string cell = "—";
        if (m != nullptr && m->ok()) {
          for (const auto& [k, v] : m->extra) {
            if (k == "disk_bytes") {
              cell = FormatBytes(static_cast<uint64_t>(v));
              any = true;
            }
          }
        }
        absl::StrAppend(&row, " | ", cell);
      }
      if (any) absl::StrAppend(&md, row, " |\n");
    }
  }

  // Failures.
  bool header = false;
  for (const Measurement& m : results) {
    if (m.error.empty()) continue;
    if (!header) {
      absl::StrAppend(&md, "\n## Failures\n\n");
      header = true;
    }
    absl::StrAppend(&md, "- ", m.engine, " ", m.workload, " N=", m.keys, ": `",
                    m.error, "`\n");
  }

  absl::StrAppend(&md, "\n## Engine settings\n\n");
  for (const auto& [engine, s] : settings) {
    absl::StrAppend(&md, "- ", engine, ": ", s, "\n");
  }
  absl::StrAppend(&md,
                  "\nWorkloads are described in `bench/README.md` and "
                  "`kv_compare --help`.\n");
  return md;
}

std::string Json(const Config& c, const std::vector<Measurement>& results,
                 const std::map<std::string, std::string>& settings,
                 const std::string& date, const std::string& load_before,
                 bool complete) {
  std::string j = "{\n";
  absl::StrAppend(&j, "  \"program\": \"kv_compare\",\n");
  absl::StrAppend(&j, "  \"date\": \"", date, "\",\n");
  absl::StrAppend(&j, "  \"complete\": ", complete ? "true" : "false", ",\n");
  absl::StrAppend(&j, "  \"machine\": \"", JsonEscape(MachineDescription()),
                  "\",\n");
  absl::StrAppend(&j, "  \"load_average_start\": \"", load_before,
                  "\",\n  \"load_average_now\": \"", LoadAverage(), "\",\n");
  std::vector<std::string> keys;
  for (uint64_t n : c.keys) keys.push_back(absl::StrCat(n));
  absl::StrAppend(
      &j, "  \"config\": {\"keys\": [", absl::StrJoin(keys, ", "),
      "], \"key_size\": ", kKeySize, ", \"value_size\": ", kValueSize,
      ", \"key_pattern\": \"", KeyPatternName(c.pattern),
      "\", \"repetitions\": ", c.repetitions, ", \"reads\": ", c.reads,
      ", \"read_batch\": ", c.read_batch, ", \"write_batch\": ", c.write_batch,
      ", \"threads\": ", c.threads,
      ", \"durable_seconds\": ", JsonNumber(c.durable_seconds),
      ", \"seed\": ", c.seed, ", \"verify_sample\": ", c.verify_sample,
      ", \"versions_per_key\": ", kVersions,
      ", \"rocksdb_cache_mb\": ", c.rocksdb_cache_mb,
      ", \"versions_max_keys\": ", c.versions_max_keys, "},\n");
  absl::StrAppend(&j, "  \"engine_settings\": {");
  bool first = true;
  for (const auto& [e, s] : settings) {
    absl::StrAppend(&j, first ? "" : ", ", "\"", JsonEscape(e), "\": \"",
                    JsonEscape(s), "\"");
    first = false;
  }
  absl::StrAppend(&j, "},\n  \"results\": [\n");
  for (size_t i = 0; i < results.size(); ++i) {
    const Measurement& m = results[i];
    absl::StrAppend(&j, "    {\"engine\": \"", m.engine, "\", \"workload\": \"",
                    m.workload, "\", \"keys\": ", m.keys, ", \"unit\": \"",
                    WorkloadUnit(m.workload), "\", \"status\": \"",
                    m.error.empty() ? "ok" : "failed", "\"");
    if (!m.error.empty()) {
      absl::StrAppend(&j, ", \"error\": \"", JsonEscape(m.error), "\"");
    }
    absl::StrAppend(&j, ", \"ops_per_run\": ", m.ops_per_run,
                    ", \"median_ops_per_s\": ", JsonNumber(m.median()),
                    ", \"ops_per_s\": ", JsonNumberList(m.rates),
                    ", \"seconds\": ", JsonNumberList(m.seconds));
    for (const auto& [k, v] : m.extra) {
      absl::StrAppend(&j, ", \"", k, "\": ", JsonNumber(v));
    }
    absl::StrAppend(&j, "}", i + 1 < results.size() ? "," : "", "\n");
  }
  absl::StrAppend(&j, "  ]\n}\n");
  return j;
}

int Main(int argc, char** argv) {
  bool help = false;
  absl::StatusOr<Config> parsed = ParseFlags(argc, argv, &help);
  if (help) {
    std::cout << kHelp;
    return 0;
  }
  if (!parsed.ok()) {
    std::cerr << "kv_compare: " << parsed.status().message() << "\n";
    return 2;
  }
  const Config& c = *parsed;

  bool own_base = false;
  absl::StatusOr<std::string> scratch = ScratchBase(c.dir, "zverse-kv-compare-", &own_base);
  if (!scratch.ok()) {
    std::cerr << "kv_compare: " << scratch.status() << "\n";
    return 1;
  }
  const std::string base = *scratch;
  const std::string date = NowUtc();
  const std::string load_before = LoadAverage();
  std::cerr << "kv_compare: databases under " << base << "\n";

  Suite suite(c);
  Stopwatch total;
  for (uint64_t n : c.keys) {
    Workload w;
    w.n = n;
    w.pattern = c.pattern;
    w.write_batch = c.write_batch;
    w.read_batch = c.read_batch;
    w.gets = MakeQueries(n, c.reads, c.pattern, c.seed);
    w.verify = MakeQueries(n, std::min<uint64_t>(c.verify_sample, n), c.pattern,
                           c.seed + 1);
    for (const std::string& e : c.engines) {
      suite.Run(e, w, absl::StrCat(base, "/", e, "-", n));
      if (!c.json_path.empty()) {
        absl::Status s =
            WriteTextFile(c.json_path, Json(c, suite.results(), suite.settings(),
                                        date, load_before, false));
        if (!s.ok()) std::cerr << "kv_compare: " << s << "\n";
      }
    }
  }
  if (own_base) RemoveTree(base).IgnoreError();

  const std::string md = Markdown(c, suite.results(), suite.settings(), date,
                                  total.Seconds(), load_before, LoadAverage());
  std::cout << md;
  int rc = WriteReports("kv_compare", c.json_path,
                        Json(c, suite.results(), suite.settings(), date, load_before, true),
                        c.markdown_path, md);
  for (const Measurement& m : suite.results()) {
    if (!m.error.empty()) rc = 1;
  }
  return rc;
}

}  // namespace
}  // namespace zverse::bench

int main(int argc, char** argv) { return zverse::bench::Main(argc, argv); }
