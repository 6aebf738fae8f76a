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
    uint64_t min_window = 16 * 4096;     // First prediction's length.
    uint64_t max_window = 1024 * 4096;   // Largest prediction (4 MiB).
    uint64_t max_frontier_gap = 256 * 4096;  // Larger gaps are not a frontier.
    uint32_t decay_every = 1 << 16;  // Heat halves after this many records
                                     // (rounded up to a power of two).
  };

  struct Range {
    uint64_t offset = 0;
    uint64_t length = 0;
    bool empty() const { return length == 0; }
  };

  enum class Pattern { kNone, kSequential, kFrontier };

  struct Prediction {
    Range range;
    Pattern pattern = Pattern::kNone;
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
  // when no pattern holds).
  Prediction Record(uint32_t file, uint64_t offset, uint64_t length);

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

  std::atomic<uint64_t> records_{0}, predictions_{0},
      predicted_bytes_{0}, hits_{0}, sequential_{0}, frontier_{0};
};

}  // namespace zverse::kv::internal

#endif  // ZVERSE_KV_INTERNAL_LOCALITY_H_
