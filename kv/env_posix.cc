#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <chrono>
#include <cstring>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kv/env.h"
#include "kv/status_macros.h"

namespace zverse::kv {
namespace {

absl::Status PosixError(std::string_view op, const std::string& path,
                        int err) {
  std::string msg = absl::StrCat(absl::string_view(op.data(), op.size()), " ", path, ": ", std::strerror(err));
  switch (err) {
    case ENOENT:
      return absl::NotFoundError(msg);
    // A full disk or quota, and a file past RLIMIT_FSIZE (EFBIG, once
    // SIGXFSZ is ignored): the write was refused for want of room.
    case ENOSPC:
    case EDQUOT:
    case EFBIG:
      return absl::ResourceExhaustedError(msg);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(msg);
    case EEXIST:
      return absl::AlreadyExistsError(msg);
    default:
      return absl::InternalError(msg);
  }
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(std::string path, int fd, uint64_t size)
      : path_(std::move(path)), fd_(fd), size_(size) {}
  ~PosixWritableFile() override {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status Append(std::string_view data) override {
    const char* p = data.data();
    size_t left = data.size();
    while (left > 0) {
      ssize_t n = ::write(fd_, p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        // Leave no partial record behind for the next append to follow.
        if (::ftruncate(fd_, static_cast<off_t>(size_)) == 0) {
          ::lseek(fd_, 0, SEEK_END);
        }
        return PosixError("write", path_, err);
      }
      p += n;
      left -= static_cast<size_t>(n);
    }
    size_ += data.size();
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    if (::fdatasync(fd_) != 0) return PosixError("fdatasync", path_, errno);
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t size) override {
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return PosixError("ftruncate", path_, errno);
    }
    if (::lseek(fd_, static_cast<off_t>(size), SEEK_SET) < 0) {
      return PosixError("lseek", path_, errno);
    }
    size_ = size;
    return absl::OkStatus();
  }

  absl::Status Close() override {
    if (fd_ < 0) return absl::OkStatus();
    const int rc = ::close(fd_);
    fd_ = -1;
    if (rc != 0) return PosixError("close", path_, errno);
    return absl::OkStatus();
  }

  uint64_t Size() const override { return size_; }

 private:
  std::string path_;
  int fd_;
  uint64_t size_;
};

// MADV_COLD (Linux 5.4) where the C library's headers predate it; an older
// kernel rejects it with EINVAL, which costs nothing.
#ifdef MADV_COLD
constexpr int kMadvCold = MADV_COLD;
#else
constexpr int kMadvCold = 20;
#endif

class PosixMappedRegion final : public MappedRegion {
 public:
  PosixMappedRegion(void* base, size_t size) : base_(base), size_(size) {}
  ~PosixMappedRegion() override {
    if (base_ != nullptr && size_ > 0) ::munmap(base_, size_);
  }
  const char* data() const override { return static_cast<const char*>(base_); }
  size_t size() const override { return size_; }
  void DontNeed(size_t offset, size_t length) const override {
    static const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    if (offset >= size_) return;
    const size_t begin = offset & ~(kPage - 1);
    const size_t end = std::min(size_, offset + length);
    ::madvise(static_cast<char*>(base_) + begin, end - begin, MADV_DONTNEED);
  }
  int Resident(size_t offset) const override {
    static const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    if (base_ == nullptr || offset >= size_) return -1;
    unsigned char v = 0;
    if (::mincore(static_cast<char*>(base_) + (offset & ~(kPage - 1)), 1,
                  &v) != 0) {
      return -1;
    }
    return v & 1;
  }
  void WillNeed(size_t offset, size_t length) const override {
    static const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    if (offset >= size_) return;
    const size_t begin = offset & ~(kPage - 1);
    const size_t end = std::min(size_, offset + length);
    ::madvise(static_cast<char*>(base_) + begin, end - begin, MADV_WILLNEED);
  }
  int64_t Missing(size_t offset, size_t length, size_t* first,
                  size_t* end) const override {
    static const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    if (base_ == nullptr || offset >= size_ || length == 0) return -1;
    const size_t begin = offset & ~(kPage - 1);
    const size_t stop = std::min(size_, offset + length);
    const size_t pages = (stop - begin + kPage - 1) / kPage;
    thread_local std::vector<unsigned char> vec;
    vec.resize(pages);
    if (::mincore(static_cast<char*>(base_) + begin, stop - begin, vec.data()) !=
        0) {
      return -1;
    }
    int64_t missing = 0;
    size_t lo = SIZE_MAX, hi = 0;
    for (size_t i = 0; i < pages; ++i) {
      if ((vec[i] & 1) != 0) continue;
      ++missing;
      lo = std::min(lo, i);
      hi = i + 1;
    }
    if (missing > 0) {
      *first = std::max(offset, begin + lo * kPage);
      *end = std::min(stop, begin + hi * kPage);
    }
    return missing;
  }
  void Advise(size_t offset, size_t length, Advice advice) const override {
    static const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    if (base_ == nullptr || offset >= size_ || length == 0) return;
    const size_t begin = offset & ~(kPage - 1);
    // Whole pages only: advice on a partial last page would reach past the
    // range (mappings are page-granular, the end is rounded up).
    const size_t end = std::min(size_, offset + length);
    const int a = advice == Advice::kSequential ? MADV_SEQUENTIAL
                  : advice == Advice::kCold     ? kMadvCold
                  : advice == Advice::kRandom   ? MADV_RANDOM
                                                : MADV_NORMAL;
    ::madvise(static_cast<char*>(base_) + begin, end - begin, a);
  }

 private:
  void* base_;
  size_t size_;
};

class PosixFileLock final : public FileLock {
 public:
  explicit PosixFileLock(int fd) : fd_(fd) {}
  ~PosixFileLock() override {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }

 private:
  int fd_;
};

class PosixEnv final : public Env {
 public:
  uint64_t NowMicros() override {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::system_clock::now().time_since_epoch())
            .count());
  }

  absl::StatusOr<std::unique_ptr<WritableFile>> NewWritableFile(
      const std::string& path, bool truncate) override {
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | O_APPEND;
    if (truncate) flags |= O_TRUNC;
    const int fd = ::open(path.c_str(), flags, 0644);
    if (fd < 0) return PosixError("open", path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      const int err = errno;
      ::close(fd);
      return PosixError("fstat", path, err);
    }
    return std::make_unique<PosixWritableFile>(path, fd,
                                               static_cast<uint64_t>(st.st_size));
  }

  absl::StatusOr<std::unique_ptr<MappedRegion>> MapReadOnly(
      const std::string& path, uint64_t length) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("open", path, errno);
    if (length == 0) {
      struct stat st;
      if (::fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return PosixError("fstat", path, err);
      }
      length = static_cast<uint64_t>(st.st_size);
    }
    if (length == 0) {
      ::close(fd);
      return std::make_unique<PosixMappedRegion>(nullptr, 0);
    }
    void* base = ::mmap(nullptr, length, PROT_READ, MAP_SHARED, fd, 0);
    const int err = errno;
    ::close(fd);
    if (base == MAP_FAILED) return PosixError("mmap", path, err);
    return std::make_unique<PosixMappedRegion>(base, length);
  }

  absl::Status DropFileCache(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("open", path, errno);
    const int rc = ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
    if (rc != 0) return PosixError("posix_fadvise", path, rc);
    return absl::OkStatus();
  }

  uint64_t ReadAheadBytes(const std::string& path) override {
    uint64_t fallback = uint64_t{128} << 10;
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return fallback;
    const std::string dev = absl::StrCat("/sys/dev/block/", major(st.st_dev),
                                         ":", minor(st.st_dev));
    // A partition's queue is its disk's.
    for (const char* rel : {"/queue/read_ahead_kb", "/../queue/read_ahead_kb"}) {
      absl::StatusOr<std::string> text = ReadFile(dev + rel);
      uint64_t kb = 0;
      if (text.ok() && absl::SimpleAtoi(absl::StripAsciiWhitespace(*text), &kb)) {
        return kb << 10;
      }
    }
    return fallback;
  }

  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return PosixError("open", path, errno);
    std::string out;
    char buf[1 << 16];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof(buf));
      if (n < 0) {
        if (errno == EINTR) continue;
        const int err = errno;
        ::close(fd);
        return PosixError("read", path, err);
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
  }

  absl::Status WriteFileAtomically(const std::string& path,
                                   std::string_view data) override {
    const std::string tmp = path + ".tmp";
    absl::Status s = WriteAndSync(tmp, data);
    if (s.ok()) s = RenameFile(tmp, path);
    if (!s.ok()) {
      // Leave no temporary behind (a full disk would keep it there).
      (void)::unlink(tmp.c_str());
      return s;
    }
    return SyncDir(Dirname(path));
  }

  // Writes `data` to a fresh `path` and syncs it.
  absl::Status WriteAndSync(const std::string& path, std::string_view data) {
    ZVERSE_ASSIGN_OR_RETURN(auto file, NewWritableFile(path, true));
    ZVERSE_RETURN_IF_ERROR(file->Append(data));
    ZVERSE_RETURN_IF_ERROR(file->Sync());
    return file->Close();
  }

  absl::StatusOr<uint64_t> GetFileSize(const std::string& path) override {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return PosixError("stat", path, errno);
    return static_cast<uint64_t>(st.st_size);
  }

  bool FileExists(const std::string& path) override {
    return ::access(path.c_str(), F_OK) == 0;
  }

  bool IsDirectory(const std::string& path) override {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
  }

  absl::StatusOr<std::vector<std::string>> GetChildren(
      const std::string& dir) override {
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) return PosixError("opendir", dir, errno);
    std::vector<std::string> out;
    while (struct dirent* e = ::readdir(d)) {
      std::string_view name = e->d_name;
      if (name == "." || name == "..") continue;
      out.emplace_back(name);
    }
    ::closedir(d);
    return out;
  }

  absl::Status CreateDir(const std::string& dir) override {
    if (IsDirectory(dir)) return absl::OkStatus();
    const std::string parent = Dirname(dir);
    if (!parent.empty() && parent != dir && !IsDirectory(parent)) {
      ZVERSE_RETURN_IF_ERROR(CreateDir(parent));
    }
    if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
      return PosixError("mkdir", dir, errno);
    }
    return absl::OkStatus();
  }

  absl::Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return PosixError("unlink", path, errno);
    return absl::OkStatus();
  }

  absl::Status RenameFile(const std::string& from,
                          const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return PosixError("rename", from, errno);
    }
    return absl::OkStatus();
  }

  absl::Status TruncateFile(const std::string& path, uint64_t size) override {
    if (::truncate(path.c_str(), static_cast<off_t>(size)) != 0) {
      return PosixError("truncate", path, errno);
    }
    return absl::OkStatus();
  }

  absl::Status SyncDir(const std::string& dir) override {
    const int fd = ::open(dir.empty() ? "." : dir.c_str(),
                          O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return PosixError("open", dir, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return PosixError("fsync", dir, err);
    return absl::OkStatus();
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(
      const std::string& path) override {
    return Lock(path, LOCK_EX);
  }

  absl::StatusOr<std::unique_ptr<FileLock>> LockFileShared(
      const std::string& path) override {
    return Lock(path, LOCK_SH);
  }

  absl::StatusOr<std::unique_ptr<FileLock>> Lock(const std::string& path,
                                                 int mode) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return PosixError("open", path, errno);
    if (::flock(fd, mode | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return absl::FailedPreconditionError(absl::StrCat(
            "database is in use: ", path,
            " is locked by another process or handle"));
      }
      return PosixError("flock", path, err);
    }
    return std::make_unique<PosixFileLock>(fd);
  }

  void SleepMicros(uint64_t micros) override {
    std::this_thread::sleep_for(std::chrono::microseconds(micros));
  }

 private:
  static std::string Dirname(const std::string& path) {
    const size_t slash = path.find_last_of('/');
    if (slash == std::string::npos) return ".";
    if (slash == 0) return "/";
    return path.substr(0, slash);
  }
};

}  // namespace

Env* Env::Default() {
  static Env* const env = new PosixEnv();
  return env;
}

}  // namespace zverse::kv
