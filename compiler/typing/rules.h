#pragma once
// Typing rules by family, shared by inference (what type) and lowering (which
// conversions). Numba's scalar rules: integer arithmetic on scalars widens to
// 64 bits, int with float gives float64, float32 stays float32 only with
// float32, bool arithmetic gives int64, `/` always gives a float.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "compiler/ir/ir.h"
#include "compiler/typing/registry.h"
#include "compiler/typing/types.h"

namespace kiln::typing {

/// The least type both a and b convert to at a join (Unknown is bottom);
/// nullptr if there is none (int64 and unicode_type, say).
const Type* unify(TypeContext& tc, const Type* a, const Type* b);

/// The common numeric type of builtins (divmod, min, max) and comparisons on
/// a and b: mixed uint64 and signed integers meet at float64, as in Numba.
const Type* promote(TypeContext& tc, const Type* a, const Type* b);
/// The type an arithmetic or bitwise operator computes in (Numba's integer
/// rules): integers in 64 bits, unsigned only when both operands are, so
/// uint64 + int64 is int64 and wraps; with a float or complex, as promote.
const Type* operatorType(TypeContext& tc, const Type* a, const Type* b);

/// Result types; nullptr when the operands are not supported. Unknown in,
/// Unknown out.
const Type* binaryResult(TypeContext& tc, ir::BinaryOp op, const Type* a, const Type* b);
const Type* unaryResult(TypeContext& tc, ir::UnaryOp op, const Type* a);
const Type* compareResult(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b);
/// Why a comparison involving strings cannot be compiled exactly, or "".
/// Only `is` between two strings is refused (its answer depends on
/// CPython's interning); the rest is typed by strCompareResult.
std::string strCompareProblem(ir::CompareOp op, const ir::Value* a, const ir::Value* b);
/// The text of a constant str value, or nullptr.
const std::string* constantStr(const ir::Value* v);
/// The type both sides of a comparison are converted to before comparing.
// Two ints no integer type holds both of (uint64 beside a signed int):
// compared exactly, each in its own signedness, not in float64.
bool mixedSignInts(const Type* a, const Type* b);
const Type* compareOperandType(TypeContext& tc, const Type* a, const Type* b);

/// What lowering converts an operator's operands to (ir::OperandTypes),
/// decided here once: for a binop of result type `result`, the type it
/// computes in; for a comparison, the type both sides are converted to, or
/// one per pair of items (tuples, `x in tuple`).
ir::OperandTypes binaryOperands(TypeContext& tc, ir::BinaryOp op, const Type* a, const Type* b, const Type* result);
ir::OperandTypes compareOperands(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b, const Type* result);

/// A module attribute: a constant (math.pi: float64) or a function
/// (math.sin: Builtin "math.sin"); nullptr if unknown.
const Type* moduleAttr(TypeContext& tc, const std::string& module, const std::string& attr);
// exceptions: (rules_exceptions.cpp)
/// The class a bundle's "exception:module:qualname" builtin names: the
/// known builtins by name, others as "module:qualname"; nullptr if not one.
const Type* exceptionClassOf(TypeContext& tc, const std::string& qualified);
/// Why `Class(args...)` (a call of an exception class) cannot be raised from
/// compiled code, or "".
std::string exceptionArgsProblem(const ir::Instr& call, const std::string& cls);

/// The value of a constant module attribute (math.pi), if it is one.
bool moduleConstant(const std::string& module, const std::string& attr, double* value);

/// The result type of calling the builtin (or module function) res.id on
/// its bound arguments; records on res the types lowering needs (a ufunc's
/// operand and compute types). An error message (not located) when the
/// arguments do not fit.
absl::StatusOr<const Type*> builtinCall(TypeContext& tc, ir::Resolution& res,
                                        const std::vector<const Type*>& args);

bool isExceptionClassName(const std::string& name);

// random: the primitives of the random streams (rules_random.cpp).
absl::StatusOr<const Type*> randomBuiltinCall(TypeContext& tc, BuiltinId id, const std::vector<const Type*>& args);
// npgen: kiln.npgen.* and the attributes of a numpy.random.Generator (rules_npgen.cpp).
absl::StatusOr<const Type*> npgenBuiltinCall(TypeContext& tc, BuiltinId id, const std::vector<const Type*>& args);
/// The type of attribute `name` of a Generator or bit generator `obj` that
/// is not a method (g.bit_generator); nullptr when it has none such.
const Type* npgenAttr(TypeContext& tc, const Type* obj, const std::string& name);
// linalg: kiln.linalg.call (rules_linalg.cpp).
absl::StatusOr<const Type*> linalgBuiltinCall(TypeContext& tc, const std::vector<const Type*>& args);
absl::StatusOr<const Type*> linalgSameDtype(TypeContext& tc, const std::vector<const Type*>& args);
// ndindex: kiln.nd.unravel (rules_ndindex.cpp).
absl::StatusOr<const Type*> ndUnravelCall(TypeContext& tc, const std::vector<const Type*>& args);
// broadcast: kiln.nd.broadcast_to/_shapes/_shape_of (rules_broadcast.cpp).
absl::StatusOr<const Type*> ndBroadcastToCall(TypeContext& tc, const std::vector<const Type*>& args);
absl::StatusOr<const Type*> ndBroadcastShapeCall(TypeContext& tc, const std::vector<const Type*>& args,
                                                 bool array_like);
// npmisc: kiln.nd.as_strided (rules_broadcast.cpp).
absl::StatusOr<const Type*> ndAsStridedCall(TypeContext& tc, const std::vector<const Type*>& args);

// Arrays (rules_arrays.cpp), with NumPy's rules: array operands promote as
// numpy.promote_types; a scalar operand is "weak" (NEP 50): it takes the
// array's dtype unless it is of a higher kind (bool < int < float <
// complex). Elementwise results are new C-contiguous arrays.

/// numpy.promote_types for two scalar dtypes.
const Type* promoteDtypes(TypeContext& tc, const Type* a, const Type* b);
/// The dtype an elementwise operation on a and b (either may be a scalar,
/// one at least an array) converts its operands to; nullptr if none.
const Type* arrayOperandDtype(TypeContext& tc, const Type* a, const Type* b);
/// The element type of an elementwise binary op's result given the operand
/// dtype (int / int gives float64); nullptr if NumPy has no such loop here.
const Type* elementBinaryDtype(TypeContext& tc, ir::BinaryOp op, const Type* operand);
/// The layout of a new elementwise result of rank nd (Numba's rule): F when
/// every array operand is F-ordered of that rank and nd > 1, so NumPy's
/// order='K' output of F inputs is F-contiguous too; C otherwise.
char elementwiseLayout(const std::vector<const Type*>& operands, int nd);
const Type* arrayBinaryResult(TypeContext& tc, ir::BinaryOp op, const Type* a, const Type* b);
const Type* arrayUnaryResult(TypeContext& tc, ir::UnaryOp op, const Type* a);
const Type* arrayCompareResult(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b);
/// The type of the member row `id` (builtins.def KILN_ATTRIBUTE, or a
/// KILN_METHOD as a BoundMethod to call) of `receiver`; nullptr for a row
/// that is not a member.
const Type* memberAttr(TypeContext& tc, BuiltinId id, const Type* receiver);
/// flatimag: the parts of np.arange(start, stop=None, step=None, dtype=None)
/// as bound (a default or a None is absent, -1): the positions of the
/// numbers and of the dtype. As NumPy, a start without a stop is the stop
/// (then start is 0); step is 1 when absent. nullopt: no start, or too many.
struct ArangeParts {
  int start = -1, stop = -1, step = -1, dtype = -1;
};
std::optional<ArangeParts> arangeParts(const std::vector<const Type*>& args);
/// a.shape, a.size, a.ndim, a.T, and methods as BoundMethod, by name
/// (findMember, then memberAttr); nullptr if unknown.
const Type* arrayAttr(TypeContext& tc, const Type* array, const std::string& attr);
/// The result of calling the array method row `id` on `array` with the
/// types of its bound arguments. An error message (not located) when they
/// do not fit.
absl::StatusOr<const Type*> arrayMethodCall(TypeContext& tc, BuiltinId id, const Type* array,
                                            const std::vector<const Type*>& args);
/// The same for a BoundMethod type (its row found by name).
absl::StatusOr<const Type*> arrayMethodCall(TypeContext& tc, const Type* method, const std::vector<const Type*>& args);
/// a[index] for an int or a tuple of ints: an element or a view; nullptr if
/// the index is not supported. `stepless[q]`: part q of the index is a slice
/// written without a step (`a[i:j]`; Numba's slice2 type), which keeps a
/// C-contiguous array contiguous as its innermost index (the caller reads
/// it from the IR; absent: a slice may have a step).
const Type* arrayIndexResult(TypeContext& tc, const Type* array, const Type* index,
                             const std::vector<bool>& stepless = {});
/// arrays: a 0-d integer array, which indexes as its integer (as Numba).
bool isScalarIndexArray(const Type* index);
/// arrays: an index array or a mask of at least one dimension, alone or as
/// a part of a tuple index: a[index] selects (a new array), a[index] = x
/// scatters.
bool isSelectionIndex(const Type* index);
/// mixidx: where the advanced indices (1-d int arrays, or one bool mask) of
/// an index go. The index without them, read as a basic index whose array
/// parts keep their dimensions whole, is a view whose dimensions
/// `view_axes` are the ones the arrays select along (array axes
/// `array_axes`, index tuple positions `parts`, in order). Several int
/// arrays select together, pointwise (NumPy: the k-th place is
/// (i0[k], i1[k], ...), the arrays broadcast to one length); the
/// selection's one dimension is `result_axis` of the result, whose other
/// dimensions are the view's in order. NumPy's rule: ints are advanced
/// indices too, and when a slice, None or `...` stands between two
/// advanced parts the selection's dimension goes first, else where they
/// are (a4[:, idx, :, 1] is (len(idx), n0, n2), a3[:, idx, 0] (n0, len(idx))).
struct SelectionAxes {
  std::vector<int> parts;       // the arrays' positions in the index tuple (0 for a bare array)
  std::vector<int> view_axes;
  std::vector<int> array_axes;
  int result_axis = 0;
  int ndim = 0;  // the result's
};
/// Nothing when the index is not one 1-d int or bool array, or several 1-d
/// int arrays, with ints (0-d int arrays), slices, None and at most one
/// `...`, within the array's dimensions.
std::optional<SelectionAxes> selectionAxes(const Type* array, const Type* index);
/// mixidx: why an index with index arrays cannot select (a mask with
/// another index array, an index array of more than one dimension), else "".
std::string selectionIndexProblem(const Type* index);
/// arrays: numpy.concatenate/stack/vstack/hstack/column_stack of a tuple of
/// arrays of one ndim (and an int axis): the new array, or nullptr.
const Type* arrayJoinResult(TypeContext& tc, BuiltinId id, const std::vector<const Type*>& args);
// wording: why a join of arrays has no implementation (Numba's words), or "".
std::string arrayJoinProblem(const std::vector<const Type*>& args);
/// arrays: numpy.array/asarray/ascontiguousarray of an array, a tuple of
/// numbers, of equal-length tuples of numbers, or of arrays of one ndim (and
/// a dtype): the array (the argument itself where NumPy returns it), or
/// nullptr.
const Type* arrayFromResult(TypeContext& tc, BuiltinId id, const std::vector<const Type*>& args);
/// The iterator GetIter makes of `iterable` (iterators are their own), or
/// nullptr with *why set.
const Type* iteratorOf(TypeContext& tc, const Type* iterable, std::string* why);
/// The item an iterator yields.
const Type* iterItem(TypeContext& tc, const Type* iter);

/// The positions t[start:stop:step] selects from a tuple of n items when
/// the slice is built from constants (or None); nullopt if it is not.
std::optional<std::vector<int64_t>> constantSlice(const ir::Value* slice, int64_t n);

/// The scalar type a dtype= argument names (np.int32, float, ...), or nullptr.
const Type* dtypeOf(TypeContext& tc, const Type* t);
// npfuncs: (rules_npfuncs.cpp)
/// The scalar type a NumPy dtype string names ("float32", "i8", "<f4"), or nullptr.
const Type* dtypeNamed(TypeContext& tc, const std::string& name);
/// For a builtin taking a dtype, its constant string arguments typed as the
/// dtype class they name; an error for a string that names none.
/// `text` gives the text of a constant string value (a constant, a frozen
/// global or cell), or nullptr.
absl::Status dtypeStringArgs(TypeContext& tc, const ir::Resolution& res, const ir::Instr& call,
                             std::vector<const Type*>& args,
                             const std::function<const std::string*(const ir::Value*)>& text);

// datetime: datetime64/timedelta64 scalars (rules_datetime.cpp).

/// The rank of a unit from Y (0) to as (12); -1 for the generic unit "".
int datetimeUnitRank(const std::string& unit);
/// How many units of rank `to` make one of rank `from` (from <= to, both
/// calendar units, Y and M, or both linear ones, W to as).
int64_t datetimeUnitFactor(int from, int to);
/// The type two datetime-like operands convert to before they meet: the
/// timedelta of the two timedeltas' common unit, the datetime of two
/// datetimes' or of a datetime and a timedelta's; nullptr when the units do
/// not convert (years or months with days, say).
const Type* datetimeCommon(TypeContext& tc, const Type* a, const Type* b);
/// Whether a value of `from` converts to `to` without loss (datetime-like,
/// one kind): the generic unit to any, a unit to a finer one of its group,
/// or a datetime's years or months to a finer unit (through the calendar).
bool datetimeConvertible(const Type* from, const Type* to);
const Type* datetimeBinaryResult(TypeContext& tc, ir::BinaryOp op, const Type* a, const Type* b);
const Type* datetimeUnaryResult(TypeContext& tc, ir::UnaryOp op, const Type* a);
const Type* datetimeCompareResult(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b);
/// Whether a ufunc call is typed by datetimeUfuncCall: numpy.isnat, or a
/// datetime-like input.
bool isDatetimeUfunc(BuiltinId id, const std::vector<const Type*>& args);
/// A ufunc on datetime-like inputs, as the scalar operators (ufuncs.h's
/// ufuncCall for the loop recorded on res.compute).
absl::StatusOr<const Type*> datetimeUfuncCall(TypeContext& tc, ir::Resolution& res,
                                              const std::vector<const Type*>& args);

// Strings (rules_strings.cpp): unicode_type, docs/strings.md.

/// str + str, str * int, int * str; nullptr otherwise.
const Type* strBinaryResult(TypeContext& tc, ir::BinaryOp op, const Type* a, const Type* b);
/// ==, !=, <, <=, >, >=, in and not in between strings (a str == a number
/// is False); nullptr otherwise (`is` between strings is refused).
const Type* strCompareResult(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b);
/// s[i] and s[a:b:c]: a str; nullptr for other indices.
const Type* strIndexResult(TypeContext& tc, const Type* str, const Type* index);
/// Whether the builtin call is typed (and lowered) as a string one: ord,
/// chr, str, hash, and len/int/float/bool of a str.
bool isStrBuiltin(BuiltinId id, const std::vector<const Type*>& args);
absl::StatusOr<const Type*> strBuiltinCall(TypeContext& tc, BuiltinId id, const std::vector<const Type*>& args);
/// The result of the str method row `id` on its bound arguments.
absl::StatusOr<const Type*> strMethodCall(TypeContext& tc, BuiltinId id, const Type* str,
                                          const std::vector<const Type*>& args);
// dicts: hashing (rules_dicts.cpp).
/// Why hash() of a value of type t cannot be compiled ("unhashable type:
/// ..."), or "" when it can: numbers, bools and tuples of hashable items,
/// as CPython hashes them. unicode_type is the hook for strings: it is
/// refused until strings have a run-time form (hashStr in lower_dicts.cpp).
std::string unhashableReason(const Type* t);
/// A dict's key or value type is known (not {} before its first store).
bool dictComplete(const Type* dict);
/// Numba's refusal of a dict key (is_key) or value that is or may be None, or "".
std::string dictNoneProblem(const Type* t, bool is_key);
/// The type of {k0: v0, ...} (keys and values unify, as Numba's literal
/// dicts), or an error message.
absl::StatusOr<const Type*> buildMapType(TypeContext& tc, const std::vector<const Type*>& keys,
                                         const std::vector<const Type*>& values);
/// Whether a value of type `from` is stored into a dict slot of type `to`
/// (a key or a value) without loss: the same type, or one unify widens to it.
bool dictSlotFits(TypeContext& tc, const Type* to, const Type* from);
/// dictSlotFits, or a cast with loss that Numba's typed dict makes with a
/// NumbaTypeSafetyWarning (an integer to a narrower or other-signed
/// integer, an integer to a float, a float or complex to a narrower one, and
/// tuples of those item by item): then the warning is noted in `tc`
/// (TypeContext::noteWarning) and the key or value is converted as stored.
/// A float to an integer stays refused, as Numba refuses it.
bool dictCastFits(TypeContext& tc, const Type* to, const Type* from);
/// Numba's spelling of a type where its messages are matched: a uniform
/// unnamed tuple is "UniTuple(item x count)", a named tuple its class's own
/// name ("Point(int64 x 2)", "Point(int64, float64)"); the rest as Kiln
/// spells it.
std::string numbaSpelling(const Type* t);
/// The dict `dict` refined by storing `key` -> `value`: itself when complete,
/// else typed by them; nullptr with *why when they do not fit.
const Type* dictWithItem(TypeContext& tc, const Type* dict, const Type* key, const Type* value, std::string* why);
/// Why d == e cannot be compiled exactly, or "": both dicts of one type
/// whose values are numbers or tuples of numbers.
std::string dictEqualityProblem(const Type* a, const Type* b);
/// typedempty: Dict.empty(key_type, value_type, n_keys): an empty dict of the
/// types the two type objects stand for (typeObjectOf), or the refusal, in
/// words naming Dict.empty and the argument.
absl::StatusOr<const Type*> typedDictEmpty(TypeContext& tc, const std::vector<const Type*>& args);
/// What iterating a dict_iter yields: the key, the value or (key, value).
const Type* dictIterItem(TypeContext& tc, const Type* it);
/// The dict method row `id` on `dict` with its bound arguments. *refined
/// is the dict's type after the call when it changes ({}.setdefault(k, v)).
absl::StatusOr<const Type*> dictMethodCall(TypeContext& tc, BuiltinId id, const Type* dict,
                                           const std::vector<const Type*>& args, const Type** refined);

// optional: (rules_optional.cpp) the name of a Copy that unwraps an
// optional: its result is the value, TypeError when the optional is None.
inline constexpr const char* kUnwrapOptional = "optional.unwrap";
// optional: a ⊔ b where None meets a value or an optional:
// OptionalType(value); nullptr when neither side is none or optional, or
// the values do not unify.
const Type* joinOptional(TypeContext& tc, const Type* a, const Type* b);
// optional: whether operand `operand` of i may be an optional as it is
// (is None, return, tuple item, jitted call, print); others get an unwrap.
bool usesOptionalWhole(const ir::Instr& i, size_t operand);
// optional: why i cannot take its optional operand (its truth); "" if it can.
std::string optionalUseProblem(const ir::Instr& i);
// optional: `x is None` / `x is not None` with x optional: bool; else nullptr.
const Type* optionalCompareResult(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b);
// records (rules_records.cpp): the field of record type `rec` a getitem or
// setitem index names (a constant field name, or a constant position), or -1.
int recordFieldAt(const Type* rec, const ir::Value* index, const compiler::Function& fn);
// records: the constant string a field index is: a literal, or an item of a
// constant tuple (a literal, a frozen global, literal_unroll's) at a
// constant index; nullptr otherwise.
const std::string* constantName(const ir::Value* v, const compiler::Function& fn);
// records: Numba's "Field 'f' was not found in record with fields ('a', 'b')".
std::string recordNoField(const Type* rec, const std::string& name);
// records: a.x / a['x'] of an array of records: a strided view of the
// field; nullptr when `array` is no array of records with that field.
const Type* recordArrayField(TypeContext& tc, const Type* array, const std::string& name);
// records: the value a field of type `field` reads as (a U field: unicode_type),
// of a record whose memory is read-only when `readonly` (rorecord: a nested
// record and a subarray view of a read-only record are read-only too).
const Type* recordFieldValue(TypeContext& tc, const Type* field, bool readonly);
// records: why `value` cannot be stored into a field of type `field`; empty if it can.
std::string recordStoreProblem(const Type* field, const Type* value);
// records: why `index` names no field of `rec`.
std::string recordIndexProblem(const Type* rec, const ir::Value* index, const compiler::Function& fn);

}  // namespace kiln::typing

namespace kiln::typing {

// Lists (rules_lists.cpp), as Numba's reflected lists: one item type for the
// whole list; ints and floats unify to float, anything else mixed is
// refused. A method that stores an item may widen the list's item type (an
// empty list takes the type of its first append): the rule returns the
// list type the receiver must have in *refined.

/// The type of the list literal [items...]; an error message naming the
/// item types when they do not unify.
absl::StatusOr<const Type*> listLiteral(TypeContext& tc, const std::vector<const Type*>& items);
/// lst.name as a bound method; nullptr if lists have no such method.
const Type* listAttr(TypeContext& tc, const Type* list, const std::string& name);
/// The result of lst.name(args...) (positional args, then kwnames' values).
absl::StatusOr<const Type*> listMethodCall(TypeContext& tc, const Type* list, const std::string& name,
                                           const std::vector<const Type*>& args,
                                           const std::vector<std::string>& kwnames, const Type** refined);
/// lst[index]: an item (int index) or a new list (slice); nullptr otherwise.
const Type* listIndexResult(TypeContext& tc, const Type* list, const Type* index);
/// lst[index] = value: the list type the receiver must have, or an error.
absl::StatusOr<const Type*> listStore(TypeContext& tc, const Type* list, const Type* index, const Type* value);
/// A binary operator with a list operand (+, *, +=, *=); nullptr if none.
const Type* listBinaryResult(TypeContext& tc, ir::BinaryOp op, const Type* a, const Type* b);
/// A comparison with a list operand (==, !=, in, not in, is); nullptr if none.
const Type* listCompareResult(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b);
/// Builtins over lists and other iterables (len, min, max, sum, sorted,
/// list); nullopt when the builtin is not one of those on these arguments.
std::optional<absl::StatusOr<const Type*>> listBuiltinCall(TypeContext& tc, const std::string& name,
                                                           const std::vector<const Type*>& args,
                                                           const std::vector<std::string>& kwnames);
/// Whether two items compare with == (numbers, bools, tuples of them).
bool itemsComparable(const Type* a, const Type* b);
/// Whether items of type t are ordered (numbers but complex, tuples of them).
bool itemsOrdered(const Type* t);
/// Whether t is or holds a list whose item type is not known yet.
bool holdsUntypedList(const Type* t);

/// complex: `.real`, `.imag` (their types) and `.conjugate` (a bound
/// method) of a number (rules_complex.cpp); nullptr for another name.
const Type* numberAttr(TypeContext& tc, const Type* number, const std::string& name);
/// complex: number.conjugate() and the other methods of numbers.
absl::StatusOr<const Type*> numberMethodCall(TypeContext& tc, const Type* number, const std::string& name,
                                             const std::vector<const Type*>& args);
/// complex: complex(), complex(x), complex(real, imag).
absl::StatusOr<const Type*> complexCall(TypeContext& tc, const std::vector<const Type*>& args);

}  // namespace kiln::typing

namespace kiln::typing {

// sets: Sets (rules_sets.cpp), as Numba's: a set is a dict (the table of
// runtime/cpu/kiln_dict.h) of its items to no values, its type a kDict whose
// name is "set" or "reflected set" (passed in from Python). One item type
// per set; set() takes the type of its first add.

/// Whether t is a set type.
bool isSet(const Type* t);
/// Why a set cannot hold items of type t, or "".
std::string setItemProblem(const Type* t);
/// s.name as a bound method; nullptr if sets have no such method.
const Type* setAttr(TypeContext& tc, const Type* set, const std::string& name);
/// The result of s.name(args...); *refined is the set's type after the call
/// when a store types it (set().add(1)).
absl::StatusOr<const Type*> setMethodCall(TypeContext& tc, const Type* set, const std::string& name,
                                          const std::vector<const Type*>& args,
                                          const std::vector<std::string>& kwnames, const Type** refined);
/// set(), set(iterable), frozenset(...) and bool(s); nullopt when the
/// builtin is none of those.
std::optional<absl::StatusOr<const Type*>> setBuiltinCall(TypeContext& tc, const std::string& name,
                                                          const std::vector<const Type*>& args,
                                                          const std::vector<std::string>& kwnames);
/// a | b, a & b, a - b, a ^ b (and in place) of two sets; nullptr if a
/// set operand does not support op; an error for sets of unrelated items.
absl::StatusOr<const Type*> setBinaryResult(TypeContext& tc, ir::BinaryOp op, const Type* a, const Type* b);
/// a == b, !=, <=, <, >=, > of two sets; an error otherwise.
absl::StatusOr<const Type*> setCompareResult(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b);

// tuples: builtins answered from the argument types by rewriting the call
// (rules_tuples.cpp): tuple(t) is t (kCopy), tuple() is () (kEmptyTuple),
// bool(t) of a tuple its truth (kTruth), isinstance(x, C) a constant.
// nullopt: not one of these (or the builtin's own rule applies); an error:
// refused, with the message. The argument types must be known.
struct BuiltinRewrite {
  enum class Kind { kCopy, kEmptyTuple, kTruth, kConstant } kind;
  bool value = false;  // kConstant
};
std::optional<absl::StatusOr<BuiltinRewrite>> tupleBuiltinRewrite(const std::string& name,
                                                                  const std::vector<const Type*>& args,
                                                                  size_t nkw);
// tuples: whether a value of type x is an instance of the class c (a
// builtin class or a NumPy scalar type); nullopt when c is not a class.
std::optional<bool> instanceOf(const Type* x, const Type* c);
// pyfuncs (rules_static.cpp): the kiln.static.* checks library code makes at
// typing time; first_text the first argument's constant text, if any.
std::optional<absl::StatusOr<BuiltinRewrite>> staticBuiltinRewrite(const std::string& name,
                                                                   const std::vector<const Type*>& args,
                                                                   const std::optional<std::string>& first_text);

// namedtuples (rules_namedtuples.cpp): the item index of field `name` of
// a namedtuple type, or -1 (a tuple, or no such field).
int namedtupleField(const Type* t, const std::string& name);
// namedtuples: a call of the namedtuple class `cls` with `nargs` arguments,
// the last kwnames.size() of them by keyword: for each field, the operand
// (1 + argument index) that gives it; an error as Python's for missing,
// duplicate, unknown or extra arguments.
absl::StatusOr<std::vector<size_t>> namedtupleArguments(const std::string& cls, size_t nargs,
                                                        const std::vector<std::string>& kwnames);

// structref (rules_structref.cpp): the builtin a define_proxy'd class is
// frozen as by bundle.py: "structref:module.qualname[a, b]" (the StructRef
// subclass, the field names).
inline constexpr char kStructRefBuiltin[] = "structref:";
bool isStructRefClass(const std::string& builtin_name);
// structref: the index of field `name` of a StructRef type, or -1.
int structRefField(const Type* t, const std::string& name);
// structref: the type a call of the constructor `builtin_name` makes from
// these positional arguments (nkw keywords: refused), or why not.
absl::StatusOr<const Type*> structRefNew(TypeContext& tc, const std::string& builtin_name,
                                         const std::vector<const Type*>& args, size_t nkw);
// structref: the error for a missing field, naming the fields there are.
std::string structRefNoField(const Type* t, const std::string& name);
// structref: why `value` cannot be stored into field `field` of t ("" when it can).
std::string structRefStoreProblem(const Type* t, int field, const Type* value);

// enums (rules_enums.cpp): an IntEnum member's type as a number (its
// value's); any other type as it is.
const Type* enumAsNumber(const Type* t);
// enums: whether a constant global's qualified name is a member's type
// ("EnumMember(...)", "IntEnumMember(...)"); bundle.py freezes a member as
// its value with its type there.
bool isEnumMemberSpelling(const std::string& s);
// enums: the global bundle.py names member `attr` of the class a global
// "enumclass:mod.Color" stands for ("enum:mod.Color.attr").
std::string enumMemberGlobal(const std::string& enum_class_builtin, const std::string& attr);
// enums: why a member with a value of this type is refused; empty if not.
std::string enumValueProblem(const Type* value);
// enums: a op b where a side is an enum member; null when refused.
const Type* enumCompareResult(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b);
ir::OperandTypes enumCompareOperands(TypeContext& tc, ir::CompareOp op, const Type* a, const Type* b,
                                     const Type* result);

// print: print(*args, sep=None, end=None) (rules_print.cpp): none when
// `name` is print and the arguments can be printed; UNIMPLEMENTED for a
// keyword print() has but Kiln does not take (file=, flush=), another error
// for a value that cannot be printed; nullopt for another builtin.
std::optional<absl::StatusOr<const Type*>> printBuiltinCall(TypeContext& tc, const std::string& name,
                                                            const std::vector<const Type*>& args,
                                                            const std::vector<std::string>& kwnames);

// objmode: the call a `with objmode(...)` block becomes (rules_print.cpp;
// kiln/_objmode.py): kiln.objmode_call(key, outputs, *inputs), where
// `outputs` is the constant text "name=type" per declared output, one a
// line. The result is the tuple of the outputs' types; an input must be
// boxable as print() boxes it, an output a type the client unboxes (numbers,
// str, arrays of numbers, tuples of them). nullopt for another builtin.
std::optional<absl::StatusOr<const Type*>> objmodeBuiltinCall(TypeContext& tc, const std::string& name,
                                                              const std::vector<const Type*>& args,
                                                              const std::string* key, const std::string* outputs);

// format: (rules_format.cpp) format(x, spec), repr(x), ascii(x): the
// result type, CPython's ValueError for a bad spec (INVALID_ARGUMENT) or
// UNIMPLEMENTED for what Kiln does not format; `spec` is the text of the
// constant second argument (nullptr: none, or not a constant). nullopt for
// another builtin.
std::optional<absl::StatusOr<const Type*>> formatBuiltinCall(TypeContext& tc, const std::string& name,
                                                             const std::vector<const Type*>& args,
                                                             const std::vector<std::string>& kwnames,
                                                             const std::string* spec);
// format: template.format(*args, **kwargs) of a constant template (nullptr:
// not a constant, refused).
std::optional<absl::StatusOr<const Type*>> strFormatCall(TypeContext& tc, const std::string* tmpl,
                                                         const std::vector<const Type*>& args,
                                                         const std::vector<std::string>& kwnames);

// slices: (rules_slices.cpp) slice(...) and s.indices(n): the result type,
// an error saying what is wrong, or nullopt for another callee.
std::optional<absl::StatusOr<const Type*>> sliceCallType(TypeContext& tc, const Type* callee,
                                                         const std::vector<const Type*>& args,
                                                         const std::vector<std::string>& kwnames);
// slices: s.start, s.stop, s.step (int64) and s.indices; nullptr otherwise.
const Type* sliceAttrType(TypeContext& tc, const Type* slice, const std::string& name);
// pysub3: r.start, r.stop, r.step of a range object (laid out as a slice is); null for another name.
const Type* rangeAttrType(TypeContext& tc, const Type* range, const std::string& name);

// litcont: (rules_literal_containers.cpp) Numba's LiteralList and
// LiteralStrKeyDict, carried as tuples (types.h).
// The LiteralList of a list literal's items when they have no common type;
// nullptr when they have one (or are not all typed yet).
const Type* literalListOf(TypeContext& tc, const std::vector<const Type*>& items);
// A build_map of constant str keys whose values have no common type becomes
// the build_tuple of its values in key order; its LiteralStrKeyDict type, or
// nullptr (i unchanged) when it is a dict. `force`: also when the values
// have one type (that a dict cannot hold).
const Type* literalDictOf(TypeContext& tc, ir::Instr& i, bool force = false);
// "Cannot mutate a literal list" / "... dictionary".
std::string literalMutation(const Type* t);
// t[index] of a literal container: the item type; nullptr for a literal
// list's constant index (the tuple's rule); an error in Numba's words.
absl::StatusOr<const Type*> literalGetItem(const Type* t, const ir::Value* index);
// The position of `key` among a LiteralStrKeyDict's keys, or -1.
int literalDictIndex(const Type* t, const std::string& key);
// t.name: a bound method (copy; keys, values, items of a dict) or nullptr
// with *why in Numba's words.
const Type* literalAttr(TypeContext& tc, const Type* t, const std::string& name, std::string* why);
// Whether `x in t` (and t.count(x)) compares x with this item (numbers with
// numbers, strings with strings; any other pair is never equal).
bool literalItemsComparable(const Type* x, const Type* item);
// Why `x in t` of a literal container t is refused; empty when it is not.
std::string literalContainsProblem(const Type* x, const Type* t);
// The result of the bound method `name` of literalAttr called with args.
absl::StatusOr<const Type*> literalMethodCall(TypeContext& tc, const Type* t, const std::string& name,
                                              const std::vector<const Type*>& args);

// native: a C function called by address, frozen by the client as the
// builtin "native:NAME|RESULT(PARAM,...)|KEY" (kiln/_native.py,
// rules_native.cpp): NAME as the user wrote it, the signature in Kiln's
// spellings (numbers, bool; a none result for void; extfunc: a parameter
// `void*` or `T*`, T a number, Numba's voidptr and CPointer(T)), KEY its
// stable identity (runtime/cpu/kiln_native.h).
inline constexpr absl::string_view kNativeFunctionPrefix = "native:";
struct NativeFunction {
  std::string name;
  const Type* result = nullptr;
  /// Per parameter: its type; uint64 (an address) for a pointer parameter.
  std::vector<const Type*> params;
  /// Per parameter: what a pointer parameter points to (none for `void*`),
  /// null for a number or bool.
  std::vector<const Type*> pointees;
  std::string key;
};
bool isNativeFunctionName(absl::string_view builtin_name);
absl::StatusOr<NativeFunction> parseNativeFunction(TypeContext& tc, absl::string_view builtin_name);
// The call of a native function: one positional argument per parameter, each
// a number or bool (converted to the parameter's type where it is lowered);
// for a pointer parameter, `a.ctypes` of an array (ctypes_of[k], the array;
// its dtype must be T for `T*`) or, for `void*`, an int (an address, as
// Numba converts an int to voidptr). nullopt for another builtin.
std::optional<absl::StatusOr<const Type*>> nativeBuiltinCall(TypeContext& tc, const std::string& name,
                                                             const std::vector<const Type*>& args,
                                                             const std::vector<const Type*>& ctypes_of,
                                                             const std::vector<std::string>& kwnames);

}  // namespace kiln::typing
