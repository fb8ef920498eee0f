#pragma once
// The one place rocksdb::Status becomes absl::Status.

#include <string_view>

#include "absl/status/status.h"

namespace rocksdb {
class Status;
}

namespace kiln::cache {

/// `status` as an absl::Status, its message prefixed with `context`.
absl::Status fromRocksdb(const rocksdb::Status& status, std::string_view context);

}  // namespace kiln::cache
