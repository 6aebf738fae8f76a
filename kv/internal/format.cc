#include "kv/internal/format.h"

#include <zstd.h>

#include <cinttypes>
#include <memory>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#define XXH_INLINE_ALL
#include "xxhash.h"

namespace zverse::kv::internal {

uint64_t Checksum(const void* data, size_t n) { return XXH3_64bits(data, n); }

uint64_t KeyHash(std::string_view key) {
  return XXH3_64bits(key.data(), key.size());
}

size_t EncodeEntry(std::string_view key, std::string_view value, uint64_t ts,
                   uint32_t flags, char* out) {
  const size_t size = EntrySize(key.size(), value.size());
  std::memset(out, 0, size);
  StoreU64(out + 8, ts);
  StoreU32(out + 16, static_cast<uint32_t>(key.size()));
  StoreU32(out + 20, static_cast<uint32_t>(value.size()));
  StoreU32(out + 24, flags);
  if (!key.empty()) std::memcpy(out + kEntryHeaderSize, key.data(), key.size());
  if (!value.empty()) {
    std::memcpy(out + kEntryHeaderSize + Align8(key.size()), value.data(),
                value.size());
  }
  StoreU64(out, Checksum(out + 8, size - 8));
  return size;
}

bool DecodeEntryUnchecked(const char* base, size_t offset, size_t limit,
                          EntryView* out) {
  if (offset > limit || limit - offset < kEntryHeaderSize) return false;
  const char* p = base + offset;
  const uint32_t key_len = LoadU32(p + 16);
  const uint32_t value_len = LoadU32(p + 20);
  const size_t size = EntrySize(key_len, value_len);
  if (size > limit - offset) return false;
  out->ts = LoadU64(p + 8);
  out->flags = LoadU32(p + 24);
  out->key = std::string_view(p + kEntryHeaderSize, key_len);
  out->value =
      std::string_view(p + kEntryHeaderSize + Align8(key_len), value_len);
  out->size = size;
  return true;
}

absl::StatusOr<EntryView> DecodeEntry(const char* base, size_t offset,
                                      size_t limit, const std::string& file) {
  EntryView e;
  if (!DecodeEntryUnchecked(base, offset, limit, &e)) {
    return DataLossAt(file, offset, "entry runs past the end of its region");
  }
  if (Checksum(base + offset + 8, e.size - 8) != LoadU64(base + offset)) {
    return DataLossAt(file, offset, "entry checksum mismatch");
  }
  return e;
}

absl::Status DataLossAt(const std::string& file, uint64_t offset,
                        std::string_view what) {
  return absl::DataLossError(
      absl::StrCat(absl::string_view(what.data(), what.size()), " in ", file, " at offset ", offset));
}

std::string LogFileName(const std::string& dir, uint64_t number) {
  return absl::StrFormat("%s/%06d.log", dir, number);
}

std::string SegmentFileName(const std::string& dir, uint64_t number) {
  return absl::StrFormat("%s/%06d.seg", dir, number);
}

FileType ParseFileName(std::string_view name, uint64_t* number) {
  if (name.size() > 4 && name.substr(name.size() - 4) == ".tmp") {
    return FileType::kTemp;
  }
  const size_t dot = name.find('.');
  if (dot == std::string_view::npos || dot == 0) return FileType::kOther;
  uint64_t n = 0;
  for (size_t i = 0; i < dot; ++i) {
    if (name[i] < '0' || name[i] > '9') return FileType::kOther;
    n = n * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  const std::string_view ext = name.substr(dot);
  *number = n;
  if (ext == ".log") return FileType::kLog;
  if (ext == ".seg") return FileType::kSegment;
  if (ext == ".blob") return FileType::kBlob;
  return FileType::kOther;
}

void EncodeFileHeader(uint64_t magic, uint64_t number, uint64_t created_us,
                      char* out, uint64_t blob_file, uint32_t flags) {
  std::memset(out, 0, kFileHeaderSize);
  StoreU64(out, magic);
  StoreU32(out + 8, kFormatVersion);
  StoreU32(out + 12, flags);
  StoreU64(out + 16, number);
  StoreU64(out + 24, created_us);
  StoreU64(out + 32, blob_file);
  StoreU64(out + 56, Checksum(out, 56));
}

absl::Status CheckFileHeader(const char* data, size_t size, uint64_t magic,
                             uint64_t number, const std::string& file) {
  if (size < kFileHeaderSize) {
    return DataLossAt(file, 0, "file shorter than its header");
  }
  if (LoadU64(data) != magic) return DataLossAt(file, 0, "bad file magic");
  if (Checksum(data, 56) != LoadU64(data + 56)) {
    return DataLossAt(file, 0, "file header checksum mismatch");
  }
  const uint32_t version = LoadU32(data + 8);
  if (version != kFormatVersion) {
    return absl::UnimplementedError(
        absl::StrCat(file, ": format version ", version,
                     " is not supported (this build reads version ",
                     kFormatVersion, ")"));
  }
  if (LoadU64(data + 16) != number) {
    return DataLossAt(file, 16, "file number in header does not match name");
  }
  return absl::OkStatus();
}

}  // namespace zverse::kv::internal

namespace zverse::kv::internal {

std::string BlobFileName(const std::string& dir, uint64_t number) {
  return absl::StrFormat("%s/%06u.blob", dir, number);
}

void AppendBlobRecord(std::string_view stored, uint64_t raw_length,
                      uint32_t flags, std::string* out) {
  const size_t at = out->size();
  out->resize(at + BlobRecordSize(stored.size()), '\0');
  char* p = out->data() + at;
  StoreU32(p + 8, flags);
  StoreU64(p + 16, raw_length);
  StoreU64(p + 24, stored.size());
  std::memcpy(p + kBlobHeaderSize, stored.data(), stored.size());
  StoreU64(p, Checksum(p + 8, kBlobHeaderSize - 8 + stored.size()));
}

std::string_view CompressBlob(std::string_view value, std::string* scratch,
                              uint32_t* flags) {
  *flags = 0;
  scratch->resize(ZSTD_compressBound(value.size()));
  // One context per thread, reused (creating one costs tens of µs).
  thread_local std::unique_ptr<ZSTD_CCtx, size_t (*)(ZSTD_CCtx*)> cctx(
      ZSTD_createCCtx(), ZSTD_freeCCtx);
  const size_t n =
      cctx == nullptr
          ? ZSTD_compress(scratch->data(), scratch->size(), value.data(),
                          value.size(), /*level=*/1)
          : ZSTD_compressCCtx(cctx.get(), scratch->data(), scratch->size(),
                              value.data(), value.size(), /*level=*/1);
  if (ZSTD_isError(n) || n > value.size() - value.size() / 8) return value;
  scratch->resize(n);
  *flags = kBlobZstd;
  return *scratch;
}

absl::StatusOr<BlobView> DecodeBlobRecord(const char* base, uint64_t offset,
                                          uint64_t limit,
                                          const std::string& file,
                                          bool verify) {
  if (offset % 8 != 0 || offset < kFileHeaderSize ||
      offset + kBlobHeaderSize > limit) {
    return DataLossAt(file, offset, "blob reference out of bounds");
  }
  const char* p = base + offset;
  BlobView b;
  b.flags = LoadU32(p + 8);
  b.raw_length = LoadU64(p + 16);
  const uint64_t stored = LoadU64(p + 24);
  if (stored > limit - offset - kBlobHeaderSize) {
    return DataLossAt(file, offset, "blob record runs past the end of the file");
  }
  if (verify &&
      Checksum(p + 8, kBlobHeaderSize - 8 + stored) != LoadU64(p)) {
    return DataLossAt(file, offset, "blob record checksum mismatch");
  }
  if ((b.flags & kBlobZstd) == 0 && stored != b.raw_length) {
    return DataLossAt(file, offset, "blob record length mismatch");
  }
  b.stored = std::string_view(p + kBlobHeaderSize, stored);
  return b;
}

absl::Status DecompressBlob(const BlobView& b, std::string* out,
                            const std::string& file, uint64_t offset) {
  out->resize(b.raw_length);
  thread_local std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> dctx(
      ZSTD_createDCtx(), ZSTD_freeDCtx);
  const size_t n =
      dctx == nullptr
          ? ZSTD_decompress(out->data(), out->size(), b.stored.data(),
                            b.stored.size())
          : ZSTD_decompressDCtx(dctx.get(), out->data(), out->size(),
                                b.stored.data(), b.stored.size());
  if (ZSTD_isError(n) || n != b.raw_length) {
    return DataLossAt(file, offset,
                      absl::StrCat("blob record does not decompress: ",
                                   ZSTD_isError(n) ? ZSTD_getErrorName(n)
                                                   : "wrong length"));
  }
  return absl::OkStatus();
}

}  // namespace zverse::kv::internal
