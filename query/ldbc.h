// LDBC SNB Interactive v1 reads on a graph loaded by graph::LoadLdbcSnb:
// the short reads IS1 to IS7 and the complex reads IC1, IC2, IC9 and IC13,
// written on the traversal API (query/traversal.h) after the official
// definitions (ldbc/ldbc_snb_docs, query-specifications/interactive-*.yaml;
// summary in ../shared/datasets/ldbc-snb/QUERIES.md).
//
// Ids in and out are LDBC ids (graph::LdbcOriginalId), not vertex ids. The
// result is text cells in the spec's column order, rows in the spec's order
// and limit:
//   dates and times as epoch milliseconds, booleans as true/false, lists
//   joined with ';', a message's content as its content or, for a Post with
//   an image, its imageFile. IC1's universities and companies are
//   "name,year,place" elements sorted by name, then year, then place.
//
//   query   parameters          columns
//   is1     personId            firstName lastName birthday locationIP
//                               browserUsed cityId gender creationDate
//   is2     personId            messageId content creationDate
//                               originalPostId authorId authorFirstName
//                               authorLastName (10 latest)
//   is3     personId            friendId firstName lastName
//                               friendshipCreationDate
//   is4     messageId           creationDate content
//   is5     messageId           personId firstName lastName
//   is6     messageId           forumId title moderatorId firstName lastName
//   is7     messageId           commentId content creationDate authorId
//                               firstName lastName knows
//   ic1     personId firstName  friendId lastName distance birthday
//                               creationDate gender browserUsed locationIP
//                               emails languages cityName universities
//                               companies (20)
//   ic2     personId maxDate    personId firstName lastName messageId
//                               content creationDate (20; created <= maxDate)
//   ic9     personId maxDate    as ic2, friends and friends of friends
//                               (20; created < maxDate)
//   ic13    person1Id person2Id length (-1: no path; 0: the same person)
//
// Where the spec leaves ties open the order is made total: IS7 by comment id
// after the spec's keys. A short read of an id that does not exist (as of
// the snapshot) returns no rows; IC13 returns -1 when either person is
// missing.
//
// Thread safety: as for Traversal.

#ifndef ZVERSE_QUERY_LDBC_H_
#define ZVERSE_QUERY_LDBC_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph_db.h"
#include "query/traversal.h"

namespace zverse::query::ldbc {

enum class Query { kIs1, kIs2, kIs3, kIs4, kIs5, kIs6, kIs7, kIc1, kIc2,
                   kIc9, kIc13 };

// "is1" ... "ic13" (case-insensitive); InvalidArgument naming the known ones
// otherwise.
absl::StatusOr<Query> ParseQueryName(std::string_view name);
std::string_view QueryName(Query q);
// The parameter names, in order (e.g. {"personId", "maxDate"}).
std::vector<std::string_view> ParameterNames(Query q);
// Column names of the result, in order.
std::vector<std::string_view> ColumnNames(Query q);

using Rows = std::vector<std::vector<std::string>>;

// Runs `q` with `params` as text (ids as unsigned integers, dates as epoch
// milliseconds, as in the substitution parameter files). InvalidArgument for
// a wrong count or a malformed parameter; NotFound if the graph lacks the
// LDBC schema's labels.
absl::StatusOr<Rows> Run(const graph::GraphSnapshot& snap, Query q,
                         const std::vector<std::string>& params,
                         const TraversalOptions& options = {});

}  // namespace zverse::query::ldbc

#endif  // ZVERSE_QUERY_LDBC_H_
