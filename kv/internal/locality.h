// The locality manager: what readers touched recently in each mapped file,
// and what they will touch next.
//
// It keeps a ring buffer of recent accesses (file, offset, length), a heat
// counter per region of each file (decayed by halving), and per file the
// pattern of its latest accesses: a sequential scan (each access starts where
// the last ended, give or take a page) or a traversal frontier (offsets that
// ascend with gaps, as the executor visits a frontier in physical order).
// From a pattern it predicts the range that comes next, with a window that
// doubles while its predictions are hit and falls back when they are not.
// The adaptive prefetcher turns predictions into madvise calls; this class
// decides nothing about the operating system.
//
// Thread safety: every method may be called from any thread. Record takes
// no lock: the access pattern is followed per thread (a thread's scan is
// its own), heat is counted with relaxed, possibly lossy, increments, and
// the ring keeps one access in `ring_sample`.

#ifndef ZVERSE_KV_INTERNAL_LOCALITY_H_
#define ZVERSE_KV_INTERNAL_LOCALITY_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace zverse::kv::internal {

class LocalityManager {
 public:
  struct Config {
    size_t ring_entries = 4096;     // Rounded up to a power of two.
    uint32_t ring_sample = 16;      // One access in this many goes to the
                                    // ring (rounded up to a power of two).
    uint32_t region_shift = 18;     // Heat regions of 256 KiB.
    uint32_t page_size = 4096;
    uint32_t min_run = 3;           // Accesses in a pattern before it counts.
    uint64_t min_window = 16 * 4096;     // Largest first window of a scan
                                         // (a scan of n pages is first
                                         // predicted n pages ahead).
    uint64_t max_window = 1024 * 4096;   // Largest prediction (4 MiB).
    uint64_t max_frontier_gap = 256 * 4096;  // Larger gaps are not a frontier.
    uint64_t max_predicted_gap = 4 * 4096;   // Frontiers with larger mean
                                             // gaps are not predicted (too
                                             // sparse to guess: the
                                             // executor's hints name them).
    uint32_t frontier_gaps_ahead = 8;        // A frontier's window: this
                                             // many mean gaps and runs.
    uint32_t decay_every = 1 << 16;  // Heat halves after this many records
                                     // (rounded up to a power of two); the
                                     // advice window turns over with it.
    uint32_t long_scan_run = 64;     // Sequential accesses before a scan
                                     // counts as long (MADV_SEQUENTIAL).
    uint32_t max_backoff = 64;       // Predictions skipped, at most, after
                                     // predictions found resident.
    size_t max_cold_pending = 64;    // Cooled ranges kept per file.
  };

  struct Range {
    uint64_t offset = 0;
    uint64_t length = 0;
    bool empty() const { return length == 0; }
  };

  enum class Pattern { kNone, kSequential, kFrontier };

  struct Prediction {
    Range range;                 // To read ahead (MADV_WILLNEED).
    Pattern pattern = Pattern::kNone;
    Range sequential;            // A long scan's rest of the file
                                 // (MADV_SEQUENTIAL), once per scan,
    Range normal;                // and back to normal when it ends.
  };

  struct Access {
    uint32_t file = 0;
    uint64_t offset = 0;
    uint64_t length = 0;
  };

  struct Counters {
    uint64_t records = 0;
    uint64_t predictions = 0;
    uint64_t predicted_bytes = 0;
    uint64_t hits = 0;            // Accesses inside the file's last prediction.
    uint64_t sequential = 0;      // Predictions per pattern.
    uint64_t frontier = 0;
    uint64_t suppressed = 0;      // Predictions skipped by the back-off.
    uint64_t long_scans = 0;      // Sequential advice given.
    uint64_t advised_pages = 0;   // Pages claimed (see Claim),
    uint64_t used_pages = 0;      // of them touched within the window,
    uint64_t expired_pages = 0;   // and not.
    uint64_t cooled_bytes = 0;    // Handed out by TakeCold.
  };

  LocalityManager();
  explicit LocalityManager(const Config& config);
  LocalityManager(const LocalityManager&) = delete;
  LocalityManager& operator=(const LocalityManager&) = delete;
  ~LocalityManager();

  // Starts tracking a file of `size` bytes; returns its id (ids are reused
  // after Unregister).
  uint32_t Register(uint64_t size);
  void Unregister(uint32_t file);

  // Records an access and returns what should be read next (an empty range
  // when no pattern holds, or when `predict` is false: statistics only).
  // Pages of the access that were claimed count as used.
  Prediction Record(uint32_t file, uint64_t offset, uint64_t length,
                    bool predict = true);

  // Claims the pages of [offset, offset + length) that are about to be
  // advised, for the accuracy count: each page counts once until it is
  // touched (used) or its window passes (expired). Returns the part from
  // the first to the last page not claimed already (empty: all were), which
  // is what is worth advising.
  Range Claim(uint32_t file, uint64_t offset, uint64_t length);
  // Every claim pending in every file expires now (the caller dropped the
  // pages from memory).
  void ExpireClaims();

  // What the caller found when it checked the pages of the last prediction
  // this thread got for `file`: all resident (nothing to read ahead: the
  // thread skips its next predictions, twice as many each time, up to
  // max_backoff) or not (the back-off ends).
  void Feedback(uint32_t file, bool all_resident);

  // Regions of `file` that went cold (their heat decayed to 0) since the
  // last call, merged into ranges; the caller may tell the OS (MADV_COLD).
  bool HasCold(uint32_t file) const;
  std::vector<Range> TakeCold(uint32_t file);

  // The heat of the region holding `offset`.
  uint32_t Heat(uint32_t file, uint64_t offset) const;
  // Maximal runs of regions whose heat is at least `min_heat` (hot) or at
  // most `max_heat` (cold), in file order.
  std::vector<Range> HotRanges(uint32_t file, uint32_t min_heat) const;
  std::vector<Range> ColdRanges(uint32_t file, uint32_t max_heat) const;

  // Up to `n` most recent accesses in the ring, newest first.
  std::vector<Access> Recent(size_t n) const;

  Counters counters() const;
  const Config& config() const { return config_; }

 private:
  struct FileState;
  FileState* state(uint32_t file) const;
  void Decay();

  const Config config_;
  const uint64_t id_;  // Unique per manager (thread-local state is keyed by it).
  const uint64_t decay_mask_;
  const uint64_t ring_sample_mask_;
  const uint32_t page_shift_;
  mutable std::mutex files_mu_;  // Register/Unregister only.
  // Stable addresses: a file's state lives until the manager does (its
  // slot is reset on reuse).
  std::vector<std::unique_ptr<FileState>> files_;
  std::vector<uint32_t> free_ids_;
  std::atomic<size_t> file_count_{0};
  std::unique_ptr<FileState*[]> file_table_;  // Fixed capacity, by id.
  static constexpr size_t kMaxFiles = 1 << 16;

  std::unique_ptr<std::atomic<uint64_t>[]> ring_;  // Packed accesses.
  std::unique_ptr<std::atomic<uint64_t>[]> ring_len_;
  size_t ring_mask_ = 0;
  std::atomic<uint64_t> ring_next_{0};

  void ExpireLocked(FileState* f);  // With files_mu_ held.

  std::atomic<uint64_t> records_{0}, predictions_{0},
      predicted_bytes_{0}, hits_{0}, sequential_{0}, frontier_{0},
      suppressed_{0}, long_scans_{0}, advised_pages_{0}, used_pages_{0},
      expired_pages_{0}, cooled_bytes_{0};
};

}  // namespace zverse::kv::internal

#endif  // ZVERSE_KV_INTERNAL_LOCALITY_H_
