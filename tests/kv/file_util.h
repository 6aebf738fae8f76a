// Test-only helpers for looking at and damaging database files on disk: read
// and write whole files, copy a database directory, list its files, walk the
// commit groups of a log file (layout in kv/internal/log.h), flip bits.

#ifndef ZVERSE_TESTS_KV_FILE_UTIL_H_
#define ZVERSE_TESTS_KV_FILE_UTIL_H_

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace zverse::testing {

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot read " << path;
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  EXPECT_TRUE(out.good()) << "cannot write " << path;
}

inline void AppendAll(const std::string& path, const std::string& data) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out.write(data.data(), static_cast<std::streamsize>(data.size()));
  EXPECT_TRUE(out.good()) << "cannot append to " << path;
}

// Copies the files of database directory `from` into a fresh `to`.
inline void CopyDir(const std::string& from, const std::string& to) {
  std::filesystem::remove_all(to);
  std::filesystem::create_directories(to);
  for (const auto& e : std::filesystem::directory_iterator(from)) {
    std::filesystem::copy_file(e.path(), to + "/" + e.path().filename().string());
  }
}

// Paths of the files in `dir` whose names end with `suffix`, sorted.
inline std::vector<std::string> FilesWithSuffix(const std::string& dir,
                                                const std::string& suffix) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.size() >= suffix.size() &&
        name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

inline std::string BaseName(const std::string& path) {
  return std::filesystem::path(path).filename().string();
}

// A commit group of a log file: [offset, offset + size).
struct LogGroup {
  uint64_t offset;
  uint64_t size;
};

// The complete groups of a log file's bytes: after the 64-byte file header,
// each group has a 32-byte header whose u64 at offset 16 is its body size.
inline std::vector<LogGroup> ParseLogGroups(const std::string& bytes) {
  constexpr uint64_t kFileHeader = 64, kGroupHeader = 32;
  std::vector<LogGroup> groups;
  uint64_t pos = kFileHeader;
  while (pos + kGroupHeader <= bytes.size()) {
    uint64_t body;
    std::memcpy(&body, bytes.data() + pos + 16, 8);
    if (body > bytes.size() - pos - kGroupHeader) break;
    groups.push_back({pos, kGroupHeader + body});
    pos += kGroupHeader + body;
  }
  return groups;
}

// Flips one bit in place (no truncation, so a live mapping stays valid).
inline void FlipBit(const std::string& path, uint64_t offset, int bit) {
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  ASSERT_TRUE(f.good()) << "cannot open " << path;
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  ASSERT_TRUE(f.good()) << "offset " << offset << " is past the end of " << path;
  c = static_cast<char>(c ^ (1 << bit));
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
  f.flush();
  ASSERT_TRUE(f.good()) << "cannot write " << path;
}

}  // namespace zverse::testing

#endif  // ZVERSE_TESTS_KV_FILE_UTIL_H_
