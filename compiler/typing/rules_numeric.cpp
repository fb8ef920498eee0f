#include "absl/strings/str_cat.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {

using ir::BinaryOp;
using ir::CompareOp;
using ir::UnaryOp;

namespace {
bool numeric(const Type* t) { return t->isNumber(); }
bool unknown(const Type* t) { return t->kind == Kind::kUnknown; }
}  // namespace

const Type* unify(TypeContext& tc, const Type* a, const Type* b) {
  if (a == b) return a;
  if (unknown(a)) return b;
  if (unknown(b)) return a;
  if (numeric(a) && numeric(b) && (a->strong || b->strong)) {
    // NEP 50: weak meets strong as strong (Numba's types, and NumPy's
    // whenever the strong value is the one that flows).
    return tc.strongScalar(unify(tc, tc.weakScalar(a), tc.weakScalar(b)));
  }
  if (numeric(a) && numeric(b)) {
    if (a->kind == Kind::kComplex || b->kind == Kind::kComplex) {
      int bits = std::max(a->kind == Kind::kComplex ? a->bits : 128, b->kind == Kind::kComplex ? b->bits : 128);
      return tc.complex(bits);
    }
    if (a->kind == Kind::kFloat || b->kind == Kind::kFloat) {
      int bits = (a->kind == Kind::kFloat && b->kind == Kind::kFloat) ? std::max(a->bits, b->bits) : 64;
      return tc.floating(bits);
    }
    if (a->kind == Kind::kBool) return b;
    if (b->kind == Kind::kBool) return a;
    if (a->is_signed == b->is_signed) return tc.integer(std::max(a->bits, b->bits), a->is_signed);
    const Type* u = a->is_signed ? b : a;
    const Type* s = a->is_signed ? a : b;
    if (s->bits > u->bits) return s;
    return u->bits == 64 ? tc.floating(64) : tc.integer(64, true);
  }
  // generators: one generator function's object, its yield type widening
  // while typing goes round (the loop that iterates it holds it).
  if (a->kind == Kind::kGenerator && b->kind == Kind::kGenerator && a->name == b->name &&
      a->items.size() == b->items.size()) {
    const Type* y = unify(tc, a->items[0], b->items[0]);
    if (!y) return nullptr;
    return tc.generator(a->name, y, std::vector<const Type*>(a->items.begin() + 1, a->items.end()));
  }
  // lists: a list's item type widens (an empty list takes its first
  // append's); what holds a list (its iterator, a bound method) follows.
  if (a->kind == b->kind && (a->name == b->name || a->kind == Kind::kList) && a->items.size() == b->items.size() &&
      !a->items.empty() &&
      (a->kind == Kind::kList || a->kind == Kind::kListIter || a->kind == Kind::kBoundMethod ||
       a->kind == Kind::kEnumerate || a->kind == Kind::kZip)) {
    std::vector<const Type*> items;
    for (size_t i = 0; i < a->items.size(); ++i) {
      const Type* u = unify(tc, a->items[i], b->items[i]);
      if (!u) return nullptr;
      items.push_back(u);
    }
    // A list passed in and one made here meet as a list made here (the same
    // layout). tlist: a typed List and a list never meet (Numba's ListType
    // and reflected list do not unify; it decides what Python gets back).
    if (a->kind == Kind::kList) {
      if (isTypedList(a) != isTypedList(b)) return nullptr;
      return tc.list(items[0], isReflectedList(a) && isReflectedList(b), isTypedList(a));
    }
    if (a->kind == Kind::kListIter) return tc.listIter(items[0]);
    if (a->kind == Kind::kBoundMethod) return tc.boundMethod(items[0], a->name);
    if (a->kind == Kind::kEnumerate) return tc.enumerate(items[0]);
    return tc.zip(std::move(items));
  }
  // pycells: plain jitted functions met in one variable: a FunctionSet
  // (a closure, which holds values, meets only its own kind).
  auto plainFunctions = [](const Type* t, std::vector<const Type*>* out) {
    if (t->kind == Kind::kFunction && t->items.empty()) out->push_back(t);
    else if (t->kind == Kind::kFunctionSet) out->insert(out->end(), t->items.begin(), t->items.end());
    else return false;
    return true;
  };
  if ((a->kind == Kind::kFunctionSet || b->kind == Kind::kFunctionSet) ||
      (a->kind == Kind::kFunction && b->kind == Kind::kFunction)) {
    std::vector<const Type*> members;
    if (plainFunctions(a, &members) && plainFunctions(b, &members)) return tc.functionSet(std::move(members));
  }
  // pycells: one inner function's closure, a cell it captures widening
  // while typing goes round (the variable that holds the closure follows).
  if (a->kind == Kind::kFunction && b->kind == Kind::kFunction && a->index == b->index && a->items.size() == 2 &&
      b->items.size() == 2) {
    const Type* captures = unify(tc, a->items[0], b->items[0]);
    const Type* defaults = unify(tc, a->items[1], b->items[1]);
    if (!captures || !defaults) return nullptr;
    return tc.closure(a->index, captures, defaults);
  }
  if (a->kind == Kind::kTuple && b->kind == Kind::kTuple && a->items.size() == b->items.size() &&
      a->name == b->name) {  // namedtuples: of one class (a Point and a tuple do not unify)
    std::vector<const Type*> items;
    for (size_t i = 0; i < a->items.size(); ++i) {
      const Type* u = unify(tc, a->items[i], b->items[i]);
      if (!u) return nullptr;
      items.push_back(u);
    }
    return tc.namedTuple(std::move(items), a->name);
  }
  // dicts: a method of {} joins the method of the typed dict.
  if (a->kind == Kind::kBoundMethod && b->kind == Kind::kBoundMethod && a->name == b->name) {
    const Type* r = unify(tc, a->items[0], b->items[0]);
    return r && r->kind == Kind::kDict ? tc.boundMethod(r, a->name) : nullptr;
  }
  // dicts: {} (key and value unknown until its first store) joins a typed dict.
  if (a->kind == Kind::kDict && b->kind == Kind::kDict) {
    if (a->name.empty() != b->name.empty()) return nullptr;  // sets: a set is no dict
    auto part = [&](const Type* x, const Type* y) -> const Type* {
      return x == y ? x : unknown(x) ? y : unknown(y) ? x : nullptr;
    };
    const Type* k = part(a->items[0], b->items[0]);
    const Type* v = part(a->items[1], b->items[1]);
    if (!a->name.empty())  // sets: reflected only when both are (the same layout either way)
      return k && v ? tc.set(k, a->name == b->name && a->name != "set") : nullptr;
    return k && v ? tc.dict(k, v) : nullptr;
  }
  // rorecord: records of one layout join as a read-only one if either is.
  if (a->isRecord() && b->isRecord() && a->name == b->name) return tc.recordView(a, a->readonly || b->readonly);
  // Arrays of one dtype and ndim join at the most general layout.
  if (a->kind == Kind::kArray && b->kind == Kind::kArray && a->dtype() == b->dtype() && a->ndim == b->ndim)
    return tc.array(a->dtype(), a->ndim, a->layout == b->layout ? a->layout : 'A', a->readonly || b->readonly);
  return nullptr;
}

const Type* promote(TypeContext& tc, const Type* a, const Type* b) {
  if (a->kind == Kind::kComplex || b->kind == Kind::kComplex) return unify(tc, a, b);
  if (a->kind == Kind::kFloat || b->kind == Kind::kFloat) {
    if (a->kind == Kind::kFloat && b->kind == Kind::kFloat) return tc.floating(std::max(a->bits, b->bits));
    return tc.floating(64);
  }
  // Scalar integer arithmetic (bool included) is done in 64 bits.
  bool a_u = a->kind == Kind::kInt && !a->is_signed && a->bits == 64;
  bool b_u = b->kind == Kind::kInt && !b->is_signed && b->bits == 64;
  bool a_s = a->kind == Kind::kBool || a->is_signed || a->bits < 64;
  bool b_s = b->kind == Kind::kBool || b->is_signed || b->bits < 64;
  if (a_u && b_u) return tc.integer(64, false);
  if ((a_u && b_s) || (b_u && a_s)) return tc.floating(64);
  return tc.integer(64, true);
}

const Type* operatorType(TypeContext& tc, const Type* a, const Type* b) {
  if (a->kind == Kind::kComplex || b->kind == Kind::kComplex || a->kind == Kind::kFloat || b->kind == Kind::kFloat)
    return promote(tc, a, b);
  // Numba's choose_result_int: 64 bits, unsigned only when both operands are
  // (bool counts as signed), so uint64 + int64 is int64 and wraps.
  bool a_u = a->kind == Kind::kInt && !a->is_signed;
  bool b_u = b->kind == Kind::kInt && !b->is_signed;
  return tc.integer(64, !(a_u && b_u));
}

const Type* binaryResult(TypeContext& tc, BinaryOp op, const Type* a, const Type* b) {
  if (unknown(a) || unknown(b)) return tc.unknown();
  if (a->isIntEnum() || b->isIntEnum()) return binaryResult(tc, op, enumAsNumber(a), enumAsNumber(b));  // enums
  if (a->isArray() || b->isArray()) return arrayBinaryResult(tc, op, a, b);
  if (numeric(a) && numeric(b) && (a->strong || b->strong)) {
    // NEP 50: an operator with a NumPy scalar operand gives a NumPy scalar
    // (computed in the type today's rules give).
    const Type* r = binaryResult(tc, op, tc.weakScalar(a), tc.weakScalar(b));
    return r ? tc.strongScalar(r) : r;
  }
  if (a->kind == Kind::kStr || b->kind == Kind::kStr) return strBinaryResult(tc, op, a, b);  // strings
  if (op == BinaryOp::kAdd && a->kind == Kind::kTuple && b->kind == Kind::kTuple) {  // concatenation
    std::vector<const Type*> items = a->items;
    items.insert(items.end(), b->items.begin(), b->items.end());
    return tc.tuple(std::move(items));
  }
  if (a->isDatetimeLike() || b->isDatetimeLike()) return datetimeBinaryResult(tc, op, a, b);  // datetime
  if (!numeric(a) || !numeric(b)) return nullptr;
  bool real_or_complex = a->kind == Kind::kFloat || b->kind == Kind::kFloat || a->kind == Kind::kComplex ||
                         b->kind == Kind::kComplex;
  switch (op) {
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
    case BinaryOp::kMul:
      return operatorType(tc, a, b);
    case BinaryOp::kTrueDiv: {
      const Type* p = operatorType(tc, a, b);
      return p->kind == Kind::kInt ? tc.floating(64) : p;
    }
    case BinaryOp::kFloorDiv:
    case BinaryOp::kMod:
    case BinaryOp::kPow: {
      const Type* p = operatorType(tc, a, b);
      if (p->kind == Kind::kComplex && op != BinaryOp::kPow) return nullptr;  // complex: ** only (lower_complex.cpp)
      return p;
    }
    case BinaryOp::kLShift:
    case BinaryOp::kRShift:
      // Only the left operand's signedness matters (Numba): the result is
      // its 64-bit form; >> is logical on unsigned, arithmetic on signed.
      if (real_or_complex) return nullptr;
      return tc.integer(64, !(a->kind == Kind::kInt && !a->is_signed));
    case BinaryOp::kAnd:
    case BinaryOp::kOr:
    case BinaryOp::kXor:
      if (a->kind == Kind::kBool && b->kind == Kind::kBool) return tc.boolean();
      if (real_or_complex) return nullptr;
      return operatorType(tc, a, b);
    case BinaryOp::kMatMul:
      return nullptr;
  }
  return nullptr;
}

const Type* unaryResult(TypeContext& tc, UnaryOp op, const Type* a) {
  if (unknown(a)) return tc.unknown();
  if (a->isIntEnum()) return unaryResult(tc, op, a->items[0]);  // enums: an IntEnum member is its int
  if (a->kind == Kind::kEnumMember && op == UnaryOp::kNot) return tc.boolean();  // enums: `not m` (lower_arith's truth)
  if (a->isArray()) return arrayUnaryResult(tc, op, a);
  if (a->isDatetimeLike()) return datetimeUnaryResult(tc, op, a);  // datetime
  if (a->strong && op != UnaryOp::kNot) {  // NEP 50: -x of a NumPy scalar is one
    const Type* r = unaryResult(tc, op, tc.weakScalar(a));
    return r ? tc.strongScalar(r) : r;
  }
  switch (op) {
    case UnaryOp::kNot:
      return (numeric(a) || a->kind == Kind::kNone || a->kind == Kind::kTuple || a->kind == Kind::kStr) ? tc.boolean()
                                                                                                       : nullptr;
    case UnaryOp::kNeg:
    case UnaryOp::kPos:
      if (!numeric(a)) return nullptr;
      // Numba: an integer keeps its signedness at 64 bits (-np.uint8(1) is
      // 255 as uint64); a bool becomes int64.
      if (a->kind == Kind::kBool) return tc.integer(64, true);
      if (a->kind == Kind::kInt) return tc.integer(64, a->is_signed);
      return a;
    case UnaryOp::kInvert:
      // Numba follows NumPy here: ~True is False.
      if (a->kind == Kind::kBool) return a;
      if (a->kind == Kind::kInt) return tc.integer(64, a->is_signed);
      return nullptr;
  }
  return nullptr;
}

const std::string* constantStr(const ir::Value* v) {
  const ir::Instr* def = v->def;
  if (!def || def->op != ir::Op::kConst || def->const_value.kind != compiler::Constant::Kind::kStr) return nullptr;
  return &def->const_value.s;
}

std::string strCompareProblem(CompareOp op, const ir::Value* a, const ir::Value* b) {
  auto has_str = [](const Type* t) {
    if (t->kind == Kind::kStr) return true;
    for (const Type* item : t->items)
      if (t->kind == Kind::kTuple && item->kind == Kind::kStr) return true;
    return false;
  };
  if (!a->type || !b->type || (!has_str(a->type) && !has_str(b->type))) return "";
  bool both_str = a->type->kind == Kind::kStr && b->type->kind == Kind::kStr;
  switch (op) {
    case CompareOp::kIs:
    case CompareOp::kIsNot:
      if (!both_str) return "";
      // Identity of strings depends on CPython's interning: refused rather
      // than answered differently from the interpreter.
      return absl::StrCat("'", ir::symbol(op), "' between strings is not supported (use == or !=)");
    case CompareOp::kEq:
    case CompareOp::kNe:
    case CompareOp::kIn:
    case CompareOp::kNotIn:
    case CompareOp::kLt:
    case CompareOp::kLe:
    case CompareOp::kGt:
    case CompareOp::kGe:
      return "";  // strings (rules_strings.cpp)
  }
  return "";
}

bool mixedSignInts(const Type* a, const Type* b) {
  if (a->kind != Kind::kInt || b->kind != Kind::kInt || a->is_signed == b->is_signed) return false;
  return (a->is_signed ? b : a)->bits == 64;
}

const Type* compareOperandType(TypeContext& tc, const Type* a, const Type* b) {
  if (a == b) return a;
  if (a->kind == Kind::kBool && b->kind == Kind::kBool) return a;
  return promote(tc, a, b);
}

const Type* compareResult(TypeContext& tc, CompareOp op, const Type* a, const Type* b) {
  if (unknown(a) || unknown(b)) return tc.unknown();
  if (a->kind == Kind::kEnumMember || b->kind == Kind::kEnumMember) return enumCompareResult(tc, op, a, b);  // enums
  if ((op == CompareOp::kIn || op == CompareOp::kNotIn) && b->isArray())  // npfun3: x in a, any element equal
    return numeric(a) && numeric(b->dtype()) ? tc.boolean() : nullptr;
  if ((a->isArray() || b->isArray()) && op != CompareOp::kIs && op != CompareOp::kIsNot)
    return arrayCompareResult(tc, op, a, b);
  if (a->kind == Kind::kStr && (b->kind == Kind::kStr || op == CompareOp::kEq || op == CompareOp::kNe))
    return strCompareResult(tc, op, a, b);  // strings
  if (b->kind == Kind::kStr && (op == CompareOp::kEq || op == CompareOp::kNe)) return strCompareResult(tc, op, a, b);
  if (a->isDatetimeLike() || b->isDatetimeLike()) return datetimeCompareResult(tc, op, a, b);  // datetime
  // pyvals: two slices compare equal as Python's do (their None parts
  // included); `is` cannot be told from the values and ordering is refused.
  if (a->kind == Kind::kSlice && b->kind == Kind::kSlice)
    return op == CompareOp::kEq || op == CompareOp::kNe ? tc.boolean() : nullptr;
  if (a->kind == Kind::kSlice && (op == CompareOp::kIn || op == CompareOp::kNotIn)) return nullptr;
  if (a->kind == Kind::kTuple && b->kind == Kind::kTuple && op != CompareOp::kIs && op != CompareOp::kIsNot &&
      op != CompareOp::kIn && op != CompareOp::kNotIn) {
    // Lexicographic, item by item: numbers only (no complex ordering).
    for (size_t k = 0; k < std::min(a->items.size(), b->items.size()); ++k) {
      const Type* x = a->items[k];
      const Type* y = b->items[k];
      if (x->kind == Kind::kStr && y->kind == Kind::kStr) continue;  // strings
      if (!numeric(x) || !numeric(y)) return nullptr;
      if ((x->kind == Kind::kComplex || y->kind == Kind::kComplex) && op != CompareOp::kEq && op != CompareOp::kNe)
        return nullptr;
    }
    return tc.boolean();
  }
  switch (op) {
    case CompareOp::kIs:
    case CompareOp::kIsNot:
      return tc.boolean();
    case CompareOp::kIn:
    case CompareOp::kNotIn:
      if (b->kind == Kind::kTuple) {
        for (const Type* item : b->items)
          if (!(numeric(item) && numeric(a)) && item != a) return nullptr;
        return tc.boolean();
      }
      if (b->kind == Kind::kRange && numeric(a) && a->kind != Kind::kComplex) return tc.boolean();
      return nullptr;
    case CompareOp::kEq:
    case CompareOp::kNe:
      if (numeric(a) && numeric(b)) return tc.boolean();
      if (a->kind == Kind::kNone || b->kind == Kind::kNone) return tc.boolean();
      // pyvals: Ellipsis equals itself alone (lower_arith.cpp's constant)
      if (a->kind == Kind::kEllipsis || b->kind == Kind::kEllipsis) return tc.boolean();
      return a == b && a->kind == Kind::kStr ? tc.boolean() : nullptr;
    case CompareOp::kLt:
    case CompareOp::kLe:
    case CompareOp::kGt:
    case CompareOp::kGe:
      if (a->kind == Kind::kComplex || b->kind == Kind::kComplex) return nullptr;
      return numeric(a) && numeric(b) ? tc.boolean() : nullptr;
  }
  return nullptr;
}

ir::OperandTypes binaryOperands(TypeContext& tc, BinaryOp op, const Type* a, const Type* b, const Type* result) {
  if (a->isIntEnum() || b->isIntEnum()) return binaryOperands(tc, op, enumAsNumber(a), enumAsNumber(b), result);  // enums
  ir::OperandTypes out;
  if (a->isArray() || b->isArray()) {  // elementwise: the element type NumPy's loop computes in
    const Type* operand = arrayOperandDtype(tc, a, b);
    out.operand = operand ? elementBinaryDtype(tc, op, operand) : nullptr;
    return out;
  }
  if (!a->isNumber() || !b->isNumber()) {  // tuple concatenation; datetime: lower_datetime.cpp converts
    if (a->isDatetimeLike() || b->isDatetimeLike()) out.operand = result;
    return out;
  }
  // Scalars compute in the result type; `/` divides ints as float64, each
  // operand converted from its own type (uint64 stays positive).
  out.operand = result;
  if (op == BinaryOp::kTrueDiv) {
    const Type* p = operatorType(tc, a, b);
    out.operand = p->kind == Kind::kInt ? tc.floating(64) : p;
  }
  return out;
}

ir::OperandTypes compareOperands(TypeContext& tc, CompareOp op, const Type* a, const Type* b, const Type* result) {
  ir::OperandTypes out;
  if (result->isArray()) {  // elementwise
    out.operand = arrayOperandDtype(tc, a, b);
    return out;
  }
  if (a->kind == Kind::kEnumMember || b->kind == Kind::kEnumMember) return enumCompareOperands(tc, op, a, b, result);  // enums
  bool identity = op == CompareOp::kIs || op == CompareOp::kIsNot;
  if (identity && a != b) return out;  // never identical: no values are compared
  if (op == CompareOp::kIn || op == CompareOp::kNotIn) {
    if (b->kind == Kind::kTuple)
      for (const Type* item : b->items) out.items.push_back(compareOperandType(tc, a, item));
    if (b->isArray()) out.operand = compareOperandType(tc, a, b->dtype());  // npfun3: x in a
    return out;  // a range needs none
  }
  if (a->kind == Kind::kTuple && b->kind == Kind::kTuple) {  // item by item
    for (size_t k = 0; k < std::min(a->items.size(), b->items.size()); ++k)
      out.items.push_back(compareOperandType(tc, a->items[k], b->items[k]));
    return out;
  }
  if (a == b || (a->isNumber() && b->isNumber())) out.operand = compareOperandType(tc, a, b);
  return out;
}

}  // namespace kiln::typing
