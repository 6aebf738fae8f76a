// On-disk format constants and the entry encoding shared by log files and
// segments. kv/FORMAT.md describes every byte; do not change these values
// without bumping kFormatVersion.

#ifndef ZVERSE_KV_INTERNAL_FORMAT_H_
#define ZVERSE_KV_INTERNAL_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace zverse::kv::internal {

inline constexpr uint32_t kFormatVersion = 1;

// File magics (little-endian u64 of the ASCII text).
inline constexpr uint64_t kLogMagic = 0x31474F4C5356575AULL;      // "ZWVSLOG1"
inline constexpr uint64_t kSegmentMagic = 0x314745535356575AULL;   // "ZWVSSEG1"
inline constexpr uint64_t kFooterMagic = 0x3152544F4F46565AULL;   // "ZVFOOTR1"
inline constexpr uint32_t kGroupMagic = 0x4D43565A;               // "ZVCM"
inline constexpr uint64_t kBlobMagic = 0x31424C425356575AULL;     // "ZWVSBLB1"

inline constexpr size_t kFileHeaderSize = 64;
inline constexpr size_t kEntryHeaderSize = 32;
inline constexpr size_t kGroupHeaderSize = 32;
inline constexpr size_t kFooterSize = 128;

// Entry flags. Do not change these values.
inline constexpr uint32_t kEntryTombstone = 1u << 0;
// The value is a BlobRef (kBlobRefSize bytes) to a record of a blob file
// (the overflow area) that holds the value.
inline constexpr uint32_t kEntryOverflow = 1u << 1;

// The identity file that marks a directory as a database.
inline constexpr char kIdentityFile[] = "ZVERSE";
inline constexpr char kLockFile[] = "LOCK";

inline constexpr size_t Align8(size_t n) { return (n + 7) & ~size_t{7}; }

inline uint32_t LoadU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline uint64_t LoadU64(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}
inline void StoreU32(char* p, uint32_t v) { std::memcpy(p, &v, sizeof(v)); }
inline void StoreU64(char* p, uint64_t v) { std::memcpy(p, &v, sizeof(v)); }

uint64_t Checksum(const void* data, size_t n);
// The hash of a key used by segment hash tables and memtable filters.
uint64_t KeyHash(std::string_view key);

// Values of this many bytes or more go to the overflow area.
inline constexpr size_t kOverflowThreshold = 4096;

// A reference from an entry to its value in a blob file.
//   0  u64 blob file number
//   8  u64 offset of the blob record in that file
//   16 u64 value length (uncompressed)
inline constexpr size_t kBlobRefSize = 24;
struct BlobRef {
  uint64_t file = 0;
  uint64_t offset = 0;
  uint64_t length = 0;
};
inline void EncodeBlobRef(const BlobRef& r, char* out) {
  StoreU64(out, r.file);
  StoreU64(out + 8, r.offset);
  StoreU64(out + 16, r.length);
}
inline bool DecodeBlobRef(std::string_view v, BlobRef* r) {
  if (v.size() != kBlobRefSize) return false;
  r->file = LoadU64(v.data());
  r->offset = LoadU64(v.data() + 8);
  r->length = LoadU64(v.data() + 16);
  return true;
}

// A blob record (8-byte aligned in a blob file, after its file header):
//   0  u64 checksum of bytes [8, 32 + stored length)
//   8  u32 flags (kBlobZstd)
//   12 u32 reserved, 0
//   16 u64 value length (uncompressed)
//   24 u64 stored length
//   32 stored bytes (the value, or its zstd frame), zero padded to 8
inline constexpr size_t kBlobHeaderSize = 32;
inline constexpr uint32_t kBlobZstd = 1u << 0;
inline constexpr size_t BlobRecordSize(size_t stored) {
  return kBlobHeaderSize + Align8(stored);
}
// Appends the record for `stored` (already compressed when kBlobZstd is in
// `flags`) to *out.
void AppendBlobRecord(std::string_view stored, uint64_t raw_length,
                      uint32_t flags, std::string* out);
// The stored bytes of `value`: its zstd frame when that saves at least an
// eighth, else the value itself (*flags tells which; *scratch holds the
// frame).
std::string_view CompressBlob(std::string_view value, std::string* scratch,
                              uint32_t* flags);
// A decoded blob record header; `stored` points into the mapping.
struct BlobView {
  std::string_view stored;
  uint64_t raw_length = 0;
  uint32_t flags = 0;
};
// Decodes and checks (bounds, and the checksum when `verify`) the record at
// `base + offset` of a file with `limit` readable bytes. DataLoss naming
// `file` and the offset.
absl::StatusOr<BlobView> DecodeBlobRecord(const char* base, uint64_t offset,
                                          uint64_t limit,
                                          const std::string& file,
                                          bool verify);
// Decompresses a kBlobZstd record into *out (raw_length bytes).
absl::Status DecompressBlob(const BlobView& b, std::string* out,
                            const std::string& file, uint64_t offset);


// Bytes an entry with these sizes occupies (always a multiple of 8).
inline constexpr size_t EntrySize(size_t key_len, size_t value_len) {
  return kEntryHeaderSize + Align8(key_len) + Align8(value_len);
}

// Encodes an entry at `out` (8-byte aligned, EntrySize bytes, zero padded)
// and returns its size.
//
//   0  u64 checksum of bytes [8, size)
//   8  u64 timestamp
//   16 u32 key length
//   20 u32 value length
//   24 u32 flags (kEntryTombstone)
//   28 u32 reserved, 0
//   32 key, zero padded to 8; then value, zero padded to 8
size_t EncodeEntry(std::string_view key, std::string_view value, uint64_t ts,
                   uint32_t flags, char* out);

// A decoded entry; the views point into the buffer it was decoded from.
struct EntryView {
  std::string_view key;
  std::string_view value;
  uint64_t ts = 0;
  uint32_t flags = 0;
  size_t size = 0;  // Encoded size.
  bool deleted() const { return (flags & kEntryTombstone) != 0; }
};

// Decodes the entry at `base + offset`, with `limit` the end of the readable
// region. Checks bounds and the checksum: DataLoss naming `file` and the
// offset on failure.
absl::StatusOr<EntryView> DecodeEntry(const char* base, size_t offset,
                                      size_t limit, const std::string& file);

// Decodes without checking the checksum (bounds are still checked). Used
// where the enclosing structure was verified as a whole.
bool DecodeEntryUnchecked(const char* base, size_t offset, size_t limit,
                          EntryView* out);

absl::Status DataLossAt(const std::string& file, uint64_t offset,
                        std::string_view what);

// File names: "%06llu.log", "%06llu.seg", "%06llu.blob".
std::string LogFileName(const std::string& dir, uint64_t number);
std::string SegmentFileName(const std::string& dir, uint64_t number);
std::string BlobFileName(const std::string& dir, uint64_t number);
enum class FileType { kLog, kSegment, kBlob, kTemp, kOther };
FileType ParseFileName(std::string_view name, uint64_t* number);

// The 64-byte header at the start of log and segment files.
//   0  u64 magic
//   8  u32 format version
//   12 u32 flags: segments, kSegment* below; 0 in other files
//   16 u64 file number
//   24 u64 creation time (micros)
//   32 u64 segments: the blob file number its overflow values are in (0:
//      none); 0 in other files
//   40..56 reserved, 0
//   56 u64 checksum of bytes [0, 56)
void EncodeFileHeader(uint64_t magic, uint64_t number, uint64_t created_us,
                      char* out, uint64_t blob_file = 0, uint32_t flags = 0);
// Header flags (offset 12) of a segment. Unknown bits are Unimplemented.
inline constexpr uint32_t kSegmentKeyMajor = 1;  // Entries in key-major order.
inline constexpr uint32_t kKnownSegmentFlags = kSegmentKeyMajor;
// Validates the header: DataLoss for damage, Unimplemented for an unknown
// format version.
absl::Status CheckFileHeader(const char* data, size_t size, uint64_t magic,
                             uint64_t number, const std::string& file);

}  // namespace zverse::kv::internal

#endif  // ZVERSE_KV_INTERNAL_FORMAT_H_
