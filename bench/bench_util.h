// Helpers shared by the KV benchmark programs (kv_compare, kv_memory): the
// deterministic key/value generator, a tiny flag parser, /proc readers, JSON
// and number formatting.
//
// Every workload's data is a pure function of (key index, version), so any
// engine's answer can be checked without keeping a model in memory.
//
// Thread safety: the free functions are pure or read the file system; a
// FlagParser is used from one thread.

#ifndef ZVERSE_BENCH_BENCH_UTIL_H_
#define ZVERSE_BENCH_BENCH_UTIL_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace zverse::bench {

// The installed Abseil has its own string_view type (not std::string_view),
// while kv/db.h speaks std::string_view: this bridges the two.
inline absl::string_view Av(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

inline constexpr size_t kKeySize = 16;
inline constexpr size_t kValueSize = 100;

// How the 16-byte key of index i is spelled.
enum class KeyPattern {
  // 8 bytes of a 64-bit mix of i, then i big-endian: uniformly spread over
  // the key space, so the first key bytes already tell keys apart.
  kHashed,
  // i as 16 zero-padded decimal digits (db_bench style): a long common
  // prefix, the distinguishing bytes come last.
  kDecimal,
};

absl::StatusOr<KeyPattern> ParseKeyPattern(std::string_view name);
const char* KeyPatternName(KeyPattern pattern);

// splitmix64's finalizer: a bijection on 64-bit integers.
inline uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

inline void StoreBigEndian64(uint64_t v, char* out) {
  for (int i = 7; i >= 0; --i) {
    out[i] = static_cast<char>(v & 0xff);
    v >>= 8;
  }
}

inline uint64_t LoadBigEndian64(const char* in) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

inline uint64_t LoadLittle64(const char* in) {
  uint64_t v;
  std::memcpy(&v, in, 8);
  return v;
}

// Writes the kKeySize-byte key of index `idx`.
void MakeKey(KeyPattern pattern, uint64_t idx, char* out);

// Writes the kValueSize-byte value of version `version` of key `idx`:
// bytes [0, 8) hold idx and [8, 12) the version (both little-endian), the
// rest is filler derived from both, so a stale or foreign value never
// matches.
void MakeValue(uint64_t idx, uint32_t version, char* out);

// The cheap check used inside timed loops: size and header.
inline bool ValueHeaderMatches(std::string_view value, uint64_t idx,
                               uint32_t version) {
  if (value.size() != kValueSize) return false;
  uint32_t v;
  std::memcpy(&v, value.data() + 8, 4);
  return LoadLittle64(value.data()) == idx && v == version;
}

// The version stored in a value's header (no size check).
inline uint32_t ValueVersion(std::string_view value) {
  uint32_t v;
  std::memcpy(&v, value.data() + 8, 4);
  return v;
}

// The full check: every byte equals MakeValue(idx, version).
bool ValueMatches(std::string_view value, uint64_t idx, uint32_t version);

// "size=100 idx=12 version=3" or a hex dump prefix, for error messages.
std::string DescribeValue(std::string_view value);
std::string HexKey(std::string_view key);

// Resident memory of this process, from /proc/self/status, in bytes.
struct ProcMemory {
  uint64_t vm_rss = 0;
  uint64_t rss_anon = 0;
  uint64_t rss_file = 0;
  uint64_t rss_shmem = 0;
  uint64_t vm_hwm = 0;
};
ProcMemory ReadProcMemory();

// Bytes allocated on disk (st_blocks * 512) under `path`, recursively.
uint64_t DirectoryDiskBytes(const std::string& path);

// Creates a fresh directory "<parent>/<prefix>XXXXXX".
absl::StatusOr<std::string> MakeTempDir(const std::string& parent,
                                        const std::string& prefix);
// Removes `path` and everything under it; errors are reported, not fatal.
absl::Status RemoveTree(const std::string& path);

// Where a harness puts its databases: `dir` (created if missing), or, when
// `dir` is empty, a fresh "/tmp/<prefix>XXXXXX" that *owned says to remove
// at the end.
absl::StatusOr<std::string> ScratchBase(const std::string& dir,
                                        const std::string& prefix,
                                        bool* owned);
// Replaces `path`'s contents with `text`.
absl::Status WriteTextFile(const std::string& path, const std::string& text);
// Writes a harness's JSON and Markdown reports where the paths are not
// empty; a failure is printed as "<program>: ..." to stderr. Returns 0, or 1
// if a write failed.
int WriteReports(const std::string& program, const std::string& json_path,
                 const std::string& json, const std::string& markdown_path,
                 const std::string& markdown);
// A JSON array of numbers.
std::string JsonNumberList(const std::vector<double>& values);

// One-line description of the machine: cores, memory, kernel, CPU model.
std::string MachineDescription();

// The first "model name" of /proc/cpuinfo ("unknown CPU" if none).
std::string CpuModel();
// Online processors (sysconf(_SC_NPROCESSORS_ONLN), what nproc prints).
int OnlineCpus();

// The first three fields of /proc/loadavg ("0.52 0.31 0.20"): other load
// on the machine while a benchmark ran.
std::string LoadAverage();

double Median(std::vector<double> values);

// 1234567.0 -> "1.23 M"; 12345.0 -> "12.3 k".
std::string FormatRate(double ops_per_s);
std::string FormatBytes(uint64_t bytes);
std::string JsonEscape(std::string_view s);
// A finite double as JSON (non-finite becomes null).
std::string JsonNumber(double v);

// Parses "1000000,10M,1e6" style lists of counts ("k"/"M" suffixes allowed).
absl::StatusOr<std::vector<uint64_t>> ParseCountList(std::string_view text);
absl::StatusOr<uint64_t> ParseCount(std::string_view text);

// Accepts "--name=value" and "--name value". Unknown flags are errors.
class FlagParser {
 public:
  FlagParser(int argc, char** argv) : args_(argv + 1, argv + argc) {}
  // Advances to the next argument; false when none is left. flag() is then
  // the argument up to any '=' (e.g. "--keys").
  bool Next();
  const std::string& flag() const { return flag_; }
  // The value of the current flag; consumes the next argument when the flag
  // was not spelled with '='.
  absl::StatusOr<std::string> Value();
  bool has_inline_value() const { return has_inline_; }

 private:
  std::vector<std::string> args_;
  size_t pos_ = 0;
  std::string flag_;
  std::string inline_value_;
  bool has_inline_ = false;
};

class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double Seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() -
                                         start_)
        .count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

}  // namespace zverse::bench

#endif  // ZVERSE_BENCH_BENCH_UTIL_H_
