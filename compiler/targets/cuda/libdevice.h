#pragma once
// NVIDIA's libdevice (the toolkit's nvvm/libdevice/libdevice.10.bc): found
// once per process, linked into a kernel module with only what it calls.

#include <string>

#include "absl/status/status.h"

namespace llvm {
class Module;
}  // namespace llvm

namespace kiln::compiler::cuda {

/// Where libdevice is looked for, in order: $KILN_LIBDEVICE (a file),
/// $CUDA_HOME/nvvm/libdevice/libdevice.10.bc, $CUDA_PATH/..., and
/// /usr/local/cuda/nvvm/libdevice/libdevice.10.bc. Empty: not found.
std::string findLibdevice();

/// When `module` declares __nv_* functions: links those of libdevice into it
/// (llvm::Linker's LinkOnlyNeeded), makes every function but `keep` internal
/// and sets the module flag nvvm-reflect-ftz = 0 (no flush to zero). A module
/// that calls none is left alone. FAILED_PRECONDITION when libdevice is
/// needed but not found; INTERNAL when it does not parse or define a called
/// function.
absl::Status linkLibdevice(llvm::Module& module, const std::string& keep);

}  // namespace kiln::compiler::cuda
