// The IR text form reads back: print(parse(text)) == text for every form the
// printer writes, parse errors are located, and typed text needs a resolver.
#include "compiler/ir/parser.h"

#include <gtest/gtest.h>

#include <cmath>

#include "compiler/ir/verifier.h"
#include "compiler/typing/inference.h"
#include "compiler/typing/types.h"

namespace kiln::ir {
namespace {

std::string roundTrip(const std::string& text) {
  absl::StatusOr<std::unique_ptr<Function>> f = parseFunction(text);
  if (!f.ok()) return "error: " + std::string(f.status().message());
  return print(**f);
}

// Every op and every attribute form the printer has, in one function.
constexpr char kEveryForm[] = R"(func @mod.<locals>.every(%0 a, %1 b) {
bb0(%0, %1):
  %2 = const None                            ; line 2
  %3 = const True
  %4 = const False
  %5 = const -42                             ; line 3
  %6 = const 2.5
  %7 = const 1e+20
  %8 = const -inf
  %9 = const nan
  %10 = const (1.5-2.0j)
  %11 = const 'it\'s a\\b\n\t\x01'
  %12 = const b'\x00\xff'
  %13 = const (1,)
  %14 = const ()
  %15 = const (1, 'x', (None, 2.0))
  %16 = const Ellipsis
  %17 = const <code #2>
  %18 = undef
  %19 = load_global np                       ; line 4
  %20 = getattr %19.zeros                    ; line 4
  %21 = call %20, %0, %1 kw(dtype)           ; line 4
  %22 = binop add! %0, %1
  %23 = binop floordiv %0, %1
  %24 = unaryop invert %0
  %25 = compare is_not %0, %2
  %26 = truth %25
  %27 = build_tuple %0, %1
  %28 = unpack %27 [1 of 2]
  %29 = getitem %0, %1
  %30 = build_slice %2, %1, %2
  %31 = copy %30
  setitem %0, %1, %22                        ; line 5
  %32 = getiter %0
  %33 = make_function #2 %27, %14
  branch %26, bb1(%0), bb3()
bb1(%34):
  %35 = for_iter %32, bb2(), bb3()           ; line 6
bb2():
  jump bb1(%35)
bb3():
  %36 = call %19
  raise %36 ValueError                       ; line 7
bb4():
  raise
bb5():
  raise StopIteration
bb6():
  unreachable
bb7():
  return %2
}
)";

TEST(IrParser, EveryPrintedFormRoundTrips) { EXPECT_EQ(roundTrip(kEveryForm), kEveryForm); }

// locals: a store to a declared local, with the declared type's spelling.
TEST(IrParser, DeclareRoundTripsWithItsType) {
  constexpr char kText[] = "func @f(%0 x) {\nbb0(%0):\n  %1 = declare 'float32' %0\n  return %1\n}\n";
  EXPECT_EQ(roundTrip(kText), kText);
  absl::StatusOr<std::unique_ptr<Function>> f = parseFunction(kText);
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ((*f)->blocks[0]->instrs[0]->op, Op::kDeclare);
  EXPECT_EQ((*f)->blocks[0]->instrs[0]->name, "float32");
  EXPECT_FALSE(parseFunction("func @f(%0 x) {\nbb0(%0):\n  %1 = declare 3 %0\n  return %1\n}\n").ok());
}

TEST(IrParser, ReadsAttributesAndStructure) {
  absl::StatusOr<std::unique_ptr<Function>> f = parseFunction(kEveryForm);
  ASSERT_TRUE(f.ok()) << f.status();
  const Function& fn = **f;
  EXPECT_EQ(fn.qualname, "mod.<locals>.every");
  EXPECT_EQ(fn.name, "every");
  EXPECT_EQ(fn.arg_names, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(fn.blocks.size(), 8u);
  const Block& entry = *fn.blocks[0];
  EXPECT_EQ(entry.params[1]->debug_name, "b");
  EXPECT_EQ(entry.instrs[3]->const_value.i, -42);
  EXPECT_EQ(entry.instrs[3]->line, 3);
  EXPECT_EQ(entry.instrs[4]->const_value.f, 2.5);
  EXPECT_TRUE(std::isnan(entry.instrs[7]->const_value.f));
  EXPECT_EQ(entry.instrs[8]->const_value.imag, -2.0);
  EXPECT_EQ(entry.instrs[9]->const_value.s, "it's a\\b\n\t\x01");
  EXPECT_EQ(entry.instrs[10]->const_value.s, std::string("\0\xff", 2));
  EXPECT_EQ(entry.instrs[13]->const_value.items[2].items[1].f, 2.0);
  const Instr& call = *entry.instrs[19];
  EXPECT_EQ(call.op, Op::kCall);
  EXPECT_EQ(call.kwnames, (std::vector<std::string>{"dtype"}));
  ASSERT_EQ(call.operands.size(), 3u);
  EXPECT_EQ(call.operands[0], entry.instrs[18]->result.get());
  EXPECT_TRUE(entry.instrs[20]->inplace);
  EXPECT_EQ(entry.instrs[26]->index, 1);
  EXPECT_EQ(entry.instrs[26]->count, 2);
  // The back edge bb2 -> bb1 passes the for_iter item, defined in bb1.
  const Instr& back = *fn.blocks[2]->instrs[0];
  EXPECT_EQ(back.succs[0].target, fn.blocks[1].get());
  EXPECT_EQ(back.succs[0].args[0], fn.blocks[1]->instrs[0]->result.get());
  EXPECT_EQ(fn.blocks[3]->instrs[1]->name, "ValueError");
  EXPECT_EQ(fn.blocks[5]->instrs[0]->name, "StopIteration");
}

TEST(IrParser, NewValuesGetFreshIds) {
  absl::StatusOr<std::unique_ptr<Function>> f = parseFunction("func @f(%7 x) {\nbb3(%7):\n  return %7\n}\n");
  ASSERT_TRUE(f.ok()) << f.status();
  Instr* c = (*f)->append((*f)->blocks[0].get(), Op::kConst, {}, 1);
  EXPECT_EQ(c->result->id, 8);
  EXPECT_EQ((*f)->addBlock()->id, 4);
}

TEST(IrParser, SeveralFunctionsAndComments) {
  absl::StatusOr<std::vector<std::unique_ptr<Function>>> fs = parseFunctions(
      "; RUN: a lit line\n\nfunc @f() {\nbb0():\n  ; a comment\n  unreachable\n}\n; CHECK: x\n"
      "func @g() {\nbb0():\n  unreachable\n}\n");
  ASSERT_TRUE(fs.ok()) << fs.status();
  ASSERT_EQ(fs->size(), 2u);
  EXPECT_EQ((*fs)[1]->qualname, "g");
}

struct BadCase {
  const char* text;
  const char* message;
};

class IrParserErrors : public ::testing::TestWithParam<BadCase> {};

TEST_P(IrParserErrors, AreLocated) {
  absl::StatusOr<std::unique_ptr<Function>> f = parseFunction(GetParam().text, "t.kir");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(std::string(f.status().message()), GetParam().message);
}

INSTANTIATE_TEST_SUITE_P(
    Cases, IrParserErrors,
    ::testing::Values(BadCase{"func @f() {\nbb0():\n  %0 = frobnicate\n}\n",
                              "t.kir:3:8: expected an operation, found 'frobnicate'"},
                      BadCase{"func @f() {\nbb0():\n  return %4\n}\n", "t.kir:3:10: use of undefined value %4"},
                      BadCase{"func @f() {\nbb0():\n  jump bb9()\n}\n", "t.kir:3:8: branch to undefined block bb9"},
                      BadCase{"func @f() {\nbb0():\n  %0 = const 1\n  %0 = const 2\n  return %0\n}\n",
                              "t.kir:4:3: value %0 is defined twice"},
                      BadCase{"func @f() {\nbb0():\n  const 1\n}\n",
                              "t.kir:3:3: expected '%N = ' before 'const', which produces a value, found 'const'"},
                      BadCase{"func @f() {\nbb0():\n  %0 = setitem\n}\n", "t.kir:3:3: 'setitem' produces no value"},
                      BadCase{"func @f() {\nbb0():\n  %0 = binop plus %1, %1\n}\n",
                              "t.kir:3:14: expected a binary operator (add, sub, ...), found 'plus'"},
                      BadCase{"func @f() {\nbb0():\n  %0 = const 'abc\n}\n",
                              "t.kir:3:18: expected a closing quote, found end of line"},
                      BadCase{"func @f(%0: int64 x) {\nbb0(%0: int64):\n  return %0\n}\n",
                              "t.kir:1:13: typed value 'int64' but no type resolver (untyped IR expected)"},
                      BadCase{"func @f(%0 x) {\nbb0():\n  unreachable\n}\n",
                              "t.kir:2:1: the entry block has 0 params but the function 1"},
                      BadCase{"func @f() {\nbb0():\n  unreachable\n",
                              "t.kir:4:1: expected '}' closing @f, found the end of the text"}));

TEST(IrParser, TypedFormRoundTripsThroughTypingsResolver) {
  constexpr char kTyped[] = R"(func @f(%0: array(float64, 1d, C) a, %1: int64 i) {
bb0(%0: array(float64, 1d, C), %1: int64):
  %2: float64 = getitem %0, %1               ; line 2
  %3: UniTuple(int64, 2) = build_tuple %1, %1
  %4: ? = undef
  return %2                                  ; line 3
}
)";
  typing::TypeContext types;
  absl::StatusOr<std::unique_ptr<Function>> f = parseFunction(kTyped, "kir", typing::typeResolver(types));
  ASSERT_TRUE(f.ok()) << f.status();
  EXPECT_EQ(typing::printTyped(**f), kTyped);
  EXPECT_EQ((*f)->blocks[0]->instrs[0]->result->type, *types.parse("float64"));
  EXPECT_EQ((*f)->blocks[0]->instrs[2]->result->type, nullptr);

  absl::StatusOr<std::unique_ptr<Function>> bad = parseFunction(
      "func @f() {\nbb0():\n  %0: notatype = undef\n  unreachable\n}\n", "kir", typing::typeResolver(types));
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(std::string(bad.status().message()), "kir:3:7: unknown type 'notatype'");
}

TEST(IrParser, ParsedIrPassesTheVerifierOrNot) {
  absl::StatusOr<std::unique_ptr<Function>> ok = parseFunction(kEveryForm);
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(verify(**ok).ok()) << verify(**ok);
  // Parses (the text is well formed) but breaks an invariant: the edge
  // passes one arg to a block with none.
  absl::StatusOr<std::unique_ptr<Function>> bad =
      parseFunction("func @f(%0 x) {\nbb0(%0):\n  jump bb1(%0)\nbb1():\n  return %0\n}\n");
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_FALSE(verify(**bad).ok());
}

TEST(IrClone, CopiesEverythingAndSharesNothing) {
  absl::StatusOr<std::unique_ptr<Function>> f = parseFunction(kEveryForm);
  ASSERT_TRUE(f.ok());
  std::unique_ptr<Function> copy = (*f)->clone();
  EXPECT_EQ(print(*copy), kEveryForm);
  for (size_t b = 0; b < copy->blocks.size(); ++b)
    for (size_t k = 0; k < copy->blocks[b]->instrs.size(); ++k) {
      const Instr& i = *copy->blocks[b]->instrs[k];
      EXPECT_EQ(i.parent, copy->blocks[b].get());
      for (const Value* o : i.operands) EXPECT_EQ(o->def ? o->def->parent->parent : o->param_of->parent, copy.get());
      for (const Edge& e : i.succs) EXPECT_EQ(e.target->parent, copy.get());
    }
  EXPECT_TRUE(verify(*copy).ok());
}

}  // namespace
}  // namespace kiln::ir
