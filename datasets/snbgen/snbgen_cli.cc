#include "datasets/snbgen/snbgen_cli.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "datasets/snbgen/generator.h"

namespace zverse::datasets {
namespace {

constexpr const char kUsage[] =
    "usage: zverse_snbgen --out DIR [--persons N] [--seed S] [--force]\n"
    "                     [--knows_per_person K] [--quiet]\n";

constexpr const char kHelp[] = R"(
Writes a deterministic LDBC-SNB-like social network that
`zverse load --format ldbc-snb DIR` (graph::LoadLdbcSnb) loads unchanged.

Flags:
  --out DIR              Output directory (required). Must not exist or be
                         empty; the data set is written to DIR.partial-XXXXXX
                         beside it and renamed to DIR at the end, so a failed
                         run leaves nothing behind.
  --persons N            Scale: the number of persons (default 10000; 100 to
                         10M; suffixes k and M: 100k, 1M).
  --seed S               Seed (default 1). The same flags give the same bytes.
  --force                Replace DIR if it holds an earlier output (only
                         static/ and dynamic/; anything else is refused).
  --knows_per_person K   knows pairs per person (default 24: about 2.4M pairs
                         at 100K persons; the mean degree is 2K).
  --quiet                No progress on stderr.
  --help, -h             This text.

Layout (LDBC SNB Interactive v1 csv_composite-longdateformatter): DIR/static/
and DIR/dynamic/ with the 31 files NAME_0_0.csv, '|'-separated, one header
line each, dates in milliseconds since the epoch (UTC):
  static/   place organisation tag tagclass, organisation_isLocatedIn_place,
            place_isPartOf_place, tag_hasType_tagclass,
            tagclass_isSubclassOf_tagclass (small fixed sets)
  dynamic/  person forum post comment, person_knows_person (each pair once,
            with creationDate), person_{isLocatedIn_place, hasInterest_tag,
            likes_post, likes_comment, studyAt_organisation,
            workAt_organisation}, forum_{hasModerator_person,
            hasMember_person, hasTag_tag, containerOf_post},
            post_{hasCreator_person, isLocatedIn_place, hasTag_tag},
            comment_{hasCreator_person, isLocatedIn_place, replyOf_post,
            replyOf_comment, hasTag_tag}

Scale, per person (all linear in --persons): 24 knows pairs (heavy-tailed
degrees: Chung-Lu pairing of Pareto weights, mean degree 48), about 10
posts and 20 comments, a wall forum (plus a group forum per 50 persons),
13 memberships and 18 likes. Dates span 2010-01-01 .. 2013-01-01. 100K
persons: 2.4M knows pairs, 1M posts, 2M comments, about 0.6 GB of files in
about 4 s on one core (about 90 MB of memory).

Exit status: 0 done, 1 the generation failed, 2 bad flags.
)";

struct Flags {
  std::string out;
  uint64_t persons = 10'000;
  uint64_t seed = 1;
  double knows_per_person = 24;
  bool force = false;
  bool quiet = false;
  bool help = false;
};

// "100", "100k", "100K", "2M".
std::optional<uint64_t> ParseCount(std::string_view s) {
  uint64_t mult = 1;
  if (!s.empty() && (s.back() == 'k' || s.back() == 'K')) {
    mult = 1000;
    s.remove_suffix(1);
  } else if (!s.empty() && (s.back() == 'm' || s.back() == 'M')) {
    mult = 1'000'000;
    s.remove_suffix(1);
  }
  uint64_t v;
  if (s.empty()) return std::nullopt;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  if (v > UINT64_MAX / mult) return std::nullopt;
  return v * mult;
}

std::optional<double> ParseDouble(std::string_view s) {
  double v;
  if (s.empty()) return std::nullopt;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || !std::isfinite(v)) {
    return std::nullopt;
  }
  return v;
}

absl::StatusOr<Flags> ParseFlags(const std::vector<std::string>& args) {
  Flags flags;
  bool seen_out = false, seen_persons = false, seen_seed = false,
       seen_knows = false;
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (arg == "-h" || arg == "--help") {
      flags.help = true;
      continue;
    }
    if (arg.size() < 3 || arg.substr(0, 2) != "--") {
      return absl::InvalidArgumentError(absl::StrCat(
          "unexpected argument '", args[i], "' (flags start with --)"));
    }
    std::string name(arg.substr(2));
    std::optional<std::string> value;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    auto take_value = [&]() -> absl::StatusOr<std::string> {
      if (value) return *value;
      if (i + 1 >= args.size()) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " needs a value"));
      }
      return args[++i];
    };
    auto no_value = [&]() -> absl::Status {
      if (value) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " takes no value"));
      }
      return absl::OkStatus();
    };
    auto once = [&](bool* seen) -> absl::Status {
      if (*seen) {
        return absl::InvalidArgumentError(
            absl::StrCat("--", name, " given twice"));
      }
      *seen = true;
      return absl::OkStatus();
    };
    if (name == "out") {
      if (absl::Status s = once(&seen_out); !s.ok()) return s;
      absl::StatusOr<std::string> v = take_value();
      if (!v.ok()) return v.status();
      if (v->empty()) return absl::InvalidArgumentError("--out is empty");
      flags.out = *v;
    } else if (name == "persons") {
      if (absl::Status s = once(&seen_persons); !s.ok()) return s;
      absl::StatusOr<std::string> v = take_value();
      if (!v.ok()) return v.status();
      const std::optional<uint64_t> n = ParseCount(*v);
      if (!n || *n < kSnbMinPersons || *n > kSnbMaxPersons) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--persons: expected a count from ", kSnbMinPersons, " to ",
            kSnbMaxPersons, " (suffixes k, M), got '", *v, "'"));
      }
      flags.persons = *n;
    } else if (name == "seed") {
      if (absl::Status s = once(&seen_seed); !s.ok()) return s;
      absl::StatusOr<std::string> v = take_value();
      if (!v.ok()) return v.status();
      uint64_t seed;
      const auto [p, ec] =
          std::from_chars(v->data(), v->data() + v->size(), seed);
      if (v->empty() || ec != std::errc() || p != v->data() + v->size()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--seed: expected an unsigned 64-bit integer, got '", *v, "'"));
      }
      flags.seed = seed;
    } else if (name == "knows_per_person") {
      if (absl::Status s = once(&seen_knows); !s.ok()) return s;
      absl::StatusOr<std::string> v = take_value();
      if (!v.ok()) return v.status();
      const std::optional<double> k = ParseDouble(*v);
      if (!k || *k < 0 || *k > 1000) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--knows_per_person: expected a number from 0 to 1000, got '", *v,
            "'"));
      }
      flags.knows_per_person = *k;
    } else if (name == "force") {
      if (absl::Status s = no_value(); !s.ok()) return s;
      flags.force = true;
    } else if (name == "quiet") {
      if (absl::Status s = no_value(); !s.ok()) return s;
      flags.quiet = true;
    } else {
      return absl::InvalidArgumentError(absl::StrCat("unknown flag --", name));
    }
  }
  if (!flags.help && flags.out.empty()) {
    return absl::InvalidArgumentError("--out DIR is required");
  }
  return flags;
}

std::string Megabytes(uint64_t bytes) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f MB", static_cast<double>(bytes) / 1e6);
  return buf;
}

void PrintSummary(const std::string& out_dir, const Flags& flags,
                  const SnbGenStats& stats, std::ostream& out) {
  char secs[32];
  std::snprintf(secs, sizeof(secs), "%.2f", stats.seconds);
  out << "Wrote " << out_dir << " (persons " << flags.persons << ", seed "
      << flags.seed << "): " << stats.bytes << " bytes ("
      << Megabytes(stats.bytes) << ") in " << secs << " s\n";
  out << "  persons " << stats.persons << ", knows " << stats.knows
      << ", forums " << stats.forums << ", posts " << stats.posts
      << ", comments " << stats.comments << "\n";
  size_t width = 0;
  for (const auto& [file, rows] : stats.rows)
    width = std::max(width, file.size());
  for (const auto& [file, rows] : stats.rows) {
    out << "  " << file << std::string(width + 2 - file.size(), ' ') << rows
        << "\n";
  }
}

}  // namespace

int RunSnbGen(const std::vector<std::string>& args, std::ostream& out,
              std::ostream& err) {
  absl::StatusOr<Flags> flags = ParseFlags(args);
  if (!flags.ok()) {
    err << "zverse_snbgen: " << flags.status().message() << "\n"
        << kUsage << "(see --help)\n";
    return kSnbGenUsageError;
  }
  if (flags->help) {
    out << kUsage << kHelp;
    return kSnbGenOk;
  }
  SnbGenOptions options;
  options.persons = flags->persons;
  options.seed = flags->seed;
  options.knows_per_person = flags->knows_per_person;
  options.force = flags->force;
  if (!flags->quiet) {
    options.progress = [&err](std::string_view line) {
      err << "zverse_snbgen: " << line << std::endl;
    };
  }
  absl::StatusOr<SnbGenStats> stats = GenerateSnb(flags->out, options);
  if (!stats.ok()) {
    err << "zverse_snbgen: " << stats.status() << "\n";
    return kSnbGenFailed;
  }
  PrintSummary(flags->out, *flags, *stats, out);
  return kSnbGenOk;
}

}  // namespace zverse::datasets
