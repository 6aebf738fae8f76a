// Opening a database directory whose files are damaged (kv::DB::Open and
// what it reads: the identity file, log recovery, segment headers, footers,
// directories, fence blocks and hash indexes, blob files): any damage gives
// a clear error at Open, at Verify or at the read that meets it — never a
// crash, a hang or a read outside a file — and a database that Verify
// passes serves every key without an error.
//
// A small template database (two sealed segments, interleaved and
// key-major, with blob files for their large values, and a live log) is
// built once; each input picks one of its files and a way to damage it
// (fuzz/damage.h): its bytes replaced, overwritten, XORed, truncated or
// extended, or the file deleted, swapped with another, renamed over
// another, copied under another name, or a stray file added (a segment,
// log, blob or temporary name of an unused number, or an unknown name).
// The damaged copy is opened read-only and read-write (recovery may
// truncate a torn log tail).
//
// Directory-level damage the format cannot see (a deleted segment: there is
// no manifest, see kv/FORMAT.md) leaves a database that Verify passes with
// fewer keys; the invariant is that what it serves it serves without error.

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/damage.h"
#include "fuzz/fuzz_target.h"
#include "fuzz/fuzz_util.h"
#include "kv/db.h"

namespace {

namespace fs = std::filesystem;
using zverse::kv::DB;

struct Template {
  std::string root;  // Removed at exit.
  std::string work;  // The directory each input is written to.
  std::vector<std::pair<std::string, std::string>> files;  // Name, bytes.
};

const Template& GetTemplate() {
  static const Template* t = [] {
    auto* t = new Template;
    const std::string root = zverse::fuzz::ScratchDir("db-open-fuzz");
    t->root = root;
    const std::string db_dir = root + "/template";
    {
      zverse::kv::Options o;
      o.background_compaction = false;
      auto db = DB::Open(db_dir, o);
      ZVERSE_FUZZ_CHECK(db.ok());
      for (int i = 0; i < 64; ++i) {
        const std::string key = "key" + std::to_string(i * 7919 % 1000);
        const std::string value =
            i % 16 == 0 ? std::string(5000, static_cast<char>('a' + i % 26))
                        : "value-" + std::to_string(i);
        ZVERSE_FUZZ_CHECK((*db)->Put(key, value).ok());
        if (i % 5 == 0) ZVERSE_FUZZ_CHECK((*db)->Delete(key).ok());
      }
      ZVERSE_FUZZ_CHECK((*db)->Seal().ok());
      ZVERSE_FUZZ_CHECK((*db)->Close().ok());
    }
    {
      zverse::kv::Options o;
      o.background_compaction = false;
      o.physical_order = zverse::kv::Options::PhysicalOrder::kKeyMajor;
      auto db = DB::Open(db_dir, o);
      ZVERSE_FUZZ_CHECK(db.ok());
      for (int i = 0; i < 24; ++i) {
        const std::string key = "key" + std::to_string(i * 31 % 1000);
        const std::string value =
            i % 8 == 0 ? std::string(4500, static_cast<char>('A' + i % 26))
                       : "second-" + std::to_string(i);
        ZVERSE_FUZZ_CHECK((*db)->Put(key, value).ok());
      }
      ZVERSE_FUZZ_CHECK((*db)->Seal().ok());
      for (int i = 0; i < 8; ++i) {
        ZVERSE_FUZZ_CHECK((*db)->Put("live" + std::to_string(i), "x").ok());
      }
      ZVERSE_FUZZ_CHECK((*db)->Close().ok());
    }
    std::vector<fs::path> names;
    for (const auto& e : fs::directory_iterator(db_dir)) {
      if (e.path().filename() != "LOCK") names.push_back(e.path());
    }
    std::sort(names.begin(), names.end());
    for (const fs::path& p : names) {
      std::ifstream in(p, std::ios::binary);
      t->files.emplace_back(p.filename().string(),
                            std::string(std::istreambuf_iterator<char>(in), {}));
    }
    t->work = root + "/work";
    return t;
  }();
  return *t;
}

void WriteDir(const std::string& dir,
              const std::vector<std::pair<std::string, std::string>>& files) {
  std::error_code ec;
  fs::remove_all(dir, ec);
  fs::create_directories(dir);
  for (const auto& [name, bytes] : files) {
    std::ofstream(dir + "/" + name, std::ios::binary) << bytes;
  }
}

// Reads everything an open database holds; a database that Verify passed
// must serve it all.
void ReadAll(DB& db, bool verified) {
  auto snap = db.GetSnapshot();
  if (!snap.ok()) return;
  std::vector<std::string> keys;
  const absl::Status scan = snap->Scan("", "", [&](const zverse::kv::Record& r) {
    keys.emplace_back(r.key);
    return true;
  });
  if (verified) ZVERSE_FUZZ_CHECK(scan.ok());
  for (const std::string& k : keys) {
    const auto v = snap->Get(k);
    if (verified) ZVERSE_FUZZ_CHECK(v.ok());
    const absl::Status h =
        snap->History(k, [](const zverse::kv::Record&) { return true; });
    if (verified) ZVERSE_FUZZ_CHECK(h.ok());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const Template& t = GetTemplate();
  if (size < 6 || t.files.empty()) return 0;
  zverse::fuzz::Files files = t.files;
  static const std::vector<std::string> kStrays = {
      "000099.seg", "000099.log", "000099.blob", "000099.seg.tmp",
      "000000.seg", "notes.txt"};
  if (!zverse::fuzz::ApplyDamage(data, size, kStrays, &files)) return 0;
  for (bool read_only : {true, false}) {
    WriteDir(t.work, files);
    zverse::kv::Options o;
    o.create_if_missing = false;
    o.read_only = read_only;
    o.background_compaction = false;
    auto db = DB::Open(t.work, o);
    if (!db.ok()) {
      ZVERSE_FUZZ_CHECK(!db.status().message().empty());
      continue;
    }
    const bool verified = (*db)->Verify().ok();
    ReadAll(**db, verified);
    (*db)->Close().IgnoreError();
  }
  return 0;
}
