// RocksDB as a graph::KvBackend (see backends.h).
//
// Layout: the default column family holds every version with RocksDB's
// user-defined timestamps (BytewiseComparatorWithU64Ts: the user key
// bytewise, then the 8-byte little-endian timestamp, newest first); its
// value is a flag byte (peer::kPutFlag or peer::kTombstoneFlag) then the
// user's value, so that removals are versions like any other (RocksDB's own
// deletes would hide history). The column family "zverse_meta" (no
// timestamps) holds the newest committed timestamp under "last", written in
// the same WriteBatch as the data.
//
// A view is a RocksDB snapshot read with ReadOptions::timestamp = as_of
// (and ReadOptions::iter_start_ts for History and Changes). Views share the
// DB with the backend: Close() releases the backend's hold on it, and the DB
// closes when the last view goes.
//
// RocksDB 7.8's behaviour this relies on (checked by tests/bench):
//   - A Get or an iterator with both `snapshot` and `timestamp` returns the
//     newest version at or before the timestamp among those the snapshot
//     holds; the same (key, ts) written twice reads as the later write.
//   - With iter_start_ts set, an iterator returns every version with
//     iter_start_ts <= ts <= timestamp (the same (key, ts) once), and its
//     key() is then the internal key, user key || ts || 8-byte
//     sequence/type footer, not the user key (timestamp() is the ts).
//   - Iterator::timestamp() asserts that the user key is not empty (the
//     Debian library keeps its assertions), so the empty key's timestamp is
//     read another way (see Scan and VersionAt).

#include <algorithm>
#include <atomic>
#include <deque>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "bench/backends/backends.h"
#include "bench/backends/peer_util.h"
#include "bench/bench_util.h"
#include "graph/kv_backend.h"
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

constexpr char kMetaFamily[] = "zverse_meta";
constexpr char kLastKey[] = "last";
constexpr size_t kTsSize = 8;
// The footer of an internal key (sequence number and type).
constexpr size_t kInternalFooterSize = 8;

absl::Status RocksError(const rocksdb::Status& s, std::string_view what) {
  std::string message =
      absl::StrCat("RocksDB ", Av(what), ": ", s.ToString());
  if (s.IsCorruption()) return absl::DataLossError(message);
  if (s.IsInvalidArgument()) return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

absl::Status RocksStatus(const rocksdb::Status& s, std::string_view what) {
  return s.ok() ? absl::OkStatus() : RocksError(s, what);
}

// The encoding BytewiseComparatorWithU64Ts expects: fixed64 little-endian.
void EncodeRocksTs(uint64_t ts, char* out) {
  for (size_t i = 0; i < kTsSize; ++i) {
    out[i] = static_cast<char>((ts >> (8 * i)) & 0xff);
  }
}
std::string EncodeRocksTs(uint64_t ts) {
  std::string out(kTsSize, '\0');
  EncodeRocksTs(ts, out.data());
  return out;
}

absl::StatusOr<kv::Timestamp> DecodeRocksTs(const rocksdb::Slice& ts) {
  if (ts.size() != kTsSize) {
    return absl::DataLossError(absl::StrCat(
        "RocksDB: timestamp of ", ts.size(), " bytes, not ", kTsSize));
  }
  return LoadLittle64(ts.data());
}

std::string_view AsView(const rocksdb::Slice& s) {
  return std::string_view(s.data(), s.size());
}

// The DB, shared by the backend and its views.
struct RocksHandle {
  std::unique_ptr<rocksdb::DB> db;
  rocksdb::ColumnFamilyHandle* versions = nullptr;  // The default family.
  rocksdb::ColumnFamilyHandle* meta = nullptr;

  RocksHandle() = default;
  RocksHandle(const RocksHandle&) = delete;
  RocksHandle& operator=(const RocksHandle&) = delete;
  ~RocksHandle() { CloseDb().IgnoreError(); }

  absl::Status CloseDb() {
    if (db == nullptr) return absl::OkStatus();
    absl::Status s;
    for (rocksdb::ColumnFamilyHandle* h : {versions, meta}) {
      if (h != nullptr) {
        s.Update(RocksStatus(db->DestroyColumnFamilyHandle(h),
                             "destroy column family handle"));
      }
    }
    versions = meta = nullptr;
    s.Update(RocksStatus(db->Close(), "close"));
    db.reset();
    return s;
  }
};

// One version read from an iterator that has iter_start_ts set: its user
// key and timestamp, parsed from the internal key that key() returns. (Not
// through timestamp(): librocksdb 7.8 asserts there that the user key is not
// empty, and Debian's build keeps assertions.)
struct IteratorVersion {
  std::string_view user_key;
  kv::Timestamp ts = 0;
};
absl::StatusOr<IteratorVersion> VersionAt(const rocksdb::Iterator& it) {
  const rocksdb::Slice key = it.key();
  if (key.size() < kTsSize + kInternalFooterSize) {
    return absl::InternalError(
        "RocksDB: an iterator with iter_start_ts returned a key shorter than "
        "a timestamp and a footer (RocksDB 7.8 returns the internal key)");
  }
  const size_t user_size = key.size() - kTsSize - kInternalFooterSize;
  const char* ts = key.data() + user_size;
  // Where timestamp() may be called, it must agree (a check of the format).
  if (user_size > 0 && it.timestamp() != rocksdb::Slice(ts, kTsSize)) {
    return absl::InternalError(
        "RocksDB: an iterator with iter_start_ts returned a key that is not "
        "user key || timestamp || footer (RocksDB 7.8's format)");
  }
  return IteratorVersion{std::string_view(key.data(), user_size),
                         LoadLittle64(ts)};
}

class RocksView final : public graph::KvView {
 public:
  RocksView(std::shared_ptr<RocksHandle> handle,
            const rocksdb::Snapshot* snapshot, kv::Timestamp as_of)
      : handle_(std::move(handle)),
        snapshot_(snapshot),
        as_of_(as_of),
        ts_(EncodeRocksTs(as_of)),
        ts_slice_(ts_) {
    read_.snapshot = snapshot_;
    read_.timestamp = &ts_slice_;
  }
  ~RocksView() override { handle_->db->ReleaseSnapshot(snapshot_); }

  kv::Timestamp as_of() const override { return as_of_; }

  absl::StatusOr<kv::Record> GetRecord(std::string_view key) const override {
    rocksdb::PinnableSlice value;
    std::string ts;
    ZVERSE_ASSIGN_OR_RETURN(kv::Record record, Read(key, &value, &ts));
    std::lock_guard<std::mutex> l(mu_);
    record.key = arena_.Copy(key);
    record.value = Keep(record.value, &value);
    return record;
  }

  absl::StatusOr<std::string_view> Get(std::string_view key) const override {
    rocksdb::PinnableSlice value;
    std::string ts;
    ZVERSE_ASSIGN_OR_RETURN(kv::Record record, Read(key, &value, &ts));
    if (record.deleted) return absl::NotFoundError("key was deleted");
    std::lock_guard<std::mutex> l(mu_);
    return Keep(record.value, &value);
  }

  absl::Status Scan(
      std::string_view start, std::string_view end,
      absl::FunctionRef<bool(const kv::Record&)> fn) const override {
    rocksdb::ReadOptions read = read_;
    const rocksdb::Slice upper(end.data(), end.size());
    if (!end.empty()) read.iterate_upper_bound = &upper;
    std::unique_ptr<rocksdb::Iterator> it(
        handle_->db->NewIterator(read, handle_->versions));
    peer::AlignedScratch scratch;
    for (it->Seek(rocksdb::Slice(start.data(), start.size())); it->Valid();
         it->Next()) {
      kv::Record record;
      record.key = AsView(it->key());
      if (!record.key.empty()) {
        ZVERSE_ASSIGN_OR_RETURN(record.ts, DecodeRocksTs(it->timestamp()));
      } else {
        // librocksdb 7.8 asserts in timestamp() that the user key is not
        // empty: the empty key's timestamp through a point read of the same
        // snapshot and timestamp instead.
        ZVERSE_ASSIGN_OR_RETURN(record.ts, TimestampOf(record.key));
      }
      ZVERSE_ASSIGN_OR_RETURN(
          peer::StoredValue stored,
          peer::DecodeStoredValue(AsView(it->value()), "RocksDB", record.key,
                                  record.ts));
      if (stored.deleted) continue;
      record.value = scratch.Align(stored.value);
      if (!fn(record)) return absl::OkStatus();
    }
    return RocksStatus(it->status(), "scan");
  }

  absl::Status History(
      std::string_view key,
      absl::FunctionRef<bool(const kv::Record&)> fn) const override {
    rocksdb::ReadOptions read = read_;
    const std::string oldest = EncodeRocksTs(0);
    const rocksdb::Slice oldest_slice(oldest);
    read.iter_start_ts = &oldest_slice;
    std::string upper(key);
    upper.push_back('\0');
    const rocksdb::Slice upper_slice(upper);
    read.iterate_upper_bound = &upper_slice;
    std::unique_ptr<rocksdb::Iterator> it(
        handle_->db->NewIterator(read, handle_->versions));
    peer::AlignedScratch scratch;
    kv::Timestamp previous = 0;
    for (it->Seek(rocksdb::Slice(key.data(), key.size())); it->Valid();
         it->Next()) {
      ZVERSE_ASSIGN_OR_RETURN(IteratorVersion version, VersionAt(*it));
      const std::string_view user = version.user_key;
      if (user != key) break;
      kv::Record record;
      record.key = user;
      record.ts = version.ts;
      // An overwritten (key, ts), should it show: the newer write came first.
      if (record.ts == previous) continue;
      previous = record.ts;
      ZVERSE_ASSIGN_OR_RETURN(
          peer::StoredValue stored,
          peer::DecodeStoredValue(AsView(it->value()), "RocksDB", user,
                                  record.ts));
      record.deleted = stored.deleted;
      record.value = scratch.Align(stored.value);
      if (!fn(record)) return absl::OkStatus();
    }
    return RocksStatus(it->status(), "history");
  }

  absl::Status Changes(
      kv::Timestamp t1, kv::Timestamp t2,
      absl::FunctionRef<bool(const kv::Record&)> fn) const override {
    const kv::Timestamp hi = std::min(t2, as_of_);
    if (hi <= t1) return absl::OkStatus();
    rocksdb::ReadOptions read = read_;
    const std::string lo_ts = EncodeRocksTs(t1 + 1);
    const std::string hi_ts = EncodeRocksTs(hi);
    const rocksdb::Slice lo_slice(lo_ts);
    const rocksdb::Slice hi_slice(hi_ts);
    read.iter_start_ts = &lo_slice;
    read.timestamp = &hi_slice;
    std::unique_ptr<rocksdb::Iterator> it(
        handle_->db->NewIterator(read, handle_->versions));
    // Owned copies: the iterator's memory moves on.
    std::vector<kv::Entry> changes;
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      ZVERSE_ASSIGN_OR_RETURN(IteratorVersion version, VersionAt(*it));
      const std::string_view user = version.user_key;
      const kv::Timestamp ts = version.ts;
      if (!changes.empty() && changes.back().ts == ts &&
          changes.back().key == user) {
        continue;  // An overwritten (key, ts), should it show.
      }
      ZVERSE_ASSIGN_OR_RETURN(
          peer::StoredValue stored,
          peer::DecodeStoredValue(AsView(it->value()), "RocksDB", user, ts));
      changes.push_back(kv::Entry{std::string(user), std::string(stored.value),
                                  ts, stored.deleted});
    }
    ZVERSE_RETURN_IF_ERROR(RocksStatus(it->status(), "changes"));
    it.reset();
    std::sort(changes.begin(), changes.end(),
              [](const kv::Entry& a, const kv::Entry& b) {
                if (a.ts != b.ts) return a.ts < b.ts;
                return a.key < b.key;
              });
    peer::AlignedScratch scratch;
    for (const kv::Entry& e : changes) {
      const kv::Record record{e.key, scratch.Align(e.value), e.ts, e.deleted};
      if (!fn(record)) break;
    }
    return absl::OkStatus();
  }

 private:
  // The timestamp of the newest version of `key` as of the view.
  absl::StatusOr<kv::Timestamp> TimestampOf(std::string_view key) const {
    rocksdb::PinnableSlice value;
    std::string ts;
    ZVERSE_ASSIGN_OR_RETURN(kv::Record record, Read(key, &value, &ts));
    return record.ts;
  }

  // The newest version of `key` as of the view; its value still in `value`.
  absl::StatusOr<kv::Record> Read(std::string_view key,
                                  rocksdb::PinnableSlice* value,
                                  std::string* ts) const {
    const rocksdb::Status s =
        handle_->db->Get(read_, handle_->versions,
                         rocksdb::Slice(key.data(), key.size()), value, ts);
    if (s.IsNotFound()) return absl::NotFoundError("key not found");
    ZVERSE_RETURN_IF_ERROR(RocksStatus(s, "get"));
    kv::Record record;
    record.key = key;
    ZVERSE_ASSIGN_OR_RETURN(record.ts, DecodeRocksTs(rocksdb::Slice(*ts)));
    ZVERSE_ASSIGN_OR_RETURN(
        peer::StoredValue stored,
        peer::DecodeStoredValue(AsView(*value), "RocksDB", key, record.ts));
    record.value = stored.value;
    record.deleted = stored.deleted;
    return record;
  }

  // `v` (which points into `*value`) made to live as long as the view: the
  // pinned memory itself if aligned, else an aligned copy. Holds mu_.
  std::string_view Keep(std::string_view v,
                        rocksdb::PinnableSlice* value) const {
    if (v.empty()) return std::string_view();
    if (!peer::IsAligned(v.data())) return arena_.Copy(v);
    // Moving keeps the bytes where they are when they are pinned in a
    // block; a value the slice holds itself moves into the deque's element,
    // which stays put.
    const size_t offset = v.data() - value->data();
    pinned_.push_back(std::move(*value));
    const rocksdb::PinnableSlice& kept = pinned_.back();
    const std::string_view moved(kept.data() + offset, v.size());
    if (peer::IsAligned(moved.data())) return moved;
    return arena_.Copy(moved);
  }

  const std::shared_ptr<RocksHandle> handle_;
  const rocksdb::Snapshot* const snapshot_;
  const kv::Timestamp as_of_;
  const std::string ts_;
  const rocksdb::Slice ts_slice_;
  rocksdb::ReadOptions read_;
  // What GetRecord and Get handed out: pinned values and aligned copies.
  mutable std::mutex mu_;
  mutable std::deque<rocksdb::PinnableSlice> pinned_;  // Guarded by mu_.
  mutable peer::AlignedArena arena_;                   // Guarded by mu_.
};

class RocksBackend final : public peer::PeerBackend {
 public:
  RocksBackend(std::string path, std::shared_ptr<RocksHandle> handle,
               kv::Timestamp last, bool sync)
      : PeerBackend(last), path_(std::move(path)), handle_(std::move(handle)),
        sync_(sync) {}
  ~RocksBackend() override {
    if (Handle() != nullptr) Close().IgnoreError();
  }

  std::string_view name() const override { return "rocksdb"; }
  const std::string& path() const override { return path_; }

  absl::StatusOr<std::unique_ptr<graph::KvView>> GetView(
      kv::Timestamp as_of) const override {
    if (as_of == 0) {
      return absl::InvalidArgumentError(
          "as-of timestamp 0 is before all data");
    }
    std::shared_ptr<RocksHandle> handle = Handle();
    if (handle == nullptr) return Closed();
    const rocksdb::Snapshot* snapshot = handle->db->GetSnapshot();
    if (snapshot == nullptr) {
      return absl::InternalError("RocksDB: GetSnapshot failed");
    }
    as_of = ResolveAsOf(as_of);
    return std::make_unique<RocksView>(std::move(handle), snapshot, as_of);
  }

  absl::Status Sync() override {
    std::shared_ptr<RocksHandle> handle = Handle();
    if (handle == nullptr) return Closed();
    return RocksStatus(handle->db->FlushWAL(/*sync=*/true), "sync WAL");
  }

  // A flush and a full compaction into the bottommost level (every version
  // kept: no compaction filter, no history trimming), as kv_compare settles
  // RocksDB after a load.
  absl::Status Compact() override {
    std::shared_ptr<RocksHandle> handle = Handle();
    if (handle == nullptr) return Closed();
    rocksdb::FlushOptions flush;
    flush.wait = true;
    ZVERSE_RETURN_IF_ERROR(RocksStatus(
        handle->db->Flush(flush, {handle->versions, handle->meta}), "flush"));
    rocksdb::CompactRangeOptions co;
    co.bottommost_level_compaction =
        rocksdb::BottommostLevelCompaction::kForceOptimized;
    return RocksStatus(
        handle->db->CompactRange(co, handle->versions, nullptr, nullptr),
        "compact");
  }

  absl::Status Close() override {
    std::lock_guard<std::mutex> w(write_mu_);
    std::shared_ptr<RocksHandle> handle;
    {
      std::lock_guard<std::mutex> l(handle_mu_);
      handle = std::move(handle_);
      handle_ = nullptr;
    }
    if (handle == nullptr) return Closed();
    absl::Status s =
        RocksStatus(handle->db->FlushWAL(/*sync=*/true), "sync WAL");
    // The memtables into tables, so that an open need not replay the log.
    rocksdb::FlushOptions flush;
    flush.wait = true;
    s.Update(RocksStatus(
        handle->db->Flush(flush, {handle->versions, handle->meta}), "flush"));
    // The last holder closes the DB: this, or the last view.
    if (handle.use_count() == 1) s.Update(handle->CloseDb());
    return s;
  }

 private:
  static absl::Status Closed() {
    return absl::FailedPreconditionError("database is closed");
  }

  std::shared_ptr<RocksHandle> Handle() const {
    std::lock_guard<std::mutex> l(handle_mu_);
    return handle_;
  }

  absl::StatusOr<kv::Timestamp> Commit(const kv::WriteBatch& batch,
                                       const kv::WriteOptions& options,
                                       bool ingest) override {
    std::lock_guard<std::mutex> w(write_mu_);
    std::shared_ptr<RocksHandle> handle = Handle();
    if (handle == nullptr) return Closed();
    ZVERSE_RETURN_IF_ERROR(
        peer::CheckEntrySizes(batch, "RocksDB", kv::kMaxKeySize));
    const kv::Timestamp last = last_.load(std::memory_order_relaxed);
    ZVERSE_ASSIGN_OR_RETURN(
        graph::CommitTimestamps ts,
        graph::ResolveCommitTimestamps(batch, options, peer::NowMicros(),
                                       last));
    rocksdb::WriteBatch wb(batch.ApproximateSize() + batch.Count() * 24, 0, 0,
                           kTsSize);
    std::string value;
    char ts_bytes[kTsSize];
    for (size_t i = 0; i < batch.Count(); ++i) {
      const kv::WriteBatch::OpView op = batch.op(i);
      EncodeRocksTs(op.ts != 0 ? op.ts : ts.commit, ts_bytes);
      value.assign(1, op.deleted ? peer::kTombstoneFlag : peer::kPutFlag);
      if (!op.deleted) value.append(op.value.data(), op.value.size());
      ZVERSE_RETURN_IF_ERROR(RocksStatus(
          wb.Put(handle->versions, rocksdb::Slice(op.key.data(), op.key.size()),
                 rocksdb::Slice(ts_bytes, kTsSize), value),
          "batch put"));
    }
    const kv::Timestamp new_last = std::max(last, ts.max);
    std::string last_bytes;
    peer::AppendBigEndian64(&last_bytes, new_last);
    ZVERSE_RETURN_IF_ERROR(RocksStatus(
        wb.Put(handle->meta, kLastKey, last_bytes), "batch put last"));
    rocksdb::WriteOptions wo;
    wo.sync = sync_ || ingest;
    ZVERSE_RETURN_IF_ERROR(RocksStatus(handle->db->Write(wo, &wb), "write"));
    last_.store(new_last, std::memory_order_release);
    return ts.result;
  }

  const std::string path_;
  mutable std::mutex handle_mu_;
  std::shared_ptr<RocksHandle> handle_;  // Guarded by handle_mu_.
  // Serializes commits (with the timestamps they resolve) and Close.
  std::mutex write_mu_;
  const bool sync_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<graph::KvBackend>> OpenRocksDbBackend(
    const std::string& dir, const PeerOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("creating ", dir, ": ", ec.message()));
  }
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;

  rocksdb::BlockBasedTableOptions table;
  table.filter_policy.reset(rocksdb::NewBloomFilterPolicy(10));
  table.block_cache = rocksdb::NewLRUCache(options.rocksdb_cache_bytes);
  std::shared_ptr<rocksdb::TableFactory> table_factory(
      rocksdb::NewBlockBasedTableFactory(table));

  rocksdb::ColumnFamilyOptions versions_options;
  versions_options.comparator = rocksdb::BytewiseComparatorWithU64Ts();
  versions_options.compression = rocksdb::kNoCompression;
  versions_options.table_factory = table_factory;
  rocksdb::ColumnFamilyOptions meta_options;
  meta_options.compression = rocksdb::kNoCompression;
  meta_options.table_factory = table_factory;

  const std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, versions_options},
      {kMetaFamily, meta_options}};
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  ZVERSE_RETURN_IF_ERROR(RocksStatus(
      rocksdb::DB::Open(db_options, dir, families, &handles, &db),
      absl::StrCat("open ", dir)));
  auto handle = std::make_shared<RocksHandle>();
  handle->db.reset(db);
  handle->versions = handles[0];
  handle->meta = handles[1];

  kv::Timestamp last = 0;
  std::string last_bytes;
  const rocksdb::Status s = handle->db->Get(rocksdb::ReadOptions(),
                                            handle->meta, kLastKey,
                                            &last_bytes);
  if (s.ok()) {
    if (last_bytes.size() != 8) {
      return absl::DataLossError(absl::StrCat(
          "RocksDB: the last commit timestamp in ", dir, " has ",
          last_bytes.size(), " bytes, not 8"));
    }
    last = LoadBigEndian64(last_bytes.data());
  } else if (!s.IsNotFound()) {
    return RocksError(s, "get last");
  }
  return std::unique_ptr<graph::KvBackend>(std::make_unique<RocksBackend>(
      dir, std::move(handle), last, options.sync));
}

}  // namespace zverse::bench
