#include "kv/internal/memtable.h"

#include <cstring>
#include <algorithm>
#include <new>

#include "kv/internal/format.h"

namespace zverse::kv::internal {

MemTable::MemTable(std::shared_ptr<LogFile> log, uint64_t expected_entries)
    : log_(std::move(log)) {
  // About 10 bits a key.
  filter_blocks_ = std::max<uint64_t>(64, expected_entries * 10 / 512);
  filter_ = std::make_unique<std::atomic<uint64_t>[]>(filter_blocks_ * 8);
  for (uint64_t i = 0; i < filter_blocks_ * 8; ++i) {
    filter_[i].store(0, std::memory_order_relaxed);
  }
  head_ = NewNode({}, 0, 0, 0, kMaxHeight);
  for (int i = 0; i < kMaxHeight; ++i) head_->NoBarrierSetNext(i, nullptr);
}

MemTable::Node* MemTable::NewNode(std::string_view key, uint64_t ts,
                                  uint64_t seq, uint64_t offset, int height) {
  const size_t node_bytes =
      sizeof(Node) + sizeof(std::atomic<Node*>) * (height - 1);
  char* mem = arena_.Allocate(node_bytes + key.size());
  Node* n = new (mem) Node;
  for (int i = 1; i < height; ++i) new (&n->next_[i]) std::atomic<Node*>();
  char* key_copy = mem + node_bytes;
  if (!key.empty()) std::memcpy(key_copy, key.data(), key.size());
  n->prefix = Prefix(key);
  n->ts = ts;
  n->seq = seq;
  n->offset = offset;
  n->key = key_copy;
  n->key_len = static_cast<uint32_t>(key.size());
  n->height = static_cast<uint32_t>(height);
  return n;
}

int MemTable::RandomHeight() {
  int height = 1;
  while (height < kMaxHeight && (rng_() & 3) == 0) ++height;
  return height;
}

uint64_t MemTable::Prefix(std::string_view key) {
  uint64_t v = 0;
  if (!key.empty()) std::memcpy(&v, key.data(), std::min<size_t>(8, key.size()));
  return __builtin_bswap64(v);
}

int MemTable::Compare(const Node* n, std::string_view key, uint64_t prefix,
                      uint64_t ts, uint64_t seq) {
  if (n->prefix != prefix) return n->prefix < prefix ? -1 : 1;
  if (n->key_len > 8 || key.size() > 8) {
    const int c = n->user_key().compare(key);
    if (c != 0) return c;
  } else if (n->key_len != key.size()) {
    // Equal zero-padded prefixes: the shorter key sorts first.
    return n->key_len < key.size() ? -1 : 1;
  }
  // Timestamps and sequences sort descending.
  if (n->ts != ts) return n->ts > ts ? -1 : 1;
  if (n->seq != seq) return n->seq > seq ? -1 : 1;
  return 0;
}

MemTable::Node* MemTable::FindGreaterOrEqual(std::string_view key, uint64_t ts,
                                             uint64_t seq, Node** prev) const {
  Node* x = head_;
  const uint64_t prefix = Prefix(key);
  int level = max_height_.load(std::memory_order_relaxed) - 1;
  Node* last_next = nullptr;  // Known >= the target; skip comparing again.
  for (;;) {
    Node* next = x->Next(level);
    if (next != nullptr && next != last_next &&
        Compare(next, key, prefix, ts, seq) < 0) {
      x = next;
    } else {
      if (prev != nullptr) prev[level] = x;
      if (level == 0) return next;
      last_next = next;
      --level;
    }
  }
}

void MemTable::Insert(std::string_view key, uint64_t ts, uint64_t seq,
                      uint64_t offset) {
  Node* prev[kMaxHeight];
  FindGreaterOrEqual(key, ts, seq, prev);
  Link(key, ts, seq, offset, prev);
}

void MemTable::InsertSorted(const NewEntry* entries, size_t n) {
  // finger[l]: the last node at level l before the previous entry. Every
  // later entry sorts after the previous one, so its search at level l can
  // start at finger[l] rather than at the head.
  Node* finger[kMaxHeight];
  for (int i = 0; i < kMaxHeight; ++i) finger[i] = head_;
  for (size_t i = 0; i < n; ++i) {
    const NewEntry& e = entries[i];
    const uint64_t prefix = Prefix(e.key);
    Node* x = nullptr;
    bool advanced = false;
    for (int level = max_height_.load(std::memory_order_relaxed) - 1;
         level >= 0; --level) {
      // A node reached at a higher level that is past the finger is the
      // better start; otherwise the finger is at least as far along.
      if (!advanced) x = finger[level];
      for (;;) {
        Node* next = x->Next(level);
        if (next == nullptr ||
            Compare(next, e.key, prefix, e.ts, e.seq) >= 0) {
          break;
        }
        x = next;
        advanced = true;
      }
      finger[level] = x;
    }
    Link(e.key, e.ts, e.seq, e.offset, finger);
  }
}

void MemTable::Link(std::string_view key, uint64_t ts, uint64_t seq,
                    uint64_t offset, Node** prev) {
  const int height = RandomHeight();
  const int max_height = max_height_.load(std::memory_order_relaxed);
  if (height > max_height) {
    for (int i = max_height; i < height; ++i) prev[i] = head_;
    // Readers that see the new height before the new node find nullptr in
    // head_ at those levels, which is correct.
    max_height_.store(height, std::memory_order_relaxed);
  }
  FilterAdd(KeyHash(key));
  Node* n = NewNode(key, ts, seq, offset, height);
  for (int i = 0; i < height; ++i) {
    n->NoBarrierSetNext(i, prev[i]->NoBarrierNext(i));
    prev[i]->SetNext(i, n);
  }
  count_.fetch_add(1, std::memory_order_relaxed);
  if (seq > max_seq_.load(std::memory_order_relaxed)) {
    max_seq_.store(seq, std::memory_order_relaxed);
  }
  if (ts < min_ts_.load(std::memory_order_relaxed)) {
    min_ts_.store(ts, std::memory_order_relaxed);
  }
  if (ts > max_ts_.load(std::memory_order_relaxed)) {
    max_ts_.store(ts, std::memory_order_relaxed);
  }
}

namespace {
inline uint64_t FilterBlock(uint64_t hash, uint64_t blocks) {
  return static_cast<uint64_t>(
      (static_cast<unsigned __int128>(hash >> 32) * blocks) >> 32);
}
}  // namespace

void MemTable::FilterAdd(uint64_t hash) {
  std::atomic<uint64_t>* block = &filter_[FilterBlock(hash, filter_blocks_) * 8];
  uint32_t h1 = static_cast<uint32_t>(hash);
  const uint32_t h2 = static_cast<uint32_t>(hash >> 17) | 1;
  for (int i = 0; i < 6; ++i, h1 += h2) {
    const uint32_t bit = h1 & 511;
    block[bit >> 6].fetch_or(uint64_t{1} << (bit & 63),
                             std::memory_order_relaxed);
  }
}

bool MemTable::MayContain(uint64_t hash) const {
  const std::atomic<uint64_t>* block =
      &filter_[FilterBlock(hash, filter_blocks_) * 8];
  uint32_t h1 = static_cast<uint32_t>(hash);
  const uint32_t h2 = static_cast<uint32_t>(hash >> 17) | 1;
  for (int i = 0; i < 6; ++i, h1 += h2) {
    const uint32_t bit = h1 & 511;
    if ((block[bit >> 6].load(std::memory_order_relaxed) &
         (uint64_t{1} << (bit & 63))) == 0) {
      return false;
    }
  }
  return true;
}

const MemTable::Node* MemTable::Get(std::string_view key, uint64_t as_of,
                                    uint64_t max_seq) const {
  const Node* n = FindGreaterOrEqual(key, as_of, UINT64_MAX, nullptr);
  for (; n != nullptr && n->user_key() == key; n = n->Next(0)) {
    if (n->seq <= max_seq) return n;
  }
  return nullptr;
}

const MemTable::Node* MemTable::SeekKey(std::string_view key) const {
  return FindGreaterOrEqual(key, UINT64_MAX, UINT64_MAX, nullptr);
}

}  // namespace zverse::kv::internal
