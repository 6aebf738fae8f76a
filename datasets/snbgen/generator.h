// A deterministic generator of LDBC-SNB-like social networks.
//
// GenerateSnb writes a data set in the LDBC SNB Interactive v1
// "csv_composite-longdateformatter" layout: `out_dir` gets static/ and
// dynamic/ with the 31 files *_0_0.csv, '|'-separated, with the official
// header lines, dates in epoch milliseconds. graph::LoadLdbcSnb loads it
// unchanged. The content imitates the official generator (Datagen) loosely:
//
// * Static data: a small fixed set of places (continents, countries, cities),
//   organisations (a university per city, companies per country), tags and a
//   tag-class hierarchy. The same for every scale and seed.
// * Persons, created over 2010-01-01 .. 2012-11-01 (ids in creation order),
//   names, gender, birthday, IP, browser, languages and e-mails from small
//   fixed lists; each has a city, interests, maybe a university and jobs.
// * knows: SnbGenOptions::knows_per_person * persons pairs (each once, the
//   smaller id first, sorted), drawn Chung-Lu style from Pareto (shape 2)
//   weights, so degrees are heavy-tailed; no self loops, no duplicate pairs.
//   A pair's creationDate is after both persons'.
// * Forums: a wall per person (moderated by it; some friends are members)
//   and one group forum per 50 persons (members drawn at random). joinDate is
//   after the forum's and the member's creation.
// * Posts (about 10 per person, more for persons with more friends) in the
//   creator's wall or one of its groups, after the creator joined it;
//   comment threads under them (about 2 comments per post): a comment
//   replies to the post or to an earlier comment of the same thread and is
//   created strictly after it; likes (about 1 per post, 0.5 per comment).
// * Every date lies in [2010-01-01, 2013-01-01] (UTC).
//
// Determinism: the output is a function of (persons, knows_per_person, seed)
// and of the generator's version: the same inputs give the same bytes
// (the generator uses its own PRNG and integer arithmetic for everything
// but a few exponential draws through std::log, so another libm could in
// principle change a date by a millisecond).
//
// Cost at 100K persons: about 0.6 GB of files in about 4 s on one core,
// about 90 MB of memory (roughly 40 bytes per knows pair).
//
// Thread safety: GenerateSnb may run concurrently for different output
// directories.

#ifndef ZVERSE_DATASETS_SNBGEN_GENERATOR_H_
#define ZVERSE_DATASETS_SNBGEN_GENERATOR_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace zverse::datasets {

// LDBC SNB Interactive v1's date range (UTC), in epoch milliseconds.
inline constexpr int64_t kSnbStartMillis = 1262304000000;  // 2010-01-01.
inline constexpr int64_t kSnbEndMillis = 1356998400000;    // 2013-01-01.

inline constexpr uint64_t kSnbMinPersons = 100;
inline constexpr uint64_t kSnbMaxPersons = 10'000'000;

struct SnbGenOptions {
  // The scale. REQUIRES: kSnbMinPersons <= persons <= kSnbMaxPersons.
  uint64_t persons = 10'000;
  uint64_t seed = 1;
  // knows pairs per person (each pair counted once): the mean degree is
  // twice this. 24 gives about 2.4M pairs at 100K persons.
  // REQUIRES: 0 <= knows_per_person <= (persons - 1) / 8.
  double knows_per_person = 24;
  // Replace an existing non-empty `out_dir`. Only a directory that holds
  // nothing but static/ and dynamic/ (an earlier output) is replaced;
  // anything else is FailedPrecondition, so a mistyped --out never deletes
  // unrelated files.
  bool force = false;
  // Called now and then (about once a second) with a line of progress,
  // e.g. "knows: 1200000/2400000 pairs". May be empty.
  std::function<void(std::string_view)> progress;
};

struct SnbGenStats {
  // Rows written to each file (without the header), by path relative to
  // the output directory ("dynamic/person_0_0.csv"), in the order the
  // loader reads them.
  std::vector<std::pair<std::string, uint64_t>> rows;
  uint64_t persons = 0;
  uint64_t knows = 0;  // Pairs (rows of person_knows_person).
  uint64_t forums = 0;
  uint64_t posts = 0;
  uint64_t comments = 0;
  uint64_t bytes = 0;  // All files together.
  double seconds = 0;

  // The rows of `file` ("dynamic/person_knows_person_0_0.csv"); 0 if
  // unknown.
  uint64_t Rows(std::string_view file) const;
};

// Generates the data set into `out_dir`. The files are written into a
// fresh sibling directory (`out_dir`.partial-XXXXXX) that is renamed to
// `out_dir` at the end, so a failed run leaves nothing behind and
// `out_dir` never holds half a data set.
//
// Errors: InvalidArgument for options out of range; FailedPrecondition when
// `out_dir` exists, is not empty and `force` is off (or it holds something
// other than an earlier output); ResourceExhausted for a full disk; other
// I/O errors as Internal/PermissionDenied/NotFound naming the path.
absl::StatusOr<SnbGenStats> GenerateSnb(const std::string& out_dir,
                                        const SnbGenOptions& options);

// The files GenerateSnb writes, relative to the output directory, in the
// order LoadLdbcSnb reads them.
const std::vector<std::string>& SnbFiles();

}  // namespace zverse::datasets

#endif  // ZVERSE_DATASETS_SNBGEN_GENERATOR_H_
