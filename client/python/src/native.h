#pragma once
// Shared pieces of the kiln._kiln extension.
//
//  value_types: Numba-style type spellings <-> native layouts, typeof of a
//    Python value, unboxing into and boxing out of the C ABI storage.
//  bundle_builder: the plain Python structure built by kiln/bundle.py ->
//    kiln::v1::Bundle.
//  dispatcher: the native Dispatcher type (the call hot path).
//  module: module functions (compile, info, stats, ...) and init.

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "base/type_grammar.h"
#include "kiln/v1/kiln.pb.h"
#include "kiln_abi.h"

struct KilnMemInfo;
namespace kiln::client {
class Library;
struct LocalServerOptions;
}

namespace kiln::python {

/// The native form of one value type.
/// buffers: the exporter of a buffer argument (bits 24..26 of its array key); kNone for an ndarray.
enum class BufferKind : uint8_t { kNone, kBytes, kBytearray, kMemoryview, kPyarray };

struct Layout {
  /// The scalars of base/type_names.def, in its order (so a scalar kind
  /// converts to base::Scalar by value), then the structural kinds.
  enum class Kind {
#define KILN_SCALAR(Name, canonical, size) k##Name,
#include "base/type_names.def"
    kNone, kTuple, kArray,
    kStr,  // strings: unicode_type, a KilnStr (kiln_unicode.h)
    kDict,  // dicts: {KilnMemInfo*} of runtime/cpu/kiln_dict.h; items: key, value
    kList,  // lists: {KilnMemInfo*}; the block's data is {size, capacity, items...}
    kOptional,  // optional: {T value; uint8_t present} laid out as a tuple; items: T, bool
    kRecord,  // records: a structured dtype's element, passed as a pointer to its bytes
    kSlice,  // slices2: slice3_type, {int64 start, stop, step, nones}: INT64_MIN for a None start/stop, 1 for a
             // None step; pyvals: nones has bit 0/1/2 set where start/stop/step was None (kiln_abi.h)
    kStructRef,  // structref: {KilnMemInfo*}; named the class, items[0] the fields' layout as a tuple (the block's data)
  };
  Kind kind = Kind::kNone;
  // NEP 50: a scalar spelled "np.float64", a NumPy scalar argument (beside
  // kind: the dispatcher's exact match reads both, in the padding before size)
  bool strong = false;
  size_t size = 0, align = 1;
  std::vector<Layout> items;     // kTuple; kDict: key, value
  std::vector<size_t> offsets;   // kTuple: C struct offsets of items
  Kind dtype = Kind::kNone;      // kArray: the element type (a scalar kind)
  int ndim = 0;                  // kArray
  char order = 'C';              // kArray: 'C', 'F' or 'A' (any strides)
  bool readonly = false;         // kArray: "readonly array(...)", over a read-only buffer
  BufferKind buffer = BufferKind::kNone;  // buffers: kArray: the exporter, for a bytes/bytearray/memoryview argument
  uint32_t array_key = 0;        // kArray: arrayKey(dtype, ndim, order)
  std::string spelling;          // canonical: "int64", "UniTuple(int64, 2)", "array(float64, 1d, C)"
  bool reflected = false;        // kList: passed in from Python; changes are written back
  bool typed = false;            // tlist: kList: a typed List ("ListType[T]"), boxed as a kiln.typed.List
  bool set = false;              // sets: kDict of the items to none ("set(int64)"); reflected as lists are
  std::string named;             // namedtuples: kTuple: the class ("__main__.Point[x, y]"); empty for a tuple
  // enums: a member of the enum class `enum_class` ("mod.Color"), laid out
  // as its value; enum_value holds the value's own layout (one item).
  std::string enum_class;
  std::vector<Layout> enum_value;
  // records: kRecord, and kArray whose dtype is kRecord: the Record's
  // spelling ("Record(a[type=int16;offset=0];2;False)") and itemsize.
  std::string record;
  size_t record_size = 0;
  // dtypes: 'c' for a NumPy scalar class (np.float32, "class(float32)"), 'd'
  // for a dtype object (np.dtype('float32'), "dtype(float32)"); matched by
  // spelling as a kTuple of no items (the compiled side's i8) and dtype the scalar.
  char dtype_form = 0;
  // npgen: a numpy.random.Generator ("NumPyRandomGeneratorType(PCG64)"): the
  // bit generator's class; matched by spelling as a kTuple of no items, passed
  // as {PyObject* generator, bitgen_t*} (borrowed for the call).
  std::string npgen;
  // pyvals: the Ellipsis object ("ellipsis"): matched by spelling as a kTuple
  // of no items (the compiled side's i8); nothing to pass.
  bool ellipsis = false;
};

/// An array type packed into one integer, so that matching an ndarray
/// argument against an overload is a compare (no allocation).
constexpr uint32_t kArrayKeyReadonly = 1u << 30;
constexpr uint32_t arrayKey(Layout::Kind dtype, int ndim, char order, bool readonly = false,
                            BufferKind buffer = BufferKind::kNone) {
  return (static_cast<uint32_t>(dtype) << 16) | (static_cast<uint32_t>(ndim) << 8) | static_cast<uint8_t>(order) |
         (readonly ? kArrayKeyReadonly : 0) | (static_cast<uint32_t>(buffer) << 24);
}
constexpr BufferKind arrayKeyBuffer(uint32_t key) { return static_cast<BufferKind>((key >> 24) & 0x7); }
/// buffers: Numba's name of a buffer type ("Bytes", "bytearray", ...); "array" for an ndarray.
constexpr const char* bufferName(BufferKind b) {
  return b == BufferKind::kBytes ? "Bytes" : b == BufferKind::kBytearray ? "bytearray"
         : b == BufferKind::kMemoryview ? "memoryview" : b == BufferKind::kPyarray ? "pyarray" : "array";
}
constexpr Layout::Kind arrayKeyDtype(uint32_t key) { return static_cast<Layout::Kind>((key >> 16) & 0xff); }
constexpr bool arrayKeyReadonly(uint32_t key) { return (key & kArrayKeyReadonly) != 0; }
constexpr int arrayKeyNdim(uint32_t key) { return static_cast<int>((key >> 8) & 0xff); }
constexpr char arrayKeyOrder(uint32_t key) { return static_cast<char>(key & 0xff); }
/// The most dimensions an array argument or result may have.
constexpr int kMaxArrayDims = base::kMaxArrayDims;
/// The C ABI struct of an array (kiln_abi.h): { void* meminfo; void* data;
/// int64_t shape[ndim]; int64_t strides[ndim]; }, every field 8 bytes.
constexpr size_t arrayStructSize(int ndim) { return 16 + 16 * static_cast<size_t>(ndim); }

/// The layout of a spelling in the grammar of base/type_grammar.h
/// ("float64", "i8", "UniTuple(int64, 2)", "f8[:, ::1]", "none", ...).
absl::StatusOr<Layout> parseType(const std::string& spelling);

/// NEP 50: typeofKind's *array_key for a NumPy scalar of a type a Python
/// number also has (np.float64, np.int64, np.complex128, np.bool_): strong,
/// so it does not share an overload with the Python number.
constexpr uint32_t kStrongScalarKey = 1;
/// The argument kind of a value, computed without allocating for scalars
/// and arrays. kTuple means "see typeofSpelling"; kArray sets *array_key;
/// a scalar sets it to kStrongScalarKey (a NumPy scalar, NEP 50) or 0.
/// Returns false when untypeable.
bool typeofKind(PyObject* value, Layout::Kind* kind, uint32_t* array_key);
/// Numba's typeof as a spelling; empty when the value has no Kiln type.
std::string typeofSpelling(PyObject* value);
/// NEP 50: the type a value is compiled for as an argument: typeofSpelling,
/// but "np.float64" for a NumPy scalar of a type with a Python twin.
std::string argumentSpelling(PyObject* value);
/// namedtuples: "module.qualname[field, ...]" of a namedtuple class (a tuple
/// subclass with `_fields`), remembered so that values of the type box as
/// instances of it; empty (no error set) for other classes and for classes
/// defined inside a function (not one class per name).
std::string namedtupleClass(PyTypeObject* cls);
/// enums: "module.qualname" of an enum.Enum subclass (remembered so that
/// members box as the class's members), with *is_int for an IntEnum; empty
/// for other classes and for classes defined inside a function.
std::string enumClass(PyTypeObject* cls, bool* is_int = nullptr);
/// "array(float64, 1d, C)".
std::string arraySpelling(Layout::Kind dtype, int ndim, char order, bool readonly = false,
                          BufferKind buffer = BufferKind::kNone);

/// dicts (typed_dict.cpp): a kiln.typed.Dict's block and DictType spelling.
bool typedDictHandle(PyObject* value, KilnMemInfo** mi, std::string* spelling);
/// dicts: a new kiln.typed.Dict over a block that compiled code returned,
/// taking over the caller's reference to it (shared, not copied); nullptr
/// with no error set when the dict's types are not ones a typed Dict from
/// Python handles (the caller boxes a Python dict then), nullptr with an
/// error set on failure.
/// tdarrays: array values borrowed from the call's arguments `args` are
/// adopted first (adoptBorrowedArrays).
PyObject* wrapTypedDict(const Layout& dict, KilnMemInfo* mi, PyObject* args);
/// tdarrays: after a call, gives every array value of the dict block `mi`
/// that borrows memory (compiled code stored an argument's array) a block of
/// its own (adoptBorrowedArray), so the table outlives the call safely; a
/// no-op for dicts whose values hold no arrays. False with a Python error set.
bool adoptBorrowedArrays(const Layout& dict, KilnMemInfo* mi, PyObject* args);
/// tdarrays: adoptBorrowedArrays for an argument of layout `l` stored at
/// `src` in the call's argument block: a typed Dict, or one inside a tuple
/// or a (reflected) list.
bool adoptArgumentArrays(const Layout& l, const void* src, PyObject* args);
/// tdarrays: whether a call with these parameters may leave borrowed memory
/// in a typed Dict argument (some parameter passes an array, some a typed
/// Dict of arrays), so that it adopts after each call; the scan costs a few
/// nanoseconds per item, paid only then.
bool mayLeaveBorrowedArrays(const std::vector<Layout>& params);
/// dict_new, dict_get, ...: the typed Dict's operations from Python.
extern PyMethodDef kTypedDictFunctions[];

/// Whether a value of kind `from` may be passed where `to` is declared
/// (exact, or a safe conversion: bool -> int/float, int -> float64, ...).
bool convertible(Layout::Kind from, const Layout& to);
// pyfuncs: whether an integer argument may be narrowed to the declared integer
// parameter of an eagerly compiled signature (Numba converts it; unbox
// range-checks it: OverflowError, never a wrapped value).
bool narrowable(Layout::Kind from, const Layout& to);

/// Unbox `value` into `dst` as `layout`; returns false with a Python error set.
bool unbox(PyObject* value, const Layout& layout, void* dst);
/// A new reference to the Python value stored at `src`, or null with an error.
/// The references returned arrays hold pass to the NumPy arrays returned
/// (see boxArray; `args` are the call's arguments); on failure every
/// reference in `src` not boxed yet is dropped.
PyObject* box(const Layout& layout, const void* src, PyObject* args = nullptr);

// ---- NumPy arrays (ndarray.cpp, the only user of NumPy's C API) ----

/// Imports NumPy's C API if NumPy is loaded (or, with `import_numpy`, after
/// importing it). False when unavailable; never leaves an error set unless
/// `import_numpy`.
bool numpyApiReady(bool import_numpy);
/// Whether `value` is an ndarray (false until NumPy's C API is loaded).
/// Sets *key to its arrayKey, or 0 when its dtype has no Kiln type.
bool ndarrayKey(PyObject* value, uint32_t* key);
/// buffers: whether value is a bytes, bytearray, memoryview or array.array;
/// sets *key to its arrayKey (with its BufferKind), or 0 when its format has no Kiln type.
bool bufferKey(PyObject* value, uint32_t* key);
/// Whether an ndarray may be passed as the array type `layout` (same dtype
/// and ndim; contiguous where the layout says C or F).
bool arrayPassable(PyObject* value, const Layout& layout);
/// datetime: whether v is a np.datetime64/np.timedelta64 scalar; sets its
/// kind (kNone when its unit has a multiplier, "10ms", which has no type)
/// and its value.
bool datetimeScalarValue(PyObject* v, Layout::Kind* kind, int64_t* value);
/// datetime: a new np.datetime64/np.timedelta64 of the kind's unit.
PyObject* boxDatetime(Layout::Kind kind, int64_t value);
/// records: the Record spelling of an ndarray's structured dtype; empty
/// when it is not one or Kiln has no type for it (a subarray field, a field
/// name that is no identifier, a swapped byte order).
std::string ndarrayRecord(PyObject* value);
/// records: the same of a np.void record scalar; rorecord: "readonly Record(...)" for
/// one over read-only memory (an element of a read-only array).
std::string voidRecord(PyObject* value);
/// records: a new np.void holding a copy of the record's bytes.
PyObject* boxRecord(const Layout& layout, const void* bytes);
/// flatimag: the np.dtype of a returned class(T) or dtype(T) (dtype_form), as Numba boxes both.
PyObject* boxDtype(const Layout& layout);
/// records: the address of a np.void's bytes (its own buffer or its array's).
void* voidData(PyObject* value);
/// Fills the array struct at `dst` from an ndarray of the layout's type.
bool unboxArray(PyObject* value, const Layout& layout, void* dst);
/// tdarrays: gives the array struct at `dst`, unboxed from ndarray `value`
/// (borrowed: its meminfo is NULL), a block of its own that holds a reference
/// to `value` and drops it (taking the GIL) when the block is freed, so a
/// container (a typed Dict) can keep the array after the call that stored it.
/// boxArray returns `value` itself for such a struct that is exactly it.
/// False with MemoryError.
bool ownArray(PyObject* value, void* dst);
/// tdarrays: when the array struct at `place` (of array type `layout`)
/// borrows memory (NULL meminfo: compiled code stored an argument's array, or
/// a view of one, into a container that outlives the call), gives it a block
/// that holds what owns the memory: the argument among `args` (a tuple, or
/// null) that holds it, else a copy. Arrays with no elements stay as they
/// are. False with a Python error set.
bool adoptBorrowedArray(const Layout& layout, void* place, PyObject* args);
/// buffers: unboxes a bytes/bytearray/memoryview/array.array argument of
/// buffer layout `layout` (borrowed memory); false with a TypeError otherwise.
bool unboxBuffer(PyObject* value, const Layout& layout, void* dst);
/// buffers: whether the contiguous buffer of exporter `value` holds [lo, hi).
bool bufferHolds(PyObject* value, const char* lo, const char* hi);
/// np0d: a new reference to what a returned view of argument `holder`'s
/// memory keeps as its base, as NumPy's np.frombuffer does: a bytes object or
/// an ndarray itself; for a bytearray, memoryview or array.array a memoryview
/// of it, whose buffer export keeps the memory where it is (a bytearray
/// cannot be resized, a released memoryview leaves it exported) for as long
/// as the view lives. Null with an error set when the export fails.
PyObject* viewBase(PyObject* holder);
/// The ndarray for an array struct, which holds one reference to its block
/// (kiln_rt.h) or none (borrowed memory). A block's reference goes to a
/// capsule that is the ndarray's base. Borrowed memory belongs to one of
/// the call's arguments `args` (a tuple, or null): the argument itself is
/// returned when the result is exactly it, else a view based on it (a copy
/// when none holds it). Drops the reference when it fails.
PyObject* boxArray(const Layout& layout, const void* src, PyObject* args);
// ---- Lists (value_types.cpp) ----

/// lists: a list block's data is {int64 size, int64 capacity, items...}.
inline constexpr size_t kListHeader = 16;

/// After a call: writes the items of the reflected list argument stored at
/// `src` back into the Python list `value` (as Numba's reflected lists),
/// replacing only the items that changed. False with a Python error set.
/// For a list of arrays, *items_before gets a new reference to a tuple of the
/// items the list held before (the call's blocks borrow their memory, and
/// the result may too): the caller drops it once the result is boxed.
bool writeBackList(PyObject* value, const Layout& layout, const void* src, PyObject** items_before);
/// sets: a Python set argument as a new table (kiln_dict.h) of its items.
bool unboxSet(PyObject* value, const Layout& layout, void* dst);
/// sets: after a call, the Python set gets the items of the table at `src`.
bool writeBackSet(PyObject* value, const Layout& layout, const void* src);
/// lists and sets: an argument made for the call and written back after it.
inline bool reflectedArg(const Layout& l) { return l.kind == Layout::Kind::kList || (l.kind == Layout::Kind::kDict && l.set); }
/// Drops the references a result at `src` holds without boxing it.
void releaseResult(const Layout& layout, const void* src);
/// print: boxes a value stored at `src` that the caller keeps (its blocks
/// get references of the object's own); null with a Python error set.
/// objmode: `args` as box's (an argument array boxes as a view based on the argument).
PyObject* boxBorrowed(const Layout& layout, const void* src, PyObject* args = nullptr);
/// print: installs the printer of compiled print() (print_hook.cpp).
void installPrintHook();
/// print, objmode: the layout of a type spelling, parsed once per spelling
/// (print_hook.cpp); null when it is not one. Holding the GIL.
const Layout* layoutOfSpelling(const char* spelling);
/// objmode: installs the runner of with objmode() blocks (objmode_hook.cpp).
void installObjmodeHook();
/// objmode: _set_objmode_runner (objmode_hook.cpp).
extern PyMethodDef kObjmodeFunctions[];
/// objmode: the arguments (a tuple) of the innermost call of compiled code
/// running on this thread, or null: the memory an argument array lends to
/// compiled code belongs to one of them, so a block boxes such an array as
/// a view based on it (boxArray's `args`) rather than a copy.
PyObject* currentCallArgs();
/// Sets currentCallArgs for its scope (calls nest: a block may call
/// another jitted function).
class CurrentCallArgs {
 public:
  explicit CurrentCallArgs(PyObject* args);
  ~CurrentCallArgs();
  CurrentCallArgs(const CurrentCallArgs&) = delete;
  CurrentCallArgs& operator=(const CurrentCallArgs&) = delete;

 private:
  PyObject* outer_;
};
/// objmode: sets, as the raised exception, the one a with objmode() block
/// raised on this thread, when compiled code raised it (a KILN_CLASS_ERROR
/// whose class_name is the very pointer the hook gave); false otherwise.
bool restoreObjmodeError(const char* class_name);
/// Drops the block of a list argument stored at `src`.
void dropList(const void* src);
/// While boxing a result: the list arguments' blocks and their Python lists,
/// so a list argument returned is returned as itself (null: none).
void setListParents(const std::vector<std::pair<const void*, PyObject*>>* parents);
/// lists, sets: a reflected container inside a tuple argument, unboxed as a
/// block of its own for the call (`first`: the first time this Python object
/// is met; a later one shares its block and holds a reference of it).
struct NestedReflected {
  const void* block;
  PyObject* value;
  const Layout* layout;
  bool first;
};
/// While the arguments of a call are unboxed, where unbox records the
/// reflected containers it finds inside tuples (null: such an argument is
/// refused).
void setNestedReflected(std::vector<NestedReflected>* nested);

/// Drops the reference of an array struct that will not be boxed.
void releaseArray(const void* src);

struct BundleObject {
  PyObject_HEAD
  kiln::v1::Bundle* bundle;
  uint8_t hash[32];
};

/// One Compile call's arguments, as the Python side passes them.
struct CompileCall {
  std::vector<std::string> arg_types;
  std::string return_type;  // "" = inferred
  int opt_level = 3;
  bool fastmath = false, boundscheck = false;
  std::vector<std::string> fastmath_flags;  // Numba's set form (the server checks the names)
  std::string error_model = "python";
  int emit = 0;  // kiln.v1.Emit
  std::string target_tier;  // keys: "" = $KILN_TARGET_TIER or the default (client.h's tierTarget)
  std::string target_triple, target_cpu;  // cuda: another target ("nvptx64-nvidia-cuda", "sm_80"); "": the host
};
/// Fills call->arg_types from a sequence of str; false with a Python error set.
/// Appends the str items of a Python sequence; false with a Python error set.
bool stringsFrom(PyObject* value, const char* what, std::vector<std::string>* out);
bool argTypesFrom(PyObject* seq, CompileCall* call);
/// Fills call->fastmath (a bool) or call->fastmath_flags (a sequence of str);
/// false with a Python error set.
bool fastmathFrom(PyObject* value, CompileCall* call);
/// The compile options a call asks for.
void optionsFrom(const CompileCall& call, kiln::v1::Options* o);
/// The Compile RPC for a bundle, on the configured or local server, with the
/// GIL released. Failures of the RPC itself raise kiln.errors.KilnError
/// (returns false); a reply with a diagnostic is a reply.
bool compileRpc(const BundleObject& bundle, const CompileCall& call, kiln::v1::CompileResponse* reply);
/// {"ok": False, "kind", "message", "filename", "line", "function"}.
PyObject* diagnosticDict(const kiln::v1::Diagnostic& d);

/// kiln.errors.<name> (borrowed, cached), falling back to RuntimeError.
PyObject* kilnError(const char* name);

/// kiln/bundle.py's plain structure -> Bundle; false with a Python error set.
bool buildBundle(PyObject* spec, kiln::v1::Bundle* out);

/// packages: write_bundle_file, read_bundle_file (export.cpp).
extern PyMethodDef kExportFunctions[];
/// _preconnect, _preconnect_status (preconnect.cpp).
extern PyMethodDef kPreconnectFunctions[];
/// The embedded server's options (kilnd next to the package), module.cpp.
client::LocalServerOptions serverOptions();

extern PyTypeObject DispatcherType;
extern PyTypeObject BundleType;

/// The Python exception of compiled code's error (null, with it set), with a
/// traceback frame at the Python line that raised it.
PyObject* raiseFromCompiled(KilnError& err);

// ---- cudahost: kiln.cuda's launch path (cuda_launch.cpp) ----

extern PyTypeObject KernelLaunchType;
extern PyTypeObject KernelBaseType;
extern PyMethodDef kCudaLaunchFunctions[];

// ---- genpy: generators returned to Python (generator_object.cpp) ----

extern PyTypeObject GeneratorType;
// structref (structref.cpp): a StructRefProxy instance over Kiln's block.
extern PyTypeObject StructRefHandleType;
/// structref: whether v is a StructRefProxy over Kiln's block (no error set).
bool isStructRefProxy(PyObject* v);
/// structref: whether v is such a proxy of this StructRef spelling (compared in place).
bool structRefOf(PyObject* v, const std::string& spelling);
/// structref: the StructRef spelling of a proxy Kiln boxed; empty otherwise (no error set).
std::string structRefSpelling(PyObject* v);
bool unboxStructRef(PyObject* v, const Layout& l, void* dst);
/// structref: a proxy over `mi`, taking over the reference; null with an error set.
PyObject* boxStructRef(const Layout& l, KilnMemInfo* mi, PyObject* args);
/// structref_register(name, proxy_class): the proxy class of a StructRef class.
PyObject* structRefRegister(PyObject*, PyObject* args);
/// A kiln._kiln.Generator owning `block` (its reference: dropped on
/// failure) that steps it with `step` and boxes items as `yield`, keeping
/// the shared object loaded and the call's arguments `args` alive.
PyObject* newGenerator(KilnMemInfo* block, KilnGeneratorStepFn step, std::shared_ptr<const Layout> yield,
                       std::shared_ptr<client::Library> library, PyObject* args);
/// The yield type's spelling of a generator type's spelling
/// ("Generator(func=f, args=(int64,), yield=float64)" -> "float64"); false
/// for other spellings.
bool generatorYieldSpelling(const std::string& spelling, std::string* yield);

}  // namespace kiln::python
