#pragma once
// Protobuf logs every string field with invalid UTF-8 it parses (an error
// the fuzz targets see millions of times, and that the parse reports by
// returning false anyway): silenced for the process, so crashes stand out.

#include <google/protobuf/stubs/common.h>
#include <google/protobuf/stubs/logging.h>

namespace kiln::fuzz {
inline const bool kQuietProtobuf = [] {
  google::protobuf::SetLogHandler(nullptr);
  return true;
}();
}  // namespace kiln::fuzz
