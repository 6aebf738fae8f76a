// Sealed segments: immutable files of entries sorted by the interleaved key,
// with a persisted index for point-in-time lookups.
//
//   file header (64 bytes, format.h)
//   data: entries sorted by (interleaved key, key, ts), each 8-byte aligned
//   directory: one 16-byte record per entry, sorted by (key asc, ts desc)
//     0 u64 offset of the entry in the file
//     8 u64 ts | (1 << 63 if this is the key's newest version in the segment)
//   hash table: 32-byte slots, open addressing with linear probing from
//   slot (hash * slots) >> 64, load at most 0.7
//     0 u64 KeyHash of the key
//     8 u64 offset of the key's newest entry
//     16 u64 timestamp of the key's newest entry
//     24 u32 directory index of the key's newest version
//     28 u32 number of versions (0: empty slot)
//   footer (128 bytes), see segment.cc
//
// A lookup hashes the key and probes the table; a read of the newest version
// goes straight to its entry, an older one walks that key's versions in the
// directory (newest first) to the first at or before the requested time: it
// never touches other keys' versions. The directory also serves
// scans in key order. The index regions carry one checksum, verified the
// first time the segment is used; every entry carries its own, verified on
// the first read of it through the mapping (EntryAt; Entry verifies on
// every read).
//
// Thread safety: a Segment is immutable and safe to share.

#ifndef ZVERSE_KV_INTERNAL_SEGMENT_H_
#define ZVERSE_KV_INTERNAL_SEGMENT_H_

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kv/env.h"
#include "kv/internal/format.h"
#include "kv/internal/locality.h"

namespace zverse::kv::internal {

inline constexpr uint64_t kDirNewestFlag = uint64_t{1} << 63;

struct SegmentInput {
  const char* entry;  // Encoded entry (format.h), checksum intact.
  size_t size;
  std::string_view key;
  uint64_t ts;
};

struct SegmentMeta {
  uint64_t number = 0;
  uint64_t replaces_lo = 0;  // Files numbered in [lo, hi] (other than this
  uint64_t replaces_hi = 0;  // one) are superseded by this segment.
  // The footer's largest timestamp is at least this (a compaction that
  // dropped the newest versions keeps the database's clock here).
  uint64_t max_ts_floor = 0;
  // The blob file that holds its entries' overflow values (0: none).
  uint64_t blob_file = 0;
  // Entries in key-major order (key asc, ts desc) instead of the
  // interleaved order (Options::PhysicalOrder).
  bool key_major = false;
};

// Writes a segment from `entries`, which must be sorted by (key asc, ts desc)
// without duplicate (key, ts). Writes to a temporary name, syncs, renames
// into place and syncs the directory.
absl::Status WriteSegment(Env* env, const std::string& dir,
                          const SegmentMeta& meta,
                          const std::vector<SegmentInput>& entries);

// The entries of a segment to write, in key order (key asc, ts desc)
// without duplicate (key, ts), encoded on demand, so that a writer need not
// hold them encoded in memory. Called from several threads at once (the
// physical-order sort): implementations must be safe for concurrent reads.
class SegmentSource {
 public:
  virtual ~SegmentSource() = default;
  virtual size_t count() const = 0;
  virtual std::string_view key(size_t i) const = 0;
  virtual uint64_t ts(size_t i) const = 0;
  // Whether entry i is its key's first (newest) one: i == 0 or key(i) !=
  // key(i - 1).
  virtual bool first_of_key(size_t i) const = 0;
  // The encoded size of entry i, and its encoding (format.h EncodeEntry).
  virtual size_t size(size_t i) const = 0;
  virtual void Encode(size_t i, char* out) const = 0;
};

// The first half of WriteSegment: writes and syncs the segment under its
// temporary name, SegmentTempName(dir, meta.number), and stops there. On
// failure the temporary file may remain (Open deletes such files).
absl::Status WriteSegmentFile(Env* env, const std::string& dir,
                              const SegmentMeta& meta,
                              const SegmentSource& entries);
// The same from pre-encoded entries (as WriteSegment takes them).
absl::Status WriteSegmentFile(Env* env, const std::string& dir,
                              const SegmentMeta& meta,
                              const std::vector<SegmentInput>& entries);
std::string SegmentTempName(const std::string& dir, uint64_t number);

// Residency sampling of the pages a read touches first. While the calling
// thread's sample is active (see DBImpl: one read in 64 while locality is
// tracked), Segment::LowerBound and Segment::Lookup check each page they
// are about to read with mincore, before reading it: the hit ratio of the
// pages readers touch, which a check after the read would always find in
// memory.
struct ResidencySample {
  bool active = false;
  uint64_t pages = 0;     // Pages checked,
  uint64_t resident = 0;  // of them in memory.
  uintptr_t last_page = 0;
};
ResidencySample& ThreadResidencySample();

class Segment {
 public:
  static absl::StatusOr<std::shared_ptr<Segment>> Open(Env* env,
                                                       const std::string& path,
                                                       uint64_t number);

  uint64_t number() const { return number_; }
  const std::string& path() const { return path_; }
  uint64_t min_ts() const { return min_ts_; }
  uint64_t max_ts() const { return max_ts_; }
  uint64_t entry_count() const { return dir_count_; }
  uint64_t key_count() const { return key_count_; }
  uint64_t file_size() const { return map_->size(); }
  uint64_t index_bytes() const { return footer_offset_ - dir_offset_; }
  uint64_t replaces_lo() const { return replaces_lo_; }
  uint64_t replaces_hi() const { return replaces_hi_; }
  // The blob file its overflow values are in (0: none).
  uint64_t blob_file() const { return blob_file_; }
  // Whether its entries are in key-major order (else interleaved).
  bool key_major() const { return key_major_; }

  // Checks the index checksum once; later calls return the first answer.
  absl::Status EnsureIndex() const {
    if (index_state_.load(std::memory_order_acquire) == 1) {
      return absl::OkStatus();
    }
    return VerifyIndexSlow();
  }

  // The newest version of `key` at or before `as_of`: its entry offset and
  // timestamp. `hash` is KeyHash(key). REQUIRES: EnsureIndex() returned OK.
  // Sets *found; DataLoss if an entry the hash table leads to is damaged.
  // *index, if given, is the version's directory index (for EntryAt).
  absl::Status Lookup(std::string_view key, uint64_t hash, uint64_t as_of,
                      bool* found, uint64_t* offset, uint64_t* ts,
                      size_t* index = nullptr) const;

  // Directory index range [*begin, *end) of `key`'s versions; false if the
  // key has none. REQUIRES: EnsureIndex() returned OK.
  // `hash` is KeyHash(key). Sets *found; DataLoss as for Lookup.
  absl::Status FindKey(std::string_view key, uint64_t hash, bool* found,
                       size_t* begin, size_t* end) const;
  absl::Status FindKey(std::string_view key, bool* found, size_t* begin,
                       size_t* end) const {
    return FindKey(key, KeyHash(key), found, begin, end);
  }

  uint64_t DirOffset(size_t i) const { return LoadU64(dir_ + 16 * i); }
  uint64_t DirTs(size_t i) const {
    return LoadU64(dir_ + 16 * i + 8) & ~kDirNewestFlag;
  }
  bool DirNewest(size_t i) const {
    return (LoadU64(dir_ + 16 * i + 8) & kDirNewestFlag) != 0;
  }
  // The slot `hash` probes first.
  uint64_t HomeSlot(uint64_t hash) const {
    return static_cast<uint64_t>(
        (static_cast<unsigned __int128>(hash) * hash_slots_) >> 64);
  }
  // Key of directory record `i`, without checksum verification (for
  // positioning only; what is returned to callers goes through Entry()).
  std::string_view DirKey(size_t i) const;
  // First directory index whose key is >= `key`.
  size_t LowerBound(std::string_view key) const;

  // Starts loading directory record `i`'s entry into the CPU cache (its
  // first two cache lines): a scan asks for the entries a few records ahead
  // of the one it reads, whose addresses jump around in the interleaved
  // order, where the hardware prefetcher cannot follow. Never faults.
  void PrefetchEntry(size_t i) const {
    if (i >= dir_count_) return;
    const uint64_t off = DirOffset(i);
    if (off >= data_end_) return;
    __builtin_prefetch(map_->data() + off);
    __builtin_prefetch(map_->data() + off + 64);
  }

  // The entry at `offset`, checksum verified.
  absl::StatusOr<EntryView> Entry(uint64_t offset) const {
    return DecodeEntry(map_->data(), offset, data_end_, path_);
  }

  // The entry of directory record `i`, at `offset` (DirOffset(i), or the
  // hash slot's copy of it), checksum verified the first time it is read
  // through this mapping: a bit per record remembers it (the file is
  // immutable; Verify reads everything again). Bounds are checked on every
  // read. REQUIRES: i < entry_count(), EnsureIndex() returned OK.
  absl::StatusOr<EntryView> EntryAt(size_t i, uint64_t offset) const {
    std::atomic_ref<uint64_t> word(verified_[i >> 6]);
    const uint64_t bit = uint64_t{1} << (i & 63);
    if ((word.load(std::memory_order_relaxed) & bit) != 0) {
      EntryView e;
      if (DecodeEntryUnchecked(map_->data(), offset, data_end_, &e)) return e;
    }
    absl::StatusOr<EntryView> e = Entry(offset);
    if (e.ok()) word.fetch_or(bit, std::memory_order_relaxed);
    return e;
  }

  const char* data() const { return map_->data(); }
  // Drops this process's mapped pages of the file.
  void DontNeed() const { map_->DontNeed(0, map_->size()); }
  // Advises the OS that [offset, offset + length) will be read soon.
  void WillNeed(uint64_t offset, uint64_t length) const {
    map_->WillNeed(offset, length);
  }
  // Whether the page holding `offset` is in memory (1, 0; -1: unknown).
  int Resident(uint64_t offset) const { return map_->Resident(offset); }
  // Advises the OS to read the fence block (a seek's first steps), once per
  // `epoch` (the caller's count of cache drops): cold, one large read
  // instead of a page fault at each step of the first searches.
  void AdviseFence(uint64_t epoch) const {
    if (fence_count_ == 0 ||
        fence_epoch_.load(std::memory_order_relaxed) == epoch ||
        fence_epoch_.exchange(epoch, std::memory_order_relaxed) == epoch) {
      return;
    }
    const uint64_t begin = static_cast<uint64_t>(fence_offsets_ - map_->data());
    map_->WillNeed(begin, footer_offset_ - begin);
  }

  // Sets the whole mapping's access advice to random (no read-around on a
  // fault: the adaptive prefetcher reads ahead instead) or back to normal,
  // if it is not that already. Cheap when nothing changes.
  void SetRandomAccess(bool random) const {
    const int want = random ? 1 : 0;
    if (random_access_.load(std::memory_order_relaxed) == want ||
        random_access_.exchange(want, std::memory_order_relaxed) == want) {
      return;
    }
    map_->Advise(0, map_->size(), random ? MappedRegion::Advice::kRandom
                                         : MappedRegion::Advice::kNormal);
  }

  // Counts the page of `offset` (or of `p`, inside the mapping) in the
  // thread's residency sample, if one is active.
  void SamplePage(const char* p) const {
    SampleOffset(static_cast<uint64_t>(p - map_->data()));
  }
  void SampleOffset(uint64_t offset) const {
    ResidencySample& r = ThreadResidencySample();
    if (!r.active || offset >= map_->size()) return;
    const uintptr_t page =
        (reinterpret_cast<uintptr_t>(map_->data()) + offset) >> 12;
    if (page == r.last_page) return;
    r.last_page = page;
    const int v = map_->Resident(static_cast<size_t>(offset));
    if (v < 0) return;
    ++r.pages;
    r.resident += static_cast<uint64_t>(v);
  }
  // See MappedRegion::Missing and MappedRegion::Advise.
  int64_t Missing(uint64_t offset, uint64_t length, size_t* first,
                  size_t* end) const {
    return map_->Missing(offset, length, first, end);
  }
  void Advise(uint64_t offset, uint64_t length,
              MappedRegion::Advice advice) const {
    map_->Advise(offset, length, advice);
  }

  // This file's id in `m` (the DB's locality manager), registered on the
  // first call; unregistered when the segment goes.
  uint32_t LocalityId(const std::shared_ptr<LocalityManager>& m) const {
    std::call_once(locality_once_, [&] {
      locality_ = m;
      locality_id_ = m->Register(map_->size());
    });
    return locality_id_;
  }
  ~Segment() {
    if (locality_ != nullptr) locality_->Unregister(locality_id_);
  }
  uint64_t data_end() const { return data_end_; }

  // Reads everything: entry checksums, order, directory and hash table.
  absl::Status Verify() const;

 private:
  Segment() = default;
  absl::Status VerifyIndexSlow() const;

  std::string path_;
  uint64_t number_ = 0;
  std::unique_ptr<MappedRegion> map_;
  const char* dir_ = nullptr;
  const char* hash_ = nullptr;
  uint64_t dir_offset_ = 0;
  uint64_t footer_offset_ = 0;
  uint64_t dir_count_ = 0;
  uint64_t key_count_ = 0;
  uint64_t hash_slots_ = 0;
  uint64_t data_begin_ = 0;
  uint64_t data_end_ = 0;
  uint64_t min_ts_ = 0;
  uint64_t max_ts_ = 0;
  uint64_t replaces_lo_ = 0;
  uint64_t replaces_hi_ = 0;
  uint64_t blob_file_ = 0;
  bool key_major_ = false;
  // The fence block (FORMAT.md), if the segment has one.
  std::string_view FenceKey(size_t j) const;
  const char* fence_offsets_ = nullptr;
  const char* fence_keys_ = nullptr;
  uint64_t fence_key_bytes_ = 0;
  uint64_t fence_count_ = 0;
  uint32_t fence_shift_ = 0;
  mutable std::atomic<uint64_t> fence_epoch_{0};
  mutable std::atomic<int> random_access_{0};
  uint64_t index_checksum_ = 0;
  mutable std::atomic<int> index_state_{0};  // 0 unchecked, 1 good, 2 bad.
  mutable std::once_flag locality_once_;
  mutable std::shared_ptr<LocalityManager> locality_;
  mutable uint32_t locality_id_ = 0;
  mutable std::mutex index_mu_;
  mutable absl::Status index_status_;
  // One bit per directory record: its entry's checksum was verified
  // (EntryAt). Zeroed pages from calloc, touched as entries are read;
  // accessed through std::atomic_ref.
  struct FreeDeleter {
    void operator()(uint64_t* p) const { std::free(p); }
  };
  std::unique_ptr<uint64_t[], FreeDeleter> verified_;
};

}  // namespace zverse::kv::internal

#endif  // ZVERSE_KV_INTERNAL_SEGMENT_H_
