// A bump allocator for memtable nodes. Memory is freed all at once when the
// arena is destroyed.
//
// Thread safety: Allocate is called by one thread at a time (the writer);
// MemoryUsage may be read concurrently.

#ifndef ZVERSE_KV_INTERNAL_ARENA_H_
#define ZVERSE_KV_INTERNAL_ARENA_H_

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

namespace zverse::kv::internal {

class Arena {
 public:
  Arena() = default;
  Arena(const Arena&) = delete;
  Arena& operator=(const Arena&) = delete;

  // Returns `bytes` of memory aligned to alignof(std::max_align_t).
  char* Allocate(size_t bytes);
  size_t MemoryUsage() const {
    return memory_usage_.load(std::memory_order_relaxed);
  }

 private:
  static constexpr size_t kBlockSize = 1 << 20;
  char* AllocateNewBlock(size_t bytes);

  char* ptr_ = nullptr;
  size_t remaining_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;
  std::atomic<size_t> memory_usage_{0};
};

}  // namespace zverse::kv::internal

#endif  // ZVERSE_KV_INTERNAL_ARENA_H_
