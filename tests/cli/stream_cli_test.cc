// End-to-end tests of `zverse get --stream`: values of every size class
// (inline, at the overflow threshold, large, kv::kMaxValueSize), random and
// compressible, written through kv::DB and read back byte for byte through
// the binary's stdout; missing keys, --as-of, damage, and the escaped
// (non-stream) output next to it.

#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "tests/cli/zverse_runner.h"
#include "tests/test_util.h"

namespace zverse::testing {
namespace {

// 2024-01-02T03:04:05Z in microseconds.
constexpr uint64_t kT0 = 1704164645000000;

// Random bytes: incompressible, every byte value likely, and a NUL and a
// newline forced at the front (where there is room).
std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    const uint64_t r = rng();
    for (size_t j = 0; j < 8 && i + j < n; ++j) {
      s[i + j] = static_cast<char>(r >> (8 * j));
    }
  }
  if (n > 0) s[0] = '\0';
  if (n > 1) s[1] = '\n';
  return s;
}

// Text-like bytes: words from a small vocabulary, spaces and newlines
// (compresses several times over with zstd).
std::string TextBytes(size_t n, uint64_t seed) {
  static const char* const kWords[] = {
      "vertex", "edge",  "snapshot", "version", "segment", "the",
      "of",     "graph", "commit",   "time",    "key",     "value",
      "as",     "at",    "stream",   "log"};
  std::mt19937_64 rng(seed);
  std::string s;
  s.reserve(n + 16);
  while (s.size() < n) {
    const uint64_t r = rng();
    s.append(kWords[r % 16]);
    s.push_back(r % 13 == 0 ? '\n' : ' ');
  }
  s.resize(n);
  return s;
}

// The CLI's escaping (cli/escape.h), written out again as the oracle.
std::string Escaped(const std::string& bytes) {
  std::string out;
  for (unsigned char c : bytes) {
    if (c >= 0x20 && c <= 0x7e && c != '\\') {
      out.push_back(static_cast<char>(c));
    } else {
      out.append(absl::StrFormat("\\x%02x", c));
    }
  }
  return out;
}

// Compares without printing megabytes on a mismatch.
::testing::AssertionResult SameBytes(const std::string& got,
                                     const std::string& want) {
  const size_t n = std::min(got.size(), want.size());
  for (size_t i = 0; i < n; ++i) {
    if (got[i] != want[i]) {
      return ::testing::AssertionFailure()
             << "first difference at byte " << i << " of " << want.size()
             << " (got size " << got.size() << ")";
    }
  }
  if (got.size() != want.size()) {
    return ::testing::AssertionFailure()
           << "got " << got.size() << " bytes, want " << want.size();
  }
  return ::testing::AssertionSuccess();
}

uint64_t BlobFileBytes(const std::string& dir) {
  uint64_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".blob") total += entry.file_size();
  }
  return total;
}

class StreamCliTest : public ::testing::Test {
 protected:
  // `zverse get --db DIR args...`.
  RunResult Get(std::vector<std::string> args) {
    args.insert(args.begin(), {"get", "--db", db_});
    return RunZverse(args);
  }

  // Opens the database through the C++ API (creating it).
  std::unique_ptr<kv::DB> OpenDb() {
    absl::StatusOr<std::unique_ptr<kv::DB>> db = kv::DB::Open(db_);
    EXPECT_TRUE(db.ok()) << db.status();
    return db.ok() ? std::move(*db) : nullptr;
  }

  TempDir dir_;
  const std::string db_ = dir_.Sub("db");
};

TEST_F(StreamCliTest, ReproducesValuesOfEverySizeByteForByte) {
  const size_t kSizes[] = {0,
                           10,
                           kv::kOverflowValueSize - 1,
                           kv::kOverflowValueSize,
                           (size_t{1} << 20) + 3,
                           kv::kMaxValueSize};
  struct Value {
    std::string key;
    std::string bytes;
  };
  std::vector<Value> values;
  uint64_t random_overflow = 0;
  uint64_t text_overflow = 0;
  for (size_t size : kSizes) {
    values.push_back({absl::StrFormat("random/%d", size),
                      RandomBytes(size, 1000 + size)});
    values.push_back(
        {absl::StrFormat("text/%d", size), TextBytes(size, 2000 + size)});
    if (size >= kv::kOverflowValueSize) {
      random_overflow += size;
      text_overflow += size;
    }
  }
  {
    std::unique_ptr<kv::DB> db = OpenDb();
    ASSERT_NE(db, nullptr);
    for (const Value& v : values) ASSERT_OK(db->Put(v.key, v.bytes));
    ASSERT_OK(db->Close());
  }
  // Both paths of the overflow area are exercised: the random values are
  // stored as they are, the text ones compressed.
  const uint64_t blob_bytes = BlobFileBytes(db_);
  EXPECT_GE(blob_bytes, random_overflow);
  EXPECT_LT(blob_bytes, random_overflow + text_overflow / 2);

  for (const Value& v : values) {
    SCOPED_TRACE(v.key);
    RunResult r = Get({"--stream", v.key});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(r.err, "");
    EXPECT_TRUE(SameBytes(r.out, v.bytes));
  }
  // --stream may come after the key, like any flag.
  RunResult after = Get({values[2].key, "--stream"});
  EXPECT_EQ(after.exit_code, 0) << after.err;
  EXPECT_TRUE(SameBytes(after.out, values[2].bytes));
}

TEST_F(StreamCliTest, MissingAndDeletedKeysAreNotFound) {
  {
    std::unique_ptr<kv::DB> db = OpenDb();
    ASSERT_NE(db, nullptr);
    ASSERT_OK(db->Put("big", RandomBytes(100000, 1)));
    ASSERT_OK(db->Delete("big"));
    ASSERT_OK(db->Put("small", "x"));
    ASSERT_OK(db->Close());
  }
  for (const char* key : {"absent", "big"}) {
    SCOPED_TRACE(key);
    RunResult r = Get({"--stream", key});
    EXPECT_EQ(r.exit_code, 1) << r;
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.err, "not found\n");
  }
  // As without --stream.
  RunResult plain = Get({"absent"});
  EXPECT_EQ(plain.exit_code, 1) << plain;
  EXPECT_EQ(plain.err, "not found\n");
}

TEST_F(StreamCliTest, AsOfReadsOlderVersions) {
  const std::string v1 = RandomBytes((size_t{1} << 20) + 3, 11);
  const std::string v2 = TextBytes(5 << 20, 12);
  const std::string v3 = "short";
  {
    std::unique_ptr<kv::DB> db = OpenDb();
    ASSERT_NE(db, nullptr);
    kv::WriteOptions at;
    at.ts = kT0;
    ASSERT_OK(db->Put("k", v1, at));
    at.ts = kT0 + 1000000;
    ASSERT_OK(db->Put("k", v2, at));
    at.ts = kT0 + 2000000;
    ASSERT_OK(db->Put("k", v3, at));
    ASSERT_OK(db->Close());
  }
  struct Case {
    std::string as_of;
    const std::string* want;  // nullptr: not found.
  };
  const Case cases[] = {
      {std::to_string(kT0 - 1), nullptr},
      {std::to_string(kT0), &v1},
      {"2024-01-02T03:04:05.999999Z", &v1},
      {"2024-01-02T03:04:06Z", &v2},
      {std::to_string(kT0 + 2000000), &v3},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.as_of);
    RunResult r = Get({"--stream", "--as-of", c.as_of, "k"});
    if (c.want == nullptr) {
      EXPECT_EQ(r.exit_code, 1) << r;
      EXPECT_EQ(r.out, "");
      EXPECT_EQ(r.err, "not found\n");
    } else {
      EXPECT_EQ(r.exit_code, 0) << r.err;
      EXPECT_TRUE(SameBytes(r.out, *c.want));
    }
  }
  RunResult latest = Get({"--stream", "k"});
  EXPECT_EQ(latest.exit_code, 0) << latest.err;
  EXPECT_EQ(latest.out, v3);
  // A bad --as-of is a usage error, as without --stream.
  EXPECT_EQ(Get({"--stream", "--as-of", "yesterday", "k"}).exit_code, 2);
}

TEST_F(StreamCliTest, WithoutStreamTheValueIsEscapedOnOneLine) {
  const std::string small = std::string("a\0b\nc\\d\xff", 8);
  const std::string large = RandomBytes(3 * kv::kOverflowValueSize, 21);
  const std::string text = TextBytes(64 << 10, 22);
  {
    std::unique_ptr<kv::DB> db = OpenDb();
    ASSERT_NE(db, nullptr);
    ASSERT_OK(db->Put("small", small));
    ASSERT_OK(db->Put("large", large));
    ASSERT_OK(db->Put("text", text));
    ASSERT_OK(db->Close());
  }
  RunResult r = Get({"small"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "a\\x00b\\x0ac\\x5cd\\xff\n");
  EXPECT_EQ(Get({"--stream", "small"}).out, small);

  for (const auto& [key, bytes] :
       {std::pair<std::string, const std::string*>{"large", &large},
        {"text", &text}}) {
    SCOPED_TRACE(key);
    RunResult plain = Get({key});
    EXPECT_EQ(plain.exit_code, 0) << plain.err;
    EXPECT_TRUE(SameBytes(plain.out, Escaped(*bytes) + "\n"));
    RunResult raw = Get({"--stream", key});
    EXPECT_EQ(raw.exit_code, 0) << raw.err;
    EXPECT_TRUE(SameBytes(raw.out, *bytes));
  }
}

TEST_F(StreamCliTest, DamagedValueIsAnErrorNamingTheFile) {
  for (const bool compressible : {false, true}) {
    SCOPED_TRACE(compressible ? "compressed" : "stored as is");
    std::filesystem::remove_all(db_);
    const std::string value = compressible ? TextBytes(256 << 10, 31)
                                           : RandomBytes(256 << 10, 32);
    {
      std::unique_ptr<kv::DB> db = OpenDb();
      ASSERT_NE(db, nullptr);
      ASSERT_OK(db->Put("k", value));
      ASSERT_OK(db->Close());
    }
    // Flip 16 bytes in the middle of the (one) blob file: inside the value.
    std::filesystem::path blob;
    for (const auto& entry : std::filesystem::directory_iterator(db_)) {
      if (entry.path().extension() == ".blob") blob = entry.path();
    }
    ASSERT_FALSE(blob.empty());
    {
      const uintmax_t size = std::filesystem::file_size(blob);
      std::fstream f(blob, std::ios::in | std::ios::out | std::ios::binary);
      const std::streamoff offset = static_cast<std::streamoff>(size / 2);
      std::string bytes(16, '\0');
      f.seekg(offset);
      f.read(bytes.data(), bytes.size());
      for (char& c : bytes) c = static_cast<char>(~c);
      f.seekp(offset);
      f.write(bytes.data(), bytes.size());
    }
    for (const bool stream : {true, false}) {
      SCOPED_TRACE(stream ? "--stream" : "escaped");
      RunResult r = stream ? Get({"--stream", "k"}) : Get({"k"});
      EXPECT_EQ(r.exit_code, 3) << r;
      EXPECT_EQ(r.err.rfind("error: ", 0), 0u) << r;
      EXPECT_NE(r.err.find(blob.filename().string()), std::string::npos) << r;
      // Never the whole value as if it were intact.
      EXPECT_LT(r.out.size(), value.size());
    }
  }
}

TEST_F(StreamCliTest, HelpAndUsage) {
  RunResult help = RunZverse({"get", "--help"});
  EXPECT_EQ(help.exit_code, 0) << help;
  EXPECT_NE(help.out.find("--stream"), std::string::npos) << help;
  EXPECT_NE(help.out.find("Usage: zverse get --db DIR [--as-of T] [--stream] KEY"),
            std::string::npos)
      << help;
  // --stream takes no value.
  RunResult bad = Get({"--stream=yes", "k"});
  EXPECT_EQ(bad.exit_code, 2) << bad;
  // A read never creates the database.
  RunResult none = Get({"--stream", "k"});
  EXPECT_EQ(none.exit_code, 3) << none;
  EXPECT_FALSE(std::filesystem::exists(db_));
}

}  // namespace
}  // namespace zverse::testing
