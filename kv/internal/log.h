// Log files: the data files that are the write-ahead log. A commit leader
// appends one *group* (one or more committed batches) with a single write:
//
//   group header (32 bytes)
//     0  u64 checksum of bytes [8, 32 + body_bytes)
//     8  u32 kGroupMagic
//     12 u32 entry count
//     16 u64 body bytes (the entries that follow)
//     24 u64 commit sequence of the group's first batch
//   entries (format.h), each carrying in its reserved field (offset 28) the
//   index of its batch within the group: seq = first seq + batch index.
//
// Recovery walks the groups. A group that is cut short, or fails its checksum
// with nothing valid after it, is a torn tail: it and everything after it are
// dropped (never acknowledged: a group is acknowledged only after it was
// written whole, and under SyncMode::kAlways synced). A damaged group followed
// by a valid one is corruption: DataLoss naming file and offset.

#ifndef ZVERSE_KV_INTERNAL_LOG_H_
#define ZVERSE_KV_INTERNAL_LOG_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "kv/env.h"
#include "kv/internal/format.h"
#include "kv/internal/memtable.h"

namespace zverse::kv::internal {

// Builds a group in memory.
class GroupEncoder {
 public:
  void Reset(uint64_t first_seq);
  // Adds one entry of batch `batch_index`; returns its offset in the group.
  size_t Add(std::string_view key, std::string_view value, uint64_t ts,
             uint32_t flags, uint32_t batch_index);
  // Fills in the header; the group is then buf().
  std::string_view Finish();

 private:
  std::string buf_;
  uint32_t count_ = 0;
};

struct LogRecovery {
  uint64_t valid_size = 0;     // Bytes up to the end of the last good group.
  uint64_t dropped_bytes = 0;  // Torn tail after valid_size.
  uint64_t max_seq = 0;
  uint64_t max_ts = 0;
  uint64_t entries = 0;
};

// Walks the groups of a log file of `file_size` bytes mapped at `log`, calling
// `fn(entry, offset, seq)` for every entry of every complete group.
absl::StatusOr<LogRecovery> RecoverLog(
    const LogFile& log, uint64_t file_size,
    absl::FunctionRef<void(const EntryView&, uint64_t offset, uint64_t seq)>
        fn);

// The active log: appends groups and maps the file for readers.
class LogWriter {
 public:
  // Creates a new, empty log file (header written and synced).
  // (Blob files are written the same way, with kBlobMagic.)
  static absl::StatusOr<std::unique_ptr<LogWriter>> Create(
      Env* env, const std::string& path, uint64_t number, uint64_t capacity,
      uint64_t magic = kLogMagic);
  // Continues an existing log of `size` valid bytes (truncating the rest).
  static absl::StatusOr<std::unique_ptr<LogWriter>> Reopen(
      Env* env, std::shared_ptr<LogFile> log, uint64_t size,
      uint64_t capacity);

  absl::Status Append(std::string_view group);
  absl::Status Sync() { return file_->Sync(); }
  absl::Status Close() { return file_->Close(); }
  uint64_t size() const { return file_->Size(); }
  uint64_t capacity() const { return capacity_; }
  const std::shared_ptr<LogFile>& log() const { return log_; }

 private:
  LogWriter(std::unique_ptr<WritableFile> file, std::shared_ptr<LogFile> log,
            uint64_t capacity)
      : file_(std::move(file)), log_(std::move(log)), capacity_(capacity) {}
  std::unique_ptr<WritableFile> file_;
  std::shared_ptr<LogFile> log_;
  uint64_t capacity_;
};

// Maps an existing log file with room to grow to `capacity` bytes.
absl::StatusOr<std::shared_ptr<LogFile>> MapLogFile(Env* env,
                                                    const std::string& path,
                                                    uint64_t number,
                                                    uint64_t capacity);

}  // namespace zverse::kv::internal

#endif  // ZVERSE_KV_INTERNAL_LOG_H_
