// Test-only Env: a controllable clock, fast (skipped) syncs, injected I/O
// faults (failed syncs, a full disk, short writes, failed reads and maps),
// and simulated crashes, on top of a real Env.
//
// A simulated crash (CrashAfterWrites) stops the "process" after its N-th
// mutating call: that call completes (an Append possibly torn), every later
// one fails. LoseUnsyncedData then plays a power loss: each file written
// through this Env goes back to the bytes its last Sync made durable, and the
// creations, renames and removals no SyncDir made durable are undone (in
// reverse). Without it, what is left is what a kill -9 leaves.
//
// Thread safety: every method may be called from any thread.

#ifndef ZVERSE_TESTS_KV_FAULT_ENV_H_
#define ZVERSE_TESTS_KV_FAULT_ENV_H_

#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kv/env.h"

namespace zverse::testing {

// Returns the status of `expr` if it is not OK (FaultEnv only).
#define ZVERSE_FAULT_RETURN_IF_CRASHED(expr)  \
  do {                                        \
    absl::Status _crash_status = (expr);      \
    if (!_crash_status.ok()) return _crash_status; \
  } while (0)


class FaultEnv : public kv::EnvWrapper {
 public:
  explicit FaultEnv(kv::Env* target = kv::Env::Default())
      : kv::EnvWrapper(target) {}
  ~FaultEnv() override {
    if (!trash_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(trash_, ec);
    }
  }

  // --- Clock. Until SetNow is called the target's clock is used.
  void SetNow(uint64_t micros) {
    now_.store(micros);
    fake_clock_.store(true);
  }
  void Advance(uint64_t micros) { now_.fetch_add(micros); }
  uint64_t NowMicros() override {
    return fake_clock_.load() ? now_.load() : target()->NowMicros();
  }

  // --- Syncs. When skipped, WritableFile::Sync and SyncDir succeed without
  // touching the disk: for tests that check logic, not durability.
  void set_skip_syncs(bool skip) { skip_syncs_.store(skip); }

  // --- Faults. Each applies to files whose path contains `path_part` ("" =
  // every file), after `pass` matching calls have succeeded, until cleared.
  //
  // A failing Append first appends `prefix_bytes` of the data (capped below
  // the full length): a short write that leaves a partial record behind.
  void FailAppends(absl::Status status, std::string path_part = "",
                   size_t prefix_bytes = 0, int pass = 0) {
    std::lock_guard<std::mutex> l(mu_);
    append_ = Fault{std::move(status), std::move(path_part), pass};
    append_prefix_ = prefix_bytes;
  }
  void FailSyncs(absl::Status status, std::string path_part = "",
                 int pass = 0) {
    std::lock_guard<std::mutex> l(mu_);
    sync_ = Fault{std::move(status), std::move(path_part), pass};
  }
  void FailSyncDirs(absl::Status status, int pass = 0) {
    std::lock_guard<std::mutex> l(mu_);
    sync_dir_ = Fault{std::move(status), "", pass};
  }
  void FailNewWritableFiles(absl::Status status, std::string path_part = "",
                            int pass = 0) {
    std::lock_guard<std::mutex> l(mu_);
    create_ = Fault{std::move(status), std::move(path_part), pass};
  }
  // MapReadOnly and ReadFile of matching files fail (an EIO reading, a
  // failed mmap).
  void FailReads(absl::Status status, std::string path_part = "",
                 int pass = 0) {
    std::lock_guard<std::mutex> l(mu_);
    read_ = Fault{std::move(status), std::move(path_part), pass};
  }
  void ClearFaults() {
    std::lock_guard<std::mutex> l(mu_);
    append_ = sync_ = sync_dir_ = create_ = read_ = Fault{};
  }

  // --- Crashes. Mutating calls: Append, WritableFile::Truncate, a
  // NewWritableFile that creates or truncates, WriteFileAtomically,
  // RemoveFile, RenameFile, TruncateFile. After the `n`-th (counting from
  // now; n >= 1) every mutating call, Sync and SyncDir fails with
  // Unavailable. With `torn_bytes` > 0, an Append that is the n-th writes
  // only that many of its bytes (fewer than all).
  void CrashAfterWrites(int n, size_t torn_bytes = 0) {
    std::lock_guard<std::mutex> l(mu_);
    crash_countdown_ = n;
    torn_bytes_ = torn_bytes;
  }
  bool crashed() const { return crashed_.load(); }
  // Mutating calls made so far (also after a crash, failed ones excluded).
  int writes() const { return writes_.load(); }

  // Forgets the crash (a restarted process), keeping every byte written.
  void ClearCrash() {
    std::lock_guard<std::mutex> l(mu_);
    crashed_ = false;
    crash_countdown_ = 0;
  }
  // A power loss after the crash (call it once the DB is gone): see the file
  // comment. Then the Env works again, crash cleared.
  void LoseUnsyncedData() {
    std::lock_guard<std::mutex> l(mu_);
    namespace fs = std::filesystem;
    std::error_code ec;
    for (auto it = pending_.rbegin(); it != pending_.rend(); ++it) {
      switch (it->kind) {
        case DirOp::kCreate:
          fs::remove(it->path, ec);
          files_.erase(it->path);
          break;
        case DirOp::kRename:
          fs::rename(it->to, it->path, ec);
          MoveTracked(it->to, it->path);
          if (!it->saved.empty()) {
            fs::rename(it->saved, it->to, ec);
            files_[it->to] = it->saved_file;
          }
          break;
        case DirOp::kRemove:
          fs::rename(it->saved, it->path, ec);
          files_[it->path] = it->saved_file;
          break;
      }
    }
    pending_.clear();
    for (const auto& [path, f] : files_) {
      if (fs::exists(path, ec) && fs::file_size(path, ec) > f.synced) {
        fs::resize_file(path, f.synced, ec);
      }
    }
    crashed_ = false;
    crash_countdown_ = 0;
  }

  // Calls that were made to fail.
  int injected() const { return injected_.load(); }
  // Sync calls on writable files (skipped or not, failed or not).
  int sync_calls() const { return sync_calls_.load(); }

  absl::StatusOr<std::unique_ptr<kv::WritableFile>> NewWritableFile(
      const std::string& path, bool truncate) override {
    absl::Status s = Check(&create_, path);
    if (!s.ok()) return s;
    const bool existed = target()->FileExists(path);
    if (!existed || truncate) ZVERSE_FAULT_RETURN_IF_CRASHED(Write());
    auto f = target()->NewWritableFile(path, truncate);
    if (!f.ok()) return f.status();
    {
      std::lock_guard<std::mutex> l(mu_);
      Tracked& t = files_[path];
      t.synced = truncate ? 0 : (*f)->Size();
      if (!existed) pending_.push_back(PendingOp{DirOp::kCreate, path});
    }
    return std::unique_ptr<kv::WritableFile>(
        new File(this, path, std::move(f).value()));
  }

  absl::Status SyncDir(const std::string& dir) override {
    absl::Status s = Check(&sync_dir_, dir);
    if (!s.ok()) return s;
    ZVERSE_FAULT_RETURN_IF_CRASHED(Crashed());
    {
      std::lock_guard<std::mutex> l(mu_);
      std::error_code ec;
      std::erase_if(pending_, [&](const PendingOp& op) {
        if (Parent(op.path) != Parent(dir + "/x")) return false;
        if (!op.saved.empty()) std::filesystem::remove(op.saved, ec);
        return true;
      });
    }
    if (skip_syncs_.load()) return absl::OkStatus();
    return target()->SyncDir(dir);
  }

  absl::StatusOr<std::unique_ptr<kv::MappedRegion>> MapReadOnly(
      const std::string& path, uint64_t length) override {
    absl::Status s = Check(&read_, path);
    if (!s.ok()) return s;
    return target()->MapReadOnly(path, length);
  }
  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    absl::Status s = Check(&read_, path);
    if (!s.ok()) return s;
    return target()->ReadFile(path);
  }
  // Atomic by contract (the target writes a temporary file, syncs it,
  // renames it and syncs the directory): durable once it returns.
  absl::Status WriteFileAtomically(const std::string& path,
                                   std::string_view data) override {
    ZVERSE_FAULT_RETURN_IF_CRASHED(Write());
    absl::Status s = target()->WriteFileAtomically(path, data);
    if (s.ok()) {
      std::lock_guard<std::mutex> l(mu_);
      files_[path].synced = data.size();
    }
    return s;
  }
  absl::Status RemoveFile(const std::string& path) override {
    ZVERSE_FAULT_RETURN_IF_CRASHED(Write());
    std::lock_guard<std::mutex> l(mu_);
    // Kept aside until a SyncDir makes the removal durable.
    PendingOp op{DirOp::kRemove, path};
    op.saved = TrashPath(path);
    std::error_code ec;
    std::filesystem::rename(path, op.saved, ec);
    if (ec) return target()->RemoveFile(path);  // Reports the error.
    op.saved_file = files_[path];
    files_.erase(path);
    pending_.push_back(std::move(op));
    return absl::OkStatus();
  }
  absl::Status RenameFile(const std::string& from,
                          const std::string& to) override {
    ZVERSE_FAULT_RETURN_IF_CRASHED(Write());
    std::lock_guard<std::mutex> l(mu_);
    PendingOp op{DirOp::kRename, from};
    op.to = to;
    std::error_code ec;
    if (std::filesystem::exists(to, ec)) {
      // The file it replaces, to put back if the rename is undone.
      op.saved = TrashPath(to);
      std::filesystem::copy_file(to, op.saved, ec);
      op.saved_file = files_.count(to) ? files_[to] : Tracked{FileSize(to)};
    }
    absl::Status s = target()->RenameFile(from, to);
    if (!s.ok()) return s;
    if (!files_.count(from)) files_[from] = Tracked{FileSize(to)};
    MoveTracked(from, to);
    pending_.push_back(std::move(op));
    return absl::OkStatus();
  }
  absl::Status TruncateFile(const std::string& path, uint64_t size) override {
    ZVERSE_FAULT_RETURN_IF_CRASHED(Write());
    absl::Status s = target()->TruncateFile(path, size);
    std::lock_guard<std::mutex> l(mu_);
    auto it = files_.find(path);
    if (s.ok() && it != files_.end()) {
      it->second.synced = std::min(it->second.synced, size);
    }
    return s;
  }

 private:
  struct Fault {
    absl::Status status;  // OK: no fault armed.
    std::string path_part;
    int pass = 0;
  };

  // A file written through this Env: the bytes a power loss leaves of it.
  struct Tracked {
    uint64_t synced = 0;
  };
  enum class DirOp { kCreate, kRename, kRemove };
  // A directory change no SyncDir has made durable yet.
  struct PendingOp {
    DirOp kind;
    std::string path;        // Created, renamed from, removed.
    std::string to;          // Renamed to.
    std::string saved;       // The removed or replaced file, kept aside.
    Tracked saved_file;
  };

  static std::string Parent(const std::string& path) {
    return std::filesystem::path(path).lexically_normal().parent_path();
  }
  static uint64_t FileSize(const std::string& path) {
    std::error_code ec;
    const uintmax_t n = std::filesystem::file_size(path, ec);
    return ec ? 0 : n;
  }
  // Requires mu_.
  void MoveTracked(const std::string& from, const std::string& to) {
    auto it = files_.find(from);
    if (it == files_.end()) return;
    const Tracked t = it->second;
    files_.erase(it);
    files_[to] = t;
  }
  // Where a removed or replaced file waits for SyncDir: beside the
  // database's directory (one file system, so a rename moves it).
  // Requires mu_.
  std::string TrashPath(const std::string& path) {
    if (trash_.empty()) {
      std::string dir = Parent(Parent(path)) + "/fault-trash-XXXXXX";
      if (mkdtemp(dir.data()) != nullptr) trash_ = dir;
    }
    return trash_ + "/" + std::to_string(trash_count_++);
  }

  absl::Status Crashed() const {
    if (!crashed_.load()) return absl::OkStatus();
    return absl::UnavailableError("simulated crash: the process is gone");
  }
  // Counts a mutating call; Unavailable once crashed. `torn` (for Appends)
  // is set when this call is the last one, to be torn.
  absl::Status Write(bool* torn = nullptr) {
    std::lock_guard<std::mutex> l(mu_);
    if (crashed_.load()) return Crashed();
    writes_.fetch_add(1);
    if (crash_countdown_ > 0 && --crash_countdown_ == 0) {
      crashed_ = true;
      if (torn != nullptr) *torn = torn_bytes_ > 0;
    }
    return absl::OkStatus();
  }

  class File : public kv::WritableFile {
   public:
    File(FaultEnv* env, std::string path, std::unique_ptr<kv::WritableFile> f)
        : env_(env), path_(std::move(path)), f_(std::move(f)) {}
    absl::Status Append(std::string_view data) override {
      size_t prefix = 0;
      absl::Status s = env_->Check(&env_->append_, path_, &prefix);
      if (!s.ok()) {
        prefix = std::min(prefix, data.empty() ? 0 : data.size() - 1);
        if (prefix > 0) (void)f_->Append(data.substr(0, prefix));
        return s;
      }
      bool torn = false;
      ZVERSE_FAULT_RETURN_IF_CRASHED(env_->Write(&torn));
      if (torn) {
        // The process dies halfway through this write: the caller never
        // hears back (the error only stops it).
        const size_t n = std::min(env_->torn_bytes_, data.size() - 1);
        if (n > 0) (void)f_->Append(data.substr(0, n));
        return env_->Crashed();
      }
      return f_->Append(data);
    }
    absl::Status Sync() override {
      env_->sync_calls_.fetch_add(1);
      absl::Status s = env_->Check(&env_->sync_, path_);
      if (!s.ok()) return s;
      ZVERSE_FAULT_RETURN_IF_CRASHED(env_->Crashed());
      if (!env_->skip_syncs_.load()) ZVERSE_FAULT_RETURN_IF_CRASHED(f_->Sync());
      std::lock_guard<std::mutex> l(env_->mu_);
      env_->files_[path_].synced = f_->Size();
      return absl::OkStatus();
    }
    absl::Status Truncate(uint64_t size) override {
      ZVERSE_FAULT_RETURN_IF_CRASHED(env_->Write());
      ZVERSE_FAULT_RETURN_IF_CRASHED(f_->Truncate(size));
      std::lock_guard<std::mutex> l(env_->mu_);
      Tracked& t = env_->files_[path_];
      t.synced = std::min(t.synced, size);
      return absl::OkStatus();
    }
    absl::Status Close() override { return f_->Close(); }
    uint64_t Size() const override { return f_->Size(); }

   private:
    FaultEnv* env_;
    std::string path_;
    std::unique_ptr<kv::WritableFile> f_;
  };

  // The status the next call on `path` must fail with (OK for none).
  absl::Status Check(Fault* fault, const std::string& path,
                     size_t* prefix = nullptr) {
    std::lock_guard<std::mutex> l(mu_);
    if (fault->status.ok()) return absl::OkStatus();
    if (path.find(fault->path_part) == std::string::npos) {
      return absl::OkStatus();
    }
    if (fault->pass > 0) {
      --fault->pass;
      return absl::OkStatus();
    }
    if (prefix != nullptr) *prefix = append_prefix_;
    injected_.fetch_add(1);
    return fault->status;
  }

  std::atomic<bool> fake_clock_{false};
  std::atomic<uint64_t> now_{0};
  std::atomic<bool> skip_syncs_{false};
  std::atomic<int> injected_{0};
  std::atomic<int> sync_calls_{0};
  std::mutex mu_;
  Fault append_, sync_, sync_dir_, create_, read_;
  size_t append_prefix_ = 0;

  std::atomic<bool> crashed_{false};
  std::atomic<int> writes_{0};
  int crash_countdown_ = 0;  // 0: no crash armed.
  size_t torn_bytes_ = 0;
  std::map<std::string, Tracked> files_;
  std::vector<PendingOp> pending_;
  std::string trash_;
  int trash_count_ = 0;
};

#undef ZVERSE_FAULT_RETURN_IF_CRASHED

}  // namespace zverse::testing

#endif  // ZVERSE_TESTS_KV_FAULT_ENV_H_
