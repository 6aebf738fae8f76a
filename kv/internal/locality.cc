#include "kv/internal/locality.h"

#include <algorithm>
#include <bit>

namespace zverse::kv::internal {

struct LocalityManager::FileState {
  std::mutex mu;  // Register/Unregister.
  std::atomic<bool> live{false};
  std::atomic<uint32_t> generation{0};  // Bumped when the id is reused.
  uint64_t size = 0;
  size_t regions = 0;
  std::unique_ptr<std::atomic<uint32_t>[]> heat;

  void Reset(uint64_t new_size, uint32_t region_shift) {
    size = new_size;
    regions = static_cast<size_t>((new_size >> region_shift) + 1);
    heat.reset(new std::atomic<uint32_t>[regions]());
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
  f->Reset(size, config_.region_shift);
  file_count_.fetch_add(1, std::memory_order_relaxed);
  return id;
}

void LocalityManager::Unregister(uint32_t file) {
  std::lock_guard<std::mutex> l(files_mu_);
  if (file >= files_.size() || !files_[file]->live) return;
  files_[file]->live.store(false, std::memory_order_release);
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
    if (f->heat == nullptr) continue;
    for (size_t i = 0; i < f->regions; ++i) {
      const uint32_t h = f->heat[i].load(std::memory_order_relaxed);
      f->heat[i].store(h / 2, std::memory_order_relaxed);
    }
  }
}

LocalityManager::Prediction LocalityManager::Record(uint32_t file,
                                                    uint64_t offset,
                                                    uint64_t length) {
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
  ThreadPattern& t = tls_patterns[file % kThreadSlots];
  const uint32_t generation = f->generation.load(std::memory_order_relaxed);
  if (t.manager != id_ || t.file != file || t.generation != generation) {
    t = ThreadPattern{};
    t.manager = id_;
    t.file = file;
    t.generation = generation;
  }
  const uint64_t page = config_.page_size;
  const uint64_t end = offset + length;
  const bool hit = t.predicted_length != 0 && offset >= t.predicted_offset &&
                   offset < t.predicted_offset + t.predicted_length;
  if (hit) hits_.fetch_add(1, std::memory_order_relaxed);
  if (t.has_last) {
    if (offset + page >= t.last_end && offset <= t.last_end + page) {
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

  Pattern pattern = Pattern::kNone;
  uint64_t base_window = config_.min_window;
  if (t.seq_run >= config_.min_run) {
    pattern = Pattern::kSequential;
  } else if (t.asc_run >= config_.min_run) {
    pattern = Pattern::kFrontier;
    // A few gaps ahead, at least the minimum window.
    base_window = std::max(base_window, 4 * (t.gap_sum / t.asc_run));
  }
  if (pattern == Pattern::kNone) return {};
  // Still inside the first half of the last prediction: it covers this.
  if (t.predicted_length != 0 && end >= t.predicted_offset &&
      end < t.predicted_offset + t.predicted_length / 2) {
    return {};
  }
  if (t.window == 0) {
    t.window = base_window;
  } else if (hit) {
    t.window = std::min(config_.max_window, std::max(base_window, 2 * t.window));
  } else {
    t.window = base_window;
  }
  Range r{end, std::min(t.window, f->size > end ? f->size - end : 0)};
  if (r.empty()) return {};
  t.predicted_offset = r.offset;
  t.predicted_length = r.length;
  predictions_.fetch_add(1, std::memory_order_relaxed);
  predicted_bytes_.fetch_add(r.length, std::memory_order_relaxed);
  (pattern == Pattern::kSequential ? sequential_ : frontier_)
      .fetch_add(1, std::memory_order_relaxed);
  return Prediction{r, pattern};
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
  return c;
}

}  // namespace zverse::kv::internal
