// kv_stream: reading large values from cache. ZVerse keeps values of
// kv::kOverflowValueSize bytes or more in its overflow area (blob files,
// zstd-compressed where that saves an eighth) and can read them as a stream
// (Snapshot::OpenValue + ValueReader::Read); this measures that stream
// against ZVerse's own Snapshot::Get, LMDB's mdb_get and RocksDB's Get, on
// the same values, in one process run.
//
// Data: --total_mb MiB per variant (default 1024) as values of --value_size
// bytes (default kv::kMaxValueSize, 16 MiB), in two variants:
//   random  incompressible bytes (ZVerse stores them as they are)
//   text    log lines from a small vocabulary (ZVerse compresses them)
//
// For each variant and engine: the values are written one per commit and
// made durable once at the end (timed); every value is read back once and
// checked against the hash of what was written (untimed: this also warms the
// page cache and the mappings); then every read path reads all of them
// --repetitions times (GB/s, medians). Every read path hands every byte to
// the same consumer, a sum of the value's 8-byte words, which is checked
// too. Finally, for ZVerse, a child process reads one value through each path
// and reports how much its peak resident memory grew.
//
// See bench/README.md for how to read the report.

#include <lmdb.h>
#include <stdio.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
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
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
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
#include "rocksdb/options.h"
#include "rocksdb/slice.h"
#include "rocksdb/table.h"

namespace zverse::bench {
namespace {

constexpr uint64_t kKiB = 1024;
constexpr uint64_t kMiB = 1024 * 1024;

// ---------------------------------------------------------------------------
// Configuration and flags.

enum class Kind { kRandom, kText };

const char* KindName(Kind k) { return k == Kind::kRandom ? "random" : "text"; }

struct Config {
  uint64_t total_mb = 1024;  // Per variant.
  uint64_t value_size = kv::kMaxValueSize;
  std::vector<Kind> variants = {Kind::kRandom, Kind::kText};
  std::vector<std::string> engines = {"zverse", "lmdb", "rocksdb",
                                      "rocksdb_blob"};
  std::vector<uint64_t> chunks = {64 * kKiB, kMiB, 4 * kMiB};
  int repetitions = 3;
  int write_repetitions = 3;
  uint64_t seed = 42;
  uint64_t floor_values = 8;
  std::string dir;
  std::string json_path;
  std::string markdown_path;

  uint64_t count() const {
    return std::max<uint64_t>(1, total_mb * kMiB / value_size);
  }
};

// The child mode (--probe): one read of one value, reporting memory.
struct ProbeConfig {
  std::string mode;  // "stream" or "get"; empty: not a probe.
  std::string db;
  std::string key;
  uint64_t chunk = kMiB;
  uint64_t want_sum = 0;
};

constexpr const char* kHelp =
    R"(kv_stream: large values read from cache, ZVerse streaming vs Get vs LMDB
vs RocksDB, in one run.

Usage: kv_stream [flags]

Data: --total_mb MiB per variant as values of --value_size bytes (default
16 MiB, kv::kMaxValueSize): 'random' (incompressible) and 'text' (log lines
from a small vocabulary; ZVerse's overflow area compresses them with zstd).
The values are a pure function of (--seed, variant, index).

For each variant, engine by engine, each on a fresh database:
  write   every value in a commit of its own, then one sync: timed until
          durable; --write_repetitions times, each into a fresh database
          (median reported), the last one kept for the reads. ZVerse: DB::Put with SyncMode::kNever, then DB::Sync.
          LMDB: a write txn per value, MDB_NOSYNC, then mdb_env_sync.
          RocksDB: Put (WAL on, not synced), then SyncWAL; then (reported
          apart, as settle) Flush and the compactions it starts.
  check   every value read once through every path and compared with the
          XXH3 hash of what was written (untimed; warms the cache)
  reads   every value through every path, --repetitions times, GB/s
          (10^9 bytes/s) of value bytes; medians:
            ZVerse stream_<chunk>  Snapshot::OpenValue + ValueReader::Read
                                   into a buffer of <chunk> bytes (--chunks)
            ZVerse get             Snapshot::Get (a view into the mapping;
                                   a decompressed copy for compressed values)
            LMDB get               mdb_get (a view into the map)
            RocksDB get            DB::Get into a PinnableSlice (default
                                   options: the values sit in SST blocks)
            RocksDB-blob get       the same with enable_blob_files and
                                   min_blob_size = 4096 (RocksDB's own
                                   overflow area, BlobDB), otherwise default
          One snapshot / read txn per value. Every path hands every byte to
          the same consumer: a sum of the value's 8-byte words, checked.
  memory  ZVerse only: a child process opens the database, reads one value
          (the first) through stream_1MiB and through get, and reports the
          growth of its peak resident memory (VmHWM, reset through
          /proc/self/clear_refs) and of RssAnon and RssFile.
After the engines, the floor: the same consumer over --floor_values values
without an engine (random: memcpy in 1 MiB chunks; text: zstd level 1, as
ZVerse compresses, decompressed in 1 MiB chunks and in one call).

Flags (--flag=value or --flag value):
  --total_mb N        MiB of values per variant (default 1024)
  --value_size N      bytes per value, K/M suffixes = KiB/MiB (default 16M)
  --variants LIST     subset of random,text (default both)
  --engines LIST      subset of zverse,lmdb,rocksdb,rocksdb_blob (default
                      all four)
  --chunks LIST       stream buffer sizes, K/M = KiB/MiB (default 64K,1M,4M)
  --repetitions R     timed passes per read path (default 3)
  --write_repetitions W  writes of every value, each into a fresh database
                      (default 3; the last one is read)
  --seed S            seed of the value generator (default 42)
  --floor_values N    values the floor is measured on (default 8; 0: none)
  --dir DIR           parent directory for the databases (default: a new
                      directory under /tmp); each database is deleted after
                      its engine's run
  --json FILE         write every measurement as JSON
  --markdown FILE     write the Markdown report (also printed to stdout)
  --help              this text

Progress goes to stderr, the Markdown report to stdout. Exit status 1 if any
value read back was wrong or an engine failed.
)";

// "64K", "1M", "16777216": bytes, with K = KiB and M = MiB.
absl::StatusOr<uint64_t> ParseBytes(std::string_view text) {
  std::string t(text);
  uint64_t multiplier = 1;
  if (!t.empty() && (t.back() == 'K' || t.back() == 'k')) {
    multiplier = kKiB;
    t.pop_back();
  } else if (!t.empty() && (t.back() == 'M' || t.back() == 'm')) {
    multiplier = kMiB;
    t.pop_back();
  }
  uint64_t n = 0;
  if (!absl::SimpleAtoi(t, &n) || n == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("not a size: '", std::string(text), "'"));
  }
  return n * multiplier;
}

absl::StatusOr<Config> ParseFlags(int argc, char** argv, ProbeConfig* probe,
                                  bool* help) {
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
    } else if (f == "--total_mb") {
      ZVERSE_RETURN_IF_ERROR(count(&c.total_mb));
    } else if (f == "--value_size") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      ZVERSE_ASSIGN_OR_RETURN(c.value_size, ParseBytes(v));
    } else if (f == "--variants") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      c.variants.clear();
      for (const std::string& x : list(v)) {
        if (x == "random") {
          c.variants.push_back(Kind::kRandom);
        } else if (x == "text") {
          c.variants.push_back(Kind::kText);
        } else {
          return absl::InvalidArgumentError(absl::StrCat("unknown variant ", x));
        }
      }
    } else if (f == "--engines") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      c.engines = list(v);
      for (const std::string& e : c.engines) {
        if (e != "zverse" && e != "lmdb" && e != "rocksdb" &&
            e != "rocksdb_blob") {
          return absl::InvalidArgumentError(absl::StrCat("unknown engine ", e));
        }
      }
    } else if (f == "--chunks") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      c.chunks.clear();
      for (const std::string& x : list(v)) {
        ZVERSE_ASSIGN_OR_RETURN(uint64_t b, ParseBytes(x));
        c.chunks.push_back(b);
      }
    } else if (f == "--repetitions") {
      ZVERSE_RETURN_IF_ERROR(count(&n));
      c.repetitions = static_cast<int>(n);
    } else if (f == "--write_repetitions") {
      ZVERSE_RETURN_IF_ERROR(count(&n));
      c.write_repetitions = static_cast<int>(n);
    } else if (f == "--seed") {
      ZVERSE_RETURN_IF_ERROR(count(&c.seed));
    } else if (f == "--floor_values") {
      ZVERSE_RETURN_IF_ERROR(count(&c.floor_values));
    } else if (f == "--dir") {
      ZVERSE_ASSIGN_OR_RETURN(c.dir, p.Value());
    } else if (f == "--json") {
      ZVERSE_ASSIGN_OR_RETURN(c.json_path, p.Value());
    } else if (f == "--markdown") {
      ZVERSE_ASSIGN_OR_RETURN(c.markdown_path, p.Value());
    } else if (f == "--probe") {  // Internal: the memory probe's child.
      ZVERSE_ASSIGN_OR_RETURN(probe->mode, p.Value());
    } else if (f == "--probe_db") {
      ZVERSE_ASSIGN_OR_RETURN(probe->db, p.Value());
    } else if (f == "--probe_key") {
      ZVERSE_ASSIGN_OR_RETURN(probe->key, p.Value());
    } else if (f == "--probe_chunk") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      if (!absl::SimpleAtoi(v, &probe->chunk) || probe->chunk == 0) {
        return absl::InvalidArgumentError("bad --probe_chunk");
      }
    } else if (f == "--probe_sum") {
      ZVERSE_ASSIGN_OR_RETURN(std::string v, p.Value());
      if (!absl::SimpleAtoi(v, &probe->want_sum)) {
        return absl::InvalidArgumentError("bad --probe_sum");
      }
    } else {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag ", f, " (see --help)"));
    }
  }
  if (c.repetitions < 1 || c.write_repetitions < 1 || c.total_mb < 1 ||
      c.variants.empty() ||
      c.engines.empty() || c.chunks.empty()) {
    return absl::InvalidArgumentError(
        "--repetitions, --write_repetitions and --total_mb must be >= 1; "
        "--variants, --engines and --chunks must not be empty");
  }
  if (c.value_size > kv::kMaxValueSize) {
    return absl::InvalidArgumentError(
        absl::StrCat("--value_size may not exceed ", kv::kMaxValueSize));
  }
  return c;
}

// 1 MiB -> "1MiB" (`space`: "1 MiB"); 4095 -> "4095B".
std::string ChunkName(uint64_t bytes, bool space = false) {
  const char* sep = space ? " " : "";
  if (bytes % kMiB == 0) return absl::StrCat(bytes / kMiB, sep, "MiB");
  if (bytes % kKiB == 0) return absl::StrCat(bytes / kKiB, sep, "KiB");
  return absl::StrCat(bytes, sep, "B");
}

// ---------------------------------------------------------------------------
// The values.

std::string ValueKey(uint64_t i) { return absl::StrFormat("value/%06d", i); }

void FillRandom(uint64_t seed, uint64_t index, char* out, size_t n) {
  const uint64_t base = Mix64(seed ^ Mix64(index));
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const uint64_t w = Mix64(base + i);
    std::memcpy(out + i, &w, 8);
  }
  if (i < n) {
    const uint64_t w = Mix64(base + i);
    std::memcpy(out + i, &w, n - i);
  }
}

// Writes `v` as decimal digits at *p (advancing it).
void AppendDecimal(uint64_t v, char** p) {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  while (n > 0) *(*p)++ = digits[--n];
}

// `v` as exactly `width` digits, zero-padded.
void AppendPadded(uint64_t v, int width, char** p) {
  for (int i = width - 1; i >= 0; --i) {
    (*p)[i] = static_cast<char>('0' + v % 10);
    v /= 10;
  }
  *p += width;
}

// A log file: "2026-12-03T13:04:05.123456Z INFO  kv.blob: ...\n" lines from
// a few templates ('#': a number of 1 to 6 digits, '@': 5 digits).
void FillText(uint64_t seed, uint64_t index, char* out, size_t n) {
  static constexpr const char* kLevels[] = {"INFO ", "INFO ", "INFO ",
                                            "INFO ", "DEBUG", "DEBUG",
                                            "WARN ", "ERROR"};
  static constexpr const char* kComponents[] = {
      "graph.loader", "kv.compaction", "kv.log",   "query.exec",
      "cli",          "graph.snapshot", "kv.blob", "net.http"};
  static constexpr const char* kTemplates[] = {
      "loaded # edges from part-@.csv in # ms",
      "compacted # segments into one (# MiB -> # MiB) in # ms",
      "commit ts=# keys=# bytes=# synced",
      "query V(#).out(knows).count() returned # rows in # us",
      "snapshot as_of=# pinned # files",
      "GET /api/v1/vertex/# 200 # bytes # us",
      "slow request: scan [user/@, user/@) took # ms",
      "blob file @.blob sealed at # bytes"};
  static constexpr uint64_t kPow10[] = {1, 10, 100, 1000, 10000, 100000,
                                        1000000};
  uint64_t rng = Mix64(seed ^ Mix64(index ^ 0x7e57));
  // Microseconds into the day.
  uint64_t clock = Mix64(rng) % (uint64_t{86400} * 1000000);
  char line[256];
  size_t filled = 0;
  while (filled < n) {
    const uint64_t r = Mix64(rng++);
    clock += r % 5000;
    const uint64_t day_us = clock % (uint64_t{86400} * 1000000);
    char* p = line;
    std::memcpy(p, "2026-12-03T", 11);
    p += 11;
    AppendPadded(day_us / 3600000000, 2, &p);
    *p++ = ':';
    AppendPadded(day_us / 60000000 % 60, 2, &p);
    *p++ = ':';
    AppendPadded(day_us / 1000000 % 60, 2, &p);
    *p++ = '.';
    AppendPadded(day_us % 1000000, 6, &p);
    *p++ = 'Z';
    *p++ = ' ';
    std::memcpy(p, kLevels[(r >> 13) & 7], 5);
    p += 5;
    *p++ = ' ';
    const char* component = kComponents[(r >> 16) & 7];
    const size_t component_size = std::strlen(component);
    std::memcpy(p, component, component_size);
    p += component_size;
    *p++ = ':';
    *p++ = ' ';
    uint64_t numbers = Mix64(r);
    for (const char* t = kTemplates[(r >> 19) & 7]; *t != '\0'; ++t) {
      if (*t == '#') {
        const int digits = 1 + static_cast<int>(numbers % 6);
        numbers = Mix64(numbers);
        AppendDecimal(numbers % kPow10[digits], &p);
        numbers = Mix64(numbers);
      } else if (*t == '@') {
        AppendPadded(numbers % 100000, 5, &p);
        numbers = Mix64(numbers);
      } else {
        *p++ = *t;
      }
    }
    *p++ = '\n';
    const size_t size = std::min<size_t>(p - line, n - filled);
    std::memcpy(out + filled, line, size);
    filled += size;
  }
}

void FillValue(Kind kind, uint64_t seed, uint64_t index, std::string* out) {
  if (kind == Kind::kRandom) {
    FillRandom(seed, index, out->data(), out->size());
  } else {
    FillText(seed, index, out->data(), out->size());
  }
}

// The consumer every read path hands its bytes to: the sum of the value's
// little-endian 8-byte words (the last one zero-padded), over pieces of any
// size.
class WordSum {
 public:
  void Add(const char* p, size_t n) {
    while (n > 0 && fill_ != 0) {
      pending_[fill_++] = *p++;
      --n;
      if (fill_ == 8) Flush();
    }
    const size_t words = n / 8;
    uint64_t a = 0, b = 0, c = 0, d = 0;
    size_t i = 0;
    for (; i + 4 <= words; i += 4) {
      a += LoadLittle64(p + 8 * i);
      b += LoadLittle64(p + 8 * i + 8);
      c += LoadLittle64(p + 8 * i + 16);
      d += LoadLittle64(p + 8 * i + 24);
    }
    for (; i < words; ++i) a += LoadLittle64(p + 8 * i);
    sum_ += a + b + c + d;
    p += 8 * words;
    n -= 8 * words;
    while (n > 0) {
      pending_[fill_++] = *p++;
      --n;
    }
  }
  uint64_t Finish() {
    if (fill_ != 0) Flush();
    return sum_;
  }

 private:
  void Flush() {
    std::memset(pending_ + fill_, 0, 8 - fill_);
    sum_ += LoadLittle64(pending_);
    fill_ = 0;
  }
  uint64_t sum_ = 0;
  char pending_[8] = {};
  size_t fill_ = 0;
};

uint64_t SumOf(std::string_view v) {
  WordSum s;
  s.Add(v.data(), v.size());
  return s.Finish();
}

// What was written, for checking what is read: per value its XXH3 hash and
// its word sum.
struct ValueSet {
  Kind kind;
  uint64_t seed = 0;
  uint64_t count = 0;
  uint64_t size = 0;
  std::vector<uint64_t> hashes;
  std::vector<uint64_t> sums;
  uint64_t bytes() const { return count * size; }
};

ValueSet MakeValueSet(Kind kind, const Config& c) {
  ValueSet set;
  set.kind = kind;
  set.seed = c.seed + (kind == Kind::kRandom ? 0 : 1000003);
  set.count = c.count();
  set.size = c.value_size;
  std::string value(set.size, '\0');
  for (uint64_t i = 0; i < set.count; ++i) {
    FillValue(kind, set.seed, i, &value);
    set.hashes.push_back(XXH3_64bits(value.data(), value.size()));
    set.sums.push_back(SumOf(value));
  }
  return set;
}

// ---------------------------------------------------------------------------
// Engines.

// A read hands the value to `fn` whole (a view the engine owns until fn
// returns), or, streaming, piece by piece.
using ViewFn = absl::FunctionRef<void(std::string_view)>;
using PieceFn = absl::FunctionRef<void(const char*, size_t)>;

class Engine {
 public:
  virtual ~Engine() = default;
  virtual std::string_view name() const = 0;
  virtual std::string Settings() const = 0;
  virtual absl::Status Open(const std::string& dir, const ValueSet& set) = 0;
  // One value in a commit of its own, not necessarily durable yet.
  virtual absl::Status Put(std::string_view key, std::string_view value) = 0;
  // Makes every Put so far durable.
  virtual absl::Status Sync() = 0;
  // After the durable point: whatever the engine does before it reads at
  // its best (RocksDB: flush and compactions). Timed apart.
  virtual absl::Status Settle() { return absl::OkStatus(); }
  virtual absl::Status Get(std::string_view key, ViewFn fn) = 0;
  virtual bool can_stream() const { return false; }
  // Reads the value through a buffer of `chunk` bytes; *reads counts the
  // Read calls that returned bytes.
  virtual absl::Status Stream(std::string_view key, char* buffer,
                              size_t chunk, PieceFn fn, uint64_t* reads) {
    return absl::UnimplementedError("no streaming reads");
  }
  virtual absl::Status Close() = 0;
};

// --- ZVerse ----------------------------------------------------------------

class ZverseEngine : public Engine {
 public:
  std::string_view name() const override { return "ZVerse"; }
  std::string Settings() const override {
    return absl::StrCat(
        "kv::Options defaults but SyncMode::kNever for the writes (then "
        "DB::Sync); values of ",
        kv::kOverflowValueSize,
        " bytes or more go to the overflow area, zstd level 1 where it saves "
        "an eighth; reads on the database reopened read-only; a Snapshot per "
        "value");
  }

  absl::Status Open(const std::string& dir, const ValueSet&) override {
    dir_ = dir;
    kv::Options options;
    options.sync_mode = kv::SyncMode::kNever;
    ZVERSE_ASSIGN_OR_RETURN(db_, kv::DB::Open(dir, options));
    return absl::OkStatus();
  }
  absl::Status Put(std::string_view key, std::string_view value) override {
    return db_->Put(key, value).status();
  }
  absl::Status Sync() override { return db_->Sync(); }
  // Reads come from a read-only open, as `zverse get` does.
  absl::Status Settle() override {
    ZVERSE_RETURN_IF_ERROR(db_->Close());
    db_.reset();
    kv::Options options;
    options.create_if_missing = false;
    options.read_only = true;
    ZVERSE_ASSIGN_OR_RETURN(db_, kv::DB::Open(dir_, options));
    return absl::OkStatus();
  }

  absl::Status Get(std::string_view key, ViewFn fn) override {
    // A snapshot per value: a compressed value read through Get is
    // decompressed into memory that lives as long as the snapshot.
    ZVERSE_ASSIGN_OR_RETURN(kv::Snapshot snapshot, db_->GetSnapshot());
    ZVERSE_ASSIGN_OR_RETURN(std::string_view v, snapshot.Get(key));
    fn(v);
    return absl::OkStatus();
  }

  bool can_stream() const override { return true; }
  absl::Status Stream(std::string_view key, char* buffer, size_t chunk,
                      PieceFn fn, uint64_t* reads) override {
    ZVERSE_ASSIGN_OR_RETURN(kv::Snapshot snapshot, db_->GetSnapshot());
    ZVERSE_ASSIGN_OR_RETURN(kv::ValueReader reader, snapshot.OpenValue(key));
    for (;;) {
      ZVERSE_ASSIGN_OR_RETURN(size_t n, reader.Read(buffer, chunk));
      if (n == 0) return absl::OkStatus();
      ++*reads;
      fn(buffer, n);
    }
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

class LmdbEngine : public Engine {
 public:
  ~LmdbEngine() override { Close().IgnoreError(); }
  std::string_view name() const override { return "LMDB"; }
  std::string Settings() const override {
    return absl::StrCat(
        "one unnamed database, map size ", FormatBytes(map_size_),
        "; a write txn per value with MDB_NOSYNC, then mdb_env_sync; reads "
        "with mdb_get (a view into the map) in a read txn per value "
        "(reset/renew); values live in overflow pages");
  }

  absl::Status Open(const std::string& dir, const ValueSet& set) override {
    map_size_ = set.bytes() + set.bytes() / 4 + 64 * kMiB;
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
    const int rc = mdb_dbi_open(txn, nullptr, 0, &dbi_);
    if (rc != MDB_SUCCESS) {
      mdb_txn_abort(txn);
      return MdbStatus(rc, "dbi_open");
    }
    return MdbStatus(mdb_txn_commit(txn), "txn_commit");
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

  absl::Status Sync() override {
    return MdbStatus(mdb_env_sync(env_, 1), "env_sync");
  }

  absl::Status Get(std::string_view key, ViewFn fn) override {
    if (read_txn_ == nullptr) {
      ZVERSE_RETURN_IF_ERROR(MdbStatus(
          mdb_txn_begin(env_, nullptr, MDB_RDONLY, &read_txn_), "txn_begin"));
    } else {
      ZVERSE_RETURN_IF_ERROR(MdbStatus(mdb_txn_renew(read_txn_), "txn_renew"));
    }
    MDB_val k{key.size(), const_cast<char*>(key.data())};
    MDB_val v;
    const int rc = mdb_get(read_txn_, dbi_, &k, &v);
    if (rc == MDB_SUCCESS) {
      fn(std::string_view(static_cast<const char*>(v.mv_data), v.mv_size));
    }
    mdb_txn_reset(read_txn_);
    return MdbStatus(rc, "get");
  }

  absl::Status Close() override {
    if (read_txn_ != nullptr) {
      mdb_txn_abort(read_txn_);
      read_txn_ = nullptr;
    }
    if (env_ != nullptr) {
      mdb_env_close(env_);
      env_ = nullptr;
    }
    return absl::OkStatus();
  }

 private:
  MDB_env* env_ = nullptr;
  MDB_dbi dbi_ = 0;
  MDB_txn* read_txn_ = nullptr;
  uint64_t map_size_ = 0;
};

// --- RocksDB ---------------------------------------------------------------

absl::Status RocksStatus(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return absl::OkStatus();
  return absl::InternalError(
      absl::StrCat("RocksDB ", Av(what), ": ", s.ToString()));
}

const char* CompressionName(rocksdb::CompressionType t) {
  switch (t) {
    case rocksdb::kNoCompression:
      return "none";
    case rocksdb::kSnappyCompression:
      return "Snappy";
    case rocksdb::kZlibCompression:
      return "zlib";
    case rocksdb::kBZip2Compression:
      return "bzip2";
    case rocksdb::kLZ4Compression:
      return "LZ4";
    case rocksdb::kLZ4HCCompression:
      return "LZ4HC";
    case rocksdb::kXpressCompression:
      return "Xpress";
    case rocksdb::kZSTD:
      return "zstd";
    default:
      return "other";
  }
}

// With `blob_files`, RocksDB's own overflow area (BlobDB: values of
// kOverflowValueSize bytes or more in blob files, the SSTs holding
// references), everything else as by default.
class RocksEngine : public Engine {
 public:
  explicit RocksEngine(bool blob_files) : blob_files_(blob_files) {}
  ~RocksEngine() override { Close().IgnoreError(); }
  std::string_view name() const override {
    return blob_files_ ? "RocksDB-blob" : "RocksDB";
  }
  std::string Settings() const override { return settings_; }

  absl::Status Open(const std::string& dir, const ValueSet&) override {
    // Defaults, on purpose: how RocksDB handles 16 MiB values out of the
    // box (the settings it ends up with are reported).
    rocksdb::Options options;
    options.create_if_missing = true;
    if (blob_files_) {
      options.enable_blob_files = true;
      options.min_blob_size = kv::kOverflowValueSize;
    }
    rocksdb::DB* db = nullptr;
    ZVERSE_RETURN_IF_ERROR(
        RocksStatus(rocksdb::DB::Open(options, dir, &db), "open"));
    db_.reset(db);
    const rocksdb::Options actual = db_->GetOptions();
    std::string cache = "?";
    uint64_t block_size = 0;
    if (const auto* table =
            actual.table_factory->GetOptions<rocksdb::BlockBasedTableOptions>();
        table != nullptr) {
      block_size = table->block_size;
      cache = table->block_cache != nullptr
                  ? FormatBytes(table->block_cache->GetCapacity())
                  : "none";
    }
    settings_ = absl::StrCat(
        blob_files_
            ? absl::StrCat("rocksdb::Options defaults but enable_blob_files "
                           "and min_blob_size = ",
                           actual.min_blob_size, " (blob compression ",
                           CompressionName(actual.blob_compression_type),
                           ", blob cache none)")
            : std::string("rocksdb::Options defaults (create_if_missing "
                          "only)"),
        ": compression ", CompressionName(actual.compression),
        ", write_buffer_size ", FormatBytes(actual.write_buffer_size),
        ", block cache ", cache, ", block_size ", block_size,
        ", max_background_jobs ", actual.max_background_jobs,
        "; Put with the WAL (not synced), then SyncWAL; settle = Flush + "
        "compactions; reads with default ReadOptions (checksums verified)");
    return absl::OkStatus();
  }

  absl::Status Put(std::string_view key, std::string_view value) override {
    return RocksStatus(db_->Put(rocksdb::WriteOptions(),
                                rocksdb::Slice(key.data(), key.size()),
                                rocksdb::Slice(value.data(), value.size())),
                       "put");
  }
  absl::Status Sync() override { return RocksStatus(db_->SyncWAL(), "sync"); }

  absl::Status Settle() override {
    rocksdb::FlushOptions fo;
    fo.wait = true;
    ZVERSE_RETURN_IF_ERROR(RocksStatus(db_->Flush(fo), "flush"));
    for (;;) {
      uint64_t pending = 0, running = 0, flushes = 0;
      db_->GetIntProperty("rocksdb.compaction-pending", &pending);
      db_->GetIntProperty("rocksdb.num-running-compactions", &running);
      db_->GetIntProperty("rocksdb.num-running-flushes", &flushes);
      if (pending == 0 && running == 0 && flushes == 0) break;
      ::usleep(10000);
    }
    return absl::OkStatus();
  }

  absl::Status Get(std::string_view key, ViewFn fn) override {
    rocksdb::PinnableSlice value;
    ZVERSE_RETURN_IF_ERROR(RocksStatus(
        db_->Get(rocksdb::ReadOptions(), db_->DefaultColumnFamily(),
                 rocksdb::Slice(key.data(), key.size()), &value),
        "get"));
    fn(std::string_view(value.data(), value.size()));
    return absl::OkStatus();
  }

  absl::Status Close() override {
    if (db_ == nullptr) return absl::OkStatus();
    absl::Status s = RocksStatus(db_->Close(), "close");
    db_.reset();
    return s;
  }

 private:
  const bool blob_files_;
  std::unique_ptr<rocksdb::DB> db_;
  std::string settings_ = "rocksdb::Options defaults";
};

std::unique_ptr<Engine> MakeEngine(const std::string& name) {
  if (name == "zverse") return std::make_unique<ZverseEngine>();
  if (name == "lmdb") return std::make_unique<LmdbEngine>();
  return std::make_unique<RocksEngine>(name == "rocksdb_blob");
}

// ---------------------------------------------------------------------------
// Measurements.

struct Measurement {
  Measurement(std::string engine_name, std::string variant_name,
              std::string path_name, std::string unit_name)
      : engine(std::move(engine_name)),
        variant(std::move(variant_name)),
        path(std::move(path_name)),
        unit(std::move(unit_name)) {}

  std::string engine;   // "ZVerse", "LMDB", "RocksDB", "floor".
  std::string variant;  // "random", "text".
  std::string path;     // "write", "get", "stream_1MiB", "rss_get", ...
  std::string unit;     // "GB/s", "s", "bytes".
  std::vector<double> values;  // One per repetition.
  std::string error;
  std::vector<std::pair<std::string, double>> extra;

  bool ok() const { return error.empty() && !values.empty(); }
  double median() const { return values.empty() ? 0 : Median(values); }
  double Extra(std::string_view name, double fallback = std::nan("")) const {
    for (const auto& [k, v] : extra) {
      if (k == name) return v;
    }
    return fallback;
  }
};

class Suite {
 public:
  explicit Suite(const Config& c) : config_(c) {
    char path[4096];
    const ssize_t n = ::readlink("/proc/self/exe", path, sizeof(path) - 1);
    if (n > 0) self_ = std::string(path, static_cast<size_t>(n));
  }

  const std::vector<Measurement>& results() const { return results_; }
  const std::map<std::string, std::string>& settings() const {
    return settings_;
  }

  void Run(const std::string& engine_name, const ValueSet& set,
           const std::string& dir) {
    std::unique_ptr<Engine> engine = MakeEngine(engine_name);
    const std::string engine_label(engine->name());
    const std::string variant = KindName(set.kind);
    std::cerr << "kv_stream: " << engine_label << " " << variant << ": writing "
              << set.count << " values of " << FormatBytes(set.size) << "\n";
    Measurement write{engine_label, variant, "write", "s"};
    absl::Status s = Writes(engine_name, set, dir, &engine, &write);
    settings_[engine_label] = engine->Settings();
    if (!s.ok()) {
      write.error = std::string(s.message());
      results_.push_back(write);
      engine->Close().IgnoreError();
      RemoveTree(dir).IgnoreError();
      return;
    }
    results_.push_back(write);

    // The read paths of this engine.
    struct Path {
      std::string name;
      uint64_t chunk = 0;  // 0: Get.
    };
    std::vector<Path> paths;
    if (engine->can_stream()) {
      for (uint64_t chunk : config_.chunks) {
        paths.push_back({absl::StrCat("stream_", ChunkName(chunk)), chunk});
      }
    }
    paths.push_back({"get", 0});
    uint64_t max_chunk = 0;
    for (const Path& p : paths) max_chunk = std::max(max_chunk, p.chunk);
    std::unique_ptr<char[]> buffer(new char[std::max<uint64_t>(max_chunk, 1)]);

    // The untimed check, which also warms the cache and the mappings.
    std::cerr << "kv_stream: " << engine_label << " " << variant
              << ": checking every value\n";
    std::vector<Measurement> reads;
    for (const Path& p : paths) {
      Measurement m{engine_label, variant, p.name, "GB/s"};
      m.error = std::string(Check(engine.get(), set, p.chunk, buffer.get())
                                .message());
      reads.push_back(std::move(m));
    }
    // Timed passes, repetition-major, so that drift hits every path alike.
    std::cerr << "kv_stream: " << engine_label << " " << variant
              << ": timed reads\n";
    for (int rep = 0; rep < config_.repetitions; ++rep) {
      for (size_t k = 0; k < paths.size(); ++k) {
        Measurement& m = reads[k];
        if (!m.error.empty()) continue;
        uint64_t calls = 0;
        Stopwatch timer;
        s = Pass(engine.get(), set, paths[k].chunk, buffer.get(), &calls);
        const double seconds = timer.Seconds();
        if (!s.ok()) {
          m.error = std::string(s.message());
          continue;
        }
        m.values.push_back(static_cast<double>(set.bytes()) / seconds / 1e9);
        if (paths[k].chunk != 0 && rep == 0) {
          m.extra.emplace_back("reads_per_value",
                               static_cast<double>(calls) / set.count);
        }
      }
    }
    for (Measurement& m : reads) results_.push_back(std::move(m));

    if (engine->can_stream()) {
      std::cerr << "kv_stream: " << engine_label << " " << variant
                << ": memory of one value\n";
      for (const char* mode : {"stream", "get"}) {
        results_.push_back(MemoryProbe(engine_label, variant, mode, dir, set));
      }
    }
    s = engine->Close();
    if (!s.ok()) std::cerr << "kv_stream: closing: " << s << "\n";
    RemoveTree(dir).IgnoreError();
  }

  // The floor: the consumer without an engine, on the first values.
  void Floor(const ValueSet& set) {
    const uint64_t n = std::min(config_.floor_values, set.count);
    if (n == 0) return;
    const std::string variant = KindName(set.kind);
    std::cerr << "kv_stream: floor " << variant << "\n";
    std::vector<std::string> raw(n, std::string(set.size, '\0'));
    for (uint64_t i = 0; i < n; ++i) FillValue(set.kind, set.seed, i, &raw[i]);
    const uint64_t bytes = n * set.size;
    std::unique_ptr<char[]> buffer(new char[kMiB]);
    auto timed = [&](const std::string& path, auto&& pass) {
      Measurement m{"floor", variant, path, "GB/s"};
      m.extra.emplace_back("values", static_cast<double>(n));
      pass();  // Warm.
      for (int rep = 0; rep < config_.repetitions; ++rep) {
        Stopwatch timer;
        if (!pass()) {
          m.error = "wrong word sum";
          break;
        }
        m.values.push_back(static_cast<double>(bytes) / timer.Seconds() / 1e9);
      }
      return m;
    };
    if (set.kind == Kind::kRandom) {
      results_.push_back(timed("memcpy_1MiB", [&] {
        bool ok = true;
        for (uint64_t i = 0; i < n; ++i) {
          WordSum sum;
          for (uint64_t off = 0; off < set.size; off += kMiB) {
            const size_t len = std::min<uint64_t>(kMiB, set.size - off);
            std::memcpy(buffer.get(), raw[i].data() + off, len);
            sum.Add(buffer.get(), len);
          }
          ok &= sum.Finish() == set.sums[i];
        }
        return ok;
      }));
      return;
    }
    // As the overflow area compresses (kv/internal/format.cc): level 1.
    std::vector<std::string> frames(n);
    uint64_t frame_bytes = 0;
    for (uint64_t i = 0; i < n; ++i) {
      frames[i].resize(ZSTD_compressBound(set.size));
      const size_t z = ZSTD_compress(frames[i].data(), frames[i].size(),
                                     raw[i].data(), raw[i].size(), 1);
      frames[i].resize(ZSTD_isError(z) ? 0 : z);
      frame_bytes += frames[i].size();
    }
    raw.clear();
    raw.shrink_to_fit();
    ZSTD_DCtx* dctx = ZSTD_createDCtx();
    Measurement stream = timed("zstd_stream_1MiB", [&] {
      bool ok = true;
      for (uint64_t i = 0; i < n; ++i) {
        ZSTD_DCtx_reset(dctx, ZSTD_reset_session_only);
        WordSum sum;
        ZSTD_inBuffer in{frames[i].data(), frames[i].size(), 0};
        size_t r = 1;
        while (r != 0) {
          ZSTD_outBuffer out{buffer.get(), kMiB, 0};
          r = ZSTD_decompressStream(dctx, &out, &in);
          if (ZSTD_isError(r)) return false;
          sum.Add(buffer.get(), out.pos);
          if (out.pos == 0 && in.pos == in.size && r != 0) return false;
        }
        ok &= sum.Finish() == set.sums[i];
      }
      return ok;
    });
    stream.extra.emplace_back("compression_ratio",
                              static_cast<double>(bytes) / frame_bytes);
    results_.push_back(std::move(stream));
    std::string whole(set.size, '\0');
    results_.push_back(timed("zstd_oneshot", [&] {
      bool ok = true;
      for (uint64_t i = 0; i < n; ++i) {
        const size_t r = ZSTD_decompressDCtx(dctx, whole.data(), whole.size(),
                                             frames[i].data(), frames[i].size());
        ok &= !ZSTD_isError(r) && r == set.size && SumOf(whole) == set.sums[i];
      }
      return ok;
    }));
    ZSTD_freeDCtx(dctx);
  }

 private:
  // One write of every value into a fresh database at `dir`, until durable,
  // then settled.
  struct WriteRun {
    double seconds = 0;  // Puts and the sync.
    double sync_seconds = 0;
    double settle_seconds = 0;
  };
  absl::StatusOr<WriteRun> Write(Engine* engine, const ValueSet& set,
                                 const std::string& dir) {
    ZVERSE_RETURN_IF_ERROR(engine->Open(dir, set));
    std::string value(set.size, '\0');
    WriteRun run;
    for (uint64_t i = 0; i < set.count; ++i) {
      FillValue(set.kind, set.seed, i, &value);  // Not timed.
      Stopwatch timer;
      ZVERSE_RETURN_IF_ERROR(engine->Put(ValueKey(i), value));
      run.seconds += timer.Seconds();
    }
    Stopwatch sync_timer;
    ZVERSE_RETURN_IF_ERROR(engine->Sync());
    run.sync_seconds = sync_timer.Seconds();
    run.seconds += run.sync_seconds;
    Stopwatch settle_timer;
    ZVERSE_RETURN_IF_ERROR(engine->Settle());
    run.settle_seconds = settle_timer.Seconds();
    return run;
  }

  // Writes --write_repetitions times, each into a fresh database; the last
  // one stays open in *engine for the reads.
  absl::Status Writes(const std::string& engine_name, const ValueSet& set,
                      const std::string& dir, std::unique_ptr<Engine>* engine,
                      Measurement* m) {
    std::vector<double> sync_seconds, settle_seconds;
    for (int rep = 0; rep < config_.write_repetitions; ++rep) {
      if (rep > 0) {
        ZVERSE_RETURN_IF_ERROR((*engine)->Close());
        ZVERSE_RETURN_IF_ERROR(RemoveTree(dir));
        *engine = MakeEngine(engine_name);
      }
      ZVERSE_ASSIGN_OR_RETURN(WriteRun run, Write(engine->get(), set, dir));
      m->values.push_back(run.seconds);
      sync_seconds.push_back(run.sync_seconds);
      settle_seconds.push_back(run.settle_seconds);
    }
    m->extra.emplace_back("mb_per_s", set.bytes() / m->median() / 1e6);
    m->extra.emplace_back("sync_s", Median(sync_seconds));
    m->extra.emplace_back("settle_s", Median(settle_seconds));
    m->extra.emplace_back("raw_bytes", static_cast<double>(set.bytes()));
    m->extra.emplace_back("disk_bytes",
                          static_cast<double>(DirectoryDiskBytes(dir)));
    uint64_t blob_bytes = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".blob") {
        blob_bytes += entry.file_size(ec);
      }
    }
    if (blob_bytes > 0) {
      m->extra.emplace_back("blob_bytes", static_cast<double>(blob_bytes));
      m->extra.emplace_back("compression_ratio",
                            static_cast<double>(set.bytes()) / blob_bytes);
    }
    return absl::OkStatus();
  }

  // Reads every value once through one path and compares hashes.
  absl::Status Check(Engine* engine, const ValueSet& set, uint64_t chunk,
                     char* buffer) {
    XXH3_state_t* state = XXH3_createState();
    absl::Status status;
    for (uint64_t i = 0; i < set.count && status.ok(); ++i) {
      const std::string key = ValueKey(i);
      uint64_t size = 0;
      XXH3_64bits_reset(state);
      if (chunk == 0) {
        status = engine->Get(key, [&](std::string_view v) {
          size = v.size();
          XXH3_64bits_update(state, v.data(), v.size());
        });
      } else {
        uint64_t reads = 0;
        status = engine->Stream(
            key, buffer, chunk,
            [&](const char* p, size_t n) {
              size += n;
              XXH3_64bits_update(state, p, n);
            },
            &reads);
      }
      if (status.ok() &&
          (size != set.size || XXH3_64bits_digest(state) != set.hashes[i])) {
        status = absl::DataLossError(absl::StrFormat(
            "wrong value for %s: %d bytes (want %d), hash %016x (want %016x)",
            key, size, set.size, XXH3_64bits_digest(state), set.hashes[i]));
      }
    }
    XXH3_freeState(state);
    return status;
  }

  // One timed pass over every value; checks each word sum.
  absl::Status Pass(Engine* engine, const ValueSet& set, uint64_t chunk,
                    char* buffer, uint64_t* calls) {
    for (uint64_t i = 0; i < set.count; ++i) {
      const std::string key = ValueKey(i);
      uint64_t sum = 0;
      if (chunk == 0) {
        ZVERSE_RETURN_IF_ERROR(
            engine->Get(key, [&](std::string_view v) { sum = SumOf(v); }));
      } else {
        WordSum ws;
        ZVERSE_RETURN_IF_ERROR(engine->Stream(
            key, buffer, chunk, [&](const char* p, size_t n) { ws.Add(p, n); },
            calls));
        sum = ws.Finish();
      }
      if (sum != set.sums[i]) {
        return absl::DataLossError(
            absl::StrCat("wrong value for ", key, ": word sum differs"));
      }
    }
    return absl::OkStatus();
  }

  // Runs this program as a child (--probe) that reads value 0 once.
  Measurement MemoryProbe(const std::string& engine, const std::string& variant,
                          const std::string& mode, const std::string& dir,
                          const ValueSet& set) {
    Measurement m{engine, variant,
                  mode == "get" ? "rss_get" : "rss_stream_1MiB", "bytes"};
    if (self_.empty()) {
      m.error = "cannot find /proc/self/exe";
      return m;
    }
    auto quote = [](const std::string& s) {
      std::string q = "'";
      for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
      return q + "'";
    };
    const std::string command = absl::StrCat(
        quote(self_), " --probe ", mode, " --probe_db ", quote(dir),
        " --probe_key ", quote(ValueKey(0)), " --probe_chunk ", kMiB,
        " --probe_sum ", set.sums[0]);
    FILE* child = ::popen(command.c_str(), "r");
    if (child == nullptr) {
      m.error = absl::StrCat("popen: ", std::strerror(errno));
      return m;
    }
    char line[512] = {};
    const bool got = std::fgets(line, sizeof(line), child) != nullptr;
    const int rc = ::pclose(child);
    long long peak = 0, anon = 0, file = 0;
    int reset = 0;
    if (!got || rc != 0 ||
        std::sscanf(line, "ok reset=%d peak=%lld anon=%lld file=%lld", &reset,
                    &peak, &anon, &file) != 4) {
      m.error = absl::StrCat("probe failed (exit ", rc, "): ", line);
      return m;
    }
    m.values.push_back(static_cast<double>(peak));
    m.extra.emplace_back("rss_anon_delta", static_cast<double>(anon));
    m.extra.emplace_back("rss_file_delta", static_cast<double>(file));
    m.extra.emplace_back("hwm_reset", reset);
    return m;
  }

  const Config& config_;
  std::string self_;
  std::vector<Measurement> results_;
  std::map<std::string, std::string> settings_;
};

// The child: opens the database read-only, reads one value once, and prints
// "ok reset=R peak=P anon=A file=F" (bytes: the growth of VmHWM over the
// VmRSS before the read, and of RssAnon and RssFile at the read's end, its
// buffers still held).
int RunProbe(const ProbeConfig& p) {
  kv::Options options;
  options.create_if_missing = false;
  options.read_only = true;
  absl::StatusOr<std::unique_ptr<kv::DB>> db = kv::DB::Open(p.db, options);
  if (!db.ok()) {
    std::printf("error %s\n", std::string(db.status().message()).c_str());
    return 1;
  }
  // Resets VmHWM to the current VmRSS (Linux 4.0 and later).
  bool reset = false;
  if (FILE* f = std::fopen("/proc/self/clear_refs", "w"); f != nullptr) {
    reset = std::fputs("5", f) >= 0;
    reset &= std::fclose(f) == 0;
  }
  const ProcMemory before = ReadProcMemory();
  ProcMemory during;
  uint64_t sum = 0;
  absl::Status status;
  {
    absl::StatusOr<kv::Snapshot> snapshot = (*db)->GetSnapshot();
    if (!snapshot.ok()) {
      status = snapshot.status();
    } else if (p.mode == "get") {
      absl::StatusOr<std::string_view> v = snapshot->Get(p.key);
      if (v.ok()) {
        sum = SumOf(*v);
        during = ReadProcMemory();
      }
      status = v.status();
    } else {
      std::unique_ptr<char[]> buffer(new char[p.chunk]);
      absl::StatusOr<kv::ValueReader> reader = snapshot->OpenValue(p.key);
      WordSum ws;
      while (reader.ok()) {
        absl::StatusOr<size_t> n = reader->Read(buffer.get(), p.chunk);
        if (!n.ok()) {
          status = n.status();
          break;
        }
        if (*n == 0) break;
        ws.Add(buffer.get(), *n);
      }
      if (!reader.ok()) status = reader.status();
      sum = ws.Finish();
      during = ReadProcMemory();
    }
  }
  const ProcMemory after = ReadProcMemory();
  if (!status.ok() || sum != p.want_sum) {
    std::printf("error %s\n", status.ok() ? "wrong word sum"
                                          : std::string(status.message()).c_str());
    return 1;
  }
  auto delta = [](uint64_t a, uint64_t b) {
    return static_cast<long long>(a) - static_cast<long long>(b);
  };
  std::printf("ok reset=%d peak=%lld anon=%lld file=%lld\n", reset ? 1 : 0,
              delta(std::max(after.vm_hwm, during.vm_rss), before.vm_rss),
              delta(during.rss_anon, before.rss_anon),
              delta(during.rss_file, before.rss_file));
  return 0;
}

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
                        std::string_view engine, std::string_view variant,
                        std::string_view path) {
  for (const Measurement& m : results) {
    if (m.engine == engine && m.variant == variant && m.path == path) return &m;
  }
  return nullptr;
}

std::string RateCell(const Measurement* m) {
  if (m == nullptr) return "—";
  if (!m->error.empty()) {
    return m->error.find("wrong value") != std::string::npos ? "**WRONG DATA**"
                                                             : "**FAILED**";
  }
  return absl::StrFormat("%.2f", m->median());
}

std::string MiBCell(double bytes) {
  if (!std::isfinite(bytes)) return "—";
  return absl::StrFormat("%+.1f MiB", bytes / kMiB);
}

std::string Markdown(const Config& c, const std::vector<Measurement>& results,
                     const std::map<std::string, std::string>& settings,
                     const std::string& date, double total_seconds,
                     const std::string& load_before,
                     const std::string& load_after) {
  std::vector<std::string> variants;
  for (Kind k : c.variants) variants.push_back(KindName(k));
  std::string md;
  absl::StrAppend(&md, "# Large values: streaming reads from the overflow area\n\n");
  absl::StrAppend(&md, "Generated by `kv_stream` at ", date, " in ",
                  absl::StrFormat("%.0f", total_seconds), " s on ",
                  MachineDescription(), "; load average (1/5/15 min) ",
                  load_before, " at the start, ", load_after,
                  " at the end.\n\n");
  absl::StrAppend(
      &md, c.count(), " values of ", FormatBytes(c.value_size),
      " per variant (", FormatBytes(c.count() * c.value_size),
      "): `random` (incompressible) and `text` (log lines); seed ", c.seed,
      ". Reads are warm: every value was read and checked once first "
      "(untimed), the databases were just written and sit in the page "
      "cache. Every read path hands every byte to the same consumer (a sum "
      "of the value's 8-byte words, checked). Medians of ", c.repetitions,
      " passes; GB/s = 10^9 bytes of value per second. Writes: medians of ",
      c.write_repetitions, " runs, each into a fresh database.\n\n");

  absl::StrAppend(&md, "## Goal (from the issue)\n\n");
  absl::StrAppend(&md,
                  "\"Streaming at 1 GB/s or more from cache\": "
                  "`Snapshot::OpenValue` + `ValueReader::Read` into a 1 MiB "
                  "buffer.\n\n| variant | GB/s | met |\n|---|---:|:---:|\n");
  for (const std::string& v : variants) {
    const Measurement* m = Find(results, "ZVerse", v, "stream_1MiB");
    if (m == nullptr) continue;
    absl::StrAppend(&md, "| ", v, " | ", RateCell(m), " | ",
                    m->ok() ? (m->median() >= 1.0 ? "yes" : "**no**") : "n/a",
                    " |\n");
  }

  absl::StrAppend(&md, "\n## Reads (GB/s, median)\n\n| read path |");
  for (const std::string& v : variants) absl::StrAppend(&md, " ", v, " |");
  absl::StrAppend(&md, "\n|---|");
  for (size_t i = 0; i < variants.size(); ++i) absl::StrAppend(&md, "---:|");
  absl::StrAppend(&md, "\n");
  struct Row {
    std::string engine;
    std::string path;
    std::string label;
  };
  std::vector<Row> rows;
  for (uint64_t chunk : c.chunks) {
    rows.push_back({"ZVerse", absl::StrCat("stream_", ChunkName(chunk)),
                    absl::StrCat("ZVerse `OpenValue` + `Read`, ",
                                 ChunkName(chunk, /*space=*/true),
                                 " buffer")});
  }
  rows.push_back({"ZVerse", "get",
                  "ZVerse `Snapshot::Get` (view; decompressed copy if "
                  "compressed)"});
  rows.push_back({"LMDB", "get", "LMDB `mdb_get` (view into the map)"});
  rows.push_back({"RocksDB", "get", "RocksDB `Get` into a `PinnableSlice`"});
  rows.push_back({"RocksDB-blob", "get",
                  "RocksDB with blob files (`enable_blob_files`), `Get` into "
                  "a `PinnableSlice`"});
  rows.push_back({"floor", "memcpy_1MiB",
                  "floor: `memcpy` from memory in 1 MiB chunks, no engine"});
  rows.push_back({"floor", "zstd_stream_1MiB",
                  "floor: zstd level 1 frame, `ZSTD_decompressStream` into "
                  "1 MiB, no engine"});
  rows.push_back({"floor", "zstd_oneshot",
                  "floor: zstd level 1 frame, one `ZSTD_decompressDCtx`, no "
                  "engine"});
  for (const Row& r : rows) {
    std::string line = absl::StrCat("| ", r.label, " |");
    bool any = false;
    for (const std::string& v : variants) {
      const Measurement* m = Find(results, r.engine, v, r.path);
      any |= m != nullptr;
      std::string cell = RateCell(m);
      if (m != nullptr && m->ok()) {
        const double per = m->Extra("reads_per_value");
        if (std::isfinite(per)) {
          absl::StrAppend(&cell, absl::StrFormat(" (%.0f reads/value)", per));
        }
      }
      absl::StrAppend(&line, " ", cell, " |");
    }
    if (any) absl::StrAppend(&md, line, "\n");
  }
  absl::StrAppend(&md,
                  "\nThe floor rows run on the first ", c.floor_values,
                  " values only, from memory: what the consumer and zstd "
                  "alone cost on this CPU.\n");

  absl::StrAppend(&md,
                  "\n## Writes (one value per commit, durable at the end)\n\n"
                  "| engine | variant | write + sync | MB/s | of which sync | "
                  "settle | on disk | raw / on disk | every run |\n"
                  "|---|---|---:|---:|---:|---:|---:|---:|---|\n");
  for (const std::string& v : variants) {
    for (const char* e : {"ZVerse", "LMDB", "RocksDB", "RocksDB-blob"}) {
      const Measurement* m = Find(results, e, v, "write");
      if (m == nullptr) continue;
      if (!m->ok()) {
        absl::StrAppend(&md, "| ", e, " | ", v,
                        " | **FAILED** | | | | | | |\n");
        continue;
      }
      const double disk = m->Extra("disk_bytes");
      absl::StrAppend(
          &md, "| ", e, " | ", v, " | ",
          absl::StrFormat("%.2f s", m->median()), " | ",
          absl::StrFormat("%.0f", m->Extra("mb_per_s")), " | ",
          absl::StrFormat("%.2f s", m->Extra("sync_s")), " | ",
          absl::StrFormat("%.2f s", m->Extra("settle_s")), " | ",
          FormatBytes(static_cast<uint64_t>(disk)), " | ",
          absl::StrFormat("%.2f", m->Extra("raw_bytes") / disk), " | ",
          absl::StrJoin(m->values, ", ",
                        [](std::string* out, double v) {
                          absl::StrAppendFormat(out, "%.2f", v);
                        }),
          " s |\n");
    }
  }
  absl::StrAppend(
      &md,
      "\nMB = 10^6 bytes of value. Settle: ZVerse closes and reopens "
      "read-only; RocksDB flushes its memtable and waits for the "
      "compactions that start (not part of the durable write). On disk: "
      "blocks allocated in the database directory after settling.\n");

  absl::StrAppend(&md,
                  "\n## Compression in ZVerse's overflow area\n\n"
                  "| variant | raw | `*.blob` files | ratio |"
                  " zstd level 1 alone (floor sample) |\n"
                  "|---|---:|---:|---:|---:|\n");
  for (const std::string& v : variants) {
    const Measurement* m = Find(results, "ZVerse", v, "write");
    if (m == nullptr || !m->ok()) continue;
    const Measurement* f = Find(results, "floor", v, "zstd_stream_1MiB");
    const double floor_ratio =
        f != nullptr ? f->Extra("compression_ratio") : std::nan("");
    absl::StrAppend(
        &md, "| ", v, " | ",
        FormatBytes(static_cast<uint64_t>(m->Extra("raw_bytes"))), " | ",
        FormatBytes(static_cast<uint64_t>(m->Extra("blob_bytes", 0))), " | ",
        absl::StrFormat("%.2f", m->Extra("compression_ratio")), " | ",
        std::isfinite(floor_ratio) ? absl::StrFormat("%.2f", floor_ratio)
                                   : std::string("—"),
        " |\n");
  }

  absl::StrAppend(
      &md,
      "\n## Memory: one ", FormatBytes(c.value_size),
      " value, streaming vs Get\n\nA child process opens the database "
      "read-only and reads the first value once; growth over its resident "
      "memory just before the read (peak: VmHWM, reset through "
      "`/proc/self/clear_refs`; RssAnon and RssFile at the end of the read, "
      "buffers still held). RssFile is the mapped pages of the blob file "
      "the read touched; RssAnon is memory allocated for the read (the "
      "stream's 1 MiB buffer and zstd context, or Get's decompressed "
      "copy).\n\n| variant | path | peak RSS Δ | RssAnon Δ | RssFile Δ |\n"
      "|---|---|---:|---:|---:|\n");
  for (const std::string& v : variants) {
    for (const char* path : {"rss_stream_1MiB", "rss_get"}) {
      const Measurement* m = Find(results, "ZVerse", v, path);
      if (m == nullptr) continue;
      const char* label = std::string_view(path) == "rss_get"
                              ? "`Snapshot::Get`"
                              : "`OpenValue` + `Read`, 1 MiB buffer";
      if (!m->ok()) {
        absl::StrAppend(&md, "| ", v, " | ", label, " | **FAILED** | | |\n");
        continue;
      }
      absl::StrAppend(&md, "| ", v, " | ", label, " | ", MiBCell(m->median()),
                      m->Extra("hwm_reset") == 1 ? "" : " (HWM not reset)",
                      " | ", MiBCell(m->Extra("rss_anon_delta")), " | ",
                      MiBCell(m->Extra("rss_file_delta")), " |\n");
    }
  }

  bool header = false;
  for (const Measurement& m : results) {
    if (m.error.empty()) continue;
    if (!header) {
      absl::StrAppend(&md, "\n## Failures\n\n");
      header = true;
    }
    absl::StrAppend(&md, "- ", m.engine, " ", m.variant, " ", m.path, ": `",
                    m.error, "`\n");
  }

  absl::StrAppend(&md, "\n## Engine settings\n\n");
  for (const auto& [engine, s] : settings) {
    absl::StrAppend(&md, "- ", engine, ": ", s, "\n");
  }
  absl::StrAppend(&md,
                  "\nDescribed in `bench/README.md` and `kv_stream --help`.\n");
  return md;
}

std::string Json(const Config& c, const std::vector<Measurement>& results,
                 const std::map<std::string, std::string>& settings,
                 const std::string& date, const std::string& load_before,
                 bool complete) {
  std::vector<std::string> variants, chunks;
  for (Kind k : c.variants) variants.push_back(absl::StrCat("\"", KindName(k), "\""));
  for (uint64_t ch : c.chunks) chunks.push_back(absl::StrCat(ch));
  std::string j = "{\n";
  absl::StrAppend(&j, "  \"program\": \"kv_stream\",\n");
  absl::StrAppend(&j, "  \"date\": \"", date, "\",\n");
  absl::StrAppend(&j, "  \"complete\": ", complete ? "true" : "false", ",\n");
  absl::StrAppend(&j, "  \"machine\": \"", JsonEscape(MachineDescription()),
                  "\",\n");
  absl::StrAppend(&j, "  \"load_average_start\": \"", load_before,
                  "\",\n  \"load_average_now\": \"", LoadAverage(), "\",\n");
  absl::StrAppend(&j, "  \"config\": {\"values_per_variant\": ", c.count(),
                  ", \"value_size\": ", c.value_size, ", \"variants\": [",
                  absl::StrJoin(variants, ", "), "], \"chunks\": [",
                  absl::StrJoin(chunks, ", "),
                  "], \"repetitions\": ", c.repetitions,
                  ", \"write_repetitions\": ", c.write_repetitions,
                  ", \"seed\": ", c.seed,
                  ", \"floor_values\": ", c.floor_values, "},\n");
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
    absl::StrAppend(&j, "    {\"engine\": \"", m.engine, "\", \"variant\": \"",
                    m.variant, "\", \"path\": \"", m.path, "\", \"unit\": \"",
                    m.unit, "\", \"status\": \"",
                    m.error.empty() ? "ok" : "failed", "\"");
    if (!m.error.empty()) {
      absl::StrAppend(&j, ", \"error\": \"", JsonEscape(m.error), "\"");
    }
    absl::StrAppend(&j, ", \"median\": ", JsonNumber(m.median()),
                    ", \"values\": ", JsonNumberList(m.values));
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
  ProbeConfig probe;
  absl::StatusOr<Config> parsed = ParseFlags(argc, argv, &probe, &help);
  if (help) {
    std::cout << kHelp;
    return 0;
  }
  if (!parsed.ok()) {
    std::cerr << "kv_stream: " << parsed.status().message() << "\n";
    return 2;
  }
  if (!probe.mode.empty()) return RunProbe(probe);
  const Config& c = *parsed;

  bool own_base = false;
  absl::StatusOr<std::string> scratch =
      ScratchBase(c.dir, "zverse-kv-stream-", &own_base);
  if (!scratch.ok()) {
    std::cerr << "kv_stream: " << scratch.status() << "\n";
    return 1;
  }
  const std::string base = *scratch;
  const std::string date = NowUtc();
  const std::string load_before = LoadAverage();
  std::cerr << "kv_stream: databases under " << base << "\n";

  Suite suite(c);
  Stopwatch total;
  for (Kind kind : c.variants) {
    std::cerr << "kv_stream: generating " << KindName(kind) << " values\n";
    const ValueSet set = MakeValueSet(kind, c);
    for (const std::string& e : c.engines) {
      suite.Run(e, set, absl::StrCat(base, "/", e, "-", KindName(kind)));
      if (!c.json_path.empty()) {
        absl::Status s =
            WriteTextFile(c.json_path, Json(c, suite.results(), suite.settings(),
                                        date, load_before, false));
        if (!s.ok()) std::cerr << "kv_stream: " << s << "\n";
      }
    }
    suite.Floor(set);
  }
  if (own_base) RemoveTree(base).IgnoreError();

  const std::string md = Markdown(c, suite.results(), suite.settings(), date,
                                  total.Seconds(), load_before, LoadAverage());
  std::cout << md;
  int rc = WriteReports("kv_stream", c.json_path,
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
