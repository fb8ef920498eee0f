// datetime: typing of NumPy's datetime64 and timedelta64 scalars, with
// NumPy's unit rules: two units meet at the finer one; the generic unit
// ("") takes the other's; years and months convert only among themselves
// for timedeltas, while a datetime in years or months converts to any unit
// through the calendar (NumPy's datetime64 + timedelta64 and datetime64 -
// datetime64).
#include <cstdint>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "compiler/diagnostic.h"
#include "compiler/typing/rules.h"
#include "compiler/typing/ufuncs.h"

namespace kiln::typing {

using ir::BinaryOp;
using ir::CompareOp;
using ir::UnaryOp;

namespace {

// The units from the coarsest to the finest, and how many of each fit in
// the one before it (0: months to weeks is not linear).
constexpr const char* kUnits[] = {"Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as"};
constexpr int64_t kSteps[] = {0, 12, 0, 7, 24, 60, 60, 1000, 1000, 1000, 1000, 1000, 1000};
constexpr int kCalendarUnits = 2;  // Y and M

bool isTimedelta(const Type* t) { return t->kind == Kind::kNPTimedelta; }
bool isDatetime(const Type* t) { return t->kind == Kind::kNPDatetime; }
bool isCount(const Type* t) { return t->kind == Kind::kInt || t->kind == Kind::kBool; }
bool isReal(const Type* t) { return isCount(t) || t->kind == Kind::kFloat; }

const char* unitName(int rank) { return rank < 0 ? "" : kUnits[rank]; }

// The unit two timedeltas (or a datetime and a timedelta when
// `calendar` says the first may use the calendar) meet at; -2 when none.
int commonRank(int a, int b, bool calendar) {
  if (a < 0) return b;
  if (b < 0) return a;
  bool a_cal = a < kCalendarUnits, b_cal = b < kCalendarUnits;
  if (a_cal != b_cal && !(calendar && a_cal)) return -2;
  return a > b ? a : b;
}

}  // namespace

int datetimeUnitRank(const std::string& unit) {
  for (int i = 0; i < static_cast<int>(std::size(kUnits)); ++i)
    if (unit == kUnits[i]) return i;
  return -1;
}

int64_t datetimeUnitFactor(int from, int to) {
  int64_t f = 1;
  for (int i = from + 1; i <= to; ++i) f = static_cast<int64_t>(static_cast<uint64_t>(f) * static_cast<uint64_t>(kSteps[i]));
  return f;
}

const Type* datetimeCommon(TypeContext& tc, const Type* a, const Type* b) {
  if (isTimedelta(a) && isTimedelta(b)) {
    int r = commonRank(datetimeUnitRank(a->name), datetimeUnitRank(b->name), false);
    return r == -2 ? nullptr : tc.npTimedelta(unitName(r));
  }
  if (isDatetime(a) && isDatetime(b)) {  // both may use the calendar
    int ra = datetimeUnitRank(a->name), rb = datetimeUnitRank(b->name);
    int r = ra < 0 ? rb : rb < 0 ? ra : std::max(ra, rb);
    return tc.npDatetime(unitName(r));
  }
  const Type* dt = isDatetime(a) ? a : b;
  const Type* td = isDatetime(a) ? b : a;
  if (!isDatetime(dt) || !isTimedelta(td)) return nullptr;
  int r = commonRank(datetimeUnitRank(dt->name), datetimeUnitRank(td->name), true);
  return r == -2 ? nullptr : tc.npDatetime(unitName(r));
}

bool datetimeConvertible(const Type* from, const Type* to) {
  if (from->kind != to->kind || !from->isDatetimeLike()) return false;
  // Only to a finer unit (Numba refuses the lossy casts NumPy's same_kind allows).
  int f = datetimeUnitRank(from->name), t = datetimeUnitRank(to->name);
  if (f < 0) return true;
  if (t < 0 || f > t) return false;
  if ((f < kCalendarUnits) == (t < kCalendarUnits)) return true;
  return isDatetime(from);  // a datetime in years or months to days and finer
}

const Type* datetimeBinaryResult(TypeContext& tc, BinaryOp op, const Type* a, const Type* b) {
  if (isTimedelta(a) && isTimedelta(b)) {
    const Type* c = datetimeCommon(tc, a, b);
    if (!c) return nullptr;
    switch (op) {
      case BinaryOp::kAdd:
      case BinaryOp::kSub:
      case BinaryOp::kMod: return c;
      case BinaryOp::kTrueDiv: return tc.floating(64);
      case BinaryOp::kFloorDiv: return tc.integer(64, true);
      default: return nullptr;
    }
  }
  if (isDatetime(a) && isDatetime(b)) {
    if (op != BinaryOp::kSub) return nullptr;
    return tc.npTimedelta(datetimeCommon(tc, a, b)->name);
  }
  if ((isDatetime(a) && isTimedelta(b)) || (isTimedelta(a) && isDatetime(b))) {
    if (op != BinaryOp::kAdd && !(op == BinaryOp::kSub && isDatetime(a))) return nullptr;
    return datetimeCommon(tc, a, b);
  }
  if (isTimedelta(a) && isReal(b) && (op == BinaryOp::kMul || op == BinaryOp::kTrueDiv || op == BinaryOp::kFloorDiv))
    return a;
  if (isReal(a) && isTimedelta(b) && op == BinaryOp::kMul) return b;
  return nullptr;
}

const Type* datetimeUnaryResult(TypeContext& tc, UnaryOp op, const Type* a) {
  switch (op) {
    case UnaryOp::kNeg:
    case UnaryOp::kPos: return isTimedelta(a) ? a : nullptr;
    case UnaryOp::kNot: return tc.boolean();
    case UnaryOp::kInvert: return nullptr;
  }
  return nullptr;
}

const Type* datetimeCompareResult(TypeContext& tc, CompareOp op, const Type* a, const Type* b) {
  if (!((isTimedelta(a) && isTimedelta(b)) || (isDatetime(a) && isDatetime(b)))) {
    if (op == CompareOp::kIs || op == CompareOp::kIsNot) return tc.boolean();
    return nullptr;
  }
  switch (op) {
    case CompareOp::kEq:
    case CompareOp::kNe:
      // As Numba: timedeltas of units that do not convert compare unequal.
      return tc.boolean();
    case CompareOp::kLt:
    case CompareOp::kLe:
    case CompareOp::kGt:
    case CompareOp::kGe:
      return datetimeCommon(tc, a, b) ? tc.boolean() : nullptr;
    case CompareOp::kIs:
    case CompareOp::kIsNot:
    case CompareOp::kIn:
    case CompareOp::kNotIn:
      return nullptr;
  }
  return nullptr;
}

bool isDatetimeUfunc(BuiltinId id, const std::vector<const Type*>& args) {
  const UfuncInfo& info = ufuncInfo(id);
  if (info.impl == UfuncImpl::kIsnat) return true;
  for (size_t k = 0; k < args.size() && k < static_cast<size_t>(info.nin); ++k) {
    const Type* e = args[k]->isArray() ? args[k]->dtype() : args[k];
    if (e->isDatetimeLike()) return true;
  }
  return false;
}

absl::StatusOr<const Type*> datetimeUfuncCall(TypeContext& tc, ir::Resolution& res,
                                              const std::vector<const Type*>& args) {
  const UfuncInfo& info = ufuncInfo(res.id);
  const std::string name = builtinName(res.id);
  auto bad = [&]() {
    std::vector<std::string> s;
    for (const Type* t : args) s.push_back(t->str());
    return absl::InvalidArgumentError(
        absl::StrCat("no implementation of '", name, "' for argument types (", absl::StrJoin(s, ", "), ")"));
  };
  size_t nin = static_cast<size_t>(info.nin);
  if (info.nout != 1 || args.size() < nin || args.size() > nin + 1) return bad();
  std::vector<const Type*> ins;
  int nd = 0;
  for (size_t k = 0; k < nin; ++k) {
    ins.push_back(args[k]->isArray() ? args[k]->dtype() : args[k]);
    if (args[k]->isArray()) nd = std::max(nd, args[k]->ndim);
  }
  const Type* a = ins[0];
  const Type* b = nin > 1 ? ins[1] : nullptr;
  const Type* out = nullptr;
  auto binary = [&](BinaryOp op) { return datetimeBinaryResult(tc, op, a, b); };
  auto compare = [&](CompareOp op) { return datetimeCompareResult(tc, op, a, b); };
  switch (info.impl) {
    case UfuncImpl::kAdd: out = binary(BinaryOp::kAdd); break;
    case UfuncImpl::kSubtract: out = binary(BinaryOp::kSub); break;
    case UfuncImpl::kMultiply: out = binary(BinaryOp::kMul); break;
    case UfuncImpl::kTrueDivide: out = binary(BinaryOp::kTrueDiv); break;
    case UfuncImpl::kFloorDivide: out = binary(BinaryOp::kFloorDiv); break;
    case UfuncImpl::kRemainder: out = binary(BinaryOp::kMod); break;
    case UfuncImpl::kEqual: out = compare(CompareOp::kEq); break;
    case UfuncImpl::kNotEqual: out = compare(CompareOp::kNe); break;
    case UfuncImpl::kLess: out = compare(CompareOp::kLt); break;
    case UfuncImpl::kLessEqual: out = compare(CompareOp::kLe); break;
    case UfuncImpl::kGreater: out = compare(CompareOp::kGt); break;
    case UfuncImpl::kGreaterEqual: out = compare(CompareOp::kGe); break;
    case UfuncImpl::kMaximum:
    case UfuncImpl::kMinimum:
    case UfuncImpl::kFmax:
    case UfuncImpl::kFmin:
      if (a->kind == b->kind) out = datetimeCommon(tc, a, b);
      break;
    case UfuncImpl::kNegative:
    case UfuncImpl::kPositive:
    case UfuncImpl::kAbsolute:
    case UfuncImpl::kSign:
      if (isTimedelta(a)) out = a;
      break;
    case UfuncImpl::kIsnat:
    case UfuncImpl::kIsnan:
    case UfuncImpl::kIsinf:
    case UfuncImpl::kIsfinite:
      if (a->isDatetimeLike()) out = tc.boolean();
      break;
    default:
      break;
  }
  if (!out && b) {  // wording: Numba's words for two datetime-like operands, after Kiln's
    std::string ufunc = absl::StartsWith(name, "numpy.") ? name.substr(6) : name;
    absl::Status s = bad();
    return absl::InvalidArgumentError(absl::StrCat(s.message(), ": ufunc '", ufunc, "' is not supported between ",
                                                   a->str(), " and ", b->str()));
  }
  if (!out) return bad();
  std::vector<const Type*> loop = ins;
  loop.push_back(out);
  res.operand = ins[0];
  res.compute = tc.tuple(loop);
  if (args.size() > nin && args[nin]->kind != Kind::kNone) {  // out=: the result's dtype, or another unit it converts to
    const Type* o = args[nin];
    if (!o->isArray() || o->ndim < nd || o->readonly) return bad();
    if (o->dtype() != out && !datetimeConvertible(out, o->dtype())) {
      // NumPy's same_kind cast would take a coarser unit (losing the
      // finer part); Numba refuses it while lowering, and so does Kiln, with
      // Numba's class (the location is added by inference).
      if (o->dtype()->kind == out->kind)
        return compiler::userError(
            compiler::Diagnostic::Kind::kLowering,
            absl::StrCat(bad().message(), ": the result's unit does not convert exactly to the output's (cannot convert ",
                         out->str(), " to ", o->dtype()->str(), ")"),
            "", 0, "");
      return bad();
    }
    return o;
  }
  if (nd == 0) return out;
  return tc.array(out, nd, elementwiseLayout(std::vector<const Type*>(args.begin(), args.begin() + static_cast<std::ptrdiff_t>(nin)), nd));
}

}  // namespace kiln::typing
