#include "kv/db.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <cstring>
#include <deque>
#include <forward_list>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include <xxhash.h>
#include <zstd.h>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kv/env.h"
#include "kv/internal/arena.h"
#include "kv/internal/format.h"
#include "kv/internal/log.h"
#include "kv/internal/memtable.h"
#include "kv/internal/mutex.h"
#include "kv/internal/parallel_sort.h"
#include "kv/internal/segment.h"
#include "kv/status_macros.h"

namespace zverse::kv {

static_assert(kOverflowValueSize == internal::kOverflowThreshold);

using internal::EntryView;
using internal::LogFile;
using internal::LogWriter;
using internal::MemTable;
using internal::Segment;

namespace {

constexpr char kIdentityText[] = "ZVerse database\nformat ";
// A commit group gathers followers up to this many bytes (the first batch
// alone may be larger).
constexpr size_t kMaxGroupBytes = size_t{1} << 20;
// A segment's hash slots count a key's versions and index the directory
// with 32 bits.
constexpr size_t kMaxIngestEntries = size_t{1} << 32;

// Sealing and compaction sort in large temporary buffers; glibc keeps what
// they freed unless asked to return it, which would count against the
// engine's resident memory for the life of the process.
void ReleaseFreeMemory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

uint64_t LogCapacity(uint64_t seal_threshold, uint64_t file_size) {
  return std::max(seal_threshold, file_size) + kMaxBatchBytes +
         2 * kMaxGroupBytes;
}

struct OpRef {
  std::string_view key;
  std::string_view value;
  bool deleted;
  Timestamp ts = 0;  // 0: the commit's timestamp.
};

}  // namespace

// The files a reader may touch: sealed segments, newest first, and the
// active memtable. Immutable once published.
struct Version {
  std::vector<std::shared_ptr<Segment>> segments;
  std::shared_ptr<MemTable> mem;
  // The blob files (overflow values) the segments and the memtable refer
  // to, mapped; the active one grows (committed_size).
  std::vector<std::shared_ptr<LogFile>> blobs;
  const LogFile* FindBlob(uint64_t number) const {
    for (const auto& b : blobs) {
      if (b->number == number) return b.get();
    }
    return nullptr;
  }
};

// Workers that resolve prefetch hints off the readers' threads. Hints are
// advice: when the queue is full a new one is dropped, and Stop drops what
// is still queued.
class HintPool {
 public:
  explicit HintPool(size_t threads) {
    for (size_t i = 0; i < threads; ++i) {
      threads_.emplace_back([this] { Loop(); });
    }
  }
  ~HintPool() { Stop(); }
  size_t threads() const { return threads_.size(); }

  bool Submit(std::function<void()> job) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (stop_ || queue_.size() >= kMaxQueued) return false;
      queue_.push_back(std::move(job));
      ++pending_;
    }
    cv_.notify_one();
    return true;
  }

  // Waits until every job submitted so far has run (or was dropped).
  void Wait() {
    std::unique_lock<std::mutex> l(mu_);
    idle_cv_.wait(l, [this] { return pending_ == 0; });
  }

  void Stop() {
    {
      std::lock_guard<std::mutex> l(mu_);
      stop_ = true;
      pending_ -= queue_.size();
      queue_.clear();
    }
    cv_.notify_all();
    idle_cv_.notify_all();
    for (std::thread& t : threads_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  static constexpr size_t kMaxQueued = 1024;

  void Loop() {
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> l(mu_);
        cv_.wait(l, [this] { return stop_ || !queue_.empty(); });
        if (stop_) return;
        job = std::move(queue_.front());
        queue_.pop_front();
      }
      job();
      job = nullptr;  // (Its snapshot goes before the count does.)
      std::lock_guard<std::mutex> l(mu_);
      if (--pending_ == 0) idle_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;
  std::condition_variable idle_cv_;
  size_t pending_ = 0;  // Queued or running.
  std::deque<std::function<void()>> queue_;
  bool stop_ = false;
  std::vector<std::thread> threads_;
};

// Shared by a DB and its snapshots (which may outlive it).
struct PrefetchControl {
  std::atomic<bool> on{true};
  std::atomic<uint64_t> calls{0};
  std::atomic<uint64_t> ranges{0};
  std::atomic<uint64_t> bytes{0};
  // The adaptive prefetcher (Options::adaptive_prefetch).
  std::atomic<bool> adaptive{false};
  std::atomic<bool> track{false};  // Options::locality_stats.
  const std::shared_ptr<internal::LocalityManager> locality =
      std::make_shared<internal::LocalityManager>();
  std::atomic<uint64_t> adaptive_advised_bytes{0};
  std::atomic<uint64_t> resident_samples{0};  // Sampled with mincore,
  std::atomic<uint64_t> resident_hits{0};     // of them in memory.
  std::atomic<uint64_t> manager_nanos{0};     // In Touch, sampled.
  // Bumped by DropCaches: what was advised once per cached state (the
  // segments' fence blocks) is advised again.
  std::atomic<uint64_t> epoch{1};
  std::atomic<uint64_t> queued{0};   // Hint ranges the workers took,
  std::atomic<uint64_t> dropped{0};  // dropped,
  std::atomic<uint64_t> skipped{0};  // and skipped by the back-off.

  // The hints' back-off: hints whose pages the workers found in memory
  // make the next calls skip, twice as many each time (up to 64), until a
  // hint finds a page to read or the caches are dropped. Approximate under
  // concurrency (relaxed), which only shifts when a hint is skipped.
  std::atomic<uint32_t> hint_backoff{0};
  std::atomic<uint32_t> hint_skip{0};
  std::atomic<uint64_t> hint_epoch{0};
  void HintFeedback(bool all_resident) {
    if (!all_resident) {
      hint_backoff.store(0, std::memory_order_relaxed);
      hint_skip.store(0, std::memory_order_relaxed);
      return;
    }
    const uint32_t b = hint_backoff.load(std::memory_order_relaxed);
    const uint32_t next = b == 0 ? 1 : std::min<uint32_t>(64, 2 * b);
    hint_backoff.store(next, std::memory_order_relaxed);
    hint_skip.store(next, std::memory_order_relaxed);
  }
  bool SkipHints() {
    const uint64_t e = epoch.load(std::memory_order_relaxed);
    if (hint_epoch.load(std::memory_order_relaxed) != e) {
      hint_epoch.store(e, std::memory_order_relaxed);
      hint_backoff.store(0, std::memory_order_relaxed);
      hint_skip.store(0, std::memory_order_relaxed);
      return false;
    }
    uint32_t left = hint_skip.load(std::memory_order_relaxed);
    while (left > 0) {
      if (hint_skip.compare_exchange_weak(left, left - 1,
                                          std::memory_order_relaxed)) {
        return true;
      }
    }
    return false;
  }

  // The hint workers: started on the first background hint, stopped when
  // the DB closes (snapshots that outlive it resolve hints themselves).
  uint32_t threads = 0;  // Options::prefetch_threads.
  // Segments of this size or more are read at random (ApplyAccessAdvice).
  uint64_t random_min_bytes = UINT64_MAX;
  std::shared_ptr<HintPool> Pool() {
    std::lock_guard<std::mutex> l(pool_mu);
    if (pool == nullptr && !closed.load(std::memory_order_relaxed) &&
        threads > 0) {
      pool = std::make_shared<HintPool>(threads);
    }
    return pool;
  }
  // Whether hints go to the workers now (no lock: asked on every hint).
  bool Background() const {
    return adaptive.load(std::memory_order_relaxed) && threads > 0 &&
           !closed.load(std::memory_order_acquire);
  }
  void StopPool() {
    std::shared_ptr<HintPool> p;
    {
      std::lock_guard<std::mutex> l(pool_mu);
      closed.store(true, std::memory_order_release);
      p = std::move(pool);
    }
    if (p != nullptr) p->Stop();
  }
  std::mutex pool_mu;                // Guards pool.
  std::shared_ptr<HintPool> pool;
  std::atomic<bool> closed{false};   // Set once, by StopPool.
};

namespace {
// Touches by this thread since it last gave hints (Snapshot::Prefetch).
thread_local uint64_t tls_touches_since_hint = UINT64_MAX / 2;
constexpr uint64_t kHintedTouches = 4096;

// A reader touched [offset, offset + length) of `seg`: the locality manager
// records it (with the prefetcher or its statistics on), now and then
// samples whether the page was in memory (the hit ratio), and the adaptive
// prefetcher advises what the thread's pattern predicts, less the pages in
// memory already or advised already.
// (`before_read`: the page is about to be read for the first time, so that
// its residency may be sampled; a point read's page was read already, by
// the lookup, which samples itself, see SampledRead.)
// Where a bounded scan's remaining entries end in the file (so that a
// prediction does not read past them); UINT64_MAX when unknown.
class ScanBound {
 public:
  virtual uint64_t Limit() = 0;

 protected:
  ~ScanBound() = default;
};

void Touch(PrefetchControl* c, const Segment& seg, uint64_t offset,
           uint64_t length, bool before_read, ScanBound* bound = nullptr) {
  if (c == nullptr) return;
  const bool adaptive = c->adaptive.load(std::memory_order_relaxed);
  if (!adaptive && !c->track.load(std::memory_order_relaxed)) return;
  internal::LocalityManager& m = *c->locality;
  const uint32_t id = seg.LocalityId(c->locality);
  thread_local uint64_t n = 0;
  const bool sample = (++n & 63) == 0;
  if (sample && before_read) {
    const int r = seg.Resident(offset);
    if (r >= 0) {
      c->resident_samples.fetch_add(1, std::memory_order_relaxed);
      c->resident_hits.fetch_add(static_cast<uint64_t>(r),
                                 std::memory_order_relaxed);
    }
  }
  // (The residency sample is not the manager's own cost.)
  const auto t0 = sample ? std::chrono::steady_clock::now()
                         : std::chrono::steady_clock::time_point();
  const internal::LocalityManager::Prediction p =
      m.Record(id, offset, length, adaptive);
  if (adaptive) {
    ++tls_touches_since_hint;
    using Advice = MappedRegion::Advice;
    if (!p.normal.empty()) {
      // Back to what the prefetcher keeps the file at (ApplyAccessAdvice).
      seg.Advise(p.normal.offset, p.normal.length, Advice::kRandom);
    }
    if (!p.sequential.empty()) {
      seg.Advise(p.sequential.offset, p.sequential.length, Advice::kSequential);
    }
    // A frontier the executor hints is in better hands than a guess from
    // its offsets: this thread's frontier predictions wait while its hints
    // flow (kHintedTouches touches after its last hint).
    const bool hinted =
        p.pattern == internal::LocalityManager::Pattern::kFrontier &&
        tls_touches_since_hint < kHintedTouches;
    internal::LocalityManager::Range range = p.range;
    if (!range.empty() && bound != nullptr) {
      // A bounded scan's prediction stops where its entries do.
      const uint64_t limit = bound->Limit();
      range.length = range.offset >= limit
                         ? 0
                         : std::min(range.length, limit - range.offset);
    }
    if (!range.empty() && !hinted) {
      // Only what is not in memory is worth a read; a prediction that finds
      // everything there makes the thread back off.
      size_t first = 0, end = 0;
      const int64_t missing =
          seg.Missing(range.offset, range.length, &first, &end);
      m.Feedback(id, missing == 0);
      if (missing != 0) {
        if (missing < 0) {
          first = range.offset;
          end = range.offset + range.length;
        }
        const internal::LocalityManager::Range r = m.Claim(id, first, end - first);
        if (!r.empty()) {
          seg.WillNeed(r.offset, r.length);
          c->adaptive_advised_bytes.fetch_add(r.length, std::memory_order_relaxed);
        }
      }
    }
    if (m.HasCold(id)) {
      for (const internal::LocalityManager::Range& r : m.TakeCold(id)) {
        seg.Advise(r.offset, r.length, Advice::kCold);
      }
    }
  }
  if (sample) {
    // Scaled up to every call.
    c->manager_nanos.fetch_add(
        64 * static_cast<uint64_t>(
                 std::chrono::duration_cast<std::chrono::nanoseconds>(
                     std::chrono::steady_clock::now() - t0)
                     .count()),
        std::memory_order_relaxed);
  }
}
// The operating system's part in reading `seg`, by whether the adaptive
// prefetcher is on: with it, faults read their page only (MADV_RANDOM: the
// kernel's read-around, up to the device's read_ahead_kb around every
// fault, is what makes cold random reads slow) and the prefetcher reads
// ahead what its patterns and the hints predict, starting with the
// segment's fence block once per cached state; without it, the kernel's
// defaults.
void ApplyAccessAdvice(PrefetchControl* c, const Segment& seg) {
  if (c == nullptr) return;
  const bool adaptive = c->adaptive.load(std::memory_order_relaxed);
  seg.SetRandomAccess(adaptive && seg.file_size() >= c->random_min_bytes);
  if (adaptive) seg.AdviseFence(c->epoch.load(std::memory_order_relaxed));
}

// One read in 64 (per thread) while locality is tracked: the segments'
// lookups check the pages they touch with mincore before reading them (see
// internal::ResidencySample), and the totals go to the hit ratio.
class SampledRead {
 public:
  explicit SampledRead(PrefetchControl* c) {
    if (c == nullptr || (!c->adaptive.load(std::memory_order_relaxed) &&
                         !c->track.load(std::memory_order_relaxed))) {
      return;
    }
    thread_local uint64_t n = 0;
    if ((++n & 63) != 0) return;
    internal::ResidencySample& r = internal::ThreadResidencySample();
    if (r.active) return;  // Nested.
    r = internal::ResidencySample{};
    r.active = true;
    c_ = c;
  }
  ~SampledRead() { Finish(); }
  // Ends the sample early (the rest of a scan is sampled per page).
  void Finish() {
    if (c_ == nullptr) return;
    internal::ResidencySample& r = internal::ThreadResidencySample();
    r.active = false;
    c_->resident_samples.fetch_add(r.pages, std::memory_order_relaxed);
    c_->resident_hits.fetch_add(r.resident, std::memory_order_relaxed);
    c_ = nullptr;
  }
  SampledRead(const SampledRead&) = delete;
  SampledRead& operator=(const SampledRead&) = delete;

 private:
  PrefetchControl* c_ = nullptr;
};
}  // namespace

// The blob record overflow entry `e` refers to, in one of v's blob files,
// bounds (and, with `verify`, checksum) checked.
absl::StatusOr<internal::BlobView> BlobRecordOf(const Version& v,
                                                const EntryView& e,
                                                internal::BlobRef* ref,
                                                const LogFile** file,
                                                bool verify) {
  if (!internal::DecodeBlobRef(e.value, ref)) {
    return absl::DataLossError(absl::StrCat(
        "overflow entry of key '", std::string(e.key),
        "' has a malformed blob reference"));
  }
  *file = v.FindBlob(ref->file);
  if (*file == nullptr) {
    return absl::DataLossError(absl::StrCat(
        "blob file ",
        internal::BlobFileName("", ref->file).substr(1),
        " (overflow value of key '", std::string(e.key), "') is missing"));
  }
  ZVERSE_ASSIGN_OR_RETURN(
      internal::BlobView b,
      internal::DecodeBlobRecord(
          (*file)->data(), ref->offset,
          (*file)->committed_size.load(std::memory_order_acquire),
          (*file)->path, verify));
  if (b.raw_length != ref->length) {
    return internal::DataLossAt((*file)->path, ref->offset,
                                "blob record length differs from the entry's");
  }
  return b;
}

// Cache-line aligned: snapshots of different threads must not share a line
// (their reference counts are written on every copy).
struct alignas(64) SnapshotState {
  // Keeps `version` and `prefetch` alive: the DB's published read state,
  // through a reference of the reader's shard (see DBImpl::ReadShard).
  std::shared_ptr<const void> pin;
  const Version* version = nullptr;
  Timestamp as_of = 0;
  uint64_t max_seq = 0;
  PrefetchControl* prefetch = nullptr;

  absl::StatusOr<EntryView> MemEntry(const MemTable::Node* n) const {
    const LogFile& log = version->mem->log();
    return internal::DecodeEntry(
        log.data(), n->offset,
        log.committed_size.load(std::memory_order_acquire), log.path);
  }
  bool MemVisible(const MemTable::Node* n) const {
    return n->seq <= max_seq && n->ts <= as_of;
  }

  absl::StatusOr<internal::BlobView> Blob(const EntryView& e,
                                          internal::BlobRef* ref,
                                          const LogFile** file,
                                          bool verify) const {
    return BlobRecordOf(*version, e, ref, file, verify);
  }

  // The record a user sees for entry `e`: an overflow value is read from
  // its blob file (a view into the mapping, or, compressed, a copy that
  // lives as long as the snapshot).
  absl::StatusOr<Record> Resolve(const EntryView& e) const {
    Record r{e.key, e.value, e.ts, e.deleted()};
    if ((e.flags & internal::kEntryOverflow) == 0 || r.deleted) return r;
    internal::BlobRef ref;
    const LogFile* file = nullptr;
    ZVERSE_ASSIGN_OR_RETURN(internal::BlobView b,
                            Blob(e, &ref, &file, /*verify=*/true));
    if ((b.flags & internal::kBlobZstd) == 0) {
      r.value = b.stored;
      return r;
    }
    std::string out;
    ZVERSE_RETURN_IF_ERROR(
        internal::DecompressBlob(b, &out, file->path, ref.offset));
    std::lock_guard<std::mutex> l(inflated_mu);
    inflated.push_front(std::move(out));
    r.value = inflated.front();
    return r;
  }
  mutable std::mutex inflated_mu;
  // (A list: nothing is allocated for a snapshot that inflates nothing, and
  // the strings never move.)
  mutable std::forward_list<std::string> inflated;
};

namespace {


Entry ToEntry(const Record& r) {
  return Entry{std::string(r.key), std::string(r.value), r.ts, r.deleted};
}

// Where a version lives: the memtable (seg == nullptr) or a segment.
struct Location {
  const Segment* seg = nullptr;
  const MemTable::Node* node = nullptr;
  uint64_t offset = 0;
  size_t index = 0;  // The entry's directory index in seg (Segment::EntryAt).
};

absl::StatusOr<EntryView> Load(const SnapshotState& s, const Location& loc) {
  if (loc.seg == nullptr) return s.MemEntry(loc.node);
  return loc.seg->EntryAt(loc.index, loc.offset);
}

// A cursor over one source in key order that yields, for each key, the
// newest version visible to the snapshot. The candidate's entry is decoded
// and checksummed as soon as the cursor settles on it: the merge orders
// sources by that key, so a damaged key must stop the scan rather than sort
// somewhere else.
class SourceCursor {
 public:
  SourceCursor(const SnapshotState* s, const MemTable* mem, int rank,
               std::string_view start)
      : s_(s), rank_(rank), node_(mem->SeekKey(start)) {
    SettleMem();
  }
  SourceCursor(const SnapshotState* s, const Segment* seg, int rank,
               std::string_view start, std::string_view end_key = {})
      : s_(s), rank_(rank), seg_(seg), i_(Seek(s, seg, start)),
        end_(seg->entry_count()), bound_(end_key) {
    for (size_t k = 1; k < kPrefetchAhead; ++k) seg_->PrefetchEntry(i_ + k);
    SettleSeg();
  }

  bool valid() const { return valid_; }

  // LowerBound, after (with the adaptive prefetcher on) advising the
  // segment's fence block once per cached state.
  static size_t Seek(const SnapshotState* s, const Segment* seg,
                     std::string_view start) {
    ApplyAccessAdvice(s->prefetch, *seg);
    return seg->LowerBound(start);
  }
  // Non-OK when the cursor stopped at damage.
  const absl::Status& status() const { return status_; }
  std::string_view key() const { return entry_.key; }
  Timestamp ts() const { return entry_.ts; }
  int rank() const { return rank_; }
  const EntryView& entry() const { return entry_; }

  // Moves past every version of the current key.
  void NextKey() {
    if (seg_ == nullptr) {
      const std::string_view key = node_->user_key();
      while (node_ != nullptr && node_->user_key() == key) {
        node_ = MemTable::Next(node_);
      }
      SettleMem();
    } else {
      ++i_;
      while (i_ < end_ && !seg_->DirNewest(i_)) ++i_;
      SettleSeg();
    }
  }

 private:
  void Settle(absl::StatusOr<EntryView> e, Timestamp want_ts) {
    if (!e.ok()) {
      status_ = e.status();
      valid_ = false;
      return;
    }
    if (e->ts != want_ts) {
      status_ = absl::DataLossError("index and entry disagree on a timestamp");
      valid_ = false;
      return;
    }
    entry_ = *e;
    valid_ = true;
  }

  // Positions at the first key (at or after node_) with a visible version.
  void SettleMem() {
    valid_ = false;
    while (node_ != nullptr) {
      const std::string_view k = node_->user_key();
      const MemTable::Node* m = node_;
      while (m != nullptr && m->user_key() == k && !s_->MemVisible(m)) {
        m = MemTable::Next(m);
      }
      if (m != nullptr && m->user_key() == k) {
        node_ = m;
        Settle(s_->MemEntry(m), m->ts);
        return;
      }
      node_ = m;
    }
  }

  void SettleSeg() {
    valid_ = false;
    // LowerBound may land inside a run only if the directory is damaged;
    // back up to the run's start either way.
    while (i_ < end_ && i_ > 0 && !seg_->DirNewest(i_)) --i_;
    while (i_ < end_) {
      size_t j = i_;
      do {
        if (seg_->DirTs(j) <= s_->as_of) {
          const uint64_t off = seg_->DirOffset(j);
          // Once per page the scan enters.
          if ((off >> 12) != last_page_) {
            // (The seek read the first page already.)
            bound_.At(seg_, j);
            Touch(s_->prefetch, *seg_, off, uint64_t{1} << 12,
                  /*before_read=*/last_page_ != UINT64_MAX, &bound_);
            last_page_ = off >> 12;
          }
          seg_->PrefetchEntry(j + kPrefetchAhead);
          Settle(seg_->EntryAt(j, off), seg_->DirTs(j));
          return;
        }
        ++j;
      } while (j < end_ && !seg_->DirNewest(j));
      i_ = j;
    }
  }

  // The end of the scan's remaining entries in the file, found (once, when
  // a prediction needs it) from the directory: past the last page of any
  // of them, for ranges of at most kMaxBoundEntries entries.
  class Bound final : public ScanBound {
   public:
    explicit Bound(std::string_view end_key) : end_key_(end_key) {}
    // Where the scan is now (set before each Touch; no pointer back to the
    // cursor, which moves).
    void At(const Segment* seg, size_t i) {
      seg_ = seg;
      i_ = i;
    }
    uint64_t Limit() override {
      if (limit_ != 0) return limit_;
      limit_ = UINT64_MAX;
      if (end_key_.empty() || seg_ == nullptr) return limit_;
      const size_t stop = std::max(i_, seg_->LowerBound(end_key_));
      if (stop - i_ > kMaxBoundEntries) return limit_;
      uint64_t hi = 0;
      for (size_t j = i_; j < stop; ++j) hi = std::max(hi, seg_->DirOffset(j));
      limit_ = (hi | 4095) + 1;  // To the end of its page.
      return limit_;
    }

   private:
    static constexpr size_t kMaxBoundEntries = 4096;
    std::string_view end_key_;
    const Segment* seg_ = nullptr;
    size_t i_ = 0;
    uint64_t limit_ = 0;
  };

  // How many directory records ahead of the one it reads a segment cursor
  // asks the CPU to load (Segment::PrefetchEntry).
  static constexpr size_t kPrefetchAhead = 4;

  const SnapshotState* s_;
  int rank_;
  const Segment* seg_ = nullptr;
  const MemTable::Node* node_ = nullptr;
  size_t i_ = 0;
  size_t end_ = 0;
  Bound bound_{std::string_view()};
  uint64_t last_page_ = UINT64_MAX;
  bool valid_ = false;
  absl::Status status_;
  EntryView entry_;
};

std::vector<OpRef> OpRefs(const WriteBatch& batch) {
  std::vector<OpRef> ops;
  ops.reserve(batch.Count());
  for (size_t i = 0; i < batch.Count(); ++i) {
    const WriteBatch::OpView op = batch.op(i);
    ops.push_back(OpRef{op.key, op.value, op.deleted, op.ts});
  }
  return ops;
}

// Checks sizes. `max_bytes` bounds the batch's log bytes (0: no bound, for
// Ingest, which bounds the entry count instead).
// `op(i)` is entry i (an OpRef or a WriteBatch::OpView).
template <typename GetOp>
absl::Status CheckOps(size_t n, GetOp op, size_t max_bytes) {
  if (n == 0) return absl::InvalidArgumentError("empty write batch");
  size_t bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    const auto o = op(i);
    if (o.key.size() > kMaxKeySize) {
      return absl::InvalidArgumentError(
          absl::StrCat("key of ", o.key.size(),
                       " bytes exceeds the maximum of ", kMaxKeySize));
    }
    if (o.value.size() > kMaxValueSize) {
      return absl::InvalidArgumentError(
          absl::StrCat("value of ", o.value.size(),
                       " bytes exceeds the maximum of ", kMaxValueSize));
    }
    bytes += internal::EntrySize(o.key.size(), o.value.size());
  }
  if (max_bytes != 0 && bytes > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("write batch of ", bytes,
                     " bytes exceeds the maximum of ", max_bytes));
  }
  if (max_bytes == 0 && n >= kMaxIngestEntries) {
    return absl::InvalidArgumentError(
        absl::StrCat("ingest of ", n, " entries exceeds the maximum of ",
                     kMaxIngestEntries - 1));
  }
  return absl::OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------
// WriteBatch

void WriteBatch::Add(std::string_view key, std::string_view value,
                     bool deleted, Timestamp ts) {
  ops_.push_back(Op{data_.size(), key.size(), value.size(), ts, deleted});
  data_.append(key);
  data_.append(value);
  bytes_ += internal::EntrySize(key.size(), value.size());
}

void WriteBatch::Put(std::string_view key, std::string_view value) {
  Add(key, value, false, 0);
}

void WriteBatch::Delete(std::string_view key) { Add(key, {}, true, 0); }

void WriteBatch::PutAt(std::string_view key, std::string_view value,
                       Timestamp ts) {
  Add(key, value, false, ts);
}

void WriteBatch::DeleteAt(std::string_view key, Timestamp ts) {
  Add(key, {}, true, ts);
}

void WriteBatch::Reserve(size_t ops, size_t bytes) {
  ops_.reserve(ops_.size() + ops);
  data_.reserve(data_.size() + bytes);
}

void WriteBatch::Clear() {
  ops_.clear();
  data_.clear();
  bytes_ = 0;
}

// ---------------------------------------------------------------------------
// DBImpl

class DBImpl {
 public:
  DBImpl(std::string path, const Options& options)
      : path_(std::move(path)),
        options_(options),
        env_(options.env != nullptr ? options.env : Env::Default()) {
    prefetch_->on.store(options.prefetch_hints, std::memory_order_relaxed);
    prefetch_->adaptive.store(options.adaptive_prefetch,
                              std::memory_order_relaxed);
    prefetch_->track.store(options.locality_stats, std::memory_order_relaxed);
    prefetch_->threads = options.prefetch_threads;
    shard_count_ = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 64);
    shards_ = std::make_unique<ReadShard[]>(shard_count_);
  }
  ~DBImpl() { (void)Close(); }

  absl::Status Open();
  absl::Status Close();

  absl::StatusOr<Timestamp> Commit(const OpRef* ops, size_t n, Timestamp ts);
  // `consumed` (null, or &batch) is released once the entries are encoded.
  absl::StatusOr<Timestamp> Ingest(const WriteBatch& batch,
                                   WriteBatch* consumed, Timestamp ts);
  absl::Status Seal();
  absl::StatusOr<CompactStats> Compact(const CompactOptions& options);
  absl::Status Sync();

  absl::StatusOr<Snapshot> GetSnapshot(Timestamp as_of) const;
  absl::StatusOr<Transaction> BeginTransaction();
  // Commits a transaction's writes unless a key in `conflict_keys` was
  // written after commit sequence `start_seq` (Aborted).
  absl::StatusOr<Timestamp> CommitTransaction(
      const std::vector<OpRef>& ops,
      const absl::flat_hash_set<uint64_t>& conflict_keys, uint64_t start_seq);
  // Forgets a transaction that began at `start_seq`.
  void EndTransaction(uint64_t start_seq);
  Stats GetStats() const;
  absl::Status DropCaches() const;
  absl::StatusOr<VerifyReport> VerifyAll() const;
  absl::Status Verify() const;
  const std::string& path() const { return path_; }

 private:
  struct Writer {
    const OpRef* ops = nullptr;        // kCommit: n entries.
    const WriteBatch* batch = nullptr;  // kIngest: n entries.
    WriteBatch* consumed = nullptr;     // kIngest: release once encoded.
    size_t n = 0;
    Timestamp explicit_ts = 0;
    // Overflow values of ops (in op order), compressed by the caller's
    // thread before it queues.
    struct Blob {
      size_t op;
      std::string scratch;
      std::string_view stored;
      uint32_t flags;
    };
    std::vector<Blob> blobs;
    // A transaction's commit: the KeyHash of every key it read or wrote,
    // and the commit sequence its snapshot saw.
    const absl::flat_hash_set<uint64_t>* conflict_keys = nullptr;
    uint64_t txn_start_seq = 0;
    // A commit through the log; a bulk ingest, which the leader runs alone;
    // or a maintenance request.
    enum class Kind { kCommit, kIngest, kSeal } kind = Kind::kCommit;
    bool done = false;
    absl::Status status;
    Timestamp ts = 0;
    internal::CondVar cv;
  };

  absl::Status CheckIdentity(bool* created);
  absl::Status Recover();
  absl::StatusOr<std::string> ReadHead(const std::string& path);
  absl::Status RecoverLogInto(const std::string& path, uint64_t number,
                              std::shared_ptr<MemTable>* mem,
                              internal::LogRecovery* recovery,
                              std::shared_ptr<LogFile>* log);
  // Writes `mem` as segment `number` and opens it.
  absl::StatusOr<std::shared_ptr<Segment>> WriteMemTable(const MemTable& mem,
                                                         uint64_t number);
  // Queues `w` and waits until it is done (group commit: the writer at the
  // front leads and commits the ones queued behind it).
  absl::StatusOr<Timestamp> Run(Writer* w);
  // The timestamp of writer `x`'s commit (see WriteOptions and
  // WriteBatch::PutAt); *max_ts is the largest any of its entries carries.
  // Does not change any state. InvalidArgument for a time in the future.
  absl::Status CommitTs(const Writer& x, Timestamp now, Timestamp* ts,
                        Timestamp* max_ts) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Writes an ingest's entries as a segment that replaces the active log,
  // after sealing what the log holds. REQUIRES: mu_ held by the leader.
  // Sets *changed once the database's files changed (an error after that
  // must stop writes).
  absl::Status IngestLocked(Writer* w, bool* changed)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Seals the active log. REQUIRES: mu_ held by the commit leader.
  absl::Status SealLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Merges every sealed segment into one (version GC per `options`),
  // without holding mu_ but for the swap; one at a time. A background one
  // keeps to the CPU budget and gives up (Cancelled) when the DB closes.
  absl::Status MergeSegments(const CompactOptions& options, bool background,
                             CompactStats* stats) ABSL_LOCKS_EXCLUDED(mu_);
  // Compresses the overflow values of w's ops (no lock held).
  static void PrepareBlobs(Writer* w);
  // Creates the active log's blob file if it has none yet. REQUIRES: mu_
  // held by the commit leader.
  absl::Status EnsureBlobLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  uint64_t BlobCapacity() const {
    return 4 * options_.seal_threshold_bytes + 2 * kMaxBatchBytes +
           (uint64_t{1} << 20);
  }
  // Wakes the background compaction to look at the segments.
  void ScheduleCompaction();
  void CompactLoop();
  // Makes `v` the version readers start from; with `max_ts`, also raises
  // the newest visible timestamp, in the same step.
  void Publish(std::shared_ptr<const Version> v, Timestamp max_ts = 0);
  std::shared_ptr<const Version> current() const {
    std::shared_ptr<const ReadState> r = read_state_.load();
    return r == nullptr ? nullptr : r->version;
  }
  void SyncLoop();
  // Entries a full log holds, assuming small (64-byte) entries.
  uint64_t ExpectedEntries() const {
    return options_.seal_threshold_bytes / 64 + 1;
  }

  const std::string path_;
  const Options options_;
  Env* const env_;
  std::unique_ptr<FileLock> lock_;

  internal::Mutex mu_;
  internal::CondVar idle_cv_;  // Signalled when writers_ drains.
  std::deque<Writer*> writers_ ABSL_GUARDED_BY(mu_);
  std::shared_ptr<LogWriter> log_ ABSL_GUARDED_BY(mu_);
  // The active log's blob file (overflow values), created on first use.
  std::shared_ptr<LogWriter> blob_ ABSL_GUARDED_BY(mu_);
  uint64_t next_seq_ ABSL_GUARDED_BY(mu_) = 1;
  Timestamp last_ts_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t next_file_number_ ABSL_GUARDED_BY(mu_) = 1;
  absl::Status bg_error_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool open_ = false;
  internal::GroupEncoder encoder_;  // Used by the commit leader only.

  // The published state readers start from.
  // Published RCU-style: readers load it without a lock; writers (under
  // mu_) build a new one and store it whole, so a reader always sees a
  // version and the visibility that go together. Null once closed.
  struct ReadState {
    std::shared_ptr<const Version> version;
    uint64_t visible_seq = 0;
    Timestamp visible_ts = 0;
    std::shared_ptr<PrefetchControl> prefetch;
  };
  internal::AtomicSharedPtr<const ReadState> read_state_;
  // Bumped (after read_state_ is stored) each time it changes.
  std::atomic<uint64_t> read_gen_{0};
  // Readers do not share one reference count: each thread takes its
  // snapshots through one of several shards, which holds the current read
  // state under a reference of its own (its own control block and spin
  // flag, on its own cache line), refreshed when read_gen_ moves. Two
  // threads in different shards touch no common cache line that is written
  // to, unless a commit publishes.
  struct alignas(64) ReadShard {
    std::atomic_flag busy;
    uint64_t gen = 0;
    std::shared_ptr<const ReadState> state;  // Aliases a shard-own holder.
  };
  std::unique_ptr<ReadShard[]> shards_;
  size_t shard_count_ = 1;
  // The published read state (null once closed), for readers.
  std::shared_ptr<const ReadState> AcquireReadState() const;
  // Empties the shards (so that they pin no old files).
  void ClearShards() const;
  // Replaces the read state: REQUIRES mu_ held (or no concurrency, at open).
  // `new_version`: v is not the version published before (a seal, ingest or
  // compaction; a commit only moves the visibility).
  void StoreReadState(std::shared_ptr<const Version> v, uint64_t seq,
                      Timestamp ts, bool new_version) {
    auto r = std::make_shared<ReadState>();
    r->version = std::move(v);
    r->visible_seq = seq;
    r->visible_ts = ts;
    r->prefetch = prefetch_;
    read_state_.store(std::move(r));
    read_gen_.fetch_add(1, std::memory_order_release);
    // A shard nobody reads through would keep the old files mapped.
    if (new_version) ClearShards();
  }

  // Interval sync.
  std::thread sync_thread_;
  internal::Mutex sync_mu_;
  internal::CondVar sync_cv_;
  bool stop_sync_ ABSL_GUARDED_BY(sync_mu_) = false;

  // Optimistic transactions: the commit sequence of the last write of each
  // key (by KeyHash) since the oldest open transaction began, and the
  // sequences the open transactions began at. Kept only as far back as an
  // open transaction needs (see PruneWriteLog).
  absl::flat_hash_map<uint64_t, uint64_t> last_write_ ABSL_GUARDED_BY(mu_);
  std::multiset<uint64_t> txn_starts_ ABSL_GUARDED_BY(mu_);
  size_t prune_at_ ABSL_GUARDED_BY(mu_) = 4096;
  std::atomic<uint64_t> txn_commits_{0};
  std::atomic<uint64_t> txn_aborts_{0};
  // Called by the commit leader before it forms a group: drops what no
  // open transaction can conflict with (every earlier group is visible by
  // then, so a transaction that begins later starts after it).
  void PruneWriteLog() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (txn_starts_.empty()) {
      if (!last_write_.empty()) last_write_.clear();
      return;
    }
    if (last_write_.size() < prune_at_) return;
    const uint64_t floor = *txn_starts_.begin();
    for (auto it = last_write_.begin(); it != last_write_.end();) {
      if (it->second <= floor) {
        last_write_.erase(it++);
      } else {
        ++it;
      }
    }
    prune_at_ = std::max<size_t>(4096, 2 * last_write_.size());
  }
  // Aborted if a key of transaction `x` was written after it began.
  absl::Status Validate(const Writer& x) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    for (uint64_t h : *x.conflict_keys) {
      auto it = last_write_.find(h);
      if (it != last_write_.end() && it->second > x.txn_start_seq) {
        return absl::AbortedError(absl::StrCat(
            "transaction conflict: a key it read or wrote was committed by "
            "another writer (commit ", it->second,
            ") after it began (at commit ", x.txn_start_seq,
            "); retry it"));
      }
    }
    return absl::OkStatus();
  }

  // Compaction (on demand and in the background).
  internal::Mutex compact_mu_;  // Held through a whole compaction.
  std::thread compact_thread_;
  internal::Mutex bg_mu_;
  internal::CondVar bg_cv_;
  bool stop_bg_ ABSL_GUARDED_BY(bg_mu_) = false;
  bool bg_pending_ ABSL_GUARDED_BY(bg_mu_) = false;
  std::atomic<bool> stop_compaction_{false};
  std::atomic<uint64_t> compactions_{0};
  std::atomic<uint64_t> background_compactions_{0};
  std::atomic<uint64_t> versions_dropped_{0};
  std::atomic<uint64_t> compaction_cpu_micros_{0};
  std::atomic<uint64_t> compaction_errors_{0};

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> syncs_{0};
  uint64_t recovered_dropped_bytes_ = 0;

 public:
  const std::shared_ptr<PrefetchControl> prefetch_ =
      std::make_shared<PrefetchControl>();
};

absl::Status DBImpl::CheckIdentity(bool* created) {
  *created = false;
  const std::string identity = path_ + "/" + internal::kIdentityFile;
  if (!env_->FileExists(path_)) {
    if (!options_.create_if_missing) {
      return absl::NotFoundError(
          absl::StrCat("no database at ", path_,
                       " (create_if_missing is false)"));
    }
  } else if (!env_->IsDirectory(path_)) {
    return absl::InvalidArgumentError(
        absl::StrCat(path_, " is not a directory, so not a ZVerse database"));
  }
  if (env_->FileExists(identity)) {
    if (options_.error_if_exists) {
      return absl::AlreadyExistsError(
          absl::StrCat("a database exists already at ", path_));
    }
    ZVERSE_ASSIGN_OR_RETURN(std::string text, env_->ReadFile(identity));
    if (text.rfind(kIdentityText, 0) != 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          path_, " is not a ZVerse database (", identity, " is not ours)"));
    }
    uint32_t version = 0;
    std::string_view rest = std::string_view(text).substr(sizeof(kIdentityText) - 1);
    if (!rest.empty() && rest.back() == '\n') rest.remove_suffix(1);
    if (!absl::SimpleAtoi(absl::string_view(rest.data(), rest.size()), &version)) {
      return absl::InvalidArgumentError(
          absl::StrCat(identity, ": unreadable format version"));
    }
    if (version != internal::kFormatVersion) {
      return absl::UnimplementedError(absl::StrCat(
          path_, " uses format version ", version,
          "; this build reads version ", internal::kFormatVersion));
    }
    return absl::OkStatus();
  }
  if (env_->IsDirectory(path_)) {
    ZVERSE_ASSIGN_OR_RETURN(auto children, env_->GetChildren(path_));
    for (const auto& c : children) {
      // A LOCK or identity temporary left by a create that crashed.
      if (c != internal::kLockFile &&
          c != std::string(internal::kIdentityFile) + ".tmp") {
        return absl::InvalidArgumentError(absl::StrCat(
            path_, " is not a ZVerse database: it has no ",
            internal::kIdentityFile, " file and is not empty"));
      }
    }
    if (!options_.create_if_missing) {
      return absl::InvalidArgumentError(absl::StrCat(
          path_, " is an empty directory, not a ZVerse database"));
    }
  }
  if (options_.read_only) {
    return absl::NotFoundError(
        absl::StrCat("no database at ", path_, " to open read-only"));
  }
  ZVERSE_RETURN_IF_ERROR(env_->CreateDir(path_));
  *created = true;  // The identity file is written once the lock is held.
  return absl::OkStatus();
}

absl::Status DBImpl::Open() {
  if (!(options_.compaction_cpu_budget > 0 &&
        options_.compaction_cpu_budget <= 1)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Options::compaction_cpu_budget must be in (0, 1], not ",
        options_.compaction_cpu_budget));
  }
  bool created = false;
  ZVERSE_RETURN_IF_ERROR(CheckIdentity(&created));
  prefetch_->random_min_bytes = options_.random_access_min_bytes != 0
                                    ? options_.random_access_min_bytes
                                    : 32 * env_->ReadAheadBytes(path_);
  // Read-only opens share the lock with each other, never with a writer.
  const std::string lock_path = path_ + "/" + internal::kLockFile;
  ZVERSE_ASSIGN_OR_RETURN(lock_, options_.read_only
                                     ? env_->LockFileShared(lock_path)
                                     : env_->LockFile(lock_path));
  if (created) {
    const std::string identity = path_ + "/" + internal::kIdentityFile;
    if (!env_->FileExists(identity)) {
      ZVERSE_RETURN_IF_ERROR(env_->WriteFileAtomically(
          identity,
          absl::StrCat(kIdentityText, internal::kFormatVersion, "\n")));
    }
  }
  ZVERSE_RETURN_IF_ERROR(Recover());
  open_ = true;
  if (options_.sync_mode == SyncMode::kInterval && !options_.read_only) {
    sync_thread_ = std::thread([this] { SyncLoop(); });
  }
  if (options_.background_compaction && !options_.read_only) {
    compact_thread_ = std::thread([this] { CompactLoop(); });
    ScheduleCompaction();  // Segments left by an earlier run may be due.
  }
  return absl::OkStatus();
}

absl::Status DBImpl::RecoverLogInto(const std::string& path, uint64_t number,
                                    std::shared_ptr<MemTable>* mem,
                                    internal::LogRecovery* recovery,
                                    std::shared_ptr<LogFile>* log) {
  ZVERSE_ASSIGN_OR_RETURN(uint64_t size, env_->GetFileSize(path));
  ZVERSE_ASSIGN_OR_RETURN(
      *log, internal::MapLogFile(
                env_, path, number,
                LogCapacity(options_.seal_threshold_bytes, size)));
  (*log)->committed_size.store(size, std::memory_order_release);
  *mem = std::make_shared<MemTable>(*log, ExpectedEntries());
  MemTable* m = mem->get();
  ZVERSE_ASSIGN_OR_RETURN(
      *recovery,
      internal::RecoverLog(**log, size,
                           [m](const EntryView& e, uint64_t off, uint64_t seq) {
                             m->Insert(e.key, e.ts, seq, off);
                           }));
  (*log)->committed_size.store(recovery->valid_size,
                               std::memory_order_release);
  return absl::OkStatus();
}

absl::StatusOr<std::shared_ptr<Segment>> DBImpl::WriteMemTable(
    const MemTable& mem, uint64_t number) {
  std::vector<internal::SegmentInput> inputs;
  inputs.reserve(mem.Count());
  const LogFile& log = mem.log();
  const uint64_t limit = log.committed_size.load(std::memory_order_acquire);
  const MemTable::Node* prev = nullptr;
  for (const MemTable::Node* n = mem.First(); n != nullptr;
       n = MemTable::Next(n)) {
    // Equal (key, ts): the newest commit comes first and wins.
    if (prev != nullptr && prev->ts == n->ts &&
        prev->user_key() == n->user_key()) {
      continue;
    }
    prev = n;
    ZVERSE_ASSIGN_OR_RETURN(
        EntryView e, internal::DecodeEntry(log.data(), n->offset, limit,
                                           log.path));
    inputs.push_back(internal::SegmentInput{log.data() + n->offset, e.size,
                                            e.key, e.ts});
  }
  internal::SegmentMeta meta{number, number, number};
  meta.key_major =
      options_.physical_order == Options::PhysicalOrder::kKeyMajor;
  // The log's overflow values stay where they are, in its blob file.
  if (env_->FileExists(internal::BlobFileName(path_, number))) {
    meta.blob_file = number;
  }
  ZVERSE_RETURN_IF_ERROR(internal::WriteSegment(env_, path_, meta, inputs));
  return Segment::Open(env_, internal::SegmentFileName(path_, number), number);
}

// The first kFileHeaderSize bytes of a file (fewer if it is shorter).
absl::StatusOr<std::string> DBImpl::ReadHead(const std::string& path) {
  ZVERSE_ASSIGN_OR_RETURN(uint64_t size, env_->GetFileSize(path));
  if (size == 0) return std::string();
  ZVERSE_ASSIGN_OR_RETURN(
      auto map,
      env_->MapReadOnly(path, std::min<uint64_t>(size, internal::kFileHeaderSize)));
  return std::string(map->data(), map->size());
}

absl::Status DBImpl::Recover() {
  ZVERSE_ASSIGN_OR_RETURN(auto children, env_->GetChildren(path_));
  std::vector<std::pair<uint64_t, std::string>> logs, segs, blob_files;
  uint64_t max_number = 0;
  for (const auto& name : children) {
    uint64_t number = 0;
    switch (internal::ParseFileName(name, &number)) {
      case internal::FileType::kLog:
        logs.emplace_back(number, path_ + "/" + name);
        break;
      case internal::FileType::kSegment:
        segs.emplace_back(number, path_ + "/" + name);
        break;
      case internal::FileType::kBlob:
        blob_files.emplace_back(number, path_ + "/" + name);
        break;
      case internal::FileType::kTemp:
        // An unfinished seal or identity write: never referenced.
        if (!options_.read_only) {
          ZVERSE_RETURN_IF_ERROR(env_->RemoveFile(path_ + "/" + name));
        }
        continue;
      case internal::FileType::kOther:
        continue;
    }
    max_number = std::max(max_number, number);
  }
  std::sort(logs.begin(), logs.end());
  std::sort(segs.begin(), segs.end());

  std::vector<std::shared_ptr<Segment>> segments;
  for (const auto& [number, path] : segs) {
    ZVERSE_ASSIGN_OR_RETURN(auto seg, Segment::Open(env_, path, number));
    segments.push_back(std::move(seg));
  }
  // Files a segment supersedes (the log it sealed) are garbage.
  auto superseded = [&](uint64_t number) {
    for (const auto& s : segments) {
      if (s->number() != number && number >= s->replaces_lo() &&
          number <= s->replaces_hi()) {
        return true;
      }
    }
    return false;
  };
  bool removed = false;
  auto remove = [&](const std::string& path) -> absl::Status {
    if (options_.read_only) return absl::OkStatus();
    removed = true;
    return env_->RemoveFile(path);
  };
  // Decided for every segment first: `superseded` reads the whole list,
  // which erase_if would be moving elements of.
  std::vector<bool> gone(segments.size());
  for (size_t i = 0; i < segments.size(); ++i) {
    gone[i] = superseded(segments[i]->number());
  }
  {
    std::vector<std::shared_ptr<Segment>> kept;
    for (size_t i = 0; i < segments.size(); ++i) {
      if (gone[i]) {
        (void)remove(segments[i]->path());
      } else {
        kept.push_back(std::move(segments[i]));
      }
    }
    segments = std::move(kept);
  }
  // A log sealed into a segment of the same number is superseded too.
  std::vector<std::pair<uint64_t, std::string>> live_logs;
  for (const auto& [number, path] : logs) {
    bool sealed = superseded(number);
    for (const auto& s : segments) sealed |= s->number() == number;
    if (sealed) {
      ZVERSE_RETURN_IF_ERROR(remove(path));
    } else {
      live_logs.emplace_back(number, path);
    }
  }

  Timestamp last_ts = 0;
  for (const auto& s : segments) last_ts = std::max(last_ts, s->max_ts());
  uint64_t max_seq = 0;
  std::shared_ptr<MemTable> mem;
  std::shared_ptr<LogFile> active;
  uint64_t active_size = 0;
  // A log whose header never reached the disk (a crash while creating it)
  // holds no commits.
  std::vector<std::pair<uint64_t, std::string>> nonempty_logs;
  for (auto& [number, path] : live_logs) {
    ZVERSE_ASSIGN_OR_RETURN(std::string head, ReadHead(path));
    if (head.size() < internal::kFileHeaderSize ||
        head.find_first_not_of('\0') == std::string::npos) {
      ZVERSE_RETURN_IF_ERROR(remove(path));
      continue;
    }
    nonempty_logs.emplace_back(number, std::move(path));
  }
  live_logs = std::move(nonempty_logs);
  for (size_t i = 0; i < live_logs.size(); ++i) {
    const auto& [number, path] = live_logs[i];
    internal::LogRecovery r;
    std::shared_ptr<MemTable> m;
    std::shared_ptr<LogFile> log;
    ZVERSE_RETURN_IF_ERROR(RecoverLogInto(path, number, &m, &r, &log));
    recovered_dropped_bytes_ += r.dropped_bytes;
    last_ts = std::max(last_ts, r.max_ts);
    max_seq = std::max(max_seq, r.max_seq);
    const bool last = i + 1 == live_logs.size();
    if (!last && !options_.read_only) {
      // An older log whose seal did not finish: seal it now.
      if (m->Count() > 0) {
        ZVERSE_ASSIGN_OR_RETURN(auto seg, WriteMemTable(*m, number));
        segments.push_back(std::move(seg));
      }
      ZVERSE_RETURN_IF_ERROR(remove(path));
      continue;
    }
    if (!last) {
      return absl::FailedPreconditionError(absl::StrCat(
          path_, " needs recovery (an unfinished seal); open it read-write"));
    }
    mem = std::move(m);
    active = std::move(log);
    active_size = r.valid_size;
  }
  if (removed) ZVERSE_RETURN_IF_ERROR(env_->SyncDir(path_));
  std::sort(segments.begin(), segments.end(),
            [](const auto& a, const auto& b) { return a->number() > b->number(); });

  internal::MutexLock l(&mu_);
  next_file_number_ = max_number + 1;
  next_seq_ = max_seq + 1;
  last_ts_ = last_ts;
  if (!options_.read_only) {
    if (active == nullptr) {
      const uint64_t number = next_file_number_++;
      ZVERSE_ASSIGN_OR_RETURN(
          log_, LogWriter::Create(
                    env_, internal::LogFileName(path_, number), number,
                    LogCapacity(options_.seal_threshold_bytes, 0)));
      ZVERSE_RETURN_IF_ERROR(env_->SyncDir(path_));
      mem = std::make_shared<MemTable>(log_->log(), ExpectedEntries());
    } else {
      ZVERSE_ASSIGN_OR_RETURN(
          log_, LogWriter::Reopen(env_, active, active_size,
                                  active->map->size()));
    }
  } else if (mem == nullptr) {
    // Read-only with no log: an empty memtable over no file.
    auto empty = std::make_shared<LogFile>();
    empty->path = path_ + "/(none)";
    struct NoMap : MappedRegion {
      const char* data() const override { return nullptr; }
      size_t size() const override { return 0; }
    };
    empty->map = std::make_unique<NoMap>();
    mem = std::make_shared<MemTable>(std::move(empty), 0);
  }
  // Blob files: those a segment or the live log refers to are mapped (the
  // log's is reopened for appending); any other is garbage (a compaction's
  // that did not finish, or one whose values were all rewritten).
  std::vector<std::shared_ptr<LogFile>> blobs;
  {
    const uint64_t active_number =
        options_.read_only ? (active != nullptr ? active->number : 0)
                           : log_->log()->number;
    bool removed_blob = false;
    for (const auto& [number, bpath] : blob_files) {
      bool by_segment = false;
      for (const auto& seg : segments) by_segment |= seg->blob_file() == number;
      const bool referenced = by_segment || number == active_number;
      if (!referenced) {
        if (!options_.read_only) {
          ZVERSE_RETURN_IF_ERROR(env_->RemoveFile(bpath));
          removed_blob = true;
        }
        continue;
      }
      ZVERSE_ASSIGN_OR_RETURN(uint64_t size, env_->GetFileSize(bpath));
      if (!by_segment) {
        // The active log's, created by a crash before its header was
        // synced: holds nothing. (A segment's blob file was synced whole
        // before the segment was written: a blank header there is damage,
        // which CheckFileHeader below reports.)
        ZVERSE_ASSIGN_OR_RETURN(std::string head, ReadHead(bpath));
        if (head.size() < internal::kFileHeaderSize ||
            head.find_first_not_of('\0') == std::string::npos) {
          if (!options_.read_only) {
            ZVERSE_RETURN_IF_ERROR(env_->RemoveFile(bpath));
            removed_blob = true;
          }
          continue;
        }
      }
      const bool appending = number == active_number && !options_.read_only;
      ZVERSE_ASSIGN_OR_RETURN(
          std::shared_ptr<LogFile> b,
          internal::MapLogFile(env_, bpath, number,
                               appending ? std::max(size, BlobCapacity()) : 0));
      ZVERSE_RETURN_IF_ERROR(internal::CheckFileHeader(
          b->data(), std::min<uint64_t>(size, b->map->size()),
          internal::kBlobMagic, number, bpath));
      if (appending) {
        // A torn last record is never referenced (blob records are synced
        // before the entries that refer to them); appends go on from an
        // aligned end.
        ZVERSE_ASSIGN_OR_RETURN(
            blob_, LogWriter::Reopen(env_, b, size & ~uint64_t{7},
                                     std::max(size, BlobCapacity())));
      } else {
        b->committed_size.store(size, std::memory_order_release);
      }
      blobs.push_back(std::move(b));
    }
    if (removed_blob) ZVERSE_RETURN_IF_ERROR(env_->SyncDir(path_));
  }
  auto v = std::make_shared<Version>();
  v->segments = std::move(segments);
  v->mem = std::move(mem);
  v->blobs = std::move(blobs);
  StoreReadState(std::move(v), max_seq, last_ts, /*new_version=*/true);
  return absl::OkStatus();
}

void DBImpl::Publish(std::shared_ptr<const Version> v, Timestamp max_ts) {
  std::shared_ptr<const ReadState> r = read_state_.load();
  StoreReadState(std::move(v), r->visible_seq, std::max(r->visible_ts, max_ts),
                 /*new_version=*/true);
}

void DBImpl::PrepareBlobs(Writer* w) {
  for (size_t i = 0; i < w->n; ++i) {
    const OpRef& op = w->ops[i];
    if (op.deleted || op.value.size() < internal::kOverflowThreshold) continue;
    Writer::Blob& b = w->blobs.emplace_back();
    b.op = i;
    b.stored = internal::CompressBlob(op.value, &b.scratch, &b.flags);
  }
}

absl::StatusOr<Timestamp> DBImpl::Commit(const OpRef* ops, size_t n,
                                         Timestamp explicit_ts) {
  ZVERSE_RETURN_IF_ERROR(
      CheckOps(n, [&](size_t i) { return ops[i]; }, kMaxBatchBytes));
  Writer w;
  w.ops = ops;
  w.n = n;
  w.explicit_ts = explicit_ts;
  PrepareBlobs(&w);
  return Run(&w);
}

absl::StatusOr<Timestamp> DBImpl::Ingest(const WriteBatch& batch,
                                         WriteBatch* consumed,
                                         Timestamp explicit_ts) {
  ZVERSE_RETURN_IF_ERROR(CheckOps(
      batch.Count(), [&](size_t i) { return batch.op(i); }, /*max_bytes=*/0));
  Writer w;
  w.batch = &batch;
  w.consumed = consumed;
  w.n = batch.Count();
  w.explicit_ts = explicit_ts;
  w.kind = Writer::Kind::kIngest;
  return Run(&w);
}

absl::Status DBImpl::CommitTs(const Writer& x, Timestamp now, Timestamp* ts,
                              Timestamp* max_ts) const {
  const Timestamp limit = std::min<Timestamp>(now, kMaxTimestamp);
  // Entries that carry their own (import) timestamp.
  size_t own_ts = 0;
  Timestamp max_own_ts = 0;
  for (size_t i = 0; i < x.n; ++i) {
    const Timestamp t = x.ops != nullptr ? x.ops[i].ts : x.batch->op(i).ts;
    if (t == 0) continue;
    ++own_ts;
    max_own_ts = std::max(max_own_ts, t);
  }
  if (max_own_ts > limit) {
    return absl::InvalidArgumentError(absl::StrCat(
        "entry timestamp ", max_own_ts, " is in the future (now is ", now,
        "); explicit timestamps import the past"));
  }
  if (own_ts == x.n) {
    *ts = max_own_ts;  // No entry takes the commit's timestamp.
  } else if (x.explicit_ts != 0) {
    if (x.explicit_ts > limit) {
      return absl::InvalidArgumentError(absl::StrCat(
          "explicit timestamp ", x.explicit_ts, " is in the future (now is ",
          now, "); explicit timestamps import the past"));
    }
    *ts = x.explicit_ts;
  } else {
    *ts = std::max<Timestamp>(now, last_ts_ + 1);
    if (*ts > kMaxTimestamp) {
      return absl::OutOfRangeError("timestamp space exhausted");
    }
  }
  *max_ts = std::max(*ts, max_own_ts);
  return absl::OkStatus();
}

absl::StatusOr<Timestamp> DBImpl::Run(Writer* wp) {
  Writer& w = *wp;
  internal::MutexLock l(&mu_);
  if (closed_ || !open_) {
    return absl::FailedPreconditionError("database is closed");
  }
  if (options_.read_only) {
    return absl::FailedPreconditionError("database is open read-only");
  }
  writers_.push_back(&w);
  while (!w.done && &w != writers_.front()) w.cv.Wait(&mu_);
  if (w.done) {
    if (!w.status.ok()) return w.status;
    return w.ts;
  }

  // This writer leads: it commits itself and the writers queued behind it.
  std::vector<Writer*> group;
  absl::Status s = bg_error_;
  if (s.ok() && w.kind == Writer::Kind::kIngest) {
    // Alone: its entries go to a segment of their own, not to the log.
    bool changed = false;
    s = IngestLocked(&w, &changed);
    if (!s.ok() && changed) bg_error_ = s;
    ReleaseFreeMemory();
    w.status = s;
    group.push_back(&w);
  } else if (s.ok() && w.kind != Writer::Kind::kCommit) {
    s = SealLocked();
    // A half-done seal may have put a segment in place that supersedes the
    // active log: no further write may go there. Reopening recovers.
    if (!s.ok()) bg_error_ = s;
    ReleaseFreeMemory();
    group.push_back(&w);
  } else if (s.ok()) {
    const Timestamp now = env_->NowMicros();
    const uint64_t first_seq = next_seq_;
    encoder_.Reset(first_seq);
    size_t bytes = 0;
    struct Pending {
      std::string_view key;
      Timestamp ts;
      uint64_t seq;
      size_t offset;
    };
    std::vector<Pending> pending;
    std::vector<Writer*> rejected;
    Timestamp max_ts = 0;
    std::string blob_bytes;  // Blob records of the group, in file order.
    PruneWriteLog();
    for (Writer* x : writers_) {
      if (!s.ok()) break;
      if (x->kind != Writer::Kind::kCommit) break;
      const size_t x_bytes = [&] {
        size_t b = 0;
        for (size_t i = 0; i < x->n; ++i) {
          b += internal::EntrySize(x->ops[i].key.size(),
                                   x->ops[i].value.size());
        }
        return b;
      }();
      if (!group.empty() && bytes + x_bytes > kMaxGroupBytes) break;
      group.push_back(x);
      if (x->conflict_keys != nullptr) {
        // Validated in commit order: against the writers before it in this
        // group too.
        if (absl::Status v = Validate(*x); !v.ok()) {
          txn_aborts_.fetch_add(1, std::memory_order_relaxed);
          x->status = std::move(v);
          rejected.push_back(x);
          continue;
        }
      }
      Timestamp ts, x_max_ts;
      if (absl::Status ts_status = CommitTs(*x, now, &ts, &x_max_ts);
          !ts_status.ok()) {
        x->status = std::move(ts_status);
        rejected.push_back(x);
        continue;
      }
      last_ts_ = std::max(last_ts_, x_max_ts);
      max_ts = std::max(max_ts, x_max_ts);
      x->ts = ts;
      bytes += x_bytes;
      const uint32_t batch_index = static_cast<uint32_t>(next_seq_ - first_seq);
      const uint64_t seq = next_seq_++;
      const auto op_ts = [&](const OpRef& op) {
        return op.ts != 0 ? op.ts : ts;
      };
      // Within a batch a later write of a (key, timestamp) replaces an
      // earlier one.
      absl::flat_hash_map<std::pair<absl::string_view, Timestamp>, size_t>
          last;
      const auto key_of = [&](size_t i) {
        return std::make_pair(
            absl::string_view(x->ops[i].key.data(), x->ops[i].key.size()),
            op_ts(x->ops[i]));
      };
      if (x->n > 1) {
        for (size_t i = 0; i < x->n; ++i) last[key_of(i)] = i;
      }
      size_t next_blob = 0;
      for (size_t i = 0; i < x->n; ++i) {
        const OpRef& op = x->ops[i];
        const Timestamp t = op_ts(op);
        const Writer::Blob* blob =
            next_blob < x->blobs.size() && x->blobs[next_blob].op == i
                ? &x->blobs[next_blob++]
                : nullptr;
        if (x->n > 1 && last[key_of(i)] != i) continue;
        std::string_view value = op.deleted ? std::string_view() : op.value;
        uint32_t flags = op.deleted ? internal::kEntryTombstone : 0;
        char ref_bytes[internal::kBlobRefSize];
        if (blob != nullptr) {
          // The value goes to the blob file; the entry holds a reference.
          if (blob_ == nullptr) {
            if (absl::Status b = EnsureBlobLocked(); !b.ok()) {
              s = b;
              break;
            }
          }
          const internal::BlobRef ref{blob_->log()->number,
                                      blob_->size() + blob_bytes.size(),
                                      op.value.size()};
          internal::AppendBlobRecord(blob->stored, op.value.size(),
                                     blob->flags, &blob_bytes);
          internal::EncodeBlobRef(ref, ref_bytes);
          value = std::string_view(ref_bytes, sizeof(ref_bytes));
          flags |= internal::kEntryOverflow;
        }
        const size_t off = encoder_.Add(op.key, value, t, flags, batch_index);
        pending.push_back(Pending{op.key, t, seq, off});
        last_write_[internal::KeyHash(op.key)] = seq;
      }
    }
    const uint64_t last_seq = next_seq_ - 1;
    if (!s.ok()) {
      // The blob file could not be created: nothing was written.
      pending.clear();
      for (Writer* x : group) x->status = s;
    }
    if (!pending.empty()) {
      std::string_view group_bytes = encoder_.Finish();
      std::shared_ptr<LogWriter> log = log_;
      std::shared_ptr<LogWriter> blob = blob_bytes.empty() ? nullptr : blob_;
      std::shared_ptr<MemTable> mem = current()->mem;
      const uint64_t base = log->size();
      // Followers stay queued (and new ones may queue) while the leader
      // writes without the lock.
      mu_.Unlock();
      if (blob != nullptr) {
        // Overflow values first: an entry never refers to bytes that are
        // not (as durable as) the entry itself.
        const uint64_t blob_base = blob->size();
        s = blob->Append(blob_bytes);
        if (s.ok() && options_.sync_mode == SyncMode::kAlways) {
          s = blob->Sync();
        }
        if (s.ok()) {
          blob->log()->committed_size.store(blob_base + blob_bytes.size(),
                                            std::memory_order_release);
        }
      }
      if (s.ok()) s = log->Append(group_bytes);
      if (s.ok() && options_.sync_mode == SyncMode::kAlways) {
        s = log->Sync();
        syncs_.fetch_add(1, std::memory_order_relaxed);
      }
      if (s.ok()) {
        log->log()->committed_size.store(base + group_bytes.size(),
                                         std::memory_order_release);
        // In table order, each insert's search starts where the last ended.
        std::vector<MemTable::NewEntry> sorted;
        sorted.reserve(pending.size());
        for (const Pending& p : pending) {
          sorted.push_back({p.key, p.ts, p.seq, base + p.offset});
        }
        std::sort(sorted.begin(), sorted.end(),
                  [](const MemTable::NewEntry& a, const MemTable::NewEntry& b) {
                    const int c = a.key.compare(b.key);
                    if (c != 0) return c < 0;
                    if (a.ts != b.ts) return a.ts > b.ts;
                    return a.seq > b.seq;
                  });
        mem->InsertSorted(sorted.data(), sorted.size());
      }
      mu_.Lock();
      if (s.ok()) {
        commits_.fetch_add(group.size() - rejected.size(),
                           std::memory_order_relaxed);
        {
          std::shared_ptr<const ReadState> r =
              read_state_.load();
          StoreReadState(r->version, last_seq,
                         std::max(r->visible_ts, max_ts),
                         /*new_version=*/false);
        }
        if (log_->size() >= options_.seal_threshold_bytes ||
            (blob_ != nullptr &&
             blob_->size() >= 4 * options_.seal_threshold_bytes)) {
          // The commits are durable whether or not sealing works; a failed
          // seal stops later writes.
          absl::Status seal = SealLocked();
          if (!seal.ok()) bg_error_ = seal;
          ReleaseFreeMemory();
        }
      } else {
        // The log may hold a partial group now: refuse further writes until
        // the database is reopened and recovery drops it.
        bg_error_ = s;
      }
    }
    for (Writer* x : group) {
      if (std::find(rejected.begin(), rejected.end(), x) != rejected.end()) {
        continue;
      }
      x->status = s;
    }
  } else {
    group.push_back(&w);
  }
  if (group.empty()) group.push_back(&w);
  for (Writer* x : group) {
    if (x->status.ok() && !s.ok()) x->status = s;
  }
  while (!writers_.empty()) {
    Writer* x = writers_.front();
    const bool in_group =
        std::find(group.begin(), group.end(), x) != group.end();
    if (!in_group) break;
    writers_.pop_front();
    if (x != &w) {
      x->done = true;
      x->cv.Signal();
    }
  }
  if (!writers_.empty()) {
    writers_.front()->cv.Signal();
  } else {
    idle_cv_.SignalAll();
  }
  if (!w.status.ok()) return w.status;
  return w.ts;
}

absl::Status DBImpl::EnsureBlobLocked() {
  const uint64_t number = log_->log()->number;
  ZVERSE_ASSIGN_OR_RETURN(
      std::shared_ptr<LogWriter> blob,
      LogWriter::Create(env_, internal::BlobFileName(path_, number), number,
                        BlobCapacity(), internal::kBlobMagic));
  ZVERSE_RETURN_IF_ERROR(env_->SyncDir(path_));
  std::shared_ptr<const Version> v = current();
  auto nv = std::make_shared<Version>(*v);
  nv->blobs.push_back(blob->log());
  blob_ = std::move(blob);
  Publish(std::move(nv));
  return absl::OkStatus();
}

absl::Status DBImpl::SealLocked() {
  std::shared_ptr<const Version> v = current();
  if (v->mem->Count() == 0) return absl::OkStatus();
  const uint64_t old_number = log_->log()->number;
  const uint64_t number = next_file_number_++;
  ZVERSE_ASSIGN_OR_RETURN(
      std::shared_ptr<LogWriter> new_log,
      LogWriter::Create(env_, internal::LogFileName(path_, number), number,
                        LogCapacity(options_.seal_threshold_bytes, 0)));
  ZVERSE_RETURN_IF_ERROR(env_->SyncDir(path_));
  // Commits so far are in the old log; under kInterval/kNever make them
  // durable before the segment that replaces the log is visible.
  if (blob_ != nullptr) ZVERSE_RETURN_IF_ERROR(blob_->Sync());
  ZVERSE_RETURN_IF_ERROR(log_->Sync());
  ZVERSE_ASSIGN_OR_RETURN(auto seg, WriteMemTable(*v->mem, old_number));
  auto nv = std::make_shared<Version>();
  nv->blobs = v->blobs;  // The old log's blob file stays, the segment's now.
  blob_.reset();
  nv->segments.reserve(v->segments.size() + 1);
  nv->segments.push_back(std::move(seg));
  nv->segments.insert(nv->segments.end(), v->segments.begin(),
                      v->segments.end());
  nv->mem = std::make_shared<MemTable>(new_log->log(), ExpectedEntries());
  const std::string old_path = log_->log()->path;
  log_ = std::move(new_log);
  Publish(std::move(nv));
  ScheduleCompaction();
  // Snapshots may still map the old log; unlinking leaves their mapping
  // valid.
  ZVERSE_RETURN_IF_ERROR(env_->RemoveFile(old_path));
  return env_->SyncDir(path_);
}

namespace {

// An ingest's entries, encoded in key order into one buffer.
class IngestSource : public internal::SegmentSource {
 public:
  // Entry i starts at data() + offsets[i]; first[i] marks a key's first.
  std::unique_ptr<uint64_t[]> arena;  // 8-byte aligned, as entries must be.
  std::vector<uint64_t> offsets;
  std::vector<bool> first;

  const char* data() const { return reinterpret_cast<const char*>(arena.get()); }
  const char* at(size_t i) const { return data() + offsets[i]; }
  size_t count() const override { return offsets.size(); }
  std::string_view key(size_t i) const override {
    return std::string_view(at(i) + internal::kEntryHeaderSize,
                            internal::LoadU32(at(i) + 16));
  }
  uint64_t ts(size_t i) const override { return internal::LoadU64(at(i) + 8); }
  bool first_of_key(size_t i) const override { return first[i]; }
  size_t size(size_t i) const override {
    return internal::EntrySize(internal::LoadU32(at(i) + 16),
                               internal::LoadU32(at(i) + 20));
  }
  void Encode(size_t i, char* out) const override {
    std::memcpy(out, at(i), size(i));
  }
};

}  // namespace

absl::Status DBImpl::IngestLocked(Writer* w, bool* changed) {
  *changed = false;
  const Timestamp now = env_->NowMicros();
  Timestamp ts, max_ts;
  ZVERSE_RETURN_IF_ERROR(CommitTs(*w, now, &ts, &max_ts));
  if (!txn_starts_.empty()) {
    // Open transactions conflict with the ingest's keys (it is newer than
    // every one of them; mu_ is held until it is published).
    for (size_t i = 0; i < w->n; ++i) {
      last_write_[internal::KeyHash(w->batch->op(i).key)] = next_seq_;
    }
  }
  const size_t n = w->n;
  const WriteBatch& batch = *w->batch;
  auto ts_of = [&](uint32_t k) {
    const Timestamp t = batch.op(k).ts;
    return t != 0 ? t : ts;
  };

  // Key order (key asc, ts desc); among equal (key, ts) the later write
  // first, so that it is the one kept. Items carry the key's first 24 bytes
  // (zero padded, big-endian words) and its size, which settle the
  // comparison of keys of up to 24 bytes without leaving the sorted array.
  struct Item {
    uint64_t p[3];
    uint32_t i;
    uint32_t size;
  };
  constexpr size_t kInline = sizeof(Item::p);
  std::vector<Item> items(n);
  for (size_t i = 0; i < n; ++i) {
    const std::string_view key = batch.op(i).key;
    char buf[kInline] = {};
    std::memcpy(buf, key.data(), std::min(kInline, key.size()));
    Item& item = items[i];
    for (int w = 0; w < 3; ++w) {
      uint64_t v;
      std::memcpy(&v, buf + 8 * w, 8);
      item.p[w] = __builtin_bswap64(v);
    }
    item.i = static_cast<uint32_t>(i);
    item.size = static_cast<uint32_t>(key.size());
  }
  // Three-way comparison of two items' keys.
  auto compare_keys = [&](const Item& a, const Item& b) {
    for (int w = 0; w < 3; ++w) {
      if (a.p[w] != b.p[w]) return a.p[w] < b.p[w] ? -1 : 1;
    }
    if (a.size <= kInline && b.size <= kInline) {
      return a.size == b.size ? 0 : a.size < b.size ? -1 : 1;
    }
    return batch.op(a.i).key.compare(batch.op(b.i).key);
  };
  internal::ParallelSort(items.begin(), items.end(),
                         [&](const Item& a, const Item& b) {
    const int c = compare_keys(a, b);
    if (c != 0) return c < 0;
    const Timestamp ta = ts_of(a.i), tb = ts_of(b.i);
    if (ta != tb) return ta > tb;
    return a.i > b.i;
  });

  // Drop replaced writes (keeping the kept ones' indices at the front of
  // `items`), and encode the rest in key order.
  IngestSource source;
  source.first.reserve(n);
  source.offsets.reserve(n);
  size_t kept = 0, bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t k = items[i].i;
    bool first = true;
    if (kept > 0 && compare_keys(items[kept - 1], items[i]) == 0) {
      if (ts_of(items[kept - 1].i) == ts_of(k)) continue;  // Replaced.
      first = false;
    }
    items[kept++] = items[i];
    source.first.push_back(first);
    source.offsets.push_back(bytes);
    const WriteBatch::OpView op = batch.op(k);
    bytes += internal::EntrySize(op.key.size(),
                                 op.deleted ? 0 : op.value.size());
  }
  source.arena.reset(new uint64_t[bytes / 8 + 1]);
  internal::ParallelFor(kept, size_t{1} << 16, [&](size_t begin, size_t end) {
    char* base = reinterpret_cast<char*>(source.arena.get());
    for (size_t i = begin; i < end; ++i) {
      const uint32_t k = items[i].i;
      const WriteBatch::OpView op = batch.op(k);
      internal::EncodeEntry(op.key, op.deleted ? std::string_view() : op.value,
                            ts_of(k),
                            op.deleted ? internal::kEntryTombstone : 0,
                            base + source.offsets[i]);
    }
  });
  items = std::vector<Item>();
  if (w->consumed != nullptr) *w->consumed = WriteBatch();  // `batch` is gone.

  // Seal what the log holds, so that the active log is empty and the
  // ingested segment can take its number (and rank above every segment).
  if (absl::Status sealed = SealLocked(); !sealed.ok()) {
    *changed = true;  // As for a failed Seal.
    return sealed;
  }
  if (blob_ != nullptr) {
    // The log is empty, so its blob file holds nothing an entry refers to
    // (what is left of a torn commit); the ingest takes the log's number,
    // and the next log starts a blob file of its own.
    const std::string blob_path = blob_->log()->path;
    const uint64_t blob_number = blob_->log()->number;
    blob_.reset();
    auto nv = std::make_shared<Version>(*current());
    std::erase_if(nv->blobs,
                  [&](const auto& b) { return b->number == blob_number; });
    Publish(std::move(nv));
    (void)env_->RemoveFile(blob_path);
  }
  std::shared_ptr<const Version> v = current();
  const uint64_t number = log_->log()->number;
  {
    internal::SegmentMeta meta{number, number, number};
    meta.key_major =
        options_.physical_order == Options::PhysicalOrder::kKeyMajor;
    absl::Status written =
        internal::WriteSegmentFile(env_, path_, meta, source);
    if (!written.ok()) {
      (void)env_->RemoveFile(internal::SegmentTempName(path_, number));
      return written;
    }
  }
  source = IngestSource();

  // The log that takes over from the one the segment replaces. Until the
  // rename below, the database's state is unchanged: a crash leaves an
  // empty older log (dropped at open) and a temporary file (deleted).
  const uint64_t next_number = next_file_number_++;
  const std::string next_path = internal::LogFileName(path_, next_number);
  absl::StatusOr<std::shared_ptr<LogWriter>> next_log = LogWriter::Create(
      env_, next_path, next_number,
      LogCapacity(options_.seal_threshold_bytes, 0));
  absl::Status s = next_log.status();
  if (s.ok()) s = env_->SyncDir(path_);
  if (!s.ok()) {
    next_log = absl::StatusOr<std::shared_ptr<LogWriter>>();
    (void)env_->RemoveFile(next_path);
    (void)env_->RemoveFile(internal::SegmentTempName(path_, number));
    return s;
  }
  *changed = true;
  ZVERSE_RETURN_IF_ERROR(
      env_->RenameFile(internal::SegmentTempName(path_, number),
                       internal::SegmentFileName(path_, number)));
  ZVERSE_RETURN_IF_ERROR(env_->SyncDir(path_));
  ZVERSE_ASSIGN_OR_RETURN(
      auto seg,
      Segment::Open(env_, internal::SegmentFileName(path_, number), number));
  auto nv = std::make_shared<Version>();
  nv->blobs = v->blobs;
  nv->segments.reserve(v->segments.size() + 1);
  nv->segments.push_back(std::move(seg));
  nv->segments.insert(nv->segments.end(), v->segments.begin(),
                      v->segments.end());
  nv->mem = std::make_shared<MemTable>((*next_log)->log(), ExpectedEntries());
  const std::string old_path = log_->log()->path;
  log_ = *std::move(next_log);
  last_ts_ = std::max(last_ts_, max_ts);
  w->ts = ts;
  Publish(std::move(nv), max_ts);
  commits_.fetch_add(1, std::memory_order_relaxed);
  ScheduleCompaction();
  // The ingest is durable and visible. The log it replaced is empty, and
  // Open deletes it if this does not: a failure here fails nothing.
  (void)env_->RemoveFile(old_path);
  (void)env_->SyncDir(path_);
  return absl::OkStatus();
}

absl::Status DBImpl::Seal() {
  Writer w;
  w.kind = Writer::Kind::kSeal;
  return Run(&w).status();
}

absl::StatusOr<CompactStats> DBImpl::Compact(const CompactOptions& options) {
  // The log's writes go into a segment first (through the writers' queue);
  // the merge then runs beside the writers.
  ZVERSE_RETURN_IF_ERROR(Seal());
  CompactStats stats;
  ZVERSE_RETURN_IF_ERROR(MergeSegments(options, /*background=*/false, &stats));
  return stats;
}

namespace {

// CPU time of the calling thread, in microseconds.
uint64_t ThreadCpuMicros() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000 +
         static_cast<uint64_t>(t.tv_nsec) / 1000;
}

// Keeps a thread's work to `budget` of the time: after each slice of work
// it sleeps long enough that work / (work + sleep) <= budget.
class Pacer {
 public:
  explicit Pacer(double budget, const std::atomic<bool>* stop)
      : budget_(budget), stop_(stop), slice_start_(Clock::now()) {}
  void Pace() {
    if (budget_ <= 0 || budget_ >= 1) return;
    const auto work = Clock::now() - slice_start_;
    auto rest = std::chrono::duration_cast<std::chrono::microseconds>(
        work * ((1 - budget_) / budget_));
    // Sleeps in short steps, so that Close need not wait.
    while (rest.count() > 0 && !stop_->load(std::memory_order_relaxed)) {
      const auto step = std::min(rest, std::chrono::microseconds(20000));
      std::this_thread::sleep_for(step);
      rest -= step;
    }
    slice_start_ = Clock::now();
  }

 private:
  using Clock = std::chrono::steady_clock;
  const double budget_;
  const std::atomic<bool>* stop_;
  Clock::time_point slice_start_;
};

}  // namespace

absl::Status DBImpl::MergeSegments(const CompactOptions& options,
                                   bool background, CompactStats* stats) {
  // One compaction at a time; the merge itself runs without mu_, on
  // segments, which never change. Seals and ingests meanwhile add newer
  // segments (higher numbers), which the merge leaves alone.
  internal::MutexLock compact_lock(&compact_mu_);
  const uint64_t cpu_start = ThreadCpuMicros();
  Pacer pacer(background ? options_.compaction_cpu_budget : 1.0,
              &stop_compaction_);
  std::shared_ptr<const Version> v;
  Timestamp clock_floor;
  {
    internal::MutexLock l(&mu_);
    if (closed_ || !open_) {
      return absl::FailedPreconditionError("database is closed");
    }
    if (!bg_error_.ok()) return bg_error_;
    v = current();
    clock_floor = last_ts_;
  }
  const Timestamp horizon = options.horizon;
  stats->horizon = horizon;
  // Nothing to merge, and nothing old enough to drop.
  if (v->segments.empty()) return absl::OkStatus();
  if (v->segments.size() == 1 &&
      (horizon == 0 || v->segments.front()->min_ts() > horizon)) {
    return absl::OkStatus();
  }
  const auto cancelled = [&] {
    return background && stop_compaction_.load(std::memory_order_relaxed);
  };
  // Merge the directories in (key asc, ts desc, newer segment first) order;
  // for equal (key, ts) the newest segment's version wins.
  struct Head {
    std::string_view key;
    Timestamp ts;
    size_t seg;  // Index in v->segments: lower is newer.
    size_t i;
  };
  auto after = [](const Head& a, const Head& b) {  // Heap order.
    const int c = a.key.compare(b.key);
    if (c != 0) return c > 0;
    if (a.ts != b.ts) return a.ts < b.ts;
    return a.seg > b.seg;
  };
  std::vector<Head> heap;
  uint64_t total = 0;
  for (size_t k = 0; k < v->segments.size(); ++k) {
    const Segment& seg = *v->segments[k];
    ZVERSE_RETURN_IF_ERROR(seg.EnsureIndex());
    total += seg.entry_count();
    stats->bytes_in += seg.file_size();
    if (seg.entry_count() > 0) heap.push_back({seg.DirKey(0), seg.DirTs(0), k, 0});
  }
  stats->segments_merged = v->segments.size();
  stats->versions_in = total;
  std::make_heap(heap.begin(), heap.end(), after);
  std::vector<internal::SegmentInput> inputs;
  inputs.reserve(total);
  // Version GC state for the key being merged: whether its newest version
  // at or before the horizon was met (everything older is dropped).
  std::string_view gc_key;
  bool gc_key_set = false;
  bool past_horizon = false;
  uint64_t steps = 0;
  while (!heap.empty()) {
    if ((++steps & 0xffff) == 0) {
      pacer.Pace();
      if (cancelled()) return absl::CancelledError("database is closing");
    }
    std::pop_heap(heap.begin(), heap.end(), after);
    Head h = heap.back();
    heap.pop_back();
    const Segment& seg = *v->segments[h.seg];
    const bool dup = !inputs.empty() && inputs.back().ts == h.ts &&
                     inputs.back().key == h.key;
    const bool same_key = gc_key_set && gc_key == h.key;
    if (!same_key) {
      gc_key = h.key;
      gc_key_set = true;
      past_horizon = false;
    }
    if (dup) {
      ++stats->duplicates;
    } else if (past_horizon) {
      ++stats->versions_dropped;  // Older than the key's version at the horizon.
    } else {
      const uint64_t off = seg.DirOffset(h.i);
      ZVERSE_ASSIGN_OR_RETURN(EntryView e, seg.Entry(off));
      if (e.key != h.key || e.ts != h.ts) {
        return internal::DataLossAt(seg.path(), off,
                                    "directory points at the wrong entry");
      }
      if (horizon != 0 && h.ts <= horizon) {
        // The newest version at or before the horizon: reads as of the
        // horizon need it, unless it is a tombstone (then no version at
        // all reads the same).
        past_horizon = true;
        if (e.deleted()) {
          ++stats->versions_dropped;
        } else {
          inputs.push_back(internal::SegmentInput{seg.data() + off, e.size,
                                                  e.key, e.ts});
        }
      } else {
        inputs.push_back(internal::SegmentInput{seg.data() + off, e.size,
                                                e.key, e.ts});
      }
    }
    if (++h.i < seg.entry_count()) {
      h.key = seg.DirKey(h.i);
      h.ts = seg.DirTs(h.i);
      heap.push_back(h);
      std::push_heap(heap.begin(), heap.end(), after);
    }
  }
  pacer.Pace();
  if (cancelled()) return absl::CancelledError("database is closing");
  stats->versions_out = inputs.size();
  // The merged segment takes the newest input's number (renaming over it),
  // so its rank among segments stays that of its newest input, and a crash
  // at any point leaves either the inputs or the merged segment, which
  // supersedes them (Open deletes them then).
  const uint64_t number = v->segments.front()->number();
  const uint64_t lo = v->segments.back()->number();
  internal::SegmentMeta meta{number, lo, number};
  meta.key_major =
      options_.physical_order == Options::PhysicalOrder::kKeyMajor;
  // Version GC may drop the newest commit's versions; the clock, recovered
  // from the footers at open, must not go back.
  meta.max_ts_floor = clock_floor;
  // Overflow values: every one kept, and every large value still inline
  // (written by an ingest), goes to one new blob file, so that the inputs'
  // blob files, with the values no version refers to any more, can go.
  internal::Arena rewritten;
  uint64_t blob_number = 0;
  std::string blob_path;
  {
    std::unique_ptr<WritableFile> blob_out;
    std::string buf;
    uint64_t blob_size = 0;  // Appended so far; `buf` holds the rest.
    std::string scratch;
    const auto fail = [&](absl::Status st) {
      if (blob_out != nullptr) (void)env_->RemoveFile(blob_path);
      return st;
    };
    for (internal::SegmentInput& in : inputs) {
      EntryView e;
      if (!internal::DecodeEntryUnchecked(in.entry, 0, in.size, &e)) {
        return fail(absl::DataLossError("compaction input entry is damaged"));
      }
      if (e.deleted()) continue;
      const bool overflow = (e.flags & internal::kEntryOverflow) != 0;
      if (!overflow && e.value.size() < internal::kOverflowThreshold) continue;
      if (blob_out == nullptr) {
        {
          internal::MutexLock l(&mu_);
          blob_number = next_file_number_++;
        }
        blob_path = internal::BlobFileName(path_, blob_number);
        absl::StatusOr<std::unique_ptr<WritableFile>> f =
            env_->NewWritableFile(blob_path, true);
        if (!f.ok()) return f.status();
        blob_out = *std::move(f);
        char header[internal::kFileHeaderSize];
        internal::EncodeFileHeader(internal::kBlobMagic, blob_number,
                                   env_->NowMicros(), header);
        buf.append(header, sizeof(header));
      }
      const uint64_t off = blob_size + buf.size();
      uint64_t length;
      if (overflow) {
        // Copied as it is, compressed or not, after checking it.
        internal::BlobRef ref;
        const LogFile* file = nullptr;
        absl::StatusOr<internal::BlobView> b =
            BlobRecordOf(*v, e, &ref, &file, /*verify=*/true);
        if (!b.ok()) return fail(b.status());
        buf.append(b->stored.data() - internal::kBlobHeaderSize,
                   internal::BlobRecordSize(b->stored.size()));
        length = ref.length;
      } else {
        uint32_t flags;
        const std::string_view stored =
            internal::CompressBlob(e.value, &scratch, &flags);
        internal::AppendBlobRecord(stored, e.value.size(), flags, &buf);
        length = e.value.size();
      }
      char ref_bytes[internal::kBlobRefSize];
      internal::EncodeBlobRef({blob_number, off, length}, ref_bytes);
      const size_t size =
          internal::EntrySize(e.key.size(), internal::kBlobRefSize);
      char* out = rewritten.Allocate(size);
      internal::EncodeEntry(e.key, std::string_view(ref_bytes, sizeof(ref_bytes)),
                            e.ts, e.flags | internal::kEntryOverflow, out);
      in.entry = out;
      in.size = size;
      in.key = std::string_view(out + internal::kEntryHeaderSize, e.key.size());
      if (buf.size() >= (size_t{1} << 20)) {
        if (absl::Status st = blob_out->Append(buf); !st.ok()) return fail(st);
        blob_size += buf.size();
        buf.clear();
        pacer.Pace();
        if (cancelled()) {
          return fail(absl::CancelledError("database is closing"));
        }
      }
    }
    if (blob_out != nullptr) {
      // Synced, and its name too, before the segment that refers to it.
      absl::Status st = blob_out->Append(buf);
      if (st.ok()) st = blob_out->Sync();
      if (st.ok()) st = blob_out->Close();
      if (st.ok()) st = env_->SyncDir(path_);
      if (!st.ok()) return fail(st);
    }
  }
  meta.blob_file = blob_number;
  const auto drop_blob = [&] {
    if (blob_number != 0) (void)env_->RemoveFile(blob_path);
  };
  const std::string tmp = internal::SegmentTempName(path_, number);
  const std::string final_path = internal::SegmentFileName(path_, number);
  {
    // The write is synced (file) before the rename refers to it.
    std::optional<internal::SerialScope> serial;
    if (background) serial.emplace();
    absl::Status s = internal::WriteSegmentFile(env_, path_, meta, inputs);
    if (!s.ok()) {
      (void)env_->RemoveFile(tmp);
      drop_blob();
      return s;
    }
  }
  inputs = {};
  pacer.Pace();
  if (cancelled()) {
    (void)env_->RemoveFile(tmp);
    drop_blob();
    return absl::CancelledError("database is closing");
  }
  if (absl::Status s = env_->RenameFile(tmp, final_path); !s.ok()) {
    (void)env_->RemoveFile(tmp);
    drop_blob();
    return s;
  }
  // The new blob file, mapped for readers.
  std::shared_ptr<LogFile> new_blob;
  if (blob_number != 0) {
    absl::StatusOr<std::shared_ptr<LogFile>> b =
        internal::MapLogFile(env_, blob_path, blob_number, 0);
    if (!b.ok()) {
      internal::MutexLock l(&mu_);
      bg_error_ = b.status();  // The segment that refers to it is in place.
      return b.status();
    }
    (*b)->committed_size.store((*b)->map->size(), std::memory_order_release);
    new_blob = *std::move(b);
  }
  std::vector<std::string> dead_blobs;
  absl::Status s = env_->SyncDir(path_);
  absl::StatusOr<std::shared_ptr<Segment>> merged =
      s.ok() ? Segment::Open(env_, final_path, number)
             : absl::StatusOr<std::shared_ptr<Segment>>(s);
  {
    internal::MutexLock l(&mu_);
    if (!merged.ok()) {
      s = merged.status();
      // The rename may or may not be durable: the files stay as they are
      // until a reopen sorts them out.
      bg_error_ = s;
      return s;
    }
    stats->bytes_out = (*merged)->file_size();
    std::shared_ptr<const Version> cur = current();
    if (cur == nullptr) return absl::FailedPreconditionError("database is closed");
    auto nv = std::make_shared<Version>();
    for (const auto& seg : cur->segments) {
      if (seg->number() > number) nv->segments.push_back(seg);
    }
    nv->segments.push_back(*std::move(merged));
    nv->mem = cur->mem;
    // Blob files still referred to: the remaining segments', the log's.
    for (const auto& b : cur->blobs) {
      bool keep = b->number == cur->mem->log().number;
      for (const auto& seg : nv->segments) keep |= seg->blob_file() == b->number;
      if (keep) {
        nv->blobs.push_back(b);
      } else {
        dead_blobs.push_back(b->path);
      }
    }
    if (new_blob != nullptr) nv->blobs.push_back(std::move(new_blob));
    Publish(std::move(nv));
    compactions_.fetch_add(1, std::memory_order_relaxed);
    if (background) {
      background_compactions_.fetch_add(1, std::memory_order_relaxed);
    }
    versions_dropped_.fetch_add(stats->versions_dropped,
                                std::memory_order_relaxed);
  }
  // Snapshots may still map the inputs; unlinking leaves their mappings.
  for (size_t k = 1; k < v->segments.size(); ++k) {
    ZVERSE_RETURN_IF_ERROR(env_->RemoveFile(v->segments[k]->path()));
  }
  for (const std::string& dead : dead_blobs) {
    ZVERSE_RETURN_IF_ERROR(env_->RemoveFile(dead));
  }
  s = env_->SyncDir(path_);
  compaction_cpu_micros_.fetch_add(ThreadCpuMicros() - cpu_start,
                                   std::memory_order_relaxed);
  ReleaseFreeMemory();
  return s;
}

void DBImpl::ScheduleCompaction() {
  if (!compact_thread_.joinable()) return;
  internal::MutexLock l(&bg_mu_);
  bg_pending_ = true;
  bg_cv_.Signal();
}

void DBImpl::CompactLoop() {
  // One core at most, as the budget counts.
  internal::SerialScope serial;
  uint64_t last_gc_ms = env_->NowMicros() / 1000;
  uint64_t backoff_ms = 0;
  for (;;) {
    {
      internal::MutexLock l(&bg_mu_);
      const uint64_t wait_ms =
          backoff_ms > 0 ? backoff_ms
                         : (options_.retention_micros > 0
                                ? std::min<uint64_t>(options_.gc_interval_ms, 1000)
                                : 1000);
      if (!stop_bg_ && !bg_pending_) bg_cv_.WaitFor(&bg_mu_, wait_ms * 1000);
      if (stop_bg_) return;
      bg_pending_ = false;
    }
    std::shared_ptr<const Version> v = current();
    if (v == nullptr) return;
    const uint64_t now = env_->NowMicros();
    const bool gc_due = options_.retention_micros > 0 && !v->segments.empty() &&
                        now / 1000 >= last_gc_ms + options_.gc_interval_ms;
    if (v->segments.size() < std::max<uint32_t>(2, options_.compaction_trigger_segments) &&
        !gc_due) {
      continue;
    }
    CompactOptions o;
    if (options_.retention_micros > 0 && now > options_.retention_micros) {
      o.horizon = now - options_.retention_micros;
      last_gc_ms = now / 1000;
    }
    CompactStats stats;
    const absl::Status s = MergeSegments(o, /*background=*/true, &stats);
    if (s.ok() || absl::IsCancelled(s)) {
      backoff_ms = 0;
    } else {
      // Retried later (an I/O error that stopped writes stops this too).
      compaction_errors_.fetch_add(1, std::memory_order_relaxed);
      backoff_ms = std::min<uint64_t>(std::max<uint64_t>(backoff_ms * 2, 100), 10000);
    }
  }
}

absl::Status DBImpl::Sync() {
  std::shared_ptr<LogWriter> log, blob;
  {
    internal::MutexLock l(&mu_);
    if (closed_) return absl::FailedPreconditionError("database is closed");
    if (!bg_error_.ok()) return bg_error_;
    log = log_;
    blob = blob_;
  }
  if (log == nullptr) return absl::OkStatus();
  syncs_.fetch_add(1, std::memory_order_relaxed);
  absl::Status s = blob != nullptr ? blob->Sync() : absl::OkStatus();
  if (s.ok()) s = log->Sync();
  if (!s.ok()) {
    // The failed pages may be gone (Linux reports a writeback error once):
    // nothing written so far can be called durable, nor anything later.
    internal::MutexLock l(&mu_);
    if (bg_error_.ok()) bg_error_ = s;
  }
  return s;
}

void DBImpl::SyncLoop() {
  for (;;) {
    {
      internal::MutexLock l(&sync_mu_);
      if (!stop_sync_) sync_cv_.WaitFor(&sync_mu_, options_.sync_interval_ms * 1000);
      if (stop_sync_) return;
    }
    (void)Sync();
  }
}

absl::Status DBImpl::Close() {
  // Hints still queued are dropped; one being resolved finishes first.
  prefetch_->StopPool();
  if (compact_thread_.joinable()) {
    // A background compaction under way gives up; its files go.
    stop_compaction_.store(true, std::memory_order_relaxed);
    {
      internal::MutexLock l(&bg_mu_);
      stop_bg_ = true;
      bg_cv_.SignalAll();
    }
    compact_thread_.join();
  }
  if (sync_thread_.joinable()) {
    {
      internal::MutexLock l(&sync_mu_);
      stop_sync_ = true;
      sync_cv_.SignalAll();
    }
    sync_thread_.join();
  }
  absl::Status s;
  // A compaction in another thread finishes first.
  internal::MutexLock compact_lock(&compact_mu_);
  {
    internal::MutexLock l(&mu_);
    if (closed_) return absl::FailedPreconditionError("database is closed");
    while (!writers_.empty()) idle_cv_.Wait(&mu_);
    closed_ = true;
    // After a failure that stopped writes, what was written cannot be
    // called durable: Close says so.
    if (log_ != nullptr) {
      if (!bg_error_.ok()) {
        s = bg_error_;
      } else {
        if (blob_ != nullptr) s = blob_->Sync();
        if (s.ok()) s = log_->Sync();
      }
    }
    log_.reset();
    blob_.reset();
  }
  {
    // Snapshots taken before keep their files; new reads are refused.
    read_state_.store(nullptr);
    read_gen_.fetch_add(1, std::memory_order_release);
    ClearShards();
  }
  lock_.reset();
  return s;
}

absl::StatusOr<Snapshot> DBImpl::GetSnapshot(Timestamp as_of) const {
  if (as_of == 0) {
    return absl::InvalidArgumentError("as-of timestamp 0 is before all data");
  }
  // No lock: the published state, through this thread's shard.
  std::shared_ptr<const ReadState> r = AcquireReadState();
  if (r == nullptr) return absl::FailedPreconditionError("database is closed");
  auto s = std::make_shared<SnapshotState>();
  s->version = r->version.get();
  s->max_seq = r->visible_seq;
  s->as_of = as_of == kLatest ? r->visible_ts : as_of;
  s->prefetch = r->prefetch.get();
  s->pin = std::move(r);
  return Snapshot(std::move(s));
}

namespace {
// This thread's shard number, assigned round-robin.
size_t ThreadShard() {
  static std::atomic<size_t> next{0};
  thread_local const size_t shard = next.fetch_add(1, std::memory_order_relaxed);
  return shard;
}
}  // namespace

std::shared_ptr<const DBImpl::ReadState> DBImpl::AcquireReadState() const {
  ReadShard& sh = shards_[ThreadShard() % shard_count_];
  const uint64_t gen = read_gen_.load(std::memory_order_acquire);
  while (sh.busy.test_and_set(std::memory_order_acquire)) {
    while (sh.busy.test(std::memory_order_relaxed)) {
    }
  }
  if (sh.gen != gen || sh.state == nullptr) {
    // Refreshed under the shard's flag, so its states only move forward
    // (a thread's snapshots never go back in time).
    struct Holder {
      std::shared_ptr<const ReadState> r;
    };
    auto h = std::make_shared<Holder>();
    h->r = read_state_.load();
    if (h->r == nullptr) {
      sh.state = nullptr;
    } else {
      const ReadState* raw = h->r.get();
      sh.state = std::shared_ptr<const ReadState>(std::move(h), raw);
    }
    sh.gen = gen;
  }
  std::shared_ptr<const ReadState> r = sh.state;
  sh.busy.clear(std::memory_order_release);
  return r;
}

void DBImpl::ClearShards() const {
  for (size_t i = 0; i < shard_count_; ++i) {
    ReadShard& sh = shards_[i];
    std::shared_ptr<const ReadState> old;
    while (sh.busy.test_and_set(std::memory_order_acquire)) {
      while (sh.busy.test(std::memory_order_relaxed)) {
      }
    }
    old.swap(sh.state);
    sh.gen = 0;
    sh.busy.clear(std::memory_order_release);
  }
}

struct Transaction::State {
  DBImpl* db = nullptr;
  Snapshot snap;
  uint64_t start_seq = 0;
  // The transaction's writes (nullopt: a delete), in key order for Scan.
  std::map<std::string, std::optional<std::string>, std::less<>> writes;
  size_t write_bytes = 0;
  // KeyHash of every key read from the snapshot.
  absl::flat_hash_set<uint64_t> reads;
  bool open = true;
};

absl::StatusOr<Transaction> DBImpl::BeginTransaction() {
  internal::MutexLock l(&mu_);
  if (closed_ || !open_) {
    return absl::FailedPreconditionError("database is closed");
  }
  if (options_.read_only) {
    return absl::FailedPreconditionError("database is open read-only");
  }
  // Under mu_, so that the snapshot and the registration go together: every
  // write the snapshot misses is recorded in last_write_ from here on.
  std::shared_ptr<const ReadState> r = read_state_.load();
  auto snap = std::make_shared<SnapshotState>();
  snap->version = r->version.get();
  snap->max_seq = r->visible_seq;
  snap->as_of = r->visible_ts;
  snap->prefetch = r->prefetch.get();
  snap->pin = r;
  auto st = std::make_unique<Transaction::State>();
  st->db = this;
  st->start_seq = r->visible_seq;
  st->snap = Snapshot(std::move(snap));
  txn_starts_.insert(st->start_seq);
  return Transaction(std::move(st));
}

absl::StatusOr<Timestamp> DBImpl::CommitTransaction(
    const std::vector<OpRef>& ops,
    const absl::flat_hash_set<uint64_t>& conflict_keys, uint64_t start_seq) {
  ZVERSE_RETURN_IF_ERROR(CheckOps(
      ops.size(), [&](size_t i) { return ops[i]; }, kMaxBatchBytes));
  Writer w;
  w.ops = ops.data();
  w.n = ops.size();
  w.conflict_keys = &conflict_keys;
  w.txn_start_seq = start_seq;
  PrepareBlobs(&w);
  absl::StatusOr<Timestamp> ts = Run(&w);
  if (ts.ok()) txn_commits_.fetch_add(1, std::memory_order_relaxed);
  return ts;
}

void DBImpl::EndTransaction(uint64_t start_seq) {
  internal::MutexLock l(&mu_);
  auto it = txn_starts_.find(start_seq);
  if (it != txn_starts_.end()) txn_starts_.erase(it);
}

// ---------------------------------------------------------------------------
// Transaction

Transaction::Transaction() = default;
Transaction::Transaction(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
Transaction::Transaction(Transaction&&) noexcept = default;
Transaction& Transaction::operator=(Transaction&& other) noexcept {
  if (this != &other) {
    Rollback();
    state_ = std::move(other.state_);
  }
  return *this;
}
Transaction::~Transaction() { Rollback(); }

Timestamp Transaction::read_ts() const {
  return state_ ? state_->snap.as_of() : 0;
}
bool Transaction::is_open() const { return state_ && state_->open; }

namespace {
absl::Status ClosedTransaction() {
  return absl::FailedPreconditionError(
      "transaction is closed (committed or rolled back)");
}
}  // namespace

absl::StatusOr<std::string> Transaction::Get(std::string_view key) {
  if (!is_open()) return ClosedTransaction();
  if (auto it = state_->writes.find(key); it != state_->writes.end()) {
    if (!it->second.has_value()) {
      return absl::NotFoundError("deleted in this transaction");
    }
    return *it->second;
  }
  state_->reads.insert(internal::KeyHash(key));
  ZVERSE_ASSIGN_OR_RETURN(std::string_view v, state_->snap.Get(key));
  return std::string(v);
}

absl::Status Transaction::Scan(std::string_view start, std::string_view end,
                               absl::FunctionRef<bool(const Record&)> fn) {
  if (!is_open()) return ClosedTransaction();
  auto& writes = state_->writes;
  auto it = writes.lower_bound(start);
  const auto in_range = [&](const std::string& k) {
    return end.empty() || std::string_view(k) < end;
  };
  bool stopped = false;
  // Own writes before `limit` (all that are left when null).
  const auto emit_own_before = [&](const std::string_view* limit) {
    while (!stopped && it != writes.end() && in_range(it->first) &&
           (limit == nullptr || std::string_view(it->first) < *limit)) {
      if (it->second.has_value()) {
        Record r;
        r.key = it->first;
        r.value = *it->second;
        if (!fn(r)) stopped = true;
      }
      ++it;
    }
  };
  ZVERSE_RETURN_IF_ERROR(state_->snap.Scan(start, end, [&](const Record& r) {
    emit_own_before(&r.key);
    if (stopped) return false;
    if (it != writes.end() && std::string_view(it->first) == r.key) {
      // Overwritten (or deleted) by the transaction itself.
      if (it->second.has_value()) {
        Record own;
        own.key = it->first;
        own.value = *it->second;
        if (!fn(own)) stopped = true;
      }
      ++it;
      return !stopped;
    }
    state_->reads.insert(internal::KeyHash(r.key));
    if (!fn(r)) stopped = true;
    return !stopped;
  }));
  emit_own_before(nullptr);
  return absl::OkStatus();
}

absl::Status Transaction::Put(std::string_view key, std::string_view value) {
  if (!is_open()) return ClosedTransaction();
  if (key.size() > kMaxKeySize || value.size() > kMaxValueSize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key of ", key.size(), " bytes or value of ", value.size(),
        " bytes exceeds the maximum (", kMaxKeySize, ", ", kMaxValueSize,
        ")"));
  }
  const size_t bytes = internal::EntrySize(key.size(), value.size());
  if (state_->write_bytes + bytes > kMaxBatchBytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "transaction writes exceed the maximum batch of ", kMaxBatchBytes,
        " bytes"));
  }
  state_->write_bytes += bytes;
  state_->writes.insert_or_assign(std::string(key), std::string(value));
  return absl::OkStatus();
}

absl::Status Transaction::Delete(std::string_view key) {
  if (!is_open()) return ClosedTransaction();
  if (key.size() > kMaxKeySize) {
    return absl::InvalidArgumentError(absl::StrCat(
        "key of ", key.size(), " bytes exceeds the maximum of ", kMaxKeySize));
  }
  state_->write_bytes += internal::EntrySize(key.size(), 0);
  state_->writes.insert_or_assign(std::string(key), std::nullopt);
  return absl::OkStatus();
}

absl::StatusOr<Timestamp> Transaction::Commit() {
  if (!is_open()) return ClosedTransaction();
  State& st = *state_;
  st.open = false;
  if (st.writes.empty()) {
    st.db->EndTransaction(st.start_seq);
    return st.snap.as_of();
  }
  std::vector<OpRef> ops;
  ops.reserve(st.writes.size());
  absl::flat_hash_set<uint64_t> keys = std::move(st.reads);
  for (const auto& [k, v] : st.writes) {
    ops.push_back(OpRef{k, v.has_value() ? std::string_view(*v)
                                         : std::string_view(),
                        !v.has_value()});
    keys.insert(internal::KeyHash(k));
  }
  absl::StatusOr<Timestamp> ts =
      st.db->CommitTransaction(ops, keys, st.start_seq);
  st.db->EndTransaction(st.start_seq);
  st.writes.clear();
  return ts;
}

void Transaction::Rollback() {
  if (!is_open()) return;
  state_->open = false;
  state_->db->EndTransaction(state_->start_seq);
  state_->writes.clear();
  state_->reads.clear();
}

absl::Status DBImpl::DropCaches() const {
  std::shared_ptr<const Version> v = current();
  if (v == nullptr) return absl::FailedPreconditionError("database is closed");
  for (const auto& seg : v->segments) {
    seg->DontNeed();
    ZVERSE_RETURN_IF_ERROR(env_->DropFileCache(seg->path()));
  }
  // What was advised and not yet read is gone with them.
  prefetch_->locality->ExpireClaims();
  prefetch_->epoch.fetch_add(1, std::memory_order_relaxed);
  const LogFile& log = v->mem->log();
  if (log.map != nullptr && log.map->size() > 0) {
    log.map->DontNeed(0, log.map->size());
    ZVERSE_RETURN_IF_ERROR(env_->DropFileCache(log.path));
  }
  for (const auto& b : v->blobs) {
    b->map->DontNeed(0, b->committed_size.load(std::memory_order_acquire));
    ZVERSE_RETURN_IF_ERROR(env_->DropFileCache(b->path));
  }
  return absl::OkStatus();
}

Stats DBImpl::GetStats() const {
  Stats st;
  std::shared_ptr<const Version> v;
  if (std::shared_ptr<const ReadState> r =
          read_state_.load()) {
    v = r->version;
    st.max_ts = r->visible_ts;
  }
  if (v == nullptr) return st;  // Closed.
  st.min_ts = UINT64_MAX;
  for (const auto& seg : v->segments) {
    ++st.segments;
    st.segment_bytes += seg->file_size();
    if (seg->key_major()) ++st.key_major_segments;
    st.entries += seg->entry_count();
    st.index_bytes += seg->index_bytes();
    if (seg->entry_count() > 0) st.min_ts = std::min(st.min_ts, seg->min_ts());
  }
  for (const auto& b : v->blobs) {
    ++st.blob_files;
    st.blob_bytes += b->committed_size.load(std::memory_order_acquire);
  }
  st.memtable_entries = v->mem->Count();
  st.memtable_bytes = v->mem->ApproximateMemoryUsage();
  st.entries += st.memtable_entries;
  if (st.memtable_entries > 0) st.min_ts = std::min(st.min_ts, v->mem->MinTs());
  if (st.min_ts == UINT64_MAX) st.min_ts = 0;
  const uint64_t log_size =
      v->mem->log().committed_size.load(std::memory_order_acquire);
  if (v->mem->log().map->size() > 0 || log_size > 0) {
    st.log_files = 1;
    st.log_bytes = log_size;
  }
  st.commits = commits_.load(std::memory_order_relaxed);
  st.prefetch_calls = prefetch_->calls.load(std::memory_order_relaxed);
  st.prefetch_ranges = prefetch_->ranges.load(std::memory_order_relaxed);
  st.prefetch_bytes = prefetch_->bytes.load(std::memory_order_relaxed);
  st.syncs = syncs_.load(std::memory_order_relaxed);
  st.recovered_dropped_bytes = recovered_dropped_bytes_;
  st.compaction_cpu_micros =
      compaction_cpu_micros_.load(std::memory_order_relaxed);
  st.compaction_errors = compaction_errors_.load(std::memory_order_relaxed);
  st.compactions = compactions_.load(std::memory_order_relaxed);
  st.background_compactions =
      background_compactions_.load(std::memory_order_relaxed);
  st.versions_dropped = versions_dropped_.load(std::memory_order_relaxed);
  {
    const internal::LocalityManager::Counters lc =
        prefetch_->locality->counters();
    st.locality_records = lc.records;
    st.adaptive_predictions = lc.predictions;
    st.adaptive_prefetch_bytes =
        prefetch_->adaptive_advised_bytes.load(std::memory_order_relaxed);
    st.adaptive_hits = lc.hits;
    st.resident_samples =
        prefetch_->resident_samples.load(std::memory_order_relaxed);
    st.resident_hits = prefetch_->resident_hits.load(std::memory_order_relaxed);
    st.locality_nanos = prefetch_->manager_nanos.load(std::memory_order_relaxed);
    st.prefetch_queued = prefetch_->queued.load(std::memory_order_relaxed);
    st.prefetch_dropped = prefetch_->dropped.load(std::memory_order_relaxed);
    st.prefetch_skipped = prefetch_->skipped.load(std::memory_order_relaxed);
    st.adaptive_suppressed = lc.suppressed;
    st.adaptive_sequential = lc.sequential;
    st.adaptive_frontier = lc.frontier;
    st.sequential_advice = lc.long_scans;
    st.cold_advised_bytes = lc.cooled_bytes;
    st.prefetched_pages = lc.advised_pages;
    st.prefetch_used_pages = lc.used_pages;
    st.prefetch_expired_pages = lc.expired_pages;
  }
  st.transactions = txn_commits_.load(std::memory_order_relaxed);
  st.transaction_aborts = txn_aborts_.load(std::memory_order_relaxed);
  return st;
}

absl::StatusOr<VerifyReport> DBImpl::VerifyAll() const {
  std::shared_ptr<const Version> v = current();
  if (v == nullptr) return absl::FailedPreconditionError("database is closed");
  VerifyReport report;
  absl::flat_hash_set<uint64_t> blobs;
  // Every overflow value an entry of file `of` refers to: present, in
  // bounds, checksum. The first problem per referring file is reported.
  bool blob_reported = false;
  const auto check_blob = [&](const EntryView& e, const std::string& of) {
    if ((e.flags & internal::kEntryOverflow) == 0 || e.deleted()) return;
    internal::BlobRef ref;
    const LogFile* file = nullptr;
    ++report.blob_values;
    absl::Status s = BlobRecordOf(*v, e, &ref, &file, /*verify=*/true).status();
    if (file != nullptr) blobs.insert(file->number);
    if (!s.ok() && !blob_reported) {
      blob_reported = true;
      report.problems.push_back(absl::DataLossError(
          absl::StrCat(s.message(), " (referred to by ", of, ")")));
    }
  };
  for (const auto& seg : v->segments) {
    ++report.segments;
    report.bytes += seg->file_size();
    blob_reported = false;
    if (absl::Status s = seg->Verify(); !s.ok()) {
      report.problems.push_back(std::move(s));
      continue;
    }
    report.entries += seg->entry_count();
    for (size_t i = 0; i < seg->entry_count(); ++i) {
      absl::StatusOr<EntryView> e = seg->Entry(seg->DirOffset(i));
      if (!e.ok()) {
        report.problems.push_back(e.status());
        break;
      }
      check_blob(*e, seg->path());
    }
  }
  const LogFile& log = v->mem->log();
  const uint64_t size = log.committed_size.load(std::memory_order_acquire);
  ++report.log_files;
  report.bytes += size;
  blob_reported = false;
  if (size > 0) {
    absl::StatusOr<internal::LogRecovery> r = internal::RecoverLog(
        log, size, [&](const EntryView& e, uint64_t, uint64_t) {
          ++report.entries;
          check_blob(e, log.path);
        });
    if (!r.ok()) {
      report.problems.push_back(r.status());
    } else if (r->valid_size != size) {
      report.problems.push_back(internal::DataLossAt(
          log.path, r->valid_size, "damaged commit group in the active log"));
    }
  }
  report.blob_files = blobs.size();
  for (uint64_t n : blobs) {
    report.bytes += v->FindBlob(n)->committed_size.load(std::memory_order_acquire);
  }
  return report;
}

absl::Status DBImpl::Verify() const {
  ZVERSE_ASSIGN_OR_RETURN(VerifyReport report, VerifyAll());
  return report.ok() ? absl::OkStatus() : report.problems.front();
}

std::string VerifyReport::ToString() const {
  std::string out = absl::StrCat(
      "segments ", segments, "\nlog_files ", log_files, "\nblob_files ",
      blob_files, "\nentries ", entries, "\nblob_values ", blob_values,
      "\nbytes ", bytes, "\nproblems ", problems.size(), "\n");
  for (const absl::Status& p : problems) {
    absl::StrAppend(&out, "problem: ", p.message(), "\n");
  }
  return out;
}

// ---------------------------------------------------------------------------
// Snapshot

Snapshot::Snapshot(std::shared_ptr<const SnapshotState> state)
    : state_(std::move(state)) {}
Snapshot::Snapshot(Snapshot&&) noexcept = default;
Snapshot& Snapshot::operator=(Snapshot&&) noexcept = default;
Snapshot::~Snapshot() = default;

Timestamp Snapshot::as_of() const { return state_ ? state_->as_of : 0; }

namespace {
// The newest entry of `key` visible to `s`, tombstones included, with its
// value still as stored (an overflow entry's is a blob reference).
absl::StatusOr<EntryView> FindEntry(const SnapshotState& s,
                                    std::string_view key) {
  bool found = false;
  Timestamp best_ts = 0;
  Location best;
  const uint64_t hash = internal::KeyHash(key);
  SampledRead sampled(s.prefetch);
  if (s.version->mem->Count() > 0 && s.version->mem->MayContain(hash)) {
    if (const MemTable::Node* n =
            s.version->mem->Get(key, s.as_of, s.max_seq)) {
      found = true;
      best_ts = n->ts;
      best = Location{nullptr, n, 0};
    }
  }
  for (const auto& seg : s.version->segments) {
    if (seg->min_ts() > s.as_of) continue;
    if (found && seg->max_ts() <= best_ts) continue;
    ZVERSE_RETURN_IF_ERROR(seg->EnsureIndex());
    ApplyAccessAdvice(s.prefetch, *seg);
    uint64_t offset, ts;
    size_t index;
    bool hit;
    ZVERSE_RETURN_IF_ERROR(
        seg->Lookup(key, hash, s.as_of, &hit, &offset, &ts, &index));
    if (!hit) continue;
    if (!found || ts > best_ts) {
      found = true;
      best_ts = ts;
      best = Location{seg.get(), nullptr, offset, index};
    }
  }
  if (!found) return absl::NotFoundError("key not found");
  if (best.seg != nullptr) {
    Touch(s.prefetch, *best.seg, best.offset, internal::kEntryHeaderSize,
          /*before_read=*/false);
  }
  ZVERSE_ASSIGN_OR_RETURN(EntryView e, Load(s, best));
  if (e.key != key || e.ts != best_ts) {
    const std::string& file =
        best.seg != nullptr ? best.seg->path() : s.version->mem->log().path;
    return internal::DataLossAt(file, best.seg ? best.offset : best.node->offset,
                                "index points at the wrong entry");
  }
  return e;
}
}  // namespace

absl::StatusOr<Record> Snapshot::GetRecord(std::string_view key) const {
  if (state_ == nullptr) return absl::FailedPreconditionError("empty snapshot");
  ZVERSE_ASSIGN_OR_RETURN(EntryView e, FindEntry(*state_, key));
  return state_->Resolve(e);
}

// ---------------------------------------------------------------------------
// ValueReader

namespace {
// Decompression contexts of finished streams, for the next ones (creating
// one costs tens of µs, as much as reading a small value).
class DCtxPool {
 public:
  static ZSTD_DCtx* Take() {
    {
      std::lock_guard<std::mutex> l(mu());
      if (!pool().empty()) {
        ZSTD_DCtx* d = pool().back();
        pool().pop_back();
        ZSTD_DCtx_reset(d, ZSTD_reset_session_only);
        return d;
      }
    }
    return ZSTD_createDCtx();
  }
  static void Give(ZSTD_DCtx* d) {
    std::lock_guard<std::mutex> l(mu());
    if (pool().size() < 64) {
      pool().push_back(d);
      return;
    }
    ZSTD_freeDCtx(d);
  }

 private:
  static std::mutex& mu() {
    static std::mutex m;
    return m;
  }
  static std::vector<ZSTD_DCtx*>& pool() {
    static auto* p = new std::vector<ZSTD_DCtx*>();
    return *p;
  }
};
}  // namespace

struct ValueReader::State {
  std::shared_ptr<const SnapshotState> pin;  // Keeps the files mapped.
  std::string_view stored;  // Bytes as stored (a zstd frame if compressed).
  uint64_t size = 0;        // Of the value.
  uint64_t in_pos = 0;      // Bytes of `stored` consumed.
  uint64_t out_pos = 0;     // Bytes of the value returned.
  ZSTD_DCtx* zstd = nullptr;
  // Blob records: the checksum, computed as the bytes go by.
  bool check = false;
  uint64_t want_checksum = 0;
  XXH3_state_t* hash = nullptr;
  std::string file;
  uint64_t offset = 0;
  ~State() {
    if (zstd != nullptr) DCtxPool::Give(zstd);
    if (hash != nullptr) XXH3_freeState(hash);
  }
};

ValueReader::ValueReader() = default;
ValueReader::ValueReader(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
ValueReader::ValueReader(ValueReader&&) noexcept = default;
ValueReader& ValueReader::operator=(ValueReader&&) noexcept = default;
ValueReader::~ValueReader() = default;

uint64_t ValueReader::size() const { return state_ ? state_->size : 0; }

absl::StatusOr<size_t> ValueReader::Read(char* buf, size_t n) {
  if (state_ == nullptr) return absl::FailedPreconditionError("empty reader");
  State& st = *state_;
  if (st.out_pos == st.size || n == 0) {
    if (st.out_pos == st.size && st.check && st.in_pos == st.stored.size()) {
      st.check = false;
      if (XXH3_64bits_digest(st.hash) != st.want_checksum) {
        return internal::DataLossAt(st.file, st.offset,
                                    "blob record checksum mismatch");
      }
    }
    return 0;
  }
  const uint64_t in_before = st.in_pos;
  size_t got = 0;
  if (st.zstd == nullptr) {
    got = static_cast<size_t>(std::min<uint64_t>(n, st.size - st.out_pos));
    std::memcpy(buf, st.stored.data() + st.in_pos, got);
    st.in_pos += got;
  } else {
    // Feeds the frame a megabyte at a time, so that the checksum keeps up.
    ZSTD_outBuffer out{buf, n, 0};
    while (out.pos == 0) {
      const uint64_t in_end = std::min<uint64_t>(st.stored.size(),
                                                 st.in_pos + (1 << 20));
      ZSTD_inBuffer in{st.stored.data(), in_end, st.in_pos};
      const size_t r = ZSTD_decompressStream(st.zstd, &out, &in);
      st.in_pos = in.pos;
      if (ZSTD_isError(r)) {
        return internal::DataLossAt(
            st.file, st.offset,
            absl::StrCat("blob record does not decompress: ",
                         ZSTD_getErrorName(r)));
      }
      if (out.pos == 0 && st.in_pos == st.stored.size()) {
        return internal::DataLossAt(st.file, st.offset,
                                    "blob record ends early");
      }
    }
    got = out.pos;
    if (st.out_pos + got > st.size) {
      return internal::DataLossAt(st.file, st.offset,
                                  "blob record decompresses too long");
    }
  }
  if (st.check) {
    XXH3_64bits_update(st.hash, st.stored.data() + in_before,
                       st.in_pos - in_before);
  }
  st.out_pos += got;
  if (st.out_pos == st.size && st.check) {
    // The rest of the frame (its epilogue) counts too.
    XXH3_64bits_update(st.hash, st.stored.data() + st.in_pos,
                       st.stored.size() - st.in_pos);
    st.in_pos = st.stored.size();
    st.check = false;
    if (XXH3_64bits_digest(st.hash) != st.want_checksum) {
      return internal::DataLossAt(st.file, st.offset,
                                  "blob record checksum mismatch");
    }
  }
  return got;
}

absl::StatusOr<ValueReader> Snapshot::OpenValue(std::string_view key) const {
  if (state_ == nullptr) return absl::FailedPreconditionError("empty snapshot");
  ZVERSE_ASSIGN_OR_RETURN(EntryView e, FindEntry(*state_, key));
  if (e.deleted()) return absl::NotFoundError("key not found (deleted)");
  auto st = std::make_unique<ValueReader::State>();
  st->pin = state_;
  if ((e.flags & internal::kEntryOverflow) == 0) {
    st->stored = e.value;  // Inline: its entry's checksum was checked.
    st->size = e.value.size();
    return ValueReader(std::move(st));
  }
  internal::BlobRef ref;
  const LogFile* file = nullptr;
  ZVERSE_ASSIGN_OR_RETURN(internal::BlobView b,
                          state_->Blob(e, &ref, &file, /*verify=*/false));
  st->stored = b.stored;
  st->size = b.raw_length;
  st->file = file->path;
  st->offset = ref.offset;
  st->check = true;
  st->want_checksum =
      internal::LoadU64(b.stored.data() - internal::kBlobHeaderSize);
  st->hash = XXH3_createState();
  XXH3_64bits_reset(st->hash);
  XXH3_64bits_update(st->hash,
                     b.stored.data() - internal::kBlobHeaderSize + 8,
                     internal::kBlobHeaderSize - 8);
  if ((b.flags & internal::kBlobZstd) != 0) {
    st->zstd = DCtxPool::Take();
    if (st->zstd == nullptr) return absl::ResourceExhaustedError("zstd context");
  }
  return ValueReader(std::move(st));
}

absl::StatusOr<std::string_view> Snapshot::Get(std::string_view key) const {
  ZVERSE_ASSIGN_OR_RETURN(Record r, GetRecord(key));
  if (r.deleted) return absl::NotFoundError("key not found (deleted)");
  return r.value;
}

namespace {
// Resolves the hints `ranges` for the snapshot `state` and advises their
// pages (Snapshot::Prefetch, on the caller's thread or a worker's).
PrefetchStats AdviseHints(const SnapshotState* state_,
                          const std::vector<KeyRange>& ranges);
}  // namespace

bool Snapshot::PrefetchesInBackground() const {
  return state_ != nullptr &&
         state_->prefetch->on.load(std::memory_order_relaxed) &&
         state_->prefetch->Background();
}

bool Snapshot::SkipNextHint() const {
  if (state_ == nullptr) return false;
  PrefetchControl& c = *state_->prefetch;
  if (!c.on.load(std::memory_order_relaxed) || !c.SkipHints()) {
    return false;
  }
  c.skipped.fetch_add(1, std::memory_order_relaxed);
  return true;
}

PrefetchStats Snapshot::Prefetch(const std::vector<KeyRange>& ranges) const {
  PrefetchStats stats;
  stats.ranges = ranges.size();
  if (state_ == nullptr || ranges.empty() ||
      !state_->prefetch->on.load(std::memory_order_relaxed)) {
    return stats;
  }
  PrefetchControl& c = *state_->prefetch;
  tls_touches_since_hint = 0;
  std::shared_ptr<HintPool> pool;
  if (c.Background()) pool = c.Pool();
  if (c.SkipHints()) {
    // The last hints found their pages in memory: backing off (on the
    // workers' hints and on the caller's alike).
    stats.skipped = ranges.size();
    c.skipped.fetch_add(stats.skipped, std::memory_order_relaxed);
    return stats;
  }
  if (pool == nullptr) return AdviseHints(state_.get(), ranges);
  // A share for each worker (at least kMinShare ranges), its keys copied.
  constexpr size_t kMinShare = 2;
  const size_t shares = std::clamp<size_t>(ranges.size() / kMinShare, 1,
                                           pool->threads());
  for (size_t k = 0; k < shares; ++k) {
    const size_t lo = ranges.size() * k / shares;
    const size_t hi = ranges.size() * (k + 1) / shares;
    auto keys = std::make_shared<std::vector<std::string>>();
    keys->reserve(2 * (hi - lo));
    for (size_t i = lo; i < hi; ++i) {
      keys->emplace_back(ranges[i].start);
      keys->emplace_back(ranges[i].end);
    }
    const bool queued = pool->Submit([state = state_, keys] {
      std::vector<KeyRange> share(keys->size() / 2);
      for (size_t i = 0; i < share.size(); ++i) {
        share[i] = KeyRange{(*keys)[2 * i], (*keys)[2 * i + 1]};
      }
      AdviseHints(state.get(), share);
    });
    (queued ? stats.queued : stats.dropped) += hi - lo;
  }
  c.queued.fetch_add(stats.queued, std::memory_order_relaxed);
  c.dropped.fetch_add(stats.dropped, std::memory_order_relaxed);
  return stats;
}

namespace {
// Major page faults of the calling thread so far.
uint64_t MajorFaults() {
  struct rusage u;
  if (::getrusage(RUSAGE_THREAD, &u) != 0) return 0;
  return static_cast<uint64_t>(u.ru_majflt);
}

PrefetchStats AdviseHints(const SnapshotState* state_,
                          const std::vector<KeyRange>& ranges) {
  PrefetchStats stats;
  stats.ranges = ranges.size();
  const uint64_t faults_before = MajorFaults();
  struct Extent {
    size_t segment;  // Index into version->segments.
    uint64_t begin, end;
  };
  std::vector<Extent> extents;
  // One key ([k, k + '\0')): only the version a read will take, the newest
  // as of the snapshot in any segment, not every segment's.
  struct Newest {
    bool found = false;
    bool in_memory = false;  // The unsealed log holds it: no pages to read.
    Timestamp ts = 0;
    Extent extent{};
  };
  std::vector<Newest> newest(ranges.size());
  const auto is_one_key = [](const KeyRange& r) {
    return r.end.size() == r.start.size() + 1 && r.end.back() == '\0' &&
           r.end.substr(0, r.start.size()) == r.start;
  };
  const MemTable& mem = *state_->version->mem;
  for (size_t ri = 0; ri < ranges.size() && mem.Count() > 0; ++ri) {
    const KeyRange& r = ranges[ri];
    if (!is_one_key(r) || !mem.MayContain(internal::KeyHash(r.start))) continue;
    if (const MemTable::Node* node =
            mem.Get(r.start, state_->as_of, state_->max_seq)) {
      newest[ri] = Newest{true, true, node->ts, Extent{}};
    }
  }
  const auto& segments = state_->version->segments;
  for (size_t k = 0; k < segments.size(); ++k) {
    const Segment& seg = *segments[k];
    if (seg.min_ts() > state_->as_of || !seg.EnsureIndex().ok()) continue;
    ApplyAccessAdvice(state_->prefetch, seg);
    const size_t n = seg.entry_count();
    for (size_t ri = 0; ri < ranges.size(); ++ri) {
      const KeyRange& r = ranges[ri];
      if (is_one_key(r)) {
        // The hash table finds its version without the directory's binary
        // search. (Segments come newest first: a tie keeps the first, as
        // a read does.)
        if (newest[ri].found && seg.max_ts() <= newest[ri].ts) continue;
        bool found = false;
        uint64_t off = 0, ts = 0;
        if (seg.Lookup(r.start, internal::KeyHash(r.start), state_->as_of,
                       &found, &off, &ts)
                .ok() &&
            found && (!newest[ri].found || ts > newest[ri].ts)) {
          newest[ri] = Newest{
              true, false, ts, Extent{k, off, off + internal::kEntryHeaderSize}};
        }
        continue;
      }
      // Both ends by seeks, so that only the directory is read in between:
      // the entries' own pages are what is to be advised, not read here.
      size_t i = seg.LowerBound(r.start);
      const size_t stop = std::min(
          r.end.empty() ? n : std::max(i, seg.LowerBound(r.end)),
          i + Snapshot::kMaxPrefetchVersions);
      uint64_t lo = UINT64_MAX, hi = 0;
      for (; i < stop; ++i) {
        const uint64_t off = seg.DirOffset(i);
        lo = std::min(lo, off);
        // Entries are at least a header long; the page holding the header
        // holds the key, and short values with it.
        hi = std::max(hi, off + internal::kEntryHeaderSize);
      }
      if (lo < hi) extents.push_back(Extent{k, lo, hi});
    }
  }
  for (const Newest& x : newest) {
    if (x.found && !x.in_memory) extents.push_back(x.extent);
  }
  // Physical order; then merge what shares or touches a page.
  constexpr uint64_t kPage = 4096;
  PrefetchControl& c = *state_->prefetch;
  const bool adaptive = c.adaptive.load(std::memory_order_relaxed);
  const bool tracked = adaptive || c.track.load(std::memory_order_relaxed);
  uint64_t resident_extents = 0, missing_extents = 0;
  std::sort(extents.begin(), extents.end(), [](const Extent& a, const Extent& b) {
    return a.segment != b.segment ? a.segment < b.segment : a.begin < b.begin;
  });
  for (size_t i = 0; i < extents.size();) {
    const Extent& first = extents[i];
    uint64_t begin = first.begin & ~(kPage - 1);
    uint64_t end = first.end;
    size_t j = i + 1;
    while (j < extents.size() && extents[j].segment == first.segment &&
           (extents[j].begin & ~(kPage - 1)) <= end) {
      end = std::max(end, extents[j].end);
      ++j;
    }
    end = (end + kPage - 1) & ~(kPage - 1);
    const Segment& seg = *segments[first.segment];
    if (end > begin) {
      // The adaptive prefetcher advises only what is not in memory; without
      // it everything is advised, and what was in memory only feeds the
      // back-off.
      size_t missing_from = 0, missing_to = 0;
      const int64_t missing =
          seg.Missing(begin, end - begin, &missing_from, &missing_to);
      if (missing == 0) {
        ++resident_extents;
        if (adaptive) begin = end;
      } else if (missing > 0) {
        ++missing_extents;
        if (adaptive) {
          begin = missing_from & ~(kPage - 1);
          end = missing_to;
        }
      }
    }
    if (tracked && end > begin) {
      // The locality manager counts these pages for the accuracy, and the
      // pages it (or an earlier hint) advised already are not advised again.
      const internal::LocalityManager::Range r =
          c.locality->Claim(seg.LocalityId(c.locality), begin, end - begin);
      begin = r.offset;
      end = r.offset + r.length;
    }
    if (end > begin) {
      seg.WillNeed(begin, end - begin);
      ++stats.extents;
      stats.bytes += end - begin;
    }
    i = j;
  }
  if (resident_extents + missing_extents > 0) {
    // Resolving a hint reads the pages at its ranges' ends: when that took
    // the disk, the hints are doing their work even if what is left to
    // advise is in memory by now.
    c.HintFeedback(missing_extents == 0 && MajorFaults() == faults_before);
  }
  c.calls.fetch_add(1, std::memory_order_relaxed);
  c.ranges.fetch_add(stats.ranges, std::memory_order_relaxed);
  c.bytes.fetch_add(stats.bytes, std::memory_order_relaxed);
  return stats;
}
}  // namespace

absl::Status Snapshot::Scan(std::string_view start, std::string_view end,
                            absl::FunctionRef<bool(const Record&)> fn) const {
  if (state_ == nullptr) return absl::FailedPreconditionError("empty snapshot");
  const SnapshotState& s = *state_;
  std::vector<SourceCursor> cursors;
  cursors.reserve(s.version->segments.size() + 1);
  cursors.emplace_back(&s, s.version->mem.get(), 0, start);
  int rank = 1;
  {
    // The cursors' seeks (directory binary searches) are the scan's first
    // touches; the rest is sampled page by page (Touch).
    SampledRead sampled(s.prefetch);
    for (const auto& seg : s.version->segments) {
      if (seg->entry_count() == 0 || seg->min_ts() > s.as_of) continue;
      ZVERSE_RETURN_IF_ERROR(seg->EnsureIndex());
      cursors.emplace_back(&s, seg.get(), rank++, start, end);
    }
  }
  // Drops exhausted cursors; the first damage any of them hit ends the scan.
  auto prune = [&cursors]() -> absl::Status {
    for (const SourceCursor& c : cursors) ZVERSE_RETURN_IF_ERROR(c.status());
    std::erase_if(cursors, [](const SourceCursor& c) { return !c.valid(); });
    return absl::OkStatus();
  };
  ZVERSE_RETURN_IF_ERROR(prune());
  for (;;) {
    if (cursors.size() == 1) {
      // One source left: no merging.
      SourceCursor& c = cursors.front();
      for (; c.valid(); c.NextKey()) {
        if (!end.empty() && c.key() >= end) return absl::OkStatus();
        if (!c.entry().deleted()) {
          ZVERSE_ASSIGN_OR_RETURN(Record r, s.Resolve(c.entry()));
          if (!fn(r)) return absl::OkStatus();
        }
      }
      return c.status();
    }
    if (cursors.empty()) return absl::OkStatus();
    // The smallest key among the sources; for it, the newest version
    // (ties: the newer source, which has the lower rank).
    SourceCursor* best = &cursors.front();
    for (SourceCursor& c : cursors) {
      const int cmp = c.key().compare(best->key());
      if (cmp < 0 || (cmp == 0 && (c.ts() > best->ts() ||
                                   (c.ts() == best->ts() &&
                                    c.rank() < best->rank())))) {
        best = &c;
      }
    }
    if (!end.empty() && best->key() >= end) return absl::OkStatus();
    if (!best->entry().deleted()) {
      ZVERSE_ASSIGN_OR_RETURN(Record r, s.Resolve(best->entry()));
      if (!fn(r)) return absl::OkStatus();
    }
    // Keys are views into immutable memory (mapping or memtable arena), so
    // this one stays valid while the cursors move.
    const std::string_view key = best->key();
    for (SourceCursor& c : cursors) {
      if (c.key() == key) c.NextKey();
    }
    ZVERSE_RETURN_IF_ERROR(prune());
  }
}

absl::Status Snapshot::History(
    std::string_view key, absl::FunctionRef<bool(const Record&)> fn) const {
  if (state_ == nullptr) return absl::FailedPreconditionError("empty snapshot");
  const SnapshotState& s = *state_;
  struct Version_ {
    Timestamp ts;
    int rank;
    Location loc;
  };
  std::vector<Version_> versions;
  for (const MemTable::Node* n = s.version->mem->SeekKey(key);
       n != nullptr && n->user_key() == key; n = MemTable::Next(n)) {
    if (s.MemVisible(n)) versions.push_back({n->ts, 0, Location{nullptr, n, 0}});
  }
  int rank = 1;
  for (const auto& seg : s.version->segments) {
    ++rank;
    if (seg->min_ts() > s.as_of) continue;
    ZVERSE_RETURN_IF_ERROR(seg->EnsureIndex());
    size_t begin, end;
    bool hit;
    ZVERSE_RETURN_IF_ERROR(seg->FindKey(key, &hit, &begin, &end));
    if (!hit) continue;
    for (size_t i = begin; i < end; ++i) {
      if (seg->DirTs(i) <= s.as_of) {
        versions.push_back(
            {seg->DirTs(i), rank, Location{seg.get(), nullptr, seg->DirOffset(i), i}});
      }
    }
  }
  std::stable_sort(versions.begin(), versions.end(),
                   [](const Version_& a, const Version_& b) {
                     if (a.ts != b.ts) return a.ts > b.ts;
                     return a.rank < b.rank;
                   });
  for (size_t i = 0; i < versions.size(); ++i) {
    if (i > 0 && versions[i].ts == versions[i - 1].ts) continue;
    ZVERSE_ASSIGN_OR_RETURN(EntryView e, Load(s, versions[i].loc));
    ZVERSE_ASSIGN_OR_RETURN(Record r, s.Resolve(e));
    if (!fn(r)) break;
  }
  return absl::OkStatus();
}

absl::Status Snapshot::Changes(
    Timestamp t1, Timestamp t2,
    absl::FunctionRef<bool(const Record&)> fn) const {
  if (state_ == nullptr) return absl::FailedPreconditionError("empty snapshot");
  const SnapshotState& s = *state_;
  const Timestamp hi = std::min(t2, s.as_of);
  if (hi <= t1) return absl::OkStatus();
  struct Change {
    Timestamp ts;
    std::string_view key;
    int rank;
    Location loc;
  };
  std::vector<Change> changes;
  for (const MemTable::Node* n = s.version->mem->First(); n != nullptr;
       n = MemTable::Next(n)) {
    if (n->ts > t1 && n->ts <= hi && n->seq <= s.max_seq) {
      changes.push_back({n->ts, n->user_key(), 0, Location{nullptr, n, 0}});
    }
  }
  int rank = 0;
  for (const auto& seg : s.version->segments) {
    ++rank;
    if (seg->max_ts() <= t1 || seg->min_ts() > hi) continue;
    ZVERSE_RETURN_IF_ERROR(seg->EnsureIndex());
    for (size_t i = 0; i < seg->entry_count(); ++i) {
      const Timestamp ts = seg->DirTs(i);
      if (ts > t1 && ts <= hi) {
        // Ordered by key below, so the key must be checked now.
        ZVERSE_ASSIGN_OR_RETURN(EntryView e, seg->EntryAt(i, seg->DirOffset(i)));
        changes.push_back(
            {ts, e.key, rank, Location{seg.get(), nullptr, seg->DirOffset(i), i}});
      }
    }
  }
  std::sort(changes.begin(), changes.end(), [](const Change& a, const Change& b) {
    if (a.ts != b.ts) return a.ts < b.ts;
    const int c = a.key.compare(b.key);
    if (c != 0) return c < 0;
    if (a.rank != b.rank) return a.rank < b.rank;
    // Within the memtable, equal (key, ts): the newest commit first.
    return a.loc.node != nullptr && b.loc.node != nullptr &&
           a.loc.node->seq > b.loc.node->seq;
  });
  for (size_t i = 0; i < changes.size(); ++i) {
    if (i > 0 && changes[i].ts == changes[i - 1].ts &&
        changes[i].key == changes[i - 1].key) {
      continue;
    }
    ZVERSE_ASSIGN_OR_RETURN(EntryView e, Load(s, changes[i].loc));
    ZVERSE_ASSIGN_OR_RETURN(Record r, s.Resolve(e));
    if (!fn(r)) break;
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// DB

DB::DB(std::unique_ptr<DBImpl> impl) : impl_(std::move(impl)) {}
DB::~DB() = default;

absl::StatusOr<std::unique_ptr<DB>> DB::Open(const std::string& path,
                                             const Options& options) {
  if (path.empty()) return absl::InvalidArgumentError("empty database path");
  auto impl = std::make_unique<DBImpl>(path, options);
  ZVERSE_RETURN_IF_ERROR(impl->Open());
  return std::unique_ptr<DB>(new DB(std::move(impl)));
}

absl::Status DB::Close() { return impl_->Close(); }

absl::StatusOr<Timestamp> DB::Put(std::string_view key, std::string_view value,
                                  const WriteOptions& options) {
  const OpRef op{key, value, false};
  return impl_->Commit(&op, 1, options.ts);
}

absl::StatusOr<Timestamp> DB::Delete(std::string_view key,
                                     const WriteOptions& options) {
  const OpRef op{key, {}, true};
  return impl_->Commit(&op, 1, options.ts);
}

absl::StatusOr<Timestamp> DB::Write(const WriteBatch& batch,
                                    const WriteOptions& options) {
  std::vector<OpRef> ops = OpRefs(batch);
  if (ops.empty()) return absl::InvalidArgumentError("empty write batch");
  return impl_->Commit(ops.data(), ops.size(), options.ts);
}

absl::StatusOr<Timestamp> DB::Ingest(const WriteBatch& batch,
                                     const WriteOptions& options) {
  return impl_->Ingest(batch, nullptr, options.ts);
}

absl::StatusOr<Timestamp> DB::Ingest(WriteBatch&& batch,
                                     const WriteOptions& options) {
  absl::StatusOr<Timestamp> ts = impl_->Ingest(batch, &batch, options.ts);
  batch = WriteBatch();
  return ts;
}

absl::StatusOr<Transaction> DB::BeginTransaction() {
  return impl_->BeginTransaction();
}

absl::StatusOr<Snapshot> DB::GetSnapshot(Timestamp as_of) const {
  return impl_->GetSnapshot(as_of);
}

absl::StatusOr<std::string> DB::Get(std::string_view key,
                                    Timestamp as_of) const {
  ZVERSE_ASSIGN_OR_RETURN(Snapshot snap, GetSnapshot(as_of));
  ZVERSE_ASSIGN_OR_RETURN(std::string_view v, snap.Get(key));
  return std::string(v);
}

absl::StatusOr<std::vector<Entry>> DB::History(std::string_view key) const {
  ZVERSE_ASSIGN_OR_RETURN(Snapshot snap, GetSnapshot(kLatest));
  std::vector<Entry> out;
  ZVERSE_RETURN_IF_ERROR(snap.History(key, [&](const Record& r) {
    out.push_back(ToEntry(r));
    return true;
  }));
  return out;
}

absl::StatusOr<std::vector<Entry>> DB::Scan(std::string_view start,
                                            std::string_view end,
                                            Timestamp as_of) const {
  ZVERSE_ASSIGN_OR_RETURN(Snapshot snap, GetSnapshot(as_of));
  std::vector<Entry> out;
  ZVERSE_RETURN_IF_ERROR(snap.Scan(start, end, [&](const Record& r) {
    out.push_back(ToEntry(r));
    return true;
  }));
  return out;
}

absl::StatusOr<std::vector<Entry>> DB::Changes(Timestamp t1,
                                               Timestamp t2) const {
  ZVERSE_ASSIGN_OR_RETURN(Snapshot snap, GetSnapshot(kLatest));
  std::vector<Entry> out;
  ZVERSE_RETURN_IF_ERROR(snap.Changes(t1, t2, [&](const Record& r) {
    out.push_back(ToEntry(r));
    return true;
  }));
  return out;
}

absl::Status DB::Seal() { return impl_->Seal(); }
absl::Status DB::Compact() { return impl_->Compact({}).status(); }
absl::StatusOr<CompactStats> DB::Compact(const CompactOptions& options) {
  return impl_->Compact(options);
}
absl::Status DB::Sync() { return impl_->Sync(); }
Stats DB::GetStats() const { return impl_->GetStats(); }
absl::Status DB::DropCaches() { return impl_->DropCaches(); }

void DB::SetAdaptivePrefetch(bool on) {
  impl_->prefetch_->adaptive.store(on, std::memory_order_relaxed);
}
void DB::WaitForHints() {
  std::shared_ptr<HintPool> pool;
  {
    std::lock_guard<std::mutex> l(impl_->prefetch_->pool_mu);
    pool = impl_->prefetch_->pool;
  }
  if (pool != nullptr) pool->Wait();
}

void DB::SetLocalityStats(bool on) {
  impl_->prefetch_->track.store(on, std::memory_order_relaxed);
}

void DB::SetPrefetchHints(bool on) {
  impl_->prefetch_->on.store(on, std::memory_order_relaxed);
}
absl::Status DB::Verify() const { return impl_->Verify(); }
absl::StatusOr<VerifyReport> DB::VerifyAll() const {
  return impl_->VerifyAll();
}
const std::string& DB::path() const { return impl_->path(); }

std::string Stats::ToString() const {
  return absl::StrCat(
      "segments ", segments, "\nkey_major_segments ", key_major_segments,
      "\nsegment_bytes ", segment_bytes,
      "\nlog_files ", log_files, "\nlog_bytes ", log_bytes, "\nentries ",
      entries, "\nmemtable_entries ", memtable_entries, "\nmemtable_bytes ",
      memtable_bytes, "\nindex_bytes ", index_bytes, "\nblob_files ",
      blob_files, "\nblob_bytes ", blob_bytes, "\ncommits ", commits,
      "\nsyncs ", syncs, "\nrecovered_dropped_bytes ", recovered_dropped_bytes,
      "\nprefetch_calls ", prefetch_calls, "\nprefetch_ranges ",
      prefetch_ranges, "\nprefetch_bytes ", prefetch_bytes,
      "\nprefetch_queued ", prefetch_queued, "\nprefetch_dropped ",
      prefetch_dropped, "\nprefetch_skipped ", prefetch_skipped,
      "\ncompactions ", compactions, "\nbackground_compactions ",
      background_compactions, "\ncompaction_cpu_micros ",
      compaction_cpu_micros, "\ncompaction_errors ", compaction_errors,
      "\nversions_dropped ", versions_dropped, "\ntransactions ",
      transactions, "\ntransaction_aborts ", transaction_aborts,
      "\nlocality_records ", locality_records, "\nadaptive_predictions ",
      adaptive_predictions, "\nadaptive_prefetch_bytes ",
      adaptive_prefetch_bytes, "\nadaptive_hits ", adaptive_hits,
      "\nadaptive_sequential ", adaptive_sequential, "\nadaptive_frontier ",
      adaptive_frontier, "\nadaptive_suppressed ", adaptive_suppressed, "\nsequential_advice ",
      sequential_advice, "\ncold_advised_bytes ", cold_advised_bytes,
      "\nprefetched_pages ", prefetched_pages, "\nprefetch_used_pages ",
      prefetch_used_pages, "\nprefetch_expired_pages ",
      prefetch_expired_pages, "\nresident_samples ", resident_samples,
      "\nresident_hits ", resident_hits, "\nlocality_nanos ", locality_nanos,
      "\nmin_ts ", min_ts,
      "\nmax_ts ", max_ts, "\n");
}

}  // namespace zverse::kv
