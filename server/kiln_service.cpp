#include "server/kiln_service.h"

#include "kiln/v1/bundle_hash.h"

#include <unistd.h>

#include "absl/strings/str_cat.h"
#include "server/bundle_convert.h"
#include "server/signature.h"
#include "server/status_map.h"

#ifndef KILN_VERSION
#define KILN_VERSION "0.0.0"
#endif

namespace kiln::server {

namespace pb = kiln::v1;

class KilnService::Activity {
 public:
  explicit Activity(KilnService& s) : s_(s) {
    s_.in_flight_.fetch_add(1);
    touch();
  }
  ~Activity() {
    touch();
    s_.in_flight_.fetch_sub(1);
  }

 private:
  void touch() { s_.last_activity_ns_.store(absl::ToUnixNanos(absl::Now())); }
  KilnService& s_;
};

KilnService::KilnService(CompileEngine& engine, std::function<void()> on_shutdown, const Authorizer& authorizer,
                         const pb::SigningKey* signing_key)
    : engine_(engine),
      on_shutdown_(std::move(on_shutdown)),
      authorizer_(authorizer),
      signing_key_(signing_key),
      last_activity_ns_(absl::ToUnixNanos(absl::Now())) {}


absl::Duration KilnService::idleFor() const {
  if (in_flight_.load() > 0) return absl::ZeroDuration();
  return absl::Now() - absl::FromUnixNanos(last_activity_ns_.load());
}

grpc::Status KilnService::GetServerInfo(grpc::ServerContext* context, const pb::ServerInfoRequest*,
                                        pb::ServerInfo* reply) {
  Activity activity(*this);
  if (grpc::Status s = authorizer_.authorize(*context, "GetServerInfo"); !s.ok()) return s;
  reply->set_version(KILN_VERSION);
  reply->set_compiler_build_id(compiler::compilerBuildId());
  for (const std::string& v : compiler::supportedPythonVersions()) reply->add_python_versions(v);
  reply->add_targets(compiler::Target().triple);
  reply->set_protocol_version(1);
  reply->set_pid(getpid());
  return grpc::Status::OK;
}

grpc::Status KilnService::Compile(grpc::ServerContext* context, const pb::CompileRequest* request,
                                  pb::CompileResponse* reply) {
  Activity activity(*this);
  if (grpc::Status s = authorizer_.authorize(*context, "Compile"); !s.ok()) return s;
  return toGrpc(compile(*request, *reply));
}

absl::Status KilnService::compile(const pb::CompileRequest& request, pb::CompileResponse& reply) {
  std::optional<cache::CacheKey> hash = cache::CacheKey::fromRaw(request.bundle_hash());
  if (!hash)
    return absl::InvalidArgumentError(
        absl::StrCat("bundle_hash is ", request.bundle_hash().size(), " bytes, expected 32 (SHA-256)"));
  CompileJob job;
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
      a->set_cache_key(o.key.raw().data(), o.key.raw().size());
      // The seal (kiln/v1/artifact_seal.h): the client checks it before loading.
      const std::string digest = pb::artifactDigest(request, *a);
      a->set_digest(digest);
      if (signing_key_ != nullptr) a->set_signature(signatureOf(digest));
      reply.set_text(v.text.data(), v.text.size());
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

grpc::Status KilnService::GetStats(grpc::ServerContext* context, const pb::StatsRequest*,
                                   pb::StatsResponse* reply) {
  Activity activity(*this);
  if (grpc::Status s = authorizer_.authorize(*context, "GetStats"); !s.ok()) return s;
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
  reply->set_uptime_seconds(absl::ToDoubleSeconds(absl::Now() - started_));
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
