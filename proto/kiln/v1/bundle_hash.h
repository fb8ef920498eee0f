#pragma once
// The content address of a bundle, defined once for clients and servers:
// SHA-256 of the bundle's deterministic protobuf serialization (docs/protocol.md).
#include <string>

#include "kiln/v1/kiln.pb.h"

namespace kiln::v1 {

/// The deterministic serialization that the bundle hash covers.
std::string deterministicBytes(const Bundle& bundle);

/// SHA-256 of deterministicBytes(bundle): 32 raw bytes.
std::string bundleHash(const Bundle& bundle);

}  // namespace kiln::v1
