#include "bench/bench_util.h"

#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace zverse::bench {

absl::StatusOr<KeyPattern> ParseKeyPattern(std::string_view name) {
  if (name == "hashed") return KeyPattern::kHashed;
  if (name == "decimal") return KeyPattern::kDecimal;
  return absl::InvalidArgumentError(
      absl::StrCat("unknown key pattern '", Av(name), "' (hashed|decimal)"));
}

const char* KeyPatternName(KeyPattern pattern) {
  return pattern == KeyPattern::kHashed ? "hashed" : "decimal";
}

void MakeKey(KeyPattern pattern, uint64_t idx, char* out) {
  if (pattern == KeyPattern::kHashed) {
    StoreBigEndian64(Mix64(idx ^ 0x5a5a5a5a5a5a5a5aULL), out);
    StoreBigEndian64(idx, out + 8);
    return;
  }
  for (int i = static_cast<int>(kKeySize) - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + idx % 10);
    idx /= 10;
  }
}

void MakeValue(uint64_t idx, uint32_t version, char* out) {
  std::memcpy(out, &idx, 8);
  std::memcpy(out + 8, &version, 4);
  uint64_t state = Mix64(idx * 8 + version);
  size_t pos = 12;
  while (pos < kValueSize) {
    state = Mix64(state);
    const size_t n = std::min<size_t>(8, kValueSize - pos);
    std::memcpy(out + pos, &state, n);
    pos += n;
  }
}

bool ValueMatches(std::string_view value, uint64_t idx, uint32_t version) {
  if (value.size() != kValueSize) return false;
  char expected[kValueSize];
  MakeValue(idx, version, expected);
  return std::memcmp(value.data(), expected, kValueSize) == 0;
}

std::string HexKey(std::string_view key) {
  std::string out;
  for (unsigned char c : key) absl::StrAppendFormat(&out, "%02x", c);
  return out;
}

std::string DescribeValue(std::string_view value) {
  if (value.size() < 12) {
    return absl::StrCat("size=", value.size(), " bytes=", HexKey(value));
  }
  return absl::StrCat("size=", value.size(),
                      " idx=", LoadLittle64(value.data()),
                      " version=", ValueVersion(value));
}

ProcMemory ReadProcMemory() {
  ProcMemory m;
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    auto parse = [&](absl::string_view name, uint64_t* out) {
      if (!absl::StartsWith(line, name)) return;
      absl::string_view rest(line);
      rest.remove_prefix(name.size());
      rest = absl::StripAsciiWhitespace(rest);
      absl::ConsumeSuffix(&rest, "kB");
      rest = absl::StripAsciiWhitespace(rest);
      uint64_t kb = 0;
      if (absl::SimpleAtoi(rest, &kb)) *out = kb * 1024;
    };
    parse("VmRSS:", &m.vm_rss);
    parse("RssAnon:", &m.rss_anon);
    parse("RssFile:", &m.rss_file);
    parse("RssShmem:", &m.rss_shmem);
    parse("VmHWM:", &m.vm_hwm);
  }
  return m;
}

uint64_t DirectoryDiskBytes(const std::string& path) {
  namespace fs = std::filesystem;
  uint64_t total = 0;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end;
       it.increment(ec)) {
    struct stat st;
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      total += static_cast<uint64_t>(st.st_blocks) * 512;
    }
  }
  return total;
}

absl::StatusOr<std::string> MakeTempDir(const std::string& parent,
                                        const std::string& prefix) {
  std::string templ = absl::StrCat(parent, "/", prefix, "XXXXXX");
  if (::mkdtemp(templ.data()) == nullptr) {
    return absl::InternalError(
        absl::StrCat("mkdtemp ", templ, ": ", std::strerror(errno)));
  }
  return templ;
}

absl::Status RemoveTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec) {
    return absl::InternalError(
        absl::StrCat("removing ", path, ": ", ec.message()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ScratchBase(const std::string& dir,
                                        const std::string& prefix,
                                        bool* owned) {
  *owned = dir.empty();
  if (dir.empty()) return MakeTempDir("/tmp", prefix);
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::InternalError(absl::StrCat("creating ", dir, ": ", ec.message()));
  }
  return dir;
}

absl::Status WriteTextFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  out.close();
  if (!out) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

int WriteReports(const std::string& program, const std::string& json_path,
                 const std::string& json, const std::string& markdown_path,
                 const std::string& markdown) {
  int rc = 0;
  for (const auto& [path, text] :
       {std::pair<const std::string&, const std::string&>(json_path, json),
        std::pair<const std::string&, const std::string&>(markdown_path,
                                                          markdown)}) {
    if (path.empty()) continue;
    if (absl::Status s = WriteTextFile(path, text); !s.ok()) {
      std::fprintf(stderr, "%s: %s\n", program.c_str(), s.ToString().c_str());
      rc = 1;
    }
  }
  return rc;
}

std::string JsonNumberList(const std::vector<double>& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    absl::StrAppend(&out, i > 0 ? ", " : "", JsonNumber(values[i]));
  }
  return out + "]";
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "model name")) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) {
        return std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
      }
      break;
    }
  }
  return "unknown CPU";
}

int OnlineCpus() { return static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)); }

std::string MachineDescription() {
  const std::string cpu = CpuModel();
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGESIZE);
  const uint64_t mem =
      pages > 0 && page_size > 0
          ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page_size)
          : 0;
  struct utsname u;
  std::string kernel = "unknown kernel";
  if (::uname(&u) == 0) kernel = absl::StrCat(u.sysname, " ", u.release);
  return absl::StrCat(OnlineCpus(), " cores (", cpu, "), ",
                      FormatBytes(mem), " RAM, ", kernel);
}

std::string LoadAverage() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  if (!(in >> a >> b >> c)) return "unknown";
  return absl::StrCat(a, " ", b, " ", c);
}

double Median(std::vector<double> values) {
  if (values.empty()) return std::nan("");
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

std::string FormatRate(double ops_per_s) {
  if (!std::isfinite(ops_per_s)) return "n/a";
  if (ops_per_s >= 1e6) return absl::StrFormat("%.2f M", ops_per_s / 1e6);
  if (ops_per_s >= 1e3) return absl::StrFormat("%.1f k", ops_per_s / 1e3);
  return absl::StrFormat("%.0f", ops_per_s);
}

std::string FormatBytes(uint64_t bytes) {
  const double b = static_cast<double>(bytes);
  if (b >= 1024.0 * 1024 * 1024) {
    return absl::StrFormat("%.2f GiB", b / (1024.0 * 1024 * 1024));
  }
  if (b >= 1024.0 * 1024)
    return absl::StrFormat("%.1f MiB", b / (1024.0 * 1024));
  if (b >= 1024.0) return absl::StrFormat("%.1f KiB", b / 1024.0);
  return absl::StrCat(bytes, " B");
}

std::string JsonEscape(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out;
}

std::string JsonNumber(double v) {
  if (!std::isfinite(v)) return "null";
  if (v == std::floor(v) && std::fabs(v) < 9e15) {
    return absl::StrFormat("%.0f", v);
  }
  return absl::StrFormat("%.9g", v);
}

absl::StatusOr<uint64_t> ParseCount(std::string_view text) {
  absl::string_view t = absl::StripAsciiWhitespace(Av(text));
  double multiplier = 1;
  if (absl::ConsumeSuffix(&t, "k") || absl::ConsumeSuffix(&t, "K")) {
    multiplier = 1e3;
  } else if (absl::ConsumeSuffix(&t, "M") || absl::ConsumeSuffix(&t, "m")) {
    multiplier = 1e6;
  } else if (absl::ConsumeSuffix(&t, "G") || absl::ConsumeSuffix(&t, "g")) {
    multiplier = 1e9;
  }
  uint64_t whole = 0;
  if (absl::SimpleAtoi(t, &whole)) {
    return static_cast<uint64_t>(static_cast<double>(whole) * multiplier);
  }
  double d = 0;
  if (absl::SimpleAtod(t, &d) && d >= 0 && std::isfinite(d)) {
    return static_cast<uint64_t>(std::llround(d * multiplier));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("not a count: '", Av(text), "'"));
}

absl::StatusOr<std::vector<uint64_t>> ParseCountList(std::string_view text) {
  std::vector<uint64_t> out;
  for (absl::string_view part :
       absl::StrSplit(Av(text), ',', absl::SkipEmpty())) {
    absl::StatusOr<uint64_t> n =
        ParseCount(std::string_view(part.data(), part.size()));
    if (!n.ok()) return n.status();
    out.push_back(*n);
  }
  if (out.empty()) return absl::InvalidArgumentError("empty list");
  return out;
}

bool FlagParser::Next() {
  if (pos_ >= args_.size()) return false;
  const std::string& arg = args_[pos_++];
  const size_t eq = arg.find('=');
  has_inline_ = eq != std::string::npos && absl::StartsWith(arg, "--");
  if (has_inline_) {
    flag_ = arg.substr(0, eq);
    inline_value_ = arg.substr(eq + 1);
  } else {
    flag_ = arg;
    inline_value_.clear();
  }
  return true;
}

absl::StatusOr<std::string> FlagParser::Value() {
  if (has_inline_) return inline_value_;
  if (pos_ >= args_.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("flag ", flag_, " needs a value"));
  }
  return args_[pos_++];
}

}  // namespace zverse::bench
