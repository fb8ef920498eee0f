#pragma once
// Type inference over a whole program: the entry function at the request's
// signature and every (function, argument types) instance it calls,
// monomorphized as Numba does. Instances are typed together to a fixpoint so
// that self and mutual recursion work: a recursive call first returns
// Unknown (the bottom of the lattice) and is refined when the callee's
// non-recursive returns are known. Each instance owns its own IR copy, whose
// Values carry the inferred types.
//
// Typing never runs the frontend: the driver's frontend pass builds the
// untyped IR of every function the entry may call, before typing starts, and
// hands it in (UntypedFunctions); each instance types a copy.

#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "compiler/budget.h"
#include "compiler/diagnostic.h"
#include "compiler/bundle.h"
#include "compiler/ir/ir.h"
#include "compiler/ir/parser.h"
#include "compiler/typing/types.h"

namespace kiln::typing {

/// How a call site's operands map onto the callee's parameters.
struct CallBinding {
  int target = -1;  // index into Program::instances
  // For each callee parameter: the operand index in the Call (1-based: 0 is
  // the callee), or -1 - k for the callee's default k. closures: when the
  // callee is a closure made in compiled code, -1 - k is item k of its
  // captured values followed by its defaults (its parameters are its
  // arguments, then its captured values).
  std::vector<int> source;
  bool closure = false;
  // *args: the callee parameter that receives the extra positional
  // arguments as one tuple (-1: none), and their operand indices.
  int varargs_param = -1;
  std::vector<int> varargs;
  // intrinsic: the call is of Bundle::intrinsics[intrinsic] (target unused;
  // source[k] is the operand of its argument k, converted to its type).
  int intrinsic = -1;
};

struct Instance {
  int function_index = 0;
  std::vector<const Type*> arg_types;
  // codec: the constant each literal parameter was given (a str for
  // kiln.static.literal; literally: an int, bool or str for literally), by
  // parameter (inference.cpp); empty when the function has none.
  std::vector<std::optional<compiler::Constant>> literals;
  const Type* ret = nullptr;
  std::unique_ptr<ir::Function> ir;
  std::string symbol;  // the LLVM name of its body
  std::map<const ir::Instr*, CallBinding> calls;  // looked up, never iterated for output
  // pycells: a call of a FunctionSet: one binding per function of the set, in its order.
  std::map<const ir::Instr*, std::vector<CallBinding>> set_calls;
  bool reachable = false;
  absl::Status error;  // the first user error met while typing it
};

struct Program {
  const compiler::Bundle* bundle = nullptr;
  TypeContext types;
  std::vector<std::unique_ptr<Instance>> instances;  // [0] is the entry
  const Type* declared_ret = nullptr;                // an eager signature's return type
  bool cuda_kernel = false;  // cuda: the entry is a CUDA kernel (typing/rules_cuda.h)
  bool cuda_ptx = false;     // cuda: lowered for the NVPTX target (set by the driver: lowering/lower_cuda_ptx.h)
  // prange: the warnings of the prange loops that run serially (parallel_loops.h).
  std::vector<compiler::Diagnostic> loop_warnings;
};

/// The untyped IR of the bundle's functions, by function index. An entry
/// holds the frontend's error when it refused that function (reported when a
/// typed call needs it, as Numba does), and null when the function was not
/// built (no reachable code names it: a call to it is an internal error).
using UntypedFunctions = std::vector<absl::StatusOr<std::unique_ptr<ir::Function>>>;

/// `budget` (compiler/budget.h) is checked once per instance per round of
/// the fixpoint: its deadline and cancellation, and max_instances.
absl::StatusOr<std::unique_ptr<Program>> inferTypes(const compiler::Bundle& bundle, const UntypedFunctions& functions,
                                                    const std::vector<std::string>& arg_types,
                                                    const std::string& return_type,
                                                    const compiler::Budget& budget = {});

/// The typed IR of every reachable instance, entry first.
std::string printTyped(const Program& program);

/// One function's IR with its values' types (ir::print with typing's spelling).
std::string printTyped(const ir::Function& f);

/// The type a printed spelling names in `types`, for ir::parseFunctions
/// (null when TypeContext::parse does not know it).
ir::TypeResolver typeResolver(TypeContext& types);

}  // namespace kiln::typing
