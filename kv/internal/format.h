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

inline constexpr size_t kFileHeaderSize = 64;
inline constexpr size_t kEntryHeaderSize = 32;
inline constexpr size_t kGroupHeaderSize = 32;
inline constexpr size_t kFooterSize = 128;

// Entry flags. Do not change these values.
inline constexpr uint32_t kEntryTombstone = 1u << 0;

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

// File names: "%06llu.log", "%06llu.seg".
std::string LogFileName(const std::string& dir, uint64_t number);
std::string SegmentFileName(const std::string& dir, uint64_t number);
enum class FileType { kLog, kSegment, kTemp, kOther };
FileType ParseFileName(std::string_view name, uint64_t* number);

// The 64-byte header at the start of log and segment files.
//   0  u64 magic
//   8  u32 format version
//   12 u32 reserved
//   16 u64 file number
//   24 u64 creation time (micros)
//   32..56 reserved, 0
//   56 u64 checksum of bytes [0, 56)
void EncodeFileHeader(uint64_t magic, uint64_t number, uint64_t created_us,
                      char* out);
// Validates the header: DataLoss for damage, Unimplemented for an unknown
// format version.
absl::Status CheckFileHeader(const char* data, size_t size, uint64_t magic,
                             uint64_t number, const std::string& file);

}  // namespace zverse::kv::internal

#endif  // ZVERSE_KV_INTERNAL_FORMAT_H_
