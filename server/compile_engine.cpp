#include "server/compile_engine.h"

#include <algorithm>
#include <exception>
#include <new>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "base/log.h"
#include "compiler/diagnostic.h"
#include "server/bundle_convert.h"
#include "server/metrics.h"
#include "server/request_validation.h"

namespace kiln::server {
namespace {

cache::CacheKey keyOf(const CompileJob& job) {
  cache::ArtifactKeyInput in;
  in.bundle_hash = std::string(job.bundle_hash.raw());
  in.arg_types = job.arg_types;
  in.return_type = job.return_type;
  in.triple = job.target.triple;
  in.cpu = job.target.cpu;
  in.features = job.target.features;
  in.opt_level = job.options.opt_level;
  in.fastmath = job.options.fastmath;
  in.fastmath_flags = job.options.fastmath_flags;
  in.boundscheck = job.options.boundscheck;
  in.error_model = job.options.error_model;
  in.emit = emitName(job.emit);
  in.compiler_build_id = compiler::compilerBuildId();
  return cache::artifactKey(in);
}

}  // namespace

CompileEngine::CompileEngine(const Config& config, cache::Store& store, cache::SharedTier* shared)
    : config_(config),
      store_(store),
      shared_(shared),
      bundles_(config.max_bundle_memory_bytes),
      slots_(config.threads > 0 ? config.threads : std::max(1, static_cast<int>(std::thread::hardware_concurrency())),
             config.max_queued_compiles, config.max_queued_per_client),
      limits_{config.max_compile_seconds, config.max_instances, config.max_ir_instructions} {}

void CompileEngine::setLimits(const Config& next) {
  absl::MutexLock lock(&limits_mu_);
  limits_ = Limits{next.max_compile_seconds, next.max_instances, next.max_ir_instructions};
}

std::shared_ptr<const compiler::Bundle> CompileEngine::findBundle(const cache::CacheKey& hash) {
  if (std::shared_ptr<const compiler::Bundle> held = bundles_.find(hash)) return held;
  absl::StatusOr<std::optional<std::string>> stored = store_.get(cache::Kind::kBundle, hash);
  if (!stored.ok()) {
    KILN_LOG(kWarning) << "reading bundle " << hash.hex() << ": " << stored.status();
    return nullptr;
  }
  if (stored->has_value()) return holdBundle(hash, **stored, /*from_l2=*/false);
  // opsrest: an L1 miss reads through the shared tier, so a server of the
  // cluster never asks a client for a bundle another server was sent. The
  // value's own checks, then its content address: a bundle is the SHA-256 of
  // its bytes, so anything else under its key is corrupt (counted, deleted).
  if (shared_ == nullptr) return nullptr;
  std::optional<std::string> shared = shared_->get(cache::Kind::kBundle, hash, [&hash](std::string_view bytes) {
    const cache::CacheKey actual = cache::sha256(bytes);
    return actual == hash ? absl::OkStatus()
                          : absl::DataLossError(absl::StrCat("a bundle whose SHA-256 is ", actual.hex()));
  });
  if (!shared) return nullptr;
  // What a client would be refused for uploading is no bundle here either:
  // the client uploads it and gets the error.
  if (shared->size() > config_.max_bundle_memory_bytes) return nullptr;
  std::shared_ptr<const compiler::Bundle> bundle = holdBundle(hash, *shared, /*from_l2=*/true);
  if (bundle != nullptr) {
    if (absl::Status s = store_.put(cache::Kind::kBundle, hash, *shared); !s.ok())
      KILN_LOG(kWarning) << "storing bundle " << hash.hex() << " from L2: " << s;
  }
  return bundle;
}

std::shared_ptr<const compiler::Bundle> CompileEngine::holdBundle(const cache::CacheKey& hash,
                                                                  const std::string& serialized, bool from_l2) {
  kiln::v1::Bundle proto;
  absl::StatusOr<compiler::Bundle> bundle = absl::DataLossError("stored bundle does not parse");
  if (proto.ParseFromString(serialized)) {
    // Another server wrote an L2 value: it gets an upload's checks.
    absl::Status valid = from_l2 ? validateBundle(proto) : absl::OkStatus();
    bundle = valid.ok() ? convertBundle(proto) : absl::StatusOr<compiler::Bundle>(valid);
  }
  // A stored bundle that no longer converts (say, a Python version this build
  // dropped) is treated as unknown: the client uploads it and gets the error.
  if (!bundle.ok()) {
    KILN_LOG(kWarning) << (from_l2 ? "shared" : "stored") << " bundle " << hash.hex()
                       << " is unusable: " << bundle.status();
    return nullptr;
  }
  auto held = std::make_shared<const compiler::Bundle>(*std::move(bundle));
  bundles_.insert(hash, held, serialized.size());
  return held;
}

absl::Status CompileEngine::addBundle(const cache::CacheKey& hash, std::string serialized, compiler::Bundle bundle) {
  {
    absl::MutexLock lock(&stats_mu_);
    ++stats_.bundle_uploads;
  }
  if (serialized.size() > config_.max_bundle_memory_bytes)
    return absl::ResourceExhaustedError(absl::StrCat("bundle of ", serialized.size(),
                                                     " bytes is larger than the memory for bundles (limit "
                                                     "--max-bundle-memory-bytes=",
                                                     config_.max_bundle_memory_bytes, ")"));
  if (absl::Status s = store_.put(cache::Kind::kBundle, hash, serialized); !s.ok()) return s;
  // opsrest: write-back, so every server of the cluster knows it.
  if (shared_ != nullptr) shared_->put(cache::Kind::kBundle, hash, serialized);
  bundles_.insert(hash, std::make_shared<const compiler::Bundle>(std::move(bundle)), serialized.size());
  return absl::OkStatus();
}

absl::StatusOr<CompileEngine::Shared> CompileEngine::lookup(const cache::CacheKey& key, bool through_l2) {
  absl::StatusOr<std::optional<std::string>> stored = store_.get(cache::Kind::kArtifact, key);
  if (!stored.ok()) return stored.status();
  if (stored->has_value()) return hitOf(key, **std::move(stored));
  // redis-l2: an L1 miss reads through the shared tier (verified there),
  // and a value found fills L1.
  if (shared_ == nullptr || !through_l2) return Shared();
  std::optional<std::string> shared = shared_->get(cache::Kind::kArtifact, key);
  if (!shared) return Shared();
  Shared hit = hitOf(key, *std::move(shared));
  if (hit != nullptr) {
    if (absl::Status s = store_.put(cache::Kind::kArtifact, key, hit->record); !s.ok())
      KILN_LOG(kWarning) << "storing artifact " << key.hex() << " from L2: " << s;
  }
  return hit;
}

CompileEngine::Shared CompileEngine::hitOf(const cache::CacheKey& key, std::string record) {
  // The stored record is the outcome: read in place, no parse, no copy.
  auto outcome = std::make_shared<CompileOutcome>();
  outcome->record = std::move(record);
  absl::StatusOr<ArtifactView> artifact = decodeArtifact(outcome->record);
  if (!artifact.ok()) {
    // The value passed its checksum, so this is a bug in whoever wrote it
    // (or a record of an older layout); recompiling is still the right answer.
    KILN_LOG(kWarning) << "cached artifact " << key.hex() << ": " << artifact.status();
    return Shared();
  }
  outcome->status = CompileOutcome::Status::kOk;
  outcome->artifact = *std::move(artifact);
  outcome->key = key;
  outcome->cache_hit = true;
  return Shared(std::move(outcome));
}

absl::StatusOr<std::shared_ptr<const CompileOutcome>> CompileEngine::compile(const CompileJob& job) {
  {
    absl::MutexLock lock(&stats_mu_);
    ++stats_.compile_requests;
  }
  // Whatever a compile throws ends here; the slot and the single-flight
  // entry were released on the way out (RAII).
  absl::Status thrown;
  try {
    absl::StatusOr<Shared> r = compileHitOrMiss(job);
    if (!r.ok() && (absl::IsDeadlineExceeded(r.status()) || absl::IsCancelled(r.status()) ||
                    absl::IsResourceExhausted(r.status()) || absl::IsUnavailable(r.status()))) {
      absl::MutexLock lock(&stats_mu_);
      ++stats_.stopped_compiles;
    }
    return r;
  } catch (const std::bad_alloc&) {
    thrown = absl::ResourceExhaustedError("the compile ran out of memory (std::bad_alloc)");
  } catch (const std::exception& e) {
    thrown = absl::InternalError(absl::StrCat("internal compiler error: exception: ", e.what()));
  } catch (...) {
    thrown = absl::InternalError("internal compiler error: unknown exception");
  }
  KILN_LOG(kError) << "compile threw: " << thrown;
  absl::MutexLock lock(&stats_mu_);
  ++stats_.exceptions;
  ++stats_.compile_errors;
  if (absl::IsInternal(thrown)) ++stats_.internal_errors;
  return thrown;
}

absl::StatusOr<CompileEngine::Shared> CompileEngine::compileHitOrMiss(const CompileJob& job) {
  const cache::CacheKey key = keyOf(job);
  // The artifact key needs only the bundle's hash, so a hit is served without
  // the bundle: a warm server never asks for an upload.
  step("lookup");
  absl::StatusOr<Shared> hit = lookup(key);
  if (!hit.ok()) {
    if (metrics_) metrics_->countLookup(Metrics::Tier::kL1, Metrics::LookupResult::kError);
    return hit.status();
  }
  if (*hit != nullptr) {
    if (metrics_) metrics_->countLookup(Metrics::Tier::kL1, Metrics::LookupResult::kHit);
    absl::MutexLock lock(&stats_mu_);
    ++stats_.cache_hits;
    return *hit;
  }
  step("find-bundle");
  std::shared_ptr<const compiler::Bundle> bundle = findBundle(job.bundle_hash);
  if (bundle == nullptr) {
    auto need = std::make_shared<CompileOutcome>();
    need->status = CompileOutcome::Status::kNeedBundle;
    need->key = key;
    return Shared(std::move(need));
  }
  if (metrics_) metrics_->countLookup(Metrics::Tier::kL1, Metrics::LookupResult::kMiss);
  {
    absl::MutexLock lock(&stats_mu_);
    ++stats_.cache_misses;
  }
  // A compile this request joined ran under its leader's deadline; when that
  // one stopped it and this request still has time, it compiles again.
  for (;;) {
    bool shared = false;
    absl::StatusOr<Shared> r = flight_.run(key, [&] { return compileMiss(job, key, bundle); }, &shared);
    if (shared) {
      if (metrics_) metrics_->countSingleFlightWait(Metrics::WaitScope::kLocal);
      absl::MutexLock lock(&stats_mu_);
      ++stats_.single_flight_waits;
    }
    const bool leader_stopped =
        !r.ok() && (absl::IsDeadlineExceeded(r.status()) || absl::IsCancelled(r.status()));
    if (!shared || !leader_stopped || absl::Now() >= job.deadline || !shutdown_.check().ok()) return r;
  }
}

void CompileEngine::beginDrain() { slots_.close(); }

void CompileEngine::cancelAll(absl::Status why) {
  slots_.close();
  shutdown_.cancel(std::move(why));
}

absl::StatusOr<CompileEngine::Shared> CompileEngine::compileMiss(const CompileJob& job, const cache::CacheKey& key,
                                                                 std::shared_ptr<const compiler::Bundle> bundle) {
  // Another flight for this key may have finished between our lookup and
  // this one starting. (L1 only: claim() below reads L2 as it goes.)
  absl::StatusOr<Shared> hit = lookup(key, /*through_l2=*/false);
  if (!hit.ok() || *hit != nullptr) return hit;

  KILN_LOG(kDebug) << "cache miss: compiling bundle " << job.bundle_hash.hex() << " entry for ("
                   << absl::StrJoin(job.arg_types, ", ") << "), key " << key.hex();
  // redis-l2: cluster single-flight. Either another server publishes the
  // value while we wait, or we hold the key's lock until our result is
  // published (released on every way out), or the tier is down or the wait
  // ran out and we compile without it.
  cache::SharedTier::Claim claim;
  if (shared_ != nullptr) {
    step("cluster-lock");
    claim = shared_->claim(key, job.deadline,
                           [&] { return !shutdown_.check().ok() || (job.client_gone && job.client_gone()); });
  }
  if (claim.payload) {
    Shared published = hitOf(key, *std::move(claim.payload));
    if (published != nullptr) {
      if (absl::Status s = store_.put(cache::Kind::kArtifact, key, published->record); !s.ok())
        KILN_LOG(kWarning) << "storing artifact " << key.hex() << " from L2: " << s;
      return published;
    }
  }
  struct Unlock {
    cache::SharedTier* tier;
    const cache::CacheKey& key;
    ~Unlock() {
      if (tier != nullptr) tier->release(key);
    }
  } unlock{claim.locked ? shared_ : nullptr, key};

  step("acquire-slot");
  absl::StatusOr<CompileSlots::Lease> slot = slots_.acquire(job.client, job.deadline);
  if (!slot.ok()) return slot.status();
  // The compile's own clock starts with its slot.
  compiler::CancelToken cancel(&shutdown_);
  const Limits limits = [this] {
    absl::MutexLock lock(&limits_mu_);
    return limits_;
  }();
  const absl::Time server_deadline = limits.max_compile_seconds > 0
                                         ? absl::Now() + absl::Seconds(limits.max_compile_seconds)
                                         : absl::InfiniteFuture();
  if (job.deadline < server_deadline)
    cancel.setDeadline(job.deadline, "the client's deadline");
  else if (server_deadline != absl::InfiniteFuture())
    cancel.setDeadline(server_deadline, absl::StrCat("the server's limit of ", limits.max_compile_seconds,
                                                     " s (--max-compile-seconds)"));
  if (job.client_gone) cancel.watch(job.client_gone, "the client cancelled its call");
  compiler::CompileRequest request;
  request.bundle = bundle.get();
  request.arg_types = job.arg_types;
  request.return_type = job.return_type;
  request.target = job.target;
  request.options = job.options;
  request.emit = job.emit;
  request.passes.verify_each = config_.verify_each;
  request.passes.budget.cancel = &cancel;
  request.passes.budget.max_instances = limits.max_instances;
  request.passes.budget.max_ir_instructions = limits.max_ir_instructions;
  request.passes.budget.before_stage = config_.fault_injection;
  const absl::Time start = absl::Now();
  absl::StatusOr<compiler::CompileResult> result = compiler::compile(request);
  const double seconds = absl::ToDoubleSeconds(absl::Now() - start);
  slot->release();
  // Stopped by its budget: the request's failure, not the code's; not stored.
  if (!result.ok() && (absl::IsDeadlineExceeded(result.status()) || absl::IsCancelled(result.status()) ||
                       absl::IsResourceExhausted(result.status()) || absl::IsUnavailable(result.status()))) {
    KILN_LOG(kWarning) << "compile of " << key.hex() << " stopped after " << seconds << " s: " << result.status();
    return result.status();
  }

  auto outcome = std::make_shared<CompileOutcome>();
  outcome->key = key;
  outcome->compile_seconds = seconds;
  // A user error carries a diagnostic. INVALID_ARGUMENT without one is input
  // the compiler rejected as malformed (bad bytecode): also the client's
  // problem, reported as unsupported. Anything else is a compiler bug.
  std::optional<compiler::Diagnostic> diagnostic;
  if (!result.ok()) diagnostic = compiler::diagnosticOf(result.status());
  const bool malformed = !result.ok() && !diagnostic && absl::IsInvalidArgument(result.status());
  const bool internal = !result.ok() && !diagnostic && !malformed;
  {
    absl::MutexLock lock(&stats_mu_);
    ++stats_.compiles;
    stats_.compile_seconds_total += seconds;
    if (!result.ok()) ++stats_.compile_errors;
    if (internal) ++stats_.internal_errors;
  }
  if (metrics_) {
    static const std::vector<std::pair<std::string, double>> kNoPasses;
    metrics_->observeCompile(result.ok() ? Metrics::CompileResult::kOk
                             : internal  ? Metrics::CompileResult::kInternalError
                                         : Metrics::CompileResult::kError,
                             seconds, result.ok() ? result->stage_seconds : kNoPasses);
  }
  if (result.ok()) {
    outcome->status = CompileOutcome::Status::kOk;
    // One record: stored as the cache value and served from, as a hit is.
    outcome->record = encodeArtifact(*result);
    absl::StatusOr<ArtifactView> artifact = decodeArtifact(outcome->record);
    if (!artifact.ok()) return absl::InternalError(absl::StrCat("artifact record: ", artifact.status().message()));
    outcome->artifact = *std::move(artifact);
    step("store");
    if (absl::Status s = store_.put(cache::Kind::kArtifact, key, outcome->record); !s.ok())
      KILN_LOG(kWarning) << "storing artifact " << key.hex() << ": " << s;  // served, just not cached
    // redis-l2: published before the lock goes (Unlock), so waiters find it.
    if (shared_ != nullptr) shared_->put(cache::Kind::kArtifact, key, outcome->record);
    return Shared(std::move(outcome));
  }
  outcome->status = CompileOutcome::Status::kError;
  if (diagnostic) {
    outcome->diagnostic = *std::move(diagnostic);
  } else {
    if (internal) KILN_LOG(kError) << "internal compiler error for key " << key.hex() << ": " << result.status();
    outcome->diagnostic.kind =
        internal ? compiler::Diagnostic::Kind::kInternal : compiler::Diagnostic::Kind::kUnsupported;
    outcome->diagnostic.message = internal ? absl::StrCat("internal compiler error: ", result.status().ToString())
                                           : std::string(result.status().message());
    const compiler::CodeObject& entry = bundle->functions.front().code;
    outcome->diagnostic.filename = entry.filename;
    outcome->diagnostic.line = entry.firstlineno;
    outcome->diagnostic.function = entry.qualname;
  }
  return Shared(std::move(outcome));
}

EngineStats CompileEngine::stats() {
  EngineStats s;
  {
    absl::MutexLock lock(&stats_mu_);
    s = stats_;
  }
  if (absl::StatusOr<uint64_t> n = store_.count(cache::Kind::kArtifact); n.ok()) s.cache_entries = *n;
  if (absl::StatusOr<uint64_t> n = store_.count(cache::Kind::kBundle); n.ok()) s.bundles_stored = *n;
  s.store = store_.stats();
  {
    // metrics: the store's counters since the last zeroStats().
    absl::MutexLock lock(&stats_mu_);
    const cache::StoreStats& base = store_baseline_;
    auto since = [](uint64_t now, uint64_t then) { return now >= then ? now - then : 0; };
    s.store.corrupt_values = since(s.store.corrupt_values, base.corrupt_values);
    s.store.moved_aside = since(s.store.moved_aside, base.moved_aside);
    s.store.rebuilds = since(s.store.rebuilds, base.rebuilds);
    s.store.evictions = since(s.store.evictions, base.evictions);
    s.store.dropped_writes = since(s.store.dropped_writes, base.dropped_writes);
  }
  s.corrupt_values = s.store.corrupt_values;
  if (shared_ != nullptr) {  // redis-l2
    s.l2_enabled = true;
    s.l2 = shared_->stats();
  }
  return s;
}

void CompileEngine::zeroStats() {
  const cache::StoreStats now = store_.stats();
  absl::MutexLock lock(&stats_mu_);
  stats_ = EngineStats();
  store_baseline_ = now;
}

}  // namespace kiln::server
