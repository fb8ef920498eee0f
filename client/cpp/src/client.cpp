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

void setDeadline(grpc::ClientContext& ctx, int seconds) {
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
}

constexpr int kShortRpcSeconds = 10;
constexpr int kCompileSeconds = 300;

}  // namespace

Client::Client(std::string target) : target_(std::move(target)) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);  // artifacts and emitted text can be large
  args.SetMaxSendMessageSize(-1);
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  channel_ = grpc::CreateCustomChannel(target_, grpc::InsecureChannelCredentials(), args);
  stub_ = kiln::v1::Kiln::NewStub(channel_);
}

absl::StatusOr<std::shared_ptr<Client>> Client::connect(std::string target) {
  if (target.empty()) return absl::InvalidArgumentError("empty kiln server target");
  if (target.rfind("unix:", 0) != 0 && target.find(':') == std::string::npos)
    return absl::InvalidArgumentError(
        absl::StrCat("kiln server target '", target, "' is neither unix:PATH nor host:port"));
  static absl::Mutex mu(absl::kConstInit);
  static auto* clients = new absl::flat_hash_map<std::string, std::shared_ptr<Client>>();
  absl::MutexLock lock(&mu);
  std::shared_ptr<Client>& slot = (*clients)[target];
  if (!slot) slot = std::make_shared<Client>(target);
  return slot;
}

absl::StatusOr<kiln::v1::ServerInfo> Client::info() {
  grpc::ClientContext ctx;
  setDeadline(ctx, kShortRpcSeconds);
  kiln::v1::ServerInfo reply;
  absl::Status s = fromGrpc(stub_->GetServerInfo(&ctx, {}, &reply), target_, "GetServerInfo");
  if (!s.ok()) return s;
  return reply;
}

absl::StatusOr<kiln::v1::StatsResponse> Client::stats() {
  grpc::ClientContext ctx;
  setDeadline(ctx, kShortRpcSeconds);
  kiln::v1::StatsResponse reply;
  absl::Status s = fromGrpc(stub_->GetStats(&ctx, {}, &reply), target_, "GetStats");
  if (!s.ok()) return s;
  return reply;
}

absl::Status Client::shutdown() {
  grpc::ClientContext ctx;
  setDeadline(ctx, kShortRpcSeconds);
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
    setDeadline(ctx, kCompileSeconds);
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
    absl::MutexLock lock(&mu_);
    known_bundles_.insert(key);
    return reply;
  }
  return absl::InternalError("unreachable");
}

}  // namespace kiln::client
