// kv_concurrency: the KV engine's concurrency goals, measured on ZVerse
// (kv::DB) with LMDB and RocksDB as peers in the same run.
//
// Sections (16-byte keys, 100-byte values, fixed seeds):
//   readers  point gets of random keys from T threads at once (--threads),
//            each thread on its own read path (a snapshot or read txn of its
//            own); ops/s and the scaling ratio T threads / 1 thread.
//            Goal: 1 -> 2 threads >= 1.9x.
//   writers  W threads (--writers) each committing single puts, every
//            commit synced before it returns (ZVerse: SyncMode::kAlways,
//            concurrent committers share one sync); commits/s, syncs and
//            commits per sync. Goal: >= 100K commits/s.
//   load     --load_keys entries in durable write batches of --write_batch,
//            and (ZVerse) one DB::Ingest of them all. Goal: >= 1M entries/s.
//   latency  one reader timing every get (p50, p99, p99.9, max): idle, while
//            one writer commits, and (ZVerse) while another thread runs
//            DB::Compact over a database of several segments.
//
// It measures and reports; it never asserts on time. Every value read is
// checked (size, key index, version): a wrong or missing value fails that
// point, which is then reported as FAILED, never as a rate. See --help and
// bench/README.md for how each engine is driven.

#include <fcntl.h>
#include <lmdb.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
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
#include "rocksdb/db.h"
#include "rocksdb/filter_policy.h"
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/statistics.h"
#include "rocksdb/table.h"
#include "rocksdb/write_batch.h"

namespace zverse::bench {
namespace {

// ---------------------------------------------------------------------------
// Configuration and flags.

constexpr const char* kAllSections[] = {"readers", "writers", "load",
                                        "latency"};

struct Config {
  std::vector<std::string> engines = {"zverse", "lmdb", "rocksdb"};
  std::vector<std::string> sections;  // Empty: all.
  uint64_t keys = 1'000'000;
  std::vector<uint64_t> threads = {1, 2};
  std::vector<uint64_t> writers = {1, 2, 3, 4};
  double seconds = 2;
  int repetitions = 3;
  uint64_t read_batch = 1000;
  uint64_t load_keys = 1'000'000;
  uint64_t write_batch = 1000;
  uint64_t seal_mb = 4;
  uint64_t refill = 100'000;
  uint64_t compactions = 2;
  uint64_t verify_sample = 10'000;
  uint64_t seed = 42;
  uint64_t rocksdb_cache_mb = 1024;
  std::string dir;
  std::string json_path;
  std::string markdown_path;
};

constexpr const char* kHelp =
    R"(kv_concurrency: ZVerse's concurrency goals, with LMDB and RocksDB as
peers in the same run.

Usage: kv_concurrency [flags]

Data: keys of 16 bytes (8 bytes of a 64-bit mix of the index, then the index
big-endian), values of 100 bytes; value v of key i is a pure function of
(i, v) and carries both in its first 12 bytes, so every value read is checked
(size, index, version). A wrong or missing value fails that point (FAILED in
the report, never counted as a rate). The peers store plain keys (no
versions): this program measures concurrency, not versioning (kv_compare
does that).

Sections, run engine by engine in this order:
  readers  A database of --keys keys (loaded untimed: ZVerse one Ingest;
           LMDB txns of 100k keys with MDB_NOSYNC, then mdb_env_sync;
           RocksDB WriteBatches without WAL, then Flush and a full
           CompactRange), --verify_sample keys checked byte for byte, then
           for every read path and every thread count T of --threads: T
           threads each getting random keys (own seed per thread) for
           --seconds. Read paths:
             ZVerse  snapshot_per_get    DB::GetSnapshot() + Snapshot::Get
                                         for every get (the goal's path)
                     snapshot_per_batch  one snapshot per --read_batch gets
                     db_get              DB::Get (copies the value out)
             LMDB    txn_per_get         mdb_txn_reset + mdb_txn_renew of
                                         the thread's read txn, then mdb_get,
                                         for every get
                     txn_per_batch       reset/renew every --read_batch gets
             RocksDB get                 DB::Get into a PinnableSlice,
                                         default ReadOptions
           Reports ops/s (all threads together) and T/1 ratios.
  latency  On the same database, one reader thread times every get (the
           first read path above: a fresh snapshot / renewed txn per get;
           the time covers snapshot + get) for --seconds, in phases:
             idle       nothing else runs
             writer     one thread commits single durable puts of new keys
                        continuously (ZVerse kAlways, LMDB synced commit,
                        RocksDB sync=true)
             compaction ZVerse only, on a database of its own (rebuilt per
                        repetition): --keys keys written in batches of
                        --write_batch with seal_threshold_bytes = --seal_mb
                        MiB and SyncMode::kNever, then DB::Seal, so the data
                        is spread over several segments. Another thread
                        loops: DB::Compact(), then --refill updates of
                        random keys in batches (sealing new segments), then
                        Compact again, for --seconds and at least
                        --compactions compactions. Gets that overlap a
                        Compact() call
                        are reported as during_compaction, all gets of the
                        phase as compaction_phase.
           Reports p50, p99, p99.9 and max in microseconds.
  writers  A fresh database opened durable; for W in --writers, W threads
           each putting new keys one at a time for --seconds. ZVerse:
           SyncMode::kAlways (group commit). LMDB: default durable commit
           (one writer at a time; data and meta page synced per commit).
           RocksDB: WriteOptions::sync = true (WAL group commit). Reports
           commits/s, syncs (ZVerse Stats::syncs, RocksDB WAL_FILE_SYNCED;
           LMDB does not count) and commits per sync.
  load     --load_keys entries (version 0) into a fresh database per
           repetition, in batches of --write_batch, every batch durable
           before the next: ZVerse DB::Write (kAlways), LMDB one txn per
           batch (synced commit), RocksDB WriteBatch with sync = true; and
           ZVerse one DB::Ingest(std::move(batch)) of all the entries
           (building the batch is timed too). Generating the keys and values
           is inside every timed loop; its cost alone is reported.
The timed points run --repetitions times (interleaved: repetition r of every
thread count before repetition r + 1); the report shows medians.

Flags (--flag=value or --flag value):
  --engines LIST       subset of zverse,lmdb,rocksdb (default all three)
  --sections LIST      subset of readers,latency,writers,load (default all)
  --keys N             keys of the read database (default 1000000; k/M
                       suffixes allowed)
  --threads LIST       reader thread counts (default 1,2; e.g. 1,2,4,8,16
                       on a bigger machine); the ratios are to 1 thread
  --writers LIST       writer thread counts (default 1,2,3,4)
  --seconds S          duration of every timed point (default 2)
  --repetitions R      runs of every point (default 3); medians reported
  --read_batch N       gets per snapshot / read txn in the *_per_batch read
                       paths (default 1000)
  --load_keys N        entries of each batched load (default 1000000)
  --write_batch N      entries per batch in the loads (default 1000)
  --seal_mb M          ZVerse seal threshold of the compaction phase's
                       database, MiB (default 4)
  --refill N           updates written between two compactions in the
                       compaction phase (default 100000)
  --compactions N      the compaction phase runs --seconds and at least N
                       compactions (default 2)
  --verify_sample N    keys checked byte for byte before the reads
                       (default 10000)
  --seed S             seed of the key streams (default 42)
  --rocksdb_cache_mb M RocksDB block cache (default 1024)
  --dir DIR            parent directory for the databases (default: a new
                       directory under /tmp, removed at the end); each
                       database has its own sub-directory, deleted after use
  --json FILE          write every measurement as JSON
  --markdown FILE      write the Markdown report (also printed to stdout)
  --help               this text

Progress goes to stderr, the Markdown report to stdout. Exit status 1 if any
point failed.
)";

bool SectionEnabled(const Config& c, std::string_view s) {
  if (c.sections.empty()) return true;
  return std::find(c.sections.begin(), c.sections.end(), s) !=
         c.sections.end();
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
    } else if (f == "--engines") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      c.engines = list(v);
      for (const std::string& e : c.engines) {
        if (e != "zverse" && e != "lmdb" && e != "rocksdb") {
          return absl::InvalidArgumentError(absl::StrCat("unknown engine ", e));
        }
      }
    } else if (f == "--sections") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      c.sections = list(v);
      for (const std::string& s : c.sections) {
        if (std::find_if(std::begin(kAllSections), std::end(kAllSections),
                         [&](const char* k) { return s == k; }) ==
            std::end(kAllSections)) {
          return absl::InvalidArgumentError(
              absl::StrCat("unknown section ", s));
        }
      }
    } else if (f == "--keys") {
      ZVERSE_RETURN_IF_ERROR(count(&c.keys));
    } else if (f == "--threads" || f == "--writers") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      ZVERSE_ASSIGN_OR_RETURN(std::vector<uint64_t> l, ParseCountList(v));
      for (uint64_t t : l) {
        if (t < 1 || t > 1024) {
          return absl::InvalidArgumentError(
              absl::StrCat(f, ": thread counts must be in 1..1024"));
        }
      }
      (f == "--threads" ? c.threads : c.writers) = l;
    } else if (f == "--seconds") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      if (!absl::SimpleAtod(v, &c.seconds) || !(c.seconds > 0)) {
        return absl::InvalidArgumentError("bad --seconds");
      }
    } else if (f == "--repetitions") {
      ZVERSE_RETURN_IF_ERROR(count(&n));
      c.repetitions = static_cast<int>(n);
    } else if (f == "--read_batch") {
      ZVERSE_RETURN_IF_ERROR(count(&c.read_batch));
    } else if (f == "--load_keys") {
      ZVERSE_RETURN_IF_ERROR(count(&c.load_keys));
    } else if (f == "--write_batch") {
      ZVERSE_RETURN_IF_ERROR(count(&c.write_batch));
    } else if (f == "--seal_mb") {
      ZVERSE_RETURN_IF_ERROR(count(&c.seal_mb));
    } else if (f == "--refill") {
      ZVERSE_RETURN_IF_ERROR(count(&c.refill));
    } else if (f == "--compactions") {
      ZVERSE_RETURN_IF_ERROR(count(&c.compactions));
    } else if (f == "--verify_sample") {
      ZVERSE_RETURN_IF_ERROR(count(&c.verify_sample));
    } else if (f == "--seed") {
      ZVERSE_RETURN_IF_ERROR(count(&c.seed));
    } else if (f == "--rocksdb_cache_mb") {
      ZVERSE_RETURN_IF_ERROR(count(&c.rocksdb_cache_mb));
    } else if (f == "--dir") {
      ZVERSE_ASSIGN_OR_RETURN(c.dir, p.Value());
    } else if (f == "--json") {
      ZVERSE_ASSIGN_OR_RETURN(c.json_path, p.Value());
    } else if (f == "--markdown") {
      ZVERSE_ASSIGN_OR_RETURN(c.markdown_path, p.Value());
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag ", f, " (see --help)"));
    }
  }
  if (c.repetitions < 1 || c.keys < 1 || c.read_batch < 1 ||
      c.load_keys < 1 || c.write_batch < 1 || c.seal_mb < 1) {
    return absl::InvalidArgumentError(
        "--repetitions, --keys, --read_batch, --load_keys, --write_batch and "
        "--seal_mb must be >= 1");
  }
  return c;
}

// ---------------------------------------------------------------------------
// Keys, values and their checks.

// A thread's stream of random key indexes in [0, n): splitmix64 over a
// counter, scaled by a multiply-high (no modulo bias worth mentioning).
class KeyStream {
 public:
  KeyStream(uint64_t n, uint64_t seed) : n_(n), state_(Mix64(seed)) {}
  uint64_t Next() {
    return static_cast<uint64_t>(
        (static_cast<unsigned __int128>(Mix64(state_++)) * n_) >> 64);
  }

 private:
  uint64_t n_;
  uint64_t state_;
};

inline uint64_t ThreadSeed(uint64_t seed, uint64_t stream, uint64_t t) {
  return Mix64(seed * 1'000'003 + stream * 4099 + t);
}

constexpr int kAnyVersion = -1;

// The cheap check of the timed loops: size, key index, and the version unless
// kAnyVersion.
inline bool ValueOk(std::string_view v, uint64_t idx, int version) {
  return v.size() == kValueSize && LoadLittle64(v.data()) == idx &&
         (version == kAnyVersion ||
          ValueVersion(v) == static_cast<uint32_t>(version));
}

absl::Status WrongValue(std::string_view engine, uint64_t idx,
                        std::string_view key, int version,
                        std::string_view got) {
  return absl::InternalError(absl::StrCat(
      Av(engine), " returned a wrong value: key #", idx, " (", HexKey(key),
      ") should be version ",
      version == kAnyVersion ? std::string("any") : absl::StrCat(version),
      ", got ", DescribeValue(got)));
}

absl::Status ReadFailed(std::string_view engine, uint64_t idx,
                        std::string_view key, const absl::Status& s) {
  return absl::InternalError(absl::StrCat(Av(engine), " get of key #", idx,
                                          " (", HexKey(key),
                                          ") failed: ", s.ToString()));
}

// ---------------------------------------------------------------------------
// Engines.

// One thread's read path. Created, used and destroyed in one thread.
class Reader {
 public:
  virtual ~Reader() = default;
  // Looks up `key`; *value is valid until the next call.
  virtual absl::Status Get(std::string_view key, std::string_view* value) = 0;
};

struct ReadPath {
  const char* id;
  const char* what;
};

// Commit and sync counters of a durable database (known = false where the
// engine does not count syncs).
struct SyncCounters {
  bool known = false;
  uint64_t syncs = 0;
};

class Engine {
 public:
  explicit Engine(const Config& config) : config_(config) {}
  virtual ~Engine() = default;

  virtual std::string_view name() const = 0;
  virtual std::string Settings() const = 0;
  // Creates an empty database in `dir` whose commits are durable.
  // `count_syncs`: the engine should count its syncs (see Counters), where
  // that costs something.
  virtual absl::Status Open(const std::string& dir, bool count_syncs) = 0;
  // Untimed setup of the read database: version 0 of keys [0, n), by the
  // engine's fastest path, durable when it returns.
  virtual absl::Status BulkLoad(uint64_t n) = 0;
  // The read paths; the first is the one the latency section uses.
  virtual std::vector<ReadPath> ReadPaths() const = 0;
  virtual absl::StatusOr<std::unique_ptr<Reader>> NewReader(
      std::string_view path) = 0;
  // A durable put of one key. Called from several threads at once.
  virtual absl::Status Put(std::string_view key, std::string_view value) = 0;
  // The timed load: version 0 of keys [0, n) in durable batches.
  virtual absl::Status LoadBatches(uint64_t n, uint64_t batch) = 0;
  // Returns once background work (flushes, compactions) is done.
  virtual absl::Status WaitIdle() { return absl::OkStatus(); }
  virtual SyncCounters Counters() const { return {}; }
  virtual absl::Status Close() = 0;

 protected:
  const Config& config_;
};

// --- ZVerse ----------------------------------------------------------------

class ZVerseReader : public Reader {
 public:
  enum class Mode { kSnapshotPerGet, kSnapshotPerBatch, kDbGet };
  ZVerseReader(const kv::DB* db, Mode mode, uint64_t batch)
      : db_(db), mode_(mode), batch_(batch) {}

  absl::Status Get(std::string_view key, std::string_view* value) override {
    switch (mode_) {
      case Mode::kSnapshotPerGet: {
        // Assigning releases the previous snapshot: one acquire and one
        // release per get.
        ZVERSE_ASSIGN_OR_RETURN(snap_, db_->GetSnapshot());
        ZVERSE_ASSIGN_OR_RETURN(*value, snap_.Get(key));
        return absl::OkStatus();
      }
      case Mode::kSnapshotPerBatch: {
        if (count_++ % batch_ == 0) {
          ZVERSE_ASSIGN_OR_RETURN(snap_, db_->GetSnapshot());
        }
        ZVERSE_ASSIGN_OR_RETURN(*value, snap_.Get(key));
        return absl::OkStatus();
      }
      case Mode::kDbGet: {
        ZVERSE_ASSIGN_OR_RETURN(copy_, db_->Get(key));
        *value = copy_;
        return absl::OkStatus();
      }
    }
    return absl::InternalError("bad mode");
  }

 private:
  const kv::DB* db_;
  Mode mode_;
  uint64_t batch_;
  uint64_t count_ = 0;
  kv::Snapshot snap_;
  std::string copy_;
};

class ZVerseEngine : public Engine {
 public:
  using Engine::Engine;
  std::string_view name() const override { return "ZVerse"; }

  std::string Settings() const override {
    return absl::StrCat(
        "kv::Options defaults (SyncMode::kAlways: every commit synced, "
        "concurrent committers share one sync); read database loaded with "
        "DB::Ingest; compaction phase: seal_threshold_bytes = ",
        config_.seal_mb, " MiB, SyncMode::kNever");
  }

  absl::Status Open(const std::string& dir, bool count_syncs) override {
    kv::Options options;
    options.sync_mode = kv::SyncMode::kAlways;
    return OpenWith(dir, options);
  }

  absl::Status OpenWith(const std::string& dir, const kv::Options& options) {
    ZVERSE_ASSIGN_OR_RETURN(db_, kv::DB::Open(dir, options));
    return absl::OkStatus();
  }

  absl::Status BulkLoad(uint64_t n) override {
    // Ingests of at most 1M entries (memory), then one merge if several.
    constexpr uint64_t kChunk = 1'000'000;
    char key[kKeySize], value[kValueSize];
    for (uint64_t start = 0; start < n; start += kChunk) {
      const uint64_t end = std::min(n, start + kChunk);
      kv::WriteBatch batch;
      batch.Reserve(end - start, (end - start) * (kKeySize + kValueSize));
      for (uint64_t i = start; i < end; ++i) {
        MakeKey(KeyPattern::kHashed, i, key);
        MakeValue(i, 0, value);
        batch.Put(std::string_view(key, kKeySize),
                  std::string_view(value, kValueSize));
      }
      ZVERSE_RETURN_IF_ERROR(db_->Ingest(std::move(batch)).status());
    }
    if (n > kChunk) return db_->Compact();
    return absl::OkStatus();
  }

  std::vector<ReadPath> ReadPaths() const override {
    return {{"snapshot_per_get", "GetSnapshot() + Snapshot::Get per get"},
            {"snapshot_per_batch", "one snapshot per --read_batch gets"},
            {"db_get", "DB::Get (copies the value)"}};
  }

  absl::StatusOr<std::unique_ptr<Reader>> NewReader(
      std::string_view path) override {
    ZVerseReader::Mode mode = ZVerseReader::Mode::kSnapshotPerGet;
    if (path == "snapshot_per_batch") {
      mode = ZVerseReader::Mode::kSnapshotPerBatch;
    } else if (path == "db_get") {
      mode = ZVerseReader::Mode::kDbGet;
    }
    return std::make_unique<ZVerseReader>(db_.get(), mode, config_.read_batch);
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    return db_->Put(key, value).status();
  }

  absl::Status LoadBatches(uint64_t n, uint64_t batch_size) override {
    kv::WriteBatch batch;
    batch.Reserve(batch_size, batch_size * (kKeySize + kValueSize));
    char key[kKeySize], value[kValueSize];
    for (uint64_t i = 0; i < n; ++i) {
      MakeKey(KeyPattern::kHashed, i, key);
      MakeValue(i, 0, value);
      batch.Put(std::string_view(key, kKeySize),
                std::string_view(value, kValueSize));
      if (batch.Count() == batch_size || i + 1 == n) {
        ZVERSE_RETURN_IF_ERROR(db_->Write(batch).status());
        batch.Clear();
      }
    }
    return absl::OkStatus();
  }

  // One DB::Ingest of keys [0, n), the batch built inside the timed region;
  // *ingest_seconds gets the Ingest call alone.
  absl::Status IngestAll(uint64_t n, double* ingest_seconds) {
    kv::WriteBatch batch;
    batch.Reserve(n, n * (kKeySize + kValueSize));
    char key[kKeySize], value[kValueSize];
    for (uint64_t i = 0; i < n; ++i) {
      MakeKey(KeyPattern::kHashed, i, key);
      MakeValue(i, 0, value);
      batch.Put(std::string_view(key, kKeySize),
                std::string_view(value, kValueSize));
    }
    Stopwatch sw;
    ZVERSE_RETURN_IF_ERROR(db_->Ingest(std::move(batch)).status());
    *ingest_seconds = sw.Seconds();
    return absl::OkStatus();
  }

  SyncCounters Counters() const override {
    return {true, db_->GetStats().syncs};
  }

  kv::DB* db() { return db_.get(); }

  absl::Status Close() override {
    if (db_ == nullptr) return absl::OkStatus();
    absl::Status s = db_->Close();
    db_.reset();
    return s;
  }

 private:
  std::unique_ptr<kv::DB> db_;
};

// --- LMDB ------------------------------------------------------------------

absl::Status MdbStatus(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("LMDB ", Av(what), ": ", mdb_strerror(rc)));
}

// A read txn of its own, reset and renewed every `batch` gets (1: every get).
class LmdbReader : public Reader {
 public:
  LmdbReader(MDB_env* env, MDB_dbi dbi, uint64_t batch)
      : env_(env), dbi_(dbi), batch_(batch) {}
  ~LmdbReader() override {
    if (txn_ != nullptr) mdb_txn_abort(txn_);
  }

  absl::Status Init() {
    return MdbStatus(mdb_txn_begin(env_, nullptr, MDB_RDONLY, &txn_),
                     "txn_begin");
  }

  absl::Status Get(std::string_view key, std::string_view* value) override {
    if (count_++ == batch_) {
      count_ = 1;
      mdb_txn_reset(txn_);
      ZVERSE_RETURN_IF_ERROR(MdbStatus(mdb_txn_renew(txn_), "txn_renew"));
    }
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    MDB_val v;
    const int rc = mdb_get(txn_, dbi_, &k, &v);
    if (ABSL_PREDICT_FALSE(rc != MDB_SUCCESS)) return MdbStatus(rc, "get");
    *value = std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
    return absl::OkStatus();
  }

 private:
  MDB_env* env_;
  MDB_dbi dbi_;
  uint64_t batch_;
  uint64_t count_ = 0;
  MDB_txn* txn_ = nullptr;
};

class LmdbEngine : public Engine {
 public:
  using Engine::Engine;
  ~LmdbEngine() override { Close().IgnoreError(); }
  std::string_view name() const override { return "LMDB"; }

  std::string Settings() const override {
    return absl::StrCat(
        "one unnamed database of plain keys, MDB_NOTLS, default durable "
        "commits (no MDB_NOSYNC/MDB_NOMETASYNC: data pages and the meta page "
        "synced per commit; one writer at a time); read database loaded in "
        "txns of 100k keys with MDB_NOSYNC, then mdb_env_sync; map size ",
        FormatBytes(MapSize()));
  }

  absl::Status Open(const std::string& dir, bool count_syncs) override {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) {
      return absl::InternalError(
          absl::StrCat("creating ", dir, ": ", ec.message()));
    }
    ZVERSE_RETURN_IF_ERROR(MdbStatus(mdb_env_create(&env_), "env_create"));
    ZVERSE_RETURN_IF_ERROR(
        MdbStatus(mdb_env_set_mapsize(env_, MapSize()), "env_set_mapsize"));
    ZVERSE_RETURN_IF_ERROR(
        MdbStatus(mdb_env_set_maxreaders(env_, 2048), "env_set_maxreaders"));
    ZVERSE_RETURN_IF_ERROR(MdbStatus(
        mdb_env_open(env_, dir.c_str(), MDB_NOTLS, 0644), "env_open"));
    MDB_txn* txn = nullptr;
    ZVERSE_RETURN_IF_ERROR(
        MdbStatus(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin"));
    const int rc = mdb_dbi_open(txn, nullptr, 0, &dbi_);
    if (rc != MDB_SUCCESS) {
      mdb_txn_abort(txn);
      return MdbStatus(rc, "dbi_open");
    }
    return MdbStatus(mdb_txn_commit(txn), "txn_commit");
  }

  absl::Status BulkLoad(uint64_t n) override {
    ZVERSE_RETURN_IF_ERROR(
        MdbStatus(mdb_env_set_flags(env_, MDB_NOSYNC, 1), "env_set_flags"));
    ZVERSE_RETURN_IF_ERROR(Batches(n, 100'000));
    ZVERSE_RETURN_IF_ERROR(MdbStatus(mdb_env_sync(env_, 1), "env_sync"));
    return MdbStatus(mdb_env_set_flags(env_, MDB_NOSYNC, 0), "env_set_flags");
  }

  std::vector<ReadPath> ReadPaths() const override {
    return {{"txn_per_get", "read txn reset + renew, then mdb_get, per get"},
            {"txn_per_batch", "read txn renewed every --read_batch gets"}};
  }

  absl::StatusOr<std::unique_ptr<Reader>> NewReader(
      std::string_view path) override {
    auto r = std::make_unique<LmdbReader>(
        env_, dbi_, path == "txn_per_batch" ? config_.read_batch : 1);
    ZVERSE_RETURN_IF_ERROR(r->Init());
    return r;
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    MDB_txn* txn = nullptr;
    ZVERSE_RETURN_IF_ERROR(
        MdbStatus(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin"));
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    MDB_val v{value.size(), const_cast<char*>(value.data())};
    const int rc = mdb_put(txn, dbi_, &k, &v, 0);
    if (rc != MDB_SUCCESS) {
      mdb_txn_abort(txn);
      return MdbStatus(rc, "put");
    }
    return MdbStatus(mdb_txn_commit(txn), "txn_commit");
  }

  absl::Status LoadBatches(uint64_t n, uint64_t batch) override {
    return Batches(n, batch);
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
  uint64_t MapSize() const {
    return (uint64_t{2} << 30) +
           std::max(config_.keys, config_.load_keys) * 512;
  }

  absl::Status Batches(uint64_t n, uint64_t batch) {
    char key[kKeySize], value[kValueSize];
    for (uint64_t start = 0; start < n; start += batch) {
      const uint64_t end = std::min(n, start + batch);
      MDB_txn* txn = nullptr;
      ZVERSE_RETURN_IF_ERROR(
          MdbStatus(mdb_txn_begin(env_, nullptr, 0, &txn), "txn_begin"));
      for (uint64_t i = start; i < end; ++i) {
        MakeKey(KeyPattern::kHashed, i, key);
        MakeValue(i, 0, value);
        MDB_val k{kKeySize, key};
        MDB_val v{kValueSize, value};
        const int rc = mdb_put(txn, dbi_, &k, &v, 0);
        if (rc != MDB_SUCCESS) {
          mdb_txn_abort(txn);
          return MdbStatus(rc, "put");
        }
      }
      ZVERSE_RETURN_IF_ERROR(MdbStatus(mdb_txn_commit(txn), "txn_commit"));
    }
    return absl::OkStatus();
  }

  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
};

// --- RocksDB ---------------------------------------------------------------

absl::Status RocksStatus(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("RocksDB ", Av(what), ": ", s.ToString()));
}

class RocksReader : public Reader {
 public:
  explicit RocksReader(rocksdb::DB* db) : db_(db) {}
  absl::Status Get(std::string_view key, std::string_view* value) override {
    value_.Reset();
    const rocksdb::Status s =
        db_->Get(ro_, db_->DefaultColumnFamily(),
                 rocksdb::Slice(key.data(), key.size()), &value_);
    if (ABSL_PREDICT_FALSE(!s.ok())) return RocksStatus(s, "get");
    *value = std::string_view(value_.data(), value_.size());
    return absl::OkStatus();
  }

 private:
  rocksdb::DB* db_;
  rocksdb::ReadOptions ro_;
  rocksdb::PinnableSlice value_;
};

class RocksEngine : public Engine {
 public:
  using Engine::Engine;
  ~RocksEngine() override { Close().IgnoreError(); }
  std::string_view name() const override { return "RocksDB"; }

  std::string Settings() const override {
    return absl::StrCat(
        "plain keys (bytewise comparator), no compression, 10-bit Bloom "
        "filter, ",
        config_.rocksdb_cache_mb,
        " MiB block cache, other options default (statistics, tickers "
        "only, on the writers' and loads' databases, for WAL_FILE_SYNCED); "
        "durable writes with WriteOptions::sync = true; "
        "read database loaded with disableWAL, then Flush and a full "
        "CompactRange");
  }

  absl::Status Open(const std::string& dir, bool count_syncs) override {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.compression = rocksdb::kNoCompression;
    rocksdb::BlockBasedTableOptions table;
    table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
    table.block_cache = rocksdb::NewLRUCache(
        static_cast<size_t>(config_.rocksdb_cache_mb) << 20);
    options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
    if (count_syncs) {
      // Tickers only: no timers or histograms on the write path.
      stats_ = rocksdb::CreateDBStatistics();
      stats_->set_stats_level(rocksdb::StatsLevel::kExceptHistogramOrTimers);
      options.statistics = stats_;
    }
    rocksdb::DB* db = nullptr;
    ZVERSE_RETURN_IF_ERROR(
        RocksStatus(rocksdb::DB::Open(options, dir, &db), "open"));
    db_.reset(db);
    return absl::OkStatus();
  }

  absl::Status BulkLoad(uint64_t n) override {
    rocksdb::WriteOptions wo;
    wo.disableWAL = true;
    ZVERSE_RETURN_IF_ERROR(Batches(n, 1000, wo));
    rocksdb::FlushOptions fo;
    fo.wait = true;
    ZVERSE_RETURN_IF_ERROR(RocksStatus(db_->Flush(fo), "flush"));
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction =
        rocksdb::BottommostLevelCompaction::kForceOptimized;
    ZVERSE_RETURN_IF_ERROR(
        RocksStatus(db_->CompactRange(co, nullptr, nullptr), "compact"));
    return WaitIdle();
  }

  std::vector<ReadPath> ReadPaths() const override {
    return {{"get", "DB::Get into a PinnableSlice, default ReadOptions"}};
  }

  absl::StatusOr<std::unique_ptr<Reader>> NewReader(
      std::string_view path) override {
    return std::make_unique<RocksReader>(db_.get());
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return RocksStatus(db_->Put(wo, rocksdb::Slice(key.data(), key.size()),
                                rocksdb::Slice(value.data(), value.size())),
                       "put");
  }

  absl::Status LoadBatches(uint64_t n, uint64_t batch) override {
    rocksdb::WriteOptions wo;
    wo.sync = true;
    return Batches(n, batch, wo);
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
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }

  SyncCounters Counters() const override {
    if (stats_ == nullptr) return {};
    return {true, stats_->getTickerCount(rocksdb::WAL_FILE_SYNCED)};
  }

  absl::Status Close() override {
    if (db_ == nullptr) return absl::OkStatus();
    absl::Status s = RocksStatus(db_->Close(), "close");
    db_.reset();
    return s;
  }

 private:
  absl::Status Batches(uint64_t n, uint64_t batch_size,
                       const rocksdb::WriteOptions& wo) {
    char key[kKeySize], value[kValueSize];
    rocksdb::WriteBatch batch;
    for (uint64_t start = 0; start < n; start += batch_size) {
      const uint64_t end = std::min(n, start + batch_size);
      batch.Clear();
      for (uint64_t i = start; i < end; ++i) {
        MakeKey(KeyPattern::kHashed, i, key);
        MakeValue(i, 0, value);
        ZVERSE_RETURN_IF_ERROR(
            RocksStatus(batch.Put(rocksdb::Slice(key, kKeySize),
                                  rocksdb::Slice(value, kValueSize)),
                        "batch put"));
      }
      ZVERSE_RETURN_IF_ERROR(RocksStatus(db_->Write(wo, &batch), "write"));
    }
    return absl::OkStatus();
  }

  std::shared_ptr<rocksdb::Statistics> stats_;
  std::unique_ptr<rocksdb::DB> db_;
};

std::unique_ptr<Engine> MakeEngine(const std::string& name,
                                   const Config& config) {
  if (name == "zverse") return std::make_unique<ZVerseEngine>(config);
  if (name == "lmdb") return std::make_unique<LmdbEngine>(config);
  return std::make_unique<RocksEngine>(config);
}

// ---------------------------------------------------------------------------
// Running threads for a fixed time.

// Each thread sets itself up, then calls Arrive(), which returns once every
// thread has arrived and the clock has started; the threads then run until
// stopped() (set when the time is up or a thread fails).
class Gate {
 public:
  void Arrive() {
    ready_.fetch_add(1, std::memory_order_acq_rel);
    while (!go_.load(std::memory_order_acquire)) std::this_thread::yield();
  }
  bool stopped() const { return stop_.load(std::memory_order_relaxed); }
  void Stop() { stop_.store(true, std::memory_order_relaxed); }

 private:
  friend struct Timed;
  std::atomic<int> ready_{0};
  std::atomic<bool> go_{false};
  std::atomic<bool> stop_{false};
};

struct Timed {
  double seconds = 0;         // From the start until every thread returned.
  absl::Status error;         // The first thread error, if any.

  // Runs every body in a thread of its own for `seconds` (and, if `until`
  // is given, until it also returns true). A body must call gate.Arrive()
  // once it is set up (one that returns without arriving is counted as
  // arrived).
  static Timed Run(
      double seconds,
      const std::vector<std::function<absl::Status(Gate&)>>& bodies,
      const std::function<bool()>& until = nullptr) {
    Gate gate;
    const int n = static_cast<int>(bodies.size());
    std::vector<absl::Status> errors(n);
    std::vector<std::thread> pool;
    pool.reserve(n);
    for (int t = 0; t < n; ++t) {
      pool.emplace_back([&, t] {
        errors[t] = bodies[t](gate);
        if (!errors[t].ok()) {
          gate.Stop();
          // A body that failed before arriving: count it.
          if (!gate.go_.load()) gate.ready_.fetch_add(1);
        }
      });
    }
    while (gate.ready_.load(std::memory_order_acquire) < n) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    Stopwatch sw;
    gate.go_.store(true, std::memory_order_release);
    while ((sw.Seconds() < seconds || (until && !until())) &&
           !gate.stopped()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    gate.Stop();
    for (std::thread& t : pool) t.join();
    Timed r;
    r.seconds = sw.Seconds();
    for (const absl::Status& e : errors) {
      if (!e.ok() && r.error.ok()) r.error = e;
    }
    return r;
  }
};

// ---------------------------------------------------------------------------
// Latency samples.

// Samples are nanoseconds in the low 31 bits; the top bit marks a get that
// overlapped a compaction.
constexpr uint32_t kFlagBit = uint32_t{1} << 31;
constexpr uint32_t kMaxSampleNs = kFlagBit - 1;

struct LatencySummary {
  uint64_t count = 0;
  double p50_us = std::nan("");
  double p99_us = std::nan("");
  double p999_us = std::nan("");
  double max_us = std::nan("");
};

// Nearest-rank percentiles; reorders `ns`.
LatencySummary Summarize(std::vector<uint32_t>* ns) {
  LatencySummary s;
  s.count = ns->size();
  if (ns->empty()) return s;
  auto rank = [&](double p) {
    size_t k = static_cast<size_t>(std::ceil(p * static_cast<double>(s.count)));
    k = std::clamp<size_t>(k, 1, s.count) - 1;
    std::nth_element(ns->begin(), ns->begin() + k, ns->end());
    return (*ns)[k] / 1000.0;
  };
  s.p50_us = rank(0.50);
  s.p99_us = rank(0.99);
  s.p999_us = rank(0.999);
  s.max_us = *std::max_element(ns->begin(), ns->end()) / 1000.0;
  return s;
}

// The median cost of reading the clock, ns: included in every sample.
double ClockOverheadNs() {
  std::vector<double> d;
  d.reserve(1001);
  for (int r = 0; r < 1001; ++r) {
    const auto a = std::chrono::steady_clock::now();
    const auto b = std::chrono::steady_clock::now();
    d.push_back(std::chrono::duration<double, std::nano>(b - a).count());
  }
  return Median(d);
}

// The disk's sync floor: median microseconds of a 128-byte append plus
// fdatasync, in a file under `dir`, over up to `seconds`. A durable commit
// cannot be acknowledged faster; with W writers, at most W commits can share
// one sync.
absl::StatusOr<double> SyncFloorMicros(const std::string& dir,
                                       double seconds) {
  const std::string path = dir + "/sync-probe";
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) {
    return absl::InternalError(
        absl::StrCat("open ", path, ": ", std::strerror(errno)));
  }
  char buf[128];
  std::memset(buf, 'x', sizeof(buf));
  std::vector<double> us;
  Stopwatch total;
  absl::Status status;
  while (total.Seconds() < seconds && us.size() < 20000) {
    Stopwatch sw;
    if (::write(fd, buf, sizeof(buf)) != static_cast<ssize_t>(sizeof(buf)) ||
        ::fdatasync(fd) != 0) {
      status = absl::InternalError(
          absl::StrCat("write/fdatasync ", path, ": ", std::strerror(errno)));
      break;
    }
    us.push_back(sw.Seconds() * 1e6);
  }
  ::close(fd);
  ::unlink(path.c_str());
  if (!status.ok()) return status;
  return Median(us);
}

// ---------------------------------------------------------------------------
// Results.

struct Result {
  std::string section;  // readers | writers | load | latency
  std::string engine;
  std::string variant;  // Read path, writer count label, load path, phase.
  int threads = 0;      // Reader or writer threads; 0 where it means nothing.
  std::string unit;     // Of `values`.
  std::vector<double> values;   // One per repetition.
  std::vector<double> seconds;  // One per repetition.
  std::vector<std::pair<std::string, std::vector<double>>> extras;
  std::string error;

  bool ok() const { return error.empty() && !values.empty(); }
  double median() const { return Median(values); }
  void Extra(const std::string& name, double v) {
    for (auto& [k, vs] : extras) {
      if (k == name) {
        vs.push_back(v);
        return;
      }
    }
    extras.emplace_back(name, std::vector<double>{v});
  }
  const std::vector<double>* ExtraValues(std::string_view name) const {
    for (const auto& [k, vs] : extras) {
      if (k == name) return &vs;
    }
    return nullptr;
  }
  double ExtraMedian(std::string_view name) const {
    const std::vector<double>* v = ExtraValues(name);
    return v == nullptr ? std::nan("") : Median(*v);
  }
  double ExtraMax(std::string_view name) const {
    const std::vector<double>* v = ExtraValues(name);
    if (v == nullptr || v->empty()) return std::nan("");
    return *std::max_element(v->begin(), v->end());
  }
};

// ---------------------------------------------------------------------------
// The suite.

class Suite {
 public:
  Suite(const Config& config, std::string base)
      : config_(config), base_(std::move(base)) {}

  void RunEngine(const std::string& engine_name) {
    std::unique_ptr<Engine> engine = MakeEngine(engine_name, config_);
    engine_ = engine.get();
    settings_[std::string(engine->name())] = engine->Settings();
    if (SectionEnabled(config_, "readers") ||
        SectionEnabled(config_, "latency")) {
      ReadDatabase(engine_name);
    }
    if (SectionEnabled(config_, "latency") && engine_name == "zverse") {
      CompactionLatency();
    }
    if (SectionEnabled(config_, "writers")) Writers(engine_name);
    if (SectionEnabled(config_, "load")) Load(engine_name);
  }

  const std::vector<Result>& results() const { return results_; }
  const std::map<std::string, std::string>& settings() const {
    return settings_;
  }
  double generator_seconds() const { return generator_seconds_; }

  // Times MakeKey + MakeValue alone for --load_keys entries: the share of
  // every load row that is the generator.
  void MeasureGenerator() {
    char key[kKeySize], value[kValueSize];
    uint64_t sink = 0;
    Stopwatch sw;
    for (uint64_t i = 0; i < config_.load_keys; ++i) {
      MakeKey(KeyPattern::kHashed, i, key);
      MakeValue(i, 0, value);
      sink += static_cast<unsigned char>(key[3]) +
              static_cast<unsigned char>(value[50]);
    }
    generator_seconds_ = sw.Seconds();
    sink_ = sink;  // Keeps the loop.
  }

 private:
  template <typename... Args>
  void Progress(const Args&... args) {
    std::cerr << "[" << engine_->name() << "] " << absl::StrCat(args...)
              << std::endl;
  }

  Result NewResult(const std::string& section, const std::string& variant,
                   int threads, const std::string& unit) {
    Result r;
    r.section = section;
    r.engine = std::string(engine_->name());
    r.variant = variant;
    r.threads = threads;
    r.unit = unit;
    return r;
  }

  void Failed(Result* r, const absl::Status& s) {
    r->error = s.ToString();
    Progress(r->section, " ", r->variant, " T=", r->threads,
             " FAILED: ", r->error);
  }

  std::string Dir(const std::string& name) {
    return absl::StrCat(base_, "/", name, "-", dir_counter_++);
  }

  void Cleanup(Engine* e, const std::string& dir) {
    absl::Status s = e->Close();
    if (!s.ok()) Progress("close: ", s.ToString());
    s = RemoveTree(dir);
    if (!s.ok()) Progress(s.ToString());
  }

  // Readers and the idle/writer latency phases, on one loaded database.
  void ReadDatabase(const std::string& engine_name) {
    const std::string dir = Dir(engine_name + "-read");
    Progress("loading ", config_.keys, " keys into ", dir);
    Stopwatch sw;
    absl::Status s = engine_->Open(dir, /*count_syncs=*/false);
    if (s.ok()) s = engine_->BulkLoad(config_.keys);
    if (s.ok()) s = Verify();
    if (!s.ok()) {
      // Every point that needed the database fails with this error.
      for (const ReadPath& p : engine_->ReadPaths()) {
        Result r = NewResult("readers", p.id, 0, "ops/s");
        Failed(&r, s);
        results_.push_back(std::move(r));
      }
      Cleanup(engine_, dir);
      return;
    }
    Progress("loaded and verified in ", absl::StrFormat("%.1f", sw.Seconds()),
             " s");
    if (SectionEnabled(config_, "readers")) Readers();
    if (SectionEnabled(config_, "latency")) {
      LatencyPhase("idle", /*with_writer=*/false);
      LatencyPhase("writer", /*with_writer=*/true);
    }
    Cleanup(engine_, dir);
  }

  // Untimed: --verify_sample random keys compared byte for byte through
  // every read path.
  absl::Status Verify() {
    const uint64_t n = std::min(config_.verify_sample, config_.keys);
    for (const ReadPath& p : engine_->ReadPaths()) {
      ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<Reader> reader,
                              engine_->NewReader(p.id));
      KeyStream ks(config_.keys, ThreadSeed(config_.seed, 99, 0));
      char key[kKeySize];
      for (uint64_t i = 0; i < n; ++i) {
        const uint64_t idx = ks.Next();
        MakeKey(KeyPattern::kHashed, idx, key);
        const std::string_view k(key, kKeySize);
        std::string_view v;
        absl::Status s = reader->Get(k, &v);
        if (!s.ok()) return ReadFailed(engine_->name(), idx, k, s);
        if (!ValueMatches(v, idx, 0)) {
          return WrongValue(engine_->name(), idx, k, 0, v);
        }
      }
      // A key that was never written must not be found.
      MakeKey(KeyPattern::kHashed, config_.keys + 12345, key);
      std::string_view v;
      if (reader->Get(std::string_view(key, kKeySize), &v).ok()) {
        return absl::InternalError(absl::StrCat(
            Av(engine_->name()), " ", p.id, " found a key never written"));
      }
    }
    return absl::OkStatus();
  }

  // T threads of random gets on one read path; returns the total ops.
  absl::Status ReadPoint(const std::string& path, int threads,
                         uint64_t stream, uint64_t* ops, double* seconds) {
    std::vector<uint64_t> counts(threads, 0);
    std::vector<std::function<absl::Status(Gate&)>> bodies;
    for (int t = 0; t < threads; ++t) {
      bodies.push_back([&, t](Gate& gate) -> absl::Status {
        ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<Reader> reader,
                                engine_->NewReader(path));
        KeyStream ks(config_.keys, ThreadSeed(config_.seed, stream, t));
        char key[kKeySize];
        uint64_t done = 0;
        gate.Arrive();
        while (!gate.stopped()) {
          for (int i = 0; i < 64; ++i) {
            const uint64_t idx = ks.Next();
            MakeKey(KeyPattern::kHashed, idx, key);
            const std::string_view k(key, kKeySize);
            std::string_view v;
            absl::Status s = reader->Get(k, &v);
            if (ABSL_PREDICT_FALSE(!s.ok())) {
              return ReadFailed(engine_->name(), idx, k, s);
            }
            if (ABSL_PREDICT_FALSE(!ValueOk(v, idx, 0))) {
              return WrongValue(engine_->name(), idx, k, 0, v);
            }
          }
          done += 64;
        }
        counts[t] = done;
        return absl::OkStatus();
      });
    }
    Timed timed = Timed::Run(config_.seconds, bodies);
    ZVERSE_RETURN_IF_ERROR(timed.error);
    *ops = 0;
    for (uint64_t c : counts) *ops += c;
    *seconds = timed.seconds;
    return absl::OkStatus();
  }

  void Readers() {
    for (const ReadPath& p : engine_->ReadPaths()) {
      std::vector<Result> rows;
      for (uint64_t t : config_.threads) {
        rows.push_back(
            NewResult("readers", p.id, static_cast<int>(t), "ops/s"));
      }
      for (int rep = 0; rep < config_.repetitions; ++rep) {
        for (Result& r : rows) {
          if (!r.error.empty()) continue;
          uint64_t ops = 0;
          double sec = 0;
          absl::Status s = ReadPoint(
              p.id, r.threads,
              static_cast<uint64_t>(rep) * 1000 + r.threads, &ops, &sec);
          if (!s.ok()) {
            Failed(&r, s);
            continue;
          }
          r.values.push_back(static_cast<double>(ops) / sec);
          r.seconds.push_back(sec);
          r.Extra("ops", static_cast<double>(ops));
          r.Extra("ops_per_s_per_thread",
                  static_cast<double>(ops) / sec / r.threads);
          Progress("readers ", p.id, " T=", r.threads, " run ", rep + 1, "/",
                   config_.repetitions, ": ", FormatRate(r.values.back()),
                   " ops/s");
        }
      }
      for (Result& r : rows) results_.push_back(std::move(r));
    }
  }

  // One reader thread timing each get of the first read path; `background`
  // (may be empty) runs in a second thread. `version` is what every value
  // must be. Appends the samples to *samples.
  // *seconds is how long the reader ran.
  absl::Status TimedReader(
      Engine* engine, int version, uint64_t n, uint64_t stream,
      const std::atomic<bool>* flag,
      std::function<absl::Status(Gate&)> background,
      const std::function<bool()>& until, std::vector<uint32_t>* samples,
      double* seconds) {
    // Allocated and touched up front, so that neither growing the vector
    // nor faulting its pages in happens while the reader runs: room for up
    // to 10M gets a second.
    const size_t cap =
        static_cast<size_t>(std::min(config_.seconds * 1e7, 2e8));
    samples->assign(cap, 0);
    size_t count = 0;
    double reader_seconds = 0;
    std::vector<std::function<absl::Status(Gate&)>> bodies;
    bodies.push_back([&](Gate& gate) -> absl::Status {
      ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<Reader> reader,
                              engine->NewReader(engine->ReadPaths()[0].id));
      KeyStream ks(n, ThreadSeed(config_.seed, stream, 0));
      char key[kKeySize];
      gate.Arrive();
      Stopwatch sw;
      while (!gate.stopped() && count < cap) {
        const uint64_t idx = ks.Next();
        MakeKey(KeyPattern::kHashed, idx, key);
        const std::string_view k(key, kKeySize);
        std::string_view v;
        const bool f0 = flag != nullptr && flag->load(std::memory_order_relaxed);
        const auto t0 = std::chrono::steady_clock::now();
        absl::Status s = reader->Get(k, &v);
        const auto t1 = std::chrono::steady_clock::now();
        const bool f1 = flag != nullptr && flag->load(std::memory_order_relaxed);
        if (ABSL_PREDICT_FALSE(!s.ok())) {
          return ReadFailed(engine->name(), idx, k, s);
        }
        if (ABSL_PREDICT_FALSE(!ValueOk(v, idx, version))) {
          return WrongValue(engine->name(), idx, k, version, v);
        }
        const uint64_t ns = static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(t1 - t0)
                .count());
        (*samples)[count++] =
            static_cast<uint32_t>(std::min<uint64_t>(ns, kMaxSampleNs)) |
            (f0 || f1 ? kFlagBit : 0);
      }
      reader_seconds = sw.Seconds();
      return absl::OkStatus();
    });
    if (background) bodies.push_back(std::move(background));
    Timed timed = Timed::Run(config_.seconds, bodies, until);
    samples->resize(count);
    *seconds = reader_seconds;
    return timed.error;
  }

  static void AddLatency(Result* r, std::vector<uint32_t> ns, double seconds) {
    for (uint32_t& x : ns) x &= ~kFlagBit;
    const LatencySummary s = Summarize(&ns);
    r->values.push_back(s.p50_us);
    r->seconds.push_back(seconds);
    r->Extra("p99_us", s.p99_us);
    r->Extra("p999_us", s.p999_us);
    r->Extra("max_us", s.max_us);
    r->Extra("gets", static_cast<double>(s.count));
    r->Extra("gets_per_s", static_cast<double>(s.count) / seconds);
  }

  void LogLatency(const Result& r, int rep) {
    Progress("latency ", r.variant, " run ", rep + 1, "/", config_.repetitions,
             ": p50 ", absl::StrFormat("%.2f", r.values.back()), " p99 ",
             absl::StrFormat("%.2f", r.ExtraValues("p99_us")->back()),
             " p99.9 ",
             absl::StrFormat("%.2f", r.ExtraValues("p999_us")->back()),
             " max ", absl::StrFormat("%.0f", r.ExtraValues("max_us")->back()),
             " µs, ", FormatRate(r.ExtraValues("gets_per_s")->back()),
             " gets/s");
  }

  void LatencyPhase(const std::string& phase, bool with_writer) {
    Result r = NewResult("latency", phase, 1, "µs (p50)");
    std::vector<uint32_t> samples;
    for (int rep = 0; rep < config_.repetitions; ++rep) {
      std::atomic<uint64_t> commits{0};
      std::function<absl::Status(Gate&)> writer;
      if (with_writer) {
        writer = [&, rep](Gate& gate) -> absl::Status {
          char key[kKeySize], value[kValueSize];
          uint64_t idx = config_.keys + (uint64_t{1} << 40) +
                         (static_cast<uint64_t>(rep) << 32);
          gate.Arrive();
          while (!gate.stopped()) {
            MakeKey(KeyPattern::kHashed, idx, key);
            MakeValue(idx, 0, value);
            ++idx;
            ZVERSE_RETURN_IF_ERROR(
                engine_->Put(std::string_view(key, kKeySize),
                             std::string_view(value, kValueSize)));
            commits.fetch_add(1, std::memory_order_relaxed);
          }
          return absl::OkStatus();
        };
      }
      double sec = 0;
      absl::Status s =
          TimedReader(engine_, 0, config_.keys,
                      500 + rep + (with_writer ? 50 : 0), nullptr,
                      std::move(writer), nullptr, &samples, &sec);
      if (!s.ok()) {
        Failed(&r, s);
        break;
      }
      AddLatency(&r, samples, sec);
      if (with_writer) {
        r.Extra("writer_commits_per_s",
                static_cast<double>(commits.load()) / sec);
      }
      LogLatency(r, rep);
    }
    results_.push_back(std::move(r));
  }

  // ZVerse only: a database of several segments and a thread compacting it
  // over and over, refilling it with updates in between.
  void CompactionLatency() {
    Result during = NewResult("latency", "during_compaction", 1, "µs (p50)");
    Result phase = NewResult("latency", "compaction_phase", 1, "µs (p50)");
    std::vector<uint32_t> samples;
    for (int rep = 0; rep < config_.repetitions; ++rep) {
      const std::string dir = Dir("zverse-compact");
      ZVerseEngine engine(config_);
      kv::Options options;
      options.sync_mode = kv::SyncMode::kNever;
      options.seal_threshold_bytes = config_.seal_mb << 20;
      absl::Status s = engine.OpenWith(dir, options);
      kv::DB* db = engine.db();
      // Setup: version 0 of every key through the log, then a seal.
      char key[kKeySize], value[kValueSize];
      auto write_round = [&](uint64_t count, uint32_t version,
                             KeyStream* ks) -> absl::Status {
        kv::WriteBatch batch;
        for (uint64_t i = 0; i < count; ++i) {
          const uint64_t idx = ks == nullptr ? i : ks->Next();
          MakeKey(KeyPattern::kHashed, idx, key);
          MakeValue(idx, version, value);
          batch.Put(std::string_view(key, kKeySize),
                    std::string_view(value, kValueSize));
          if (batch.Count() == config_.write_batch || i + 1 == count) {
            ZVERSE_RETURN_IF_ERROR(db->Write(batch).status());
            batch.Clear();
          }
        }
        return absl::OkStatus();
      };
      if (s.ok()) s = write_round(config_.keys, 0, nullptr);
      if (s.ok()) s = db->Seal();
      if (!s.ok()) {
        Failed(&during, s);
        phase.error = during.error;
        engine.Close().IgnoreError();
        RemoveTree(dir).IgnoreError();
        break;
      }
      const uint64_t segments_at_start = db->GetStats().segments;
      Progress("compaction phase run ", rep + 1, ": ", config_.keys,
               " keys in ", segments_at_start, " segments");
      std::atomic<bool> compacting{false};
      std::atomic<uint64_t> compactions{0};
      uint64_t refilled = 0;
      double compact_seconds = 0;
      std::function<absl::Status(Gate&)> compactor =
          [&](Gate& gate) -> absl::Status {
        KeyStream ks(config_.keys, ThreadSeed(config_.seed, 700, rep));
        uint32_t version = 1;
        gate.Arrive();
        while (!gate.stopped()) {
          compacting.store(true, std::memory_order_relaxed);
          Stopwatch sw;
          absl::Status cs = db->Compact();
          compact_seconds += sw.Seconds();
          compacting.store(false, std::memory_order_relaxed);
          ZVERSE_RETURN_IF_ERROR(cs);
          ++compactions;
          if (gate.stopped()) break;
          ZVERSE_RETURN_IF_ERROR(write_round(config_.refill, version++, &ks));
          refilled += config_.refill;
        }
        return absl::OkStatus();
      };
      double sec = 0;
      // At least --seconds and at least --compactions compactions.
      s = TimedReader(
          &engine, kAnyVersion, config_.keys, 800 + rep, &compacting,
          std::move(compactor),
          [&] { return compactions.load() >= config_.compactions; }, &samples,
          &sec);
      if (s.ok()) {
        s = engine.Close();
      } else {
        engine.Close().IgnoreError();
      }
      RemoveTree(dir).IgnoreError();
      if (!s.ok()) {
        Failed(&during, s);
        phase.error = during.error;
        break;
      }
      std::vector<uint32_t> flagged;
      for (uint32_t x : samples) {
        if (x & kFlagBit) flagged.push_back(x);
      }
      // The reader ran through every compaction: their time is its time.
      AddLatency(&during, std::move(flagged), std::min(compact_seconds, sec));
      AddLatency(&phase, samples, sec);
      for (Result* r : {&during, &phase}) {
        r->Extra("segments_at_start", static_cast<double>(segments_at_start));
        r->Extra("compactions", static_cast<double>(compactions.load()));
        r->Extra("compact_seconds", compact_seconds);
        r->Extra("share_compacting", compact_seconds / sec);
        r->Extra("refill_entries", static_cast<double>(refilled));
      }
      LogLatency(during, rep);
      LogLatency(phase, rep);
      Progress("  ", compactions.load(), " compactions, ",
               absl::StrFormat("%.2f", compact_seconds), " s of ",
               absl::StrFormat("%.2f", sec), " s compacting");
    }
    results_.push_back(std::move(during));
    results_.push_back(std::move(phase));
  }

  void Writers(const std::string& engine_name) {
    const std::string dir = Dir(engine_name + "-writers");
    absl::Status s = engine_->Open(dir, /*count_syncs=*/true);
    std::vector<Result> rows;
    for (uint64_t w : config_.writers) {
      rows.push_back(NewResult("writers", absl::StrCat(w, "_writers"),
                               static_cast<int>(w), "commits/s"));
    }
    uint64_t point = 0;
    for (int rep = 0; rep < config_.repetitions && s.ok(); ++rep) {
      for (Result& r : rows) {
        if (!r.error.empty()) continue;
        const uint64_t base = config_.keys + (uint64_t{2} << 40) +
                              (++point << 36);
        std::vector<uint64_t> counts(r.threads, 0);
        std::vector<std::function<absl::Status(Gate&)>> bodies;
        for (int t = 0; t < r.threads; ++t) {
          bodies.push_back([&, t](Gate& gate) -> absl::Status {
            char key[kKeySize], value[kValueSize];
            uint64_t idx = base + (static_cast<uint64_t>(t) << 30);
            uint64_t done = 0;
            gate.Arrive();
            while (!gate.stopped()) {
              MakeKey(KeyPattern::kHashed, idx, key);
              MakeValue(idx, 0, value);
              ++idx;
              ZVERSE_RETURN_IF_ERROR(
                  engine_->Put(std::string_view(key, kKeySize),
                               std::string_view(value, kValueSize)));
              ++done;
            }
            counts[t] = done;
            return absl::OkStatus();
          });
        }
        const SyncCounters before = engine_->Counters();
        Timed timed = Timed::Run(config_.seconds, bodies);
        const SyncCounters after = engine_->Counters();
        if (!timed.error.ok()) {
          Failed(&r, timed.error);
          continue;
        }
        uint64_t commits = 0;
        for (uint64_t c : counts) commits += c;
        r.values.push_back(static_cast<double>(commits) / timed.seconds);
        r.seconds.push_back(timed.seconds);
        r.Extra("commits", static_cast<double>(commits));
        if (after.known) {
          const double syncs = static_cast<double>(after.syncs - before.syncs);
          r.Extra("syncs", syncs);
          r.Extra("syncs_per_s", syncs / timed.seconds);
          r.Extra("commits_per_sync",
                  syncs > 0 ? static_cast<double>(commits) / syncs
                            : std::nan(""));
        }
        Progress("writers W=", r.threads, " run ", rep + 1, "/",
                 config_.repetitions, ": ", FormatRate(r.values.back()),
                 " commits/s",
                 after.known ? absl::StrFormat(", %.2f commits per sync",
                                               r.ExtraValues("commits_per_sync")
                                                   ->back())
                             : std::string());
      }
    }
    if (!s.ok()) {
      for (Result& r : rows) Failed(&r, s);
    }
    for (Result& r : rows) results_.push_back(std::move(r));
    Cleanup(engine_, dir);
  }

  void Load(const std::string& engine_name) {
    Result batches = NewResult(
        "load", absl::StrCat("batches_of_", config_.write_batch), 1,
        "entries/s");
    Result ingest = NewResult("load", "one_ingest", 1, "entries/s");
    const bool zverse = engine_name == "zverse";
    for (int rep = 0; rep < config_.repetitions; ++rep) {
      for (Result* r : {&batches, &ingest}) {
        if (r == &ingest && !zverse) continue;
        if (!r->error.empty()) continue;
        const std::string dir = Dir(engine_name + "-load");
        std::unique_ptr<Engine> e = MakeEngine(engine_name, config_);
        absl::Status s = e->Open(dir, /*count_syncs=*/true);
        double sec = 0, ingest_sec = 0, idle_sec = 0;
        SyncCounters before, after;
        if (s.ok()) {
          before = e->Counters();
          Stopwatch sw;
          if (r == &batches) {
            s = e->LoadBatches(config_.load_keys, config_.write_batch);
          } else {
            s = static_cast<ZVerseEngine*>(e.get())->IngestAll(
                config_.load_keys, &ingest_sec);
          }
          sec = sw.Seconds();
          after = e->Counters();
          if (s.ok()) {
            s = e->WaitIdle();
            idle_sec = sw.Seconds() - sec;
          }
        }
        const uint64_t disk = DirectoryDiskBytes(dir);
        Cleanup(e.get(), dir);
        if (!s.ok()) {
          Failed(r, s);
          continue;
        }
        r->values.push_back(static_cast<double>(config_.load_keys) / sec);
        r->seconds.push_back(sec);
        r->Extra("disk_bytes", static_cast<double>(disk));
        // Ingest syncs its segment itself; Stats::syncs counts commit
        // groups only.
        if (after.known && r != &ingest) {
          r->Extra("syncs", static_cast<double>(after.syncs - before.syncs));
        }
        if (r == &ingest) r->Extra("ingest_call_seconds", ingest_sec);
        if (idle_sec > 0.0005) {
          r->Extra("then_background_work_seconds", idle_sec);
        }
        Progress("load ", r->variant, " run ", rep + 1, "/",
                 config_.repetitions, ": ", FormatRate(r->values.back()),
                 " entries/s (", absl::StrFormat("%.2f", sec), " s)");
      }
    }
    results_.push_back(std::move(batches));
    if (zverse) results_.push_back(std::move(ingest));
  }

  const Config& config_;
  std::string base_;
  Engine* engine_ = nullptr;
  uint64_t dir_counter_ = 0;
  double generator_seconds_ = 0;
  volatile uint64_t sink_ = 0;
  std::vector<Result> results_;
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

const Result* Find(const std::vector<Result>& results, std::string_view section,
                   std::string_view engine, std::string_view variant,
                   int threads) {
  for (const Result& r : results) {
    if (r.section == section && r.engine == engine && r.variant == variant &&
        (threads < 0 || r.threads == threads)) {
      return &r;
    }
  }
  return nullptr;
}

std::string RateCell(const Result* r) {
  if (r == nullptr) return "—";
  if (!r->error.empty()) {
    return absl::StrContains(r->error, "wrong value") ? "**WRONG DATA**"
                                                      : "**FAILED**";
  }
  return FormatRate(r->median());
}

double Ratio(const Result* a, const Result* b) {
  if (a == nullptr || b == nullptr || !a->ok() || !b->ok()) return std::nan("");
  return a->median() / b->median();
}

std::string RatioCell(double r) {
  if (!std::isfinite(r)) return "—";
  return absl::StrFormat("%.2f×", r);
}

std::string Us(double us) {
  if (!std::isfinite(us)) return "—";
  if (us >= 100) return absl::StrFormat("%.0f", us);
  if (us >= 10) return absl::StrFormat("%.1f", us);
  return absl::StrFormat("%.2f", us);
}

std::string Markdown(const Config& c, const Suite& suite,
                     const std::string& date, double total_seconds,
                     const std::string& load_before,
                     const std::string& load_after, double clock_ns,
                     double sync_floor_us) {
  const std::vector<Result>& results = suite.results();
  std::vector<std::string> engines;
  for (const std::string& e : c.engines) {
    engines.push_back(e == "zverse" ? "ZVerse"
                                    : e == "lmdb" ? "LMDB" : "RocksDB");
  }
  std::string md;
  absl::StrAppend(&md, "# ZVerse concurrency goals — with LMDB and RocksDB\n\n");
  absl::StrAppend(&md, "Generated by `kv_concurrency` at ", date, " in ",
                  absl::StrFormat("%.0f", total_seconds), " s on ",
                  MachineDescription(), ". nproc: ", OnlineCpus(),
                  "; CPU: ", CpuModel(), ". Load average (1/5/15 min) ",
                  load_before, " at the start, ", load_after,
                  " at the end.\n\n");
  absl::StrAppend(
      &md, "Keys of 16 bytes (hashed), values of 100 bytes; read database of ",
      c.keys, " keys; every point runs ", c.seconds, " s, ", c.repetitions,
      " repetitions, medians shown; seed ", c.seed,
      ". Every value read was checked (size, key index, version).\n\n");

  // Goals.
  absl::StrAppend(&md, "## Goals\n\n| goal | measured | met | peers, same "
                       "run |\n|---|---:|:---:|---|\n");
  auto met = [](double v, double target) {
    return std::isfinite(v) ? (v >= target ? "yes" : "**no**") : "n/a";
  };
  {
    const Result* z1 = Find(results, "readers", "ZVerse", "snapshot_per_get", 1);
    const Result* z2 = Find(results, "readers", "ZVerse", "snapshot_per_get", 2);
    const double r = Ratio(z2, z1);
    std::vector<std::string> peers;
    for (const auto& [e, p] : {std::pair<const char*, const char*>{"LMDB",
                                                                   "txn_per_get"},
                               {"RocksDB", "get"}}) {
      const double pr = Ratio(Find(results, "readers", e, p, 2),
                              Find(results, "readers", e, p, 1));
      if (std::isfinite(pr)) {
        peers.push_back(absl::StrCat(e, " ", RatioCell(pr)));
      }
    }
    absl::StrAppend(&md,
                    "| reader scaling 1 → 2 threads ≥ 1.9× (ZVerse "
                    "`GetSnapshot` + `Get` per get) | ",
                    RatioCell(r), " | ", met(r, 1.9), " | ",
                    absl::StrJoin(peers, ", "), " |\n");
  }
  if (!c.writers.empty()) {
    const int w = static_cast<int>(
        *std::max_element(c.writers.begin(), c.writers.end()));
    const std::string variant = absl::StrCat(w, "_writers");
    const Result* z = Find(results, "writers", "ZVerse", variant, w);
    std::vector<std::string> peers;
    for (const char* e : {"LMDB", "RocksDB"}) {
      const Result* p = Find(results, "writers", e, variant, w);
      if (p != nullptr) peers.push_back(absl::StrCat(e, " ", RateCell(p)));
    }
    absl::StrAppend(&md, "| durable commits ≥ 100K/s (", w,
                    " writers, every commit synced, group commit) | ",
                    RateCell(z), " | ",
                    met(z != nullptr && z->ok() ? z->median() : std::nan(""),
                        1e5),
                    " | ", absl::StrJoin(peers, ", "), " |\n");
  }
  {
    const std::string variant = absl::StrCat("batches_of_", c.write_batch);
    const Result* z = Find(results, "load", "ZVerse", variant, -1);
    std::vector<std::string> peers;
    for (const char* e : {"LMDB", "RocksDB"}) {
      const Result* p = Find(results, "load", e, variant, -1);
      if (p != nullptr) peers.push_back(absl::StrCat(e, " ", RateCell(p)));
    }
    absl::StrAppend(&md, "| batched load ≥ 1M entries/s (`DB::Write`, ",
                    c.write_batch, " entries a batch, each durable) | ",
                    RateCell(z), " | ",
                    met(z != nullptr && z->ok() ? z->median() : std::nan(""),
                        1e6),
                    " | ", absl::StrJoin(peers, ", "), " |\n");
    const Result* i = Find(results, "load", "ZVerse", "one_ingest", -1);
    absl::StrAppend(&md,
                    "| batched load ≥ 1M entries/s (one `DB::Ingest`) | ",
                    RateCell(i), " | ",
                    met(i != nullptr && i->ok() ? i->median() : std::nan(""),
                        1e6),
                    " | |\n");
  }
  absl::StrAppend(&md,
                  "\nRead latency has no numeric goal; see section 4.\n");

  // 1. Readers.
  absl::StrAppend(&md, "\n## 1. Reader scaling\n\nRandom point gets, all "
                       "threads together (ops/s); ratios to 1 thread.\n\n");
  std::string head = "| engine | read path |";
  std::string rule = "|---|---|";
  for (uint64_t t : c.threads) {
    absl::StrAppend(&head, " ", t, t == 1 ? " thread" : " threads", " |");
    absl::StrAppend(&rule, "---:|");
  }
  for (uint64_t t : c.threads) {
    if (t == 1) continue;
    absl::StrAppend(&head, " ", t, "/1 |");
    absl::StrAppend(&rule, "---:|");
  }
  absl::StrAppend(&md, head, "\n", rule, "\n");
  for (const std::string& e : engines) {
    std::vector<std::string> paths;
    for (const Result& r : results) {
      if (r.section == "readers" && r.engine == e &&
          std::find(paths.begin(), paths.end(), r.variant) == paths.end()) {
        paths.push_back(r.variant);
      }
    }
    for (const std::string& p : paths) {
      absl::StrAppend(&md, "| ", e, " | `", p, "` |");
      const Result* one = Find(results, "readers", e, p, 1);
      for (uint64_t t : c.threads) {
        const Result* r = Find(results, "readers", e, p, static_cast<int>(t));
        if (r == nullptr) r = Find(results, "readers", e, p, 0);  // Failed.
        absl::StrAppend(&md, " ", RateCell(r), " |");
      }
      for (uint64_t t : c.threads) {
        if (t == 1) continue;
        absl::StrAppend(
            &md, " ",
            RatioCell(Ratio(Find(results, "readers", e, p, static_cast<int>(t)),
                            one)),
            " |");
      }
      absl::StrAppend(&md, "\n");
    }
  }
  absl::StrAppend(
      &md,
      "\nRead paths: ZVerse `snapshot_per_get` = `DB::GetSnapshot()` + "
      "`Snapshot::Get` for every get (zero-copy view), `snapshot_per_batch` "
      "= one snapshot per ",
      c.read_batch,
      " gets, `db_get` = `DB::Get` (a fresh snapshot and a copy of the "
      "value); LMDB `txn_per_get` = the thread's read txn reset and renewed "
      "before every `mdb_get`, `txn_per_batch` = renewed every ",
      c.read_batch,
      " gets; RocksDB `get` = `DB::Get` into a `PinnableSlice` (an implicit "
      "snapshot per get). With as many threads as cores, nothing is left for "
      "the OS or other load, so the last ratio is a lower bound.\n");

  // 2. Writers.
  absl::StrAppend(
      &md,
      "\n## 2. Durable writers\n\nEach writer thread puts new keys one at a "
      "time; every commit is synced before it returns.\n\n| engine | writers "
      "| commits/s | syncs/s | commits per sync |\n|---|---:|---:|---:|---:|\n");
  for (const std::string& e : engines) {
    for (uint64_t w : c.writers) {
      const Result* r = Find(results, "writers", e, absl::StrCat(w, "_writers"),
                             static_cast<int>(w));
      if (r == nullptr) continue;
      const bool counted = r->ExtraValues("syncs") != nullptr;
      absl::StrAppend(
          &md, "| ", e, " | ", w, " | ", RateCell(r), " | ",
          counted ? FormatRate(r->ExtraMedian("syncs_per_s")) : "not counted",
          " | ",
          counted ? absl::StrFormat("%.2f", r->ExtraMedian("commits_per_sync"))
                  : "1 (one writer at a time)",
          " |\n");
    }
  }
  absl::StrAppend(
      &md,
      "\nSyncs: ZVerse `Stats::syncs` (one per commit group), RocksDB "
      "`WAL_FILE_SYNCED`. LMDB has no group commit: commits are serialized "
      "by its writer lock and each one syncs its data pages and then its "
      "meta page.");
  if (std::isfinite(sync_floor_us)) {
    const double per_s = 1e6 / sync_floor_us;
    const uint64_t w_max =
        c.writers.empty()
            ? 1
            : *std::max_element(c.writers.begin(), c.writers.end());
    absl::StrAppend(
        &md,
        absl::StrFormat(
            " The disk's sync floor, measured in the databases' directory: "
            "a 128-byte append + `fdatasync` takes %.0f µs (median), so "
            "about %s syncs/s. Each writer has one commit in flight, so with "
            "W writers at most W commits share a sync: %d writers can reach "
            "at most about %s commits/s here, and 100K commits/s at this "
            "sync rate needs about %.0f concurrent committers.",
            sync_floor_us, FormatRate(per_s), w_max,
            FormatRate(per_s * static_cast<double>(w_max)),
            std::ceil(1e5 / per_s)));
  }
  absl::StrAppend(&md, "\n");

  // 3. Load.
  absl::StrAppend(
      &md, "\n## 3. Batched load\n\n", c.load_keys,
      " entries (16 + 100 bytes) into a fresh database per repetition; "
      "timed until the last batch is durable.\n\n| engine | path | "
      "entries/s | seconds | syncs | on disk |\n|---|---|---:|---:|---:|---:|\n");
  for (const std::string& e : engines) {
    for (const Result& r : results) {
      if (r.section != "load" || r.engine != e) continue;
      const double syncs = r.ExtraMedian("syncs");
      const double disk = r.ExtraMedian("disk_bytes");
      absl::StrAppend(
          &md, "| ", e, " | `", r.variant, "` | ", RateCell(&r), " | ",
          r.ok() ? absl::StrFormat("%.2f", Median(r.seconds)) : "—", " | ",
          std::isfinite(syncs) ? absl::StrFormat("%.0f", syncs) : "—", " | ",
          std::isfinite(disk) ? FormatBytes(static_cast<uint64_t>(disk)) : "—",
          " |\n");
    }
  }
  {
    const Result* i = Find(results, "load", "ZVerse", "one_ingest", -1);
    const double call = i != nullptr ? i->ExtraMedian("ingest_call_seconds")
                                     : std::nan("");
    const Result* rb = Find(results, "load", "RocksDB",
                            absl::StrCat("batches_of_", c.write_batch), -1);
    const double bg = rb != nullptr
                          ? rb->ExtraMedian("then_background_work_seconds")
                          : std::nan("");
    absl::StrAppend(
        &md, "\nGenerating the keys and values alone takes ",
        absl::StrFormat("%.3f", suite.generator_seconds()),
        " s; it is inside every row. Paths: `batches_of_", c.write_batch,
        "` = ZVerse `DB::Write` (`kAlways`), LMDB one txn per batch (synced "
        "commit), RocksDB `WriteBatch` with `sync = true`; `one_ingest` = "
        "ZVerse builds one `WriteBatch` of every entry and calls "
        "`DB::Ingest(std::move(batch))`",
        std::isfinite(call)
            ? absl::StrFormat(" (the Ingest call alone: %.2f s)", call)
            : std::string(),
        ".",
        std::isfinite(bg)
            ? absl::StrFormat(" RocksDB then spent %.2f s more on background "
                              "flushes and compactions (not counted).",
                              bg)
            : std::string(),
        "\n");
  }

  // 4. Latency.
  absl::StrAppend(
      &md,
      "\n## 4. Read latency\n\nOne reader thread timing every get (µs; "
      "the time includes taking a fresh snapshot / renewing the read txn, "
      "and ",
      absl::StrFormat("%.0f", clock_ns),
      " ns of reading the clock). Percentiles are medians over the "
      "repetitions; max is the worst of all of them.\n\n| engine | phase | "
      "gets/s | p50 | p99 | p99.9 | max | meanwhile |\n"
      "|---|---|---:|---:|---:|---:|---:|---|\n");
  for (const std::string& e : engines) {
    for (const Result& r : results) {
      if (r.section != "latency" || r.engine != e) continue;
      if (!r.ok()) {
        absl::StrAppend(&md, "| ", e, " | ", r.variant, " | ", RateCell(&r),
                        " | | | | | |\n");
        continue;
      }
      std::string meanwhile = "nothing";
      if (r.variant == "writer") {
        meanwhile = absl::StrCat(
            "1 writer, ", FormatRate(r.ExtraMedian("writer_commits_per_s")),
            " durable commits/s");
      } else if (r.variant == "during_compaction" ||
                 r.variant == "compaction_phase") {
        meanwhile = absl::StrFormat(
            "%s%.0f compactions (%.0f segments at the start), %.0f%% of "
            "the time compacting",
            r.variant == "during_compaction"
                ? "only gets overlapping `Compact()`; "
                : "every get of the phase, refill writes included; ",
            r.ExtraMedian("compactions"), r.ExtraMedian("segments_at_start"),
            100 * r.ExtraMedian("share_compacting"));
      }
      absl::StrAppend(&md, "| ", e, " | ", r.variant, " | ",
                      FormatRate(r.ExtraMedian("gets_per_s")), " | ",
                      Us(r.median()), " | ", Us(r.ExtraMedian("p99_us")),
                      " | ", Us(r.ExtraMedian("p999_us")), " | ",
                      Us(r.ExtraMax("max_us")), " | ", meanwhile, " |\n");
    }
  }
  absl::StrAppend(
      &md, "\nCompaction phase (ZVerse): ", c.keys,
      " keys written in batches of ", c.write_batch,
      " with `seal_threshold_bytes` = ", c.seal_mb,
      " MiB and `kNever`, then `DB::Seal`; another thread loops "
      "`DB::Compact()`, then ",
      c.refill,
      " updates of random keys (new segments), and so on, for ", c.seconds,
      " s and at least ", c.compactions,
      " compactions. The database is rebuilt for every repetition; gets/s "
      "is over the time the reader ran.\n");

  // Failures.
  bool header = false;
  for (const Result& r : results) {
    if (r.error.empty()) continue;
    if (!header) {
      absl::StrAppend(&md, "\n## Failures\n\n");
      header = true;
    }
    absl::StrAppend(&md, "- ", r.engine, " ", r.section, " ", r.variant,
                    r.threads > 0 ? absl::StrCat(" T=", r.threads) : "", ": `",
                    r.error, "`\n");
  }

  absl::StrAppend(&md, "\n## Engine settings\n\n");
  for (const auto& [engine, s] : suite.settings()) {
    absl::StrAppend(&md, "- ", engine, ": ", s, "\n");
  }
  absl::StrAppend(&md,
                  "\nHow each engine is driven: `bench/README.md` and "
                  "`kv_concurrency --help`.\n");
  return md;
}

std::string Json(const Config& c, const Suite& suite, const std::string& date,
                 const std::string& load_before, double clock_ns,
                 double sync_floor_us, bool complete) {
  auto int_list = [](const std::vector<uint64_t>& v) {
    return absl::StrCat("[", absl::StrJoin(v, ", "), "]");
  };
  std::string j = "{\n";
  absl::StrAppend(&j, "  \"program\": \"kv_concurrency\",\n");
  absl::StrAppend(&j, "  \"date\": \"", date, "\",\n");
  absl::StrAppend(&j, "  \"complete\": ", complete ? "true" : "false", ",\n");
  absl::StrAppend(&j, "  \"machine\": \"", JsonEscape(MachineDescription()),
                  "\",\n");
  absl::StrAppend(&j, "  \"nproc\": ", OnlineCpus(), ",\n");
  absl::StrAppend(&j, "  \"cpu_model\": \"", JsonEscape(CpuModel()), "\",\n");
  absl::StrAppend(&j, "  \"load_average_start\": \"", load_before,
                  "\",\n  \"load_average_now\": \"", LoadAverage(), "\",\n");
  absl::StrAppend(&j, "  \"clock_overhead_ns\": ", JsonNumber(clock_ns),
                  ",\n");
  absl::StrAppend(&j, "  \"sync_floor_us\": ", JsonNumber(sync_floor_us),
                  ",\n");
  absl::StrAppend(&j, "  \"generator_seconds\": ",
                  JsonNumber(suite.generator_seconds()), ",\n");
  absl::StrAppend(
      &j, "  \"config\": {\"keys\": ", c.keys, ", \"key_size\": ", kKeySize,
      ", \"value_size\": ", kValueSize, ", \"threads\": ", int_list(c.threads),
      ", \"writers\": ", int_list(c.writers),
      ", \"seconds\": ", JsonNumber(c.seconds),
      ", \"repetitions\": ", c.repetitions, ", \"read_batch\": ", c.read_batch,
      ", \"load_keys\": ", c.load_keys, ", \"write_batch\": ", c.write_batch,
      ", \"seal_mb\": ", c.seal_mb, ", \"refill\": ", c.refill,
      ", \"compactions\": ", c.compactions,
      ", \"verify_sample\": ", c.verify_sample, ", \"seed\": ", c.seed,
      ", \"rocksdb_cache_mb\": ", c.rocksdb_cache_mb, "},\n");
  absl::StrAppend(&j, "  \"engine_settings\": {");
  bool first = true;
  for (const auto& [e, s] : suite.settings()) {
    absl::StrAppend(&j, first ? "" : ", ", "\"", JsonEscape(e), "\": \"",
                    JsonEscape(s), "\"");
    first = false;
  }
  absl::StrAppend(&j, "},\n  \"results\": [\n");
  const std::vector<Result>& results = suite.results();
  for (size_t i = 0; i < results.size(); ++i) {
    const Result& r = results[i];
    absl::StrAppend(&j, "    {\"section\": \"", r.section, "\", \"engine\": \"",
                    r.engine, "\", \"variant\": \"", r.variant,
                    "\", \"threads\": ", r.threads, ", \"unit\": \"",
                    JsonEscape(r.unit), "\", \"status\": \"",
                    r.error.empty() ? "ok" : "failed", "\"");
    if (!r.error.empty()) {
      absl::StrAppend(&j, ", \"error\": \"", JsonEscape(r.error), "\"");
    }
    absl::StrAppend(&j, ", \"median\": ", JsonNumber(r.median()),
                    ", \"values\": ", JsonNumberList(r.values),
                    ", \"seconds\": ", JsonNumberList(r.seconds));
    for (const auto& [k, v] : r.extras) {
      absl::StrAppend(&j, ", \"", k, "\": ", JsonNumberList(v));
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
    std::cerr << "kv_concurrency: " << parsed.status().message() << "\n";
    return 2;
  }
  const Config& c = *parsed;

  bool own_base = false;
  absl::StatusOr<std::string> scratch =
      ScratchBase(c.dir, "zverse-kv-conc-", &own_base);
  if (!scratch.ok()) {
    std::cerr << "kv_concurrency: " << scratch.status() << "\n";
    return 1;
  }
  const std::string base = *scratch;
  const std::string date = NowUtc();
  const std::string load_before = LoadAverage();
  const double clock_ns = ClockOverheadNs();
  double sync_floor_us = std::nan("");
  if (SectionEnabled(c, "writers") || SectionEnabled(c, "load")) {
    absl::StatusOr<double> f = SyncFloorMicros(base, 1.0);
    if (f.ok()) {
      sync_floor_us = *f;
    } else {
      std::cerr << "kv_concurrency: sync probe: " << f.status() << "\n";
    }
  }
  std::cerr << "kv_concurrency: databases under " << base << "; "
            << MachineDescription() << "\n";

  Suite suite(c, base);
  Stopwatch total;
  if (SectionEnabled(c, "load")) suite.MeasureGenerator();
  for (const std::string& e : c.engines) {
    suite.RunEngine(e);
    if (!c.json_path.empty()) {
      absl::Status s = WriteTextFile(
          c.json_path, Json(c, suite, date, load_before, clock_ns, sync_floor_us, false));
      if (!s.ok()) std::cerr << "kv_concurrency: " << s << "\n";
    }
  }
  if (own_base) RemoveTree(base).IgnoreError();

  const std::string md = Markdown(c, suite, date, total.Seconds(), load_before,
                                  LoadAverage(), clock_ns, sync_floor_us);
  std::cout << md;
  int rc = WriteReports("kv_concurrency", c.json_path,
                        Json(c, suite, date, load_before, clock_ns, sync_floor_us, true),
                        c.markdown_path, md);
  for (const Result& r : suite.results()) {
    if (!r.error.empty()) rc = 1;
  }
  return rc;
}

}  // namespace
}  // namespace zverse::bench

int main(int argc, char** argv) { return zverse::bench::Main(argc, argv); }
