// Internal to bench/backends: what the LMDB and RocksDB backends share (the
// stored value's tombstone flag, the clock, size checks, and the 8-byte
// aligned copies that values are handed out in when the engine's own copy
// is not aligned).
//
// Alignment: the graph layer parses values in place as Cap'n Proto records,
// which must start at an 8-byte aligned address (graph/record.h; ZVerse
// aligns every value it stores). LMDB and RocksDB keep values at arbitrary
// addresses, so the views hand a value out in place when it happens to be
// aligned and otherwise copy it: into an arena the view owns (GetRecord,
// Get: valid for the view's life) or into a scratch buffer reused between
// callbacks (Scan, History, Changes: valid until the callback returns).

#ifndef ZVERSE_BENCH_BACKENDS_PEER_UTIL_H_
#define ZVERSE_BENCH_BACKENDS_PEER_UTIL_H_

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "bench/bench_util.h"
#include "graph/kv_backend.h"
#include "kv/db.h"

namespace zverse::bench::peer {

// The first byte of every stored value.
inline constexpr char kPutFlag = 0;
inline constexpr char kTombstoneFlag = 1;

// The clock commits are stamped with: microseconds since the Unix epoch
// (what ZVerse's Env::Default()->NowMicros() reads).
inline kv::Timestamp NowMicros() {
  return static_cast<kv::Timestamp>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

inline void AppendBigEndian64(std::string* out, uint64_t v) {
  char buf[8];
  StoreBigEndian64(v, buf);
  out->append(buf, 8);
}

// A key for error messages.
inline std::string Printable(std::string_view key) {
  return absl::StrCat("'", absl::CHexEscape(Av(key)), "'");
}

// A stored value split into its flag and the user's value.
struct StoredValue {
  std::string_view value;  // Empty for a tombstone.
  bool deleted = false;
};

inline absl::StatusOr<StoredValue> DecodeStoredValue(std::string_view stored,
                                                     std::string_view engine,
                                                     std::string_view key,
                                                     kv::Timestamp ts) {
  if (stored.empty() ||
      (stored[0] != kPutFlag && stored[0] != kTombstoneFlag)) {
    return absl::DataLossError(absl::StrCat(
        Av(engine), ": the value of key ", Printable(key), " at ", ts,
        stored.empty() ? " has no flag byte" : " has an unknown flag byte"));
  }
  StoredValue out;
  out.deleted = stored[0] == kTombstoneFlag;
  if (!out.deleted) out.value = stored.substr(1);
  return out;
}

// The limits kv::DB::Write enforces on entries (kv::kMaxKeySize,
// kv::kMaxValueSize), and the engine's own key limit (`max_key`).
inline absl::Status CheckEntrySizes(const kv::WriteBatch& batch,
                                    std::string_view engine, size_t max_key) {
  if (batch.Count() == 0) {
    return absl::InvalidArgumentError("empty write batch");
  }
  const size_t key_limit = std::min(max_key, kv::kMaxKeySize);
  for (size_t i = 0; i < batch.Count(); ++i) {
    const kv::WriteBatch::OpView op = batch.op(i);
    if (op.key.size() > key_limit) {
      return absl::InvalidArgumentError(
          absl::StrCat("key of ", op.key.size(), " bytes exceeds the maximum ",
                       "of ", key_limit, " (", Av(engine), ")"));
    }
    if (op.value.size() > kv::kMaxValueSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("value of ", op.value.size(),
                       " bytes exceeds the maximum of ", kv::kMaxValueSize));
    }
  }
  return absl::OkStatus();
}

inline bool IsAligned(const char* p) {
  return reinterpret_cast<uintptr_t>(p) % 8 == 0;
}

// 8-byte aligned copies that live as long as the arena. Not thread-safe.
class AlignedArena {
 public:
  std::string_view Copy(std::string_view s) {
    const size_t words = (s.size() + 7) / 8;
    uint64_t* p;
    if (words > kBlockWords / 4) {
      // Large: a block of its own; the current one stays in use.
      blocks_.push_back(std::make_unique_for_overwrite<uint64_t[]>(words));
      p = blocks_.back().get();
    } else {
      if (words > left_) {
        blocks_.push_back(
            std::make_unique_for_overwrite<uint64_t[]>(kBlockWords));
        next_ = blocks_.back().get();
        left_ = kBlockWords;
      }
      p = next_;
      next_ += words;
      left_ -= words;
    }
    char* out = reinterpret_cast<char*>(p);
    if (!s.empty()) std::memcpy(out, s.data(), s.size());
    return std::string_view(out, s.size());
  }

 private:
  static constexpr size_t kBlockWords = 512;  // 4 KiB.
  std::vector<std::unique_ptr<uint64_t[]>> blocks_;
  uint64_t* next_ = nullptr;
  size_t left_ = 0;
};

// What the two peer backends share: the newest committed timestamp, what a
// view "as of latest" reads, and Write and Ingest as one Commit.
class PeerBackend : public graph::KvBackend {
 public:
  absl::StatusOr<kv::Timestamp> Write(
      const kv::WriteBatch& batch, const kv::WriteOptions& options) final {
    return Commit(batch, options, /*ingest=*/false);
  }
  absl::StatusOr<kv::Timestamp> Ingest(
      kv::WriteBatch&& batch, const kv::WriteOptions& options) final {
    absl::StatusOr<kv::Timestamp> ts = Commit(batch, options, /*ingest=*/true);
    batch = kv::WriteBatch();
    return ts;
  }

 protected:
  explicit PeerBackend(kv::Timestamp last) : last_(last) {}
  // One atomic write of `batch`; `ingest`: also durable before it returns.
  virtual absl::StatusOr<kv::Timestamp> Commit(const kv::WriteBatch& batch,
                                               const kv::WriteOptions& options,
                                               bool ingest) = 0;
  // kv::kLatest as a timestamp: max(now, the newest commit).
  kv::Timestamp ResolveAsOf(kv::Timestamp as_of) const {
    if (as_of != kv::kLatest) return as_of;
    return std::max(NowMicros(), last_.load(std::memory_order_acquire));
  }

  std::atomic<kv::Timestamp> last_;
};

// An aligned buffer reused from one callback to the next.
class AlignedScratch {
 public:
  // `v` itself if aligned (or empty), else a copy valid until the next call.
  std::string_view Align(std::string_view v) {
    if (v.empty() || IsAligned(v.data())) return v;
    buf_.resize((v.size() + 7) / 8);
    char* out = reinterpret_cast<char*>(buf_.data());
    std::memcpy(out, v.data(), v.size());
    return std::string_view(out, v.size());
  }

 private:
  std::vector<uint64_t> buf_;
};

// Orders records as Changes hands them out: by (ts, key).
inline bool ChangeOrder(const kv::Record& a, const kv::Record& b) {
  if (a.ts != b.ts) return a.ts < b.ts;
  return a.key < b.key;
}

}  // namespace zverse::bench::peer

#endif  // ZVERSE_BENCH_BACKENDS_PEER_UTIL_H_
