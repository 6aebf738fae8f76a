// The operating system and the clock, injected so that tests can fake time and
// inject I/O faults (short writes, failed syncs, a full disk).
//
// Env::Default() talks to POSIX. EnvWrapper forwards every call to another
// Env; a test overrides the calls it wants to break.
//
// Errors follow absl's guide: NotFound for a missing file, ResourceExhausted
// for a full disk (ENOSPC, EDQUOT, EFBIG: a file size limit), PermissionDenied, FailedPrecondition for a
// lock held elsewhere, Internal for anything else; every message names the
// path and the operation.
//
// Thread safety: Env implementations are thread-safe. A WritableFile is used
// by one thread at a time; a MappedRegion may be read by any number of
// threads.

#ifndef ZVERSE_KV_ENV_H_
#define ZVERSE_KV_ENV_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace zverse::kv {

// An append-only file.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // Appends all of `data` or fails; a short write is an error.
  virtual absl::Status Append(std::string_view data) = 0;
  // Makes everything appended so far durable (fdatasync).
  virtual absl::Status Sync() = 0;
  // Shrinks the file to `size` bytes; later appends continue from there.
  virtual absl::Status Truncate(uint64_t size) = 0;
  virtual absl::Status Close() = 0;
  // Bytes in the file, counting appends so far.
  virtual uint64_t Size() const = 0;
};

// A read-only, shared memory mapping of a file. The mapping may be reserved
// larger than the file so that a growing file stays readable at the same
// address; reading past the file's current end is undefined (SIGBUS).
class MappedRegion {
 public:
  virtual ~MappedRegion() = default;
  virtual const char* data() const = 0;
  // Length of the mapping in bytes.
  virtual size_t size() const = 0;
  // Hint that [offset, offset + length) will be read soon.
  virtual void WillNeed(size_t offset, size_t length) const {}
  // Drops this mapping's pages of [offset, offset + length) (the next read
  // faults them in again, from the page cache or the disk).
  virtual void DontNeed(size_t offset, size_t length) const {}
  // Whether the page holding `offset` is in memory (mincore): 1 or 0; -1
  // when that cannot be told.
  virtual int Resident(size_t offset) const { return -1; }
  // The pages of [offset, offset + length) that are not in memory: how many
  // (-1 when that cannot be told), and the byte range from the first to the
  // end of the last of them in *first and *end.
  virtual int64_t Missing(size_t offset, size_t length, size_t* first,
                          size_t* end) const {
    return -1;
  }
  // Access advice for [offset, offset + length) (madvise): kNormal,
  // kSequential (read ahead aggressively, drop behind), kCold (the pages
  // may be reclaimed first) or kRandom (a fault reads its page only, no
  // read-around).
  enum class Advice { kNormal, kSequential, kCold, kRandom };
  virtual void Advise(size_t offset, size_t length, Advice advice) const {}
};

// An exclusive advisory lock, released when destroyed.
class FileLock {
 public:
  virtual ~FileLock() = default;
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide POSIX environment. Never deleted.
  static Env* Default();

  // Microseconds since the Unix epoch.
  virtual uint64_t NowMicros() = 0;

  // Opens `path` for appending, creating it if missing; `truncate` empties it.
  virtual absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, bool truncate) = 0;
  // Maps `path` read-only. `length` 0 maps the file's current size; a larger
  // length reserves address space for growth.
  virtual absl::StatusOr<std::unique_ptr<MappedRegion>> MapReadOnly(
      const std::string& path, uint64_t length) = 0;
  virtual absl::StatusOr<std::string> ReadFile(const std::string& path) = 0;
  // Writes `data` to a temporary file, syncs it, renames it over `path` and
  // syncs the directory: either the old or the new contents survive a crash.
  virtual absl::Status WriteFileAtomically(const std::string& path,
                                           std::string_view data) = 0;
  virtual absl::StatusOr<uint64_t> GetFileSize(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual bool IsDirectory(const std::string& path) = 0;
  // Names (not paths) of the entries of `dir`, without "." and "..".
  virtual absl::StatusOr<std::vector<std::string>> GetChildren(
      const std::string& dir) = 0;
  // Creates `dir` (and missing parents); OK if it exists.
  virtual absl::Status CreateDir(const std::string& dir) = 0;
  virtual absl::Status RemoveFile(const std::string& path) = 0;
  virtual absl::Status RenameFile(const std::string& from,
                                  const std::string& to) = 0;
  virtual absl::Status TruncateFile(const std::string& path,
                                    uint64_t size) = 0;
  // Makes the directory's entries (creations, renames, removals) durable.
  virtual absl::Status SyncDir(const std::string& dir) = 0;
  // Takes an exclusive lock on `path` (created if missing) without waiting:
  // FailedPrecondition if another holder has it.
  virtual absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) = 0;
  // Takes a shared lock on `path` without waiting: any number of shared
  // holders, none while an exclusive one holds it (FailedPrecondition).
  virtual absl::StatusOr<std::unique_ptr<FileLock>> LockFileShared(
      const std::string& path) = 0;
  virtual void SleepMicros(uint64_t micros) = 0;
  // Asks the OS to drop the clean cached pages of `path` (posix_fadvise
  // DONTNEED), for cold-cache measurements. Pages some process maps stay.
  virtual absl::Status DropFileCache(const std::string& path) {
    return absl::OkStatus();
  }
  // How much the OS reads around a page fault on a mapping of a file in
  // directory `path` (the device's read-ahead), in bytes; 128 KiB (Linux's
  // default) when it cannot be told.
  virtual uint64_t ReadAheadBytes(const std::string& path) {
    return uint64_t{128} << 10;
  }
};

// Forwards every call to `target`, which must outlive the wrapper.
class EnvWrapper : public Env {
 public:
  explicit EnvWrapper(Env* target) : target_(target) {}
  Env* target() const { return target_; }

  uint64_t NowMicros() override { return target_->NowMicros(); }
  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, bool truncate) override {
    return target_->NewWritableFile(path, truncate);
  }
  absl::StatusOr<std::unique_ptr<MappedRegion>> MapReadOnly(
      const std::string& path, uint64_t length) override {
    return target_->MapReadOnly(path, length);
  }
  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    return target_->ReadFile(path);
  }
  absl::Status WriteFileAtomically(const std::string& path,
                                   std::string_view data) override {
    return target_->WriteFileAtomically(path, data);
  }
  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    return target_->GetFileSize(path);
  }
  bool FileExists(const std::string& path) override {
    return target_->FileExists(path);
  }
  bool IsDirectory(const std::string& path) override {
    return target_->IsDirectory(path);
  }
  absl::StatusOr<std::vector<std::string>> GetChildren(
      const std::string& dir) override {
    return target_->GetChildren(dir);
  }
  absl::Status CreateDir(const std::string& dir) override {
    return target_->CreateDir(dir);
  }
  absl::Status RemoveFile(const std::string& path) override {
    return target_->RemoveFile(path);
  }
  absl::Status RenameFile(const std::string& from,
                          const std::string& to) override {
    return target_->RenameFile(from, to);
  }
  absl::Status TruncateFile(const std::string& path, uint64_t size) override {
    return target_->TruncateFile(path, size);
  }
  absl::Status SyncDir(const std::string& dir) override {
    return target_->SyncDir(dir);
  }
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) override {
    return target_->LockFile(path);
  }
  absl::StatusOr<std::unique_ptr<FileLock>> LockFileShared(
      const std::string& path) override {
    return target_->LockFileShared(path);
  }
  void SleepMicros(uint64_t micros) override { target_->SleepMicros(micros); }
  absl::Status DropFileCache(const std::string& path) override {
    return target_->DropFileCache(path);
  }
  uint64_t ReadAheadBytes(const std::string& path) override {
    return target_->ReadAheadBytes(path);
  }

 private:
  Env* target_;
};

}  // namespace zverse::kv

#endif  // ZVERSE_KV_ENV_H_
