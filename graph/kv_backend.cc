#include "graph/kv_backend.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "kv/status_macros.h"

namespace zverse::graph {

absl::StatusOr<std::string_view> KvView::Get(std::string_view key) const {
  ZVERSE_ASSIGN_OR_RETURN(kv::Record r, GetRecord(key));
  if (r.deleted) return absl::NotFoundError("key was deleted");
  return r.value;
}

absl::StatusOr<CommitTimestamps> ResolveCommitTimestamps(
    const kv::WriteBatch& batch, const kv::WriteOptions& options,
    kv::Timestamp now, kv::Timestamp last) {
  if (batch.Count() == 0) {
    return absl::InvalidArgumentError("empty write batch");
  }
  const kv::Timestamp limit = std::min(now, kv::kMaxTimestamp);
  size_t own = 0;
  kv::Timestamp max_own = 0;
  for (size_t i = 0; i < batch.Count(); ++i) {
    const kv::Timestamp t = batch.op(i).ts;
    if (t == 0) continue;
    ++own;
    max_own = std::max(max_own, t);
  }
  if (max_own > limit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "entry timestamp ", max_own, " is in the future (now is ", now,
        "); explicit timestamps import the past"));
  }
  CommitTimestamps out;
  if (own == batch.Count()) {
    out.commit = out.result = max_own;
  } else if (options.ts != 0) {
    if (options.ts > limit) {
      return absl::InvalidArgumentError(absl::StrCat(
          "explicit timestamp ", options.ts, " is in the future (now is ",
          now, "); explicit timestamps import the past"));
    }
    out.commit = out.result = options.ts;
  } else {
    out.commit = out.result = std::max(now, last + 1);
    if (out.commit > kv::kMaxTimestamp) {
      return absl::OutOfRangeError("timestamp space exhausted");
    }
  }
  out.max = std::max(out.commit, max_own);
  return out;
}

namespace {

class ZVerseView final : public KvView {
 public:
  explicit ZVerseView(kv::Snapshot snap) : snap_(std::move(snap)) {}

  kv::Timestamp as_of() const override { return snap_.as_of(); }
  absl::StatusOr<kv::Record> GetRecord(std::string_view key) const override {
    return snap_.GetRecord(key);
  }
  absl::StatusOr<std::string_view> Get(std::string_view key) const override {
    return snap_.Get(key);
  }
  absl::Status Scan(
      std::string_view start, std::string_view end,
      absl::FunctionRef<bool(const kv::Record&)> fn) const override {
    return snap_.Scan(start, end, fn);
  }
  absl::Status History(
      std::string_view key,
      absl::FunctionRef<bool(const kv::Record&)> fn) const override {
    return snap_.History(key, fn);
  }
  absl::Status Changes(
      kv::Timestamp t1, kv::Timestamp t2,
      absl::FunctionRef<bool(const kv::Record&)> fn) const override {
    return snap_.Changes(t1, t2, fn);
  }
  kv::PrefetchStats Prefetch(
      const std::vector<kv::KeyRange>& ranges) const override {
    return snap_.Prefetch(ranges);
  }
  bool PrefetchesInBackground() const override {
    return snap_.PrefetchesInBackground();
  }
  bool SkipNextHint() const override { return snap_.SkipNextHint(); }
  const kv::Snapshot* zverse() const override { return &snap_; }

 private:
  kv::Snapshot snap_;
};

class ZVerseKvBackend final : public KvBackend {
 public:
  explicit ZVerseKvBackend(std::unique_ptr<kv::DB> db) : db_(std::move(db)) {}

  std::string_view name() const override { return "zverse"; }
  const std::string& path() const override { return db_->path(); }

  absl::StatusOr<std::unique_ptr<KvView>> GetView(
      kv::Timestamp as_of) const override {
    ZVERSE_ASSIGN_OR_RETURN(kv::Snapshot snap, db_->GetSnapshot(as_of));
    return std::make_unique<ZVerseView>(std::move(snap));
  }
  absl::StatusOr<kv::Timestamp> Write(
      const kv::WriteBatch& batch, const kv::WriteOptions& options) override {
    return db_->Write(batch, options);
  }
  absl::StatusOr<kv::Timestamp> Ingest(
      kv::WriteBatch&& batch, const kv::WriteOptions& options) override {
    return db_->Ingest(std::move(batch), options);
  }
  absl::Status Sync() override { return db_->Sync(); }
  absl::Status Compact() override { return db_->Compact(); }
  absl::Status Close() override { return db_->Close(); }
  kv::DB* zverse() const override { return db_.get(); }

 private:
  std::unique_ptr<kv::DB> db_;
};

}  // namespace

std::unique_ptr<KvBackend> ZVerseBackend(std::unique_ptr<kv::DB> db) {
  return std::make_unique<ZVerseKvBackend>(std::move(db));
}

absl::StatusOr<std::unique_ptr<KvBackend>> OpenZVerseBackend(
    const std::string& path, const kv::Options& options) {
  ZVERSE_ASSIGN_OR_RETURN(std::unique_ptr<kv::DB> db,
                          kv::DB::Open(path, options));
  return ZVerseBackend(std::move(db));
}

}  // namespace zverse::graph
