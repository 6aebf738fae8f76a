#include "cli/commands.h"

#include <stdio.h>  // getline
#include <stdlib.h>

#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "absl/strings/str_split.h"
#include "cli/escape.h"
#include "kv/db.h"

namespace zverse::cli {
namespace {

}  // namespace

// --- Reporting -------------------------------------------------------------

int UsageError(const Invocation& inv, std::string_view message) {
  absl::FPrintF(inv.io.err, "error: %s\nRun 'zverse %s --help' for usage.\n",
                message, inv.command.name);
  return kExitUsage;
}

int UsageError(const Invocation& inv, const absl::Status& status) {
  return UsageError(inv, std::string(status.message()));
}

int Error(const Invocation& inv, const absl::Status& status) {
  absl::FPrintF(inv.io.err, "error: %s\n", status.message());
  return kExitError;
}

int NotFound(const Invocation& inv) {
  absl::FPrintF(inv.io.err, "not found\n");
  return kExitNotFound;
}

void Write(const Invocation& inv, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), inv.io.out);
}

// --- Arguments -------------------------------------------------------------

// Argument problems found here are usage errors: callers report them with
// UsageError (exit 2), before the database is touched.

// Positional argument `index` with its escapes decoded; `what` names it in
// errors.
absl::StatusOr<std::string> Arg(const Invocation& inv, size_t index,
                                std::string_view what) {
  absl::StatusOr<std::string> decoded = Unescape(inv.args.positional()[index]);
  if (!decoded.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("bad %s: %s", what, decoded.status().message()));
  }
  return decoded;
}

// The timestamp flag `--name`, or `fallback` if it is absent.
absl::StatusOr<kv::Timestamp> TimestampFlag(const Invocation& inv,
                                            std::string_view name,
                                            kv::Timestamp fallback) {
  const std::string* text = inv.args.Find(name);
  if (text == nullptr) return fallback;
  absl::StatusOr<kv::Timestamp> ts = ParseTimestamp(*text);
  if (!ts.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("--%s: %s", name, ts.status().message()));
  }
  return ts;
}

// --- Opening ---------------------------------------------------------------

// Opens a database that must exist already. Reads open it read-only, so that
// they never create or modify one.
absl::StatusOr<std::unique_ptr<kv::DB>> OpenExisting(const std::string& dir,
                                                     bool read_only) {
  std::error_code ec;
  if (!std::filesystem::exists(dir, ec)) {
    return absl::NotFoundError(absl::StrFormat(
        "no database at '%s': the directory does not exist", dir));
  }
  kv::Options options;
  options.create_if_missing = false;
  options.read_only = read_only;
  // A one-shot command: merging is `zverse compact`'s job (a background
  // merge would only be cancelled when the command exits).
  options.background_compaction = false;
  return kv::DB::Open(dir, options);
}

absl::StatusOr<std::unique_ptr<kv::DB>> OpenForRead(const std::string& dir) {
  return OpenExisting(dir, /*read_only=*/true);
}

// Writes create the database if it is missing.
absl::StatusOr<std::unique_ptr<kv::DB>> OpenForWrite(
    const std::string& dir, kv::SyncMode sync_mode = kv::SyncMode::kAlways) {
  kv::Options options;
  options.create_if_missing = true;
  options.sync_mode = sync_mode;
  options.background_compaction = false;  // As above.
  return kv::DB::Open(dir, options);
}

const std::string& DbDir(const Invocation& inv) {
  // ParseArgs guarantees --db is present (it is a required flag).
  return *inv.args.Find("db");
}

namespace {

// --- Commands --------------------------------------------------------------

// put and del: one commit, printing its timestamp.
int RunWrite(const Invocation& inv, bool is_delete) {
  absl::StatusOr<std::string> key = Arg(inv, 0, "KEY");
  if (!key.ok()) return UsageError(inv, key.status());
  absl::StatusOr<std::string> value =
      is_delete ? std::string() : Arg(inv, 1, "VALUE");
  if (!value.ok()) return UsageError(inv, value.status());
  absl::StatusOr<kv::Timestamp> ts_flag = TimestampFlag(inv, "ts", 0);
  if (!ts_flag.ok()) return UsageError(inv, ts_flag.status());
  kv::WriteOptions write_options;
  write_options.ts = *ts_flag;

  absl::StatusOr<std::unique_ptr<kv::DB>> db = OpenForWrite(DbDir(inv));
  if (!db.ok()) return Error(inv, db.status());
  absl::StatusOr<kv::Timestamp> ts =
      is_delete ? (*db)->Delete(*key, write_options)
                : (*db)->Put(*key, *value, write_options);
  if (!ts.ok()) return Error(inv, ts.status());
  // The commit is durable once Put returns (SyncMode::kAlways).
  Write(inv, absl::StrCat(*ts, "\n"));
  if (absl::Status s = (*db)->Close(); !s.ok()) return Error(inv, s);
  return kExitOk;
}

int RunPut(const Invocation& inv) { return RunWrite(inv, false); }
int RunDel(const Invocation& inv) { return RunWrite(inv, true); }

// What `get --stream` copies at a time: large enough that the per-call
// costs vanish, small enough that a 16 MiB value is never held whole.
constexpr size_t kStreamChunkBytes = size_t{1} << 20;

// get --stream: the raw bytes of the value, unescaped and without a newline,
// read through a kv::ValueReader a chunk at a time.
int StreamValue(const Invocation& inv, const kv::DB& db, std::string_view key,
                kv::Timestamp as_of) {
  absl::StatusOr<kv::Snapshot> snapshot = db.GetSnapshot(as_of);
  if (!snapshot.ok()) return Error(inv, snapshot.status());
  absl::StatusOr<kv::ValueReader> reader = snapshot->OpenValue(key);
  if (absl::IsNotFound(reader.status())) return NotFound(inv);
  if (!reader.ok()) return Error(inv, reader.status());
  std::vector<char> buffer(kStreamChunkBytes);
  while (true) {
    absl::StatusOr<size_t> n = reader->Read(buffer.data(), buffer.size());
    // Damage (DataLoss) may show only at the value's end, after most of it
    // was written: the exit status is what tells the output is incomplete.
    if (!n.ok()) return Error(inv, n.status());
    if (*n == 0) return kExitOk;
    if (std::fwrite(buffer.data(), 1, *n, inv.io.out) != *n) {
      // The stream's error indicator is set: RunCli reports it once.
      return kExitError;
    }
  }
}

int RunGet(const Invocation& inv) {
  absl::StatusOr<std::string> key = Arg(inv, 0, "KEY");
  if (!key.ok()) return UsageError(inv, key.status());
  absl::StatusOr<kv::Timestamp> as_of =
      TimestampFlag(inv, "as-of", kv::kLatest);
  if (!as_of.ok()) return UsageError(inv, as_of.status());

  absl::StatusOr<std::unique_ptr<kv::DB>> db = OpenForRead(DbDir(inv));
  if (!db.ok()) return Error(inv, db.status());
  if (inv.args.Has("stream")) return StreamValue(inv, **db, *key, *as_of);
  absl::StatusOr<std::string> value = (*db)->Get(*key, *as_of);
  if (absl::IsNotFound(value.status())) return NotFound(inv);
  if (!value.ok()) return Error(inv, value.status());
  std::string line = Escape(*value);
  line.push_back('\n');
  Write(inv, line);
  return kExitOk;
}

int RunHistory(const Invocation& inv) {
  absl::StatusOr<std::string> key = Arg(inv, 0, "KEY");
  if (!key.ok()) return UsageError(inv, key.status());
  absl::StatusOr<kv::Timestamp> as_of =
      TimestampFlag(inv, "as-of", kv::kLatest);
  if (!as_of.ok()) return UsageError(inv, as_of.status());

  absl::StatusOr<std::unique_ptr<kv::DB>> db = OpenForRead(DbDir(inv));
  if (!db.ok()) return Error(inv, db.status());
  absl::StatusOr<kv::Snapshot> snapshot = (*db)->GetSnapshot(*as_of);
  if (!snapshot.ok()) return Error(inv, snapshot.status());
  size_t versions = 0;
  std::string line;
  absl::Status status = snapshot->History(*key, [&](const kv::Record& record) {
    line.clear();
    absl::StrAppend(&line, record.ts, "\t");
    if (record.deleted) {
      line.append("(deleted)");
    } else {
      AppendEscaped(record.value, &line);
    }
    line.push_back('\n');
    Write(inv, line);
    ++versions;
    return true;
  });
  if (absl::IsNotFound(status) || (status.ok() && versions == 0)) {
    return NotFound(inv);
  }
  if (!status.ok()) return Error(inv, status);
  return kExitOk;
}

int RunScan(const Invocation& inv) {
  absl::StatusOr<std::string> start = Arg(inv, 0, "START");
  if (!start.ok()) return UsageError(inv, start.status());
  absl::StatusOr<std::string> end = Arg(inv, 1, "END");
  if (!end.ok()) return UsageError(inv, end.status());
  absl::StatusOr<kv::Timestamp> as_of =
      TimestampFlag(inv, "as-of", kv::kLatest);
  if (!as_of.ok()) return UsageError(inv, as_of.status());

  absl::StatusOr<std::unique_ptr<kv::DB>> db = OpenForRead(DbDir(inv));
  if (!db.ok()) return Error(inv, db.status());
  absl::StatusOr<kv::Snapshot> snapshot = (*db)->GetSnapshot(*as_of);
  if (!snapshot.ok()) return Error(inv, snapshot.status());
  std::string line;
  absl::Status status =
      snapshot->Scan(*start, *end, [&](const kv::Record& record) {
        line.clear();
        AppendEscaped(record.key, &line);
        line.push_back('\t');
        AppendEscaped(record.value, &line);
        line.push_back('\n');
        Write(inv, line);
        return true;
      });
  if (!status.ok()) return Error(inv, status);
  return kExitOk;
}

// One parsed line of `ingest` input.
struct IngestOp {
  bool is_delete = false;
  std::string key;
  std::string value;
};

absl::StatusOr<IngestOp> ParseIngestLine(std::string_view line) {
  const std::vector<std::string> fields =
      absl::StrSplit(absl::string_view(line.data(), line.size()), '\t');
  IngestOp op;
  if (fields.size() == 3 && fields[0] == "put") {
    op.is_delete = false;
  } else if (fields.size() == 2 && fields[0] == "del") {
    op.is_delete = true;
  } else {
    return absl::InvalidArgumentError(
        "expected put<TAB>KEY<TAB>VALUE or del<TAB>KEY");
  }
  absl::StatusOr<std::string> key = Unescape(fields[1]);
  if (!key.ok()) {
    return absl::InvalidArgumentError(
        absl::StrFormat("bad KEY: %s", key.status().message()));
  }
  op.key = *std::move(key);
  if (!op.is_delete) {
    absl::StatusOr<std::string> value = Unescape(fields[2]);
    if (!value.ok()) {
      return absl::InvalidArgumentError(
          absl::StrFormat("bad VALUE: %s", value.status().message()));
    }
    op.value = *std::move(value);
  }
  return op;
}

// Reads stdin a line at a time with getline(3), which handles any length and
// any byte but '\n'.
class LineReader {
 public:
  explicit LineReader(std::FILE* in) : in_(in) {}
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;
  ~LineReader() { free(buffer_); }

  // The next line without its "\n" (or "\r\n"); false at the end of input
  // or on a read error (see std::ferror).
  bool Next(std::string_view* line) {
    const ssize_t n = getline(&buffer_, &capacity_, in_);
    if (n < 0) return false;
    *line = std::string_view(buffer_, static_cast<size_t>(n));
    if (!line->empty() && line->back() == '\n') line->remove_suffix(1);
    if (!line->empty() && line->back() == '\r') line->remove_suffix(1);
    return true;
  }

 private:
  std::FILE* in_;
  char* buffer_ = nullptr;
  size_t capacity_ = 0;
};

int RunIngest(const Invocation& inv) {
  kv::SyncMode sync_mode = kv::SyncMode::kAlways;
  if (const std::string* text = inv.args.Find("sync"); text != nullptr) {
    absl::StatusOr<kv::SyncMode> mode = ParseSyncMode(*text);
    if (!mode.ok()) {
      return UsageError(inv,
                        absl::StrFormat("--sync: %s", mode.status().message()));
    }
    sync_mode = *mode;
  }
  absl::StatusOr<std::unique_ptr<kv::DB>> db =
      OpenForWrite(DbDir(inv), sync_mode);
  if (!db.ok()) return Error(inv, db.status());

  LineReader reader(inv.io.in);
  std::string_view line;
  uint64_t line_number = 0;
  while (reader.Next(&line)) {
    ++line_number;
    if (line.empty()) continue;

    absl::StatusOr<IngestOp> op = ParseIngestLine(line);
    if (!op.ok()) {
      absl::FPrintF(inv.io.err, "error: line %d: %s\n", line_number,
                    op.status().message());
      return kExitError;
    }
    absl::StatusOr<kv::Timestamp> ts =
        op->is_delete ? (*db)->Delete(op->key) : (*db)->Put(op->key, op->value);
    if (!ts.ok()) {
      absl::FPrintF(inv.io.err, "error: line %d: %s\n", line_number,
                    ts.status().message());
      return kExitError;
    }
    // Acknowledge only after the commit returned, and flush at once: whoever
    // reads our output may rely on every printed "ok" being committed.
    absl::FPrintF(inv.io.out, "ok\t%d\n", *ts);
    if (std::fflush(inv.io.out) != 0) {
      return Error(inv, absl::InternalError(absl::StrFormat(
                            "writing output: %s", std::strerror(errno))));
    }
  }
  if (std::ferror(inv.io.in)) {
    return Error(inv, absl::InternalError(
                          absl::StrCat("reading input after line ", line_number,
                                       ": ", std::strerror(errno))));
  }
  if (absl::Status s = (*db)->Close(); !s.ok()) return Error(inv, s);
  return kExitOk;
}

int RunStats(const Invocation& inv) {
  absl::StatusOr<std::unique_ptr<kv::DB>> db = OpenForRead(DbDir(inv));
  if (!db.ok()) return Error(inv, db.status());
  std::string text = (*db)->GetStats().ToString();
  if (!text.empty() && text.back() != '\n') text.push_back('\n');
  Write(inv, text);
  return kExitOk;
}

int RunCompact(const Invocation& inv) {
  // Compacting writes, but only to a database that exists.
  absl::StatusOr<std::unique_ptr<kv::DB>> db =
      OpenExisting(DbDir(inv), /*read_only=*/false);
  if (!db.ok()) return Error(inv, db.status());
  kv::CompactOptions options;
  const std::string* retain = inv.args.Find("retain");
  if (retain != nullptr) {
    absl::StatusOr<uint64_t> keep = ParseDuration(*retain);
    if (!keep.ok()) return UsageError(inv, keep.status());
    const uint64_t now = static_cast<uint64_t>(absl::ToUnixMicros(absl::Now()));
    // Everything in the last `keep` stays; a horizon before the epoch keeps
    // everything.
    options.horizon = *keep >= now ? 0 : now - *keep;
  }
  absl::StatusOr<kv::CompactStats> stats = (*db)->Compact(options);
  if (!stats.ok()) return Error(inv, stats.status());
  if (absl::Status s = (*db)->Close(); !s.ok()) return Error(inv, s);
  std::string out = "ok\n";
  if (retain != nullptr) {
    absl::StrAppend(&out, "horizon ", stats->horizon, "\nversions_in ",
                    stats->versions_in, "\nversions_kept ", stats->versions_out,
                    "\nversions_dropped ", stats->versions_dropped,
                    "\nbytes_before ", stats->bytes_in, "\nbytes_after ",
                    stats->bytes_out, "\n");
  }
  Write(inv, out);
  return kExitOk;
}

int RunVerify(const Invocation& inv) {
  // Damage found while opening (a checksum failure in a complete commit) is
  // as much a verify finding as damage found by Verify itself.
  auto report = [&](const absl::Status& status) {
    absl::FPrintF(inv.io.err, "error: %s\n", status.message());
    return absl::IsDataLoss(status) ? kExitNotFound : kExitError;
  };
  absl::StatusOr<std::unique_ptr<kv::DB>> db = OpenForRead(DbDir(inv));
  if (!db.ok()) return report(db.status());
  absl::StatusOr<kv::VerifyReport> r = (*db)->VerifyAll();
  if (!r.ok()) return report(r.status());
  const auto count = [](uint64_t n, std::string_view one,
                         std::string_view many) {
    return absl::StrCat(n, " ", std::string(n == 1 ? one : many));
  };
  Write(inv,
        absl::StrCat("checked ", count(r->segments, "segment", "segments"),
                     ", ", count(r->log_files, "log file", "log files"), ", ",
                     count(r->blob_files, "blob file", "blob files"), ": ",
                     count(r->entries, "entry", "entries"), ", ",
                     count(r->blob_values, "overflow value", "overflow values"),
                     ", ", count(r->bytes, "byte", "bytes"), "\n"));
  if (r->ok()) {
    Write(inv, "ok\n");
    return kExitOk;
  }
  Write(inv, absl::StrCat("damaged: ",
                          count(r->problems.size(), "problem", "problems"),
                          "\n"));
  for (const absl::Status& p : r->problems) {
    absl::FPrintF(inv.io.err, "error: %s\n", p.message());
  }
  return kExitNotFound;
}

// --- The table -------------------------------------------------------------

constexpr FlagSpec kDbFlag{"db", "DIR", "the database directory (required)",
                           /*required=*/true};
constexpr FlagSpec kAsOfFlag{
    "as-of", "T", "read the database as it was at time T (default: latest)"};
constexpr FlagSpec kTsFlag{
    "ts", "T",
    "commit with this explicit (past) timestamp instead of the clock's"};
constexpr FlagSpec kSyncFlag{
    "sync", "MODE",
    "always (default): each commit is synced before its ok is printed;\n"
    "interval: synced every 100 ms; never: left to the operating system"};

std::vector<Command>* MakeCommandTable() {
  auto* table = new std::vector<Command>{
      {.name = "put",
       .args = "KEY VALUE",
       .summary = "write a new version of KEY; prints the commit timestamp",
       .description =
           "Writes VALUE as a new version of KEY and prints the commit\n"
           "timestamp (microseconds since the epoch) once the commit is\n"
           "durable. Creates the database if DIR does not exist. Writing\n"
           "an existing (KEY, --ts) pair replaces that version.",
       .flags = {kDbFlag, kTsFlag},
       .min_args = 2,
       .max_args = 2,
       .run = RunPut},
      {.name = "get",
       .args = "KEY",
       .summary = "print the value of KEY (latest, or as of T)",
       .description =
           "Prints the value of KEY, newest at or before --as-of, escaped,\n"
           "on one line. With --stream, writes the value's raw bytes\n"
           "instead (unescaped, no newline added), read and written a\n"
           "megabyte at a time, so that\n"
           "    zverse get --db DIR --stream KEY > FILE\n"
           "reproduces a value of any size byte for byte without holding\n"
           "it in memory. A missing or deleted key prints 'not found' on\n"
           "stderr and exits 1. A damaged value prints the error (file and\n"
           "offset) on stderr and exits 3; under --stream it may be found\n"
           "only at the value's end, after the bytes before it were\n"
           "written.",
       .flags = {kDbFlag, kAsOfFlag,
                 {"stream", "",
                  "write the raw bytes of the value, unescaped and\n"
                  "without a trailing newline (for large or binary values)"}},
       .min_args = 1,
       .max_args = 1,
       .run = RunGet},
      {.name = "del",
       .args = "KEY",
       .summary =
           "delete KEY (writes a tombstone); prints the commit timestamp",
       .description =
           "Writes a tombstone version of KEY and prints the commit\n"
           "timestamp. Older versions stay readable with --as-of and\n"
           "history.",
       .flags = {kDbFlag, kTsFlag},
       .min_args = 1,
       .max_args = 1,
       .run = RunDel},
      {.name = "history",
       .args = "KEY",
       .summary = "print every version of KEY, newest first",
       .description =
           "Prints one line per version of KEY, newest first:\n"
           "TS<TAB>VALUE, or TS<TAB>(deleted) for a tombstone. With\n"
           "--as-of, only versions at or before T. A key with no versions\n"
           "prints 'not found' and exits 1.",
       .flags = {kDbFlag, kAsOfFlag},
       .min_args = 1,
       .max_args = 1,
       .run = RunHistory},
      {.name = "scan",
       .args = "START END",
       .summary = "print KEY<TAB>VALUE for the keys in [START, END)",
       .description =
           "Prints KEY<TAB>VALUE for every live key in [START, END), in\n"
           "key order (bytewise), as of --as-of. An empty END (\"\") means\n"
           "no upper bound.",
       .flags = {kDbFlag, kAsOfFlag},
       .min_args = 2,
       .max_args = 2,
       .run = RunScan},
      {.name = "ingest",
       .args = "",
       .summary = "apply put/del lines read from stdin, one commit each",
       .description =
           "Reads lines from stdin, each one of\n"
           "    put<TAB>KEY<TAB>VALUE\n"
           "    del<TAB>KEY\n"
           "(KEY and VALUE escaped as below; empty lines are skipped),\n"
           "commits each line on its own and prints ok<TAB>TS, flushed,\n"
           "after the commit returns: under --sync always every printed ok\n"
           "is durable. A malformed line stops the ingest with an error\n"
           "naming its line number; the lines before it stay committed,\n"
           "none after it is applied. Creates the database if DIR does not\n"
           "exist.",
       .flags = {kDbFlag, kSyncFlag},
       .min_args = 0,
       .max_args = 0,
       .run = RunIngest},
      {.name = "stats",
       .args = "",
       .summary = "print database statistics",
       .description =
           "Prints the database's statistics, one 'name value' pair per\n"
           "line.",
       .flags = {kDbFlag},
       .min_args = 0,
       .max_args = 0,
       .run = RunStats},
      {.name = "compact",
       .args = "",
       .summary = "merge the segments into one (optionally dropping old versions)",
       .description =
           "Seals the active log and merges every segment into one, so\n"
           "that a read probes a single index. Every version is kept, or,\n"
           "with --retain, every version of the last DURATION and, for\n"
           "each key, its newest version before that (dropped if it is a\n"
           "deletion): reads as of the horizon (now - DURATION) or later\n"
           "give what they gave before; reads before it see that newest\n"
           "older version. Prints 'ok' (with --retain, then what was\n"
           "dropped, as name value lines). The database must exist.\n\n"
           "Examples:\n"
           "  zverse compact --db DIR\n"
           "  zverse compact --db DIR --retain 30d",
       .flags = {kDbFlag,
                 {"retain", "DURATION",
                  "keep the history of the last DURATION only (e.g. 90s,\n"
                  "12h, 30d, 2w)"}},
       .min_args = 0,
       .max_args = 0,
       .run = RunCompact},
      {.name = "verify",
       .args = "",
       .summary = "check every file's checksums, ordering and indexes",
       .description =
           "Reads every byte of every file and checks every checksum\n"
           "(entries, commit groups, segment footers and indexes, overflow\n"
           "values), the order of the entries and every index invariant\n"
           "(directory, hash table, fence keys). Prints what it checked,\n"
           "then 'ok'; or 'damaged: N problems' and each problem (file and\n"
           "offset) on stderr, one line each, and exits 1. Damage found\n"
           "while opening is reported the same way (exit 1).",
       .flags = {kDbFlag},
       .min_args = 0,
       .max_args = 0,
       .run = RunVerify},
  };
  for (Command& c : GraphCommands()) table->push_back(std::move(c));
  for (Command& c : GraphReadCommands()) table->push_back(std::move(c));
  for (Command& c : AlgoCommands()) table->push_back(std::move(c));
  for (Command& c : QueryCommands()) table->push_back(std::move(c));
  return table;
}

const std::vector<Command>& CommandTable() {
  static const std::vector<Command>* const table = MakeCommandTable();
  return *table;
}

}  // namespace

absl::Span<const Command> Commands() { return CommandTable(); }

const Command* FindCommand(std::string_view name) {
  for (const Command& command : CommandTable()) {
    if (command.name == name) return &command;
  }
  return nullptr;
}

}  // namespace zverse::cli
