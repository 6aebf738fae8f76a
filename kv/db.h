// ZVerse temporal key-value engine: the public API.
//
// Every write creates a new, immutable version of a key stamped with a
// timestamp (microseconds since the Unix epoch). Reads see the database as of
// any timestamp. Data files are the log: a commit appends its entries to the
// active log file and is durable once those bytes are synced; full log files
// are sealed into immutable segments sorted by the interleaved key (see
// kv/interleave.h and kv/FORMAT.md).
//
// Thread safety: a DB may be shared by any number of threads. Writers are
// serialized internally and concurrent committers share one sync (group
// commit). Readers never observe part of a batch, and a thread's successive
// reads never go back in time.
//
// Only one process may open a database directory read-write at a time, and
// not while others have it open read-only: such an Open fails with
// FailedPrecondition. Read-only opens may share it with each other.

#ifndef ZVERSE_KV_DB_H_
#define ZVERSE_KV_DB_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace zverse::kv {

class Env;
class DBImpl;
struct SnapshotState;

// Microseconds since the Unix epoch.
using Timestamp = uint64_t;

// Passed as `as_of`: read the newest committed state.
inline constexpr Timestamp kLatest = std::numeric_limits<Timestamp>::max();
// The largest timestamp a version may carry (the top bit is reserved).
inline constexpr Timestamp kMaxTimestamp = (Timestamp{1} << 63) - 1;

// Documented limits. Writes beyond them fail with InvalidArgument.
inline constexpr size_t kMaxKeySize = 4096;
inline constexpr size_t kMaxValueSize = size_t{16} << 20;
// A single batch (keys + values + per-entry overhead) may not exceed this.
inline constexpr size_t kMaxBatchBytes = size_t{256} << 20;

enum class SyncMode {
  kAlways,    // Every commit is synced before it is acknowledged; concurrent
              // committers share one sync. Survives kill -9 and power loss.
  kInterval,  // A background thread syncs every Options::sync_interval_ms.
  kNever,     // Left to the operating system; survives kill -9, not power loss.
};

struct Options {
  // Create the directory and an empty database if none exists.
  bool create_if_missing = true;
  // Fail with AlreadyExists if a database exists already.
  bool error_if_exists = false;
  SyncMode sync_mode = SyncMode::kAlways;
  uint64_t sync_interval_ms = 100;
  // The active log file is sealed into a segment once it grows past this.
  uint64_t seal_threshold_bytes = uint64_t{64} << 20;
  // Whether Snapshot::Prefetch advises the operating system at all (false:
  // it returns at once, so that the hints' effect can be measured). Also
  // switched at run time with DB::SetPrefetchHints.
  bool prefetch_hints = true;
  // The adaptive prefetcher: the locality manager watches which pages of
  // the segments readers touch (a scan once per page, a point read once per
  // entry), detects sequential scans and ascending traversal frontiers, and
  // advises the operating system (madvise WILLNEED) to read what they will
  // touch next, in a window that grows while its predictions are used.
  // Counted in Stats (adaptive_*, resident_*, locality_*). Off by default
  // until its cold-cache benchmark shows where it pays; also switched at
  // run time with DB::SetAdaptivePrefetch.
  bool adaptive_prefetch = false;
  // Locality statistics without advice: the manager records accesses and
  // counts the hit ratio and the accuracy of Snapshot::Prefetch's hints even
  // when the adaptive prefetcher is off (it is implied by
  // adaptive_prefetch), so that "prefetcher off" can be measured too. Also
  // switched with DB::SetLocalityStats.
  bool locality_stats = false;
  // Workers that resolve Snapshot::Prefetch hints while the adaptive
  // prefetcher is on (started on the first hint; they mostly wait for the
  // disk). 0: hints are resolved on the caller's thread.
  uint32_t prefetch_threads = 8;
  // With the adaptive prefetcher on, segments of at least this size are
  // read with MADV_RANDOM: a page fault reads its page only, instead of
  // the device's read-ahead around it, and the prefetcher reads ahead what
  // it predicts. Smaller segments keep the kernel's read-around, which
  // loads them whole in a few large reads. 0: 32 times the read-ahead of
  // the database's device (/sys/dev/block/.../queue/read_ahead_kb).
  uint64_t random_access_min_bytes = 0;
  // The physical order of the entries in the segments written from now on
  // (by sealing, compaction and ingest). kInterleaved is the engine's
  // design: the Z-order-like interleaving of key and timestamp bytes (see
  // kv/FORMAT.md). kKeyMajor sorts by key, then newest timestamp first, as
  // a conventional engine does; it exists to measure the interleaving
  // against (each segment records its order; both read the same).
  enum class PhysicalOrder { kInterleaved, kKeyMajor };
  PhysicalOrder physical_order = PhysicalOrder::kInterleaved;
  // Open read-only: no writes. Read-only opens share the database lock with
  // each other (any number of processes) but not with a read-write open.
  // Recovery does not modify files; a torn tail is ignored, not truncated.
  bool read_only = false;

  // Background compaction: a thread of the DB merges the sealed segments
  // into one once there are at least `compaction_trigger_segments` of them
  // (and, with a retention, every `gc_interval_ms` for version GC alone).
  // It merges without holding up writers or readers (only the moment it
  // swaps the new segment in is serialized with commits) and keeps to
  // `compaction_cpu_budget`: the fraction of one core it may use on
  // average, by sleeping between slices of work, on one thread.
  bool background_compaction = true;
  uint32_t compaction_trigger_segments = 8;
  double compaction_cpu_budget = 0.25;
  // Version GC for background compactions: versions older than now minus
  // this (except each key's newest at that moment, see CompactOptions) are
  // dropped. 0: keep every version (the default).
  uint64_t retention_micros = 0;
  uint64_t gc_interval_ms = 10 * 60 * 1000;

  // The operating system and the clock. nullptr means Env::Default().
  // Not owned; must outlive the DB.
  Env* env = nullptr;
};

struct WriteOptions {
  // 0: the engine assigns the commit timestamp, max(now, last + 1).
  // Otherwise an explicit timestamp for importing history. It must satisfy
  // 1 <= ts <= min(now, kMaxTimestamp) (no writes into the future). Writing a
  // (key, ts) pair that already exists replaces that version: the later commit
  // wins, for every reader that starts after it.
  Timestamp ts = 0;
};

// A version of a key as seen through a Snapshot. The views point into the
// database's memory mapping and stay valid until the Snapshot they came from
// is destroyed.
struct Record {
  std::string_view key;
  std::string_view value;  // Empty for a tombstone.
  Timestamp ts = 0;
  bool deleted = false;    // A tombstone written by Delete.
};

// An owned copy of a Record, returned by the convenience calls on DB.
struct Entry {
  std::string key;
  std::string value;
  Timestamp ts = 0;
  bool deleted = false;

  friend bool operator==(const Entry&, const Entry&) = default;
};

// A group of writes committed atomically: readers see all of them or none of
// them. Entries written with Put and Delete carry the commit's timestamp.
// PutAt and DeleteAt import history: the entry carries its own explicit
// timestamp `ts` (1 <= ts <= now, as for WriteOptions::ts), so that one
// atomic batch can hold versions from many moments (a bulk load that keeps
// each record's creation time). Within a batch, a later write of the same
// key at the same timestamp replaces an earlier one.
//
// Keys and values are copied into one buffer owned by the batch (no
// allocation per entry).
class WriteBatch {
 public:
  void Put(std::string_view key, std::string_view value);
  void Delete(std::string_view key);
  void PutAt(std::string_view key, std::string_view value, Timestamp ts);
  void DeleteAt(std::string_view key, Timestamp ts);
  void Clear();
  // Preallocates room for `ops` more entries holding `bytes` more bytes of
  // keys and values.
  void Reserve(size_t ops, size_t bytes);
  size_t Count() const { return ops_.size(); }
  // Approximate bytes the batch occupies in the log.
  size_t ApproximateSize() const { return bytes_; }

  // Entry `i` (< Count()). The views stay valid until the batch changes.
  struct OpView {
    std::string_view key;
    std::string_view value;  // Empty for a delete.
    bool deleted = false;
    Timestamp ts = 0;        // 0: the commit's timestamp.
  };
  OpView op(size_t i) const {
    const Op& o = ops_[i];
    return OpView{std::string_view(data_.data() + o.offset, o.key_size),
                  std::string_view(data_.data() + o.offset + o.key_size,
                                   o.value_size),
                  o.deleted, o.ts};
  }

 private:
  struct Op {
    size_t offset;  // Of the key in data_; the value follows it.
    size_t key_size;
    size_t value_size;
    Timestamp ts;
    bool deleted;
  };
  void Add(std::string_view key, std::string_view value, bool deleted,
           Timestamp ts);

  std::string data_;
  std::vector<Op> ops_;
  size_t bytes_ = 0;
};

// A range of keys [start, end) in bytewise order; an empty `end` means no
// upper bound. The views must stay valid for the call they are passed to.
struct KeyRange {
  std::string_view start;
  std::string_view end;
};

// What one Snapshot::Prefetch call did.
struct PrefetchStats {
  uint64_t ranges = 0;   // Ranges given.
  uint64_t extents = 0;  // Separate byte extents advised (after merging).
  uint64_t bytes = 0;    // Bytes advised (whole pages).
  // Ranges handed to the prefetcher's workers, resolved and advised after
  // the call returns (their extents and bytes are counted in Stats only),
  // and ranges dropped because the workers were too far behind.
  uint64_t queued = 0;
  uint64_t dropped = 0;
  // Ranges not looked at: the last hints' pages were all in memory, and
  // the prefetcher backs off (up to 64 calls) until one finds a page to
  // read or the caches are dropped.
  uint64_t skipped = 0;
};

// Reads one value as a stream, a piece at a time, without holding it whole
// in memory: for large values, which live in the overflow area (values of
// kOverflowValueSize bytes or more; compressed with zstd where that saves
// space). It pins the files it reads, like the Snapshot it came from, which
// it may outlive. Checksums are checked as the bytes go by: a damaged value
// gives DataLoss no later than the Read that reaches its end.
//
// Thread safety: one thread at a time.
class ValueReader {
 public:
  ValueReader();
  ValueReader(ValueReader&&) noexcept;
  ValueReader& operator=(ValueReader&&) noexcept;
  ~ValueReader();

  // The value's length in bytes.
  uint64_t size() const;
  // Copies the next up to `n` bytes into `buf`; returns how many: at least
  // one while bytes are left and n > 0, 0 at the end.
  absl::StatusOr<size_t> Read(char* buf, size_t n);

  struct State;

 private:
  friend class Snapshot;
  explicit ValueReader(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// Values this large or larger are stored in the overflow area (see
// kv/FORMAT.md); smaller ones inline in their entry.
inline constexpr size_t kOverflowValueSize = 4096;

// A consistent, read-only view of the database as of a timestamp. It pins the
// files it reads, so views handed out by it stay valid for its whole life,
// and it repeats itself: writes committed after it was taken are invisible,
// even those that carry an older explicit timestamp.
//
// Thread safety: a Snapshot may be used by several threads at once.
class Snapshot {
 public:
  Snapshot() = default;
  Snapshot(Snapshot&&) noexcept;
  Snapshot& operator=(Snapshot&&) noexcept;
  Snapshot(const Snapshot&) = delete;
  Snapshot& operator=(const Snapshot&) = delete;
  ~Snapshot();

  // The timestamp this snapshot reads as of (resolved; never kLatest).
  Timestamp as_of() const;

  // The newest version of `key` at or before as_of(). NotFound if there is
  // none or the newest is a tombstone. The view is valid for the snapshot's
  // life.
  absl::StatusOr<std::string_view> Get(std::string_view key) const;
  // Like Get, but returns the record (timestamp included), tombstones too.
  absl::StatusOr<Record> GetRecord(std::string_view key) const;
  // The value Get would return, as a stream (see ValueReader). A large
  // compressed value read through Get is decompressed into memory that
  // lives as long as the snapshot; read through this it is not.
  absl::StatusOr<ValueReader> OpenValue(std::string_view key) const;

  // Calls `fn` for every live key in [start, end) in key order (bytewise),
  // with its newest version at or before as_of(). An empty `end` means no
  // upper bound. Stops early when `fn` returns false.
  absl::Status Scan(std::string_view start, std::string_view end,
                    absl::FunctionRef<bool(const Record&)> fn) const;

  // Every version of `key` at or before as_of(), newest first, tombstones
  // included.
  absl::Status History(std::string_view key,
                       absl::FunctionRef<bool(const Record&)> fn) const;

  // Every version with t1 < ts <= min(t2, as_of()), ordered by (ts, key).
  absl::Status Changes(Timestamp t1, Timestamp t2,
                       absl::FunctionRef<bool(const Record&)> fn) const;

  // A hint that the keys in `ranges` will be read soon (a traversal's next
  // hop): advises the operating system (madvise WILLNEED) to read the pages
  // of the sealed segments that hold their versions, in physical order,
  // overlapping extents merged. It only advises: it never fails and does
  // not wait for I/O, though finding the pages reads the segments'
  // directories (at most kMaxPrefetchVersions versions a range are looked
  // at; a range that holds a single key, [k, k + '\0'), is found through
  // the hash table instead, and only the version as of the snapshot is
  // advised). Entries still in the log are in memory already. A no-op when
  // Options::prefetch_hints is off (see DB::SetPrefetchHints).
  //
  // With the adaptive prefetcher on (Options::adaptive_prefetch) and
  // Options::prefetch_threads > 0, the hints are resolved off the caller's
  // thread: the ranges are copied, split among the workers (whose page
  // faults then overlap each other's and the caller's reads), and the call
  // returns at once. Pages the prefetcher advised already are not advised
  // again.
  //
  // Either way, hints back off while they find their pages in memory (a
  // warm cache, where resolving them is pure cost): each hint whose pages
  // were all resident makes the next 1, 2, 4, ... 64 calls skip (counted in
  // PrefetchStats::skipped and Stats::prefetch_skipped), until a hint finds
  // a page to read or DropCaches runs.
  static constexpr size_t kMaxPrefetchVersions = 4096;
  PrefetchStats Prefetch(const std::vector<KeyRange>& ranges) const;
  // Whether Prefetch resolves hints in the background now (so that hinting
  // what is read next costs the caller almost nothing).
  bool PrefetchesInBackground() const;
  // Whether the caller may skip its next hint: the prefetcher is backing
  // off (the last hints' pages were in memory), so a hint would be dropped
  // anyway. Counts as that hint (it consumes one skip); lets a caller save
  // building the ranges.
  bool SkipNextHint() const;

 private:
  friend class DBImpl;
  explicit Snapshot(std::shared_ptr<const SnapshotState> state);
  std::shared_ptr<const SnapshotState> state_;
};

// An optimistic read-write transaction. It reads from a snapshot taken when
// it began, sees its own writes, and commits them atomically as one batch
// at a new commit timestamp, or not at all. A commit fails with Aborted if
// any key the transaction read (Get, or a key Scan returned) or wrote was
// written by another commit after the transaction began; nothing of it is
// then visible, and the caller may retry with a new transaction. A key that
// another commit adds to a range the transaction scanned is not a conflict
// (no phantom protection), so the isolation is serializable for what was
// read and written by key, and snapshot isolation for ranges.
//
// Thread safety: a Transaction is used by one thread at a time; any number
// of transactions may run at once, beside plain writes. It must be
// committed, rolled back or destroyed before the DB is destroyed.
class Transaction {
 public:
  Transaction();
  Transaction(Transaction&&) noexcept;
  Transaction& operator=(Transaction&&) noexcept;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // Rolls back if neither committed nor rolled back.
  ~Transaction();

  // The timestamp the transaction reads as of (its snapshot's).
  Timestamp read_ts() const;
  // Whether Commit or Rollback may still be called.
  bool is_open() const;

  // The transaction's own write of `key` if any, else the snapshot's
  // version. NotFound if there is none or it is deleted.
  absl::StatusOr<std::string> Get(std::string_view key);
  // Live keys in [start, end) (empty `end`: no bound) in key order, the
  // transaction's own writes merged in (their Record::ts is 0). Stops when
  // `fn` returns false. Views are valid during the call only.
  absl::Status Scan(std::string_view start, std::string_view end,
                    absl::FunctionRef<bool(const Record&)> fn);
  // Buffered until Commit. InvalidArgument beyond kMaxKeySize,
  // kMaxValueSize or kMaxBatchBytes in all.
  absl::Status Put(std::string_view key, std::string_view value);
  absl::Status Delete(std::string_view key);

  // Commits the writes (durable per the DB's sync mode) and returns their
  // commit timestamp; with no writes, returns read_ts(). Aborted on a
  // conflict (see above). The transaction is closed afterwards, whatever
  // the outcome: further calls fail with FailedPrecondition.
  absl::StatusOr<Timestamp> Commit();
  // Drops the writes; the transaction is closed.
  void Rollback();

  struct State;

 private:
  friend class DBImpl;
  explicit Transaction(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// How Compact merges.
struct CompactOptions {
  // Version GC: versions at or before this time are dropped, except each
  // key's newest one at or before it (and that one too if it is a
  // tombstone), so that every read as of `horizon` or later still gives the
  // same answer. Open snapshots are not affected: they
  // keep reading the
  // files they pinned (whose space is freed when the last one is destroyed).
  // 0 (the default): keep every version.
  Timestamp horizon = 0;
};

// What a compaction did.
struct CompactStats {
  uint64_t segments_merged = 0;
  uint64_t versions_in = 0;
  uint64_t versions_out = 0;
  uint64_t versions_dropped = 0;  // By version GC.
  uint64_t duplicates = 0;        // (key, ts) rewritten in a newer segment.
  uint64_t bytes_in = 0;          // Segment file bytes before and after.
  uint64_t bytes_out = 0;
  Timestamp horizon = 0;          // The horizon applied.
};

// What DB::VerifyAll checked and found.
struct VerifyReport {
  uint64_t segments = 0;     // Segment files checked.
  uint64_t log_files = 0;    // Log files (the active one) checked.
  uint64_t blob_files = 0;   // Blob files the checked entries refer to.
  uint64_t entries = 0;      // Entries decoded with their checksums.
  uint64_t blob_values = 0;  // Overflow values read with their checksums.
  uint64_t bytes = 0;        // Bytes of the files checked.
  // Each a DataLoss naming the file and offset: the first damage found in
  // a segment or log file, and the first missing or damaged overflow value
  // its entries refer to (so every damaged file is named at least once).
  std::vector<absl::Status> problems;
  bool ok() const { return problems.empty(); }
  // "segments 3\nlog_files 1\n...", then one "problem: ..." line each.
  std::string ToString() const;
};

struct Stats {
  uint64_t segments = 0;            // Sealed segment files,
  uint64_t key_major_segments = 0;  // of them in key-major order.
  uint64_t segment_bytes = 0;
  uint64_t log_files = 0;           // Unsealed log files (normally 1).
  uint64_t log_bytes = 0;
  uint64_t entries = 0;             // Versions stored, tombstones included.
  uint64_t memtable_entries = 0;    // Versions not yet sealed.
  uint64_t memtable_bytes = 0;      // Heap used by the unsealed index.
  uint64_t index_bytes = 0;         // Persisted segment indexes.
  uint64_t blob_files = 0;          // Overflow area: blob files in use
  uint64_t blob_bytes = 0;          // and their bytes.
  uint64_t commits = 0;             // Commits (and ingests) since open.
  uint64_t syncs = 0;               // Syncs since open (group commit shares).
  uint64_t recovered_dropped_bytes = 0;  // Torn tail dropped at open.
  uint64_t compactions = 0;         // Compactions finished since open,
  uint64_t background_compactions = 0;  // of them in the background.
  uint64_t compaction_cpu_micros = 0;   // CPU time they used.
  uint64_t compaction_errors = 0;   // Background compactions that failed.
  uint64_t versions_dropped = 0;    // By version GC, since open.
  uint64_t locality_records = 0;    // Accesses the adaptive prefetcher saw,
  uint64_t adaptive_predictions = 0;     // ranges it predicted and advised
  uint64_t adaptive_prefetch_bytes = 0;  // (bytes), and accesses that fell
  uint64_t adaptive_hits = 0;            // inside a prediction.
  uint64_t resident_samples = 0;    // Accesses sampled (1 in 64) with
  uint64_t resident_hits = 0;       // mincore, and of them already resident.
  uint64_t locality_nanos = 0;      // Time in the prefetcher (estimated).
  uint64_t adaptive_sequential = 0;  // Predictions of scans,
  uint64_t adaptive_frontier = 0;    // and of dense frontiers.
  uint64_t adaptive_suppressed = 0; // Predictions not advised: their pages
                                    // were resident (the window backs off).
  uint64_t sequential_advice = 0;   // Long scans given MADV_SEQUENTIAL.
  uint64_t cold_advised_bytes = 0;  // Cooled regions given MADV_COLD.
  // Accuracy, per page, of everything advised (predictions and
  // Snapshot::Prefetch hints) while locality is tracked: pages advised
  // (each counted once until touched or expired), of them touched within
  // the window (two heat periods, 2 x 65536 accesses), and expired
  // untouched. Accuracy = used / (used + expired).
  uint64_t prefetched_pages = 0;
  uint64_t prefetch_used_pages = 0;
  uint64_t prefetch_expired_pages = 0;
  uint64_t transactions = 0;        // Transactions committed with writes,
  uint64_t transaction_aborts = 0;  // and aborted on a conflict.
  uint64_t prefetch_calls = 0;      // Snapshot::Prefetch calls that advised.
  uint64_t prefetch_ranges = 0;     // Key ranges they were given.
  uint64_t prefetch_bytes = 0;      // Bytes they advised.
  uint64_t prefetch_queued = 0;     // Ranges resolved by the workers,
  uint64_t prefetch_dropped = 0;    // dropped (the workers were behind),
  uint64_t prefetch_skipped = 0;    // and skipped (their pages were resident).
  Timestamp min_ts = 0;
  Timestamp max_ts = 0;             // Newest committed timestamp.
  std::string ToString() const;     // One "name value" pair per line.
};

class DB {
 public:
  // Opens (or creates, per Options) the database in directory `path`.
  // Errors: FailedPrecondition if another process holds the database lock;
  // InvalidArgument if `path` exists but is not a ZVerse database (and is not
  // an empty directory); Unimplemented for an unknown format version;
  // DataLoss (naming file and offset) for a checksum failure in a complete
  // commit or a segment's footer. An incomplete last commit is dropped.
  static absl::StatusOr<std::unique_ptr<DB>> Open(const std::string& path,
                                                  const Options& options = {});

  DB(const DB&) = delete;
  DB& operator=(const DB&) = delete;
  // Flushes and closes. Errors on the way are ignored; call Close() to see
  // them.
  ~DB();

  // Waits for queued writers, syncs outstanding data and releases the lock.
  // Further calls fail with FailedPrecondition; Snapshots taken before stay
  // readable (they hold the files they read).
  absl::Status Close();

  // Each returns the commit timestamp.
  absl::StatusOr<Timestamp> Put(std::string_view key, std::string_view value,
                                const WriteOptions& options = {});
  absl::StatusOr<Timestamp> Delete(std::string_view key,
                                   const WriteOptions& options = {});
  // Returns the commit timestamp; for a batch whose every entry carries its
  // own timestamp (PutAt/DeleteAt), the largest of those.
  absl::StatusOr<Timestamp> Write(const WriteBatch& batch,
                                  const WriteOptions& options = {});

  // Bulk load: writes `batch` straight into a new sealed segment, bypassing
  // the log and the memtable, so that each entry is sorted once and written
  // once. The batch has Write's semantics (timestamps, atomicity, a later
  // write of a (key, ts) replaces an earlier one, also across commits) and
  // is durable when Ingest returns, whatever the sync mode. It is not bound
  // by kMaxBatchBytes: a batch of any size (up to 2^32 - 1 entries; memory
  // permitting, about twice its bytes are held while it is written) is all
  // or nothing, also across a crash. Unsealed writes are sealed first, so
  // prefer few large ingests to many small ones; each adds a segment (see
  // Compact). Concurrent writers wait while it runs.
  absl::StatusOr<Timestamp> Ingest(const WriteBatch& batch,
                                   const WriteOptions& options = {});
  // The same, releasing the batch's memory as soon as its entries are
  // encoded, which lowers the peak memory of a large ingest by about a
  // third. `batch` is empty after the call, whatever its outcome.
  absl::StatusOr<Timestamp> Ingest(WriteBatch&& batch,
                                   const WriteOptions& options = {});

  // A snapshot as of `as_of` (kLatest: the newest committed state).
  // InvalidArgument if as_of is 0.
  absl::StatusOr<Snapshot> GetSnapshot(Timestamp as_of = kLatest) const;

  // Begins an optimistic read-write transaction on the newest committed
  // state (see Transaction). FailedPrecondition if closed or read-only.
  absl::StatusOr<Transaction> BeginTransaction();

  // Convenience reads that copy out of a short-lived snapshot.
  absl::StatusOr<std::string> Get(std::string_view key,
                                  Timestamp as_of = kLatest) const;
  absl::StatusOr<std::vector<Entry>> History(std::string_view key) const;
  absl::StatusOr<std::vector<Entry>> Scan(std::string_view start,
                                          std::string_view end,
                                          Timestamp as_of = kLatest) const;
  absl::StatusOr<std::vector<Entry>> Changes(Timestamp t1, Timestamp t2) const;

  // Seals the active log into a segment now (normally automatic).
  absl::Status Seal();
  // Seals the active log and merges every segment into one, so that a read
  // probes a single index. Keeps every version. Runs in the caller's
  // thread; writers and readers go on meanwhile (the background compaction
  // waits for it; it waits for a background one to finish first).
  absl::Status Compact();
  // The same with version GC (CompactOptions::horizon). Reads as of a time
  // before the horizon may then see a newer version than they used to (the
  // newest at or before the horizon); snapshots taken earlier keep reading
  // what they read (they hold the files they read until destroyed).
  absl::StatusOr<CompactStats> Compact(const CompactOptions& options);
  // Syncs everything written so far, whatever the sync mode.
  absl::Status Sync();

  Stats GetStats() const;
  // Drops the pages of the database's files from memory, its mappings and
  // the OS page cache alike, so that the next reads come from the disk: for
  // measuring cold reads. Only clean (synced) pages can go.
  absl::Status DropCaches();
  // Turns Snapshot::Prefetch on or off (Options::prefetch_hints), for this
  // DB's snapshots, old and new.
  void SetPrefetchHints(bool on);
  // Turns the adaptive prefetcher on or off (Options::adaptive_prefetch).
  void SetAdaptivePrefetch(bool on);
  // Turns locality statistics on or off (Options::locality_stats).
  void SetLocalityStats(bool on);
  // Waits until the prefetcher's workers have resolved every hint queued so
  // far (see Snapshot::Prefetch): for tests and benchmarks.
  void WaitForHints();
  // Reads every byte of every file and checks what can be checked:
  //  * segments: the footer (checksum, magic, version, offsets within the
  //    file), the index checksum (directory, hash table, fence block), every
  //    entry's checksum and bounds, the entries' order (interleaved or key-
  //    major, as the footer says), each entry's timestamp within the
  //    footer's range, the directory (one record per entry, pointing at
  //    entry starts, timestamps equal to the entries', sorted by key then
  //    newest first, newest-version marks), the hash table (finds every
  //    key's newest version through its slot), the key count, and every
  //    fence key against the directory;
  //  * the active log: every commit group's checksum and framing, every
  //    entry in it; damage anywhere before the end (a torn tail was already
  //    dropped at open) is reported;
  //  * overflow values: every one a live entry refers to is present, in
  //    bounds, of the recorded length, and passes its checksum.
  // It does not detect a whole file deleted or replaced by a consistent
  // older copy (the directory listing is the list of files, see
  // kv/FORMAT.md), nor commits cut from the end of the log at a group
  // boundary. VerifyAll goes on past damage and reports every damaged file;
  // FailedPrecondition once closed. Verify returns the first problem (OK
  // when there is none).
  absl::StatusOr<VerifyReport> VerifyAll() const;
  absl::Status Verify() const;

  const std::string& path() const;

 private:
  friend class DBImpl;
  explicit DB(std::unique_ptr<DBImpl> impl);
  std::unique_ptr<DBImpl> impl_;
};

}  // namespace zverse::kv

#endif  // ZVERSE_KV_DB_H_
