#pragma once
// cuda: the module lowerProgram made, turned into a PTX kernel module for the
// NVPTX target (targets/cuda). docs/cuda.md "ABI" is the contract:
//  - one kernel, `kernel_name`, annotated as a kernel (nvvm.annotations),
//    whose parameters are the entry instance's arguments flattened: an array
//    is (data pointer, shape[0..nd), strides[0..nd) in bytes as int64), a
//    bool one byte, an integer or float itself, a complex its (real, imag),
//    a tuple its items in order;
//  - the body runs with the arrays borrowed (no meminfo: the reference counts
//    are no-ops on the GPU);
//  - an error the body reports (an IndexError of boundscheck, say) is stored
//    in the device global `kiln_kernel_error` = {int32 kind, int32 line,
//    int32 threadIdx[3], int32 blockIdx[3]} (the first one wins), which the
//    launch layer reads after a launch (kiln/cuda/_kernel_error.py);
//  - math goes to libdevice: the LLVM intrinsics and C library calls of
//    libdevice_functions.def become calls of __nv_* functions, which the
//    target links from libdevice.10.bc.
// What a GPU cannot run (exceptions raised by the program, lists, dicts,
// strings, generators, heap allocation, other C library calls, a result) is
// a located UnsupportedError here, before LLVM's code generator sees it.
#include <string>

#include "absl/status/status.h"
#include "compiler/typing/inference.h"
#include "llvm/IR/Module.h"

namespace kiln::lowering {

/// The device global an erroring kernel writes ({int32 kind, int32 line,
/// int32 thread[3], int32 block[3]}: kKernelErrorWords words).
inline constexpr char kKernelErrorGlobal[] = "kiln_kernel_error";
inline constexpr unsigned kKernelErrorWords = 8;

/// Replaces the host entry `host_entry` of `module` by the kernel
/// `kernel_name` (see above). `module` is unusable after a non-OK status.
absl::Status makePtxKernel(const typing::Program& program, llvm::Module& module, const std::string& host_entry,
                           const std::string& kernel_name);

}  // namespace kiln::lowering
