// kill -9 durability: a forked child writes with SyncMode::kAlways and reports
// every acknowledged key through a pipe; the parent kills it at a random
// moment (during writes, group commits, seals, compactions, or its own
// recovery) and then checks that every acknowledged write survived, that each
// writer's surviving writes form a prefix of what it issued, and that Verify
// passes. A second test does the same with bulk ingests, which must be all
// or nothing.
//
// crash_slow_test (label slow) runs more rounds.

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "kv/env.h"
#include "kv/internal/format.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

using ::zverse::testing::TempDir;

#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
constexpr int kSlowdown = 8;
#else
constexpr int kSlowdown = 1;
#endif

#ifdef ZVERSE_CRASH_TEST_SLOW
constexpr int kRounds = 40;
#else
constexpr int kRounds = 10;
#endif

std::string KeyOf(int round, uint32_t thread, uint32_t i) {
  return absl::StrFormat("r%02d/t%u/%08u", round, thread, i);
}
std::string ValueOf(int round, uint32_t thread, uint32_t i) {
  // Every 16th value is large (the overflow area), compressible or not.
  if (i % 16 == 5) {
    std::string v = absl::StrCat("large ", round, "/", thread, "/", i, ":");
    uint64_t x = i * 2654435761u + thread;
    while (v.size() < 5000 + i % 3000) {
      x = x * 6364136223846793005u + 1442695040888963407u;
      v.push_back(i % 2 ? static_cast<char>(x >> 56) : 'a' + (x >> 60));
    }
    return v;
  }
  return absl::StrCat("value ", round, "/", thread, "/", i, ":",
                      std::string((i * 37 + thread * 11) % 300, 'a' + i % 26));
}

struct Ack {
  uint32_t thread;
  uint32_t index;
};

// The child: writes until killed. Exits on its own only on an error.
[[noreturn]] void ChildMain(const std::string& dir, int round, int threads,
                            uint64_t seal_threshold, bool compact,
                            int ack_fd) {
  Options o;
  o.sync_mode = SyncMode::kAlways;
  o.seal_threshold_bytes = seal_threshold;
  if (compact) {
    // The background compaction merges as soon as there are two segments,
    // at full speed, with version GC of everything but the last
    // millisecond (every key has one version: nothing acknowledged goes).
    o.compaction_trigger_segments = 2;
    o.compaction_cpu_budget = 1.0;
    o.retention_micros = 1000;
    o.gc_interval_ms = 10;
  }
  absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(dir, o);
  if (!db.ok()) {
    fprintf(stderr, "child open: %s\n", db.status().ToString().c_str());
    _exit(2);
  }
  std::vector<std::thread> workers;
  if (compact) {
    // Merges segments over and over, so that kills land in compactions;
    // every other one with version GC up to now (every key has one version,
    // so nothing acknowledged may go).
    workers.emplace_back([&] {
      for (int n = 0;; ++n) {
        CompactOptions gc;
        if (n % 2 == 1) gc.horizon = Env::Default()->NowMicros();
        const absl::Status s = (*db)->Compact(gc).status();
        if (!s.ok()) {
          fprintf(stderr, "child compact: %s\n", s.ToString().c_str());
          _exit(6);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
    });
  }
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (uint32_t i = 0;; ++i) {
        const uint32_t thread = static_cast<uint32_t>(t);
        absl::StatusOr<Timestamp> r =
            (*db)->Put(KeyOf(round, thread, i), ValueOf(round, thread, i));
        if (!r.ok()) {
          fprintf(stderr, "child put: %s\n", r.status().ToString().c_str());
          _exit(3);
        }
        const Ack ack{thread, i};
        // Pipe writes of <= PIPE_BUF bytes are atomic.
        if (write(ack_fd, &ack, sizeof(ack)) != sizeof(ack)) _exit(4);
      }
    });
  }
  for (auto& w : workers) w.join();
  _exit(5);
}

// After recovery the directory holds the database's files and nothing else:
// no temporary file of an interrupted seal or compaction, no segment or log
// that the open database does not use.
void ExpectNoOrphans(const std::string& dir, const Stats& st) {
  uint64_t segs = 0, logs = 0, blobs = 0;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (absl::EndsWith(name, ".seg")) {
      ++segs;
    } else if (absl::EndsWith(name, ".blob")) {
      ++blobs;
    } else if (absl::EndsWith(name, ".log")) {
      ++logs;
    } else {
      EXPECT_TRUE(name == internal::kIdentityFile ||
                  name == internal::kLockFile)
          << "orphan file " << name << " after recovery";
    }
  }
  EXPECT_EQ(segs, st.segments) << "segment files on disk vs in use";
  EXPECT_EQ(logs, 1u) << "log files on disk";
  EXPECT_EQ(blobs, st.blob_files) << "blob files on disk vs in use";
}

TEST(CrashTest, AcknowledgedWritesSurviveKill9) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  std::mt19937_64 rng(4242);
  // acked[round][thread] = number of acknowledged writes (a prefix).
  std::map<int, std::map<uint32_t, uint32_t>> acked;
  uint64_t total_acked = 0;
  int killed_mid_seal = 0;
  for (int round = 0; round < kRounds; ++round) {
    const int threads = round % 3 == 2 ? 4 : 1;
    const uint64_t seal = round % 2 == 1 ? (4 << 10) : (64 << 20);
    const bool compact = round % 4 == 3 || round % 4 == 1;
    const int delay_ms = 2 + static_cast<int>(rng() % 199);
    SCOPED_TRACE(absl::StrCat("round ", round, ": ", threads, " threads, seal ",
                              seal, compact ? ", compacting" : "",
                              ", kill after ", delay_ms, " ms"));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    fflush(nullptr);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      ChildMain(dir, round, threads, seal, compact, fds[1]);
    }
    close(fds[1]);
    std::string buf;
    auto drain = [&](int timeout_ms) {
      pollfd p{fds[0], POLLIN, 0};
      if (poll(&p, 1, timeout_ms) <= 0) return true;
      char chunk[4096];
      const ssize_t n = read(fds[0], chunk, sizeof(chunk));
      if (n <= 0) return false;  // EOF: every writer is gone.
      buf.append(chunk, static_cast<size_t>(n));
      return true;
    };
    const auto deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(delay_ms);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                            deadline - std::chrono::steady_clock::now())
                            .count();
      if (!drain(static_cast<int>(std::max<int64_t>(1, left)))) break;
    }
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    while (drain(1000)) {
    }
    close(fds[0]);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child stopped by itself with exit code "
        << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    ASSERT_EQ(buf.size() % sizeof(Ack), 0u);
    for (size_t off = 0; off < buf.size(); off += sizeof(Ack)) {
      Ack a;
      std::memcpy(&a, buf.data() + off, sizeof(a));
      uint32_t& n = acked[round][a.thread];
      ASSERT_EQ(a.index, n) << "acks of one writer arrive in order";
      n = a.index + 1;
      ++total_acked;
    }

    // Informational: did the kill interrupt a seal (two logs, or a
    // temporary segment of a seal or compaction)?
    {
      int logs = 0, tmps = 0;
      std::error_code ec;
      for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
        const std::string name = e.path().filename().string();
        logs += absl::EndsWith(name, ".log");
        tmps += absl::EndsWith(name, ".tmp");
      }
      if (logs > 1 || tmps > 0) ++killed_mid_seal;
    }

    // Recovery: every acknowledged write of every round so far is there.
    // (Round 0 may have been killed before the database existed.)
    Options o;
    o.create_if_missing = round == 0;
    // Nothing may change the files while they are counted below.
    o.background_compaction = false;
    absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(dir, o);
    ASSERT_OK(db);
    for (const auto& [r, per_thread] : acked) {
      for (const auto& [t, n] : per_thread) {
        for (uint32_t i = 0; i < n; ++i) {
          absl::StatusOr<std::string> v = (*db)->Get(KeyOf(r, t, i));
          ASSERT_OK(v) << "acknowledged write " << KeyOf(r, t, i)
                       << " is lost";
          ASSERT_EQ(*v, ValueOf(r, t, i)) << KeyOf(r, t, i);
        }
      }
    }
    // Each writer's surviving writes form a prefix (commits are durable in
    // order), possibly longer than what was acknowledged.
    for (uint32_t t = 0; t < static_cast<uint32_t>(threads); ++t) {
      const std::string prefix = absl::StrFormat("r%02d/t%u/", round, t);
      ASSERT_OK_AND_ASSIGN(
          std::vector<Entry> found,
          (*db)->Scan(prefix, absl::StrFormat("r%02d/t%u0", round, t)));
      for (size_t i = 0; i < found.size(); ++i) {
        ASSERT_EQ(found[i].key, KeyOf(round, t, static_cast<uint32_t>(i)))
            << "a gap in writer " << t << "'s surviving writes";
        ASSERT_EQ(found[i].value, ValueOf(round, t, static_cast<uint32_t>(i)));
      }
      EXPECT_GE(found.size(), acked[round][t]);
    }
    ASSERT_OK((*db)->Verify());
    ExpectNoOrphans(dir, (*db)->GetStats());
  }
  // The rounds must have done real work for the checks above to mean much.
  EXPECT_GT(total_acked, 20u);
  RecordProperty("acknowledged_writes", static_cast<int>(total_acked));
  RecordProperty("rounds_killed_mid_seal", killed_mid_seal);
  printf("%d rounds: %llu acknowledged writes; %d kills interrupted a seal or compaction\n",
         kRounds, static_cast<unsigned long long>(total_acked),
         killed_mid_seal);
}

// Bulk ingests under kill -9: a child ingests batches (half of their entries
// with their own past timestamps) while another thread commits through the
// log. Every acknowledged batch survives whole; any other batch is either
// whole or absent; the ingests that survive form a prefix.
constexpr uint32_t kIngestEntries = 3000;

std::string IngestKey(int round, uint32_t batch, uint32_t j) {
  return absl::StrFormat("i%02d/%06u/%05u", round, batch, j);
}

[[noreturn]] void IngestChildMain(const std::string& dir, int round,
                                  int ack_fd) {
  Options o;
  o.sync_mode = SyncMode::kAlways;
  o.seal_threshold_bytes = 16 << 10;
  absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(dir, o);
  if (!db.ok()) _exit(2);
  std::thread logger([&] {
    for (uint32_t i = 0;; ++i) {
      if (!(*db)->Put(KeyOf(round, 9, i), ValueOf(round, 9, i)).ok()) _exit(3);
    }
  });
  const Timestamp past = 1'600'000'000'000'000;
  for (uint32_t b = 0;; ++b) {
    WriteBatch batch;
    for (uint32_t j = 0; j < kIngestEntries; ++j) {
      if (j % 2 == 0) {
        batch.Put(IngestKey(round, b, j), ValueOf(round, b, j));
      } else {
        batch.PutAt(IngestKey(round, b, j), ValueOf(round, b, j), past + j);
      }
    }
    absl::StatusOr<Timestamp> r = (*db)->Ingest(batch);
    if (!r.ok()) {
      fprintf(stderr, "child ingest: %s\n", r.status().ToString().c_str());
      _exit(4);
    }
    if (write(ack_fd, &b, sizeof(b)) != sizeof(b)) _exit(5);
  }
}

TEST(CrashTest, IngestsAreAllOrNothingUnderKill9) {
  TempDir tmp;
  const std::string dir = tmp.Sub("db");
  std::mt19937_64 rng(777);
  std::map<int, uint32_t> acked;  // round -> acknowledged batches
  uint64_t total_acked = 0, survived_unacked = 0;
  for (int round = 0; round < kRounds; ++round) {
    // (Sanitized builds run the child several times slower.)
    const int delay_ms = (5 + static_cast<int>(rng() % 300)) * kSlowdown;
    SCOPED_TRACE(absl::StrCat("round ", round, ", kill after ", delay_ms,
                              " ms"));
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    fflush(nullptr);
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      close(fds[0]);
      IngestChildMain(dir, round, fds[1]);
    }
    close(fds[1]);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
        << "the child stopped by itself with exit code "
        << (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    uint32_t b;
    uint32_t n = 0;
    while (read(fds[0], &b, sizeof(b)) == sizeof(b)) {
      ASSERT_EQ(b, n) << "acks arrive in order";
      n = b + 1;
    }
    close(fds[0]);
    acked[round] = n;
    total_acked += n;

    Options o;
    o.create_if_missing = round == 0;
    // Nothing may change the files while they are counted below.
    o.background_compaction = false;
    absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(dir, o);
    ASSERT_OK(db);
    for (const auto& [r, batches] : acked) {
      // Count the surviving entries of each batch.
      ASSERT_OK_AND_ASSIGN(
          std::vector<Entry> found,
          (*db)->Scan(absl::StrFormat("i%02d/", r),
                      absl::StrFormat("i%02d0", r)));
      std::map<uint32_t, uint32_t> per_batch;
      for (const Entry& e : found) {
        uint32_t batch = 0, j = 0;
        ASSERT_EQ(sscanf(e.key.c_str() + 4, "%06u/%05u", &batch, &j), 2)
            << e.key;
        ASSERT_EQ(e.value, ValueOf(r, batch, j)) << e.key;
        ++per_batch[batch];
      }
      uint32_t expect = 0;
      for (const auto& [batch, count] : per_batch) {
        EXPECT_EQ(count, kIngestEntries)
            << "batch " << batch << " of round " << r << " is partial";
        EXPECT_EQ(batch, expect) << "surviving ingests form a prefix";
        expect = batch + 1;
      }
      EXPECT_GE(per_batch.size(), batches)
          << "acknowledged ingests of round " << r << " are lost";
      if (r == round) survived_unacked += per_batch.size() - batches;
    }
    ASSERT_OK((*db)->Verify());
    ExpectNoOrphans(dir, (*db)->GetStats());
  }
  EXPECT_GT(total_acked, 3u);
  printf("%d rounds: %llu acknowledged ingests, %llu more survived\n",
         kRounds, static_cast<unsigned long long>(total_acked),
         static_cast<unsigned long long>(survived_unacked));
}

}  // namespace
}  // namespace zverse::kv
