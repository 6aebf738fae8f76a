// Shared helpers for the test suites: Status assertions (the installed Abseil
// has no gtest matchers) and scratch directories.

#ifndef ZVERSE_TESTS_TEST_UTIL_H_
#define ZVERSE_TESTS_TEST_UTIL_H_

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "gtest/gtest.h"

namespace zverse::testing {

inline const absl::Status& ToStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& ToStatus(const absl::StatusOr<T>& s) {
  return s.status();
}

// A fresh directory under $TMPDIR, removed with its contents when destroyed.
class TempDir {
 public:
  TempDir() {
    const char* base = std::getenv("TMPDIR");
    std::string tmpl = std::string(base && *base ? base : "/tmp") +
                       "/zverse_test_XXXXXX";
    char* p = ::mkdtemp(tmpl.data());
    if (p == nullptr) std::abort();
    path_ = p;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// The shared data sets: $ZVERSE_DATASETS if set, otherwise ../shared/datasets
// beside the source tree ($ZVERSE_SOURCE_DIR, or the tree the test was built
// from), or beside the working directory. Empty if none of them exists: callers skip
// with a message naming where they looked.
inline std::string DatasetsDir() {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (const char* env = std::getenv("ZVERSE_DATASETS"); env != nullptr) {
    return fs::is_directory(env, ec) ? std::string(env) : std::string();
  }
  std::string candidates[3];
  if (const char* src = std::getenv("ZVERSE_SOURCE_DIR"); src != nullptr) {
    candidates[0] = (fs::path(src) / ".." / "shared" / "datasets").string();
  }
#ifdef ZVERSE_SOURCE_DIR_DEFAULT
  candidates[1] =
      (fs::path(ZVERSE_SOURCE_DIR_DEFAULT) / ".." / "shared" / "datasets")
          .string();
#endif
  candidates[2] = (fs::current_path(ec) / ".." / "shared" / "datasets").string();
  for (const std::string& c : candidates) {
    if (!c.empty() && fs::is_directory(c, ec)) {
      return fs::weakly_canonical(c, ec).string();
    }
  }
  return std::string();
}

// Where DatasetsDir looks, for skip messages.
inline constexpr const char* kDatasetsHint =
    "set ZVERSE_DATASETS or place the data sets at ../shared/datasets beside "
    "the source tree";

}  // namespace zverse::testing

#define ZVERSE_TEST_CONCAT_INNER_(a, b) a##b
#define ZVERSE_TEST_CONCAT_(a, b) ZVERSE_TEST_CONCAT_INNER_(a, b)

// Evaluate `expr` exactly once (a failing write must not be retried just to
// print its status), and accept further `<< message` like EXPECT_TRUE.
#define EXPECT_OK(expr) ZVERSE_TEST_OK_IMPL_(expr, ADD_FAILURE)
#define ASSERT_OK(expr) ZVERSE_TEST_OK_IMPL_(expr, FAIL)
#define ZVERSE_TEST_OK_IMPL_(expr, fail)                                  \
  switch (0)                                                              \
  case 0:                                                                 \
  default:                                                                \
    if (const ::absl::Status zverse_test_status_ =                        \
            ::zverse::testing::ToStatus(expr);                            \
        zverse_test_status_.ok())                                         \
      ;                                                                   \
    else                                                                  \
      fail() << #expr << " is not OK: " << zverse_test_status_ << " "

// Asserts `rexpr` (a StatusOr) is OK and moves its value into `lhs`.
#define ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(ZVERSE_TEST_CONCAT_(statusor_, __LINE__), lhs, rexpr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(statusor, lhs, rexpr)          \
  auto statusor = (rexpr);                                        \
  ASSERT_TRUE(statusor.ok()) << statusor.status();                \
  lhs = std::move(statusor).value()

// Expects the status code of `expr` (evaluated once).
#define EXPECT_STATUS_CODE(expr, expected_code)                           \
  switch (0)                                                              \
  case 0:                                                                 \
  default:                                                                \
    if (const ::absl::Status zverse_test_status_ =                        \
            ::zverse::testing::ToStatus(expr);                            \
        zverse_test_status_.code() == (expected_code))                    \
      ;                                                                   \
    else                                                                  \
      ADD_FAILURE() << #expr << " is " << zverse_test_status_             \
                    << ", want code "                                     \
                    << ::absl::StatusCodeToString(expected_code) << " "

#endif  // ZVERSE_TESTS_TEST_UTIL_H_
