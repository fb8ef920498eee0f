#include "cache/store.h"

#include <rocksdb/cache.h>
#include <rocksdb/db.h>
#include <rocksdb/table.h>

#include "absl/strings/str_cat.h"
#include "base/log.h"
#include "cache/rocksdb_status.h"

namespace kiln::cache {
namespace {

std::string_view prefixOf(Kind kind) {
  switch (kind) {
    case Kind::kArtifact: return "a/";
    case Kind::kBundle: return "b/";
  }
  return "?/";
}

}  // namespace

std::string Store::storageKey(Kind kind, const CacheKey& key) {
  std::string out(prefixOf(kind));
  out.append(key.raw());
  return out;
}

Store::Store(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}

Store::~Store() {
  if (db_) {
    rocksdb::Status s = db_->Close();
    if (!s.ok()) KILN_LOG(kWarning) << "closing the cache: " << s.ToString();
  }
}

absl::StatusOr<std::unique_ptr<Store>> Store::open(const std::string& path, const StoreOptions& options) {
  rocksdb::Options db_options;
  db_options.create_if_missing = true;
  db_options.max_total_wal_size = options.max_total_wal_size;
  // Start-up speed: do not read every SST's stats on open; keep few info logs.
  db_options.skip_stats_update_on_db_open = true;
  db_options.keep_log_file_num = 2;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  rocksdb::BlockBasedTableOptions table;
  table.block_cache = rocksdb::NewLRUCache(options.block_cache_bytes);
  db_options.table_factory.reset(rocksdb::NewBlockBasedTableFactory(table));

  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, path, &raw);
  if (!s.ok()) return fromRocksdb(s, absl::StrCat("opening cache at ", path));
  return std::unique_ptr<Store>(new Store(std::unique_ptr<rocksdb::DB>(raw)));
}

absl::StatusOr<std::optional<std::string>> Store::get(Kind kind, const CacheKey& key) {
  const std::string db_key = storageKey(kind, key);
  std::string value;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), db_key, &value);
  if (s.IsNotFound()) return std::nullopt;
  if (!s.ok()) return fromRocksdb(s, "cache read");
  absl::StatusOr<std::string_view> payload = decodeValue(kind, key, value);
  if (payload.ok()) return std::string(*payload);

  corrupt_values_.fetch_add(1, std::memory_order_relaxed);
  KILN_LOG(kWarning) << "deleting corrupt cache value " << prefixOf(kind) << key.hex() << ": "
                     << payload.status().message();
  rocksdb::Status d = db_->Delete(rocksdb::WriteOptions(), db_key);
  if (!d.ok()) KILN_LOG(kWarning) << "could not delete corrupt value: " << d.ToString();
  return std::nullopt;
}

absl::Status Store::put(Kind kind, const CacheKey& key, std::string_view payload) {
  return fromRocksdb(db_->Put(rocksdb::WriteOptions(), storageKey(kind, key), encodeValue(kind, key, payload)),
                     "cache write");
}

absl::StatusOr<uint64_t> Store::count(Kind kind) const {
  const std::string_view prefix = prefixOf(kind);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  uint64_t n = 0;
  for (it->Seek(rocksdb::Slice(prefix.data(), prefix.size())); it->Valid() && it->key().starts_with(
           rocksdb::Slice(prefix.data(), prefix.size()));
       it->Next())
    ++n;
  if (!it->status().ok()) return fromRocksdb(it->status(), "cache scan");
  return n;
}

}  // namespace kiln::cache
