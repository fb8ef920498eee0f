#pragma once
// The one place absl::Status becomes grpc::Status. Abseil's codes are gRPC's
// codes (same names, same numbers), so the mapping is value-preserving.

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace kiln::server {

grpc::Status toGrpc(const absl::Status& status);

}  // namespace kiln::server
