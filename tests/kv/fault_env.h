// Test-only Env: a controllable clock, fast (skipped) syncs, and injected I/O
// faults (failed syncs, a full disk, short writes), on top of a real Env.
//
// Thread safety: every method may be called from any thread.

#ifndef ZVERSE_TESTS_KV_FAULT_ENV_H_
#define ZVERSE_TESTS_KV_FAULT_ENV_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "kv/env.h"

namespace zverse::testing {

class FaultEnv : public kv::EnvWrapper {
 public:
  explicit FaultEnv(kv::Env* target = kv::Env::Default())
      : kv::EnvWrapper(target) {}

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
  void ClearFaults() {
    std::lock_guard<std::mutex> l(mu_);
    append_ = sync_ = sync_dir_ = create_ = Fault{};
  }

  // Calls that were made to fail.
  int injected() const { return injected_.load(); }
  // Sync calls on writable files (skipped or not, failed or not).
  int sync_calls() const { return sync_calls_.load(); }

  absl::StatusOr<std::unique_ptr<kv::WritableFile>> NewWritableFile(
      const std::string& path, bool truncate) override {
    absl::Status s = Check(&create_, path);
    if (!s.ok()) return s;
    auto f = target()->NewWritableFile(path, truncate);
    if (!f.ok()) return f.status();
    return std::unique_ptr<kv::WritableFile>(
        new File(this, path, std::move(f).value()));
  }

  absl::Status SyncDir(const std::string& dir) override {
    absl::Status s = Check(&sync_dir_, dir);
    if (!s.ok()) return s;
    if (skip_syncs_.load()) return absl::OkStatus();
    return target()->SyncDir(dir);
  }

 private:
  struct Fault {
    absl::Status status;  // OK: no fault armed.
    std::string path_part;
    int pass = 0;
  };

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
      return f_->Append(data);
    }
    absl::Status Sync() override {
      env_->sync_calls_.fetch_add(1);
      absl::Status s = env_->Check(&env_->sync_, path_);
      if (!s.ok()) return s;
      if (env_->skip_syncs_.load()) return absl::OkStatus();
      return f_->Sync();
    }
    absl::Status Truncate(uint64_t size) override { return f_->Truncate(size); }
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
  Fault append_, sync_, sync_dir_, create_;
  size_t append_prefix_ = 0;
};

}  // namespace zverse::testing

#endif  // ZVERSE_TESTS_KV_FAULT_ENV_H_
