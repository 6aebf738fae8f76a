// Uses the installed library: opens a database, writes two versions of a key
// (one with an explicit past timestamp) and reads it as of both times.
// Usage: app DB_DIR. Returns 0 on success.

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "zverse/kv/db.h"
// Headers are also reachable as kv/..., the form they use among themselves.
#include "kv/interleave.h"

namespace {

int Fail(const char* what, const absl::Status& status) {
  std::fprintf(stderr, "consumer: %s: %s\n", what, status.ToString().c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s DB_DIR\n", argv[0]);
    return 2;
  }
  namespace kv = zverse::kv;

  auto db = kv::DB::Open(argv[1]);
  if (!db.ok()) return Fail("Open", db.status());

  const kv::Timestamp now = static_cast<kv::Timestamp>(
      std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::system_clock::now().time_since_epoch())
          .count());
  const kv::Timestamp past = now - 3'600'000'000;  // An hour ago.

  kv::WriteOptions at_past;
  at_past.ts = past;
  auto t1 = (*db)->Put("city/paris", "2100000", at_past);
  if (!t1.ok()) return Fail("Put (past)", t1.status());
  if (*t1 != past) {
    std::fprintf(stderr, "consumer: Put returned ts %llu, want %llu\n",
                 static_cast<unsigned long long>(*t1),
                 static_cast<unsigned long long>(past));
    return 1;
  }
  auto t2 = (*db)->Put("city/paris", "2200000");
  if (!t2.ok()) return Fail("Put (now)", t2.status());

  auto then = (*db)->Get("city/paris", past + 1);
  if (!then.ok()) return Fail("Get as of past", then.status());
  auto latest = (*db)->Get("city/paris");
  if (!latest.ok()) return Fail("Get latest", latest.status());
  auto before = (*db)->Get("city/paris", past - 1);
  if (*then != "2100000" || *latest != "2200000" ||
      !absl::IsNotFound(before.status())) {
    std::fprintf(stderr, "consumer: wrong values: as of past '%s', latest '%s', "
                 "before: %s\n", then->c_str(), latest->c_str(),
                 before.status().ToString().c_str());
    return 1;
  }
  if (kv::InterleavedSize(10) != 20) {
    std::fprintf(stderr, "consumer: InterleavedSize is wrong\n");
    return 1;
  }
  if (absl::Status s = (*db)->Close(); !s.ok()) return Fail("Close", s);
  std::printf("consumer: ok\n");
  return 0;
}
