#include "datasets/snbgen/generator.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "kv/status_macros.h"

namespace zverse::datasets {
namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr int64_t kSecond = 1000;
constexpr int64_t kHour = 3600 * kSecond;
constexpr int64_t kDay = 24 * kHour;
// Persons join until two months before the end, so that every one of them
// has time to make friends and post.
constexpr int64_t kPersonEndMillis = kSnbEndMillis - 61 * kDay;
constexpr int64_t kBirthdayStartMillis = 315532800000;  // 1980-01-01.

// The installed Abseil has its own string_view: this bridges the two.
absl::string_view Av(std::string_view s) {
  return absl::string_view(s.data(), s.size());
}

// --- Randomness ------------------------------------------------------------

uint64_t SplitMix64(uint64_t* x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// xoshiro256**, seeded through SplitMix64 from (seed, stream): each phase of
// the generator draws from a stream of its own, so that changing how much
// one phase draws does not shift every later phase.
class Rng {
 public:
  Rng(uint64_t seed, uint64_t stream) {
    uint64_t x = seed ^ (stream * 0xD1B54A32D192ED03ull);
    for (uint64_t& s : s_) s = SplitMix64(&x);
  }

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // [0, n); 0 when n is 0. (Lemire's multiply; the bias is below 2^-40 for
  // the ranges used here.)
  uint64_t Uniform(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >>
                                 64);
  }
  // [lo, hi); lo when hi <= lo.
  int64_t Range(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    return lo + static_cast<int64_t>(Uniform(static_cast<uint64_t>(hi - lo)));
  }
  double Unit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double UnitOpen() {  // (0, 1].
    return static_cast<double>((Next() >> 11) + 1) * 0x1.0p-53;
  }
  bool Bernoulli(double p) { return Unit() < p; }
  double Exp(double mean) { return -std::log(UnitOpen()) * mean; }
  // Failures before the first success, with the given mean.
  uint64_t Geometric(double mean, uint64_t cap) {
    if (mean <= 0) return 0;
    const double q = mean / (1 + mean);  // Probability of a failure.
    const double k = std::floor(std::log(UnitOpen()) / std::log(q));
    return k >= static_cast<double>(cap) ? cap : static_cast<uint64_t>(k);
  }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Uniform(v.size())];
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

enum Stream : uint64_t {
  kPersonStream = 1,
  kKnowsStream,
  kKnowsDateStream,
  kForumStream,
  kMessageStream,
};

// Walker's alias table: O(1) draws from a discrete distribution.
class AliasTable {
 public:
  explicit AliasTable(const std::vector<double>& weights) {
    const size_t n = weights.size();
    prob_.assign(n, 0);
    alias_.assign(n, 0);
    double total = 0;
    for (double w : weights) total += w;
    std::vector<double> scaled(n);
    std::vector<uint32_t> small, large;
    for (size_t i = 0; i < n; ++i) {
      scaled[i] = weights[i] * static_cast<double>(n) / total;
      (scaled[i] < 1 ? small : large).push_back(static_cast<uint32_t>(i));
    }
    while (!small.empty() && !large.empty()) {
      const uint32_t s = small.back();
      small.pop_back();
      const uint32_t l = large.back();
      prob_[s] = scaled[s];
      alias_[s] = l;
      scaled[l] -= 1 - scaled[s];
      if (scaled[l] < 1) {
        large.pop_back();
        small.push_back(l);
      }
    }
    for (uint32_t i : large) prob_[i] = 1;
    for (uint32_t i : small) prob_[i] = 1;  // Rounding leftovers.
  }

  uint32_t Draw(Rng& rng) const {
    const uint32_t i = static_cast<uint32_t>(rng.Uniform(prob_.size()));
    return rng.Unit() < prob_[i] ? i : alias_[i];
  }

 private:
  std::vector<double> prob_;
  std::vector<uint32_t> alias_;
};

// --- Fixed vocabularies ----------------------------------------------------

struct Country {
  const char* name;
  int continent;  // Index into kContinents.
  const char* language;
  const char* cities[3];
};

constexpr const char* kContinents[] = {
    "Asia", "Europe", "Africa", "North_America", "South_America", "Oceania"};

constexpr Country kCountries[] = {
    {"China", 0, "zh", {"Beijing", "Shanghai", "Guangzhou"}},
    {"India", 0, "hi", {"Mumbai", "Delhi", "Bangalore"}},
    {"Japan", 0, "ja", {"Tokyo", "Osaka", "Kyoto"}},
    {"Indonesia", 0, "id", {"Jakarta", "Surabaya", "Bandung"}},
    {"Vietnam", 0, "vi", {"Hanoi", "Ho_Chi_Minh_City", "Da_Nang"}},
    {"Germany", 1, "de", {"Berlin", "Hamburg", "Munich"}},
    {"France", 1, "fr", {"Paris", "Lyon", "Marseille"}},
    {"Spain", 1, "es", {"Madrid", "Barcelona", "Valencia"}},
    {"Italy", 1, "it", {"Rome", "Milan", "Naples"}},
    {"United_Kingdom", 1, "en", {"London", "Manchester", "Birmingham"}},
    {"Poland", 1, "pl", {"Warsaw", "Krakow", "Gdansk"}},
    {"Russia", 1, "ru", {"Moscow", "Saint_Petersburg", "Novosibirsk"}},
    {"Nigeria", 2, "en", {"Lagos", "Abuja", "Kano"}},
    {"Egypt", 2, "ar", {"Cairo", "Alexandria", "Giza"}},
    {"Kenya", 2, "sw", {"Nairobi", "Mombasa", "Kisumu"}},
    {"United_States", 3, "en", {"New_York_City", "Los_Angeles", "Chicago"}},
    {"Canada", 3, "en", {"Toronto", "Montreal", "Vancouver"}},
    {"Mexico", 3, "es", {"Mexico_City", "Guadalajara", "Monterrey"}},
    {"Brazil", 4, "pt", {"Sao_Paulo", "Rio_de_Janeiro", "Brasilia"}},
    {"Argentina", 4, "es", {"Buenos_Aires", "Cordoba", "Rosario"}},
    {"Colombia", 4, "es", {"Bogota", "Medellin", "Cali"}},
    {"Australia", 5, "en", {"Sydney", "Melbourne", "Brisbane"}},
    {"New_Zealand", 5, "en", {"Auckland", "Wellington", "Christchurch"}},
};
constexpr uint32_t kNumContinents = std::size(kContinents);
constexpr uint32_t kNumCountries = std::size(kCountries);
constexpr uint32_t kNumCities = 3 * kNumCountries;

// Place ids: continents, then countries, then cities.
uint64_t ContinentPlace(uint32_t c) { return c; }
uint64_t CountryPlace(uint32_t c) { return kNumContinents + c; }
uint64_t CityPlace(uint32_t city) {
  return kNumContinents + kNumCountries + city;
}
uint32_t CountryOfCity(uint32_t city) { return city / 3; }

// Organisation ids: kCompaniesPerCountry companies per country, then a
// university per city.
constexpr const char* kCompanySuffixes[] = {"Airlines", "Telecom", "Bank"};
constexpr uint32_t kCompaniesPerCountry = std::size(kCompanySuffixes);
constexpr uint32_t kNumCompanies = kCompaniesPerCountry * kNumCountries;
uint64_t CompanyOrg(uint32_t country, uint32_t k) {
  return country * kCompaniesPerCountry + k;
}
uint64_t UniversityOrg(uint32_t city) { return kNumCompanies + city; }

struct TagClass {
  const char* name;
  int parent;  // -1 for the root.
};
constexpr TagClass kTagClasses[] = {
    {"Thing", -1},        {"Agent", 0},   {"Person", 1},  {"Artist", 2},
    {"MusicalArtist", 3}, {"Writer", 3},  {"Athlete", 2}, {"OfficeHolder", 2},
    {"Organisation", 1},  {"Company", 8}, {"Band", 8},    {"Place", 0},
    {"Country", 11},      {"Work", 0},    {"Album", 13},  {"Film", 13},
    {"Book", 13},         {"Song", 13},
};

struct Tag {
  const char* name;
  int tag_class;
};
constexpr Tag kTags[] = {
    {"Bob_Dylan", 4},
    {"Elvis_Presley", 4},
    {"Madonna_(entertainer)", 4},
    {"Michael_Jackson", 4},
    {"Frank_Sinatra", 4},
    {"Bob_Marley", 4},
    {"David_Bowie", 4},
    {"Johnny_Cash", 4},
    {"Whitney_Houston", 4},
    {"Shakira", 4},
    {"William_Shakespeare", 5},
    {"Leo_Tolstoy", 5},
    {"Mark_Twain", 5},
    {"Charles_Dickens", 5},
    {"Jane_Austen", 5},
    {"Franz_Kafka", 5},
    {"Gabriel_Garcia_Marquez", 5},
    {"Haruki_Murakami", 5},
    {"Pele", 6},
    {"Diego_Maradona", 6},
    {"Michael_Jordan", 6},
    {"Roger_Federer", 6},
    {"Usain_Bolt", 6},
    {"Serena_Williams", 6},
    {"Lionel_Messi", 6},
    {"Muhammad_Ali", 6},
    {"Abraham_Lincoln", 7},
    {"Winston_Churchill", 7},
    {"Nelson_Mandela", 7},
    {"Mahatma_Gandhi", 7},
    {"Napoleon", 7},
    {"Julius_Caesar", 7},
    {"Genghis_Khan", 7},
    {"Alexander_the_Great", 7},
    {"Google", 9},
    {"Apple_Inc.", 9},
    {"Microsoft", 9},
    {"Toyota", 9},
    {"Samsung", 9},
    {"Nokia", 9},
    {"The_Beatles", 10},
    {"Queen_(band)", 10},
    {"The_Rolling_Stones", 10},
    {"ABBA", 10},
    {"Pink_Floyd", 10},
    {"Metallica", 10},
    {"U2", 10},
    {"Nirvana_(band)", 10},
    {"Germany", 12},
    {"China", 12},
    {"Brazil", 12},
    {"India", 12},
    {"France", 12},
    {"Japan", 12},
    {"Mexico", 12},
    {"Egypt", 12},
    {"Thriller_(album)", 14},
    {"Abbey_Road", 14},
    {"Nevermind", 14},
    {"The_Dark_Side_of_the_Moon", 14},
    {"Casablanca_(film)", 15},
    {"The_Godfather", 15},
    {"Titanic_(1997_film)", 15},
    {"Star_Wars", 15},
    {"Metropolis_(1927_film)", 15},
    {"Seven_Samurai", 15},
    {"Don_Quixote", 16},
    {"War_and_Peace", 16},
    {"One_Hundred_Years_of_Solitude", 16},
    {"The_Odyssey", 16},
    {"Hamlet", 16},
    {"Moby-Dick", 16},
    {"Imagine_(song)", 17},
    {"Yesterday_(song)", 17},
    {"Bohemian_Rhapsody", 17},
    {"Hey_Jude", 17},
    {"Like_a_Rolling_Stone", 17},
};
constexpr uint32_t kNumTags = std::size(kTags);

// The first half female, the second half male.
constexpr const char* kFirstNames[] = {
    "Maria", "Anna",  "Mei",    "Yuki",  "Fatima", "Sofia", "Olga",    "Emma",
    "Aisha", "Lucia", "Priya",  "Chloe", "Ines",   "Hana",  "Zofia",   "Amara",
    "Laura", "Elena", "Lin",    "Grace", "Jose",   "Wei",   "Hiroshi", "Ahmed",
    "Ivan",  "John",  "Carlos", "Raj",   "Pierre", "Hans",  "Marco",   "Chen",
    "Kwame", "Luis",  "Jan",    "David", "Ali",    "Pablo", "Minh",    "Jack",
};
constexpr uint32_t kNumFirstNames = std::size(kFirstNames);
constexpr const char* kLastNames[] = {
    "Zhang",  "Wang",      "Li",       "Singh",  "Kumar",   "Sato",    "Suzuki",
    "Garcia", "Lopez",     "Martin",   "Muller", "Schmidt", "Rossi",   "Smith",
    "Jones",  "Nowak",     "Ivanov",   "Okafor", "Hassan",  "Mwangi",  "Silva",
    "Santos", "Nguyen",    "Tran",     "Brown",  "Wilson",  "Dubois",  "Moreau",
    "Alonso", "Fernandez", "Kowalski", "Petrov", "Ali",     "Mohamed", "Kim",
    "Park",   "Tanaka",    "Chen",     "Taylor", "Novak",
};
constexpr const char* kBrowsers[] = {"Firefox", "Chrome", "Internet Explorer",
                                     "Safari", "Opera"};
constexpr double kBrowserWeights[] = {0.35, 0.35, 0.2, 0.07, 0.03};
constexpr const char* kEmailDomains[] = {"gmail.com", "yahoo.com",
                                         "hotmail.com", "gmx.com", "zoho.com"};
constexpr const char* kWords[] = {
    "about",    "the",     "great",   "new",    "album",  "song",   "film",
    "book",     "life",    "war",     "peace",  "world",  "music",  "history",
    "people",   "city",    "country", "game",   "team",   "player", "story",
    "love",     "time",    "year",    "best",   "first",  "last",   "famous",
    "old",      "young",   "king",    "queen",  "river",  "island", "empire",
    "republic", "band",    "record",  "tour",   "award",  "novel",  "poem",
    "writer",   "painter", "science", "theory", "nature", "really", "think",
    "agree",    "maybe",   "never",   "always", "sure",   "cool",   "nice",
    "thanks",   "yes",     "no",      "ok",     "lol",    "right",  "wrong",
    "wow",
};
constexpr uint32_t kNumWords = std::size(kWords);

// --- Output files ----------------------------------------------------------

enum File : uint32_t {
  kOrganisation,
  kPlace,
  kTag,
  kTagClass,
  kPerson,
  kForum,
  kPost,
  kComment,
  kOrganisationIsLocatedInPlace,
  kPlaceIsPartOfPlace,
  kTagHasTypeTagClass,
  kTagClassIsSubclassOfTagClass,
  kPersonIsLocatedInPlace,
  kPersonKnowsPerson,
  kPersonHasInterestTag,
  kPersonLikesPost,
  kPersonLikesComment,
  kPersonStudyAtOrganisation,
  kPersonWorkAtOrganisation,
  kForumHasModeratorPerson,
  kForumHasMemberPerson,
  kForumHasTagTag,
  kForumContainerOfPost,
  kPostHasCreatorPerson,
  kPostIsLocatedInPlace,
  kPostHasTagTag,
  kCommentHasCreatorPerson,
  kCommentIsLocatedInPlace,
  kCommentReplyOfPost,
  kCommentReplyOfComment,
  kCommentHasTagTag,
  kNumFiles,
};

struct FileSpec {
  const char* path;
  const char* header;
};

// As in the official csv_composite-longdateformatter files (and as
// graph/loader.cc expects them).
constexpr FileSpec kFileSpecs[kNumFiles] = {
    {"static/organisation_0_0.csv", "id|type|name|url"},
    {"static/place_0_0.csv", "id|name|url|type"},
    {"static/tag_0_0.csv", "id|name|url"},
    {"static/tagclass_0_0.csv", "id|name|url"},
    {"dynamic/person_0_0.csv",
     "id|firstName|lastName|gender|birthday|creationDate|locationIP|"
     "browserUsed|language|email"},
    {"dynamic/forum_0_0.csv", "id|title|creationDate"},
    {"dynamic/post_0_0.csv",
     "id|imageFile|creationDate|locationIP|browserUsed|language|content|"
     "length"},
    {"dynamic/comment_0_0.csv",
     "id|creationDate|locationIP|browserUsed|content|length"},
    {"static/organisation_isLocatedIn_place_0_0.csv",
     "Organisation.id|Place.id"},
    {"static/place_isPartOf_place_0_0.csv", "Place.id|Place.id"},
    {"static/tag_hasType_tagclass_0_0.csv", "Tag.id|TagClass.id"},
    {"static/tagclass_isSubclassOf_tagclass_0_0.csv",
     "TagClass.id|TagClass.id"},
    {"dynamic/person_isLocatedIn_place_0_0.csv", "Person.id|Place.id"},
    {"dynamic/person_knows_person_0_0.csv", "Person.id|Person.id|creationDate"},
    {"dynamic/person_hasInterest_tag_0_0.csv", "Person.id|Tag.id"},
    {"dynamic/person_likes_post_0_0.csv", "Person.id|Post.id|creationDate"},
    {"dynamic/person_likes_comment_0_0.csv",
     "Person.id|Comment.id|creationDate"},
    {"dynamic/person_studyAt_organisation_0_0.csv",
     "Person.id|Organisation.id|classYear"},
    {"dynamic/person_workAt_organisation_0_0.csv",
     "Person.id|Organisation.id|workFrom"},
    {"dynamic/forum_hasModerator_person_0_0.csv", "Forum.id|Person.id"},
    {"dynamic/forum_hasMember_person_0_0.csv", "Forum.id|Person.id|joinDate"},
    {"dynamic/forum_hasTag_tag_0_0.csv", "Forum.id|Tag.id"},
    {"dynamic/forum_containerOf_post_0_0.csv", "Forum.id|Post.id"},
    {"dynamic/post_hasCreator_person_0_0.csv", "Post.id|Person.id"},
    {"dynamic/post_isLocatedIn_place_0_0.csv", "Post.id|Place.id"},
    {"dynamic/post_hasTag_tag_0_0.csv", "Post.id|Tag.id"},
    {"dynamic/comment_hasCreator_person_0_0.csv", "Comment.id|Person.id"},
    {"dynamic/comment_isLocatedIn_place_0_0.csv", "Comment.id|Place.id"},
    {"dynamic/comment_replyOf_post_0_0.csv", "Comment.id|Post.id"},
    {"dynamic/comment_replyOf_comment_0_0.csv", "Comment.id|Comment.id"},
    {"dynamic/comment_hasTag_tag_0_0.csv", "Comment.id|Tag.id"},
};

absl::Status ErrnoError(const std::string& path, std::string_view what,
                        int err) {
  std::string message =
      absl::StrCat(path, ": ", Av(what), ": ", std::strerror(err));
  switch (err) {
    case ENOSPC:
    case EDQUOT:
      return absl::ResourceExhaustedError(message);
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

// A '|'-separated file written through a 1 MiB buffer. A write error is kept
// (later rows are dropped) and returned by status() and Close(), so the row
// loops need not check every row.
class CsvFile {
 public:
  CsvFile() = default;
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;
  ~CsvFile() {
    if (fd_ >= 0) ::close(fd_);
  }

  absl::Status Open(const std::string& path, std::string_view header) {
    path_ = path;
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd_ < 0) return ErrnoError(path, "cannot create", errno);
    buf_.reserve(kBufferSize + 4096);
    buf_.append(header.data(), header.size());
    buf_.push_back('\n');
    return absl::OkStatus();
  }

  template <typename... T>
  void Row(const T&... fields) {
    bool first = true;
    ((Sep(&first), Append(fields)), ...);
    buf_.push_back('\n');
    ++rows_;
    if (buf_.size() >= kBufferSize) Flush();
  }

  absl::Status Close() {
    Flush();
    if (fd_ >= 0 && ::close(fd_) != 0 && status_.ok()) {
      status_ = ErrnoError(path_, "cannot close", errno);
    }
    fd_ = -1;
    return status_;
  }

  const absl::Status& status() const { return status_; }
  uint64_t rows() const { return rows_; }
  uint64_t bytes() const { return bytes_ + buf_.size(); }

 private:
  static constexpr size_t kBufferSize = 1 << 20;

  void Sep(bool* first) {
    if (!*first) buf_.push_back('|');
    *first = false;
  }
  template <typename T>
  void Append(const T& v) {
    if constexpr (std::is_integral_v<T>) {
      char tmp[24];
      const auto [end, ec] = std::to_chars(tmp, tmp + sizeof(tmp), v);
      buf_.append(tmp, end);
    } else {
      const std::string_view s(v);
      buf_.append(s.data(), s.size());
    }
  }

  void Flush() {
    if (buf_.empty()) return;
    if (status_.ok() && fd_ >= 0) {
      size_t done = 0;
      while (done < buf_.size()) {
        const ssize_t n = ::write(fd_, buf_.data() + done, buf_.size() - done);
        if (n < 0) {
          if (errno == EINTR) continue;
          status_ = ErrnoError(path_, "cannot write", errno);
          break;
        }
        done += static_cast<size_t>(n);
      }
    }
    bytes_ += buf_.size();
    buf_.clear();
  }

  std::string path_;
  int fd_ = -1;
  std::string buf_;
  uint64_t rows_ = 0;
  uint64_t bytes_ = 0;
  absl::Status status_;
};

// --- The generator ---------------------------------------------------------

struct Person {
  int64_t creation;
  uint32_t ip;
  uint16_t city;
  uint8_t first_name;
  uint8_t last_name;
  uint8_t browser;
  uint32_t interests_begin;  // Into Generator::interests_.
  uint32_t interests_end;
};

// A group forum a person belongs to, for choosing where it posts.
struct Membership {
  uint32_t person;
  uint32_t group;  // Index into groups (forum id persons + group).
  int64_t join;
};

class Generator {
 public:
  Generator(const std::string& dir, const SnbGenOptions& options)
      : dir_(dir), options_(options), n_(options.persons) {}

  absl::Status Run() {
    for (const char* sub : {"static", "dynamic"}) {
      const std::string path = (fs::path(dir_) / sub).string();
      if (::mkdir(path.c_str(), 0755) != 0) {
        return ErrnoError(path, "cannot create directory", errno);
      }
    }
    files_.resize(kNumFiles);
    for (uint32_t i = 0; i < kNumFiles; ++i) {
      files_[i] = std::make_unique<CsvFile>();
      ZVERSE_RETURN_IF_ERROR(
          files_[i]->Open((fs::path(dir_) / kFileSpecs[i].path).string(),
                          kFileSpecs[i].header));
    }
    WriteStatic();
    ZVERSE_RETURN_IF_ERROR(Persons());
    ZVERSE_RETURN_IF_ERROR(Knows());
    ZVERSE_RETURN_IF_ERROR(Forums());
    ZVERSE_RETURN_IF_ERROR(Messages());
    for (auto& f : files_) ZVERSE_RETURN_IF_ERROR(f->Close());
    return absl::OkStatus();
  }

  void FillStats(SnbGenStats* stats) const {
    stats->rows.clear();
    stats->bytes = 0;
    for (uint32_t i = 0; i < kNumFiles; ++i) {
      stats->rows.emplace_back(kFileSpecs[i].path, files_[i]->rows());
      stats->bytes += files_[i]->bytes();
    }
    stats->persons = files_[kPerson]->rows();
    stats->knows = files_[kPersonKnowsPerson]->rows();
    stats->forums = files_[kForum]->rows();
    stats->posts = files_[kPost]->rows();
    stats->comments = files_[kComment]->rows();
  }

 private:
  CsvFile& F(File f) { return *files_[f]; }

  // The first write error of any file, to stop early.
  absl::Status FileStatus() const {
    for (const auto& f : files_) {
      if (!f->status().ok()) return f->status();
    }
    return absl::OkStatus();
  }

  // Reports progress about once a second; returns a write error, if any.
  absl::Status Tick(std::string_view phase, uint64_t done, uint64_t total,
                    std::string_view unit) {
    const Clock::time_point now = Clock::now();
    if (now - last_progress_ < std::chrono::seconds(1)) return FileStatus();
    last_progress_ = now;
    if (options_.progress) {
      options_.progress(
          absl::StrCat(Av(phase), ": ", done, "/", total, " ", Av(unit)));
    }
    return FileStatus();
  }

  void WriteStatic() {
    CsvFile& place = F(kPlace);
    CsvFile& part_of = F(kPlaceIsPartOfPlace);
    const std::string dbr = "http://dbpedia.org/resource/";
    for (uint32_t c = 0; c < kNumContinents; ++c) {
      place.Row(ContinentPlace(c), kContinents[c], dbr + kContinents[c],
                "continent");
    }
    for (uint32_t c = 0; c < kNumCountries; ++c) {
      place.Row(CountryPlace(c), kCountries[c].name, dbr + kCountries[c].name,
                "country");
      part_of.Row(CountryPlace(c), ContinentPlace(kCountries[c].continent));
    }
    for (uint32_t city = 0; city < kNumCities; ++city) {
      const char* name = kCountries[CountryOfCity(city)].cities[city % 3];
      place.Row(CityPlace(city), name, dbr + name, "city");
      part_of.Row(CityPlace(city), CountryPlace(CountryOfCity(city)));
    }

    CsvFile& org = F(kOrganisation);
    CsvFile& org_in = F(kOrganisationIsLocatedInPlace);
    for (uint32_t c = 0; c < kNumCountries; ++c) {
      for (uint32_t k = 0; k < kCompaniesPerCountry; ++k) {
        const std::string name =
            absl::StrCat(kCountries[c].name, "_", kCompanySuffixes[k]);
        org.Row(CompanyOrg(c, k), "company", name, dbr + name);
        org_in.Row(CompanyOrg(c, k), CountryPlace(c));
      }
    }
    for (uint32_t city = 0; city < kNumCities; ++city) {
      const std::string name = absl::StrCat(
          "University_of_", kCountries[CountryOfCity(city)].cities[city % 3]);
      org.Row(UniversityOrg(city), "university", name, dbr + name);
      org_in.Row(UniversityOrg(city), CityPlace(city));
    }

    const std::string dbo = "http://dbpedia.org/ontology/";
    for (uint32_t i = 0; i < std::size(kTagClasses); ++i) {
      F(kTagClass).Row(i, kTagClasses[i].name, dbo + kTagClasses[i].name);
      if (kTagClasses[i].parent >= 0) {
        F(kTagClassIsSubclassOfTagClass).Row(i, kTagClasses[i].parent);
      }
    }
    for (uint32_t i = 0; i < kNumTags; ++i) {
      F(kTag).Row(i, kTags[i].name, dbr + kTags[i].name);
      F(kTagHasTypeTagClass).Row(i, kTags[i].tag_class);
    }
  }

  // Zipf-like popularity: a few tags and countries are far more common.
  static std::vector<double> ZipfWeights(uint32_t n, double s) {
    std::vector<double> w(n);
    for (uint32_t i = 0; i < n; ++i) w[i] = 1 / std::pow(i + 1.0, s);
    return w;
  }

  absl::Status Persons() {
    Rng rng(options_.seed, kPersonStream);
    const AliasTable countries(ZipfWeights(kNumCountries, 0.8));
    const AliasTable tags(ZipfWeights(kNumTags, 0.9));
    const AliasTable browsers(std::vector<double>(std::begin(kBrowserWeights),
                                                  std::end(kBrowserWeights)));
    // Creation dates, sorted so that ids follow creation order.
    std::vector<int64_t> created(n_);
    for (int64_t& t : created) t = rng.Range(kSnbStartMillis, kPersonEndMillis);
    std::sort(created.begin(), created.end());

    persons_.resize(n_);
    CsvFile& person_file = F(kPerson);
    std::string languages, emails;
    std::vector<uint32_t> picked;
    for (uint64_t i = 0; i < n_; ++i) {
      Person& p = persons_[i];
      p.creation = created[i];
      const uint32_t country = countries.Draw(rng);
      p.city = static_cast<uint16_t>(country * 3 + rng.Uniform(3));
      p.first_name = static_cast<uint8_t>(rng.Uniform(kNumFirstNames));
      p.last_name = static_cast<uint8_t>(rng.Uniform(std::size(kLastNames)));
      p.browser = static_cast<uint8_t>(browsers.Draw(rng));
      p.ip = static_cast<uint32_t>(((1 + rng.Uniform(223)) << 24) |
                                   rng.Uniform(1 << 24));
      const bool female = p.first_name < kNumFirstNames / 2;
      const int64_t birth_day = static_cast<int64_t>(rng.Uniform(16 * 365));
      const int64_t birthday = kBirthdayStartMillis + birth_day * kDay;
      const int64_t birth_year = 1980 + birth_day / 365;

      const char* lang = kCountries[country].language;
      languages = lang;
      if (std::string_view(lang) != "en") absl::StrAppend(&languages, ";en");
      const char* first = kFirstNames[p.first_name];
      emails.clear();
      const uint64_t n_emails = 1 + rng.Uniform(3);
      const uint64_t domain0 = rng.Uniform(std::size(kEmailDomains));
      for (uint64_t e = 0; e < n_emails; ++e) {
        if (e > 0) emails.push_back(';');
        absl::StrAppend(
            &emails, first, i, "@",
            kEmailDomains[(domain0 + e) % std::size(kEmailDomains)]);
      }
      person_file.Row(i, first, kLastNames[p.last_name],
                      female ? "female" : "male", birthday, p.creation,
                      IpString(p.ip), kBrowsers[p.browser], languages, emails);
      F(kPersonIsLocatedInPlace).Row(i, CityPlace(p.city));

      // Interests: 1 + about 3 distinct tags.
      const uint64_t n_interests = 1 + rng.Geometric(3, 9);
      picked.clear();
      for (uint64_t k = 0; k < n_interests * 3 && picked.size() < n_interests;
           ++k) {
        const uint32_t t = tags.Draw(rng);
        if (std::find(picked.begin(), picked.end(), t) == picked.end()) {
          picked.push_back(t);
        }
      }
      p.interests_begin = static_cast<uint32_t>(interests_.size());
      for (uint32_t t : picked) {
        interests_.push_back(static_cast<uint8_t>(t));
        F(kPersonHasInterestTag).Row(i, t);
      }
      p.interests_end = static_cast<uint32_t>(interests_.size());

      // Most study, at home or (sometimes) abroad; most work, mostly at home.
      int64_t class_year = birth_year + 22 + rng.Range(0, 3);
      if (rng.Bernoulli(0.8)) {
        const uint32_t city =
            rng.Bernoulli(0.9) ? p.city
                               : static_cast<uint32_t>(rng.Uniform(kNumCities));
        F(kPersonStudyAtOrganisation).Row(i, UniversityOrg(city), class_year);
      }
      const uint64_t n_jobs = rng.Geometric(1.2, 3);
      uint64_t last_job = ~uint64_t{0};
      for (uint64_t j = 0; j < n_jobs; ++j) {
        const uint32_t c =
            rng.Bernoulli(0.8)
                ? country
                : static_cast<uint32_t>(rng.Uniform(kNumCountries));
        const uint64_t org = CompanyOrg(
            c, static_cast<uint32_t>(rng.Uniform(kCompaniesPerCountry)));
        if (org == last_job) continue;
        last_job = org;
        const int64_t from = std::min<int64_t>(class_year + 1 + 2 * j, 2012);
        F(kPersonWorkAtOrganisation).Row(i, org, from);
      }
      if ((i & 0xffff) == 0) {
        ZVERSE_RETURN_IF_ERROR(Tick("persons", i, n_, "persons"));
      }
    }
    return FileStatus();
  }

  static std::string IpString(uint32_t ip) {
    return absl::StrCat(ip >> 24, ".", (ip >> 16) & 0xff, ".", (ip >> 8) & 0xff,
                        ".", ip & 0xff);
  }

  // Chung-Lu: endpoints drawn with probability proportional to a
  // heavy-tailed weight, so a person's expected degree is proportional to
  // its weight; a self loop or a pair already drawn is drawn again.
  absl::Status Knows() {
    Rng rng(options_.seed, kKnowsStream);
    const uint64_t max_pairs = n_ * (n_ - 1) / 8;
    const uint64_t m = std::min<uint64_t>(
        static_cast<uint64_t>(
            std::llround(options_.knows_per_person * static_cast<double>(n_))),
        max_pairs);
    const double mean_degree = 2.0 * static_cast<double>(m) / n_;
    mean_degree_ = mean_degree;

    // Pareto (shape 2) weights, shifted down so that light users exist, and
    // capped so that no one expects more than a fifth of everyone (at most
    // 5000) as friends: otherwise a hub in a small network would keep
    // drawing pairs it already has.
    std::vector<double> w(n_);
    for (double& x : w) x = 1 / std::sqrt(rng.UnitOpen()) - 0.7;
    const double cap_degree = std::max(
        2 * mean_degree, std::min(static_cast<double>(n_) / 5, 5000.0));
    for (int iter = 0; iter < 5 && m > 0; ++iter) {
      double total = 0;
      for (double x : w) total += x;
      const double cap = cap_degree * total / (2.0 * static_cast<double>(m));
      for (double& x : w) x = std::min(x, cap);
    }
    const AliasTable table(w);
    w = {};

    absl::flat_hash_set<uint64_t> seen;
    seen.reserve(m);
    std::vector<uint64_t> pairs;
    pairs.reserve(m);
    uint64_t attempts = 0;
    while (pairs.size() < m) {
      ++attempts;
      const uint64_t a = table.Draw(rng);
      // If the weights leave too few free pairs (tiny scales), fall back to
      // uniform partners, which always find room (m <= n(n-1)/8).
      const uint64_t b =
          attempts > 4 * m + 1000 ? rng.Uniform(n_) : table.Draw(rng);
      if (a == b) continue;
      const uint64_t key = std::min(a, b) * n_ + std::max(a, b);
      if (!seen.insert(key).second) continue;
      pairs.push_back(key);
      if ((pairs.size() & 0xfffff) == 0) {
        ZVERSE_RETURN_IF_ERROR(Tick("knows", pairs.size(), m, "pairs"));
      }
    }
    seen = {};
    std::sort(pairs.begin(), pairs.end());

    // Adjacency (both directions) with each pair's date, for forums and
    // messages.
    adj_begin_.assign(n_ + 1, 0);
    for (uint64_t key : pairs) {
      ++adj_begin_[key / n_ + 1];
      ++adj_begin_[key % n_ + 1];
    }
    for (uint64_t i = 0; i < n_; ++i) adj_begin_[i + 1] += adj_begin_[i];
    adj_.resize(2 * pairs.size());
    adj_date_.resize(2 * pairs.size());
    std::vector<uint64_t> fill(adj_begin_.begin(), adj_begin_.end() - 1);

    Rng date_rng(options_.seed, kKnowsDateStream);
    CsvFile& knows = F(kPersonKnowsPerson);
    for (uint64_t k = 0; k < pairs.size(); ++k) {
      const uint64_t a = pairs[k] / n_;
      const uint64_t b = pairs[k] % n_;
      // Friendships form soon after the later person joins, mostly.
      const int64_t later =
          std::max(persons_[a].creation, persons_[b].creation);
      const int64_t span = kSnbEndMillis - later;  // At least 61 days.
      int64_t delta =
          static_cast<int64_t>(date_rng.Exp(static_cast<double>(span) / 6));
      if (delta >= span) delta = date_rng.Range(0, span);
      const int64_t date = later + delta;
      knows.Row(a, b, date);
      adj_[fill[a]] = static_cast<uint32_t>(b);
      adj_date_[fill[a]++] = date;
      adj_[fill[b]] = static_cast<uint32_t>(a);
      adj_date_[fill[b]++] = date;
      if ((k & 0xfffff) == 0) {
        ZVERSE_RETURN_IF_ERROR(Tick("knows", k, pairs.size(), "pairs dated"));
      }
    }
    return FileStatus();
  }

  uint64_t Degree(uint64_t p) const {
    return adj_begin_[p + 1] - adj_begin_[p];
  }

  // A random friend of `p` created before `before`, or -1 (after a few
  // tries).
  int64_t FriendBefore(Rng& rng, uint64_t p, int64_t before) const {
    const uint64_t deg = Degree(p);
    if (deg == 0) return -1;
    for (int t = 0; t < 3; ++t) {
      const uint32_t f = adj_[adj_begin_[p] + rng.Uniform(deg)];
      if (persons_[f].creation < before) return f;
    }
    return -1;
  }

  int64_t WallCreation(uint64_t p) const {
    return persons_[p].creation + 10 * kSecond;
  }

  // Walls: forum id = person id, moderated by the person, tagged with its
  // interests; a quarter of its friends are members from the day they
  // became friends. Groups: forum id persons + g, a random moderator, one
  // tag, a heavy-tailed number of random members.
  absl::Status Forums() {
    Rng rng(options_.seed, kForumStream);
    CsvFile& forum = F(kForum);
    CsvFile& moderator = F(kForumHasModeratorPerson);
    CsvFile& member = F(kForumHasMemberPerson);
    CsvFile& forum_tag = F(kForumHasTagTag);
    for (uint64_t p = 0; p < n_; ++p) {
      const Person& person = persons_[p];
      const int64_t created = WallCreation(p);
      forum.Row(p,
                absl::StrCat("Wall of ", kFirstNames[person.first_name], " ",
                             kLastNames[person.last_name]),
                created);
      moderator.Row(p, p);
      for (uint32_t t = person.interests_begin; t < person.interests_end; ++t) {
        forum_tag.Row(p, interests_[t]);
      }
      for (uint64_t k = adj_begin_[p]; k < adj_begin_[p + 1]; ++k) {
        if (!rng.Bernoulli(0.25)) continue;
        const int64_t join =
            std::min(std::max(adj_date_[k], created) + rng.Range(0, kHour),
                     kSnbEndMillis);
        member.Row(p, adj_[k], join);
      }
      if ((p & 0xffff) == 0) {
        ZVERSE_RETURN_IF_ERROR(Tick("forums", p, n_, "walls"));
      }
    }

    const uint64_t groups = std::max<uint64_t>(1, n_ / 50);
    const AliasTable tags(ZipfWeights(kNumTags, 0.9));
    std::vector<uint32_t> members;
    group_tag_.resize(groups);
    for (uint64_t g = 0; g < groups; ++g) {
      const uint64_t id = n_ + g;
      const uint64_t mod = rng.Uniform(n_);
      const int64_t created =
          rng.Range(persons_[mod].creation + kHour, kSnbEndMillis - 30 * kDay);
      const uint32_t tag = tags.Draw(rng);
      group_tag_[g] = static_cast<uint8_t>(tag);
      const uint32_t country = CountryOfCity(persons_[mod].city);
      forum.Row(id,
                absl::StrCat("Group for ", kTags[tag].name, " in ",
                             kCountries[country].name),
                created);
      moderator.Row(id, mod);
      forum_tag.Row(id, tag);
      // Pareto (shape 1.5) sizes: mean about 30, a few large groups.
      const double size = 10 / std::pow(rng.UnitOpen(), 1 / 1.5);
      const uint64_t want =
          std::min<uint64_t>(static_cast<uint64_t>(size), n_ / 2);
      members.clear();
      for (uint64_t k = 0; k < want; ++k) {
        members.push_back(static_cast<uint32_t>(rng.Uniform(n_)));
      }
      std::sort(members.begin(), members.end());
      members.erase(std::unique(members.begin(), members.end()), members.end());
      for (uint32_t q : members) {
        const int64_t from = std::max(created, persons_[q].creation) + kHour;
        int64_t delta = static_cast<int64_t>(rng.Exp(30.0 * kDay));
        const int64_t join = from + delta;
        if (join >= kSnbEndMillis) continue;
        member.Row(id, q, join);
        // Members may post from join on, if that leaves them a few days.
        if (join < kSnbEndMillis - 3 * kDay) {
          memberships_.push_back({q, static_cast<uint32_t>(g), join});
        }
      }
    }
    std::sort(memberships_.begin(), memberships_.end(),
              [](const Membership& a, const Membership& b) {
                return a.person != b.person ? a.person < b.person
                                            : a.group < b.group;
              });
    membership_begin_.assign(n_ + 1, 0);
    for (const Membership& ms : memberships_)
      ++membership_begin_[ms.person + 1];
    for (uint64_t i = 0; i < n_; ++i) {
      membership_begin_[i + 1] += membership_begin_[i];
    }
    return FileStatus();
  }

  void Words(Rng& rng, uint64_t count, std::string* out) {
    out->clear();
    for (uint64_t i = 0; i < count; ++i) {
      if (i > 0) out->push_back(' ');
      out->append(kWords[rng.Uniform(kNumWords)]);
    }
  }

  // Likes of a message created at `date` by `creator`: friends of the
  // creator, each at most once, after the message and after they joined.
  void Likes(Rng& rng, File file, uint64_t message, uint64_t creator,
             int64_t date, double mean) {
    const uint64_t n = rng.Geometric(mean, 20);
    likers_.clear();
    for (uint64_t k = 0; k < n; ++k) {
      const int64_t when =
          date + 1 + rng.Range(0, std::min(7 * kDay, kSnbEndMillis - date - 1));
      const int64_t liker = FriendBefore(rng, creator, when);
      if (liker < 0 ||
          std::find(likers_.begin(), likers_.end(), liker) != likers_.end()) {
        continue;
      }
      likers_.push_back(liker);
      F(file).Row(liker, message, when);
    }
  }

  // Posts, their comment threads and likes, person by person. Message ids
  // (shared by posts and comments) count up: a post, then its comments.
  absl::Status Messages() {
    Rng rng(options_.seed, kMessageStream);
    const AliasTable tags(ZipfWeights(kNumTags, 0.9));
    CsvFile& post_file = F(kPost);
    CsvFile& comment_file = F(kComment);
    uint64_t next_id = 0;
    std::string content;
    std::vector<uint32_t> post_tags;
    struct ThreadEntry {
      uint64_t id;
      int64_t date;
    };
    std::vector<ThreadEntry> thread;
    for (uint64_t p = 0; p < n_; ++p) {
      const Person& person = persons_[p];
      const uint32_t country = CountryOfCity(person.city);
      const std::string ip = IpString(person.ip);
      // About 10 posts a person, more for those with more friends.
      const double mean_posts =
          10 * (static_cast<double>(Degree(p)) + 4) / (mean_degree_ + 4);
      const uint64_t n_posts = rng.Geometric(mean_posts, 5000);
      const uint64_t n_groups = membership_begin_[p + 1] - membership_begin_[p];
      for (uint64_t k = 0; k < n_posts; ++k) {
        // Where: the wall, or (30%) one of the person's groups.
        uint64_t forum = p;
        int64_t from = WallCreation(p);
        post_tags.clear();
        if (n_groups > 0 && rng.Bernoulli(0.3)) {
          const Membership& ms =
              memberships_[membership_begin_[p] + rng.Uniform(n_groups)];
          forum = n_ + ms.group;
          from = ms.join;
          post_tags.push_back(group_tag_[ms.group]);
        } else if (person.interests_end > person.interests_begin) {
          post_tags.push_back(interests_[person.interests_begin +
                                         rng.Uniform(person.interests_end -
                                                     person.interests_begin)]);
        }
        if (rng.Bernoulli(0.3)) {
          const uint32_t t = tags.Draw(rng);
          if (post_tags.empty() || post_tags[0] != t) post_tags.push_back(t);
        }
        // At least a day before the end, so replies fit before it.
        const int64_t date = rng.Range(from + 1, kSnbEndMillis - kDay);
        const uint64_t id = next_id++;
        if (rng.Bernoulli(0.25)) {
          post_file.Row(id, absl::StrCat("photo", id, ".jpg"), date, ip,
                        kBrowsers[person.browser], "", "", 0);
        } else {
          Words(rng, 3 + rng.Geometric(15, 200), &content);
          post_file.Row(id, "", date, ip, kBrowsers[person.browser],
                        kCountries[country].language, content, content.size());
        }
        F(kPostHasCreatorPerson).Row(id, p);
        F(kPostIsLocatedInPlace).Row(id, CountryPlace(country));
        F(kForumContainerOfPost).Row(forum, id);
        for (uint32_t t : post_tags) F(kPostHasTagTag).Row(id, t);
        Likes(rng, kPersonLikesPost, id, p, date, 1.0);

        // The thread: each comment replies to the post or to an earlier
        // comment, strictly later than it and before the end (the gap to
        // the end at least halves at each level).
        thread.clear();
        const uint64_t n_comments = rng.Geometric(2, 100);
        for (uint64_t c = 0; c < n_comments; ++c) {
          bool to_post = thread.empty() || rng.Bernoulli(0.5);
          ThreadEntry parent{id, date};
          if (!to_post) {
            parent = thread[rng.Uniform(thread.size())];
            if (kSnbEndMillis - parent.date < 2) {
              to_post = true;
              parent = {id, date};
            }
          }
          const int64_t gap = kSnbEndMillis - parent.date;
          const int64_t delta =
              1 + std::min(static_cast<int64_t>(rng.Exp(2.0 * kHour)),
                           (gap - 1) / 2);
          const int64_t when = parent.date + delta;
          const int64_t friend_id = FriendBefore(rng, p, when);
          const uint64_t author =
              friend_id >= 0 ? static_cast<uint64_t>(friend_id) : p;
          const Person& a = persons_[author];
          const uint64_t cid = next_id++;
          Words(rng, 1 + rng.Geometric(6, 100), &content);
          comment_file.Row(cid, when, IpString(a.ip), kBrowsers[a.browser],
                           content, content.size());
          F(kCommentHasCreatorPerson).Row(cid, author);
          F(kCommentIsLocatedInPlace)
              .Row(cid, CountryPlace(CountryOfCity(a.city)));
          if (to_post) {
            F(kCommentReplyOfPost).Row(cid, id);
          } else {
            F(kCommentReplyOfComment).Row(cid, parent.id);
          }
          if (rng.Bernoulli(0.2)) {
            F(kCommentHasTagTag)
                .Row(cid, post_tags.empty()
                              ? tags.Draw(rng)
                              : post_tags[rng.Uniform(post_tags.size())]);
          }
          Likes(rng, kPersonLikesComment, cid, author, when, 0.5);
          thread.push_back({cid, when});
        }
      }
      if ((p & 0x3fff) == 0) {
        ZVERSE_RETURN_IF_ERROR(Tick("messages", p, n_, "persons' posts"));
      }
    }
    return FileStatus();
  }

  const std::string dir_;
  const SnbGenOptions& options_;
  const uint64_t n_;
  std::vector<std::unique_ptr<CsvFile>> files_;
  Clock::time_point last_progress_ = Clock::now();

  std::vector<Person> persons_;
  std::vector<uint8_t> interests_;
  double mean_degree_ = 0;
  std::vector<uint64_t> adj_begin_;  // CSR of knows, both directions.
  std::vector<uint32_t> adj_;
  std::vector<int64_t> adj_date_;
  std::vector<uint8_t> group_tag_;
  std::vector<Membership> memberships_;  // Sorted by person.
  std::vector<uint64_t> membership_begin_;
  std::vector<int64_t> likers_;
};

// What `dir` holds, if it is a directory that an earlier run could have
// written (only static/ and dynamic/); a message naming the stranger
// otherwise.
absl::Status CheckReplaceable(const fs::path& dir) {
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if ((name != "static" && name != "dynamic") || !e.is_directory(ec)) {
      return absl::FailedPreconditionError(absl::StrCat(
          dir.string(), " holds '", name,
          "', which snbgen does not write: refusing to replace it even with "
          "--force (remove it yourself)"));
    }
  }
  if (ec) return ErrnoError(dir.string(), "cannot list", ec.value());
  return absl::OkStatus();
}

// mkdtemp beside `base`: "<base><suffix>XXXXXX".
absl::StatusOr<fs::path> MakeTempDir(const fs::path& base,
                                     std::string_view suffix) {
  std::string tmpl = absl::StrCat(base.string(), Av(suffix), "XXXXXX");
  if (::mkdtemp(tmpl.data()) == nullptr) {
    return ErrnoError(tmpl, "cannot create directory", errno);
  }
  return fs::path(tmpl);
}

absl::Status CheckOptions(const SnbGenOptions& options) {
  if (options.persons < kSnbMinPersons || options.persons > kSnbMaxPersons) {
    return absl::InvalidArgumentError(
        absl::StrCat("persons must be in [", kSnbMinPersons, ", ",
                     kSnbMaxPersons, "], got ", options.persons));
  }
  if (!(options.knows_per_person >= 0 && options.knows_per_person <= 1000)) {
    return absl::InvalidArgumentError(
        absl::StrCat("knows_per_person must be in [0, 1000], got ",
                     options.knows_per_person));
  }
  return absl::OkStatus();
}

}  // namespace

uint64_t SnbGenStats::Rows(std::string_view file) const {
  for (const auto& [name, n] : rows) {
    if (name == file) return n;
  }
  return 0;
}

const std::vector<std::string>& SnbFiles() {
  static const std::vector<std::string>* const files = [] {
    auto* v = new std::vector<std::string>;
    for (const FileSpec& f : kFileSpecs) v->push_back(f.path);
    return v;
  }();
  return *files;
}

absl::StatusOr<SnbGenStats> GenerateSnb(const std::string& out_dir,
                                        const SnbGenOptions& options) {
  const Clock::time_point start = Clock::now();
  ZVERSE_RETURN_IF_ERROR(CheckOptions(options));
  if (out_dir.empty()) {
    return absl::InvalidArgumentError("the output directory is empty");
  }
  fs::path out = fs::path(out_dir).lexically_normal();
  if (out.filename().empty()) out = out.parent_path();  // "dir/".
  if (out.empty() || out.filename() == "." || out.filename() == "..") {
    return absl::InvalidArgumentError(absl::StrCat(
        "the output directory must name a directory, got '", out_dir, "'"));
  }
  std::error_code ec;
  bool replace = false;  // A non-empty out (with --force).
  const fs::file_status st = fs::symlink_status(out, ec);
  if (fs::exists(st)) {
    if (!fs::is_directory(st)) {
      return absl::FailedPreconditionError(
          absl::StrCat(out.string(), " exists and is not a directory"));
    }
    const bool empty = fs::is_empty(out, ec);
    if (ec) return ErrnoError(out.string(), "cannot list", ec.value());
    if (!empty) {
      if (!options.force) {
        return absl::FailedPreconditionError(absl::StrCat(
            out.string(),
            " is not empty (use --force to replace an earlier output)"));
      }
      ZVERSE_RETURN_IF_ERROR(CheckReplaceable(out));
      replace = true;
    }
  }
  const fs::path parent = out.has_parent_path() ? out.parent_path() : ".";
  fs::create_directories(parent, ec);
  if (ec) return ErrnoError(parent.string(), "cannot create", ec.value());

  ZVERSE_ASSIGN_OR_RETURN(fs::path tmp, MakeTempDir(out, ".partial-"));
  SnbGenStats stats;
  {
    Generator gen(tmp.string(), options);
    absl::Status s = gen.Run();
    if (!s.ok()) {
      fs::remove_all(tmp, ec);
      return s;
    }
    gen.FillStats(&stats);
  }

  // Move the result into place: onto an empty directory directly (rename
  // replaces it), over an earlier output by first moving that aside.
  fs::path old;
  if (replace) {
    absl::StatusOr<fs::path> aside = MakeTempDir(out, ".old-");
    if (!aside.ok()) {
      fs::remove_all(tmp, ec);
      return aside.status();
    }
    old = *aside;
    if (::rename(out.c_str(), old.c_str()) != 0) {
      const int err = errno;
      fs::remove_all(tmp, ec);
      fs::remove(old, ec);
      return ErrnoError(out.string(), "cannot move aside", err);
    }
  }
  if (::rename(tmp.c_str(), out.c_str()) != 0) {
    const int err = errno;
    fs::remove_all(tmp, ec);
    if (!old.empty() && ::rename(old.c_str(), out.c_str()) != 0) {
      return ErrnoError(
          out.string(),
          absl::StrCat("cannot rename ", tmp.string(),
                       " to it (the earlier output is at ", old.string(), ")"),
          err);
    }
    return ErrnoError(out.string(),
                      absl::StrCat("cannot rename ", tmp.string(), " to it"),
                      err);
  }
  if (!old.empty()) fs::remove_all(old, ec);
  stats.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return stats;
}

}  // namespace zverse::datasets
