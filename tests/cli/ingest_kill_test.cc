// Kills `zverse ingest --sync always` with SIGKILL at random moments and
// checks that every commit it acknowledged with "ok" survived, and that
// nothing it never got to is visible.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "tests/cli/zverse_runner.h"
#include "tests/test_util.h"

namespace zverse::testing {
namespace {

// One line of ingest input and its effect.
struct Op {
  std::string key;
  std::optional<std::string> value;  // nullopt: a delete.
  std::string Line() const {
    return value ? "put\t" + key + "\t" + *value + "\n" : "del\t" + key + "\n";
  }
};

// A child process with pipes to its stdin and from its stdout.
class Child {
 public:
  explicit Child(const std::vector<std::string>& args) {
    int in[2], out[2];
    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe: " << errno;
      return;
    }
    std::vector<std::string> words = {ZverseBinary()};
    words.insert(words.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (std::string& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    const int rc =
        posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    close(in[0]);
    close(out[1]);
    stdin_ = in[1];
    stdout_ = out[0];
    if (rc != 0) {
      ADD_FAILURE() << "posix_spawn: " << rc;
      pid_ = -1;
    }
  }
  ~Child() {
    if (stdin_ >= 0) close(stdin_);
    if (stdout_ >= 0) close(stdout_);
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      Wait();
    }
  }

  // Writes all of `data` to the child's stdin; false once the child is gone.
  bool Write(const std::string& data) {
    size_t done = 0;
    while (done < data.size()) {
      const ssize_t n = write(stdin_, data.data() + done, data.size() - done);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  // The next complete line of the child's stdout without its newline, or
  // nullopt at the end of its output (a trailing partial line is dropped).
  std::optional<std::string> ReadLine() {
    while (true) {
      const size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      char chunk[4096];
      const ssize_t n = read(stdout_, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return std::nullopt;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  void Kill() { kill(pid_, SIGKILL); }

  // Waits for the child to end and returns its wait status.
  int Wait() {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return status;
  }

 private:
  pid_t pid_ = -1;
  int stdin_ = -1;
  int stdout_ = -1;
  std::string buffer_;
};

TEST(IngestKillTest, AcknowledgedCommitsSurviveSigkill) {
  if (ZverseBinary().empty()) GTEST_SKIP() << "ZVERSE_BIN is not set";
  // A write to the pipe of a killed child must fail, not kill the test.
  signal(SIGPIPE, SIG_IGN);

  TempDir dir;
  const std::string db_path = dir.Sub("db");
  std::mt19937 rng(20240102);
  // The state every acknowledged op produced: key -> value (nullopt: deleted).
  std::map<std::string, std::optional<std::string>> model;
  constexpr int kRounds = 6;
  constexpr int kOpsPerRound = 200;

  for (int round = 0; round < kRounds; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    // Puts of fresh keys with a delete of an earlier key mixed in now and
    // then, some touching keys of earlier rounds.
    std::vector<Op> ops;
    std::vector<std::string> keys_so_far;
    for (const auto& [key, value] : model) {
      if (value) keys_so_far.push_back(key);
    }
    for (int i = 0; i < kOpsPerRound; ++i) {
      if (!keys_so_far.empty() && rng() % 8 == 0) {
        const std::string& key = keys_so_far[rng() % keys_so_far.size()];
        if (rng() % 2 == 0) {
          ops.push_back({key, std::nullopt});
        } else {
          ops.push_back({key, "r" + std::to_string(round) + "-overwrite-" +
                                  std::to_string(i)});
        }
      } else {
        std::string key =
            "r" + std::to_string(round) + "-k" + std::to_string(i);
        ops.push_back({key, std::string(rng() % 300, 'a' + i % 26) + "!" +
                                std::to_string(i)});
        keys_so_far.push_back(key);
      }
    }

    // Kill after a random number of acknowledgements (sometimes none), plus
    // a random delay so that the kill lands inside a commit as well as
    // between commits.
    const int kill_after = static_cast<int>(rng() % (kOpsPerRound + 11)) - 10;
    const int delay_us = static_cast<int>(rng() % 2000);

    Child child({"ingest", "--db", db_path, "--sync", "always"});
    std::thread writer([&] {
      for (const Op& op : ops) {
        if (!child.Write(op.Line())) break;
      }
    });
    int acked = 0;
    bool ended_early = false;
    while (acked < kill_after) {
      std::optional<std::string> line = child.ReadLine();
      if (!line) {
        ended_early = true;
        break;
      }
      ASSERT_EQ(line->substr(0, 3), "ok\t") << *line;
      ++acked;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(delay_us));
    child.Kill();
    // Every "ok" the child printed before it died counts, read or not.
    while (std::optional<std::string> line = child.ReadLine()) {
      ASSERT_EQ(line->substr(0, 3), "ok\t") << *line;
      ++acked;
    }
    const int status = child.Wait();
    writer.join();
    ASSERT_FALSE(ended_early && acked < kOpsPerRound)
        << "ingest ended after " << acked << " ops, status " << status;
    ASSERT_LE(acked, kOpsPerRound);

    // The op after the last acknowledged one may or may not have committed;
    // none after that can have.
    std::map<std::string, std::optional<std::string>> without = model;
    for (int i = 0; i < acked; ++i) without[ops[i].key] = ops[i].value;
    std::map<std::string, std::optional<std::string>> with = without;
    if (acked < kOpsPerRound) with[ops[acked].key] = ops[acked].value;
    for (int i = acked + 1; i < kOpsPerRound; ++i) {
      with.try_emplace(ops[i].key, std::nullopt);
      without.try_emplace(ops[i].key, std::nullopt);
    }

    kv::Options options;
    options.create_if_missing = false;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<kv::DB> db,
                         kv::DB::Open(db_path, options));
    ASSERT_OK(db->Verify());
    bool matches_with = true;
    bool matches_without = true;
    for (const auto& [key, want_with] : with) {
      absl::StatusOr<std::string> got = db->Get(key);
      ASSERT_TRUE(got.ok() || absl::IsNotFound(got.status())) << got.status();
      const std::optional<std::string> actual =
          got.ok() ? std::optional<std::string>(*got) : std::nullopt;
      if (actual != want_with) matches_with = false;
      if (actual != without[key]) {
        matches_without = false;
        // Anything but the one op in flight must match exactly.
        if (acked >= kOpsPerRound || key != ops[acked].key) {
          ADD_FAILURE() << "key " << key << " after " << acked
                        << " acknowledged ops: got "
                        << (actual ? *actual : "(none)") << ", want "
                        << (without[key] ? *without[key] : "(none)");
        }
      }
    }
    EXPECT_TRUE(matches_with || matches_without)
        << "the database is neither the acknowledged state nor that plus the "
           "op in flight, after "
        << acked << " acknowledged ops";
    ASSERT_OK(db->Close());
    model = matches_with ? with : without;
  }
}

}  // namespace
}  // namespace zverse::testing
