// Builtins and module functions: what they return, one rule per registry
// row (builtins.def). Lowering (lowering/lower_builtins.cpp) implements
// exactly the rows typed here.
#include <cmath>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/typing/rules_buffers.h"  // charseq:
#include "compiler/typing/registry.h"
#include "compiler/typing/rules.h"
#include "compiler/typing/rules_cuda.h"  // cuda:
#include "compiler/typing/ufuncs.h"

namespace kiln::typing {

namespace {

constexpr double kPi = 3.141592653589793;

bool isReal(const Type* t) { return t->kind == Kind::kBool || t->kind == Kind::kInt || t->kind == Kind::kFloat; }
bool isIntLike(const Type* t) { return t->kind == Kind::kBool || t->kind == Kind::kInt; }

// npmisc: a dimension of a shape: an int, or an IntEnum member (its value).
bool isShapeInt(const Type* t) { return isIntLike(enumAsNumber(t)); }

std::string argList(const std::vector<const Type*>& args) {
  std::vector<std::string> s;
  for (const Type* t : args) s.push_back(t->str());
  return absl::StrJoin(s, ", ");
}

// np.nonzero(a), np.where(a): the indices of the true (nonzero) items, as a
// 1-tuple (1-d only here).
template <typename Bad>
absl::StatusOr<const Type*> nonzeroResult(TypeContext& tc, const std::vector<const Type*>& args, Bad bad) {
  if (args.size() != 1 || args[0]->kind != Kind::kArray || args[0]->ndim != 1 || !isReal(args[0]->dtype()))
    return bad();
  return tc.tuple({tc.array(tc.integer(64, true), 1, 'C')});
}

}  // namespace

bool isExceptionClassName(const std::string& name) {
  static const std::set<std::string> names = {
      "Exception", "ValueError", "ZeroDivisionError", "IndexError", "KeyError", "TypeError",
      "RuntimeError", "AssertionError", "OverflowError", "ArithmeticError", "NotImplementedError",
      "StopIteration", "MemoryError", "NameError", "LookupError", "UnboundLocalError"};
  return names.count(name) > 0;
}

bool moduleConstant(const std::string& module, const std::string& attr, double* value) {
  if (module != "math" && module != "numpy" && module != "cmath") return false;
  if (attr == "pi") *value = kPi;
  else if (attr == "e") *value = 2.718281828459045;
  else if (attr == "tau" && module != "numpy") *value = 6.283185307179586;
  else if (attr == "inf") *value = INFINITY;
  else if (attr == "nan") *value = NAN;
  else return false;
  return true;
}

const Type* moduleAttr(TypeContext& tc, const std::string& module, const std::string& attr) {
  double v;
  if (moduleConstant(module, attr, &v)) return tc.floating(64);
  // A function exists in a module when the registry has its row.
  if ((module == "math" || module == "numpy") && findBuiltin(module + "." + attr)) return tc.builtin(module + "." + attr);
  if (module == "numpy" && attr == "random") return tc.module("numpy.random");  // random: a submodule
  if (module == "numpy" && attr == "linalg") return tc.module("numpy.linalg");  // linalg: a submodule
  if (module == "numpy" && attr == "lib") return tc.module("numpy.lib");  // npmisc: np.lib.stride_tricks
  if (module == "numpy.lib" && attr == "stride_tricks") return tc.module("numpy.lib.stride_tricks");
  if (module == "numpy" && attr == "newaxis") return tc.none();  // npmisc: None, in an index
  if (module == "numpy" && attr == "ndarray") return tc.builtin("numpy.ndarray");  // wording: a class for isinstance
  if (module == "numpy" && (attr == "timedelta64" || attr == "datetime64"))  // dtunits: classes for isinstance
    return tc.builtin("numpy." + attr);
  // realcode: Numba's prange (and kiln.prange) is range; prange: its loop
  // may run in parallel in a parallel=True function (parallel_loops.h).
  if ((module == "numba" || module == "kiln") && attr == "prange") return tc.builtin("range");
  // realcode4: numba.typed.List and numba.types.intp read through the
  // module (sparse's numba.typed.List.empty_list(numba.types.intp)).
  if (module == "numba" && attr == "typed") return tc.module("kiln.typed");
  if (module == "numba" && attr == "types") return tc.module("numba.types");
  // realcode: Numba's scalar types called as casts (numba.uint8(x)) are NumPy's.
  if ((module == "numba" || module == "numba.types") && attr != "float16" && attr != "half")
    if (const Type* d = moduleAttr(tc, "numpy", attr); d && d->kind == Kind::kDType) return d;
  // pycells: typed.List() and typed.Dict make what the classes read as globals make.
  if (module == "kiln.typed" && attr == "List") return tc.builtin(kTypedListBuiltin);  // tlist:
  if (module == "kiln.typed" && attr == "Dict") return tc.builtin("kiln.typed.Dict");
  // typedempty: numba.typed.Dict.empty(...) after `import numba` (kiln.typed after `import kiln`)
  if ((module == "numba" || module == "kiln") && attr == "typed") return tc.module("kiln.typed");
  // typedempty: numba.types.int64 (kiln.types): its members travel in the bundle (bundle.py: library_members)
  if ((module == "numba" || module == "kiln") && attr == "types") return tc.module(module + ".types");
  // realcode5: numba.config.NUMBA_NUM_THREADS (stumpy sizes its per-thread
  // buffers by it): the settings' plain values are frozen by bundle.py, as
  // Numba freezes a global module's attributes at compile time.
  if ((module == "numba" || module == "kiln") && attr == "config") return tc.module(module + ".config");
  if (module == "numpy") {
    static const std::map<std::string, std::pair<int, int>> ints = {  // bits, signed
        {"int8", {8, 1}},   {"int16", {16, 1}},  {"int32", {32, 1}},  {"int64", {64, 1}},
        {"uint8", {8, 0}},  {"uint16", {16, 0}}, {"uint32", {32, 0}}, {"uint64", {64, 0}},
        {"intp", {64, 1}},  {"int_", {64, 1}},   {"uintp", {64, 0}}};
    if (auto it = ints.find(attr); it != ints.end())
      return tc.dtypeClass(tc.integer(it->second.first, it->second.second != 0));
    if (attr == "float64" || attr == "double" || attr == "float_") return tc.dtypeClass(tc.floating(64));
    if (attr == "float32" || attr == "single") return tc.dtypeClass(tc.floating(32));
    if (attr == "float16" || attr == "half") return tc.dtypeClass(tc.floating(16));  // float16:
    if (attr == "bool_" || attr == "bool") return tc.dtypeClass(tc.boolean());  // npfuncs: np.bool (NumPy 2)
    if (attr == "complex128") return tc.dtypeClass(tc.complex(128));
    if (attr == "complex64") return tc.dtypeClass(tc.complex(64));
  }
  return nullptr;
}

std::optional<ArangeParts> arangeParts(const std::vector<const Type*>& args) {
  auto given = [&](size_t k) { return k < args.size() && args[k] != nullptr && args[k]->kind != Kind::kNone; };
  if (args.empty() || args.size() > 4 || !given(0)) return std::nullopt;
  ArangeParts p;
  if (given(1)) {
    p.start = 0;
    p.stop = 1;
  } else {
    p.stop = 0;  // np.arange(5), np.arange(5, None, 2): start is the stop
  }
  if (given(2)) p.step = 2;
  if (given(3)) p.dtype = 3;
  return p;
}

absl::StatusOr<const Type*> builtinCall(TypeContext& tc, ir::Resolution& res,
                                        const std::vector<const Type*>& args) {
  for (const Type* a : args)
    if (a->kind == Kind::kUnknown) return tc.unknown();
  const BuiltinInfo& row = builtinInfo(res.id);
  const std::string name = row.name;
  auto bad = [&]() {
    return absl::InvalidArgumentError(
        absl::StrCat("no implementation of '", name, "' for argument types (", argList(args), ")"));
  };
  size_t n = args.size();
  if (isStrBuiltin(res.id, args)) return strBuiltinCall(tc, res.id, args);  // strings: rules_strings.cpp
  switch (row.family) {
    case BuiltinFamily::kMathUnary:
      if (n == 1 && isReal(args[0])) return tc.floating(64);
      return bad();
    case BuiltinFamily::kMathBinary:
      if (n == 2 && isReal(args[0]) && isReal(args[1])) return tc.floating(64);
      return bad();
    case BuiltinFamily::kReduction:
      // np.f(a) is a.f(); np.amin/amax are min/max.
      if (n < 1 || n > 2 || args[0]->kind != Kind::kArray) return bad();
      return arrayMethodCall(tc, reductionMethod(res.id), args[0],
                             n == 2 ? std::vector<const Type*>{args[1]} : std::vector<const Type*>{});
    case BuiltinFamily::kUfunc:
      return ufuncCall(tc, res, args);
    case BuiltinFamily::kMethod:
    case BuiltinFamily::kAttribute:
      return absl::InternalError(absl::StrCat(name, " is not a function"));
    case BuiltinFamily::kOwn:
      break;
  }
  switch (res.id) {
#define KILN_BUILTIN(Id, name, spec)
#define KILN_FAMILY(Id, name, spec, family, method) case BuiltinId::k##Id:
#include "compiler/typing/builtins.def"
      break;  // typed by the family above
    // random: rules_random.cpp.
    case BuiltinId::kRngSeed:
    case BuiltinId::kRngNextU32:
    case BuiltinId::kRngNextDouble:
    case BuiltinId::kRngGauss:
    case BuiltinId::kRngArrayOrNone:
    case BuiltinId::kRngShape:
      return randomBuiltinCall(tc, res.id, args);
    case BuiltinId::kNdUnravel:  // ndindex: rules_ndindex.cpp
      return ndUnravelCall(tc, args);
    case BuiltinId::kNpgenNextUint64:  // npgen: rules_npgen.cpp
    case BuiltinId::kNpgenNextUint32:
    case BuiltinId::kNpgenNextDouble:
      return npgenBuiltinCall(tc, res.id, args);
    case BuiltinId::kStaticError:  // pyfuncs: rewritten before typing (rules_static.cpp)
    case BuiltinId::kStaticSameItem:
    case BuiltinId::kStaticItemIsinstance:
    case BuiltinId::kStaticIterable:
    case BuiltinId::kStaticLiteral:
    case BuiltinId::kLiterally:
      return absl::InternalError(absl::StrCat(builtinName(res.id), " reached typing unrewritten"));
    case BuiltinId::kNdBroadcastTo:  // broadcast: rules_broadcast.cpp
      return ndBroadcastToCall(tc, args);
    case BuiltinId::kNdBroadcastShapes:
    case BuiltinId::kNdBroadcastShapeOf:
      return ndBroadcastShapeCall(tc, args, res.id == BuiltinId::kNdBroadcastShapeOf);
    case BuiltinId::kParallelNumThreads:  // prange: the pool's (kiln_parallel.h)
    case BuiltinId::kParallelThreadId:
      return tc.integer(64, true);
    case BuiltinId::kNdAsStrided:  // npmisc: rules_broadcast.cpp
      return ndAsStridedCall(tc, args);
    case BuiltinId::kBytesOf:  // bytesm: rules_buffers.cpp
      return bytesOfCall(tc, args);
    case BuiltinId::kStrOfCodes:  // bytes2: rules_buffers.cpp
      return strOfCodesCall(tc, args);
    case BuiltinId::kLinalgCall:  // linalg: rules_linalg.cpp
      return linalgBuiltinCall(tc, args);
#define KILN_BUILTIN(Id, name, spec)
#define KILN_FAMILY(Id, name, spec, family, method)
#define KILN_CUDA_BUILTIN(Id, name, spec) case BuiltinId::k##Id:
#include "compiler/typing/builtins.def"
      return cudaBuiltinCall(tc, res, args);  // cuda: rules_cuda.cpp
    case BuiltinId::kLinalgSameDtype:
      return linalgSameDtype(tc, args);
    case BuiltinId::kMathLog:
      if ((n == 1 || n == 2) && isReal(args[0]) && (n == 1 || isReal(args[1]))) return tc.floating(64);
      return bad();
    case BuiltinId::kMathFloor:
    case BuiltinId::kMathCeil:
    case BuiltinId::kMathTrunc:
      if (n == 1 && isReal(args[0])) return tc.integer(64, true);
      return bad();
    case BuiltinId::kMathIsnan:
    case BuiltinId::kMathIsinf:
    case BuiltinId::kMathIsfinite:
      if (n == 1 && isReal(args[0])) return tc.boolean();
      return bad();
    case BuiltinId::kMathFrexp:
      if (n == 1 && isReal(args[0])) return tc.tuple({tc.floating(64), tc.integer(64, true)});
      return bad();
    case BuiltinId::kMathLdexp:
      if (n == 2 && isReal(args[0]) && isIntLike(args[1])) return tc.floating(64);
      return bad();
    case BuiltinId::kAbs: {
      if (n == 1 && args[0]->kind == Kind::kComplex) return tc.floating(args[0]->bits / 2);  // complex: its modulus
      if (n == 1 && args[0]->kind == Kind::kNPTimedelta) return args[0];  // datetime
      if (n != 1 || !isReal(args[0])) return bad();
      if (args[0]->kind == Kind::kFloat) return args[0];
      const Type* r = promote(tc, args[0], args[0]);
      return args[0]->strong ? tc.strongScalar(r) : r;  // NEP 50: abs(np.int64(x)) is one
    }
    case BuiltinId::kMin:
    case BuiltinId::kMax: {
      if (n == 1 && args[0]->isArray() && args[0]->ndim == 1 &&
          (isReal(args[0]->dtype()) || args[0]->dtype()->isDatetimeLike()))
        return args[0]->dtype();  // datetime: min(a)/max(a) over a 1-d array's items, as Python's
      if (n < 2) return bad();
      const Type* t = args[0];
      if (t->isDatetimeLike()) {  // datetime: of one type (Python's min returns an argument, unit and all)
        for (const Type* a : args)
          if (a != t) return bad();
        return t;
      }
      bool strong = false;
      for (const Type* a : args) {
        if (!isReal(a)) return bad();
        t = (t->kind == Kind::kBool && a->kind == Kind::kBool) ? t : promote(tc, t, a);
        strong = strong || a->strong;
      }
      // NEP 50: Python's min returns one of its arguments: a NumPy scalar
      // among them makes the result one, as a phi of the two would
      return strong ? tc.strongScalar(t) : t;
    }
    case BuiltinId::kInt: {
      if (n == 1 && isReal(args[0])) return tc.integer(64, true);
      return bad();
    }
    case BuiltinId::kFloat: {
      if (n == 1 && isReal(args[0])) return tc.floating(64);
      return bad();
    }
    case BuiltinId::kBool: {
      if (n == 1 && (args[0]->isNumber() || args[0]->kind == Kind::kNone)) return tc.boolean();
      if (n == 1 && isBytes(args[0])) return tc.boolean();  // charseq: not empty
      if (n == 0) return tc.boolean();
      return bad();
    }
    case BuiltinId::kRound: {
      if (n == 1 && isReal(args[0])) return tc.integer(64, true);
      if (n == 2 && isReal(args[0]) && isIntLike(args[1]))
        return args[0]->kind == Kind::kFloat ? args[0] : tc.integer(64, true);
      return bad();
    }
    case BuiltinId::kDivmod: {
      if (n == 2 && isReal(args[0]) && isReal(args[1])) {
        const Type* p = promote(tc, args[0], args[1]);
        return tc.tuple({p, p});
      }
      return bad();
    }
    case BuiltinId::kPow: {
      if (n == 2) {
        const Type* t = binaryResult(tc, ir::BinaryOp::kPow, args[0], args[1]);
        if (t && t->kind != Kind::kUnknown) res.compute = binaryOperands(tc, ir::BinaryOp::kPow, args[0], args[1], t).operand;
        if (t) return t;
      }
      return bad();
    }
    case BuiltinId::kComplex: {  // complex: rules_complex.cpp
      absl::StatusOr<const Type*> t = complexCall(tc, args);
      if (!t.ok()) return absl::InvalidArgumentError(t.status().message());
      return *t;
    }
    case BuiltinId::kRange: {
      if (n >= 1 && n <= 3) {
        for (const Type* a : args)
          if (!isIntLike(a)) return bad();
        return tc.range();
      }
      return bad();
    }
    case BuiltinId::kOrd:  // strings: isStrBuiltin, above
    case BuiltinId::kChr:
    case BuiltinId::kStrOf:
      return bad();
    case BuiltinId::kLen: {
      if (n == 1 && (args[0]->kind == Kind::kRange || args[0]->kind == Kind::kTuple || args[0]->kind == Kind::kArray ||
                     args[0]->kind == Kind::kDict || args[0]->isFlatIter()))  // dicts:, flatimag: len(a.flat)
        return tc.integer(64, true);
      return bad();
    }
    case BuiltinId::kEnumerate: {
      std::string why;
      if (n < 1 || n > 2 || (n == 2 && !isIntLike(args[1]))) return bad();
      const Type* it = iteratorOf(tc, args[0], &why);
      if (!it) return absl::InvalidArgumentError(why);
      return tc.enumerate(it);
    }
    case BuiltinId::kZip: {  // zip() with no iterables is empty
      std::vector<const Type*> iters;
      for (const Type* a : args) {
        std::string why;
        const Type* it = iteratorOf(tc, a, &why);
        if (!it) return absl::InvalidArgumentError(absl::StrCat("argument ", iters.size() + 1, " of zip(): ", why));
        iters.push_back(it);
      }
      return tc.zip(std::move(iters));
    }
    // generators: iter(x) is the iterator a for loop over x makes; next(it)
    // its next item (StopIteration when none is left), next(it, default)
    // the default then.
    case BuiltinId::kIter: {
      if (n != 1) return bad();
      std::string why;
      const Type* it = iteratorOf(tc, args[0], &why);
      if (!it) return absl::InvalidArgumentError(why);
      return it;
    }
    case BuiltinId::kNext: {
      if (n < 1 || n > 2) return bad();
      if (!isIterator(args[0]->kind))
        return absl::InvalidArgumentError(absl::StrCat("'", args[0]->str(), "' object is not an iterator"));
      const Type* item = iterItem(tc, args[0]);
      if (n == 1) return item;
      const Type* u = unify(tc, item, args[1]);
      if (!u)
        return absl::InvalidArgumentError(absl::StrCat("the default of next() (", args[1]->str(),
                                                       ") does not unify with the items (", item->str(), ")"));
      return u;
    }
    // dicts: hash() (rules_dicts.cpp)
    case BuiltinId::kHash:
      if (n == 1) {
        if (isBytes(args[0])) return tc.integer(64, true);  // bytesm: CPython's hash of the bytes (lower_strings.cpp)
        std::string why = unhashableReason(args[0]);
        if (why.empty() || args[0]->isDatetimeLike()) return tc.integer(64, true);  // dtunits: hash() only, not keys
        return absl::InvalidArgumentError(why);
      }
      return bad();
    case BuiltinId::kTypedDictNew:  // dicts: Dict() in compiled code is {}
      return tc.dict(tc.unknown(), tc.unknown());
    case BuiltinId::kTypedDictEmpty:  // typedempty: rules_dicts.cpp
      return typedDictEmpty(tc, args);
    case BuiltinId::kDictNew:  // dicts: dict() is {}; dict(d) is refused as Numba does
      if (n == 0) return tc.dict(tc.unknown(), tc.unknown());
      if (n == 1 && args[0]->kind == Kind::kDict)  // Numba's words for dict(d)
        return absl::InvalidArgumentError(
            "Unsupported use of `dict()` with positional or keyword argument(s). The only supported use is "
            "`dict()`. (Kiln also makes a dict with `dict(iterable)` of key-value pairs, not of a dict)");
      return absl::InvalidArgumentError("dict() with arguments is not supported yet: only dict() and {} make a dict");
    case BuiltinId::kNpSort: {
      if (n != 1 || args[0]->kind != Kind::kArray || args[0]->ndim != 1 || args[0]->dtype()->kind == Kind::kComplex)
        return bad();
      return tc.array(args[0]->dtype(), 1, 'C');
    }
    case BuiltinId::kNpMedian:
    case BuiltinId::kNpPercentile:
    case BuiltinId::kNpQuantile: {
      // Of a 1-d real array (q a number): float64, or the float dtype.
      if (n != (res.id == BuiltinId::kNpMedian ? 1u : 2u) || args[0]->kind != Kind::kArray || args[0]->ndim != 1) return bad();
      const Type* d = args[0]->dtype();
      if (res.id == BuiltinId::kNpMedian && d->kind == Kind::kNPTimedelta) return d;  // dtunits: a timedelta
      if (!isReal(d) || (n == 2 && !isReal(args[1]))) return bad();
      return tc.strongScalar(d->kind == Kind::kFloat ? d : tc.floating(64));  // NEP 50: a NumPy scalar
    }
    case BuiltinId::kNpDiff: {
      // diff(a[, n]) of a 1-d array: n-th differences, n >= 0.
      if (n < 1 || n > 2 || args[0]->kind != Kind::kArray || args[0]->ndim != 1 || (n == 2 && !isIntLike(args[1])))
        return bad();
      if (args[0]->dtype()->kind == Kind::kBool || args[0]->dtype()->kind == Kind::kComplex) return bad();
      return tc.array(args[0]->dtype(), 1, 'C');
    }
    case BuiltinId::kNpEmptyLike:
    case BuiltinId::kNpZerosLike:
    case BuiltinId::kNpOnesLike: {
      // npfuncs: of a number too (a 0-d array, as NumPy); records: of a record, a 0-d array of its dtype.
      if (n < 1 || n > 2 || (args[0]->kind != Kind::kArray && !isReal(args[0]) && !args[0]->isRecord())) return bad();
      const Type* dtype = n == 2 ? dtypeOf(tc, args[1]) : args[0]->kind == Kind::kArray ? args[0]->dtype() : args[0];
      if (!dtype || (dtype->isRecord() && res.id == BuiltinId::kNpOnesLike)) return bad();  // records: empty, zeros
      return tc.array(dtype, args[0]->kind == Kind::kArray ? args[0]->ndim : 0, 'C');
    }
    case BuiltinId::kNpNonzero:
      return nonzeroResult(tc, args, bad);
    case BuiltinId::kNpSearchsorted: {
      // (a, v, side="left"|"right"): a 1-d and sorted; v a number or 1-d array.
      if (n < 2 || n > 3 || args[0]->kind != Kind::kArray || args[0]->ndim != 1 || !isReal(args[0]->dtype()))
        return bad();
      if (n == 3 && args[2]->kind != Kind::kStr) return bad();
      // The bisection compares items and values in their common type.
      if (isReal(args[1])) {
        res.compute = compareOperandType(tc, args[0]->dtype(), args[1]);
        return tc.strongScalar(tc.integer(64, true));  // NEP 50: NumPy's intp scalar
      }
      if (args[1]->kind == Kind::kArray && args[1]->ndim == 1 && isReal(args[1]->dtype())) {
        res.compute = compareOperandType(tc, args[0]->dtype(), args[1]->dtype());
        return tc.array(tc.integer(64, true), 1, 'C');
      }
      return bad();
    }
    case BuiltinId::kNpFrombuffer: {
      // arrmeth: as Numba, a C-contiguous buffer (bytes, bytearray, memoryview, array) and a number dtype;
      // the result is read-only when the buffer is.
      if (n < 1 || n > 2 || args[0]->kind != Kind::kArray || args[0]->layout != 'C' ||
          !(args[0]->dtype()->isNumber() || args[0]->dtype()->isDatetimeLike()))
        return bad();
      const Type* dtype = n == 2 && args[1]->kind != Kind::kNone ? dtypeOf(tc, args[1]) : tc.floating(64);
      if (!dtype || !(dtype->isNumber() || dtype->isDatetimeLike())) return bad();
      return tc.array(dtype, 1, 'C', args[0]->readonly);
    }
    case BuiltinId::kNpTake: {
      if (n != 2 || args[0]->kind != Kind::kArray || args[0]->ndim != 1) return bad();
      if (isIntLike(args[1])) return args[0]->dtype();
      if (args[1]->kind != Kind::kArray || args[1]->ndim != 1 || args[1]->dtype()->kind != Kind::kInt) return bad();
      return tc.array(args[0]->dtype(), 1, 'C');
    }
    case BuiltinId::kNpWhere: {
      // where(cond, x, y) elementwise; x and y promote as an operator's operands.
      if (n == 1) return nonzeroResult(tc, args, bad);
      if (n != 3) return bad();
      int nd = 0;
      for (const Type* a : args) {
        const Type* e = a->kind == Kind::kArray ? a->dtype() : a;
        if (!isReal(e)) return bad();
        if (a->kind == Kind::kArray) nd = std::max(nd, a->ndim);
      }
      if (!nd) return bad();
      const Type* e = (args[1]->kind == Kind::kArray || args[2]->kind == Kind::kArray)
                          ? arrayOperandDtype(tc, args[1], args[2])
                          : promoteDtypes(tc, args[1], args[2]);
      if (!e) return bad();
      return tc.array(e, nd, 'C');
    }
    case BuiltinId::kNpFull:
    case BuiltinId::kNpFullLike: {
      // (shape or a, fill_value, dtype=): the dtype defaults to the value's
      // (full) or the array's (full_like).
      if (n < 2 || n > 3 || !isReal(args[1])) return bad();
      bool like = res.id == BuiltinId::kNpFullLike;
      int nd = -1;
      if (like && args[0]->kind == Kind::kArray) nd = args[0]->ndim;  // npfuncs: 0-d too
      else if (like && isReal(args[0])) nd = 0;  // npfuncs: of a number, a 0-d array
      else if (!like && isShapeInt(args[0])) nd = 1;
      else if (!like && args[0]->kind == Kind::kTuple && !args[0]->items.empty()) {
        for (const Type* t : args[0]->items)
          if (!isShapeInt(t)) return bad();
        nd = static_cast<int>(args[0]->items.size());
      }
      if (nd < 0) return bad();
      const Type* dtype = n == 3               ? dtypeOf(tc, args[2])
                          : !like              ? args[1]
                          : args[0]->isArray() ? args[0]->dtype()
                                               : args[0];
      if (!dtype) return bad();
      return tc.array(dtype, nd, 'C');
    }
    case BuiltinId::kNpArange: {
      // arange(start, stop=None, step=None, dtype=None) (arangeParts): int64
      // when the numbers are ints, else float64, unless a dtype is given.
      std::optional<ArangeParts> parts = arangeParts(args);
      if (!parts) return bad();
      const Type* dtype = parts->dtype >= 0 ? dtypeOf(tc, args[parts->dtype]) : nullptr;
      if (parts->dtype >= 0 && !dtype) return bad();
      bool ints = true;
      bool complex_args = false;  // complex: NumPy's complex arange (lower_complex.cpp)
      for (int k : {parts->start, parts->stop, parts->step}) {
        if (k < 0) continue;
        complex_args = complex_args || args[k]->kind == Kind::kComplex;
        if (!isReal(args[k]) && args[k]->kind != Kind::kComplex) return bad();
        ints = ints && isIntLike(args[k]);
      }
      if (complex_args && dtype && dtype->kind != Kind::kComplex) return bad();
      if (complex_args && !dtype) dtype = tc.complex(128);
      return tc.array(dtype ? dtype : ints ? tc.integer(64, true) : tc.floating(64), 1, 'C');
    }
    case BuiltinId::kNpDiag: {  // a 1-d array's diagonal matrix, or a 2-d array's diagonal
      if (n < 1 || n > 2 || args[0]->kind != Kind::kArray || args[0]->ndim < 1 || args[0]->ndim > 2 ||
          (n == 2 && !isIntLike(args[1])))  // npmore: k=, the diagonal's offset
        return bad();
      return tc.array(args[0]->dtype(), args[0]->ndim == 1 ? 2 : 1, 'C');
    }
    case BuiltinId::kNpOuter: {
      if (n != 2 || args[0]->kind != Kind::kArray || args[1]->kind != Kind::kArray || args[0]->ndim != 1 ||
          args[1]->ndim != 1)
        return bad();
      const Type* e = arrayOperandDtype(tc, args[0], args[1]);
      if (!e || e->kind == Kind::kBool) return bad();
      return tc.array(e, 2, 'C');
    }
    case BuiltinId::kNpConcatenate:  // arrays
    case BuiltinId::kNpStack:
    case BuiltinId::kNpVstack:
    case BuiltinId::kNpHstack:
    case BuiltinId::kNpColumnStack:
      if (const Type* t = arrayJoinResult(tc, res.id, args)) return t;
      if (std::string why = arrayJoinProblem(args); !why.empty())  // wording: Numba's words for the common mistakes
        return absl::InvalidArgumentError(absl::StrCat(bad().message(), ": ", why));
      return bad();
    case BuiltinId::kNpExpandDims:  // arrays: a view with a new axis of length 1
      if (n != 2 || args[0]->kind != Kind::kArray || args[1]->kind != Kind::kInt) return bad();
      return tc.viewOf(args[0], args[0]->ndim + 1, 'A');
    case BuiltinId::kNpArray:
    case BuiltinId::kNpAsarray:
    case BuiltinId::kNpAscontiguousarray:
      if (const Type* t = arrayFromResult(tc, res.id, args)) return t;
      return bad();
    case BuiltinId::kNpTriu:
    case BuiltinId::kNpTril: {
      if (n < 1 || n > 2 || args[0]->kind != Kind::kArray || args[0]->ndim != 2 || (n == 2 && !isIntLike(args[1])))
        return bad();
      return tc.array(args[0]->dtype(), 2, 'C');
    }
    case BuiltinId::kNpLinspace: {
      // linspace(start, stop, num=50): float64, both ends included.
      if (n < 2 || n > 3 || !isReal(args[0]) || !isReal(args[1]) || (n == 3 && !isIntLike(args[2]))) return bad();
      return tc.array(tc.floating(64), 1, 'C');
    }
    case BuiltinId::kNpEye: {
      // npcreate: eye(N, M=None, k=0, dtype=None), bound by name (a None,
      // or a parameter left out, is the default); a dtype given as a number
      // is its type, as Numba's.
      auto intOrNone = [&](size_t k) { return k >= n || args[k]->kind == Kind::kNone || isIntLike(args[k]); };
      if (n < 1 || n > 4 || !isIntLike(args[0]) || !intOrNone(1) || !intOrNone(2)) return bad();
      if (n < 4 || args[3]->kind == Kind::kNone) return tc.array(tc.floating(64), 2, 'C');
      const Type* dtype = args[3]->isNumber() ? args[3] : dtypeOf(tc, args[3]);
      if (!dtype || !(dtype->isNumber() || dtype->kind == Kind::kBool)) return bad();
      return tc.array(dtype, 2, 'C');
    }
    case BuiltinId::kNpIdentity: {
      // eye(N, M=N, k=0), identity(N): float64 (or dtype=) with ones on a diagonal.
      size_t most = res.id == BuiltinId::kNpEye ? 4 : 2;
      const Type* dtype = n > 1 ? dtypeOf(tc, args[n - 1]) : nullptr;
      size_t nums = dtype ? n - 1 : n;
      if (nums < 1 || nums > most - 1) return bad();
      for (size_t k = 0; k < nums; ++k)
        if (!isIntLike(args[k])) return bad();
      return tc.array(dtype ? dtype : tc.floating(64), 2, 'C');
    }
    case BuiltinId::kNpEmpty:
    case BuiltinId::kNpZeros:
    case BuiltinId::kNpOnes: {
      // (shape, dtype=float64): shape an int or a tuple of ints (npgen: () is a 0-d array, as NumPy's).
      if (n < 1 || n > 2) return bad();
      int nd = 0;
      if (isShapeInt(args[0])) {
        nd = 1;
      } else if (args[0]->kind == Kind::kTuple) {
        for (const Type* t : args[0]->items)
          if (!isShapeInt(t)) return bad();
        nd = static_cast<int>(args[0]->items.size());
      } else {
        return bad();
      }
      const Type* dtype = n == 2 ? dtypeOf(tc, args[1]) : tc.floating(64);
      if (!dtype || (dtype->isRecord() && res.id == BuiltinId::kNpOnes)) return bad();  // records: empty, zeros
      return tc.array(dtype, nd, 'C');
    }
  }
  return bad();
}

}  // namespace kiln::typing
