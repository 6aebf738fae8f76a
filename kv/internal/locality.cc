#include "kv/internal/locality.h"

#include <algorithm>
#include <bit>

namespace zverse::kv::internal {

struct LocalityManager::FileState {
  std::mutex mu;  // Register/Unregister; the cold list.
  std::atomic<bool> live{false};
  std::atomic<uint32_t> generation{0};  // Bumped when the id is reused.
  uint64_t size = 0;
  size_t regions = 0;
  uint64_t pages = 0;
  size_t words = 0;  // Of each claim bitmap (one bit a page).
  std::unique_ptr<std::atomic<uint32_t>[]> heat;
  // Pages claimed in this window and in the last one.
  std::unique_ptr<std::atomic<uint64_t>[]> claimed, claimed_old;
  std::atomic<bool> has_cold{false};
  std::vector<Range> cold;  // Guarded by mu.

  void Reset(uint64_t new_size, uint32_t region_shift, uint32_t page_shift) {
    size = new_size;
    regions = static_cast<size_t>((new_size >> region_shift) + 1);
    heat.reset(new std::atomic<uint32_t>[regions]());
    pages = (new_size >> page_shift) + 1;
    words = static_cast<size_t>((pages + 63) / 64);
    claimed.reset(new std::atomic<uint64_t>[words]());
    claimed_old.reset(new std::atomic<uint64_t>[words]());
    has_cold.store(false, std::memory_order_relaxed);
    cold.clear();
    generation.fetch_add(1, std::memory_order_relaxed);
    live.store(true, std::memory_order_release);
  }
};

namespace {

// The pattern of one thread's latest accesses to one file.
struct ThreadPattern {
  uint64_t manager = 0;
  uint32_t file = UINT32_MAX;
  uint32_t generation = 0;
  bool has_last = false;
  uint64_t last_offset = 0;
  uint64_t last_end = 0;
  uint32_t seq_run = 0;   // Accesses that began where the previous ended.
  uint32_t asc_run = 0;   // Accesses that ascended with a gap.
  uint64_t gap_sum = 0;   // Of the gaps in the ascending run.
  uint64_t window = 0;    // Length of the next prediction.
  uint64_t predicted_offset = 0;  // The last prediction.
  uint64_t predicted_length = 0;
  uint32_t backoff = 0;   // Predictions to skip after the next resident one,
  uint32_t skip = 0;      // and left to skip now.
  bool long_scan = false; // MADV_SEQUENTIAL given from long_from on.
  uint64_t long_from = 0;
};

constexpr size_t kThreadSlots = 8;
thread_local ThreadPattern tls_patterns[kThreadSlots];

std::atomic<uint64_t> next_manager_id{1};

}  // namespace

LocalityManager::LocalityManager() : LocalityManager(Config{}) {}

LocalityManager::LocalityManager(const Config& config)
    : config_(config),
      id_(next_manager_id.fetch_add(1, std::memory_order_relaxed)),
      decay_mask_(std::bit_ceil(std::max<uint64_t>(config.decay_every, 2)) - 1),
      ring_sample_mask_(
          std::bit_ceil(std::max<uint64_t>(config.ring_sample, 1)) - 1),
      page_shift_(static_cast<uint32_t>(std::countr_zero(
          std::bit_ceil(std::max<uint32_t>(config.page_size, 512))))),
      file_table_(new FileState*[kMaxFiles]()) {
  const size_t n = std::bit_ceil(std::max<size_t>(config_.ring_entries, 2));
  ring_mask_ = n - 1;
  ring_.reset(new std::atomic<uint64_t>[n]());
  ring_len_.reset(new std::atomic<uint64_t>[n]());
}

LocalityManager::~LocalityManager() = default;

uint32_t LocalityManager::Register(uint64_t size) {
  std::lock_guard<std::mutex> l(files_mu_);
  uint32_t id;
  if (!free_ids_.empty()) {
    id = free_ids_.back();
    free_ids_.pop_back();
  } else {
    id = static_cast<uint32_t>(files_.size());
    if (id >= kMaxFiles) return kMaxFiles - 1;  // Shared by the overflow.
    files_.push_back(std::make_unique<FileState>());
    file_table_[id] = files_.back().get();
  }
  FileState* f = files_[id].get();
  std::lock_guard<std::mutex> fl(f->mu);
  f->Reset(size, config_.region_shift, page_shift_);
  file_count_.fetch_add(1, std::memory_order_relaxed);
  return id;
}

void LocalityManager::Unregister(uint32_t file) {
  std::lock_guard<std::mutex> l(files_mu_);
  if (file >= files_.size() || !files_[file]->live) return;
  files_[file]->live.store(false, std::memory_order_release);
  ExpireLocked(files_[file].get());
  free_ids_.push_back(file);
  file_count_.fetch_sub(1, std::memory_order_relaxed);
}

LocalityManager::FileState* LocalityManager::state(uint32_t file) const {
  if (file >= kMaxFiles) return nullptr;
  return file_table_[file];
}

void LocalityManager::Decay() {
  std::lock_guard<std::mutex> l(files_mu_);
  for (const auto& f : files_) {
    if (f->heat == nullptr || !f->live.load(std::memory_order_relaxed)) continue;
    // Regions whose heat reaches 0 now went cold: merged into ranges.
    std::vector<Range> cooled;
    for (size_t i = 0; i < f->regions; ++i) {
      const uint32_t h = f->heat[i].load(std::memory_order_relaxed);
      f->heat[i].store(h / 2, std::memory_order_relaxed);
      if (h != 1) continue;
      const uint64_t begin = uint64_t{i} << config_.region_shift;
      const uint64_t end =
          std::min<uint64_t>(uint64_t{i + 1} << config_.region_shift, f->size);
      if (end <= begin) continue;
      if (!cooled.empty() && cooled.back().offset + cooled.back().length == begin) {
        cooled.back().length += end - begin;
      } else {
        cooled.push_back({begin, end - begin});
      }
    }
    // The advice window turns over: claims of the last window that were not
    // touched expire.
    uint64_t expired = 0;
    for (size_t w = 0; w < f->words; ++w) {
      const uint64_t cur = f->claimed[w].exchange(0, std::memory_order_relaxed);
      expired += static_cast<uint64_t>(std::popcount(
          f->claimed_old[w].exchange(cur, std::memory_order_relaxed)));
    }
    expired_pages_.fetch_add(expired, std::memory_order_relaxed);
    if (!cooled.empty()) {
      std::lock_guard<std::mutex> fl(f->mu);
      for (const Range& r : cooled) {
        if (f->cold.size() >= config_.max_cold_pending) break;
        f->cold.push_back(r);
      }
      f->has_cold.store(true, std::memory_order_release);
    }
  }
}

void LocalityManager::ExpireLocked(FileState* f) {
  uint64_t expired = 0;
  for (size_t w = 0; w < f->words; ++w) {
    expired += static_cast<uint64_t>(
        std::popcount(f->claimed[w].exchange(0, std::memory_order_relaxed)) +
        std::popcount(f->claimed_old[w].exchange(0, std::memory_order_relaxed)));
  }
  expired_pages_.fetch_add(expired, std::memory_order_relaxed);
}

void LocalityManager::ExpireClaims() {
  std::lock_guard<std::mutex> l(files_mu_);
  for (const auto& f : files_) {
    if (f->live.load(std::memory_order_relaxed)) ExpireLocked(f.get());
  }
}

LocalityManager::Range LocalityManager::Claim(uint32_t file, uint64_t offset,
                                              uint64_t length) {
  FileState* f = state(file);
  if (f == nullptr || !f->live.load(std::memory_order_acquire) || length == 0 ||
      offset >= f->size) {
    return {};
  }
  length = std::min(length, f->size - offset);
  const uint64_t p0 = offset >> page_shift_;
  const uint64_t p1 = (offset + length - 1) >> page_shift_;
  uint64_t claimed = 0, first = UINT64_MAX, last = 0;
  for (uint64_t w = p0 >> 6; w <= (p1 >> 6) && w < f->words; ++w) {
    uint64_t mask = ~uint64_t{0};
    if (w == (p0 >> 6)) mask &= ~uint64_t{0} << (p0 & 63);
    if (w == (p1 >> 6)) mask &= ~uint64_t{0} >> (63 - (p1 & 63));
    mask &= ~f->claimed_old[w].load(std::memory_order_relaxed);
    if (mask == 0) continue;
    const uint64_t fresh =
        mask & ~f->claimed[w].fetch_or(mask, std::memory_order_relaxed);
    if (fresh == 0) continue;
    claimed += static_cast<uint64_t>(std::popcount(fresh));
    first = std::min<uint64_t>(first, w * 64 + std::countr_zero(fresh));
    last = w * 64 + 63 - std::countl_zero(fresh);
  }
  if (claimed == 0) return {};
  advised_pages_.fetch_add(claimed, std::memory_order_relaxed);
  const uint64_t begin = std::max(offset, first << page_shift_);
  const uint64_t end = std::min(offset + length, (last + 1) << page_shift_);
  return Range{begin, end - begin};
}

void LocalityManager::Feedback(uint32_t file, bool all_resident) {
  ThreadPattern& t = tls_patterns[file % kThreadSlots];
  if (t.manager != id_ || t.file != file) return;
  if (all_resident) {
    t.backoff = t.backoff == 0 ? 1 : std::min(config_.max_backoff, 2 * t.backoff);
    t.skip = t.backoff;
  } else {
    t.backoff = t.skip = 0;
  }
}

bool LocalityManager::HasCold(uint32_t file) const {
  FileState* f = state(file);
  return f != nullptr && f->has_cold.load(std::memory_order_relaxed);
}

std::vector<LocalityManager::Range> LocalityManager::TakeCold(uint32_t file) {
  FileState* f = state(file);
  if (f == nullptr) return {};
  std::vector<Range> out;
  {
    std::lock_guard<std::mutex> l(f->mu);
    out.swap(f->cold);
    f->has_cold.store(false, std::memory_order_relaxed);
  }
  uint64_t bytes = 0;
  for (const Range& r : out) bytes += r.length;
  cooled_bytes_.fetch_add(bytes, std::memory_order_relaxed);
  return out;
}

LocalityManager::Prediction LocalityManager::Record(uint32_t file,
                                                    uint64_t offset,
                                                    uint64_t length,
                                                    bool predict) {
  FileState* f = state(file);
  if (f == nullptr || !f->live.load(std::memory_order_acquire)) return {};
  const uint64_t n = records_.fetch_add(1, std::memory_order_relaxed) + 1;
  if ((n & ring_sample_mask_) == 0) {
    const uint64_t slot = ring_next_.fetch_add(1, std::memory_order_relaxed) &
                          ring_mask_;
    ring_[slot].store((uint64_t{file} << 48) | (offset & ((uint64_t{1} << 48) - 1)),
                      std::memory_order_relaxed);
    ring_len_[slot].store(length, std::memory_order_relaxed);
  }
  if ((n & decay_mask_) == 0) Decay();
  {
    // Relaxed load and store: two threads may lose one count, never more.
    const uint64_t first = offset >> config_.region_shift;
    const uint64_t last =
        (offset + std::max<uint64_t>(length, 1) - 1) >> config_.region_shift;
    for (uint64_t r = first; r <= last && r < f->regions; ++r) {
      std::atomic<uint32_t>& h = f->heat[r];
      h.store(h.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
    }
  }
  {
    // Claimed pages this access touches were worth advising.
    const uint64_t p0 = offset >> page_shift_;
    const uint64_t p1 = (offset + std::max<uint64_t>(length, 1) - 1) >> page_shift_;
    uint64_t used = 0;
    for (uint64_t p = p0; p <= p1 && p < f->pages; ++p) {
      const uint64_t bit = uint64_t{1} << (p & 63);
      for (std::atomic<uint64_t>* word :
           {&f->claimed[p >> 6], &f->claimed_old[p >> 6]}) {
        if ((word->load(std::memory_order_relaxed) & bit) != 0 &&
            (word->fetch_and(~bit, std::memory_order_relaxed) & bit) != 0) {
          ++used;
          break;
        }
      }
    }
    if (used != 0) used_pages_.fetch_add(used, std::memory_order_relaxed);
  }
  if (!predict) return {};
  ThreadPattern& t = tls_patterns[file % kThreadSlots];
  const uint32_t generation = f->generation.load(std::memory_order_relaxed);
  if (t.manager != id_ || t.file != file || t.generation != generation) {
    t = ThreadPattern{};
    t.manager = id_;
    t.file = file;
    t.generation = generation;
  }
  Prediction out;
  const uint64_t page = config_.page_size;
  const uint64_t end = offset + length;
  const bool hit = t.predicted_length != 0 && offset >= t.predicted_offset &&
                   offset < t.predicted_offset + t.predicted_length;
  if (hit) hits_.fetch_add(1, std::memory_order_relaxed);
  if (t.has_last) {
    // A scan touches whole pages, one after the other; point reads close to
    // each other are not one (they may form a frontier).
    if (length >= page / 2 && offset > t.last_offset &&
        offset + page >= t.last_end && offset <= t.last_end + page) {
      ++t.seq_run;
      t.asc_run = 0;
      t.gap_sum = 0;
    } else if (offset > t.last_offset &&
               offset - t.last_end <= config_.max_frontier_gap) {
      ++t.asc_run;
      t.gap_sum += offset > t.last_end ? offset - t.last_end : 0;
      t.seq_run = 0;
    } else {
      t.seq_run = t.asc_run = 0;
      t.gap_sum = 0;
      t.window = 0;
      t.predicted_length = 0;
    }
  }
  t.has_last = true;
  t.last_offset = offset;
  t.last_end = end;
  if (t.long_scan && t.seq_run == 0) {
    // The long scan ended: its part of the file reads normally again.
    out.normal = Range{t.long_from, f->size > t.long_from ? f->size - t.long_from : 0};
    t.long_scan = false;
  }

  if (t.seq_run >= config_.min_run) {
    out.pattern = Pattern::kSequential;
    if (t.seq_run >= config_.long_scan_run && !t.long_scan && offset < f->size) {
      t.long_scan = true;
      t.long_from = offset & ~(page - 1);
      out.sequential = Range{t.long_from, f->size - t.long_from};
      long_scans_.fetch_add(1, std::memory_order_relaxed);
    }
  } else if (t.asc_run >= config_.min_run &&
             t.gap_sum / t.asc_run <= config_.max_predicted_gap) {
    out.pattern = Pattern::kFrontier;
  }
  if (out.pattern == Pattern::kNone) return out;
  // A frontier's window: a few of its gaps and runs ahead. A scan's: as
  // far ahead as it has come, up to the minimum window (a short scan is
  // not promised a long future).
  const uint64_t base_window =
      out.pattern == Pattern::kFrontier
          ? config_.frontier_gaps_ahead *
                (t.gap_sum / t.asc_run + std::max<uint64_t>(length, page))
          : std::min<uint64_t>(config_.min_window, uint64_t{t.seq_run} * page);
  // Still inside the first half of the last prediction: it covers this.
  if (t.predicted_length != 0 && end >= t.predicted_offset &&
      end < t.predicted_offset + t.predicted_length / 2) {
    return out;
  }
  if (t.window == 0) {
    t.window = base_window;
  } else if (hit) {
    t.window = std::min(config_.max_window, std::max(base_window, 2 * t.window));
  } else {
    t.window = base_window;
  }
  Range r{end, std::min(t.window, f->size > end ? f->size - end : 0)};
  if (r.empty()) return out;
  t.predicted_offset = r.offset;
  t.predicted_length = r.length;
  if (t.skip > 0) {
    // Backing off: the last predictions found their pages in memory.
    --t.skip;
    suppressed_.fetch_add(1, std::memory_order_relaxed);
    return out;
  }
  predictions_.fetch_add(1, std::memory_order_relaxed);
  predicted_bytes_.fetch_add(r.length, std::memory_order_relaxed);
  (out.pattern == Pattern::kSequential ? sequential_ : frontier_)
      .fetch_add(1, std::memory_order_relaxed);
  out.range = r;
  return out;
}

uint32_t LocalityManager::Heat(uint32_t file, uint64_t offset) const {
  FileState* f = state(file);
  if (f == nullptr || f->heat == nullptr) return 0;
  const uint64_t r = offset >> config_.region_shift;
  if (r >= f->regions) return 0;
  return f->heat[r].load(std::memory_order_relaxed);
}

namespace {
template <typename Keep>
std::vector<LocalityManager::Range> Runs(size_t regions, uint32_t shift,
                                         uint64_t size, Keep keep) {
  std::vector<LocalityManager::Range> out;
  for (size_t i = 0; i < regions;) {
    if (!keep(i)) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < regions && keep(j)) ++j;
    const uint64_t begin = uint64_t{i} << shift;
    const uint64_t stop = std::min<uint64_t>(uint64_t{j} << shift, size);
    if (stop > begin) out.push_back({begin, stop - begin});
    i = j;
  }
  return out;
}
}  // namespace

std::vector<LocalityManager::Range> LocalityManager::HotRanges(
    uint32_t file, uint32_t min_heat) const {
  FileState* f = state(file);
  if (f == nullptr || f->heat == nullptr) return {};
  return Runs(f->regions, config_.region_shift, f->size, [&](size_t i) {
    return f->heat[i].load(std::memory_order_relaxed) >= min_heat;
  });
}

std::vector<LocalityManager::Range> LocalityManager::ColdRanges(
    uint32_t file, uint32_t max_heat) const {
  FileState* f = state(file);
  if (f == nullptr || f->heat == nullptr) return {};
  return Runs(f->regions, config_.region_shift, f->size, [&](size_t i) {
    return f->heat[i].load(std::memory_order_relaxed) <= max_heat;
  });
}

std::vector<LocalityManager::Access> LocalityManager::Recent(size_t n) const {
  const uint64_t next = ring_next_.load(std::memory_order_relaxed);
  n = std::min<uint64_t>({n, next, ring_mask_ + 1});
  std::vector<Access> out;
  out.reserve(n);
  for (size_t k = 1; k <= n; ++k) {
    const uint64_t slot = (next - k) & ring_mask_;
    const uint64_t packed = ring_[slot].load(std::memory_order_relaxed);
    out.push_back(Access{static_cast<uint32_t>(packed >> 48),
                         packed & ((uint64_t{1} << 48) - 1),
                         ring_len_[slot].load(std::memory_order_relaxed)});
  }
  return out;
}

LocalityManager::Counters LocalityManager::counters() const {
  Counters c;
  c.records = records_.load(std::memory_order_relaxed);
  c.predictions = predictions_.load(std::memory_order_relaxed);
  c.predicted_bytes = predicted_bytes_.load(std::memory_order_relaxed);
  c.hits = hits_.load(std::memory_order_relaxed);
  c.sequential = sequential_.load(std::memory_order_relaxed);
  c.frontier = frontier_.load(std::memory_order_relaxed);
  c.suppressed = suppressed_.load(std::memory_order_relaxed);
  c.long_scans = long_scans_.load(std::memory_order_relaxed);
  c.advised_pages = advised_pages_.load(std::memory_order_relaxed);
  c.used_pages = used_pages_.load(std::memory_order_relaxed);
  c.expired_pages = expired_pages_.load(std::memory_order_relaxed);
  c.cooled_bytes = cooled_bytes_.load(std::memory_order_relaxed);
  return c;
}

}  // namespace zverse::kv::internal
