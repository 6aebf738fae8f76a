// Runs the zverse binary named by $ZVERSE_BIN (set by ctest) and captures its
// exit code, stdout and stderr.

#ifndef ZVERSE_TESTS_CLI_ZVERSE_RUNNER_H_
#define ZVERSE_TESTS_CLI_ZVERSE_RUNNER_H_

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "tests/test_util.h"

extern char** environ;

namespace zverse::testing {

// Path of the zverse binary under test.
inline std::string ZverseBinary() {
  const char* bin = std::getenv("ZVERSE_BIN");
  return bin != nullptr ? bin : "";
}

struct RunResult {
  int exit_code = -1;  // -1 if the process did not exit normally.
  std::string out;
  std::string err;
};

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Runs `zverse args...` with `input` on stdin. The child's stdin, stdout and
// stderr are files in a private scratch directory, so a large output cannot
// deadlock against the test.
inline RunResult RunZverse(const std::vector<std::string>& args,
                           const std::string& input = "") {
  RunResult result;
  const std::string bin = ZverseBinary();
  if (bin.empty()) {
    ADD_FAILURE() << "ZVERSE_BIN is not set; run the test through ctest";
    return result;
  }
  TempDir scratch;
  const std::string in_path = scratch.Sub("stdin");
  const std::string out_path = scratch.Sub("stdout");
  const std::string err_path = scratch.Sub("stderr");
  {
    std::ofstream in(in_path, std::ios::binary);
    in << input;
  }
  std::vector<std::string> words = {bin};
  words.insert(words.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& w : words) argv.push_back(w.data());
  argv.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, in_path.c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  pid_t pid = -1;
  const int rc =
      posix_spawn(&pid, bin.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) {
    ADD_FAILURE() << "posix_spawn " << bin << ": " << rc;
    return result;
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = ReadWholeFile(out_path);
  result.err = ReadWholeFile(err_path);
  return result;
}

inline std::ostream& operator<<(std::ostream& os, const RunResult& r) {
  return os << "exit " << r.exit_code << "\n--- stdout\n"
            << r.out << "--- stderr\n"
            << r.err;
}

}  // namespace zverse::testing

#endif  // ZVERSE_TESTS_CLI_ZVERSE_RUNNER_H_
