#include "server/kiln_service.h"

#include "kiln/v1/bundle_hash.h"

#include <unistd.h>

#include <chrono>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/bundle_convert.h"
#include "server/request_validation.h"
#include "server/signature.h"
#include "server/status_map.h"

#ifndef KILN_VERSION
#define KILN_VERSION "0.0.0"
#endif

namespace kiln::server {

namespace pb = kiln::v1;

// Uploads this large leave megabytes of freed buffers (the request, its
// serialization, the decoded bundle) in malloc's arenas.
constexpr size_t kLargeUploadBytes = 1 << 20;

class KilnService::Activity {
 public:
  explicit Activity(KilnService& s) : s_(s) {
    const int n = s_.in_flight_.fetch_add(1) + 1;
    touch();
    if (s_.max_concurrent_rpcs_ > 0 && n > s_.max_concurrent_rpcs_)
      refused_ = grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                              absl::StrCat("too many requests at once: ", n - 1,
                                           " are being served (limit --max-concurrent-rpcs=",
                                           s_.max_concurrent_rpcs_, ")"));
  }
  ~Activity() {
    touch();
    s_.in_flight_.fetch_sub(1);
  }
  /// Set when this request is over the cap and must be refused.
  const std::optional<grpc::Status>& refused() const { return refused_; }

 private:
  std::optional<grpc::Status> refused_;
  void touch() { s_.last_activity_ns_.store(absl::ToUnixNanos(absl::Now())); }
  KilnService& s_;
};

KilnService::KilnService(CompileEngine& engine, std::function<void()> on_shutdown, const Authorizer& authorizer,
                         const pb::SigningKey* signing_key, int max_concurrent_rpcs)
    : engine_(engine),
      on_shutdown_(std::move(on_shutdown)),
      authorizer_(authorizer),
      signing_key_(signing_key),
      max_concurrent_rpcs_(max_concurrent_rpcs),
      last_activity_ns_(absl::ToUnixNanos(absl::Now())) {}

absl::Duration KilnService::idleFor() const {
  if (in_flight_.load() > 0) return absl::ZeroDuration();
  return absl::Now() - absl::FromUnixNanos(last_activity_ns_.load());
}

grpc::Status KilnService::GetServerInfo(grpc::ServerContext* context, const pb::ServerInfoRequest*,
                                        pb::ServerInfo* reply) {
  Activity activity(*this);
  if (grpc::Status s = authorizer_.authorize(*context, "GetServerInfo"); !s.ok()) return s;
  if (activity.refused()) return *activity.refused();
  reply->set_version(KILN_VERSION);
  reply->set_compiler_build_id(compiler::compilerBuildId());
  for (const std::string& v : compiler::supportedPythonVersions()) reply->add_python_versions(v);
  reply->add_targets(compiler::Target().triple);
  reply->set_protocol_version(1);
  reply->set_pid(getpid());
  if (gpu_ != nullptr) *reply->mutable_gpu_pool() = gpu_->info();  // gpu:
  return grpc::Status::OK;
}

namespace {

// The queue's unit of fairness: the peer's address without its port (one
// host is one client however many connections it opens); every client of
// the Unix socket is one local client.
std::string clientOf(const grpc::ServerContext& context) {
  std::string peer = context.peer();
  if (peer.rfind("unix:", 0) == 0) return "unix";
  if (const size_t colon = peer.rfind(':'); colon != std::string::npos && colon > peer.find(':'))
    peer.resize(colon);  // "ipv4:1.2.3.4:5678", "ipv6:[::1]:5678"
  return peer;
}

}  // namespace

grpc::Status KilnService::Compile(grpc::ServerContext* context, const pb::CompileRequest* request,
                                  pb::CompileResponse* reply) {
  Activity activity(*this);
  if (grpc::Status s = authorizer_.authorize(*context, "Compile"); !s.ok()) return s;
  if (activity.refused()) return *activity.refused();
  const auto deadline = context->deadline();
  return toGrpc(compile(*request, *reply, clientOf(*context),
                        deadline == std::chrono::system_clock::time_point::max() ? absl::InfiniteFuture()
                                                                                 : absl::FromChrono(deadline),
                        [context] { return context->IsCancelled(); }));
}

absl::Status KilnService::compile(const pb::CompileRequest& request, pb::CompileResponse& reply, std::string client,
                                  absl::Time deadline, std::function<bool()> client_gone) {
  // Every size, count and name the client sent, before any is used.
  if (absl::Status s = validateCompileRequest(request); !s.ok()) return s;
  std::optional<cache::CacheKey> hash = cache::CacheKey::fromRaw(request.bundle_hash());
  if (!hash)
    return absl::InvalidArgumentError(
        absl::StrCat("bundle_hash is ", request.bundle_hash().size(), " bytes, expected 32 (SHA-256)"));
  CompileJob job;
  job.client = std::move(client);
  job.deadline = deadline;
  job.client_gone = std::move(client_gone);
  job.bundle_hash = *hash;
  job.arg_types.assign(request.arg_types().begin(), request.arg_types().end());
  job.return_type = request.return_type();
  // Canonical spellings before the key: "f8" and "float64" are one entry.
  if (absl::Status s = canonicalizeTypes(job.arg_types, job.return_type); !s.ok()) return s;
  job.target = convertTarget(request.target());
  absl::StatusOr<compiler::Options> options = convertOptions(request.options());
  if (!options.ok()) return options.status();
  job.options = *options;
  absl::StatusOr<compiler::Emit> emit = convertEmit(request.emit());
  if (!emit.ok()) return emit.status();
  job.emit = *emit;

  if (request.has_bundle()) {
    std::string serialized = kiln::v1::deterministicBytes(request.bundle());
    if (serialized.size() >= kLargeUploadBytes) large_upload_.store(true);
    if (cache::sha256(serialized) != *hash)
      return absl::InvalidArgumentError(absl::StrCat("bundle_hash ", hash->hex(),
                                                     " does not match the bundle's SHA-256 ",
                                                     cache::sha256(serialized).hex()));
    absl::StatusOr<compiler::Bundle> bundle = convertBundle(request.bundle());
    if (!bundle.ok()) return bundle.status();
    if (absl::Status s = engine_.addBundle(*hash, std::move(serialized), *std::move(bundle)); !s.ok()) return s;
  }

  absl::StatusOr<std::shared_ptr<const CompileOutcome>> outcome = engine_.compile(job);
  if (!outcome.ok()) return outcome.status();
  const CompileOutcome& o = **outcome;
  reply.set_cache_hit(o.cache_hit);
  reply.set_compile_seconds(o.compile_seconds);
  switch (o.status) {
    case CompileOutcome::Status::kNeedBundle: reply.set_status(pb::CompileResponse::STATUS_NEED_BUNDLE); break;
    case CompileOutcome::Status::kError:
      reply.set_status(pb::CompileResponse::STATUS_ERROR);
      *reply.mutable_diagnostic() = toProto(o.diagnostic);
      break;
    case CompileOutcome::Status::kOk: {
      reply.set_status(pb::CompileResponse::STATUS_OK);
      pb::Artifact* a = reply.mutable_artifact();
      // Copied out of the stored record (server/artifact_record.h).
      const ArtifactView& v = o.artifact;
      a->set_shared_object(v.shared_object.data(), v.shared_object.size());
      a->set_entry_symbol(v.entry_symbol.data(), v.entry_symbol.size());
      a->set_return_type(v.return_type.data(), v.return_type.size());
      for (absl::string_view t : v.arg_types) a->add_arg_types(t.data(), t.size());
      for (const ArtifactView::Warning& w : v.warnings)  // advisory: outside the seal
        *a->add_warnings() = toProto(compiler::Diagnostic{w.kind, std::string(w.message), std::string(w.filename),
                                                          w.line, std::string(w.function)});
      a->set_cache_key(o.key.raw().data(), o.key.raw().size());
      // The seal (kiln/v1/artifact_seal.h): the client checks it before loading.
      const std::string digest = pb::artifactDigest(request, *a);
      a->set_digest(digest);
      if (signing_key_ != nullptr) a->set_signature(signatureOf(digest));
      // A proto string must be valid UTF-8 (a dump may quote bytes).
      reply.set_text(safeText(v.text, /*max_bytes=*/0));
      break;
    }
  }
  return absl::OkStatus();
}

std::string KilnService::signatureOf(const std::string& digest) {
  {
    absl::MutexLock lock(&signatures_mu_);
    if (auto it = signatures_.find(digest); it != signatures_.end()) return it->second;
  }
  std::string signature = signing_key_->sign(digest);
  absl::MutexLock lock(&signatures_mu_);
  if (signatures_.size() >= kMaxSignatures) signatures_.clear();
  signatures_.emplace(digest, signature);
  return signature;
}

// ---- gpu: the GPU pool -----------------------------------------------------

namespace {

absl::Time deadlineOf(const grpc::ServerContext& context) {
  const auto deadline = context.deadline();
  return deadline == std::chrono::system_clock::time_point::max() ? absl::InfiniteFuture()
                                                                  : absl::FromChrono(deadline);
}

// The bytes of a launch's CompileRequest without its bundle, deterministic:
// what decides the kernel a launch runs (the target is the pool's).
std::string launchKernelKey(const pb::CompileRequest& kernel) {
  const pb::CompileRequest* without_bundle = &kernel;
  pb::CompileRequest copy;
  if (kernel.has_bundle()) {
    copy = kernel;
    copy.clear_bundle();
    without_bundle = &copy;
  }
  std::string key;
  {
    google::protobuf::io::StringOutputStream out(&key);
    google::protobuf::io::CodedOutputStream coded(&out);
    coded.SetSerializationDeterministic(true);
    without_bundle->SerializeToCodedStream(&coded);
  }  // flushed into `key`
  return key;
}

}  // namespace

absl::StatusOr<GpuService*> KilnService::gpu() const {
  if (gpu_ == nullptr)
    return absl::FailedPreconditionError(
        "this kilnd has no GPU pool (start it with --gpu-pool=driver, or --gpu-pool=emulation without a GPU)");
  return gpu_;
}

grpc::Status KilnService::Launch(grpc::ServerContext* context, const pb::LaunchRequest* request,
                                 pb::LaunchResponse* reply) {
  Activity activity(*this);
  if (grpc::Status s = authorizer_.authorize(*context, "Launch"); !s.ok()) return s;
  if (activity.refused()) return *activity.refused();
  return toGrpc(launch(*request, *reply, clientOf(*context), deadlineOf(*context),
                       [context] { return context->IsCancelled(); }));
}

absl::Status KilnService::launch(const pb::LaunchRequest& request, pb::LaunchResponse& reply, std::string client,
                                 absl::Time deadline, std::function<bool()> client_gone) {
  absl::StatusOr<GpuService*> gpu = this->gpu();
  if (!gpu.ok()) return gpu.status();
  if (request.kernel().has_target() || request.kernel().emit() != pb::EMIT_BINARY)
    return absl::InvalidArgumentError(
        "LaunchRequest.kernel: the target and emit are the server's (GetServerInfo gpu_pool.target): leave them unset");
  // The kernel is compiled as Compile would compile it, for the target of
  // the device it runs on (its GPU's SM: GpuService::targetFor).
  absl::StatusOr<pb::Target> target = (*gpu)->targetFor(request.device(), deadline);
  if (!target.ok()) return target.status();
  pb::CompileRequest kernel = request.kernel();
  *kernel.mutable_target() = *std::move(target);
  // A kernel launched before runs without a cache lookup. Its request
  // (bundle hash, types, options, the device's target) decided it.
  const std::string memo_key = launchKernelKey(kernel);
  std::shared_ptr<const LaunchKernel> known;
  if (!request.kernel().has_bundle()) {
    absl::MutexLock lock(&launch_kernels_mu_);
    if (auto it = launch_kernels_.find(memo_key); it != launch_kernels_.end()) known = it->second;
  }
  // A launch on a client stream is queued (docs/cuda.md "Streams").
  const bool queued = !request.session().empty() && request.stream() != 0;
  auto run = [&](std::shared_ptr<const LaunchKernel> k) {
    if (!queued) return (*gpu)->launch(request, k->artifact, k->arg_types, reply, deadline);
    return (*gpu)->launchAsync(request, std::shared_ptr<const pb::Artifact>(k, &k->artifact), k->arg_types, reply,
                               deadline);
  };
  if (known != nullptr) {
    reply.set_cache_hit(true);
    return run(std::move(known));
  }
  // Types a launch cannot pass are refused before anything is compiled.
  for (int i = 0; i < request.kernel().arg_types_size(); ++i) {
    int size = 0;
    if (absl::StatusOr<std::string> spec = launchSpec(request.kernel().arg_types(i), &size); !spec.ok())
      return absl::InvalidArgumentError(absl::StrCat("launch of ", request.kernel_name().substr(0, 200), ": argument ",
                                                     i, ": ", spec.status().message()));
  }
  pb::CompileResponse compiled;
  if (absl::Status s = compile(kernel, compiled, std::move(client), deadline, std::move(client_gone)); !s.ok())
    return s;
  reply.set_cache_hit(compiled.cache_hit());
  if (compiled.status() == pb::CompileResponse::STATUS_NEED_BUNDLE) {
    reply.set_status(pb::LaunchResponse::STATUS_NEED_BUNDLE);
    return absl::OkStatus();
  }
  if (compiled.status() == pb::CompileResponse::STATUS_ERROR) {
    reply.set_status(pb::LaunchResponse::STATUS_COMPILE_ERROR);
    *reply.mutable_diagnostic() = compiled.diagnostic();
    return absl::OkStatus();
  }
  if (compiled.status() != pb::CompileResponse::STATUS_OK) return absl::InternalError("a compile without an outcome");
  auto made = std::make_shared<LaunchKernel>();
  made->arg_types.assign(compiled.artifact().arg_types().begin(), compiled.artifact().arg_types().end());
  made->artifact = std::move(*compiled.mutable_artifact());
  made->artifact.clear_warnings();
  {
    absl::MutexLock lock(&launch_kernels_mu_);
    if (launch_kernels_.size() >= kMaxLaunchKernels) launch_kernels_.clear();
    launch_kernels_[memo_key] = made;
  }
  return run(std::move(made));
}

template <typename Call>
grpc::Status KilnService::onGpu(grpc::ServerContext& context, const char* rpc, Call call) {
  Activity activity(*this);
  if (grpc::Status s = authorizer_.authorize(context, rpc); !s.ok()) return s;
  if (activity.refused()) return *activity.refused();
  absl::StatusOr<GpuService*> gpu = this->gpu();
  if (!gpu.ok()) return toGrpc(gpu.status());
  return toGrpc(call(**gpu, deadlineOf(context)));
}

grpc::Status KilnService::AllocDevice(grpc::ServerContext* context, const pb::AllocDeviceRequest* request,
                                      pb::AllocDeviceResponse* reply) {
  return onGpu(*context, "AllocDevice",
               [&](GpuService& gpu, absl::Time deadline) { return gpu.alloc(*request, *reply, deadline); });
}

grpc::Status KilnService::ReadDevice(grpc::ServerContext* context, const pb::ReadDeviceRequest* request,
                                     pb::ReadDeviceResponse* reply) {
  return onGpu(*context, "ReadDevice",
               [&](GpuService& gpu, absl::Time deadline) { return gpu.read(*request, *reply, deadline); });
}

grpc::Status KilnService::WriteDevice(grpc::ServerContext* context, const pb::WriteDeviceRequest* request,
                                      pb::WriteDeviceResponse*) {
  return onGpu(*context, "WriteDevice",
               [&](GpuService& gpu, absl::Time deadline) { return gpu.write(*request, deadline); });
}

grpc::Status KilnService::SyncLaunches(grpc::ServerContext* context, const pb::SyncLaunchesRequest* request,
                                       pb::SyncLaunchesResponse* reply) {
  return onGpu(*context, "SyncLaunches",
               [&](GpuService& gpu, absl::Time deadline) { return gpu.sync(*request, *reply, deadline); });
}

grpc::Status KilnService::FreeDevice(grpc::ServerContext* context, const pb::FreeDeviceRequest* request,
                                     pb::FreeDeviceResponse*) {
  return onGpu(*context, "FreeDevice",
               [&](GpuService& gpu, absl::Time deadline) { return gpu.free(*request, deadline); });
}

grpc::Status KilnService::GetStats(grpc::ServerContext* context, const pb::StatsRequest*,
                                   pb::StatsResponse* reply) {
  Activity activity(*this);
  if (grpc::Status s = authorizer_.authorize(*context, "GetStats"); !s.ok()) return s;
  if (activity.refused()) return *activity.refused();
  const EngineStats s = engine_.stats();
  reply->set_compile_requests(s.compile_requests);
  reply->set_cache_hits(s.cache_hits);
  reply->set_cache_misses(s.cache_misses);
  reply->set_compiles(s.compiles);
  reply->set_compile_errors(s.compile_errors);
  reply->set_bundles_stored(s.bundles_stored);
  reply->set_bundle_uploads(s.bundle_uploads);
  reply->set_compile_seconds_total(s.compile_seconds_total);
  reply->set_cache_entries(s.cache_entries);
  reply->set_internal_errors(s.internal_errors);
  reply->set_corrupt_values(s.corrupt_values);
  reply->set_cache_bytes(s.store.bytes);
  reply->set_cache_max_bytes(s.store.max_bytes);
  reply->set_cache_evictions(s.store.evictions);
  reply->set_cache_read_only(s.store.read_only);
  reply->set_cache_read_only_reason(s.store.read_only_reason);
  reply->set_cache_dropped_writes(s.store.dropped_writes);
  reply->set_cache_moved_aside(s.store.moved_aside);
  reply->set_cache_rebuilds(s.store.rebuilds);
  // redis-l2:
  using L2 = cache::SharedTierStats;
  reply->set_l2_enabled(s.l2_enabled);
  reply->set_l2_hits(s.l2.hits);
  reply->set_l2_misses(s.l2.misses);
  reply->set_l2_errors_timeout(s.l2.errors[L2::kTimeout]);
  reply->set_l2_errors_connect(s.l2.errors[L2::kConnect]);
  reply->set_l2_errors_protocol(s.l2.errors[L2::kProtocol]);
  reply->set_l2_errors_digest(s.l2.errors[L2::kDigest]);
  reply->set_l2_writes(s.l2.writes);
  reply->set_l2_lock_acquired(s.l2.lock_acquired);
  reply->set_l2_lock_waits(s.l2.lock_waits);
  reply->set_l2_lock_wait_hits(s.l2.lock_wait_hits);
  reply->set_l2_corrupt_values(s.l2.corrupt_values);
  reply->set_l2_oversize(s.l2.oversize);
  reply->set_l2_degraded(s.l2.degraded);
  reply->set_l2_instances(s.l2.instances);
  reply->set_l2_instances_down(s.l2.instances_down);
  reply->set_l2_degraded_events(s.l2.degraded_events);
  reply->set_l2_bundle_hits(s.l2.bundle_hits);  // opsrest
  reply->set_l2_bundle_misses(s.l2.bundle_misses);
  reply->set_l2_lock_renewals(s.l2.lock_renewals);
  reply->set_l2_locks_lost(s.l2.locks_lost);
  reply->set_uptime_seconds(absl::ToDoubleSeconds(absl::Now() - started_));
  // metrics:
  reply->set_single_flight_waits(s.single_flight_waits);
  reply->set_since_zero_seconds(absl::ToDoubleSeconds(absl::Now() - s.zeroed_at));
  // The shared (L2) tier's counters (cache/ SharedTierStats) in the shape
  // `kilnctl stats` shows under tiers.l2; all zeros without --shared-cache.
  pb::TierStats* l2 = reply->mutable_l2();
  l2->set_hits(s.l2.hits);
  l2->set_misses(s.l2.misses);
  uint64_t l2_errors = 0;
  for (uint64_t n : s.l2.errors) l2_errors += n;
  l2->set_errors(l2_errors);
  l2->set_writes(s.l2.writes);
  l2->set_lock_waits(s.l2.lock_waits);
  l2->set_corrupt_values(s.l2.corrupt_values);
  l2->set_degraded(s.l2.degraded);
  return grpc::Status::OK;
}

grpc::Status KilnService::ZeroStats(grpc::ServerContext* context, const pb::ZeroStatsRequest*,
                                    pb::ZeroStatsResponse*) {
  Activity activity(*this);
  if (grpc::Status s = authorizer_.authorize(*context, "ZeroStats"); !s.ok()) return s;
  if (activity.refused()) return *activity.refused();
  engine_.zeroStats();
  return grpc::Status::OK;
}

grpc::Status KilnService::EvictCache(grpc::ServerContext* context, const pb::EvictCacheRequest* request,
                                     pb::EvictCacheResponse* reply) {
  Activity activity(*this);
  if (grpc::Status s = authorizer_.authorize(*context, "EvictCache"); !s.ok()) return s;
  if (activity.refused()) return *activity.refused();
  cache::EvictFilter filter;
  filter.all = request->all();
  const std::string& prefix = request->key_prefix();
  if (prefix.size() > 64 || prefix.find_first_not_of("0123456789abcdef") != std::string::npos)
    return toGrpc(absl::InvalidArgumentError(
        absl::StrCat("key_prefix must be at most 64 lower-case hex digits, got ", prefix.size(), " characters")));
  filter.key_prefix_hex = prefix;
  if (request->has_older_than_seconds()) {
    const double seconds = request->older_than_seconds();
    if (!(seconds >= 0 && seconds < 1e15))
      return toGrpc(absl::InvalidArgumentError("older_than_seconds must be a number of seconds, at least 0"));
    filter.older_than_seconds = static_cast<uint64_t>(seconds);
  }
  if (request->has_down_to_bytes()) filter.down_to_bytes = request->down_to_bytes();
  if (!filter.all && prefix.empty() && !filter.older_than_seconds && !filter.down_to_bytes)
    return toGrpc(absl::InvalidArgumentError(
        "EvictCache needs a filter (key_prefix, older_than_seconds, down_to_bytes) or all"));
  absl::StatusOr<cache::EvictResult> result = engine_.evictCache(filter);
  if (!result.ok()) return toGrpc(result.status());
  reply->set_evicted_values(result->values);
  reply->set_evicted_bytes(result->bytes);
  reply->set_remaining_bytes(result->remaining_bytes);
  return grpc::Status::OK;
}

grpc::Status KilnService::Shutdown(grpc::ServerContext* context, const pb::ShutdownRequest*,
                                   pb::ShutdownResponse*) {
  Activity activity(*this);
  if (grpc::Status s = authorizer_.authorize(*context, "Shutdown"); !s.ok()) return s;
  if (on_shutdown_) on_shutdown_();
  return grpc::Status::OK;
}

}  // namespace kiln::server
