#include "kv/internal/arena.h"

namespace zverse::kv::internal {

char* Arena::Allocate(size_t bytes) {
  constexpr size_t kAlign = alignof(std::max_align_t);
  bytes = (bytes + kAlign - 1) & ~(kAlign - 1);
  if (bytes <= remaining_) {
    char* p = ptr_;
    ptr_ += bytes;
    remaining_ -= bytes;
    return p;
  }
  if (bytes > kBlockSize / 4) return AllocateNewBlock(bytes);
  ptr_ = AllocateNewBlock(kBlockSize);
  remaining_ = kBlockSize - bytes;
  char* p = ptr_;
  ptr_ += bytes;
  return p;
}

char* Arena::AllocateNewBlock(size_t bytes) {
  // operator new[] returns memory aligned for any fundamental type.
  blocks_.push_back(std::make_unique<char[]>(bytes));
  memory_usage_.fetch_add(bytes + sizeof(char*), std::memory_order_relaxed);
  return blocks_.back().get();
}

}  // namespace zverse::kv::internal
