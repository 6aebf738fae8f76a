#include "kv/internal/log.h"

#include "absl/strings/str_cat.h"
#include "kv/status_macros.h"

namespace zverse::kv::internal {

void GroupEncoder::Reset(uint64_t first_seq) {
  buf_.assign(kGroupHeaderSize, '\0');
  StoreU64(buf_.data() + 24, first_seq);
  count_ = 0;
}

size_t GroupEncoder::Add(std::string_view key, std::string_view value,
                         uint64_t ts, uint32_t flags, uint32_t batch_index) {
  const size_t offset = buf_.size();
  const size_t size = EntrySize(key.size(), value.size());
  buf_.resize(offset + size);
  char* p = buf_.data() + offset;
  EncodeEntry(key, value, ts, flags, p);
  if (batch_index != 0) {
    StoreU32(p + 28, batch_index);
    StoreU64(p, Checksum(p + 8, size - 8));
  }
  ++count_;
  return offset;
}

std::string_view GroupEncoder::Finish() {
  char* h = buf_.data();
  StoreU32(h + 8, kGroupMagic);
  StoreU32(h + 12, count_);
  StoreU64(h + 16, buf_.size() - kGroupHeaderSize);
  StoreU64(h, Checksum(h + 8, buf_.size() - 8));
  return buf_;
}

namespace {

// Whether a complete, valid group starts at `pos`.
bool ValidGroupAt(const char* base, uint64_t pos, uint64_t file_size) {
  if (file_size - pos < kGroupHeaderSize) return false;
  const char* h = base + pos;
  if (LoadU32(h + 8) != kGroupMagic) return false;
  const uint64_t body = LoadU64(h + 16);
  if (body > file_size - pos - kGroupHeaderSize) return false;
  return Checksum(h + 8, kGroupHeaderSize - 8 + body) == LoadU64(h);
}

}  // namespace

absl::StatusOr<LogRecovery> RecoverLog(
    const LogFile& log, uint64_t file_size,
    absl::FunctionRef<void(const EntryView&, uint64_t, uint64_t)> fn) {
  const char* base = log.data();
  ZVERSE_RETURN_IF_ERROR(
      CheckFileHeader(base, file_size, kLogMagic, log.number, log.path));
  LogRecovery r;
  uint64_t pos = kFileHeaderSize;
  while (pos < file_size) {
    if (!ValidGroupAt(base, pos, file_size)) {
      // Torn tail, unless a valid group follows the damage.
      for (uint64_t p = pos + 8; p + kGroupHeaderSize <= file_size; p += 8) {
        if (ValidGroupAt(base, p, file_size)) {
          return DataLossAt(log.path, pos,
                            "damaged commit group followed by valid data");
        }
      }
      break;
    }
    const char* h = base + pos;
    const uint32_t count = LoadU32(h + 12);
    const uint64_t body = LoadU64(h + 16);
    const uint64_t first_seq = LoadU64(h + 24);
    const uint64_t end = pos + kGroupHeaderSize + body;
    uint64_t off = pos + kGroupHeaderSize;
    for (uint32_t i = 0; i < count; ++i) {
      ZVERSE_ASSIGN_OR_RETURN(EntryView e,
                              DecodeEntry(base, off, end, log.path));
      const uint64_t seq = first_seq + LoadU32(base + off + 28);
      fn(e, off, seq);
      if (seq > r.max_seq) r.max_seq = seq;
      if (e.ts > r.max_ts) r.max_ts = e.ts;
      ++r.entries;
      off += e.size;
    }
    if (off != end) {
      return DataLossAt(log.path, pos, "commit group size mismatch");
    }
    pos = end;
  }
  r.valid_size = pos;
  r.dropped_bytes = file_size - pos;
  return r;
}

absl::StatusOr<std::shared_ptr<LogFile>> MapLogFile(Env* env,
                                                    const std::string& path,
                                                    uint64_t number,
                                                    uint64_t capacity) {
  auto log = std::make_shared<LogFile>();
  log->path = path;
  log->number = number;
  ZVERSE_ASSIGN_OR_RETURN(log->map, env->MapReadOnly(path, capacity));
  return log;
}

absl::StatusOr<std::unique_ptr<LogWriter>> LogWriter::Create(
    Env* env, const std::string& path, uint64_t number, uint64_t capacity,
    uint64_t magic) {
  ZVERSE_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(path, true));
  char header[kFileHeaderSize];
  EncodeFileHeader(magic, number, env->NowMicros(), header);
  ZVERSE_RETURN_IF_ERROR(file->Append({header, sizeof(header)}));
  ZVERSE_RETURN_IF_ERROR(file->Sync());
  ZVERSE_ASSIGN_OR_RETURN(auto log, MapLogFile(env, path, number, capacity));
  log->committed_size.store(kFileHeaderSize, std::memory_order_release);
  return std::unique_ptr<LogWriter>(
      new LogWriter(std::move(file), std::move(log), capacity));
}

absl::StatusOr<std::unique_ptr<LogWriter>> LogWriter::Reopen(
    Env* env, std::shared_ptr<LogFile> log, uint64_t size, uint64_t capacity) {
  ZVERSE_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(log->path, false));
  if (file->Size() != size) {
    ZVERSE_RETURN_IF_ERROR(file->Truncate(size));
    ZVERSE_RETURN_IF_ERROR(file->Sync());
  }
  log->committed_size.store(size, std::memory_order_release);
  return std::unique_ptr<LogWriter>(
      new LogWriter(std::move(file), std::move(log), capacity));
}

absl::Status LogWriter::Append(std::string_view group) {
  if (file_->Size() + group.size() > capacity_) {
    return absl::InternalError(absl::StrCat(
        "log ", log_->path, " would outgrow its mapping (", capacity_,
        " bytes)"));
  }
  return file_->Append(group);
}

}  // namespace zverse::kv::internal
