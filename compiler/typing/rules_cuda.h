#pragma once
// cuda: the kernel language's typing (rules_cuda.cpp) and the checks of a
// kernel program. A kernel is a bundle whose entry function has the global
// kCudaKernelMarker (the client adds it: kiln/cuda/); the compile's target
// says whether it runs on a GPU or in the CPU emulation.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "compiler/bundle.h"
#include "compiler/ir/ir.h"
#include "compiler/typing/inference.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/types.h"

namespace kiln::typing {

/// The name of the global that marks a bundle's entry as a CUDA kernel
/// (no Python identifier has a colon, so no user name can shadow it).
inline constexpr char kCudaKernelMarker[] = "kiln:cuda.kernel";

/// A row of the kernel language ("kiln.cuda.*").
bool isCudaBuiltin(BuiltinId id);
/// A row read as an attribute (threadIdx.x, laneid, warpsize).
bool isCudaValueRow(BuiltinId id);
/// "kiln.cuda" or one of its pseudo-modules ("kiln.cuda.threadIdx").
bool isCudaModule(const std::string& module);

/// `module.attr` for a kernel-language module: a pseudo-module, a function
/// (Builtin), or a value row (int32; `*resolution` set to the row). An
/// error message (not located) for a name the kernel language lacks.
absl::StatusOr<const Type*> cudaModuleAttr(TypeContext& tc, const std::string& module, const std::string& attr,
                                           std::optional<ir::Resolution>* resolution);
/// The result type of a kernel-language call from its argument types.
absl::StatusOr<const Type*> cudaBuiltinCall(TypeContext& tc, const ir::Resolution& res,
                                            const std::vector<const Type*>& args);
/// What the argument types alone cannot say: the literal dimension count of
/// cuda.grid(n) (its tuple result for 2 and 3), the literal shape of a shared
/// or local array. `typed` is cudaBuiltinCall's result.
absl::StatusOr<const Type*> checkCudaCall(TypeContext& tc, const compiler::Function& fn, const ir::Instr& call,
                                          const ir::Resolution& res, const Type* typed);
/// The literal shape `v` names (an int, a tuple of ints, a global frozen as
/// one, or a tuple built of those); false when it is not literal. A shared
/// array's shape 0 is the launch's dynamic shared memory.
bool cudaLiteralShape(const compiler::Function& fn, const ir::Value* v, std::vector<int64_t>* shape);

/// cudalang: in a kernel program (`bundle` has the marker), a math function
/// (math.sin, math.atan2, ...) of float32 arguments is float32, as numba.cuda
/// types it (and computes it: __nv_sinf); else `typed` (float64).
const Type* cudaMathType(TypeContext& tc, const compiler::Bundle& bundle, BuiltinId id,
                         const std::vector<const Type*>& args, const Type* typed);
/// Whether a math row has a float32 version (cudaMathType).
bool cudaMathHasFloat32(BuiltinId id);

/// After typing: sets p.cuda_kernel from the marker and checks a kernel
/// program (returns None; no exceptions, Python objects or array
/// allocation reachable), and that no other program uses the kernel
/// language. A located error.
absl::Status checkCudaProgram(Program& p);

}  // namespace kiln::typing
