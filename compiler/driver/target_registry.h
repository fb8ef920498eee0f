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

/// What createTargetBackend would refuse, without creating one: a triple,
/// cpu or feature that is unknown or outside the target allow-list
/// (targets/cpu/cpu_target.h) is INVALID_ARGUMENT. For request validation.
absl::Status checkTarget(const Target& target);

/// cuda: the target a GPU of compute capability major.minor runs best:
/// nvptx64-nvidia-cuda with its own SM, or the newest allowed one below it
/// (targets/cuda/cuda_backend.h, smFor). FAILED_PRECONDITION for a GPU
/// older than every allowed SM.
absl::StatusOr<Target> cudaTargetFor(int major, int minor);

}  // namespace kiln::compiler
