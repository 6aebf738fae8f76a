// End-to-end tests of the zverse binary: every command, its output format,
// its exit codes and its errors.

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "tests/cli/zverse_runner.h"
#include "tests/test_util.h"

namespace zverse::testing {
namespace {

// 2024-01-02T03:04:05Z in microseconds.
constexpr uint64_t kT0 = 1704164645000000;

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool IsDecimalLine(const std::string& s) {
  if (s.size() < 2 || s.back() != '\n') return false;
  return std::all_of(s.begin(), s.end() - 1,
                     [](unsigned char c) { return std::isdigit(c); });
}

class CliTest : public ::testing::Test {
 protected:
  // `zverse CMD --db DIR args...`.
  RunResult Run(const std::string& cmd, std::vector<std::string> args = {},
                const std::string& input = "") {
    args.insert(args.begin(), {cmd, "--db", db_});
    return RunZverse(args, input);
  }

  // Puts and returns the printed commit timestamp.
  uint64_t Put(const std::string& key, const std::string& value,
               const std::string& ts = "") {
    std::vector<std::string> args;
    if (!ts.empty()) args = {"--ts", ts};
    args.push_back("--");
    args.push_back(key);
    args.push_back(value);
    RunResult r = Run("put", args);
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_TRUE(IsDecimalLine(r.out)) << r;
    EXPECT_EQ(r.err, "");
    uint64_t printed = 0;
    EXPECT_TRUE(absl::SimpleAtoi(absl::StripSuffix(r.out, "\n"), &printed));
    return printed;
  }

  TempDir dir_;
  const std::string db_ = dir_.Sub("db");
};

TEST_F(CliTest, PutThenGet) {
  const uint64_t ts = Put("greeting", "hello world");
  EXPECT_GT(ts, kT0);  // The clock's now: later than 2024.
  RunResult r = Run("get", {"greeting"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "hello world\n");
  EXPECT_EQ(r.err, "");

  // A second put gets a later commit timestamp and replaces the value.
  EXPECT_GT(Put("greeting", "bye"), ts);
  EXPECT_EQ(Run("get", {"greeting"}).out, "bye\n");
}

TEST_F(CliTest, EmptyValueAndKeyStartingWithDash) {
  Put("-dash", "");
  RunResult r = Run("get", {"--", "-dash"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "\n");
}

TEST_F(CliTest, GetMissingKeyIsNotFound) {
  Put("a", "1");
  RunResult r = Run("get", {"b"});
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("not found"), std::string::npos) << r;
}

TEST_F(CliTest, ExplicitTimestampsAndAsOf) {
  EXPECT_EQ(Put("k", "v1", std::to_string(kT0)), kT0);
  EXPECT_EQ(Put("k", "v2", "2024-01-02T03:04:06Z"), kT0 + 1000000);

  struct Case {
    std::string as_of;
    std::string want;  // Empty: not found.
  };
  const Case cases[] = {
      {std::to_string(kT0), "v1\n"},
      {std::to_string(kT0 - 1), ""},
      {std::to_string(kT0 + 999999), "v1\n"},
      {std::to_string(kT0 + 1000000), "v2\n"},
      {"2024-01-02T03:04:05Z", "v1\n"},
      {"2024-01-02T03:04:05.999999Z", "v1\n"},
      {"2024-01-02T03:04:06Z", "v2\n"},
      {"2024-01-02T04:04:06+01:00", "v2\n"},
      {"2024-01-02", ""},
      {"2024-01-03", "v2\n"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.as_of);
    RunResult r = Run("get", {"--as-of", c.as_of, "k"});
    if (c.want.empty()) {
      EXPECT_EQ(r.exit_code, 1) << r;
      EXPECT_EQ(r.out, "");
      EXPECT_NE(r.err.find("not found"), std::string::npos) << r;
    } else {
      EXPECT_EQ(r.exit_code, 0) << r;
      EXPECT_EQ(r.out, c.want);
    }
  }
  EXPECT_EQ(Run("get", {"k"}).out, "v2\n");
  // --as-of=T works as well as --as-of T.
  EXPECT_EQ(Run("get", {"--as-of=2024-01-02T03:04:05Z", "k"}).out, "v1\n");
}

TEST_F(CliTest, DeleteAndHistory) {
  Put("k", "a", "1000");
  Put("k", "b", "2000");
  Put("other", "x", "2500");
  RunResult del = Run("del", {"--ts", "3000", "k"});
  EXPECT_EQ(del.exit_code, 0) << del;
  EXPECT_EQ(del.out, "3000\n");

  RunResult get = Run("get", {"k"});
  EXPECT_EQ(get.exit_code, 1) << get;
  EXPECT_EQ(get.out, "");
  EXPECT_NE(get.err.find("not found"), std::string::npos);
  EXPECT_EQ(Run("get", {"--as-of", "2999", "k"}).out, "b\n");

  RunResult history = Run("history", {"k"});
  EXPECT_EQ(history.exit_code, 0) << history;
  EXPECT_EQ(history.out, "3000\t(deleted)\n2000\tb\n1000\ta\n");
  EXPECT_EQ(Run("history", {"--as-of", "2000", "k"}).out, "2000\tb\n1000\ta\n");

  RunResult missing = Run("history", {"nope"});
  EXPECT_EQ(missing.exit_code, 1) << missing;
  EXPECT_EQ(missing.out, "");

  // A delete without --ts prints the clock's commit timestamp.
  Put("j", "1");
  RunResult del_now = Run("del", {"j"});
  EXPECT_EQ(del_now.exit_code, 0) << del_now;
  EXPECT_TRUE(IsDecimalLine(del_now.out)) << del_now;
}

TEST_F(CliTest, Scan) {
  Put("a", "1", "1000");
  Put("b", "2", "1000");
  Put("c", "3", "1000");
  Put("d", "4", "1000");
  Put("b", "22", "2000");
  ASSERT_EQ(Run("del", {"--ts", "2000", "c"}).exit_code, 0);

  RunResult r = Run("scan", {"b", "d"});
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "b\t22\n");  // c is deleted; d is past the end.

  EXPECT_EQ(Run("scan", {"", ""}).out, "a\t1\nb\t22\nd\t4\n");
  EXPECT_EQ(Run("scan", {"b", ""}).out, "b\t22\nd\t4\n");
  EXPECT_EQ(Run("scan", {"--as-of", "1500", "b", "d"}).out, "b\t2\nc\t3\n");
  EXPECT_EQ(Run("scan", {"x", "z"}).out, "");
  EXPECT_EQ(Run("scan", {"x", "z"}).exit_code, 0);
}

TEST_F(CliTest, EscapingRoundTripsNonPrintableBytes) {
  // Arguments are escaped text: the key holds a NUL and a tab, the value a
  // newline, a backslash, a 0xff byte and a tab.
  const std::string key = "k\\x00\\x09z";
  const std::string value = "line1\\x0aline2 \\\\ \\xFF\\x09end";
  Put(key, value, "1000");
  const std::string printed_value = "line1\\x0aline2 \\x5c \\xff\\x09end";

  RunResult get = Run("get", {key});
  EXPECT_EQ(get.exit_code, 0) << get;
  EXPECT_EQ(get.out, printed_value + "\n");

  // What was printed reads back as the same bytes.
  EXPECT_EQ(Run("get", {"k\\x00\\x09\\x7a"}).out, printed_value + "\n");
  EXPECT_EQ(Run("scan", {"", ""}).out, "k\\x00\\x09z\t" + printed_value + "\n");
  EXPECT_EQ(Run("history", {key}).out, "1000\t" + printed_value + "\n");

  // The engine holds the raw bytes.
  {
    kv::Options options;
    options.create_if_missing = false;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<kv::DB> db,
                         kv::DB::Open(db_, options));
    ASSERT_OK_AND_ASSIGN(std::string raw, db->Get(std::string("k\0\tz", 4)));
    EXPECT_EQ(raw, "line1\nline2 \\ \xff\tend");
  }

  // A bad escape in an argument is a usage error.
  RunResult bad = Run("get", {"bad\\q"});
  EXPECT_EQ(bad.exit_code, 2) << bad;
  EXPECT_NE(bad.err.find("escape"), std::string::npos) << bad;
}

TEST_F(CliTest, Ingest) {
  const std::string input =
      "put\ta\t1\n"
      "put\tb\ttwo words\n"
      "del\ta\n"
      "\n"  // Blank lines are skipped.
      "put\tc\\x09\tv\\x0a\r\n"
      "put\td\t";  // No final newline; empty value.
  RunResult r = Run("ingest", {}, input);
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.err, "");
  std::vector<std::string> lines = absl::StrSplit(r.out, '\n');
  ASSERT_EQ(lines.size(), 6u) << r;
  EXPECT_EQ(lines.back(), "");
  uint64_t last = 0;
  for (size_t i = 0; i < 5; ++i) {
    ASSERT_EQ(lines[i].substr(0, 3), "ok\t") << r;
    uint64_t ts = 0;
    ASSERT_TRUE(absl::SimpleAtoi(lines[i].substr(3), &ts)) << lines[i];
    EXPECT_GT(ts, last);
    last = ts;
  }
  EXPECT_EQ(Run("get", {"a"}).exit_code, 1);
  EXPECT_EQ(Run("get", {"b"}).out, "two words\n");
  EXPECT_EQ(Run("get", {"c\\x09"}).out, "v\\x0a\n");
  EXPECT_EQ(Run("get", {"d"}).out, "\n");
}

TEST_F(CliTest, IngestSyncModes) {
  for (const char* mode : {"always", "interval", "never"}) {
    SCOPED_TRACE(mode);
    RunResult r = Run("ingest", {"--sync", mode},
                      std::string("put\tkey-") + mode + "\tv\n");
    EXPECT_EQ(r.exit_code, 0) << r;
    EXPECT_EQ(r.out.substr(0, 3), "ok\t");
    EXPECT_EQ(Run("get", {std::string("key-") + mode}).out, "v\n");
  }
  RunResult bad = Run("ingest", {"--sync", "sometimes"}, "put\tx\ty\n");
  EXPECT_EQ(bad.exit_code, 2) << bad;
  EXPECT_EQ(bad.out, "");
}

TEST_F(CliTest, IngestStopsAtMalformedLine) {
  const std::string malformed[] = {
      "bogus line", "put\tonly-key", "del\tk\textra", "put\tk\tv\textra",
      "PUT\tk\tv",  "get\tk",        "put\tk\\q\tv",  "put\tk\tv\\x4",
  };
  for (const std::string& bad : malformed) {
    SCOPED_TRACE(bad);
    TempDir dir;
    const std::string db = dir.Sub("db");
    const std::string input =
        "put\tbefore1\t1\nput\tbefore2\t2\n" + bad + "\nput\tafter\t3\n";
    RunResult r = RunZverse({"ingest", "--db", db}, input);
    EXPECT_NE(r.exit_code, 0) << r;
    EXPECT_NE(r.exit_code, -1) << r;
    EXPECT_NE(r.err.find("line 3: "), std::string::npos) << r;
    // Exactly the two lines before it were acknowledged.
    std::vector<std::string> lines = absl::StrSplit(r.out, '\n');
    EXPECT_EQ(lines.size(), 3u) << r;
    EXPECT_EQ(RunZverse({"get", "--db", db, "before1"}).out, "1\n");
    EXPECT_EQ(RunZverse({"get", "--db", db, "before2"}).out, "2\n");
    EXPECT_EQ(RunZverse({"get", "--db", db, "after"}).exit_code, 1);
  }
  // The message for a line of the wrong shape says what is expected.
  RunResult r = Run("ingest", {}, "put\ta\t1\nput\tb\t2\nnonsense\n");
  EXPECT_NE(r.err.find("line 3: expected put<TAB>KEY<TAB>VALUE or del<TAB>KEY"),
            std::string::npos)
      << r;
}

TEST_F(CliTest, StatsAndVerify) {
  Put("a", "1");
  Put("b", "2");
  RunResult stats = Run("stats");
  EXPECT_EQ(stats.exit_code, 0) << stats;
  EXPECT_FALSE(stats.out.empty());
  EXPECT_EQ(stats.out.back(), '\n');
  // One "name value" pair per line.
  for (absl::string_view line :
       absl::StrSplit(absl::StripSuffix(stats.out, "\n"), '\n')) {
    EXPECT_NE(line.find(' '), absl::string_view::npos) << line;
  }
  EXPECT_NE(stats.out.find("entries"), std::string::npos) << stats;

  RunResult verify = Run("verify");
  EXPECT_EQ(verify.exit_code, 0) << verify;
  EXPECT_TRUE(absl::StartsWith(verify.out, "checked ")) << verify;
  EXPECT_TRUE(absl::EndsWith(verify.out, " bytes\nok\n")) << verify;
  EXPECT_EQ(verify.err, "");
}

TEST_F(CliTest, CompactKeepsEveryVersion) {
  Put("a", "1", "1000");
  Put("b", "2", "1000");
  Put("a", "11", "2000");
  ASSERT_EQ(Run("del", {"--ts", "3000", "b"}).exit_code, 0);
  Put("c", "3", "3000");
  const std::string scan_before = Run("scan", {"", ""}).out;
  const std::string old_scan_before =
      Run("scan", {"--as-of", "1500", "", ""}).out;
  const std::string history_before = Run("history", {"b"}).out;

  RunResult r = Run("compact");
  EXPECT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out, "ok\n");

  EXPECT_EQ(Run("scan", {"", ""}).out, scan_before);
  EXPECT_EQ(scan_before, "a\t11\nc\t3\n");
  EXPECT_EQ(Run("scan", {"--as-of", "1500", "", ""}).out, old_scan_before);
  EXPECT_EQ(old_scan_before, "a\t1\nb\t2\n");
  EXPECT_EQ(Run("history", {"b"}).out, history_before);
  EXPECT_EQ(history_before, "3000\t(deleted)\n1000\t2\n");
  EXPECT_EQ(Run("get", {"--as-of", "1999", "a"}).out, "1\n");
  EXPECT_TRUE(absl::EndsWith(Run("verify").out, "\nok\n"));
  // Writes after a compaction land on top of it.
  Put("a", "111");
  EXPECT_EQ(Run("get", {"a"}).out, "111\n");

  // Compact never creates a database.
  TempDir other;
  RunResult missing = RunZverse({"compact", "--db", other.Sub("none")});
  EXPECT_EQ(missing.exit_code, 3) << missing;
  EXPECT_FALSE(std::filesystem::exists(other.Sub("none")));
}

TEST_F(CliTest, CompactRetainDropsOldHistory) {
  // Old history (far in the past), then the present.
  Put("a", "1", "1000");
  Put("a", "2", "2000");
  Put("b", "x", "1500");
  ASSERT_EQ(Run("del", {"--ts", "2500", "b"}).exit_code, 0);
  Put("c", "old", "1000");
  Put("a", "3");
  const std::string now_scan = Run("scan", {"", ""}).out;

  RunResult r = Run("compact", {"--retain", "1d"});
  ASSERT_EQ(r.exit_code, 0) << r;
  EXPECT_EQ(r.out.rfind("ok\nhorizon ", 0), 0u) << r;
  // a@1000 goes (a@2000 is its newest before the horizon), and b's deletion
  // takes b@1500 with it: 3 of 6 versions.
  EXPECT_NE(r.out.find("versions_dropped 3\n"), std::string::npos) << r;
  EXPECT_NE(r.out.find("versions_kept 3\n"), std::string::npos) << r;
  EXPECT_EQ(Run("scan", {"", ""}).out, now_scan);
  EXPECT_EQ(Run("history", {"a"}).out.substr(
                Run("history", {"a"}).out.find('\n') + 1),
            "2000\t2\n");
  EXPECT_EQ(Run("history", {"b"}).exit_code, 1);  // Nothing left of b.
  EXPECT_EQ(Run("get", {"c"}).out, "old\n");      // Newest, however old.
  EXPECT_TRUE(absl::EndsWith(Run("verify").out, "\nok\n"));
  // Bad durations are usage errors.
  for (const char* bad : {"", "30", "d", "-1d", "1y", "3 d"}) {
    EXPECT_EQ(Run("compact", {"--retain", bad}).exit_code, 2) << bad;
  }
}

TEST_F(CliTest, VerifyReportsDamage) {
  for (int i = 0; i < 50; ++i) {
    Put("key" + std::to_string(i), std::string(100, 'a' + i % 26));
  }
  // Flip bytes in the middle of the largest file (the log).
  std::filesystem::path largest;
  uintmax_t largest_size = 0;
  for (const auto& entry : std::filesystem::directory_iterator(db_)) {
    if (entry.is_regular_file() && entry.file_size() > largest_size) {
      largest = entry.path();
      largest_size = entry.file_size();
    }
  }
  ASSERT_GT(largest_size, 1000u);
  {
    std::fstream f(largest, std::ios::in | std::ios::out | std::ios::binary);
    const std::streamoff offset = static_cast<std::streamoff>(largest_size / 2);
    std::string bytes(16, '\0');
    f.seekg(offset);
    f.read(bytes.data(), bytes.size());
    for (char& c : bytes) c = static_cast<char>(~c);
    f.seekp(offset);
    f.write(bytes.data(), bytes.size());
  }
  // Damage (DataLoss, whether found by Open or by Verify) exits 1, and the
  // message names the damaged file.
  RunResult r = Run("verify");
  EXPECT_EQ(r.exit_code, 1) << r;
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("error: "), std::string::npos) << r;
  EXPECT_NE(r.err.find(largest.filename().string()), std::string::npos) << r;
}

TEST_F(CliTest, Help) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"--help"}, {"help"}, {"-h"}}) {
    RunResult r = RunZverse(args);
    EXPECT_EQ(r.exit_code, 0) << r;
    for (const char* word :
         {"put", "get", "del", "history", "scan", "ingest", "stats", "compact",
          "verify", "--db", "--as-of", "--ts", "--sync", "2024-01-02T03:04:05Z",
          "Exit codes", "\\xHH"}) {
      EXPECT_NE(r.out.find(word), std::string::npos) << word << "\n" << r;
    }
  }
  for (const char* cmd : {"put", "get", "del", "history", "scan", "ingest",
                          "stats", "compact", "verify"}) {
    SCOPED_TRACE(cmd);
    RunResult a = RunZverse({cmd, "--help"});
    EXPECT_EQ(a.exit_code, 0) << a;
    EXPECT_NE(a.out.find(std::string("Usage: zverse ") + cmd),
              std::string::npos)
        << a;
    EXPECT_NE(a.out.find("Exit codes"), std::string::npos);
    RunResult b = RunZverse({"help", cmd});
    EXPECT_EQ(b.exit_code, 0) << b;
    EXPECT_EQ(b.out, a.out);
  }
  EXPECT_NE(RunZverse({"get", "--help"}).out.find("--as-of T"),
            std::string::npos);
}

// Regression: the command table grew by the graph commands on every lookup,
// so `zverse help` listed them twice.
TEST_F(CliTest, HelpListsEveryCommandOnce) {
  RunResult r = RunZverse({"help"});
  ASSERT_EQ(r.exit_code, 0) << r;
  const size_t commands = r.out.find("\nCommands:\n");
  ASSERT_NE(commands, std::string::npos) << r;
  const std::string listing = r.out.substr(commands);
  for (const char* cmd :
       {"put", "get", "del", "history", "scan", "ingest", "stats", "compact",
        "verify", "load", "export", "vertex", "neighbors", "diff", "algo",
        "query"}) {
    const std::string line = std::string("\n  ") + cmd + " ";
    const size_t first = listing.find(line);
    EXPECT_NE(first, std::string::npos) << cmd << "\n" << r;
    EXPECT_EQ(listing.find(line, first + 1), std::string::npos)
        << cmd << " is listed twice\n" << r;
  }
}

TEST_F(CliTest, UsageErrors) {
  const std::vector<std::vector<std::string>> bad = {
      {},                                    // No command.
      {"frobnicate"},                        // Unknown command.
      {"help", "frobnicate"},                // Help on an unknown one.
      {"get", "k"},                          // No --db.
      {"get", "--db", db_},                  // No KEY.
      {"get", "--db", db_, "k", "extra"},    // Too many arguments.
      {"get", "--db", db_, "--bogus", "k"},  // Unknown flag.
      {"get", "--db", db_, "k", "--as-of"},  // Flag without its value.
      {"get", "--db", db_, "--as-of", "yesterday", "k"},
      {"get", "--db", db_, "--as-of", "2024-01-02T03:04:05", "k"},
      {"get", "--db", db_, "--as-of", "0", "k"},
      {"get", "--db", "", "k"},   // Empty --db.
      {"put", "--db", db_, "k"},  // No VALUE.
      {"put", "--db", db_, "--ts", "soon", "k", "v"},
      {"put", "--db", db_, "--as-of", "5", "k", "v"},  // Not a put flag.
      {"scan", "--db", db_, "a"},                      // No END.
      {"stats", "--db", db_, "extra"},
      {"ingest", "--db", db_, "file.txt"},
  };
  for (const auto& args : bad) {
    SCOPED_TRACE(::testing::PrintToString(args));
    RunResult r = RunZverse(args);
    EXPECT_EQ(r.exit_code, 2) << r;
    EXPECT_EQ(r.out, "");
    EXPECT_FALSE(r.err.empty());
  }
  // Usage errors never touch the database.
  EXPECT_FALSE(std::filesystem::exists(db_));
  RunResult r = RunZverse({"get", "--db", db_, "--as-of", "yesterday", "k"});
  EXPECT_NE(r.err.find("bad timestamp 'yesterday'"), std::string::npos) << r;
}

TEST_F(CliTest, ReadsDoNotCreateADatabase) {
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{{"get", "k"},
                                             {"history", "k"},
                                             {"scan", "a", "b"},
                                             {"stats"},
                                             {"verify"}}) {
    SCOPED_TRACE(args[0]);
    std::vector<std::string> rest(args.begin() + 1, args.end());
    RunResult r = Run(args[0], rest);
    EXPECT_EQ(r.exit_code, 3) << r;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("error: "), std::string::npos) << r;
    EXPECT_FALSE(std::filesystem::exists(db_));
  }
  // Nor in an empty directory that exists.
  std::filesystem::create_directory(db_);
  RunResult r = Run("get", {"k"});
  EXPECT_EQ(r.exit_code, 3) << r;
  EXPECT_TRUE(std::filesystem::is_empty(db_));
}

TEST_F(CliTest, LockedDatabase) {
  Put("k", "v");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<kv::DB> held, kv::DB::Open(db_));
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"put", "k", "v2"}, {"get", "k"}, {"del", "k"}, {"stats"}}) {
    SCOPED_TRACE(args[0]);
    std::vector<std::string> rest(args.begin() + 1, args.end());
    RunResult r = Run(args[0], rest);
    EXPECT_EQ(r.exit_code, 3) << r;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(Lower(r.err).find("lock"), std::string::npos) << r;
  }
  RunResult ingest = Run("ingest", {}, "put\tk\tv3\n");
  EXPECT_EQ(ingest.exit_code, 3) << ingest;
  EXPECT_EQ(ingest.out, "");
  // Nothing was written behind the holder's back.
  ASSERT_OK_AND_ASSIGN(std::string value, held->Get("k"));
  EXPECT_EQ(value, "v");
  ASSERT_OK(held->Close());
  EXPECT_EQ(Run("get", {"k"}).out, "v\n");
}

TEST_F(CliTest, NotADatabase) {
  std::filesystem::create_directory(db_);
  {
    std::ofstream f(db_ + "/notes.txt");
    f << "this is not a database\n";
  }
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {"put", "k", "v"}, {"get", "k"}, {"scan", "", ""}, {"verify"}}) {
    SCOPED_TRACE(args[0]);
    std::vector<std::string> rest(args.begin() + 1, args.end());
    RunResult r = Run(args[0], rest);
    EXPECT_EQ(r.exit_code, 3) << r;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("error: "), std::string::npos) << r;
  }
  // The stray file is left alone.
  EXPECT_EQ(ReadWholeFile(db_ + "/notes.txt"), "this is not a database\n");
}

}  // namespace
}  // namespace zverse::testing
