// NumPy's typing rules for arrays: dtype promotion, weak scalars, result
// types of operators, methods, iteration and constructors.
#include <gtest/gtest.h>

#include "compiler/typing/registry.h"
#include "compiler/typing/rules.h"

namespace kiln::typing {
namespace {

using ir::BinaryOp;
using ir::CompareOp;
using ir::UnaryOp;

class ArrayRules : public ::testing::Test {
 protected:
  const Type* arr(const Type* d, int nd = 1, char layout = 'C') { return tc.array(d, nd, layout); }
  const Type* i(int bits, bool s = true) { return tc.integer(bits, s); }
  const Type* f(int bits) { return tc.floating(bits); }
  // A call of the registry row `name` on bound arguments of these types.
  absl::StatusOr<const Type*> callBuiltin(const std::string& name, const std::vector<const Type*>& args) {
    last = ir::Resolution{*findBuiltin(name), {}, nullptr, nullptr};
    return builtinCall(tc, last, args);
  }
  absl::StatusOr<std::vector<int>> bind(const std::string& name, size_t npos, const std::vector<std::string>& kw) {
    return bindArguments(*findBuiltin(name), npos, kw);
  }
  TypeContext tc;
  ir::Resolution last{BuiltinId::kAbs, {}, nullptr, nullptr};
};

TEST_F(ArrayRules, PromoteTypesAsNumPy) {
  EXPECT_EQ(promoteDtypes(tc, i(32), i(32)), i(32));
  EXPECT_EQ(promoteDtypes(tc, i(8), i(32)), i(32));
  EXPECT_EQ(promoteDtypes(tc, i(8, false), i(8)), i(16));
  EXPECT_EQ(promoteDtypes(tc, i(32, false), i(32)), i(64));
  EXPECT_EQ(promoteDtypes(tc, i(64, false), i(64)), f(64));
  EXPECT_EQ(promoteDtypes(tc, i(16), f(32)), f(32));
  EXPECT_EQ(promoteDtypes(tc, i(32), f(32)), f(64));
  EXPECT_EQ(promoteDtypes(tc, tc.boolean(), i(8, false)), i(8, false));
  EXPECT_EQ(promoteDtypes(tc, f(32), f(64)), f(64));
}

TEST_F(ArrayRules, ScalarsAreWeak) {
  // int32 array with a Python int stays int32; with a float goes float64.
  EXPECT_EQ(binaryResult(tc, BinaryOp::kMul, arr(i(32)), i(64)), arr(i(32)));
  EXPECT_EQ(binaryResult(tc, BinaryOp::kAdd, i(64), arr(i(8, false))), arr(i(8, false)));
  EXPECT_EQ(binaryResult(tc, BinaryOp::kMul, arr(i(32)), f(64)), arr(f(64)));
  EXPECT_EQ(binaryResult(tc, BinaryOp::kMul, arr(f(32)), f(64)), arr(f(32)));
  EXPECT_EQ(binaryResult(tc, BinaryOp::kAdd, arr(tc.boolean()), i(64)), arr(i(64)));
}

// NEP 50: a NumPy scalar (the strong twin of int64/float64/complex128/bool,
// or any scalar of another width) promotes as a 0-d array of its dtype; a
// Python number (weak) takes the array's dtype unless its kind is higher.
TEST_F(ArrayRules, NumPyScalarsAreStrong) {
  const Type* sf = tc.strongScalar(f(64));
  const Type* si = tc.strongScalar(i(64));
  EXPECT_NE(sf, f(64));
  EXPECT_EQ(sf->str(), "float64");  // Numba's spelling for both
  EXPECT_EQ(tc.strongScalar(sf), sf);
  EXPECT_EQ(tc.weakScalar(sf), f(64));
  EXPECT_EQ(tc.strongScalar(f(32)), f(32));  // strong by its width alone
  EXPECT_TRUE(f(64)->isWeakScalar());
  EXPECT_FALSE(sf->isWeakScalar());
  EXPECT_FALSE(f(32)->isWeakScalar());
  EXPECT_EQ(binaryResult(tc, BinaryOp::kMul, arr(f(32)), sf), arr(f(64)));
  EXPECT_EQ(binaryResult(tc, BinaryOp::kAdd, arr(i(32)), si), arr(i(64)));
  EXPECT_EQ(binaryResult(tc, BinaryOp::kAdd, arr(i(8)), f(32)), arr(f(32)));  // np.float32 is strong
  EXPECT_EQ(binaryResult(tc, BinaryOp::kAdd, arr(i(64, false)), si), arr(f(64)));
  EXPECT_EQ(binaryResult(tc, BinaryOp::kMul, arr(tc.complex(64)), tc.strongScalar(tc.complex(128))), arr(tc.complex(128)));
  EXPECT_EQ(*callBuiltin("numpy.add", {arr(f(32)), sf}), arr(f(64)));
  EXPECT_EQ(*callBuiltin("numpy.add", {arr(f(32)), f(64)}), arr(f(32)));
  EXPECT_EQ(*callBuiltin("numpy.add", {f(64), f(64)}), sf);  // a ufunc of scalars returns a NumPy scalar
  // An operator with a strong operand gives a strong result; weak meets strong as strong.
  EXPECT_EQ(binaryResult(tc, BinaryOp::kMul, sf, i(64)), sf);
  EXPECT_EQ(binaryResult(tc, BinaryOp::kMul, f(64), i(64)), f(64));
  EXPECT_EQ(unaryResult(tc, UnaryOp::kNeg, sf), sf);
  EXPECT_EQ(unify(tc, f(64), sf), sf);
  EXPECT_EQ(unify(tc, si, f(64)), sf);
  EXPECT_EQ(unify(tc, tc.tuple({f(64)}), tc.tuple({sf})), tc.tuple({sf}));
  // Dtypes, scalar classes and container slots are never strong.
  EXPECT_EQ(arr(sf), arr(f(64)));
  EXPECT_EQ(tc.dtypeClass(sf), tc.dtypeClass(f(64)));
  EXPECT_EQ(tc.list(sf), tc.list(f(64)));
  EXPECT_EQ(tc.dict(si, sf), tc.dict(i(64), f(64)));
  EXPECT_EQ(iterItem(tc, tc.arrayIter(arr(f(64)))), sf);
}

TEST_F(ArrayRules, OperatorResults) {
  EXPECT_EQ(binaryResult(tc, BinaryOp::kAdd, arr(i(32)), arr(i(32))), arr(i(32)));
  EXPECT_EQ(binaryResult(tc, BinaryOp::kTrueDiv, arr(i(64)), i(64)), arr(f(64)));
  EXPECT_EQ(binaryResult(tc, BinaryOp::kTrueDiv, arr(f(32)), arr(f(32))), arr(f(32)));
  EXPECT_EQ(binaryResult(tc, BinaryOp::kFloorDiv, arr(i(32)), arr(i(32))), arr(i(32)));
  EXPECT_EQ(binaryResult(tc, BinaryOp::kAnd, arr(tc.boolean()), arr(tc.boolean())), arr(tc.boolean()));
  // A strided operand still gives a new C-contiguous result.
  EXPECT_EQ(binaryResult(tc, BinaryOp::kSub, arr(f(64), 2, 'A'), f(64)), arr(f(64), 2, 'C'));
  EXPECT_EQ(compareResult(tc, CompareOp::kGt, arr(f(64)), i(64)), arr(tc.boolean()));
  EXPECT_EQ(unaryResult(tc, UnaryOp::kNeg, arr(i(32))), arr(i(32)));
  EXPECT_EQ(unaryResult(tc, UnaryOp::kInvert, arr(tc.boolean())), arr(tc.boolean()));
}

TEST_F(ArrayRules, OperandTypesAreDecidedByTyping) {
  // What lowering converts operands to (ir::OperandTypes), decided once.
  auto bin = [&](BinaryOp op, const Type* a, const Type* b) {
    return binaryOperands(tc, op, a, b, binaryResult(tc, op, a, b)).operand;
  };
  auto cmp = [&](CompareOp op, const Type* a, const Type* b) {
    return compareOperands(tc, op, a, b, compareResult(tc, op, a, b));
  };
  EXPECT_EQ(bin(BinaryOp::kTrueDiv, i(64), i(64)), f(64));       // ints divide as float64
  EXPECT_EQ(bin(BinaryOp::kAdd, i(64, false), i(64)), i(64));    // uint64 + int64 wraps in int64
  EXPECT_EQ(bin(BinaryOp::kAdd, arr(i(32)), f(64)), f(64));      // elementwise: the element type
  EXPECT_EQ(bin(BinaryOp::kTrueDiv, arr(i(16)), arr(i(16))), f(64));
  EXPECT_EQ(bin(BinaryOp::kAdd, tc.tuple({i(64)}), tc.tuple({f(64)})), nullptr);  // concatenation
  EXPECT_EQ(cmp(CompareOp::kGt, arr(i(32)), i(64)).operand, i(32));  // a weak scalar
  EXPECT_EQ(cmp(CompareOp::kLt, i(64, false), i(64)).operand, f(64));  // mixed signedness meets at float64
  ir::OperandTypes items = cmp(CompareOp::kLt, tc.tuple({i(64), f(32)}), tc.tuple({f(64), f(32), i(8)}));
  EXPECT_EQ(items.operand, nullptr);
  EXPECT_EQ(items.items, (std::vector<const Type*>{f(64), f(32)}));  // one per pair compared
  EXPECT_EQ(cmp(CompareOp::kIn, i(64), tc.tuple({i(64), f(64)})).items, (std::vector<const Type*>{i(64), f(64)}));
  EXPECT_TRUE(cmp(CompareOp::kIs, i(64), f(64)).items.empty());  // never identical: nothing compared
  EXPECT_EQ(cmp(CompareOp::kIs, i(64), f(64)).operand, nullptr);
}

TEST_F(ArrayRules, UnsupportedOperatorsAreRefused) {
  EXPECT_EQ(binaryResult(tc, BinaryOp::kSub, arr(tc.boolean()), arr(tc.boolean())), nullptr);
  EXPECT_EQ(binaryResult(tc, BinaryOp::kLShift, arr(f(64)), i(64)), nullptr);
  EXPECT_EQ(binaryResult(tc, BinaryOp::kAdd, arr(f(64)), tc.str()), nullptr);
  EXPECT_EQ(unaryResult(tc, UnaryOp::kNot, arr(f(64))), nullptr);
  EXPECT_EQ(compareResult(tc, CompareOp::kIn, tc.str(), arr(i(64))), nullptr);
  // npfun3: x in a is a bool (any element equal)
  EXPECT_EQ(compareResult(tc, CompareOp::kIn, i(64), arr(i(64))), tc.boolean());
}

TEST_F(ArrayRules, MethodsAndAttributes) {
  auto call = [&](const Type* a, const char* m) { return *arrayMethodCall(tc, tc.boundMethod(a, m), {}); };
  // NEP 50: a whole-array reduction is a NumPy scalar (strong)
  EXPECT_EQ(call(arr(i(32)), "sum"), tc.strongScalar(i(64)));
  EXPECT_EQ(call(arr(tc.boolean()), "sum"), tc.strongScalar(i(64)));
  EXPECT_EQ(call(arr(i(8, false)), "sum"), i(64, false));
  EXPECT_EQ(call(arr(f(32)), "sum"), f(32));
  EXPECT_EQ(call(arr(i(32)), "max"), i(32));
  EXPECT_EQ(call(arr(i(32)), "mean"), tc.strongScalar(f(64)));
  EXPECT_EQ(call(arr(f(64)), "argmax"), tc.strongScalar(i(64)));
  EXPECT_EQ(*arrayMethodCall(tc, tc.boundMethod(arr(f(64)), "sum"), {i(64)}), tc.strongScalar(f(64)));  // axis of a 1-d array
  EXPECT_EQ(*arrayMethodCall(tc, tc.boundMethod(arr(i(32), 3), "max"), {i(64)}), arr(i(32), 2));
  EXPECT_EQ(*arrayMethodCall(tc, tc.boundMethod(arr(i(32), 2), "mean"), {i(64)}), arr(f(64), 1));
  EXPECT_FALSE(arrayMethodCall(tc, tc.boundMethod(arr(f(64)), "sum"), {f(64)}).ok());
  EXPECT_EQ(*arrayMethodCall(tc, tc.boundMethod(arr(f(64), 2), "argmax"), {i(64)}), arr(i(64), 1));  // npfuncs: axis=
  EXPECT_FALSE(arrayMethodCall(tc, tc.boundMethod(arr(f(64), 2), "argmax"), {f(64)}).ok());
  EXPECT_EQ(arrayAttr(tc, arr(f(64), 2), "shape"), tc.tuple({i(64), i(64)}));
  EXPECT_EQ(arrayAttr(tc, arr(f(64)), "sum"), tc.boundMethod(arr(f(64)), "sum"));
  EXPECT_EQ(arrayAttr(tc, arr(f(64)), "nonexistent"), nullptr);
}

TEST_F(ArrayRules, Indexing) {
  // NEP 50: an element is a NumPy scalar (strong)
  EXPECT_EQ(arrayIndexResult(tc, arr(f(64)), i(64)), tc.strongScalar(f(64)));
  EXPECT_EQ(arrayIndexResult(tc, arr(f(64), 2), tc.tuple({i(64), i(64)})), tc.strongScalar(f(64)));
  EXPECT_EQ(arrayIndexResult(tc, arr(f(64), 2), i(64)), arr(f(64), 1, 'C'));
  EXPECT_EQ(arrayIndexResult(tc, arr(f(64), 3, 'A'), i(64)), arr(f(64), 2, 'A'));
  EXPECT_EQ(arrayIndexResult(tc, arr(f(64)), f(64)), nullptr);
  EXPECT_EQ(arrayIndexResult(tc, arr(f(64)), tc.tuple({i(64), i(64)})), nullptr);
}

// mixidx: a selection as numbers: (part, view axis, array axis) per index
// array, then the result axis and ndim; nothing when it does not select.
std::vector<int> selectionNumbers(const std::optional<SelectionAxes>& ax) {
  if (!ax) return {};
  std::vector<int> out;
  for (size_t k = 0; k < ax->parts.size(); ++k)
    out.insert(out.end(), {ax->parts[k], ax->view_axes[k], ax->array_axes[k]});
  out.insert(out.end(), {ax->result_axis, ax->ndim});
  return out;
}

// mixidx: one index array among ints, slices, None and `...`: NumPy's
// result shape (the selection first when the advanced parts are apart).
TEST_F(ArrayRules, OneIndexArrayAmongBasicParts) {
  const Type* idx = arr(i(64));
  const Type* mask = arr(tc.boolean());
  const Type* sl = tc.slice();
  const Type* none = tc.none();
  const Type* ell = tc.ellipsis();
  auto axes = [&](const Type* a, std::vector<const Type*> parts) {
    return selectionNumbers(selectionAxes(a, tc.tuple(std::move(parts))));
  };
  EXPECT_EQ(axes(arr(f(64), 2), {idx, sl}), (std::vector<int>{0, 0, 0, 0, 2}));
  EXPECT_EQ(axes(arr(f(64), 2), {sl, mask}), (std::vector<int>{1, 1, 1, 1, 2}));
  EXPECT_EQ(axes(arr(f(64), 2), {i(64), idx}), (std::vector<int>{1, 0, 1, 0, 1}));
  EXPECT_EQ(axes(arr(f(64), 3), {sl, idx, i(64)}), (std::vector<int>{1, 1, 1, 1, 2}));     // adjacent: in place
  EXPECT_EQ(axes(arr(f(64), 4), {sl, idx, sl, i(64)}), (std::vector<int>{1, 1, 1, 0, 3}));  // apart: first
  EXPECT_EQ(axes(arr(f(64), 3), {i(64), sl, idx}), (std::vector<int>{2, 1, 2, 0, 2}));
  EXPECT_EQ(axes(arr(f(64), 3), {sl, idx, ell, i(64)}), (std::vector<int>{1, 1, 1, 0, 2}));  // an empty `...` too
  EXPECT_EQ(axes(arr(f(64), 3), {none, idx, i(64)}), (std::vector<int>{1, 1, 0, 1, 3}));
  EXPECT_EQ(axes(arr(f(64), 3), {ell, idx}), (std::vector<int>{1, 2, 2, 2, 3}));
  EXPECT_EQ(axes(arr(f(64), 2), {arr(i(64), 2), sl}), std::vector<int>{});             // a 2-d index array
  EXPECT_EQ(axes(arr(f(64), 2), {idx, sl, sl}), std::vector<int>{});                   // too many indices
  EXPECT_EQ(arrayIndexResult(tc, arr(f(64), 4, 'F'), tc.tuple({sl, idx, sl, i(64)})), arr(f(64), 3, 'C'));
  EXPECT_EQ(selectionIndexProblem(tc.tuple({idx, sl})), "");
}

// realcode4: several 1-d int arrays select pointwise, as one selection
// dimension (in place when the advanced parts are adjacent, else first).
TEST_F(ArrayRules, SeveralIndexArrays) {
  const Type* idx = arr(i(64));
  const Type* mask = arr(tc.boolean());
  const Type* sl = tc.slice();
  auto axes = [&](const Type* a, std::vector<const Type*> parts) {
    return selectionNumbers(selectionAxes(a, tc.tuple(std::move(parts))));
  };
  EXPECT_EQ(axes(arr(f(64), 2), {idx, idx}), (std::vector<int>{0, 0, 0, 1, 1, 1, 0, 1}));
  EXPECT_EQ(axes(arr(f(64), 3), {sl, idx, idx}), (std::vector<int>{1, 1, 1, 2, 2, 2, 1, 2}));  // adjacent: in place
  EXPECT_EQ(axes(arr(f(64), 3), {idx, sl, idx}), (std::vector<int>{0, 0, 0, 2, 2, 2, 0, 2}));  // apart: first
  EXPECT_EQ(axes(arr(f(64), 3), {idx, i(64), idx}), (std::vector<int>{0, 0, 0, 2, 1, 2, 0, 1}));  // an int joins them
  EXPECT_EQ(axes(arr(f(64), 2), {idx, mask}), std::vector<int>{});                       // a mask selects alone
  EXPECT_EQ(arrayIndexResult(tc, arr(f(64), 2), tc.tuple({idx, idx})), arr(f(64), 1, 'C'));
  EXPECT_EQ(arrayIndexResult(tc, arr(f(64), 2), tc.tuple({idx, mask})), nullptr);
  EXPECT_EQ(selectionIndexProblem(tc.tuple({idx, sl, mask})).rfind("only one advanced index supported", 0), 0u);
  EXPECT_EQ(selectionIndexProblem(tc.tuple({idx, arr(i(64), 2)})).rfind("only one advanced index supported", 0), 0u);
  EXPECT_EQ(selectionIndexProblem(tc.tuple({idx, idx})), "");
}

TEST_F(ArrayRules, IterationEnumerateZip) {
  std::string why;
  const Type* it = iteratorOf(tc, arr(i(32)), &why);
  ASSERT_NE(it, nullptr);
  EXPECT_EQ(iterItem(tc, it), i(32));
  EXPECT_EQ(iteratorOf(tc, it, &why), it);
  // npfun3: an n-d array yields views of its rows (C rows of a C array, A otherwise); a 0-d one is refused
  const Type* rows = iteratorOf(tc, arr(f(64), 2), &why);
  ASSERT_NE(rows, nullptr);
  EXPECT_EQ(iterItem(tc, rows), arr(f(64), 1));
  EXPECT_EQ(iterItem(tc, iteratorOf(tc, tc.array(f(64), 3, 'F'), &why)), tc.array(f(64), 2, 'A'));
  EXPECT_EQ(iteratorOf(tc, arr(f(64), 0), &why), nullptr);
  EXPECT_NE(why.find("0-d"), std::string::npos);
  const Type* z = *callBuiltin("zip", {arr(f(64)), tc.range()});
  const Type* e = *callBuiltin("enumerate", {z});
  EXPECT_EQ(iterItem(tc, e), tc.tuple({i(64), tc.tuple({tc.strongScalar(f(64)), i(64)})}));  // NEP 50: an element is strong
  EXPECT_FALSE(callBuiltin("zip", {f(64)}).ok());
}

TEST_F(ArrayRules, ConstructorsAndKeywords) {
  EXPECT_EQ(*callBuiltin("numpy.empty", {i(64)}), arr(f(64)));
  EXPECT_EQ(*callBuiltin("numpy.zeros", {tc.tuple({i(64), i(64)}), tc.dtypeClass(i(32))}), arr(i(32), 2));
  EXPECT_EQ(*callBuiltin("numpy.ones", {i(64), tc.builtin("bool")}), arr(tc.boolean()));
  EXPECT_EQ(*callBuiltin("numpy.arange", {i(64)}), arr(i(64)));
  EXPECT_EQ(*callBuiltin("numpy.arange", {f(64), i(64)}), arr(f(64)));
  EXPECT_FALSE(callBuiltin("numpy.empty", {f(64)}).ok());
  EXPECT_EQ(*bind("numpy.empty", 1, {"dtype"}), (std::vector<int>{1, 2}));
  EXPECT_EQ(*bind("numpy.empty", 0, {"dtype", "shape"}), (std::vector<int>{2, 1}));
  EXPECT_FALSE(bind("numpy.empty", 1, {"order"}).ok());
  EXPECT_FALSE(bind("numpy.empty", 0, {"dtype"}).ok());  // shape missing
  EXPECT_FALSE(bind("abs", 1, {"x"}).ok());
}

TEST_F(ArrayRules, TheBinderReadsTheRowsParameterSpec) {
  // numpy.linspace: "start, stop, num=50"; numpy.identity: "*args, dtype=None";
  // numpy.arange: "start, stop=None, step=None, dtype=None", a left-out
  // part bound as 0 (None: defaultsAsNone).
  EXPECT_EQ(*bind("numpy.linspace", 2, {"num"}), (std::vector<int>{1, 2, 3}));
  EXPECT_FALSE(bind("numpy.linspace", 3, {"num"}).ok());  // num twice
  EXPECT_EQ(*bind("numpy.identity", 1, {"dtype"}), (std::vector<int>{1, 2}));
  EXPECT_FALSE(bind("numpy.identity", 1, {"n"}).ok());  // keyword-only is dtype alone
  EXPECT_EQ(*bind("numpy.arange", 3, {"dtype"}), (std::vector<int>{1, 2, 3, 4}));
  EXPECT_EQ(*bind("numpy.arange", 1, {"dtype"}), (std::vector<int>{1, 0, 0, 2}));
  EXPECT_EQ(*bind("numpy.arange", 1, {"step"}), (std::vector<int>{1, 0, 2}));
  EXPECT_FALSE(bind("numpy.arange", 0, {"stop"}).ok());  // start is required, as in Numba
  EXPECT_EQ(*bind("numpy.searchsorted", 2, {"side"}), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(*bind("numpy.amax", 0, {"axis", "a"}), (std::vector<int>{2, 1}));
  EXPECT_FALSE(bind("math.sin", 0, {"x"}).ok());  // positional only
  EXPECT_EQ(*bind("min", 5, {}), (std::vector<int>{1, 2, 3, 4, 5}));
}

TEST_F(ArrayRules, EveryRowIsFoundByItsName) {
  for (uint16_t k = 0; k < kBuiltinCount; ++k) {
    BuiltinId id = static_cast<BuiltinId>(k);
    const BuiltinInfo& row = builtinInfo(id);
    if (row.family != BuiltinFamily::kMethod && row.family != BuiltinFamily::kAttribute) {
      ASSERT_EQ(findBuiltin(row.name), id) << row.name;
      if (row.family == BuiltinFamily::kReduction) {  // its method column names a method row
        EXPECT_EQ(builtinInfo(reductionMethod(id)).family, BuiltinFamily::kMethod) << row.name;
      }
      continue;
    }
    // A member: by receiver kind and name, never as a function.
    EXPECT_FALSE(findBuiltin(row.name).has_value()) << row.name;
    if (row.exposed) {
      EXPECT_EQ(findMember(row.receiver, memberName(id)), id) << row.name;
    } else {
      EXPECT_FALSE(findMember(row.receiver, memberName(id)).has_value()) << row.name;
    }
  }
  EXPECT_EQ(findMember(Kind::kArray, "shape"), BuiltinId::kArrayShape);
  EXPECT_FALSE(findMember(Kind::kArray, "nansum").has_value());  // numpy.nansum only, as NumPy
  EXPECT_FALSE(findMember(Kind::kTuple, "sum").has_value());
  EXPECT_EQ(std::string(memberName(BuiltinId::kArraySum)), "sum");
  EXPECT_GT(kBuiltinCount, static_cast<uint16_t>(BuiltinId::kNpLogicalNot));
  EXPECT_FALSE(findBuiltin("numpy.fft").has_value());
  EXPECT_EQ(builtinInfo(BuiltinId::kNpAmin).method, std::string("array.min"));
  EXPECT_EQ(reductionMethod(BuiltinId::kNpAmin), BuiltinId::kArrayMin);
}

TEST_F(ArrayRules, TypingRecordsTheTypesLoweringUses) {
  // A ufunc records NumPy's loop: its input types, then its output types.
  // np.maximum(int32 array, float64 scalar): the weak scalar takes the
  // array's kind unless higher, so the loop is dd->d.
  EXPECT_EQ(*callBuiltin("numpy.maximum", {arr(i(32)), f(64)}), arr(f(64)));
  EXPECT_EQ(last.operand, f(64));
  EXPECT_EQ(last.compute, tc.tuple({f(64), f(64), f(64)}));
  EXPECT_EQ(*callBuiltin("numpy.sqrt", {arr(i(16))}), arr(f(32)));  // f->f
  EXPECT_EQ(last.compute, tc.tuple({f(32), f(32)}));
  EXPECT_EQ(*callBuiltin("numpy.isnan", {i(64)}), tc.strongScalar(tc.boolean()));  // l->?; NEP 50: a NumPy scalar
  EXPECT_EQ(last.compute, tc.tuple({i(64), tc.boolean()}));
  EXPECT_EQ(*callBuiltin("numpy.equal", {arr(i(64)), arr(i(64, false))}), arr(tc.boolean()));  // qQ->?: exact
  EXPECT_EQ(last.compute, tc.tuple({i(64), i(64, false), tc.boolean()}));
  EXPECT_EQ(*callBuiltin("numpy.true_divide", {arr(i(8)), arr(i(8))}), arr(f(64)));  // ints divide in float64
  EXPECT_EQ(*callBuiltin("numpy.sqrt", {arr(i(8))}), arr(f(16)));  // NumPy's loop is float16
  EXPECT_FALSE(callBuiltin("numpy.subtract", {arr(tc.boolean()), arr(tc.boolean())}).ok());
  EXPECT_FALSE(callBuiltin("numpy.add", {arr(f(64)), arr(f(64)), arr(i(64))}).ok());  // out: not same_kind
  EXPECT_EQ(*callBuiltin("numpy.add", {arr(i(8)), arr(i(8)), arr(f(32), 2)}), arr(f(32), 2));  // the out array
  EXPECT_EQ(*callBuiltin("numpy.divmod", {arr(i(32)), i(64)}), tc.tuple({arr(i(32)), arr(i(32))}));
  EXPECT_EQ(*callBuiltin("numpy.searchsorted", {arr(i(32)), f(64)}), tc.strongScalar(i(64)));  // NEP 50: NumPy's intp
  EXPECT_EQ(last.compute, f(64));
}

TEST_F(ArrayRules, BroadcastingTakesTheLargerNdim) {
  EXPECT_EQ(binaryResult(tc, BinaryOp::kAdd, arr(f(64), 1), arr(f(64), 2)), arr(f(64), 2));
  EXPECT_EQ(compareResult(tc, CompareOp::kLt, arr(i(32), 3, 'A'), arr(i(64), 1)), arr(tc.boolean(), 3));
  EXPECT_EQ(*callBuiltin("numpy.maximum", {arr(f(32), 2), f(64)}), arr(f(32), 2));
  EXPECT_EQ(*callBuiltin("numpy.sqrt", {arr(i(16))}), arr(f(32)));
  EXPECT_EQ(*callBuiltin("numpy.sqrt", {i(64)}), tc.strongScalar(f(64)));  // NEP 50: a NumPy scalar
  EXPECT_EQ(*callBuiltin("numpy.sqrt", {arr(i(8))}), arr(f(16)));  // float16: e->e
  EXPECT_FALSE(callBuiltin("numpy.spacing", {arr(f(16))}).ok());  // float16: steps in half ulps
  EXPECT_EQ(*callBuiltin("numpy.isnan", {arr(f(64), 2)}), arr(tc.boolean(), 2));
}

TEST_F(ArrayRules, SlicesMakeStridedViews) {
  const Type* sl = tc.slice();
  EXPECT_EQ(arrayIndexResult(tc, arr(f(64)), sl), arr(f(64), 1, 'A'));
  EXPECT_EQ(arrayIndexResult(tc, arr(f(64), 2), tc.tuple({sl, i(64)})), arr(f(64), 1, 'A'));
  EXPECT_EQ(arrayIndexResult(tc, arr(f(64), 2), tc.tuple({i(64), sl})), arr(f(64), 1, 'A'));
  EXPECT_EQ(arrayIndexResult(tc, arr(f(64), 2), tc.tuple({sl, sl, sl})), nullptr);  // too many indices
  EXPECT_EQ(arrayAttr(tc, arr(f(64), 2), "T"), arr(f(64), 2, 'F'));
  EXPECT_EQ(arrayAttr(tc, arr(f(64), 2, 'F'), "T"), arr(f(64), 2, 'C'));
  EXPECT_EQ(*arrayMethodCall(tc, tc.boundMethod(arr(i(32)), "cumsum"), {}), arr(i(64)));
  EXPECT_EQ(*arrayMethodCall(tc, tc.boundMethod(arr(f(64)), "reshape"), {i(64), i(64)}), arr(f(64), 2));
  EXPECT_FALSE(arrayMethodCall(tc, tc.boundMethod(arr(f(64), 1, 'A'), "reshape"), {i(64)}).ok());
  EXPECT_EQ(*arrayMethodCall(tc, tc.boundMethod(arr(f(64)), "astype"), {tc.dtypeClass(i(32))}), arr(i(32)));
}

TEST_F(ArrayRules, TuplesConcatenateAndCompare) {
  EXPECT_EQ(binaryResult(tc, BinaryOp::kAdd, tc.tuple({i(64)}), tc.tuple({f(64), i(64)})),
            tc.tuple({i(64), f(64), i(64)}));
  EXPECT_EQ(compareResult(tc, CompareOp::kLt, tc.tuple({i(64), i(64)}), tc.tuple({i(64)})), tc.boolean());
  EXPECT_EQ(compareResult(tc, CompareOp::kLt, tc.tuple({tc.complex(128)}), tc.tuple({tc.complex(128)})), nullptr);
  EXPECT_EQ(*callBuiltin("numpy.where", {arr(tc.boolean()), arr(i(32)), i(64)}), arr(i(32)));
  EXPECT_EQ(*callBuiltin("numpy.logical_and", {arr(tc.boolean(), 2), arr(f(64))}), arr(tc.boolean(), 2));
}

TEST_F(ArrayRules, LayoutsJoinAtA) {
  EXPECT_EQ(unify(tc, arr(f(64), 1, 'C'), arr(f(64), 1, 'A')), arr(f(64), 1, 'A'));
  EXPECT_EQ(unify(tc, arr(f(64)), arr(i(64))), nullptr);
}

// rorecord: a read-only record and a writable one of one layout join as the
// read-only one; records of different layouts do not join.
TEST_F(ArrayRules, ReadonlyRecordsJoinReadonly) {
  const Type* rec = *tc.parse("Record(a[type=int64;offset=0];8;False)");
  const Type* ro = tc.recordView(rec, true);
  EXPECT_EQ(unify(tc, rec, ro), ro);
  EXPECT_EQ(unify(tc, ro, rec), ro);
  EXPECT_EQ(unify(tc, rec, rec), rec);
  EXPECT_EQ(unify(tc, tc.tuple({rec, i(64)}), tc.tuple({ro, i(64)})), tc.tuple({ro, i(64)}));
  EXPECT_EQ(unify(tc, ro, *tc.parse("Record(b[type=int64;offset=0];8;False)")), nullptr);
  // an element of a read-only array of records is read-only, of a writable one writable
  EXPECT_EQ(arrayIndexResult(tc, tc.array(rec, 1, 'C', true), i(64)), ro);
  EXPECT_EQ(arrayIndexResult(tc, arr(rec), i(64)), rec);
  EXPECT_EQ(iterItem(tc, tc.arrayIter(tc.array(rec, 1, 'A', true))), ro);
}

}  // namespace
}  // namespace kiln::typing
