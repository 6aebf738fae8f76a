// The graph layer's backends (bench/backends: LMDB and RocksDB, and ZVerse's
// own through the same entry point) against an in-memory model of versioned
// keys: random batches of puts and removals at commit and at explicit past
// timestamps, keys that are prefixes of each other, then every read (point,
// scan, history, changes) at many as-of timestamps, before and after a
// reopen; snapshot isolation, errors, and GraphDb over each backend giving
// ZVerse's answers.

#include "bench/backends/backends.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/graph_db.h"
#include "graph/kv_backend.h"
#include "gtest/gtest.h"
#include "kv/db.h"
#include "kv/status_macros.h"
#include "tests/test_util.h"

namespace zverse::bench {
namespace {

using ::zverse::testing::TempDir;
using graph::KvBackend;
using graph::KvView;
using kv::Entry;
using kv::Record;
using kv::Timestamp;

PeerOptions TestOptions() {
  PeerOptions o;
  o.lmdb_map_bytes = uint64_t{1} << 30;
  o.rocksdb_cache_bytes = size_t{8} << 20;
  return o;
}

Timestamp Now() {
  return static_cast<Timestamp>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
}

Entry ToEntry(const Record& r) {
  return Entry{std::string(r.key), std::string(r.value), r.ts, r.deleted};
}

std::string Show(const Entry& e) {
  return absl::StrCat("'", absl::CHexEscape(e.key), "'@", e.ts,
                      e.deleted ? " (tombstone)"
                                : absl::StrCat(" = '",
                                               absl::CHexEscape(e.value), "'"));
}

std::string Show(const std::vector<Entry>& v) {
  std::string out = "[";
  for (const Entry& e : v) absl::StrAppend(&out, Show(e), "; ");
  return out + "]";
}

std::string Hex(std::string_view s) {
  return absl::StrCat("'", absl::CHexEscape(std::string(s)), "'");
}

bool Aligned(std::string_view value) {
  return value.empty() || reinterpret_cast<uintptr_t>(value.data()) % 8 == 0;
}

// ---------------------------------------------------------------------------
// The model: every version of every key.

class Model {
 public:
  void Set(const std::string& key, Timestamp ts,
           std::optional<std::string> value) {
    versions_[{key, ts}] = std::move(value);
    max_ts_ = std::max(max_ts_, ts);
  }

  // The newest version of `key` at or before `t`.
  std::optional<Entry> At(const std::string& key, Timestamp t) const {
    auto it = versions_.upper_bound({key, t});
    if (it == versions_.begin()) return std::nullopt;
    --it;
    if (it->first.first != key) return std::nullopt;
    return ToEntry(it);
  }

  std::vector<Entry> Scan(std::string_view start, std::string_view end,
                          Timestamp t) const {
    std::vector<Entry> out;
    for (const std::string& key : Keys()) {
      if (key < start || (!end.empty() && key >= end)) continue;
      std::optional<Entry> e = At(key, t);
      if (e && !e->deleted) out.push_back(*e);
    }
    return out;
  }

  std::vector<Entry> History(const std::string& key, Timestamp t) const {
    std::vector<Entry> out;
    for (auto it = versions_.lower_bound({key, 0});
         it != versions_.end() && it->first.first == key; ++it) {
      if (it->first.second <= t) out.push_back(ToEntry(it));
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

  std::vector<Entry> Changes(Timestamp t1, Timestamp t2, Timestamp t) const {
    const Timestamp hi = std::min(t2, t);
    std::vector<Entry> out;
    for (auto it = versions_.begin(); it != versions_.end(); ++it) {
      if (it->first.second > t1 && it->first.second <= hi) {
        out.push_back(ToEntry(it));
      }
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
      return std::tie(a.ts, a.key) < std::tie(b.ts, b.key);
    });
    return out;
  }

  std::set<std::string> Keys() const {
    std::set<std::string> keys;
    for (const auto& [k, v] : versions_) keys.insert(k.first);
    return keys;
  }
  std::set<Timestamp> Timestamps() const {
    std::set<Timestamp> ts;
    for (const auto& [k, v] : versions_) ts.insert(k.second);
    return ts;
  }
  Timestamp max_ts() const { return max_ts_; }

 private:
  using Map = std::map<std::pair<std::string, Timestamp>,
                       std::optional<std::string>>;
  static Entry ToEntry(Map::const_iterator it) {
    return Entry{it->first.first, it->second.value_or(""), it->first.second,
                 !it->second.has_value()};
  }

  Map versions_;
  Timestamp max_ts_ = 0;
};

// Keys that are prefixes of each other, that differ in a 0x00 or 0xff byte,
// the empty key, long ones.
std::vector<std::string> KeyPool(std::mt19937_64& rng) {
  std::vector<std::string> keys = {
      "",  "a", std::string("a\0", 2), std::string("a\0\0", 3), "ab",
      "a\xff", "abc", "b", "ba", "\xff", "\xff\xff", std::string("\0", 1),
      std::string(300, 'k'), std::string(300, 'k') + "x"};
  const char alphabet[] = {'\0', 'a', 'b', '\xff'};
  std::uniform_int_distribution<int> len(1, 4), ch(0, 3);
  std::set<std::string> seen(keys.begin(), keys.end());
  while (keys.size() < 40) {
    std::string k;
    for (int i = len(rng); i > 0; --i) k.push_back(alphabet[ch(rng)]);
    if (seen.insert(k).second) keys.push_back(k);
  }
  return keys;
}

std::string RandomValue(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> kind(0, 19), byte(0, 255), len(0, 40);
  // Now and then one that LMDB keeps on overflow pages and ZVerse in its
  // overflow area.
  const size_t n = kind(rng) == 0 ? 5000 + len(rng) : len(rng);
  std::string v(n, '\0');
  for (char& c : v) c = static_cast<char>(byte(rng));
  return v;
}

// Every read of a view as of `t` against the model.
void CheckView(const KvView& view, const Model& model,
               const std::vector<std::string>& keys, std::mt19937_64& rng) {
  const Timestamp t = view.as_of();
  // Point reads; the records must stay valid for the view's life.
  std::vector<std::pair<Record, Entry>> kept;
  std::vector<std::string> probe = keys;
  probe.push_back("zz-never-written");
  probe.push_back(std::string("a\x01", 2));
  for (const std::string& key : probe) {
    SCOPED_TRACE(absl::StrCat("key ", Hex(key), " as of ", t));
    const std::optional<Entry> want = model.At(key, t);
    absl::StatusOr<Record> got = view.GetRecord(key);
    absl::StatusOr<std::string_view> value = view.Get(key);
    if (!want) {
      EXPECT_STATUS_CODE(got.status(), absl::StatusCode::kNotFound);
      EXPECT_STATUS_CODE(value.status(), absl::StatusCode::kNotFound);
      continue;
    }
    ASSERT_OK(got);
    EXPECT_EQ(Show(ToEntry(*got)), Show(*want));
    EXPECT_TRUE(Aligned(got->value));
    kept.push_back({*got, *want});
    if (want->deleted) {
      EXPECT_STATUS_CODE(value.status(), absl::StatusCode::kNotFound);
    } else {
      ASSERT_OK(value);
      EXPECT_EQ(Hex(*value), Hex(want->value));
      EXPECT_TRUE(Aligned(*value));
    }
  }

  // Scans: unbounded, random ranges, and stopping early.
  std::uniform_int_distribution<size_t> pick(0, keys.size() - 1);
  std::vector<std::pair<std::string, std::string>> ranges = {
      {"", ""}, {"a", ""}, {"a", "b"}, {std::string("a\0", 2), "ab"},
      {"b", "a"}};
  for (int i = 0; i < 12; ++i) {
    std::string start = keys[pick(rng)], end = keys[pick(rng)];
    if (end < start) std::swap(start, end);
    if (i % 4 == 0) end.clear();
    ranges.push_back({start, end});
  }
  for (const auto& [start, end] : ranges) {
    SCOPED_TRACE(absl::StrCat("scan [", Hex(start), ", ", Hex(end),
                              ") as of ", t));
    std::vector<Entry> got;
    ASSERT_OK(view.Scan(start, end, [&](const Record& r) {
      EXPECT_TRUE(Aligned(r.value));
      got.push_back(ToEntry(r));
      return true;
    }));
    const std::vector<Entry> want = model.Scan(start, end, t);
    EXPECT_EQ(Show(got), Show(want));
    if (want.size() >= 2) {
      std::vector<Entry> first_two;
      ASSERT_OK(view.Scan(start, end, [&](const Record& r) {
        first_two.push_back(ToEntry(r));
        return first_two.size() < 2;
      }));
      EXPECT_EQ(Show(first_two),
                Show(std::vector<Entry>(want.begin(), want.begin() + 2)));
    }
  }

  for (const std::string& key : probe) {
    SCOPED_TRACE(absl::StrCat("history of ", Hex(key), " as of ", t));
    std::vector<Entry> got;
    ASSERT_OK(view.History(key, [&](const Record& r) {
      EXPECT_TRUE(Aligned(r.value));
      got.push_back(ToEntry(r));
      return true;
    }));
    EXPECT_EQ(Show(got), Show(model.History(key, t)));
  }

  const std::set<Timestamp> stamp_set = model.Timestamps();
  const std::vector<Timestamp> stamps(stamp_set.begin(), stamp_set.end());
  std::vector<std::pair<Timestamp, Timestamp>> intervals = {
      {0, kv::kLatest}, {0, 1}, {t, kv::kLatest}};
  if (!stamps.empty()) {
    std::uniform_int_distribution<size_t> ts_pick(0, stamps.size() - 1);
    for (int i = 0; i < 5; ++i) {
      Timestamp a = stamps[ts_pick(rng)], b = stamps[ts_pick(rng)];
      if (b < a) std::swap(a, b);
      intervals.push_back({a, b});
      intervals.push_back({a > 0 ? a - 1 : 0, b});
    }
  }
  for (const auto& [t1, t2] : intervals) {
    SCOPED_TRACE(absl::StrCat("changes (", t1, ", ", t2, "] as of ", t));
    std::vector<Entry> got;
    ASSERT_OK(view.Changes(t1, t2, [&](const Record& r) {
      EXPECT_TRUE(Aligned(r.value));
      got.push_back(ToEntry(r));
      return true;
    }));
    EXPECT_EQ(Show(got), Show(model.Changes(t1, t2, t)));
  }

  // The point reads' records are still there.
  for (const auto& [record, want] : kept) {
    EXPECT_EQ(Show(ToEntry(record)), Show(want));
  }
}

class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  absl::StatusOr<std::unique_ptr<KvBackend>> Open(
      PeerOptions options = TestOptions()) {
    return OpenBackend(GetParam(), dir_.Sub("db"), options);
  }

  TempDir dir_;
};

// Checks views as of a sample of the interesting timestamps.
void CheckAgainstModel(const KvBackend& backend, const Model& model,
                       const std::vector<std::string>& keys,
                       std::mt19937_64& rng) {
  std::vector<Timestamp> candidates = {1, model.max_ts(), model.max_ts() + 1};
  for (Timestamp ts : model.Timestamps()) {
    candidates.push_back(ts);
    candidates.push_back(ts - 1);
  }
  std::shuffle(candidates.begin(), candidates.end(), rng);
  candidates.resize(std::min<size_t>(candidates.size(), 8));
  candidates.push_back(kv::kLatest);
  for (Timestamp t : candidates) {
    if (t == 0) continue;
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvView> view, backend.GetView(t));
    if (t == kv::kLatest) {
      EXPECT_GE(view->as_of(), model.max_ts());
    } else {
      EXPECT_EQ(view->as_of(), t);
    }
    CheckView(*view, model, keys, rng);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST_P(BackendTest, RandomBatchesMatchTheModelBeforeAndAfterReopen) {
  std::mt19937_64 rng(20240601);
  const std::vector<std::string> keys = KeyPool(rng);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvBackend> backend, Open());
  EXPECT_EQ(backend->name(), GetParam());
  EXPECT_EQ(backend->path(), dir_.Sub("db"));

  Model model;
  std::vector<Timestamp> commits;
  std::uniform_int_distribution<size_t> key_pick(0, keys.size() - 1);
  std::uniform_int_distribution<int> percent(0, 99), ops(1, 12);
  // Explicit timestamps from a small pool, so that versions are replaced,
  // and the commit timestamps seen so far (and just below them).
  auto explicit_ts = [&]() -> Timestamp {
    static constexpr Timestamp kPool[] = {1, 2, 3, 100, 1000, 5000, 5001};
    if (commits.empty() || percent(rng) < 50) {
      return kPool[std::uniform_int_distribution<size_t>(0, 6)(rng)];
    }
    const Timestamp c = commits[std::uniform_int_distribution<size_t>(
        0, commits.size() - 1)(rng)];
    return percent(rng) < 50 ? c : c - 1;
  };

  for (int round = 0; round < 40; ++round) {
    kv::WriteBatch batch;
    const bool all_explicit = percent(rng) < 20;
    const int n = ops(rng);
    for (int i = 0; i < n; ++i) {
      const std::string& key = keys[key_pick(rng)];
      const int kind = percent(rng);
      if (!all_explicit && kind < 35) {
        batch.Put(key, RandomValue(rng));
      } else if (!all_explicit && kind < 50) {
        batch.Delete(key);
      } else if (kind < 80) {
        batch.PutAt(key, RandomValue(rng), explicit_ts());
      } else {
        batch.DeleteAt(key, explicit_ts());
      }
    }
    // Now and then the same key twice at the commit timestamp: the later
    // write wins.
    if (!all_explicit && percent(rng) < 20) {
      batch.Put(keys[0], "first");
      batch.Put(keys[0], "second");
    }
    kv::WriteOptions options;
    if (!all_explicit && percent(rng) < 15) options.ts = explicit_ts();
    Timestamp max_explicit = 0;
    bool any_commit_ts = false;
    for (size_t i = 0; i < batch.Count(); ++i) {
      max_explicit = std::max(max_explicit, batch.op(i).ts);
      any_commit_ts |= batch.op(i).ts == 0;
    }
    const Timestamp before = model.max_ts();
    kv::WriteBatch copy = batch;
    Timestamp ts;
    if (percent(rng) < 25) {
      ASSERT_OK_AND_ASSIGN(ts, backend->Ingest(std::move(copy), options));
      EXPECT_EQ(copy.Count(), 0u);
    } else {
      ASSERT_OK_AND_ASSIGN(ts, backend->Write(batch, options));
    }
    if (!any_commit_ts) {
      EXPECT_EQ(ts, max_explicit);
    } else if (options.ts != 0) {
      EXPECT_EQ(ts, options.ts);
    } else {
      EXPECT_GT(ts, before) << "a commit timestamp must exceed every earlier";
      commits.push_back(ts);
    }
    for (size_t i = 0; i < batch.Count(); ++i) {
      const kv::WriteBatch::OpView op = batch.op(i);
      model.Set(std::string(op.key), op.ts != 0 ? op.ts : ts,
                op.deleted ? std::nullopt
                           : std::optional<std::string>(std::string(op.value)));
    }
    if (round % 10 == 9) {
      SCOPED_TRACE(absl::StrCat("after round ", round));
      CheckAgainstModel(*backend, model, keys, rng);
      if (HasFatalFailure()) return;
    }
  }
  ASSERT_OK(backend->Sync());

  // Reopen: the data and the newest timestamp persist.
  ASSERT_OK(backend->Close());
  backend.reset();
  ASSERT_OK_AND_ASSIGN(backend, Open());
  {
    SCOPED_TRACE("after reopening");
    CheckAgainstModel(*backend, model, keys, rng);
    if (HasFatalFailure()) return;
  }
  kv::WriteBatch batch;
  batch.Put("after-reopen", "x");
  ASSERT_OK_AND_ASSIGN(Timestamp ts, backend->Write(batch, {}));
  EXPECT_GT(ts, model.max_ts());
  model.Set("after-reopen", ts, "x");
  // Once more, now that some of it may have been flushed by the reopen.
  ASSERT_OK(backend->Close());
  backend.reset();
  ASSERT_OK_AND_ASSIGN(backend, Open());
  std::vector<std::string> all = keys;
  all.push_back("after-reopen");
  CheckAgainstModel(*backend, model, all, rng);
}

// Bulk loads: a batch into an empty store (LMDB appends it), one whose keys
// all follow what is stored (appended again), one that overlaps it; each
// with the same (key, ts) written twice, the later write winning.
TEST_P(BackendTest, LargeIngestsMatchTheModel) {
  std::mt19937_64 rng(7);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvBackend> backend, Open());
  Model model;
  std::vector<std::string> keys;
  auto ingest = [&](const std::string& prefix, std::vector<Timestamp> stamps,
                    bool tombstones) {
    kv::WriteBatch batch;
    std::vector<std::tuple<std::string, Timestamp, std::optional<std::string>>>
        ops;
    for (int i = 0; i < 1500; ++i) {
      const std::string key = absl::StrCat(prefix, 10000 + i * 7 % 1500);
      for (Timestamp ts : stamps) {
        if (tombstones && i % 3 == 0) {
          ops.push_back({key, ts, std::nullopt});
        } else {
          ops.push_back({key, ts, absl::StrCat("v", ts, "-", i)});
        }
      }
      if (i % 10 == 0) ops.push_back({key, 0, "at commit"});
      if (i % 5 == 0) ops.push_back({key, stamps[0], "rewritten"});
    }
    for (const auto& [key, ts, value] : ops) {
      if (value && ts == 0) {
        batch.Put(key, *value);
      } else if (value) {
        batch.PutAt(key, *value, ts);
      } else {
        batch.DeleteAt(key, ts);
      }
    }
    absl::StatusOr<Timestamp> commit = backend->Ingest(std::move(batch), {});
    ASSERT_OK(commit);
    EXPECT_EQ(batch.Count(), 0u);
    for (const auto& [key, ts, value] : ops) {
      model.Set(key, ts == 0 ? *commit : ts, value);
    }
    for (int i = 0; i < 1500; ++i) {
      keys.push_back(absl::StrCat(prefix, 10000 + i));
    }
  };
  ingest("k", {10, 20}, false);
  ingest("m", {5, 30}, false);
  ingest("k", {15, 20}, true);
  for (int reopen = 0; reopen < 2; ++reopen) {
    for (Timestamp t : {Timestamp{12}, Timestamp{20}, kv::kLatest}) {
      SCOPED_TRACE(absl::StrCat("as of ", t, reopen ? " after reopening" : ""));
      ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvView> view, backend->GetView(t));
      CheckView(*view, model, keys, rng);
      if (HasFatalFailure()) return;
    }
    ASSERT_OK(backend->Close());
    backend.reset();
    ASSERT_OK_AND_ASSIGN(backend, Open());
  }
}

TEST_P(BackendTest, SyncedCommitsPersist) {
  PeerOptions options = TestOptions();
  options.sync = true;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvBackend> backend, Open(options));
  kv::WriteBatch batch;
  batch.Put("k", "v");
  batch.PutAt("old", "o", 10);
  ASSERT_OK_AND_ASSIGN(Timestamp ts, backend->Write(batch, {}));
  backend.reset();  // The destructor closes.
  ASSERT_OK_AND_ASSIGN(backend, Open(options));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvView> view,
                       backend->GetView(kv::kLatest));
  ASSERT_OK_AND_ASSIGN(Record r, view->GetRecord("k"));
  EXPECT_EQ(r.value, "v");
  EXPECT_EQ(r.ts, ts);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvView> old, backend->GetView(10));
  EXPECT_EQ(*old->Get("old"), "o");
  EXPECT_STATUS_CODE(old->Get("k").status(), absl::StatusCode::kNotFound);
}

TEST_P(BackendTest, ViewsAreSnapshots) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvBackend> backend, Open());
  kv::WriteBatch b1;
  b1.Put("k", "v1");
  ASSERT_OK_AND_ASSIGN(const Timestamp t1, backend->Write(b1, {}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvView> latest,
                       backend->GetView(kv::kLatest));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvView> at_t1, backend->GetView(t1));
  EXPECT_GE(latest->as_of(), t1);

  // A newer version, an import in the past, a replacement of the very
  // version the views read, and an older tombstone (through Ingest).
  kv::WriteBatch b2;
  b2.Put("k", "v2");
  ASSERT_OK_AND_ASSIGN(const Timestamp t2, backend->Write(b2, {}));
  kv::WriteBatch b3;
  b3.PutAt("j", "old", 5);
  b3.PutAt("k", "replaced", t1);
  ASSERT_OK(backend->Write(b3, {}).status());
  kv::WriteBatch b4;
  b4.DeleteAt("k", t1 - 1);
  ASSERT_OK(backend->Ingest(std::move(b4), {}).status());

  const Entry v1{"k", "v1", t1, false};
  for (const KvView* view : {latest.get(), at_t1.get()}) {
    SCOPED_TRACE(absl::StrCat("view as of ", view->as_of()));
    ASSERT_OK_AND_ASSIGN(Record r, view->GetRecord("k"));
    EXPECT_EQ(Show(ToEntry(r)), Show(v1));
    EXPECT_STATUS_CODE(view->Get("j").status(), absl::StatusCode::kNotFound);
    std::vector<Entry> got;
    auto collect = [&](const Record& r) {
      got.push_back(ToEntry(r));
      return true;
    };
    ASSERT_OK(view->History("k", collect));
    EXPECT_EQ(Show(got), Show(std::vector<Entry>{v1}));
    got.clear();
    ASSERT_OK(view->Scan("", "", collect));
    EXPECT_EQ(Show(got), Show(std::vector<Entry>{v1}));
    got.clear();
    ASSERT_OK(view->Changes(0, kv::kLatest, collect));
    EXPECT_EQ(Show(got), Show(std::vector<Entry>{v1}));
  }

  // New views see it all.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvView> now,
                       backend->GetView(kv::kLatest));
  EXPECT_EQ(*now->Get("k"), "v2");
  EXPECT_EQ(*now->Get("j"), "old");
  std::vector<Entry> history;
  ASSERT_OK(now->History("k", [&](const Record& r) {
    history.push_back(ToEntry(r));
    return true;
  }));
  EXPECT_EQ(Show(history),
            Show(std::vector<Entry>{{"k", "v2", t2, false},
                                    {"k", "replaced", t1, false},
                                    {"k", "", t1 - 1, true}}));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvView> again, backend->GetView(t1));
  EXPECT_EQ(*again->Get("k"), "replaced");
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvView> before, backend->GetView(t1 - 1));
  ASSERT_OK_AND_ASSIGN(Record gone, before->GetRecord("k"));
  EXPECT_TRUE(gone.deleted);
  EXPECT_EQ(gone.ts, t1 - 1);
  EXPECT_STATUS_CODE(before->Get("k").status(), absl::StatusCode::kNotFound);
}

TEST_P(BackendTest, ViewsAreSharedByThreadsAndOutliveClose) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvBackend> backend, Open());
  kv::WriteBatch batch;
  for (int i = 0; i < 200; ++i) {
    batch.Put(absl::StrCat("key", 1000 + i), std::string(i % 50, 'v'));
  }
  ASSERT_OK(backend->Write(batch, {}).status());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvView> view,
                       backend->GetView(kv::kLatest));
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  std::vector<std::unique_ptr<KvView>> made(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        const int i = (t * 37 + round * 11) % 200;
        absl::StatusOr<std::string_view> v =
            view->Get(absl::StrCat("key", 1000 + i));
        if (!v.ok() || v->size() != static_cast<size_t>(i % 50)) ++failures;
        int n = 0;
        absl::Status s = view->Scan("key", "kez", [&](const Record& r) {
          // A read through the same view from inside its callback.
          if (n++ % 50 == 0 && !view->GetRecord(r.key).ok()) ++failures;
          return true;
        });
        if (!s.ok() || n != 200) ++failures;
      }
      // A view made here and destroyed on another thread.
      absl::StatusOr<std::unique_ptr<KvView>> mine = backend->GetView(kv::kLatest);
      if (!mine.ok()) {
        ++failures;
      } else {
        made[t] = std::move(*mine);
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  for (auto& v : made) {
    ASSERT_NE(v, nullptr);
    EXPECT_EQ(v->Get("key1007")->size(), 7u);
  }
  made.clear();

  ASSERT_OK(backend->Close());
  // Views taken before stay readable.
  EXPECT_EQ(view->Get("key1010")->size(), 10u);
  int n = 0;
  ASSERT_OK(view->Scan("", "", [&](const Record&) {
    ++n;
    return true;
  }));
  EXPECT_EQ(n, 200);
  // The backend refuses everything else.
  kv::WriteBatch more;
  more.Put("x", "y");
  EXPECT_STATUS_CODE(backend->Write(more, {}).status(),
                     absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(backend->GetView(kv::kLatest).status(),
                     absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(backend->Sync(), absl::StatusCode::kFailedPrecondition);
  EXPECT_STATUS_CODE(backend->Close(), absl::StatusCode::kFailedPrecondition);
  view.reset();
  backend.reset();
  ASSERT_OK_AND_ASSIGN(backend, Open());
  ASSERT_OK_AND_ASSIGN(view, backend->GetView(kv::kLatest));
  EXPECT_EQ(view->Get("key1199")->size(), 199u % 50);
}

TEST_P(BackendTest, BadTimestampsAndBatchesAreRefusedWhole) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvBackend> backend, Open());
  EXPECT_STATUS_CODE(backend->GetView(0).status(),
                     absl::StatusCode::kInvalidArgument);

  const Timestamp future = Now() + 3600ull * 1000 * 1000;
  kv::WriteBatch entry_in_future;
  entry_in_future.PutAt("ok", "1", 10);
  entry_in_future.PutAt("f", "x", future);
  EXPECT_STATUS_CODE(backend->Write(entry_in_future, {}).status(),
                     absl::StatusCode::kInvalidArgument);
  kv::WriteBatch copy = entry_in_future;
  EXPECT_STATUS_CODE(backend->Ingest(std::move(copy), {}).status(),
                     absl::StatusCode::kInvalidArgument);
  kv::WriteBatch commit_in_future;
  commit_in_future.Put("g", "y");
  kv::WriteOptions options;
  options.ts = future;
  EXPECT_STATUS_CODE(backend->Write(commit_in_future, options).status(),
                     absl::StatusCode::kInvalidArgument);
  kv::WriteBatch empty;
  EXPECT_STATUS_CODE(backend->Write(empty, {}).status(),
                     absl::StatusCode::kInvalidArgument);
  EXPECT_STATUS_CODE(backend->Ingest(kv::WriteBatch(), {}).status(),
                     absl::StatusCode::kInvalidArgument);
  kv::WriteBatch too_long;
  too_long.Put("fine", "1");
  too_long.Put(std::string(kv::kMaxKeySize + 1, 'k'), "v");
  EXPECT_STATUS_CODE(backend->Write(too_long, {}).status(),
                     absl::StatusCode::kInvalidArgument);

  // Nothing of it was written, and the clock was not moved to the future.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvView> view,
                       backend->GetView(kv::kLatest));
  EXPECT_LT(view->as_of(), future);
  int n = 0;
  ASSERT_OK(view->Scan("", "", [&](const Record&) {
    ++n;
    return true;
  }));
  EXPECT_EQ(n, 0);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvView> far,
                       backend->GetView(kv::kMaxTimestamp));
  ASSERT_OK(far->Changes(0, kv::kLatest, [&](const Record&) {
    ++n;
    return true;
  }));
  EXPECT_EQ(n, 0);
  kv::WriteBatch fine;
  fine.Put("k", "v");
  ASSERT_OK_AND_ASSIGN(Timestamp ts, backend->Write(fine, {}));
  EXPECT_LT(ts, future);
}

INSTANTIATE_TEST_SUITE_P(Backends, BackendTest,
                         ::testing::ValuesIn(BackendNames()),
                         [](const ::testing::TestParamInfo<std::string>& p) {
                           return p.param;
                         });

TEST(BackendsTest, NamesAndSettings) {
  EXPECT_EQ(BackendNames(),
            (std::vector<std::string>{"zverse", "lmdb", "rocksdb"}));
  for (const std::string& name : BackendNames()) {
    EXPECT_FALSE(BackendSettings(name, PeerOptions()).empty()) << name;
  }
  TempDir dir;
  EXPECT_STATUS_CODE(OpenBackend("bdb", dir.Sub("x")).status(),
                     absl::StatusCode::kInvalidArgument);
}

// ---------------------------------------------------------------------------
// GraphDb over each backend.

using graph::DiffEntry;
using graph::EdgeKey;
using graph::GraphBatch;
using graph::GraphDb;
using graph::GraphSnapshot;
using graph::Properties;
using graph::VertexId;

std::string ShowValue(const graph::PropertyValue& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return absl::StrCat(*i);
  if (const auto* d = std::get_if<double>(&v)) return absl::StrCat(*d);
  if (const auto* s = std::get_if<std::string>(&v)) return "'" + *s + "'";
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "true" : "false";
  return "<other>";
}

std::string ShowProperties(const Properties& p) {
  std::string out = "{";
  for (const graph::NamedProperty& np : p) {
    absl::StrAppend(&out, np.name, ":", ShowValue(np.value), " ");
  }
  return out + "}";
}

std::string ShowIds(const std::vector<VertexId>& ids) {
  return absl::StrCat("[", absl::StrJoin(ids, ","), "]");
}

constexpr VertexId kMaxVertex = 8;

// The commit timestamps of the batches without import timestamps, named.
struct Commits {
  Timestamp c = 0;
  Timestamp d = 0;
  std::string Name(Timestamp ts) const {
    if (ts == c) return "C";
    if (ts == d) return "D";
    return absl::StrCat(ts);
  }
};

// Builds the graph; checks a few answers by hand.
void BuildGraph(GraphDb& db, Commits* commits) {
  using P = Properties;
  GraphBatch a;
  a.PutVertex(1, "Person", P{{"name", std::string("Ada")}, {"age", int64_t{36}}});
  a.PutVertex(2, "Person", P{{"name", std::string("Bob")}});
  a.PutVertex(3, "City", P{{"name", std::string("Paris")}});
  a.PutVertex(4, "Person", P{{"name", std::string("Cy")}});
  a.PutEdge(1, "knows", 2, P{{"since", int64_t{2020}}});
  a.PutEdge(1, "lives_in", 3);
  a.PutEdge(2, "lives_in", 3);
  a.PutEdge(4, "knows", 1, P{{"weight", 0.5}});
  graph::ApplyOptions at1000;
  at1000.ts = 1000;
  ASSERT_OK_AND_ASSIGN(Timestamp ta, db.Apply(a, at1000));
  EXPECT_EQ(ta, 1000u);

  GraphBatch b;
  b.PutVertex(2, "Person", P{{"name", std::string("Bob")}, {"age", int64_t{41}}});
  b.RemoveEdge(1, "knows", 2);
  b.PutEdge(2, "knows", 4);
  b.PutEdge(1, "knows", 4, P{{"since", int64_t{1999}}, {"close", true}});
  graph::ApplyOptions at2000;
  at2000.ts = 2000;
  ASSERT_OK_AND_ASSIGN(Timestamp tb, db.Apply(b, at2000));
  EXPECT_EQ(tb, 2000u);

  GraphBatch c;
  c.RemoveVertex(3);
  c.PutVertex(5, "City", P{{"name", std::string("Rome")}});
  c.PutEdge(1, "lives_in", 5);
  c.PutEdge(4, "knows", 1, P{{"weight", 0.75}});
  c.SetMetadata("note", "batch c");
  ASSERT_OK_AND_ASSIGN(commits->c, db.Apply(c));
  EXPECT_GT(commits->c, 2000u);

  // A bulk batch, with one operation imported at an older timestamp.
  GraphBatch d;
  d.PutVertex(6, "Person", P{{"name", std::string("Dee")}});
  d.PutEdge(6, "knows", 1);
  d.PutVertex(3, "City", P{{"name", std::string("Paris")}, {"rebuilt", true}});
  d.PutVertex(7, "Person", P{{"name", std::string("Eve")}}, 1500);
  graph::ApplyOptions bulk;
  bulk.bulk = true;
  ASSERT_OK_AND_ASSIGN(commits->d, db.Apply(std::move(d), bulk));
  EXPECT_GT(commits->d, commits->c);

  // By hand.
  auto sorted = [](std::vector<VertexId> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  ASSERT_OK_AND_ASSIGN(GraphSnapshot s1000, db.GetSnapshot(1000));
  EXPECT_EQ(*s1000.VertexIds(), (std::vector<VertexId>{1, 2, 3, 4}));
  EXPECT_EQ(sorted(*s1000.OutNeighbors(1)), (std::vector<VertexId>{2, 3}));
  EXPECT_EQ(sorted(*s1000.InNeighbors(3)), (std::vector<VertexId>{1, 2}));
  ASSERT_OK_AND_ASSIGN(GraphSnapshot s1500, db.GetSnapshot(1500));
  EXPECT_EQ(*s1500.VertexIds(), (std::vector<VertexId>{1, 2, 3, 4, 7}));
  ASSERT_OK_AND_ASSIGN(GraphSnapshot s2000, db.GetSnapshot(2000));
  EXPECT_EQ(sorted(*s2000.OutNeighbors(1)), (std::vector<VertexId>{3, 4}));
  EXPECT_EQ(sorted(*s2000.InNeighbors(4)), (std::vector<VertexId>{1, 2}));
  EXPECT_EQ(ShowProperties(*s2000.VertexProperties(2)),
            "{age:41 name:'Bob' }");
  ASSERT_OK_AND_ASSIGN(GraphSnapshot now, db.GetSnapshot());
  EXPECT_EQ(*now.VertexIds(), (std::vector<VertexId>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(sorted(*now.OutNeighbors(1)), (std::vector<VertexId>{4, 5}));
  EXPECT_EQ(sorted(*now.InNeighbors(1)), (std::vector<VertexId>{4, 6}));
  EXPECT_EQ(*now.InNeighbors(3), std::vector<VertexId>{});
  ASSERT_OK_AND_ASSIGN(std::vector<graph::VersionInfo> h3, db.History(3));
  ASSERT_EQ(h3.size(), 3u);
  EXPECT_EQ(h3[0].ts, commits->d);
  EXPECT_TRUE(h3[1].removed);
  EXPECT_EQ(h3[1].ts, commits->c);
  EXPECT_EQ(h3[2].ts, 1000u);
  ASSERT_OK_AND_ASSIGN(std::vector<DiffEntry> diff, db.Diff(1000, 2000));
  // Vertex 2 changed, 7 added at 1500; 1-knows->2 removed, 1-knows->4 and
  // 2-knows->4 added.
  ASSERT_EQ(diff.size(), 5u);
  EXPECT_EQ(diff[0], (DiffEntry{DiffEntry::Kind::kChanged, false, 2, {}}));
  EXPECT_EQ(diff[1], (DiffEntry{DiffEntry::Kind::kAdded, false, 7, {}}));
  EXPECT_EQ(*db.GetMetadata("note"), "batch c");
  EXPECT_STATUS_CODE(db.GetMetadata("note", 2000).status(),
                     absl::StatusCode::kNotFound);
}

// Everything the graph answers, as text, timestamps named.
absl::StatusOr<std::string> Report(const GraphDb& db, const Commits& commits) {
  std::string out;
  ZVERSE_ASSIGN_OR_RETURN(GraphSnapshot names, db.GetSnapshot());
  auto label = [&](graph::LabelId id) {
    absl::StatusOr<std::string_view> n = names.LabelName(id);
    return n.ok() ? std::string(*n) : absl::StrCat("?", id);
  };
  for (Timestamp t : {Timestamp{999}, Timestamp{1000}, Timestamp{1500},
                      Timestamp{2000}, commits.c, commits.d, kv::kLatest}) {
    ZVERSE_ASSIGN_OR_RETURN(GraphSnapshot snap, db.GetSnapshot(t));
    absl::StrAppend(&out, "as of ",
                    t == kv::kLatest ? "latest" : commits.Name(t), ":\n");
    ZVERSE_ASSIGN_OR_RETURN(std::vector<VertexId> ids, snap.VertexIds());
    absl::StrAppend(&out, "  vertices ", ShowIds(ids), "\n");
    for (VertexId v = 1; v <= kMaxVertex; ++v) {
      absl::StatusOr<graph::Vertex> vertex = snap.GetVertex(v);
      if (!vertex.ok()) {
        if (!absl::IsNotFound(vertex.status())) return vertex.status();
        absl::StrAppend(&out, "  ", v, ": none\n");
        continue;
      }
      ZVERSE_ASSIGN_OR_RETURN(Properties props, snap.VertexProperties(v));
      ZVERSE_ASSIGN_OR_RETURN(std::vector<VertexId> outs, snap.OutNeighbors(v));
      ZVERSE_ASSIGN_OR_RETURN(std::vector<VertexId> ins, snap.InNeighbors(v));
      ZVERSE_ASSIGN_OR_RETURN(size_t out_degree, snap.OutDegree(v));
      absl::StrAppend(&out, "  ", v, ": ", std::string(vertex->label_name), " @",
                      commits.Name(vertex->ts), " ", ShowProperties(props),
                      " out ", ShowIds(outs), " in ", ShowIds(ins), " degree ",
                      out_degree, "\n");
    }
    std::vector<std::string> edges;
    absl::Status bad;
    ZVERSE_RETURN_IF_ERROR(snap.Edges([&](const graph::EdgeRef& e) {
      absl::StatusOr<Properties> props = snap.EdgeProperties(e.key());
      if (!props.ok()) {
        bad = props.status();
        return false;
      }
      edges.push_back(absl::StrCat(e.src, "-", label(e.label), "->", e.dst,
                                   " @", commits.Name(e.ts), " ",
                                   ShowProperties(*props)));
      return true;
    }));
    ZVERSE_RETURN_IF_ERROR(bad);
    std::sort(edges.begin(), edges.end());
    absl::StrAppend(&out, "  edges ", absl::StrJoin(edges, "; "), "\n");
  }
  for (VertexId v = 1; v <= kMaxVertex; ++v) {
    absl::StatusOr<std::vector<graph::VersionInfo>> h = db.History(v);
    if (!h.ok()) {
      if (!absl::IsNotFound(h.status())) return h.status();
      absl::StrAppend(&out, "history ", v, ": none\n");
      continue;
    }
    absl::StrAppend(&out, "history ", v, ":");
    for (const graph::VersionInfo& i : *h) {
      absl::StrAppend(&out, " @", commits.Name(i.ts),
                      i.removed ? " removed" : "", " ", i.label, " ",
                      ShowProperties(i.properties), ";");
    }
    absl::StrAppend(&out, "\n");
  }
  for (auto [src, l, dst] :
       {std::tuple<VertexId, const char*, VertexId>{1, "knows", 2},
        {1, "knows", 4}, {4, "knows", 1}, {1, "lives_in", 3}}) {
    ZVERSE_ASSIGN_OR_RETURN(std::vector<graph::VersionInfo> h,
                            db.EdgeHistory(src, l, dst));
    absl::StrAppend(&out, "edge history ", src, "-", l, "->", dst, ":");
    for (const graph::VersionInfo& i : h) {
      absl::StrAppend(&out, " @", commits.Name(i.ts),
                      i.removed ? " removed" : "", " ",
                      ShowProperties(i.properties), ";");
    }
    absl::StrAppend(&out, "\n");
  }
  for (auto [t1, t2] : {std::pair<Timestamp, Timestamp>{1000, 2000},
                        {999, commits.d}, {2000, commits.c},
                        {commits.c, commits.d}, {1, 999}}) {
    ZVERSE_ASSIGN_OR_RETURN(std::vector<DiffEntry> diff, db.Diff(t1, t2));
    absl::StrAppend(&out, "diff (", commits.Name(t1), ", ", commits.Name(t2),
                    "]:");
    for (const DiffEntry& d : diff) {
      absl::StrAppend(&out, " ", std::string(graph::DiffKindName(d.kind)), " ");
      if (d.is_edge) {
        absl::StrAppend(&out, d.edge.src, "-", label(d.edge.label), "->",
                        d.edge.dst, ";");
      } else {
        absl::StrAppend(&out, d.vertex, ";");
      }
    }
    absl::StrAppend(&out, "\n");
  }
  for (Timestamp t : {Timestamp{2000}, commits.c, kv::kLatest}) {
    absl::StatusOr<std::string> note = db.GetMetadata("note", t);
    absl::StrAppend(&out, "note as of ",
                    t == kv::kLatest ? "latest" : commits.Name(t), ": ",
                    note.ok() ? *note : note.status().ToString(), "\n");
  }
  return out;
}

TEST(GraphOverBackendsTest, EveryBackendGivesZVersesAnswers) {
  TempDir dir;
  std::map<std::string, std::string> reports;
  for (const std::string& name : BackendNames()) {
    SCOPED_TRACE(name);
    const std::string path = dir.Sub(name);
    Commits commits;
    {
      ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvBackend> backend,
                           OpenBackend(name, path, TestOptions()));
      ASSERT_OK_AND_ASSIGN(std::unique_ptr<GraphDb> db,
                           GraphDb::Open(std::move(backend)));
      EXPECT_EQ(db->backend().name(), name);
      EXPECT_EQ(db->kv() != nullptr, name == "zverse");
      BuildGraph(*db, &commits);
      if (HasFatalFailure()) return;
      ASSERT_OK_AND_ASSIGN(reports[name], Report(*db, commits));
      ASSERT_OK(db->Close());
    }
    // The same after reopening (dictionaries and data read back).
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<KvBackend> backend,
                         OpenBackend(name, path, TestOptions()));
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<GraphDb> db,
                         GraphDb::Open(std::move(backend)));
    ASSERT_OK_AND_ASSIGN(std::string again, Report(*db, commits));
    EXPECT_EQ(again, reports[name]) << "after reopening";
  }
  ASSERT_FALSE(reports["zverse"].empty());
  EXPECT_EQ(reports["lmdb"], reports["zverse"]);
  EXPECT_EQ(reports["rocksdb"], reports["zverse"]);
  // A few lines by hand.
  const std::string& r = reports["zverse"];
  EXPECT_NE(r.find("diff (1000, 2000]: changed 2; added 7; removed 1-knows->2; "
                   "added 1-knows->4; added 2-knows->4;"),
            std::string::npos)
      << r;
  EXPECT_NE(r.find("history 3: @D City {name:'Paris' rebuilt:true }; @C "
                   "removed"),
            std::string::npos)
      << r;
}

}  // namespace
}  // namespace zverse::bench
