#include "cache/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/table.h>
#include <rocksdb/utilities/table_properties_collectors.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "base/little_endian.h"
#include "base/log.h"
#include "cache/rocksdb_status.h"

namespace kiln::cache {
namespace {

constexpr std::string_view kIndexPrefix = "u/";
constexpr std::string_view kIndexMarker = "m/index-v1";
constexpr size_t kMaxProblems = 20;

std::string_view prefixOf(Kind kind) {
  switch (kind) {
    case Kind::kArtifact: return "a/";
    case Kind::kBundle: return "b/";
  }
  return "?/";
}

rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

// RocksDB's info log, as kiln log lines. Its own file logger must not be
// used: on a full disk it fails a write, logs that failure to the same file
// and trips an assertion (which Debian's librocksdb keeps), killing kilnd.
class RocksdbLogger : public rocksdb::Logger {
 public:
  RocksdbLogger() : rocksdb::Logger(rocksdb::InfoLogLevel::WARN_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    char buffer[1024];
    const int n = std::vsnprintf(buffer, sizeof buffer, format, ap);
    std::string_view line(buffer, n < 0 ? 0 : std::min<size_t>(static_cast<size_t>(n), sizeof buffer - 1));
    while (!line.empty() && (line.back() == '\n' || line.back() == ' ')) line.remove_suffix(1);
    KILN_LOG(kWarning) << "rocksdb: " << line;
  }
};

std::shared_ptr<rocksdb::Options> makeOptions(const StoreOptions& options) {
  auto db_options = std::make_shared<rocksdb::Options>();
  db_options->create_if_missing = true;
  db_options->max_total_wal_size = options.max_total_wal_size;
  // Start-up speed: do not read every SST's stats on open.
  db_options->skip_stats_update_on_db_open = true;
  db_options->info_log = std::make_shared<RocksdbLogger>();
  db_options->info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  db_options->table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));
  // Table files dense with deletions (evictions, dropped values) are marked
  // for compaction, so the disk space of evicted values comes back.
  db_options->table_properties_collector_factories.push_back(
      rocksdb::NewCompactOnDeletionCollectorFactory(/*sliding_window_size=*/128, /*deletion_trigger=*/32));
  return db_options;
}

using base::getLe64;
using base::putLe64;

// The LRU index: "u/" + storage key -> (access sequence, value size).
std::string indexKey(std::string_view db_key) {
  std::string out(kIndexPrefix);
  out.append(db_key);
  return out;
}

// The third field (metrics: `kilnctl cache evict --older-than`) is the
// Unix time of the write or use that wrote the entry; entries of 16 bytes
// (written before it existed) have time 0, unknown.
std::string indexValue(uint64_t sequence, uint64_t size) {
  std::string out;
  putLe64(out, sequence);
  putLe64(out, size);
  putLe64(out, static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now())));
  return out;
}

struct IndexEntry {
  uint64_t sequence = 0, size = 0, unix_seconds = 0;
};

std::optional<IndexEntry> parseIndex(rocksdb::Slice value) {
  if (value.size() != 16 && value.size() != 24) return std::nullopt;
  return IndexEntry{getLe64(value.data()), getLe64(value.data() + 8),
                    value.size() == 24 ? getLe64(value.data() + 16) : 0};
}

// Visits every entry RocksDB can read whose key starts with `prefix`, in key
// order. A region it cannot read (a damaged block: Corruption) is skipped:
// the scan resumes at the next 1/65536 of the key space after the last key
// read, so only the entries near the damage are lost. Returns the number of
// regions skipped; their errors go to `problems`.
uint64_t scanPrefix(rocksdb::DB& db, std::string_view prefix,
                    const std::function<void(rocksdb::Slice key, rocksdb::Slice value)>& visit,
                    std::vector<std::string>* problems) {
  rocksdb::ReadOptions read_options;
  read_options.fill_cache = false;
  std::unique_ptr<rocksdb::Iterator> it(db.NewIterator(read_options));
  std::string cursor(prefix);
  uint64_t skipped = 0;
  bool progressed = true;  // read an entry since the last failure: a new region
  it->Seek(cursor);
  while (true) {
    for (; it->Valid() && it->key().starts_with(slice(prefix)); it->Next()) {
      cursor.assign(it->key().data(), it->key().size());
      visit(it->key(), it->value());
      progressed = true;
    }
    if (it->status().ok()) break;
    if (progressed) {  // else: still inside the region already counted
      ++skipped;
      if (problems != nullptr && problems->size() < kMaxProblems)
        problems->push_back(absl::StrCat("unreadable region after key ", rocksdb::Slice(cursor).ToString(true),
                                         ": ", it->status().ToString()));
    }
    progressed = false;
    // The bucket of the two key bytes after the prefix, plus one.
    const size_t at = prefix.size();
    uint32_t bucket = 0;
    if (cursor.size() > at) bucket |= static_cast<uint8_t>(cursor[at]) << 8;
    if (cursor.size() > at + 1) bucket |= static_cast<uint8_t>(cursor[at + 1]);
    if (cursor.size() > at) ++bucket;  // the prefix itself is bucket 0's start
    else bucket = 1;
    if (bucket > 0xffff) break;
    cursor.assign(prefix);
    cursor.push_back(static_cast<char>(bucket >> 8));
    cursor.push_back(static_cast<char>(bucket & 0xff));
    it->Seek(cursor);
  }
  return skipped;
}

// The kind and key of a storage key ("a/" or "b/" + 32 bytes).
std::optional<std::pair<Kind, CacheKey>> parseStorageKey(rocksdb::Slice db_key) {
  if (db_key.size() != 2 + 32) return std::nullopt;
  Kind kind;
  if (db_key.starts_with("a/")) kind = Kind::kArtifact;
  else if (db_key.starts_with("b/")) kind = Kind::kBundle;
  else return std::nullopt;
  std::optional<CacheKey> key = CacheKey::fromRaw(std::string_view(db_key.data() + 2, 32));
  if (!key) return std::nullopt;
  return std::make_pair(kind, *key);
}

// Checks one stored value; the error names what failed.
absl::Status checkValue(rocksdb::Slice db_key, rocksdb::Slice value) {
  std::optional<std::pair<Kind, CacheKey>> parsed = parseStorageKey(db_key);
  if (!parsed) return absl::DataLossError("malformed storage key");
  return decodeValue(parsed->first, parsed->second, std::string_view(value.data(), value.size())).status();
}

VerifyReport verifyDb(rocksdb::DB& db) {
  VerifyReport report;
  for (std::string_view prefix : {prefixOf(Kind::kArtifact), prefixOf(Kind::kBundle)}) {
    report.read_errors += scanPrefix(
        db, prefix,
        [&](rocksdb::Slice key, rocksdb::Slice value) {
          ++report.values;
          if (absl::Status s = checkValue(key, value); !s.ok()) {
            ++report.corrupt_values;
            if (report.problems.size() < kMaxProblems)
              report.problems.push_back(absl::StrCat("corrupt value ", key.ToString(true), ": ", s.message()));
          }
        },
        &report.problems);
  }
  rocksdb::Status tables = db.VerifyChecksum();
  if (!tables.ok()) {
    report.tables_ok = false;
    if (report.problems.size() < kMaxProblems) report.problems.push_back("table files: " + tables.ToString());
  }
  return report;
}

// Another process holds the database: never a reason to move it aside.
bool lockHeld(const rocksdb::Status& s) {
  const std::string message = s.ToString();
  return s.IsIOError() && (message.find("/LOCK") != std::string::npos || message.find("lock hold") != std::string::npos);
}

void appendJsonString(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u >= 0x7f) {
      // Control and non-ASCII bytes (RocksDB messages may hold any): \u00XX,
      // so the output is valid JSON and valid UTF-8 whatever the input.
      out.append(absl::StrFormat("\\u%04x", u));
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

std::string toJson(const VerifyReport& report, std::string_view path) {
  std::string out = "{\"path\": ";
  appendJsonString(out, path);
  absl::StrAppend(&out, ", \"clean\": ", report.clean() ? "true" : "false", ", \"values\": ", report.values,
                  ", \"corrupt_values\": ", report.corrupt_values, ", \"read_errors\": ", report.read_errors,
                  ", \"tables_ok\": ", report.tables_ok ? "true" : "false", ", \"problems\": [");
  for (size_t i = 0; i < report.problems.size(); ++i) {
    if (i > 0) out.append(", ");
    appendJsonString(out, report.problems[i]);
  }
  out.append("]}");
  return out;
}

std::string Store::storageKey(Kind kind, const CacheKey& key) {
  std::string out(prefixOf(kind));
  out.append(key.raw());
  return out;
}

Store::Store(std::string path, const StoreOptions& options)
    : path_(std::move(path)), options_(options), db_options_(makeOptions(options)), max_bytes_(options.max_bytes) {}

void Store::setMaxBytes(uint64_t max_bytes) {
  const uint64_t before = max_bytes_.exchange(max_bytes);
  if (before != max_bytes)
    KILN_LOG(kInfo) << "cache: size bound " << before << " -> " << max_bytes << " bytes (0 = unbounded)";
  if (max_bytes == 0 || bytes_.load() <= max_bytes || !writable()) return;
  // Shrunk below what is stored: evict now, not at the next write.
  absl::ReaderMutexLock lock(&mu_);
  if (db_ == nullptr) return;
  absl::MutexLock index_lock(&index_mu_);
  if (bytes_.load() > max_bytes_.load()) evictLocked();
}

Store::~Store() {
  absl::MutexLock lock(&mu_);
  closeDb();
}

void Store::closeDb() {
  if (db_ == nullptr) return;
  rocksdb::Status s = db_->Close();
  // A database with a background error (a full disk) reports it again here.
  if (!s.ok()) KILN_LOG(kWarning) << "closing the cache: " << s.ToString();
  db_.reset();
}

absl::StatusOr<std::unique_ptr<Store>> Store::open(const std::string& path, const StoreOptions& options) {
  std::unique_ptr<Store> store(new Store(path, options));
  absl::MutexLock lock(&store->mu_);
  if (absl::Status s = store->openDb(); !s.ok()) return s;
  return store;
}

void Store::setReadOnly(std::string reason) {
  if (!read_only_) KILN_LOG(kError) << "cache " << path_ << " is read-only, compiling goes on: " << reason;
  read_only_ = true;
  read_only_reason_ = std::move(reason);
  read_only_flag_.store(true);
}

absl::Status Store::openDb() {
  rocksdb::DB* raw = nullptr;
  std::error_code ec;
  std::filesystem::create_directory(path_, ec);  // else RocksDB logs an error for a new cache
  rocksdb::Status s = rocksdb::DB::Open(*db_options_, path_, &raw);
  // Corruption: a damaged MANIFEST, CURRENT or table file, or a missing
  // table file. NotSupported, InvalidArgument: a database this build cannot
  // read (a newer RocksDB's format, another comparator). It is a cache:
  // start afresh, and keep the old one for inspection.
  if (s.IsCorruption() || s.IsNotSupported() || s.IsInvalidArgument()) {
    if (absl::Status m = moveAside(s.ToString()); !m.ok()) return m;
    std::filesystem::create_directory(path_, ec);
    s = rocksdb::DB::Open(*db_options_, path_, &raw);
  }
  ++generation_;
  if (s.ok()) {
    db_.reset(raw);
    {
      absl::MutexLock state(&state_mu_);
      if (read_only_) KILN_LOG(kInfo) << "cache " << path_ << " is writable again";
      read_only_ = false;
      read_only_reason_.clear();
      read_only_flag_.store(false);
    }
    return loadIndex();
  }
  if (!s.IsIOError() || lockHeld(s)) return fromRocksdb(s, absl::StrCat("opening cache at ", path_));
  // A full disk (or a read-only file system): serve what is there.
  {
    absl::MutexLock state(&state_mu_);
    setReadOnly(s.ToString());
    last_recovery_attempt_ = absl::Now();
  }
  rocksdb::Status r = rocksdb::DB::OpenForReadOnly(*db_options_, path_, &raw);
  if (!r.ok()) {
    KILN_LOG(kError) << "cache " << path_ << " cannot be opened even read-only (" << r.ToString()
                     << "); running without a cache until it can";
    return absl::OkStatus();
  }
  db_.reset(raw);
  return loadIndex();
}

absl::Status Store::moveAside(const std::string& why) {
  namespace fs = std::filesystem;
  const fs::path db_path(path_);
  const fs::path parent = db_path.parent_path().empty() ? fs::path(".") : db_path.parent_path();
  const std::string stem = db_path.filename().string() + ".corrupt-";
  // Keep the newest earlier copy only: damaged caches are for inspection,
  // they must not fill the disk.
  std::vector<fs::path> earlier;
  std::error_code ec;
  for (const fs::directory_entry& e : fs::directory_iterator(parent, ec))
    if (e.path().filename().string().rfind(stem, 0) == 0) earlier.push_back(e.path());
  std::sort(earlier.begin(), earlier.end());
  for (size_t i = 0; i + 1 < earlier.size(); ++i) fs::remove_all(earlier[i], ec);

  std::string target = absl::StrCat(path_, ".corrupt-", absl::FormatTime("%Y%m%dT%H%M%SZ", absl::Now(),
                                                                          absl::UTCTimeZone()));
  for (int n = 1; fs::exists(target, ec); ++n) target = absl::StrCat(target.substr(0, target.rfind('Z') + 1), "-", n);
  fs::rename(path_, target, ec);
  if (ec)
    return absl::PermissionDeniedError(
        absl::StrCat("cache at ", path_, " is damaged (", why, ") and cannot be moved aside: ", ec.message()));
  moved_aside_.fetch_add(1, std::memory_order_relaxed);
  KILN_LOG(kError) << "cache at " << path_ << " is damaged (" << why << "); moved aside to " << target
                   << ", starting a fresh one";
  return absl::OkStatus();
}

absl::Status Store::loadIndex() {
  uint64_t bytes = 0, max_sequence = 0;
  scanPrefix(
      *db_, kIndexPrefix,
      [&](rocksdb::Slice, rocksdb::Slice value) {
        if (std::optional<IndexEntry> e = parseIndex(value)) {
          bytes += e->size;
          max_sequence = std::max(max_sequence, e->sequence);
        }
      },
      nullptr);
  std::string marker;
  if (writable() && db_->Get(rocksdb::ReadOptions(), slice(kIndexMarker), &marker).IsNotFound()) {
    // A database written before the index existed: index every value, all
    // equally old.
    rocksdb::WriteBatch batch;
    scanPrefix(*db_, "", [&](rocksdb::Slice key, rocksdb::Slice value) {
      if (!parseStorageKey(key)) return;
      batch.Put(indexKey(std::string_view(key.data(), key.size())), indexValue(++max_sequence, value.size()));
      bytes += value.size();
    }, nullptr);
    batch.Put(slice(kIndexMarker), "1");
    if (rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch); !s.ok())
      KILN_LOG(kWarning) << "indexing the cache: " << s.ToString();
  }
  absl::MutexLock lock(&index_mu_);
  next_sequence_ = max_sequence + 1;
  bytes_.store(bytes);
  if (max_bytes_.load() > 0 && bytes > max_bytes_.load() && writable()) evictLocked();
  return absl::OkStatus();
}

bool Store::writable() const { return !read_only_flag_.load(); }

absl::StatusOr<std::optional<std::string>> Store::get(Kind kind, const CacheKey& key) {
  const std::string db_key = storageKey(kind, key);
  uint64_t generation = 0;
  std::string failure;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (db_ == nullptr) return std::nullopt;
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), db_key, &value);
    if (s.IsNotFound()) return std::nullopt;
    if (s.ok()) {
      absl::StatusOr<std::string_view> payload = decodeValue(kind, key, value);
      if (payload.ok()) {
        touch(db_key, value.size());
        return std::string(*payload);
      }
      corrupt_values_.fetch_add(1, std::memory_order_relaxed);
      KILN_LOG(kWarning) << "deleting corrupt cache value " << prefixOf(kind) << key.hex() << ": "
                         << payload.status().message();
      dropCorrupt(db_key);
      return std::nullopt;
    }
    if (!s.IsCorruption()) {
      KILN_LOG(kWarning) << "cache read of " << prefixOf(kind) << key.hex() << " failed, treated as a miss: "
                         << s.ToString();
      return std::nullopt;
    }
    corrupt_values_.fetch_add(1, std::memory_order_relaxed);
    generation = generation_;
    failure = s.ToString();
  }
  KILN_LOG(kWarning) << "cache read of " << prefixOf(kind) << key.hex() << ": " << failure;
  rebuild(generation, failure);
  return std::nullopt;
}

void Store::dropCorrupt(const std::string& db_key) {
  if (!writable()) return;
  absl::MutexLock lock(&index_mu_);
  const std::string index_key = indexKey(db_key);
  std::string index_value;
  uint64_t size = 0;
  if (db_->Get(rocksdb::ReadOptions(), index_key, &index_value).ok())
    if (std::optional<IndexEntry> e = parseIndex(index_value)) size = e->size;
  rocksdb::WriteBatch batch;
  batch.Delete(db_key);
  batch.Delete(index_key);
  rocksdb::Status d = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!d.ok()) {
    KILN_LOG(kWarning) << "could not delete corrupt value: " << d.ToString();
    return;
  }
  bytes_.fetch_sub(std::min(size, bytes_.load()));
}

void Store::touch(const std::string& db_key, uint64_t size) {
  if (max_bytes_.load() == 0 || !writable()) return;
  absl::MutexLock lock(&index_mu_);
  const std::string index_key = indexKey(db_key);
  std::string index_value;
  // No entry: the value was just evicted or deleted; do not resurrect it.
  if (!db_->Get(rocksdb::ReadOptions(), index_key, &index_value).ok()) return;
  // The access order is a hint: a crash may lose it, so skip the WAL.
  rocksdb::WriteOptions write_options;
  write_options.disableWAL = true;
  rocksdb::Status s = db_->Put(write_options, index_key, indexValue(next_sequence_++, size));
  (void)s;  // a failed touch only makes the entry look older
}

absl::Status Store::put(Kind kind, const CacheKey& key, std::string_view payload) {
  if (read_only_flag_.load()) maybeRecover();
  const std::string db_key = storageKey(kind, key);
  const std::string value = encodeValue(kind, key, payload);
  std::string failure;
  bool corruption = false;
  uint64_t generation = 0;
  {
    absl::ReaderMutexLock lock(&mu_);
    if (db_ == nullptr || !writable()) {
      dropped_writes_.fetch_add(1, std::memory_order_relaxed);
      return absl::OkStatus();
    }
    absl::MutexLock index_lock(&index_mu_);
    const std::string index_key = indexKey(db_key);
    std::string index_value;
    uint64_t old_size = 0;
    if (db_->Get(rocksdb::ReadOptions(), index_key, &index_value).ok())
      if (std::optional<IndexEntry> e = parseIndex(index_value)) old_size = e->size;
    rocksdb::WriteBatch batch;
    batch.Put(db_key, value);
    batch.Put(index_key, indexValue(next_sequence_++, value.size()));
    rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch);
    if (s.ok()) {
      bytes_.store(bytes_.load() - std::min(old_size, bytes_.load()) + value.size());
      if (const uint64_t max = max_bytes_.load(); max > 0 && bytes_.load() > max) evictLocked();
      return absl::OkStatus();
    }
    failure = s.ToString();
    corruption = s.IsCorruption();
    generation = generation_;
  }
  dropped_writes_.fetch_add(1, std::memory_order_relaxed);
  if (corruption) {
    rebuild(generation, failure);
  } else {
    absl::MutexLock state(&state_mu_);
    setReadOnly(failure);
    last_recovery_attempt_ = absl::Now();
  }
  return absl::OkStatus();
}

void Store::maybeRecover() {
  {
    absl::MutexLock state(&state_mu_);
    if (!read_only_ || absl::Now() - last_recovery_attempt_ < options_.retry_interval) return;
    last_recovery_attempt_ = absl::Now();
  }
  absl::MutexLock lock(&mu_);
  {
    absl::MutexLock state(&state_mu_);
    if (!read_only_) return;
  }
  // RocksDB 7.8 cannot Resume() after a failed WAL write; reopening replays
  // the WAL up to its last whole record.
  closeDb();
  if (absl::Status s = openDb(); !s.ok()) KILN_LOG(kError) << "reopening the cache: " << s;
}

void Store::evictLocked() {
  const uint64_t max_bytes = max_bytes_.load();
  if (max_bytes == 0) return;  // unbounded since the caller looked (SIGHUP)
  const uint64_t target = max_bytes / 10 * 9;
  std::vector<std::tuple<uint64_t, std::string, uint64_t>> entries;  // sequence, storage key, size
  scanPrefix(
      *db_, kIndexPrefix,
      [&](rocksdb::Slice key, rocksdb::Slice value) {
        if (std::optional<IndexEntry> e = parseIndex(value))
          entries.emplace_back(e->sequence, key.ToString().substr(kIndexPrefix.size()), e->size);
      },
      nullptr);
  std::sort(entries.begin(), entries.end());
  uint64_t bytes = bytes_.load(), freed = 0, n = 0;
  rocksdb::WriteBatch batch;
  for (const auto& [sequence, db_key, size] : entries) {
    if (bytes <= target) break;
    batch.Delete(db_key);
    batch.Delete(indexKey(db_key));
    bytes -= std::min(size, bytes);
    freed += size;
    ++n;
  }
  if (n == 0) return;
  if (rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch); !s.ok()) {
    KILN_LOG(kWarning) << "evicting from the cache: " << s.ToString();
    return;
  }
  bytes_.store(bytes);
  evictions_.fetch_add(n, std::memory_order_relaxed);
  KILN_LOG(kInfo) << "cache: evicted " << n << " least recently used values (" << freed << " bytes) to stay under "
                  << max_bytes << " bytes";
}

void Store::rebuild(uint64_t generation, const std::string& why) {
  namespace fs = std::filesystem;
  absl::MutexLock lock(&mu_);
  if (generation != generation_ || db_ == nullptr) return;  // already rebuilt
  rebuilds_.fetch_add(1, std::memory_order_relaxed);
  KILN_LOG(kError) << "cache " << path_ << ": RocksDB reports corruption (" << why
                   << "); copying what is readable into a fresh database";
  const std::string fresh = path_ + ".rebuild";
  std::error_code ec;
  fs::remove_all(fresh, ec);
  fs::create_directory(fresh, ec);
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(*db_options_, fresh, &raw);
  uint64_t kept = 0, dropped = 0, regions = 0;
  bool copied = s.ok();
  if (s.ok()) {
    std::unique_ptr<rocksdb::DB> out(raw);
    rocksdb::WriteBatch batch;
    uint64_t sequence = 0;
    auto flush = [&] {
      if (copied && batch.Count() > 0) copied = out->Write(rocksdb::WriteOptions(), &batch).ok();
      batch.Clear();
    };
    for (std::string_view prefix : {prefixOf(Kind::kArtifact), prefixOf(Kind::kBundle)}) {
      regions += scanPrefix(
          *db_, prefix,
          [&](rocksdb::Slice key, rocksdb::Slice value) {
            if (!checkValue(key, value).ok()) {
              ++dropped;
              return;
            }
            batch.Put(key, value);
            batch.Put(indexKey(std::string_view(key.data(), key.size())), indexValue(++sequence, value.size()));
            ++kept;
            if (batch.GetDataSize() > (4u << 20)) flush();
          },
          nullptr);
    }
    batch.Put(slice(kIndexMarker), "1");
    flush();
    if (rocksdb::Status c = out->Close(); !c.ok()) copied = false;
  }
  closeDb();
  if (absl::Status m = moveAside(why); !m.ok()) {
    KILN_LOG(kError) << m;
    copied = false;
  }
  if (copied) fs::rename(fresh, path_, ec);
  if (!copied || ec) {
    KILN_LOG(kError) << "cache " << path_ << ": the copy failed (" << (ec ? ec.message() : s.ToString())
                     << "); starting empty";
    fs::remove_all(fresh, ec);
    kept = 0;
  }
  if (absl::Status o = openDb(); !o.ok()) KILN_LOG(kError) << "reopening the cache: " << o;
  KILN_LOG(kError) << "cache " << path_ << " rebuilt: kept " << kept << " values, dropped " << dropped
                   << " corrupt ones and " << regions << " unreadable regions";
}

// metrics: `kilnctl cache evict|clear`. Deletes under the index lock, as
// evictLocked does, so concurrent puts and gets stay consistent: a reader
// either finds a whole value or none (a miss: it recompiles).
absl::StatusOr<EvictResult> Store::evict(const EvictFilter& filter) {
  if (read_only_flag_.load()) maybeRecover();
  absl::ReaderMutexLock lock(&mu_);
  if (db_ == nullptr || !writable())
    return absl::FailedPreconditionError("the cache is read-only (see kilnctl stats): nothing can be evicted now");
  absl::MutexLock index_lock(&index_mu_);
  const uint64_t now = static_cast<uint64_t>(absl::ToUnixSeconds(absl::Now()));
  std::vector<std::tuple<uint64_t, std::string, uint64_t>> entries;  // sequence, storage key, size
  scanPrefix(
      *db_, kIndexPrefix,
      [&](rocksdb::Slice key, rocksdb::Slice value) {
        std::optional<IndexEntry> e = parseIndex(value);
        if (!e) return;
        std::string db_key = key.ToString().substr(kIndexPrefix.size());
        if (!filter.all) {
          std::optional<std::pair<Kind, CacheKey>> parsed = parseStorageKey(db_key);
          if (!parsed) return;
          if (!filter.key_prefix_hex.empty() && parsed->second.hex().rfind(filter.key_prefix_hex, 0) != 0) return;
          if (filter.older_than_seconds &&
              (e->unix_seconds == 0 || now < e->unix_seconds || now - e->unix_seconds < *filter.older_than_seconds))
            return;
        }
        entries.emplace_back(e->sequence, std::move(db_key), e->size);
      },
      nullptr);
  std::sort(entries.begin(), entries.end());  // least recently used first
  EvictResult result;
  uint64_t bytes = bytes_.load();
  rocksdb::WriteBatch batch;
  for (const auto& [sequence, db_key, size] : entries) {
    if (filter.down_to_bytes && bytes <= *filter.down_to_bytes) break;
    batch.Delete(db_key);
    batch.Delete(indexKey(db_key));
    bytes -= std::min(size, bytes);
    result.bytes += size;
    ++result.values;
  }
  if (result.values > 0) {
    if (rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &batch); !s.ok())
      return fromRocksdb(s, "evicting from the cache");
    bytes_.store(bytes);
    evictions_.fetch_add(result.values, std::memory_order_relaxed);
    KILN_LOG(kInfo) << "cache: evicted " << result.values << " values (" << result.bytes << " bytes) on request";
  }
  if (filter.all) {
    // Whatever the index missed (values without an entry) goes too.
    rocksdb::WriteBatch rest;
    for (Kind kind : {Kind::kArtifact, Kind::kBundle})
      scanPrefix(*db_, prefixOf(kind), [&](rocksdb::Slice key, rocksdb::Slice) { rest.Delete(key); }, nullptr);
    if (rest.Count() > 0)
      if (rocksdb::Status s = db_->Write(rocksdb::WriteOptions(), &rest); !s.ok())
        return fromRocksdb(s, "clearing the cache");
    bytes_.store(0);
  }
  result.remaining_bytes = bytes_.load();
  return result;
}

absl::StatusOr<uint64_t> Store::count(Kind kind) const {
  absl::ReaderMutexLock lock(&mu_);
  if (db_ == nullptr) return 0;
  const std::string_view prefix = prefixOf(kind);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  uint64_t n = 0;
  for (it->Seek(slice(prefix)); it->Valid() && it->key().starts_with(slice(prefix)); it->Next()) ++n;
  if (!it->status().ok()) return fromRocksdb(it->status(), "cache scan");
  return n;
}

StoreStats Store::stats() const {
  StoreStats s;
  s.corrupt_values = corrupt_values_.load();
  s.moved_aside = moved_aside_.load();
  s.rebuilds = rebuilds_.load();
  s.evictions = evictions_.load();
  s.dropped_writes = dropped_writes_.load();
  s.bytes = bytes_.load();
  s.max_bytes = max_bytes_.load();
  absl::MutexLock state(&state_mu_);
  s.read_only = read_only_;
  s.read_only_reason = read_only_reason_;
  return s;
}

absl::StatusOr<VerifyReport> Store::verify() const {
  absl::ReaderMutexLock lock(&mu_);
  if (db_ == nullptr) return absl::UnavailableError(absl::StrCat("cache ", path_, " is not open"));
  return verifyDb(*db_);
}

absl::StatusOr<VerifyReport> Store::verifyPath(const std::string& path) {
  std::shared_ptr<rocksdb::Options> options = makeOptions(StoreOptions{});
  options->create_if_missing = false;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::OpenForReadOnly(*options, path, &raw);
  if (!s.ok()) return fromRocksdb(s, absl::StrCat("opening cache at ", path, " read-only"));
  std::unique_ptr<rocksdb::DB> db(raw);
  VerifyReport report = verifyDb(*db);
  db->Close().PermitUncheckedError();
  return report;
}

}  // namespace kiln::cache
