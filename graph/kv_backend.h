// The key-value engine under the graph layer, as an interface.
//
// GraphDb stores vertices, adjacency, dictionaries and metadata as versioned
// keys (graph/FORMAT.md) and touches its engine only through these two
// classes, so the same schema and the same code run on any ordered,
// versioned KV store. ZVerse's own engine (kv::DB) is the default and the
// only one the library ships; bench/backends/ has LMDB and RocksDB
// implementations so that the graph can be measured over a B-tree and over
// an LSM tree (bench/graph_compare):
//
//   auto backend = OpenZVerseBackend("/tmp/g");   // what GraphDb::Open does
//   auto db = GraphDb::Open(*std::move(backend));
//
// The semantics are kv::DB's: every write is a new version at a timestamp;
// a view reads the newest version of each key at or before its timestamp;
// removals are tombstones; a batch is atomic.
//
// Cost: one virtual call per point read and per scan (never per record of a
// scan).

#ifndef ZVERSE_GRAPH_KV_BACKEND_H_
#define ZVERSE_GRAPH_KV_BACKEND_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kv/db.h"

namespace zverse::graph {

// A consistent, read-only view as of a timestamp (kv::Snapshot's contract:
// it repeats itself; writes committed after it was taken are invisible).
//
// Values must start at an 8-byte-aligned address (the graph reads its
// Cap'n Proto records in place); a backend whose engine does not align them
// copies them.
//
// Lifetimes: the record of GetRecord and the value of Get stay valid for the
// view's life. Records handed to a Scan, History or Changes callback are
// valid until the callback returns (ZVerse's stay valid longer; callers must
// not rely on it).
//
// Thread safety: a view may be used by several threads at once.
class KvView {
 public:
  virtual ~KvView() = default;

  // The timestamp it reads as of (resolved; never kLatest).
  virtual kv::Timestamp as_of() const = 0;

  // The newest version of `key` at or before as_of(), tombstones included.
  // NotFound if there is none.
  virtual absl::StatusOr<kv::Record> GetRecord(std::string_view key) const = 0;
  // Its value; NotFound also when the newest version is a tombstone.
  virtual absl::StatusOr<std::string_view> Get(std::string_view key) const;

  // Every live key in [start, end) in bytewise key order with its newest
  // version at or before as_of(); an empty `end` is no bound. `fn` returns
  // false to stop.
  virtual absl::Status Scan(
      std::string_view start, std::string_view end,
      absl::FunctionRef<bool(const kv::Record&)> fn) const = 0;
  // Every version of `key` at or before as_of(), newest first, tombstones
  // included.
  virtual absl::Status History(
      std::string_view key,
      absl::FunctionRef<bool(const kv::Record&)> fn) const = 0;
  // Every version with t1 < ts <= min(t2, as_of()), ordered by (ts, key).
  virtual absl::Status Changes(
      kv::Timestamp t1, kv::Timestamp t2,
      absl::FunctionRef<bool(const kv::Record&)> fn) const = 0;

  // Read-ahead hints (kv::Snapshot::Prefetch and friends). Backends without
  // a prefetcher ignore them.
  virtual kv::PrefetchStats Prefetch(
      const std::vector<kv::KeyRange>& ranges) const {
    return {};
  }
  virtual bool PrefetchesInBackground() const { return false; }
  virtual bool SkipNextHint() const { return false; }

  // The ZVerse snapshot under this view; nullptr on other backends.
  virtual const kv::Snapshot* zverse() const { return nullptr; }
};

// A versioned KV store the graph layer writes to and takes views of.
//
// Thread safety: calls may come from several threads; GraphDb serializes
// its writes.
class KvBackend {
 public:
  virtual ~KvBackend() = default;

  // "zverse", "lmdb", "rocksdb": for reports and errors.
  virtual std::string_view name() const = 0;
  // The directory the store lives in.
  virtual const std::string& path() const = 0;

  // A view as of `as_of` (kv::kLatest: the newest committed state).
  // InvalidArgument if as_of is 0.
  virtual absl::StatusOr<std::unique_ptr<KvView>> GetView(
      kv::Timestamp as_of) const = 0;

  // Commits `batch` atomically with kv::DB::Write's semantics: entries
  // without a timestamp (PutAt/DeleteAt with 0, Put, Delete) carry the
  // commit's, which is options.ts or, when 0, max(now, last + 1); explicit
  // timestamps must satisfy 1 <= ts <= now (InvalidArgument otherwise).
  // Returns the commit timestamp, or for a batch whose every entry has its
  // own timestamp, the largest of those.
  virtual absl::StatusOr<kv::Timestamp> Write(
      const kv::WriteBatch& batch, const kv::WriteOptions& options) = 0;
  // The same for a bulk load, of any size, all or nothing; durable when it
  // returns. Engines with a bulk path use it (kv::DB::Ingest). `batch` is
  // empty after the call.
  virtual absl::StatusOr<kv::Timestamp> Ingest(
      kv::WriteBatch&& batch, const kv::WriteOptions& options) = 0;

  // Makes every acknowledged write durable.
  virtual absl::Status Sync() = 0;
  // Settles the store after a load: merges what the engine keeps in
  // several files (ZVerse: kv::DB::Compact, one segment; an LSM tree: a
  // flush and a full compaction). Keeps every version. Engines with
  // nothing to merge return at once.
  virtual absl::Status Compact() { return absl::OkStatus(); }
  // Syncs and closes; later calls fail. Views taken before stay readable
  // where the engine allows it (ZVerse's do).
  virtual absl::Status Close() = 0;

  // The ZVerse engine under this backend; nullptr on other backends.
  virtual kv::DB* zverse() const { return nullptr; }
};

// ZVerse's engine as a backend: opens (or creates, per `options`) the
// database in `path` (errors as kv::DB::Open).
absl::StatusOr<std::unique_ptr<KvBackend>> OpenZVerseBackend(
    const std::string& path, const kv::Options& options = {});
// Wraps an open kv::DB.
std::unique_ptr<KvBackend> ZVerseBackend(std::unique_ptr<kv::DB> db);

// The timestamps of a commit, resolved the way kv::DB::Write resolves them,
// for backends that keep their own clock.
struct CommitTimestamps {
  kv::Timestamp commit = 0;  // What entries without a timestamp carry.
  kv::Timestamp result = 0;  // What Write returns.
  kv::Timestamp max = 0;     // The newest timestamp the batch writes.
};
// `now`: the clock; `last`: the newest timestamp committed before.
// InvalidArgument for an empty batch or a timestamp in the future.
absl::StatusOr<CommitTimestamps> ResolveCommitTimestamps(
    const kv::WriteBatch& batch, const kv::WriteOptions& options,
    kv::Timestamp now, kv::Timestamp last);

}  // namespace zverse::graph

#endif  // ZVERSE_GRAPH_KV_BACKEND_H_
