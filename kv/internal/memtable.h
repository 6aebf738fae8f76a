// The index of the active log file: a skiplist of (key, ts, seq) -> offset of
// the entry in the log, ordered by key ascending, then timestamp descending,
// then commit sequence descending, so that the first visible node at or after
// (key, as_of) is the answer to an as-of read.
//
// Thread safety: one writer at a time (the DB's commit leader) may Insert
// while any number of readers Get and iterate without locks. A node is
// published with a release store after it is fully built; readers decide
// visibility by commit sequence, so a half-inserted batch is never seen.

#ifndef ZVERSE_KV_INTERNAL_MEMTABLE_H_
#define ZVERSE_KV_INTERNAL_MEMTABLE_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "kv/env.h"
#include "kv/internal/arena.h"

namespace zverse::kv::internal {

// A log file as seen by readers: its mapping (reserved larger than the file
// so that it never moves) and how many bytes are committed.
struct LogFile {
  std::string path;
  uint64_t number = 0;
  std::unique_ptr<MappedRegion> map;
  std::atomic<uint64_t> committed_size{0};

  const char* data() const { return map->data(); }
};

class MemTable {
 public:
  static constexpr int kMaxHeight = 16;

  struct Node {
    uint64_t prefix;  // First 8 key bytes, big-endian, zero padded.
    uint64_t ts;
    uint64_t seq;
    uint64_t offset;  // Of the entry in the log file.
    const char* key;
    uint32_t key_len;
    uint32_t height;
    std::string_view user_key() const { return {key, key_len}; }
    Node* Next(int level) const {
      return next_[level].load(std::memory_order_acquire);
    }
    void SetNext(int level, Node* n) {
      next_[level].store(n, std::memory_order_release);
    }
    Node* NoBarrierNext(int level) const {
      return next_[level].load(std::memory_order_relaxed);
    }
    void NoBarrierSetNext(int level, Node* n) {
      next_[level].store(n, std::memory_order_relaxed);
    }
    std::atomic<Node*> next_[1];  // Really `height` of them.
  };

  // `expected_entries` sizes the key filter; more entries only make the
  // filter less selective.
  MemTable(std::shared_ptr<LogFile> log, uint64_t expected_entries);
  MemTable(const MemTable&) = delete;
  MemTable& operator=(const MemTable&) = delete;

  // REQUIRES: no concurrent Insert.
  void Insert(std::string_view key, uint64_t ts, uint64_t seq,
              uint64_t offset);

  // Inserts a run of entries sorted in table order (key asc, ts desc, seq
  // desc), each search starting where the previous one ended.
  // REQUIRES: no concurrent Insert.
  struct NewEntry {
    std::string_view key;
    uint64_t ts;
    uint64_t seq;
    uint64_t offset;
  };
  void InsertSorted(const NewEntry* entries, size_t n);

  // False if no version of the key with this KeyHash is in the table.
  bool MayContain(uint64_t hash) const;

  // The newest node for `key` with ts <= as_of and seq <= max_seq.
  const Node* Get(std::string_view key, uint64_t as_of,
                  uint64_t max_seq) const;

  // The first node >= (key, ts = +inf) in skiplist order, or nullptr.
  const Node* SeekKey(std::string_view key) const;
  const Node* First() const { return head_->Next(0); }
  static const Node* Next(const Node* n) { return n->Next(0); }

  uint64_t Count() const { return count_.load(std::memory_order_relaxed); }
  uint64_t MaxSeq() const { return max_seq_.load(std::memory_order_relaxed); }
  uint64_t MinTs() const { return min_ts_.load(std::memory_order_relaxed); }
  uint64_t MaxTs() const { return max_ts_.load(std::memory_order_relaxed); }
  size_t ApproximateMemoryUsage() const { return arena_.MemoryUsage(); }
  const LogFile& log() const { return *log_; }
  const std::shared_ptr<LogFile>& log_ptr() const { return log_; }

 private:
  // Three-way order of a node against (key, ts, seq).
  static int Compare(const Node* n, std::string_view key, uint64_t prefix,
                     uint64_t ts, uint64_t seq);
  Node* NewNode(std::string_view key, uint64_t ts, uint64_t seq,
                uint64_t offset, int height);
  int RandomHeight();
  void Link(std::string_view key, uint64_t ts, uint64_t seq, uint64_t offset,
            Node** prev);
  // First node >= (key, ts, seq); fills prev[] when non-null.
  Node* FindGreaterOrEqual(std::string_view key, uint64_t ts, uint64_t seq,
                           Node** prev) const;
  static uint64_t Prefix(std::string_view key);

  void FilterAdd(uint64_t hash);

  std::shared_ptr<LogFile> log_;
  // A blocked Bloom filter: one 64-byte block per key, 6 bits in it.
  std::unique_ptr<std::atomic<uint64_t>[]> filter_;
  uint64_t filter_blocks_;
  Arena arena_;
  Node* head_;
  std::atomic<int> max_height_{1};
  std::minstd_rand rng_{0x5eed};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> max_seq_{0};
  std::atomic<uint64_t> min_ts_{UINT64_MAX};
  std::atomic<uint64_t> max_ts_{0};
};

}  // namespace zverse::kv::internal

#endif  // ZVERSE_KV_INTERNAL_MEMTABLE_H_
