#include "query/ldbc.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/loader.h"
#include "kv/status_macros.h"

namespace zverse::query::ldbc {
namespace {

using graph::GraphSnapshot;
using graph::LdbcOriginalId;
using graph::LdbcType;
using graph::LdbcVertexId;

VertexId PersonVertex(uint64_t id) {
  return LdbcVertexId(LdbcType::kPerson, id);
}
VertexId MessageVertex(uint64_t id) {
  return LdbcVertexId(LdbcType::kMessage, id);
}

// --- Cells -----------------------------------------------------------------

int64_t AsInt(const Value& v) {
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* t = std::get_if<graph::TimestampValue>(&v)) return t->micros;
  return 0;
}

// An "id" column value as the LDBC id.
std::string IdCell(const Value& v) {
  return absl::StrCat(LdbcOriginalId(static_cast<VertexId>(AsInt(v))));
}

// A timestamp property (microseconds) as epoch milliseconds.
std::string MillisCell(const Value& v) {
  if (v.index() == 0) return "";
  const int64_t us = AsInt(v);
  // Floor division: the data is millisecond-exact, so this only matters for
  // times before 1970.
  return absl::StrCat(us >= 0 ? us / 1000 : -((-us + 999) / 1000));
}

std::string TextCell(const Value& v) { return FormatValue(v); }

// A message's content, or a Post's imageFile when it has no content.
std::string ContentCell(const Value& content, const Value& image) {
  const std::string c = FormatValue(content);
  return c.empty() ? FormatValue(image) : c;
}

int64_t Millis(const Value& v) { return AsInt(v) / 1000; }

absl::StatusOr<uint64_t> ParseId(std::string_view text, std::string_view what) {
  uint64_t id = 0;
  if (!absl::SimpleAtoi(absl::string_view(text.data(), text.size()), &id) ||
      id >= (uint64_t{1} << 56)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad ", std::string(what), " '", std::string(text),
                     "': expected an LDBC id (an unsigned integer)"));
  }
  return id;
}

absl::StatusOr<int64_t> ParseMillis(std::string_view text,
                                    std::string_view what) {
  int64_t ms = 0;
  if (!absl::SimpleAtoi(absl::string_view(text.data(), text.size()), &ms) ||
      ms > std::numeric_limits<int64_t>::max() / 1000 ||
      ms < std::numeric_limits<int64_t>::min() / 1000) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad ", std::string(what), " '", std::string(text),
                     "': expected epoch milliseconds"));
  }
  return ms;
}

// --- Shared pieces ------------------------------------------------------------

class Queries {
 public:
  Queries(const GraphSnapshot& snap, const TraversalOptions& options)
      : snap_(snap), options_(options) {}

  Traversal T() const { return Traversal(snap_, options_); }

  absl::StatusOr<bool> IsA(VertexId v, std::string_view label) const {
    absl::StatusOr<graph::Vertex> vertex = snap_.GetVertex(v);
    if (absl::IsNotFound(vertex.status())) return false;
    if (!vertex.ok()) return vertex.status();
    return vertex->label_name == label;
  }

  // The Post at the root of a message's reply chain (itself for a Post).
  absl::StatusOr<VertexId> RootPost(VertexId m) const {
    for (int guard = 0; guard < 1'000'000; ++guard) {
      ZVERSE_ASSIGN_OR_RETURN(std::vector<VertexId> up,
                              T().V(m).Out("replyOf").Ids());
      if (up.empty()) return m;
      m = up.front();
    }
    return absl::DataLossError("a reply chain that does not end");
  }

  // (id, firstName, lastName) of a message's creator; empty if none.
  absl::StatusOr<std::vector<Value>> Creator(VertexId m) const {
    ZVERSE_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        T().V(m).Out("hasCreator").Values({"id", "firstName", "lastName"}));
    if (rows.empty()) return std::vector<Value>();
    return rows.front();
  }

  absl::StatusOr<std::vector<Value>> Names(VertexId person) const {
    ZVERSE_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        T().V(person).Values({"id", "firstName", "lastName"}));
    if (rows.empty()) return std::vector<Value>();
    return rows.front();
  }

  // --- The reads.

  absl::StatusOr<Rows> Is1(uint64_t id) const {
    const VertexId p = PersonVertex(id);
    ZVERSE_ASSIGN_OR_RETURN(bool person, IsA(p, "Person"));
    if (!person) return Rows();
    ZVERSE_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        T().V(p).Values({"firstName", "lastName", "birthday", "locationIP",
                         "browserUsed", "gender", "creationDate"}));
    ZVERSE_ASSIGN_OR_RETURN(std::vector<VertexId> city,
                            T().V(p).Out("isLocatedIn").Ids());
    const Row& r = rows.front();
    return Rows{{TextCell(r[0]), TextCell(r[1]), MillisCell(r[2]),
                 TextCell(r[3]), TextCell(r[4]),
                 city.empty() ? "" : absl::StrCat(LdbcOriginalId(city[0])),
                 TextCell(r[5]), MillisCell(r[6])}};
  }

  absl::StatusOr<Rows> Is2(uint64_t id) const {
    const VertexId p = PersonVertex(id);
    ZVERSE_ASSIGN_OR_RETURN(bool person, IsA(p, "Person"));
    if (!person) return Rows();
    ZVERSE_ASSIGN_OR_RETURN(
        std::vector<Row> messages,
        T().V(p).In("hasCreator").OrderBy("creationDate", true)
            .OrderBy("id", true).Limit(10)
            .Values({"id", "content", "imageFile", "creationDate"}));
    Rows out;
    for (const Row& m : messages) {
      ZVERSE_ASSIGN_OR_RETURN(VertexId root,
                              RootPost(static_cast<VertexId>(AsInt(m[0]))));
      ZVERSE_ASSIGN_OR_RETURN(std::vector<Value> author, Creator(root));
      if (author.empty()) author = {Value(Null{}), Value(Null{}), Value(Null{})};
      out.push_back({IdCell(m[0]), ContentCell(m[1], m[2]), MillisCell(m[3]),
                     absl::StrCat(LdbcOriginalId(root)),
                     author[0].index() == 0 ? "" : IdCell(author[0]),
                     TextCell(author[1]), TextCell(author[2])});
    }
    return out;
  }

  absl::StatusOr<Rows> Is3(uint64_t id) const {
    ZVERSE_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        T().V(PersonVertex(id)).Out("knows").OrderBy("e.creationDate", true)
            .OrderBy("id").Values({"id", "firstName", "lastName",
                                   "e.creationDate"}));
    Rows out;
    for (const Row& r : rows) {
      out.push_back({IdCell(r[0]), TextCell(r[1]), TextCell(r[2]),
                     MillisCell(r[3])});
    }
    return out;
  }

  absl::StatusOr<Rows> Is4(uint64_t id) const {
    ZVERSE_ASSIGN_OR_RETURN(
        std::vector<Row> rows,
        T().V(MessageVertex(id))
            .Values({"creationDate", "content", "imageFile"}));
    if (rows.empty()) return Rows();
    return Rows{{MillisCell(rows[0][0]), ContentCell(rows[0][1], rows[0][2])}};
  }

  absl::StatusOr<Rows> Is5(uint64_t id) const {
    const VertexId m = MessageVertex(id);
    ZVERSE_ASSIGN_OR_RETURN(std::vector<Value> c, Creator(m));
    if (c.empty()) return Rows();
    return Rows{{IdCell(c[0]), TextCell(c[1]), TextCell(c[2])}};
  }

  absl::StatusOr<Rows> Is6(uint64_t id) const {
    const VertexId m = MessageVertex(id);
    ZVERSE_ASSIGN_OR_RETURN(bool exists, snap_.HasVertex(m));
    if (!exists) return Rows();
    ZVERSE_ASSIGN_OR_RETURN(VertexId post, RootPost(m));
    ZVERSE_ASSIGN_OR_RETURN(
        std::vector<Row> forums,
        T().V(post).In("containerOf").Values({"id", "title"}));
    Rows out;
    for (const Row& f : forums) {
      ZVERSE_ASSIGN_OR_RETURN(
          std::vector<Row> mods,
          T().V(static_cast<VertexId>(AsInt(f[0]))).Out("hasModerator")
              .Values({"id", "firstName", "lastName"}));
      for (const Row& mod : mods) {
        out.push_back({IdCell(f[0]), TextCell(f[1]), IdCell(mod[0]),
                       TextCell(mod[1]), TextCell(mod[2])});
      }
    }
    return out;
  }

  absl::StatusOr<Rows> Is7(uint64_t id) const {
    const VertexId m = MessageVertex(id);
    ZVERSE_ASSIGN_OR_RETURN(std::vector<Value> author, Creator(m));
    absl::flat_hash_set<VertexId> friends;
    if (!author.empty()) {
      ZVERSE_ASSIGN_OR_RETURN(
          std::vector<VertexId> f,
          T().V(static_cast<VertexId>(AsInt(author[0]))).Out("knows").Ids());
      friends.insert(f.begin(), f.end());
    }
    ZVERSE_ASSIGN_OR_RETURN(
        std::vector<Row> replies,
        T().V(m).In("replyOf").Values({"id", "content", "creationDate"}));
    struct Reply {
      int64_t created;
      uint64_t author;
      uint64_t comment;
      std::vector<std::string> row;
    };
    std::vector<Reply> out;
    for (const Row& r : replies) {
      const VertexId c = static_cast<VertexId>(AsInt(r[0]));
      ZVERSE_ASSIGN_OR_RETURN(std::vector<Value> who, Creator(c));
      if (who.empty()) continue;
      const VertexId a = static_cast<VertexId>(AsInt(who[0]));
      const bool knows = !author.empty() &&
                         a != static_cast<VertexId>(AsInt(author[0])) &&
                         friends.contains(a);
      out.push_back(Reply{Millis(r[2]), LdbcOriginalId(a), LdbcOriginalId(c),
                          {IdCell(r[0]), TextCell(r[1]), MillisCell(r[2]),
                           IdCell(who[0]), TextCell(who[1]), TextCell(who[2]),
                           knows ? "true" : "false"}});
    }
    std::sort(out.begin(), out.end(), [](const Reply& x, const Reply& y) {
      if (x.created != y.created) return x.created > y.created;
      if (x.author != y.author) return x.author < y.author;
      return x.comment < y.comment;
    });
    Rows rows;
    for (Reply& r : out) rows.push_back(std::move(r.row));
    return rows;
  }

  // "name,year,place" elements of a person's studyAt or workAt edges, the
  // place being the organisation's city (universities) or country
  // (companies).
  absl::StatusOr<std::string> Organisations(VertexId person,
                                            std::string_view edge,
                                            std::string_view year) const {
    ZVERSE_ASSIGN_OR_RETURN(
        std::vector<Row> orgs,
        T().V(person).Out(std::string(edge))
            .Values({"id", "name", absl::StrCat("e.", std::string(year))}));
    std::vector<std::tuple<std::string, int64_t, std::string>> items;
    for (const Row& o : orgs) {
      ZVERSE_ASSIGN_OR_RETURN(
          std::vector<Row> place,
          T().V(static_cast<VertexId>(AsInt(o[0]))).Out("isLocatedIn")
              .Values({"name"}));
      items.emplace_back(FormatValue(o[1]), AsInt(o[2]),
                         place.empty() ? "" : FormatValue(place[0][0]));
    }
    std::sort(items.begin(), items.end());
    std::vector<std::string> parts;
    for (const auto& [name, y, place] : items) {
      parts.push_back(absl::StrCat(name, ",", y, ",", place));
    }
    return absl::StrJoin(parts, ";");
  }

  absl::StatusOr<Rows> Ic1(uint64_t id, const std::string& first_name) const {
    ZVERSE_ASSIGN_OR_RETURN(
        std::vector<Row> found,
        T().V(PersonVertex(id)).Repeat(Direction::kOut, "knows", 1, 3)
            .Has("firstName", first_name).OrderBy("distance")
            .OrderBy("lastName").OrderBy("id").Limit(20)
            .Values({"id", "lastName", "distance", "birthday", "creationDate",
                     "gender", "browserUsed", "locationIP", "email",
                     "speaks"}));
    Rows out;
    for (const Row& r : found) {
      const VertexId p = static_cast<VertexId>(AsInt(r[0]));
      ZVERSE_ASSIGN_OR_RETURN(
          std::vector<Row> city,
          T().V(p).Out("isLocatedIn").Values({"name"}));
      ZVERSE_ASSIGN_OR_RETURN(std::string unis,
                              Organisations(p, "studyAt", "classYear"));
      ZVERSE_ASSIGN_OR_RETURN(std::string works,
                              Organisations(p, "workAt", "workFrom"));
      out.push_back({IdCell(r[0]), TextCell(r[1]), TextCell(r[2]),
                     MillisCell(r[3]), MillisCell(r[4]), TextCell(r[5]),
                     TextCell(r[6]), TextCell(r[7]), TextCell(r[8]),
                     TextCell(r[9]), city.empty() ? "" : TextCell(city[0][0]),
                     unis, works});
    }
    return out;
  }

  // IC2 (friends, created <= maxDate) and IC9 (friends and friends of
  // friends, created < maxDate).
  absl::StatusOr<Rows> RecentMessages(uint64_t id, int64_t max_ms, int hops,
                                      bool inclusive) const {
    const graph::TimestampValue limit{max_ms * 1000};
    ZVERSE_ASSIGN_OR_RETURN(
        std::vector<Row> found,
        T().V(PersonVertex(id)).Repeat(Direction::kOut, "knows", 1, hops)
            .In("hasCreator")
            .Where("creationDate", inclusive ? Compare::kLe : Compare::kLt,
                   limit)
            .OrderBy("creationDate", true).OrderBy("id").Limit(20)
            .Values({"e.dst", "id", "content", "imageFile", "creationDate"}));
    Rows out;
    for (const Row& r : found) {
      ZVERSE_ASSIGN_OR_RETURN(std::vector<Value> who,
                              Names(static_cast<VertexId>(AsInt(r[0]))));
      if (who.empty()) continue;
      out.push_back({IdCell(r[0]), TextCell(who[1]), TextCell(who[2]),
                     IdCell(r[1]), ContentCell(r[2], r[3]),
                     MillisCell(r[4])});
    }
    return out;
  }

  absl::StatusOr<Rows> Ic13(uint64_t a, uint64_t b) const {
    const VertexId p1 = PersonVertex(a), p2 = PersonVertex(b);
    ZVERSE_ASSIGN_OR_RETURN(bool e1, IsA(p1, "Person"));
    ZVERSE_ASSIGN_OR_RETURN(bool e2, IsA(p2, "Person"));
    if (!e1 || !e2) return Rows{{"-1"}};
    if (p1 == p2) return Rows{{"0"}};
    ZVERSE_ASSIGN_OR_RETURN(
        std::vector<Row> reached,
        T().V(p1).Repeat(Direction::kOut, "knows", 1,
                         std::numeric_limits<int>::max())
            .Values({"id", "distance"}));
    for (const Row& r : reached) {
      if (static_cast<VertexId>(AsInt(r[0])) == p2) {
        return Rows{{absl::StrCat(AsInt(r[1]))}};
      }
    }
    return Rows{{"-1"}};
  }

 private:
  const GraphSnapshot& snap_;
  const TraversalOptions& options_;
};

struct Spec {
  Query q;
  std::string_view name;
  std::vector<std::string_view> params;
  std::vector<std::string_view> columns;
};

const std::vector<Spec>& Specs() {
  static const auto* specs = new std::vector<Spec>{
      {Query::kIs1, "is1", {"personId"},
       {"firstName", "lastName", "birthday", "locationIP", "browserUsed",
        "cityId", "gender", "creationDate"}},
      {Query::kIs2, "is2", {"personId"},
       {"messageId", "messageContent", "messageCreationDate", "originalPostId",
        "originalPostAuthorId", "originalPostAuthorFirstName",
        "originalPostAuthorLastName"}},
      {Query::kIs3, "is3", {"personId"},
       {"personId", "firstName", "lastName", "friendshipCreationDate"}},
      {Query::kIs4, "is4", {"messageId"},
       {"messageCreationDate", "messageContent"}},
      {Query::kIs5, "is5", {"messageId"},
       {"personId", "firstName", "lastName"}},
      {Query::kIs6, "is6", {"messageId"},
       {"forumId", "forumTitle", "moderatorId", "moderatorFirstName",
        "moderatorLastName"}},
      {Query::kIs7, "is7", {"messageId"},
       {"commentId", "commentContent", "commentCreationDate", "replyAuthorId",
        "replyAuthorFirstName", "replyAuthorLastName",
        "replyAuthorKnowsOriginalMessageAuthor"}},
      {Query::kIc1, "ic1", {"personId", "firstName"},
       {"friendId", "friendLastName", "distanceFromPerson", "friendBirthday",
        "friendCreationDate", "friendGender", "friendBrowserUsed",
        "friendLocationIp", "friendEmails", "friendLanguages",
        "friendCityName", "friendUniversities", "friendCompanies"}},
      {Query::kIc2, "ic2", {"personId", "maxDate"},
       {"personId", "personFirstName", "personLastName", "messageId",
        "messageContent", "messageCreationDate"}},
      {Query::kIc9, "ic9", {"personId", "maxDate"},
       {"personId", "personFirstName", "personLastName", "messageId",
        "messageContent", "messageCreationDate"}},
      {Query::kIc13, "ic13", {"person1Id", "person2Id"},
       {"shortestPathLength"}},
  };
  return *specs;
}

const Spec& SpecOf(Query q) {
  for (const Spec& s : Specs()) {
    if (s.q == q) return s;
  }
  return Specs().front();
}

}  // namespace

absl::StatusOr<Query> ParseQueryName(std::string_view name) {
  const std::string lower =
      absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
  std::vector<std::string> known;
  for (const Spec& s : Specs()) {
    if (s.name == lower) return s.q;
    known.emplace_back(s.name);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("unknown LDBC query '", std::string(name), "' (known: ",
                   absl::StrJoin(known, " "), ")"));
}

std::string_view QueryName(Query q) { return SpecOf(q).name; }
std::vector<std::string_view> ParameterNames(Query q) {
  return SpecOf(q).params;
}
std::vector<std::string_view> ColumnNames(Query q) { return SpecOf(q).columns; }

absl::StatusOr<Rows> Run(const GraphSnapshot& snap, Query q,
                         const std::vector<std::string>& params,
                         const TraversalOptions& options) {
  const Spec& spec = SpecOf(q);
  if (params.size() != spec.params.size()) {
    std::vector<std::string> names(spec.params.begin(), spec.params.end());
    return absl::InvalidArgumentError(
        absl::StrCat(std::string(spec.name), " takes ", spec.params.size(),
                     " parameter",
                     spec.params.size() == 1 ? "" : "s", " (",
                     absl::StrJoin(names, " "), "), got ", params.size()));
  }
  Queries queries(snap, options);
  ZVERSE_ASSIGN_OR_RETURN(uint64_t id0, ParseId(params[0], spec.params[0]));
  switch (q) {
    case Query::kIs1: return queries.Is1(id0);
    case Query::kIs2: return queries.Is2(id0);
    case Query::kIs3: return queries.Is3(id0);
    case Query::kIs4: return queries.Is4(id0);
    case Query::kIs5: return queries.Is5(id0);
    case Query::kIs6: return queries.Is6(id0);
    case Query::kIs7: return queries.Is7(id0);
    case Query::kIc1: return queries.Ic1(id0, params[1]);
    case Query::kIc2:
    case Query::kIc9: {
      ZVERSE_ASSIGN_OR_RETURN(int64_t max_ms,
                              ParseMillis(params[1], spec.params[1]));
      return queries.RecentMessages(id0, max_ms, q == Query::kIc2 ? 1 : 2,
                                    /*inclusive=*/q == Query::kIc2);
    }
    case Query::kIc13: {
      ZVERSE_ASSIGN_OR_RETURN(uint64_t id1, ParseId(params[1], spec.params[1]));
      return queries.Ic13(id0, id1);
    }
  }
  return absl::InternalError("unhandled query");
}

}  // namespace zverse::query::ldbc
