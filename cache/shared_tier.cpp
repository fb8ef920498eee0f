#include "cache/shared_tier.h"

#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "base/log.h"
#include "cache/redis_connection.h"

namespace kiln::cache {
namespace {

// Deletes the lock only while it is still ours: a holder whose lock expired
// (and was taken by another server) must not release the new holder's.
constexpr std::string_view kReleaseScript =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

// Extends the lock only while it is still ours (the same reason).
constexpr std::string_view kRenewScript =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

SharedTierStats::Reason reasonOf(const absl::Status& s) {
  if (absl::IsDeadlineExceeded(s)) return SharedTierStats::kTimeout;
  if (absl::IsDataLoss(s) || absl::IsPermissionDenied(s) || absl::IsInvalidArgument(s))
    return SharedTierStats::kProtocol;
  return SharedTierStats::kConnect;
}

std::string defaultServerId() {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::random_device rd;
  return absl::StrFormat("%s:%d:%08x", host, getpid(), rd());
}

}  // namespace

const char* SharedTierStats::reasonName(Reason r) {
  switch (r) {
    case kTimeout: return "timeout";
    case kConnect: return "connect";
    case kProtocol: return "protocol";
    case kDigest: return "digest";
    case kReasonCount: break;
  }
  return "unknown";
}

struct SharedTier::Instance {
  RedisEndpoint endpoint;
  absl::Mutex mu;
  std::vector<std::unique_ptr<RedisConnection>> idle ABSL_GUARDED_BY(mu);
  bool down ABSL_GUARDED_BY(mu) = false;
  absl::Time retry_at ABSL_GUARDED_BY(mu) = absl::InfinitePast();
  std::atomic<bool> down_now{false};
};

SharedTier::SharedTier(SharedTierOptions options) : options_(std::move(options)) {}

SharedTier::~SharedTier() {
  {
    absl::MutexLock lock(&held_mu_);
    stopping_ = true;
  }
  if (renewer_.joinable()) renewer_.join();
}

void SharedTier::renewLoop() {
  const absl::Duration period = std::max(options_.lock_ttl / 3, absl::Milliseconds(1));
  const std::string px = std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(options_.lock_ttl)));
  for (;;) {
    std::vector<CacheKey> keys;
    {
      absl::MutexLock lock(&held_mu_);
      held_mu_.AwaitWithTimeout(absl::Condition(&stopping_), period);
      if (stopping_) return;
      for (const auto& [key, n] : held_) keys.push_back(key);
    }
    // A release() racing with this finds the lock deleted or another's, and
    // the compare-and-extend leaves it alone.
    for (const CacheKey& key : keys) {
      std::optional<RespValue> reply = run(key, {"EVAL", kRenewScript, "1", lockKey(key), options_.server_id, px});
      if (!reply) continue;  // the tier is down: counted by run(); try again next period
      if (reply->type == RespValue::Type::kInteger && reply->integer == 1) {
        lock_renewals_.fetch_add(1, std::memory_order_relaxed);
        continue;
      }
      locks_lost_.fetch_add(1, std::memory_order_relaxed);
      KILN_LOG(kWarning) << "the cluster lock on " << key.hex()
                         << " expired or was taken while compiling it; another server may compile it too";
      absl::MutexLock lock(&held_mu_);
      held_.erase(key);
    }
  }
}

absl::StatusOr<std::unique_ptr<SharedTier>> SharedTier::create(const SharedTierOptions& options) {
  if (options.urls.empty()) return absl::InvalidArgumentError("--shared-cache: no redis:// URL");
  if (options.timeout <= absl::ZeroDuration())
    return absl::InvalidArgumentError("--shared-cache-timeout-ms must be positive");
  std::unique_ptr<SharedTier> tier(new SharedTier(options));
  if (tier->options_.server_id.empty()) tier->options_.server_id = defaultServerId();
  std::string password;
  if (!options.password_file.empty()) {
    std::ifstream in(options.password_file);
    if (!in || !std::getline(in, password))
      return absl::InvalidArgumentError(
          absl::StrCat("--shared-cache-password-file: cannot read '", options.password_file, "'"));
    while (!password.empty() && (password.back() == '\r' || password.back() == ' ')) password.pop_back();
    if (password.empty())
      return absl::InvalidArgumentError(
          absl::StrCat("--shared-cache-password-file: '", options.password_file, "' has an empty first line"));
  }
  bool any_tls = false;
  for (const std::string& url : options.urls) {
    absl::StatusOr<RedisEndpoint> e = parseRedisUrl(url);
    if (!e.ok()) return e.status();
    if (!password.empty()) e->password = password;
    any_tls = any_tls || e->tls;
    if (std::find(tier->names_.begin(), tier->names_.end(), e->name()) != tier->names_.end())
      return absl::InvalidArgumentError(absl::StrCat("--shared-cache names ", e->name(), " twice"));
    auto instance = std::make_unique<Instance>();
    instance->endpoint = *std::move(e);
    tier->names_.push_back(instance->endpoint.name());
    tier->instances_.push_back(std::move(instance));
  }
  if (any_tls) {
    absl::StatusOr<std::shared_ptr<SSL_CTX>> ctx =
        makeRedisTlsContext(options.tls_ca_path, options.tls_cert_path, options.tls_key_path);
    if (!ctx.ok()) return ctx.status();
    tier->tls_ = *std::move(ctx);
  } else if (!options.tls_ca_path.empty() || !options.tls_cert_path.empty()) {
    return absl::InvalidArgumentError("--shared-cache-tls-* options need rediss:// URLs");
  }
  SharedTier* self = tier.get();
  tier->renewer_ = std::thread([self] { self->renewLoop(); });
  return tier;
}

std::vector<size_t> SharedTier::preference(std::string_view key, const std::vector<std::string>& instances) {
  std::vector<std::pair<uint64_t, size_t>> weights;
  weights.reserve(instances.size());
  for (size_t i = 0; i < instances.size(); ++i) {
    const uint64_t seed = XXH3_64bits(instances[i].data(), instances[i].size());
    weights.emplace_back(XXH3_64bits_withSeed(key.data(), key.size(), seed), i);
  }
  std::sort(weights.begin(), weights.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<size_t> order;
  order.reserve(weights.size());
  for (const auto& w : weights) order.push_back(w.second);
  return order;
}

std::string SharedTier::valueKey(Kind kind, const CacheKey& key) {
  return absl::StrCat(kind == Kind::kArtifact ? "kiln:a:" : "kiln:b:", key.hex());
}

std::string SharedTier::lockKey(const CacheKey& key) { return absl::StrCat("kiln:lock:", key.hex()); }

bool SharedTier::available(Instance& instance) {
  if (!instance.down_now.load(std::memory_order_relaxed)) return true;
  absl::MutexLock lock(&instance.mu);
  if (!instance.down) return true;
  const absl::Time now = absl::Now();
  if (now < instance.retry_at) return false;
  // One trial per retry period: the others keep skipping it meanwhile.
  instance.retry_at = now + options_.retry_after;
  return true;
}

void SharedTier::markDown(Instance& instance, SharedTierStats::Reason reason, const absl::Status& why) {
  errors_[reason].fetch_add(1, std::memory_order_relaxed);
  absl::MutexLock lock(&instance.mu);
  instance.idle.clear();
  instance.retry_at = absl::Now() + options_.retry_after;
  if (instance.down) return;
  instance.down = true;
  instance.down_now.store(true);
  degraded_events_.fetch_add(1, std::memory_order_relaxed);
  KILN_LOG(kWarning) << "shared cache " << instance.endpoint.name() << " is down (" << SharedTierStats::reasonName(reason)
                     << ": " << why.message() << "); its keys go to the next instance, or L1 only, retrying every "
                     << absl::FormatDuration(options_.retry_after);
}

void SharedTier::markUp(Instance& instance) {
  if (!instance.down_now.load(std::memory_order_relaxed)) return;
  absl::MutexLock lock(&instance.mu);
  if (!instance.down) return;
  instance.down = false;
  instance.down_now.store(false);
  KILN_LOG(kInfo) << "shared cache " << instance.endpoint.name() << " is back up";
}

absl::StatusOr<RespValue> SharedTier::runOn(Instance& instance, const std::vector<std::string_view>& args) {
  std::unique_ptr<RedisConnection> conn;
  {
    absl::MutexLock lock(&instance.mu);
    if (!instance.idle.empty()) {
      conn = std::move(instance.idle.back());
      instance.idle.pop_back();
    }
  }
  const size_t max_reply = options_.max_value_bytes + kValueOverhead + 1024;
  absl::StatusOr<RespValue> reply = absl::UnavailableError("not run");
  for (int attempt = 0; attempt < 2; ++attempt) {
    const bool pooled = conn != nullptr;
    if (!pooled) {
      absl::StatusOr<std::unique_ptr<RedisConnection>> fresh =
          RedisConnection::connect(instance.endpoint, tls_.get(), max_reply, absl::Now() + 4 * options_.timeout);
      if (!fresh.ok()) return fresh.status();
      conn = *std::move(fresh);
    }
    reply = conn->command(args, absl::Now() + options_.timeout);
    if (reply.ok()) break;
    conn.reset();
    // A pooled connection the server closed since (restart, idle timeout):
    // once more on a fresh one.
    if (!pooled || !absl::IsUnavailable(reply.status())) return reply;
  }
  if (!reply.ok()) return reply;
  absl::MutexLock lock(&instance.mu);
  if (instance.idle.size() < options_.pool_size) instance.idle.push_back(std::move(conn));
  return reply;
}

std::optional<RespValue> SharedTier::run(const CacheKey& key, const std::vector<std::string_view>& args) {
  for (size_t i : preference(key.raw(), names_)) {
    Instance& instance = *instances_[i];
    if (!available(instance)) continue;
    absl::StatusOr<RespValue> reply = runOn(instance, args);
    if (reply.ok() && reply->type == RespValue::Type::kError)
      reply = absl::DataLossError(absl::StrCat("error reply to ", std::string(args[0]), ": ", reply->str));
    if (reply.ok()) {
      markUp(instance);
      return *std::move(reply);
    }
    markDown(instance, reasonOf(reply.status()), reply.status());
  }
  return std::nullopt;
}

std::optional<std::string> SharedTier::fetch(Kind kind, const CacheKey& key, bool count,
                                             const std::function<absl::Status(std::string_view)>& check) {
  const bool bundle = kind == Kind::kBundle;
  const std::string vk = valueKey(kind, key);
  std::optional<RespValue> reply = run(key, {"GET", vk});
  if (!reply) return std::nullopt;  // counted by run()
  if (reply->type == RespValue::Type::kNil) {
    if (count) (bundle ? bundle_misses_ : misses_).fetch_add(1, std::memory_order_relaxed);
    return std::nullopt;
  }
  absl::StatusOr<std::string_view> payload =
      reply->type == RespValue::Type::kBulk ? decodeValue(kind, key, reply->str)
                                            : absl::DataLossError("GET answered with something not a string");
  if (payload.ok() && check) {
    if (absl::Status s = check(*payload); !s.ok()) payload = s;
  }
  if (!payload.ok()) {
    corrupt_values_.fetch_add(1, std::memory_order_relaxed);
    errors_[SharedTierStats::kDigest].fetch_add(1, std::memory_order_relaxed);
    KILN_LOG(kWarning) << "shared cache value " << vk << " failed its checks (" << payload.status().message()
                       << (bundle ? "); deleted, asking the client for it" : "); deleted, recompiling");
    run(key, {"DEL", vk});
    return std::nullopt;
  }
  if (count) (bundle ? bundle_hits_ : hits_).fetch_add(1, std::memory_order_relaxed);
  return std::string(*payload);
}

std::optional<std::string> SharedTier::get(Kind kind, const CacheKey& key,
                                           const std::function<absl::Status(std::string_view)>& check) {
  return fetch(kind, key, true, check);
}

void SharedTier::put(Kind kind, const CacheKey& key, std::string_view payload) {
  if (payload.size() > options_.max_value_bytes) {
    oversize_.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const std::string vk = valueKey(kind, key);
  const std::string value = encodeValue(kind, key, payload);
  std::vector<std::string_view> args = {"SET", vk, value};
  const std::string ttl_ms = std::to_string(absl::ToInt64Milliseconds(options_.ttl));
  if (options_.ttl > absl::ZeroDuration()) {
    args.push_back("PX");
    args.push_back(ttl_ms);
  }
  std::optional<RespValue> reply = run(key, args);
  if (reply && reply->isOk()) writes_.fetch_add(1, std::memory_order_relaxed);
}

SharedTier::Claim SharedTier::claim(const CacheKey& key, absl::Time deadline, const std::function<bool()>& stop) {
  const std::string lk = lockKey(key);
  const std::string px = std::to_string(std::max<int64_t>(1, absl::ToInt64Milliseconds(options_.lock_ttl)));
  absl::Time give_up = std::min(deadline, absl::Now() + options_.lock_wait);
  int64_t last_pttl = -1;
  absl::Duration backoff = absl::Milliseconds(2);
  bool waited = false;
  for (;;) {
    std::optional<RespValue> reply = run(key, {"SET", lk, options_.server_id, "NX", "PX", px});
    if (!reply) return {};  // the tier is down: compile without a lock
    if (reply->isOk()) {
      // The holder before us may have published and released between our
      // last look and our SET.
      if (std::optional<std::string> value = fetch(Kind::kArtifact, key, false)) {
        release(key);
        (waited ? lock_wait_hits_ : hits_).fetch_add(1, std::memory_order_relaxed);
        return {std::move(value), false};
      }
      lock_acquired_.fetch_add(1, std::memory_order_relaxed);
      absl::MutexLock lock(&held_mu_);
      ++held_[key];
      return {std::nullopt, true};
    }
    if (reply->type != RespValue::Type::kNil) return {};
    // A holder that renews its lock is alive: the bound starts again.
    if (std::optional<RespValue> ttl = run(key, {"PTTL", lk}); ttl && ttl->type == RespValue::Type::kInteger) {
      if (last_pttl >= 0 && ttl->integer > last_pttl) give_up = std::min(deadline, absl::Now() + options_.lock_wait);
      last_pttl = ttl->integer;
    }
    if (!waited) {
      waited = true;
      lock_waits_.fetch_add(1, std::memory_order_relaxed);
    }
    const absl::Time now = absl::Now();
    if (stop && stop()) return {};
    if (now >= give_up) {
      KILN_LOG(kWarning) << "waited " << absl::FormatDuration(options_.lock_wait) << " for another server to compile "
                         << key.hex() << "; compiling here";
      return {};
    }
    absl::SleepFor(std::min(backoff, give_up - now));
    backoff = std::min(backoff * 2, absl::Milliseconds(50));
    if (std::optional<std::string> value = fetch(Kind::kArtifact, key, false)) {
      lock_wait_hits_.fetch_add(1, std::memory_order_relaxed);
      return {std::move(value), false};
    }
  }
}

void SharedTier::release(const CacheKey& key) {
  {
    absl::MutexLock lock(&held_mu_);
    if (auto it = held_.find(key); it != held_.end() && --it->second <= 0) held_.erase(it);
  }
  const std::string lk = lockKey(key);
  run(key, {"EVAL", kReleaseScript, "1", lk, options_.server_id});
}

SharedTierStats SharedTier::stats() const {
  SharedTierStats s;
  s.hits = hits_.load();
  s.misses = misses_.load();
  for (int r = 0; r < SharedTierStats::kReasonCount; ++r) s.errors[r] = errors_[r].load();
  s.writes = writes_.load();
  s.oversize = oversize_.load();
  s.lock_acquired = lock_acquired_.load();
  s.lock_waits = lock_waits_.load();
  s.lock_wait_hits = lock_wait_hits_.load();
  s.corrupt_values = corrupt_values_.load();
  s.degraded_events = degraded_events_.load();
  s.bundle_hits = bundle_hits_.load();
  s.bundle_misses = bundle_misses_.load();
  s.lock_renewals = lock_renewals_.load();
  s.locks_lost = locks_lost_.load();
  s.instances = instances_.size();
  for (const auto& instance : instances_) {
    const bool down = instance->down_now.load();
    if (down) ++s.instances_down;
    s.instance_up.emplace_back(instance->endpoint.name(), !down);
  }
  s.degraded = s.instances_down > 0;
  return s;
}

}  // namespace kiln::cache
