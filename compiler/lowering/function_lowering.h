#pragma once
// The state of lowering one instance; the op families are implemented in
// lower.cpp (control flow, calls, values), lower_arith.cpp (operators),
// lower_builtins.cpp (builtins and the math module), lower_iter.cpp
// (iterators), lower_arrays.cpp (arrays), lower_numpy.cpp (the numpy
// module's functions) and lower_memory.cpp (reference counts, as
// ownership.h plans them).
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "compiler/lowering/ownership.h"
#include "compiler/typing/inference.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/ufuncs.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Module.h"
#include "kiln_abi.h"

namespace kiln::typing {
struct SelectionAxes;  // mixidx: rules.h
}  // namespace kiln::typing

namespace kiln::lowering {

class KernelIntrinsics;  // cuda: kernel_intrinsics.h

class FunctionLowering {
 public:
  FunctionLowering(const typing::Program& program, const typing::Instance& inst, llvm::Module& module,
                   std::vector<llvm::Function*>& bodies, bool boundscheck, bool numpy_error_model = false,
                   llvm::FastMathFlags fastmath = {}, bool numpy_fma = false)
      : prog_(program), inst_(inst), mod_(module), ctx_(module.getContext()), b_(ctx_), bodies_(bodies),
        boundscheck_(boundscheck), numpy_error_model_(numpy_error_model), numpy_fma_(numpy_fma) {
    b_.setFastMathFlags(fastmath);  // on every float op and call the builder makes
  }

  absl::Status lower(llvm::Function* fn);

  // Helpers shared by the op families.
  llvm::IRBuilder<>& builder() { return b_; }
  llvm::LLVMContext& ctx() { return ctx_; }
  llvm::Module& module() { return mod_; }
  typing::TypeContext& types() { return const_cast<typing::TypeContext&>(prog_.types); }
  llvm::Value* value(const ir::Value* v);
  llvm::Value* converted(const ir::Value* v, const typing::Type* to);
  /// Branches to a block that fills *err and returns `kind` when `bad` holds.
  void raiseIf(llvm::Value* bad, KilnErrorKind kind, const std::string& message);
  void raiseNow(KilnErrorKind kind, const std::string& message);
  /// Raises kind(f"{prefix}: {s!r}") for the str value `s` (a KilnStr),
  /// Python's message for a string it cannot convert; kind(prefix) if that
  /// message cannot be made (out of memory). Ends the block.
  void raiseNamingStr(KilnErrorKind kind, const std::string& prefix, llvm::Value* s);
  // Exceptions (lower_exceptions.cpp).
  /// KilnError as LLVM sees it (kiln_abi.h).
  llvm::StructType* errorType();
  /// The error's frame (line, file, function) as this function's current
  /// line: where a raise, or a library call that raised (pyrest), is shown.
  void storeErrorFrame();
  /// Fills *err but for the args (has_args: the raise stores them next).
  void storeError(KilnErrorKind kind, const std::string& message, const std::string& class_name, bool has_args);
  /// The KilnErrorApi entry at `offset` (kiln_error.h).
  llvm::Value* errorApi(size_t offset);
  /// Drops the heap arguments of the KilnError at err (nargs = 0).
  void clearError(llvm::Value* err);
  /// One more reference to each heap argument of the KilnError at err.
  void retainError(llvm::Value* err);
  /// Stores v (of type t; source: the IR value, for constant strings) as an
  /// exception argument at slot; the runtime's status (i32, 0: made) for an
  /// argument on the heap, else nullptr.
  llvm::Value* errorArg(llvm::Value* v, const typing::Type* t, const ir::Value* source, llvm::Value* slot);
  /// Leaves with `status` (an error kind) once *err is filled.
  void leaveWithError(llvm::Value* status);
  /// Whether the error in *err is an instance of the class (or one of the
  /// tuple of classes) `cls` (an except clause).
  llvm::Value* excMatch(const typing::Type* cls);
  llvm::AllocaInst* entryAlloca(llvm::Type* t, const char* name = "");
  llvm::Function* libm(const std::string& name, int nargs);
  llvm::Function* intrinsic(llvm::Intrinsic::ID id, llvm::Type* t);
  int line() const { return line_; }

  // Operators (lower_arith.cpp).
  /// `decided`: what typing recorded (the type the operation computes in).
  /// `out`, when given, is the IR value computed (for facts about its uses).
  llvm::Value* binary(ir::BinaryOp op, const ir::Value* lhs, const ir::Value* rhs, const typing::Type* result,
                      const ir::OperandTypes& decided, bool inplace = false, const ir::Value* out = nullptr);
  /// Whether every use of v is as the integer index of an array (a[v],
  /// a[v] = x): then a wrapped value would be out of bounds anyway.
  bool usedOnlyAsArrayIndex(const ir::Value* v);
  /// A scalar binary op on operands already of type t. `numpy`: NumPy's
  /// element semantics (no ZeroDivisionError, x // 0 == 0 for ints).
  llvm::Value* binaryValues(ir::BinaryOp op, llvm::Value* a, llvm::Value* d, const typing::Type* t, bool from_ints,
                            bool numpy);
  /// a << d or a >> d with the count d (64-bit) raising on negative values
  /// when `check_negative`; counts of 64 or more saturate.
  llvm::Value* shift(ir::BinaryOp op, llvm::Value* a, llvm::Value* d, const typing::Type* t, bool check_negative);
  llvm::Value* complexBinary(ir::BinaryOp op, llvm::Value* x, llvm::Value* y);
  // complex: lower_complex.cpp.
  /// x ** y of two complex values: CPython's algorithm (ZeroDivisionError
  /// for 0 to a negative or complex power), or NumPy's with `numpy`.
  llvm::Value* complexPow(llvm::Value* x, llvm::Value* y, bool numpy);
  /// number.real, number.imag, number.conjugate() (`name`) as `result`.
  llvm::Value* numberPart(llvm::Value* number, const typing::Type* t, const std::string& name,
                          const typing::Type* result);
  /// complex(), complex(x), complex(real, imag) as CPython builds them.
  llvm::Value* complexFromArgs(const std::vector<const ir::Value*>& args, const typing::Type* result);
  /// abs(z): the modulus, of the parts' type.
  llvm::Value* complexAbs(llvm::Value* z);
  /// np.arange([start,] stop[, step]) of complex dtype (`nums`: the numbers).
  /// start and step may be absent (nullptr: 0 and 1).
  llvm::Value* complexArange(const ir::Value* start_arg, const ir::Value* stop_arg, const ir::Value* step_arg,
                             const typing::Type* result);
  /// Item k of an array (type `at`) in memory order: an F-ordered array's
  /// differs from its C order.
  llvm::Value* memoryOrderItem(const typing::Type* at, llvm::Value* recv, llvm::Value* k);
  /// pairwise: 0.0 + the sum of item(k) over all the items of an array (type
  /// `at`) in NumPy's order, in `acc` (float, double or a complex value type;
  /// lower_pairwise.h): one pairwise sum, or NumPy's buffered chunks for an
  /// N-d view whose dimensions do not merge.
  llvm::Value* numpyOrderSum(const typing::Type* at, llvm::Value* recv, llvm::Type* acc,
                             const std::function<llvm::Value*(llvm::Value*)>& item);
  /// NumPy's mean of a complex sum over a count (an i64): the division of
  /// np.mean and np.nanmean, in complex128 whatever the parts' type.
  llvm::Value* complexMean(llvm::Value* total, llvm::Value* count);
  /// The reductions of a complex array that differ from a real one's (mean,
  /// var, std, and min/max/argmin/argmax in NumPy's order); nullptr for the
  /// others, which arrayMethod lowers for every dtype.
  llvm::Value* complexReduction(typing::BuiltinId id, const typing::Type* at, llvm::Value* recv,
                                const std::vector<const ir::Value*>& args, const typing::Type* result);
  llvm::Value* unary(ir::UnaryOp op, const ir::Value* x, const typing::Type* result);
  llvm::Value* compare(ir::CompareOp op, const ir::Value* lhs, const ir::Value* rhs, const typing::Type* result,
                       const ir::OperandTypes& decided);
  llvm::Value* truth(llvm::Value* v, const typing::Type* t);
  /// Python's // or % (NumPy's with `numpy`); `what` is the message of the
  /// float ZeroDivisionError, nullptr when the divisor is known nonzero.
  llvm::Value* floorDivMod(llvm::Value* a, llvm::Value* b, const typing::Type* t, bool want_div, const char* what,
                           bool numpy = false);
  llvm::Value* power(llvm::Value* a, llvm::Value* b, const typing::Type* t);
  llvm::Value* compareValues(ir::CompareOp op, llvm::Value* a, llvm::Value* b, const typing::Type* t);
  // Two 64-bit integers of different signedness (each in its own) compared
  // exactly, as Python and NumPy's mixed loops do: no common type holds
  // both int64 and uint64, and float64 rounds.
  llvm::Value* compareMixedSign(ir::CompareOp op, llvm::Value* x, bool x_signed, llvm::Value* y, bool y_signed);

  // cuda: the kernel language (lower_cuda.cpp) through the target's
  // primitives (kernel_intrinsics.h; the CPU emulation's: lower_cuda_sim.cpp).
  llvm::Value* cudaBuiltin(const ir::Resolution& res, const std::vector<const ir::Value*>& args,
                           const typing::Type* result);
  /// threadIdx.x, laneid, ...: a value row (int32).
  llvm::Value* cudaValue(typing::BuiltinId id);
  // cudalang: a math row typed float32 in a kernel (rules_cuda.h
  // cudaMathType), computed in single precision; nullptr for other calls.
  llvm::Value* cudaMathFloat32(const ir::Resolution& res, const std::vector<const ir::Value*>& args,
                               const typing::Type* result);
  KernelIntrinsics& kernelIntrinsics();
  /// The emulation's KilnCudaSimApi* and this thread's KilnCudaSimThread*,
  /// loaded once, in the entry block (lower_cuda_sim.cpp).
  llvm::Value* cudaSimApi();
  llvm::Value* cudaSimThread();

  // Builtins (lower_builtins.cpp).
  /// The builtin typing resolved the call to, on its bound arguments.
  absl::StatusOr<llvm::Value*> builtin(const ir::Resolution& res, const std::vector<const ir::Value*>& args,
                                       const typing::Type* result);

  // Iterators (lower_iter.cpp): GetIter of v (of type `from`) as iterator
  // type `iter` (v itself when it is one), and one step: whether an item
  // came, in *item (a safe dummy when none did).
  llvm::Value* makeIter(llvm::Value* v, const typing::Type* from, const typing::Type* iter);
  /// The next item (of type `item_type`, as typing recorded) into *item;
  /// false when the iterator is exhausted.
  llvm::Value* iterNext(llvm::Value* state, const typing::Type* iter, const typing::Type* item_type, llvm::Value** item);
  /// flatimag: the array a flat iterator (typing's flatIter) walks.
  llvm::Value* flatIterArray(llvm::Value* state, const typing::Type* iter);
  /// flatimag: the address of it[index] (an int, negative from the end;
  /// IndexError outside, as NumPy's flatiter).
  llvm::Value* flatIterElementPtr(llvm::Value* state, const typing::Type* iter, const ir::Value* index);

  // Arrays (lower_arrays.cpp).
  /// Runs body(k) for k in [0, n).
  void loop(llvm::Value* n, const std::function<void(llvm::Value*)>& body);
  llvm::Value* arraySize(llvm::Value* arr, const typing::Type* t);
  /// The int64 values of an int or a tuple of ints (a shape, an index).
  std::vector<llvm::Value*> intIndices(llvm::Value* v, const typing::Type* t);
  /// A new C-contiguous array of type t in a block of the memory runtime
  /// (kiln_rt.h). Its reference is a temporary of the instruction being
  /// lowered: the result takes it over, or it is released when the
  /// instruction ends (and on every error path before that).
  llvm::Value* newArray(const typing::Type* t, const std::vector<llvm::Value*>& shape);
  /// np.eye / np.identity: rows x cols, ones on diagonal `diag` (lower_numpy.cpp).
  llvm::Value* eyeArray(const typing::Type* result, llvm::Value* rows, llvm::Value* cols, llvm::Value* diag);
  /// The address of the k-th element in C order, k in [0, size).
  llvm::Value* flatElementPtr(llvm::Value* arr, const typing::Type* t, llvm::Value* k);
  // recown: a record element is {meminfo, ptr}: `meminfo` is its array's
  // (null: a record borrowed for the moment, as copies between arrays use).
  llvm::Value* loadElement(llvm::Value* ptr, const typing::Type* dtype, llvm::Value* meminfo = nullptr);
  llvm::Value* recordValue(llvm::Value* meminfo, llvm::Value* data);
  void storeElement(llvm::Value* ptr, llvm::Value* v, const typing::Type* dtype);
  /// Where arr[index] is: an element's address, or a view's data, shape and
  /// strides (index: an int, a slice, or a tuple of them).
  struct Place {
    llvm::Value* meminfo = nullptr;  // the parent's: a view shares its owner
    llvm::Value* ptr = nullptr;
    std::vector<llvm::Value*> shape, strides;
  };
  /// mixidx: an index array part keeps its dimension whole (the caller
  /// selects along it); `check_ints`: its ints raise IndexError out of
  /// bounds with boundscheck off too (as a selection's do).
  Place locate(llvm::Value* arr, const typing::Type* at, llvm::Value* index, const typing::Type* it,
               bool check_ints = false);
  llvm::Value* viewOf(const Place& p, const typing::Type* t);
  void ifThen(llvm::Value* cond, const std::function<void()>& body);
  llvm::Value* reduceAxis(typing::BuiltinId id, llvm::Value* recv, const typing::Type* at, const ir::Value* axis,
                          const typing::Type* result);
  /// Sorts a 1-d array in place with libc's qsort (NaN last, as NumPy).
  void sortInPlace(llvm::Value* arr, const typing::Type* at);
  /// A sorted C-contiguous copy of a 1-d array.
  llvm::Value* sortedCopy(llvm::Value* arr, const typing::Type* at);
  llvm::Value* take(llvm::Value* arr, const typing::Type* at, const ir::Value* idx, const typing::Type* result);
  llvm::Value* item1d(llvm::Value* arr, llvm::Value* k);
  /// The byte stride of dimension d. For C and F layouts it is derived from
  /// the shape and item size (the last, resp. first, is a constant), so LLVM
  /// sees unit-stride accesses and can vectorize; only A reads the strides.
  llvm::Value* strideOf(llvm::Value* arr, const typing::Type* at, unsigned d);
  /// Whether the memory of two arrays' elements may overlap (their byte
  /// ranges meet; both non-empty).
  llvm::Value* arraysOverlap(llvm::Value* a, const typing::Type* at, llvm::Value* b, const typing::Type* bt);
  llvm::Value* checkedIndex(llvm::Value* arr, llvm::Value* i);
  // mixidx: advanced indexing (lower_selection.cpp): one 1-d int array or
  // bool mask, or several 1-d int arrays selecting pointwise (realcode4),
  // alone or with ints, slices, None and `...` (typing's selectionAxes),
  // selects places of the array.
  struct Selector {                 // one index array
    unsigned axis = 0;              // the view's dimension it selects along
    llvm::Value* index = nullptr;   // the int array or mask
    const typing::Type* type = nullptr;
    llvm::Value* length = nullptr;  // of the axis it selects along
    llvm::Value* step = nullptr;    // that axis's byte stride
    llvm::Value* one = nullptr;     // several arrays: whether it has one item (broadcast), else null
    std::string out_of_bounds;      // the IndexError's words
  };
  struct Selection {
    llvm::Value* arr = nullptr;     // the indexed array
    Place view;                     // arr indexed by all but the array parts
    std::vector<Selector> by;       // in index order; a mask only alone
    unsigned result_axis = 0;       // where the result (or value) has the selection's dimension
    std::vector<llvm::Value*> rest, rest_strides;  // the view without the selected dimensions
    const typing::Type* sub = nullptr;  // what one selected place is: an array of rest, or null (an element)
    llvm::Value* count = nullptr;   // how many places it selects
  };
  /// The selection of obj[index] (typing's selectionAxes): the view the
  /// array parts select along, and what they select; a mask that does not
  /// match its axis, or index arrays that do not broadcast, raise
  /// IndexError.
  Selection selection(const ir::Value* obj, const ir::Value* index);
  /// body(offset, j) for each selected place: offset its byte offset from
  /// the view's data (negative ints wrapped, IndexError out of bounds,
  /// boundscheck or not, as NumPy; `check` false: already checked), j its
  /// position in the selection.
  void forSelected(const Selection& s, const std::function<void(llvm::Value* offset, llvm::Value* j)>& body,
                   bool check = true);
  /// a[index] for a selection index: a new C array (NumPy's shape).
  llvm::Value* gatherSelection(const ir::Value* obj, const ir::Value* index, const typing::Type* result);
  /// a[index] = v for a selection index: v (a scalar, or an array copied
  /// first when it overlaps a) broadcast to the shape a[index] has.
  void scatterSelection(const ir::Value* obj, const ir::Value* index, const ir::Value* v);
  // arrays: numpy.concatenate/stack/vstack/hstack/column_stack (lower_array_join.cpp).
  llvm::Value* joinArrays(typing::BuiltinId id, const std::vector<const ir::Value*>& args, const typing::Type* result);
  // arrays: numpy.array/asarray/ascontiguousarray of src (lower_array_join.cpp).
  llvm::Value* arrayFrom(typing::BuiltinId id, const ir::Value* src, const typing::Type* result);
  // arrays: a.swapaxes(axis1, axis2) and np.expand_dims(a, axis), views (lower_array_join.cpp).
  llvm::Value* swapAxes(llvm::Value* arr, const typing::Type* at, const ir::Value* axis1, const ir::Value* axis2,
                        const typing::Type* result);
  llvm::Value* expandDims(const ir::Value* a, const ir::Value* axis, const typing::Type* result);
  // arrays: a frozen NumPy array or scalar (compiler::Constant::Kind::kArray) of type t.
  llvm::Value* arrayConstant(const compiler::Constant& c, const typing::Type* t);
  /// The attribute or method row typing resolved a getattr to (a bound
  /// method is its receiver).
  llvm::Value* member(typing::BuiltinId id, const ir::Value* obj, const typing::Type* result);
  llvm::Value* arrayGetItem(const ir::Value* obj, const ir::Value* index, const typing::Type* result);
  /// `slot`: what a[index] designates, as typing recorded.
  void arraySetItem(const ir::Value* obj, const ir::Value* index, const ir::Value* v, const typing::Type* slot);
  struct Typed {
    const typing::Type* type;
    llvm::Value* v;
  };
  Typed typed(const ir::Value* v) { return {v->type, value(v)}; }
  /// Whether a loop that writes `target` element by element, in any order,
  /// may read through `src` an element it already wrote: their memory meets
  /// and src is not exactly target's elements at the same positions (same
  /// data pointer, item size, shape and strides: then element i reads only
  /// element i, which is safe). NumPy's rule for buffering an input of an
  /// in-place operation; every in-place store asks it (elementwise, fusion).
  llvm::Value* mustBuffer(const Typed& src, const Typed& target);
  /// Whether an in-place store may copy its overlapping inputs (`overlap`,
  /// mustBuffer's answer). A GPU kernel cannot allocate the copy: there the
  /// store raises ValueError when overlap holds, and this returns false.
  bool canBuffer(llvm::Value* overlap);
  /// A new array (or `into`, in place) of f over the broadcast elements of
  /// the operands (arrays or scalars), each converted to ct. In place, an
  /// operand for which mustBuffer holds at run time is copied first, so the
  /// result is as if every input were read before any output is written.
  llvm::Value* elementwise(const std::vector<Typed>& operands, const typing::Type* ct,
                           const typing::Type* result, const Typed* into,
                           const std::function<llvm::Value*(const std::vector<llvm::Value*>&)>& f,
                           const std::vector<const typing::Type*>& cts = {});  // per operand, overriding ct
  /// elementwise's loops, with no overlap check.
  llvm::Value* elementwiseLoop(const std::vector<Typed>& operands, const typing::Type* ct,
                               const typing::Type* result, const Typed* into,
                               const std::function<llvm::Value*(const std::vector<llvm::Value*>&)>& f,
                               const std::vector<const typing::Type*>& cts);
  /// `ct`: the element type typing recorded for the operation.
  llvm::Value* arrayBinary(ir::BinaryOp op, const ir::Value* lhs, const ir::Value* rhs, const typing::Type* result,
                           const typing::Type* ct, bool inplace);
  llvm::Value* arrayUnary(ir::UnaryOp op, const ir::Value* x, const typing::Type* result);
  /// `ot`: the element type typing recorded both sides are converted to.
  llvm::Value* arrayCompare(ir::CompareOp op, const ir::Value* lhs, const ir::Value* rhs,
                            const typing::Type* result, const typing::Type* ot);
  /// The array method row `id` (builtins.def KILN_METHOD) on the receiver
  /// `recv` of type `at`, with its bound arguments.
  llvm::Value* arrayMethod(typing::BuiltinId id, const typing::Type* at, llvm::Value* recv,
                           const std::vector<const ir::Value*>& args, const typing::Type* result);
  // ufuncs (lower_ufuncs.cpp).
  /// np.add(a, b[, out]), np.sqrt(x), ...: the loop typing chose
  /// (res.compute) over scalars or broadcast arrays, into new or out arrays.
  llvm::Value* ufuncCall(const ir::Resolution& res, const std::vector<const ir::Value*>& args,
                         const typing::Type* result);
  /// One step of a ufunc's loop: its outputs from its inputs (converted to
  /// the loop's input types).
  std::vector<llvm::Value*> ufuncBody(typing::UfuncImpl impl, const std::vector<const typing::Type*>& loop,
                                      const std::vector<llvm::Value*>& xs);
  /// powop: one element of a power of arrays in loop type ct, as NumPy
  /// computes it (lower_ufuncs.cpp): by the `**` operator (is_operator) or
  /// np.power, given the operands' types (`base`, `exponent`: arrays or
  /// scalars) and, where the exponent is one value for every element (a
  /// scalar, or a 0-d array's element), that value as loaded (raw_exponent,
  /// in the exponent's own element type; nullptr otherwise).
  /// powop: the one value of an operand for every element: a scalar's
  /// value, a 0-d array's element; nullptr for an array of dimensions.
  llvm::Value* uniformValue(const ir::Value* v);
  llvm::Value* numpyPowerElement(const typing::Type* ct, llvm::Value* x, llvm::Value* y, const typing::Type* base,
                                 const typing::Type* exponent, llvm::Value* raw_exponent, bool is_operator);
  /// NumPy's complex x / y (no exception for a zero divisor): every array
  /// path's, and a scalar's under error_model='numpy'.
  llvm::Value* complexDivide(llvm::Value* x, llvm::Value* y);
  /// NumPy's complex x * y in its element-wise loops (ufunc multiply and
  /// square, operators on arrays, fused expressions, np.outer, rows of a
  /// product along an outer axis): fused where NumPy's kernel fuses on this
  /// target. Reductions and Python's scalars use complexBinary's.
  llvm::Value* numpyComplexMultiply(llvm::Value* x, llvm::Value* y);
  /// NumPy's np.absolute of a complex in its loops (not Python's hypot).
  llvm::Value* numpyComplexAbsolute(llvm::Value* z);
  /// C99's complex function `name` (cexp, csqrt, ...) of z, of z's own
  /// precision (csqrtf for a complex64).
  llvm::Value* complexMath(const char* name, llvm::Value* z);
  llvm::Value* ufuncGcd(llvm::Value* x, llvm::Value* y, const typing::Type* t);
  /// libm's `name` (or `name`f for float32) on x (and y).
  llvm::Value* ufuncMath(const char* name, llvm::Value* x, llvm::Value* y = nullptr);
  /// fusion: a Fused op (typing/fuse_array_exprs.h) as one loop over the
  /// broadcast shape into a new array (lower_fusion.cpp).
  llvm::Value* fusedArrayExpr(const ir::Instr& i);
  /// The numpy module's functions other than ufuncs (constructors,
  /// reductions as functions, sort, where, ...), as typing accepts them.
  llvm::Value* numpyFunction(const ir::Resolution& res, const std::vector<const ir::Value*>& args,
                             const typing::Type* result);
  /// random: the primitives of the random streams (lower_random.cpp).
  llvm::Value* randomPrimitive(typing::BuiltinId id, const std::vector<const ir::Value*>& args);
  /// npgen: a draw from a numpy.random.Generator's bit generator (lower_npgen.cpp).
  llvm::Value* npgenDraw(typing::BuiltinId id, const std::vector<const ir::Value*>& args);
  // structref: (lower_structref.cpp) a new StructRef of type st holding the
  // arguments; a field's value (a new reference); a store into a field.
  llvm::Value* structRefNew(const typing::Type* st, const std::vector<const ir::Value*>& args);
  llvm::Value* structRefGet(llvm::Value* s, const typing::Type* st, int field);
  void structRefSet(llvm::Value* s, const typing::Type* st, int field, const ir::Value* v);
  llvm::Value* structRefData(llvm::Value* s);
  llvm::Function* structRefDtor(const typing::Type* st);
  // ndindex: kiln.nd.unravel (lower_ndindex.cpp).
  llvm::Value* ndUnravel(const std::vector<const ir::Value*>& args, const typing::Type* result);
  // broadcast: kiln.nd.broadcast_to/_shapes/_shape_of (lower_broadcast.cpp).
  std::vector<llvm::Value*> broadcastDims(llvm::Value* v, const typing::Type* t, bool array_like);
  llvm::Value* ndBroadcastTo(const std::vector<const ir::Value*>& args, const typing::Type* result);
  llvm::Value* ndBroadcastShape(const std::vector<const ir::Value*>& args, const typing::Type* result, bool array_like);
  // npmisc: kiln.nd.as_strided (lower_broadcast.cpp).
  llvm::Value* ndAsStrided(const std::vector<const ir::Value*>& args, const typing::Type* result);
  // linalg: kiln.linalg.call (lower_linalg.cpp).
  llvm::Value* linalgCall(const std::vector<const ir::Value*>& args);
  llvm::Value* nonzeroIndices(const ir::Value* a, const typing::Type* result);
  llvm::Value* constructor(typing::BuiltinId id, const std::vector<const ir::Value*>& args,
                           const typing::Type* result);

  // Lists (lower_lists.cpp): a list is {meminfo}; the block's data is
  // {i64 size, i64 capacity} then the items in memory form. The data moves
  // when the list grows, so it is loaded again after anything that may grow it.
  /// Lowers i when it is an operation on lists (*v its value); false if not.
  absl::StatusOr<bool> lowerList(const ir::Instr& i, llvm::Value** v);
  llvm::Value* listSize(llvm::Value* lst);
  /// The address of item k (in memory form).
  llvm::Value* listItemPtr(llvm::Value* lst, const typing::Type* lt, llvm::Value* k);
  llvm::Value* listGet(llvm::Value* lst, const typing::Type* lt, llvm::Value* k);
  /// Stores v (of the item type) at k, taking a new reference to what it holds.
  void listPut(llvm::Value* lst, const typing::Type* lt, llvm::Value* k, llvm::Value* v);
  /// A new list of type lt with room for `cap` items and size `size`; a
  /// temporary of this instruction until its result takes it over.
  llvm::Value* listNew(const typing::Type* lt, llvm::Value* cap, llvm::Value* size);
  /// Makes room for `need` items (the size is unchanged).
  void listReserve(llvm::Value* lst, const typing::Type* lt, llvm::Value* need);
  void listSetSize(llvm::Value* lst, llvm::Value* n);
  /// The bytes of a block for `count` items (MemoryError on overflow).
  llvm::Value* checkedBytes(llvm::Value* count, llvm::Type* item);
  /// Appends every item of `src` (of type st: a list, or anything iterable).
  void listExtend(llvm::Value* lst, const typing::Type* lt, llvm::Value* src, const typing::Type* st);
  /// Python's == between two items (numbers, tuples, lists).
  llvm::Value* itemsEqual(llvm::Value* a, const typing::Type* ta, llvm::Value* b, const typing::Type* tb);
  /// Python's < between two ordered items of type t.
  llvm::Value* itemLess(llvm::Value* a, llvm::Value* b, const typing::Type* t);
  void listSort(llvm::Value* lst, const typing::Type* lt, llvm::Value* reverse);
  llvm::Value* listMethod(const ir::Instr& i, const typing::Type* lt, llvm::Value* lst, const std::string& name);
  llvm::Value* listBuiltin(const ir::Instr& i, const std::string& name);
  // litcont: (lower_literal_containers.cpp) self.name() of a LiteralList or
  // LiteralStrKeyDict t (the call i): copy, count, keys, values, items.
  llvm::Value* literalMethod(const ir::Instr& i, const typing::Type* t, llvm::Value* self, const std::string& name,
                             const typing::Type* result);
  // litcont: x == each item of a LiteralList (each key of a LiteralStrKeyDict) t.
  std::vector<llvm::Value*> literalMatches(llvm::Value* x, const typing::Type* xt, llvm::Value* self,
                                           const typing::Type* t);

  // Memory (lower_memory.cpp): reference counts of the arrays a value holds
  // (ownership.h says which values own references and where they die).
  /// incref (or decref) every meminfo that v, of type t, holds.
  void retain(llvm::Value* v, const typing::Type* t);
  void release(llvm::Value* v, const typing::Type* t);
  /// A new block of `bytes` data bytes (MemoryError when the runtime has
  /// none); its meminfo, registered as a temporary of this instruction, and
  /// in *data where its bytes start.
  llvm::Value* allocMeminfo(llvm::Value* bytes, llvm::Value** data);
  /// A new container block (list, dict, string...) of `bytes` data bytes
  /// whose destructor `dtor` (a `void(ptr data)` of this module, or null)
  /// runs on its data just before it is freed: it drops the references
  /// the data holds. Not registered as a temporary: the caller places the
  /// meminfo in the value it builds. MemoryError when none is left.
  llvm::Value* allocObject(llvm::Value* bytes, llvm::Function* dtor, llvm::Value** data);
  /// Resizes the data block of a container this code solely owns; the new
  /// data pointer (MemoryError when the allocator fails).
  llvm::Value* resizeObject(llvm::Value* meminfo, llvm::Value* new_bytes);
  /// Releases the temporary block of a new array now (scratch that never
  /// escapes the op).
  void releaseTemp(llvm::Value* array);
  /// strings: the runtime's table of string helpers (KilnUnicodeApi).
  llvm::Value* unicodeApi();

  // datetime: datetime64/timedelta64 scalars (lower_datetime.cpp).
  llvm::Value* datetimeBinary(ir::BinaryOp op, const ir::Value* lhs, const ir::Value* rhs, const typing::Type* result);
  llvm::Value* datetimeBinaryValues(ir::BinaryOp op, llvm::Value* x, const typing::Type* a, llvm::Value* y,
                                   const typing::Type* c, const typing::Type* result);
  llvm::Value* datetimeUnary(ir::UnaryOp op, llvm::Value* v);
  llvm::Value* datetimeAbs(llvm::Value* v);
  /// A ufunc's element on datetime-like inputs (the loop typing recorded).
  llvm::Value* datetimeUfuncBody(typing::UfuncImpl impl, const std::vector<const typing::Type*>& loop,
                                 const std::vector<llvm::Value*>& xs);
  /// x op y: NaT is unequal to everything (itself too) and unordered.
  llvm::Value* datetimeCompareValues(ir::CompareOp op, llvm::Value* x, const typing::Type* a, llvm::Value* y,
                                     const typing::Type* c);

  // enums: a op b where a side is an enum member (lower_enums.cpp); null
  // when the members compare as the IntEnums' ints (the numeric path).
  llvm::Value* enumCompare(ir::CompareOp op, const ir::Value* lhs, const ir::Value* rhs);
  // records (lower_records.cpp): field k of record `rec` of type rt: its
  // address, its value (a nested record: its address), a store of v into it;
  // field `name` of an array of records as a view.
  llvm::Value* recordFieldPtr(llvm::Value* data, const typing::Type* rt, int k);
  llvm::Value* recordLoad(llvm::Value* rec, const typing::Type* rt, int k);
  void recordStore(llvm::Value* rec, const typing::Type* rt, int k, const ir::Value* v);
  // records3: fill an array view with a scalar or a broadcast copy of an
  // array (a copy first where the source overlaps it), as a[...] = v.
  void storeIntoView(const Typed& target, const ir::Value* v);
  // arrays: the same for a source in hand: leading source dimensions past
  // the target's must be 1 and each other one is 1 or the target's (NumPy's
  // rule, Numba's ValueError words); a 0-d array stores its element.
  void storeIntoView(const Typed& target, Typed src);
  // arrays: a list or tuple of numbers into a 1-d view, item by item; its
  // length is the view's (or 1, broadcast as NumPy), else ValueError.
  void storeSequenceIntoView(const Typed& target, const ir::Value* v);
  // mixidx: src (an array) as an A array: itself, or a C copy when its
  // memory meets arr's; *held: the copy's block (null when none was made),
  // a temporary the caller releases (lower_selection.cpp).
  Typed copiedIfOverlapping(Typed src, llvm::Value* arr, const typing::Type* at, llvm::Value** held);
  llvm::Value* strFromUcs4Field(llvm::Value* data, int64_t chars);  // lower_strings.cpp
  /// chararrays: str s as `chars` UCS4 characters at slot, cut or NUL-padded as NumPy stores it (lower_arrays.cpp).
  void storeStrAsUcs4(llvm::Value* slot, llvm::Value* s, int64_t chars);
  llvm::Value* recordArrayFieldView(llvm::Value* arr, const typing::Type* at, const std::string& name);

  // Strings (lower_strings.cpp): unicode_type values, docs/strings.md.
  llvm::Value* strConstant(const std::string& utf8);
  /// The one-character string s[i] (i in range): a view into s's block.
  llvm::Value* strCharView(llvm::Value* s, llvm::Value* i);
  /// dictstr: v (of type t) as a container that outlives this call keeps it:
  /// with a reference of its own, and each string in it that is borrowed (an
  /// argument's characters, a constant: a null meminfo) copied into a block
  /// of its own. A dict is such a container: a typed Dict passed from Python
  /// or a dict returned to it is read after the call, when an argument's
  /// characters may be gone.
  llvm::Value* ownedForContainer(llvm::Value* v, const typing::Type* t);
  llvm::Value* strBinary(ir::BinaryOp op, const ir::Value* lhs, const ir::Value* rhs);
  llvm::Value* strCompare(ir::CompareOp op, const ir::Value* lhs, const ir::Value* rhs);
  /// a op b for two strings; `a_text`/`b_text` the constant text of a side
  /// when it is one (equality with a constant is then inlined).
  llvm::Value* strCompareValues(ir::CompareOp op, llvm::Value* a, llvm::Value* b, const std::string* a_text = nullptr,
                                const std::string* b_text = nullptr);
  llvm::Value* strGetItem(const ir::Value* obj, const ir::Value* index);
  /// bytesm: hash(b) of a Bytes value, CPython's (the hash of the Latin-1 str of the same bytes).
  llvm::Value* bytesHash(llvm::Value* bytes);
  /// bytes2: a new str of the `kind`-byte code points of a 1-d C array (kiln.str.of).
  llvm::Value* strOfCodes(llvm::Value* arr, int64_t kind);
  /// bytes2: `b1 + b2`, `b * n` or `n * b` of Bytes values (typing's
  /// bytesBinaryResult): a new Bytes block, as Python's new bytes object.
  llvm::Value* bytesBinary(ir::BinaryOp op, const ir::Value* lhs, const ir::Value* rhs, const typing::Type* result);
  absl::StatusOr<llvm::Value*> strBuiltin(typing::BuiltinId id, const std::vector<const ir::Value*>& args,
                                          const typing::Type* result);
  llvm::Value* strMethod(typing::BuiltinId id, llvm::Value* recv, const std::vector<const ir::Value*>& args,
                         const typing::Type* result);

  // dicts: dicts, sets and hashing (lower_dicts.cpp).
  /// CPython's hash() of v, of a type typing::unhashableReason accepts (int64).
  llvm::Value* hashValue(llvm::Value* v, const typing::Type* t);
  /// A key in memory form in an entry-block slot, its hash and its type.
  struct DictKey {
    llvm::Value* slot = nullptr;
    llvm::Value* hash = nullptr;
    const typing::Type* type = nullptr;
  };
  /// Calls the dict table's function `op` (kiln_dict.h KilnDictOps order).
  llvm::Value* dictCall(unsigned op, llvm::Type* ret, const std::vector<llvm::Value*>& args);
  llvm::Value* sizeOf(llvm::Type* t);
  llvm::Function* keyEq(const typing::Type* kt);
  /// strings2: releases the dict's reference to the key of entry ix.
  void releaseKeyAt(llvm::Value* mi, llvm::Value* ix, const typing::Type* kt);
  llvm::Function* dictDtor(const typing::Type* dt);
  llvm::Value* dictData(llvm::Value* mi);
  llvm::Value* dictHeader(llvm::Value* data, unsigned field);
  llvm::Value* dictValuePtr(llvm::Value* mi, llvm::Value* ix);
  /// A new empty dict of type dt: a temporary of this instruction.
  llvm::Value* newDict(const typing::Type* dt, int64_t min_entries);
  DictKey dictKey(const ir::Value* key, const typing::Type* kt);
  /// d[key] = v (v of the value type): retains v, releases what it replaces.
  void dictStore(llvm::Value* mi, const DictKey& key, llvm::Value* v, const typing::Type* vt);
  llvm::Value* buildMap(const ir::Instr& i, const typing::Type* dt);
  /// The entry of key in obj, or -1.
  llvm::Value* dictLookup(const ir::Value* obj, const ir::Value* key, DictKey* out);
  llvm::Value* dictGetItem(const ir::Value* obj, const ir::Value* key);
  void dictSetItem(const ir::Value* obj, const ir::Value* key, const ir::Value* v);
  void dictDelItem(const ir::Value* obj, const ir::Value* key);
  /// KeyError(key) when `bad` holds, its message repr(key) (for a key
  /// computed at run time: of an int or a bool; else a fixed text).
  void keyErrorIf(llvm::Value* bad, const ir::Value* key, const typing::Type* kt);
  llvm::Value* dictContains(const ir::Value* obj, const ir::Value* key);
  llvm::Value* dictLen(llvm::Value* d);
  /// a == b for two dicts of type dt (typing::dictEqualityProblem accepts).
  llvm::Value* dictEquals(llvm::Value* a, llvm::Value* b, const typing::Type* dt);
  llvm::Value* dictIterNext(llvm::Value* state, const typing::Type* it, const typing::Type* item_type, llvm::Value** item);
  llvm::Value* dictMethod(typing::BuiltinId id, const typing::Type* dt, llvm::Value* recv,
                          const std::vector<const ir::Value*>& args, const typing::Type* result);

  // optional: (lower_optional.cpp) the value of an optional, raising
  // TypeError("expected T, got None") when it is None; `x is None` / `x is
  // not None` where x is optional.
  llvm::Value* unwrapOptional(llvm::Value* v, const typing::Type* t);
  // slices: slice(...), s.start/.stop/.step, s.indices(n) (lower_slices.cpp).
  absl::StatusOr<bool> lowerSlice(const ir::Instr& i, llvm::Value** v);
  llvm::Value* optionalIsNone(const ir::Instr& i);

  // print: print(*args, sep=, end=) (lower_print.cpp): each value lent to
  // the runtime's printer (kiln_print.h) stored as a result.
  absl::StatusOr<bool> lowerPrint(const ir::Instr& i, llvm::Value** v);
  absl::StatusOr<bool> lowerObjmode(const ir::Instr& i, llvm::Value** v);  // objmode: lower_print.cpp
  absl::StatusOr<bool> lowerNative(const ir::Instr& i, llvm::Value** v);  // native: lower_native.cpp

  // format: format(), repr(), ascii(), f-string specs and str.format
  // (lower_format.cpp) through the runtime's formatter (kiln_format.h).
  absl::StatusOr<bool> lowerFormat(const ir::Instr& i, llvm::Value** v);
  /// x (of type t) as format(conversion(x), spec) makes it: a new string.
  llvm::Value* formatValue(llvm::Value* x, const typing::Type* t, char conversion, const std::string& spec);
  llvm::Value* formatCall(size_t offset, const std::vector<llvm::Value*>& args, bool unicode_api = false);
  llvm::Value* formatTake(llvm::Value* status, llvm::Value* out);
  /// format: item `index` of a range unpacked into `count` names, raising
  /// Python's ValueError when its length is not `count`.
  llvm::Value* unpackRange(llvm::Value* range, int count, int index);
  /// realcode3: item `index` of `a, b, ... = arr` (count names), along the
  /// first axis: an element or a view of a row; a length other than count
  /// raises ValueError as Python's unpacking does.
  llvm::Value* unpackArray(const ir::Value* arr, int count, int index, const typing::Type* result);

  // sets: set(), set methods and operators (lower_sets.cpp); the rest of a
  // set is a dict's (len, in, truth, iteration).
  absl::StatusOr<bool> lowerSet(const ir::Instr& i, llvm::Value** v);
  /// A new empty set of type st: a temporary of this instruction.
  llvm::Value* setNew(const typing::Type* st);
  llvm::Function* setDtor(const typing::Type* st);
  /// Calls the kiln_unicode.h helper at `offset` in KilnUnicodeApi.
  llvm::Value* setUnicodeCall(size_t offset, llvm::Type* ret, const std::vector<llvm::Value*>& args);
  /// The table's equality of two items (keyEq; strings by their code points).
  llvm::Function* setEq(const typing::Type* kt);
  /// The item of entry ix (borrowed from the table).
  llvm::Value* setItemAt(llvm::Value* mi, llvm::Value* ix, const typing::Type* kt);
  /// x (of the item type kt) in an entry-block slot, with its hash.
  DictKey setItem(llvm::Value* x, const typing::Type* kt);
  void setAdd(llvm::Value* mi, llvm::Value* x, const typing::Type* kt);
  /// The entry of x in the set, or -1.
  llvm::Value* setFind(llvm::Value* mi, llvm::Value* x, const typing::Type* kt);
  /// Removes x; its former entry, or -1.
  llvm::Value* setRemove(llvm::Value* mi, llvm::Value* x, const typing::Type* kt);
  llvm::Value* setSize(llvm::Value* mi);
  /// body(item) for each item of the set, in its order.
  void setEach(llvm::Value* mi, const typing::Type* kt, const std::function<void(llvm::Value*)>& body);
  /// body(item, its type) for each item of an iterable v of type t.
  void iterEach(llvm::Value* v, const typing::Type* t,
                const std::function<void(llvm::Value*, const typing::Type*)>& body);
  /// A new set of type st of the items of v (type t), converted.
  llvm::Value* setOfIterable(llvm::Value* v, const typing::Type* t, const typing::Type* st);
  /// a <= b for two sets.
  llvm::Value* setSubset(llvm::Value* a, const typing::Type* at, llvm::Value* b, const typing::Type* bt);
  /// The set method `name` taking an iterable (update ... isdisjoint).
  llvm::Value* setOperation(const std::string& name, llvm::Value* recv, const typing::Type* st, llvm::Value* other,
                            const typing::Type* ot, const typing::Type* rt);
  llvm::Value* setMethod(const ir::Instr& i, const typing::Type* st, llvm::Value* recv, const std::string& name);
  // generators: a generator function's body as an LLVM coroutine
  // (lower_generators.cpp).
  /// Whether this instance is a generator function's body.
  bool isGeneratorBody() const;
  /// One step of the generator `gen` (of type `it`): whether an item came, in *item.
  llvm::Value* generatorNext(llvm::Value* gen, const typing::Type* it, const typing::Type* item_type,
                             llvm::Value** item);

 private:
  absl::Status lowerInstr(const ir::Instr& i);
  // generators: the coroutine's prologue (before the body's entry block),
  // a yield, and the epilogue with <symbol>.next after the body.
  void beginGenerator();
  llvm::Value* yieldValue(const ir::Instr& i);
  void finishGenerator();
  llvm::Value* coroSuspend(bool final, llvm::BasicBlock* resume, llvm::BasicBlock* destroy);
  struct GeneratorState {
    llvm::StructType* promise_type = nullptr;  // {status, KilnError, item}
    llvm::Value* promise = nullptr;
    llvm::Value* id = nullptr;
    llvm::Value* handle = nullptr;
    llvm::BasicBlock* final_bb = nullptr;
    llvm::BasicBlock* cleanup = nullptr;
    llvm::BasicBlock* suspend = nullptr;
  };
  GeneratorState gen_;
  void lowerEdge(const ir::Edge& e, llvm::BasicBlock* from_block, llvm::BasicBlock** dest);
  llvm::Value* constant(const compiler::Constant& c, const typing::Type* t);
  absl::StatusOr<llvm::Value*> call(const ir::Instr& i);
  absl::StatusOr<llvm::Value*> bundleCall(const ir::Instr& i, const typing::CallBinding& binding,
                                          const typing::Type* callee, const typing::Type* result);
  // intrinsic: a call of an @intrinsic (lower_intrinsics.cpp): its LLVM IR
  // text, parsed, checked and linked into this module on its first call.
  absl::StatusOr<llvm::Value*> intrinsicCall(const ir::Instr& i, const typing::CallBinding& binding,
                                             const typing::Type* result);
  absl::Status raise(const ir::Instr& i);
  // prange: parallel loops (lower_parallel.cpp). Lowering a loop marked
  // parallel (typing/parallel_loops.h) gives its iteration a block of its
  // own and its body's errors one exit out of the loop; once the function
  // is lowered, outlineParallelLoops moves each loop into a function over a
  // chunk [lo, hi) of its iterations that the runtime's pool calls.
  struct ParallelLoop {
    llvm::BasicBlock* header = nullptr;  // the iteration step: the outlined region's entry
    llvm::BasicBlock* done = nullptr;    // the exhausted edge's block
    llvm::BasicBlock* error = nullptr;   // the body's errors: releases what the caller holds, returns err->kind
    llvm::Value* state = nullptr;        // the range iterator's state (lower_iter.cpp)
  };
  /// Before the step of parallel for_iter `i`: its region's entry and its
  /// record; after it (endParallelLoop), its body's error exit. The step
  /// itself is lowered as for any loop.
  void beginParallelLoop(const ir::Instr& i);
  void endParallelLoop(llvm::BasicBlock* done);
  /// In a parallel loop's body: leaves with `status` through the loop's
  /// error exit, releasing only what the body itself holds.
  void leaveParallelBody(llvm::Value* status);
  void outlineParallelLoops();
  /// numba.get_num_threads() / get_thread_id(), asked of the runtime (int64).
  llvm::Value* parallelQuery(typing::BuiltinId id);
  /// In a parallel loop's body, whether root r is the caller's (made before
  /// the loop): the loop's error exit releases it, once, so a path of the
  /// body that drops it (only a path to a raise does) leaves it alone.
  bool keptForParallelExit(int r) const;
  std::vector<ParallelLoop> parallel_loops_;
  std::map<const ir::Block*, size_t> parallel_body_;  // body block -> its loop in parallel_loops_ (lookup only)
  std::set<const ir::Block*> parallel_defined_;       // the blocks of every parallel body (lookup only)
  llvm::BasicBlock* parallel_error_ = nullptr;        // the current block's loop's error exit, if in a body
  // Ownership bookkeeping while lowering (lower_memory.cpp).
  void beginBlock(const ir::Block* blk);
  /// After a non-terminator instruction: its result takes its references,
  /// temporaries are released, operands that die here are released.
  void finishInstr(const ir::Instr& i, size_t index);
  /// Releases every reference held now (before an error return).
  void releaseHeld();
  void releaseTemps();  // this instruction's allocations not yet taken over
  /// The roots held now that are not live into `target` (released on the edge).
  std::vector<int> dyingOnEdge(const ir::Block* target) const;
  void refOp(llvm::Value* v, const typing::Type* t, bool inc);
  llvm::Value* runtimeHook();
  /// The pointer at `offset` (an offsetof(KilnRuntime, field)) of the runtime
  /// table: an entry point or a sub-table (random, unicode, dict).
  llvm::Value* runtimeField(size_t offset, const char* name = "");

  const typing::Program& prog_;
  const typing::Instance& inst_;
  llvm::Module& mod_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  std::vector<llvm::Function*>& bodies_;
  llvm::Function* fn_ = nullptr;
  llvm::Value* ret_ptr_ = nullptr;
  llvm::Value* err_ptr_ = nullptr;
  llvm::BasicBlock* alloca_block_ = nullptr;
  std::map<const ir::Value*, llvm::Value*> values_;      // lookup only
  std::map<const ir::Block*, llvm::BasicBlock*> blocks_;  // lookup only
  bool boundscheck_ = false;  // IndexError on out-of-range array indices (Numba: off by default)
  Ownership own_;                               // computed once per instance
  const ir::Edge* handler_ = nullptr;  // exceptions: the current block's edge to its except handler
  std::map<const ir::Value*, llvm::AllocaInst*> caught_errors_;  // exceptions: each catch's copy of *err
  std::vector<int> held_;                       // roots holding a reference now, in index order
  std::vector<int> last_use_;                   // per root: last body instruction using it in this block
  std::vector<bool> live_at_term_;              // per root: needed by this block's terminator or later
  std::vector<llvm::Value*> temps_;             // this instruction's allocations not yet taken over
  bool call_result_owned_ = false;              // the call just lowered returned owned references
  bool numpy_error_model_ = false;  // error_model='numpy': scalar division by zero does not raise
  bool numpy_fma_ = false;  // NumPy's complex multiply loop fuses on this target (numpyComplexMultiply)
  std::map<const ir::Value*, bool> index_only_;  // usedOnlyAsArrayIndex, filled on first use (lookup only)
  int line_ = 0;
  std::shared_ptr<KernelIntrinsics> kernel_;  // cuda: made on first use
  llvm::Value* cuda_sim_api_ = nullptr;       // cuda: the emulation's table and thread, once per function
  llvm::Value* cuda_sim_thread_ = nullptr;
  int shared_sites_ = 0;                      // cuda: cuda.shared.array sites lowered so far
};

/// genpy: defines the exported step of a generator of type `gen` returned to
/// the caller (kiln_abi.h's KilnGeneratorStepFn), named `symbol`.
void lowerGeneratorStep(llvm::Module& mod, const std::string& symbol, const typing::Type* gen);

/// recown: drops one reference to meminfo `mi` (null: nothing), for code
/// outside a body (the exported entry lets go of a record it copied out).
void emitDecref(llvm::IRBuilder<>& b, llvm::Module& m, llvm::Value* mi);

}  // namespace kiln::lowering
