// The damage matrix: a database with segments of both physical orders, a
// blob file (overflow values), deletions and an active log is copied, and
// each copy is damaged in one way — a file truncated, a page zeroed, bits
// flipped, garbage appended, a file deleted, two files swapped, a segment
// renamed or duplicated, the identity file removed, stray files added.
// Then it is opened read-only and read-write, verified (DB::VerifyAll, and
// `zverse verify` on a sample), and read everywhere: Get as of many times,
// History of every key, full scans then and now. What must hold depends on
// what the format can know (kv/FORMAT.md):
//
//  * kDetect (damage inside a file whose bytes are all checksummed or
//    cross-checked): opening fails with a clear error, or every read is
//    exactly the model's answer or DataLoss; and where a read is not
//    exact, open or VerifyAll reports a problem naming the damaged file.
//  * kPrefix (the active log): a damaged last commit group is
//    indistinguishable from a torn write and dropped, so the database may
//    hold a prefix of its commits, exactly; damage before the last group is
//    DataLoss at open.
//  * kKnown (a whole file deleted, renamed or copied: there is no manifest,
//    the directory listing is the list of files): the database may lose or
//    repeat versions, but never serves a value its key never had, and never
//    crashes.
//
// A summary of every case's outcome is printed.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "tests/cli/zverse_runner.h"
#include "tests/kv/file_util.h"
#include "tests/kv/kv_model.h"
#include "tests/test_util.h"

namespace zverse::kv {
namespace {

namespace fs = std::filesystem;
using ::zverse::testing::BaseName;
using ::zverse::testing::Model;
using ::zverse::testing::ReadAll;
using ::zverse::testing::TempDir;
using ::zverse::testing::WriteAll;

enum class Expect { kDetect, kPrefix, kKnown };

struct Case {
  std::string name;
  std::string file;  // The damaged file's name ("" for directory damage).
  Expect expect;
  std::function<void(const std::string& dir)> apply;
};

struct Template {
  std::string dir;
  Model model;
  std::vector<std::string> keys;
  std::vector<Timestamp> commit_ts;  // Ascending.
};

// Writes the template database: two sealed segments (interleaved, then
// key-major), overflow values, deletions, and unsealed commits in the log.
void BuildTemplate(const std::string& dir, Template* t) {
  t->dir = dir;
  std::mt19937_64 rng(42);
  for (int k = 0; k < 40; ++k) t->keys.push_back(absl::StrCat("key/", k * 7));
  auto value = [&](int round, int k) {
    std::string v = absl::StrCat("r", round, "k", k, ":");
    const size_t size =
        rng() % 6 == 0 ? kOverflowValueSize + rng() % 2000 : rng() % 120;
    while (v.size() < size) v.push_back(static_cast<char>('a' + rng() % 26));
    return v;
  };
  for (int phase = 0; phase < 3; ++phase) {
    Options o;
    o.background_compaction = false;
    o.seal_threshold_bytes = uint64_t{1} << 30;
    o.physical_order = phase == 1 ? Options::PhysicalOrder::kKeyMajor
                                  : Options::PhysicalOrder::kInterleaved;
    absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(dir, o);
    ASSERT_TRUE(db.ok()) << db.status();
    for (int round = 0; round < 6; ++round) {
      WriteBatch b;
      std::vector<std::pair<std::string, std::optional<std::string>>> w;
      std::set<int> used;
      for (int j = 0; j < 8; ++j) {
        const int k = static_cast<int>(rng() % t->keys.size());
        if (!used.insert(k).second) continue;
        if (rng() % 7 == 0) {
          b.Delete(t->keys[k]);
          w.emplace_back(t->keys[k], std::nullopt);
        } else {
          std::string v = value(phase * 10 + round, k);
          b.Put(t->keys[k], v);
          w.emplace_back(t->keys[k], std::move(v));
        }
      }
      ASSERT_OK_AND_ASSIGN(Timestamp ts, (*db)->Write(b));
      for (auto& [key, v] : w) t->model.Apply(key, ts, v);
      t->commit_ts.push_back(ts);
    }
    if (phase < 2) ASSERT_OK((*db)->Seal());
    ASSERT_OK((*db)->Close());
  }
}

// What one damaged copy did.
struct Outcome {
  absl::Status open;                  // The read-write open.
  absl::Status open_read_only;
  std::vector<absl::Status> problems;  // VerifyAll's.
  int reads = 0;
  int exact = 0;
  int data_loss = 0;       // Reads that failed with DataLoss.
  std::vector<std::string> wrong;  // Neither exact nor DataLoss.
  std::vector<std::string> invented;  // A value the key never had.
  bool prefix = false;     // The state of the model as of some commit.
  bool detected() const { return !open.ok() || !problems.empty(); }
};

// True if `v` was a value of `key` at or before `as_of`.
bool KeyHad(const Model& m, const std::string& key, const std::string& v,
            Timestamp as_of) {
  const Model::Versions* vs = m.VersionsOf(key);
  if (vs == nullptr) return false;
  for (const auto& [ts, val] : *vs) {
    if (ts <= as_of && val.has_value() && *val == v) return true;
  }
  return false;
}

bool SameEntries(const std::vector<Entry>& a, const std::vector<Entry>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (a[i].key != b[i].key || a[i].ts != b[i].ts ||
        a[i].deleted != b[i].deleted || a[i].value != b[i].value) {
      return false;
    }
  }
  return true;
}

// Reads everything `db` serves and compares it with the model.
void ReadEverything(const DB& db, const Template& t, Outcome* out) {
  std::vector<Timestamp> times = {kLatest};
  for (size_t i = 0; i < t.commit_ts.size(); i += 3) {
    times.push_back(t.commit_ts[i]);
  }
  std::vector<std::string> keys = t.keys;
  keys.push_back("never/written");
  const auto judge = [&](bool exact, const absl::Status& s,
                         const std::string& what) {
    ++out->reads;
    if (exact) {
      ++out->exact;
    } else if (absl::IsDataLoss(s)) {
      ++out->data_loss;
    } else {
      out->wrong.push_back(absl::StrCat(what, ": ", s.ToString()));
    }
  };
  for (const std::string& key : keys) {
    for (Timestamp at : times) {
      absl::StatusOr<std::string> got = db.Get(key, at);
      const std::optional<Entry> want = t.model.Find(key, at);
      const bool live = want.has_value() && !want->deleted;
      const bool exact = got.ok() ? live && *got == want->value
                                  : !live && absl::IsNotFound(got.status());
      judge(exact, got.ok() ? absl::OkStatus() : got.status(),
            absl::StrCat("Get(", key, ", ", at, ")"));
      if (got.ok() && !KeyHad(t.model, key, *got, at)) {
        out->invented.push_back(absl::StrCat("Get(", key, ", ", at, ")"));
      }
    }
    absl::StatusOr<std::vector<Entry>> h = db.History(key);
    const std::vector<Entry> want = t.model.History(key, kLatest);
    const bool exact = h.ok() ? SameEntries(*h, want)
                              : want.empty() && absl::IsNotFound(h.status());
    judge(exact, h.ok() ? absl::OkStatus() : h.status(),
          absl::StrCat("History(", key, ")"));
    if (h.ok()) {
      for (const Entry& e : *h) {
        if (!e.deleted && !KeyHad(t.model, key, e.value, kLatest)) {
          out->invented.push_back(absl::StrCat("History(", key, ")"));
        }
      }
    }
  }
  for (Timestamp at : times) {
    absl::StatusOr<std::vector<Entry>> scan = db.Scan("", "", at);
    const bool exact = scan.ok() && SameEntries(*scan, t.model.Scan("", "", at));
    judge(exact, scan.ok() ? absl::OkStatus() : scan.status(),
          absl::StrCat("Scan as of ", at));
    if (scan.ok()) {
      for (const Entry& e : *scan) {
        if (!KeyHad(t.model, e.key, e.value, at)) {
          out->invented.push_back(absl::StrCat("Scan(", e.key, ")"));
        }
      }
    }
  }
  // A prefix of the commits: the newest state is the model's as of some
  // commit, and so is every key's history.
  absl::StatusOr<std::vector<Entry>> latest = db.Scan("", "");
  if (!latest.ok()) return;
  std::vector<Timestamp> candidates = t.commit_ts;
  candidates.insert(candidates.begin(), 0);
  for (Timestamp c : candidates) {
    if (!SameEntries(*latest, t.model.Scan("", "", c == 0 ? 1 : c))) continue;
    bool all = true;
    for (const std::string& key : t.keys) {
      absl::StatusOr<std::vector<Entry>> h = db.History(key);
      const std::vector<Entry> want = t.model.History(key, c);
      if (!(h.ok() ? SameEntries(*h, want)
                   : want.empty() && absl::IsNotFound(h.status()))) {
        all = false;
        break;
      }
    }
    if (all) {
      out->prefix = true;
      return;
    }
  }
}

Outcome Examine(const std::string& dir, const Template& t) {
  Outcome out;
  Options ro;
  ro.read_only = true;
  ro.create_if_missing = false;
  {
    absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(dir, ro);
    out.open_read_only = db.status();
    if (db.ok()) {
      // Read-only: the same answers, never a wrong or invented one.
      Outcome o;
      ReadEverything(**db, t, &o);
      out.wrong = o.wrong;
      out.invented = o.invented;
    }
  }
  Options rw;
  rw.create_if_missing = false;
  rw.background_compaction = false;
  absl::StatusOr<std::unique_ptr<DB>> db = DB::Open(dir, rw);
  out.open = db.status();
  if (!db.ok()) return out;
  absl::StatusOr<VerifyReport> report = (*db)->VerifyAll();
  EXPECT_TRUE(report.ok()) << report.status();
  if (report.ok()) out.problems = report->problems;
  ReadEverything(**db, t, &out);
  return out;
}

std::string Describe(const Outcome& o) {
  if (!o.open.ok()) return "open fails";
  if (!o.problems.empty()) return "verify reports";
  if (o.exact == o.reads) return "harmless";
  if (o.prefix) return "prefix";
  return "served with loss";
}

// --- The damages -----------------------------------------------------------

void Truncate(const std::string& path, uint64_t size) {
  fs::resize_file(path, size);
}
void Zero(const std::string& path, uint64_t offset, uint64_t n) {
  std::string b = ReadAll(path);
  offset = std::min<uint64_t>(offset, b.size());
  n = std::min<uint64_t>(n, b.size() - offset);
  std::fill_n(b.begin() + offset, n, '\0');
  WriteAll(path, b);
}
void Flip(const std::string& path, std::vector<uint64_t> offsets, int bit) {
  std::string b = ReadAll(path);
  for (uint64_t off : offsets) {
    if (off < b.size()) b[off] = static_cast<char>(b[off] ^ (1 << bit));
  }
  WriteAll(path, b);
}

std::vector<Case> Cases(const std::string& dir) {
  std::vector<Case> cases;
  std::vector<std::string> segments, logs, blobs;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (absl::EndsWith(name, ".seg")) segments.push_back(name);
    if (absl::EndsWith(name, ".log")) logs.push_back(name);
    if (absl::EndsWith(name, ".blob")) blobs.push_back(name);
  }
  std::sort(segments.begin(), segments.end());
  EXPECT_EQ(segments.size(), 2u);
  EXPECT_EQ(logs.size(), 1u);
  EXPECT_GE(blobs.size(), 1u);
  std::vector<std::pair<std::string, Expect>> files;
  for (const auto& s : segments) files.emplace_back(s, Expect::kDetect);
  for (const auto& b : blobs) files.emplace_back(b, Expect::kDetect);
  for (const auto& l : logs) files.emplace_back(l, Expect::kPrefix);
  for (const auto& [name, expect] : files) {
    const uint64_t size = fs::file_size(dir + "/" + name);
    const auto add = [&, name = name, expect = expect](
                         std::string what,
                         std::function<void(const std::string&)> f) {
      cases.push_back(Case{absl::StrCat(name, ": ", what), name, expect,
                           [name, f](const std::string& d) {
                             f(d + "/" + name);
                           }});
    };
    for (uint64_t to : {uint64_t{0}, uint64_t{63}, size / 2, size - 1}) {
      add(absl::StrCat("truncated to ", to),
          [to](const std::string& p) { Truncate(p, to); });
    }
    for (uint64_t page : {uint64_t{0}, size / 2 / 4096 * 4096,
                          size > 4096 ? size - 4096 : 0}) {
      add(absl::StrCat("4 KiB zeroed at ", page),
          [page](const std::string& p) { Zero(p, page, 4096); });
    }
    for (uint64_t off : {uint64_t{3}, uint64_t{12}, uint64_t{70}, size / 3,
                         size / 2, size - 100, size - 9, size - 1}) {
      add(absl::StrCat("bit flipped at ", off),
          [off](const std::string& p) { Flip(p, {off}, 5); });
    }
    add("8 bits flipped", [size](const std::string& p) {
      std::vector<uint64_t> offs;
      for (int i = 0; i < 8; ++i) offs.push_back(64 + (size - 64) * i / 8);
      Flip(p, offs, 2);
    });
    add("garbage appended", [](const std::string& p) {
      zverse::testing::AppendAll(p, std::string(100, '\x5a'));
    });
  }
  // Whole files, and the directory.
  for (const auto& name : segments) {
    cases.push_back({absl::StrCat(name, ": deleted"), name, Expect::kKnown,
                     [name](const std::string& d) { fs::remove(d + "/" + name); }});
    cases.push_back({absl::StrCat(name, ": renamed to 000999.seg"), name,
                     Expect::kKnown, [name](const std::string& d) {
                       fs::rename(d + "/" + name, d + "/000999.seg");
                     }});
    cases.push_back({absl::StrCat(name, ": copied to 000999.seg"), name,
                     Expect::kKnown, [name](const std::string& d) {
                       fs::copy_file(d + "/" + name, d + "/000999.seg");
                     }});
  }
  for (const auto& name : blobs) {
    cases.push_back({absl::StrCat(name, ": deleted"), name, Expect::kDetect,
                     [name](const std::string& d) { fs::remove(d + "/" + name); }});
  }
  cases.push_back({absl::StrCat(logs[0], ": deleted"), logs[0], Expect::kPrefix,
                   [name = logs[0]](const std::string& d) {
                     fs::remove(d + "/" + name);
                   }});
  const auto swap = [](const std::string& a, const std::string& b) {
    return [a, b](const std::string& d) {
      const std::string x = ReadAll(d + "/" + a), y = ReadAll(d + "/" + b);
      WriteAll(d + "/" + a, y);
      WriteAll(d + "/" + b, x);
    };
  };
  cases.push_back({"the two segments swapped", segments[0], Expect::kDetect,
                   swap(segments[0], segments[1])});
  cases.push_back({"a segment and the log swapped", segments[1],
                   Expect::kDetect, swap(segments[1], logs[0])});
  cases.push_back({"a segment and a blob file swapped", segments[0],
                   Expect::kDetect, swap(segments[0], blobs[0])});
  cases.push_back({"ZVERSE deleted", "ZVERSE", Expect::kDetect,
                   [](const std::string& d) { fs::remove(d + "/ZVERSE"); }});
  cases.push_back({"ZVERSE rewritten", "ZVERSE", Expect::kDetect,
                   [](const std::string& d) {
                     WriteAll(d + "/ZVERSE", "ZVerse database\nformat 9\n");
                   }});
  cases.push_back({"LOCK deleted", "", Expect::kDetect,
                   [](const std::string& d) { fs::remove(d + "/LOCK"); }});
  cases.push_back({"stray files added", "", Expect::kDetect,
                   [](const std::string& d) {
                     WriteAll(d + "/notes.txt", "hello");
                     WriteAll(d + "/000500.seg.tmp", "half a segment");
                   }});
  return cases;
}

TEST(DamageTest, EveryDamageIsReportedOrHarmlessAndNeverServedWrong) {
  TempDir tmp;
  Template t;
  ASSERT_NO_FATAL_FAILURE(BuildTemplate(tmp.Sub("template"), &t));
  {
    // The template itself is clean and exact.
    Outcome clean = Examine(t.dir, t);
    ASSERT_OK(clean.open);
    ASSERT_TRUE(clean.problems.empty());
    ASSERT_EQ(clean.exact, clean.reads);
    ASSERT_GT(clean.reads, 300);
  }
  const std::vector<Case> cases = Cases(t.dir);
  std::map<std::string, int> tally;
  std::string table;
  int cli_checked = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string dir = tmp.Sub("copy");
    zverse::testing::CopyDir(t.dir, dir);
    c.apply(dir);
    const Outcome o = Examine(dir, t);
    const std::string what = Describe(o);
    ++tally[what];
    absl::StrAppend(&table, "  ", c.name, ": ", what, "\n");
    // Never an invented value, on either open.
    EXPECT_TRUE(o.invented.empty()) << o.invented.front();
    for (const absl::Status* s : {&o.open, &o.open_read_only}) {
      if (!s->ok()) EXPECT_FALSE(s->message().empty());
    }
    switch (c.expect) {
      case Expect::kDetect:
        // Every read exact or DataLoss; anything short of exact detected.
        EXPECT_TRUE(o.wrong.empty()) << o.wrong.front();
        if (o.open.ok() && o.exact < o.reads) {
          EXPECT_FALSE(o.problems.empty())
              << "reads were not exact, yet VerifyAll found nothing";
        }
        break;
      case Expect::kPrefix:
        if (o.open.ok() && o.problems.empty()) {
          EXPECT_TRUE(o.prefix) << "not a prefix of the commits";
        } else if (o.open.ok()) {
          EXPECT_TRUE(o.wrong.empty()) << o.wrong.front();
        }
        break;
      case Expect::kKnown:
        break;
    }
    // A reported problem or a failed open names the damaged file (the
    // identity file's problems name the directory).
    if (!c.file.empty() && c.file != "ZVERSE" && c.expect != Expect::kKnown &&
        o.detected()) {
      bool named = !o.open.ok() && absl::StrContains(o.open.message(), c.file);
      for (const absl::Status& p : o.problems) {
        named |= absl::StrContains(p.message(), c.file);
      }
      // A swap damages two files; a deleted blob is named by number.
      named |= absl::StrContains(c.name, "swapped") ||
               absl::StrContains(c.name, "blob: deleted") ||
               (absl::EndsWith(c.file, ".blob") &&
                absl::StrContains(c.name, "deleted"));
      EXPECT_TRUE(named) << "open: " << o.open << "; problems: "
                         << o.problems.size();
    }
    // `zverse verify` agrees, for one damage of each kind on a segment.
    if (c.file == "000001.seg" || c.name == "the two segments swapped") {
      zverse::testing::RunResult r = zverse::testing::RunZverse({"verify", "--db", dir});
      if (o.detected()) {
        EXPECT_EQ(r.exit_code, 1) << r;
        EXPECT_TRUE(absl::StrContains(r.err, "error: ")) << r;
      } else {
        EXPECT_EQ(r.exit_code, 0) << r;
        EXPECT_TRUE(absl::EndsWith(r.out, "\nok\n")) << r;
      }
      ++cli_checked;
    }
    fs::remove_all(dir);
  }
  std::string summary;
  for (const auto& [what, n] : tally) absl::StrAppend(&summary, what, " ", n, "; ");
  std::printf("%zu damages: %s\n%s", cases.size(), summary.c_str(),
              table.c_str());
  EXPECT_GT(cases.size(), 60u);
  EXPECT_GT(cli_checked, 10);
  EXPECT_GT(tally["open fails"] + tally["verify reports"], 40);
}

// VerifyAll on a clean database counts what it read; with two files damaged
// it names both, not only the first.
TEST(DamageTest, VerifyAllReportsEveryDamagedFile) {
  TempDir tmp;
  Template t;
  ASSERT_NO_FATAL_FAILURE(BuildTemplate(tmp.Sub("db"), &t));
  Options o;
  o.background_compaction = false;
  {
    ASSERT_OK_AND_ASSIGN(auto db, DB::Open(t.dir, o));
    ASSERT_OK_AND_ASSIGN(VerifyReport r, db->VerifyAll());
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.segments, 2u);
    EXPECT_EQ(r.log_files, 1u);
    EXPECT_GE(r.blob_files, 1u);
    uint64_t versions = 0, overflow = 0;
    for (const std::string& key : t.keys) {
      for (const Entry& e : t.model.History(key, kLatest)) {
        ++versions;
        overflow += !e.deleted && e.value.size() >= kOverflowValueSize;
      }
    }
    EXPECT_EQ(r.entries, versions);
    EXPECT_EQ(r.blob_values, overflow);
    EXPECT_GT(overflow, 0u);
    uint64_t bytes = 0;
    for (const auto& e : fs::directory_iterator(t.dir)) {
      const std::string name = e.path().filename().string();
      if (absl::EndsWith(name, ".seg") || absl::EndsWith(name, ".log") ||
          absl::EndsWith(name, ".blob")) {
        bytes += e.file_size();
      }
    }
    EXPECT_LE(r.bytes, bytes);
    EXPECT_GT(r.bytes, bytes / 2);
    EXPECT_TRUE(absl::StrContains(r.ToString(), "problems 0\n"));
  }
  // Damage an entry in the middle of each segment's data (after the
  // footer and index were checked at open).
  const std::vector<std::string> segs =
      zverse::testing::FilesWithSuffix(t.dir, ".seg");
  ASSERT_EQ(segs.size(), 2u);
  for (const std::string& seg : segs) Flip(seg, {200}, 3);
  ASSERT_OK_AND_ASSIGN(auto db, DB::Open(t.dir, o));
  ASSERT_OK_AND_ASSIGN(VerifyReport r, db->VerifyAll());
  ASSERT_EQ(r.problems.size(), 2u) << r.ToString();
  for (const std::string& seg : segs) {
    int named = 0;
    for (const absl::Status& p : r.problems) {
      EXPECT_TRUE(absl::IsDataLoss(p)) << p;
      named += absl::StrContains(p.message(), BaseName(seg));
    }
    EXPECT_EQ(named, 1) << BaseName(seg) << " in " << r.ToString();
  }
  EXPECT_EQ(db->Verify(), r.problems.front());
}

}  // namespace
}  // namespace zverse::kv
