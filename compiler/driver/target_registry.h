#pragma once
// Which target backend compiles for a triple. The only place the driver
// names a concrete target; a new target (targets/cuda) is one more branch.

#include <memory>

#include "absl/status/statusor.h"
#include "compiler/targets/target.h"

namespace kiln::compiler {

/// A backend for `target` at `opt_level` (clamped to 0..3). An unknown
/// triple, cpu or feature is INVALID_ARGUMENT.
absl::StatusOr<std::unique_ptr<targets::TargetBackend>> createTargetBackend(const Target& target, int opt_level);

}  // namespace kiln::compiler
