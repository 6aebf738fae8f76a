// LMDB as a graph::KvBackend (see backends.h).
//
// Layout: one named database "versions" holds every version as
//   user key || big-endian ~ts  ->  flag byte (peer::kPutFlag or
//                                   peer::kTombstoneFlag) || value
// ordered by CompareVersions (user key bytewise, a shorter key before the
// keys it prefixes, then the 8 timestamp bytes), so the versions of a key are
// adjacent, newest first, and MDB_SET_RANGE on key || ~T lands on the newest
// version at or before T. A second named database "meta" holds the newest
// committed timestamp under "last", written in the same transaction as the
// data.
//
// A view is a read-only transaction (the environment is opened with
// MDB_NOTLS, so views may be created and destroyed on any thread, several
// per thread). LMDB does not allow one transaction to be used by two
// threads at once, so every call on a view holds the view's mutex (a
// recursive one: a Scan callback may read through the same view). Views
// share the environment with the backend: Close() releases the backend's
// hold on it, and LMDB closes it when the last view goes.

#include <lmdb.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <numeric>
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

namespace zverse::bench {
namespace {

constexpr char kVersionsDb[] = "versions";
constexpr char kMetaDb[] = "meta";
constexpr char kLastKey[] = "last";
constexpr uint64_t kDefaultMapBytes = uint64_t{64} << 30;
// Read transactions open at once (views, across processes sharing the
// environment); LMDB's default is 126.
constexpr unsigned kMaxReaders = 1024;

absl::Status MdbError(int rc, std::string_view what) {
  std::string message = absl::StrCat("LMDB ", Av(what), ": ", mdb_strerror(rc));
  switch (rc) {
    case MDB_CORRUPTED:
    case MDB_PAGE_NOTFOUND:
    case MDB_INVALID:
    case MDB_VERSION_MISMATCH:
      return absl::DataLossError(message);
    case MDB_MAP_FULL:
      return absl::ResourceExhaustedError(message);
    default:
      return absl::InternalError(message);
  }
}

absl::Status MdbStatus(int rc, std::string_view what) {
  return rc == MDB_SUCCESS ? absl::OkStatus() : MdbError(rc, what);
}

// The order of the "versions" database: the user key (all but the last 8
// bytes) bytewise, a prefix first, then the big-endian ~ts bytes (newest
// first). Stored keys always have the 8 bytes; shorter ones (which are never
// written) compare as user keys without a timestamp.
int CompareVersions(const MDB_val* a, const MDB_val* b) {
  const size_t la = a->mv_size >= 8 ? a->mv_size - 8 : a->mv_size;
  const size_t lb = b->mv_size >= 8 ? b->mv_size - 8 : b->mv_size;
  const char* pa = static_cast<const char*>(a->mv_data);
  const char* pb = static_cast<const char*>(b->mv_data);
  const size_t common = std::min(la, lb);
  if (common > 0) {
    const int c = std::memcmp(pa, pb, common);
    if (c != 0) return c;
  }
  if (la != lb) return la < lb ? -1 : 1;
  const size_t ta = a->mv_size - la;
  const size_t tb = b->mv_size - lb;
  const size_t tcommon = std::min(ta, tb);
  if (tcommon > 0) {
    const int c = std::memcmp(pa + la, pb + lb, tcommon);
    if (c != 0) return c;
  }
  return ta == tb ? 0 : (ta < tb ? -1 : 1);
}

// The same order on (user key, ts) pairs.
bool VersionLess(std::string_view ka, kv::Timestamp ta, std::string_view kb,
                 kv::Timestamp tb) {
  const int c = ka.compare(kb);
  if (c != 0) return c < 0;
  return ta > tb;
}

// The environment, shared by the backend and its views.
struct LmdbEnv {
  MDB_env* env = nullptr;
  MDB_dbi versions = 0;
  MDB_dbi meta = 0;
  size_t max_key = 0;  // Of a user key (LMDB's limit less the 8 ts bytes).

  LmdbEnv() = default;
  LmdbEnv(const LmdbEnv&) = delete;
  LmdbEnv& operator=(const LmdbEnv&) = delete;
  ~LmdbEnv() {
    if (env != nullptr) mdb_env_close(env);
  }
};

// A stored version, split.
struct Version {
  std::string_view user_key;
  kv::Timestamp ts = 0;
};

absl::StatusOr<Version> SplitKey(const MDB_val& k) {
  if (k.mv_size < 8) {
    return absl::DataLossError(absl::StrCat(
        "LMDB: stored key of ", k.mv_size, " bytes has no timestamp"));
  }
  const char* p = static_cast<const char*>(k.mv_data);
  return Version{std::string_view(p, k.mv_size - 8),
                 ~LoadBigEndian64(p + k.mv_size - 8)};
}

std::string_view AsView(const MDB_val& v) {
  return std::string_view(static_cast<const char*>(v.mv_data), v.mv_size);
}

// Decodes the entry the cursor is on into `*record` (value in place).
absl::Status DecodeEntry(const MDB_val& k, const MDB_val& v,
                         kv::Record* record) {
  ZVERSE_ASSIGN_OR_RETURN(Version version, SplitKey(k));
  ZVERSE_ASSIGN_OR_RETURN(
      peer::StoredValue stored,
      peer::DecodeStoredValue(AsView(v), "LMDB", version.user_key,
                              version.ts));
  record->key = version.user_key;
  record->value = stored.value;
  record->ts = version.ts;
  record->deleted = stored.deleted;
  return absl::OkStatus();
}

// A cursor on the "versions" database for one call.
class Cursor {
 public:
  Cursor() = default;
  Cursor(const Cursor&) = delete;
  Cursor& operator=(const Cursor&) = delete;
  ~Cursor() {
    if (cursor_ != nullptr) mdb_cursor_close(cursor_);
  }

  absl::Status Open(MDB_txn* txn, MDB_dbi dbi) {
    return MdbStatus(mdb_cursor_open(txn, dbi, &cursor_), "cursor_open");
  }

  // Positions at the first entry at or after (user_key, ~inv_ts). LMDB's
  // return code; k and v hold the entry on MDB_SUCCESS.
  int Seek(std::string_view user_key, uint64_t inv_ts) {
    seek_.assign(user_key.data(), user_key.size());
    peer::AppendBigEndian64(&seek_, inv_ts);
    k = MDB_val{seek_.size(), seek_.data()};
    return mdb_cursor_get(cursor_, &k, &v, MDB_SET_RANGE);
  }
  // The first entry of a user key greater than `user_key`: its successor in
  // bytewise order is user_key || '\0', whose smallest stored key has ~ts 0.
  int SeekPast(std::string_view user_key) {
    seek_.assign(user_key.data(), user_key.size());
    seek_.push_back('\0');
    peer::AppendBigEndian64(&seek_, 0);
    k = MDB_val{seek_.size(), seek_.data()};
    return mdb_cursor_get(cursor_, &k, &v, MDB_SET_RANGE);
  }
  int Get(MDB_cursor_op op) { return mdb_cursor_get(cursor_, &k, &v, op); }
  MDB_cursor* cursor() const { return cursor_; }

  MDB_val k{0, nullptr};
  MDB_val v{0, nullptr};

 private:
  MDB_cursor* cursor_ = nullptr;
  std::string seek_;
};

// An LMDB return code at the end of an iteration: MDB_NOTFOUND is its end.
absl::Status EndStatus(int rc, std::string_view what) {
  if (rc == MDB_SUCCESS || rc == MDB_NOTFOUND) return absl::OkStatus();
  return MdbError(rc, what);
}

class LmdbView final : public graph::KvView {
 public:
  LmdbView(std::shared_ptr<LmdbEnv> env, MDB_txn* txn, kv::Timestamp as_of)
      : env_(std::move(env)), txn_(txn), as_of_(as_of) {}
  ~LmdbView() override { mdb_txn_abort(txn_); }

  kv::Timestamp as_of() const override { return as_of_; }

  absl::StatusOr<kv::Record> GetRecord(std::string_view key) const override {
    std::lock_guard<std::recursive_mutex> l(mu_);
    Cursor c;
    ZVERSE_RETURN_IF_ERROR(c.Open(txn_, env_->versions));
    const int rc = c.Seek(key, ~as_of_);
    if (rc == MDB_NOTFOUND) return absl::NotFoundError("key not found");
    ZVERSE_RETURN_IF_ERROR(MdbStatus(rc, "get"));
    kv::Record record;
    ZVERSE_RETURN_IF_ERROR(DecodeEntry(c.k, c.v, &record));
    if (record.key != key) return absl::NotFoundError("key not found");
    // The key and an aligned value point into the map, valid for the
    // transaction's life; a misaligned value is copied.
    if (!record.value.empty() && !peer::IsAligned(record.value.data())) {
      record.value = arena_.Copy(record.value);
    }
    return record;
  }

  absl::Status Scan(
      std::string_view start, std::string_view end,
      absl::FunctionRef<bool(const kv::Record&)> fn) const override {
    std::lock_guard<std::recursive_mutex> l(mu_);
    Cursor c;
    ZVERSE_RETURN_IF_ERROR(c.Open(txn_, env_->versions));
    peer::AlignedScratch scratch;
    int rc = c.Seek(start, ~as_of_);
    while (rc == MDB_SUCCESS) {
      kv::Record record;
      ZVERSE_ASSIGN_OR_RETURN(Version version, SplitKey(c.k));
      if (!end.empty() && version.user_key >= end) break;
      if (version.ts > as_of_) {
        // Versions newer than the view: on to the key's newest at or
        // before as_of (or past the key if it has none).
        rc = c.Seek(version.user_key, ~as_of_);
        continue;
      }
      ZVERSE_RETURN_IF_ERROR(DecodeEntry(c.k, c.v, &record));
      if (!record.deleted) {
        record.value = scratch.Align(record.value);
        if (!fn(record)) return absl::OkStatus();
      }
      // On to the next key: usually the next entry; if it is an older
      // version of this one, seek past them all.
      rc = c.Get(MDB_NEXT);
      if (rc == MDB_SUCCESS) {
        ZVERSE_ASSIGN_OR_RETURN(Version next, SplitKey(c.k));
        if (next.user_key == version.user_key) rc = c.SeekPast(version.user_key);
      }
    }
    return EndStatus(rc, "scan");
  }

  absl::Status History(
      std::string_view key,
      absl::FunctionRef<bool(const kv::Record&)> fn) const override {
    std::lock_guard<std::recursive_mutex> l(mu_);
    Cursor c;
    ZVERSE_RETURN_IF_ERROR(c.Open(txn_, env_->versions));
    peer::AlignedScratch scratch;
    int rc;
    for (rc = c.Seek(key, ~as_of_); rc == MDB_SUCCESS; rc = c.Get(MDB_NEXT)) {
      kv::Record record;
      ZVERSE_RETURN_IF_ERROR(DecodeEntry(c.k, c.v, &record));
      if (record.key != key) break;
      record.value = scratch.Align(record.value);
      if (!fn(record)) return absl::OkStatus();
    }
    return EndStatus(rc, "history");
  }

  absl::Status Changes(
      kv::Timestamp t1, kv::Timestamp t2,
      absl::FunctionRef<bool(const kv::Record&)> fn) const override {
    std::lock_guard<std::recursive_mutex> l(mu_);
    const kv::Timestamp hi = std::min(t2, as_of_);
    if (hi <= t1) return absl::OkStatus();
    Cursor c;
    ZVERSE_RETURN_IF_ERROR(c.Open(txn_, env_->versions));
    // Every version, in (key, ts) order; the records point into the map.
    std::vector<kv::Record> changes;
    int rc;
    for (rc = c.Get(MDB_FIRST); rc == MDB_SUCCESS; rc = c.Get(MDB_NEXT)) {
      ZVERSE_ASSIGN_OR_RETURN(Version version, SplitKey(c.k));
      if (version.ts <= t1 || version.ts > hi) continue;
      kv::Record record;
      ZVERSE_RETURN_IF_ERROR(DecodeEntry(c.k, c.v, &record));
      changes.push_back(record);
    }
    ZVERSE_RETURN_IF_ERROR(EndStatus(rc, "changes"));
    std::sort(changes.begin(), changes.end(), peer::ChangeOrder);
    peer::AlignedScratch scratch;
    for (kv::Record& record : changes) {
      record.value = scratch.Align(record.value);
      if (!fn(record)) break;
    }
    return absl::OkStatus();
  }

 private:
  const std::shared_ptr<LmdbEnv> env_;
  MDB_txn* const txn_;
  const kv::Timestamp as_of_;
  // Held by every call: LMDB forbids using a transaction from two threads
  // at once. Recursive, for callbacks that read through the view.
  mutable std::recursive_mutex mu_;
  // Aligned copies of misaligned values GetRecord returned (guarded by mu_).
  mutable peer::AlignedArena arena_;
};

class LmdbBackend final : public peer::PeerBackend {
 public:
  LmdbBackend(std::string path, std::shared_ptr<LmdbEnv> env,
              kv::Timestamp last, bool sync)
      : PeerBackend(last), path_(std::move(path)), env_(std::move(env)),
        sync_(sync) {}
  ~LmdbBackend() override {
    if (Env() != nullptr) Close().IgnoreError();
  }

  std::string_view name() const override { return "lmdb"; }
  const std::string& path() const override { return path_; }

  absl::StatusOr<std::unique_ptr<graph::KvView>> GetView(
      kv::Timestamp as_of) const override {
    if (as_of == 0) {
      return absl::InvalidArgumentError(
          "as-of timestamp 0 is before all data");
    }
    std::shared_ptr<LmdbEnv> env = Env();
    if (env == nullptr) return Closed();
    MDB_txn* txn = nullptr;
    ZVERSE_RETURN_IF_ERROR(MdbStatus(
        mdb_txn_begin(env->env, nullptr, MDB_RDONLY, &txn), "txn_begin"));
    as_of = ResolveAsOf(as_of);
    return std::make_unique<LmdbView>(std::move(env), txn, as_of);
  }

  absl::Status Sync() override {
    std::shared_ptr<LmdbEnv> env = Env();
    if (env == nullptr) return Closed();
    return MdbStatus(mdb_env_sync(env->env, 1), "env_sync");
  }

  absl::Status Close() override {
    std::lock_guard<std::mutex> w(write_mu_);
    std::shared_ptr<LmdbEnv> env;
    {
      std::lock_guard<std::mutex> l(env_mu_);
      env = std::move(env_);
      env_ = nullptr;
    }
    if (env == nullptr) return Closed();
    // The environment closes with its last holder (this, or the last view).
    return MdbStatus(mdb_env_sync(env->env, 1), "env_sync");
  }

 private:
  static absl::Status Closed() {
    return absl::FailedPreconditionError("database is closed");
  }

  std::shared_ptr<LmdbEnv> Env() const {
    std::lock_guard<std::mutex> l(env_mu_);
    return env_;
  }

  absl::StatusOr<kv::Timestamp> Commit(const kv::WriteBatch& batch,
                                       const kv::WriteOptions& options,
                                       bool ingest) override {
    std::lock_guard<std::mutex> w(write_mu_);
    std::shared_ptr<LmdbEnv> env = Env();
    if (env == nullptr) return Closed();
    ZVERSE_RETURN_IF_ERROR(peer::CheckEntrySizes(batch, "LMDB", env->max_key));
    const kv::Timestamp last = last_.load(std::memory_order_relaxed);
    ZVERSE_ASSIGN_OR_RETURN(
        graph::CommitTimestamps ts,
        graph::ResolveCommitTimestamps(batch, options, peer::NowMicros(),
                                       last));
    auto ts_of = [&](const kv::WriteBatch::OpView& op) {
      return op.ts != 0 ? op.ts : ts.commit;
    };

    // The order the entries go in: the batch's, or for an ingest the
    // database's (with only the last write of each (key, ts) kept), which
    // LMDB fills its pages best in and appends when it can.
    std::vector<size_t> order(batch.Count());
    std::iota(order.begin(), order.end(), size_t{0});
    if (ingest) {
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const kv::WriteBatch::OpView oa = batch.op(a);
        const kv::WriteBatch::OpView ob = batch.op(b);
        return VersionLess(oa.key, ts_of(oa), ob.key, ts_of(ob));
      });
      size_t kept = 0;
      for (size_t i = 0; i < order.size(); ++i) {
        if (i + 1 < order.size()) {
          const kv::WriteBatch::OpView a = batch.op(order[i]);
          const kv::WriteBatch::OpView b = batch.op(order[i + 1]);
          if (a.key == b.key && ts_of(a) == ts_of(b)) continue;  // b wins.
        }
        order[kept++] = order[i];
      }
      order.resize(kept);
    }

    MDB_txn* txn = nullptr;
    ZVERSE_RETURN_IF_ERROR(
        MdbStatus(mdb_txn_begin(env->env, nullptr, 0, &txn), "txn_begin"));
    absl::Status s = Put(env.get(), txn, batch, order, ts_of, ingest);
    const kv::Timestamp new_last = std::max(last, ts.max);
    if (s.ok()) {
      std::string last_bytes;
      peer::AppendBigEndian64(&last_bytes, new_last);
      MDB_val k{sizeof(kLastKey) - 1, const_cast<char*>(kLastKey)};
      MDB_val v{last_bytes.size(), last_bytes.data()};
      s = MdbStatus(mdb_put(txn, env->meta, &k, &v, 0), "put");
    }
    if (!s.ok()) {
      mdb_txn_abort(txn);
      return s;
    }
    ZVERSE_RETURN_IF_ERROR(MdbStatus(mdb_txn_commit(txn), "txn_commit"));
    last_.store(new_last, std::memory_order_release);
    if (ingest && !sync_) {
      ZVERSE_RETURN_IF_ERROR(
          MdbStatus(mdb_env_sync(env->env, 1), "env_sync"));
    }
    return ts.result;
  }

  template <typename TsOf>
  static absl::Status Put(LmdbEnv* env, MDB_txn* txn,
                          const kv::WriteBatch& batch,
                          const std::vector<size_t>& order, TsOf ts_of,
                          bool ingest) {
    Cursor c;
    ZVERSE_RETURN_IF_ERROR(c.Open(txn, env->versions));
    // An ingest whose first entry sorts after everything stored (a load
    // into an empty or older database) appends: no searches, full pages.
    unsigned append = 0;
    if (ingest && !order.empty()) {
      const int rc = c.Get(MDB_LAST);
      if (rc == MDB_NOTFOUND) {
        append = MDB_APPEND;
      } else {
        ZVERSE_RETURN_IF_ERROR(MdbStatus(rc, "cursor_get"));
        ZVERSE_ASSIGN_OR_RETURN(Version stored, SplitKey(c.k));
        const kv::WriteBatch::OpView first = batch.op(order.front());
        if (VersionLess(stored.user_key, stored.ts, first.key, ts_of(first))) {
          append = MDB_APPEND;
        }
      }
    }
    std::string key;
    for (size_t i : order) {
      const kv::WriteBatch::OpView op = batch.op(i);
      key.assign(op.key.data(), op.key.size());
      peer::AppendBigEndian64(&key, ~ts_of(op));
      MDB_val k{key.size(), key.data()};
      MDB_val v{op.deleted ? size_t{1} : op.value.size() + 1, nullptr};
      const int rc = mdb_cursor_put(c.cursor(), &k, &v, MDB_RESERVE | append);
      if (rc != MDB_SUCCESS) return MdbError(rc, "put");
      char* out = static_cast<char*>(v.mv_data);
      out[0] = op.deleted ? peer::kTombstoneFlag : peer::kPutFlag;
      if (!op.deleted && !op.value.empty()) {
        std::memcpy(out + 1, op.value.data(), op.value.size());
      }
    }
    return absl::OkStatus();
  }

  const std::string path_;
  mutable std::mutex env_mu_;
  std::shared_ptr<LmdbEnv> env_;  // Guarded by env_mu_; null once closed.
  // Serializes commits (with the timestamps they resolve) and Close.
  std::mutex write_mu_;
  const bool sync_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<graph::KvBackend>> OpenLmdbBackend(
    const std::string& dir, const PeerOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("creating ", dir, ": ", ec.message()));
  }
  auto env = std::make_shared<LmdbEnv>();
  ZVERSE_RETURN_IF_ERROR(MdbStatus(mdb_env_create(&env->env), "env_create"));
  const uint64_t map_bytes =
      options.lmdb_map_bytes != 0 ? options.lmdb_map_bytes : kDefaultMapBytes;
  ZVERSE_RETURN_IF_ERROR(
      MdbStatus(mdb_env_set_mapsize(env->env, map_bytes), "env_set_mapsize"));
  ZVERSE_RETURN_IF_ERROR(
      MdbStatus(mdb_env_set_maxdbs(env->env, 2), "env_set_maxdbs"));
  ZVERSE_RETURN_IF_ERROR(
      MdbStatus(mdb_env_set_maxreaders(env->env, kMaxReaders),
                "env_set_maxreaders"));
  const unsigned flags = MDB_NOTLS | (options.sync ? 0u : unsigned{MDB_NOSYNC});
  ZVERSE_RETURN_IF_ERROR(MdbStatus(
      mdb_env_open(env->env, dir.c_str(), flags, 0644),
      absl::StrCat("env_open ", dir)));
  int dead = 0;
  ZVERSE_RETURN_IF_ERROR(
      MdbStatus(mdb_reader_check(env->env, &dead), "reader_check"));
  const int max_key = mdb_env_get_maxkeysize(env->env);
  env->max_key = max_key > 8 ? static_cast<size_t>(max_key) - 8 : 0;

  MDB_txn* txn = nullptr;
  ZVERSE_RETURN_IF_ERROR(
      MdbStatus(mdb_txn_begin(env->env, nullptr, 0, &txn), "txn_begin"));
  kv::Timestamp last = 0;
  absl::Status s =
      MdbStatus(mdb_dbi_open(txn, kVersionsDb, MDB_CREATE, &env->versions),
                "dbi_open versions");
  // The comparator is not stored in the file: it is set on every open,
  // before any access.
  if (s.ok()) {
    s = MdbStatus(mdb_set_compare(txn, env->versions, &CompareVersions),
                  "set_compare");
  }
  if (s.ok()) {
    s = MdbStatus(mdb_dbi_open(txn, kMetaDb, MDB_CREATE, &env->meta),
                  "dbi_open meta");
  }
  if (s.ok()) {
    MDB_val k{sizeof(kLastKey) - 1, const_cast<char*>(kLastKey)};
    MDB_val v;
    const int rc = mdb_get(txn, env->meta, &k, &v);
    if (rc == MDB_SUCCESS) {
      if (v.mv_size != 8) {
        s = absl::DataLossError(absl::StrCat(
            "LMDB: the last commit timestamp in ", dir, " has ", v.mv_size,
            " bytes, not 8"));
      } else {
        last = LoadBigEndian64(static_cast<const char*>(v.mv_data));
      }
    } else if (rc != MDB_NOTFOUND) {
      s = MdbError(rc, "get last");
    }
  }
  if (!s.ok()) {
    mdb_txn_abort(txn);
    return s;
  }
  ZVERSE_RETURN_IF_ERROR(MdbStatus(mdb_txn_commit(txn), "txn_commit"));
  return std::unique_ptr<graph::KvBackend>(
      std::make_unique<LmdbBackend>(dir, std::move(env), last, options.sync));
}

}  // namespace zverse::bench
