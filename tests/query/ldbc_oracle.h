// Test-only oracle for the LDBC SNB reads: reads the CSV files of the
// Interactive v1 tiny set (csv_composite-longdateformatter) into plain maps,
// with nothing shared with graph/loader.cc or query/, and evaluates each
// query's definition by brute force, as the network stood at a time T
// (milliseconds): an entity exists once created; a dated relationship (knows)
// once its date has come and both ends exist; any other once both ends exist.
// Cells are formatted as query/ldbc.h documents.

#ifndef ZVERSE_TESTS_QUERY_LDBC_ORACLE_H_
#define ZVERSE_TESTS_QUERY_LDBC_ORACLE_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace zverse::testing::ldbc {

using Rows = std::vector<std::vector<std::string>>;
using Id = uint64_t;
constexpr int64_t kEver = std::numeric_limits<int64_t>::max();

struct Person {
  std::string first, last, gender, ip, browser, languages, emails;
  int64_t birthday = 0, created = 0;
};
struct Message {
  bool post = false;
  std::string content, image;
  int64_t created = 0;
};

class Oracle {
 public:
  // False if a file is missing or malformed.
  bool Load(const std::string& dir) {
    bool ok = true;
    Read(dir + "/dynamic/person_0_0.csv", [&](const Fields& f) {
      Person p;
      p.first = f[1];
      p.last = f[2];
      p.gender = f[3];
      p.birthday = std::stoll(f[4]);
      p.created = std::stoll(f[5]);
      p.ip = f[6];
      p.browser = f[7];
      p.languages = f[8];
      p.emails = f[9];
      persons_[std::stoull(f[0])] = p;
    }, &ok);
    Read(dir + "/dynamic/post_0_0.csv", [&](const Fields& f) {
      messages_[std::stoull(f[0])] =
          Message{true, f[6], f[1], std::stoll(f[2])};
    }, &ok);
    Read(dir + "/dynamic/comment_0_0.csv", [&](const Fields& f) {
      messages_[std::stoull(f[0])] =
          Message{false, f[4], "", std::stoll(f[1])};
    }, &ok);
    Read(dir + "/dynamic/forum_0_0.csv", [&](const Fields& f) {
      forums_[std::stoull(f[0])] = {f[1], std::stoll(f[2])};
    }, &ok);
    Read(dir + "/static/place_0_0.csv", [&](const Fields& f) {
      place_names_[std::stoull(f[0])] = f[1];
    }, &ok);
    Read(dir + "/static/organisation_0_0.csv", [&](const Fields& f) {
      org_names_[std::stoull(f[0])] = f[2];
    }, &ok);
    Read(dir + "/static/organisation_isLocatedIn_place_0_0.csv",
         [&](const Fields& f) {
           org_place_[std::stoull(f[0])] = std::stoull(f[1]);
         }, &ok);
    Read(dir + "/dynamic/person_isLocatedIn_place_0_0.csv",
         [&](const Fields& f) {
           person_city_[std::stoull(f[0])] = std::stoull(f[1]);
         }, &ok);
    Read(dir + "/dynamic/person_knows_person_0_0.csv", [&](const Fields& f) {
      const Id a = std::stoull(f[0]), b = std::stoull(f[1]);
      const int64_t t = std::stoll(f[2]);
      knows_[a].emplace_back(b, t);
      knows_[b].emplace_back(a, t);
    }, &ok);
    for (const char* file : {"/dynamic/post_hasCreator_person_0_0.csv",
                             "/dynamic/comment_hasCreator_person_0_0.csv"}) {
      Read(dir + file, [&](const Fields& f) {
        creator_[std::stoull(f[0])] = std::stoull(f[1]);
      }, &ok);
    }
    for (const char* file : {"/dynamic/comment_replyOf_post_0_0.csv",
                             "/dynamic/comment_replyOf_comment_0_0.csv"}) {
      Read(dir + file, [&](const Fields& f) {
        reply_of_[std::stoull(f[0])] = std::stoull(f[1]);
      }, &ok);
    }
    Read(dir + "/dynamic/forum_containerOf_post_0_0.csv", [&](const Fields& f) {
      container_[std::stoull(f[1])] = std::stoull(f[0]);
    }, &ok);
    Read(dir + "/dynamic/forum_hasModerator_person_0_0.csv",
         [&](const Fields& f) {
           moderator_[std::stoull(f[0])] = std::stoull(f[1]);
         }, &ok);
    Read(dir + "/dynamic/person_studyAt_organisation_0_0.csv",
         [&](const Fields& f) {
           study_[std::stoull(f[0])].emplace_back(std::stoull(f[1]),
                                                  std::stoll(f[2]));
         }, &ok);
    Read(dir + "/dynamic/person_workAt_organisation_0_0.csv",
         [&](const Fields& f) {
           work_[std::stoull(f[0])].emplace_back(std::stoull(f[1]),
                                                 std::stoll(f[2]));
         }, &ok);
    return ok && !persons_.empty();
  }

  const std::map<Id, Person>& persons() const { return persons_; }
  const std::map<Id, Message>& messages() const { return messages_; }
  const std::map<Id, Id>& reply_of() const { return reply_of_; }

  // --- Existence as of t (milliseconds).
  bool PersonAt(Id p, int64_t t) const {
    auto it = persons_.find(p);
    return it != persons_.end() && it->second.created <= t;
  }
  bool MessageAt(Id m, int64_t t) const {
    auto it = messages_.find(m);
    return it != messages_.end() && it->second.created <= t;
  }
  std::vector<std::pair<Id, int64_t>> Friends(Id p, int64_t t) const {
    std::vector<std::pair<Id, int64_t>> out;
    if (!PersonAt(p, t)) return out;
    auto it = knows_.find(p);
    if (it == knows_.end()) return out;
    for (const auto& [q, d] : it->second) {
      if (d <= t && PersonAt(q, t)) out.emplace_back(q, d);
    }
    return out;
  }
  // Shortest knows distances from p, up to max_hops.
  std::map<Id, int> Distances(Id p, int64_t t, int max_hops) const {
    std::map<Id, int> dist;
    if (!PersonAt(p, t)) return dist;
    dist[p] = 0;
    std::deque<Id> queue = {p};
    while (!queue.empty()) {
      const Id u = queue.front();
      queue.pop_front();
      if (dist[u] == max_hops) continue;
      for (const auto& [v, d] : Friends(u, t)) {
        if (dist.emplace(v, dist[u] + 1).second) queue.push_back(v);
      }
    }
    return dist;
  }

  std::string Content(const Message& m) const {
    return m.content.empty() ? m.image : m.content;
  }
  Id Root(Id m) const {
    for (auto it = reply_of_.find(m); it != reply_of_.end();
         it = reply_of_.find(m)) {
      m = it->second;
    }
    return m;
  }

  // --- The queries.

  Rows Is1(Id p, int64_t t) const {
    if (!PersonAt(p, t)) return {};
    const Person& x = persons_.at(p);
    return {{x.first, x.last, absl::StrCat(x.birthday), x.ip, x.browser,
             absl::StrCat(person_city_.at(p)), x.gender,
             absl::StrCat(x.created)}};
  }

  Rows Is2(Id p, int64_t t) const {
    if (!PersonAt(p, t)) return {};
    std::vector<std::pair<int64_t, Id>> mine;
    for (const auto& [m, c] : creator_) {
      if (c == p && MessageAt(m, t)) mine.emplace_back(messages_.at(m).created, m);
    }
    std::sort(mine.rbegin(), mine.rend());  // creation desc, id desc.
    if (mine.size() > 10) mine.resize(10);
    Rows out;
    for (const auto& [created, m] : mine) {
      const Id root = Root(m);
      const Id author = creator_.at(root);
      const Person& a = persons_.at(author);
      out.push_back({absl::StrCat(m), Content(messages_.at(m)),
                     absl::StrCat(created), absl::StrCat(root),
                     absl::StrCat(author), a.first, a.last});
    }
    return out;
  }

  Rows Is3(Id p, int64_t t) const {
    std::vector<std::pair<Id, int64_t>> f = Friends(p, t);
    std::sort(f.begin(), f.end(), [](const auto& a, const auto& b) {
      return a.second != b.second ? a.second > b.second : a.first < b.first;
    });
    Rows out;
    for (const auto& [q, d] : f) {
      const Person& x = persons_.at(q);
      out.push_back({absl::StrCat(q), x.first, x.last, absl::StrCat(d)});
    }
    return out;
  }

  Rows Is4(Id m, int64_t t) const {
    if (!MessageAt(m, t)) return {};
    const Message& x = messages_.at(m);
    return {{absl::StrCat(x.created), Content(x)}};
  }

  Rows Is5(Id m, int64_t t) const {
    if (!MessageAt(m, t)) return {};
    const Id c = creator_.at(m);
    const Person& x = persons_.at(c);
    return {{absl::StrCat(c), x.first, x.last}};
  }

  Rows Is6(Id m, int64_t t) const {
    if (!MessageAt(m, t)) return {};
    const Id forum = container_.at(Root(m));
    const Id mod = moderator_.at(forum);
    if (forums_.at(forum).second > t || !PersonAt(mod, t)) return {};
    const Person& x = persons_.at(mod);
    return {{absl::StrCat(forum), forums_.at(forum).first, absl::StrCat(mod),
             x.first, x.last}};
  }

  Rows Is7(Id m, int64_t t) const {
    if (!MessageAt(m, t)) return {};
    const Id author = creator_.at(m);
    std::set<Id> friends;
    for (const auto& [q, d] : Friends(author, t)) friends.insert(q);
    std::vector<std::tuple<int64_t, Id, Id>> replies;  // created, author, id
    for (const auto& [c, parent] : reply_of_) {
      if (parent == m && MessageAt(c, t)) {
        replies.emplace_back(messages_.at(c).created, creator_.at(c), c);
      }
    }
    std::sort(replies.begin(), replies.end(), [](const auto& a, const auto& b) {
      if (std::get<0>(a) != std::get<0>(b)) return std::get<0>(a) > std::get<0>(b);
      return std::make_pair(std::get<1>(a), std::get<2>(a)) <
             std::make_pair(std::get<1>(b), std::get<2>(b));
    });
    Rows out;
    for (const auto& [created, who, c] : replies) {
      const Person& x = persons_.at(who);
      const bool knows = who != author && friends.count(who) > 0;
      out.push_back({absl::StrCat(c), messages_.at(c).content,
                     absl::StrCat(created), absl::StrCat(who), x.first, x.last,
                     knows ? "true" : "false"});
    }
    return out;
  }

  std::string Orgs(const std::map<Id, std::vector<std::pair<Id, int64_t>>>& rel,
                   Id p) const {
    std::vector<std::tuple<std::string, int64_t, std::string>> items;
    auto it = rel.find(p);
    if (it != rel.end()) {
      for (const auto& [org, year] : it->second) {
        items.emplace_back(org_names_.at(org), year,
                           place_names_.at(org_place_.at(org)));
      }
    }
    std::sort(items.begin(), items.end());
    std::vector<std::string> parts;
    for (const auto& [name, year, place] : items) {
      parts.push_back(absl::StrCat(name, ",", year, ",", place));
    }
    return absl::StrJoin(parts, ";");
  }

  Rows Ic1(Id p, const std::string& first, int64_t t) const {
    std::vector<std::tuple<int, std::string, Id>> found;
    for (const auto& [q, d] : Distances(p, t, 3)) {
      if (d >= 1 && persons_.at(q).first == first) {
        found.emplace_back(d, persons_.at(q).last, q);
      }
    }
    std::sort(found.begin(), found.end());
    if (found.size() > 20) found.resize(20);
    Rows out;
    for (const auto& [d, last, q] : found) {
      const Person& x = persons_.at(q);
      out.push_back({absl::StrCat(q), x.last, absl::StrCat(d),
                     absl::StrCat(x.birthday), absl::StrCat(x.created),
                     x.gender, x.browser, x.ip, x.emails, x.languages,
                     place_names_.at(person_city_.at(q)), Orgs(study_, q),
                     Orgs(work_, q)});
    }
    return out;
  }

  Rows RecentMessages(Id p, int64_t max_ms, int hops, bool inclusive,
                      int64_t t) const {
    std::set<Id> people;
    for (const auto& [q, d] : Distances(p, t, hops)) {
      if (d >= 1) people.insert(q);
    }
    std::vector<std::pair<int64_t, Id>> msgs;
    for (const auto& [m, c] : creator_) {
      if (!people.count(c) || !MessageAt(m, t)) continue;
      const int64_t created = messages_.at(m).created;
      if (inclusive ? created <= max_ms : created < max_ms) {
        msgs.emplace_back(created, m);
      }
    }
    std::sort(msgs.begin(), msgs.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first > b.first : a.second < b.second;
    });
    if (msgs.size() > 20) msgs.resize(20);
    Rows out;
    for (const auto& [created, m] : msgs) {
      const Id c = creator_.at(m);
      const Person& x = persons_.at(c);
      out.push_back({absl::StrCat(c), x.first, x.last, absl::StrCat(m),
                     Content(messages_.at(m)), absl::StrCat(created)});
    }
    return out;
  }

  Rows Ic13(Id a, Id b, int64_t t) const {
    if (!PersonAt(a, t) || !PersonAt(b, t)) return {{"-1"}};
    const std::map<Id, int> d = Distances(a, t, 1 << 30);
    auto it = d.find(b);
    return {{it == d.end() ? "-1" : absl::StrCat(it->second)}};
  }

 private:
  using Fields = std::vector<std::string>;

  template <typename Fn>
  void Read(const std::string& path, Fn fn, bool* ok) {
    std::ifstream in(path);
    if (!in) {
      *ok = false;
      return;
    }
    std::string line;
    std::getline(in, line);  // Header.
    while (std::getline(in, line)) {
      if (line.empty()) continue;
      fn(Fields(absl::StrSplit(line, '|')));
    }
  }

  std::map<Id, Person> persons_;
  std::map<Id, Message> messages_;
  std::map<Id, std::pair<std::string, int64_t>> forums_;
  std::map<Id, std::string> place_names_, org_names_;
  std::map<Id, Id> org_place_, person_city_, creator_, reply_of_, container_,
      moderator_;
  std::map<Id, std::vector<std::pair<Id, int64_t>>> knows_, study_, work_;
};

}  // namespace zverse::testing::ldbc

#endif  // ZVERSE_TESTS_QUERY_LDBC_ORACLE_H_
