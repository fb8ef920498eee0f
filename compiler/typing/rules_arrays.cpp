// Arrays, iterators and NumPy's constructors: what exists and what it
// returns. Lowering (lowering/lower_arrays.cpp, lower_iter.cpp) implements
// exactly what is accepted here.

#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

using ir::BinaryOp;
using ir::CompareOp;
using ir::UnaryOp;

namespace {

// NumPy's kinds in promotion order.
int category(const Type* t) {
  if (t->kind == Kind::kBool) return 0;
  if (t->kind == Kind::kInt) return 1;
  if (t->kind == Kind::kFloat) return 2;
  if (t->kind == Kind::kComplex) return 3;
  return -1;
}

// The smallest float (complex when `complex`) that holds every value of t.
int floatBitsFor(const Type* t) {
  if (t->kind == Kind::kFloat) return t->bits;
  if (t->kind == Kind::kComplex) return t->bits / 2;
  if (t->kind == Kind::kInt) return t->bits <= 16 ? 32 : 64;
  return 32;  // bool
}

const Type* elementOf(const Type* t) { return t->kind == Kind::kArray ? t->dtype() : t; }

}  // namespace

const Type* promoteDtypes(TypeContext& tc, const Type* a, const Type* b) {
  if (a == b) return a;
  if (a->kind == Kind::kBool) return b;
  if (b->kind == Kind::kBool) return a;
  if (a->kind == Kind::kInt && b->kind == Kind::kInt) {
    if (a->is_signed == b->is_signed) return tc.integer(std::max(a->bits, b->bits), a->is_signed);
    const Type* u = a->is_signed ? b : a;
    const Type* s = a->is_signed ? a : b;
    if (s->bits > u->bits) return s;
    return u->bits == 64 ? tc.floating(64) : tc.integer(2 * u->bits, true);
  }
  int bits = std::max(floatBitsFor(a), floatBitsFor(b));
  if (a->kind == Kind::kComplex || b->kind == Kind::kComplex) return tc.complex(2 * bits);
  return tc.floating(bits);
}

const Type* arrayOperandDtype(TypeContext& tc, const Type* a, const Type* b) {
  const Type* ea = elementOf(a);
  const Type* eb = elementOf(b);
  if (category(ea) < 0 || category(eb) < 0) return nullptr;
  if (a->kind == Kind::kArray && b->kind == Kind::kArray) return promoteDtypes(tc, ea, eb);
  const Type* arr = a->kind == Kind::kArray ? ea : eb;
  const Type* scalar = a->kind == Kind::kArray ? eb : ea;
  // NEP 50: a NumPy scalar (strong) promotes as a 0-d array of its dtype; a
  // Python number (weak) takes the array's dtype unless its kind is higher.
  if (!scalar->isWeakScalar()) return promoteDtypes(tc, arr, tc.weakScalar(scalar));
  if (category(scalar) <= category(arr)) return arr;
  if (scalar->kind == Kind::kInt) return tc.integer(64, true);
  if (scalar->kind == Kind::kFloat) return tc.floating(64);
  return tc.complex(arr->kind == Kind::kFloat && arr->bits == 32 ? 64 : 128);
}

const Type* elementBinaryDtype(TypeContext& tc, BinaryOp op, const Type* t) {
  bool is_bool = t->kind == Kind::kBool;
  bool is_int = t->kind == Kind::kInt;
  bool is_complex = t->kind == Kind::kComplex;
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kMul:
      return t;  // bool: logical or / and, as NumPy
    case BinaryOp::kSub:
      return is_bool ? nullptr : t;
    case BinaryOp::kTrueDiv:
      return (is_bool || is_int) ? tc.floating(64) : t;
    case BinaryOp::kFloorDiv:
    case BinaryOp::kMod:
      return (is_bool || is_complex) ? nullptr : t;
    case BinaryOp::kPow:
      return is_bool ? nullptr : t;  // complex: NumPy's nc_pow (lower_complex.cpp)
    case BinaryOp::kLShift:
    case BinaryOp::kRShift:
      return is_int ? t : nullptr;
    case BinaryOp::kAnd:
    case BinaryOp::kOr:
    case BinaryOp::kXor:
      return (is_bool || is_int) ? t : nullptr;
    case BinaryOp::kMatMul:
      return nullptr;
  }
  return nullptr;
}

namespace {
// The ndim of an elementwise result: NumPy broadcasting aligns shapes at the
// right (sizes are checked at run time).
int resultNdim(const Type* a, const Type* b) {
  return std::max(a->kind == Kind::kArray ? a->ndim : 0, b->kind == Kind::kArray ? b->ndim : 0);
}
}  // namespace

char elementwiseLayout(const std::vector<const Type*>& operands, int nd) {
  // NumPy's order 'K': Fortran when every operand of the result's ndim is
  // (broadcast operands of fewer dimensions have no say).
  bool all_f = nd > 1;
  for (const Type* t : operands)
    if (t->kind == Kind::kArray && t->ndim == nd && t->layout != 'F') all_f = false;
  return all_f ? 'F' : 'C';
}

const Type* arrayBinaryResult(TypeContext& tc, BinaryOp op, const Type* a, const Type* b) {
  if (elementOf(a)->isDatetimeLike() || elementOf(b)->isDatetimeLike()) {  // datetime: as the scalars
    const Type* e = datetimeBinaryResult(tc, op, elementOf(a), elementOf(b));
    int nd = resultNdim(a, b);
    return e && nd > 0 ? tc.array(e, nd, elementwiseLayout({a, b}, nd)) : nullptr;
  }
  const Type* operand = arrayOperandDtype(tc, a, b);
  int nd = resultNdim(a, b);
  if (!operand || nd == 0) return nullptr;
  const Type* elem = elementBinaryDtype(tc, op, operand);
  return elem ? tc.array(elem, nd, elementwiseLayout({a, b}, nd)) : nullptr;
}

const Type* arrayUnaryResult(TypeContext& tc, UnaryOp op, const Type* a) {
  const Type* d = a->dtype();
  switch (op) {
    case UnaryOp::kNeg:
      return d->kind == Kind::kBool ? nullptr : tc.array(d, a->ndim, elementwiseLayout({a}, a->ndim));
    case UnaryOp::kPos:
      return d->kind == Kind::kBool ? nullptr : tc.array(d, a->ndim, elementwiseLayout({a}, a->ndim));
    case UnaryOp::kInvert:
      return (d->kind == Kind::kBool || d->kind == Kind::kInt) ? tc.array(d, a->ndim, elementwiseLayout({a}, a->ndim))
                                                               : nullptr;
    case UnaryOp::kNot:
      return nullptr;  // the truth value of an array is ambiguous
  }
  return nullptr;
}

const Type* arrayCompareResult(TypeContext& tc, CompareOp op, const Type* a, const Type* b) {
  if (elementOf(a)->isDatetimeLike() || elementOf(b)->isDatetimeLike()) {  // datetime: as the scalars
    const Type* e = datetimeCompareResult(tc, op, elementOf(a), elementOf(b));
    int nd = resultNdim(a, b);
    return e && nd > 0 ? tc.array(e, nd, elementwiseLayout({a, b}, nd)) : nullptr;
  }
  const Type* operand = arrayOperandDtype(tc, a, b);
  int nd = resultNdim(a, b);
  if (!operand || nd == 0) return nullptr;
  switch (op) {
    case CompareOp::kEq:
    case CompareOp::kNe:
      return tc.array(tc.boolean(), nd, elementwiseLayout({a, b}, nd));
    case CompareOp::kLt:
    case CompareOp::kLe:
    case CompareOp::kGt:
    case CompareOp::kGe:
      return operand->kind == Kind::kComplex ? nullptr : tc.array(tc.boolean(), nd, elementwiseLayout({a, b}, nd));
    case CompareOp::kIs:
    case CompareOp::kIsNot:
    case CompareOp::kIn:
    case CompareOp::kNotIn:
      return nullptr;
  }
  return nullptr;
}

namespace {
// The bytes of one element of a number or datetime dtype.
int viewItemSize(const Type* t) {
  if (t->isDatetimeLike()) return 8;
  return t->kind == Kind::kBool ? 1 : t->bits / 8;
}
}  // namespace

const Type* memberAttr(TypeContext& tc, BuiltinId id, const Type* receiver) {
  switch (id) {
    case BuiltinId::kArrayShape:
      return tc.tuple(std::vector<const Type*>(receiver->ndim, tc.integer(64, true)));
    case BuiltinId::kArraySize:
    case BuiltinId::kArrayNdim:
    case BuiltinId::kArrayItemsize:
    case BuiltinId::kArrayNbytes:
      return tc.integer(64, true);
    case BuiltinId::kArrayReal:
    case BuiltinId::kArrayImag: {
      // A complex array's parts are strided views; a real array is its own
      // real part, and its imaginary part a new read-only array of zeros
      // (flatimag: NumPy's, which Numba gives too; np0d: F-ordered when the
      // array is F-contiguous and not C-contiguous, as NumPy's, so typed
      // with the receiver's layout, as Numba types it).
      const Type* d = receiver->dtype();
      if (d->kind == Kind::kRecord) return nullptr;  // wording: inference.cpp says Numba's words
      if (d->kind != Kind::kComplex)
        return id == BuiltinId::kArrayReal ? receiver
               : d->isNumber()             ? tc.array(d, receiver->ndim, receiver->layout, /*readonly=*/true)
                                           : nullptr;  // a datetime's (Numba: number arrays only)
      return tc.array(tc.floating(d->bits / 2), receiver->ndim, 'A');
    }
    case BuiltinId::kArrayStrides:
      return tc.tuple(std::vector<const Type*>(receiver->ndim, tc.integer(64, true)));
    case BuiltinId::kArrayDtype:
      return tc.dtypeClass(receiver->dtype());
    case BuiltinId::kArrayFlags:  // npfun3: NumPy's flags object, the fields Numba has
      return tc.namedTuple({tc.boolean(), tc.boolean(), tc.boolean()},
                           "numpy.flagsobj[c_contiguous, f_contiguous, contiguous]");
    case BuiltinId::kArrayFlat:
      // The 1-d view of C-contiguous memory; of another layout a flat
      // iterator (flatimag: C order, indexed and sized, as NumPy's flatiter).
      if (receiver->layout == 'C') return tc.viewOf(receiver, 1, 'C');
      return receiver->dtype()->isNumber() ? tc.flatIter(receiver) : nullptr;  // of numbers only
    case BuiltinId::kArrayT: {
      char layout = receiver->ndim == 1 ? receiver->layout
                    : receiver->layout == 'C' ? 'F'
                    : receiver->layout == 'F' ? 'C'
                                              : 'A';
      return tc.viewOf(receiver, receiver->ndim, layout);
    }
#define KILN_BUILTIN(Id, name, spec)
#define KILN_FAMILY(Id, name, spec, family, method)
#define KILN_METHOD(Id, receiver, name, spec, exposed) case BuiltinId::k##Id:
#define KILN_ATTRIBUTE(Id, receiver, name)
#include "compiler/typing/builtins.def"
      return tc.boundMethod(receiver, memberName(id));  // called later (arrayMethodCall)
#define KILN_BUILTIN(Id, name, spec) case BuiltinId::k##Id:
#define KILN_FAMILY(Id, name, spec, family, method) case BuiltinId::k##Id:
#define KILN_METHOD(Id, receiver, name, spec, exposed)
#define KILN_ATTRIBUTE(Id, receiver, name)
#include "compiler/typing/builtins.def"
      break;  // not a member
  }
  return nullptr;
}

const Type* arrayAttr(TypeContext& tc, const Type* array, const std::string& attr) {
  std::optional<BuiltinId> id = findMember(Kind::kArray, attr);
  return id ? memberAttr(tc, *id, array) : nullptr;
}

absl::StatusOr<const Type*> arrayMethodCall(TypeContext& tc, const Type* method, const std::vector<const Type*>& args) {
  std::optional<BuiltinId> id = findMember(Kind::kArray, method->name);
  if (!id) return absl::InvalidArgumentError(absl::StrCat("array.", method->name, "() is not supported"));
  return arrayMethodCall(tc, *id, method->items[0], args);
}

absl::StatusOr<const Type*> arrayMethodCall(TypeContext& tc, BuiltinId id, const Type* array,
                                            const std::vector<const Type*>& args) {
  const Type* d = array->dtype();
  const char* m = memberName(id);
  bool by_axis = false;  // may reduce along one axis
  switch (id) {
    case BuiltinId::kArrayAstype: {
      const Type* to = args.size() == 1 ? dtypeOf(tc, args[0]) : nullptr;
      if (!to || (d->kind == Kind::kComplex && to->kind != Kind::kComplex))
        return absl::InvalidArgumentError("array.astype() takes one dtype (np.int32, float, ...)");
      // wording: a number does not convert to a structured element (NumPy would fill the
      // record's fields, Numba refuses); astype between records is a view Kiln lacks.
      if (to->kind == Kind::kRecord || d->kind == Kind::kRecord)
        return absl::InvalidArgumentError(absl::StrCat("array.astype(): cannot convert from ", d->str(), " to ", to->str()));
      // npfuncs: order='K': an F-ordered array's copy is F-ordered too, as NumPy's.
      return tc.array(to, array->ndim, array->layout == 'F' && array->ndim > 1 ? 'F' : 'C');
    }
    case BuiltinId::kArrayView: {
      // arrmeth: NumPy's array_descr_set. The same itemsize keeps shape and
      // strides; another resizes the last axis (checked at run time), which
      // keeps a C array C, makes an F array of 2+ dimensions 'A'.
      const Type* to = args.size() == 1 ? dtypeOf(tc, args[0]) : nullptr;
      if (!to) return absl::InvalidArgumentError("array.view() takes one dtype (np.int32, float, ...)");
      auto plain = [](const Type* t) { return t->isNumber() || t->isDatetimeLike(); };
      if (!plain(to) || !plain(d))
        return absl::InvalidArgumentError(absl::StrCat("array.view(): viewing ", d->str(), " as ", to->str(), " is not supported"));
      char layout = array->layout;
      if (viewItemSize(to) != viewItemSize(d) && layout == 'F' && array->ndim > 1) layout = 'A';
      return tc.array(to, array->ndim, layout, array->readonly);
    }
    case BuiltinId::kArrayReshape: {
      // reshape(d0, d1, ...) or reshape((d0, d1, ...)); one dimension may be -1.
      std::vector<const Type*> dims = (args.size() == 1 && args[0]->kind == Kind::kTuple) ? args[0]->items : args;
      if (dims.empty() || dims.size() > 32) return absl::InvalidArgumentError("array.reshape() takes a shape");
      for (const Type* t : dims)
        if (t->kind != Kind::kInt && t->kind != Kind::kBool)
          return absl::InvalidArgumentError("array.reshape() takes a shape of ints");
      if (array->layout != 'C')
        return absl::InvalidArgumentError("reshaping a non-contiguous array is not supported yet");
      return tc.viewOf(array, static_cast<int>(dims.size()), 'C');
    }
    case BuiltinId::kArrayRavel:
      return array->layout == 'C' ? tc.viewOf(array, 1, 'C') : tc.array(d, 1, 'C');
    case BuiltinId::kArrayFlatten:
      return tc.array(d, 1, 'C');
    case BuiltinId::kArrayTranspose:
      return memberAttr(tc, BuiltinId::kArrayT, array);
    case BuiltinId::kArraySwapaxes:  // a view; the axes are known at run time
      if (args.size() != 2 || args[0]->kind != Kind::kInt || args[1]->kind != Kind::kInt)
        return absl::InvalidArgumentError("array.swapaxes() takes two int axes");
      return tc.viewOf(array, array->ndim, array->ndim <= 1 ? array->layout : 'A');
    case BuiltinId::kArrayTake: {
      ir::Resolution res{BuiltinId::kNpTake, {}, nullptr, nullptr};
      return builtinCall(tc, res, {array, args.empty() ? tc.none() : args[0]});
    }
    case BuiltinId::kArrayFill:
      if (array->readonly) return absl::InvalidArgumentError(absl::StrCat("Cannot modify readonly array of type: ", array->str()));
      if (args.size() != 1 || !args[0]->isNumber() || (args[0]->kind == Kind::kComplex && d->kind != Kind::kComplex))
        return absl::InvalidArgumentError("array.fill() takes one number");
      return tc.none();
    case BuiltinId::kArraySum:
    case BuiltinId::kArrayProd:
    case BuiltinId::kArrayMean:
    case BuiltinId::kArrayMin:
    case BuiltinId::kArrayMax:
    case BuiltinId::kArrayArgmin:  // npfuncs: argmin/argmax(axis=) too
    case BuiltinId::kArrayArgmax:
      by_axis = true;
      break;
    case BuiltinId::kArrayCumsum:
    case BuiltinId::kArrayCumprod:
    case BuiltinId::kArrayAny:
    case BuiltinId::kArrayAll:
    case BuiltinId::kArrayStd:
    case BuiltinId::kArrayVar:
    case BuiltinId::kArrayPtp:
    case BuiltinId::kArrayCopy:
    case BuiltinId::kArraySort:
    case BuiltinId::kArrayCountNonzero:
    case BuiltinId::kArrayNansum:
    case BuiltinId::kArrayNanmean:
    case BuiltinId::kArrayNanmax:
    case BuiltinId::kArrayNanmin:
    case BuiltinId::kArrayNanstd:
    case BuiltinId::kArrayNanvar:
      break;
    // dicts: rules_dicts.cpp (dictMethodCall)
    case BuiltinId::kDictGet:
    case BuiltinId::kDictSetdefault:
    case BuiltinId::kDictPop:
    case BuiltinId::kDictPopitem:
    case BuiltinId::kDictKeys:
    case BuiltinId::kDictValues:
    case BuiltinId::kDictItems:
    case BuiltinId::kDictUpdate:
    case BuiltinId::kDictCopy:
    case BuiltinId::kDictClear:
      return absl::InternalError(absl::StrCat(m, " is not an array method"));
#define KILN_BUILTIN(Id, name, spec) case BuiltinId::k##Id:
#define KILN_FAMILY(Id, name, spec, family, method) case BuiltinId::k##Id:
#define KILN_METHOD(Id, receiver, name, spec, exposed)
#define KILN_ATTRIBUTE(Id, receiver, name) case BuiltinId::k##Id:
#define KILN_STR_METHOD(Id, name, spec) case BuiltinId::k##Id:  // strings: rules_strings.cpp
#include "compiler/typing/builtins.def"
      return absl::InternalError(absl::StrCat(builtinName(id), " is not an array method"));
  }
  if (args.size() == 1 && by_axis && d->kind == Kind::kComplex && id != BuiltinId::kArraySum &&
      id != BuiltinId::kArrayProd)  // complex: whole-array only (lower_complex.cpp)
    return absl::InvalidArgumentError(absl::StrCat("array.", m, "(axis=) of a complex array is not supported yet"));
  if (d->isDatetimeLike()) {  // datetime: min, max, argmin, argmax (NaT first wins) and a timedelta's sum,
                              // cumsum and mean (NaT propagates), whole-array
    bool timedelta = d->kind == Kind::kNPTimedelta;
    bool ok = args.empty() && (id == BuiltinId::kArrayMin || id == BuiltinId::kArrayMax || id == BuiltinId::kArrayCopy ||
                               id == BuiltinId::kArrayArgmin || id == BuiltinId::kArrayArgmax ||  // dtunits:
                               (timedelta && (id == BuiltinId::kArraySum || id == BuiltinId::kArrayCumsum ||
                                              id == BuiltinId::kArrayMean)));
    if (!ok) return absl::InvalidArgumentError(absl::StrCat("array.", m, "() of ", d->str(), " is not supported"));
  }
  if (args.size() == 1 && by_axis && (args[0]->kind == Kind::kInt || args[0]->kind == Kind::kBool)) {
    // A reduction along one axis: one dimension fewer (a scalar for 1-d).
    absl::StatusOr<const Type*> scalar = arrayMethodCall(tc, id, array, {});
    if (!scalar.ok()) return scalar.status();  // npfuncs: (a complex array's, say) not dereferenced
    return array->ndim == 1 ? *scalar : tc.array(*scalar, array->ndim - 1, 'C');
  }
  if (args.size() == 1 && by_axis && args[0]->kind != Kind::kNone)  // wording: Numba's words
    return absl::InvalidArgumentError(absl::StrCat("array.", m, "(): axis must be an integer, not ", args[0]->str()));
  if (!args.empty())
    return absl::InvalidArgumentError(absl::StrCat("arguments to array.", m, "() are not supported yet"));
  // NEP 50: a whole-array reduction returns a NumPy scalar (strong).
  switch (id) {
    case BuiltinId::kArrayAny:
    case BuiltinId::kArrayAll:
      return tc.strongScalar(tc.boolean());
    case BuiltinId::kArraySort:  // in place
      if (array->readonly) return absl::InvalidArgumentError(absl::StrCat("Cannot modify readonly array of type: ", array->str()));
      if (array->ndim != 1 || d->kind == Kind::kComplex)
        return absl::InvalidArgumentError("array.sort() of a multi-dimensional or complex array is not supported yet");
      return tc.none();
    case BuiltinId::kArrayCountNonzero:
      return tc.strongScalar(tc.integer(64, true));  // NEP 50: NumPy's intp scalar
    case BuiltinId::kArrayNansum:
      return arrayMethodCall(tc, BuiltinId::kArraySum, array, {});
    case BuiltinId::kArrayStd:
    case BuiltinId::kArrayVar:
    case BuiltinId::kArrayNanstd:
    case BuiltinId::kArrayNanvar:
      if (d->kind == Kind::kComplex) return tc.strongScalar(tc.floating(d->bits / 2));  // complex: of |x - mean|, real
      [[fallthrough]];
    case BuiltinId::kArrayNanmean:
      return arrayMethodCall(tc, BuiltinId::kArrayMean, array, {});
    case BuiltinId::kArrayPtp:
      if (d->kind == Kind::kBool)  // NumPy refuses bool subtraction
        return absl::InvalidArgumentError("array.ptp() of a bool array: Boolean dtype is unsupported (as per NumPy)");
      return arrayMethodCall(tc, BuiltinId::kArrayMax, array, {});
    case BuiltinId::kArrayNanmax:
    case BuiltinId::kArrayNanmin:
      return arrayMethodCall(tc, BuiltinId::kArrayMax, array, {});
    case BuiltinId::kArrayCumsum:
    case BuiltinId::kArrayCumprod: {  // of the flattened array
      const Type* acc = *arrayMethodCall(tc, BuiltinId::kArraySum, array, {});
      return tc.array(acc, 1, 'C');
    }
    case BuiltinId::kArraySum:
    case BuiltinId::kArrayProd:
      if (d->kind == Kind::kBool || (d->kind == Kind::kInt && d->is_signed)) return tc.strongScalar(tc.integer(64, true));
      if (d->kind == Kind::kInt) return tc.integer(64, false);
      return tc.strongScalar(d);
    case BuiltinId::kArrayMean:
      if (d->kind == Kind::kBool || d->kind == Kind::kInt) return tc.strongScalar(tc.floating(64));
      return tc.strongScalar(d);
    case BuiltinId::kArrayMin:  // complex: in NumPy's lexicographic order (lower_complex.cpp)
    case BuiltinId::kArrayMax:
      return tc.strongScalar(d);
    case BuiltinId::kArrayArgmin:
    case BuiltinId::kArrayArgmax:
      return tc.strongScalar(tc.integer(64, true));
    case BuiltinId::kArrayCopy:
      return tc.array(d, array->ndim, 'C');
    case BuiltinId::kArrayAstype:  // returned above
    case BuiltinId::kArrayView:
    case BuiltinId::kArrayRavel:
    case BuiltinId::kArrayFlatten:
    case BuiltinId::kArrayTranspose:
    case BuiltinId::kArraySwapaxes:
    case BuiltinId::kArrayReshape:
    case BuiltinId::kArrayTake:
    case BuiltinId::kArrayFill:
    case BuiltinId::kDictGet:  // dicts: returned above
    case BuiltinId::kDictSetdefault:
    case BuiltinId::kDictPop:
    case BuiltinId::kDictPopitem:
    case BuiltinId::kDictKeys:
    case BuiltinId::kDictValues:
    case BuiltinId::kDictItems:
    case BuiltinId::kDictUpdate:
    case BuiltinId::kDictCopy:
    case BuiltinId::kDictClear:
#define KILN_BUILTIN(Id, name, spec) case BuiltinId::k##Id:
#define KILN_FAMILY(Id, name, spec, family, method) case BuiltinId::k##Id:
#define KILN_METHOD(Id, receiver, name, spec, exposed)
#define KILN_ATTRIBUTE(Id, receiver, name) case BuiltinId::k##Id:
#define KILN_STR_METHOD(Id, name, spec) case BuiltinId::k##Id:  // strings: rules_strings.cpp
#include "compiler/typing/builtins.def"
      break;
  }
  return absl::InvalidArgumentError(absl::StrCat("array.", m, "() is not supported"));
}

bool isScalarIndexArray(const Type* index) {
  return index->kind == Kind::kArray && index->ndim == 0 && index->dtype()->kind == Kind::kInt;
}

namespace {
bool isIndexArray(const Type* t) { return t->kind == Kind::kArray && t->ndim > 0; }
}  // namespace

bool isSelectionIndex(const Type* index) {
  if (index->kind != Kind::kTuple) return isIndexArray(index);
  for (const Type* p : index->items)
    if (isIndexArray(p)) return true;
  return false;
}

std::optional<SelectionAxes> selectionAxes(const Type* array, const Type* index) {
  const std::vector<const Type*> parts = index->kind == Kind::kTuple ? index->items : std::vector<const Type*>{index};
  auto advanced = [](const Type* t) { return t->kind == Kind::kInt || isScalarIndexArray(t) || isIndexArray(t); };
  int masks = 0, consumed = 0, ellipses = 0, first = -1, last = -1;
  SelectionAxes out;
  for (size_t q = 0; q < parts.size(); ++q) {
    const Type* t = parts[q];
    if (isIndexArray(t)) {
      const Type* d = t->dtype();
      if (t->ndim != 1 || (d->kind != Kind::kBool && d->kind != Kind::kInt)) return std::nullopt;
      masks += d->kind == Kind::kBool;
      out.parts.push_back(static_cast<int>(q));
    } else if (t->kind == Kind::kEllipsis) {
      ++ellipses;
    } else if (t->kind != Kind::kInt && !isScalarIndexArray(t) && t->kind != Kind::kSlice && t->kind != Kind::kNone) {
      return std::nullopt;
    }
    consumed += t->kind != Kind::kEllipsis && t->kind != Kind::kNone;
    if (advanced(t)) {
      if (first < 0) first = static_cast<int>(q);
      last = static_cast<int>(q);
    }
  }
  // realcode4: a mask selects alone (with others NumPy reads it as its
  // nonzero() positions; not done here).
  if (out.parts.empty() || (masks > 0 && out.parts.size() > 1) || ellipses > 1 || consumed > array->ndim)
    return std::nullopt;
  const int rest = array->ndim - consumed;  // what `...` stands for
  int axis = 0, dims = 0;  // of the array consumed, of the view made, before part q
  bool together = true;
  for (int q = 0; q < static_cast<int>(parts.size()); ++q) {
    const Type* t = parts[q];
    if (isIndexArray(t)) {
      out.view_axes.push_back(dims);
      out.array_axes.push_back(axis);
    }
    if (q > first && q < last && !advanced(t)) together = false;  // `...` counts even when it stands for nothing
    if (t->kind == Kind::kEllipsis) {
      axis += rest;
      dims += rest;
    } else if (t->kind == Kind::kNone) {
      ++dims;
    } else {
      ++axis;
      dims += t->kind == Kind::kSlice || isIndexArray(t);
    }
  }
  const int arrays = static_cast<int>(out.parts.size());
  out.ndim = dims + (array->ndim - axis) - (arrays - 1);
  out.result_axis = together ? out.view_axes[0] : 0;
  return out;
}

std::string selectionIndexProblem(const Type* index) {
  if (index->kind != Kind::kTuple) return "";
  int arrays = 0, masks = 0, deep = 0;
  for (const Type* p : index->items) {
    if (!isIndexArray(p)) continue;
    ++arrays;
    masks += p->dtype()->kind == Kind::kBool;
    deep += p->ndim > 1;
  }
  if (arrays > 1 && masks > 0)  // Numba's words, then why
    return "only one advanced index supported "
           "(a boolean mask selects alone; use np.nonzero(mask)[0] with other index arrays)";
  if (arrays > 1 && deep > 0)
    return "only one advanced index supported (several index arrays must each be 1-d)";
  return "";
}

const Type* arrayIndexResult(TypeContext& tc, const Type* array, const Type* index,
                             const std::vector<bool>& stepless) {
  // mixidx: one 1-d bool mask or int index array, alone or with ints,
  // slices, None and `...`, selects a new array (a gather).
  if (isSelectionIndex(index)) {
    std::optional<SelectionAxes> axes = selectionAxes(array, index);
    if (!axes) return nullptr;
    return tc.array(array->dtype(), axes->ndim, 'C');
  }
  // An int drops its dimension; a slice keeps it (a strided view); None
  // (np.newaxis) adds one of size 1; `...` stands for the dimensions the
  // other parts leave (at most one). The result is C-contiguous, as Numba
  // types it, when a C-contiguous array is indexed by ints on its leading
  // dimensions, the innermost index given possibly a slice without a step
  // (`a[i:j]`, `a[k, i:j]`): what it leaves of the array is whole rows.
  std::vector<const Type*> parts = index->kind == Kind::kTuple ? index->items : std::vector<const Type*>{index};
  int ints = 0, consumed = 0, added = 0, ellipses = 0;
  bool contiguous = array->layout == 'C';
  size_t innermost = parts.size();
  for (size_t q = 0; q < parts.size(); ++q)
    if (parts[q]->kind == Kind::kInt || isScalarIndexArray(parts[q]) || parts[q]->kind == Kind::kSlice) innermost = q;
  for (size_t q = 0; q < parts.size(); ++q) {
    const Type* t = parts[q];
    if (t->kind == Kind::kInt || isScalarIndexArray(t)) {
      ++ints;
      ++consumed;
      if (ellipses > 0) contiguous = false;
    } else if (t->kind == Kind::kSlice) {
      ++consumed;
      if (ellipses > 0 || q != innermost || q >= stepless.size() || !stepless[q]) contiguous = false;
    } else if (t->kind == Kind::kNone) {
      ++added;
    } else if (t->kind == Kind::kEllipsis) {
      ++ellipses;
    } else {
      return nullptr;
    }
  }
  if (consumed > array->ndim || ellipses > 1) return nullptr;
  int nd = array->ndim - ints + added;
  // rorecord: an element of read-only memory; NEP 50: an element is a NumPy scalar (strong)
  if (nd == 0) return tc.strongScalar(tc.recordView(array->dtype(), array->readonly));
  return tc.viewOf(array, nd, contiguous ? 'C' : 'A');
}

const Type* arrayJoinResult(TypeContext& tc, BuiltinId id, const std::vector<const Type*>& args) {
  const bool takes_axis = id == BuiltinId::kNpConcatenate || id == BuiltinId::kNpStack;
  if (args.empty() || args.size() > (takes_axis ? 2u : 1u) || args[0]->kind != Kind::kTuple || args[0]->items.empty())
    return nullptr;
  if (args.size() == 2 && args[1]->kind != Kind::kInt && args[1]->kind != Kind::kBool) return nullptr;
  const Type* dtype = nullptr;
  int nd = -1;
  // npcreate: column_stack takes 1-d arrays (as columns) and 2-d ones together
  const bool columns = id == BuiltinId::kNpColumnStack;
  for (const Type* a : args[0]->items) {
    // npmisc: np.stack (and np.array of a tuple of arrays) takes 0-d arrays too
    if (!a->isArray() || (a->ndim == 0 && id != BuiltinId::kNpStack) || category(a->dtype()) < 0) return nullptr;
    if (nd >= 0 && a->ndim != nd && !(columns && a->ndim <= 2 && nd <= 2)) return nullptr;
    nd = std::max(nd, a->ndim);
    dtype = dtype ? promoteDtypes(tc, dtype, a->dtype()) : a->dtype();
  }
  if (id == BuiltinId::kNpStack) return tc.array(dtype, nd + 1, 'C');
  if (id == BuiltinId::kNpVstack) return tc.array(dtype, std::max(nd, 2), 'C');
  if (id == BuiltinId::kNpColumnStack) return nd <= 2 ? tc.array(dtype, 2, 'C') : nullptr;
  return tc.array(dtype, nd, 'C');  // concatenate, hstack
}

std::string arrayJoinProblem(const std::vector<const Type*>& args) {
  if (args.empty() || args[0]->kind != Kind::kTuple) return "";
  const std::vector<const Type*>& items = args[0]->items;
  for (const Type* a : items)
    if (!a->isArray()) return "";
  for (const Type* a : items)
    if (a->ndim == 0) return "zero-dimensional arrays cannot be concatenated";
  for (const Type* a : items)
    if (a->ndim != items[0]->ndim) return "all the input arrays must have same number of dimensions";
  for (const Type* a : items)
    if (category(a->dtype()) < 0) return "input arrays must have compatible dtypes";
  return "";
}

const Type* arrayFromResult(TypeContext& tc, BuiltinId id, const std::vector<const Type*>& args) {
  if (args.empty() || args.size() > 2) return nullptr;
  const Type* want = args.size() == 2 ? dtypeOf(tc, args[1]) : nullptr;
  if (args.size() == 2 && !want) return nullptr;
  const Type* src = args[0];
  auto realToComplexOnly = [&](const Type* from) {
    return !want || from->kind != Kind::kComplex || want->kind == Kind::kComplex;
  };
  if (src->isArray() && src->dtype()->isDatetimeLike())  // dtunits: np.asarray returns the array itself
    return id == BuiltinId::kNpAsarray && (!want || want == src->dtype()) ? src : nullptr;
  if (src->isArray()) {
    const Type* d = want ? want : src->dtype();
    if (!realToComplexOnly(src->dtype()) || category(src->dtype()) < 0) return nullptr;
    // ascontiguousarray gives at least one dimension: of a 0-d array, a 1-d
    // view of its element (as NumPy).
    const int nd = id == BuiltinId::kNpAscontiguousarray ? std::max(src->ndim, 1) : src->ndim;
    if (id == BuiltinId::kNpAscontiguousarray && src->ndim == 0 && d == src->dtype()) return tc.viewOf(src, 1, 'C');
    if (d == src->dtype() && nd == src->ndim &&
        (id == BuiltinId::kNpAsarray || (id == BuiltinId::kNpAscontiguousarray && src->layout == 'C')))
      return src;  // NumPy returns the argument itself
    return tc.array(d, nd, 'C');
  }
  // npfuncs: a number (a 0-d array; 1-d for ascontiguousarray) and a list of numbers (1-d).
  if (src->isNumber() || (src->kind == Kind::kList && !src->items.empty() && src->items[0]->isNumber())) {
    const Type* from = src->isNumber() ? src : src->items[0];
    if (!realToComplexOnly(from)) return nullptr;
    int nd = src->isNumber() && id != BuiltinId::kNpAscontiguousarray ? 0 : 1;
    return tc.array(want ? want : from, nd, 'C');
  }
  // npfuncs: a list of lists of numbers (2-d; rows of unequal length raise ValueError).
  if (src->kind == Kind::kList && !src->items.empty() && src->items[0]->kind == Kind::kList &&
      !src->items[0]->items.empty() && src->items[0]->items[0]->isNumber()) {
    const Type* from = src->items[0]->items[0];
    if (!realToComplexOnly(from)) return nullptr;
    return tc.array(want ? want : from, 2, 'C');
  }
  // npcreate: a list of tuples of numbers (2-d; the tuple's items promoted).
  if (src->kind == Kind::kList && !src->items.empty() && src->items[0]->kind == Kind::kTuple &&
      !src->items[0]->items.empty()) {
    const Type* d = nullptr;
    for (const Type* t : src->items[0]->items) {
      if (!t->isNumber()) return nullptr;
      d = d ? promoteDtypes(tc, d, t) : t;
    }
    if (!realToComplexOnly(d)) return nullptr;
    return tc.array(want ? want : d, 2, 'C');
  }
  if (src->kind != Kind::kTuple) return nullptr;
  // npcreate: an empty tuple is an empty float64 array, as NumPy's.
  if (src->items.empty()) return tc.array(want ? want : tc.floating(64), 1, 'C');
  const Type* first = src->items[0];
  const Type* d = nullptr;
  int nd = 0;
  if (first->isNumber()) {
    for (const Type* t : src->items) {
      if (!t->isNumber()) return nullptr;
      d = d ? promoteDtypes(tc, d, t) : t;
    }
    nd = 1;
  } else if (first->kind == Kind::kTuple) {
    for (const Type* row : src->items) {
      if (row->kind != Kind::kTuple || row->items.size() != first->items.size()) return nullptr;
      for (const Type* t : row->items) {
        if (!t->isNumber()) return nullptr;
        d = d ? promoteDtypes(tc, d, t) : t;
      }
    }
    if (!d) d = tc.floating(64);  // npcreate: a tuple of empty tuples, (n, 0) float64
    nd = 2;
  } else if (first->kind == Kind::kList) {  // npcreate: a tuple of lists of numbers (2-d; unequal lengths raise)
    for (const Type* row : src->items) {
      if (row->kind != Kind::kList || row->items.empty() || !row->items[0]->isNumber()) return nullptr;
      d = d ? promoteDtypes(tc, d, row->items[0]) : row->items[0];
    }
    nd = 2;
  } else if (first->isArray()) {  // as numpy.stack
    const Type* joined = arrayJoinResult(tc, BuiltinId::kNpStack, {src});
    if (!joined) return nullptr;
    d = joined->dtype();
    nd = joined->ndim;
  } else {
    return nullptr;
  }
  if (!realToComplexOnly(d)) return nullptr;
  if (want && d->kind == Kind::kComplex && want->kind != Kind::kComplex) return nullptr;
  return tc.array(want ? want : d, nd, 'C');
}

const Type* iteratorOf(TypeContext& tc, const Type* x, std::string* why) {
  if (isIterator(x->kind)) return x;  // an iterator is its own (the trait in types.def)
  switch (x->kind) {
    case Kind::kRange: return tc.rangeIter();
    case Kind::kTuple: {
      for (const Type* it : x->items)
        if (it != x->items[0]) {
          *why = absl::StrCat("No implementation of function getiter(", x->str(),
                              "): cannot iterate over a heterogeneous tuple (use kiln.literal_unroll to loop over its items)");
          return nullptr;
        }
      return tc.tupleIter(x->items);
    }
    case Kind::kArray:
      if (x->ndim == 0) {  // npfun3: an n-d array yields views of its rows (iterItem)
        *why = "iteration over a 0-d array";
        return nullptr;
      }
      return tc.arrayIter(x);
    case Kind::kDict:  // dicts: its keys
      return tc.dictIter(x, "keys");
    case Kind::kList:  // lists
      return tc.listIter(x);
#define KILN_CASES_kIterator 1  // isIterator: returned above
#include "compiler/typing/kind_cases.def"
    case Kind::kUnknown:
    case Kind::kNone:
    case Kind::kBool:
    case Kind::kInt:
    case Kind::kFloat:
    case Kind::kComplex:
    case Kind::kModule:
    case Kind::kFunction:
    case Kind::kFunctionSet:  // pycells:
    case Kind::kBuiltin:
    case Kind::kTypeRef:  // typedempty:
    case Kind::kExceptionClass:
    case Kind::kBoundMethod:
    case Kind::kDType:
    case Kind::kSlice:
    case Kind::kEllipsis:
    case Kind::kNPDatetime:  // datetime
    case Kind::kNPTimedelta:
    case Kind::kEnumMember:  // enums: a member is not iterable
    case Kind::kOptional:  // optional: unwrapped before it is iterated
    case Kind::kRecord:  // records: nor a record (as Numba)
    case Kind::kUnicodeCharSeq:  // records: a U field, only ever read as a str
    case Kind::kNestedArray:  // records2: a subarray field, only ever read as an array view
    case Kind::kNPGenerator:  // npgen: an object borrowed from the caller
    case Kind::kStructRef:  // structref: not iterable
      break;
    case Kind::kStr: return tc.strIter(x);  // strings: one-character strings
  }
  *why = absl::StrCat("'", x->str(), "' object is not iterable");
  return nullptr;
}

const Type* iterItem(TypeContext& tc, const Type* it) {
  if (it->kind == Kind::kRangeIter) return tc.integer(64, true);
  if (it->kind == Kind::kTupleIter) return it->items.empty() ? tc.unknown() : it->items[0];
  if (it->kind == Kind::kArrayIter) {
    const Type* a = it->items[0];
    // rorecord: a record of a read-only array is read-only
    // NEP 50: an element is a NumPy scalar (strong)
    if (it->isFlatIter()) return tc.strongScalar(tc.recordView(a->dtype(), a->readonly));  // flatimag: every element
    if (a->ndim > 1) return tc.viewOf(a, a->ndim - 1, a->layout == 'C' ? 'C' : 'A');  // npfun3: a row, a view
    return tc.strongScalar(tc.recordView(a->dtype(), a->readonly));
  }
  if (it->kind == Kind::kStrIter) return it->items[0];  // strings
  if (it->kind == Kind::kDictIter) return dictIterItem(tc, it);  // dicts:
  if (it->kind == Kind::kListIter) return it->items[0]->items[0];  // lists
  if (it->kind == Kind::kGenerator) return it->items[0];  // generators: the yield type
  if (it->kind == Kind::kEnumerate) return tc.tuple({tc.integer(64, true), iterItem(tc, it->items[0])});
  if (it->kind == Kind::kZip) {
    std::vector<const Type*> items;
    for (const Type* t : it->items) items.push_back(iterItem(tc, t));
    return tc.tuple(std::move(items));
  }
  return tc.unknown();  // not an iterator
}

std::optional<std::vector<int64_t>> constantSlice(const ir::Value* slice, int64_t n) {
  const ir::Instr* def = slice->def;
  if (!def || def->op != ir::Op::kBuildSlice) return std::nullopt;
  std::optional<int64_t> part[3];
  for (int k = 0; k < 3; ++k) {
    const ir::Instr* c = def->operands[k]->def;
    if (!c || c->op != ir::Op::kConst) return std::nullopt;
    if (c->const_value.kind == compiler::Constant::Kind::kInt) part[k] = c->const_value.i;
    else if (c->const_value.kind != compiler::Constant::Kind::kNone) return std::nullopt;
  }
  // Python's slice.indices().
  int64_t step = part[2].value_or(1);
  if (step == 0) return std::nullopt;
  auto clamp = [&](std::optional<int64_t> x, int64_t omitted) {
    if (!x) return omitted;
    int64_t v = *x < 0 ? *x + n : *x;
    if (v < 0) return step < 0 ? int64_t{-1} : int64_t{0};
    if (v >= n) return step < 0 ? n - 1 : n;
    return v;
  };
  int64_t start = clamp(part[0], step < 0 ? n - 1 : 0);
  int64_t stop = clamp(part[1], step < 0 ? -1 : n);
  std::vector<int64_t> out;
  for (int64_t k = start; step > 0 ? k < stop : k > stop; k += step) out.push_back(k);
  return out;
}

const Type* dtypeOf(TypeContext& tc, const Type* t) {
  if (t->kind == Kind::kDType) return t->items[0];
  if (t->kind == Kind::kBuiltin) {
    if (t->name == "float") return tc.floating(64);
    if (t->name == "int") return tc.integer(64, true);
    if (t->name == "bool") return tc.boolean();
    if (t->name == "complex") return tc.complex(128);
  }
  return nullptr;
}

}  // namespace kiln::typing
