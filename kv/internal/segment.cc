#include "kv/internal/segment.h"

#include <algorithm>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "kv/interleave.h"
#include "kv/status_macros.h"
#define XXH_INLINE_ALL
#include "xxhash.h"

namespace zverse::kv::internal {
namespace {

// Footer layout (128 bytes). Do not change these offsets.
constexpr size_t kFtMagic = 0;
constexpr size_t kFtVersion = 8;       // u32, then u32 flags
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

absl::Status WriteSegment(Env* env, const std::string& dir,
                          const SegmentMeta& meta,
                          const std::vector<SegmentInput>& entries) {
  const size_t n = entries.size();
  // Physical order: by interleaved key, ties by (key, ts). The first eight
  // interleaved bytes, as a big-endian integer, settle most comparisons.
  std::vector<uint64_t> ikey_offsets(n + 1);
  size_t total = 0;
  for (size_t i = 0; i < n; ++i) {
    ikey_offsets[i] = total;
    total += InterleavedSize(entries[i].key.size());
  }
  ikey_offsets[n] = total;
  std::string ikeys(total, '\0');
  std::vector<uint64_t> prefix(n);
  for (size_t i = 0; i < n; ++i) {
    char* p = ikeys.data() + ikey_offsets[i];
    InterleaveTo(entries[i].key, entries[i].ts, p);
    uint64_t v;
    std::memcpy(&v, p, 8);  // Every encoding has at least 8 bytes.
    prefix[i] = __builtin_bswap64(v);
  }
  std::vector<uint32_t> order(n);
  for (size_t i = 0; i < n; ++i) order[i] = static_cast<uint32_t>(i);
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    if (prefix[a] != prefix[b]) return prefix[a] < prefix[b];
    const std::string_view ia(ikeys.data() + ikey_offsets[a],
                              ikey_offsets[a + 1] - ikey_offsets[a]);
    const std::string_view ib(ikeys.data() + ikey_offsets[b],
                              ikey_offsets[b + 1] - ikey_offsets[b]);
    const int c = ia.compare(ib);
    if (c != 0) return c < 0;
    const int k = entries[a].key.compare(entries[b].key);
    if (k != 0) return k < 0;
    return entries[a].ts < entries[b].ts;
  });
  ikeys.clear();
  ikeys.shrink_to_fit();

  const std::string path = SegmentFileName(dir, meta.number);
  const std::string tmp = path + ".tmp";
  ZVERSE_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(tmp, true));
  BufferedWriter out(file.get());
  char header[kFileHeaderSize];
  EncodeFileHeader(kSegmentMagic, meta.number, env->NowMicros(), header);
  ZVERSE_RETURN_IF_ERROR(out.Write(header, sizeof(header)));

  std::vector<uint64_t> offsets(n);
  uint64_t pos = kFileHeaderSize;
  uint64_t min_ts = n == 0 ? 0 : UINT64_MAX, max_ts = 0;
  for (uint32_t i : order) {
    offsets[i] = pos;
    ZVERSE_RETURN_IF_ERROR(out.Write(entries[i].entry, entries[i].size));
    pos += entries[i].size;
    min_ts = std::min(min_ts, entries[i].ts);
    max_ts = std::max(max_ts, entries[i].ts);
  }
  const uint64_t dir_offset = pos;

  // Directory in key order, and the hash table of keys.
  std::string dir_buf(16 * n, '\0');
  uint64_t key_count = 0;
  for (size_t i = 0; i < n; ++i) {
    const bool newest = i == 0 || entries[i].key != entries[i - 1].key;
    key_count += newest;
    StoreU64(dir_buf.data() + 16 * i, offsets[i]);
    StoreU64(dir_buf.data() + 16 * i + 8,
             entries[i].ts | (newest ? kDirNewestFlag : 0));
  }
  const uint64_t slots = key_count + key_count * 3 / 7 + 1;  // Load <= 0.7.
  std::string hash_buf(kSlotSize * slots, '\0');
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    while (j < n && entries[j].key == entries[i].key) ++j;
    const uint64_t h = KeyHash(entries[i].key);
    uint64_t s = static_cast<uint64_t>(
        (static_cast<unsigned __int128>(h) * slots) >> 64);
    while (LoadU32(hash_buf.data() + kSlotSize * s + 28) != 0) {
      if (++s == slots) s = 0;
    }
    char* slot = hash_buf.data() + kSlotSize * s;
    StoreU64(slot, h);
    StoreU64(slot + 8, offsets[i]);
    StoreU64(slot + 16, entries[i].ts);
    StoreU32(slot + 24, static_cast<uint32_t>(i));
    StoreU32(slot + 28, static_cast<uint32_t>(j - i));
    i = j;
  }
  ZVERSE_RETURN_IF_ERROR(out.Write(dir_buf.data(), dir_buf.size()));
  ZVERSE_RETURN_IF_ERROR(out.Write(hash_buf.data(), hash_buf.size()));
  XXH3_state_t* state = XXH3_createState();
  XXH3_64bits_reset(state);
  XXH3_64bits_update(state, dir_buf.data(), dir_buf.size());
  XXH3_64bits_update(state, hash_buf.data(), hash_buf.size());
  const uint64_t index_checksum = XXH3_64bits_digest(state);
  XXH3_freeState(state);

  char footer[kFooterSize] = {};
  StoreU64(footer + kFtMagic, kFooterMagic);
  StoreU32(footer + kFtVersion, kFormatVersion);
  StoreU64(footer + kFtNumber, meta.number);
  StoreU64(footer + kFtEntryCount, n);
  StoreU64(footer + kFtKeyCount, key_count);
  StoreU64(footer + kFtDataOffset, kFileHeaderSize);
  StoreU64(footer + kFtDataBytes, dir_offset - kFileHeaderSize);
  StoreU64(footer + kFtDirOffset, dir_offset);
  StoreU64(footer + kFtHashOffset, dir_offset + dir_buf.size());
  StoreU64(footer + kFtHashSlots, slots);
  StoreU64(footer + kFtMinTs, min_ts);
  StoreU64(footer + kFtMaxTs, max_ts);
  StoreU64(footer + kFtReplacesLo, meta.replaces_lo);
  StoreU64(footer + kFtReplacesHi, meta.replaces_hi);
  StoreU64(footer + kFtIndexChecksum, index_checksum);
  StoreU64(footer + kFtChecksum, Checksum(footer, kFtChecksum));
  ZVERSE_RETURN_IF_ERROR(out.Write(footer, sizeof(footer)));
  ZVERSE_RETURN_IF_ERROR(out.Flush());
  ZVERSE_RETURN_IF_ERROR(file->Sync());
  ZVERSE_RETURN_IF_ERROR(file->Close());
  ZVERSE_RETURN_IF_ERROR(env->RenameFile(tmp, path));
  return env->SyncDir(dir);
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
  seg->index_checksum_ = LoadU64(f + kFtIndexChecksum);
  const bool sane =
      seg->data_begin_ == kFileHeaderSize &&
      seg->dir_offset_ >= seg->data_begin_ &&
      LoadU64(f + kFtDataBytes) == seg->dir_offset_ - seg->data_begin_ &&
      seg->dir_count_ <= fo / 16 &&
      hash_offset == seg->dir_offset_ + 16 * seg->dir_count_ &&
      slots != 0 && slots <= fo / kSlotSize &&
      hash_offset + kSlotSize * slots == fo && seg->key_count_ < slots &&
      seg->key_count_ <= seg->dir_count_ && seg->dir_count_ < (1ull << 32);
  if (!sane) return DataLossAt(path, fo, "segment footer is inconsistent");
  seg->dir_ = base + seg->dir_offset_;
  seg->hash_ = base + hash_offset;
  seg->hash_slots_ = slots;
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
                             bool* found, uint64_t* offset,
                             uint64_t* ts) const {
  *found = false;
  uint64_t s = HomeSlot(h);
  for (uint64_t probes = 0; probes < hash_slots_; ++probes) {
    const char* slot = hash_ + kSlotSize * s;
    const uint32_t count = LoadU32(slot + 28);
    if (count == 0) return absl::OkStatus();
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
          *found = true;
          *offset = newest;
          *ts = LoadU64(slot + 16);
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

size_t Segment::LowerBound(std::string_view key) const {
  size_t lo = 0, hi = dir_count_;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
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
    if (!offsets.empty() &&
        CompareInterleaved(prev_key, prev_ts, e.key, e.ts) >= 0) {
      return DataLossAt(path_, pos, "entries out of interleaved order");
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
  return absl::OkStatus();
}

}  // namespace zverse::kv::internal
