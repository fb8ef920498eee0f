#pragma once
// The one place absl::Status becomes grpc::Status. Abseil's codes are gRPC's
// codes (same names, same numbers), so the mapping is value-preserving. Every
// message sent is valid UTF-8 and at most kMaxMessageBytes
// (request_validation.h's safeText), and never empty.
//
// StatusInterceptor applies the same to every status any RPC returns,
// including the ones gRPC makes itself: a request gRPC cannot parse as its
// protobuf message (gRPC answers INTERNAL with an empty message) becomes
// INVALID_ARGUMENT "malformed request: ...".

#include <memory>

#include <grpcpp/support/server_interceptor.h>
#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace kiln::server {

grpc::Status toGrpc(const absl::Status& status);

/// For grpc::ServerBuilder::experimental().SetInterceptorCreators.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> makeStatusInterceptorFactory();

}  // namespace kiln::server
