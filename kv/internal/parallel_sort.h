// Data-parallel helpers for the bulk paths (seal, compaction, ingest).
//
// ParallelSort: a std::sort that uses the machine's cores for large inputs:
// the range is cut into a power-of-two number of parts sorted in parallel,
// then merged pairwise (each round's merges in parallel too). Not stable,
// like std::sort.
//
// Thread safety: the callbacks run in several threads at once and must not
// modify shared state (other than disjoint parts of an output).

#ifndef ZVERSE_KV_INTERNAL_PARALLEL_SORT_H_
#define ZVERSE_KV_INTERNAL_PARALLEL_SORT_H_

#include <algorithm>
#include <cstddef>
#include <thread>
#include <vector>

namespace zverse::kv::internal {

// Inputs below this many elements are sorted in the calling thread.
inline constexpr size_t kParallelSortMin = size_t{1} << 16;

// While a SerialScope lives, ParallelFor and ParallelSort called from its
// thread use that thread alone (the background compaction keeps to one
// core's budget that way).
inline thread_local bool tls_serial = false;
class SerialScope {
 public:
  SerialScope() : prev_(tls_serial) { tls_serial = true; }
  ~SerialScope() { tls_serial = prev_; }
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;

 private:
  bool prev_;
};

inline unsigned ParallelCores() {
  if (tls_serial) return 1;
  return std::max(1u, std::thread::hardware_concurrency());
}

// Calls fn(begin, end) on disjoint ranges that cover [0, n), one per core
// (at most 8), in parallel; inputs below `min_per_thread` per thread run in
// the calling thread.
template <typename Fn>
void ParallelFor(size_t n, size_t min_per_thread, Fn fn) {
  const unsigned cores = ParallelCores();
  size_t parts = std::min<size_t>(std::min(cores, 8u),
                                  std::max<size_t>(1, n / min_per_thread));
  if (parts <= 1) {
    fn(size_t{0}, n);
    return;
  }
  std::vector<std::thread> threads;
  threads.reserve(parts - 1);
  for (size_t p = 1; p < parts; ++p) {
    threads.emplace_back(fn, n * p / parts, n * (p + 1) / parts);
  }
  fn(size_t{0}, n / parts);
  for (std::thread& t : threads) t.join();
}

template <typename It, typename Comp>
void ParallelSort(It first, It last, Comp comp) {
  const size_t n = static_cast<size_t>(last - first);
  const unsigned cores = ParallelCores();
  size_t parts = 1;
  while (parts * 2 <= std::min(cores, 8u) && n / (parts * 2) >= kParallelSortMin / 2) {
    parts *= 2;
  }
  if (parts == 1) {
    std::sort(first, last, comp);
    return;
  }
  std::vector<It> bound(parts + 1);
  for (size_t i = 0; i <= parts; ++i) bound[i] = first + n * i / parts;
  // Runs fn(i) for each i in [0, count): count - 1 threads and the caller.
  auto run = [](size_t count, auto fn) {
    std::vector<std::thread> threads;
    threads.reserve(count - 1);
    for (size_t i = 1; i < count; ++i) threads.emplace_back(fn, i);
    fn(size_t{0});
    for (std::thread& t : threads) t.join();
  };
  run(parts, [&](size_t i) { std::sort(bound[i], bound[i + 1], comp); });
  for (size_t width = 1; width < parts; width *= 2) {
    run(parts / (2 * width), [&](size_t k) {
      const size_t i = 2 * width * k;
      std::inplace_merge(bound[i], bound[i + width], bound[i + 2 * width],
                         comp);
    });
  }
}

}  // namespace zverse::kv::internal

#endif  // ZVERSE_KV_INTERNAL_PARALLEL_SORT_H_
