#include "kiln/client/client.h"

#include <chrono>

#include <grpcpp/grpcpp.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace kiln::client {
namespace {

// gRPC's status when the reply could not be parsed as the response message.
constexpr char kGrpcNoMessage[] = "No message returned for unary request";

absl::Status fromGrpc(const grpc::Status& s, const std::string& target, const char* what) {
  if (s.ok()) return absl::OkStatus();
  auto code = static_cast<absl::StatusCode>(s.error_code());
  std::string message = s.error_message();
  // A reply that could not be read is the server's fault, not a missing
  // method: INTERNAL, saying so instead of gRPC's words.
  if (code == absl::StatusCode::kUnimplemented && message == kGrpcNoMessage) {
    code = absl::StatusCode::kInternal;
    message = "the server's reply could not be read as a kiln.v1 message (a kiln server bug, or a server of "
              "another version)";
  } else if (message.empty()) {
    message = absl::StrCat("the server ended the call with ", absl::StatusCodeToString(code),
                           " and no message");
  }
  return absl::Status(code, absl::StrCat(what, " on kiln server ", target, ": ", message));
}


constexpr int kShortRpcSeconds = 10;
constexpr int kCompileSeconds = 300;

}  // namespace

std::string ConnectOptions::fingerprint() const {
  std::string out;
  for (const std::string* f : {&tls_ca_pem, &tls_cert_pem, &tls_key_pem, &tls_server_name, &token, &server_key_pem})
    absl::StrAppend(&out, f->size(), ":", *f, "|");
  absl::StrAppend(&out, tls ? "tls" : "plain");
  return out;
}

Client::Client(std::string target, const ConnectOptions& options, std::optional<kiln::v1::VerifyKey> server_key)
    : target_(std::move(target)), token_(options.token), server_key_(std::move(server_key)) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);  // artifacts and emitted text can be large
  args.SetMaxSendMessageSize(-1);
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (options.tls) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = options.tls_ca_pem;
    ssl.pem_cert_chain = options.tls_cert_pem;
    ssl.pem_private_key = options.tls_key_pem;
    credentials = grpc::SslCredentials(ssl);
    if (!options.tls_server_name.empty()) args.SetSslTargetNameOverride(options.tls_server_name);
  }
  channel_ = grpc::CreateCustomChannel(target_, credentials, args);
  stub_ = kiln::v1::Kiln::NewStub(channel_);
}

void Client::prepare(grpc::ClientContext& ctx, int deadline_seconds) const {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(deadline_seconds));
  if (!token_.empty()) ctx.AddMetadata("authorization", "Bearer " + token_);
}

absl::StatusOr<std::shared_ptr<Client>> Client::connect(std::string target, const ConnectOptions& options) {
  if (target.empty()) return absl::InvalidArgumentError("empty kiln server target");
  if (target.rfind("unix:", 0) != 0 && target.find(':') == std::string::npos)
    return absl::InvalidArgumentError(
        absl::StrCat("kiln server target '", target, "' is neither unix:PATH nor host:port"));
  if (options.tls && target.rfind("unix:", 0) == 0)
    return absl::InvalidArgumentError(absl::StrCat("TLS is for host:port targets, not ", target));
  if (options.tls_cert_pem.empty() != options.tls_key_pem.empty())
    return absl::InvalidArgumentError("a TLS client certificate and its key go together (KILN_TLS_CERT, KILN_TLS_KEY)");
  std::optional<kiln::v1::VerifyKey> server_key;
  if (!options.server_key_pem.empty()) {
    absl::StatusOr<kiln::v1::VerifyKey> key = kiln::v1::VerifyKey::fromPem(options.server_key_pem);
    if (!key.ok()) return absl::InvalidArgumentError(absl::StrCat("the server key: ", key.status().message()));
    server_key = *std::move(key);
  }
  static absl::Mutex mu(absl::kConstInit);
  static auto* clients = new absl::flat_hash_map<std::string, std::shared_ptr<Client>>();
  absl::MutexLock lock(&mu);
  std::shared_ptr<Client>& slot = (*clients)[absl::StrCat(target, "\n", options.fingerprint())];
  if (!slot) slot = std::make_shared<Client>(target, options, std::move(server_key));
  return slot;
}

absl::StatusOr<kiln::v1::ServerInfo> Client::info() {
  grpc::ClientContext ctx;
  prepare(ctx, kShortRpcSeconds);
  kiln::v1::ServerInfo reply;
  absl::Status s = fromGrpc(stub_->GetServerInfo(&ctx, {}, &reply), target_, "GetServerInfo");
  if (!s.ok()) return s;
  return reply;
}

absl::StatusOr<kiln::v1::StatsResponse> Client::stats() {
  grpc::ClientContext ctx;
  prepare(ctx, kShortRpcSeconds);
  kiln::v1::StatsResponse reply;
  absl::Status s = fromGrpc(stub_->GetStats(&ctx, {}, &reply), target_, "GetStats");
  if (!s.ok()) return s;
  return reply;
}

absl::Status Client::shutdown() {
  grpc::ClientContext ctx;
  prepare(ctx, kShortRpcSeconds);
  kiln::v1::ShutdownResponse reply;
  return fromGrpc(stub_->Shutdown(&ctx, {}, &reply), target_, "Shutdown");
}

bool Client::serverHasBundle(const BundleHash& hash) const {
  absl::MutexLock lock(&mu_);
  return known_bundles_.contains(std::string(hash.begin(), hash.end()));
}

absl::StatusOr<kiln::v1::CompileResponse> Client::compile(const kiln::v1::Bundle& bundle,
                                                          const BundleHash& hash,
                                                          const CompileArgs& args) {
  const std::string key(hash.begin(), hash.end());
  kiln::v1::CompileRequest request;
  request.set_bundle_hash(key);
  for (const std::string& t : args.arg_types) request.add_arg_types(t);
  request.set_return_type(args.return_type);
  *request.mutable_target() = args.has_target ? args.target : hostTarget();
  *request.mutable_options() = args.options;
  request.set_emit(args.emit);

  // Always the hash alone first, even for a bundle this process never sent:
  // another client may have uploaded it already.
  for (int attempt = 0; attempt < 2; ++attempt) {
    grpc::ClientContext ctx;
    prepare(ctx, kCompileSeconds);
    kiln::v1::CompileResponse reply;
    absl::Status s = fromGrpc(stub_->Compile(&ctx, request, &reply), target_, "Compile");
    if (!s.ok()) return s;
    if (reply.status() == kiln::v1::CompileResponse::STATUS_NEED_BUNDLE) {
      if (request.has_bundle())
        return absl::InternalError(
            absl::StrCat("kiln server ", target_, " asked for bundle ", hexHash(hash), " again after upload"));
      // The server may have lost it (restart, eviction): forget and upload.
      {
        absl::MutexLock lock(&mu_);
        known_bundles_.erase(key);
      }
      *request.mutable_bundle() = bundle;
      continue;
    }
    if (reply.status() == kiln::v1::CompileResponse::STATUS_UNSPECIFIED)
      return absl::InternalError(absl::StrCat("kiln server ", target_, " sent a compile reply without a status"));
    if (reply.status() == kiln::v1::CompileResponse::STATUS_OK &&
        (args.emit == kiln::v1::EMIT_BINARY || !reply.artifact().shared_object().empty())) {
      // Nothing is loaded that the server did not seal for this request.
      const kiln::v1::Artifact& a = reply.artifact();
      absl::Status sealed = kiln::v1::checkArtifactSeal(request, a, server_key_ ? &*server_key_ : nullptr);
      if (sealed.ok() && a.arg_types_size() != static_cast<int>(args.arg_types.size()))
        sealed = absl::DataLossError(absl::StrCat("the artifact takes ", a.arg_types_size(), " arguments, the request ",
                                                  args.arg_types.size()));
      if (!sealed.ok())
        return absl::Status(sealed.code(), absl::StrCat("refusing the compiled code from kiln server ", target_, ": ",
                                                        sealed.message(), "; nothing was loaded"));
    }
    absl::MutexLock lock(&mu_);
    known_bundles_.insert(key);
    return reply;
  }
  return absl::InternalError("unreachable");
}

}  // namespace kiln::client
