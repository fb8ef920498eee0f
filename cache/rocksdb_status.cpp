#include "cache/rocksdb_status.h"

#include <rocksdb/status.h>

#include "absl/strings/str_cat.h"

namespace kiln::cache {

absl::Status fromRocksdb(const rocksdb::Status& status, std::string_view context) {
  using C = rocksdb::Status::Code;
  absl::StatusCode code = absl::StatusCode::kInternal;
  switch (status.code()) {
    case C::kOk: return absl::OkStatus();
    case C::kNotFound: code = absl::StatusCode::kNotFound; break;
    case C::kCorruption: code = absl::StatusCode::kDataLoss; break;
    case C::kNotSupported: code = absl::StatusCode::kUnimplemented; break;
    case C::kInvalidArgument: code = absl::StatusCode::kInvalidArgument; break;
    // Disk full, permissions, a lock held by another process: the store is
    // unusable for now, but nothing about the request was wrong.
    case C::kIOError: code = absl::StatusCode::kUnavailable; break;
    case C::kMergeInProgress: code = absl::StatusCode::kAborted; break;
    case C::kIncomplete: code = absl::StatusCode::kUnavailable; break;
    case C::kShutdownInProgress: code = absl::StatusCode::kUnavailable; break;
    case C::kTimedOut: code = absl::StatusCode::kDeadlineExceeded; break;
    case C::kAborted: code = absl::StatusCode::kAborted; break;
    case C::kBusy: code = absl::StatusCode::kUnavailable; break;
    case C::kExpired: code = absl::StatusCode::kDeadlineExceeded; break;
    case C::kTryAgain: code = absl::StatusCode::kUnavailable; break;
    case C::kCompactionTooLarge: code = absl::StatusCode::kResourceExhausted; break;
    case C::kColumnFamilyDropped: code = absl::StatusCode::kFailedPrecondition; break;
    case C::kMaxCode: break;
  }
  return absl::Status(code, absl::StrCat(absl::string_view(context.data(), context.size()), ": ", status.ToString()));
}

}  // namespace kiln::cache
