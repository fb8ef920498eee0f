#include "server/bundle_lru.h"

namespace kiln::server {

std::shared_ptr<const compiler::Bundle> BundleLru::find(const cache::CacheKey& hash) {
  absl::MutexLock lock(&mu_);
  auto it = index_.find(hash);
  if (it == index_.end()) return nullptr;
  order_.splice(order_.begin(), order_, it->second);
  return it->second->bundle;
}

void BundleLru::eraseLocked(std::list<Entry>::iterator it) {
  bytes_ -= it->bytes;
  index_.erase(it->hash);
  order_.erase(it);
}

void BundleLru::insert(const cache::CacheKey& hash, std::shared_ptr<const compiler::Bundle> bundle,
                       uint64_t bytes) {
  absl::MutexLock lock(&mu_);
  if (auto it = index_.find(hash); it != index_.end()) eraseLocked(it->second);
  if (bytes > max_bytes_) return;
  while (!order_.empty() && bytes_ + bytes > max_bytes_) {
    eraseLocked(std::prev(order_.end()));
    ++evictions_;
  }
  order_.push_front(Entry{hash, std::move(bundle), bytes});
  index_.emplace(hash, order_.begin());
  bytes_ += bytes;
}

uint64_t BundleLru::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

size_t BundleLru::size() const {
  absl::MutexLock lock(&mu_);
  return order_.size();
}

uint64_t BundleLru::evictions() const {
  absl::MutexLock lock(&mu_);
  return evictions_;
}

}  // namespace kiln::server
