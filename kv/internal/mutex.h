// A mutex and condition variable on std::mutex, with Abseil's thread-safety
// annotations, and a shared_ptr cell for RCU-style publication.
//
// Why not absl::Mutex: the system's Abseil is not built with
// ThreadSanitizer, so TSan cannot see absl::Mutex's happens-before edges and
// reports every access it guards as a race; pthread mutexes it intercepts.
//
// Thread safety: as std::mutex and std::condition_variable.

#ifndef ZVERSE_KV_INTERNAL_MUTEX_H_
#define ZVERSE_KV_INTERNAL_MUTEX_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>

#include "absl/base/thread_annotations.h"

namespace zverse::kv::internal {

class ABSL_LOCKABLE Mutex {
 public:
  void Lock() ABSL_EXCLUSIVE_LOCK_FUNCTION() { mu_.lock(); }
  void Unlock() ABSL_UNLOCK_FUNCTION() { mu_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mu_;
};

class ABSL_SCOPED_LOCKABLE MutexLock {
 public:
  explicit MutexLock(Mutex* mu) ABSL_EXCLUSIVE_LOCK_FUNCTION(mu) : mu_(mu) {
    mu_->Lock();
  }
  ~MutexLock() ABSL_UNLOCK_FUNCTION() { mu_->Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex* mu_;
};

class CondVar {
 public:
  // REQUIRES: *mu held. Releases it while waiting; held again on return.
  // May wake spuriously: callers wait in a loop.
  void Wait(Mutex* mu) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> l(mu->mu_, std::adopt_lock);
    cv_.wait(l);
    l.release();
  }
  // As Wait, for at most `micros`.
  void WaitFor(Mutex* mu, uint64_t micros) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    std::unique_lock<std::mutex> l(mu->mu_, std::adopt_lock);
    cv_.wait_for(l, std::chrono::microseconds(micros));
    l.release();
  }
  void Signal() { cv_.notify_one(); }
  void SignalAll() { cv_.notify_all(); }

 private:
  std::condition_variable cv_;
};

// A shared_ptr that threads load and store concurrently: readers get a
// reference of their own in a few instructions, never sleeping. A spin flag
// guards the pointer copy (what std::atomic<std::shared_ptr> does inside
// libstdc++ too, in a way ThreadSanitizer cannot follow).
template <typename T>
class AtomicSharedPtr {
 public:
  std::shared_ptr<T> load() const {
    Acquire();
    std::shared_ptr<T> p = p_;
    flag_.clear(std::memory_order_release);
    return p;
  }
  void store(std::shared_ptr<T> p) {
    Acquire();
    p_.swap(p);
    flag_.clear(std::memory_order_release);
    // The old value is released here, outside the flag.
  }

 private:
  void Acquire() const {
    while (flag_.test_and_set(std::memory_order_acquire)) {
      while (flag_.test(std::memory_order_relaxed)) {
      }
    }
  }
  mutable std::atomic_flag flag_;
  std::shared_ptr<T> p_;
};

}  // namespace zverse::kv::internal

#endif  // ZVERSE_KV_INTERNAL_MUTEX_H_
