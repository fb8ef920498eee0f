// The frontend on real CPython 3.11 bytecode (py311_fixtures.inc, generated
// by gen_py311_fixtures.py): golden IR per construct, and one test per
// unsupported-construct diagnostic.
#include <gtest/gtest.h>

#include <cstdlib>
#include <iostream>

#include "compiler/diagnostic.h"
#include "compiler/frontend/frontend.h"
#include "compiler/frontend/opcodes/opcode_table.h"
#include "compiler/ir/ir.h"
#include "compiler/ir/verifier.h"
#include "compiler/transforms/simplify_block_params.h"
#include "tests/unit/frontend/fixture_helpers.h"
#include "tests/unit/frontend/py311_fixtures.inc"

namespace kiln::frontend::testing {
namespace {

TEST(Frontend311, StraightLineArithmetic) {
  EXPECT_EQ(kir(py311_arith()), R"(func @arith(%0 a, %1 b) {
bb0(%0, %1):
  %2 = binop mul %0, %1                      ; line 2
  %3 = const 2                               ; line 2
  %4 = binop add %2, %3                      ; line 2
  %5 = const 3                               ; line 3
  %6 = binop truediv %0, %5                  ; line 3
  %7 = binop sub %4, %6                      ; line 3
  return %7                                  ; line 3
}
)");
}

TEST(Frontend311, IfElseMergesWithBlockParam) {
  EXPECT_EQ(kir(py311_if_else()), R"(func @if_else(%0 x) {
bb0(%0):
  %1 = const 0                               ; line 2
  %2 = compare gt %0, %1                     ; line 2
  %3 = truth %2                              ; line 2
  branch %3, bb1(), bb2()                    ; line 2
bb1():
  jump bb3(%0)                               ; line 3
bb2():
  %4 = unaryop neg %0                        ; line 5
  jump bb3(%4)                               ; line 5
bb3(%5):
  return %5                                  ; line 6
}
)");
}

TEST(Frontend311, WhileLoopCarriesLocalsInParams) {
  EXPECT_EQ(kir(py311_while_loop()), R"(func @while_loop(%0 n) {
bb0(%0):
  %1 = const 0                               ; line 2
  %2 = const 0                               ; line 3
  %3 = compare lt %1, %0                     ; line 4
  %4 = truth %3                              ; line 4
  branch %4, bb1(%1, %2), bb2(%2)            ; line 4
bb1(%5, %6):
  %7 = binop add! %6, %5                     ; line 5
  %8 = const 1                               ; line 6
  %9 = binop add! %5, %8                     ; line 6
  %10 = compare lt %9, %0                    ; line 4
  %11 = truth %10                            ; line 4
  branch %11, bb1(%9, %7), bb2(%7)           ; line 4
bb2(%12):
  return %12                                 ; line 7
}
)");
}

TEST(Frontend311, ForRangeWithBreakAndContinue) {
  EXPECT_EQ(kir(py311_for_range()), R"(func @for_range(%0 n) {
bb0(%0):
  %1 = const 0                               ; line 2
  %2 = load_global range                     ; line 3
  %3 = call %2, %0                           ; line 3
  %4 = getiter %3                            ; line 3
  jump bb1(%1)                               ; line 3
bb1(%5):
  %6 = for_iter %4, bb2(), bb7()             ; line 3
bb2():
  %7 = const 3                               ; line 4
  %8 = compare eq %6, %7                     ; line 4
  %9 = truth %8                              ; line 4
  branch %9, bb3(), bb4()                    ; line 4
bb3():
  jump bb1(%5)                               ; line 5
bb4():
  %10 = const 10                             ; line 6
  %11 = compare gt %6, %10                   ; line 6
  %12 = truth %11                            ; line 6
  branch %12, bb5(), bb6()                   ; line 6
bb5():
  jump bb7()                                 ; line 7
bb6():
  %13 = binop add! %5, %6                    ; line 8
  jump bb1(%13)                              ; line 8
bb7():
  return %5                                  ; line 9
}
)");
}

TEST(Frontend311, CallOfGlobalWithKeywordArgs) {
  EXPECT_EQ(kir(py311_call_kw()), R"(func @call_kw(%0 x) {
bb0(%0):
  %1 = load_global clip                      ; line 2
  %2 = const 0                               ; line 2
  %3 = const 1.5                             ; line 2
  %4 = call %1, %0, %2, %3 kw(lo, hi)        ; line 2
  return %4                                  ; line 2
}
)");
}

TEST(Frontend311, MethodCallBecomesGetattrAndCall) {
  EXPECT_EQ(kir(py311_method()), R"(func @method(%0 x) {
bb0(%0):
  %1 = load_global math                      ; line 2
  %2 = getattr %1.sin                        ; line 2
  %3 = call %2, %0                           ; line 2
  %4 = const 2.0                             ; line 2
  %5 = binop mul %3, %4                      ; line 2
  return %5                                  ; line 2
}
)");
}

TEST(Frontend311, TupleUnpackingPutsItemZeroOnTop) {
  EXPECT_EQ(kir(py311_unpack()), R"(func @unpack(%0 p) {
bb0(%0):
  %1 = unpack %0 [0 of 2]                    ; line 2
  %2 = unpack %0 [1 of 2]                    ; line 2
  %3 = build_tuple %2, %1                    ; line 3
  return %3                                  ; line 3
}
)");
}

TEST(Frontend311, TernaryInsideCallArgument) {
  EXPECT_EQ(kir(py311_ternary_arg()), R"(func @ternary_arg(%0 x, %1 y) {
bb0(%0, %1):
  %2 = load_global max                       ; line 2
  %3 = compare gt %0, %1                     ; line 2
  %4 = truth %3                              ; line 2
  branch %4, bb1(), bb2()                    ; line 2
bb1():
  jump bb3(%0)                               ; line 2
bb2():
  jump bb3(%1)                               ; line 2
bb3(%5):
  %6 = const 0                               ; line 2
  %7 = call %2, %5, %6                       ; line 2
  return %7                                  ; line 2
}
)");
}

TEST(Frontend311, AndOrUseJumpIfOrPop) {
  EXPECT_EQ(kir(py311_bool_ops()), R"(func @bool_ops(%0 a, %1 b) {
bb0(%0, %1):
  %2 = truth %0                              ; line 2
  branch %2, bb1(), bb2()                    ; line 2
bb1():
  %3 = truth %1                              ; line 2
  branch %3, bb3(%1), bb2()                  ; line 2
bb2():
  %4 = unaryop not %0                        ; line 2
  jump bb3(%4)                               ; line 2
bb3(%5):
  return %5                                  ; line 2
}
)");
}

TEST(Frontend311, IsNoneBranchesOnCompareIs) {
  EXPECT_EQ(kir(py311_none_check()), R"(func @none_check(%0 x) {
bb0(%0):
  %1 = const None                            ; line 2
  %2 = compare is %0, %1                     ; line 2
  branch %2, bb1(), bb2()                    ; line 2
bb1():
  %3 = const 0                               ; line 3
  return %3                                  ; line 3
bb2():
  return %0                                  ; line 4
}
)");
}

TEST(Frontend311, SubscriptLoadStoreAndContains) {
  EXPECT_EQ(kir(py311_subscript()), R"(func @subscript(%0 a, %1 i) {
bb0(%0, %1):
  %2 = const 1                               ; line 2
  %3 = binop add %1, %2                      ; line 2
  %4 = getitem %0, %3                        ; line 2
  setitem %0, %1, %4                         ; line 2
  %5 = compare in %1, %0                     ; line 3
  %6 = const 0                               ; line 3
  %7 = getitem %0, %6                        ; line 3
  %8 = build_tuple %5, %7                    ; line 3
  return %8                                  ; line 3
}
)");
}

TEST(Frontend311, RaiseNamesExceptionClass) {
  EXPECT_EQ(kir(py311_raise_error()), R"(func @raise_error(%0 x) {
bb0(%0):
  %1 = const 0                               ; line 2
  %2 = compare lt %0, %1                     ; line 2
  %3 = truth %2                              ; line 2
  branch %3, bb1(), bb2()                    ; line 2
bb1():
  %4 = load_global ValueError                ; line 3
  %5 = const 'negative'                      ; line 3
  %6 = call %4, %5                           ; line 3
  raise %6 ValueError                        ; line 3
bb2():
  return %0                                  ; line 4
}
)");
}

// pysub4: the read checks a companion bool that each edge sets, and raises
// UnboundLocalError as CPython where no store reached it
// (frontend/unbound_locals.h).
TEST(Frontend311, LocalUnassignedOnSomePathIsUndef) {
  EXPECT_EQ(kir(py311_maybe_unbound()), R"(func @maybe_unbound(%0 c) {
bb0(%0):
  %1 = undef
  %2 = const True
  %3 = const False
  %4 = truth %0                              ; line 2
  branch %4, bb1(), bb2(%1, %3)              ; line 2
bb1():
  %5 = const 1                               ; line 3
  jump bb2(%5, %2)                           ; line 3
bb2(%6, %7):
  branch %7, bb3(), bb4()                    ; line 4
bb3():
  return %6                                  ; line 4
bb4():
  %8 = load_global builtins.UnboundLocalError ; line 4
  %9 = const 'cannot access local variable \'v\' where it is not associated with a value' ; line 4
  %10 = call %8, %9                          ; line 4
  raise %10 UnboundLocalError                ; line 4
}
)");
}

TEST(Frontend311, PrintBytecodeShowsArgsAndJumpTargets) {
  absl::StatusOr<std::string> text = printBytecode(bundleOf(py311_for_range()), 0);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("; for_range (for_range.py:1), CPython 3.11\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("      6     3  LOAD_GLOBAL                  1 (NULL + range)\n"), std::string::npos) << *text;
  EXPECT_NE(text->find(">>    36     3  FOR_ITER                     22 (to 82)\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("     74     8  BINARY_OP                    13 (+=)\n"), std::string::npos) << *text;
  EXPECT_NE(text->find("     84     9  RETURN_VALUE\n"), std::string::npos) << *text;
}

TEST(Frontend311, PrintBytecodeWorksForUnsupportedCode) {
  absl::StatusOr<std::string> text = printBytecode(bundleOf(py311_import_stmt()), 0);
  ASSERT_TRUE(text.ok()) << text.status();
  EXPECT_NE(text->find("     16     3  IMPORT_NAME                  0\n"), std::string::npos) << *text;
}

// exceptions: a protected block gets its handler as its last successor; the
// handler tests the class (exc_match) and re-raises when none matches.
TEST(Frontend311, TryExceptGivesHandlerEdges) {
  const std::string text = kir(py311_try_except());
  EXPECT_NE(text.find("exc_match"), std::string::npos) << text;
  EXPECT_NE(text.find("reraise"), std::string::npos) << text;
  EXPECT_NE(text.find("binop truediv"), std::string::npos) << text;
  // The handler copies the error it handles (catch); with no handler nested
  // inside it, nothing ever puts a copy back.
  EXPECT_NE(text.find("= catch"), std::string::npos) << text;
  EXPECT_EQ(text.find("restore_error"), std::string::npos) << text;
  // Its end (POP_EXCEPT) drops the copy, which holds the error's heap arguments.
  EXPECT_NE(text.find("drop_caught"), std::string::npos) << text;
}

// kwonly: def kwonly(a, **b) (the kwonly fixture with its keyword-only
// parameter made a **kwargs one), which the frontend still refuses.
compiler::CodeObject py311_varkw() {
  compiler::CodeObject code = py311_kwonly();
  code.kwonlyargcount = 0;
  code.flags |= 0x8;  // CO_VARKEYWORDS
  return code;
}

// kwonly: a keyword-only parameter is a parameter after the positional ones.
TEST(Frontend, KeywordOnlyParametersFollowThePositionalOnes) {
  absl::StatusOr<std::unique_ptr<ir::Function>> fn = buildFunction(bundleOf(py311_kwonly()), 0);
  ASSERT_TRUE(fn.ok()) << fn.status();
  EXPECT_EQ((*fn)->arg_names, (std::vector<std::string>{"a", "b"}));
}

struct UnsupportedCase {
  compiler::CodeObject (*code)();
  const char* message;
  int line;
};

class Unsupported311 : public ::testing::TestWithParam<UnsupportedCase> {};

TEST_P(Unsupported311, GivesLocatedDiagnostic) {
  const compiler::CodeObject code = GetParam().code();
  absl::StatusOr<std::unique_ptr<ir::Function>> fn = buildFunction(bundleOf(code), 0);
  ASSERT_FALSE(fn.ok());
  std::optional<compiler::Diagnostic> d = compiler::diagnosticOf(fn.status());
  ASSERT_TRUE(d.has_value()) << fn.status();
  EXPECT_EQ(d->kind, compiler::Diagnostic::Kind::kUnsupported);
  EXPECT_EQ(d->message, GetParam().message);
  EXPECT_EQ(d->line, GetParam().line);
  EXPECT_EQ(d->filename, code.filename);
  EXPECT_EQ(d->function, code.qualname);
}

INSTANTIATE_TEST_SUITE_P(
    Constructs, Unsupported311,
    ::testing::Values(
        UnsupportedCase{py311_import_stmt, "unsupported Python construct: an import statement", 3},

        UnsupportedCase{py311_varkw, "**kwargs parameters are not supported", 1}));

// generators: RETURN_GENERATOR pushes what the POP_TOP after it drops, and
// YIELD_VALUE is a yield op whose value (None) the next POP_TOP drops.
TEST(Frontend, GeneratorYields) {
  compiler::Bundle bundle = bundleOf(py311_generator());
  absl::StatusOr<std::unique_ptr<ir::Function>> fn = buildFunction(bundle, 0);
  ASSERT_TRUE(fn.ok()) << fn.status();
  int yields = 0;
  for (const auto& b : (*fn)->blocks)
    for (const auto& i : b->instrs) yields += i->op == ir::Op::kYield ? 1 : 0;
  EXPECT_EQ(yields, 1);
}

// closures: MAKE_FUNCTION with a closure tuple captures the cell's value
// (the argument n) and the code constant becomes the function index.
TEST(Frontend, ClosureCapturesCellValues) {
  compiler::Bundle bundle = bundleOf(py311_closure());
  absl::StatusOr<std::unique_ptr<ir::Function>> fn = buildFunction(bundle, 0);
  ASSERT_TRUE(fn.ok()) << fn.status();
  const std::string text = ir::print(**fn);
  EXPECT_NE(text.find("make_function #0"), std::string::npos) << text;
  EXPECT_EQ(text.find("const <code"), std::string::npos) << text;
}

TEST(Frontend, UnknownPythonVersionIsUnsupported) {
  compiler::Bundle bundle = bundleOf(py311_arith(), 10);
  absl::StatusOr<std::unique_ptr<ir::Function>> fn = buildFunction(bundle, 0);
  std::optional<compiler::Diagnostic> d = compiler::diagnosticOf(fn.status());
  ASSERT_TRUE(d.has_value()) << fn.status();
  EXPECT_EQ(d->kind, compiler::Diagnostic::Kind::kUnsupported);
  EXPECT_EQ(d->message, "CPython 3.10 bytecode is not supported (expected 3.11 or 3.12)");
}

TEST(Frontend, FunctionIndexOutOfRangeIsInvalidArgument) {
  compiler::Bundle bundle = bundleOf(py311_arith());
  EXPECT_EQ(buildFunction(bundle, 1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(buildFunction(bundle, -1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(printBytecode(bundle, 7).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Frontend, SupportedVersionsComeFromTheTables) {
  EXPECT_EQ(supportedPythonVersions(), (std::vector<std::string>{"3.11", "3.12"}));
}

// The pass on its own: a param fed the same value on every edge (or itself)
// goes, one fed two values stays, and the fixpoint catches params that only
// become redundant once another one is gone.
TEST(SimplifyBlockParams, RemovesRedundantParamsToFixpoint) {
  ir::Function f;
  f.name = f.qualname = "t";
  f.arg_names = {"x"};
  ir::Block* entry = f.addBlock();
  ir::Block* header = f.addBlock();
  ir::Block* exit = f.addBlock();
  ir::Block* dead = f.addBlock();
  ir::Value* x = entry->addParam("x");
  ir::Value* c = f.append(entry, ir::Op::kConst, {}, 1)->result.get();
  ir::Instr* j = f.append(entry, ir::Op::kJump, {}, 1);
  j->succs = {{header, {x, c, x}}};
  ir::Value* p0 = header->addParam();  // x and itself: redundant
  ir::Value* p1 = header->addParam();  // c and p2 (= x): stays
  ir::Value* p2 = header->addParam();  // x and p0: redundant once p0 is x (round 2)
  ir::Value* t = f.append(header, ir::Op::kTruth, {p1}, 2)->result.get();
  ir::Instr* br = f.append(header, ir::Op::kBranch, {t}, 2);
  br->succs = {{header, {p0, p2, p0}}, {exit, {}}};
  f.append(exit, ir::Op::kReturn, {p1}, 3);
  f.append(dead, ir::Op::kReturn, {x}, 4);

  transforms::SimplifyBlockParams pass;
  EXPECT_STREQ(pass.name(), "simplify-block-params");
  pass.run(f);
  f.renumber();
  ASSERT_TRUE(ir::verify(f).ok()) << ir::verify(f);
  EXPECT_EQ(ir::print(f), R"(func @t(%0 x) {
bb0(%0):
  %1 = const None                            ; line 1
  jump bb1(%1)                               ; line 1
bb1(%2):
  %3 = truth %2                              ; line 2
  branch %3, bb1(%0), bb2()                  ; line 2
bb2():
  return %2                                  ; line 3
}
)");
}

// Shapes that exercise COPY/SWAP, nested loops with for-else, and a loop at
// offset 0's doorstep. Printed so a failure shows the IR.
class Builds311 : public ::testing::TestWithParam<compiler::CodeObject (*)()> {};

TEST_P(Builds311, AndVerifies) {
  const std::string text = kir(GetParam()());
  EXPECT_EQ(text.rfind("func @", 0), 0u) << text;
  if (std::getenv("KILN_PRINT_IR")) std::cout << text;
}

INSTANTIATE_TEST_SUITE_P(Shapes, Builds311,
                         ::testing::Values(py311_chained_compare, py311_aug_subscript, py311_nested_loops,
                                           py311_while_true_first, py311_swap_assign));

}  // namespace
}  // namespace kiln::frontend::testing

// Every opcode the builder refuses names its construct as the user wrote it,
// so no diagnostic ever shows an opcode name.
TEST(OpcodeTables, EveryUnsupportedRowNamesItsConstruct) {
  for (const kiln::frontend::OpcodeTable* table : kiln::frontend::opcodeTables()) {
    for (const kiln::frontend::OpcodeRow& row : table->rows) {
      if (row.form != kiln::frontend::Form::kUnsupported) continue;
      ASSERT_NE(row.construct, nullptr) << table->minor << " " << row.name;
      EXPECT_GT(std::string(row.construct).size(), 3u) << row.name;
      EXPECT_EQ(std::string(row.construct).find('_'), std::string::npos) << row.name << ": " << row.construct;
    }
    for (const char* c : table->intrinsic1_constructs) EXPECT_NE(c, nullptr);
  }
}
