// Test-only oracle for the KV engine: every version of every key in plain
// std::maps, with the read semantics of kv/db.h (as-of lookups, History
// newest first, Scan of live keys in key order, Changes in (ts, key) order),
// and readable descriptions of entries for failure messages.

#ifndef ZVERSE_TESTS_KV_KV_MODEL_H_
#define ZVERSE_TESTS_KV_KV_MODEL_H_

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "kv/db.h"

namespace zverse::testing {

using kv::Entry;
using kv::Record;
using kv::Timestamp;

// 2023-11-14T22:13:20Z: realistic timestamp bytes for the interleaving.
inline constexpr Timestamp kBase = 1'700'000'000'000'000;

inline std::string Esc(std::string_view s) {
  constexpr size_t kMax = 48;
  std::string out = absl::CHexEscape(
      absl::string_view(s.data(), std::min(s.size(), kMax)));
  if (s.size() > kMax) {
    absl::StrAppend(&out, "...(", s.size(), " bytes, hash ",
                    std::hash<std::string_view>()(s), ")");
  }
  return absl::StrCat("\"", out, "\"");
}

inline std::string Describe(const Entry& e) {
  return absl::StrCat(Esc(e.key), "@", e.ts,
                      e.deleted ? " <tombstone>" : " = " + Esc(e.value));
}

inline std::string Describe(const std::vector<Entry>& v) {
  std::string out = absl::StrCat(v.size(), " entries");
  for (const Entry& e : v) absl::StrAppend(&out, "\n  ", Describe(e));
  return out;
}

inline Entry ToEntry(const Record& r) {
  return Entry{std::string(r.key), std::string(r.value), r.ts, r.deleted};
}

// The oracle: every version of every key, later commits of the same (key, ts)
// replacing earlier ones.
class Model {
 public:
  using Versions = std::map<Timestamp, std::optional<std::string>>;

  void Apply(const std::string& key, Timestamp ts,
             std::optional<std::string> value) {
    data_[key][ts] = std::move(value);
    last_ts_ = std::max(last_ts_, ts);
    all_ts_.push_back(ts);
  }

  // Version GC as DB::Compact with CompactOptions::horizon = h does it:
  // per key, drop the versions at or before h except the newest, and that
  // one too if it is a tombstone.
  void CollectGarbage(Timestamp h) {
    for (auto it = data_.begin(); it != data_.end();) {
      auto& versions = it->second;
      auto newest = versions.upper_bound(h);  // First version after h.
      if (newest != versions.begin()) {
        auto keep = std::prev(newest);
        const bool tombstone = !keep->second.has_value();
        versions.erase(versions.begin(), tombstone ? newest : keep);
      }
      it = versions.empty() ? data_.erase(it) : std::next(it);
    }
    all_ts_.clear();
    for (const auto& [key, versions] : data_) {
      for (const auto& [ts, v] : versions) all_ts_.push_back(ts);
    }
  }

  Timestamp last_ts() const { return last_ts_; }
  Timestamp min_ts() const {
    if (all_ts_.empty()) return 0;
    return *std::min_element(all_ts_.begin(), all_ts_.end());
  }
  const std::vector<Timestamp>& all_ts() const { return all_ts_; }
  const Versions* VersionsOf(std::string_view key) const {
    auto it = data_.find(key);
    return it == data_.end() ? nullptr : &it->second;
  }

  // The newest version of `key` at or before `t`.
  std::optional<Entry> Find(std::string_view key, Timestamp t) const {
    const Versions* vs = VersionsOf(key);
    if (vs == nullptr) return std::nullopt;
    auto it = vs->upper_bound(t);
    if (it == vs->begin()) return std::nullopt;
    --it;
    return MakeEntry(key, it->first, it->second);
  }

  std::vector<Entry> History(std::string_view key, Timestamp t) const {
    std::vector<Entry> out;
    const Versions* vs = VersionsOf(key);
    if (vs == nullptr) return out;
    for (auto it = vs->rbegin(); it != vs->rend(); ++it) {
      if (it->first <= t) out.push_back(MakeEntry(key, it->first, it->second));
    }
    return out;
  }

  std::vector<Entry> Scan(std::string_view start, std::string_view end,
                          Timestamp t) const {
    std::vector<Entry> out;
    for (auto it = data_.lower_bound(start); it != data_.end(); ++it) {
      if (!end.empty() && it->first >= end) break;
      std::optional<Entry> e = Find(it->first, t);
      if (e.has_value() && !e->deleted) out.push_back(std::move(*e));
    }
    return out;
  }

  // Versions with t1 < ts <= hi, ordered by (ts, key).
  std::vector<Entry> Changes(Timestamp t1, Timestamp hi) const {
    std::vector<Entry> out;
    for (const auto& [key, vs] : data_) {
      for (const auto& [ts, v] : vs) {
        if (ts > t1 && ts <= hi) out.push_back(MakeEntry(key, ts, v));
      }
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
      return std::tie(a.ts, a.key) < std::tie(b.ts, b.key);
    });
    return out;
  }

 private:
  static Entry MakeEntry(std::string_view key, Timestamp ts,
                         const std::optional<std::string>& v) {
    return Entry{std::string(key), v.value_or(""), ts, !v.has_value()};
  }

  std::map<std::string, Versions, std::less<>> data_;
  std::vector<Timestamp> all_ts_;
  Timestamp last_ts_ = 0;
};

}  // namespace zverse::testing

#endif  // ZVERSE_TESTS_KV_KV_MODEL_H_
