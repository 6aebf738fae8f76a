#include "kv/internal/segment.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <memory>

#include "absl/strings/str_cat.h"
#include "kv/interleave.h"
#include "kv/internal/parallel_sort.h"
#include "kv/status_macros.h"
#define XXH_INLINE_ALL
#include "xxhash.h"

namespace zverse::kv::internal {
namespace {

// Footer layout (128 bytes). Do not change these offsets.
constexpr size_t kFtMagic = 0;
constexpr size_t kFtVersion = 8;       // u32, then u32 flags
constexpr size_t kFtFlags = 12;
// Footer flags.
constexpr uint32_t kFooterHasFence = 1;  // A fence block follows the hash table.
// Every kFenceStride-th directory key is in the fence block.
constexpr uint32_t kFenceStride = 32;
constexpr size_t kFtNumber = 16;
constexpr size_t kFtEntryCount = 24;
constexpr size_t kFtKeyCount = 32;
constexpr size_t kFtDataOffset = 40;
constexpr size_t kFtDataBytes = 48;
constexpr size_t kFtDirOffset = 56;
constexpr size_t kFtHashOffset = 64;
constexpr size_t kFtHashSlots = 72;
constexpr size_t kFtMinTs = 80;
constexpr size_t kFtMaxTs = 88;
constexpr size_t kFtReplacesLo = 96;
constexpr size_t kFtReplacesHi = 104;
constexpr size_t kFtIndexChecksum = 112;
constexpr size_t kFtChecksum = 120;

constexpr size_t kWriteBufferSize = 4 << 20;
constexpr size_t kSlotSize = 32;

class BufferedWriter {
 public:
  explicit BufferedWriter(WritableFile* file) : file_(file) {
    buf_.reserve(kWriteBufferSize);
  }
  absl::Status Write(const void* p, size_t n) {
    if (buf_.size() + n > kWriteBufferSize) ZVERSE_RETURN_IF_ERROR(Flush());
    if (n > kWriteBufferSize) {
      return file_->Append({static_cast<const char*>(p), n});
    }
    buf_.append(static_cast<const char*>(p), n);
    return absl::OkStatus();
  }
  // Room for `n` more bytes at the end of the buffer, which the caller
  // fills before the next call. REQUIRES: n <= kWriteBufferSize.
  absl::StatusOr<char*> Reserve(size_t n) {
    if (buf_.size() + n > kWriteBufferSize) ZVERSE_RETURN_IF_ERROR(Flush());
    const size_t at = buf_.size();
    buf_.resize(at + n);
    return buf_.data() + at;
  }
  absl::Status Flush() {
    if (buf_.empty()) return absl::OkStatus();
    absl::Status s = file_->Append(buf_);
    buf_.clear();
    return s;
  }

 private:
  WritableFile* file_;
  std::string buf_;
};

}  // namespace

std::string SegmentTempName(const std::string& dir, uint64_t number) {
  return SegmentFileName(dir, number) + ".tmp";
}

namespace {

// Pre-encoded entries (a log's or other segments'), copied as they are.
class EncodedSource : public SegmentSource {
 public:
  explicit EncodedSource(const std::vector<SegmentInput>& entries)
      : e_(entries) {}
  size_t count() const override { return e_.size(); }
  std::string_view key(size_t i) const override { return e_[i].key; }
  uint64_t ts(size_t i) const override { return e_[i].ts; }
  bool first_of_key(size_t i) const override {
    return i == 0 || e_[i].key != e_[i - 1].key;
  }
  size_t size(size_t i) const override { return e_[i].size; }
  void Encode(size_t i, char* out) const override {
    std::memcpy(out, e_[i].entry, e_[i].size);
  }

 private:
  const std::vector<SegmentInput>& e_;
};

// Index records are written through a small buffer that also feeds the
// index checksum.
class IndexWriter {
 public:
  IndexWriter(BufferedWriter* out, XXH3_state_t* state)
      : out_(out), state_(state) {}
  absl::Status Write(const char* p, size_t n) {
    if (used_ + n > sizeof(buf_)) ZVERSE_RETURN_IF_ERROR(Flush());
    std::memcpy(buf_ + used_, p, n);
    used_ += n;
    return absl::OkStatus();
  }
  absl::Status Flush() {
    XXH3_64bits_update(state_, buf_, used_);
    absl::Status s = out_->Write(buf_, used_);
    used_ = 0;
    return s;
  }

 private:
  BufferedWriter* out_;
  XXH3_state_t* state_;
  char buf_[64 << 10];
  size_t used_ = 0;
};

}  // namespace

absl::Status WriteSegment(Env* env, const std::string& dir,
                          const SegmentMeta& meta,
                          const std::vector<SegmentInput>& entries) {
  ZVERSE_RETURN_IF_ERROR(
      WriteSegmentFile(env, dir, meta, EncodedSource(entries)));
  ZVERSE_RETURN_IF_ERROR(env->RenameFile(SegmentTempName(dir, meta.number),
                                         SegmentFileName(dir, meta.number)));
  return env->SyncDir(dir);
}

absl::Status WriteSegmentFile(Env* env, const std::string& dir,
                              const SegmentMeta& meta,
                              const std::vector<SegmentInput>& entries) {
  return WriteSegmentFile(env, dir, meta, EncodedSource(entries));
}

absl::Status WriteSegmentFile(Env* env, const std::string& dir,
                              const SegmentMeta& meta,
                              const SegmentSource& entries) {
  const size_t n = entries.count();
  // Physical order: by interleaved key, ties by (key, ts). Items carry the
  // first 16 interleaved bytes (zero padded) as two big-endian words. For
  // keys of 8 bytes or more those bytes hold every timestamp byte, so two
  // such items that tie have equal timestamps, and the rest of their
  // interleaved keys orders like their keys: like their positions in
  // `entries`, which is in key order. Only ties involving a shorter key
  // need the full comparison.
  struct Item {
    uint64_t hi;
    uint64_t lo;
    uint32_t i;
    bool short_key;
  };
  std::vector<Item> order(n);
  for (size_t i = 0; i < n; ++i) {
    if (meta.key_major) {
      // Key-major: the input's own order (key asc, ts desc).
      order[i] = Item{0, 0, static_cast<uint32_t>(i), false};
      continue;
    }
    char head[16] = {};
    const std::string_view key = entries.key(i);
    InterleaveTo(key.substr(0, 8), entries.ts(i), head);
    uint64_t hi, lo;
    std::memcpy(&hi, head, 8);
    std::memcpy(&lo, head + 8, 8);
    order[i] = Item{__builtin_bswap64(hi), __builtin_bswap64(lo),
                    static_cast<uint32_t>(i), key.size() < 8};
  }
  if (!meta.key_major) {
    ParallelSort(order.begin(), order.end(), [&](const Item& a, const Item& b) {
      if (a.hi != b.hi) return a.hi < b.hi;
      if (a.lo != b.lo) return a.lo < b.lo;
      if (!a.short_key && !b.short_key) return a.i < b.i;
      return CompareInterleaved(entries.key(a.i), entries.ts(a.i),
                                entries.key(b.i), entries.ts(b.i)) < 0;
    });
  }

  const std::string tmp = SegmentTempName(dir, meta.number);
  ZVERSE_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(tmp, true));
  BufferedWriter out(file.get());
  char header[kFileHeaderSize];
  EncodeFileHeader(kSegmentMagic, meta.number, env->NowMicros(), header,
                   meta.blob_file, meta.key_major ? kSegmentKeyMajor : 0);
  ZVERSE_RETURN_IF_ERROR(out.Write(header, sizeof(header)));

  std::vector<uint64_t> offsets(n);
  uint64_t pos = kFileHeaderSize;
  uint64_t min_ts = n == 0 ? 0 : UINT64_MAX, max_ts = 0;
  for (const Item& item : order) {
    const size_t i = item.i;
    const size_t size = entries.size(i);
    if (size <= kWriteBufferSize) {
      ZVERSE_ASSIGN_OR_RETURN(char* dst, out.Reserve(size));
      entries.Encode(i, dst);
    } else {
      std::unique_ptr<char[]> big(new char[size]);
      entries.Encode(i, big.get());
      ZVERSE_RETURN_IF_ERROR(out.Write(big.get(), size));
    }
    offsets[i] = pos;
    pos += size;
    const uint64_t ts = entries.ts(i);
    min_ts = std::min(min_ts, ts);
    max_ts = std::max(max_ts, ts);
  }
  order = std::vector<Item>();
  const uint64_t dir_offset = pos;

  // Directory in key order, then the hash table of keys.
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  struct FreeState {
    XXH3_state_t* s;
    ~FreeState() { XXH3_freeState(s); }
  } free_state{state};
  IndexWriter index(&out, state);
  uint64_t key_count = 0;
  std::vector<bool> first(n);
  for (size_t i = 0; i < n; ++i) {
    const bool newest = entries.first_of_key(i);
    first[i] = newest;
    key_count += newest;
    char rec[16];
    StoreU64(rec, offsets[i]);
    StoreU64(rec + 8, entries.ts(i) | (newest ? kDirNewestFlag : 0));
    ZVERSE_RETURN_IF_ERROR(index.Write(rec, sizeof(rec)));
  }
  ZVERSE_RETURN_IF_ERROR(index.Flush());
  const uint64_t slots = key_count + key_count * 3 / 7 + 1;  // Load <= 0.7.
  std::string hash_buf(kSlotSize * slots, '\0');
  auto home = [slots](uint64_t h) {
    return static_cast<uint64_t>(
        (static_cast<unsigned __int128>(h) * slots) >> 64);
  };
  // Inserts run a window behind the hashing, whose home slots are
  // prefetched: the table is far larger than the caches.
  constexpr size_t kWindow = 16;
  struct Pending {
    uint64_t hash;
    size_t i;
  };
  Pending window[kWindow];
  size_t pending = 0;
  auto insert = [&](const Pending& p) {
    size_t j = p.i + 1;
    while (j < n && !first[j]) ++j;
    uint64_t s = home(p.hash);
    while (LoadU32(hash_buf.data() + kSlotSize * s + 28) != 0) {
      if (++s == slots) s = 0;
    }
    char* slot = hash_buf.data() + kSlotSize * s;
    StoreU64(slot, p.hash);
    StoreU64(slot + 8, offsets[p.i]);
    StoreU64(slot + 16, entries.ts(p.i));
    StoreU32(slot + 24, static_cast<uint32_t>(p.i));
    StoreU32(slot + 28, static_cast<uint32_t>(j - p.i));
  };
  for (size_t i = 0; i < n; ++i) {
    if (!first[i]) continue;
    const uint64_t h = KeyHash(entries.key(i));
    __builtin_prefetch(hash_buf.data() + kSlotSize * home(h), 1);
    if (pending == kWindow) {
      insert(window[0]);
      std::copy(window + 1, window + kWindow, window);
      --pending;
    }
    window[pending++] = Pending{h, i};
  }
  for (size_t k = 0; k < pending; ++k) insert(window[k]);
  offsets = std::vector<uint64_t>();
  ZVERSE_RETURN_IF_ERROR(out.Write(hash_buf.data(), hash_buf.size()));
  XXH3_64bits_update(state, hash_buf.data(), hash_buf.size());
  hash_buf = std::string();

  // The fence block: every kFenceStride-th directory key, so that a seek
  // searches a small, contiguous block and then one stride of the
  // directory, instead of reading a data page for each of the directory
  // search's steps.
  std::string fence;
  if (n > 0) {
    const uint64_t count = (n + kFenceStride - 1) / kFenceStride;
    std::string keys;
    std::string offs;
    offs.reserve(4 * (count + 1));
    for (uint64_t j = 0; j < count && keys.size() <= UINT32_MAX; ++j) {
      char b[4];
      StoreU32(b, static_cast<uint32_t>(keys.size()));
      offs.append(b, 4);
      const std::string_view k = entries.key(j * kFenceStride);
      keys.append(k.data(), k.size());
    }
    if (keys.size() <= UINT32_MAX) {
      char head[8];
      StoreU32(head, kFenceStride);
      StoreU32(head + 4, static_cast<uint32_t>(count));
      char b[4];
      StoreU32(b, static_cast<uint32_t>(keys.size()));
      offs.append(b, 4);
      fence.reserve(8 + offs.size() + keys.size());
      fence.append(head, 8);
      fence.append(offs);
      fence.append(keys);
    }
  }
  ZVERSE_RETURN_IF_ERROR(out.Write(fence.data(), fence.size()));
  XXH3_64bits_update(state, fence.data(), fence.size());
  const uint64_t index_checksum = XXH3_64bits_digest(state);

  char footer[kFooterSize] = {};
  StoreU64(footer + kFtMagic, kFooterMagic);
  StoreU32(footer + kFtVersion, kFormatVersion);
  StoreU32(footer + kFtFlags, fence.empty() ? 0 : kFooterHasFence);
  StoreU64(footer + kFtNumber, meta.number);
  StoreU64(footer + kFtEntryCount, n);
  StoreU64(footer + kFtKeyCount, key_count);
  StoreU64(footer + kFtDataOffset, kFileHeaderSize);
  StoreU64(footer + kFtDataBytes, dir_offset - kFileHeaderSize);
  StoreU64(footer + kFtDirOffset, dir_offset);
  StoreU64(footer + kFtHashOffset, dir_offset + 16 * n);
  StoreU64(footer + kFtHashSlots, slots);
  StoreU64(footer + kFtMinTs, min_ts);
  StoreU64(footer + kFtMaxTs, std::max(max_ts, meta.max_ts_floor));
  StoreU64(footer + kFtReplacesLo, meta.replaces_lo);
  StoreU64(footer + kFtReplacesHi, meta.replaces_hi);
  StoreU64(footer + kFtIndexChecksum, index_checksum);
  StoreU64(footer + kFtChecksum, Checksum(footer, kFtChecksum));
  ZVERSE_RETURN_IF_ERROR(out.Write(footer, sizeof(footer)));
  ZVERSE_RETURN_IF_ERROR(out.Flush());
  ZVERSE_RETURN_IF_ERROR(file->Sync());
  return file->Close();
}

absl::StatusOr<std::shared_ptr<Segment>> Segment::Open(Env* env,
                                                       const std::string& path,
                                                       uint64_t number) {
  std::shared_ptr<Segment> seg(new Segment());
  seg->path_ = path;
  seg->number_ = number;
  ZVERSE_ASSIGN_OR_RETURN(seg->map_, env->MapReadOnly(path, 0));
  const char* base = seg->map_->data();
  const uint64_t size = seg->map_->size();
  if (size < kFileHeaderSize + kFooterSize) {
    return DataLossAt(path, 0, "segment shorter than header and footer");
  }
  ZVERSE_RETURN_IF_ERROR(
      CheckFileHeader(base, size, kSegmentMagic, number, path));
  const uint64_t fo = size - kFooterSize;
  const char* f = base + fo;
  if (LoadU64(f + kFtMagic) != kFooterMagic) {
    return DataLossAt(path, fo, "bad segment footer magic");
  }
  if (Checksum(f, kFtChecksum) != LoadU64(f + kFtChecksum)) {
    return DataLossAt(path, fo, "segment footer checksum mismatch");
  }
  if (LoadU32(f + kFtVersion) != kFormatVersion) {
    return absl::UnimplementedError(
        absl::StrCat(path, ": segment format version ",
                     LoadU32(f + kFtVersion), " is not supported"));
  }
  seg->dir_count_ = LoadU64(f + kFtEntryCount);
  seg->key_count_ = LoadU64(f + kFtKeyCount);
  seg->data_begin_ = LoadU64(f + kFtDataOffset);
  seg->dir_offset_ = LoadU64(f + kFtDirOffset);
  seg->data_end_ = seg->dir_offset_;
  const uint64_t hash_offset = LoadU64(f + kFtHashOffset);
  const uint64_t slots = LoadU64(f + kFtHashSlots);
  seg->footer_offset_ = fo;
  seg->min_ts_ = LoadU64(f + kFtMinTs);
  seg->max_ts_ = LoadU64(f + kFtMaxTs);
  seg->replaces_lo_ = LoadU64(f + kFtReplacesLo);
  seg->replaces_hi_ = LoadU64(f + kFtReplacesHi);
  seg->blob_file_ = LoadU64(base + 32);  // In the (checked) file header.
  const uint32_t flags = LoadU32(base + 12);
  if ((flags & ~kKnownSegmentFlags) != 0) {
    return absl::UnimplementedError(absl::StrCat(
        path, ": segment flags ", flags, " are not supported by this build"));
  }
  seg->key_major_ = (flags & kSegmentKeyMajor) != 0;
  seg->index_checksum_ = LoadU64(f + kFtIndexChecksum);
  const bool sane =
      seg->data_begin_ == kFileHeaderSize &&
      seg->dir_offset_ >= seg->data_begin_ &&
      LoadU64(f + kFtDataBytes) == seg->dir_offset_ - seg->data_begin_ &&
      seg->dir_count_ <= fo / 16 &&
      hash_offset == seg->dir_offset_ + 16 * seg->dir_count_ &&
      slots != 0 && slots <= fo / kSlotSize &&
      hash_offset + kSlotSize * slots <= fo && seg->key_count_ < slots &&
      seg->key_count_ <= seg->dir_count_ && seg->dir_count_ < (1ull << 32);
  if (!sane) return DataLossAt(path, fo, "segment footer is inconsistent");
  const uint32_t footer_flags = LoadU32(f + kFtFlags);
  if ((footer_flags & ~kFooterHasFence) != 0) {
    return absl::UnimplementedError(absl::StrCat(
        path, ": segment footer flags ", footer_flags,
        " are not supported by this build"));
  }
  const uint64_t fence_offset = hash_offset + kSlotSize * slots;
  if ((footer_flags & kFooterHasFence) == 0) {
    if (fence_offset != fo) {
      return DataLossAt(path, fo, "segment footer is inconsistent");
    }
  } else {
    // Stride, count, count + 1 key offsets, then the keys.
    const uint64_t room = fo - fence_offset;
    const char* fb = base + fence_offset;
    const uint32_t stride = room >= 8 ? LoadU32(fb) : 0;
    const uint64_t count = room >= 8 ? LoadU32(fb + 4) : 0;
    const uint64_t keys_at = 8 + 4 * (count + 1);
    const bool fence_sane =
        stride >= 2 && (stride & (stride - 1)) == 0 &&
        count == (seg->dir_count_ + stride - 1) / stride && keys_at <= room &&
        LoadU32(fb + 8 + 4 * count) == room - keys_at && LoadU32(fb + 8) == 0;
    if (!fence_sane) {
      return DataLossAt(path, fence_offset, "segment fence block is inconsistent");
    }
    seg->fence_offsets_ = fb + 8;
    seg->fence_keys_ = fb + keys_at;
    seg->fence_key_bytes_ = room - keys_at;
    seg->fence_count_ = count;
    seg->fence_shift_ = static_cast<uint32_t>(std::countr_zero(stride));
  }
  seg->dir_ = base + seg->dir_offset_;
  seg->hash_ = base + hash_offset;
  seg->hash_slots_ = slots;
  seg->verified_.reset(static_cast<uint64_t*>(
      std::calloc((seg->dir_count_ + 63) / 64 + 1, sizeof(uint64_t))));
  if (seg->verified_ == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat(path, ": no memory for the segment's read state"));
  }
  return seg;
}

absl::Status Segment::VerifyIndexSlow() const {
  std::lock_guard<std::mutex> lock(index_mu_);
  const int state = index_state_.load(std::memory_order_acquire);
  if (state == 1) return absl::OkStatus();
  if (state == 2) return index_status_;
  const uint64_t got = Checksum(dir_, footer_offset_ - dir_offset_);
  if (got != index_checksum_) {
    index_status_ = DataLossAt(path_, dir_offset_, "segment index checksum mismatch");
    index_state_.store(2, std::memory_order_release);
    return index_status_;
  }
  index_state_.store(1, std::memory_order_release);
  return absl::OkStatus();
}

ResidencySample& ThreadResidencySample() {
  thread_local ResidencySample sample;
  return sample;
}

std::string_view Segment::DirKey(size_t i) const {
  EntryView e;
  if (!DecodeEntryUnchecked(map_->data(), DirOffset(i), data_end_, &e)) {
    return {};
  }
  return e.key;
}

absl::Status Segment::FindKey(std::string_view key, uint64_t h, bool* found,
                              size_t* begin, size_t* end) const {
  *found = false;
  uint64_t s = HomeSlot(h);
  for (uint64_t probes = 0; probes < hash_slots_; ++probes) {
    const char* slot = hash_ + kSlotSize * s;
    const uint32_t count = LoadU32(slot + 28);
    if (count == 0) return absl::OkStatus();
    if (LoadU64(slot) == h) {
      const uint32_t idx = LoadU32(slot + 24);
      if (uint64_t{idx} + count > dir_count_) {
        return DataLossAt(path_, dir_offset_, "hash slot points past the directory");
      }
      if (DirKey(idx) == key) {
        *found = true;
        *begin = idx;
        *end = idx + count;
        return absl::OkStatus();
      }
      // Equal 64-bit hashes, different keys: a collision only if the entry
      // is intact.
      ZVERSE_RETURN_IF_ERROR(Entry(DirOffset(idx)).status());
    }
    if (++s == hash_slots_) s = 0;
  }
  return absl::OkStatus();
}

absl::Status Segment::Lookup(std::string_view key, uint64_t h, uint64_t as_of,
                             bool* found, uint64_t* offset, uint64_t* ts,
                             size_t* index) const {
  *found = false;
  uint64_t s = HomeSlot(h);
  const bool sample = ThreadResidencySample().active;
  for (uint64_t probes = 0; probes < hash_slots_; ++probes) {
    const char* slot = hash_ + kSlotSize * s;
    if (sample) SamplePage(slot);
    const uint32_t count = LoadU32(slot + 28);
    if (count == 0) return absl::OkStatus();
    if (sample && LoadU64(slot) == h) {
      // The entries it reads next: the newest version's, or an older one's
      // through the directory.
      const uint32_t idx = LoadU32(slot + 24);
      if (LoadU64(slot + 16) > as_of && uint64_t{idx} + 1 < dir_count_) {
        SamplePage(dir_ + 16 * (idx + 1));
        SampleOffset(DirOffset(idx + 1));
      } else {
        SampleOffset(LoadU64(slot + 8));
      }
    }
    if (LoadU64(slot) == h && LoadU64(slot + 16) > as_of) {
      // An older version is wanted: check the key on the entry that will be
      // returned (one cache miss fewer than checking the newest entry too).
      const uint32_t idx = LoadU32(slot + 24);
      if (uint64_t{idx} + count <= dir_count_) {
        for (size_t i = idx + 1; i < idx + count; ++i) {
          if (DirTs(i) > as_of) continue;
          EntryView e;
          if (DecodeEntryUnchecked(map_->data(), DirOffset(i), data_end_, &e) &&
              e.key == key) {
            *found = true;
            *offset = DirOffset(i);
            *ts = DirTs(i);
            if (index != nullptr) *index = i;
            return absl::OkStatus();
          }
          break;
        }
      }
      // No older version at or before as_of, or a collision, or damage: the
      // careful path below decides.
    }
    if (LoadU64(slot) == h) {
      const uint64_t newest = LoadU64(slot + 8);
      EntryView e;
      if (DecodeEntryUnchecked(map_->data(), newest, data_end_, &e) &&
          e.key == key) {
        if (LoadU64(slot + 16) <= as_of) {
          const uint32_t idx = LoadU32(slot + 24);
          if (idx >= dir_count_) {
            return DataLossAt(path_, dir_offset_,
                              "hash slot points past the directory");
          }
          *found = true;
          *offset = newest;
          *ts = LoadU64(slot + 16);
          if (index != nullptr) *index = idx;
          return absl::OkStatus();
        }
        // An older version: walk the key's directory run.
        const uint32_t idx = LoadU32(slot + 24);
        if (uint64_t{idx} + count > dir_count_) {
          return DataLossAt(path_, dir_offset_,
                            "hash slot points past the directory");
        }
        for (size_t i = idx + 1; i < idx + count; ++i) {
          if (DirTs(i) <= as_of) {
            *found = true;
            *offset = DirOffset(i);
            *ts = DirTs(i);
            if (index != nullptr) *index = i;
            return absl::OkStatus();
          }
        }
        return absl::OkStatus();
      }
      // Equal 64-bit hashes, different keys: a collision only if the entry
      // is intact.
      ZVERSE_RETURN_IF_ERROR(Entry(newest).status());
    }
    if (++s == hash_slots_) s = 0;
  }
  return absl::OkStatus();
}

std::string_view Segment::FenceKey(size_t j) const {
  // (Offsets are checked against each other and the block's end here: the
  // index checksum, verified before any seek, covers them, but a damaged
  // block must not lead a read out of it.)
  const uint64_t a = LoadU32(fence_offsets_ + 4 * j);
  const uint64_t b = LoadU32(fence_offsets_ + 4 * (j + 1));
  if (a > b || b > fence_key_bytes_) return {};
  return std::string_view(fence_keys_ + a, b - a);
}

size_t Segment::LowerBound(std::string_view key) const {
  size_t lo = 0, hi = dir_count_;
  const bool sample = ThreadResidencySample().active;
  if (fence_count_ > 0) {
    // The first fence key >= key: fence j is directory key j << shift, so
    // the answer is in ((j - 1) << shift, j << shift].
    size_t flo = 0, fhi = fence_count_;
    while (flo < fhi) {
      const size_t mid = flo + (fhi - flo) / 2;
      if (sample) SamplePage(fence_offsets_ + 4 * mid);
      if (FenceKey(mid) < key) {
        flo = mid + 1;
      } else {
        fhi = mid;
      }
    }
    if (flo > 0) lo = ((flo - 1) << fence_shift_) + 1;
    hi = std::min<size_t>(dir_count_, flo << fence_shift_);
    // The search below reads entries between two fence keys, scattered
    // over the file in the interleaved order: ask for all of them at once,
    // so that their cache misses overlap instead of following each other.
    const char* base = map_->data();
    for (size_t i = lo; i < hi; ++i) {
      const uint64_t off = DirOffset(i);
      if (off < data_end_) __builtin_prefetch(base + off + kEntryHeaderSize);
    }
  }
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (sample) {
      SamplePage(dir_ + 16 * mid);
      SampleOffset(DirOffset(mid));
    }
    if (DirKey(mid) < key) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

absl::Status Segment::Verify() const {
  ZVERSE_RETURN_IF_ERROR(EnsureIndex());
  const char* base = map_->data();
  std::vector<uint64_t> offsets;
  offsets.reserve(dir_count_);
  uint64_t pos = data_begin_;
  std::string_view prev_key;
  uint64_t prev_ts = 0;
  while (pos < data_end_) {
    ZVERSE_ASSIGN_OR_RETURN(EntryView e, DecodeEntry(base, pos, data_end_, path_));
    if (!offsets.empty()) {
      if (key_major_) {
        const int c = prev_key.compare(e.key);
        if (c > 0 || (c == 0 && prev_ts <= e.ts)) {
          return DataLossAt(path_, pos, "entries out of key-major order");
        }
      } else if (CompareInterleaved(prev_key, prev_ts, e.key, e.ts) >= 0) {
        return DataLossAt(path_, pos, "entries out of interleaved order");
      }
    }
    if (e.ts < min_ts_ || e.ts > max_ts_) {
      return DataLossAt(path_, pos, "entry timestamp outside the footer's range");
    }
    offsets.push_back(pos);
    prev_key = e.key;
    prev_ts = e.ts;
    pos += e.size;
  }
  if (offsets.size() != dir_count_) {
    return DataLossAt(path_, dir_offset_, "entry count does not match directory");
  }
  uint64_t keys = 0;
  for (size_t i = 0; i < dir_count_; ++i) {
    const uint64_t off = DirOffset(i);
    if (!std::binary_search(offsets.begin(), offsets.end(), off)) {
      return DataLossAt(path_, dir_offset_ + 16 * i,
                        "directory points between entries");
    }
    ZVERSE_ASSIGN_OR_RETURN(EntryView e, Entry(off));
    if (e.ts != DirTs(i)) {
      return DataLossAt(path_, dir_offset_ + 16 * i,
                        "directory timestamp does not match its entry");
    }
    if (i > 0) {
      const std::string_view pk = DirKey(i - 1);
      const bool newest = pk != e.key;
      if (newest != DirNewest(i) ||
          (newest ? pk > e.key : DirTs(i - 1) <= e.ts)) {
        return DataLossAt(path_, dir_offset_ + 16 * i, "directory out of order");
      }
    } else if (!DirNewest(0)) {
      return DataLossAt(path_, dir_offset_, "directory out of order");
    }
    if (DirNewest(i)) {
      ++keys;
      size_t b, en;
      uint64_t newest_offset, newest_ts;
      bool by_dir = false, by_slot = false;
      ZVERSE_RETURN_IF_ERROR(FindKey(e.key, &by_dir, &b, &en));
      ZVERSE_RETURN_IF_ERROR(Lookup(e.key, KeyHash(e.key), UINT64_MAX,
                                    &by_slot, &newest_offset, &newest_ts));
      if (!by_dir || b != i || !by_slot || newest_offset != off ||
          newest_ts != e.ts) {
        return DataLossAt(path_, dir_offset_ + 16 * i,
                          "hash table does not find a key");
      }
    }
  }
  if (keys != key_count_) {
    return DataLossAt(path_, footer_offset_, "key count mismatch");
  }
  // The fence block holds every stride-th directory key.
  for (size_t j = 0; j < fence_count_; ++j) {
    const uint64_t a = LoadU32(fence_offsets_ + 4 * j);
    const uint64_t b = LoadU32(fence_offsets_ + 4 * (j + 1));
    if (a > b || b > fence_key_bytes_ ||
        std::string_view(fence_keys_ + a, b - a) != DirKey(j << fence_shift_)) {
      return DataLossAt(path_,
                        static_cast<uint64_t>(fence_offsets_ - map_->data()) + 4 * j,
                        "fence key does not match the directory");
    }
  }
  return absl::OkStatus();
}

}  // namespace zverse::kv::internal
