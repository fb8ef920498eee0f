#include "server/status_map.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "server/request_validation.h"

namespace kiln::server {
namespace {

std::string safeMessage(absl::string_view message, grpc::StatusCode code) {
  // Valid UTF-8 and capped: a long message overflows gRPC's header limit
  // and the client then gets no message at all.
  std::string out = safeText(message);
  if (out.empty()) out = absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
  return out;
}

class StatusInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit StatusInterceptor(grpc::experimental::ServerRpcInfo* info) : method_(info->method()) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    using Hook = grpc::experimental::InterceptionHookPoints;
    // A request that failed to deserialize reaches here as no message.
    if (methods->QueryInterceptionHookPoint(Hook::POST_RECV_MESSAGE) && methods->GetRecvMessage() == nullptr)
      malformed_ = true;
    if (methods->QueryInterceptionHookPoint(Hook::PRE_SEND_STATUS)) {
      grpc::Status s = methods->GetSendStatus();
      if (malformed_ && s.error_code() == grpc::StatusCode::INTERNAL) {
        methods->ModifySendStatus(grpc::Status(
            grpc::StatusCode::INVALID_ARGUMENT,
            absl::StrCat("malformed request: what was sent to ", method_,
                         " is not a valid protobuf message of its request type (kiln.v1, kiln.proto)")));
      } else if (!s.ok()) {
        methods->ModifySendStatus(grpc::Status(s.error_code(), safeMessage(s.error_message(), s.error_code()),
                                               s.error_details()));
      }
    }
    methods->Proceed();
  }

 private:
  std::string method_;
  bool malformed_ = false;
};

class StatusInterceptorFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(grpc::experimental::ServerRpcInfo* info) override {
    return new StatusInterceptor(info);
  }
};

}  // namespace

grpc::Status toGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  return grpc::Status(code, safeMessage(status.message(), code));
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> makeStatusInterceptorFactory() {
  return std::make_unique<StatusInterceptorFactory>();
}

}  // namespace kiln::server
